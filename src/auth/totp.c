/* totp.c - the second factor of signing in to `fortress serve`: TOTP
 * (RFC 6238, 30 s steps, 6 digits, HMAC-SHA1 as every authenticator app
 * does; liboath) and ten one-time recovery codes.
 *
 * One blob per user in user_totp, encrypted with XChaCha20-Poly1305 under
 * a key derived (BLAKE2b) from that user's own secret keys, AD = vault id
 * and user id: only the user's passphrase opens it, and an edit or a blob
 * moved from another user or vault fails to decrypt.  Inside: the TOTP
 * secret, the last time step accepted (a code is never accepted twice) and
 * the recovery codes as keyed BLAKE2b hashes with a used mask.
 *
 * Not sealed in the audit chain: the AEAD authenticates the blob; what an
 * attacker with the file can still do is delete it (the user cannot sign
 * in) or put back an older copy of it (docs/SECURITY.md, "Server"). */
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <liboath/oath.h>
#include "auth/auth_int.h"
#include "vault/op.h"
#include "store/signin.h"

#define TOTP_SECRET_LEN 20
#define TOTP_STEP 30
/* how far a refused code is looked for, to say in the log that it was of another time */
#define TOTP_FAR 20
#define TOTP_DIGITS 6
#define RC_HASH_LEN 32
#define BLOB_VERSION 1
/* version, last step (8), used mask (2), secret, hashes */
#define PLAIN_LEN (1 + 8 + 2 + TOTP_SECRET_LEN + FORT_TOTP_RECOVERY_CODES * RC_HASH_LEN)
#define NONCE_LEN_X crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define BLOB_LEN (NONCE_LEN_X + PLAIN_LEN + crypto_aead_xchacha20poly1305_ietf_ABYTES)

typedef struct {
	uint64_t last_step;
	unsigned used;  /* bit i: recovery code i was used */
	unsigned char secret[TOTP_SECRET_LEN];
	unsigned char rc[FORT_TOTP_RECOVERY_CODES][RC_HASH_LEN];
} totp_state;

struct cmp_ctx {
	const char *code;
};
static int otp_cmp(void *handle, const char *test_otp);

static int oath_ready(void)
{
	/* oath_init is idempotent and cheap after the first call */
	if (oath_init() != OATH_OK)
		return fort_error_set(FORT_ERROR, "cannot initialise liboath");
	return 0;
}

/* The blob key and the recovery-code hash key, from the user's secret keys. */
static int derive(unsigned char key[32], fort_vault *v, const char *label)
{
	fort_secret *sk = NULL;
	int r;
	if ((r = keys_user_secret(&sk, v->kr)) < 0)
		return r;
	r = crypto_generichash(key, 32, (const unsigned char *)label, strlen(label), fort_secret_data(sk),
			       fort_secret_len(sk)) == 0 ? 0 : fort_error_set(FORT_ERROR, "key derivation failed");
	fort_secret_free(sk);
	return r;
}

static int make_ad(unsigned char ad[64], size_t *adlen, fort_vault *v)
{
	unsigned char *id = NULL;
	size_t n = 0;
	int r;
	if ((r = store_meta_get_unchecked(v->st, "vault_id", &id, &n)) < 0)
		return r;
	if (n > 48)
		n = 48;
	memcpy(ad, id, n);
	for (int i = 0; i < 8; i++)
		ad[n + (size_t)i] = (unsigned char)((uint64_t)v->user_id >> (8 * i));
	*adlen = n + 8;
	free(id);
	return 0;
}

