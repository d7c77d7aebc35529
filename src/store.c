/*
 * store.c: crewlog's PostgreSQL data (see store.h).
 *
 * The only file that includes <libpq-fe.h>.  Queries are PQexecPrepared
 * (request path, prepared once per connection) or PQexecParams
 * (administration); no SQL is ever built from strings.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "store.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Prepared statements                                                 */
/* ------------------------------------------------------------------ */

#define UTC_TS(c) "to_char(" c " AT TIME ZONE 'UTC', " \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define ENTRY_COLS "id, to_char(day, 'YYYY-MM-DD'), quarters, activity, " \
	UTC_TS("created") ", " UTC_TS("updated")

enum stmt {
	ST_USER_CREATE,
	ST_USER_BY_EMAIL,
	ST_SESSION_CREATE,
	ST_SESSION_GET,
	ST_SESSION_DELETE,
	ST_THROTTLE_CHECK,
	ST_THROTTLE_FAIL,
	ST_THROTTLE_CLEAR,
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
	    "WHERE lower(email) = lower($1)", true },
	[ST_SESSION_CREATE] = { "session_create",
	    "WITH old AS (DELETE FROM sessions WHERE expires < now()) "
	    "INSERT INTO sessions (token_hash, astronaut_id, expires) "
	    "VALUES ($1, $2, now() + make_interval(secs => $3::int))", false },
	[ST_SESSION_GET] = { "session_get",
	    "SELECT a.id, a.email, a.name, "
	    "floor(extract(epoch FROM s.expires))::bigint FROM sessions s "
	    "JOIN astronauts a ON a.id = s.astronaut_id "
	    "WHERE s.token_hash = $1 AND s.expires > now()", true },
	[ST_SESSION_DELETE] = { "session_delete",
	    "WITH old AS (DELETE FROM sessions WHERE expires < now()) "
	    "DELETE FROM sessions WHERE token_hash = $1", false },
	[ST_THROTTLE_CHECK] = { "throttle_check",
	    "SELECT count(*), ceil(extract(epoch FROM min(at) + "
	    "make_interval(secs => $3::int) - now())) FROM login_failures "
	    "WHERE key = ANY(ARRAY[$1, $2]) AND "
	    "at > now() - make_interval(secs => $3::int) GROUP BY key", true },
	[ST_THROTTLE_FAIL] = { "throttle_fail",
	    "WITH old AS (DELETE FROM login_failures WHERE "
	    "at < now() - make_interval(secs => $3::int)) "
	    "INSERT INTO login_failures (key) VALUES ($1), ($2)", false },
	[ST_THROTTLE_CLEAR] = { "throttle_clear",
	    "DELETE FROM login_failures WHERE key = $1", false },
	[ST_HOURS_ADD] = { "hours_add",
	    "SELECT * FROM hours_add($1, $2::date, $3, $4)", false },
	[ST_HOURS_GET] = { "hours_get",
	    "SELECT " ENTRY_COLS " FROM hour_logs "
	    "WHERE id = $1 AND astronaut_id = $2", true },
	[ST_HOURS_UPDATE] = { "hours_update",
	    "SELECT * FROM hours_update($1, $2, $3::date, $4, $5)", false },
	[ST_HOURS_DELETE] = { "hours_delete",
	    "SELECT hours_delete($1, $2)", false },
	[ST_HOURS_LIST] = { "hours_list",
	    "SELECT " ENTRY_COLS " FROM hour_logs WHERE astronaut_id = $1 "
	    "ORDER BY day DESC, id DESC LIMIT $2 OFFSET $3", true },
	[ST_HOURS_COUNT] = { "hours_count",
	    "SELECT count(*) FROM hour_logs WHERE astronaut_id = $1", true },
	[ST_ME] = { "me",
	    "SELECT a.id, a.email, a.name, t.quarters, "
	    "(SELECT coalesce(sum(b.n), 0) + 1 FROM board_counts b "
	    "WHERE b.quarters > t.quarters), "
	    "(SELECT count(*) FROM hour_logs h WHERE h.astronaut_id = a.id) "
	    "FROM astronauts a JOIN totals t ON t.astronaut_id = a.id "
	    "WHERE a.id = $1", true },
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
	while (n > 0 && (st->errmsg[n - 1] == '\n' || st->errmsg[n - 1] == ' '))
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
static PGconn *
connect_db(const char *conninfo, struct buf *err)
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
	    BACKOFF_MAX_MS : st->backoff_ms * 2;
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
	if ((st->conn = connect_db(st->conninfo, &err)) == NULL) {
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
		set_err(st, stmts[s].name, r != NULL && PQresultErrorField(r,
		    PG_DIAG_MESSAGE_PRIMARY) != NULL ? PQresultErrorField(r,
		    PG_DIAG_MESSAGE_PRIMARY) : PQerrorMessage(st->conn));
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

/* Sets key to a new value; a NULL value (bad UTF-8) becomes null. */
static void
set_new(json_t *o, const char *key, json_t *v)
{
	if (v == NULL)
		v = json_null();
	if (json_object_set_new(o, key, v) == -1)
		abort();	/* only on OOM or a bad key: ours are fixed */
}

static json_t *
entry_json(const PGresult *r, int row)
{
	json_t	*e = json_object();

	if (e == NULL)
		abort();
	set_new(e, "id", json_integer(col_i64(r, row, 0)));
	set_new(e, "date", json_string(PQgetvalue(r, row, 1)));
	set_new(e, "hours", hours_json(col_i64(r, row, 2)));
	set_new(e, "activity", json_string(PQgetvalue(r, row, 3)));
	set_new(e, "created", json_string(PQgetvalue(r, row, 4)));
	set_new(e, "updated", json_string(PQgetvalue(r, row, 5)));
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
store_user_by_email(struct store *st, const char *email,
    struct store_user *u)
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
store_hours_add(struct store *st, int64_t user, const char *day,
    int quarters, const char *activity, json_t **entry)
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
store_hours_update(struct store *st, int64_t user, int64_t id,
    const char *day, int quarters, const char *activity, json_t **entry)
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
store_hours_list(struct store *st, int64_t user, int64_t limit,
    int64_t offset, json_t **list, int64_t *total)
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
	set_new(*me, "id", json_integer(col_i64(r, 0, 0)));
	set_new(*me, "email", json_string(PQgetvalue(r, 0, 1)));
	set_new(*me, "name", json_string(PQgetvalue(r, 0, 2)));
	set_new(*me, "hours", hours_json(col_i64(r, 0, 3)));
	set_new(*me, "rank", json_integer(col_i64(r, 0, 4)));
	set_new(*me, "entries", json_integer(col_i64(r, 0, 5)));
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
		set_new(e, "rank", json_integer(col_i64(r, i, 0)));
		set_new(e, "id", json_integer(col_i64(r, i, 1)));
		set_new(e, "name", json_string(PQgetvalue(r, i, 2)));
		set_new(e, "hours", hours_json(col_i64(r, i, 3)));
		if (json_array_append_new(*entries, e) == -1)
			abort();
	}
	PQclear(r);
	return STORE_OK;
}

