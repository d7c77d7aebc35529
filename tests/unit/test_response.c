/*
 * test_response.c: what resp_serialize() puts on the wire: status line,
 * Content-Length always (HEAD included), no header or cookie injection,
 * cookie attributes, JSON and HTML error bodies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcgiapp.h>

#include "response.h"
#include "response_fcgi.h"

/* Serialises r into a fresh C string the caller frees. */
static char *
wire(struct response *r)
{
	struct buf	 b = BUF_INIT;

	resp_serialize(r, &b);
	return buf_release(&b);
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", hay, needle);
}

static void
test_default_response(void **state)
{
	struct response	 r;
	char		*w;

	(void)state;
	resp_init(&r);
	buf_puts(&r.body, "<p>hi</p>");
	w = wire(&r);
	assert_string_equal(w, "Status: 200 OK\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: 9\r\n\r\n<p>hi</p>");
	free(w);
	resp_free(&r);
}

static void
test_empty_body_has_length(void **state)
{
	struct response	 r;
	char		*w;

	(void)state;
	resp_init(&r);
	resp_status(&r, 404);
	w = wire(&r);
	assert_string_equal(w, "Status: 404 Not Found\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: 0\r\n\r\n");
	free(w);
	resp_free(&r);
}

static void
test_head_keeps_get_length(void **state)
{
	struct response	 r;
	char		*w;

	(void)state;
	resp_init(&r);
	r.head = true;
	resp_content_type(&r, "text/plain");
	assert_int_equal(resp_header(&r, "X-A", "1"), 0);
	buf_puts(&r.body, "pong\n");
	w = wire(&r);
	assert_string_equal(w, "Status: 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 5\r\nX-A: 1\r\n\r\n");
	free(w);
	resp_free(&r);
}

static void
test_bodyless_statuses(void **state)
{
	struct response	 r;
	char		*w;

	(void)state;
	resp_init(&r);
	resp_status(&r, 204);
	buf_puts(&r.body, "dropped");
	w = wire(&r);
	assert_string_equal(w, "Status: 204 No Content\r\n\r\n");
	free(w);
	resp_status(&r, 304);
	w = wire(&r);
	assert_string_equal(w, "Status: 304 Not Modified\r\n\r\n");
	free(w);
	/* Nonsense statuses become 500 rather than a broken line. */
	resp_status(&r, 42);
	w = wire(&r);
	assert_contains(w, "Status: 500 Internal Server Error\r\n");
	assert_contains(w, "Content-Length: 7\r\n\r\ndropped");
	free(w);
	resp_free(&r);
}

static void
test_header_injection_refused(void **state)
{
	static const char *const bad[][2] = {
		{ "X-A", "1\r\nSet-Cookie: evil=1" },
		{ "X-A", "1\nX-B: 2" },
		{ "X-A", "1\r" },
		{ "X-A", "bell\a" },
		{ "X-A\r\nX-B", "1" },
		{ "X A", "1" },
		{ "X:A", "1" },
		{ "", "1" },
		{ "Content-Length", "5" },
		{ "status", "302" },
	};
	struct response	 r;
	char		*w;
	size_t		 i;

	(void)state;
	resp_init(&r);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(resp_header(&r, bad[i][0], bad[i][1]), -1);
	assert_int_equal(resp_header(&r, NULL, "x"), -1);
	assert_int_equal(resp_header(&r, "X-A", NULL), -1);
	assert_int_equal(r.headers.len, 0);
	/* Tabs and non-ASCII bytes are field text. */
	assert_int_equal(resp_header(&r, "X-Ok", "a\tb \xc3\xa9"), 0);
	w = wire(&r);
	assert_contains(w, "\r\nX-Ok: a\tb \xc3\xa9\r\n\r\n");
	free(w);
	resp_free(&r);
}

