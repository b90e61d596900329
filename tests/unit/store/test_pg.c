/* test_pg.c - the PostgreSQL store (src/store/postgres.c, issue 19) against
 * a real server: the ctest fixture "pg" starts one (tests/pg/pg-server.sh)
 * and names its folder in FORTRESS_TEST_PG_DIR; each test makes a database
 * of its own.  Skipped (77) without it.  The attacker is a second libpq
 * connection, as psql would be. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>
#include <pthread.h>
#include <libpq-fe.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-pg-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"
#include "store/store.h"
#include "store/signin.h"
#include "store/seal_common.h"

/* A new empty database: its connection string (static, one of 8). */
static const char *newdb(const char *name)
{
	static char urls[8][512];
	static int k;
	char cmd[1024], *url = urls[k++ % 8];
	FILE *p;
	snprintf(cmd, sizeof cmd, "sh '%s' newdb '%s' 'u_%ld_%s'", getenv("FORTRESS_PG_SERVER"), getenv("FORTRESS_TEST_PG_DIR"),
		 (long)getpid(), name);
	assert_non_null(p = popen(cmd, "r"));
	assert_non_null(fgets(url, 512, p));
	assert_int_equal(pclose(p), 0);
	url[strcspn(url, "\n")] = '\0';
	return url;
}

static void raw(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

static long long raw_count(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c, sql);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	long long n = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return n;
}

/* seal_log's packs (postgres.c, migration 21) as a row per seal, as the
 * log was before: (rowid, seq, tbl, id, hash), written out here so that the
 * tests read the packs as the layout says, not as the store does */
#define LOG                                                                                                                \
	"(SELECT p.rowid + k AS rowid, p.seq,"                                                                             \
	" (ARRAY['clients', 'blind', 'uniq', 'consent', 'erased', 'erased_fields', 'exports', 'requests', 'request_events'," \
	" 'incidents', 'incident_notes', 'incident_scope', 'incident_actions', 'meta', 'holds', 'attachments',"           \
	" 'attachment_clients', 'mail_outbox', 'intake_forms', 'intake_decisions', 'user_totp', 'tokens',"               \
	" 'request_details', 'invitations'])[get_byte(p.seals, k * 41) + 1] AS tbl,"                                     \
	" ('x' || encode(substring(p.seals FROM k * 41 + 2 FOR 8), 'hex'))::bit(64)::bigint AS id,"                        \
	" substring(p.seals FROM k * 41 + 10 FOR 32) AS hash"                                                              \
	" FROM seal_log p, generate_series(0, length(p.seals) / 41 - 1) AS k) "

static int put_client(store *s, int64_t id, const char *data)
{
	store_client c = { id, 1, (unsigned char *)"wrapped-key-bytes", 17, (unsigned char *)data, strlen(data), 1000, 1000 };
	return store_client_insert(s, &c);
}

static int64_t next_seq = 1;
/* what an audit entry does: append, then seal what is pending under it */
static int audit_entry(store *s)
{
	store_audit_row a;
	unsigned char d[32];
	int any, r;
	memset(&a, 0, sizeof a);
	a.seq = next_seq++;
	/* a chain as audit.c makes it: each entry's prev is the last's hash */
	memcpy(a.prev, &(int64_t){ a.seq - 1 }, 8);
	memcpy(a.hash, &a.seq, 8);
	a.actor = a.action = a.client = a.fields = a.purpose = a.result = a.detail = "";
	if ((r = store_audit_append(s, &a)) < 0)
		return r;
	return store_seal_flush(s, a.seq, d, &any);
}

static int hook(void *ctx) { return audit_entry(ctx); }

static void test_connection_rules(void **state)
{
	(void)state;
	store *s = NULL;
	const char *url = newdb("rules");
	assert_int_equal(store_path_is_pg(url), 1);
	assert_int_equal(store_path_is_pg("service=vault"), 1);
	assert_int_equal(store_path_is_pg("/tmp/vault.db"), 0);
	assert_int_equal(store_open(&s, "postgresql://fortress:s3cret@localhost/x", 1), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "password"));
	assert_null(strstr(fort_error_message(), "s3cret"));
	assert_int_equal(store_open(&s, "postgresql://localhost/x?sslmode=disable", 1), FORT_EINPUT);
	assert_int_equal(store_open(&s, "postgres://db.example/x?sslmode=prefer", 1), FORT_EINPUT);
	assert_null(s);
	/* a database without a vault is not opened as one */
	assert_int_equal(store_open(&s, url, 0), FORT_ECORRUPT);
	assert_null(s);
	/* a database with other tables is not taken over */
	raw(url, "CREATE TABLE theirs(x int)");
	assert_int_equal(store_open(&s, url, 1), FORT_EEXISTS);
	raw(url, "DROP TABLE theirs");
	assert_int_equal(store_open(&s, url, 1), 0);
	/* closed before its first commit: a failed creation leaves nothing */
	store_close(s);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), 0);
	assert_int_equal(store_open(&s, url, 1), 0);
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_meta_put(s, "salt", "x", 1), 0);
	assert_int_equal(store_commit(s), 0);
	store_close(s);
	assert_int_equal(store_open(&s, url, 1), FORT_EEXISTS);
	assert_int_equal(store_open(&s, url, 0), 0);
	store_close(s);
}

static void test_transactions_and_seals(void **state)
{
	(void)state;
	store *s = NULL;
	const char *url = newdb("tx");
	store_client c;
	unsigned char h[STORE_BIDX_LEN] = "0123456789abcdef";
	int64_t other = 0, ids[4];
	size_t n;
	uint64_t count;
	next_seq = 1;
	assert_int_equal(store_open(&s, url, 1), 0);
	/* a sealed row without an audit entry: the commit fails, nothing written */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(put_client(s, 1, "first"), 0);
	assert_int_equal(store_commit(s), FORT_ETAMPER);
	assert_int_equal(store_client_count(s, &count), 0);
	assert_int_equal(count, 0);
	/* nested: only the outermost commits; a rollback undoes all */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(put_client(s, 1, "first"), 0);
	assert_int_equal(store_commit(s), 0);
	store_rollback(s);
	assert_int_equal(store_client_count(s, &count), 0);
	assert_int_equal(count, 0);
	/* with its audit entry (the commit hook) */
	store_set_commit_hook(s, hook, s);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(put_client(s, 1, "first"), 0);
	assert_int_equal(put_client(s, 2, "second"), 0);
	assert_int_equal(put_client(s, 2, "again"), FORT_EEXISTS);
	store_rollback(s);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(put_client(s, 1, "first"), 0);
	assert_int_equal(put_client(s, 2, "second"), 0);
	assert_int_equal(store_blind_add(s, h, 1, 1, &other), 0);
	assert_int_equal(store_blind_add(s, h, 2, 1, &other), FORT_EDUPLICATE);
	assert_int_equal(other, 1);
	assert_int_equal(store_blind_add(s, h, 1, 0, NULL), 0);
	assert_int_equal(store_blind_add(s, h, 2, 0, NULL), 0);
	assert_int_equal(store_commit(s), 0);
	assert_true(store_seal_pending(s) == 0);
	/* two records, a unique entry, two blind entries */
	assert_int_equal(raw_count(url, "SELECT count(*) FROM " LOG "l"), 5);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM seal_log"), 1); /* one pack */
	store_seal_enforce(s, 1);
	assert_int_equal(store_client_get(s, &c, 2), 0);
	assert_int_equal(c.data_len, 6);
	assert_memory_equal(c.data, "second", 6);
	store_client_release(&c);
	assert_int_equal(store_blind_find(s, h, 1, ids, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], 1);
	assert_int_equal(store_blind_find(s, h, 0, ids, 4, &n), 0);
	assert_int_equal(n, 2);
	/* the attacker edits a record: its read is refused, naming it */
	raw(url, "UPDATE clients SET data = 'secund'::bytea WHERE id = 2");
	assert_int_equal(store_client_get(s, &c, 2), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "client"));
	raw(url, "UPDATE clients SET data = 'second'::bytea WHERE id = 2");
	assert_int_equal(store_client_get(s, &c, 2), 0);
	store_client_release(&c);
	/* ...removes one: not "no such client" */
	raw(url, "CREATE TABLE keep AS SELECT * FROM clients WHERE id = 1; DELETE FROM clients WHERE id = 1");
	assert_int_equal(store_client_get(s, &c, 1), FORT_ETAMPER);
	raw(url, "INSERT INTO clients SELECT * FROM keep; DROP TABLE keep");
	assert_int_equal(store_client_get(s, &c, 1), 0);
	store_client_release(&c);
	/* ...moves a unique entry to another client */
	raw(url, "UPDATE uniq SET client = 2");
	assert_int_equal(store_blind_find(s, h, 1, ids, 4, &n), FORT_ETAMPER);
	raw(url, "UPDATE uniq SET client = 1");
	/* ...deletes it: the scan and the next insert of it say so */
	raw(url, "DELETE FROM uniq");
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_blind_add(s, h, 2, 1, &other), FORT_ETAMPER);
	store_rollback(s);
	assert_int_equal(store_seal_require(s, "uniq"), FORT_ETAMPER);
	store_close(s);
}

/* Schema 23: no index of uniq by client (an import wrote a B-tree entry in
 * it per unique value; sqlite.c's 22).  A vault of schema 22 with the index
 * loses it at open, keeps its entries, and an erasure's sweep of the clients'
 * unique entries (store_uniq_del_clients: one pass now) removes theirs and
 * only theirs, each seal closed. */
static void test_uniq_client_dropped(void **state)
{
	(void)state;
	store *s = NULL;
	const char *url = newdb("uniqclient");
	unsigned char h[STORE_BIDX_LEN];
	int64_t other = 0, gone[] = { 3, 5, 3, 99 }, ids[2];
	uint64_t removed = 0;
	size_t n;
	next_seq = 1;
	assert_int_equal(store_open(&s, url, 1), 0);
	store_set_commit_hook(s, hook, s);
	assert_int_equal(store_begin(s), 0);
	for (int i = 1; i <= 6; i++) {
		assert_int_equal(put_client(s, i, "record"), 0);
		for (int k = 0; k < 2; k++) {
			memset(h, 'a' + k, sizeof h);
			h[0] = (unsigned char)i;
			assert_int_equal(store_blind_add(s, h, i, 1, &other), 0);
		}
	}
	assert_int_equal(store_commit(s), 0);
	store_close(s);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM pg_indexes WHERE tablename = 'uniq'"), 1);
	/* schema 22's layout: the index by client there */
	raw(url, "CREATE INDEX uniq_client ON uniq(client); UPDATE fortress_version SET v = 22");
	assert_int_equal(raw_count(url, "SELECT count(*) FROM pg_indexes WHERE indexname = 'uniq_client'"), 1);
	assert_int_equal(store_open(&s, url, 0), 0);
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM pg_indexes WHERE indexname = 'uniq_client'"), 0);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM uniq"), 12);
	store_set_commit_hook(s, hook, s);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_uniq_del_clients(s, gone, 4, &removed), 0);
	assert_int_equal(removed, 4);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM uniq WHERE client IN (3, 5)"), 0);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM uniq"), 8);
	store_seal_enforce(s, 1);
	assert_int_equal(store_seal_require(s, "uniq"), 0);
	for (int i = 1; i <= 6; i++) {
		memset(h, 'b', sizeof h);
		h[0] = (unsigned char)i;
		assert_int_equal(store_blind_find(s, h, 1, ids, 2, &n), 0);
		assert_int_equal(n, i == 3 || i == 5 ? 0 : 1);
	}
	store_close(s);
}

