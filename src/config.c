/*
 * config.c: crewlog.conf, in php-fpm.conf style.
 *
 * The file is read line by line.  Every key=value line is looked up in one
 * table (keys[] below) that names the key, its type, where the value goes
 * and its default; the type's parser converts and range-checks the value.
 * Then the environment overrides are applied with the same parsers, the
 * defaults fill what is still unset, and the checks that involve more than
 * one key run.  Every problem is appended to the caller's error buffer, one
 * line each, and the load fails at the end if there was any, so an
 * operator sees all of them at once.
 *
 * Syntax decisions (documented in crewlog.conf(5)):
 * - ';' and '#' start a full-line comment.  In an unquoted value, ';'
 *   after white space starts a trailing comment, as in php-fpm's INI
 *   parser; '#' inside a value is kept (it occurs in passwords and URLs).
 * - A value may be enclosed in double quotes, inside which \" and \\ are
 *   escapes and ';' is literal.
 * - ${VAR} is replaced by VAR from the environment, quoted or not; an
 *   undefined VAR is an error.  Environment override values are taken
 *   literally.
 * - A key may appear once per section; a section name once per file.
 * - Environment variables naming a pool that is not defined are ignored
 *   (one environment may serve several configs); an empty variable counts
 *   as unset.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "util.h"

#ifndef PKGDATADIR
#define PKGDATADIR	"/usr/local/share/crewlog"
#endif

/* After this many errors the rest of the input is not worth reporting. */
#define MAX_ERRORS	100
/* Longer values are cut in messages; the cut is marked with "...". */
#define MSG_VALUE_MAX	80
#define POOL_NAME_MAX	32
/* Pools per file; far beyond any use, it bounds a hostile input. */
#define MAX_POOLS	256
/* Bytes per file: a device such as /dev/zero must not exhaust memory. */
#define MAX_FILE	(4UL << 20)

/* ---------------------------------------------------------------------
 * The key table
 */

enum ctype {
	CT_STRING,	/* any text without control characters */
	CT_PATH,	/* an absolute path */
	CT_LOGPATH,	/* an absolute path or "-" (stderr) */
	CT_URIPATH,	/* "/status": starts with '/', no space, '?', '#' */
	CT_UINT,	/* decimal integer within min..max */
	CT_SIZE,	/* bytes, with an optional k/m/g suffix */
	CT_DURATION,	/* seconds, with an optional s/m/h/d suffix */
	CT_BOOL,	/* yes/no/on/off/true/false/1/0 */
	CT_MODE,	/* octal file mode, e.g. 0660 */
	CT_ENUM,	/* one of the names in enums */
	CT_LISTEN,	/* /unix/path, port, host:port, [v6]:port */
	CT_CLIENTS,	/* comma-separated IP addresses */
	CT__MAX
};

enum scope {
	SC_GLOBAL,
	SC_POOL
};

struct enum_val {
	const char	*name;
	int		 value;
	int		 shown;		/* listed in the error message */
};

/* Row flags. */
#define K_REQUIRED	0x01	/* no default; the pool must set it */
#define K_INT		0x02	/* CT_UINT stored in an int, not unsigned */
#define K_LOGLEVEL	0x04	/* CT_ENUM stored as the canonical string */
#define K_TESTBUILD	0x08	/* CT_BOOL that only a test build may set */

struct key {
	const char		*name;
	enum ctype		 type;
	enum scope		 scope;
	size_t			 off;	/* in struct config or pool_config */
	const char		*def;	/* parsed like a value; NULL: none */
	unsigned long long	 min;
	unsigned long long	 max;
	const struct enum_val	*enums;
	int			 flags;
};

static const struct enum_val pm_enum[] = { { "static", PM_STATIC, 1 },
	{ "dynamic", PM_DYNAMIC, 1 }, { "ondemand", PM_ONDEMAND, 1 },
	{ NULL, 0, 0 } };

static const struct enum_val cookie_secure_enum[] = { { "auto", -1, 1 },
	{ "yes", 1, 1 }, { "no", 0, 1 }, { "on", 1, 0 }, { "off", 0, 0 },
	{ "true", 1, 0 }, { "false", 0, 0 }, { NULL, 0, 0 } };

static const struct enum_val leaderboard_cache_enum[] = { { "off", 0, 1 },
	{ "notify", 1, 1 }, { "shared", 2, 1 }, { NULL, 0, 0 } };

static const struct enum_val sandbox_enum[] = { { "off", SANDBOX_OFF, 1 },
	{ "log", SANDBOX_LOG, 1 }, { "enforce", SANDBOX_ENFORCE, 1 },
	{ NULL, 0, 0 } };

static const struct enum_val service_enum[] = { { "all", SVC_ALL, 1 },
	{ "users", SVC_USERS, 1 }, { "hours", SVC_HOURS, 1 },
	{ "board", SVC_BOARD, 1 }, { NULL, 0, 0 } };

/* php-fpm's level names are accepted as synonyms of crewlog's four. */
static const char *const log_level_names[] = { "debug", "info", "warn",
	"error" };

static const struct enum_val log_level_enum[] = { { "debug", 0, 1 },
	{ "info", 1, 1 }, { "notice", 1, 0 }, { "warn", 2, 1 },
	{ "warning", 2, 0 }, { "error", 3, 1 }, { "alert", 3, 0 },
	{ NULL, 0, 0 } };

#define U	UINT_MAX
#define G(f)	SC_GLOBAL, offsetof(struct config, f)
#define P(f)	SC_POOL, offsetof(struct pool_config, f)

/*
 * Each key: name, type, field, default, min, max, enum values, flags.
 * A pool key missing from the file takes its default, as if written.
 * The order is the order of config_dump() and of the man page.
 */