static int state_load(totp_state *st, fort_vault *v)
{
	unsigned char key[32], ad[64], *blob = NULL, *pt = NULL;
	size_t adlen, len = 0;
	unsigned long long ptlen;
	int r;
	if ((r = store_totp_get(v->st, v->user_id, &blob, &len)) < 0)
		return r;
	if (!(pt = sodium_malloc(PLAIN_LEN))) {
		r = fort_error_set(FORT_ENOMEM, "out of locked memory");
		goto out;
	}
	if ((r = derive(key, v, "fortress totp blob v1")) < 0 || (r = make_ad(ad, &adlen, v)) < 0)
		goto out;
	if (len != BLOB_LEN ||
	    crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &ptlen, NULL, blob + NONCE_LEN_X, len - NONCE_LEN_X, ad, adlen,
						       blob, key) != 0 ||
	    ptlen != PLAIN_LEN || pt[0] != BLOB_VERSION) {
		r = fort_error_set(FORT_ETAMPER, "the second factor of user '%s' does not decrypt: it was changed outside Fortress; "
				   "enrol again with 'fortress user totp enroll'", v->user);
		goto out;
	}
	st->last_step = 0;
	for (int i = 0; i < 8; i++)
		st->last_step |= (uint64_t)pt[1 + i] << (8 * i);
	st->used = (unsigned)pt[9] | (unsigned)pt[10] << 8;
	memcpy(st->secret, pt + 11, TOTP_SECRET_LEN);
	memcpy(st->rc, pt + 11 + TOTP_SECRET_LEN, sizeof st->rc);
	r = 0;
out:
	sodium_memzero(key, sizeof key);
	if (pt)
		sodium_free(pt);
	free(blob);
	return r;
}

/* ST encrypted into BLOB for V's acting user (state_store, and a join's
 * blob kept until its approval: totp_join_blob). */
static int state_seal(unsigned char blob[BLOB_LEN], fort_vault *v, const totp_state *st)
{
	unsigned char key[32], ad[64], *pt = NULL;
	size_t adlen;
	int r;
	if (!(pt = sodium_malloc(PLAIN_LEN)))
		return fort_error_set(FORT_ENOMEM, "out of locked memory");
	pt[0] = BLOB_VERSION;
	for (int i = 0; i < 8; i++)
		pt[1 + i] = (unsigned char)(st->last_step >> (8 * i));
	pt[9] = (unsigned char)(st->used & 0xff);
	pt[10] = (unsigned char)(st->used >> 8);
	memcpy(pt + 11, st->secret, TOTP_SECRET_LEN);
	memcpy(pt + 11 + TOTP_SECRET_LEN, st->rc, sizeof st->rc);
	if ((r = derive(key, v, "fortress totp blob v1")) < 0 || (r = make_ad(ad, &adlen, v)) < 0)
		goto out;
	randombytes_buf(blob, NONCE_LEN_X);
	crypto_aead_xchacha20poly1305_ietf_encrypt(blob + NONCE_LEN_X, NULL, pt, PLAIN_LEN, ad, adlen, NULL, blob, key);
	r = 0;
out:
	sodium_memzero(key, sizeof key);
	sodium_free(pt);
	return r;
}

static int state_store(fort_vault *v, const totp_state *st)
{
	unsigned char blob[BLOB_LEN];
	int r;
	if ((r = state_seal(blob, v, st)) < 0)
		return r;
	return store_totp_put(v->st, v->user_id, blob, sizeof blob, fort_now());
}

/* A recovery code as typed: lower-case, without '-' and spaces. */
static int rc_normalise(char out[32], const char *in)
{
	size_t n = 0;
	for (const char *p = in; *p; p++) {
		char ch = *p;
		if (ch == '-' || ch == ' ')
			continue;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (n + 1 >= 32)
			return -1;
		out[n++] = ch;
	}
	out[n] = '\0';
	return (int)n;
}

static int rc_hash(unsigned char h[RC_HASH_LEN], fort_vault *v, const char *norm)
{
	unsigned char key[32];
	int r;
	if ((r = derive(key, v, "fortress recovery code v1")) < 0)
		return r;
	crypto_generichash(h, RC_HASH_LEN, (const unsigned char *)norm, strlen(norm), key, sizeof key);
	sodium_memzero(key, sizeof key);
	return 0;
}

void fort_totp_enrolment_free(fort_totp_enrolment *e)
{
	if (e)
		sodium_free(e);  /* sodium_free wipes */
}

