/*
 * test_config.c: crewlog.conf parsing, one test per behaviour and per
 * error message (matched exactly, since operators and scripts read them).
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "config.h"

#define POOL	"[www]\nlisten = /run/www.sock\npm.max_children = 5\n"

static char	*no_env[] = { NULL };

/* Parses text as "crewlog.conf"; the errors land in err. */
static struct config *
parse_env(const char *text, char **envp, struct buf *err)
{
	buf_reset(err);
	return config_parse("crewlog.conf", text, strlen(text), envp, err);
}

/* Parsing must succeed with no message at all. */
static struct config *
ok_env(const char *text, char **envp)
{
	struct buf	 err = BUF_INIT;
	struct config	*c;

	c = parse_env(text, envp, &err);
	if (c == NULL)
		fail_msg("unexpected errors:\n%s", buf_cstr(&err));
	assert_int_equal(err.len, 0);
	buf_free(&err);
	return c;
}

static struct config *
ok(const char *text)
{
	return ok_env(text, no_env);
}

/* Parsing must fail with exactly the messages in want. */
static void
fails_env(const char *text, char **envp, const char *want)
{
	struct buf	 err = BUF_INIT;
	struct config	*c;

	c = parse_env(text, envp, &err);
	assert_null(c);
	assert_string_equal(buf_cstr(&err), want);
	buf_free(&err);
}

static void
fails(const char *text, const char *want)
{
	fails_env(text, no_env, want);
}

/* ------------------------------------------------------------------ */
/* Defaults and values */

static void
test_defaults(void **state)
{
	struct config	*c;
	struct pool_config *p;

	(void)state;
	c = ok(POOL);
	assert_string_equal(c->path, "crewlog.conf");
	assert_null(c->pid_file);
	assert_string_equal(c->error_log, "-");
	assert_string_equal(c->log_level, "info");
	assert_int_equal(c->process_control_timeout, 10);
	assert_int_equal(c->emergency_restart_threshold, 0);
	assert_int_equal(c->emergency_restart_interval, 0);
	assert_false(c->daemonize);
	assert_int_equal(c->npools, 1);
	p = &c->pools[0];
	assert_string_equal(p->name, "www");
	assert_string_equal(p->listen, "/run/www.sock");
	assert_int_equal(p->listen_backlog, 511);
	assert_null(p->listen_owner);
	assert_null(p->listen_group);
	assert_int_equal(p->listen_mode, -1);
	assert_null(p->listen_allowed_clients);
	assert_int_equal(p->pm, PM_DYNAMIC);
	assert_int_equal(p->max_children, 5);
	/* php-fpm: start = min_spare + (max_spare - min_spare) / 2 */
	assert_int_equal(p->min_spare_servers, 1);
	assert_int_equal(p->max_spare_servers, 3);
	assert_int_equal(p->start_servers, 2);
	assert_int_equal(p->process_idle_timeout, 10);
	assert_int_equal(p->max_requests, 0);
	assert_int_equal(p->max_requests_jitter, 0);
	assert_null(p->status_path);
	assert_null(p->status_listen);
	assert_null(p->ping_path);
	assert_string_equal(p->ping_response, "pong");
	assert_int_equal(p->request_terminate_timeout, 0);
	assert_int_equal(p->request_slowlog_timeout, 0);
	assert_null(p->slowlog);
	assert_null(p->user);
	assert_null(p->group);
	assert_int_equal(p->rlimit_files, 0);
	assert_true(p->catch_workers_output);
	assert_int_equal(p->request_body_limit, 1024 * 1024);
	assert_int_equal(p->json_depth_limit, 32);
	assert_null(p->database_url);
	assert_string_equal(p->templates, PKGDATADIR "/templates");
	assert_string_equal(p->htdocs, PKGDATADIR "/htdocs");
	assert_int_equal(p->pwhash_opslimit, 0);
	assert_int_equal(p->pwhash_memlimit, 0);
	assert_int_equal(p->session_ttl, 7 * 86400);
	assert_int_equal(p->cookie_secure, -1);
	assert_int_equal(p->login_max_attempts, 5);
	assert_int_equal(p->signup_max_attempts, 20);
	assert_int_equal(p->signup_window, 3600);
	assert_int_equal(p->login_window, 300);
	assert_int_equal(p->leaderboard_cache, 2);
	assert_int_equal(p->leaderboard_cache_ttl, 1);
	assert_false(p->test_endpoints);
	assert_int_equal(p->service, SVC_ALL);
	config_free(c);
}

static void
test_every_key(void **state)
{
	struct config	*c;
	struct pool_config *p;

	(void)state;
	c = ok("[global]\n"
	       "pid = /run/crewlog.pid\n"
	       "error_log = /var/log/crewlog.log\n"
	       "log_level = warning\n"
	       "process_control_timeout = 1m\n"
	       "emergency_restart_threshold = 10\n"
	       "emergency_restart_interval = 1h\n"
	       "daemonize = yes\n"
	       "[www]\n"
	       "listen = 127.0.0.1:9000\n"
	       "listen.backlog = 1024\n"
	       "listen.owner = www-data\n"
	       "listen.group = www-data\n"
	       "listen.mode = 0660\n"
	       "listen.allowed_clients = 127.0.0.1, ::1\n"
	       "pm = dynamic\n"
	       "pm.max_children = 20\n"
	       "pm.start_servers = 6\n"
	       "pm.min_spare_servers = 4\n"
	       "pm.max_spare_servers = 8\n"
	       "pm.process_idle_timeout = 30s\n"
	       "pm.max_requests = 500\n"
	       "pm.max_requests_jitter = 50\n"
	       "pm.status_path = /status\n"
	       "pm.status_listen = 127.0.0.1:9001\n"
	       "ping.path = /ping\n"
	       "ping.response = I am alive\n"
	       "request_terminate_timeout = 2m\n"
	       "request_slowlog_timeout = 5\n"
	       "slowlog = /var/log/crewlog.slow\n"
	       "user = crewlog\n"
	       "group = crewlog\n"
	       "rlimit_files = 4096\n"
	       "catch_workers_output = off\n"
	       "request_body_limit = 512k\n"
	       "json_depth_limit = 16\n"
	       "database_url = postgresql://crew@localhost/crewlog\n"
	       "templates = /srv/templates\n"
	       "htdocs = /srv/htdocs\n"
	       "auth.pwhash_opslimit = 3\n"
	       "auth.pwhash_memlimit = 64M\n"
	       "session_ttl = 1d\n"
	       "cookie_secure = yes\n"
	       "login.max_attempts = 10\n"
	       "login.window = 10m\n"
	       "leaderboard_cache = off\n"
	       "test_endpoints = false\n"
	       "service = board\n");
	assert_string_equal(c->pid_file, "/run/crewlog.pid");
	assert_string_equal(c->error_log, "/var/log/crewlog.log");
	assert_string_equal(c->log_level, "warn");
	assert_int_equal(c->process_control_timeout, 60);
	assert_int_equal(c->emergency_restart_threshold, 10);
	assert_int_equal(c->emergency_restart_interval, 3600);
	assert_true(c->daemonize);
	p = &c->pools[0];
	assert_string_equal(p->listen, "127.0.0.1:9000");
	assert_int_equal(p->listen_backlog, 1024);
	assert_string_equal(p->listen_owner, "www-data");
	assert_string_equal(p->listen_group, "www-data");
	assert_int_equal(p->listen_mode, 0660);
	assert_string_equal(p->listen_allowed_clients, "127.0.0.1, ::1");
	assert_int_equal(p->max_children, 20);
	assert_int_equal(p->start_servers, 6);
	assert_int_equal(p->min_spare_servers, 4);
	assert_int_equal(p->max_spare_servers, 8);
	assert_int_equal(p->process_idle_timeout, 30);
	assert_int_equal(p->max_requests, 500);
	assert_int_equal(p->max_requests_jitter, 50);
	assert_string_equal(p->status_path, "/status");
	assert_string_equal(p->status_listen, "127.0.0.1:9001");
	assert_string_equal(p->ping_path, "/ping");
	assert_string_equal(p->ping_response, "I am alive");
	assert_int_equal(p->request_terminate_timeout, 120);
	assert_int_equal(p->request_slowlog_timeout, 5);
	assert_string_equal(p->slowlog, "/var/log/crewlog.slow");
	assert_string_equal(p->user, "crewlog");
	assert_string_equal(p->group, "crewlog");
	assert_int_equal(p->rlimit_files, 4096);
	assert_false(p->catch_workers_output);
	assert_int_equal(p->request_body_limit, 512 * 1024);
	assert_int_equal(p->json_depth_limit, 16);
	assert_string_equal(p->database_url,
	    "postgresql://crew@localhost/crewlog");
	assert_string_equal(p->templates, "/srv/templates");
	assert_string_equal(p->htdocs, "/srv/htdocs");
	assert_int_equal(p->pwhash_opslimit, 3);
	assert_int_equal(p->pwhash_memlimit, 64 * 1024 * 1024);
	assert_int_equal(p->session_ttl, 86400);
	assert_int_equal(p->cookie_secure, 1);
	assert_int_equal(p->login_max_attempts, 10);
	assert_int_equal(p->login_window, 600);
	assert_int_equal(p->leaderboard_cache, 0);
	assert_false(p->test_endpoints);
	assert_int_equal(p->service, SVC_BOARD);
	config_free(c);
}

