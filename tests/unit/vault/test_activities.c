/* test_activities.c - processing activities and recipients in the data map:
 * every purpose has a legal basis, every field purpose is declared, a
 * recipient outside the EEA needs a safeguard, activities name existing
 * recipients; bad input leaves the map as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fortress.h"

#define FIXTURE_DIR "/tmp/fort-test-activities-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

static const fort_activity_info *find(fort_vault *v, const char *purpose)
{
	for (size_t i = 0; i < fort_map_activity_count(v); i++)
		if (strcmp(fort_map_activity(v, i)->purpose, purpose) == 0)
			return fort_map_activity(v, i);
	return NULL;
}

static void test_activities(void **state)
{
	fort_vault *v = create_vault("act.db");
	fort_activity_spec s = FORT_ACTIVITY_SPEC_INIT;
	const char *rec[] = { "mailhost" }, *bad[] = { "ghost" };
	char *before = NULL, *after = NULL;
	(void)state;
	/* the default map: every purpose has a basis; marketing rests on consent */
	assert_true(fort_map_activity_count(v) >= 7);
	for (size_t i = 0; i < fort_map_activity_count(v); i++)
		assert_true(fort_map_activity(v, i)->legal_basis[0] != '\0');
	assert_string_equal(find(v, "marketing")->legal_basis, "consent");
	assert_string_equal(find(v, "tax")->legal_basis, "legal_obligation");

	assert_int_equal(fort_map_recipient_set(v, "mailhost", "processor", "DE", NULL, "e-mail hosting", 1), 0);
	assert_int_equal(fort_map_recipient_set(v, "mailhost", "processor", "DE", NULL, NULL, 1), FORT_EEXISTS);
	assert_int_equal(fort_map_export(&before, v), 0);
	/* outside the EEA without a safeguard; a bad kind; a bad country */
	assert_int_equal(fort_map_recipient_set(v, "crm", "processor", "US", NULL, NULL, 1), FORT_EINPUT);
	assert_int_equal(fort_map_recipient_set(v, "crm", "friend", "DE", NULL, NULL, 1), FORT_EINPUT);
	assert_int_equal(fort_map_recipient_set(v, "crm", "processor", "germany", NULL, NULL, 1), FORT_EINPUT);
	/* an activity naming an unknown recipient, a made-up basis, no basis */
	s.purpose = "billing";
	s.recipients = bad;
	s.nrecipients = 1;
	assert_int_equal(fort_map_activity_set(v, &s, 0), FORT_EINPUT);
	s.recipients = NULL;
	s.nrecipients = 0;
	s.purpose = "raffle";
	s.description = "A raffle";
	s.legal_basis = "fun";
	assert_int_equal(fort_map_activity_set(v, &s, 1), FORT_EINPUT);
	s.legal_basis = NULL;
	assert_int_equal(fort_map_activity_set(v, &s, 1), FORT_EINPUT);
	assert_int_equal(fort_map_export(&after, v), 0);
	assert_string_equal(before, after); /* nothing changed */
	free(after);
	after = NULL;

	assert_int_equal(fort_map_recipient_set(v, "crm", "processor", "US", "standard contractual clauses (2021/914)", NULL, 1), 0);
	s = (fort_activity_spec)FORT_ACTIVITY_SPEC_INIT;
	s.purpose = "correspondence";
	s.recipients = rec;
	s.nrecipients = 1;
	s.retention = "2 years after the last contact";
	assert_int_equal(fort_map_activity_set(v, &s, 0), 0);
	assert_int_equal(find(v, "correspondence")->nrecipients, 1);
	assert_string_equal(find(v, "correspondence")->recipients[0], "mailhost");
	assert_string_equal(find(v, "correspondence")->retention, "2 years after the last contact");
	assert_string_equal(find(v, "correspondence")->legal_basis, "contract"); /* unchanged */
	fort_vault_close(v);

	/* it all survives a reopen (MAC'd with the map) */
	v = open_vault(vault_at("act.db"), PASS);
	assert_int_equal(fort_map_recipient_count(v), 2);
	assert_string_equal(fort_map_recipient(v, 1)->safeguard, "standard contractual clauses (2021/914)");
	assert_string_equal(find(v, "correspondence")->recipients[0], "mailhost");
	/* a field purpose must be declared */
	{
		fort_field_spec f = FORT_FIELD_SPEC_INIT;
		const char *p[] = { "astrology" };
		f.name = "star_sign";
		f.type = "text";
		f.category = "notes";
		f.purposes = p;
		f.npurposes = 1;
		assert_int_equal(fort_map_field_add(v, &f), FORT_EINPUT);
		assert_non_null(strstr(fort_error_message(), "astrology"));
	}
	expect_verified(v);
	fort_vault_close(v);
	free(before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_activities),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
