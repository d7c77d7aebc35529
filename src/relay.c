/*
 * relay.c: crewlog relay (see relay.h and crewlog(8)).
 *
 * Settings come from the command line, else the environment:
 *   --database    CREWLOG_RELAY_DATABASE_URL, the config's first pool,
 *                 CREWLOG_DATABASE_URL, libpq's PG* variables
 *   --topic-arn   CREWLOG_RELAY_TOPIC_ARN
 *   --region      AWS_REGION, AWS_DEFAULT_REGION, the ARN's region
 *   --endpoint    AWS_ENDPOINT_URL_SNS, AWS_ENDPOINT_URL, AWS's
 * Credentials: awscreds.h.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "awscreds.h"
#include "config.h"
#include "log.h"
#include "relay.h"
#include "sns.h"
#include "store_outbox.h"
#include "util.h"

extern char **environ;

#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	30000
#define PRUNE_EVERY_S	60

struct relay_opts {
	const char	*conf;
	const char	*database;
	const char	*topic;
	const char	*region;
	const char	*endpoint;
	long		 batch;
	long		 poll_ms;
	long		 keep_s;
	bool		 once;
};

struct relay {
	struct relay_opts	 o;
	char			*dburl;		/* owned */
	struct outbox		*ob;
	struct sns		*sns;
	struct aws_creds	 creds;
	long			 backoff_ms;
	time_t			 pruned;
	unsigned long		 published;
};

/* Set by the signal handler only; read by the loop between steps. */
static volatile sig_atomic_t	 relay_stop;

static void
on_signal(int sig)
{
	(void)sig;
	relay_stop = 1;
}

/* SIGTERM/SIGINT end the loop; no SA_RESTART so sleeps return early. */
static int
install_signals(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

static void
sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (!relay_stop)
		(void)nanosleep(&ts, NULL);	/* EINTR: a signal, stop */
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: crewlog relay [-c file | --database url] "
	    "[--topic-arn arn] [--region r]\n"
	    "       [--endpoint url] [--batch n] [--poll ms] [--keep s] "
	    "[--once]\n");
	return 2;
}

static int
parse_long(const char *opt, const char *s, long lo, long hi, long *out)
{
	char	*end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *out < lo || *out > hi) {
		fprintf(stderr,
		    "crewlog relay: %s: must be an integer from "
		    "%ld to %ld, got \"%s\"\n",
		    opt, lo, hi, s);
		return -1;
	}
	return 0;
}

static const char *
first_env(const char *a, const char *b)
{
	const char	*v;

	if ((v = getenv(a)) != NULL && *v != '\0')
		return v;
	if (b != NULL && (v = getenv(b)) != NULL && *v != '\0')
		return v;
	return NULL;
}

static int
parse_opts(int argc, char **argv, struct relay_opts *o)
{
	static const struct option longopts[] = {
		{ "database", required_argument, NULL, 'd' },
		{ "topic-arn", required_argument, NULL, 't' },
		{ "region", required_argument, NULL, 'r' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "batch", required_argument, NULL, 'b' },
		{ "poll", required_argument, NULL, 'p' },
		{ "keep", required_argument, NULL, 'k' },
		{ "once", no_argument, NULL, 'o' }, { NULL, 0, NULL, 0 }
	};
	int	 ch, rc = 0;

	memset(o, 0, sizeof(*o));
	o->batch = 100;
	o->poll_ms = 500;
	o->keep_s = 7 * 86400;
	optind = 1;
	while (rc == 0 &&
	    (ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conf = optarg;
			break;
		case 'd':
			o->database = optarg;
			break;
		case 't':
			o->topic = optarg;
			break;
		case 'r':
			o->region = optarg;
			break;
		case 'e':
			o->endpoint = optarg;
			break;
		case 'b':
			rc = parse_long("--batch", optarg, 1, 10000,
			    &o->batch);
			break;
		case 'p':
			rc = parse_long("--poll", optarg, 10, 600000,
			    &o->poll_ms);
			break;
		case 'k':
			rc = parse_long("--keep", optarg, 0, 366 * 86400,
			    &o->keep_s);
			break;
		case 'o':
			o->once = true;
			break;
		default:
			return -1;
		}
	}
	if (rc == -1 || optind != argc)
		return -1;
	if (o->topic == NULL)
		o->topic = first_env("CREWLOG_RELAY_TOPIC_ARN", NULL);
	if (o->region == NULL)
		o->region = first_env("AWS_REGION", "AWS_DEFAULT_REGION");
	if (o->endpoint == NULL)
		o->endpoint = first_env("AWS_ENDPOINT_URL_SNS",
		    "AWS_ENDPOINT_URL");
	if (o->topic == NULL) {
		fprintf(stderr,
		    "crewlog relay: no topic: give --topic-arn or "
		    "set CREWLOG_RELAY_TOPIC_ARN\n");
		return -1;
	}
	return 0;
}

