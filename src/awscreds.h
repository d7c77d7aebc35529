/*
 * awscreds.h: AWS credentials the way the SDKs find them, first match:
 *   1. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN);
 *   2. the ECS task role: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on
 *      http://169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI, with
 *      AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE) as Authorization.
 * Task-role credentials expire: awscreds_get() refetches them five
 * minutes before Expiration.  struct aws_creds owns its strings; free
 * them with awscreds_clear().
 */
#ifndef CREWLOG_AWSCREDS_H
#define CREWLOG_AWSCREDS_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

struct aws_creds {
	char	*access_key;
	char	*secret_key;
	char	*token;		/* NULL: long-term keys */
	time_t	 expires;	/* 0: never */
};

/* Fills c (if empty or expiring); 0, or -1 with err set. */
int	 awscreds_get(struct aws_creds *c, struct buf *err);
/*
 * The ECS endpoint's JSON (AccessKeyId, SecretAccessKey, Token,
 * Expiration) into c, replacing what it held; 0, or -1 with err naming
 * the missing or bad field (c then unchanged).  Network input: fuzzed.
 */
int	 awscreds_parse(const char *json, size_t len, struct aws_creds *c,
	    struct buf *err);
void	 awscreds_clear(struct aws_creds *c);

#endif
