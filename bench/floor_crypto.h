/* floor_crypto.h - the per-client cryptographic work that Fortress's design
 * mandates, written straight on libsodium, for the two floors of
 * bench/README.md "Ceilings by design (issues 16 and 17)": bench/floor_import.c
 * (the import) and bench/serve/mhd_floor.c (a masked read).  Not Fortress's
 * code and not its format: the same primitives, the same number of calls and
 * the same amounts of data per client, nothing else (no validation, no
 * allocation per value, no SQL).  What Fortress does is named beside each step
 * (src/keys/keys.c, src/vault/client.c, src/store/seal_common.c).
 *
 * The clients are vault_bench's: gen_clients's 8 fields, the default data
 * map's categories (identity: full_name, company, date_of_birth; contact:
 * email, phone, postal_address; financial: tax_id, iban) and indexed fields
 * (email and phone unique, full_name and iban searchable). */
#ifndef FLOOR_CRYPTO_H
#define FLOOR_CRYPTO_H

#include <sodium.h>
#include <stdint.h>
#include <string.h>

#define FL_NF 8
#define FL_NCAT 3
#define FL_NIDX 4
#define FL_KEY 32
#define FL_NONCE 24
#define FL_TAG 16
#define FL_WRAPPED (24 + 32 + 16)  /* nonce, K_c, tag: Fortress's WRAPPED_LEN */
#define FL_BIDX 16                 /* blind index: keyed BLAKE2b-128 (BIDX_LEN) */
#define FL_MAC 32                  /* record MAC (REC_MAC_LEN) */
#define FL_IMAC 16                 /* index entry MAC: SipHash-2-4-128 */
#define FL_REC_MAX 1024

static const char *const fl_field[FL_NF] = { "full_name", "email", "phone", "postal_address",
					     "company", "date_of_birth", "tax_id", "iban" };
static const int fl_cat[FL_NF] = { 0, 1, 1, 1, 0, 0, 2, 2 };
/* indexed fields: their column and whether unique */
static const int fl_idx_field[FL_NIDX] = { 1, 2, 0, 7 };
static const int fl_idx_unique[FL_NIDX] = { 1, 1, 0, 0 };

/* What an unlocked vault holds in locked memory (sodium_malloc'ed by the
 * caller): the vault key, the three category keys, the four fields' blind
 * keys, the index-MAC key, the user's Ed25519 signing key; and the keyed
 * BLAKE2b states made once per import (Fortress's seal_keys). */
typedef struct {
	unsigned char vk[FL_KEY], ck[FL_NCAT][FL_KEY], bk[FL_NIDX][FL_KEY], imac[16];
	unsigned char sign_pk[crypto_sign_PUBLICKEYBYTES], sign_sk[crypto_sign_SECRETKEYBYTES];
	crypto_generichash_state fk_st[FL_NCAT], bk_st[FL_NIDX];
} fl_keys;

static inline void fl_keys_init(fl_keys *k)
{
	static const char ftag[] = "fortress-field-v1";
	randombytes_buf(k->vk, sizeof k->vk);
	randombytes_buf(k->ck, sizeof k->ck);
	randombytes_buf(k->bk, sizeof k->bk);
	randombytes_buf(k->imac, sizeof k->imac);
	crypto_sign_keypair(k->sign_pk, k->sign_sk);
	for (int c = 0; c < FL_NCAT; c++) {
		crypto_generichash_init(&k->fk_st[c], k->ck[c], FL_KEY, FL_KEY);
		crypto_generichash_update(&k->fk_st[c], (const unsigned char *)ftag, sizeof ftag - 1);
	}
	for (int i = 0; i < FL_NIDX; i++)
		crypto_generichash_init(&k->bk_st[i], k->bk[i], FL_KEY, FL_BIDX);
}

/* Nonces and K_c from libsodium's RNG as Fortress draws them (src/keys/random.c:
 * a 16 KiB pool from libsodium's ChaCha20 generator, reseeded from
 * randombytes_buf, instead of a getrandom(2) per call).  One per thread. */
