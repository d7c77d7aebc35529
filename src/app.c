/*
 * app.c: the astronaut hours application behind the request core.
 *
 * app_handle() routes a request, authenticates it (bearer token or
 * session cookie), checks CSRF on form posts and calls one handler from
 * src/handlers/.  The handler builds a json_t view-model; app_send()
 * turns it into JSON or renders the page template from the same object,
 * so the API and the pages cannot drift apart.
 *
 * A struct app is per worker: the database connection (store.c), the
 * compiled templates, the router, the leaderboard cache and the state of
 * the request in progress (a worker serves one request at a time).
 */
#include <sys/mman.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "auth.h"
#include "handlers.h"
#include "log.h"
#include "mustache.h"
#include "router.h"
#include "store.h"
#include "util.h"

#define COOKIE_SESSION	"crewlog_session"
#define COOKIE_CSRF	"crewlog_csrf"
#define BOARD_SLOTS	8

/* Route flags. */
#define RF_AUTH		0x01	/* a logged-in astronaut is required */
#define RF_USER		0x02	/* look the astronaut up if a session came */

static const struct route routes[] = {
	{ HTTP_GET, "/", h_home_get, RF_USER },
	{ HTTP_GET, "/signup", h_signup_form, RF_USER },
	{ HTTP_POST, "/signup", h_users_create, RF_USER },
	{ HTTP_GET, "/login", h_login_form, RF_USER },
	{ HTTP_POST, "/login", h_sessions_create, RF_USER },
	{ HTTP_POST, "/logout", h_sessions_delete, RF_USER },
	{ HTTP_GET, "/log", h_hours_list, RF_AUTH },
	{ HTTP_POST, "/log", h_hours_create, RF_AUTH },
	{ HTTP_GET, "/log/:id/edit", h_hours_get, RF_AUTH },
	{ HTTP_POST, "/log/:id", h_hours_update, RF_AUTH },
	{ HTTP_POST, "/log/:id/delete", h_hours_delete, RF_AUTH },
	{ HTTP_GET, "/leaderboard", h_board_get, RF_USER },

	{ HTTP_POST, "/api/users", h_users_create, 0 },
	{ HTTP_POST, "/api/sessions", h_sessions_create, 0 },
	{ HTTP_DELETE, "/api/sessions", h_sessions_delete, RF_AUTH },
	{ HTTP_GET, "/api/me", h_me_get, RF_AUTH },
	{ HTTP_GET, "/api/hours", h_hours_list, RF_AUTH },
	{ HTTP_POST, "/api/hours", h_hours_create, RF_AUTH },
	{ HTTP_GET, "/api/hours/:id", h_hours_get, RF_AUTH },
	{ HTTP_PATCH, "/api/hours/:id", h_hours_update, RF_AUTH },
	{ HTTP_DELETE, "/api/hours/:id", h_hours_delete, RF_AUTH },
	{ HTTP_GET, "/api/leaderboard", h_board_get, 0 },
};

/*
 * One cached leaderboard slice: valid while the board generation it was
 * read under holds and for leaderboard_cache_ttl at most.
 */
struct board_slot {
	bool		 used;
	int64_t		 limit, offset, total;
	json_t		*entries;	/* [{rank, name, hours}] */
	char		*text;		/* entries serialised, or NULL */
	size_t		 text_len;
	int64_t		*ids;		/* astronaut of each entry */
	unsigned long	 stamp;		/* last use, for eviction */
	uint64_t	 gen;		/* board_gen when read */
	int64_t		 read_ms;	/* monotonic, when read */
};

/*
 * The board generation, the one piece of state this module shares: a
 * word in an anonymous shared mapping made by the master before it
 * forks (app_init_main), so every worker of every generation sees the
 * same counter.  A worker that writes bumps it; every worker's cached
 * slices read under an older value are dead.  A process that never ran
 * app_init_main (crewlog render, tests) gets a private word.
 */
static uint64_t	*board_gen;

