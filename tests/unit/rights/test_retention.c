/* test_retention.c - retention for every client on a fake clock (as-of
 * dates): the map's rules per purpose, exactly the expired fields go, a
 * client with nothing left to keep goes whole, holds win, a dry run changes
 * nothing, a client whose trigger has not happened keeps everything; bad
 * rules are refused and change nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fortress.h"

#define FIXTURE_DIR "/tmp/fort-test-retention-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

static fort_vault *v;
static char ann[FORT_ID_LEN + 1], bob[FORT_ID_LEN + 1], cem[FORT_ID_LEN + 1], eve[FORT_ID_LEN + 1];

/* the names of CLIENT's fields that have a value, comma-separated */
static const char *fields_of(const char *client)
{
	static char out[512];
	fort_record *rec = NULL;
	fort_read_opts ro = FORT_READ_OPTS_INIT;
	const char *all[] = { "all" };
	ro.reveal = all;
	ro.nreveal = 1;
	ro.purpose = "legal_claims";
	out[0] = '\0';
	if (fort_client_is_erased(v, client) == 1)
		return "(erased)";
	assert_int_equal(fort_client_get(&rec, v, client, &ro), 0);
	for (size_t i = 0; i < fort_map_count(v); i++) {
		const char *name = fort_map_field(v, i)->name;
		if (fort_record_value(rec, name)) {
			if (out[0])
				strcat(out, ",");
			strcat(out, name);
		}
	}
	fort_record_free(rec);
	return out;
}

/* the vault file and its WAL, as they are on disk (malloc'ed) */
static char *disk(size_t *len)
{
	const char *names[2] = { "ret.db", "ret.db-wal" };
	char *out = NULL;
	*len = 0;
	for (int k = 0; k < 2; k++) {
		FILE *f = fopen(path_of(names[k]), "rb");
		long n;
		if (!f)
			continue;
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		fseek(f, 0, SEEK_SET);
		out = realloc(out, *len + (size_t)n + 1);
		assert_non_null(out);
		assert_int_equal(fread(out + *len, 1, (size_t)n, f), (size_t)n);
		*len += (size_t)n;
		fclose(f);
	}
	return out;
}

/* run as of DATE; the items, as "action client fields" lines */
static const char *run(const char *date, int dry)
{
	static char out[2048];
	fort_retention_item *it = NULL;
	size_t n = 0;
	int r = fort_retention_run_all(&it, &n, v, date, dry);
	if (r != 0)
		fail_msg("run %s: %d %s", date, r, fort_error_message());
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		static const char *const act[] = { "", "client", "field", "kept", "hold" };
		const char *who = strcmp(it[i].client, ann) == 0 ? "ann" : strcmp(it[i].client, bob) == 0 ? "bob" : strcmp(it[i].client, cem) == 0 ? "cem" : strcmp(it[i].client, eve) == 0 ? "eve" : "dee";
		snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s %s %s", out[0] ? "; " : "", act[it[i].action], who,
			 it[i].fields);
		assert_true(it[i].reason[0] != '\0');
	}
	free(it);
	return out;
}

static void rule(const char *purpose, const char *dur, const char *after)
{
	int r = fort_retention_rule_set(v, purpose, dur, after, "kept as long as the law and the contract need");
	if (r != 0)
		fail_msg("rule %s: %d %s", purpose, r, fort_error_message());
}