/* ------------------------------------------------------------------ */
/* Administration: migrations, seeding, the consistency check          */
/* ------------------------------------------------------------------ */

/* Runs one parameterised command; -1 with err naming what on failure. */
static PGresult *
admin_exec(PGconn *c, const char *what, const char *sql, int n,
    const char *const *vals, struct buf *err)
{
	PGresult	*r;

	r = PQexecParams(c, sql, n, NULL, vals, NULL, NULL, 0);
	switch (PQresultStatus(r)) {
	case PGRES_TUPLES_OK:
	case PGRES_COMMAND_OK:
	case PGRES_COPY_IN:
		return r;
	default:
		buf_printf(err, "%s: %s", what, r != NULL ?
		    PQresultErrorMessage(r) : PQerrorMessage(c));
		PQclear(r);
		return NULL;
	}
}

static int
admin_cmd(PGconn *c, const char *what, const char *sql, int n,
    const char *const *vals, struct buf *err)
{
	PGresult	*r;

	if ((r = admin_exec(c, what, sql, n, vals, err)) == NULL)
		return -1;
	PQclear(r);
	return 0;
}

/*
 * Splits at top-level semicolons, skipping quotes ('', ""), comments
 * (--, nested block comments) and dollar-quoted bodies ($tag$...$tag$).
 * Calls cb for each non-blank statement.  -1 on an unterminated quote,
 * comment or dollar body.
 */
