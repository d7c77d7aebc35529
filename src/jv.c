/*
 * jv.c: building JSON view-models; see jv.h for the policy.
 */
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "jv.h"

char *
jv_utf8_clean(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	struct buf		 b = BUF_INIT;
	size_t			 i = 0, n, k;
	uint32_t		 cp;
	unsigned char		 c;

	while (p[i] != '\0') {
		c = p[i];
		n = c < 0x80               ? 0 :
		    c >= 0xc2 && c <= 0xdf ? 1 :
		    c >= 0xe0 && c <= 0xef ? 2 :
		    c >= 0xf0 && c <= 0xf4 ? 3 :
					     4;
		cp = n == 1 ? c & 0x1f : n == 2 ? c & 0x0f : c & 0x07;
		for (k = 1; n < 4 && k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				break;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (n == 4 || k <= n ||
		    (n == 2 &&
			(cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff))) {
			buf_puts(&b, "\xef\xbf\xbd");
			i++;
			continue;
		}
		buf_append(&b, p + i, n + 1);
		i += n + 1;
	}
	return buf_release(&b);
}

json_t *
jv_str(const char *s)
{
	json_t	*v;
	char	*c;

	if (s == NULL)
		return json_null();
	if ((v = json_string(s)) != NULL)
		return v;
	c = jv_utf8_clean(s);	/* the slow path: only for bad bytes */
	v = json_string(c);
	free(c);
	if (v == NULL)
		abort();	/* clean UTF-8: only OOM gets here */
	return v;
}

void
jv_set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) == -1)
		abort();	/* our keys and values: only OOM gets here */
}

void
jv_push(json_t *a, json_t *v)
{
	if (v == NULL || json_array_append_new(a, v) == -1)
		abort();
}
