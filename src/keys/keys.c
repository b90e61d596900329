#include <string.h>
#include <sodium.h>
#include "util.h"
#include "keys/keys.h"

const char *const fort_categories[CAT_COUNT] = { "identity", "contact", "financial", "special", "notes" };

int cat_index(const char *name)
{
	for (int i = 0; i < CAT_COUNT; i++)
		if (name && strcmp(name, fort_categories[i]) == 0)
			return i;
	return -1;
}

int keyring_new(keyring **out)
{
	keyring *kr = sodium_malloc(sizeof *kr);
	*out = NULL;
	if (!kr)
		return fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys (raise 'ulimit -l')");
	sodium_memzero(kr, sizeof *kr);
	*out = kr;
	return 0;
}

void keyring_free(keyring *kr)
{
	if (kr)
		sodium_free(kr); /* wipes */
}

void keys_kdf_limits(fort_kdf kdf, uint64_t *ops, uint64_t *mem)
{
	switch (kdf) {
	case FORT_KDF_INTERACTIVE:
		*ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		*mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
		break;
	case FORT_KDF_SENSITIVE:
		*ops = crypto_pwhash_OPSLIMIT_SENSITIVE;
		*mem = crypto_pwhash_MEMLIMIT_SENSITIVE;
		break;
	default:
		*ops = crypto_pwhash_OPSLIMIT_MODERATE;
		*mem = crypto_pwhash_MEMLIMIT_MODERATE;
	}
}

int keys_kdf_limits_ok(uint64_t ops, uint64_t mem)
{
	uint64_t hi_ops, hi_mem;
	keys_kdf_limits(FORT_KDF_SENSITIVE, &hi_ops, &hi_mem);
	return ops >= crypto_pwhash_OPSLIMIT_MIN && ops <= hi_ops && mem >= crypto_pwhash_MEMLIMIT_MIN && mem <= hi_mem;
}

/* AD for the sealed user keys: binds them to the user's name and public keys. */
static size_t user_ad(unsigned char *ad, size_t cap, const store_user *u)
{
	size_t n = 0, nl = strlen(u->name);
	static const char tag[] = "fortress-user-v1";
	if (sizeof tag + nl + 64 > cap)
		nl = cap - sizeof tag - 64;
	memcpy(ad, tag, sizeof tag); n += sizeof tag;
	memcpy(ad + n, u->name, nl); n += nl;
	memcpy(ad + n, u->box_pk, 32); n += 32;
	memcpy(ad + n, u->sign_pk, 32); n += 32;
	return n;
}

