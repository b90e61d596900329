/* recovery.c - recovery shares (docs/SECURITY.md, "Recovery shares").
 *
 *   RK (random, never stored) --XChaCha20-Poly1305--> owner's box_sk || Ed25519 seed
 *   RK --Shamir over GF(2^8) (libgfshare)--> N shares, any K of them give RK back
 *
 * The sealed owner secret sits in the metadata record "recovery"; a new split
 * replaces it, so the shares of an older split stop working.  A restore
 * rebuilds the owner's keyring from K shares and seals it under a new
 * passphrase, exactly as 'passwd' would. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include <libgfshare.h>
#include "vault/vault_int.h"
#include "keys/recovery.h"

#define RK_LEN 32
#define OWNER_SECRET_LEN 64                /* box_sk || Ed25519 seed, as keys_user_seal */
#define REC_VERSION 1
#define REC_LEN (1 + 1 + 1 + 8 + 8 + NONCE_LEN + OWNER_SECRET_LEN + 16)
#define REC_META "recovery"
#define SHARE_TAG "FORT-SHARE-1"
#define SHARE_TAG_PREFIX "FORT-SHARE-"
#define SHARE_VID_HEX 12
#define SHARE_TEXT_MAX 160                 /* a share is ~110 characters */
#define SHARE_FIELDS 6

typedef struct {
	int version, k, n;
	int64_t created, owner;
	unsigned char nonce[NONCE_LEN];
	unsigned char ct[OWNER_SECRET_LEN + 16];
} rec_record;

/* A parsed share.  Y is a point of the polynomial: secret, kept in locked memory. */
typedef struct {
	char vid[SHARE_VID_HEX + 1];
	int k, n, nr;
	unsigned char y[RK_LEN];
} share_parsed;

/* libgfshare draws the polynomial's coefficients (and its wipe bytes) here. */
static void gf_rand(unsigned char *buf, unsigned int n)
{
	randombytes_buf(buf, n);
}

static void put_u64(unsigned char *b, uint64_t x)
{
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(x >> (56 - 8 * i));
}

static uint64_t get_u64(const unsigned char *b)
{
	uint64_t x = 0;
	for (int i = 0; i < 8; i++)
		x = x << 8 | b[i];
	return x;
}

static void rec_encode(unsigned char out[REC_LEN], const rec_record *rec)
{
	size_t o = 0;
	out[o++] = (unsigned char)rec->version;
	out[o++] = (unsigned char)rec->k;
	out[o++] = (unsigned char)rec->n;
	put_u64(out + o, (uint64_t)rec->created); o += 8;
	put_u64(out + o, (uint64_t)rec->owner); o += 8;
	memcpy(out + o, rec->nonce, NONCE_LEN); o += NONCE_LEN;
	memcpy(out + o, rec->ct, sizeof rec->ct);
}

/* Parse a raw recovery record (VAL, LEN). */
static int rec_parse(rec_record *rec, const unsigned char *val, size_t len)
{
	size_t o = 0;
	memset(rec, 0, sizeof *rec);
	if (len >= 1 && val[0] > REC_VERSION)
		return fort_error_set(FORT_EVERSION, "the recovery record was made by a newer Fortress: use that version");
	if (len != REC_LEN || val[0] != REC_VERSION || val[1] < 2 || val[2] < val[1])
		return fort_error_set(FORT_ECORRUPT, "the recovery record is damaged: make new shares with 'fortress recovery split'");
	rec->version = val[o++];
	rec->k = val[o++];
	rec->n = val[o++];
	rec->created = (int64_t)get_u64(val + o); o += 8;
	rec->owner = (int64_t)get_u64(val + o); o += 8;
	memcpy(rec->nonce, val + o, NONCE_LEN); o += NONCE_LEN;
	memcpy(rec->ct, val + o, sizeof rec->ct);
	return 0;
}

