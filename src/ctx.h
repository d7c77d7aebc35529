/*
 * ctx.h: one request as the app sees it, and what lives for one worker.
 *
 * app_handle() builds a struct ctx on its stack for every request and
 * ctx_free() ends it when app_handle() returns: who is logged in, the
 * session's hash, the CSRF token and the active tab cannot outlive the
 * request they belong to.  struct ctx_env is the worker's: the database
 * connection, the templates, the leaderboard cache, owned by app.c.
 *
 * Handlers (src/handlers/) read the request and write the response only
 * through the functions below, never through the fields; the fields are
 * for the modules below the handlers (session.c, reply.c).  Every
 * pointer a ctx_* function returns stays valid until ctx_free().
 */
#ifndef CREWLOG_CTX_H
#define CREWLOG_CTX_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "auth.h"
#include "config.h"
#include "paging.h"
#include "request.h"
#include "response.h"
#include "store.h"

struct mustache_set;
struct bcache;

/* Per worker; filled by app_init_child(), read by every request. */
struct ctx_env {
	const struct pool_config *conf;
	struct store		*st;
	struct mustache_set	*tmpl;
	struct auth_cost	 cost;
	struct bcache		*board;
	time_t			 down_logged;	/* last "unavailable" line */
};

/* Per request. */
struct ctx {
	struct ctx_env		*env;
	struct request		*req;
	struct response		*resp;
	struct store_user	 user;		/* id 0: anonymous */
	bool			 bearer;	/* authenticated by header */
	char			 session_hash[AUTH_HASH_HEX_LEN + 1];
	char			 csrf[AUTH_TOKEN_LEN + 1];	/* "" until used */
	const char		*tab;		/* active tab, for the layout */
};

/* A field of the body: absent, present and usable, or not a string. */
enum ctx_field {
	CTX_ABSENT,
	CTX_OK,
	CTX_INVALID
};

void		 ctx_init(struct ctx *, struct ctx_env *, struct request *,
		    struct response *);
/* Releases what the request's state owns; the ctx is dead afterwards. */
void		 ctx_free(struct ctx *);

/* --- reading the request ------------------------------------------- */

/* True when the reply is JSON (an /api/ path or Accept), else a page. */
bool		 ctx_json(const struct ctx *);
/* The first query parameter name, or NULL. */
const char	*ctx_query(const struct ctx *, const char *name);
/*
 * The body's field name: a JSON string, or else the form's value.  A
 * JSON null is absent; a non-string JSON value or a value holding a NUL
 * byte is CTX_INVALID.  *out is the value on CTX_OK, else NULL.
 */
enum ctx_field	 ctx_field(const struct ctx *, const char *name,
		    const char **out);
/*
 * Reads field name as ctx_field() does and checks it with valid (a
 * fields.h validator, given NULL when absent).  A failure's message goes
 * to errs[name] unless errs has one for name already; a non-string
 * value's is "must be a string of text".  Returns the value when it is
 * a string, valid or not (a form shows it again), else NULL.
 */
const char	*ctx_field_check(const struct ctx *, const char *name,
		    const char *(*valid)(const char *), json_t *errs);
/* The JSON body's raw value for name, or NULL (form bodies: NULL). */
json_t		*ctx_json_field(const struct ctx *, const char *name);
/* A route capture (":id") as a positive id, or -1. */
int64_t		 ctx_route_id(const struct ctx *, const char *name);
/* The client's address for throttling, "-" when unknown. */
const char	*ctx_client_addr(const struct ctx *);
/*
 * limit/offset or page from the query (see paging.h).  Returns 0, or -1
 * with *errs a new object {field: message} for the 400.
 */
int		 ctx_paging(const struct ctx *, int64_t page_size,
		    struct paging *, json_t **errs);

/* --- what the worker provides -------------------------------------- */

const struct pool_config *ctx_conf(const struct ctx *);
struct store	*ctx_store(const struct ctx *);
const struct auth_cost *ctx_cost(const struct ctx *);
/* The worker's leaderboard cache (board_cache.h). */
struct bcache	*ctx_board(const struct ctx *);
/* The logged-in astronaut, or NULL. */
const struct store_user *ctx_user(const struct ctx *);

/* --- writing the response ------------------------------------------ */

/* Adds a response header (Location, Retry-After); -1 if refused. */
int		 ctx_header(struct ctx *, const char *name, const char *val);

#endif
