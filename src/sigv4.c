/*
 * sigv4.c: AWS Signature Version 4 (see sigv4.h).
 *
 * Follows AWS's "Create a signed AWS API request" steps: canonical
 * request, string to sign, derived signing key, signature.  Hashing goes
 * through auth.c, the one file that calls libsodium.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "sigv4.h"
#include "util.h"

#define ALGORITHM	"AWS4-HMAC-SHA256"

static void
hex(const unsigned char *d, size_t n, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

void
sigv4_hex_sha256(const void *data, size_t len, char out[SIGV4_HEX_LEN + 1])
{
	unsigned char	 h[AUTH_SHA256_LEN];

	auth_sha256(data, len, h);
	hex(h, sizeof(h), out);
}

int
sigv4_amz_date(time_t t, char out[SIGV4_DATE_LEN + 1])
{
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, SIGV4_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm) !=
		SIGV4_DATE_LEN)
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* URI encoding                                                        */
/* ------------------------------------------------------------------ */

static bool
unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

void
sigv4_uri_encode(struct buf *b, const char *s, size_t n, bool keep_slash)
{
	static const char	 digits[] = "0123456789ABCDEF";
	unsigned char		 c;
	size_t			 i;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (unreserved(c) || (keep_slash && c == '/'))
			buf_putc(b, (char)c);
		else {
			buf_putc(b, '%');
			buf_putc(b, digits[c >> 4]);
			buf_putc(b, digits[c & 15]);
		}
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* s[0..n) with %XX decoded (a malformed escape stays as it is). */
static char *
uri_decode(const char *s, size_t n, size_t *outlen)
{
	char	*d = xmalloc(n + 1);
	size_t	 i, j = 0;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			d[j++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			d[j++] = s[i];
	}
	d[j] = '\0';
	*outlen = j;
	return d;
}

/* The path with "." and ".." segments and empty segments removed. */
static void
normalize_path(const char *path, struct buf *out)
{
	const char	**seg;
	const char	*p = path, *e;
	size_t		*len, n = 0, i, cap = strlen(path) + 1;
	bool		 trailing;

	seg = xcalloc(cap, sizeof(*seg));
	len = xcalloc(cap, sizeof(*len));
	trailing = *path != '\0' && path[strlen(path) - 1] == '/';
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		e = strchr(p, '/');
		if (e == NULL)
			e = p + strlen(p);
		if (e - p == 2 && strncmp(p, "..", 2) == 0) {
			if (n > 0)
				n--;
		} else if (!(e - p == 1 && *p == '.')) {
			seg[n] = p;
			len[n++] = (size_t)(e - p);
		}
		p = e;
	}
	for (i = 0; i < n; i++) {
		buf_putc(out, '/');
		buf_append(out, seg[i], len[i]);
	}
	if (n == 0 || trailing)
		buf_putc(out, '/');
	free(seg);
	free(len);
}

static void
canonical_path(const struct sigv4_request *r, struct buf *b)
{
	struct buf	 p = BUF_INIT;
	const char *path = r->path != NULL && *r->path != '\0' ? r->path : "/";

	if (r->normalize)
		normalize_path(path, &p);
	else
		buf_puts(&p, path);
	sigv4_uri_encode(b, p.data, p.len, true);
	buf_free(&p);
}

/* ------------------------------------------------------------------ */
/* The canonical query string                                          */
/* ------------------------------------------------------------------ */

struct param {
	char	*key;		/* encoded */
	char	*value;		/* encoded */
};

static int
cmp_param(const void *a, const void *b)
{
	const struct param	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->key, y->key)) != 0)
		return c;
	return strcmp(x->value, y->value);
}

/* Decodes one side of k=v and encodes it the canonical way. */
static char *
reencode(const char *s, size_t n)
{
	struct buf	 b = BUF_INIT;
	char		*d;
	size_t		 dl;

	d = uri_decode(s, n, &dl);
	sigv4_uri_encode(&b, d, dl, false);
	free(d);
	return buf_release(&b);	/* "" when empty: never NULL */
}

static void
canonical_query(const char *q, struct buf *b)
{
	struct param	*v = NULL;
	const char	*p, *e, *eq;
	size_t		 n = 0, cap = 0, i;

	for (p = q; p != NULL && *p != '\0'; p = *e == '&' ? e + 1 : e) {
		if ((e = strchr(p, '&')) == NULL)
			e = p + strlen(p);
		if (e == p)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		eq = memchr(p, '=', (size_t)(e - p));
		v[n].key = reencode(p, (size_t)((eq != NULL ? eq : e) - p));
		v[n++].value = eq != NULL ?
		    reencode(eq + 1, (size_t)(e - eq - 1)) :
		    xstrdup("");
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_param);
	for (i = 0; i < n; i++) {
		buf_printf(b, "%s%s=%s", i > 0 ? "&" : "", v[i].key,
		    v[i].value);
		free(v[i].key);
		free(v[i].value);
	}
	free(v);
}

/* ------------------------------------------------------------------ */
/* Canonical headers                                                   */
/* ------------------------------------------------------------------ */

struct hdr {
	char	*name;		/* lower case */
	char	*value;		/* trimmed, inner spaces collapsed */
	size_t	 order;		/* position given: duplicates keep it */
};

