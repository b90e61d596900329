/* test_attach.c - vault attachments and quarantine through the library:
 * encrypt/decrypt round trip (multi-chunk, empty), a role without a gating
 * category cannot read (and the wrap key needs every category), the file
 * holds no plaintext, remove crypto-shreds, audit entries, tampering is
 * caught, quarantine links known clients, and a failed quarantine leaves
 * the original and the vault as they were. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>
#include "fortress.h"

void fort_alloc_fail_at(unsigned long n); /* util/mem.c: the Nth allocation fails */

#define FIXTURE_DIR "/tmp/fort-test-attach-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

#define STAFF_PASS "harbor-quilt-sparrow-ember-violin-tundra"

static fort_vault *open_as(const char *path, const char *user, const char *pass)
{
	fort_secret *s = secret(pass);
	fort_vault *v = NULL;
	int r = fort_vault_open(&v, path, user, s);
	if (r != 0)
		fail_msg("open %s as %s: %d %s", path, user, r, fort_error_message());
	fort_secret_free(s);
	return v;
}

static void join_staff(fort_vault *owner, const char *path)
{
	fort_secret *s = secret(STAFF_PASS);
	char fp[20];
	assert_int_equal(fort_user_request(fp, path, "sam", s, FORT_KDF_INTERACTIVE), 0);
	fort_secret_free(s);
	assert_int_equal(fort_user_add(owner, "sam", "staff", fp), 0);
}

static unsigned char *slurp(const char *p, size_t *n)
{
	FILE *f = fopen(p, "rb");
	unsigned char *b;
	long len;
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)len + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return b;
}

/* Does the file at P contain NEEDLE (LEN bytes)? */
static int file_has(const char *p, const void *needle, size_t len)
{
	size_t n;
	unsigned char *b;
	int found = 0;
	if (access(p, F_OK) != 0)
		return 0;
	b = slurp(p, &n);
	for (size_t i = 0; len <= n && i + len <= n && !found; i++)
		found = memcmp(b + i, needle, len) == 0;
	free(b);
	return found;
}

struct count {
	const char *action;
	int n;
};

static int count_cb(void *ctx, const fort_audit_entry *e)
{
	struct count *c = ctx;
	if (strcmp(e->action, c->action) == 0 && strcmp(e->result, "ok") == 0)
		c->n++;
	return 0;
}

static int audit_count(fort_vault *v, const char *client, const char *action)
{
	struct count c = { action, 0 };
	assert_int_equal(fort_audit_log(v, client, count_cb, &c), 0);
	return c.n;
}

