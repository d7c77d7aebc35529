/*
 * bench/openloop.c: an open-loop HTTP/1.1 load generator.
 *
 *   openloop -r RATE [-d SECONDS] [-w WARMUP] [-c CONNS] [-m METHOD]
 *            [-b BODY] [-t TOKEN,TOKEN...] http://HOST:PORT/PATH
 *
 * Requests are scheduled at a fixed offered rate: request k is due at
 * start + k / RATE whether or not earlier ones have been answered, and its
 * latency is measured from that intended time, not from when a connection
 * became free to send it.  A server that falls behind therefore shows its
 * queue in the latencies (no "coordinated omission", as wrk2 corrects it;
 * wrk2 is not in Debian).  CONNS keep-alive connections carry one request
 * each at a time; a due request waits for the first free one.
 *
 * BODY may contain "{date}", replaced per request by a random date from
 * 1950 to 2149 (as bench/peer/hours.lua does, so no day fills up); with
 * -t each connection sends "Authorization: Bearer" with one of the tokens.
 * The first WARMUP seconds (1) are sent but not counted.  Prints one JSON
 * object: offered and achieved rates, counts, and p50/p90/p99/p99.9/max
 * latency in ms.  Requests still unanswered 5 s after the last was due are
 * counted as errors, with their latency so far.
 *
 * Build: cc -O2 -o openloop bench/openloop.c -lm
 */
#define _GNU_SOURCE	/* memmem */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define RBUF	65536
#define WBUF	8192

struct conn {
	int	 fd;
	int	 busy;
	double	 intended;	/* seconds, monotonic */
	size_t	 rlen;
	char	 rbuf[RBUF];
	size_t	 wlen;
	char	 wbuf[WBUF];
	const char *token;
};

struct opts {
	double		 rate, secs, warmup;
	int		 conns;
	const char	*method, *body, *host, *port, *path;
	char		**tokens;
	int		 ntokens;
	int		 ep;
};

struct stats {
	double		*lat;	/* ms */
	size_t		 n, cap;
	uint64_t	 sent, ok, bad, errors;
};

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
record(struct stats *s, double ms)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 65536;
		if ((s->lat = realloc(s->lat, s->cap * sizeof(*s->lat))) ==
		    NULL)
			err(1, "realloc");
	}
	s->lat[s->n++] = ms;
}

static int
dial(const struct opts *o)
{
	struct addrinfo	 hints, *ai;
	int		 fd, one = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(o->host, o->port, &hints, &ai)) != 0)
		errx(1, "%s: %s", o->host, gai_strerror(rc));
	if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1)
		err(1, "connect %s:%s", o->host, o->port);
	freeaddrinfo(ai);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		err(1, "fcntl");
	return fd;
}

/* The request bytes, with {date} replaced. */
static void
build(const struct opts *o, struct conn *c)
{
	char		 body[2048], date[16];
	const char	*b = o->body, *p;
	size_t		 n = 0;
	int		 len;

	body[0] = '\0';
	while (b != NULL && *b != '\0' && n < sizeof(body) - 16) {
		if ((p = strstr(b, "{date}")) == NULL) {
			n += (size_t)snprintf(body + n, sizeof(body) - n, "%s",
			    b);
			break;
		}
		n += (size_t)snprintf(body + n, sizeof(body) - n, "%.*s",
		    (int)(p - b), b);
		snprintf(date, sizeof(date), "%04d-%02d-%02d",
		    1950 + rand() % 200, 1 + rand() % 12, 1 + rand() % 28);
		n += (size_t)snprintf(body + n, sizeof(body) - n, "%s", date);
		b = p + 6;
	}
	if (n >= sizeof(body))
		n = sizeof(body) - 1;
	len = snprintf(c->wbuf, sizeof(c->wbuf),
	    "%s %s HTTP/1.1\r\nHost: %s:%s\r\n%s%s%s%s"
	    "Content-Length: %zu\r\n\r\n%s",
	    o->method, o->path, o->host, o->port,
	    c->token ? "Authorization: Bearer " : "", c->token ? c->token : "",
	    c->token ? "\r\n" : "",
	    o->body ? "Content-Type: application/json\r\n" : "",
	    o->body ? n : 0, o->body ? body : "");
	if (len < 0 || (size_t)len >= sizeof(c->wbuf))
		errx(1, "request too long");
	c->wlen = (size_t)len;
}