static const struct key keys[] = {
	/* [global] */
	{ "pid", CT_PATH, G(pid_file), NULL, 0, 0, NULL, 0 },
	{ "error_log", CT_LOGPATH, G(error_log), "-", 0, 0, NULL, 0 },
	{ "log_level", CT_ENUM, G(log_level), "info", 0, 0, log_level_enum,
	    K_LOGLEVEL },
	{ "process_control_timeout", CT_DURATION, G(process_control_timeout),
	    "10s", 0, U, NULL, 0 },
	{ "emergency_restart_threshold", CT_UINT,
	    G(emergency_restart_threshold), "0", 0, U, NULL, 0 },
	{ "emergency_restart_interval", CT_DURATION,
	    G(emergency_restart_interval), "0", 0, U, NULL, 0 },
	{ "daemonize", CT_BOOL, G(daemonize), "no", 0, 0, NULL, 0 },

	/* [pool]: listening socket */
	{ "listen", CT_LISTEN, P(listen), NULL, 0, 0, NULL, K_REQUIRED },
	{ "listen.backlog", CT_UINT, P(listen_backlog), "511", 1, 65535, NULL,
	    K_INT },
	{ "listen.owner", CT_STRING, P(listen_owner), NULL, 0, 0, NULL, 0 },
	{ "listen.group", CT_STRING, P(listen_group), NULL, 0, 0, NULL, 0 },
	{ "listen.mode", CT_MODE, P(listen_mode), NULL, 0, 0, NULL, 0 },
	{ "listen.allowed_clients", CT_CLIENTS, P(listen_allowed_clients),
	    NULL, 0, 0, NULL, 0 },

	/* process manager */
	{ "pm", CT_ENUM, P(pm), "dynamic", 0, 0, pm_enum, 0 },
	{ "pm.max_children", CT_UINT, P(max_children), NULL, 1, U, NULL,
	    K_REQUIRED },
	{ "pm.start_servers", CT_UINT, P(start_servers), NULL, 1, U, NULL, 0 },
	{ "pm.min_spare_servers", CT_UINT, P(min_spare_servers), NULL, 1, U,
	    NULL, 0 },
	{ "pm.max_spare_servers", CT_UINT, P(max_spare_servers), NULL, 1, U,
	    NULL, 0 },
	{ "pm.process_idle_timeout", CT_DURATION, P(process_idle_timeout),
	    "10s", 0, U, NULL, 0 },
	{ "pm.max_requests", CT_UINT, P(max_requests), "0", 0, U, NULL, 0 },
	{ "pm.max_requests_jitter", CT_UINT, P(max_requests_jitter), "0", 0, U,
	    NULL, 0 },
	{ "pm.status_path", CT_URIPATH, P(status_path), NULL, 0, 0, NULL, 0 },
	{ "pm.status_listen", CT_LISTEN, P(status_listen), NULL, 0, 0, NULL,
	    0 },
	{ "ping.path", CT_URIPATH, P(ping_path), NULL, 0, 0, NULL, 0 },
	{ "ping.response", CT_STRING, P(ping_response), "pong", 0, 0, NULL,
	    0 },
	{ "request_terminate_timeout", CT_DURATION,
	    P(request_terminate_timeout), "0", 0, U, NULL, 0 },
	{ "request_slowlog_timeout", CT_DURATION, P(request_slowlog_timeout),
	    "0", 0, U, NULL, 0 },
	{ "slowlog", CT_LOGPATH, P(slowlog), NULL, 0, 0, NULL, 0 },
	{ "request_slowlog_trace_depth", CT_UINT, P(slowlog_trace_depth), "20",
	    0, 256, NULL, 0 },
	{ "user", CT_STRING, P(user), NULL, 0, 0, NULL, 0 },
	{ "group", CT_STRING, P(group), NULL, 0, 0, NULL, 0 },
	{ "rlimit_files", CT_UINT, P(rlimit_files), "0", 0, U, NULL, 0 },
	{ "catch_workers_output", CT_BOOL, P(catch_workers_output), "yes", 0,
	    0, NULL, 0 },
	{ "sandbox", CT_ENUM, P(sandbox), "off", 0, 0, sandbox_enum, 0 },

	/* requests */
	{ "request_body_limit", CT_SIZE, P(request_body_limit), "1M", 1,
	    1ULL << 30, NULL, 0 },
	{ "json_depth_limit", CT_UINT, P(json_depth_limit), "32", 1, 1024,
	    NULL, 0 },

	/* application */
	{ "database_url", CT_STRING, P(database_url), NULL, 0, 0, NULL, 0 },
	{ "templates", CT_PATH, P(templates), PKGDATADIR "/templates", 0, 0,
	    NULL, 0 },
	{ "htdocs", CT_PATH, P(htdocs), PKGDATADIR "/htdocs", 0, 0, NULL, 0 },
	{ "auth.pwhash_opslimit", CT_UINT, P(pwhash_opslimit), "0", 0, U, NULL,
	    0 },
	{ "auth.pwhash_memlimit", CT_SIZE, P(pwhash_memlimit), "0", 0,
	    1ULL << 32, NULL, 0 },
	{ "session_ttl", CT_DURATION, P(session_ttl), "7d", 60, 366 * 86400,
	    NULL, 0 },
	{ "cookie_secure", CT_ENUM, P(cookie_secure), "auto", 0, 0,
	    cookie_secure_enum, 0 },
	{ "login.max_attempts", CT_UINT, P(login_max_attempts), "5", 1, U,
	    NULL, 0 },
	{ "login.window", CT_DURATION, P(login_window), "300s", 1, U, NULL,
	    0 },
	{ "signup.max_attempts", CT_UINT, P(signup_max_attempts), "20", 1, U,
	    NULL, 0 },
	{ "signup.window", CT_DURATION, P(signup_window), "3600s", 1, U, NULL,
	    0 },
	{ "leaderboard_cache", CT_ENUM, P(leaderboard_cache), "shared", 0, 0,
	    leaderboard_cache_enum, 0 },
	{ "leaderboard_cache_ttl", CT_DURATION, P(leaderboard_cache_ttl), "1s",
	    1, 3600, NULL, 0 },
	{ "test_endpoints", CT_BOOL, P(test_endpoints), "no", 0, 0, NULL,
	    K_TESTBUILD },
	{ "service", CT_ENUM, P(service), "all", 0, 0, service_enum, 0 },
	{ "leaderboard_cache_file", CT_PATH, P(leaderboard_cache_file), NULL,
	    0, 0, NULL, 0 },
};

#undef U
#undef G
#undef P

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

/* ---------------------------------------------------------------------
 * Parser state
 */

/* Where a key's value came from: a file line, a variable, or nowhere. */
struct origin {
	int		 line;		/* > 0: this line of the file */
	char		*env;		/* else non-NULL: this variable */
	int		 ok;		/* the value parsed and is in place */
};

struct section {
	int		 line;		/* of the [name] header */
	char		*envpre;	/* "CREWLOG_<NAME>_" */
	struct origin	 org[NKEYS];
};

struct parser {
	const char	*name;		/* the file, as named in messages */
	char		**envp;
	struct buf	*err;
	unsigned	 nerr;
	struct config	*conf;
	struct section	 global;
	struct section	*pools;		/* parallel to conf->pools */
	size_t		 cap;		/* allocated in both arrays */
	int		 cur;		/* -2 none, -1 global, else pool */
	int		 skip;		/* inside a rejected section header */
};

/* ---------------------------------------------------------------------
 * Messages
 */

/*
 * Appends s[0..n) in double quotes, escaping what is not printable ASCII,
 * so a message stays one line whatever bytes the file held.
 */
