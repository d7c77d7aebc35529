/*
 * test_request.c: FastCGI params, query strings, forms, cookies, JSON
 * bodies and the libfcgi glue turn into a checked struct request, and
 * every bad input fails with the right status and a message naming it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <fcgiapp.h>

#include "request.h"
#include "request_fcgi.h"

static const struct req_limits	 lim = { 1024, 4 };

/* ---------------------------------------------------------------------
 * Helpers
 */

/* Parses a NULL-terminated list of params into req; returns the rc. */
static int
parse(struct request *req, struct req_error *err, ...)
{
	char		*envp[64];
	const char	*s;
	va_list		 ap;
	size_t		 n = 0;

	va_start(ap, err);
	while ((s = va_arg(ap, const char *)) != NULL && n < 63)
		envp[n++] = (char *)s;
	va_end(ap);
	envp[n] = NULL;
	req_init(req);
	memset(err, 0, sizeof(*err));
	return req_parse_params(req, envp, &lim, err);
}

static void
assert_fails(int rc, const struct req_error *err, int status,
    const char *field, const char *needle)
{
	assert_int_equal(rc, -1);
	assert_int_equal(err->status, status);
	assert_string_equal(err->field, field);
	if (strstr(err->message, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err->message, needle);
}

/* A decoded query or form value, with its length. */
static void
assert_kv(const struct kvlist *l, size_t i, const char *k, const char *v)
{
	assert_true(i < l->n);
	assert_string_equal(l->v[i].key, k);
	assert_string_equal(l->v[i].val, v);
	assert_int_equal(l->v[i].vlen, strlen(v));
}

/* ---------------------------------------------------------------------
 * Percent-decoding
 */

static void
test_decode_good(void **state)
{
	struct req_error	 err;
	char			*out;
	size_t			 n;

	(void)state;
	assert_int_equal(req_percent_decode("a%20b%2fC%2F%41", 15, false, &out,
			     &n, &err),
	    0);
	assert_string_equal(out, "a b/C/A");
	assert_int_equal(n, 7);
	free(out);
	assert_int_equal(req_percent_decode("", 0, false, &out, &n, &err), 0);
	assert_string_equal(out, "");
	free(out);
	/* Only the first n bytes count. */
	assert_int_equal(req_percent_decode("ab%zz", 2, false, &out, &n, &err),
	    0);
	assert_string_equal(out, "ab");
	free(out);
}

static void
test_decode_plus(void **state)
{
	struct req_error	 err;
	char			*out;
	size_t			 n;

	(void)state;
	assert_int_equal(req_percent_decode("a+b%2B", 6, true, &out, &n, &err),
	    0);
	assert_string_equal(out, "a b+");
	free(out);
	assert_int_equal(req_percent_decode("a+b", 3, false, &out, &n, &err),
	    0);
	assert_string_equal(out, "a+b");
	free(out);
}

static void
test_decode_bad_escapes(void **state)
{
	static const char *const bad[] = { "%", "%4", "a%zz", "%g0", "%0g",
		"100%", "%%41", "%-1", "% 1" };
	struct req_error	 err;
	char			*out = (char *)"untouched";
	size_t			 i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(req_percent_decode(bad[i], strlen(bad[i]),
				     true, &out, &n, &err),
		    -1);
		assert_null(out);
		assert_int_equal(err.status, 400);
		assert_non_null(strstr(err.message,
		    "malformed "
		    "percent-escape"));
	}
	assert_int_equal(req_percent_decode("ab%zz", 5, true, &out, &n, &err),
	    -1);
	assert_string_equal(err.message,
	    "malformed percent-escape \"%zz\" at offset 2");
}

static void
test_decode_nul_kept_with_length(void **state)
{
	struct req_error	 err;
	char			*out;
	size_t			 n;

	(void)state;
	assert_int_equal(req_percent_decode("a%00b", 5, false, &out, &n, &err),
	    0);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "a\0b", 4);
	free(out);
}

/* ---------------------------------------------------------------------
 * Query strings
 */

static void
test_query_order_and_duplicates(void **state)
{
	struct kvlist		 l;
	struct req_error	 err;
	const char		*q = "a=1&b=x+y&a=2&c&&d=&a=%33&=skipped&";

	(void)state;
	kv_init(&l);
	assert_int_equal(req_parse_query(q, strlen(q), &l, &err), 0);
	assert_int_equal(l.n, 6);
	assert_kv(&l, 0, "a", "1");
	assert_kv(&l, 1, "b", "x y");
	assert_kv(&l, 2, "a", "2");
	assert_kv(&l, 3, "c", "");
	assert_kv(&l, 4, "d", "");
	assert_kv(&l, 5, "a", "3");
	assert_string_equal(kv_get(&l, "a"), "1");
	assert_int_equal(kv_count(&l, "a"), 3);
	assert_int_equal(kv_count(&l, "zz"), 0);
	assert_null(kv_get(&l, "zz"));
	kv_free(&l);
}

static void
test_query_bad_value_names_parameter(void **state)
{
	struct kvlist		 l;
	struct req_error	 err;

	(void)state;
	kv_init(&l);
	memset(&err, 0, sizeof(err));
	assert_fails(req_parse_query("ok=1&page=%zz", 13, &l, &err), &err, 400,
	    "page", "query parameter \"page\": malformed percent-escape");
	kv_free(&l);
}