static int
board_gen_init(struct buf *err)
{
	void	*p;

	if (board_gen != NULL)
		return 0;	/* a reload keeps the word the workers share */
	p = mmap(NULL, sizeof(*board_gen), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		buf_printf(err, "leaderboard cache: mmap: %s",
		    strerror(errno));
		return -1;
	}
	board_gen = p;
	return 0;
}

static uint64_t
board_gen_now(void)
{
	return board_gen != NULL ?
	    __atomic_load_n(board_gen, __ATOMIC_ACQUIRE) :
	    0;
}

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct app {
	const struct pool_config *pc;
	struct store		*st;
	struct router		*router;
	struct mustache_set	*tmpl;
	struct auth_cost	 cost;
	bool			 cache_on;
	struct board_slot	 board[BOARD_SLOTS];
	unsigned long		 clock;
	time_t			 down_logged;	/* last "unavailable" line */

	/* The request in progress; reset by app_handle(). */
	struct ctx		*cur;
	struct store_user	 user;		/* id 0: anonymous */
	bool			 bearer;	/* authenticated by header */
	char			 session_hash[AUTH_HASH_HEX_LEN + 1];
	char			 csrf[AUTH_TOKEN_LEN + 1];
	bool			 csrf_new;	/* send it as a cookie */
	const char		*tab;		/* active tab, for the layout */
};

/* ------------------------------------------------------------------ */
/* Lifecycle                                                           */
/* ------------------------------------------------------------------ */

/* Loads the template set; NULL with err "file:line:col: message". */
static struct mustache_set *
load_templates(const struct pool_config *pc, struct buf *err)
{
	struct mustache_set	*set;
	struct mustache_error	 me;
	const char		*dir = pc->templates != NULL ? pc->templates :
						  PKGDATADIR "/templates";
	static const char *need[] = { "layout", "error", "signup", "login",
		"log", "edit", "leaderboard" };
	size_t			 i;

	set = mustache_set_new();
	memset(&me, 0, sizeof(me));
	if (mustache_set_load_dir(set, dir, &me) == -1) {
		mustache_error_format(&me, err);
		mustache_set_free(set);
		return NULL;
	}
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!mustache_set_has(set, need[i])) {
			buf_printf(err, "%s/%s.mustache: template missing",
			    dir, need[i]);
			mustache_set_free(set);
			return NULL;
		}
	}
	return set;
}

int
app_check_config(const struct pool_config *pc, struct buf *err)
{
	struct mustache_set	*set;

	if ((set = load_templates(pc, err)) == NULL)
		return -1;
	mustache_set_free(set);
	return 0;
}

/* The master refuses to start (or reload) with templates that fail. */
int
app_init_main(const struct pool_config *pc, struct buf *err)
{
	if (board_gen_init(err) == -1)
		return -1;
	return app_check_config(pc, err);
}

struct app *
app_init_child(const struct pool_config *pc, struct buf *err)
{
	struct app		*a;
	struct store_opts	 so;

	a = xcalloc(1, sizeof(*a));
	a->pc = pc;
	a->cost.ops = pc->pwhash_opslimit;
	a->cost.mem = pc->pwhash_memlimit;
	a->cache_on = pc->leaderboard_cache != 0;
	if (auth_init() == -1) {
		buf_puts(err, "libsodium failed to initialise");
		goto fail;
	}
	if ((a->tmpl = load_templates(pc, err)) == NULL)
		goto fail;
	if ((a->router = router_new(routes,
		 sizeof(routes) / sizeof(routes[0]))) == NULL) {
		buf_puts(err, "router: cannot build the route table");
		goto fail;
	}
	so.conninfo = pc->database_url != NULL ?
	    pc->database_url :
	    getenv("CREWLOG_DATABASE_URL");
	so.listen = a->cache_on;
	so.notify_board = pc->leaderboard_cache == 1;
	if (a->cache_on && board_gen == NULL && board_gen_init(err) == -1)
		goto fail;
	/* A database that is down is no reason to fail: we answer 503. */
	a->st = store_open(&so);
	return a;
fail:
	app_free(a);
	return NULL;
}

