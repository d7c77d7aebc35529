/*
 * test_router.c: patterns with literals, :captures and a trailing *;
 * 404 for an unknown path, 405 with a sorted Allow, HEAD served by GET.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "router.h"

/* Handlers are only compared by address. */
static void
h_a(struct ctx *c)
{
	(void)c;
}
static void
h_b(struct ctx *c)
{
	(void)c;
}
static void
h_c(struct ctx *c)
{
	(void)c;
}
static void
h_d(struct ctx *c)
{
	(void)c;
}
static void
h_e(struct ctx *c)
{
	(void)c;
}
static void
h_f(struct ctx *c)
{
	(void)c;
}
static void
h_g(struct ctx *c)
{
	(void)c;
}
static void
h_h(struct ctx *c)
{
	(void)c;
}

static const struct route	 routes[] = {
	{ HTTP_GET, "/", h_a, 0 },
	{ HTTP_GET, "/api/hours", h_b, 1 },
	{ HTTP_POST, "/api/hours", h_c, 2 },
	{ HTTP_GET, "/api/hours/export", h_d, 0 },
	{ HTTP_GET, "/api/hours/:id", h_e, 0 },
	{ HTTP_PUT, "/api/hours/:id", h_f, 0 },
	{ HTTP_DELETE, "/api/hours/:id", h_f, 0 },
	{ HTTP_PUT, "/api/hours/:id", h_g, 0 },		/* shadowed */
	{ HTTP_GET, "/u/:user/hours/:day", h_g, 0 },
	{ HTTP_GET, "/static/*", h_h, 0 },
	{ HTTP_HEAD, "/probe", h_a, 0 },
	{ HTTP_GET, "/probe", h_b, 0 },
	{ HTTP_POST, "/only-post", h_c, 0 },
};

static int
setup(void **state)
{
	*state = router_new(routes, sizeof(routes) / sizeof(routes[0]));
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	router_free(*state);
	return 0;
}

/* Matches and returns the handler, checking caps and allow on the way. */
static handler_fn
found(void *r, enum http_method m, const char *path, struct kvlist *caps)
{
	const struct route	*rt = NULL;
	struct buf		 allow = BUF_INIT;

	assert_int_equal(router_match(r, m, path, &rt, caps, &allow),
	    ROUTER_FOUND);
	assert_int_equal(allow.len, 0);
	assert_non_null(rt);
	buf_free(&allow);
	return rt->handler;
}

static void
test_literals(void **state)
{
	struct kvlist	 caps;

	kv_init(&caps);
	assert_ptr_equal(found(*state, HTTP_GET, "/", &caps), h_a);
	assert_ptr_equal(found(*state, HTTP_GET, "/api/hours", &caps), h_b);
	assert_ptr_equal(found(*state, HTTP_POST, "/api/hours", &caps), h_c);
	/* Table order: the literal listed first beats the capture. */
	assert_ptr_equal(found(*state, HTTP_GET, "/api/hours/export", &caps),
	    h_d);
	assert_int_equal(caps.n, 0);
	kv_free(&caps);
}

static void
test_captures(void **state)
{
	struct kvlist	 caps;

	kv_init(&caps);
	assert_ptr_equal(found(*state, HTTP_GET, "/api/hours/42", &caps), h_e);
	assert_int_equal(caps.n, 1);
	assert_string_equal(kv_get(&caps, "id"), "42");
	kv_free(&caps);

	/* Values come from the decoded path as they are: no second decode. */
	kv_init(&caps);
	assert_ptr_equal(found(*state, HTTP_GET,
			     "/u/J\xc3\xbcrgen M%41/hours/2025-03-01", &caps),
	    h_g);
	assert_int_equal(caps.n, 2);
	assert_string_equal(caps.v[0].key, "user");
	assert_string_equal(caps.v[0].val, "J\xc3\xbcrgen M%41");
	assert_string_equal(caps.v[1].key, "day");
	assert_string_equal(caps.v[1].val, "2025-03-01");
	kv_free(&caps);

	/* First match in table order wins; captures only for it. */
	kv_init(&caps);
	assert_ptr_equal(found(*state, HTTP_PUT, "/api/hours/7", &caps), h_f);
	assert_int_equal(caps.n, 1);
	kv_free(&caps);

	/* caps may be NULL. */
	assert_ptr_equal(found(*state, HTTP_GET, "/api/hours/9", NULL), h_e);
}

static void
test_rest(void **state)
{
	struct kvlist	 caps;

	kv_init(&caps);
	assert_ptr_equal(found(*state, HTTP_GET, "/static/css/a.css", &caps),
	    h_h);
	assert_string_equal(kv_get(&caps, "*"), "css/a.css");
	kv_free(&caps);
	kv_init(&caps);
	assert_ptr_equal(found(*state, HTTP_GET, "/static", &caps), h_h);
	assert_string_equal(kv_get(&caps, "*"), "");
	kv_free(&caps);
}

