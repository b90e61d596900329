/* test_record_upgrade.c - record format 1 vaults given record format 2's
 * trailer at their first unlock, and the downgrade refused after it.
 *
 * The vault is tests/data/e2e/vault-v8.db (tests/data/e2e/make-vault-v8.sh,
 * made by a release before the seals and before the trailer): its records
 * are of format 1.  A locked open migrates it but changes no record; the
 * first unlock seals it (seal_upgrade), then gives every record its trailer
 * and sets the sealed marker "record_mac" in one audited entry
 * ("record-mac"), keeping each record's times; the log still verifies,
 * every record reads, a second unlock changes nothing.  Then the attack the
 * marker is for: a record written back without its trailer, even through
 * the store with its seal made again (what a user with the file and a
 * build of their own could do), is refused by the decoder. */
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

#define FIXTURE_DIR "/tmp/fort-test-record-upgrade-XXXXXX"
#define PASS "quartz-lantern-hobbit-marzipan-oxbow-tundra-velcro"
#include "fixture.h"

#define MAXC 16
struct rows {
	int64_t id[MAXC], updated[MAXC];
	int trailer[MAXC];
	size_t n;
};

static int row_cb(void *ctx, const store_client *c)
{
	struct rows *x = ctx;
	rec_iter it;
	rec_field f;
	int r;
	assert_true(x->n < MAXC);
	assert_int_equal(rec_begin(&it, c->data, c->data_len), 0);
	while ((r = rec_next(&it, &f)) == 1)
		;
	assert_int_equal(r, 0);
	x->id[x->n] = c->id;
	x->updated[x->n] = c->updated;
	x->trailer[x->n] = it.trailer != NULL;
	x->n++;
	return 0;
}

struct cnt { const char *action; size_t n; };
static int audit_cb(void *ctx, const store_audit_row *r)
{
	struct cnt *c = ctx;
	c->n += strcmp(r->action, c->action) == 0;
	return 0;
}

static size_t count_action(fort_vault *v, const char *action)
{
	struct cnt c = { action, 0 };
	assert_int_equal(store_audit_each(v->st, NULL, audit_cb, &c), 0);
	return c.n;
}

static fort_vault *open_locked(const char *path)
{
	fort_vault *v = NULL;
	int r = fort_vault_open(&v, path, NULL, NULL);
	if (r != 0)
		fail_msg("locked open: %d %s", r, fort_error_message());
	return v;
}

static void test_upgrade(void **state)
{
	char src[4096];
	const char *td = getenv("FORT_TEST_DATA");
	const char *path = vault_at("v8.db");
	struct rows before, after;
	fort_vault *v;
	FILE *in, *out;
	char buf[8192];
	size_t k;
	(void)state;
	SQLITE_ONLY("writes a vault file of an older record format");
	assert_non_null(td);
	snprintf(src, sizeof src, "%s/e2e/vault-v8.db", td);
	assert_non_null(in = fopen(src, "rb"));
	assert_non_null(out = fopen(path, "wb"));
	while ((k = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, k, out), k);
	fclose(in);
	assert_int_equal(fclose(out), 0);

	/* locked: migrated, no record touched, no marker */
	memset(&before, 0, sizeof before);
	v = open_locked(path);
	assert_int_equal(v->rec_mac_all, 0);
	assert_int_equal(store_client_each(v->st, row_cb, &before), 0);
	assert_true(before.n >= 2);
	for (size_t i = 0; i < before.n; i++)
		assert_int_equal(before.trailer[i], 0); /* format 1: the fixture is what it claims */
	fort_vault_close(v);

	/* the first unlock: every record given its trailer, the marker set, one entry */
	v = open_vault(path, PASS);
	assert_int_equal(v->rec_mac_all, 1);
	memset(&after, 0, sizeof after);
	assert_int_equal(store_client_each(v->st, row_cb, &after), 0);
	assert_int_equal(after.n, before.n);
	for (size_t i = 0; i < after.n; i++) {
		client_vals cv;
		store_client c;
		assert_int_equal(after.id[i], before.id[i]);
		assert_int_equal(after.trailer[i], 1);
		assert_int_equal(after.updated[i], before.updated[i]); /* retention counts from it */
		assert_int_equal(store_client_get(v->st, &c, after.id[i]), 0);
		assert_int_equal(cvals_init(&cv, v), 0);
		if (client_decrypt(&cv, v, &c) != 0)
			fail_msg("client %lld after the upgrade: %s", (long long)c.id, fort_error_message());
		cvals_release(&cv);
		store_client_release(&c);
	}
	{
		fort_client_summary *sum = NULL;
		size_t n = 0;
		assert_int_equal(fort_client_list(&sum, &n, v), 0);
		assert_true(n >= 1);
		size_t named = 0;
		for (size_t i = 0; i < n; i++)
			named += sum[i].display[0] != '\0'; /* a name decrypted (the erased client has none) */
		assert_true(named >= 1);
		free(sum);
	}
	assert_int_equal(count_action(v, "record-mac"), 1);
	expect_verified(v);
	fort_vault_close(v);

	/* again: the marker is read back (sealed meta), nothing more is written */
	v = open_vault(path, PASS);
	assert_int_equal(v->rec_mac_all, 1);
	assert_int_equal(count_action(v, "record-mac"), 1);
	expect_verified(v);

	/* the downgrade: a record written back without its trailer, its seal
	 * made again by the store itself, is refused by the decoder */
	{
		store_client c;
		client_vals cv;
		char id[FORT_ID_LEN + 1];
		int r;
		assert_int_equal(store_client_get(v->st, &c, after.id[0]), 0);
		assert_true(c.data_len > REC_TRAILER_LEN);
		c.data_len -= REC_TRAILER_LEN;
		assert_int_equal(store_begin(v->st), 0);
		assert_int_equal(store_client_update(v->st, &c), 0);
		assert_int_equal(audit_append(v, "test-downgrade", "", "", "", "ok", "trailer stripped"), 0);
		assert_int_equal(store_commit(v->st), 0);
		store_client_release(&c);
		assert_int_equal(store_client_get(v->st, &c, after.id[0]), 0); /* the seals pass it */
		assert_int_equal(cvals_init(&cv, v), 0);
		r = client_decrypt(&cv, v, &c);
		assert_int_equal(r, FORT_ETAMPER);
		client_id_format(id, c.id);
		assert_non_null(strstr(fort_error_message(), id));
		assert_non_null(strstr(fort_error_message(), "no authenticator"));
		for (size_t i = 0; i < cv.n; i++)
			assert_null(cv.vals[i]);
		cvals_release(&cv);
		store_client_release(&c);
		{
			fort_client_summary *sum = NULL;
			size_t n = 0;
			assert_int_equal(fort_client_list(&sum, &n, v), FORT_ETAMPER);
			assert_null(sum);
		}
	}
	fort_vault_close(v);
	/* and a new unlock does not "upgrade" it back: the marker stays */
	v = open_vault(path, PASS);
	assert_int_equal(v->rec_mac_all, 1);
	assert_int_equal(count_action(v, "record-mac"), 1);
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upgrade),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