static void
test_content_type_header_is_not_doubled(void **state)
{
	struct response	 r;
	char		*w;

	(void)state;
	resp_init(&r);
	assert_int_equal(resp_header(&r, "content-type", "text/csv"), 0);
	resp_content_type(&r, "text/x\r\nX-Evil: 1");	/* ignored */
	w = wire(&r);
	assert_string_equal(w, "Status: 200 OK\r\nContent-Type: text/csv\r\n"
	    "Content-Length: 0\r\n\r\n");
	free(w);
	resp_content_type(&r, NULL);	/* back to the default */
	assert_null(r.content_type);
	resp_free(&r);
}

static void
test_cookie_flags(void **state)
{
	struct cookie_opts	 o;
	struct response		 r;

	(void)state;
	resp_init(&r);
	memset(&o, 0, sizeof(o));
	o.max_age = 3600;
	o.secure = true;
	o.http_only = true;
	o.same_site = SAMESITE_STRICT;
	o.path = "/api";
	assert_int_equal(resp_cookie(&r, "sid", "abc.123", &o), 0);
	assert_string_equal(buf_cstr(&r.headers), "Set-Cookie: sid=abc.123; "
	    "Path=/api; Max-Age=3600; Secure; HttpOnly; SameSite=Strict\r\n");

	buf_reset(&r.headers);
	o.max_age = 0;		/* delete */
	o.secure = false;
	o.http_only = false;
	o.same_site = SAMESITE_LAX;
	o.path = NULL;
	assert_int_equal(resp_cookie(&r, "sid", "", &o), 0);
	assert_string_equal(buf_cstr(&r.headers),
	    "Set-Cookie: sid=; Path=/; Max-Age=0; SameSite=Lax\r\n");

	buf_reset(&r.headers);
	o.max_age = -1;		/* session */
	o.same_site = SAMESITE_NONE;
	assert_int_equal(resp_cookie(&r, "a", "1", &o), 0);
	/* SameSite=None without Secure makes browsers drop the cookie. */
	assert_string_equal(buf_cstr(&r.headers),
	    "Set-Cookie: a=1; Path=/\r\n");
	buf_reset(&r.headers);
	o.secure = true;
	assert_int_equal(resp_cookie(&r, "a", "1", &o), 0);
	assert_string_equal(buf_cstr(&r.headers),
	    "Set-Cookie: a=1; Path=/; Secure; SameSite=None\r\n");

	buf_reset(&r.headers);
	assert_int_equal(resp_cookie(&r, "d", "v", NULL), 0);
	assert_string_equal(buf_cstr(&r.headers),
	    "Set-Cookie: d=v; Path=/; HttpOnly; SameSite=Lax\r\n");
	resp_free(&r);
}

static void
test_cookie_refused(void **state)
{
	static const char *const bad[][2] = {
		{ "a b", "1" }, { "a;b", "1" }, { "a=b", "1" }, { "", "1" },
		{ "\xc3\xa9", "1" }, { "a", "x y" }, { "a", "x;y" },
		{ "a", "x,y" }, { "a", "\"q\"" }, { "a", "x\\y" },
		{ "a", "x\r\nSet-Cookie: b=2" }, { "a", "\xc3\xa9" },
	};
	struct cookie_opts	 o;
	struct response		 r;
	size_t			 i;

	(void)state;
	resp_init(&r);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(resp_cookie(&r, bad[i][0], bad[i][1], NULL),
		    -1);
	memset(&o, 0, sizeof(o));
	o.path = "/x; Domain=evil.example";
	assert_int_equal(resp_cookie(&r, "a", "1", &o), -1);
	o.path = "relative";
	assert_int_equal(resp_cookie(&r, "a", "1", &o), -1);
	o.path = "/x\n";
	assert_int_equal(resp_cookie(&r, "a", "1", &o), -1);
	assert_int_equal(r.headers.len, 0);
	resp_free(&r);
}

