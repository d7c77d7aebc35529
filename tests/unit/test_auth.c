/*
 * test_auth.c: password hashing, tokens and comparisons.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth.h"

/* The cheapest cost libsodium allows: tests need not be slow. */
static const struct auth_cost cheap = { 1, 8192 };

static int
setup(void **state)
{
	(void)state;
	return auth_init();
}

static void
test_hash_verifies_only_the_password(void **state)
{
	char	 h[AUTH_PWHASH_MAX];

	(void)state;
	assert_int_equal(auth_hash_password("s3cret pass", &cheap, h), 0);
	assert_non_null(strstr(h, "$argon2id$"));
	assert_true(auth_verify_password(h, "s3cret pass", &cheap));
	assert_false(auth_verify_password(h, "s3cret pasS", &cheap));
	assert_false(auth_verify_password(h, "", &cheap));
}

static void
test_hash_is_salted(void **state)
{
	char	 a[AUTH_PWHASH_MAX], b[AUTH_PWHASH_MAX];

	(void)state;
	assert_int_equal(auth_hash_password("same", &cheap, a), 0);
	assert_int_equal(auth_hash_password("same", &cheap, b), 0);
	assert_string_not_equal(a, b);
}

static void
test_unknown_account_never_verifies(void **state)
{
	(void)state;
	assert_false(auth_verify_password(NULL, "crewlog dummy", &cheap));
	assert_false(auth_verify_password(NULL, "anything", &cheap));
}

static void
test_garbage_hash_does_not_verify(void **state)
{
	(void)state;
	assert_false(auth_verify_password("not a hash", "x", &cheap));
	assert_false(auth_verify_password("", "", &cheap));
}

static void
test_tokens_are_random_base64url(void **state)
{
	char	 a[AUTH_TOKEN_LEN + 1], b[AUTH_TOKEN_LEN + 1];

	(void)state;
	auth_new_token(a);
	auth_new_token(b);
	assert_int_equal(strlen(a), AUTH_TOKEN_LEN);
	assert_true(auth_token_syntax(a));
	assert_true(auth_token_syntax(b));
	assert_string_not_equal(a, b);
}

static void
test_token_syntax_rejects_junk(void **state)
{
	char	 t[AUTH_TOKEN_LEN + 1];

	(void)state;
	assert_false(auth_token_syntax(NULL));
	assert_false(auth_token_syntax(""));
	auth_new_token(t);
	t[5] = '+';		/* standard base64, not url-safe */
	assert_false(auth_token_syntax(t));
	auth_new_token(t);
	t[AUTH_TOKEN_LEN - 1] = '\0';
	assert_false(auth_token_syntax(t));
	assert_false(auth_token_syntax("'; DROP TABLE sessions; --"));
}

static void
test_token_hash_is_stable_hex(void **state)
{
	char	 h1[AUTH_HASH_HEX_LEN + 1], h2[AUTH_HASH_HEX_LEN + 1];
	size_t	 i;

	(void)state;
	auth_token_hash("abc", h1);
	auth_token_hash("abc", h2);
	assert_string_equal(h1, h2);
	assert_int_equal(strlen(h1), AUTH_HASH_HEX_LEN);
	for (i = 0; i < AUTH_HASH_HEX_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", h1[i]));
	auth_token_hash("abd", h2);
	assert_string_not_equal(h1, h2);
}

static void
test_equal(void **state)
{
	(void)state;
	assert_true(auth_equal("abc", "abc"));
	assert_false(auth_equal("abc", "abd"));
	assert_false(auth_equal("abc", "abcd"));
	assert_true(auth_equal("", ""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_verifies_only_the_password),
		cmocka_unit_test(test_hash_is_salted),
		cmocka_unit_test(test_unknown_account_never_verifies),
		cmocka_unit_test(test_garbage_hash_does_not_verify),
		cmocka_unit_test(test_tokens_are_random_base64url),
		cmocka_unit_test(test_token_syntax_rejects_junk),
		cmocka_unit_test(test_token_hash_is_stable_hex),
		cmocka_unit_test(test_equal),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