/* Two handles (two processes): one audit chain, unique entries hold across them. */
static void test_two_writers(void **state)
{
	(void)state;
	store *a = NULL, *b = NULL;
	const char *url = newdb("two");
	unsigned char h[STORE_BIDX_LEN] = "fedcba9876543210";
	int64_t other = 0;
	store_audit_row r;
	next_seq = 1;
	assert_int_equal(store_open(&a, url, 1), 0);
	assert_int_equal(store_begin(a), 0);
	assert_int_equal(store_meta_put(a, "salt", "x", 1), 0);
	assert_int_equal(store_commit(a), 0);
	assert_int_equal(store_open(&b, url, 0), 0);
	store_set_commit_hook(a, hook, a);
	store_set_commit_hook(b, hook, b);
	assert_int_equal(store_begin(a), 0);
	assert_int_equal(put_client(a, 1, "one"), 0);
	assert_int_equal(store_blind_add(a, h, 1, 1, &other), 0);
	assert_int_equal(store_commit(a), 0);
	assert_int_equal(store_begin(b), 0);
	assert_int_equal(put_client(b, 2, "two"), 0);
	assert_int_equal(store_blind_add(b, h, 2, 1, &other), FORT_EDUPLICATE);
	assert_int_equal(other, 1);
	store_rollback(b);
	/* a second entry with a taken seq does not fork the chain */
	memset(&r, 0, sizeof r);
	r.seq = 1;
	r.actor = r.action = r.client = r.fields = r.purpose = r.result = r.detail = "";
	assert_int_equal(store_begin(b), 0);
	assert_int_equal(store_audit_append(b, &r), FORT_EBUSY);
	store_rollback(b);
	uint64_t n;
	assert_int_equal(store_audit_count(b, &n), 0);
	assert_int_equal(n, 1);
	store_close(a);
	store_close(b);
}

/* store_changed across two connections: a commit of the other is seen
 * once, this connection's own are not, and neither is a read; a head
 * rolled back with psql is a change. */
static void test_changed(void **state)
{
	(void)state;
	store *a = NULL, *b = NULL;
	const char *url = newdb("changed");
	next_seq = 1;
	assert_int_equal(store_open(&a, url, 1), 0);
	assert_int_equal(store_begin(a), 0);
	assert_int_equal(audit_entry(a), 0);
	assert_int_equal(store_commit(a), 0);
	assert_int_equal(store_open(&b, url, 0), 0);
	/* the first call notes where the vault stands */
	assert_int_equal(store_changed(a), 0);
	assert_int_equal(store_changed(b), 0);
	assert_int_equal(store_changed(a), 0);
	/* b commits an audited change: a sees it once */
	assert_int_equal(store_begin(b), 0);
	assert_int_equal(store_meta_put(b, "business", "Orbit", 5), 0);
	assert_int_equal(audit_entry(b), 0);
	assert_int_equal(store_commit(b), 0);
	assert_int_equal(store_changed(a), 1);
	assert_int_equal(store_changed(a), 0);
	/* b's own commit is not a change for b */
	assert_int_equal(store_changed(b), 0);
	/* a's own commit (in a transaction, and an entry outside one) is
	 * not a change for a, and is one for b */
	assert_int_equal(store_begin(a), 0);
	assert_int_equal(audit_entry(a), 0);
	assert_int_equal(audit_entry(a), 0);
	assert_int_equal(store_commit(a), 0);
	assert_int_equal(audit_entry(a), 0);
	assert_int_equal(store_changed(a), 0);
	assert_int_equal(store_changed(b), 1);
	assert_int_equal(store_changed(b), 0);
	/* a rolled back: nothing changed for anyone */
	assert_int_equal(store_begin(a), 0);
	assert_int_equal(audit_entry(a), 0);
	store_rollback(a);
	next_seq--;
	assert_int_equal(store_changed(a), 0);
	assert_int_equal(store_changed(b), 0);
	/* b commits, then a commits before asking: a's commit does not hide b's */
	assert_int_equal(store_begin(b), 0);
	assert_int_equal(audit_entry(b), 0);
	assert_int_equal(store_commit(b), 0);
	assert_int_equal(store_begin(a), 0);
	assert_int_equal(audit_entry(a), 0);
	assert_int_equal(store_commit(a), 0);
	assert_int_equal(store_changed(a), 1);
	assert_int_equal(store_changed(b), 1);
	/* the chain's head removed with psql is a change too */
	raw(url, "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)");
	assert_int_equal(store_changed(a), 1);
	assert_int_equal(store_changed(b), 1);
	assert_int_equal(store_changed(a), 0);
	store_close(a);
	store_close(b);
}

/* user_totp is sealed: a blob rolled back or removed with psql is refused
 * at read; store_seal_adopt seals the rows of a vault sealed before it. */
static void test_totp_sealed(void **state)
{
	(void)state;
	store *s = NULL;
	const char *url = newdb("totp");
	unsigned char *d = NULL;
	size_t n = 0;
	uint64_t rows = 9, seals = 9;
	next_seq = 1;
	assert_int_equal(store_open(&s, url, 1), 0);
	store_set_commit_hook(s, hook, s);
	/* written outside Fortress before the table was sealed */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_meta_put(s, "salt", "x", 1), 0);
	assert_int_equal(store_commit(s), 0);
	raw(url, "INSERT INTO user_totp VALUES(7, '\\x0707'::bytea, 1)");
	store_seal_enforce(s, 1);
	assert_int_equal(store_totp_get(s, 7, &d, &n), FORT_ETAMPER);
	assert_null(d);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_seal_adopt(s, "user_totp", &rows, &seals), 0);
	assert_int_equal(rows, 1);
	assert_int_equal(seals, 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_totp_get(s, 7, &d, &n), 0);
	assert_int_equal(n, 2);
	free(d);
	/* adopted once: the next call finds its seals and notes nothing */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_seal_adopt(s, "user_totp", &rows, &seals), 0);
	assert_int_equal(rows, 0);
	assert_int_equal(seals, 1);
	assert_true(store_seal_pending(s) == 0);
	store_rollback(s);
	assert_int_equal(store_seal_adopt(s, "holds", &rows, &seals), FORT_ERROR);
	/* written by Fortress: sealed at commit */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_totp_put(s, 1, "blob-one", 8, 100), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_totp_get(s, 1, &d, &n), 0);
	assert_int_equal(n, 8);
	assert_memory_equal(d, "blob-one", 8);
	free(d);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_totp_put(s, 1, "blob-two", 8, 200), 0);
	assert_int_equal(store_commit(s), 0);
	/* the older blob put back with psql (a used code good again): refused */
	raw(url, "UPDATE user_totp SET data = 'blob-one'::bytea, created = 100 WHERE user_id = 1");
	assert_int_equal(store_totp_get(s, 1, &d, &n), FORT_ETAMPER);
	assert_null(d);
	assert_non_null(strstr(fort_error_message(), "the second factor (user_totp) of user #1 does not match"));
	raw(url, "UPDATE user_totp SET data = 'blob-two'::bytea, created = 200 WHERE user_id = 1");
	assert_int_equal(store_totp_get(s, 1, &d, &n), 0);
	free(d);
	/* removed with psql: not "not enrolled" */
	raw(url, "CREATE TABLE keep AS SELECT * FROM user_totp WHERE user_id = 1; DELETE FROM user_totp WHERE user_id = 1");
	assert_int_equal(store_totp_get(s, 1, &d, &n), FORT_ETAMPER);
	assert_int_equal(store_seal_require(s, "user_totp"), FORT_ETAMPER);
	raw(url, "INSERT INTO user_totp SELECT * FROM keep; DROP TABLE keep");
	/* removed by Fortress: gone, and sealed as gone */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_totp_del(s, 1), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_totp_get(s, 1, &d, &n), FORT_ENOTFOUND);
	raw(url, "INSERT INTO user_totp VALUES(1, 'blob-two'::bytea, 200)");
	assert_int_equal(store_totp_get(s, 1, &d, &n), FORT_ETAMPER);
	store_close(s);
}

/* Every sealed meta key of the shared list (intake_pk and record_mac too)
 * is sealed on PostgreSQL: changed with psql, its read is refused. */
static void test_meta_sealed(void **state)
{
	(void)state;
	static const char *const keys[] = { "intake_pk", "record_mac", "business", "mail.settings" };
	static const char *const nouns[] = { "intake public key", "record-format marker", "business name", "mail settings" };
	store *s = NULL;
	const char *url = newdb("meta");
	unsigned char *v = NULL;
	size_t n = 0;
	char sql[256];
	next_seq = 1;
	assert_int_equal(store_open(&s, url, 1), 0);
	store_set_commit_hook(s, hook, s);
	assert_int_equal(store_begin(s), 0);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		assert_int_equal(store_meta_put(s, keys[i], "value", 5), 0);
	assert_int_equal(store_meta_put(s, "salt", "x", 1), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM seal_head WHERE tbl = 'meta'"), 4);
	store_seal_enforce(s, 1);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		snprintf(sql, sizeof sql, "UPDATE meta SET v = 'other'::bytea WHERE k = '%s'", keys[i]);
		raw(url, sql);
		assert_int_equal(store_meta_get(s, keys[i], &v, &n), FORT_ETAMPER);
		assert_null(v);
		assert_non_null(strstr(fort_error_message(), nouns[i]));
		assert_int_equal(store_meta_get_unchecked(s, keys[i], &v, &n), 0);
		free(v);
		snprintf(sql, sizeof sql, "UPDATE meta SET v = 'value'::bytea WHERE k = '%s'", keys[i]);
		raw(url, sql);
		assert_int_equal(store_meta_get(s, keys[i], &v, &n), 0);
		free(v);
	}
	/* an unsealed key is not */
	raw(url, "UPDATE meta SET v = 'y'::bytea WHERE k = 'salt'");
	assert_int_equal(store_meta_get(s, "salt", &v, &n), 0);
	free(v);
	store_close(s);
}

/* store_meta_preload: the open's meta reads from one statement, each
 * still checked against its seal; what was read is dropped at the next
 * transaction, snapshot, store_changed and meta write. */
