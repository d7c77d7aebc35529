/*
 * test_log.c: log lines are one JSON object each, escaped, with the
 * request fields while a request is set.
 */
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "buf.h"
#include "log.h"

struct fixture {
	char	 dir[64];
	char	 path[128];
};

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/crewlog-log-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/test.log", f->dir);
	log_init("www", LOGL_DEBUG);
	if (log_open(f->path) == -1)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 rot[160];

	log_close();
	snprintf(rot, sizeof(rot), "%s.1", f->path);
	unlink(rot);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Reads the file and returns its lines as parsed JSON objects. */
static json_t *
read_lines(const char *path)
{
	FILE	*fp = fopen(path, "r");
	char	 line[8192];
	json_t	*arr = json_array(), *o;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		assert_int_equal(line[strlen(line) - 1], '\n');
		o = json_loads(line, 0, NULL);
		assert_non_null(o);
		json_array_append_new(arr, o);
	}
	fclose(fp);
	return arr;
}

static const char *
str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void
test_message_fields(void **state)
{
	struct fixture	*f = *state;
	json_t		*lines, *o;

	log_info("hello %d", 42);
	lines = read_lines(f->path);
	assert_int_equal(json_array_size(lines), 1);
	o = json_array_get(lines, 0);
	assert_string_equal(str(o, "level"), "info");
	assert_string_equal(str(o, "pool"), "www");
	assert_string_equal(str(o, "msg"), "hello 42");
	assert_int_equal(json_integer_value(json_object_get(o, "pid")),
	    getpid());
	/* UTC, RFC 3339 with milliseconds. */
	assert_int_equal(strlen(str(o, "time")), 24);
	assert_int_equal(str(o, "time")[23], 'Z');
	assert_null(json_object_get(o, "request_id"));
	json_decref(lines);
}

static void
test_escapes_request_bytes(void **state)
{
	struct fixture	*f = *state;
	json_t		*lines, *o;

	log_set_request("abc", "GET", "/a\n{\"forged\":1}\x01\xff");
	log_warn("quote \" backslash \\ newline \n end");
	log_clear_request();
	lines = read_lines(f->path);
	assert_int_equal(json_array_size(lines), 1);
	o = json_array_get(lines, 0);
	assert_string_equal(str(o, "request_id"), "abc");
	assert_string_equal(str(o, "method"), "GET");
	/* Invalid UTF-8 becomes \u00ff, so the line stays valid JSON. */
	assert_string_equal(str(o, "path"), "/a\n{\"forged\":1}\x01\xc3\xbf");
	assert_string_equal(str(o, "msg"),
	    "quote \" backslash \\ newline \n end");
	json_decref(lines);
}

static void
test_access_line(void **state)
{
	struct fixture	*f = *state;
	json_t		*lines, *o;

	log_set_request("r1", "POST", "/api/hours");
	log_access(201, 1.5);
	log_clear_request();
	lines = read_lines(f->path);
	o = json_array_get(lines, 0);
	assert_int_equal(json_integer_value(json_object_get(o, "status")),
	    201);
	assert_true(json_real_value(json_object_get(o, "duration_ms")) == 1.5);
	assert_string_equal(str(o, "path"), "/api/hours");
	assert_string_equal(str(o, "msg"), "access");
	json_decref(lines);
}

static void
test_level_filter(void **state)
{
	struct fixture	*f = *state;
	json_t		*lines;

	log_set_level(LOGL_WARN);
	log_info("hidden");
	log_access(200, 1);
	log_error("shown");
	log_set_level(LOGL_DEBUG);
	lines = read_lines(f->path);
	assert_int_equal(json_array_size(lines), 1);
	assert_string_equal(str(json_array_get(lines, 0), "level"), "error");
	json_decref(lines);
}

static void
test_level_parse(void **state)
{
	enum log_level	 l;

	(void)state;
	assert_int_equal(log_level_parse("debug", &l), 0);
	assert_int_equal(l, LOGL_DEBUG);
	assert_int_equal(log_level_parse("WARN", &l), 0);
	assert_int_equal(l, LOGL_WARN);
	assert_int_equal(log_level_parse(NULL, &l), 0);
	assert_int_equal(l, LOGL_INFO);
	assert_int_equal(log_level_parse("loud", &l), -1);
}

static void
test_reopen_after_rotation(void **state)
{
	struct fixture	*f = *state;
	char		 rot[160];
	json_t		*lines;

	log_info("before");
	snprintf(rot, sizeof(rot), "%s.1", f->path);
	assert_int_equal(rename(f->path, rot), 0);
	assert_int_equal(log_reopen(), 0);
	log_info("after");
	lines = read_lines(f->path);
	assert_int_equal(json_array_size(lines), 1);
	assert_string_equal(str(json_array_get(lines, 0), "msg"), "after");
	json_decref(lines);
	lines = read_lines(rot);
	assert_string_equal(str(json_array_get(lines, 0), "msg"), "before");
	json_decref(lines);
}

static void
test_child_output(void **state)
{
	struct fixture	*f = *state;
	json_t		*lines, *o;

	log_child_output("www", 123, "output", "segfault\tat 0x0", 15);
	lines = read_lines(f->path);
	o = json_array_get(lines, 0);
	assert_string_equal(str(o, "msg"), "segfault\tat 0x0");
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), 123);
	json_decref(lines);
}

