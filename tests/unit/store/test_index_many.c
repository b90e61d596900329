/* test_index_many.c - an import's index entries in batches (issue 16;
 * src/store/sqlite.c, store_blind_add_many): the SQLite backend writes them
 * 64 to a statement, and must come out as the same number of
 * store_blind_add calls would: every entry added, MACed and sealed with the
 * hash of its row; a unique value another client holds reported as that
 * client (from before, or from an earlier entry of the same batch), one
 * this client holds already reported as nothing; and a unique entry removed
 * outside Fortress (its row deleted, its seal live) refused as tampering,
 * whether the rest of the batch went in whole or not.  The attacker edits
 * the file on the same connection.  SQLite only (the statements are its). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-imany-XXXXXX"
#include "fixture.h"
#include "store/store.h"
#include "store/sqlite_int.h"
#include "store_sql.h"

static const unsigned char K1[16] = "key-one-16-bytes";
#define N 150 /* two full batches of 64 per table and a remainder */

/* Clients 1000..1000+N-1, each with unique value u:i and search value s:i,
 * added as one batch (unique and search entries interleaved, as the
 * import's sort leaves them); sealed. */
static store *batch_vault(const char *name)
{
	store *s = NULL;
	store_bidx_add e[2 * N];
	int64_t other[2 * N];
	memset(e, 0, sizeof e);
	assert_int_equal(store_open(&s, path_of(name), 1), 0);
	assert_int_equal(store_index_mac_keys(s, K1, 1), 0);
	seq = 1;
	assert_int_equal(store_begin(s), 0);
	for (int i = 0; i < N; i++) {
		assert_int_equal(put_client(s, 1000 + i, "data"), 0);
		val(e[2 * i].h, 'u', i);
		e[2 * i].client = 1000 + i;
		e[2 * i].unique = 1;
		val(e[2 * i + 1].h, 's', i);
		e[2 * i + 1].client = 1000 + i;
		e[2 * i + 1].unique = 0;
		other[2 * i] = other[2 * i + 1] = 77;
	}
	assert_int_equal(store_blind_add_many(s, e, 2 * N, other), 0);
	for (int i = 0; i < 2 * N; i++)
		assert_int_equal(other[i], 0);
	flush_commit(s);
	store_seal_enforce(s, 1);
	return s;
}

static void test_batch_added_sealed_found(void **state)
{
	(void)state;
	store *s = batch_vault("added.db");
	unsigned char h[STORE_BIDX_LEN];
	uint64_t n = 0;
	assert_int_equal(raw_int(s, "SELECT count(*) FROM uniq WHERE length(mac) = 16"), N);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM blind WHERE length(mac) = 16"), N);
	/* seals: N clients, N unique entries, N search groups */
	assert_int_equal(store_seal_count(s, &n), 0);
	assert_int_equal(n, 3 * N);
	for (int i = 0; i < N; i++) {
		store_seal_check c;
		int64_t ids[2];
		size_t m = 0;
		val(h, 'u', i);
		assert_int_equal(store_seal_index(s, h, 1, 1000 + i, &c), 0);
		assert_int_equal(c.state, STORE_SEAL_OK);
		assert_int_equal(store_blind_find(s, h, 1, ids, 2, &m), 0);
		assert_int_equal(m, 1);
		assert_int_equal(ids[0], 1000 + i);
		val(h, 's', i);
		assert_int_equal(store_seal_index(s, h, 0, 1000 + i, &c), 0);
		assert_int_equal(c.state, STORE_SEAL_OK);
		assert_int_equal(store_blind_find(s, h, 0, ids, 2, &m), 0);
		assert_int_equal(m, 1);
	}
	store_close(s);
}

/* A batch of 64 new unique entries with one duplicate of another client's
 * value, one the client holds already, and one value twice: the batch
 * does not go in whole, and each entry is judged as a call of its own. */
