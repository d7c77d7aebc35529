/*
 * faultaround.c: how much of libc's text a process shows in its RSS
 * before and after touching one more byte of it.  bench/ping.sh prints
 * it next to the workers' RSS, because the kernel maps file pages in
 * blocks around each fault and that, not the program, sets the floor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rss (kB) of the executable mapping of the first path containing lib. */
static long
text_rss(const char *lib, unsigned long *start, unsigned long *end)
{
	FILE		*f;
	char		 line[512];
	int		 in = 0;
	long		 rss = -1;

	if ((f = fopen("/proc/self/smaps", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strchr(line, '-') != NULL && strstr(line, " r-xp ") != NULL) {
			in = strstr(line, lib) != NULL;
			if (in && sscanf(line, "%lx-%lx", start, end) != 2)
				in = 0;
		} else if (in && strncmp(line, "Rss:", 4) == 0) {
			rss = atol(line + 4);
			in = 0;
		}
	}
	fclose(f);
	return rss;
}

int
main(void)
{
	unsigned long	 a = 0, b = 0;
	volatile char	 x;
	long		 before, after;

	if ((before = text_rss("libc.so", &a, &b)) < 0 || a == 0) {
		fprintf(stderr, "faultaround: no libc text mapping\n");
		return 1;
	}
	/* A page in the middle, one this program has not run. */
	x = *(volatile char *)(a + (b - a) / 2 + 12345);
	(void)x;
	after = text_rss("libc.so", &a, &b);
	printf("%ld %ld\n", before, after - before);
	return 0;
}
