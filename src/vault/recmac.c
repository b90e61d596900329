/* recmac.c - record format 2 (a record-wide authenticator, client.c) in
 * vaults whose records were written before it.
 *
 * A new vault is marked at creation: every record it will hold carries a
 * trailer.  An older vault's records get theirs at the first unlock, in
 * batches of clients, each its own transaction with the cursor in meta (a
 * killed process resumes where it stopped); every user holds the vault key
 * and so can open every client key, which is all the MAC needs (it covers
 * ciphertexts, not values).  The last batch sets the sealed meta
 * "record_mac" in the transaction of its audit entry ("record-mac"); from
 * then on a record without a trailer is tampering (rec_verify), so nobody
 * can strip trailers to get format 1's leniency back.  A record that does
 * not parse, or whose trailer does not verify, stops the upgrade (the
 * marker stays unset, the unlock goes on and the read of that record
 * refuses it). */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "vault/vault_int.h"

#define RECMAC_VALUE "2"
#define RECMAC_BATCH 500

int vault_records_load(fort_vault *v)
{
	unsigned char *val = NULL;
	size_t len = 0;
	int r;
	v->vault_id_len = 0;
	v->vault_id[0] = '\0';
	v->rec_mac_all = 0;
	if ((r = store_meta_get(v->st, "vault_id", &val, &len)) == 0) {
		if (len >= sizeof v->vault_id) {
			free(val);
			return fort_error_set(FORT_ETAMPER, "the vault id is %zu bytes long: the vault was altered outside Fortress; "
					      "restore the vault from a backup", len);
		}
		memcpy(v->vault_id, val, len);
		v->vault_id[len] = '\0';
		v->vault_id_len = len;
		free(val);
	} else if (r == FORT_ENOTFOUND) {
		fort_error_clear(); /* vaults made before ids: the MAC covers none */
	} else {
		return r;
	}
	val = NULL;
	if ((r = store_meta_get(v->st, "record_mac", &val, &len)) == 0) {
		v->rec_mac_all = len == strlen(RECMAC_VALUE) && memcmp(val, RECMAC_VALUE, len) == 0;
		free(val);
		if (!v->rec_mac_all)
			return fort_error_set(FORT_ECORRUPT, "the vault's record format marker is not one this version knows: "
					      "use a newer Fortress");
	} else if (r == FORT_ENOTFOUND) {
		fort_error_clear();
	} else {
		return r;
	}
	return 0;
}

int vault_records_mark(fort_vault *v)
{
	return store_meta_put(v->st, "record_mac", RECMAC_VALUE, strlen(RECMAC_VALUE));
}

/* The records of one batch, copied out of the query (with their new
 * data) before any is rewritten. */
struct up {
	fort_vault *v;
	store_client c[RECMAC_BATCH];
	size_t n, seen;
	int64_t last;
};

static int up_cb(void *ctx, const store_client *c)
{
	struct up *x = ctx;
	fort_vault *v = x->v;
	unsigned char kc[KEY_LEN];
	store_client *d;
	fort_buf b;
	int r, has = 0;
	x->seen++;
	x->last = c->id;
	if ((r = keys_client_unwrap(kc, v->kr, c->id, c->vk_version, c->wrapped, c->wrapped_len)) < 0 ||
	    (r = rec_verify(v, c, kc, &has)) < 0 || has)
		goto out;
	fort_buf_init(&b, 0);
	if ((r = fort_buf_put(&b, c->data, c->data_len)) < 0 || (r = rec_seal_buf(&b, v, c->id, kc)) < 0) {
		fort_buf_release(&b);
		goto out;
	}
	d = &x->c[x->n];
	memset(d, 0, sizeof *d);
	d->id = c->id;
	d->vk_version = c->vk_version;
	d->created = c->created;
	d->updated = c->updated; /* not a change of the client's data: retention counts from it */
	if (!(d->wrapped = fort_malloc(c->wrapped_len ? c->wrapped_len : 1))) {
		fort_buf_release(&b);
		r = FORT_ENOMEM;
		goto out;
	}
	memcpy(d->wrapped, c->wrapped, c->wrapped_len);
	d->wrapped_len = c->wrapped_len;
	d->data = (unsigned char *)fort_buf_detach(&b, &d->data_len);
	if (!d->data) {
		store_client_release(d);
		r = FORT_ENOMEM;
		goto out;
	}
	x->n++;
	r = 0;
out:
	sodium_memzero(kc, sizeof kc);
	if (r < 0) {
		char id[FORT_ID_LEN + 1];
		client_id_format(id, c->id);
		fort_error_prefix("giving the record of client %s its authenticator", id);
	}
	return r;
}

static void up_clear(struct up *x)
{
	for (size_t i = 0; i < x->n; i++)
		store_client_release(&x->c[i]);
	x->n = 0;
}

int vault_records_upgrade(fort_vault *v, uint64_t *done)
{
	struct up *x;
	int r;
	*done = 0;
	if (v->rec_mac_all || !v->kr)
		return 0;
	if (!(x = fort_calloc(1, sizeof *x)))
		return FORT_ENOMEM;
	x->v = v;
	{
		unsigned char *val = NULL;
		size_t len = 0;
		if (store_meta_get(v->st, "record_mac_cursor", &val, &len) == 0) {
			char buf[32];
			snprintf(buf, sizeof buf, "%.*s", (int)(len < 31 ? len : 31), (const char *)val);
			x->last = strtoll(buf, NULL, 10);
			free(val);
		} else {
			fort_error_clear();
		}
	}
	for (;;) {
		char cur[32], detail[160];
		if ((r = store_begin(v->st)) < 0)
			goto out;
		x->seen = 0;
		if ((r = store_client_batch(v->st, x->last, RECMAC_BATCH, up_cb, x)) < 0)
			goto fail_tx;
		for (size_t i = 0; i < x->n; i++)
			if ((r = store_client_update(v->st, &x->c[i])) < 0)
				goto fail_tx;
		*done += x->n;
		up_clear(x);
		snprintf(cur, sizeof cur, "%lld", (long long)x->last);
		if ((r = store_meta_put(v->st, "record_mac_cursor", cur, strlen(cur))) < 0)
			goto fail_tx;
		if (x->seen < RECMAC_BATCH) {
			snprintf(detail, sizeof detail, "record format %d: %llu records given an authenticator; every record now carries one",
				 REC_FORMAT, (unsigned long long)*done);
			if ((r = vault_records_mark(v)) < 0 || (r = audit_append(v, "record-mac", "", "", "", "ok", detail)) < 0 ||
			    (r = store_commit(v->st)) < 0)
				goto fail_tx;
			v->rec_mac_all = 1;
			break;
		}
		if ((r = store_commit(v->st)) < 0)
			goto fail_tx;
	}
	r = 0;
	goto out;
fail_tx:
	store_rollback(v->st);
out:
	up_clear(x);
	free(x);
	return r;
}
