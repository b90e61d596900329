/* test_erase_index.c - an erasure leaves no unique-index entry of the
 * client (issue 16, schema 22: on SQLite the unique index has no index by
 * client any more).  The entries go by the values the erasure recomputes,
 * the same values' entries as index version 1 made them too; and by a pass
 * over the whole table when the values are not all known (the vault's
 * index version not current, a record that does not decrypt) or not all
 * found (an entry the client lost, so it may hold another).  Entries are
 * planted through the op scaffold, sealed as Fortress writes them, so only
 * the erasure can remove them.  `audit verify` names a unique entry whose
 * client is erased or absent (planted with sqlite3: SQLite only).  Both
 * backends. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sqlite3.h>
#include "fortress.h"
#include "util.h"
#include "vault/vault_int.h"
#include "vault/op.h"

#define FIXTURE_DIR "/tmp/fort-test-eraseidx-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

/* ------------------------------------------------------------ helpers */

static size_t find_n(fort_vault *v, const char *field, const char *value)
{
	char (*ids)[FORT_ID_LEN + 1] = NULL;
	size_t n = 99;
	int r = fort_client_find(&ids, &n, v, field, value);
	if (r != 0)
		fail_msg("find %s=%s: %d %s", field, value, r, fort_error_message());
	free(ids);
	return n;
}

static int64_t cid_of(const char *id)
{
	int64_t c;
	assert_int_equal(client_id_parse(&c, id), 0);
	return c;
}

/* the entry of FIELD's VALUE as index version V (1 or 2) makes it */
static void entry_of(unsigned char h[BIDX_LEN], fort_vault *v, const char *field, const char *value, int ver)
{
	client_vals cv;
	char *k = NULL;
	int i = map_index(&v->map, field);
	assert_true(i >= 0);
	assert_int_equal(cvals_init(&cv, v), 0);
	assert_int_equal(cvals_set(&cv, v, field, value), 0);
	assert_non_null(cv.vals[i]);
	assert_int_equal(ver == 1 ? type_index_key_v1(&k, v->map.f[i].t, cv.vals[i]) : type_index_key(&k, v->map.f[i].t, cv.vals[i]), 0);
	keys_blind(h, v->bkeys + (size_t)i * KEY_LEN, k, strlen(k));
	free(k);
	cvals_release(&cv);
}

/* an entry no value of the vault's keys gives (an older key version's) */
static void entry_other(unsigned char h[BIDX_LEN], int i)
{
	unsigned char bk[KEY_LEN];
	char k[32];
	memset(bk, 0x5a, sizeof bk);
	snprintf(k, sizeof k, "older-key-%d", i);
	keys_blind(h, bk, k, strlen(k));
}

/* Writes through the op scaffold (sealed, audited) as a test's "older
 * version of Fortress" would have made them */
struct plant {
	const unsigned char *h;   /* a unique entry for CLIENT, or NULL */
	int64_t client;
	const unsigned char *del; /* a unique entry of CLIENT removed, or NULL */
	const char *norm;         /* meta index_norm set to this, or NULL */
	int damage;               /* CLIENT's record: a byte of its data flipped */
};

static int plant_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct plant *p = ctx;
	int r;
	snprintf(detail, cap, "test");
	if (p->h && (r = store_blind_add(v->st, p->h, p->client, STORE_IDX_UNIQUE, NULL)) < 0)
		return r;
	if (p->del && (r = store_blind_del(v->st, p->del, p->client, STORE_IDX_UNIQUE)) < 0)
		return r;
	if (p->norm && (r = store_meta_put(v->st, "index_norm", p->norm, strlen(p->norm))) < 0)
		return r;
	if (p->damage) {
		store_client c;
		memset(&c, 0, sizeof c);
		if ((r = store_client_get(v->st, &c, p->client)) < 0)
			return r;
		c.data[c.data_len - 1] ^= 1;
		r = store_client_update(v->st, &c);
		store_client_release(&c);
		if (r < 0)
			return r;
	}
	return 0;
}

static void plant(fort_vault *v, struct plant *p)
{
	static const vault_op op = { "test-plant", 0, NULL, plant_write, NULL, NULL, NULL, NULL, 0, NULL };
	if (vault_op_run(v, &op, NULL, p) != 0)
		fail_msg("plant: %s", fort_error_message());
}