static void
put_quoted(struct buf *b, const char *s, size_t n)
{
	size_t	 i;
	unsigned char c;

	buf_putc(b, '"');
	for (i = 0; i < n; i++) {
		if (i == MSG_VALUE_MAX) {
			buf_puts(b, "...");
			break;
		}
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			buf_printf(b, "\\x%02x", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

static int
too_many(struct parser *p)
{
	if (p->nerr < MAX_ERRORS)
		return 0;
	if (p->nerr == MAX_ERRORS)
		buf_printf(p->err, "%s: too many errors, giving up\n",
		    p->name);
	p->nerr++;
	return 1;
}

/* Appends "prefix: " for an origin: "file:LINE", "environment VAR" or file. */
static void
put_origin(struct parser *p, const struct origin *o)
{
	if (o != NULL && o->line > 0)
		buf_printf(p->err, "%s:%d: ", p->name, o->line);
	else if (o != NULL && o->env != NULL)
		buf_printf(p->err, "environment %s: ", o->env);
	else
		buf_printf(p->err, "%s: ", p->name);
}

static void __attribute__((format(printf, 3, 0)))
verrorf(struct parser *p, const struct origin *o, const char *fmt, va_list ap)
{
	if (too_many(p))
		return;
	p->nerr++;
	put_origin(p, o);
	buf_vprintf(p->err, fmt, ap);
	buf_putc(p->err, '\n');
}

/* One error line: origin, then the formatted message. */
static void __attribute__((format(printf, 3, 4)))
errorf(struct parser *p, const struct origin *o, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	verrorf(p, o, fmt, ap);
	va_end(ap);
}

/* An error at a line of the file. */
static void __attribute__((format(printf, 3, 4)))
lerrorf(struct parser *p, int line, const char *fmt, ...)
{
	struct origin	 o = { line, NULL, 0 };
	va_list		 ap;

	va_start(ap, fmt);
	verrorf(p, &o, fmt, ap);
	va_end(ap);
}

/*
 * Starts an error line whose message the caller appends itself (to quote
 * bytes from the input) and ends with '\n'.  Returns 0 when the error
 * limit is reached and nothing is to be written.
 */
static int
begin_error(struct parser *p, const struct origin *o)
{
	if (too_many(p))
		return 0;
	p->nerr++;
	put_origin(p, o);
	return 1;
}

/* ---------------------------------------------------------------------
 * Closest-key suggestions
 */

/* Edit distance, case-insensitive; both strings are short (keys). */
static size_t
levenshtein(const char *a, size_t na, const char *b, size_t nb)
{
	size_t	 row[64 + 1], i, j, prev, tmp, best;

	if (nb > 64)
		return SIZE_MAX;
	for (j = 0; j <= nb; j++)
		row[j] = j;
	for (i = 1; i <= na; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= nb; j++) {
			tmp = row[j];
			best = prev +
			    (tolower((unsigned char)a[i - 1]) !=
				tolower((unsigned char)b[j - 1]));
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[nb];
}

/*
 * The key of the scope closest to name, or NULL if none is close enough
 * to be a likely typo (a third of the length, at least 2 edits).
 */
static const struct key *
closest_key(enum scope sc, const char *name, size_t n)
{
	const struct key *best = NULL;
	size_t		 i, d, bestd = SIZE_MAX, limit;

	if (n > 64)
		return NULL;
	limit = n / 3 > 2 ? n / 3 : 2;
	for (i = 0; i < NKEYS; i++) {
		if (keys[i].scope != sc)
			continue;
		/* The length difference alone is a lower bound. */
		d = strlen(keys[i].name);
		if (d > n + limit || n > d + limit)
			continue;
		d = levenshtein(name, n, keys[i].name, d);
		if (d < bestd) {
			bestd = d;
			best = &keys[i];
		}
	}
	return bestd <= limit ? best : NULL;
}

static const struct key *
find_key(enum scope sc, const char *name, size_t n, int any_scope)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		if ((any_scope || keys[i].scope == sc) &&
		    strlen(keys[i].name) == n &&
		    memcmp(keys[i].name, name, n) == 0)
			return &keys[i];
	return NULL;
}

/* ---------------------------------------------------------------------
 * Value parsers.  Each checks s (NUL-terminated, may be any bytes) and
 * stores into dst, or appends what was expected to why and returns -1.
 */

static void *
field(const struct key *k, void *base)
{
	return (char *)base + k->off;
}

/* Strict decimal: digits only, no sign, no overflow. */
static int
parse_ull(const char *s, size_t n, unsigned long long *v)
{
	size_t	 i;

	if (n == 0)
		return -1;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (*v > (ULLONG_MAX - (unsigned)(s[i] - '0')) / 10)
			return -1;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

static int
has_ctrl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static void
fmt_size(struct buf *b, unsigned long long v)
{
	if (v != 0 && v % (1ULL << 30) == 0)
		buf_printf(b, "%lluG", v >> 30);
	else if (v != 0 && v % (1ULL << 20) == 0)
		buf_printf(b, "%lluM", v >> 20);
	else if (v != 0 && v % 1024 == 0)
		buf_printf(b, "%lluk", v >> 10);
	else
		buf_printf(b, "%llu", v);
}

static void
fmt_duration(struct buf *b, unsigned long long v)
{
	if (v != 0 && v % 86400 == 0)
		buf_printf(b, "%llud", v / 86400);
	else if (v != 0 && v % 3600 == 0)
		buf_printf(b, "%lluh", v / 3600);
	else if (v != 0 && v % 60 == 0)
		buf_printf(b, "%llum", v / 60);
	else
		buf_printf(b, "%llus", v);
}

/* "must be ... >= min" or "... from min to max", in the key's units. */
static void
range_msg(struct buf *why, const struct key *k, const char *what,
    void (*fmt)(struct buf *, unsigned long long))
{
	unsigned long long top = k->type == CT_SIZE ? ULLONG_MAX : UINT_MAX;

	buf_printf(why, "must be %s ", what);
	if (k->max >= top) {
		buf_puts(why, ">= ");
		fmt(why, k->min);
	} else {
		buf_puts(why, "from ");
		fmt(why, k->min);
		buf_puts(why, " to ");
		fmt(why, k->max);
	}
}

static void
fmt_plain(struct buf *b, unsigned long long v)
{
	buf_printf(b, "%llu", v);
}

static int
p_uint(const struct key *k, const char *s, void *dst, struct buf *why)
{
	unsigned long long v;

	if (parse_ull(s, strlen(s), &v) == -1 || v < k->min || v > k->max) {
		range_msg(why, k, "an integer", fmt_plain);
		return -1;
	}
	if (k->flags & K_INT)
		*(int *)dst = (int)v;
	else
		*(unsigned *)dst = (unsigned)v;
	return 0;
}

/* Splits "123k" into a number and a one-letter suffix multiplier. */
static int
parse_scaled(const char *s, const char *suffixes,
    const unsigned long long *mult, unsigned long long *v)
{
	size_t		 n = strlen(s);
	const char	*p;
	unsigned long long m = 1;

	if (n > 1 && (p = strchr(suffixes, s[n - 1])) != NULL) {
		m = mult[p - suffixes];
		n--;
	}
	if (parse_ull(s, n, v) == -1 || (m != 0 && *v > ULLONG_MAX / m))
		return -1;
	*v *= m;
	return 0;
}

static int
p_size(const struct key *k, const char *s, void *dst, struct buf *why)
{
	static const unsigned long long mult[] = { 1ULL << 10, 1ULL << 10,
		1ULL << 20, 1ULL << 20, 1ULL << 30, 1ULL << 30 };
	unsigned long long v;

	if (parse_scaled(s, "kKmMgG", mult, &v) == -1) {
		buf_puts(why, "must be a size such as 1048576, 512k or 1M");
		return -1;
	}
	if (v < k->min || v > k->max || v > SIZE_MAX) {
		range_msg(why, k, "a size", fmt_size);
		return -1;
	}
	*(size_t *)dst = (size_t)v;
	return 0;
}

static int
p_duration(const struct key *k, const char *s, void *dst, struct buf *why)
{
	static const unsigned long long mult[] = { 1, 60, 3600, 86400 };
	unsigned long long v;

	if (parse_scaled(s, "smhd", mult, &v) == -1) {
		buf_puts(why,
		    "must be a duration such as 30, 30s, 5m, 1h "
		    "or 7d");
		return -1;
	}
	if (v < k->min || v > k->max) {
		range_msg(why, k, "a duration", fmt_duration);
		return -1;
	}
	*(unsigned *)dst = (unsigned)v;
	return 0;
}

static int
p_bool(const struct key *k, const char *s, void *dst, struct buf *why)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };
	size_t	 i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
#ifndef CREWLOG_TEST_ENDPOINTS
			if (k->flags & K_TESTBUILD) {
				buf_puts(why,
				    "this build has no test "
				    "endpoints (./configure "
				    "--enable-test-endpoints)");
				return -1;
			}
#endif
			*(bool *)dst = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*(bool *)dst = false;
			return 0;
		}
	}
	buf_puts(why, "must be yes or no (or on/off, true/false, 1/0)");
	return -1;
}

static int
p_mode(const struct key *k, const char *s, void *dst, struct buf *why)
{
	size_t	 i, n = strlen(s);
	int	 v = 0;

	if (n == 0 || n > 5)
		goto bad;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '7')
			goto bad;
		v = v * 8 + (s[i] - '0');
	}
	if (v > 07777)
		goto bad;
	*(int *)dst = v;
	return 0;
bad:
	buf_puts(why, "must be an octal mode such as 0660");
	return -1;
}

