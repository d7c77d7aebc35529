/*
 * config.h: crewlog.conf, in php-fpm.conf style.
 *
 * A [global] section and one or more [poolname] sections of key = value
 * lines; ';' and '#' start comments.  Every key may be overridden by the
 * environment: CREWLOG_<POOL>_<KEY> with the pool name and key upper-cased
 * and '.' turned into '_' (CREWLOG_WWW_PM_MAX_CHILDREN=8), and global keys
 * by CREWLOG_GLOBAL_<KEY>.  CREWLOG_DATABASE_URL sets database_url for every
 * pool that does not set it.
 *
 * A loaded config is read-only; config_free() releases it whole.
 */
#ifndef CREWLOG_CONFIG_H
#define CREWLOG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "buf.h"

enum pm_mode {
	PM_STATIC,
	PM_DYNAMIC,
	PM_ONDEMAND,
	PM__MAX
};

/* sandbox: the worker's seccomp allow-list (see sandbox.h). */
enum sandbox_mode {
	SANDBOX_OFF,
	SANDBOX_LOG,
	SANDBOX_ENFORCE,
	SANDBOX__MAX
};

/* What a pool serves: its path group, or every path (the monolith). */
enum service {
	SVC_ALL,
	SVC_USERS,
	SVC_HOURS,
	SVC_BOARD,
	SVC__MAX
};

struct pool_config {
	char		*name;

	/* Listening socket. */
	/*
	 * As written, one of: "/unix/path.sock", "9000" (every address),
	 * "host:9000", "*:9000", "[::1]:9000".  Distinct across pools.
	 */
	char		*listen;
	int		 listen_backlog;	/* default 511 */
	char		*listen_owner;		/* NULL: unchanged */
	char		*listen_group;
	int		 listen_mode;		/* -1: unchanged, else octal */
	char		*listen_allowed_clients; /* NULL: any; "a,b" addrs */

	/* Process manager. */
	/*
	 * After loading: dynamic has min <= start <= max spare <= max_children
	 * (unset: min 1, max min(3, max_children), start halfway, as php-fpm);
	 * static has start_servers = max_children and spares 0; ondemand has
	 * start and spares 0 and process_idle_timeout >= 1.
	 */
	enum pm_mode	 pm;			/* default dynamic */
	unsigned	 max_children;		/* required, >= 1 */
	unsigned	 start_servers;
	unsigned	 min_spare_servers;
	unsigned	 max_spare_servers;
	unsigned	 process_idle_timeout;	/* seconds, default 10 */
	unsigned	 max_requests;		/* 0: never recycle */
	unsigned	 max_requests_jitter;	/* < max_requests if that > 0 */
	char		*status_path;		/* NULL: disabled */
	char		*status_listen;		/* master's own socket, NULL */
	char		*ping_path;		/* NULL: disabled */
	char		*ping_response;		/* default "pong" */
	unsigned	 request_terminate_timeout;	/* s, 0: off */
	unsigned	 request_slowlog_timeout;	/* s, 0: off */
	char		*slowlog;		/* NULL or "-": the error log */
	unsigned	 slowlog_trace_depth;	/* frames, default 20; 0: none */
	char		*user;
	char		*group;
	unsigned	 rlimit_files;		/* 0: unchanged */
	bool		 catch_workers_output;	/* default yes */
	enum sandbox_mode sandbox;		/* default off */

	/* Requests. */
	size_t		 request_body_limit;	/* bytes, default 1 MiB */
	unsigned	 json_depth_limit;	/* default 32 */

	/* Application. */
	char		*database_url;		/* NULL: libpq's PG* vars */
	char		*templates;		/* PKGDATADIR/templates */
	char		*htdocs;		/* PKGDATADIR/htdocs */
	unsigned	 pwhash_opslimit;	/* 0: libsodium INTERACTIVE */
	size_t		 pwhash_memlimit;	/* 0: libsodium INTERACTIVE */
	unsigned	 session_ttl;		/* seconds, default 7 days */
	int		 cookie_secure;		/* -1 auto, 0 no, 1 yes */
	unsigned	 login_max_attempts;	/* per window, default 5 */
	unsigned	 login_window;		/* seconds, default 300 */
	unsigned	 signup_max_attempts;	/* per address and window */
	unsigned	 signup_window;		/* seconds, default 3600 */
	unsigned	 leaderboard_cache;	/* 0 off, 1 notify, 2 shared */
	unsigned	 leaderboard_cache_ttl;	/* seconds a cached slice lives */
	bool		 test_endpoints;	/* /_test/ endpoints: tests */
	int		 service;		/* enum service, default all */
	char		*leaderboard_cache_file;	/* NULL: anonymous */
};

struct config {
	char		*path;			/* the file it came from */
	char		*pid_file;		/* NULL: none */
	char		*error_log;		/* "-" (default): stderr */
	char		*log_level;		/* debug|info|warn|error, never
						   NULL; default info */
	unsigned	 process_control_timeout;	/* s, default 10 */
	unsigned	 emergency_restart_threshold;	/* 0: off */
	unsigned	 emergency_restart_interval;	/* s */
	bool		 daemonize;		/* default no (-F forces no) */

	struct pool_config *pools;
	size_t		 npools;
};

/*
 * Reads and validates path; environment overrides come from envp.
 * Returns a config the caller frees with config_free(), or NULL with
 * every problem appended to err as "file:line: key: message\n".
 */
struct config	*config_load(const char *path, char **envp, struct buf *err);
/* The same from memory; name is used in messages (fuzzing, tests). */
struct config	*config_parse(const char *name, const char *text, size_t len,
		    char **envp, struct buf *err);
void		 config_free(struct config *);
const char	*config_pm_name(enum pm_mode);
const char	*config_service_name(int);	/* "all", "users", ... */
/*
 * Appends the effective configuration (file, environment and defaults
 * merged) to out in crewlog.conf syntax; parsing it again gives the same
 * configuration.  Unset keys appear as comments.
 */
void		 config_dump(const struct config *, struct buf *out);
/*
 * crewlog -t: loads path and writes to out either every error or
 * "crewlog: configuration file PATH test is successful", preceded by the
 * effective configuration when dump is set (crewlog -tt).  Returns the
 * exit status, 0 or 1.
 */
int		 config_test(const char *path, char **envp, int dump,
		    FILE *out);

#endif
