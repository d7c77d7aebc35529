/*
 * fuzz_session.c: what session.c and paging.c read from the network:
 * an Authorization header or session cookie, a CSRF token against its
 * cookie, and limit/offset/page query values.  The input is split at
 * NUL bytes into up to three strings.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paging.h"
#include "session.h"
#include "util.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*buf, *part[3] = { NULL, NULL, NULL }, *p, *end;
	struct paging	 pg;
	bool		 bearer;
	int		 n;

	buf = xstrndup((const char *)data, size);	/* stops at a NUL */
	p = buf;
	end = buf + strlen(buf);
	for (n = 0; n < 3 && p <= end; n++) {
		part[n] = p;
		p += strcspn(p, "\n") + 1;
		part[n][strcspn(part[n], "\n")] = '\0';
	}
	(void)sess_token(part[0], part[1], &bearer);
	(void)sess_csrf_match(part[0], part[1]);
	(void)sess_cookie_secure(-1, false, part[2]);
	(void)paging_parse((const char *const *)part, true, 20, &pg);
	(void)paging_parse((const char *const *)part, false, 50, &pg);
	free(buf);
	return 0;
}
