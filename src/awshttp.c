/*
 * awshttp.c: signed POSTs to one AWS endpoint (see awshttp.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "awshttp.h"
#include "sigv4.h"
#include "util.h"

#define MAX_REPLY	65536
#define TIMEOUT_S	30L	/* above SQS's longest poll, 20 s */

struct awshttp {
	CURL	*cu;
	char	*url;		/* as given */
	char	*host;		/* Host header: host[:port] */
	char	*path;		/* signed path */
	char	*region;
	char	*service;
};

/* Host header and path from e->url, with libcurl's URL parser. */
static int
split_url(struct awshttp *e, struct buf *err)
{
	CURLU	*u;
	char	*host = NULL, *port = NULL, *path = NULL, *scheme = NULL;
	int	 rc = -1;

	if ((u = curl_url()) == NULL ||
	    curl_url_set(u, CURLUPART_URL, e->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		buf_printf(err, "%s endpoint: %s: not a URL", e->service,
		    e->url);
		goto out;
	}
	if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
		buf_printf(err, "%s endpoint: %s: not http(s)", e->service,
		    e->url);
		goto out;
	}
	/* Only a port given explicitly is part of Host. */
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
		e->host = xasprintf("%s:%s", host, port);
	else
		e->host = xstrdup(host);
	e->path = xstrdup(path);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
}

struct awshttp *
awshttp_open(const char *url, const char *region, const char *service,
    struct buf *err)
{
	struct awshttp	*e;

	e = xcalloc(1, sizeof(*e));
	e->url = xstrdup(url);
	e->region = xstrdup(region);
	e->service = xstrdup(service);
	if (split_url(e, err) == -1 || (e->cu = curl_easy_init()) == NULL) {
		if (err->len == 0)
			buf_printf(err, "%s: curl_easy_init failed", service);
		awshttp_close(e);
		return NULL;
	}
	return e;
}

void
awshttp_close(struct awshttp *e)
{
	if (e == NULL)
		return;
	if (e->cu != NULL)
		curl_easy_cleanup(e->cu);
	free(e->url);
	free(e->host);
	free(e->path);
	free(e->region);
	free(e->service);
	free(e);
}

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	if (b->len + size * n > MAX_REPLY)
		return 0;	/* libcurl fails the transfer */
	buf_append(b, p, size * n);
	return size * n;
}

static struct curl_slist *
add_header(struct curl_slist *l, const char *name, const char *value)
{
	char	*line = xasprintf("%s: %s", name, value);

	l = curl_slist_append(l, line);
	free(line);
	return l;
}

/* The signed request's headers for libcurl; NULL with err set. */
static struct curl_slist *
signed_headers(const struct awshttp *e, const struct aws_creds *c,
    const char *ctype, const char *target, const struct buf *body,
    struct buf *err)
{
	struct sigv4_header	 h[5];
	struct sigv4_request	 r;
	struct sigv4_key k = { c->access_key, c->secret_key, e->region,
		e->service };
	struct sigv4_out	 o;
	struct curl_slist	*l = NULL;
	char			 date[SIGV4_DATE_LEN + 1];
	size_t			 n = 0, i;

	if (sigv4_amz_date(time(NULL), date) == -1) {
		buf_printf(err, "%s: no UTC time", e->service);
		return NULL;
	}
	h[n++] = (struct sigv4_header){ "Host", e->host };
	h[n++] = (struct sigv4_header){ "Content-Type", ctype };
	h[n++] = (struct sigv4_header){ "X-Amz-Date", date };
	if (target != NULL)
		h[n++] = (struct sigv4_header){ "X-Amz-Target", target };
	if (c->token != NULL)
		h[n++] = (struct sigv4_header){ "X-Amz-Security-Token",
			c->token };
	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.path = e->path;
	r.headers = h;
	r.nheaders = n;
	r.body = body->data;
	r.body_len = body->len;
	if (sigv4_sign(&r, &k, date, &o) == -1) {
		sigv4_out_free(&o);
		buf_printf(err, "%s: signing failed", e->service);
		return NULL;
	}
	/* Host is libcurl's to send: it derives the same value. */
	for (i = 1; i < n; i++)
		l = add_header(l, h[i].name, h[i].value);
	l = add_header(l, "Authorization", buf_cstr(&o.authorization));
	sigv4_out_free(&o);
	return l;
}

int
awshttp_post(struct awshttp *e, const struct aws_creds *c, const char *ctype,
    const char *target, const struct buf *body, long *status,
    struct buf *reply, struct buf *err)
{
	struct curl_slist	*h;
	CURLcode		 rc;
	int			 ret = -1;

	*status = 0;
	if ((h = signed_headers(e, c, ctype, target, body, err)) == NULL)
		return -1;
	curl_easy_reset(e->cu);
	if (curl_easy_setopt(e->cu, CURLOPT_URL, e->url) != CURLE_OK ||
	    curl_easy_setopt(e->cu, CURLOPT_HTTPHEADER, h) != CURLE_OK ||
	    curl_easy_setopt(e->cu, CURLOPT_POSTFIELDS,
		body->data != NULL ? body->data : "") != CURLE_OK ||
	    curl_easy_setopt(e->cu, CURLOPT_POSTFIELDSIZE, (long)body->len) !=
		CURLE_OK ||
	    curl_easy_setopt(e->cu, CURLOPT_TIMEOUT, TIMEOUT_S) != CURLE_OK ||
	    curl_easy_setopt(e->cu, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(e->cu, CURLOPT_WRITEFUNCTION, collect) !=
		CURLE_OK ||
	    curl_easy_setopt(e->cu, CURLOPT_WRITEDATA, reply) != CURLE_OK) {
		buf_printf(err, "%s: curl_easy_setopt failed", e->service);
		goto out;
	}
	if ((rc = curl_easy_perform(e->cu)) != CURLE_OK) {
		buf_printf(err, "%s: %s: %s", e->service, e->url,
		    curl_easy_strerror(rc));
		goto out;
	}
	(void)curl_easy_getinfo(e->cu, CURLINFO_RESPONSE_CODE, status);
	ret = 0;
out:
	curl_slist_free_all(h);
	return ret;
}
