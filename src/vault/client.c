/* client.c - client records: add, edit, get (masked / revealed for a
 * purpose), list, find through blind indexes, erase by crypto-shredding.
 *
 * A client row holds its key K_c wrapped by the vault key, and one blob of
 * encrypted fields (encode_into writes it, rec_next reads it):
 *
 *   [24-byte random base nonce]
 *   then per field present: [u8 field id (the map's stable id, 1..250)]
 *                           [varint key version][varint length][ciphertext || tag]
 *   and, before fields carried over unchanged from an earlier write:
 *                           [u8 0][the 24-byte base nonce they were written with]
 *   and last (record format 2) a trailer: [u8 0xff][u8 2][32-byte MAC]
 *
 * The trailer authenticates the record as a whole (keys_record_mac, keyed
 * from K_c, over the vault id, the client id and every byte before it), so
 * a record cut at a field boundary, a field removed, appended, renumbered or
 * moved from another record, or a record moved to another client, is
 * refused by the decoder (rec_verify) before any field is returned; the
 * per-field AEAD alone cannot see those.  Every record the encoder writes
 * has one (encode_into, rec_seal_buf for a rotation's re-encoding); records
 * of format 1 (no trailer) are upgraded at unlock (recmac.c), after which
 * the sealed meta "record_mac" makes a record without one tampering.
 *
 * Varints are LEB128.  A field's nonce is its segment's base nonce with the
 * last byte XORed with the field id (keys_field_nonce); its key is derived
 * from the field's category key (of that key version) and K_c; the AD binds
 * the client id, the field name and the key version (keys_field_encrypt). */
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <sodium.h>
#include "vault/attach.h"
#include "vault/vault_int.h"
#include "vault/op.h"

/* ------------------------------------------------------------------ ids */

void client_id_format(char out[FORT_ID_LEN + 1], int64_t id)
{
	/* "c-%016llx", without snprintf: every find and list formats each id */
	static const char hex[] = "0123456789abcdef";
	uint64_t x = (uint64_t)id;
	out[0] = 'c';
	out[1] = '-';
	for (int i = FORT_ID_LEN - 1; i >= 2; i--, x >>= 4)
		out[i] = hex[x & 15];
	out[FORT_ID_LEN] = '\0';
}

int client_id_parse(int64_t *out, const char *id)
{
	unsigned char b[8];
	uint64_t x = 0;
	if (!id || strlen(id) != FORT_ID_LEN || id[0] != 'c' || id[1] != '-' || fort_unhex(b, 8, id + 2) < 0)
		return fort_error_set(FORT_EINPUT, "'%s' is not a client id (they look like c-0123456789abcdef)",
				      id && strlen(id) < 64 ? id : "(id)");
	for (int i = 0; i < 8; i++)
		x = x << 8 | b[i];
	*out = (int64_t)x;
	return 0;
}

/* Ids are (seconds since 2020 << 24) plus random low bits, and strictly
 * increasing within a process: a large import appends to the end of the
 * table's B-tree instead of splitting pages all over it, and an import can
 * tell its own clients (id >= the first it made) from older ones.  Not
 * guessable from a neighbour's id.  A clash with another process is
 * retried by the caller. */
static int64_t last_id;
static pthread_mutex_t id_lock = PTHREAD_MUTEX_INITIALIZER;

/* Never hand out an id at or below FLOOR (the largest in the vault): ids
 * stay unique even if the clock went backwards. */
int client_ids_above(fort_vault *v)
{
	int64_t floor_id = 0;
	int r = store_client_max_id(v->st, &floor_id);
	if (r < 0)
		return r;
	pthread_mutex_lock(&id_lock);
	if (floor_id > last_id)
		last_id = floor_id;
	pthread_mutex_unlock(&id_lock);
	return 0;
}

static int64_t id_base(void)
{
	int64_t secs = fort_now() - 1577836800;
	if (secs < 1)
		secs = 1;
	return (int64_t)((uint64_t)secs << 24);
}

/* Two imports side by side (PostgreSQL, the writers' lock taken late) both
 * continue from the same largest id, one to sixteen apart: each starts a
 * random distance above it instead (under 2^32, about four minutes of the
 * ids' clock), so that two runs of a few thousand ids meet about once in
 * 2^32 / (2 x 8.5 x clients) pairs of imports; the primary key refuses a
 * clash that is left (the whole import, busy: try again). */
void client_ids_apart(void)
{
	int64_t base = id_base();
	pthread_mutex_lock(&id_lock);
	if (last_id < base)
		last_id = base;
	last_id += 1 + (int64_t)fort_random_uniform(UINT32_MAX);
	pthread_mutex_unlock(&id_lock);
}

static int64_t new_client_id(void)
{
	int64_t base = id_base(), id;
	pthread_mutex_lock(&id_lock);
	if (last_id >= base)
		id = last_id + 1 + (int64_t)fort_random_uniform(16);
	else
		id = base | (int64_t)fort_random_uniform(1u << 20);
	last_id = id;
	pthread_mutex_unlock(&id_lock);
	return id;
}

/* --------------------------------------------------------- client values */

int cvals_init(client_vals *cv, const fort_vault *v)
{
	memset(cv, 0, sizeof *cv);
	cv->n = v->map.n;
	if (!(cv->vals = fort_calloc(cv->n, sizeof *cv->vals)) ||
	    !(cv->bidx = fort_calloc(cv->n, sizeof *cv->bidx)) ||
	    !(cv->bidx_field = fort_calloc(cv->n, sizeof *cv->bidx_field))) {
		cvals_release(cv);
		return FORT_ENOMEM;
	}
	return 0;
}

void cvals_clear(client_vals *cv)
{
	for (size_t i = 0; i < cv->n; i++) {
		fort_free_str(cv->vals[i]);
		cv->vals[i] = NULL;
	}
	cv->nbidx = 0;
}

void cvals_release(client_vals *cv)
{
	if (cv->vals)
		cvals_clear(cv);
	free(cv->vals);
	free(cv->bidx);
	free(cv->bidx_field);
	memset(cv, 0, sizeof *cv);
}

/* The country a record's national phone numbers are read in: its own
 * (a "country" field, stored as an ISO code), else the vault's. */
static const char *cvals_country(const client_vals *cv, const fort_vault *v)
{
	int ci = map_index(&v->map, "country");
	if (ci >= 0 && (size_t)ci < cv->n && cv->vals[ci] && strlen(cv->vals[ci]) == 2)
		return cv->vals[ci];
	return v->country;
}

/* Set KV's values, the record's country first (it decides how its phone
 * numbers are read, whatever order they were given in). */
static int cvals_set_all(client_vals *cv, fort_vault *v, const fort_kv *kv, size_t n)
{
	int r;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++)
			if ((strcmp(kv[i].field, "country") == 0) == (pass == 0) &&
			    (r = cvals_set(cv, v, kv[i].field, kv[i].value)) < 0)
				return r;
	return 0;
}

int cvals_set(client_vals *cv, fort_vault *v, const char *field, const char *value)
{
	char why[256], *canon = NULL;
	int r, i = map_index(&v->map, field);
	const map_field *f;
	if (i < 0)
		return map_unknown_field(&v->map, field);
	f = &v->map.f[i];
	if (v->kr && !v->kr->has_ck[f->cat])
		return fort_error_set(FORT_EDENIED, "you may not write field '%s': your role does not hold the key of category %s",
				      field, f->category);
	fort_free_str(cv->vals[i]);
	cv->vals[i] = NULL;
	if (!value || !value[0])
		return 0;
	why[0] = '\0';
	if ((r = field_normalise(&canon, f, value, strlen(value), cvals_country(cv, v), why, sizeof why)) < 0)
		return r == FORT_EINPUT ? fort_error_set(FORT_EINPUT, "field '%s': %s", field, why[0] ? why : "invalid value") : r;
	if (!canon[0]) {
		free(canon);
		return 0;
	}
	cv->vals[i] = canon;
	return 0;
}

struct seal_keys {
	size_t n;                          /* map fields */
	int fk_version[CAT_COUNT];         /* st[cat] is that version's field-key state; 0: none */
	unsigned char *has_bk;             /* st[CAT_COUNT + i] is field i's blind-key state */
	crypto_generichash_state *st;      /* sodium_malloc'ed: CAT_COUNT + n states */
};

