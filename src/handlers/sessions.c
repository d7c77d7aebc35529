/*
 * sessions.c: logging in and out (POST|DELETE /api/sessions, GET|POST
 * /login, POST /logout), /api/me and the home page.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "handlers.h"
#include "log.h"
#include "util.h"

/* GET /: the log for astronauts, the login form for visitors. */
void
h_home_get(struct ctx *c)
{
	app_redirect(c, app_user(c) != NULL ? "/log" : "/login");
}

/* GET /login */
void
h_login_form(struct ctx *c)
{
	json_t	*v;

	if (app_user(c) != NULL) {
		app_redirect(c, "/log");
		return;
	}
	v = json_object();
	app_vset(v, "form", json_object());
	app_send(c, 200, "login", v);
}

/* "acct:" and the email lower-cased (ASCII; the store compares lower()). */
static char *
acct_key(const char *email)
{
	char	*k = xasprintf("acct:%s", email), *p;

	for (p = k; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return k;
}

static void
login_failed(struct ctx *c, json_t *v)
{
	app_fail(c, 401, "invalid_credentials", "Email or password is "
	    "incorrect.", NULL, "login", v);
}

/*
 * POST /api/sessions {email, password} -> 201 {token, ...}; POST /login
 * -> cookie and 303 to /log.  401 with one message whether or not the
 * email exists; 429 + Retry-After when throttled; 400 naming fields.
 */
void
h_sessions_create(struct ctx *c)
{
	struct store		*st = app_store(c);
	struct store_user	 u;
	const char		*email, *pw;
	bool			 be, bp, ok;
	json_t			*errs, *form, *v, *uj;
	char			*acct = NULL, *addr = NULL, ra[16];
	char			 tok[AUTH_TOKEN_LEN + 1];
	int			 rc, retry;

	memset(&u, 0, sizeof(u));
	email = app_field(c, "email", &be);
	pw = app_field(c, "password", &bp);
	errs = json_object();
	if (be || bp || email == NULL || *email == '\0' || pw == NULL ||
	    *pw == '\0' || strlen(email) > FIELD_EMAIL_MAX ||
	    strlen(pw) > FIELD_PASSWORD_MAX) {
		if (be || email == NULL || *email == '\0' ||
		    strlen(email) > FIELD_EMAIL_MAX)
			app_vset(errs, "email", app_vstr(be ? "must be a "
			    "string of text" : email == NULL || *email == '\0' ?
			    "is required" : "must be at most 254 characters"));
		if (bp || pw == NULL || *pw == '\0' ||
		    strlen(pw) > FIELD_PASSWORD_MAX)
			app_vset(errs, "password", app_vstr(bp ? "must be a "
			    "string of text" : pw == NULL || *pw == '\0' ?
			    "is required" : "must be at most 1024 bytes"));
	}
	form = json_object();
	if (email != NULL && !be && field_text_ok(email, strlen(email),
	    false))
		app_vset(form, "email", app_vstr(email));
	v = json_object();
	app_vset(v, "form", form);
	if (json_object_size(errs) > 0) {
		app_fail(c, 400, "validation", "Please enter your email and "
		    "password.", errs, "login", v);
		return;
	}
	json_decref(errs);
	acct = acct_key(email);
	addr = xasprintf("addr:%s", app_client_addr(c));
	rc = store_throttle_check(st, acct, addr, c->conf->login_window,
	    c->conf->login_max_attempts, &retry);
	if (rc != STORE_OK)
		goto storefail;
	if (retry > 0) {
		snprintf(ra, sizeof(ra), "%d", retry);
		(void)resp_header(c->resp, "Retry-After", ra);
		app_fail(c, 429, "too_many_attempts", "Too many failed logins. "
		    "Please wait a few minutes and try again.", NULL, "login",
		    v);
		goto out;
	}
	rc = store_user_by_email(st, email, &u);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		goto storefail;
	ok = auth_verify_password(rc == STORE_OK ? u.pwhash : NULL, pw,
	    app_cost(c));
	if (!ok) {
		if ((rc = store_throttle_fail(st, acct, addr,
		    c->conf->login_window)) != STORE_OK)
			goto storefail;
		login_failed(c, v);
		goto out;
	}
	if ((rc = store_throttle_clear(st, acct)) != STORE_OK ||
	    (rc = app_login(c, u.id, tok)) != STORE_OK)
		goto storefail;
	if (!app_json(c)) {
		json_decref(v);
		app_redirect(c, "/log");
		goto out;
	}
	json_decref(v);
	v = json_object();
	app_vset(v, "token", app_vstr(tok));
	app_vset(v, "token_type", app_vstr("Bearer"));
	app_vset(v, "expires_in", json_integer(c->conf->session_ttl));
	uj = json_object();
	app_vset(uj, "id", json_integer(u.id));
	app_vset(uj, "email", app_vstr(u.email));
	app_vset(uj, "name", app_vstr(u.name));
	app_vset(v, "user", uj);
	app_send(c, 201, NULL, v);
	goto out;
storefail:
	json_decref(v);
	app_store_fail(c, rc);
out:
	store_user_clear(&u);
	free(acct);
	free(addr);
}

/* DELETE /api/sessions -> 204; POST /logout -> 303 to /login. */
void
h_sessions_delete(struct ctx *c)
{
	int	 rc;

	if ((rc = app_logout(c)) != STORE_OK) {
		app_store_fail(c, rc);
		return;
	}
	if (app_json(c))
		app_send(c, 204, NULL, NULL);
	else
		app_redirect(c, "/login");
}

/* GET /api/me -> {id, email, name, hours, rank, entries}. */
void
h_me_get(struct ctx *c)
{
	json_t	*me = NULL;
	int	 rc;

	rc = store_me(app_store(c), app_user(c)->id, &me);
	if (rc == STORE_NOTFOUND)
		rc = STORE_ERROR;	/* a session without its astronaut */
	if (rc != STORE_OK) {
		app_store_fail(c, rc);
		return;
	}
	app_send(c, 200, NULL, me);
}
