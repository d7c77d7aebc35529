/*
 * admin.h: database administration for the command line: crewlog
 * migrate, seed and check.
 *
 * Each call opens its own connection (store_connect()), writes progress
 * to stdout and problems to err, closes the connection and returns 0 or
 * -1.  Nothing here runs in a worker.
 */
#ifndef CREWLOG_ADMIN_H
#define CREWLOG_ADMIN_H

#include <stddef.h>

#include "buf.h"

/*
 * Applies dir's NNN_*.sql files not yet applied, each in a transaction,
 * under an advisory lock; a changed applied file is an error naming it.
 */
int	 admin_migrate(const char *conninfo, const char *dir, struct buf *err);
/* The demo crew; pwhash is used for every account.  Idempotent. */
int	 admin_seed_demo(const char *conninfo, const char *pwhash,
	    struct buf *err);
/* n astronauts and m logs through COPY, for benchmarks. */
int	 admin_seed_bulk(const char *conninfo, const char *pwhash, long n,
	    long m, struct buf *err);
/* totals == sum(hour_logs) for every astronaut; mismatches go to err. */
int	 admin_check(const char *conninfo, struct buf *err);
/*
 * Splits an SQL script into statements (quotes, comments, $$ aware) and
 * calls cb for each non-blank one; -1 on an unterminated quote, comment
 * or dollar body.
 */
int	 admin_split_sql(const char *sql, size_t len,
	    void (*cb)(const char *, size_t, void *), void *arg);

#endif
