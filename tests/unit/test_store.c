/*
 * test_store.c: the migration script splitter and the connection string
 * check (the parts of store.c that need no database; the rest is tested against PostgreSQL in
 * tests/integration/test_app.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "store.h"

static void
collect(const char *s, size_t len, void *arg)
{
	struct buf	*b = arg;

	buf_append(b, s, len);
	buf_puts(b, "|");
}

static char *
split(const char *sql)
{
	struct buf	 b = BUF_INIT;

	if (store_split_sql(sql, strlen(sql), collect, &b) == -1) {
		buf_free(&b);
		return NULL;
	}
	buf_putc(&b, '\0');
	return buf_release(&b);
}

static void
check(const char *sql, const char *want)
{
	char	*got = split(sql);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_split_plain(void **state)
{
	(void)state;
	check("SELECT 1; SELECT 2;", "SELECT 1| SELECT 2|");
	check("SELECT 1", "SELECT 1|");
	check("  ;;\n", "");
}

static void
test_split_skips_quotes_and_comments(void **state)
{
	(void)state;
	check("SELECT ';'; SELECT \"a;b\";", "SELECT ';'| SELECT \"a;b\"|");
	check("SELECT 'it''s;'", "SELECT 'it''s;'|");
	check("-- a; b\nSELECT 1;", "-- a; b\nSELECT 1|");
	check("/* a; /* b; */ c; */ SELECT 1;",
	    "/* a; /* b; */ c; */ SELECT 1|");
	check("-- only a comment;\n", "");
}

static void
test_split_dollar_bodies(void **state)
{
	(void)state;
	check("CREATE FUNCTION f() AS $$ BEGIN; END $$; SELECT 2;",
	    "CREATE FUNCTION f() AS $$ BEGIN; END $$| SELECT 2|");
	check("DO $x$ a; $$ b; $x$;", "DO $x$ a; $$ b; $x$|");
	check("SELECT $1, a$b;", "SELECT $1, a$b|");
}

static void
test_split_rejects_unterminated(void **state)
{
	(void)state;
	assert_null(split("SELECT 'abc"));
	assert_null(split("SELECT \"abc"));
	assert_null(split("/* open"));
	assert_null(split("DO $$ never closed"));
}

/* hosts, or -1 with the reason compared against want_err's prefix. */
static int
conninfo(const char *s, const char *want_err)
{
	struct buf	 err = BUF_INIT;
	int		 hosts = -7;

	if (store_conninfo_check(s, &hosts, &err) == -1) {
		assert_non_null(want_err);
		assert_non_null(err.data);
		if (strncmp(err.data, want_err, strlen(want_err)) != 0)
			fail_msg("got \"%s\", want \"%s...\"", err.data,
			    want_err);
		buf_free(&err);
		return -1;
	}
	assert_null(want_err);
	assert_int_equal(err.len, 0);
	return hosts;
}

static void
test_conninfo_counts_hosts(void **state)
{
	(void)state;
	assert_int_equal(conninfo(NULL, NULL), 1);
	assert_int_equal(conninfo("", NULL), 1);
	assert_int_equal(conninfo("postgresql:///crewlog", NULL), 1);
	assert_int_equal(conninfo("postgresql://u@db1:5432/crewlog", NULL),
	    1);
	assert_int_equal(conninfo("postgresql://u@db1:5432,db2:5433/crewlog"
	    "?target_session_attrs=read-write", NULL), 2);
	assert_int_equal(conninfo("host=a,b,c port=1,2,3 dbname=x", NULL), 3);
	assert_int_equal(conninfo("hostaddr=127.0.0.1,127.0.0.2 dbname=x",
	    NULL), 2);
	assert_int_equal(conninfo("postgresql://a,b/x?target_session_attrs="
	    "primary", NULL), 2);
}

static void
test_conninfo_rejects_targets_that_refuse_writes(void **state)
{
	(void)state;
	/* One server is the primary: "any" is what libpq does anyway. */
	assert_int_equal(conninfo("host=a target_session_attrs=any", NULL), 1);
	assert_int_equal(conninfo("postgresql://a,b/x?target_session_attrs=any",
	    "target_session_attrs=any with 2 hosts"), -1);
	assert_int_equal(conninfo("host=a target_session_attrs=standby",
	    "target_session_attrs=standby with 1 host could"), -1);
	assert_int_equal(conninfo("host=a,b target_session_attrs=read-only",
	    "target_session_attrs=read-only with 2 hosts"), -1);
	assert_int_equal(conninfo("host=a,b target_session_attrs="
	    "prefer-standby", "target_session_attrs=prefer-standby"), -1);
}

static void
test_conninfo_rejects_what_libpq_would(void **state)
{
	(void)state;
	assert_int_equal(conninfo("postgresql://a/x?nosuchkey=1",
	    "invalid URI query parameter: \"nosuchkey\""), -1);
	assert_int_equal(conninfo("host=a dbname", "missing \"=\" after "
	    "\"dbname\""), -1);
	assert_int_equal(conninfo("host='a", "unterminated quoted string"),
	    -1);
	assert_int_equal(conninfo("postgres://[::1/x", "end of string "
	    "reached"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_plain),
		cmocka_unit_test(test_split_skips_quotes_and_comments),
		cmocka_unit_test(test_split_dollar_bodies),
		cmocka_unit_test(test_split_rejects_unterminated),
		cmocka_unit_test(test_conninfo_counts_hosts),
		cmocka_unit_test(
		    test_conninfo_rejects_targets_that_refuse_writes),
		cmocka_unit_test(test_conninfo_rejects_what_libpq_would),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
