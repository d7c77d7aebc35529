/*
 * mustache.h: a mustache template engine over jansson data.
 *
 * Templates are compiled once into a flat array of operations and kept in
 * a named set; the set is immutable after loading, so forked workers share
 * it copy-on-write.  Rendering walks the operations and appends to a
 * struct buf without allocating per node.
 *
 * Covers the whole mustache specification including the optional
 * inheritance and dynamic-names modules; lambdas need code in the data,
 * which JSON cannot carry, and are not supported.
 *
 * Falsy values: missing, null, false, "", 0, 0.0 and [] (as mustache.js).
 */
#ifndef CREWLOG_MUSTACHE_H
#define CREWLOG_MUSTACHE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "buf.h"

#define MUSTACHE_MAX_DEPTH	64	/* nested partials and parents */
#define MUSTACHE_MAX_OPS	20000000UL	/* operations run per render */

struct mustache_set;

struct mustache_error {
	char		 file[256];	/* "" when not from a file */
	unsigned	 line, col;	/* 1-based; 0 when not applicable */
	char		 msg[256];
};

struct mustache_set *mustache_set_new(void);
void	 mustache_set_free(struct mustache_set *);
/* Compiles src as template name (file is for messages); 0, or -1 + err. */
int	 mustache_set_add(struct mustache_set *, const char *name,
	    const char *src, size_t len, const char *file,
	    struct mustache_error *);
/* Loads every DIR/NAME.mustache as NAME, then mustache_set_check(). */
int	 mustache_set_load_dir(struct mustache_set *, const char *dir,
	    struct mustache_error *);
/*
 * Fails when a static partial or parent names no template of the set (or
 * is not a plain name); the server calls it, the spec runner must not.
 */
int	 mustache_set_check(const struct mustache_set *,
	    struct mustache_error *);
bool	 mustache_set_has(const struct mustache_set *, const char *name);
/* Appends template name rendered with data to out; 0, or -1 + err. */
int	 mustache_render(const struct mustache_set *, const char *name,
	    const json_t *data, struct buf *out, struct mustache_error *);
/* Appends the whole file to b; -1 with err naming the file on failure. */
int	 mustache_read_file(const char *, struct buf *,
	    struct mustache_error *);
/* "file:line:col: msg", leaving out empty parts, appended to out. */
void	 mustache_error_format(const struct mustache_error *, struct buf *);
/* Appends s HTML-escaped (& < > " '). */
void	 mustache_escape(struct buf *, const char *, size_t);
/* Appends a JSON number as people write it (shortest round-trip real). */
void	 mustache_format_number(struct buf *, const json_t *);
/* crewlog render [--partials DIR] TEMPLATE DATA: exit status. */
int	 mustache_cli(int argc, char **argv);

#endif
