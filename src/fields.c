/*
 * fields.c: the app's input validators (see fields.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"

/*
 * Strict UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF)
 * without C0 controls or DEL; tabs only when allowed.
 */
bool
field_text_ok(const char *s, size_t len, bool tabs)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n, k;
	uint32_t		 cp;

	while (i < len) {
		unsigned char c = p[i];

		if (c < 0x80) {
			if ((c < 0x20 && !(tabs && c == '\t')) || c == 0x7f)
				return false;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else
			return false;
		for (k = 1; k <= n; k++) {
			if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp < 0xa0))
			return false;
		i += n + 1;
	}
	return true;
}

size_t
field_utf8_len(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

const char *
field_email(const char *s)
{
	const char	*at;
	size_t		 len, i;

	if (s == NULL || *s == '\0')
		return "is required";
	len = strlen(s);
	if (len > FIELD_EMAIL_MAX)
		return "must be at most 254 characters";
	if (!field_text_ok(s, len, false))
		return "must be an email address like name@example.com";
	for (i = 0; i < len; i++)
		if (s[i] == ' ')
			return "must be an email address like "
			       "name@example.com";
	at = strchr(s, '@');
	if (at == NULL || at == s || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL || strchr(at + 1, '.') == NULL ||
	    at[1] == '.' || s[len - 1] == '.')
		return "must be an email address like name@example.com";
	return NULL;
}

const char *
field_name(const char *s)
{
	size_t	 len, cps;

	if (s == NULL || *s == '\0')
		return "is required";
	len = strlen(s);
	if (!field_text_ok(s, len, false))
		return "must be text without control characters";
	cps = field_utf8_len(s);
	if (cps > FIELD_NAME_MAX)
		return "must be at most 100 characters";
	if (s[0] == ' ' || s[len - 1] == ' ')
		return "must not start or end with a space";
	return NULL;
}

const char *
field_password(const char *s)
{
	size_t	 len;

	if (s == NULL || *s == '\0')
		return "is required";
	len = strlen(s);
	if (len > FIELD_PASSWORD_MAX)
		return "must be at most 1024 bytes";
	if (!field_text_ok(s, len, true))
		return "must be text without control characters";
	if (field_utf8_len(s) < FIELD_PASSWORD_MIN)
		return "must be at least 8 characters";
	return NULL;
}

const char *
field_login_email(const char *s)
{
	if (s == NULL || *s == '\0')
		return "is required";
	if (strlen(s) > FIELD_EMAIL_MAX)
		return "must be at most 254 characters";
	return NULL;
}

const char *
field_login_password(const char *s)
{
	if (s == NULL || *s == '\0')
		return "is required";
	if (strlen(s) > FIELD_PASSWORD_MAX)
		return "must be at most 1024 bytes";
	return NULL;
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The value of n decimal digits the caller has checked. */
static int
digits(const char *s, int n)
{
	int	 v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

const char *
field_date(const char *s)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int		 i, y, m, d, dim;

	if (s == NULL || *s == '\0')
		return "is required";
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return "must be a date like 2026-11-20";
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return "must be a date like 2026-11-20";
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (m < 1 || m > 12)
		return "must be a date like 2026-11-20";
	dim = mdays[m - 1] + (m == 2 && leap(y));
	if (d < 1 || d > dim)
		return "must be a real calendar date";
	if (y < 1900 || y > 2199)
		return "must be a date from 1900 to 2199";
	return NULL;
}

#define HOURS_MSG	"must be between 0.25 and 24, in steps of 0.25"

const char *
field_hours_num(double h, int *q)
{
	double	 x;

	if (!isfinite(h) || h < 0.25 || h > 24)
		return HOURS_MSG;
	x = h * 4;
	if (x != floor(x))
		return HOURS_MSG;
	*q = (int)x;
	return NULL;
}

const char *
field_hours_text(const char *s, int *q)
{
	char	*end;
	double	 h;
	size_t	 i;

	if (s == NULL || *s == '\0')
		return "is required";
	/* Plain decimals only: no exponents, hex, "inf" or spaces. */
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
			return "must be a number like 2.5";
	if (i > 12)
		return HOURS_MSG;
	errno = 0;
	h = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0')
		return "must be a number like 2.5";
	return field_hours_num(h, q);
}

const char *
field_activity(const char *s)
{
	if (s == NULL || *s == '\0')
		return "is required";
	if (!field_text_ok(s, strlen(s), false))
		return "must be text without control characters";
	if (field_utf8_len(s) > FIELD_ACTIVITY_MAX)
		return "must be at most 200 characters";
	return NULL;
}

const char *
field_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0' ||
	    !(*s == '-' || (*s >= '0' && *s <= '9')))
		return "must be an integer";
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return "must be an integer";
	if (v < min || v > max)
		return "is out of range";
	*out = v;
	return NULL;
}
