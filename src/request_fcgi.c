/*
 * request_fcgi.c: the libfcgi glue of the request module (see
 * request_fcgi.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include <fcgiapp.h>

#include "request_fcgi.h"
#include "util.h"

#define READ_CHUNK	65536

int
req_read(struct request *req, struct FCGX_Request *fr,
    const struct req_limits *lim, struct req_error *err)
{
	size_t	 got = 0, want;
	int	 n, chunk;

	if (req_parse_params(req, fr->envp, lim, err) == -1)
		return -1;
	want = req->has_content_length ? req->content_length : 0;
	req->body = xmalloc(want + 1);
	while (got < want) {
		chunk = want - got > READ_CHUNK ? READ_CHUNK :
						  (int)(want - got);
		if ((n = FCGX_GetStr(req->body + got, chunk, fr->in)) <= 0)
			break;
		got += (size_t)n;
	}
	req->body[got] = '\0';
	req->body_len = got;
	if (got < want) {
		if (err != NULL) {
			err->status = 400;
			snprintf(err->field, sizeof(err->field),
			    "Content-Length");
			snprintf(err->message, sizeof(err->message),
			    "request body ended after %zu of %zu bytes", got,
			    want);
		}
		return -1;
	}
	return req_parse_body(req, req->body, got, lim, err);
}
