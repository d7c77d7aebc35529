/*
 * request.h: a FastCGI request turned into checked, decoded fields.
 *
 * Parsing is split from I/O: req_parse_params() and req_parse_body() take
 * plain memory, so unit tests and fuzzers drive them without a socket
 * and without libfcgi; req_read() in request_fcgi.h is the glue the
 * worker calls.
 *
 * Every string in a struct request is owned by it and released by
 * req_free().  Errors are reported in a struct req_error: an HTTP status
 * (400, 411, 413, 415) and a message naming the field or problem.
 */
#ifndef CREWLOG_REQUEST_H
#define CREWLOG_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "kv.h"

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_POST,
	HTTP_PUT,
	HTTP_PATCH,
	HTTP_DELETE,
	HTTP_OPTIONS,
	HTTP_OTHER,
	HTTP__MAX
};

struct req_error {
	int	 status;		/* 0: no error */
	char	 field[64];		/* "" when no single field */
	char	 message[256];
};

struct req_limits {
	size_t		 body_max;	/* bytes; larger: 413 */
	unsigned	 json_depth;	/* deeper: 400 */
};

struct request {
	enum http_method method;
	const char	*method_name;	/* as sent, for logs */
	const char	*uri;		/* REQUEST_URI as sent */
	char		*path;		/* percent-decoded once */
	const char	*query_string;	/* raw */
	const char	*remote_addr;
	const char	*content_type;	/* lower-cased media type, no params */
	size_t		 content_length;
	bool		 has_content_length;
	bool		 https;
	char		 request_id[65];

	struct kvlist	 params;	/* every FastCGI param, raw */
	struct kvlist	 headers;	/* lower-case names: "user-agent" */
	struct kvlist	 query;
	struct kvlist	 cookies;
	struct kvlist	 form;		/* urlencoded body */
	json_t		*json;		/* JSON body, or NULL */
	struct kvlist	 route;		/* :name captures from the router */
	/*
	 * The route that answered, for per-route metrics: a pattern or
	 * endpoint path that outlives the request (the route table's, the
	 * config's), set by whoever matched it; NULL: none matched.
	 */
	const char	*route_name;

	char		*body;
	size_t		 body_len;

	/*
	 * One block holds the params' copies, the header names and the
	 * strings above that are not path: a request costs one allocation
	 * for all of them instead of one per param.  Private to request.c.
	 */
	char		*pbuf;
	size_t		 pbuf_used;
	size_t		 pbuf_size;
};

/* More query parameters, form fields or cookies than this: 400. */
#define REQ_FIELDS_MAX	1000
/* Defaults used when req_* is given NULL limits. */
#define REQ_BODY_MAX_DEFAULT	(1024 * 1024)
#define REQ_JSON_DEPTH_DEFAULT	32

void	 req_init(struct request *);
void	 req_free(struct request *);

/*
 * Fills req from FastCGI params given as "NAME=value" strings (envp
 * style, NULL-terminated).  Returns 0, or -1 with err set (400 for a bad
 * path or query, 411 for a body without Content-Length, 413 over limits).
 */
int	 req_parse_params(struct request *, char *const *envp,
	    const struct req_limits *, struct req_error *);
/* Decodes the body by content type into form or json; -1 with err set. */
int	 req_parse_body(struct request *, const char *, size_t,
	    const struct req_limits *, struct req_error *);

/* Parsers, public for tests and fuzzers.  Each returns 0 or -1 + err. */
int	 req_percent_decode(const char *, size_t, bool plus_is_space,
	    char **out, size_t *outlen, struct req_error *);
int	 req_parse_query(const char *, size_t, struct kvlist *,
	    struct req_error *);
int	 req_parse_cookies(const char *, size_t, struct kvlist *,
	    struct req_error *);
int	 req_parse_json(const char *, size_t, unsigned depth, json_t **,
	    struct req_error *);

/* Lookups across the request. */
/* Request header by name, case-insensitively ("user-agent"). */
const char *req_header(const struct request *, const char *lcname);
/* Raw FastCGI param by name ("SERVER_NAME"), first occurrence. */
const char *req_param(const struct request *, const char *name);
/*
 * Body fields are read by the app through ctx_field() (ctx.h), which
 * tells an absent field from one that is not a string.
 */
/* True when the client prefers JSON: /api/ paths or Accept naming it. */
bool	 req_wants_json(const struct request *);

#endif
