/* test_intake.c - write-only intake forms (issue 18 item 1): a submission
 * made without keys is unreadable in the vault file and its WAL, a
 * keyholder accepts it and the client exists with the consent recorded
 * (channel web, the notice shown); bad submissions are refused with
 * nothing stored; a role without "intake" is refused (audited) and gets
 * the key only when granted; a form or a decision changed with sqlite3 is
 * caught; a submission put back after its decision is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "fortress.h"
#include "rights/intake.h"

#define FIXTURE_DIR "/tmp/fort-test-intake-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define STAFF_PASS "copper-walrus-fennel-harbor-quiver-tulip"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

#define CANARY "Zebulon Quixcanary"
#define CANARY_MAIL "zebulon.quixcanary@example.org"

static const char *const form_fields[] = { "email", "full_name", "phone" };
static const char *const form_consents[] = { "marketing" };

static void sql(const char *path, const char *stmt)
{
	sqlite3 *db = NULL;
	char *err = NULL;
	if (test_store_pg()) {
		fx_pg_exec(path, stmt);
		return;
	}
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, stmt, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("sqlite3: %s: %s", stmt, err);
	sqlite3_close(db);
}

static int64_t sql_int(const char *path, const char *q)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t x = -1;
	if (test_store_pg())
		return fx_pg_int(path, q);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		x = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return x;
}

/* Does the file at PATH (if there is one) hold NEEDLE? */
static int file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	int found = 0;
	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	found = memmem(buf, (size_t)n, needle, strlen(needle)) != NULL;
	free(buf);
	return found;
}

static fort_vault *open_as(const char *path, const char *user, const char *pass)
{
	fort_secret *s = secret(pass);
	fort_vault *v = NULL;
	if (fort_vault_open(&v, path, user, s) != 0)
		fail_msg("open %s as %s: %s", path, user, fort_error_message());
	fort_secret_free(s);
	return v;
}

/* A vault with form "contact" and a published notice (its version in NOTICE). */
static fort_vault *intake_vault(const char *name, char notice[65])
{
	fort_vault *v = create_vault(name);
	assert_int_equal(fort_intake_create(v, "contact", form_fields, 3, form_consents, 1), 0);
	assert_int_equal(fort_notice_publish(notice, v), 0);
	return v;
}

static int submit(fort_vault *v, const char *json)
{
	return fort_intake_submit(v, "contact", json, strlen(json));
}

static uint64_t pending(fort_vault *v)
{
	fort_intake_form f;
	assert_int_equal(fort_intake_show(&f, v, "contact"), 0);
	return f.pending;
}

