/*
 * store.c: crewlog's PostgreSQL data (see store.h).
 *
 * With admin.c, the only file that includes <libpq-fe.h>.  Queries are
 * PQexecPrepared, prepared once per connection; no SQL is ever built
 * from strings.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "jv.h"
#include "store.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Prepared statements                                                 */
/* ------------------------------------------------------------------ */

#define UTC_TS(c) \
	"to_char(" c " AT TIME ZONE 'UTC', " \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define ENTRY_COLS \
	"id, to_char(day, 'YYYY-MM-DD'), quarters, activity, " UTC_TS( \
	    "created") ", " UTC_TS("updated")

enum stmt {
	ST_USER_CREATE,
	ST_USER_BY_EMAIL,
	ST_SESSION_CREATE,
	ST_SESSION_GET,
	ST_SESSION_DELETE,
	ST_THROTTLE_CHECK,
	ST_THROTTLE_FAIL,
	ST_THROTTLE_CLEAR,
	ST_THROTTLE_NOTE,
	ST_HOURS_ADD,
	ST_HOURS_GET,
	ST_HOURS_UPDATE,
	ST_HOURS_DELETE,
	ST_HOURS_LIST,
	ST_HOURS_COUNT,
	ST_ME,
	ST_BOARD,
	ST_BOARD_COUNT,
	ST__MAX
};

struct stmt_def {
	const char	*name;
	const char	*sql;
	bool		 readonly;	/* safe to retry on a new connection */
};

