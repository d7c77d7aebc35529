/*
 * users.c: signing up (POST /api/users, GET|POST /signup).
 */
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "handlers.h"
#include "log.h"
#include "util.h"

/* GET /signup: the form, or the log page for someone logged in. */
void
h_signup_form(struct ctx *c)
{
	json_t	*v;

	if (ctx_user(c) != NULL) {
		reply_redirect(c, "/log");
		return;
	}
	v = json_object();
	jv_set(v, "form", json_object());
	reply_send(c, 200, "signup", v);
}

/*
 * Sign-up is throttled per client address, every attempt that reaches
 * the database counting (signup.max_attempts per signup.window): one
 * address cannot fill the leaderboard or probe which emails exist.
 * Returns true to go on; false after sending 429 (view stolen) or a
 * store error.
 */
static bool
signup_allowed(struct ctx *c, json_t *v)
{
	const struct pool_config	*pc = ctx_conf(c);
	char				*key;
	int				 rc, retry = 0;

	key = xasprintf("signup:%s", ctx_client_addr(c));
	rc = store_throttle_check(ctx_store(c), key, key, pc->signup_window,
	    pc->signup_max_attempts, &retry);
	if (rc == STORE_OK && retry == 0)
		rc = store_throttle_note(ctx_store(c), key, pc->signup_window);
	free(key);
	if (rc != STORE_OK) {
		json_decref(v);
		reply_store_fail(c, rc);
		return false;
	}
	if (retry > 0) {
		reply_throttled(c, retry,
		    "Too many sign-ups from your "
		    "address. Please wait and try again.",
		    "signup", v);
		return false;
	}
	return true;
}

/*
 * POST /api/users {email, name, password} -> 201 {id, email, name};
 * POST /signup -> logged in, 303 to /log.  400 naming fields, 409 when
 * the email is taken, 429 + Retry-After when throttled, 503/500 from the
 * store.
 */
void
h_users_create(struct ctx *c)
{
	const char	*email, *name, *pw;
	json_t		*errs, *form, *v;
	char		 hash[AUTH_PWHASH_MAX], tok[AUTH_TOKEN_LEN + 1];
	int64_t		 id;
	int		 rc;

	errs = json_object();
	email = ctx_field_check(c, "email", field_email, errs);
	name = ctx_field_check(c, "name", field_name, errs);
	pw = ctx_field_check(c, "password", field_password, errs);
	/* The form comes back with what was typed, never the password. */
	form = json_object();
	if (email != NULL && field_text_ok(email, strlen(email), false))
		jv_set(form, "email", jv_str(email));
	if (name != NULL && field_text_ok(name, strlen(name), false))
		jv_set(form, "name", jv_str(name));
	v = json_object();
	jv_set(v, "form", form);
	if (json_object_size(errs) > 0) {
		reply_fail(c, 400, "validation",
		    "Please correct the "
		    "highlighted fields.",
		    errs, "signup", v);
		return;
	}
	if (!signup_allowed(c, v)) {
		json_decref(errs);
		return;
	}
	if (auth_hash_password(pw, ctx_cost(c), hash) == -1) {
		log_error("password hashing failed (out of memory?)");
		reply_fail(c, 500, "internal",
		    "Something went wrong on our "
		    "side.",
		    errs, NULL, v);
		return;
	}
	rc = store_user_create(ctx_store(c), email, name, hash, &id);
	if (rc == STORE_CONFLICT) {
		jv_set(errs, "email", jv_str("is already registered"));
		reply_fail(c, 409, "email_taken",
		    "That email is already "
		    "registered. Log in instead?",
		    errs, "signup", v);
		return;
	}
	json_decref(errs);
	json_decref(v);
	if (rc != STORE_OK) {
		reply_store_fail(c, rc);
		return;
	}
	bcache_changed(ctx_board(c));
	if (!ctx_json(c)) {
		/* The account exists now; a failed login just asks again. */
		if (sess_login(c, id, tok) != STORE_OK)
			reply_redirect(c, "/login");
		else
			reply_redirect(c, "/log");
		return;
	}
	v = json_object();
	jv_set(v, "id", json_integer(id));
	jv_set(v, "email", jv_str(email));
	jv_set(v, "name", jv_str(name));
	reply_send(c, 201, NULL, v);
}