static void test_setup(void **state)
{
	fort_field_spec fs = FORT_FIELD_SPEC_INIT;
	const char *svc[] = { "service" };
	char text[400];
	(void)state;
	v = create_vault("ret.db");
	fs.name = "contract_end";
	fs.type = "date";
	fs.category = "identity";
	fs.purposes = svc;
	fs.npurposes = 1;
	assert_int_equal(fort_map_field_add(v, &fs), 0);
	rule("service", "1y", "field:contract_end");
	rule("identity_verification", "1y", "field:contract_end");
	rule("correspondence", "2y", "field:contract_end");
	rule("billing", "3y", "field:contract_end");
	rule("tax", "3y", "field:contract_end");
	rule("legal_claims", "3y", "field:contract_end");
	rule("marketing", "30d", "consent_withdrawn");
	assert_int_equal(fort_retention_rule_text(text, sizeof text, v, "correspondence"), 0);
	assert_non_null(strstr(text, "2 years after the date in field 'contract_end'"));
	{
		/* the readable retention of the activity follows the rule (notice, records) */
		for (size_t i = 0; i < fort_map_activity_count(v); i++)
			if (strcmp(fort_map_activity(v, i)->purpose, "billing") == 0)
				assert_non_null(strstr(fort_map_activity(v, i)->retention, "3 years"));
	}
	{
		fort_kv a[6] = { { "full_name", "Ann Ended" }, { "email", "ann@example.com" }, { "phone", "+4930123456" },
				 { "notes", "likes tea" }, { "iban", "DE89370400440532013000" }, { "contract_end", "2020-01-15" } };
		fort_kv b[4] = { { "full_name", "Bob Ongoing" }, { "email", "bob@example.com" }, { "notes", "a long contract" },
				 { "phone", "+4930654321" } };
		fort_kv c[3] = { { "full_name", "Cem Short" }, { "email", "cem@example.com" }, { "contract_end", "2024-06-30" } };
		assert_int_equal(fort_client_add(ann, v, a, 6), 0);
		assert_int_equal(fort_client_add(bob, v, b, 4), 0);
		assert_int_equal(fort_client_add(cem, v, c, 3), 0);
	}
}

static void test_bad_rules(void **state)
{
	char *before = NULL, *after = NULL;
	fort_retention_item *it = NULL;
	size_t n = 0;
	(void)state;
	assert_int_equal(fort_map_export(&before, v), 0);
	assert_int_equal(fort_retention_rule_set(v, "nosuch", "1y", "created", "x"), FORT_ENOTFOUND);
	assert_int_equal(fort_retention_rule_set(v, "service", "1 fortnight", "created", "x"), FORT_EINPUT);
	assert_int_equal(fort_retention_rule_set(v, "service", "1y", "yesterday", "x"), FORT_EINPUT);
	assert_int_equal(fort_retention_rule_set(v, "service", "1y", "created", ""), FORT_EINPUT);
	/* the trigger must be a date field of the map */
	assert_int_equal(fort_retention_rule_set(v, "service", "1y", "field:full_name", "x"), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "not a date field"));
	assert_int_equal(fort_retention_rule_set(v, "service", "1y", "field:nosuch", "x"), FORT_EINPUT);
	/* a withdrawn consent only ends a purpose that rests on consent */
	assert_int_equal(fort_retention_rule_set(v, "billing", "1y", "consent_withdrawn", "x"), FORT_EINPUT);
	/* a map file with a malformed rule */
	{
		const char *bad = "{\"purposes\": {\"service\": {\"description\": \"d\", \"legal_basis\": \"contract\", "
				  "\"retention_rule\": {\"years\": -1, \"after\": \"created\", \"reason\": \"r\"}}}, "
				  "\"fields\": [{\"name\": \"full_name\", \"type\": \"name\", \"category\": \"identity\", "
				  "\"purposes\": [\"service\"]}]}";
		assert_int_equal(fort_map_import(v, bad, strlen(bad)), FORT_EINPUT);
	}
	assert_int_equal(fort_map_export(&after, v), 0);
	assert_string_equal(before, after); /* nothing changed */
	free(before);
	free(after);
	assert_int_equal(fort_retention_run_all(&it, &n, v, "2021-13-01", 0), FORT_EINPUT);
	assert_int_equal(fort_retention_run_all(&it, &n, v, "soon", 1), FORT_EINPUT);
	assert_int_equal(fort_retention_due_all(&it, &n, v, NULL, -1), FORT_EINPUT);
}

