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
		jv_set(errs, field, jv_str(msg));
}

/*
 * A text field checked by valid into *out; absent with partial keeps
 * *out, and so does a value that is not text (its message goes to errs).
 */
static void
read_text(struct ctx *c, const char *name, const char *(*valid)(const char *),
    bool partial, const char **out, json_t *errs)
{
	const char	*s;
	enum ctx_field	 f;

	if ((f = ctx_field(c, name, &s)) == CTX_ABSENT && partial)
		return;
	s = ctx_field_check(c, name, valid, errs);
	if (f != CTX_INVALID)
		*out = s;
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

	read_text(c, "date", field_date, partial, &in->date, errs);
	read_text(c, "activity", field_activity, partial, &in->activity, errs);
	h = ctx_json_field(c, "hours");
	if (h != NULL && json_is_number(h)) {
		set_msg(errs, "hours",
		    field_hours_num(json_number_value(h), &in->quarters));
		return;
	}
	if (h != NULL && !json_is_null(h) && !json_is_string(h)) {
		set_msg(errs, "hours", "must be a number like 2.5");
		return;
	}
	switch (ctx_field(c, "hours", &s)) {
	case CTX_INVALID:
		set_msg(errs, "hours", "must be a string of text");
		break;
	case CTX_ABSENT:
		if (partial)
			break;
		/* FALLTHROUGH */
	case CTX_OK:
		in->hours = s;
		set_msg(errs, "hours", field_hours_text(s, &in->quarters));
		break;
	}
}

/* What the form shows again: the user's input where it is printable. */
static json_t *
form_json(const struct entry_in *in)
{
	json_t	*f = json_object();

	if (in->date != NULL &&
	    field_text_ok(in->date, strlen(in->date), false))
		jv_set(f, "date", jv_str(in->date));
	if (in->hours != NULL &&
	    field_text_ok(in->hours, strlen(in->hours), false))
		jv_set(f, "hours", jv_str(in->hours));
	if (in->activity != NULL &&
	    field_text_ok(in->activity, strlen(in->activity), false))
		jv_set(f, "activity", jv_str(in->activity));
	return f;
}

/*
 * The list view: {entries, total, limit, offset} plus, for pages, the
 * pagination.  Returns a STORE_* code; *out is new on STORE_OK.
 */
static int
list_view(struct ctx *c, const struct paging *p, json_t **out)
{
	json_t		*list = NULL, *v;
	int64_t		 total;
	int		 rc;
	char		 link[48];

	rc = store_hours_list(ctx_store(c), ctx_user(c)->id, p->limit,
	    p->offset, &list, &total);
	if (rc != STORE_OK)
		return rc;
	v = json_object();
	jv_set(v, "entries", list);
	jv_set(v, "total", json_integer(total));
	jv_set(v, "limit", json_integer(p->limit));
	jv_set(v, "offset", json_integer(p->offset));
	if (!ctx_json(c)) {
		jv_set(v, "page", json_integer(p->page));
		jv_set(v, "has_entries",
		    json_boolean(json_array_size(list) > 0));
		if (p->page > 1) {
			snprintf(link, sizeof(link), "/log?page=%lld",
			    (long long)p->page - 1);
			jv_set(v, "prev", jv_str(link));
		}
		if (p->offset + p->limit < total) {
			snprintf(link, sizeof(link), "/log?page=%lld",
			    (long long)p->page + 1);
			jv_set(v, "next", jv_str(link));
		}
	}
	*out = v;
	return STORE_OK;
}

/* The log page's view, with the add form filled from form (stolen). */
static int
log_view(struct ctx *c, const struct paging *p, json_t *form, json_t **out)
{
	char		 day[11];
	int		 rc;

	if ((rc = list_view(c, p, out)) != STORE_OK) {
		json_decref(form);
		return rc;
	}
	if (json_object_get(form, "date") == NULL) {
		today(day);
		jv_set(form, "date", jv_str(day));
	}
	jv_set(*out, "form", form);
	return STORE_OK;
}

void
h_hours_list(struct ctx *c)
{
	struct paging	 p;
	json_t		*v = NULL, *errs;
	int		 rc;

	if (ctx_paging(c, PAGE_SIZE, &p, &errs) == -1) {
		reply_invalid_query(c, errs);
		return;
	}
	if (ctx_json(c))
		rc = list_view(c, &p, &v);
	else
		rc = log_view(c, &p, json_object(), &v);
	if (rc != STORE_OK) {
		reply_store_fail(c, rc);
		return;
	}
	if (!ctx_json(c)) {
		if (ctx_query(c, "saved") != NULL)
			jv_set(v, "flash", jv_str("Saved."));
		else if (ctx_query(c, "deleted") != NULL)
			jv_set(v, "flash", jv_str("Entry deleted."));
	}
	reply_send(c, 200, "log", v);
}

