/*
 * sandbox_cost: nanoseconds one system call costs with and without the
 * worker's seccomp filter (sandbox = enforce), on this machine.
 *
 *   sandbox_cost off|enforce [calls]        (default 1000000)
 *
 * Times getppid(2) through syscall(2) (never cached by libc) in a loop,
 * with sandbox = enforce after installing the filter with
 * sandbox_install(), and prints nanoseconds per call.  One mode per run:
 * a filter cannot be removed; bench/sandbox.sh alternates the two.
 * The filter is a BPF program the kernel runs on every system call, so
 * callgrind, which counts user-space instructions, cannot see it; this
 * gives the kernel side of bench/sandbox.sh's figure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "sandbox.h"

static double
ns_per_call(long n)
{
	struct timespec	 a, b;
	long		 i;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		(void)syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((double)(b.tv_sec - a.tv_sec) * 1e9 +
		   (double)(b.tv_nsec - a.tv_nsec)) /
	    (double)n;
}

int
main(int argc, char *argv[])
{
	struct buf	 err = BUF_INIT;
	long		 n = argc > 2 ? atol(argv[2]) : 1000000;

	if (argc < 2 ||
	    (strcmp(argv[1], "off") != 0 && strcmp(argv[1], "enforce") != 0)) {
		fprintf(stderr, "usage: sandbox_cost off|enforce [calls]\n");
		return 2;
	}
	if (n <= 0)
		n = 1000000;
	if (strcmp(argv[1], "enforce") == 0 &&
	    sandbox_install(SANDBOX_ENFORCE, &err) == -1) {
		fprintf(stderr, "sandbox_cost: %s\n", err.data);
		buf_free(&err);
		return 1;
	}
	(void)ns_per_call(n / 10);	/* warm up */
	printf("%.1f\n", ns_per_call(n));
	buf_free(&err);
	return 0;
}
