/* intake_key.c - the vault's X25519 intake key pair (issue 18, DESIGN.md
 * "Write-only intake").  The public half is a sealed vault detail (meta
 * "intake_pk", written in an audited transaction): anyone who may submit
 * a form seals to it and can read nothing back.  The secret half is a
 * grant named "intake", sealed (crypto_box_seal) to the public key of
 * each active user whose role allows "intake", exactly as the category
 * keys are handed out; the keyring loader ignores it (not a slot), and
 * only the intake code opens it, into sodium_malloc'ed memory. */
#include <string.h>
#include <sodium.h>
#include "vault/vault_int.h"

#define GRANT "intake"

int intake_pk_get(fort_vault *v, unsigned char pk[32])
{
	unsigned char *val = NULL;
	size_t len = 0;
	int r = store_meta_get(v->st, "intake_pk", &val, &len);
	if (r == FORT_ENOTFOUND)
		return fort_error_set(FORT_ENOTFOUND, "this vault has no intake key yet: 'fortress intake create' makes it");
	if (r < 0)
		return r;
	if (len != crypto_box_PUBLICKEYBYTES) {
		free(val);
		return fort_error_set(FORT_ETAMPER, "the intake public key is damaged: the vault was altered; restore it from a backup");
	}
	memcpy(pk, val, 32);
	free(val);
	return 0;
}

struct open_ctx { fort_vault *v; unsigned char *sk; int found, r; };

static int open_cb(void *ctx, const char *key, int version, const unsigned char *sealed, size_t len)
{
	struct open_ctx *o = ctx;
	(void)version;
	if (strcmp(key, GRANT) != 0)
		return 0;
	o->found = 1;
	if (len != crypto_box_SEALBYTES + crypto_box_SECRETKEYBYTES ||
	    crypto_box_seal_open(o->sk, sealed, len, o->v->kr->box_pk, o->v->kr->box_sk) != 0) {
		o->r = fort_error_set(FORT_ETAMPER, "the grant of the intake key does not open with this user's key: the vault was altered");
		return 1;
	}
	return 1;
}

int intake_key_secret(unsigned char **sk_out, fort_vault *v)
{
	unsigned char pk[32], check[32];
	struct open_ctx o;
	int r;
	*sk_out = NULL;
	if ((r = vault_need_unlocked(v)) < 0 || (r = intake_pk_get(v, pk)) < 0)
		return r;
	memset(&o, 0, sizeof o);
	o.v = v;
	if (!(o.sk = sodium_malloc(crypto_box_SECRETKEYBYTES)))
		return fort_error_set(FORT_ENOMEM, "out of memory");
	if ((r = store_grant_each(v->st, v->user_id, open_cb, &o)) < 0)
		goto fail;
	if (o.r < 0) {
		r = o.r;
		goto fail;
	}
	if (!o.found) {
		r = fort_error_set(FORT_EDENIED, "you do not hold the intake key: ask an owner to run 'fortress role grant %s intake' "
				   "(or, if your role allows intake already, to give it again with 'fortress intake create')",
				   v->role ? v->role : "ROLE");
		goto fail;
	}
	/* the secret half must match the sealed public half */
	crypto_scalarmult_base(check, o.sk);
	if (sodium_memcmp(check, pk, 32) != 0) {
		r = fort_error_set(FORT_ETAMPER, "your intake key does not match the vault's intake public key: the vault was altered");
		goto fail;
	}
	*sk_out = o.sk;
	return 0;
fail:
	sodium_free(o.sk);
	return r;
}

static int grant_one(fort_vault *v, int64_t user, const unsigned char box_pk[32], const unsigned char *sk)
{
	unsigned char sealed[crypto_box_SEALBYTES + crypto_box_SECRETKEYBYTES];
	if (crypto_box_seal(sealed, sk, crypto_box_SECRETKEYBYTES, box_pk) != 0)
		return fort_error_set(FORT_ERROR, "sealing the intake key failed");
	return store_grant_put(v->st, user, GRANT, 1, sealed, sizeof sealed);
}

struct all_ctx { fort_vault *v; const unsigned char *sk; };

static int all_cb(void *ctx, const store_user *u)
{
	struct all_ctx *a = ctx;
	const role_def *rd;
	if (strcmp(u->status, "active") != 0 || !(rd = role_find(&a->v->roles, u->role)) || !(rd->acts & ACT_INTAKE))
		return 0;
	return grant_one(a->v, u->id, u->box_pk, a->sk);
}

int intake_key_ensure(fort_vault *v, int *created)
{
	unsigned char pk[32], *sk = NULL;
	struct all_ctx a;
	int r = intake_pk_get(v, pk);
	*created = 0;
	if (r == 0) {
		/* there is one: hand it to those of the role who lack it (a
		 * user added by someone who did not hold it) */
		if ((r = intake_key_secret(&sk, v)) < 0)
			return r;
	} else if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		if (!(sk = sodium_malloc(crypto_box_SECRETKEYBYTES)))
			return fort_error_set(FORT_ENOMEM, "out of memory");
		crypto_box_keypair(pk, sk);
		if ((r = store_meta_put(v->st, "intake_pk", pk, sizeof pk)) < 0)
			goto out;
		*created = 1;
	} else {
		return r;
	}
	a.v = v;
	a.sk = sk;
	r = store_user_each(v->st, all_cb, &a);
out:
	sodium_free(sk);
	return r;
}

int intake_key_grant(fort_vault *v, int64_t user, const unsigned char box_pk[32])
{
	unsigned char pk[32], *sk = NULL;
	int r = intake_pk_get(v, pk);
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		return 0; /* no intake key yet: the first form hands it out */
	}
	if (r < 0)
		return r;
	if (!(v->acts & ACT_INTAKE))
		return 0; /* the granting user cannot hand out what they do not hold */
	if ((r = intake_key_secret(&sk, v)) < 0) {
		if (r != FORT_EDENIED)
			return r;
		fort_error_clear();
		return 0;
	}
	r = grant_one(v, user, box_pk, sk);
	sodium_free(sk);
	return r;
}

int intake_key_drop(fort_vault *v, int64_t user)
{
	return store_grant_del(v->st, user, GRANT);
}

static int drop_cb(void *ctx, const store_user *u)
{
	fort_vault *v = ctx;
	return store_grant_del(v->st, u->id, GRANT);
}

int intake_key_replace(unsigned char pk_out[32], unsigned char **sk_out, fort_vault *v)
{
	unsigned char *sk;
	struct all_ctx a;
	int r;
	*sk_out = NULL;
	if (!(sk = sodium_malloc(crypto_box_SECRETKEYBYTES)))
		return fort_error_set(FORT_ENOMEM, "out of memory");
	crypto_box_keypair(pk_out, sk);
	a.v = v;
	a.sk = sk;
	if ((r = store_meta_put(v->st, "intake_pk", pk_out, 32)) < 0 || (r = store_user_each(v->st, drop_cb, v)) < 0 ||
	    (r = store_user_each(v->st, all_cb, &a)) < 0) {
		sodium_free(sk);
		return r;
	}
	*sk_out = sk;
	return 0;
}