/* E's base32 secret and otpauth:// link for ST's secret, the acting user. */
static int enrol_fill(fort_totp_enrolment *e, fort_vault *v, const totp_state *st)
{
	char *b32 = NULL;
	size_t b32len = 0;
	int r;
	if (oath_base32_encode((const char *)st->secret, sizeof st->secret, &b32, &b32len) != OATH_OK || !b32 ||
	    b32len >= sizeof e->secret) {
		r = fort_error_set(FORT_ERROR, "cannot encode the TOTP secret");
		goto out;
	}
	/* strip base32 padding: authenticator apps want none */
	while (b32len && b32[b32len - 1] == '=')
		b32[--b32len] = '\0';
	memcpy(e->secret, b32, b32len + 1);
	{
		/* otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER (Key Uri
		 * Format); names percent-encoded */
		fort_buf b;
		char *uri;
		size_t ulen;
		fort_buf_init_secret(&b, sizeof e->uri);
		fort_buf_puts(&b, "otpauth://totp/Fortress%20");
		for (const char *p = v->business; *p; p++) {
			unsigned char ch = (unsigned char)*p;
			if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_')
				fort_buf_putc(&b, (char)ch);
			else
				fort_buf_printf(&b, "%%%02X", ch);
		}
		fort_buf_puts(&b, ":");
		for (const char *p = v->user; *p; p++) {
			unsigned char ch = (unsigned char)*p;
			if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_')
				fort_buf_putc(&b, (char)ch);
			else
				fort_buf_printf(&b, "%%%02X", ch);
		}
		fort_buf_printf(&b, "?secret=%s&issuer=Fortress&algorithm=SHA1&digits=%d&period=%d", e->secret, TOTP_DIGITS, TOTP_STEP);
		if ((r = fort_buf_error(&b)) < 0 || !(uri = fort_buf_detach(&b, &ulen)) || ulen >= sizeof e->uri) {
			fort_buf_release(&b);
			r = fort_error_set(FORT_EINPUT, "the business or user name is too long for an enrolment link");
			goto out;
		}
		memcpy(e->uri, uri, ulen + 1);
		sodium_memzero(uri, ulen);
		fort_wipe_free(uri);
	}
	r = 0;
out:
	if (b32) {
		sodium_memzero(b32, b32len);
		free(b32);
	}
	return r;
}

/* Ten new recovery codes into E, their keyed hashes into ST. */
static int enrol_codes(fort_totp_enrolment *e, totp_state *st, fort_vault *v)
{
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789"; /* no 0/o, 1/l/i */
	for (int i = 0; i < FORT_TOTP_RECOVERY_CODES; i++) {
		char raw[11], norm[32];
		int r;
		for (int j = 0; j < 10; j++)
			raw[j] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
		raw[10] = '\0';
		/* shown as xxxx-xxxx-xx */
		snprintf(e->recovery[i], sizeof e->recovery[i], "%.4s-%.4s-%.2s", raw, raw + 4, raw + 8);
		(void)rc_normalise(norm, raw);
		r = rc_hash(st->rc[i], v, norm);
		sodium_memzero(raw, sizeof raw);
		sodium_memzero(norm, sizeof norm);
		if (r < 0)
			return r;
	}
	return 0;
}

static int enrol_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	int r;
	if ((r = state_store(v, ctx)) < 0)
		return r;
	snprintf(detail, cap, "second factor for signing in to the server enrolled");
	return 0;
}

/* Store ST as the acting user's second factor, audited, in one transaction:
 * no role to check (anyone enrols their own). */
static int enrol_save(fort_vault *v, totp_state *st)
{
	static const vault_op op = { "totp-enroll", 0, NULL, enrol_write };
	return vault_op_run(v, &op, "", st);
}

static int enrol_alloc(fort_totp_enrolment **e, totp_state **st)
{
	if (!(*e = sodium_malloc(sizeof **e)) || !(*st = sodium_malloc(sizeof **st)))
		return fort_error_set(FORT_ENOMEM, "out of locked memory");
	memset(*e, 0, sizeof **e);
	memset(*st, 0, sizeof **st);
	return 0;
}