static const struct stmt_def stmts[ST__MAX] = {
	[ST_USER_CREATE] = { "user_create",
	    "SELECT astronaut_create($1, $2, $3)", false },
	[ST_USER_BY_EMAIL] = { "user_by_email",
	    "SELECT id, email, name, pwhash FROM astronauts "
	    "WHERE lower(email) = lower($1)",
	    true },
	[ST_SESSION_CREATE] = { "session_create",
	    "WITH old AS (DELETE FROM sessions WHERE expires < now()) "
	    "INSERT INTO sessions (token_hash, astronaut_id, expires) "
	    "VALUES ($1, $2, now() + make_interval(secs => $3::int))",
	    false },
	[ST_SESSION_GET] = { "session_get", "SELECT * FROM session_lookup($1)",
	    true }, /* 004 */
	[ST_SESSION_DELETE] = { "session_delete",
	    "WITH old AS (DELETE FROM sessions WHERE expires < now()) "
	    "DELETE FROM sessions WHERE token_hash = $1",
	    false },
	[ST_THROTTLE_CHECK] = { "throttle_check",
	    "SELECT count(*), ceil(extract(epoch FROM min(at) + "
	    "make_interval(secs => $3::int) - now())) FROM login_failures "
	    "WHERE key = ANY(ARRAY[$1, $2]) AND "
	    "at > now() - make_interval(secs => $3::int) GROUP BY key",
	    true },
	[ST_THROTTLE_FAIL] = { "throttle_fail",
	    "WITH old AS (DELETE FROM login_failures WHERE "
	    "at < now() - make_interval(secs => $3::int)) "
	    "INSERT INTO login_failures (key) VALUES ($1), ($2)",
	    false },
	[ST_THROTTLE_CLEAR] = { "throttle_clear",
	    "DELETE FROM login_failures WHERE key = $1", false },
	[ST_THROTTLE_NOTE] = { "throttle_note",
	    "WITH old AS (DELETE FROM login_failures WHERE "
	    "at < now() - make_interval(secs => $2::int)) "
	    "INSERT INTO login_failures (key) VALUES ($1)",
	    false },
	[ST_HOURS_ADD] = { "hours_add",
	    "SELECT * FROM hours_add($1, $2::date, $3, $4)", false },
	[ST_HOURS_GET] = { "hours_get",
	    "SELECT " ENTRY_COLS " FROM hour_logs "
	    "WHERE id = $1 AND astronaut_id = $2",
	    true },
	[ST_HOURS_UPDATE] = { "hours_update",
	    "SELECT * FROM hours_update($1, $2, $3::date, $4, $5)", false },
	[ST_HOURS_DELETE] = { "hours_delete", "SELECT hours_delete($1, $2)",
	    false },
	[ST_HOURS_LIST] = { "hours_list",
	    "SELECT " ENTRY_COLS " FROM hour_logs WHERE astronaut_id = $1 "
	    "ORDER BY day DESC, id DESC LIMIT $2 OFFSET $3",
	    true },
	[ST_HOURS_COUNT] = { "hours_count",
	    "SELECT count(*) FROM hour_logs WHERE astronaut_id = $1", true },
	[ST_ME] = { "me",
	    "SELECT a.id, a.email, a.name, t.quarters, "
	    "(SELECT coalesce(sum(b.n), 0) + 1 FROM board_counts b "
	    "WHERE b.quarters > t.quarters), "
	    "(SELECT count(*) FROM hour_logs h WHERE h.astronaut_id = a.id) "
	    "FROM astronauts a JOIN totals t ON t.astronaut_id = a.id "
	    "WHERE a.id = $1",
	    true },
	/*
	 * A page without counting or walking the rows before it (see
	 * sql/006_board_counts.sql): c numbers the totals from the top, s
	 * finds the total the row at offset $2 has and how many astronauts
	 * of that total come before it, and the page is the rest of that
	 * total's astronauts followed by the totals below it, both read in
	 * totals_rank order.  A row's rank is one more than the astronauts
	 * above its total, as rank() over the whole board would give.
	 */
	[ST_BOARD] = { "board",
	    "WITH c AS (SELECT quarters, n, (sum(n) OVER (ORDER BY "
	    "quarters DESC))::bigint - n AS above FROM board_counts "
	    "WHERE n > 0), "
	    "s AS (SELECT quarters, $2::bigint - above AS skip FROM c "
	    "WHERE above <= $2::bigint AND above + n > $2::bigint) "
	    "SELECT c.above + 1, a.id, a.name, p.quarters FROM s, LATERAL ("
	    "(SELECT t.astronaut_id, t.quarters FROM totals t "
	    "WHERE t.quarters = s.quarters ORDER BY t.quarters DESC, "
	    "t.astronaut_id OFFSET s.skip LIMIT $1) UNION ALL "
	    "(SELECT t.astronaut_id, t.quarters FROM totals t "
	    "WHERE t.quarters < s.quarters ORDER BY t.quarters DESC, "
	    "t.astronaut_id LIMIT $1) LIMIT $1) p "
	    "JOIN astronauts a ON a.id = p.astronaut_id "
	    "JOIN c ON c.quarters = p.quarters "
	    "ORDER BY p.quarters DESC, p.astronaut_id",
	    true },
	[ST_BOARD_COUNT] = { "board_count",
	    "SELECT coalesce(sum(n), 0) FROM board_counts", true },
};

#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	5000
#define SESS_CACHE	256

/*
 * A session this worker looked up.  Valid until its expiry, or until a
 * crewlog_sessions notification (a session was deleted or changed by any
 * worker) or a lost connection empties the cache.
 */
struct sess_ent {
	char		 hash[65];
	int64_t		 id;
	char		*email;
	char		*name;
	time_t		 expires;
};

struct store {
	PGconn		*conn;		/* NULL while down */
	char		*conninfo;	/* NULL: libpq's PG* variables */
	bool		 listen;
	bool		 notify_board;	/* SET crewlog.notify_board = on */
	bool		 changed;	/* leaderboard changed since poll */
	int64_t		 next_try_ms;	/* monotonic; reconnect not before */
	int		 backoff_ms;
	char		 errmsg[256];
	struct sess_ent	*sess;		/* SESS_CACHE slots when listening */
	size_t		 nsess;
	unsigned	 conn_gen;	/* +1 per connection made */
};