static int derive_seal_key(unsigned char *k, const store_user *u, const fort_secret *pass)
{
	if (crypto_pwhash(k, KEY_LEN, (const char *)fort_secret_data(pass), fort_secret_len(pass), u->salt,
			  u->opslimit, (size_t)u->memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return fort_error_set(FORT_ENOMEM, "key derivation needs %llu MiB of memory: not enough available",
				      (unsigned long long)(u->memlimit >> 20));
	return 0;
}

int keys_user_seal(store_user *u, const keyring *kr, const fort_secret *pass, uint64_t ops, uint64_t mem)
{
	unsigned char *k = NULL, *pt = NULL, ad[256];
	size_t adlen;
	int r;
	u->opslimit = ops;
	u->memlimit = mem;
	fort_random(u->salt, sizeof u->salt);
	if (!(k = sodium_malloc(KEY_LEN)) || !(pt = sodium_malloc(64))) {
		r = fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys");
		goto out;
	}
	if ((r = derive_seal_key(k, u, pass)) < 0)
		goto out;
	memcpy(pt, kr->box_sk, 32);
	memcpy(pt + 32, kr->sign_sk, 32); /* the Ed25519 seed */
	free(u->sealed);
	u->sealed_len = 24 + 64 + 16;
	if (!(u->sealed = fort_malloc(u->sealed_len))) {
		r = FORT_ENOMEM;
		goto out;
	}
	fort_random(u->sealed, 24);
	adlen = user_ad(ad, sizeof ad, u);
	crypto_aead_xchacha20poly1305_ietf_encrypt(u->sealed + 24, NULL, pt, 64, ad, adlen, NULL, u->sealed, k);
	r = 0;
out:
	if (k)
		sodium_free(k);
	if (pt)
		sodium_free(pt);
	return r;
}

int keys_user_create(keyring **out, store_user *u, const fort_secret *pass, fort_kdf kdf)
{
	keyring *kr = NULL;
	uint64_t ops, mem;
	int r;
	*out = NULL;
	if ((r = keyring_new(&kr)) < 0)
		return r;
	crypto_box_keypair(kr->box_pk, kr->box_sk);
	crypto_sign_keypair(kr->sign_pk, kr->sign_sk);
	memcpy(u->box_pk, kr->box_pk, 32);
	memcpy(u->sign_pk, kr->sign_pk, 32);
	keys_kdf_limits(kdf, &ops, &mem);
	if ((r = keys_user_seal(u, kr, pass, ops, mem)) < 0) {
		keyring_free(kr);
		return r;
	}
	*out = kr;
	return 0;
}

int keys_user_unseal(keyring **out, const store_user *u, const fort_secret *pass)
{
	keyring *kr = NULL;
	unsigned char *k = NULL, *pt = NULL, ad[256], pk[32];
	size_t adlen;
	int r;
	*out = NULL;
	if (u->sealed_len != 24 + 64 + 16)
		return fort_error_set(FORT_ECORRUPT, "the keyring of user '%s' is damaged: restore the vault from a backup", u->name);
	if (!keys_kdf_limits_ok(u->opslimit, u->memlimit))
		return fort_error_set(FORT_ECORRUPT, "the key derivation limits of user '%s' (%llu passes, %llu MiB) are not ones "
				      "Fortress writes: the file was altered or is damaged; nothing was derived", u->name,
				      (unsigned long long)u->opslimit, (unsigned long long)(u->memlimit >> 20));
	if ((r = keyring_new(&kr)) < 0)
		return r;
	if (!(k = sodium_malloc(KEY_LEN)) || !(pt = sodium_malloc(64))) {
		r = fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys");
		goto out;
	}
	if ((r = derive_seal_key(k, u, pass)) < 0)
		goto out;
	adlen = user_ad(ad, sizeof ad, u);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL, u->sealed + 24, u->sealed_len - 24, ad, adlen,
						       u->sealed, k) != 0) {
		r = fort_error_set(FORT_EAUTH, "wrong passphrase for user '%s'", u->name);
		goto out;
	}
	memcpy(kr->box_sk, pt, 32);
	crypto_scalarmult_base(kr->box_pk, kr->box_sk);
	crypto_sign_seed_keypair(kr->sign_pk, kr->sign_sk, pt + 32);
	memcpy(pk, kr->box_pk, 32);
	if (sodium_memcmp(pk, u->box_pk, 32) != 0 || sodium_memcmp(kr->sign_pk, u->sign_pk, 32) != 0) {
		r = fort_error_set(FORT_ETAMPER, "the keys of user '%s' do not match their public keys: the vault was altered", u->name);
		goto out;
	}
	*out = kr;
	kr = NULL;
	r = 0;
out:
	if (k)
		sodium_free(k);
	if (pt)
		sodium_free(pt);
	keyring_free(kr);
	return r;
}

int keys_user_secret(fort_secret **out, const keyring *kr)
{
	unsigned char *pt = sodium_malloc(64);
	int r;
	if (!pt)
		return fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys");
	memcpy(pt, kr->box_sk, 32);
	memcpy(pt + 32, kr->sign_sk, 32);
	r = fort_secret_new(out, pt, 64);
	sodium_free(pt);
	return r;
}

int keys_user_from_secret(keyring **out, const store_user *u, const fort_secret *secret)
{
	keyring *kr = NULL;
	const unsigned char *sk = fort_secret_data(secret);
	int r;
	*out = NULL;
	if (fort_secret_len(secret) != 64)
		return fort_error_set(FORT_EAUTH, "the key for user '%s' has the wrong size", u->name);
	if ((r = keyring_new(&kr)) < 0 || !kr)
		return r < 0 ? r : FORT_ENOMEM;
	memcpy(kr->box_sk, sk, 32);
	crypto_scalarmult_base(kr->box_pk, kr->box_sk);
	crypto_sign_seed_keypair(kr->sign_pk, kr->sign_sk, sk + 32);
	if (sodium_memcmp(kr->box_pk, u->box_pk, 32) != 0 || sodium_memcmp(kr->sign_pk, u->sign_pk, 32) != 0) {
		keyring_free(kr);
		return fort_error_set(FORT_EAUTH, "the key offered for user '%s' is not theirs (an agent of another vault?)", u->name);
	}
	*out = kr;
	return 0;
}

