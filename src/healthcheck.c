/*
 * healthcheck.c: crewlog healthcheck (see healthcheck.h).
 *
 * A container HEALTHCHECK and an ECS task health check run this inside
 * the app image, which has no shell: it loads the same configuration as
 * the master (file plus CREWLOG_* environment), connects to the pool's
 * listen address and speaks just enough FastCGI for one GET.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "healthcheck.h"
#include "util.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif

extern char	**environ;

enum {
	FCGI_BEGIN_REQUEST = 1,
	FCGI_END_REQUEST = 3,
	FCGI_PARAMS = 4,
	FCGI_STDIN = 5,
	FCGI_STDOUT = 6,
	FCGI_STDERR = 7,
	FCGI_RESPONDER = 1,
	FCGI_HEADER_LEN = 8,
	HC_HEAD_MAX = 8192,	/* CGI headers kept from STDOUT */
	HC_REPLY_MAX = 1 << 20	/* a health answer is small; stop reading */
};

/* ---------------------------------------------------------------------
 * Request and reply
 */

static void
put_record(struct buf *out, int type, const void *p, size_t len)
{
	unsigned char h[FCGI_HEADER_LEN] = { 1, (unsigned char)type, 0, 1,
		(unsigned char)(len >> 8), (unsigned char)(len & 0xff), 0, 0 };

	buf_append(out, h, sizeof(h));
	if (len > 0)
		buf_append(out, p, len);
}

/* One name-value pair; our names and values are all under 128 bytes. */
static void
put_param(struct buf *b, const char *name, const char *value)
{
	buf_putc(b, (char)strlen(name));
	buf_putc(b, (char)strlen(value));
	buf_puts(b, name);
	buf_puts(b, value);
}

void
hc_request(struct buf *out, const char *path)
{
	static const unsigned char begin[8] = { 0, FCGI_RESPONDER, 0, 0, 0, 0,
		0, 0 };
	struct buf			 p = BUF_INIT;

	put_record(out, FCGI_BEGIN_REQUEST, begin, sizeof(begin));
	put_param(&p, "GATEWAY_INTERFACE", "CGI/1.1");
	put_param(&p, "REQUEST_METHOD", "GET");
	put_param(&p, "REQUEST_URI", path);
	put_param(&p, "DOCUMENT_URI", path);
	put_param(&p, "SCRIPT_NAME", "");
	put_param(&p, "QUERY_STRING", "");
	put_param(&p, "SERVER_PROTOCOL", "HTTP/1.1");
	put_param(&p, "REMOTE_ADDR", "127.0.0.1");
	put_param(&p, "HTTP_USER_AGENT", "crewlog-healthcheck");
	put_record(out, FCGI_PARAMS, p.data, p.len);
	put_record(out, FCGI_PARAMS, NULL, 0);
	put_record(out, FCGI_STDIN, NULL, 0);
	buf_free(&p);
}

/*
 * The status in CGI headers h[0..n): "Status: NNN ..." or 200.  h is
 * NULL when no STDOUT record came (NULL + 0 is undefined: test n first).
 */
static int
cgi_status(const char *h, size_t n, int *status, struct buf *why)
{
	const char	*line, *end, *nl;
	size_t		 len;

	if (n == 0) {
		buf_puts(why, "empty reply");
		return -1;
	}
	line = h;
	end = h + n;
	*status = 200;
	for (; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		len = (size_t)(nl - line);
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 0)
			return 0;	/* end of the headers */
		if (len < 7 || strncasecmp(line, "Status:", 7) != 0)
			continue;
		line += 7;
		len -= 7;
		while (len > 0 && *line == ' ') {
			line++;
			len--;
		}
		if (len < 3 || line[0] < '1' || line[0] > '5' ||
		    line[1] < '0' || line[1] > '9' || line[2] < '0' ||
		    line[2] > '9' || (len > 3 && line[3] != ' ')) {
			buf_puts(why, "malformed Status header");
			return -1;
		}
		*status = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
	}
	return 0;	/* headers cut at HC_HEAD_MAX: what we saw counts */
}

