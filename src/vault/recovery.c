/* recovery.c - the vault's recovery operations (docs/SECURITY.md, "Recovery
 * shares"): split the owner's keys into shares, restore the owner's
 * passphrase from them, report the current split.  The record's format and
 * the shares' arithmetic are keys/recovery.c.
 *
 * The sealed owner secret sits in the metadata record "recovery"; a new split
 * replaces it, so the shares of an older split stop working.  A restore
 * rebuilds the owner's keyring from K shares and seals it under a new
 * passphrase, exactly as 'passwd' would. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <libgfshare.h>
#include "vault/vault_int.h"
#include "vault/op.h"
#include "keys/recovery.h"

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
	if ((r = recovery_parse(rec, val, len)) == 0 && raw)
		memcpy(raw, val, REC_LEN);
	free(val);
	return r;
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

/* The vault's owner (the first user with role owner). */
static int get_owner(store_user *u, fort_vault *v)
{
	int r = store_user_get(v->st, u, NULL);
	if (r == FORT_ENOTFOUND)
		r = fort_error_set(FORT_ECORRUPT, "the vault has no owner: it is damaged");
	return r;
}

struct split {
	size_t n, k;
	store_user u;
	rec_record rec;
	unsigned char *rk, *pt, *y, raw[REC_LEN];
	char **shares;
	gfshare_ctx *g;
};

/* The shares made and the record sealed, in locked memory, before the
 * transaction; only the record is stored. */
static int split_check(fort_vault *v, void *ctx)
{
	struct split *x = ctx;
	size_t n = x->n, k = x->k, adlen;
	unsigned char ad[128], nrs[255];
	char vid[33];
	int r;
	if (k < 2 || k > n || n > 255)
		return fort_error_set(FORT_EINPUT, "recovery shares need 2 <= threshold <= shares <= 255 (got %zu of %zu): "
				      "for example 3 of 5", k, n);
	if ((r = get_owner(&x->u, v)) < 0)
		return r;
	if (x->u.id != v->user_id)
		return fort_error_set(FORT_EDENIED, "only the owner ('%s') can make recovery shares", x->u.name);
	if ((r = vault_id(vid, v)) < 0)
		return r;
	if (!(x->rk = sodium_malloc(RK_LEN)) || !(x->pt = sodium_malloc(OWNER_SECRET_LEN)) || !(x->y = sodium_malloc(RK_LEN)))
		return fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys (raise 'ulimit -l')");
	if (!(x->shares = fort_calloc(n, sizeof *x->shares)))
		return FORT_ENOMEM;
	fort_random(x->rk, RK_LEN);
	memcpy(x->pt, v->kr->box_sk, 32);
	memcpy(x->pt + 32, v->kr->sign_sk, 32); /* the Ed25519 seed */
	x->rec.version = REC_VERSION;
	x->rec.k = (int)k;
	x->rec.n = (int)n;
	x->rec.created = fort_now();
	x->rec.owner = x->u.id;
	fort_random(x->rec.nonce, NONCE_LEN);
	adlen = recovery_ad(ad, vid, &x->rec);
	crypto_aead_xchacha20poly1305_ietf_encrypt(x->rec.ct, NULL, x->pt, OWNER_SECRET_LEN, ad, adlen, NULL, x->rec.nonce, x->rk);
	recovery_encode(x->raw, &x->rec);

	gfshare_fill_rand = recovery_gf_rand;
	for (size_t i = 0; i < n; i++)
		nrs[i] = (unsigned char)(i + 1); /* x coordinates: distinct, never 0 */
	if (!(x->g = gfshare_ctx_init_enc(nrs, (unsigned int)n, (unsigned char)k, RK_LEN)))
		return fort_error_set(FORT_ENOMEM, "cannot split the recovery key (out of memory)");
	gfshare_ctx_enc_setsecret(x->g, x->rk);
	for (size_t i = 0; i < n; i++) {
		gfshare_ctx_enc_getshare(x->g, (unsigned char)i, x->y);
		if ((r = recovery_share_format(&x->shares[i], vid, (int)k, (int)n, nrs[i], x->y)) < 0)
			return r;
	}
	return 0;
}

static int split_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct split *x = ctx;
	int r;
	if ((r = store_meta_put(v->st, REC_META, x->raw, sizeof x->raw)) < 0)
		return r;
	snprintf(detail, cap, "%zu of %zu shares created", x->k, x->n);
	return 0;
}

