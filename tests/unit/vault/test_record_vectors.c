/* test_record_vectors.c - the client record format against crafted rows
 * (issue 13, "Format test vectors").
 *
 * Two live clients are added through the public API to a real vault file,
 * the vault is closed and opened again, and their stored rows (the wrapped
 * client key, its vault-key version, the encrypted fields) are read back.
 * The vectors are made from those rows, so they follow the format as the
 * code writes it (record format 2): [24-byte base nonce] then per field
 * [u8 field id][varint key version][varint length][ciphertext || tag], a
 * field id 0 starting a segment with its own base nonce, and last the
 * trailer [u8 0xff][u8 2][32-byte MAC] (keys_record_mac, keyed from the
 * client key: vault id, client id, every byte before it; vault_int.h).
 *
 * How the decoder is reached: the test calls client_decrypt (the function
 * every read uses to open a record) directly on the altered row, in
 * memory.  The seals (the signed audit log vouches for every row) would
 * refuse any of these rows before the decoder runs, so going through the
 * database would test the seals, not the format; test_seal.c and t0550
 * cover those (t0550 also fixes the seal up and shows the trailer refuse).
 *
 * Vectors, each refused with FORT_ECORRUPT or FORT_ETAMPER and a message,
 * no value left in the result (never a partial record), never a crash:
 *  - every truncation of the record; a cut at a field boundary (a shorter
 *    well-formed record, which format 1 could not tell from a genuine one)
 *    is FORT_ETAMPER naming the client: it has no trailer, and with a
 *    trailer made up or moved up from the end it does not authenticate;
 *  - extensions: bytes after the trailer, a second trailer, and before the
 *    trailer: bytes that are no field, a lone segment marker, a segment
 *    marker with a short nonce, an empty segment, a forged field of a
 *    known id, a well-formed field of an id the map does not know;
 *  - each byte of each field's header (id, key-version varint, length
 *    varint) altered four ways, each byte of the base nonce, each byte of
 *    each ciphertext and tag, each byte of the trailer; a field renumbered
 *    to an id the map does not know (format 1 skipped it) is refused too;
 *  - fields moved (test_moved): each field removed, two fields swapped, two
 *    field ids swapped, each field of the second client's record appended
 *    or put in place of this one's, the whole record moved to the other
 *    client, the other client's trailer, a trailer MAC'd for another id;
 *  - the key version of each field set to versions the vault does not
 *    hold and to 0, resealed with the client key so that the decoder's own
 *    checks behind the MAC are reached;
 *  - the wrapped client key truncated to every length, extended, each byte
 *    altered, and its vault-key version set to 0, -1, 2 and 99.
 * The untouched row, and the same fields re-encoded as a segment and
 * resealed, open whole.  Skipping stays only where a key holder wrote it:
 * a field renumbered to an unknown id and resealed (fields removed from the
 * map) is skipped after the MAC verified.  Downgrade (test_downgrade): a
 * vault of format 1 (marker "record_mac" unset, before its upgrade at
 * unlock, test_record_upgrade.c) reads a record without a trailer; with the
 * marker set, the trailer stripped is FORT_ETAMPER.  Not caught by the
 * format (the seals catch it): an older copy of the same client's record
 * put back whole (it authenticates: it was once written).
 *
 * Attachments: their rows have no format header to vary (wrapped key and
 * metadata are nonce || XChaCha20-Poly1305 with the attachment id bound as
 * associated data, the content a libsodium secretstream), so there are no
 * attachment vectors here; see attach.c's head comment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "fortress.h"
#include "util.h"
#include "vault/vault_int.h"

#define FIXTURE_DIR "/tmp/fort-test-record-vectors-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

static const fort_kv kv[] = {
	{ "full_name", "Maria Muster" },
	{ "email", "maria@example.org" },
	{ "phone", "+49 30 1234567" },
	{ "iban", "DE89 3704 0044 0532 0130 00" },
	{ "notes", "prefers letters" },
};
#define NKV (sizeof kv / sizeof kv[0])
static const fort_kv kv2[] = {
	{ "full_name", "Karl Berg" },
	{ "email", "karl@example.org" },
	{ "phone", "+49 30 7654321" },
	{ "iban", "GB82 WEST 1234 5698 7654 32" },
	{ "notes", "calls on Fridays" },
};

static fort_vault *v;
static store_client row, row2;   /* the live rows, untouched (the second client's for moves) */
static unsigned char kc[KEY_LEN], kc2[KEY_LEN]; /* their client keys: what a key holder could MAC with */
static client_vals cv;
static char *want[64];           /* the values as decrypted from the live row, per map index */
static size_t nwant;
static size_t bounds[16];        /* offsets where a field ends (the nonce's end first) */
static size_t nbounds;
static size_t body;              /* where the trailer starts */
static size_t refused, skipped;