/* ------------------------------------------------------------------ */
/* Connection                                                          */
/* ------------------------------------------------------------------ */

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Copies a libpq message without its trailing newline. */
static void
set_err(struct store *st, const char *what, const char *msg)
{
	size_t	 n;

	snprintf(st->errmsg, sizeof(st->errmsg), "%s: %s", what,
	    msg != NULL ? msg : "unknown error");
	n = strlen(st->errmsg);
	while (
	    n > 0 && (st->errmsg[n - 1] == '\n' || st->errmsg[n - 1] == ' '))
		st->errmsg[--n] = '\0';
}

/*
 * Connects with defaults the connection string can override (later
 * keywords win, and the expanded dbname comes last): connect_timeout,
 * application_name, and gssencmode=disable, because probing for GSSAPI
 * encryption loads Kerberos into every worker (about 1 MiB of RSS) and
 * costs a round trip for a feature few sites use; a URL that wants it
 * says gssencmode=prefer.  NULL with err set on failure.
 */
PGconn *
store_connect(const char *conninfo, struct buf *err)
{
	const char	*keys[] = { "connect_timeout", "application_name",
		"gssencmode", "dbname", NULL };
	const char	*vals[] = { "3", "crewlog", "disable", conninfo, NULL };
	PGconn		*c;

	if (conninfo == NULL || *conninfo == '\0')
		keys[3] = vals[3] = NULL;
	c = PQconnectdbParams(keys, vals, 1);
	if (c == NULL) {
		buf_puts(err, "out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		buf_puts(err, PQerrorMessage(c));
		while (err->len > 0 && err->data[err->len - 1] == '\n')
			err->data[--err->len] = '\0';
		PQfinish(c);
		return NULL;
	}
	return c;
}

static void
sess_clear(struct store *st)
{
	size_t	 i;

	for (i = 0; i < st->nsess; i++) {
		free(st->sess[i].email);
		free(st->sess[i].name);
	}
	st->nsess = 0;
}

static void
drop_conn(struct store *st)
{
	sess_clear(st);
	if (st->conn != NULL)
		PQfinish(st->conn);
	st->conn = NULL;
	st->changed = true;	/* notifications may have been missed */
	st->next_try_ms = now_ms() + st->backoff_ms;
	st->backoff_ms = st->backoff_ms * 2 > BACKOFF_MAX_MS ?
	    BACKOFF_MAX_MS :
	    st->backoff_ms * 2;
}

/* Prepares every statement and LISTENs; 0 or -1 with errmsg set. */
static int
setup_conn(struct store *st)
{
	const char	*cmds[3];
	PGresult	*r;
	int		 i, n;

	for (i = 0; i < ST__MAX; i++) {
		r = PQprepare(st->conn, stmts[i].name, stmts[i].sql, 0, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			set_err(st, stmts[i].name, PQresultErrorMessage(r));
			PQclear(r);
			return -1;
		}
		PQclear(r);
	}
	/* The write functions notify only connections that ask (002). */
	n = 0;
	if (st->notify_board)
		cmds[n++] = "SET crewlog.notify_board = 'on'";
	if (st->listen) {
		cmds[n++] = "LISTEN crewlog_leaderboard";
		cmds[n++] = "LISTEN crewlog_sessions";
	}
	for (i = 0; i < n; i++) {
		r = PQexecParams(st->conn, cmds[i], 0, NULL, NULL, NULL, NULL,
		    0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			set_err(st, cmds[i], PQresultErrorMessage(r));
			PQclear(r);
			return -1;
		}
		PQclear(r);
	}
	sess_clear(st);		/* anything may have happened meanwhile */
	return 0;
}

/* Connected (now, if the backoff allows a try): 0, or -1 while down. */
static int
ensure(struct store *st)
{
	struct buf	 err = BUF_INIT;

	if (st->conn != NULL)
		return 0;
	if (now_ms() < st->next_try_ms)
		return -1;
	if ((st->conn = store_connect(st->conninfo, &err)) == NULL) {
		set_err(st, "connect", buf_cstr(&err));
		buf_free(&err);
		drop_conn(st);
		return -1;
	}
	buf_free(&err);
	if (setup_conn(st) == -1) {
		drop_conn(st);
		return -1;
	}
	st->backoff_ms = BACKOFF_MIN_MS;
	st->changed = true;	/* whatever was cached predates us */
	st->conn_gen++;
	return 0;
}

struct store *
store_open(const struct store_opts *o)
{
	struct store	*st;

	st = xcalloc(1, sizeof(*st));
	st->conninfo = o->conninfo != NULL ? xstrdup(o->conninfo) : NULL;
	st->listen = o->listen;
	st->notify_board = o->notify_board;
	if (st->listen)
		st->sess = xcalloc(SESS_CACHE, sizeof(*st->sess));
	st->backoff_ms = BACKOFF_MIN_MS;
	snprintf(st->errmsg, sizeof(st->errmsg), "no error");
	(void)ensure(st);
	return st;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->conn != NULL)
		PQfinish(st->conn);
	sess_clear(st);
	free(st->sess);
	free(st->conninfo);
	free(st);
}

