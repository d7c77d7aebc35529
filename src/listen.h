/*
 * listen.h: the master's listening sockets, one per configured address.
 *
 * A list of listeners belongs to the master (struct master's listeners);
 * each listener is shared, counted by refs, by every pool of every
 * generation that listens on its address.  Workers inherit the fds.
 */
#ifndef CREWLOG_LISTEN_H
#define CREWLOG_LISTEN_H

#include <stdbool.h>

#include "buf.h"
#include "config.h"

struct listener {
	char		*addr;		/* as configured */
	char		*path;		/* unix socket we created, or NULL */
	int		 fd;		/* non-blocking, close-on-exec */
	int		 refs;		/* pools (of any generation) using it */
	struct listener	*next;
};

/* "/run/x.sock" is a unix socket, anything else host:port or port. */
bool		 listener_is_unix(const char *addr);
/*
 * Returns the listener for addr from *list, reusing an open one (a reload
 * keeps the same socket, so no connection is refused) or opening it with
 * pc's listen.backlog, listen.owner, listen.group and listen.mode and
 * adding it to *list.  NULL with err naming the config key on failure.
 */
struct listener	*listener_get(struct listener **list,
		    const struct pool_config *pc, const char *addr,
		    struct buf *err);
/*
 * Drops one reference to l (NULL is ignored); the last one closes the
 * socket, unlinks a unix socket's path and frees l.
 */
void		 listener_put(struct listener **list, struct listener *l);
/* In a child: closes every listener's fd but keep (-1: all). */
void		 listener_close_all(struct listener *list, int keep);

#endif
