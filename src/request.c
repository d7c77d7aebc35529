/*
 * request.c: FastCGI params and bodies turned into a checked request.
 *
 * Pure parsing over memory, no I/O and no libfcgi: the fuzzers link this
 * (libcrewlog_parse.a) alone.  request_fcgi.c reads the stream.
 *
 * Everything here treats its input as hostile: lengths are explicit,
 * nothing is trusted to be NUL-terminated except the envp strings
 * libfcgi hands us, and every failure fills a struct req_error whose
 * message names the field and is plain printable ASCII, so it can be put
 * into JSON, HTML (escaped) or a log line without further checks.
 *
 * Decisions worth knowing (also in request.h and the unit tests):
 *  - The path comes from REQUEST_URI (raw, decoded exactly once here);
 *    only when that is missing from DOCUMENT_URI or SCRIPT_NAME +
 *    PATH_INFO, which the web server has already decoded.  NUL, "." and
 *    ".." segments are refused after decoding, so %2e%2e is caught too.
 *  - %00 is refused in paths and in parameter names; parameter values
 *    may hold it (struct kv keeps vlen), handlers see a C string.
 *  - Cookies: a pair that is not name=value with a token name is
 *    skipped, as browsers do, so one stray cookie set by another app on
 *    the domain cannot lock a user out.  The request fails (400 naming
 *    Cookie) only for bytes no browser sends: control characters.
 *  - A non-empty body needs a Content-Type we decode (urlencoded form or
 *    JSON), whatever the method: 415 naming Content-Type otherwise.
 */
#include <sys/random.h>

#include <ctype.h>
#include <pthread.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "request.h"
#include "util.h"

#define FORM_TYPE	"application/x-www-form-urlencoded"

static const struct req_limits default_limits = { REQ_BODY_MAX_DEFAULT,
	REQ_JSON_DEPTH_DEFAULT };

/* ---------------------------------------------------------------------
 * Errors
 */

/*
 * Copies n bytes of untrusted s into dst as printable ASCII: other bytes
 * become '?', and a long s is cut with "...".
 */
static void
show(char *dst, size_t dstsz, const char *s, size_t n)
{
	size_t	 i, max;

	if (dstsz == 0)
		return;
	max = dstsz - 1;
	for (i = 0; i < n && i < max; i++)
		dst[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (i < n && max >= 3)
		memcpy(dst + max - 3, "...", 3);
	dst[i] = '\0';
}

/* Makes an error string safe for JSON, HTML-after-escaping and logs. */
static void
clean_ascii(char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s >= 0x7f)
			*s = '?';
}

