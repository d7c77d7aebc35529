/*
 * admin.c: crewlog migrate | seed | check (see admin.h).
 *
 * A different caller from store.c (the command line, not a worker) with
 * its own short-lived connection from store_connect().  Every query is
 * PQexecParams with $n parameters, or COPY; no SQL is built from strings.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "admin.h"
#include "store.h"
#include "util.h"

/* Runs one parameterised command; -1 with err naming what on failure. */
static PGresult *
exec_params(PGconn *c, const char *what, const char *sql, int n,
    const char *const *vals, struct buf *err)
{
	PGresult	*r;

	r = PQexecParams(c, sql, n, NULL, vals, NULL, NULL, 0);
	switch (PQresultStatus(r)) {
	case PGRES_TUPLES_OK:
	case PGRES_COMMAND_OK:
	case PGRES_COPY_IN:
		return r;
	default:
		buf_printf(err, "%s: %s", what,
		    r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(c));
		PQclear(r);
		return NULL;
	}
}

static int
exec_cmd(PGconn *c, const char *what, const char *sql, int n,
    const char *const *vals, struct buf *err)
{
	PGresult	*r;

	if ((r = exec_params(c, what, sql, n, vals, err)) == NULL)
		return -1;
	PQclear(r);
	return 0;
}

/*
 * Splits at top-level semicolons, skipping quotes ('', ""), comments
 * (--, nested block comments) and dollar-quoted bodies ($tag$...$tag$).
 * Calls cb for each non-blank statement.  -1 on an unterminated quote,
 * comment or dollar body.
 */
int
admin_split_sql(const char *s, size_t len,
    void (*cb)(const char *, size_t, void *), void *arg)
{
	size_t		 i = 0, start = 0, j, taglen, k;
	int		 depth;
	bool		 blank = true;

	while (i < len) {
		char ch = s[i];

		if (ch == '\'' || ch == '"') {
			for (i++; i < len && s[i] != ch; i++)
				;
			if (i >= len)
				return -1;
			i++;
			blank = false;
		} else if (ch == '-' && i + 1 < len && s[i + 1] == '-') {
			while (i < len && s[i] != '\n')
				i++;
		} else if (ch == '/' && i + 1 < len && s[i + 1] == '*') {
			for (depth = 1, i += 2; i < len && depth > 0; i++) {
				if (s[i] == '/' && i + 1 < len &&
				    s[i + 1] == '*') {
					depth++;
					i++;
				} else if (s[i] == '*' && i + 1 < len &&
				    s[i + 1] == '/') {
					depth--;
					i++;
				}
			}
			if (depth > 0)
				return -1;
		} else if (ch == '$' &&
		    (i == 0 ||
			!(isalnum((unsigned char)s[i - 1]) ||
			    s[i - 1] == '_'))) {
			/* $tag$ where tag is empty or an identifier */
			for (j = i + 1; j < len &&
			     (isalnum((unsigned char)s[j]) || s[j] == '_');
			     j++)
				;
			if (j >= len || s[j] != '$' ||
			    (j > i + 1 && isdigit((unsigned char)s[i + 1]))) {
				i++;
				blank = false;
				continue;
			}
			taglen = j - i + 1;
			for (k = j + 1; k + taglen <= len; k++)
				if (memcmp(s + k, s + i, taglen) == 0)
					break;
			if (k + taglen > len)
				return -1;
			i = k + taglen;
			blank = false;
		} else if (ch == ';') {
			if (!blank)
				cb(s + start, i - start, arg);
			start = ++i;
			blank = true;
		} else {
			if (!isspace((unsigned char)ch))
				blank = false;
			i++;
		}
	}
	if (!blank)
		cb(s + start, len - start, arg);
	return 0;
}

struct run_ctx {
	PGconn		*c;
	const char	*file;
	struct buf	*err;
	int		 failed;
};