int seal_keys_new(seal_keys **out, const fort_vault *v)
{
	seal_keys *sk;
	int r;
	*out = NULL;
	if (!(sk = fort_calloc(1, sizeof *sk)))
		return FORT_ENOMEM;
	sk->n = v->map.n;
	if (!(sk->has_bk = fort_calloc(sk->n ? sk->n : 1, 1))) {
		seal_keys_free(sk);
		return FORT_ENOMEM;
	}
	if (!(sk->st = sodium_malloc((CAT_COUNT + sk->n) * sizeof *sk->st))) {
		seal_keys_free(sk);
		return fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys (raise 'ulimit -l')");
	}
	for (int cat = 0; cat < CAT_COUNT; cat++) {
		if (!v->kr->has_ck[cat])
			continue;
		if ((r = keys_field_key_start(&sk->st[cat], v->kr, cat, 0)) < 0) {
			seal_keys_free(sk);
			return r;
		}
		sk->fk_version[cat] = v->kr->ck_version[cat];
	}
	for (size_t i = 0; i < sk->n; i++) {
		if (!v->has_bkey[i])
			continue;
		keys_blind_start(&sk->st[CAT_COUNT + i], v->bkeys + i * KEY_LEN);
		sk->has_bk[i] = 1;
	}
	*out = sk;
	return 0;
}

void seal_keys_free(seal_keys *sk)
{
	if (!sk)
		return;
	if (sk->st)
		sodium_free(sk->st); /* wipes */
	free(sk->has_bk);
	free(sk);
}

/* The index entry of field I's key K (LEN bytes), from SK's state when it has one. */
static void blind_one(unsigned char h[BIDX_LEN], const fort_vault *v, const seal_keys *sk, size_t i, const char *k,
		      size_t len)
{
	if (sk && i < sk->n && sk->has_bk[i])
		keys_blind_finish(h, &sk->st[CAT_COUNT + i], k, len);
	else
		keys_blind(h, v->bkeys + i * KEY_LEN, k, len);
}

int cvals_index_sk(client_vals *cv, fort_vault *v, const seal_keys *sk)
{
	fort_buf key; /* one buffer for every key of the record, wiped */
	int r = 0;
	fort_buf_init_secret(&key, 0);
	cv->nbidx = 0;
	for (size_t i = 0; i < cv->n; i++) {
		fort_ftype t = v->map.f[i].t;
		if (!cv->vals[i] || !v->map.f[i].searchable || !v->has_bkey[i])
			continue;
		if (type_index_key_is_value(t)) {
			/* the stored form is the key (type_index_key): hashed in place */
			blind_one(cv->bidx[cv->nbidx], v, sk, i, cv->vals[i], strlen(cv->vals[i]));
		} else {
			fort_buf_reset(&key);
			if (type_index_key_buf(&key, t, cv->vals[i]) < 0 || key.err) {
				r = fort_error_code() ? fort_error_code() : FORT_ENOMEM;
				break;
			}
			blind_one(cv->bidx[cv->nbidx], v, sk, i, key.buf, key.len);
		}
		cv->bidx_field[cv->nbidx] = (int)i;
		cv->nbidx++;
	}
	fort_buf_release(&key);
	return r;
}

int cvals_index(client_vals *cv, fort_vault *v)
{
	return cvals_index_sk(cv, v, NULL);
}

int field_unique(const fort_vault *v, int i)
{
	return v->map.f[i].t == FT_EMAIL || v->map.f[i].t == FT_PHONE;
}

/* LEB128 varints keep the per-field header at 3 bytes: the row size is
 * what an import pays for (every byte goes to the WAL and back). */
unsigned char *rec_put_varint(unsigned char *p, uint32_t x)
{
	while (x >= 0x80) {
		*p++ = (unsigned char)(x | 0x80);
		x >>= 7;
	}
	*p++ = (unsigned char)x;
	return p;
}

static int get_varint(uint32_t *x, const unsigned char **p, const unsigned char *end)
{
	uint32_t v = 0;
	for (int shift = 0; shift < 35 && *p < end; shift += 7) {
		unsigned char b = *(*p)++;
		v |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*x = v;
			return 0;
		}
	}
	return -1;
}

int rec_next(rec_iter *it, rec_field *f)
{
	for (;;) {
		const unsigned char *start = it->p;
		uint32_t kver = 0, ctlen = 0;
		int id;
		if (it->p >= it->end)
			return 0;
		id = *it->p++;
		if (id == REC_TRAILER_ID) {
			/* the trailer ends the record: nothing after it */
			if ((size_t)(it->end - it->p) != REC_TRAILER_LEN - 1 || *it->p != REC_FORMAT)
				return fort_error_set(FORT_ECORRUPT, "the record of this client is damaged: restore the vault from a backup");
			it->trailer = start;
			it->p = it->end;
			return 0;
		}
		if (id == 0) {
			/* a segment: the fields after it use this base nonce */
			if ((size_t)(it->end - it->p) < NONCE_LEN)
				return fort_error_set(FORT_ECORRUPT, "the record of this client is damaged: restore the vault from a backup");
			it->base = it->p;
			it->p += NONCE_LEN;
			continue;
		}
		if (get_varint(&kver, &it->p, it->end) < 0 || get_varint(&ctlen, &it->p, it->end) < 0 ||
		    (size_t)(it->end - it->p) < ctlen || ctlen < FIELD_OVERHEAD || kver == 0)
			return fort_error_set(FORT_ECORRUPT, "the record of this client is damaged: restore the vault from a backup");
		f->id = id;
		f->kver = kver;
		f->base = it->base;
		f->start = start;
		f->ct = it->p;
		f->ctlen = ctlen;
		it->p += ctlen;
		f->total = (size_t)(it->p - start);
		return 1;
	}
}

int rec_begin(rec_iter *it, const unsigned char *data, size_t len)
{
	if (len < NONCE_LEN)
		return fort_error_set(FORT_ECORRUPT, "the record of this client is damaged: restore the vault from a backup");
	it->base = data;
	it->p = data + NONCE_LEN;
	it->end = data + len;
	it->trailer = NULL;
	return 0;
}

static void rec_trailer_put(unsigned char *out, const fort_vault *v, int64_t cid, const unsigned char kc[KEY_LEN],
			    const unsigned char *body, size_t len)
{
	out[0] = REC_TRAILER_ID;
	out[1] = REC_FORMAT;
	keys_record_mac(out + 2, kc, REC_FORMAT, v->vault_id, v->vault_id_len, cid, body, len);
}

int rec_seal_buf(fort_buf *b, const fort_vault *v, int64_t cid, const unsigned char kc[KEY_LEN])
{
	int r;
	if ((r = fort_buf_grow(b, REC_TRAILER_LEN)) < 0)
		return r;
	rec_trailer_put((unsigned char *)b->buf + b->len, v, cid, kc, (const unsigned char *)b->buf, b->len);
	b->len += REC_TRAILER_LEN;
	return 0;
}

int rec_verify(const fort_vault *v, const store_client *c, const unsigned char kc[KEY_LEN], int *has)
{
	unsigned char mac[REC_MAC_LEN];
	char id[FORT_ID_LEN + 1];
	rec_iter it;
	rec_field f;
	int r;
	if (has)
		*has = 0;
	if ((r = rec_begin(&it, c->data, c->data_len)) < 0)
		return r;
	while ((r = rec_next(&it, &f)) == 1)
		;
	if (r < 0)
		return r;
	client_id_format(id, c->id);
	if (!it.trailer) {
		if (v->rec_mac_all)
			return fort_error_set(FORT_ETAMPER, "client %s: its record has no authenticator although every record of this "
					      "vault was given one: it was altered outside Fortress; run 'fortress audit verify' "
					      "and restore the vault from a backup", id);
		return 0;
	}
	keys_record_mac(mac, kc, REC_FORMAT, v->vault_id, v->vault_id_len, c->id, c->data,
			(size_t)(it.trailer - c->data));
	r = sodium_memcmp(mac, it.trailer + 2, REC_MAC_LEN);
	sodium_memzero(mac, sizeof mac);
	if (r != 0)
		return fort_error_set(FORT_ETAMPER, "client %s: its record does not authenticate (a field cut, added, changed or "
				      "moved, or the record moved from another client): it was altered outside Fortress; run "
				      "'fortress audit verify' and restore the vault from a backup", id);
	if (has)
		*has = 1;
	return 0;
}

