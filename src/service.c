/*
 * service.c: the path table of the services (see service.h and
 * docs/services.md).  A pattern ending in '*' matches by prefix, as an
 * ALB path pattern does; any other matches exactly.
 */
#include <string.h>

#include "service.h"

struct rule {
	enum service	 svc;
	const char	*pattern;
};

/* In the balancer's priority order. */
static const struct rule rules[] = {
	{ SVC_USERS, "/signup" },
	{ SVC_USERS, "/login" },
	{ SVC_USERS, "/logout" },
	{ SVC_USERS, "/api/users*" },
	{ SVC_USERS, "/api/sessions*" },
	{ SVC_USERS, "/api/me" },
	{ SVC_HOURS, "/log*" },
	{ SVC_HOURS, "/api/hours*" },
	{ SVC_BOARD, "/leaderboard" },
	{ SVC_BOARD, "/api/leaderboard" },
};

static bool
matches(const char *pattern, const char *path)
{
	size_t	 n = strlen(pattern);

	if (n > 0 && pattern[n - 1] == '*')
		return strncmp(pattern, path, n - 1) == 0;
	return strcmp(pattern, path) == 0;
}

enum service
service_of_path(const char *path)
{
	size_t	 i;

	for (i = 0; path != NULL && i < sizeof(rules) / sizeof(rules[0]); i++)
		if (matches(rules[i].pattern, path))
			return rules[i].svc;
	return SVC_USERS;	/* the default rule: "/" and the rest */
}

bool
service_serves(int svc, const char *path)
{
	return svc == SVC_ALL || (int)service_of_path(path) == svc;
}
