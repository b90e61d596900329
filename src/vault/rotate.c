/* rotate.c - key rotation: a new version of some keys, every client record
 * re-encrypted under it in batches, then the old versions destroyed.
 *
 * Start (one transaction): new versions are made and sealed to every active
 * user who held the key, and the state ("rotation" in the metadata: the
 * keys, a cursor over client ids, a count) is written.  Batches (one
 * transaction each, cursor included): the fields of rotated categories are
 * decrypted with their old version and encrypted under the current one in a
 * new segment of the record (fields of other categories are carried over
 * untouched), their blind-index entries are recomputed, and with the vault
 * key the client key is re-wrapped.  A kill loses at most the batch in
 * flight; every record stays readable throughout, because each field names
 * its key version and users hold the old versions until the end.  Finish
 * (one transaction): a last sweep over every record (anything written with
 * an old version meanwhile is re-encrypted too), then the old versions'
 * grants are deleted and the rotation is recorded as finished.
 *
 * Within a batch a worker thread decrypts and re-encrypts the clients in
 * order (rotate_prepare: each record checked against its seal, which the
 * batch's read leaves to it, store_client_batch_take; keys, fields, record
 * MAC, the index entries' old and new hashes, and what the store would
 * compute for the writes without
 * the database: seal ids and hashes, the entries' MACs; no database)
 * while the calling thread writes the ones it
 * has finished (rotate_apply: index entries, the record; the store's
 * work), so a rotation uses two cores.  The calling thread writes a run
 * of finished clients at a time: their index entries moved by one
 * store_blind_move_many (a few multi-row statements), then their records. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "vault/vault_int.h"
#include "vault/attach.h"
#include "vault/op.h"
#include "vault/vault_box.h"

/* Clients re-encrypted per transaction by default.  Each commit writes
 * every page its batch dirtied (the records, both index tables, seal_head
 * and seal_log: a client's rows are on pages of their own, spread by its
 * random id and hashes) to the WAL and syncs it: 2,000 a batch took a
 * 20,000-client rotation from 2.41 to 1.74 s of CPU (user + sys) against
 * 500 (bench/README.md, perf16), while a batch still commits within a
 * fraction of a second, well inside another writer's busy timeout (3 s). */
#define ROTATE_BATCH 2000
/* Without a batch size from the caller, a batch that committed in less
 * than ROTATE_BATCH_MS grows for the next (up to ROTATE_BATCH_MAX): on a
 * large vault every commit writes most pages of the index tables again
 * (a batch's entries land all over them), so fewer, larger batches write
 * far less.  A 100,000-client rotation: 66.7 s wall, 4.7 s of system time
 * in batches of 2,000 against 35.6 s and 1.4 s in batches of 10,000
 * (bench/README.md, wt-rot).  A batch still holds the write lock for
 * about ROTATE_BATCH_MS at most, a third of another writer's busy
 * timeout (3 s), and never holds fewer clients than ROTATE_BATCH. */
#define ROTATE_BATCH_MAX 20000
#define ROTATE_BATCH_MS 1000
/* How far the next batch may grow at once: a batch that re-encrypted
 * every client it read measured the rate the next will have (the first,
 * of ROTATE_BATCH, goes to ROTATE_BATCH_MAX in one step when it took a
 * tenth of ROTATE_BATCH_MS or less); one that skipped some (records
 * already current, as in a resumed or repeated run) ran faster than the
 * next may, so that one at most doubles.  Every commit writes most pages
 * of the index tables and their seal heads again (random keys): a
 * 100,000-client rotation that doubled its way up made 8 commits where
 * this makes 6 (bench/README.md, "wt-rot (fourth session)"). */
#define ROTATE_GROW 10

struct rot_state {
	unsigned mask;
	int64_t cursor;
	uint64_t done;
	int64_t started;
};

static int state_get(fort_vault *v, struct rot_state *st)
{
	unsigned char *val = NULL;
	size_t len = 0;
	char buf[160];
	unsigned long long done = 0;
	long long cursor = 0, started = 0;
	unsigned mask = 0;
	int r = store_meta_get(v->st, "rotation", &val, &len);
	memset(st, 0, sizeof *st);
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		return 0;
	}
	if (r < 0)
		return r;
	if (len == 0) {
		free(val);
		return 0;  /* finished: the state is cleared, not deleted */
	}
	if (len >= sizeof buf)
		len = sizeof buf - 1;
	memcpy(buf, val, len);
	buf[len] = '\0';
	free(val);
	if (sscanf(buf, "mask=%u cursor=%lld done=%llu started=%lld", &mask, &cursor, &done, &started) != 4 ||
	    !mask || mask & ~SLOT_ALL)
		return fort_error_set(FORT_ECORRUPT, "the key-rotation state is damaged: restore the vault from a backup");
	st->mask = mask;
	st->cursor = cursor;
	st->done = done;
	st->started = started;
	return 1;
}

