/* token.c - the keys of a token for programs (issue 17 item 3).
 *
 * A token secret is 32 bytes from libsodium's RNG: it needs no slow KDF
 * (Argon2id protects low-entropy passphrases against guessing; 256 random
 * bits cannot be guessed), so two subkeys are derived from it with
 * crypto_kdf (BLAKE2b):
 *
 *   subkey 1 ("fortrtok"): the verifier stored in the tokens table, compared
 *            in constant time; it does not open anything
 *   subkey 2 ("fortrtok"): seals the token's secret keys (X25519 secret key
 *            and Ed25519 seed, 64 bytes) with XChaCha20-Poly1305, AD = the
 *            caller's binding (vault id, token id, name)
 *
 * Everything here is libsodium; keys and temporaries are wiped. */
#include <string.h>
#include <sodium.h>
#include "util.h"
#include "keys/keys.h"

static const char ctx[crypto_kdf_CONTEXTBYTES] = { 'f', 'o', 'r', 't', 'r', 't', 'o', 'k' };

void keys_token_verifier(unsigned char out[32], const unsigned char secret[KEYS_TOKEN_SECRET_LEN])
{
	crypto_kdf_derive_from_key(out, 32, 1, ctx, secret);
}

int keys_token_verify(const unsigned char verifier[32], const unsigned char secret[KEYS_TOKEN_SECRET_LEN])
{
	unsigned char v[32];
	int ok;
	keys_token_verifier(v, secret);
	ok = sodium_memcmp(v, verifier, 32) == 0;
	sodium_memzero(v, sizeof v);
	return ok;
}

int keys_token_seal(unsigned char sealed[KEYS_TOKEN_SEALED_LEN], const keyring *kr, const unsigned char secret[KEYS_TOKEN_SECRET_LEN],
		    const unsigned char *ad, size_t adlen)
{
	unsigned char *k = sodium_malloc(32), *pt = sodium_malloc(64);
	if (!k || !pt) {
		sodium_free(k);
		sodium_free(pt);
		return fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys");
	}
	crypto_kdf_derive_from_key(k, 32, 2, ctx, secret);
	memcpy(pt, kr->box_sk, 32);
	memcpy(pt + 32, kr->sign_sk, 32);  /* the Ed25519 seed */
	randombytes_buf(sealed, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(sealed + 24, NULL, pt, 64, ad, adlen, NULL, sealed, k);
	sodium_free(k);
	sodium_free(pt);
	return 0;
}

int keys_token_unseal(fort_secret **out, const unsigned char *sealed, size_t len, const unsigned char secret[KEYS_TOKEN_SECRET_LEN],
		      const unsigned char *ad, size_t adlen)
{
	unsigned char *k, *pt;
	int r;
	*out = NULL;
	if (len != KEYS_TOKEN_SEALED_LEN)
		return fort_error_set(FORT_EAUTH, "the token's keys do not open");
	k = sodium_malloc(32);
	pt = sodium_malloc(64);
	if (!k || !pt) {
		sodium_free(k);
		sodium_free(pt);
		return fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys");
	}
	crypto_kdf_derive_from_key(k, 32, 2, ctx, secret);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL, sealed + 24, len - 24, ad, adlen, sealed, k) != 0)
		r = fort_error_set(FORT_EAUTH, "the token's keys do not open");
	else
		r = fort_secret_new(out, pt, 64);
	sodium_free(k);
	sodium_free(pt);
	return r;
}
