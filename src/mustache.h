/*
 * mustache.h: placeholder until the mustache engine lands.
 */
#ifndef CREWLOG_MUSTACHE_H
#define CREWLOG_MUSTACHE_H

int	 mustache_cli(int argc, char **argv);

#endif
