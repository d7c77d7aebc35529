/*
 * fuzz_form.c: an application/x-www-form-urlencoded POST body through
 * req_parse_body, then lookups: every key parsed is found again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

	req_init(&req);
	req.method = HTTP_POST;
	req.content_type = "application/x-www-form-urlencoded";
	memset(&err, 0, sizeof(err));
	if (req_parse_body(&req, (const char *)data, size, &lim, &err) == 0) {
		if (req.body_len != size || memcmp(req.body, data, size) != 0)
			abort();
		for (i = 0; i < req.form.n; i++)
			if (kv_get(&req.form, req.form.v[i].key) == NULL)
				abort();
	} else if (err.status != 400 && err.status != 413)
		abort();
	req_free(&req);
	return 0;
}
