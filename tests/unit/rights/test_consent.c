/* test_consent.c - the consent ledger and the purpose gate: a consent-based
 * reveal works after a grant and not after a withdrawal, objections and
 * restriction refuse, exports leave out who may not be in them, the ledger
 * cannot be edited, evidence is not stored in the clear. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "fortress.h"

#define FIXTURE_DIR "/tmp/fort-test-consent-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

static const char notice_text[] = "Acme newsletter: we e-mail you our offers once a month. Unsubscribe at any time.\n";
static const char evidence_text[] = "SIGNED-FORM-7f3a: I agree to receive the newsletter. Jane Doe\n";

static int reveal(fort_vault *v, const char *id, const char *field, const char *purpose)
{
	fort_read_opts ro = FORT_READ_OPTS_INIT;
	const char *rv[] = { field };
	fort_record *rec = NULL;
	int r;
	ro.reveal = rv;
	ro.nreveal = 1;
	ro.purpose = purpose;
	r = fort_client_get(&rec, v, id, &ro);
	fort_record_free(rec);
	return r;
}

static uint64_t export_count(fort_vault *v, const char *purpose, const char *field)
{
	fort_export_opts eo = FORT_EXPORT_OPTS_INIT;
	const char *fields[] = { field };
	FILE *f = fopen(path_of("export.json"), "w");
	uint64_t n = 0;
	eo.purpose = purpose;
	eo.fields = fields;
	eo.nfields = 1;
	assert_int_equal(fort_client_export(&n, v, f, &eo), 0);
	fclose(f);
	return n;
}

static int record(fort_vault *v, const char *id, const char *purpose, const char *action, const char *evidence)
{
	fort_consent_opts o = FORT_CONSENT_OPTS_INIT;
	o.channel = "web";
	o.notice_path = strcmp(action, "grant") == 0 ? path_of("notice.txt") : NULL;
	o.evidence_path = evidence;
	return fort_consent_record(v, id, purpose, action, &o);
}

static void test_gate(void **state)
{
	fort_vault *v = create_vault("gate.db");
	char a[FORT_ID_LEN + 1], b[FORT_ID_LEN + 1];
	fort_kv ka[2] = { { "full_name", "Jane Doe" }, { "email", "jane@example.com" } };
	fort_kv kb[2] = { { "full_name", "Max Muster" }, { "email", "max@example.com" } };
	(void)state;
	spit(path_of("notice.txt"), notice_text, strlen(notice_text));
	spit(path_of("evidence.txt"), evidence_text, strlen(evidence_text));
	assert_int_equal(fort_client_add(a, v, ka, 2), 0);
	assert_int_equal(fort_client_add(b, v, kb, 2), 0);

	/* marketing rests on consent: refused until granted */
	assert_int_equal(reveal(v, a, "email", "marketing"), FORT_EDENIED);
	assert_true(strstr(fort_error_message(), "consent") != NULL);
	assert_int_equal(export_count(v, "marketing", "email"), 0);
	/* a contract purpose needs none */
	assert_int_equal(reveal(v, a, "email", "billing"), 0);

	assert_int_equal(record(v, a, "marketing", "grant", path_of("evidence.txt")), 0);
	assert_int_equal(reveal(v, a, "email", "marketing"), 0);
	assert_int_equal(reveal(v, b, "email", "marketing"), FORT_EDENIED);
	assert_int_equal(export_count(v, "marketing", "email"), 1);

	/* withdrawing takes the same one step */
	assert_int_equal(record(v, a, "marketing", "withdraw", NULL), 0);
	assert_int_equal(reveal(v, a, "email", "marketing"), FORT_EDENIED);
	assert_int_equal(export_count(v, "marketing", "email"), 0);

	/* an objection: refused even after... until a new consent */
	assert_int_equal(record(v, b, "correspondence", "object", NULL), 0);
	assert_int_equal(reveal(v, b, "email", "correspondence"), FORT_EDENIED);
	assert_int_equal(reveal(v, a, "email", "correspondence"), 0);
	assert_int_equal(export_count(v, "correspondence", "email"), 1);

	/* restriction: only legal claims */
	assert_int_equal(record(v, a, NULL, "restrict", NULL), 0);
	assert_int_equal(reveal(v, a, "email", "billing"), FORT_EDENIED);
	assert_true(strstr(fort_error_message(), "Art. 18") != NULL);
	assert_int_equal(reveal(v, a, "full_name", "legal_claims"), 0);
	assert_int_equal(export_count(v, "billing", "email"), 1);
	assert_int_equal(record(v, a, NULL, "lift", NULL), 0);
	assert_int_equal(reveal(v, a, "email", "billing"), 0);
	assert_int_equal(export_count(v, "billing", "email"), 2);

	/* the state and the history */
	{
		fort_consent_state *st = NULL;
		fort_consent_entry *e = NULL;
		size_t n = 0, ne = 0;
		int restricted = 1;
		assert_int_equal(fort_consent_status(&st, &n, &restricted, v, a), 0);
		assert_int_equal(restricted, 0);
		assert_int_equal(n, 1);
		assert_string_equal(st[0].purpose, "marketing");
		assert_int_equal(st[0].consented, 0);
		assert_int_equal(st[0].needs_consent, 1);
		free(st);
		assert_int_equal(fort_consent_history(&e, &ne, v, a), 0);
		assert_int_equal(ne, 4);
		assert_string_equal(e[0].action, "grant");
		assert_int_equal(strlen(e[0].notice), 64);
		assert_int_equal(strlen(e[0].evidence_sha256), 64);
		assert_string_equal(e[0].recorded_by, "alice");
		assert_string_equal(e[1].action, "withdraw");
		assert_string_equal(e[2].purpose, "all");
		free(e);
	}

	/* bad input: nothing recorded */
	{
		fort_consent_opts o = FORT_CONSENT_OPTS_INIT;
		o.channel = "web";
		assert_int_equal(fort_consent_record(v, a, "astrology", "grant", &o), FORT_ENOTFOUND);
		assert_int_equal(fort_consent_record(v, "c-00000000000000ff", "marketing", "grant", &o), FORT_ENOTFOUND);
		assert_int_equal(fort_consent_record(v, a, "marketing", "approve", &o), FORT_EINPUT);
		o.channel = "telepathy";
		assert_int_equal(fort_consent_record(v, a, "marketing", "grant", &o), FORT_EINPUT);
		/* a grant without any notice in the vault's language */
		o.channel = "web";
		o.language = "fr";
		assert_int_equal(fort_consent_record(v, a, "marketing", "grant", &o), FORT_EINPUT);
		/* in English the notice stored with the first grant is used */
		o.language = NULL;
		assert_int_equal(fort_consent_record(v, a, "marketing", "grant", &o), 0);
	}
	{
		int ok = 0;
		uint64_t n = 0;
		char problem[256];
		assert_int_equal(fort_consent_verify(&ok, &n, problem, sizeof problem, v), 0);
		assert_int_equal(ok, 1);
		assert_int_equal(n, 6);
	}
	expect_verified(v);
	fort_vault_close(v);
}