/* The record of the current split: FORT_ENOTFOUND when there is none. */
static int rec_load(rec_record *rec, unsigned char raw[REC_LEN], fort_vault *v)
{
	unsigned char *val = NULL;
	size_t len = 0;
	int r;
	memset(rec, 0, sizeof *rec);
	if ((r = store_meta_get(v->st, REC_META, &val, &len)) < 0) {
		if (r == FORT_ENOTFOUND)
			r = fort_error_set(FORT_ENOTFOUND, "no recovery shares were made for this vault: "
					   "the owner makes them with 'fortress recovery split'");
		return r;
	}
	if ((r = rec_parse(rec, val, len)) == 0 && raw)
		memcpy(raw, val, REC_LEN);
	free(val);
	return r;
}

/* AD = tag || vault id (32 hex) || owner id || k || n || created: the sealed
 * owner secret opens only in this vault, for this owner and this split. */
static size_t rec_ad(unsigned char *ad, const char vid[33], const rec_record *rec)
{
	static const char tag[] = "fortress-recovery-v1";
	size_t o = 0;
	memcpy(ad + o, tag, sizeof tag - 1); o += sizeof tag - 1;
	memcpy(ad + o, vid, 32); o += 32;
	put_u64(ad + o, (uint64_t)rec->owner); o += 8;
	ad[o++] = (unsigned char)rec->k;
	ad[o++] = (unsigned char)rec->n;
	put_u64(ad + o, (uint64_t)rec->created); o += 8;
	return o;
}

static int vault_id(char out[33], fort_vault *v)
{
	unsigned char *val = NULL, tmp[16];
	size_t len = 0;
	int r = store_meta_get(v->st, "vault_id", &val, &len);
	if (r < 0)
		return r == FORT_ENOTFOUND ? fort_error_set(FORT_ECORRUPT, "the vault has no 'vault_id' record: it is damaged") : r;
	if (len != 32) {
		free(val);
		return fort_error_set(FORT_ECORRUPT, "the vault's id is damaged");
	}
	memcpy(out, val, 32);
	out[32] = '\0';
	free(val);
	if (fort_unhex(tmp, sizeof tmp, out) < 0)
		return fort_error_set(FORT_ECORRUPT, "the vault's id is damaged");
	return 0;
}

/* The first 4 bytes of BLAKE2b over the share text before the checksum, as hex. */
static void share_checksum(char out[9], const char *text, size_t len)
{
	unsigned char h[crypto_generichash_BYTES];
	crypto_generichash(h, sizeof h, (const unsigned char *)text, len, NULL, 0);
	fort_hex(out, h, 4);
}

/* "FORT-SHARE-1:<vid12>:<k>-of-<n>:<nr>:<y hex>:<checksum>" */
static int share_format(char **out, const char vid[33], int k, int n, int nr, const unsigned char y[RK_LEN])
{
	char *s, yhex[2 * RK_LEN + 1], sum[9];
	int len;
	*out = NULL;
	if (!(s = fort_malloc(SHARE_TEXT_MAX)))
		return FORT_ENOMEM;
	fort_hex(yhex, y, RK_LEN);
	len = snprintf(s, SHARE_TEXT_MAX, "%s:%.*s:%d-of-%d:%d:%s:", SHARE_TAG, SHARE_VID_HEX, vid, k, n, nr, yhex);
	sodium_memzero(yhex, sizeof yhex);
	share_checksum(sum, s, (size_t)len - 1);
	snprintf(s + len, SHARE_TEXT_MAX - (size_t)len, "%s", sum);
	*out = s;
	return 0;
}

static int all_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* A decimal number in [lo, hi], digits only; -1 otherwise. */
static int small_int(const char *s, int lo, int hi)
{
	long x = 0;
	if (!*s || strlen(s) > 3)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		x = x * 10 + (*p - '0');
	}
	return x >= lo && x <= hi ? (int)x : -1;
}

/* Parse share number IDX (1-based, as given) of TEXT into P.  FORT_EINPUT
 * naming the share when it is not a share or was mistyped. */
