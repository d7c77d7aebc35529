/*
 * replay.c: a main() for fuzz targets built without libFuzzer.
 *
 * Runs every file of tests/fuzz/corpus/<name>/ (name is the program's
 * basename without "fuzz_") through LLVMFuzzerTestOneInput, so crashes
 * found once stay tested in every build.  Extra arguments are files or
 * directories to replay instead.  Prints TAP.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
replay_file(const char *path)
{
	FILE	*f;
	uint8_t	*data;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1) {
		fclose(f);
		return -1;
	}
	if ((data = malloc((size_t)n + 1)) == NULL ||
	    fread(data, 1, (size_t)n, f) != (size_t)n) {
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)n);
	free(data);
	return 0;
}

/* Returns the number of files replayed, or -1 when path cannot be read. */
static long
replay_path(const char *path)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	char		 sub[4096];
	long		 n = 0, r;

	if (stat(path, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return replay_file(path) == 0 ? 1 : -1;
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if ((r = replay_path(sub)) < 0) {
			closedir(d);
			return -1;
		}
		n += r;
	}
	closedir(d);
	return n;
}

int
main(int argc, char **argv)
{
	const char	*top, *name;
	char		 dir[4096], *base;
	long		 n = 0, r;
	int		 i;

	printf("1..1\n");
	if (argc > 1) {
		for (i = 1; i < argc; i++) {
			if ((r = replay_path(argv[i])) < 0) {
				printf("not ok 1 - cannot read %s: %s\n",
				    argv[i], strerror(errno));
				return 1;
			}
			n += r;
		}
	} else {
		if ((top = getenv("top_srcdir")) == NULL)
			top = ".";
		base = basename(argv[0]);
		name = strncmp(base, "fuzz_", 5) == 0 ? base + 5 : base;
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", top,
		    name);
		if ((n = replay_path(dir)) < 0) {
			printf("not ok 1 - cannot read corpus %s\n", dir);
			return 1;
		}
	}
	printf("ok 1 - %s replayed %ld inputs without a crash\n",
	    basename(argv[0]), n);
	return 0;
}
