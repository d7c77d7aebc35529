/*
 * app_fallback.c: TEMPORARY stand-ins so the app can be tested through
 * nginx before the core and mustache branches land: a request reader
 * that parses headers, cookies and bodies, the router, JSON replies and
 * cookies (strong: they override src/core_fallback.c), and a mustache
 * shim that dumps the view-model (weak).  Delete this file, its header
 * and their lines in mk/app.am and src/app.c when merging core/mustache.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#include "app_fallback.h"
#include "request.h"
#include "response.h"
#include "router.h"
#include "util.h"

static const char *
fb_param(char *const *e, const char *n)
{
	size_t	 l = strlen(n);

	for (; *e != NULL; e++)
		if (strncmp(*e, n, l) == 0 && (*e)[l] == '=')
			return *e + l + 1;
	return NULL;
}

static int
hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static char *
decode(const char *s, size_t n, bool plus, size_t *outlen)
{
	char	*o = xmalloc(n + 1);
	size_t	 i, j = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    hexv(s[i + 1]) >= 0 && hexv(s[i + 2]) >= 0) {
			o[j++] = (char)(hexv(s[i + 1]) * 16 + hexv(s[i + 2]));
			i += 2;
		} else if (plus && s[i] == '+')
			o[j++] = ' ';
		else
			o[j++] = s[i];
	}
	o[j] = '\0';
	*outlen = j;
	return o;
}

static void
parse_pairs(const char *s, size_t len, char sep, struct kvlist *l, bool dec)
{
	size_t	 i = 0, n, kl, vl;
	const char *p, *eq;
	char	*k, *v;

	while (i < len) {
		p = s + i;
		for (n = 0; i + n < len && p[n] != sep; n++)
			;
		while (sep == ';' && n > 0 && *p == ' ') {
			p++;
			n--;
			i++;
		}
		if (n > 0) {
			eq = memchr(p, '=', n);
			kl = eq != NULL ? (size_t)(eq - p) : n;
			if (dec) {
				size_t dk;

				k = decode(p, kl, true, &dk);
				v = eq != NULL ? decode(eq + 1, n - kl - 1,
				    true, &vl) : xstrdup("");
				if (eq == NULL)
					vl = 0;
			} else {
				k = xstrndup(p, kl);
				v = eq != NULL ? xstrndup(eq + 1, n - kl - 1) :
				    xstrdup("");
				vl = strlen(v);
			}
			kv_add(l, k, strlen(k), v, vl);
			free(k);
			free(v);
		}
		i += n + 1;
	}
}

int
req_read(struct request *r, struct FCGX_Request *fr,
    const struct req_limits *lim, struct req_error *err)
{
	char *const	*e;
	const char	*m, *u, *q, *ct, *cl, *ck;
	char		 name[128], buf[4096], *s;
	size_t		 i, n;
	int		 got;

	(void)lim;
	m = fb_param(fr->envp, "REQUEST_METHOD");
	u = fb_param(fr->envp, "REQUEST_URI");
	q = fb_param(fr->envp, "QUERY_STRING");
	r->method_name = xstrdup(m != NULL ? m : "GET");
	r->method = HTTP_OTHER;
	if (strcmp(r->method_name, "GET") == 0) r->method = HTTP_GET;
	if (strcmp(r->method_name, "HEAD") == 0) r->method = HTTP_HEAD;
	if (strcmp(r->method_name, "POST") == 0) r->method = HTTP_POST;
	if (strcmp(r->method_name, "PUT") == 0) r->method = HTTP_PUT;
	if (strcmp(r->method_name, "PATCH") == 0) r->method = HTTP_PATCH;
	if (strcmp(r->method_name, "DELETE") == 0) r->method = HTTP_DELETE;
	r->uri = xstrdup(u != NULL ? u : "/");
	s = strchr(r->uri, '?');
	r->path = decode(r->uri, s != NULL ? (size_t)(s - r->uri) :
	    strlen(r->uri), false, &n);
	r->query_string = xstrdup(q != NULL ? q : "");
	parse_pairs(r->query_string, strlen(r->query_string), '&', &r->query,
	    true);
	r->remote_addr = xstrdup(fb_param(fr->envp, "REMOTE_ADDR") != NULL ?
	    fb_param(fr->envp, "REMOTE_ADDR") : "");
	r->https = fb_param(fr->envp, "HTTPS") != NULL &&
	    *fb_param(fr->envp, "HTTPS") != '\0';
	for (e = fr->envp; *e != NULL; e++) {
		if (strncmp(*e, "HTTP_", 5) != 0 || strchr(*e, '=') == NULL)
			continue;
		n = (size_t)(strchr(*e, '=') - (*e + 5));
		if (n >= sizeof(name))
			continue;
		for (i = 0; i < n; i++)
			name[i] = (*e)[5 + i] == '_' ? '-' :
			    (char)tolower((unsigned char)(*e)[5 + i]);
		name[n] = '\0';
		kv_add(&r->headers, name, n, *e + 6 + n, strlen(*e + 6 + n));
	}
	if ((ck = fb_param(fr->envp, "HTTP_COOKIE")) != NULL)
		parse_pairs(ck, strlen(ck), ';', &r->cookies, false);
	ct = fb_param(fr->envp, "CONTENT_TYPE");
	if (ct != NULL) {
		r->content_type = xstrdup(ct);
		if ((s = strchr(r->content_type, ';')) != NULL)
			*s = '\0';
		for (s = r->content_type; *s != '\0'; s++)
			*s = (char)tolower((unsigned char)*s);
	}
	cl = fb_param(fr->envp, "CONTENT_LENGTH");
	{
		struct buf b = BUF_INIT;

		while ((got = FCGX_GetStr(buf, sizeof(buf), fr->in)) > 0)
			buf_append(&b, buf, (size_t)got);
		r->body_len = b.len;
		r->body = b.data != NULL ? buf_release(&b) : xstrdup("");
		(void)cl;
	}
	if (r->content_type != NULL && strcmp(r->content_type,
	    "application/x-www-form-urlencoded") == 0)
		parse_pairs(r->body, r->body_len, '&', &r->form, true);
	else if (r->content_type != NULL && strcmp(r->content_type,
	    "application/json") == 0 && r->body_len > 0) {
		json_error_t je;

		r->json = json_loadb(r->body, r->body_len,
		    JSON_REJECT_DUPLICATES, &je);
		if (r->json == NULL) {
			err->status = 400;
			snprintf(err->message, sizeof(err->message),
			    "invalid JSON body: %s", je.text);
			return -1;
		}
	}
	return 0;
}

void
req_free(struct request *r)
{
	free(r->method_name);
	free(r->uri);
	free(r->path);
	free(r->query_string);
	free(r->remote_addr);
	free(r->content_type);
	free(r->body);
	kv_free(&r->params);
	kv_free(&r->headers);
	kv_free(&r->query);
	kv_free(&r->cookies);
	kv_free(&r->form);
	kv_free(&r->route);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

const char *
req_header(const struct request *r, const char *n)
{
	return kv_get(&r->headers, n);
}

bool
req_wants_json(const struct request *r)
{
	const char	*a;

	if (r->path != NULL && strncmp(r->path, "/api/", 5) == 0)
		return true;
	a = kv_get(&r->headers, "accept");
	return a != NULL && strstr(a, "application/json") != NULL &&
	    strstr(a, "text/html") == NULL;
}

int
resp_json(struct response *r, int status, const json_t *v)
{
	char	*s = json_dumps(v, JSON_COMPACT);

	if (s == NULL)
		return -1;
	r->status = status;
	buf_reset(&r->body);
	buf_puts(&r->body, s);
	free(s);
	resp_content_type(r, "application/json");
	return 0;
}

int
resp_json_error(struct response *r, int status, const char *code,
    const char *msg, json_t *fields)
{
	json_t	*e = json_object(), *o = json_object();
	int	 rc;

	json_object_set_new(e, "code", json_string(code));
	json_object_set_new(e, "message", json_string(msg));
	if (fields != NULL)
		json_object_set_new(e, "fields", fields);
	json_object_set_new(o, "error", e);
	rc = resp_json(r, status, o);
	json_decref(o);
	return rc;
}

int
resp_cookie(struct response *r, const char *n, const char *v,
    const struct cookie_opts *o)
{
	buf_printf(&r->headers, "Set-Cookie: %s=%s; Path=%s", n, v,
	    o->path != NULL ? o->path : "/");
	if (o->max_age >= 0)
		buf_printf(&r->headers, "; Max-Age=%ld", o->max_age);
	if (o->secure)
		buf_puts(&r->headers, "; Secure");
	if (o->http_only)
		buf_puts(&r->headers, "; HttpOnly");
	buf_printf(&r->headers, "; SameSite=%s\r\n", o->same_site ==
	    SAMESITE_LAX ? "Lax" : o->same_site == SAMESITE_STRICT ?
	    "Strict" : "None");
	return 0;
}

/* --- router ---------------------------------------------------------- */