static int share_parse(share_parsed *p, const char *text, size_t idx)
{
	char buf[SHARE_TEXT_MAX + 1], *f[SHARE_FIELDS], *q, sum[9], number[24] = "";
	size_t len, nf = 0;
	int r, nr;
	const char *s = text ? text : "";

	while (*s && isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0)
		return fort_error_set(FORT_EINPUT, "share %zu is empty", idx);
	if (len > SHARE_TEXT_MAX)
		return fort_error_set(FORT_EINPUT, "share %zu is too long to be a Fortress recovery share "
				      "(they look like " SHARE_TAG ":…)", idx);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (strncasecmp(buf, SHARE_TAG_PREFIX, strlen(SHARE_TAG_PREFIX)) != 0)
		return fort_error_set(FORT_EINPUT, "share %zu is not a Fortress recovery share (they start with " SHARE_TAG ":)", idx);
	if (strncasecmp(buf, SHARE_TAG ":", strlen(SHARE_TAG) + 1) != 0)
		return fort_error_set(FORT_EVERSION, "share %zu is of a newer format than this Fortress reads (" SHARE_TAG "): "
				      "use a newer Fortress", idx);
	/* canonical form: the tag as written by share_format, the rest lower case */
	memcpy(buf, SHARE_TAG, strlen(SHARE_TAG));
	for (q = buf + strlen(SHARE_TAG); *q; q++)
		*q = (char)tolower((unsigned char)*q);
	for (q = buf; nf < SHARE_FIELDS; nf++) {
		f[nf] = q;
		if (!(q = strchr(q, ':'))) {
			nf++;
			break;
		}
		*q++ = '\0';
	}
	if (nf != SHARE_FIELDS || q) {
		r = fort_error_set(FORT_EINPUT, "share %zu is incomplete or has extra parts (a share has %d parts "
				   "separated by ':'): it was cut or mistyped; copy the whole line", idx, SHARE_FIELDS);
		goto out;
	}
	if ((nr = small_int(f[3], 1, 255)) > 0)
		snprintf(number, sizeof number, " (number %d)", nr);
	/* the checksum covers the text before it: restore the separators */
	for (size_t i = 0; i < SHARE_FIELDS - 1; i++)
		f[i][strlen(f[i])] = ':';
	share_checksum(sum, buf, (size_t)(f[5] - 1 - buf));
	for (size_t i = 0; i < SHARE_FIELDS - 1; i++)
		f[i][strcspn(f[i], ":")] = '\0';
	if (!all_hex(f[5], 8) || sodium_memcmp(sum, f[5], 8) != 0) {
		r = fort_error_set(FORT_EINPUT, "share %zu%s: the checksum does not match: it was mistyped or damaged; "
				   "compare it with its holder's copy", idx, number);
		goto out;
	}
	/* From here on the share is as written (the checksum matched). */
	{
		char *of = strstr(f[2], "-of-");
		if (!all_hex(f[1], SHARE_VID_HEX) || !of || !all_hex(f[4], 2 * RK_LEN) || nr < 0) {
			r = fort_error_set(FORT_EINPUT, "share %zu%s is malformed", idx, number);
			goto out;
		}
		*of = '\0';
		p->k = small_int(f[2], 2, 255);
		p->n = small_int(of + 4, 2, 255);
		if (p->k < 0 || p->n < 0 || p->k > p->n || nr > p->n) {
			r = fort_error_set(FORT_EINPUT, "share %zu%s is malformed (impossible threshold or number)", idx, number);
			goto out;
		}
	}
	memcpy(p->vid, f[1], SHARE_VID_HEX + 1);
	p->nr = nr;
	if (fort_unhex(p->y, RK_LEN, f[4]) < 0) {
		r = fort_error_set(FORT_EINPUT, "share %zu%s is malformed", idx, number);
		goto out;
	}
	r = 0;
out:
	sodium_memzero(buf, sizeof buf);
	return r;
}

/* Parse and check a set of shares against this vault.  *WHY (for the audit
 * entry) says in a few words why they were refused. */
