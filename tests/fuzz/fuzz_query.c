/*
 * fuzz_query.c: query strings and percent-decoding.  Checks that every
 * parameter kept has a non-empty name without NUL and that decoding
 * never grows the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*s = (const char *)data;
	struct kvlist		 l;
	struct req_error	 err;
	char			*out;
	size_t			 i, n;

	kv_init(&l);
	if (req_parse_query(s, size, &l, &err) == 0) {
		if (l.n > REQ_FIELDS_MAX)
			abort();
		for (i = 0; i < l.n; i++)
			if (l.v[i].key[0] == '\0' ||
			    l.v[i].val[l.v[i].vlen] != '\0')
				abort();
	} else if (err.status != 400)
		abort();
	kv_free(&l);
	if (req_percent_decode(s, size, true, &out, &n, &err) == 0) {
		if (n > size || out[n] != '\0')
			abort();
		free(out);
	} else if (out != NULL)
		abort();
	return 0;
}
