/* test_seal.c - the store's seals (src/store/sqlite.c): every change to a
 * sealed table must be sealed by an audit entry of its transaction or the
 * transaction fails; a sealed row changed, swapped or removed in the file is
 * refused when read; the digest of an entry's seals is what it wrote. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-seal-XXXXXX"
#include "fixture.h"
#include "store/store.h"
#include "store/sqlite_int.h" /* the attacker edits the file on the same connection */
#include "store_sql.h"

#define SEAL_ROWID_T(seq, i) (((int64_t)(seq) << 32) + (int64_t)(i))

static store *fresh(const char *name)
{
	store *s = NULL;
	assert_int_equal(store_open(&s, path_of(name), 1), 0);
	return s;
}

/* the hook an audit entry would be: seal what is pending under SEQ */
static int64_t next_seq = 100;
static int flush_hook(void *ctx)
{
	unsigned char d[32];
	int any;
	(void)ctx;
	return store_seal_flush(ctx ? ctx : NULL, next_seq++, d, &any);
}

static void test_unsealed_write_fails_closed(void **state)
{
	(void)state;
	store *s = fresh("closed.db");
	uint64_t n = 9;
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(put_client(s, 7, "fields"), 0);
	assert_int_equal(store_seal_pending(s), 1);
	/* no audit entry, no hook: the change does not happen */
	assert_int_equal(store_commit(s), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "without an audit entry"));
	assert_int_equal(store_client_count(s, &n), 0);
	assert_int_equal(n, 0);
	/* with a hook that seals, it does */
	store_set_commit_hook(s, flush_hook, s);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(put_client(s, 7, "fields"), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_client_count(s, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_seal_count(s, &n), 0);
	assert_int_equal(n, 1);
	store_close(s);
}

static void test_digest_is_what_was_written(void **state)
{
	(void)state;
	store *s = fresh("digest.db");
	unsigned char d[32], again[32];
	uint64_t n = 0;
	int any = 0;
	const unsigned char h[STORE_BIDX_LEN] = "0123456789abcdef";
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_seal_flush(s, 1, d, &any), 0);
	assert_int_equal(any, 0);
	assert_int_equal(put_client(s, 5, "a"), 0);
	assert_int_equal(put_client(s, 6, "b"), 0);
	assert_int_equal(store_blind_add(s, h, 5, 1, NULL), 0);
	assert_int_equal(store_seal_flush(s, 1, d, &any), 0);
	assert_int_equal(any, 1);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_seal_digest(s, 1, again, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(d, again, 32);
	/* a seal edited in the file changes the digest: the log is packed
	 * (migration 21), the entry's third seal (clients 5, 6, uniq) is the
	 * blob's third tuple, its hash at bytes 2 * 41 + 9 .. + 31 */
	assert_int_equal(raw_int(s, "SELECT count(*) FROM seal_rows WHERE rowid = (1 << 32) + 2 AND tbl = 'uniq'"), 1);
	raw(s, "UPDATE seal_log SET seals = CAST(substr(seals, 1, 91) || zeroblob(32) || substr(seals, 124) AS BLOB)");
	assert_int_equal(raw_int(s, "SELECT length(seals) FROM seal_log"), 3 * 41);
	assert_int_equal(store_seal_digest(s, 1, again, &n), 0);
	assert_memory_not_equal(d, again, 32);
	store_close(s);
}

static int count_cb(void *ctx, const store_seal_check *c)
{
	int *k = ctx;
	k[c->state]++;
	return 0;
}

/* A change of many rows (an import of a million clients) does not hold
 * every changed row in memory until its audit entry: past a batch the hook
 * seals those so far, in the same transaction, and every row ends sealed. */
static int flushes;
static int counting_hook(void *ctx)
{
	flushes++;
	return flush_hook(ctx);
}

