/* Placeholder until the mustache engine lands. */
#include <stdio.h>

#include "mustache.h"

int
mustache_cli(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "crewlog render: not built yet\n");
	return 1;
}
