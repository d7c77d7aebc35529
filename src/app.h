/*
 * app.h: the application a worker runs, behind the request core.
 *
 * The worker (src/worker.c) reads a request, answers the operations
 * endpoints itself, and hands everything else to app_handle(), which
 * routes it to one handler (src/handlers/) and so fills the response.
 * app.c is the dispatcher only: the route table, start-up and shutdown.
 * An app is per worker process: it owns the database connection, the
 * compiled templates and the leaderboard cache.
 */
#ifndef CREWLOG_APP_H
#define CREWLOG_APP_H

#include <stdbool.h>

#include "buf.h"
#include "config.h"
#include "request.h"
#include "response.h"

struct app;

/* In the master before fork: compile what can be shared copy-on-write. */
int		 app_init_main(const struct pool_config *, struct buf *err);
/* In each worker after fork; NULL with err set on failure. */
struct app	*app_init_child(const struct pool_config *, struct buf *err);
void		 app_free(struct app *);
/* For /readyz: database reachable and templates loaded; why on false. */
bool		 app_ready(struct app *, struct buf *why);
/*
 * The database descriptor the worker watches while idle, or -1; gen
 * changes when it is a new one.  When it is readable, the worker calls
 * app_wake(); both go to the leaderboard cache (board_cache.h).
 */
int		 app_wake_fd(struct app *, unsigned *gen);
/* Reads what woke the worker (database notifications) and acts on it. */
void		 app_wake(struct app *);
/*
 * Routes req to its handler, which fills resp; never fails (errors are
 * 4xx/5xx answers).  req and resp stay the caller's.
 */
void		 app_handle(struct app *, struct request *, struct response *);
/* crewlog -t: checks what the app needs of the config (templates). */
int		 app_check_config(const struct pool_config *, struct buf *err);
/* crewlog migrate|seed|check ...: returns the exit status. */
int		 app_cli(int argc, char **argv);

#endif
