/*
 * service.h: which paths each service serves (the balancer's rules).
 *
 * The path groups mirror the load balancer's listener rules in priority
 * order (deploy/haproxy/crewlog.cfg, the Terraform): users first, as
 * "/log*" would also match /login and /logout; then hours, then board;
 * anything else is users' (the default rule).  Pure functions of their
 * arguments; no state.
 */
#ifndef CREWLOG_SERVICE_H
#define CREWLOG_SERVICE_H

#include <stdbool.h>

#include "config.h"

/* The service whose rule a path falls under (never SVC_ALL). */
enum service	 service_of_path(const char *path);

/* Whether a pool with service svc serves path (SVC_ALL serves all). */
bool		 service_serves(int svc, const char *path);

#endif