struct router {
	const struct route	*r;
	size_t			 n;
};

struct router *
router_new(const struct route *r, size_t n)
{
	struct router	*ro = xcalloc(1, sizeof(*ro));

	ro->r = r;
	ro->n = n;
	return ro;
}

void
router_free(struct router *r)
{
	free(r);
}

static bool
pmatch(const char *pat, const char *path, struct kvlist *caps)
{
	const char	*ps, *xs;
	size_t		 pl, xl;

	for (;;) {
		if (*pat == '\0' || *path == '\0')
			return *pat == '\0' && *path == '\0';
		if (*pat != '/' || *path != '/')
			return false;
		pat++;
		path++;
		ps = pat;
		xs = path;
		pl = strcspn(ps, "/");
		xl = strcspn(xs, "/");
		if (pl > 0 && *ps == ':') {
			if (xl == 0)
				return false;
			if (caps != NULL)
				kv_add(caps, ps + 1, pl - 1, xs, xl);
		} else if (pl != xl || strncmp(ps, xs, pl) != 0)
			return false;
		pat += pl;
		path += xl;
	}
}

enum router_result
router_match(const struct router *ro, enum http_method m, const char *path,
    const struct route **out, struct kvlist *caps, struct buf *allow)
{
	size_t	 i;
	bool	 any = false;
	static const char *names[] = { "GET", "HEAD", "POST", "PUT", "PATCH",
	    "DELETE", "OPTIONS", "OTHER" };

	for (i = 0; i < ro->n; i++) {
		if (!pmatch(ro->r[i].pattern, path, NULL))
			continue;
		if (ro->r[i].method == m || (m == HTTP_HEAD &&
		    ro->r[i].method == HTTP_GET)) {
			(void)pmatch(ro->r[i].pattern, path, caps);
			*out = &ro->r[i];
			return ROUTER_FOUND;
		}
		if (any)
			buf_puts(allow, ", ");
		buf_puts(allow, names[ro->r[i].method]);
		any = true;
	}
	return any ? ROUTER_BAD_METHOD : ROUTER_NOT_FOUND;
}

