/*
 * response_fcgi.c: the libfcgi glue of the response module (see
 * response_fcgi.h).
 */
#include <limits.h>
#include <stddef.h>

#include <fcgiapp.h>

#include "response_fcgi.h"

/* Writes len bytes in chunks libfcgi's int lengths can carry. */
static int
put_all(const char *p, size_t len, struct FCGX_Stream *out)
{
	size_t	 off, n;

	for (off = 0; off < len; off += n) {
		n = len - off > INT_MAX / 2 ? INT_MAX / 2 : len - off;
		if (FCGX_PutStr(p + off, (int)n, out) != (int)n)
			return -1;
	}
	return 0;
}

/*
 * The head is built in one buffer sized up front, then the body goes
 * straight from its own buffer: the body is never copied here.  What
 * fits in the stream's buffer stays there until FCGX_Finish_r().
 */
int
resp_finish(struct response *r, struct FCGX_Stream *out)
{
	struct buf	 head = BUF_INIT;
	int		 rc = -1;

	buf_reserve(&head, 160 + r->headers.len);
	resp_serialize_head(r, &head);
	if (put_all(head.data, head.len, out) == -1)
		goto out;
	if (resp_sends_body(r) &&
	    put_all(r->body.data, r->body.len, out) == -1)
		goto out;
	/*
	 * No FCGX_FFlush(): FCGX_Finish_r() sends the rest of the buffer
	 * with the end-request record, one write(2) for a small response
	 * instead of two.  An error there is the client's loss alone.
	 */
	rc = 0;
out:
	buf_free(&head);
	return rc;
}
