/* test_seal_written.c - seals made from the values the store writes (issue
 * 16): a client record inserted or updated, an index entry added or removed,
 * is sealed with the hash of what was written, without reading the row
 * again.  That hash must be exactly the one a read of the row gives (else
 * every later read would be a false tamper error), a later change through
 * plain SQL in the same transaction must be sealed as it stands, and a
 * record whose stored creation time is not the caller's is not written. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-seal-written-XXXXXX"
#include "fixture.h"
#include "store/store.h"
#include "store/sqlite_int.h" /* the attacker edits the file on the same connection */
#include "store_sql.h"

static store *fresh(const char *name)
{
	store *s = NULL;
	assert_int_equal(store_open(&s, path_of(name), 1), 0);
	return s;
}

static int64_t next_seq = 100;
static int flush_hook(void *ctx)
{
	unsigned char d[32];
	int any;
	return store_seal_flush(ctx, next_seq++, d, &any);
}

static int count_bad(void *ctx, const store_seal_check *c)
{
	(void)c;
	(*(int *)ctx)++;
	return 0;
}

/* every row of every sealed table against its newest seal */
static int problems(store *s)
{
	int bad = 0;
	for (size_t i = 0; store_seal_table(i); i++)
		assert_int_equal(store_seal_scan(s, store_seal_table(i), count_bad, &bad), 0);
	return bad;
}

static void client_init(store_client *c, int64_t id, const char *data)
{
	memset(c, 0, sizeof *c);
	c->id = id;
	c->vk_version = 1;
	c->wrapped = (unsigned char *)"wrapped-key-bytes";
	c->wrapped_len = 17;
	c->data = (unsigned char *)data;
	c->data_len = strlen(data);
	c->created = 1000;
	c->updated = 1000;
}

static void test_written_hash_is_the_read_hash(void **state)
{
	(void)state;
	store *s = fresh("written.db");
	store_client c, got;
	const unsigned char h1[STORE_BIDX_LEN] = "uniq-entry-00001", h2[STORE_BIDX_LEN] = "name-entry-00002";
	store_set_commit_hook(s, flush_hook, s);
	assert_int_equal(store_begin(s), 0);
	client_init(&c, 5, "first");
	assert_int_equal(store_client_insert(s, &c), 0);
	client_init(&c, 6, "");  /* an empty record: a zero-length blob */
	assert_int_equal(store_client_insert(s, &c), 0);
	assert_int_equal(store_blind_add(s, h1, 5, 1, NULL), 0);
	assert_int_equal(store_blind_add(s, h2, 5, 0, NULL), 0);
	assert_int_equal(store_blind_add(s, h2, 6, 0, NULL), 0);
	assert_int_equal(store_commit(s), 0);
	store_seal_enforce(s, 1);
	assert_int_equal(problems(s), 0);

	/* updates, an entry changing hands and one removed, in one transaction */
	assert_int_equal(store_begin(s), 0);
	client_init(&c, 5, "second, longer");
	c.vk_version = 2;
	c.updated = 2000;
	assert_int_equal(store_client_update(s, &c), 0);
	assert_int_equal(store_blind_del(s, h1, 5, STORE_IDX_EITHER), 0);
	assert_int_equal(store_blind_add(s, h1, 6, 1, NULL), 0);
	assert_int_equal(store_blind_del(s, h2, 6, STORE_IDX_EITHER), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(problems(s), 0);
	assert_int_equal(store_client_get(s, &got, 5), 0);
	assert_int_equal(got.vk_version, 2);
	store_client_release(&got);
	assert_int_equal(store_client_get(s, &got, 6), 0);
	store_client_release(&got);
	store_close(s);
}

static void test_plain_sql_after_a_store_write_is_sealed_as_it_stands(void **state)
{
	(void)state;
	store *s = fresh("later.db");
	store_client c, got;
	store_set_commit_hook(s, flush_hook, s);
	assert_int_equal(store_begin(s), 0);
	client_init(&c, 7, "data");
	assert_int_equal(store_client_insert(s, &c), 0);
	raw(s, "UPDATE clients SET updated = 1234 WHERE id = 7");
	assert_int_equal(store_commit(s), 0);
	store_seal_enforce(s, 1);
	assert_int_equal(problems(s), 0);
	assert_int_equal(store_client_get(s, &got, 7), 0);
	assert_int_equal(got.updated, 1234);
	store_client_release(&got);
	/* and the same change made outside a sealed transaction is caught */
	raw(s, "UPDATE clients SET updated = 99 WHERE id = 7");
	assert_int_equal(store_client_get(s, &got, 7), FORT_ETAMPER);
	store_close(s);
}

static void test_update_of_a_record_not_as_read_is_refused(void **state)
{
	(void)state;
	store *s = fresh("created.db");
	store_client c, got;
	store_set_commit_hook(s, flush_hook, s);
	assert_int_equal(store_begin(s), 0);
	client_init(&c, 8, "data");
	assert_int_equal(store_client_insert(s, &c), 0);
	assert_int_equal(store_commit(s), 0);
	store_seal_enforce(s, 1);
	assert_int_equal(store_begin(s), 0);
	client_init(&c, 8, "changed");
	c.created = 999;  /* not the stored creation time */
	assert_int_equal(store_client_update(s, &c), FORT_ETAMPER);
	store_rollback(s);
	assert_int_equal(store_client_get(s, &got, 8), 0);
	assert_int_equal(got.data_len, 4);
	assert_int_equal(got.created, 1000);
	store_client_release(&got);
	/* a record that is not there is no error (nothing to change) */
	assert_int_equal(store_begin(s), 0);
	client_init(&c, 9, "x");
	assert_int_equal(store_client_update(s, &c), 0);
	assert_int_equal(store_seal_pending(s), 0);
	store_rollback(s);
	store_close(s);
}

static void test_unique_entry_removed_outside_is_refused_at_insert(void **state)
{
	(void)state;
	store *s = fresh("uniqdel.db");
	const unsigned char h[STORE_BIDX_LEN] = "uniq-entry-00009";
	int64_t ids[2];
	size_t n = 9;
	store_client c;
	store_set_commit_hook(s, flush_hook, s);
	assert_int_equal(store_begin(s), 0);
	client_init(&c, 10, "data");
	assert_int_equal(store_client_insert(s, &c), 0);
	assert_int_equal(store_blind_add(s, h, 10, 1, NULL), 0);
	assert_int_equal(store_commit(s), 0);
	store_seal_enforce(s, 1);
	raw(s, "DELETE FROM uniq");
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_blind_add(s, h, 11, 1, NULL), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "unique-index entry"));
	/* the refused entry is not left in the transaction either */
	assert_int_equal(raw_int(s, "SELECT count(*) FROM uniq"), 0);
	store_rollback(s);
	assert_int_equal(store_blind_find(s, h, 1, ids, 2, &n), FORT_ETAMPER);
	/* removed by the store itself in the same transaction: no refusal */
	store_seal_enforce(s, 0);
	store_close(s);
	s = fresh("uniqmove.db");
	store_set_commit_hook(s, flush_hook, s);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_blind_add(s, h, 10, 1, NULL), 0);
	assert_int_equal(store_commit(s), 0);
	store_seal_enforce(s, 1);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_blind_del(s, h, 10, STORE_IDX_EITHER), 0);
	assert_int_equal(store_blind_add(s, h, 11, 1, NULL), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_blind_find(s, h, 1, ids, 2, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], 11);
	assert_int_equal(problems(s), 0);
	store_close(s);
}