static void
test_query_bad_name(void **state)
{
	struct kvlist		 l;
	struct req_error	 err;

	(void)state;
	kv_init(&l);
	assert_fails(req_parse_query("x%4=1", 5, &l, &err), &err, 400, "x%4",
	    "query parameter name \"x%4\"");
	kv_free(&l);
	kv_init(&l);
	assert_fails(req_parse_query("a%00b=1", 7, &l, &err), &err, 400, "a?b",
	    "contains NUL");
	kv_free(&l);
}

static void
test_query_nul_in_value_keeps_length(void **state)
{
	struct kvlist		 l;
	struct req_error	 err;

	(void)state;
	kv_init(&l);
	assert_int_equal(req_parse_query("v=x%00y", 7, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].vlen, 3);
	assert_memory_equal(l.v[0].val, "x\0y", 4);
	kv_free(&l);
}

static void
test_query_too_many(void **state)
{
	struct kvlist		 l;
	struct req_error	 err;
	char			*q;
	size_t			 i, n = REQ_FIELDS_MAX + 1;

	(void)state;
	q = malloc(4 * n + 1);
	assert_non_null(q);
	for (i = 0; i < n; i++)
		memcpy(q + 4 * i, "a=1&", 4);
	kv_init(&l);
	assert_int_equal(req_parse_query(q, 4 * (n - 1), &l, &err), 0);
	assert_int_equal(l.n, REQ_FIELDS_MAX);
	kv_free(&l);
	kv_init(&l);
	assert_fails(req_parse_query(q, 4 * n, &l, &err), &err, 400, "",
	    "more than 1000 query parameters");
	kv_free(&l);
	free(q);
}

/* ---------------------------------------------------------------------
 * Cookies
 */

static void
test_cookies_spaces_and_quotes(void **state)
{
	struct kvlist		 l;
	struct req_error	 err;
	const char		*c = "sid=abc;theme = dark ;  q=\"x y\";"
			"e=;empty=\"\";eq=a=b; sid=second";

	(void)state;
	kv_init(&l);
	assert_int_equal(req_parse_cookies(c, strlen(c), &l, &err), 0);
	assert_int_equal(l.n, 7);
	assert_kv(&l, 0, "sid", "abc");
	assert_kv(&l, 1, "theme", "dark");
	assert_kv(&l, 2, "q", "x y");
	assert_kv(&l, 3, "e", "");
	assert_kv(&l, 4, "empty", "");
	assert_kv(&l, 5, "eq", "a=b");
	assert_kv(&l, 6, "sid", "second");
	/* The first is the most specific path: the one to use. */
	assert_string_equal(kv_get(&l, "sid"), "abc");
	kv_free(&l);
}

