/*
 * ops.h: the operations endpoints a worker answers before the app.
 *
 * ping.path ("pong"), pm.status_path (text, ?json, ?full, ?openmetrics),
 * /metrics (Prometheus text, when pm.status_path is set), /healthz,
 * /readyz (503 until app_ready()): a table in ops.c, like the app's
 * routes.  The integration-test helpers (/_test/sleep?ms=N, /_test/print,
 * /_test/hang) are a second table in ops_test.c, compiled only with
 * ./configure --enable-test-endpoints (CREWLOG_TEST_ENDPOINTS) and
 * answered only where the pool says test_endpoints = yes.
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
 * One endpoint: path() is where it answers for this worker's pool, NULL
 * when it is off there; serve() fills the response.
 */
struct ops_route {
	const char	*(*path)(const struct ops_env *);
	void		 (*serve)(const struct ops_env *, struct request *,
			    struct response *);
};

#ifdef CREWLOG_TEST_ENDPOINTS
/* ops_test.c: the /_test/ endpoints. */
extern const struct ops_route	ops_test_routes[];
extern const size_t		ops_test_nroutes;
#endif

/*
 * Answers req into resp if its path is an operations endpoint; returns
 * true if it did (any status), false to hand the request to the app.
 */
bool	 ops_handle(const struct ops_env *, struct request *,
	    struct response *);

/* Replaces the body with text/plain body and sets status. */
void	 ops_text(struct response *, int status, const char *body);
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
