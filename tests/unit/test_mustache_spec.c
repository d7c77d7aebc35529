/*
 * test_mustache_spec.c: runs the official mustache specification, read
 * as-is from the pinned copy in $top_srcdir/tests/mustache-spec (see its
 * README.md for the upstream version), or from $MUSTACHE_SPEC_DIR when set,
 * and prints TAP: one test point per spec file with passed/total.
 * ~lambdas needs code in the data and is skipped.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mustache.h"
#include "util.h"

static int
run_case(json_t *tc, char *why, size_t whylen)
{
	struct mustache_set	*set;
	struct mustache_error	 e;
	struct buf		 out = BUF_INIT;
	const char		*tpl, *want, *name;
	json_t			*partials, *p;
	int			 ok = 0;

	tpl = json_string_value(json_object_get(tc, "template"));
	want = json_string_value(json_object_get(tc, "expected"));
	set = mustache_set_new();
	partials = json_object_get(tc, "partials");
	json_object_foreach(partials, name, p) {
		if (mustache_set_add(set, name, json_string_value(p),
		    json_string_length(p), name, &e) == -1) {
			snprintf(why, whylen, "partial %s: %s", name, e.msg);
			goto out;
		}
	}
	/* "" cannot be a partial's name, so it never shadows one. */
	if (mustache_set_add(set, "", tpl, strlen(tpl), "template",
	    &e) == -1) {
		snprintf(why, whylen, "compile: %u:%u: %s", e.line, e.col,
		    e.msg);
		goto out;
	}
	if (mustache_render(set, "", json_object_get(tc, "data"), &out,
	    &e) == -1) {
		snprintf(why, whylen, "render: %s", e.msg);
		goto out;
	}
	if (strcmp(buf_cstr(&out), want) != 0) {
		char *g = json_dumps(json_string(buf_cstr(&out)), JSON_ENCODE_ANY);
		char *w = json_dumps(json_string(want), JSON_ENCODE_ANY);
		snprintf(why, whylen, "got %s want %s", g ? g : "?",
		    w ? w : "?");
		free(g);
		free(w);
		goto out;
	}
	ok = 1;
out:
	buf_free(&out);
	mustache_set_free(set);
	return ok;
}

static int
select_json(const struct dirent *d)
{
	size_t	 l = strlen(d->d_name);

	return l > 5 && strcmp(d->d_name + l - 5, ".json") == 0;
}

int
main(void)
{
	struct dirent	**ents;
	const char	*dir, *top;
	char		 path[8192], why[1024], fallback[4096];
	json_t		*spec, *tests, *tc;
	json_error_t	 je;
	size_t		 i, passed, total;
	int		 n, k, failed = 0;

	if ((dir = getenv("MUSTACHE_SPEC_DIR")) == NULL) {
		top = getenv("top_srcdir");
		snprintf(fallback, sizeof(fallback), "%s/tests/mustache-spec",
		    top ? top : ".");
		dir = fallback;
	}
	if ((n = scandir(dir, &ents, select_json, alphasort)) <= 0) {
		printf("1..1\nnot ok 1 - no spec files in %s\n", dir);
		return 1;
	}
	printf("1..%d\n", n);
	for (k = 0; k < n; k++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ents[k]->d_name);
		if (strcmp(ents[k]->d_name, "~lambdas.json") == 0) {
			printf("ok %d - %s # SKIP lambdas need code in the "
			    "data; JSON data cannot carry it\n", k + 1,
			    ents[k]->d_name);
			free(ents[k]);
			continue;
		}
		if ((spec = json_load_file(path, 0, &je)) == NULL) {
			printf("not ok %d - %s: %s\n", k + 1, path, je.text);
			failed++;
			free(ents[k]);
			continue;
		}
		tests = json_object_get(spec, "tests");
		passed = total = 0;
		json_array_foreach(tests, i, tc) {
			total++;
			why[0] = '\0';
			if (run_case(tc, why, sizeof(why)))
				passed++;
			else
				printf("# %s: \"%s\": %s\n", ents[k]->d_name,
				    json_string_value(json_object_get(tc,
				    "name")), why);
		}
		printf("%s %d - %s %zu/%zu passed\n", passed == total ? "ok" :
		    "not ok", k + 1, ents[k]->d_name, passed, total);
		if (passed != total)
			failed++;
		json_decref(spec);
		free(ents[k]);
	}
	free(ents);
	return failed ? 1 : 0;
}
