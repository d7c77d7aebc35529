/*
 * request_fcgi.h: a struct request read from a libfcgi request.
 *
 * The only part of the request module that touches libfcgi, kept apart
 * so the parsers in request.c link (and fuzz) without it.
 */
#ifndef CREWLOG_REQUEST_FCGI_H
#define CREWLOG_REQUEST_FCGI_H

#include "request.h"

struct FCGX_Request;

/*
 * req_parse_params() on the request's params, then exactly Content-Length
 * bytes of FastCGI stdin (fewer: 400 naming Content-Length), then
 * req_parse_body().  Nothing of the body is read when the params already
 * fail, so a 413 costs no body bytes.  0, or -1 with err set; req owns
 * what it read either way (req_free()).
 */
int	 req_read(struct request *, struct FCGX_Request *,
	    const struct req_limits *, struct req_error *);

#endif
