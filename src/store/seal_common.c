/* seal_common.c - what both backends compute alike (seal_common.h): the seals' helpers, and the identifier quoting of store copy's raw rows. */
#include <stdio.h>
#include <string.h>
#include "util.h"
#include "store/seal_common.h"

static const char row_tag[] = "fortress-row-v1";
static const char seals_tag[] = "fortress-seals-v1";

void seal_hash_u64(crypto_generichash_state *st, uint64_t x)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(x >> (56 - 8 * i));
	crypto_generichash_update(st, b, 8);
}

void seal_row_start(crypto_generichash_state *hs, const char *table)
{
	crypto_generichash_init(hs, NULL, 0, 32);
	crypto_generichash_update(hs, (const unsigned char *)row_tag, sizeof row_tag);
	crypto_generichash_update(hs, (const unsigned char *)table, strlen(table) + 1);
}

void seal_col_int(crypto_generichash_state *hs, int64_t x)
{
	unsigned char tb = SEAL_COL_INT;
	crypto_generichash_update(hs, &tb, 1);
	seal_hash_u64(hs, (uint64_t)x);
}

void seal_col_float(crypto_generichash_state *hs, double d)
{
	unsigned char tb = SEAL_COL_FLOAT;
	uint64_t u;
	memcpy(&u, &d, 8);
	crypto_generichash_update(hs, &tb, 1);
	seal_hash_u64(hs, u);
}

void seal_col_bytes(crypto_generichash_state *hs, int type, const void *p, size_t len)
{
	unsigned char tb = (unsigned char)type;
	crypto_generichash_update(hs, &tb, 1);
	seal_hash_u64(hs, (uint64_t)len);
	if (len > 0)
		crypto_generichash_update(hs, p, len);
}

void seal_col_null(crypto_generichash_state *hs)
{
	unsigned char tb = SEAL_COL_NULL;
	crypto_generichash_update(hs, &tb, 1);
}

static const char imac_tag[] = "fortress-index-mac-v1";

void seal_index_mac(unsigned char out[SEAL_IMAC_LEN], const unsigned char *key, const char *table, const unsigned char *h,
		    int64_t client)
{
	unsigned char m[sizeof imac_tag + 8 + STORE_BIDX_LEN + 8], *p = m;
	size_t tl = strlen(table) + 1; /* "blind", "uniq" and their NUL */
	_Static_assert(SEAL_IMAC_LEN == crypto_shorthash_siphashx24_BYTES, "a SipHash-2-4-128 MAC");
	if (tl > 8)
		tl = 8;
	memcpy(p, imac_tag, sizeof imac_tag);
	p += sizeof imac_tag;
	memcpy(p, table, tl);
	p += tl;
	memcpy(p, h, STORE_BIDX_LEN);
	p += STORE_BIDX_LEN;
	for (int i = 0; i < 8; i++)
		*p++ = (unsigned char)((uint64_t)client >> (56 - 8 * i));
	crypto_shorthash_siphashx24(out, m, (unsigned long long)(p - m), key);
}

int seal_index_mac_fail(int unique, int64_t client)
{
	return fort_error_set(FORT_ETAMPER, "%s naming client %lld does not carry a valid MAC: it was changed outside Fortress "
			      "(moved to another client, its value swapped, or added without the vault key); "
			      "run 'fortress audit verify' and restore the vault from a backup",
			      unique ? "a unique-index entry (e-mail, phone)" : "a search-index entry", (long long)client);
}

void seal_hash_index(unsigned char out[32], const char *table, const unsigned char *h, int64_t client)
{
	crypto_generichash_state hs;
	seal_row_start(&hs, table);
	crypto_generichash_update(&hs, h, STORE_BIDX_LEN);
	seal_hash_u64(&hs, (uint64_t)client);
	crypto_generichash_final(&hs, out, 32);
}

