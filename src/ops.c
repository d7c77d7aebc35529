/*
 * ops.c: ping, status, metrics, health and readiness (see ops.h).
 *
 * The status page keeps PHP-FPM's field names, so existing dashboards and
 * scripts that read php-fpm's status work unchanged; crewlog adds
 * "respawns" and "crash backoff".
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "app.h"
#include "jv.h"
#include "log.h"
#include "ops.h"
#include "util.h"

#define CT_TEXT		"text/plain; charset=utf-8"
#define CT_JSON		"application/json"
#define CT_PROM		"text/plain; version=0.0.4; charset=utf-8"
#define CT_OPENMETRICS \
	"application/openmetrics-text; version=1.0.0; " \
	"charset=utf-8"

/* ---------------------------------------------------------------------
 * Pool snapshot
 */

struct snap {
	const char	*name;
	const char	*pm;
	int64_t		 start_wall;	/* seconds */
	int64_t		 start_since;
	uint64_t	 accepted;
	unsigned	 listen_queue;
	uint64_t	 max_listen_queue;
	unsigned	 listen_queue_len;
	struct sb_counts c;
	uint64_t	 max_active;
	uint64_t	 max_children_reached;
	uint64_t	 slow_requests;
	uint64_t	 respawns;
	uint64_t	 crash_backoff_ms;
};

void
ops_listen_queue(int fd, unsigned *cur, unsigned *max)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	struct tcp_info		 ti;
	socklen_t		 tlen = sizeof(ti);

	*cur = *max = 0;
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return;
	if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)
		return;
	/* On a listening socket Linux reports the queue in these two. */
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tlen) == -1)
		return;
	*cur = ti.tcpi_unacked;
	*max = ti.tcpi_sacked;
}

static void
take_snap(const struct ops_env *env, size_t i, struct snap *s)
{
	const struct pool_config	*pc = env->pcs[i];
	struct scoreboard		*sb = env->sbs[i];
	unsigned			 maxq;

	s->name = pc->name;
	s->pm = config_pm_name(pc->pm);
	s->start_wall = sb->started_wall_us / 1000000;
	s->start_since = (sb_now_mono_us() - sb->started_mono_us) / 1000000;
	s->accepted = sb_get(&sb->accepted);
	ops_listen_queue(env->listen_fds != NULL ? env->listen_fds[i] : -1,
	    &s->listen_queue, &maxq);
	s->listen_queue_len = maxq != 0 ? maxq : (unsigned)pc->listen_backlog;
	sb_max(&sb->max_listen_queue, s->listen_queue);
	s->max_listen_queue = sb_get(&sb->max_listen_queue);
	sb_count(sb, &s->c);
	s->max_active = sb_get(&sb->max_active);
	s->max_children_reached = sb_get(&sb->max_children_reached);
	s->slow_requests = sb_get(&sb->slow_requests);
	s->respawns = sb_get(&sb->respawns);
	s->crash_backoff_ms = sb_get(&sb->crash_backoff_ms);
}

static size_t
pool_index(const struct ops_env *env)
{
	size_t	 i;

	for (i = 0; i < env->npools; i++)
		if (env->sbs[i] == env->sb)
			return i;
	return 0;
}

/* ---------------------------------------------------------------------
 * Status page
 */

static void
fmt_date(int64_t t, char *out, size_t size)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, size, "%d/%b/%Y:%H:%M:%S +0000", &tm) == 0)
		snprintf(out, size, "-");
}

static void
status_text(const struct snap *s, struct buf *out)
{
	char	 date[64];

	fmt_date(s->start_wall, date, sizeof(date));
	buf_printf(out,
	    "pool:                 %s\n"
	    "process manager:      %s\n"
	    "start time:           %s\n"
	    "start since:          %lld\n"
	    "accepted conn:        %llu\n"
	    "listen queue:         %u\n"
	    "max listen queue:     %llu\n"
	    "listen queue len:     %u\n"
	    "idle processes:       %u\n"
	    "active processes:     %u\n"
	    "total processes:      %u\n"
	    "max active processes: %llu\n"
	    "max children reached: %llu\n"
	    "slow requests:        %llu\n"
	    "respawns:             %llu\n"
	    "crash backoff:        %llu\n",
	    s->name, s->pm, date, (long long)s->start_since,
	    (unsigned long long)s->accepted, s->listen_queue,
	    (unsigned long long)s->max_listen_queue, s->listen_queue_len,
	    s->c.idle, s->c.active, s->c.total,
	    (unsigned long long)s->max_active,
	    (unsigned long long)s->max_children_reached,
	    (unsigned long long)s->slow_requests,
	    (unsigned long long)s->respawns,
	    (unsigned long long)s->crash_backoff_ms);
}

