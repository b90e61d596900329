/* test_backup.c - encrypted backups: round trip with equal content, every
 * altered byte and every truncation refused, wrong passphrase, newer format,
 * erasures after the backup replayed on restore, a backup taken while
 * another connection writes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <sodium.h>
#include "fortress.h"
#include "util.h"

#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define PASS2 "harbor-quiet-tundra-mosaic-falcon-ribbon"
#define SS_HDR 24
#define SS_AB 17
#define CHUNK 65536

#define FIXTURE_DIR "/tmp/fort-test-backup-XXXXXX"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

/* ------------------------------------------------------------------ helpers */


static int exists(const char *p)
{
	return access(p, F_OK) == 0;
}

static unsigned char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0, got;
	*len = 0;
	assert_non_null(f);
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return buf;
}




static void add_client(fort_vault *v, char id[FORT_ID_LEN + 1], unsigned i)
{
	char name[64], email[64], phone[32];
	snprintf(name, sizeof name, "Client Number%u", i);
	snprintf(email, sizeof email, "client%u@example.com", i);
	snprintf(phone, sizeof phone, "+49 30 %07u", 1000000 + i);
	fort_kv kv[] = {
		{ "full_name", name }, { "email", email }, { "phone", phone },
		{ "iban", "DE89 3704 0044 0532 0130 00" }, { "notes", "prefers letters" },
	};
	char tmp[FORT_ID_LEN + 1];
	int r = fort_client_add(id ? id : tmp, v, kv, sizeof kv / sizeof kv[0]);
	if (r != 0)
		fail_msg("add client %u: %d %s", i, r, fort_error_message());
}



static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every client exported for billing, as JSON; records sorted so the
 * comparison does not depend on order. */
static char *export_digest(fort_vault *v)
{
	fort_export_opts o = FORT_EXPORT_OPTS_INIT;
	char *buf = NULL, **items, *joined;
	size_t len = 0, n, total = 1;
	uint64_t count = 0;
	json_error_t err;
	json_t *arr;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	o.purpose = "billing";
	o.format = "json";
	o.destination = "test";
	if (fort_client_export(&count, v, f, &o) != 0)
		fail_msg("export: %s", fort_error_message());
	assert_int_equal(fclose(f), 0);
	arr = json_loads(buf, 0, &err);
	if (!arr)
		fail_msg("export is not JSON: %s", err.text);
	if (json_is_object(arr) && json_object_get(arr, "clients")) {
		json_t *inner = json_incref(json_object_get(arr, "clients"));
		json_decref(arr);
		arr = inner;
	}
	assert_true(json_is_array(arr));
	n = json_array_size(arr);
	assert_int_equal(n, count);
	items = calloc(n + 1, sizeof *items);
	for (size_t i = 0; i < n; i++) {
		items[i] = json_dumps(json_array_get(arr, i), JSON_SORT_KEYS | JSON_COMPACT);
		total += strlen(items[i]) + 1;
	}
	qsort(items, n, sizeof *items, cmp_str);
	joined = calloc(1, total);
	for (size_t i = 0; i < n; i++) {
		strcat(joined, items[i]);
		strcat(joined, "\n");
		free(items[i]);
	}
	free(items);
	json_decref(arr);
	free(buf);
	return joined;
}

static int verify_file(const char *path, const char *pass)
{
	fort_secret *s = secret(pass);
	fort_backup_info b;
	int r = fort_backup_verify(&b, path, NULL, s, NULL);
	fort_secret_free(s);
	return r;
}

static int restore_file(fort_backup_info *b, const char *path, const char *to, fort_vault *cur)
{
	fort_secret *s = secret(PASS);
	int r = fort_backup_restore(b, path, to, NULL, s, cur);
	fort_secret_free(s);
	return r;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Nothing but the named entries is left in the test directory. */
static void expect_no_temporaries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	assert_non_null(d);
	while ((e = readdir(d))) {
		if (strstr(e->d_name, ".tmp-") || strstr(e->d_name, ".fortress-backup-") || strstr(e->d_name, ".restore-"))
			fail_msg("temporary file left behind: %s", e->d_name);
	}
	closedir(d);
}




