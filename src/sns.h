/*
 * sns.h: Amazon SNS Publish over HTTPS, signed with SigV4 (sigv4.h).
 *
 * One libcurl handle per struct sns, so the connection is kept alive
 * across publishes.  The endpoint defaults to https://sns.REGION
 * .amazonaws.com/ and may be overridden (AWS_ENDPOINT_URL_SNS, tests).
 * For a FIFO topic (name ending in .fifo) each message carries
 * MessageGroupId and MessageDeduplicationId.
 */
#ifndef CREWLOG_SNS_H
#define CREWLOG_SNS_H

#include <stdbool.h>

#include "awscreds.h"
#include "buf.h"

struct sns;

struct sns_message {
	const char	*body;		/* the Message */
	const char	*group;		/* MessageGroupId (FIFO only) */
	const char	*dedup_id;	/* MessageDeduplicationId; attribute */
	const char	*type;		/* the "type" message attribute */
};

/*
 * topic_arn: arn:aws:sns:REGION:ACCOUNT:NAME; region NULL: the ARN's;
 * endpoint NULL: AWS's.  NULL with err naming what is wrong.
 */
struct sns	*sns_open(const char *topic_arn, const char *region,
		    const char *endpoint, struct buf *err);
void		 sns_close(struct sns *);
bool		 sns_fifo(const struct sns *);

/* Publishes m; 0 (HTTP 200), or -1 with err saying why (retry). */
int	 sns_publish(struct sns *, const struct aws_creds *,
	    const struct sns_message *m, struct buf *err);

#endif