static void field_bounds(const store_client *c, size_t *b, size_t *nb, size_t *tr)
{
	rec_iter it;
	rec_field f;
	*nb = 0;
	assert_int_equal(rec_begin(&it, c->data, c->data_len), 0);
	b[(*nb)++] = NONCE_LEN;
	while (rec_next(&it, &f) == 1) {
		assert_true(*nb < 16);
		b[(*nb)++] = (size_t)(f.start - c->data) + f.total;
	}
	assert_non_null(it.trailer); /* record format 2: every record written has one */
	*tr = (size_t)(it.trailer - c->data);
}

static int setup(void **state)
{
	char id[FORT_ID_LEN + 1], id2[FORT_ID_LEN + 1];
	int64_t cid, cid2;
	size_t b2[16], nb2, body2;
	assert_int_equal(fixture_group_setup(state), 0);
	v = create_vault("v.fort");
	assert_int_equal(fort_client_add(id, v, kv, NKV), 0);
	assert_int_equal(fort_client_add(id2, v, kv2, NKV), 0);
	fort_vault_close(v);
	v = open_vault(vault_at("v.fort"), PASS);
	assert_int_equal(v->rec_mac_all, 1); /* a new vault is marked at creation */
	assert_int_equal(client_id_parse(&cid, id), 0);
	assert_int_equal(client_id_parse(&cid2, id2), 0);
	assert_int_equal(store_client_get(v->st, &row, cid), 0);
	assert_int_equal(store_client_get(v->st, &row2, cid2), 0);
	assert_int_equal(keys_client_unwrap(kc, v->kr, row.id, row.vk_version, row.wrapped, row.wrapped_len), 0);
	assert_int_equal(keys_client_unwrap(kc2, v->kr, row2.id, row2.vk_version, row2.wrapped, row2.wrapped_len), 0);
	assert_int_equal(cvals_init(&cv, v), 0);
	assert_int_equal(client_decrypt(&cv, v, &row2), 0);
	assert_int_equal(client_decrypt(&cv, v, &row), 0);
	assert_true(cv.n <= 64);
	nwant = cv.n;
	for (size_t k = 0; k < NKV; k++) {
		int i = map_index(&v->map, kv[k].field);
		assert_true(i >= 0);
		assert_non_null(cv.vals[i]); /* every field written comes back */
	}
	assert_string_equal(cv.vals[map_index(&v->map, "full_name")], "Maria Muster");
	assert_string_equal(cv.vals[map_index(&v->map, "notes")], "prefers letters");
	for (size_t i = 0; i < cv.n; i++)
		want[i] = cv.vals[i] ? strdup(cv.vals[i]) : NULL;
	field_bounds(&row, bounds, &nbounds, &body);
	assert_int_equal(nbounds, NKV + 1);
	assert_int_equal(bounds[nbounds - 1], body);
	assert_int_equal(body + REC_TRAILER_LEN, row.data_len);
	field_bounds(&row2, b2, &nb2, &body2);
	assert_int_equal(nb2, NKV + 1);
	return 0;
}