static void
run_one(const char *sql, size_t len, void *arg)
{
	struct run_ctx	*rc = arg;
	char		*stmt;
	PGresult	*r;

	if (rc->failed)
		return;
	stmt = xstrndup(sql, len);
	r = PQexecParams(rc->c, stmt, 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		buf_printf(rc->err, "%s: %s", rc->file,
		    PQresultErrorMessage(r));
		rc->failed = 1;
	}
	PQclear(r);
	free(stmt);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* NNN_name.sql: three digits, an underscore, a name, ".sql". */
static bool
is_migration(const char *n)
{
	size_t	 len = strlen(n);

	return len > 8 && isdigit((unsigned char)n[0]) &&
	    isdigit((unsigned char)n[1]) && isdigit((unsigned char)n[2]) &&
	    n[3] == '_' && strcmp(n + len - 4, ".sql") == 0;
}

/* Reads a whole file into a new NUL-terminated string; NULL on error. */
static char *
read_file(const char *path, size_t *len, struct buf *err)
{
	struct buf	 b = BUF_INIT;
	char		 tmp[8192];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_append(&b, tmp, (size_t)n);
	close(fd);
	if (n == -1) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		buf_free(&b);
		return NULL;
	}
	buf_putc(&b, '\0');
	*len = b.len - 1;
	return buf_release(&b);
}