static int state_put(fort_vault *v, const struct rot_state *st)
{
	char buf[160];
	int n = 0;
	if (st)
		n = snprintf(buf, sizeof buf, "mask=%u cursor=%lld done=%llu started=%lld", st->mask, (long long)st->cursor,
			     (unsigned long long)st->done, (long long)st->started);
	return store_meta_put(v->st, "rotation", n ? buf : "", (size_t)n);
}

int slot_mask_names(char *out, size_t cap, unsigned mask)
{
	size_t k = 0;
	out[0] = '\0';
	/* the vault key first, then the categories in their usual order */
	if (mask & (1u << SLOT_VK))
		k += (size_t)snprintf(out, cap, "vault");
	for (int i = 0; i < CAT_COUNT && k < cap; i++)
		if (mask & (1u << i))
			k += (size_t)snprintf(out + k, cap - k, "%s%s", k ? "," : "", fort_categories[i]);
	return 0;
}

int rotate_pending(fort_vault *v, unsigned *mask, uint64_t *done)
{
	struct rot_state st;
	int r = state_get(v, &st);
	*mask = r > 0 ? st.mask : 0;
	if (done)
		*done = r > 0 ? st.done : 0;
	return r < 0 ? r : 0;
}

/* ----------------------------------------------------------- start */

struct hold_ctx {
	int slot, found;
};

static int hold_cb(void *ctx, const char *key, int version, const unsigned char *sealed, size_t len)
{
	struct hold_ctx *h = ctx;
	(void)version, (void)sealed, (void)len;
	if (slot_parse(key) == h->slot)
		h->found = 1;
	return 0;
}

struct regrant_ctx {
	fort_vault *v;
	unsigned mask;
};

/* Every active user who held a rotated key gets its new version. */
static int regrant_cb(void *ctx, const store_user *u)
{
	struct regrant_ctx *g = ctx;
	int r;
	if (strcmp(u->status, "active") != 0)
		return 0;
	for (int slot = 0; slot < SLOT_COUNT; slot++) {
		struct hold_ctx h = { slot, 0 };
		if (!(g->mask & (1u << slot)))
			continue;
		if ((r = store_grant_each(g->v->st, u->id, hold_cb, &h)) < 0)
			return r;
		if (h.found && (r = keys_grant_current(g->v->st, u->id, u->box_pk, g->v->kr, slot)) < 0)
			return r;
	}
	return 0;
}

int rotate_start(fort_vault *v, unsigned mask, const char *why)
{
	struct rot_state st;
	struct regrant_ctx g = { v, mask };
	char names[64], detail[300];
	int r;
	if ((r = state_get(v, &st)) < 0)
		return r;
	if (r > 0)
		return fort_error_set(FORT_EBUSY, "a key rotation is already under way: finish it with 'fortress keys rotate --resume'");
	for (int slot = 0; slot < SLOT_COUNT; slot++)
		if ((mask & (1u << slot)) && (r = keys_rotate_slot(v->kr, slot)) < 0)
			return r;
	if ((r = store_user_each(v->st, regrant_cb, &g)) < 0)
		return r;
	if (mask & (1u << SLOT_VK)) {
		/* the map and policy MACs are keyed from the vault key */
		if ((r = map_remac(v)) < 0 || (r = policy_store(v, NULL)) < 0 || (r = vault_box_rewrap(v)) < 0)
			return r;
	}
	if ((r = map_derive_keys(v)) < 0)
		return r;
	{
		/* other processes' handles must reload before they write */
		char ep[24];
		int n;
		if ((r = vault_key_epoch(v, &v->key_epoch)) < 0)
			return r;
		v->key_epoch++;
		n = snprintf(ep, sizeof ep, "%lld", (long long)v->key_epoch);
		if ((r = store_meta_put(v->st, "key_epoch", ep, (size_t)n)) < 0)
			return r;
	}
	st.mask = mask;
	st.cursor = 0;
	st.done = 0;
	st.started = fort_now();
	slot_mask_names(names, sizeof names, mask);
	snprintf(detail, sizeof detail, "keys=%s%s%s", names, why && why[0] ? "; " : "", why ? why : "");
	if ((r = state_put(v, &st)) < 0 || (r = audit_append(v, "rotate-start", "", "", "", "ok", detail)) < 0)
		return r;
	return 0;
}

