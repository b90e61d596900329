/* test_sqlite_error.c - one mapping of SQLite's result codes to FORT_E*
 * codes (store_sqlite_error, src/store/sqlite_int.h), the one every file of
 * the backend uses: before issue 16 attach.c had its own, which turned a
 * constraint and an exhausted SQLite into FORT_EIO.  Each primary code and
 * some extended ones (SQLite reports extended codes) against the code the
 * header documents; then the same through real statements of sqlite.c and
 * attach.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-sqlite-error-XXXXXX"
#include "fixture.h"
#include "store/store.h"
#include "store/sqlite_int.h"

static void expect(int rc, int code, const char *words)
{
	fort_error_clear();
	assert_int_equal(store_sqlite_error(NULL, rc, "doing the step"), code);
	/* the message names the step and says what it was */
	assert_non_null(strstr(fort_error_message(), "doing the step"));
	if (words && !strstr(fort_error_message(), words))
		fail_msg("rc %d: '%s' lacks '%s'", rc, fort_error_message(), words);
}

static void test_codes(void **state)
{
	(void)state;
	expect(SQLITE_CONSTRAINT, FORT_EEXISTS, NULL);
	expect(SQLITE_CONSTRAINT_UNIQUE, FORT_EEXISTS, NULL);
	expect(SQLITE_CONSTRAINT_PRIMARYKEY, FORT_EEXISTS, NULL);
	expect(SQLITE_NOMEM, FORT_ENOMEM, "out of memory");
	expect(SQLITE_FULL, FORT_EIO, "disk is full");
	expect(SQLITE_BUSY, FORT_EBUSY, "in use by another process");
	expect(SQLITE_BUSY_SNAPSHOT, FORT_EBUSY, "in use by another process");
	expect(SQLITE_LOCKED, FORT_EBUSY, "in use by another process");
	expect(SQLITE_CORRUPT, FORT_ECORRUPT, "damaged");
	expect(SQLITE_CORRUPT_INDEX, FORT_ECORRUPT, "damaged");
	expect(SQLITE_NOTADB, FORT_ECORRUPT, "not a vault");
	expect(SQLITE_IOERR, FORT_EIO, NULL);
	expect(SQLITE_IOERR_WRITE, FORT_EIO, NULL);
	expect(SQLITE_IOERR_FSYNC, FORT_EIO, NULL);
	expect(SQLITE_CANTOPEN, FORT_EIO, NULL);
	expect(SQLITE_READONLY, FORT_EIO, NULL);
	expect(SQLITE_PERM, FORT_EIO, NULL);
	expect(SQLITE_ERROR, FORT_ERROR, NULL);
	expect(SQLITE_MISUSE, FORT_ERROR, NULL);
}

static int64_t next_seq = 100;
static int flush_hook(void *ctx)
{
	unsigned char d[32];
	int any;
	return store_seal_flush(ctx, next_seq++, d, &any);
}

/* A duplicate through the backend's real statements: a user's name in
 * sqlite.c, an attachment's id in attach.c (which said FORT_EIO before). */
static void test_constraint_through_both_files(void **state)
{
	store *s = NULL;
	store_user u;
	store_attachment a;
	(void)state;
	assert_int_equal(store_open(&s, path_of("dup.db"), 1), 0);
	store_set_commit_hook(s, flush_hook, s);

	memset(&u, 0, sizeof u);
	u.name = "anna";
	u.role = "owner";
	u.status = "active";
	u.sealed = (unsigned char *)"sealed-key";
	u.sealed_len = 10;
	assert_int_equal(store_user_insert(s, &u), 0);
	u.id = 0;
	assert_int_equal(store_user_insert(s, &u), FORT_EEXISTS);

	assert_int_equal(store_begin(s), 0);
	memset(&a, 0, sizeof a);
	a.id = 7;
	a.created = 1000;
	a.actor = "anna";
	assert_int_equal(store_attach_insert(s, &a), 0);
	a.id = 7;
	assert_int_equal(store_attach_insert(s, &a), FORT_EEXISTS);
	assert_non_null(strstr(fort_error_message(), "storing an attachment"));
	store_rollback(s);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_constraint_through_both_files),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