/* is unique entry H (still) there for anyone? */
static size_t uniq_has(fort_vault *v, const unsigned char h[BIDX_LEN])
{
	int64_t ids[4];
	size_t n = 99;
	assert_int_equal(store_read_begin(v->st), 0);
	assert_int_equal(store_blind_find(v->st, h, 1, ids, 4, &n), 0);
	store_read_end(v->st);
	return n;
}

static void add(fort_vault *v, char id[FORT_ID_LEN + 1], const char *name, const char *email, const char *phone)
{
	const fort_kv kv[] = { { "full_name", name }, { "email", email }, { "phone", phone } };
	if (fort_client_add(id, v, kv, 3) != 0)
		fail_msg("add %s: %s", email, fort_error_message());
}

static void no_orphan(fort_vault *v)
{
	int64_t client = -1;
	assert_int_equal(store_read_begin(v->st), 0);
	assert_int_equal(store_uniq_orphan(v->st, &client), 0);
	store_read_end(v->st);
}

/* -------------------------------------------------------------- tests */

/* an e-mail whose key index version 2 folds (sharp s: "ss") and version 1
 * did not */
#define SS_MAIL "Stra\xc3\x9f" "e@beispiel.de"

/* The erasure's values: the current ones, and the same e-mail's entry as
 * index version 1 made it, planted for the client.  No pass over the table
 * is needed, none left behind. */
static void test_by_values(void **state)
{
	(void)state;
	fort_vault *v = create_vault("values.fort");
	char a[FORT_ID_LEN + 1], b[FORT_ID_LEN + 1];
	unsigned char e1[BIDX_LEN], e2[BIDX_LEN], ph[BIDX_LEN];
	struct plant p;

	add(v, a, "J\xc3\x96RG M\xc3\x9cLLER", SS_MAIL, "+49 30 12345678");
	add(v, b, "Maria Muster", "maria@example.com", "+49 30 87654321");
	entry_of(e1, v, "email", SS_MAIL, 1);
	entry_of(e2, v, "email", SS_MAIL, 2);
	entry_of(ph, v, "phone", "+49 30 12345678", 2);
	assert_memory_not_equal(e1, e2, BIDX_LEN); /* else the case means nothing */
	memset(&p, 0, sizeof p);
	p.h = e1;
	p.client = cid_of(a);
	plant(v, &p);
	assert_int_equal(uniq_has(v, e1), 1);
	assert_int_equal(uniq_has(v, e2), 1);
	assert_int_equal(uniq_has(v, ph), 1);
	expect_verified(v);

	assert_int_equal(fort_client_erase(v, a, "test"), 0);
	assert_int_equal(uniq_has(v, e1), 0);
	assert_int_equal(uniq_has(v, e2), 0);
	assert_int_equal(uniq_has(v, ph), 0);
	assert_int_equal(find_n(v, "email", SS_MAIL), 0);
	assert_int_equal(find_n(v, "full_name", "J\xc3\x96RG M\xc3\x9cLLER"), 0);
	/* the other client keeps its entries */
	assert_int_equal(find_n(v, "email", "maria@example.com"), 1);
	assert_int_equal(find_n(v, "phone", "+49 30 87654321"), 1);
	no_orphan(v);
	expect_verified(v);
	fort_vault_close(v);
}

/* The pass over the table: an entry no current value gives (an older key
 * version's) is removed when the values are not all known or not all
 * found: the vault's index version not current, a record that does not
 * decrypt, a unique value the client had lost. */