static int
p_enum(const struct key *k, const char *s, void *dst, struct buf *why)
{
	const struct enum_val *e;
	int	 first = 1;

	for (e = k->enums; e->name != NULL; e++) {
		if (strcasecmp(s, e->name) != 0)
			continue;
		if (k->flags & K_LOGLEVEL) {
			free(*(char **)dst);
			*(char **)dst = xstrdup(log_level_names[e->value]);
		} else
			*(int *)dst = e->value;
		return 0;
	}
	buf_puts(why, "must be one of ");
	for (e = k->enums; e->name != NULL; e++) {
		if (!e->shown)
			continue;
		buf_printf(why, "%s%s", first ? "" : ", ", e->name);
		first = 0;
	}
	return -1;
}

static void
set_string(void *dst, const char *s)
{
	free(*(char **)dst);
	*(char **)dst = xstrdup(s);
}

static int
p_string(const struct key *k, const char *s, void *dst, struct buf *why)
{
	if (has_ctrl(s)) {
		buf_puts(why, "must not contain control characters");
		return -1;
	}
	set_string(dst, s);
	return 0;
}

static int
p_path(const struct key *k, const char *s, void *dst, struct buf *why)
{
	if (k->type == CT_LOGPATH && strcmp(s, "-") == 0) {
		set_string(dst, s);
		return 0;
	}
	if (s[0] != '/' || has_ctrl(s)) {
		buf_puts(why,
		    k->type == CT_LOGPATH ?
			"must be an absolute path or \"-\" for standard error" :
			"must be an absolute path");
		return -1;
	}
	set_string(dst, s);
	return 0;
}

static int
p_uripath(const struct key *k, const char *s, void *dst, struct buf *why)
{
	if (s[0] != '/' || has_ctrl(s) || strpbrk(s, " ?#") != NULL) {
		buf_puts(why,
		    "must be a URI path starting with '/' "
		    "(no spaces, '?' or '#')");
		return -1;
	}
	set_string(dst, s);
	return 0;
}

static int
valid_port(const char *s)
{
	unsigned long long v;

	return parse_ull(s, strlen(s), &v) == 0 && v >= 1 && v <= 65535;
}

/* A host name, an IPv4 address or "*" (every address). */
static int
valid_host(const char *s, size_t n)
{
	size_t	 i;

	if (n == 1 && s[0] == '*')
		return 1;
	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != '-' && s[i] != '_')
			return 0;
	return 1;
}

/* Accepts the forms listen takes in php-fpm; see crewlog.conf(5). */
static int
valid_listen(const char *s)
{
	struct sockaddr_un	 sun;
	struct in6_addr		 a6;
	const char		*colon, *close;
	char			 host[INET6_ADDRSTRLEN];

	if (s[0] == '/')
		return strlen(s) < sizeof(sun.sun_path) && !has_ctrl(s);
	if (s[0] == '[') {
		if ((close = strchr(s, ']')) == NULL || close[1] != ':' ||
		    (size_t)(close - s - 1) >= sizeof(host))
			return 0;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		return inet_pton(AF_INET6, host, &a6) == 1 &&
		    valid_port(close + 2);
	}
	if ((colon = strrchr(s, ':')) == NULL)
		return valid_port(s);
	return valid_host(s, (size_t)(colon - s)) && valid_port(colon + 1);
}

static int
p_listen(const struct key *k, const char *s, void *dst, struct buf *why)
{
	if (!valid_listen(s)) {
		buf_puts(why,
		    "must be a unix socket path (absolute, under "
		    "108 bytes), a port, host:port or [ipv6]:port");
		return -1;
	}
	set_string(dst, s);
	return 0;
}

/* php-fpm's listen.allowed_clients: addresses, comma-separated. */
static int
p_clients(const struct key *k, const char *s, void *dst, struct buf *why)
{
	struct in6_addr	 a;
	const char	*p = s, *end;
	char		 one[INET6_ADDRSTRLEN];
	size_t		 n;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strcspn(p, ",");
		n = (size_t)(end - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0 || n >= sizeof(one))
			goto bad;
		memcpy(one, p, n);
		one[n] = '\0';
		if (inet_pton(AF_INET, one, &a) != 1 &&
		    inet_pton(AF_INET6, one, &a) != 1)
			goto bad;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	set_string(dst, s);
	return 0;
bad:
	buf_puts(why, "must be a comma-separated list of IP addresses");
	return -1;
}

typedef int (
    *parse_fn)(const struct key *, const char *, void *, struct buf *);

static const parse_fn parsers[CT__MAX] = {
	[CT_STRING] = p_string,
	[CT_PATH] = p_path,
	[CT_LOGPATH] = p_path,
	[CT_URIPATH] = p_uripath,
	[CT_UINT] = p_uint,
	[CT_SIZE] = p_size,
	[CT_DURATION] = p_duration,
	[CT_BOOL] = p_bool,
	[CT_MODE] = p_mode,
	[CT_ENUM] = p_enum,
	[CT_LISTEN] = p_listen,
	[CT_CLIENTS] = p_clients,
};

/*
 * Parses value into the key's field of base and records where it came
 * from; on a bad value, appends "ORIGIN: key: why, got "value"" and
 * leaves the field as it was.
 */
static void
set_value(struct parser *p, const struct key *k, void *base,
    struct origin *slot, const struct origin *from, const char *value)
{
	struct buf	 why = BUF_INIT;

	free(slot->env);
	slot->line = from->line;
	slot->env = from->env != NULL ? xstrdup(from->env) : NULL;
	slot->ok = 0;
	if (parsers[k->type](k, value, field(k, base), &why) == -1) {
		if (begin_error(p, from)) {
			buf_printf(p->err, "%s: %s, got ", k->name,
			    buf_cstr(&why));
			put_quoted(p->err, value, strlen(value));
			buf_putc(p->err, '\n');
		}
		buf_free(&why);
		return;
	}
	buf_free(&why);
	slot->ok = 1;
}

/* ---------------------------------------------------------------------
 * Lines of the file
 */

static const char *
env_lookup(char **envp, const char *name, size_t n)
{
	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/*
 * Expands ${NAME} at s (which points at '$'); appends the value to out
 * and returns the characters consumed, or -1 after reporting the error.
 * A '$' not followed by '{' is literal (returns 0).
 */
static long
expand_var(struct parser *p, int line, const struct key *k, const char *s,
    const char *end, struct buf *out)
{
	const char	*q, *v;
	size_t		 n;

	if (s + 1 >= end || s[1] != '{')
		return 0;
	for (q = s + 2; q < end && *q != '}'; q++)
		if (!isalnum((unsigned char)*q) && *q != '_')
			break;
	n = (size_t)(q - (s + 2));
	if (q >= end || *q != '}' || n == 0 || isdigit((unsigned char)s[2])) {
		lerrorf(p, line,
		    "%s: malformed ${...}: use ${NAME} with "
		    "letters, digits and '_'",
		    k->name);
		return -1;
	}
	if ((v = env_lookup(p->envp, s + 2, n)) == NULL) {
		lerrorf(p, line,
		    "%s: environment variable ${%.*s} is not "
		    "set",
		    k->name, (int)n, s + 2);
		return -1;
	}
	buf_puts(out, v);
	return (long)(q + 1 - s);
}

/*
 * Turns the raw text after '=' into the value: unquotes, drops a trailing
 * comment, expands ${VAR}.  Returns 0, or -1 after reporting the error.
 */
static int
read_value(struct parser *p, int line, const struct key *k, const char *s,
    const char *end, struct buf *out)
{
	long	 used;
	int	 quoted = 0;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s < end && *s == '"') {
		quoted = 1;
		s++;
	}
	while (s < end) {
		if (quoted && *s == '"')
			break;
		if (!quoted && *s == ';' && out->len > 0 &&
		    (s[-1] == ' ' || s[-1] == '\t'))
			break;
		if (!quoted && *s == ';' && out->len == 0)
			break;
		if (quoted && *s == '\\' && s + 1 < end &&
		    (s[1] == '"' || s[1] == '\\' || s[1] == '$')) {
			buf_putc(out, s[1]);
			s += 2;
			continue;
		}
		if (*s == '$') {
			if ((used = expand_var(p, line, k, s, end, out)) < 0)
				return -1;
			if (used > 0) {
				s += used;
				continue;
			}
		}
		buf_putc(out, *s++);
	}
	if (quoted) {
		if (s >= end) {
			lerrorf(p, line, "%s: missing closing '\"'", k->name);
			return -1;
		}
		for (s++; s < end && (*s == ' ' || *s == '\t'); s++)
			;
		if (s < end && *s != ';' && *s != '#') {
			lerrorf(p, line, "%s: text after the closing '\"'",
			    k->name);
			return -1;
		}
	} else {
		while (out->len > 0 &&
		    (out->data[out->len - 1] == ' ' ||
			out->data[out->len - 1] == '\t'))
			out->data[--out->len] = '\0';
	}
	if (out->len == 0) {
		lerrorf(p, line, "%s: empty value", k->name);
		return -1;
	}
	if (memchr(out->data, '\0', out->len) != NULL) {
		lerrorf(p, line, "%s: NUL byte in value", k->name);
		return -1;
	}
	return 0;
}

