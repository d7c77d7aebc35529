/*
 * boardgen.c: the leaderboard generation in a shared file (boardgen.h).
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "boardgen.h"

#define MAP_SIZE	4096	/* one page, of which one word is used */

uint64_t *
boardgen_map(const char *path, struct buf *err)
{
	struct stat	 sb;
	void		*p;
	int		 fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		buf_printf(err, "leaderboard_cache_file: %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) == -1 ||
	    (sb.st_size < MAP_SIZE && ftruncate(fd, MAP_SIZE) == -1)) {
		buf_printf(err, "leaderboard_cache_file: %s: %s", path,
		    strerror(errno));
		close(fd);
		return NULL;
	}
	p = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);	/* the mapping keeps the file */
	if (p == MAP_FAILED) {
		buf_printf(err, "leaderboard_cache_file: %s: mmap: %s", path,
		    strerror(errno));
		return NULL;
	}
	return p;
}

void
boardgen_bump(uint64_t *gen)
{
	(void)__atomic_add_fetch(gen, 1, __ATOMIC_RELEASE);
}