static void
test_json_body(void **state)
{
	struct response	 r;
	json_t		*v;
	char		*w;

	(void)state;
	resp_init(&r);
	v = json_pack("{s:i,s:s}", "id", 7, "name", "J\xc3\xbcrgen");
	assert_int_equal(resp_json(&r, 201, v), 0);
	json_decref(v);
	w = wire(&r);
	assert_string_equal(w, "Status: 201 Created\r\n"
	    "Content-Type: application/json\r\nContent-Length: 25\r\n\r\n"
	    "{\"id\":7,\"name\":\"J\xc3\xbcrgen\"}");
	free(w);
	assert_int_equal(resp_json(&r, 200, NULL), -1);
	resp_free(&r);
}

static void
test_json_error_shape(void **state)
{
	struct response	 r;
	json_t		*v, *e;
	json_error_t	 je;

	(void)state;
	resp_init(&r);
	assert_int_equal(resp_header(&r, "Allow", "GET, HEAD"), 0);
	buf_puts(&r.body, "partial handler output");
	assert_int_equal(resp_error(&r, true, 400, NULL, "query parameter "
	    "\"page\": malformed percent-escape \"%zz\"", "page"), 0);
	assert_int_equal(r.status, 400);
	assert_string_equal(r.content_type, "application/json");
	/* Headers set before the error stay (Allow on a 405). */
	assert_string_equal(buf_cstr(&r.headers), "Allow: GET, HEAD\r\n");
	v = json_loadb(r.body.data, r.body.len, 0, &je);
	assert_non_null(v);
	e = json_object_get(v, "error");
	assert_string_equal(json_string_value(json_object_get(e, "code")),
	    "bad_request");
	assert_string_equal(json_string_value(json_object_get(e, "message")),
	    "query parameter \"page\": malformed percent-escape \"%zz\"");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(e, "fields"), "page")),
	    "query parameter \"page\": malformed percent-escape \"%zz\"");
	json_decref(v);

	/* No field: no "fields"; invalid UTF-8 cannot break the JSON. */
	assert_int_equal(resp_error(&r, true, 413, "too_big", "bad \xff byte",
	    NULL), 0);
	v = json_loadb(r.body.data, r.body.len, 0, &je);
	assert_non_null(v);
	e = json_object_get(v, "error");
	assert_null(json_object_get(e, "fields"));
	assert_string_equal(json_string_value(json_object_get(e, "code")),
	    "too_big");
	assert_string_equal(json_string_value(json_object_get(e, "message")),
	    "bad \xef\xbf\xbd byte");
	json_decref(v);
	resp_free(&r);
}

static void
test_json_error_default_codes(void **state)
{
	static const struct {
		int		 status;
		const char	*code;
	} t[] = {
		{ 404, "not_found" }, { 405, "method_not_allowed" },
		{ 411, "length_required" }, { 413, "body_too_large" },
		{ 415, "unsupported_media_type" }, { 500, "internal" },
	};
	struct response	 r;
	json_t		*v;
	size_t		 i;

	(void)state;
	resp_init(&r);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(resp_error(&r, true, t[i].status, NULL, NULL,
		    ""), 0);
		v = json_loadb(r.body.data, r.body.len, 0, NULL);
		assert_non_null(v);
		assert_string_equal(json_string_value(json_object_get(
		    json_object_get(v, "error"), "code")), t[i].code);
		assert_string_equal(json_string_value(json_object_get(
		    json_object_get(v, "error"), "message")),
		    resp_reason(t[i].status));
		json_decref(v);
	}
	resp_free(&r);
}

static void
test_html_error_escapes(void **state)
{
	struct response	 r;
	char		*w;

	(void)state;
	resp_init(&r);
	resp_content_type(&r, "application/json");
	assert_int_equal(resp_error(&r, false, 415, NULL, "Content-Type "
	    "\"<script>alert('x')</script>\" & more", "Content-Type"), 0);
	w = wire(&r);
	assert_contains(w, "Status: 415 Unsupported Media Type\r\n");
	assert_contains(w, "Content-Type: text/html; charset=utf-8\r\n");
	assert_contains(w, "<title>415 Unsupported Media Type</title>");
	assert_contains(w, "Content-Type &quot;&lt;script&gt;alert(&#39;x"
	    "&#39;)&lt;/script&gt;&quot; &amp; more");
	assert_contains(w, "<code>Content-Type</code>");
	assert_null(strstr(w, "<script>"));
	/* Self-contained: nothing fetched from elsewhere. */
	assert_null(strstr(w, "src="));
	assert_null(strstr(w, "<link"));
	free(w);
	resp_free(&r);
}