/* ----------------------------------------------------- re-encryption */

/* The blind-index keys of the versions being replaced, derived once per
 * field and version for the whole run (they depend on neither the client
 * nor the value): KEY[i] for map field i, of version VER[i] - 1 (0: none). */
struct old_bkeys {
	unsigned char *key; /* sodium_malloc'ed: KEY_LEN per map field */
	uint64_t *ver;
	size_t n;
};

static int old_bkey(const unsigned char **out, fort_vault *v, struct old_bkeys *ob, int i, uint32_t kver)
{
	const map_field *mf = &v->map.f[i];
	int r;
	if ((size_t)i >= ob->n)
		return fort_error_set(FORT_ERROR, "field '%s' is not in the data map", mf->name);
	if (ob->ver[i] != (uint64_t)kver + 1) {
		ob->ver[i] = 0;
		if ((r = keys_blind_key(ob->key + (size_t)i * KEY_LEN, v->kr, mf->cat, (int)kver, mf->name)) < 0)
			return r;
		ob->ver[i] = (uint64_t)kver + 1;
	}
	*out = ob->key + (size_t)i * KEY_LEN;
	return 0;
}

/* What a rotation must write for one client: its record and wrapped key
 * (changed in place in the batch's copy) and its index entries moved from
 * the old blind-index key's hash to the new one's.  Computed by the
 * rotation's worker thread (rotate_prepare, no database), written by the
 * calling thread (rotate_apply, no keys but the ones in the store). */
struct rot_item {
	int state;             /* 0 pending, 1 ready (atomic: the worker publishes it) */
	int code;              /* < 0: the worker's error (its message in rot_pool) */
	int changed;           /* the record is to be written */
	store_bidx_move *mv;   /* MAXMV per item, in the pool's array */
	size_t nmv;
	int hashed;            /* HASH is the new record's seal hash */
	unsigned char hash[32];
};

/* Re-encrypt client C's fields of the rotated categories (and re-wrap its
 * key with the vault key) where they are older than the current version:
 * C's data and wrapped key are replaced, IT says what to write.  Touches
 * no database (it runs beside the store's work, on another thread). */
