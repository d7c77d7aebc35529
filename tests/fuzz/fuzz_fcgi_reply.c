/*
 * fuzz_fcgi_reply.c: the FastCGI reply reader of crewlog healthcheck.
 * A complete reply yields an HTTP status from 100 to 599; a failure
 * always says why.
 */
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "healthcheck.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	 why = BUF_INIT;
	int		 status = 0, rc;

	rc = hc_parse_reply(data, size, &status, &why);
	if (rc == 0 && (status < 100 || status > 599))
		abort();
	if (rc == -1 && why.len == 0)
		abort();
	if (rc == 1 && why.len != 0)
		abort();
	buf_free(&why);
	return 0;
}