int fort_totp_enroll(fort_totp_enrolment **out, fort_vault *v)
{
	fort_totp_enrolment *e = NULL;
	totp_state *st = NULL;
	int r;

	*out = NULL;
	if ((r = vault_need_unlocked(v)) < 0 || (r = oath_ready()) < 0)
		return r;
	if ((r = enrol_alloc(&e, &st)) < 0)
		goto out;
	randombytes_buf(st->secret, sizeof st->secret);
	/* the current step is "used": a code shown before enrolment (none) or
	 * read off the screen while enrolling cannot be replayed */
	st->last_step = (uint64_t)fort_now() / TOTP_STEP;
	if ((r = enrol_codes(e, st, v)) < 0 || (r = enrol_fill(e, v, st)) < 0 || (r = enrol_save(v, st)) < 0)
		goto out;
	*out = e;
	e = NULL;
	r = 0;
out:
	if (st)
		sodium_free(st);
	fort_totp_enrolment_free(e);
	return r;
}

int fort_totp_propose(fort_totp_enrolment **out, fort_vault *v)
{
	fort_totp_enrolment *e = NULL;
	totp_state *st = NULL;
	int r;

	*out = NULL;
	if ((r = vault_need_unlocked(v)) < 0 || (r = oath_ready()) < 0)
		return r;
	if ((r = enrol_alloc(&e, &st)) < 0)
		goto out;
	randombytes_buf(st->secret, sizeof st->secret);
	if ((r = enrol_fill(e, v, st)) < 0)
		goto out;
	*out = e;
	e = NULL;
out:
	if (st)
		sodium_free(st);
	fort_totp_enrolment_free(e);
	return r;
}

static int confirm_state(fort_totp_enrolment **e_out, totp_state **st_out, fort_vault *v, const char *secret, const char *code);

int fort_totp_confirm(fort_totp_enrolment **out, fort_vault *v, const char *secret, const char *code)
{
	fort_totp_enrolment *e = NULL;
	totp_state *st = NULL;
	int r;

	*out = NULL;
	if ((r = vault_need_unlocked(v)) < 0)
		return r;
	if ((r = confirm_state(&e, &st, v, secret, code)) < 0 || (r = enrol_save(v, st)) < 0)
		goto out;
	*out = e;
	e = NULL;
	r = 0;
out:
	if (st)
		sodium_free(st);
	fort_totp_enrolment_free(e);
	return r;
}

/* fort_totp_confirm's check and enrolment for V's acting user, storing
 * nothing: *E_OUT the enrolment to show, *ST_OUT its state (sodium_free). */
static int confirm_state(fort_totp_enrolment **e_out, totp_state **st_out, fort_vault *v, const char *secret, const char *code)
{
	fort_totp_enrolment *e = NULL;
	totp_state *st = NULL;
	char *raw = NULL, digits[TOTP_DIGITS + 1];
	size_t rawlen = 0, n = 0;
	int r;
	*e_out = NULL;
	*st_out = NULL;
	if ((r = oath_ready()) < 0)
		return r;
	/* the code as typed: spaces allowed ("123 456") */
	for (const char *p = code ? code : ""; *p; p++) {
		if (*p == ' ')
			continue;
		if (*p < '0' || *p > '9' || n == TOTP_DIGITS) {
			n = 0;
			break;
		}
		digits[n++] = *p;
	}
	digits[n] = '\0';
	if (n != TOTP_DIGITS)
		return fort_error_set(FORT_EINPUT, "the code is the %d digits your authenticator app shows now for Fortress: "
				      "type them without anything else", TOTP_DIGITS);
	if (!secret || oath_base32_decode(secret, strlen(secret), &raw, &rawlen) != OATH_OK || !raw ||
	    rawlen != TOTP_SECRET_LEN) {
		r = fort_error_set(FORT_EINPUT, "the key of this enrolment is not one Fortress made: start the enrolment again");
		goto out;
	}
	if ((r = enrol_alloc(&e, &st)) < 0)
		goto out;
	memcpy(st->secret, raw, TOTP_SECRET_LEN);
	{
		struct cmp_ctx c = { digits };
		int pos = 0;
		uint64_t counter = 0;
		/* one step either side: clocks drift */
		if (oath_totp_validate3_callback((const char *)st->secret, sizeof st->secret, (time_t)fort_now(), TOTP_STEP, 0,
						 TOTP_DIGITS, 1, &pos, &counter, otp_cmp, &c) < 0) {
			r = fort_error_set(FORT_EAUTH, "that is not the code your authenticator app shows for this key: check the "
					   "phone's clock, wait for the next code and type it; your earlier second factor still works");
			goto out;
		}
		/* the code typed here cannot then sign in */
		st->last_step = counter;
	}
	if ((r = enrol_codes(e, st, v)) < 0 || (r = enrol_fill(e, v, st)) < 0)
		goto out;
	*e_out = e;
	*st_out = st;
	e = NULL;
	st = NULL;
	r = 0;
out:
	if (raw) {
		sodium_memzero(raw, rawlen);
		free(raw);
	}
	sodium_memzero(digits, sizeof digits);
	if (st)
		sodium_free(st);
	fort_totp_enrolment_free(e);
	return r;
}

