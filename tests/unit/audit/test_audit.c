/* test_audit.c - the hash-chained, signed audit log, attacked through the
 * vault file with sqlite3 and checked through the public API. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>
#include "fortress.h"

#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"

#define FIXTURE_DIR "/tmp/fort-test-audit-XXXXXX"
#include "fixture.h"
static char base[512];   /* the finished vault */
static char old[512];    /* a copy taken after the first session */
static int64_t n_all;    /* entries in base */
static int64_t n_old;    /* entries in old */
static char anchor_all[128], anchor_old[128];
static char ids[3][FORT_ID_LEN + 1];

/* ------------------------------------------------------------------ helpers */


static void copy_file(const char *src, const char *dst)
{
	FILE *in = fopen(src, "rb"), *out;
	char buf[65536];
	size_t n;
	if (!in)
		return;
	out = fopen(dst, "wb");
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	chmod(dst, 0600);
}

/* Copy SRC (and its -wal/-shm if any) to DIR/NAME; returns the new path. */
static const char *copy_vault(const char *src, const char *name)
{
	static char path[8][512];
	static int k;
	char *p = path[k++ % 8], a[600], b[600];
	snprintf(p, 512, "%s/%s", dir, name);
	copy_file(src, p);
	snprintf(a, sizeof a, "%s-wal", src);
	snprintf(b, sizeof b, "%s-wal", p);
	unlink(b);
	copy_file(a, b);
	snprintf(a, sizeof a, "%s-shm", src);
	snprintf(b, sizeof b, "%s-shm", p);
	unlink(b);
	copy_file(a, b);
	return p;
}

static void sql(const char *path, const char *fmt, ...)
{
	sqlite3 *db = NULL;
	char *q, *err = NULL;
	va_list ap;
	va_start(ap, fmt);
	q = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	if (sqlite3_exec(db, q, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("sql '%s': %s", q, err);
	sqlite3_free(q);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static int64_t sql_int(const char *path, const char *query)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	int64_t v;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, query, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static int verify_file(const char *path, const char *anchor, fort_audit_report *rep)
{
	fort_vault *v = NULL;
	int r;
	assert_int_equal(fort_vault_open(&v, path, NULL, NULL), 0);
	r = fort_audit_verify(rep, v, anchor);
	fort_vault_close(v);
	return r;
}

#define EXPECT_BAD(path, anchor, seq) do { \
	fort_audit_report rep_; \
	assert_int_equal(verify_file((path), (anchor), &rep_), 0); \
	if (rep_.ok) \
		fail_msg("verify of %s said ok", (path)); \
	if ((seq) >= 0 && rep_.bad_seq != (seq)) \
		fail_msg("bad_seq %lld, expected %lld (%s)", (long long)rep_.bad_seq, (long long)(seq), rep_.problem); \
	assert_true(rep_.problem[0] != '\0'); \
} while (0)

static void expect_ok(const char *path, const char *anchor, int64_t entries)
{
	fort_audit_report rep;
	assert_int_equal(verify_file(path, anchor, &rep), 0);
	if (!rep.ok)
		fail_msg("verify failed: %s", rep.problem);
	assert_int_equal(rep.bad_seq, -1);
	if (entries >= 0) {
		assert_int_equal(rep.entries, entries);
		assert_int_equal(rep.head_seq, entries);
	}
}

static void take_anchor(const char *path, char out[128])
{
	fort_vault *v = NULL;
	fort_status st;
	assert_int_equal(fort_vault_open(&v, path, NULL, NULL), 0);
	assert_int_equal(fort_vault_status(&st, v), 0);
	snprintf(out, 128, "%lld:%s", (long long)st.audit_head_seq, st.audit_head);
	assert_int_equal(strlen(st.audit_head), 64);
	fort_vault_close(v);
}

/* An audit row as stored. */
typedef struct {
	int64_t rowid, seq, ts, actor_id;
	char *actor, *action, *client, *fields, *purpose, *result, *detail;
	unsigned char prev[32], hash[32], sig[64], seals[32];
	int has_sig, has_seals;
} row;

static char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return strdup(t ? (const char *)t : "");
}

static size_t load_rows(const char *path, row **out)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	row *r = NULL;
	size_t n = 0;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT rowid, seq, ts, actor_id, actor, action, client, fields, purpose,"
					    " result, detail, prev, hash, sig, seals FROM audit ORDER BY rowid", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		r = realloc(r, (n + 1) * sizeof *r);
		row *x = &r[n++];
		memset(x, 0, sizeof *x);
		x->rowid = sqlite3_column_int64(st, 0);
		x->seq = sqlite3_column_int64(st, 1);
		x->ts = sqlite3_column_int64(st, 2);
		x->actor_id = sqlite3_column_int64(st, 3);
		x->actor = col_text(st, 4);
		x->action = col_text(st, 5);
		x->client = col_text(st, 6);
		x->fields = col_text(st, 7);
		x->purpose = col_text(st, 8);
		x->result = col_text(st, 9);
		x->detail = col_text(st, 10);
		assert_int_equal(sqlite3_column_bytes(st, 11), 32);
		memcpy(x->prev, sqlite3_column_blob(st, 11), 32);
		assert_int_equal(sqlite3_column_bytes(st, 12), 32);
		memcpy(x->hash, sqlite3_column_blob(st, 12), 32);
		if (sqlite3_column_type(st, 13) != SQLITE_NULL) {
			assert_int_equal(sqlite3_column_bytes(st, 13), 64);
			memcpy(x->sig, sqlite3_column_blob(st, 13), 64);
			x->has_sig = 1;
		}
		if (sqlite3_column_type(st, 14) != SQLITE_NULL) {
			assert_int_equal(sqlite3_column_bytes(st, 14), 32);
			memcpy(x->seals, sqlite3_column_blob(st, 14), 32);
			x->has_seals = 1;
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	*out = r;
	return n;
}

static void free_rows(row *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].actor); free(r[i].action); free(r[i].client); free(r[i].fields);
		free(r[i].purpose); free(r[i].result); free(r[i].detail);
	}
	free(r);
}

