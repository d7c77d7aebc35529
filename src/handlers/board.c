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

/* The page's rows: a copy of the cached ones, the viewer's marked. */
static json_t *
page_rows(struct ctx *c, json_t *entries, const int64_t *ids)
{
	const struct store_user	*u = ctx_user(c);
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
			jv_set(r, "mine", json_true());
		jv_push(rows, r);
	}
	return rows;
}

/* GET /api/leaderboard: the cached slice's bytes; 200, or 503/500. */
static void
board_api(struct ctx *c, const struct paging *p)
{
	int	 rc;

	if ((rc = bcache_get_json(ctx_board(c), p->limit, p->offset,
		 reply_json_body(c, 200))) != STORE_OK)
		reply_store_fail(c, rc);
}

void
h_board_get(struct ctx *c)
{
	struct paging	 p;
	json_t		*entries = NULL, *v, *errs;
	const int64_t	*ids;
	int64_t		 total, pages;
	char		 link[48];
	int		 rc;

	if (ctx_paging(c, BOARD_PAGE, &p, &errs) == -1) {
		reply_invalid_query(c, errs);
		return;
	}
	if (ctx_json(c)) {
		board_api(c, &p);
		return;
	}
	rc = bcache_get(ctx_board(c), p.limit, p.offset, &entries, &ids,
	    &total);
	if (rc != STORE_OK) {
		reply_store_fail(c, rc);
		return;
	}
	v = json_object();
	jv_set(v, "entries", page_rows(c, entries, ids));
	json_decref(entries);
	pages = total > 0 ? (total + BOARD_PAGE - 1) / BOARD_PAGE : 1;
	jv_set(v, "total", json_integer(total));
	jv_set(v, "page", json_integer(p.page));
	jv_set(v, "pages", json_integer(pages));
	if (p.page > 1) {
		snprintf(link, sizeof(link), "/leaderboard?page=%lld",
		    (long long)(p.page - 1 < pages ? p.page - 1 : pages));
		jv_set(v, "prev", jv_str(link));
	}
	if (p.page < pages) {
		snprintf(link, sizeof(link), "/leaderboard?page=%lld",
		    (long long)p.page + 1);
		jv_set(v, "next", jv_str(link));
	}
	reply_send(c, 200, "leaderboard", v);
}
