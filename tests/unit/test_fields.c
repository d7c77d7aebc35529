/*
 * test_fields.c: the app's input validators.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fields.h"

static void
test_text_rejects_bad_utf8_and_controls(void **state)
{
	(void)state;
	assert_true(field_text_ok("plain", 5, false));
	assert_true(
	    field_text_ok("\xc3\xa9t\xc3\xa9 \xf0\x9f\x9a\x80", 10, false));
	assert_false(field_text_ok("\xff", 1, false));
	assert_false(field_text_ok("\xc0\xaf", 2, false));	/* overlong */
	assert_false(field_text_ok("\xed\xa0\x80", 3, false));	/* surrogate */
	/* Past U+10FFFF. */
	assert_false(field_text_ok("\xf4\x90\x80\x80", 4, false));
	assert_false(field_text_ok("\xe2\x82", 2, false));	/* truncated */
	assert_false(field_text_ok("a\nb", 3, false));
	assert_false(field_text_ok("a\tb", 3, false));
	assert_true(field_text_ok("a\tb", 3, true));
	assert_false(field_text_ok("\x7f", 1, false));
	assert_false(field_text_ok("\xc2\x85", 2, false));	/* C1 NEL */
}

static void
test_email(void **state)
{
	char	 long_email[300];

	(void)state;
	assert_null(field_email("buzz@crew.test"));
	assert_string_equal(field_email(NULL), "is required");
	assert_string_equal(field_email(""), "is required");
	assert_non_null(field_email("buzz"));
	assert_non_null(field_email("@crew.test"));
	assert_non_null(field_email("buzz@"));
	assert_non_null(field_email("buzz@crew"));
	assert_non_null(field_email("bu zz@crew.test"));
	assert_non_null(field_email("a@b@crew.test"));
	assert_non_null(field_email("buzz@crew.test."));
	memset(long_email, 'a', sizeof(long_email));
	strcpy(long_email + 250, "@x.io");
	assert_string_equal(field_email(long_email),
	    "must be at most 254 characters");
}

static void
test_name_and_password(void **state)
{
	char	 s[102];

	(void)state;
	assert_null(field_name("Buzz Aldrin"));
	assert_null(field_name("\xc3\x89milie"));
	assert_non_null(field_name(" Buzz"));
	assert_non_null(field_name("a\x01"));
	memset(s, 'n', 101);
	s[101] = '\0';
	assert_string_equal(field_name(s), "must be at most 100 characters");
	s[100] = '\0';
	assert_null(field_name(s));
	assert_null(field_password("eight ch"));
	assert_string_equal(field_password("seven c"),
	    "must be at least 8 characters");
	/* Counted in characters, not bytes. */
	assert_string_equal(field_password("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"),
	    "must be at least 8 characters");
}

static void
test_date(void **state)
{
	(void)state;
	assert_null(field_date("2026-11-20"));
	assert_null(field_date("2024-02-29"));
	assert_null(field_date("2000-02-29"));
	assert_string_equal(field_date("2100-02-29"),
	    "must be a real calendar date");
	assert_string_equal(field_date("2026-02-30"),
	    "must be a real calendar date");
	assert_non_null(field_date("2026-13-01"));
	assert_non_null(field_date("2026-1-01"));
	assert_non_null(field_date("2026-11-20x"));
	assert_non_null(field_date("+026-11-20"));
	assert_non_null(field_date("1899-12-31"));
	assert_string_equal(field_date(NULL), "is required");
}

static void
test_hours(void **state)
{
	int	 q = 0;

	(void)state;
	assert_null(field_hours_num(2.5, &q));
	assert_int_equal(q, 10);
	assert_null(field_hours_num(0.25, &q));
	assert_int_equal(q, 1);
	assert_null(field_hours_num(24, &q));
	assert_int_equal(q, 96);
	assert_non_null(field_hours_num(0, &q));
	assert_non_null(field_hours_num(24.25, &q));
	assert_non_null(field_hours_num(0.3, &q));
	assert_non_null(field_hours_num(-1, &q));
	assert_non_null(field_hours_num(1.0 / 0.0, &q));
	assert_null(field_hours_text("13.5", &q));
	assert_int_equal(q, 54);
	assert_null(field_hours_text("8", &q));
	assert_int_equal(q, 32);
	assert_non_null(field_hours_text("1e1", &q));
	assert_non_null(field_hours_text("0x10", &q));
	assert_non_null(field_hours_text(" 2", &q));
	assert_non_null(field_hours_text("2,5", &q));
	assert_non_null(field_hours_text("inf", &q));
	assert_non_null(field_hours_text("1.2.3", &q));
	assert_non_null(field_hours_text("", &q));
	assert_non_null(field_hours_text("0000000000000001", &q));
}

static void
test_activity_and_int(void **state)
{
	char	 s[202];
	int64_t	 v;

	(void)state;
	assert_null(field_activity("EVA drill"));
	assert_string_equal(field_activity(""), "is required");
	memset(s, 'a', 201);
	s[201] = '\0';
	assert_string_equal(field_activity(s),
	    "must be at most 200 characters");
	assert_null(field_int("50", 1, 100, &v));
	assert_int_equal(v, 50);
	assert_non_null(field_int("0", 1, 100, &v));
	assert_non_null(field_int("5x", 1, 100, &v));
	assert_non_null(field_int(" 5", 1, 100, &v));
	assert_non_null(field_int("99999999999999999999", 1, 100, &v));
	assert_non_null(field_int("", 1, 100, &v));
}

static void
test_idem_key(void **state)
{
	char	 s[130];

	(void)state;
	assert_null(field_idem_key(NULL));	/* absent: not protected */
	assert_null(field_idem_key("3f2b9c1e-7d4a-4e8b-9a0c-5f6e7d8c9b0a"));
	assert_null(field_idem_key("01HZX3K9Q8_retry.2:a"));
	assert_null(field_idem_key("k"));
	memset(s, 'k', 128);
	s[128] = '\0';
	assert_null(field_idem_key(s));
	s[128] = 'k';
	s[129] = '\0';
	assert_string_equal(field_idem_key(s),
	    "must be at most 128 characters");
	assert_string_equal(field_idem_key(""),
	    "must not be empty (leave it out instead)");
	assert_string_equal(field_idem_key("a b"),
	    "must hold only letters, digits and - _ . :");
	assert_string_equal(field_idem_key("key\n"),
	    "must hold only letters, digits and - _ . :");
	assert_string_equal(field_idem_key("cl\xc3\xa9"),
	    "must hold only letters, digits and - _ . :");
	assert_string_equal(field_idem_key("a/b"),
	    "must hold only letters, digits and - _ . :");
	assert_string_equal(field_idem_key("a+b=="),
	    "must hold only letters, digits and - _ . :");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_rejects_bad_utf8_and_controls),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_name_and_password),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_hours),
		cmocka_unit_test(test_activity_and_int),
		cmocka_unit_test(test_idem_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