typedef struct {
	unsigned char pool[16384];
	size_t used;
} fl_rng;

static inline void fl_random(fl_rng *g, void *out, size_t n)
{
	unsigned char *o = out;
	while (n) {
		size_t k;
		if (g->used == 0 || g->used >= sizeof g->pool) {
			unsigned char seed[randombytes_SEEDBYTES];
			randombytes_buf(seed, sizeof seed);
			randombytes_buf_deterministic(g->pool, sizeof g->pool, seed);
			sodium_memzero(seed, sizeof seed);
			g->used = 0;
		}
		k = sizeof g->pool - g->used;
		if (k > n)
			k = n;
		memcpy(o, g->pool + g->used, k);
		sodium_memzero(g->pool + g->used, k);
		g->used += k;
		o += k;
		n -= k;
		if (g->used >= sizeof g->pool)
			g->used = sizeof g->pool; /* refill next time */
	}
}

static inline void fl_be64(unsigned char *p, uint64_t x)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(x >> (56 - 8 * i));
}

/* A sealed client: the wrapped K_c, the record (base nonce, fields, MAC),
 * the four blind indexes, their MACs, the seals' hashes. */
typedef struct {
	int64_t id;
	unsigned char wrapped[FL_WRAPPED];
	unsigned char rec[FL_REC_MAX];
	size_t rec_len;
	unsigned char bidx[FL_NIDX][FL_BIDX];
	unsigned char imac[FL_NIDX][FL_IMAC];
	unsigned char seal[4][32];       /* record, two unique entries, the search group */
	int64_t seal_id[4];
} fl_sealed;

/* Field AD as Fortress makes it: tag, client id, field name, 0, key version. */
static inline size_t fl_field_ad(unsigned char *ad, int64_t cid, const char *field)
{
	static const char tag[] = "fortress-field-v1";
	size_t n = sizeof tag - 1, fl = strlen(field);
	memcpy(ad, tag, n);
	fl_be64(ad + n, (uint64_t)cid);
	n += 8;
	memcpy(ad + n, field, fl);
	n += fl;
	ad[n++] = 0;
	ad[n++] = 0, ad[n++] = 0, ad[n++] = 0, ad[n++] = 1;
	return n;
}

/* The record MAC's key and MAC (keys_record_mac: crypto_kdf from K_c, keyed
 * BLAKE2b-256 over the vault id, the client id and the record). */
static inline void fl_record_mac_x(unsigned char mac[FL_MAC], const unsigned char kc[FL_KEY], int64_t cid,
				   const unsigned char *body, size_t len, const unsigned char *extra, size_t xlen);

static inline void fl_record_mac(unsigned char mac[FL_MAC], const unsigned char kc[FL_KEY], int64_t cid,
				 const unsigned char *body, size_t len)
{
	fl_record_mac_x(mac, kc, cid, body, len, NULL, 0);
}

/* ... and over EXTRA after the record (level 2: the row's four index
 * hashes, so that a find detects an edited hash column at read time) */
static inline void fl_record_mac_x(unsigned char mac[FL_MAC], const unsigned char kc[FL_KEY], int64_t cid,
				   const unsigned char *body, size_t len, const unsigned char *extra, size_t xlen)
{
	unsigned char mk[crypto_generichash_KEYBYTES], b[8];
	crypto_generichash_state st;
	crypto_kdf_derive_from_key(mk, sizeof mk, 1, "fortrec2", kc);
	crypto_generichash_init(&st, mk, sizeof mk, FL_MAC);
	fl_be64(b, (uint64_t)cid);
	crypto_generichash_update(&st, b, 8);
	fl_be64(b, len);
	crypto_generichash_update(&st, b, 8);
	crypto_generichash_update(&st, body, len);
	if (xlen)
		crypto_generichash_update(&st, extra, xlen);
	crypto_generichash_final(&st, mac, FL_MAC);
	sodium_memzero(&st, sizeof st);
	sodium_memzero(mk, sizeof mk);
}

/* The columns of a client's row hashed into HS: the seal's part common to
 * both levels (store_client_hash's order). */
