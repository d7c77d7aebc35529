/*
 * response_fcgi.h: a struct response written to a libfcgi stream.
 *
 * The only part of the response module that touches libfcgi, kept apart
 * so response.c links (and fuzzes) without it.
 */
#ifndef CREWLOG_RESPONSE_FCGI_H
#define CREWLOG_RESPONSE_FCGI_H

#include "response.h"

struct FCGX_Stream;

/*
 * Serialises into the stream; -1 on a write error.  The tail may stay in
 * the stream's buffer until FCGX_Finish_r() (or FCGX_FFlush()) sends it.
 */
int	 resp_finish(struct response *, struct FCGX_Stream *);

#endif
