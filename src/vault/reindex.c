/* reindex.c - the blind index made again for index version 2 (names,
 * e-mails and text NFC-normalised and case-folded before hashing, see
 * type_index_key) in vaults whose entries were made before.  Run at unlock
 * by a user who holds the key of every searchable field, in batches of
 * clients, each its own transaction with the cursor in meta, so a killed
 * process resumes where it stopped.  Only entries whose key changed are
 * touched: for ASCII and Latin-1 values nothing changes. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "vault/op.h"

#define INDEX_NORM_VERSION "2"
#define REINDEX_BATCH 500

struct rx {
	vault_op op;
	fort_vault *v;
	client_vals cv;
	int64_t last;
	size_t seen;
	uint64_t changed, shared;
};

static int rx_cb(void *ctx, const store_client *c)
{
	struct rx *x = ctx;
	fort_vault *v = x->v;
	char *k1 = NULL, *k2 = NULL;
	int r;

	x->seen++;
	x->last = c->id;
	if ((r = client_decrypt(&x->cv, v, c)) < 0) {
		char id[FORT_ID_LEN + 1];
		client_id_format(id, c->id);
		fort_error_prefix("re-indexing client %s", id);
		return r;
	}
	for (size_t i = 0; i < x->cv.n; i++) {
		unsigned char h1[BIDX_LEN], h2[BIDX_LEN];
		int64_t other = 0;
		if (!x->cv.vals[i] || !v->map.f[i].searchable || !v->has_bkey[i])
			continue;
		if ((r = type_index_key_v1(&k1, v->map.f[i].t, x->cv.vals[i])) < 0 ||
		    (r = type_index_key(&k2, v->map.f[i].t, x->cv.vals[i])) < 0)
			goto out;
		if (strcmp(k1, k2) != 0) {
			keys_blind(h1, v->bkeys + i * KEY_LEN, k1, strlen(k1));
			keys_blind(h2, v->bkeys + i * KEY_LEN, k2, strlen(k2));
			if ((r = store_blind_del(v->st, h1, c->id, field_unique(v, (int)i))) < 0)
				goto out;
			r = store_blind_add(v->st, h2, c->id, field_unique(v, (int)i), &other);
			if (r == FORT_EDUPLICATE) {
				/* two clients whose values now fold alike: both stay findable */
				x->shared++;
				r = store_blind_add(v->st, h2, c->id, 0, NULL);
			}
			if (r < 0)
				goto out;
			x->changed++;
		}
		type_index_key_free(&k1);
		type_index_key_free(&k2);
	}
	r = 0;
out:
	type_index_key_free(&k1);
	type_index_key_free(&k2);
	cvals_clear(&x->cv);
	return r;
}

int vault_index_is_current(fort_vault *v)
{
	unsigned char *val = NULL;
	size_t len = 0;
	int r = store_meta_get(v->st, "index_norm", &val, &len);
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		return 0;
	}
	if (r < 0)
		return r;
	r = len == strlen(INDEX_NORM_VERSION) && memcmp(val, INDEX_NORM_VERSION, len) == 0;
	free(val);
	return r;
}

int vault_index_mark_current(fort_vault *v)
{
	return store_meta_put(v->st, "index_norm", INDEX_NORM_VERSION, strlen(INDEX_NORM_VERSION));
}

/* One batch (a step of the scaffold, VAULT_OP_SEALED): the clients after
 * the cursor, the cursor moved; the batch that finds the end marks the
 * index current and has the operation's entry. */
static int rx_batch(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct rx *x = ctx;
	char cur[32];
	int r;
	x->seen = 0;
	if ((r = store_client_batch(v->st, x->last, REINDEX_BATCH, rx_cb, x)) < 0)
		return r;
	snprintf(cur, sizeof cur, "%lld", (long long)x->last);
	if ((r = store_meta_put(v->st, "index_norm_cursor", cur, strlen(cur))) < 0)
		return r;
	if (x->seen == REINDEX_BATCH)
		return 0;
	snprintf(detail, cap, "blind index version %s (NFC, case folding): %llu entries re-made, %llu now shared by two clients",
		 INDEX_NORM_VERSION, (unsigned long long)x->changed, (unsigned long long)x->shared);
	x->op.flags &= ~VAULT_OP_SEALED;  /* this step's entry: reindex */
	return vault_index_mark_current(v);
}

/* A repair at unlock, like the record and index MAC upgrades: no role to
 * check (the user holds every searchable field's key, or it waits for one
 * who does), no operation of the user's to start; each batch a step. */
int vault_reindex(fort_vault *v, uint64_t *changed)
{
	struct rx x;
	unsigned mask = 0;
	uint64_t done = 0;
	int r;

	*changed = 0;
	if ((r = vault_index_is_current(v)) != 0)
		return r < 0 ? r : 0;
	for (size_t i = 0; i < v->map.n; i++)
		if (v->map.f[i].searchable && !v->has_bkey[i])
			return 0; /* someone who holds every searchable field's key does it */
	if ((r = rotate_pending(v, &mask, &done)) < 0)
		return r;
	if (mask)
		return 0; /* the rotation re-makes entries under new keys: after it */
	memset(&x, 0, sizeof x);
	x.op = (vault_op){ .action = "reindex", .write = rx_batch, .flags = VAULT_OP_SEALED };
	x.v = v;
	if ((r = cvals_init(&x.cv, v)) < 0)
		return r;
	{
		unsigned char *val = NULL;
		size_t len = 0;
		if (store_meta_get(v->st, "index_norm_cursor", &val, &len) == 0) {
			char buf[32];
			snprintf(buf, sizeof buf, "%.*s", (int)(len < 31 ? len : 31), (const char *)val);
			x.last = strtoll(buf, NULL, 10);
			free(val);
		} else {
			fort_error_clear();
		}
	}
	do {
		if ((r = vault_op_step(v, &x.op, NULL, &x)) < 0)
			goto out;
	} while (x.seen == REINDEX_BATCH);
	*changed = x.changed;
	r = 0;
out:
	cvals_release(&x.cv);
	return r;
}