static int rotate_prepare(fort_vault *v, struct old_bkeys *ob, store_client *c, const store_client_seal *seal, unsigned mask,
			  struct rot_item *it_out, size_t maxmv)
{
	unsigned char kc[KEY_LEN], nonce[NONCE_LEN];
	/* field keys are per client and category: derived once per record
	 * (the old version's to decrypt, the current one's to encrypt) */
	unsigned char ok[CAT_COUNT][KEY_LEN], nk[CAT_COUNT][KEY_LEN];
	uint32_t okver[CAT_COUNT];
	unsigned have_ok = 0, have_nk = 0;
	fort_buf fresh, kept;
	rec_iter it;
	rec_field f;
	const unsigned char *last = NULL;
	int r, stale = 0, need_vk, i, nfresh = 0;
	size_t nidx = 0; /* the record's fields that may have index entries */
	char *pt = NULL, *ikey = NULL;
	it_out->changed = 0;
	it_out->nmv = 0;
	it_out->hashed = 0;
	/* the record against its seal, first: the batch's read left that
	 * check to this thread (store_client_batch_take) */
	if ((r = store_client_seal_check(c, seal)) < 0)
		return r;
	need_vk = (mask & (1u << SLOT_VK)) && c->vk_version != v->kr->vk_version;
	if ((r = rec_begin(&it, c->data, c->data_len)) < 0)
		return r;
	while ((r = rec_next(&it, &f)) == 1) {
		if ((i = map_index_id(&v->map, f.id)) >= 0 && (mask & (1u << v->map.f[i].cat)) &&
		    f.kver != (uint32_t)v->kr->ck_version[v->map.f[i].cat])
			stale = 1;
		nidx += i < 0 || v->map.f[i].searchable;
	}
	if (r < 0)
		return r;
	if (!stale && !need_vk)
		return 0;
	fort_buf_init(&fresh, 0);
	fort_buf_init(&kept, 0);
	/* a record that does not authenticate is not re-encoded (re-sealed) */
	if ((r = keys_client_unwrap(kc, v->kr, c->id, c->vk_version, c->wrapped, c->wrapped_len)) < 0 ||
	    (r = rec_verify(v, c, kc, NULL)) < 0)
		goto out;
	if (stale) {
		unsigned char base[NONCE_LEN];
		fort_random(base, sizeof base);
		if ((r = fort_buf_put(&fresh, base, sizeof base)) < 0)
			goto out;
		if ((r = rec_begin(&it, c->data, c->data_len)) < 0)
			goto out;
		while ((r = rec_next(&it, &f)) == 1) {
			const map_field *mf;
			uint32_t cur, len;
			unsigned char hdr[11], *p;
			i = map_index_id(&v->map, f.id);
			if (i < 0 || !(mask & (1u << v->map.f[i].cat)) ||
			    f.kver == (cur = (uint32_t)v->kr->ck_version[v->map.f[i].cat])) {
				if ((r = rec_keep(&kept, &last, &f)) < 0)
					goto out;
				continue;
			}
			mf = &v->map.f[i];
			len = f.ctlen - FIELD_OVERHEAD;
			if (!(pt = fort_malloc(len + 1))) {
				r = FORT_ENOMEM;
				goto out;
			}
			keys_field_nonce(nonce, f.base, f.id);
			if (mf->cat < 0 || mf->cat >= CAT_COUNT) {
				r = fort_error_set(FORT_ECORRUPT, "field '%s' has no category", mf->name);
				goto out;
			}
			if (!(have_ok & (1u << mf->cat)) || okver[mf->cat] != f.kver) {
				if ((r = keys_field_key(ok[mf->cat], v->kr, mf->cat, (int)f.kver, kc, c->id)) < 0)
					goto out;
				okver[mf->cat] = f.kver;
				have_ok |= 1u << mf->cat;
			}
			if ((r = keys_field_decrypt((unsigned char *)pt, ok[mf->cat], c->id, mf->name, f.kver, nonce, f.ct, f.ctlen)) < 0)
				goto out;
			pt[len] = '\0';
			/* the field under the current version, in the fresh segment */
			p = hdr;
			*p++ = (unsigned char)f.id;
			p = rec_put_varint(p, cur);
			p = rec_put_varint(p, f.ctlen);
			if ((r = fort_buf_put(&fresh, hdr, (size_t)(p - hdr))) < 0 || (r = fort_buf_grow(&fresh, f.ctlen)) < 0)
				goto out;
			if (!(have_nk & (1u << mf->cat))) {
				if ((r = keys_field_key(nk[mf->cat], v->kr, mf->cat, 0, kc, c->id)) < 0)
					goto out;
				have_nk |= 1u << mf->cat;
			}
			keys_field_nonce(nonce, (const unsigned char *)fresh.buf, f.id);
			keys_field_encrypt((unsigned char *)fresh.buf + fresh.len, nk[mf->cat], c->id, mf->name, cur, nonce, pt, len);
			fresh.len += f.ctlen;
			nfresh++;
			/* its blind-index entry: out with the old key, in with the new */
			if (mf->searchable && v->has_bkey[i]) {
				store_bidx_move *m;
				const unsigned char *bk = NULL;
				if (it_out->nmv >= maxmv) {
					r = fort_error_set(FORT_ECORRUPT, "field '%s' appears twice in the record", mf->name);
					goto out;
				}
				m = &it_out->mv[it_out->nmv];
				if ((r = type_index_key(&ikey, mf->t, pt)) < 0 || (r = old_bkey(&bk, v, ob, i, f.kver)) < 0)
					goto out;
				keys_blind(m->old_h, bk, ikey, strlen(ikey));
				keys_blind(m->new_h, v->bkeys + (size_t)i * KEY_LEN, ikey, strlen(ikey));
				m->unique = field_unique(v, i);
				m->client = c->id;
				m->prep = 0;
				it_out->nmv++;
				type_index_key_free(&ikey);
			}
			sodium_memzero(pt, len);
			free(pt);
			pt = NULL;
		}
		if (r < 0)
			goto out;
	}
	if (nfresh) {
		unsigned char *nd;
		size_t nl = 0;
		if ((r = fort_buf_put(&fresh, kept.buf, kept.len)) < 0 || (r = rec_seal_buf(&fresh, v, c->id, kc)) < 0)
			goto out;
		if (!(nd = (unsigned char *)fort_buf_detach(&fresh, &nl))) {
			r = FORT_ENOMEM;
			goto out;
		}
		free(c->data);
		c->data = nd;
		c->data_len = nl;
	}
	if (need_vk) {
		unsigned char *w = fort_malloc(WRAPPED_LEN);
		if (!w) {
			r = FORT_ENOMEM;
			goto out;
		}
		if ((r = keys_client_wrap(w, v->kr, c->id, kc)) < 0) {
			free(w);
			goto out;
		}
		free(c->wrapped);
		c->wrapped = w;
		c->wrapped_len = WRAPPED_LEN;
		c->vk_version = v->kr->vk_version;
	}
	/* every field that may have an entry moved (none kept under another
	 * category's key, none the map does not know): the moves are every
	 * entry of the client, so the store may hash its search group from
	 * them (store.h, store_bidx_move.whole) */
	for (size_t k = 0; k < it_out->nmv; k++)
		it_out->mv[k].whole = it_out->nmv == nidx;
	/* what the store would compute without the database, computed
	 * here, beside its work: the entries' seal ids, hashes and MACs,
	 * the record's seal hash */
	if ((r = store_blind_move_prep(v->st, it_out->mv, it_out->nmv)) < 0 ||
	    (r = store_client_update_prep(v->st, c, it_out->hash)) < 0)
		goto out;
	it_out->hashed = r;
	it_out->changed = 1;
	r = 0;
out:
	if (pt) {
		sodium_memzero(pt, f.ctlen - FIELD_OVERHEAD);
		free(pt);
	}
	type_index_key_free(&ikey);
	sodium_memzero(kc, sizeof kc);
	sodium_memzero(ok, sizeof ok);
	sodium_memzero(nk, sizeof nk);
	fort_buf_release(&fresh);
	fort_buf_release(&kept);
	return r;
}

