/*
 * test_store.c: the parts of store.c that need no database: the check of
 * a connection string (the rest is tested against PostgreSQL in
 * tests/integration/ and tests/reliability/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "store.h"

/* A connection string, and what store_conninfo_check() must say of it. */
struct conninfo_case {
	const char	*s;
	int		 hosts;		/* when accepted */
	const char	*err;		/* prefix of the reason, NULL: accepted */
};

static void
check_cases(const struct conninfo_case *t, size_t n)
{
	struct buf	 err;
	size_t		 i;
	int		 hosts, rc;

	for (i = 0; i < n; i++) {
		buf_init(&err);
		hosts = -7;
		rc = store_conninfo_check(t[i].s, &hosts, &err);
		if (t[i].err == NULL) {
			if (rc != 0 || hosts != t[i].hosts)
				fail_msg("\"%s\": rc %d, %d hosts: %s", t[i].s,
				    rc, hosts, buf_cstr(&err));
		} else if (rc != -1 || err.data == NULL ||
		    strncmp(err.data, t[i].err, strlen(t[i].err)) != 0)
			fail_msg("\"%s\": rc %d, \"%s\", want \"%s...\"",
			    t[i].s, rc, buf_cstr(&err), t[i].err);
		buf_free(&err);
	}
}

static void
test_conninfo_counts_hosts(void **state)
{
	static const struct conninfo_case t[] = {
		{ NULL, 1, NULL },
		{ "", 1, NULL },
		{ "postgresql:///crewlog", 1, NULL },
		{ "postgresql://u@db1:5432/crewlog", 1, NULL },
		{ "postgresql://u@db1:5432,db2:5433/crewlog"
		  "?target_session_attrs=read-write",
		    2, NULL },
		{ "host=a,b,c port=1,2,3 dbname=x", 3, NULL },
		{ "hostaddr=127.0.0.1,127.0.0.2 dbname=x", 2, NULL },
		{ "postgresql://a,b/x?target_session_attrs=primary", 2, NULL },
		/* One server is the primary: "any" is what libpq does. */
		{ "host=a target_session_attrs=any", 1, NULL },
	};

	(void)state;
	check_cases(t, sizeof(t) / sizeof(t[0]));
}

static void
test_conninfo_rejects_targets_that_refuse_writes(void **state)
{
	static const struct conninfo_case t[] = {
		{ "postgresql://a,b/x?target_session_attrs=any", 0,
		    "target_session_attrs=any with 2 hosts could" },
		{ "host=a target_session_attrs=standby", 0,
		    "target_session_attrs=standby with 1 host could" },
		{ "host=a,b target_session_attrs=read-only", 0,
		    "target_session_attrs=read-only with 2 hosts" },
		{ "host=a,b target_session_attrs=prefer-standby", 0,
		    "target_session_attrs=prefer-standby" },
	};

	(void)state;
	check_cases(t, sizeof(t) / sizeof(t[0]));
}

static void
test_conninfo_rejects_what_libpq_would(void **state)
{
	static const struct conninfo_case t[] = {
		{ "postgresql://a/x?nosuchkey=1", 0,
		    "invalid URI query parameter: \"nosuchkey\"" },
		{ "host=a dbname", 0, "missing \"=\" after \"dbname\"" },
		{ "host='a", 0, "unterminated quoted string" },
		{ "postgres://[::1/x", 0, "end of string reached" },
	};

	(void)state;
	check_cases(t, sizeof(t) / sizeof(t[0]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conninfo_counts_hosts),
		cmocka_unit_test(
		    test_conninfo_rejects_targets_that_refuse_writes),
		cmocka_unit_test(test_conninfo_rejects_what_libpq_would),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
