/*
 * paging.h: limit/offset (the API) or page (the pages) from raw strings.
 *
 * Pure: it reads the query values it is given (NULL: absent) and knows no
 * request.  The API takes limit (1..100, default 50) and offset
 * (0..1000000000, default 0) and ignores page; a page takes page
 * (1..10000000, default 1) and ignores limit and offset, its limit being
 * the caller's page size.
 */
#ifndef CREWLOG_PAGING_H
#define CREWLOG_PAGING_H

#include <stdbool.h>
#include <stdint.h>

enum paging_field {
	PAGING_LIMIT,
	PAGING_OFFSET,
	PAGING_PAGE,
	PAGING__MAX
};

struct paging {
	int64_t	 limit;
	int64_t	 offset;
	int64_t	 page;		/* 1-based; offset / limit + 1 for the API */
};

/* The query parameter's name and its error message, by field. */
extern const char *const paging_names[PAGING__MAX];
extern const char *const paging_msgs[PAGING__MAX];

/*
 * Fills out from raw[PAGING__MAX].  Returns 0, or a mask of
 * (1u << enum paging_field) for every field that is invalid; out then
 * holds the defaults for those.
 */
unsigned	 paging_parse(const char *const raw[PAGING__MAX], bool api,
		    int64_t page_size, struct paging *out);

#endif
