/*
 * test_mustache.c: error messages, partial names, recursion, numbers and
 * size limits of the mustache engine (the spec itself has its own runner).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "mustache.h"

/* Compiles src as "t" from file "f.mustache"; returns the message or "". */
static const char *
compile_err(const char *src)
{
	static char		 msg[600];
	struct mustache_set	*set;
	struct mustache_error	 e;
	struct buf		 b = BUF_INIT;

	memset(&e, 0, sizeof(e));
	set = mustache_set_new();
	msg[0] = '\0';
	if (mustache_set_add(set, "t", src, strlen(src), "f.mustache", &e) ==
	    -1) {
		mustache_error_format(&e, &b);
		snprintf(msg, sizeof(msg), "%s", buf_cstr(&b));
	}
	buf_free(&b);
	mustache_set_free(set);
	return msg;
}

static void
test_unclosed_section(void **state)
{
	(void)state;
	assert_string_equal(compile_err("a\n\n  {{#entries}}\nx\n"),
	    "f.mustache:3:3: section \"entries\" opened at 3:3 is never "
	    "closed");
}

static void
test_mismatched_close(void **state)
{
	(void)state;
	assert_string_equal(compile_err("{{#a}}\n {{/b}}"),
	    "f.mustache:2:2: closing tag \"b\" does not match section \"a\" "
	    "opened at 1:1");
}

static void
test_close_without_open(void **state)
{
	(void)state;
	assert_string_equal(compile_err("x {{/a}}"),
	    "f.mustache:1:3: closing tag \"a\" has no open section");
}

static void
test_unclosed_tag(void **state)
{
	(void)state;
	assert_string_equal(compile_err("ab\ncd {{name"),
	    "f.mustache:2:4: tag is never closed (expected \"}}\")");
}

static void
test_bad_delimiters(void **state)
{
	(void)state;
	assert_string_equal(compile_err("{{=<% =}}"),
	    "f.mustache:1:1: bad delimiter change: expected two delimiters "
	    "without blanks or '=', like {{=<% %>=}}");
	assert_string_equal(compile_err("{{=<% %>}}"),
	    "f.mustache:1:1: bad delimiter change: missing closing '='");
}

static void
test_empty_and_blank_names(void **state)
{
	(void)state;
	assert_string_equal(compile_err("{{}}"),
	    "f.mustache:1:1: empty tag name");
	assert_string_equal(compile_err("{{#}}{{/}}"),
	    "f.mustache:1:1: empty tag name after '#'");
	assert_string_equal(compile_err("{{a b}}"),
	    "f.mustache:1:1: tag name \"a b\" contains a blank");
}

static void
test_triple_unclosed(void **state)
{
	(void)state;
	assert_string_equal(compile_err("{{{a}}"),
	    "f.mustache:1:1: triple mustache is not closed with \"}}}\"");
	assert_string_equal(compile_err("{{{a}} }"),
	    "f.mustache:1:1: triple mustache is not closed with \"}}}\"");
}

static void
test_unknown_static_partial(void **state)
{
	struct mustache_set	*set = mustache_set_new();
	struct mustache_error	 e;
	const char		*src = "x\n {{> row}}";

	(void)state;
	assert_int_equal(mustache_set_add(set, "page", src, strlen(src),
			     "page.mustache", &e),
	    0);
	assert_int_equal(mustache_set_check(set, &e), -1);
	assert_string_equal(e.msg, "unknown partial \"row\"");
	assert_int_equal(e.line, 2);
	assert_int_equal(e.col, 2);
	/* Dynamic names cannot be checked before rendering. */
	mustache_set_free(set);
	set = mustache_set_new();
	src = "{{>*row}}";
	assert_int_equal(mustache_set_add(set, "page", src, strlen(src), NULL,
			     &e),
	    0);
	assert_int_equal(mustache_set_check(set, &e), 0);
	mustache_set_free(set);
}

