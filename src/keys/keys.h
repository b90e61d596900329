/* keys.h - the key hierarchy (docs/SECURITY.md):
 *
 *   passphrase --Argon2id--> user seal key --XChaCha20-Poly1305--> user X25519 + Ed25519 secret keys
 *   user X25519 key --crypto_box_seal--> grants: VK (vault key), CK[category]
 *   VK --XChaCha20-Poly1305(AD = client id, VK version)--> K_c (per client, random)
 *   BLAKE2b(key = CK[cat], K_c || client id) = field key
 *   field key --XChaCha20-Poly1305(AD = client id, field, key version)--> field ciphertext
 *   BLAKE2b(key = CK[cat], field name) = blind-index key; BLAKE2b-128(that, normalised value) = index entry
 *
 * Everything here is libsodium.  Keys live in sodium_malloc'ed memory;
 * stack temporaries are wiped before every return. */
#ifndef FORT_KEYS_H
#define FORT_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include "fortress.h"
#include "store/store.h"

struct crypto_generichash_blake2b_state; /* libsodium's BLAKE2b state (sodium.h) */

#define CAT_COUNT 5
extern const char *const fort_categories[CAT_COUNT]; /* identity contact financial special notes */
int cat_index(const char *name); /* -1 if unknown */

#define KEY_LEN 32
#define WRAPPED_LEN (24 + KEY_LEN + 16)
#define FIELD_OVERHEAD 16           /* the tag: the nonce is per record (keys_field_nonce) */
#define NONCE_LEN 24
#define BIDX_LEN STORE_BIDX_LEN

/* Key slots: the categories 0..CAT_COUNT-1, then the vault key.  A set of
 * slots is a bit mask (1u << slot). */
#define SLOT_VK CAT_COUNT
#define SLOT_COUNT (CAT_COUNT + 1)
#define SLOT_ALL ((1u << SLOT_COUNT) - 1)
/* The grant name of a slot ("vault", "cat:financial"); -1 from the parser if unknown. */
const char *slot_name(int slot, char buf[32]);
int slot_parse(const char *grant_name);

/* Older versions of keys kept while a rotation re-encrypts (keys_rotate_slot). */
#define KEY_OLD_MAX 24

typedef struct keyring {
	unsigned char box_pk[32], box_sk[32];
	unsigned char sign_pk[32], sign_sk[64];
	unsigned char vk[KEY_LEN];
	int vk_version, has_vk;
	unsigned char ck[CAT_COUNT][KEY_LEN];
	int ck_version[CAT_COUNT], has_ck[CAT_COUNT];
	unsigned char map_key[KEY_LEN];    /* MACs the data map; derived from VK */
	unsigned char policy_key[KEY_LEN]; /* MACs users and roles; derived from VK */
	struct { int slot, version; unsigned char key[KEY_LEN]; } old[KEY_OLD_MAX];
	int nold;
} keyring;

/* Version VERSION of the key in SLOT, NULL if KR does not hold it. */
const unsigned char *keys_slot_key(const keyring *kr, int slot, int version);
/* Does KR hold SLOT (any version)? */
int keys_has_slot(const keyring *kr, int slot);
/* A new random version of SLOT's key becomes current (the current one is kept
 * as an old version); returns the new version.  FORT_EDENIED if KR lacks
 * SLOT, FORT_ENOMEM if too many old versions are kept. */
int keys_rotate_slot(keyring *kr, int slot) FORT_WUR;
/* Forget (and wipe) the versions of SLOT older than BELOW. */
void keys_drop_old(keyring *kr, int slot, int below);
/* Seal to BOX_PK every version KR holds of the slots in MASK and store them
 * as USER's grants (existing ones are kept). */
int keys_grant(store *s, int64_t user, const unsigned char box_pk[32], const keyring *kr, unsigned mask) FORT_WUR;
/* Seal only the current version of SLOT (a rotation hands out its new key). */
int keys_grant_current(store *s, int64_t user, const unsigned char box_pk[32], const keyring *kr, int slot) FORT_WUR;
/* A short fingerprint of a user's public keys ("ab12 cd34 ..." 19 chars +NUL). */
void keys_fingerprint(char out[20], const unsigned char box_pk[32], const unsigned char sign_pk[32]);

int keyring_new(keyring **out);
void keyring_free(keyring *kr);

/* Argon2id limits for a KDF choice. */
void keys_kdf_limits(fort_kdf kdf, uint64_t *ops, uint64_t *mem);
/* Are OPS and MEM within what Fortress itself writes: at most the strongest
 * choice, sensitive (4 passes, 1 GiB), at least libsodium's minimum (lower
 * limits only make the unseal fail: the keyring was sealed with others)?
 * Limits read from a file are checked before any key is derived: anyone
 * who can edit a vault or a backup could otherwise make the next unlock
 * spend billions of passes and gigabytes before anything is authenticated. */
int keys_kdf_limits_ok(uint64_t ops, uint64_t mem);

