/*
 * scoreboard.h: the shared-memory picture of one pool.
 *
 * The master maps one scoreboard per pool (MAP_SHARED|MAP_ANONYMOUS) before
 * it forks, so the master, every worker and the status child see the same
 * memory.  Each slot is written by the one worker that owns it (the master
 * only claims and frees slots); pool counters are updated with atomic
 * operations.  Readers never lock: a per-slot sequence number lets them
 * retry a torn read of the request fields, as FPM's slots do with a lock.
 *
 * Times: *_us fields named mono are CLOCK_MONOTONIC microseconds (shared
 * by all processes of the machine); wall ones are CLOCK_REALTIME.
 */
#ifndef CREWLOG_SCOREBOARD_H
#define CREWLOG_SCOREBOARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum sb_state {
	SB_FREE,		/* no process */
	SB_STARTING,		/* forked, not yet accepting */
	SB_IDLE,		/* waiting for a connection */
	SB_READING,		/* reading the request */
	SB_RUNNING,		/* in a handler */
	SB_FINISHING,		/* sending the response */
	SB__MAX
};

#define SB_METHOD_MAX	16
#define SB_URI_MAX	256
#define SB_NAME_MAX	64
#define SB_RID_MAX	65

/*
 * Request duration histogram upper bounds in seconds, 100 us to 10 s in
 * 1-2.5-5 steps; the last bucket is +Inf.
 */
#define SB_NBUCKETS	17
extern const double sb_bucket_bounds[SB_NBUCKETS - 1];

/*
 * Per-route duration histograms.  A route is named by method and pattern
 * ("GET", "/api/hours/:id"); the first worker to see one claims the next
 * free entry, in table order, so two workers never name two entries
 * alike.  Once named an entry keeps its name for the scoreboard's life.
 */
#define SB_ROUTES	48
#define SB_ROUTE_MAX	48

struct sb_route {
	unsigned	 state;		/* 0 free, 1 being named, 2 named */
	char		 method[SB_METHOD_MAX];
	char		 route[SB_ROUTE_MAX];
	uint64_t	 hist[SB_NBUCKETS];	/* not cumulative */
	uint64_t	 sum_us;
	uint64_t	 count;
};

struct sb_slot {
	pid_t		 pid;
	unsigned	 generation;
	int		 state;		/* enum sb_state */
	unsigned	 seq;		/* odd while request fields change */
	uint64_t	 requests;	/* served by this process */
	int64_t		 started_wall_us;
	int64_t		 started_mono_us;
	int64_t		 req_start_mono_us;	/* current or last request */
	int64_t		 idle_since_mono_us;
	int64_t		 last_duration_us;
	char		 method[SB_METHOD_MAX];
	char		 uri[SB_URI_MAX];
	char		 request_id[SB_RID_MAX];	/* for the slow log */
};

struct scoreboard {
	char		 name[SB_NAME_MAX];
	int64_t		 started_wall_us;
	int64_t		 started_mono_us;
	uint64_t	 accepted;
	uint64_t	 max_active;
	uint64_t	 max_children_reached;
	uint64_t	 slow_requests;
	uint64_t	 respawns;
	uint64_t	 crash_backoff_ms;	/* 0: not backing off */
	uint64_t	 max_listen_queue;
	uint64_t	 hist[SB_NBUCKETS];	/* not cumulative */
	uint64_t	 hist_sum_us;
	uint64_t	 hist_count;
	struct sb_route	 routes[SB_ROUTES];
	unsigned	 nslots;
	struct sb_slot	 slots[];
};

/* A consistent copy of one slot, for readers. */
struct sb_proc {
	pid_t		 pid;
	unsigned	 generation;
	enum sb_state	 state;
	uint64_t	 requests;
	int64_t		 started_wall_us;
	int64_t		 started_mono_us;
	int64_t		 req_start_mono_us;
	int64_t		 idle_since_mono_us;
	int64_t		 last_duration_us;
	char		 method[SB_METHOD_MAX];
	char		 uri[SB_URI_MAX];
	char		 request_id[SB_RID_MAX];
};

/* Counts over the slots at one moment. */
struct sb_counts {
	unsigned	 idle;		/* idle + starting */
	unsigned	 active;	/* reading + running + finishing */
	unsigned	 total;
};

/* Maps a scoreboard with nslots slots; NULL on failure (errno set). */
struct scoreboard *sb_new(const char *name, unsigned nslots);
void		 sb_free(struct scoreboard *);
/* Copies the pool counters (not the slots) from old, for a reload. */
void		 sb_inherit(struct scoreboard *, const struct scoreboard *old);
/*
 * Adds what old counted since base (a copy taken when the counters were
 * inherited) into sb, so requests the retiring generation served after a
 * reload are not lost.
 */
void		 sb_add_since(struct scoreboard *, const struct scoreboard *old,
		    const struct scoreboard *base);

int64_t		 sb_now_mono_us(void);
int64_t		 sb_now_wall_us(void);

/* Master: claims a free slot for a child about to be forked; -1 if full. */
int		 sb_claim(struct scoreboard *, unsigned generation);
void		 sb_release(struct scoreboard *, unsigned slot);

/* Owning worker. */
void		 sb_set_state(struct sb_slot *, enum sb_state);
void		 sb_begin_request(struct scoreboard *, struct sb_slot *);
void		 sb_set_request(struct sb_slot *, const char *method,
		    const char *uri);
/* Worker: the current request's id (truncated), for the slow log. */
void		 sb_set_request_id(struct sb_slot *, const char *id);
void		 sb_end_request(struct scoreboard *, struct sb_slot *,
		    int64_t duration_us);

/*
 * The entry for method and route, claimed if new: its index, or -1 when
 * all SB_ROUTES are taken by other names (the pool histogram still counts
 * the request).
 */
int		 sb_route_find(struct scoreboard *, const char *method,
		    const char *route);
/* Adds one request of dur_us to route entry i (ignored if i < 0). */
void		 sb_route_observe(struct scoreboard *, int i, int64_t dur_us);

/* Readers. */
/* The named entry for method and route, -1 if none; never claims. */
int		 sb_route_lookup(const struct scoreboard *, const char *method,
		    const char *route);
/*
 * The q quantile (0 < q <= 1) in seconds of a histogram of SB_NBUCKETS
 * non-cumulative counts, interpolated linearly inside the bucket it falls
 * in as Prometheus's histogram_quantile() does; a quantile in the +Inf
 * bucket is reported as the largest finite bound.  -1 if it is empty.
 */
double		 sb_quantile(const uint64_t *hist, double q);
void		 sb_read_slot(const struct sb_slot *, struct sb_proc *);
void		 sb_count(const struct scoreboard *, struct sb_counts *);
uint64_t	 sb_get(const uint64_t *);
void		 sb_add(uint64_t *, uint64_t);
void		 sb_set(uint64_t *, uint64_t);
void		 sb_max(uint64_t *, uint64_t);
const char	*sb_state_name(enum sb_state);

#endif