/* The entry hash as documented in src/audit/audit.c (an independent copy). */
static void put_u64(crypto_generichash_state *st, uint64_t x)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(x >> (56 - 8 * i));
	crypto_generichash_update(st, b, 8);
}

static void put_str(crypto_generichash_state *st, const char *s)
{
	size_t n = strlen(s);
	put_u64(st, n);
	if (n)
		crypto_generichash_update(st, (const unsigned char *)s, n);
}

static void row_hash(unsigned char out[32], const row *a)
{
	static const char tag[] = "fortress-audit-v1";
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const unsigned char *)tag, sizeof tag);
	put_u64(&st, (uint64_t)a->seq);
	put_u64(&st, (uint64_t)a->ts);
	put_u64(&st, (uint64_t)a->actor_id);
	put_str(&st, a->actor);
	put_str(&st, a->action);
	put_str(&st, a->client);
	put_str(&st, a->fields);
	put_str(&st, a->purpose);
	put_str(&st, a->result);
	put_str(&st, a->detail);
	crypto_generichash_update(&st, a->prev, 32);
	if (a->has_seals) {
		static const char stag[] = "seals";
		crypto_generichash_update(&st, (const unsigned char *)stag, sizeof stag);
		crypto_generichash_update(&st, a->seals, 32);
	}
	crypto_generichash_final(&st, out, 32);
}

