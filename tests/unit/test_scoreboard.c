/*
 * test_scoreboard.c: slots, counters and the duration histogram, and that
 * the mapping really is shared with a forked child.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "scoreboard.h"

static void
test_claim_until_full(void **state)
{
	struct scoreboard	*sb;
	struct sb_counts	 c;

	(void)state;
	assert_null(sb_new("www", 0));
	sb = sb_new("www", 2);
	assert_non_null(sb);
	assert_string_equal(sb->name, "www");
	assert_int_equal(sb_claim(sb, 1), 0);
	assert_int_equal(sb_claim(sb, 1), 1);
	assert_int_equal(sb_claim(sb, 1), -1);
	sb_count(sb, &c);
	assert_int_equal(c.total, 2);
	assert_int_equal(c.idle, 2);	/* starting counts as spare */
	sb_release(sb, 0);
	assert_int_equal(sb_claim(sb, 2), 0);
	assert_int_equal(sb->slots[0].generation, 2);
	sb_free(sb);
}

static void
test_request_cycle(void **state)
{
	struct scoreboard	*sb = sb_new("www", 3);
	struct sb_slot		*s;
	struct sb_proc		 p;
	struct sb_counts	 c;

	(void)state;
	assert_int_equal(sb_claim(sb, 1), 0);
	s = &sb->slots[0];
	sb_set_state(s, SB_IDLE);
	sb_begin_request(sb, s);
	sb_set_request(s, "GET", "/hours?week=3");
	sb_set_state(s, SB_RUNNING);
	sb_count(sb, &c);
	assert_int_equal(c.active, 1);
	assert_int_equal(c.idle, 0);
	assert_int_equal(sb_get(&sb->accepted), 1);
	assert_int_equal(sb_get(&sb->max_active), 1);
	sb_read_slot(s, &p);
	assert_int_equal(p.state, SB_RUNNING);
	assert_string_equal(p.method, "GET");
	assert_string_equal(p.uri, "/hours?week=3");
	sb_end_request(sb, s, 3000);		/* 3 ms */
	sb_set_state(s, SB_IDLE);
	sb_read_slot(s, &p);
	assert_int_equal(p.requests, 1);
	assert_int_equal(p.last_duration_us, 3000);
	/* 3 ms falls in the 0.005 bucket, the second. */
	assert_int_equal(sb_get(&sb->hist[1]), 1);
	assert_int_equal(sb_get(&sb->hist_count), 1);
	assert_int_equal(sb_get(&sb->hist_sum_us), 3000);
	sb_end_request(sb, s, 60 * 1000000);	/* past the last bound */
	assert_int_equal(sb_get(&sb->hist[SB_NBUCKETS - 1]), 1);
	sb_free(sb);
}

static void
test_uri_truncated(void **state)
{
	struct scoreboard	*sb = sb_new("www", 1);
	char			 uri[1000];
	struct sb_proc		 p;

	(void)state;
	memset(uri, 'a', sizeof(uri) - 1);
	uri[sizeof(uri) - 1] = '\0';
	assert_int_equal(sb_claim(sb, 1), 0);
	sb_set_request(&sb->slots[0], "AVERYLONGMETHODNAMEINDEED", uri);
	sb_read_slot(&sb->slots[0], &p);
	assert_int_equal(strlen(p.uri), SB_URI_MAX - 1);
	assert_int_equal(strlen(p.method), SB_METHOD_MAX - 1);
	sb_free(sb);
}

static void
test_counters_inherited(void **state)
{
	struct scoreboard	*a = sb_new("www", 1), *b = sb_new("www", 4);

	(void)state;
	sb_add(&a->accepted, 7);
	sb_add(&a->respawns, 2);
	sb_add(&a->hist[3], 5);
	sb_max(&a->max_active, 3);
	sb_max(&a->max_active, 2);
	assert_int_equal(sb_get(&a->max_active), 3);
	sb_inherit(b, a);
	assert_int_equal(sb_get(&b->accepted), 7);
	assert_int_equal(sb_get(&b->respawns), 2);
	assert_int_equal(sb_get(&b->hist[3]), 5);
	assert_int_equal(sb_get(&b->max_active), 3);
	assert_int_equal(b->nslots, 4);
	sb_free(a);
	sb_free(b);
}

static void
test_shared_with_child(void **state)
{
	struct scoreboard	*sb = sb_new("www", 1);
	pid_t			 pid;
	int			 st;

	(void)state;
	assert_int_equal(sb_claim(sb, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sb_begin_request(sb, &sb->slots[0]);
		sb_set_request(&sb->slots[0], "POST", "/login");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(sb_get(&sb->accepted), 1);
	assert_string_equal(sb->slots[0].uri, "/login");
	sb_free(sb);
}

static void
test_state_names(void **state)
{
	(void)state;
	assert_string_equal(sb_state_name(SB_IDLE), "Idle");
	assert_string_equal(sb_state_name(SB_RUNNING), "Running");
	assert_string_equal(sb_state_name((enum sb_state)99), "Unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claim_until_full),
		cmocka_unit_test(test_request_cycle),
		cmocka_unit_test(test_uri_truncated),
		cmocka_unit_test(test_counters_inherited),
		cmocka_unit_test(test_shared_with_child),
		cmocka_unit_test(test_state_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
