/* test_index_mac.c - the index entries' MACs (issue 16; src/store/sqlite.c,
 * store_index_mac_keys): a find checks the row it found by its MAC, so an
 * entry moved to another client, its value swapped, or added without the
 * key is refused even where its seal is not looked at; entries without a
 * MAC fall back to their seals, get one from the upgrade only when their
 * seal vouches for them, and a vault-key rotation re-MACs what an older
 * key made.  The attacker edits the file on the same connection. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-imac-XXXXXX"
#include "fixture.h"
#include "store/store.h"
#include "store/sqlite_int.h"
#include "store_sql.h"

static const unsigned char K1[16] = "key-one-16-bytes", K2[16] = "key-two-16-bytes";
static const unsigned char ha[STORE_BIDX_LEN] = "aaaaaaaaaaaaaaaa", hb[STORE_BIDX_LEN] = "bbbbbbbbbbbbbbbb",
			   hc[STORE_BIDX_LEN] = "cccccccccccccccc";

/* Clients 5 and 6; unique entry ha -> 5, hc -> 6; search entry hb -> 5 and 6;
 * sealed (seq 1), with the keys KEYS (N of them; 0: written without MACs). */
static store *vault_like(const char *name, const unsigned char *keys, size_t n)
{
	store *s = NULL;
	unsigned char d[32];
	int any;
	assert_int_equal(store_open(&s, path_of(name), 1), 0);
	assert_int_equal(store_index_mac_keys(s, keys, n), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(put_client(s, 5, "data"), 0);
	assert_int_equal(put_client(s, 6, "data"), 0);
	assert_int_equal(store_blind_add(s, ha, 5, 1, NULL), 0);
	assert_int_equal(store_blind_add(s, hc, 6, 1, NULL), 0);
	assert_int_equal(store_blind_add(s, hb, 5, 0, NULL), 0);
	assert_int_equal(store_blind_add(s, hb, 6, 0, NULL), 0);
	assert_int_equal(store_seal_flush(s, 1, d, &any), 0);
	assert_int_equal(store_commit(s), 0);
	store_seal_enforce(s, 1);
	return s;
}

static int find(store *s, const unsigned char *h, int unique, size_t *n)
{
	int64_t ids[4];
	return store_blind_find(s, h, unique, ids, 4, n);
}

static void test_written_with_a_mac_and_found(void **state)
{
	(void)state;
	store *s = vault_like("written.db", K1, 1);
	size_t n = 0;
	assert_int_equal(raw_int(s, "SELECT count(*) FROM uniq WHERE length(mac) = 16"), 2);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM blind WHERE length(mac) = 16"), 2);
	assert_int_equal(find(s, ha, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(find(s, hb, 0, &n), 0);
	assert_int_equal(n, 2);
	store_close(s);
}

/* Without the seals looked at (enforce off), the MAC alone refuses. */
static void test_wrong_key(void **state)
{
	(void)state;
	store *s = vault_like("wrongkey.db", K1, 1);
	unsigned char both[32];
	size_t n = 0;
	store_seal_enforce(s, 0);
	assert_int_equal(store_index_mac_keys(s, K2, 1), 0);
	assert_int_equal(find(s, ha, 1, &n), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "does not carry a valid MAC"));
	assert_non_null(strstr(fort_error_message(), "client 5"));
	assert_int_equal(find(s, hb, 0, &n), FORT_ETAMPER);
	/* an older key still held (a rotation of the vault key under way) */
	memcpy(both, K2, 16);
	memcpy(both + 16, K1, 16);
	assert_int_equal(store_index_mac_keys(s, both, 2), 0);
	assert_int_equal(find(s, ha, 1, &n), 0);
	assert_int_equal(n, 1);
	store_close(s);
}

static void test_moved_swapped_forged(void **state)
{
	(void)state;
	store *s = vault_like("moved.db", K1, 1);
	size_t n = 0;
	store_seal_enforce(s, 0); /* the MAC alone */
	/* moved to another client */
	raw(s, "UPDATE uniq SET client = 6 WHERE client = 5");
	assert_int_equal(find(s, ha, 1, &n), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "unique-index entry"));
	assert_non_null(strstr(fort_error_message(), "client 6"));
	raw(s, "UPDATE uniq SET client = 5 WHERE h = CAST('aaaaaaaaaaaaaaaa' AS BLOB)");
	assert_int_equal(find(s, ha, 1, &n), 0);
	/* the values of two entries swapped (each keeps its MAC) */
	raw(s, "UPDATE uniq SET h = CASE h WHEN CAST('aaaaaaaaaaaaaaaa' AS BLOB) THEN CAST('zzzzzzzzzzzzzzzz' AS BLOB)"
	       " ELSE h END");
	raw(s, "UPDATE uniq SET h = CASE h WHEN CAST('cccccccccccccccc' AS BLOB) THEN CAST('aaaaaaaaaaaaaaaa' AS BLOB)"
	       " WHEN CAST('zzzzzzzzzzzzzzzz' AS BLOB) THEN CAST('cccccccccccccccc' AS BLOB) ELSE h END");
	assert_int_equal(find(s, ha, 1, &n), FORT_ETAMPER);
	assert_int_equal(find(s, hc, 1, &n), FORT_ETAMPER);
	/* a search entry moved: the one row refuses the whole answer */
	raw(s, "UPDATE blind SET client = 7 WHERE client = 6");
	assert_int_equal(find(s, hb, 0, &n), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "search-index entry naming client 7"));
	raw(s, "UPDATE blind SET client = 6 WHERE client = 7");
	assert_int_equal(find(s, hb, 0, &n), 0);
	assert_int_equal(n, 2);
	/* added without the key: a MAC copied from another row, or made up */
	raw(s, "INSERT INTO blind(h, client, mac) SELECT h, 9, mac FROM blind WHERE client = 5");
	assert_int_equal(find(s, hb, 0, &n), FORT_ETAMPER);
	raw(s, "UPDATE blind SET mac = zeroblob(16) WHERE client = 9");
	assert_int_equal(find(s, hb, 0, &n), FORT_ETAMPER);
	raw(s, "UPDATE blind SET mac = x'00' WHERE client = 9");
	assert_int_equal(find(s, hb, 0, &n), FORT_ETAMPER);
	store_close(s);
}