static int
valid_pool_name(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > POOL_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '-')
			return 0;
	return 1;
}

/* CREWLOG_<NAME>_: upper case, '-' and '.' as '_'.  Caller frees. */
static char *
env_name(const char *pool, const char *key)
{
	char	*s, *c;

	s = xasprintf("CREWLOG_%s_%s", pool, key != NULL ? key : "");
	for (c = s; *c != '\0'; c++) {
		if (*c == '-' || *c == '.')
			*c = '_';
		else
			*c = (char)toupper((unsigned char)*c);
	}
	return s;
}

static void
new_pool(struct parser *p, const char *name, size_t n, int line)
{
	struct config	*c = p->conf;
	struct section	*sec;
	size_t		 i;

	if (c->npools == MAX_POOLS) {
		lerrorf(p, line, "more than %d pools", MAX_POOLS);
		p->skip = 1;
		return;
	}
	if (c->npools == p->cap) {
		p->cap = p->cap == 0 ? 4 : p->cap * 2;
		c->pools = xreallocarray(c->pools, p->cap, sizeof(*c->pools));
		p->pools = xreallocarray(p->pools, p->cap, sizeof(*p->pools));
	}
	memset(&c->pools[c->npools], 0, sizeof(c->pools[0]));
	memset(&p->pools[c->npools], 0, sizeof(p->pools[0]));
	c->pools[c->npools].name = xstrndup(name, n);
	c->pools[c->npools].listen_mode = -1;
	sec = &p->pools[c->npools];
	sec->line = line;
	sec->envpre = env_name(c->pools[c->npools].name, NULL);
	p->cur = (int)c->npools++;

	/* Two names that differ only in case or '-'/'_' share variables. */
	for (i = 0; i + 1 < c->npools; i++)
		if (strcmp(sec->envpre, p->pools[i].envpre) == 0)
			lerrorf(p, line,
			    "[%s]: same environment prefix %s as "
			    "[%s] on line %d",
			    c->pools[p->cur].name, sec->envpre,
			    c->pools[i].name, p->pools[i].line);
	if (strcmp(sec->envpre, "CREWLOG_GLOBAL_") == 0)
		lerrorf(p, line, "[%s]: pool name is reserved",
		    c->pools[p->cur].name);
}