static int teardown(void **state)
{
	print_message("record vectors: %zu refused, %zu renumbered fields skipped after the MAC verified\n", refused, skipped);
	for (size_t i = 0; i < nwant; i++)
		free(want[i]);
	sodium_memzero(kc, sizeof kc);
	sodium_memzero(kc2, sizeof kc2);
	cvals_release(&cv);
	store_client_release(&row);
	store_client_release(&row2);
	fort_vault_close(v);
	return fixture_group_teardown(state);
}

static void expect_empty(const char *what)
{
	for (size_t i = 0; i < cv.n; i++)
		if (cv.vals[i])
			fail_msg("%s: refused but field %zu left in the result", what, i);
}

/* Decode DATA/WRAPPED as client CID's row. */
static int decode_as(int64_t cid, const unsigned char *data, size_t dlen, const unsigned char *wrapped, size_t wlen,
		     int vk_version)
{
	store_client c = row;
	c.id = cid;
	c.data = (unsigned char *)data;
	c.data_len = dlen;
	c.wrapped = (unsigned char *)wrapped;
	c.wrapped_len = wlen;
	c.vk_version = vk_version;
	fort_error_clear();
	return client_decrypt(&cv, v, &c);
}

static int decode(const unsigned char *data, size_t dlen, const unsigned char *wrapped, size_t wlen, int vk_version)
{
	return decode_as(row.id, data, dlen, wrapped, wlen, vk_version);
}

static void expect_refused(int r, const char *what)
{
	if (r != FORT_ECORRUPT && r != FORT_ETAMPER)
		fail_msg("%s: got %d (%s), wanted FORT_ECORRUPT or FORT_ETAMPER", what, r, fort_error_message());
	if (!fort_error_message() || !*fort_error_message())
		fail_msg("%s: refused without a message", what);
	expect_empty(what);
	refused++;
}

static void expect_refused_rec(const unsigned char *data, size_t len, const char *what)
{
	expect_refused(decode(data, len, row.wrapped, row.wrapped_len, row.vk_version), what);
}

/* Refused by the record-wide MAC: FORT_ETAMPER, the client named, the
 * message saying what to do, and NEEDLE ("does not authenticate", "no
 * authenticator") saying which check. */
static void expect_tamper_as(int r, int64_t cid, const char *needle, const char *what)
{
	char id[FORT_ID_LEN + 1];
	client_id_format(id, cid);
	if (r != FORT_ETAMPER)
		fail_msg("%s: got %d (%s), wanted FORT_ETAMPER", what, r, fort_error_message());
	if (!strstr(fort_error_message(), id) || !strstr(fort_error_message(), needle) ||
	    !strstr(fort_error_message(), "fortress audit verify"))
		fail_msg("%s: the message does not name client %s, '%s' and what to do: %s", what, id, needle, fort_error_message());
	expect_empty(what);
	refused++;
}

static void expect_tamper(const unsigned char *data, size_t len, const char *needle, const char *what)
{
	expect_tamper_as(decode(data, len, row.wrapped, row.wrapped_len, row.vk_version), row.id, needle, what);
}

/* Accepted: every value is one written, and at most MISSING are absent. */
static void expect_subset(int r, size_t missing, const char *what)
{
	size_t absent = 0;
	if (r != 0)
		fail_msg("%s: %d %s", what, r, fort_error_message());
	for (size_t i = 0; i < cv.n; i++) {
		if (!cv.vals[i]) {
			absent += want[i] != NULL;
			continue;
		}
		if (!want[i] || strcmp(cv.vals[i], want[i]) != 0)
			fail_msg("%s: field %zu came out as a value never written", what, i);
	}
	if (absent > missing)
		fail_msg("%s: %zu fields missing, at most %zu expected", what, absent, missing);
}