/* Clients whose entries are moved together (store_blind_move_many: the
 * search and unique entries 64 to a statement each; four a client in the
 * default map): one DELETE and one INSERT per index table for what was a
 * DELETE and an INSERT per entry (bench/README.md, "wt-rot (second
 * session)"). */
#define ROT_RUN 32

/* A batch of clients taken out of the query before any is rewritten. */
struct batch {
	store_client *c;
	store_client_seal *seal; /* each record's seal, checked by the worker */
	struct rot_item *it;    /* what to write for each */
	store_bidx_move *mv;    /* maxmv per client */
	store_bidx_move *run;   /* ROT_RUN clients' moves, gathered */
	size_t n, cap, maxmv;
	uint64_t moved;         /* index entries this run moved (each written under the current keys) */
};

/* What rotate_prepare found for clients FROM .. TO - 1, written: their
 * index entries out with the old key's hash and in with the new (all of
 * them at once), then their records.  *AT: the client a failure is about
 * (TO: the entries, which are all of the run's). */
static int rotate_apply(fort_vault *v, struct batch *b, size_t from, size_t to, size_t *at)
{
	size_t n = 0;
	int r;
	*at = to;
	for (size_t i = from; i < to; i++)
		if (b->it[i].changed) {
			memcpy(b->run + n, b->it[i].mv, b->it[i].nmv * sizeof *b->run);
			n += b->it[i].nmv;
		}
	if (n && (r = store_blind_move_many(v->st, b->run, n)) < 0)
		return r;
	for (size_t i = from; i < to; i++)
		if (b->it[i].changed && (r = store_client_update_hashed(v->st, &b->c[i], b->it[i].hashed ? b->it[i].hash : NULL)) < 0) {
			*at = i;
			return r;
		}
	return 0;
}

/* The record is taken, not copied (its buffers are the batch's now); its
 * seal check is the worker's (rotate_prepare). */
static int batch_cb(void *ctx, store_client *c, const store_client_seal *seal)
{
	struct batch *b = ctx;
	b->c[b->n] = *c;
	b->c[b->n].hash = NULL;
	b->seal[b->n] = *seal;
	c->wrapped = c->data = NULL;
	b->n++;
	return 0;
}

static void batch_clear(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		store_client_release(&b->c[i]);
	b->n = 0;
}

/* The worker: decrypts and re-encrypts the batch's clients in order while
 * the calling thread writes the ones before (the store's work is the
 * longer part of a rotated client, so one worker keeps up; bench/README.md,
 * wt-rot).  It stops at its first error (kept with its message for the
 * caller, who reports it in the batch's order) or when told to. */
struct rot_pool {
	fort_vault *v;
	struct batch *b;
	struct old_bkeys *ob;
	unsigned mask;
	pthread_mutex_t lock;
	pthread_cond_t ready;
	int waiting;    /* the caller sleeps on READY (atomic) */
	int cancel;     /* the caller has stopped (atomic) */
	int stopped;    /* the worker has stopped: nothing more is published (atomic) */
	char msg[1024]; /* the worker's error message */
};

static void rot_wake(struct rot_pool *p)
{
	if (__atomic_load_n(&p->waiting, __ATOMIC_SEQ_CST)) {
		pthread_mutex_lock(&p->lock);
		pthread_cond_signal(&p->ready);
		pthread_mutex_unlock(&p->lock);
	}
}

