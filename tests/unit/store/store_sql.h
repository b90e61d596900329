/* store_sql.h - the SQLite store tests' helpers: SQL run straight on the
 * vault file's connection (what someone with sqlite3 does), and a client
 * row put in through the store, index values, a seal flush and commit.  Include after cmocka.h, sqlite3.h,
 * store/store.h and store/sqlite_int.h. */
#ifndef FORT_TEST_STORE_SQL_H
#define FORT_TEST_STORE_SQL_H

#include <string.h>

static inline void raw(store *s, const char *sql)
{
	assert_int_equal(sqlite3_exec(store_sqlite_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
}

/* the first column of the one row SQL gives */
static inline int64_t raw_int(store *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t x;
	assert_int_equal(sqlite3_prepare_v2(store_sqlite_db(s), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	x = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return x;
}

static inline int put_client(store *s, int64_t id, const char *data)
{
	store_client c = { id, 1, (unsigned char *)"wrapped-key-bytes", 17, (unsigned char *)data, strlen(data), 1000, 1000 };
	return store_client_insert(s, &c);
}

/* index value I of kind K (a letter: 'u' unique, 's' search, ...): K's
 * bytes with I at the front */
static inline void val(unsigned char h[STORE_BIDX_LEN], char k, int i)
{
	memset(h, k, STORE_BIDX_LEN);
	memcpy(h, &i, sizeof i);
}

/* the seals' sequence for flush_commit: set back to 1 with each new vault */
static int64_t seq = 1;

static inline void flush_commit(store *s)
{
	unsigned char d[32];
	int any;
	assert_int_equal(store_seal_flush(s, seq++, d, &any), 0);
	assert_int_equal(store_commit(s), 0);
}

#endif
