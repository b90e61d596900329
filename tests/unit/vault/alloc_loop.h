/* alloc_loop.h - the allocation-failure loop test_alloc_public.c and
 * test_alloc_slow.c share: fail allocation 1, 2, 3, ... of an operation
 * until it succeeds, and after every failure check the code (FORT_ENOMEM
 * with a message), every row of every table of the vault file (read through
 * a connection of its own) and the audit log.  Include it once, after
 * fixture.h; the vault is V at path_of("alloc.fort"), with clients CID. */
#ifndef FORT_TEST_ALLOC_LOOP_H
#define FORT_TEST_ALLOC_LOOP_H

#include <time.h>

static fort_vault *v;
static char cid[2][FORT_ID_LEN + 1];
static unsigned long round_no;

/* ---- the vault's state: every row of every table ---- */

/* A hash of every row of every table, read through a connection of its own
 * (committed state only), and one per table to name what changed.  With
 * SKIP_AUDIT the tables a read may append to (its audit entry, that
 * entry's seals, the head in meta) are left out. */
typedef struct {
	unsigned char all[32];    /* every table, or all but the audit's (SKIP_AUDIT) */
	unsigned char full[32];   /* every table */
	size_t n;
	char name[64][40];
	unsigned char h[64][16];
} vstate;

static void vault_hash(vstate *out, int skip_audit)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *tabs = NULL;
	crypto_generichash_state h, hf;
	memset(out, 0, sizeof *out);
	assert_int_equal(sqlite3_open_v2(path_of("alloc.fort"), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	crypto_generichash_init(&h, NULL, 0, 32);
	crypto_generichash_init(&hf, NULL, 0, 32);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1,
					    &tabs, NULL),
			 SQLITE_OK);
	while (sqlite3_step(tabs) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(tabs, 0);
		char sql[256];
		sqlite3_stmt *st = NULL;
		crypto_generichash_state th;
		crypto_generichash_init(&th, NULL, 0, 16);
		snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY rowid", t);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
			/* WITHOUT ROWID tables: their primary key orders them */
			snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", t);
			assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
		}
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const void *b = sqlite3_column_blob(st, c);
				int n = sqlite3_column_bytes(st, c);
				unsigned char ty = (unsigned char)sqlite3_column_type(st, c);
				crypto_generichash_update(&th, &ty, 1);
				crypto_generichash_update(&th, (const unsigned char *)&n, sizeof n);
				if (n)
					crypto_generichash_update(&th, b, (size_t)n);
			}
		}
		sqlite3_finalize(st);
		assert_true(out->n < 64);
		snprintf(out->name[out->n], sizeof out->name[0], "%s", t);
		crypto_generichash_final(&th, out->h[out->n], 16);
		crypto_generichash_update(&hf, (const unsigned char *)t, strlen(t) + 1);
		crypto_generichash_update(&hf, out->h[out->n], 16);
		if (!skip_audit || (strcmp(t, "audit") && strcmp(t, "seal_log") && strncmp(t, "seal_head", 9) && strcmp(t, "meta"))) {
			crypto_generichash_update(&h, (const unsigned char *)t, strlen(t) + 1);
			crypto_generichash_update(&h, out->h[out->n], 16);
		}
		out->n++;
	}
	sqlite3_finalize(tabs);
	sqlite3_close(db);
	crypto_generichash_final(&h, out->all, 32);
	crypto_generichash_final(&hf, out->full, 32);
}

