/*
 * session.h: sessions, cookies, CSRF and authentication.
 *
 * A session is a random token: the database keeps only its hash.  The
 * API sends it as "Authorization: Bearer <token>", the pages as the
 * crewlog_session cookie.  Form posts and cookie-authenticated API writes
 * carry a CSRF token (field "csrf" or header X-CSRF-Token) equal to the
 * crewlog_csrf cookie; bearer requests are exempt, as a browser never
 * adds that header on its own.
 *
 * The sess_*() functions taking a ctx read the request and set cookies
 * on its response; the others are pure and exist so that the decisions
 * can be tested without a request.
 */
#ifndef CREWLOG_SESSION_H
#define CREWLOG_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "ctx.h"
#include "request.h"

#define SESS_COOKIE		"crewlog_session"
#define SESS_CSRF_COOKIE	"crewlog_csrf"

/* --- pure decisions ------------------------------------------------ */

/*
 * The session token a request presents: the bearer token of an
 * Authorization header (then *bearer is true), else the cookie's value;
 * NULL when there is none or it is not a well-formed token.
 */
const char	*sess_token(const char *authorization, const char *cookie,
		    bool *bearer);
/*
 * Whether a request must carry the CSRF token: not for GET, HEAD and
 * OPTIONS, bearer requests, or API requests without a session cookie.
 */
bool		 sess_csrf_needed(enum http_method, const char *path,
		    bool bearer, bool session_cookie);
/* Whether the token sent matches the csrf cookie (both present). */
bool		 sess_csrf_match(const char *cookie, const char *sent);
/*
 * Whether cookies get Secure: cookie_secure (1 yes, 0 no, -1 auto);
 * auto is yes except plain http from a loopback address.
 */
bool		 sess_cookie_secure(int cookie_secure, bool https,
		    const char *addr);

/* --- on the request ------------------------------------------------ */

/*
 * Finds the request's session and fills c->user (id 0: none).  Returns
 * a STORE_* code; no or an unknown session is STORE_OK.
 */
int		 sess_authenticate(struct ctx *);
/* True when the request may go on (see sess_csrf_needed()). */
bool		 sess_csrf_ok(struct ctx *);
/*
 * The CSRF token for a form: the cookie's, or a new one then set as a
 * cookie.  Valid until ctx_free().
 */
const char	*sess_csrf_token(struct ctx *);
/*
 * Starts a session for user: token receives the new token, whose hash
 * is stored; pages get it as a cookie and their previous session ends
 * (rotation).  Returns a STORE_* code.
 */
int		 sess_login(struct ctx *, int64_t user,
		    char token[AUTH_TOKEN_LEN + 1]);
/* Ends the request's session and clears its cookie; a STORE_* code. */
int		 sess_logout(struct ctx *);

#endif