static void test_meta_preload(void **state)
{
	(void)state;
	store *s = NULL;
	const char *url = newdb("preload");
	unsigned char *v = NULL;
	size_t n = 0;
	next_seq = 1;
	assert_int_equal(store_open(&s, url, 1), 0);
	store_set_commit_hook(s, hook, s);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_meta_put(s, "business", "Acme", 4), 0);
	assert_int_equal(store_meta_put(s, "record_mac", "1", 1), 0);
	assert_int_equal(store_meta_put(s, "salt", "x", 1), 0);
	assert_int_equal(store_commit(s), 0);
	store_seal_enforce(s, 1);

	/* read as they are, a missing key missing */
	assert_int_equal(store_meta_preload(s), 0);
	assert_int_equal(store_meta_get(s, "business", &v, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(v, "Acme", 4);
	free(v);
	assert_int_equal(store_meta_get(s, "nothing", &v, &n), FORT_ENOTFOUND);
	assert_null(v);
	assert_non_null(strstr(fort_error_message(), "'nothing'"));

	/* a sealed row edited, put back from an older copy, or its seal
	 * removed: refused from the preloaded rows (unchecked reads still
	 * answer), an unsealed one is not */
	raw(url, "UPDATE meta SET v = 'Evil'::bytea WHERE k = 'business'");
	raw(url, "UPDATE meta SET v = 'z'::bytea WHERE k = 'salt'");
	assert_int_equal(store_meta_preload(s), 0);
	assert_int_equal(store_meta_get(s, "business", &v, &n), FORT_ETAMPER);
	assert_null(v);
	assert_non_null(strstr(fort_error_message(), "business name"));
	assert_non_null(strstr(fort_error_message(), "changed outside Fortress"));
	assert_int_equal(store_meta_get_unchecked(s, "business", &v, &n), 0);
	assert_memory_equal(v, "Evil", 4);
	free(v);
	assert_int_equal(store_meta_get(s, "salt", &v, &n), 0);
	assert_memory_equal(v, "z", 1);
	free(v);
	raw(url, "UPDATE meta SET v = 'Acme'::bytea WHERE k = 'business'");
	raw(url, "DELETE FROM seal_head WHERE tbl = 'meta' AND id = (SELECT rowid FROM meta WHERE k = 'record_mac')");
	assert_int_equal(store_meta_preload(s), 0);
	assert_int_equal(store_meta_get(s, "business", &v, &n), 0);
	free(v);
	assert_int_equal(store_meta_get(s, "record_mac", &v, &n), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "not recorded in the audit log"));
	store_close(s);

	/* a column added outside Fortress: the rows are read one by one
	 * again, and a sealed row's hash (over every column) no longer holds */
	url = newdb("preload2");
	next_seq = 1;
	assert_int_equal(store_open(&s, url, 1), 0);
	store_set_commit_hook(s, hook, s);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_meta_put(s, "business", "Acme", 4), 0);
	assert_int_equal(store_meta_put(s, "salt", "x", 1), 0);
	assert_int_equal(store_commit(s), 0);
	store_seal_enforce(s, 1);
	raw(url, "ALTER TABLE meta ADD COLUMN extra text");
	assert_int_equal(store_meta_preload(s), 0);
	assert_int_equal(store_meta_get(s, "business", &v, &n), FORT_ETAMPER);
	raw(url, "ALTER TABLE meta DROP COLUMN extra");
	/* (a new connection: PostgreSQL refuses a prepared SELECT * whose
	 * table changed shape under it) */
	store_close(s);
	assert_int_equal(store_open(&s, url, 0), 0);
	store_set_commit_hook(s, hook, s);
	store_seal_enforce(s, 1);
	assert_int_equal(store_meta_preload(s), 0);
	assert_int_equal(store_meta_get(s, "business", &v, &n), 0);
	free(v);

	/* what was read is answered until the next transaction, snapshot,
	 * store_changed or meta write: each of them reads afresh */
	assert_int_equal(store_meta_preload(s), 0);
	raw(url, "UPDATE meta SET v = 'y'::bytea WHERE k = 'salt'");
	assert_int_equal(store_meta_get(s, "salt", &v, &n), 0);
	assert_memory_equal(v, "x", 1);
	free(v);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_meta_get(s, "salt", &v, &n), 0);
	assert_memory_equal(v, "y", 1);
	free(v);
	store_rollback(s);
	assert_int_equal(store_meta_preload(s), 0);
	raw(url, "UPDATE meta SET v = 'w'::bytea WHERE k = 'salt'");
	assert_int_equal(store_read_begin(s), 0);
	assert_int_equal(store_meta_get(s, "salt", &v, &n), 0);
	assert_memory_equal(v, "w", 1);
	free(v);
	store_read_end(s);
	assert_int_equal(store_meta_preload(s), 0);
	raw(url, "UPDATE meta SET v = 'u'::bytea WHERE k = 'salt'");
	assert_true(store_changed(s) >= 0);
	assert_int_equal(store_meta_get(s, "salt", &v, &n), 0);
	assert_memory_equal(v, "u", 1);
	free(v);
	assert_int_equal(store_meta_preload(s), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_meta_put(s, "salt", "t", 1), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_meta_get(s, "salt", &v, &n), 0);
	assert_memory_equal(v, "t", 1);
	free(v);
	store_close(s);
}

/* The seals of the next audit entry flushed, the flush's digest in D. */
static void entry_digest(store *s, unsigned char d[32])
{
	store_audit_row a;
	int any = 0;
	memset(&a, 0, sizeof a);
	a.seq = next_seq++;
	memcpy(a.prev, &(int64_t){ a.seq - 1 }, 8);
	memcpy(a.hash, &a.seq, 8);
	a.actor = a.action = a.client = a.fields = a.purpose = a.result = a.detail = "";
	assert_int_equal(store_audit_append(s, &a), 0);
	assert_int_equal(store_seal_flush(s, a.seq, d, &any), 0);
	assert_int_equal(any, 1);
}

/* What the store reads of URL's log: the digests of entries 1 and 2 (N1,
 * N2 seals), the log's count, whether seal_head differs from the log's
 * newest seals (and the first row that does, in *C). */
struct log_view {
	unsigned char d1[32], d2[32];
	uint64_t n1, n2, total;
	int differ;
	store_seal_check c;
};

static void log_view(const char *url, struct log_view *v)
{
	store *s = NULL;
	memset(v, 0, sizeof *v);
	assert_int_equal(store_open(&s, url, 0), 0);
	assert_int_equal(store_seal_digest(s, 1, v->d1, &v->n1), 0);
	assert_int_equal(store_seal_digest(s, 2, v->d2, &v->n2), 0);
	assert_int_equal(store_seal_count(s, &v->total), 0);
	assert_int_equal(store_seal_heads_check(s, &v->c, &v->differ), 0);
	store_close(s);
}

#define RESTORE_LOG "DELETE FROM seal_log; INSERT INTO seal_log SELECT * FROM keep_log"

/* seal_log packed (migration 21): a run of up to 64 seals of an entry a
 * row.  What the store reads back is what it wrote; a tuple changed,
 * dropped, moved to another entry or cut short, a table number no sealed
 * table has, an empty pack: each makes an entry's digest differ from the
 * one the flush gave (what `audit verify` compares with the signed entry)
 * or seal_head differ from the log, and none is read past.  Then the
 * migration from the row-per-seal log: the same packs, the same digests,
 * and a row no pack can say made a tuple of table 255. */
static void test_seal_log_packed(void **state)
{
	(void)state;
	store *s = NULL;
	const char *url = newdb("packs");
	unsigned char want1[32], want2[32];
	struct log_view v;
	char data[32];
	assert_int_equal(store_open(&s, url, 1), 0);
	store_set_commit_hook(s, hook, s);
	next_seq = 1;
	/* entry 1: 130 records (packs of 64, 64 and 2); entry 2: 3 */
	assert_int_equal(store_begin(s), 0);
	for (int i = 1; i <= 130; i++) {
		snprintf(data, sizeof data, "record %d", i);
		assert_int_equal(put_client(s, i, data), 0);
	}
	entry_digest(s, want1);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_begin(s), 0);
	for (int i = 131; i <= 133; i++) {
		snprintf(data, sizeof data, "record %d", i);
		assert_int_equal(put_client(s, i, data), 0);
	}
	entry_digest(s, want2);
	assert_int_equal(store_commit(s), 0);
	store_close(s);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM seal_log"), 4);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM seal_log WHERE rowid IN (4294967296, 4294967296 + 64, 4294967296 + 128,"
				       " 8589934592) AND length(seals) = CASE rowid WHEN 4294967296 + 128 THEN 2 WHEN 8589934592 THEN 3"
				       " ELSE 64 END * 41"), 4);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM " LOG "l WHERE tbl = 'clients' AND id = (rowid & 4294967295) + 1"
				       " + CASE seq WHEN 2 THEN 130 ELSE 0 END"), 133);
	log_view(url, &v);
	assert_int_equal(v.n1, 130);
	assert_int_equal(v.n2, 3);
	assert_int_equal(v.total, 133);
	assert_memory_equal(v.d1, want1, 32);
	assert_memory_equal(v.d2, want2, 32);
	assert_int_equal(v.differ, 0);
	raw(url, "CREATE TABLE keep_log AS SELECT * FROM seal_log");

	/* a hash changed inside a pack (tuple 5: client 6's) */
	raw(url, "UPDATE seal_log SET seals = set_byte(seals, 5 * 41 + 20, get_byte(seals, 5 * 41 + 20) # 1) WHERE rowid = 4294967296");
	log_view(url, &v);
	assert_int_equal(v.n1, 130);
	assert_memory_not_equal(v.d1, want1, 32);
	assert_memory_equal(v.d2, want2, 32);
	assert_int_equal(v.differ, 1);
	assert_string_equal(v.c.table, "clients");
	assert_int_equal(v.c.id, 6);
	raw(url, RESTORE_LOG);

	/* a tuple dropped */
	raw(url, "UPDATE seal_log SET seals = overlay(seals PLACING ''::bytea FROM 5 * 41 + 1 FOR 41) WHERE rowid = 4294967296");
	log_view(url, &v);
	assert_int_equal(v.n1, 129);
	assert_int_equal(v.total, 132);
	assert_memory_not_equal(v.d1, want1, 32);
	assert_int_equal(v.differ, 1);
	assert_int_equal(v.c.id, 6);
	raw(url, RESTORE_LOG);

	/* a tuple moved to entry 2's pack */
	raw(url, "UPDATE seal_log SET seals = seals || (SELECT substring(seals FROM 5 * 41 + 1 FOR 41) FROM seal_log WHERE rowid = 4294967296)"
		 " WHERE rowid = 8589934592;"
		 "UPDATE seal_log SET seals = overlay(seals PLACING ''::bytea FROM 5 * 41 + 1 FOR 41) WHERE rowid = 4294967296");
	log_view(url, &v);
	assert_int_equal(v.n1, 129);
	assert_int_equal(v.n2, 4);
	assert_int_equal(v.total, 133);
	assert_memory_not_equal(v.d1, want1, 32);
	assert_memory_not_equal(v.d2, want2, 32);
	assert_int_equal(v.differ, 1);
	raw(url, RESTORE_LOG);

	/* a whole pack moved to entry 2 (its seq changed): gone from entry 1 */
	raw(url, "UPDATE seal_log SET seq = 2 WHERE rowid = 4294967296 + 64");
	log_view(url, &v);
	assert_int_equal(v.n1, 66);
	assert_memory_not_equal(v.d1, want1, 32);
	assert_memory_equal(v.d2, want2, 32);
	assert_int_equal(v.differ, 1);
	raw(url, RESTORE_LOG);

	/* a pack cut short: the cut tuple still counts, and cannot match */
	raw(url, "UPDATE seal_log SET seals = substring(seals FROM 1 FOR length(seals) - 10) WHERE rowid = 4294967296 + 128");
	log_view(url, &v);
	assert_int_equal(v.n1, 130);
	assert_int_equal(v.total, 133);
	assert_memory_not_equal(v.d1, want1, 32);
	assert_int_equal(v.differ, 1);
	assert_int_equal(v.c.id, 130);
	raw(url, RESTORE_LOG);

	/* a table number no sealed table has; an empty pack; one byte */
	raw(url, "UPDATE seal_log SET seals = set_byte(seals, 41, 200) WHERE rowid = 8589934592");
	log_view(url, &v);
	assert_int_equal(v.n2, 3);
	assert_memory_not_equal(v.d2, want2, 32);
	assert_int_equal(v.differ, 1);
	raw(url, RESTORE_LOG);
	raw(url, "UPDATE seal_log SET seals = ''::bytea WHERE rowid = 8589934592");
	log_view(url, &v);
	assert_int_equal(v.n2, 0);
	assert_int_equal(v.total, 130);
	assert_int_equal(v.differ, 1);
	raw(url, "UPDATE seal_log SET seals = '\\x01'::bytea WHERE rowid = 8589934592");
	log_view(url, &v);
	assert_int_equal(v.n2, 1);
	assert_memory_not_equal(v.d2, want2, 32);
	assert_int_equal(v.differ, 1);
	raw(url, RESTORE_LOG);
	log_view(url, &v);
	assert_int_equal(v.differ, 0);

	/* migration 21: the log of schema 20 (a row per seal, rowid
	 * SEAL_ROWID) packed again exactly; a row of a table that is not
	 * sealed (entry 3) becomes a tuple of table 255 */
	raw(url, "CREATE TABLE old_log AS SELECT * FROM " LOG "l;"
		 "DROP TABLE seal_log;"
		 "CREATE TABLE seal_log(rowid bigint PRIMARY KEY, seq bigint NOT NULL, tbl text NOT NULL, id bigint NOT NULL, hash bytea NOT NULL);"
		 "INSERT INTO seal_log SELECT rowid, seq, tbl, id, hash FROM old_log;"
		 "INSERT INTO seal_log VALUES(12884901888, 3, 'nosuch', 7, '\\x00'::bytea);"
		 "UPDATE fortress_version SET v = 20");
	assert_int_equal(raw_count(url, "SELECT count(*) FROM seal_log"), 134);
	assert_int_equal(store_open(&s, url, 0), 0);
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	store_close(s);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM seal_log"), 5);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM (SELECT * FROM seal_log WHERE seq < 3 EXCEPT SELECT * FROM keep_log) AS x"), 0);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM (SELECT * FROM keep_log EXCEPT SELECT * FROM seal_log) AS x"), 0);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM seal_log WHERE rowid = 12884901888 AND length(seals) = 41"
				       " AND get_byte(seals, 0) = 255"), 1);
	log_view(url, &v);
	assert_memory_equal(v.d1, want1, 32);
	assert_memory_equal(v.d2, want2, 32);
	assert_int_equal(v.total, 134);
	raw(url, "DROP TABLE keep_log; DROP TABLE old_log");
}

