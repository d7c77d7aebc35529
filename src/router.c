/*
 * router.c: method + path to a route, by a linear scan over patterns
 * split into segments once, at router_new().
 *
 * Matching walks the already-decoded path in place and allocates
 * nothing; only the captures of the route finally chosen are copied
 * (into the caller's kvlist), and only then.  Routes are tried in table
 * order, so list "/api/hours/export" before "/api/hours/:id".
 */
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "util.h"

enum seg_kind {
	SEG_LITERAL,		/* "hours": equal bytes */
	SEG_CAPTURE,		/* ":id": any non-empty segment */
	SEG_REST		/* "*", last: zero or more segments */
};

struct seg {
	enum seg_kind	 kind;
	const char	*s;	/* into the pattern; a capture's name */
	size_t		 len;
};

struct croute {
	const struct route	*route;
	struct seg		*segs;
	size_t			 nsegs;
};

struct router {
	struct croute	*v;
	size_t		 n;
};

/* Alphabetical, for a sorted Allow header. */
static const enum http_method allow_order[] = { HTTP_DELETE, HTTP_GET,
	HTTP_HEAD, HTTP_OPTIONS, HTTP_PATCH, HTTP_POST, HTTP_PUT };

static const char *const method_names[HTTP__MAX] = { "GET", "HEAD", "POST",
	"PUT", "PATCH", "DELETE", "OPTIONS", NULL };

/*
 * Splits "/api/hours/:id" into segments; -1 for a pattern that does not
 * start with '/', an empty capture name, or a '*' before the end.
 */
static int
split(const char *pat, struct croute *cr)
{
	const char	*p, *e;
	size_t		 n = 0, cap = 0;

	if (pat == NULL || pat[0] != '/')
		return -1;
	for (p = pat + 1;; p = e + 1) {
		e = p + strcspn(p, "/");
		if (n == cap) {
			cap = cap == 0 ? 4 : cap * 2;
			cr->segs = xreallocarray(cr->segs, cap,
			    sizeof(*cr->segs));
		}
		cr->segs[n].s = p;
		cr->segs[n].len = (size_t)(e - p);
		cr->segs[n].kind = SEG_LITERAL;
		if (e - p == 1 && *p == '*') {
			if (*e != '\0')
				return -1;
			cr->segs[n].kind = SEG_REST;
		} else if (*p == ':') {
			if (e - p == 1)
				return -1;
			cr->segs[n].kind = SEG_CAPTURE;
			cr->segs[n].s++;
			cr->segs[n].len--;
		}
		n++;
		if (*e == '\0')
			break;
	}
	cr->nsegs = n;
	return 0;
}

/* NULL for a pattern router.h does not allow (a programming error). */
struct router *
router_new(const struct route *routes, size_t n)
{
	struct router	*r;
	size_t		 i;

	r = xcalloc(1, sizeof(*r));
	r->v = xcalloc(n == 0 ? 1 : n, sizeof(*r->v));
	for (i = 0; i < n; i++) {
		r->v[i].route = &routes[i];
		r->n = i + 1;
		if ((int)routes[i].method < 0 ||
		    routes[i].method >= HTTP__MAX ||
		    split(routes[i].pattern, &r->v[i]) == -1) {
			router_free(r);
			return NULL;
		}
	}
	return r;
}

void
router_free(struct router *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		free(r->v[i].segs);
	free(r->v);
	free(r);
}

/*
 * Does path match cr?  Adds the captures to caps when it is not NULL;
 * the caller passes NULL until it knows the route is the one.
 */
static bool
match(const struct croute *cr, const char *path, struct kvlist *caps)
{
	const struct seg	*sg;
	const char		*p, *e;
	size_t			 i;

	if (path[0] != '/')
		return false;
	p = path + 1;
	for (i = 0; i < cr->nsegs; i++) {
		sg = &cr->segs[i];
		if (sg->kind == SEG_REST) {
			if (caps != NULL)
				kv_add(caps, "*", 1, p != NULL ? p : "",
				    p != NULL ? strlen(p) : 0);
			return true;
		}
		if (p == NULL)
			return false;	/* path has fewer segments */
		e = p + strcspn(p, "/");
		if (sg->kind == SEG_LITERAL ? (size_t)(e - p) != sg->len ||
			    memcmp(p, sg->s, sg->len) != 0 :
					      e == p)
			return false;
		if (sg->kind == SEG_CAPTURE && caps != NULL)
			kv_add(caps, sg->s, sg->len, p, (size_t)(e - p));
		p = *e == '/' ? e + 1 : NULL;
	}
	return p == NULL;
}

static void
allow_list(unsigned mask, struct buf *allow)
{
	size_t	 i;
	bool	 first = true;

	if (mask & (1u << HTTP_GET))
		mask |= 1u << HTTP_HEAD;
	for (i = 0; i < sizeof(allow_order) / sizeof(allow_order[0]); i++) {
		if ((mask & (1u << allow_order[i])) == 0)
			continue;
		if (!first)
			buf_puts(allow, ", ");
		buf_puts(allow, method_names[allow_order[i]]);
		first = false;
	}
}

/*
 * The first route in table order whose pattern matches and whose method
 * is method wins; for HEAD, an explicit HEAD route beats a GET one.
 * Captures go to caps (may be NULL) only on ROUTER_FOUND; the sorted,
 * de-duplicated Allow value goes to allow (may be NULL) only on
 * ROUTER_BAD_METHOD.
 */
enum router_result
router_match(const struct router *r, enum http_method method, const char *path,
    const struct route **out, struct kvlist *caps, struct buf *allow)
{
	const struct croute	*found = NULL, *get = NULL;
	unsigned		 mask = 0;
	size_t			 i;

	if (path == NULL)
		return ROUTER_NOT_FOUND;
	for (i = 0; i < r->n && found == NULL; i++) {
		if (!match(&r->v[i], path, NULL))
			continue;
		mask |= 1u << r->v[i].route->method;
		if (r->v[i].route->method == method)
			found = &r->v[i];
		else if (method == HTTP_HEAD && get == NULL &&
		    r->v[i].route->method == HTTP_GET)
			get = &r->v[i];
	}
	if (found == NULL)
		found = get;
	if (found != NULL) {
		if (caps != NULL)
			(void)match(found, path, caps);
		if (out != NULL)
			*out = found->route;
		return ROUTER_FOUND;
	}
	if (mask == 0)
		return ROUTER_NOT_FOUND;
	if (allow != NULL)
		allow_list(mask, allow);
	return ROUTER_BAD_METHOD;
}