static void
test_pm_static_and_ondemand(void **state)
{
	struct config	*c;

	(void)state;
	c = ok("[a]\nlisten = /a\npm = static\npm.max_children = 4\n"
	       "pm.min_spare_servers = 9\n" /* ignored for static */
	       "[b]\nlisten = /b\npm = ondemand\npm.max_children = 8\n"
	       "pm.process_idle_timeout = 3s\n");
	assert_int_equal(c->npools, 2);
	assert_int_equal(c->pools[0].pm, PM_STATIC);
	assert_int_equal(c->pools[0].start_servers, 4);
	assert_int_equal(c->pools[0].min_spare_servers, 0);
	assert_int_equal(c->pools[1].pm, PM_ONDEMAND);
	assert_int_equal(c->pools[1].start_servers, 0);
	assert_int_equal(c->pools[1].max_spare_servers, 0);
	assert_int_equal(c->pools[1].process_idle_timeout, 3);
	assert_string_equal(config_pm_name(c->pools[0].pm), "static");
	assert_string_equal(config_pm_name(c->pools[1].pm), "ondemand");
	assert_string_equal(config_pm_name(PM_DYNAMIC), "dynamic");
	assert_string_equal(config_pm_name(PM__MAX), "unknown");
	config_free(c);
}

static void
test_pm_dynamic_derived(void **state)
{
	struct config	*c;

	(void)state;
	/* start_servers unset: min + (max - min) / 2, as php-fpm. */
	c = ok("[www]\nlisten = /a\npm.max_children = 50\n"
	       "pm.min_spare_servers = 5\npm.max_spare_servers = 35\n");
	assert_int_equal(c->pools[0].start_servers, 20);
	config_free(c);
	/* One child: the default spares shrink to fit. */
	c = ok("[www]\nlisten = /a\npm.max_children = 1\n");
	assert_int_equal(c->pools[0].min_spare_servers, 1);
	assert_int_equal(c->pools[0].max_spare_servers, 1);
	assert_int_equal(c->pools[0].start_servers, 1);
	config_free(c);
	/* min set above the default max: max follows min. */
	c = ok("[www]\nlisten = /a\npm.max_children = 10\n"
	       "pm.min_spare_servers = 6\n");
	assert_int_equal(c->pools[0].max_spare_servers, 6);
	assert_int_equal(c->pools[0].start_servers, 6);
	config_free(c);
}

static void
test_multiple_pools(void **state)
{
	struct config	*c;

	(void)state;
	c = ok("[global]\nlog_level = debug\n"
	       "[www]\nlisten = /run/www.sock\npm.max_children = 5\n"
	       "[api-2]\nlisten = [::1]:9000\npm.max_children = 3\n"
	       "pm = static\n"
	       "[Pool_3]\nlisten = 9001\npm.max_children = 1\n");
	assert_int_equal(c->npools, 3);
	assert_string_equal(c->pools[0].name, "www");
	assert_string_equal(c->pools[1].name, "api-2");
	assert_string_equal(c->pools[1].listen, "[::1]:9000");
	assert_string_equal(c->pools[2].name, "Pool_3");
	assert_string_equal(c->pools[2].listen, "9001");
	assert_string_equal(c->log_level, "debug");
	config_free(c);
}

static void
test_global_optional(void **state)
{
	struct config	*c;

	(void)state;
	/* [global] may come after pools, or not at all. */
	c = ok(POOL "[global]\ndaemonize = on\n");
	assert_true(c->daemonize);
	config_free(c);
}

static void
test_sizes(void **state)
{
	static const struct {
		const char *in;
		size_t want;
	} t[] = {
		{ "1048576", 1048576 },
		{ "512k", 512 * 1024 },
		{ "512K", 512 * 1024 },
		{ "1M", 1024 * 1024 },
		{ "2m", 2 * 1024 * 1024 },
		{ "1G", 1024 * 1024 * 1024 },
		{ "1", 1 },
	};
	struct config	*c;
	char		 text[256];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text), POOL "request_body_limit = %s\n",
		    t[i].in);
		c = ok(text);
		assert_int_equal(c->pools[0].request_body_limit, t[i].want);
		config_free(c);
	}
}

static void
test_durations(void **state)
{
	static const struct {
		const char *in;
		unsigned want;
	} t[] = {
		{ "0", 0 },
		{ "10", 10 },
		{ "10s", 10 },
		{ "5m", 300 },
		{ "1h", 3600 },
		{ "2d", 172800 },
	};
	struct config	*c;
	char		 text[256];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text),
		    POOL "request_terminate_timeout = %s\n", t[i].in);
		c = ok(text);
		assert_int_equal(c->pools[0].request_terminate_timeout,
		    t[i].want);
		config_free(c);
	}
}