/* Re-renders the page's form (tmpl) or answers the API's error. */
static void
entry_invalid(struct ctx *c, int status, const char *code, const char *msg,
    json_t *errs, const char *tmpl, json_t *form, json_t *entry)
{
	struct paging	 p;
	json_t		*v = NULL, *perrs;
	int		 rc;

	if (ctx_json(c)) {
		json_decref(form);
		json_decref(entry);
		reply_fail(c, status, code, msg, errs, NULL, NULL);
		return;
	}
	if (strcmp(tmpl, "log") == 0) {
		/*
		 * The form's errors are the answer; a bad ?page= on the
		 * post's address only falls back to the first page.
		 */
		if (ctx_paging(c, PAGE_SIZE, &p, &perrs) == -1)
			json_decref(perrs);
		if ((rc = log_view(c, &p, form, &v)) != STORE_OK) {
			json_decref(errs);
			json_decref(entry);
			reply_store_fail(c, rc);
			return;
		}
	} else {
		v = json_object();
		jv_set(v, "form", form);
	}
	if (entry != NULL)
		jv_set(v, "entry", entry);
	reply_fail(c, status, code, msg, errs, tmpl, v);
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
		reply_fail(c, 404, "not_found", "No such entry in your log.",
		    NULL, NULL, NULL);
		return false;
	}
	if (rc != STORE_OK) {
		reply_store_fail(c, rc);
		return false;
	}
	bcache_changed(ctx_board(c));
	return true;
}

void
h_hours_create(struct ctx *c)
{
	struct entry_in	 in;
	json_t		*errs, *entry = NULL;
	char		 loc[48];
	int		 rc;

	memset(&in, 0, sizeof(in));
	errs = json_object();
	read_entry(c, &in, false, errs);
	if (json_object_size(errs) > 0) {
		entry_invalid(c, 400, "validation",
		    "Please correct the "
		    "highlighted fields.",
		    errs, "log", form_json(&in), NULL);
		return;
	}
	rc = store_hours_add(ctx_store(c), ctx_user(c)->id, in.date,
	    in.quarters, in.activity, &entry);
	if (rc == STORE_LIMIT) {
		set_msg(errs, "hours", "would bring this day past 24 hours");
		entry_invalid(c, 422, "validation",
		    "An astronaut's day has "
		    "24 hours.",
		    errs, "log", form_json(&in), NULL);
		return;
	}
	json_decref(errs);
	if (!committed(c, rc))
		return;
	if (!ctx_json(c)) {
		json_decref(entry);
		reply_redirect(c, "/log?saved=1");
		return;
	}
	snprintf(loc, sizeof(loc), "/api/hours/%lld",
	    (long long)json_integer_value(json_object_get(entry, "id")));
	(void)ctx_header(c, "Location", loc);
	reply_send(c, 201, NULL, entry);
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
	return jv_str(b);
}

/* The edit form's values from a stored entry. */
static json_t *
entry_form(const json_t *e)
{
	json_t	*f = json_object();

	jv_set(f, "date", json_incref(json_object_get(e, "date")));
	jv_set(f, "hours", hours_text(json_object_get(e, "hours")));
	jv_set(f, "activity", json_incref(json_object_get(e, "activity")));
	return f;
}

/* Loads the caller's entry :id; sends 404 or a store error on failure. */
static json_t *
load_entry(struct ctx *c, int64_t *id)
{
	json_t	*e = NULL;
	int	 rc;

	if ((*id = ctx_route_id(c, "id")) > 0) {
		rc = store_hours_get(ctx_store(c), ctx_user(c)->id, *id, &e);
		if (rc == STORE_OK)
			return e;
		if (rc != STORE_NOTFOUND) {
			reply_store_fail(c, rc);
			return NULL;
		}
	}
	reply_fail(c, 404, "not_found", "No such entry in your log.", NULL,
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
	if (ctx_json(c)) {
		reply_send(c, 200, NULL, e);
		return;
	}
	v = json_object();
	jv_set(v, "form", entry_form(e));
	jv_set(v, "entry", e);
	reply_send(c, 200, "edit", v);
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
	in.quarters = (int)(json_number_value(json_object_get(old, "hours")) *
	    4);
	errs = json_object();
	read_entry(c, &in, ctx_json(c), errs);
	if (json_object_size(errs) > 0) {
		entry_invalid(c, 400, "validation",
		    "Please correct the "
		    "highlighted fields.",
		    errs, "edit", form_json(&in), old);
		return;
	}
	rc = store_hours_update(ctx_store(c), ctx_user(c)->id, id, in.date,
	    in.quarters, in.activity, &entry);
	if (rc == STORE_LIMIT) {
		set_msg(errs, "hours", "would bring this day past 24 hours");
		entry_invalid(c, 422, "validation",
		    "An astronaut's day has "
		    "24 hours.",
		    errs, "edit", form_json(&in), old);
		return;
	}
	json_decref(errs);
	json_decref(old);
	if (!committed(c, rc))
		return;
	if (!ctx_json(c)) {
		json_decref(entry);
		reply_redirect(c, "/log?saved=1");
		return;
	}
	reply_send(c, 200, NULL, entry);
}

void
h_hours_delete(struct ctx *c)
{
	int64_t	 id;
	int	 rc = STORE_NOTFOUND;

	if ((id = ctx_route_id(c, "id")) > 0)
		rc = store_hours_delete(ctx_store(c), ctx_user(c)->id, id);
	if (!committed(c, rc))
		return;
	if (ctx_json(c))
		reply_send(c, 204, NULL, NULL);
	else
		reply_redirect(c, "/log?deleted=1");
}
