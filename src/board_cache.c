/*
 * board_cache.c: the leaderboard cache; see board_cache.h.
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board_cache.h"
#include "boardgen.h"
#include "jv.h"
#include "util.h"

#define BOARD_SLOTS	8

/*
 * One cached leaderboard slice: valid while the board generation it was
 * read under holds and for leaderboard_cache_ttl at most.
 */
struct board_slot {
	bool		 used;
	int64_t		 limit, offset, total;
	json_t		*entries;	/* [{rank, name, hours}] */
	char		*text;		/* entries serialised, or NULL */
	size_t		 text_len;
	int64_t		*ids;		/* astronaut of each entry */
	unsigned long	 stamp;		/* last use, for eviction */
	uint64_t	 gen;		/* board_gen when read */
	int64_t		 read_ms;	/* monotonic, when read */
};

struct bcache {
	const struct pool_config *pc;
	struct store		*st;		/* borrowed */
	bool			 on;
	struct board_slot	 slot[BOARD_SLOTS];
	unsigned long		 clock;
};

/*
 * The board generation, the one piece of state this module shares: a
 * word in an anonymous shared mapping (or leaderboard_cache_file) made
 * by the master before it forks, so every worker of every generation sees the same counter.  A
 * process that never ran bcache_init_main() (crewlog render, tests)
 * gets a private word.
 */
static uint64_t	*board_gen;

int
bcache_init_main(const struct pool_config *pc, struct buf *err)
{
	void	*p;

	if (board_gen != NULL)
		return 0;	/* a reload keeps the word the workers share */
	/* In a file, crewlog board-events can move it too (boardgen.h). */
	if (pc->leaderboard_cache_file != NULL)
		return (board_gen = boardgen_map(pc->leaderboard_cache_file,
			    err)) != NULL ?
		    0 :
		    -1;
	p = mmap(NULL, sizeof(*board_gen), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		buf_printf(err, "leaderboard cache: mmap: %s",
		    strerror(errno));
		return -1;
	}
	board_gen = p;
	return 0;
}

static uint64_t
gen_now(void)
{
	return board_gen != NULL ?
	    __atomic_load_n(board_gen, __ATOMIC_ACQUIRE) :
	    0;
}

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
clear(struct bcache *bc)
{
	size_t	 i;

	for (i = 0; i < BOARD_SLOTS; i++) {
		json_decref(bc->slot[i].entries);
		free(bc->slot[i].text);
		free(bc->slot[i].ids);
		memset(&bc->slot[i], 0, sizeof(bc->slot[i]));
	}
}

struct bcache *
bcache_new(const struct pool_config *pc, struct store *st, struct buf *err)
{
	struct bcache	*bc;

	bc = xcalloc(1, sizeof(*bc));
	bc->pc = pc;
	bc->st = st;
	bc->on = pc->leaderboard_cache != 0;
	if (bc->on && bcache_init_main(pc, err) == -1) {
		free(bc);
		return NULL;
	}
	return bc;
}

void
bcache_free(struct bcache *bc)
{
	if (bc == NULL)
		return;
	clear(bc);
	free(bc);
}

/* The live slice for limit/offset, or NULL. */
static struct board_slot *
lookup(struct bcache *bc, int64_t limit, int64_t offset, uint64_t gen,
    int64_t now)
{
	struct board_slot	*s;
	size_t			 i;

	for (i = 0; bc->on && i < BOARD_SLOTS; i++) {
		s = &bc->slot[i];
		if (s->used && s->limit == limit && s->offset == offset &&
		    s->gen == gen &&
		    now - s->read_ms <
			(int64_t)bc->pc->leaderboard_cache_ttl * 1000)
			return s;
	}
	return NULL;
}