static void test_submit_unreadable_then_accepted(void **state)
{
	char notice[65], js[512], cid[FORT_ID_LEN + 1];
	fort_vault *v, *anon;
	fort_intake_item *it = NULL;
	fort_consent_entry *e = NULL;
	fort_consent_state *cs = NULL;
	size_t n = 0, ne = 0, ns = 0;
	int restricted = 0, found = 0;
	(void)state;
	v = intake_vault("accept.db", notice);
	fort_vault_close(v);

	/* the form page's side: no passphrase, no keys */
	anon = open_vault(vault_at("accept.db"), NULL);
	snprintf(js, sizeof js,
		 "{\"fields\": {\"email\": \"%s\", \"full_name\": \"%s\", \"phone\": \"030 1234567\"},"
		 " \"consents\": [\"marketing\"], \"notice\": \"%s\", \"language\": \"de\"}",
		 CANARY_MAIL, CANARY, notice);
	assert_int_equal(submit(anon, js), 0);
	/* nothing of it in the file or its WAL while the handle is open */
	assert_false(!test_store_pg() && file_has(vault_at("accept.db"), "Quixcanary"));
	assert_false(file_has(path_of("accept.db-wal"), "Quixcanary"));
	assert_false(!test_store_pg() && file_has(vault_at("accept.db"), "quixcanary"));
	assert_false(file_has(path_of("accept.db-wal"), "quixcanary"));
	/* the locked handle cannot review */
	assert_int_equal(fort_intake_review(&it, &n, anon, NULL, 0), FORT_ELOCKED);
	fort_vault_close(anon);
	assert_int_equal(sql_int(vault_at("accept.db"), "SELECT count(*) FROM intake_inbox"), 1);

	v = open_vault(vault_at("accept.db"), PASS);
	assert_int_equal(pending(v), 1);
	/* masked by default */
	assert_int_equal(fort_intake_review(&it, &n, v, "contact", 0), 0);
	assert_int_equal(n, 1);
	assert_int_equal(it[0].nvalues, 3);
	for (size_t k = 0; k < it[0].nvalues; k++)
		assert_null(strstr(it[0].values[k].value, "Quixcanary"));
	assert_string_equal(it[0].consents, "marketing");
	assert_string_equal(it[0].notice, notice);
	assert_string_equal(it[0].duplicate, "");
	fort_intake_items_free(it, n);
	/* revealed: the values as normalised */
	assert_int_equal(fort_intake_review(&it, &n, v, NULL, 1), 0);
	assert_int_equal(n, 1);
	for (size_t k = 0; k < it[0].nvalues; k++) {
		if (strcmp(it[0].values[k].field, "full_name") == 0)
			assert_string_equal(it[0].values[k].value, CANARY), found++;
		if (strcmp(it[0].values[k].field, "phone") == 0)
			assert_string_equal(it[0].values[k].value, "+49301234567"), found++;
	}
	assert_int_equal(found, 2);
	assert_int_equal(fort_intake_accept(cid, v, it[0].id), 0);
	fort_intake_items_free(it, n);
	assert_int_equal(pending(v), 0);
	assert_int_equal(client_count(v), 1);
	/* the consent, with channel web, the notice and the language shown */
	assert_int_equal(fort_consent_status(&cs, &ns, &restricted, v, cid), 0);
	found = 0;
	for (size_t k = 0; k < ns; k++)
		if (strcmp(cs[k].purpose, "marketing") == 0 && cs[k].consented)
			found = 1;
	free(cs);
	assert_true(found);
	assert_int_equal(fort_consent_history(&e, &ne, v, cid), 0);
	assert_int_equal(ne, 1);
	assert_string_equal(e[0].action, "grant");
	assert_string_equal(e[0].channel, "web");
	assert_string_equal(e[0].notice, notice);
	assert_string_equal(e[0].language, "de");
	free(e);
	{
		char (*ids)[FORT_ID_LEN + 1] = NULL;
		size_t nids = 0;
		assert_int_equal(fort_client_find(&ids, &nids, v, "email", CANARY_MAIL), 0);
		assert_int_equal(nids, 1);
		assert_string_equal(ids[0], cid);
		free(ids);
	}
	/* accepted once only */
	assert_int_equal(fort_intake_accept(cid, v, 1), FORT_ENOTFOUND);
	expect_verified(v);
	fort_vault_close(v);
	/* the box is gone from the file and the WAL (secure_delete, checkpoint) */
	assert_int_equal(sql_int(vault_at("accept.db"), "SELECT count(*) FROM intake_inbox"), 0);
}