static void insert_row(const char *path, const row *a)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO audit(seq, ts, actor_id, actor, action, client, fields, purpose,"
					    " result, detail, prev, hash, sig) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, a->seq);
	sqlite3_bind_int64(st, 2, a->ts);
	sqlite3_bind_int64(st, 3, a->actor_id);
	sqlite3_bind_text(st, 4, a->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, a->client, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, a->fields, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, a->purpose, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, a->result, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, a->detail, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 11, a->prev, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 12, a->hash, 32, SQLITE_STATIC);
	if (a->has_sig)
		sqlite3_bind_blob(st, 13, a->sig, 64, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 13);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* Rewrite every stored column of the row with ROWID. */
static void update_row(sqlite3 *db, const row *a)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE audit SET seq=?, ts=?, actor_id=?, actor=?, action=?, client=?, fields=?,"
					    " purpose=?, result=?, detail=?, prev=?, hash=?, sig=? WHERE rowid=?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, a->seq);
	sqlite3_bind_int64(st, 2, a->ts);
	sqlite3_bind_int64(st, 3, a->actor_id);
	sqlite3_bind_text(st, 4, a->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, a->client, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, a->fields, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, a->purpose, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, a->result, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, a->detail, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 11, a->prev, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 12, a->hash, 32, SQLITE_STATIC);
	if (a->has_sig)
		sqlite3_bind_blob(st, 13, a->sig, 64, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 13);
	sqlite3_bind_int64(st, 14, a->rowid);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static void put_head(const char *path, int64_t seq, const unsigned char hash[32], int64_t actor,
		     const unsigned char sk[64])
{
	unsigned char head[8 + 32 + 8 + 64], msg[57];
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	for (int i = 0; i < 8; i++) {
		head[i] = (unsigned char)((uint64_t)seq >> (56 - 8 * i));
		head[40 + i] = (unsigned char)((uint64_t)actor >> (56 - 8 * i));
	}
	memcpy(head + 8, hash, 32);
	memcpy(msg, "fortress-head-v1", 17);
	memcpy(msg + 17, head, 8);
	memcpy(msg + 25, hash, 32);
	crypto_sign_detached(head + 48, NULL, msg, sizeof msg, sk);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE meta SET v=? WHERE k='audit_head'", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, head, sizeof head, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_close(db);
}

/* Flip one bit of byte AT of meta value KEY (kept a blob). */
static void meta_flip(const char *path, const char *key, size_t at)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	unsigned char buf[4096];
	int n;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_bytes(st, 0);
	assert_true(n > 0 && (size_t)n <= sizeof buf && at < (size_t)n);
	memcpy(buf, sqlite3_column_blob(st, 0), (size_t)n);
	sqlite3_finalize(st);
	buf[at] ^= 1;
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE meta SET v = ? WHERE k = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, buf, n, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* ------------------------------------------------------------------ setup */


static int group_setup(void **state)
{
	fort_create_opts o = FORT_CREATE_OPTS_INIT;
	fort_secret *pass;
	fort_vault *v = NULL;
	fort_record *rec = NULL;
	fort_client_summary *list = NULL;
	char (*found)[FORT_ID_LEN + 1] = NULL;
	size_t n = 0;
	static const char *const reveal[] = { "email" };
	fort_read_opts ro = FORT_READ_OPTS_INIT;
	(void)state;

	if (fort_library_init() < 0 || !mkdtemp(dir))
		return -1;
	snprintf(base, sizeof base, "%s/base.fort", dir);
	pass = secret(PASS);
	o.business = "Orbit Bakery";
	o.owner = "alice";
	o.kdf = FORT_KDF_INTERACTIVE;
	if (fort_vault_create(&v, base, &o, pass) != 0)
		return -1;
	{
		const fort_kv a[] = { { "full_name", "Jane Doe" }, { "email", "jane@example.com" } };
		const fort_kv b[] = { { "full_name", "John Roe" }, { "phone", "+49 30 1234567" } };
		const fort_kv c[] = { { "full_name", "Ann Poe" }, { "email", "ann@example.org" }, { "notes", "likes rye" } };
		if (fort_client_add(ids[0], v, a, 2) || fort_client_add(ids[1], v, b, 2) || fort_client_add(ids[2], v, c, 3))
			return -1;
	}
	if (fort_client_get(&rec, v, ids[0], NULL))
		return -1;
	fort_record_free(rec);
	ro.reveal = reveal;
	ro.nreveal = 1;
	ro.purpose = "service";
	if (fort_client_get(&rec, v, ids[0], &ro))
		return -1;
	fort_record_free(rec);
	if (fort_client_list(&list, &n, v))
		return -1;
	free(list);
	if (fort_client_find(&found, &n, v, "email", "ann@example.org") || n != 1)
		return -1;
	free(found);
	fort_vault_close(v); /* writes the find summary */
	/* create, 3 adds, read, reveal, list, find */
	n_old = 8;
	snprintf(old, sizeof old, "%s/old.fort", dir);
	copy_file(base, old);
	take_anchor(old, anchor_old);

	/* a second session */
	if (fort_vault_open(&v, base, NULL, pass))
		return -1;
	if (fort_client_get(&rec, v, ids[1], NULL))
		return -1;
	fort_record_free(rec);
	if (fort_client_get(&rec, v, ids[2], NULL))
		return -1;
	fort_record_free(rec);
	{
		char id[FORT_ID_LEN + 1];
		const fort_kv d[] = { { "full_name", "Max Moe" } };
		if (fort_client_add(id, v, d, 1))
			return -1;
	}
	fort_vault_close(v);
	n_all = n_old + 4; /* unlock, read, read, add */
	fort_secret_free(pass);
	take_anchor(base, anchor_all);
	return 0;
}


/* ------------------------------------------------------------------ tests */

static void test_clean(void **state)
{
	(void)state;
	fort_audit_report rep;
	char *hex;
	expect_ok(base, NULL, n_all);
	expect_ok(old, NULL, n_old);
	assert_int_equal(verify_file(base, NULL, &rep), 0);
	/* the report's head is the status anchor */
	hex = strchr(anchor_all, ':') + 1;
	assert_string_equal(rep.head, hex);
	assert_int_equal(sql_int(base, "SELECT count(*) FROM audit"), n_all);
	assert_int_equal(sql_int(base, "SELECT count(*) FROM audit WHERE sig IS NULL"), 0);
	/* the log names actions, never values */
	assert_int_equal(sql_int(base, "SELECT count(*) FROM audit WHERE detail LIKE '%jane%' OR detail LIKE '%Doe%'"
				 " OR fields LIKE '%@%' OR detail LIKE '%ann@%' OR detail LIKE '%rye%'"), 0);
	assert_int_equal(sql_int(base, "SELECT count(*) FROM audit WHERE action='reveal' AND fields='email' AND purpose='service'"), 1);
	assert_int_equal(sql_int(base, "SELECT count(*) FROM audit WHERE action='find'"), 1);
}

static void test_update_column(void **state)
{
	(void)state;
	static const char *const sets[] = {
		"detail = detail || 'x'",
		"detail = 'masked!'",
		"action = 'list'",
		"client = 'c-0000000000000001'",
		"client = ''",
		"ts = ts + 1",
		"ts = ts - 86400",
		"fields = 'iban'",
		"purpose = 'billing'",
		"result = 'denied'",
		"actor = 'bob'",
		"actor_id = actor_id + 1",
		"prev = zeroblob(32)",
		"hash = zeroblob(32)",
		"sig = zeroblob(64)",
		"sig = NULL",
		"seq = 99",
	};
	const int64_t mid = 5;
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		const char *p = copy_vault(base, "upd.fort");
		sql(p, "UPDATE audit SET %s WHERE seq = %lld", sets[i], (long long)mid);
		assert_int_equal(sql_int(p, "SELECT count(*) FROM audit"), n_all);
		fort_audit_report rep;
		assert_int_equal(verify_file(p, NULL, &rep), 0);
		if (rep.ok || rep.bad_seq != mid)
			fail_msg("UPDATE audit SET %s: ok=%d bad_seq=%lld (%s)", sets[i], rep.ok, (long long)rep.bad_seq, rep.problem);
		assert_non_null(strstr(rep.problem, "entry 5"));
	}
	/* the last entry too (the head catches what the chain cannot) */
	const char *p = copy_vault(base, "upd.fort");
	sql(p, "UPDATE audit SET detail = 'x' WHERE seq = %lld", (long long)n_all);
	EXPECT_BAD(p, NULL, n_all);
	/* and the first */
	p = copy_vault(base, "upd.fort");
	sql(p, "UPDATE audit SET detail = replace(detail, 'kdf', 'KDF') WHERE seq = 1");
	EXPECT_BAD(p, NULL, 1);
}