/* A large flush: seal_log through COPY, seal_head from the copied rows
 * (new heads, then existing ones moved on), the same digest store_seal_digest
 * reads back; a whole-table check reads the rows 1,000 at a time and finds
 * a row changed or removed past the first thousand. */
enum { COPY_N = 2300 };

/* Two large flushes: COPY_N new client rows, then the same rows changed
 * (their heads moved on).  BULK: as an import writes (store_bulk), where
 * new heads go in by a plain INSERT and the second flush's, which exist,
 * fall back to the upsert. */
static void seal_copy_rounds(store *s, const char *url, int bulk)
{
	enum { N = COPY_N };
	store_audit_row a;
	unsigned char d1[32], d2[32];
	uint64_t nseals = 0;
	int any = 0;
	char data[32];
	next_seq = 1;
	for (int round = 0; round < 2; round++) {
		store_bulk(s, bulk);
		assert_int_equal(store_begin(s), 0);
		for (int i = 1; i <= N; i++) {
			snprintf(data, sizeof data, "record %d/%d", i, round);
			if (round == 0) {
				assert_int_equal(put_client(s, i, data), 0);
			} else {
				store_client c = { i, 1, (unsigned char *)"wrapped-key-bytes", 17, (unsigned char *)data, strlen(data), 1000, 2000 };
				assert_int_equal(store_client_update(s, &c), 0);
			}
		}
		memset(&a, 0, sizeof a);
		a.seq = next_seq++;
		memcpy(a.prev, &(int64_t){ a.seq - 1 }, 8);
		memcpy(a.hash, &a.seq, 8);
		a.actor = a.action = a.client = a.fields = a.purpose = a.result = a.detail = "";
		assert_int_equal(store_audit_append(s, &a), 0);
		assert_int_equal(store_seal_flush(s, a.seq, d1, &any), 0);
		assert_int_equal(any, 1);
		assert_int_equal(store_commit(s), 0);
		store_bulk(s, 0);
		assert_int_equal(store_seal_digest(s, a.seq, d2, &nseals), 0);
		assert_int_equal(nseals, N);
		assert_memory_equal(d1, d2, 32);
		/* every head is this flush's, each the hash its seal_log row has */
		assert_int_equal(raw_count(url, "SELECT count(*) FROM seal_head WHERE tbl = 'clients'"), N);
		assert_int_equal(raw_count(url, round ? "SELECT count(*) FROM seal_head h JOIN " LOG "l ON l.tbl = h.tbl AND l.id = h.id"
							" AND l.seq = h.seq AND l.hash = h.hash WHERE h.tbl = 'clients' AND h.seq = 2"
						      : "SELECT count(*) FROM seal_head h JOIN " LOG "l ON l.tbl = h.tbl AND l.id = h.id"
							" AND l.seq = h.seq AND l.hash = h.hash WHERE h.tbl = 'clients' AND h.seq = 1"),
				 N);
	}
	assert_int_equal(raw_count(url, "SELECT count(*) FROM " LOG "l WHERE tbl = 'clients'"), 2 * N);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM " LOG "l WHERE rowid >> 32 <> seq OR (rowid & 4294967295) >= 2300"), 0);
	/* packs of 64 from each entry's first seal: 36 an entry, the last of 60 */
	assert_int_equal(raw_count(url, "SELECT count(*) FROM seal_log"), 72);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM seal_log WHERE (rowid & 4294967295) % 64 <> 0"
				       " OR length(seals) <> CASE WHEN (rowid & 4294967295) = 2240 THEN 60 ELSE 64 END * 41"), 0);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM seal_head WHERE tbl = 'clients' AND seq = 2"), N);
	store_seal_enforce(s, 1);
	assert_int_equal(store_seal_require(s, "clients"), 0);
	store_seal_enforce(s, 0);
}

static void test_seal_copy_and_scan(void **state)
{
	(void)state;
	store *s = NULL;
	const char *url = newdb("copy");
	assert_int_equal(store_open(&s, url, 1), 0);
	store_set_commit_hook(s, hook, s);
	seal_copy_rounds(s, url, 0);
	store_close(s);

	raw(url, "UPDATE clients SET updated = 5 WHERE id = 2050");
	assert_int_equal(store_open(&s, url, 0), 0);
	store_seal_enforce(s, 1);
	assert_int_equal(store_seal_require(s, "clients"), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "2050"));
	store_close(s);
	raw(url, "UPDATE clients SET updated = 2000 WHERE id = 2050");
	raw(url, "DELETE FROM clients WHERE id = 1999");
	assert_int_equal(store_open(&s, url, 0), 0);
	store_seal_enforce(s, 1);
	assert_int_equal(store_seal_require(s, "clients"), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "1999"));
	assert_non_null(strstr(fort_error_message(), "removed outside Fortress"));
	store_close(s);
}

/* The same flushes as an import makes them (store_bulk): new heads by a
 * plain INSERT, existing ones (the second round) by the upsert after the
 * plain one is refused; then one import-sized flush of new rows with one
 * existing head among them (a row sealed before, touched again): the
 * whole flush falls back, and every head is right. */
static void test_seal_copy_bulk(void **state)
{
	(void)state;
	store *s = NULL;
	const char *url = newdb("copybulk");
	char data[32];
	assert_int_equal(store_open(&s, url, 1), 0);
	store_set_commit_hook(s, hook, s);
	seal_copy_rounds(s, url, 1);
	store_bulk(s, 1);
	assert_int_equal(store_begin(s), 0);
	for (int i = COPY_N + 1; i <= COPY_N + 1500; i++) {
		snprintf(data, sizeof data, "record %d/2", i);
		assert_int_equal(put_client(s, i, data), 0);
	}
	{
		store_client c = { 7, 1, (unsigned char *)"wrapped-key-bytes", 17, (unsigned char *)"record 7/2", 10, 1000, 3000 };
		assert_int_equal(store_client_update(s, &c), 0);
	}
	assert_int_equal(audit_entry(s), 0);
	assert_int_equal(store_commit(s), 0);
	store_bulk(s, 0);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM seal_head WHERE tbl = 'clients' AND seq = 3"), 1501);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM seal_head WHERE tbl = 'clients'"), COPY_N + 1500);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM seal_head h JOIN " LOG "l ON l.tbl = h.tbl AND l.id = h.id"
				       " AND l.seq = h.seq AND l.hash = h.hash WHERE h.tbl = 'clients'"),
			 COPY_N + 1500);
	store_seal_enforce(s, 1);
	assert_int_equal(store_seal_require(s, "clients"), 0);
	store_seal_enforce(s, 0);

	/* a long import: two flushes in one transaction, the second sealing
	 * search groups the first sealed already (a client's second entry)
	 * among new clients and new groups: the groups' heads move on, the
	 * rest go in plainly, and every group verifies */
	store_bulk(s, 1);
	assert_int_equal(store_begin(s), 0);
	for (int round = 0; round < 2; round++) {
		enum { M = 1200 };
		store_bidx_add *e = calloc(M, sizeof *e);
		int64_t *other = calloc(M, sizeof *other);
		assert_non_null(e);
		assert_non_null(other);
		for (int i = 0; i < M; i++) {
			int64_t id = 100000 + i + (round ? M / 2 : 0); /* half of them the first round's */
			if (round == 0 || i >= M / 2) {
				snprintf(data, sizeof data, "record %lld", (long long)id);
				assert_int_equal(put_client(s, id, data), 0);
			}
			memset(e[i].h, 0, STORE_BIDX_LEN);
			memcpy(e[i].h, &id, sizeof id);
			e[i].h[9] = (unsigned char)round;
			e[i].client = id;
		}
		assert_int_equal(store_blind_add_many(s, e, M, other), 0);
		assert_int_equal(audit_entry(s), 0);
		free(e);
		free(other);
	}
	assert_int_equal(store_commit(s), 0);
	store_bulk(s, 0);
	/* 1,800 groups, 600 with two entries, each head the last flush's hash */
	assert_int_equal(raw_count(url, "SELECT count(*) FROM seal_head WHERE tbl = 'blind'"), 1800);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM (SELECT client FROM blind GROUP BY client HAVING count(*) = 2) g"), 600);
	store_seal_enforce(s, 1);
	assert_int_equal(store_seal_require(s, "blind"), 0);
	assert_int_equal(store_seal_require(s, "clients"), 0);
	store_close(s);
}

/* An import's search entries (fresh: clients new in the transaction, all
 * their entries in the call) go in by a plain INSERT: an entry repeated in
 * the batch is skipped, not refused; a fresh claim that is false (the row
 * is there) refuses the call, where ON CONFLICT would have hidden it; a
 * batch not in (client, h) order is written as any other (ON CONFLICT).
 * The fresh groups' seals are hashed from the entries, not read back: the
 * whole-table check after the commit compares them with the rows (fails
 * when the hash leaves out a column).  Last, an import's client row with an
 * id taken: refused, naming that client (fails when the server's detail is
 * not read). */
