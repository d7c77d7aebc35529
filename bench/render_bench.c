/*
 * render_bench.c: renders a page N times with crewlog's mustache engine.
 *
 *	render_bench TEMPLATE_DIR DATA_JSON N [OUT]
 *
 * Compiles every DIR/NAME.mustache once, renders "page" N times into one
 * reused buffer, prints renders/s and MB/s, and writes the last rendering
 * to OUT.  Under callgrind, N=0 and N>0 runs cancel start-up out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mustache.h"

int
main(int argc, char **argv)
{
	struct mustache_set	*set;
	struct mustache_error	 e;
	struct buf		 out = BUF_INIT, msg = BUF_INIT;
	struct timespec		 t0, t1;
	json_error_t		 je;
	json_t			*data;
	long			 n, i;
	double			 secs;
	FILE			*f;

	if (argc < 4) {
		fprintf(stderr, "usage: render_bench DIR DATA N [OUT]\n");
		return 1;
	}
	n = atol(argv[3]);
	set = mustache_set_new();
	if (mustache_set_load_dir(set, argv[1], &e) == -1) {
		mustache_error_format(&e, &msg);
		fprintf(stderr, "%s\n", buf_cstr(&msg));
		return 1;
	}
	if ((data = json_load_file(argv[2], 0, &je)) == NULL) {
		fprintf(stderr, "%s:%d: %s\n", argv[2], je.line, je.text);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		buf_reset(&out);
		if (mustache_render(set, "page", data, &out, &e) == -1) {
			fprintf(stderr, "render: %s\n", e.msg);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (n > 0)
		printf("%.0f %.1f %zu\n", (double)n / secs,
		    (double)n * (double)out.len / secs / 1e6, out.len);
	if (argc > 4 && (f = fopen(argv[4], "wb")) != NULL) {
		fwrite(out.data, 1, out.len, f);
		fclose(f);
	}
	buf_free(&out);
	buf_free(&msg);
	json_decref(data);
	mustache_set_free(set);
	return 0;
}