/* "[name]" with optional blanks and a trailing comment. */
static void
section_line(struct parser *p, int line, const char *s, const char *end)
{
	const char	*close, *name, *rest;
	size_t		 n, i;

	p->skip = 1;
	p->cur = -2;
	if ((close = memchr(s, ']', (size_t)(end - s))) == NULL) {
		lerrorf(p, line, "missing ']' in section header");
		return;
	}
	for (rest = close + 1; rest < end && (*rest == ' ' || *rest == '\t');
	     rest++)
		;
	if (rest < end && *rest != ';' && *rest != '#') {
		lerrorf(p, line, "text after section header");
		return;
	}
	for (name = s + 1; name < close && (*name == ' ' || *name == '\t');
	     name++)
		;
	for (n = (size_t)(close - name);
	     n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'); n--)
		;
	if (n == 6 && memcmp(name, "global", 6) == 0) {
		if (p->global.line > 0) {
			lerrorf(p, line,
			    "[global]: duplicate section (first "
			    "on line %d)",
			    p->global.line);
			return;
		}
		p->global.line = line;
		p->cur = -1;
		p->skip = 0;
		return;
	}
	if (!valid_pool_name(name, n)) {
		struct origin o = { line, NULL, 0 };

		if (!begin_error(p, &o))
			return;
		buf_putc(p->err, '[');
		put_quoted(p->err, name, n);
		buf_puts(p->err,
		    "]: pool name must be 1 to 32 characters "
		    "of A-Z, a-z, 0-9, '_' and '-'\n");
		return;
	}
	for (i = 0; i < p->conf->npools; i++) {
		if (strlen(p->conf->pools[i].name) == n &&
		    memcmp(p->conf->pools[i].name, name, n) == 0) {
			lerrorf(p, line,
			    "[%.*s]: duplicate pool (first on "
			    "line %d)",
			    (int)n, name, p->pools[i].line);
			return;
		}
	}
	p->skip = 0;
	new_pool(p, name, n, line);
}

/* A key the section does not have: another section's, a typo, or junk. */
static void
unknown_key(struct parser *p, int line, enum scope sc, const char *s, size_t n)
{
	const struct key *k;
	struct origin	 here = { line, NULL, 0 };

	if ((k = find_key(sc, s, n, 1)) != NULL)
		lerrorf(p, line, "%s: not allowed in %s (it is a %s key)",
		    k->name, sc == SC_GLOBAL ? "[global]" : "a pool section",
		    sc == SC_GLOBAL ? "pool" : "[global]");
	else if (p->nerr < MAX_ERRORS && (k = closest_key(sc, s, n)) != NULL)
		lerrorf(p, line, "%.*s: unknown key (did you mean \"%s\"?)",
		    (int)n, s, k->name);
	else if (begin_error(p, &here)) {
		put_quoted(p->err, s, n);
		buf_puts(p->err, ": unknown key\n");
	}
}

static void
key_line(struct parser *p, int line, const char *s, const char *end)
{
	const struct key *k;
	const char	*eq, *kend;
	struct section	*sec;
	struct buf	 val = BUF_INIT;
	struct origin	 here = { line, NULL, 0 };
	enum scope	 sc;
	void		*base;
	size_t		 kn;

	if ((eq = memchr(s, '=', (size_t)(end - s))) == NULL) {
		if (begin_error(p, &here)) {
			buf_puts(p->err, "expected \"key = value\", got ");
			put_quoted(p->err, s, (size_t)(end - s));
			buf_putc(p->err, '\n');
		}
		return;
	}
	for (kend = eq; kend > s && (kend[-1] == ' ' || kend[-1] == '\t');
	     kend--)
		;
	kn = (size_t)(kend - s);
	if (kn == 0) {
		lerrorf(p, line, "missing key before '='");
		return;
	}
	if (p->skip)
		return;		/* the bad header was reported */
	if (p->cur == -2) {
		lerrorf(p, line,
		    "%.*s: key outside any section (add [global] "
		    "or [poolname] above it)",
		    (int)kn, s);
		return;
	}
	sc = p->cur == -1 ? SC_GLOBAL : SC_POOL;
	if ((k = find_key(sc, s, kn, 0)) == NULL) {
		unknown_key(p, line, sc, s, kn);
		return;
	}
	if (sc == SC_GLOBAL) {
		sec = &p->global;
		base = p->conf;
	} else {
		sec = &p->pools[p->cur];
		base = &p->conf->pools[p->cur];
	}
	if (read_value(p, line, k, eq + 1, end, &val) == -1) {
		/* Given, though wrongly: not "required" on top. */
		if (sec->org[k - keys].line == 0)
			sec->org[k - keys].line = line;
		goto out;
	}
	if (sec->org[k - keys].line > 0) {
		lerrorf(p, line, "%s: duplicate key (first set on line %d)",
		    k->name, sec->org[k - keys].line);
		goto out;
	}
	set_value(p, k, base, &sec->org[k - keys], &here, val.data);
out:
	buf_free(&val);
}

static void
parse_text(struct parser *p, const char *text, size_t len)
{
	const char	*s = text, *end, *nl, *lend = text + len;
	int		 line = 0;

	while (s < lend) {
		line++;
		nl = memchr(s, '\n', (size_t)(lend - s));
		end = nl != NULL ? nl : lend;
		if (end > s && end[-1] == '\r')
			end--;
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (s < end && *s != ';' && *s != '#') {
			if (*s == '[')
				section_line(p, line, s, end);
			else
				key_line(p, line, s, end);
		}
		if (nl == NULL)
			break;
		s = nl + 1;
	}
}

/* ---------------------------------------------------------------------
 * Environment overrides
 */

/* The key of scope sc whose variable form equals s[0..n), or NULL. */
static const struct key *
env_key(enum scope sc, const char *s, size_t n)
{
	const char	*k;
	size_t		 i, j;
	char		 c;

	for (i = 0; i < NKEYS; i++) {
		if (keys[i].scope != sc)
			continue;
		k = keys[i].name;
		for (j = 0; j < n && k[j] != '\0'; j++) {
			c = (char)toupper((unsigned char)k[j]);
			if ((c == '.' ? '_' : c) != s[j])
				break;
		}
		if (j == n && k[j] == '\0')
			return &keys[i];
	}
	return NULL;
}

/* Closest variable name for an unknown key under a known prefix. */
static void
env_suggest(struct parser *p, const char *var, size_t nvar, const char *pre,
    enum scope sc)
{
	char	*e, *best = NULL;
	size_t	 i, d, bestd = SIZE_MAX, limit;

	limit = nvar / 6 > 2 ? nvar / 6 : 2;
	for (i = 0; i < NKEYS && nvar <= 64; i++) {
		if (keys[i].scope != sc)
			continue;
		e = env_name(pre, keys[i].name);
		d = strlen(e);
		if (d > nvar + limit || nvar > d + limit) {
			free(e);
			continue;
		}
		d = levenshtein(var, nvar, e, d);
		if (d < bestd && d <= limit) {
			free(best);
			best = e;
			bestd = d;
		} else
			free(e);
	}
	if (best != NULL)
		buf_printf(p->err, " (did you mean \"%s\"?)", best);
	free(best);
}

/* Section i counting the pools first and [global] last, as env_one does. */
static struct section *
section_at(struct parser *p, size_t i, void **base, enum scope *sc)
{
	if (i == p->conf->npools) {
		*base = p->conf;
		*sc = SC_GLOBAL;
		return &p->global;
	}
	*base = &p->conf->pools[i];
	*sc = SC_POOL;
	return &p->pools[i];
}

/*
 * Which sections' prefixes var starts with: returns how many of them
 * have the rest of var as a key, the last such in *hit and *hitk, and
 * the section with the longest matching prefix in *best (-1: none).
 */
static int
env_match(struct parser *p, const char *var, long *hit,
    const struct key **hitk, long *best)
{
	const struct key *k;
	const char	*pre;
	size_t		 i, plen, best_plen = 0;
	int		 nhits = 0;

	*best = -1;
	for (i = 0; i <= p->conf->npools; i++) {
		pre = i == p->conf->npools ? "CREWLOG_GLOBAL_" :
					     p->pools[i].envpre;
		plen = strlen(pre);
		if (strncmp(var, pre, plen) != 0)
			continue;
		k = env_key(i == p->conf->npools ? SC_GLOBAL : SC_POOL,
		    var + plen, strlen(var + plen));
		if (k != NULL) {
			nhits++;
			*hit = (long)i;
			*hitk = k;
		}
		if (plen > best_plen) {
			best_plen = plen;
			*best = (long)i;
		}
	}
	return nhits;
}

/*
 * One CREWLOG_* variable: finds the section and key it names.  The
 * longest matching section prefix decides which section an unknown key
 * is reported for; several sections matching a known key is ambiguous.
 */
static void
env_one(struct parser *p, const char *entry)
{
	const struct key *k = NULL;
	const char	*eq;
	struct origin	 from = { 0, NULL, 0 };
	struct section	*sec;
	enum scope	 sc;
	void		*base;
	long		 hit = -1, best;
	int		 nhits;

	if ((eq = strchr(entry, '=')) == NULL || eq[1] == '\0')
		return;		/* empty counts as unset */
	from.env = xstrndup(entry, (size_t)(eq - entry));
	if (strcmp(from.env, "CREWLOG_DATABASE_URL") == 0)
		goto out;	/* applied afterwards, see env_database_url */
	nhits = env_match(p, from.env, &hit, &k, &best);
	if (nhits > 1)
		errorf(p, &from,
		    "ambiguous: names a key of more than one "
		    "section");
	else if (nhits == 1) {
		sec = section_at(p, (size_t)hit, &base, &sc);
		set_value(p, k, base, &sec->org[k - keys], &from, eq + 1);
	} else if (best != -1 && begin_error(p, &from)) {
		/* A pool of ours (or [global]) but no key of it. */
		buf_puts(p->err, "unknown key");
		(void)section_at(p, (size_t)best, &base, &sc);	/* sc only */
		env_suggest(p, from.env, strlen(from.env),
		    sc == SC_GLOBAL ? "GLOBAL" : p->conf->pools[best].name,
		    sc);
		buf_putc(p->err, '\n');
	}
	/*
	 * Otherwise no section matched: another program's variable or a
	 * pool of another config, ignored by design.
	 */
out:
	free(from.env);
}

/* CREWLOG_DATABASE_URL fills database_url wherever it is still unset. */
static void
env_database_url(struct parser *p)
{
	const struct key *k = find_key(SC_POOL, "database_url", 12, 0);
	struct origin	 from = { 0, "CREWLOG_DATABASE_URL", 0 };
	struct origin	*o;
	const char	*v;
	size_t		 i;

	v = env_lookup(p->envp, from.env, strlen(from.env));
	if (v == NULL || *v == '\0')
		return;
	for (i = 0; i < p->conf->npools; i++) {
		o = &p->pools[i].org[k - keys];
		if (o->line == 0 && o->env == NULL)
			set_value(p, k, &p->conf->pools[i], o, &from, v);
	}
}

/* ---------------------------------------------------------------------
 * Defaults and checks across keys
 */

static int
is_set(const struct section *sec, const char *name)
{
	const struct key *k = find_key(SC_POOL, name, strlen(name), 0);

	return sec->org[k - keys].ok;
}

static int
is_bad(const struct section *sec, const char *name)
{
	const struct key *k = find_key(SC_POOL, name, strlen(name), 0);

	return (sec->org[k - keys].line > 0 ||
		   sec->org[k - keys].env != NULL) &&
	    !sec->org[k - keys].ok;
}

/* Whether the key was given at all, rightly or not. */
static int
is_given(const struct section *sec, size_t i)
{
	return sec->org[i].line > 0 || sec->org[i].env != NULL;
}

static void
apply_defaults(struct parser *p, enum scope sc, void *base,
    struct section *sec)
{
	struct origin	 none = { 0, NULL, 0 }, scratch;
	size_t		 i;
	int		 nerr = (int)p->nerr;

	for (i = 0; i < NKEYS; i++) {
		if (keys[i].scope != sc || keys[i].def == NULL ||
		    is_given(sec, i))
			continue;
		scratch = none;
		set_value(p, &keys[i], base, &scratch, &none, keys[i].def);
	}
	/* The defaults are constants; a failure is a bug in keys[]. */
	if ((int)p->nerr != nerr)
		abort();
}

/* The origin to blame for a check on a and b: the first one set. */
static const struct origin *
blame(const struct section *sec, const char *a, const char *b)
{
	const struct key *k;

	k = find_key(SC_POOL, a, strlen(a), 0);
	if (is_set(sec, a))
		return &sec->org[k - keys];
	if (b != NULL && is_set(sec, b)) {
		k = find_key(SC_POOL, b, strlen(b), 0);
		return &sec->org[k - keys];
	}
	return NULL;
}

/* "ORIGIN: [pool]: A (x) must be <= B (y)" when x > y. */
static void
check_le(struct parser *p, size_t i, const char *a, unsigned x, const char *b,
    unsigned y)
{
	if (x <= y)
		return;
	errorf(p, blame(&p->pools[i], a, b),
	    "[%s]: %s (%u) must be <= %s "
	    "(%u)",
	    p->conf->pools[i].name, a, x, b, y);
}

/* php-fpm's process manager checks and derived values. */
static void
check_pm(struct parser *p, size_t i)
{
	struct pool_config *pc = &p->conf->pools[i];
	struct section	*sec = &p->pools[i];
	unsigned	 mc = pc->max_children;

	switch (pc->pm) {
	case PM_DYNAMIC:
		/* Unset spares follow php-fpm's sample www.conf (1, 3). */
		if (!is_set(sec, "pm.min_spare_servers"))
			pc->min_spare_servers = 1;
		if (!is_set(sec, "pm.max_spare_servers")) {
			pc->max_spare_servers = mc < 3 ? mc : 3;
			if (pc->max_spare_servers < pc->min_spare_servers)
				pc->max_spare_servers = pc->min_spare_servers;
		}
		check_le(p, i, "pm.min_spare_servers", pc->min_spare_servers,
		    "pm.max_children", mc);
		if (is_set(sec, "pm.max_spare_servers")) {
			check_le(p, i, "pm.max_spare_servers",
			    pc->max_spare_servers, "pm.max_children", mc);
			check_le(p, i, "pm.min_spare_servers",
			    pc->min_spare_servers, "pm.max_spare_servers",
			    pc->max_spare_servers);
		}
		if (pc->min_spare_servers > pc->max_spare_servers)
			break;	/* reported above */
		if (!is_set(sec, "pm.start_servers"))
			pc->start_servers = pc->min_spare_servers +
			    (pc->max_spare_servers - pc->min_spare_servers) /
				2;
		else if (pc->start_servers < pc->min_spare_servers ||
		    pc->start_servers > pc->max_spare_servers)
			errorf(p, blame(sec, "pm.start_servers", NULL),
			    "[%s]: pm.start_servers (%u) must be between "
			    "pm.min_spare_servers (%u) and pm.max_spare_servers"
			    " (%u)",
			    pc->name, pc->start_servers, pc->min_spare_servers,
			    pc->max_spare_servers);
		break;
	case PM_ONDEMAND:
		if (pc->process_idle_timeout == 0)
			errorf(p, blame(sec, "pm.process_idle_timeout", "pm"),
			    "[%s]: pm.process_idle_timeout (0) must be > 0 "
			    "with pm = ondemand",
			    pc->name);
		pc->start_servers = 0;
		pc->min_spare_servers = pc->max_spare_servers = 0;
		break;
	default:
		pc->start_servers = mc;
		pc->min_spare_servers = pc->max_spare_servers = 0;
		break;
	}
}

static void
check_pool(struct parser *p, size_t i)
{
	struct pool_config *pc = &p->conf->pools[i];
	struct section	*sec = &p->pools[i];
	size_t		 k;

	for (k = 0; k < NKEYS; k++)
		if (keys[k].scope == SC_POOL && (keys[k].flags & K_REQUIRED) &&
		    !is_given(sec, k))
			errorf(p, NULL, "[%s]: %s: required", pc->name,
			    keys[k].name);
	/* A bad value was reported; checks on a stand-in would mislead. */
	if (is_set(sec, "pm.max_children") && !is_bad(sec, "pm") &&
	    !is_bad(sec, "pm.start_servers") &&
	    !is_bad(sec, "pm.min_spare_servers") &&
	    !is_bad(sec, "pm.max_spare_servers") &&
	    !is_bad(sec, "pm.process_idle_timeout"))
		check_pm(p, i);
	if (pc->max_requests > 0 &&
	    pc->max_requests_jitter >= pc->max_requests)
		errorf(p,
		    blame(sec, "pm.max_requests_jitter", "pm.max_requests"),
		    "[%s]: pm.max_requests_jitter (%u) "
		    "must be < pm.max_requests (%u)",
		    pc->name, pc->max_requests_jitter, pc->max_requests);
	if (pc->status_path != NULL && pc->ping_path != NULL &&
	    strcmp(pc->status_path, pc->ping_path) == 0)
		errorf(p, blame(sec, "ping.path", NULL),
		    "[%s]: "
		    "pm.status_path (%s) and ping.path (%s) must differ",
		    pc->name, pc->status_path, pc->ping_path);
}

/* The origin of a pool's string key, for "already used" messages. */
static const struct origin *
origin_of(struct parser *p, size_t i, const char *name)
{
	const struct key *k = find_key(SC_POOL, name, strlen(name), 0);

	return &p->pools[i].org[k - keys];
}

/* Every listen and status_listen address must be distinct. */
static void
check_sockets(struct parser *p)
{
	static const char *const names[] = { "listen", "pm.status_listen" };
	struct pool_config *a, *b;
	const char	*sa, *sb;
	size_t		 i, j, x, y;

	for (i = 0; i < p->conf->npools; i++)
		for (x = 0; x < 2; x++) {
			a = &p->conf->pools[i];
			sa = x == 0 ? a->listen : a->status_listen;
			if (sa == NULL)
				continue;
			/* Compare with everything before (i, x) in the same order. */
			for (j = 0; j <= i; j++)
				for (y = 0; y < 2; y++) {
					if (j == i && y >= x)
						break;
					b = &p->conf->pools[j];
					sb = y == 0 ? b->listen :
						      b->status_listen;
					if (sb == NULL || strcmp(sa, sb) != 0)
						continue;
					errorf(p, origin_of(p, i, names[x]),
					    "[%s]: %s: \"%s\" "
					    "is already used by %s of [%s]",
					    a->name, names[x], sa, names[y],
					    b->name);
				}
		}
}

static void
check_global(struct parser *p)
{
	struct config	*c = p->conf;
	const struct key *k;

	if (c->emergency_restart_threshold > 0 &&
	    c->emergency_restart_interval == 0) {
		k = find_key(SC_GLOBAL, "emergency_restart_threshold", 27, 0);
		errorf(p, &p->global.org[k - keys],
		    "[global]: "
		    "emergency_restart_threshold (%u) needs "
		    "emergency_restart_interval > 0",
		    c->emergency_restart_threshold);
	}
}

/* ---------------------------------------------------------------------
 * Public interface
 */

static void
free_section(struct section *sec)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		free(sec->org[i].env);
	free(sec->envpre);
}

