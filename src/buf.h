/*
 * buf.h: a growable byte buffer.
 *
 * The buffer owns data; buf_free() releases it.  Appends never fail (they
 * abort on exhaustion, see util.h).  data is always NUL-terminated after
 * any append so it can be used as a C string, but may hold NUL bytes.
 */
#ifndef CREWLOG_BUF_H
#define CREWLOG_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

#define BUF_INIT	{ NULL, 0, 0 }

void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_reserve(struct buf *, size_t);
void	 buf_append(struct buf *, const void *, size_t);
void	 buf_puts(struct buf *, const char *);
void	 buf_putc(struct buf *, char);
void	 buf_printf(struct buf *, const char *, ...)
		__attribute__((format(printf, 2, 3)));
void	 buf_vprintf(struct buf *, const char *, va_list)
		__attribute__((format(printf, 2, 0)));
const char *buf_cstr(struct buf *);
char	*buf_release(struct buf *);

#endif
