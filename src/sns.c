/*
 * sns.c: SNS Publish (see sns.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "awshttp.h"
#include "sigv4.h"
#include "sns.h"
#include "util.h"

#define FORM_TYPE	"application/x-www-form-urlencoded; charset=utf-8"

struct sns {
	struct awshttp	*http;
	char		*topic;
	bool		 fifo;
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

struct sns *
sns_open(const char *topic, const char *region, const char *endpoint,
    struct buf *err)
{
	struct sns	*s;
	char		*arn_region = NULL, *name = NULL, *url;
	size_t		 nl;

	if (topic == NULL || parse_arn(topic, &arn_region, &name) == -1) {
		buf_printf(err,
		    "topic: \"%s\" is not an SNS topic ARN "
		    "(arn:aws:sns:REGION:ACCOUNT:NAME)",
		    topic ? topic : "");
		return NULL;
	}
	if (region == NULL || *region == '\0')
		region = arn_region;
	s = xcalloc(1, sizeof(*s));
	s->topic = xstrdup(topic);
	nl = strlen(name);
	s->fifo = nl > 5 && strcmp(name + nl - 5, ".fifo") == 0;
	url = endpoint != NULL && *endpoint != '\0' ?
	    xstrdup(endpoint) :
	    xasprintf("https://sns.%s.amazonaws.com/", region);
	s->http = awshttp_open(url, region, "sns", err);
	free(url);
	free(arn_region);
	free(name);
	if (s->http == NULL) {
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
	awshttp_close(s->http);
	free(s->topic);
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
publish_form(const struct sns *s, const struct sns_message *m, struct buf *b)
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

int
sns_publish(struct sns *s, const struct aws_creds *c,
    const struct sns_message *m, struct buf *err)
{
	struct buf	 form = BUF_INIT, reply = BUF_INIT;
	long		 status;
	int		 ret = -1;

	publish_form(s, m, &form);
	if (awshttp_post(s->http, c, FORM_TYPE, NULL, &form, &status, &reply,
		err) == -1)
		goto out;
	if (status != 200) {
		/* The reply is AWS's XML error: its first bytes say why. */
		buf_printf(err, "sns: HTTP %ld: %.200s", status,
		    reply.len > 0 ? buf_cstr(&reply) : "");
		goto out;
	}
	ret = 0;
out:
	buf_free(&form);
	buf_free(&reply);
	return ret;
}