int fort_totp_enrolled(fort_vault *v, const char *user)
{
	store_user u;
	unsigned char *blob = NULL;
	size_t len;
	int r;
	memset(&u, 0, sizeof u);
	if ((r = store_user_get(v->st, &u, user)) < 0) {
		if (r == FORT_ENOTFOUND)
			r = fort_error_set(FORT_ENOTFOUND, "no user '%s' in this vault", user ? user : "(owner)");
		return r;
	}
	r = store_totp_get(v->st, u.id, &blob, &len);
	free(blob);
	store_user_release(&u);
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		return 0;
	}
	return r < 0 ? r : 1;
}

static int totp_remove_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	const store_user *u = ctx;
	int r;
	if ((r = store_totp_del(v->st, u->id)) < 0)
		return r;
	snprintf(detail, cap, "second factor of user '%s' removed", u->name);
	return 0;
}

int fort_totp_remove(fort_vault *v, const char *user)
{
	store_user u;
	int r;
	if ((r = vault_need_unlocked(v)) < 0)
		return r;
	memset(&u, 0, sizeof u);
	if ((r = store_user_get(v->st, &u, user)) < 0) {
		if (r == FORT_ENOTFOUND)
			r = fort_error_set(FORT_ENOTFOUND, "no user '%s' in this vault", user);
		return r;
	}
	{
		/* anyone may remove their own (no role); someone else's needs 'users' */
		const vault_op op = { "totp-remove", u.id != v->user_id ? ACT_USERS : 0, NULL, totp_remove_write };
		r = vault_op_run(v, &op, "", &u);
	}
	store_user_release(&u);
	return r;
}

/* liboath compares with this: constant time over the 6 digits */
static int otp_cmp(void *handle, const char *test_otp)
{
	const struct cmp_ctx *c = handle;
	if (strlen(test_otp) != TOTP_DIGITS)
		return 1;
	return sodium_memcmp(c->code, test_otp, TOTP_DIGITS) == 0 ? 0 : 1;
}

