/*
 * scoreboard.c: the shared-memory picture of one pool (see scoreboard.h).
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "scoreboard.h"

const double sb_bucket_bounds[SB_NBUCKETS - 1] = { 0.0001, 0.00025, 0.0005,
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
	10 };

static const char *const state_names[SB__MAX] = { "Free", "Starting", "Idle",
	"Reading headers", "Running", "Finishing" };

static size_t
sb_size(unsigned nslots)
{
	return sizeof(struct scoreboard) +
	    (size_t)nslots * sizeof(struct sb_slot);
}

static int64_t
now_us(clockid_t clk)
{
	struct timespec	 ts;

	if (clock_gettime(clk, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
sb_now_mono_us(void)
{
	return now_us(CLOCK_MONOTONIC);
}

int64_t
sb_now_wall_us(void)
{
	return now_us(CLOCK_REALTIME);
}

/*
 * Returns a zeroed scoreboard the caller releases with sb_free(); it stays
 * mapped in every process forked afterwards.
 */
struct scoreboard *
sb_new(const char *name, unsigned nslots)
{
	struct scoreboard	*sb;
	size_t			 n;

	if (nslots == 0 || nslots > 65536) {
		errno = EINVAL;
		return NULL;
	}
	sb = mmap(NULL, sb_size(nslots), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sb == MAP_FAILED)
		return NULL;
	/* Anonymous mappings are zeroed: every slot starts SB_FREE. */
	n = strlen(name);
	if (n >= sizeof(sb->name))
		n = sizeof(sb->name) - 1;
	memcpy(sb->name, name, n);
	sb->nslots = nslots;
	sb->started_wall_us = sb_now_wall_us();
	sb->started_mono_us = sb_now_mono_us();
	return sb;
}

void
sb_free(struct scoreboard *sb)
{
	if (sb != NULL)
		(void)munmap(sb, sb_size(sb->nslots));
}

/*
 * Adds what route entry r counted (less what base's entry of the same
 * name counted, if base is not NULL) into sb's entry of that name.
 */
static void
route_add(struct scoreboard *sb, const struct sb_route *r,
    const struct scoreboard *base)
{
	const struct sb_route	*b = NULL;
	struct sb_route		*to;
	int			 i, j;
	size_t			 k;

	if (__atomic_load_n(&r->state, __ATOMIC_ACQUIRE) != 2 ||
	    (i = sb_route_find(sb, r->method, r->route)) == -1)
		return;
	if (base != NULL &&
	    (j = sb_route_lookup(base, r->method, r->route)) != -1)
		b = &base->routes[j];
	to = &sb->routes[i];
	for (k = 0; k < SB_NBUCKETS; k++)
		sb_add(&to->hist[k],
		    sb_get(&r->hist[k]) -
			(b != NULL ? sb_get(&b->hist[k]) : 0));
	sb_add(&to->sum_us,
	    sb_get(&r->sum_us) - (b != NULL ? sb_get(&b->sum_us) : 0));
	sb_add(&to->count,
	    sb_get(&r->count) - (b != NULL ? sb_get(&b->count) : 0));
}

void
sb_inherit(struct scoreboard *sb, const struct scoreboard *old)
{
	size_t	 i;

	sb->started_wall_us = old->started_wall_us;
	sb->started_mono_us = old->started_mono_us;
	sb_set(&sb->accepted, sb_get(&old->accepted));
	sb_set(&sb->max_active, sb_get(&old->max_active));
	sb_set(&sb->max_children_reached, sb_get(&old->max_children_reached));
	sb_set(&sb->slow_requests, sb_get(&old->slow_requests));
	sb_set(&sb->respawns, sb_get(&old->respawns));
	sb_set(&sb->max_listen_queue, sb_get(&old->max_listen_queue));
	for (i = 0; i < SB_NBUCKETS; i++)
		sb_set(&sb->hist[i], sb_get(&old->hist[i]));
	sb_set(&sb->hist_sum_us, sb_get(&old->hist_sum_us));
	sb_set(&sb->hist_count, sb_get(&old->hist_count));
	for (i = 0; i < SB_ROUTES; i++)
		route_add(sb, &old->routes[i], NULL);
}

void
sb_add_since(struct scoreboard *sb, const struct scoreboard *old,
    const struct scoreboard *base)
{
	size_t	 i;

#define DELTA(f)	sb_add(&sb->f, sb_get(&old->f) - sb_get(&base->f))
	DELTA(accepted);
	DELTA(max_children_reached);
	DELTA(slow_requests);
	DELTA(respawns);
	for (i = 0; i < SB_NBUCKETS; i++)
		DELTA(hist[i]);
	DELTA(hist_sum_us);
	DELTA(hist_count);
#undef DELTA
	for (i = 0; i < SB_ROUTES; i++)
		route_add(sb, &old->routes[i], base);
	sb_max(&sb->max_active, sb_get(&old->max_active));
	sb_max(&sb->max_listen_queue, sb_get(&old->max_listen_queue));
}