/* --- mustache shim (weak): a small renderer for the app's templates --- */
/*
 * Enough of mustache for templates/: variables (escaped, {{{ }}}, {{& }}),
 * sections, inverted sections, comments, partials, parents and blocks.
 * No delimiter changes, no standalone-line trimming.  Compiled once into
 * tokens at load.  The real engine (src/mustache.c) replaces all of it.
 */

#include <dirent.h>
#include <math.h>

#define WEAK	__attribute__((weak))

enum mtok { MT_TEXT, MT_VAR, MT_RAW, MT_SEC, MT_INV, MT_END, MT_PARTIAL,
	MT_PARENT, MT_BLOCK };

struct mt {
	enum mtok	 type;
	const char	*s;		/* text, or the name */
	size_t		 len;
	size_t		 end;		/* sections: index of the END token */
};

struct mtmpl {
	char		*name;
	char		*src;
	struct mt	*t;
	size_t		 n;
};

struct mustache_set {
	struct mtmpl	*v;
	size_t		 n;
};

struct mblock {
	const char	*name;
	size_t		 len;
	const struct mtmpl *tp;
	size_t		 a, b;
	const struct mblock *next;
};

WEAK struct mustache_set *
mustache_set_new(void)
{
	return xcalloc(1, sizeof(struct mustache_set));
}

WEAK void
mustache_set_free(struct mustache_set *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].src);
		free(s->v[i].t);
	}
	free(s->v);
	free(s);
}

static void
merr(struct mustache_error *e, const char *file, const char *src,
    const char *at, const char *msg)
{
	const char	*p;

	snprintf(e->file, sizeof(e->file), "%s", file);
	e->line = 1;
	e->col = 1;
	for (p = src; p < at; p++) {
		if (*p == '\n') {
			e->line++;
			e->col = 1;
		} else
			e->col++;
	}
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
}

