/* test_plan.c - the incident plan at rest and its drills: the plan survives
 * a vault-key rotation (the box key is re-wrapped), a changed byte in the
 * sealed plan is caught, bad plans are refused naming the field and change
 * nothing, drills are checked against the playbook and readable locked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "fortress.h"

#define FIXTURE_DIR "/tmp/fort-test-plan-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

static char *plan_json(fort_vault *v)
{
	char *js = NULL;
	int r = fort_plan_get(&js, v);
	if (r != 0)
		fail_msg("plan get: %d %s", r, fort_error_message());
	return js;
}

static void test_rotation_and_tamper(void **state)
{
	fort_vault *v = create_vault("rot.db");
	fort_plan_contact c = FORT_PLAN_CONTACT_INIT;
	fort_rotate_report rep;
	const char *keys[] = { "vault" };
	char *js;
	(void)state;
	assert_int_equal(fort_plan_init(v, NULL, 0), 0);
	assert_int_equal(fort_plan_init(v, NULL, 0), FORT_EEXISTS);
	c.role = "lead";
	c.name = "Wilhelmina Plankton";
	c.email = "wp@orbit.example";
	assert_int_equal(fort_plan_edit(v, &c, NULL), 0);
	assert_int_equal(fort_keys_rotate(&rep, v, keys, 1, NULL), 0);
	fort_vault_close(v);

	/* the old vault key is destroyed: the plan still opens */
	v = open_vault(vault_at("rot.db"), PASS);
	js = plan_json(v);
	assert_non_null(strstr(js, "Wilhelmina Plankton"));
	free(js);
	fort_vault_close(v);

	/* flip one byte of the sealed plan outside Fortress */
	{
		sqlite3 *db;
		if (test_store_pg())   /* psql: byte 41 (1-based) turned into its complement */
			fx_pg_exec(vault_at("rot.db"), "UPDATE meta SET v = set_byte(v, 40, 255 - get_byte(v, 40)) WHERE k = 'plan'");
		else {
		assert_int_equal(sqlite3_open(vault_at("rot.db"), &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "UPDATE meta SET v = CAST(substr(v, 1, 40) || X'00' || substr(v, 42) AS BLOB)"
						  " WHERE k = 'plan' AND substr(v, 41, 1) <> X'00';"
						  "UPDATE meta SET v = CAST(substr(v, 1, 40) || X'01' || substr(v, 42) AS BLOB)"
						  " WHERE k = 'plan' AND changes() = 0;", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		}
	}
	v = open_vault(vault_at("rot.db"), PASS);
	js = NULL;
	assert_int_equal(fort_plan_get(&js, v), FORT_ETAMPER);
	assert_null(js);
	fort_vault_close(v);
}

static void expect_refused(fort_vault *v, const char *json, const char *field)
{
	int r = fort_plan_set(v, json, strlen(json));
	assert_int_equal(r, FORT_EINPUT);
	if (!strstr(fort_error_message(), field))
		fail_msg("'%s' does not name %s", fort_error_message(), field);
}

static void test_validation(void **state)
{
	fort_vault *v = create_vault("val.db");
	fort_plan_contact c = FORT_PLAN_CONTACT_INIT;
	char *before, *after;
	static const char pb[] = "\"playbooks\":[{\"type\":\"lost-device\",\"title\":\"Lost\",\"steps\":[{\"owner\":\"lead\",\"text\":\"Act\"}]}]";
	char buf[1024];
	(void)state;
	assert_int_equal(fort_plan_init(v, "FR", 0), 0);
	before = plan_json(v);
	assert_non_null(strstr(before, "\"FR\""));
	snprintf(buf, sizeof buf, "{\"country\":\"DE\",\"contacts\":{\"lead\":{\"email\":\"no-at-sign\"}},%s}", pb);
	expect_refused(v, buf, "contacts.lead.email");
	snprintf(buf, sizeof buf, "{\"country\":\"DE\",\"contacts\":{\"chef\":{}},%s}", pb);
	expect_refused(v, buf, "contacts.chef");
	snprintf(buf, sizeof buf, "{\"country\":\"ZZ\",%s}", pb);
	expect_refused(v, buf, "country");
	expect_refused(v, "{\"country\":\"DE\",\"playbooks\":[{\"type\":\"x\",\"title\":\"X\",\"steps\":[{\"owner\":\"boss\",\"text\":\"t\"}]}]}",
		       "playbooks[0].steps[0].owner");
	expect_refused(v, "{\"country\":\"DE\",\"playbooks\":[{\"type\":\"x\",\"title\":\"X\",\"steps\":[]}]}", "playbooks[0].steps");
	expect_refused(v, "{\"country\":\"DE\",\"playbooks\":[]}", "playbooks");
	expect_refused(v, "[1,2", "not valid JSON");
	c.role = "technical";
	c.phone = "ring ring";
	assert_int_equal(fort_plan_edit(v, &c, NULL), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "contacts.technical.phone"));
	c.phone = NULL;
	c.name = "Ok\nInjected";
	assert_int_equal(fort_plan_edit(v, &c, NULL), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "contacts.technical.name"));
	after = plan_json(v);
	assert_string_equal(before, after);
	free(before);
	free(after);
	/* a valid whole plan replaces it */
	snprintf(buf, sizeof buf, "{\"country\":\"DE\",\"contacts\":{\"lead\":{\"name\":\"Q\",\"email\":\"q@x.example\"}},%s}", pb);
	assert_int_equal(fort_plan_set(v, buf, strlen(buf)), 0);
	after = plan_json(v);
	assert_non_null(strstr(after, "q@x.example"));
	free(after);
	fort_vault_close(v);
}

