/*
 * awshttp.h: one AWS service endpoint over HTTPS, requests signed with
 * SigV4 (sigv4.h).  One libcurl handle per endpoint, so the connection
 * is kept alive between requests.  The struct owns its strings and
 * handle until awshttp_close(); callers own every buffer they pass.
 */
#ifndef CREWLOG_AWSHTTP_H
#define CREWLOG_AWSHTTP_H

#include "awscreds.h"
#include "buf.h"

struct awshttp;

/*
 * url: the endpoint (https://sns.eu-west-1.amazonaws.com/, or a test's
 * http://127.0.0.1:port/); service: the SigV4 service name ("sns").
 * NULL with err naming what is wrong.
 */
struct awshttp	*awshttp_open(const char *url, const char *region,
		    const char *service, struct buf *err);
void		 awshttp_close(struct awshttp *);

/*
 * POSTs body (content_type; with X-Amz-Target: target unless NULL),
 * signed with c.  0 when a response came, whatever its status (*status,
 * body appended to reply, at most 64 KiB); -1 with err set when none did.
 */
int	 awshttp_post(struct awshttp *, const struct aws_creds *c,
	    const char *content_type, const char *target,
	    const struct buf *body, long *status, struct buf *reply,
	    struct buf *err);

#endif
