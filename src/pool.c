/*
 * pool.c: the master process (see pool.h).
 *
 * The master owns: the listening sockets (listen.c; shared by generations
 * when the address is unchanged), one scoreboard per pool and generation, the list
 * of children, and the self-pipe its signal handlers write to.  It never
 * blocks on a worker: everything it learns about them comes from
 * waitpid(WNOHANG), the scoreboard and their output pipes.
 *
 * A generation is one loaded configuration with its pools.  A reload
 * builds a new generation, forks its workers, and only once they accept
 * (or after process_control_timeout) asks the old generation's workers to
 * finish (SIGQUIT), so a request is never refused during a reload.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "listen.h"
#include "log.h"
#include "ops.h"
#include "pool.h"
#include "scoreboard.h"
#include "trace.h"
#include "util.h"
#include "worker.h"

#define TICK_MS			100
#define US			1000000LL
#define TERM_GRACE_US		(1 * US)	/* SIGTERM then SIGKILL */
#define CRASH_WINDOW_US		(10 * US)	/* died younger: a strike */
#define BACKOFF_FIRST_MS	100
#define BACKOFF_MAX_MS		30000
#define STATUS_RESPAWN_US	(1 * US)
#define LINE_MAX_OUT		4096

extern char	**environ;

/* ---------------------------------------------------------------------
 * Types
 */

struct generation;

struct mpool {
	struct generation	 *gen;
	const struct pool_config *pc;
	struct listener		 *ls;
	struct listener		 *status_ls;	/* pm.status_listen or NULL */
	struct scoreboard	 *sb;
	unsigned		  nchildren;	/* workers, not the status child */
	unsigned		  strikes;	/* consecutive early crashes */
	int64_t			  next_spawn_us;	/* back-off */
	int64_t			  last_crash_us;
	int64_t			  last_idle_kill_us;
	pid_t			  status_pid;
	int64_t			  status_next_spawn_us;
	struct scoreboard	 *handed;	/* counters at hand-over, or NULL */
	bool			  reached;	/* max children reached, now */
	bool			  trace_denied;	/* slow log said ptrace is not
						   permitted */
};

struct generation {
	unsigned		  id;
	struct config		 *cfg;
	struct mpool		 *pools;
	size_t			  npools;
	const struct pool_config **pcs;		/* for worker_args */
	struct scoreboard	**sbs;
	int			 *lfds;
	bool			  retiring;
	bool			  quit_sent;
	int64_t			  retire_start_us;
	int64_t			  kill_at_us;		/* 0: none */
	struct generation	 *next;
};

struct child {
	pid_t		 pid;
	struct mpool	*mp;
	int		 slot;		/* -1: status child */
	int		 out_fd;	/* catch_workers_output, or -1 */
	struct buf	 line;
	int64_t		 started_us;
	int64_t		 term_at_us;	/* SIGTERM for a timeout, 0: none */
	int64_t		 slow_logged_us;	/* request start we logged */
	bool		 stop_sent;	/* we asked it to go */
	bool		 killed;	/* SIGKILL sent */
	bool		 gone;		/* exited while traced: reap it */
	int		 gone_status;
	struct child	*next;
};

struct master {
	const struct pool_opts	*opts;
	struct generation	*gens;		/* newest first */
	struct child		*children;
	struct listener		*listeners;
	unsigned		 next_gen;
	bool			 stopping;
	bool			 immediate;
	int64_t			 stop_kill_at_us;
	char			*pid_file;	/* owned: outlives reloads */
	int64_t			*crashes;	/* emergency restart ring */
	size_t			 ncrashes;
	size_t			 crash_cap;
	bool			 reload_wanted;
};

/*
 * The self-pipe: handlers write the signal number, the loop reads it.
 * File scope because a handler cannot be given a pointer; owned here.
 */
static int	 sig_rfd = -1;
static int	 sig_wfd = -1;

/* ---------------------------------------------------------------------
 * Small helpers
 */

static int64_t
now_us(void)
{
	return sb_now_mono_us();
}

static int
set_nonblock(int fd)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static const char *
pool_name(const struct mpool *mp)
{
	return mp->pc->name;
}

/* ---------------------------------------------------------------------
 * Signals
 */

static void
on_signal(int sig)
{
	unsigned char	 b = (unsigned char)sig;
	int		 saved = errno;

	/* A full pipe already holds a wake-up; losing this byte is fine
	 * for SIGCHLD (we reap in a loop) and rare for the others. */
	(void)!write(sig_wfd, &b, 1);
	errno = saved;
}

static int
signals_init(void)
{
	struct sigaction	 sa;
	static const int sigs[] = { SIGTERM, SIGQUIT, SIGINT, SIGHUP, SIGUSR1,
		SIGUSR2, SIGCHLD };
	int			 p[2];
	size_t			 i;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	sig_rfd = p[0];
	sig_wfd = p[1];
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll() must wake */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) == -1)
			return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

static void
signals_close(void)
{
	if (sig_rfd != -1)
		close(sig_rfd);
	if (sig_wfd != -1)
		close(sig_wfd);
	sig_rfd = sig_wfd = -1;
}

/* ---------------------------------------------------------------------
 * Generations
 */

