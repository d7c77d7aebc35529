/*
 * kv.c: an ordered key-value multimap (see kv.h).
 */
#include <stdlib.h>
#include <string.h>

#include "kv.h"
#include "util.h"

void
kv_init(struct kvlist *l)
{
	l->v = NULL;
	l->n = l->cap = 0;
	l->borrowed = false;
}

void
kv_free(struct kvlist *l)
{
	size_t	 i;

	if (!l->borrowed)
		for (i = 0; i < l->n; i++)
			free(l->v[i].key);	/* val shares key's allocation */
	free(l->v);
	kv_init(l);
}

/*
 * Copies both into one allocation (key, NUL, value, NUL), owned through
 * key: a request adds dozens of pairs, so this halves its malloc calls.
 * The value keeps embedded NULs and is NUL-terminated.
 */
void
kv_add(struct kvlist *l, const char *k, size_t klen, const char *v,
    size_t vlen)
{
	struct kv	*e;

	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 8 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	e = &l->v[l->n++];
	e->key = xmalloc(klen + vlen + 2);
	memcpy(e->key, k, klen);
	e->key[klen] = '\0';
	e->val = e->key + klen + 1;
	if (vlen > 0)
		memcpy(e->val, v, vlen);
	e->val[vlen] = '\0';
	e->vlen = vlen;
}

const char *
kv_get(const struct kvlist *l, const char *k)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, k) == 0)
			return l->v[i].val;
	return NULL;
}

size_t
kv_count(const struct kvlist *l, const char *k)
{
	size_t	 i, c = 0;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, k) == 0)
			c++;
	return c;
}
