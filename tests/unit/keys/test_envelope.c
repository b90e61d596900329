/* test_envelope.c - the key hierarchy: field envelopes, client key wrapping,
 * field and blind-index keys, sealed user keyrings and grants. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "util.h"
#include "keys/keys.h"
#include "store/store.h"

static char tmpdir[] = "/tmp/fort-test-env-XXXXXX";

static const int64_t CID = 0x1234567890abcdefLL;

static keyring *new_vault_keyring(void)
{
	keyring *kr = NULL;
	assert_int_equal(keyring_new(&kr), 0);
	assert_non_null(kr);
	crypto_box_keypair(kr->box_pk, kr->box_sk);
	crypto_sign_keypair(kr->sign_pk, kr->sign_sk);
	keys_vault_generate(kr);
	return kr;
}

static fort_secret *secret(const char *s)
{
	fort_secret *p = NULL;
	assert_int_equal(fort_secret_new(&p, s, strlen(s)), 0);
	return p;
}

static int group_setup(void **state)
{
	(void)state;
	if (fort_library_init() < 0)
		return -1;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	static const char *const files[] = { "grants.fort", "grants.fort-wal", "grants.fort-shm" };
	char path[256];
	(void)state;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	return rmdir(tmpdir);
}

/* The envelope as one buffer, nonce || ciphertext || tag, so that every bit
 * of what is stored (the record's nonce included) is flipped below. */
#define ENV_OVERHEAD (NONCE_LEN + FIELD_OVERHEAD)

static void env_encrypt(unsigned char *out, const unsigned char fk[KEY_LEN], int64_t cid, const char *field,
			uint32_t kver, const void *pt, size_t len)
{
	randombytes_buf(out, NONCE_LEN);
	keys_field_encrypt(out + NONCE_LEN, fk, cid, field, kver, out, pt, len);
}

static int env_decrypt(unsigned char *pt, const unsigned char fk[KEY_LEN], int64_t cid, const char *field,
		       uint32_t kver, const unsigned char *ct, size_t ctlen)
{
	if (ctlen < NONCE_LEN)
		return fort_error_set(FORT_ETAMPER, "field '%s' is damaged (too short)", field);
	return keys_field_decrypt(pt, fk, cid, field, kver, ct, ct + NONCE_LEN, ctlen - NONCE_LEN);
}

static int contains(const unsigned char *hay, size_t hn, const unsigned char *needle, size_t nn)
{
	for (size_t i = 0; i + nn <= hn; i++)
		if (memcmp(hay + i, needle, nn) == 0)
			return 1;
	return 0;
}

static void test_field_nonce(void **state)
{
	(void)state;
	unsigned char base[NONCE_LEN], a[NONCE_LEN], b[NONCE_LEN];
	randombytes_buf(base, sizeof base);
	/* every field of a record gets its own nonce */
	for (int i = 1; i <= 250; i++) {
		keys_field_nonce(a, base, i);
		assert_memory_not_equal(a, base, NONCE_LEN);
		for (int k = i + 1; k <= 250; k += 17) {
			keys_field_nonce(b, base, k);
			assert_memory_not_equal(a, b, NONCE_LEN);
		}
	}
}

/* ------------------------------------------------------------ field envelope */

/* The record writer's two-step encryption (one HChaCha20 subkey per field
 * key and record, keys_field_subkey + keys_field_encrypt_sub) writes what
 * keys_field_encrypt writes, byte for byte, for every field of a record,
 * and what it writes opens with keys_field_decrypt. */
static void test_field_subkey(void **state)
{
	(void)state;
	static const size_t lens[] = { 0, 1, 15, 16, 17, 40, 63, 64, 65, 300 };
	unsigned char fk[KEY_LEN], sub[KEY_LEN], base[NONCE_LEN], nonce[NONCE_LEN], pt[300], back[300];
	unsigned char a[300 + FIELD_OVERHEAD], b[300 + FIELD_OVERHEAD];
	for (int round = 0; round < 200; round++) {
		int64_t cid = (int64_t)randombytes_random() << 24 | round;
		uint32_t kver = 1 + randombytes_uniform(5);
		randombytes_buf(fk, sizeof fk);
		randombytes_buf(base, sizeof base);
		keys_field_subkey(sub, fk, base);
		for (int id = 1; id < 256; id += 1 + (int)randombytes_uniform(40)) {
			size_t n = lens[randombytes_uniform(sizeof lens / sizeof lens[0])];
			const char *field = id & 1 ? "email" : "postal_address";
			randombytes_buf(pt, n);
			keys_field_nonce(nonce, base, id);
			keys_field_encrypt(a, fk, cid, field, kver, nonce, pt, n);
			keys_field_encrypt_sub(b, sub, cid, field, kver, nonce, pt, n);
			assert_memory_equal(a, b, n + FIELD_OVERHEAD);
			assert_int_equal(keys_field_decrypt(back, fk, cid, field, kver, nonce, b, n + FIELD_OVERHEAD), 0);
			if (n)
				assert_memory_equal(back, pt, n);
		}
	}
	/* a subkey of another base nonce (or key) does not write the same */
	keys_field_nonce(nonce, base, 3);
	keys_field_encrypt(a, fk, CID, "email", 1, nonce, pt, 16);
	base[0] ^= 1;
	keys_field_subkey(sub, fk, base);
	keys_field_encrypt_sub(b, sub, CID, "email", 1, nonce, pt, 16);
	assert_memory_not_equal(a, b, 16 + FIELD_OVERHEAD);
	base[0] ^= 1;
	fk[31] ^= 0x80;
	keys_field_subkey(sub, fk, base);
	keys_field_encrypt_sub(b, sub, CID, "email", 1, nonce, pt, 16);
	assert_memory_not_equal(a, b, 16 + FIELD_OVERHEAD);
	sodium_memzero(sub, sizeof sub);
}

