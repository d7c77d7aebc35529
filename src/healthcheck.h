/*
 * healthcheck.h: crewlog healthcheck, a FastCGI client for container
 * health checks that need no shell, curl or web server.
 *
 *	crewlog healthcheck [-c file] [-P pool] [-a address] [-u path]
 *	    [-T seconds]
 *
 * Sends one GET for path (default /healthz) to the pool's listen socket
 * (from the configuration and the environment, or -a) and exits 0 when
 * the answer is 2xx, 1 otherwise with one line on stderr saying why.
 */
#ifndef CREWLOG_HEALTHCHECK_H
#define CREWLOG_HEALTHCHECK_H

#include <stddef.h>

#include "buf.h"

/* argv[0] is "healthcheck"; returns the exit status. */
int	 hc_cli(int argc, char **argv);

/*
 * Appends to out the records of one FastCGI GET of path (request id 1):
 * BEGIN_REQUEST, PARAMS, empty PARAMS, empty STDIN.
 */
void	 hc_request(struct buf *out, const char *path);

/*
 * Reads a FastCGI reply stream p[0..n) for request id 1.  Returns 0 when
 * it holds a complete reply (END_REQUEST) and sets *status from the CGI
 * "Status:" header (200 without one); 1 when more bytes are needed; -1
 * when the stream is malformed, with the reason in why.
 */
int	 hc_parse_reply(const unsigned char *p, size_t n, int *status,
    struct buf *why);

#endif
