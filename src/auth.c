/*
 * auth.c: passwords, tokens, comparisons (see auth.h); only this file
 * calls libsodium.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"

/*
 * State: the dummy hash verified for unknown accounts, computed on first
 * use with the configured cost (per worker; never changes after).
 */
static char	 auth_dummy[AUTH_PWHASH_MAX];

int
auth_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

static void
cost_of(const struct auth_cost *c, unsigned long long *ops, size_t *mem)
{
	*ops = c != NULL && c->ops != 0 ? c->ops :
	    crypto_pwhash_OPSLIMIT_INTERACTIVE;
	*mem = c != NULL && c->mem != 0 ? c->mem :
	    crypto_pwhash_MEMLIMIT_INTERACTIVE;
	if (*ops < crypto_pwhash_OPSLIMIT_MIN)
		*ops = crypto_pwhash_OPSLIMIT_MIN;
	if (*mem < crypto_pwhash_MEMLIMIT_MIN)
		*mem = crypto_pwhash_MEMLIMIT_MIN;
}

int
auth_hash_password(const char *pw, const struct auth_cost *c,
    char out[AUTH_PWHASH_MAX])
{
	unsigned long long	 ops;
	size_t			 mem;

	_Static_assert(AUTH_PWHASH_MAX == crypto_pwhash_STRBYTES,
	    "AUTH_PWHASH_MAX");
	cost_of(c, &ops, &mem);
	if (crypto_pwhash_str(out, pw, strlen(pw), ops, mem) != 0)
		return -1;
	return 0;
}

bool
auth_verify_password(const char *hash, const char *pw,
    const struct auth_cost *c)
{
	if (hash == NULL) {
		if (auth_dummy[0] == '\0' &&
		    auth_hash_password("crewlog dummy", c, auth_dummy) == -1)
			return false;
		/* The result is irrelevant: only the time it takes. */
		if (crypto_pwhash_str_verify(auth_dummy, pw, strlen(pw)) == 0)
			return false;
		return false;
	}
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

void
auth_new_token(char out[AUTH_TOKEN_LEN + 1])
{
	unsigned char	 r[32];

	randombytes_buf(r, sizeof(r));
	sodium_bin2base64(out, AUTH_TOKEN_LEN + 1, r, sizeof(r),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(r, sizeof(r));
}

bool
auth_token_syntax(const char *s)
{
	size_t	 i;

	if (s == NULL || strlen(s) != AUTH_TOKEN_LEN)
		return false;
	for (i = 0; i < AUTH_TOKEN_LEN; i++) {
		char	 ch = s[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return false;
	}
	return true;
}

void
auth_token_hash(const char *token, char out[AUTH_HASH_HEX_LEN + 1])
{
	unsigned char	 h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)token,
	    strlen(token), NULL, 0);
	sodium_bin2hex(out, AUTH_HASH_HEX_LEN + 1, h, sizeof(h));
}

bool
auth_equal(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	if (la != lb)
		return false;
	return sodium_memcmp(a, b, la) == 0;
}

void
auth_sha256(const void *data, size_t len, unsigned char out[AUTH_SHA256_LEN])
{
	(void)crypto_hash_sha256(out, data, len);	/* cannot fail */
}

void
auth_hmac_sha256(const void *key, size_t keylen, const void *data,
    size_t len, unsigned char out[AUTH_SHA256_LEN])
{
	crypto_auth_hmacsha256_state	 st;

	/* The multi-part API takes a key of any length, as SigV4 needs. */
	(void)crypto_auth_hmacsha256_init(&st, key, keylen);
	(void)crypto_auth_hmacsha256_update(&st, data, len);
	(void)crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}
