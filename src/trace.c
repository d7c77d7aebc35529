/*
 * trace.c: a C backtrace of another process (see trace.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <libunwind-ptrace.h>

#include "log.h"
#include "trace.h"

/* ---------------------------------------------------------------------
 * Which object an address is in: /proc/PID/maps
 */

/* The file name (no directory) of the mapping holding ip, or "?". */
static void
object_of(const char *maps, unw_word_t ip, char *out, size_t size)
{
	const char		*line, *nl, *path, *slash;
	char			*end;
	unsigned long long	 lo, hi;
	size_t			 n;

	snprintf(out, size, "?");
	for (line = maps; line != NULL && *line != '\0';
	     line = nl != NULL ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		/* "lo-hi perms ...": both hexadecimal, the kernel's own. */
		lo = strtoull(line, &end, 16);
		if (*end != '-')
			continue;
		hi = strtoull(end + 1, &end, 16);
		if (*end != ' ' || ip < lo || ip >= hi)
			continue;
		n = nl != NULL ? (size_t)(nl - line) : strlen(line);
		path = memchr(line, '/', n);
		if (path == NULL)
			return;
		n -= (size_t)(path - line);
		while ((slash = memchr(path, '/', n)) != NULL) {
			n -= (size_t)(slash + 1 - path);
			path = slash + 1;
		}
		snprintf(out, size, "%.*s", (int)n, path);
		return;
	}
}

/* Reads /proc/PID/maps into b; an empty b if it cannot be read. */
static void
read_maps(pid_t pid, struct buf *b)
{
	char	 path[64], chunk[4096];
	FILE	*f;
	size_t	 n;

	snprintf(path, sizeof(path), "/proc/%ld/maps", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(b, chunk, n);
	fclose(f);
	buf_putc(b, '\0');
}

/* ---------------------------------------------------------------------
 * Unwinding a stopped process
 */

/* Appends "#N name+0xoff (object)" strings to frames as a JSON array. */
static int
unwind(pid_t pid, unsigned depth, struct buf *frames, struct buf *why)
{
	unw_addr_space_t	 as;
	void			*ui;
	unw_cursor_t		 cur;
	unw_word_t		 ip, off;
	struct buf		 maps = BUF_INIT, f = BUF_INIT;
	char			 name[256], obj[128];
	unsigned		 n = 0;
	int			 rc = -1;

	if ((as = unw_create_addr_space(&_UPT_accessors, 0)) == NULL) {
		buf_puts(why, "unw_create_addr_space failed");
		return -1;
	}
	if ((ui = _UPT_create(pid)) == NULL) {
		buf_puts(why, "_UPT_create failed");
		unw_destroy_addr_space(as);
		return -1;
	}
	if (unw_init_remote(&cur, as, ui) < 0) {
		buf_puts(why, "unw_init_remote failed");
		goto out;
	}
	read_maps(pid, &maps);
	buf_putc(frames, '[');
	do {
		if (unw_get_reg(&cur, UNW_REG_IP, &ip) < 0)
			break;
		name[0] = '\0';
		off = 0;
		if (unw_get_proc_name(&cur, name, sizeof(name), &off) != 0 &&
		    name[0] == '\0')
			snprintf(name, sizeof(name), "??");
		object_of(maps.data != NULL ? maps.data : "", ip, obj,
		    sizeof(obj));
		buf_reset(&f);
		buf_printf(&f, "#%u %s+0x%" PRIxPTR " (%s) [0x%" PRIxPTR "]",
		    n, name, (uintptr_t)off, obj, (uintptr_t)ip);
		if (n > 0)
			buf_putc(frames, ',');
		log_json_string(frames, f.data, f.len);
	} while (++n < depth && unw_step(&cur) > 0);
	buf_putc(frames, ']');
	rc = 0;
out:
	buf_free(&maps);
	buf_free(&f);
	_UPT_destroy(ui);
	unw_destroy_addr_space(as);
	return rc;
}

/* ---------------------------------------------------------------------
 * ptrace
 */

/*
 * Waits for the stop PTRACE_INTERRUPT asked for.  A signal that arrives
 * first stops the process too: it is kept in *sig and delivered at
 * detach.  Returns 0 when stopped, 1 if the process ended (*status), -1.
 */
static int
wait_stop(pid_t pid, int *sig, int *status)
{
	int	 st;

	for (;;) {
		if (waitpid(pid, &st, __WALL) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			*status = st;
			return 1;
		}
		if (!WIFSTOPPED(st))
			continue;
		if ((st >> 16) == PTRACE_EVENT_STOP || WSTOPSIG(st) == SIGTRAP)
			return 0;
		*sig = WSTOPSIG(st);	/* signal-delivery-stop */
		return 0;
	}
}

enum trace_result
trace_take(pid_t pid, unsigned depth, struct buf *frames, struct buf *why,
    int *status)
{
	enum trace_result	 r = TRACE_FAILED;
	int			 sig = 0, w;

	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) == -1) {
		buf_printf(why, "ptrace(PTRACE_SEIZE): %s", strerror(errno));
		return errno == EPERM || errno == EACCES ? TRACE_DENIED :
							   TRACE_FAILED;
	}
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) == -1) {
		buf_printf(why, "ptrace(PTRACE_INTERRUPT): %s",
		    strerror(errno));
		(void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
		return TRACE_FAILED;
	}
	if ((w = wait_stop(pid, &sig, status)) == 1)
		return TRACE_EXITED;
	if (w == -1) {
		buf_printf(why, "waitpid: %s", strerror(errno));
		(void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
		return TRACE_FAILED;
	}
	if (unwind(pid, depth, frames, why) == 0)
		r = TRACE_OK;
	/* ptrace(2) takes the signal to deliver in its data pointer. */
	/* NOLINTNEXTLINE(performance-no-int-to-ptr) */
	if (ptrace(PTRACE_DETACH, pid, NULL, (void *)(intptr_t)sig) == -1) {
		log_error("ptrace(PTRACE_DETACH, %ld): %s", (long)pid,
		    strerror(errno));
	}
	return r;
}