int rec_keep(fort_buf *out, const unsigned char **last_base, const rec_field *f)
{
	int r;
	if (*last_base != f->base) {
		if ((r = fort_buf_putc(out, 0)) < 0 || (r = fort_buf_put(out, f->base, NONCE_LEN)) < 0)
			return r;
		*last_base = f->base;
	}
	return fort_buf_put(out, f->start, f->total);
}

/* The fields of C that this user cannot decrypt (categories it lacks), as
 * segments to append to a re-encoded record unchanged: an edit by staff
 * must not lose the financial fields it cannot see. */
static int foreign_tail(fort_buf *out, fort_vault *v, const store_client *c)
{
	rec_iter it;
	rec_field f;
	const unsigned char *last = NULL;
	int r, i;
	if ((r = rec_begin(&it, c->data, c->data_len)) < 0)
		return r;
	while ((r = rec_next(&it, &f)) == 1) {
		if ((i = map_index_id(&v->map, f.id)) < 0 || v->kr->has_ck[v->map.f[i].cat])
			continue;
		if ((r = rec_keep(out, &last, &f)) < 0)
			return r;
	}
	return r;
}

/* Upper bound of the encoded size of CV's values. */
static size_t encoded_bound(const client_vals *cv)
{
	size_t total = NONCE_LEN + REC_TRAILER_LEN;
	for (size_t i = 0; i < cv->n; i++)
		if (cv->vals[i])
			total += 1 + 5 + 5 + strlen(cv->vals[i]) + FIELD_OVERHEAD;
	return total;
}

size_t client_sealed_bound(const client_vals *cv)
{
	return encoded_bound(cv);
}

/* Encrypt CV's values for client CID into OUT (at least encoded_bound()
 * + TAIL_LEN bytes): a fresh random base nonce, then for each field [u8
 * field id][varint key version][varint length][ciphertext || tag] under
 * that field's nonce (keys_field_nonce), then TAIL (segments carried over
 * unchanged, rec_keep), then the trailer that authenticates all of it.
 * *LEN is the size used.  The one place a record is encoded: add, import,
 * edit (and so erasure of fields, rectification) all come here; a
 * rotation re-encodes by hand and ends with rec_seal_buf. */
static int encode_into(unsigned char *out, size_t *len, fort_vault *v, const client_vals *cv,
		       int64_t cid, const unsigned char kc[KEY_LEN], const unsigned char *tail, size_t tail_len,
		       const seal_keys *sk)
{
	unsigned char fk[CAT_COUNT][KEY_LEN];
	int have[CAT_COUNT] = { 0 };
	unsigned char *p = out, nonce[NONCE_LEN];
	int r;
	/* fk[] holds each category's XChaCha20 subkey for this record's base
	 * nonce (keys_field_subkey): one HChaCha20 per category, not per field */
	fort_random(p, NONCE_LEN);
	p += NONCE_LEN;
	for (size_t i = 0; i < cv->n; i++) {
		const map_field *f = &v->map.f[i];
		size_t vl;
		uint32_t kver;
		if (!cv->vals[i])
			continue;
		if (!have[f->cat]) {
			if (sk && sk->fk_version[f->cat] && sk->fk_version[f->cat] == v->kr->ck_version[f->cat])
				keys_field_key_finish(fk[f->cat], &sk->st[f->cat], kc, cid);
			else if ((r = keys_field_key(fk[f->cat], v->kr, f->cat, 0, kc, cid)) < 0)
				goto out;
			keys_field_subkey(fk[f->cat], fk[f->cat], out);
			have[f->cat] = 1;
		}
		vl = strlen(cv->vals[i]);
		kver = (uint32_t)v->kr->ck_version[f->cat];
		*p++ = (unsigned char)f->id;
		p = rec_put_varint(p, kver);
		p = rec_put_varint(p, (uint32_t)(vl + FIELD_OVERHEAD));
		keys_field_nonce(nonce, out, f->id);
		keys_field_encrypt_sub(p, fk[f->cat], cid, f->name, kver, nonce, cv->vals[i], vl);
		p += vl + FIELD_OVERHEAD;
	}
	if (tail_len) {
		memcpy(p, tail, tail_len);
		p += tail_len;
	}
	rec_trailer_put(p, v, cid, kc, out, (size_t)(p - out));
	p += REC_TRAILER_LEN;
	*len = (size_t)(p - out);
	r = 0;
out:
	sodium_memzero(fk, sizeof fk);
	return r;
}

static int encode_fields(unsigned char **data, size_t *len, fort_vault *v, const client_vals *cv,
			 int64_t cid, const unsigned char kc[KEY_LEN], const unsigned char *tail, size_t tail_len)
{
	size_t total = encoded_bound(cv) + tail_len;
	unsigned char *out;
	int r;
	*data = NULL;
	*len = 0;
	if (!(out = fort_malloc(total ? total : 1)))
		return FORT_ENOMEM;
	if ((r = encode_into(out, len, v, cv, cid, kc, tail, tail_len, NULL)) < 0) {
		free(out);
		return r;
	}
	*data = out;
	return 0;
}

int client_decrypt(client_vals *cv, fort_vault *v, const store_client *c)
{
	/* fk[cat]: the category's field key of version have[cat]; sub[cat]:
	 * its XChaCha20 subkey for the segment whose base nonce is
	 * sub_base[cat] (keys_field_subkey: one HChaCha20 per category and
	 * segment, not per field, as the writer, encode_into) */
	unsigned char kc[KEY_LEN], fk[CAT_COUNT][KEY_LEN], sub[CAT_COUNT][KEY_LEN];
	uint32_t have[CAT_COUNT] = { 0 }; /* the key version in fk[cat], 0 for none */
	const unsigned char *sub_base[CAT_COUNT] = { NULL };
	unsigned char nonce[NONCE_LEN];
	rec_iter it;
	rec_field rf;
	int r;
	cvals_clear(cv);
	if ((r = keys_client_unwrap(kc, v->kr, c->id, c->vk_version, c->wrapped, c->wrapped_len)) < 0)
		goto out;
	/* the whole record authenticated before any field of it is used */
	if ((r = rec_verify(v, c, kc, NULL)) < 0 || (r = rec_begin(&it, c->data, c->data_len)) < 0)
		goto out;
	while ((r = rec_next(&it, &rf)) == 1) {
		int i;
		const map_field *f;
		if ((i = map_index_id(&v->map, rf.id)) < 0)
			continue; /* a field no longer in the map */
		f = &v->map.f[i];
		if (!v->kr->has_ck[f->cat])
			continue; /* this user may not read this category */
		if (have[f->cat] != rf.kver) {
			if ((r = keys_field_key(fk[f->cat], v->kr, f->cat, (int)rf.kver, kc, c->id)) < 0) {
				/* the user holds the category, so every version in use */
				int64_t epoch = 0;
				if (r == FORT_EDENIED && rf.kver > (uint32_t)v->kr->ck_version[f->cat] &&
				    vault_key_epoch(v, &epoch) == 0 && epoch != v->key_epoch)
					r = fort_error_set(FORT_EBUSY, "the keys were rotated by another process since the vault was "
							   "opened: open it again");
				else if (r == FORT_EDENIED)
					r = fort_error_set(FORT_ETAMPER, "field '%s' names key version %u, which this vault does not have: "
							   "the vault was altered", f->name, rf.kver);
				goto out;
			}
			have[f->cat] = rf.kver;
			sub_base[f->cat] = NULL;
		}
		if (sub_base[f->cat] != rf.base) {
			keys_field_subkey(sub[f->cat], fk[f->cat], rf.base);
			sub_base[f->cat] = rf.base;
		}
		free(cv->vals[i]);
		if (!(cv->vals[i] = fort_malloc(rf.ctlen - FIELD_OVERHEAD + 1))) {
			r = FORT_ENOMEM;
			goto out;
		}
		keys_field_nonce(nonce, rf.base, rf.id);
		if ((r = keys_field_decrypt_sub((unsigned char *)cv->vals[i], sub[f->cat], c->id, f->name, rf.kver, nonce,
						rf.ct, rf.ctlen)) < 0) {
			free(cv->vals[i]);
			cv->vals[i] = NULL;
			goto out;
		}
		cv->vals[i][rf.ctlen - FIELD_OVERHEAD] = '\0';
	}
out:
	sodium_memzero(kc, sizeof kc);
	sodium_memzero(fk, sizeof fk);
	sodium_memzero(sub, sizeof sub);
	if (r < 0)
		cvals_clear(cv);
	return r;
}