static int shares_check(share_parsed *ps, const char *const *shares, size_t nshares, const char vid[33],
			const rec_record *rec, const char **why)
{
	int r;
	*why = "malformed share";
	for (size_t i = 0; i < nshares; i++)
		if ((r = share_parse(&ps[i], shares[i], i + 1)) < 0)
			return r;
	*why = "share of another vault";
	for (size_t i = 0; i < nshares; i++)
		if (memcmp(ps[i].vid, vid, SHARE_VID_HEX) != 0)
			return fort_error_set(FORT_EAUTH, "share %zu is for another vault (vault id %s…; this vault is %.*s…): "
					      "ask its holder for the share of this vault", i + 1, ps[i].vid, SHARE_VID_HEX, vid);
	*why = "shares of different splits";
	for (size_t i = 1; i < nshares; i++)
		if (ps[i].k != ps[0].k || ps[i].n != ps[0].n)
			return fort_error_set(FORT_EAUTH, "share %zu is from a %d-of-%d split, share 1 from a %d-of-%d split: "
					      "shares of different splits cannot be combined", i + 1, ps[i].k, ps[i].n, ps[0].k, ps[0].n);
	*why = "duplicate share";
	for (size_t i = 1; i < nshares; i++)
		for (size_t j = 0; j < i; j++) {
			if (ps[i].nr != ps[j].nr)
				continue;
			if (sodium_memcmp(ps[i].y, ps[j].y, RK_LEN) == 0)
				return fort_error_set(FORT_EINPUT, "share %zu repeats share %zu (both are number %d): "
						      "give %d different shares", i + 1, j + 1, ps[i].nr, ps[0].k);
			return fort_error_set(FORT_EINPUT, "share %zu and share %zu both say number %d but differ: "
					      "one of them is from an older split or was altered", i + 1, j + 1, ps[i].nr);
		}
	*why = "too few shares";
	if (nshares < (size_t)ps[0].k)
		return fort_error_set(FORT_EAUTH, "%d shares needed, %zu given: fewer shares reveal nothing about the key; "
				      "ask more holders", ps[0].k, nshares);
	*why = "shares of an older split";
	if (ps[0].k != rec->k || ps[0].n != rec->n)
		return fort_error_set(FORT_EAUTH, "the shares are from an older %d-of-%d split; the current split is %d-of-%d: "
				      "ask the holders for the shares of the current split", ps[0].k, ps[0].n, rec->k, rec->n);
	return 0;
}

/* Combine SHARES (checked against vault VID and the split REC) into the
 * recovery key and open the owner's secret keys into PT (OWNER_SECRET_LEN,
 * locked memory).  *WHY says why they were refused. */
static int rec_combine(unsigned char *pt, const char vid[33], const rec_record *rec, const char *const *shares,
		       size_t nshares, const char **why)
{
	share_parsed *ps = NULL;
	unsigned char *rk = NULL, *nrs = NULL, ad[128];
	gfshare_ctx *g = NULL;
	size_t adlen;
	int r;
	*why = NULL;
	if (!shares || nshares == 0)
		return fort_error_set(FORT_EINPUT, "no recovery shares given");
	if (nshares > 255)
		return fort_error_set(FORT_EINPUT, "%zu shares given: a split has at most 255", nshares);
	if (!(ps = sodium_allocarray(nshares, sizeof *ps)) || !(rk = sodium_malloc(RK_LEN)) || !(nrs = fort_malloc(nshares))) {
		r = fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys (raise 'ulimit -l')");
		goto out;
	}
	sodium_memzero(ps, nshares * sizeof *ps);
	if ((r = shares_check(ps, shares, nshares, vid, rec, why)) < 0)
		goto out;

	/* K or more points of a polynomial of degree K-1: its value at 0 is RK. */
	gfshare_fill_rand = gf_rand;
	for (size_t i = 0; i < nshares; i++)
		nrs[i] = (unsigned char)ps[i].nr;
	if (!(g = gfshare_ctx_init_dec(nrs, (unsigned int)nshares, RK_LEN))) {
		r = fort_error_set(FORT_ENOMEM, "cannot combine the shares (out of memory)");
		goto out;
	}
	for (size_t i = 0; i < nshares; i++)
		gfshare_ctx_dec_giveshare(g, (unsigned char)i, ps[i].y);
	gfshare_ctx_dec_extract(g, rk);
	adlen = rec_ad(ad, vid, rec);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL, rec->ct, sizeof rec->ct, ad, adlen, rec->nonce, rk) != 0) {
		*why = "shares do not open the recovery key";
		r = fort_error_set(FORT_EAUTH, "these shares do not open the recovery key of this vault "
				   "(from an older split?): ask the holders for the shares of the current split");
		goto out;
	}
	r = 0;
