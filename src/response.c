/*
 * response.c: collects status, headers, cookies and body; sends them
 * once as a CGI response on the FastCGI stdout stream.
 *
 * Nothing a handler passes in can split the response: header names must
 * be tokens, values and cookie attributes may not hold control
 * characters, cookie values must be RFC 6265 cookie-octets.  A refused
 * header or cookie adds nothing and returns -1.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jv.h"
#include "response.h"
#include "util.h"

#define DEFAULT_TYPE	"text/html; charset=utf-8"
#define JSON_TYPE	"application/json"

void
resp_init(struct response *r)
{
	r->status = 200;
	buf_init(&r->headers);
	buf_init(&r->body);
	r->content_type = NULL;
	r->head = false;
}

void
resp_free(struct response *r)
{
	buf_free(&r->headers);
	buf_free(&r->body);
	free(r->content_type);
	r->content_type = NULL;
}

/* Keeps head: it belongs to the request, not to what was written. */
void
resp_reset(struct response *r)
{
	r->status = 200;
	buf_reset(&r->headers);
	buf_reset(&r->body);
	free(r->content_type);
	r->content_type = NULL;
}

void
resp_status(struct response *r, int status)
{
	r->status = status;
}

/* ---------------------------------------------------------------------
 * Headers and cookies
 */

/* RFC 9110 tchar: visible ASCII but the separators. */
static bool
is_tchar(unsigned char c)
{
	switch (c) {
	case '"':
	case '(':
	case ')':
	case ',':
	case '/':
	case ':':
	case ';':
	case '<':
	case '=':
	case '>':
	case '?':
	case '@':
	case '[':
	case '\\':
	case ']':
	case '{':
	case '}':
		return false;
	default:
		return c > 0x20 && c < 0x7f;
	}
}

static bool
is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!is_tchar((unsigned char)*s))
			return false;
	return true;
}

/* Header field text: no control characters but tab. */
static bool
is_field_value(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return false;
	return true;
}

/* RFC 6265 cookie-octet: visible ASCII but DQUOTE , ; and backslash. */
static bool
is_cookie_value(const char *s)
{
	unsigned char	 c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' ||
		    c == '\\')
			return false;
	}
	return true;
}

/*
 * Adds "Name: value".  Content-Type goes to resp_content_type();
 * Content-Length and Status are ours to write, so they are refused like
 * a name that is not a token or a value with CR, LF or another control.
 */
int
resp_header(struct response *r, const char *name, const char *value)
{
	if (name == NULL || value == NULL || !is_token(name) ||
	    !is_field_value(value))
		return -1;
	/* Most names start otherwise: skip three case-folding compares. */
	if ((name[0] | 0x20) == 'c' || (name[0] | 0x20) == 's') {
		if (strcasecmp(name, "Content-Length") == 0 ||
		    strcasecmp(name, "Status") == 0)
			return -1;
		if (strcasecmp(name, "Content-Type") == 0) {
			resp_content_type(r, value);
			return 0;
		}
	}
	if (r->headers.cap == 0)
		buf_reserve(&r->headers, 240);	/* one allocation, not three */
	buf_puts(&r->headers, name);
	buf_append(&r->headers, ": ", 2);
	buf_puts(&r->headers, value);
	buf_append(&r->headers, "\r\n", 2);
	return 0;
}

/*
 * Adds a Set-Cookie header.  o NULL: a session cookie for "/", HttpOnly,
 * SameSite=Lax.  SameSite=None is only written with Secure (browsers
 * drop the cookie otherwise); without it the browser's default (Lax)
 * applies.  Returns -1 and adds nothing for a name that is not a token,
 * a value that is not cookie-octets or a path with ';' or controls.
 */