static void
test_cookies_bad_pairs_skipped(void **state)
{
	struct kvlist		 l;
	struct req_error	 err;
	const char		*c = "novalue; =anon; bad name=1; a(b=2; "
			"\"q\"=3; ok=1; half=\"open; ;;";

	(void)state;
	kv_init(&l);
	assert_int_equal(req_parse_cookies(c, strlen(c), &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_kv(&l, 0, "ok", "1");
	assert_kv(&l, 1, "half", "\"open");
	kv_free(&l);
}

static void
test_cookies_control_bytes_fail(void **state)
{
	struct kvlist		 l;
	struct req_error	 err;

	(void)state;
	kv_init(&l);
	assert_fails(req_parse_cookies("a=1\r\nb=2", 8, &l, &err), &err, 400,
	    "Cookie", "control character at offset 3");
	kv_free(&l);
	kv_init(&l);
	assert_fails(req_parse_cookies("a=1\0b", 5, &l, &err), &err, 400,
	    "Cookie", "control character");
	kv_free(&l);
	/* A tab is whitespace, not a control to refuse. */
	kv_init(&l);
	assert_int_equal(req_parse_cookies("a=\t1\t", 5, &l, &err), 0);
	assert_kv(&l, 0, "a", "1");
	kv_free(&l);
}

static void
test_cookies_in_request(void **state)
{
	struct request		 req;
	struct req_error	 err;

	(void)state;
	/* Junk pairs do not fail the request. */
	assert_int_equal(parse(&req, &err, "REQUEST_METHOD=GET",
			     "REQUEST_URI=/",
			     "HTTP_COOKIE=junk; crewlog_session=t0k; ;=",
			     NULL),
	    0);
	assert_string_equal(kv_get(&req.cookies, "crewlog_session"), "t0k");
	assert_int_equal(req.cookies.n, 1);
	req_free(&req);
	assert_fails(parse(&req, &err, "REQUEST_METHOD=GET", "REQUEST_URI=/",
			 "HTTP_COOKIE=a=1\x01", NULL),
	    &err, 400, "Cookie", "control");
	req_free(&req);
}

/* ---------------------------------------------------------------------
 * Params: method, path, headers, request id
 */

static void
test_params_basic(void **state)
{
	struct request		 req;
	struct req_error	 err;

	(void)state;
	assert_int_equal(parse(&req, &err, "REQUEST_METHOD=GET",
			     "REQUEST_URI=/api/hours/J%C3%BCrgen?page=2&q=a+b",
			     "QUERY_STRING=page=2&q=a+b",
			     "REMOTE_ADDR=10.0.0.7", "HTTPS=on",
			     "HTTP_USER_AGENT=curl/8",
			     "HTTP_X_FORWARDED_FOR=1.2",
			     "CONTENT_TYPE=", "CONTENT_LENGTH=", "NOEQUALS",
			     "SERVER_NAME=x", NULL),
	    0);
	assert_int_equal(req.method, HTTP_GET);
	assert_string_equal(req.method_name, "GET");
	assert_string_equal(req.uri, "/api/hours/J%C3%BCrgen?page=2&q=a+b");
	assert_string_equal(req.path, "/api/hours/J\xc3\xbcrgen");
	assert_string_equal(req.query_string, "page=2&q=a+b");
	assert_string_equal(kv_get(&req.query, "q"), "a b");
	assert_string_equal(req.remote_addr, "10.0.0.7");
	assert_true(req.https);
	assert_null(req.content_type);
	assert_false(req.has_content_length);
	assert_string_equal(req_header(&req, "user-agent"), "curl/8");
	assert_string_equal(req_header(&req, "User-Agent"), "curl/8");
	assert_string_equal(req_header(&req, "x-forwarded-for"), "1.2");
	assert_null(req_header(&req, "content-type"));
	assert_string_equal(req_param(&req, "SERVER_NAME"), "x");
	assert_null(req_param(&req, "NOEQUALS"));
	req_free(&req);
}

static void
test_params_methods(void **state)
{
	static const struct {
		const char		*p;
		enum http_method	 m;
	} t[] = {
		{ "REQUEST_METHOD=HEAD", HTTP_HEAD },
		{ "REQUEST_METHOD=DELETE", HTTP_DELETE },
		{ "REQUEST_METHOD=OPTIONS", HTTP_OPTIONS },
		{ "REQUEST_METHOD=PROPFIND", HTTP_OTHER },
		{ "REQUEST_METHOD=get", HTTP_OTHER },	/* case matters */
	};
	struct request		 req;
	struct req_error	 err;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(parse(&req, &err, t[i].p, "REQUEST_URI=/",
				     NULL),
		    0);
		assert_int_equal(req.method, t[i].m);
		assert_string_equal(req.method_name, strchr(t[i].p, '=') + 1);
		req_free(&req);
	}
	assert_fails(parse(&req, &err, "REQUEST_URI=/", NULL), &err, 400, "",
	    "no REQUEST_METHOD");
	assert_non_null(req.method_name);	/* the worker logs it */
	req_free(&req);
	assert_fails(parse(&req, &err, "REQUEST_METHOD=G T", "REQUEST_URI=/",
			 NULL),
	    &err, 400, "", "malformed method");
	req_free(&req);
}

static void
test_params_https_off(void **state)
{
	struct request		 req;
	struct req_error	 err;

	(void)state;
	assert_int_equal(parse(&req, &err, "REQUEST_METHOD=GET",
			     "REQUEST_URI=/", "HTTPS=off", NULL),
	    0);
	assert_false(req.https);
	req_free(&req);
	assert_int_equal(parse(&req, &err, "REQUEST_METHOD=GET",
			     "REQUEST_URI=/", "HTTPS=", "REQUEST_SCHEME=https",
			     NULL),
	    0);
	assert_true(req.https);
	req_free(&req);
}

static void
test_path_rejects(void **state)
{
	static const struct {
		const char	*uri;
		const char	*why;
	} t[] = {
		{ "REQUEST_URI=/a/../b", "\"..\" segment" },
		{ "REQUEST_URI=/..", "\"..\" segment" },
		{ "REQUEST_URI=/a/./b", "\".\" segment" },
		{ "REQUEST_URI=/a/.", "\".\" segment" },
		{ "REQUEST_URI=/a/%2e%2E/b", "\"..\" segment" },
		{ "REQUEST_URI=/a%2F..%2Fb", "\"..\" segment" },
		{ "REQUEST_URI=/a%00b", "NUL" },
		{ "REQUEST_URI=/a%zz", "path: malformed percent-escape" },
		{ "REQUEST_URI=/a%4", "path: malformed percent-escape" },
		{ "REQUEST_URI=a/b", "must start with" },
		{ "REQUEST_URI=*", "must start with" },
	};
	struct request		 req;
	struct req_error	 err;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_fails(parse(&req, &err, "REQUEST_METHOD=GET", t[i].uri,
				 NULL),
		    &err, 400, "path", t[i].why);
		if (req.path != NULL)
			fail_msg("%s: path kept as %s", t[i].uri, req.path);
		assert_non_null(req.uri);
		req_free(&req);
	}
}

static void
test_path_accepts(void **state)
{
	static const struct {
		const char	*uri;
		const char	*path;
	} t[] = {
		{ "REQUEST_URI=/", "/" },
		{ "REQUEST_URI=/...", "/..." },
		{ "REQUEST_URI=/a..b/.c/d.", "/a..b/.c/d." },
		{ "REQUEST_URI=/a%2Fb", "/a/b" },
		{ "REQUEST_URI=/a+b%2B", "/a+b+" },	/* '+' stays */
		{ "REQUEST_URI=/%25zz", "/%zz" },	/* decoded once */
		{ "REQUEST_URI=/x?y=/../", "/x" },
		{ "REQUEST_URI=http://h.example:80/p?q", "/p" },
		{ "REQUEST_URI=https://h.example", "/" },
	};
	struct request		 req;
	struct req_error	 err;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(parse(&req, &err, "REQUEST_METHOD=GET",
				     t[i].uri, NULL),
		    0);
		assert_string_equal(req.path, t[i].path);
		req_free(&req);
	}
}