/*
 * Parses text (len bytes, any content) named name in messages.  Returns
 * a config the caller frees with config_free(), or NULL with every
 * problem appended to err, one per line.
 */
struct config *
config_parse(const char *name, const char *text, size_t len, char **envp,
    struct buf *err)
{
	struct parser	 p;
	char		**e;
	size_t		 i;

	memset(&p, 0, sizeof(p));
	p.name = name;
	p.envp = envp;
	p.err = err;
	p.cur = -2;
	p.conf = xcalloc(1, sizeof(*p.conf));
	p.conf->path = xstrdup(name);

	parse_text(&p, text, len);
	for (e = envp; e != NULL && *e != NULL; e++)
		if (strncmp(*e, "CREWLOG_", 8) == 0)
			env_one(&p, *e);
	env_database_url(&p);

	apply_defaults(&p, SC_GLOBAL, p.conf, &p.global);
	check_global(&p);
	if (p.conf->npools == 0 && p.nerr == 0)
		errorf(&p, NULL,
		    "no pool defined (add a [www] section with "
		    "listen and pm.max_children)");
	for (i = 0; i < p.conf->npools; i++) {
		apply_defaults(&p, SC_POOL, &p.conf->pools[i], &p.pools[i]);
		check_pool(&p, i);
	}
	check_sockets(&p);