/* "request duration": elapsed for a busy process, else the last one. */
static int64_t
proc_duration(const struct sb_proc *p, int64_t now)
{
	if (p->state == SB_READING || p->state == SB_RUNNING ||
	    p->state == SB_FINISHING)
		return now - p->req_start_mono_us;
	return p->last_duration_us;
}

static void
proc_text(const struct sb_proc *p, int64_t now, struct buf *out)
{
	char	 date[64];

	fmt_date(p->started_wall_us / 1000000, date, sizeof(date));
	buf_printf(out,
	    "\n************************\n"
	    "pid:                  %ld\n"
	    "state:                %s\n"
	    "start time:           %s\n"
	    "start since:          %lld\n"
	    "requests:             %llu\n"
	    "request duration:     %lld\n"
	    "request method:       %s\n"
	    "request URI:          ",
	    (long)p->pid, sb_state_name(p->state), date,
	    (long long)((now - p->started_mono_us) / 1000000),
	    (unsigned long long)p->requests, (long long)proc_duration(p, now),
	    p->method[0] != '\0' ? p->method : "-");
	/* The URI came from a client: no control characters on the page. */
	if (p->uri[0] == '\0')
		buf_putc(out, '-');
	for (const char *c = p->uri; *c != '\0'; c++)
		buf_putc(out,
		    (unsigned char)*c < 0x20 || (unsigned char)*c == 0x7f ?
			'?' :
			*c);
	buf_printf(out, "\ngeneration:           %u\n", p->generation);
}

static json_t *
status_json(const struct snap *s)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		return NULL;
	jv_set(o, "pool", jv_str(s->name));
	jv_set(o, "process manager", jv_str(s->pm));
	jv_set(o, "start time", json_integer(s->start_wall));
	jv_set(o, "start since", json_integer(s->start_since));
	jv_set(o, "accepted conn", json_integer((json_int_t)s->accepted));
	jv_set(o, "listen queue", json_integer(s->listen_queue));
	jv_set(o, "max listen queue",
	    json_integer((json_int_t)s->max_listen_queue));
	jv_set(o, "listen queue len", json_integer(s->listen_queue_len));
	jv_set(o, "idle processes", json_integer(s->c.idle));
	jv_set(o, "active processes", json_integer(s->c.active));
	jv_set(o, "total processes", json_integer(s->c.total));
	jv_set(o, "max active processes",
	    json_integer((json_int_t)s->max_active));
	jv_set(o, "max children reached",
	    json_integer((json_int_t)s->max_children_reached));
	jv_set(o, "slow requests", json_integer((json_int_t)s->slow_requests));
	jv_set(o, "respawns", json_integer((json_int_t)s->respawns));
	jv_set(o, "crash backoff",
	    json_integer((json_int_t)s->crash_backoff_ms));
	return o;
}

static json_t *
proc_json(const struct sb_proc *p, int64_t now)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		return NULL;
	jv_set(o, "pid", json_integer(p->pid));
	jv_set(o, "state", jv_str(sb_state_name(p->state)));
	jv_set(o, "start time", json_integer(p->started_wall_us / 1000000));
	jv_set(o, "start since",
	    json_integer((now - p->started_mono_us) / 1000000));
	jv_set(o, "requests", json_integer((json_int_t)p->requests));
	jv_set(o, "request duration", json_integer(proc_duration(p, now)));
	jv_set(o, "request method",
	    jv_str(p->method[0] != '\0' ? p->method : "-"));
	jv_set(o, "request uri", jv_str(p->uri[0] != '\0' ? p->uri : "-"));
	jv_set(o, "generation", json_integer(p->generation));
	return o;
}

static void
status_procs(struct scoreboard *sb, enum ops_format fmt, json_t *list,
    struct buf *out)
{
	struct sb_proc	 p;
	int64_t		 now = sb_now_mono_us();
	unsigned	 i;

	for (i = 0; i < sb->nslots; i++) {
		sb_read_slot(&sb->slots[i], &p);
		if (p.state == SB_FREE || p.pid == 0)
			continue;
		if (fmt == OPS_JSON)
			jv_push(list, proc_json(&p, now));
		else
			proc_text(&p, now, out);
	}
}