static void
test_booleans(void **state)
{
	static const char *const yes[] = { "yes", "on", "true", "1", "YES",
		"True" };
	static const char *const no[] = { "no", "off", "false", "0", "Off" };
	struct config	*c;
	char		 text[256];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(text, sizeof(text),
		    POOL "catch_workers_output = %s\n", yes[i]);
		c = ok(text);
		assert_true(c->pools[0].catch_workers_output);
		config_free(c);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(text, sizeof(text),
		    POOL "catch_workers_output = %s\n", no[i]);
		c = ok(text);
		assert_false(c->pools[0].catch_workers_output);
		config_free(c);
	}
}

/*
 * test_endpoints = yes needs a binary built with them; any other says
 * so at load (and crewlog -t) instead of answering 404 later.
 */
static void
test_test_endpoints_need_a_test_build(void **state)
{
	struct config	*c;

	(void)state;
	c = ok(POOL "test_endpoints = no\n");
	assert_false(c->pools[0].test_endpoints);
	config_free(c);
#ifdef CREWLOG_TEST_ENDPOINTS
	c = ok(POOL "test_endpoints = yes\n");
	assert_true(c->pools[0].test_endpoints);
	config_free(c);
#else
	fails(POOL "test_endpoints = yes\n",
	    "crewlog.conf:4: test_endpoints: this build has no test endpoints "
	    "(./configure --enable-test-endpoints), got \"yes\"\n");
#endif
}

static void
test_modes_and_enums(void **state)
{
	struct config	*c;

	(void)state;
	c = ok(
	    POOL "listen.mode = 660\ncookie_secure = no\n"
		 "leaderboard_cache = notify\n[global]\nlog_level = alert\n");
	assert_int_equal(c->pools[0].listen_mode, 0660);
	assert_int_equal(c->pools[0].cookie_secure, 0);
	assert_int_equal(c->pools[0].leaderboard_cache, 1);
	assert_string_equal(c->log_level, "error");
	config_free(c);
}

static void
test_listen_forms(void **state)
{
	static const char *const good[] = { "/run/a.sock", "9000",
		"127.0.0.1:9000", "localhost:9000", "*:9000", "[::]:9000",
		"[::1]:65535" };
	struct config	*c;
	char		 text[256];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text),
		    "[www]\nlisten = %s\n"
		    "pm.max_children = 1\n",
		    good[i]);
		c = ok(text);
		assert_string_equal(c->pools[0].listen, good[i]);
		config_free(c);
	}
}

/* ------------------------------------------------------------------ */
/* Syntax */

static void
test_comments(void **state)
{
	struct config	*c;

	(void)state;
	c = ok("; php-fpm style comment\n"
	       "# shell style comment\n"
	       "   ; indented comment\n"
	       "\n"
	       "[www] ; the pool\n"
	       "listen = /run/www.sock ; trailing comment\n"
	       "pm.max_children = 5\t; after a tab\n"
	       "ping.response = a;b\n" /* no blank: literal */
	       "database_url = host=db password=p#1\n" /* '#' kept */
	       "#pm.max_requests = 9\n");
	assert_string_equal(c->pools[0].listen, "/run/www.sock");
	assert_int_equal(c->pools[0].max_children, 5);
	assert_string_equal(c->pools[0].ping_response, "a;b");
	assert_string_equal(c->pools[0].database_url, "host=db password=p#1");
	assert_int_equal(c->pools[0].max_requests, 0);
	config_free(c);
}

static void
test_quoting(void **state)
{
	struct config	*c;

	(void)state;
	c = ok("[www]\n"
	       "listen = \"/run/www.sock\"\n"
	       "pm.max_children = \"5\" ; quoted number\n"
	       "ping.response = \"  pong ; with \\\"quotes\\\" and \\\\ \"\n"
	       "database_url=\"dbname=crew\"\n");
	assert_string_equal(c->pools[0].listen, "/run/www.sock");
	assert_int_equal(c->pools[0].max_children, 5);
	assert_string_equal(c->pools[0].ping_response,
	    "  pong ; with \"quotes\" and \\ ");
	assert_string_equal(c->pools[0].database_url, "dbname=crew");
	config_free(c);
}

static void
test_whitespace_and_crlf(void **state)
{
	struct config	*c;

	(void)state;
	c = ok("\t[ www ]\r\n  listen\t=\t/run/www.sock  \r\n"
	       "pm.max_children=5\r\n\r\n");
	assert_string_equal(c->pools[0].name, "www");
	assert_string_equal(c->pools[0].listen, "/run/www.sock");
	config_free(c);
	/* No newline at the end of the file. */
	c = ok("[www]\nlisten = /a\npm.max_children = 2");
	assert_int_equal(c->pools[0].max_children, 2);
	config_free(c);
}

static void
test_var_expansion(void **state)
{
	char *env[] = { "PGURL=postgresql:///crew", "N=7", "RUN=/run",
		"EMPTY=", NULL };
	struct config	*c;

	(void)state;
	c = ok_env("[www]\n"
		   "listen = ${RUN}/www.sock\n"
		   "pm.max_children = ${N}\n"
		   "database_url = \"${PGURL}?x=1\"\n"
		   "ping.response = $HOME ${EMPTY}costs $5\n"
		   "user = \"\\${N}\"\n",
	    env);
	assert_string_equal(c->pools[0].listen, "/run/www.sock");
	assert_int_equal(c->pools[0].max_children, 7);
	assert_string_equal(c->pools[0].database_url,
	    "postgresql:///crew?x=1");
	assert_string_equal(c->pools[0].ping_response, "$HOME costs $5");
	assert_string_equal(c->pools[0].user, "${N}");
	config_free(c);
}

/* ------------------------------------------------------------------ */
/* Environment overrides */

static void
test_env_overrides(void **state)
{
	char *env[] = { "CREWLOG_WWW_PM_MAX_CHILDREN=8",
		"CREWLOG_WWW_LISTEN=/run/other.sock",
		"CREWLOG_MY_API_PM=static", "CREWLOG_GLOBAL_LOG_LEVEL=debug",
		"CREWLOG_GLOBAL_DAEMONIZE=yes",
		"CREWLOG_WWW_PING_RESPONSE=  spaced  ",
		"CREWLOG_WWW_REQUEST_BODY_LIMIT=",	/* empty: unset */
		"CREWLOG_OTHERPOOL_PM=bogus",		/* no such pool */
		"CREWLOG_BIN=/usr/sbin/crewlog",	/* not config */
		"PATH=/bin", NULL };
	struct config	*c;

	(void)state;
	c = ok_env(POOL "[my-api]\nlisten = /run/api.sock\n"
			"pm.max_children = 2\n",
	    env);
	assert_int_equal(c->pools[0].max_children, 8);
	assert_string_equal(c->pools[0].listen, "/run/other.sock");
	assert_string_equal(c->pools[0].ping_response, "  spaced  ");
	assert_int_equal(c->pools[0].request_body_limit, 1024 * 1024);
	assert_int_equal(c->pools[1].pm, PM_STATIC);
	assert_string_equal(c->log_level, "debug");
	assert_true(c->daemonize);
	config_free(c);
}