static void test_delete(void **state)
{
	(void)state;
	fort_audit_report rep;
	const char *p = copy_vault(base, "del.fort");
	sql(p, "DELETE FROM audit WHERE seq = 5");
	assert_int_equal(verify_file(p, NULL, &rep), 0);
	assert_false(rep.ok);
	assert_int_equal(rep.bad_seq, 5);
	assert_non_null(strstr(rep.problem, "entry 5"));

	p = copy_vault(base, "del.fort");
	sql(p, "DELETE FROM audit WHERE seq = 1");
	EXPECT_BAD(p, NULL, 1);

	p = copy_vault(base, "del.fort");
	sql(p, "DELETE FROM audit WHERE seq IN (3, 4, 5)");
	EXPECT_BAD(p, NULL, 3);

	/* everything */
	p = copy_vault(base, "del.fort");
	sql(p, "DELETE FROM audit");
	EXPECT_BAD(p, NULL, -1);
}

static void test_reorder(void **state)
{
	(void)state;
	row *r = NULL;
	size_t n;
	/* swap the rowids of entries 4 and 5 */
	const char *p = copy_vault(base, "swap.fort");
	int64_t r4 = sql_int(p, "SELECT rowid FROM audit WHERE seq = 4");
	int64_t r5 = sql_int(p, "SELECT rowid FROM audit WHERE seq = 5");
	sql(p, "UPDATE audit SET rowid = -1 WHERE rowid = %lld; UPDATE audit SET rowid = %lld WHERE rowid = %lld;"
	       " UPDATE audit SET rowid = %lld WHERE rowid = -1", (long long)r4, (long long)r4, (long long)r5, (long long)r5);
	assert_int_equal(sql_int(p, "SELECT seq FROM audit ORDER BY rowid LIMIT 1 OFFSET 3"), 5);
	EXPECT_BAD(p, NULL, 4);

	/* swap their contents but keep the seq numbers in order */
	p = copy_vault(base, "swap.fort");
	sql(p, "UPDATE audit SET seq = CASE seq WHEN 4 THEN 5 ELSE 4 END WHERE seq IN (4, 5)");
	sql(p, "UPDATE audit SET rowid = -1 WHERE rowid = %lld; UPDATE audit SET rowid = %lld WHERE rowid = %lld;"
	       " UPDATE audit SET rowid = %lld WHERE rowid = -1", (long long)r4, (long long)r4, (long long)r5, (long long)r5);
	assert_int_equal(sql_int(p, "SELECT seq FROM audit ORDER BY rowid LIMIT 1 OFFSET 3"), 4);
	EXPECT_BAD(p, NULL, 4);

	/* delete 4 and 5 and re-insert them, 5 first, at the end */
	p = copy_vault(base, "swap.fort");
	n = load_rows(p, &r);
	assert_int_equal(n, n_all);
	sql(p, "DELETE FROM audit WHERE seq IN (4, 5)");
	insert_row(p, &r[4]);
	insert_row(p, &r[3]);
	EXPECT_BAD(p, NULL, 4);

	/* an entry duplicated */
	p = copy_vault(base, "swap.fort");
	insert_row(p, &r[n - 1]);
	EXPECT_BAD(p, NULL, -1);
	free_rows(r, n);
}

