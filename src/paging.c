/*
 * paging.c: limit/offset or page; see paging.h.
 */
#include "fields.h"
#include "paging.h"

#define API_LIMIT	50

const char *const paging_names[PAGING__MAX] = {
	[PAGING_LIMIT] = "limit",
	[PAGING_OFFSET] = "offset",
	[PAGING_PAGE] = "page",
};

const char *const paging_msgs[PAGING__MAX] = {
	[PAGING_LIMIT] = "must be an integer from 1 to 100",
	[PAGING_OFFSET] = "must be an integer from 0 to 1000000000",
	[PAGING_PAGE] = "must be an integer from 1 to 10000000",
};

static const int64_t bounds[PAGING__MAX][2] = {
	[PAGING_LIMIT] = { 1, 100 },
	[PAGING_OFFSET] = { 0, 1000000000 },
	[PAGING_PAGE] = { 1, 10000000 },
};

/* 0, or the field's bit when raw is present and invalid (*v untouched). */
static unsigned
one(const char *const raw[PAGING__MAX], enum paging_field f, int64_t *v)
{
	int64_t	 x;

	if (raw[f] == NULL)
		return 0;
	if (field_int(raw[f], bounds[f][0], bounds[f][1], &x) != NULL)
		return 1u << f;
	*v = x;
	return 0;
}

unsigned
paging_parse(const char *const raw[PAGING__MAX], bool api, int64_t page_size,
    struct paging *out)
{
	unsigned	 bad;

	out->offset = 0;
	out->page = 1;
	if (api) {
		out->limit = API_LIMIT;
		bad = one(raw, PAGING_LIMIT, &out->limit) |
		    one(raw, PAGING_OFFSET, &out->offset);
		out->page = out->offset / out->limit + 1;
		return bad;
	}
	out->limit = page_size;
	bad = one(raw, PAGING_PAGE, &out->page);
	out->offset = (out->page - 1) * page_size;
	return bad;
}
