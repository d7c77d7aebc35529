/*
 * test_healthcheck.c: the FastCGI request crewlog healthcheck sends and
 * its reading of replies: status from the CGI headers, incomplete
 * streams, malformed records.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "healthcheck.h"

/* Appends one record for request 1 with padding pad. */
static void
record(struct buf *b, int type, const char *p, size_t len, int pad)
{
	unsigned char	 h[8] = { 1, (unsigned char)type, 0, 1,
		(unsigned char)(len >> 8), (unsigned char)(len & 0xff),
		(unsigned char)pad, 0 };
	static const char zeros[8];

	buf_append(b, h, sizeof(h));
	buf_append(b, p, len);
	buf_append(b, zeros, (size_t)pad);
}

static void
end_request(struct buf *b, int protocol_status)
{
	char	 body[8] = { 0, 0, 0, 0, (char)protocol_status, 0, 0, 0 };

	record(b, 3, body, sizeof(body), 0);
}

static int
parse(struct buf *b, int *status)
{
	struct buf	 why = BUF_INIT;
	int		 rc;

	rc = hc_parse_reply((const unsigned char *)b->data, b->len, status,
	    &why);
	if (rc == -1)
		assert_true(why.len > 0);	/* a failure says why */
	buf_free(&why);
	return rc;
}

static void
test_request_records(void **state)
{
	struct buf	 b = BUF_INIT;
	const unsigned char *p;
	size_t		 off = 0, n = 0, clen;
	int		 types[4];

	(void)state;
	hc_request(&b, "/healthz");
	p = (const unsigned char *)b.data;
	while (off < b.len) {
		assert_true(n < 4);
		assert_int_equal(p[off], 1);		/* version */
		assert_int_equal(p[off + 3], 1);	/* request id */
		types[n++] = p[off + 1];
		clen = (size_t)p[off + 4] << 8 | p[off + 5];
		off += 8 + clen + p[off + 6];
	}
	assert_int_equal(off, b.len);
	assert_int_equal(n, 4);
	assert_int_equal(types[0], 1);	/* BEGIN_REQUEST */
	assert_int_equal(types[1], 4);	/* PARAMS */
	assert_int_equal(types[2], 4);	/* end of PARAMS */
	assert_int_equal(types[3], 5);	/* empty STDIN */
	assert_non_null(memmem(b.data, b.len, "REQUEST_URI/healthz", 19));
	buf_free(&b);
}

static void
test_status_header(void **state)
{
	static const char
	    out[] = "Status: 503 Service Unavailable\r\n"
		    "Content-Type: text/plain\r\n\r\nnot ready\n";
	struct buf	 b = BUF_INIT;
	int		 status = 0;

	(void)state;
	record(&b, 6, out, sizeof(out) - 1, 3);
	record(&b, 7, "warn", 4, 0);
	record(&b, 6, NULL, 0, 0);
	end_request(&b, 0);
	assert_int_equal(parse(&b, &status), 0);
	assert_int_equal(status, 503);
	buf_free(&b);
}

static void
test_no_status_is_200(void **state)
{
	static const char out[] = "Content-Type: text/plain\r\n\r\n"
				  "Status: 500 in the body does not count\n";
	struct buf	 b = BUF_INIT;
	int		 status = 0;

	(void)state;
	record(&b, 6, out, sizeof(out) - 1, 0);
	end_request(&b, 0);
	assert_int_equal(parse(&b, &status), 0);
	assert_int_equal(status, 200);
	buf_free(&b);
}

static void
test_incomplete(void **state)
{
	static const char out[] = "Status: 200 OK\r\n\r\nok\n";
	struct buf	 b = BUF_INIT;
	size_t		 full;
	int		 status = 0;

	(void)state;
	record(&b, 6, out, sizeof(out) - 1, 0);
	end_request(&b, 0);
	full = b.len;
	for (b.len = 0; b.len < full; b.len++)
		assert_int_equal(parse(&b, &status), 1);
	assert_int_equal(parse(&b, &status), 0);
	assert_int_equal(status, 200);
	buf_free(&b);
}

static void
test_malformed(void **state)
{
	struct buf	 b = BUF_INIT;
	int		 status = 0;

	(void)state;
	/* Wrong version. */
	buf_append(&b, "\2\6\0\1\0\0\0\0", 8);
	assert_int_equal(parse(&b, &status), -1);
	/* Another request id. */
	buf_reset(&b);
	buf_append(&b, "\1\6\0\2\0\0\0\0", 8);
	assert_int_equal(parse(&b, &status), -1);
	/* Unknown record type. */
	buf_reset(&b);
	record(&b, 9, "x", 1, 0);
	assert_int_equal(parse(&b, &status), -1);
	/* Request not completed (overloaded). */
	buf_reset(&b);
	record(&b, 6, "\r\n", 2, 0);
	end_request(&b, 2);
	assert_int_equal(parse(&b, &status), -1);
	/* A bad Status header. */
	buf_reset(&b);
	record(&b, 6, "Status: 2x0\r\n\r\n", 16, 0);
	end_request(&b, 0);
	assert_int_equal(parse(&b, &status), -1);
	/* No output at all. */
	buf_reset(&b);
	end_request(&b, 0);
	assert_int_equal(parse(&b, &status), -1);
	buf_free(&b);
}

/* Found by fuzz_fcgi_reply: no STDOUT at all left the header buffer NULL. */
static void
test_stderr_only_reply_is_empty(void **state)
{
	struct buf	 b = BUF_INIT;
	int		 status = 0;

	(void)state;
	record(&b, 7, "warning\n", 8, 0);
	end_request(&b, 0);
	assert_int_equal(parse(&b, &status), -1);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_records),
		cmocka_unit_test(test_status_header),
		cmocka_unit_test(test_no_status_is_200),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_stderr_only_reply_is_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