static void test_due(void **state)
{
	fort_retention_item *it = NULL;
	size_t n = 0;
	(void)state;
	assert_int_equal(fort_retention_due_all(&it, &n, v, "2021-01-01", 10), 0);
	assert_int_equal(n, 0);
	free(it);
	assert_int_equal(fort_retention_due_all(&it, &n, v, "2021-01-01", 30), 0);
	assert_int_equal(n, 1);
	assert_int_equal(it[0].action, FORT_RET_ERASE_FIELD);
	assert_string_equal(it[0].client, ann);
	assert_string_equal(it[0].fields, "notes");
	assert_string_equal(it[0].date, "2021-01-15");
	assert_string_equal(it[0].purposes, "service");
	free(it);
}

static void test_clock(void **state)
{
	const char *ann_all = "full_name,email,phone,iban,notes,contract_end";
	const char *bob_all = "full_name,email,phone,notes";
	(void)state;
	assert_string_equal(fields_of(ann), ann_all);
	/* the last day of a retention: kept */
	assert_string_equal(run("2021-01-15", 0), "");
	assert_string_equal(fields_of(ann), ann_all);
	/* the day after: a dry run lists it and changes nothing, not one byte */
	if (!test_store_pg()) {   /* the file and its WAL, byte for byte */
		size_t l1, l2;
		char *d1 = disk(&l1), *d2;
		assert_string_equal(run("2021-01-16", 1), "field ann notes");
		d2 = disk(&l2);
		assert_true(l1 > 0);
		assert_int_equal(l1, l2);
		assert_memory_equal(d1, d2, l1);
		free(d1);
		free(d2);
	}
	assert_string_equal(fields_of(ann), ann_all);
	assert_string_equal(run("2021-01-16", 0), "field ann notes");
	assert_string_equal(fields_of(ann), "full_name,email,phone,iban,contract_end");
	assert_string_equal(run("2021-01-16", 0), ""); /* done: nothing twice */
	/* correspondence (2 years) ends: the phone number goes */
	assert_string_equal(run("2022-01-16", 0), "field ann phone");
	assert_string_equal(fields_of(ann), "full_name,email,iban,contract_end");
	/* billing, tax, legal claims end: the name goes; the IBAN's tax-law hold
	 * (10 years from the last change) wins; the e-mail is also for marketing,
	 * which Ann never consented to: 30 days from when her record was made */
	assert_string_equal(run("2023-01-16", 0), "field ann full_name; kept ann iban");
	assert_string_equal(fields_of(ann), "email,iban,contract_end");
	/* Cem: everything ends on 2027-06-30: the whole client goes the day after */
	assert_string_equal(run("2027-06-30", 0), "field ann email; kept ann iban");
	assert_string_equal(fields_of(ann), "iban,contract_end");
	assert_string_equal(fields_of(cem), "full_name,email,contract_end");
	assert_string_equal(run("2027-07-01", 0), "client cem full_name,email,contract_end; kept ann iban");
	assert_string_equal(fields_of(cem), "(erased)");
	assert_string_equal(fields_of(ann), "iban,contract_end");
	/* the hold ends: nothing is left to keep, Ann goes whole; the reason
	 * given is the end of the hold (issue 12 item 9), not the purposes' */
	{
		fort_retention_item *it = NULL;
		size_t n = 0;
		assert_int_equal(fort_retention_run_all(&it, &n, v, "2099-01-01", 1), 0);
		assert_int_equal(n, 1);
		assert_non_null(strstr(it[0].reason, "legal hold ended"));
		free(it);
	}
	assert_string_equal(run("2099-01-01", 0), "client ann iban,contract_end");
	assert_string_equal(fields_of(ann), "(erased)");
	/* Bob's contract has not ended: all his data stays */
	assert_string_equal(fields_of(bob), bob_all);
	assert_string_equal(run("2099-01-01", 0), "");
	expect_verified(v);
}

