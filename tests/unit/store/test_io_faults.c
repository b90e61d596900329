/* test_io_faults.c - I/O errors and a full disk, one at a time, at every
 * point of a small operation (as SQLite's own tests do): a VFS wrapping the
 * default one fails the Nth read, write, sync or truncate (SQLITE_IOERR),
 * or the Nth write with SQLITE_FULL, for N = 1, 2, ... until the operation
 * no longer reaches N.  Each time: the call returns 0 or a clean error
 * (FORT_EIO with a message), and the vault, reopened without faults, is
 * whole: integrity_check passes, the audit log verifies, the change is
 * either entirely there (and reads back) or not at all, and an operation
 * that reported success is there. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <unistd.h>
#include <pthread.h>
#include <time.h>
#include "fortress.h"
#include "util.h"

#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_DIR "/tmp/fort-test-io-faults-XXXXXX"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

/* ------------------------------------------------------ the faulty VFS */

static sqlite3_vfs *real_vfs;
static sqlite3_vfs faulty;
static long fault_at;       /* 0: no fault; else counts the operations down */
static int fault_full;      /* writes fail with SQLITE_FULL (reads and syncs are left alone) */
static long fault_hits;
static int fault_sticky;    /* once hit, every later write fails too (a disk that stays full) */

typedef struct {
	sqlite3_file base;
	sqlite3_file *real;     /* follows this struct */
} ffile;

static int fault_now(int is_write)
{
	if (!fault_at || (fault_full && !is_write))
		return 0;
	if (fault_sticky && fault_hits) {
		fault_hits++;
		return 1;
	}
	if (--fault_at == 0) {
		fault_hits++;
		if (fault_sticky)
			fault_at = 1;
		return 1;
	}
	return 0;
}

#define REAL(f) (((ffile *)(f))->real)

static int f_close(sqlite3_file *f)
{
	int rc = REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;
	return rc;
}
static int f_read(sqlite3_file *f, void *b, int n, sqlite3_int64 off)
{
	if (fault_now(0))
		return SQLITE_IOERR_READ;
	return REAL(f)->pMethods->xRead(REAL(f), b, n, off);
}
static int f_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 off)
{
	if (fault_now(1))
		return fault_full ? SQLITE_FULL : SQLITE_IOERR_WRITE;
	return REAL(f)->pMethods->xWrite(REAL(f), b, n, off);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	if (fault_now(0))
		return SQLITE_IOERR_TRUNCATE;
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int f_sync(sqlite3_file *f, int flags)
{
	if (fault_now(0))
		return SQLITE_IOERR_FSYNC;
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int f_size(sqlite3_file *f, sqlite3_int64 *s) { return REAL(f)->pMethods->xFileSize(REAL(f), s); }
static int f_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int f_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int f_check(sqlite3_file *f, int *o) { return REAL(f)->pMethods->xCheckReservedLock(REAL(f), o); }
static int f_fctl(sqlite3_file *f, int op, void *a) { return REAL(f)->pMethods->xFileControl(REAL(f), op, a); }
static int f_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int f_dev(sqlite3_file *f) { return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }
static int f_shmmap(sqlite3_file *f, int pg, int sz, int ext, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, ext, pp);
}
static int f_shmlock(sqlite3_file *f, int off, int n, int fl) { return REAL(f)->pMethods->xShmLock(REAL(f), off, n, fl); }
static void f_shmbarrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int f_shmunmap(sqlite3_file *f, int del) { return REAL(f)->pMethods->xShmUnmap(REAL(f), del); }
static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
	*pp = NULL;   /* no memory mapping: every read goes through f_read */
	(void)f; (void)off; (void)n;
	return SQLITE_OK;
}
static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p) { (void)f; (void)off; (void)p; return SQLITE_OK; }

static const sqlite3_io_methods f_methods = {
	3, f_close, f_read, f_write, f_truncate, f_sync, f_size, f_lock, f_unlock, f_check, f_fctl,
	f_sector, f_dev, f_shmmap, f_shmlock, f_shmbarrier, f_shmunmap, f_fetch, f_unfetch,
};