static void test_forge_append(void **state)
{
	(void)state;
	row *r = NULL, f;
	size_t n;
	const char *p;
	unsigned char pk[32], sk[64];

	n = load_rows(base, &r);
	f = r[n - 1];
	f.rowid = 0;
	f.seq = r[n - 1].seq + 1;
	f.ts = r[n - 1].ts + 5;
	f.action = "read";
	f.client = ids[0];
	f.fields = "";
	f.purpose = "";
	f.result = "ok";
	f.detail = "masked";
	memcpy(f.prev, r[n - 1].hash, 32);

	/* random hash and signature */
	p = copy_vault(base, "forge.fort");
	randombytes_buf(f.hash, 32);
	randombytes_buf(f.sig, 64);
	f.has_sig = 1;
	insert_row(p, &f);
	EXPECT_BAD(p, NULL, f.seq);

	/* the right hash, a random signature */
	p = copy_vault(base, "forge.fort");
	row_hash(f.hash, &f);
	insert_row(p, &f);
	EXPECT_BAD(p, NULL, f.seq);

	/* the right hash, signed with another key */
	p = copy_vault(base, "forge.fort");
	crypto_sign_keypair(pk, sk);
	crypto_sign_detached(f.sig, NULL, f.hash, 32, sk);
	insert_row(p, &f);
	EXPECT_BAD(p, NULL, f.seq);

	/* the right hash, a real signature of another entry */
	p = copy_vault(base, "forge.fort");
	memcpy(f.sig, r[n - 1].sig, 64);
	insert_row(p, &f);
	EXPECT_BAD(p, NULL, f.seq);

	/* the right hash and no signature */
	p = copy_vault(base, "forge.fort");
	f.has_sig = 0;
	insert_row(p, &f);
	EXPECT_BAD(p, NULL, f.seq);

	/* a wrong prev */
	p = copy_vault(base, "forge.fort");
	memcpy(f.prev, r[n - 2].hash, 32);
	row_hash(f.hash, &f);
	insert_row(p, &f);
	EXPECT_BAD(p, NULL, f.seq);

	/* an entry changed in the middle and every later hash recomputed
	 * (signatures kept: the attacker has no key) */
	p = copy_vault(base, "forge.fort");
	{
		sqlite3 *db = NULL;
		assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
		free(r[4].detail);
		r[4].detail = strdup("nothing to see");
		for (size_t i = 4; i < n; i++) {
			memcpy(r[i].prev, r[i - 1].hash, 32);
			row_hash(r[i].hash, &r[i]);
			update_row(db, &r[i]);
		}
		sqlite3_close(db);
	}
	EXPECT_BAD(p, NULL, 5);
	free_rows(r, n);
}

/* Someone with only the file rewrites the whole chain, entry 1 included,
 * under a key pair of their own, and signs a new head with it.  SECURITY.md:
 * an attacker with the vault file cannot "forge audit entries that verify". */