static int
cmp_hdr(const void *a, const void *b)
{
	const struct hdr	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static char *
trim_value(const char *s)
{
	struct buf	 b = BUF_INIT;
	bool		 space = false;

	while (*s == ' ' || *s == '\t')
		s++;
	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t') {
			space = true;
			continue;
		}
		if (space && b.len > 0)
			buf_putc(&b, ' ');
		space = false;
		buf_putc(&b, *s);
	}
	return buf_release(&b);
}

/* Appends "name:value\n" lines; signed gets "a;b".  -1: empty name. */
static int
canonical_headers(const struct sigv4_request *r, struct buf *b,
    struct buf *signed_headers)
{
	struct hdr	*h;
	size_t		 i, j;
	int		 rc = 0;

	h = xcalloc(r->nheaders + 1, sizeof(*h));
	for (i = 0; i < r->nheaders; i++) {
		h[i].name = xstrdup(r->headers[i].name);
		for (j = 0; h[i].name[j] != '\0'; j++)
			h[i].name[j] = (char)tolower(
			    (unsigned char)h[i].name[j]);
		h[i].value = trim_value(r->headers[i].value);
		h[i].order = i;
		if (j == 0)
			rc = -1;
	}
	if (r->nheaders > 0)
		qsort(h, r->nheaders, sizeof(*h), cmp_hdr);
	for (i = 0; rc == 0 && i < r->nheaders; i++) {
		if (i > 0 && strcmp(h[i].name, h[i - 1].name) == 0) {
			b->len--;	/* the newline: join with a comma */
			buf_printf(b, ",%s\n", h[i].value);
			continue;
		}
		buf_printf(b, "%s:%s\n", h[i].name, h[i].value);
		buf_printf(signed_headers, "%s%s", i > 0 ? ";" : "",
		    h[i].name);
	}
	for (i = 0; i < r->nheaders; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Signing                                                             */
/* ------------------------------------------------------------------ */

static bool
date_ok(const char *d)
{
	size_t	 i;

	if (d == NULL || strlen(d) != SIGV4_DATE_LEN || d[8] != 'T' ||
	    d[15] != 'Z')
		return false;
	for (i = 0; i < 15; i++)
		if (i != 8 && !isdigit((unsigned char)d[i]))
			return false;
	return true;
}

/* The signature of sts with the key derived for date8/region/service. */
static void
signature(const struct sigv4_key *key, const char *amz_date, const char *sts,
    char out[SIGV4_HEX_LEN + 1])
{
	unsigned char	 k[AUTH_SHA256_LEN], sig[AUTH_SHA256_LEN];
	char		*secret;

	secret = xasprintf("AWS4%s", key->secret_key);
	auth_hmac_sha256(secret, strlen(secret), amz_date, 8, k);
	auth_hmac_sha256(k, sizeof(k), key->region, strlen(key->region), k);
	auth_hmac_sha256(k, sizeof(k), key->service, strlen(key->service), k);
	auth_hmac_sha256(k, sizeof(k), "aws4_request", 12, k);
	auth_hmac_sha256(k, sizeof(k), sts, strlen(sts), sig);
	hex(sig, sizeof(sig), out);
	memset(secret, 0, strlen(secret));
	free(secret);
	memset(k, 0, sizeof(k));
}

int
sigv4_sign(const struct sigv4_request *r, const struct sigv4_key *key,
    const char *amz_date, struct sigv4_out *o)
{
	char	 creq_hash[SIGV4_HEX_LEN + 1];

	memset(o, 0, sizeof(*o));
	if (!date_ok(amz_date) || r->method == NULL)
		return -1;
	sigv4_hex_sha256(r->body != NULL ? r->body : "", r->body_len,
	    o->payload_hash);
	buf_printf(&o->creq, "%s\n", r->method);
	canonical_path(r, &o->creq);
	buf_putc(&o->creq, '\n');
	canonical_query(r->query, &o->creq);
	buf_putc(&o->creq, '\n');
	if (canonical_headers(r, &o->creq, &o->signed_headers) == -1) {
		sigv4_out_free(o);
		return -1;
	}
	buf_printf(&o->creq, "\n%s\n%s", buf_cstr(&o->signed_headers),
	    o->payload_hash);
	sigv4_hex_sha256(o->creq.data, o->creq.len, creq_hash);
	buf_printf(&o->sts, ALGORITHM "\n%s\n%.8s/%s/%s/aws4_request\n%s",
	    amz_date, amz_date, key->region, key->service, creq_hash);
	signature(key, amz_date, buf_cstr(&o->sts), o->signature);
	buf_printf(&o->authorization,
	    ALGORITHM " Credential=%s/%.8s/%s/%s/"
		      "aws4_request, SignedHeaders=%s, Signature=%s",
	    key->access_key, amz_date, key->region, key->service,
	    buf_cstr(&o->signed_headers), o->signature);
	return 0;
}

void
sigv4_out_free(struct sigv4_out *o)
{
	buf_free(&o->creq);
	buf_free(&o->sts);
	buf_free(&o->signed_headers);
	buf_free(&o->authorization);
}