static void *rot_worker(void *arg)
{
	struct rot_pool *p = arg;
	struct batch *b = p->b;
	pthread_setname_np(pthread_self(), "fortress-rotate");
	for (size_t i = 0; i < b->n; i++) {
		struct rot_item *it = &b->it[i];
		int r;
		if (__atomic_load_n(&p->cancel, __ATOMIC_RELAXED))
			break;
		r = rotate_prepare(p->v, p->ob, &b->c[i], &b->seal[i], p->mask, it, b->maxmv);
		if (r < 0) {
			it->code = r;
			snprintf(p->msg, sizeof p->msg, "%s", fort_error_message());
		}
		__atomic_store_n(&it->state, 1, __ATOMIC_SEQ_CST);
		rot_wake(p);
		if (r < 0)
			break;
	}
	__atomic_store_n(&p->stopped, 1, __ATOMIC_SEQ_CST);
	rot_wake(p);
	return NULL;
}

/* Until IT is ready or the worker has stopped (after an error: the items
 * after it are never published). */
static void rot_wait(struct rot_pool *p, struct rot_item *it)
{
	if (__atomic_load_n(&it->state, __ATOMIC_SEQ_CST) || __atomic_load_n(&p->stopped, __ATOMIC_SEQ_CST))
		return;
	pthread_mutex_lock(&p->lock);
	__atomic_store_n(&p->waiting, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&it->state, __ATOMIC_SEQ_CST) && !__atomic_load_n(&p->stopped, __ATOMIC_SEQ_CST))
		pthread_cond_wait(&p->ready, &p->lock);
	__atomic_store_n(&p->waiting, 0, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&p->lock);
}

/* Clients after *CURSOR, at most B->cap of them, re-encrypted; *CURSOR moves. */
static int rotate_some(fort_vault *v, struct old_bkeys *ob, struct batch *b, unsigned mask, int64_t *cursor, uint64_t *changed_n, size_t *seen)
{
	struct rot_pool p;
	pthread_t th;
	size_t i = 0, at = 0, run_end = 0;
	int r;
	batch_clear(b);
	if ((r = store_client_batch_take(v->st, *cursor, b->cap, batch_cb, b)) < 0)
		return r;
	memset(b->it, 0, b->n * sizeof *b->it);
	for (size_t k = 0; k < b->n; k++)
		b->it[k].mv = b->mv + k * b->maxmv;
	memset(&p, 0, sizeof p);
	p.v = v;
	p.b = b;
	p.ob = ob;
	p.mask = mask;
	if (b->n == 0)
		goto done;
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.ready, NULL);
	if (pthread_create(&th, NULL, rot_worker, &p) != 0) {
		r = fort_error_set(FORT_ERROR, "cannot start the key rotation's thread");
		goto destroy;
	}
	while (i < b->n) {
		/* the next run: up to ROT_RUN clients the worker has finished,
		 * in order, up to its first error */
		size_t j = i, end = b->n - i < ROT_RUN ? b->n : i + ROT_RUN;
		rot_wait(&p, &b->it[end - 1]);
		while (j < end && __atomic_load_n(&b->it[j].state, __ATOMIC_SEQ_CST) && b->it[j].code == 0)
			j++;
		if (j == i) {
			/* the worker stopped at this client */
			at = i;
			r = __atomic_load_n(&b->it[i].state, __ATOMIC_SEQ_CST) && b->it[i].code < 0
				    ? fort_error_set(b->it[i].code, "%s", p.msg)
				    : fort_error_set(FORT_ERROR, "the key rotation's thread stopped early");
			break;
		}
		if ((r = rotate_apply(v, b, i, j, &at)) < 0) {
			if (at == j) {
				/* the run's entries: all its clients' */
				run_end = j - 1 > i ? j - 1 : 0;
				at = i;
			}
			break;
		}
		for (; i < j; i++) {
			*changed_n += (uint64_t)b->it[i].changed;
			b->moved += b->it[i].changed ? b->it[i].nmv : 0;
		}
		*cursor = b->c[j - 1].id;
	}
	__atomic_store_n(&p.cancel, 1, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	if (r < 0 && at < b->n) {
		char id[FORT_ID_LEN + 1], last[FORT_ID_LEN + 1];
		client_id_format(id, b->c[at].id);
		if (run_end) {
			/* the run's index entries are written together */
			client_id_format(last, b->c[run_end].id);
			fort_error_prefix("rotating the keys of clients %s to %s", id, last);
		} else {
			fort_error_prefix("rotating the keys of client %s", id);
		}
	}
destroy:
	pthread_cond_destroy(&p.ready);
	pthread_mutex_destroy(&p.lock);
	if (r < 0)
		return r;
done:
	*seen = b->n;
	return 0;
}