static int
mcompile(struct mtmpl *tp, const char *file, struct mustache_error *e)
{
	const char	*p = tp->src, *o, *c, *nm;
	size_t		 cap = 0, stack[64], depth = 0, nl;
	struct mt	 t;
	char		 ty;

	while (*p != '\0') {
		o = strstr(p, "{{");
		memset(&t, 0, sizeof(t));
		if (o != p) {
			t.type = MT_TEXT;
			t.s = p;
			t.len = o != NULL ? (size_t)(o - p) : strlen(p);
			p += t.len;
			goto add;
		}
		ty = o[2];
		if (ty == '{') {
			c = strstr(o + 3, "}}}");
			nm = o + 3;
		} else
			c = strstr(o + 2, "}}");
		if (c == NULL) {
			merr(e, file, tp->src, o, "unclosed tag");
			return -1;
		}
		if (ty == '{') {
			t.type = MT_RAW;
			p = c + 3;
		} else {
			p = c + 2;
			nm = o + 2;
			switch (ty) {
			case '!':
				continue;
			case '&': t.type = MT_RAW; nm++; break;
			case '#': t.type = MT_SEC; nm++; break;
			case '^': t.type = MT_INV; nm++; break;
			case '/': t.type = MT_END; nm++; break;
			case '>': t.type = MT_PARTIAL; nm++; break;
			case '<': t.type = MT_PARENT; nm++; break;
			case '$': t.type = MT_BLOCK; nm++; break;
			default: t.type = MT_VAR; break;
			}
		}
		while (nm < c && *nm == ' ')
			nm++;
		nl = (size_t)(c - nm);
		while (nl > 0 && nm[nl - 1] == ' ')
			nl--;
		t.s = nm;
		t.len = nl;
		if (t.type == MT_SEC || t.type == MT_INV || t.type == MT_PARENT ||
		    t.type == MT_BLOCK) {
			if (depth == 64) {
				merr(e, file, tp->src, o, "nested too deep");
				return -1;
			}
			stack[depth++] = tp->n;
		} else if (t.type == MT_END) {
			if (depth == 0 || tp->t[stack[depth - 1]].len != nl ||
			    memcmp(tp->t[stack[depth - 1]].s, nm, nl) != 0) {
				merr(e, file, tp->src, o, "mismatched close tag");
				return -1;
			}
			tp->t[stack[--depth]].end = tp->n;
		}
add:
		if (tp->n == cap) {
			cap = cap ? cap * 2 : 64;
			tp->t = xreallocarray(tp->t, cap, sizeof(*tp->t));
		}
		tp->t[tp->n++] = t;
	}
	if (depth > 0) {
		merr(e, file, tp->src, tp->t[stack[depth - 1]].s,
		    "section is never closed");
		return -1;
	}
	return 0;
}

WEAK int
mustache_set_load_dir(struct mustache_set *s, const char *d,
    struct mustache_error *e)
{
	DIR		*dir;
	struct dirent	*de;
	FILE		*f;
	struct buf	 b = BUF_INIT;
	char		*path, tmp[4096];
	size_t		 len, got;
	struct mtmpl	*tp;

	if ((dir = opendir(d)) == NULL) {
		snprintf(e->file, sizeof(e->file), "%s", d);
		snprintf(e->msg, sizeof(e->msg), "cannot open directory");
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 9 || strcmp(de->d_name + len - 9, ".mustache") != 0)
			continue;
		path = xasprintf("%s/%s", d, de->d_name);
		if ((f = fopen(path, "rb")) == NULL) {
			snprintf(e->file, sizeof(e->file), "%s", path);
			snprintf(e->msg, sizeof(e->msg), "cannot open");
			free(path);
			closedir(dir);
			return -1;
		}
		buf_reset(&b);
		while ((got = fread(tmp, 1, sizeof(tmp), f)) > 0)
			buf_append(&b, tmp, got);
		fclose(f);
		s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
		tp = &s->v[s->n++];
		memset(tp, 0, sizeof(*tp));
		tp->name = xstrndup(de->d_name, len - 9);
		tp->src = xstrdup(buf_cstr(&b));
		if (mcompile(tp, path, e) == -1) {
			free(path);
			buf_free(&b);
			closedir(dir);
			return -1;
		}
		free(path);
	}
	buf_free(&b);
	closedir(dir);
	return 0;
}

