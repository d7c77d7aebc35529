/*
 * sqs.c: SQS over the AWS JSON 1.0 protocol (see sqs.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "awshttp.h"
#include "sqs.h"
#include "util.h"

#define JSON_TYPE	"application/x-amz-json-1.0"

struct sqs {
	struct awshttp	*http;
	char		*queue;
};

/* "sqs.REGION.amazonaws.com" in url: REGION (the caller frees), or NULL. */
static char *
url_region(const char *url)
{
	const char	*h, *e;

	if ((h = strstr(url, "://sqs.")) == NULL)
		return NULL;
	h += 7;
	if ((e = strchr(h, '.')) == NULL || e == h)
		return NULL;
	return xstrndup(h, (size_t)(e - h));
}

/* scheme://host[:port]/ of url (the caller frees), or NULL. */
static char *
url_origin(const char *url)
{
	const char	*h, *e;

	if ((h = strstr(url, "://")) == NULL)
		return NULL;
	e = strchr(h + 3, '/');
	if (e == NULL)
		e = url + strlen(url);
	return xasprintf("%.*s/", (int)(e - url), url);
}

struct sqs *
sqs_open(const char *queue, const char *region, const char *endpoint,
    struct buf *err)
{
	struct sqs	*q;
	char		*r = NULL, *url = NULL;

	if (queue == NULL ||
	    (strncmp(queue, "https://", 8) != 0 &&
		strncmp(queue, "http://", 7) != 0)) {
		buf_printf(err, "queue: \"%s\" is not an SQS queue URL",
		    queue != NULL ? queue : "");
		return NULL;
	}
	if (region == NULL || *region == '\0')
		region = r = url_region(queue);
	if (region == NULL) {
		buf_printf(err,
		    "queue: %s: no region in it; give --region "
		    "or set AWS_REGION",
		    queue);
		return NULL;
	}
	url = endpoint != NULL && *endpoint != '\0' ? xstrdup(endpoint) :
						      url_origin(queue);
	q = xcalloc(1, sizeof(*q));
	q->queue = xstrdup(queue);
	q->http = url != NULL ? awshttp_open(url, region, "sqs", err) : NULL;
	free(url);
	free(r);
	if (q->http == NULL) {
		if (err->len == 0)
			buf_printf(err, "queue: %s: not a URL", queue);
		sqs_close(q);
		return NULL;
	}
	return q;
}

void
sqs_close(struct sqs *q)
{
	if (q == NULL)
		return;
	awshttp_close(q->http);
	free(q->queue);
	free(q);
}

void
sqs_messages_free(struct sqs_message *m, size_t n)
{
	size_t	 i;

	for (i = 0; m != NULL && i < n; i++) {
		free(m[i].id);
		free(m[i].receipt);
		free(m[i].body);
	}
	free(m);
}

int
sqs_parse_receive(const char *json, size_t len, struct sqs_message **msgs,
    size_t *n, struct buf *err)
{
	json_error_t	 je;
	json_t		*j, *arr, *m;
	const char	*id, *rh, *body, *cnt;
	size_t		 i;

	*msgs = NULL;
	*n = 0;
	if ((j = json_loadb(json, len, 0, &je)) == NULL ||
	    !json_is_object(j)) {
		buf_printf(err, "sqs: reply is not a JSON object");
		json_decref(j);
		return -1;
	}
	arr = json_object_get(j, "Messages");
	if (arr != NULL && !json_is_array(arr)) {
		buf_puts(err, "sqs: Messages: not an array");
		json_decref(j);
		return -1;
	}
	*msgs = xcalloc(json_array_size(arr) + 1, sizeof(**msgs));
	json_array_foreach (arr, i, m) {
		id = json_string_value(json_object_get(m, "MessageId"));
		rh = json_string_value(json_object_get(m, "ReceiptHandle"));
		body = json_string_value(json_object_get(m, "Body"));
		if (id == NULL || rh == NULL || body == NULL) {
			buf_printf(err,
			    "sqs: message %zu: MessageId, "
			    "ReceiptHandle or Body missing",
			    i);
			sqs_messages_free(*msgs, *n);
			*msgs = NULL;
			*n = 0;
			json_decref(j);
			return -1;
		}
		cnt = json_string_value(
		    json_object_get(json_object_get(m, "Attributes"),
			"ApproximateReceiveCount"));
		(*msgs)[*n].id = xstrdup(id);
		(*msgs)[*n].receipt = xstrdup(rh);
		(*msgs)[*n].body = xstrdup(body);
		(*msgs)[(*n)++].receives = cnt != NULL ?
		    strtol(cnt, NULL, 10) :
		    0;
	}
	json_decref(j);
	return 0;
}

/* One call: the reply's JSON into reply when 200; 0 or -1 with err. */
static int
call(struct sqs *q, const struct aws_creds *c, const char *action, json_t *req,
    struct buf *reply, struct buf *err)
{
	struct buf	 body = BUF_INIT;
	char		*s, *target;
	long		 status;
	int		 rc = -1;

	if (json_object_set_new(req, "QueueUrl", json_string(q->queue)) ==
		-1 ||
	    (s = json_dumps(req, JSON_COMPACT)) == NULL) {
		buf_printf(err, "sqs %s: cannot build the request", action);
		return -1;
	}
	buf_puts(&body, s);
	free(s);
	target = xasprintf("AmazonSQS.%s", action);
	if (awshttp_post(q->http, c, JSON_TYPE, target, &body, &status, reply,
		err) == 0) {
		if (status == 200)
			rc = 0;
		else
			buf_printf(err, "sqs %s: HTTP %ld: %.200s", action,
			    status, buf_cstr(reply));
	}
	free(target);
	buf_free(&body);
	return rc;
}

int
sqs_receive(struct sqs *q, const struct aws_creds *c, int wait_s, int max,
    struct sqs_message **msgs, size_t *n, struct buf *err)
{
	struct buf	 reply = BUF_INIT;
	json_t		*req;
	int		 rc = -1;

	*msgs = NULL;
	*n = 0;
	req = json_pack("{s:i, s:i, s:[s], s:[s]}", "MaxNumberOfMessages", max,
	    "WaitTimeSeconds", wait_s, "AttributeNames",
	    "ApproximateReceiveCount", "MessageSystemAttributeNames",
	    "ApproximateReceiveCount");
	if (req == NULL)
		buf_puts(err, "sqs: cannot build the request");
	else if (call(q, c, "ReceiveMessage", req, &reply, err) == 0)
		rc = sqs_parse_receive(reply.data, reply.len, msgs, n, err);
	json_decref(req);
	buf_free(&reply);
	return rc;
}

int
sqs_delete(struct sqs *q, const struct aws_creds *c, const char *receipt,
    struct buf *err)
{
	struct buf	 reply = BUF_INIT;
	json_t		*req;
	int		 rc = -1;

	if ((req = json_pack("{s:s}", "ReceiptHandle", receipt)) == NULL)
		buf_puts(err, "sqs: cannot build the request");
	else
		rc = call(q, c, "DeleteMessage", req, &reply, err);
	json_decref(req);
	buf_free(&reply);
	return rc;
}