static void
test_env_supplies_required(void **state)
{
	char	*env[] = { "CREWLOG_WWW_LISTEN=/run/www.sock",
		"CREWLOG_WWW_PM_MAX_CHILDREN=3", NULL };
	struct config	*c;

	(void)state;
	c = ok_env("[www]\n", env);
	assert_string_equal(c->pools[0].listen, "/run/www.sock");
	assert_int_equal(c->pools[0].max_children, 3);
	config_free(c);
}

static void
test_env_database_url(void **state)
{
	char	*env[] = { "CREWLOG_DATABASE_URL=postgresql:///shared",
		"CREWLOG_C_DATABASE_URL=postgresql:///c", NULL };
	struct config	*c;

	(void)state;
	c = ok_env("[a]\nlisten = /a\npm.max_children = 1\n"
		   "[b]\nlisten = /b\npm.max_children = 1\n"
		   "database_url = postgresql:///b\n"
		   "[c]\nlisten = /c\npm.max_children = 1\n",
	    env);
	assert_string_equal(c->pools[0].database_url, "postgresql:///shared");
	assert_string_equal(c->pools[1].database_url, "postgresql:///b");
	assert_string_equal(c->pools[2].database_url, "postgresql:///c");
	config_free(c);
}

static void
test_env_bad_value(void **state)
{
	char	*env[] = { "CREWLOG_WWW_PM_MAX_CHILDREN=x", NULL };

	(void)state;
	fails_env(POOL, env,
	    "environment CREWLOG_WWW_PM_MAX_CHILDREN: "
	    "pm.max_children: must be an integer >= 1, got \"x\"\n");
}

static void
test_env_unknown_key(void **state)
{
	char	*env[] = { "CREWLOG_WWW_PM_MAX_CHILDERN=4", NULL };
	char	*env2[] = { "CREWLOG_GLOBAL_ZZZZZZZZZZZZZZ=1", NULL };

	(void)state;
	fails_env(POOL, env,
	    "environment CREWLOG_WWW_PM_MAX_CHILDERN: "
	    "unknown key (did you mean \"CREWLOG_WWW_PM_MAX_CHILDREN\"?)\n");
	fails_env(POOL, env2,
	    "environment CREWLOG_GLOBAL_ZZZZZZZZZZZZZZ: "
	    "unknown key\n");
}

static void
test_env_bad_database_url(void **state)
{
	char	*env[] = { "CREWLOG_DATABASE_URL=a\tb", NULL };

	(void)state;
	fails_env(POOL, env,
	    "environment CREWLOG_DATABASE_URL: database_url: "
	    "must not contain control characters, got \"a\\x09b\"\n");
}

static void
test_env_cross_check_names_variable(void **state)
{
	char	*env[] = { "CREWLOG_WWW_PM_MIN_SPARE_SERVERS=4", NULL };

	(void)state;
	fails_env(POOL "pm.max_spare_servers = 2\n", env,
	    "environment CREWLOG_WWW_PM_MIN_SPARE_SERVERS: [www]: "
	    "pm.min_spare_servers (4) must be <= pm.max_spare_servers (2)\n");
}

static void
test_env_ambiguous(void **state)
{
	char	*env[] = { "CREWLOG_A_LISTEN_GROUP=x", NULL };

	(void)state;
	/* [a] listen.group and [a_listen] group: a pool key named group. */
	fails_env("[a]\nlisten = /a\npm.max_children = 1\n"
		  "[a_listen]\nlisten = /b\npm.max_children = 1\n",
	    env,
	    "environment CREWLOG_A_LISTEN_GROUP: ambiguous: names a key of "
	    "more than one section\n");
}

static void
test_env_prefix_clash(void **state)
{
	(void)state;
	fails("[my-pool]\nlisten = /a\npm.max_children = 1\n"
	      "[MY_pool]\nlisten = /b\npm.max_children = 1\n",
	    "crewlog.conf:4: [MY_pool]: same environment prefix "
	    "CREWLOG_MY_POOL_ as [my-pool] on line 1\n");
	fails("[GLOBAL]\nlisten = /a\npm.max_children = 1\n",
	    "crewlog.conf:1: [GLOBAL]: pool name is reserved\n");
}

/* ------------------------------------------------------------------ */
/* Error messages, one test each */

static void
test_err_bad_integer(void **state)
{
	(void)state;
	fails("[www]\nlisten = /a\npm.max_children = zero\n",
	    "crewlog.conf:3: pm.max_children: must be an integer >= 1, "
	    "got \"zero\"\n");
	fails(POOL "pm.max_requests = -1\n",
	    "crewlog.conf:4: pm.max_requests: must be an integer >= 0, "
	    "got \"-1\"\n");
	fails(POOL "pm.max_requests = 99999999999999999999999\n",
	    "crewlog.conf:4: pm.max_requests: must be an integer >= 0, "
	    "got \"99999999999999999999999\"\n");
	fails(POOL "json_depth_limit = 2000\n",
	    "crewlog.conf:4: json_depth_limit: must be an integer from 1 to "
	    "1024, got \"2000\"\n");
	fails(POOL "listen.backlog = 12x\n",
	    "crewlog.conf:4: listen.backlog: must be an integer from 1 to "
	    "65535, got \"12x\"\n");
}

static void
test_err_bad_size(void **state)
{
	(void)state;
	fails(POOL "request_body_limit = 1T\n",
	    "crewlog.conf:4: request_body_limit: must be a size such as "
	    "1048576, 512k or 1M, got \"1T\"\n");
	fails(POOL "request_body_limit = 2G\n",
	    "crewlog.conf:4: request_body_limit: must be a size from 1 to 1G,"
	    " got \"2G\"\n");
	fails(POOL "request_body_limit = 0\n",
	    "crewlog.conf:4: request_body_limit: must be a size from 1 to 1G,"
	    " got \"0\"\n");
	fails(POOL "request_body_limit = k\n",
	    "crewlog.conf:4: request_body_limit: must be a size such as "
	    "1048576, 512k or 1M, got \"k\"\n");
}

static void
test_err_bad_duration(void **state)
{
	(void)state;
	fails(POOL "request_terminate_timeout = 10 s\n",
	    "crewlog.conf:4: request_terminate_timeout: must be a duration "
	    "such as 30, 30s, 5m, 1h or 7d, got \"10 s\"\n");
	fails(POOL "session_ttl = 30s\n",
	    "crewlog.conf:4: session_ttl: must be a duration from 1m to 366d,"
	    " got \"30s\"\n");
	fails(POOL "login.window = 0\n",
	    "crewlog.conf:4: login.window: must be a duration >= 1s, "
	    "got \"0\"\n");
}

static void
test_err_bad_bool(void **state)
{
	(void)state;
	fails(POOL "catch_workers_output = maybe\n",
	    "crewlog.conf:4: catch_workers_output: must be yes or no (or "
	    "on/off, true/false, 1/0), got \"maybe\"\n");
}