/* A quantile in milliseconds rounded to the microsecond; null if empty. */
static json_t *
quantile_ms(const uint64_t *hist, double q)
{
	double	 v = sb_quantile(hist, q);

	if (v < 0)
		return json_null();
	return json_real((double)(int64_t)(v * 1e6 + 0.5) / 1e3);
}

/*
 * "routes": each named route's request count and p50/p90/p99 in ms,
 * estimated from its histogram buckets.
 */
static json_t *
routes_json(const struct scoreboard *sb)
{
	json_t	*list = json_array(), *o;
	size_t	 r;

	if (list == NULL)
		abort();
	for (r = 0; r < SB_ROUTES; r++) {
		const struct sb_route *rt = &sb->routes[r];

		if (__atomic_load_n(&rt->state, __ATOMIC_ACQUIRE) != 2)
			break;
		if ((o = json_object()) == NULL)
			abort();
		jv_set(o, "method", jv_str(rt->method));
		jv_set(o, "route", jv_str(rt->route));
		jv_set(o, "requests",
		    json_integer((json_int_t)sb_get(&rt->count)));
		jv_set(o, "p50 ms", quantile_ms(rt->hist, 0.5));
		jv_set(o, "p90 ms", quantile_ms(rt->hist, 0.9));
		jv_set(o, "p99 ms", quantile_ms(rt->hist, 0.99));
		jv_push(list, o);
	}
	return list;
}

void
ops_status(const struct ops_env *env, size_t i, enum ops_format fmt, bool full,
    struct buf *out)
{
	struct snap	 s;
	json_t		*o = NULL, *list = NULL;
	char		*txt;

	take_snap(env, i, &s);
	if (fmt != OPS_JSON) {
		status_text(&s, out);
		if (full)
			status_procs(env->sbs[i], fmt, NULL, out);
		return;
	}
	if ((o = status_json(&s)) == NULL)
		goto out;
	jv_set(o, "routes", routes_json(env->sbs[i]));
	if (full) {
		if ((list = json_array()) == NULL ||
		    json_object_set(o, "processes", list) == -1)
			goto out;
		status_procs(env->sbs[i], fmt, list, out);
	}
	if ((txt = json_dumps(o, JSON_COMPACT)) == NULL)
		goto out;
	buf_puts(out, txt);
	buf_putc(out, '\n');
	free(txt);
out:
	json_decref(list);
	json_decref(o);
}

/* ---------------------------------------------------------------------
 * Prometheus / OpenMetrics
 */

enum mtype {
	M_GAUGE,
	M_COUNTER
};

struct metric {
	const char	*name;		/* without _total */
	enum mtype	 type;
	const char	*help;
	double		(*get)(const struct snap *, const struct pool_config *);
};

static double
m_up(const struct snap *s, const struct pool_config *pc)
{
	(void)s;
	(void)pc;
	return 1;
}
static double
m_start(const struct snap *s, const struct pool_config *pc)
{
	(void)pc;
	return (double)s->start_wall;
}
static double
m_since(const struct snap *s, const struct pool_config *pc)
{
	(void)pc;
	return (double)s->start_since;
}
static double
m_acc(const struct snap *s, const struct pool_config *pc)
{
	(void)pc;
	return (double)s->accepted;
}
static double
m_lq(const struct snap *s, const struct pool_config *pc)
{
	(void)pc;
	return s->listen_queue;
}
static double
m_mlq(const struct snap *s, const struct pool_config *pc)
{
	(void)pc;
	return (double)s->max_listen_queue;
}
static double
m_lql(const struct snap *s, const struct pool_config *pc)
{
	(void)pc;
	return s->listen_queue_len;
}
static double
m_idle(const struct snap *s, const struct pool_config *pc)
{
	(void)pc;
	return s->c.idle;
}
static double
m_active(const struct snap *s, const struct pool_config *pc)
{
	(void)pc;
	return s->c.active;
}
static double
m_total(const struct snap *s, const struct pool_config *pc)
{
	(void)pc;
	return s->c.total;
}
static double
m_maxact(const struct snap *s, const struct pool_config *pc)
{
	(void)pc;
	return (double)s->max_active;
}
static double
m_mcr(const struct snap *s, const struct pool_config *pc)
{
	(void)pc;
	return (double)s->max_children_reached;
}
static double
m_slow(const struct snap *s, const struct pool_config *pc)
{
	(void)pc;
	return (double)s->slow_requests;
}
static double
m_resp(const struct snap *s, const struct pool_config *pc)
{
	(void)pc;
	return (double)s->respawns;
}
static double
m_back(const struct snap *s, const struct pool_config *pc)
{
	(void)pc;
	return (double)s->crash_backoff_ms / 1000.0;
}
static double
m_maxch(const struct snap *s, const struct pool_config *pc)
{
	(void)s;
	return pc->max_children;
}
static double
m_start_s(const struct snap *s, const struct pool_config *pc)
{
	(void)s;
	return pc->start_servers;
}
static double
m_minsp(const struct snap *s, const struct pool_config *pc)
{
	(void)s;
	return pc->min_spare_servers;
}
static double
m_maxsp(const struct snap *s, const struct pool_config *pc)
{
	(void)s;
	return pc->max_spare_servers;
}
static double
m_maxreq(const struct snap *s, const struct pool_config *pc)
{
	(void)s;
	return pc->max_requests;
}