static void derive_map_key(keyring *kr)
{
	static const char ctx[] = "fortress-map-mac-v1", pctx[] = "fortress-policy-mac-v1";
	crypto_generichash(kr->map_key, KEY_LEN, (const unsigned char *)ctx, sizeof ctx - 1, kr->vk, KEY_LEN);
	crypto_generichash(kr->policy_key, KEY_LEN, (const unsigned char *)pctx, sizeof pctx - 1, kr->vk, KEY_LEN);
}

const char *slot_name(int slot, char buf[32])
{
	if (slot == SLOT_VK)
		snprintf(buf, 32, "vault");
	else if (slot >= 0 && slot < CAT_COUNT)
		snprintf(buf, 32, "cat:%s", fort_categories[slot]);
	else
		snprintf(buf, 32, "?");
	return buf;
}

int slot_parse(const char *key)
{
	if (strcmp(key, "vault") == 0)
		return SLOT_VK;
	if (strncmp(key, "cat:", 4) == 0)
		return cat_index(key + 4);
	return -1;
}

/* The current key of SLOT and its version/has fields. */
static unsigned char *cur_key(keyring *kr, int slot, int **ver, int **has)
{
	if (slot == SLOT_VK) {
		*ver = &kr->vk_version;
		*has = &kr->has_vk;
		return kr->vk;
	}
	*ver = &kr->ck_version[slot];
	*has = &kr->has_ck[slot];
	return kr->ck[slot];
}

const unsigned char *keys_slot_key(const keyring *kr, int slot, int version)
{
	int *ver, *has;
	const unsigned char *k;
	if (slot < 0 || slot >= SLOT_COUNT)
		return NULL;
	k = cur_key((keyring *)kr, slot, &ver, &has);
	if (*has && (version == 0 || version == *ver))
		return k;
	for (int i = 0; i < kr->nold; i++)
		if (kr->old[i].slot == slot && kr->old[i].version == version)
			return kr->old[i].key;
	return NULL;
}

int keys_has_slot(const keyring *kr, int slot)
{
	return slot == SLOT_VK ? kr->has_vk : (slot >= 0 && slot < CAT_COUNT && kr->has_ck[slot]);
}

/* Keep KEY as an old version of SLOT. */
static int keep_old(keyring *kr, int slot, int version, const unsigned char *key)
{
	for (int i = 0; i < kr->nold; i++)
		if (kr->old[i].slot == slot && kr->old[i].version == version)
			return 0;
	if (kr->nold == KEY_OLD_MAX)
		return fort_error_set(FORT_ENOMEM, "too many unfinished key rotations: run 'fortress keys rotate --resume'");
	kr->old[kr->nold].slot = slot;
	kr->old[kr->nold].version = version;
	memcpy(kr->old[kr->nold].key, key, KEY_LEN);
	kr->nold++;
	return 0;
}

int keys_rotate_slot(keyring *kr, int slot)
{
	int *ver, *has, r;
	unsigned char *k = cur_key(kr, slot, &ver, &has);
	char name[32];
	if (!*has)
		return fort_error_set(FORT_EDENIED, "you do not hold the key '%s', so you cannot rotate it", slot_name(slot, name));
	if ((r = keep_old(kr, slot, *ver, k)) < 0)
		return r;
	fort_random(k, KEY_LEN);
	(*ver)++;
	if (slot == SLOT_VK)
		derive_map_key(kr);
	return *ver;
}

void keys_drop_old(keyring *kr, int slot, int below)
{
	int j = 0;
	for (int i = 0; i < kr->nold; i++) {
		if (kr->old[i].slot == slot && kr->old[i].version < below)
			continue;
		if (j != i)
			memcpy(&kr->old[j], &kr->old[i], sizeof kr->old[0]);
		j++;
	}
	if (j < kr->nold)
		sodium_memzero(&kr->old[j], (size_t)(kr->nold - j) * sizeof kr->old[0]);
	kr->nold = j;
}

void keys_fingerprint(char out[20], const unsigned char box_pk[32], const unsigned char sign_pk[32])
{
	unsigned char h[8], in[64];
	char hex[17];
	memcpy(in, box_pk, 32);
	memcpy(in + 32, sign_pk, 32);
	crypto_generichash(h, sizeof h, in, sizeof in, NULL, 0);
	fort_hex(hex, h, sizeof h);
	snprintf(out, 20, "%.4s %.4s %.4s %.4s", hex, hex + 4, hex + 8, hex + 12);
}

