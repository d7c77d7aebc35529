/*
 * fuzz_config.c: crewlog.conf text (and environment) through config_parse.
 *
 * The input is the file's text; if it holds two NUL bytes in a row, what
 * follows the last such pair is the environment, one NAME=value entry per
 * NUL-separated piece, so the override and ${VAR} paths get fuzzed too.
 * Every input must parse or fail cleanly, and leak nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* At most this many environment entries; more adds nothing. */
#define FUZZ_ENV_MAX	16

/* What config_dump writes must parse, without the environment, to the
 * same configuration. */
static void
round_trip(const struct config *c)
{
	struct buf	 one = BUF_INIT, two = BUF_INIT, err = BUF_INIT;
	struct config	*again;

	config_dump(c, &one);
	if ((again = config_parse("dump", one.data, one.len, NULL, &err)) ==
	    NULL)
		abort();
	config_dump(again, &two);
	if (one.len != two.len || memcmp(one.data, two.data, one.len) != 0)
		abort();
	config_free(again);
	buf_free(&one);
	buf_free(&two);
	buf_free(&err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	 err = BUF_INIT;
	struct config	*c;
	char		*envp[FUZZ_ENV_MAX + 1], *envtext = NULL, *p, *end;
	size_t		 i, n = 0, textlen = size;

	for (i = size; i >= 2; i--) {
		if (data[i - 1] == '\0' && data[i - 2] == '\0') {
			textlen = i - 2;
			break;
		}
	}
	if (textlen < size) {
		/* A copy with a final NUL, cut into NUL-separated entries. */
		envtext = xmalloc(size - textlen - 2 + 1);
		memcpy(envtext, data + textlen + 2, size - textlen - 2);
		envtext[size - textlen - 2] = '\0';
		end = envtext + (size - textlen - 2);
		for (p = envtext; p < end && n < FUZZ_ENV_MAX;
		     p += strlen(p) + 1)
			if (*p != '\0')
				envp[n++] = p;
	}
	envp[n] = NULL;

	c = config_parse("fuzz.conf", (const char *)data, textlen, envp, &err);
	if (c != NULL && err.len != 0)
		abort();	/* success must come without messages */
	if (c == NULL && err.len == 0)
		abort();	/* and failure with at least one */
	if (c != NULL)
		round_trip(c);
	config_free(c);
	buf_free(&err);
	free(envtext);
	return 0;
}
