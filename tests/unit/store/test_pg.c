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
#include <libpq-fe.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-pg-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"
#include "store/store.h"

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
	assert_int_equal(raw_count(url, "SELECT count(*) FROM seal_log"), 5);
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

/* The library over a PostgreSQL vault: create, add, find, reveal, verify, reopen. */
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
	fort_vault_close(v);
	assert_int_equal(fort_vault_create(&v, url, &o, pass = secret(PASS)), FORT_EEXISTS);
	fort_secret_free(pass);
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
		cmocka_unit_test(test_two_writers),
		cmocka_unit_test(test_vault),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