static void
test_partial_path_rejected(void **state)
{
	static const char *const bad[] = {
		"{{>../secret}}",
		"{{>/etc/passwd}}",
		"{{>a/b}}",
		"{{>..}}",
		"{{<../x}}{{/../x}}",
	};
	struct mustache_set	*set;
	struct mustache_error	 e;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set = mustache_set_new();
		assert_int_equal(mustache_set_add(set, "p", bad[i],
				     strlen(bad[i]), NULL, &e),
		    0);
		assert_int_equal(mustache_set_check(set, &e), -1);
		assert_non_null(strstr(e.msg, "is not a plain template name"));
		mustache_set_free(set);
	}
}

/* Dynamic names from data never reach the file system either. */
static void
test_dynamic_partial_path_renders_nothing(void **state)
{
	struct mustache_set	*set = mustache_set_new();
	struct mustache_error	 e;
	struct buf		 out = BUF_INIT;
	json_t			*d = json_pack("{s:s}", "n", "../etc/passwd");

	(void)state;
	assert_int_equal(mustache_set_add(set, "p", "[{{>*n}}]", 9, NULL, &e),
	    0);
	assert_int_equal(mustache_render(set, "p", d, &out, &e), 0);
	assert_string_equal(buf_cstr(&out), "[]");
	buf_free(&out);
	json_decref(d);
	mustache_set_free(set);
}

static void
test_dynamic_name_with_nul_matches_nothing(void **state)
{
	struct mustache_set	*set = mustache_set_new();
	struct mustache_error	 e;
	struct buf		 out = BUF_INIT;
	json_t			*d = json_pack("{s:s#}", "n", "p\0xyz", 5);

	/* Once compared with strncmp and read past the name "p". */
	(void)state;
	assert_non_null(d);
	assert_int_equal(mustache_set_add(set, "p", "[{{>*n}}]", 9, NULL, &e),
	    0);
	assert_int_equal(mustache_render(set, "p", d, &out, &e), 0);
	assert_string_equal(buf_cstr(&out), "[]");
	buf_free(&out);
	json_decref(d);
	mustache_set_free(set);
}

static void
test_partial_added_after_its_caller(void **state)
{
	struct mustache_set	*set = mustache_set_new();
	const struct mustache_set *cset = set;
	struct mustache_error	 e;
	struct buf		 out = BUF_INIT;
	json_t			*d = json_pack("{s:i}", "x", 7);

	(void)state;
	assert_int_equal(mustache_set_add(set, "page", "<{{>row}}>", 10, NULL,
			     &e),
	    0);
	assert_int_equal(mustache_set_check(cset, &e), -1);
	assert_string_equal(e.msg, "unknown partial \"row\"");
	assert_int_equal(mustache_set_add(set, "row", "{{x}}", 5, NULL, &e),
	    0);
	assert_int_equal(mustache_set_check(cset, &e), 0);
	assert_int_equal(mustache_render(cset, "page", d, &out, &e), 0);
	assert_string_equal(buf_cstr(&out), "<7>");
	buf_free(&out);
	json_decref(d);
	mustache_set_free(set);
}

static void
test_recursion_limit(void **state)
{
	struct mustache_set	*set = mustache_set_new();
	struct mustache_error	 e;
	struct buf		 out = BUF_INIT;
	json_t			*d = json_object();

	(void)state;
	assert_int_equal(mustache_set_add(set, "loop", "x{{>loop}}", 10,
			     "loop.mustache", &e),
	    0);
	assert_int_equal(mustache_set_check(set, &e), 0);
	assert_int_equal(mustache_render(set, "loop", d, &out, &e), -1);
	assert_non_null(strstr(e.msg, "partials nested deeper than 64"));
	assert_string_equal(e.file, "loop.mustache");
	buf_free(&out);
	json_decref(d);
	mustache_set_free(set);
}

static void
test_unknown_template(void **state)
{
	struct mustache_set	*set = mustache_set_new();
	struct mustache_error	 e;
	struct buf		 out = BUF_INIT;

	(void)state;
	assert_int_equal(mustache_render(set, "nope", NULL, &out, &e), -1);
	assert_string_equal(e.msg, "unknown template \"nope\"");
	mustache_set_free(set);
}

