/*
 * sandbox.c: the worker's seccomp-bpf allow-list (see sandbox.h).
 *
 * The list was derived by running the integration suite with
 * sandbox = log (CREWLOG_WWW_SANDBOX=log) on the plain and the sanitizer
 * builds and adding every call the log named; strace -f -c over a worker
 * under load gives the same set.  A call missing here shows up in log mode
 * as a "sandbox: ... not on the allow-list" line naming it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ucontext.h>
#include <unistd.h>

#include <seccomp.h>

#include "log.h"
#include "sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define CREWLOG_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CREWLOG_SANITIZED 1
#endif
#endif

/*
 * What a worker does after start-up, one group per reason.  Calls that
 * only start-up makes (execve, fork, bind, listen, setuid, ...) are absent.
 */
/* One line per reason reads better than one per call: */
/* clang-format off */
static const char *const allowed[] = {
	/* the request path: epoll, accept, FastCGI reads and writes */
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl",
	"epoll_create1", "accept", "accept4", "read", "readv", "write",
	"writev", "close", "shutdown", "setsockopt", "getsockopt",
	"getsockname", "getpeername", "fcntl",
	/* libpq: queries, notifications, reconnects to another host */
	"socket", "connect", "sendto", "recvfrom", "sendmsg", "recvmsg",
	"poll", "ppoll", "select", "pselect6", "ioctl", "uname",
	/* files: templates and htdocs, log reopen on SIGUSR1, libpq's and
	 * the resolver's configuration files (/etc/hosts, ~/.pgpass) */
	"openat", "open", "stat", "fstat", "lstat", "newfstatat", "statx",
	"lseek", "pread64", "access", "faccessat", "faccessat2",
	"readlink", "getdents64", "dup", "dup2", "dup3",
	/* memory */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
	/* time, randomness (libsodium), sleeping, locks */
	"clock_gettime", "clock_getres", "gettimeofday", "time",
	"nanosleep", "clock_nanosleep", "pause", "getrandom", "futex",
	"sched_yield",
	/* signals: the stop and reopen handlers, epoll_pwait's mask */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "restart_syscall",
	"sigaltstack",
	/* identity, for log lines and libpq's user name */
	"getpid", "gettid", "getppid", "getuid", "geteuid", "getgid",
	"getegid",
	/* leaving: exit, and abort() from an assertion or xmalloc */
	"exit", "exit_group", "tgkill",
	/* AddressSanitizer and UBSan at run time and in their reports */
	"prctl", "sched_getaffinity", "getrlimit", "prlimit64",
	"getrusage", "munlock",
#ifdef CREWLOG_SANITIZED
	/*
	 * LeakSanitizer's check at exit: a tracer thread (clone) attaches to
	 * the process's threads with ptrace and waits for them.  Sanitizer
	 * builds only: a production worker never needs these.
	 */
	"clone", "ptrace", "wait4", "getdents",
#endif
};
/* clang-format on */

/*
 * The call the SIGSYS handler trapped (enforce), or -1.  Written only by
 * the handler, read and cleared by sandbox_take_violation().
 */
static volatile sig_atomic_t	 trapped = -1;

/* ---------------------------------------------------------------------
 * enforce: SIGSYS
 */

/*
 * Records the call and makes it fail with EPERM, so the code around it
 * takes its error path and the request can end with a 500.  Only stores:
 * no logging in a signal handler.
 */
static void
on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t	*uc = ucv;

	(void)sig;
	if (si->si_code != 1)	/* SYS_SECCOMP */
		return;
	if (trapped == -1)
		trapped = si->si_syscall;
#if defined(__x86_64__)
	uc->uc_mcontext.gregs[REG_RAX] = -EPERM;
#elif defined(__aarch64__)
	uc->uc_mcontext.regs[0] = (unsigned long long)-EPERM;
#else
	(void)uc;
#endif
}

