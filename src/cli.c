/*
 * cli.c: crewlog migrate | seed | check, the administration commands.
 *
 *   crewlog migrate [-c FILE | --database URL] [--sql DIR]
 *   crewlog seed [-c FILE | --database URL] --demo
 *   crewlog seed [-c FILE | --database URL] --astronauts N --logs M
 *   crewlog check [-c FILE | --database URL]
 *
 * The database is --database, else the first pool's database_url in the
 * config (which CREWLOG_DATABASE_URL fills in), else CREWLOG_DATABASE_URL,
 * else libpq's PG* variables.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "app.h"
#include "auth.h"
#include "config.h"
#include "util.h"

extern char **environ;

/* The password of every seeded account: documented in docs/app.md. */
#define SEED_PASSWORD	"apollo11"

struct cli_opts {
	const char	*conf;
	const char	*database;
	const char	*sql;
	bool		 demo;
	long		 astronauts;
	long		 logs;
};

static int
usage(void)
{
	fprintf(stderr,
	    "usage: crewlog migrate [-c file | --database url] "
	    "[--sql dir]\n"
	    "       crewlog seed [-c file | --database url] --demo\n"
	    "       crewlog seed [-c file | --database url] --astronauts n "
	    "--logs m\n"
	    "       crewlog check [-c file | --database url]\n");
	return 2;
}

/* A count from the command line: 0..100000000, else an error naming opt. */
static int
parse_count(const char *opt, const char *s, long *out)
{
	char	*end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *out < 0 ||
	    *out > 100000000) {
		fprintf(stderr,
		    "crewlog: %s: must be an integer from 0 to "
		    "100000000, got \"%s\"\n",
		    opt, s);
		return -1;
	}
	return 0;
}

static int
parse_opts(int argc, char **argv, struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "database", required_argument, NULL, 'd' },
		{ "sql", required_argument, NULL, 's' },
		{ "demo", no_argument, NULL, 'D' },
		{ "astronauts", required_argument, NULL, 'a' },
		{ "logs", required_argument, NULL, 'l' }, { NULL, 0, NULL, 0 }
	};
	int	 ch;

	memset(o, 0, sizeof(*o));
	o->astronauts = o->logs = -1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conf = optarg;
			break;
		case 'd':
			o->database = optarg;
			break;
		case 's':
			o->sql = optarg;
			break;
		case 'D':
			o->demo = true;
			break;
		case 'a':
			if (parse_count("--astronauts", optarg,
				&o->astronauts) == -1)
				return -1;
			break;
		case 'l':
			if (parse_count("--logs", optarg, &o->logs) == -1)
				return -1;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "crewlog: unexpected argument \"%s\"\n",
		    argv[optind]);
		return -1;
	}
	return 0;
}

/* The sql directory: --sql, else beside the templates, else installed. */
static char *
sql_dir(const struct cli_opts *o, const struct pool_config *pc)
{
	char	*d, *slash;

	if (o->sql != NULL)
		return xstrdup(o->sql);
	if (pc != NULL && pc->templates != NULL) {
		d = xstrdup(pc->templates);
		while ((slash = strrchr(d, '/')) != NULL && slash[1] == '\0')
			*slash = '\0';
		if ((slash = strrchr(d, '/')) != NULL) {
			slash[1] = '\0';
			char *s = xasprintf("%ssql", d);
			free(d);
			if (access(s, R_OK) == 0)
				return s;
			free(s);
		} else
			free(d);
	}
	return xstrdup(PKGDATADIR "/sql");
}

int
app_cli(int argc, char **argv)
{
	struct cli_opts		 o;
	struct config		*cfg = NULL;
	const struct pool_config *pc = NULL;
	struct buf		 err = BUF_INIT;
	struct auth_cost	 cost = { 0, 0 };
	const char		*cmd = argv[0], *url;
	char			 hash[AUTH_PWHASH_MAX];
	char			*dir = NULL;
	int			 rc = 1;

	if (parse_opts(argc, argv, &o) == -1)
		return usage();
	if (o.conf != NULL) {
		if ((cfg = config_load(o.conf, environ, &err)) == NULL) {
			fprintf(stderr, "%s", buf_cstr(&err));
			goto out;
		}
		if (cfg->npools > 0)
			pc = &cfg->pools[0];
	}
	url = o.database;
	if (url == NULL && pc != NULL)
		url = pc->database_url;
	if (url == NULL)
		url = getenv("CREWLOG_DATABASE_URL");
	if (pc != NULL) {
		cost.ops = pc->pwhash_opslimit;
		cost.mem = pc->pwhash_memlimit;
	}
	if (auth_init() == -1) {
		fprintf(stderr, "crewlog: libsodium failed to initialise\n");
		goto out;
	}
	if (strcmp(cmd, "migrate") == 0) {
		dir = sql_dir(&o, pc);
		rc = admin_migrate(url, dir, &err) == 0 ? 0 : 1;
	} else if (strcmp(cmd, "seed") == 0) {
		if (o.demo == (o.astronauts >= 0 || o.logs >= 0) ||
		    (!o.demo && (o.astronauts < 0 || o.logs < 0))) {
			rc = usage();
			goto out;
		}
		if (auth_hash_password(SEED_PASSWORD, &cost, hash) == -1) {
			fprintf(stderr, "crewlog: password hashing failed\n");
			goto out;
		}
		if (o.demo)
			rc = admin_seed_demo(url, hash, &err) == 0 ? 0 : 1;
		else
			rc = admin_seed_bulk(url, hash, o.astronauts, o.logs,
				 &err) == 0 ?
			    0 :
			    1;
	} else if (strcmp(cmd, "check") == 0)
		rc = admin_check(url, &err) == 0 ? 0 : 1;
	else
		rc = usage();
	if (err.len > 0) {
		fprintf(stderr, "crewlog %s: %s", cmd, buf_cstr(&err));
		if (err.data[err.len - 1] != '\n')
			fputc('\n', stderr);
	}
out:
	free(dir);
	buf_free(&err);
	config_free(cfg);
	return rc;
}