static void test_consent_withdrawn(void **state)
{
	fort_consent_opts o = FORT_CONSENT_OPTS_INIT;
	fort_field_spec fs = FORT_FIELD_SPEC_INIT;
	const char *mkt[] = { "marketing" };
	char dee[FORT_ID_LEN + 1];
	fort_kv d[2] = { { "email", "dee@example.com" }, { "topics", "bread, cakes" } };
	(void)state;
	/* a field only marketing (consent) uses */
	fs.name = "topics";
	fs.type = "text";
	fs.category = "contact";
	fs.purposes = mkt;
	fs.npurposes = 1;
	assert_int_equal(fort_map_field_add(v, &fs), 0);
	assert_int_equal(fort_client_add(dee, v, d, 2), 0);
	spit(path_of("notice.txt"), "We send news monthly.", 21);
	o.channel = "web";
	o.notice_path = path_of("notice.txt");
	o.when = 1735689600; /* 2025-01-01 */
	assert_int_equal(fort_consent_record(v, dee, "marketing", "grant", &o), 0);
	/* consent active: nothing of Dee's goes, ever */
	assert_string_equal(run("2099-01-01", 1), "");
	o.when = 1740787200; /* withdrawn 2025-03-01: 30 days later the topics go */
	o.notice_path = NULL;
	assert_int_equal(fort_consent_record(v, dee, "marketing", "withdraw", &o), 0);
	assert_string_equal(run("2025-03-31", 0), "");
	assert_string_equal(fields_of(dee), "email,topics");
	/* the e-mail stays: service still justifies it (no contract end) */
	assert_string_equal(run("2025-04-01", 0), "field dee topics");
	assert_string_equal(fields_of(dee), "email");
}

/* the detail of the latest retention-run audit entry, into CTX */
static int last_run_cb(void *ctx, const fort_audit_entry *e)
{
	if (strcmp(e->action, "retention-run") == 0)
		snprintf(ctx, 1500, "%s", e->detail);
	return 0;
}

/* Art. 18(1)(c): a restricted client's expired data is kept (and said
 * why) until the restriction is lifted */
static void test_restricted(void **state)
{
	fort_consent_opts o = FORT_CONSENT_OPTS_INIT;
	fort_retention_item *it = NULL;
	size_t n = 0;
	fort_kv e[2] = { { "full_name", "Eve Restricted" }, { "contract_end", "2020-01-01" } };
	(void)state;
	assert_int_equal(fort_client_add(eve, v, e, 2), 0);
	o.channel = "paper";
	assert_int_equal(fort_consent_record(v, eve, NULL, "restrict", &o), 0);
	assert_int_equal(fort_retention_run_all(&it, &n, v, "2099-01-01", 0), 0);
	assert_int_equal(n, 1);
	assert_int_equal(it[0].action, FORT_RET_KEPT);
	assert_string_equal(it[0].client, eve);
	assert_string_equal(it[0].fields, "full_name");
	assert_string_equal(it[0].kept_until, "");
	assert_non_null(strstr(it[0].reason, "Art. 18"));
	assert_null(strstr(it[0].reason, "hold"));   /* a restriction is not a hold (issue 12 item 9) */
	free(it);
	{
		/* the run's audit entry counts it apart from the holds */
		char last[1500] = "";
		assert_int_equal(fort_audit_log(v, NULL, last_run_cb, last), 0);
		assert_non_null(strstr(last, "0 field(s) kept under a hold, 1 kept because processing is restricted (Art. 18)"));
	}
	assert_string_equal(fields_of(eve), "full_name,contract_end");
	assert_int_equal(fort_consent_record(v, eve, NULL, "lift", &o), 0);
	assert_string_equal(run("2099-01-01", 0), "client eve full_name,contract_end");
	assert_string_equal(fields_of(eve), "(erased)");
	expect_verified(v);
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup),
		cmocka_unit_test(test_bad_rules),
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_consent_withdrawn),
		cmocka_unit_test(test_restricted),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