static void
test_not_found(void **state)
{
	static const char *const paths[] = { "/nope", "/api", "/api/hours/",
		"/api/hours/1/2", "//", "/api//hours", "/API/hours",
		"/u/x/hours", "/u//hours/1", "", "api/hours", "/staticx" };
	struct kvlist		 caps;
	struct buf		 allow = BUF_INIT;
	const struct route	*rt = NULL;
	size_t			 i;

	kv_init(&caps);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (router_match(*state, HTTP_GET, paths[i], &rt, &caps,
			&allow) != ROUTER_NOT_FOUND)
			fail_msg("%s matched", paths[i]);
	}
	assert_null(rt);
	assert_int_equal(caps.n, 0);
	assert_int_equal(allow.len, 0);
	assert_int_equal(router_match(*state, HTTP_GET, NULL, &rt, &caps,
			     &allow),
	    ROUTER_NOT_FOUND);
	kv_free(&caps);
	buf_free(&allow);
}

static void
test_bad_method_allow(void **state)
{
	struct kvlist		 caps;
	struct buf		 allow = BUF_INIT;
	const struct route	*rt = NULL;

	kv_init(&caps);
	assert_int_equal(router_match(*state, HTTP_PATCH, "/api/hours/3", &rt,
			     &caps, &allow),
	    ROUTER_BAD_METHOD);
	/* Sorted, PUT once although two routes have it, HEAD with GET. */
	assert_string_equal(buf_cstr(&allow), "DELETE, GET, HEAD, PUT");
	assert_int_equal(caps.n, 0);
	assert_null(rt);
	buf_reset(&allow);
	assert_int_equal(router_match(*state, HTTP_DELETE, "/api/hours", &rt,
			     &caps, &allow),
	    ROUTER_BAD_METHOD);
	assert_string_equal(buf_cstr(&allow), "GET, HEAD, POST");
	buf_reset(&allow);
	assert_int_equal(router_match(*state, HTTP_GET, "/only-post", &rt,
			     &caps, &allow),
	    ROUTER_BAD_METHOD);
	assert_string_equal(buf_cstr(&allow), "POST");
	buf_reset(&allow);
	assert_int_equal(router_match(*state, HTTP_OTHER, "/", &rt, &caps,
			     &allow),
	    ROUTER_BAD_METHOD);
	assert_string_equal(buf_cstr(&allow), "GET, HEAD");
	/* allow may be NULL. */
	assert_int_equal(router_match(*state, HTTP_OPTIONS, "/", &rt, &caps,
			     NULL),
	    ROUTER_BAD_METHOD);
	kv_free(&caps);
	buf_free(&allow);
}

static void
test_head(void **state)
{
	struct kvlist	 caps;

	kv_init(&caps);
	assert_ptr_equal(found(*state, HTTP_HEAD, "/api/hours/5", &caps), h_e);
	assert_string_equal(kv_get(&caps, "id"), "5");
	kv_free(&caps);
	/* An explicit HEAD route beats the GET route for the same path. */
	assert_ptr_equal(found(*state, HTTP_HEAD, "/probe", NULL), h_a);
	assert_ptr_equal(found(*state, HTTP_GET, "/probe", NULL), h_b);
}

static void
test_bad_patterns(void **state)
{
	static const char *const bad[] = { "", "nolead", "/a/*/b",
		"/:", "/a/:/b", "/*/" };
	struct route r[2] = { { HTTP_GET, "/ok", h_a, 0 },
		{ HTTP_GET, NULL, h_a, 0 } };
	struct router	*ro;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r[1].pattern = bad[i];
		if ((ro = router_new(r, 2)) != NULL) {
			router_free(ro);
			fail_msg("pattern \"%s\" accepted", bad[i]);
		}
	}
	r[1].pattern = NULL;
	assert_null(router_new(r, 2));
	/* "*x" is a literal segment, not a wildcard. */
	r[1].pattern = "/*x";
	assert_non_null(ro = router_new(r, 2));
	assert_int_equal(router_match(ro, HTTP_GET, "/*x", NULL, NULL, NULL),
	    ROUTER_FOUND);
	assert_int_equal(router_match(ro, HTTP_GET, "/yx", NULL, NULL, NULL),
	    ROUTER_NOT_FOUND);
	router_free(ro);
	/* An empty table routes nothing. */
	assert_non_null(ro = router_new(r, 0));
	assert_int_equal(router_match(ro, HTTP_GET, "/", NULL, NULL, NULL),
	    ROUTER_NOT_FOUND);
	router_free(ro);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_literals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_captures, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_found, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_method_allow, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_head, setup, teardown),
		cmocka_unit_test(test_bad_patterns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