/* BUF[0..LEN) given a trailer under client key KEY of client CID: what only
 * a holder of that key can write.  Returns the record's length. */
static size_t reseal(unsigned char *buf, size_t len, int64_t cid, const unsigned char *key)
{
	buf[len] = REC_TRAILER_ID;
	buf[len + 1] = REC_FORMAT;
	keys_record_mac(buf + len + 2, key, REC_FORMAT, v->vault_id, v->vault_id_len, cid, buf, len);
	return len + REC_TRAILER_LEN;
}

/* The live record with BODY's bytes [from, to) replaced by INS (INSLEN
 * bytes), its trailer kept as written: what someone without the key can
 * make.  Returns the length; BUF has room for row.data_len + INSLEN. */
static size_t splice(unsigned char *buf, size_t from, size_t to, const unsigned char *ins, size_t inslen)
{
	size_t n = 0;
	memcpy(buf, row.data, from);
	n = from;
	if (inslen)
		memcpy(buf + n, ins, inslen);
	n += inslen;
	memcpy(buf + n, row.data + to, row.data_len - to);
	return n + row.data_len - to;
}

/* Is ID a field id that the map does not know (a skipped field)? */
static int unknown_id_of(int id)
{
	return id != 0 && id != REC_TRAILER_ID && map_index_id(&v->map, id) < 0;
}

static void test_valid(void **state)
{
	unsigned char *seg;
	size_t n;
	(void)state;
	expect_subset(decode(row.data, row.data_len, row.wrapped, row.wrapped_len, row.vk_version), 0, "untouched");
	/* the same fields as a segment: [nonce][0][nonce][fields][trailer] */
	assert_non_null(seg = malloc(row.data_len + 1 + NONCE_LEN + REC_TRAILER_LEN));
	memcpy(seg, row.data, NONCE_LEN);
	seg[NONCE_LEN] = 0;
	memcpy(seg + NONCE_LEN + 1, row.data, body);
	n = reseal(seg, NONCE_LEN + 1 + body, row.id, kc);
	expect_subset(decode(seg, n, row.wrapped, row.wrapped_len, row.vk_version), 0, "as a segment, resealed");
	/* ... not with the trailer of the record as it was */
	memcpy(seg + NONCE_LEN + 1 + body, row.data + body, REC_TRAILER_LEN);
	expect_tamper(seg, n, "does not authenticate", "as a segment, old trailer");
	/* ... and a segment with another nonce cannot open them, even resealed */
	seg[NONCE_LEN + 1] ^= 1;
	n = reseal(seg, NONCE_LEN + 1 + body, row.id, kc);
	expect_refused_rec(seg, n, "segment with another nonce");
	free(seg);
}

static int at_bound(size_t len)
{
	for (size_t i = 0; i < nbounds; i++)
		if (bounds[i] == len)
			return (int)i;
	return -1;
}

/* Every cut refused; a cut at a field boundary (a well-formed shorter
 * record, format 1's known limit) because it has no trailer, and with a
 * made-up trailer because that does not authenticate. */
static void test_truncated(void **state)
{
	char what[64];
	unsigned char *buf;
	(void)state;
	assert_non_null(buf = malloc(row.data_len + REC_TRAILER_LEN));
	for (size_t len = 0; len < row.data_len; len++) {
		int b = at_bound(len);
		snprintf(what, sizeof what, "cut to %zu of %zu bytes", len, row.data_len);
		if (b >= 0) {
			expect_tamper(row.data, len, "no authenticator", what);
			memcpy(buf, row.data, len);
			buf[len] = REC_TRAILER_ID;
			buf[len + 1] = REC_FORMAT;
			randombytes_buf(buf + len + 2, REC_MAC_LEN);
			snprintf(what, sizeof what, "cut to %zu bytes, a trailer made up", len);
			expect_tamper(buf, len + REC_TRAILER_LEN, "does not authenticate", what);
			/* the last field's trailer moved up onto the shorter record */
			memcpy(buf + len, row.data + body, REC_TRAILER_LEN);
			snprintf(what, sizeof what, "cut to %zu bytes, the trailer kept", len);
			if (len != body)
				expect_tamper(buf, len + REC_TRAILER_LEN, "does not authenticate", what);
		} else {
			expect_refused_rec(row.data, len, what);
		}
	}
	free(buf);
}

