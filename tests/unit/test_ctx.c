/*
 * test_ctx.c: reading a request through the app's context: fields that
 * are absent or invalid, paging from the query, route ids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ctx.h"
#include "fields.h"

static const struct req_limits	 lim = { 4096, 8 };

struct fixture {
	struct request	 req;
	struct response	 resp;
	struct ctx	 c;
};

/* A POST to uri (its query included) with a body of type; 0 or -1. */
static int
setup(struct fixture *f, const char *uri, const char *type, const char *body)
{
	char		 u[256], q[256], ct[128], cl[64];
	const char	*qs = strchr(uri, '?');
	char		*envp[] = { "REQUEST_METHOD=POST", u, q, ct, cl, NULL };
	struct req_error err;

	snprintf(u, sizeof(u), "REQUEST_URI=%s", uri);
	snprintf(q, sizeof(q), "QUERY_STRING=%s", qs != NULL ? qs + 1 : "");
	snprintf(ct, sizeof(ct), "CONTENT_TYPE=%s", type);
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu", strlen(body));
	req_init(&f->req);
	resp_init(&f->resp);
	memset(&err, 0, sizeof(err));
	if (req_parse_params(&f->req, envp, &lim, &err) == -1 ||
	    req_parse_body(&f->req, body, strlen(body), &lim, &err) == -1)
		return -1;
	ctx_init(&f->c, NULL, &f->req, &f->resp);
	return 0;
}

static void
teardown(struct fixture *f)
{
	ctx_free(&f->c);
	req_free(&f->req);
	resp_free(&f->resp);
}

#define FORM	"application/x-www-form-urlencoded"
#define JSON	"application/json"

static void
test_field_form(void **state)
{
	struct fixture	 f;
	const char	*s;

	(void)state;
	assert_int_equal(setup(&f, "/signup", FORM,
			     "email=a%40b.example&"
			     "name=&bad=x%00y"),
	    0);
	assert_int_equal(ctx_field(&f.c, "email", &s), CTX_OK);
	assert_string_equal(s, "a@b.example");
	assert_int_equal(ctx_field(&f.c, "name", &s), CTX_OK);
	assert_string_equal(s, "");
	assert_int_equal(ctx_field(&f.c, "nope", &s), CTX_ABSENT);
	assert_null(s);
	assert_int_equal(ctx_field(&f.c, "bad", &s), CTX_INVALID);
	assert_null(s);
	teardown(&f);
}

static void
test_field_json(void **state)
{
	struct fixture	 f;
	const char	*s;

	(void)state;
	assert_int_equal(setup(&f, "/api/users", JSON,
			     "{\"email\":\"a@b.c\","
			     "\"name\":null,\"n\":5,\"o\":{}}"),
	    0);
	assert_int_equal(ctx_field(&f.c, "email", &s), CTX_OK);
	assert_string_equal(s, "a@b.c");
	assert_int_equal(ctx_field(&f.c, "name", &s), CTX_ABSENT);
	assert_int_equal(ctx_field(&f.c, "missing", &s), CTX_ABSENT);
	assert_int_equal(ctx_field(&f.c, "n", &s), CTX_INVALID);
	assert_int_equal(ctx_field(&f.c, "o", &s), CTX_INVALID);
	assert_true(json_is_integer(ctx_json_field(&f.c, "n")));
	teardown(&f);
}

static void
test_field_check_names_the_field(void **state)
{
	struct fixture	 f;
	json_t		*errs = json_object();

	(void)state;
	assert_int_equal(
	    setup(&f, "/api/users", JSON,
		"{\"email\":\"nope\",\"name\":7,\"password\":\"long enough\"}"),
	    0);
	assert_string_equal(ctx_field_check(&f.c, "email", field_email, errs),
	    "nope");
	assert_null(ctx_field_check(&f.c, "name", field_name, errs));
	assert_non_null(
	    ctx_field_check(&f.c, "password", field_password, errs));
	assert_null(ctx_field_check(&f.c, "other", field_name, errs));
	assert_int_equal(json_object_size(errs), 3);
	assert_string_equal(json_string_value(json_object_get(errs, "email")),
	    "must be an email address like name@example.com");
	assert_string_equal(json_string_value(json_object_get(errs, "name")),
	    "must be a string of text");
	assert_string_equal(json_string_value(json_object_get(errs, "other")),
	    "is required");
	json_decref(errs);
	teardown(&f);
}

static void
test_paging_api_and_page(void **state)
{
	struct fixture	 f;
	struct paging	 p;
	json_t		*errs;

	(void)state;
	assert_int_equal(setup(&f, "/api/hours?limit=5&offset=10", JSON, "{}"),
	    0);
	assert_int_equal(ctx_paging(&f.c, 20, &p, &errs), 0);
	assert_null(errs);
	assert_int_equal(p.limit, 5);
	assert_int_equal(p.offset, 10);
	teardown(&f);
	assert_int_equal(setup(&f, "/log?page=3", FORM, ""), 0);
	assert_int_equal(ctx_paging(&f.c, 20, &p, &errs), 0);
	assert_int_equal(p.offset, 40);
	teardown(&f);
}

static void
test_paging_errors_name_fields(void **state)
{
	struct fixture	 f;
	struct paging	 p;
	json_t		*errs;

	(void)state;
	assert_int_equal(setup(&f, "/api/hours?limit=0&offset=x", JSON, "{}"),
	    0);
	assert_int_equal(ctx_paging(&f.c, 20, &p, &errs), -1);
	assert_int_equal(json_object_size(errs), 2);
	assert_non_null(json_object_get(errs, "limit"));
	assert_non_null(json_object_get(errs, "offset"));
	json_decref(errs);
	teardown(&f);
	assert_int_equal(setup(&f, "/leaderboard?page=-2", FORM, ""), 0);
	assert_int_equal(ctx_paging(&f.c, 50, &p, &errs), -1);
	assert_string_equal(json_string_value(json_object_get(errs, "page")),
	    "must be an integer from 1 to 10000000");
	json_decref(errs);
	teardown(&f);
}

static void
test_route_id(void **state)
{
	struct fixture	 f;

	(void)state;
	assert_int_equal(setup(&f, "/api/hours/1", JSON, "{}"), 0);
	kv_add(&f.req.route, "id", 2, "42", 2);
	kv_add(&f.req.route, "zero", 4, "0", 1);
	kv_add(&f.req.route, "junk", 4, "4x", 2);
	kv_add(&f.req.route, "big", 3, "9999999999999999999", 19);
	assert_int_equal(ctx_route_id(&f.c, "id"), 42);
	assert_int_equal(ctx_route_id(&f.c, "zero"), -1);
	assert_int_equal(ctx_route_id(&f.c, "junk"), -1);
	assert_int_equal(ctx_route_id(&f.c, "big"), -1);
	assert_int_equal(ctx_route_id(&f.c, "none"), -1);
	teardown(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_form),
		cmocka_unit_test(test_field_json),
		cmocka_unit_test(test_field_check_names_the_field),
		cmocka_unit_test(test_paging_api_and_page),
		cmocka_unit_test(test_paging_errors_name_fields),
		cmocka_unit_test(test_route_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
