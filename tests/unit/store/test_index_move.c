/* test_index_move.c - a key rotation's index entries moved in batches
 * (issue 16; src/store/sqlite.c, store_blind_move_many): the SQLite backend
 * deletes and adds them 64 to a statement per table, and must leave what
 * store_blind_del and store_blind_add one entry at a time would: the old
 * entries gone and their seals closed, the new ones added, MACed, sealed
 * and found; a unique value another client holds added to the search index
 * (both clients findable) and an old unique value that was there removed
 * from it, without touching the other client's entry or its seal; and a
 * unique entry removed outside Fortress (its row deleted, its seal live)
 * refused as tampering when a move brings its value back.  Each case twice:
 * the seal ids, hashes and MACs computed by the move, and computed ahead
 * (store_blind_move_prep, as the rotation's worker does).  A rotation's
 * WHOLE claim: the groups hashed from the moves, a false claim only a seal
 * that disagrees, a short deletion read back.  And the
 * batches' read of records with their seal heads.  SQLite only
 * (the statements are its; PostgreSQL's moves run through the rotation's
 * tests on both backends). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-imove-XXXXXX"
#include "fixture.h"
#include "store/store.h"
#include "store/sqlite_int.h"
#include "store_sql.h"

static const unsigned char K1[16] = "key-one-16-bytes";
#define N 150 /* two full statements of 64 per table, one of 8, then one by one */

/* Clients 1000..1000+N-1, each with unique value u:i and search value s:i;
 * sealed. */
static store *move_vault(const char *name)
{
	store *s = NULL;
	assert_int_equal(store_open(&s, path_of(name), 1), 0);
	assert_int_equal(store_index_mac_keys(s, K1, 1), 0);
	seq = 1;
	assert_int_equal(store_begin(s), 0);
	for (int i = 0; i < N; i++) {
		unsigned char h[STORE_BIDX_LEN];
		assert_int_equal(put_client(s, 1000 + i, "data"), 0);
		val(h, 'u', i);
		assert_int_equal(store_blind_add(s, h, 1000 + i, 1, NULL), 0);
		val(h, 's', i);
		assert_int_equal(store_blind_add(s, h, 1000 + i, 0, NULL), 0);
	}
	flush_commit(s);
	store_seal_enforce(s, 1);
	return s;
}

/* every client's two entries, interleaved as the rotation hands them in;
 * PREP: their seal ids, hashes and MACs computed ahead, as the rotation's
 * worker does (store_blind_move_prep), else by the move itself */
static int prep;

static void all_moves(store_bidx_move *m)
{
	memset(m, 0, 2 * N * sizeof *m);
	for (int i = 0; i < N; i++) {
		val(m[2 * i].old_h, 'u', i);
		val(m[2 * i].new_h, 'U', i);
		m[2 * i].client = 1000 + i;
		m[2 * i].unique = 1;
		val(m[2 * i + 1].old_h, 's', i);
		val(m[2 * i + 1].new_h, 'S', i);
		m[2 * i + 1].client = 1000 + i;
		m[2 * i + 1].unique = 0;
	}
}

static void prepare(store *s, store_bidx_move *m)
{
	if (prep)
		assert_int_equal(store_blind_move_prep(s, m, 2 * N), 0);
}

static int count_bad(void *ctx, const store_seal_check *c)
{
	(void)c;
	(*(int *)ctx)++;
	return 0;
}

/* every index entry against its seal and every live seal against an entry */
static int index_seals_bad(store *s)
{
	int bad = 0;
	assert_int_equal(store_seal_scan(s, "uniq", count_bad, &bad), 0);
	assert_int_equal(store_seal_scan(s, "blind", count_bad, &bad), 0);
	return bad;
}

