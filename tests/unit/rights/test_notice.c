/* test_notice.c - the privacy notice and the records of processing hold
 * every activity, category, recipient and retention of the map; a map
 * change shows in `notice diff`; a published notice is what later consents
 * point to. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include "fortress.h"

#define FIXTURE_DIR "/tmp/fort-test-notice-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

static void contains_map(fort_vault *v, const char *text, const char *what)
{
	for (size_t i = 0; i < fort_map_activity_count(v); i++) {
		const fort_activity_info *a = fort_map_activity(v, i);
		if (!strstr(text, a->purpose))
			fail_msg("%s lacks activity %s", what, a->purpose);
		if (a->retention[0] && !strstr(text, a->retention))
			fail_msg("%s lacks the retention of %s", what, a->purpose);
	}
	for (size_t i = 0; i < fort_map_count(v); i++) {
		const fort_field_info *f = fort_map_field(v, i);
		if (!strstr(text, f->category))
			fail_msg("%s lacks category %s", what, f->category);
		char rt[1500];
		assert_int_equal(fort_field_retention_text(rt, sizeof rt, v, f->name), 0);
		if (!strstr(text, rt))
			fail_msg("%s lacks the retention of %s (%s)", what, f->name, rt);
	}
	for (size_t i = 0; i < fort_map_recipient_count(v); i++) {
		const fort_recipient_info *r = fort_map_recipient(v, i);
		if (!strstr(text, r->name) || (r->safeguard[0] && !strstr(text, r->safeguard)))
			fail_msg("%s lacks recipient %s or its safeguard", what, r->name);
	}
}

static void test_documents(void **state)
{
	fort_vault *v = create_vault("notice.db");
	char *md = NULL, *html = NULL, *json = NULL, *csv = NULL, *rh = NULL, *d = NULL, v1[65], v2[65], pub[65];
	int changed = 0;
	(void)state;
	assert_int_equal(fort_map_recipient_set(v, "mailhost", "processor", "DE", NULL, "e-mail hosting", 1), 0);
	assert_int_equal(fort_map_recipient_set(v, "crm", "processor", "US", "standard contractual clauses", NULL, 1), 0);
	{
		fort_activity_spec s = FORT_ACTIVITY_SPEC_INIT;
		const char *rec[] = { "crm" };
		s.purpose = "marketing";
		s.recipients = rec;
		s.nrecipients = 1;
		s.retention = "until consent is withdrawn";
		assert_int_equal(fort_map_activity_set(v, &s, 0), 0);
		rec[0] = "mailhost";
		s.purpose = "correspondence";
		s.retention = NULL;
		assert_int_equal(fort_map_activity_set(v, &s, 0), 0);
	}
	assert_int_equal(fort_notice_generate(&md, v1, v, "md"), 0);
	assert_int_equal(fort_notice_generate(&html, NULL, v, "html"), 0);
	assert_int_equal(fort_records_generate(&json, v, "json"), 0);
	assert_int_equal(fort_records_generate(&csv, v, "csv"), 0);
	assert_int_equal(fort_records_generate(&rh, v, "html"), 0);
	contains_map(v, md, "notice.md");
	contains_map(v, html, "notice.html");
	contains_map(v, json, "records.json");
	contains_map(v, csv, "records.csv");
	contains_map(v, rh, "records.html");
	assert_non_null(strstr(md, "Art. 77"));
	assert_non_null(strstr(html, "<h2>"));
	assert_int_equal(strlen(v1), 64);
	{
		json_t *j = json_loads(json, 0, NULL);
		assert_non_null(j);
		assert_int_equal(json_array_size(json_object_get(j, "activities")), fort_map_activity_count(v));
		assert_non_null(json_object_get(j, "security_measures"));
		json_decref(j);
	}
	assert_int_equal(fort_records_generate(&d, v, "pdf"), FORT_EINPUT);
	/* diff: nothing published, then published and equal, then a change */
	assert_int_equal(fort_notice_diff(&d, &changed, v), 0);
	assert_int_equal(changed, 1);
	free(d);
	assert_int_equal(fort_notice_publish(pub, v), 0);
	assert_string_equal(pub, v1);
	assert_int_equal(fort_notice_diff(&d, &changed, v), 0);
	assert_int_equal(changed, 0);
	free(d);
	assert_int_equal(fort_map_recipient_set(v, "accountant", "processor", "AT", NULL, "bookkeeping", 1), 0);
	assert_int_equal(fort_notice_diff(&d, &changed, v), 0);
	assert_int_equal(changed, 1);
	assert_non_null(strstr(d, "+ - accountant"));
	free(d);
	/* a structured retention rule: its text is in the notice and the
	 * records (the rule itself in records.json), and the change shows */
	assert_int_equal(fort_notice_publish(pub, v), 0);
	assert_int_equal(fort_retention_rule_set(v, "billing", "3y", "updated", "limitation period (BGB 195)"), 0);
	assert_int_equal(fort_notice_diff(&d, &changed, v), 0);
	assert_int_equal(changed, 1);
	assert_non_null(strstr(d, "+ - for billing: 3 years after the last contact"));
	free(d);
	{
		/* issue 12 item 7: one source.  The IBAN's free text ("10 years after
		 * the last payment") is no longer stated beside the rule: its line
		 * says what the rules and its hold say */
		char *m4 = NULL, *line;
		assert_int_equal(fort_notice_generate(&m4, NULL, v, "md"), 0);
		line = strstr(m4, "- IBAN: ");
		assert_non_null(line);
		*strchr(line, '\n') = '\0';
		assert_non_null(strstr(line, "for billing, 3 years after the last contact"));
		assert_non_null(strstr(line, "in any case 10 years after the record was last changed"));
		assert_null(strstr(line, "after the last payment"));
		free(m4);
	}
	{
		char *md3 = NULL, *j3 = NULL;
		json_t *j, *a;
		size_t k;
		assert_int_equal(fort_notice_generate(&md3, NULL, v, "md"), 0);
		assert_int_equal(fort_records_generate(&j3, v, "json"), 0);
		contains_map(v, md3, "notice.md (rule)");
		contains_map(v, j3, "records.json (rule)");
		j = json_loads(j3, 0, NULL);
		json_array_foreach(json_object_get(j, "activities"), k, a) {
			json_t *rl = json_object_get(a, "retention_rule");
			if (strcmp(json_string_value(json_object_get(a, "purpose")) ? json_string_value(json_object_get(a, "purpose")) : "",
				   "billing") == 0) {
				assert_int_equal(json_integer_value(json_object_get(rl, "years")), 3);
				assert_string_equal(json_string_value(json_object_get(rl, "after")), "updated");
			} else {
				assert_null(rl);
			}
		}
		json_decref(j);
		free(md3);
		free(j3);
	}
	{
		char *md2 = NULL;
		assert_int_equal(fort_notice_generate(&md2, v2, v, "md"), 0);
		assert_string_not_equal(v1, v2);
		free(md2);
	}
	/* a consent without --notice-file points to the published notice */
	{
		char id[FORT_ID_LEN + 1];
		fort_kv kv = { "email", "x@example.com" };
		fort_consent_opts o = FORT_CONSENT_OPTS_INIT;
		fort_consent_entry *e = NULL;
		size_t n = 0;
		assert_int_equal(fort_client_add(id, v, &kv, 1), 0);
		o.channel = "web";
		assert_int_equal(fort_consent_record(v, id, "marketing", "grant", &o), 0);
		assert_int_equal(fort_consent_history(&e, &n, v, id), 0);
		assert_string_equal(e[0].notice, pub); /* the newest published */
		free(e);
	}
	/* records.csv cells get the spreadsheet formula guard (its own copy of
	 * the CSV quoting had none: issue 16) */
	{
		fort_activity_spec s = FORT_ACTIVITY_SPEC_INIT;
		char *c2 = NULL;
		s.purpose = "marketing";
		s.description = "=HYPERLINK(\"http://x.example\")";
		s.retention = "until consent is withdrawn";
		assert_int_equal(fort_map_activity_set(v, &s, 0), 0);
		assert_int_equal(fort_records_generate(&c2, v, "csv"), 0);
		assert_non_null(strstr(c2, ",\"'=HYPERLINK(\"\"http://x.example\"\")\","));
		free(c2);
	}
	free(md);
	free(html);
	free(json);
	free(csv);
	free(rh);
	fort_vault_close(v);
}