/* A run: the batches are steps of one operation (vault_op_step), each its
 * own transaction; the op is kept here because the last batch's write
 * finds that it is the last and makes its entry rotate-finish's. */
struct rot_run {
	vault_op op;
	struct rot_state st;
	struct batch b;
	struct old_bkeys ob;
	uint64_t changed;
	/* FOREIGN: did another connection commit between this run's first
	 * batch and its last?  -1 unknown (a resumed run: records may have been
	 * written before this process began), else store_changed's answer at
	 * the last batch. */
	int first, foreign;
	int gone;      /* another process finished the rotation */
	int finished;  /* this step finished it (committed once the step is) */
	char names[64];
};

/* The finish, in the last batch's transaction (it holds the write lock:
 * nothing commits after this).  A sweep from the start for records written
 * with an old version meanwhile (by a process that opened the vault before
 * the rotation began), then the old versions go.  Only another connection's
 * commit can have written one: a run from the start during which none
 * committed (SQLite's data_version; PostgreSQL counts every audit entry, so
 * it always sweeps) has rotated every record in its batches, and skips the
 * second read of each. */
static int rotate_finish(fort_vault *v, struct rot_run *x, char *detail, size_t cap)
{
	int r;
	size_t seen;
	if (x->foreign == 0 && (x->foreign = store_changed(v->st)) < 0)
		return x->foreign;
	if (x->foreign != 0) {
		int64_t cur = 0;
		do {
			if ((r = rotate_some(v, &x->ob, &x->b, x->st.mask, &cur, &x->changed, &seen)) < 0)
				return r;
		} while (seen == x->b.cap);
	}
	/* attachments' file keys are re-wrapped before the old versions go */
	if ((r = attach_rotate(v, x->st.mask)) < 0)
		return r;
	/* and so are the index entries' MACs keyed by an old vault key.
	 * None is when the tables hold exactly the entries this run's moves
	 * wrote (each under the current key; no two the same row) and no
	 * other connection committed since its first batch: the scan (a step
	 * and a MAC an entry, 9.5k instructions a client; bench/README.md,
	 * "wt-rot (third session)") is skipped.  Any entry the moves did not
	 * write (a field of a category not rotated, one the map does not
	 * know, another writer's) makes the count differ and the scan run. */
	if (x->st.mask & (1u << SLOT_VK)) {
		uint64_t rekeyed = 0, rows = 0;
		if (x->foreign == 0 && (r = store_index_count(v->st, &rows)) < 0)
			return r;
		if ((x->foreign != 0 || rows != x->b.moved) && (r = store_index_mac_rekey(v->st, &rekeyed)) < 0)
			return r;
	}
	for (int slot = 0; slot < SLOT_COUNT; slot++) {
		const int *ver = slot == SLOT_VK ? &v->kr->vk_version : &v->kr->ck_version[slot];
		char name[32];
		if ((x->st.mask & (1u << slot)) && (r = store_grant_del_old(v->st, slot_name(slot, name), *ver)) < 0)
			return r;
	}
	if ((r = state_put(v, NULL)) < 0)
		return r;
	slot_mask_names(x->names, sizeof x->names, x->st.mask);
	snprintf(detail, cap, "keys=%s; %llu records re-encrypted; old key versions destroyed", x->names,
		 (unsigned long long)x->changed);
	x->op.flags &= ~VAULT_OP_SEALED;  /* this step's entry: rotate-finish */
	x->finished = 1;
	return 0;
}

/* One batch: the clients after the cursor re-encrypted and the cursor
 * moved; the last batch (fewer than a batch's clients) finishes. */
static int batch_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct rot_run *x = ctx;
	size_t seen;
	int r;
	if ((r = state_get(v, &x->st)) < 0)
		return r;
	if (r == 0) {
		x->gone = 1;  /* another process finished it: nothing written */
		return 0;
	}
	if (x->first) {
		/* where the file stands at the first batch of a run from the
		 * start (store_changed notes it) */
		x->first = 0;
		if (x->st.cursor == 0 && x->st.done == 0) {
			if ((r = store_changed(v->st)) < 0)
				return r;
			x->foreign = 0;
		}
	}
	if ((r = rotate_some(v, &x->ob, &x->b, x->st.mask, &x->st.cursor, &x->changed, &seen)) < 0)
		return r;
	x->st.done += seen;
	if (seen < x->b.cap)
		return rotate_finish(v, x, detail, cap);
	return state_put(v, &x->st);
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t rotate_next_cap(size_t cap, int64_t ms, int whole)
{
	size_t grow = whole ? ROTATE_GROW : 2;
	size_t want = ms > 0 ? (size_t)((double)cap * ROTATE_BATCH_MS / (double)ms) : cap * grow;
	if (want > cap * grow)
		want = cap * grow;
	if (want > ROTATE_BATCH_MAX)
		want = ROTATE_BATCH_MAX;
	return want < ROTATE_BATCH ? ROTATE_BATCH : want;
}

