/*
 * bare.c: the ceiling in bench/app.py, a bare libfcgi responder.  It
 * forks NPROC processes running the textbook FCGX_Accept_r loop, each
 * answering every request with the bytes of FILE (a JSON leaderboard
 * captured from crewlog, so the payload matches).
 *
 *	bare SOCKET NPROC FILE
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <fcgiapp.h>

static char	 body[1 << 16];
static size_t	 len;
static char	 head[128];
static int	 hlen;

static void
serve(int fd)
{
	FCGX_Request	 r;

	if (FCGX_InitRequest(&r, fd, 0) != 0)
		exit(1);
	while (FCGX_Accept_r(&r) >= 0) {
		/* libfcgi's own printf knows no %zu: format with libc. */
		FCGX_PutStr(head, hlen, r.out);
		FCGX_PutStr(body, (int)len, r.out);
	}
	exit(0);
}

int
main(int argc, char **argv)
{
	FILE	*f;
	int	 fd, i, n;

	if (argc != 4 || (n = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: bare socket nproc file\n");
		return 1;
	}
	if ((f = fopen(argv[3], "rb")) == NULL) {
		perror(argv[3]);
		return 1;
	}
	len = fread(body, 1, sizeof(body), f);
	fclose(f);
	hlen = snprintf(head, sizeof(head), "Status: 200\r\nContent-Type: "
	    "%s\r\nContent-Length: %zu\r\n\r\n",
	    len > 0 && body[0] == '{' ? "application/json" : "text/plain", len);
	if (FCGX_Init() != 0 || (fd = FCGX_OpenSocket(argv[1], 511)) < 0) {
		fprintf(stderr, "bare: cannot listen on %s\n", argv[1]);
		return 1;
	}
	(void)chmod(argv[1], 0666);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < n; i++)
		if (fork() == 0)
			serve(fd);
	while (wait(NULL) > 0)
		;
	return 0;
}