static inline void fl_row_hash_cols(crypto_generichash_state *hs, unsigned char b[9], const fl_sealed *s, int64_t now)
{
	static const char tag[] = "fortress-row-v1";
	crypto_generichash_init(hs, NULL, 0, 32);
	crypto_generichash_update(hs, (const unsigned char *)tag, sizeof tag);
	crypto_generichash_update(hs, (const unsigned char *)"clients", 8);
	b[0] = 1;
	fl_be64(b + 1, (uint64_t)s->id);
	crypto_generichash_update(hs, b, 9);
	fl_be64(b + 1, 1);
	crypto_generichash_update(hs, b, 9);
	b[0] = 4;
	fl_be64(b + 1, FL_WRAPPED);
	crypto_generichash_update(hs, b, 9);
	crypto_generichash_update(hs, s->wrapped, FL_WRAPPED);
	fl_be64(b + 1, s->rec_len);
	crypto_generichash_update(hs, b, 9);
	crypto_generichash_update(hs, s->rec, s->rec_len);
	b[0] = 1;
	fl_be64(b + 1, (uint64_t)now);
	crypto_generichash_update(hs, b, 9);
	crypto_generichash_update(hs, b, 9);
}

/* The seal of a client's row (store_client_hash): BLAKE2b-256 of the
 * columns, unkeyed (the signature over the entry's digest vouches). */
static inline void fl_row_hash(unsigned char out[32], const fl_sealed *s, int64_t now)
{
	crypto_generichash_state hs;
	unsigned char b[9];
	fl_row_hash_cols(&hs, b, s, now);
	crypto_generichash_final(&hs, out, 32);
}

/* The row's seal when the four index hashes are columns of the record's
 * row (level 2): fl_row_hash's columns, then the hashes. */
static inline void fl_row_hash_idx(unsigned char out[32], const fl_sealed *s, int64_t now)
{
	crypto_generichash_state hs;
	unsigned char b[9];
	fl_row_hash_cols(&hs, b, s, now);
	b[0] = 4;
	fl_be64(b + 1, FL_BIDX);
	for (int j = 0; j < FL_NIDX; j++) {
		crypto_generichash_update(&hs, b, 9);
		crypto_generichash_update(&hs, s->bidx[j], FL_BIDX);
	}
	crypto_generichash_final(&hs, out, 32);
}

/* LEVEL 0: what DESIGN.md ("Keys and cryptography") mandates: a random K_c
 * wrapped by VK (AD = client id), a field key per category from CK[cat] and
 * K_c (keyed BLAKE2b), each field XChaCha20-Poly1305 with AD = client id +
 * field name + key version, the keyed BLAKE2b blind index of each indexed
 * field.  LEVEL 1 adds what Fortress's own security rules (docs/SECURITY.md)
 * require of every stored client: the record MAC (format 2: which fields a
 * record has), the index entries' MACs (schema 15), the seals' hashes
 * (record, each unique entry with its seal id, the search group).
 * LEVEL 2: level 1 for a layout whose record row holds its four index hashes
 * (floor_import's "wide" layout): no index MACs; the record MAC covers the
 * hashes too (a find checks the row it found at read time); one seal, the
 * row's, over its columns and the hashes (a changed hash changes the row's
 * seal, an index entry is the row's column in SQLite's own index).
 * VALS: the 8 values (normalised), LENS their lengths.  Returns 0. */