static void
test_err_bad_mode(void **state)
{
	(void)state;
	fails(POOL "listen.mode = 0668\n",
	    "crewlog.conf:4: listen.mode: must be an octal mode such as 0660, "
	    "got \"0668\"\n");
	fails(POOL "listen.mode = 17777\n",
	    "crewlog.conf:4: listen.mode: must be an octal mode such as 0660, "
	    "got \"17777\"\n");
}

static void
test_err_bad_enum(void **state)
{
	(void)state;
	fails(POOL "pm = adaptive\n",
	    "crewlog.conf:4: pm: must be one of static, dynamic, ondemand, "
	    "got \"adaptive\"\n");
	fails(POOL "cookie_secure = sometimes\n",
	    "crewlog.conf:4: cookie_secure: must be one of auto, yes, no, "
	    "got \"sometimes\"\n");
	fails(POOL "leaderboard_cache = on\n",
	    "crewlog.conf:4: leaderboard_cache: must be one of off, notify, "
	    "shared, got \"on\"\n");
	fails(POOL "leaderboard_cache_ttl = 0\n",
	    "crewlog.conf:4: leaderboard_cache_ttl: must be a duration from 1s "
	    "to 1h, got \"0\"\n");
	fails("[global]\nlog_level = loud\n" POOL,
	    "crewlog.conf:2: log_level: must be one of debug, info, warn, "
	    "error, got \"loud\"\n");
}

static void
test_err_bad_listen(void **state)
{
	static const char *const bad[] = { "relative.sock", "0", "65536",
		"host:", ":9000", "::1:9000", "[::1]9000", "[zz]:9000",
		"a b:9000", "[::1]:0" };
	char	 text[256], want[512];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
		    "[www]\nlisten = %s\n"
		    "pm.max_children = 1\n",
		    bad[i]);
		snprintf(want, sizeof(want),
		    "crewlog.conf:2: listen: must be "
		    "a unix socket path (absolute, under 108 bytes), a port, "
		    "host:port or [ipv6]:port, got \"%s\"\n",
		    bad[i]);
		fails(text, want);
	}
}

static void
test_err_bad_clients(void **state)
{
	(void)state;
	fails(POOL "listen.allowed_clients = 127.0.0.1,,10.0.0.1\n",
	    "crewlog.conf:4: listen.allowed_clients: must be a comma-separated"
	    " list of IP addresses, got \"127.0.0.1,,10.0.0.1\"\n");
	fails(POOL "listen.allowed_clients = 10.0.0.0/8\n",
	    "crewlog.conf:4: listen.allowed_clients: must be a comma-separated"
	    " list of IP addresses, got \"10.0.0.0/8\"\n");
}

static void
test_err_bad_paths(void **state)
{
	(void)state;
	fails(POOL "templates = templates\n",
	    "crewlog.conf:4: templates: must be an absolute path, "
	    "got \"templates\"\n");
	fails("[global]\nerror_log = log.txt\n" POOL,
	    "crewlog.conf:2: error_log: must be an absolute path or \"-\" for "
	    "standard error, got \"log.txt\"\n");
	fails(POOL "pm.status_path = status\n",
	    "crewlog.conf:4: pm.status_path: must be a URI path starting with "
	    "'/' (no spaces, '?' or '#'), got \"status\"\n");
	fails(POOL "ping.path = /ping?x\n",
	    "crewlog.conf:4: ping.path: must be a URI path starting with "
	    "'/' (no spaces, '?' or '#'), got \"/ping?x\"\n");
}

static void
test_err_control_chars(void **state)
{
	static const char text[] = POOL "ping.response = a\001b\x7f\n";

	(void)state;
	fails(text,
	    "crewlog.conf:4: ping.response: must not contain control "
	    "characters, got \"a\\x01b\\x7f\"\n");
}

static void
test_err_unknown_key(void **state)
{
	(void)state;
	fails("[www]\nlisten = /a\npm.max_children = 4\n"
	      "\n\n\n\n\npm.max_childern = 5\n",
	    "crewlog.conf:9: pm.max_childern: unknown key (did you mean "
	    "\"pm.max_children\"?)\n");
	fails(POOL "frobnicate_everything = 1\n",
	    "crewlog.conf:4: \"frobnicate_everything\": unknown key\n");
	fails("[global]\nlog_levle = debug\n" POOL,
	    "crewlog.conf:2: log_levle: unknown key (did you mean "
	    "\"log_level\"?)\n");
}

static void
test_err_wrong_section(void **state)
{
	(void)state;
	fails("[global]\npm.max_children = 5\n" POOL,
	    "crewlog.conf:2: pm.max_children: not allowed in [global] (it is "
	    "a pool key)\n");
	fails(POOL "daemonize = yes\n",
	    "crewlog.conf:4: daemonize: not allowed in a pool section (it is "
	    "a [global] key)\n");
}

static void
test_err_outside_section(void **state)
{
	(void)state;
	fails("listen = /a\n" POOL,
	    "crewlog.conf:1: listen: key outside any section (add [global] or "
	    "[poolname] above it)\n");
}

static void
test_err_duplicate_key(void **state)
{
	(void)state;
	fails(POOL "pm = static\npm = dynamic\n",
	    "crewlog.conf:5: pm: duplicate key (first set on line 4)\n");
}

static void
test_err_duplicate_section(void **state)
{
	(void)state;
	fails(POOL "[www]\n",
	    "crewlog.conf:4: [www]: duplicate pool (first on line 1)\n");
	fails("[global]\n[global]\n" POOL,
	    "crewlog.conf:2: [global]: duplicate section (first on line 1)\n");
}

static void
test_err_bad_section(void **state)
{
	(void)state;
	/* The keys of a rejected section are not reported again. */
	fails("[web server]\nlisten = /a\n" POOL,
	    "crewlog.conf:1: [\"web server\"]: pool name must be 1 to 32 "
	    "characters of A-Z, a-z, 0-9, '_' and '-'\n");
	fails("[]\n" POOL,
	    "crewlog.conf:1: [\"\"]: pool name must be 1 to 32 "
	    "characters of A-Z, a-z, 0-9, '_' and '-'\n");
	fails("[abcdefghijklmnopqrstuvwxyz0123456]\n" POOL,
	    "crewlog.conf:1: [\"abcdefghijklmnopqrstuvwxyz0123456\"]: pool "
	    "name must be 1 to 32 characters of A-Z, a-z, 0-9, '_' and '-'\n");
	fails("[www\n", "crewlog.conf:1: missing ']' in section header\n");
	fails("[www] x\n", "crewlog.conf:1: text after section header\n");
}

static void
test_pool_name_32(void **state)
{
	struct config	*c;

	(void)state;
	c = ok("[abcdefghijklmnopqrstuvwxyz012345]\nlisten = /a\n"
	       "pm.max_children = 1\n");
	assert_string_equal(c->pools[0].name,
	    "abcdefghijklmnopqrstuvwxyz012345");
	config_free(c);
}

