/*
 * kv.h: an ordered multimap of strings: a=1&a=2 keeps both, in order.
 *
 * Request parameters, headers, query, form fields, cookies and route
 * captures are kvlists.  A list owns its pairs (kv_add copies) unless
 * borrowed is set, when the keys live elsewhere and kv_free() frees only
 * the array.  Lookups are linear: a request holds dozens, not thousands.
 */
#ifndef CREWLOG_KV_H
#define CREWLOG_KV_H

#include <stdbool.h>
#include <stddef.h>

struct kv {
	char	*key;
	char	*val;		/* shares key's allocation */
	size_t	 vlen;		/* val may hold NUL bytes from %00 */
};

struct kvlist {
	struct kv	*v;
	size_t		 n;
	size_t		 cap;
	bool		 borrowed;	/* keys live elsewhere: not freed */
};

/* An empty list; needs no kv_free() until something is added. */
void		 kv_init(struct kvlist *);
/* Frees every pair (unless borrowed) and the array; l is empty after. */
void		 kv_free(struct kvlist *);
/*
 * Appends a copy of key k (klen bytes) and value v (vlen bytes, may hold
 * NULs); both come out NUL-terminated.  Aborts on out of memory.
 */
void		 kv_add(struct kvlist *, const char *k, size_t klen,
		    const char *v, size_t vlen);
/* The first value for k, or NULL; points into the list. */
const char	*kv_get(const struct kvlist *, const char *k);
/* How many pairs have key k. */
size_t		 kv_count(const struct kvlist *, const char *k);

#endif
