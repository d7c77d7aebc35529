/*
 * pool.h: the master process.
 *
 * pool_run() opens every pool's listening socket, maps the scoreboards,
 * forks the workers and then only supervises: it reaps, respawns (with a
 * back-off on crash loops), keeps the spare count for pm = dynamic, forks
 * on demand for pm = ondemand, enforces request_terminate_timeout and
 * request_slowlog_timeout, and handles the signals:
 *
 *	SIGTERM, SIGQUIT	graceful stop (in-flight requests finish, up to
 *				process_control_timeout, then SIGKILL)
 *	SIGINT			immediate stop
 *	SIGHUP, SIGUSR2		graceful reload of the configuration file
 *	SIGUSR1			reopen the log file
 *
 * Only pool.c forks.
 */
#ifndef CREWLOG_POOL_H
#define CREWLOG_POOL_H

#include <stdbool.h>

#include "config.h"

struct pool_opts {
	const char	*config_path;	/* re-read on reload */
	const char	*pid_file;	/* -p; overrides the config's pid */
	bool		 foreground;	/* -F: never daemonize */
};

/*
 * Runs the master until it is stopped; takes ownership of cfg (it is
 * freed, or replaced on reload).  Returns the process exit status.
 */
int	 pool_run(struct config *cfg, const struct pool_opts *);

#endif
