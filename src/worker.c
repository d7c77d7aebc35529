/*
 * worker.c: a worker's accept loop and request path (see worker.h).
 *
 * The worker waits in epoll_pwait() with EPOLLEXCLUSIVE on the shared,
 * non-blocking listening socket (one idle worker is woken per connection,
 * not all of them) and with its stop signals unblocked only there.  It
 * accepts the connection itself and hands the descriptor to libfcgi
 * (FCGX_Accept_r uses an open ipcFd instead of accepting), so libfcgi never
 * blocks in accept() where a signal could not reach it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "app.h"
#include "log.h"
#include "ops.h"
#include "request.h"
#include "request_fcgi.h"
#include "response.h"
#include "response_fcgi.h"
#include "sandbox.h"
#include "util.h"
#include "worker.h"

/* Set by the signal handlers only; read by the loop after epoll_pwait. */
static volatile sig_atomic_t	 w_quit;
static volatile sig_atomic_t	 w_reopen;

static void
on_stop(int sig)
{
	(void)sig;
	w_quit = 1;
}

static void
on_usr1(int sig)
{
	(void)sig;
	w_reopen = 1;
}

/*
 * Installs the worker's handlers (replacing the master's, which wrote to
 * the master's self-pipe) and blocks the stop signals; *waitmask gets the
 * mask to use while waiting for a connection.
 */
static int
setup_signals(sigset_t *waitmask)
{
	struct sigaction	 sa;
	sigset_t		 block;
	static const int	 dfl[] = { SIGHUP, SIGUSR2, SIGINT, SIGCHLD };
	size_t			 i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	for (i = 0; i < sizeof(dfl) / sizeof(dfl[0]); i++)
		if (sigaction(dfl[i], &sa, NULL) == -1)
			return -1;
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		return -1;
	sa.sa_handler = on_stop;	/* no SA_RESTART: wake the wait */
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGQUIT, &sa, NULL) == -1)
		return -1;
	sa.sa_handler = on_usr1;
	if (sigaction(SIGUSR1, &sa, NULL) == -1)
		return -1;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGQUIT);
	sigaddset(&block, SIGUSR1);
	/* The master forked with every signal blocked; keep only ours. */
	if (sigprocmask(SIG_SETMASK, &block, NULL) == -1)
		return -1;
	sigemptyset(waitmask);
	return 0;
}

/* ---------------------------------------------------------------------
 * Client address check (listen.allowed_clients)
 */

bool
worker_client_allowed(const char *allowed, const struct sockaddr *sa)
{
	char		 want[INET6_ADDRSTRLEN], got[INET6_ADDRSTRLEN];
	const char	*p, *e;
	size_t		 n;
	struct in6_addr	 a6;
	struct in_addr	 a4;

	if (allowed == NULL || *allowed == '\0')
		return true;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    got, sizeof(got));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, got,
		    sizeof(got));
	else
		return true;	/* unix sockets: file permissions decide */
	for (p = allowed; *p != '\0'; p = *e == '\0' ? e : e + 1) {
		while (*p == ' ')
			p++;
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n == 0 || n >= sizeof(want))
			continue;
		memcpy(want, p, n);
		want[n] = '\0';
		/* Compare canonical forms: "::1" and "0:0::1" are one. */
		if (inet_pton(AF_INET6, want, &a6) == 1)
			inet_ntop(AF_INET6, &a6, want, sizeof(want));
		else if (inet_pton(AF_INET, want, &a4) == 1)
			inet_ntop(AF_INET, &a4, want, sizeof(want));
		if (strcmp(want, got) == 0)
			return true;
	}
	return false;
}

/* ---------------------------------------------------------------------
 * Request path
 */

/* Which scoreboard route entry a (method, route name) pair went to. */
struct route_memo {
	enum http_method	 method;
	const char		*name;	/* req->route_name: compared by address */
	int			 index;
};

struct wstate {
	const struct worker_args *wa;
	struct ops_env		  ops;
	struct app		 *app;
	struct req_limits	  limits;
	uint64_t		  served;
	const char		 *version;	/* CREWLOG_VERSION, or NULL */
	struct route_memo	  routes[SB_ROUTES];
	size_t			  nroutes;
	bool			  violated;	/* sandbox: exit now */
};

/*
 * The scoreboard route entry of a request.  Route names outlive the
 * worker's requests, so after the first request of a route the lookup is
 * a comparison of addresses, not of strings in shared memory.  Requests
 * no route answered (404, 405, unreadable) share "(unrouted)"; methods
 * are named only from the known set, so clients cannot add labels.
 */
static int
route_index(struct wstate *w, const struct request *req)
{
	const char	*name = req->route_name != NULL ? req->route_name :
						     "(unrouted)";
	enum http_method m = req->method_name == NULL ? HTTP_OTHER :
							req->method;
	size_t		 i;
	int		 idx;

	for (i = 0; i < w->nroutes; i++)
		if (w->routes[i].name == name && w->routes[i].method == m)
			return w->routes[i].index;
	idx = sb_route_find(w->wa->sb,
	    m == HTTP_OTHER ? "OTHER" : req->method_name, name);
	if (w->nroutes < SB_ROUTES) {
		w->routes[w->nroutes].method = m;
		w->routes[w->nroutes].name = name;
		w->routes[w->nroutes].index = idx;
		w->nroutes++;
	}
	return idx;
}