out:
	if (g)
		gfshare_ctx_free(g);
	if (ps)
		sodium_free(ps);
	if (rk)
		sodium_free(rk);
	free(nrs);
	return r;
}

int recovery_owner_secret(unsigned char secret[64], const char vid[33], const unsigned char *raw, size_t len,
			  const char *const *shares, size_t nshares)
{
	rec_record rec;
	const char *why;
	int r;
	if (!raw || !len)
		return fort_error_set(FORT_ENOTFOUND, "no recovery shares had been made when this backup was taken: "
				      "it opens with the owner's passphrase only");
	if ((r = rec_parse(&rec, raw, len)) < 0)
		return r;
	r = rec_combine(secret, vid, &rec, shares, nshares, &why);
	sodium_memzero(&rec, sizeof rec);
	return r;
}

void fort_recovery_shares_free(char **s, size_t n)
{
	if (!s)
		return;
	for (size_t i = 0; i < n; i++)
		if (s[i]) {
			sodium_memzero(s[i], strlen(s[i]));
			free(s[i]);
		}
	free(s);
}

/* The vault's owner (the first user with role owner). */
static int get_owner(store_user *u, fort_vault *v)
{
	int r = store_user_get(v->st, u, NULL);
	if (r == FORT_ENOTFOUND)
		r = fort_error_set(FORT_ECORRUPT, "the vault has no owner: it is damaged");
	return r;
}