static const char *
fmt(json_t *v)
{
	static char	 s[128];
	struct buf	 b = BUF_INIT;

	mustache_format_number(&b, v);
	snprintf(s, sizeof(s), "%s", buf_cstr(&b));
	buf_free(&b);
	json_decref(v);
	return s;
}

static void
test_numbers(void **state)
{
	(void)state;
	assert_string_equal(fmt(json_integer(0)), "0");
	assert_string_equal(fmt(json_integer(-42)), "-42");
	assert_string_equal(fmt(json_integer(INT64_MAX)),
	    "9223372036854775807");
	assert_string_equal(fmt(json_real(0.1)), "0.1");
	assert_string_equal(fmt(json_real(1.1)), "1.1");
	assert_string_equal(fmt(json_real(2.5)), "2.5");
	assert_string_equal(fmt(json_real(-0.0)), "-0");
	assert_string_equal(fmt(json_real(1e300)), "1e+300");
	assert_string_equal(fmt(json_real(102.75)), "102.75");
	assert_string_equal(fmt(json_real(1.0 / 3.0)), "0.3333333333333333");
	/* Each count of trailing zeros the fixed-point path strips. */
	assert_string_equal(fmt(json_real(100.0)), "100");
	assert_string_equal(fmt(json_real(1200.25)), "1200.25");
	assert_string_equal(fmt(json_real(-7.125)), "-7.125");
	assert_string_equal(fmt(json_real(0.0625)), "0.0625");
	assert_string_equal(fmt(json_real(0.00003)), "0.00003");
	assert_string_equal(fmt(json_real(0.0000003)), "3e-07");
	assert_string_equal(fmt(json_real(0.000001)), "0.000001");
	assert_string_equal(fmt(json_real(123456.000001)), "123456.000001");
	assert_string_equal(fmt(json_real(999999999.5)), "999999999.5");
	assert_string_equal(fmt(json_real(1e9)), "1e+09");
	assert_string_equal(fmt(json_integer(-1234567)), "-1234567");
	assert_string_equal(fmt(json_integer(INT64_MIN)),
	    "-9223372036854775808");
}

static const char *
render(const char *tpl, const char *data)
{
	static char		 s[256];
	struct mustache_set	*set = mustache_set_new();
	struct mustache_error	 e;
	struct buf		 out = BUF_INIT;
	json_t			*d = json_loads(data, JSON_DECODE_ANY, NULL);

	assert_non_null(d);
	assert_int_equal(mustache_set_add(set, "t", tpl, strlen(tpl), NULL,
			     &e),
	    0);
	assert_int_equal(mustache_render(set, "t", d, &out, &e), 0);
	snprintf(s, sizeof(s), "%s", buf_cstr(&out));
	buf_free(&out);
	json_decref(d);
	mustache_set_free(set);
	return s;
}

static void
test_falsy_values(void **state)
{
	(void)state;
	/* As mustache.js: "" and 0 are falsy, like false, null and []. */
	assert_string_equal(render("{{#a}}y{{/a}}{{^a}}n{{/a}}",
				"{\"a\": \"\"}"),
	    "n");
	assert_string_equal(render("{{#a}}y{{/a}}{{^a}}n{{/a}}", "{\"a\": 0}"),
	    "n");
	assert_string_equal(render("{{#a}}y{{/a}}{{^a}}n{{/a}}",
				"{\"a\": 0.0}"),
	    "n");
	assert_string_equal(render("{{#a}}y{{/a}}", "{\"a\": {}}"), "y");
	assert_string_equal(render("{{#a}}y{{/a}}", "{\"a\": \"0\"}"), "y");
}

static void
test_escaping(void **state)
{
	(void)state;
	assert_string_equal(render("{{a}}|{{{a}}}|{{&a}}",
				"{\"a\": \"<b>&\\\"'\"}"),
	    "&lt;b&gt;&amp;&quot;&#39;|<b>&\"'|<b>&\"'");
}

/* What mustache_escape must produce, one byte at a time. */
static void
escape_ref(struct buf *b, const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		switch (s[i]) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		case '\'':
			buf_puts(b, "&#39;");
			break;
		default:
			buf_append(b, s + i, 1);
			break;
		}
}

