/*
 * router.h: a table of method + pattern to handler.
 *
 * Patterns are literal segments and ":name" captures ("/api/hours/:id");
 * a trailing "*" matches any rest.  HEAD matches GET routes.  A path that
 * matches no pattern is ROUTER_NOT_FOUND; one that matches a pattern under
 * other methods is ROUTER_BAD_METHOD with the Allow list filled in.
 *
 * Details: routes are tried in table order, so list literals such
 * as "/api/hours/export" before "/api/hours/:id".  A capture matches one
 * non-empty segment of the decoded path, copied as is; "*" matches zero
 * or more segments and is captured under the name "*" ("css/a.css").
 * The Allow list is sorted and de-duplicated and names HEAD with GET.
 * router_new() returns NULL for a pattern not starting with '/', an
 * empty ":" or a '*' segment before the end.
 */
#ifndef CREWLOG_ROUTER_H
#define CREWLOG_ROUTER_H

#include "buf.h"
#include "request.h"

struct ctx;
typedef void	(*handler_fn)(struct ctx *);

struct route {
	enum http_method method;
	const char	*pattern;
	handler_fn	 handler;
	unsigned	 flags;		/* the app's own: auth, csrf, ... */
};

enum router_result {
	ROUTER_FOUND,
	ROUTER_NOT_FOUND,
	ROUTER_BAD_METHOD
};

struct router;

/* The routes array must outlive the router; router_free() frees the rest. */
struct router	*router_new(const struct route *, size_t);
void		 router_free(struct router *);
/*
 * Looks path up for method.  On ROUTER_FOUND sets *out and appends the
 * captures to caps; on ROUTER_BAD_METHOD appends "GET, HEAD, POST" to allow.
 */
enum router_result router_match(const struct router *, enum http_method,
		    const char *path, const struct route **out,
		    struct kvlist *caps, struct buf *allow);

#endif