int fort_recovery_split(char ***shares_out, fort_vault *v, size_t n, size_t k)
{
	store_user u;
	rec_record rec;
	unsigned char *rk = NULL, *pt = NULL, *y = NULL, raw[REC_LEN], ad[128], nrs[255];
	char vid[33], detail[96], **shares = NULL;
	gfshare_ctx *g = NULL;
	size_t adlen;
	int r, in_tx = 0;

	*shares_out = NULL;
	memset(&u, 0, sizeof u);
	memset(&rec, 0, sizeof rec);
	if ((r = vault_need(v, ACT_USERS, "recovery-split", NULL)) < 0)
		return r;
	if (k < 2 || k > n || n > 255)
		return fort_error_set(FORT_EINPUT, "recovery shares need 2 <= threshold <= shares <= 255 (got %zu of %zu): "
				      "for example 3 of 5", k, n);
	if ((r = get_owner(&u, v)) < 0)
		return r;
	if (u.id != v->user_id) {
		r = fort_error_set(FORT_EDENIED, "only the owner ('%s') can make recovery shares", u.name);
		goto out;
	}
	if ((r = vault_id(vid, v)) < 0)
		goto out;
	if (!(rk = sodium_malloc(RK_LEN)) || !(pt = sodium_malloc(OWNER_SECRET_LEN)) || !(y = sodium_malloc(RK_LEN))) {
		r = fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys (raise 'ulimit -l')");
		goto out;
	}
	if (!(shares = fort_calloc(n, sizeof *shares))) {
		r = FORT_ENOMEM;
		goto out;
	}
	fort_random(rk, RK_LEN);
	memcpy(pt, v->kr->box_sk, 32);
	memcpy(pt + 32, v->kr->sign_sk, 32); /* the Ed25519 seed */
	rec.version = REC_VERSION;
	rec.k = (int)k;
	rec.n = (int)n;
	rec.created = fort_now();
	rec.owner = u.id;
	fort_random(rec.nonce, NONCE_LEN);
	adlen = rec_ad(ad, vid, &rec);
	crypto_aead_xchacha20poly1305_ietf_encrypt(rec.ct, NULL, pt, OWNER_SECRET_LEN, ad, adlen, NULL, rec.nonce, rk);
	rec_encode(raw, &rec);

	gfshare_fill_rand = gf_rand;
	for (size_t i = 0; i < n; i++)
		nrs[i] = (unsigned char)(i + 1); /* x coordinates: distinct, never 0 */
	if (!(g = gfshare_ctx_init_enc(nrs, (unsigned int)n, (unsigned char)k, RK_LEN))) {
		r = fort_error_set(FORT_ENOMEM, "cannot split the recovery key (out of memory)");
		goto out;
	}
	gfshare_ctx_enc_setsecret(g, rk);
	for (size_t i = 0; i < n; i++) {
		gfshare_ctx_enc_getshare(g, (unsigned char)i, y);
		if ((r = share_format(&shares[i], vid, (int)k, (int)n, nrs[i], y)) < 0)
			goto out;
	}

	snprintf(detail, sizeof detail, "%zu of %zu shares created", k, n);
	if ((r = store_begin(v->st)) < 0)
		goto out;
	in_tx = 1;
	if ((r = store_meta_put(v->st, REC_META, raw, sizeof raw)) < 0 ||
	    (r = audit_append(v, "recovery-split", "", "", "", "ok", detail)) < 0 ||
	    (r = store_commit(v->st)) < 0)
		goto out;
	in_tx = 0;
	*shares_out = shares;
	shares = NULL;
	r = 0;
out:
	if (in_tx)
		store_rollback(v->st);
	if (g)
		gfshare_ctx_free(g); /* overwrites its buffers through gf_rand */
	if (rk)
		sodium_free(rk);
	if (pt)
		sodium_free(pt);
	if (y)
		sodium_free(y);
	sodium_memzero(&rec, sizeof rec);
	sodium_memzero(raw, sizeof raw);
	fort_recovery_shares_free(shares, n);
	store_user_release(&u);
	return r;
}

/* Back to a locked vault after a restore failed half-way. */
static void relock(fort_vault *v)
{
	keyring_free(v->kr);
	v->kr = NULL;
	free(v->user);
	free(v->role);
	v->user = v->role = NULL;
	v->user_id = 0;
	if (map_derive_keys(v) < 0) /* with no keyring: drops the blind-index keys, cannot fail */
		return;
}

