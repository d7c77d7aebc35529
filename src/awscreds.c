/*
 * awscreds.c: AWS credentials from the environment or the ECS task-role
 * endpoint (see awscreds.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "awscreds.h"
#include "util.h"

#define ECS_HOST	"http://169.254.170.2"
#define REFRESH_S	300	/* refetch this long before Expiration */
#define MAX_BODY	65536

void
awscreds_clear(struct aws_creds *c)
{
	if (c->secret_key != NULL)
		memset(c->secret_key, 0, strlen(c->secret_key));
	free(c->access_key);
	free(c->secret_key);
	free(c->token);
	memset(c, 0, sizeof(*c));
}

/* "2017-01-01T00:00:00Z" as a time_t; -1 if it is not that shape. */
static time_t
parse_time(const char *s)
{
	struct tm	 tm;
	const char	*end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL || (*end != 'Z' && *end != '+' && *end != '.'))
		return -1;
	return timegm(&tm);
}

int
awscreds_parse(const char *json, size_t len, struct aws_creds *c,
    struct buf *err)
{
	static const char *const need[] = { "AccessKeyId", "SecretAccessKey",
		"Token", "Expiration" };
	const char	*v[4];
	json_error_t	 je;
	json_t		*j;
	time_t		 exp;
	size_t		 i;

	if ((j = json_loadb(json, len, 0, &je)) == NULL ||
	    !json_is_object(j)) {
		buf_printf(err, "credentials: not a JSON object: %s",
		    j == NULL ? je.text : "wrong type");
		json_decref(j);
		return -1;
	}
	for (i = 0; i < 4; i++) {
		v[i] = json_string_value(json_object_get(j, need[i]));
		if (v[i] == NULL || *v[i] == '\0') {
			buf_printf(err,
			    "credentials: %s: missing or not a "
			    "string",
			    need[i]);
			json_decref(j);
			return -1;
		}
	}
	if ((exp = parse_time(v[3])) == -1) {
		buf_printf(err, "credentials: Expiration: not a time");
		json_decref(j);
		return -1;
	}
	awscreds_clear(c);
	c->access_key = xstrdup(v[0]);
	c->secret_key = xstrdup(v[1]);
	c->token = xstrdup(v[2]);
	c->expires = exp;
	json_decref(j);
	return 0;
}

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	if (b->len + size * n > MAX_BODY)
		return 0;	/* libcurl fails the transfer */
	buf_append(b, p, size * n);
	return size * n;
}

/* The Authorization value for the endpoint, if any; the caller frees. */
static char *
ecs_token(struct buf *err)
{
	const char	*t, *path;
	char		 line[4096];
	FILE		*f;

	if ((t = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")) != NULL)
		return xstrdup(t);
	if ((path = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) == NULL)
		return NULL;
	if ((f = fopen(path, "r")) == NULL ||
	    fgets(line, sizeof(line), f) == NULL) {
		buf_printf(err,
		    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: %s: "
		    "cannot read",
		    path);
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	return xstrdup(line);
}

/* GET url (with the token, if one) into c; 0 or -1 with err set. */
static int
fetch_ecs(const char *url, struct aws_creds *c, struct buf *err)
{
	struct curl_slist	*h = NULL;
	struct buf		 body = BUF_INIT;
	char			*tok, *auth = NULL;
	CURL			*cu;
	CURLcode		 rc;
	long			 status = 0;
	int			 ret = -1;

	tok = ecs_token(err);
	if (tok == NULL && err->len > 0)
		return -1;
	if ((cu = curl_easy_init()) == NULL) {
		buf_puts(err, "credentials: curl_easy_init failed");
		goto out;
	}
	if (tok != NULL) {
		auth = xasprintf("Authorization: %s", tok);
		h = curl_slist_append(h, auth);
	}
	if (curl_easy_setopt(cu, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(cu, CURLOPT_HTTPHEADER, h) != CURLE_OK ||
	    curl_easy_setopt(cu, CURLOPT_TIMEOUT, 5L) != CURLE_OK ||
	    curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, collect) != CURLE_OK ||
	    curl_easy_setopt(cu, CURLOPT_WRITEDATA, &body) != CURLE_OK) {
		buf_puts(err, "credentials: curl_easy_setopt failed");
		goto out;
	}
	if ((rc = curl_easy_perform(cu)) != CURLE_OK) {
		buf_printf(err, "credentials: %s: %s", url,
		    curl_easy_strerror(rc));
		goto out;
	}
	(void)curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		buf_printf(err, "credentials: %s: HTTP %ld", url, status);
		goto out;
	}
	ret = awscreds_parse(body.data, body.len, c, err);
out:
	if (cu != NULL)
		curl_easy_cleanup(cu);
	curl_slist_free_all(h);
	if (tok != NULL)
		memset(tok, 0, strlen(tok));
	free(tok);
	free(auth);
	buf_free(&body);
	return ret;
}

int
awscreds_get(struct aws_creds *c, struct buf *err)
{
	const char	*ak, *sk, *tok, *rel, *full;
	char		*url;
	int		 rc;

	if (c->access_key != NULL &&
	    (c->expires == 0 || time(NULL) < c->expires - REFRESH_S))
		return 0;
	ak = getenv("AWS_ACCESS_KEY_ID");
	sk = getenv("AWS_SECRET_ACCESS_KEY");
	if (ak != NULL && *ak != '\0' && sk != NULL && *sk != '\0') {
		awscreds_clear(c);
		c->access_key = xstrdup(ak);
		c->secret_key = xstrdup(sk);
		tok = getenv("AWS_SESSION_TOKEN");
		c->token = tok != NULL && *tok != '\0' ? xstrdup(tok) : NULL;
		return 0;
	}
	rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	if (rel != NULL && *rel != '\0')
		url = xasprintf("%s%s", ECS_HOST, rel);
	else if (full != NULL && *full != '\0')
		url = xstrdup(full);
	else {
		buf_puts(err,
		    "no AWS credentials: set AWS_ACCESS_KEY_ID and "
		    "AWS_SECRET_ACCESS_KEY, or run with an ECS task role");
		return -1;
	}
	rc = fetch_ecs(url, c, err);
	free(url);
	return rc;
}
