/*
 * session.c: sessions, cookies, CSRF and authentication; see session.h.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "session.h"

/* --------------------------------------------------------------------
 * Pure decisions
 */

const char *
sess_token(const char *authorization, const char *cookie, bool *bearer)
{
	const char	*tok;

	*bearer = false;
	if (authorization != NULL &&
	    strncasecmp(authorization, "Bearer ", 7) == 0) {
		tok = authorization + 7;
		*bearer = true;
	} else
		tok = cookie;
	return tok != NULL && auth_token_syntax(tok) ? tok : NULL;
}

bool
sess_csrf_needed(enum http_method m, const char *path, bool bearer,
    bool session_cookie)
{
	if (m == HTTP_GET || m == HTTP_HEAD || m == HTTP_OPTIONS || bearer)
		return false;
	if (path != NULL && strncmp(path, "/api/", 5) == 0 && !session_cookie)
		return false;
	return true;
}

bool
sess_csrf_match(const char *cookie, const char *sent)
{
	return cookie != NULL && sent != NULL && auth_token_syntax(cookie) &&
	    auth_equal(cookie, sent);
}

bool
sess_cookie_secure(int cookie_secure, bool https, const char *addr)
{
	if (cookie_secure >= 0)
		return cookie_secure == 1;
	if (https)
		return true;
	return !(addr != NULL &&
	    (strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0));
}

/* --------------------------------------------------------------------
 * On the request
 */

static void
set_cookie(struct ctx *c, const char *name, const char *val, long max_age)
{
	struct cookie_opts	 o;

	memset(&o, 0, sizeof(o));
	o.max_age = max_age;
	o.secure = sess_cookie_secure(c->env->conf->cookie_secure,
	    c->req->https, c->req->remote_addr);
	o.http_only = true;
	o.same_site = SAMESITE_LAX;
	o.path = "/";
	if (resp_cookie(c->resp, name, val, &o) == -1)
		log_error("cannot set cookie %s", name);
}

int
sess_authenticate(struct ctx *c)
{
	const char	*tok;
	int		 rc;

	tok = sess_token(req_header(c->req, "authorization"),
	    kv_get(&c->req->cookies, SESS_COOKIE), &c->bearer);
	if (tok == NULL)
		return STORE_OK;
	auth_token_hash(tok, c->session_hash);
	rc = store_session_get(c->env->st, c->session_hash, &c->user);
	if (rc == STORE_NOTFOUND) {
		c->session_hash[0] = '\0';
		return STORE_OK;
	}
	return rc;
}

bool
sess_csrf_ok(struct ctx *c)
{
	const char	*sent;

	if (!sess_csrf_needed(c->req->method, c->req->path, c->bearer,
		kv_get(&c->req->cookies, SESS_COOKIE) != NULL))
		return true;
	if ((sent = kv_get(&c->req->form, "csrf")) == NULL)
		sent = req_header(c->req, "x-csrf-token");
	return sess_csrf_match(kv_get(&c->req->cookies, SESS_CSRF_COOKIE),
	    sent);
}

const char *
sess_csrf_token(struct ctx *c)
{
	const char	*ck;

	if (c->csrf[0] != '\0')
		return c->csrf;
	ck = kv_get(&c->req->cookies, SESS_CSRF_COOKIE);
	if (ck != NULL && auth_token_syntax(ck))
		snprintf(c->csrf, sizeof(c->csrf), "%s", ck);
	else {
		auth_new_token(c->csrf);
		set_cookie(c, SESS_CSRF_COOKIE, c->csrf, -1);
	}
	return c->csrf;
}

int
sess_login(struct ctx *c, int64_t user, char token[AUTH_TOKEN_LEN + 1])
{
	const struct pool_config	*pc = c->env->conf;
	char				 h[AUTH_HASH_HEX_LEN + 1];
	int				 rc;

	auth_new_token(token);
	auth_token_hash(token, h);
	if ((rc = store_session_create(c->env->st, h, user,
		 pc->session_ttl)) != STORE_OK)
		return rc;
	if (!ctx_json(c)) {
		/* Rotation: the session the browser had before is over. */
		if (c->session_hash[0] != '\0')
			(void)store_session_delete(c->env->st,
			    c->session_hash);
		set_cookie(c, SESS_COOKIE, token, (long)pc->session_ttl);
	}
	snprintf(c->session_hash, sizeof(c->session_hash), "%s", h);
	return STORE_OK;
}

int
sess_logout(struct ctx *c)
{
	int	 rc = STORE_OK;

	if (c->session_hash[0] != '\0')
		rc = store_session_delete(c->env->st, c->session_hash);
	if (!c->bearer && kv_get(&c->req->cookies, SESS_COOKIE) != NULL)
		set_cookie(c, SESS_COOKIE, "", 0);
	return rc;
}