	free_section(&p.global);
	for (i = 0; i < p.conf->npools; i++)
		free_section(&p.pools[i]);
	free(p.pools);
	if (p.nerr > 0) {
		config_free(p.conf);
		return NULL;
	}
	return p.conf;
}

/*
 * Reads the file at path and parses it; see config_parse().  A file that
 * cannot be read is one error naming the path and the reason.
 */
struct config *
config_load(const char *path, char **envp, struct buf *err)
{
	struct config	*c = NULL;
	struct buf	 text = BUF_INIT;
	FILE		*f;
	char		 chunk[8192];
	size_t		 n;

	if ((f = fopen(path, "r")) == NULL) {
		buf_printf(err, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (text.len + n > MAX_FILE) {
			buf_printf(err, "%s: larger than %luM\n", path,
			    MAX_FILE >> 20);
			goto out;
		}
		buf_append(&text, chunk, n);
	}
	if (ferror(f)) {
		buf_printf(err, "%s: %s\n", path, strerror(errno));
		goto out;
	}
	c = config_parse(path, text.data != NULL ? text.data : "", text.len,
	    envp, err);
out:
	fclose(f);
	buf_free(&text);
	return c;
}

/* ---------------------------------------------------------------------
 * Writing a configuration back
 */

/* A string value, quoted when reading it back would change it. */
static void
dump_string(struct buf *out, const char *s)
{
	size_t	 n = strlen(s);
	int	 quote;

	quote = n == 0 || s[0] == ' ' || s[0] == '\t' || s[0] == '"' ||
	    s[n - 1] == ' ' || s[n - 1] == '\t' || strpbrk(s, ";$\\") != NULL;
	if (!quote) {
		buf_puts(out, s);
		return;
	}
	buf_putc(out, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\' || *s == '$')
			buf_putc(out, '\\');
		buf_putc(out, *s);
	}
	buf_putc(out, '"');
}

static void
dump_key(struct buf *out, const struct key *k, const void *base)
{
	const void		*f = (const char *)base + k->off;
	const struct enum_val	*e;
	const char		*str;
	int			 iv;

	switch (k->type) {
	case CT_UINT:
		if (k->flags & K_INT)
			buf_printf(out, "%s = %d\n", k->name, *(const int *)f);
		else
			buf_printf(out, "%s = %u\n", k->name,
			    *(const unsigned *)f);
		return;
	case CT_SIZE:
		buf_printf(out, "%s = ", k->name);
		fmt_size(out, *(const size_t *)f);
		buf_putc(out, '\n');
		return;
	case CT_DURATION:
		buf_printf(out, "%s = ", k->name);
		fmt_duration(out, *(const unsigned *)f);
		buf_putc(out, '\n');
		return;
	case CT_BOOL:
		buf_printf(out, "%s = %s\n", k->name,
		    *(const bool *)f ? "yes" : "no");
		return;
	case CT_MODE:
		if ((iv = *(const int *)f) < 0)
			buf_printf(out, "; %s is not set\n", k->name);
		else
			buf_printf(out, "%s = %04o\n", k->name, (unsigned)iv);
		return;
	case CT_ENUM:
		if (!(k->flags & K_LOGLEVEL)) {
			iv = *(const int *)f;
			for (e = k->enums; e->name != NULL; e++)
				if (e->shown && e->value == iv)
					break;
			buf_printf(out, "%s = %s\n", k->name,
			    e->name != NULL ? e->name : "?");
			return;
		}
		/* FALLTHROUGH */
	default:
		if ((str = *(char *const *)f) == NULL) {
			buf_printf(out, "; %s is not set\n", k->name);
			return;
		}
		buf_printf(out, "%s = ", k->name);
		dump_string(out, str);
		buf_putc(out, '\n');
		return;
	}
}

void
config_dump(const struct config *c, struct buf *out)
{
	size_t	 i, j;

	buf_puts(out, "[global]\n");
	for (j = 0; j < NKEYS; j++)
		if (keys[j].scope == SC_GLOBAL)
			dump_key(out, &keys[j], c);
	for (i = 0; i < c->npools; i++) {
		buf_printf(out, "\n[%s]\n", c->pools[i].name);
		for (j = 0; j < NKEYS; j++) {
			if (keys[j].scope != SC_POOL)
				continue;
			/* Derived, and out of range, outside dynamic. */
			if (c->pools[i].pm != PM_DYNAMIC &&
			    (strcmp(keys[j].name, "pm.start_servers") == 0 ||
				strstr(keys[j].name, "_spare_servers") !=
				    NULL)) {
				buf_printf(out,
				    "; %s is not used with "
				    "pm = %s\n",
				    keys[j].name,
				    config_pm_name(c->pools[i].pm));
				continue;
			}
			dump_key(out, &keys[j], &c->pools[i]);
		}
	}
}

int
config_test(const char *path, char **envp, int dump, FILE *out)
{
	struct buf	 b = BUF_INIT;
	struct config	*c;
	int		 status = 1;

	if ((c = config_load(path, envp, &b)) == NULL)
		goto out;
	if (dump)
		config_dump(c, &b);
	buf_printf(&b, "crewlog: configuration file %s test is successful\n",
	    path);
	status = 0;
out:
	if (fwrite(b.data, 1, b.len, out) != b.len || fflush(out) == EOF)
		status = 1;
	config_free(c);
	buf_free(&b);
	return status;
}

static void
free_strings(enum scope sc, void *base)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++) {
		if (keys[i].scope != sc)
			continue;
		switch (keys[i].type) {
		case CT_STRING:
		case CT_PATH:
		case CT_LOGPATH:
		case CT_URIPATH:
		case CT_LISTEN:
		case CT_CLIENTS:
			free(*(char **)field(&keys[i], base));
			break;
		case CT_ENUM:
			if (keys[i].flags & K_LOGLEVEL)
				free(*(char **)field(&keys[i], base));
			break;
		default:
			break;
		}
	}
}

void
config_free(struct config *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->npools; i++) {
		free_strings(SC_POOL, &c->pools[i]);
		free(c->pools[i].name);
	}
	free(c->pools);
	free_strings(SC_GLOBAL, c);
	free(c->path);
	free(c);
}

const char *
config_pm_name(enum pm_mode m)
{
	switch (m) {
	case PM_STATIC:
		return "static";
	case PM_DYNAMIC:
		return "dynamic";
	case PM_ONDEMAND:
		return "ondemand";
	default:
		return "unknown";
	}
}

const char *
config_service_name(int s)
{
	const struct enum_val	*e;

	for (e = service_enum; e->name != NULL; e++)
		if (e->value == s)
			return e->name;
	return "unknown";
}
