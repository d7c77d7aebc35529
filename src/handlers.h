/*
 * handlers.h: the app's request handlers and what they share.
 *
 * One handler serves a resource for both the JSON API and the pages: it
 * validates, calls the store, builds one json_t view-model and passes it
 * to reply_send(), which answers JSON or renders the page template from
 * the same object.  Handlers are named h_<resource>_<verb>; each lives in
 * src/handlers/<resource>.c and is called by app_handle() only.
 */
#ifndef CREWLOG_HANDLERS_H
#define CREWLOG_HANDLERS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "board_cache.h"
#include "ctx.h"
#include "fields.h"
#include "jv.h"
#include "reply.h"
#include "session.h"
#include "store.h"

/*
 * A handler sees one struct ctx and calls only downwards: ctx.h to read
 * the request, reply.h to answer, session.h, board_cache.h and store.h
 * for the rest, jv.h and fields.h to build and check values.
 */

/* --- src/handlers/: one file per resource ---------------------- */

void	 h_home_get(struct ctx *);
void	 h_signup_form(struct ctx *);
void	 h_users_create(struct ctx *);
void	 h_login_form(struct ctx *);
void	 h_sessions_create(struct ctx *);
void	 h_sessions_delete(struct ctx *);
void	 h_me_get(struct ctx *);
void	 h_hours_list(struct ctx *);
void	 h_hours_create(struct ctx *);
void	 h_hours_get(struct ctx *);
void	 h_hours_update(struct ctx *);
void	 h_hours_delete(struct ctx *);
void	 h_board_get(struct ctx *);

#endif