/* Index entries of client CID: unique ones first, so that a duplicate is
 * found before anything else is written; on failure every entry added here
 * is removed again. */
static int store_bidx(fort_vault *v, int64_t cid, const unsigned char (*bidx)[BIDX_LEN], const int *field, size_t n,
		      int *dup_field, int64_t *dup_other, int unique_only)
{
	size_t done[2] = { 0, 0 };
	int r = 0;
	for (int pass = 0; pass < (unique_only ? 1 : 2); pass++) {
		for (size_t k = 0; k < n; k++) {
			int uniq = field_unique(v, field[k]);
			if (uniq != (pass == 0))
				continue;
			if ((r = store_blind_add(v->st, bidx[k], cid, uniq, dup_other)) < 0) {
				if (r == FORT_EDUPLICATE && dup_field)
					*dup_field = field[k];
				goto undo;
			}
			done[pass]++;
		}
	}
	return 0;
undo:
	{
		int code = fort_error_code();
		char msg[512];
		snprintf(msg, sizeof msg, "%s", fort_error_message());
		for (size_t k = 0; k < n; k++)
			(void)store_blind_del(v->st, bidx[k], cid, field_unique(v, field[k]));
		fort_error_set(code, "%s", msg);
	}
	return r;
}

void sealed_release(sealed_client *sc)
{
	if (!sc->borrowed) {
		free(sc->data);
		free(sc->bidx);
		free(sc->bidx_field);
	}
	memset(sc, 0, sizeof *sc);
}

int64_t client_new_id(void)
{
	return new_client_id();
}

int client_seal_into(sealed_client *sc, fort_vault *v, const client_vals *cv, unsigned char *buf, int64_t id,
		     const seal_keys *sk)
{
	unsigned char kc[KEY_LEN];
	int r;
	memset(sc, 0, sizeof *sc);
	sc->borrowed = 1;
	fort_random(kc, sizeof kc);
	sc->id = id ? id : new_client_id();
	sc->vk_version = v->kr->vk_version;
	if ((r = keys_client_wrap(sc->wrapped, v->kr, sc->id, kc)) == 0 &&
	    (r = encode_into(buf, &sc->data_len, v, cv, sc->id, kc, NULL, 0, sk)) == 0) {
		sc->data = buf;
		sc->bidx = cv->bidx;
		sc->bidx_field = cv->bidx_field;
		sc->nbidx = cv->nbidx;
	}
	sodium_memzero(kc, sizeof kc);
	return r;
}

/* The store_client that client_store writes for SC, created at NOW. */
static void sealed_row(store_client *c, const sealed_client *sc, int64_t now)
{
	memset(c, 0, sizeof *c);
	c->id = sc->id;
	c->vk_version = sc->vk_version;
	c->wrapped = (unsigned char *)sc->wrapped;
	c->wrapped_len = WRAPPED_LEN;
	c->data = sc->data;
	c->data_len = sc->data_len;
	c->created = c->updated = now;
}

void client_seal_hash(sealed_client *sc, int64_t now)
{
	store_client c;
	sealed_row(&c, sc, now);
	store_client_hash(sc->hash, &c);
	sc->created = now;
	sc->has_hash = 1;
}

int client_seal(sealed_client *sc, fort_vault *v, const client_vals *cv)
{
	unsigned char kc[KEY_LEN];
	int r;
	memset(sc, 0, sizeof *sc);
	fort_random(kc, sizeof kc);
	sc->id = new_client_id();
	sc->vk_version = v->kr->vk_version;
	if ((r = keys_client_wrap(sc->wrapped, v->kr, sc->id, kc)) < 0 ||
	    (r = encode_fields(&sc->data, &sc->data_len, v, cv, sc->id, kc, NULL, 0)) < 0)
		goto out;
	if (cv->nbidx) {
		if (!(sc->bidx = fort_malloc(cv->nbidx * BIDX_LEN)) ||
		    !(sc->bidx_field = fort_malloc(cv->nbidx * sizeof *sc->bidx_field))) {
			r = FORT_ENOMEM;
			goto out;
		}
		memcpy(sc->bidx, cv->bidx, cv->nbidx * BIDX_LEN);
		memcpy(sc->bidx_field, cv->bidx_field, cv->nbidx * sizeof *sc->bidx_field);
	}
	sc->nbidx = cv->nbidx;
out:
	sodium_memzero(kc, sizeof kc);
	if (r < 0)
		sealed_release(sc);
	return r;
}

int client_store(fort_vault *v, const sealed_client *sc, int *dup_field, int64_t *dup_other, int defer)
{
	store_client c;
	int r;
	if (defer != STORE_ROW_ONLY &&
	    (r = store_bidx(v, sc->id, (const unsigned char (*)[BIDX_LEN])sc->bidx, sc->bidx_field, sc->nbidx,
			    dup_field, dup_other, defer == STORE_UNIQUE_ONLY)) < 0)
		return r;
	sealed_row(&c, sc, sc->has_hash ? sc->created : fort_now());
	if (sc->has_hash)
		c.hash = sc->hash;
	if ((r = store_client_insert(v->st, &c)) < 0) {
		int code = fort_error_code();
		char msg[512];
		snprintf(msg, sizeof msg, "%s", fort_error_message());
		for (size_t k = 0; defer != STORE_ROW_ONLY && k < sc->nbidx; k++)
			(void)store_blind_del(v->st, sc->bidx[k], sc->id, field_unique(v, sc->bidx_field[k]));
		fort_error_set(code, "%s", msg);
	}
	return r;
}

/* Seal and store, sealing again on the (rare) id clash. */
int client_insert(int64_t *id, fort_vault *v, const client_vals *cv, int *dup_field, int64_t *dup_other)
{
	sealed_client sc;
	int r, tries = 0;
	do {
		if ((r = client_seal(&sc, v, cv)) < 0)
			return r;
		r = client_store(v, &sc, dup_field, dup_other, STORE_ALL);
		*id = sc.id;
		sealed_release(&sc);
	} while (r == FORT_EEXISTS && ++tries < 8);
	return r;
}

int client_duplicate_error(fort_vault *v, int dup_field, int64_t other)
{
	char id[FORT_ID_LEN + 1];
	client_id_format(id, other);
	return fort_error_set(FORT_EDUPLICATE, "client %s already has the same %s", id,
			      dup_field >= 0 ? v->map.f[dup_field].name : "value");
}

/* ----------------------------------------------------------- public API */

static int load_client(store_client *c, fort_vault *v, const char *id, int64_t *cid)
{
	int r;
	if ((r = client_id_parse(cid, id)) < 0)
		return r;
	r = store_client_get(v->st, c, *cid);
	if (r == FORT_ENOTFOUND) {
		int erased = store_erased_has(v->st, *cid);
		return fort_error_set(FORT_ENOTFOUND, erased == 1 ? "client %s was erased" : "no client %s in this vault", id);
	}
	return r;
}

static int describe_fields(fort_buf *b, const fort_vault *v, const client_vals *cv)
{
	for (size_t i = 0; i < cv->n; i++)
		if (cv->vals[i] && fort_buf_printf(b, "%s%s", b->len ? "," : "", v->map.f[i].name) < 0)
			return FORT_ENOMEM;
	return 0;
}

/* The operations below keep their vault_op in their CTX: the entry's
 * fields (and client) are known only once the check step has run. */