/* A vault of format 1 (before the upgrade, marker unset) reads records
 * without a trailer, so the shorter record of a cut at a field boundary
 * is what it was: only values written come back.  Once the marker is set
 * (every vault after its upgrade) the same bytes are tampering. */
static void test_downgrade(void **state)
{
	(void)state;
	v->rec_mac_all = 0;
	expect_subset(decode(row.data, body, row.wrapped, row.wrapped_len, row.vk_version), 0, "format 1: trailer stripped");
	expect_subset(decode(row.data, bounds[2], row.wrapped, row.wrapped_len, row.vk_version), NKV - 2,
		      "format 1: cut after two fields");
	/* a trailer that is there is checked all the same */
	{
		unsigned char *buf;
		assert_non_null(buf = malloc(row.data_len));
		expect_tamper(buf, splice(buf, bounds[1], bounds[2], NULL, 0), "does not authenticate",
			      "format 1 vault: a field cut, trailer kept");
		free(buf);
	}
	v->rec_mac_all = 1;
	expect_tamper(row.data, body, "no authenticator", "trailer stripped");
	expect_tamper(row.data, bounds[2], "no authenticator", "cut after two fields, no trailer");
}

static void test_extended(void **state)
{
	unsigned char *buf, ins[128];
	size_t cap = row.data_len + 256;
	int fid = map_index(&v->map, "email");
	(void)state;
	assert_true(fid >= 0);
	assert_non_null(buf = malloc(cap));
	memcpy(buf, row.data, row.data_len);
	/* anything after the trailer: it ends the record */
	for (size_t k = 1; k <= 64; k++) {
		char what[64];
		memset(buf + row.data_len, 0xa5, k);
		snprintf(what, sizeof what, "%zu bytes of 0xa5 after the trailer", k);
		expect_refused_rec(buf, row.data_len + k, what);
	}
	memcpy(buf + row.data_len, row.data + body, REC_TRAILER_LEN);
	expect_refused_rec(buf, row.data_len + REC_TRAILER_LEN, "a second trailer");
	/* before the trailer (which is kept): bytes that are no field */
	for (size_t k = 1; k <= 64; k++) {
		char what[64];
		memset(ins, 0xa5, k);
		snprintf(what, sizeof what, "%zu bytes of 0xa5 before the trailer", k);
		expect_refused_rec(buf, splice(buf, body, body, ins, k), what);
	}
	/* a segment marker, alone or with a short nonce */
	for (size_t k = 0; k < NONCE_LEN; k++) {
		ins[0] = 0;
		memset(ins + 1, 0x11, k);
		expect_refused_rec(buf, splice(buf, body, body, ins, 1 + k), "segment marker with a short nonce");
	}
	/* an empty segment (format 1 read it as nothing) */
	ins[0] = 0;
	memset(ins + 1, 0x11, NONCE_LEN);
	expect_tamper(buf, splice(buf, body, body, ins, 1 + NONCE_LEN), "does not authenticate", "empty segment inserted");
	/* a forged field of a known id (kver 1, 16..40 random bytes) */
	for (uint32_t ct = FIELD_OVERHEAD; ct <= FIELD_OVERHEAD + 24; ct++) {
		unsigned char *p = ins;
		*p++ = (unsigned char)v->map.f[fid].id;
		p = rec_put_varint(p, 1);
		p = rec_put_varint(p, ct);
		randombytes_buf(p, ct);
		expect_tamper(buf, splice(buf, body, body, ins, (size_t)(p + ct - ins)), "does not authenticate",
			      "forged field appended");
	}
	/* a well-formed field of an id the map does not know (format 1 skipped it) */
	for (int id = 1; id < 251; id++) {
		unsigned char *p = ins;
		if (!unknown_id_of(id))
			continue;
		*p++ = (unsigned char)id;
		p = rec_put_varint(p, 1);
		p = rec_put_varint(p, FIELD_OVERHEAD + 4);
		randombytes_buf(p, FIELD_OVERHEAD + 4);
		expect_tamper(buf, splice(buf, body, body, ins, (size_t)(p + FIELD_OVERHEAD + 4 - ins)), "does not authenticate",
			      "field of an unknown id appended");
		break;
	}
	/* a field header whose length runs past the trailer */
	{
		unsigned char *p = ins;
		*p++ = (unsigned char)v->map.f[fid].id;
		p = rec_put_varint(p, 1);
		p = rec_put_varint(p, 100);
		memset(p, 0, 40);
		expect_refused_rec(buf, splice(buf, body, body, ins, (size_t)(p + 40 - ins)), "appended field longer than the record");
	}
	/* a field below FIELD_OVERHEAD */
	{
		unsigned char *p = ins;
		*p++ = (unsigned char)v->map.f[fid].id;
		p = rec_put_varint(p, 1);
		p = rec_put_varint(p, FIELD_OVERHEAD - 1);
		memset(p, 0, FIELD_OVERHEAD - 1);
		expect_refused_rec(buf, splice(buf, body, body, ins, (size_t)(p + FIELD_OVERHEAD - 1 - ins)),
				   "appended field shorter than its tag");
	}
	free(buf);
}