/* An entry without a MAC is checked by its seal, as before schema 15. */
static void test_no_mac_falls_back_to_the_seal(void **state)
{
	(void)state;
	store *s = vault_like("nomac.db", K1, 1);
	size_t n = 0;
	raw(s, "UPDATE uniq SET mac = NULL");
	assert_int_equal(find(s, ha, 1, &n), 0);
	assert_int_equal(n, 1);
	raw(s, "UPDATE uniq SET client = 6 WHERE client = 5");
	assert_int_equal(find(s, ha, 1, &n), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "audit entry"));
	store_close(s);
}

static void test_upgrade_checks_the_seal_first(void **state)
{
	(void)state;
	store *s = vault_like("upgrade.db", NULL, 0);
	unsigned char cur[STORE_IMAC_CURSOR] = { 0 };
	uint64_t done = 0;
	int more = 1;
	size_t n = 0;
	assert_int_equal(raw_int(s, "SELECT count(mac) FROM uniq") + raw_int(s, "SELECT count(mac) FROM blind"), 0);
	assert_int_equal(store_index_mac_keys(s, K1, 1), 0);
	/* in small steps: resumable from the cursor */
	assert_int_equal(store_index_mac_upgrade(s, cur, 3, &done, &more), 0);
	assert_int_equal(done, 3);
	assert_int_equal(more, 1);
	assert_int_equal(store_index_mac_upgrade(s, cur, 3, &done, &more), 0);
	assert_int_equal(done, 1);
	assert_int_equal(more, 0);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM uniq WHERE length(mac) = 16"), 2);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM blind WHERE length(mac) = 16"), 2);
	store_seal_enforce(s, 0);
	assert_int_equal(find(s, ha, 1, &n), 0);
	assert_int_equal(find(s, hb, 0, &n), 0);
	assert_int_equal(n, 2);
	store_close(s);

	/* an entry moved before the upgrade is not blessed with a MAC */
	s = vault_like("upgrade2.db", NULL, 0);
	raw(s, "UPDATE blind SET client = 7 WHERE client = 6");
	assert_int_equal(store_index_mac_keys(s, K1, 1), 0);
	memset(cur, 0, sizeof cur);
	assert_int_equal(store_index_mac_upgrade(s, cur, 100, &done, &more), FORT_ETAMPER);
	assert_int_equal(raw_int(s, "SELECT count(mac) FROM blind WHERE client = 7"), 0);
	assert_int_equal(find(s, hb, 0, &n), FORT_ETAMPER);
	store_close(s);
}