/* New user key pairs in *OUT, sealed into U (box_pk, sign_pk, salt, limits, sealed). */
int keys_user_create(keyring **out, store_user *u, const fort_secret *pass, fort_kdf kdf) FORT_WUR;
/* Re-seal KR's user secret keys into U under PASS (new salt). */
int keys_user_seal(store_user *u, const keyring *kr, const fort_secret *pass, uint64_t ops, uint64_t mem) FORT_WUR;
/* Unseal U with PASS: FORT_EAUTH on a wrong passphrase. */
int keys_user_unseal(keyring **out, const store_user *u, const fort_secret *pass) FORT_WUR;

/* The user's secret keys as 64 bytes (box_sk || Ed25519 seed), for the
 * unlock agent; and back.  keys_user_from_secret checks them against U's
 * public keys (FORT_EAUTH if they are not U's). */
int keys_user_secret(fort_secret **out, const keyring *kr) FORT_WUR;
int keys_user_from_secret(keyring **out, const store_user *u, const fort_secret *secret) FORT_WUR;

/* Tokens for programs (token.c): a 32-byte random secret; a verifier and a
 * sealing key are crypto_kdf subkeys of it (no Argon2id: the secret is not
 * guessable).  keys_token_verify compares in constant time (1: match).
 * keys_token_seal seals KR's user secret keys (as keys_user_secret) under
 * the secret, bound to AD; keys_token_unseal opens them into *OUT (64
 * bytes, as fort_vault_open_key takes), FORT_EAUTH if they do not open. */
#define KEYS_TOKEN_SECRET_LEN 32
#define KEYS_TOKEN_SEALED_LEN (24 + 64 + 16)
void keys_token_verifier(unsigned char out[32], const unsigned char secret[KEYS_TOKEN_SECRET_LEN]);
int keys_token_verify(const unsigned char verifier[32], const unsigned char secret[KEYS_TOKEN_SECRET_LEN]) FORT_WUR;
int keys_token_seal(unsigned char sealed[KEYS_TOKEN_SEALED_LEN], const keyring *kr, const unsigned char secret[KEYS_TOKEN_SECRET_LEN],
		    const unsigned char *ad, size_t adlen) FORT_WUR;
int keys_token_unseal(fort_secret **out, const unsigned char *sealed, size_t len, const unsigned char secret[KEYS_TOKEN_SECRET_LEN],
		      const unsigned char *ad, size_t adlen) FORT_WUR;

/* Fresh random VK and CK[*], version 1. */
void keys_vault_generate(keyring *kr);
/* Seal every key KR holds to BOX_PK and store the grants for USER. */
int keys_grant_all(store *s, int64_t user, const unsigned char box_pk[32], const keyring *kr);
/* Open USER's grants into KR (the newest version of each key current, older
 * ones kept while a rotation is under way). */
int keys_load_grants(keyring *kr, store *s, int64_t user) FORT_WUR;

int keys_client_wrap(unsigned char out[WRAPPED_LEN], const keyring *kr, int64_t cid, const unsigned char kc[KEY_LEN]);
int keys_client_unwrap(unsigned char kc[KEY_LEN], const keyring *kr, int64_t cid, int vk_version,
		       const unsigned char *w, size_t wlen) FORT_WUR;

/* Field key for (category, key version KVER (0: the current one), client);
 * FORT_EDENIED if KR lacks that version of the category key. */
int keys_field_key(unsigned char fk[KEY_LEN], const keyring *kr, int cat, int kver, const unsigned char kc[KEY_LEN],
		   int64_t cid) FORT_WUR;
/* keys_field_key in two steps, for a writer of many records (issue 16): the
 * keyed BLAKE2b state after the category key and the tag (the same for every
 * client) made once by keys_field_key_start, then per client a copy of it
 * finished with K_c and the client id by keys_field_key_finish.  The output
 * is keys_field_key's byte for byte (test_envelope checks it).  The state
 * holds the category key: keep it in sodium_malloc'ed memory and wipe it. */
int keys_field_key_start(struct crypto_generichash_blake2b_state *st, const keyring *kr, int cat, int kver) FORT_WUR;
void keys_field_key_finish(unsigned char fk[KEY_LEN], const struct crypto_generichash_blake2b_state *start,
			   const unsigned char kc[KEY_LEN], int64_t cid);
/* The nonce of field FIELD_ID in a record whose random base nonce is BASE
 * (fresh from the RNG for every write of the record): the base with its last
 * byte XORed with the field id, so the fields of one record never share a
 * nonce and a record stores one nonce, not one per field. */
void keys_field_nonce(unsigned char out[NONCE_LEN], const unsigned char base[NONCE_LEN], int field_id);
/* OUT gets LEN + FIELD_OVERHEAD bytes: ciphertext || tag. */
void keys_field_encrypt(unsigned char *out, const unsigned char fk[KEY_LEN], int64_t cid, const char *field,
			uint32_t kver, const unsigned char nonce[NONCE_LEN], const void *pt, size_t len);