static size_t find(store *s, char k, int i, int unique, int64_t *id)
{
	unsigned char h[STORE_BIDX_LEN];
	int64_t ids[4];
	size_t n = 0;
	val(h, k, i);
	assert_int_equal(store_blind_find(s, h, unique, ids, 4, &n), 0);
	*id = n ? ids[0] : 0;
	return n;
}

static void test_moved_sealed_found(void **state)
{
	(void)state;
	store *s = move_vault(prep ? "moved-prep.db" : "moved.db");
	store_bidx_move m[2 * N];
	all_moves(m);
	prepare(s, m);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_blind_move_many(s, m, 2 * N), 0);
	flush_commit(s);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM uniq WHERE length(mac) = 16"), N);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM blind WHERE length(mac) = 16"), N);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM uniq"), N);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM blind"), N);
	for (int i = 0; i < N; i++) {
		int64_t id = 0;
		store_seal_check c;
		unsigned char h[STORE_BIDX_LEN];
		assert_int_equal(find(s, 'U', i, 1, &id), 1);
		assert_int_equal(id, 1000 + i);
		assert_int_equal(find(s, 'S', i, 0, &id), 1);
		assert_int_equal(id, 1000 + i);
		/* the old values: gone, and a miss is no tampering (their
		 * seals were closed) */
		assert_int_equal(find(s, 'u', i, 1, &id), 0);
		assert_int_equal(find(s, 's', i, 0, &id), 0);
		val(h, 'u', i);
		assert_int_equal(store_seal_index(s, h, 1, 1000 + i, &c), 0);
		assert_int_equal(c.state, STORE_SEAL_OK);
		val(h, 'U', i);
		assert_int_equal(store_seal_index(s, h, 1, 1000 + i, &c), 0);
		assert_int_equal(c.state, STORE_SEAL_OK);
	}
	assert_int_equal(index_seals_bad(s), 0);
	store_close(s);
}

/* Client 1003's new unique value is already held by client 900 (written
 * under the new key meanwhile): it goes to the search index, both stay
 * findable.  Client 1007's old unique value is in the search index (its
 * value was shared with client 901, who holds it in the unique index):
 * it is removed from there, and 901's entry and seal are untouched. */
static void test_moved_shared_values(void **state)
{
	(void)state;
	store *s = move_vault(prep ? "shared-prep.db" : "shared.db");
	store_bidx_move m[2 * N];
	unsigned char h[STORE_BIDX_LEN];
	int64_t id = 0;
	all_moves(m);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(put_client(s, 900, "data"), 0);
	assert_int_equal(put_client(s, 901, "data"), 0);
	val(h, 'U', 3);
	assert_int_equal(store_blind_add(s, h, 900, 1, NULL), 0);
	val(h, 'u', 7);
	assert_int_equal(store_blind_del(s, h, 1007, STORE_IDX_UNIQUE), 0);
	assert_int_equal(store_blind_add(s, h, 901, 1, NULL), 0);
	assert_int_equal(store_blind_add(s, h, 1007, 0, NULL), 0);
	flush_commit(s);
	prepare(s, m);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_blind_move_many(s, m, 2 * N), 0);
	flush_commit(s);
	assert_int_equal(find(s, 'U', 3, 1, &id), 1);
	assert_int_equal(id, 900);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM blind WHERE client = 1003"), 2);
	val(h, 'U', 3);
	{
		int64_t ids[4];
		size_t n = 0;
		assert_int_equal(store_blind_find(s, h, 0, ids, 4, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(ids[0], 1003);
	}
	/* 1007's old entry left the search index; 901 still holds the value */
	assert_int_equal(find(s, 'u', 7, 0, &id), 0);
	assert_int_equal(find(s, 'u', 7, 1, &id), 1);
	assert_int_equal(id, 901);
	assert_int_equal(find(s, 'U', 7, 1, &id), 1);
	assert_int_equal(id, 1007);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM blind WHERE client = 1007"), 1);
	assert_int_equal(index_seals_bad(s), 0);
	store_close(s);
}

/* The attacker deletes client 1005's unique entry (its seal stays live);
 * a move then brings client 1040's entry to that value: refused as
 * tampering.  The new entries went in 64 to a statement, so the refusal is
 * the flush's (the write of their heads leaves a live head as it is and
 * says so, bench/README.md "wt-imp"); the transaction is refused and
 * nothing of it stays. */
static void test_moved_onto_removed_entry(void **state)
{
	(void)state;
	store *s = move_vault(prep ? "removed-prep.db" : "removed.db");
	store_bidx_move m[2 * N];
	unsigned char d[32];
	int any = 0;
	uint64_t before = 0, after = 0;
	all_moves(m);
	val(m[2 * 40].new_h, 'u', 5);
	prepare(s, m);
	raw(s, "DELETE FROM uniq WHERE client = 1005");
	assert_int_equal(store_seal_count(s, &before), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_blind_move_many(s, m, 2 * N), 0);
	assert_int_equal(store_seal_flush(s, seq++, d, &any), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "unique-index entry"));
	assert_non_null(strstr(fort_error_message(), "audit verify"));
	store_rollback(s);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM uniq WHERE client = 1040"), 1);
	assert_int_equal(store_seal_count(s, &after), 0);
	assert_int_equal(after, before);
	store_close(s);
}

