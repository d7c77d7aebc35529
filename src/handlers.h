/*
 * handlers.h: the app's request handlers and what they share.
 *
 * One handler serves a resource for both the JSON API and the pages: it
 * validates, calls the store, builds one json_t view-model and passes it
 * to app_send(), which answers JSON or renders the page template from
 * the same object.  Handlers are named h_<resource>_<verb>; each lives in
 * src/handlers/<resource>.c.  The helpers below are defined in app.c and
 * valid only while app_handle() runs.
 */
#ifndef CREWLOG_HANDLERS_H
#define CREWLOG_HANDLERS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "app.h"
#include "auth.h"
#include "store.h"

/* --- app.c: shared by the handlers ---------------------------------- */

struct store		*app_store(struct ctx *);
/* The logged-in astronaut, or NULL. */
const struct store_user	*app_user(struct ctx *);
/* True when the reply is JSON (API path or Accept), false for a page. */
bool			 app_json(struct ctx *);
const struct auth_cost	*app_cost(struct ctx *);
/*
 * A field of the JSON body (a string) or else of the form body; NULL if
 * absent.  *bad is set when the JSON value is not a string.
 */
const char		*app_field(struct ctx *, const char *name, bool *bad);
/* The JSON body's value for name, or NULL (form bodies: NULL). */
json_t			*app_json_field(struct ctx *, const char *name);
/* A route capture (":id") as a positive id, or -1. */
int64_t			 app_route_id(struct ctx *, const char *name);

/*
 * Sends view (stolen) with status: as JSON, or as template tmpl inside
 * the layout.  A NULL view sends an empty object (JSON) or 204.
 */
void			 app_send(struct ctx *, int status, const char *tmpl,
			    json_t *view);
/* 303 See Other to a local path (pages after a POST). */
void			 app_redirect(struct ctx *, const char *location);
/*
 * Sends an error: JSON {"error": {code, message, fields}}, or for pages
 * tmpl re-rendered from view with "error" and "errors" added (the form
 * keeps the user's input), or the error page when tmpl is NULL.
 * fields and view are stolen and may be NULL.
 */
void			 app_fail(struct ctx *, int status, const char *code,
			    const char *msg, json_t *fields, const char *tmpl,
			    json_t *view);
/* 503 (with Retry-After) for STORE_DOWN, else 500; logs why. */
void			 app_store_fail(struct ctx *, int rc);
/*
 * Starts a session for user: a new token whose hash is stored; pages
 * get it as a cookie (any previous session is ended: rotation).
 * token receives it for the API.  Returns a STORE_* code.
 */
int			 app_login(struct ctx *, int64_t user,
			    char token[AUTH_TOKEN_LEN + 1]);
/* Ends the request's session server-side and clears the cookie. */
int			 app_logout(struct ctx *);
/* Login throttling keys of this request. */
const char		*app_client_addr(struct ctx *);
/*
 * The leaderboard slice through the per-worker cache: *entries is a new
 * reference to [{rank, name, hours}], ids[] (limit long) the astronauts.
 */
int			 app_board(struct ctx *, int64_t limit, int64_t offset,
			    json_t **entries, const int64_t **ids,
			    int64_t *total);
/*
 * The same slice as GET /api/leaderboard's JSON body, {"entries": [...],
 * "total", "limit", "offset"}, appended to body.  Returns a STORE_* code.
 */
int			 app_board_json(struct ctx *, int64_t limit,
			    int64_t offset, struct buf *body);
/* After a committed write that changes totals: drops every cached slice. */
void			 app_board_changed(struct ctx *);

/* View-model building: abort on OOM, like xmalloc. */
void			 app_vset(json_t *, const char *key, json_t *stolen);
/* A JSON string; bytes that are not UTF-8 become "?". */
json_t			*app_vstr(const char *);

/* --- src/handlers/: one file per resource ---------------------- */

void	 h_home_get(struct ctx *);
void	 h_signup_form(struct ctx *);
void	 h_users_create(struct ctx *);
void	 h_login_form(struct ctx *);
void	 h_sessions_create(struct ctx *);
void	 h_sessions_delete(struct ctx *);
void	 h_me_get(struct ctx *);
void	 h_hours_list(struct ctx *);
void	 h_hours_create(struct ctx *);
void	 h_hours_get(struct ctx *);
void	 h_hours_update(struct ctx *);
void	 h_hours_delete(struct ctx *);
void	 h_board_get(struct ctx *);

#endif