void store_client_hash(unsigned char out[32], const store_client *c)
{
	crypto_generichash_state hs;
	seal_row_start(&hs, "clients");
	seal_hash_u64(&hs, (uint64_t)c->id);
	seal_col_int(&hs, c->id);
	seal_col_int(&hs, c->vk_version);
	seal_col_bytes(&hs, SEAL_COL_BLOB, c->wrapped, c->wrapped_len);
	seal_col_bytes(&hs, SEAL_COL_BLOB, c->data, c->data ? c->data_len : 0);
	seal_col_int(&hs, c->created);
	seal_col_int(&hs, c->updated);
	crypto_generichash_final(&hs, out, 32);
}

/* A client's search group from its entries in hand: what the backends'
 * read-back gives (SELECT h, client FROM blind WHERE client = ? ORDER BY h,
 * each row hashed as its columns: h a blob, client an integer).  H: N
 * values, sorted here in place (memcmp order, which is SQLite's BLOB order
 * and PostgreSQL's bytea order for values of one length), a value twice
 * hashed once (the table's key is (h, client)); N 0 hashes as no group. */
void seal_hash_group(unsigned char out[32], const char *table, int64_t client, unsigned char (*h)[STORE_BIDX_LEN], size_t n)
{
	crypto_generichash_state hs;
	memset(out, 0, 32);
	if (!n)
		return;
	for (size_t i = 1; i < n; i++) /* a handful: insertion sort */
		for (size_t j = i; j > 0 && memcmp(h[j - 1], h[j], STORE_BIDX_LEN) > 0; j--) {
			unsigned char t[STORE_BIDX_LEN];
			memcpy(t, h[j], STORE_BIDX_LEN);
			memcpy(h[j], h[j - 1], STORE_BIDX_LEN);
			memcpy(h[j - 1], t, STORE_BIDX_LEN);
		}
	seal_row_start(&hs, table);
	seal_hash_u64(&hs, (uint64_t)client);
	for (size_t i = 0; i < n; i++) {
		if (i && memcmp(h[i - 1], h[i], STORE_BIDX_LEN) == 0)
			continue;
		seal_col_bytes(&hs, SEAL_COL_BLOB, h[i], STORE_BIDX_LEN);
		seal_col_int(&hs, client);
	}
	crypto_generichash_final(&hs, out, 32);
}

int64_t seal_index_id(const char *table, int blind, const unsigned char *h, int64_t client)
{
	unsigned char d[8], c[8];
	crypto_generichash_state st;
	uint64_t x = 0;
	crypto_generichash_init(&st, NULL, 0, sizeof d);
	crypto_generichash_update(&st, (const unsigned char *)table, strlen(table) + 1);
	crypto_generichash_update(&st, h, STORE_BIDX_LEN);
	if (blind) {
		for (int i = 0; i < 8; i++)
			c[i] = (unsigned char)((uint64_t)client >> (56 - 8 * i));
		crypto_generichash_update(&st, c, 8);
	}
	crypto_generichash_final(&st, d, sizeof d);
	for (int i = 0; i < 8; i++)
		x = x << 8 | d[i];
	return (int64_t)(x >> 1); /* a positive 63-bit id */
}

int seal_is_zero32(const unsigned char *h)
{
	unsigned char z = 0;
	for (int i = 0; i < 32; i++)
		z |= h[i];
	return z == 0;
}

int seal_verdict(const unsigned char now[32], int found, const unsigned char sealed[32])
{
	int live = found && !seal_is_zero32(sealed);
	if (seal_is_zero32(now))
		return live ? STORE_SEAL_REMOVED : STORE_SEAL_OK;
	if (!live)
		return STORE_SEAL_UNSEALED;
	return sodium_memcmp(now, sealed, 32) == 0 ? STORE_SEAL_OK : STORE_SEAL_CHANGED;
}

int seal_fail(const store_seal_check *c, int64_t client)
{
	char msg[512];
	store_seal_describe(msg, sizeof msg, c, client);
	return fort_error_set(FORT_ETAMPER, "%s; run 'fortress audit verify' and restore the vault from a backup", msg);
}