static void test_bad_submissions_store_nothing(void **state)
{
	char notice[65], js[256], *big;
	fort_vault *v;
	size_t blen = FORT_INTAKE_MAX + 64;
	struct { const char *json; int code; const char *named; } bad[] = {
		{ "{\"fields\": {\"email\": \"not-an-address\"}}", FORT_EINPUT, "email" },
		{ "{\"fields\": {\"phone\": \"call me maybe\"}}", FORT_EINPUT, "phone" },
		{ "{\"fields\": {\"iban\": \"DE89370400440532013000\"}}", FORT_EINPUT, "iban" },
		{ "{\"fields\": {\"email\": \"a@example.com\"}, \"consents\": [\"marketing\"]}", FORT_EINPUT, "notice" },
		{ "{\"fields\": {\"email\": \"a@example.com\"}, \"consents\": [\"astrology\"]}", FORT_EINPUT, "astrology" },
		{ "{\"fields\": {\"email\": \"a@example.com\"}, \"consents\": [\"marketing\"], \"notice\": "
		  "\"0000000000000000000000000000000000000000000000000000000000000000\"}", FORT_EINPUT, "notice" },
		{ "{\"fields\": {\"email\": \"a@example.com\", \"email\": \"b@example.com\"}}", FORT_EINPUT, "twice" },
		{ "{\"fields\": {\"email\": 42}}", FORT_EINPUT, "email" },
		{ "{\"fields\": {\"full_name\": \"A\\u0000B\"}}", FORT_EINPUT, "JSON" },
		{ "{\"fields\": {}}", FORT_EINPUT, "no values" },
		{ "{\"fields\": {\"email\": \"\"}}", FORT_EINPUT, "no values" },
		{ "{\"email\": \"a@example.com\"}", FORT_EINPUT, "email" },
		{ "{\"fields\": {\"email\": \"a@example.com\"}, \"form\": \"contact\"}", FORT_EINPUT, "form" },
		{ "[1, 2]", FORT_EINPUT, "object" },
		{ "{\"fields\": {\"email\": \"a@example.com\"", FORT_EINPUT, "JSON" },
		{ "", FORT_EINPUT, "JSON" },
	};
	(void)state;
	v = intake_vault("bad.db", notice);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = submit(v, bad[i].json);
		if (r != bad[i].code)
			fail_msg("case %zu: %d (%s), wanted %d", i, r, fort_error_message(), bad[i].code);
		if (!strstr(fort_error_message(), bad[i].named))
			fail_msg("case %zu: '%s' does not name '%s'", i, fort_error_message(), bad[i].named);
		/* never the value itself */
		assert_null(strstr(fort_error_message(), "not-an-address"));
		assert_null(strstr(fort_error_message(), "call me"));
	}
	/* oversized: refused before it is parsed */
	big = malloc(blen + 1);
	assert_non_null(big);
	memset(big, ' ', blen);
	memcpy(big, "{\"fields\": {\"email\": \"a@example.com\"}}", 38);
	big[blen] = '\0';
	assert_int_equal(submit(v, big), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "limit"));
	free(big);
	/* unknown form */
	assert_int_equal(fort_intake_submit(v, "nosuchform", "{}", 2), FORT_ENOTFOUND);
	assert_int_equal(pending(v), 0);
	assert_int_equal(sql_int(vault_at("bad.db"), "SELECT count(*) FROM intake_inbox"), 0);
	/* and a good one is stored */
	snprintf(js, sizeof js, "{\"fields\": {\"email\": \"Good@Example.com\"}, \"consents\": [\"marketing\"], \"notice\": \"%s\"}",
		 notice);
	assert_int_equal(submit(v, js), 0);
	assert_int_equal(pending(v), 1);
	fort_vault_close(v);
}

