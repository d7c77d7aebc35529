/*
 * reply.h: the app's answers, as JSON or as a rendered page.
 *
 * A handler builds one json_t view-model and hands it here: the API gets
 * it as JSON, a browser the page template rendered from the same object
 * inside the layout, so the two cannot drift apart.  Every view and
 * fields object passed in is stolen, also when the call fails; each call
 * sets status and body, so a handler calls exactly one of them.
 */
#ifndef CREWLOG_REPLY_H
#define CREWLOG_REPLY_H

#include <jansson.h>

#include "ctx.h"

/*
 * Sends view with status: as JSON, or as template tmpl inside the
 * layout.  A NULL view sends {} (JSON); status 204 sends no body.
 */
void	 reply_send(struct ctx *, int status, const char *tmpl, json_t *view);
/*
 * A JSON answer whose bytes the caller already has (a cached
 * serialisation): sets status and the JSON content type, empties the
 * body and returns it for the caller to append to.  If the caller then
 * fails, one of the calls below replaces the whole answer.
 */
struct buf *reply_json_body(struct ctx *, int status);
/* 303 See Other to a local path (pages after a POST). */
void	 reply_redirect(struct ctx *, const char *location);
/*
 * An error: JSON {"error": {code, message, fields}}, or for pages tmpl
 * re-rendered from view with "error" and "errors" added (the form keeps
 * the user's input), or the error page when tmpl is NULL.
 */
void	 reply_fail(struct ctx *, int status, const char *code,
	    const char *msg, json_t *fields, const char *tmpl, json_t *view);
/* 400 "validation" naming each field of errs (the query's). */
void	 reply_invalid_query(struct ctx *, json_t *errs);
/* 503 with Retry-After for STORE_DOWN, else 500; logs why. */
void	 reply_store_fail(struct ctx *, int rc);
/* 429 with Retry-After: retry seconds; tmpl/view as reply_fail(). */
void	 reply_throttled(struct ctx *, int retry, const char *msg,
	    const char *tmpl, json_t *view);
/* The security headers every app response carries. */
void	 reply_security_headers(struct ctx *);

#endif
