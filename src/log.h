/*
 * log.h: one JSON object per line on stderr (or a log file).
 *
 * Fields: time (UTC, RFC 3339 with ms), level, pool, pid, request_id,
 * method, path, status, duration_ms, msg.  Request-scoped fields come from
 * log_set_request() and are cleared by log_clear_request().  Strings are
 * JSON-escaped, so request bytes cannot forge a line.  Never call from a
 * signal handler.
 *
 * State: the module owns its file-scope context (pool name, current
 * request, output fd); it is per process and reset in each worker.
 */
#ifndef CREWLOG_LOG_H
#define CREWLOG_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOGL_DEBUG,
	LOGL_INFO,
	LOGL_WARN,
	LOGL_ERROR,
	LOGL__MAX
};

void	 log_init(const char *pool, enum log_level min);
int	 log_open(const char *path);	/* NULL or "-": stderr; -1 on error */
int	 log_reopen(void);		/* SIGUSR1 */
void	 log_set_pool(const char *);
void	 log_set_service(const char *);	/* after log_set_pool */
void	 log_set_request(const char *id, const char *method, const char *path);
void	 log_clear_request(void);
void	 log_msg(enum log_level, const char *, ...)
		__attribute__((format(printf, 2, 3)));
void	 log_vmsg(enum log_level, const char *, va_list)
		__attribute__((format(printf, 2, 0)));
/* The access line written once per request, with status and duration. */
void	 log_access(int status, double duration_ms);

void	 log_set_level(enum log_level);
/* "debug", "info", "warn", "error" (NULL: info); -1 if unknown. */
int	 log_level_parse(const char *, enum log_level *);
int	 log_fd(void);			/* where lines go; inherited by workers */
/*
 * Daemonized: stderr is /dev/null now; drops the copy of the original
 * stderr kept to report a log file that cannot be written, so the
 * process that started us sees end of file.
 */
void	 log_forget_stderr(void);
void	 log_close(void);
/* A line a worker wrote on stdout/stderr, forwarded by the master. */
void	 log_child_output(const char *pool, long pid, const char *stream,
	    const char *line, size_t len);
/* Appends s as a quoted JSON string, escaping controls and bad UTF-8. */
struct buf;
void	 log_json_string(struct buf *, const char *s, size_t len);
/* Current UTC time as "2025-03-01T09:12:44.123Z". */
void	 log_time_rfc3339(char *, size_t);
/* A request past request_slowlog_timeout; strings are the caller's. */
struct log_slow_req {
	const char	*pool;
	long		 pid;
	const char	*request_id;	/* NULL or "": unknown */
	const char	*method;
	const char	*uri;
	double		 elapsed_s;
	const char	*trace;		/* JSON array of frames, or NULL */
	const char	*note;		/* said first (no backtraces), or NULL */
};
/*
 * A request running longer than request_slowlog_timeout: one JSON line
 * {time, pool, pid, request_id, method, uri, elapsed_s, trace, msg}
 * appended to the slowlog file path (after a {time, pool, msg} line for
 * the note, if any), or WARN log lines when path is NULL.  -1 (and an
 * ERROR log line naming the file) when the file cannot be written.
 */
int	 log_slow(const char *path, const struct log_slow_req *);

#define log_debug(...)	log_msg(LOGL_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LOGL_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LOGL_WARN, __VA_ARGS__)
#define log_error(...)	log_msg(LOGL_ERROR, __VA_ARGS__)

#endif