static void test_existing_client_same_answer_then_refused(void **state)
{
	char notice[65], cid[FORT_ID_LEN + 1], id2[FORT_ID_LEN + 1];
	fort_kv kv[] = { { "full_name", "Jana Schmidt" }, { "email", "jana@example.com" } };
	const char *known = "{\"fields\": {\"email\": \"JANA@example.com\", \"full_name\": \"Jana S\"}}";
	const char *unknown = "{\"fields\": {\"email\": \"nobody@example.com\", \"full_name\": \"No Body\"}}";
	fort_intake_item *it = NULL;
	fort_vault *v, *anon;
	size_t n = 0;
	(void)state;
	v = intake_vault("dup.db", notice);
	assert_int_equal(fort_client_add(cid, v, kv, 2), 0);
	fort_vault_close(v);
	/* the submitter learns nothing: the same answer, the same (empty) message */
	anon = open_vault(vault_at("dup.db"), NULL);
	fort_error_clear();
	assert_int_equal(submit(anon, known), 0);
	assert_string_equal(fort_error_message(), "");
	assert_int_equal(submit(anon, unknown), 0);
	assert_string_equal(fort_error_message(), "");
	fort_vault_close(anon);
	/* the two boxes are the same size: padding hides the lengths */
	assert_int_equal(sql_int(vault_at("dup.db"), "SELECT count(DISTINCT length(box)) FROM intake_inbox"), 1);

	v = open_vault(vault_at("dup.db"), PASS);
	assert_int_equal(fort_intake_review(&it, &n, v, NULL, 0), 0);
	assert_int_equal(n, 2);
	assert_string_equal(it[0].duplicate, cid);
	assert_string_equal(it[0].duplicate_field, "email");
	assert_string_equal(it[1].duplicate, "");
	/* accepting the duplicate is refused, nothing changes */
	assert_int_equal(fort_intake_accept(id2, v, it[0].id), FORT_EDUPLICATE);
	assert_non_null(strstr(fort_error_message(), cid));
	assert_int_equal(client_count(v), 1);
	assert_int_equal(pending(v), 2);
	/* rejecting it deletes it; the other is accepted */
	assert_int_equal(fort_intake_reject(v, it[0].id), 0);
	assert_int_equal(fort_intake_accept(id2, v, it[1].id), 0);
	assert_int_equal(client_count(v), 2);
	assert_int_equal(pending(v), 0);
	assert_int_equal(fort_intake_reject(v, it[0].id), FORT_ENOTFOUND);
	fort_intake_items_free(it, n);
	expect_verified(v);
	fort_vault_close(v);
}

struct denied_ctx { int denied_review, denied_accept; };

static int denied_cb(void *ctx, const fort_audit_entry *e)
{
	struct denied_ctx *d = ctx;
	if (strcmp(e->result, "denied") == 0 && strcmp(e->actor, "sam") == 0) {
		if (strcmp(e->action, "intake-review") == 0)
			d->denied_review++;
		if (strcmp(e->action, "intake-accept") == 0)
			d->denied_accept++;
	}
	return 0;
}

static void test_role_without_intake_refused(void **state)
{
	char notice[65], fp[20];
	const char *const intake_item[] = { "intake" };
	fort_intake_item *it = NULL;
	fort_secret *s;
	fort_vault *v, *sam;
	struct denied_ctx d = { 0, 0 };
	size_t n = 0;
	(void)state;
	v = intake_vault("role.db", notice);
	assert_int_equal(submit(v, "{\"fields\": {\"full_name\": \"Rolf Role\"}}"), 0);
	s = secret(STAFF_PASS);
	assert_int_equal(fort_user_request(fp, vault_at("role.db"), "sam", s, FORT_KDF_INTERACTIVE), 0);
	fort_secret_free(s);
	assert_int_equal(fort_user_add(v, "sam", "staff", fp), 0);
	fort_vault_close(v);

	sam = open_as(vault_at("role.db"), "sam", STAFF_PASS);
	/* the role refuses first (the key would too) */
	assert_int_equal(fort_intake_review(&it, &n, sam, NULL, 0), FORT_EDENIED);
	assert_non_null(strstr(fort_error_message(), "does not allow 'intake'"));
	assert_int_equal(fort_intake_accept(NULL, sam, 1), FORT_EDENIED);
	assert_non_null(strstr(fort_error_message(), "does not allow 'intake'"));
	assert_int_equal(fort_intake_create(sam, "other", form_fields, 1, NULL, 0), FORT_EDENIED);
	assert_int_equal(sql_int(vault_at("role.db"), "SELECT count(*) FROM grants g JOIN users u ON u.id = g.user_id"
						     " WHERE u.name = 'sam' AND g.key_name = 'intake'"), 0);
	fort_vault_close(sam);

	v = open_vault(vault_at("role.db"), PASS);
	assert_int_equal(fort_audit_log(v, NULL, denied_cb, &d), 0);
	assert_int_equal(d.denied_review, 1);
	assert_int_equal(d.denied_accept, 1);
	/* granting the action hands sam the key */
	assert_int_equal(fort_role_grant(v, "staff", intake_item, 1), 0);
	fort_vault_close(v);
	sam = open_as(vault_at("role.db"), "sam", STAFF_PASS);
	assert_int_equal(fort_intake_review(&it, &n, sam, NULL, 0), 0);
	assert_int_equal(n, 1);
	fort_intake_items_free(it, n);
	fort_vault_close(sam);
	/* revoking it takes the key back */
	v = open_vault(vault_at("role.db"), PASS);
	assert_int_equal(fort_role_revoke(NULL, v, "staff", intake_item, 1, NULL), 0);
	fort_vault_close(v);
	assert_int_equal(sql_int(vault_at("role.db"), "SELECT count(*) FROM grants g JOIN users u ON u.id = g.user_id"
						     " WHERE u.name = 'sam' AND g.key_name = 'intake'"), 0);
	sam = open_as(vault_at("role.db"), "sam", STAFF_PASS);
	assert_int_equal(fort_intake_review(&it, &n, sam, NULL, 0), FORT_EDENIED);
	fort_vault_close(sam);
}