/*
 * Ready means a round trip works now: a connection the server has just
 * closed can still look fine until it is used, and a load balancer
 * probing /readyz must not route to a worker that would answer 503.
 * Notifications the probe reads wait in libpq's queue for store_poll().
 */
bool
store_ready(struct store *st, struct buf *why)
{
	PGresult	*r;
	bool		 ok;

	if (ensure(st) == 0) {
		r = PQexec(st->conn, "");
		ok = PQresultStatus(r) == PGRES_EMPTY_QUERY;
		if (!ok) {
			set_err(st, "readiness probe",
			    PQerrorMessage(st->conn));
			drop_conn(st);
		}
		PQclear(r);
		if (ok)
			return true;
	}
	if (why != NULL)
		buf_printf(why, "database: %s", st->errmsg);
	return false;
}

bool
store_poll(struct store *st)
{
	struct pollfd	 pfd;
	PGnotify	*n;
	bool		 changed;

	if (st->conn != NULL) {
		pfd.fd = PQsocket(st->conn);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (pfd.fd >= 0 && poll(&pfd, 1, 0) > 0 &&
		    (PQconsumeInput(st->conn) == 0 ||
			PQstatus(st->conn) != CONNECTION_OK)) {
			set_err(st, "connection lost",
			    PQerrorMessage(st->conn));
			drop_conn(st);
		}
	}
	/*
	 * Drained even when the socket had nothing new: a notification that
	 * arrived during our own last query was read by libpq then and
	 * waits in its queue, not on the socket.
	 */
	while (st->conn != NULL && (n = PQnotifies(st->conn)) != NULL) {
		if (strcmp(n->relname, "crewlog_sessions") == 0)
			sess_clear(st);
		else
			st->changed = true;
		PQfreemem(n);
	}
	changed = st->changed;
	st->changed = false;
	return changed;
}

/*
 * A listening connection must be read while the worker is idle too: a
 * backend whose client does not read its notifications blocks writing
 * them, and PostgreSQL's notification queue cannot advance past it.
 */
int
store_wake_fd(const struct store *st, unsigned *gen)
{
	*gen = st->conn_gen;
	return st->listen && st->conn != NULL ? PQsocket(st->conn) : -1;
}

int
store_retry_after(const struct store *st)
{
	int64_t	 ms = st->next_try_ms - now_ms();

	return ms <= 1000 ? 1 : (int)((ms + 999) / 1000);
}

const char *
store_errmsg(const struct store *st)
{
	return st->errmsg;
}

/* ------------------------------------------------------------------ */
/* Executing                                                           */
/* ------------------------------------------------------------------ */

/* Errors that mean "this server cannot take it now", not "bad query". */
static bool
sqlstate_down(const char *s)
{
	if (s == NULL)
		return true;	/* no server answer at all */
	return strncmp(s, "08", 2) == 0 ||	/* connection exception */
	    strncmp(s, "57P", 3) == 0 ||	/* shutdown, cannot connect */
	    strncmp(s, "53", 2) == 0 ||		/* insufficient resources */
	    strcmp(s, "25006") == 0;		/* read-only: a standby */
}