static const struct metric metrics[] = {
	{ "crewlog_up", M_GAUGE, "Whether the pool answered.", m_up },
	{ "crewlog_start_time_seconds", M_GAUGE, "Unix time the pool started.",
	    m_start },
	{ "crewlog_start_since_seconds", M_GAUGE,
	    "Seconds since the pool started.", m_since },
	{ "crewlog_accepted_connections", M_COUNTER,
	    "Connections accepted by the pool.", m_acc },
	{ "crewlog_listen_queue", M_GAUGE,
	    "Connections waiting in the accept queue (0 for unix sockets).",
	    m_lq },
	{ "crewlog_max_listen_queue", M_GAUGE, "Largest accept queue seen.",
	    m_mlq },
	{ "crewlog_listen_queue_length", M_GAUGE,
	    "Size of the accept queue (listen.backlog).", m_lql },
	{ "crewlog_idle_processes", M_GAUGE, "Idle workers.", m_idle },
	{ "crewlog_active_processes", M_GAUGE, "Busy workers.", m_active },
	{ "crewlog_total_processes", M_GAUGE, "Workers.", m_total },
	{ "crewlog_max_active_processes", M_GAUGE,
	    "Most workers busy at once.", m_maxact },
	{ "crewlog_max_children_reached", M_COUNTER,
	    "Times the pool wanted more workers than pm.max_children.",
	    m_mcr },
	{ "crewlog_slow_requests", M_COUNTER,
	    "Requests that ran past request_slowlog_timeout.", m_slow },
	{ "crewlog_respawns", M_COUNTER,
	    "Workers replaced after an unexpected exit.", m_resp },
	{ "crewlog_crash_backoff_seconds", M_GAUGE,
	    "Current delay before respawning a crashing worker.", m_back },
	{ "crewlog_pm_max_children", M_GAUGE, "Configured pm.max_children.",
	    m_maxch },
	{ "crewlog_pm_start_servers", M_GAUGE, "Configured pm.start_servers.",
	    m_start_s },
	{ "crewlog_pm_min_spare_servers", M_GAUGE,
	    "Configured pm.min_spare_servers.", m_minsp },
	{ "crewlog_pm_max_spare_servers", M_GAUGE,
	    "Configured pm.max_spare_servers.", m_maxsp },
	{ "crewlog_pm_max_requests", M_GAUGE,
	    "Configured pm.max_requests (0: never recycle).", m_maxreq },
};

/* pool="www",service="board": pool names are config keys ([a-z0-9_-]);
 * escape anyway. */
static void
label(struct buf *out, const struct pool_config *pc)
{
	const char	*pool = pc->name;

	buf_puts(out, "{pool=\"");
	for (; *pool != '\0'; pool++) {
		if (*pool == '"' || *pool == '\\')
			buf_putc(out, '\\');
		if (*pool == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, *pool);
	}
	buf_printf(out, "\",service=\"%s\"", config_service_name(pc->service));
}

/* A label value, escaped as the text format requires. */
static void
label_value(struct buf *out, const char *v)
{
	buf_putc(out, '"');
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			buf_putc(out, '\\');
		if (*v == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, *v);
	}
	buf_putc(out, '"');
}