static void test_tampered_form_caught(void **state)
{
	char notice[65];
	fort_intake_form f;
	fort_audit_report rep;
	fort_vault *v;
	(void)state;
	v = intake_vault("form.db", notice);
	fort_vault_close(v);
	/* the attacker with the file widens the form to bank details */
	sql(vault_at("form.db"), "UPDATE intake_forms SET fields = 'email,full_name,phone,iban' WHERE name = 'contact'");
	v = open_vault(vault_at("form.db"), NULL);
	assert_int_equal(fort_intake_submit(v, "contact", "{\"fields\": {\"iban\": \"DE89370400440532013000\"}}", 46), FORT_ETAMPER);
	assert_int_equal(fort_intake_show(&f, v, "contact"), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "intake form"));
	fort_vault_close(v);
	assert_int_equal(sql_int(vault_at("form.db"), "SELECT count(*) FROM intake_inbox"), 0);
	v = open_vault(vault_at("form.db"), PASS);
	assert_int_equal(fort_audit_verify(&rep, v, NULL), 0);
	assert_false(rep.ok);
	assert_non_null(strstr(rep.problem, "intake form"));
	fort_vault_close(v);

	/* the intake public key swapped for the attacker's: refused too */
	v = intake_vault("pk.db", notice);
	fort_vault_close(v);
	sql(vault_at("pk.db"), test_store_pg() ? "UPDATE meta SET v = decode(repeat('00', 32), 'hex') WHERE k = 'intake_pk'"
					       : "UPDATE meta SET v = zeroblob(32) WHERE k = 'intake_pk'");
	v = open_vault(vault_at("pk.db"), NULL);
	assert_int_equal(fort_intake_submit(v, "contact", "{\"fields\": {\"full_name\": \"Al\"}}", 30), FORT_ETAMPER);
	fort_vault_close(v);
}

static void test_tampered_decision_caught(void **state)
{
	char notice[65], cid[FORT_ID_LEN + 1];
	fort_audit_report rep;
	fort_vault *v;
	(void)state;
	v = intake_vault("decision.db", notice);
	assert_int_equal(submit(v, "{\"fields\": {\"full_name\": \"Dee Cision\"}}"), 0);
	assert_int_equal(submit(v, "{\"fields\": {\"full_name\": \"Re Play\"}}"), 0);
	fort_vault_close(v);
	/* keep a copy of submission 2's box, as an attacker would */
	sql(vault_at("decision.db"), "CREATE TABLE stash AS SELECT * FROM intake_inbox WHERE id = 2");
	v = open_vault(vault_at("decision.db"), PASS);
	assert_int_equal(fort_intake_accept(cid, v, 1), 0);
	assert_int_equal(fort_intake_accept(cid, v, 2), 0);
	expect_verified(v);
	fort_vault_close(v);

	/* put submission 2 back: a decision exists, refused */
	sql(vault_at("decision.db"), test_store_pg() ? "INSERT INTO intake_inbox OVERRIDING SYSTEM VALUE SELECT * FROM stash"
						     : "INSERT INTO intake_inbox SELECT * FROM stash");
	v = open_vault(vault_at("decision.db"), PASS);
	assert_int_equal(fort_intake_accept(cid, v, 2), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "already"));
	assert_int_equal(client_count(v), 2);
	fort_vault_close(v);
	/* and with its decision removed too: the decision's seal catches it */
	sql(vault_at("decision.db"), "DELETE FROM intake_decisions WHERE id = 2");
	v = open_vault(vault_at("decision.db"), PASS);
	assert_int_equal(fort_intake_accept(cid, v, 2), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "intake submission 2"));
	assert_int_equal(client_count(v), 2);
	fort_vault_close(v);

	/* a decision rewritten: audit verify names it */
	v = intake_vault("decision2.db", notice);
	assert_int_equal(submit(v, "{\"fields\": {\"full_name\": \"Dee Cision\"}}"), 0);
	assert_int_equal(fort_intake_reject(v, 1), 0);
	fort_vault_close(v);
	sql(vault_at("decision2.db"), "UPDATE intake_decisions SET decision = 'accepted'");
	v = open_vault(vault_at("decision2.db"), PASS);
	assert_int_equal(fort_audit_verify(&rep, v, NULL), 0);
	assert_false(rep.ok);
	assert_non_null(strstr(rep.problem, "intake submission 1"));
	fort_vault_close(v);
}

