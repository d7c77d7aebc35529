/*
 * boardevents.c: crewlog board-events (see boardevents.h, crewlog(8)).
 *
 * Settings come from the command line, else the environment:
 *   --queue-url   CREWLOG_BOARD_QUEUE_URL
 *   --region      AWS_REGION, AWS_DEFAULT_REGION, the URL's region
 *   --endpoint    AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL, the URL's origin
 *   --gen-file    leaderboard_cache_file of -c file's board pool
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "awscreds.h"
#include "boardevents.h"
#include "boardgen.h"
#include "config.h"
#include "log.h"
#include "sqs.h"
#include "util.h"

extern char **environ;

#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	30000
#define TYPE_MAX	32

struct be_opts {
	const char	*conf;
	const char	*gen_file;
	const char	*queue;
	const char	*region;
	const char	*endpoint;
	long		 wait_s;
	bool		 once;
};

/* Set by the signal handler only; read by the loop between steps. */
static volatile sig_atomic_t	 be_stop;

static void
on_signal(int sig)
{
	(void)sig;
	be_stop = 1;
}

static int
install_signals(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGTERM, &sa, NULL) == -1 ||
		sigaction(SIGINT, &sa, NULL) == -1 ?
	    -1 :
	    0;
}

static const char *
env2(const char *a, const char *b)
{
	const char	*v;

	if ((v = getenv(a)) != NULL && *v != '\0')
		return v;
	if (b != NULL && (v = getenv(b)) != NULL && *v != '\0')
		return v;
	return NULL;
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: crewlog board-events [-c file | --gen-file "
	    "path] [--queue-url url]\n"
	    "       [--region r] [--endpoint url] [--wait s] [--once]\n");
	return 2;
}

static int
parse_opts(int argc, char **argv, struct be_opts *o)
{
	static const struct option longopts[] = {
		{ "gen-file", required_argument, NULL, 'g' },
		{ "queue-url", required_argument, NULL, 'q' },
		{ "region", required_argument, NULL, 'r' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "wait", required_argument, NULL, 'w' },
		{ "once", no_argument, NULL, 'o' }, { NULL, 0, NULL, 0 }
	};
	char	*end;
	int	 ch;

	memset(o, 0, sizeof(*o));
	o->wait_s = 20;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conf = optarg;
			break;
		case 'g':
			o->gen_file = optarg;
			break;
		case 'q':
			o->queue = optarg;
			break;
		case 'r':
			o->region = optarg;
			break;
		case 'e':
			o->endpoint = optarg;
			break;
		case 'w':
			errno = 0;
			o->wait_s = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    o->wait_s < 0 || o->wait_s > 20) {
				fprintf(stderr,
				    "crewlog board-events: --wait: "
				    "must be an integer from 0 to 20, got "
				    "\"%s\"\n",
				    optarg);
				return -1;
			}
			break;
		case 'o':
			o->once = true;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc)
		return -1;
	if (o->queue == NULL)
		o->queue = env2("CREWLOG_BOARD_QUEUE_URL", NULL);
	if (o->region == NULL)
		o->region = env2("AWS_REGION", "AWS_DEFAULT_REGION");
	if (o->endpoint == NULL)
		o->endpoint = env2("AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL");
	if (o->queue == NULL) {
		fprintf(stderr,
		    "crewlog board-events: no queue: give "
		    "--queue-url or set CREWLOG_BOARD_QUEUE_URL\n");
		return -1;
	}
	return 0;
}

/* The generation file: --gen-file, else the config's board pool's. */
static char *
gen_file(const struct be_opts *o)
{
	struct buf	 err = BUF_INIT;
	struct config	*cfg;
	char		*path = NULL;
	size_t		 i;

	if (o->gen_file != NULL)
		return xstrdup(o->gen_file);
	if (o->conf == NULL)
		return NULL;
	if ((cfg = config_load(o->conf, environ, &err)) == NULL) {
		fprintf(stderr, "%s", buf_cstr(&err));
		buf_free(&err);
		return NULL;
	}
	for (i = 0; i < cfg->npools && path == NULL; i++)
		if (cfg->pools[i].leaderboard_cache_file != NULL &&
		    (cfg->pools[i].service == SVC_BOARD ||
			cfg->pools[i].service == SVC_ALL))
			path = xstrdup(cfg->pools[i].leaderboard_cache_file);
	config_free(cfg);
	return path;
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */
/* ------------------------------------------------------------------ */

/* The event itself: an object whose type is hours.* with a dedup_id. */
static int
event_ok(json_t *ev, char *type, size_t tsz, struct buf *err)
{
	const char	*t, *d;

	t = json_string_value(json_object_get(ev, "type"));
	d = json_string_value(json_object_get(ev, "dedup_id"));
	if (t == NULL || strncmp(t, "hours.", 6) != 0 || d == NULL) {
		buf_puts(err, "not a crewlog hour event (type, dedup_id)");
		return -1;
	}
	snprintf(type, tsz, "%s", t);
	return 0;
}

int
boardevents_parse(const char *body, size_t len, char *type, size_t tsz,
    struct buf *err)
{
	json_error_t	 je;
	json_t		*j, *ev = NULL;
	const char	*m;
	int		 rc = -1;

	if ((j = json_loadb(body, len, 0, &je)) == NULL ||
	    !json_is_object(j)) {
		buf_puts(err, "body is not a JSON object");
		goto out;
	}
	/* An SNS envelope carries the event as the string Message. */
	if ((m = json_string_value(json_object_get(j, "Message"))) != NULL) {
		if ((ev = json_loads(m, 0, &je)) == NULL ||
		    !json_is_object(ev)) {
			buf_puts(err, "Message is not a JSON object");
			goto out;
		}
		rc = event_ok(ev, type, tsz, err);
	} else
		rc = event_ok(j, type, tsz, err);
out:
	json_decref(ev);
	json_decref(j);
	return rc;
}

struct be {
	struct be_opts	 o;
	struct sqs	*sqs;
	struct aws_creds creds;
	uint64_t	*gen;
	long		 backoff_ms;
	unsigned long	 events;
};

static void
sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (!be_stop)
		(void)nanosleep(&ts, NULL);
}