/* B[0]: how many seals disagree with the search index; B[1..8]: the first
 * ones' ids (a search group's id is its client) */
static int note_bad(void *ctx, const store_seal_check *c)
{
	int64_t *b = ctx;
	if (b[0] < 8)
		b[1 + b[0]] = c->id;
	b[0]++;
	return 0;
}

static void blind_bad(store *s, int64_t b[9])
{
	memset(b, 0, 9 * sizeof *b);
	assert_int_equal(store_seal_scan(s, "blind", note_bad, b), 0);
}

static void whole_moves(store_bidx_move *m)
{
	all_moves(m);
	for (int i = 0; i < 2 * N; i++)
		m[i].whole = 1;
}

/* WHOLE (store.h, a rotation's claim): each client's search group hashed
 * from the move's new entries instead of read back at the flush.  Client
 * 1003's new unique value is held by client 900: it goes to the search
 * index and is part of 1003's group.  After the commit the entries are
 * checked as they stand: one deleted or added with sqlite3 is named.  A
 * false claim (client 1020 has a search entry the move does not name) only
 * makes 1020's seal disagree, as does a wrong group hash computed ahead
 * (store_blind_move_prep's, 1050's); a move whose deletions found fewer entries
 * than they were given (1030's old search value is not there) is not taken
 * at its word: every group is read back. */