static void
test_err_not_key_value(void **state)
{
	(void)state;
	fails(POOL "pm.max_children 5\n",
	    "crewlog.conf:4: expected \"key = value\", got "
	    "\"pm.max_children 5\"\n");
	fails(POOL "= 5\n", "crewlog.conf:4: missing key before '='\n");
}

static void
test_err_value_syntax(void **state)
{
	static const char nul[] = "[www]\nlisten = \"/a\\\0b\"\n";

	(void)state;
	fails(POOL "user =\n", "crewlog.conf:4: user: empty value\n");
	fails(POOL "user = ; a comment\n",
	    "crewlog.conf:4: user: empty value\n");
	fails(POOL "user = \"crew\n",
	    "crewlog.conf:4: user: missing closing '\"'\n");
	fails(POOL "user = \"crew\" log\n",
	    "crewlog.conf:4: user: text after the closing '\"'\n");
	{
		struct buf	 err = BUF_INIT;

		assert_null(config_parse("crewlog.conf", nul, sizeof(nul) - 1,
		    no_env, &err));
		assert_string_equal(buf_cstr(&err),
		    "crewlog.conf:2: listen: NUL byte in value\n"
		    "crewlog.conf: [www]: pm.max_children: required\n");
		buf_free(&err);
	}
}

static void
test_err_undefined_var(void **state)
{
	char	*env[] = { "RUN=/run", NULL };

	(void)state;
	fails_env(POOL "slowlog = ${LOGDIR}/slow.log\n", env,
	    "crewlog.conf:4: slowlog: environment variable ${LOGDIR} is not "
	    "set\n");
	fails_env(POOL "slowlog = ${RUN/slow.log\n", env,
	    "crewlog.conf:4: slowlog: malformed ${...}: use ${NAME} with "
	    "letters, digits and '_'\n");
	fails_env(POOL "slowlog = ${}\n", env,
	    "crewlog.conf:4: slowlog: malformed ${...}: use ${NAME} with "
	    "letters, digits and '_'\n");
}

static void
test_err_required(void **state)
{
	(void)state;
	fails("[www]\npm = static\n",
	    "crewlog.conf: [www]: listen: required\n"
	    "crewlog.conf: [www]: pm.max_children: required\n");
	/* A bad value is reported once, not again as missing. */
	fails("[www]\nlisten = /a\npm.max_children = none\n",
	    "crewlog.conf:3: pm.max_children: must be an integer >= 1, "
	    "got \"none\"\n");
}

static void
test_err_no_pool(void **state)
{
	(void)state;
	fails("",
	    "crewlog.conf: no pool defined (add a [www] section with "
	    "listen and pm.max_children)\n");
	fails("[global]\ndaemonize = no\n",
	    "crewlog.conf: no pool defined (add a [www] section with "
	    "listen and pm.max_children)\n");
}

static void
test_err_spare_order(void **state)
{
	(void)state;
	fails("[www]\nlisten = /a\npm = dynamic\npm.max_children = 10\n"
	      "\n\n\n\n\n\n\n"
	      "pm.min_spare_servers = 8\npm.max_spare_servers = 4\n",
	    "crewlog.conf:12: [www]: pm.min_spare_servers (8) must be <= "
	    "pm.max_spare_servers (4)\n");
}

static void
test_err_spare_above_children(void **state)
{
	(void)state;
	fails(POOL "pm.max_spare_servers = 6\n",
	    "crewlog.conf:4: [www]: pm.max_spare_servers (6) must be <= "
	    "pm.max_children (5)\n");
	fails(POOL "pm.min_spare_servers = 6\n",
	    "crewlog.conf:4: [www]: pm.min_spare_servers (6) must be <= "
	    "pm.max_children (5)\n");
}

static void
test_err_start_servers(void **state)
{
	(void)state;
	fails(POOL "pm.min_spare_servers = 2\npm.max_spare_servers = 3\n"
		   "pm.start_servers = 4\n",
	    "crewlog.conf:6: [www]: pm.start_servers (4) must be between "
	    "pm.min_spare_servers (2) and pm.max_spare_servers (3)\n");
	fails(POOL "pm.min_spare_servers = 2\npm.start_servers = 1\n",
	    "crewlog.conf:5: [www]: pm.start_servers (1) must be between "
	    "pm.min_spare_servers (2) and pm.max_spare_servers (3)\n");
}

static void
test_err_ondemand_idle(void **state)
{
	(void)state;
	fails(POOL "pm = ondemand\npm.process_idle_timeout = 0\n",
	    "crewlog.conf:5: [www]: pm.process_idle_timeout (0) must be > 0 "
	    "with pm = ondemand\n");
}

static void
test_err_jitter(void **state)
{
	struct config	*c;

	(void)state;
	fails(POOL "pm.max_requests = 50\npm.max_requests_jitter = 50\n",
	    "crewlog.conf:5: [www]: pm.max_requests_jitter (50) must be < "
	    "pm.max_requests (50)\n");
	/* Without recycling the jitter has nothing to spread. */
	c = ok(POOL "pm.max_requests_jitter = 50\n");
	config_free(c);
}

static void
test_err_status_equals_ping(void **state)
{
	(void)state;
	fails(POOL "pm.status_path = /s\nping.path = /s\n",
	    "crewlog.conf:5: [www]: pm.status_path (/s) and ping.path (/s) "
	    "must differ\n");
}

static void
test_slowlog_timeout_without_slowlog(void **state)
{
	struct config	*c;

	(void)state;
	c = ok(POOL "request_slowlog_timeout = 5s\n");
	assert_int_equal(c->pools[0].request_slowlog_timeout, 5);
	assert_null(c->pools[0].slowlog);
	config_free(c);
}

static void
test_err_same_listen(void **state)
{
	(void)state;
	fails("[a]\nlisten = /run/x.sock\npm.max_children = 1\n"
	      "[b]\nlisten = /run/x.sock\npm.max_children = 1\n",
	    "crewlog.conf:5: [b]: listen: \"/run/x.sock\" is already used by "
	    "listen of [a]\n");
	fails(POOL "pm.status_listen = /run/www.sock\n",
	    "crewlog.conf:4: [www]: pm.status_listen: \"/run/www.sock\" is "
	    "already used by listen of [www]\n");
}

static void
test_err_emergency_restart(void **state)
{
	(void)state;
	fails("[global]\nemergency_restart_threshold = 10\n" POOL,
	    "crewlog.conf:2: [global]: emergency_restart_threshold (10) needs "
	    "emergency_restart_interval > 0\n");
}

static void
test_err_collects_all(void **state)
{
	(void)state;
	fails("[global]\nlog_level = loud\n"
	      "[www]\nlisten = /a\npm.max_children = 0\npm.max_childern = 1\n"
	      "[api]\npm = sometimes\n",
	    "crewlog.conf:2: log_level: must be one of debug, info, warn, "
	    "error, got \"loud\"\n"
	    "crewlog.conf:5: pm.max_children: must be an integer >= 1, "
	    "got \"0\"\n"
	    "crewlog.conf:6: pm.max_childern: unknown key (did you mean "
	    "\"pm.max_children\"?)\n"
	    "crewlog.conf:8: pm: must be one of static, dynamic, ondemand, "
	    "got \"sometimes\"\n"
	    "crewlog.conf: [api]: listen: required\n"
	    "crewlog.conf: [api]: pm.max_children: required\n");
}