static void test_batch_duplicates(void **state)
{
	(void)state;
	store *s = batch_vault("dups.db");
	store_bidx_add e[64];
	int64_t other[64];
	uint64_t before = 0, after = 0;
	memset(e, 0, sizeof e);
	assert_int_equal(store_seal_count(s, &before), 0);
	assert_int_equal(store_begin(s), 0);
	for (int i = 0; i < 64; i++) {
		val(e[i].h, 'v', i);
		e[i].client = 5000 + i;
		e[i].unique = 1;
		other[i] = 77;
		assert_int_equal(put_client(s, 5000 + i, "data"), 0);
	}
	val(e[10].h, 'u', 3);      /* client 1003's value */
	val(e[20].h, 'u', 7);      /* client 1007's own value, again */
	e[20].client = 1007;
	memcpy(e[31].h, e[30].h, STORE_BIDX_LEN); /* twice in the batch: the first wins */
	assert_int_equal(store_blind_add_many(s, e, 64, other), 0);
	for (int i = 0; i < 64; i++)
		assert_int_equal(other[i], i == 10 ? 1003 : i == 31 ? 5030 : 0);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM uniq WHERE client BETWEEN 5000 AND 5063"), 61);
	flush_commit(s);
	/* sealed: the 64 clients and the 61 entries added (1007's own entry
	 * unchanged, no new seal) */
	assert_int_equal(store_seal_count(s, &after), 0);
	assert_int_equal(after - before, 64 + 61);
	for (int i = 0; i < 64; i++) {
		store_seal_check c;
		if (i == 10 || i == 20 || i == 31)
			continue;
		assert_int_equal(store_seal_index(s, e[i].h, 1, e[i].client, &c), 0);
		assert_int_equal(c.state, STORE_SEAL_OK);
	}
	store_close(s);
}

/* The attacker deletes client 1005's unique entry (its seal stays live),
 * then a new client's batch brings the same value: refused as tampering, in
 * a batch that goes in whole (FRESH) and in one that does not (a duplicate
 * beside it); 64 entries (one statement) or 10 (8 in one statement, the
 * rest one by one).  A batch that went in whole is refused by its heads'
 * write at the flush (the write leaves a live head as it is: no SELECT of
 * the heads per batch, bench/README.md "wt-imp"), the others when the
 * entry is added (and the entry is not left behind); either way the
 * transaction is refused and nothing of it stays, and the heads of the
 * batch's other values are not left live. */
static void removed_in_batch(const char *name, int fresh, int count)
{
	store *s = batch_vault(name);
	store_bidx_add e[64];
	int64_t other[64];
	unsigned char d[32];
	int r, any = 0, at = count == 64 ? 40 : 5;
	uint64_t before = 0, after = 0;
	memset(e, 0, sizeof e);
	raw(s, "DELETE FROM uniq WHERE client = 1005");
	assert_int_equal(store_seal_count(s, &before), 0);
	assert_int_equal(store_begin(s), 0);
	for (int i = 0; i < count; i++) {
		val(e[i].h, 'w', i);
		e[i].client = 6000 + i;
		e[i].unique = 1;
		assert_int_equal(put_client(s, 6000 + i, "data"), 0);
	}
	val(e[at].h, 'u', 5);
	if (!fresh)
		val(e[3].h, 'u', 9); /* client 1009's value: a duplicate */
	r = store_blind_add_many(s, e, (size_t)count, other);
	if (fresh) {
		/* every entry went in: the refusal is the flush's */
		assert_int_equal(r, 0);
		r = store_seal_flush(s, seq++, d, &any);
	} else {
		assert_int_equal(raw_int(s, count == 64 ? "SELECT count(*) FROM uniq WHERE client = 6040"
							: "SELECT count(*) FROM uniq WHERE client = 6005"),
				 0);
	}
	assert_int_equal(r, FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "unique-index entry"));
	assert_non_null(strstr(fort_error_message(), "audit verify"));
	store_rollback(s);
	/* nothing of the refused transaction stays: no entry, no seal */
	assert_int_equal(raw_int(s, "SELECT count(*) FROM uniq WHERE client >= 6000"), 0);
	assert_int_equal(store_seal_count(s, &after), 0);
	assert_int_equal(after, before);
	store_close(s);
}

static void test_removed_entry_whole_batch(void **state)
{
	(void)state;
	removed_in_batch("removed-whole.db", 1, 64);
	removed_in_batch("removed-whole-few.db", 1, 10);
}

static void test_removed_entry_partial_batch(void **state)
{
	(void)state;
	removed_in_batch("removed-partial.db", 0, 64);
	removed_in_batch("removed-partial-few.db", 0, 10);
}

