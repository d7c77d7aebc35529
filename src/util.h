/*
 * util.h: allocation wrappers that abort on exhaustion.
 *
 * A worker that runs out of memory logs the size and aborts; the master
 * replaces it.  Out-of-memory is therefore not a code path callers handle.
 */
#ifndef CREWLOG_UTIL_H
#define CREWLOG_UTIL_H

#include <stddef.h>

/* Never NULL: said to the compiler and analyzers too. */
#define XALLOC	__attribute__((returns_nonnull))

void	*xmalloc(size_t) XALLOC;
void	*xcalloc(size_t, size_t) XALLOC;
void	*xrealloc(void *, size_t) XALLOC;
void	*xreallocarray(void *, size_t, size_t) XALLOC;
char	*xstrdup(const char *) XALLOC;
char	*xstrndup(const char *, size_t) XALLOC;
char	*xasprintf(const char *, ...) XALLOC
	    __attribute__((format(printf, 1, 2)));

#endif
