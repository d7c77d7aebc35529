/*
 * board.c: the leaderboard (GET /api/leaderboard?limit=&offset=,
 * GET /leaderboard?page=).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "handlers.h"

#define BOARD_PAGE	50

/* Query parameters: 0, or -1 after sending a 400 naming the field. */
static int
board_query(struct ctx *c, int64_t *limit, int64_t *offset, int64_t *page)
{
	const char	*s;
	json_t		*errs = json_object();

	*limit = BOARD_PAGE;
	*offset = 0;
	*page = 1;
	if (app_json(c)) {
		if ((s = kv_get(&c->req->query, "limit")) != NULL &&
		    field_int(s, 1, 100, limit) != NULL)
			app_vset(errs, "limit",
			    app_vstr("must be an integer "
				     "from 1 to 100"));
		if ((s = kv_get(&c->req->query, "offset")) != NULL &&
		    field_int(s, 0, 1000000000, offset) != NULL)
			app_vset(errs, "offset",
			    app_vstr("must be an "
				     "integer from 0 to 1000000000"));
	} else if ((s = kv_get(&c->req->query, "page")) != NULL) {
		if (field_int(s, 1, 10000000, page) != NULL)
			app_vset(errs, "page",
			    app_vstr("must be an integer "
				     "from 1 to 10000000"));
		*offset = (*page - 1) * BOARD_PAGE;
	}
	if (json_object_size(errs) > 0) {
		app_fail(c, 400, "validation", "Invalid query parameter.",
		    errs, NULL, NULL);
		return -1;
	}
	json_decref(errs);
	return 0;
}

/* The page's rows: a copy of the cached ones, the viewer's marked. */
static json_t *
page_rows(struct ctx *c, json_t *entries, const int64_t *ids)
{
	const struct store_user	*u = app_user(c);
	json_t			*rows, *r;
	size_t			 i;

	if (u == NULL)
		return json_incref(entries);
	rows = json_array();
	for (i = 0; i < json_array_size(entries); i++) {
		r = json_copy(json_array_get(entries, i));
		if (r == NULL)
			abort();
		if (ids[i] == u->id)
			app_vset(r, "mine", json_true());
		if (json_array_append_new(rows, r) == -1)
			abort();
	}
	return rows;
}

/* GET /api/leaderboard: the cached slice's bytes; 200, or 503/500. */
static void
board_api(struct ctx *c, int64_t limit, int64_t offset)
{
	int	 rc;

	buf_reset(&c->resp->body);
	if ((rc = app_board_json(c, limit, offset, &c->resp->body)) !=
	    STORE_OK) {
		app_store_fail(c, rc);
		return;
	}
	resp_status(c->resp, 200);
	resp_content_type(c->resp, "application/json");
}

void
h_board_get(struct ctx *c)
{
	json_t		*entries = NULL, *v;
	const int64_t	*ids;
	int64_t		 limit, offset, page, total, pages;
	char		 link[48];
	int		 rc;

	if (board_query(c, &limit, &offset, &page) == -1)
		return;
	if (app_json(c)) {
		board_api(c, limit, offset);
		return;
	}
	rc = app_board(c, limit, offset, &entries, &ids, &total);
	if (rc != STORE_OK) {
		app_store_fail(c, rc);
		return;
	}
	v = json_object();
	app_vset(v, "entries", page_rows(c, entries, ids));
	json_decref(entries);
	pages = total > 0 ? (total + BOARD_PAGE - 1) / BOARD_PAGE : 1;
	app_vset(v, "total", json_integer(total));
	app_vset(v, "page", json_integer(page));
	app_vset(v, "pages", json_integer(pages));
	if (page > 1) {
		snprintf(link, sizeof(link), "/leaderboard?page=%lld",
		    (long long)(page - 1 < pages ? page - 1 : pages));
		app_vset(v, "prev", app_vstr(link));
	}
	if (page < pages) {
		snprintf(link, sizeof(link), "/leaderboard?page=%lld",
		    (long long)page + 1);
		app_vset(v, "next", app_vstr(link));
	}
	app_send(c, 200, "leaderboard", v);
}