/*
 * The request could not be read: 400, 411, 413 or 415 with the reason,
 * as JSON or HTML as the client prefers.
 */
static void
error_reply(struct request *req, struct response *resp,
    const struct req_error *err)
{
	resp_reset(resp);
	(void)resp_error(resp, req_wants_json(req),
	    err->status != 0 ? err->status : 400, NULL, err->message,
	    err->field[0] != '\0' ? err->field : NULL);
}

/*
 * sandbox = enforce trapped a call: logs its name (the line carries the
 * request id when there is one) and, with a response pending, replaces it
 * with a 500.  The worker exits after this request.
 */
static bool
sandbox_check(struct wstate *w, struct request *req, struct response *resp)
{
	char	 name[64];
	int	 nr;

	if ((nr = sandbox_take_violation()) == -1)
		return false;
	sandbox_syscall_name(nr, name, sizeof(name));
	log_error("sandbox: %s (%d) is not on the allow-list: %s"
		  "exiting (sandbox = enforce)",
	    name, nr, resp != NULL ? "answering 500 and " : "");
	if (resp != NULL) {
		resp_reset(resp);
		(void)resp_error(resp, req_wants_json(req), 500, NULL,
		    "internal error", NULL);
	}
	w->violated = true;
	return true;
}

/* One request on an accepted connection; the connection is closed after. */
static void
serve(struct wstate *w, FCGX_Request *fr)
{
	const struct worker_args	*wa = w->wa;
	struct sb_slot			*slot = wa->slot;
	struct request			 req;
	struct response			 resp;
	struct req_error		 err;
	int64_t				 t0, dur;
	int				 rc;

	t0 = sb_now_mono_us();
	if (slot != NULL)
		sb_begin_request(wa->sb, slot);
	/*
	 * FCGX_Accept_r() first finishes the previous request and would
	 * close the descriptor we just accepted unless told the connection
	 * is kept; the begin-request record then sets the real flag.
	 */
	fr->keepConnection = 1;
	if (FCGX_Accept_r(fr) < 0) {
		/* The peer went away before sending its parameters. */
		fr->ipcFd = -1;
		if (slot != NULL)
			sb_set_state(slot, SB_IDLE);
		return;
	}
	req_init(&req);
	resp_init(&resp);
	memset(&err, 0, sizeof(err));
	rc = req_read(&req, fr, &w->limits, &err);
	if (slot != NULL) {
		sb_set_request(slot, req.method_name, req.uri);
		sb_set_request_id(slot, req.request_id);
		sb_set_state(slot, SB_RUNNING);
	}
	log_set_request(req.request_id, req.method_name,
	    req.path != NULL ? req.path : req.uri);
	resp.head = req.method == HTTP_HEAD;
	if (rc == -1)
		error_reply(&req, &resp, &err);
	else if (!ops_handle(&w->ops, &req, &resp))
		app_handle(w->app, &req, &resp);
	(void)sandbox_check(w, &req, &resp);
	(void)resp_header(&resp, "X-Request-Id", req.request_id);
	if (w->version != NULL)
		(void)resp_header(&resp, "X-Crewlog-Version", w->version);
	if (slot != NULL)
		sb_set_state(slot, SB_FINISHING);
	if (resp_finish(&resp, fr->out) == -1)
		log_info("client went away before the response was sent");
	FCGX_Finish_r(fr);
	if (fr->ipcFd >= 0) {
		/* FCGI_KEEP_CONN: we serve one request per connection. */
		close(fr->ipcFd);
		fr->ipcFd = -1;
	}
	dur = sb_now_mono_us() - t0;
	if (slot != NULL) {
		sb_end_request(wa->sb, slot, dur);
		sb_route_observe(wa->sb, route_index(w, &req), dur);
		sb_set_state(slot, SB_IDLE);
	}
	log_access(resp.status, (double)dur / 1000.0);
	log_clear_request();
	req_free(&req);
	resp_free(&resp);
	w->served++;
}

/* Accepts one connection if any is pending: fd, or -1 (try again later). */
static int
accept_one(struct wstate *w)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	int			 fd, one = 1;

	fd = accept4(w->wa->listen_fd, (struct sockaddr *)&ss, &len,
	    SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			log_error("accept: %s", strerror(errno));
			usleep(100000);	/* let descriptors free up */
		}
		return -1;	/* EAGAIN: another worker took it */
	}
	if (!worker_client_allowed(w->wa->pc->listen_allowed_clients,
		(struct sockaddr *)&ss)) {
		log_warn("connection from a client not in "
			 "listen.allowed_clients refused");
		close(fd);
		return -1;
	}
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	return fd;
}

