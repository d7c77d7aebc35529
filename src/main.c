/*
 * main.c: placeholder entry point; the pool work replaces it.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"

#include "app.h"
#include "mustache.h"

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		puts(PACKAGE_STRING);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "render") == 0)
		return mustache_cli(argc - 1, argv + 1);
	if (argc > 1 && (strcmp(argv[1], "migrate") == 0 ||
	    strcmp(argv[1], "seed") == 0 || strcmp(argv[1], "check") == 0))
		return app_cli(argc - 1, argv + 1);
	fprintf(stderr, "usage: crewlog [-F] [-t] [-c file] | --version\n");
	return 1;
}