/* The database URL by the order in the file comment; the caller frees. */
static int
database_url(const struct relay_opts *o, char **url)
{
	struct buf	 err = BUF_INIT;
	struct config	*cfg;
	const char	*u;

	*url = NULL;
	if ((u = o->database) != NULL ||
	    (u = first_env("CREWLOG_RELAY_DATABASE_URL", NULL)) != NULL) {
		*url = xstrdup(u);
		return 0;
	}
	if (o->conf != NULL) {
		if ((cfg = config_load(o->conf, environ, &err)) == NULL) {
			fprintf(stderr, "%s", buf_cstr(&err));
			buf_free(&err);
			return -1;
		}
		if (cfg->npools > 0 && cfg->pools[0].database_url != NULL)
			*url = xstrdup(cfg->pools[0].database_url);
		config_free(cfg);
	}
	if (*url == NULL && (u = getenv("CREWLOG_DATABASE_URL")) != NULL)
		*url = xstrdup(u);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The loop                                                            */
/* ------------------------------------------------------------------ */

static void
backoff(struct relay *r)
{
	sleep_ms(r->backoff_ms);
	r->backoff_ms = r->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
							     r->backoff_ms * 2;
}

static void
drop_db(struct relay *r, const char *why)
{
	log_warn("relay: database: %s", why);
	outbox_close(r->ob);
	r->ob = NULL;
}

/* Publishes ev, retrying until SNS takes it or we are stopped: 0 or -1. */
static int
publish_one(struct relay *r, const struct outbox_event *ev)
{
	struct buf		 err = BUF_INIT;
	struct sns_message	 m;
	char			 group[32];

	snprintf(group, sizeof(group), "astronaut-%lld",
	    (long long)ev->astronaut_id);
	m.body = ev->message;
	m.group = group;
	m.dedup_id = ev->dedup_id;
	m.type = ev->kind;
	while (!relay_stop) {
		buf_reset(&err);
		if (awscreds_get(&r->creds, &err) == 0 &&
		    sns_publish(r->sns, &r->creds, &m, &err) == 0) {
			r->backoff_ms = BACKOFF_MIN_MS;
			buf_free(&err);
			return 0;
		}
		log_warn("relay: event %lld: %s; retrying in %ld ms",
		    (long long)ev->id, buf_cstr(&err), r->backoff_ms);
		buf_reset(&err);
		if (r->ob != NULL &&
		    outbox_mark_failed(r->ob, ev->id, &err) == -1) {
			drop_db(r, buf_cstr(&err));
			break;
		}
		backoff(r);
	}
	buf_free(&err);
	return -1;
}

static void
prune(struct relay *r)
{
	struct buf	 err = BUF_INIT;
	long		 n = 0;

	if (time(NULL) - r->pruned < PRUNE_EVERY_S)
		return;
	r->pruned = time(NULL);
	if (outbox_prune(r->ob, r->o.keep_s, &n, &err) == -1)
		drop_db(r, buf_cstr(&err));
	else if (n > 0)
		log_info("relay: pruned %ld sent events", n);
	buf_free(&err);
}

/* One batch: 1 published some, 0 the outbox is empty, -1 trouble. */
static int
batch(struct relay *r)
{
	struct buf		 err = BUF_INIT;
	struct outbox_event	*ev = NULL;
	size_t			 n = 0, i;
	int			 rc = -1;

	if (outbox_fetch(r->ob, (int)r->o.batch, &ev, &n, &err) == -1) {
		drop_db(r, buf_cstr(&err));
		goto out;
	}
	for (i = 0; i < n && !relay_stop; i++) {
		if (publish_one(r, &ev[i]) == -1 || r->ob == NULL)
			goto out;
		if (outbox_mark_sent(r->ob, ev[i].id, &err) == -1) {
			/* Published, not marked: published again later. */
			drop_db(r, buf_cstr(&err));
			goto out;
		}
		r->published++;
	}
	if (i > 0)
		log_info("relay: published %zu events up to id %lld (%lu in "
			 "all)",
		    i, (long long)ev[i - 1].id, r->published);
	rc = n > 0;
out:
	outbox_events_free(ev, n);
	buf_free(&err);
	return rc;
}

static int
run(struct relay *r)
{
	struct buf	 err = BUF_INIT;
	int		 rc;

	r->backoff_ms = BACKOFF_MIN_MS;
	while (!relay_stop) {
		if (r->ob == NULL) {
			buf_reset(&err);
			if ((r->ob = outbox_open(r->dburl, 1000, &err)) ==
			    NULL) {
				log_warn("relay: %s", buf_cstr(&err));
				backoff(r);
				continue;
			}
			log_info("relay: connected; publishing to %s",
			    r->o.topic);
		}
		if ((rc = batch(r)) == 1)
			continue;
		if (rc == -1) {
			backoff(r);
			continue;
		}
		if (r->o.once)
			break;
		prune(r);
		sleep_ms(r->o.poll_ms);
	}
	buf_free(&err);
	log_info("relay: stopping after %lu events", r->published);
	return 0;
}

int
relay_main(int argc, char **argv)
{
	struct relay	 r;
	struct buf	 err = BUF_INIT;
	int		 rc = 1;

	memset(&r, 0, sizeof(r));
	if (parse_opts(argc, argv, &r.o) == -1)
		return usage();
	if (database_url(&r.o, &r.dburl) == -1)
		return 1;
	log_init("relay", LOGL_INFO);
	if (log_open(NULL) == -1 || install_signals() == -1 ||
	    curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr,
		    "crewlog relay: cannot set up logging, "
		    "signals or libcurl\n");
		free(r.dburl);
		return 1;
	}
	if ((r.sns = sns_open(r.o.topic, r.o.region, r.o.endpoint, &err)) ==
	    NULL) {
		fprintf(stderr, "crewlog relay: %s\n", buf_cstr(&err));
		goto out;
	}
	rc = run(&r);
out:
	outbox_close(r.ob);
	sns_close(r.sns);
	awscreds_clear(&r.creds);
	free(r.dburl);
	buf_free(&err);
	curl_global_cleanup();
	log_close();
	return rc;
}
