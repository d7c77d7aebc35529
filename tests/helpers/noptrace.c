/*
 * noptrace: runs a command where ptrace(2) fails with EPERM, as in a
 * container without CAP_SYS_PTRACE (Docker's default seccomp profile
 * answers ptrace with EPERM there).  The slow-log tests start crewlog
 * under it to check what the slow log says when it may not trace.
 *
 *   noptrace COMMAND [ARG...]
 *
 * A seccomp filter survives execve, so crewlog itself runs unchanged:
 * no test knob exists in the program.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

int
main(int argc, char *argv[])
{
	scmp_filter_ctx	 ctx;
	int		 rc;

	if (argc < 2) {
		fprintf(stderr, "usage: noptrace command [arg ...]\n");
		return 2;
	}
	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL) {
		fprintf(stderr, "noptrace: seccomp_init failed\n");
		return 1;
	}
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		 SCMP_SYS(ptrace), 0)) != 0 ||
	    (rc = seccomp_load(ctx)) != 0) {
		fprintf(stderr, "noptrace: %s\n", strerror(-rc));
		seccomp_release(ctx);
		return 1;
	}
	seccomp_release(ctx);
	execvp(argv[1], argv + 1);
	fprintf(stderr, "noptrace: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