static void
test_err_too_many(void **state)
{
	struct buf	 text = BUF_INIT, err = BUF_INIT;
	const char	*last;
	int		 i;

	(void)state;
	buf_puts(&text, POOL);
	for (i = 0; i < 500; i++)
		buf_puts(&text, "nonsense\n");
	assert_null(
	    config_parse("crewlog.conf", text.data, text.len, no_env, &err));
	last = strrchr(buf_cstr(&err), '\n');
	assert_non_null(last);
	while (last > err.data && last[-1] != '\n')
		last--;
	assert_string_equal(last,
	    "crewlog.conf: too many errors, giving up\n");
	buf_free(&text);
	buf_free(&err);
}

static void
test_err_too_many_pools(void **state)
{
	struct buf	 text = BUF_INIT, err = BUF_INIT;
	int		 i;

	(void)state;
	for (i = 0; i < 257; i++)
		buf_printf(&text,
		    "[p%d]\nlisten = /s%d\npm.max_children = 1\n", i, i);
	assert_null(
	    config_parse("crewlog.conf", text.data, text.len, no_env, &err));
	assert_string_equal(buf_cstr(&err),
	    "crewlog.conf:769: more than 256 pools\n");
	buf_free(&text);
	buf_free(&err);
}

static void
test_err_messages_escape_bytes(void **state)
{
	static const char text[] = POOL "pm = \"\\\"\xff\"\n";

	(void)state;
	fails(text,
	    "crewlog.conf:4: pm: must be one of static, dynamic, "
	    "ondemand, got \"\\\"\\xff\"\n");
}

/* ------------------------------------------------------------------ */
/* config_load */

static void
test_load_file(void **state)
{
	char		 dir[] = "/tmp/test_config.XXXXXX", path[256];
	struct buf	 err = BUF_INIT;
	struct config	*c;
	FILE		*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/crewlog.conf", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("[www]\nlisten = /a\npm.max_children = x\n", f);
	assert_int_equal(fclose(f), 0);

	assert_null(config_load(path, no_env, &err));
	assert_non_null(strstr(buf_cstr(&err), ":3: pm.max_children: "));
	assert_int_equal(strncmp(err.data, path, strlen(path)), 0);

	assert_non_null(f = fopen(path, "w"));
	fputs(POOL, f);
	assert_int_equal(fclose(f), 0);
	buf_reset(&err);
	assert_non_null(c = config_load(path, no_env, &err));
	assert_string_equal(c->path, path);
	assert_int_equal(c->pools[0].max_children, 5);
	config_free(c);

	assert_int_equal(unlink(path), 0);
	buf_reset(&err);
	assert_null(config_load(path, no_env, &err));
	snprintf(path + strlen(path), sizeof(path) - strlen(path),
	    ": No such file or directory\n");
	assert_string_equal(buf_cstr(&err), path);
	assert_int_equal(rmdir(dir), 0);
	buf_free(&err);
}

static void
test_load_directory(void **state)
{
	struct buf	 err = BUF_INIT;

	(void)state;
	assert_null(config_load("/", no_env, &err));
	assert_string_equal(buf_cstr(&err), "/: Is a directory\n");
	buf_free(&err);
}

static void
test_load_too_large(void **state)
{
	struct buf	 err = BUF_INIT;

	(void)state;
	assert_null(config_load("/dev/zero", no_env, &err));
	assert_string_equal(buf_cstr(&err), "/dev/zero: larger than 4M\n");
	buf_free(&err);
}

static void
test_null_envp(void **state)
{
	struct buf	 err = BUF_INIT;
	struct config	*c;

	(void)state;
	c = config_parse("x", POOL, strlen(POOL), NULL, &err);
	assert_non_null(c);
	config_free(c);
	config_free(NULL);
	buf_free(&err);
}

/* ------------------------------------------------------------------ */
/* config_dump, config_test */

static void
test_dump_round_trip(void **state)
{
	char	*env[] = { "CREWLOG_WWW_PM_MAX_CHILDREN=8", "V=x", NULL };
	struct buf	 one = BUF_INIT, two = BUF_INIT;
	struct config	*c, *again;

	(void)state;
	c = ok_env("[global]\npid = /run/c.pid\n"
		   "[www]\nlisten = /run/www.sock\npm.max_children = 5\n"
		   "listen.mode = 0600\nrequest_body_limit = 1536\n"
		   "ping.response = \"  a;b \\\"q\\\" $${V} \"\n"
		   "[s]\nlisten = 9000\npm = static\npm.max_children = 3\n"
		   "session_ttl = 90m\ncookie_secure = auto\n",
	    env);
	config_dump(c, &one);
	assert_non_null(strstr(one.data, "\n[www]\nlisten = /run/www.sock\n"));
	assert_non_null(strstr(one.data, "\npm.max_children = 8\n"));
	assert_non_null(strstr(one.data, "\nlisten.mode = 0600\n"));
	assert_non_null(strstr(one.data, "\n; listen.owner is not set\n"));
	assert_non_null(strstr(one.data, "\nrequest_body_limit = 1536\n"));
	assert_non_null(strstr(one.data, "\nsession_ttl = 90m\n"));
	assert_non_null(strstr(one.data, "\ncookie_secure = auto\n"));
	assert_non_null(strstr(one.data,
	    "\n; pm.min_spare_servers is not used with pm = static\n"));
	assert_non_null(
	    strstr(one.data, "\nping.response = \"  a;b \\\"q\\\" \\$x \"\n"));
	again = ok(one.data);
	config_dump(again, &two);
	assert_string_equal(one.data, two.data);
	assert_string_equal(again->pools[0].ping_response, "  a;b \"q\" $x ");
	config_free(c);
	config_free(again);
	buf_free(&one);
	buf_free(&two);
}

/* Runs config_test on text and returns what it wrote; caller frees. */
static char *
test_run(const char *text, int dump, int *status)
{
	char		 dir[] = "/tmp/test_config.XXXXXX", path[256], *out;
	FILE		*f, *o;
	long		 n;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/crewlog.conf", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(o = tmpfile());
	*status = config_test(path, no_env, dump, o);
	n = ftell(o);
	assert_true(n >= 0);
	rewind(o);
	out = calloc(1, (size_t)n + 1);
	assert_non_null(out);
	assert_int_equal(fread(out, 1, (size_t)n, o), (size_t)n);
	fclose(o);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	return out;
}

static void
test_config_test(void **state)
{
	char	*out;
	int	 status;

	(void)state;
	out = test_run(POOL, 0, &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(out, "crewlog: configuration file /tmp/"));
	assert_non_null(strstr(out, "/crewlog.conf test is successful\n"));
	assert_null(strstr(out, "[www]"));
	free(out);

	out = test_run(POOL, 1, &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(out, "[global]\n"));
	assert_non_null(strstr(out, "\n[www]\n"));
	free(out);

	out = test_run(POOL "pm = none\n", 1, &status);
	assert_int_equal(status, 1);
	assert_non_null(strstr(out, "/crewlog.conf:4: pm: must be one of "));
	assert_null(strstr(out, "successful"));
	free(out);
}