/* The same encryption in two steps, for a writer of many fields (issue 16).
 * XChaCha20-Poly1305 is HChaCha20 of (key, the nonce's first 16 bytes),
 * then ChaCha20-Poly1305-IETF under that subkey with the nonce's last 8
 * bytes (libsodium's own construction, both steps libsodium's primitives).
 * The fields of one record differ only in their nonce's last byte
 * (keys_field_nonce), so the fields under one field key share the subkey:
 * keys_field_subkey derives it once from the field key and the record's base
 * nonce, keys_field_encrypt_sub encrypts one field under it, NONCE being
 * that field's nonce (whose first 16 bytes must be BASE's).  The output is
 * keys_field_encrypt's byte for byte (test_envelope checks it); SUB is as
 * secret as the field key: wipe it. */
void keys_field_subkey(unsigned char sub[KEY_LEN], const unsigned char fk[KEY_LEN], const unsigned char base[NONCE_LEN]);
void keys_field_encrypt_sub(unsigned char *out, const unsigned char sub[KEY_LEN], int64_t cid, const char *field,
			    uint32_t kver, const unsigned char nonce[NONCE_LEN], const void *pt, size_t len);
/* PT gets CTLEN - FIELD_OVERHEAD bytes.  FORT_ETAMPER if it does not verify. */
int keys_field_decrypt(unsigned char *pt, const unsigned char fk[KEY_LEN], int64_t cid, const char *field,
		       uint32_t kver, const unsigned char nonce[NONCE_LEN], const unsigned char *ct, size_t ctlen) FORT_WUR;
/* keys_field_decrypt in the same two steps, for a reader of many fields (a
 * masked read decrypts every field of the record: one HChaCha20 per field
 * key and record, not per field): SUB is keys_field_subkey of the field key
 * and the base nonce whose first 16 bytes NONCE shares.  Opens exactly what
 * keys_field_decrypt opens, and refuses what it refuses (test_envelope). */
int keys_field_decrypt_sub(unsigned char *pt, const unsigned char sub[KEY_LEN], int64_t cid, const char *field,
			   uint32_t kver, const unsigned char nonce[NONCE_LEN], const unsigned char *ct, size_t ctlen) FORT_WUR;

/* Record format 2's authenticator (client.c's trailer): BLAKE2b-256 keyed
 * with a subkey of the client key KC (crypto_kdf_derive_from_key, context
 * "fortrec2", subkey 1), over the format version, the vault id (VID, VIDLEN
 * bytes; none in vaults that have none), the client id and the whole
 * encoded record BODY before the trailer (every field as stored: id, key
 * version, length, ciphertext; segment markers and nonces), each of the
 * variable-length parts prefixed with its length. */
#define REC_MAC_LEN 32
void keys_record_mac(unsigned char mac[REC_MAC_LEN], const unsigned char kc[KEY_LEN], unsigned format, const char *vid,
		     size_t vidlen, int64_t cid, const unsigned char *body, size_t len);

/* The key of the blind-index rows' MACs (issue 16; SipHash-2-4-128, so 16
 * bytes): a subkey of version VK_VERSION (0: the current one) of the vault
 * key (crypto_kdf, context "fortidx1", subkey 1).  Every user holds the
 * vault key, so every user can write and check index rows; the store
 * computes the MACs with it (store_index_mac_keys).  FORT_EDENIED if KR
 * lacks that version. */
#define INDEX_MAC_KEY_LEN 16
int keys_index_mac_key(unsigned char k[INDEX_MAC_KEY_LEN], const keyring *kr, int vk_version) FORT_WUR;

/* Blind-index key of FIELD under version KVER (0: current) of CAT's key. */
int keys_blind_key(unsigned char bk[KEY_LEN], const keyring *kr, int cat, int kver, const char *field) FORT_WUR;
void keys_blind(unsigned char h[BIDX_LEN], const unsigned char bk[KEY_LEN], const char *norm, size_t len);
/* keys_blind in two steps, as keys_field_key_start/_finish: the state keyed
 * with BK made once, a copy of it finished per value; the same index entry
 * byte for byte.  The state holds BK: sodium_malloc'ed memory, wiped. */
void keys_blind_start(struct crypto_generichash_blake2b_state *st, const unsigned char bk[KEY_LEN]);
void keys_blind_finish(unsigned char h[BIDX_LEN], const struct crypto_generichash_blake2b_state *start, const char *norm,
		       size_t len);

/* libsodium's RNG, drawn in blocks (random.c).  Use for every nonce and key. */
void fort_random(void *out, size_t n);
uint32_t fort_random_uniform(uint32_t upper);

/* Length-prefixed hashing of records (audit entries, the consent ledger,
 * the users-and-roles MAC): a big-endian u64, a string as its length then
 * its bytes (NULL as ""), so that no two records hash the same input. */
struct crypto_generichash_blake2b_state;
void keys_hash_u64(struct crypto_generichash_blake2b_state *st, uint64_t x);
void keys_hash_str(struct crypto_generichash_blake2b_state *st, const char *s);

/* Audit signatures. */
void keys_sign(unsigned char sig[64], const keyring *kr, const unsigned char *msg, size_t len);
int keys_verify(const unsigned char sig[64], const unsigned char pk[32], const unsigned char *msg, size_t len) FORT_WUR;

#endif
