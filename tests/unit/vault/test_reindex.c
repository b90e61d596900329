/* test_reindex.c - blind-index version 2 (NFC and case folding before the
 * keys): a vault whose entries were made the old way is re-indexed at the
 * owner's unlock, resumably, and then finds names however they are written. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "fortress.h"
#include "util.h"
#include "vault/vault_int.h"

#define FIXTURE_DIR "/tmp/fort-test-reindex-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

/* Decomposed (as macOS writes it), Cyrillic upper case, Romanian comma
 * below in upper case: each as an older vault indexed it. */
static const char *const names[] = {
	"Jo\xcc\x88rg Mu\xcc\x88ller",
	"\xd0\x98\xd0\x92\xd0\x90\xd0\x9d \xd0\x9f\xd0\x95\xd0\xa2\xd0\xa0\xd0\x9e\xd0\x92",
	"\xc8\x98TEFAN \xc8\x9aURCANU",
	"Maria Muster",
};
/* ... and as someone searches for them */
static const char *const typed[] = {
	"J\xc3\x96RG M\xc3\x9cLLER",
	"\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd \xd0\xbf\xd0\xb5\xd1\x82\xd1\x80\xd0\xbe\xd0\xb2",
	"\xc5\x9ftefan \xc5\xa3urcanu",
	"MARIA MUSTER",
};
#define N (sizeof names / sizeof names[0])

static size_t find_n(fort_vault *v, const char *field, const char *value)
{
	char (*ids)[FORT_ID_LEN + 1] = NULL;
	size_t n = 99;
	int r = fort_client_find(&ids, &n, v, field, value);
	if (r != 0)
		fail_msg("find %s=%s: %d %s", field, value, r, fort_error_message());
	free(ids);
	return n;
}

/* Turn the name entries of these clients back into version-1 entries and
 * forget the version: what a vault made before looks like. */
static void make_old(fort_vault *v, char ids[N][FORT_ID_LEN + 1])
{
	int fi = map_index(&v->map, "full_name");
	assert_true(fi >= 0);
	assert_int_equal(store_begin(v->st), 0);
	for (size_t i = 0; i < N; i++) {
		char canon_buf[256], *canon = NULL, *k1 = NULL, *k2 = NULL, why[128];
		unsigned char h1[BIDX_LEN], h2[BIDX_LEN];
		int64_t id;
		assert_int_equal(client_id_parse(&id, ids[i]), 0);
		assert_int_equal(type_normalise(&canon, FT_NAME, names[i], strlen(names[i]), 0, "DE", why, sizeof why), 0);
		snprintf(canon_buf, sizeof canon_buf, "%s", canon);
		assert_int_equal(type_index_key_v1(&k1, FT_NAME, canon_buf), 0);
		assert_int_equal(type_index_key(&k2, FT_NAME, canon_buf), 0);
		keys_blind(h1, v->bkeys + (size_t)fi * KEY_LEN, k1, strlen(k1));
		keys_blind(h2, v->bkeys + (size_t)fi * KEY_LEN, k2, strlen(k2));
		assert_int_equal(store_blind_del(v->st, h2, id, STORE_IDX_EITHER), 0);
		assert_int_equal(store_blind_add(v->st, h1, id, 0, NULL), 0);
		free(canon);
		free(k1);
		free(k2);
	}
	assert_int_equal(store_meta_put(v->st, "index_norm", "1", 1), 0);
	assert_int_equal(store_commit(v->st), 0);
}

/* the newest audit entry's action and detail, "action: detail" */
static int last_cb(void *ctx, const store_audit_row *r)
{
	snprintf(ctx, 256, "%s %s: %s", r->action, r->result, r->detail);
	return 0;
}

static const char *last_entry(fort_vault *v)
{
	static char last[256];
	last[0] = '\0';
	assert_int_equal(store_audit_each(v->st, NULL, last_cb, last), 0);
	return last;
}

static void add_all(fort_vault *v, char ids[N][FORT_ID_LEN + 1])
{
	for (size_t i = 0; i < N; i++) {
		fort_kv kv[] = { { "full_name", names[i] } };
		assert_int_equal(fort_client_add(ids[i], v, kv, 1), 0);
	}
}

static void test_reindex_at_unlock(void **state)
{
	(void)state;
	char ids[N][FORT_ID_LEN + 1];
	fort_vault *v = create_vault("rx.fort");

	add_all(v, ids);
	/* a new vault indexes folded already */
	for (size_t i = 0; i < N; i++)
		if (find_n(v, "full_name", typed[i]) != 1)
			fail_msg("new vault: '%s' not found", typed[i]);
	make_old(v, ids);
	/* the old entries miss what is typed differently (the ASCII one is the same in both versions) */
	for (size_t i = 0; i + 1 < N; i++)
		if (find_n(v, "full_name", typed[i]) != 0)
			fail_msg("old entries: '%s' found", typed[i]);
	assert_int_equal(find_n(v, "full_name", typed[N - 1]), 1);
	fort_vault_close(v);

	/* the owner's unlock re-indexes, its batches steps of the operation
	 * scaffold, the last one with the entry (after the unlock's) */
	v = open_vault(vault_at("rx.fort"), PASS);
	assert_int_equal(vault_index_is_current(v), 1);
	assert_string_equal(last_entry(v), "reindex ok: blind index version 2 (NFC, case folding): 3 entries re-made, "
			    "0 now shared by two clients");
	for (size_t i = 0; i < N; i++)
		if (find_n(v, "full_name", typed[i]) != 1)
			fail_msg("after the re-index: '%s' not found", typed[i]);
	expect_verified(v);
	fort_vault_close(v);
}

static void test_reindex_resumes_at_cursor(void **state)
{
	(void)state;
	char ids[N][FORT_ID_LEN + 1], cur[32];
	int64_t first;
	fort_vault *v = create_vault("rx2.fort");

	add_all(v, ids);
	make_old(v, ids);
	/* a run killed after the first client: the cursor says where it was */
	assert_int_equal(client_id_parse(&first, ids[0]), 0);
	snprintf(cur, sizeof cur, "%lld", (long long)first);
	assert_int_equal(store_meta_put(v->st, "index_norm_cursor", cur, strlen(cur)), 0);
	fort_vault_close(v);

	v = open_vault(vault_at("rx2.fort"), PASS);
	assert_int_equal(vault_index_is_current(v), 1);
	/* the first was not done again (a real run did it before the kill) */
	assert_int_equal(find_n(v, "full_name", typed[0]), 0);
	for (size_t i = 1; i < N; i++)
		if (find_n(v, "full_name", typed[i]) != 1)
			fail_msg("after the resumed re-index: '%s' not found", typed[i]);
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reindex_at_unlock),
		cmocka_unit_test(test_reindex_resumes_at_cursor),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
