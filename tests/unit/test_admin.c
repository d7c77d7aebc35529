/*
 * test_admin.c: the migration script splitter (the parts of admin.c that
 * need no database; the rest is tested against PostgreSQL in
 * tests/integration/test_app.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "admin.h"

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

	if (admin_split_sql(sql, strlen(sql), collect, &b) == -1) {
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_plain),
		cmocka_unit_test(test_split_skips_quotes_and_comments),
		cmocka_unit_test(test_split_dollar_bodies),
		cmocka_unit_test(test_split_rejects_unterminated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