/* The reader's two steps (keys_field_subkey + keys_field_decrypt_sub, as
 * client_decrypt uses them) open what keys_field_encrypt writes, write
 * exactly the plaintext's bytes, and refuse what keys_field_decrypt refuses:
 * every single-bit flip of the ciphertext or tag, another field name, key
 * version, client or base nonce. */
static void test_field_decrypt_sub(void **state)
{
	(void)state;
	static const size_t lens[] = { 0, 1, 15, 16, 17, 40, 64, 65, 300 };
	unsigned char fk[KEY_LEN], sub[KEY_LEN], base[NONCE_LEN], nonce[NONCE_LEN], pt[300], back[301];
	unsigned char ct[300 + FIELD_OVERHEAD];
	for (int round = 0; round < 100; round++) {
		int64_t cid = (int64_t)randombytes_random() << 24 | round;
		uint32_t kver = 1 + randombytes_uniform(5);
		randombytes_buf(fk, sizeof fk);
		randombytes_buf(base, sizeof base);
		keys_field_subkey(sub, fk, base);
		for (int id = 1; id < 256; id += 1 + (int)randombytes_uniform(40)) {
			size_t n = lens[randombytes_uniform(sizeof lens / sizeof lens[0])];
			randombytes_buf(pt, n);
			keys_field_nonce(nonce, base, id);
			keys_field_encrypt(ct, fk, cid, "email", kver, nonce, pt, n);
			memset(back, 0xa5, sizeof back);
			assert_int_equal(keys_field_decrypt_sub(back, sub, cid, "email", kver, nonce, ct, n + FIELD_OVERHEAD), 0);
			if (n)
				assert_memory_equal(back, pt, n);
			assert_int_equal(back[n], 0xa5);
		}
	}
	keys_field_nonce(nonce, base, 7);
	keys_field_encrypt(ct, fk, CID, "email", 2, nonce, pt, 40);
	assert_int_equal(keys_field_decrypt_sub(back, sub, CID, "email", 2, nonce, ct, 40 + FIELD_OVERHEAD), 0);
	for (size_t bit = 0; bit < (40 + FIELD_OVERHEAD) * 8; bit++) {
		ct[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		assert_int_equal(keys_field_decrypt_sub(back, sub, CID, "email", 2, nonce, ct, 40 + FIELD_OVERHEAD), FORT_ETAMPER);
		ct[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	assert_int_equal(keys_field_decrypt_sub(back, sub, CID, "phone", 2, nonce, ct, 40 + FIELD_OVERHEAD), FORT_ETAMPER);
	assert_int_equal(keys_field_decrypt_sub(back, sub, CID, "email", 3, nonce, ct, 40 + FIELD_OVERHEAD), FORT_ETAMPER);
	assert_int_equal(keys_field_decrypt_sub(back, sub, CID + 1, "email", 2, nonce, ct, 40 + FIELD_OVERHEAD), FORT_ETAMPER);
	assert_int_equal(keys_field_decrypt_sub(back, sub, CID, "email", 2, nonce, ct, FIELD_OVERHEAD - 1), FORT_ETAMPER);
	/* another field's nonce of the same record */
	keys_field_nonce(nonce, base, 8);
	assert_int_equal(keys_field_decrypt_sub(back, sub, CID, "email", 2, nonce, ct, 40 + FIELD_OVERHEAD), FORT_ETAMPER);
	/* the subkey of another base nonce */
	keys_field_nonce(nonce, base, 7);
	base[0] ^= 1;
	keys_field_subkey(sub, fk, base);
	assert_int_equal(keys_field_decrypt_sub(back, sub, CID, "email", 2, nonce, ct, 40 + FIELD_OVERHEAD), FORT_ETAMPER);
	fort_error_clear();
	sodium_memzero(sub, sizeof sub);
}

static void test_field_roundtrip(void **state)
{
	(void)state;
	static const size_t lens[] = { 0, 1, 2, 15, 16, 17, 63, 64, 255, 1000 };
	unsigned char fk[KEY_LEN];
	randombytes_buf(fk, sizeof fk);
	for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
		size_t n = lens[k];
		unsigned char *pt = malloc(n + 1), *ct = malloc(n + ENV_OVERHEAD), *out = malloc(n + 1),
			      *ct2 = malloc(n + ENV_OVERHEAD);
		assert_non_null(pt);
		assert_non_null(ct);
		assert_non_null(out);
		assert_non_null(ct2);
		randombytes_buf(pt, n + 1);
		env_encrypt(ct, fk, CID, "email", 1, pt, n);
		memset(out, 0xa5, n + 1);
		assert_int_equal(env_decrypt(out, fk, CID, "email", 1, ct, n + ENV_OVERHEAD), 0);
		if (n)
			assert_memory_equal(out, pt, n);
		assert_int_equal(out[n], 0xa5); /* writes exactly CTLEN - ENV_OVERHEAD bytes */
		/* the plaintext does not appear in the ciphertext */
		if (n >= 8)
			assert_false(contains(ct, n + ENV_OVERHEAD, pt, n));
		/* a fresh random nonce each time: same input, different ciphertext */
		env_encrypt(ct2, fk, CID, "email", 1, pt, n);
		assert_memory_not_equal(ct, ct2, 24);
		assert_int_equal(env_decrypt(out, fk, CID, "email", 1, ct2, n + ENV_OVERHEAD), 0);
		free(pt);
		free(ct);
		free(out);
		free(ct2);
	}
}

static void test_field_every_bit_flip(void **state)
{
	(void)state;
	static const size_t lens[] = { 0, 1, 33 };
	unsigned char fk[KEY_LEN];
	randombytes_buf(fk, sizeof fk);
	for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
		size_t n = lens[k], ctlen = n + ENV_OVERHEAD;
		unsigned char pt[64], ct[64 + ENV_OVERHEAD], out[64];
		randombytes_buf(pt, sizeof pt);
		env_encrypt(ct, fk, CID, "full_name", 3, pt, n);
		for (size_t bit = 0; bit < ctlen * 8; bit++) {
			ct[bit / 8] ^= (unsigned char)(1u << (bit % 8));
			fort_error_clear();
			int r = env_decrypt(out, fk, CID, "full_name", 3, ct, ctlen);
			if (r != FORT_ETAMPER)
				fail_msg("len %zu: flipping bit %zu (byte %zu) gave %d, not ETAMPER", n, bit, bit / 8, r);
			assert_int_equal(fort_error_code(), FORT_ETAMPER);
			/* the message names the field, not the value */
			assert_non_null(strstr(fort_error_message(), "full_name"));
			ct[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		}
		/* restored: verifies again */
		assert_int_equal(env_decrypt(out, fk, CID, "full_name", 3, ct, ctlen), 0);
		/* truncated or shortened ciphertexts are refused */
		for (size_t cut = 0; cut < ctlen; cut++)
			assert_int_equal(env_decrypt(out, fk, CID, "full_name", 3, ct, cut), FORT_ETAMPER);
	}
}

static void test_field_context_binding(void **state)
{
	(void)state;
	unsigned char fk[KEY_LEN], fk2[KEY_LEN], ct[11 + ENV_OVERHEAD], out[16];
	const char *pt = "hello world";
	randombytes_buf(fk, sizeof fk);
	memcpy(fk2, fk, sizeof fk);
	fk2[31] ^= 1;
	env_encrypt(ct, fk, CID, "email", 2, pt, 11);
	assert_int_equal(env_decrypt(out, fk, CID, "email", 2, ct, sizeof ct), 0);
	assert_memory_equal(out, pt, 11);
	/* another client */
	assert_int_equal(env_decrypt(out, fk, CID + 1, "email", 2, ct, sizeof ct), FORT_ETAMPER);
	assert_int_equal(env_decrypt(out, fk, CID ^ (1LL << 62), "email", 2, ct, sizeof ct), FORT_ETAMPER);
	/* another field: also a prefix / extension of the name */
	assert_int_equal(env_decrypt(out, fk, CID, "phone", 2, ct, sizeof ct), FORT_ETAMPER);
	assert_int_equal(env_decrypt(out, fk, CID, "emai", 2, ct, sizeof ct), FORT_ETAMPER);
	assert_int_equal(env_decrypt(out, fk, CID, "emails", 2, ct, sizeof ct), FORT_ETAMPER);
	assert_int_equal(env_decrypt(out, fk, CID, "", 2, ct, sizeof ct), FORT_ETAMPER);
	/* another key version */
	assert_int_equal(env_decrypt(out, fk, CID, "email", 1, ct, sizeof ct), FORT_ETAMPER);
	assert_int_equal(env_decrypt(out, fk, CID, "email", 3, ct, sizeof ct), FORT_ETAMPER);
	assert_int_equal(env_decrypt(out, fk, CID, "email", 2u | (1u << 24), ct, sizeof ct), FORT_ETAMPER);
	/* another field key */
	assert_int_equal(env_decrypt(out, fk2, CID, "email", 2, ct, sizeof ct), FORT_ETAMPER);
}

/* ------------------------------------------------------------- client wrap */

static void test_client_wrap(void **state)
{
	(void)state;
	keyring *kr = new_vault_keyring(), *other = new_vault_keyring();
	unsigned char kc[KEY_LEN], w[WRAPPED_LEN], w2[WRAPPED_LEN], got[KEY_LEN];
	randombytes_buf(kc, sizeof kc);
	assert_int_equal(keys_client_wrap(w, kr, CID, kc), 0);
	memset(got, 0, sizeof got);
	assert_int_equal(keys_client_unwrap(got, kr, CID, kr->vk_version, w, sizeof w), 0);
	assert_memory_equal(got, kc, KEY_LEN);
	assert_null(memmem(w, sizeof w, kc, 8));
	/* nonces differ */
	assert_int_equal(keys_client_wrap(w2, kr, CID, kc), 0);
	assert_memory_not_equal(w, w2, 24);

	/* every single-bit flip is rejected */
	for (size_t bit = 0; bit < WRAPPED_LEN * 8; bit++) {
		w[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		int r = keys_client_unwrap(got, kr, CID, kr->vk_version, w, sizeof w);
		if (r != FORT_ETAMPER)
			fail_msg("flipping bit %zu of the wrapped key gave %d", bit, r);
		w[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	assert_int_equal(keys_client_unwrap(got, kr, CID, kr->vk_version, w, sizeof w), 0);
	/* another client id, another vault key, another version, wrong length */
	assert_int_equal(keys_client_unwrap(got, kr, CID + 1, kr->vk_version, w, sizeof w), FORT_ETAMPER);
	assert_int_equal(keys_client_unwrap(got, kr, -CID, kr->vk_version, w, sizeof w), FORT_ETAMPER);
	assert_int_equal(keys_client_unwrap(got, other, CID, other->vk_version, w, sizeof w), FORT_ETAMPER);
	assert_int_equal(keys_client_unwrap(got, kr, CID, kr->vk_version + 1, w, sizeof w), FORT_ETAMPER);
	assert_int_equal(keys_client_unwrap(got, kr, CID, kr->vk_version, w, sizeof w - 1), FORT_ETAMPER);
	assert_int_equal(keys_client_unwrap(got, kr, CID, kr->vk_version, w, 24), FORT_ETAMPER);
	/* the version is in the AD: a key wrapped as version 2 does not open as 1 */
	kr->vk_version = 2;
	assert_int_equal(keys_client_wrap(w2, kr, CID, kc), 0);
	assert_int_equal(keys_client_unwrap(got, kr, CID, 2, w2, sizeof w2), 0);
	kr->vk_version = 1;
	assert_int_equal(keys_client_unwrap(got, kr, CID, 1, w2, sizeof w2), FORT_ETAMPER);

	/* a keyring without the vault key can neither wrap nor unwrap */
	kr->has_vk = 0;
	assert_int_equal(keys_client_wrap(w2, kr, CID, kc), FORT_EDENIED);
	assert_int_equal(keys_client_unwrap(got, kr, CID, 1, w, sizeof w), FORT_EDENIED);
	keyring_free(kr);
	keyring_free(other);
}

/* --------------------------------------------------- field and blind keys */

static void test_field_key(void **state)
{
	(void)state;
	keyring *kr = new_vault_keyring(), *other = new_vault_keyring();
	unsigned char kc[KEY_LEN], kc2[KEY_LEN], fk[CAT_COUNT][KEY_LEN], again[KEY_LEN], x[KEY_LEN];
	randombytes_buf(kc, sizeof kc);
	randombytes_buf(kc2, sizeof kc2);
	for (int c = 0; c < CAT_COUNT; c++) {
		assert_int_equal(keys_field_key(fk[c], kr, c, 0, kc, CID), 0);
		assert_int_equal(keys_field_key(again, kr, c, 0, kc, CID), 0);
		assert_memory_equal(fk[c], again, KEY_LEN); /* deterministic */
		for (int d = 0; d < c; d++)
			assert_memory_not_equal(fk[c], fk[d], KEY_LEN); /* per category */
		assert_memory_not_equal(fk[c], kr->ck[c], KEY_LEN);
		assert_memory_not_equal(fk[c], kc, KEY_LEN);
		/* per client: another K_c, another id */
		assert_int_equal(keys_field_key(x, kr, c, 0, kc2, CID), 0);
		assert_memory_not_equal(fk[c], x, KEY_LEN);
		assert_int_equal(keys_field_key(x, kr, c, 0, kc, CID + 1), 0);
		assert_memory_not_equal(fk[c], x, KEY_LEN);
		/* per vault: another category key */
		assert_int_equal(keys_field_key(x, other, c, 0, kc, CID), 0);
		assert_memory_not_equal(fk[c], x, KEY_LEN);
	}
	/* out of range categories */
	assert_int_equal(keys_field_key(x, kr, -1, 0, kc, CID), FORT_EDENIED);
	assert_int_equal(keys_field_key(x, kr, CAT_COUNT, 0, kc, CID), FORT_EDENIED);
	/* a keyring without a category */
	kr->has_ck[2] = 0;
	assert_int_equal(keys_field_key(x, kr, 2, 0, kc, CID), FORT_EDENIED);
	assert_non_null(strstr(fort_error_message(), "financial"));
	assert_int_equal(keys_blind_key(x, kr, 2, 0, "iban"), FORT_EDENIED);
	assert_int_equal(keys_field_key(x, kr, 1, 0, kc, CID), 0);
	keyring_free(kr);
	keyring_free(other);
}

/* The field key by its definition (keys.h): BLAKE2b-256 keyed with the
 * category key over the tag, K_c and the client id (big-endian), in one call. */
static void field_key_ref(unsigned char out[KEY_LEN], const unsigned char ck[KEY_LEN], const unsigned char kc[KEY_LEN],
			  int64_t cid)
{
	unsigned char in[17 + KEY_LEN + 8];
	memcpy(in, "fortress-field-v1", 17);
	memcpy(in + 17, kc, KEY_LEN);
	for (int i = 0; i < 8; i++)
		in[17 + KEY_LEN + i] = (unsigned char)((uint64_t)cid >> (56 - 8 * i));
	crypto_generichash(out, KEY_LEN, in, sizeof in, ck, KEY_LEN);
}

/* keys_field_key_start once, keys_field_key_finish per client (an import's
 * sealers), and keys_blind_start / _finish: the same keys and index entries
 * as the one-call definitions, the state left as it was by every finish. */
static void test_key_states(void **state)
{
	(void)state;
	static const size_t lens[] = { 0, 1, 15, 16, 17, 63, 64, 127, 128, 129, 200, 255, 256, 257, 300 };
	crypto_generichash_state *st = sodium_malloc(2 * sizeof *st);
	unsigned char kc[KEY_LEN], a[KEY_LEN], b[KEY_LEN], c[KEY_LEN], bk[KEY_LEN], v[300], h1[BIDX_LEN], h2[BIDX_LEN];
	assert_non_null(st);
	for (int round = 0; round < 20; round++) {
		keyring *kr = new_vault_keyring();
		int cat = round % CAT_COUNT, ver = 0;
		if (round % 4 == 3) {
			/* an older version, kept while a rotation runs */
			ver = kr->ck_version[cat];
			assert_true(keys_rotate_slot(kr, cat) > ver);
		}
		assert_int_equal(keys_field_key_start(&st[0], kr, cat, ver), 0);
		memcpy(&st[1], &st[0], sizeof *st);
		for (int k = 0; k < 50; k++) {
			int64_t cid = (int64_t)randombytes_random() << 24 | k;
			randombytes_buf(kc, sizeof kc);
			keys_field_key_finish(a, &st[0], kc, cid);
			field_key_ref(b, keys_slot_key(kr, cat, ver), kc, cid);
			assert_memory_equal(a, b, KEY_LEN);
			assert_int_equal(keys_field_key(c, kr, cat, ver, kc, cid), 0);
			assert_memory_equal(a, c, KEY_LEN);
			assert_memory_equal(&st[0], &st[1], sizeof *st); /* the start state is not changed */
		}
		randombytes_buf(bk, sizeof bk);
		keys_blind_start(&st[0], bk);
		memcpy(&st[1], &st[0], sizeof *st);
		for (size_t k = 0; k < 4 * sizeof lens / sizeof lens[0]; k++) {
			size_t n = lens[k % (sizeof lens / sizeof lens[0])];
			randombytes_buf(v, n);
			keys_blind_finish(h1, &st[0], (const char *)v, n);
			crypto_generichash(h2, BIDX_LEN, v, n, bk, KEY_LEN);
			assert_memory_equal(h1, h2, BIDX_LEN);
			keys_blind(h2, bk, (const char *)v, n);
			assert_memory_equal(h1, h2, BIDX_LEN);
			assert_memory_equal(&st[0], &st[1], sizeof *st);
		}
		keyring_free(kr);
	}
	/* a keyring without the category: refused, as keys_field_key */
	{
		keyring *kr = new_vault_keyring();
		kr->has_ck[2] = 0;
		assert_int_equal(keys_field_key_start(&st[0], kr, 2, 0), FORT_EDENIED);
		assert_non_null(strstr(fort_error_message(), "financial"));
		assert_int_equal(keys_field_key_start(&st[0], kr, CAT_COUNT, 0), FORT_EDENIED);
		keyring_free(kr);
	}
	sodium_free(st);
}

static void test_blind(void **state)
{
	(void)state;
	keyring *kr = new_vault_keyring();
	unsigned char bk[KEY_LEN], bk2[KEY_LEN], bk3[KEY_LEN], again[KEY_LEN];
	unsigned char h[BIDX_LEN + 8], h2[BIDX_LEN + 8];
	assert_int_equal(BIDX_LEN, 16);
	assert_int_equal(keys_blind_key(bk, kr, 1, 0, "email"), 0);
	assert_int_equal(keys_blind_key(again, kr, 1, 0, "email"), 0);
	assert_memory_equal(bk, again, KEY_LEN);
	assert_int_equal(keys_blind_key(bk2, kr, 1, 0, "phone"), 0);   /* per field */
	assert_memory_not_equal(bk, bk2, KEY_LEN);
	assert_int_equal(keys_blind_key(bk3, kr, 0, 0, "email"), 0);   /* per category */
	assert_memory_not_equal(bk, bk3, KEY_LEN);

	/* 16 bytes, exactly */
	memset(h, 0xee, sizeof h);
	keys_blind(h, bk, "jane@example.com", 16);
	for (size_t i = BIDX_LEN; i < sizeof h; i++)
		assert_int_equal(h[i], 0xee);
	memset(h2, 0x11, sizeof h2);
	keys_blind(h2, bk, "jane@example.com", 16);
	assert_memory_equal(h, h2, BIDX_LEN);                      /* deterministic */
	keys_blind(h2, bk2, "jane@example.com", 16);
	assert_memory_not_equal(h, h2, BIDX_LEN);                  /* per key */
	keys_blind(h2, bk, "jane@example.org", 16);
	assert_memory_not_equal(h, h2, BIDX_LEN);                  /* per value */
	keys_blind(h2, bk, "jane@example.com", 15);
	assert_memory_not_equal(h, h2, BIDX_LEN);                  /* length counts */
	assert_null(memmem(h, BIDX_LEN, "jane", 4));
	keyring_free(kr);
}

static void test_sign(void **state)
{
	(void)state;
	keyring *kr = new_vault_keyring(), *other = new_vault_keyring();
	unsigned char sig[64], msg[40];
	randombytes_buf(msg, sizeof msg);
	keys_sign(sig, kr, msg, sizeof msg);
	assert_int_equal(keys_verify(sig, kr->sign_pk, msg, sizeof msg), 0);
	assert_int_equal(keys_verify(sig, other->sign_pk, msg, sizeof msg), FORT_ETAMPER);
	msg[3] ^= 4;
	assert_int_equal(keys_verify(sig, kr->sign_pk, msg, sizeof msg), FORT_ETAMPER);
	msg[3] ^= 4;
	sig[10] ^= 1;
	assert_int_equal(keys_verify(sig, kr->sign_pk, msg, sizeof msg), FORT_ETAMPER);
	keyring_free(kr);
	keyring_free(other);
}

/* ---------------------------------------------------------- user keyrings */

static void test_user_seal(void **state)
{
	(void)state;
	store_user u;
	keyring *kr = NULL, *got = NULL;
	fort_secret *pass = secret("orbit-velvet-cactus-lantern-meadow-pillow");
	fort_secret *wrong = secret("orbit-velvet-cactus-lantern-meadow-pillox");
	uint64_t ops, mem;
	unsigned char salt1[16];

	memset(&u, 0, sizeof u);
	u.name = strdup("alice");
	u.role = strdup("owner");
	assert_int_equal(keys_user_create(&kr, &u, pass, FORT_KDF_INTERACTIVE), 0);
	assert_non_null(kr);
	keys_kdf_limits(FORT_KDF_INTERACTIVE, &ops, &mem);
	assert_int_equal(u.opslimit, ops);
	assert_int_equal(u.memlimit, mem);
	assert_int_equal(u.opslimit, crypto_pwhash_OPSLIMIT_INTERACTIVE);
	assert_int_equal(u.memlimit, crypto_pwhash_MEMLIMIT_INTERACTIVE);
	assert_memory_equal(u.box_pk, kr->box_pk, 32);
	assert_memory_equal(u.sign_pk, kr->sign_pk, 32);
	assert_int_equal(u.sealed_len, 24 + 64 + 16);
	assert_null(memmem(u.sealed, u.sealed_len, kr->box_sk, 8));
	assert_null(memmem(u.sealed, u.sealed_len, kr->sign_sk, 8));

	/* round trip */
	assert_int_equal(keys_user_unseal(&got, &u, pass), 0);
	assert_non_null(got);
	assert_memory_equal(got->box_sk, kr->box_sk, 32);
	assert_memory_equal(got->box_pk, kr->box_pk, 32);
	assert_memory_equal(got->sign_sk, kr->sign_sk, 64);
	assert_memory_equal(got->sign_pk, kr->sign_pk, 32);
	assert_int_equal(got->has_vk, 0); /* grants are not in the seal */
	keyring_free(got);
	got = NULL;

	/* wrong passphrase */
	got = (keyring *)&u; /* must be reset to NULL */
	assert_int_equal(keys_user_unseal(&got, &u, wrong), FORT_EAUTH);
	assert_null(got);
	assert_non_null(strstr(fort_error_message(), "alice"));
	assert_null(strstr(fort_error_message(), "orbit"));

	/* Tampering, with the cheapest Argon2id limits so that every bit can be
	 * tried: re-seal the same keys under minimal limits. */
	memcpy(salt1, u.salt, 16);
	assert_int_equal(keys_user_seal(&u, kr, pass, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), 0);
	assert_memory_not_equal(salt1, u.salt, 16); /* a new salt */
	assert_int_equal(keys_user_unseal(&got, &u, pass), 0);
	assert_memory_equal(got->sign_sk, kr->sign_sk, 64);
	keyring_free(got);
	got = NULL;
	for (size_t bit = 0; bit < u.sealed_len * 8; bit++) {
		u.sealed[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		int r = keys_user_unseal(&got, &u, pass);
		if (r != FORT_EAUTH)
			fail_msg("flipping bit %zu of the sealed keyring gave %d, not EAUTH", bit, r);
		assert_null(got);
		u.sealed[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	/* the salt: another seal key */
	u.salt[5] ^= 1;
	assert_int_equal(keys_user_unseal(&got, &u, pass), FORT_EAUTH);
	u.salt[5] ^= 1;
	/* the user's name and public keys are bound (AD) */
	free(u.name);
	u.name = strdup("mallory");
	assert_int_equal(keys_user_unseal(&got, &u, pass), FORT_EAUTH);
	free(u.name);
	u.name = strdup("alice");
	u.box_pk[0] ^= 1;
	assert_int_equal(keys_user_unseal(&got, &u, pass), FORT_EAUTH);
	u.box_pk[0] ^= 1;
	u.sign_pk[31] ^= 0x80;
	assert_int_equal(keys_user_unseal(&got, &u, pass), FORT_EAUTH);
	u.sign_pk[31] ^= 0x80;
	/* damaged lengths and limits are corrupt, not a crash */
	u.sealed_len--;
	assert_int_equal(keys_user_unseal(&got, &u, pass), FORT_ECORRUPT);
	u.sealed_len++;
	u.memlimit = (uint64_t)1 << 40;
	assert_int_equal(keys_user_unseal(&got, &u, pass), FORT_ECORRUPT);
	/* limits beyond what Fortress writes are refused before Argon2id runs
	 * (an edited file must not make an unlock spend billions of passes) */
	u.memlimit = crypto_pwhash_MEMLIMIT_SENSITIVE + 1024;
	assert_int_equal(keys_user_unseal(&got, &u, pass), FORT_ECORRUPT);
	u.memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	u.opslimit = 0xffffffffu;
	assert_int_equal(keys_user_unseal(&got, &u, pass), FORT_ECORRUPT);
	assert_non_null(strstr(fort_error_message(), "4294967295 passes"));
	u.opslimit = crypto_pwhash_OPSLIMIT_MIN;
	u.memlimit = crypto_pwhash_MEMLIMIT_MIN;

	/* re-seal under a new passphrase: the old one fails */
	assert_int_equal(keys_user_seal(&u, kr, wrong, u.opslimit, u.memlimit), 0);
	assert_int_equal(keys_user_unseal(&got, &u, pass), FORT_EAUTH);
	assert_int_equal(keys_user_unseal(&got, &u, wrong), 0);
	assert_memory_equal(got->sign_sk, kr->sign_sk, 64);
	assert_memory_equal(got->box_sk, kr->box_sk, 32);
	keyring_free(got);

	store_user_release(&u);
	keyring_free(kr);
	fort_secret_free(pass);
	fort_secret_free(wrong);
}

/* ------------------------------------------------------------------ grants */

static void test_grants_roundtrip(void **state)
{
	(void)state;
	char path[256];
	store *s = NULL;
	store_user u, u2;
	keyring *kr = NULL, *loaded = NULL, *kr2 = NULL, *loaded2 = NULL;
	fort_secret *pass = secret("orbit-velvet-cactus-lantern-meadow-pillow");
	unsigned char kc[KEY_LEN], fk[KEY_LEN];

	snprintf(path, sizeof path, "%s/grants.fort", tmpdir);
	assert_int_equal(store_open(&s, path, 1), 0);
	memset(&u, 0, sizeof u);
	u.name = strdup("alice");
	u.role = strdup("owner");
	assert_int_equal(keys_user_create(&kr, &u, pass, FORT_KDF_INTERACTIVE), 0);
	keys_vault_generate(kr);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_user_insert(s, &u), 0);
	assert_true(u.id > 0);
	assert_int_equal(keys_grant_all(s, u.id, u.box_pk, kr), 0);
	assert_int_equal(store_commit(s), 0);

	/* a second user gets only the contact category */
	memset(&u2, 0, sizeof u2);
	u2.name = strdup("bob");
	u2.role = strdup("staff");
	assert_int_equal(keys_user_create(&kr2, &u2, pass, FORT_KDF_INTERACTIVE), 0);
	assert_int_equal(store_user_insert(s, &u2), 0);
	{
		keyring *partial = NULL;
		assert_int_equal(keyring_new(&partial), 0);
		memcpy(partial->ck[1], kr->ck[1], KEY_LEN);
		partial->ck_version[1] = 1;
		partial->has_ck[1] = 1;
		assert_int_equal(keys_grant_all(s, u2.id, u2.box_pk, partial), 0);
		keyring_free(partial);
	}
	store_close(s);
	s = NULL;

	/* reopen the file, unseal alice and load her grants */
	assert_int_equal(store_open(&s, path, 0), 0);
	{
		store_user su;
		assert_int_equal(store_user_get(s, &su, "alice"), 0);
		assert_int_equal(keys_user_unseal(&loaded, &su, pass), 0);
		assert_int_equal(keys_load_grants(loaded, s, su.id), 0);
		store_user_release(&su);
	}
	assert_int_equal(loaded->has_vk, 1);
	assert_int_equal(loaded->vk_version, 1);
	assert_memory_equal(loaded->vk, kr->vk, KEY_LEN);
	assert_memory_equal(loaded->map_key, kr->map_key, KEY_LEN);
	for (int c = 0; c < CAT_COUNT; c++) {
		assert_int_equal(loaded->has_ck[c], 1);
		assert_int_equal(loaded->ck_version[c], 1);
		assert_memory_equal(loaded->ck[c], kr->ck[c], KEY_LEN);
	}
	/* and it opens what the original keyring wrapped */
	{
		unsigned char w[WRAPPED_LEN], got[KEY_LEN];
		randombytes_buf(kc, sizeof kc);
		assert_int_equal(keys_client_wrap(w, kr, CID, kc), 0);
		assert_int_equal(keys_client_unwrap(got, loaded, CID, 1, w, sizeof w), 0);
		assert_memory_equal(got, kc, KEY_LEN);
	}

	/* bob: only contact; the rest is refused */
	{
		store_user su;
		assert_int_equal(store_user_get(s, &su, "bob"), 0);
		assert_int_equal(keys_user_unseal(&loaded2, &su, pass), 0);
		assert_int_equal(keys_load_grants(loaded2, s, su.id), 0);
		store_user_release(&su);
	}
	assert_int_equal(loaded2->has_vk, 0);
	assert_int_equal(loaded2->has_ck[1], 1);
	assert_memory_equal(loaded2->ck[1], kr->ck[1], KEY_LEN);
	assert_int_equal(keys_field_key(fk, loaded2, 1, 0, kc, CID), 0);
	for (int c = 0; c < CAT_COUNT; c++) {
		if (c == 1)
			continue;
		assert_int_equal(loaded2->has_ck[c], 0);
		assert_int_equal(keys_field_key(fk, loaded2, c, 0, kc, CID), FORT_EDENIED);
	}

	/* someone else's box key cannot open alice's grants */
	{
		keyring *stranger = NULL;
		assert_int_equal(keyring_new(&stranger), 0);
		crypto_box_keypair(stranger->box_pk, stranger->box_sk);
		assert_int_equal(keys_load_grants(stranger, s, u.id), FORT_ETAMPER);
		keyring_free(stranger);
	}
	store_close(s);

	store_user_release(&u);
	store_user_release(&u2);
	keyring_free(kr);
	keyring_free(kr2);
	keyring_free(loaded);
	keyring_free(loaded2);
	fort_secret_free(pass);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_roundtrip),
		cmocka_unit_test(test_field_subkey),
		cmocka_unit_test(test_field_decrypt_sub),
		cmocka_unit_test(test_field_nonce),
		cmocka_unit_test(test_field_every_bit_flip),
		cmocka_unit_test(test_field_context_binding),
		cmocka_unit_test(test_client_wrap),
		cmocka_unit_test(test_field_key),
		cmocka_unit_test(test_blind),
		cmocka_unit_test(test_key_states),
		cmocka_unit_test(test_sign),
		cmocka_unit_test(test_user_seal),
		cmocka_unit_test(test_grants_roundtrip),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