struct add_in { vault_op op; client_vals cv; fort_buf fields; const fort_kv *kv; size_t n; char idstr[FORT_ID_LEN + 1]; };

static int add_check(fort_vault *v, void *ctx)
{
	struct add_in *x = ctx;
	int r;
	if ((r = cvals_init(&x->cv, v)) < 0)
		return r;
	if ((r = cvals_set_all(&x->cv, v, x->kv, x->n)) < 0 || (r = describe_fields(&x->fields, v, &x->cv)) < 0)
		return r;
	if (!x->fields.len)
		return fort_error_set(FORT_EINPUT, "a client needs at least one field: --set FIELD=VALUE");
	x->op.fields = x->fields.buf;
	return cvals_index(&x->cv, v);
}

static int add_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct add_in *x = ctx;
	int dupf = -1, r;
	int64_t id = 0, other = 0;
	(void)detail;
	(void)cap;
	if ((r = vault_keys_current(v)) < 0 || (r = client_ids_above(v)) < 0)
		return r;
	if ((r = client_insert(&id, v, &x->cv, &dupf, &other)) < 0) {
		if (r == FORT_EDUPLICATE)
			client_duplicate_error(v, dupf, other);
		return r;
	}
	client_id_format(x->idstr, id);
	return 0;
}

int fort_client_add(char id_out[FORT_ID_LEN + 1], fort_vault *v, const fort_kv *kv, size_t n)
{
	struct add_in x;
	int r;
	memset(&x, 0, sizeof x);
	x.op.action = "add";
	x.op.need = ACT_WRITE;
	x.op.check = add_check;
	x.op.write = add_write;
	x.op.client = x.idstr;
	x.kv = kv;
	x.n = n;
	fort_buf_init(&x.fields, 0);
	if ((r = vault_op_run(v, &x.op, NULL, &x)) == 0)
		memcpy(id_out, x.idstr, sizeof x.idstr);
	fort_buf_release(&x.fields);
	cvals_release(&x.cv);
	return r;
}

int fort_client_edit(fort_vault *v, const char *id, const fort_kv *kv, size_t n)
{
	return client_edit_ex(v, id, kv, n, NULL, NULL);
}

/* ACTION NULL: an edit (the record's 'updated' time moves, audited "edit");
 * else a removal by the library itself (retention), audited as ACTION with
 * DETAIL, that leaves 'updated' (the client's last contact) as it was. */
struct edit_in {
	vault_op op;
	const char *id, *action, *detail;
	const fort_kv *kv;
	size_t n, nold;
	client_vals cv;
	store_client c;
	fort_buf fields;
	unsigned char *oldidx;
	int64_t cid;
	int erase;  /* client_erase_fields: each field recorded in the ledger */
};

static int edit_check(fort_vault *v, void *ctx)
{
	struct edit_in *x = ctx;
	int r;
	if (x->n == 0)
		return fort_error_set(FORT_EINPUT, "nothing to change: give --set FIELD=VALUE");
	if ((r = cvals_init(&x->cv, v)) < 0)
		return r;
	if ((r = load_client(&x->c, v, x->id, &x->cid)) < 0 || (r = client_decrypt(&x->cv, v, &x->c)) < 0)
		goto fail;
	/* the index entries of the current values, to be replaced */
	if ((r = cvals_index(&x->cv, v)) < 0)
		goto fail;
	if (x->cv.nbidx && (!(x->oldidx = fort_malloc(x->cv.nbidx * BIDX_LEN)))) {
		r = FORT_ENOMEM;
		goto fail;
	}
	if (x->cv.nbidx)
		memcpy(x->oldidx, x->cv.bidx, x->cv.nbidx * BIDX_LEN);
	x->nold = x->cv.nbidx;
	for (size_t i = 0; i < x->n; i++) {
		int fi = map_index(&v->map, x->kv[i].field);
		if (fi >= 0 && !v->kr->has_ck[v->map.f[fi].cat]) {
			r = fort_error_set(FORT_EDENIED, "you may not change field '%s'", x->kv[i].field);
			goto fail;
		}
		if (fort_buf_printf(&x->fields, "%s%s", x->fields.len ? "," : "", x->kv[i].field) < 0) {
			r = FORT_ENOMEM;
			goto fail;
		}
	}
	if ((r = cvals_set_all(&x->cv, v, x->kv, x->n)) < 0)
		goto fail;
	x->op.fields = x->fields.buf;
	return cvals_index(&x->cv, v);
fail:
	return r;
}

static int edit_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct edit_in *x = ctx;
	unsigned char kc[KEY_LEN];
	int r;
	if ((r = vault_keys_current(v)) < 0)
		goto fail;
	/* an erasure: the field-erasure ledger, so a restored backup erases
	 * the fields again */
	for (size_t i = 0; x->erase && i < x->n; i++)
		if ((r = store_erased_field_add(v->st, x->cid, x->kv[i].field, fort_now())) < 0)
			goto fail;
	for (size_t k = 0; k < x->nold; k++)
		if ((r = store_blind_del(v->st, x->oldidx + k * BIDX_LEN, x->cid, STORE_IDX_EITHER)) < 0)
			goto fail;
	if ((r = keys_client_unwrap(kc, v->kr, x->cid, x->c.vk_version, x->c.wrapped, x->c.wrapped_len)) < 0)
		goto fail;
	{
		/* the fields this user cannot see are carried over as they are */
		fort_buf tail;
		unsigned char *nd = NULL;
		size_t nl = 0;
		fort_buf_init(&tail, 0);
		r = foreign_tail(&tail, v, &x->c);
		if (r == 0)
			r = encode_fields(&nd, &nl, v, &x->cv, x->cid, kc, (const unsigned char *)tail.buf, tail.len);
		fort_buf_release(&tail);
		sodium_memzero(kc, sizeof kc);
		if (r < 0) {
			free(nd);
			goto fail;
		}
		free(x->c.data);
		x->c.data = nd;
		x->c.data_len = nl;
	}
	if (!x->action)
		x->c.updated = fort_now();
	{
		int dupf = -1;
		int64_t other = 0;
		r = store_bidx(v, x->cid, (const unsigned char (*)[BIDX_LEN])x->cv.bidx, x->cv.bidx_field, x->cv.nbidx, &dupf, &other, 0);
		if (r == FORT_EDUPLICATE)
			client_duplicate_error(v, dupf, other);
		if (r < 0)
			goto fail;
	}
	if ((r = store_client_update(v->st, &x->c)) < 0)
		goto fail;
	snprintf(detail, cap, "%s", x->detail ? x->detail : "");
	return 0;
fail:
	return r;
}

static void edit_init(struct edit_in *x, const char *id, const fort_kv *kv, size_t n, const char *action, const char *detail)
{
	memset(x, 0, sizeof *x);
	x->op.action = "edit";
	x->op.need = ACT_WRITE;
	x->op.check = edit_check;
	x->op.write = edit_write;
	x->op.done = action;
	x->id = id;
	x->kv = kv;
	x->n = n;
	x->action = action;
	x->detail = detail;
	fort_buf_init(&x->fields, 0);
}

static void edit_release(struct edit_in *x)
{
	free(x->oldidx);
	store_client_release(&x->c);
	fort_buf_release(&x->fields);
	cvals_release(&x->cv);
}

int client_edit_ex(fort_vault *v, const char *id, const fort_kv *kv, size_t n, const char *action, const char *detail)
{
	struct edit_in x;
	int r;
	edit_init(&x, id, kv, n, action, detail);
	r = vault_op_run(v, &x.op, id, &x);
	edit_release(&x);
	return r;
}

/* The erasure of KV's fields: an edit that clears them (their values are
 * ignored) and records each in the field-erasure ledger.  NESTED: inside
 * the caller's operation (its role check and transaction: an erasure
 * request's, a retention step's), else an operation of its own. */