/* ------------------------------------------------------------------ */
/* Shipped files: the example config and the man page */

/* Reads top_srcdir/rel into b; the tests run from the build tree. */
static void
read_src(const char *rel, struct buf *b)
{
	const char	*top;
	char		 path[4096], chunk[4096];
	FILE		*f;
	size_t		 n;

	if ((top = getenv("top_srcdir")) == NULL)
		top = ".";
	snprintf(path, sizeof(path), "%s/%s", top, rel);
	if ((f = fopen(path, "r")) == NULL)
		fail_msg("cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(b, chunk, n);
	fclose(f);
}

static void
test_example_parses(void **state)
{
	struct buf	 text = BUF_INIT;
	struct config	*c;

	(void)state;
	read_src("deploy/crewlog.conf.example", &text);
	c = ok(text.data);
	assert_int_equal(c->npools, 1);
	assert_string_equal(c->pools[0].listen, "/run/crewlog/www.sock");
	assert_int_equal(c->pools[0].max_children, 5);
	config_free(c);
	buf_free(&text);
}

/*
 * Every commented-out ";key = value" in the example, enabled (the first
 * of each key per section), must be valid too: they are what operators
 * copy.
 */
static void
test_example_commented_keys_valid(void **state)
{
	char		*env[] = { "DATABASE_URL=postgresql:///crew", NULL };
	struct buf	 text = BUF_INIT, out = BUF_INIT, seen = BUF_INIT;
	struct config	*c;
	char		*line, *save = NULL, key[128], bar[132];
	int		 enabled = 0;

	(void)state;
	read_src("deploy/crewlog.conf.example", &text);
	for (line = strtok_r(text.data, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '[')
			buf_reset(&seen);
		if (line[0] == ';' && strstr(line, " = ") != NULL &&
		    sscanf(line + 1, "%127[a-z_.] =", key) == 1) {
			snprintf(bar, sizeof(bar), "|%s|", key);
			if (strstr(buf_cstr(&seen), bar) == NULL) {
				buf_puts(&seen, bar);
				line++;
				enabled++;
			}
		}
		buf_printf(&out, "%s\n", line);
	}
	assert_true(enabled >= 40);
	c = ok_env(out.data, env);
	assert_int_equal(c->pools[0].max_requests_jitter, 100);
	assert_string_equal(c->pools[0].database_url,
	    "postgresql://crewlog@localhost/crewlog");
	config_free(c);
	buf_free(&text);
	buf_free(&out);
	buf_free(&seen);
}

/* Every key config_dump knows has an entry in crewlog.conf(5). */
static void
test_man_page_lists_every_key(void **state)
{
	struct buf	 man = BUF_INIT, dump = BUF_INIT, want = BUF_INIT;
	struct config	*c;
	char		*line, *save = NULL, key[128];
	int		 n = 0;

	(void)state;
	read_src("man/crewlog.conf.5", &man);
	c = ok(POOL);
	config_dump(c, &dump);
	for (line = strtok_r(dump.data, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%127[a-z_.] =", key) != 1 &&
		    sscanf(line, "; %127[a-z_.] is not", key) != 1)
			continue;
		n++;
		buf_reset(&want);
		buf_printf(&want, ".It Ic %s ", key);
		if (strstr(man.data, want.data) == NULL) {
			buf_reset(&want);
			buf_printf(&want, "Ic %s Ns = ", key);
			if (strstr(man.data, want.data) == NULL)
				fail_msg("crewlog.conf.5 lacks key %s", key);
		}
	}
	assert_int_equal(n, 52);
	config_free(c);
	buf_free(&man);
	buf_free(&dump);
	buf_free(&want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_pm_static_and_ondemand),
		cmocka_unit_test(test_pm_dynamic_derived),
		cmocka_unit_test(test_multiple_pools),
		cmocka_unit_test(test_global_optional),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_test_endpoints_need_a_test_build),
		cmocka_unit_test(test_modes_and_enums),
		cmocka_unit_test(test_listen_forms),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_whitespace_and_crlf),
		cmocka_unit_test(test_var_expansion),
		cmocka_unit_test(test_env_overrides),
		cmocka_unit_test(test_env_supplies_required),
		cmocka_unit_test(test_env_database_url),
		cmocka_unit_test(test_env_bad_value),
		cmocka_unit_test(test_env_unknown_key),
		cmocka_unit_test(test_env_bad_database_url),
		cmocka_unit_test(test_env_cross_check_names_variable),
		cmocka_unit_test(test_env_ambiguous),
		cmocka_unit_test(test_env_prefix_clash),
		cmocka_unit_test(test_err_bad_integer),
		cmocka_unit_test(test_err_bad_size),
		cmocka_unit_test(test_err_bad_duration),
		cmocka_unit_test(test_err_bad_bool),
		cmocka_unit_test(test_err_bad_mode),
		cmocka_unit_test(test_err_bad_enum),
		cmocka_unit_test(test_err_bad_listen),
		cmocka_unit_test(test_err_bad_clients),
		cmocka_unit_test(test_err_bad_paths),
		cmocka_unit_test(test_err_control_chars),
		cmocka_unit_test(test_err_unknown_key),
		cmocka_unit_test(test_err_wrong_section),
		cmocka_unit_test(test_err_outside_section),
		cmocka_unit_test(test_err_duplicate_key),
		cmocka_unit_test(test_err_duplicate_section),
		cmocka_unit_test(test_err_bad_section),
		cmocka_unit_test(test_pool_name_32),
		cmocka_unit_test(test_err_not_key_value),
		cmocka_unit_test(test_err_value_syntax),
		cmocka_unit_test(test_err_undefined_var),
		cmocka_unit_test(test_err_required),
		cmocka_unit_test(test_err_no_pool),
		cmocka_unit_test(test_err_spare_order),
		cmocka_unit_test(test_err_spare_above_children),
		cmocka_unit_test(test_err_start_servers),
		cmocka_unit_test(test_err_ondemand_idle),
		cmocka_unit_test(test_err_jitter),
		cmocka_unit_test(test_err_status_equals_ping),
		cmocka_unit_test(test_slowlog_timeout_without_slowlog),
		cmocka_unit_test(test_err_same_listen),
		cmocka_unit_test(test_err_emergency_restart),
		cmocka_unit_test(test_err_collects_all),
		cmocka_unit_test(test_err_too_many),
		cmocka_unit_test(test_err_too_many_pools),
		cmocka_unit_test(test_err_messages_escape_bytes),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_directory),
		cmocka_unit_test(test_load_too_large),
		cmocka_unit_test(test_null_envp),
		cmocka_unit_test(test_dump_round_trip),
		cmocka_unit_test(test_config_test),
		cmocka_unit_test(test_example_parses),
		cmocka_unit_test(test_example_commented_keys_valid),
		cmocka_unit_test(test_man_page_lists_every_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