/* One route's buckets, sum and count; labels is "{pool=...,route=...". */
static void
route_lines(struct buf *out, const char *labels, const struct sb_route *rt)
{
	static const char name[] = "crewlog_route_request_duration_seconds";
	size_t		 k;
	uint64_t	 cum = 0;

	for (k = 0; k < SB_NBUCKETS; k++) {
		cum += sb_get(&rt->hist[k]);
		if (k < SB_NBUCKETS - 1)
			buf_printf(out, "%s_bucket%s,le=\"%g\"} %llu\n", name,
			    labels, sb_bucket_bounds[k],
			    (unsigned long long)cum);
		else
			buf_printf(out, "%s_bucket%s,le=\"+Inf\"} %llu\n",
			    name, labels, (unsigned long long)cum);
	}
	buf_printf(out, "%s_sum%s} %.6f\n", name, labels,
	    (double)sb_get(&rt->sum_us) / 1e6);
	buf_printf(out, "%s_count%s} %llu\n", name, labels,
	    (unsigned long long)cum);
}

/* Per-route histograms of every pool, one series per named route. */
static void
route_histograms(const struct ops_env *env, struct buf *out)
{
	struct buf	 l = BUF_INIT;
	size_t		 i, r;

	buf_puts(out,
	    "# HELP crewlog_route_request_duration_seconds Time from "
	    "accepting a connection to sending the response, by route.\n"
	    "# TYPE crewlog_route_request_duration_seconds histogram\n");
	for (i = 0; i < env->npools; i++) {
		for (r = 0; r < SB_ROUTES; r++) {
			const struct sb_route *rt = &env->sbs[i]->routes[r];

			if (__atomic_load_n(&rt->state, __ATOMIC_ACQUIRE) != 2)
				break;
			buf_reset(&l);
			label(&l, env->pcs[i]);
			buf_puts(&l, ",method=");
			label_value(&l, rt->method);
			buf_puts(&l, ",route=");
			label_value(&l, rt->route);
			route_lines(out, buf_cstr(&l), rt);
		}
	}
	buf_free(&l);
}

static void
histogram(const struct ops_env *env, struct buf *out)
{
	size_t		 i, k;
	uint64_t	 cum;

	buf_puts(out,
	    "# HELP crewlog_request_duration_seconds "
	    "Time from accepting a connection to sending the response.\n"
	    "# TYPE crewlog_request_duration_seconds histogram\n");
	for (i = 0; i < env->npools; i++) {
		struct scoreboard *sb = env->sbs[i];

		cum = 0;
		for (k = 0; k < SB_NBUCKETS; k++) {
			cum += sb_get(&sb->hist[k]);
			buf_puts(out,
			    "crewlog_request_duration_seconds_bucket");
			label(out, env->pcs[i]);
			if (k < SB_NBUCKETS - 1)
				buf_printf(out, ",le=\"%g\"} %llu\n",
				    sb_bucket_bounds[k],
				    (unsigned long long)cum);
			else
				buf_printf(out, ",le=\"+Inf\"} %llu\n",
				    (unsigned long long)cum);
		}
		buf_puts(out, "crewlog_request_duration_seconds_sum");
		label(out, env->pcs[i]);
		buf_printf(out, "} %.6f\n",
		    (double)sb_get(&sb->hist_sum_us) / 1e6);
		buf_puts(out, "crewlog_request_duration_seconds_count");
		label(out, env->pcs[i]);
		buf_printf(out, "} %llu\n", (unsigned long long)cum);
	}
	route_histograms(env, out);
}

void
ops_metrics(const struct ops_env *env, bool openmetrics, struct buf *out)
{
	struct snap	*snaps;
	size_t		 i, m;
	const char	*sfx;

	snaps = xcalloc(env->npools, sizeof(*snaps));
	for (i = 0; i < env->npools; i++)
		take_snap(env, i, &snaps[i]);
	for (m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++) {
		const struct metric *mt = &metrics[m];

		sfx = mt->type == M_COUNTER ? "_total" : "";
		/* OpenMetrics names the family without _total. */
		buf_printf(out, "# HELP %s%s %s\n# TYPE %s%s %s\n", mt->name,
		    openmetrics ? "" : sfx, mt->help, mt->name,
		    openmetrics ? "" : sfx,
		    mt->type == M_COUNTER ? "counter" : "gauge");
		for (i = 0; i < env->npools; i++) {
			buf_printf(out, "%s%s", mt->name, sfx);
			label(out, env->pcs[i]);
			buf_printf(out, "} %.17g\n",
			    mt->get(&snaps[i], env->pcs[i]));
		}
	}
	histogram(env, out);
	if (openmetrics)
		buf_puts(out, "# EOF\n");
	free(snaps);
}

/* ---------------------------------------------------------------------
 * Endpoints
 */