static void
assert_escapes(const char *s, size_t len)
{
	struct buf	 got = BUF_INIT, want = BUF_INIT;

	/* Escaping appends: start from a buffer that holds something. */
	buf_puts(&got, "pre|");
	buf_puts(&want, "pre|");
	mustache_escape(&got, s, len);
	escape_ref(&want, s, len);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.data, want.data, want.len);
	assert_int_equal(got.data[got.len], '\0');
	buf_free(&got);
	buf_free(&want);
}

/* Escaping scans words at a time: every byte at every offset. */
static void
test_escape_each_byte_at_each_offset(void **state)
{
	char		 s[24];
	char		*big;
	size_t		 len, pos, i;
	unsigned	 c;

	(void)state;
	assert_escapes("", 0);
	for (c = 0; c < 256; c++)
		for (len = 1; len <= sizeof(s); len++)
			for (pos = 0; pos < len; pos++) {
				memset(s, 'x', len);
				s[pos] = (char)c;
				assert_escapes(s, len);
			}
	/* Runs of specials, and lengths past the per-chunk reservation. */
	assert_escapes("<<&&\"\"''>>", 10);
	big = malloc(5000);
	assert_non_null(big);
	for (i = 0; i < 5000; i++)
		big[i] = "ab<cd&ef'gh\"\xc3\xa9>"[i % 15];
	assert_escapes(big, 5000);
	memset(big, '&', 5000);
	assert_escapes(big, 5000);
	free(big);
}

/* Integers around each power of ten, against printf. */
static void
test_integer_digit_counts(void **state)
{
	char			 want[32];
	unsigned long long	 p;	/* 10^19 still fits, unsigned */
	long long		 v;
	int			 i, k;

	(void)state;
	for (p = 1, i = 0; i < 19; i++, p *= 10)
		for (k = 0; k < 4; k++) {
			v = (long long)(k & 1 ? p : p - 1);
			if (k & 2)
				v = -v;
			snprintf(want, sizeof(want), "%lld", v);
			assert_string_equal(fmt(json_integer(v)), want);
		}
}

static void
test_large_template(void **state)
{
	struct mustache_set	*set = mustache_set_new();
	struct mustache_error	 e;
	struct buf		 src = BUF_INIT, out = BUF_INIT;
	json_t *d = json_pack("{s:s, s:[i,i,i]}", "name", "crew", "list", 1, 2,
	    3);
	int			 i;

	(void)state;
	for (i = 0; i < 20000; i++)
		buf_puts(&src, "<p>{{name}}</p>{{#list}}[{{.}}]{{/list}}\n");
	assert_int_equal(mustache_set_add(set, "big", src.data, src.len, NULL,
			     &e),
	    0);
	assert_int_equal(mustache_render(set, "big", d, &out, &e), 0);
	assert_int_equal(out.len,
	    (size_t)20000 * strlen("<p>crew</p>[1][2][3]\n"));
	buf_free(&src);
	buf_free(&out);
	json_decref(d);
	mustache_set_free(set);
}

/*
 * Rendering appends to what out holds and leaves it NUL-terminated,
 * through text runs of every length around the 32-byte fast copy.
 */
static void
test_render_appends_and_terminates(void **state)
{
	struct mustache_set	*set;
	struct mustache_error	 e;
	struct buf src = BUF_INIT, out = BUF_INIT, want = BUF_INIT;
	json_t *d = json_pack("{s:s, s:i, s:f}", "s", "a<b", "i", 7, "f", 2.5);
	char			 text[71];
	size_t			 n, k;

	(void)state;
	for (k = 0; k < sizeof(text); k++)
		text[k] = (char)('A' + k % 26);
	for (n = 0; n <= sizeof(text); n++) {
		buf_reset(&src);
		buf_reset(&want);
		buf_append(&src, text, n);
		buf_append(&want, text, n);
		buf_puts(&src, "{{s}}{{i}}");
		buf_puts(&want, "a&lt;b7");
		buf_append(&src, text, n);
		buf_append(&want, text, n);
		buf_puts(&src, "{{f}}");
		buf_puts(&want, "2.5");
		set = mustache_set_new();
		assert_int_equal(mustache_set_add(set, "t", src.data, src.len,
				     NULL, &e),
		    0);
		buf_free(&out);
		buf_puts(&out, "pre|");
		assert_int_equal(mustache_render(set, "t", d, &out, &e), 0);
		assert_int_equal(out.len, 4 + want.len);
		assert_memory_equal(out.data, "pre|", 4);
		assert_memory_equal(out.data + 4, want.data, want.len);
		assert_int_equal(strlen(out.data), out.len);
		mustache_set_free(set);
	}
	buf_free(&src);
	buf_free(&out);
	buf_free(&want);
	json_decref(d);
}