static void
test_path_fallbacks_not_decoded_twice(void **state)
{
	struct request		 req;
	struct req_error	 err;

	(void)state;
	/* nginx's DOCUMENT_URI is decoded already. */
	assert_int_equal(parse(&req, &err, "REQUEST_METHOD=GET",
			     "REQUEST_URI=", "DOCUMENT_URI=/a%41",
			     "QUERY_STRING=x=1", NULL),
	    0);
	assert_string_equal(req.path, "/a%41");
	assert_string_equal(kv_get(&req.query, "x"), "1");
	req_free(&req);
	assert_int_equal(parse(&req, &err, "REQUEST_METHOD=GET",
			     "SCRIPT_NAME=/app", "PATH_INFO=/x", NULL),
	    0);
	assert_string_equal(req.path, "/app/x");
	assert_string_equal(req.query_string, "");
	req_free(&req);
	assert_fails(parse(&req, &err, "REQUEST_METHOD=GET",
			 "DOCUMENT_URI=/a/../b", NULL),
	    &err, 400, "path", "\"..\"");
	req_free(&req);
	assert_fails(parse(&req, &err, "REQUEST_METHOD=GET", NULL), &err, 400,
	    "path", "cannot tell the path");
	req_free(&req);
}

static void
test_query_error_in_request(void **state)
{
	struct request		 req;
	struct req_error	 err;

	(void)state;
	assert_fails(parse(&req, &err, "REQUEST_METHOD=GET",
			 "REQUEST_URI=/x?limit=1%", NULL),
	    &err, 400, "limit", "query parameter \"limit\"");
	req_free(&req);
}

static void
test_request_id(void **state)
{
	struct request		 a, b;
	struct req_error	 err;
	char			 big[100];
	size_t			 i;

	(void)state;
	assert_int_equal(parse(&a, &err, "REQUEST_METHOD=GET", "REQUEST_URI=/",
			     "HTTP_X_REQUEST_ID=edge-01/abc", NULL),
	    0);
	/* '/' is not allowed: a fresh id. */
	assert_int_equal(strlen(a.request_id), 32);
	req_free(&a);
	assert_int_equal(parse(&a, &err, "REQUEST_METHOD=GET", "REQUEST_URI=/",
			     "HTTP_X_REQUEST_ID=edge-01.abc:42_Z", NULL),
	    0);
	assert_string_equal(a.request_id, "edge-01.abc:42_Z");
	req_free(&a);

	/* 64 characters are kept, 65 are not. */
	snprintf(big, sizeof(big), "HTTP_X_REQUEST_ID=%064d", 7);
	assert_int_equal(parse(&a, &err, "REQUEST_METHOD=GET", "REQUEST_URI=/",
			     big, NULL),
	    0);
	assert_string_equal(a.request_id, big + 18);
	req_free(&a);
	snprintf(big, sizeof(big), "HTTP_X_REQUEST_ID=%065d", 7);
	assert_int_equal(parse(&a, &err, "REQUEST_METHOD=GET", "REQUEST_URI=/",
			     big, NULL),
	    0);
	assert_int_equal(strlen(a.request_id), 32);
	req_free(&a);

	/* Generated ids are 32 hex digits and differ; also on errors. */
	assert_int_equal(parse(&a, &err, "REQUEST_METHOD=GET", "REQUEST_URI=/",
			     "HTTP_X_REQUEST_ID=a b", NULL),
	    0);
	assert_int_equal(parse(&b, &err, "REQUEST_METHOD=GET",
			     "REQUEST_URI=/..", "HTTP_X_REQUEST_ID=", NULL),
	    -1);
	assert_int_equal(strlen(a.request_id), 32);
	assert_int_equal(strlen(b.request_id), 32);
	for (i = 0; i < 32; i++) {
		assert_non_null(strchr("0123456789abcdef", a.request_id[i]));
		assert_non_null(strchr("0123456789abcdef", b.request_id[i]));
	}
	assert_string_not_equal(a.request_id, b.request_id);
	req_free(&a);
	req_free(&b);
}

/*
 * Ids come from a per-process random pool: a child forked after the
 * parent drew one must not hand out the bytes the parent still holds.
 */
static void
test_request_id_after_fork(void **state)
{
	struct request		 a, b;
	struct req_error	 err;
	int			 p[2], status;
	char			 got[65];
	pid_t			 pid;
	ssize_t			 n;

	(void)state;
	assert_int_equal(parse(&a, &err, "REQUEST_METHOD=GET", "REQUEST_URI=/",
			     NULL),
	    0);
	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		if (parse(&b, &err, "REQUEST_METHOD=GET", "REQUEST_URI=/",
			NULL) != 0 ||
		    write(p[1], b.request_id, 32) != 32)
			_exit(1);
		_exit(0);
	}
	assert_true(pid > 0);
	close(p[1]);
	/* The parent's next id, drawn from the same pool the child copied. */
	assert_int_equal(parse(&b, &err, "REQUEST_METHOD=GET", "REQUEST_URI=/",
			     NULL),
	    0);
	n = read(p[0], got, 32);
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(n, 32);
	got[32] = '\0';
	assert_string_not_equal(got, b.request_id);
	assert_string_not_equal(got, a.request_id);
	req_free(&a);
	req_free(&b);
}

/*
 * The params are read in one pass: the first of a repeated param wins
 * (as kv_get() finds it), a value keeps its own '=', "HTTP_" alone is no
 * header, and CGI's CONTENT_TYPE stands in for a Content-Type header only
 * when the server sent none.
 */