/* The inbox is not sealed: a box moved to another form, or junk added,
 * is listed with its problem and can only be rejected. */
static void test_moved_or_forged_box(void **state)
{
	char notice[65], cid[FORT_ID_LEN + 1];
	fort_intake_item *it = NULL;
	fort_vault *v;
	size_t n = 0;
	(void)state;
	v = intake_vault("moved.db", notice);
	assert_int_equal(fort_intake_create(v, "other", form_fields, 2, NULL, 0), 0);
	assert_int_equal(submit(v, "{\"fields\": {\"full_name\": \"Mo Ved\"}}"), 0);
	fort_vault_close(v);
	sql(vault_at("moved.db"), test_store_pg() ? "UPDATE intake_inbox SET form = 'other';"
						    "INSERT INTO intake_inbox(form, received, box) VALUES('contact', 1,"
						    " decode(repeat(md5(random()::text), 19), 'hex'))"
						  : "UPDATE intake_inbox SET form = 'other';"
						    "INSERT INTO intake_inbox(form, received, box) VALUES('contact', 1, randomblob(600))");
	v = open_vault(vault_at("moved.db"), PASS);
	assert_int_equal(fort_intake_review(&it, &n, v, NULL, 0), 0);
	assert_int_equal(n, 2);
	assert_non_null(strstr(it[0].problem, "another form"));
	assert_int_equal(it[0].nvalues, 0);
	assert_non_null(strstr(it[1].problem, "does not open"));
	fort_intake_items_free(it, n);
	assert_int_equal(fort_intake_accept(cid, v, 1), FORT_ETAMPER);
	assert_int_equal(fort_intake_accept(cid, v, 2), FORT_ETAMPER);
	assert_int_equal(client_count(v), 0);
	assert_int_equal(fort_intake_reject(v, 1), 0);
	assert_int_equal(fort_intake_reject(v, 2), 0);
	expect_verified(v);
	fort_vault_close(v);
}

