/*
 * test_sandbox.c: the worker's seccomp filter, in forked children (a
 * filter cannot be removed), and the slow log's ptrace backtrace of a
 * child.
 */
#include <sys/personality.h>
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <seccomp.h>

#include "buf.h"
#include "log.h"
#include "sandbox.h"
#include "trace.h"

/* Child exit codes: 0 is success, each failure its own number. */
static int
child_status(pid_t pid)
{
	int	 st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	if (WIFSIGNALED(st))
		return 1000 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static int
enforce_child(void)
{
	struct buf	 err = BUF_INIT;
	char		 name[64];
	long		 r;
	int		 nr;

	if (sandbox_install(SANDBOX_ENFORCE, &err) == -1)
		return 2;
	if (sandbox_take_violation() != -1)
		return 3;	/* nothing trapped yet */
	if (getpid() <= 0)	/* allowed: runs */
		return 4;
	errno = 0;
	r = sandbox_forbidden_call();
	if (r != -1 || errno != EPERM)
		return 5;	/* failed, did not kill us */
	nr = sandbox_take_violation();
	sandbox_syscall_name(nr, name, sizeof(name));
	if (strcmp(name, "personality") != 0)
		return 6;
	if (sandbox_take_violation() != -1)
		return 7;	/* taking clears it */
	return 0;
}

static void
test_enforce_traps_names_and_fails_the_call(void **state)
{
	pid_t	 pid;

	(void)state;
	log_init("www", LOGL_ERROR);
	if ((pid = fork()) == 0)
		_exit(enforce_child());
	assert_int_equal(child_status(pid), 0);
}

static int
log_child(void)
{
	struct buf	 err = BUF_INIT;
	long		 r;

	if (sandbox_install(SANDBOX_LOG, &err) == -1)
		return 2;
	r = sandbox_forbidden_call();
	if (r == -1)
		return 3;	/* log mode lets it run */
	if (r != personality(0xffffffff))
		return 4;
	if (sandbox_take_violation() != -1)
		return 5;	/* not a violation in log mode */
	return 0;
}

static void
test_log_mode_lets_the_call_run(void **state)
{
	pid_t	 pid;

	(void)state;
	log_init("www", LOGL_ERROR);	/* the warning is not the point */
	if ((pid = fork()) == 0)
		_exit(log_child());
	assert_int_equal(child_status(pid), 0);
}

static void
test_off_installs_nothing(void **state)
{
	struct buf	 err = BUF_INIT;
	pid_t		 pid;

	(void)state;
	if ((pid = fork()) == 0)
		_exit(sandbox_install(SANDBOX_OFF, &err) == 0 &&
			    sandbox_forbidden_call() != -1 ?
			0 :
			2);
	assert_int_equal(child_status(pid), 0);
}

static void
test_syscall_name_unknown(void **state)
{
	char	 name[16];

	(void)state;
	sandbox_syscall_name(-12345, name, sizeof(name));
	assert_string_equal(name, "?");
	sandbox_syscall_name(seccomp_syscall_resolve_name("read"), name,
	    sizeof(name));
	assert_string_equal(name, "read");
}

/* ---------------------------------------------------------------------
 * trace
 */

static void __attribute__((noinline)) sleeper(void)
{
	struct timespec	 ts = { 5, 0 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	_exit(0);
}

static void
test_trace_names_the_sleeping_call_and_detaches(void **state)
{
	struct buf	 frames = BUF_INIT, why = BUF_INIT;
	pid_t		 pid;
	int		 st = 0;

	(void)state;
	if ((pid = fork()) == 0)
		sleeper();
	usleep(200000);
	assert_int_equal(trace_take(pid, 16, &frames, &why, &st), TRACE_OK);
	assert_non_null(frames.data);
	assert_true(frames.data[0] == '[');
	assert_non_null(strstr(frames.data, "nanosleep"));
	assert_non_null(strstr(frames.data, "#0 "));
	/* Detached and still sleeping: not stopped, not dead. */
	assert_int_equal(waitpid(pid, &st, WNOHANG), 0);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	buf_free(&frames);
	buf_free(&why);
}

static void
test_trace_depth_bounds_the_frames(void **state)
{
	struct buf	 frames = BUF_INIT, why = BUF_INIT;
	pid_t		 pid;
	int		 st = 0;

	(void)state;
	if ((pid = fork()) == 0)
		sleeper();
	usleep(200000);
	assert_int_equal(trace_take(pid, 1, &frames, &why, &st), TRACE_OK);
	assert_null(strstr(frames.data, "#1 "));
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	buf_free(&frames);
	buf_free(&why);
}

static void
test_trace_of_no_process_fails_cleanly(void **state)
{
	struct buf	 frames = BUF_INIT, why = BUF_INIT;
	pid_t		 pid;
	int		 st = 0;

	(void)state;
	if ((pid = fork()) == 0)
		_exit(0);
	waitpid(pid, &st, 0);	/* gone: its pid names nothing now */
	assert_int_equal(trace_take(pid, 8, &frames, &why, &st), TRACE_FAILED);
	assert_non_null(strstr(why.data, "PTRACE_SEIZE"));
	assert_int_equal(frames.len, 0);
	buf_free(&frames);
	buf_free(&why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enforce_traps_names_and_fails_the_call),
		cmocka_unit_test(test_log_mode_lets_the_call_run),
		cmocka_unit_test(test_off_installs_nothing),
		cmocka_unit_test(test_syscall_name_unknown),
		cmocka_unit_test(
		    test_trace_names_the_sleeping_call_and_detaches),
		cmocka_unit_test(test_trace_depth_bounds_the_frames),
		cmocka_unit_test(test_trace_of_no_process_fails_cleanly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
