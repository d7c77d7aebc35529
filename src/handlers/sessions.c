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
	reply_redirect(c, ctx_user(c) != NULL ? "/log" : "/login");
}

/* GET /login */
void
h_login_form(struct ctx *c)
{
	json_t	*v;

	if (ctx_user(c) != NULL) {
		reply_redirect(c, "/log");
		return;
	}
	v = json_object();
	jv_set(v, "form", json_object());
	reply_send(c, 200, "login", v);
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

/* The throttle's keys: the account and the client address. */
struct login_keys {
	char	*acct;
	char	*addr;
};

/*
 * Step 1: may this account and address try again?  True to go on;
 * false after sending 429 (view stolen) or a store error.
 */
static bool
login_allowed(struct ctx *c, const struct login_keys *k, json_t *v)
{
	const struct pool_config	*pc = ctx_conf(c);
	int				 rc, retry;

	rc = store_throttle_check(ctx_store(c), k->acct, k->addr,
	    pc->login_window, pc->login_max_attempts, &retry);
	if (rc != STORE_OK) {
		json_decref(v);
		reply_store_fail(c, rc);
		return false;
	}
	if (retry > 0) {
		reply_throttled(c, retry,
		    "Too many failed logins. Please "
		    "wait a few minutes and try again.",
		    "login", v);
		return false;
	}
	return true;
}

/*
 * Step 2: the password against the account's hash (a dummy one when
 * there is no such account, so both take as long).  Fills u and returns
 * STORE_OK when it matches, STORE_NOTFOUND after recording a failure,
 * or a store error.
 */
static int
login_verify(struct ctx *c, const struct login_keys *k, const char *email,
    const char *pw, struct store_user *u)
{
	struct store	*st = ctx_store(c);
	int		 rc;

	rc = store_user_by_email(st, email, u);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return rc;
	if (auth_verify_password(rc == STORE_OK ? u->pwhash : NULL, pw,
		ctx_cost(c)))
		return store_throttle_clear(st, k->acct);
	rc = store_throttle_fail(st, k->acct, k->addr,
	    ctx_conf(c)->login_window);
	return rc == STORE_OK ? STORE_NOTFOUND : rc;
}

/* Step 3: a session for u; the token (API) or a redirect (pages). */
static void
login_reply(struct ctx *c, const struct store_user *u)
{
	json_t	*v, *uj;
	char	 tok[AUTH_TOKEN_LEN + 1];
	int	 rc;

	if ((rc = sess_login(c, u->id, tok)) != STORE_OK) {
		reply_store_fail(c, rc);
		return;
	}
	if (!ctx_json(c)) {
		reply_redirect(c, "/log");
		return;
	}
	v = json_object();
	jv_set(v, "token", jv_str(tok));
	jv_set(v, "token_type", jv_str("Bearer"));
	jv_set(v, "expires_in", json_integer(ctx_conf(c)->session_ttl));
	uj = json_object();
	jv_set(uj, "id", json_integer(u->id));
	jv_set(uj, "email", jv_str(u->email));
	jv_set(uj, "name", jv_str(u->name));
	jv_set(v, "user", uj);
	reply_send(c, 201, NULL, v);
}

/*
 * POST /api/sessions {email, password} -> 201 {token, ...}; POST /login
 * -> cookie and 303 to /log.  401 with one message whether or not the
 * email exists; 429 + Retry-After when throttled; 400 naming fields.
 */
void
h_sessions_create(struct ctx *c)
{
	struct store_user	 u;
	struct login_keys	 k = { NULL, NULL };
	const char		*email, *pw;
	json_t			*errs, *form, *v;
	int			 rc;

	memset(&u, 0, sizeof(u));
	errs = json_object();
	email = ctx_field_check(c, "email", field_login_email, errs);
	pw = ctx_field_check(c, "password", field_login_password, errs);
	form = json_object();
	if (email != NULL && field_text_ok(email, strlen(email), false))
		jv_set(form, "email", jv_str(email));
	v = json_object();
	jv_set(v, "form", form);
	if (json_object_size(errs) > 0) {
		reply_fail(c, 400, "validation",
		    "Please enter your email and "
		    "password.",
		    errs, "login", v);
		return;
	}
	json_decref(errs);
	k.acct = acct_key(email);
	k.addr = xasprintf("addr:%s", ctx_client_addr(c));
	if (!login_allowed(c, &k, v))
		goto out;
	rc = login_verify(c, &k, email, pw, &u);
	if (rc == STORE_NOTFOUND) {
		reply_fail(c, 401, "invalid_credentials",
		    "Email or password "
		    "is incorrect.",
		    NULL, "login", v);
		goto out;
	}
	json_decref(v);
	if (rc != STORE_OK)
		reply_store_fail(c, rc);
	else
		login_reply(c, &u);
out:
	store_user_clear(&u);
	free(k.acct);
	free(k.addr);
}

/* DELETE /api/sessions -> 204; POST /logout -> 303 to /login. */
void
h_sessions_delete(struct ctx *c)
{
	int	 rc;

	if ((rc = sess_logout(c)) != STORE_OK) {
		reply_store_fail(c, rc);
		return;
	}
	if (ctx_json(c))
		reply_send(c, 204, NULL, NULL);
	else
		reply_redirect(c, "/login");
}

/* GET /api/me -> {id, email, name, hours, rank, entries}. */
void
h_me_get(struct ctx *c)
{
	json_t	*me = NULL;
	int	 rc;

	rc = store_me(ctx_store(c), ctx_user(c)->id, &me);
	if (rc == STORE_NOTFOUND)
		rc = STORE_ERROR;	/* a session without its astronaut */
	if (rc != STORE_OK) {
		reply_store_fail(c, rc);
		return;
	}
	reply_send(c, 200, NULL, me);
}