/* One message: drop the caches and delete it, or leave it for the DLQ. */
static void
handle(struct be *b, const struct sqs_message *m)
{
	struct buf	 err = BUF_INIT;
	char		 type[TYPE_MAX];

	if (boardevents_parse(m->body, strlen(m->body), type, sizeof(type),
		&err) == -1) {
		log_warn("board-events: message %s (received %ld times): %s; "
			 "left for the dead-letter queue",
		    m->id, m->receives, buf_cstr(&err));
		buf_free(&err);
		return;
	}
	boardgen_bump(b->gen);
	b->events++;
	if (sqs_delete(b->sqs, &b->creds, m->receipt, &err) == -1)
		log_warn("board-events: message %s: %s (it will come again; "
			 "dropping the cache twice is harmless)",
		    m->id, buf_cstr(&err));
	buf_free(&err);
}

/* One receive: 1 got messages, 0 none, -1 trouble (backed off). */
static int
round_trip(struct be *b)
{
	struct buf		 err = BUF_INIT;
	struct sqs_message	*m = NULL;
	size_t			 n = 0, i;
	int			 rc = -1;

	if (awscreds_get(&b->creds, &err) == -1 ||
	    sqs_receive(b->sqs, &b->creds, (int)b->o.wait_s, 10, &m, &n,
		&err) == -1) {
		log_warn("board-events: %s; retrying in %ld ms",
		    buf_cstr(&err), b->backoff_ms);
		sleep_ms(b->backoff_ms);
		b->backoff_ms = b->backoff_ms * 2 > BACKOFF_MAX_MS ?
		    BACKOFF_MAX_MS :
		    b->backoff_ms * 2;
		goto out;
	}
	b->backoff_ms = BACKOFF_MIN_MS;
	for (i = 0; i < n; i++)
		handle(b, &m[i]);
	rc = n > 0;
out:
	sqs_messages_free(m, n);
	buf_free(&err);
	return rc;
}

int
boardevents_main(int argc, char **argv)
{
	struct be	 b;
	struct buf	 err = BUF_INIT;
	char		*path = NULL;
	int		 rc = 1, r;

	memset(&b, 0, sizeof(b));
	if (parse_opts(argc, argv, &b.o) == -1)
		return usage();
	if ((path = gen_file(&b.o)) == NULL) {
		fprintf(stderr,
		    "crewlog board-events: no generation file: "
		    "give --gen-file, or -c with a board pool that sets "
		    "leaderboard_cache_file\n");
		return 2;
	}
	log_init("board-events", LOGL_INFO);
	if (log_open(NULL) == -1 || install_signals() == -1 ||
	    curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr,
		    "crewlog board-events: cannot set up logging, "
		    "signals or libcurl\n");
		free(path);
		return 1;
	}
	if ((b.gen = boardgen_map(path, &err)) == NULL ||
	    (b.sqs = sqs_open(b.o.queue, b.o.region, b.o.endpoint, &err)) ==
		NULL) {
		fprintf(stderr, "crewlog board-events: %s\n", buf_cstr(&err));
		goto out;
	}
	b.backoff_ms = BACKOFF_MIN_MS;
	log_info("board-events: consuming %s", b.o.queue);
	while (!be_stop) {
		r = round_trip(&b);
		if (r == 0 && b.o.once)
			break;
	}
	log_info("board-events: stopping after %lu events", b.events);
	rc = 0;
out:
	sqs_close(b.sqs);
	awscreds_clear(&b.creds);
	free(path);
	buf_free(&err);
	curl_global_cleanup();
	log_close();
	return rc;
}