/* A value removed in the transaction (by Fortress: its seal is still live
 * until the flush) and brought back by a new client in a batch that goes
 * in whole: no tamper (the SELECT the flush's checked write replaced
 * skipped a value touched in the transaction too), and the new entry's
 * head is written although the checked write left it (its touch carries
 * no check): every entry of the batch, and 1005's removal, sealed as they
 * are. */
static void test_readded_in_transaction(void **state)
{
	(void)state;
	store *s = batch_vault("readded.db");
	store_bidx_add e[64];
	int64_t other[64];
	unsigned char h[STORE_BIDX_LEN];
	store_seal_check c;
	memset(e, 0, sizeof e);
	assert_int_equal(store_begin(s), 0);
	for (int i = 0; i < 64; i++) {
		val(e[i].h, 'x', i);
		e[i].client = 7000 + i;
		e[i].unique = 1;
		assert_int_equal(put_client(s, 7000 + i, "data"), 0);
	}
	/* the removal the newest change before the batch, its value the
	 * batch's first: the touch the add finds is the last one */
	val(h, 'u', 5);
	assert_int_equal(store_blind_del(s, h, 1005, 1), 0);
	val(e[0].h, 'u', 5);
	assert_int_equal(store_blind_add_many(s, e, 64, other), 0);
	for (int i = 0; i < 64; i++)
		assert_int_equal(other[i], 0);
	flush_commit(s);
	for (int i = 0; i < 64; i++) {
		assert_int_equal(store_seal_index(s, e[i].h, 1, 7000 + i, &c), 0);
		assert_int_equal(c.state, STORE_SEAL_OK);
	}
	/* the value is 7040's now, and its one head says so */
	assert_int_equal(raw_int(s, "SELECT client FROM uniq WHERE client IN (1005, 7000)"), 7000);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM seal_head_uniq WHERE hash = zeroblob(32)"), 0);
	store_close(s);
}

/* Search groups hashed from the entries in hand (store_bidx_add's FRESH,
 * the import's): what the seal holds must be what the group read back
 * gives, whatever the order of the entries in the call (a client's values
 * out of order, a value twice, clients out of order, unique entries mixed
 * in), so `audit verify`'s scan finds every group sealed; an entry deleted
 * with SQL afterwards is caught; and a false claim (a client that had an
 * entry already) makes its seal fail, never pass. */
#define FRESH_N 100
static int bad_ids(void *ctx, const store_seal_check *c)
{
	int64_t *bad = ctx;
	assert_true(bad[0] < 8);
	bad[++bad[0]] = c->id;
	return 0;
}

static void test_fresh_groups(void **state)
{
	(void)state;
	store *s = batch_vault("fresh.db");
	store_bidx_add e[4 * FRESH_N];
	int64_t other[4 * FRESH_N], bad[9] = { 0 };
	size_t n = 0;
	memset(e, 0, sizeof e);
	assert_int_equal(store_begin(s), 0);
	for (int i = 0; i < FRESH_N; i++)
		assert_int_equal(put_client(s, 7000 + i, "data"), 0);
	/* the first half in client order, the second half's clients backwards;
	 * each client's three values in an order of their own */
	for (int half = 0; half < 2; half++)
		for (int j = 0; j < FRESH_N / 2; j++) {
			int i = half ? FRESH_N - 1 - j : j;
			for (int v = 2; v >= 0; v--) {
				val(e[n].h, 'f', 3 * i + (v + i) % 3);
				e[n].client = 7000 + i;
				e[n].fresh = 1;
				n++;
			}
			val(e[n].h, 'g', i); /* a unique entry: FRESH means nothing there */
			e[n].client = 7000 + i;
			e[n].unique = 1;
			e[n].fresh = 1;
			n++;
		}
	memcpy(e[30].h, e[29].h, STORE_BIDX_LEN); /* client 7007's value twice: one row */
	assert_int_equal(store_blind_add_many(s, e, n / 2, other), 0);
	assert_int_equal(store_blind_add_many(s, e + n / 2, n - n / 2, other + n / 2), 0);
	flush_commit(s);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM blind WHERE client = 7007"), 2);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM blind WHERE client BETWEEN 7000 AND 7099"), 3 * FRESH_N - 1);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM seal_head_blind WHERE id BETWEEN 7000 AND 7099"), FRESH_N);
	assert_int_equal(store_seal_scan(s, "blind", bad_ids, bad), 0);
	assert_int_equal(bad[0], 0);
	assert_int_equal(store_seal_scan(s, "uniq", bad_ids, bad), 0);
	assert_int_equal(bad[0], 0);

	/* the attacker drops one of client 7042's entries */
	raw(s, "DELETE FROM blind WHERE client = 7042 AND h = (SELECT min(h) FROM blind WHERE client = 7042)");
	assert_int_equal(store_seal_scan(s, "blind", bad_ids, bad), 0);
	assert_int_equal(bad[0], 1);
	assert_int_equal(bad[1], 7042);

	store_close(s);

	/* a false claim: client 1003 had its entry s:3 already */
	s = batch_vault("fresh-false.db");
	bad[0] = 0;
	memset(e, 0, sizeof e);
	val(e[0].h, 'x', 1);
	e[0].client = 1003;
	e[0].fresh = 1;
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_blind_add_many(s, e, 1, other), 0);
	flush_commit(s);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM blind WHERE client = 1003"), 2);
	assert_int_equal(store_seal_scan(s, "blind", bad_ids, bad), 0);
	assert_int_equal(bad[0], 1);
	assert_int_equal(bad[1], 1003);
	store_close(s);
}