void keys_vault_generate(keyring *kr)
{
	fort_random(kr->vk, KEY_LEN);
	kr->vk_version = 1;
	kr->has_vk = 1;
	for (int i = 0; i < CAT_COUNT; i++) {
		fort_random(kr->ck[i], KEY_LEN);
		kr->ck_version[i] = 1;
		kr->has_ck[i] = 1;
	}
	derive_map_key(kr);
}

static int grant_one(store *s, int64_t user, const unsigned char box_pk[32], int slot, int version,
		     const unsigned char *key)
{
	unsigned char sealed[crypto_box_SEALBYTES + KEY_LEN];
	char name[32];
	crypto_box_seal(sealed, key, KEY_LEN, box_pk);
	return store_grant_put(s, user, slot_name(slot, name), version, sealed, sizeof sealed);
}

int keys_grant_current(store *s, int64_t user, const unsigned char box_pk[32], const keyring *kr, int slot)
{
	int *ver, *has;
	const unsigned char *k = cur_key((keyring *)kr, slot, &ver, &has);
	if (!*has)
		return 0;
	return grant_one(s, user, box_pk, slot, *ver, k);
}

int keys_grant(store *s, int64_t user, const unsigned char box_pk[32], const keyring *kr, unsigned mask)
{
	int r;
	for (int slot = 0; slot < SLOT_COUNT; slot++) {
		if (!(mask & (1u << slot)))
			continue;
		if ((r = keys_grant_current(s, user, box_pk, kr, slot)) < 0)
			return r;
		for (int i = 0; i < kr->nold; i++)
			if (kr->old[i].slot == slot && (r = grant_one(s, user, box_pk, slot, kr->old[i].version, kr->old[i].key)) < 0)
				return r;
	}
	return 0;
}

int keys_grant_all(store *s, int64_t user, const unsigned char box_pk[32], const keyring *kr)
{
	return keys_grant(s, user, box_pk, kr, SLOT_ALL);
}

static int grant_cb(void *ctx, const char *key, int version, const unsigned char *sealed, size_t len)
{
	keyring *kr = ctx;
	unsigned char *dst, k[KEY_LEN];
	int *ver, *has, slot = slot_parse(key), r = 0;
	if (slot < 0)
		return 0; /* a key of a later version of Fortress: ignore */
	if (len != crypto_box_SEALBYTES + KEY_LEN || crypto_box_seal_open(k, sealed, len, kr->box_pk, kr->box_sk) != 0)
		return fort_error_set(FORT_ETAMPER, "the grant of key '%s' does not open with this user's key: the vault was altered", key);
	dst = cur_key(kr, slot, &ver, &has);
	if (!*has) {
		memcpy(dst, k, KEY_LEN);
		*ver = version;
		*has = 1;
	} else if (version > *ver) {
		/* a newer version: the current one becomes old (a rotation is under way) */
		if ((r = keep_old(kr, slot, *ver, dst)) == 0) {
			memcpy(dst, k, KEY_LEN);
			*ver = version;
		}
	} else if (version < *ver) {
		r = keep_old(kr, slot, version, k);
	}
	sodium_memzero(k, sizeof k);
	return r;
}

int keys_load_grants(keyring *kr, store *s, int64_t user)
{
	int r = store_grant_each(s, user, grant_cb, kr);
	if (r == 0 && kr->has_vk)
		derive_map_key(kr);
	return r;
}

static void client_ad(unsigned char ad[32], int64_t cid, int vk_version)
{
	static const char tag[] = "fortress-client-v1";
	uint64_t c = (uint64_t)cid;
	memcpy(ad, tag, 18);
	for (int i = 0; i < 8; i++)
		ad[18 + i] = (unsigned char)(c >> (56 - 8 * i));
	ad[26] = (unsigned char)(vk_version >> 24);
	ad[27] = (unsigned char)(vk_version >> 16);
	ad[28] = (unsigned char)(vk_version >> 8);
	ad[29] = (unsigned char)vk_version;
	ad[30] = ad[31] = 0;
}

