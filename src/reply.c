/*
 * reply.c: the app's answers; see reply.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jv.h"
#include "log.h"
#include "mustache.h"
#include "reply.h"
#include "session.h"

/* Renders tmpl with view plus the layout's data into the response. */
static void
render(struct ctx *c, int status, const char *tmpl, json_t *view)
{
	struct mustache_error	 me;
	struct buf		 msg = BUF_INIT;
	struct response		*r = c->resp;
	json_t			*u;
	char			 key[64];

	if (!json_is_object(view)) {
		json_decref(view);
		view = json_object();
	}
	if (ctx_user(c) != NULL) {
		u = json_object();
		jv_set(u, "name", jv_str(c->user.name));
		jv_set(view, "me", u);
	}
	/*
	 * Only pages with a form need the token (and its cookie): an
	 * anonymous leaderboard or error page goes without, keeping the
	 * most requested page free of a random draw and a Set-Cookie.
	 */
	if (ctx_user(c) != NULL || strcmp(tmpl, "signup") == 0 ||
	    strcmp(tmpl, "login") == 0)
		jv_set(view, "csrf", jv_str(sess_csrf_token(c)));
	snprintf(key, sizeof(key), "tab_%s", c->tab != NULL ? c->tab : tmpl);
	jv_set(view, key, json_true());
	buf_reset(&r->body);
	memset(&me, 0, sizeof(me));
	if (mustache_render(c->env->tmpl, tmpl, view, &r->body, &me) == -1) {
		mustache_error_format(&me, &msg);
		log_error("render %s: %s", tmpl, buf_cstr(&msg));
		buf_free(&msg);
		buf_reset(&r->body);
		buf_puts(&r->body,
		    "<!doctype html><title>Error</title>"
		    "<p>Something went wrong on our side.</p>\n");
		status = 500;
	}
	resp_status(r, status);
	resp_content_type(r, "text/html; charset=utf-8");
	json_decref(view);
}

void
reply_send(struct ctx *c, int status, const char *tmpl, json_t *view)
{
	if (!ctx_json(c) && tmpl != NULL) {
		render(c, status, tmpl, view);
		return;
	}
	if (status == 204) {
		resp_status(c->resp, 204);
		buf_reset(&c->resp->body);
		json_decref(view);
		return;
	}
	if (view == NULL)
		view = json_object();
	if (resp_json(c->resp, status, view) == -1)
		(void)resp_json_error(c->resp, 500, "internal",
		    "cannot encode the reply", NULL);
	json_decref(view);
}

struct buf *
reply_json_body(struct ctx *c, int status)
{
	resp_status(c->resp, status);
	resp_content_type(c->resp, "application/json");
	buf_reset(&c->resp->body);
	return &c->resp->body;
}

void
reply_redirect(struct ctx *c, const char *location)
{
	resp_status(c->resp, 303);
	if (resp_header(c->resp, "Location", location) == -1)
		log_error("bad redirect location");
	buf_reset(&c->resp->body);
}

static const char *
error_title(int status)
{
	switch (status) {
	case 403:
		return "This form has expired";
	case 404:
		return "Page not found";
	case 405:
		return "Method not allowed";
	case 429:
		return "Too many attempts";
	case 503:
		return "crewlog is catching its breath";
	default:
		return status >= 500 ? "Something went wrong" : "Bad request";
	}
}

void
reply_fail(struct ctx *c, int status, const char *code, const char *msg,
    json_t *fields, const char *tmpl, json_t *view)
{
	json_t	*v;

	if (ctx_json(c)) {
		json_decref(view);
		if (resp_json_error(c->resp, status, code, msg, fields) == -1)
			log_error("cannot send the %d error", status);
		return;
	}
	if (tmpl != NULL) {
		v = view != NULL ? view : json_object();
		jv_set(v, "error", jv_str(msg));
		jv_set(v, "errors", fields != NULL ? fields : json_object());
		render(c, status, tmpl, v);
		return;
	}
	json_decref(view);
	json_decref(fields);
	v = json_object();
	jv_set(v, "status", json_integer(status));
	jv_set(v, "title", jv_str(error_title(status)));
	jv_set(v, "message", jv_str(msg));
	c->tab = "error";
	render(c, status, "error", v);
}

/* A page has no "fields": its message names each field instead. */
void
reply_invalid_query(struct ctx *c, json_t *errs)
{
	struct buf	 msg = BUF_INIT;
	const char	*k, *sep = ":";
	json_t		*v;

	buf_puts(&msg, "Invalid query parameter");
	if (!ctx_json(c))
		json_object_foreach (errs, k, v) {
			buf_printf(&msg, "%s %s %s", sep, k,
			    json_string_value(v));
			sep = ";";
		}
	buf_putc(&msg, '.');
	reply_fail(c, 400, "validation", buf_cstr(&msg), errs, NULL, NULL);
	buf_free(&msg);
}

void
reply_store_fail(struct ctx *c, int rc)
{
	struct ctx_env	*env = c->env;
	char		 ra[16];

	if (rc == STORE_DOWN) {
		/* Once per 10 s per worker: an outage must not flood the log. */
		if (time(NULL) - env->down_logged >= 10) {
			env->down_logged = time(NULL);
			log_warn("database unavailable: %s",
			    store_errmsg(env->st));
		}
		snprintf(ra, sizeof(ra), "%d", store_retry_after(env->st));
		(void)resp_header(c->resp, "Retry-After", ra);
		reply_fail(c, 503, "unavailable",
		    "The database is unavailable "
		    "right now. Please try again in a moment.",
		    NULL, NULL, NULL);
		return;
	}
	log_error("database: %s", store_errmsg(env->st));
	reply_fail(c, 500, "internal", "Something went wrong on our side.",
	    NULL, NULL, NULL);
}

void
reply_throttled(struct ctx *c, int retry, const char *msg, const char *tmpl,
    json_t *view)
{
	char	 ra[16];

	snprintf(ra, sizeof(ra), "%d", retry);
	(void)resp_header(c->resp, "Retry-After", ra);
	reply_fail(c, 429, "too_many_attempts", msg, NULL, tmpl, view);
}

void
reply_security_headers(struct ctx *c)
{
	static const char *const h[][2] = {
		{ "Content-Security-Policy",
		    "default-src 'none'; "
		    "style-src 'self'; img-src 'self'; form-action 'self'; "
		    "base-uri 'none'; frame-ancestors 'none'" },
		{ "X-Content-Type-Options", "nosniff" },
		{ "Referrer-Policy", "same-origin" },
		{ "X-Frame-Options", "DENY" },
		{ "Cache-Control", "no-store" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++)
		if (resp_header(c->resp, h[i][0], h[i][1]) == -1)
			log_error("cannot set header %s", h[i][0]);
}
