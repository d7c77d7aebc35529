/*
 * fuzz_template.c: compiles a fuzzed template and renders it against a
 * fuzzed JSON context.  Input: TEMPLATE NUL JSON; the template is also
 * the partial "p" (and "q"), so recursion and inheritance are reached.
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "mustache.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mustache_set	*set;
	struct mustache_error	 e;
	struct buf		 out = BUF_INIT;
	const uint8_t		*nul;
	size_t			 tlen;
	json_t			*ctx = NULL;

	nul = memchr(data, '\0', size);
	tlen = nul ? (size_t)(nul - data) : size;
	if (nul != NULL)
		ctx = json_loadb((const char *)nul + 1, size - tlen - 1,
		    JSON_DECODE_ANY, NULL);
	set = mustache_set_new();
	if (mustache_set_add(set, "p", (const char *)data, tlen, "fuzz", &e) ==
		0 &&
	    mustache_set_add(set, "q", "{{$b}}q{{/b}}{{>p}}", 19, "q", &e) ==
		0) {
		(void)mustache_set_check(set, &e);
		(void)mustache_render(set, "p", ctx, &out, &e);
		mustache_error_format(&e, &out);
	}
	buf_free(&out);
	mustache_set_free(set);
	json_decref(ctx);
	return 0;
}
