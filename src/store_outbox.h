/*
 * store_outbox.h: the relay's side of the outbox table (sql/003).
 *
 * One connection, which holds a session advisory lock while open so that
 * one relay publishes at a time (a second one waits in outbox_open): the
 * order of events is the order of ids, which two relays would break.  A
 * relay killed outright loses the lock with its connection.
 *
 * Every function returns 0 or -1 with err set (the connection is then
 * dropped: call outbox_close and outbox_open again).  Events returned are
 * the caller's, freed with outbox_events_free().
 */
#ifndef CREWLOG_STORE_OUTBOX_H
#define CREWLOG_STORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct outbox;

struct outbox_event {
	int64_t	 id;		/* publication order */
	int64_t	 astronaut_id;	/* the FIFO message group */
	char	*dedup_id;	/* uuid */
	char	*kind;		/* hours.created|updated|deleted */
	char	*message;	/* the JSON body published */
};

/* NULL with err set; waits for the relay lock up to wait_ms (then NULL). */
struct outbox	*outbox_open(const char *conninfo, long wait_ms,
		    struct buf *err);
void		 outbox_close(struct outbox *);

/* Up to max unsent events, oldest first, into *ev (*n of them). */
int	 outbox_fetch(struct outbox *, int max, struct outbox_event **ev,
	    size_t *n, struct buf *err);
void	 outbox_events_free(struct outbox_event *, size_t n);
int	 outbox_mark_sent(struct outbox *, int64_t id, struct buf *err);
int	 outbox_mark_failed(struct outbox *, int64_t id, struct buf *err);
/* Deletes rows sent more than keep_s seconds ago; *n deleted. */
int	 outbox_prune(struct outbox *, long keep_s, long *n, struct buf *err);

#endif