int rotate_run(fort_vault *v, fort_rotate_report *out, const fort_rotate_opts *o)
{
	/* The role was checked by the caller (fort_keys_rotate, the user
	 * removals and revocations), which started the rotation; the batches
	 * are this operation's steps.  A batch's entry is the "seal" entry its
	 * commit writes for the rows it changed (VAULT_OP_SEALED); the last
	 * batch's is rotate-finish. */
	struct rot_run x;
	uint64_t total = 0;
	size_t room;
	int r, adapt;
	memset(&x, 0, sizeof x);
	x.op = (vault_op){ .action = "rotate", .write = batch_write, .done = "rotate-finish", .flags = VAULT_OP_SEALED };
	x.ob.n = v->map.n;
	x.first = 1;
	x.foreign = -1;
	adapt = !(o && o->batch);
	x.b.cap = adapt ? ROTATE_BATCH : o->batch;
	room = adapt ? ROTATE_BATCH_MAX : x.b.cap;
	for (size_t i = 0; i < v->map.n; i++)
		x.b.maxmv += v->map.f[i].searchable != 0;
	if (!x.b.maxmv)
		x.b.maxmv = 1;
	if (!(x.b.c = fort_calloc(room, sizeof *x.b.c)) || !(x.b.seal = fort_calloc(room, sizeof *x.b.seal)) ||
	    !(x.b.it = fort_calloc(room, sizeof *x.b.it)) ||
	    !(x.b.mv = fort_calloc(room, x.b.maxmv * sizeof *x.b.mv)) || !(x.b.run = fort_calloc(ROT_RUN, x.b.maxmv * sizeof *x.b.run)) ||
	    !(x.ob.ver = fort_calloc(x.ob.n ? x.ob.n : 1, sizeof *x.ob.ver)) ||
	    !(x.ob.key = sodium_malloc((x.ob.n ? x.ob.n : 1) * KEY_LEN))) {
		r = FORT_ENOMEM;
		goto out;
	}
	if ((r = store_client_count(v->st, &total)) < 0)
		goto out;
	/* the batches rewrite the same index pages: checkpointed once, by
	 * the finish's store_checkpoint, or when the WAL is large */
	store_rewrite(v->st, 1);
	for (;;) {
		int64_t t0 = mono_ms();
		uint64_t changed0 = x.changed;
		if ((r = vault_op_step(v, &x.op, NULL, &x)) < 0)
			goto out;
		if (x.gone || x.finished)
			break;
		if (adapt)
			x.b.cap = rotate_next_cap(x.b.cap, mono_ms() - t0, x.changed - changed0 == x.b.n);
		if (o && o->progress)
			o->progress(o->progress_ctx, x.st.done, total > x.st.done ? total : x.st.done);
	}
	if (x.finished) {
		/* the old keys are gone from the file; wipe them from memory too */
		r = store_checkpoint(v->st);
		if (o && o->progress)
			o->progress(o->progress_ctx, x.st.done, x.st.done);
		if (out) {
			snprintf(out->keys, sizeof out->keys, "%s", x.names);
			out->clients += x.changed;
		}
	}
	for (int slot = 0; slot < SLOT_COUNT; slot++)
		keys_drop_old(v->kr, slot, slot == SLOT_VK ? v->kr->vk_version : v->kr->ck_version[slot]);
	{
		/* the store forgets the old vault key's index MAC key too */
		int k = vault_index_keys(v);
		if (r == 0)
			r = k;
	}
out:
	store_rewrite(v->st, 0);
	if (x.b.c)
		batch_clear(&x.b);
	free(x.b.c);
	free(x.b.seal);
	free(x.b.it);
	free(x.b.mv);
	free(x.b.run);
	if (x.ob.key) {
		sodium_memzero(x.ob.key, (x.ob.n ? x.ob.n : 1) * KEY_LEN);
		sodium_free(x.ob.key);
	}
	free(x.ob.ver);
	return r;
}