static void
board_clear(struct app *a)
{
	size_t	 i;

	for (i = 0; i < BOARD_SLOTS; i++) {
		json_decref(a->board[i].entries);
		free(a->board[i].text);
		free(a->board[i].ids);
		memset(&a->board[i], 0, sizeof(a->board[i]));
	}
}

void
app_free(struct app *a)
{
	if (a == NULL)
		return;
	board_clear(a);
	store_close(a->st);
	router_free(a->router);
	if (a->tmpl != NULL)
		mustache_set_free(a->tmpl);
	store_user_clear(&a->user);
	free(a);
}

bool
app_ready(struct app *a, struct buf *why)
{
	if (a == NULL || a->tmpl == NULL) {
		buf_puts(why, "templates not loaded");
		return false;
	}
	return store_ready(a->st, why);
}

/*
 * A handler's write committed: every worker's cached board is out of date
 * (theirs through the shared generation, ours at once).
 */
void
app_board_changed(struct ctx *c)
{
	if (board_gen != NULL)
		(void)__atomic_add_fetch(board_gen, 1, __ATOMIC_RELEASE);
	board_clear(c->app);
}

int
app_wake_fd(struct app *a, unsigned *gen)
{
	*gen = 0;
	return a != NULL && a->st != NULL ? store_wake_fd(a->st, gen) : -1;
}

/* Drops the cached leaderboard at once if a notification says so. */
void
app_wake(struct app *a)
{
	if (a != NULL && a->st != NULL && store_poll(a->st))
		board_clear(a);
}

/* ------------------------------------------------------------------ */
/* Helpers for handlers                                                */
/* ------------------------------------------------------------------ */

struct store *
app_store(struct ctx *c)
{
	return c->app->st;
}

const struct store_user *
app_user(struct ctx *c)
{
	return c->app->user.id > 0 ? &c->app->user : NULL;
}

bool
app_json(struct ctx *c)
{
	return req_wants_json(c->req);
}

const struct auth_cost *
app_cost(struct ctx *c)
{
	return &c->app->cost;
}

const char *
app_client_addr(struct ctx *c)
{
	return c->req->remote_addr != NULL ? c->req->remote_addr : "-";
}

json_t *
app_json_field(struct ctx *c, const char *name)
{
	if (c->req->json == NULL || !json_is_object(c->req->json))
		return NULL;
	return json_object_get(c->req->json, name);
}

const char *
app_field(struct ctx *c, const char *name, bool *bad)
{
	const struct kvlist	*f = &c->req->form;
	json_t			*v;
	const char		*s;
	size_t			 i;

	*bad = false;
	if (c->req->json != NULL) {
		if ((v = app_json_field(c, name)) == NULL || json_is_null(v))
			return NULL;
		/* Not a string, or one with a NUL that C would cut short. */
		if (!json_is_string(v) ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			*bad = true;
			return NULL;
		}
		return json_string_value(v);
	}
	for (i = 0; i < f->n; i++) {
		if (strcmp(f->v[i].key, name) != 0)
			continue;
		s = f->v[i].val;
		if (strlen(s) != f->v[i].vlen) {
			*bad = true;
			return NULL;
		}
		return s;
	}
	return NULL;
}

int64_t
app_route_id(struct ctx *c, const char *name)
{
	const char	*s = kv_get(&c->req->route, name);
	char		*end;
	long long	 v;

	if (s == NULL || *s < '1' || *s > '9' || strlen(s) > 18)
		return -1;
	v = strtoll(s, &end, 10);
	return *end == '\0' ? v : -1;
}

/* Secure cookies unless configured off, or auto on plain-http loopback. */
static bool
cookie_secure(struct ctx *c)
{
	const char	*addr = c->req->remote_addr;

	if (c->conf->cookie_secure >= 0)
		return c->conf->cookie_secure == 1;
	if (c->req->https)
		return true;
	return !(addr != NULL &&
	    (strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0));
}

