/*
 * test_sigv4.c: src/sigv4.c against AWS's SigV4 test suite, read as is
 * from tests/sigv4/vectors/ (see tests/sigv4/README.md): one test per
 * case, comparing the canonical request, the string to sign and the
 * signature.  Plus the few things the suite does not cover.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "auth.h"
#include "buf.h"
#include "sigv4.h"
#include "util.h"

#define MAX_HEADERS	16

struct vec {
	char			*dir;
	char			*text;		/* request.txt, cut in place */
	struct sigv4_header	 h[MAX_HEADERS];
	char			 date[SIGV4_DATE_LEN + 1];
	struct sigv4_request	 req;
	struct sigv4_key	 key;
	json_t			*ctx;
};

static char *
slurp(const char *dir, const char *name)
{
	struct buf	 b = BUF_INIT;
	char		*path, chunk[4096];
	FILE		*f;
	size_t		 n;

	path = xasprintf("%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("%s: cannot open", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	free(path);
	return buf_release(&b);
}

static void
add_header(struct vec *v, const char *name, const char *value)
{
	assert_true(v->req.nheaders < MAX_HEADERS);
	v->h[v->req.nheaders].name = name;
	v->h[v->req.nheaders++].value = value;
}

/* "METHOD URI HTTP/1.1\nName:value\n...\n\nbody" into v->req. */
static void
parse_request(struct vec *v)
{
	char	*line, *next, *sp, *colon, *q;

	line = v->text;
	next = strchr(line, '\n');
	assert_non_null(next);
	*next++ = '\0';
	v->req.method = line;
	sp = strchr(line, ' ');
	assert_non_null(sp);
	*sp++ = '\0';
	v->req.path = sp;
	sp = strrchr(sp, ' ');	/* the path may hold spaces */
	assert_non_null(sp);
	*sp = '\0';
	if ((q = strchr(v->req.path, '?')) != NULL) {
		*q++ = '\0';
		v->req.query = q;
	}
	for (line = next; line != NULL && *line != '\0' && *line != '\n';
	     line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		colon = strchr(line, ':');
		assert_non_null(colon);
		*colon = '\0';
		add_header(v, line, colon + 1);
	}
	if (line != NULL && *line == '\n') {
		v->req.body = line + 1;
		v->req.body_len = strlen(line + 1);
	}
}

/* context.json into the key, the date and the x-amz-* headers. */
static void
load_context(struct vec *v, char *payload_hash)
{
	json_error_t	 e;
	json_t		*cr;
	const char	*ts, *tok;
	char		*ctx;
	size_t		 i, j;

	ctx = slurp(v->dir, "context.json");
	v->ctx = json_loads(ctx, 0, &e);
	free(ctx);
	if (v->ctx == NULL)
		fail_msg("%s/context.json: %s", v->dir, e.text);
	cr = json_object_get(v->ctx, "credentials");
	v->key.access_key = json_string_value(
	    json_object_get(cr, "access_key_id"));
	v->key.secret_key = json_string_value(
	    json_object_get(cr, "secret_access_key"));
	v->key.region = json_string_value(json_object_get(v->ctx, "region"));
	v->key.service = json_string_value(json_object_get(v->ctx, "service"));
	v->req.normalize = json_is_true(json_object_get(v->ctx, "normalize"));
	ts = json_string_value(json_object_get(v->ctx, "timestamp"));
	assert_non_null(ts);
	/* 2015-08-30T12:36:00Z -> 20150830T123600Z */
	for (i = j = 0; ts[i] != '\0' && j < SIGV4_DATE_LEN; i++)
		if (ts[i] != '-' && ts[i] != ':')
			v->date[j++] = ts[i];
	v->date[j] = '\0';
	add_header(v, "X-Amz-Date", v->date);
	tok = json_string_value(json_object_get(cr, "token"));
	if (tok != NULL &&
	    !json_is_true(json_object_get(v->ctx, "omit_session_token")))
		add_header(v, "X-Amz-Security-Token", tok);
	if (json_is_true(json_object_get(v->ctx, "sign_body"))) {
		sigv4_hex_sha256(v->req.body != NULL ? v->req.body : "",
		    v->req.body_len, payload_hash);
		add_header(v, "x-amz-content-sha256", payload_hash);
	}
}

/* Expected files end without a newline; tolerate one anyway. */
static void
assert_file(const char *dir, const char *name, const char *got)
{
	char	*want = slurp(dir, name);
	size_t	 n = strlen(want);

	while (n > 0 && want[n - 1] == '\n')
		want[--n] = '\0';
	if (strcmp(want, got) != 0)
		fail_msg("%s/%s:\nwant:\n%s\ngot:\n%s", dir, name, want, got);
	free(want);
}

static void
test_vector(void **state)
{
	struct vec	 v;
	struct sigv4_out o;
	char		 ph[SIGV4_HEX_LEN + 1];

	memset(&v, 0, sizeof(v));
	v.dir = *state;
	v.text = slurp(v.dir, "request.txt");
	v.req.headers = v.h;
	parse_request(&v);
	load_context(&v, ph);
	assert_int_equal(sigv4_sign(&v.req, &v.key, v.date, &o), 0);
	assert_file(v.dir, "header-canonical-request.txt", buf_cstr(&o.creq));
	assert_file(v.dir, "header-string-to-sign.txt", buf_cstr(&o.sts));
	assert_file(v.dir, "header-signature.txt", o.signature);
	assert_non_null(strstr(buf_cstr(&o.authorization), o.signature));
	sigv4_out_free(&o);
	json_decref(v.ctx);
	free(v.text);
}

/* Not in the suite: what sigv4_sign refuses. */
static void
test_rejects_bad_input(void **state)
{
	struct sigv4_header	 h[] = { { "Host", "x" }, { "", "y" } };
	struct sigv4_request	 r = { "GET", "/", NULL, h, 1, NULL, 0, true };
	struct sigv4_key	 k = { "AK", "SK", "us-east-1", "sns" };
	struct sigv4_out	 o;

	(void)state;
	assert_int_equal(sigv4_sign(&r, &k, "2015-08-30T12:36", &o), -1);
	sigv4_out_free(&o);
	assert_int_equal(sigv4_sign(&r, &k, "20150830X123600Z", &o), -1);
	sigv4_out_free(&o);
	r.nheaders = 2;
	assert_int_equal(sigv4_sign(&r, &k, "20150830T123600Z", &o), -1);
	sigv4_out_free(&o);
	r.nheaders = 1;
	assert_int_equal(sigv4_sign(&r, &k, "20150830T123600Z", &o), 0);
	sigv4_out_free(&o);
}

static void
test_amz_date(void **state)
{
	char	 d[SIGV4_DATE_LEN + 1];

	(void)state;
	assert_int_equal(sigv4_amz_date(1440938160, d), 0);
	assert_string_equal(d, "20150830T123600Z");
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(void)
{
	struct CMUnitTest	*t;
	const char		*src = getenv("top_srcdir");
	char			*base, **dirs = NULL;
	DIR			*d;
	struct dirent		*de;
	size_t			 n = 0, i;
	int			 rc;

	if (auth_init() == -1)
		return 1;
	base = xasprintf("%s/tests/sigv4/vectors", src != NULL ? src : ".");
	if ((d = opendir(base)) == NULL) {
		fprintf(stderr, "%s: cannot open (set top_srcdir)\n", base);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		dirs = xreallocarray(dirs, n + 1, sizeof(*dirs));
		dirs[n++] = xasprintf("%s/%s", base, de->d_name);
	}
	closedir(d);
	qsort(dirs, n, sizeof(*dirs), cmp_name);
	t = xcalloc(n + 2, sizeof(*t));
	for (i = 0; i < n; i++) {
		t[i].name = strrchr(dirs[i], '/') + 1;
		t[i].test_func = test_vector;
		t[i].initial_state = dirs[i];
	}
	t[n].name = "rejects_bad_input";
	t[n].test_func = test_rejects_bad_input;
	t[n + 1].name = "amz_date";
	t[n + 1].test_func = test_amz_date;
	rc = _cmocka_run_group_tests("sigv4", t, n + 2, NULL, NULL);
	for (i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	free(t);
	free(base);
	return rc;
}
