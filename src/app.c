/*
 * app.c: the dispatcher of the astronaut hours application.
 *
 * The route table, start-up and shutdown, and app_handle(): it builds
 * the request's struct ctx, authenticates (bearer token or session
 * cookie), checks CSRF on writes and calls one handler from
 * src/handlers/.  Handlers call the modules below them (ctx, session,
 * reply, board_cache, store, jv); none of those calls back up here.
 */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "board_cache.h"
#include "ctx.h"
#include "handlers.h"
#include "log.h"
#include "mustache.h"
#include "reply.h"
#include "router.h"
#include "service.h"
#include "session.h"
#include "store.h"
#include "util.h"

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

/* Per worker: what every request's ctx points at, and the router. */
struct app {
	struct ctx_env		 env;
	struct router		*router;
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
	if (bcache_init_main(pc, err) == -1)
		return -1;
	return app_check_config(pc, err);
}

struct app *
app_init_child(const struct pool_config *pc, struct buf *err)
{
	struct app		*a;
	struct store_opts	 so;

	a = xcalloc(1, sizeof(*a));
	a->env.conf = pc;
	log_set_service(config_service_name(pc->service));
	a->env.cost.ops = pc->pwhash_opslimit;
	a->env.cost.mem = pc->pwhash_memlimit;
	if (auth_init() == -1) {
		buf_puts(err, "libsodium failed to initialise");
		goto fail;
	}
	if ((a->env.tmpl = load_templates(pc, err)) == NULL)
		goto fail;
	if ((a->router = router_new(routes,
		 sizeof(routes) / sizeof(routes[0]))) == NULL) {
		buf_puts(err, "router: cannot build the route table");
		goto fail;
	}
	so.conninfo = pc->database_url != NULL ?
	    pc->database_url :
	    getenv("CREWLOG_DATABASE_URL");
	so.listen = pc->leaderboard_cache != 0;
	so.notify_board = pc->leaderboard_cache == 1;
	/* A database that is down is no reason to fail: we answer 503. */
	a->env.st = store_open(&so);
	if ((a->env.board = bcache_new(pc, a->env.st, err)) == NULL)
		goto fail;
	return a;
fail:
	app_free(a);
	return NULL;
}

void
app_free(struct app *a)
{
	if (a == NULL)
		return;
	bcache_free(a->env.board);
	store_close(a->env.st);
	router_free(a->router);
	if (a->env.tmpl != NULL)
		mustache_set_free(a->env.tmpl);
	free(a);
}

bool
app_ready(struct app *a, struct buf *why)
{
	if (a == NULL || a->env.tmpl == NULL) {
		buf_puts(why, "templates not loaded");
		return false;
	}
	return store_ready(a->env.st, why);
}

int
app_wake_fd(struct app *a, unsigned *gen)
{
	*gen = 0;
	return a != NULL ? bcache_wake_fd(a->env.board, gen) : -1;
}

void
app_wake(struct app *a)
{
	if (a != NULL)
		bcache_sync(a->env.board);
}

/* ------------------------------------------------------------------ */
/* The request                                                         */
/* ------------------------------------------------------------------ */

/*
 * Finds the route; sends 404 or 405 (with Allow) and returns NULL when
 * there is none for this method and path.
 */
static const struct route *
route(struct app *a, struct ctx *c)
{
	const struct route	*rt = NULL;
	struct buf		 allow = BUF_INIT;

	if (!service_serves(ctx_conf(c)->service, c->req->path)) {
		/* A balancer rule sent it to the wrong service: say so. */
		log_warn("service %s does not serve %s: check the "
			 "balancer's path rules",
		    config_service_name(ctx_conf(c)->service), c->req->path);
		reply_fail(c, 404, "not_found",
		    "There is nothing at this address.", NULL, NULL, NULL);
		return NULL;
	}
	switch (router_match(a->router, c->req->method, c->req->path, &rt,
	    &c->req->route, &allow)) {
	case ROUTER_NOT_FOUND:
		reply_fail(c, 404, "not_found",
		    "There is nothing at this "
		    "address.",
		    NULL, NULL, NULL);
		rt = NULL;
		break;
	case ROUTER_BAD_METHOD:
		(void)ctx_header(c, "Allow", buf_cstr(&allow));
		reply_fail(c, 405, "method_not_allowed",
		    "This address does "
		    "not take that method.",
		    NULL, NULL, NULL);
		rt = NULL;
		break;
	case ROUTER_FOUND:
		c->req->route_name = rt->pattern;	/* per-route metrics */
		break;
	}
	buf_free(&allow);
	return rt;
}

/*
 * What the route asks of the caller: a known astronaut, a CSRF token.
 * Sends 401 (or a redirect to the login page), 403 or a store error and
 * returns false when the request may not reach its handler.
 */
static bool
admit(struct ctx *c, unsigned flags)
{
	int	 rc;

	/* board's role cannot read sessions (sql/004): all are anonymous. */
	if ((flags & (RF_AUTH | RF_USER)) != 0 &&
	    ctx_conf(c)->service != SVC_BOARD &&
	    (rc = sess_authenticate(c)) != STORE_OK) {
		reply_store_fail(c, rc);
		return false;
	}
	if ((flags & RF_AUTH) != 0 && ctx_user(c) == NULL) {
		if (ctx_json(c)) {
			(void)ctx_header(c, "WWW-Authenticate",
			    "Bearer realm=\"crewlog\"");
			reply_fail(c, 401, "unauthorized",
			    "Log in first: send "
			    "Authorization: Bearer <token>.",
			    NULL, NULL, NULL);
		} else
			reply_redirect(c, "/login");
		return false;
	}
	if (!sess_csrf_ok(c)) {
		reply_fail(c, 403, "csrf",
		    "The form was missing its security "
		    "token or it has expired. Go back, reload the page and "
		    "try again.",
		    NULL, NULL, NULL);
		return false;
	}
	return true;
}

void
app_handle(struct app *a, struct request *req, struct response *resp)
{
	const struct route	*rt;
	struct ctx		 c;

	ctx_init(&c, &a->env, req, resp);
	bcache_sync(a->env.board);
	if ((rt = route(a, &c)) != NULL && admit(&c, rt->flags))
		rt->handler(&c);
	reply_security_headers(&c);
	ctx_free(&c);
}