uint64_t
sb_get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void
sb_add(uint64_t *p, uint64_t n)
{
	(void)__atomic_fetch_add(p, n, __ATOMIC_RELAXED);
}

void
sb_set(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

void
sb_max(uint64_t *p, uint64_t v)
{
	uint64_t	 cur = sb_get(p);

	while (v > cur &&
	    !__atomic_compare_exchange_n(p, &cur, v, true, __ATOMIC_RELAXED,
		__ATOMIC_RELAXED))
		;	/* cur was reloaded by the failed exchange */
}

/* Master only, before fork. */
int
sb_claim(struct scoreboard *sb, unsigned generation)
{
	unsigned	 i;
	struct sb_slot	*s;

	for (i = 0; i < sb->nslots; i++) {
		s = &sb->slots[i];
		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != SB_FREE)
			continue;
		memset(s, 0, sizeof(*s));
		s->generation = generation;
		s->started_wall_us = sb_now_wall_us();
		s->started_mono_us = sb_now_mono_us();
		s->idle_since_mono_us = s->started_mono_us;
		__atomic_store_n(&s->state, SB_STARTING, __ATOMIC_RELEASE);
		return (int)i;
	}
	return -1;
}

void
sb_release(struct scoreboard *sb, unsigned slot)
{
	if (slot < sb->nslots)
		__atomic_store_n(&sb->slots[slot].state, SB_FREE,
		    __ATOMIC_RELEASE);
}

void
sb_set_state(struct sb_slot *s, enum sb_state st)
{
	if (st == SB_IDLE)
		__atomic_store_n(&s->idle_since_mono_us, sb_now_mono_us(),
		    __ATOMIC_RELAXED);
	__atomic_store_n(&s->state, (int)st, __ATOMIC_RELEASE);
}

static void
seq_begin(struct sb_slot *s)
{
	__atomic_fetch_add(&s->seq, 1, __ATOMIC_ACQ_REL);
}

static void
seq_end(struct sb_slot *s)
{
	__atomic_fetch_add(&s->seq, 1, __ATOMIC_RELEASE);
}

/* A connection was accepted: counts it and marks the slot reading. */
void
sb_begin_request(struct scoreboard *sb, struct sb_slot *s)
{
	struct sb_counts	 c;

	seq_begin(s);
	s->req_start_mono_us = sb_now_mono_us();
	s->method[0] = '\0';
	memcpy(s->uri, "-", 2);
	seq_end(s);
	sb_set_state(s, SB_READING);
	sb_add(&sb->accepted, 1);
	sb_count(sb, &c);
	sb_max(&sb->max_active, c.active);
}

