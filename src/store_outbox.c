/*
 * store_outbox.c: the relay's queries on the outbox (see store_outbox.h).
 *
 * A store module beside store.c: like it, the only other file that
 * includes <libpq-fe.h>, and every query is PQexecParams with $n
 * parameters.  Kept apart because the relay is its own process with its
 * own role (crewlog_relay), and shares nothing with the request path.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "store_outbox.h"
#include "util.h"

/* Any key will do, as long as every relay uses this one (not migrate's). */
#define RELAY_LOCK	"7302716"

struct outbox {
	PGconn	*conn;
};

/* One statement; the result (tuples or command) or NULL with err set. */
static PGresult *
exec(struct outbox *o, const char *what, const char *sql, int n,
    const char *const *v, struct buf *err)
{
	PGresult	*r;
	ExecStatusType	 s;

	r = PQexecParams(o->conn, sql, n, NULL, v, NULL, NULL, 0);
	s = PQresultStatus(r);
	if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK)
		return r;
	buf_printf(err, "outbox %s: %s", what,
	    r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(o->conn));
	while (err->len > 0 && err->data[err->len - 1] == '\n')
		err->data[--err->len] = '\0';
	PQclear(r);
	return NULL;
}

static void
sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	(void)nanosleep(&ts, NULL);
}

/* Tries for the lock every 200 ms until wait_ms: 1 got, 0 not, -1. */
static int
take_lock(struct outbox *o, long wait_ms, struct buf *err)
{
	const char	*v[1] = { RELAY_LOCK };
	PGresult	*r;
	long		 waited = 0;
	int		 got;

	for (;;) {
		if ((r = exec(o, "lock",
			 "SELECT pg_try_advisory_lock("
			 "$1::bigint)",
			 1, v, err)) == NULL)
			return -1;
		got = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		PQclear(r);
		if (got)
			return 1;
		if (waited >= wait_ms)
			return 0;
		sleep_ms(200);
		waited += 200;
	}
}

struct outbox *
outbox_open(const char *conninfo, long wait_ms, struct buf *err)
{
	const char *keys[] = { "connect_timeout", "application_name", "dbname",
		NULL };
	const char	*vals[] = { "3", "crewlog-relay", conninfo, NULL };
	struct outbox	*o;
	int		 got;

	if (conninfo == NULL || *conninfo == '\0')
		keys[2] = vals[2] = NULL;
	o = xcalloc(1, sizeof(*o));
	o->conn = PQconnectdbParams(keys, vals, 1);
	if (o->conn == NULL || PQstatus(o->conn) != CONNECTION_OK) {
		buf_printf(err, "outbox connect: %s",
		    o->conn != NULL ? PQerrorMessage(o->conn) :
				      "out of memory");
		while (err->len > 0 && err->data[err->len - 1] == '\n')
			err->data[--err->len] = '\0';
		outbox_close(o);
		return NULL;
	}
	if ((got = take_lock(o, wait_ms, err)) != 1) {
		if (got == 0)
			buf_puts(err, "another relay holds the outbox lock");
		outbox_close(o);
		return NULL;
	}
	return o;
}

void
outbox_close(struct outbox *o)
{
	if (o == NULL)
		return;
	if (o->conn != NULL)
		PQfinish(o->conn);	/* the lock goes with the session */
	free(o);
}

int
outbox_fetch(struct outbox *o, int max, struct outbox_event **ev, size_t *n,
    struct buf *err)
{
	char		 lim[16];
	const char	*v[1] = { lim };
	PGresult	*r;
	int		 i, rows;

	*ev = NULL;
	*n = 0;
	snprintf(lim, sizeof(lim), "%d", max);
	/* The message: the event's envelope fields, then its payload. */
	r = exec(o, "fetch",
	    "SELECT id, astronaut_id, dedup_id::text, kind, "
	    "(jsonb_build_object('id', id, 'dedup_id', dedup_id, 'type', "
	    "kind, 'astronaut_id', astronaut_id, 'at', to_char(created AT "
	    "TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')) || "
	    "payload)::text FROM outbox WHERE sent IS NULL ORDER BY id "
	    "LIMIT $1::int",
	    1, v, err);
	if (r == NULL)
		return -1;
	rows = PQntuples(r);
	*ev = xcalloc((size_t)rows + 1, sizeof(**ev));
	for (i = 0; i < rows; i++) {
		(*ev)[i].id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		(*ev)[i].astronaut_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
		(*ev)[i].dedup_id = xstrdup(PQgetvalue(r, i, 2));
		(*ev)[i].kind = xstrdup(PQgetvalue(r, i, 3));
		(*ev)[i].message = xstrdup(PQgetvalue(r, i, 4));
	}
	*n = (size_t)rows;
	PQclear(r);
	return 0;
}

void
outbox_events_free(struct outbox_event *ev, size_t n)
{
	size_t	 i;

	for (i = 0; ev != NULL && i < n; i++) {
		free(ev[i].dedup_id);
		free(ev[i].kind);
		free(ev[i].message);
	}
	free(ev);
}

static int
by_id(struct outbox *o, const char *what, const char *sql, int64_t id,
    struct buf *err)
{
	char		 s[24];
	const char	*v[1] = { s };
	PGresult	*r;

	snprintf(s, sizeof(s), "%" PRId64, id);
	if ((r = exec(o, what, sql, 1, v, err)) == NULL)
		return -1;
	PQclear(r);
	return 0;
}

int
outbox_mark_sent(struct outbox *o, int64_t id, struct buf *err)
{
	return by_id(o, "mark sent",
	    "UPDATE outbox SET sent = now(), "
	    "attempts = attempts + 1 WHERE id = $1::bigint",
	    id, err);
}

int
outbox_mark_failed(struct outbox *o, int64_t id, struct buf *err)
{
	return by_id(o, "mark failed",
	    "UPDATE outbox SET attempts = "
	    "attempts + 1 WHERE id = $1::bigint",
	    id, err);
}

int
outbox_prune(struct outbox *o, long keep_s, long *n, struct buf *err)
{
	char		 s[24];
	const char	*v[1] = { s };
	PGresult	*r;

	snprintf(s, sizeof(s), "%ld", keep_s);
	if ((r = exec(o, "prune",
		 "DELETE FROM outbox WHERE sent < now() - "
		 "make_interval(secs => $1::bigint)",
		 1, v, err)) == NULL)
		return -1;
	*n = strtol(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return 0;
}
