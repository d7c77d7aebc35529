/*
 * trace.h: the C backtrace of another process, for the slow log
 * (request_slowlog_trace_depth).
 *
 * trace_take() seizes the process with ptrace (PTRACE_SEIZE, then
 * PTRACE_INTERRUPT, so no signal is sent), walks its stack with libunwind's
 * ptrace accessors, symbolises each frame from the process's own ELF
 * symbol tables and detaches; the process then continues where it was
 * (a sleep or a read in progress is restarted by the kernel).  Runs in
 * the master, which is the worker's parent.
 */
#ifndef CREWLOG_TRACE_H
#define CREWLOG_TRACE_H

#include <stdbool.h>
#include <sys/types.h>

#include "buf.h"

/* What trace_take() got. */
enum trace_result {
	TRACE_OK,		/* frames appended */
	TRACE_DENIED,		/* ptrace not permitted (EPERM/EACCES) */
	TRACE_FAILED,		/* another error; reason appended */
	TRACE_EXITED,		/* the process ended meanwhile: *status set */
	TRACE__MAX
};

/*
 * Appends up to depth frames to frames as a JSON array of strings
 * ("#0 nanosleep+0x5b [0x7f12...]"); on TRACE_FAILED or TRACE_DENIED the
 * reason goes to why instead.  On TRACE_EXITED the wait status is in
 * *status: the caller reaps the process as if waitpid(-1) had returned it.
 */
enum trace_result trace_take(pid_t pid, unsigned depth, struct buf *frames,
    struct buf *why, int *status);

#endif