int fort_recovery_split(char ***shares_out, fort_vault *v, size_t n, size_t k)
{
	static const vault_op op = { "recovery-split", ACT_USERS, split_check, split_write, NULL, NULL, NULL, NULL };
	struct split x;
	int r;

	*shares_out = NULL;
	memset(&x, 0, sizeof x);
	x.n = n;
	x.k = k;
	if ((r = vault_op_run(v, &op, NULL, &x)) == 0) {
		*shares_out = x.shares;
		x.shares = NULL;
	}
	if (x.g)
		gfshare_ctx_free(x.g); /* overwrites its buffers through recovery_gf_rand */
	if (x.rk)
		sodium_free(x.rk);
	if (x.pt)
		sodium_free(x.pt);
	if (x.y)
		sodium_free(x.y);
	sodium_memzero(&x.rec, sizeof x.rec);
	sodium_memzero(x.raw, sizeof x.raw);
	fort_recovery_shares_free(x.shares, n);
	store_user_release(&x.u);
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

/* The restore's transaction: the owner's keyring sealed with the new
 * passphrase, unless a split made meanwhile by another process replaced
 * the record the shares were combined against (RAW). */
struct restore_ctx {
	store_user *u;
	const unsigned char *raw;
	size_t nshares;
	int k, n;
	int stale;  /* refused: a newer split replaced the record */
};

static void (*between_hook)(void *ctx);
static void *between_ctx;

void recovery_restore_test_hook(void (*fn)(void *ctx), void *ctx)
{
	between_hook = fn;
	between_ctx = ctx;
}

static int restore_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct restore_ctx *x = ctx;
	rec_record rec;
	unsigned char now[REC_LEN];
	int r;
	memset(&rec, 0, sizeof rec);
	/* A split made meanwhile by another process wins: these shares are old. */
	if ((r = rec_load(&rec, now, v)) < 0)
		goto out;
	if (sodium_memcmp(x->raw, now, REC_LEN) != 0) {
		x->stale = 1;
		r = fort_error_set(FORT_EAUTH, "new recovery shares were made while restoring: these shares no longer count");
		goto out;
	}
	if ((r = store_user_update_seal(v->st, x->u)) < 0)
		goto out;
	snprintf(detail, cap, "owner passphrase reset with %zu recovery shares (%d-of-%d split)", x->nshares, x->k, x->n);
out:
	sodium_memzero(&rec, sizeof rec);
	sodium_memzero(now, sizeof now);
	return r;
}

/* The refusal above is audited "denied" as every refused sensitive
 * operation is (the scaffold writes it after the rollback), signed: the
 * shares did open the owner's keys, they are only no longer the current
 * split's.  Other failures of the writes (the disk) are no refusal. */
static const char *restore_refused(fort_vault *v, void *ctx, int code, char *detail, size_t cap)
{
	struct restore_ctx *x = ctx;
	(void)v;
	(void)code;
	if (!x->stale)
		return NULL;
	snprintf(detail, cap, "recovery restore refused: new recovery shares were made while restoring "
		 "(%zu shares of the %d-of-%d split before it)", x->nshares, x->k, x->n);
	return "recovery-restore";
}

int fort_recovery_restore(fort_vault *v, const char *const *shares, size_t nshares, const fort_secret *newpass)
{
	store_user u;
	rec_record rec;
	keyring *kr = NULL;
	unsigned char *pt = NULL, raw[REC_LEN];
	char vid[33], detail[128];
	const char *inputs[4], *why = NULL;
	/* no role to check: whoever holds enough shares is the owner (the
	 * handle is unlocked as the owner before the operation runs) */
	static const vault_op op = { "recovery-restore", 0, NULL, restore_write, .refusal = restore_refused };
	struct restore_ctx x;
	int r, unlocked = 0;

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
	if ((r = recovery_combine(pt, vid, &rec, shares, nshares, &why)) < 0) {
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
	if (between_hook)
		between_hook(between_ctx);
	memset(&x, 0, sizeof x);
	x.u = &u;
	x.raw = raw;
	x.nshares = nshares;
	x.k = rec.k;
	x.n = rec.n;
	if ((r = vault_op_run(v, &op, NULL, &x)) < 0)
		goto out;
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
