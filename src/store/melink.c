/* melink.c - the self-service page's one-time sign-in links (SQLite).
 * Nothing here is readable without the self-service keyholder's key: the
 * row's key is a keyed hash of the token, its data AEAD ciphertext made in
 * src/rights/selfservice.c.  Single use is one statement (DELETE ...
 * RETURNING), so two requests with the same link cannot both get it. */
#include "store/sqlite_names.h" /* first: this file's store_X are sqlite_store_X (backends.h) */
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "util.h"
#include "store/signin.h"
#include "store/sqlite_int.h"

#define TOKEN_LEN 32

static int prep(sqlite3_stmt **st, store *s, const char *sql, const char *what)
{
	sqlite3 *db = store_sqlite_db(s);
	int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
	return rc == SQLITE_OK ? 0 : store_sqlite_error(db, rc, what);
}

int store_me_link_put(store *s, const unsigned char *token, int64_t expires, const void *data, size_t len)
{
	sqlite3_stmt *st = NULL;
	int r, rc;
	if ((r = prep(&st, s, "INSERT INTO me_links(token, expires, data) VALUES(?, ?, ?)", "storing a sign-in link")) < 0)
		return r;
	sqlite3_bind_blob(st, 1, token, TOKEN_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, expires);
	sqlite3_bind_blob(st, 3, data, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = 0;
	else if (rc == SQLITE_CONSTRAINT)
		r = fort_error_set(FORT_EEXISTS, "this sign-in link exists already");
	else
		r = store_sqlite_error(store_sqlite_db(s), rc, "storing a sign-in link");
	sqlite3_finalize(st);
	return r;
}

int store_me_link_take(store *s, const unsigned char *token, int64_t *expires, unsigned char **data, size_t *len)
{
	sqlite3_stmt *st = NULL;
	int r, rc;
	*data = NULL;
	*len = 0;
	*expires = 0;
	if ((r = prep(&st, s, "DELETE FROM me_links WHERE token = ? RETURNING expires, data", "using a sign-in link")) < 0)
		return r;
	sqlite3_bind_blob(st, 1, token, TOKEN_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 1);
		*expires = sqlite3_column_int64(st, 0);
		if (!(*data = fort_malloc(n ? n : 1))) {
			r = FORT_ENOMEM;
		} else {
			if (n)
				memcpy(*data, sqlite3_column_blob(st, 1), n);
			*len = n;
			r = 0;
		}
		/* run the statement to its end: the delete happens there */
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		if (rc != SQLITE_DONE && r == 0) {
			r = store_sqlite_error(store_sqlite_db(s), rc, "using a sign-in link");
			free(*data);
			*data = NULL;
			*len = 0;
		}
	} else if (rc == SQLITE_DONE) {
		r = FORT_ENOTFOUND;
	} else {
		r = store_sqlite_error(store_sqlite_db(s), rc, "using a sign-in link");
	}
	sqlite3_finalize(st);
	return r;
}

int store_me_link_prune(store *s, int64_t before)
{
	sqlite3_stmt *st = NULL;
	int r, rc;
	if ((r = prep(&st, s, "DELETE FROM me_links WHERE expires < ?", "removing expired sign-in links")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, before);
	rc = sqlite3_step(st);
	r = rc == SQLITE_DONE ? 0 : store_sqlite_error(store_sqlite_db(s), rc, "removing expired sign-in links");
	sqlite3_finalize(st);
	return r;
}