static void test_altered(void **state)
{
	static const unsigned char how[][2] = { { 0x01, 0 }, { 0x80, 0 }, { 0xff, 0 }, { 0x00, 1 } }; /* xor / set to 0 */
	unsigned char *buf;
	rec_iter it;
	rec_field f;
	char what[96];
	(void)state;
	assert_non_null(buf = malloc(row.data_len + REC_TRAILER_LEN));
	/* the base nonce */
	for (size_t i = 0; i < NONCE_LEN; i++) {
		memcpy(buf, row.data, row.data_len);
		buf[i] ^= 1;
		snprintf(what, sizeof what, "nonce byte %zu altered", i);
		expect_refused_rec(buf, row.data_len, what);
	}
	assert_int_equal(rec_begin(&it, row.data, row.data_len), 0);
	while (rec_next(&it, &f) == 1) {
		size_t start = (size_t)(f.start - row.data), hdr = (size_t)(f.ct - f.start);
		for (size_t i = 0; i < f.total; i++) {
			for (size_t h = 0; h < sizeof how / sizeof how[0]; h++) {
				memcpy(buf, row.data, row.data_len);
				if (how[h][1])
					buf[start + i] = 0;
				else
					buf[start + i] ^= how[h][0];
				if (buf[start + i] == row.data[start + i])
					continue;
				if (i >= hdr && h > 0)
					continue; /* one alteration per ciphertext byte is enough */
				snprintf(what, sizeof what, "field %d %s byte %zu %s", f.id,
					 i == 0 ? "id" : i < hdr ? "header" : "ciphertext", i, how[h][1] ? "zeroed" : "flipped");
				/* a field renumbered to an id the map does not know was
				 * format 1's other known limit: now the MAC refuses it */
				expect_refused_rec(buf, row.data_len, what);
				if (i == 0 && unknown_id_of(buf[start])) {
					/* and only a key holder's record skips it (fields
					 * removed from the map), after the MAC verified */
					size_t n = reseal(buf, body, row.id, kc);
					snprintf(what, sizeof what, "field %d renumbered to unknown %d, resealed", f.id, buf[start]);
					expect_subset(decode(buf, n, row.wrapped, row.wrapped_len, row.vk_version), 1, what);
					skipped++;
				}
			}
		}
	}
	/* the trailer: its id, its version, every byte of the MAC */
	for (size_t i = body; i < row.data_len; i++) {
		memcpy(buf, row.data, row.data_len);
		buf[i] ^= 1;
		snprintf(what, sizeof what, "trailer byte %zu flipped", i - body);
		if (i >= body + 2)
			expect_tamper(buf, row.data_len, "does not authenticate", what);
		else
			expect_refused_rec(buf, row.data_len, what);
	}
	free(buf);
}

