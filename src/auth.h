/*
 * auth.h: passwords, session tokens and CSRF tokens; the only libsodium
 * user.
 *
 * Passwords are argon2id strings from crypto_pwhash_str.  Session and
 * CSRF tokens are 32 random bytes in unpadded base64url (43 characters);
 * the database only ever sees a token's BLAKE2b-256 hash, in hex.
 */
#ifndef CREWLOG_AUTH_H
#define CREWLOG_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define AUTH_TOKEN_LEN		43	/* base64url of 32 bytes */
#define AUTH_HASH_HEX_LEN	64	/* hex of 32 bytes */
#define AUTH_PWHASH_MAX		128	/* crypto_pwhash_STRBYTES */

struct auth_cost {
	unsigned long long	 ops;	/* 0: libsodium INTERACTIVE */
	size_t			 mem;	/* 0: libsodium INTERACTIVE */
};

/* sodium_init(); 0 or -1.  Safe to call more than once. */
int	 auth_init(void);
/* out gets a NUL-terminated argon2id string; 0, or -1 (out of memory). */
int	 auth_hash_password(const char *pw, const struct auth_cost *,
	    char out[AUTH_PWHASH_MAX]);
/* True when pw matches hash.  A NULL hash (unknown account) still costs
 * one verification against a dummy hash, so timing does not tell. */
bool	 auth_verify_password(const char *hash, const char *pw,
	    const struct auth_cost *);
/* A fresh random token; out is NUL-terminated. */
void	 auth_new_token(char out[AUTH_TOKEN_LEN + 1]);
/* False unless s looks like one of our tokens (length, alphabet). */
bool	 auth_token_syntax(const char *s);
/* The hex hash stored in place of a session token. */
void	 auth_token_hash(const char *token, char out[AUTH_HASH_HEX_LEN + 1]);
/* Constant-time comparison of two NUL-terminated strings. */
bool	 auth_equal(const char *, const char *);

/* SHA-256 and HMAC-SHA-256 (any key length) into out, for sigv4.c. */
#define AUTH_SHA256_LEN		32
void	 auth_sha256(const void *data, size_t len,
	    unsigned char out[AUTH_SHA256_LEN]);
void	 auth_hmac_sha256(const void *key, size_t keylen, const void *data,
	    size_t len, unsigned char out[AUTH_SHA256_LEN]);

#endif