/* What an epoll event is for. */
enum {
	EV_LISTEN,
	EV_APP
};

/*
 * Keeps the app's descriptor (its listening database connection) in the
 * epoll set, following reconnections: a worker idle in epoll_pwait()
 * must still read what the database sends it.
 */
static void
watch_app(struct wstate *w, int ep, int *fd, unsigned *gen)
{
	struct epoll_event	 ev;
	unsigned		 g;
	int			 nfd;

	nfd = app_wake_fd(w->app, &g);
	if (nfd == *fd && g == *gen)
		return;
	/* A closed descriptor has left the set already: ENOENT is fine. */
	if (*fd != -1)
		(void)epoll_ctl(ep, EPOLL_CTL_DEL, *fd, NULL);
	*fd = -1;
	*gen = g;
	if (nfd == -1)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = EV_APP;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, nfd, &ev) == -1) {
		log_error("epoll_ctl (database connection): %s",
		    strerror(errno));
		return;
	}
	*fd = nfd;
}

static int
loop(struct wstate *w, const sigset_t *waitmask)
{
	const struct worker_args	*wa = w->wa;
	FCGX_Request			 fr;
	struct epoll_event		 ev, evs[2];
	int				 ep, n, i, fd, status = 0;
	int				 app_fd = -1;
	unsigned			 app_gen = 0;
	bool				 incoming;

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_error("epoll_create1: %s", strerror(errno));
		return 1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.u32 = EV_LISTEN;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, wa->listen_fd, &ev) == -1) {
		log_error("epoll_ctl: %s", strerror(errno));
		close(ep);
		return 1;
	}
	if (FCGX_InitRequest(&fr, wa->listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) !=
	    0) {
		log_error("FCGX_InitRequest failed");
		close(ep);
		return 1;
	}
	if (wa->slot != NULL)
		sb_set_state(wa->slot, SB_IDLE);
	while (!w_quit) {
		if (wa->max_requests != 0 && w->served >= wa->max_requests) {
			log_info("recycling after %llu requests "
				 "(pm.max_requests)",
			    (unsigned long long)w->served);
			break;
		}
		watch_app(w, ep, &app_fd, &app_gen);
		n = epoll_pwait(ep, evs, 2, -1, waitmask);
		if (w_reopen) {
			w_reopen = 0;
			if (log_reopen() == -1)
				log_error("reopening the log: %s",
				    strerror(errno));
			else
				log_info("log reopened (SIGUSR1)");
		}
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_error("epoll_pwait: %s", strerror(errno));
			status = 1;
			break;
		}
		incoming = false;
		for (i = 0; i < n; i++) {
			if (evs[i].data.u32 == EV_APP)
				app_wake(w->app);
			else
				incoming = true;
		}
		if (sandbox_check(w, NULL, NULL))
			break;
		if (!incoming || w_quit || (fd = accept_one(w)) == -1)
			continue;
		fr.ipcFd = fd;
		serve(w, &fr);
		if (w->violated)
			break;
	}
	FCGX_Free(&fr, 1);
	close(ep);
	return w->violated ? 1 : status;
}

int
worker_main(const struct worker_args *wa)
{
	struct wstate	 w;
	struct buf	 err = BUF_INIT;
	sigset_t	 waitmask;
	int		 status = 1;

	memset(&w, 0, sizeof(w));
	w.wa = wa;
	if (setup_signals(&waitmask) == -1) {
		log_error("worker signals: %s", strerror(errno));
		return 1;
	}
	if (wa->slot != NULL)
		wa->slot->pid = getpid();
	if (FCGX_Init() != 0) {
		log_error("FCGX_Init failed");
		return 1;
	}
	if (!wa->status_only &&
	    (w.app = app_init_child(wa->pc, &err)) == NULL) {
		log_error("application start-up failed: %s",
		    err.len > 0 ? err.data : "unknown error");
		goto out;
	}
	/* Images set it, so each response says which image answered. */
	if ((w.version = getenv("CREWLOG_VERSION")) != NULL &&
	    *w.version == '\0')
		w.version = NULL;
	/* After start-up: the database is connected, templates loaded. */
	if (sandbox_install(wa->pc->sandbox, &err) == -1) {
		log_error("sandbox = %s: %s",
		    wa->pc->sandbox == SANDBOX_LOG ? "log" : "enforce",
		    err.data);
		goto out;
	}
	w.limits.body_max = wa->pc->request_body_limit;
	w.limits.json_depth = wa->pc->json_depth_limit;
	w.ops.pc = wa->pc;
	w.ops.sb = wa->sb;
	w.ops.npools = wa->npools;
	w.ops.pcs = wa->pcs;
	w.ops.sbs = wa->sbs;
	w.ops.listen_fds = wa->listen_fds;
	w.ops.app = w.app;
	w.ops.status_only = wa->status_only;
	status = loop(&w, &waitmask);
out:
	app_free(w.app);
	buf_free(&err);
	return status;
}