static bool
has_query(const struct request *req, const char *key)
{
	return kv_count(&req->query, key) > 0;
}

void
ops_text(struct response *resp, int status, const char *body)
{
	resp_status(resp, status);
	resp_content_type(resp, CT_TEXT);
	buf_puts(&resp->body, body);
}

static void
no_cache(struct response *resp)
{
	(void)resp_header(resp, "Cache-Control",
	    "no-cache, no-store, must-revalidate");
}

static void
status_page(const struct ops_env *env, struct request *req,
    struct response *resp)
{
	enum ops_format	 fmt = OPS_TEXT;
	const char	*ct = CT_TEXT;

	if (has_query(req, "json")) {
		fmt = OPS_JSON;
		ct = CT_JSON;
	} else if (has_query(req, "openmetrics")) {
		resp_content_type(resp, CT_OPENMETRICS);
		ops_metrics(env, true, &resp->body);
		return;
	}
	resp_content_type(resp, ct);
	ops_status(env, pool_index(env), fmt, has_query(req, "full"),
	    &resp->body);
}

/* ---------------------------------------------------------------------
 * The endpoints: where each answers (NULL: off for this pool), and how
 */

static const char *
ping_path(const struct ops_env *env)
{
	return env->pc->ping_path;
}

static void
ping(const struct ops_env *env, struct request *req, struct response *resp)
{
	const struct pool_config	*pc = env->pc;

	ops_text(resp, 200,
	    pc->ping_response != NULL ? pc->ping_response : "pong");
	if (resp->body.len == 0 || resp->body.data[resp->body.len - 1] != '\n')
		buf_putc(&resp->body, '\n');
}

static const char *
status_path(const struct ops_env *env)
{
	return env->pc->status_path;
}

/* /metrics comes with the status page: both tell the same secrets. */
static const char *
metrics_path(const struct ops_env *env)
{
	return env->pc->status_path != NULL ? "/metrics" : NULL;
}

static void
metrics_page(const struct ops_env *env, struct request *req,
    struct response *resp)
{
	resp_content_type(resp, CT_PROM);
	ops_metrics(env, false, &resp->body);
}

static const char *
healthz_path(const struct ops_env *env)
{
	return "/healthz";
}

static void
healthz(const struct ops_env *env, struct request *req, struct response *resp)
{
	ops_text(resp, 200, "ok\n");
}

/* The status child has no app: its /readyz goes to the 404 below. */
static const char *
readyz_path(const struct ops_env *env)
{
	return env->app != NULL ? "/readyz" : NULL;
}

static void
readyz(const struct ops_env *env, struct request *req, struct response *resp)
{
	struct buf	 why = BUF_INIT;

	if (app_ready(env->app, &why))
		ops_text(resp, 200, "ready\n");
	else {
		ops_text(resp, 503, "not ready: ");
		buf_puts(&resp->body, why.len > 0 ? why.data : "starting");
		buf_putc(&resp->body, '\n');
	}
	buf_free(&why);
}

static const struct ops_route routes[] = {
	{ ping_path, ping },
	{ status_path, status_page },
	{ metrics_path, metrics_page },
	{ healthz_path, healthz },
	{ readyz_path, readyz },
};

/* The route for path in table t of n rows, or NULL. */
static const struct ops_route *
find(const struct ops_env *env, const struct ops_route *t, size_t n,
    const char *path)
{
	const char	*p;
	size_t		 i;

	for (i = 0; i < n; i++)
		if ((p = t[i].path(env)) != NULL && strcmp(p, path) == 0)
			return &t[i];
	return NULL;
}

bool
ops_handle(const struct ops_env *env, struct request *req,
    struct response *resp)
{
	const struct ops_route	*rt;

	if (req->path == NULL)
		return false;
	if ((rt = find(env, routes, sizeof(routes) / sizeof(routes[0]),
		 req->path)) != NULL) {
		req->route_name = rt->path(env);	/* outlives the request */
		rt->serve(env, req, resp);
		no_cache(resp);
		return true;
	}
#ifdef CREWLOG_TEST_ENDPOINTS
	if ((rt = find(env, ops_test_routes, ops_test_nroutes, req->path)) !=
	    NULL) {
		req->route_name = rt->path(env);
		rt->serve(env, req, resp);
		return true;
	}
#endif
	if (env->status_only) {
		ops_text(resp, 404, "not an operations endpoint\n");
		return true;
	}
	return false;
}