int
hc_parse_reply(const unsigned char *p, size_t n, int *status, struct buf *why)
{
	struct buf	 head = BUF_INIT;
	size_t		 off = 0, clen, rlen, keep;
	int		 type, rc = 1;

	while (rc == 1 && n - off >= FCGI_HEADER_LEN) {
		type = p[off + 1];
		clen = (size_t)p[off + 4] << 8 | p[off + 5];
		rlen = FCGI_HEADER_LEN + clen + p[off + 6];
		if (p[off] != 1 || p[off + 2] != 0 || p[off + 3] != 1) {
			buf_puts(why, "not a FastCGI record for request 1");
			rc = -1;
		} else if (n - off < rlen)
			break;		/* incomplete record */
		else if (type == FCGI_STDOUT) {
			keep = head.len < HC_HEAD_MAX ?
			    HC_HEAD_MAX - head.len :
			    0;
			buf_append(&head, p + off + FCGI_HEADER_LEN,
			    clen < keep ? clen : keep);
		} else if (type == FCGI_END_REQUEST) {
			if (clen != 8 || p[off + FCGI_HEADER_LEN + 4] != 0) {
				buf_puts(why, "request not completed");
				rc = -1;
			} else
				rc = cgi_status(head.data, head.len, status,
				    why);
		} else if (type != FCGI_STDERR) {
			buf_printf(why, "unexpected record type %d", type);
			rc = -1;
		}
		off += rlen;
	}
	buf_free(&head);
	return rc;
}

/* ---------------------------------------------------------------------
 * Socket
 */

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for ev or the deadline; 0, or -1 (timeout). */
static int
wait_fd(int fd, short ev, int64_t deadline)
{
	struct pollfd	 pfd = { fd, ev, 0 };
	int64_t		 left;
	int		 rc;

	for (;;) {
		if ((left = deadline - now_ms()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		rc = poll(&pfd, 1, (int)left);
		if (rc > 0)
			return 0;
		if (rc == -1 && errno != EINTR)
			return -1;
	}
}

/* Connected, non-blocking socket to one address; -1 with errno. */
static int
connect_ai(int family, const struct sockaddr *sa, socklen_t len,
    int64_t deadline)
{
	int		 fd, soerr = 0;
	socklen_t	 sl = sizeof(soerr);

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, sa, len) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EAGAIN)
		goto fail;
	if (wait_fd(fd, POLLOUT, deadline) == -1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1)
		goto fail;
	if (soerr == 0)
		return fd;
	errno = soerr;
fail:
	soerr = errno;
	close(fd);
	errno = soerr;
	return -1;
}

/*
 * Connects to a listen address as crewlog.conf writes it: "/path.sock",
 * "9000", "host:9000", "*:9000", "[::1]:9000" (every address and "*"
 * mean this host).  Returns the fd, or -1 with the reason in why.
 */
static int
hc_connect(const char *addr, int64_t deadline, struct buf *why)
{
	struct sockaddr_un	 sun;
	struct addrinfo		 hints, *res = NULL, *ai;
	char			*copy, *host = NULL, *port;
	int			 fd = -1, rc;

	if (addr[0] == '/') {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(addr) >= sizeof(sun.sun_path)) {
			buf_printf(why, "%s: path too long", addr);
			return -1;
		}
		memcpy(sun.sun_path, addr, strlen(addr));
		if ((fd = connect_ai(AF_UNIX, (struct sockaddr *)&sun,
			 sizeof(sun), deadline)) == -1)
			buf_printf(why, "%s", strerror(errno));
		return fd;
	}
	copy = xstrdup(addr);
	if ((port = strrchr(copy, ':')) == NULL)
		port = copy;
	else {
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
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(host != NULL ? host : "127.0.0.1", port, &hints,
		 &res)) != 0) {
		buf_printf(why, "%s", gai_strerror(rc));
		goto out;
	}
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next)
		fd = connect_ai(ai->ai_family, ai->ai_addr, ai->ai_addrlen,
		    deadline);
	if (fd == -1)
		buf_printf(why, "%s", strerror(errno));
out:
	if (res != NULL)
		freeaddrinfo(res);
	free(copy);
	return fd;
}

