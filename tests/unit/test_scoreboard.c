/*
 * test_scoreboard.c: slots, counters and the duration histogram, and that
 * the mapping really is shared with a forked child.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
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
	/* 3 ms falls in the 0.005 bucket, the sixth. */
	assert_float_equal(sb_bucket_bounds[5], 0.005, 1e-12);
	assert_int_equal(sb_get(&sb->hist[5]), 1);
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
test_route_entries(void **state)
{
	struct scoreboard	*sb = sb_new("www", 1);
	char			 long_route[200];

	(void)state;
	assert_int_equal(sb_route_lookup(sb, "GET", "/a"), -1);
	assert_int_equal(sb_route_find(sb, "GET", "/a"), 0);
	assert_int_equal(sb_route_find(sb, "POST", "/a"), 1);
	assert_int_equal(sb_route_find(sb, "GET", "/b"), 2);
	assert_int_equal(sb_route_find(sb, "GET", "/a"), 0);
	assert_int_equal(sb_route_lookup(sb, "POST", "/a"), 1);
	assert_int_equal(sb_route_lookup(sb, "POST", "/b"), -1);
	sb_route_observe(sb, 1, 300);		/* 0.3 ms: 0.0005 bucket */
	sb_route_observe(sb, 1, 20000);		/* 20 ms: 0.025 bucket */
	sb_route_observe(sb, -1, 20000);	/* table full: ignored */
	assert_int_equal(sb_get(&sb->routes[1].hist[2]), 1);
	assert_int_equal(sb_get(&sb->routes[1].hist[7]), 1);
	assert_int_equal(sb_get(&sb->routes[1].count), 2);
	assert_int_equal(sb_get(&sb->routes[1].sum_us), 20300);
	assert_int_equal(sb_get(&sb->routes[0].count), 0);
	/* Names are truncated, and found again by the truncated name. */
	memset(long_route, 'r', sizeof(long_route) - 1);
	long_route[sizeof(long_route) - 1] = '\0';
	assert_int_equal(sb_route_find(sb, "GET", long_route), 3);
	assert_int_equal(strlen(sb->routes[3].route), SB_ROUTE_MAX - 1);
	assert_int_equal(sb_route_find(sb, "GET", long_route), 3);
	sb_free(sb);
}

static void
test_route_table_full(void **state)
{
	struct scoreboard	*sb = sb_new("www", 1);
	char			 name[32];
	int			 i;

	(void)state;
	for (i = 0; i < SB_ROUTES; i++) {
		snprintf(name, sizeof(name), "/r%d", i);
		assert_int_equal(sb_route_find(sb, "GET", name), i);
	}
	assert_int_equal(sb_route_find(sb, "GET", "/one-more"), -1);
	assert_int_equal(sb_route_find(sb, "GET", "/r7"), 7);
	sb_free(sb);
}

static void
test_quantiles(void **state)
{
	uint64_t	 h[SB_NBUCKETS];

	(void)state;
	memset(h, 0, sizeof(h));
	assert_true(sb_quantile(h, 0.5) < 0);	/* empty */
	/* 100 requests in (0.001, 0.0025]: the median is half way. */
	h[4] = 100;
	assert_float_equal(sb_quantile(h, 0.5), 0.00175, 1e-9);
	assert_float_equal(sb_quantile(h, 0.99), 0.001 + 0.0015 * 0.99, 1e-9);
	/* 90 fast ones below 100 us, 10 in (5 ms, 10 ms]. */
	memset(h, 0, sizeof(h));
	h[0] = 90;
	h[6] = 10;
	assert_float_equal(sb_quantile(h, 0.5), 0.0001 * 50 / 90, 1e-12);
	assert_float_equal(sb_quantile(h, 0.9), 0.0001, 1e-12);
	assert_float_equal(sb_quantile(h, 0.99), 0.005 + 0.005 * 0.9, 1e-9);
	/* Past the last bound: the largest finite bound. */
	memset(h, 0, sizeof(h));
	h[SB_NBUCKETS - 1] = 3;
	assert_float_equal(sb_quantile(h, 0.5), 10, 1e-12);
}