static inline int fl_seal_client(fl_sealed *s, const fl_keys *k, fl_rng *g, int64_t cid, const char *const *vals,
				 const size_t *lens, int level, int64_t now)
{
	unsigned char kc[FL_KEY], fk[FL_NCAT][FL_KEY], ad[128], cad[32], n2[12] = { 0 };
	int have[FL_NCAT] = { 0 };
	unsigned char *p = s->rec;
	s->id = cid;
	/* K_c and its wrapping under VK (keys_client_wrap) */
	fl_random(g, kc, sizeof kc);
	memcpy(cad, "fortress-client-v1", 18);
	fl_be64(cad + 18, (uint64_t)cid);
	memset(cad + 26, 0, 6);
	cad[29] = 1;
	fl_random(g, s->wrapped, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(s->wrapped + 24, NULL, kc, FL_KEY, cad, sizeof cad, NULL, s->wrapped, k->vk);
	/* the fields: one random base nonce per record, each field's nonce
	 * differs in its last byte (keys_field_nonce); XChaCha20-Poly1305 =
	 * HChaCha20 (once per category: the fields of a category share the
	 * nonce's first 16 bytes) + ChaCha20-Poly1305-IETF, byte for byte
	 * crypto_aead_xchacha20poly1305_ietf_encrypt (keys_field_encrypt_sub) */
	fl_random(g, p, FL_NONCE);
	p += FL_NONCE;
	for (int i = 0; i < FL_NF; i++) {
		int c = fl_cat[i];
		size_t adlen;
		if (!vals[i] || !lens[i])
			continue;
		if (!have[c]) {
			crypto_generichash_state st;
			unsigned char idb[8];
			memcpy(&st, &k->fk_st[c], sizeof st);
			crypto_generichash_update(&st, kc, FL_KEY);
			fl_be64(idb, (uint64_t)cid);
			crypto_generichash_update(&st, idb, 8);
			crypto_generichash_final(&st, fk[c], FL_KEY);
			sodium_memzero(&st, sizeof st);
			crypto_core_hchacha20(fk[c], s->rec, fk[c], NULL);
			have[c] = 1;
		}
		adlen = fl_field_ad(ad, cid, fl_field[i]);
		*p++ = (unsigned char)(i + 1);
		*p++ = 1;
		*p++ = (unsigned char)((lens[i] + FL_TAG) >> 8);
		*p++ = (unsigned char)(lens[i] + FL_TAG);
		memcpy(n2 + 4, s->rec + 16, 8);
		n2[11] ^= (unsigned char)(i + 1);
		crypto_aead_chacha20poly1305_ietf_encrypt(p, NULL, (const unsigned char *)vals[i], lens[i], ad, adlen, NULL, n2,
							  fk[c]);
		p += lens[i] + FL_TAG;
	}
	/* the blind indexes (keys_blind_finish: keyed BLAKE2b-128 of the
	 * normalised value, the key's state made once) */
	for (int j = 0; j < FL_NIDX; j++) {
		crypto_generichash_state st;
		int i = fl_idx_field[j];
		memcpy(&st, &k->bk_st[j], sizeof st);
		crypto_generichash_update(&st, (const unsigned char *)vals[i], lens[i]);
		crypto_generichash_final(&st, s->bidx[j], FL_BIDX);
		sodium_memzero(&st, sizeof st);
	}
	if (level >= 1) {
		unsigned char m[64], grp[2][FL_BIDX];
		crypto_generichash_state hs;
		/* the record MAC (rec_trailer_put) */
		*p++ = 0xff;
		*p++ = 2;
		fl_record_mac_x(p, kc, cid, s->rec, (size_t)(p - s->rec), level == 2 ? &s->bidx[0][0] : NULL,
				level == 2 ? sizeof s->bidx : 0);
		p += FL_MAC;
		/* each index entry's MAC (seal_index_mac: SipHash-2-4-128 over
		 * table, value, client); level 2 (the index hashes as columns of
		 * the record's own row, floor_import's "wide" layout): none, the
		 * row's seal covers them */
		for (int j = 0; j < FL_NIDX && level == 1; j++) {
			size_t n = 0;
			memcpy(m, "fortress-index-mac-v1", 22);
			n = 22;
			memcpy(m + n, fl_idx_unique[j] ? "uniq\0\0\0\0" : "blind\0\0\0", 8);
			n += 8;
			memcpy(m + n, s->bidx[j], FL_BIDX);
			n += FL_BIDX;
			fl_be64(m + n, (uint64_t)cid);
			n += 8;
			crypto_shorthash_siphashx24(s->imac[j], m, n, k->imac);
		}
		/* the seals: the record's row (store_client_hash), each unique
		 * entry (seal_index_id, seal_hash_index), the search group
		 * (seal_hash_group: its two entries, sorted) */
		s->rec_len = (size_t)(p - s->rec);
		if (level == 2) {
			/* one seal: the row's hash over its columns, the four
			 * index hashes among them */
			fl_row_hash_idx(s->seal[0], s, now);
			s->seal_id[0] = cid;
			goto done;
		}
		fl_row_hash(s->seal[0], s, now);
		s->seal_id[0] = cid;
		for (int j = 0; j < 2; j++) {
			unsigned char d[8], cb[8];
			uint64_t x = 0;
			crypto_generichash_init(&hs, NULL, 0, sizeof d);
			crypto_generichash_update(&hs, (const unsigned char *)"uniq", 5);
			crypto_generichash_update(&hs, s->bidx[j], FL_BIDX);
			crypto_generichash_final(&hs, d, sizeof d);
			for (int b = 0; b < 8; b++)
				x = x << 8 | d[b];
			s->seal_id[1 + j] = (int64_t)(x >> 1);
			crypto_generichash_init(&hs, NULL, 0, 32);
			crypto_generichash_update(&hs, (const unsigned char *)"fortress-row-v1", 16);
			crypto_generichash_update(&hs, (const unsigned char *)"uniq", 5);
			crypto_generichash_update(&hs, s->bidx[j], FL_BIDX);
			fl_be64(cb, (uint64_t)cid);
			crypto_generichash_update(&hs, cb, 8);
			crypto_generichash_final(&hs, s->seal[1 + j], 32);
		}
		{
			int swap = memcmp(s->bidx[2], s->bidx[3], FL_BIDX) > 0;
			unsigned char b[9];
			memcpy(grp[0], s->bidx[swap ? 3 : 2], FL_BIDX);
			memcpy(grp[1], s->bidx[swap ? 2 : 3], FL_BIDX);
			crypto_generichash_init(&hs, NULL, 0, 32);
			crypto_generichash_update(&hs, (const unsigned char *)"fortress-row-v1", 16);
			crypto_generichash_update(&hs, (const unsigned char *)"blind", 6);
			fl_be64(b, (uint64_t)cid);
			crypto_generichash_update(&hs, b, 8);
			for (int j = 0; j < 2; j++) {
				b[0] = 4;
				fl_be64(b + 1, FL_BIDX);
				crypto_generichash_update(&hs, b, 9);
				crypto_generichash_update(&hs, grp[j], FL_BIDX);
				b[0] = 1;
				fl_be64(b + 1, (uint64_t)cid);
				crypto_generichash_update(&hs, b, 9);
			}
			crypto_generichash_final(&hs, s->seal[3], 32);
			s->seal_id[3] = cid;
		}
	} else {
		s->rec_len = (size_t)(p - s->rec);
	}
done:
	sodium_memzero(kc, sizeof kc);
	sodium_memzero(fk, sizeof fk);
	return 0;
}

/* The first NSEALS seals of one client (4; 1 at level 2) added to its
 * audit entry's digest (seal_digest_add). */
static inline void fl_digest_add_n(crypto_generichash_state *dg, const fl_sealed *s, int nseals)
{
	static const char *const tbl[4] = { "clients", "uniq", "uniq", "blind" };
	unsigned char b[8];
	for (int j = 0; j < nseals; j++) {
		crypto_generichash_update(dg, (const unsigned char *)tbl[j], strlen(tbl[j]) + 1);
		fl_be64(b, (uint64_t)s->seal_id[j]);
		crypto_generichash_update(dg, b, 8);
		crypto_generichash_update(dg, s->seal[j], 32);
	}
}

static inline void fl_digest_add(crypto_generichash_state *dg, const fl_sealed *s)
{
	fl_digest_add_n(dg, s, 4);
}

/* An audit entry: BLAKE2b-256 of its content, the previous entry's hash and
 * its seals' digest (the chain), and the actor's Ed25519 signature of that
 * hash.  PREV is updated to the new hash; SIG gets the signature. */
static inline void fl_audit_entry(unsigned char prev[32], unsigned char sig[64], const fl_keys *k, int64_t seq,
				  const char *content, size_t len, const unsigned char digest[32])
{
	crypto_generichash_state st;
	unsigned char b[8], h[32], m[23 + 32];
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const unsigned char *)"fortress-audit-v2", 17);
	fl_be64(b, (uint64_t)seq);
	crypto_generichash_update(&st, b, 8);
	crypto_generichash_update(&st, (const unsigned char *)content, len);
	crypto_generichash_update(&st, prev, 32);
	if (digest)
		crypto_generichash_update(&st, digest, 32);
	crypto_generichash_final(&st, h, 32);
	memcpy(m, "fortress-audit-batch-v1", 23);
	memcpy(m + 23, h, 32);
	crypto_sign_detached(sig, NULL, m, sizeof m, k->sign_sk);
	memcpy(prev, h, 32);
}

