/*
 * main.c: the command line.
 *
 *	crewlog [-F] [-t] [-c file] [-p pidfile]	the master
 *	crewlog --version | -h
 *	crewlog render ...				mustache_cli()
 *	crewlog migrate|seed|check ...			app_cli()
 *	crewlog healthcheck ...				hc_cli()
 *	crewlog relay ...				relay_main()
 *	crewlog board-events ...			boardevents_main()
 *
 * Built --without-libcurl (the app image), relay and board-events are
 * left out and only say so: they run from the crewlog-relay image.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "boardevents.h"
#include "buf.h"
#include "config.h"
#include "healthcheck.h"
#include "log.h"
#include "mustache.h"
#include "pool.h"
#include "relay.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif
#define DEFAULT_CONFIG	SYSCONFDIR "/crewlog/crewlog.conf"

#ifdef HAVE_LIBCURL
#define RELAY_USAGE \
	"       crewlog relay [--topic-arn arn] [--endpoint url] ...\n" \
	"       crewlog board-events [--queue-url url] ...\n"
#else
#define RELAY_USAGE \
	"       (relay and board-events: built --without-libcurl)\n"
#endif

extern char	**environ;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: crewlog [-Ft] [-c file] [-p pidfile]\n"
	    "       crewlog --version | -h\n"
	    "       crewlog render [--partials dir] template data.json\n"
	    "       crewlog migrate | seed | check ...\n"
	    "       crewlog healthcheck [-c file] [-P pool] [-a address] "
	    "[-u path] [-T seconds]\n" RELAY_USAGE
	    "  -c file     configuration (default %s)\n"
	    "  -F          stay in the foreground\n"
	    "  -p pidfile  write the master's pid there (overrides pid)\n"
	    "  -t          test the configuration and exit; -tt also prints\n"
	    "              the effective configuration on stderr\n",
	    DEFAULT_CONFIG);
}

/*
 * -t: loads the file (every problem is reported, not only the first) and
 * lets the app check what it needs of each pool (templates).  -tt (dump)
 * then prints the effective configuration, file, environment and
 * defaults merged, on stderr like nginx -T.
 */
static int
test_config(const char *path, int dump)
{
	struct buf	 err = BUF_INIT;
	struct config	*cfg;
	size_t		 i;
	int		 bad = 0;

	if ((cfg = config_load(path, environ, &err)) == NULL) {
		fprintf(stderr, "%s", err.len > 0 ? err.data : "");
		if (err.len == 0 || err.data == NULL ||
		    err.data[err.len - 1] != '\n')
			fputc('\n', stderr);
		fprintf(stderr,
		    "crewlog: configuration file %s test "
		    "failed\n",
		    path);
		buf_free(&err);
		return 1;
	}
	for (i = 0; i < cfg->npools; i++) {
		buf_reset(&err);
		if (app_check_config(&cfg->pools[i], &err) == -1) {
			fprintf(stderr, "%s: pool %s: %s\n", path,
			    cfg->pools[i].name,
			    err.len > 0 ? err.data :
					  "application check failed");
			bad = 1;
		}
	}
	config_free(cfg);
	buf_free(&err);
	if (!bad && dump)
		return config_test(path, environ, 1, stderr);
	fprintf(bad ? stderr : stdout,
	    "crewlog: configuration file %s test "
	    "%s\n",
	    path, bad ? "failed" : "is successful");
	return bad;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = { { "version", no_argument,
						      NULL, 'V' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	struct pool_opts	 opts;
	struct buf		 err = BUF_INIT;
	struct config		*cfg;
	const char		*path = DEFAULT_CONFIG;
	int			 ch, test = 0;

	if (argc > 1 && strcmp(argv[1], "render") == 0)
		return mustache_cli(argc - 1, argv + 1);
	if (argc > 1 &&
	    (strcmp(argv[1], "migrate") == 0 || strcmp(argv[1], "seed") == 0 ||
		strcmp(argv[1], "check") == 0))
		return app_cli(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "healthcheck") == 0)
		return hc_cli(argc - 1, argv + 1);
#ifdef HAVE_LIBCURL
	if (argc > 1 && strcmp(argv[1], "relay") == 0)
		return relay_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "board-events") == 0)
		return boardevents_main(argc - 1, argv + 1);
#else
	if (argc > 1 &&
	    (strcmp(argv[1], "relay") == 0 ||
		strcmp(argv[1], "board-events") == 0)) {
		fprintf(stderr,
		    "crewlog: %s: crewlog was built without libcurl "
		    "(--without-libcurl); run the relay from the crewlog-relay "
		    "image\n",
		    argv[1]);
		return 2;
	}
#endif

	memset(&opts, 0, sizeof(opts));
	while (
	    (ch = getopt_long(argc, argv, "c:Fhp:t", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'F':
			opts.foreground = true;
			break;
		case 'p':
			opts.pid_file = optarg;
			break;
		case 't':
			test++;
			break;
		case 'V':
			puts(PACKAGE_STRING);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	if (test)
		return test_config(path, test > 1);

	log_init(NULL, LOGL_INFO);
	if (log_open(NULL) == -1) {
		perror("crewlog: stderr");
		return 1;
	}
	if ((cfg = config_load(path, environ, &err)) == NULL) {
		/* Before any log file is open: plain text, one per line. */
		fprintf(stderr, "%s", err.data != NULL ? err.data : "");
		fprintf(stderr,
		    "crewlog: not started: configuration "
		    "errors in %s\n",
		    path);
		buf_free(&err);
		log_close();
		return 1;
	}
	buf_free(&err);
	opts.config_path = path;
	ch = pool_run(cfg, &opts);
	log_close();
	return ch;
}