static struct mpool *
find_pool(struct generation *g, const char *name)
{
	size_t	 i;

	if (g == NULL)
		return NULL;
	for (i = 0; i < g->npools; i++)
		if (strcmp(g->pools[i].pc->name, name) == 0)
			return &g->pools[i];
	return NULL;
}

static void
gen_free(struct master *m, struct generation *g)
{
	struct mpool	*cur;
	size_t		 i;

	for (i = 0; i < g->npools; i++) {
		/* Hand what it served after the reload to its successor. */
		if (g->pools[i].handed != NULL && m->gens != g &&
		    (cur = find_pool(m->gens, g->pools[i].pc->name)) != NULL)
			sb_add_since(cur->sb, g->pools[i].sb,
			    g->pools[i].handed);
		free(g->pools[i].handed);
		listener_put(&m->listeners, g->pools[i].ls);
		listener_put(&m->listeners, g->pools[i].status_ls);
		sb_free(g->pools[i].sb);
	}
	free(g->pools);
	free(g->pcs);
	free(g->sbs);
	free(g->lfds);
	config_free(g->cfg);
	free(g);
}

/*
 * Builds a generation for cfg (taking it): listeners, scoreboards and
 * app_init_main() per pool.  Counters carry over from the pool of the same
 * name in prev.  NULL with err set; cfg is then freed.
 */
static struct generation *
gen_new(struct master *m, struct config *cfg, struct generation *prev,
    struct buf *err)
{
	struct generation	*g;
	struct mpool		*mp, *old;
	size_t			 i;

	g = xcalloc(1, sizeof(*g));
	g->id = ++m->next_gen;
	g->cfg = cfg;
	g->npools = cfg->npools;
	g->pools = xcalloc(cfg->npools, sizeof(*g->pools));
	g->pcs = xcalloc(cfg->npools, sizeof(const struct pool_config *));
	g->sbs = xcalloc(cfg->npools, sizeof(struct scoreboard *));
	g->lfds = xcalloc(cfg->npools, sizeof(*g->lfds));
	for (i = 0; i < cfg->npools; i++) {
		mp = &g->pools[i];
		mp->gen = g;
		mp->pc = &cfg->pools[i];
		g->pcs[i] = mp->pc;
		if ((mp->ls = listener_get(&m->listeners, mp->pc,
			 mp->pc->listen, err)) == NULL)
			goto fail;
		g->lfds[i] = mp->ls->fd;
		if (mp->pc->status_listen != NULL &&
		    (mp->status_ls = listener_get(&m->listeners, mp->pc,
			 mp->pc->status_listen, err)) == NULL)
			goto fail;
		if ((mp->sb = sb_new(mp->pc->name, mp->pc->max_children)) ==
		    NULL) {
			buf_printf(err, "pool %s: scoreboard: %s",
			    mp->pc->name, strerror(errno));
			goto fail;
		}
		g->sbs[i] = mp->sb;
		if ((old = find_pool(prev, mp->pc->name)) != NULL) {
			sb_inherit(mp->sb, old->sb);
			free(old->handed);
			old->handed = xmalloc(sizeof(*old->handed));
			memcpy(old->handed, old->sb, sizeof(*old->handed));
		}
		if (app_init_main(mp->pc, err) == -1) {
			if (err->len == 0)
				buf_printf(err,
				    "pool %s: application "
				    "start-up failed",
				    mp->pc->name);
			goto fail;
		}
	}
	return g;
fail:
	gen_free(m, g);
	return NULL;
}

/* ---------------------------------------------------------------------
 * Children
 */

static unsigned
jittered_max_requests(const struct pool_config *pc)
{
	if (pc->max_requests == 0)
		return 0;
	if (pc->max_requests_jitter == 0)
		return pc->max_requests;
	/* config.c keeps jitter < max_requests, so the limit stays >= 1. */
	return pc->max_requests -
	    (unsigned)(random() % ((long)pc->max_requests_jitter + 1));
}

