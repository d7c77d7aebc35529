/*
 * render_cli.c: `crewlog render [--partials DIR] TEMPLATE DATA`, for
 * people who write templates.  Writes the rendering to stdout byte for
 * byte; errors go to stderr as "file:line:col: message", exit 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mustache.h"
#include "util.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: crewlog render [--partials DIR] "
	    "TEMPLATE_FILE DATA_FILE\n");
	return 1;
}

static int
fail(const struct mustache_error *e)
{
	struct buf	 b = BUF_INIT;

	mustache_error_format(e, &b);
	fprintf(stderr, "%s\n", buf_cstr(&b));
	buf_free(&b);
	return 1;
}

int
mustache_cli(int argc, char **argv)
{
	struct mustache_set	*set = NULL;
	struct mustache_error	 e;
	struct buf		 src = BUF_INIT, out = BUF_INIT;
	const char		*dir = NULL;
	json_t			*data = NULL;
	json_error_t		 je;
	int			 rc = 1, i = 1;

	memset(&e, 0, sizeof(e));
	if (argc > 2 && strcmp(argv[1], "--partials") == 0) {
		dir = argv[2];
		i = 3;
	}
	if (argc - i != 2)
		return usage();
	set = mustache_set_new();
	if (dir != NULL && mustache_set_load_dir(set, dir, &e) == -1) {
		rc = fail(&e);
		goto out;
	}
	if (mustache_read_file(argv[i], &src, &e) == -1 ||
	    mustache_set_add(set, "", src.data ? src.data : "", src.len,
		argv[i], &e) == -1) {
		rc = fail(&e);
		goto out;
	}
	if ((data = json_load_file(argv[i + 1],
		 JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je)) == NULL) {
		fprintf(stderr, "%s:%d:%d: %s\n", argv[i + 1], je.line,
		    je.column, je.text);
		goto out;
	}
	if (mustache_render(set, "", data, &out, &e) == -1) {
		rc = fail(&e);
		goto out;
	}
	if (out.len > 0 && fwrite(out.data, 1, out.len, stdout) != out.len) {
		fprintf(stderr, "crewlog render: write error: %s\n",
		    strerror(errno));
		goto out;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "crewlog render: write error: %s\n",
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	json_decref(data);
	buf_free(&src);
	buf_free(&out);
	mustache_set_free(set);
	return rc;
}
