/*
 * log.c: JSON lines on stderr or a log file.
 *
 * Each line is built in memory and written with a single write(2), so lines
 * from the master and from every worker (which share the descriptor after
 * fork) never interleave inside a line on an O_APPEND file or a pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "util.h"

/*
 * The module's per-process context.  fd is a private duplicate of stderr
 * (or the log file), so a worker may point its fd 2 at the master's output
 * pipe without redirecting its log lines.  The rest is a cache for the
 * access-log hot path: the pool and request fields are escaped once when
 * set, the time is reformatted once a second, the pid is looked up once
 * per process and the line buffer keeps its memory between lines.
 */
static struct {
	int		 fd;
	char		*path;		/* NULL: stderr */
	enum log_level	 min;
	int		 has_request;
	pid_t		 pid;		/* 0: unknown (after fork) */
	time_t		 sec;		/* the second stamp holds */
	char		 stamp[32];	/* "2025-03-01T09:12:44" */
	struct buf	 pool;		/* ,"pool":"www"[,"service":..] */
	struct buf	 req;		/* ,"request_id":..,"path":".." */
	struct buf	 line;		/* the line being built */
	/*
	 * When the log file cannot be written (disk full, read-only file
	 * system), the failure is reported on the stderr the master started
	 * with (a dup in fallback, shared by the workers) at most once per
	 * LOG_FAIL_INTERVAL per process, with the count of lines lost.
	 */
	int		 fallback;	/* -1: logging to stderr already */
	int64_t		 fail_said_ms;	/* last report, monotonic; 0: none */
	unsigned long long lost;	/* lines lost since the last report */
	bool		 failing;	/* the last write failed */
} L = { -1, NULL, LOGL_INFO, 0, 0, (time_t)-1, "", BUF_INIT, BUF_INIT,
	BUF_INIT, -1, 0, 0, false };

/* Seconds between two reports of a log that cannot be written. */
#define LOG_FAIL_INTERVAL	10

/* Lines longer than this give their buffer back once written. */
#define LINE_KEEP	8192

/* Bounds kept from the fixed fields this cache replaced. */
#define POOL_MAX	63
#define RID_MAX		64
#define METHOD_MAX	15
#define RPATH_MAX	511

static const char *const level_names[LOGL__MAX] = { "debug", "info", "warn",
	"error" };

static void
copy_bounded(char *dst, size_t size, const char *src)
{
	size_t	 n;

	if (src == NULL)
		src = "";
	n = strlen(src);
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* fork(2) child: the cached pid is the parent's. */
static void
forget_pid(void)
{
	L.pid = 0;
}

/*
 * Appends ,"name":"val" with val escaped and cut to at most max bytes.
 * Names are this file's literals, plain ASCII: only values are escaped.
 */
static void
put_bounded(struct buf *b, const char *name, const char *val, size_t max)
{
	if (val == NULL)
		val = "";
	buf_append(b, ",\"", 2);
	buf_puts(b, name);
	buf_append(b, "\":", 2);
	log_json_string(b, val, strnlen(val, max));
}

void
log_init(const char *pool, enum log_level min)
{
	static int	 atfork;

	if (!atfork && pthread_atfork(NULL, NULL, forget_pid) == 0)
		atfork = 1;
	log_set_pool(pool);
	L.min = min < LOGL__MAX ? min : LOGL_INFO;
}

void
log_set_level(enum log_level min)
{
	L.min = min < LOGL__MAX ? min : LOGL_INFO;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	int	 i;

	if (s == NULL) {
		*out = LOGL_INFO;
		return 0;
	}
	for (i = 0; i < LOGL__MAX; i++)
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	if (strcasecmp(s, "warning") == 0) {
		*out = LOGL_WARN;
		return 0;
	}
	return -1;
}

static int
open_target(const char *path)
{
	int	 fd;

	if (path == NULL)
		return fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1)
		return -1;
	if (fd < 3) {
		/* Keep 0-2 free for the worker's stdio redirections. */
		int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);

		close(fd);
		fd = nfd;
	}
	return fd;
}

int
log_open(const char *path)
{
	int	 fd;

	if (path != NULL && (path[0] == '\0' || strcmp(path, "-") == 0))
		path = NULL;
	if ((fd = open_target(path)) == -1)
		return -1;
	if (L.fd != -1)
		close(L.fd);
	L.fd = fd;
	/* Where to say the file cannot be written: stderr as started. */
	if (path != NULL && L.fallback == -1)
		L.fallback = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	free(L.path);
	L.path = path == NULL ? NULL : xstrdup(path);
	return 0;
}