int fort_recovery_restore(fort_vault *v, const char *const *shares, size_t nshares, const fort_secret *newpass)
{
	store_user u;
	rec_record rec;
	keyring *kr = NULL;
	unsigned char *pt = NULL, raw[REC_LEN], now[REC_LEN];
	char vid[33], detail[128];
	const char *inputs[4], *why = NULL;
	int r, in_tx = 0, unlocked = 0;

	memset(&u, 0, sizeof u);
	memset(&rec, 0, sizeof rec);
	if (v->kr)
		return fort_error_set(FORT_EINPUT, "a restore needs the vault opened locked (no passphrase); "
				      "to change a known passphrase use 'fortress passwd'");
	if ((r = get_owner(&u, v)) < 0)
		return r;
	inputs[0] = v->business;
	inputs[1] = v->owner;
	inputs[2] = u.name;
	inputs[3] = NULL;
	if ((r = fort_passphrase_check(newpass, inputs)) < 0)
		goto out;
	if ((r = vault_id(vid, v)) < 0 || (r = rec_load(&rec, raw, v)) < 0)
		goto out;
	if (rec.owner != u.id) {
		r = fort_error_set(FORT_ECORRUPT, "the recovery record names user id %lld, the owner is %lld: "
				   "make new shares with 'fortress recovery split'", (long long)rec.owner, (long long)u.id);
		goto out;
	}
	if (!(pt = sodium_malloc(OWNER_SECRET_LEN))) {
		r = fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys (raise 'ulimit -l')");
		goto out;
	}
	if ((r = rec_combine(pt, vid, &rec, shares, nshares, &why)) < 0) {
		/* out of memory refuses no share: nothing to record */
		if (r == FORT_ENOMEM)
			goto out;
		goto refused;
	}

	/* The owner's keyring, checked against the public keys the vault holds. */
	if ((r = keyring_new(&kr)) < 0)
		goto out;
	memcpy(kr->box_sk, pt, 32);
	crypto_scalarmult_base(kr->box_pk, kr->box_sk);
	crypto_sign_seed_keypair(kr->sign_pk, kr->sign_sk, pt + 32);
	if (sodium_memcmp(kr->box_pk, u.box_pk, 32) != 0 || sodium_memcmp(kr->sign_pk, u.sign_pk, 32) != 0) {
		r = fort_error_set(FORT_ETAMPER, "the recovered keys do not match the public keys of '%s': the vault was altered", u.name);
		goto out;
	}
	if ((r = keys_load_grants(kr, v->st, u.id)) < 0 ||
	    (r = keys_user_seal(&u, kr, newpass, u.opslimit, u.memlimit)) < 0)
		goto out;

	/* Unlocked as the owner from here: the map's MAC is checked with the
	 * recovered keys and the audit entry is signed with them. */
	v->kr = kr;
	kr = NULL;
	unlocked = 1;
	v->user_id = u.id;
	if (!(v->user = fort_strdup(u.name)) || !(v->role = fort_strdup(u.role))) {
		r = FORT_ENOMEM;
		goto out;
	}
	if ((r = map_load(v)) < 0 || (r = policy_load(v)) < 0)
		goto out;
	snprintf(detail, sizeof detail, "owner passphrase reset with %zu recovery shares (%d-of-%d split)",
		 nshares, rec.k, rec.n);
	if ((r = store_begin(v->st)) < 0)
		goto out;
	in_tx = 1;
	/* A split made meanwhile by another process wins: these shares are old. */
	if ((r = rec_load(&rec, now, v)) < 0)
		goto out;
	if (sodium_memcmp(raw, now, REC_LEN) != 0) {
		r = fort_error_set(FORT_EAUTH, "new recovery shares were made while restoring: these shares no longer count");
		goto out;
	}
	if ((r = store_user_update_seal(v->st, &u)) < 0 ||
	    (r = audit_append(v, "recovery-restore", "", "", "", "ok", detail)) < 0 ||
	    (r = store_commit(v->st)) < 0)
		goto out;
	in_tx = 0;
	unlocked = 0;
	r = 0;
	goto out;

refused:
	{
		/* Recorded unsigned (there is no key to sign with), as a failed
		 * unlock: the only kind of unsigned entry the chain admits. */
		char msg[1024];
		int code = fort_error_code();
		snprintf(msg, sizeof msg, "%s", fort_error_message());
		snprintf(detail, sizeof detail, "recovery restore refused: %s", why ? why : "bad shares");
		(void)audit_append_unsigned(v->st, u.id, u.name, "unlock-failed", "denied", detail);
		fort_error_set(code ? code : r, "%s", msg);
	}
out:
	if (in_tx)
		store_rollback(v->st);
	if (unlocked)
		relock(v);
	if (pt)
		sodium_free(pt);
	keyring_free(kr);
	sodium_memzero(&rec, sizeof rec);
	store_user_release(&u);
	return r;
}

int fort_recovery_status(int *configured, int *k, int *n, int64_t *created, fort_vault *v)
{
	rec_record rec;
	int r;
	*configured = 0;
	*k = *n = 0;
	*created = 0;
	r = rec_load(&rec, NULL, v);
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		return 0;
	}
	if (r < 0)
		return r;
	*configured = 1;
	*k = rec.k;
	*n = rec.n;
	*created = rec.created;
	sodium_memzero(&rec, sizeof rec);
	return 0;
}