int
resp_cookie(struct response *r, const char *name, const char *value,
    const struct cookie_opts *o)
{
	static const struct cookie_opts dflt = { -1, false, true, SAMESITE_LAX,
		"/" };
	const char			*path;

	if (o == NULL)
		o = &dflt;
	path = o->path != NULL ? o->path : "/";
	if (name == NULL || value == NULL || !is_token(name) ||
	    !is_cookie_value(value) || path[0] != '/' ||
	    !is_field_value(path) || strchr(path, ';') != NULL)
		return -1;
	buf_printf(&r->headers, "Set-Cookie: %s=%s; Path=%s", name, value,
	    path);
	if (o->max_age >= 0)
		buf_printf(&r->headers, "; Max-Age=%ld", o->max_age);
	if (o->secure)
		buf_puts(&r->headers, "; Secure");
	if (o->http_only)
		buf_puts(&r->headers, "; HttpOnly");
	if (o->same_site == SAMESITE_STRICT)
		buf_puts(&r->headers, "; SameSite=Strict");
	else if (o->same_site == SAMESITE_LAX)
		buf_puts(&r->headers, "; SameSite=Lax");
	else if (o->secure)
		buf_puts(&r->headers, "; SameSite=None");
	buf_puts(&r->headers, "\r\n");
	return 0;
}

/* NULL restores the default; a type with control characters is ignored. */
void
resp_content_type(struct response *r, const char *type)
{
	if (type != NULL && (*type == '\0' || !is_field_value(type)))
		return;
	free(r->content_type);
	r->content_type = type != NULL ? xstrdup(type) : NULL;
}

/* ---------------------------------------------------------------------
 * Bodies: JSON and errors
 */

/* Replaces the body with the compact JSON of v; -1 if v cannot be. */
int
resp_json(struct response *r, int status, const json_t *v)
{
	char	*s;

	if (v == NULL ||
	    (s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		return -1;
	buf_reset(&r->body);
	buf_puts(&r->body, s);
	free(s);
	r->status = status;
	resp_content_type(r, JSON_TYPE);
	return 0;
}

/* A string member from untrusted bytes; -1 only when jansson fails. */
static int
set_clean(json_t *o, const char *key, const char *s)
{
	char	*c = jv_utf8_clean(s);
	int	 rc;

	rc = json_object_set_new(o, key, json_string(c));
	free(c);
	return rc;
}

/* fields is stolen, also on failure. */
int
resp_json_error(struct response *r, int status, const char *code,
    const char *msg, json_t *fields)
{
	json_t	*top = NULL, *e = NULL;
	int	 rc = -1;

	if ((top = json_object()) == NULL || (e = json_object()) == NULL ||
	    json_object_set(top, "error", e) == -1 ||
	    set_clean(e, "code", code != NULL ? code : "error") == -1 ||
	    set_clean(e, "message", msg != NULL ? msg : resp_reason(status)) ==
		-1)
		goto out;
	if (fields != NULL) {
		rc = json_object_set_new(e, "fields", fields);
		fields = NULL;
		if (rc == -1)
			goto out;
	}
	rc = resp_json(r, status, top);
out:
	json_decref(fields);
	json_decref(e);
	json_decref(top);
	return rc;
}

static const char *
status_code(int status)
{
	switch (status) {
	case 400:
		return "bad_request";
	case 401:
		return "unauthorized";
	case 403:
		return "forbidden";
	case 404:
		return "not_found";
	case 405:
		return "method_not_allowed";
	case 409:
		return "conflict";
	case 411:
		return "length_required";
	case 413:
		return "body_too_large";
	case 415:
		return "unsupported_media_type";
	case 422:
		return "unprocessable";
	case 429:
		return "too_many_requests";
	case 503:
		return "unavailable";
	default:
		return status >= 500 ? "internal" : "error";
	}
}

static void
html_escape(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		case '\'':
			buf_puts(b, "&#39;");
			break;
		default:
			buf_putc(b, *s);
		}
	}
}

static void
html_error(struct response *r, int status, const char *msg, const char *field)
{
	char	*m = jv_utf8_clean(msg), *f = NULL;

	buf_reset(&r->body);
	buf_printf(&r->body,
	    "<!doctype html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n"
	    "<title>%d %s</title>\n<style>body{font:16px/1.5 system-ui,"
	    "sans-serif;max-width:40em;margin:4em auto;padding:0 1em;"
	    "color:#222}h1{font-size:1.4em}code{background:#eee;"
	    "padding:0 .2em}</style>\n</head>\n<body>\n<h1>%d %s</h1>\n<p>",
	    status, resp_reason(status), status, resp_reason(status));
	html_escape(&r->body, m);
	buf_puts(&r->body, "</p>\n");
	if (field != NULL && *field != '\0') {
		f = jv_utf8_clean(field);
		buf_puts(&r->body, "<p>Field: <code>");
		html_escape(&r->body, f);
		buf_puts(&r->body, "</code></p>\n");
	}
	buf_puts(&r->body,
	    "<p><a href=\"/\">Back to the start page</a></p>\n"
	    "</body>\n</html>\n");
	r->status = status;
	resp_content_type(r, DEFAULT_TYPE);
	free(m);
	free(f);
}