int keys_client_wrap(unsigned char out[WRAPPED_LEN], const keyring *kr, int64_t cid, const unsigned char kc[KEY_LEN])
{
	unsigned char ad[32];
	if (!kr->has_vk)
		return fort_error_set(FORT_EDENIED, "this user does not hold the vault key");
	client_ad(ad, cid, kr->vk_version);
	fort_random(out, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 24, NULL, kc, KEY_LEN, ad, sizeof ad, NULL, out, kr->vk);
	return 0;
}

int keys_client_unwrap(unsigned char kc[KEY_LEN], const keyring *kr, int64_t cid, int vk_version,
		       const unsigned char *w, size_t wlen)
{
	unsigned char ad[32];
	const unsigned char *vk;
	if (!kr->has_vk)
		return fort_error_set(FORT_EDENIED, "this user does not hold the vault key");
	if (vk_version <= 0 || !(vk = keys_slot_key(kr, SLOT_VK, vk_version)))
		return fort_error_set(FORT_ETAMPER, "a client key is wrapped under vault key version %d, which this keyring does not hold (the newest is %d)",
				      vk_version, kr->vk_version);
	client_ad(ad, cid, vk_version);
	if (wlen != WRAPPED_LEN ||
	    crypto_aead_xchacha20poly1305_ietf_decrypt(kc, NULL, NULL, w + 24, wlen - 24, ad, sizeof ad, w, vk) != 0)
		return fort_error_set(FORT_ETAMPER, "a client key does not verify: the vault was altered or is damaged");
	return 0;
}

int keys_field_key_start(crypto_generichash_state *st, const keyring *kr, int cat, int kver)
{
	static const char tag[] = "fortress-field-v1";
	const unsigned char *ck = cat >= 0 && cat < CAT_COUNT ? keys_slot_key(kr, cat, kver) : NULL;
	if (!ck)
		return fort_error_set(FORT_EDENIED, "this user does not hold %s key of category '%s'", kver ? "this version of the" : "the",
				      cat >= 0 && cat < CAT_COUNT ? fort_categories[cat] : "?");
	crypto_generichash_init(st, ck, KEY_LEN, KEY_LEN);
	crypto_generichash_update(st, (const unsigned char *)tag, sizeof tag - 1);
	return 0;
}

void keys_field_key_finish(unsigned char fk[KEY_LEN], const crypto_generichash_state *start, const unsigned char kc[KEY_LEN],
			   int64_t cid)
{
	crypto_generichash_state st;
	unsigned char idb[8];
	for (int i = 0; i < 8; i++)
		idb[i] = (unsigned char)((uint64_t)cid >> (56 - 8 * i));
	memcpy(&st, start, sizeof st);
	crypto_generichash_update(&st, kc, KEY_LEN);
	crypto_generichash_update(&st, idb, 8);
	crypto_generichash_final(&st, fk, KEY_LEN);
	sodium_memzero(&st, sizeof st);
}

int keys_field_key(unsigned char fk[KEY_LEN], const keyring *kr, int cat, int kver, const unsigned char kc[KEY_LEN],
		   int64_t cid)
{
	crypto_generichash_state st;
	int r;
	if ((r = keys_field_key_start(&st, kr, cat, kver)) < 0)
		return r;
	keys_field_key_finish(fk, &st, kc, cid);
	sodium_memzero(&st, sizeof st);
	return 0;
}

/* AD = tag || client id || field name || 0 || key version: a ciphertext moved
 * to another client, another field or another key version fails. */
static size_t field_ad(unsigned char *ad, size_t cap, int64_t cid, const char *field, uint32_t kver)
{
	static const char tag[] = "fortress-field-v1";
	size_t n = sizeof tag - 1, fl = strlen(field);
	if (fl > cap - n - 13)
		fl = cap - n - 13;
	memcpy(ad, tag, n);
	for (int i = 0; i < 8; i++)
		ad[n++] = (unsigned char)((uint64_t)cid >> (56 - 8 * i));
	memcpy(ad + n, field, fl);
	n += fl;
	ad[n++] = 0;
	ad[n++] = (unsigned char)(kver >> 24);
	ad[n++] = (unsigned char)(kver >> 16);
	ad[n++] = (unsigned char)(kver >> 8);
	ad[n++] = (unsigned char)kver;
	return n;
}

void keys_field_nonce(unsigned char out[NONCE_LEN], const unsigned char base[NONCE_LEN], int field_id)
{
	memcpy(out, base, NONCE_LEN);
	out[NONCE_LEN - 1] ^= (unsigned char)field_id;
}

