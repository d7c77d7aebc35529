/*
 * listen.c: the master's listening sockets (see listen.h).
 *
 * Opens unix and TCP sockets with the permissions the pool asks for,
 * non-blocking and close-on-exec, and counts the pools using each so a
 * reload that keeps an address keeps its socket.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "util.h"

bool
listener_is_unix(const char *addr)
{
	return addr != NULL && strchr(addr, '/') != NULL;
}

static int
set_nonblock(int fd)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int
open_unix(const struct pool_config *pc, const char *path, int backlog,
    struct buf *err)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd = -1;
	uid_t			 uid = (uid_t)-1;
	gid_t			 gid = (gid_t)-1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		buf_printf(err, "listen: %s: path too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if (pc != NULL && pc->listen_owner != NULL) {
		struct passwd *pw = getpwnam(pc->listen_owner);

		if (pw == NULL) {
			buf_printf(err, "listen.owner: unknown user \"%s\"",
			    pc->listen_owner);
			return -1;
		}
		uid = pw->pw_uid;
	}
	if (pc != NULL && pc->listen_group != NULL) {
		struct group *gr = getgrnam(pc->listen_group);

		if (gr == NULL) {
			buf_printf(err, "listen.group: unknown group \"%s\"",
			    pc->listen_group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	/* A socket left by a crashed master: FPM replaces it too. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		(void)unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		buf_printf(err, "listen: %s: %s", path, strerror(errno));
		goto fail;
	}
	if (pc != NULL && pc->listen_mode >= 0 &&
	    chmod(path, (mode_t)pc->listen_mode) == -1) {
		buf_printf(err, "listen.mode: %s: %s", path, strerror(errno));
		goto fail;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    chown(path, uid, gid) == -1) {
		buf_printf(err, "listen.owner/listen.group: %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (listen(fd, backlog) == -1) {
		buf_printf(err, "listen: %s: %s", path, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	if (fd != -1) {
		close(fd);
		(void)unlink(path);
	}
	return -1;
}

/* "127.0.0.1:9000", "[::1]:9000", "*:9000" or "9000". */
static int
open_tcp(const char *addr, int backlog, struct buf *err)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		*host = NULL, *port, *copy;
	int		 fd = -1, one = 1, rc;

	copy = xstrdup(addr);
	if ((port = strrchr(copy, ':')) == NULL) {
		port = copy;
	} else {
		*port++ = '\0';
		host = copy;
		if (host[0] == '[' && host[strlen(host) - 1] == ']') {
			host[strlen(host) - 1] = '\0';
			host++;
		}
		if (strcmp(host, "*") == 0 || *host == '\0')
			host = NULL;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		buf_printf(err, "listen: %s: %s", addr, gai_strerror(rc));
		goto out;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1)
			continue;
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
			sizeof(one)) == 0 &&
		    bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, backlog) == 0)
			break;
		buf_reset(err);
		buf_printf(err, "listen: %s: %s", addr, strerror(errno));
		close(fd);
		fd = -1;
	}
	if (fd != -1)
		buf_reset(err);
out:
	if (res != NULL)
		freeaddrinfo(res);
	free(copy);
	return fd;
}

struct listener *
listener_get(struct listener **list, const struct pool_config *pc,
    const char *addr, struct buf *err)
{
	struct listener	*l;
	int		 fd, backlog;

	for (l = *list; l != NULL; l = l->next)
		if (strcmp(l->addr, addr) == 0) {
			l->refs++;
			return l;
		}
	backlog = pc->listen_backlog > 0 ? pc->listen_backlog : 511;
	if (listener_is_unix(addr))
		fd = open_unix(pc, addr, backlog, err);
	else
		fd = open_tcp(addr, backlog, err);
	if (fd == -1)
		return NULL;
	/* Workers accept with EAGAIN when another one was faster. */
	if (set_nonblock(fd) == -1) {
		buf_printf(err, "listen: %s: %s", addr, strerror(errno));
		close(fd);
		return NULL;
	}
	l = xcalloc(1, sizeof(*l));
	l->addr = xstrdup(addr);
	l->path = listener_is_unix(addr) ? xstrdup(addr) : NULL;
	l->fd = fd;
	l->refs = 1;
	l->next = *list;
	*list = l;
	log_info("listening on %s", addr);
	return l;
}

void
listener_put(struct listener **list, struct listener *l)
{
	struct listener	**pp;

	if (l == NULL || --l->refs > 0)
		return;
	for (pp = list; *pp != NULL; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	close(l->fd);
	if (l->path != NULL)
		(void)unlink(l->path);
	free(l->addr);
	free(l->path);
	free(l);
}

void
listener_close_all(struct listener *list, int keep)
{
	struct listener	*l;

	for (l = list; l != NULL; l = l->next)
		if (l->fd != keep)
			close(l->fd);
}