/*
 * Runs statement s.  Returns the result (caller PQclear()s) with *rc
 * STORE_OK, or NULL with *rc set.  A read-only statement that fails on
 * a dead connection is retried once on a fresh one; a write never is,
 * so a write that may not have committed answers STORE_DOWN.
 */
static PGresult *
exec_stmt(struct store *st, enum stmt s, int n, const char *const *vals,
    int *rc)
{
	PGresult	*r;
	const char	*state;
	int		 attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		if (ensure(st) == -1) {
			*rc = STORE_DOWN;
			return NULL;
		}
		r = PQexecPrepared(st->conn, stmts[s].name, n, vals, NULL,
		    NULL, 0);
		switch (PQresultStatus(r)) {
		case PGRES_TUPLES_OK:
		case PGRES_COMMAND_OK:
			*rc = STORE_OK;
			return r;
		default:
			break;
		}
		state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		/*
		 * Only the primary message: DETAIL lines quote row values
		 * ("Failing row contains ..."), request data and password
		 * hashes that must not reach the log.
		 */
		set_err(st, stmts[s].name,
		    r != NULL &&
			    PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) !=
				NULL ?
			PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) :
			PQerrorMessage(st->conn));
		if (state != NULL && strcmp(state, "23505") == 0) {
			PQclear(r);
			*rc = STORE_CONFLICT;
			return NULL;
		}
		if (PQstatus(st->conn) == CONNECTION_OK &&
		    !sqlstate_down(state)) {
			PQclear(r);
			*rc = STORE_ERROR;
			return NULL;
		}
		PQclear(r);
		/* Reconnect at once: the server may well be back already. */
		st->backoff_ms = BACKOFF_MIN_MS;
		drop_conn(st);
		st->next_try_ms = 0;
		if (!stmts[s].readonly)
			break;
	}
	*rc = STORE_DOWN;
	return NULL;
}