/* A backup of a vault big enough for several chunks, made once. */
static char big_backup[512];
static size_t big_len;

static const char *get_big_backup(void)
{
	if (!big_backup[0]) {
		fort_vault *v = create_vault("big.fort");
		fort_backup_info b;
		for (unsigned i = 0; i < 400; i++)
			add_client(v, NULL, i);
		snprintf(big_backup, sizeof big_backup, "%s", path_of("big.fbak"));
		if (fort_backup_create(&b, v, big_backup) != 0)
			fail_msg("backup: %s", fort_error_message());
		assert_int_equal(b.clients, 400);
		fort_vault_close(v);
		free(slurp(big_backup, &big_len));
	}
	return big_backup;
}

/* ------------------------------------------------------------------- tests */

static void test_round_trip(void **state)
{
	(void)state;
	fort_vault *v = create_vault("rt.fort"), *r;
	fort_backup_info b, vb;
	fort_status st;
	struct stat sb;
	char *before, *after;
	fort_secret *s;

	for (unsigned i = 0; i < 5; i++)
		add_client(v, NULL, i);
	assert_int_equal(fort_vault_status(&st, v), 0);
	assert_int_equal(st.last_verified_backup, 0);
	before = export_digest(v);
	assert_true(strlen(before) > 100);

	if (fort_backup_create(&b, v, path_of("rt.fbak")) != 0)
		fail_msg("backup: %s", fort_error_message());
	assert_int_equal(b.format, FORT_BACKUP_FORMAT);
	assert_int_equal(b.clients, 5);
	assert_string_equal(b.owner, "alice");
	assert_string_equal(b.vault_id, st.vault_id);
	assert_int_equal(stat(path_of("rt.fbak"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal((uint64_t)sb.st_size, b.bytes);
	expect_no_temporaries();

	/* verify records the check in the vault */
	s = secret(PASS);
	if (fort_backup_verify(&vb, path_of("rt.fbak"), NULL, s, v) != 0)
		fail_msg("verify: %s", fort_error_message());
	fort_secret_free(s);
	assert_int_equal(vb.recorded, 1);
	assert_int_equal(vb.clients, 5);
	assert_string_equal(vb.audit_head, b.audit_head);
	assert_int_equal(fort_vault_status(&st, v), 0);
	assert_true(st.last_verified_backup > 0);
	assert_true(st.last_verified_backup <= fort_now());
	expect_verified(v);

	if (restore_file(&b, path_of("rt.fbak"), path_of("rt-restored.fort"), v) != 0)
		fail_msg("restore: %s", fort_error_message());
	assert_int_equal(b.erased_replayed, 0);
	expect_no_temporaries();
	assert_int_equal(stat(path_of("rt-restored.fort"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	r = open_vault(path_of("rt-restored.fort"), PASS);
	assert_int_equal(client_count(r), 5);
	after = export_digest(r);
	assert_string_equal(before, after);
	expect_verified(r);
	fort_vault_close(r);
	free(before);
	free(after);

	/* a locked vault records the check too (signed with the backup's owner keys) */
	fort_vault_close(v);
	v = open_vault(vault_at("rt.fort"), NULL);
	s = secret(PASS);
	assert_int_equal(fort_backup_verify(&vb, path_of("rt.fbak"), NULL, s, v), 0);
	fort_secret_free(s);
	assert_int_equal(vb.recorded, 1);
	fort_vault_close(v);
	v = open_vault(vault_at("rt.fort"), PASS);
	expect_verified(v);
	fort_vault_close(v);
}

static void flip_and_expect(const unsigned char *orig, size_t len, size_t at, int want)
{
	const char *p = path_of("flipped.fbak");
	unsigned char *copy = malloc(len);
	int r;
	assert_non_null(copy);
	memcpy(copy, orig, len);
	copy[at] ^= 0x01;
	spit(p, copy, len);
	r = verify_file(p, PASS);
	if (r != want)
		fail_msg("byte %zu altered: verify returned %d (%s), expected %d", at, r, fort_error_message(), want);
	free(copy);
}

static void test_altered_bytes(void **state)
{
	(void)state;
	const char *bp = get_big_backup();
	size_t len, prefix, body, i;
	unsigned char *orig = slurp(bp, &len);

	assert_int_equal(verify_file(bp, PASS), 0);
	assert_memory_equal(orig, "FORTBAK\x01", 8);
	prefix = 16 + be32(orig + 12) + 32;
	body = prefix + SS_HDR;
	/* the vault must span several chunks for the last-chunk region to mean anything */
	assert_true(len > body + 2 * (CHUNK + SS_AB));

	for (i = 0; i < 8; i++)              /* magic */
		flip_and_expect(orig, len, i, FORT_ECORRUPT);
	for (i = 12; i < prefix; i++)        /* header length, header, checksum */
		flip_and_expect(orig, len, i, FORT_ECORRUPT);
	for (i = prefix; i < body; i++)      /* stream header */
		flip_and_expect(orig, len, i, FORT_ECORRUPT);
	for (i = 0; i < 12; i++)             /* first chunk: start, middle, tag */
		flip_and_expect(orig, len, body + (i < 4 ? i : i < 8 ? 30000 + i : CHUNK + SS_AB - 12 + i), FORT_ECORRUPT);
	for (i = 1; i <= 12; i++)            /* last chunk, its tag at the very end */
		flip_and_expect(orig, len, len - i * (i < 6 ? 1 : 97), FORT_ECORRUPT);
	/* a forged header with a fixed-up checksum: the first chunk's additional
	 * data covers it, so it still fails */
	{
		unsigned char *copy = malloc(len);
		size_t tv = 16 + 2 + 32 + 8 + 2;  /* first byte of the tool version */
		memcpy(copy, orig, len);
		assert_int_equal(copy[tv], '0');
		copy[tv] = '9';
		crypto_generichash(copy + prefix - 32, 32, copy, prefix - 32, NULL, 0);
		spit(path_of("forged.fbak"), copy, len);
		assert_int_equal(verify_file(path_of("forged.fbak"), PASS), FORT_ECORRUPT);
		assert_non_null(strstr(fort_error_message(), "chunk 1"));
		free(copy);
	}
	/* the message names what is wrong */
	flip_and_expect(orig, len, body + 5, FORT_ECORRUPT);
	assert_non_null(strstr(fort_error_message(), "chunk 1"));
	free(orig);
}

static void test_truncated(void **state)
{
	(void)state;
	const char *bp = get_big_backup(), *p = path_of("cut.fbak");
	size_t len, prefix, body;
	unsigned char *orig = slurp(bp, &len);
	prefix = 16 + be32(orig + 12) + 32;
	body = prefix + SS_HDR;
	size_t cuts[] = { 0, 1, 7, 8, 11, 14, 20, prefix - 1, prefix, prefix + 5, body, body + 1, body + 16,
			  body + CHUNK + SS_AB - 1, body + CHUNK + SS_AB, body + 2 * (CHUNK + SS_AB), len - 17, len - 1 };
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		int r;
		assert_true(cuts[i] < len);
		spit(p, orig, cuts[i]);
		r = verify_file(p, PASS);
		if (r != FORT_ECORRUPT)
			fail_msg("cut at %zu: verify returned %d (%s)", cuts[i], r, fort_error_message());
	}
	/* at a chunk boundary the message says it is truncated */
	spit(p, orig, body + CHUNK + SS_AB);
	assert_int_equal(verify_file(p, PASS), FORT_ECORRUPT);
	assert_non_null(strstr(fort_error_message(), "truncated"));
	/* and data after the final chunk is refused too */
	{
		unsigned char *longer = malloc(len + 1);
		memcpy(longer, orig, len);
		longer[len] = 0;
		spit(p, longer, len + 1);
		assert_int_equal(verify_file(p, PASS), FORT_ECORRUPT);
		free(longer);
	}
	/* a restore of a truncated backup leaves nothing behind */
	spit(p, orig, len - 1);
	{
		fort_backup_info b;
		assert_int_equal(restore_file(&b, p, path_of("cut-restored.fort"), NULL), FORT_ECORRUPT);
		assert_false(exists(path_of("cut-restored.fort")));
		expect_no_temporaries();
	}
	free(orig);
}

static void test_wrong_pass_and_version(void **state)
{
	(void)state;
	const char *bp = get_big_backup(), *p = path_of("newer.fbak");
	fort_secret *s = secret(PASS);
	fort_backup_info b;
	size_t len;
	unsigned char *orig = slurp(bp, &len);

	assert_int_equal(verify_file(bp, PASS2), FORT_EAUTH);
	assert_int_equal(fort_backup_verify(&b, bp, "bob", s, NULL), FORT_ENOTFOUND);
	assert_int_equal(fort_backup_verify(&b, bp, "alice", s, NULL), 0);
	assert_int_equal(fort_backup_verify(&b, path_of("no-such.fbak"), NULL, s, NULL), FORT_ENOTFOUND);

	orig[11] = 2;                           /* format 2 */
	spit(p, orig, len);
	assert_int_equal(verify_file(p, PASS), FORT_EVERSION);
	assert_non_null(strstr(fort_error_message(), "newer"));
	assert_int_equal(fort_backup_restore(&b, p, path_of("newer.fort"), NULL, s, NULL), FORT_EVERSION);
	assert_false(exists(path_of("newer.fort")));

	spit(p, "SQLite format 3", 16);         /* not a backup at all */
	assert_int_equal(verify_file(p, PASS), FORT_ECORRUPT);
	fort_secret_free(s);
	free(orig);
}

static void test_erased_after_backup(void **state)
{
	(void)state;
	fort_vault *v = create_vault("er.fort"), *other = create_vault("other.fort"), *r;
	char ids[4][FORT_ID_LEN + 1];
	fort_backup_info b;
	fort_record *rec = NULL;
	size_t len1;
	unsigned char *c1;

	for (unsigned i = 0; i < 4; i++)
		add_client(v, ids[i], 100 + i);
	assert_int_equal(fort_backup_create(&b, v, path_of("er.fbak")), 0);
	assert_int_equal(fort_client_erase(v, ids[1], "client asked (Art. 17)"), 0);
	assert_int_equal(fort_client_erase(v, ids[3], NULL), 0);

	/* the target must not exist: refused, the file there untouched */
	spit(path_of("taken.fort"), "keep me", 7);
	assert_int_equal(restore_file(&b, path_of("er.fbak"), path_of("taken.fort"), v), FORT_EEXISTS);
	c1 = slurp(path_of("taken.fort"), &len1);
	assert_int_equal(len1, 7);
	assert_memory_equal(c1, "keep me", 7);
	free(c1);

	/* another vault's ledger is not replayed */
	assert_int_equal(restore_file(&b, path_of("er.fbak"), path_of("er-wrong.fort"), other), FORT_EINPUT);
	assert_false(exists(path_of("er-wrong.fort")));

	if (restore_file(&b, path_of("er.fbak"), path_of("er-restored.fort"), v) != 0)
		fail_msg("restore: %s", fort_error_message());
	assert_int_equal(b.erased_replayed, 2);
	assert_int_equal(b.clients, 4);
	expect_no_temporaries();

	r = open_vault(path_of("er-restored.fort"), PASS);
	assert_int_equal(client_count(r), 2);
	assert_int_equal(fort_client_get(&rec, r, ids[1], NULL), FORT_ENOTFOUND);
	assert_int_equal(fort_client_get(&rec, r, ids[3], NULL), FORT_ENOTFOUND);
	assert_int_equal(fort_client_is_erased(r, ids[1]), 1);
	assert_int_equal(fort_client_is_erased(r, ids[3]), 1);
	assert_int_equal(fort_client_is_erased(r, ids[0]), 0);
	assert_int_equal(fort_client_get(&rec, r, ids[0], NULL), 0);
	fort_record_free(rec);
	rec = NULL;
	assert_int_equal(fort_client_get(&rec, r, ids[2], NULL), 0);
	fort_record_free(rec);
	/* the erased client's index entries are gone: find does not return it */
	{
		char (*found)[FORT_ID_LEN + 1] = NULL;
		size_t n = 99;
		assert_int_equal(fort_client_find(&found, &n, r, "email", "client101@example.com"), 0);
		assert_int_equal(n, 0);
		free(found);
		assert_int_equal(fort_client_find(&found, &n, r, "email", "client100@example.com"), 0);
		assert_int_equal(n, 1);
		free(found);
	}
	expect_verified(r);
	fort_vault_close(r);

	/* the honest limit: with no current vault the erased clients come back */
	assert_int_equal(restore_file(&b, path_of("er.fbak"), path_of("er-noledger.fort"), NULL), 0);
	assert_int_equal(b.erased_replayed, 0);
	r = open_vault(path_of("er-noledger.fort"), PASS);
	assert_int_equal(client_count(r), 4);
	fort_vault_close(r);

	fort_vault_close(other);
	fort_vault_close(v);
}

struct writer {
	const char *path;
	volatile int stop;
	unsigned added;
	int failed;
	char msg[256];
};

static void *writer_main(void *p)
{
	struct writer *w = p;
	fort_secret *s = NULL;
	fort_vault *v = NULL;
	if (fort_secret_new(&s, PASS, strlen(PASS)) != 0 || fort_vault_open(&v, w->path, NULL, s) != 0) {
		w->failed = 1;
		snprintf(w->msg, sizeof w->msg, "open: %s", fort_error_message());
		fort_secret_free(s);
		return NULL;
	}
	fort_secret_free(s);
	while (!w->stop || w->added < 20) {
		char name[64], email[64], id[FORT_ID_LEN + 1];
		snprintf(name, sizeof name, "Writer Client%u", w->added);
		snprintf(email, sizeof email, "writer%u@example.com", w->added);
		fort_kv kv[] = { { "full_name", name }, { "email", email } };
		int r = fort_client_add(id, v, kv, 2);
		if (r == FORT_EBUSY)
			continue;
		if (r != 0) {
			w->failed = 1;
			snprintf(w->msg, sizeof w->msg, "add: %d %s", r, fort_error_message());
			break;
		}
		w->added++;
	}
	fort_vault_close(v);
	return NULL;
}

static void test_backup_under_load(void **state)
{
	(void)state;
	fort_vault *v = create_vault("load.fort"), *r;
	struct writer w;
	pthread_t t;
	uint64_t seen[3];

	for (unsigned i = 0; i < 50; i++)
		add_client(v, NULL, i);
	memset(&w, 0, sizeof w);
	w.path = vault_at("load.fort");
	assert_int_equal(pthread_create(&t, NULL, writer_main, &w), 0);
	for (int k = 0; k < 3; k++) {
		char name[64], to[64];
		fort_backup_info b;
		int rc;
		snprintf(name, sizeof name, "load-%d.fbak", k);
		snprintf(to, sizeof to, "load-%d.fort", k);
		while (w.added < (unsigned)(k + 1) * 3 && !w.failed)
			usleep(1000);
		do
			rc = fort_backup_create(&b, v, path_of(name));
		while (rc == FORT_EBUSY);
		if (rc != 0)
			fail_msg("backup under load: %d %s", rc, fort_error_message());
		seen[k] = b.clients;
		assert_int_equal(verify_file(path_of(name), PASS), 0);
		/* the snapshot is consistent: the header's count is what it holds */
		assert_int_equal(restore_file(&b, path_of(name), path_of(to), NULL), 0);
		r = open_vault(path_of(to), PASS);
		assert_int_equal(client_count(r), seen[k]);
		expect_verified(r);
		fort_vault_close(r);
	}
	w.stop = 1;
	pthread_join(t, NULL);
	if (w.failed)
		fail_msg("writer: %s", w.msg);
	assert_true(seen[0] >= 53);
	assert_true(seen[2] > seen[0]);
	assert_int_equal(client_count(v), 50 + w.added);
	expect_verified(v);
	fort_vault_close(v);
}

static void test_refusals(void **state)
{
	(void)state;
	fort_vault *v = create_vault("ref.fort"), *locked;
	fort_backup_info b;

	assert_int_equal(fort_backup_create(&b, v, path_of("no-such-dir/x.fbak")), FORT_ENOTFOUND);
	fort_vault_close(v);
	locked = open_vault(vault_at("ref.fort"), NULL);
	assert_int_equal(fort_backup_create(&b, locked, path_of("ref.fbak")), FORT_ELOCKED);
	assert_false(exists(path_of("ref.fbak")));
	fort_vault_close(locked);
	expect_no_temporaries();
}

/* fort_backup_create_fd: recorded, then copied; a descriptor that cannot
 * take it (a closed pipe) is FORT_EIO "recorded but not delivered", with
 * the record kept and nothing left behind in TMPDIR. */
static void test_create_fd(void **state)
{
	(void)state;
	fort_vault *v = create_vault("fd.fort"), *locked;
	fort_backup_info b, vb;
	fort_audit_report rep;
	fort_secret *s;
	struct stat sb;
	int fd, p[2];

	setenv("TMPDIR", dir, 1);
	signal(SIGPIPE, SIG_IGN);
	for (unsigned i = 0; i < 3; i++)
		add_client(v, NULL, i);
	assert_int_equal(fort_backup_create_fd(&b, v, -1), FORT_EINPUT);

	fd = open(path_of("fd.fbak"), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	if (fort_backup_create_fd(&b, v, fd) != 0)
		fail_msg("backup to a descriptor: %s", fort_error_message());
	close(fd);
	assert_int_equal(b.clients, 3);
	assert_int_equal(stat(path_of("fd.fbak"), &sb), 0);
	assert_int_equal((uint64_t)sb.st_size, b.bytes);
	s = secret(PASS);
	if (fort_backup_verify(&vb, path_of("fd.fbak"), NULL, s, v) != 0)
		fail_msg("verify: %s", fort_error_message());
	fort_secret_free(s);
	assert_string_equal(vb.audit_head, b.audit_head);
	assert_int_equal(vb.clients, 3);

	assert_int_equal(pipe(p), 0);
	close(p[0]);
	memset(&b, 0, sizeof b);
	assert_int_equal(fort_backup_create_fd(&b, v, p[1]), FORT_EIO);
	assert_non_null(strstr(fort_error_message(), "recorded"));
	assert_non_null(strstr(fort_error_message(), "not delivered"));
	assert_true(b.created > 0);
	close(p[1]);
	assert_int_equal(fort_audit_verify(&rep, v, NULL), 0);
	assert_true(rep.ok);
	expect_no_temporaries();
	{
		DIR *d = opendir(dir);
		struct dirent *e;
		assert_non_null(d);
		while ((e = readdir(d)))
			if (strstr(e->d_name, ".fortress-stdout-"))
				fail_msg("temporary file left behind: %s", e->d_name);
		closedir(d);
	}
	fort_vault_close(v);

	/* locked: refused before a byte is written */
	locked = open_vault(vault_at("fd.fort"), NULL);
	fd = open(path_of("fd2.fbak"), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fort_backup_create_fd(&b, locked, fd), FORT_ELOCKED);
	close(fd);
	assert_int_equal(stat(path_of("fd2.fbak"), &sb), 0);
	assert_int_equal(sb.st_size, 0);
	fort_vault_close(locked);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_altered_bytes),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_wrong_pass_and_version),
		cmocka_unit_test(test_erased_after_backup),
		cmocka_unit_test(test_backup_under_load),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_create_fd),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
