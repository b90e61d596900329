/* crypt.c - the vault-level key that seals incident text, and the sealing.
 * The key is random, wrapped under the vault key like a client key
 * (keys_client_wrap with a pseudo client id no client has), so a vault-key
 * rotation re-wraps 32 bytes instead of re-encrypting the register. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "incident/incident_int.h"

#define META_KEY "incident_key"

static void put_be32(unsigned char *p, uint32_t x)
{
	p[0] = (unsigned char)(x >> 24); p[1] = (unsigned char)(x >> 16); p[2] = (unsigned char)(x >> 8); p[3] = (unsigned char)x;
}

/* K_I into KEY; CREATE: make one when there is none (inside a write
 * transaction).  FORT_ENOTFOUND when there is none and CREATE is 0. */
static int key_get(unsigned char key[KEY_LEN], fort_vault *v, int create)
{
	unsigned char *m = NULL, blob[4 + WRAPPED_LEN];
	size_t len = 0;
	int r;

	if ((r = store_meta_get(v->st, META_KEY, &m, &len)) == 0) {
		if (len != sizeof blob) {
			free(m);
			return fort_error_set(FORT_ECORRUPT, "the incident register's key is damaged: restore the vault from a backup");
		}
		int ver = (int)((uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3]);
		r = keys_client_unwrap(key, v->kr, INCIDENT_KEY_ID, ver, m + 4, WRAPPED_LEN);
		free(m);
		return r;
	}
	if (r != FORT_ENOTFOUND || !create)
		return r;
	fort_error_clear();
	fort_random(key, KEY_LEN);
	put_be32(blob, (uint32_t)v->kr->vk_version);
	if ((r = keys_client_wrap(blob + 4, v->kr, INCIDENT_KEY_ID, key)) < 0 ||
	    (r = store_meta_put(v->st, META_KEY, blob, sizeof blob)) < 0)
		sodium_memzero(key, KEY_LEN);
	return r;
}

int incident_key_rewrap(fort_vault *v)
{
	unsigned char key[KEY_LEN], blob[4 + WRAPPED_LEN];
	int r = key_get(key, v, 0);

	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		return 0;   /* no incident recorded yet */
	}
	if (r < 0)
		return r;
	put_be32(blob, (uint32_t)v->kr->vk_version);
	if ((r = keys_client_wrap(blob + 4, v->kr, INCIDENT_KEY_ID, key)) == 0)
		r = store_meta_put(v->st, META_KEY, blob, sizeof blob);
	sodium_memzero(key, sizeof key);
	return r;
}

static size_t make_ad(unsigned char ad[64], int64_t incident, const char *kind)
{
	size_t k = strlen(kind) > 56 ? 56 : strlen(kind);
	for (int i = 0; i < 8; i++)
		ad[i] = (unsigned char)((uint64_t)incident >> (56 - 8 * i));
	memcpy(ad + 8, kind, k);
	return 8 + k;
}

int incident_seal(unsigned char **out, size_t *outlen, fort_vault *v, int64_t incident, const char *kind, const char *text)
{
	unsigned char key[KEY_LEN], ad[64], *ct;
	size_t adlen = make_ad(ad, incident, kind), len = strlen(text);
	int r;

	*out = NULL;
	if ((r = key_get(key, v, 1)) < 0)
		return r;
	if (!(ct = fort_malloc(NONCE_LEN + len + 16))) {
		sodium_memzero(key, sizeof key);
		return FORT_ENOMEM;
	}
	fort_random(ct, NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct + NONCE_LEN, NULL, (const unsigned char *)text, len, ad, adlen, NULL, ct, key);
	sodium_memzero(key, sizeof key);
	*out = ct;
	*outlen = NONCE_LEN + len + 16;
	return 0;
}

int incident_open(char **out, fort_vault *v, int64_t incident, const char *kind, const void *ct, size_t len)
{
	unsigned char key[KEY_LEN], ad[64];
	size_t adlen = make_ad(ad, incident, kind);
	char *pt;
	int r;

	*out = NULL;
	if (len < NONCE_LEN + 16)
		return fort_error_set(FORT_ECORRUPT, "incident %lld: a %s note is damaged", (long long)incident, kind);
	if ((r = key_get(key, v, 0)) < 0)
		return r;
	if (!(pt = fort_malloc(len - NONCE_LEN - 16 + 1))) {
		sodium_memzero(key, sizeof key);
		return FORT_ENOMEM;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)pt, NULL, NULL, (const unsigned char *)ct + NONCE_LEN,
						       len - NONCE_LEN, ad, adlen, ct, key) != 0) {
		sodium_memzero(key, sizeof key);
		free(pt);
		return fort_error_set(FORT_ETAMPER, "incident %lld: a %s note does not decrypt: it was altered outside Fortress",
				      (long long)incident, kind);
	}
	sodium_memzero(key, sizeof key);
	pt[len - NONCE_LEN - 16] = '\0';
	*out = pt;
	return 0;
}