static int64_t
col_i64(const PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* Quarter hours as a JSON number: 10 -> 2.5, 8 -> 2 (an integer). */
static json_t *
hours_json(int64_t q)
{
	if (q % 4 == 0)
		return json_integer(q / 4);
	return json_real((double)q / 4.0);
}

static json_t *
entry_json(const PGresult *r, int row)
{
	json_t	*e = json_object();

	if (e == NULL)
		abort();
	jv_set(e, "id", json_integer(col_i64(r, row, 0)));
	jv_set(e, "date", jv_str(PQgetvalue(r, row, 1)));
	jv_set(e, "hours", hours_json(col_i64(r, row, 2)));
	jv_set(e, "activity", jv_str(PQgetvalue(r, row, 3)));
	jv_set(e, "created", jv_str(PQgetvalue(r, row, 4)));
	jv_set(e, "updated", jv_str(PQgetvalue(r, row, 5)));
	return e;
}

/* ------------------------------------------------------------------ */
/* Astronauts and sessions                                             */
/* ------------------------------------------------------------------ */

void
store_user_clear(struct store_user *u)
{
	free(u->email);
	free(u->name);
	free(u->pwhash);
	memset(u, 0, sizeof(*u));
}

int
store_user_create(struct store *st, const char *email, const char *name,
    const char *pwhash, int64_t *id)
{
	const char	*v[3] = { email, name, pwhash };
	PGresult	*r;
	int		 rc;

	if ((r = exec_stmt(st, ST_USER_CREATE, 3, v, &rc)) == NULL)
		return rc;
	*id = col_i64(r, 0, 0);
	PQclear(r);
	return STORE_OK;
}

static int
fill_user(PGresult *r, struct store_user *u, bool with_hash)
{
	if (PQntuples(r) == 0) {
		PQclear(r);
		return STORE_NOTFOUND;
	}
	u->id = col_i64(r, 0, 0);
	u->email = xstrdup(PQgetvalue(r, 0, 1));
	u->name = xstrdup(PQgetvalue(r, 0, 2));
	u->pwhash = with_hash ? xstrdup(PQgetvalue(r, 0, 3)) : NULL;
	PQclear(r);
	return STORE_OK;
}

int
store_user_by_email(struct store *st, const char *email, struct store_user *u)
{
	const char	*v[1] = { email };
	PGresult	*r;
	int		 rc;

	if ((r = exec_stmt(st, ST_USER_BY_EMAIL, 1, v, &rc)) == NULL)
		return rc;
	return fill_user(r, u, true);
}

int
store_session_create(struct store *st, const char *token_hash, int64_t user,
    unsigned ttl)
{
	char		 ubuf[24], tbuf[16];
	const char	*v[3] = { token_hash, ubuf, tbuf };
	PGresult	*r;
	int		 rc;

	snprintf(ubuf, sizeof(ubuf), "%" PRId64, user);
	snprintf(tbuf, sizeof(tbuf), "%u", ttl);
	if ((r = exec_stmt(st, ST_SESSION_CREATE, 3, v, &rc)) == NULL)
		return rc;
	PQclear(r);
	return STORE_OK;
}

/*
 * With LISTEN on, a session found once is served from the cache until it
 * expires or any session changes anywhere (see sess_ent): an
 * authenticated request then needs no query of its own.
 */
int
store_session_get(struct store *st, const char *token_hash,
    struct store_user *u)
{
	const char	*v[1] = { token_hash };
	struct sess_ent	*e;
	PGresult	*r;
	int		 rc;
	size_t		 i;

	for (i = 0; i < st->nsess; i++) {
		e = &st->sess[i];
		if (strcmp(e->hash, token_hash) != 0)
			continue;
		if (e->expires <= time(NULL))
			break;
		u->id = e->id;
		u->email = xstrdup(e->email);
		u->name = xstrdup(e->name);
		u->pwhash = NULL;
		return STORE_OK;
	}
	if ((r = exec_stmt(st, ST_SESSION_GET, 1, v, &rc)) == NULL)
		return rc;
	if (st->sess != NULL && PQntuples(r) == 1 &&
	    strlen(token_hash) < sizeof(e->hash)) {
		if (st->nsess == SESS_CACHE)
			sess_clear(st);
		e = &st->sess[st->nsess++];
		snprintf(e->hash, sizeof(e->hash), "%s", token_hash);
		e->id = col_i64(r, 0, 0);
		e->email = xstrdup(PQgetvalue(r, 0, 1));
		e->name = xstrdup(PQgetvalue(r, 0, 2));
		e->expires = (time_t)col_i64(r, 0, 3);
	}
	return fill_user(r, u, false);
}

int
store_session_delete(struct store *st, const char *token_hash)
{
	const char	*v[1] = { token_hash };
	PGresult	*r;
	int		 rc;

	sess_clear(st);		/* ours at once; the others on NOTIFY */

	if ((r = exec_stmt(st, ST_SESSION_DELETE, 1, v, &rc)) == NULL)
		return rc;
	PQclear(r);
	return STORE_OK;
}

int
store_throttle_check(struct store *st, const char *acct, const char *addr,
    unsigned window, unsigned max, int *retry_after)
{
	char		 wbuf[16];
	const char	*v[3] = { acct, addr, wbuf };
	PGresult	*r;
	int		 rc, i;
	int64_t		 wait;

	*retry_after = 0;
	snprintf(wbuf, sizeof(wbuf), "%u", window);
	if ((r = exec_stmt(st, ST_THROTTLE_CHECK, 3, v, &rc)) == NULL)
		return rc;
	for (i = 0; i < PQntuples(r); i++) {
		if (col_i64(r, i, 0) < (int64_t)max)
			continue;
		wait = col_i64(r, i, 1);
		if (wait < 1)
			wait = 1;
		if (wait > *retry_after)
			*retry_after = (int)wait;
	}
	PQclear(r);
	return STORE_OK;
}

int
store_throttle_note(struct store *st, const char *key, unsigned window)
{
	char		 wbuf[16];
	const char	*v[2] = { key, wbuf };
	PGresult	*r;
	int		 rc;

	snprintf(wbuf, sizeof(wbuf), "%u", window);
	if ((r = exec_stmt(st, ST_THROTTLE_NOTE, 2, v, &rc)) == NULL)
		return rc;
	PQclear(r);
	return STORE_OK;
}

int
store_throttle_fail(struct store *st, const char *acct, const char *addr,
    unsigned window)
{
	char		 wbuf[16];
	const char	*v[3] = { acct, addr, wbuf };
	PGresult	*r;
	int		 rc;

	snprintf(wbuf, sizeof(wbuf), "%u", window);
	if ((r = exec_stmt(st, ST_THROTTLE_FAIL, 3, v, &rc)) == NULL)
		return rc;
	PQclear(r);
	return STORE_OK;
}

int
store_throttle_clear(struct store *st, const char *acct)
{
	const char	*v[1] = { acct };
	PGresult	*r;
	int		 rc;

	if ((r = exec_stmt(st, ST_THROTTLE_CLEAR, 1, v, &rc)) == NULL)
		return rc;
	PQclear(r);
	return STORE_OK;
}

/* ------------------------------------------------------------------ */
/* Hours and the leaderboard                                           */
/* ------------------------------------------------------------------ */

/* The entry a write function returned: STORE_OK, _LIMIT or _NOTFOUND. */
static int
write_result(struct store *st, PGresult *r, json_t **entry)
{
	int	 rc = STORE_OK;

	if (PQntuples(r) == 0)
		rc = STORE_NOTFOUND;
	else if (col_i64(r, 0, 0) < 0)
		rc = STORE_LIMIT;
	else {
		*entry = entry_json(r, 0);
		st->changed = true;	/* our own cache: at once */
	}
	PQclear(r);
	return rc;
}

int
store_hours_add(struct store *st, int64_t user, const char *day, int quarters,
    const char *activity, json_t **entry)
{
	char		 ubuf[24], qbuf[16];
	const char	*v[4] = { ubuf, day, qbuf, activity };
	PGresult	*r;
	int		 rc;

	snprintf(ubuf, sizeof(ubuf), "%" PRId64, user);
	snprintf(qbuf, sizeof(qbuf), "%d", quarters);
	if ((r = exec_stmt(st, ST_HOURS_ADD, 4, v, &rc)) == NULL)
		return rc;
	rc = write_result(st, r, entry);
	/* The function always answers a row: none would be a bug. */
	return rc == STORE_NOTFOUND ? STORE_ERROR : rc;
}

int
store_hours_get(struct store *st, int64_t user, int64_t id, json_t **entry)
{
	char		 ibuf[24], ubuf[24];
	const char	*v[2] = { ibuf, ubuf };
	PGresult	*r;
	int		 rc;

	snprintf(ibuf, sizeof(ibuf), "%" PRId64, id);
	snprintf(ubuf, sizeof(ubuf), "%" PRId64, user);
	if ((r = exec_stmt(st, ST_HOURS_GET, 2, v, &rc)) == NULL)
		return rc;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return STORE_NOTFOUND;
	}
	*entry = entry_json(r, 0);
	PQclear(r);
	return STORE_OK;
}

