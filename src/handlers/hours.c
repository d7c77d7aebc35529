/*
 * hours.c: an astronaut's hour logs.
 *
 *   GET    /api/hours[?limit=&offset=]	GET  /log[?page=]
 *   POST   /api/hours			POST /log
 *   GET    /api/hours/:id		GET  /log/:id/edit
 *   PATCH  /api/hours/:id		POST /log/:id
 *   DELETE /api/hours/:id		POST /log/:id/delete
 *
 * Someone else's entry is 404, exactly like one that does not exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fields.h"
#include "handlers.h"

#define PAGE_SIZE	20

/* The form's view of an entry or of what was typed. */
struct entry_in {
	const char	*date;
	const char	*hours;		/* as typed (pages) */
	const char	*activity;
	int		 quarters;
};

/* Today in UTC, for the form's default date. */
static void
today(char out[11])
{
	time_t		 t = time(NULL);
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 11, "%Y-%m-%d", &tm) == 0)
		snprintf(out, 11, "2026-01-01");
}

static void
set_msg(json_t *errs, const char *field, const char *msg)
{
	if (msg != NULL && json_object_get(errs, field) == NULL)
		app_vset(errs, field, app_vstr(msg));
}

/*
 * Reads date, hours and activity into in; absent fields keep in's values
 * when partial (PATCH), else are "is required".  Messages go to errs.
 */
static void
read_entry(struct ctx *c, struct entry_in *in, bool partial, json_t *errs)
{
	const char	*s;
	json_t		*h;
	bool		 bad;

	s = app_field(c, "date", &bad);
	if (bad)
		set_msg(errs, "date", "must be a string of text");
	else if (s != NULL || !partial) {
		in->date = s;
		set_msg(errs, "date", field_date(s));
	}
	s = app_field(c, "activity", &bad);
	if (bad)
		set_msg(errs, "activity", "must be a string of text");
	else if (s != NULL || !partial) {
		in->activity = s;
		set_msg(errs, "activity", field_activity(s));
	}
	if ((h = app_json_field(c, "hours")) != NULL && json_is_number(h)) {
		set_msg(errs, "hours", field_hours_num(json_number_value(h),
		    &in->quarters));
		return;
	}
	s = app_field(c, "hours", &bad);
	if (h != NULL && !json_is_null(h) && !json_is_string(h))
		set_msg(errs, "hours", "must be a number like 2.5");
	else if (s != NULL || !partial) {
		in->hours = s;
		set_msg(errs, "hours", field_hours_text(s, &in->quarters));
	}
}

/*
 * The request's idempotency key: the Idempotency-Key header, else the
 * body's idempotency_key field (the log page's form carries one).  NULL
 * when absent; a bad one puts its message under the name it came by.
 */
static const char *
read_idem_key(struct ctx *c, json_t *errs)
{
	const char	*k, *name = "Idempotency-Key";
	bool		 bad = false;

	if ((k = req_header(c->req, "idempotency-key")) == NULL) {
		name = "idempotency_key";
		k = app_field(c, name, &bad);
	}
	if (bad)
		set_msg(errs, name, "must be a string of text");
	else
		set_msg(errs, name, field_idem_key(k));
	return json_object_get(errs, name) != NULL ? NULL : k;
}

/* What the form shows again: the user's input where it is printable. */
static json_t *
form_json(const struct entry_in *in)
{
	json_t	*f = json_object();

	if (in->date != NULL && field_text_ok(in->date, strlen(in->date),
	    false))
		app_vset(f, "date", app_vstr(in->date));
	if (in->hours != NULL && field_text_ok(in->hours, strlen(in->hours),
	    false))
		app_vset(f, "hours", app_vstr(in->hours));
	if (in->activity != NULL && field_text_ok(in->activity,
	    strlen(in->activity), false))
		app_vset(f, "activity", app_vstr(in->activity));
	return f;
}

