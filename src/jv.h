/*
 * jv.h: building JSON view-models, with one policy for every caller.
 *
 * The policy: jv_str() never fails.  A NULL string becomes JSON null;
 * bytes that do not start a well-formed UTF-8 sequence become U+FFFD, so
 * request or database bytes can always be quoted.  jv_set() and
 * jv_push() take a value that may not be NULL and abort when jansson
 * cannot store it: with our fixed keys only exhaustion gets there, which
 * we treat like xmalloc does (the master replaces the worker).
 */
#ifndef CREWLOG_JV_H
#define CREWLOG_JV_H

#include <jansson.h>

/* A new JSON string (or null for NULL); never NULL itself. */
json_t	*jv_str(const char *);
/* Sets o[key] to v, stealing v; aborts on NULL v or OOM. */
void	 jv_set(json_t *o, const char *key, json_t *v);
/* Appends v to array a, stealing v; aborts on NULL v or OOM. */
void	 jv_push(json_t *a, json_t *v);
/* s as valid UTF-8 (U+FFFD for bad bytes); the caller frees it. */
char	*jv_utf8_clean(const char *s);

#endif
