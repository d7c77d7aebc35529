/*
 * fuzz_sqs.c: an SQS ReceiveMessage reply, then each message body it
 * holds as board-events reads it.  Refusals must say why; an accepted
 * event must have a type.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boardevents.h"
#include "buf.h"
#include "sqs.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sqs_message	*m = NULL;
	struct buf		 err = BUF_INIT;
	char			 type[32];
	size_t			 n = 0, i;

	if (sqs_parse_receive((const char *)data, size, &m, &n, &err) == 0) {
		for (i = 0; i < n; i++) {
			buf_reset(&err);
			type[0] = '\0';
			if (boardevents_parse(m[i].body, strlen(m[i].body),
				type, sizeof(type), &err) == 0 ?
				type[0] == '\0' :
				err.len == 0)
				abort();
		}
	} else if (m != NULL || n != 0 || err.len == 0)
		abort();
	/* The same bytes as a body, straight. */
	buf_reset(&err);
	if (boardevents_parse((const char *)data, size, type, sizeof(type),
		&err) == -1 &&
	    err.len == 0)
		abort();
	sqs_messages_free(m, n);
	buf_free(&err);
	return 0;
}
