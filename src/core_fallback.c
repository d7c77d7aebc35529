/*
 * core_fallback.c: TEMPORARY stand-ins for the request core (request.c,
 * response.c), so the pool builds and its tests run before the core area
 * is merged.  Every definition is weak: the real ones win when present.
 * Delete this file (and its line in mk/pool.am) when merging `core`.
 */
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#include "request.h"
#include "response.h"
#include "util.h"

#define WEAK	__attribute__((weak))

WEAK void
kv_init(struct kvlist *l)
{
	memset(l, 0, sizeof(*l));
}

WEAK void
kv_free(struct kvlist *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].val);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

WEAK void
kv_add(struct kvlist *l, const char *k, size_t kl, const char *v, size_t vl)
{
	if (l->n == l->cap) {
		l->cap = l->cap != 0 ? 2 * l->cap : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n].key = xstrndup(k, kl);
	l->v[l->n].val = xstrndup(v, vl);
	l->v[l->n].vlen = vl;
	l->n++;
}

WEAK const char *
kv_get(const struct kvlist *l, const char *k)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, k) == 0)
			return l->v[i].val;
	return NULL;
}

WEAK size_t
kv_count(const struct kvlist *l, const char *k)
{
	size_t	 i, c = 0;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, k) == 0)
			c++;
	return c;
}

WEAK void
req_init(struct request *r)
{
	memset(r, 0, sizeof(*r));
}

WEAK void
req_free(struct request *r)
{
	free(r->method_name);
	free(r->uri);
	free(r->path);
	free(r->query_string);
	kv_free(&r->query);
	memset(r, 0, sizeof(*r));
}

static const char *
param(char *const *e, const char *n)
{
	size_t	 l = strlen(n);

	for (; *e != NULL; e++)
		if (strncmp(*e, n, l) == 0 && (*e)[l] == '=')
			return *e + l + 1;
	return NULL;
}

WEAK int
req_read(struct request *r, struct FCGX_Request *fr,
    const struct req_limits *lim, struct req_error *err)
{
	const char	*m, *u, *q;
	char		*s, *a, *eq, buf[4096];
	size_t		 n;

	(void)lim;
	(void)err;
	m = param(fr->envp, "REQUEST_METHOD");
	u = param(fr->envp, "REQUEST_URI");
	q = param(fr->envp, "QUERY_STRING");
	r->method_name = xstrdup(m != NULL ? m : "GET");
	r->method = strcmp(r->method_name, "HEAD") == 0 ? HTTP_HEAD :
	    HTTP_GET;
	r->uri = xstrdup(u != NULL ? u : "/");
	r->path = xstrdup(r->uri);
	if ((s = strchr(r->path, '?')) != NULL)
		*s = '\0';
	r->query_string = xstrdup(q != NULL ? q : "");
	for (s = r->query_string; *s != '\0'; ) {
		a = strchr(s, '&');
		n = a != NULL ? (size_t)(a - s) : strlen(s);
		if ((eq = memchr(s, '=', n)) != NULL)
			kv_add(&r->query, s, (size_t)(eq - s), eq + 1,
			    n - (size_t)(eq - s) - 1);
		else
			kv_add(&r->query, s, n, "", 0);
		s += n;
		if (*s != '\0')
			s++;
	}
	while (FCGX_GetStr(buf, sizeof(buf), fr->in) > 0)
		;
	return 0;
}

WEAK bool
req_wants_json(const struct request *r)
{
	return r->path != NULL && strncmp(r->path, "/api/", 5) == 0;
}

WEAK void
resp_init(struct response *r)
{
	memset(r, 0, sizeof(*r));
	r->status = 200;
}

WEAK void
resp_free(struct response *r)
{
	buf_free(&r->headers);
	buf_free(&r->body);
	free(r->content_type);
}

WEAK void
resp_reset(struct response *r)
{
	buf_reset(&r->headers);
	buf_reset(&r->body);
	r->status = 200;
}

WEAK void
resp_status(struct response *r, int s)
{
	r->status = s;
}

WEAK int
resp_header(struct response *r, const char *n, const char *v)
{
	buf_printf(&r->headers, "%s: %s\r\n", n, v);
	return 0;
}

WEAK void
resp_content_type(struct response *r, const char *t)
{
	free(r->content_type);
	r->content_type = xstrdup(t);
}

WEAK int
resp_json_error(struct response *r, int s, const char *c, const char *m,
    json_t *f)
{
	(void)c;
	json_decref(f);
	r->status = s;
	resp_content_type(r, "application/json");
	buf_printf(&r->body, "{\"error\":{\"message\":\"%s\"}}", m);
	return 0;
}

WEAK const char *
resp_reason(int s)
{
	return s == 200 ? "OK" : "Error";
}

WEAK int
resp_finish(struct response *r, struct FCGX_Stream *o)
{
	struct buf	 b = BUF_INIT;
	int		 rc;

	buf_printf(&b, "Status: %d\r\nContent-Type: %s\r\n", r->status,
	    r->content_type != NULL ? r->content_type :
	    "text/html; charset=utf-8");
	if (r->headers.len > 0)
		buf_append(&b, r->headers.data, r->headers.len);
	buf_printf(&b, "Content-Length: %zu\r\n\r\n", r->body.len);
	if (!r->head && r->body.len > 0)
		buf_append(&b, r->body.data, r->body.len);
	rc = FCGX_PutStr(b.data, (int)b.len, o) < 0 ? -1 : 0;
	buf_free(&b);
	return rc;
}