int
store_hours_update(struct store *st, int64_t user, int64_t id, const char *day,
    int quarters, const char *activity, json_t **entry)
{
	char		 ubuf[24], ibuf[24], qbuf[16];
	const char	*v[5] = { ubuf, ibuf, day, qbuf, activity };
	PGresult	*r;
	int		 rc;

	snprintf(ubuf, sizeof(ubuf), "%" PRId64, user);
	snprintf(ibuf, sizeof(ibuf), "%" PRId64, id);
	snprintf(qbuf, sizeof(qbuf), "%d", quarters);
	if ((r = exec_stmt(st, ST_HOURS_UPDATE, 5, v, &rc)) == NULL)
		return rc;
	return write_result(st, r, entry);
}

int
store_hours_delete(struct store *st, int64_t user, int64_t id)
{
	char		 ubuf[24], ibuf[24];
	const char	*v[2] = { ubuf, ibuf };
	PGresult	*r;
	int		 rc;
	int64_t		 res;

	snprintf(ubuf, sizeof(ubuf), "%" PRId64, user);
	snprintf(ibuf, sizeof(ibuf), "%" PRId64, id);
	if ((r = exec_stmt(st, ST_HOURS_DELETE, 2, v, &rc)) == NULL)
		return rc;
	res = col_i64(r, 0, 0);
	PQclear(r);
	if (res == 0)
		return STORE_NOTFOUND;
	st->changed = true;
	return STORE_OK;
}