static int
send_req(const struct opts *o, struct conn *c, double intended)
{
	size_t	 off = 0;
	ssize_t	 w;

	build(o, c);
	while (off < c->wlen) {
		w = write(c->fd, c->wbuf + off, c->wlen - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;	/* EAGAIN on a fresh request: give up */
		off += (size_t)w;
	}
	c->busy = 1;
	c->intended = intended;
	c->rlen = 0;
	return 0;
}

/*
 * Length of a complete response at the start of buf (status in *status),
 * 0 if more bytes are needed, -1 if it cannot be parsed.  Handles
 * Content-Length and chunked bodies (nginx chunks what PHP-FPM sends
 * without a length).
 */
static long
complete(const char *buf, size_t len, int *status)
{
	const char	*hend, *p, *line;
	long		 clen = -1;
	int		 chunked = 0;
	size_t		 hlen, off;
	unsigned long	 sz;
	char		*end;

	if ((hend = memmem(buf, len, "\r\n\r\n", 4)) == NULL)
		return 0;
	hlen = (size_t)(hend - buf) + 4;
	if (len < 12 || strncmp(buf, "HTTP/1.", 7) != 0)
		return -1;
	*status = atoi(buf + 9);
	for (line = buf; line < hend; line = p + 2) {
		if ((p = memmem(line, (size_t)(hend + 2 - line), "\r\n", 2)) ==
		    NULL)
			break;
		if (strncasecmp(line, "content-length:", 15) == 0)
			clen = strtol(line + 15, NULL, 10);
		else if (strncasecmp(line, "transfer-encoding:", 18) == 0 &&
		    memmem(line, (size_t)(p - line), "chunked", 7) != NULL)
			chunked = 1;
	}
	if (!chunked)
		return len >= hlen + (size_t)(clen < 0 ? 0 : clen) ?
		    (long)(hlen + (size_t)(clen < 0 ? 0 : clen)) :
		    0;
	off = hlen;
	for (;;) {
		if ((p = memmem(buf + off, len - off, "\r\n", 2)) == NULL)
			return 0;
		sz = strtoul(buf + off, &end, 16);
		off = (size_t)(p - buf) + 2;
		if (sz == 0)
			return len >= off + 2 ? (long)(off + 2) : 0;
		if (len < off + sz + 2)
			return 0;
		off += sz + 2;
	}
}

static void
arm(int tfd, double at)
{
	struct itimerspec	 its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)at;
	its.it_value.tv_nsec = (long)((at - (double)(time_t)at) * 1e9);
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		err(1, "timerfd_settime");
}

static int
cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const struct stats *s, double q)
{
	size_t	 i;

	if (s->n == 0)
		return 0;
	i = (size_t)(q * (double)s->n);
	return s->lat[i >= s->n ? s->n - 1 : i];
}

/* Whether a response's head says "Connection: close". */
static int
closing(const char *buf, size_t len)
{
	const char	*hend = memmem(buf, len, "\r\n\r\n", 4);
	const char	*p;

	for (p = buf; hend != NULL && p < hend; p++)
		if ((p == buf || p[-1] == '\n') &&
		    strncasecmp(p, "connection: close", 17) == 0)
			return 1;
	return 0;
}

/* A new connection in c's place, registered with the same epoll. */
static void
redial(const struct opts *o, struct conn *c)
{
	struct epoll_event	 ev;

	close(c->fd);	/* also leaves the epoll set */
	c->fd = dial(o);
	c->busy = 0;
	c->rlen = 0;
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	if (epoll_ctl(o->ep, EPOLL_CTL_ADD, c->fd, &ev) == -1)
		err(1, "epoll_ctl");
}

/* Reads what c's connection has; finishes its request if complete. */
static void
on_readable(const struct opts *o, struct conn *c, struct stats *s,
    double t_count, int *idle)
{
	ssize_t	 r;
	long	 done;
	int	 status = 0;
	double	 t;

	r = read(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen);
	if (r == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0 || !c->busy) {
		/* Closed or broken: count it, start a new connection. */
		if (c->busy) {
			s->errors++;
			(*idle)++;
		}
		redial(o, c);
		return;
	}
	c->rlen += (size_t)r;
	if ((done = complete(c->rbuf, c->rlen, &status)) == 0) {
		if (c->rlen == sizeof(c->rbuf))
			errx(1, "response larger than %d bytes", RBUF);
		return;
	}
	t = now();
	if (done < 0)
		s->errors++;
	else if (c->intended >= t_count) {
		record(s, (t - c->intended) * 1e3);
		if (status >= 200 && status < 400)
			s->ok++;
		else
			s->bad++;
	}
	c->busy = 0;
	(*idle)++;
	/* nginx closes after keepalive_requests: do not send into that. */
	if (done > 0 && closing(c->rbuf, (size_t)done))
		redial(o, c);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: openloop -r rate [-d secs] [-w warmup] "
	    "[-c conns] [-m method] [-b body] [-t tokens] http://host:port/"
	    "path\n");
	exit(2);
}

static void
parse_url(struct opts *o, char *url)
{
	char	*h, *p;

	if (strncmp(url, "http://", 7) != 0)
		usage();
	h = url + 7;
	if ((p = strchr(h, '/')) == NULL)
		usage();
	o->path = strdup(p);
	*p = '\0';
	o->host = h;
	if ((p = strchr(h, ':')) != NULL) {
		*p = '\0';
		o->port = p + 1;
	} else
		o->port = "80";
}

