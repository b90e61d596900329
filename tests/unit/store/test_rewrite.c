/* test_rewrite.c - store_rewrite (issue 16; a key rotation's batches): while
 * a long rewrite runs, SQLite's commits leave the WAL to grow instead of
 * checkpointing it at 1,000 frames (the batches' pages are copied into the
 * file once, bench/README.md "wt-rot (third session)"); after it, a commit
 * over 1,000 frames checkpoints again, so the WAL is written from its start
 * once more; store_checkpoint empties it.  Observed from the WAL file's
 * size: a checkpointed WAL is reused from its start, a deferred one grows.
 * SQLite only (PostgreSQL has nothing to defer). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-rewrite-XXXXXX"
#include "fixture.h"
#include "store/store.h"
#include "store/sqlite_int.h"
#include "store_sql.h"

#define PER_COMMIT 1200 /* clients of ~3 KiB: more than 1,000 WAL frames a commit */

static char big[3000];

static off_t wal_size(const char *path)
{
	char wal[4096];
	struct stat sb;
	snprintf(wal, sizeof wal, "%s-wal", path);
	return stat(wal, &sb) == 0 ? sb.st_size : 0;
}

/* one transaction of PER_COMMIT new clients from *NEXT */
static void commit_clients(store *s, int64_t *next)
{
	assert_int_equal(store_begin(s), 0);
	for (int i = 0; i < PER_COMMIT; i++)
		assert_int_equal(put_client(s, (*next)++, big), 0);
	flush_commit(s);
}

static void test_rewrite_defers_checkpoints(void **state)
{
	(void)state;
	store *s = NULL;
	const char *path = path_of("rewrite.db");
	int64_t next = 1000;
	off_t one, grown, after;
	memset(big, 'x', sizeof big - 1);
	assert_int_equal(store_open(&s, path, 1), 0);
	/* as usual: each commit over 1,000 frames is checkpointed and the
	 * next one writes the WAL from its start again */
	commit_clients(s, &next);
	one = wal_size(path);
	assert_true(one > 1000 * 4096);
	commit_clients(s, &next);
	commit_clients(s, &next);
	assert_true(wal_size(path) < one + one / 2);
	/* a rewrite: every commit appended */
	assert_int_equal(store_checkpoint(s), 0);
	assert_int_equal(wal_size(path), 0);
	store_rewrite(s, 1);
	for (int k = 0; k < 3; k++)
		commit_clients(s, &next);
	grown = wal_size(path);
	assert_true(grown > 2 * one + one / 2);
	/* and after it, checkpoints as usual: the next commit's checkpoint
	 * lets the ones after it reuse the WAL from its start */
	store_rewrite(s, 0);
	for (int k = 0; k < 3; k++)
		commit_clients(s, &next);
	after = wal_size(path);
	assert_true(after < grown + one + one / 2);
	assert_int_equal(raw_int(s, "SELECT count(*) FROM clients"), 9 * PER_COMMIT);
	assert_int_equal(store_checkpoint(s), 0);
	assert_int_equal(wal_size(path), 0);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrite_defers_checkpoints),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