static void test_fresh_search_entries(void **state)
{
	(void)state;
	store *s = NULL;
	const char *url = newdb("fresh");
	unsigned char h1[STORE_BIDX_LEN], h2[STORE_BIDX_LEN], h3[STORE_BIDX_LEN];
	int64_t other[8];
	size_t n;
	int64_t ids[4];
	memset(h1, 1, sizeof h1);
	memset(h2, 2, sizeof h2);
	memset(h3, 3, sizeof h3);
	next_seq = 1;
	assert_int_equal(store_open(&s, url, 1), 0);
	store_set_commit_hook(s, hook, s);
	store_bulk(s, 1);
	assert_int_equal(store_begin(s), 0);
	for (int i = 1; i <= 3; i++)
		assert_int_equal(put_client(s, i, "record"), 0);
	{
		store_bidx_add e[5] = { { .client = 1, .fresh = 1 }, { .client = 1, .fresh = 1 }, { .client = 1, .fresh = 1 },
					{ .client = 2, .fresh = 1 }, { .client = 3, .fresh = 1 } };
		memcpy(e[0].h, h1, STORE_BIDX_LEN);
		memcpy(e[1].h, h1, STORE_BIDX_LEN); /* the same entry twice */
		memcpy(e[2].h, h2, STORE_BIDX_LEN);
		memcpy(e[3].h, h1, STORE_BIDX_LEN);
		memcpy(e[4].h, h3, STORE_BIDX_LEN);
		assert_int_equal(store_blind_add_many(s, e, 5, other), 0);
	}
	assert_int_equal(audit_entry(s), 0);
	assert_int_equal(store_commit(s), 0);
	store_bulk(s, 0);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM blind"), 4);
	assert_int_equal(store_blind_find(s, h1, 0, ids, 4, &n), 0);
	assert_int_equal(n, 2);
	store_seal_enforce(s, 1);
	assert_int_equal(store_seal_require(s, "blind"), 0);
	store_seal_enforce(s, 0);

	/* a false claim: (h1, 2) is there; refused, nothing kept */
	store_bulk(s, 1);
	assert_int_equal(store_begin(s), 0);
	{
		store_bidx_add e[2] = { { .client = 2, .fresh = 1 }, { .client = 2, .fresh = 1 } };
		memcpy(e[0].h, h1, STORE_BIDX_LEN);
		memcpy(e[1].h, h2, STORE_BIDX_LEN);
		assert_int_equal(store_blind_add_many(s, e, 2, other), FORT_EEXISTS);
	}
	store_rollback(s);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM blind"), 4);

	/* out of order: written with ON CONFLICT, the row there left alone */
	assert_int_equal(store_begin(s), 0);
	{
		store_bidx_add e[2] = { { .client = 2, .fresh = 1 }, { .client = 2, .fresh = 1 } };
		memcpy(e[0].h, h2, STORE_BIDX_LEN);
		memcpy(e[1].h, h1, STORE_BIDX_LEN);
		assert_int_equal(store_blind_add_many(s, e, 2, other), 0);
	}
	assert_int_equal(audit_entry(s), 0);
	assert_int_equal(store_commit(s), 0);
	store_bulk(s, 0);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM blind"), 5);
	store_seal_enforce(s, 1);
	assert_int_equal(store_seal_require(s, "blind"), 0);
	store_seal_enforce(s, 0);

	/* an import's client rows go 128 to a statement: an id taken already
	 * (2, among new ones) refuses the change, and the refusal names that
	 * client, not the first of its statement */
	{
		int64_t cid = 0;
		store_bulk(s, 1);
		assert_int_equal(store_begin(s), 0);
		for (int i = 10; i < 20; i++)
			assert_int_equal(put_client(s, i, "record"), 0);
		assert_int_equal(put_client(s, 2, "record"), 0); /* waits in the store */
		assert_int_equal(put_client(s, 20, "record"), 0);
		assert_int_equal(store_commit(s), FORT_EEXISTS);
		assert_true(store_failed_client(s, &cid));
		assert_int_equal(cid, 2);
		store_bulk(s, 0);
		assert_int_equal(raw_count(url, "SELECT count(*) FROM clients"), 3);
	}
	store_close(s);
}

/* An import's client rows go in batches, each inside a savepoint (issue
 * 19): a batch the server refuses is sent again row by row, so the refusal
 * names the refused row, not its batch; one that does not repeat is said so;
 * either way nothing of the change stays.  Past the savepoints' budget
 * (postgres.c, CLIENTS_SP_MAX: 32,256 rows) the rows go one INSERT each. */
static int import_rows(store *s, int64_t first, int64_t n)
{
	int r = 0;
	store_bulk(s, 1);
	if ((r = store_begin(s)) < 0)
		return r;
	for (int64_t i = first; i < first + n && r == 0; i++)
		r = put_client(s, i, "record");
	if (r == 0)
		r = audit_entry(s);
	if (r == 0)
		r = store_commit(s);
	else
		store_rollback(s);
	return r;
}

/* An import's unique entries (store_bidx_add.fresh on a unique entry: the
 * batch's values and their seals probed first, UNIQ_PROBE, then a plain
 * INSERT of the values nobody holds) say what the general statement
 * (UNIQ_ADD_MANY, ON CONFLICT) says of the same calls: added,
 * the earlier entry of the batch holding the value, the client holding it
 * before, the same entry twice; and their seals are right.  Then the
 * tampering the general statement's seal-head probe looks for (a unique
 * entry removed outside Fortress, its value's seal live) is still refused
 * when a fresh entry of another client takes the value. */