static void test_forms(void **state)
{
	char notice[65];
	fort_intake_form *f = NULL;
	fort_vault *v;
	size_t n = 0;
	const char *const bad_field[] = { "shoe_size" };
	const char *const twice[] = { "email", "email" };
	const char *const bad_purpose[] = { "astrology" };
	(void)state;
	v = intake_vault("forms.db", notice);
	assert_int_equal(fort_intake_create(v, "contact", form_fields, 1, NULL, 0), FORT_EEXISTS);
	assert_int_equal(fort_intake_create(v, "x", bad_field, 1, NULL, 0), FORT_ENOTFOUND);
	assert_non_null(strstr(fort_error_message(), "shoe_size"));
	assert_int_equal(fort_intake_create(v, "x", twice, 2, NULL, 0), FORT_EINPUT);
	assert_int_equal(fort_intake_create(v, "x", form_fields, 1, bad_purpose, 1), FORT_ENOTFOUND);
	assert_int_equal(fort_intake_create(v, "bad name", form_fields, 1, NULL, 0), FORT_EINPUT);
	assert_int_equal(fort_intake_create(v, "x", form_fields, 0, NULL, 0), FORT_EINPUT);
	assert_int_equal(fort_intake_create(v, "newsletter", form_fields, 1, form_consents, 1), 0);
	assert_int_equal(fort_intake_list(&f, &n, v), 0);
	assert_int_equal(n, 2);
	assert_string_equal(f[0].name, "contact");
	assert_string_equal(f[0].fields, "email,full_name,phone");
	assert_string_equal(f[0].consents, "marketing");
	assert_string_equal(f[1].name, "newsletter");
	free(f);
	/* a form with pending submissions stays */
	assert_int_equal(fort_intake_submit(v, "newsletter", "{\"fields\": {\"email\": \"n@example.com\"}}", 38), 0);
	assert_int_equal(fort_intake_remove(v, "newsletter"), FORT_EINPUT);
	assert_int_equal(fort_intake_reject(v, 1), 0);
	assert_int_equal(fort_intake_remove(v, "newsletter"), 0);
	assert_int_equal(fort_intake_remove(v, "newsletter"), FORT_ENOTFOUND);
	assert_int_equal(fort_intake_list(&f, &n, v), 0);
	assert_int_equal(n, 1);
	free(f);
	expect_verified(v);
	fort_vault_close(v);
}

static void test_parser_round_trip(void **state)
{
	intake_sub s, s2;
	char *j1 = NULL, *j2 = NULL;
	size_t l1, l2;
	const char *in = "{\"language\": \"fr-CH\", \"fields\": {\"email\": \"a@b.ch\", \"full_name\": \"\\u00c9lise\"},"
			 " \"consents\": [\"marketing\", \"service\"]}";
	(void)state;
	assert_int_equal(intake_parse(&s, in, strlen(in), 0), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.nconsents, 2);
	assert_string_equal(s.language, "fr-CH");
	assert_string_equal(s.values[1], "\xc3\x89lise");
	assert_int_equal(intake_to_json(&j1, &l1, &s, 0), 0);
	assert_int_equal(intake_parse(&s2, j1, l1, 0), 0);
	assert_int_equal(intake_to_json(&j2, &l2, &s2, 0), 0);
	assert_string_equal(j1, j2);
	intake_json_free(j1, l1);
	intake_json_free(j2, l2);
	intake_sub_release(&s2);
	/* the sealed form's keys are not the submitter's to give */
	snprintf(s.form, sizeof s.form, "contact");
	s.received = 1790000000;
	assert_int_equal(intake_to_json(&j1, &l1, &s, 1), 0);
	assert_int_equal(intake_parse(&s2, j1, l1, 1), 0);
	assert_string_equal(s2.form, "contact");
	assert_int_equal(s2.received, 1790000000);
	intake_sub_release(&s2);
	assert_int_equal(intake_parse(&s2, j1, l1, 0), FORT_EINPUT);
	intake_json_free(j1, l1);
	intake_sub_release(&s);
	/* consents given twice, a bad language, a notice that is not a version */
	assert_int_equal(intake_parse(&s, "{\"fields\": {}, \"consents\": [\"a\", \"a\"]}", 38, 0), FORT_EINPUT);
	assert_int_equal(intake_parse(&s, "{\"fields\": {}, \"language\": \"en_GB!\"}", 36, 0), FORT_EINPUT);
	assert_int_equal(intake_parse(&s, "{\"fields\": {}, \"notice\": \"abc\"}", 31, 0), FORT_EINPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_submit_unreadable_then_accepted),
		cmocka_unit_test(test_bad_submissions_store_nothing),
		cmocka_unit_test(test_existing_client_same_answer_then_refused),
		cmocka_unit_test(test_role_without_intake_refused),
		cmocka_unit_test(test_tampered_form_caught),
		cmocka_unit_test(test_tampered_decision_caught),
		cmocka_unit_test(test_moved_or_forged_box),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_parser_round_trip),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