/*
 * SIGUSR1: opens the file again (after rotation) and swaps it in place
 * with dup2, so the descriptor number every process inherited stays valid.
 */
int
log_reopen(void)
{
	int	 fd;

	if (L.path == NULL || L.fd == -1)
		return 0;
	if ((fd = open_target(L.path)) == -1)
		return -1;
	if (dup2(fd, L.fd) == -1) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

void
log_forget_stderr(void)
{
	if (L.fallback != -1)
		close(L.fallback);
	L.fallback = -1;
}

int
log_fd(void)
{
	return L.fd == -1 ? STDERR_FILENO : L.fd;
}

void
log_close(void)
{
	if (L.fd != -1)
		close(L.fd);
	L.fd = -1;
	free(L.path);
	L.path = NULL;
	buf_free(&L.line);	/* the pool name outlives the file */
}

void
log_set_pool(const char *pool)
{
	buf_reset(&L.pool);
	if (pool != NULL && *pool != '\0')
		put_bounded(&L.pool, "pool", pool, POOL_MAX);
}

/* Adds ,"service":"board" after the pool (until the next log_set_pool). */
void
log_set_service(const char *service)
{
	if (service != NULL && *service != '\0')
		put_bounded(&L.pool, "service", service, POOL_MAX);
}

void
log_set_request(const char *id, const char *method, const char *path)
{
	buf_reset(&L.req);
	put_bounded(&L.req, "request_id", id, RID_MAX);
	put_bounded(&L.req, "method", method, METHOD_MAX);
	put_bounded(&L.req, "path", path, RPATH_MAX);
	L.has_request = 1;
}

void
log_clear_request(void)
{
	buf_reset(&L.req);
	L.has_request = 0;
}

/*
 * Appends s as a JSON string (with quotes).  Control characters, quotes,
 * backslashes and bytes that are not valid UTF-8 are escaped, so nothing a
 * client sends can end a line or break the object.
 */
void
log_json_string(struct buf *b, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, n;

	buf_putc(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = p[i];
		size_t run = i;

		/* Plain printable ASCII, the common case, is copied in runs. */
		while (run < len && p[run] >= 0x20 && p[run] < 0x7f &&
		    p[run] != '"' && p[run] != '\\')
			run++;
		if (run > i) {
			buf_append(b, s + i, run - i);
			i = run - 1;
			continue;
		}
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
		} else if (c == '\n')
			buf_puts(b, "\\n");
		else if (c == '\r')
			buf_puts(b, "\\r");
		else if (c == '\t')
			buf_puts(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			buf_printf(b, "\\u%04x", c);
		else if (c < 0x80)
			buf_putc(b, (char)c);
		else {
			/* Copy a well-formed UTF-8 sequence, else escape. */
			n = c >= 0xf0 && c < 0xf5 ? 4 :
			    c >= 0xe0             ? 3 :
			    c >= 0xc2 && c < 0xe0 ? 2 :
						    0;
			if (n != 0 && c >= 0xf5)
				n = 0;
			if (n != 0 && i + n <= len) {
				size_t k;

				for (k = 1; k < n; k++)
					if ((p[i + k] & 0xc0) != 0x80)
						break;
				if (k == n &&
				    ((c == 0xe0 && p[i + 1] < 0xa0) ||
					(c == 0xed && p[i + 1] >= 0xa0) ||
					(c == 0xf0 && p[i + 1] < 0x90) ||
					(c == 0xf4 && p[i + 1] >= 0x90)))
					k = 0;	/* overlong or surrogate */
				if (k == n) {
					buf_append(b, p + i, n);
					i += n - 1;
					continue;
				}
			}
			buf_printf(b, "\\u%04x", c);
		}
	}
	buf_putc(b, '"');
}

static void
put_field(struct buf *b, const char *name, const char *val)
{
	put_bounded(b, name, val, strlen(val == NULL ? "" : val));
}

/* Appends v in decimal, without printf. */
static void
put_uint(struct buf *b, unsigned long long v)
{
	char	 d[24];
	size_t	 i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && i > 0);
	buf_append(b, d + i, sizeof(d) - i);
}

/*
 * Appends "2025-03-01T09:12:44.123Z" for ts; gmtime and strftime run only
 * when the second changes.  UTC: the worker may lack zoneinfo.
 */