/* Issue 12 items 5-6: the controller's contact details, DPO and EU
 * representative in the notice and the records; Art. 13(2)(e) per purpose. */
static void test_controller_and_provision(void **state)
{
	fort_vault *v = create_vault("ctl.db");
	fort_business_spec b = FORT_BUSINESS_SPEC_INIT;
	char *md = NULL, *json = NULL, *rh = NULL;
	size_t n13 = 0;
	(void)state;
	b.address = "Hauptstrasse 1, 91522 Ansbach";
	b.email = "privacy@orbit.example";
	b.phone = "+49 981 555 0100";
	b.dpo = "Dora Datenschutz, dpo@orbit.example";
	b.representative = "EU Rep Ltd, Dublin";
	b.state = "DE-BY";
	assert_int_equal(fort_business_set(v, &b), 0);
	assert_int_equal(fort_notice_generate(&md, NULL, v, "md"), 0);
	assert_int_equal(fort_records_generate(&json, v, "json"), 0);
	assert_int_equal(fort_records_generate(&rh, v, "html"), 0);
	{
		static const char *const want[] = { "Hauptstrasse 1, 91522 Ansbach", "privacy@orbit.example", "+49 981 555 0100",
						    "dpo@orbit.example", "EU Rep Ltd, Dublin" };
		for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
			if (!strstr(md, want[i]))
				fail_msg("notice lacks '%s'", want[i]);
			if (!strstr(json, want[i]) || !strstr(rh, want[i]))
				fail_msg("records lack '%s'", want[i]);
		}
	}
	assert_non_null(strstr(md, "Bayerisches Landesamt"));
	assert_non_null(strstr(json, "Bayerisches Landesamt"));
	for (const char *p = md; (p = strstr(p, "(Art. 13(2)(e))")); p++)
		n13++;
	assert_int_equal(n13, fort_map_activity_count(v));
	assert_non_null(strstr(md, "statutory requirement"));
	assert_non_null(strstr(md, "contractual requirement"));
	/* a bad value is refused, naming the option; nothing changes */
	{
		fort_business_spec bad = FORT_BUSINESS_SPEC_INIT;
		fort_business_info bi;
		bad.email = "not an address";
		assert_int_equal(fort_business_set(v, &bad), FORT_EINPUT);
		assert_non_null(strstr(fort_error_message(), "--email"));
		assert_int_equal(fort_business_get(&bi, v), 0);
		assert_string_equal(bi.email, "privacy@orbit.example");
	}
	free(md);
	free(json);
	free(rh);
	fort_vault_close(v);
}