int
store_hours_list(struct store *st, int64_t user, int64_t limit, int64_t offset,
    json_t **list, int64_t *total)
{
	char		 ubuf[24], lbuf[24], obuf[24];
	const char	*v[3] = { ubuf, lbuf, obuf };
	PGresult	*r;
	int		 rc, i;

	snprintf(ubuf, sizeof(ubuf), "%" PRId64, user);
	snprintf(lbuf, sizeof(lbuf), "%" PRId64, limit);
	snprintf(obuf, sizeof(obuf), "%" PRId64, offset);
	if ((r = exec_stmt(st, ST_HOURS_COUNT, 1, v, &rc)) == NULL)
		return rc;
	*total = col_i64(r, 0, 0);
	PQclear(r);
	if ((r = exec_stmt(st, ST_HOURS_LIST, 3, v, &rc)) == NULL)
		return rc;
	if ((*list = json_array()) == NULL)
		abort();
	for (i = 0; i < PQntuples(r); i++)
		if (json_array_append_new(*list, entry_json(r, i)) == -1)
			abort();
	PQclear(r);
	return STORE_OK;
}

int
store_me(struct store *st, int64_t user, json_t **me)
{
	char		 ubuf[24];
	const char	*v[1] = { ubuf };
	PGresult	*r;
	int		 rc;

	snprintf(ubuf, sizeof(ubuf), "%" PRId64, user);
	if ((r = exec_stmt(st, ST_ME, 1, v, &rc)) == NULL)
		return rc;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return STORE_NOTFOUND;
	}
	if ((*me = json_object()) == NULL)
		abort();
	jv_set(*me, "id", json_integer(col_i64(r, 0, 0)));
	jv_set(*me, "email", jv_str(PQgetvalue(r, 0, 1)));
	jv_set(*me, "name", jv_str(PQgetvalue(r, 0, 2)));
	jv_set(*me, "hours", hours_json(col_i64(r, 0, 3)));
	jv_set(*me, "rank", json_integer(col_i64(r, 0, 4)));
	jv_set(*me, "entries", json_integer(col_i64(r, 0, 5)));
	PQclear(r);
	return STORE_OK;
}

int
store_leaderboard(struct store *st, int64_t limit, int64_t offset,
    json_t **entries, int64_t *total)
{
	char		 lbuf[24], obuf[24];
	const char	*v[2] = { lbuf, obuf };
	PGresult	*r;
	json_t		*e;
	int		 rc, i;

	snprintf(lbuf, sizeof(lbuf), "%" PRId64, limit);
	snprintf(obuf, sizeof(obuf), "%" PRId64, offset);
	if ((r = exec_stmt(st, ST_BOARD_COUNT, 0, NULL, &rc)) == NULL)
		return rc;
	*total = col_i64(r, 0, 0);
	PQclear(r);
	if ((r = exec_stmt(st, ST_BOARD, 2, v, &rc)) == NULL)
		return rc;
	if ((*entries = json_array()) == NULL)
		abort();
	for (i = 0; i < PQntuples(r); i++) {
		if ((e = json_object()) == NULL)
			abort();
		jv_set(e, "rank", json_integer(col_i64(r, i, 0)));
		jv_set(e, "id", json_integer(col_i64(r, i, 1)));
		jv_set(e, "name", jv_str(PQgetvalue(r, i, 2)));
		jv_set(e, "hours", hours_json(col_i64(r, i, 3)));
		if (json_array_append_new(*entries, e) == -1)
			abort();
	}
	PQclear(r);
	return STORE_OK;
}