static void test_pass_when_incomplete(void **state)
{
	(void)state;
	fort_vault *v = create_vault("pass.fort");
	char c[3][FORT_ID_LEN + 1], keep[FORT_ID_LEN + 1];
	unsigned char other[3][BIDX_LEN], mail[3][BIDX_LEN], em[BIDX_LEN];
	static const char *const mails[3] = { "one@example.com", "two@example.com", "three@example.com" };
	static const char *const phones[3] = { "+49 30 1111111", "+49 30 2222222", "+49 30 3333333" };
	struct plant p;

	add(v, keep, "Maria Muster", "maria@example.com", "+49 30 87654321");
	for (int i = 0; i < 3; i++) {
		add(v, c[i], "Some One", mails[i], phones[i]);
		entry_other(other[i], i);
		entry_of(mail[i], v, "email", mails[i], 2);
		memset(&p, 0, sizeof p);
		p.h = other[i];
		p.client = cid_of(c[i]);
		plant(v, &p);
		assert_int_equal(uniq_has(v, other[i]), 1);
	}
	expect_verified(v);

	/* 0: the index version not current (a reindex pending) */
	memset(&p, 0, sizeof p);
	p.norm = "1";
	plant(v, &p);
	assert_int_equal(fort_client_erase(v, c[0], "test"), 0);
	assert_int_equal(uniq_has(v, other[0]), 0);
	assert_int_equal(uniq_has(v, mail[0]), 0);
	memset(&p, 0, sizeof p);
	p.norm = "2";
	plant(v, &p);

	/* 1: a record that does not decrypt (sealed as it is: the erasure
	 * reads it, cannot recompute its values) */
	memset(&p, 0, sizeof p);
	p.client = cid_of(c[1]);
	p.damage = 1;
	plant(v, &p);
	{
		fort_record *rec = NULL;
		assert_true(fort_client_get(&rec, v, c[1], NULL) < 0);
		assert_null(rec);
	}
	assert_int_equal(fort_client_erase(v, c[1], "test"), 0);
	assert_int_equal(uniq_has(v, other[1]), 0);
	assert_int_equal(uniq_has(v, mail[1]), 0);

	/* 2: its e-mail's entry lost: fewer found than values */
	memset(&p, 0, sizeof p);
	p.client = cid_of(c[2]);
	p.del = mail[2];
	plant(v, &p);
	assert_int_equal(fort_client_erase(v, c[2], "test"), 0);
	assert_int_equal(uniq_has(v, other[2]), 0);

	for (int i = 0; i < 3; i++)
		assert_int_equal(find_n(v, "phone", phones[i]), 0);
	assert_int_equal(find_n(v, "email", "maria@example.com"), 1);
	entry_of(em, v, "email", "maria@example.com", 2);
	assert_int_equal(uniq_has(v, em), 1);
	no_orphan(v);
	expect_verified(v);
	fort_vault_close(v);
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

static void expect_problem(fort_vault *v, const char *a, const char *b)
{
	fort_audit_report rep;
	assert_int_equal(fort_audit_verify(&rep, v, NULL), 0);
	assert_false(rep.ok);
	if (!strstr(rep.problem, a) || !strstr(rep.problem, b))
		fail_msg("audit verify said '%s', not '%s' ... '%s'", rep.problem, a, b);
}

/* Someone with the file puts an entry back for an erased client (a find
 * would name it again), or adds one for a client who never was: `audit
 * verify` names the client and says which. */
static void test_verify_names_orphan(void **state)
{
	(void)state;
	SQLITE_ONLY("plants index entries with sqlite3");
	fort_vault *v = create_vault("orphan.fort");
	const char *path = vault_at("orphan.fort");
	char a[FORT_ID_LEN + 1], b[FORT_ID_LEN + 1];
	int64_t ca;

	add(v, a, "Anna Alt", "anna@example.com", "+49 30 1212121");
	add(v, b, "Bert Bau", "bert@example.com", "+49 30 3434343");
	ca = cid_of(a);
	assert_int_equal(fort_client_erase(v, a, "test"), 0);
	expect_verified(v);
	fort_vault_close(v);

	sql(path, "INSERT INTO uniq(h, client) VALUES(randomblob(16), %lld)", (long long)ca);
	v = open_vault(path, PASS);
	expect_problem(v, a, "unique-index");
	expect_problem(v, a, "who was erased");
	fort_vault_close(v);
	sql(path, "DELETE FROM uniq WHERE client = %lld", (long long)ca);

	sql(path, "INSERT INTO uniq(h, client) VALUES(randomblob(16), %lld)", (long long)0x777777);
	v = open_vault(path, PASS);
	expect_problem(v, "c-0000000000777777", "who has no record in this vault");
	fort_vault_close(v);
	sql(path, "DELETE FROM uniq WHERE client = %lld", (long long)0x777777);

	v = open_vault(path, PASS);
	expect_verified(v);
	assert_int_equal(find_n(v, "email", "bert@example.com"), 1);
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_values),
		cmocka_unit_test(test_pass_when_incomplete),
		cmocka_unit_test(test_verify_names_orphan),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