int
store_split_sql(const char *s, size_t len, void (*cb)(const char *, size_t,
    void *), void *arg)
{
	size_t		 i = 0, start = 0, j, taglen, k;
	int		 depth;
	bool		 blank = true;

	while (i < len) {
		char ch = s[i];

		if (ch == '\'' || ch == '"') {
			for (i++; i < len && s[i] != ch; i++)
				;
			if (i >= len)
				return -1;
			i++;
			blank = false;
		} else if (ch == '-' && i + 1 < len && s[i + 1] == '-') {
			while (i < len && s[i] != '\n')
				i++;
		} else if (ch == '/' && i + 1 < len && s[i + 1] == '*') {
			for (depth = 1, i += 2; i < len && depth > 0; i++) {
				if (s[i] == '/' && i + 1 < len &&
				    s[i + 1] == '*') {
					depth++;
					i++;
				} else if (s[i] == '*' && i + 1 < len &&
				    s[i + 1] == '/') {
					depth--;
					i++;
				}
			}
			if (depth > 0)
				return -1;
		} else if (ch == '$' && (i == 0 || !(isalnum((unsigned char)
		    s[i - 1]) || s[i - 1] == '_'))) {
			/* $tag$ where tag is empty or an identifier */
			for (j = i + 1; j < len && (isalnum((unsigned char)s[j])
			    || s[j] == '_'); j++)
				;
			if (j >= len || s[j] != '$' || (j > i + 1 &&
			    isdigit((unsigned char)s[i + 1]))) {
				i++;
				blank = false;
				continue;
			}
			taglen = j - i + 1;
			for (k = j + 1; k + taglen <= len; k++)
				if (memcmp(s + k, s + i, taglen) == 0)
					break;
			if (k + taglen > len)
				return -1;
			i = k + taglen;
			blank = false;
		} else if (ch == ';') {
			if (!blank)
				cb(s + start, i - start, arg);
			start = ++i;
			blank = true;
		} else {
			if (!isspace((unsigned char)ch))
				blank = false;
			i++;
		}
	}
	if (!blank)
		cb(s + start, len - start, arg);
	return 0;
}

struct run_ctx {
	PGconn		*c;
	const char	*file;
	struct buf	*err;
	int		 failed;
};

static void
run_one(const char *sql, size_t len, void *arg)
{
	struct run_ctx	*rc = arg;
	char		*stmt;
	PGresult	*r;

	if (rc->failed)
		return;
	stmt = xstrndup(sql, len);
	r = PQexecParams(rc->c, stmt, 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		buf_printf(rc->err, "%s: %s", rc->file,
		    PQresultErrorMessage(r));
		rc->failed = 1;
	}
	PQclear(r);
	free(stmt);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* NNN_name.sql: three digits, an underscore, a name, ".sql". */
static bool
is_migration(const char *n)
{
	size_t	 len = strlen(n);

	return len > 8 && isdigit((unsigned char)n[0]) &&
	    isdigit((unsigned char)n[1]) && isdigit((unsigned char)n[2]) &&
	    n[3] == '_' && strcmp(n + len - 4, ".sql") == 0;
}

/* Reads a whole file into a new NUL-terminated string; NULL on error. */
static char *
read_file(const char *path, size_t *len, struct buf *err)
{
	struct buf	 b = BUF_INIT;
	char		 tmp[8192];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_append(&b, tmp, (size_t)n);
	close(fd);
	if (n == -1) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		buf_free(&b);
		return NULL;
	}
	buf_putc(&b, '\0');
	*len = b.len - 1;
	return buf_release(&b);
}