/*
 * The list view: {entries, total, limit, offset} plus, for pages, the
 * pagination.  Returns a STORE_* code; *out is new on STORE_OK.
 */
static int
list_view(struct ctx *c, int64_t limit, int64_t offset, json_t **out)
{
	json_t		*list = NULL, *v;
	int64_t		 total, page;
	int		 rc;
	char		 link[48];

	rc = store_hours_list(app_store(c), app_user(c)->id, limit, offset,
	    &list, &total);
	if (rc != STORE_OK)
		return rc;
	v = json_object();
	app_vset(v, "entries", list);
	app_vset(v, "total", json_integer(total));
	app_vset(v, "limit", json_integer(limit));
	app_vset(v, "offset", json_integer(offset));
	if (!app_json(c)) {
		page = offset / limit + 1;
		app_vset(v, "page", json_integer(page));
		app_vset(v, "has_entries", json_boolean(json_array_size(
		    list) > 0));
		if (page > 1) {
			snprintf(link, sizeof(link), "/log?page=%lld",
			    (long long)page - 1);
			app_vset(v, "prev", app_vstr(link));
		}
		if (offset + limit < total) {
			snprintf(link, sizeof(link), "/log?page=%lld",
			    (long long)page + 1);
			app_vset(v, "next", app_vstr(link));
		}
	}
	*out = v;
	return STORE_OK;
}

/* Page or limit/offset from the query; 0 or -1 after a 400. */
static int
paging(struct ctx *c, int64_t *limit, int64_t *offset)
{
	const char	*s;
	json_t		*errs = json_object();
	int64_t		 page = 1;

	*limit = app_json(c) ? 50 : PAGE_SIZE;
	*offset = 0;
	if (app_json(c)) {
		if ((s = kv_get(&c->req->query, "limit")) != NULL &&
		    field_int(s, 1, 100, limit) != NULL)
			set_msg(errs, "limit", "must be an integer from 1 to "
			    "100");
		if ((s = kv_get(&c->req->query, "offset")) != NULL &&
		    field_int(s, 0, 1000000000, offset) != NULL)
			set_msg(errs, "offset", "must be an integer from 0 "
			    "to 1000000000");
	} else if ((s = kv_get(&c->req->query, "page")) != NULL) {
		if (field_int(s, 1, 10000000, &page) != NULL)
			set_msg(errs, "page", "must be an integer from 1 to "
			    "10000000");
		*offset = (page - 1) * *limit;
	}
	if (json_object_size(errs) > 0) {
		app_fail(c, 400, "validation", "Invalid query parameter.",
		    errs, NULL, NULL);
		return -1;
	}
	json_decref(errs);
	return 0;
}

/* The log page's view, with the add form filled from form (stolen). */
static int
log_view(struct ctx *c, json_t *form, json_t **out)
{
	int64_t		 limit, offset = 0, page = 1;
	const char	*s;
	char		 day[11], key[AUTH_TOKEN_LEN + 1];
	int		 rc;

	limit = PAGE_SIZE;
	if ((s = kv_get(&c->req->query, "page")) != NULL &&
	    field_int(s, 1, 10000000, &page) == NULL)
		offset = (page - 1) * limit;
	if ((rc = list_view(c, limit, offset, out)) != STORE_OK) {
		json_decref(form);
		return rc;
	}
	if (json_object_get(form, "date") == NULL) {
		today(day);
		app_vset(form, "date", app_vstr(day));
	}
	/* A new key per page: resubmitting this page's form adds once. */
	auth_new_token(key);
	app_vset(form, "idempotency_key", app_vstr(key));
	app_vset(*out, "form", form);
	return STORE_OK;
}