void keys_field_encrypt(unsigned char *out, const unsigned char fk[KEY_LEN], int64_t cid, const char *field,
			uint32_t kver, const unsigned char nonce[NONCE_LEN], const void *pt, size_t len)
{
	unsigned char ad[128];
	size_t adlen = field_ad(ad, sizeof ad, cid, field, kver);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out, NULL, pt, len, ad, adlen, NULL, nonce, fk);
}

void keys_field_subkey(unsigned char sub[KEY_LEN], const unsigned char fk[KEY_LEN], const unsigned char base[NONCE_LEN])
{
	_Static_assert(KEY_LEN == crypto_core_hchacha20_KEYBYTES && KEY_LEN == crypto_core_hchacha20_OUTPUTBYTES &&
		       NONCE_LEN == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES &&
		       NONCE_LEN - crypto_core_hchacha20_INPUTBYTES + 4 == crypto_aead_chacha20poly1305_ietf_NPUBBYTES,
		       "XChaCha20-Poly1305 = HChaCha20 subkey + ChaCha20-Poly1305-IETF");
	unsigned char t[KEY_LEN]; /* SUB may be FK */
	crypto_core_hchacha20(t, base, fk, NULL);
	memcpy(sub, t, KEY_LEN);
	sodium_memzero(t, sizeof t);
}

void keys_field_encrypt_sub(unsigned char *out, const unsigned char sub[KEY_LEN], int64_t cid, const char *field,
			    uint32_t kver, const unsigned char nonce[NONCE_LEN], const void *pt, size_t len)
{
	unsigned char ad[128], n2[crypto_aead_chacha20poly1305_ietf_NPUBBYTES] = { 0 };
	size_t adlen = field_ad(ad, sizeof ad, cid, field, kver);
	memcpy(n2 + 4, nonce + crypto_core_hchacha20_INPUTBYTES, NONCE_LEN - crypto_core_hchacha20_INPUTBYTES);
	crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, pt, len, ad, adlen, NULL, n2, sub);
}

int keys_field_decrypt(unsigned char *pt, const unsigned char fk[KEY_LEN], int64_t cid, const char *field,
		       uint32_t kver, const unsigned char nonce[NONCE_LEN], const unsigned char *ct, size_t ctlen)
{
	unsigned char ad[128];
	size_t adlen;
	if (ctlen < FIELD_OVERHEAD)
		return fort_error_set(FORT_ETAMPER, "field '%s' is damaged (too short)", field);
	adlen = field_ad(ad, sizeof ad, cid, field, kver);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL, ct, ctlen, ad, adlen, nonce, fk) != 0)
		return fort_error_set(FORT_ETAMPER, "field '%s' does not verify: the vault was altered or is damaged", field);
	return 0;
}

int keys_field_decrypt_sub(unsigned char *pt, const unsigned char sub[KEY_LEN], int64_t cid, const char *field,
			   uint32_t kver, const unsigned char nonce[NONCE_LEN], const unsigned char *ct, size_t ctlen)
{
	unsigned char ad[128], n2[crypto_aead_chacha20poly1305_ietf_NPUBBYTES] = { 0 };
	size_t adlen;
	if (ctlen < FIELD_OVERHEAD)
		return fort_error_set(FORT_ETAMPER, "field '%s' is damaged (too short)", field);
	adlen = field_ad(ad, sizeof ad, cid, field, kver);
	memcpy(n2 + 4, nonce + crypto_core_hchacha20_INPUTBYTES, NONCE_LEN - crypto_core_hchacha20_INPUTBYTES);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(pt, NULL, NULL, ct, ctlen, ad, adlen, n2, sub) != 0)
		return fort_error_set(FORT_ETAMPER, "field '%s' does not verify: the vault was altered or is damaged", field);
	return 0;
}

static void mac_u64(crypto_generichash_state *st, uint64_t x)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(x >> (56 - 8 * i));
	crypto_generichash_update(st, b, 8);
}

