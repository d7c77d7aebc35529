/*
 * test_session.c: the session, cookie and CSRF decisions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "session.h"

/* 43 characters of base64url, like auth_new_token() makes. */
#define TOK_A	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define TOK_B	"abcdefghijklmnopqrstuvwxyz0123456789-_ABCDE"

static void
test_token_prefers_bearer(void **state)
{
	bool	 bearer;

	(void)state;
	assert_string_equal(sess_token("Bearer " TOK_A, TOK_B, &bearer),
	    TOK_A);
	assert_true(bearer);
	assert_string_equal(sess_token("bearer " TOK_A, NULL, &bearer), TOK_A);
	assert_true(bearer);
}

static void
test_token_from_cookie(void **state)
{
	bool	 bearer;

	(void)state;
	assert_string_equal(sess_token(NULL, TOK_B, &bearer), TOK_B);
	assert_false(bearer);
	/* Another scheme is no bearer token: the cookie counts. */
	assert_string_equal(sess_token("Basic eDp5", TOK_B, &bearer), TOK_B);
	assert_false(bearer);
	assert_null(sess_token(NULL, NULL, &bearer));
}

static void
test_token_malformed(void **state)
{
	bool	 bearer;

	(void)state;
	/* A malformed bearer token is not replaced by the cookie. */
	assert_null(sess_token("Bearer short", TOK_B, &bearer));
	assert_true(bearer);
	assert_null(sess_token(NULL, TOK_A "x", &bearer));
	assert_null(sess_token(NULL,
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", &bearer));
}

static void
test_csrf_needed(void **state)
{
	(void)state;
	assert_false(sess_csrf_needed(HTTP_GET, "/log", false, true));
	assert_false(sess_csrf_needed(HTTP_HEAD, "/log", false, true));
	assert_false(sess_csrf_needed(HTTP_OPTIONS, "/log", false, true));
	assert_true(sess_csrf_needed(HTTP_POST, "/log", false, false));
	assert_true(sess_csrf_needed(HTTP_POST, "/login", false, false));
	assert_false(sess_csrf_needed(HTTP_POST, "/log", true, true));
	assert_false(sess_csrf_needed(HTTP_POST, "/api/hours", false, false));
	assert_true(
	    sess_csrf_needed(HTTP_DELETE, "/api/hours/1", false, true));
}

static void
test_csrf_match(void **state)
{
	(void)state;
	assert_true(sess_csrf_match(TOK_A, TOK_A));
	assert_false(sess_csrf_match(TOK_A, TOK_B));
	assert_false(sess_csrf_match(NULL, TOK_A));
	assert_false(sess_csrf_match(TOK_A, NULL));
	assert_false(sess_csrf_match("short", "short"));
}

static void
test_cookie_secure(void **state)
{
	(void)state;
	assert_true(sess_cookie_secure(1, false, "127.0.0.1"));
	assert_false(sess_cookie_secure(0, true, "192.0.2.1"));
	assert_true(sess_cookie_secure(-1, true, "127.0.0.1"));
	assert_false(sess_cookie_secure(-1, false, "127.0.0.1"));
	assert_false(sess_cookie_secure(-1, false, "::1"));
	assert_true(sess_cookie_secure(-1, false, "192.0.2.1"));
	assert_true(sess_cookie_secure(-1, false, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_prefers_bearer),
		cmocka_unit_test(test_token_from_cookie),
		cmocka_unit_test(test_token_malformed),
		cmocka_unit_test(test_csrf_needed),
		cmocka_unit_test(test_csrf_match),
		cmocka_unit_test(test_cookie_secure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
