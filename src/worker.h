/*
 * worker.h: a worker process's accept loop.
 *
 * The master forks and calls worker_main(); it never returns to the
 * master's code: the caller exits with its result.
 *
 * Signals: SIGTERM and SIGQUIT stop the worker gracefully (an idle worker
 * exits at once, a busy one after its response); SIGUSR1 reopens the log.
 * They are blocked while a request is handled and delivered only inside
 * the wait for a connection, so no read or write of a request is ever cut
 * short by EINTR (libfcgi does not retry those).
 *
 * The master may stop a worker with ptrace for the slow log's backtrace
 * (trace.h): PTRACE_INTERRUPT delivers no signal, so a call it interrupts
 * is restarted by the kernel and the request continues.  With sandbox =
 * log|enforce the worker runs under a seccomp filter (sandbox.h) once
 * started.
 */
#ifndef CREWLOG_WORKER_H
#define CREWLOG_WORKER_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "scoreboard.h"

struct worker_args {
	const struct config	 *cfg;
	const struct pool_config *pc;
	struct scoreboard	 *sb;
	struct sb_slot		 *slot;		/* NULL: status child */
	int			  listen_fd;
	unsigned		  max_requests;	/* jitter applied; 0: none */
	bool			  status_only;	/* pm.status_listen child */
	/* Every pool of the generation, for /metrics. */
	size_t			  npools;
	const struct pool_config *const *pcs;
	struct scoreboard *const *sbs;
	const int		 *listen_fds;
};

/* Serves until stopped or recycled; returns the exit status. */
int	 worker_main(const struct worker_args *);

/* Whether addr is allowed by listen.allowed_clients ("a,b"; NULL: all). */
struct sockaddr;
bool	 worker_client_allowed(const char *allowed, const struct sockaddr *);

#endif