void
h_hours_list(struct ctx *c)
{
	json_t	*v = NULL;
	int64_t	 limit, offset;
	int	 rc;

	if (paging(c, &limit, &offset) == -1)
		return;
	if (app_json(c))
		rc = list_view(c, limit, offset, &v);
	else
		rc = log_view(c, json_object(), &v);
	if (rc != STORE_OK) {
		app_store_fail(c, rc);
		return;
	}
	if (!app_json(c)) {
		if (kv_get(&c->req->query, "saved") != NULL)
			app_vset(v, "flash", app_vstr("Saved."));
		else if (kv_get(&c->req->query, "deleted") != NULL)
			app_vset(v, "flash", app_vstr("Entry deleted."));
	}
	app_send(c, 200, "log", v);
}

/* Re-renders the page's form (tmpl) or answers the API's error. */
static void
entry_invalid(struct ctx *c, int status, const char *code, const char *msg,
    json_t *errs, const char *tmpl, json_t *form, json_t *entry)
{
	json_t	*v = NULL;
	int	 rc;

	if (app_json(c)) {
		json_decref(form);
		json_decref(entry);
		app_fail(c, status, code, msg, errs, NULL, NULL);
		return;
	}
	if (strcmp(tmpl, "log") == 0) {
		if ((rc = log_view(c, form, &v)) != STORE_OK) {
			json_decref(errs);
			json_decref(entry);
			app_store_fail(c, rc);
			return;
		}
	} else {
		v = json_object();
		app_vset(v, "form", form);
	}
	if (entry != NULL)
		app_vset(v, "entry", entry);
	app_fail(c, status, code, msg, errs, tmpl, v);
}

/*
 * The end of every write: 404 for an entry that is not the user's, the
 * store's error, or, once committed, every worker's cached leaderboard
 * dropped.  True when the write committed and the caller answers.
 */
static bool
committed(struct ctx *c, int rc)
{
	if (rc == STORE_NOTFOUND) {
		app_fail(c, 404, "not_found", "No such entry in your log.",
		    NULL, NULL, NULL);
		return false;
	}
	if (rc != STORE_OK) {
		app_store_fail(c, rc);
		return false;
	}
	app_board_changed(c);
	return true;
}

/*
 * POST /api/hours, POST /log: 201 with the entry (pages: 303), 400 naming
 * each bad field, 422 past 24 hours or for an Idempotency-Key used with
 * another request, 503 or 500.  A request repeating one whose key already
 * committed gets the first answer again, marked Idempotent-Replayed.
 */
void
h_hours_create(struct ctx *c)
{
	struct entry_in	 in;
	json_t		*errs, *entry = NULL;
	const char	*key;
	char		 loc[48];
	int		 rc;
	bool		 replayed;

	memset(&in, 0, sizeof(in));
	errs = json_object();
	read_entry(c, &in, false, errs);
	key = read_idem_key(c, errs);
	if (json_object_size(errs) > 0) {
		entry_invalid(c, 400, "validation", "Please correct the "
		    "highlighted fields.", errs, "log", form_json(&in), NULL);
		return;
	}
	rc = store_hours_add(app_store(c), app_user(c)->id, in.date,
	    in.quarters, in.activity, key, &entry, &replayed);
	if (rc == STORE_LIMIT || rc == STORE_KEY_REUSED) {
		if (rc == STORE_LIMIT)
			set_msg(errs, "hours", "would bring this day past 24 "
			    "hours");
		else
			set_msg(errs, req_header(c->req, "idempotency-key") !=
			    NULL ? "Idempotency-Key" : "idempotency_key",
			    "was used for a different request");
		entry_invalid(c, 422, rc == STORE_LIMIT ? "validation" :
		    "idempotency_key_reused", rc == STORE_LIMIT ? "An "
		    "astronaut's day has 24 hours." : "This idempotency key "
		    "was used for a different request.", errs, "log",
		    form_json(&in), NULL);
		return;
	}
	json_decref(errs);
	if (!committed(c, rc))
		return;
	if (replayed)
		(void)resp_header(c->resp, "Idempotent-Replayed", "true");
	if (!app_json(c)) {
		json_decref(entry);
		app_redirect(c, "/log?saved=1");
		return;
	}
	snprintf(loc, sizeof(loc), "/api/hours/%lld", (long long)
	    json_integer_value(json_object_get(entry, "id")));
	(void)resp_header(c->resp, "Location", loc);
	app_send(c, 201, NULL, entry);
}

