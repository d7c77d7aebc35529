/*
 * fuzz_awscreds.c: the ECS task-role endpoint's JSON.  A document
 * accepted must have filled every field; one refused must have said why
 * and left the credentials empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "awscreds.h"
#include "buf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_creds	 c;
	struct buf		 err = BUF_INIT;

	memset(&c, 0, sizeof(c));
	if (awscreds_parse((const char *)data, size, &c, &err) == 0) {
		if (c.access_key == NULL || c.secret_key == NULL ||
		    c.token == NULL || err.len != 0)
			abort();
	} else if (c.access_key != NULL || err.len == 0)
		abort();
	awscreds_clear(&c);
	buf_free(&err);
	return 0;
}