static void test_whole_groups(void **state)
{
	(void)state;
	store *s = move_vault(prep ? "whole-prep.db" : "whole.db");
	store_bidx_move m[2 * N];
	unsigned char h[STORE_BIDX_LEN];
	int64_t bad[9], id = 0;
	whole_moves(m);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(put_client(s, 900, "data"), 0);
	val(h, 'U', 3);
	assert_int_equal(store_blind_add(s, h, 900, 1, NULL), 0);
	flush_commit(s);
	prepare(s, m);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_blind_move_many(s, m, 2 * N), 0);
	flush_commit(s);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM blind WHERE client = 1003"), 2);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM blind"), N + 1);
	assert_int_equal(find(s, 'S', 42, 0, &id), 1);
	assert_int_equal(id, 1042);
	assert_int_equal(index_seals_bad(s), 0);
	/* the attacker deletes one of 1003's entries, then copies 1042's to 1077 */
	raw(s, "DELETE FROM blind WHERE client = 1003 AND h = (SELECT min(h) FROM blind WHERE client = 1003)");
	blind_bad(s, bad);
	assert_int_equal(bad[0], 1);
	assert_int_equal(bad[1], 1003);
	raw(s, "INSERT INTO blind(h, client, mac) SELECT h, 1077, mac FROM blind WHERE client = 1042");
	blind_bad(s, bad);
	assert_int_equal(bad[0], 2);
	assert_true((bad[1] == 1003 && bad[2] == 1077) || (bad[1] == 1077 && bad[2] == 1003));
	store_close(s);

	/* a false claim: 1020 holds x:1 besides s:20 */
	s = move_vault(prep ? "whole-false-prep.db" : "whole-false.db");
	assert_int_equal(store_begin(s), 0);
	val(h, 'x', 1);
	assert_int_equal(store_blind_add(s, h, 1020, 0, NULL), 0);
	flush_commit(s);
	whole_moves(m);
	prepare(s, m);
	if (prep) {
		/* the group hashed ahead is the one sealed: a wrong one (1050's)
		 * disagrees with the rows too */
		assert_int_equal(m[2 * 50].has_group, 1);
		assert_int_equal(m[2 * 50 + 1].has_group, 1);
		memset(m[2 * 50].group, 0x5a, 32);
		memset(m[2 * 50 + 1].group, 0x5a, 32);
	}
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_blind_move_many(s, m, 2 * N), 0);
	flush_commit(s);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM blind WHERE client = 1020"), 2);
	blind_bad(s, bad);
	assert_int_equal(bad[0], prep ? 2 : 1);
	assert_int_equal(bad[1], 1020);
	if (prep)
		assert_int_equal(bad[2], 1050);
	store_close(s);

	/* a deletion short of an entry: the groups read back, every seal right */
	s = move_vault(prep ? "whole-short-prep.db" : "whole-short.db");
	whole_moves(m);
	val(m[2 * 30 + 1].old_h, 'q', 30);
	prepare(s, m);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_blind_move_many(s, m, 2 * N), 0);
	flush_commit(s);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM blind WHERE client = 1030"), 2);
	assert_int_equal(index_seals_bad(s), 0);
	store_close(s);
}

static int count_cb(void *ctx, const store_client *c)
{
	(void)c;
	(*(int *)ctx)++;
	return 0;
}

/* The batches' read (store_client_batch: a rotation's, a reindex's) takes
 * each record's seal head in the same statement: a record edited in the
 * file, or whose seal head was deleted, is refused naming it; one changed
 * in the open transaction (not sealed yet) is not. */
static void test_batch_read_checks_seals(void **state)
{
	(void)state;
	store *s = move_vault("batch-read.db");
	int n = 0;
	store_client c = { 1003, 1, (unsigned char *)"wrapped-key-bytes", 17, (unsigned char *)"changed", 7, 1000, 1000 };
	assert_int_equal(store_client_batch(s, 0, 1000, count_cb, &n), 0);
	assert_int_equal(n, N);
	/* changed in this transaction, not sealed yet: read as it is */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_client_update(s, &c), 0);
	n = 0;
	assert_int_equal(store_client_batch(s, 1000, 10, count_cb, &n), 0);
	assert_int_equal(n, 10);
	flush_commit(s);
	raw(s, "UPDATE clients SET data = X'00' WHERE id = 1005");
	n = 0;
	assert_int_equal(store_client_batch(s, 1000, 10, count_cb, &n), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "1005"));
	raw(s, "DELETE FROM seal_head_clients WHERE id = 1007");
	n = 0;
	assert_int_equal(store_client_batch(s, 1005, 10, count_cb, &n), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "1007"));
	store_close(s);
}

/* store_client_batch_take (a rotation's read): the records taken, each
 * with its seal for store_client_seal_check on another thread.  What that
 * check refuses is what store_client_batch refuses: a record edited in the
 * file (a column the record MAC does not cover, so that only the seal can
 * tell), one whose seal head was deleted; one changed in the open
 * transaction is not deferred and passes; a column of another type is
 * checked by the store itself. */
struct took {
	store_client c[16];
	store_client_seal seal[16];
	size_t n;
};