static int erase_fields(fort_vault *v, const char *id, const fort_kv *kv, size_t n, const char *action, const char *detail,
			int nested)
{
	struct edit_in x;
	fort_kv *clear;
	int r;
	if (!(clear = fort_calloc(n ? n : 1, sizeof *clear)))
		return FORT_ENOMEM;
	for (size_t i = 0; i < n; i++)
		clear[i].field = kv[i].field;
	edit_init(&x, id, clear, n, action, detail);
	x.erase = 1;
	if (!nested)
		r = vault_op_run(v, &x.op, id, &x);
	else if ((r = edit_check(v, &x)) == 0)
		r = vault_op_nested(v, &x.op, id, &x);
	edit_release(&x);
	free(clear);
	return r;
}

int client_erase_fields(fort_vault *v, const char *id, const fort_kv *kv, size_t n, const char *action, const char *detail)
{
	return erase_fields(v, id, kv, n, action, detail, 0);
}

int client_erase_fields_nested(fort_vault *v, const char *id, const fort_kv *kv, size_t n, const char *action,
			       const char *detail)
{
	return erase_fields(v, id, kv, n, action, detail, 1);
}

struct fort_record {
	char id[FORT_ID_LEN + 1];
	int64_t created, updated;
	size_t n;
	fort_record_field *f;
	char **owned;
};

void fort_record_free(fort_record *rec)
{
	if (!rec)
		return;
	for (size_t i = 0; i < rec->n; i++)
		fort_free_str(rec->owned[i]);
	free(rec->owned);
	free(rec->f);
	free(rec);
}

const char *fort_record_id(const fort_record *r) { return r->id; }
int64_t fort_record_created(const fort_record *r) { return r->created; }
int64_t fort_record_updated(const fort_record *r) { return r->updated; }
size_t fort_record_count(const fort_record *r) { return r->n; }

const fort_record_field *fort_record_field_at(const fort_record *r, size_t i)
{
	return i < r->n ? &r->f[i] : NULL;
}

const char *fort_record_value(const fort_record *r, const char *field)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->f[i].field, field) == 0)
			return r->f[i].value;
	return NULL;
}

static int wants_reveal(const fort_read_opts *o, const char *field)
{
	for (size_t i = 0; o && i < o->nreveal; i++)
		if (strcmp(o->reveal[i], "all") == 0 || strcmp(o->reveal[i], field) == 0)
			return 1;
	return 0;
}

int fort_client_get(fort_record **out, fort_vault *v, const char *id, const fort_read_opts *o)
{
	client_vals cv;
	store_client c;
	fort_record *rec = NULL;
	fort_buf revealed;
	int64_t cid;
	unsigned char held_masked[256] = { 0 }; /* fields a legal hold keeps from this purpose (rights/erasure.c) */
	int r;
	*out = NULL;
	memset(&c, 0, sizeof c);
	if ((r = vault_need(v, o && o->nreveal ? ACT_REVEAL : ACT_READ, o && o->nreveal ? "reveal" : "read", id)) < 0)
		return r;
	if (o && o->version != FORT_READ_OPTS_VERSION)
		return FORT_CHECK_VERSION(o->version, FORT_READ_OPTS, fort_read_opts);
	if (o && o->nreveal && (!o->purpose || !o->purpose[0]))
		return fort_error_set(FORT_EINPUT, "revealing a field needs a purpose: add --purpose PURPOSE");
	/* every named field must exist */
	for (size_t i = 0; o && i < o->nreveal; i++)
		if (strcmp(o->reveal[i], "all") != 0 && map_index(&v->map, o->reveal[i]) < 0)
			return map_unknown_field(&v->map, o->reveal[i]);
	if (o && o->nreveal && ((r = map_check_purpose(&v->map, o->purpose)) < 0 || (r = vault_token_purpose(v, o->purpose)) < 0))
		return r;
	if ((r = cvals_init(&cv, v)) < 0)
		return r;
	fort_buf_init(&revealed, 0);
	if ((r = load_client(&c, v, id, &cid)) < 0)
		goto out;
	/* Consent, objections and restriction first (policy/consent_gate.c). */
	if (o && o->nreveal) {
		char why[300];
		if ((r = consent_gate(v, cid, o->purpose, why, sizeof why)) < 0)
			goto out;
		if (r == 0) {
			(void)audit_record(v, "reveal", id, "", o->purpose, "denied", why);
			r = fort_error_set(FORT_EDENIED, "%s", why);
			goto out;
		}
		r = 0;
	}
	/* Purpose check before anything is decrypted; a refusal is audited. */
	for (size_t i = 0; o && i < v->map.n; i++) {
		const map_field *f = &v->map.f[i];
		int named = 0;
		for (size_t k = 0; k < o->nreveal; k++)
			named |= strcmp(o->reveal[k], f->name) == 0;
		if (!wants_reveal(o, f->name))
			continue;
		if (!v->kr->has_ck[f->cat] || !map_allows(f, o->purpose)) {
			/* with "all", fields the purpose does not cover stay masked */
			if (!named)
				continue;
			char msg[512];
			if (!v->kr->has_ck[f->cat])
				snprintf(msg, sizeof msg, "you may not reveal field '%s' (category %s)", f->name, f->category);
			else {
				char allowed[256] = "";
				for (size_t k = 0; k < f->npurposes; k++) {
					size_t al = strlen(allowed);
					snprintf(allowed + al, sizeof allowed - al, "%s%s", k ? ", " : "", f->purposes[k]);
				}
				snprintf(msg, sizeof msg, "purpose '%s' is not allowed for field '%s' (allowed: %s)", o->purpose, f->name, allowed);
			}
			(void)audit_record(v, "reveal", id, f->name, o->purpose, "denied", msg);
			r = fort_error_set(FORT_EDENIED, "%s", msg);
			goto out;
		}
		/* a field kept by a legal hold serves only the hold's obligation */
		{
			char msg[512];
			if ((r = policy_hold_gate(v, cid, f, o->purpose, msg, sizeof msg)) < 0)
				goto out;
			if (r == 0) {
				if (!named) {
					held_masked[i] = 1;
					r = 0;
					continue;
				}
				(void)audit_record(v, "reveal", id, f->name, o->purpose, "denied", msg);
				r = fort_error_set(FORT_EDENIED, "%s", msg);
				goto out;
			}
			r = 0;
		}
	}
	if ((r = client_decrypt(&cv, v, &c)) < 0)
		goto out;
	if (!(rec = fort_calloc(1, sizeof *rec)) || !(rec->f = fort_calloc(cv.n, sizeof *rec->f)) ||
	    !(rec->owned = fort_calloc(cv.n, sizeof *rec->owned))) {
		r = FORT_ENOMEM;
		goto out;
	}
	memcpy(rec->id, id, FORT_ID_LEN + 1);
	rec->created = c.created;
	rec->updated = c.updated;
	for (size_t i = 0; i < cv.n; i++) {
		const map_field *f = &v->map.f[i];
		int show;
		if (!cv.vals[i])
			continue;
		show = wants_reveal(o, f->name) && map_allows(f, o->purpose) && !held_masked[i];
		if (show) {
			rec->owned[rec->n] = cv.vals[i];
			cv.vals[i] = NULL;
			if (fort_buf_printf(&revealed, "%s%s", revealed.len ? "," : "", f->name) < 0) {
				r = FORT_ENOMEM;
				goto out;
			}
		} else if ((r = type_mask(&rec->owned[rec->n], f->t, cv.vals[i])) < 0) {
			goto out;
		}
		rec->f[rec->n].field = f->name;
		rec->f[rec->n].value = rec->owned[rec->n];
		rec->f[rec->n].revealed = show;
		rec->n++;
	}
	if (revealed.len)
		r = audit_record(v, "reveal", id, revealed.buf, o->purpose, "ok", "");
	else
		r = audit_record(v, "read", id, "", "", "ok", "masked");
	if (r < 0)
		goto out;
	*out = rec;
	rec = NULL;
out:
	fort_record_free(rec);
	store_client_release(&c);
	fort_buf_release(&revealed);
	cvals_release(&cv);
	return r;
}

/* fort_client_get_async: the record waits here for its entry's commit.
 * Two halves meet: the read's (the record, or its error) and the commit's
 * (the group commit's verdict, on the committing thread); whichever comes
 * second hands the record to the caller's callback, only when both
 * succeeded, and otherwise wipes it and gives the error. */