static int fail(struct req_error *, int, const char *, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/* Fills err (which may be NULL) and returns -1. */
static int
fail(struct req_error *err, int status, const char *field, const char *fmt,
    ...)
{
	va_list	 ap;

	if (err == NULL)
		return -1;
	err->status = status;
	snprintf(err->field, sizeof(err->field), "%s",
	    field != NULL ? field : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	clean_ascii(err->field);
	clean_ascii(err->message);
	return -1;
}

/* ---------------------------------------------------------------------
 * Percent-decoding, query strings and urlencoded forms
 */

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes n bytes of s once.  "%" must start two hex digits; '+' is a
 * space only when plus_is_space (query strings and forms, not paths).
 * On success *out (the caller frees it) is NUL-terminated and *outlen
 * excludes the NUL; it may hold NUL bytes from %00.  On failure: -1 and
 * a 400 naming the bad escape and its offset; err->field is left empty
 * for the caller to fill.
 */
int
req_percent_decode(const char *s, size_t n, bool plus_is_space, char **out,
    size_t *outlen, struct req_error *err)
{
	char	*d, bad[4];
	size_t	 i, j = 0;
	int	 hi, lo;

	*out = NULL;
	*outlen = 0;
	d = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			hi = i + 1 < n ? hexval((unsigned char)s[i + 1]) : -1;
			lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
			if (hi == -1 || lo == -1) {
				show(bad, sizeof(bad), s + i,
				    n - i < 3 ? n - i : 3);
				free(d);
				return fail(err, 400, NULL,
				    "malformed "
				    "percent-escape \"%s\" at offset %zu",
				    bad, i);
			}
			d[j++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '+' && plus_is_space)
			d[j++] = ' ';
		else
			d[j++] = s[i];
	}
	d[j] = '\0';
	*out = d;
	*outlen = j;
	return 0;
}

/*
 * Splits "a=1&b=2&a=3" into l, keeping order and duplicates.  Empty
 * pieces and pieces with an empty name are skipped; "a" alone is a with
 * an empty value.  what names the kind of field in errors.
 */
static int
parse_pairs(const char *s, size_t n, struct kvlist *l, const char *what,
    struct req_error *err)
{
	const char	*p, *end = s + n, *amp, *eq;
	char		*k = NULL, *v = NULL, name[48];
	char		 why[sizeof(err->message)];
	size_t		 rawk, klen, vlen, plen;
	int		 rc = -1;

	for (p = s; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if ((plen = (size_t)(amp - p)) == 0)
			continue;
		eq = memchr(p, '=', plen);
		rawk = eq != NULL ? (size_t)(eq - p) : plen;
		vlen = 0;
		if (req_percent_decode(p, rawk, true, &k, &klen, err) == -1) {
			show(name, sizeof(name), p, rawk);
			snprintf(why, sizeof(why), "%s", err->message);
			fail(err, 400, name, "%s name \"%s\": %s", what, name,
			    why);
			goto out;
		}
		show(name, sizeof(name), k, klen);
		if (memchr(k, '\0', klen) != NULL) {
			fail(err, 400, name,
			    "%s name \"%s\" contains NUL "
			    "(%%00)",
			    what, name);
			goto out;
		}
		if (eq == NULL)
			v = xstrdup("");
		else if (req_percent_decode(eq + 1, (size_t)(amp - eq - 1),
			     true, &v, &vlen, err) == -1) {
			snprintf(why, sizeof(why), "%s", err->message);
			fail(err, 400, name, "%s \"%s\": %s", what, name, why);
			goto out;
		}
		if (klen > 0) {
			if (l->n >= REQ_FIELDS_MAX) {
				fail(err, 400, NULL, "more than %d %ss",
				    REQ_FIELDS_MAX, what);
				goto out;
			}
			kv_add(l, k, klen, v, vlen);
		}
		free(k);
		free(v);
		k = v = NULL;
		if (amp == end)
			break;
	}
	rc = 0;
out:
	free(k);
	free(v);
	return rc;
}

/* Query string into l; a 400 names the parameter. */
int
req_parse_query(const char *s, size_t n, struct kvlist *l,
    struct req_error *err)
{
	return parse_pairs(s, n, l, "query parameter", err);
}

/* ---------------------------------------------------------------------
 * Cookies (RFC 6265, section 5.4 as sent, tolerant as browsers are)
 */

static bool
is_tchar(unsigned char c)
{
	return c > 0x20 && c < 0x7f &&
	    strchr("\"(),/:;<=>?@[\\]{}", c) == NULL;
}

static bool
is_token(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!is_tchar((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * "a=1; b=\"two\"; c=3" into l in order, duplicates kept (the first is
 * the most specific path, so kv_get() picks the right one).  Values lose
 * surrounding spaces and one pair of double quotes and are not decoded.
 * Pairs without '=' or with a name that is not a token are skipped.
 * Fails, with 400 naming Cookie, only on control bytes (no browser sends
 * them) or more than REQ_FIELDS_MAX pairs.
 */
int
req_parse_cookies(const char *s, size_t n, struct kvlist *l,
    struct req_error *err)
{
	const char	*p, *end = s + n, *semi, *eq, *k, *v, *ke, *ve;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return fail(err, 400, "Cookie",
			    "Cookie header holds "
			    "a control character at offset %zu",
			    i);
	}
	for (p = s; p < end; p = semi + 1) {
		if ((semi = memchr(p, ';', (size_t)(end - p))) == NULL)
			semi = end;
		if ((eq = memchr(p, '=', (size_t)(semi - p))) != NULL) {
			for (k = p; k < eq && (*k == ' ' || *k == '\t'); k++)
				;
			for (ke = eq;
			     ke > k && (ke[-1] == ' ' || ke[-1] == '\t'); ke--)
				;
			for (v = eq + 1; v < semi && (*v == ' ' || *v == '\t');
			     v++)
				;
			for (ve = semi;
			     ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
				;
			if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
				v++;
				ve--;
			}
			if (is_token(k, (size_t)(ke - k))) {
				if (l->n >= REQ_FIELDS_MAX)
					return fail(err, 400, "Cookie",
					    "more "
					    "than %d cookies",
					    REQ_FIELDS_MAX);
				kv_add(l, k, (size_t)(ke - k), v,
				    (size_t)(ve - v));
			}
		}
		if (semi == end)
			break;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * JSON bodies
 */

/*
 * Refuses nesting deeper than max before jansson (which recurses) sees
 * the text.  Only brackets outside strings count, so the scan is right
 * for every valid document; invalid ones are left to jansson's message.
 * Lines and columns count like jansson's: from 1, columns in characters.
 */
static int
json_depth_ok(const char *s, size_t n, unsigned max, struct req_error *err)
{
	size_t		 i, line = 1, col = 0;
	unsigned	 depth = 0;
	bool		 instr = false;
	unsigned char	 c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\n') {
			line++;
			col = 0;
		} else if ((c & 0xc0) != 0x80)
			col++;
		if (instr) {
			if (c == '\\')
				i++;
			else if (c == '"')
				instr = false;
			continue;
		}
		if (c == '"')
			instr = true;
		else if (c == '[' || c == '{') {
			if (++depth > max)
				return fail(err, 400, "body",
				    "JSON nested "
				    "deeper than %u levels at line %zu column "
				    "%zu",
				    max, line, col);
		} else if ((c == ']' || c == '}') && depth > 0)
			depth--;
	}
	return 0;
}

/*
 * Parses n bytes of JSON into *out (the caller json_decref()s it).  Any
 * value may be at the top; handlers check the shape.  Refused with a 400
 * naming line, column and problem: syntax errors, trailing junk, invalid
 * UTF-8, \u0000, duplicate object keys, nesting deeper than depth.
 */
int
req_parse_json(const char *s, size_t n, unsigned depth, json_t **out,
    struct req_error *err)
{
	json_error_t	 je;

	*out = NULL;
	if (json_depth_ok(s, n, depth, err) == -1)
		return -1;
	*out = json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (*out == NULL && json_error_code(&je) == json_error_null_character)
		return fail(err, 400, "body",
		    "invalid JSON at line %d column "
		    "%d: \\u0000 is not allowed in strings",
		    je.line, je.column);
	if (*out == NULL)
		return fail(err, 400, "body",
		    "invalid JSON at line %d column "
		    "%d: %s",
		    je.line, je.column, je.text);
	return 0;
}

/* ---------------------------------------------------------------------
 * Request id
 */

static bool
request_id_ok(const char *s)
{
	size_t	 n;

	for (n = 0; s[n] != '\0'; n++) {
		if (n == 64 ||
		    !((s[n] >= 'a' && s[n] <= 'z') ||
			(s[n] >= 'A' && s[n] <= 'Z') ||
			(s[n] >= '0' && s[n] <= '9') ||
			strchr("._:-", s[n]) != NULL))
			return false;
	}
	return n > 0;
}

/*
 * Random bytes for request ids, drawn from a pool this module owns and
 * refills 512 bytes at a time: one getrandom(2) per 32 requests instead
 * of one each.  A fork empties the child's pool (pthread_atfork), so a
 * worker never hands out ids its parent or a sibling also holds.
 */
static struct {
	unsigned char	 b[512];
	size_t		 left;
	int		 atfork;	/* 1: registered, -1: could not be */
} rnd;

static void
rnd_forget(void)
{
	explicit_bzero(rnd.b, sizeof(rnd.b));
	rnd.left = 0;
}

/* Fills b with random bytes; getrandom(2) only fails on odd kernels. */
static void
random_bytes(unsigned char *b, size_t n)
{
	struct timespec	 ts;
	uint64_t	 x;
	size_t		 got = 0, i;
	ssize_t		 r;
	if (rnd.atfork == 0)
		rnd.atfork = pthread_atfork(NULL, NULL, rnd_forget) == 0 ? 1 :
									   -1;
	if (rnd.atfork == -1)
		rnd_forget();	/* no pool without a fork guard */
	if (rnd.left < n && n <= sizeof(rnd.b)) {
		while (got < sizeof(rnd.b)) {
			if ((r = getrandom(rnd.b + got, sizeof(rnd.b) - got,
				 0)) == -1) {
				if (errno == EINTR)
					continue;
				break;
			}
			got += (size_t)r;
		}
		rnd.left = got;
	}
	if (rnd.left >= n) {
		rnd.left -= n;
		memcpy(b, rnd.b + rnd.left, n);
		explicit_bzero(rnd.b + rnd.left, n);
		return;
	}
	/* Unique enough for a log id; never used as a secret. */
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	x = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec ^
	    (uint64_t)getpid() << 32;
	for (i = 0; i < n; i++) {
		x += 0x9e3779b97f4a7c15ULL;	/* splitmix64 */
		b[i] = (unsigned char)((x ^ x >> 31) * 0xbf58476d1ce4e5b9ULL >>
		    56);
	}
}

static void
set_request_id(struct request *req, const char *incoming)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 r[16];
	size_t			 i;

	if (incoming != NULL && request_id_ok(incoming)) {
		snprintf(req->request_id, sizeof(req->request_id), "%s",
		    incoming);
		return;
	}
	random_bytes(r, sizeof(r));
	for (i = 0; i < sizeof(r); i++) {
		req->request_id[2 * i] = hex[r[i] >> 4];
		req->request_id[2 * i + 1] = hex[r[i] & 0xf];
	}
	req->request_id[2 * sizeof(r)] = '\0';
}

/* ---------------------------------------------------------------------
 * FastCGI params
 */

void
req_init(struct request *req)
{
	memset(req, 0, sizeof(*req));
	kv_init(&req->params);
	kv_init(&req->headers);
	kv_init(&req->query);
	kv_init(&req->cookies);
	kv_init(&req->form);
	kv_init(&req->route);
}

void
req_free(struct request *req)
{
	free(req->path);
	free(req->pbuf);
	free(req->body);
	kv_free(&req->params);
	kv_free(&req->headers);
	kv_free(&req->query);
	kv_free(&req->cookies);
	kv_free(&req->form);
	kv_free(&req->route);
	json_decref(req->json);
	req_init(req);
}

static enum http_method
method_of(const char *m)
{
	static const char *const names[HTTP_OTHER] = { "GET", "HEAD", "POST",
		"PUT", "PATCH", "DELETE", "OPTIONS" };
	int	 i;

	for (i = 0; i < HTTP_OTHER; i++)
		if (strcmp(m, names[i]) == 0)
			return (enum http_method)i;
	return HTTP_OTHER;
}

/*
 * The params the request core reads itself, picked out in the one pass
 * that copies them.  Each is the first occurrence, as kv_get() would
 * find it, or NULL.
 */
struct known {
	const char	*method, *request_uri, *query_string, *content_type,
	    *content_length, *remote_addr, *https, *scheme, *document_uri,
	    *script_name, *path_info;
	const char	*h_request_id, *h_cookie, *h_content_type,
	    *h_content_length;
};

struct known_name {
	const char	*name;
	size_t		 len;
	size_t		 off;
};

/* Grouped by first letter, in the order note_known() indexes them. */
#define KN(n, f) \
	{ \
		n, sizeof(n) - 1, offsetof(struct known, f) \
	}
static const struct known_name	 known_names[] = {
	KN("CONTENT_TYPE", content_type),
	KN("CONTENT_LENGTH", content_length),
	KN("DOCUMENT_URI", document_uri),
	KN("HTTPS", https),
	KN("HTTP_X_REQUEST_ID", h_request_id),
	KN("HTTP_COOKIE", h_cookie),
	KN("HTTP_CONTENT_TYPE", h_content_type),
	KN("HTTP_CONTENT_LENGTH", h_content_length),
	KN("PATH_INFO", path_info),
	KN("QUERY_STRING", query_string),
	KN("REQUEST_METHOD", method),
	KN("REQUEST_URI", request_uri),
	KN("REMOTE_ADDR", remote_addr),
	KN("REQUEST_SCHEME", scheme),
	KN("SCRIPT_NAME", script_name),
};
#undef KN
_Static_assert(sizeof(known_names) / sizeof(known_names[0]) == 15,
    "note_known() indexes the table by first letter: update it too");

/* Records value under name if the core reads that param and it is new. */
static void
note_known(struct known *k, const char *name, size_t nlen, const char *val)
{
	const char	**slot;
	size_t		  i, end;

	/* The first letter picks a run of the table; most params have none. */
	switch (name[0]) {
	case 'C':
		i = 0;
		end = 2;
		break;
	case 'D':
		i = 2;
		end = 3;
		break;
	case 'H':
		i = 3;
		end = 8;
		break;
	case 'P':
		i = 8;
		end = 9;
		break;
	case 'Q':
		i = 9;
		end = 10;
		break;
	case 'R':
		i = 10;
		end = 14;
		break;
	case 'S':
		i = 14;
		end = 15;
		break;
	default:
		return;
	}
	for (; i < end; i++) {
		if (known_names[i].len != nlen ||
		    memcmp(known_names[i].name, name, nlen) != 0)
			continue;
		slot = (const char **)((char *)k + known_names[i].off);
		if (*slot == NULL)
			*slot = val;
		return;
	}
}

/* Non-empty, or NULL: nginx sends "" for params it has no value for. */
static const char *
nonempty(const char *v)
{
	return v != NULL && *v != '\0' ? v : NULL;
}

/* n bytes from the request's block, sized in store_params(). */
static char *
take(struct request *req, size_t n)
{
	char	*p;

	if (n > req->pbuf_size - req->pbuf_used)
		abort();	/* store_params() sized it wrong: a bug */
	p = req->pbuf + req->pbuf_used;
	req->pbuf_used += n;
	return p;
}

static const char *
take_copy(struct request *req, const char *s, size_t n)
{
	char	*p = take(req, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static bool
is_http_param(const char *e)
{
	return e[0] == 'H' && e[1] == 'T' && e[2] == 'T' && e[3] == 'P' &&
	    e[4] == '_';
}

/*
 * Stores every param raw and HTTP_* ones as lower-case dash headers, all
 * in one block: "NAME\0value\0" per param, then the header names.  The
 * block is twice the params' size, so the strings derived later (query
 * string, media type, fallback URI: each shorter than the params they
 * come from, and never more than two of them) fit in the second half.
 */
static void
store_params(struct request *req, char *const *envp, struct known *k)
{
	const char	*e, *eq;
	char		*copy, *name, c;
	size_t		 total = 0, np = 0, nh = 2, i, n, len;
	struct kv	*kv, *lens;

	memset(k, 0, sizeof(*k));
	for (i = 0; envp != NULL && envp[i] != NULL; i++)
		np++;
	/* The params' lengths wait in vlen until the copy pass needs them. */
	lens = req->params.v = xreallocarray(NULL, np + 1, sizeof(struct kv));
	for (i = 0; i < np; i++) {
		lens[i].vlen = strlen(envp[i]);
		total += lens[i].vlen + 1;
		if (is_http_param(envp[i]))
			nh++;
	}
	req->pbuf_size = 2 * total + 2;
	req->pbuf = xmalloc(req->pbuf_size);
	req->pbuf_used = 0;
	req->params.borrowed = req->headers.borrowed = true;
	req->headers.v = xreallocarray(NULL, nh, sizeof(struct kv));
	req->params.cap = np + 1;
	req->headers.cap = nh;
	for (i = 0; i < np; i++) {
		e = envp[i];
		len = lens[i].vlen;
		if ((eq = memchr(e, '=', len)) == NULL || eq == e)
			continue;
		n = (size_t)(eq - e);
		copy = take(req, len + 1);
		memcpy(copy, e, len + 1);
		copy[n] = '\0';
		/* Entries fill from the front, never past the lengths unread. */
		kv = &req->params.v[req->params.n++];
		kv->key = copy;
		kv->val = copy + n + 1;
		kv->vlen = len - n - 1;
		note_known(k, copy, n, kv->val);
		if (n <= 5 || !is_http_param(e))
			continue;
		name = take(req, n - 5 + 1);
		for (len = 0; len < n - 5; len++) {
			c = e[5 + len];
			name[len] = c == '_'     ? '-' :
			    c >= 'A' && c <= 'Z' ? (char)(c + 'a' - 'A') :
						   c;
		}
		name[n - 5] = '\0';
		kv = &req->headers.v[req->headers.n++];
		kv->key = name;
		kv->val = copy + n + 1;
		kv->vlen = req->params.v[req->params.n - 1].vlen;
	}
	/* CGI passes these two without HTTP_; handlers look them up too. */
	if (nonempty(k->content_type) != NULL && k->h_content_type == NULL) {
		kv = &req->headers.v[req->headers.n++];
		kv->key = (char *)"content-type";
		kv->val = (char *)k->content_type;
		kv->vlen = strlen(kv->val);
	}
	if (nonempty(k->content_length) != NULL &&
	    k->h_content_length == NULL) {
		kv = &req->headers.v[req->headers.n++];
		kv->key = (char *)"content-length";
		kv->val = (char *)k->content_length;
		kv->vlen = strlen(kv->val);
	}
}

/* Rejects NUL, "." and ".." segments in a decoded path. */
static int
check_path(const char *p, size_t n, struct req_error *err)
{
	size_t	 i, seg;

	if (memchr(p, '\0', n) != NULL)
		return fail(err, 400, "path", "path contains NUL (%%00)");
	if (n == 0 || p[0] != '/')
		return fail(err, 400, "path", "path must start with \"/\"");
	for (i = 1; i <= n; i = seg + 1) {
		for (seg = i; seg < n && p[seg] != '/'; seg++)
			;
		if ((seg - i == 1 && p[i] == '.') ||
		    (seg - i == 2 && p[i] == '.' && p[i + 1] == '.'))
			return fail(err, 400, "path",
			    "path contains a \"%s\" "
			    "segment",
			    seg - i == 1 ? "." : "..");
	}
	return 0;
}

/* A refused path is not kept: nothing downstream may route on it. */
static int
checked(struct request *req, size_t n, struct req_error *err)
{
	if (check_path(req->path, n, err) == 0)
		return 0;
	free(req->path);
	req->path = NULL;
	return -1;
}

/*
 * Sets req->uri and req->path (and query_string when the server sent no
 * QUERY_STRING).  REQUEST_URI is raw and decoded once here; the
 * fallbacks are decoded by the web server already and only checked.
 */
static int
parse_path(struct request *req, const struct known *k, struct req_error *err)
{
	const char	*u, *q, *a, *b, *pi;
	char		*p;
	size_t		 n;

	if ((u = nonempty(k->request_uri)) != NULL) {
		req->uri = u;
		/* Absolute form "http://host/p?q": keep from the path on. */
		if (strncasecmp(u, "http://", 7) == 0 ||
		    strncasecmp(u, "https://", 8) == 0) {
			u = strstr(u, "//") + 2;
			u += strcspn(u, "/?");
		}
		q = strchr(u, '?');
		n = q != NULL ? (size_t)(q - u) : strlen(u);
		if (req->query_string == NULL)
			req->query_string = q != NULL ?
			    take_copy(req, q + 1, strlen(q + 1)) :
			    "";
		if (n == 0) {
			u = "/";
			n = 1;
		}
		if (req_percent_decode(u, n, false, &req->path, &n, err) ==
		    -1) {
			char	 why[sizeof(err->message)];

			snprintf(why, sizeof(why), "%s", err->message);
			return fail(err, 400, "path", "path: %s", why);
		}
		return checked(req, n, err);
	}
	a = nonempty(k->document_uri);
	b = nonempty(k->script_name);
	if (a == NULL && b == NULL) {
		req->uri = "";
		return fail(err, 400, "path",
		    "no REQUEST_URI, DOCUMENT_URI "
		    "or SCRIPT_NAME param: cannot tell the path");
	}
	if (a != NULL)
		req->path = xstrdup(a);
	else {
		pi = nonempty(k->path_info);
		req->path = xasprintf("%s%s", b, pi != NULL ? pi : "");
	}
	n = strlen(req->path);
	p = take(req, n + 1);
	memcpy(p, req->path, n + 1);
	req->uri = p;
	return checked(req, n, err);
}

/* "Text/HTML; charset=UTF-8" -> "text/html"; NULL when empty. */
static const char *
media_type(struct request *req, const char *ct)
{
	size_t	 n, i;
	char	*t;

	ct += strspn(ct, " \t");
	n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n == 0)
		return NULL;
	t = take(req, n + 1);
	memcpy(t, ct, n);
	t[n] = '\0';
	for (i = 0; i < n; i++)
		t[i] = (char)tolower((unsigned char)t[i]);
	return t;
}

/* Content-Length: digits only, no sign, fits in size_t. */
static int
parse_content_length(const char *s, size_t *out, struct req_error *err)
{
	char		 shown[32];
	const char	*p;
	size_t		 v = 0, d;

	show(shown, sizeof(shown), s, strlen(s));
	p = s + strspn(s, " \t");
	if (*p == '-')
		return fail(err, 400, "Content-Length",
		    "Content-Length must "
		    "not be negative, got \"%s\"",
		    shown);
	if (!isdigit((unsigned char)*p))
		return fail(err, 400, "Content-Length",
		    "Content-Length is not "
		    "a number: \"%s\"",
		    shown);
	for (; isdigit((unsigned char)*p); p++) {
		d = (size_t)(*p - '0');
		if (v > (SIZE_MAX - d) / 10)
			return fail(err, 400, "Content-Length",
			    "Content-Length is too large to be real: \"%s\"",
			    shown);
		v = v * 10 + d;
	}
	p += strspn(p, " \t");
	if (*p != '\0')
		return fail(err, 400, "Content-Length",
		    "Content-Length is not "
		    "a number: \"%s\"",
		    shown);
	*out = v;
	return 0;
}

/* 411 for a body method without a length, 400 for a bad one, 413 over. */
static int
check_length(struct request *req, const struct known *k,
    const struct req_limits *lim, struct req_error *err)
{
	const char	*cl = nonempty(k->content_length);

	if (cl == NULL) {
		if (req->method == HTTP_POST || req->method == HTTP_PUT ||
		    req->method == HTTP_PATCH)
			return fail(err, 411, "Content-Length",
			    "%s needs a "
			    "Content-Length header",
			    req->method_name);
		return 0;
	}
	if (parse_content_length(cl, &req->content_length, err) == -1)
		return -1;
	req->has_content_length = true;
	if (req->content_length > lim->body_max)
		return fail(err, 413, "Content-Length",
		    "request body of %zu "
		    "bytes is over the limit of %zu bytes",
		    req->content_length, lim->body_max);
	return 0;
}

/*
 * Fills req from "NAME=value" params.  method_name, uri and request_id
 * are set even when this fails (for the error reply and the logs); path
 * is NULL when it was refused.  Statuses: 400 (path, query,
 * cookies, Content-Length, no method), 411, 413.
 */
int
req_parse_params(struct request *req, char *const *envp,
    const struct req_limits *lim, struct req_error *err)
{
	struct known	 k;
	const char	*m, *v;
	char		 shown[32];

	if (lim == NULL)
		lim = &default_limits;
	store_params(req, envp, &k);
	set_request_id(req, k.h_request_id);
	m = nonempty(k.method);
	req->method_name = m != NULL ? m : "";
	req->method = method_of(req->method_name);
	req->remote_addr = (v = nonempty(k.remote_addr)) != NULL ? v : "";
	v = nonempty(k.https);
	req->https = (v != NULL && strcasecmp(v, "off") != 0) ||
	    ((v = nonempty(k.scheme)) != NULL && strcasecmp(v, "https") == 0);
	if ((v = nonempty(k.content_type)) != NULL)
		req->content_type = media_type(req, v);
	req->query_string = k.query_string;
	if (parse_path(req, &k, err) == -1)
		return -1;
	if (req->query_string == NULL)
		req->query_string = "";
	if (m == NULL)
		return fail(err, 400, NULL, "no REQUEST_METHOD param");
	if (!is_token(m, strlen(m))) {
		show(shown, sizeof(shown), m, strlen(m));
		return fail(err, 400, NULL, "malformed method \"%s\"", shown);
	}
	if (req_parse_query(req->query_string, strlen(req->query_string),
		&req->query, err) == -1)
		return -1;
	if ((v = k.h_cookie) != NULL &&
	    req_parse_cookies(v, strlen(v), &req->cookies, err) == -1)
		return -1;
	return check_length(req, &k, lim, err);
}

/* ---------------------------------------------------------------------
 * Bodies
 */

static bool
is_json_type(const char *t)
{
	size_t	 n = strlen(t);

	/* application/json and the structured suffix: */
	/* application/merge-patch+json, application/problem+json, ... */
	return strcmp(t, "application/json") == 0 ||
	    (strncmp(t, "application/", 12) == 0 && n > 17 &&
		strcmp(t + n - 5, "+json") == 0);
}

/*
 * Decodes body (len bytes, copied into req->body unless it is that
 * buffer already) by req->content_type into req->form or req->json.
 * An empty body is always fine.  Statuses: 400 (malformed form or JSON,
 * too deep), 413 (over the limit), 415 (no or another Content-Type).
 */
int
req_parse_body(struct request *req, const char *body, size_t len,
    const struct req_limits *lim, struct req_error *err)
{
	char	*copy, shown[48];

	if (lim == NULL)
		lim = &default_limits;
	if (len > lim->body_max)
		return fail(err, 413, "Content-Length",
		    "request body of %zu "
		    "bytes is over the limit of %zu bytes",
		    len, lim->body_max);
	if (body != req->body) {
		copy = xmalloc(len + 1);
		if (len > 0)
			memcpy(copy, body, len);
		copy[len] = '\0';
		free(req->body);
		req->body = copy;
		req->body_len = len;
	}
	if (len == 0)
		return 0;
	if (req->content_type == NULL)
		return fail(err, 415, "Content-Type",
		    "a request body needs a "
		    "Content-Type: application/x-www-form-urlencoded or "
		    "application/json");
	if (strcmp(req->content_type, FORM_TYPE) == 0)
		return parse_pairs(req->body, len, &req->form, "form field",
		    err);
	if (is_json_type(req->content_type)) {
		return req_parse_json(req->body, len, lim->json_depth,
		    &req->json, err);
	}
	show(shown, sizeof(shown), req->content_type,
	    strlen(req->content_type));
	return fail(err, 415, "Content-Type",
	    "Content-Type \"%s\" is not "
	    "accepted: send application/x-www-form-urlencoded or "
	    "application/json",
	    shown);
}

/* ---------------------------------------------------------------------
 * Lookups
 */

const char *
req_header(const struct request *req, const char *name)
{
	size_t	 i;

	for (i = 0; i < req->headers.n; i++)
		if (strcasecmp(req->headers.v[i].key, name) == 0)
			return req->headers.v[i].val;
	return NULL;
}

const char *
req_param(const struct request *req, const char *name)
{
	return kv_get(&req->params, name);
}

/*
 * The q value Accept gives a media type: the most specific matching
 * range wins (type/sub over type/ * over * / *); 0 (not acceptable) when
 * none matches.
 */
static double
accept_q(const char *accept, const char *type)
{
	const char	*p, *end, *e, *sl, *par;
	size_t		 tlen = strcspn(type, "/"), flen = strlen(type);
	size_t		 rl;
	int		 spec, best = -1;
	double		 q, bestq = 0;

	for (p = accept; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		end = p + strcspn(p, ",");
		p += strspn(p, " \t");
		e = p + strcspn(p, ";,");
		for (rl = (size_t)(e - p);
		     rl > 0 && (p[rl - 1] == ' ' || p[rl - 1] == '\t'); rl--)
			;
		sl = memchr(p, '/', rl);
		if (rl == flen && strncasecmp(p, type, rl) == 0)
			spec = 2;
		else if (sl != NULL && (size_t)(sl - p) == tlen &&
		    strncasecmp(p, type, tlen) == 0 && rl == tlen + 2 &&
		    sl[1] == '*')
			spec = 1;
		else if (rl == 3 && strncmp(p, "*/*", 3) == 0)
			spec = 0;
		else
			continue;
		if (spec <= best)
			continue;
		q = 1;
		for (par = e; par < end && *par == ';';) {
			par++;
			par += strspn(par, " \t");
			if ((*par == 'q' || *par == 'Q') && par[1] == '=')
				q = strtod(par + 2, NULL);
			par += strcspn(par, ";,");
		}
		if (!(q >= 0))		/* also NaN */
			q = 0;
		best = spec;
		bestq = q > 1 ? 1 : q;
	}
	return bestq;
}

/*
 * JSON for /api/ paths (the raw URI when the path was refused), or when
 * Accept ranks application/json above
 * text/html; ties (no Accept, "* / *") go to HTML, as browsers expect.
 */
bool
req_wants_json(const struct request *req)
{
	const char	*a, *p;

	/* A refused path leaves only the raw URI to go by. */
	p = req->path != NULL ? req->path : req->uri;
	if (p != NULL &&
	    (strncmp(p, "/api/", 5) == 0 || strcmp(p, "/api") == 0 ||
		strncmp(p, "/api?", 5) == 0))
		return true;
	if ((a = req_header(req, "accept")) == NULL)
		return false;
	return accept_q(a, "application/json") > accept_q(a, "text/html");
}
