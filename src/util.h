/*
 * util.h: allocation wrappers that abort on exhaustion.
 *
 * A worker that runs out of memory logs the size and aborts; the master
 * replaces it.  Out-of-memory is therefore not a code path callers handle.
 */
#ifndef CREWLOG_UTIL_H
#define CREWLOG_UTIL_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