/* The sorted migration file names of dir; *n of them. */
static char **
list_migrations(const char *dir, size_t *n, struct buf *err)
{
	DIR		*d;
	struct dirent	*de;
	char		**v = NULL;
	size_t		 cap = 0;

	*n = 0;
	if ((d = opendir(dir)) == NULL) {
		buf_printf(err, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_migration(de->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 0)
		qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

/* Applies or verifies one migration file; 0, or -1 with err set. */
static int
migrate_one(PGconn *c, const char *dir, const char *name, struct buf *err)
{
	struct run_ctx	 rc;
	PGresult	*r = NULL;
	char		*path = NULL, *text = NULL, *sum = NULL;
	const char	*v[2];
	size_t		 len;
	int		 ret = -1;

	path = xasprintf("%s/%s", dir, name);
	if ((text = read_file(path, &len, err)) == NULL)
		goto out;
	v[0] = text;
	if ((r = admin_exec(c, name, "SELECT encode(sha256(convert_to($1, "
	    "'UTF8')), 'hex')", 1, v, err)) == NULL)
		goto out;
	sum = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	v[0] = name;
	if ((r = admin_exec(c, name, "SELECT checksum FROM schema_migrations "
	    "WHERE name = $1", 1, v, err)) == NULL)
		goto out;
	if (PQntuples(r) == 1) {
		if (strcmp(PQgetvalue(r, 0, 0), sum) != 0) {
			buf_printf(err, "%s: applied migration has changed "
			    "(checksum %s, applied %s); add a new migration "
			    "instead", path, sum, PQgetvalue(r, 0, 0));
			goto out;
		}
		ret = 0;
		goto out;
	}
	if (admin_cmd(c, name, "BEGIN", 0, NULL, err) == -1)
		goto out;
	rc.c = c;
	rc.file = path;
	rc.err = err;
	rc.failed = 0;
	if (store_split_sql(text, len, run_one, &rc) == -1) {
		buf_printf(err, "%s: unterminated quote, comment or dollar "
		    "body", path);
		rc.failed = 1;
	}
	v[0] = name;
	v[1] = sum;
	if (rc.failed || admin_cmd(c, name, "INSERT INTO schema_migrations "
	    "(name, checksum) VALUES ($1, $2)", 2, v, err) == -1 ||
	    admin_cmd(c, name, "COMMIT", 0, NULL, err) == -1) {
		(void)admin_cmd(c, name, "ROLLBACK", 0, NULL, err);
		goto out;
	}
	printf("applied %s\n", name);
	ret = 0;
out:
	PQclear(r);
	free(sum);
	free(text);
	free(path);
	return ret;
}

/* Any advisory lock key will do, as long as every crewlog uses this one. */
#define MIGRATE_LOCK	"7302715"

int
store_migrate(const char *conninfo, const char *dir, struct buf *err)
{
	PGconn		*c;
	char		**names = NULL;
	const char	*v[1] = { MIGRATE_LOCK };
	size_t		 n = 0, i;
	int		 ret = -1;

	if ((names = list_migrations(dir, &n, err)) == NULL && n == 0 &&
	    err->len > 0)
		return -1;
	if ((c = connect_db(conninfo, err)) == NULL)
		goto out;
	/* Session lock: held across the per-file transactions. */
	if (admin_cmd(c, "lock", "SELECT pg_advisory_lock($1::bigint)", 1, v,
	    err) == -1)
		goto out;
	if (admin_cmd(c, "schema_migrations", "CREATE TABLE IF NOT EXISTS "
	    "schema_migrations (name text PRIMARY KEY, checksum text NOT "
	    "NULL, applied timestamptz NOT NULL DEFAULT now())", 0, NULL,
	    err) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (migrate_one(c, dir, names[i], err) == -1)
			goto out;
	ret = 0;
out:
	if (c != NULL) {
		(void)admin_cmd(c, "unlock", "SELECT pg_advisory_unlock_all()",
		    0, NULL, err);
		PQfinish(c);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

/* The classic table: name, hours. */
static const struct {
	const char	*email;
	const char	*name;
	int		 hours;
} demo_crew[] = {
	{ "buzz@crewlog.test", "Buzz", 102 },
	{ "neil@crewlog.test", "Neil", 111 },
	{ "collins@crewlog.test", "Collins", 100 },
	{ "musk@crewlog.test", "Musk", 2 },
};

static int
seed_one(PGconn *c, const char *email, const char *name, int hours,
    const char *pwhash, struct buf *err)
{
	PGresult	*r;
	const char	*v[4];
	char		 day[16], qbuf[16], idbuf[24];
	int		 d, h;
	time_t		 t;
	struct tm	 tm;

	v[0] = email;
	if ((r = admin_exec(c, email, "SELECT 1 FROM astronauts WHERE "
	    "lower(email) = lower($1)", 1, v, err)) == NULL)
		return -1;
	if (PQntuples(r) > 0) {
		PQclear(r);
		printf("%s exists, skipped\n", email);
		return 0;
	}
	PQclear(r);
	v[1] = name;
	v[2] = pwhash;
	if ((r = admin_exec(c, email, "SELECT astronaut_create($1, $2, $3)",
	    3, v, err)) == NULL)
		return -1;
	snprintf(idbuf, sizeof(idbuf), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	/* Eight hours a day, backwards from yesterday. */
	t = time(NULL);
	for (d = 1; hours > 0; d++, hours -= h) {
		h = hours < 8 ? hours : 8;
		time_t dt = t - (time_t)d * 86400;
		if (gmtime_r(&dt, &tm) == NULL)
			return -1;
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		snprintf(qbuf, sizeof(qbuf), "%d", h * 4);
		v[0] = idbuf;
		v[1] = day;
		v[2] = qbuf;
		v[3] = "Training";
		if (admin_cmd(c, email, "SELECT hours_add($1, $2::date, $3, "
		    "$4)", 4, v, err) == -1)
			return -1;
	}
	printf("seeded %s\n", email);
	return 0;
}

int
store_seed_demo(const char *conninfo, const char *pwhash, struct buf *err)
{
	PGconn		*c;
	size_t		 i;
	int		 ret = -1;

	if ((c = connect_db(conninfo, err)) == NULL)
		return -1;
	if (admin_cmd(c, "begin", "BEGIN", 0, NULL, err) == -1)
		goto out;
	for (i = 0; i < sizeof(demo_crew) / sizeof(demo_crew[0]); i++)
		if (seed_one(c, demo_crew[i].email, demo_crew[i].name,
		    demo_crew[i].hours, pwhash, err) == -1)
			goto out;
	if (admin_cmd(c, "commit", "COMMIT", 0, NULL, err) == -1)
		goto out;
	ret = 0;
out:
	PQfinish(c);
	return ret;
}

/*
 * Runs a COPY ... FROM STDIN, sending what fill() appends to a buffer
 * until it returns 0 (the buffer is sent whenever it passes 1 MiB, so a
 * 20-million-row load never sits in memory); 0 or -1 with err set.
 */
static int
copy_stream(PGconn *c, const char *what, const char *sql,
    int (*fill)(struct buf *, void *), void *arg, struct buf *err)
{
	PGresult	*r;
	struct buf	 data = BUF_INIT;
	int		 ok = 1, more = 1;

	if ((r = admin_exec(c, what, sql, 0, NULL, err)) == NULL)
		return -1;
	PQclear(r);
	while (ok && more) {
		while ((more = fill(&data, arg)) && data.len < (1u << 20))
			;
		if (data.len > 0 && PQputCopyData(c, data.data,
		    (int)data.len) != 1)
			ok = 0;
		buf_reset(&data);
	}
	buf_free(&data);
	if (PQputCopyEnd(c, ok ? NULL : "client error") != 1)
		ok = 0;
	r = PQgetResult(c);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		buf_printf(err, "%s: %s", what, PQresultErrorMessage(r));
		ok = 0;
	}
	PQclear(r);
	while ((r = PQgetResult(c)) != NULL)
		PQclear(r);
	return ok ? 0 : -1;
}

/* What the seed generates, row by row. */
struct seed_gen {
	long		 base, n, m, i;
	const char	*pwhash;
	unsigned	 rand;
	time_t		 yesterday;	/* UTC midnight of the server's date */
	long		 day_back;	/* back of day[] */
	char		 day[16];
};

static int
fill_astronauts(struct buf *b, void *arg)
{
	struct seed_gen	*g = arg;
	long		 id;

	if (g->i >= g->n)
		return 0;
	id = g->base + ++g->i;
	buf_printf(b, "%ld\tastro%ld@bench.test\tAstronaut %ld\t%s\n", id, id,
	    id, g->pwhash);
	return 1;
}

/*
 * One log per astronaut per day (0.25 to 8 hours: never over 24), the
 * i-th one "i / n" days before yesterday.
 */
static int
fill_logs(struct buf *b, void *arg)
{
	struct seed_gen	*g = arg;
	long		 back;
	time_t		 t;
	struct tm	 tm;

	if (g->i >= g->m || g->n <= 0)
		return 0;
	back = g->i / g->n;
	if (back != g->day_back) {
		t = g->yesterday - (time_t)back * 86400;
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(g->day, sizeof(g->day), "%Y-%m-%d", &tm) == 0)
			return 0;
		g->day_back = back;
	}
	buf_printf(b, "%ld\t%s\t%d\tBench drill %ld\n", g->base + 1 +
	    g->i % g->n, g->day, 1 + (int)(rand_r(&g->rand) % 32), g->i);
	g->i++;
	return 1;
}

/*
 * The seed drops the secondary indexes and foreign keys of the tables it
 * loads (remembering their definitions from the catalog), loads, then
 * builds them once: building an index over 20 million rows is far
 * cheaper than updating it 20 million times, and one foreign-key check
 * of the whole table cheaper than one per row.  Primary keys and the
 * indexes behind constraints stay.  Everything is in the seed's
 * transaction: a failure leaves the schema as it was.
 */
static const char seed_ddl_save[] =
    "CREATE TEMP TABLE seed_ddl ON COMMIT DROP AS "
    "SELECT format('DROP INDEX %s', i.indexrelid::regclass) AS drop_sql, "
    "pg_get_indexdef(i.indexrelid) AS create_sql FROM pg_index i "
    "WHERE i.indrelid IN ('astronauts'::regclass, 'hour_logs'::regclass, "
    "'totals'::regclass) AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
    "WHERE k.conindid = i.indexrelid) "
    "UNION ALL SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', "
    "k.conrelid::regclass, k.conname), format('ALTER TABLE %s ADD "
    "CONSTRAINT %I %s', k.conrelid::regclass, k.conname, "
    "pg_get_constraintdef(k.oid)) FROM pg_constraint k WHERE "
    "k.contype = 'f' AND k.conrelid IN ('hour_logs'::regclass, "
    "'totals'::regclass)";
static const char seed_ddl_drop[] =
    "DO $$ DECLARE s text; BEGIN "
    "FOR s IN SELECT drop_sql FROM seed_ddl LOOP EXECUTE s; END LOOP; "
    "END $$";
static const char seed_ddl_create[] =
    "DO $$ DECLARE s text; BEGIN "
    "FOR s IN SELECT create_sql FROM seed_ddl LOOP EXECUTE s; END LOOP; "
    "END $$";

/* The server's yesterday as UTC midnight, in g; 0 or -1. */
static int
seed_yesterday(PGconn *c, struct seed_gen *g, struct buf *err)
{
	PGresult	*r;

	if ((r = admin_exec(c, "date", "SELECT extract(epoch FROM "
	    "(current_date - 1)::timestamp)::bigint", 0, NULL, err)) == NULL)
		return -1;
	g->yesterday = (time_t)strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	g->day_back = -1;
	return 0;
}

int
store_seed_bulk(const char *conninfo, const char *pwhash, long n, long m,
    struct buf *err)
{
	PGconn		*c;
	PGresult	*r = NULL;
	struct seed_gen	 g;
	const char	*v[1];
	char		 bbuf[24];
	int		 ret = -1;

	if ((c = connect_db(conninfo, err)) == NULL)
		return -1;
	memset(&g, 0, sizeof(g));
	g.n = n;
	g.m = m;
	g.pwhash = pwhash;
	g.rand = 42;
	if (admin_cmd(c, "begin", "BEGIN", 0, NULL, err) == -1 ||
	    admin_cmd(c, "work_mem", "SET LOCAL maintenance_work_mem = "
	    "'256MB'", 0, NULL, err) == -1 ||
	    seed_yesterday(c, &g, err) == -1)
		goto out;
	if ((r = admin_exec(c, "base", "SELECT coalesce(max(id), 0) FROM "
	    "astronauts", 0, NULL, err)) == NULL)
		goto out;
	g.base = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	snprintf(bbuf, sizeof(bbuf), "%ld", g.base);
	v[0] = bbuf;
	if (admin_cmd(c, "save indexes", seed_ddl_save, 0, NULL, err) == -1 ||
	    admin_cmd(c, "drop indexes", seed_ddl_drop, 0, NULL, err) == -1 ||
	    admin_cmd(c, "board trigger", "ALTER TABLE totals DISABLE "
	    "TRIGGER totals_counted", 0, NULL, err) == -1)
		goto out;
	/* Ids are given explicitly so logs can name them in the same run. */
	if (copy_stream(c, "astronauts", "COPY astronauts (id, email, name, "
	    "pwhash) FROM STDIN", fill_astronauts, &g, err) == -1)
		goto out;
	g.i = 0;
	if (copy_stream(c, "hour_logs", "COPY hour_logs (astronaut_id, day, "
	    "quarters, activity) FROM STDIN", fill_logs, &g, err) == -1)
		goto out;
	if (admin_cmd(c, "totals", "INSERT INTO totals (astronaut_id, "
	    "quarters) SELECT a.id, coalesce(s.q, 0) FROM astronauts a "
	    "LEFT JOIN (SELECT astronaut_id, sum(quarters) AS q FROM "
	    "hour_logs WHERE astronaut_id > $1::bigint GROUP BY "
	    "astronaut_id) s ON s.astronaut_id = a.id WHERE a.id > $1::bigint "
	    "ON CONFLICT (astronaut_id) DO UPDATE SET quarters = "
	    "EXCLUDED.quarters", 1, v, err) == -1)
		goto out;
	if (admin_cmd(c, "build indexes", seed_ddl_create, 0, NULL, err) ==
	    -1 || admin_cmd(c, "board trigger", "ALTER TABLE totals ENABLE "
	    "TRIGGER totals_counted", 0, NULL, err) == -1 ||
	    admin_cmd(c, "board counts", "SELECT board_counts_rebuild()", 0,
	    NULL, err) == -1)
		goto out;
	if (admin_cmd(c, "sequence", "SELECT setval('astronauts_id_seq', "
	    "(SELECT max(id) FROM astronauts))", 0, NULL, err) == -1 ||
	    admin_cmd(c, "commit", "COMMIT", 0, NULL, err) == -1 ||
	    admin_cmd(c, "analyze", "ANALYZE astronauts, hour_logs, totals, "
	    "board_counts", 0, NULL, err) == -1)
		goto out;
	printf("seeded %ld astronauts and %ld logs\n", n, m);
	ret = 0;
out:
	PQfinish(c);
	return ret;
}

/*
 * The totals whose board_counts row disagrees with the astronauts that
 * have it, each named in err; the result (empty when all agree) or NULL.
 */
static PGresult *
check_board_counts(PGconn *c, struct buf *err)
{
	PGresult	*r;
	int		 i;

	r = admin_exec(c, "check board_counts", "SELECT quarters, "
	    "coalesce(b.n, 0), coalesce(g.n, 0) FROM (SELECT quarters, "
	    "count(*) AS n FROM totals GROUP BY quarters) g FULL JOIN "
	    "board_counts b USING (quarters) WHERE coalesce(g.n, 0) <> "
	    "coalesce(b.n, 0) ORDER BY quarters", 0, NULL, err);
	for (i = 0; r != NULL && i < PQntuples(r); i++)
		buf_printf(err, "board_counts: total %s quarter hours counts "
		    "%s astronauts, totals has %s\n", PQgetvalue(r, i, 0),
		    PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
	return r;
}

int
store_check(const char *conninfo, struct buf *err)
{
	PGconn		*c;
	PGresult	*r;
	int		 i, ret = -1;

	if ((c = connect_db(conninfo, err)) == NULL)
		return -1;
	r = admin_exec(c, "check", "SELECT a.id, coalesce(t.quarters, -1), "
	    "coalesce((SELECT sum(quarters) FROM hour_logs h "
	    "WHERE h.astronaut_id = a.id), 0) AS s FROM astronauts a "
	    "LEFT JOIN totals t ON t.astronaut_id = a.id "
	    "WHERE coalesce(t.quarters, -1) <> coalesce((SELECT sum(quarters) "
	    "FROM hour_logs h WHERE h.astronaut_id = a.id), 0)", 0, NULL, err);
	if (r == NULL)
		goto out;
	for (i = 0; i < PQntuples(r); i++)
		buf_printf(err, "astronaut %s: totals has %s quarter hours, "
		    "its logs sum to %s\n", PQgetvalue(r, i, 0),
		    PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
	if (PQntuples(r) == 0) {
		PQclear(r);
		if ((r = check_board_counts(c, err)) == NULL)
			goto out;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		if ((r = admin_exec(c, "count", "SELECT count(*), "
		    "(SELECT count(*) FROM hour_logs) FROM astronauts", 0, NULL,
		    err)) == NULL)
			goto out;
		printf("ok: %s astronauts, %s logs, totals match\n",
		    PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
		ret = 0;
	}
	PQclear(r);
out:
	PQfinish(c);
	return ret;
}
