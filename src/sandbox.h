/*
 * sandbox.h: a worker's seccomp-bpf allow-list (sandbox = off|log|enforce).
 *
 * sandbox_install() runs in a worker once it has initialised (database
 * connected, templates loaded) and before it accepts a connection.  From
 * then on a system call outside the list (sandbox.c names each one and
 * why it is needed):
 *
 *   log      is reported by a supervisor thread (seccomp user
 *            notification, started before the filter so it is not itself
 *            filtered) with its name and the current request id, and then
 *            allowed to run (SECCOMP_USER_NOTIF_FLAG_CONTINUE);
 *   enforce  fails with EPERM: the filter traps (SIGSYS), the handler only
 *            records the call's number and sets the return value, and the
 *            worker, after the request, logs the name and the request id,
 *            answers 500 instead of the handler's response and exits
 *            (sandbox_take_violation()).
 *
 * State: the module owns the trapped-call slot written by its SIGSYS
 * handler and, in log mode, the supervisor thread; both live as long as
 * the worker process.
 */
#ifndef CREWLOG_SANDBOX_H
#define CREWLOG_SANDBOX_H

#include <stddef.h>

#include "buf.h"
#include "config.h"

/* Installs the filter for mode (off: nothing); -1 with the reason in err. */
int	 sandbox_install(enum sandbox_mode, struct buf *err);

/*
 * enforce: the number of the first call trapped since the last time this
 * was asked, or -1 if none; the slot is cleared.
 */
int	 sandbox_take_violation(void);

/* The system call's name for this architecture ("personality"), or "?". */
void	 sandbox_syscall_name(int nr, char *out, size_t size);

/*
 * /_test/forbidden: makes one system call that is not on the list
 * (personality(2) as a query, which changes nothing); returns its result,
 * or -1 with errno set.
 */
long	 sandbox_forbidden_call(void);

#endif