static void
test_params_one_pass(void **state)
{
	struct request		 req;
	struct req_error	 err;

	(void)state;
	assert_int_equal(parse(&req, &err, "REQUEST_METHOD=POST",
			     "REQUEST_METHOD=DELETE", "REQUEST_URI=/a?x=1",
			     "REQUEST_URI=/b", "QUERY_STRING=", "HTTP_=odd",
			     "HTTP_X_TOKEN=a=b=c",
			     "CONTENT_TYPE=Application/JSON; charset=x",
			     "CONTENT_LENGTH=0", "HTTP_COOKIE=s=1",
			     "HTTP_COOKIE=s=2", NULL),
	    0);
	assert_int_equal(req.method, HTTP_POST);
	assert_string_equal(req.path, "/a");
	assert_string_equal(req.query_string, "");	/* the server's word */
	assert_string_equal(req_header(&req, "x-token"), "a=b=c");
	assert_string_equal(req_param(&req, "HTTP_X_TOKEN"), "a=b=c");
	assert_string_equal(req_param(&req, "HTTP_"), "odd");
	/* x-token, cookie twice, then content-type and -length from CGI */
	assert_int_equal(req.headers.n, 5);
	assert_string_equal(req_header(&req, "content-type"),
	    "Application/JSON; charset=x");
	assert_string_equal(req.content_type, "application/json");
	assert_string_equal(kv_get(&req.cookies, "s"), "1");
	assert_true(req.has_content_length);
	req_free(&req);

	/* A Content-Type header from the server is kept as it came. */
	assert_int_equal(parse(&req, &err, "REQUEST_METHOD=GET",
			     "REQUEST_URI=/", "HTTP_CONTENT_TYPE=text/plain",
			     "CONTENT_TYPE=application/json", NULL),
	    0);
	assert_string_equal(req_header(&req, "content-type"), "text/plain");
	assert_string_equal(req.content_type, "application/json");
	req_free(&req);

	/* No REQUEST_URI: DOCUMENT_URI, else SCRIPT_NAME + PATH_INFO. */
	assert_int_equal(parse(&req, &err, "REQUEST_METHOD=GET",
			     "REQUEST_URI=", "SCRIPT_NAME=/api",
			     "PATH_INFO=/hours/7", "QUERY_STRING=limit=5",
			     NULL),
	    0);
	assert_string_equal(req.path, "/api/hours/7");
	assert_string_equal(req.uri, "/api/hours/7");
	assert_string_equal(kv_get(&req.query, "limit"), "5");
	req_free(&req);
	assert_int_equal(parse(&req, &err, "REQUEST_METHOD=GET",
			     "DOCUMENT_URI=/doc", "SCRIPT_NAME=/api", NULL),
	    0);
	assert_string_equal(req.path, "/doc");
	assert_string_equal(req.uri, "/doc");
	req_free(&req);
}

/* ---------------------------------------------------------------------
 * Content-Length
 */

static void
test_length_missing(void **state)
{
	static const char *const m[] = { "REQUEST_METHOD=POST",
		"REQUEST_METHOD=PUT", "REQUEST_METHOD=PATCH" };
	struct request		 req;
	struct req_error	 err;
	size_t			 i;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_fails(parse(&req, &err, m[i], "REQUEST_URI=/x", NULL),
		    &err, 411, "Content-Length", "needs a Content-Length");
		req_free(&req);
		/* nginx sends the param empty when the header is absent. */
		assert_fails(parse(&req, &err, m[i], "REQUEST_URI=/x",
				 "CONTENT_LENGTH=", NULL),
		    &err, 411, "Content-Length", "needs a Content-Length");
		req_free(&req);
	}
	assert_int_equal(parse(&req, &err, "REQUEST_METHOD=DELETE",
			     "REQUEST_URI=/x", NULL),
	    0);
	req_free(&req);
	assert_int_equal(parse(&req, &err, "REQUEST_METHOD=POST",
			     "REQUEST_URI=/x", "CONTENT_LENGTH=0", NULL),
	    0);
	assert_true(req.has_content_length);
	assert_int_equal(req.content_length, 0);
	req_free(&req);
}

static void
test_length_wrong(void **state)
{
	static const struct {
		const char	*cl;
		const char	*why;
	} t[] = {
		{ "CONTENT_LENGTH=abc", "not a number" },
		{ "CONTENT_LENGTH=12abc", "not a number" },
		{ "CONTENT_LENGTH=+5", "not a number" },
		{ "CONTENT_LENGTH=0x10", "not a number" },
		{ "CONTENT_LENGTH=1 2", "not a number" },
		{ "CONTENT_LENGTH=-1", "must not be negative" },
		{ "CONTENT_LENGTH=99999999999999999999999", "too large" },
		{ "CONTENT_LENGTH=18446744073709551616", "too large" },
	};
	struct request		 req;
	struct req_error	 err;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_fails(parse(&req, &err, "REQUEST_METHOD=POST",
				 "REQUEST_URI=/x", t[i].cl, NULL),
		    &err, 400, "Content-Length", t[i].why);
		req_free(&req);
	}
}

static void
test_length_over_limit(void **state)
{
	struct request		 req;
	struct req_error	 err;

	(void)state;
	assert_int_equal(parse(&req, &err, "REQUEST_METHOD=POST",
			     "REQUEST_URI=/x", "CONTENT_LENGTH=1024", NULL),
	    0);
	assert_int_equal(req.content_length, 1024);
	req_free(&req);
	assert_fails(parse(&req, &err, "REQUEST_METHOD=POST", "REQUEST_URI=/x",
			 "CONTENT_LENGTH=1025", NULL),
	    &err, 413, "Content-Length",
	    "1025 bytes is over the limit of 1024");
	req_free(&req);
	/* Also when the method carries no body as a rule. */
	assert_fails(parse(&req, &err, "REQUEST_METHOD=GET", "REQUEST_URI=/x",
			 "CONTENT_LENGTH= 4096 ", NULL),
	    &err, 413, "Content-Length", "over the limit");
	req_free(&req);
}