/* Fills the least recently used slot (or a free one) from the store's rows. */
static struct board_slot *
store_slice(struct bcache *bc, json_t *all)
{
	struct board_slot	*s = &bc->slot[0];
	json_t			*e, *pub;
	size_t			 i;

	for (i = 1; i < BOARD_SLOTS; i++)
		if (!bc->slot[i].used ||
		    (s->used && bc->slot[i].stamp < s->stamp))
			s = &bc->slot[i];
	json_decref(s->entries);
	free(s->text);
	s->text = NULL;
	free(s->ids);
	s->ids = xcalloc(json_array_size(all) + 1, sizeof(*s->ids));
	s->entries = json_array();
	json_array_foreach (all, i, e) {
		s->ids[i] = json_integer_value(json_object_get(e, "id"));
		pub = json_object();
		jv_set(pub, "rank", json_incref(json_object_get(e, "rank")));
		jv_set(pub, "name", json_incref(json_object_get(e, "name")));
		jv_set(pub, "hours", json_incref(json_object_get(e, "hours")));
		jv_push(s->entries, pub);
	}
	return s;
}

/* The slot holding a slice, cached or read now; a STORE_* code. */
static int
slot_get(struct bcache *bc, int64_t limit, int64_t offset,
    struct board_slot **out)
{
	struct board_slot	*s;
	json_t			*all = NULL;
	uint64_t		 gen;
	int64_t			 now, total;
	int			 rc;

	bc->clock++;
	gen = gen_now();
	now = mono_ms();
	if ((s = lookup(bc, limit, offset, gen, now)) == NULL) {
		if ((rc = store_leaderboard(bc->st, limit, offset, &all,
			 &total)) != STORE_OK)
			return rc;
		s = store_slice(bc, all);
		json_decref(all);
		s->used = bc->on;
		s->gen = gen;		/* read before the query: a write during */
		s->read_ms = now;	/* it leaves this slice already stale */
		s->limit = limit;
		s->offset = offset;
		s->total = total;
	}
	s->stamp = bc->clock;
	*out = s;
	return STORE_OK;
}

int
bcache_get(struct bcache *bc, int64_t limit, int64_t offset, json_t **entries,
    const int64_t **ids, int64_t *total)
{
	struct board_slot	*s;
	int			 rc;

	if ((rc = slot_get(bc, limit, offset, &s)) != STORE_OK)
		return rc;
	*entries = json_incref(s->entries);
	*ids = s->ids;
	*total = s->total;
	return STORE_OK;
}

/*
 * The API's answer is built from the slice serialised once, when it is
 * first asked for: a cached request costs a copy of its bytes instead of
 * a walk over fifty jansson objects and a dump (three times the
 * instructions of rendering the HTML page, bench/instructions.py).  The
 * keys come in the order the view had: entries, total, limit, offset.
 */
int
bcache_get_json(struct bcache *bc, int64_t limit, int64_t offset,
    struct buf *out)
{
	struct board_slot	*s;
	int			 rc;

	if ((rc = slot_get(bc, limit, offset, &s)) != STORE_OK)
		return rc;
	if (s->text == NULL) {
		if ((s->text = json_dumps(s->entries, JSON_COMPACT)) == NULL)
			return STORE_ERROR;
		s->text_len = strlen(s->text);
	}
	buf_puts(out, "{\"entries\":");
	buf_append(out, s->text, s->text_len);
	buf_printf(out, ",\"total\":%lld,\"limit\":%lld,\"offset\":%lld}",
	    (long long)s->total, (long long)limit, (long long)offset);
	return STORE_OK;
}

void
bcache_changed(struct bcache *bc)
{
	if (board_gen != NULL)
		(void)__atomic_add_fetch(board_gen, 1, __ATOMIC_RELEASE);
	clear(bc);
}

int
bcache_wake_fd(const struct bcache *bc, unsigned *gen)
{
	*gen = 0;
	return bc != NULL && bc->st != NULL ? store_wake_fd(bc->st, gen) : -1;
}

void
bcache_sync(struct bcache *bc)
{
	if (bc != NULL && bc->st != NULL && store_poll(bc->st))
		clear(bc);
}