int
resp_error(struct response *r, bool json, int status, const char *code,
    const char *message, const char *field)
{
	json_t	*fields = NULL;
	char	*f;

	if (message == NULL)
		message = resp_reason(status);
	if (code == NULL)
		code = status_code(status);
	if (!json) {
		html_error(r, status, message, field);
		return 0;
	}
	if (field != NULL && *field != '\0') {
		if ((fields = json_object()) == NULL)
			goto fail;
		f = jv_utf8_clean(field);
		if (set_clean(fields, f, message) == -1) {
			free(f);
			json_decref(fields);
			goto fail;
		}
		free(f);
	}
	if (resp_json_error(r, status, code, message, fields) == 0)
		return 0;
fail:
	buf_reset(&r->body);
	buf_puts(&r->body,
	    "{\"error\":{\"code\":\"internal\",\"message\":"
	    "\"Internal Server Error\"}}");
	r->status = 500;
	resp_content_type(r, JSON_TYPE);
	return -1;
}

/* ---------------------------------------------------------------------
 * Sending
 */

const char *
resp_reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 101:
		return "Switching Protocols";
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 206:
		return "Partial Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 307:
		return "Temporary Redirect";
	case 308:
		return "Permanent Redirect";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 406:
		return "Not Acceptable";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 411:
		return "Length Required";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Content";
	case 428:
		return "Precondition Required";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		if (status >= 100 && status < 200)
			return "Informational";
		if (status >= 200 && status < 300)
			return "Success";
		if (status >= 300 && status < 400)
			return "Redirection";
		if (status >= 400 && status < 500)
			return "Client Error";
		return "Server Error";
	}
}

/*
 * Status line, Content-Type, Content-Length, the headers, a blank line
 * and the body (none for HEAD, with the GET body's length).  A status
 * outside 100-599 is sent as 500.  204 and 304 never carry a body, so
 * they get no Content-Length or Content-Type (RFC 9110, 8.6 and 15.4.5).
 */
/* Appends v in decimal: the head is built without printf. */
static void
put_size(struct buf *b, size_t v)
{
	char	 d[24];
	size_t	 i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	buf_append(b, d + i, sizeof(d) - i);
}

/* The status sent: one outside 100-599 goes out as 500. */
static int
sent_status(const struct response *r)
{
	return r->status < 100 || r->status > 599 ? 500 : r->status;
}

/* Whether the status may carry a body (and so a length and a type). */
static bool
bodyless(int status)
{
	return status < 200 || status == 204 || status == 304;
}

void
resp_serialize_head(const struct response *r, struct buf *out)
{
	int	 status = sent_status(r);

	buf_append(out, "Status: ", 8);
	put_size(out, (size_t)status);
	buf_putc(out, ' ');
	buf_puts(out, resp_reason(status));
	buf_append(out, "\r\n", 2);
	if (!bodyless(status)) {
		buf_append(out, "Content-Type: ", 14);
		buf_puts(out,
		    r->content_type != NULL ? r->content_type : DEFAULT_TYPE);
		buf_append(out, "\r\nContent-Length: ", 18);
		put_size(out, r->body.len);
		buf_append(out, "\r\n", 2);
	}
	if (r->headers.len > 0)
		buf_append(out, r->headers.data, r->headers.len);
	buf_append(out, "\r\n", 2);
}

bool
resp_sends_body(const struct response *r)
{
	return !bodyless(sent_status(r)) && !r->head && r->body.len > 0;
}

void
resp_serialize(struct response *r, struct buf *out)
{
	resp_serialize_head(r, out);
	if (resp_sends_body(r))
		buf_append(out, r->body.data, r->body.len);
}
