/*
 * boardgen.h: the leaderboard generation in a file, so that a process
 * other than the board's master (crewlog board-events, in the same task)
 * can drop every board worker's cache: each worker compares its cached
 * slices' generation with this word (app.c) and rereads when it moved.
 * The mapping lives as long as the process; nothing to free.
 */
#ifndef CREWLOG_BOARDGEN_H
#define CREWLOG_BOARDGEN_H

#include <stdint.h>

#include "buf.h"

/* The word at the start of path (created, 0600, if absent), mapped
 * shared; NULL with err naming the file. */
uint64_t	*boardgen_map(const char *path, struct buf *err);

/* Moves the generation on: every cached slice is dead. */
void		 boardgen_bump(uint64_t *gen);

#endif
