/* Placeholder application until the crewlog app lands. */
#include <stdio.h>
#include <stdlib.h>

#include "app.h"

struct app {
	int	 unused;
};

int
app_init_main(const struct pool_config *pc, struct buf *err)
{
	(void)pc;
	(void)err;
	return 0;
}

struct app *
app_init_child(const struct pool_config *pc, struct buf *err)
{
	(void)pc;
	(void)err;
	return calloc(1, sizeof(struct app));
}

void
app_free(struct app *a)
{
	free(a);
}

bool
app_ready(struct app *a, struct buf *why)
{
	(void)a;
	(void)why;
	return true;
}

void
app_handle(struct ctx *c)
{
	buf_puts(&c->resp->body, "<!doctype html><title>crewlog</title>"
	    "<p>crewlog is running.</p>\n");
}

int
app_check_config(const struct pool_config *pc, struct buf *err)
{
	(void)pc;
	(void)err;
	return 0;
}