/* Fields moved between records and records between clients: the per-field
 * AEAD binds the client, but only the trailer sees that a field is gone,
 * added or renumbered. */
static void test_moved(void **state)
{
	unsigned char *buf, *f2 = NULL;
	size_t cap = row.data_len + row2.data_len + 64, f2len = 0, b2[16], nb2, body2;
	char what[96];
	(void)state;
	assert_non_null(buf = malloc(cap));
	field_bounds(&row2, b2, &nb2, &body2);
	/* each field removed */
	for (size_t k = 0; k + 1 < nbounds; k++) {
		snprintf(what, sizeof what, "field #%zu removed", k);
		expect_tamper(buf, splice(buf, bounds[k], bounds[k + 1], NULL, 0), "does not authenticate", what);
	}
	/* two fields' places swapped */
	{
		size_t a0 = bounds[0], a1 = bounds[1], b1 = bounds[2];
		memcpy(buf, row.data, a0);
		memcpy(buf + a0, row.data + a1, b1 - a1);
		memcpy(buf + a0 + (b1 - a1), row.data + a0, a1 - a0);
		memcpy(buf + b1, row.data + b1, row.data_len - b1);
		expect_refused_rec(buf, row.data_len, "first two fields swapped");
	}
	/* the ids of two fields swapped (each then names the other's field) */
	{
		unsigned char t;
		memcpy(buf, row.data, row.data_len);
		t = buf[bounds[0]];
		buf[bounds[0]] = buf[bounds[1]];
		buf[bounds[1]] = t;
		expect_tamper(buf, row.data_len, "does not authenticate", "two field ids swapped");
	}
	/* each field of the second client's record put in place of this one's,
	 * or appended (under its own segment nonce) */
	for (size_t k = 0; k + 1 < nb2; k++) {
		unsigned char *ins;
		size_t fl = b2[k + 1] - b2[k];
		assert_non_null(ins = malloc(1 + NONCE_LEN + fl));
		ins[0] = 0;
		memcpy(ins + 1, row2.data, NONCE_LEN);
		memcpy(ins + 1 + NONCE_LEN, row2.data + b2[k], fl);
		snprintf(what, sizeof what, "field #%zu of another client appended", k);
		expect_tamper(buf, splice(buf, body, body, ins, 1 + NONCE_LEN + fl), "does not authenticate", what);
		if (k + 1 < nbounds) {
			snprintf(what, sizeof what, "field #%zu swapped with another client's", k);
			expect_tamper(buf, splice(buf, bounds[k], bounds[k + 1], ins, 1 + NONCE_LEN + fl), "does not authenticate", what);
		}
		free(ins);
		f2len = fl;
		f2 = row2.data + b2[k];
	}
	assert_non_null(f2);
	(void)f2len;
	/* the whole record moved to the other client (its row, its key) */
	expect_tamper_as(decode_as(row2.id, row.data, row.data_len, row2.wrapped, row2.wrapped_len, row2.vk_version), row2.id,
			 "does not authenticate", "record moved to another client");
	/* the other client's trailer on this record */
	expect_tamper(buf, splice(buf, body, row.data_len, row2.data + body2, REC_TRAILER_LEN), "does not authenticate",
		      "another client's trailer");
	/* this record's body under the other client's key, MAC'd for this client: the id is bound too */
	memcpy(buf, row.data, body);
	expect_tamper_as(decode_as(row2.id, buf, reseal(buf, body, row.id, kc2), row2.wrapped, row2.wrapped_len, row2.vk_version),
			 row2.id, "does not authenticate", "MAC'd for another client id");
	free(buf);
}