/* In the child: user/group and rlimit_files, as FPM does per pool. */
static int
child_privileges(const struct pool_config *pc)
{
	struct rlimit	 rl;
	struct passwd	*pw = NULL;
	struct group	*gr = NULL;

	if (pc->rlimit_files > 0) {
		rl.rlim_cur = rl.rlim_max = pc->rlimit_files;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			log_error("rlimit_files %u: %s", pc->rlimit_files,
			    strerror(errno));
			return -1;
		}
	}
	if (geteuid() != 0 || pc->user == NULL)
		return 0;
	if ((pw = getpwnam(pc->user)) == NULL) {
		log_error("user: unknown user \"%s\"", pc->user);
		return -1;
	}
	if (pc->group != NULL && (gr = getgrnam(pc->group)) == NULL) {
		log_error("group: unknown group \"%s\"", pc->group);
		return -1;
	}
	if (initgroups(pw->pw_name, gr != NULL ? gr->gr_gid : pw->pw_gid) ==
		-1 ||
	    setgid(gr != NULL ? gr->gr_gid : pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1) {
		log_error("dropping privileges to %s: %s", pc->user,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* In the child: stdout/stderr to the master's pipe or /dev/null. */
static int
child_stdio(int out_w)
{
	int	 fd;

	if ((fd = open("/dev/null", O_RDWR)) == -1)
		return -1;
	if (dup2(fd, STDIN_FILENO) == -1 ||
	    dup2(out_w != -1 ? out_w : fd, STDOUT_FILENO) == -1 ||
	    dup2(out_w != -1 ? out_w : fd, STDERR_FILENO) == -1)
		return -1;
	if (fd > STDERR_FILENO)
		close(fd);
	if (out_w > STDERR_FILENO)
		close(out_w);
	return 0;
}

/* In the child: close what belongs to the master and other pools. */
static void
child_close_inherited(struct master *m, int keep)
{
	struct child	*c;

	signals_close();
	for (c = m->children; c != NULL; c = c->next)
		if (c->out_fd != -1)
			close(c->out_fd);
	listener_close_all(m->listeners, keep);
}

static void __attribute__((noreturn))
child_run(struct master *m, struct mpool *mp, int slot, int out_w)
{
	struct worker_args	 wa;
	struct generation	*g = mp->gen;
	bool			 status_only = slot == -1;
	int			 fd, rc = 1;

	fd = status_only ? mp->status_ls->fd : mp->ls->fd;
	child_close_inherited(m, fd);
	log_set_pool(pool_name(mp));
	if (child_stdio(out_w) == -1 || child_privileges(mp->pc) == -1)
		exit(1);
	memset(&wa, 0, sizeof(wa));
	wa.cfg = g->cfg;
	wa.pc = mp->pc;
	wa.sb = mp->sb;
	wa.slot = status_only ? NULL : &mp->sb->slots[slot];
	wa.listen_fd = fd;
	wa.max_requests = status_only ? 0 : jittered_max_requests(mp->pc);
	wa.status_only = status_only;
	wa.npools = g->npools;
	wa.pcs = g->pcs;
	wa.sbs = g->sbs;
	wa.listen_fds = g->lfds;
	rc = worker_main(&wa);
	exit(rc);
}

/*
 * Forks a worker for mp (status child when status is true).  Returns the
 * pid or -1; logs why.
 */
static pid_t
spawn(struct master *m, struct mpool *mp, bool status)
{
	struct child	*c;
	sigset_t	 all, old;
	int		 slot = -1, p[2] = { -1, -1 };
	pid_t		 pid;

	if (!status && (slot = sb_claim(mp->sb, mp->gen->id)) == -1)
		return -1;
	if (mp->pc->catch_workers_output && pipe2(p, O_CLOEXEC) == -1) {
		log_error("pool %s: pipe: %s", pool_name(mp), strerror(errno));
		goto fail;
	}
	/* The child must not run our handlers before it replaces them. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0) {
		if (p[0] != -1)
			close(p[0]);
		child_run(m, mp, slot, p[1]);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		log_error("pool %s: fork: %s", pool_name(mp), strerror(errno));
		goto fail;
	}
	if (p[1] != -1)
		close(p[1]);
	if (p[0] != -1)
		(void)set_nonblock(p[0]);
	c = xcalloc(1, sizeof(*c));
	c->pid = pid;
	c->mp = mp;
	c->slot = slot;
	c->out_fd = p[0];
	buf_init(&c->line);
	c->started_us = now_us();
	c->next = m->children;
	m->children = c;
	if (status)
		mp->status_pid = pid;
	else {
		mp->sb->slots[slot].pid = pid;
		mp->nchildren++;
	}
	log_debug("pool %s: forked %s %ld", pool_name(mp),
	    status ? "status child" : "worker", (long)pid);
	return pid;
fail:
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	if (slot != -1)
		sb_release(mp->sb, (unsigned)slot);
	return -1;
}

static void
child_signal(struct child *c, int sig)
{
	if (sig == SIGKILL) {
		if (c->killed)
			return;
		c->killed = true;
	}
	c->stop_sent = true;
	if (kill(c->pid, sig) == -1 && errno != ESRCH)
		log_error("kill %ld: %s", (long)c->pid, strerror(errno));
}

/* ---------------------------------------------------------------------
 * Worker output (catch_workers_output)
 */

static void
flush_output(struct child *c, bool all)
{
	char	*nl, *start = c->line.data;
	size_t	 left = c->line.len;

	while (left > 0) {
		nl = memchr(start, '\n', left);
		if (nl == NULL && !all && left < LINE_MAX_OUT)
			break;
		size_t n = nl != NULL ?
		    (size_t)(nl - start) :
		    (left < LINE_MAX_OUT ? left : LINE_MAX_OUT);
		log_child_output(pool_name(c->mp), (long)c->pid, "output",
		    start, n);
		if (nl != NULL)
			n++;
		start += n;
		left -= n;
	}
	if (left > 0 && start != c->line.data)
		memmove(c->line.data, start, left);
	c->line.len = left;
}

static void
read_output(struct child *c)
{
	char	 tmp[4096];
	ssize_t	 n;

	for (;;) {
		n = read(c->out_fd, tmp, sizeof(tmp));
		if (n > 0) {
			buf_append(&c->line, tmp, (size_t)n);
			flush_output(c, false);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		/* EOF or error: the child closed its end. */
		flush_output(c, true);
		close(c->out_fd);
		c->out_fd = -1;
		return;
	}
}

/* ---------------------------------------------------------------------
 * Reaping
 */

static bool
is_crash_signal(int sig)
{
	/*
	 * SIGSYS: a seccomp trap the worker could not turn into a 500 (it
	 * came while SIGSYS was blocked, e.g. inside a sanitizer's crash
	 * report under sandbox = enforce).
	 */
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGABRT ||
	    sig == SIGILL || sig == SIGFPE || sig == SIGSYS;
}

/* emergency_restart_threshold: crashes within the interval force a reload. */
static void
note_crash(struct master *m, const struct config *cfg)
{
	int64_t	 now = now_us();
	size_t	 i, n;

	if (cfg->emergency_restart_threshold == 0)
		return;
	if (m->crash_cap != cfg->emergency_restart_threshold) {
		free(m->crashes);
		m->crash_cap = cfg->emergency_restart_threshold;
		m->crashes = xcalloc(m->crash_cap, sizeof(*m->crashes));
		m->ncrashes = 0;
	}
	m->crashes[m->ncrashes % m->crash_cap] = now;
	m->ncrashes++;
	if (m->ncrashes < m->crash_cap)
		return;
	n = 0;
	for (i = 0; i < m->crash_cap; i++)
		if (now - m->crashes[i] <=
		    (int64_t)cfg->emergency_restart_interval * US)
			n++;
	if (n >= m->crash_cap) {
		log_error("%zu workers crashed within %us "
			  "(emergency_restart_threshold): reloading",
		    n, cfg->emergency_restart_interval);
		m->reload_wanted = true;
		m->ncrashes = 0;
	}
}

/*
 * A worker of the current generation died without being asked to.  Only
 * a crash (a crash signal, or a non-zero exit) of a young worker is a
 * strike towards the crash-loop back-off: a worker killed from outside
 * (kill -9, SIGTERM by someone else) says nothing about whether new
 * workers can start, and backing off would leave the queue unserved.
 */
static void
unexpected_exit(struct master *m, struct child *c, int st, int64_t age)
{
	struct mpool	*mp = c->mp;
	int64_t		 back;

	sb_add(&mp->sb->respawns, 1);
	/*
	 * Sanitizer builds turn SIGSEGV and SIGBUS into exit(1), and a worker
	 * never exits non-zero by choice, so that counts as a crash too.
	 */
	if (!((WIFSIGNALED(st) && is_crash_signal(WTERMSIG(st))) ||
		(WIFEXITED(st) && WEXITSTATUS(st) != 0)))
		return;
	note_crash(m, mp->gen->cfg);
	if (age >= CRASH_WINDOW_US) {
		mp->strikes = 0;
		return;
	}
	mp->strikes++;
	mp->last_crash_us = now_us();
	if (mp->strikes < 2)
		return;
	back = (int64_t)BACKOFF_FIRST_MS
	    << (mp->strikes - 2 > 16 ? 16 : mp->strikes - 2);
	if (back > BACKOFF_MAX_MS)
		back = BACKOFF_MAX_MS;
	mp->next_spawn_us = now_us() + back * 1000;
	sb_set(&mp->sb->crash_backoff_ms, (uint64_t)back);
	log_warn("pool %s: crash loop: %u workers in a row died within "
		 "%llds of start; next spawn in %lldms",
	    pool_name(mp), mp->strikes, (long long)(CRASH_WINDOW_US / US),
	    (long long)back);
}

static void
describe_exit(struct child *c, int st, const struct sb_proc *p, int64_t age,
    bool expected)
{
	char	 how[64], on[SB_METHOD_MAX + SB_URI_MAX + 16] = "";
	bool busy = p != NULL &&
	    (p->state == SB_READING || p->state == SB_RUNNING ||
		p->state == SB_FINISHING);

	if (WIFSIGNALED(st))
		snprintf(how, sizeof(how), "signal %d (%s)", WTERMSIG(st),
		    strsignal(WTERMSIG(st)));
	else
		snprintf(how, sizeof(how), "status %d", WEXITSTATUS(st));
	if (busy)
		snprintf(on, sizeof(on), " during %s %s", p->method, p->uri);
	if (expected || (WIFEXITED(st) && WEXITSTATUS(st) == 0))
		log_info("pool %s: %s %ld exited with %s after %.1fs%s",
		    pool_name(c->mp),
		    c->slot == -1 ? "status child" : "worker", (long)c->pid,
		    how, (double)age / US, on);
	else
		log_warn("pool %s: %s %ld exited with %s after %.1fs%s",
		    pool_name(c->mp),
		    c->slot == -1 ? "status child" : "worker", (long)c->pid,
		    how, (double)age / US, on);
}

static void
child_gone(struct master *m, struct child *c, int st)
{
	struct mpool	*mp = c->mp;
	struct sb_proc	 p;
	int64_t		 age = now_us() - c->started_us;
	bool		 expected;

	expected = c->stop_sent || m->stopping || mp->gen->retiring;
	if (c->out_fd != -1)
		read_output(c);
	if (c->slot >= 0) {
		sb_read_slot(&mp->sb->slots[c->slot], &p);
		describe_exit(c, st, &p, age, expected);
		sb_release(mp->sb, (unsigned)c->slot);
		mp->nchildren--;
	} else {
		describe_exit(c, st, NULL, age, expected);
		mp->status_pid = 0;
		mp->status_next_spawn_us = now_us() + STATUS_RESPAWN_US;
	}
	if (!expected && c->slot >= 0 &&
	    !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		unexpected_exit(m, c, st, age);
	if (c->out_fd != -1)
		close(c->out_fd);
	buf_free(&c->line);
}

static void
reap(struct master *m)
{
	struct child	**pp, *c;
	pid_t		  pid;
	int		  st;

	/* Children whose exit the slow log's trace waited for. */
	for (pp = &m->children; (c = *pp) != NULL;) {
		if (!c->gone) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		child_gone(m, c, c->gone_status);
		free(c);
	}
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (pp = &m->children; (c = *pp) != NULL; pp = &c->next)
			if (c->pid == pid)
				break;
		if (c == NULL)
			continue;
		*pp = c->next;
		child_gone(m, c, st);
		free(c);
	}
	if (pid == -1 && errno != ECHILD)
		log_error("waitpid: %s", strerror(errno));
}

/* ---------------------------------------------------------------------
 * Process management
 */

static bool
listen_readable(int fd)
{
	struct pollfd	 p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void
spawn_n(struct master *m, struct mpool *mp, unsigned n)
{
	while (n-- > 0 && mp->nchildren < mp->pc->max_children)
		if (spawn(m, mp, false) == -1)
			break;
}

/* The worker that has been idle longest, or NULL. */
static struct child *
oldest_idle(struct master *m, struct mpool *mp, int64_t *idle_us)
{
	struct child	*c, *best = NULL;
	struct sb_proc	 p;
	int64_t		 now = now_us(), most = -1;

	for (c = m->children; c != NULL; c = c->next) {
		if (c->mp != mp || c->slot < 0 || c->stop_sent)
			continue;
		sb_read_slot(&mp->sb->slots[c->slot], &p);
		if (p.state != SB_IDLE)
			continue;
		if (now - p.idle_since_mono_us > most) {
			most = now - p.idle_since_mono_us;
			best = c;
		}
	}
	if (idle_us != NULL)
		*idle_us = most;
	return best;
}

/* Idle workers not yet asked to stop, and all live workers. */
static void
pool_counts(struct master *m, struct mpool *mp, unsigned *idle,
    unsigned *total)
{
	struct child	*c;
	int		 st;

	*idle = *total = 0;
	for (c = m->children; c != NULL; c = c->next) {
		if (c->mp != mp || c->slot < 0 || c->stop_sent)
			continue;
		(*total)++;
		st = __atomic_load_n(&mp->sb->slots[c->slot].state,
		    __ATOMIC_ACQUIRE);
		if (st == SB_IDLE || st == SB_STARTING)
			(*idle)++;
	}
}

static void
manage_pool(struct master *m, struct mpool *mp)
{
	const struct pool_config	*pc = mp->pc;
	struct child			*c;
	unsigned			 idle, total, want = 0;
	int64_t				 now = now_us(), idle_us;
	bool				 demand;

	if (mp->strikes > 0 && now - mp->last_crash_us > CRASH_WINDOW_US) {
		mp->strikes = 0;
		sb_set(&mp->sb->crash_backoff_ms, 0);
	}
	if (now < mp->next_spawn_us)
		return;		/* backing off a crash loop */
	pool_counts(m, mp, &idle, &total);
	demand = idle == 0 && listen_readable(mp->ls->fd);
	switch (pc->pm) {
	case PM_STATIC:
		want = pc->max_children > total ? pc->max_children - total : 0;
		break;
	case PM_DYNAMIC:
		if (idle < pc->min_spare_servers)
			want = pc->min_spare_servers - idle;
		if (idle > pc->max_spare_servers &&
		    now - mp->last_idle_kill_us >= US &&
		    (c = oldest_idle(m, mp, NULL)) != NULL) {
			/* One per second, as FPM, so a dip does not empty
			 * the pool. */
			mp->last_idle_kill_us = now;
			child_signal(c, SIGQUIT);
		}
		break;
	case PM_ONDEMAND:
		if (demand)
			want = 1;
		if ((c = oldest_idle(m, mp, &idle_us)) != NULL &&
		    idle_us >= (int64_t)pc->process_idle_timeout * US)
			child_signal(c, SIGQUIT);
		break;
	default:
		break;
	}
	if (want > 0 && total + want > pc->max_children)
		want = pc->max_children > total ? pc->max_children - total : 0;
	if (demand && total >= pc->max_children) {
		if (!mp->reached) {
			sb_add(&mp->sb->max_children_reached, 1);
			log_warn(
			    "pool %s: server reached pm.max_children (%u), "
			    "consider raising it",
			    pool_name(mp), pc->max_children);
		}
		mp->reached = true;
	} else if (total < pc->max_children)
		mp->reached = false;
	spawn_n(m, mp, want);
	if (mp->status_ls != NULL && mp->status_pid == 0 &&
	    now >= mp->status_next_spawn_us)
		(void)spawn(m, mp, true);
}

/*
 * The worker's C backtrace for the slow log (request_slowlog_trace_depth):
 * a JSON array in frames, or nothing.  Where ptrace is not permitted the
 * slow log says so once per pool, in note.
 */
static void
slow_trace(struct mpool *mp, struct child *c, struct buf *frames,
    struct buf *note)
{
	struct buf	 why = BUF_INIT;

	if (mp->pc->slowlog_trace_depth == 0)
		return;
	switch (trace_take(c->pid, mp->pc->slowlog_trace_depth, frames, &why,
	    &c->gone_status)) {
	case TRACE_OK:
		break;
	case TRACE_DENIED:
		if (!mp->trace_denied)
			buf_printf(note,
			    "no backtraces: %s (ptrace is not "
			    "permitted here, e.g. a container without "
			    "SYS_PTRACE); slow requests are logged without "
			    "them",
			    why.data);
		mp->trace_denied = true;
		break;
	case TRACE_EXITED:
		c->gone = true;
		break;
	default:
		buf_printf(note, "no backtrace: %s", why.data);
		break;
	}
	buf_free(&why);
}

/* One slow request: its backtrace, then the slow log's entry. */
static void
slowlog_line(struct mpool *mp, struct child *c, const struct sb_proc *p,
    double elapsed)
{
	struct buf		 frames = BUF_INIT, note = BUF_INIT;
	struct log_slow_req	 r;

	slow_trace(mp, c, &frames, &note);
	memset(&r, 0, sizeof(r));
	r.pool = pool_name(mp);
	r.pid = (long)c->pid;
	r.request_id = p->request_id;
	r.method = p->method;
	r.uri = p->uri;
	r.elapsed_s = elapsed;
	r.trace = frames.len > 0 ? frames.data : NULL;
	r.note = note.len > 0 ? note.data : NULL;
	(void)log_slow(mp->pc->slowlog, &r);
	buf_free(&frames);
	buf_free(&note);
}

/* request_slowlog_timeout and request_terminate_timeout, every tick. */
static void
check_requests(struct master *m)
{
	struct child	*c;
	struct sb_proc	 p;
	int64_t		 now = now_us(), el;
	const struct pool_config *pc;

	for (c = m->children; c != NULL; c = c->next) {
		if (c->gone)
			continue;	/* its pid may be reused: reap only */
		if (c->term_at_us != 0 && now - c->term_at_us >= TERM_GRACE_US)
			child_signal(c, SIGKILL);
		if (c->slot < 0)
			continue;
		pc = c->mp->pc;
		sb_read_slot(&c->mp->sb->slots[c->slot], &p);
		if (p.state != SB_READING && p.state != SB_RUNNING &&
		    p.state != SB_FINISHING)
			continue;
		el = now - p.req_start_mono_us;
		if (pc->request_slowlog_timeout > 0 &&
		    el >= (int64_t)pc->request_slowlog_timeout * US &&
		    c->slow_logged_us != p.req_start_mono_us) {
			c->slow_logged_us = p.req_start_mono_us;
			sb_add(&c->mp->sb->slow_requests, 1);
			slowlog_line(c->mp, c, &p, (double)el / US);
			if (c->gone)
				continue;
		}
		if (pc->request_terminate_timeout > 0 && c->term_at_us == 0 &&
		    el >= (int64_t)pc->request_terminate_timeout * US) {
			log_warn(
			    "pool %s: worker %ld %s %s ran %.3fs, past "
			    "request_terminate_timeout (%us): terminating",
			    pool_name(c->mp), (long)c->pid, p.method, p.uri,
			    (double)el / US, pc->request_terminate_timeout);
			c->term_at_us = now;
			child_signal(c, SIGTERM);
			/* Its replacement is not a crash-loop strike. */
			sb_add(&c->mp->sb->respawns, 1);
		}
	}
}

static bool
gen_has_children(struct master *m, const struct generation *g)
{
	struct child	*c;

	for (c = m->children; c != NULL; c = c->next)
		if (c->mp->gen == g)
			return true;
	return false;
}

/* Has every pool of g a worker in its accept loop (or need none)? */
static bool
gen_ready(struct generation *g)
{
	struct scoreboard	*sb;
	size_t			 i;
	unsigned		 k;
	int			 st;
	bool			 ok;

	for (i = 0; i < g->npools; i++) {
		if (g->pools[i].pc->pm == PM_ONDEMAND)
			continue;
		sb = g->pools[i].sb;
		ok = false;
		for (k = 0; k < sb->nslots && !ok; k++) {
			st = __atomic_load_n(&sb->slots[k].state,
			    __ATOMIC_ACQUIRE);
			ok = st != SB_FREE && st != SB_STARTING;
		}
		if (!ok)
			return false;
	}
	return true;
}

static void
gen_signal(struct master *m, const struct generation *g, int sig)
{
	struct child	*c;

	for (c = m->children; c != NULL; c = c->next)
		if (g == NULL || c->mp->gen == g)
			child_signal(c, sig);
}

static void
retire_generations(struct master *m)
{
	struct generation	**pp, *g;
	int64_t			  now = now_us(), pct;

	for (pp = &m->gens; (g = *pp) != NULL;) {
		if (!g->retiring) {
			pp = &g->next;
			continue;
		}
		pct = (int64_t)g->cfg->process_control_timeout * US;
		if (!g->quit_sent &&
		    (gen_ready(m->gens) || now - g->retire_start_us >= pct)) {
			log_info("generation %u: asking its workers to finish",
			    g->id);
			gen_signal(m, g, SIGQUIT);
			g->quit_sent = true;
			g->kill_at_us = pct > 0 ? now + pct : 0;
		}
		if (g->quit_sent && g->kill_at_us != 0 &&
		    now >= g->kill_at_us) {
			log_warn("generation %u: process_control_timeout "
				 "passed, killing what is left",
			    g->id);
			gen_signal(m, g, SIGKILL);
			g->kill_at_us = 0;
		}
		if (g->quit_sent && !gen_has_children(m, g)) {
			*pp = g->next;
			log_info("generation %u retired", g->id);
			gen_free(m, g);
			continue;
		}
		pp = &g->next;
	}
}

/* ---------------------------------------------------------------------
 * Reload and stop
 */

static int
apply_logging(const struct config *cfg)
{
	enum log_level	 lvl;

	if (log_level_parse(cfg->log_level, &lvl) == -1) {
		log_error("log_level: unknown level \"%s\"", cfg->log_level);
		return -1;
	}
	log_set_level(lvl);
	if (log_open(cfg->error_log) == -1) {
		log_error("error_log %s: %s", cfg->error_log, strerror(errno));
		return -1;
	}
	return 0;
}

/* Config errors come one per line; a log line must stay one line. */
static const char *
one_line(struct buf *err)
{
	size_t	 i;

	if (err->data == NULL)
		return "";
	while (err->len > 0 && err->data[err->len - 1] == '\n')
		err->data[--err->len] = '\0';
	for (i = 0; i < err->len; i++)
		if (err->data[i] == '\n')
			err->data[i] = ';';
	return err->data;
}

static void
reload(struct master *m, const char *why)
{
	struct buf		 err = BUF_INIT;
	struct config		*cfg;
	struct generation	*g, *o;
	size_t			 i;

	log_info("reloading %s (%s)", m->opts->config_path, why);
	if ((cfg = config_load(m->opts->config_path, environ, &err)) == NULL) {
		log_error("reload failed, still serving the running "
			  "configuration: %s",
		    one_line(&err));
		goto out;
	}
	if ((g = gen_new(m, cfg, m->gens, &err)) == NULL) {
		log_error("reload failed, still serving the running "
			  "configuration: %s",
		    one_line(&err));
		goto out;
	}
	for (o = m->gens; o != NULL; o = o->next)
		if (!o->retiring) {
			o->retiring = true;
			o->retire_start_us = now_us();
		}
	g->next = m->gens;
	m->gens = g;
	(void)apply_logging(g->cfg);
	for (i = 0; i < g->npools; i++) {
		struct mpool *mp = &g->pools[i];

		spawn_n(m, mp,
		    mp->pc->pm == PM_STATIC      ? mp->pc->max_children :
			mp->pc->pm == PM_DYNAMIC ? mp->pc->start_servers :
						   0);
	}
	log_info("generation %u started", g->id);
out:
	buf_free(&err);
}

static void
begin_stop(struct master *m, bool immediate)
{
	int64_t		 pct;

	if (m->stopping && (!immediate || m->immediate))
		return;
	pct = (int64_t)m->gens->cfg->process_control_timeout * US;
	m->stopping = true;
	if (immediate) {
		m->immediate = true;
		log_info("stopping now (SIGINT)");
		gen_signal(m, NULL, SIGKILL);
		return;
	}
	log_info("stopping gracefully: workers finish their requests "
		 "(up to %llds)",
	    (long long)(pct / US));
	gen_signal(m, NULL, SIGQUIT);
	m->stop_kill_at_us = pct > 0 ? now_us() + pct : 0;
}

static void
handle_signals(struct master *m)
{
	unsigned char	 b[64];
	ssize_t		 n, i;

	while ((n = read(sig_rfd, b, sizeof(b))) > 0) {
		for (i = 0; i < n; i++) {
			switch (b[i]) {
			case SIGCHLD:
				reap(m);
				break;
			case SIGTERM:
			case SIGQUIT:
				begin_stop(m, false);
				break;
			case SIGINT:
				begin_stop(m, true);
				break;
			case SIGHUP:
			case SIGUSR2:
				if (!m->stopping)
					reload(m,
					    b[i] == SIGHUP ? "SIGHUP" :
							     "SIGUSR2");
				break;
			case SIGUSR1:
				if (log_reopen() == -1)
					log_error("reopening the log: %s",
					    strerror(errno));
				else
					log_info("log reopened (SIGUSR1)");
				/* Workers write to the file themselves. */
				for (struct child *c = m->children; c != NULL;
				     c = c->next)
					(void)kill(c->pid, SIGUSR1);
				break;
			default:
				break;
			}
		}
	}
}

/* ---------------------------------------------------------------------
 * Main loop
 */

static int
write_pid_file(const char *path)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	if (fprintf(f, "%ld\n", (long)getpid()) < 0) {
		(void)fclose(f);
		return -1;
	}
	return fclose(f);
}

/* An ondemand pool with no idle worker: wake up when a client waits. */
static bool
wants_listen_poll(struct master *m, struct mpool *mp)
{
	unsigned	 idle, total;

	if (mp->pc->pm != PM_ONDEMAND || now_us() < mp->next_spawn_us)
		return false;
	pool_counts(m, mp, &idle, &total);
	return idle == 0 && total < mp->pc->max_children;
}

static void
poll_once(struct master *m)
{
	struct pollfd	*pfd;
	struct child	**cmap, *c;
	struct mpool	**pmap;
	size_t		 n = 1, i;
	struct generation *g = m->gens;

	for (c = m->children; c != NULL; c = c->next)
		if (c->out_fd != -1)
			n++;
	n += g->npools;
	pfd = xcalloc(n, sizeof(*pfd));
	cmap = xcalloc(n, sizeof(struct child *));
	pmap = xcalloc(n, sizeof(struct mpool *));
	pfd[0].fd = sig_rfd;
	pfd[0].events = POLLIN;
	n = 1;
	for (c = m->children; c != NULL; c = c->next)
		if (c->out_fd != -1) {
			pfd[n].fd = c->out_fd;
			pfd[n].events = POLLIN;
			cmap[n++] = c;
		}
	for (i = 0; i < g->npools && !m->stopping; i++)
		if (wants_listen_poll(m, &g->pools[i])) {
			pfd[n].fd = g->pools[i].ls->fd;
			pfd[n].events = POLLIN;
			pmap[n++] = &g->pools[i];
		}
	if (poll(pfd, n, TICK_MS) > 0) {
		for (i = 1; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (cmap[i] != NULL)
				read_output(cmap[i]);
			else if (pmap[i] != NULL)
				manage_pool(m, pmap[i]);
		}
		if (pfd[0].revents != 0)
			handle_signals(m);
	}
	free(pfd);
	free(cmap);
	free(pmap);
}

static void
tick(struct master *m)
{
	size_t	 i;

	reap(m);
	if (m->reload_wanted && !m->stopping) {
		m->reload_wanted = false;
		reload(m, "emergency restart");
	}
	check_requests(m);
	if (!m->stopping)
		for (i = 0; i < m->gens->npools; i++)
			manage_pool(m, &m->gens->pools[i]);
	retire_generations(m);
	if (m->stopping && m->stop_kill_at_us != 0 &&
	    now_us() >= m->stop_kill_at_us) {
		log_warn("process_control_timeout passed, killing the "
			 "workers left");
		gen_signal(m, NULL, SIGKILL);
		m->stop_kill_at_us = 0;
	}
}

static void
shutdown_all(struct master *m)
{
	struct generation	*g;
	struct child		*c;

	while ((c = m->children) != NULL) {
		m->children = c->next;
		if (c->out_fd != -1)
			close(c->out_fd);
		buf_free(&c->line);
		free(c);
	}
	while ((g = m->gens) != NULL) {
		m->gens = g->next;
		gen_free(m, g);
	}
	free(m->crashes);
	if (m->pid_file != NULL)
		(void)unlink(m->pid_file);
	free(m->pid_file);
	m->pid_file = NULL;
	signals_close();
}

/*
 * Detaches: the parent exits 0, the child leads a new session with
 * stdin, stdout and stderr on /dev/null, so whoever started us (a shell
 * reading our output, an init script) is not kept waiting on them.  Log
 * lines keep going where error_log says: log.c writes to its own fd.
 */
static int
daemonize(void)
{
	pid_t	 pid;
	int	 fd;

	if ((pid = fork()) == -1)
		return -1;
	if (pid != 0)
		_exit(0);
	if (setsid() == -1)
		return -1;
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		return -1;
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1) {
		close(fd);
		return -1;
	}
	if (fd > STDERR_FILENO)
		close(fd);
	log_forget_stderr();
	return 0;
}

int
pool_run(struct config *cfg, const struct pool_opts *opts)
{
	struct master	 m;
	struct buf	 err = BUF_INIT;
	size_t		 i;
	int		 status = 1;

	memset(&m, 0, sizeof(m));
	m.opts = opts;
	srandom((unsigned)(getpid() ^ now_us()));
	if (apply_logging(cfg) == -1) {
		config_free(cfg);
		return 1;
	}
	if (cfg->daemonize && !opts->foreground && daemonize() == -1) {
		log_error("daemonize: %s", strerror(errno));
		config_free(cfg);
		return 1;
	}
	if (signals_init() == -1) {
		log_error("signals: %s", strerror(errno));
		config_free(cfg);
		return 1;
	}
	if ((m.gens = gen_new(&m, cfg, NULL, &err)) == NULL) {
		log_error("not started: %s",
		    err.len > 0 ? one_line(&err) : "start-up failed");
		goto out;
	}
	/* Our own copy: a reload frees the configuration it came from. */
	if (opts->pid_file != NULL || m.gens->cfg->pid_file != NULL)
		m.pid_file = xstrdup(opts->pid_file != NULL ?
			opts->pid_file :
			m.gens->cfg->pid_file);
	if (m.pid_file != NULL && write_pid_file(m.pid_file) == -1) {
		log_error("pid file %s: %s", m.pid_file, strerror(errno));
		free(m.pid_file);
		m.pid_file = NULL;
		goto out;
	}
	log_info("%s started, %zu pool(s)", PACKAGE_STRING, m.gens->npools);
	for (i = 0; i < m.gens->npools; i++) {
		struct mpool *mp = &m.gens->pools[i];

		spawn_n(&m, mp,
		    mp->pc->pm == PM_STATIC      ? mp->pc->max_children :
			mp->pc->pm == PM_DYNAMIC ? mp->pc->start_servers :
						   0);
	}
	while (!m.stopping || m.children != NULL) {
		poll_once(&m);
		tick(&m);
	}
	log_info("exiting");
	status = 0;
out:
	buf_free(&err);
	shutdown_all(&m);
	return status;
}