struct read_ticket {
	atomic_int halves;
	fort_record *rec;
	int rcode, ccode;
	char rmsg[512], cmsg[512];
	fort_record_done done;
	void *arg;
};

static void read_ticket_half(struct read_ticket *t)
{
	if (atomic_fetch_sub(&t->halves, 1) != 1)
		return;
	if (t->ccode == 0 && t->rcode == 0 && t->rec) {
		t->done(t->arg, t->rec, 0, "");
	} else {
		fort_record_free(t->rec);  /* never handed out: its audit entry is not durable */
		t->done(t->arg, NULL, t->ccode ? t->ccode : t->rcode ? t->rcode : FORT_ERROR,
			t->ccode ? t->cmsg : t->rcode ? t->rmsg : "the read was not completed");
	}
	sodium_memzero(t, sizeof *t);
	free(t);
}

static void read_committed(void *p, int code, const char *msg)
{
	struct read_ticket *t = p;
	t->ccode = code;
	if (code)
		snprintf(t->cmsg, sizeof t->cmsg, "%s", msg && *msg ? msg : "the audit entry could not be written");
	read_ticket_half(t);
}

int fort_client_get_async(fort_vault *v, const char *id, const fort_read_opts *o, fort_record_done done, void *arg)
{
	struct read_ticket *t;
	audit_defer d;
	fort_record *rec = NULL;
	int r;
	if (!v || !done)
		return fort_error_set(FORT_EINPUT, "fort_client_get_async needs a vault handle and a callback");
	if (!(t = fort_calloc(1, sizeof *t)))
		return FORT_ENOMEM;
	atomic_init(&t->halves, 2);
	t->done = done;
	t->arg = arg;
	d.cb = read_committed;
	d.arg = t;
	d.queued = 0;
	v->aw_defer = &d;
	r = fort_client_get(&rec, v, id, o);
	v->aw_defer = NULL;
	if (!d.queued) {
		/* no group commit (or it stopped): the entry was written, and
		 * waited for, by fort_client_get itself; or nothing was read */
		free(t);
		if (r < 0)
			return r;
		done(arg, rec, 0, "");
		return 0;
	}
	/* queued: the commit may already have come (the other half) */
	t->rec = rec;
	t->rcode = r;
	if (r < 0)
		snprintf(t->rmsg, sizeof t->rmsg, "%s", fort_error_message());
	read_ticket_half(t);
	return 0;
}

struct list_ctx {
	fort_vault *v;
	client_vals cv;
	fort_client_summary *arr;
	size_t n, cap;
	int name_field;
};

static int list_cb(void *p, const store_client *c)
{
	struct list_ctx *l = p;
	fort_client_summary *s;
	int r = 0;
	if (FORT_ARRAY_GROW(l->arr, l->n + 1, l->cap, 64) < 0)
		return FORT_ENOMEM;
	s = &l->arr[l->n++];
	memset(s, 0, sizeof *s);
	client_id_format(s->id, c->id);
	s->created = c->created;
	if (l->name_field >= 0 && (r = client_decrypt(&l->cv, l->v, c)) < 0 && (r == FORT_ETAMPER || r == FORT_ECORRUPT))
		return r; /* a record that does not authenticate stops the list (not a blank name) */
	if (l->name_field >= 0 && r == 0 && l->cv.vals[l->name_field]) {
		char *m = NULL;
		if (type_mask(&m, l->v->map.f[l->name_field].t, l->cv.vals[l->name_field]) == 0) {
			snprintf(s->display, sizeof s->display, "%s", m);
			free(m);
		}
	}
	cvals_clear(&l->cv);
	return 0;
}

int fort_client_list(fort_client_summary **out, size_t *n, fort_vault *v)
{
	struct list_ctx l;
	char detail[64];
	int r;
	*out = NULL;
	*n = 0;
	if ((r = vault_need(v, ACT_READ, "list", NULL)) < 0)
		return r;
	memset(&l, 0, sizeof l);
	l.v = v;
	l.name_field = map_field_by_role(&v->map, ROLE_ADDRESSEE, 0);
	if (l.name_field >= 0 && !v->kr->has_ck[v->map.f[l.name_field].cat])
		l.name_field = -1;
	if ((r = cvals_init(&l.cv, v)) < 0)
		return r;
	r = store_client_each(v->st, list_cb, &l);
	cvals_release(&l.cv);
	if (r < 0) {
		free(l.arr);
		return r;
	}
	snprintf(detail, sizeof detail, "%zu clients", l.n);
	if ((r = audit_record(v, "list", "", l.name_field >= 0 ? v->map.f[l.name_field].name : "", "", "ok", detail)) < 0) {
		free(l.arr);
		return r;
	}
	*out = l.arr;
	*n = l.n;
	return 0;
}

int fort_client_find(char (**out)[FORT_ID_LEN + 1], size_t *n, fort_vault *v, const char *field, const char *value)
{
	/* the value's form and its index key on the stack while they fit
	 * (an e-mail address always does): no allocation and free of each
	 * per find; both wiped at the end as before */
	char canon_mem[256], key_mem[256], why[256];
	fort_buf canon, key;
	unsigned char h[BIDX_LEN];
	int64_t ids[256];
	size_t found = 0;
	int i, r;
	const map_field *f;
	*out = NULL;
	*n = 0;
	if ((r = vault_need(v, ACT_READ, "find", NULL)) < 0)
		return r;
	if ((i = map_index(&v->map, field)) < 0)
		return map_unknown_field(&v->map, field);
	f = &v->map.f[i];
	if (!f->searchable)
		return fort_error_set(FORT_EINPUT, "field '%s' is not searchable (see 'fortress map show')", field);
	if (!v->has_bkey[i])
		return fort_error_set(FORT_EDENIED, "you may not search field '%s' (category %s)", field, f->category);
	why[0] = '\0';
	fort_buf_init_on(&canon, canon_mem, sizeof canon_mem, 0);
	fort_buf_init_on(&key, key_mem, sizeof key_mem, 0);
	if ((r = field_normalise_buf(&canon, f, value, strlen(value), v->country, 0, why, sizeof why)) < 0) {
		if (r == FORT_EINPUT)
			r = fort_error_set(FORT_EINPUT, "field '%s': %s", field, why[0] ? why : "invalid value");
		goto out;
	}
	r = type_index_key_buf(&key, f->t, canon.buf);
	fort_buf_release(&canon);
	if (r < 0 || (r = fort_buf_error(&key)) < 0)
		goto out;
	keys_blind(h, v->bkeys + (size_t)i * KEY_LEN, key.buf, key.len);
	if ((r = store_blind_find(v->st, h, field_unique(v, i), ids, sizeof ids / sizeof ids[0], &found)) < 0) {
		/* An entry whose MAC this handle's keys do not verify: tampering,
		 * unless another process rotated the vault key since the keys
		 * were loaded (its entries are MAC'd under the new one): then
		 * "busy, try again", the keys reloaded, as for a write. */
		if (r == FORT_ETAMPER) {
			char msg[512];
			snprintf(msg, sizeof msg, "%s", fort_error_message());
			if (vault_keys_current(v) == FORT_EBUSY) {
				r = FORT_EBUSY;
				goto out;
			}
			fort_error_set(FORT_ETAMPER, "%s", msg);
		}
		goto out;
	}
	/* During a key rotation, records not re-encrypted yet are indexed
	 * under the old version of the category key. */
	for (int k = 0; k < v->kr->nold; k++) {
		unsigned char bk[KEY_LEN];
		size_t more = 0;
		if (v->kr->old[k].slot != f->cat || found >= sizeof ids / sizeof ids[0])
			continue;
		if ((r = keys_blind_key(bk, v->kr, f->cat, v->kr->old[k].version, f->name)) == 0) {
			keys_blind(h, bk, key.buf, key.len);
			r = store_blind_find(v->st, h, field_unique(v, i), ids + found, sizeof ids / sizeof ids[0] - found, &more);
		}
		sodium_memzero(bk, sizeof bk);
		if (r < 0)
			goto out;
		found += more;
	}
	fort_buf_release(&key);
	if (found) {
		if (!(*out = fort_calloc(found, sizeof **out))) {
			r = FORT_ENOMEM;
			goto out;
		}
		for (size_t k = 0; k < found; k++)
			client_id_format((*out)[k], ids[k]);
	}
	*n = found;
	v->finds++;
	v->find_matches += found;
	if (!strstr(v->find_fields, field) && strlen(v->find_fields) + strlen(field) + 2 < sizeof v->find_fields) {
		if (v->find_fields[0])
			strcat(v->find_fields, ",");
		strcat(v->find_fields, field);
	}
	r = 0;
out:
	fort_buf_release(&canon);
	fort_buf_release(&key);
	return r;
}

