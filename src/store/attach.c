/* attach.c - the attachment tables (SQLite): only wrapped keys, ciphertext
 * and metadata without personal data (the original path and the SHA-256 are
 * inside the encrypted META). */
#include "store/sqlite_names.h" /* first: this file's store_X are sqlite_store_X (backends.h) */
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "util.h"
#include "store/store.h"
#include "store/sqlite_int.h"

static int prep(sqlite3_stmt **st, store *s, const char *sql)
{
	sqlite3 *db = store_sqlite_db(s);
	int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
	return rc == SQLITE_OK ? 0 : store_sqlite_error(db, rc, "preparing an attachment query");
}

static int run_done(store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st), r = rc == SQLITE_DONE ? 0 : store_sqlite_error(store_sqlite_db(s), rc, what);
	sqlite3_finalize(st);
	return r;
}

static int dup_blob(unsigned char **out, size_t *len, sqlite3_stmt *st, int col)
{
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	*out = fort_malloc(n ? n : 1);
	if (!*out)
		return FORT_ENOMEM;
	if (n)
		memcpy(*out, sqlite3_column_blob(st, col), n);
	*len = n;
	return 0;
}

int store_attach_insert(store *s, store_attachment *a)
{
	sqlite3_stmt *st = NULL;
	int r;
	if ((r = prep(&st, s, "INSERT INTO attachments(id, created, actor, size, cats, kvers, wrapped, meta, header, nchunks)"
			 " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
		return r;
	if (a->id)
		sqlite3_bind_int64(st, 1, a->id);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_int64(st, 2, a->created);
	sqlite3_bind_text(st, 3, a->actor ? a->actor : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)a->size);
	sqlite3_bind_int64(st, 5, a->cats);
	sqlite3_bind_text(st, 6, a->kvers ? a->kvers : "", -1, SQLITE_STATIC);
	/* an empty blob, not NULL, while the row is being filled */
	if (a->wrapped_len)
		sqlite3_bind_blob(st, 7, a->wrapped, (int)a->wrapped_len, SQLITE_STATIC);
	else
		sqlite3_bind_zeroblob(st, 7, 0);
	if (a->meta_len)
		sqlite3_bind_blob(st, 8, a->meta, (int)a->meta_len, SQLITE_STATIC);
	else
		sqlite3_bind_zeroblob(st, 8, 0);
	if (a->header_len)
		sqlite3_bind_blob(st, 9, a->header, (int)a->header_len, SQLITE_STATIC);
	else
		sqlite3_bind_zeroblob(st, 9, 0);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)a->nchunks);
	if ((r = run_done(s, st, "storing an attachment")) < 0)
		return r;
	a->id = sqlite3_last_insert_rowid(store_sqlite_db(s));
	for (size_t i = 0; i < a->nclients; i++) {
		if ((r = prep(&st, s, "INSERT OR IGNORE INTO attachment_clients(att, client) VALUES(?, ?)")) < 0)
			return r;
		sqlite3_bind_int64(st, 1, a->id);
		sqlite3_bind_int64(st, 2, a->clients[i]);
		if ((r = run_done(s, st, "linking an attachment to a client")) < 0)
			return r;
	}
	if (a->nclients)
		store_seal_note(s, "attachment_clients", a->id);
	return 0;
}

