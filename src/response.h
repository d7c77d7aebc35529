/*
 * response.h: status, headers, cookies and a body buffer, sent once.
 *
 * Headers are collected until resp_finish() serialises the response:
 * "Status:" line, headers, Content-Length (always), then the body, which
 * is dropped for HEAD.  Header values with CR or LF are refused, so
 * request bytes cannot split a response.
 */
#ifndef CREWLOG_RESPONSE_H
#define CREWLOG_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "buf.h"

struct FCGX_Stream;

enum samesite {
	SAMESITE_NONE,
	SAMESITE_LAX,
	SAMESITE_STRICT
};

struct cookie_opts {
	long		 max_age;	/* seconds; <0: session; 0: delete */
	bool		 secure;
	bool		 http_only;
	enum samesite	 same_site;
	const char	*path;		/* NULL: "/" */
};

struct response {
	int		 status;	/* default 200 */
	struct buf	 headers;	/* "Name: value\r\n" lines */
	struct buf	 body;
	char		*content_type;	/* NULL: text/html; charset=utf-8 */
	bool		 head;		/* HEAD request: no body sent */
};

void	 resp_init(struct response *);
void	 resp_free(struct response *);
/* Empties status, headers and body so a handler's partial output is gone. */
void	 resp_reset(struct response *);
void	 resp_status(struct response *, int);
int	 resp_header(struct response *, const char *, const char *);
int	 resp_cookie(struct response *, const char *, const char *,
	    const struct cookie_opts *);
void	 resp_content_type(struct response *, const char *);
/* Replaces the body with the compact JSON of v and sets the type. */
int	 resp_json(struct response *, int status, const json_t *);
/* {"error": {"code": code, "message": msg[, "fields": fields]}} */
int	 resp_json_error(struct response *, int status, const char *code,
	    const char *msg, json_t *fields /* stolen, may be NULL */);
/* The complete FastCGI stdout stream (CGI headers + body) into out. */
void	 resp_serialize(struct response *, struct buf *out);
/* Serialises and writes to the stream; -1 on a write error. */
int	 resp_finish(struct response *, struct FCGX_Stream *);
const char *resp_reason(int status);

#endif