/* The pid is cached per process: a forked child must log its own. */
static void
test_pid_after_fork(void **state)
{
	struct fixture	*f = *state;
	json_t		*lines;
	pid_t		 pid;
	int		 st;

	log_info("parent");
	if ((pid = fork()) == 0) {
		log_info("child");
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	lines = read_lines(f->path);
	assert_int_equal(json_array_size(lines), 2);
	assert_int_equal(json_integer_value(
			     json_object_get(json_array_get(lines, 0), "pid")),
	    getpid());
	assert_int_equal(json_integer_value(
			     json_object_get(json_array_get(lines, 1), "pid")),
	    pid);
	json_decref(lines);
}

/* Short durations keep three decimals; the time keeps milliseconds. */
static void
test_access_duration_format(void **state)
{
	struct fixture	*f = *state;
	json_t		*lines, *o;
	const char	*t;

	log_access(404, 0.0424);
	log_access(200, 12345.6789);
	lines = read_lines(f->path);
	o = json_array_get(lines, 0);
	assert_true(
	    json_real_value(json_object_get(o, "duration_ms")) == 0.042);
	assert_int_equal(json_integer_value(json_object_get(o, "status")),
	    404);
	o = json_array_get(lines, 1);
	assert_true(
	    json_real_value(json_object_get(o, "duration_ms")) == 12345.679);
	t = str(o, "time");
	assert_int_equal(strlen(t), 24);
	assert_int_equal(t[19], '.');
	assert_int_equal(t[23], 'Z');
	json_decref(lines);
}

/* A slow request without a trace or note. */
static struct log_slow_req
slow_req(const char *pool, long pid, const char *method, const char *uri,
    double elapsed_s)
{
	struct log_slow_req	 r;

	memset(&r, 0, sizeof(r));
	r.pool = pool;
	r.pid = pid;
	r.method = method;
	r.uri = uri;
	r.elapsed_s = elapsed_s;
	return r;
}

/* The slowlog file gets one JSON object per slow request, appended. */
static void
test_slow_to_file(void **state)
{
	struct fixture		*f = *state;
	struct log_slow_req	 r;
	char			 slow[160];
	json_t			*lines, *o;

	snprintf(slow, sizeof(slow), "%s/slow.log", f->dir);
	r = slow_req("www", 77, "GET", "/a\nb\"c", 2.5);
	r.request_id = "rid-1";
	assert_int_equal(log_slow(slow, &r), 0);
	r = slow_req("api", 78, "POST", "/x", 10);
	r.trace = "[\"#0 nanosleep+0x1 (libc.so.6) [0x1]\"]";
	r.note = "no backtraces: denied";
	assert_int_equal(log_slow(slow, &r), 0);
	lines = read_lines(slow);
	assert_int_equal(json_array_size(lines), 3);
	o = json_array_get(lines, 0);
	assert_string_equal(str(o, "pool"), "www");
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), 77);
	assert_string_equal(str(o, "request_id"), "rid-1");
	assert_string_equal(str(o, "method"), "GET");
	assert_string_equal(str(o, "uri"), "/a\nb\"c");
	assert_true(json_real_value(json_object_get(o, "elapsed_s")) == 2.5);
	assert_string_equal(str(o, "msg"), "slow request");
	assert_null(json_object_get(o, "trace"));
	assert_int_equal(strlen(str(o, "time")), 24);
	/* The note comes first, then the entry with its trace. */
	o = json_array_get(lines, 1);
	assert_string_equal(str(o, "msg"), "no backtraces: denied");
	o = json_array_get(lines, 2);
	assert_string_equal(str(o, "pool"), "api");
	assert_string_equal(json_string_value(
				json_array_get(json_object_get(o, "trace"),
				    0)),
	    "#0 nanosleep+0x1 (libc.so.6) [0x1]");
	json_decref(lines);
	/* Nothing went to the main log. */
	lines = read_lines(f->path);
	assert_int_equal(json_array_size(lines), 0);
	json_decref(lines);
	unlink(slow);
}

/* Without a slowlog file the line is a WARN on the main log. */
static void
test_slow_without_file(void **state)
{
	struct fixture		*f = *state;
	struct log_slow_req	 r = slow_req("www", 77, "GET", "/x", 2.5);
	json_t			*lines, *o;

	assert_int_equal(log_slow(NULL, &r), 0);
	lines = read_lines(f->path);
	assert_int_equal(json_array_size(lines), 1);
	o = json_array_get(lines, 0);
	assert_string_equal(str(o, "level"), "warn");
	assert_string_equal(str(o, "msg"),
	    "pool www: slow request: worker "
	    "77 GET /x running for 2.500s");
	json_decref(lines);
}

/* A slowlog that cannot be written: -1 and an error naming the file. */
static void
test_slow_unwritable(void **state)
{
	struct fixture		*f = *state;
	struct log_slow_req	 r = slow_req("www", 77, "GET", "/x", 1);
	char			 slow[160];
	json_t			*lines, *o;

	snprintf(slow, sizeof(slow), "%s/missing/slow.log", f->dir);
	assert_int_equal(log_slow(slow, &r), -1);
	lines = read_lines(f->path);
	assert_int_equal(json_array_size(lines), 1);
	o = json_array_get(lines, 0);
	assert_string_equal(str(o, "level"), "error");
	assert_non_null(strstr(str(o, "msg"), slow));
	json_decref(lines);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_message_fields, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_escapes_request_bytes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_level_filter, setup,
		    teardown),
		cmocka_unit_test(test_level_parse),
		cmocka_unit_test_setup_teardown(test_reopen_after_rotation,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_output, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pid_after_fork, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_access_duration_format,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_to_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_slow_without_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_slow_unwritable, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