static void
copy_trunc(char *dst, size_t size, const char *src)
{
	size_t	 n;

	if (src == NULL)
		src = "";
	n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void
sb_set_request(struct sb_slot *s, const char *method, const char *uri)
{
	seq_begin(s);
	copy_trunc(s->method, sizeof(s->method), method);
	copy_trunc(s->uri, sizeof(s->uri), uri);
	seq_end(s);
}

void
sb_set_request_id(struct sb_slot *s, const char *id)
{
	seq_begin(s);
	copy_trunc(s->request_id, sizeof(s->request_id), id);
	seq_end(s);
}

/* The histogram bucket of a duration. */
static size_t
bucket(int64_t dur_us)
{
	size_t	 i;
	double	 sec = (double)dur_us / 1e6;

	for (i = 0; i < SB_NBUCKETS - 1; i++)
		if (sec <= sb_bucket_bounds[i])
			break;
	return i;
}

void
sb_end_request(struct scoreboard *sb, struct sb_slot *s, int64_t dur_us)
{
	sb_add(&sb->hist[bucket(dur_us)], 1);
	sb_add(&sb->hist_sum_us, dur_us < 0 ? 0 : (uint64_t)dur_us);
	sb_add(&sb->hist_count, 1);
	seq_begin(s);
	s->last_duration_us = dur_us;
	s->requests++;
	seq_end(s);
}

/* ---------------------------------------------------------------------
 * Per-route histograms
 */

static bool
route_is(const struct sb_route *r, const char *method, const char *route)
{
	return strncmp(r->method, method, sizeof(r->method) - 1) == 0 &&
	    strncmp(r->route, route, sizeof(r->route) - 1) == 0;
}

/* Waits out another process naming entry r; its final state. */
static unsigned
route_state(const struct sb_route *r)
{
	unsigned	 st;

	while ((st = __atomic_load_n(&r->state, __ATOMIC_ACQUIRE)) == 1)
		(void)sched_yield();
	return st;
}

/*
 * Scanning in table order and waiting at an entry being named is what
 * keeps names unique: a second process looking for the same name stops
 * at the first one's entry until it is named, then matches it.
 */
int
sb_route_find(struct scoreboard *sb, const char *method, const char *route)
{
	struct sb_route	*r;
	unsigned	 zero;
	int		 i;

	for (i = 0; i < SB_ROUTES; i++) {
		r = &sb->routes[i];
		zero = 0;
		if (__atomic_compare_exchange_n(&r->state, &zero, 1, false,
			__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			copy_trunc(r->method, sizeof(r->method), method);
			copy_trunc(r->route, sizeof(r->route), route);
			__atomic_store_n(&r->state, 2, __ATOMIC_RELEASE);
			return i;
		}
		if (route_state(r) == 2 && route_is(r, method, route))
			return i;
	}
	return -1;
}

int
sb_route_lookup(const struct scoreboard *sb, const char *method,
    const char *route)
{
	int	 i;

	for (i = 0; i < SB_ROUTES; i++) {
		if (route_state(&sb->routes[i]) != 2)
			return -1;	/* entries are claimed in order */
		if (route_is(&sb->routes[i], method, route))
			return i;
	}
	return -1;
}

void
sb_route_observe(struct scoreboard *sb, int i, int64_t dur_us)
{
	struct sb_route	*r;

	if (i < 0 || i >= SB_ROUTES)
		return;
	r = &sb->routes[i];
	sb_add(&r->hist[bucket(dur_us)], 1);
	sb_add(&r->sum_us, dur_us < 0 ? 0 : (uint64_t)dur_us);
	sb_add(&r->count, 1);
}

double
sb_quantile(const uint64_t *hist, double q)
{
	uint64_t	 total = 0, cum = 0, n;
	double		 rank, lo;
	size_t		 i;

	for (i = 0; i < SB_NBUCKETS; i++)
		total += sb_get(&hist[i]);
	if (total == 0)
		return -1;
	rank = q * (double)total;
	for (i = 0; i < SB_NBUCKETS - 1; i++) {
		n = sb_get(&hist[i]);
		if (n > 0 && (double)(cum + n) >= rank) {
			lo = i == 0 ? 0 : sb_bucket_bounds[i - 1];
			return lo +
			    (sb_bucket_bounds[i] - lo) * (rank - (double)cum) /
			    (double)n;
		}
		cum += n;
	}
	return sb_bucket_bounds[SB_NBUCKETS - 2];
}

/* Copies a slot, retrying while its owner is mid-update (bounded). */
void
sb_read_slot(const struct sb_slot *s, struct sb_proc *p)
{
	unsigned	 a, b;
	int		 tries;

	for (tries = 0; tries < 100; tries++) {
		a = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		if (a & 1)
			continue;
		p->pid = s->pid;
		p->generation = s->generation;
		p->requests = s->requests;
		p->started_wall_us = s->started_wall_us;
		p->started_mono_us = s->started_mono_us;
		p->req_start_mono_us = s->req_start_mono_us;
		p->idle_since_mono_us = __atomic_load_n(&s->idle_since_mono_us,
		    __ATOMIC_RELAXED);
		p->last_duration_us = s->last_duration_us;
		memcpy(p->method, s->method, sizeof(p->method));
		memcpy(p->uri, s->uri, sizeof(p->uri));
		memcpy(p->request_id, s->request_id, sizeof(p->request_id));
		b = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		if (a == b)
			break;
	}
	p->method[sizeof(p->method) - 1] = '\0';
	p->uri[sizeof(p->uri) - 1] = '\0';
	p->request_id[sizeof(p->request_id) - 1] = '\0';
	p->state = (enum sb_state)__atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
	if ((unsigned)p->state >= SB__MAX)
		p->state = SB_FREE;
}

void
sb_count(const struct scoreboard *sb, struct sb_counts *c)
{
	unsigned	 i;
	int		 st;

	c->idle = c->active = c->total = 0;
	for (i = 0; i < sb->nslots; i++) {
		st = __atomic_load_n(&sb->slots[i].state, __ATOMIC_ACQUIRE);
		if (st == SB_FREE)
			continue;
		c->total++;
		if (st == SB_IDLE || st == SB_STARTING)
			c->idle++;
		else
			c->active++;
	}
}

const char *
sb_state_name(enum sb_state st)
{
	return (unsigned)st < SB__MAX ? state_names[st] : "Unknown";
}