static void test_forge_whole_chain(void **state)
{
	(void)state;
	row *r = NULL;
	size_t n;
	unsigned char pk[32], sk[64];
	char pkhex[65], *at;
	const char *p = copy_vault(base, "rewrite.fort");
	sqlite3 *db = NULL;

	crypto_sign_keypair(pk, sk);
	sodium_bin2hex(pkhex, sizeof pkhex, pk, 32);
	n = load_rows(p, &r);
	at = strstr(r[0].detail, "sign_pk=");
	assert_non_null(at);
	memcpy(at + 8, pkhex, 64);
	/* hide that client 0 was ever revealed */
	for (size_t i = 0; i < n; i++)
		if (strcmp(r[i].action, "reveal") == 0) {
			free(r[i].action);
			r[i].action = strdup("read");
			free(r[i].fields);
			r[i].fields = strdup("");
			free(r[i].purpose);
			r[i].purpose = strdup("");
		}
	assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	for (size_t i = 0; i < n; i++) {
		if (i)
			memcpy(r[i].prev, r[i - 1].hash, 32);
		row_hash(r[i].hash, &r[i]);
		crypto_sign_detached(r[i].sig, NULL, r[i].hash, 32, sk);
		update_row(db, &r[i]);
	}
	sqlite3_close(db);
	put_head(p, r[n - 1].seq, r[n - 1].hash, r[n - 1].actor_id, sk);
	/* against the anchor it is caught in any case */
	EXPECT_BAD(p, anchor_all, -1);
	/* once the owner unlocks, the entry signed with the real key does not
	 * verify under the forged key */
	{
		const char *q = copy_vault(p, "rewrite2.fort");
		fort_secret *pass = secret(PASS);
		fort_vault *v = NULL;
		assert_int_equal(fort_vault_open(&v, q, NULL, pass), 0);
		fort_vault_close(v);
		fort_secret_free(pass);
		EXPECT_BAD(q, NULL, (int64_t)n + 1);
	}
	free_rows(r, n);
	/* without an anchor, on the file alone: the owner's signing key is in
	 * the users table (and bound into the sealed keyring), so a chain whose
	 * "create" entry names another key must not verify */
	EXPECT_BAD(p, NULL, 1);
}

static void test_truncate(void **state)
{
	(void)state;
	fort_audit_report rep;
	const char *p = copy_vault(base, "trunc.fort");
	sql(p, "DELETE FROM audit WHERE seq > %lld", (long long)(n_all - 3));
	assert_int_equal(sql_int(p, "SELECT count(*) FROM audit"), n_all - 3);
	assert_int_equal(verify_file(p, NULL, &rep), 0);
	assert_false(rep.ok);
	assert_non_null(strstr(rep.problem, "truncat"));
	assert_int_equal(rep.bad_seq, n_all);

	p = copy_vault(base, "trunc.fort");
	sql(p, "DELETE FROM audit WHERE seq = %lld", (long long)n_all);
	assert_int_equal(verify_file(p, NULL, &rep), 0);
	assert_false(rep.ok);
	assert_non_null(strstr(rep.problem, "truncat"));
}

static void test_head(void **state)
{
	(void)state;
	fort_audit_report rep;
	const char *p = copy_vault(base, "head.fort");
	sql(p, "DELETE FROM meta WHERE k = 'audit_head'");
	assert_int_equal(verify_file(p, NULL, &rep), 0);
	assert_false(rep.ok);
	assert_non_null(strstr(rep.problem, "head"));

	/* a damaged head signature */
	p = copy_vault(base, "head.fort");
	meta_flip(p, "audit_head", 100);
	assert_int_equal(sql_int(p, "SELECT length(v) FROM meta WHERE k = 'audit_head'"), 112);
	EXPECT_BAD(p, NULL, -1);
	/* a head that names another actor */
	p = copy_vault(base, "head.fort");
	meta_flip(p, "audit_head", 47);
	EXPECT_BAD(p, NULL, -1);

	/* a head of the wrong length */
	p = copy_vault(base, "head.fort");
	sql(p, "UPDATE meta SET v = substr(v, 1, 100) WHERE k = 'audit_head'");
	EXPECT_BAD(p, NULL, -1);

	/* a head that names an earlier entry (signed by nobody we know) */
	p = copy_vault(base, "head.fort");
	{
		unsigned char pk[32], sk[64];
		row *r = NULL;
		size_t n = load_rows(p, &r);
		crypto_sign_keypair(pk, sk);
		put_head(p, r[n - 2].seq, r[n - 2].hash, r[n - 2].actor_id, sk);
		free_rows(r, n);
	}
	EXPECT_BAD(p, NULL, -1);
}

