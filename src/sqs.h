/*
 * sqs.h: Amazon SQS ReceiveMessage and DeleteMessage (AWS JSON 1.0
 * protocol), signed with SigV4 through awshttp.h.
 *
 * A message not deleted comes back after the queue's visibility timeout;
 * after the queue's redrive policy's maxReceiveCount receives, SQS moves
 * it to the dead-letter queue.  Messages returned are the caller's, freed
 * with sqs_messages_free().
 */
#ifndef CREWLOG_SQS_H
#define CREWLOG_SQS_H

#include <stddef.h>

#include "awscreds.h"
#include "buf.h"

struct sqs;

struct sqs_message {
	char	*id;
	char	*receipt;	/* what DeleteMessage needs */
	char	*body;
	long	 receives;	/* ApproximateReceiveCount; 0 if absent */
};

/*
 * queue_url: https://sqs.REGION.amazonaws.com/ACCOUNT/NAME.  region NULL:
 * the URL's; endpoint NULL: the URL's origin.  NULL with err set.
 */
struct sqs	*sqs_open(const char *queue_url, const char *region,
		    const char *endpoint, struct buf *err);
void		 sqs_close(struct sqs *);

/* Up to max messages, waiting up to wait_s for one; 0 or -1 with err. */
int	 sqs_receive(struct sqs *, const struct aws_creds *, int wait_s,
	    int max, struct sqs_message **msgs, size_t *n, struct buf *err);
int	 sqs_delete(struct sqs *, const struct aws_creds *,
	    const char *receipt, struct buf *err);
void	 sqs_messages_free(struct sqs_message *, size_t n);

/* A ReceiveMessage reply into *msgs (network input: fuzzed). */
int	 sqs_parse_receive(const char *json, size_t len,
	    struct sqs_message **msgs, size_t *n, struct buf *err);

#endif
