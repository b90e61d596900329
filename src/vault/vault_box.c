/* vault_box.c - vault-level secrets (see vault_box.h). */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "vault/vault_int.h"
#include "vault/vault_box.h"

/* The box key is wrapped like a client key, under the pseudo client id 0
 * (real client ids start at 1), with the vault-key version in front. */
#define BOX_CID 0
#define BOX_META "box_key"

static int box_key(unsigned char key[KEY_LEN], fort_vault *v, int create)
{
	unsigned char *blob = NULL, w[4 + WRAPPED_LEN];
	size_t len = 0;
	int r, ver;
	if ((r = vault_need_unlocked(v)) < 0)
		return r;
	r = store_meta_get(v->st, BOX_META, &blob, &len);
	if (r == FORT_ENOTFOUND && create) {
		fort_error_clear();
		fort_random(key, KEY_LEN);
		ver = v->kr->vk_version;
		w[0] = (unsigned char)(ver >> 24), w[1] = (unsigned char)(ver >> 16), w[2] = (unsigned char)(ver >> 8), w[3] = (unsigned char)ver;
		if ((r = keys_client_wrap(w + 4, v->kr, BOX_CID, key)) < 0 || (r = store_meta_put(v->st, BOX_META, w, sizeof w)) < 0)
			sodium_memzero(key, KEY_LEN);
		return r;
	}
	if (r < 0)
		return r;
	if (len != sizeof w) {
		free(blob);
		return fort_error_set(FORT_ECORRUPT, "the vault's box key is damaged: restore the vault from a backup");
	}
	ver = (int)((uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 | (uint32_t)blob[2] << 8 | blob[3]);
	r = keys_client_unwrap(key, v->kr, BOX_CID, ver, blob + 4, WRAPPED_LEN);
	free(blob);
	return r;
}

int vault_box_rewrap(fort_vault *v)
{
	unsigned char key[KEY_LEN], w[4 + WRAPPED_LEN];
	int r, ver;
	r = box_key(key, v, 0);
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		return 0;
	}
	if (r < 0)
		return r;
	ver = v->kr->vk_version;
	w[0] = (unsigned char)(ver >> 24), w[1] = (unsigned char)(ver >> 16), w[2] = (unsigned char)(ver >> 8), w[3] = (unsigned char)ver;
	if ((r = keys_client_wrap(w + 4, v->kr, BOX_CID, key)) == 0)
		r = store_meta_put(v->st, BOX_META, w, sizeof w);
	sodium_memzero(key, sizeof key);
	return r;
}

int vault_box_seal(unsigned char **out, size_t *outlen, fort_vault *v, const char *label, const void *pt, size_t len)
{
	unsigned char key[KEY_LEN], *ct;
	int r;
	*out = NULL;
	*outlen = 0;
	if (len > SIZE_MAX - NONCE_LEN - 16)
		return fort_error_set(FORT_EINPUT, "a value is too large to store");
	if ((r = box_key(key, v, 1)) < 0)
		return r;
	if (!(ct = fort_malloc(NONCE_LEN + len + 16))) {
		sodium_memzero(key, sizeof key);
		return FORT_ENOMEM;
	}
	fort_random(ct, NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct + NONCE_LEN, NULL, pt, len, (const unsigned char *)label, strlen(label), NULL,
						   ct, key);
	sodium_memzero(key, sizeof key);
	*out = ct;
	*outlen = NONCE_LEN + len + 16;
	return 0;
}

int vault_box_open(char **out, size_t *outlen, fort_vault *v, const char *label, const unsigned char *in, size_t len)
{
	unsigned char key[KEY_LEN];
	char *pt;
	int r;
	*out = NULL;
	if (outlen)
		*outlen = 0;
	if (len < NONCE_LEN + 16)
		return fort_error_set(FORT_ECORRUPT, "a sealed value (%s) is truncated: restore the vault from a backup", label);
	if ((r = box_key(key, v, 0)) < 0)
		return r;
	if (!(pt = fort_malloc(len - NONCE_LEN - 16 + 1))) {
		sodium_memzero(key, sizeof key);
		return FORT_ENOMEM;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)pt, NULL, NULL, in + NONCE_LEN, len - NONCE_LEN,
						       (const unsigned char *)label, strlen(label), in, key) != 0) {
		sodium_memzero(key, sizeof key);
		free(pt);
		return fort_error_set(FORT_ETAMPER, "a sealed value (%s) does not verify: the vault was altered outside Fortress", label);
	}
	sodium_memzero(key, sizeof key);
	pt[len - NONCE_LEN - 16] = '\0';
	*out = pt;
	if (outlen)
		*outlen = len - NONCE_LEN - 16;
	return 0;
}

void vault_box_free(char *p)
{
	if (p) {
		sodium_memzero(p, strlen(p));
		free(p);
	}
}
