/*
 * test_paging.c: limit/offset and page parsed from raw query values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "paging.h"

/* raw values for limit, offset, page (NULL: absent) */
static unsigned
run(const char *limit, const char *offset, const char *page, bool api,
    struct paging *p)
{
	const char	*raw[PAGING__MAX] = { limit, offset, page };

	return paging_parse(raw, api, 20, p);
}

static void
test_api_defaults(void **state)
{
	struct paging	 p;

	(void)state;
	assert_int_equal(run(NULL, NULL, "7", true, &p), 0);
	assert_int_equal(p.limit, 50);
	assert_int_equal(p.offset, 0);
	assert_int_equal(p.page, 1);	/* page is a page's, not the API's */
}

static void
test_api_values(void **state)
{
	struct paging	 p;

	(void)state;
	assert_int_equal(run("10", "30", NULL, true, &p), 0);
	assert_int_equal(p.limit, 10);
	assert_int_equal(p.offset, 30);
	assert_int_equal(p.page, 4);
	assert_int_equal(run("100", "1000000000", NULL, true, &p), 0);
	assert_int_equal(p.limit, 100);
}

static void
test_api_bad_values_name_each_field(void **state)
{
	struct paging	 p;

	(void)state;
	assert_int_equal(run("0", NULL, NULL, true, &p), 1u << PAGING_LIMIT);
	assert_int_equal(p.limit, 50);
	assert_int_equal(run("101", "-1", NULL, true, &p),
	    1u << PAGING_LIMIT | 1u << PAGING_OFFSET);
	assert_int_equal(run("5x", "", NULL, true, &p),
	    1u << PAGING_LIMIT | 1u << PAGING_OFFSET);
	assert_int_equal(run(NULL, "1000000001", NULL, true, &p),
	    1u << PAGING_OFFSET);
	assert_string_equal(paging_names[PAGING_OFFSET], "offset");
	assert_string_equal(paging_msgs[PAGING_LIMIT],
	    "must be an integer from 1 to 100");
}

static void
test_page(void **state)
{
	struct paging	 p;

	(void)state;
	assert_int_equal(run("5", "5", NULL, false, &p), 0);
	assert_int_equal(p.limit, 20);	/* the caller's page size */
	assert_int_equal(p.offset, 0);
	assert_int_equal(p.page, 1);
	assert_int_equal(run(NULL, NULL, "3", false, &p), 0);
	assert_int_equal(p.offset, 40);
	assert_int_equal(p.page, 3);
	assert_int_equal(run(NULL, NULL, "10000000", false, &p), 0);
	assert_int_equal(p.offset, (10000000 - 1) * 20);
}

static void
test_bad_page_is_an_error(void **state)
{
	struct paging	 p;

	(void)state;
	assert_int_equal(run(NULL, NULL, "0", false, &p), 1u << PAGING_PAGE);
	assert_int_equal(p.page, 1);
	assert_int_equal(p.offset, 0);
	assert_int_equal(run(NULL, NULL, "abc", false, &p), 1u << PAGING_PAGE);
	assert_int_equal(run(NULL, NULL, "10000001", false, &p),
	    1u << PAGING_PAGE);
	assert_int_equal(run(NULL, NULL, "2 ", false, &p), 1u << PAGING_PAGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_defaults),
		cmocka_unit_test(test_api_values),
		cmocka_unit_test(test_api_bad_values_name_each_field),
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_bad_page_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