/* Issue 12 item 8: a field's basis must be one of its purposes' bases; the
 * default map holds to it (date of birth rested on 6(1)(f) for a purpose on
 * 6(1)(c)). */
static void test_map_bases(void **state)
{
	fort_vault *v = create_vault("bases.db");
	fort_field_spec f = FORT_FIELD_SPEC_INIT;
	char *json = NULL;
	(void)state;
	assert_int_equal(fort_map_export(&json, v), 0);
	assert_int_equal(fort_map_import(v, json, strlen(json)), 0);
	free(json);
	/* the default map is consistent: every field, touched (a stored
	 * contradiction is checked once the field changes), passes */
	for (size_t i = 0; i < fort_map_count(v); i++) {
		fort_field_spec t = FORT_FIELD_SPEC_INIT;
		char basis[600];
		snprintf(basis, sizeof basis, "%s ", fort_map_field(v, i)->legal_basis);
		t.name = fort_map_field(v, i)->name;
		t.legal_basis = basis;
		if (fort_map_field_edit(v, &t) != 0)
			fail_msg("default field %s: %s", t.name, fort_error_message());
	}
	assert_non_null(strstr(fort_map_find(v, "date_of_birth")->legal_basis, "6(1)(c)"));
	f.name = "date_of_birth";
	f.legal_basis = "legitimate interests: verifying identity (GDPR Art. 6(1)(f))";
	assert_int_equal(fort_map_field_edit(v, &f), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "'date_of_birth'"));
	assert_non_null(strstr(fort_map_find(v, "date_of_birth")->legal_basis, "6(1)(c)"));   /* unchanged */
	f.legal_basis = "our legitimate interest in checking identity";   /* words, no article: recognised too */
	assert_int_equal(fort_map_field_edit(v, &f), FORT_EINPUT);
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documents),
		cmocka_unit_test(test_controller_and_provision),
		cmocka_unit_test(test_map_bases),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