/* A masked read's decryption (client_decrypt): K_c unwrapped, the record's
 * MAC checked (level >= 1), then each field's key (once per category) and
 * XChaCha20-Poly1305 decryption.  OUT[i] gets field i's value (NUL-ended,
 * OUTCAP bytes each).  0, or -1 when anything does not verify. */
static inline int fl_open_client(char (*out)[256], const fl_sealed *s, const fl_keys *k, int level)
{
	unsigned char kc[FL_KEY], fk[FL_NCAT][FL_KEY], ad[128], cad[32], n2[12] = { 0 };
	int have[FL_NCAT] = { 0 }, r = -1;
	const unsigned char *p = s->rec + FL_NONCE, *end = s->rec + s->rec_len;
	memcpy(cad, "fortress-client-v1", 18);
	fl_be64(cad + 18, (uint64_t)s->id);
	memset(cad + 26, 0, 6);
	cad[29] = 1;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(kc, NULL, NULL, s->wrapped + 24, FL_WRAPPED - 24, cad, sizeof cad,
						       s->wrapped, k->vk) != 0)
		return -1;
	if (level >= 1) {
		unsigned char mac[FL_MAC];
		if (s->rec_len < FL_NONCE + 2 + FL_MAC)
			goto out;
		end = s->rec + s->rec_len - 2 - FL_MAC;
		fl_record_mac(mac, kc, s->id, s->rec, (size_t)(end - s->rec) + 2);
		if (sodium_memcmp(mac, end + 2, FL_MAC) != 0)
			goto out;
	}
	for (int i = 0; i < FL_NF; i++)
		out[i][0] = '\0';
	while (p + 4 <= end) {
		int i = p[0] - 1, c;
		size_t ctlen = (size_t)p[2] << 8 | p[3], adlen;
		p += 4;
		if (i < 0 || i >= FL_NF || ctlen < FL_TAG || ctlen - FL_TAG >= 256 || (size_t)(end - p) < ctlen)
			goto out;
		c = fl_cat[i];
		if (!have[c]) {
			crypto_generichash_state st;
			unsigned char idb[8];
			memcpy(&st, &k->fk_st[c], sizeof st);
			crypto_generichash_update(&st, kc, FL_KEY);
			fl_be64(idb, (uint64_t)s->id);
			crypto_generichash_update(&st, idb, 8);
			crypto_generichash_final(&st, fk[c], FL_KEY);
			sodium_memzero(&st, sizeof st);
			crypto_core_hchacha20(fk[c], s->rec, fk[c], NULL);
			have[c] = 1;
		}
		adlen = fl_field_ad(ad, s->id, fl_field[i]);
		memcpy(n2 + 4, s->rec + 16, 8);
		n2[11] ^= (unsigned char)(i + 1);
		if (crypto_aead_chacha20poly1305_ietf_decrypt((unsigned char *)out[i], NULL, NULL, p, ctlen, ad, adlen, n2,
							      fk[c]) != 0)
			goto out;
		out[i][ctlen - FL_TAG] = '\0';
		p += ctlen;
	}
	r = p == end ? 0 : -1;
out:
	sodium_memzero(kc, sizeof kc);
	sodium_memzero(fk, sizeof fk);
	return r;
}

#endif