static void test_drills(void **state)
{
	fort_vault *v = create_vault("drill.db");
	fort_drill_record d = FORT_DRILL_RECORD_INIT;
	fort_drill_step steps[7];
	const char *lessons[] = { "print the plan" };
	int64_t id = 0, when = 0;
	char type[48], *js = NULL;
	(void)state;
	memset(steps, 0, sizeof steps);
	for (int i = 0; i < 7; i++) {
		steps[i].done = i != 2;
		steps[i].seconds = 10 * (i + 1);
	}
	steps[0].note = "slow start";
	d.type = "lost-device";
	d.steps = steps;
	d.nsteps = 7;
	d.outcome = "fine";
	d.lessons = lessons;
	d.nlessons = 1;
	assert_int_equal(fort_plan_drill_record(&id, v, &d), FORT_ENOTFOUND); /* no plan yet */
	assert_int_equal(fort_plan_init(v, NULL, 0), 0);
	d.nsteps = 6;
	assert_int_equal(fort_plan_drill_record(&id, v, &d), FORT_EINPUT);
	d.nsteps = 7;
	d.type = "meteor";
	assert_int_equal(fort_plan_drill_record(&id, v, &d), FORT_EINPUT);
	d.type = "lost-device";
	d.outcome = "";
	assert_int_equal(fort_plan_drill_record(&id, v, &d), FORT_EINPUT);
	d.outcome = "fine";
	steps[3].seconds = -5;
	assert_int_equal(fort_plan_drill_record(&id, v, &d), FORT_EINPUT);
	steps[3].seconds = 40;
	assert_int_equal(fort_plan_last_drill(&when, type, v), 0);
	assert_int_equal(when, 0);
	assert_int_equal(fort_plan_drill_record(&id, v, &d), 0);
	assert_int_equal(id, 1);
	assert_int_equal(fort_plan_drills(&js, v), 0);
	assert_non_null(strstr(js, "\"seconds\": 280"));
	assert_non_null(strstr(js, "slow start"));
	assert_non_null(strstr(js, "print the plan"));
	free(js);
	fort_vault_close(v);

	/* locked: when and which, nothing else */
	v = open_vault(vault_at("drill.db"), NULL);
	assert_int_equal(fort_plan_exists(v), 1);
	assert_int_equal(fort_plan_last_drill(&when, type, v), 0);
	assert_true(when > 0);
	assert_string_equal(type, "lost-device");
	assert_int_equal(fort_plan_drills(&js, v), FORT_ELOCKED);
	fort_vault_close(v);
}

/* Issue 12 items 1-2: the plan names the authority every letter names,
 * decided in one place; changing the plan's country changes it for both. */
static void test_one_authority(void **state)
{
	fort_vault *v = create_vault("auth.db");
	fort_business_info b;
	fort_business_spec bs = FORT_BUSINESS_SPEC_INIT;
	unsigned char *doc = NULL;
	size_t len = 0;
	(void)state;
	assert_int_equal(fort_plan_init(v, NULL, 0), 0);
	/* Germany without a Land: no authority, and not the federal BfDI */
	assert_int_equal(fort_plan_export(&doc, &len, v, "md"), 0);
	assert_null(strstr((char *)doc, "Bundesbeauftragte"));
	assert_non_null(strstr((char *)doc, "--state"));
	free(doc);
	bs.state = "nordrhein-westfalen";
	assert_int_equal(fort_business_set(v, &bs), 0);
	assert_int_equal(fort_business_get(&b, v), 0);
	assert_string_equal(b.authority_code, "DE-NW");
	assert_int_equal(fort_plan_export(&doc, &len, v, "md"), 0);
	assert_non_null(strstr((char *)doc, "Nordrhein-Westfalen (LDI NRW)"));
	free(doc);
	/* the plan's country changed: the business's location changes with
	 * it, so letters (which read fort_business_get's authority) agree */
	assert_int_equal(fort_plan_edit(v, NULL, "FR"), 0);
	assert_int_equal(fort_business_get(&b, v), 0);
	assert_string_equal(b.authority_code, "FR");
	assert_string_equal(b.state, "");
	assert_int_equal(fort_plan_export(&doc, &len, v, "md"), 0);
	assert_non_null(strstr((char *)doc, b.authority));
	assert_null(strstr((char *)doc, "LDI NRW"));
	free(doc);
	/* a state that is not the country's, an unknown one: refused, unchanged */
	bs.state = "California";
	assert_int_equal(fort_business_set(v, &bs), FORT_EINPUT);
	bs.state = NULL;
	bs.country = "Narnia";
	assert_int_equal(fort_business_set(v, &bs), FORT_EINPUT);
	assert_int_equal(fort_business_get(&b, v), 0);
	assert_string_equal(b.authority_code, "FR");
	/* Art. 56: a lead authority overrides the country */
	bs.country = NULL;
	bs.lead_authority = "ie";
	assert_int_equal(fort_business_set(v, &bs), 0);
	assert_int_equal(fort_business_get(&b, v), 0);
	assert_string_equal(b.authority_code, "IE");
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rotation_and_tamper),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_drills),
		cmocka_unit_test(test_one_authority),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
