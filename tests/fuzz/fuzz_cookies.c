/*
 * fuzz_cookies.c: Cookie headers.  Every cookie kept has a token name;
 * echoing it back through resp_cookie either is refused or yields one
 * header line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "response.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvlist		 l;
	struct req_error	 err;
	struct response		 r;
	const char		*crlf;
	size_t			 i;

	kv_init(&l);
	resp_init(&r);
	if (req_parse_cookies((const char *)data, size, &l, &err) == 0) {
		for (i = 0; i < l.n; i++) {
			if (l.v[i].key[0] == '\0' ||
			    strpbrk(l.v[i].key, " \t;=,\"") != NULL)
				abort();
			buf_reset(&r.headers);
			if (resp_cookie(&r, l.v[i].key, l.v[i].val, NULL) ==
			    -1)
				continue;
			crlf = strstr(buf_cstr(&r.headers), "\r\n");
			if (crlf == NULL || crlf[2] != '\0' ||
			    strchr(r.headers.data, '\n') != crlf + 1)
				abort();
		}
	} else if (err.status != 400 || strcmp(err.field, "Cookie") != 0)
		abort();
	resp_free(&r);
	kv_free(&l);
	return 0;
}