static int f_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	ffile *ff = (ffile *)f;
	int rc;
	(void)vfs;
	ff->real = (sqlite3_file *)(ff + 1);
	rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out);
	f->pMethods = ff->real->pMethods ? &f_methods : NULL;
	return rc;
}
static int f_delete(sqlite3_vfs *v, const char *n, int s) { (void)v; return real_vfs->xDelete(real_vfs, n, s); }
static int f_access(sqlite3_vfs *v, const char *n, int fl, int *o) { (void)v; return real_vfs->xAccess(real_vfs, n, fl, o); }
static int f_full(sqlite3_vfs *v, const char *n, int k, char *o) { (void)v; return real_vfs->xFullPathname(real_vfs, n, k, o); }
static void *f_dlopen(sqlite3_vfs *v, const char *n) { (void)v; return real_vfs->xDlOpen(real_vfs, n); }
static void f_dlerr(sqlite3_vfs *v, int n, char *m) { (void)v; real_vfs->xDlError(real_vfs, n, m); }
static void (*f_dlsym(sqlite3_vfs *v, void *h, const char *s))(void) { (void)v; return real_vfs->xDlSym(real_vfs, h, s); }
static void f_dlclose(sqlite3_vfs *v, void *h) { (void)v; real_vfs->xDlClose(real_vfs, h); }
static int f_rand(sqlite3_vfs *v, int n, char *o) { (void)v; return real_vfs->xRandomness(real_vfs, n, o); }
static int f_sleep(sqlite3_vfs *v, int us) { (void)v; return real_vfs->xSleep(real_vfs, us); }
static int f_time(sqlite3_vfs *v, double *t) { (void)v; return real_vfs->xCurrentTime(real_vfs, t); }
static int f_lasterr(sqlite3_vfs *v, int n, char *m) { (void)v; return real_vfs->xGetLastError(real_vfs, n, m); }
static int f_time64(sqlite3_vfs *v, sqlite3_int64 *t) { (void)v; return real_vfs->xCurrentTimeInt64(real_vfs, t); }

static void faulty_install(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	assert_non_null(real_vfs);
	memset(&faulty, 0, sizeof faulty);
	faulty.iVersion = 2;
	faulty.szOsFile = (int)sizeof(ffile) + real_vfs->szOsFile;
	faulty.mxPathname = real_vfs->mxPathname;
	faulty.zName = "fortress-faulty";
	faulty.xOpen = f_open;
	faulty.xDelete = f_delete;
	faulty.xAccess = f_access;
	faulty.xFullPathname = f_full;
	faulty.xDlOpen = f_dlopen;
	faulty.xDlError = f_dlerr;
	faulty.xDlSym = f_dlsym;
	faulty.xDlClose = f_dlclose;
	faulty.xRandomness = f_rand;
	faulty.xSleep = f_sleep;
	faulty.xCurrentTime = f_time;
	faulty.xGetLastError = f_lasterr;
	faulty.xCurrentTimeInt64 = f_time64;
	assert_int_equal(sqlite3_vfs_register(&faulty, 1), SQLITE_OK);
}

/* --------------------------------------------------------------- loop */

static fort_secret *key;      /* the owner's keys: no Argon2id per round */

static void copy_file(const char *from, const char *to)
{
	FILE *a = fopen(from, "rb"), *b;
	char buf[65536];
	size_t n;
	unlink(to);
	if (!a)
		return;
	assert_non_null(b = fopen(to, "wb"));
	while ((n = fread(buf, 1, sizeof buf, a)) > 0)
		assert_int_equal(fwrite(buf, 1, n, b), n);
	fclose(a);
	assert_int_equal(fclose(b), 0);
}

static void restore_pristine(void)
{
	char a[600], b[600];
	copy_file(path_of("pristine.fort"), path_of("work.fort"));
	snprintf(a, sizeof a, "%s-wal", path_of("pristine.fort"));
	snprintf(b, sizeof b, "%s-wal", path_of("work.fort"));
	copy_file(a, b);
	snprintf(b, sizeof b, "%s-shm", path_of("work.fort"));
	unlink(b);
}

static fort_vault *open_work(void)
{
	fort_vault *v = NULL;
	int r = fort_vault_open_key(&v, path_of("work.fort"), NULL, key);
	if (r != 0)
		fail_msg("open: %d %s", r, fort_error_message());
	return v;
}