/* The newest audit entry ("action result detail"), for the message. */
static const char *last_audit(void)
{
	static char buf[400];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	buf[0] = '\0';
	if (sqlite3_open_v2(path_of("alloc.fort"), &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT action, result, detail FROM audit ORDER BY seq DESC LIMIT 1", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		snprintf(buf, sizeof buf, "%s %s %s", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
			 sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return buf;
}

/* The tables whose rows differ, for the message. */
static const char *vault_diff(const vstate *a, const vstate *b)
{
	static char buf[512];
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < a->n; i++)
		for (size_t k = 0; k < b->n; k++)
			if (!strcmp(a->name[i], b->name[k]) && memcmp(a->h[i], b->h[k], 16) && len < sizeof buf - 50)
				len += (size_t)snprintf(buf + len, sizeof buf - len, " %s", a->name[i]);
	return buf;
}

/* ---- the operations ---- */

typedef struct {
	const char *fns;   /* the public functions it calls, space-separated */
	int (*op)(void);
	int write;         /* 1: must change the vault when it succeeds; 2: the same, but it
			    * reads (audited) before it writes, so a failure may leave
			    * those audit entries and nothing else; 3: committed in steps
			    * by design (a key rotation, letters queued one by one): a
			    * failure leaves the vault as it was (but for the audit entries
			    * of reads, as 2), or part done, which FINISH must then complete */
	void (*setup)(void); /* before each try, allocations not failing */
	int (*finish)(void); /* write 3: completes what a failure left part done; 1 when it did */
} op_case;

static double secs(struct timespec a, struct timespec b)
{
	return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

static void alloc_loop(const op_case *c)
{
	unsigned long n;
	int ok_in_a_row = 0, failed = 0, done = 0, resumed = 0;
	vstate before, after;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect_verified(v);   /* the baseline every unchanged vault below shares */
	/* a write stops at its first success (each success makes the next one
	 * allocate more: a new field, one more row to read); a read when it
	 * has succeeded 4 times in a row */
	for (n = 1; n < 20000 && ok_in_a_row < (c->write ? 1 : 4); n++) {
		int r;
		round_no = n;
		if (c->setup)
			c->setup();
		vault_hash(&before, c->write != 1);
		fort_error_clear();
		fort_alloc_fail_at(n);
		r = c->op();
		fort_alloc_fail_at(0);
		if (r > 0 || r == -1000)
			fail_msg("%s, allocation %lu: returned %d", c->fns, n, r);
		if (r < 0 && (!fort_error_name(r) || !*fort_error_message()))
			fail_msg("%s, allocation %lu: code %d without a name or a message", c->fns, n, r);
		if (r < 0 && r != FORT_ENOMEM)
			fail_msg("%s, allocation %lu: %s (%s), not out of memory", c->fns, n, fort_error_name(r),
				 fort_error_message());
		vault_hash(&after, c->write != 1);
		if (r < 0 && memcmp(before.all, after.all, 32) && c->write == 3 && c->finish())
			resumed++;
		else if (r < 0 && memcmp(before.all, after.all, 32))
			fail_msg("%s, allocation %lu: failed (%s), but the vault changed:%s (newest audit entry: %s)", c->fns, n,
				 fort_error_message(), vault_diff(&before, &after), last_audit());
		if (r == 0 && (c->write == 1 || c->write == 3) && !memcmp(before.all, after.all, 32))
			fail_msg("%s, allocation %lu: succeeded, but the vault did not change", c->fns, n);
		if (r < 0) {
			failed++;
			/* every row as it was (verified before): the same verdict; verify
			 * only what changed (a read's audit entry) */
			if (memcmp(before.full, after.full, 32))
				expect_verified(v);
		}
		done += r == 0;
		if (n == 2000 && !done)
			fail_msg("%s: never succeeds (last: %s)", c->fns, fort_error_message());
		ok_in_a_row = r == 0 ? ok_in_a_row + 1 : 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (resumed)
		print_message("%s: %lu allocation points, %d failures handled (%d of them left it part done: "
			      "finished), %.1f s\n", c->fns, n - 1, failed, resumed, secs(t0, t1));
	else
		print_message("%s: %lu allocation points, %d failures handled, %.1f s\n", c->fns, n - 1, failed, secs(t0, t1));
	assert_true(done > 0);
}

#endif