static void
test_reset(void **state)
{
	struct response	 r;
	char		*w;

	(void)state;
	resp_init(&r);
	r.head = true;
	resp_status(&r, 201);
	resp_content_type(&r, "text/plain");
	assert_int_equal(resp_header(&r, "X-A", "1"), 0);
	buf_puts(&r.body, "half");
	resp_reset(&r);
	assert_true(r.head);
	w = wire(&r);
	assert_string_equal(w, "Status: 200 OK\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: 0\r\n\r\n");
	free(w);
	resp_free(&r);
}

static void
test_reasons(void **state)
{
	(void)state;
	assert_string_equal(resp_reason(200), "OK");
	assert_string_equal(resp_reason(303), "See Other");
	assert_string_equal(resp_reason(411), "Length Required");
	assert_string_equal(resp_reason(413), "Content Too Large");
	assert_string_equal(resp_reason(415), "Unsupported Media Type");
	assert_string_equal(resp_reason(418), "Client Error");
	assert_string_equal(resp_reason(599), "Server Error");
}

/* A writer stream with a small buffer, flushed into a struct buf. */
struct fake_out {
	FCGX_Stream	 s;	/* first: libfcgi passes &s back to us */
	unsigned char	 mem[16];
	struct buf	 got;
	bool		 broken;
};

static void
fake_empty(FCGX_Stream *s, int doClose)
{
	struct fake_out	*f = (struct fake_out *)(void *)s;

	(void)doClose;
	if (f->broken) {
		s->isClosed = 1;
		s->FCGI_errno = 32;
		return;
	}
	buf_append(&f->got, f->mem, (size_t)(s->wrNext - f->mem));
	s->wrNext = f->mem;
}

static void
fake_out_init(struct fake_out *f)
{
	memset(f, 0, sizeof(*f));
	f->s.wrNext = f->s.rdNext = f->s.stopUnget = f->mem;
	f->s.stop = f->mem + sizeof(f->mem);
	f->s.emptyBuffProc = fake_empty;
	buf_init(&f->got);
}

static void
test_finish_writes_everything(void **state)
{
	struct fake_out	 f;
	struct response	 r;
	char		*w;

	(void)state;
	fake_out_init(&f);
	resp_init(&r);
	buf_puts(&r.body, "a body longer than one sixteen-byte buffer");
	assert_int_equal(resp_finish(&r, &f.s), 0);
	assert_int_equal(FCGX_FFlush(&f.s), 0);
	w = wire(&r);
	assert_string_equal(buf_cstr(&f.got), w);
	free(w);
	buf_free(&f.got);

	fake_out_init(&f);
	f.broken = true;
	assert_int_equal(resp_finish(&r, &f.s), -1);
	buf_free(&f.got);
	resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_response),
		cmocka_unit_test(test_empty_body_has_length),
		cmocka_unit_test(test_head_keeps_get_length),
		cmocka_unit_test(test_bodyless_statuses),
		cmocka_unit_test(test_header_injection_refused),
		cmocka_unit_test(test_content_type_header_is_not_doubled),
		cmocka_unit_test(test_cookie_flags),
		cmocka_unit_test(test_cookie_refused),
		cmocka_unit_test(test_json_body),
		cmocka_unit_test(test_json_error_shape),
		cmocka_unit_test(test_json_error_default_codes),
		cmocka_unit_test(test_html_error_escapes),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_finish_writes_everything),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
