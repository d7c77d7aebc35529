/*
 * fields.h: the app's input validators.
 *
 * Each takes the raw value (NULL: absent) and returns NULL when it is
 * valid, filling the parsed value, or a message for the field's error
 * ("must be ...").  Messages are static strings and name no user data.
 */
#ifndef CREWLOG_FIELDS_H
#define CREWLOG_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FIELD_EMAIL_MAX		254
#define FIELD_NAME_MAX		100
#define FIELD_PASSWORD_MIN	8
#define FIELD_PASSWORD_MAX	1024
#define FIELD_ACTIVITY_MAX	200

/* Valid UTF-8 with no control characters (tab allowed if tabs). */
bool		 field_text_ok(const char *, size_t, bool tabs);
/* Counts code points of valid UTF-8. */
size_t		 field_utf8_len(const char *);

const char	*field_email(const char *);
const char	*field_name(const char *);
const char	*field_password(const char *);
/*
 * At login only presence and size are checked: any other answer than
 * 401 would tell which accounts exist or which passwords are too short.
 */
const char	*field_login_email(const char *);
const char	*field_login_password(const char *);
/* "YYYY-MM-DD", a real calendar date from 1900 to 2199. */
const char	*field_date(const char *);
/* Hours as text ("2.5", "2,5" refused): quarters 1..96 into *q. */
const char	*field_hours_text(const char *, int *q);
/* Hours as a JSON number. */
const char	*field_hours_num(double, int *q);
const char	*field_activity(const char *);
/* A decimal integer in [min, max]; absent is the caller's default. */
const char	*field_int(const char *, int64_t min, int64_t max,
		    int64_t *out);

#endif
