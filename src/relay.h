/*
 * relay.h: crewlog relay, the outbox publisher (its own small task).
 *
 *   crewlog relay [-c file | --database url] [--topic-arn arn]
 *       [--region r] [--endpoint url] [--batch n] [--poll ms]
 *       [--keep seconds] [--once]
 *
 * Publishes unsent outbox rows to SNS in id order, one at a time, and
 * marks each sent after SNS accepted it; a publish that fails is retried
 * (same event, backoff to 30 s) before any later one, so order holds.  A
 * relay killed between the publish and the mark publishes that event
 * again on restart, with the same dedup_id: at-least-once.
 */
#ifndef CREWLOG_RELAY_H
#define CREWLOG_RELAY_H

/* argv[0] is "relay"; returns the exit status (0, 1 failure, 2 usage). */
int	 relay_main(int argc, char **argv);

#endif
