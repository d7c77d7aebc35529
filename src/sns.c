/*
 * sns.c: SNS Publish (see sns.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "sigv4.h"
#include "sns.h"
#include "util.h"

#define MAX_REPLY	65536
#define FORM_TYPE	"application/x-www-form-urlencoded; charset=utf-8"

struct sns {
	CURL	*cu;
	char	*topic;
	char	*region;
	char	*url;		/* the endpoint, as given or derived */
	char	*host;		/* Host header: host[:port] */
	char	*path;		/* signed path */
	bool	 fifo;
};

/* The ARN's fields 3 (region) and 5 (name); -1 if it is not an SNS ARN. */
static int
parse_arn(const char *arn, char **region, char **name)
{
	const char	*f[6];
	const char	*p = arn;
	int		 i;

	if (strncmp(arn, "arn:", 4) != 0)
		return -1;
	for (i = 0; i < 6; i++) {
		f[i] = p;
		if (i < 5 && (p = strchr(p, ':')) == NULL)
			return -1;
		if (i < 5)
			p++;
	}
	if (strncmp(f[2], "sns:", 4) != 0 || f[3] == f[4] - 1 ||
	    *f[5] == '\0' || strchr(f[5], ':') != NULL)
		return -1;
	*region = xstrndup(f[3], (size_t)(f[4] - f[3] - 1));
	*name = xstrdup(f[5]);
	return 0;
}

/* Host header and path from s->url, with libcurl's URL parser. */
static int
split_url(struct sns *s, struct buf *err)
{
	CURLU	*u;
	char	*host = NULL, *port = NULL, *path = NULL, *scheme = NULL;
	int	 rc = -1;

	if ((u = curl_url()) == NULL ||
	    curl_url_set(u, CURLUPART_URL, s->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		buf_printf(err, "sns endpoint: %s: not a URL", s->url);
		goto out;
	}
	if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
		buf_printf(err, "sns endpoint: %s: not http(s)", s->url);
		goto out;
	}
	/* Only a port given explicitly is part of Host. */
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
		s->host = xasprintf("%s:%s", host, port);
	else
		s->host = xstrdup(host);
	s->path = xstrdup(path);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
}

struct sns *
sns_open(const char *topic, const char *region, const char *endpoint,
    struct buf *err)
{
	struct sns	*s;
	char		*arn_region = NULL, *name = NULL;
	size_t		 nl;

	if (topic == NULL || parse_arn(topic, &arn_region, &name) == -1) {
		buf_printf(err, "topic: \"%s\" is not an SNS topic ARN "
		    "(arn:aws:sns:REGION:ACCOUNT:NAME)", topic ? topic : "");
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->topic = xstrdup(topic);
	s->region = xstrdup(region != NULL && *region != '\0' ? region :
	    arn_region);
	nl = strlen(name);
	s->fifo = nl > 5 && strcmp(name + nl - 5, ".fifo") == 0;
	s->url = endpoint != NULL && *endpoint != '\0' ? xstrdup(endpoint) :
	    xasprintf("https://sns.%s.amazonaws.com/", s->region);
	free(arn_region);
	free(name);
	if (split_url(s, err) == -1 || (s->cu = curl_easy_init()) == NULL) {
		if (err->len == 0)
			buf_puts(err, "sns: curl_easy_init failed");
		sns_close(s);
		return NULL;
	}
	return s;
}

void
sns_close(struct sns *s)
{
	if (s == NULL)
		return;
	if (s->cu != NULL)
		curl_easy_cleanup(s->cu);
	free(s->topic);
	free(s->region);
	free(s->url);
	free(s->host);
	free(s->path);
	free(s);
}

bool
sns_fifo(const struct sns *s)
{
	return s->fifo;
}

static void
form_param(struct buf *b, const char *k, const char *v)
{
	buf_printf(b, "%s%s=", b->len > 0 ? "&" : "", k);
	sigv4_uri_encode(b, v, strlen(v), false);
}

/* The Publish form body. */
static void
publish_form(const struct sns *s, const struct sns_message *m,
    struct buf *b)
{
	form_param(b, "Action", "Publish");
	form_param(b, "Version", "2010-03-31");
	form_param(b, "TopicArn", s->topic);
	form_param(b, "Message", m->body);
	form_param(b, "MessageAttributes.entry.1.Name", "dedup_id");
	form_param(b, "MessageAttributes.entry.1.Value.DataType", "String");
	form_param(b, "MessageAttributes.entry.1.Value.StringValue",
	    m->dedup_id);
	form_param(b, "MessageAttributes.entry.2.Name", "type");
	form_param(b, "MessageAttributes.entry.2.Value.DataType", "String");
	form_param(b, "MessageAttributes.entry.2.Value.StringValue", m->type);
	if (s->fifo) {
		form_param(b, "MessageGroupId", m->group);
		form_param(b, "MessageDeduplicationId", m->dedup_id);
	}
}

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	if (b->len + size * n > MAX_REPLY)
		return 0;
	buf_append(b, p, size * n);
	return size * n;
}