/* Set the chunk count once every chunk is in. */
int store_attach_chunk_put(store *s, int64_t att, uint64_t seq, const void *data, size_t len)
{
	sqlite3_stmt *st = NULL;
	int r;
	if ((r = prep(&st, s, "INSERT INTO attachment_chunks(att, seq, data) VALUES(?, ?, ?)")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, att);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	sqlite3_bind_blob(st, 3, data, (int)len, SQLITE_STATIC);
	if ((r = run_done(s, st, "storing an attachment")) < 0)
		return r;
	if ((r = prep(&st, s, "UPDATE attachments SET nchunks = ? WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq + 1);
	sqlite3_bind_int64(st, 2, att);
	return run_done(s, st, "storing an attachment");
}

int store_attach_chunk_get(store *s, int64_t att, uint64_t seq, unsigned char **data, size_t *len)
{
	sqlite3_stmt *st = NULL;
	int r, rc;
	if ((r = prep(&st, s, "SELECT data FROM attachment_chunks WHERE att = ? AND seq = ?")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, att);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = dup_blob(data, len, st, 0);
	else if (rc == SQLITE_DONE)
		r = fort_error_set(FORT_ECORRUPT, "attachment %lld: part %llu is missing: the vault is damaged",
				   (long long)att, (unsigned long long)seq);
	else
		r = store_sqlite_error(store_sqlite_db(s), rc, "reading an attachment");
	sqlite3_finalize(st);
	return r;
}

void store_attach_release(store_attachment *a)
{
	free(a->actor);
	free(a->kvers);
	free(a->wrapped);
	free(a->meta);
	free(a->header);
	free(a->clients);
	memset(a, 0, sizeof *a);
}

static int load_row(store *s, store_attachment *a, sqlite3_stmt *st)
{
	sqlite3_stmt *cs = NULL;
	int r, rc;
	size_t cap = 0;
	memset(a, 0, sizeof *a);
	a->id = sqlite3_column_int64(st, 0);
	a->created = sqlite3_column_int64(st, 1);
	a->size = (uint64_t)sqlite3_column_int64(st, 3);
	a->cats = (unsigned)sqlite3_column_int64(st, 4);
	a->nchunks = (uint64_t)sqlite3_column_int64(st, 9);
	if (!(a->actor = fort_strdup((const char *)sqlite3_column_text(st, 2))) ||
	    !(a->kvers = fort_strdup((const char *)sqlite3_column_text(st, 5)))) {
		r = FORT_ENOMEM;
		goto fail;
	}
	if ((r = dup_blob(&a->wrapped, &a->wrapped_len, st, 6)) < 0 || (r = dup_blob(&a->meta, &a->meta_len, st, 7)) < 0 ||
	    (r = dup_blob(&a->header, &a->header_len, st, 8)) < 0)
		goto fail;
	if ((r = prep(&cs, s, "SELECT client FROM attachment_clients WHERE att = ? ORDER BY client")) < 0)
		goto fail;
	sqlite3_bind_int64(cs, 1, a->id);
	while ((rc = sqlite3_step(cs)) == SQLITE_ROW) {
		if ((r = FORT_ARRAY_GROW(a->clients, a->nclients + 1, cap, 4)) < 0)
			goto fail;
		a->clients[a->nclients++] = sqlite3_column_int64(cs, 0);
	}
	if (rc != SQLITE_DONE) {
		r = store_sqlite_error(store_sqlite_db(s), rc, "reading an attachment's clients");
		goto fail;
	}
	sqlite3_finalize(cs);
	return 0;
fail:
	sqlite3_finalize(cs);
	store_attach_release(a);
	return r;
}

#define ATT_COLS "SELECT id, created, actor, size, cats, kvers, wrapped, meta, header, nchunks FROM attachments"

int store_attach_get(store *s, store_attachment *out, int64_t id)
{
	sqlite3_stmt *st = NULL;
	int r, rc;
	/* the row (key versions, wrapped key, metadata, chunk count) and its
	 * client links are what the audit log vouches for, or nothing is read */
	if ((r = store_seal_require_row(s, "attachments", id)) < 0 ||
	    (r = store_seal_require_row(s, "attachment_clients", id)) < 0)
		return r;
	if ((r = prep(&st, s, ATT_COLS " WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = load_row(s, out, st);
	else if (rc == SQLITE_DONE)
		r = fort_error_set(FORT_ENOTFOUND, "no attachment %lld ('fortress attachment list' shows them)", (long long)id);
	else
		r = store_sqlite_error(store_sqlite_db(s), rc, "reading an attachment");
	sqlite3_finalize(st);
	return r;
}

int store_attach_each(store *s, int64_t client, store_attach_cb cb, void *ctx)
{
	sqlite3_stmt *st = NULL;
	store_attachment a;
	int r, rc;
	/* a list (and erasure's choice of what to shred) depends on every row
	 * and link: both tables are checked whole, once per process */
	if ((r = store_seal_require(s, "attachments")) < 0 || (r = store_seal_require(s, "attachment_clients")) < 0)
		return r;
	if ((r = prep(&st, s, client ? ATT_COLS " WHERE id IN (SELECT att FROM attachment_clients WHERE client = ?) ORDER BY id"
				     : ATT_COLS " ORDER BY id")) < 0)
		return r;
	if (client)
		sqlite3_bind_int64(st, 1, client);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = load_row(s, &a, st)) < 0)
			goto out;
		r = cb(ctx, &a);
		store_attach_release(&a);
		if (r)
			goto out;
	}
	r = rc == SQLITE_DONE ? 0 : store_sqlite_error(store_sqlite_db(s), rc, "listing attachments");
out:
	sqlite3_finalize(st);
	return r;
}

int store_attach_seal(store *s, const store_attachment *a)
{
	sqlite3_stmt *st = NULL;
	int r;
	if ((r = prep(&st, s, "UPDATE attachments SET size = ?, kvers = ?, wrapped = ?, meta = ?, header = ? WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)a->size);
	sqlite3_bind_text(st, 2, a->kvers, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, a->wrapped, (int)a->wrapped_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, a->meta, (int)a->meta_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, a->header, (int)a->header_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, a->id);
	return run_done(s, st, "storing an attachment");
}

int store_attach_rewrap(store *s, int64_t id, const char *kvers, const void *wrapped, size_t len)
{
	sqlite3_stmt *st = NULL;
	int r;
	if ((r = prep(&st, s, "UPDATE attachments SET kvers = ?, wrapped = ? WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, kvers, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, wrapped, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	return run_done(s, st, "re-wrapping an attachment key");
}

int store_attach_delete(store *s, int64_t id)
{
	static const char *const sql[] = {
		"DELETE FROM attachment_chunks WHERE att = ?",
		"DELETE FROM attachment_clients WHERE att = ?",
		"DELETE FROM attachments WHERE id = ?",
	};
	sqlite3_stmt *st = NULL;
	int r;
	for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
		if ((r = prep(&st, s, sql[i])) < 0)
			return r;
		sqlite3_bind_int64(st, 1, id);
		if ((r = run_done(s, st, "removing an attachment")) < 0)
			return r;
	}
	store_seal_note(s, "attachment_clients", id);
	return 0;
}

int store_attach_unlink(store *s, int64_t att, int64_t client)
{
	sqlite3_stmt *st = NULL;
	int r;
	if ((r = prep(&st, s, "DELETE FROM attachment_clients WHERE att = ? AND client = ?")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, att);
	sqlite3_bind_int64(st, 2, client);
	if ((r = run_done(s, st, "unlinking an attachment")) < 0)
		return r;
	store_seal_note(s, "attachment_clients", att);
	return 0;
}