static void test_fresh_unique_entries(void **state)
{
	(void)state;
	unsigned char hA[STORE_BIDX_LEN], hB[STORE_BIDX_LEN], hC[STORE_BIDX_LEN], hD[STORE_BIDX_LEN];
	memset(hA, 0xa1, sizeof hA);
	memset(hB, 0xb2, sizeof hB);
	memset(hC, 0xc3, sizeof hC);
	memset(hD, 0xd4, sizeof hD);
	for (int fresh = 0; fresh <= 1; fresh++) {
		store *s = NULL;
		const char *url = newdb(fresh ? "ufresh1" : "ufresh0");
		int64_t other[8], ids[4];
		size_t n;
		next_seq = 1;
		assert_int_equal(store_open(&s, url, 1), 0);
		store_set_commit_hook(s, hook, s);
		store_bulk(s, 1);
		assert_int_equal(store_begin(s), 0);
		for (int i = 1; i <= 5; i++)
			assert_int_equal(put_client(s, i, "record"), 0);
		{
			store_bidx_add e[6] = { { .client = 2, .unique = 1, .fresh = fresh }, { .client = 1, .unique = 1, .fresh = fresh },
						{ .client = 2, .unique = 1, .fresh = fresh }, { .client = 2, .unique = 1, .fresh = fresh },
						{ .client = 3, .unique = 1, .fresh = fresh }, { .client = 3, .fresh = fresh } };
			memcpy(e[0].h, hC, STORE_BIDX_LEN); /* added */
			memcpy(e[1].h, hA, STORE_BIDX_LEN); /* added */
			memcpy(e[2].h, hA, STORE_BIDX_LEN); /* the batch's earlier entry holds it: 1 */
			memcpy(e[3].h, hB, STORE_BIDX_LEN); /* added */
			memcpy(e[4].h, hB, STORE_BIDX_LEN); /* held by 2 */
			memcpy(e[5].h, hD, STORE_BIDX_LEN); /* a search entry beside them */
			for (int i = 0; i < 6; i++)
				other[i] = 77;
			assert_int_equal(store_blind_add_many(s, e, 6, other), 0);
			assert_int_equal(other[0], 0);
			assert_int_equal(other[1], 0);
			assert_int_equal(other[2], 1);
			assert_int_equal(other[3], 0);
			assert_int_equal(other[4], 2);
			assert_int_equal(other[5], 0);
		}
		{
			/* a second call of the same transaction: a value the first
			 * added (held by 2), the same entry again (its own: 0) */
			store_bidx_add e[3] = { { .client = 4, .unique = 1, .fresh = fresh }, { .client = 2, .unique = 1, .fresh = fresh },
						{ .client = 4, .unique = 1, .fresh = fresh } };
			memcpy(e[0].h, hB, STORE_BIDX_LEN);
			memcpy(e[1].h, hC, STORE_BIDX_LEN);
			memcpy(e[2].h, hD, STORE_BIDX_LEN);
			assert_int_equal(store_blind_add_many(s, e, 3, other), 0);
			assert_int_equal(other[0], 2);
			assert_int_equal(other[1], 0);
			assert_int_equal(other[2], 0);
		}
		assert_int_equal(store_commit(s), 0);
		store_bulk(s, 0);
		assert_int_equal(raw_count(url, "SELECT count(*) FROM uniq"), 4);
		assert_int_equal(raw_count(url, "SELECT count(*) FROM blind"), 1);
		assert_int_equal(store_blind_find(s, hA, 1, ids, 4, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(ids[0], 1);
		assert_int_equal(store_blind_find(s, hD, 1, ids, 4, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(ids[0], 4);
		store_seal_enforce(s, 1);
		assert_int_equal(store_seal_require(s, "uniq"), 0);
		store_seal_enforce(s, 0);

		/* committed before: the holder is read after the batch */
		store_bulk(s, 1);
		assert_int_equal(store_begin(s), 0);
		{
			store_bidx_add e[2] = { { .client = 5, .unique = 1, .fresh = fresh }, { .client = 5, .unique = 1, .fresh = fresh } };
			memcpy(e[0].h, hA, STORE_BIDX_LEN);
			memcpy(e[1].h, hD, STORE_BIDX_LEN);
			assert_int_equal(store_blind_add_many(s, e, 2, other), 0);
			assert_int_equal(other[0], 1);
			assert_int_equal(other[1], 4);
		}
		assert_int_equal(store_commit(s), 0);
		store_bulk(s, 0);
		assert_int_equal(raw_count(url, "SELECT count(*) FROM uniq"), 4);

		/* client 1's entry removed outside Fortress, its value then
		 * imported for a new client: refused (the value's seal is live),
		 * nothing kept; a value whose entry an erasure removed (its seal
		 * zeroed) goes in */
		raw(url, "DELETE FROM uniq WHERE client = 1");
		store_seal_enforce(s, 1);
		store_bulk(s, 1);
		assert_int_equal(store_begin(s), 0);
		assert_int_equal(put_client(s, 6, "record"), 0);
		{
			store_bidx_add e[2] = { { .client = 6, .unique = 1, .fresh = fresh }, { .client = 6, .unique = 1, .fresh = fresh } };
			memcpy(e[0].h, hA, STORE_BIDX_LEN);
			memcpy(e[1].h, hB, STORE_BIDX_LEN);
			assert_int_equal(store_blind_add_many(s, e, 2, other), FORT_ETAMPER);
			assert_non_null(strstr(fort_error_message(), "removed outside Fortress"));
		}
		store_rollback(s);
		store_bulk(s, 0);
		assert_int_equal(raw_count(url, "SELECT count(*) FROM uniq"), 3);
		assert_int_equal(store_begin(s), 0);
		assert_int_equal(store_uniq_del_clients(s, &(int64_t){ 2 }, 1, NULL), 0);
		assert_int_equal(audit_entry(s), 0);
		assert_int_equal(store_commit(s), 0);
		store_bulk(s, 1);
		assert_int_equal(store_begin(s), 0);
		assert_int_equal(put_client(s, 7, "record"), 0);
		{
			store_bidx_add e[1] = { { .client = 7, .unique = 1, .fresh = fresh } };
			memcpy(e[0].h, hB, STORE_BIDX_LEN);
			assert_int_equal(store_blind_add_many(s, e, 1, other), 0);
			assert_int_equal(other[0], 0);
		}
		assert_int_equal(store_commit(s), 0);
		store_bulk(s, 0);
		assert_int_equal(store_blind_find(s, hB, 1, ids, 4, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(ids[0], 7);
		store_close(s);
	}
}

/* Another process adds a value of a fresh unique batch after its probe
 * (here: before it, uncommitted, so the probe does not see it) and commits
 * while the batch's INSERT waits for it: the INSERT is refused, and the
 * change with it, as busy ("try again"), not as a constraint failure. */
static PGconn *race_conn;
static void *race_commit(void *arg)
{
	(void)arg;
	usleep(500000);
	PQclear(PQexec(race_conn, "COMMIT"));
	return NULL;
}

static void test_fresh_unique_race(void **state)
{
	(void)state;
	store *s = NULL;
	const char *url = newdb("urace");
	unsigned char hX[STORE_BIDX_LEN];
	int64_t other[2];
	pthread_t th;
	memset(hX, 0x5a, sizeof hX);
	next_seq = 1;
	assert_int_equal(store_open(&s, url, 1), 0);
	store_set_commit_hook(s, hook, s);
	race_conn = PQconnectdb(url);
	assert_int_equal(PQstatus(race_conn), CONNECTION_OK);
	PQclear(PQexec(race_conn, "BEGIN"));
	PGresult *res = PQexec(race_conn, "INSERT INTO uniq(h, client) VALUES (decode(repeat('5a', 16), 'hex'), 99)");
	assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	store_bulk(s, 1);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(put_client(s, 1, "record"), 0);
	assert_int_equal(pthread_create(&th, NULL, race_commit, NULL), 0);
	{
		store_bidx_add e[1] = { { .client = 1, .unique = 1, .fresh = 1 } };
		memcpy(e[0].h, hX, STORE_BIDX_LEN);
		assert_int_equal(store_blind_add_many(s, e, 1, other), FORT_EBUSY);
		assert_non_null(strstr(fort_error_message(), "try again"));
	}
	pthread_join(th, NULL);
	store_rollback(s);
	store_bulk(s, 0);
	PQfinish(race_conn);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM clients"), 0);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM uniq WHERE client = 99"), 1);
	/* tried again: the value is held, a duplicate like any other */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(put_client(s, 1, "record"), 0);
	{
		store_bidx_add e[1] = { { .client = 1, .unique = 1, .fresh = 1 } };
		memcpy(e[0].h, hX, STORE_BIDX_LEN);
		assert_int_equal(store_blind_add_many(s, e, 1, other), 0);
		assert_int_equal(other[0], 99);
	}
	store_rollback(s);
	store_close(s);
}

static void test_client_batches(void **state)
{
	(void)state;
	store *s = NULL;
	const char *url = newdb("batches");
	int64_t cid = 0;
	next_seq = 1;
	assert_int_equal(store_open(&s, url, 1), 0);
	store_set_commit_hook(s, hook, s);

	/* 300 rows: two whole batches and a part one, all there and sealed */
	assert_int_equal(import_rows(s, 1000, 300), 0);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM clients"), 300);
	store_seal_enforce(s, 1);
	assert_int_equal(store_seal_require(s, "clients"), 0);
	store_seal_enforce(s, 0);

	/* a row refused whenever it is sent (the 61st of the second batch) */
	raw(url, "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
		 " $$BEGIN IF NEW.id = 2188 THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END$$;"
		 "CREATE TRIGGER refuse BEFORE INSERT ON clients FOR EACH ROW EXECUTE FUNCTION refuse()");
	assert_int_equal(import_rows(s, 2000, 300), FORT_ERROR);
	assert_non_null(strstr(fort_error_message(), "adding a client: PostgreSQL says: refused by the test"));
	assert_true(store_failed_client(s, &cid));
	assert_int_equal(cid, 2188);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM clients"), 300);
	raw(url, "DROP TRIGGER refuse ON clients");

	/* refused once (the 200th row the server sees), not when sent again */
	raw(url, "CREATE SEQUENCE once_n; CREATE FUNCTION once() RETURNS trigger LANGUAGE plpgsql AS"
		 " $$BEGIN IF nextval('once_n') = 200 THEN RAISE EXCEPTION 'refused once'; END IF; RETURN NEW; END$$;"
		 "CREATE TRIGGER once BEFORE INSERT ON clients FOR EACH ROW EXECUTE FUNCTION once()");
	assert_int_equal(import_rows(s, 2000, 300), FORT_ERROR);
	assert_non_null(strstr(fort_error_message(), "refused once"));
	assert_non_null(strstr(fort_error_message(), "a batch of 128 client rows; sent again one at a time, none was refused"));
	assert_false(store_failed_client(s, &cid));
	assert_int_equal(raw_count(url, "SELECT count(*) FROM clients"), 300);
	raw(url, "DROP TRIGGER once ON clients");

	/* the same rows go in now, and past the savepoints' budget a refused
	 * row (one INSERT each there) is named too */
	assert_int_equal(import_rows(s, 2000, 300), 0);
	raw(url, "CREATE OR REPLACE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
		 " $$BEGIN IF NEW.id = 132300 THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END$$;"
		 "CREATE TRIGGER refuse BEFORE INSERT ON clients FOR EACH ROW EXECUTE FUNCTION refuse()");
	assert_int_equal(import_rows(s, 100000, 32400), FORT_ERROR);
	assert_true(store_failed_client(s, &cid));
	assert_int_equal(cid, 132300);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM clients"), 600);
	raw(url, "DROP TRIGGER refuse ON clients");
	assert_int_equal(import_rows(s, 100000, 32400), 0);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM clients"), 33000);
	store_seal_enforce(s, 1);
	assert_int_equal(store_seal_require(s, "clients"), 0);
	store_close(s);
}

struct forms { int n; char names[4][48]; };

static int form_cb(void *ctx, const store_intake_form *f)
{
	struct forms *x = ctx;
	if (x->n < 4)
		snprintf(x->names[x->n], 48, "%s", f->name);
	x->n++;
	return 0;
}

struct subs { int n; int64_t ids[8]; size_t len0; };

static int sub_cb(void *ctx, const store_intake_sub *sub)
{
	struct subs *x = ctx;
	if (x->n == 0)
		x->len0 = sub->box_len;
	if (x->n < 8)
		x->ids[x->n] = sub->id;
	x->n++;
	return 0;
}

/* The intake tables on PostgreSQL: forms and decisions sealed, the inbox
 * written without a transaction, its ids never reused. */
static void test_intake(void **state)
{
	(void)state;
	store *s = NULL;
	const char *url = newdb("intake");
	store_intake_form f, g;
	store_intake_sub sub;
	struct forms fs;
	struct subs ss;
	uint64_t n;
	char form[48], decision[16], client[32];
	int64_t received = 0, first;
	unsigned char *box = NULL;
	size_t len = 0;
	next_seq = 1;
	assert_int_equal(store_open(&s, url, 1), 0);
	store_set_commit_hook(s, hook, s);
	store_seal_enforce(s, 1);
	memset(&f, 0, sizeof f);
	snprintf(f.name, sizeof f.name, "contact");
	snprintf(f.fields, sizeof f.fields, "email,full_name");
	snprintf(f.consents, sizeof f.consents, "marketing");
	snprintf(f.created_by, sizeof f.created_by, "alice");
	f.created = 1000;
	/* a form outside an audited transaction is not kept */
	assert_int_equal(store_begin(s), 0);
	store_set_commit_hook(s, NULL, NULL);
	assert_int_equal(store_intake_form_insert(s, &f), 0);
	assert_int_equal(store_commit(s), FORT_ETAMPER);
	store_set_commit_hook(s, hook, s);
	assert_int_equal(store_intake_form_get(s, &g, "contact"), FORT_ENOTFOUND);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_intake_form_insert(s, &f), 0);
	assert_true(f.id > 0);
	assert_int_equal(store_intake_form_insert(s, &f), FORT_EEXISTS);
	store_rollback(s);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_intake_form_insert(s, &f), 0);
	snprintf(f.name, sizeof f.name, "another");
	assert_int_equal(store_intake_form_insert(s, &f), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_intake_form_get(s, &g, "contact"), 0);
	assert_string_equal(g.fields, "email,full_name");
	assert_string_equal(g.consents, "marketing");
	assert_string_equal(g.created_by, "alice");
	assert_int_equal(g.created, 1000);
	memset(&fs, 0, sizeof fs);
	assert_int_equal(store_intake_form_each(s, form_cb, &fs), 0);
	assert_int_equal(fs.n, 2);
	assert_string_equal(fs.names[0], "another");
	assert_string_equal(fs.names[1], "contact");
	/* submissions: no transaction, no audit entry */
	memset(&sub, 0, sizeof sub);
	sub.form = "contact";
	sub.received = 2000;
	sub.box = (const unsigned char *)"sealed-box-one";
	sub.box_len = 14;
	assert_int_equal(store_intake_inbox_add(s, &sub), 0);
	first = sub.id;
	sub.box = (const unsigned char *)"sealed-box-two";
	assert_int_equal(store_intake_inbox_add(s, &sub), 0);
	assert_int_equal(sub.id, first + 1);
	sub.form = "another";
	assert_int_equal(store_intake_inbox_add(s, &sub), 0);
	assert_int_equal(store_intake_inbox_count(s, "contact", &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_intake_inbox_count(s, NULL, &n), 0);
	assert_int_equal(n, 3);
	memset(&ss, 0, sizeof ss);
	assert_int_equal(store_intake_inbox_each(s, "contact", sub_cb, &ss), 0);
	assert_int_equal(ss.n, 2);
	assert_int_equal(ss.ids[0], first);
	assert_int_equal(ss.len0, 14);
	memset(&ss, 0, sizeof ss);
	assert_int_equal(store_intake_inbox_each(s, NULL, sub_cb, &ss), 0);
	assert_int_equal(ss.n, 3);
	assert_int_equal(store_intake_inbox_get(s, first + 1, form, &received, &box, &len), 0);
	assert_string_equal(form, "contact");
	assert_int_equal(received, 2000);
	assert_int_equal(len, 14);
	assert_memory_equal(box, "sealed-box-two", 14);
	free(box);
	/* accepted: the decision (sealed) and the submission gone */
	assert_int_equal(store_intake_decision_get(s, first, decision, client), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_intake_decision_add(s, first, "contact", "accepted", "c-0000000000000001", 3000, "alice"), 0);
	assert_int_equal(store_intake_inbox_delete(s, first), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_intake_decision_get(s, first, decision, client), 1);
	assert_string_equal(decision, "accepted");
	assert_string_equal(client, "c-0000000000000001");
	assert_int_equal(store_intake_inbox_get(s, first, form, &received, &box, &len), FORT_ENOTFOUND);
	assert_null(box);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_intake_decision_add(s, first, "contact", "rejected", "", 3001, "alice"), FORT_EEXISTS);
	store_rollback(s);
	/* an inbox id is never given twice, even after the newest is removed */
	assert_int_equal(store_intake_inbox_delete(s, first + 2), 0);
	sub.form = "contact";
	assert_int_equal(store_intake_inbox_add(s, &sub), 0);
	assert_int_equal(sub.id, first + 3);
	/* a form widened with psql: its read is refused */
	raw(url, "UPDATE intake_forms SET fields = 'email,full_name,iban' WHERE name = 'contact'");
	assert_int_equal(store_intake_form_get(s, &g, "contact"), FORT_ETAMPER);
	raw(url, "UPDATE intake_forms SET fields = 'email,full_name' WHERE name = 'contact'");
	assert_int_equal(store_intake_form_get(s, &g, "contact"), 0);
	/* a decision removed with psql (to decide its submission twice): refused */
	raw(url, "CREATE TABLE keep AS SELECT * FROM intake_decisions; DELETE FROM intake_decisions");
	store_seal_enforce(s, 1); /* as a new process: the ledgers checked whole again */
	assert_int_equal(store_intake_decision_get(s, first, decision, client), FORT_ETAMPER);
	raw(url, "INSERT INTO intake_decisions SELECT * FROM keep; DROP TABLE keep");
	/* a form removed by Fortress is gone and sealed as gone */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_intake_form_delete(s, f.id), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_intake_form_get(s, &g, "another"), FORT_ENOTFOUND);
	store_seal_enforce(s, 1); /* the ledgers checked whole again */
	memset(&fs, 0, sizeof fs);
	assert_int_equal(store_intake_form_each(s, form_cb, &fs), 0);
	assert_int_equal(fs.n, 1);
	/* ...and removed with psql: named when the forms are listed */
	raw(url, "DELETE FROM intake_forms");
	store_seal_enforce(s, 1);
	assert_int_equal(store_intake_form_each(s, form_cb, &fs), FORT_ETAMPER);
	store_close(s);
}

/* The library over a PostgreSQL vault: create, add, find, reveal, verify, reopen. */
/* The self-service page's links (issue 18): put, take once, prune. */
static void test_me_links(void **state)
{
	(void)state;
	store *s = NULL;
	const char *url = newdb("melinks");
	unsigned char t1[32], t2[32], *data = NULL;
	size_t len = 0;
	int64_t exp = 0;
	memset(t1, 1, sizeof t1);
	memset(t2, 2, sizeof t2);
	assert_int_equal(store_open(&s, url, 1), 0);
	assert_int_equal(store_me_link_put(s, t1, 1000, "box-one", 7), 0);
	assert_int_equal(store_me_link_put(s, t1, 1000, "again", 5), FORT_EEXISTS);
	assert_int_equal(store_me_link_put(s, t2, 5000, "box-two", 7), 0);
	assert_int_equal(store_me_link_take(s, t1, &exp, &data, &len), 0);
	assert_int_equal(exp, 1000);
	assert_int_equal(len, 7);
	assert_memory_equal(data, "box-one", 7);
	free(data);
	/* once */
	assert_int_equal(store_me_link_take(s, t1, &exp, &data, &len), FORT_ENOTFOUND);
	assert_null(data);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM me_links"), 1);
	assert_int_equal(store_me_link_prune(s, 4999), 0);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM me_links"), 1);
	assert_int_equal(store_me_link_prune(s, 5001), 0);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM me_links"), 0);
	store_close(s);
}

static void test_vault(void **state)
{
	(void)state;
	const char *url = newdb("vault");
	fort_create_opts o = FORT_CREATE_OPTS_INIT;
	fort_secret *pass = secret(PASS);
	fort_vault *v = NULL;
	o.business = "Orbit Bakery";
	o.owner = "alice";
	o.kdf = FORT_KDF_INTERACTIVE;
	assert_int_equal(fort_vault_path_is_database(url), 1);
	assert_int_equal(fort_vault_create(&v, url, &o, pass), 0);
	fort_secret_free(pass);
	assert_int_equal(client_count(v), 0);
	expect_verified(v);
	fort_vault_close(v);
	v = open_vault(url, PASS);
	expect_verified(v);
	{
		/* two handles (a server's sessions): a field one adds to the
		 * map reaches the other at its next refresh (store_changed) */
		fort_vault *w = open_vault(url, PASS);
		fort_field_spec fs = FORT_FIELD_SPEC_INIT;
		const char *svc[] = { "service" };
		char *map = NULL;
		fs.name = "contract_end";
		fs.type = "date";
		fs.category = "identity";
		fs.purposes = svc;
		fs.npurposes = 1;
		assert_int_equal(fort_vault_refresh(w), 0);
		assert_int_equal(fort_map_field_add(v, &fs), 0);
		assert_int_equal(fort_map_export(&map, w), 0);
		assert_null(strstr(map, "contract_end"));
		free(map);
		assert_int_equal(fort_vault_refresh(w), 0);
		assert_int_equal(fort_map_export(&map, w), 0);
		assert_non_null(strstr(map, "contract_end"));
		free(map);
		/* and its own change is its own: v refreshes without error */
		assert_int_equal(fort_vault_refresh(v), 0);
		fort_vault_close(w);
	}
	fort_vault_close(v);
	assert_int_equal(fort_vault_create(&v, url, &o, pass = secret(PASS)), FORT_EEXISTS);
	fort_secret_free(pass);
}

/* ----------------------------------------------- the index entries' MACs
 *
 * Written and checked as on SQLite (test_index_mac.c, the same attacks made
 * with a second connection, as psql would): a find checks the entry it
 * found by its MAC, one statement; an entry without one falls back to its
 * seal; the upgrade blesses only what its seal vouches for; a vault-key
 * rotation re-MACs what the old key made. */
static const unsigned char K1[16] = "key-one-16-bytes", K2[16] = "key-two-16-bytes";
static const unsigned char ha[STORE_BIDX_LEN] = "aaaaaaaaaaaaaaaa", hb[STORE_BIDX_LEN] = "bbbbbbbbbbbbbbbb",
			   hc[STORE_BIDX_LEN] = "cccccccccccccccc";

/* Clients 5 and 6; unique entry ha -> 5, hc -> 6; search entry hb -> 5 and
 * 6, one at a time (MANY 0) or as an import's batch (store_blind_add_many);
 * sealed (seq 1), with the keys KEYS (N of them; 0: written without MACs).
 * *URL: the database. */
static store *imac_vault(const char *name, const unsigned char *keys, size_t n, int many, const char **url)
{
	store *s = NULL;
	*url = newdb(name);
	next_seq = 1;
	assert_int_equal(store_open(&s, *url, 1), 0);
	assert_int_equal(store_index_mac_keys(s, keys, n), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(put_client(s, 5, "five"), 0);
	assert_int_equal(put_client(s, 6, "six"), 0);
	if (many) {
		store_bidx_add e[4] = { { .client = 5, .unique = 1 }, { .client = 6, .unique = 1 }, { .client = 5 }, { .client = 6 } }; /* fresh 0 */
		int64_t other[4] = { 9, 9, 9, 9 };
		memcpy(e[0].h, ha, STORE_BIDX_LEN);
		memcpy(e[1].h, hc, STORE_BIDX_LEN);
		memcpy(e[2].h, hb, STORE_BIDX_LEN);
		memcpy(e[3].h, hb, STORE_BIDX_LEN);
		assert_int_equal(store_blind_add_many(s, e, 4, other), 0);
		for (int i = 0; i < 4; i++)
			assert_int_equal(other[i], 0);
	} else {
		assert_int_equal(store_blind_add(s, ha, 5, 1, NULL), 0);
		assert_int_equal(store_blind_add(s, hc, 6, 1, NULL), 0);
		assert_int_equal(store_blind_add(s, hb, 5, 0, NULL), 0);
		assert_int_equal(store_blind_add(s, hb, 6, 0, NULL), 0);
	}
	assert_int_equal(audit_entry(s), 0);
	assert_int_equal(store_commit(s), 0);
	store_seal_enforce(s, 1);
	return s;
}

static int imac_find(store *s, const unsigned char *h, int unique, size_t *n)
{
	int64_t ids[4];
	return store_blind_find(s, h, unique, ids, 4, n);
}

/* The MACs written (one at a time and in an import's batch) are the ones
 * seal_index_mac makes (the SQLite backend's), and found with the right
 * key only (the seals not looked at: the MAC alone refuses). */
static void test_imac_written_and_checked(void **state)
{
	(void)state;
	for (int many = 0; many < 2; many++) {
		const char *url;
		store *s = imac_vault(many ? "imac_many" : "imac_one", K1, 1, many, &url);
		unsigned char mac[16], both[32];
		char hex[33], sql[256];
		size_t n = 0;
		assert_int_equal(raw_count(url, "SELECT count(*) FROM uniq WHERE length(mac) = 16"), 2);
		assert_int_equal(raw_count(url, "SELECT count(*) FROM blind WHERE length(mac) = 16"), 2);
		seal_index_mac(mac, K1, "blind", hb, 6);
		sodium_bin2hex(hex, sizeof hex, mac, 16);
		snprintf(sql, sizeof sql, "SELECT count(*) FROM blind WHERE client = 6 AND mac = '\\x%s'::bytea", hex);
		assert_int_equal(raw_count(url, sql), 1);
		seal_index_mac(mac, K1, "uniq", ha, 5);
		sodium_bin2hex(hex, sizeof hex, mac, 16);
		snprintf(sql, sizeof sql, "SELECT count(*) FROM uniq WHERE client = 5 AND mac = '\\x%s'::bytea", hex);
		assert_int_equal(raw_count(url, sql), 1);
		assert_int_equal(imac_find(s, ha, 1, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(imac_find(s, hb, 0, &n), 0);
		assert_int_equal(n, 2);
		store_seal_enforce(s, 0);
		assert_int_equal(store_index_mac_keys(s, K2, 1), 0);
		assert_int_equal(imac_find(s, ha, 1, &n), FORT_ETAMPER);
		assert_non_null(strstr(fort_error_message(), "does not carry a valid MAC"));
		assert_non_null(strstr(fort_error_message(), "client 5"));
		assert_int_equal(imac_find(s, hb, 0, &n), FORT_ETAMPER);
		/* an older key still held (a rotation of the vault key under way) */
		memcpy(both, K2, 16);
		memcpy(both + 16, K1, 16);
		assert_int_equal(store_index_mac_keys(s, both, 2), 0);
		assert_int_equal(imac_find(s, ha, 1, &n), 0);
		assert_int_equal(n, 1);
		store_close(s);
	}
}

static void test_imac_moved_swapped_forged(void **state)
{
	(void)state;
	const char *url;
	store *s = imac_vault("imac_moved", K1, 1, 1, &url);
	size_t n = 0;
	store_seal_enforce(s, 0); /* the MAC alone */
	/* moved to another client */
	raw(url, "UPDATE uniq SET client = 6 WHERE client = 5");
	assert_int_equal(imac_find(s, ha, 1, &n), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "unique-index entry"));
	assert_non_null(strstr(fort_error_message(), "client 6"));
	raw(url, "UPDATE uniq SET client = 5 WHERE h = 'aaaaaaaaaaaaaaaa'::bytea");
	assert_int_equal(imac_find(s, ha, 1, &n), 0);
	/* the values of two entries swapped (each keeps its MAC) */
	raw(url, "UPDATE uniq SET h = 'zzzzzzzzzzzzzzzz'::bytea WHERE h = 'aaaaaaaaaaaaaaaa'::bytea;"
		 " UPDATE uniq SET h = 'aaaaaaaaaaaaaaaa'::bytea WHERE h = 'cccccccccccccccc'::bytea;"
		 " UPDATE uniq SET h = 'cccccccccccccccc'::bytea WHERE h = 'zzzzzzzzzzzzzzzz'::bytea");
	assert_int_equal(imac_find(s, ha, 1, &n), FORT_ETAMPER);
	assert_int_equal(imac_find(s, hc, 1, &n), FORT_ETAMPER);
	/* a search entry moved: the one row refuses the whole answer */
	raw(url, "UPDATE blind SET client = 7 WHERE client = 6");
	assert_int_equal(imac_find(s, hb, 0, &n), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "search-index entry naming client 7"));
	raw(url, "UPDATE blind SET client = 6 WHERE client = 7");
	assert_int_equal(imac_find(s, hb, 0, &n), 0);
	assert_int_equal(n, 2);
	/* added without the key: a MAC copied from another row, made up, cut */
	raw(url, "INSERT INTO blind(h, client, mac) SELECT h, 9, mac FROM blind WHERE client = 5");
	assert_int_equal(imac_find(s, hb, 0, &n), FORT_ETAMPER);
	raw(url, "UPDATE blind SET mac = '\\x00000000000000000000000000000000'::bytea WHERE client = 9");
	assert_int_equal(imac_find(s, hb, 0, &n), FORT_ETAMPER);
	raw(url, "UPDATE blind SET mac = '\\x00'::bytea WHERE client = 9");
	assert_int_equal(imac_find(s, hb, 0, &n), FORT_ETAMPER);
	store_close(s);
}

/* An entry without a MAC is checked by its seal; the upgrade gives MACs,
 * resumably, only to entries their seal vouches for. */
static void test_imac_upgrade(void **state)
{
	(void)state;
	const char *url;
	store *s = imac_vault("imac_up", NULL, 0, 1, &url);
	unsigned char cur[STORE_IMAC_CURSOR] = { 0 };
	uint64_t done = 0;
	int more = 1;
	size_t n = 0;
	assert_int_equal(raw_count(url, "SELECT count(mac) FROM uniq") + raw_count(url, "SELECT count(mac) FROM blind"), 0);
	assert_int_equal(store_index_mac_keys(s, K1, 1), 0);
	/* without a MAC: the seal decides, with keys or not */
	assert_int_equal(imac_find(s, ha, 1, &n), 0);
	assert_int_equal(n, 1);
	/* in small steps: resumable from the cursor */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_index_mac_upgrade(s, cur, 3, &done, &more), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(done, 3);
	assert_int_equal(more, 1);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_index_mac_upgrade(s, cur, 3, &done, &more), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(done, 1);
	assert_int_equal(more, 0);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM uniq WHERE length(mac) = 16"), 2);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM blind WHERE length(mac) = 16"), 2);
	store_seal_enforce(s, 0);
	assert_int_equal(imac_find(s, ha, 1, &n), 0);
	assert_int_equal(imac_find(s, hb, 0, &n), 0);
	assert_int_equal(n, 2);
	/* now the MAC decides: moved, it is refused without the seal */
	raw(url, "UPDATE uniq SET client = 6 WHERE client = 5");
	assert_int_equal(imac_find(s, ha, 1, &n), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "does not carry a valid MAC"));
	store_close(s);

	/* entries moved before the upgrade are not blessed with a MAC; a
	 * find of one without a MAC asks its seal and refuses */
	s = imac_vault("imac_up2", NULL, 0, 0, &url);
	raw(url, "UPDATE blind SET client = 7 WHERE client = 6");
	raw(url, "UPDATE uniq SET client = 6 WHERE client = 5");
	assert_int_equal(store_index_mac_keys(s, K1, 1), 0);
	assert_int_equal(imac_find(s, ha, 1, &n), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "audit entry"));
	memset(cur, 0, sizeof cur);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_index_mac_upgrade(s, cur, 100, &done, &more), FORT_ETAMPER);
	store_rollback(s);
	assert_int_equal(raw_count(url, "SELECT count(mac) FROM blind") + raw_count(url, "SELECT count(mac) FROM uniq"), 0);
	assert_int_equal(imac_find(s, hb, 0, &n), FORT_ETAMPER);
	store_close(s);
}