int fort_client_is_erased(fort_vault *v, const char *id)
{
	int64_t cid;
	int r;
	if ((r = client_id_parse(&cid, id)) < 0)
		return r;
	return store_erased_has(v->st, cid);
}

/* COMPLETE: every index entry of the client recomputed from its values;
 * UH[0..NU-1]: its unique entries among them; UH[NU..NU+NOLD-1]: the same
 * values' entries as index version 1 made them, where that differs (an
 * entry the reindex did not reach, or left behind) */
struct erase_in {
	const char *id, *reason;
	store_client c;
	client_vals cv;
	int64_t cid;
	int complete;
	unsigned char (*uh)[BIDX_LEN];
	size_t nu, nold;
};

/* The unique entries to remove by value (erase_in's UH) */
static int erase_unique_values(struct erase_in *x, fort_vault *v)
{
	char *k1 = NULL, *k2 = NULL;
	int r = 0;
	if (!x->cv.nbidx)
		return 0;
	if (!(x->uh = fort_calloc(x->cv.nbidx * 2, sizeof *x->uh)))
		return FORT_ENOMEM;
	for (size_t k = 0; k < x->cv.nbidx; k++)
		if (field_unique(v, x->cv.bidx_field[k]))
			memcpy(x->uh[x->nu++], x->cv.bidx[k], BIDX_LEN);
	for (size_t k = 0; r == 0 && k < x->cv.nbidx; k++) {
		int i = x->cv.bidx_field[k];
		if (!field_unique(v, i))
			continue;
		if ((r = type_index_key_v1(&k1, v->map.f[i].t, x->cv.vals[i])) < 0 ||
		    (r = type_index_key(&k2, v->map.f[i].t, x->cv.vals[i])) < 0)
			break;
		if (strcmp(k1, k2) != 0)
			keys_blind(x->uh[x->nu + x->nold++], v->bkeys + (size_t)i * KEY_LEN, k1, strlen(k1));
		type_index_key_free(&k1);
		type_index_key_free(&k2);
	}
	type_index_key_free(&k1);
	type_index_key_free(&k2);
	return r;
}

static int erase_check(fort_vault *v, void *ctx)
{
	struct erase_in *x = ctx;
	int r;
	if (!v->kr->has_vk)
		return fort_error_set(FORT_EDENIED, "erasing a client needs the vault key");
	if (x->reason && (strlen(x->reason) > 200 || !fort_utf8_valid(x->reason, strlen(x->reason))))
		return fort_error_set(FORT_EINPUT, "the reason must be UTF-8 text of at most 200 bytes");
	if ((r = load_client(&x->c, v, x->id, &x->cid)) < 0 || (r = cvals_init(&x->cv, v)) < 0)
		return r;
	/* Its unique entries are recomputed from its values; if that cannot
	 * be done completely (a damaged record, a category this user lacks,
	 * entries of an older index version not yet re-made), every unique
	 * entry of the client is found by a pass over the whole table instead
	 * (the search entries go by their index by client either way). */
	x->complete = client_decrypt(&x->cv, v, &x->c) == 0 && cvals_index(&x->cv, v) == 0;
	for (size_t i = 0; x->complete && i < v->map.n; i++)
		if (v->map.f[i].searchable && !v->has_bkey[i])
			x->complete = 0;
	if (x->complete && (r = vault_index_is_current(v)) != 1) {
		if (r < 0)
			return r;
		x->complete = 0;
	}
	/* an entry that cannot be recomputed (out of memory, a value version 1
	 * could not key) never stops an erasure: the pass finds it */
	if (x->complete && erase_unique_values(x, v) < 0) {
		fort_error_clear();
		x->complete = 0;
	}
	return 0;
}

static int erase_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct erase_in *x = ctx;
	size_t found = 0, older = 0;
	int r;
	snprintf(detail, cap, "crypto-shredded%s%s", x->reason && x->reason[0] ? ": " : "", x->reason ? x->reason : "");
	/* the unique entries by their values; all of the client's by a pass
	 * over the table when they are not all known or not all there (the
	 * client may hold others: under an older key, a value moved to the
	 * search index by a rotation).  Never one left behind: `audit verify`
	 * reports an entry whose client has no record. */
	if (x->complete && ((r = store_uniq_del_values(v->st, x->cid, x->uh, x->nu, &found)) < 0 ||
			    (r = store_uniq_del_values(v->st, x->cid, x->uh + x->nu, x->nold, &older)) < 0))
		return r;
	if ((!x->complete || found < x->nu) && (r = store_uniq_del_clients(v->st, &x->cid, 1, NULL)) < 0)
		return r;
	/* the files in the vault that hold the client's data (quarantine) */
	{
		size_t shredded = 0, kept = 0;
		if ((r = attach_client_erased(v, x->cid, &shredded, &kept)) < 0)
			return r;
		if (shredded || kept)
			snprintf(detail + strlen(detail), cap - strlen(detail),
				 "; attachments: %zu shredded, %zu kept (they name other clients too)", shredded, kept);
	}
	/* the language letters to them were written in */
	{
		char idc[FORT_ID_LEN + 1];
		client_id_format(idc, x->cid);
		if ((r = vault_client_language_drop(v, idc)) < 0)
			return r;
	}
	/* the row, its search entries, the ledger */
	return store_client_purge(v->st, x->cid, fort_now(), NULL);
}

int fort_client_erase(fort_vault *v, const char *id, const char *reason)
{
	static const vault_op op = { "erase", ACT_ERASE, erase_check, erase_write, NULL, NULL, NULL, NULL };
	struct erase_in x;
	int r;
	memset(&x, 0, sizeof x);
	x.id = id;
	x.reason = reason;
	/* secure_delete zeroed the pages; now push them through the WAL and
	 * truncate it so no old page image stays in the -wal file. */
	if ((r = vault_op_run(v, &op, id, &x)) == 0)
		r = store_checkpoint(v->st);
	if (x.c.wrapped)
		sodium_memzero(x.c.wrapped, x.c.wrapped_len);
	cvals_release(&x.cv);
	store_client_release(&x.c);
	free(x.uh);
	return r;
}

int fort_field_normalise(char **out, fort_vault *v, const char *field, const char *value)
{
	return fort_field_check(out, NULL, v, field, value);
}

int fort_field_check(char **out, const char **problem, fort_vault *v, const char *field, const char *value)
{
	char why[256];
	int r, i = map_index(&v->map, field);
	*out = NULL;
	if (problem)
		*problem = NULL;
	if (i < 0) {
		if (problem)
			*problem = "unknown_field";
		return fort_error_set(FORT_ENOTFOUND, "unknown field '%s'", field);
	}
	why[0] = '\0';
	if ((r = field_normalise(out, &v->map.f[i], value, strlen(value), v->country, why, sizeof why)) < 0) {
		/* out of memory is not a bad value */
		if (r != FORT_EINPUT)
			return r;
		if (problem) {
			/* a stable name for what is wrong, for a page to say in its
			 * visitor's language (fortress.h) */
			const char *cls = type_problem();
			fort_ftype t = v->map.f[i].t;
			if (!cls && (strcmp(field, "country") == 0 || strcmp(field, "state") == 0))
				cls = "country";
			if (!cls)
				cls = t == FT_EMAIL ? "email" : t == FT_PHONE ? "phone" : t == FT_IBAN ? "iban" : t == FT_CARD ? "card"
				    : t == FT_DATE ? "date" : "value";
			*problem = cls;
		}
		return fort_error_set(FORT_EINPUT, "field '%s': %s", field, why[0] ? why : "invalid value");
	}
	return 0;
}
