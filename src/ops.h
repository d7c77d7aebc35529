/*
 * ops.h: the operations endpoints a worker answers before the app.
 *
 * ping.path ("pong"), pm.status_path (text, ?json, ?full, ?openmetrics),
 * /metrics (Prometheus text, when pm.status_path is set), /healthz,
 * /readyz (503 until app_ready()), and with test_endpoints = yes the
 * integration-test helpers /_test/sleep?ms=N and /_test/hang.
 */
#ifndef CREWLOG_OPS_H
#define CREWLOG_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "request.h"
#include "response.h"
#include "scoreboard.h"

struct app;

/* What the endpoints read; owned by the worker, lives as long as it. */
struct ops_env {
	const struct pool_config *pc;	/* this worker's pool */
	struct scoreboard	 *sb;	/* this worker's pool */
	size_t			  npools;	/* every pool, for /metrics */
	const struct pool_config *const *pcs;
	struct scoreboard *const *sbs;
	const int		 *listen_fds;	/* per pool, -1: unknown */
	struct app		 *app;	/* NULL in the status child */
	bool			  status_only;
};

enum ops_format {
	OPS_TEXT,
	OPS_JSON,
	OPS_OPENMETRICS,
	OPS_PROMETHEUS,
	OPS__MAX
};

/*
 * Answers req into resp if its path is an operations endpoint; returns
 * true if it did (any status), false to hand the request to the app.
 */
bool	 ops_handle(const struct ops_env *, struct request *,
	    struct response *);

/* The status page of pool i (text or JSON), with per-process detail. */
void	 ops_status(const struct ops_env *, size_t i, enum ops_format,
	    bool full, struct buf *out);
/* Prometheus (or OpenMetrics) text for every pool. */
void	 ops_metrics(const struct ops_env *, bool openmetrics,
	    struct buf *out);
/*
 * Current and maximum length of a listening socket's accept queue (TCP
 * via TCP_INFO; 0 for unix sockets, which Linux does not report there).
 */
void	 ops_listen_queue(int fd, unsigned *cur, unsigned *max);

#endif