static void test_imac_rekey(void **state)
{
	(void)state;
	const char *url;
	store *s = imac_vault("imac_rekey", K1, 1, 1, &url);
	unsigned char both[32];
	uint64_t done = 0;
	size_t n = 0;
	/* one entry damaged: the rekey must not make it good */
	raw(url, "UPDATE blind SET mac = '\\x00000000000000000000000000000000'::bytea WHERE client = 6");
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
	assert_int_equal(imac_find(s, ha, 1, &n), 0);
	assert_int_equal(imac_find(s, hc, 1, &n), 0);
	assert_int_equal(imac_find(s, hb, 0, &n), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "client 6"));
	store_close(s);
}

/* What the MAC cannot tell: an entry removed through Fortress and put
 * back with its own old MAC; the seal can (and the find of a unique value
 * that is missing still asks the seal). */
static void test_imac_put_back_and_deleted(void **state)
{
	(void)state;
	const char *url;
	store *s = imac_vault("imac_back", K1, 1, 0, &url);
	size_t n = 0;
	raw(url, "CREATE TABLE keep AS SELECT * FROM uniq WHERE client = 5");
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_blind_del(s, ha, 5, STORE_IDX_UNIQUE), 0);
	assert_int_equal(audit_entry(s), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(imac_find(s, ha, 1, &n), 0);
	assert_int_equal(n, 0);
	raw(url, "INSERT INTO uniq SELECT * FROM keep");
	{
		store_seal_check c;
		assert_int_equal(imac_find(s, ha, 1, &n), 0); /* the MAC is good */
		assert_int_equal(n, 1);
		assert_int_equal(store_seal_index(s, ha, 1, 5, &c), 0);
		assert_int_equal(c.state, STORE_SEAL_UNSEALED);
	}
	/* a live unique entry deleted: its find asks the seal */
	raw(url, "DELETE FROM uniq WHERE client = 6");
	assert_int_equal(imac_find(s, hc, 1, &n), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "removed outside Fortress"));
	store_close(s);
}

