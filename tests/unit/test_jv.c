/*
 * test_jv.c: the one JSON-building policy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jv.h"

static void
test_str_plain(void **state)
{
	json_t	*v;

	(void)state;
	v = jv_str("J\xc3\xbcrgen");
	assert_true(json_is_string(v));
	assert_string_equal(json_string_value(v), "J\xc3\xbcrgen");
	json_decref(v);
	v = jv_str("");
	assert_string_equal(json_string_value(v), "");
	json_decref(v);
}

static void
test_str_null_is_json_null(void **state)
{
	json_t	*v;

	(void)state;
	v = jv_str(NULL);
	assert_true(json_is_null(v));
	json_decref(v);
}

static void
test_str_bad_utf8_becomes_replacement(void **state)
{
	json_t	*v;

	(void)state;
	v = jv_str("a\xff"
		   "b\xc3"); /* a stray byte, a cut sequence */
	assert_non_null(v);
	assert_string_equal(json_string_value(v),
	    "a\xef\xbf\xbd"
	    "b\xef\xbf\xbd");
	json_decref(v);
	v = jv_str("\xed\xa0\x80");	/* a UTF-16 surrogate */
	assert_string_equal(json_string_value(v),
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	json_decref(v);
}

static void
test_clean_keeps_valid_text(void **state)
{
	char	*s;

	(void)state;
	s = jv_utf8_clean("ok \xe2\x82\xac \xf0\x9f\x9a\x80");
	assert_string_equal(s, "ok \xe2\x82\xac \xf0\x9f\x9a\x80");
	free(s);
	s = jv_utf8_clean("");
	assert_string_equal(s, "");
	free(s);
}

static void
test_set_and_push_steal(void **state)
{
	json_t	*o, *a, *s;

	(void)state;
	o = json_object();
	a = json_array();
	s = jv_str("x");
	jv_push(a, json_incref(s));
	jv_set(o, "list", a);
	jv_set(o, "s", s);
	assert_int_equal(s->refcount, 2);	/* the array's and the object's */
	assert_int_equal(json_array_size(json_object_get(o, "list")), 1);
	json_decref(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str_plain),
		cmocka_unit_test(test_str_null_is_json_null),
		cmocka_unit_test(test_str_bad_utf8_becomes_replacement),
		cmocka_unit_test(test_clean_keeps_valid_text),
		cmocka_unit_test(test_set_and_push_steal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