/* Sends the request and reads the reply: the HTTP status, or -1. */
static int
hc_exchange(int fd, const char *path, int64_t deadline, struct buf *why)
{
	struct buf	 out = BUF_INIT, in = BUF_INIT;
	char		 chunk[4096];
	size_t		 off = 0;
	ssize_t		 r;
	int		 status = -1, rc = 1;

	hc_request(&out, path);
	while (off < out.len) {
		if (wait_fd(fd, POLLOUT, deadline) == -1)
			goto io;
		if ((r = write(fd, out.data + off, out.len - off)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			goto io;
		}
		off += (size_t)r;
	}
	while (rc == 1) {
		if (wait_fd(fd, POLLIN, deadline) == -1)
			goto io;
		if ((r = read(fd, chunk, sizeof(chunk))) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			goto io;
		}
		if (r == 0) {
			buf_puts(why,
			    "connection closed before the reply "
			    "ended");
			goto out;
		}
		buf_append(&in, chunk, (size_t)r);
		if (in.len > HC_REPLY_MAX) {
			buf_printf(why, "reply longer than %d bytes",
			    HC_REPLY_MAX);
			goto out;
		}
		rc = hc_parse_reply((const unsigned char *)in.data, in.len,
		    &status, why);
	}
	if (rc == -1)
		status = -1;
	goto out;
io:
	buf_printf(why, "%s", strerror(errno));
out:
	buf_free(&out);
	buf_free(&in);
	return status;
}

/* ---------------------------------------------------------------------
 * Command line
 */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: crewlog healthcheck [-c file] [-P pool] "
	    "[-a address] [-u path] [-T seconds]\n");
}

/* The listen address of the named (or first) pool, copied; NULL + why. */
static char *
pool_address(const char *file, const char *pool, struct buf *why)
{
	struct config	*cfg;
	char		*addr = NULL;
	size_t		 i;

	if ((cfg = config_load(file, environ, why)) == NULL)
		return NULL;
	for (i = 0; i < cfg->npools && addr == NULL; i++)
		if (pool == NULL || strcmp(cfg->pools[i].name, pool) == 0)
			addr = xstrdup(cfg->pools[i].listen);
	if (addr == NULL)
		buf_printf(why, "%s: no pool named \"%s\"", file,
		    pool != NULL ? pool : "");
	config_free(cfg);
	return addr;
}

/* The command line of crewlog healthcheck; strings point into argv. */
struct hc_opts {
	const char	*file;
	const char	*pool;		/* NULL: the first */
	const char	*addr;		/* NULL: the pool's listen */
	const char	*path;
	long		 secs;
};

/* Fills o from argv; 0, or -1 after saying why on stderr. */
static int
parse_opts(int argc, char **argv, struct hc_opts *o)
{
	char	*end;
	int	 ch;

	o->file = SYSCONFDIR "/crewlog/crewlog.conf";
	o->pool = o->addr = NULL;
	o->path = "/healthz";
	o->secs = 3;
	optind = 1;
	while ((ch = getopt(argc, argv, "a:c:P:T:u:")) != -1) {
		switch (ch) {
		case 'a':
			o->addr = optarg;
			break;
		case 'c':
			o->file = optarg;
			break;
		case 'P':
			o->pool = optarg;
			break;
		case 'T':
			errno = 0;
			o->secs = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || o->secs < 1 ||
			    o->secs > 3600) {
				fprintf(stderr,
				    "crewlog healthcheck: -T: "
				    "seconds from 1 to 3600, got \"%s\"\n",
				    optarg);
				return -1;
			}
			break;
		case 'u':
			o->path = optarg;
			break;
		default:
			usage();
			return -1;
		}
	}
	if (optind != argc || o->path[0] != '/' || strlen(o->path) > 127) {
		usage();
		return -1;
	}
	return 0;
}

int
hc_cli(int argc, char **argv)
{
	struct hc_opts	 o;
	struct buf	 why = BUF_INIT;
	char		*addr = NULL;
	int64_t		 deadline;
	int		 fd = -1, status = -1;

	if (parse_opts(argc, argv, &o) == -1)
		return 1;
	if (o.addr != NULL)
		addr = xstrdup(o.addr);
	else if ((addr = pool_address(o.file, o.pool, &why)) == NULL)
		goto out;
	deadline = now_ms() + o.secs * 1000;
	if ((fd = hc_connect(addr, deadline, &why)) == -1)
		goto out;
	status = hc_exchange(fd, o.path, deadline, &why);
	if (status != -1 && (status < 200 || status > 299))
		buf_printf(&why, "%s answered %d", o.path, status);
out:
	while (why.len > 0 && why.data[why.len - 1] == '\n')
		why.data[--why.len] = '\0';	/* config errors end in one */
	if (why.len > 0)
		fprintf(stderr, "crewlog healthcheck: %s%s%s\n",
		    addr != NULL ? addr : "", addr != NULL ? ": " : "",
		    buf_cstr(&why));
	if (fd != -1)
		close(fd);
	free(addr);
	buf_free(&why);
	return status >= 200 && status <= 299 ? 0 : 1;
}