static void
test_routes_inherited(void **state)
{
	struct scoreboard	*a = sb_new("www", 1), *b = sb_new("www", 2);
	struct scoreboard	 base;

	(void)state;
	sb_route_observe(a, sb_route_find(a, "GET", "/x"), 1000);
	sb_route_observe(a, sb_route_find(a, "GET", "/y"), 1000);
	/* The new generation named /y first: counts go by name. */
	assert_int_equal(sb_route_find(b, "GET", "/y"), 0);
	sb_inherit(b, a);
	memcpy(&base, a, sizeof(base));
	assert_int_equal(sb_get(&b->routes[0].count), 1);
	assert_int_equal(sb_route_lookup(b, "GET", "/x"), 1);
	/* The old generation serves two more /x and a new route after. */
	sb_route_observe(a, 0, 2000);
	sb_route_observe(a, 0, 2000);
	sb_route_observe(a, sb_route_find(a, "GET", "/z"), 50);
	sb_add_since(b, a, &base);
	assert_int_equal(sb_get(&b->routes[1].count), 3);
	assert_int_equal(sb_get(&b->routes[1].sum_us), 5000);
	assert_int_equal(sb_get(&b->routes[0].count), 1);
	assert_int_equal(sb_get(&b->routes[sb_route_lookup(b, "GET", "/z")]
				     .count),
	    1);
	sb_free(a);
	sb_free(b);
}

static void
test_routes_shared_with_child(void **state)
{
	struct scoreboard	*sb = sb_new("www", 1);
	pid_t			 pid;
	int			 st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sb_route_observe(sb, sb_route_find(sb, "GET", "/child"), 10);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(sb_route_find(sb, "GET", "/parent"), 1);
	assert_int_equal(sb_route_lookup(sb, "GET", "/child"), 0);
	assert_int_equal(sb_get(&sb->routes[0].count), 1);
	sb_free(sb);
}

/* Processes naming the same routes at once never name two entries alike. */
static void
test_routes_named_once_across_processes(void **state)
{
	struct scoreboard	*sb = sb_new("www", 1);
	char			 name[32], seen[SB_ROUTES];
	pid_t			 pids[4];
	int			 i, k, st, idx;

	(void)state;
	for (k = 0; k < 4; k++) {
		pids[k] = fork();
		assert_true(pids[k] >= 0);
		if (pids[k] == 0) {
			for (i = 0; i < 20; i++) {
				/* Each process walks the names in its order. */
				snprintf(name, sizeof(name), "/r%d",
				    (i * (k + 1) * 7) % 20);
				idx = sb_route_find(sb, "GET", name);
				sb_route_observe(sb, idx, 100);
			}
			_exit(0);
		}
	}
	for (k = 0; k < 4; k++) {
		assert_int_equal(waitpid(pids[k], &st, 0), pids[k]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "/r%d", i);
		idx = sb_route_lookup(sb, "GET", name);
		assert_true(idx >= 0 && idx < 20);
		assert_int_equal(seen[idx], 0);
		seen[idx] = 1;
	}
	assert_int_equal(sb->routes[20].state, 0);
	/* Four processes, each observing every name once (k=0 walks all;
	 * the others may repeat names, so count the total only). */
	for (i = 0, st = 0; i < 20; i++)
		st += (int)sb_get(&sb->routes[i].count);
	assert_int_equal(st, 80);
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
		cmocka_unit_test(test_route_entries),
		cmocka_unit_test(test_route_table_full),
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_routes_inherited),
		cmocka_unit_test(test_routes_shared_with_child),
		cmocka_unit_test(test_routes_named_once_across_processes),
		cmocka_unit_test(test_state_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