void keys_record_mac(unsigned char mac[REC_MAC_LEN], const unsigned char kc[KEY_LEN], unsigned format, const char *vid,
		     size_t vidlen, int64_t cid, const unsigned char *body, size_t len)
{
	static const char ctx[crypto_kdf_CONTEXTBYTES + 1] = "fortrec2";
	_Static_assert(KEY_LEN == crypto_kdf_KEYBYTES, "the client key is a KDF master key");
	unsigned char mk[crypto_generichash_KEYBYTES], fb = (unsigned char)format;
	crypto_generichash_state st;
	crypto_kdf_derive_from_key(mk, sizeof mk, 1, ctx, kc);
	crypto_generichash_init(&st, mk, sizeof mk, REC_MAC_LEN);
	crypto_generichash_update(&st, &fb, 1);
	mac_u64(&st, vidlen);
	if (vidlen)
		crypto_generichash_update(&st, (const unsigned char *)vid, vidlen);
	mac_u64(&st, (uint64_t)cid);
	mac_u64(&st, len);
	crypto_generichash_update(&st, body, len);
	crypto_generichash_final(&st, mac, REC_MAC_LEN);
	sodium_memzero(&st, sizeof st);
	sodium_memzero(mk, sizeof mk);
}

int keys_blind_key(unsigned char bk[KEY_LEN], const keyring *kr, int cat, int kver, const char *field)
{
	crypto_generichash_state st;
	static const char tag[] = "fortress-bidx-v1";
	const unsigned char *ck = cat >= 0 && cat < CAT_COUNT ? keys_slot_key(kr, cat, kver) : NULL;
	if (!ck)
		return fort_error_set(FORT_EDENIED, "this user does not hold the key of category '%s'",
				      cat >= 0 && cat < CAT_COUNT ? fort_categories[cat] : "?");
	crypto_generichash_init(&st, ck, KEY_LEN, KEY_LEN);
	crypto_generichash_update(&st, (const unsigned char *)tag, sizeof tag);
	crypto_generichash_update(&st, (const unsigned char *)field, strlen(field) + 1);
	crypto_generichash_final(&st, bk, KEY_LEN);
	sodium_memzero(&st, sizeof st);
	return 0;
}

void keys_blind(unsigned char h[BIDX_LEN], const unsigned char bk[KEY_LEN], const char *norm, size_t len)
{
	crypto_generichash(h, BIDX_LEN, (const unsigned char *)norm, len, bk, KEY_LEN);
}

void keys_blind_start(crypto_generichash_state *st, const unsigned char bk[KEY_LEN])
{
	crypto_generichash_init(st, bk, KEY_LEN, BIDX_LEN);
}

void keys_blind_finish(unsigned char h[BIDX_LEN], const crypto_generichash_state *start, const char *norm, size_t len)
{
	crypto_generichash_state st;
	memcpy(&st, start, sizeof st);
	crypto_generichash_update(&st, (const unsigned char *)norm, len);
	crypto_generichash_final(&st, h, BIDX_LEN);
	sodium_memzero(&st, sizeof st);
}

void keys_sign(unsigned char sig[64], const keyring *kr, const unsigned char *msg, size_t len)
{
	crypto_sign_detached(sig, NULL, msg, len, kr->sign_sk);
}

int keys_verify(const unsigned char sig[64], const unsigned char pk[32], const unsigned char *msg, size_t len)
{
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? 0 : FORT_ETAMPER;
}

void keys_hash_u64(crypto_generichash_state *st, uint64_t x)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(x >> (56 - 8 * i));
	crypto_generichash_update(st, b, 8);
}

void keys_hash_str(crypto_generichash_state *st, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	keys_hash_u64(st, n);
	if (n)
		crypto_generichash_update(st, (const unsigned char *)s, n);
}

int keys_index_mac_key(unsigned char k[INDEX_MAC_KEY_LEN], const keyring *kr, int vk_version)
{
	static const char ctx[crypto_kdf_CONTEXTBYTES + 1] = "fortidx1";
	const unsigned char *vk = keys_slot_key(kr, SLOT_VK, vk_version);
	_Static_assert(KEY_LEN == crypto_kdf_KEYBYTES, "the vault key is a KDF master key");
	_Static_assert(INDEX_MAC_KEY_LEN == crypto_shorthash_siphashx24_KEYBYTES && INDEX_MAC_KEY_LEN >= crypto_kdf_BYTES_MIN,
		       "a SipHash-2-4-128 key, derived by crypto_kdf");
	if (!vk)
		return fort_error_set(FORT_EDENIED, "this keyring does not hold version %d of the vault key", vk_version);
	crypto_kdf_derive_from_key(k, INDEX_MAC_KEY_LEN, 1, ctx, vk);
	return 0;
}