static void
parse_tokens(struct opts *o, char *list)
{
	char	*t;

	for (t = strtok(list, ","); t != NULL; t = strtok(NULL, ",")) {
		o->tokens = realloc(o->tokens,
		    (size_t)(o->ntokens + 1) * sizeof(*o->tokens));
		if (o->tokens == NULL)
			err(1, "realloc");
		o->tokens[o->ntokens++] = t;
	}
}

int
main(int argc, char **argv)
{
	struct opts o = { 0, 10, 1, 32, "GET", NULL, NULL, NULL, NULL, NULL, 0,
		-1 };
	struct stats		 s = { 0 };
	struct conn		*conns;
	struct epoll_event	 ev, evs[256];
	double			 t0, t_count, t_end, next, dt, t;
	uint64_t		 k = 0, exp;
	int			 ch, ep, tfd, i, n, idle, inflight;

	while ((ch = getopt(argc, argv, "r:d:w:c:m:b:t:")) != -1) {
		switch (ch) {
		case 'r':
			o.rate = atof(optarg);
			break;
		case 'd':
			o.secs = atof(optarg);
			break;
		case 'w':
			o.warmup = atof(optarg);
			break;
		case 'c':
			o.conns = atoi(optarg);
			break;
		case 'm':
			o.method = optarg;
			break;
		case 'b':
			o.body = optarg;
			break;
		case 't':
			parse_tokens(&o, optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1 || o.rate <= 0 || o.conns <= 0 || o.secs <= 0)
		usage();
	parse_url(&o, argv[optind]);
	srand((unsigned)getpid());
	if ((o.ep = ep = epoll_create1(0)) == -1 ||
	    (tfd = timerfd_create(CLOCK_MONOTONIC, 0)) == -1)
		err(1, "epoll/timerfd");
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) == -1)
		err(1, "epoll_ctl");
	if ((conns = calloc((size_t)o.conns, sizeof(*conns))) == NULL)
		err(1, "calloc");
	for (i = 0; i < o.conns; i++) {
		conns[i].fd = dial(&o);
		conns[i].token = o.ntokens ? o.tokens[i % o.ntokens] : NULL;
		ev.events = EPOLLIN;
		ev.data.ptr = &conns[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) == -1)
			err(1, "epoll_ctl");
	}
	dt = 1.0 / o.rate;
	t0 = now() + 0.01;
	t_count = t0 + o.warmup;
	t_end = t_count + o.secs;
	next = t0;
	idle = o.conns;
	arm(tfd, next);
	for (;;) {
		t = now();
		/* Send every due request a free connection can take. */
		for (i = 0; i < o.conns && idle > 0 && next <= t &&
		     next < t_end && t < t_end + 5;
		     i++) {
			if (conns[i].busy)
				continue;
			if (send_req(&o, &conns[i], next) == -1) {
				s.errors++;
				continue;
			}
			if (next >= t_count)
				s.sent++;
			idle--;
			k++;
			next = t0 + (double)k * dt;
		}
		inflight = o.conns - idle;
		if (next >= t_end && inflight == 0)
			break;
		if (t > t_end + 5)
			break;
		/* With no free connection, only an answer can send more. */
		arm(tfd, idle > 0 && next < t_end ? next : t_end + 5);
		if ((n = epoll_wait(ep, evs, 256, -1)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "epoll_wait");
		}
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c == NULL) {
				(void)read(tfd, &exp, sizeof(exp));
				continue;
			}
			on_readable(&o, c, &s, t_count, &idle);
		}
	}
	/*
	 * Unanswered or never sent for want of a free connection at the
	 * end: errors, with the latency they had reached.
	 */
	t = now();
	for (i = 0; i < o.conns; i++)
		if (conns[i].busy && conns[i].intended >= t_count) {
			record(&s, (t - conns[i].intended) * 1e3);
			s.errors++;
		}
	for (; t0 + (double)k * dt < t_end; k++)
		if (t0 + (double)k * dt >= t_count) {
			record(&s, (t - (t0 + (double)k * dt)) * 1e3);
			s.errors++;
			s.sent++;
		}
	qsort(s.lat, s.n, sizeof(*s.lat), cmp);
	printf("{\"offered\": %.1f, \"achieved\": %.1f, \"scheduled\": %llu, "
	       "\"ok\": %llu, \"non_2xx\": %llu, \"errors\": %llu, "
	       "\"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f, "
	       "\"p999_ms\": %.3f, \"max_ms\": %.3f}\n",
	    o.rate, (double)s.ok / o.secs, (unsigned long long)s.sent,
	    (unsigned long long)s.ok, (unsigned long long)s.bad,
	    (unsigned long long)s.errors, pct(&s, 0.5), pct(&s, 0.9),
	    pct(&s, 0.99), pct(&s, 0.999), s.n ? s.lat[s.n - 1] : 0.0);
	return 0;
}