static void test_anchor(void **state)
{
	(void)state;
	fort_audit_report rep;
	char bad[160];
	const char *p;

	/* the current anchor, and an older one the chain still holds */
	expect_ok(base, anchor_all, n_all);
	expect_ok(base, anchor_old, n_all);

	/* truncated after the anchor was taken */
	p = copy_vault(base, "anchor.fort");
	sql(p, "DELETE FROM audit WHERE seq > %lld", (long long)(n_all - 3));
	EXPECT_BAD(p, anchor_all, -1);

	/* rolled back: an old copy of the whole file */
	assert_int_equal(verify_file(old, anchor_all, &rep), 0);
	assert_false(rep.ok);
	assert_int_equal(rep.bad_seq, n_all);

	/* truncated, with the old head put back: the seals written by the
	 * removed entries have nothing vouching for them any more */
	{
		sqlite3 *db = NULL;
		char *q = sqlite3_mprintf("ATTACH %Q AS o; UPDATE main.meta SET v = (SELECT v FROM o.meta WHERE k = 'audit_head')"
					  " WHERE k = 'audit_head'; DETACH o;", old);
		p = copy_vault(base, "anchor.fort");
		sql(p, "DELETE FROM audit WHERE seq > %lld", (long long)n_old);
		assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		sqlite3_free(q);
	}
	EXPECT_BAD(p, NULL, -1);
	/* ... and with those seals removed too, the client added since is in
	 * the file without a seal */
	sql(p, "DELETE FROM seal_log WHERE seq > %lld", (long long)n_old);
	{
		fort_audit_report rep2;
		assert_int_equal(verify_file(p, NULL, &rep2), 0);
		assert_false(rep2.ok);
		assert_non_null(strstr(rep2.problem, "added outside Fortress"));
	}
	/* truncated and rolled back with every row, the old head put back:
	 * only the anchor shows it */
	{
		sqlite3 *db = NULL;
		char *q = sqlite3_mprintf("ATTACH %Q AS o; UPDATE main.meta SET v = (SELECT v FROM o.meta WHERE k = 'audit_head')"
					  " WHERE k = 'audit_head'; DETACH o;", old);
		p = copy_vault(base, "anchor.fort");
		sql(p, "DELETE FROM audit WHERE seq > %lld", (long long)n_old);
		sql(p, "DELETE FROM seal_log WHERE seq > %lld", (long long)n_old);
		assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		sqlite3_free(q);
		q = sqlite3_mprintf("ATTACH %Q AS o; DELETE FROM main.clients WHERE id NOT IN (SELECT id FROM o.clients);"
				    " DELETE FROM main.blind; INSERT INTO main.blind SELECT * FROM o.blind;"
				    " DELETE FROM main.uniq; INSERT INTO main.uniq SELECT * FROM o.uniq; DETACH o;", old);
		assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		sqlite3_free(q);
	}
	EXPECT_BAD(p, anchor_all, n_all);

	/* an anchor whose hash is not the entry's */
	snprintf(bad, sizeof bad, "%s", anchor_all);
	{
		char *h = strchr(bad, ':') + 1;
		h[10] = h[10] == '0' ? '1' : '0';
	}
	EXPECT_BAD(base, bad, n_all);
	snprintf(bad, sizeof bad, "3:%s", strchr(anchor_all, ':') + 1);
	EXPECT_BAD(base, bad, 3);
}

static void test_anchor_syntax(void **state)
{
	(void)state;
	fort_vault *v = NULL;
	fort_audit_report rep;
	const char *hex = strchr(anchor_all, ':') + 1;
	char buf[12][200];
	int k = 0;
	snprintf(buf[k++], 200, "%s", "");
	snprintf(buf[k++], 200, "%s", "abc");
	snprintf(buf[k++], 200, "%s", "12");
	snprintf(buf[k++], 200, ":%s", hex);
	snprintf(buf[k++], 200, "0:%s", hex);
	snprintf(buf[k++], 200, "-3:%s", hex);
	snprintf(buf[k++], 200, "3x:%s", hex);
	snprintf(buf[k++], 200, "3:%.63s", hex);
	snprintf(buf[k++], 200, "3:%s0", hex);
	snprintf(buf[k++], 200, "3:%.63sg", hex);
	snprintf(buf[k++], 200, "3:");
	snprintf(buf[k++], 200, "3;%s", hex);
	assert_int_equal(fort_vault_open(&v, base, NULL, NULL), 0);
	for (int i = 0; i < k; i++) {
		int r = fort_audit_verify(&rep, v, buf[i]);
		if (r != FORT_EINPUT)
			fail_msg("anchor '%s' gave %d, not EINPUT", buf[i], r);
		assert_non_null(strstr(fort_error_message(), "SEQ:HASH"));
	}
	fort_vault_close(v);
}

struct count_ctx {
	int failed_unsigned, signed_, total;
};

static int count_cb(void *ctx, const fort_audit_entry *e)
{
	struct count_ctx *c = ctx;
	c->total++;
	if (e->signed_)
		c->signed_++;
	else if (strcmp(e->action, "unlock-failed") == 0 && strcmp(e->result, "denied") == 0)
		c->failed_unsigned++;
	return 0;
}