static void test_rekey_after_a_vault_key_rotation(void **state)
{
	(void)state;
	store *s = vault_like("rekey.db", K1, 1);
	unsigned char both[32];
	uint64_t done = 0;
	size_t n = 0;
	/* one entry damaged: the rekey must not make it good */
	raw(s, "UPDATE blind SET mac = zeroblob(16) WHERE client = 6");
	memcpy(both, K2, 16);
	memcpy(both + 16, K1, 16);
	assert_int_equal(store_index_mac_keys(s, both, 2), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_index_mac_rekey(s, &done), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(done, 3);
	/* the old key gone */
	assert_int_equal(store_index_mac_keys(s, K2, 1), 0);
	store_seal_enforce(s, 0);
	assert_int_equal(find(s, ha, 1, &n), 0);
	assert_int_equal(find(s, hc, 1, &n), 0);
	assert_int_equal(find(s, hb, 0, &n), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "client 6"));
	store_close(s);
}

/* What the MAC cannot tell: an entry removed through Fortress and put back
 * later with its own old MAC.  The seal can (audit verify; and the find
 * of a unique value that is missing still asks the seal). */
static void test_put_back_is_for_the_seals(void **state)
{
	(void)state;
	store *s = vault_like("putback.db", K1, 1);
	unsigned char d[32];
	int any;
	size_t n = 0;
	raw(s, "CREATE TABLE keep AS SELECT * FROM uniq WHERE client = 5");
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_blind_del(s, ha, 5, STORE_IDX_UNIQUE), 0);
	assert_int_equal(store_seal_flush(s, 2, d, &any), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(find(s, ha, 1, &n), 0);
	assert_int_equal(n, 0);
	raw(s, "INSERT INTO uniq SELECT * FROM keep");
	{
		store_seal_check c;
		assert_int_equal(find(s, ha, 1, &n), 0); /* the MAC is good */
		assert_int_equal(n, 1);
		assert_int_equal(store_seal_index(s, ha, 1, 5, &c), 0);
		assert_int_equal(c.state, STORE_SEAL_UNSEALED);
	}
	/* and a live unique entry deleted: its find asks the seal */
	raw(s, "DELETE FROM uniq WHERE client = 6");
	assert_int_equal(find(s, hc, 1, &n), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "removed outside Fortress"));
	store_close(s);
}

/* store_blind_del looks where UNIQUE says: a search-index removal leaves the
 * unique index alone, a unique one falls back to the search index (where a
 * rotation keeps a value two clients shared), EITHER clears both. */
static void test_del_where_the_entry_is(void **state)
{
	(void)state;
	store *s = vault_like("del.db", K1, 1);
	unsigned char d[32];
	int any;
	assert_int_equal(store_begin(s), 0);
	/* hc is client 6's unique entry: not removed as a search entry */
	assert_int_equal(store_blind_del(s, hc, 6, STORE_IDX_SEARCH), 0);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM uniq WHERE client = 6"), 1);
	/* hb is a search entry: removed as a unique one, by the fallback */
	assert_int_equal(store_blind_del(s, hb, 5, STORE_IDX_UNIQUE), 0);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM blind WHERE client = 5"), 0);
	assert_int_equal(store_blind_del(s, hc, 6, STORE_IDX_UNIQUE), 0);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM uniq WHERE client = 6"), 0);
	/* the same value in both (only reachable by hand): EITHER clears both */
	raw(s, "INSERT INTO blind(h, client, mac) SELECT h, client, mac FROM uniq WHERE client = 5");
	assert_int_equal(store_blind_del(s, ha, 5, STORE_IDX_EITHER), 0);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM blind WHERE client = 5") + raw_int(s, "SELECT count(*) FROM uniq WHERE client = 5"), 0);
	assert_int_equal(store_seal_flush(s, 2, d, &any), 0);
	assert_int_equal(store_commit(s), 0);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_written_with_a_mac_and_found),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_moved_swapped_forged),
		cmocka_unit_test(test_no_mac_falls_back_to_the_seal),
		cmocka_unit_test(test_upgrade_checks_the_seal_first),
		cmocka_unit_test(test_rekey_after_a_vault_key_rotation),
		cmocka_unit_test(test_put_back_is_for_the_seals),
		cmocka_unit_test(test_del_where_the_entry_is),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