static void test_large_change_sealed_in_batches(void **state)
{
	(void)state;
	store *s = fresh("batches.db");
	const int n = 100000;
	size_t most = 0;
	uint64_t sealed = 0, count = 0;
	store_set_commit_hook(s, counting_hook, s);
	flushes = 0;
	assert_int_equal(store_begin(s), 0);
	for (int i = 1; i <= n; i++) {
		assert_int_equal(put_client(s, i, "fields"), 0);
		if (store_seal_pending(s) > most)
			most = store_seal_pending(s);
	}
	/* bounded: far fewer pending than rows changed, and sealed on the way */
	assert_true(most < (size_t)n / 2);
	assert_true(flushes >= 2);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_client_count(s, &count), 0);
	assert_int_equal(count, (uint64_t)n);
	assert_int_equal(store_seal_count(s, &sealed), 0);
	assert_int_equal(sealed, (uint64_t)n);
	/* a rollback takes the batches' seals back with the rows */
	assert_int_equal(store_begin(s), 0);
	for (int i = n + 1; i <= 2 * n; i++)
		assert_int_equal(put_client(s, i, "fields"), 0);
	store_rollback(s);
	assert_int_equal(store_client_count(s, &count), 0);
	assert_int_equal(count, (uint64_t)n);
	assert_int_equal(store_seal_count(s, &sealed), 0);
	assert_int_equal(sealed, (uint64_t)n);
	store_close(s);
}

/* Each seal's rowid is its entry's seq << 32 plus its place in the entry's
 * (table, id) order (migration 10; store_seal_digest reads an entry's seals
 * by that range), as seal_rows shows the packed log (migration 21): a
 * seal_log row per 64 seals at places 0, 64, 128 ... of the entry, the last
 * one shorter; also when a row put into the log above the entry's range
 * with sqlite3 is there (the row is the log's odd one out that `audit
 * verify` counts). */
static void test_log_rowids(void **state)
{
	(void)state;
	store *s = fresh("rowids.db");
	const unsigned char h[STORE_BIDX_LEN] = "0123456789abcdef";
	static const char *const misplaced =
		"SELECT count(*) FROM (SELECT rowid AS r, seq, row_number() OVER (PARTITION BY seq ORDER BY tbl, id) - 1 AS i"
		" FROM seal_rows) WHERE r <> (seq << 32) + i";
	unsigned char d[32], again[32];
	uint64_t n = 0;
	int any = 0;
	/* 3 statements of 64 seals and 13 one by one, two tables; then fewer
	 * than 64 (one by one only); then 64 exactly */
	static const int rows[] = { 205, 40, 64 };
	for (int round = 0; round < 3; round++) {
		int64_t sq = 7 + round;
		assert_int_equal(store_begin(s), 0);
		for (int i = 1; i <= rows[round]; i++)
			assert_int_equal(put_client(s, round * 1000 + i, "fields"), 0);
		if (round == 0)
			assert_int_equal(store_blind_add(s, h, 5, 1, NULL), 0);
		assert_int_equal(store_seal_flush(s, sq, d, &any), 0);
		assert_int_equal(store_commit(s), 0);
		assert_int_equal(store_seal_digest(s, sq, again, &n), 0);
		assert_int_equal(n, (uint64_t)rows[round] + (round == 0));
		assert_memory_equal(d, again, 32);
		assert_int_equal(raw_int(s, misplaced), 0);
		{
			char sql[256];
			int64_t nseal = rows[round] + (round == 0);
			snprintf(sql, sizeof sql,
				 "SELECT count(*), sum((rowid - (%lld << 32)) %% 64 = 0), sum(length(seals) = 41 * 64) FROM seal_log WHERE seq = %lld",
				 (long long)sq, (long long)sq);
			assert_int_equal(raw_int(s, sql), (nseal + 63) / 64);
			snprintf(sql, sizeof sql, "SELECT sum((rowid - (%lld << 32)) %% 64 = 0) FROM seal_log WHERE seq = %lld", (long long)sq,
				 (long long)sq);
			assert_int_equal(raw_int(s, sql), (nseal + 63) / 64);
			snprintf(sql, sizeof sql, "SELECT sum(length(seals)) FROM seal_log WHERE seq = %lld", (long long)sq);
			assert_int_equal(raw_int(s, sql), nseal * 41);
		}
	}
	/* a row put in above every entry's range: the next entry's seals still
	 * go in under their own rowids, not after it */
	raw(s, "INSERT INTO seal_log(rowid, seq, seals) VALUES(1000 << 32, 1000, zeroblob(41))");
	assert_int_equal(store_begin(s), 0);
	for (int i = 1; i <= 130; i++)
		assert_int_equal(put_client(s, 5000 + i, "fields"), 0);
	assert_int_equal(store_seal_flush(s, 20, d, &any), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_seal_digest(s, 20, again, &n), 0);
	assert_int_equal(n, 130);
	assert_memory_equal(d, again, 32);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM seal_rows WHERE seq = 20 AND rowid BETWEEN 20 << 32 AND (20 << 32) + 129"), 130);
	store_close(s);
}