static void
put_time(struct buf *b, const struct timespec *ts)
{
	struct tm	 tm;
	long		 ms = ts->tv_nsec / 1000000;

	if (ts->tv_sec != L.sec) {
		if (gmtime_r(&ts->tv_sec, &tm) == NULL ||
		    strftime(L.stamp, sizeof(L.stamp), "%Y-%m-%dT%H:%M:%S",
			&tm) == 0) {
			buf_puts(b, "1970-01-01T00:00:00.000Z");
			return;
		}
		L.sec = ts->tv_sec;
	}
	buf_puts(b, L.stamp);
	buf_putc(b, '.');
	buf_putc(b, (char)('0' + ms / 100 % 10));
	buf_putc(b, (char)('0' + ms / 10 % 10));
	buf_putc(b, (char)('0' + ms % 10));
	buf_putc(b, 'Z');
}

/* "2025-03-01T09:12:44.123Z": UTC, the worker may lack zoneinfo. */
void
log_time_rfc3339(char *out, size_t size)
{
	struct timespec	 ts;
	struct buf	 b = BUF_INIT;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1) {
		copy_bounded(out, size, "1970-01-01T00:00:00.000Z");
		return;
	}
	put_time(&b, &ts);
	copy_bounded(out, size, b.data);
	buf_free(&b);
}

/* Starts L.line: time, level, pool, pid and the request's fields. */
static struct buf *
begin_line(enum log_level lvl)
{
	struct buf	*b = &L.line;
	struct timespec	 ts;

	buf_reset(b);
	buf_puts(b, "{\"time\":\"");
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		buf_puts(b, "1970-01-01T00:00:00.000Z");
	else
		put_time(b, &ts);
	buf_puts(b, "\",\"level\":\"");
	buf_puts(b, level_names[lvl]);
	buf_putc(b, '"');
	if (L.pool.len > 0)
		buf_append(b, L.pool.data, L.pool.len);
	if (L.pid == 0)
		L.pid = getpid();
	buf_puts(b, ",\"pid\":");
	put_uint(b, (unsigned long long)L.pid);
	if (L.has_request && L.req.len > 0)
		buf_append(b, L.req.data, L.req.len);
	return b;
}

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 1;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1;
}

/*
 * A line could not be written (err): counts it and, at most once per
 * LOG_FAIL_INTERVAL, says so on the fallback descriptor.  Uses its own
 * buffer: L.line is the line that failed.
 */
static void
write_failed(int err)
{
	struct buf	 b = BUF_INIT, m = BUF_INIT;
	struct timespec	 ts;
	int64_t		 now = mono_ms();
	int		 fd = L.fallback;

	L.lost++;
	L.failing = true;
	if (L.fail_said_ms != 0 &&
	    now - L.fail_said_ms < LOG_FAIL_INTERVAL * 1000)
		return;
	L.fail_said_ms = now;
	if (fd == -1)
		return;		/* stderr is the log: nowhere to say it */
	buf_puts(&b, "{\"time\":\"");
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		buf_puts(&b, "1970-01-01T00:00:00.000Z");
	else
		put_time(&b, &ts);
	buf_puts(&b, "\",\"level\":\"error\"");
	if (L.pool.len > 0)
		buf_append(&b, L.pool.data, L.pool.len);
	if (L.pid == 0)
		L.pid = getpid();
	buf_puts(&b, ",\"pid\":");
	put_uint(&b, (unsigned long long)L.pid);
	buf_puts(&b, ",\"msg\":");
	buf_printf(&m,
	    "error_log %s: write failed: %s; %llu line(s) "
	    "lost; serving on, said at most once every %ds per process",
	    L.path != NULL ? L.path : "-", strerror(err), L.lost,
	    LOG_FAIL_INTERVAL);
	log_json_string(&b, m.data, m.len);
	buf_puts(&b, "}\n");
	L.lost = 0;
	if (write(fd, b.data, b.len) == -1) {
		/* Best effort: there is nowhere further to say it. */
	}
	buf_free(&b);
	buf_free(&m);
}

/* Ends the line and writes it with one write(2). */
static void
end_line(struct buf *b)
{
	const char	*p;
	size_t		 left;
	ssize_t		 n;

	buf_puts(b, "}\n");
	p = b->data;
	left = b->len;
	while (left > 0) {
		n = write(log_fd(), p, left);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		left -= (size_t)n;
	}
	if (left > 0)
		write_failed(n == -1 ? errno : ENOSPC);
	if (b->cap > LINE_KEEP)
		buf_free(b);
	else
		buf_reset(b);
	if (left == 0 && L.failing) {
		L.failing = false;
		log_msg(LOGL_WARN,
		    "error_log: writing again after a failure; "
		    "%llu more line(s) lost since the last report",
		    L.lost);
		L.lost = 0;	/* the interval still holds: no flapping */
	}
}