/* The signed request's headers for libcurl; NULL with err set. */
static struct curl_slist *
signed_headers(const struct sns *s, const struct aws_creds *c,
    const struct buf *form, struct buf *err)
{
	struct sigv4_header	 h[4];
	struct sigv4_request	 r;
	struct sigv4_key	 k = { c->access_key, c->secret_key,
				    s->region, "sns" };
	struct sigv4_out	 o;
	struct curl_slist	*l = NULL;
	char			 date[SIGV4_DATE_LEN + 1], *line;
	size_t			 n = 0, i;

	if (sigv4_amz_date(time(NULL), date) == -1) {
		buf_puts(err, "sns: no UTC time");
		return NULL;
	}
	h[n++] = (struct sigv4_header){ "Host", s->host };
	h[n++] = (struct sigv4_header){ "Content-Type", FORM_TYPE };
	h[n++] = (struct sigv4_header){ "X-Amz-Date", date };
	if (c->token != NULL)
		h[n++] = (struct sigv4_header){ "X-Amz-Security-Token",
		    c->token };
	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.path = s->path;
	r.headers = h;
	r.nheaders = n;
	r.body = form->data;
	r.body_len = form->len;
	if (sigv4_sign(&r, &k, date, &o) == -1) {
		sigv4_out_free(&o);
		buf_puts(err, "sns: signing failed");
		return NULL;
	}
	/* Host is libcurl's to send: it derives the same value. */
	for (i = 1; i < n; i++) {
		line = xasprintf("%s: %s", h[i].name, h[i].value);
		l = curl_slist_append(l, line);
		free(line);
	}
	line = xasprintf("Authorization: %s", buf_cstr(&o.authorization));
	l = curl_slist_append(l, line);
	free(line);
	sigv4_out_free(&o);
	return l;
}

int
sns_publish(struct sns *s, const struct aws_creds *c,
    const struct sns_message *m, struct buf *err)
{
	struct buf		 form = BUF_INIT, reply = BUF_INIT;
	struct curl_slist	*h = NULL;
	CURLcode		 rc;
	long			 status = 0;
	int			 ret = -1;

	publish_form(s, m, &form);
	if ((h = signed_headers(s, c, &form, err)) == NULL)
		goto out;
	curl_easy_reset(s->cu);
	if (curl_easy_setopt(s->cu, CURLOPT_URL, s->url) != CURLE_OK ||
	    curl_easy_setopt(s->cu, CURLOPT_HTTPHEADER, h) != CURLE_OK ||
	    curl_easy_setopt(s->cu, CURLOPT_POSTFIELDS, form.data) !=
	    CURLE_OK ||
	    curl_easy_setopt(s->cu, CURLOPT_POSTFIELDSIZE, (long)form.len) !=
	    CURLE_OK ||
	    curl_easy_setopt(s->cu, CURLOPT_TIMEOUT, 10L) != CURLE_OK ||
	    curl_easy_setopt(s->cu, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(s->cu, CURLOPT_WRITEFUNCTION, collect) !=
	    CURLE_OK ||
	    curl_easy_setopt(s->cu, CURLOPT_WRITEDATA, &reply) != CURLE_OK) {
		buf_puts(err, "sns: curl_easy_setopt failed");
		goto out;
	}
	if ((rc = curl_easy_perform(s->cu)) != CURLE_OK) {
		buf_printf(err, "sns: %s: %s", s->url, curl_easy_strerror(rc));
		goto out;
	}
	(void)curl_easy_getinfo(s->cu, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		/* The reply is AWS's XML error: its first bytes say why. */
		buf_printf(err, "sns: HTTP %ld: %.200s", status,
		    reply.len > 0 ? buf_cstr(&reply) : "");
		goto out;
	}
	ret = 0;
out:
	curl_slist_free_all(h);
	buf_free(&form);
	buf_free(&reply);
	return ret;
}