static void test_reads_refuse_what_the_seals_do_not_vouch_for(void **state)
{
	(void)state;
	store *s = fresh("reads.db");
	store_client c;
	unsigned char d[32];
	int any, k[4] = { 0 };
	int64_t ids[4];
	size_t n = 0;
	const unsigned char ha[STORE_BIDX_LEN] = "aaaaaaaaaaaaaaaa", hb[STORE_BIDX_LEN] = "bbbbbbbbbbbbbbbb";
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(put_client(s, 5, "five"), 0);
	assert_int_equal(put_client(s, 6, "six"), 0);
	assert_int_equal(store_blind_add(s, ha, 5, 1, NULL), 0);
	assert_int_equal(store_blind_add(s, hb, 6, 1, NULL), 0);
	assert_int_equal(store_seal_flush(s, 1, d, &any), 0);
	assert_int_equal(store_commit(s), 0);
	store_seal_enforce(s, 1);

	assert_int_equal(store_client_get(s, &c, 5), 0);
	store_client_release(&c);
	assert_int_equal(store_blind_find(s, ha, 1, ids, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], 5);

	/* a record cut short, its time moved */
	raw(s, "UPDATE clients SET data = x'66' WHERE id = 5");
	assert_int_equal(store_client_get(s, &c, 5), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "client 5"));
	raw(s, "UPDATE clients SET data = CAST('five' AS BLOB), updated = 1 WHERE id = 5");
	assert_int_equal(store_client_get(s, &c, 5), FORT_ETAMPER);
	raw(s, "UPDATE clients SET updated = 1000 WHERE id = 5");
	assert_int_equal(store_client_get(s, &c, 5), 0);
	store_client_release(&c);
	/* the record's seal head, read in the record's own statement: changed,
	 * removed, or a record added with none */
	raw(s, "CREATE TABLE keep AS SELECT * FROM seal_head_clients WHERE id = 5");
	raw(s, "UPDATE seal_head_clients SET hash = x'01' || zeroblob(31) WHERE id = 5");
	assert_int_equal(store_client_get(s, &c, 5), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "does not match"));
	raw(s, "DELETE FROM seal_head_clients WHERE id = 5");
	assert_int_equal(store_client_get(s, &c, 5), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "not recorded"));
	raw(s, "INSERT INTO seal_head_clients SELECT * FROM keep");
	raw(s, "DROP TABLE keep");
	assert_int_equal(store_client_get(s, &c, 5), 0);
	store_client_release(&c);
	raw(s, "INSERT INTO clients(id, vk_version, wrapped, data, created, updated) SELECT 7, vk_version, wrapped, data, created, updated FROM clients WHERE id = 5");
	assert_int_equal(store_client_get(s, &c, 7), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "client 7"));
	raw(s, "DELETE FROM clients WHERE id = 7");

	/* index entries swapped between clients */
	raw(s, "UPDATE uniq SET client = CASE client WHEN 5 THEN 6 ELSE 5 END");
	assert_int_equal(store_blind_find(s, ha, 1, ids, 4, &n), FORT_ETAMPER);
	raw(s, "UPDATE uniq SET client = CASE client WHEN 5 THEN 6 ELSE 5 END");
	/* a unique entry removed: no duplicate gets in, the search says why */
	raw(s, "DELETE FROM uniq WHERE client = 6");
	assert_int_equal(store_blind_find(s, hb, 1, ids, 4, &n), FORT_ETAMPER);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_blind_add(s, hb, 9, 1, NULL), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "unique-index entry"));
	store_rollback(s);
	/* a record removed is not "no such client" */
	raw(s, "DELETE FROM clients WHERE id = 6");
	assert_int_equal(store_client_get(s, &c, 6), FORT_ETAMPER);

	assert_int_equal(store_seal_scan(s, "clients", count_cb, k), 0);
	assert_int_equal(k[STORE_SEAL_REMOVED], 1);
	assert_int_equal(store_seal_scan(s, "uniq", count_cb, k), 0);
	assert_int_equal(k[STORE_SEAL_REMOVED], 2);
	store_close(s);
}