/* ---------------------------------------------------------------------
 * Bodies
 */

/* A POST with the given type, parsed, then its body. */
static int
post(struct request *req, struct req_error *err, const char *type,
    const char *body, size_t len)
{
	char	 ct[128], cl[64];
	int	 rc;

	snprintf(ct, sizeof(ct), "CONTENT_TYPE=%s", type);
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu", len);
	if ((rc = parse(req, err, "REQUEST_METHOD=POST", "REQUEST_URI=/api/x",
		 ct, cl, NULL)) == -1)
		return rc;
	return req_parse_body(req, body, len, &lim, err);
}

static void
test_form_body(void **state)
{
	struct request		 req;
	struct req_error	 err;
	const char *b = "name=J%C3%BCrgen+M&csrf=abc&tag=a&tag=b";

	(void)state;
	assert_int_equal(post(&req, &err,
			     "Application/X-WWW-Form-Urlencoded;"
			     " charset=UTF-8",
			     b, strlen(b)),
	    0);
	assert_string_equal(req.content_type,
	    "application/x-www-form-urlencoded");
	assert_int_equal(req.form.n, 4);
	assert_string_equal(kv_get(&req.form, "name"), "J\xc3\xbcrgen M");
	assert_string_equal(kv_get(&req.form, "csrf"), "abc");
	assert_int_equal(kv_count(&req.form, "tag"), 2);
	assert_null(kv_get(&req.form, "nope"));
	assert_null(req.json);
	assert_int_equal(req.body_len, strlen(b));
	assert_string_equal(req.body, b);
	assert_string_equal(req_header(&req, "content-type"),
	    "Application/X-WWW-Form-Urlencoded; charset=UTF-8");
	req_free(&req);

	assert_fails(post(&req, &err, "application/x-www-form-urlencoded",
			 "a=1&minutes=9%", 14),
	    &err, 400, "minutes",
	    "form field \"minutes\": malformed percent-escape");
	req_free(&req);
}

static void
test_body_content_types(void **state)
{
	struct request		 req;
	struct req_error	 err;

	(void)state;
	assert_fails(post(&req, &err, "text/plain", "hi", 2), &err, 415,
	    "Content-Type", "Content-Type \"text/plain\" is not accepted");
	req_free(&req);
	assert_fails(post(&req, &err, "multipart/form-data; boundary=x", "hi",
			 2),
	    &err, 415, "Content-Type", "multipart/form-data");
	req_free(&req);
	assert_fails(post(&req, &err, "", "hi", 2), &err, 415, "Content-Type",
	    "needs a Content-Type");
	req_free(&req);
	/* An empty body is fine whatever the type. */
	assert_int_equal(post(&req, &err, "text/plain", "", 0), 0);
	assert_null(req.json);
	assert_int_equal(req.form.n, 0);
	req_free(&req);
	assert_int_equal(post(&req, &err, "application/json", "", 0), 0);
	assert_null(req.json);
	req_free(&req);
	/* The +json suffix is JSON. */
	assert_int_equal(post(&req, &err, "application/merge-patch+json",
			     "{\"a\":1}", 7),
	    0);
	assert_non_null(req.json);
	req_free(&req);
}

static void
test_json_body_fields(void **state)
{
	struct request		 req;
	struct req_error	 err;
	const char
	    *b = "{\"email\":\"a@b.example\",\"minutes\":90,"
		 "\"hours\":1.5,\"ok\":true,\"n\":null,\"o\":{\"x\":\"y\"}}";

	(void)state;
	assert_int_equal(post(&req, &err, "application/json; charset=utf-8", b,
			     strlen(b)),
	    0);
	assert_true(json_is_object(req.json));
	assert_string_equal(json_string_value(
				json_object_get(req.json, "email")),
	    "a@b.example");
	assert_int_equal(json_integer_value(
			     json_object_get(req.json, "minutes")),
	    90);
	assert_true(
	    json_real_value(json_object_get(req.json, "hours")) == 1.5);
	assert_true(json_is_null(json_object_get(req.json, "n")));
	assert_null(json_object_get(req.json, "x"));
	assert_int_equal(req.form.n, 0);	/* a JSON body fills no form */
	req_free(&req);
	/* Any JSON value may be the body; handlers check the shape. */
	assert_int_equal(post(&req, &err, "application/json", "[1,2]", 5), 0);
	assert_true(json_is_array(req.json));
	req_free(&req);
	assert_int_equal(post(&req, &err, "application/json", " 0.1 ", 5), 0);
	assert_true(json_is_real(req.json));
	req_free(&req);
}