static void
test_deep_nesting_is_an_error(void **state)
{
	struct buf	 src = BUF_INIT;
	int		 i;

	(void)state;
	for (i = 0; i < 300; i++)
		buf_puts(&src, "{{#a}}");
	assert_non_null(strstr(compile_err(buf_cstr(&src)),
	    "sections nested deeper than 256"));
	buf_free(&src);
}

static void
test_load_dir(void **state)
{
	char			 dir[] = "/tmp/mustache-test-XXXXXX", p[256];
	struct mustache_set	*set = mustache_set_new();
	struct mustache_error	 e;
	struct buf		 out = BUF_INIT, msg = BUF_INIT;
	json_t *d = json_pack("{s:[{s:s},{s:s}]}", "rows", "n", "a", "n", "b");
	FILE			*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/page.mustache", dir);
	assert_non_null(f = fopen(p, "w"));
	fputs("<ul>\n{{#rows}}\n  {{>row}}\n{{/rows}}\n</ul>\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/row.mustache", dir);
	assert_non_null(f = fopen(p, "w"));
	fputs("<li>{{n}}</li>\n", f);
	fclose(f);
	assert_int_equal(mustache_set_load_dir(set, dir, &e), 0);
	assert_true(mustache_set_has(set, "row"));
	assert_int_equal(mustache_render(set, "page", d, &out, &e), 0);
	assert_string_equal(buf_cstr(&out),
	    "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n");
	mustache_set_free(set);

	/* A broken template names its file, line and column. */
	snprintf(p, sizeof(p), "%s/bad.mustache", dir);
	assert_non_null(f = fopen(p, "w"));
	fputs("ok\n{{#open}}\n", f);
	fclose(f);
	set = mustache_set_new();
	assert_int_equal(mustache_set_load_dir(set, dir, &e), -1);
	mustache_error_format(&e, &msg);
	assert_non_null(strstr(buf_cstr(&msg),
	    "/bad.mustache:2:1: section "
	    "\"open\" opened at 2:1 is never closed"));
	mustache_set_free(set);
	unlink(p);
	snprintf(p, sizeof(p), "%s/row.mustache", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/page.mustache", dir);
	unlink(p);
	rmdir(dir);
	buf_free(&out);
	buf_free(&msg);
	json_decref(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unclosed_section),
		cmocka_unit_test(test_mismatched_close),
		cmocka_unit_test(test_close_without_open),
		cmocka_unit_test(test_unclosed_tag),
		cmocka_unit_test(test_bad_delimiters),
		cmocka_unit_test(test_empty_and_blank_names),
		cmocka_unit_test(test_triple_unclosed),
		cmocka_unit_test(test_unknown_static_partial),
		cmocka_unit_test(test_partial_path_rejected),
		cmocka_unit_test(test_dynamic_partial_path_renders_nothing),
		cmocka_unit_test(test_dynamic_name_with_nul_matches_nothing),
		cmocka_unit_test(test_partial_added_after_its_caller),
		cmocka_unit_test(test_recursion_limit),
		cmocka_unit_test(test_unknown_template),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_falsy_values),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_escape_each_byte_at_each_offset),
		cmocka_unit_test(test_integer_digit_counts),
		cmocka_unit_test(test_render_appends_and_terminates),
		cmocka_unit_test(test_large_template),
		cmocka_unit_test(test_deep_nesting_is_an_error),
		cmocka_unit_test(test_load_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