static int hold_cb(void *ctx, int64_t client, const char *field, const char *until, const char *reason, int64_t request)
{
	(void)client; (void)field; (void)until; (void)reason; (void)request;
	(*(int *)ctx)++;
	return 0;
}

/* Legal holds are sealed as one group per client (WITHOUT ROWID: the
 * update hook never sees them): a hold moved, removed or added in the file
 * is refused before the holds are read, and a group removed whole is named. */
/* Does entry SEQ's packed log still vouch for digest D? */
static int vouches(store *s, int64_t sq, const unsigned char d[32])
{
	unsigned char again[32];
	uint64_t n = 0;
	assert_int_equal(store_seal_digest(s, sq, again, &n), 0);
	return n > 0 && memcmp(again, d, 32) == 0;
}

/* The packed log (migration 21) edited outside Fortress: whatever its rows
 * hold, reading an entry's seals (store_seal_digest), counting them
 * (store_seal_count, what `audit verify` sets against the entries' sum) and
 * the log a row per seal (seal_rows, the heads' check) never crash, and an
 * edit that changes which seals the log holds makes an entry's digest
 * differ or the count (each case says which); an order of one entry's
 * seals changed inside a row is not a change of what it says (as the log
 * of a row per seal read in (table, id) order). */
static void test_packed_log_damage(void **state)
{
	(void)state;
	store *s = fresh("damage.db");
	unsigned char d7[32], d8[32];
	uint64_t n = 0;
	int any = 0, ntables = 0;
	char unknown[160];
	while (store_seal_table((size_t)ntables))
		ntables++;
	/* entry 7: 100 clients (rows of 64 and 36 seals); entry 8: 3 */
	assert_int_equal(store_begin(s), 0);
	for (int i = 1; i <= 100; i++)
		assert_int_equal(put_client(s, i, "fields"), 0);
	assert_int_equal(store_seal_flush(s, 7, d7, &any), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_begin(s), 0);
	for (int i = 201; i <= 203; i++)
		assert_int_equal(put_client(s, i, "fields"), 0);
	assert_int_equal(store_seal_flush(s, 8, d8, &any), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM seal_log"), 3);
	assert_true(vouches(s, 7, d7) && vouches(s, 8, d8));
	/* the table number just past the last known one */
	snprintf(unknown, sizeof unknown, "UPDATE seal_log SET seals = CAST(x'%02x' || substr(seals, 2) AS BLOB) WHERE rowid = 8 << 32",
		 ntables);
	const struct {
		const char *what, *sql;
		int vouch7, vouch8;
		uint64_t count;
	} cases[] = {
		{ "a hash changed inside a blob",
		  "UPDATE seal_log SET seals = CAST(substr(seals, 1, 50) || randomblob(32) || substr(seals, 83) AS BLOB) WHERE rowid = 7 << 32", 0,
		  1, 103 },
		{ "an id changed inside a blob",
		  "UPDATE seal_log SET seals = CAST(substr(seals, 1, 1) || x'00000000000003e7' || substr(seals, 10) AS BLOB) WHERE rowid = 8 << 32",
		  1, 0, 103 },
		{ "a tuple dropped", "UPDATE seal_log SET seals = substr(seals, 42) WHERE rowid = 8 << 32", 1, 0, 102 },
		{ "a tuple moved to another entry",
		  "UPDATE seal_log SET seals = CAST(seals || (SELECT substr(seals, 1, 41) FROM seal_log WHERE rowid = 7 << 32) AS BLOB)"
		  " WHERE rowid = 8 << 32; UPDATE seal_log SET seals = substr(seals, 42) WHERE rowid = 7 << 32",
		  0, 0, 103 },
		{ "a blob cut short by a byte", "UPDATE seal_log SET seals = substr(seals, 1, length(seals) - 1) WHERE rowid = 8 << 32", 1, 0,
		  103 },
		{ "a blob cut to nothing", "UPDATE seal_log SET seals = zeroblob(0) WHERE rowid = 8 << 32", 1, 0, 100 },
		{ "a byte added", "UPDATE seal_log SET seals = CAST(seals || x'00' AS BLOB) WHERE rowid = 8 << 32", 1, 0, 104 },
		{ "an unknown table number", "UPDATE seal_log SET seals = CAST(x'ff' || substr(seals, 2) AS BLOB) WHERE rowid = 8 << 32", 1, 0,
		  103 },
		{ "the table number past the last", unknown, 1, 0, 103 },
		{ "a row duplicated outside every entry", "INSERT INTO seal_log(rowid, seq, seals) SELECT 9 << 32, seq, seals FROM seal_log WHERE rowid = 8 << 32",
		  1, 1, 106 },
		{ "a row duplicated inside its entry",
		  "INSERT INTO seal_log(rowid, seq, seals) SELECT (8 << 32) + 64, seq, seals FROM seal_log WHERE rowid = 8 << 32", 1, 0, 106 },
		{ "a row deleted", "DELETE FROM seal_log WHERE rowid = (7 << 32) + 64", 0, 1, 67 },
		{ "a row's seq changed", "UPDATE seal_log SET seq = 9 WHERE rowid = 8 << 32", 1, 0, 103 },
		{ "a row moved into another entry", "UPDATE seal_log SET rowid = (8 << 32) + 64, seq = 8 WHERE rowid = (7 << 32) + 64", 0, 0, 103 },
		{ "a blob's tuples reordered (the same seals)",
		  "UPDATE seal_log SET seals = CAST(substr(seals, 83, 41) || substr(seals, 1, 82) AS BLOB) WHERE rowid = 8 << 32", 1, 1, 103 },
		{ "the seals made text", "UPDATE seal_log SET seals = CAST(seals AS TEXT) WHERE rowid = 8 << 32", 1, 1, 103 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		raw(s, "BEGIN");
		raw(s, cases[i].sql);
		print_message("  %s\n", cases[i].what);
		assert_int_equal(vouches(s, 7, d7), cases[i].vouch7);
		assert_int_equal(vouches(s, 8, d8), cases[i].vouch8);
		assert_int_equal(store_seal_count(s, &n), 0);
		assert_int_equal(n, cases[i].count);
		assert_int_equal(raw_int(s, "SELECT count(*) FROM seal_rows"), (int64_t)cases[i].count);
		raw(s, "ROLLBACK");
	}
	/* random bytes of random lengths as entry 8's row, and as a row of
	 * entry 7: never a crash, never entry 8's digest, counted as they are */
	srand(16);
	for (int round = 0; round < 400; round++) {
		unsigned char blob[300];
		int len = rand() % (int)sizeof blob, at7 = round % 2;
		sqlite3_stmt *st;
		for (int k = 0; k < len; k++)
			blob[k] = (unsigned char)rand();
		if (round % 3 == 0 && len >= 41)
			blob[(rand() % (len / 41)) * 41] = (unsigned char)(rand() % ntables); /* a known table, often */
		raw(s, "BEGIN");
		assert_int_equal(sqlite3_prepare_v2(store_sqlite_db(s), "INSERT OR REPLACE INTO seal_log(rowid, seq, seals) VALUES(?, ?, ?)", -1, &st,
						    NULL),
				 SQLITE_OK);
		sqlite3_bind_int64(st, 1, at7 ? SEAL_ROWID_T(7, 64) : SEAL_ROWID_T(8, 0));
		sqlite3_bind_int64(st, 2, at7 ? 7 : 8);
		sqlite3_bind_blob(st, 3, blob, len, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
		if (at7)
			assert_false(vouches(s, 7, d7));
		else
			assert_false(vouches(s, 8, d8));
		assert_int_equal(store_seal_count(s, &n), 0);
		assert_int_equal(n, (uint64_t)(len + 40) / 41 + (at7 ? 64 + 3 : 100));
		assert_int_equal(raw_int(s, "SELECT count(*) FROM seal_rows"), (int64_t)n);
		(void)raw_int(s, "SELECT count(*) FROM (SELECT tbl, id, max(seq), hash FROM seal_rows GROUP BY tbl, id)");
		raw(s, "ROLLBACK");
	}
	assert_true(vouches(s, 7, d7) && vouches(s, 8, d8));
	store_close(s);
}

static void test_holds_sealed_per_client(void **state)
{
	(void)state;
	store *s;
	unsigned char d[32];
	int any, n = 0, k[4] = { 0 };
	const char *attack[] = {
		"UPDATE holds SET until = '2000-01-01' WHERE field = 'iban'",
		"DELETE FROM holds WHERE field = 'iban'",
		"INSERT INTO holds VALUES(3, 'email', '2099-01-01', 'x', 1)",
		"UPDATE holds SET client = 4 WHERE client = 3",
	};
	for (size_t i = 0; i < sizeof attack / sizeof attack[0]; i++) {
		char name[32];
		snprintf(name, sizeof name, "holds%zu.db", i);
		s = fresh(name);
		assert_int_equal(store_begin(s), 0);
		assert_int_equal(store_hold_put(s, 3, "iban", "2030-12-31", "tax law", 1), 0);
		assert_int_equal(store_hold_put(s, 3, "full_name", "2030-12-31", "tax law", 1), 0);
		assert_int_equal(store_seal_pending(s), 1); /* one group */
		assert_int_equal(store_seal_flush(s, 1, d, &any), 0);
		assert_int_equal(store_commit(s), 0);
		store_seal_enforce(s, 1);
		n = 0;
		assert_int_equal(store_hold_each(s, NULL, hold_cb, &n), 0);
		assert_int_equal(n, 2);
		raw(s, attack[i]);
		store_seal_enforce(s, 1); /* a new process: the table is checked again */
		n = 0;
		assert_int_equal(store_hold_each(s, NULL, hold_cb, &n), FORT_ETAMPER);
		assert_int_equal(n, 0);
		assert_non_null(strstr(fort_error_message(), "legal holds of client"));
		store_close(s);
	}
	/* ended in Fortress (inside a sealed transaction): the empty group is sealed as such */
	s = fresh("holds-end.db");
	store_set_commit_hook(s, flush_hook, s);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_hold_put(s, 3, "iban", "2030-12-31", "tax law", 1), 0);
	assert_int_equal(store_commit(s), 0);
	store_seal_enforce(s, 1);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_hold_del(s, 3, NULL), 0);
	assert_int_equal(store_commit(s), 0);
	store_seal_enforce(s, 1);
	n = 0;
	assert_int_equal(store_hold_each(s, NULL, hold_cb, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_seal_scan(s, "holds", count_cb, k), 0);
	assert_int_equal(k[STORE_SEAL_OK] + k[STORE_SEAL_CHANGED] + k[STORE_SEAL_UNSEALED] + k[STORE_SEAL_REMOVED], 0);
	store_close(s);
}

/* WAL positions (store_read_mark, store_commit_marks: a server's handle
 * skips reading the chain's tail when the audit writer alone committed):
 * the writer's commit is known from where the WAL stood before it to where
 * it left it; a reader's snapshot is that position; a commit of anyone
 * else moves it, so the writer's next commit begins elsewhere. */
static void test_wal_marks(void **state)
{
	(void)state;
	store *s = fresh("marks.db"), *w = NULL, *r = NULL;
	uint32_t b[3], a[3], m[3], b2[3], a2[3];
	raw(s, "CREATE TABLE t(x)");
	assert_int_equal(store_open(&w, path_of("marks.db"), 0), 0);
	assert_int_equal(store_open(&r, path_of("marks.db"), 0), 0);
	assert_true(store_changed(r) >= 0);

	/* a connection that is not the writer's notes nothing */
	assert_int_equal(store_begin(s), 0);
	raw(s, "INSERT INTO t VALUES(1)");
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_commit_marks(s, b, a), 0);

	/* the writer's commit: same salts, the WAL's frames grew */
	store_append_only(w);
	assert_int_equal(store_begin(w), 0);
	raw(w, "INSERT INTO t VALUES(2)");
	assert_int_equal(store_commit(w), 0);
	assert_int_equal(store_commit_marks(w, b, a), 1);
	assert_int_equal(a[0], b[0]);
	assert_int_equal(a[1], b[1]);
	assert_true(a[2] > b[2]);

	/* a reader's request snapshot: where the writer left the WAL */
	store_read_keep(r);
	assert_int_equal(store_read_mark(r, m), 0); /* not begun by a read yet */
	assert_int_equal(store_changed(r), 1);
	assert_int_equal(store_read_mark(r, m), 1);
	assert_memory_equal(m, a, sizeof a);
	store_idle(r);
	assert_int_equal(store_read_mark(r, m), 0); /* no snapshot */

	/* someone else commits: the next snapshot is elsewhere, and the
	 * writer's next commit begins there, not where its last one ended */
	assert_int_equal(store_begin(s), 0);
	raw(s, "INSERT INTO t VALUES(3)");
	assert_int_equal(store_commit(s), 0);
	store_read_keep(r);
	assert_int_equal(store_changed(r), 1);
	assert_int_equal(store_read_mark(r, m), 1);
	assert_true(memcmp(m, a, sizeof a) != 0);
	store_idle(r);
	assert_int_equal(store_begin(w), 0);
	raw(w, "INSERT INTO t VALUES(4)");
	assert_int_equal(store_commit(w), 0);
	assert_int_equal(store_commit_marks(w, b2, a2), 1);
	assert_memory_equal(b2, m, sizeof m);
	assert_true(memcmp(b2, a, sizeof a) != 0);
	assert_true(a2[2] > b2[2]);
	/* a rolled-back change is no commit */
	assert_int_equal(store_begin(w), 0);
	raw(w, "INSERT INTO t VALUES(5)");
	store_rollback(w);
	assert_int_equal(store_commit_marks(w, b, a), 1);
	assert_memory_equal(a, a2, sizeof a);
	/* the WAL copied back whole: the writer's next commit starts it
	 * again (new salts), and where that left it is not known */
	assert_int_equal(sqlite3_wal_checkpoint_v2(store_sqlite_db(s), NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_begin(w), 0);
	raw(w, "INSERT INTO t VALUES(6)");
	assert_int_equal(store_commit(w), 0);
	assert_int_equal(store_commit_marks(w, b, a), 0);
	/* and the one after it is again */
	assert_int_equal(store_begin(w), 0);
	raw(w, "INSERT INTO t VALUES(7)");
	assert_int_equal(store_commit(w), 0);
	assert_int_equal(store_commit_marks(w, b, a), 1);
	assert_true(b[0] != a2[0] || b[1] != a2[1]);
	store_close(r);
	store_close(w);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unsealed_write_fails_closed),
		cmocka_unit_test(test_digest_is_what_was_written),
		cmocka_unit_test(test_reads_refuse_what_the_seals_do_not_vouch_for),
		cmocka_unit_test(test_large_change_sealed_in_batches),
		cmocka_unit_test(test_log_rowids),
		cmocka_unit_test(test_packed_log_damage),
		cmocka_unit_test(test_holds_sealed_per_client),
		cmocka_unit_test(test_wal_marks),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
