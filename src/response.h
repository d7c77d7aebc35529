/*
 * response.h: status, headers, cookies and a body buffer, sent once.
 *
 * Headers are collected until resp_finish() serialises the response:
 * "Status:" line, headers, Content-Length (always), then the body, which
 * is dropped for HEAD.  Header values with CR or LF are refused, so
 * request bytes cannot split a response.
 *
 * Details: 204 and 304 carry no body, hence no Content-Length or
 * Content-Type (RFC 9110).  resp_header() sends "Content-Type" to
 * resp_content_type() and refuses Content-Length and Status, which are
 * ours to write.  A zeroed struct cookie_opts means SameSite=None, which
 * is only written with Secure (browsers drop it otherwise); resp_cookie()
 * with NULL options sets a session cookie for "/", HttpOnly, Lax.
 */
#ifndef CREWLOG_RESPONSE_H
#define CREWLOG_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "buf.h"


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
/*
 * An error reply in the form the client accepts.  json:
 * {"error": {"code", "message"[, "fields": {field: message}]}}; else a
 * small self-contained HTML page with the message HTML-escaped.  Sets
 * status and Content-Type and replaces the body; headers already added
 * (Allow, Location, ...) stay.  code NULL: one derived from status;
 * message NULL: the reason phrase; field NULL or "": no "fields".
 * Returns 0, or -1 when nothing could be built (status and body are
 * then a bare 500).
 */
int	 resp_error(struct response *, bool json, int status,
	    const char *code, const char *message, const char *field);
/* The complete FastCGI stdout stream (CGI headers + body) into out. */
void	 resp_serialize(struct response *, struct buf *out);
/* The status line and every header, up to and with the blank line. */
void	 resp_serialize_head(const struct response *, struct buf *out);
/* The body is sent unless HEAD or a status that never carries one. */
bool	 resp_sends_body(const struct response *);
const char *resp_reason(int status);

#endif