/* An existing PostgreSQL vault whose entries carry no MAC (made before
 * this backend wrote them, with the index_mac hint "1" all the same) gets
 * them at its first unlock. */
static void test_imac_vault_upgrade(void **state)
{
	(void)state;
	const char *url = newdb("imac_vault");
	fort_create_opts o = FORT_CREATE_OPTS_INIT;
	fort_secret *pass = secret(PASS);
	fort_vault *v = NULL;
	char id[FORT_ID_LEN + 1], (*ids)[FORT_ID_LEN + 1] = NULL;
	const fort_kv kv[] = { { "full_name", "Jana Schmidt" }, { "email", "jana@example.com" } };
	size_t n = 0;
	long long nb;
	o.business = "Orbit Bakery";
	o.owner = "alice";
	o.kdf = FORT_KDF_INTERACTIVE;
	assert_int_equal(fort_vault_create(&v, url, &o, pass), 0);
	fort_secret_free(pass);
	assert_int_equal(fort_client_add(id, v, kv, 2), 0);
	fort_vault_close(v);
	nb = raw_count(url, "SELECT count(*) FROM blind");
	assert_int_equal(raw_count(url, "SELECT count(*) FROM uniq WHERE length(mac) = 16"), 1);
	assert_true(nb > 0);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM blind WHERE length(mac) = 16"), nb);
	raw(url, "UPDATE uniq SET mac = NULL; UPDATE blind SET mac = NULL; UPDATE meta SET v = '1' WHERE k = 'index_mac'");
	v = open_vault(url, PASS);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM uniq WHERE length(mac) = 16"), 1);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM blind WHERE length(mac) = 16"), nb);
	assert_int_equal(raw_count(url, "SELECT count(*) FROM meta WHERE k = 'index_mac' AND v = '2'"), 1);
	assert_int_equal(fort_client_find(&ids, &n, v, "email", "jana@example.com"), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], id);
	free(ids);
	expect_verified(v);
	fort_vault_close(v);
}

/* A record's seal hash made beforehand (store_client.hash, an import's
 * sealer threads): the right one reads back, one that is not the row's
 * fails and never passes, and the row edited afterwards is caught. */
static void test_handed_in_hash(void **state)
{
	(void)state;
	store *s = NULL;
	const char *url = newdb("handed");
	store_client c = { 8, 1, (unsigned char *)"wrapped-key-bytes", 17, (unsigned char *)"made beforehand", 15, 1000, 1000, NULL }, got;
	unsigned char h[32], bad[32];
	assert_int_equal(store_open(&s, url, 1), 0);
	store_set_commit_hook(s, hook, s);
	assert_int_equal(store_begin(s), 0);
	store_client_hash(h, &c);
	c.hash = h;
	assert_int_equal(store_client_insert(s, &c), 0);
	c.id = 9;
	store_client_hash(bad, &c);
	bad[0] ^= 1;
	c.hash = bad;
	assert_int_equal(store_client_insert(s, &c), 0);
	assert_int_equal(store_commit(s), 0);
	store_seal_enforce(s, 1);
	assert_int_equal(store_client_get(s, &got, 8), 0);
	assert_int_equal(got.data_len, 15);
	store_client_release(&got);
	assert_int_equal(store_client_get(s, &got, 9), FORT_ETAMPER);
	store_close(s);
	raw(url, "UPDATE clients SET created = 999 WHERE id = 8");
	assert_int_equal(store_open(&s, url, 0), 0);
	store_seal_enforce(s, 1);
	assert_int_equal(store_client_get(s, &got, 8), FORT_ETAMPER);
	store_close(s);
}

int main(void)
{
	if (!getenv("FORTRESS_TEST_PG_DIR") || !getenv("FORTRESS_PG_SERVER")) {
		printf("skipped: no PostgreSQL test server (run through ctest)\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connection_rules),
		cmocka_unit_test(test_transactions_and_seals),
		cmocka_unit_test(test_uniq_client_dropped),
		cmocka_unit_test(test_two_writers),
		cmocka_unit_test(test_changed),
		cmocka_unit_test(test_totp_sealed),
		cmocka_unit_test(test_meta_sealed),
		cmocka_unit_test(test_meta_preload),
		cmocka_unit_test(test_seal_copy_and_scan),
		cmocka_unit_test(test_seal_copy_bulk),
		cmocka_unit_test(test_seal_log_packed),
		cmocka_unit_test(test_fresh_search_entries),
		cmocka_unit_test(test_fresh_unique_entries),
		cmocka_unit_test(test_fresh_unique_race),
		cmocka_unit_test(test_client_batches),
		cmocka_unit_test(test_intake),
		cmocka_unit_test(test_me_links),
		cmocka_unit_test(test_vault),
		cmocka_unit_test(test_imac_written_and_checked),
		cmocka_unit_test(test_imac_moved_swapped_forged),
		cmocka_unit_test(test_imac_upgrade),
		cmocka_unit_test(test_imac_rekey),
		cmocka_unit_test(test_imac_put_back_and_deleted),
		cmocka_unit_test(test_imac_vault_upgrade),
		cmocka_unit_test(test_handed_in_hash),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
