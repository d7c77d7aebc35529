/*
 * app_fallback.h: TEMPORARY declarations of the agreed mustache template
 * set API until the mustache branch lands; delete with app_fallback.c.
 */
#ifndef CREWLOG_APP_FALLBACK_H
#define CREWLOG_APP_FALLBACK_H

#include <stdbool.h>
#include <jansson.h>
#include "buf.h"

struct mustache_set;
struct mustache_error {
	char		 file[256];
	unsigned	 line, col;
	char		 msg[256];
};
struct mustache_set *mustache_set_new(void);
void	 mustache_set_free(struct mustache_set *);
int	 mustache_set_load_dir(struct mustache_set *, const char *,
	    struct mustache_error *);
bool	 mustache_set_has(const struct mustache_set *, const char *);
int	 mustache_render(const struct mustache_set *, const char *,
	    const json_t *, struct buf *, struct mustache_error *);
void	 mustache_error_format(const struct mustache_error *, struct buf *);

#endif
