/*
 * fuzz_form.c: an application/x-www-form-urlencoded POST body through
 * req_parse_body, then ctx_field lookups: every key parsed is a field
 * that is present (usable or invalid), never absent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "request.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct req_limits	 lim = { 65536, 16 };
	struct request			 req;
	struct req_error		 err;
	size_t				 i;
	struct ctx			 c;
	const char			*v;

	req_init(&req);
	req.method = HTTP_POST;
	req.content_type = "application/x-www-form-urlencoded";
	memset(&err, 0, sizeof(err));
	if (req_parse_body(&req, (const char *)data, size, &lim, &err) == 0) {
		if (req.body_len != size || memcmp(req.body, data, size) != 0)
			abort();
		ctx_init(&c, NULL, &req, NULL);
		for (i = 0; i < req.form.n; i++)
			if (ctx_field(&c, req.form.v[i].key, &v) == CTX_ABSENT)
				abort();
		ctx_free(&c);
	} else if (err.status != 400 && err.status != 413)
		abort();
	req_free(&req);
	return 0;
}