/* The entry's hours as the form shows them: "2.5", "8". */
static json_t *
hours_text(const json_t *h)
{
	char	 b[32];

	if (json_is_integer(h))
		snprintf(b, sizeof(b), "%lld",
		    (long long)json_integer_value(h));
	else
		snprintf(b, sizeof(b), "%g", json_number_value(h));
	return app_vstr(b);
}

/* The edit form's values from a stored entry. */
static json_t *
entry_form(const json_t *e)
{
	json_t	*f = json_object();

	app_vset(f, "date", json_incref(json_object_get(e, "date")));
	app_vset(f, "hours", hours_text(json_object_get(e, "hours")));
	app_vset(f, "activity", json_incref(json_object_get(e,
	    "activity")));
	return f;
}

/* Loads the caller's entry :id; sends 404 or a store error on failure. */
static json_t *
load_entry(struct ctx *c, int64_t *id)
{
	json_t	*e = NULL;
	int	 rc;

	if ((*id = app_route_id(c, "id")) > 0) {
		rc = store_hours_get(app_store(c), app_user(c)->id, *id, &e);
		if (rc == STORE_OK)
			return e;
		if (rc != STORE_NOTFOUND) {
			app_store_fail(c, rc);
			return NULL;
		}
	}
	app_fail(c, 404, "not_found", "No such entry in your log.", NULL,
	    NULL, NULL);
	return NULL;
}

void
h_hours_get(struct ctx *c)
{
	json_t	*e, *v;
	int64_t	 id;

	if ((e = load_entry(c, &id)) == NULL)
		return;
	if (app_json(c)) {
		app_send(c, 200, NULL, e);
		return;
	}
	v = json_object();
	app_vset(v, "form", entry_form(e));
	app_vset(v, "entry", e);
	app_send(c, 200, "edit", v);
}

void
h_hours_update(struct ctx *c)
{
	struct entry_in	 in;
	json_t		*old, *errs, *entry = NULL;
	int64_t		 id;
	int		 rc;

	if ((old = load_entry(c, &id)) == NULL)
		return;
	memset(&in, 0, sizeof(in));
	in.date = json_string_value(json_object_get(old, "date"));
	in.activity = json_string_value(json_object_get(old, "activity"));
	in.quarters = (int)(json_number_value(json_object_get(old,
	    "hours")) * 4);
	errs = json_object();
	read_entry(c, &in, app_json(c), errs);
	if (json_object_size(errs) > 0) {
		entry_invalid(c, 400, "validation", "Please correct the "
		    "highlighted fields.", errs, "edit", form_json(&in), old);
		return;
	}
	rc = store_hours_update(app_store(c), app_user(c)->id, id, in.date,
	    in.quarters, in.activity, &entry);
	if (rc == STORE_LIMIT) {
		set_msg(errs, "hours", "would bring this day past 24 hours");
		entry_invalid(c, 422, "validation", "An astronaut's day has "
		    "24 hours.", errs, "edit", form_json(&in), old);
		return;
	}
	json_decref(errs);
	json_decref(old);
	if (!committed(c, rc))
		return;
	if (!app_json(c)) {
		json_decref(entry);
		app_redirect(c, "/log?saved=1");
		return;
	}
	app_send(c, 200, NULL, entry);
}

void
h_hours_delete(struct ctx *c)
{
	int64_t	 id;
	int	 rc = STORE_NOTFOUND;

	if ((id = app_route_id(c, "id")) > 0)
		rc = store_hours_delete(app_store(c), app_user(c)->id, id);
	if (!committed(c, rc))
		return;
	if (app_json(c))
		app_send(c, 204, NULL, NULL);
	else
		app_redirect(c, "/log?deleted=1");
}