int totp_check(fort_vault *v, const char *code, int64_t now, char *why, size_t cap)
{
	totp_state *st = NULL;
	char norm[32];
	size_t n = strlen(code);
	int r, digits = n == TOTP_DIGITS;

	for (size_t i = 0; digits && i < n; i++)
		digits = code[i] >= '0' && code[i] <= '9';
	if ((r = oath_ready()) < 0)
		return r;
	if (!(st = sodium_malloc(sizeof *st)))
		return fort_error_set(FORT_ENOMEM, "out of locked memory");
	if ((r = state_load(st, v)) < 0)
		goto out;
	if (digits) {
		struct cmp_ctx c = { code };
		int pos = 0;
		uint64_t counter = 0;
		/* one step either side: clocks drift */
		int o = oath_totp_validate3_callback((const char *)st->secret, sizeof st->secret, (time_t)now, TOTP_STEP, 0,
						     TOTP_DIGITS, 1, &pos, &counter, otp_cmp, &c);
		if (o < 0) {
			/* not in the window: a code of another time (a clock off,
			 * or a code typed late) is said in the log, for whoever
			 * reads it; the answer stays the same */
			int far = 0; /* liboath wants it; the step is in AT */
			uint64_t at = 0;
			if (oath_totp_validate3_callback((const char *)st->secret, sizeof st->secret, (time_t)now, TOTP_STEP, 0,
							 TOTP_DIGITS, TOTP_FAR, &far, &at, otp_cmp, &c) >= 0)
				snprintf(why, cap, "wrong code (of %+lld steps of %d s: a clock is off)",
					 (long long)at - (long long)(now / TOTP_STEP), TOTP_STEP);
			else
				snprintf(why, cap, "wrong code");
			r = fort_error_set(FORT_EAUTH, "sign-in refused: wrong name, passphrase or code");
			goto out;
		}
		if (counter <= st->last_step) {
			snprintf(why, cap, "code already used");
			r = fort_error_set(FORT_EAUTH, "sign-in refused: that code was already used; wait for the next one");
			goto out;
		}
		st->last_step = counter;
	} else {
		unsigned char h[RC_HASH_LEN];
		int found = -1;
		if (rc_normalise(norm, code) != 10) {
			snprintf(why, cap, "wrong code");
			r = fort_error_set(FORT_EAUTH, "sign-in refused: wrong name, passphrase or code");
			goto out;
		}
		if ((r = rc_hash(h, v, norm)) < 0)
			goto out;
		for (int i = 0; i < FORT_TOTP_RECOVERY_CODES; i++)
			if (sodium_memcmp(h, st->rc[i], RC_HASH_LEN) == 0 && found < 0)
				found = i;
		if (found < 0 || (st->used & (1u << found))) {
			snprintf(why, cap, found < 0 ? "wrong recovery code" : "recovery code already used");
			r = fort_error_set(FORT_EAUTH, "sign-in refused: wrong name, passphrase or code");
			goto out;
		}
		st->used |= 1u << found;
		snprintf(why, cap, "recovery code %d of %d used", __builtin_popcount(st->used), FORT_TOTP_RECOVERY_CODES);
	}
	r = state_store(v, st);
out:
	sodium_memzero(norm, sizeof norm);
	sodium_free(st);
	return r;
}

/* A join's second factor (src/auth/invite.c): as fort_totp_confirm for V's
 * acting user (V's keyring: the invitee's, just made), but the blob is
 * returned (*BLOB, BLOB_LEN bytes, malloc'ed) instead of stored: it waits,
 * unsealed, until the approval moves it into user_totp. */
int totp_join_blob(fort_totp_enrolment **out, unsigned char **blob, size_t *len, fort_vault *v, const char *secret,
		   const char *code)
{
	fort_totp_enrolment *e = NULL;
	totp_state *st = NULL;
	int r;
	*out = NULL;
	*blob = NULL;
	*len = 0;
	if ((r = confirm_state(&e, &st, v, secret, code)) < 0)
		goto out;
	if (!(*blob = fort_malloc(BLOB_LEN))) {
		r = fort_error_set(FORT_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = state_seal(*blob, v, st)) < 0) {
		fort_wipe_free(*blob);
		*blob = NULL;
		goto out;
	}
	*len = BLOB_LEN;
	*out = e;
	e = NULL;
out:
	if (st)
		sodium_free(st);
	fort_totp_enrolment_free(e);
	return r;
}

/* A new secret for a join's page (as fort_totp_propose) for USER of the
 * business BUSINESS: no vault handle, nothing stored. */
int totp_propose_for(fort_totp_enrolment **out, const char *business, const char *user)
{
	struct fort_vault fake;
	int r;
	memset(&fake, 0, sizeof fake);
	snprintf(fake.business, sizeof fake.business, "%s", business ? business : "");
	fake.user = (char *)user;
	*out = NULL;
	{
		fort_totp_enrolment *e = NULL;
		totp_state *st = NULL;
		if ((r = oath_ready()) < 0 || (r = enrol_alloc(&e, &st)) < 0)
			goto done;
		randombytes_buf(st->secret, sizeof st->secret);
		if ((r = enrol_fill(e, &fake, st)) < 0)
			goto done;
		*out = e;
		e = NULL;
	done:
		if (st)
			sodium_free(st);
		fort_totp_enrolment_free(e);
	}
	return r;
}
