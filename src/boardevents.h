/*
 * boardevents.h: crewlog board-events, the board task's SQS consumer.
 *
 *   crewlog board-events [-c file | --gen-file path] [--queue-url url]
 *       [--region r] [--endpoint url] [--wait s] [--once]
 *
 * Receives the hour events the relay published to SNS from an SQS queue
 * subscribed to the topic, and for each one drops the cache of every
 * board worker of this task (boardgen.h), then deletes the message.  A
 * message that is not a crewlog event is left alone: SQS hands it out
 * again after the visibility timeout and, after the queue's
 * maxReceiveCount, moves it to the dead-letter queue.
 */
#ifndef CREWLOG_BOARDEVENTS_H
#define CREWLOG_BOARDEVENTS_H

#include <stddef.h>

#include "buf.h"

/* argv[0] is "board-events"; the exit status (0, 1, 2 usage). */
int	 boardevents_main(int argc, char **argv);

/*
 * A message body as SQS gives it (an SNS notification envelope, or the
 * event itself with raw delivery): 0 if it holds a crewlog hour event,
 * its type copied into type (size tsz); else -1 with err saying why.
 * Network input: fuzzed.
 */
int	 boardevents_parse(const char *body, size_t len, char *type,
	    size_t tsz, struct buf *err);

#endif