static void
set_cookie(struct ctx *c, const char *name, const char *val, long max_age)
{
	struct cookie_opts	 o;

	memset(&o, 0, sizeof(o));
	o.max_age = max_age;
	o.secure = cookie_secure(c);
	o.http_only = true;
	o.same_site = SAMESITE_LAX;
	o.path = "/";
	if (resp_cookie(c->resp, name, val, &o) == -1)
		log_error("cannot set cookie %s", name);
}

/* ------------------------------------------------------------------ */
/* Replies                                                             */
/* ------------------------------------------------------------------ */

void
app_vset(json_t *o, const char *k, json_t *v)
{
	if (v == NULL || json_object_set_new(o, k, v) == -1)
		abort();	/* our keys and values: only OOM gets here */
}

/* A JSON string; text that is not UTF-8 (never ours) becomes "?". */
json_t *
app_vstr(const char *s)
{
	json_t	*v = json_string(s != NULL ? s : "");

	return v != NULL ? v : json_string("?");
}

/* The CSRF token for forms: the cookie's, or a new one set as a cookie. */
static const char *
csrf_token(struct ctx *c)
{
	struct app	*a = c->app;
	const char	*ck;

	if (a->csrf[0] != '\0')
		return a->csrf;
	ck = kv_get(&c->req->cookies, COOKIE_CSRF);
	if (ck != NULL && auth_token_syntax(ck))
		snprintf(a->csrf, sizeof(a->csrf), "%s", ck);
	else {
		auth_new_token(a->csrf);
		set_cookie(c, COOKIE_CSRF, a->csrf, -1);
	}
	return a->csrf;
}

/* Renders tmpl with view plus the layout's data into the response. */
static void
render(struct ctx *c, int status, const char *tmpl, json_t *view)
{
	struct app		*a = c->app;
	struct mustache_error	 me;
	struct buf		 msg = BUF_INIT;
	json_t			*u;
	char			 key[64];

	if (!json_is_object(view)) {
		json_decref(view);
		view = json_object();
	}
	if (app_user(c) != NULL) {
		u = json_object();
		app_vset(u, "name", app_vstr(a->user.name));
		app_vset(view, "me", u);
	}
	/*
	 * Only pages with a form need the token (and its cookie): an
	 * anonymous leaderboard or error page goes without, keeping the
	 * most requested page free of a random draw and a Set-Cookie.
	 */
	if (app_user(c) != NULL || strcmp(tmpl, "signup") == 0 ||
	    strcmp(tmpl, "login") == 0)
		app_vset(view, "csrf", app_vstr(csrf_token(c)));
	snprintf(key, sizeof(key), "tab_%s", a->tab != NULL ? a->tab : tmpl);
	app_vset(view, key, json_true());
	buf_reset(&c->resp->body);
	memset(&me, 0, sizeof(me));
	if (mustache_render(a->tmpl, tmpl, view, &c->resp->body, &me) == -1) {
		mustache_error_format(&me, &msg);
		log_error("render %s: %s", tmpl, buf_cstr(&msg));
		buf_free(&msg);
		buf_reset(&c->resp->body);
		buf_puts(&c->resp->body,
		    "<!doctype html><title>Error</title>"
		    "<p>Something went wrong on our side.</p>\n");
		status = 500;
	}
	resp_status(c->resp, status);
	resp_content_type(c->resp, "text/html; charset=utf-8");
	json_decref(view);
}

void
app_send(struct ctx *c, int status, const char *tmpl, json_t *view)
{
	if (app_json(c) || tmpl == NULL) {
		if (status == 204) {
			resp_status(c->resp, 204);
			buf_reset(&c->resp->body);
			json_decref(view);
			return;
		}
		if (view == NULL)
			view = json_object();
		if (resp_json(c->resp, status, view) == -1)
			(void)resp_json_error(c->resp, 500, "internal",
			    "cannot encode the reply", NULL);
		json_decref(view);
		return;
	}
	render(c, status, tmpl, view);
}

void
app_redirect(struct ctx *c, const char *location)
{
	resp_status(c->resp, 303);
	if (resp_header(c->resp, "Location", location) == -1)
		log_error("bad redirect location");
	buf_reset(&c->resp->body);
}