/* The check store_client_batch_take left to its caller: what SQLite's
 * joined read (sqlite.c, seal_require_joined) decides from the row, here
 * from the record as delivered (store_client_hash hashes it as the store
 * hashes a row of the types it writes, which is all the store defers). */
int store_client_seal_check(const store_client *c, const store_client_seal *seal)
{
	store_seal_check k;
	unsigned char now[32];
	if (!seal->deferred)
		return 0;
	store_client_hash(now, c);
	k.table = "clients";
	k.id = c->id;
	k.seq = seal->found ? seal->seq : 0;
	k.key[0] = '\0';
	k.state = seal_verdict(now, seal->found, seal->sealed);
	return k.state == STORE_SEAL_OK ? 0 : seal_fail(&k, c->id);
}

int seal_scan_first(void *ctx, const store_seal_check *c)
{
	(void)ctx;
	return seal_fail(c, strcmp(c->table, "erased") == 0 ? c->id : 0);
}

void seal_digest_start(crypto_generichash_state *st)
{
	crypto_generichash_init(st, NULL, 0, 32);
	crypto_generichash_update(st, (const unsigned char *)seals_tag, sizeof seals_tag);
}

void seal_digest_add(crypto_generichash_state *st, const char *tbl, int64_t id, const unsigned char *hash)
{
	crypto_generichash_update(st, (const unsigned char *)tbl, strlen(tbl) + 1);
	seal_hash_u64(st, (uint64_t)id);
	crypto_generichash_update(st, hash, 32);
}

int seal_id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

size_t seal_pslot(size_t cap, int tbl, int64_t id)
{
	uint64_t x = (uint64_t)id * 0x9E3779B97F4A7C15ull ^ (uint64_t)tbl * 0xC2B2AE3D27D4EB4Full;
	return (size_t)(x ^ x >> 29) & (cap - 1);
}

void seal_pset_put(uint32_t *pset, size_t cap, const struct seal_touch *touch, size_t idx)
{
	const struct seal_touch *t = &touch[idx];
	for (size_t i = seal_pslot(cap, t->tbl, t->id);; i = (i + 1) & (cap - 1))
		if (!pset[i]) {
			pset[i] = (uint32_t)idx + 1;
			return;
		}
}

size_t seal_pending_at(const uint32_t *pset, size_t cap, const struct seal_touch *touch, size_t ntouch, int tbl, int64_t id)
{
	if (!ntouch || !pset)
		return 0;
	for (size_t i = seal_pslot(cap, tbl, id);; i = (i + 1) & (cap - 1)) {
		uint32_t k = pset[i];
		if (!k)
			return 0;
		if (touch[k - 1].tbl == tbl && touch[k - 1].id == id)
			return k;
	}
}

int raw_quote_ident(char *buf, size_t cap, const char *name)
{
	size_t o = 0;
	if (cap < 3)
		return -1;
	buf[o++] = '"';
	for (const char *p = name; *p; p++) {
		if (o + 3 >= cap)
			return -1;
		if (*p == '"')
			buf[o++] = '"';
		buf[o++] = *p;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return 0;
}

void seal_imac_cursor_get(const unsigned char *cur, unsigned char *h, int64_t *client)
{
	uint64_t c = 0;
	memcpy(h, cur + 1, STORE_BIDX_LEN);
	for (int i = 0; i < 8; i++)
		c = c << 8 | cur[1 + STORE_BIDX_LEN + i];
	*client = (int64_t)c;
}

void seal_imac_cursor_put(unsigned char *cur, int uniq, const unsigned char *h, int64_t client)
{
	cur[0] = (unsigned char)(uniq != 0);
	memcpy(cur + 1, h, STORE_BIDX_LEN);
	for (int i = 0; i < 8; i++)
		cur[1 + STORE_BIDX_LEN + i] = (unsigned char)((uint64_t)client >> (56 - 8 * i));
}
