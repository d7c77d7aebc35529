/*
 * board_cache.h: the worker's leaderboard cache and all its invalidation.
 *
 * A worker keeps the last few leaderboard slices it read.  A slice dies
 * when any of these says so:
 *  - the board generation, a counter in memory shared by every worker
 *    (made by bcache_init_main() in the master before it forks), moved
 *    on since it was read: a worker that commits a write bumps it;
 *  - a NOTIFY from another server on the same database
 *    (leaderboard_cache = notify), read from the database descriptor the
 *    worker watches while idle;
 *  - leaderboard_cache_ttl seconds passed.
 * bcache_sync() is the one entry point that applies what the database
 * said: the worker loop calls it when the descriptor is readable, and
 * app_handle() before each request.  Handlers call bcache_get() and,
 * after a committed write, bcache_changed().
 */
#ifndef CREWLOG_BOARD_CACHE_H
#define CREWLOG_BOARD_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "store.h"

struct bcache;

/*
 * In the master before fork: the shared generation, in pc's
 * leaderboard_cache_file if it names one (so crewlog board-events can
 * move it too, boardgen.h), else anonymous; -1 with err.
 */
int		 bcache_init_main(const struct pool_config *pc,
		    struct buf *err);
/*
 * In a worker: a cache reading through st (borrowed), enabled when
 * pc's leaderboard_cache is on.  NULL with err; bcache_free() ends it.
 */
struct bcache	*bcache_new(const struct pool_config *pc, struct store *st,
		    struct buf *err);
void		 bcache_free(struct bcache *);
/*
 * The slice [offset, offset + limit): *entries a new reference to
 * [{rank, name, hours}], *ids the astronaut of each entry (valid until
 * the next bcache_* call), *total every ranked astronaut.  Returns a
 * STORE_* code.
 */
int		 bcache_get(struct bcache *, int64_t limit, int64_t offset,
		    json_t **entries, const int64_t **ids, int64_t *total);
/*
 * The same slice as GET /api/leaderboard's JSON body, {"entries": [...],
 * "total", "limit", "offset"}, appended to out from bytes the slice keeps
 * serialised.  Returns a STORE_* code.
 */
int		 bcache_get_json(struct bcache *, int64_t limit,
		    int64_t offset, struct buf *out);
/* After a committed write that changes totals: every worker's slices die. */
void		 bcache_changed(struct bcache *);
/*
 * The database descriptor to watch while idle, or -1; *gen changes
 * whenever it is a new one (a reconnect).
 */
int		 bcache_wake_fd(const struct bcache *, unsigned *gen);
/* Reads pending notifications; drops the slices if one says so. */
void		 bcache_sync(struct bcache *);

#endif
