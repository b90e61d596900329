/* seal_common.h - the backend-neutral half of the seals (docs/SECURITY.md
 * "seals"): what both backends (sqlite.c, postgres.c) compute alike, in one
 * copy.  A row's hash is defined here once, column by column, so that the
 * same row hashes the same in a SQLite file and in PostgreSQL: a vault
 * copied between them (`fortress store copy`) keeps every seal, and the
 * signed audit entries that vouch for the seals stay true.  Private to
 * src/store. */
#ifndef FORT_STORE_SEAL_COMMON_H
#define FORT_STORE_SEAL_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <sodium.h>
#include "store/store.h"

/* A change to a sealed row, noted until its audit entry seals it. */
struct seal_touch {
	int tbl;
	int known;                       /* HASH is the row's hash as written (else read it at the flush) */
	int check;                       /* SQLite, uniq: a new entry's; its head must not be live (sqlite.c, HEAD_UNIQ_NEW_WHERE) */
	int64_t id;
	unsigned char h[STORE_BIDX_LEN]; /* blind, uniq: the entry */
	int64_t client;                  /* blind: the entry's client */
	unsigned char hash[32];
};

/* A column's type byte in a row's hash: SQLite's own type codes
 * (SQLITE_INTEGER ... SQLITE_NULL), which sqlite.c checks at compile time;
 * PostgreSQL's bigint, text and bytea map to INT, TEXT and BLOB. */
enum { SEAL_COL_INT = 1, SEAL_COL_FLOAT = 2, SEAL_COL_TEXT = 3, SEAL_COL_BLOB = 4, SEAL_COL_NULL = 5 };

void seal_hash_u64(crypto_generichash_state *st, uint64_t x);
/* A row's hash: seal_row_start (the tag and TABLE), the row's seal id
 * (seal_hash_u64), then each column as stored, in table order. */
void seal_row_start(crypto_generichash_state *hs, const char *table);
void seal_col_int(crypto_generichash_state *hs, int64_t x);
void seal_col_float(crypto_generichash_state *hs, double d);
/* TYPE: SEAL_COL_TEXT or SEAL_COL_BLOB */
void seal_col_bytes(crypto_generichash_state *hs, int type, const void *p, size_t len);
void seal_col_null(crypto_generichash_state *hs);
/* An index entry's hash (blind, uniq): what reading the entry back gives. */
void seal_hash_index(unsigned char out[32], const char *table, const unsigned char *h, int64_t client);
/* A search group's hash from its entries in hand (what the read-back at
 * the flush gives for the same rows); sorts H in place. */
void seal_hash_group(unsigned char out[32], const char *table, int64_t client, unsigned char (*h)[STORE_BIDX_LEN], size_t n);
/* An index entry's seal id: a positive 63-bit hash of its key (a blind
 * entry's key includes its client: BLIND 1). */
int64_t seal_index_id(const char *table, int blind, const unsigned char *h, int64_t client);

/* An index entry's MAC (issue 16, schema 15; docs/SECURITY.md "index
 * entries"): SipHash-2-4-128 (crypto_shorthash_siphashx24, a PRF) under KEY
 * (SEAL_IMAC_KEY_LEN bytes, keys_index_mac_key) over the tag
 * "fortress-index-mac-v1", TABLE ("blind" or "uniq") with its NUL, H and
 * the client id (8 bytes, big-endian).  One definition for both backends:
 * a vault copied between them keeps its MACs. */
#define SEAL_IMAC_LEN 16
#define SEAL_IMAC_KEY_LEN crypto_shorthash_siphashx24_KEYBYTES
void seal_index_mac(unsigned char out[SEAL_IMAC_LEN], const unsigned char *key, const char *table, const unsigned char *h,
		    int64_t client);
/* FORT_ETAMPER for an entry of the unique (UNIQUE 1) or search index naming
 * CLIENT whose MAC verifies under no key. */
int seal_index_mac_fail(int unique, int64_t client);
/* The index-MAC walk (upgrade, rekey) of both backends: entries copied
 * out a chunk at a time, and the resumable cursor (STORE_IMAC_CURSOR bytes:
 * 0 blind / 1 uniq, the blind value, the client big-endian). */
struct imac_row {
	unsigned char h[STORE_BIDX_LEN];
	int64_t client;
	unsigned char mac[SEAL_IMAC_LEN];
};
#define IMAC_CHUNK 1024
void seal_imac_cursor_get(const unsigned char *cur, unsigned char *h, int64_t *client);
void seal_imac_cursor_put(unsigned char *cur, int uniq, const unsigned char *h, int64_t client);

int seal_is_zero32(const unsigned char *h);
/* What a row's hash NOW (all zero: the row is gone) says against its
 * newest seal SEALED (FOUND: a seal exists; all zero: sealed as removed). */
int seal_verdict(const unsigned char now[32], int found, const unsigned char sealed[32]);
/* FORT_ETAMPER with C described (store_seal_describe). */
int seal_fail(const store_seal_check *c, int64_t client);

/* A store_seal_cb that stops at the first check, failing as seal_fail
 * (an erasure's client named). */
int seal_scan_first(void *ctx, const store_seal_check *c);

/* An audit entry's seals digest: seal_digest_start, then seal_digest_add
 * for each seal in (table, id) order. */
void seal_digest_start(crypto_generichash_state *st);
void seal_digest_add(crypto_generichash_state *st, const char *tbl, int64_t id, const unsigned char *hash);
int seal_id_cmp(const void *a, const void *b); /* qsort of int64_t */

/* The open-addressing set over a transaction's touches (PSET: CAP slots, a
 * power of two; a slot holds a touch's index + 1, 0 empty). */
size_t seal_pslot(size_t cap, int tbl, int64_t id);
void seal_pset_put(uint32_t *pset, size_t cap, const struct seal_touch *touch, size_t idx);
/* The pending touch of (TBL, ID): its index + 1, 0 if none. */
size_t seal_pending_at(const uint32_t *pset, size_t cap, const struct seal_touch *touch, size_t ntouch, int tbl, int64_t id);

/* `store copy`'s raw rows, in both backends: at most this many columns in
 * a table, and a table or column name quoted as an SQL identifier ("NAME"
 * with every " doubled) into BUF: 0, or -1 when CAP is too small. */
#define STORE_RAW_COLS_MAX 64
int raw_quote_ident(char *buf, size_t cap, const char *name);

#endif