static int count_cb(void *ctx, int n, char **vals, char **cols)
{
	(void)n, (void)cols;
	*(long *)ctx = strtol(vals[0], NULL, 10);
	return 0;
}

static void test_ledger_is_append_only(void **state)
{
	sqlite3 *db;
	fort_vault *v;
	int ok = 1;
	uint64_t n = 0;
	char problem[256], *err = NULL;
	long left = 0;
	(void)state;
	SQLITE_ONLY("the consent triggers tried with sqlite3 (PostgreSQL's trigger: unit_store_test_pg)");
	assert_int_equal(sqlite3_open(vault_at("gate.db"), &db), SQLITE_OK);
	/* the triggers refuse a change and a deletion */
	assert_int_not_equal(sqlite3_exec(db, "UPDATE consent SET action = 'grant' WHERE seq = 2", NULL, NULL, &err), SQLITE_OK);
	assert_non_null(strstr(err, "append-only"));
	sqlite3_free(err);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM consent WHERE seq = 2", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "SELECT count(*) FROM consent", count_cb, &left, NULL), SQLITE_OK);
	assert_int_equal(left, 6);
	/* around them: the chain catches it */
	assert_int_equal(sqlite3_exec(db, "DROP TRIGGER consent_no_update; UPDATE consent SET action = 'grant' WHERE seq = 2",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	v = open_vault(vault_at("gate.db"), NULL);
	assert_int_equal(fort_consent_verify(&ok, &n, problem, sizeof problem, v), 0);
	assert_int_equal(ok, 0);
	assert_non_null(strstr(problem, "entry 2"));
	fort_vault_close(v);
}

static char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	char *buf;
	long n;
	*len = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The evidence is kept encrypted: its text is in neither the database nor
 * its WAL; the notice text (not personal data) is. */
static void test_evidence_not_in_clear(void **state)
{
	size_t n1, n2;
	char *db = slurp(vault_at("gate.db"), &n1), *wal = slurp(path_of("gate.db-wal"), &n2);
	(void)state;
	SQLITE_ONLY("scans the vault file and its WAL (PostgreSQL's data directory: e2e t4090)");
	assert_non_null(db);
	assert_null(memmem(db, n1, "SIGNED-FORM-7f3a", 16));
	assert_true(wal == NULL || memmem(wal, n2, "SIGNED-FORM-7f3a", 16) == NULL);
	assert_true(memmem(db, n1, "Acme newsletter", 15) != NULL || (wal && memmem(wal, n2, "Acme newsletter", 15) != NULL));
	free(db);
	free(wal);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gate),
		cmocka_unit_test(test_ledger_is_append_only),
		cmocka_unit_test(test_evidence_not_in_clear),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