static int take_cb(void *ctx, store_client *c, const store_client_seal *seal)
{
	struct took *t = ctx;
	assert_true(t->n < 16);
	t->c[t->n] = *c;
	t->seal[t->n++] = *seal;
	c->wrapped = c->data = NULL; /* taken: the store frees what is left */
	return 0;
}

/* The first record of T that store_client_seal_check refuses (its id), 0 if none. */
static int64_t took_check(struct took *t)
{
	int64_t bad = 0;
	for (size_t i = 0; i < t->n; i++) {
		int r = store_client_seal_check(&t->c[i], &t->seal[i]);
		if (r < 0 && !bad) {
			assert_int_equal(r, FORT_ETAMPER);
			assert_non_null(strstr(fort_error_message(), "audit verify"));
			bad = t->c[i].id;
		}
	}
	for (size_t i = 0; i < t->n; i++)
		store_client_release(&t->c[i]);
	t->n = 0;
	return bad;
}

static void test_batch_take_defers_seal_check(void **state)
{
	(void)state;
	store *s = move_vault("batch-take.db");
	struct took t = { .n = 0 };
	char id[32];
	store_client c = { 1003, 1, (unsigned char *)"wrapped-key-bytes", 17, (unsigned char *)"changed", 7, 1000, 1000 };
	assert_int_equal(store_client_batch_take(s, 1000, 10, take_cb, &t), 0);
	assert_int_equal(t.n, 10);
	assert_int_equal(t.c[0].id, 1001);
	assert_true(t.seal[0].deferred);
	assert_int_equal(t.c[0].data_len, 4);
	assert_memory_equal(t.c[0].data, "data", 4);
	assert_int_equal(took_check(&t), 0);
	/* changed in this transaction, not sealed yet: read as it is, not deferred */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_client_update(s, &c), 0);
	assert_int_equal(store_client_batch_take(s, 1002, 1, take_cb, &t), 0);
	assert_false(t.seal[0].deferred);
	assert_int_equal(took_check(&t), 0);
	flush_commit(s);
	/* edited in the file: a column the record MAC does not cover */
	raw(s, "UPDATE clients SET updated = updated + 1 WHERE id = 1005");
	assert_int_equal(store_client_batch_take(s, 1000, 10, take_cb, &t), 0);
	assert_int_equal(took_check(&t), 1005);
	snprintf(id, sizeof id, "%d", 1005);
	/* the same verdict as the store's own check */
	assert_int_equal(store_client_batch(s, 1000, 10, count_cb, &(int){ 0 }), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), id));
	raw(s, "DELETE FROM seal_head_clients WHERE id = 1007");
	assert_int_equal(store_client_batch_take(s, 1005, 10, take_cb, &t), 0);
	assert_int_equal(took_check(&t), 1007);
	assert_non_null(strstr(fort_error_message(), "1007"));
	/* a column of another type than the store writes: checked in the store */
	raw(s, "UPDATE clients SET data = CAST(data AS TEXT) WHERE id = 1009");
	assert_int_equal(store_client_batch_take(s, 1008, 10, take_cb, &t), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "1009"));
	took_check(&t);
	store_close(s);
}

static int with_prep(void **state)
{
	(void)state;
	prep = 1;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moved_sealed_found),
		cmocka_unit_test(test_moved_shared_values),
		cmocka_unit_test(test_moved_onto_removed_entry),
		cmocka_unit_test(test_batch_read_checks_seals),
		cmocka_unit_test(test_batch_take_defers_seal_check),
		cmocka_unit_test(test_whole_groups),
		cmocka_unit_test_setup(test_moved_sealed_found, with_prep),
		cmocka_unit_test_setup(test_moved_shared_values, with_prep),
		cmocka_unit_test_setup(test_moved_onto_removed_entry, with_prep),
		cmocka_unit_test_setup(test_whole_groups, with_prep),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