static const struct mtmpl *
mfind(const struct mustache_set *s, const char *n, size_t len)
{
	size_t	 i;

	for (i = 0; i < s->n; i++)
		if (strlen(s->v[i].name) == len &&
		    memcmp(s->v[i].name, n, len) == 0)
			return &s->v[i];
	return NULL;
}

WEAK bool
mustache_set_has(const struct mustache_set *s, const char *n)
{
	return mfind(s, n, strlen(n)) != NULL;
}

struct mctx {
	const struct mustache_set *set;
	const json_t	*stack[64];
	size_t		 depth;
	struct buf	*out;
	unsigned	 calls;
};

static const json_t *
mlookup(struct mctx *c, const char *n, size_t len)
{
	const json_t	*v = NULL;
	const char	*dot;
	size_t		 i, k;
	char		 key[128];

	if (len == 1 && *n == '.')
		return c->depth > 0 ? c->stack[c->depth - 1] : NULL;
	dot = memchr(n, '.', len);
	k = dot != NULL ? (size_t)(dot - n) : len;
	if (k >= sizeof(key))
		return NULL;
	memcpy(key, n, k);
	key[k] = '\0';
	for (i = c->depth; i > 0; i--)
		if (json_is_object(c->stack[i - 1]) && (v = json_object_get(
		    c->stack[i - 1], key)) != NULL)
			break;
	while (v != NULL && dot != NULL) {
		n = dot + 1;
		len -= k + 1;
		dot = memchr(n, '.', len);
		k = dot != NULL ? (size_t)(dot - n) : len;
		if (k >= sizeof(key))
			return NULL;
		memcpy(key, n, k);
		key[k] = '\0';
		v = json_is_object(v) ? json_object_get(v, key) : NULL;
	}
	return v;
}

static bool
mtruthy(const json_t *v)
{
	if (v == NULL || json_is_null(v) || json_is_false(v))
		return false;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (json_is_real(v))
		return json_real_value(v) != 0;
	return true;
}

static void
mput(struct buf *o, const json_t *v, bool esc)
{
	const char	*s;
	char		 num[64];
	size_t		 i, n;

	if (v == NULL || json_is_null(v))
		return;
	if (json_is_string(v)) {
		s = json_string_value(v);
		n = json_string_length(v);
		for (i = 0; i < n; i++) {
			if (!esc) {
				buf_putc(o, s[i]);
				continue;
			}
			switch (s[i]) {
			case '&': buf_puts(o, "&amp;"); break;
			case '<': buf_puts(o, "&lt;"); break;
			case '>': buf_puts(o, "&gt;"); break;
			case '"': buf_puts(o, "&quot;"); break;
			case '\'': buf_puts(o, "&#39;"); break;
			default: buf_putc(o, s[i]); break;
			}
		}
	} else if (json_is_integer(v))
		buf_printf(o, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v)) {
		snprintf(num, sizeof(num), "%.15g", json_real_value(v));
		if (strtod(num, NULL) != json_real_value(v))
			snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		buf_puts(o, num);
	} else if (json_is_true(v))
		buf_puts(o, "true");
	else if (json_is_false(v))
		buf_puts(o, "false");
}

static int mrender(struct mctx *, const struct mtmpl *, size_t, size_t,
    const struct mblock *);

static int
mpush(struct mctx *c, const json_t *v)
{
	if (c->depth == 64)
		return -1;
	c->stack[c->depth++] = v;
	return 0;
}

static const struct mblock *
mblock_find(const struct mblock *b, const char *n, size_t len)
{
	for (; b != NULL; b = b->next)
		if (b->len == len && memcmp(b->name, n, len) == 0)
			return b;
	return NULL;
}