static int seal_bad(void *ctx, const store_seal_check *c)
{
	char msg[256];
	(void)ctx;
	store_seal_describe(msg, sizeof msg, c, 0);
	fail_msg("seal: %s", msg);
	return 1;
}

/* The erasures' sweep without an index by client (schema 22): the unique
 * entries of many clients (in no order, one twice, one with no entries) in
 * one pass, and a client's entries by value with the count of those found;
 * each removal's seal closed (a read of the value finds it gone, not
 * removed outside Fortress), every other entry kept. */
static void test_uniq_sweep(void **state)
{
	(void)state;
	store *s = batch_vault("sweep.db");
	int64_t gone[] = { 1100, 1003, 1077, 1003, 999999 };
	unsigned char h[3][STORE_BIDX_LEN];
	uint64_t removed = 0;
	size_t found = 9;
	int64_t client = 0;

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_uniq_del_clients(s, gone, 5, &removed), 0);
	assert_int_equal(removed, 3);
	/* by value: its own entry, another client's, one no one has */
	val(h[0], 'u', 5);
	val(h[1], 'u', 6);
	val(h[2], 'u', 100000);
	assert_int_equal(store_uniq_del_values(s, 1005, h, 3, &found), 0);
	assert_int_equal(found, 1);
	flush_commit(s);

	assert_int_equal(raw_int(s, "SELECT count(*) FROM uniq"), N - 4);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM blind"), N);
	for (int i = 0; i < N; i++) {
		int64_t ids[2];
		size_t m = 9;
		int is_gone = i == 100 || i == 3 || i == 77 || i == 5;
		unsigned char x[STORE_BIDX_LEN];
		val(x, 'u', i);
		assert_int_equal(store_blind_find(s, x, 1, ids, 2, &m), 0);
		assert_int_equal(m, is_gone ? 0 : 1);
	}
	for (size_t i = 0; store_seal_table(i); i++)
		assert_int_equal(store_seal_scan(s, store_seal_table(i), seal_bad, NULL), 0);
	/* their clients are still there: no orphans */
	assert_int_equal(store_uniq_orphan(s, &client), 0);
	/* a client row removed with its unique entry kept: named */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_client_delete(s, 1042), 0);
	flush_commit(s);
	assert_int_equal(store_uniq_orphan(s, &client), 1);
	assert_int_equal(client, 1042);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_added_sealed_found),
		cmocka_unit_test(test_batch_duplicates),
		cmocka_unit_test(test_removed_entry_whole_batch),
		cmocka_unit_test(test_removed_entry_partial_batch),
		cmocka_unit_test(test_readded_in_transaction),
		cmocka_unit_test(test_fresh_groups),
		cmocka_unit_test(test_uniq_sweep),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