static const char *
error_title(int status)
{
	switch (status) {
	case 403:
		return "This form has expired";
	case 404:
		return "Page not found";
	case 405:
		return "Method not allowed";
	case 429:
		return "Too many attempts";
	case 503:
		return "crewlog is catching its breath";
	default:
		return status >= 500 ? "Something went wrong" : "Bad request";
	}
}

void
app_fail(struct ctx *c, int status, const char *code, const char *msg,
    json_t *fields, const char *tmpl, json_t *view)
{
	json_t	*v;

	if (app_json(c)) {
		json_decref(view);
		if (resp_json_error(c->resp, status, code, msg, fields) == -1)
			log_error("cannot send the %d error", status);
		return;
	}
	if (tmpl != NULL) {
		v = view != NULL ? view : json_object();
		app_vset(v, "error", app_vstr(msg));
		app_vset(v, "errors", fields != NULL ? fields : json_object());
		render(c, status, tmpl, v);
		return;
	}
	json_decref(view);
	json_decref(fields);
	v = json_object();
	app_vset(v, "status", json_integer(status));
	app_vset(v, "title", app_vstr(error_title(status)));
	app_vset(v, "message", app_vstr(msg));
	c->app->tab = "error";
	render(c, status, "error", v);
}

void
app_store_fail(struct ctx *c, int rc)
{
	char	 ra[16];

	if (rc == STORE_DOWN) {
		/* Once per 10 s per worker: an outage must not flood the log. */
		if (time(NULL) - c->app->down_logged >= 10) {
			c->app->down_logged = time(NULL);
			log_warn("database unavailable: %s",
			    store_errmsg(c->app->st));
		}
		snprintf(ra, sizeof(ra), "%d", store_retry_after(c->app->st));
		(void)resp_header(c->resp, "Retry-After", ra);
		app_fail(c, 503, "unavailable",
		    "The database is unavailable "
		    "right now. Please try again in a moment.",
		    NULL, NULL, NULL);
		return;
	}
	log_error("database: %s", store_errmsg(c->app->st));
	app_fail(c, 500, "internal", "Something went wrong on our side.", NULL,
	    NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Sessions                                                            */
/* ------------------------------------------------------------------ */

int
app_login(struct ctx *c, int64_t user, char token[AUTH_TOKEN_LEN + 1])
{
	struct app	*a = c->app;
	char		 h[AUTH_HASH_HEX_LEN + 1];
	int		 rc;

	auth_new_token(token);
	auth_token_hash(token, h);
	if ((rc = store_session_create(a->st, h, user,
		 c->conf->session_ttl)) != STORE_OK)
		return rc;
	if (!app_json(c)) {
		/* Rotation: the session the browser had before is over. */
		if (a->session_hash[0] != '\0')
			(void)store_session_delete(a->st, a->session_hash);
		set_cookie(c, COOKIE_SESSION, token,
		    (long)c->conf->session_ttl);
	}
	snprintf(a->session_hash, sizeof(a->session_hash), "%s", h);
	return STORE_OK;
}

int
app_logout(struct ctx *c)
{
	struct app	*a = c->app;
	int		 rc = STORE_OK;

	if (a->session_hash[0] != '\0')
		rc = store_session_delete(a->st, a->session_hash);
	if (!a->bearer && kv_get(&c->req->cookies, COOKIE_SESSION) != NULL)
		set_cookie(c, COOKIE_SESSION, "", 0);
	return rc;
}

/*
 * Finds the session token (Authorization: Bearer, else the cookie) and
 * its astronaut.  Returns a STORE_* code; no session is STORE_OK with
 * user.id 0.
 */
static int
authenticate(struct ctx *c)
{
	struct app	*a = c->app;
	const char	*h, *tok = NULL;
	int		 rc;

	h = req_header(c->req, "authorization");
	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0) {
		tok = h + 7;
		a->bearer = true;
	} else
		tok = kv_get(&c->req->cookies, COOKIE_SESSION);
	if (tok == NULL || !auth_token_syntax(tok))
		return STORE_OK;
	auth_token_hash(tok, a->session_hash);
	rc = store_session_get(a->st, a->session_hash, &a->user);
	if (rc == STORE_NOTFOUND) {
		a->session_hash[0] = '\0';
		return STORE_OK;
	}
	return rc;
}

/*
 * Form posts and cookie-authenticated API writes must carry the CSRF
 * token (field "csrf" or header X-CSRF-Token) equal to the csrf cookie.
 * Bearer-token requests are exempt: a browser never adds the header.
 */
static bool
csrf_ok(struct ctx *c)
{
	const char	*ck, *sent;
	bool		 api;

	switch (c->req->method) {
	case HTTP_GET:
	case HTTP_HEAD:
	case HTTP_OPTIONS:
		return true;
	default:
		break;
	}
	if (c->app->bearer)
		return true;
	api = strncmp(c->req->path, "/api/", 5) == 0;
	if (api && kv_get(&c->req->cookies, COOKIE_SESSION) == NULL)
		return true;
	ck = kv_get(&c->req->cookies, COOKIE_CSRF);
	if ((sent = kv_get(&c->req->form, "csrf")) == NULL)
		sent = req_header(c->req, "x-csrf-token");
	return ck != NULL && sent != NULL && auth_token_syntax(ck) &&
	    auth_equal(ck, sent);
}

/* ------------------------------------------------------------------ */
/* The leaderboard cache                                               */
/* ------------------------------------------------------------------ */

/*
 * The slot holding a slice: a cached one still valid, else one refilled
 * from the database (the least recently used, or a free one).  The slot
 * stays the caller's until the next call.  Returns a STORE_* code.
 */
static int
board_slot(struct app *a, int64_t limit, int64_t offset,
    struct board_slot **out)
{
	struct board_slot	*s;
	json_t			*all = NULL, *e, *pub;
	size_t			 i, n;
	uint64_t		 gen;
	int64_t			 now, total;
	int			 rc;

	a->clock++;
	gen = board_gen_now();
	now = mono_ms();
	for (i = 0; a->cache_on && i < BOARD_SLOTS; i++) {
		s = &a->board[i];
		if (s->used && s->limit == limit && s->offset == offset &&
		    s->gen == gen &&
		    now - s->read_ms <
			(int64_t)a->pc->leaderboard_cache_ttl * 1000) {
			s->stamp = a->clock;
			*out = s;
			return STORE_OK;
		}
	}
	if ((rc = store_leaderboard(a->st, limit, offset, &all, &total)) !=
	    STORE_OK)
		return rc;
	s = &a->board[0];
	for (i = 1; i < BOARD_SLOTS; i++)
		if (!a->board[i].used ||
		    (s->used && a->board[i].stamp < s->stamp))
			s = &a->board[i];
	json_decref(s->entries);
	free(s->text);
	s->text = NULL;
	free(s->ids);
	n = json_array_size(all);
	s->ids = xcalloc(n + 1, sizeof(*s->ids));
	s->entries = json_array();
	json_array_foreach (all, i, e) {
		s->ids[i] = json_integer_value(json_object_get(e, "id"));
		pub = json_object();
		app_vset(pub, "rank", json_incref(json_object_get(e, "rank")));
		app_vset(pub, "name", json_incref(json_object_get(e, "name")));
		app_vset(pub, "hours",
		    json_incref(json_object_get(e, "hours")));
		if (json_array_append_new(s->entries, pub) == -1)
			abort();
	}
	json_decref(all);
	s->used = a->cache_on;
	s->gen = gen;		/* read before the query: a write during it */
	s->read_ms = now;	/* leaves this slice already out of date */
	s->limit = limit;
	s->offset = offset;
	s->total = total;
	s->stamp = a->clock;
	*out = s;
	return STORE_OK;
}

int
app_board(struct ctx *c, int64_t limit, int64_t offset, json_t **entries,
    const int64_t **ids, int64_t *total)
{
	struct board_slot	*s;
	int			 rc;

	if ((rc = board_slot(c->app, limit, offset, &s)) != STORE_OK)
		return rc;
	*entries = json_incref(s->entries);
	*ids = s->ids;
	*total = s->total;
	return STORE_OK;
}

/*
 * The API's answer is built from the slice serialised once, when it is
 * first asked for: a cached request costs a copy of its bytes instead
 * of a walk over fifty jansson objects and a dump (3x the instructions
 * of rendering the HTML page, bench/instructions.py).  The keys come in
 * the order the view had: entries, total, limit, offset.
 */
int
app_board_json(struct ctx *c, int64_t limit, int64_t offset, struct buf *body)
{
	struct board_slot	*s;
	int			 rc;

	if ((rc = board_slot(c->app, limit, offset, &s)) != STORE_OK)
		return rc;
	if (s->text == NULL) {
		if ((s->text = json_dumps(s->entries, JSON_COMPACT)) == NULL)
			return STORE_ERROR;
		s->text_len = strlen(s->text);
	}
	buf_puts(body, "{\"entries\":");
	buf_append(body, s->text, s->text_len);
	buf_printf(body, ",\"total\":%lld,\"limit\":%lld,\"offset\":%lld}",
	    (long long)s->total, (long long)limit, (long long)offset);
	return STORE_OK;
}

/* ------------------------------------------------------------------ */
/* The request                                                         */
/* ------------------------------------------------------------------ */

static void
security_headers(struct response *r)
{
	static const char *const h[][2] = {
		{ "Content-Security-Policy",
		    "default-src 'none'; "
		    "style-src 'self'; img-src 'self'; form-action 'self'; "
		    "base-uri 'none'; frame-ancestors 'none'" },
		{ "X-Content-Type-Options", "nosniff" },
		{ "Referrer-Policy", "same-origin" },
		{ "X-Frame-Options", "DENY" },
		{ "Cache-Control", "no-store" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++)
		if (resp_header(r, h[i][0], h[i][1]) == -1)
			log_error("cannot set header %s", h[i][0]);
}

static void
reset_request(struct app *a, struct ctx *c)
{
	store_user_clear(&a->user);
	a->cur = c;
	a->bearer = false;
	a->session_hash[0] = '\0';
	a->csrf[0] = '\0';
	a->tab = NULL;
}

void
app_handle(struct ctx *c)
{
	struct app		*a = c->app;
	const struct route	*rt = NULL;
	struct buf		 allow = BUF_INIT;
	int			 rc;

	reset_request(a, c);
	if (store_poll(a->st))
		board_clear(a);
	switch (router_match(a->router, c->req->method, c->req->path, &rt,
	    &c->req->route, &allow)) {
	case ROUTER_NOT_FOUND:
		app_fail(c, 404, "not_found",
		    "There is nothing at this "
		    "address.",
		    NULL, NULL, NULL);
		goto out;
	case ROUTER_BAD_METHOD:
		(void)resp_header(c->resp, "Allow", buf_cstr(&allow));
		app_fail(c, 405, "method_not_allowed",
		    "This address does "
		    "not take that method.",
		    NULL, NULL, NULL);
		goto out;
	case ROUTER_FOUND:
		c->req->route_name = rt->pattern;
		break;
	}
	if ((rt->flags & (RF_AUTH | RF_USER)) != 0) {
		if ((rc = authenticate(c)) != STORE_OK) {
			app_store_fail(c, rc);
			goto out;
		}
	}
	if ((rt->flags & RF_AUTH) != 0 && app_user(c) == NULL) {
		if (app_json(c)) {
			(void)resp_header(c->resp, "WWW-Authenticate",
			    "Bearer realm=\"crewlog\"");
			app_fail(c, 401, "unauthorized",
			    "Log in first: send "
			    "Authorization: Bearer <token>.",
			    NULL, NULL, NULL);
		} else
			app_redirect(c, "/login");
		goto out;
	}
	if (!csrf_ok(c)) {
		app_fail(c, 403, "csrf",
		    "The form was missing its security "
		    "token or it has expired. Go back, reload the page and "
		    "try again.",
		    NULL, NULL, NULL);
		goto out;
	}
	rt->handler(c);
out:
	security_headers(c->resp);
	buf_free(&allow);
	a->cur = NULL;
}