/* Re-encode the record with field number WHICH's key version set to KVER,
 * resealed (so the decoder's own checks past the MAC are reached). */
static void test_key_versions(void **state)
{
	static const uint32_t kvers[] = { 0, 2, 3, 99, 0x7fffffffu, 0xffffffffu };
	unsigned char *buf;
	(void)state;
	assert_non_null(buf = malloc(row.data_len + 16 * NKV));
	for (size_t which = 0; which < NKV; which++) {
		for (size_t k = 0; k < sizeof kvers / sizeof kvers[0]; k++) {
			rec_iter it;
			rec_field f;
			unsigned char *p = buf;
			size_t n = 0;
			char what[64];
			memcpy(p, row.data, NONCE_LEN);
			p += NONCE_LEN;
			assert_int_equal(rec_begin(&it, row.data, row.data_len), 0);
			while (rec_next(&it, &f) == 1) {
				*p++ = (unsigned char)f.id;
				p = rec_put_varint(p, n++ == which ? kvers[k] : f.kver);
				p = rec_put_varint(p, f.ctlen);
				memcpy(p, f.ct, f.ctlen);
				p += f.ctlen;
			}
			snprintf(what, sizeof what, "field #%zu with key version %u", which, kvers[k]);
			expect_refused_rec(buf, reseal(buf, (size_t)(p - buf), row.id, kc), what);
			if (kvers[k] > 1)
				assert_non_null(strstr(fort_error_message(), "key version"));
		}
	}
	free(buf);
}

static void test_wrapped_key(void **state)
{
	static const int vks[] = { 0, -1, 2, 99 };
	unsigned char buf[WRAPPED_LEN + 8];
	char what[64];
	(void)state;
	assert_int_equal(row.wrapped_len, WRAPPED_LEN);
	memcpy(buf, row.wrapped, WRAPPED_LEN);
	for (size_t len = 0; len < WRAPPED_LEN; len++) {
		snprintf(what, sizeof what, "wrapped key cut to %zu bytes", len);
		expect_refused(decode(row.data, row.data_len, buf, len, row.vk_version), what);
	}
	for (size_t k = 1; k <= 8; k++) {
		memset(buf + WRAPPED_LEN, 0, k);
		snprintf(what, sizeof what, "wrapped key extended by %zu", k);
		expect_refused(decode(row.data, row.data_len, buf, WRAPPED_LEN + k, row.vk_version), what);
	}
	for (size_t i = 0; i < WRAPPED_LEN; i++) {
		memcpy(buf, row.wrapped, WRAPPED_LEN);
		buf[i] ^= 0x01;
		snprintf(what, sizeof what, "wrapped key byte %zu altered", i);
		expect_refused(decode(row.data, row.data_len, buf, WRAPPED_LEN, row.vk_version), what);
	}
	for (size_t k = 0; k < sizeof vks / sizeof vks[0]; k++) {
		if (vks[k] == row.vk_version)
			continue;
		snprintf(what, sizeof what, "wrapped key under vault key version %d", vks[k]);
		expect_refused(decode(row.data, row.data_len, row.wrapped, WRAPPED_LEN, vks[k]), what);
	}
	/* and the untouched row still opens */
	expect_subset(decode(row.data, row.data_len, row.wrapped, row.wrapped_len, row.vk_version), 0, "untouched again");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_downgrade),
		cmocka_unit_test(test_extended),
		cmocka_unit_test(test_altered),
		cmocka_unit_test(test_moved),
		cmocka_unit_test(test_key_versions),
		cmocka_unit_test(test_wrapped_key),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
