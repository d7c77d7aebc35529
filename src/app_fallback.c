/*
 * app_fallback.c: TEMPORARY stand-ins so the app can be tested through
 * nginx before the core branch lands: a request reader that parses
 * headers, cookies and bodies, the router, JSON replies and cookies
 * (strong: they override src/core_fallback.c).  Delete this file and its
 * line in mk/app.am when merging core.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

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
