/*
 * fuzz_json.c: JSON bodies.  A document accepted must survive a round
 * trip through resp_json unchanged; the request path (req_parse_body)
 * runs too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "response.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct req_limits	 lim = { 1 << 20, 32 };
	struct request			 req;
	struct response			 r;
	struct req_error		 err;
	json_t				*j, *back;

	if (req_parse_json((const char *)data, size, 32, &j, &err) == 0) {
		resp_init(&r);
		if (resp_json(&r, 200, j) == -1)
			abort();
		back = json_loadb(r.body.data, r.body.len,
		    JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
		if (back == NULL || !json_equal(j, back))
			abort();
		json_decref(back);
		json_decref(j);
		resp_free(&r);
	} else if (j != NULL || err.status != 400)
		abort();

	req_init(&req);
	req.method = HTTP_POST;
	req.content_type = "application/json";
	/* An empty body is no body: accepted, with no document. */
	if (req_parse_body(&req, (const char *)data, size, &lim, &err) == 0 &&
	    (req.json == NULL) != (size == 0))
		abort();
	req_free(&req);
	return 0;
}
