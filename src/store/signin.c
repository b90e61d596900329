/* signin.c - the sign-in tables (SQLite): the encrypted second factor of
 * each user and the failed-sign-in throttle.  No secret reaches them in
 * clear: the TOTP blob is AEAD ciphertext made in src/auth/totp.c. */
#include "store/sqlite_names.h" /* first: this file's store_X are sqlite_store_X (backends.h) */
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "util.h"
#include "store/signin.h"
#include "store/sqlite_int.h"

/* the backend's one error mapper (sqlite_int.h) */
static int sq_err(sqlite3 *db, int rc, const char *what)
{
	return store_sqlite_error(db, rc, what);
}

static int prep(sqlite3_stmt **st, store *s, const char *sql, const char *what)
{
	sqlite3 *db = store_sqlite_db(s);
	int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
	return rc == SQLITE_OK ? 0 : sq_err(db, rc, what);
}

static int run_done(store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st), r = rc == SQLITE_DONE ? 0 : sq_err(store_sqlite_db(s), rc, what);
	sqlite3_finalize(st);
	return r;
}

int store_totp_get(store *s, int64_t user, unsigned char **data, size_t *len)
{
	sqlite3_stmt *st = NULL;
	int r, rc;
	*data = NULL;
	*len = 0;
	/* against its seal first: an older blob put back (a used code good
	 * again), or one removed, is tampering */
	if ((r = store_seal_require_row(s, "user_totp", user)) < 0)
		return r;
	if ((r = prep(&st, s, "SELECT data FROM user_totp WHERE user_id = ?", "reading a second factor")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, user);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		if (!(*data = fort_malloc(n ? n : 1))) {
			r = FORT_ENOMEM;
		} else {
			if (n)
				memcpy(*data, sqlite3_column_blob(st, 0), n);
			*len = n;
			r = 0;
		}
	} else if (rc == SQLITE_DONE) {
		r = FORT_ENOTFOUND;
	} else {
		r = sq_err(store_sqlite_db(s), rc, "reading a second factor");
	}
	sqlite3_finalize(st);
	return r;
}

int store_totp_put(store *s, int64_t user, const void *data, size_t len, int64_t created)
{
	sqlite3_stmt *st = NULL;
	int r;
	if ((r = prep(&st, s, "INSERT INTO user_totp(user_id, data, created) VALUES(?, ?, ?)"
			 " ON CONFLICT(user_id) DO UPDATE SET data = excluded.data, created = excluded.created",
		      "storing a second factor")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, user);
	sqlite3_bind_blob(st, 2, data, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, created);
	return run_done(s, st, "storing a second factor");
}

int store_totp_del(store *s, int64_t user)
{
	sqlite3_stmt *st = NULL;
	int r;
	if ((r = prep(&st, s, "DELETE FROM user_totp WHERE user_id = ?", "removing a second factor")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, user);
	return run_done(s, st, "removing a second factor");
}

int store_throttle_get(store *s, const char *key, int64_t *failures, int64_t *last)
{
	sqlite3_stmt *st = NULL;
	int r, rc;
	*failures = *last = 0;
	if ((r = prep(&st, s, "SELECT failures, last FROM signin_throttle WHERE k = ?", "reading failed sign-ins")) < 0)
		return r;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*failures = sqlite3_column_int64(st, 0);
		*last = sqlite3_column_int64(st, 1);
	}
	r = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_err(store_sqlite_db(s), rc, "reading failed sign-ins");
	sqlite3_finalize(st);
	return r;
}

int store_throttle_fail(store *s, const char *key, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int r;
	if ((r = prep(&st, s, "INSERT INTO signin_throttle(k, failures, last) VALUES(?, 1, ?)"
			 " ON CONFLICT(k) DO UPDATE SET failures = failures + 1, last = excluded.last",
		      "recording a failed sign-in")) < 0)
		return r;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	return run_done(s, st, "recording a failed sign-in");
}

int store_throttle_clear(store *s, const char *key)
{
	sqlite3_stmt *st = NULL;
	int r;
	if ((r = prep(&st, s, "DELETE FROM signin_throttle WHERE k = ?", "clearing failed sign-ins")) < 0)
		return r;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	return run_done(s, st, "clearing failed sign-ins");
}

int store_signin_failures(store *s, int64_t since, uint64_t *n, int64_t *last)
{
	sqlite3_stmt *st = NULL;
	int r, rc;
	*n = 0;
	*last = 0;
	if ((r = prep(&st, s, "SELECT coalesce(sum(ts >= ?), 0), coalesce(max(ts), 0) FROM audit"
			 " WHERE action = 'signin-failed' OR (action = 'unlock-failed' AND detail LIKE 'sign-in%')",
		      "counting failed sign-ins")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, since);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*n = (uint64_t)sqlite3_column_int64(st, 0);
		*last = sqlite3_column_int64(st, 1);
	}
	r = rc == SQLITE_ROW ? 0 : sq_err(store_sqlite_db(s), rc, "counting failed sign-ins");
	sqlite3_finalize(st);
	return r;
}
