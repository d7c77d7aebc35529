/*
 * fuzz_fields.c: the app's validators on arbitrary bytes (they see form
 * and JSON values straight from the network).  The input is split at the
 * first NUL-free prefix and handed to every validator.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "util.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;
	int	 q;
	int64_t	 v;

	(void)field_text_ok((const char *)data, size, false);
	(void)field_text_ok((const char *)data, size, true);
	s = xstrndup((const char *)data, size);
	(void)field_utf8_len(s);
	(void)field_email(s);
	(void)field_name(s);
	(void)field_password(s);
	(void)field_date(s);
	(void)field_hours_text(s, &q);
	(void)field_activity(s);
	(void)field_idem_key(s);
	(void)field_int(s, 1, 100, &v);
	if (size >= sizeof(double)) {
		double	 d;

		memcpy(&d, data, sizeof(d));
		(void)field_hours_num(d, &q);
	}
	free(s);
	return 0;
}
