/*
 * test_service.c: the services' path table, rule by rule, including the
 * priority that keeps /login and /logout out of hours' "/log*".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "service.h"

static void
test_each_path_has_its_service(void **state)
{
	static const struct {
		const char	*path;
		enum service	 svc;
	} cases[] = {
		{ "/", SVC_USERS },
		{ "/signup", SVC_USERS },
		{ "/login", SVC_USERS },
		{ "/logout", SVC_USERS },
		{ "/api/users", SVC_USERS },
		{ "/api/sessions", SVC_USERS },
		{ "/api/me", SVC_USERS },
		{ "/log", SVC_HOURS },
		{ "/log/12/edit", SVC_HOURS },
		{ "/log/12/delete", SVC_HOURS },
		{ "/api/hours", SVC_HOURS },
		{ "/api/hours/7", SVC_HOURS },
		{ "/leaderboard", SVC_BOARD },
		{ "/api/leaderboard", SVC_BOARD },
		{ "/leaderboardx", SVC_USERS },
		{ "/api/me/x", SVC_USERS },
		{ "/nowhere", SVC_USERS },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (service_of_path(cases[i].path) != cases[i].svc)
			fail_msg("%s: service %d, want %d", cases[i].path,
			    service_of_path(cases[i].path), cases[i].svc);
}

static void
test_serves(void **state)
{
	(void)state;
	assert_true(service_serves(SVC_ALL, "/leaderboard"));
	assert_true(service_serves(SVC_ALL, "/api/hours"));
	assert_true(service_serves(SVC_BOARD, "/api/leaderboard"));
	assert_false(service_serves(SVC_BOARD, "/api/hours"));
	assert_false(service_serves(SVC_BOARD, "/"));
	assert_false(service_serves(SVC_HOURS, "/login"));
	assert_true(service_serves(SVC_HOURS, "/log"));
	assert_false(service_serves(SVC_USERS, "/log"));
	assert_true(service_serves(SVC_USERS, "/"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_path_has_its_service),
		cmocka_unit_test(test_serves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