/* A record's seal hash made beforehand (store_client.hash: an import's
 * sealer threads, store_client_hash) is the read's; one that is not the
 * row's (a bit off, or the hash of other values) makes the read fail,
 * never pass; and the row edited with SQL afterwards is caught as ever. */
static void test_handed_in_hash(void **state)
{
	(void)state;
	store *s = fresh("handed.db");
	store_client c, other, got;
	unsigned char h[32], bad[32], wrong[32];
	store_set_commit_hook(s, flush_hook, s);
	assert_int_equal(store_begin(s), 0);
	client_init(&c, 8, "made on another thread");
	store_client_hash(h, &c);
	c.hash = h;
	assert_int_equal(store_client_insert(s, &c), 0);
	client_init(&c, 9, "a bit off");
	store_client_hash(bad, &c);
	bad[7] ^= 0x10;
	c.hash = bad;
	assert_int_equal(store_client_insert(s, &c), 0);
	client_init(&other, 10, "what the row will not hold");
	store_client_hash(wrong, &other);
	client_init(&c, 10, "what the row holds");
	c.hash = wrong;
	assert_int_equal(store_client_insert(s, &c), 0);
	assert_int_equal(store_commit(s), 0);
	store_seal_enforce(s, 1);
	assert_int_equal(problems(s), 2);
	assert_int_equal(store_client_get(s, &got, 8), 0);
	assert_memory_equal(got.data, "made on another thread", got.data_len);
	store_client_release(&got);
	assert_int_equal(store_client_get(s, &got, 9), FORT_ETAMPER);
	assert_int_equal(store_client_get(s, &got, 10), FORT_ETAMPER);
	raw(s, "UPDATE clients SET created = 999 WHERE id = 8");
	assert_int_equal(store_client_get(s, &got, 8), FORT_ETAMPER);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_written_hash_is_the_read_hash),
		cmocka_unit_test(test_handed_in_hash),
		cmocka_unit_test(test_plain_sql_after_a_store_write_is_sealed_as_it_stands),
		cmocka_unit_test(test_update_of_a_record_not_as_read_is_refused),
		cmocka_unit_test(test_unique_entry_removed_outside_is_refused_at_insert),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