/* The sorted migration file names of dir; *n of them. */
static char **
list_migrations(const char *dir, size_t *n, struct buf *err)
{
	DIR		*d;
	struct dirent	*de;
	char		**v = NULL;
	size_t		 cap = 0;

	*n = 0;
	if ((d = opendir(dir)) == NULL) {
		buf_printf(err, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_migration(de->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 0)
		qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

/* Applies or verifies one migration file; 0, or -1 with err set. */
static int
migrate_one(PGconn *c, const char *dir, const char *name, struct buf *err)
{
	struct run_ctx	 rc;
	PGresult	*r = NULL;
	char		*path = NULL, *text = NULL, *sum = NULL;
	const char	*v[2];
	size_t		 len;
	int		 ret = -1;

	path = xasprintf("%s/%s", dir, name);
	if ((text = read_file(path, &len, err)) == NULL)
		goto out;
	v[0] = text;
	if ((r = exec_params(c, name,
		 "SELECT encode(sha256(convert_to($1, "
		 "'UTF8')), 'hex')",
		 1, v, err)) == NULL)
		goto out;
	sum = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	v[0] = name;
	if ((r = exec_params(c, name,
		 "SELECT checksum FROM schema_migrations "
		 "WHERE name = $1",
		 1, v, err)) == NULL)
		goto out;
	if (PQntuples(r) == 1) {
		if (strcmp(PQgetvalue(r, 0, 0), sum) != 0) {
			buf_printf(err,
			    "%s: applied migration has changed "
			    "(checksum %s, applied %s); add a new migration "
			    "instead",
			    path, sum, PQgetvalue(r, 0, 0));
			goto out;
		}
		ret = 0;
		goto out;
	}
	if (exec_cmd(c, name, "BEGIN", 0, NULL, err) == -1)
		goto out;
	rc.c = c;
	rc.file = path;
	rc.err = err;
	rc.failed = 0;
	if (admin_split_sql(text, len, run_one, &rc) == -1) {
		buf_printf(err,
		    "%s: unterminated quote, comment or dollar "
		    "body",
		    path);
		rc.failed = 1;
	}
	v[0] = name;
	v[1] = sum;
	if (rc.failed ||
	    exec_cmd(c, name,
		"INSERT INTO schema_migrations "
		"(name, checksum) VALUES ($1, $2)",
		2, v, err) == -1 ||
	    exec_cmd(c, name, "COMMIT", 0, NULL, err) == -1) {
		(void)exec_cmd(c, name, "ROLLBACK", 0, NULL, err);
		goto out;
	}
	printf("applied %s\n", name);
	ret = 0;
out:
	PQclear(r);
	free(sum);
	free(text);
	free(path);
	return ret;
}

/* Any advisory lock key will do, as long as every crewlog uses this one. */
#define MIGRATE_LOCK	"7302715"

int
admin_migrate(const char *conninfo, const char *dir, struct buf *err)
{
	PGconn		*c;
	char		**names = NULL;
	const char	*v[1] = { MIGRATE_LOCK };
	size_t		 n = 0, i;
	int		 ret = -1;

	/* NULL and n == 0 for an empty directory; err says if it failed. */
	if ((names = list_migrations(dir, &n, err)) == NULL) {
		if (err->len > 0)
			return -1;
		n = 0;
	}
	if ((c = store_connect(conninfo, err)) == NULL)
		goto out;
	/* Session lock: held across the per-file transactions. */
	if (exec_cmd(c, "lock", "SELECT pg_advisory_lock($1::bigint)", 1, v,
		err) == -1)
		goto out;
	if (exec_cmd(c, "schema_migrations",
		"CREATE TABLE IF NOT EXISTS "
		"schema_migrations (name text PRIMARY KEY, checksum text NOT "
		"NULL, applied timestamptz NOT NULL DEFAULT now())",
		0, NULL, err) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (migrate_one(c, dir, names[i], err) == -1)
			goto out;
	ret = 0;
out:
	if (c != NULL) {
		(void)exec_cmd(c, "unlock", "SELECT pg_advisory_unlock_all()",
		    0, NULL, err);
		PQfinish(c);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

/* The classic table: name, hours. */
static const struct {
	const char	*email;
	const char	*name;
	int		 hours;
} demo_crew[] = {
	{ "buzz@crewlog.test", "Buzz", 102 },
	{ "neil@crewlog.test", "Neil", 111 },
	{ "collins@crewlog.test", "Collins", 100 },
	{ "musk@crewlog.test", "Musk", 2 },
};

static int
seed_one(PGconn *c, const char *email, const char *name, int hours,
    const char *pwhash, struct buf *err)
{
	PGresult	*r;
	const char	*v[4];
	char		 day[16], qbuf[16], idbuf[24];
	int		 d, h;
	time_t		 t;
	struct tm	 tm;

	v[0] = email;
	if ((r = exec_params(c, email,
		 "SELECT 1 FROM astronauts WHERE "
		 "lower(email) = lower($1)",
		 1, v, err)) == NULL)
		return -1;
	if (PQntuples(r) > 0) {
		PQclear(r);
		printf("%s exists, skipped\n", email);
		return 0;
	}
	PQclear(r);
	v[1] = name;
	v[2] = pwhash;
	if ((r = exec_params(c, email, "SELECT astronaut_create($1, $2, $3)",
		 3, v, err)) == NULL)
		return -1;
	snprintf(idbuf, sizeof(idbuf), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	/* Eight hours a day, backwards from yesterday. */
	t = time(NULL);
	for (d = 1; hours > 0; d++, hours -= h) {
		h = hours < 8 ? hours : 8;
		time_t dt = t - (time_t)d * 86400;
		if (gmtime_r(&dt, &tm) == NULL)
			return -1;
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		snprintf(qbuf, sizeof(qbuf), "%d", h * 4);
		v[0] = idbuf;
		v[1] = day;
		v[2] = qbuf;
		v[3] = "Training";
		if (exec_cmd(c, email,
			"SELECT hours_add($1, $2::date, $3, "
			"$4)",
			4, v, err) == -1)
			return -1;
	}
	printf("seeded %s\n", email);
	return 0;
}

int
admin_seed_demo(const char *conninfo, const char *pwhash, struct buf *err)
{
	PGconn		*c;
	size_t		 i;
	int		 ret = -1;

	if ((c = store_connect(conninfo, err)) == NULL)
		return -1;
	if (exec_cmd(c, "begin", "BEGIN", 0, NULL, err) == -1)
		goto out;
	for (i = 0; i < sizeof(demo_crew) / sizeof(demo_crew[0]); i++)
		if (seed_one(c, demo_crew[i].email, demo_crew[i].name,
			demo_crew[i].hours, pwhash, err) == -1)
			goto out;
	if (exec_cmd(c, "commit", "COMMIT", 0, NULL, err) == -1)
		goto out;
	ret = 0;
out:
	PQfinish(c);
	return ret;
}

/*
 * Runs a COPY ... FROM STDIN, sending what fill() appends to a buffer
 * until it returns 0 (the buffer is sent whenever it passes 1 MiB, so a
 * 20-million-row load never sits in memory); 0 or -1 with err set.
 */
static int
copy_stream(PGconn *c, const char *what, const char *sql,
    int (*fill)(struct buf *, void *), void *arg, struct buf *err)
{
	PGresult	*r;
	struct buf	 data = BUF_INIT;
	int		 ok = 1, more = 1;

	if ((r = exec_params(c, what, sql, 0, NULL, err)) == NULL)
		return -1;
	PQclear(r);
	while (ok && more) {
		while ((more = fill(&data, arg)) && data.len < (1u << 20))
			;
		if (data.len > 0 &&
		    PQputCopyData(c, data.data, (int)data.len) != 1)
			ok = 0;
		buf_reset(&data);
	}
	buf_free(&data);
	if (PQputCopyEnd(c, ok ? NULL : "client error") != 1)
		ok = 0;
	r = PQgetResult(c);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		buf_printf(err, "%s: %s", what, PQresultErrorMessage(r));
		ok = 0;
	}
	PQclear(r);
	while ((r = PQgetResult(c)) != NULL)
		PQclear(r);
	return ok ? 0 : -1;
}

/* What the seed generates, row by row. */
struct seed_gen {
	long		 base, n, m, i;
	const char	*pwhash;
	unsigned	 rand;
	time_t		 yesterday;	/* UTC midnight of the server's date */
	long		 day_back;	/* back of day[] */
	char		 day[16];
};

static int
fill_astronauts(struct buf *b, void *arg)
{
	struct seed_gen	*g = arg;
	long		 id;

	if (g->i >= g->n)
		return 0;
	id = g->base + ++g->i;
	buf_printf(b, "%ld\tastro%ld@bench.test\tAstronaut %ld\t%s\n", id, id,
	    id, g->pwhash);
	return 1;
}

/*
 * One log per astronaut per day (0.25 to 8 hours: never over 24), the
 * i-th one "i / n" days before yesterday.
 */
static int
fill_logs(struct buf *b, void *arg)
{
	struct seed_gen	*g = arg;
	long		 back;
	time_t		 t;
	struct tm	 tm;

	if (g->i >= g->m || g->n <= 0)
		return 0;
	back = g->i / g->n;
	if (back != g->day_back) {
		t = g->yesterday - (time_t)back * 86400;
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(g->day, sizeof(g->day), "%Y-%m-%d", &tm) == 0)
			return 0;
		g->day_back = back;
	}
	buf_printf(b, "%ld\t%s\t%d\tBench drill %ld\n",
	    g->base + 1 + g->i % g->n, g->day,
	    1 + (int)(rand_r(&g->rand) % 32), g->i);
	g->i++;
	return 1;
}

/*
 * The seed drops the secondary indexes and foreign keys of the tables it
 * loads (remembering their definitions from the catalog), loads, then
 * builds them once: building an index over 20 million rows is far
 * cheaper than updating it 20 million times, and one foreign-key check
 * of the whole table cheaper than one per row.  Primary keys and the
 * indexes behind constraints stay.  Everything is in the seed's
 * transaction: a failure leaves the schema as it was.
 */
static const char seed_ddl_save
    [] = "CREATE TEMP TABLE seed_ddl ON COMMIT DROP AS "
	 "SELECT format('DROP INDEX %s', i.indexrelid::regclass) AS drop_sql, "
	 "pg_get_indexdef(i.indexrelid) AS create_sql FROM pg_index i "
	 "WHERE i.indrelid IN ('astronauts'::regclass, 'hour_logs'::regclass, "
	 "'totals'::regclass) AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
	 "WHERE k.conindid = i.indexrelid) "
	 "UNION ALL SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', "
	 "k.conrelid::regclass, k.conname), format('ALTER TABLE %s ADD "
	 "CONSTRAINT %I %s', k.conrelid::regclass, k.conname, "
	 "pg_get_constraintdef(k.oid)) FROM pg_constraint k WHERE "
	 "k.contype = 'f' AND k.conrelid IN ('hour_logs'::regclass, "
	 "'totals'::regclass)";
static const char seed_ddl_drop
    [] = "DO $$ DECLARE s text; BEGIN "
	 "FOR s IN SELECT drop_sql FROM seed_ddl LOOP EXECUTE s; END LOOP; "
	 "END $$";
static const char seed_ddl_create
    [] = "DO $$ DECLARE s text; BEGIN "
	 "FOR s IN SELECT create_sql FROM seed_ddl LOOP EXECUTE s; END LOOP; "
	 "END $$";

/* The server's yesterday as UTC midnight, in g; 0 or -1. */
static int
seed_yesterday(PGconn *c, struct seed_gen *g, struct buf *err)
{
	PGresult	*r;

	if ((r = exec_params(c, "date",
		 "SELECT extract(epoch FROM "
		 "(current_date - 1)::timestamp)::bigint",
		 0, NULL, err)) == NULL)
		return -1;
	g->yesterday = (time_t)strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	g->day_back = -1;
	return 0;
}

int
admin_seed_bulk(const char *conninfo, const char *pwhash, long n, long m,
    struct buf *err)
{
	PGconn		*c;
	PGresult	*r = NULL;
	struct seed_gen	 g;
	const char	*v[1];
	char		 bbuf[24];
	int		 ret = -1;

	if ((c = store_connect(conninfo, err)) == NULL)
		return -1;
	memset(&g, 0, sizeof(g));
	g.n = n;
	g.m = m;
	g.pwhash = pwhash;
	g.rand = 42;
	if (exec_cmd(c, "begin", "BEGIN", 0, NULL, err) == -1 ||
	    exec_cmd(c, "work_mem",
		"SET LOCAL maintenance_work_mem = "
		"'256MB'",
		0, NULL, err) == -1 ||
	    seed_yesterday(c, &g, err) == -1)
		goto out;
	if ((r = exec_params(c, "base",
		 "SELECT coalesce(max(id), 0) FROM "
		 "astronauts",
		 0, NULL, err)) == NULL)
		goto out;
	g.base = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	snprintf(bbuf, sizeof(bbuf), "%ld", g.base);
	v[0] = bbuf;
	if (exec_cmd(c, "save indexes", seed_ddl_save, 0, NULL, err) == -1 ||
	    exec_cmd(c, "drop indexes", seed_ddl_drop, 0, NULL, err) == -1 ||
	    exec_cmd(c, "board trigger",
		"ALTER TABLE totals DISABLE "
		"TRIGGER totals_counted",
		0, NULL, err) == -1)
		goto out;
	/* Ids are given explicitly so logs can name them in the same run. */
	if (copy_stream(c, "astronauts",
		"COPY astronauts (id, email, name, "
		"pwhash) FROM STDIN",
		fill_astronauts, &g, err) == -1)
		goto out;
	g.i = 0;
	if (copy_stream(c, "hour_logs",
		"COPY hour_logs (astronaut_id, day, "
		"quarters, activity) FROM STDIN",
		fill_logs, &g, err) == -1)
		goto out;
	if (exec_cmd(c, "totals",
		"INSERT INTO totals (astronaut_id, "
		"quarters) SELECT a.id, coalesce(s.q, 0) FROM astronauts a "
		"LEFT JOIN (SELECT astronaut_id, sum(quarters) AS q FROM "
		"hour_logs WHERE astronaut_id > $1::bigint GROUP BY "
		"astronaut_id) s ON s.astronaut_id = a.id WHERE a.id > $1::bigint "
		"ON CONFLICT (astronaut_id) DO UPDATE SET quarters = "
		"EXCLUDED.quarters",
		1, v, err) == -1)
		goto out;
	if (exec_cmd(c, "build indexes", seed_ddl_create, 0, NULL, err) ==
		-1 ||
	    exec_cmd(c, "board trigger",
		"ALTER TABLE totals ENABLE "
		"TRIGGER totals_counted",
		0, NULL, err) == -1 ||
	    exec_cmd(c, "board counts", "SELECT board_counts_rebuild()", 0,
		NULL, err) == -1)
		goto out;
	if (exec_cmd(c, "sequence",
		"SELECT setval('astronauts_id_seq', "
		"(SELECT max(id) FROM astronauts))",
		0, NULL, err) == -1 ||
	    exec_cmd(c, "commit", "COMMIT", 0, NULL, err) == -1 ||
	    exec_cmd(c, "analyze",
		"ANALYZE astronauts, hour_logs, totals, "
		"board_counts",
		0, NULL, err) == -1)
		goto out;
	printf("seeded %ld astronauts and %ld logs\n", n, m);
	ret = 0;
out:
	PQfinish(c);
	return ret;
}

/*
 * The totals whose board_counts row disagrees with the astronauts that
 * have it, each named in err; the result (empty when all agree) or NULL.
 */
static PGresult *
check_board_counts(PGconn *c, struct buf *err)
{
	PGresult	*r;
	int		 i;

	r = exec_params(c, "check board_counts",
	    "SELECT quarters, "
	    "coalesce(b.n, 0), coalesce(g.n, 0) FROM (SELECT quarters, "
	    "count(*) AS n FROM totals GROUP BY quarters) g FULL JOIN "
	    "board_counts b USING (quarters) WHERE coalesce(g.n, 0) <> "
	    "coalesce(b.n, 0) ORDER BY quarters",
	    0, NULL, err);
	for (i = 0; r != NULL && i < PQntuples(r); i++)
		buf_printf(err,
		    "board_counts: total %s quarter hours counts "
		    "%s astronauts, totals has %s\n",
		    PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		    PQgetvalue(r, i, 2));
	return r;
}

int
admin_check(const char *conninfo, struct buf *err)
{
	PGconn		*c;
	PGresult	*r;
	int		 i, ret = -1;

	if ((c = store_connect(conninfo, err)) == NULL)
		return -1;
	r = exec_params(c, "check",
	    "SELECT a.id, coalesce(t.quarters, -1), "
	    "coalesce((SELECT sum(quarters) FROM hour_logs h "
	    "WHERE h.astronaut_id = a.id), 0) AS s FROM astronauts a "
	    "LEFT JOIN totals t ON t.astronaut_id = a.id "
	    "WHERE coalesce(t.quarters, -1) <> coalesce((SELECT sum(quarters) "
	    "FROM hour_logs h WHERE h.astronaut_id = a.id), 0)",
	    0, NULL, err);
	if (r == NULL)
		goto out;
	for (i = 0; i < PQntuples(r); i++)
		buf_printf(err,
		    "astronaut %s: totals has %s quarter hours, "
		    "its logs sum to %s\n",
		    PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		    PQgetvalue(r, i, 2));
	if (PQntuples(r) == 0) {
		PQclear(r);
		if ((r = check_board_counts(c, err)) == NULL)
			goto out;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		if ((r = exec_params(c, "count",
			 "SELECT count(*), "
			 "(SELECT count(*) FROM hour_logs) FROM astronauts",
			 0, NULL, err)) == NULL)
			goto out;
		printf("ok: %s astronauts, %s logs, totals match\n",
		    PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
		ret = 0;
	}
	PQclear(r);
out:
	PQfinish(c);
	return ret;
}