static int
mrender(struct mctx *c, const struct mtmpl *tp, size_t a, size_t b,
    const struct mblock *blocks)
{
	const struct mt		*t;
	const struct mtmpl	*pt;
	const struct mblock	*bl;
	struct mblock		 mine[16];
	const json_t		*v, *item;
	size_t			 i, j, k, nb;

	if (++c->calls > 100000)
		return -1;
	for (i = a; i < b; i++) {
		t = &tp->t[i];
		switch (t->type) {
		case MT_TEXT:
			buf_append(c->out, t->s, t->len);
			break;
		case MT_VAR:
		case MT_RAW:
			mput(c->out, mlookup(c, t->s, t->len),
			    t->type == MT_VAR);
			break;
		case MT_SEC:
			v = mlookup(c, t->s, t->len);
			if (mtruthy(v)) {
				if (json_is_array(v)) {
					for (k = 0; k < json_array_size(v);
					    k++) {
						item = json_array_get(v, k);
						if (mpush(c, item) == -1 ||
						    mrender(c, tp, i + 1, t->end,
						    blocks) == -1)
							return -1;
						c->depth--;
					}
				} else {
					if (mpush(c, v) == -1 || mrender(c, tp,
					    i + 1, t->end, blocks) == -1)
						return -1;
					c->depth--;
				}
			}
			i = t->end;
			break;
		case MT_INV:
			if (!mtruthy(mlookup(c, t->s, t->len)) &&
			    mrender(c, tp, i + 1, t->end, blocks) == -1)
				return -1;
			i = t->end;
			break;
		case MT_BLOCK:
			if ((bl = mblock_find(blocks, t->s, t->len)) != NULL) {
				if (mrender(c, bl->tp, bl->a, bl->b,
				    blocks) == -1)
					return -1;
			} else if (mrender(c, tp, i + 1, t->end, blocks) == -1)
				return -1;
			i = t->end;
			break;
		case MT_PARTIAL:
			if ((pt = mfind(c->set, t->s, t->len)) != NULL &&
			    mrender(c, pt, 0, pt->n, blocks) == -1)
				return -1;
			break;
		case MT_PARENT:
			nb = 0;
			for (j = i + 1; j < t->end; j++) {
				if (tp->t[j].type == MT_BLOCK && nb < 16) {
					mine[nb].name = tp->t[j].s;
					mine[nb].len = tp->t[j].len;
					mine[nb].tp = tp;
					mine[nb].a = j + 1;
					mine[nb].b = tp->t[j].end;
					/* Outer overrides win over ours. */
					mine[nb].next = nb > 0 ? &mine[nb - 1]
					    : NULL;
					nb++;
				}
				if (tp->t[j].type == MT_SEC ||
				    tp->t[j].type == MT_INV ||
				    tp->t[j].type == MT_BLOCK ||
				    tp->t[j].type == MT_PARENT)
					j = tp->t[j].end;
			}
			if ((pt = mfind(c->set, t->s, t->len)) != NULL) {
				struct mblock	 all[32];
				const struct mblock *x;
				size_t		 m = 0;

				/* Caller's blocks first (they win), then ours. */
				for (x = blocks; x != NULL && m < 16; x = x->next)
					all[m++] = *x;
				for (k = nb; k > 0 && m < 32; k--)
					all[m++] = mine[k - 1];
				for (k = 0; k < m; k++)
					all[k].next = k + 1 < m ? &all[k + 1] :
					    NULL;
				if (mrender(c, pt, 0, pt->n, m > 0 ? &all[0] :
				    NULL) == -1)
					return -1;
			}
			i = t->end;
			break;
		case MT_END:
			break;
		}
	}
	return 0;
}

WEAK int
mustache_render(const struct mustache_set *s, const char *n,
    const json_t *d, struct buf *out, struct mustache_error *e)
{
	const struct mtmpl	*tp;
	struct mctx		 c;

	if ((tp = mfind(s, n, strlen(n))) == NULL) {
		snprintf(e->file, sizeof(e->file), "%s", n);
		snprintf(e->msg, sizeof(e->msg), "no such template");
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.set = s;
	c.out = out;
	c.stack[c.depth++] = d;
	if (mrender(&c, tp, 0, tp->n, NULL) == -1) {
		snprintf(e->file, sizeof(e->file), "%s", n);
		snprintf(e->msg, sizeof(e->msg), "render limit exceeded");
		return -1;
	}
	return 0;
}

WEAK void
mustache_error_format(const struct mustache_error *e, struct buf *out)
{
	buf_printf(out, "%s:%u:%u: %s", e->file, e->line, e->col, e->msg);
}