void
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	struct buf	*b;
	struct buf	 m = BUF_INIT;

	if (lvl >= LOGL__MAX)
		lvl = LOGL_ERROR;
	if (lvl < L.min)
		return;
	buf_vprintf(&m, fmt, ap);
	b = begin_line(lvl);
	buf_puts(b, ",\"msg\":");
	log_json_string(b, m.data == NULL ? "" : m.data, m.len);
	buf_free(&m);
	end_line(b);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

/*
 * One access line per request, built without printf: it runs on every
 * request.  duration_ms keeps microsecond precision ("1.500").
 */
void
log_access(int status, double duration_ms)
{
	struct buf		*b;
	unsigned long long	 us;

	if (LOGL_INFO < L.min)
		return;
	us = duration_ms > 0 ?
	    (unsigned long long)(duration_ms * 1000.0 + 0.5) :
	    0;
	b = begin_line(LOGL_INFO);
	buf_puts(b, ",\"status\":");
	if (status < 0) {
		buf_putc(b, '-');
		status = -status;
	}
	put_uint(b, (unsigned long long)status);
	buf_puts(b, ",\"duration_ms\":");
	put_uint(b, us / 1000);
	buf_putc(b, '.');
	buf_putc(b, (char)('0' + us / 100 % 10));
	buf_putc(b, (char)('0' + us / 10 % 10));
	buf_putc(b, (char)('0' + us % 10));
	buf_puts(b, ",\"msg\":\"access\"");
	end_line(b);
}

/*
 * A line a worker wrote on stdout or stderr, forwarded by the master
 * (catch_workers_output).  The text is escaped like any request bytes.
 */
void
log_child_output(const char *pool, long pid, const char *stream,
    const char *line, size_t len)
{
	struct buf	*b = &L.line;
	struct timespec	 ts;

	if (LOGL_WARN < L.min)
		return;
	buf_reset(b);
	buf_puts(b, "{\"time\":\"");
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		buf_puts(b, "1970-01-01T00:00:00.000Z");
	else
		put_time(b, &ts);
	buf_puts(b, "\",\"level\":\"warn\"");
	put_field(b, "pool", pool);
	buf_printf(b, ",\"pid\":%ld,\"stream\":\"%s\",\"msg\":", pid, stream);
	log_json_string(b, line, len);
	end_line(b);
}

/*
 * The slow-request line.  To a slowlog file it is one JSON object, the
 * file opened, appended to and closed each time (so a rotated file needs
 * no signal); without one it is a WARN line on the log.  A note (no
 * backtraces here) goes first, as its own line.
 */
int
log_slow(const char *path, const struct log_slow_req *r)
{
	struct buf	 b = BUF_INIT;
	const char	*rid = r->request_id != NULL ? r->request_id : "";
	char		 t[40];
	int		 fd, rc = 0;

	if (path == NULL) {
		if (r->note != NULL)
			log_warn("pool %s: slowlog: %s", r->pool, r->note);
		log_warn("pool %s: slow request: worker %ld %s %s running "
			 "for %.3fs%s%s%s%s",
		    r->pool, r->pid, r->method, r->uri, r->elapsed_s,
		    *rid != '\0' ? "; request " : "", rid,
		    r->trace != NULL ? "; backtrace: " : "",
		    r->trace != NULL ? r->trace : "");
		return 0;
	}
	log_time_rfc3339(t, sizeof(t));
	if (r->note != NULL) {
		buf_printf(&b, "{\"time\":\"%s\",\"pool\":", t);
		log_json_string(&b, r->pool, strlen(r->pool));
		buf_puts(&b, ",\"msg\":");
		log_json_string(&b, r->note, strlen(r->note));
		buf_puts(&b, "}\n");
	}
	buf_printf(&b, "{\"time\":\"%s\",\"pool\":", t);
	log_json_string(&b, r->pool, strlen(r->pool));
	buf_printf(&b, ",\"pid\":%ld,\"request_id\":", r->pid);
	log_json_string(&b, rid, strlen(rid));
	buf_puts(&b, ",\"method\":");
	log_json_string(&b, r->method, strlen(r->method));
	buf_puts(&b, ",\"uri\":");
	log_json_string(&b, r->uri, strlen(r->uri));
	buf_printf(&b, ",\"elapsed_s\":%.3f", r->elapsed_s);
	if (r->trace != NULL) {
		/* Built by trace.c from escaped strings: valid JSON. */
		buf_puts(&b, ",\"trace\":");
		buf_puts(&b, r->trace);
	}
	buf_puts(&b, ",\"msg\":\"slow request\"}\n");
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1 || write(fd, b.data, b.len) != (ssize_t)b.len) {
		log_error("slowlog %s: %s", path, strerror(errno));
		rc = -1;
	}
	if (fd != -1)
		close(fd);
	buf_free(&b);
	return rc;
}