static void test_failed_unlock(void **state)
{
	(void)state;
	fort_vault *v = NULL;
	fort_secret *wrong = secret("orbit-velvet-cactus-lantern-meadow-pillox"), *pass = secret(PASS);
	struct count_ctx c = { 0, 0, 0 };
	const char *p = copy_vault(base, "unlock.fort");

	assert_int_equal(fort_vault_open(&v, p, NULL, wrong), FORT_EAUTH);
	assert_null(v);
	assert_int_equal(sql_int(p, "SELECT count(*) FROM audit"), n_all + 1);
	assert_int_equal(sql_int(p, "SELECT count(*) FROM audit WHERE action = 'unlock-failed' AND sig IS NULL"
				 " AND seq = (SELECT max(seq) FROM audit)"), 1);
	expect_ok(p, NULL, n_all + 1);
	expect_ok(p, anchor_all, n_all + 1);
	/* a second failure, then a success: unsigned entries in the middle */
	assert_int_equal(fort_vault_open(&v, p, NULL, wrong), FORT_EAUTH);
	assert_int_equal(fort_vault_open(&v, p, NULL, pass), 0);
	assert_int_equal(fort_audit_log(v, NULL, count_cb, &c), 0);
	assert_int_equal(c.failed_unsigned, 2);
	assert_int_equal(c.total, n_all + 3);
	assert_int_equal(c.signed_, n_all + 1);
	fort_vault_close(v);
	expect_ok(p, NULL, n_all + 4); /* + the audit-log entry */

	/* an unsigned entry that is not a failed unlock is refused */
	p = copy_vault(base, "unlock.fort");
	assert_int_equal(fort_vault_open(&v, p, NULL, wrong), FORT_EAUTH);
	sql(p, "UPDATE audit SET action = 'read' WHERE seq = %lld", (long long)(n_all + 1));
	EXPECT_BAD(p, NULL, n_all + 1);
	fort_secret_free(wrong);
	fort_secret_free(pass);
}

static void test_fail_closed(void **state)
{
	(void)state;
	fort_vault *v = NULL;
	fort_secret *pass = secret(PASS);
	fort_status st;
	fort_record *rec = NULL;
	char id[FORT_ID_LEN + 1] = "";
	const char *p = copy_vault(base, "closed.fort");
	const fort_kv kv[] = { { "full_name", "Zed Zoe" }, { "email", "zed@example.net" } };
	const fort_kv ed[] = { { "email", "jane.new@example.com" } };
	int64_t before;

	assert_int_equal(fort_vault_open(&v, p, NULL, pass), 0);
	assert_int_equal(fort_vault_status(&st, v), 0);
	uint64_t clients = st.clients;
	before = sql_int(p, "SELECT count(*) FROM audit");

	/* the audit table stops accepting rows */
	sql(p, "CREATE TRIGGER no_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'audit refused'); END");

	assert_true(fort_client_add(id, v, kv, 2) < 0);
	assert_int_equal(fort_vault_status(&st, v), 0);
	assert_int_equal(st.clients, clients);
	assert_int_equal(sql_int(p, "SELECT count(*) FROM clients"), (int64_t)clients);

	assert_true(fort_client_edit(v, ids[0], ed, 1) < 0);
	assert_true(fort_client_erase(v, ids[1], NULL) < 0);
	assert_int_equal(fort_client_is_erased(v, ids[1]), 0);
	rec = (fort_record *)1;
	assert_true(fort_client_get(&rec, v, ids[0], NULL) < 0);
	assert_null(rec);
	{
		fort_client_summary *list = (fort_client_summary *)1;
		size_t n = 99;
		assert_true(fort_client_list(&list, &n, v) < 0);
		assert_null(list);
		assert_int_equal(n, 0);
	}
	assert_int_equal(sql_int(p, "SELECT count(*) FROM audit"), before);

	/* writable again: nothing of the refused operations happened */
	sql(p, "DROP TRIGGER no_audit");
	assert_int_equal(fort_vault_status(&st, v), 0);
	assert_int_equal(st.clients, clients);
	{
		char (*found)[FORT_ID_LEN + 1] = NULL;
		size_t n = 9;
		assert_int_equal(fort_client_find(&found, &n, v, "email", "zed@example.net"), 0);
		assert_int_equal(n, 0);
		assert_int_equal(fort_client_find(&found, &n, v, "email", "jane.new@example.com"), 0);
		assert_int_equal(n, 0);
		assert_int_equal(fort_client_find(&found, &n, v, "email", "jane@example.com"), 0);
		assert_int_equal(n, 1);
		assert_string_equal(found[0], ids[0]);
		free(found);
	}
	assert_int_equal(fort_client_get(&rec, v, ids[1], NULL), 0);
	fort_record_free(rec);
	assert_int_equal(fort_client_add(id, v, kv, 2), 0);
	fort_vault_close(v);
	expect_ok(p, NULL, -1);
	fort_secret_free(pass);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_update_column),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_reorder),
		cmocka_unit_test(test_forge_append),
		cmocka_unit_test(test_forge_whole_chain),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_anchor),
		cmocka_unit_test(test_anchor_syntax),
		cmocka_unit_test(test_failed_unlock),
		cmocka_unit_test(test_fail_closed),
	};
	return cmocka_run_group_tests(tests, group_setup, fixture_group_teardown);
}