static void test_round_trip(void **state)
{
	fort_vault *v = create_vault("rt.db");
	fort_attachment_opts o = FORT_ATTACHMENT_OPTS_INIT;
	fort_attachment_info *a = NULL;
	size_t n = 0, glen;
	/* three chunks and a bit: 64 KiB chunks, a final partial one */
	size_t big = 3 * 65536 + 1234;
	unsigned char *data = malloc(big), *got;
	const char *cats[] = { "financial" };
	char id[FORT_ID_LEN + 1];
	const char *ids[1] = { id };
	fort_kv kv[2] = { { "full_name", "Jane Doe" }, { "email", "jane@example.com" } };
	int64_t aid = 0, eid = 0;
	(void)state;

	assert_int_equal(fort_client_add(id, v, kv, 2), 0);
	for (size_t i = 0; i < big; i++)
		data[i] = (unsigned char)(i * 31 + (i >> 9));
	memcpy(data + 1000, "PLAINTEXT-MARKER-4242", 21);
	spit(path_of("big.bin"), data, big);
	o.categories = cats;
	o.ncategories = 1;
	o.clients = ids;
	o.nclients = 1;
	assert_int_equal(fort_attachment_add(&aid, v, path_of("big.bin"), &o), 0);
	assert_true(aid > 0);
	/* an empty file and exactly one chunk */
	spit(path_of("empty.txt"), "", 0);
	assert_int_equal(fort_attachment_add(&eid, v, path_of("empty.txt"), NULL), 0);

	assert_int_equal(fort_attachment_get(v, aid, path_of("big.out")), 0);
	got = slurp(path_of("big.out"), &glen);
	assert_int_equal(glen, big);
	assert_memory_equal(got, data, big);
	free(got);
	assert_int_equal(fort_attachment_get(v, eid, path_of("empty.out")), 0);
	got = slurp(path_of("empty.out"), &glen);
	assert_int_equal(glen, 0);
	free(got);
	/* never over an existing file */
	assert_int_equal(fort_attachment_get(v, aid, path_of("big.out")), FORT_EEXISTS);
	/* into memory (the web app's download): the same bytes and the file's name,
	 * audited as a get; larger than the limit: refused before a byte is read */
	{
		unsigned char *mem = NULL;
		size_t mlen = 1;
		char name[256];
		int gets = audit_count(v, NULL, "attachment-get");
		assert_int_equal(fort_attachment_read(&mem, &mlen, name, v, aid, big), 0);
		assert_int_equal(mlen, big);
		assert_memory_equal(mem, data, big);
		assert_string_equal(name, "big.bin");
		free(mem);
		assert_int_equal(audit_count(v, NULL, "attachment-get"), gets + 2); /* the operation's and the client's */
		assert_int_equal(fort_attachment_read(&mem, &mlen, name, v, aid, big - 1), FORT_EINPUT);
		assert_null(mem);
		assert_non_null(strstr(fort_error_message(), "fortress attachment get"));
		assert_int_equal(fort_attachment_read(&mem, &mlen, name, v, eid, 0), 0);
		assert_int_equal(mlen, 0);
		assert_string_equal(name, "empty.txt");
		free(mem);
		assert_int_equal(fort_attachment_read(&mem, &mlen, name, v, 999999, big), FORT_ENOTFOUND);
	}

	assert_int_equal(fort_attachment_list(&a, &n, v, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(a[0].id, aid);
	assert_true(a[0].readable);
	assert_string_equal(a[0].categories, "financial");
	assert_string_equal(a[0].path, path_of("big.bin"));
	assert_int_equal(a[0].size, big);
	assert_int_equal(a[0].nclients, 1);
	assert_string_equal(a[0].clients[0], id);
	assert_string_equal(a[1].categories, "notes");   /* no category: notes */
	fort_attachment_list_free(a, n);
	assert_int_equal(fort_attachment_list(&a, &n, v, id), 0);
	assert_int_equal(n, 1);
	fort_attachment_list_free(a, n);

	/* audit: added and read, under the client too */
	assert_int_equal(audit_count(v, id, "attachment-add"), 1);
	assert_int_equal(audit_count(v, id, "attachment-get"), 2); /* the get and the read into memory */
	expect_verified(v);
	fort_vault_close(v);

	/* nothing readable at rest: not the content, not the path */
	assert_false(file_has(vault_at("rt.db"), "PLAINTEXT-MARKER-4242", 21));
	assert_false(file_has(path_of("rt.db-wal"), "PLAINTEXT-MARKER-4242", 21));
	assert_false(file_has(vault_at("rt.db"), "big.bin", 7));
	assert_false(file_has(path_of("rt.db-wal"), "big.bin", 7));
	free(data);
}

static void test_roles_and_shred(void **state)
{
	fort_vault *v = create_vault("role.db"), *s;
	fort_attachment_opts o = FORT_ATTACHMENT_OPTS_INIT;
	fort_attachment_info *a = NULL;
	const char *contact[] = { "contact" }, *both[] = { "contact", "financial" };
	int64_t c_id = 0, b_id = 0;
	size_t n = 0;
	(void)state;

	spit(path_of("c.txt"), "mail jane@example.com\n", 22);
	o.categories = contact;
	o.ncategories = 1;
	assert_int_equal(fort_attachment_add(&c_id, v, path_of("c.txt"), &o), 0);
	o.categories = both;
	o.ncategories = 2;
	assert_int_equal(fort_attachment_add(&b_id, v, path_of("c.txt"), &o), 0);
	join_staff(v, vault_at("role.db"));
	fort_vault_close(v);

	/* staff hold identity and contact: the contact one only */
	s = open_as(vault_at("role.db"), "sam", STAFF_PASS);
	assert_int_equal(fort_attachment_get(s, c_id, path_of("s1.out")), 0);
	assert_int_equal(fort_attachment_get(s, b_id, path_of("s2.out")), FORT_EDENIED);
	assert_int_equal(access(path_of("s2.out"), F_OK), -1);
	{
		unsigned char *mem = NULL;
		size_t mlen = 0;
		char name[256];
		assert_int_equal(fort_attachment_read(&mem, &mlen, name, s, b_id, 1 << 20), FORT_EDENIED);
		assert_null(mem);
		assert_string_equal(name, "");
	}
	assert_int_equal(fort_attachment_list(&a, &n, s, NULL), 0);
	assert_int_equal(n, 2);
	assert_true(a[0].readable);
	assert_false(a[1].readable);
	assert_string_equal(a[1].path, "");
	fort_attachment_list_free(a, n);
	/* staff may not add what they cannot gate, nor erase */
	assert_int_equal(fort_attachment_add(NULL, s, path_of("c.txt"), &o), FORT_EDENIED);
	assert_int_equal(fort_attachment_remove(s, c_id), FORT_EDENIED);
	fort_vault_close(s);

	/* remove: the row and its key are gone; get is not found */
	v = open_vault(vault_at("role.db"), PASS);
	assert_int_equal(fort_attachment_remove(v, b_id), 0);
	assert_int_equal(fort_attachment_get(v, b_id, path_of("gone.out")), FORT_ENOTFOUND);
	assert_int_equal(fort_attachment_remove(v, b_id), FORT_ENOTFOUND);
	assert_int_equal(audit_count(v, NULL, "attachment-remove"), 1);
	expect_verified(v);
	fort_vault_close(v);
	{
		sqlite3 *db;
		sqlite3_stmt *st;
		char q[200];
		snprintf(q, sizeof q, "SELECT (SELECT count(*) FROM attachments WHERE id = %lld) + "
			 "(SELECT count(*) FROM attachment_chunks WHERE att = %lld)", (long long)b_id, (long long)b_id);
		if (test_store_pg()) {
			assert_int_equal(fx_pg_int(vault_at("role.db"), q), 0);
			return;
		}
		assert_int_equal(sqlite3_open(vault_at("role.db"), &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM attachments WHERE id = ?1) + "
						    "(SELECT count(*) FROM attachment_chunks WHERE att = ?1)", -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_int64(st, 1, b_id);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), 0);
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
}

static void test_tamper(void **state)
{
	fort_vault *v;
	int64_t id = 0;
	sqlite3 *db;
	(void)state;
	SQLITE_ONLY("tampers with sqlite3");
	v = create_vault("tamper.db");
	spit(path_of("t.txt"), "some text to keep\n", 18);
	assert_int_equal(fort_attachment_add(&id, v, path_of("t.txt"), NULL), 0);
	fort_vault_close(v);
	/* flip a byte of the only chunk */
	assert_int_equal(sqlite3_open(vault_at("tamper.db"), &db), SQLITE_OK);
	{
		sqlite3_stmt *st;
		unsigned char buf[256];
		int len;
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT data FROM attachment_chunks", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		len = sqlite3_column_bytes(st, 0);
		assert_true(len > 10 && len < (int)sizeof buf);
		memcpy(buf, sqlite3_column_blob(st, 0), (size_t)len);
		sqlite3_finalize(st);
		buf[5] ^= 1;
		assert_int_equal(sqlite3_prepare_v2(db, "UPDATE attachment_chunks SET data = ?", -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_blob(st, 1, buf, len, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	v = open_vault(vault_at("tamper.db"), PASS);
	assert_int_equal(fort_attachment_get(v, id, path_of("t.out")), FORT_ETAMPER);
	assert_int_equal(access(path_of("t.out"), F_OK), -1);
	fort_vault_close(v);
}

static void test_quarantine(void **state)
{
	fort_vault *v = create_vault("q.db");
	fort_quarantine_report rep;
	fort_attachment_info *a = NULL;
	char id[FORT_ID_LEN + 1];
	fort_kv kv[2] = { { "full_name", "John Smith" }, { "email", "john@example.com" } };
	static const char text[] = "John: john@example.com, IBAN DE89 3704 0044 0532 0130 00\nother: x@example.net\n";
	size_t n = 0, glen;
	unsigned char *got;
	int before;
	(void)state;

	assert_int_equal(fort_client_add(id, v, kv, 2), 0);
	spit(path_of("found.txt"), text, strlen(text));

	/* a failure before the commit (allocation) leaves the file and the vault */
	for (unsigned long k = 1; k < 400; k += 7) {
		int r;
		fort_alloc_fail_at(k);
		r = fort_quarantine(&rep, v, path_of("found.txt"));
		fort_alloc_fail_at(0);
		if (r == 0) {
			/* it got through: undo for the next round */
			assert_int_equal(fort_attachment_remove(v, rep.attachment), 0);
			spit(path_of("found.txt"), text, strlen(text));
			continue;
		}
		assert_int_equal(access(path_of("found.txt"), F_OK), 0);
		got = slurp(path_of("found.txt"), &glen);
		assert_int_equal(glen, strlen(text));
		assert_memory_equal(got, text, glen);
		free(got);
	}
	assert_int_equal(fort_attachment_list(&a, &n, v, NULL), 0);
	assert_int_equal(n, 0);
	fort_attachment_list_free(a, n);

	before = audit_count(v, id, "quarantine");
	assert_int_equal(fort_quarantine(&rep, v, path_of("found.txt")), 0);
	assert_true(rep.removed);
	assert_int_equal(rep.nclients, 1);
	assert_string_equal(rep.clients[0], id);
	assert_string_equal(rep.categories, "contact,financial");
	assert_int_equal(rep.findings, 3);
	assert_int_equal(access(path_of("found.txt"), F_OK), -1);
	assert_int_equal(fort_attachment_get(v, rep.attachment, path_of("back.txt")), 0);
	got = slurp(path_of("back.txt"), &glen);
	assert_int_equal(glen, strlen(text));
	assert_memory_equal(got, text, glen);
	free(got);
	assert_int_equal(audit_count(v, id, "quarantine"), before + 1);

	/* refused: a directory, the vault itself, a file with another hard link */
	assert_int_equal(fort_quarantine(&rep, v, dir), FORT_EINPUT);
	/* (on PostgreSQL the vault's connection string is no file at all) */
	assert_int_equal(fort_quarantine(&rep, v, vault_at("q.db")), test_store_pg() ? FORT_ENOTFOUND : FORT_EINPUT);
	spit(path_of("h1.txt"), text, strlen(text));
	assert_int_equal(link(path_of("h1.txt"), path_of("h2.txt")), 0);
	assert_int_equal(fort_quarantine(&rep, v, path_of("h1.txt")), FORT_EINPUT);
	assert_int_equal(access(path_of("h1.txt"), F_OK), 0);
	expect_verified(v);
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_roles_and_shred),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_quarantine),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
