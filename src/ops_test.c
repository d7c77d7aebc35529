/*
 * ops_test.c: endpoints for the integration tests, never for production.
 *
 * Compiled only with ./configure --enable-test-endpoints, and answered
 * only in pools with test_endpoints = yes (a build without them refuses
 * that key, see crewlog.conf(5)).  Each one makes a worker misbehave on
 * purpose: slow, chatty on stdout, outside the sandbox, or stuck.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ops.h"
#include "sandbox.h"

/* /_test/sleep?ms=N: a slow handler for the integration tests. */
static void
test_sleep(const struct ops_env *env, struct request *req,
    struct response *resp)
{
	const char	*v = kv_get(&req->query, "ms");
	char		*end;
	long		 ms;
	struct timespec	 ts;

	errno = 0;
	ms = v == NULL ? 0 : strtol(v, &end, 10);
	if (v == NULL || *v == '\0' || *end != '\0' || errno != 0 || ms < 0 ||
	    ms > 600000) {
		ops_text(resp, 400, "ms: must be 0..600000\n");
		return;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	ops_text(resp, 200, "");
	buf_printf(&resp->body, "slept %ld ms\n", ms);
}

/*
 * /_test/print?text=T: writes "T\n" straight to the worker's stdout and
 * stderr, past the log module, as a stray library message would be:
 * what catch_workers_output is for.
 */
static void
test_print(const struct ops_env *env, struct request *req,
    struct response *resp)
{
	const char	*v = kv_get(&req->query, "text");
	struct iovec	 iov[2];
	int		 fd;

	if (v == NULL || *v == '\0' || strlen(v) > 4096) {
		ops_text(resp, 400, "text: must be 1..4096 bytes\n");
		return;
	}
	iov[0].iov_base = (void *)v;
	iov[0].iov_len = strlen(v);
	iov[1].iov_base = (void *)"\n";
	iov[1].iov_len = 1;
	for (fd = 1; fd <= 2; fd++)
		if (writev(fd, iov, 2) == -1) {
			ops_text(resp, 500, "write failed\n");
			return;
		}
	ops_text(resp, 200, "printed\n");
}

/*
 * /_test/forbidden: one system call outside the sandbox's allow-list.
 * Answers 200 with its result; under sandbox = enforce the worker then
 * replaces that with a 500 (worker.c).
 */
static void
test_forbidden(const struct ops_env *env, struct request *req,
    struct response *resp)
{
	long	 r = sandbox_forbidden_call();

	ops_text(resp, 200, "");
	if (r == -1)
		buf_printf(&resp->body, "forbidden call failed: %s\n",
		    strerror(errno));
	else
		buf_printf(&resp->body, "forbidden call returned %ld\n", r);
}

/* /_test/hang: a worker stuck for good, for request_terminate_timeout. */
static void
test_hang(const struct ops_env *env, struct request *req,
    struct response *resp)
{
	log_warn("/_test/hang: this worker now hangs on purpose");
	for (;;)
		(void)pause();
}

static const char *
sleep_path(const struct ops_env *env)
{
	return env->pc->test_endpoints ? "/_test/sleep" : NULL;
}

static const char *
print_path(const struct ops_env *env)
{
	return env->pc->test_endpoints ? "/_test/print" : NULL;
}

static const char *
forbidden_path(const struct ops_env *env)
{
	return env->pc->test_endpoints ? "/_test/forbidden" : NULL;
}

static const char *
hang_path(const struct ops_env *env)
{
	return env->pc->test_endpoints ? "/_test/hang" : NULL;
}

const struct ops_route ops_test_routes[] = {
	{ sleep_path, test_sleep },
	{ print_path, test_print },
	{ forbidden_path, test_forbidden },
	{ hang_path, test_hang },
};
const size_t ops_test_nroutes = sizeof(ops_test_routes) /
    sizeof(ops_test_routes[0]);
