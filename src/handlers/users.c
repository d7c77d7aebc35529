/*
 * users.c: signing up (POST /api/users, GET|POST /signup).
 */
#include <string.h>

#include "fields.h"
#include "handlers.h"
#include "log.h"

/* GET /signup: the form, or the log page for someone logged in. */
void
h_signup_form(struct ctx *c)
{
	json_t	*v;

	if (app_user(c) != NULL) {
		app_redirect(c, "/log");
		return;
	}
	v = json_object();
	app_vset(v, "form", json_object());
	app_send(c, 200, "signup", v);
}

/* Adds field's message to errs: msg, or one for a non-string value. */
static void
check(json_t *errs, const char *field, bool bad, const char *msg)
{
	if (bad)
		msg = "must be a string of text";
	if (msg != NULL)
		app_vset(errs, field, app_vstr(msg));
}

/*
 * POST /api/users {email, name, password} -> 201 {id, email, name};
 * POST /signup -> logged in, 303 to /log.  400 naming fields, 409 when
 * the email is taken, 503/500 from the store.
 */
void
h_users_create(struct ctx *c)
{
	const char	*email, *name, *pw;
	bool		 be, bn, bp;
	json_t		*errs, *form, *v;
	char		 hash[AUTH_PWHASH_MAX], tok[AUTH_TOKEN_LEN + 1];
	int64_t		 id;
	int		 rc;

	email = app_field(c, "email", &be);
	name = app_field(c, "name", &bn);
	pw = app_field(c, "password", &bp);
	errs = json_object();
	check(errs, "email", be, field_email(email));
	check(errs, "name", bn, field_name(name));
	check(errs, "password", bp, field_password(pw));
	/* The form comes back with what was typed, never the password. */
	form = json_object();
	if (email != NULL && field_text_ok(email, strlen(email), false))
		app_vset(form, "email", app_vstr(email));
	if (name != NULL && field_text_ok(name, strlen(name), false))
		app_vset(form, "name", app_vstr(name));
	v = json_object();
	app_vset(v, "form", form);
	if (json_object_size(errs) > 0) {
		app_fail(c, 400, "validation", "Please correct the "
		    "highlighted fields.", errs, "signup", v);
		return;
	}
	if (auth_hash_password(pw, app_cost(c), hash) == -1) {
		log_error("password hashing failed (out of memory?)");
		app_fail(c, 500, "internal", "Something went wrong on our "
		    "side.", errs, NULL, v);
		return;
	}
	rc = store_user_create(app_store(c), email, name, hash, &id);
	if (rc == STORE_CONFLICT) {
		app_vset(errs, "email", app_vstr("is already registered"));
		app_fail(c, 409, "email_taken", "That email is already "
		    "registered. Log in instead?", errs, "signup", v);
		return;
	}
	json_decref(errs);
	if (rc != STORE_OK) {
		json_decref(v);
		app_store_fail(c, rc);
		return;
	}
	json_decref(v);
	app_board_changed(c);
	if (!app_json(c)) {
		/* The account exists now; a failed login just asks again. */
		if (app_login(c, id, tok) != STORE_OK)
			app_redirect(c, "/login");
		else
			app_redirect(c, "/log");
		return;
	}
	v = json_object();
	app_vset(v, "id", json_integer(id));
	app_vset(v, "email", app_vstr(email));
	app_vset(v, "name", app_vstr(name));
	app_send(c, 201, NULL, v);
}
