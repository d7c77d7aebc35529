/*
 * store.h: crewlog's PostgreSQL data, the only user of libpq.
 *
 * A worker holds one struct store: one connection, its statements
 * prepared once, reconnected with exponential backoff after a failure.
 * Every query is a prepared statement with $n parameters.  Writes that
 * touch hour_logs go through the SQL functions of sql/001_init.sql, which
 * keep totals exact in the same transaction.
 *
 * Return codes of the request-path functions:
 *   STORE_OK		done (a write has committed)
 *   STORE_NOTFOUND	no such row (or not the caller's)
 *   STORE_CONFLICT	unique violation (email taken)
 *   STORE_LIMIT	the day would exceed 24 hours
 *   STORE_DOWN		database unreachable: answer 503
 *   STORE_ERROR	anything else: answer 500; store_errmsg() says why
 * A write that returns anything but STORE_OK did not commit.
 *
 * Hours are quarter hours (integers) everywhere below; json_t results
 * carry them as "hours" (a number, 2.5) for the view-model.
 */
#ifndef CREWLOG_STORE_H
#define CREWLOG_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"

enum store_rc {
	STORE_OK = 0,
	STORE_NOTFOUND,
	STORE_CONFLICT,
	STORE_LIMIT,
	STORE_DOWN,
	STORE_ERROR
};

struct store;

/* An astronaut as the login path needs it; store_user_clear() frees. */
struct store_user {
	int64_t	 id;
	char	*email;
	char	*name;
	char	*pwhash;	/* NULL unless looked up by email */
};

struct store_opts {
	const char	*conninfo;	/* URL or key=value; NULL: PG* vars */
	bool		 listen;	/* LISTEN for leaderboard changes */
	bool		 notify_board;	/* our writes NOTIFY them (002) */
};

/*
 * Opens a store and tries to connect once; a database that is down is
 * not an error here (requests answer 503 until it is back).  Never NULL.
 */
struct store	*store_open(const struct store_opts *);
void		 store_close(struct store *);
/* Connected, or reconnected now if the backoff allows; why on false. */
bool		 store_ready(struct store *, struct buf *why);
/*
 * Called before each request: notices a connection the server closed and
 * drains notifications.  Returns true when the leaderboard changed since
 * the last call (or the connection was lost), so caches must go.
 */
bool		 store_poll(struct store *);
/*
 * The descriptor to watch while idle (readable: call store_poll()), or -1
 * when not listening or not connected.  gen changes with every new
 * connection, so a caller can tell a reused descriptor number apart.
 */
int		 store_wake_fd(const struct store *, unsigned *gen);
/* Seconds a client should wait while the database is down (>= 1). */
int		 store_retry_after(const struct store *);
/* The last error, for the log; never NULL, never request bytes. */
const char	*store_errmsg(const struct store *);

void		 store_user_clear(struct store_user *);
int		 store_user_create(struct store *, const char *email,
		    const char *name, const char *pwhash, int64_t *id);
int		 store_user_by_email(struct store *, const char *email,
		    struct store_user *);

/* token_hash: hex text, never the token itself.  ttl in seconds. */
int		 store_session_create(struct store *, const char *token_hash,
		    int64_t user, unsigned ttl);
int		 store_session_get(struct store *, const char *token_hash,
		    struct store_user *);
int		 store_session_delete(struct store *, const char *token_hash);

/*
 * Login throttling: *retry_after > 0 when either key has max failures in
 * the last window seconds.  A failure is recorded under both keys.
 */
int		 store_throttle_check(struct store *, const char *acct,
		    const char *addr, unsigned window, unsigned max,
		    int *retry_after);
int		 store_throttle_fail(struct store *, const char *acct,
		    const char *addr, unsigned window);
int		 store_throttle_clear(struct store *, const char *acct);
/* Records one attempt under key alone (sign-up counts every attempt). */
int		 store_throttle_note(struct store *, const char *key,
		    unsigned window);

/*
 * Hour logs.  day is "YYYY-MM-DD" (already validated); *entry gets a new
 * object {id, date, hours, activity, created, updated} the caller owns.
 */
int		 store_hours_add(struct store *, int64_t user, const char *day,
		    int quarters, const char *activity, json_t **entry);
int		 store_hours_get(struct store *, int64_t user, int64_t id,
		    json_t **entry);
int		 store_hours_update(struct store *, int64_t user, int64_t id,
		    const char *day, int quarters, const char *activity,
		    json_t **entry);
int		 store_hours_delete(struct store *, int64_t user, int64_t id);
/* *list: new array of entries, newest first; *total: all of the user's. */
int		 store_hours_list(struct store *, int64_t user, int64_t limit,
		    int64_t offset, json_t **list, int64_t *total);
/* {"id", "email", "name", "hours", "rank", "entries"} for /api/me. */
int		 store_me(struct store *, int64_t user, json_t **me);

/*
 * *entries: new array of {rank, id, name, hours}, by hours descending
 * (ties share a rank); *total: astronauts on the board.
 */
int		 store_leaderboard(struct store *, int64_t limit,
		    int64_t offset, json_t **entries, int64_t *total);

/*
 * One libpq connection with crewlog's settings (application_name, a 3 s
 * connect timeout, no GSS encryption), for admin.c, which runs its own.
 * The caller owns it (PQfinish).  NULL with err set on failure.
 */
struct pg_conn;
struct pg_conn	*store_connect(const char *conninfo, struct buf *err);

#endif