static void
test_json_depth(void **state)
{
	struct request		 req;
	struct req_error	 err;
	json_t			*j;

	(void)state;
	/* lim.json_depth is 4. */
	assert_int_equal(post(&req, &err, "application/json",
			     "[[[{\"a\":1}]]]", 13),
	    0);
	req_free(&req);
	assert_fails(post(&req, &err, "application/json", "[[[{\"a\":[1]}]]]",
			 15),
	    &err, 400, "body",
	    "JSON nested deeper than 4 levels at line 1 column 9");
	req_free(&req);
	/* Brackets in strings do not count. */
	assert_int_equal(post(&req, &err, "application/json",
			     "[\"[[[[[[\\\"[[[\"]", 15),
	    0);
	req_free(&req);
	/* A deep document never reaches the parser: no stack to blow. */
	{
		char	*deep = malloc(200001);

		assert_non_null(deep);
		memset(deep, '[', 100000);
		memset(deep + 100000, ']', 100000);
		assert_int_equal(req_parse_json(deep, 200000, 32, &j, &err),
		    -1);
		assert_null(j);
		assert_non_null(strstr(err.message,
		    "deeper than 32 levels "
		    "at line 1 column 33"));
		free(deep);
	}
}

static void
test_json_rejects(void **state)
{
	static const struct {
		const char	*body;
		const char	*why;
	} t[] = {
		{ "{\"a\":1,\"a\":2}", "duplicate object key" },
		{ "{\"a\":\"\xff\"}", "unable to decode byte 0xff" },
		{ "{\"a\":\"\xc3\"}", "unable to decode byte" },
		{ "\"\xed\xa0\x80\"", "unable to decode byte" },
		{ "{} x", "end of file expected" },
		{ "{}{}", "end of file expected" },
		{ "{\"a\":1,}", "invalid JSON at line 1 column 8" },
		{ "{\n  \"a\": tru }", "invalid JSON at line 2 column" },
		{ "\"\\u0000\"",
		    "column 8: \\u0000 is not allowed in strings" },
		{ "{\"a\":1", "invalid JSON at line 1" },
		{ "\xef\xbb\xbf{}", "invalid JSON" },
	};
	struct request		 req;
	struct req_error	 err;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_fails(post(&req, &err, "application/json", t[i].body,
				 strlen(t[i].body)),
		    &err, 400, "body", t[i].why);
		assert_null(req.json);
		/* The message is plain ASCII whatever the input was. */
		assert_null(strchr(err.message, '\xff'));
		req_free(&req);
	}
}

static void
test_body_over_limit(void **state)
{
	struct request		 req;
	struct req_error	 err;
	char			 big[1025];

	(void)state;
	memset(big, ' ', sizeof(big));
	big[0] = '1';
	req_init(&req);
	req.content_type = "application/json";
	assert_fails(req_parse_body(&req, big, sizeof(big), &lim, &err), &err,
	    413, "Content-Length", "1025 bytes is over the limit of 1024");
	assert_int_equal(req_parse_body(&req, big, 1024, &lim, &err), 0);
	assert_true(json_is_integer(req.json));
	req_free(&req);
}

/* ---------------------------------------------------------------------
 * req_read through a libfcgi stream
 */

struct fake_in {
	FCGX_Stream	 s;	/* first: libfcgi passes &s back to us */
	int		 fills;
};

/* The stream's buffer is all there is: any refill is end of input. */
static void
fake_fill(FCGX_Stream *s)
{
	((struct fake_in *)(void *)s)->fills++;
	s->isClosed = 1;
}

static void
fake_stream(struct fake_in *f, const char *data, size_t n)
{
	memset(f, 0, sizeof(*f));
	f->s.rdNext = f->s.stopUnget = (unsigned char *)data;
	f->s.stop = f->s.wrNext = (unsigned char *)data + n;
	f->s.isReader = 1;
	f->s.fillBuffProc = fake_fill;
}

static int
read_req(struct request *req, struct req_error *err, struct fake_in *f,
    char **envp)
{
	FCGX_Request	 fr;

	memset(&fr, 0, sizeof(fr));
	fr.in = &f->s;
	fr.envp = envp;
	req_init(req);
	memset(err, 0, sizeof(*err));
	return req_read(req, &fr, &lim, err);
}

static void
test_read_exact_length(void **state)
{
	char		*env[] = { (char *)"REQUEST_METHOD=POST",
		(char *)"REQUEST_URI=/hours", (char *)"CONTENT_LENGTH=9",
		(char *)"CONTENT_TYPE=application/x-www-form-urlencoded",
		NULL };
	const char	*data = "minutes=5TRAILING";
	struct fake_in	 f;
	struct request	 req;
	struct req_error err;

	(void)state;
	fake_stream(&f, data, strlen(data));
	assert_int_equal(read_req(&req, &err, &f, env), 0);
	assert_int_equal(req.body_len, 9);
	assert_string_equal(req.body, "minutes=5");
	assert_string_equal(kv_get(&req.form, "minutes"), "5");
	/* Not a byte more than Content-Length. */
	assert_ptr_equal(f.s.rdNext, (const unsigned char *)data + 9);
	req_free(&req);
}

static void
test_read_short_body(void **state)
{
	char		*env[] = { (char *)"REQUEST_METHOD=POST",
		(char *)"REQUEST_URI=/hours", (char *)"CONTENT_LENGTH=20",
		(char *)"CONTENT_TYPE=application/json", NULL };
	struct fake_in	 f;
	struct request	 req;
	struct req_error err;

	(void)state;
	fake_stream(&f, "{\"a\":1}", 7);
	assert_fails(read_req(&req, &err, &f, env), &err, 400,
	    "Content-Length", "ended after 7 of 20 bytes");
	req_free(&req);
}

