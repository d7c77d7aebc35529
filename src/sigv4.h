/*
 * sigv4.h: AWS Signature Version 4 for one HTTP request.
 *
 * The signer signs exactly the headers it is given: the caller adds host,
 * x-amz-date (sigv4_amz_date), x-amz-security-token when it has a session
 * token, and x-amz-content-sha256 when the service wants it, and sends
 * those same headers.  Every string the caller passes stays the caller's;
 * struct sigv4_out owns its buffers until sigv4_out_free().
 *
 * Checked against AWS's published test suite (tests/sigv4/).
 */
#ifndef CREWLOG_SIGV4_H
#define CREWLOG_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"

#define SIGV4_HEX_LEN	64	/* a SHA-256 in hex, without the NUL */
#define SIGV4_DATE_LEN	16	/* 20150830T123600Z */

struct sigv4_header {
	const char	*name;		/* any case; signed lower-cased */
	const char	*value;		/* trimmed, inner spaces collapsed */
};

struct sigv4_request {
	const char		*method;
	const char		*path;	/* unencoded, e.g. "/" or "/a b" */
	const char		*query;	/* after '?', or NULL */
	const struct sigv4_header *headers;	/* every header to sign */
	size_t			 nheaders;
	const void		*body;
	size_t			 body_len;
	bool			 normalize;	/* drop . and .. and // */
};

struct sigv4_key {
	const char	*access_key;
	const char	*secret_key;
	const char	*region;
	const char	*service;
};

struct sigv4_out {
	struct buf	 creq;		/* the canonical request */
	struct buf	 sts;		/* the string to sign */
	struct buf	 signed_headers;	/* "host;x-amz-date" */
	struct buf	 authorization;	/* the Authorization value */
	char		 payload_hash[SIGV4_HEX_LEN + 1];
	char		 signature[SIGV4_HEX_LEN + 1];
};

/* t as 20150830T123600Z; 0, or -1 if gmtime fails. */
int	 sigv4_amz_date(time_t t, char out[SIGV4_DATE_LEN + 1]);

/* The hex SHA-256 of data (x-amz-content-sha256, the payload hash). */
void	 sigv4_hex_sha256(const void *data, size_t len,
	    char out[SIGV4_HEX_LEN + 1]);

/*
 * Appends s[0..n) percent-encoded the SigV4 way (unreserved bytes kept,
 * %XX upper case; '/' kept when keep_slash): canonical paths and
 * queries, and form bodies that must be signed exactly as sent.
 */
void	 sigv4_uri_encode(struct buf *b, const char *s, size_t n,
	    bool keep_slash);

/*
 * Signs req at amz_date (the value of its x-amz-date header) with key.
 * Returns 0 with every field of out filled, or -1 (a malformed date, an
 * empty header name) with out left empty; either way call
 * sigv4_out_free(out) afterwards.
 */
int	 sigv4_sign(const struct sigv4_request *req,
	    const struct sigv4_key *key, const char *amz_date,
	    struct sigv4_out *out);
void	 sigv4_out_free(struct sigv4_out *out);

#endif
