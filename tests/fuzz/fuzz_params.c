/*
 * fuzz_params.c: FastCGI params (and a body) through the request core.
 *
 * Input: NUL-separated "NAME=value" strings, then an empty string (two
 * NULs in a row), then the body.  Parses params, then the body, then the
 * answer an error would get, and checks what a parse that succeeded
 * promises: a decoded path starting with '/', without NUL, "." or "..".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "response.h"
#include "router.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAX_PARAMS	128

static void	h(struct ctx *c) { (void)c; }

static const struct route	 routes[] = {
	{ HTTP_GET, "/", h, 0 },
	{ HTTP_GET, "/api/hours/:id", h, 0 },
	{ HTTP_POST, "/api/hours", h, 0 },
	{ HTTP_GET, "/static/*", h, 0 },
};

static void
check_path(const char *p)
{
	const char	*s;

	if (p == NULL || p[0] != '/')
		abort();
	for (s = p; (s = strchr(s, '/')) != NULL; s++)
		if (strcmp(s, "/.") == 0 || strncmp(s, "/./", 3) == 0 ||
		    strcmp(s, "/..") == 0 || strncmp(s, "/../", 4) == 0)
			abort();
}

static void
check_message(const struct req_error *err)
{
	const char	*s;

	for (s = err->message; *s != '\0'; s++)
		if (*s < 0x20 || *s >= 0x7f)
			abort();
	if (err->status != 400 && err->status != 411 && err->status != 413 &&
	    err->status != 415)
		abort();
}

/* Answers like the worker would, so resp_error sees fuzzed strings too. */
static void
answer(struct request *req, const struct req_error *err)
{
	struct response	 resp;
	struct buf	 out = BUF_INIT;

	resp_init(&resp);
	resp.head = req->method == HTTP_HEAD;
	(void)resp_error(&resp, req_wants_json(req), err->status, NULL,
	    err->message, err->field);
	(void)resp_header(&resp, "X-Request-Id", req->request_id);
	resp_serialize(&resp, &out);
	buf_free(&out);
	resp_free(&resp);
}

static void
route(struct request *req)
{
	struct router		*r;
	const struct route	*rt;
	struct buf		 allow = BUF_INIT;

	if ((r = router_new(routes, sizeof(routes) / sizeof(routes[0]))) ==
	    NULL)
		abort();
	(void)router_match(r, req->method, req->path, &rt, &req->route,
	    &allow);
	buf_free(&allow);
	router_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct req_limits	 lim = { 4096, 16 };
	struct request			 req;
	struct req_error		 err;
	char				*envp[MAX_PARAMS + 1];
	char				*copy, *p, *end;
	const char			*body = "";
	size_t				 n = 0, blen = 0;

	copy = malloc(size + 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	end = copy + size;
	for (p = copy; p < end && n < MAX_PARAMS; p += strlen(p) + 1) {
		if (*p == '\0') {	/* the empty string: body follows */
			body = p + 1;
			blen = (size_t)(end - body);
			break;
		}
		envp[n++] = p;
	}
	envp[n] = NULL;

	req_init(&req);
	memset(&err, 0, sizeof(err));
	if (req_parse_params(&req, envp, &lim, &err) == 0) {
		check_path(req.path);
		if (strlen(req.request_id) == 0 || strlen(req.request_id) > 64)
			abort();
		if (req_parse_body(&req, body, blen, &lim, &err) == 0) {
			(void)kv_get(&req.form, "email");
			(void)req_header(&req, "accept");
			route(&req);
		} else {
			check_message(&err);
			answer(&req, &err);
		}
	} else {
		check_message(&err);
		if (req.method_name == NULL || req.uri == NULL)
			abort();
		answer(&req, &err);
	}
	req_free(&req);
	free(copy);
	return 0;
}