static void
test_read_413_reads_nothing(void **state)
{
	char		*env[] = { (char *)"REQUEST_METHOD=POST",
		(char *)"REQUEST_URI=/hours", (char *)"CONTENT_LENGTH=5000",
		(char *)"CONTENT_TYPE=application/json", NULL };
	const char	*data = "{\"a\":1}";
	struct fake_in	 f;
	struct request	 req;
	struct req_error err;

	(void)state;
	fake_stream(&f, data, strlen(data));
	assert_fails(read_req(&req, &err, &f, env), &err, 413,
	    "Content-Length", "over the limit");
	assert_ptr_equal(f.s.rdNext, (const unsigned char *)data);
	assert_int_equal(f.fills, 0);
	assert_null(req.body);
	req_free(&req);
}

static void
test_read_get_without_body(void **state)
{
	char *env[] = { (char *)"REQUEST_METHOD=GET", (char *)"REQUEST_URI=/",
		NULL };
	struct fake_in	 f;
	struct request	 req;
	struct req_error err;

	(void)state;
	fake_stream(&f, "ignored", 7);
	assert_int_equal(read_req(&req, &err, &f, env), 0);
	assert_int_equal(req.body_len, 0);
	assert_int_equal(f.fills, 0);
	req_free(&req);
}

/* ---------------------------------------------------------------------
 * Content negotiation
 */

static void
test_wants_json(void **state)
{
	static const struct {
		const char	*path, *accept;
		bool		 json;
	} t[] = {
		{ "REQUEST_URI=/api/hours", NULL, true },
		{ "REQUEST_URI=/api", NULL, true },
		{ "REQUEST_URI=/apix", NULL, false },
		{ "REQUEST_URI=/", NULL, false },
		{ "REQUEST_URI=/", "HTTP_ACCEPT=application/json", true },
		{ "REQUEST_URI=/", "HTTP_ACCEPT=*/*", false },
		{ "REQUEST_URI=/",
		    "HTTP_ACCEPT=text/html,application/xhtml+xml,"
		    "application/xml;q=0.9,*/*;q=0.8",
		    false },
		{ "REQUEST_URI=/",
		    "HTTP_ACCEPT=text/html,application/json;q=0.9", false },
		{ "REQUEST_URI=/",
		    "HTTP_ACCEPT=text/html;q=0.5, "
		    "application/json",
		    true },
		{ "REQUEST_URI=/", "HTTP_ACCEPT=application/json;q=0", false },
		{ "REQUEST_URI=/",
		    "HTTP_ACCEPT=application/*, text/html;q=0.1", true },
		{ "REQUEST_URI=/",
		    "HTTP_ACCEPT=application/json; charset=utf-8;"
		    " q=0.4, */*;q=0.5",
		    false },
		{ "REQUEST_URI=/", "HTTP_ACCEPT=Application/JSON", true },
		{ "REQUEST_URI=/", "HTTP_ACCEPT=;;,,q=", false },
	};
	struct request		 req;
	struct req_error	 err;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(parse(&req, &err, "REQUEST_METHOD=GET",
				     t[i].path, t[i].accept, NULL),
		    0);
		if (req_wants_json(&req) != t[i].json)
			fail_msg("%s %s: expected %d", t[i].path,
			    t[i].accept != NULL ? t[i].accept : "", t[i].json);
		req_free(&req);
	}
	/* A refused /api/ path still gets its error as JSON. */
	assert_int_equal(parse(&req, &err, "REQUEST_METHOD=GET",
			     "REQUEST_URI=/api/../etc", NULL),
	    -1);
	assert_null(req.path);
	assert_true(req_wants_json(&req));
	req_free(&req);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_good),
		cmocka_unit_test(test_decode_plus),
		cmocka_unit_test(test_decode_bad_escapes),
		cmocka_unit_test(test_decode_nul_kept_with_length),
		cmocka_unit_test(test_query_order_and_duplicates),
		cmocka_unit_test(test_query_bad_value_names_parameter),
		cmocka_unit_test(test_query_bad_name),
		cmocka_unit_test(test_query_nul_in_value_keeps_length),
		cmocka_unit_test(test_query_too_many),
		cmocka_unit_test(test_cookies_spaces_and_quotes),
		cmocka_unit_test(test_cookies_bad_pairs_skipped),
		cmocka_unit_test(test_cookies_control_bytes_fail),
		cmocka_unit_test(test_cookies_in_request),
		cmocka_unit_test(test_params_basic),
		cmocka_unit_test(test_params_methods),
		cmocka_unit_test(test_params_https_off),
		cmocka_unit_test(test_path_rejects),
		cmocka_unit_test(test_path_accepts),
		cmocka_unit_test(test_path_fallbacks_not_decoded_twice),
		cmocka_unit_test(test_query_error_in_request),
		cmocka_unit_test(test_request_id),
		cmocka_unit_test(test_request_id_after_fork),
		cmocka_unit_test(test_params_one_pass),
		cmocka_unit_test(test_length_missing),
		cmocka_unit_test(test_length_wrong),
		cmocka_unit_test(test_length_over_limit),
		cmocka_unit_test(test_form_body),
		cmocka_unit_test(test_body_content_types),
		cmocka_unit_test(test_json_body_fields),
		cmocka_unit_test(test_json_depth),
		cmocka_unit_test(test_json_rejects),
		cmocka_unit_test(test_body_over_limit),
		cmocka_unit_test(test_read_exact_length),
		cmocka_unit_test(test_read_short_body),
		cmocka_unit_test(test_read_413_reads_nothing),
		cmocka_unit_test(test_read_get_without_body),
		cmocka_unit_test(test_wants_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
