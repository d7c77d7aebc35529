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
 * pipe without redirecting its log lines.
 */
static struct {
	int		 fd;
	char		*path;		/* NULL: stderr */
	enum log_level	 min;
	char		 pool[64];
	char		 rid[65];
	char		 method[16];
	char		 rpath[512];
	int		 has_request;
	/*
	 * Per-line work kept between lines (an access line is written for
	 * every request): the pid, which getpid() would fetch with a system
	 * call each time (reset in the child by pthread_atfork), the
	 * formatted current second, and the line buffer itself.
	 */
	long		 pid;
	time_t		 sec;
	char		 sectext[24];
	struct buf	 line;
} L = { -1, NULL, LOGL_INFO, "", "", "", "", 0, 0, -1, "", BUF_INIT };

static void
forget_pid(void)
{
	L.pid = 0;
}

static long
log_pid(void)
{
	static int	 registered;

	if (!registered) {
		registered = 1;
		(void)pthread_atfork(NULL, NULL, forget_pid);
	}
	if (L.pid == 0)
		L.pid = (long)getpid();
	return L.pid;
}

static const char *const level_names[LOGL__MAX] = {
	"debug", "info", "warn", "error"
};

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

void
log_init(const char *pool, enum log_level min)
{
	copy_bounded(L.pool, sizeof(L.pool), pool);
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
}

void
log_set_pool(const char *pool)
{
	copy_bounded(L.pool, sizeof(L.pool), pool);
}

void
log_set_request(const char *id, const char *method, const char *path)
{
	copy_bounded(L.rid, sizeof(L.rid), id);
	copy_bounded(L.method, sizeof(L.method), method);
	copy_bounded(L.rpath, sizeof(L.rpath), path);
	L.has_request = 1;
}

void
log_clear_request(void)
{
	L.rid[0] = L.method[0] = L.rpath[0] = '\0';
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
			n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 :
			    c >= 0xc2 && c < 0xe0 ? 2 : 0;
			if (n != 0 && c >= 0xf5)
				n = 0;
			if (n != 0 && i + n <= len) {
				size_t k;

				for (k = 1; k < n; k++)
					if ((p[i + k] & 0xc0) != 0x80)
						break;
				if (k == n && ((c == 0xe0 && p[i + 1] < 0xa0) ||
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
	buf_puts(b, ",\"");
	buf_puts(b, name);
	buf_puts(b, "\":");
	log_json_string(b, val, strlen(val));
}

/* "2025-03-01T09:12:44.123Z": UTC, the worker may lack zoneinfo. */
void
log_time_rfc3339(char *out, size_t size)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 sec[32];
	long		 ms;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1) {
		copy_bounded(out, size, "1970-01-01T00:00:00.000Z");
		return;
	}
	/* strftime once a second; the milliseconds by hand. */
	if (ts.tv_sec != L.sec) {
		if (gmtime_r(&ts.tv_sec, &tm) == NULL ||
		    strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
			copy_bounded(out, size, "1970-01-01T00:00:00.000Z");
			return;
		}
		copy_bounded(L.sectext, sizeof(L.sectext), sec);
		L.sec = ts.tv_sec;
	}
	ms = ts.tv_nsec / 1000000;
	snprintf(out, size, "%s.%c%c%cZ", L.sectext, (char)('0' + ms / 100),
	    (char)('0' + ms / 10 % 10), (char)('0' + ms % 10));
}

static void
begin_line(struct buf *b, enum log_level lvl)
{
	char	 t[40];

	log_time_rfc3339(t, sizeof(t));
	buf_puts(b, "{\"time\":\"");
	buf_puts(b, t);
	buf_puts(b, "\",\"level\":\"");
	buf_puts(b, level_names[lvl]);
	buf_putc(b, '"');
	if (L.pool[0] != '\0')
		put_field(b, "pool", L.pool);
	buf_printf(b, ",\"pid\":%ld", log_pid());
	if (L.has_request) {
		put_field(b, "request_id", L.rid);
		put_field(b, "method", L.method);
		put_field(b, "path", L.rpath);
	}
}

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
			break;	/* nowhere left to report it */
		p += n;
		left -= (size_t)n;
	}
	if (b == &L.line)
		buf_reset(b);	/* kept for the next line */
	else
		buf_free(b);
}

void
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	struct buf	 b = BUF_INIT;
	struct buf	 m = BUF_INIT;

	if (lvl >= LOGL__MAX)
		lvl = LOGL_ERROR;
	if (lvl < L.min)
		return;
	begin_line(&b, lvl);
	buf_vprintf(&m, fmt, ap);
	buf_puts(&b, ",\"msg\":");
	log_json_string(&b, m.data == NULL ? "" : m.data, m.len);
	buf_free(&m);
	end_line(&b);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

void
log_access(int status, double duration_ms)
{
	struct buf	*b = &L.line;

	if (LOGL_INFO < L.min)
		return;
	buf_reset(b);
	begin_line(b, LOGL_INFO);
	buf_printf(b, ",\"status\":%d,\"duration_ms\":%.3f,\"msg\":\"access\"",
	    status, duration_ms);
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
	struct buf	 b = BUF_INIT;
	char		 t[40];

	if (LOGL_WARN < L.min)
		return;
	log_time_rfc3339(t, sizeof(t));
	buf_printf(&b, "{\"time\":\"%s\",\"level\":\"warn\"", t);
	put_field(&b, "pool", pool);
	buf_printf(&b, ",\"pid\":%ld,\"stream\":\"%s\",\"msg\":", pid, stream);
	log_json_string(&b, line, len);
	end_line(&b);
}
