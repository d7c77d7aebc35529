/*
 * ctx.c: the request context's accessors; see ctx.h.
 */
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "jv.h"

void
ctx_init(struct ctx *c, struct ctx_env *env, struct request *req,
    struct response *resp)
{
	memset(c, 0, sizeof(*c));
	c->env = env;
	c->req = req;
	c->resp = resp;
}

void
ctx_free(struct ctx *c)
{
	store_user_clear(&c->user);
	memset(c, 0, sizeof(*c));
}

bool
ctx_json(const struct ctx *c)
{
	return req_wants_json(c->req);
}

const char *
ctx_query(const struct ctx *c, const char *name)
{
	return kv_get(&c->req->query, name);
}

json_t *
ctx_json_field(const struct ctx *c, const char *name)
{
	if (c->req->json == NULL || !json_is_object(c->req->json))
		return NULL;
	return json_object_get(c->req->json, name);
}

/* A JSON body answers alone: its fields are never mixed with a form's. */
enum ctx_field
ctx_field(const struct ctx *c, const char *name, const char **out)
{
	const struct kvlist	*f = &c->req->form;
	json_t			*v;
	size_t			 i;

	*out = NULL;
	if (c->req->json != NULL) {
		if ((v = ctx_json_field(c, name)) == NULL || json_is_null(v))
			return CTX_ABSENT;
		/* Not a string, or one with a NUL that C would cut short. */
		if (!json_is_string(v) ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return CTX_INVALID;
		*out = json_string_value(v);
		return CTX_OK;
	}
	for (i = 0; i < f->n; i++) {
		if (strcmp(f->v[i].key, name) != 0)
			continue;
		if (strlen(f->v[i].val) != f->v[i].vlen)
			return CTX_INVALID;
		*out = f->v[i].val;
		return CTX_OK;
	}
	return CTX_ABSENT;
}

const char *
ctx_field_check(const struct ctx *c, const char *name,
    const char *(*valid)(const char *), json_t *errs)
{
	const char	*s, *msg;
	enum ctx_field	 f;

	f = ctx_field(c, name, &s);
	msg = f == CTX_INVALID ? "must be a string of text" : valid(s);
	if (msg != NULL && json_object_get(errs, name) == NULL)
		jv_set(errs, name, jv_str(msg));
	return s;
}

int64_t
ctx_route_id(const struct ctx *c, const char *name)
{
	const char	*s = kv_get(&c->req->route, name);
	char		*end;
	long long	 v;

	if (s == NULL || *s < '1' || *s > '9' || strlen(s) > 18)
		return -1;
	v = strtoll(s, &end, 10);
	return *end == '\0' ? v : -1;
}

const char *
ctx_client_addr(const struct ctx *c)
{
	return c->req->remote_addr != NULL ? c->req->remote_addr : "-";
}

int
ctx_paging(const struct ctx *c, int64_t page_size, struct paging *p,
    json_t **errs)
{
	const char	*raw[PAGING__MAX];
	unsigned	 bad;
	int		 f;

	*errs = NULL;
	for (f = 0; f < PAGING__MAX; f++)
		raw[f] = ctx_query(c, paging_names[f]);
	if ((bad = paging_parse(raw, ctx_json(c), page_size, p)) == 0)
		return 0;
	*errs = json_object();
	for (f = 0; f < PAGING__MAX; f++)
		if ((bad & (1u << f)) != 0)
			jv_set(*errs, paging_names[f], jv_str(paging_msgs[f]));
	return -1;
}

const struct pool_config *
ctx_conf(const struct ctx *c)
{
	return c->env->conf;
}

struct store *
ctx_store(const struct ctx *c)
{
	return c->env->st;
}

const struct auth_cost *
ctx_cost(const struct ctx *c)
{
	return &c->env->cost;
}

struct bcache *
ctx_board(const struct ctx *c)
{
	return c->env->board;
}

const struct store_user *
ctx_user(const struct ctx *c)
{
	return c->user.id > 0 ? &c->user : NULL;
}

int
ctx_header(struct ctx *c, const char *name, const char *val)
{
	return resp_header(c->resp, name, val);
}