static int
trap_handler(struct buf *err)
{
	struct sigaction	 sa;

#if !defined(__x86_64__) && !defined(__aarch64__)
	buf_puts(err, "sandbox = enforce: unsupported here (use log)");
	return -1;
#endif
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSYS, &sa, NULL) == -1) {
		buf_printf(err, "sigaction(SIGSYS): %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
sandbox_take_violation(void)
{
	/* One exchange: a trap between a read and a reset is not lost. */
	return __atomic_exchange_n(&trapped, -1, __ATOMIC_SEQ_CST);
}

/* ---------------------------------------------------------------------
 * log: the supervisor thread
 */

/* The pipe the main thread sends the notification fd through. */
struct supervisor {
	int	 rfd;
};

/*
 * Answers every notification: logs the call (the main thread is blocked
 * in it, so the log module's request fields are stable) and lets it run.
 */
static void *
supervise(void *arg)
{
	struct supervisor		*sv = arg;
	struct seccomp_notif		*req = NULL;
	struct seccomp_notif_resp	*resp = NULL;
	char				 name[64];
	int				 fd;
	ssize_t				 n;

	while ((n = read(sv->rfd, &fd, sizeof(fd))) == -1 && errno == EINTR)
		;
	close(sv->rfd);
	free(sv);
	if (n != (ssize_t)sizeof(fd) || fd < 0)
		return NULL;
	if (seccomp_notify_alloc(&req, &resp) != 0)
		return NULL;
	for (;;) {
		memset(req, 0, sizeof(*req));
		if (seccomp_notify_receive(fd, req) != 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			break;
		}
		sandbox_syscall_name(req->data.nr, name, sizeof(name));
		log_warn("sandbox: %s (%d) is not on the allow-list; allowed "
			 "(sandbox = log)",
		    name, req->data.nr);
		memset(resp, 0, sizeof(*resp));
		resp->id = req->id;
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		(void)seccomp_notify_respond(fd, resp);
	}
	seccomp_notify_free(req, resp);
	return NULL;
}

/* Starts the (unfiltered) supervisor; *wfd gets the pipe to send fd on. */
static int
start_supervisor(int *wfd, struct buf *err)
{
	struct supervisor	*sv;
	pthread_t		 t;
	pthread_attr_t		 at;
	sigset_t		 all, old;
	int			 p[2], rc;

	if (pipe2(p, O_CLOEXEC) == -1) {
		buf_printf(err, "pipe: %s", strerror(errno));
		return -1;
	}
	sv = malloc(sizeof(*sv));
	if (sv == NULL) {
		close(p[0]);
		close(p[1]);
		buf_puts(err, "out of memory");
		return -1;
	}
	sv->rfd = p[0];
	/* The worker's signals stay with the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &at, supervise, sv);
	pthread_attr_destroy(&at);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		buf_printf(err, "pthread_create: %s", strerror(rc));
		close(p[0]);
		close(p[1]);
		free(sv);
		return -1;
	}
	*wfd = p[1];
	return 0;
}

/* ---------------------------------------------------------------------
 * The filter
 */

static scmp_filter_ctx
build_filter(uint32_t def, struct buf *err)
{
	scmp_filter_ctx	 ctx;
	size_t		 i;
	int		 nr, rc;

	if ((ctx = seccomp_init(def)) == NULL) {
		buf_puts(err, "seccomp_init failed");
		return NULL;
	}
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		nr = seccomp_syscall_resolve_name(allowed[i]);
		if (nr == __NR_SCMP_ERROR || nr < 0)
			continue;	/* not on this architecture */
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) != 0) {
			buf_printf(err, "seccomp_rule_add(%s): %s", allowed[i],
			    strerror(-rc));
			seccomp_release(ctx);
			return NULL;
		}
	}
	return ctx;
}

int
sandbox_install(enum sandbox_mode mode, struct buf *err)
{
	scmp_filter_ctx	 ctx = NULL;
	uint32_t	 def;
	int		 wfd = -1, nfd, rc, ret = -1;

	if (mode == SANDBOX_OFF)
		return 0;
	if (mode == SANDBOX_ENFORCE && trap_handler(err) == -1)
		return -1;
	if (mode == SANDBOX_LOG && start_supervisor(&wfd, err) == -1)
		return -1;
	def = mode == SANDBOX_LOG ? SCMP_ACT_NOTIFY : SCMP_ACT_TRAP;
	if ((ctx = build_filter(def, err)) == NULL)
		goto out;
	if ((rc = seccomp_load(ctx)) != 0) {
		buf_printf(err, "seccomp_load: %s", strerror(-rc));
		goto out;
	}
	if (mode == SANDBOX_LOG) {
		/* A copy: seccomp_release() may close the original. */
		if ((nfd = seccomp_notify_fd(ctx)) < 0 ||
		    (nfd = fcntl(nfd, F_DUPFD_CLOEXEC, 3)) == -1) {
			buf_puts(err, "seccomp_notify_fd failed");
			goto out;
		}
		if (write(wfd, &nfd, sizeof(nfd)) != (ssize_t)sizeof(nfd)) {
			buf_printf(err, "starting the supervisor: %s",
			    strerror(errno));
			goto out;
		}
	}
	ret = 0;
out:
	if (wfd != -1)
		close(wfd);	/* a supervisor that got no fd returns */
	/* The filter stays loaded; release keeps the notification fd. */
	if (ctx != NULL)
		seccomp_release(ctx);
	return ret;
}

void
sandbox_syscall_name(int nr, char *out, size_t size)
{
	char	*s;

	s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	snprintf(out, size, "%s", s != NULL ? s : "?");
	free(s);
}

long
sandbox_forbidden_call(void)
{
	/* 0xffffffff only queries the persona: nothing changes. */
	return personality(0xffffffff);
}