static int integrity_ok(void)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int ok;
	assert_int_equal(sqlite3_open_v2(path_of("work.fort"), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	ok = sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

enum { OP_ADD, OP_EDIT, OP_INTAKE };
#define INTAKE_JSON "{\"fields\": {\"full_name\": \"Form Visitor\", \"email\": \"visitor@example.com\"}}"
static char first_id[FORT_ID_LEN + 1];

/* The operation under test; returns its code. */
static int do_op(fort_vault *v, int op)
{
	char id[FORT_ID_LEN + 1];
	if (op == OP_ADD) {
		fort_kv kv[] = { { "full_name", "Faulty Client" }, { "email", "faulty@example.com" }, { "phone", "+49 30 5550000" } };
		return fort_client_add(id, v, kv, 3);
	}
	if (op == OP_INTAKE)   /* a visitor's submission: works with the vault locked */
		return fort_intake_submit(v, "contact", INTAKE_JSON, strlen(INTAKE_JSON));
	fort_kv kv[] = { { "phone", "+49 30 5551111" } };
	return fort_client_edit(v, first_id, kv, 1);
}

/* 1 when the change of OP is in V (and reads back whole), 0 when not. */
static int op_applied(fort_vault *v, int op)
{
	const char *reveal[] = { "all" };
	fort_read_opts o = FORT_READ_OPTS_INIT;
	fort_record *rec = NULL;
	char (*ids)[FORT_ID_LEN + 1] = NULL;
	const char *phone;
	size_t n = 0;
	int applied;

	o.reveal = reveal;
	o.nreveal = 1;
	o.purpose = "correspondence";
	if (op == OP_ADD) {
		assert_int_equal(fort_client_find(&ids, &n, v, "email", "faulty@example.com"), 0);
		assert_true(n <= 1);
		applied = n == 1;
		if (applied) {
			if (fort_client_get(&rec, v, ids[0], &o) != 0)
				fail_msg("the added client does not read back: %s", fort_error_message());
			assert_string_equal(fort_record_value(rec, "email"), "faulty@example.com");
			fort_record_free(rec);
		}
		free(ids);
		return applied;
	}
	if (op == OP_INTAKE) {
		/* the submission is in the inbox whole (it opens, every value
		 * there), or not at all: never a box that does not open */
		fort_intake_item *items = NULL;
		size_t ni = 0;
		if (fort_intake_review(&items, &ni, v, "contact", 1) != 0)
			fail_msg("the inbox does not read back: %s", fort_error_message());
		assert_true(ni <= 1);
		applied = ni == 1;
		if (applied) {
			const char *email = NULL, *name = NULL;
			if (items[0].problem[0])
				fail_msg("a half-stored submission: %s", items[0].problem);
			for (size_t i = 0; i < items[0].nvalues; i++) {
				if (strcmp(items[0].values[i].field, "email") == 0)
					email = items[0].values[i].value;
				if (strcmp(items[0].values[i].field, "full_name") == 0)
					name = items[0].values[i].value;
			}
			assert_non_null(email);
			assert_non_null(name);
			assert_string_equal(email, "visitor@example.com");
			assert_string_equal(name, "Form Visitor");
		}
		fort_intake_items_free(items, ni);
		return applied;
	}
	if (fort_client_get(&rec, v, first_id, &o) != 0)
		fail_msg("the edited client does not read back: %s", fort_error_message());
	phone = fort_record_value(rec, "phone");
	assert_non_null(phone);
	applied = strcmp(phone, "+49305551111") == 0;
	if (!applied)
		assert_string_equal(phone, "+49301234567");
	fort_record_free(rec);
	return applied;
}

static void fault_loop(int op, int full, const char *what)
{
	long n;
	int errors = 0, applied_after_error = 0;
	for (n = 1;; n++) {
		fort_vault *v;
		fort_audit_report rep;
		int rc, applied;

		restore_pristine();
		v = open_work();
		fault_hits = 0;
		fault_full = full;
		fault_at = n;
		rc = do_op(v, op);
		fault_at = 0;
		if (rc != 0 && rc != FORT_EIO)
			fail_msg("%s, fault at %ld: code %d (%s), not an I/O error", what, n, rc, fort_error_message());
		if (rc != 0 && !*fort_error_message())
			fail_msg("%s, fault at %ld: an error without a message", what, n);
		if (rc != 0 && full && !strstr(fort_error_message(), "full"))
			fail_msg("%s, fault at %ld: disk full not said: %s", what, n, fort_error_message());
		fort_vault_close(v);
		/* reopened without faults: whole */
		if (!integrity_ok())
			fail_msg("%s, fault at %ld: integrity_check fails", what, n);
		v = open_work();
		assert_int_equal(fort_audit_verify(&rep, v, NULL), 0);
		if (!rep.ok)
			fail_msg("%s, fault at %ld: the audit log does not verify: %s", what, n, rep.problem);
		applied = op_applied(v, op);
		fort_vault_close(v);
		if (rc == 0 && !applied)
			fail_msg("%s, fault at %ld: reported done, but not there", what, n);
		errors += rc != 0;
		applied_after_error += rc != 0 && applied;
		if (!fault_hits)
			break;   /* the operation no longer reaches N */
	}
	print_message("%s: %ld fault points, %d clean errors (%d with the change already durable: a sync failed after it was written)\n",
		      what, n - 1, errors, applied_after_error);
	assert_true(n > (op == OP_INTAKE ? 2 : 5));   /* a submission is one small row */
	assert_true(errors > 0);
}

/* --------------------------------------------- the group commit, disk full */

struct reader {
	fort_vault *v;
	int rc;
	char msg[256];
};

static void *read_one(void *p)
{
	struct reader *rd = p;
	fort_record *rec = NULL;
	rd->rc = fort_client_get(&rec, rd->v, first_id, NULL);
	snprintf(rd->msg, sizeof rd->msg, "%s", rd->rc ? fort_error_message() : "");
	fort_record_free(rec);
	return NULL;
}

static int64_t audit_rows(void)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t n;
	assert_int_equal(sqlite3_open_v2(path_of("work.fort"), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM audit", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* Reads of several handles whose entries wait in the group commit
 * (audit/writer.c) while the disk is full: every one of them gets the
 * error (no record without its entry), nothing of them is written, the log
 * verifies; once there is room again the next read is written. */
#define READERS 6
static void group_commit_full(void)
{
	fort_audit_writer *w = NULL;
	struct reader rd[READERS];
	pthread_t th[READERS];
	fort_audit_report rep;
	fort_vault *v;
	sqlite3 *lock;
	uint64_t commits = 9, entries = 9, failed = 0;
	int64_t before;
	restore_pristine();
	assert_int_equal(fort_audit_writer_new(&w, path_of("work.fort")), 0);
	for (int i = 0; i < READERS; i++) {
		rd[i].v = open_work();
		assert_int_equal(fort_vault_use_audit_writer(rd[i].v, w), 0);
	}
	before = audit_rows();
	/* another writer holds the file: the entries queue up meanwhile */
	assert_int_equal(sqlite3_open(path_of("work.fort"), &lock), SQLITE_OK);
	assert_int_equal(sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	for (int i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, read_one, &rd[i]), 0);
	{
		struct timespec ts = { 0, 400 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	fault_hits = 0;
	fault_full = 1;
	fault_sticky = 1;
	fault_at = 1;
	sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL);
	for (int i = 0; i < READERS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	fault_at = 0;
	fault_sticky = 0;
	fault_full = 0;
	sqlite3_close(lock);
	for (int i = 0; i < READERS; i++) {
		if (rd[i].rc != FORT_EIO || !strstr(rd[i].msg, "full"))
			fail_msg("reader %d: %d '%s', not the disk-full error", i, rd[i].rc, rd[i].msg);
	}
	fort_audit_writer_stats(w, &commits, &entries, &failed);
	assert_int_equal(commits, 0);
	assert_int_equal(entries, 0);
	assert_int_equal(failed, READERS);
	assert_true(fault_hits > 0);
	assert_int_equal(audit_rows(), before);   /* not one of them written */
	assert_true(integrity_ok());
	/* room again: the next read is written, in one more transaction */
	read_one(&rd[0]);
	assert_int_equal(rd[0].rc, 0);
	fort_audit_writer_stats(w, &commits, &entries, &failed);
	assert_int_equal(commits, 1);
	assert_int_equal(audit_rows(), before + 1);
	for (int i = 0; i < READERS; i++)
		fort_vault_close(rd[i].v);
	fort_audit_writer_free(w);
	v = open_work();
	assert_int_equal(fort_audit_verify(&rep, v, NULL), 0);
	if (!rep.ok)
		fail_msg("the audit log does not verify after the failed group commit: %s", rep.problem);
	fort_vault_close(v);
}

/* ------------------------------------------------ a handle's refresh */

/* A handle kept across requests (a server's session, the self-service
 * pages' keyholder handle) whose fort_vault_refresh fails on a read error
 * after another handle changed the vault: the failure is said (FORT_EIO),
 * and the next refresh of the same handle, the disk well again, reads the
 * change.  Each read of the refresh fails in turn, N = 1, 2, ...; the
 * change is a field added to the data map, which the refresh reads again.
 * With the group commit (WITH_WRITER) the refresh first looks at the
 * chain's end, whose shortcuts must not take the failed read as done. */
static void refresh_faults(int with_writer, const char *what)
{
	long n;
	int errors = 0;
	for (n = 1;; n++) {
		fort_audit_writer *w = NULL;
		fort_vault *v, *other;
		fort_field_spec fs = FORT_FIELD_SPEC_INIT;
		const char *purposes[] = { "correspondence" };
		int rc;

		restore_pristine();
		v = open_work();
		if (with_writer) {
			assert_int_equal(fort_audit_writer_new(&w, path_of("work.fort")), 0);
			assert_int_equal(fort_vault_use_audit_writer(v, w), 0);
		}
		assert_int_equal(fort_vault_refresh(v), 0);
		assert_null(fort_map_find(v, "refresh_probe"));
		/* another handle (another process, a CLI) changes the map */
		other = open_work();
		fs.name = "refresh_probe";
		fs.type = "text";
		fs.category = "notes";
		fs.purposes = purposes;
		fs.npurposes = 1;
		if (fort_map_field_add(other, &fs) != 0)
			fail_msg("map field add: %s", fort_error_message());
		fort_vault_close(other);

		fault_hits = 0;
		fault_full = 0;
		fault_at = n;
		rc = fort_vault_refresh(v);
		fault_at = 0;
		if (rc != 0 && rc != FORT_EIO)
			fail_msg("%s, fault at %ld: code %d (%s), not an I/O error", what, n, rc, fort_error_message());
		if (rc != 0 && !strstr(fort_error_message(), "I/O error"))
			fail_msg("%s, fault at %ld: the I/O error not said: '%s'", what, n, fort_error_message());
		if (rc != 0) {
			errors++;
			fort_error_clear();
			/* the disk is well again: the same handle's next refresh
			 * reads what the failed one did not */
			if ((rc = fort_vault_refresh(v)) != 0)
				fail_msg("%s, fault at %ld: the refresh after the failed one: %d %s", what, n, rc,
					 fort_error_message());
		}
		if (!fort_map_find(v, "refresh_probe"))
			fail_msg("%s, fault at %ld: %s, and the handle still holds the old map", what, n,
				 errors && fault_hits ? "the refresh failed once" : "the refresh succeeded");
		/* and it serves, or refuses as locked (keys that could not be
		 * read again are dropped): never from what it held before */
		{
			fort_record *rec = NULL;
			rc = fort_client_get(&rec, v, first_id, NULL);
			if (rc != 0 && rc != FORT_ELOCKED)
				fail_msg("%s, fault at %ld: a read after the refresh: %d %s", what, n, rc, fort_error_message());
			fort_record_free(rec);
		}
		fort_vault_close(v);
		fort_audit_writer_free(w);
		if (!fault_hits)
			break;   /* the refresh no longer reaches N */
	}
	print_message("%s: %ld fault points, %d clean errors, each read again by the next refresh\n", what, n - 1, errors);
	assert_true(errors > 2);
}

static void test_io_faults(void **state)
{
	fort_vault *v;
	fort_secret *pass = secret(PASS);
	(void)state;
	v = create_vault("pristine.fort");
	{
		fort_kv kv[] = { { "full_name", "First Client" }, { "email", "first@example.com" }, { "phone", "+49 30 1234567" } };
		assert_int_equal(fort_client_add(first_id, v, kv, 3), 0);
		const char *fields[] = { "full_name", "email" };
		assert_int_equal(fort_intake_create(v, "contact", fields, 2, NULL, 0), 0);
	}
	assert_int_equal(fort_vault_user_key(&key, v), 0);
	fort_vault_close(v);
	fort_secret_free(pass);
	faulty_install();
	fault_loop(OP_ADD, 0, "client add, I/O error");
	fault_loop(OP_ADD, 1, "client add, disk full");
	fault_loop(OP_EDIT, 0, "client edit, I/O error");
	fault_loop(OP_EDIT, 1, "client edit, disk full");
	fault_loop(OP_INTAKE, 0, "intake submission, I/O error");
	fault_loop(OP_INTAKE, 1, "intake submission, disk full");
	group_commit_full();
	refresh_faults(0, "refresh of a kept handle, I/O error");
	refresh_faults(1, "refresh of a kept handle with the group commit, I/O error");
	sqlite3_vfs_unregister(&faulty);
	fort_secret_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_io_faults),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
