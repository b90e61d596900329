/* test_opts_version.c - every public function taking an options struct
 * refuses a version it does not know (FORT_EINPUT, the message naming the
 * struct and its _INIT), one test per struct; the version it knows is
 * accepted (the same call with _INIT does not fail on the version). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fortress.h"

#define FIXTURE_DIR "/tmp/fort-test-optsver-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

static fort_vault *v;
static char client[FORT_ID_LEN + 1];
static int64_t incident;

/* R is FORT_EINPUT for an unknown version of TYPE, named with INIT. */
static void refused(int r, const char *type, const char *init)
{
	const char *msg = fort_error_message();

	if (r != FORT_EINPUT)
		fail_msg("%s of an unknown version: got %d (%s), not FORT_EINPUT", type, r, msg);
	if (!strstr(msg, type) || !strstr(msg, "version") || (init && !strstr(msg, init)))
		fail_msg("%s of an unknown version: the message '%s' does not name it and %s", type, msg, init);
}

/* The known version did not fail on the version. */
static void accepted(int r, const char *type)
{
	if (r < 0 && strstr(fort_error_message(), "version") && strstr(fort_error_message(), type))
		fail_msg("%s of the known version refused: %s", type, fort_error_message());
}

static int setup(void **state)
{
	const fort_kv kv[] = { { "full_name", "Vera Version" }, { "email", "vera@orbit.example" } };

	if (fixture_group_setup(state) < 0)
		return -1;
	v = create_vault("v.db");
	if (fort_client_add(client, v, kv, 2) < 0 ||
	    fort_incident_open(&incident, v, "lost laptop", "lost-device", NULL, NULL) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	fort_vault_close(v);
	return fixture_group_teardown(state);
}

static void test_create_opts(void **state)
{
	fort_create_opts o = FORT_CREATE_OPTS_INIT;
	fort_secret *pass = secret(PASS);
	fort_vault *w = NULL;
	(void)state;
	o.business = "B";
	o.owner = "o";
	o.kdf = FORT_KDF_INTERACTIVE;
	o.version = FORT_CREATE_OPTS_VERSION + 1;
	refused(fort_vault_create(&w, vault_at("new.db"), &o, pass), "fort_create_opts", "FORT_CREATE_OPTS_INIT");
	assert_null(w);
	fort_secret_free(pass);
}

static void test_field_spec(void **state)
{
	fort_field_spec s = FORT_FIELD_SPEC_INIT;
	(void)state;
	s.name = "nickname";
	s.type = "text";
	s.category = "identity";
	s.version = FORT_FIELD_SPEC_VERSION + 1;
	refused(fort_map_field_add(v, &s), "fort_field_spec", "FORT_FIELD_SPEC_INIT");
	refused(fort_map_field_edit(v, &s), "fort_field_spec", "FORT_FIELD_SPEC_INIT");
	s.version = FORT_FIELD_SPEC_VERSION;
	accepted(fort_map_field_add(v, &s), "fort_field_spec");
}

static void test_activity_spec(void **state)
{
	fort_activity_spec s = FORT_ACTIVITY_SPEC_INIT;
	(void)state;
	s.purpose = "billing";
	s.version = FORT_ACTIVITY_SPEC_VERSION + 1;
	refused(fort_map_activity_set(v, &s, 0), "fort_activity_spec", "FORT_ACTIVITY_SPEC_INIT");
	s.version = FORT_ACTIVITY_SPEC_VERSION;
	accepted(fort_map_activity_set(v, &s, 0), "fort_activity_spec");
}

static void test_read_opts(void **state)
{
	fort_read_opts o = FORT_READ_OPTS_INIT;
	fort_record *rec = NULL;
	(void)state;
	o.version = 7;
	refused(fort_client_get(&rec, v, client, &o), "fort_read_opts", "FORT_READ_OPTS_INIT");
	assert_null(rec);
	o.version = FORT_READ_OPTS_VERSION;
	assert_int_equal(fort_client_get(&rec, v, client, &o), 0);
	fort_record_free(rec);
}

static void test_import_opts(void **state)
{
	fort_import_opts o = FORT_IMPORT_OPTS_INIT;
	fort_import_report *rep = NULL;
	(void)state;
	spit(path_of("in.csv"), "full_name,email\nIan Import,ian@orbit.example\n", 44);
	o.version = FORT_IMPORT_OPTS_VERSION + 1;
	refused(fort_client_import(&rep, v, path_of("in.csv"), &o), "fort_import_opts", NULL);
	fort_import_report_free(rep);
}

static void test_export_opts(void **state)
{
	fort_export_opts o = FORT_EXPORT_OPTS_INIT;
	uint64_t n = 0;
	FILE *f = tmpfile();
	(void)state;
	assert_non_null(f);
	o.purpose = "billing";
	o.version = FORT_EXPORT_OPTS_VERSION + 1;
	refused(fort_client_export(&n, v, f, &o), "fort_export_opts", "FORT_EXPORT_OPTS_INIT");
	o.version = FORT_EXPORT_OPTS_VERSION;
	accepted(fort_client_export(&n, v, f, &o), "fort_export_opts");
	fclose(f);
}

static void test_deadline_query(void **state)
{
	fort_deadline_query q = FORT_DEADLINE_QUERY_INIT;
	fort_deadline d;
	(void)state;
	q.jurisdiction = "EU";
	q.clock = "request";
	q.start = "2026-03-02";
	q.version = FORT_DEADLINE_QUERY_VERSION + 1;
	refused(fort_deadline_compute(&d, &q), "fort_deadline_query", "FORT_DEADLINE_QUERY_INIT");
	q.version = FORT_DEADLINE_QUERY_VERSION;
	assert_int_equal(fort_deadline_compute(&d, &q), 0);
}

static void test_consent_opts(void **state)
{
	fort_consent_opts o = FORT_CONSENT_OPTS_INIT;
	(void)state;
	o.channel = "email";
	o.version = FORT_CONSENT_OPTS_VERSION + 1;
	refused(fort_consent_record(v, client, NULL, "restrict", &o), "fort_consent_opts", "FORT_CONSENT_OPTS_INIT");
	o.version = FORT_CONSENT_OPTS_VERSION;
	assert_int_equal(fort_consent_record(v, client, NULL, "restrict", &o), 0);
	assert_int_equal(fort_consent_record(v, client, NULL, "lift", &o), 0);
}

static void test_request_opts(void **state)
{
	fort_request_opts o = FORT_REQUEST_OPTS_INIT;
	int64_t id = 0;
	(void)state;
	o.version = FORT_REQUEST_OPTS_VERSION + 1;
	refused(fort_request_open(&id, v, "access", client, NULL, &o), "fort_request_opts", "FORT_REQUEST_OPTS_INIT");
	assert_int_equal(id, 0);
	o.version = FORT_REQUEST_OPTS_VERSION;
	accepted(fort_request_open(&id, v, "access", client, NULL, &o), "fort_request_opts");
}

static void test_business_spec(void **state)
{
	fort_business_spec s = FORT_BUSINESS_SPEC_INIT;
	(void)state;
	s.email = "office@orbit.example";
	s.version = FORT_BUSINESS_SPEC_VERSION + 1;
	refused(fort_business_set(v, &s), "fort_business_spec", "FORT_BUSINESS_SPEC_INIT");
	s.version = FORT_BUSINESS_SPEC_VERSION;
	assert_int_equal(fort_business_set(v, &s), 0);
}

static void test_rotate_opts(void **state)
{
	fort_rotate_opts o = FORT_ROTATE_OPTS_INIT;
	fort_rotate_report rep;
	const char *keys[] = { "notes" };
	(void)state;
	o.version = FORT_ROTATE_OPTS_VERSION + 1;
	refused(fort_keys_rotate(&rep, v, keys, 1, &o), "fort_rotate_opts", "FORT_ROTATE_OPTS_INIT");
	refused(fort_user_remove(&rep, v, "nobody", &o), "fort_rotate_opts", "FORT_ROTATE_OPTS_INIT");
	o.version = FORT_ROTATE_OPTS_VERSION;
	assert_int_equal(fort_keys_rotate(&rep, v, keys, 1, &o), 0);
}

static void test_scan_opts(void **state)
{
	fort_scan_opts o = FORT_SCAN_OPTS_INIT;
	const char *paths[] = { dir };
	(void)state;
	o.version = FORT_SCAN_OPTS_VERSION + 1;
	assert_int_equal(fort_scan_run(NULL, paths, 1, &o), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "version"));
}

static void test_attachment_opts(void **state)
{
	fort_attachment_opts o = FORT_ATTACHMENT_OPTS_INIT;
	int64_t id = 0;
	(void)state;
	spit(path_of("a.txt"), "nothing much\n", 13);
	o.version = FORT_ATTACHMENT_OPTS_VERSION + 1;
	refused(fort_attachment_add(&id, v, path_of("a.txt"), &o), "fort_attachment_opts", "FORT_ATTACHMENT_OPTS_INIT");
	assert_int_equal(id, 0);
}

static void test_plan_contact(void **state)
{
	fort_plan_contact c = FORT_PLAN_CONTACT_INIT;
	(void)state;
	assert_int_equal(fort_plan_init(v, NULL, 0), 0);
	c.role = "lead";
	c.name = "Lena Lead";
	c.version = FORT_PLAN_CONTACT_VERSION + 1;
	refused(fort_plan_edit(v, &c, NULL), "fort_plan_contact", "FORT_PLAN_CONTACT_INIT");
	c.version = FORT_PLAN_CONTACT_VERSION;
	assert_int_equal(fort_plan_edit(v, &c, NULL), 0);
}

static void test_drill_record(void **state)
{
	fort_drill_record d = FORT_DRILL_RECORD_INIT;
	int64_t id = 0;
	(void)state;
	d.type = "lost-device";
	d.version = FORT_DRILL_RECORD_VERSION + 1;
	refused(fort_plan_drill_record(&id, v, &d), "fort_drill_record", "FORT_DRILL_RECORD_INIT");
	assert_int_equal(id, 0);
	d.version = FORT_DRILL_RECORD_VERSION;
	accepted(fort_plan_drill_record(&id, v, &d), "fort_drill_record");
}

static void test_mail_msg(void **state)
{
	fort_mail_msg m = FORT_MAIL_MSG_INIT;
	const char *to[] = { "vera@orbit.example" };
	int64_t id = 0;
	(void)state;
	m.to = to;
	m.nto = 1;
	m.subject = "hello";
	m.text = "hello";
	m.version = FORT_MAIL_MSG_VERSION + 1;
	refused(fort_mail_queue(&id, v, &m), "fort_mail_msg", "FORT_MAIL_MSG_INIT");
	assert_int_equal(id, 0);
	m.version = FORT_MAIL_MSG_VERSION;
	accepted(fort_mail_queue(&id, v, &m), "fort_mail_msg");
}

static void test_mail_send_opts(void **state)
{
	fort_mail_send_opts o = FORT_MAIL_SEND_OPTS_INIT;
	fort_mail_send_report rep;
	(void)state;
	o.dry_run = 1;
	o.version = FORT_MAIL_SEND_OPTS_VERSION + 1;
	refused(fort_mail_send(&rep, v, &o, NULL, NULL), "fort_mail_send_opts", "FORT_MAIL_SEND_OPTS_INIT");
	o.version = FORT_MAIL_SEND_OPTS_VERSION;
	accepted(fort_mail_send(&rep, v, &o, NULL, NULL), "fort_mail_send_opts");
}

static void test_doctor_opts(void **state)
{
	fort_doctor_opts o = FORT_DOCTOR_OPTS_INIT;
	fort_doctor_report rep;
	(void)state;
	o.record = 0;
	o.version = FORT_DOCTOR_OPTS_VERSION + 1;
	refused(fort_doctor_run(&rep, v, &o), "fort_doctor_opts", "FORT_DOCTOR_OPTS_INIT");
	o.version = FORT_DOCTOR_OPTS_VERSION;
	assert_int_equal(fort_doctor_run(&rep, v, &o), 0);
}

static void test_incident_assessment(void **state)
{
	fort_incident_assessment a = FORT_INCIDENT_ASSESSMENT_INIT;
	(void)state;
	a.likelihood = 2;
	a.version = FORT_INCIDENT_ASSESSMENT_VERSION + 1;
	refused(fort_incident_assess(v, incident, &a), "fort_incident_assessment", "FORT_INCIDENT_ASSESSMENT_INIT");
	a.version = FORT_INCIDENT_ASSESSMENT_VERSION;
	assert_int_equal(fort_incident_assess(v, incident, &a), 0);
}

static void test_incident_scope(void **state)
{
	fort_incident_scope s = FORT_INCIDENT_SCOPE_INIT;
	(void)state;
	s.category = "contact";
	s.version = FORT_INCIDENT_SCOPE_VERSION + 1;
	refused(fort_incident_scope_add(v, incident, &s), "fort_incident_scope", "FORT_INCIDENT_SCOPE_INIT");
	s.version = FORT_INCIDENT_SCOPE_VERSION;
	assert_int_equal(fort_incident_scope_add(v, incident, &s), 0);
}

static int no_letter(void *ctx, const fort_letter *l)
{
	(void)ctx; (void)l;
	return 0;
}

static void test_letter_opts(void **state)
{
	fort_letter_opts o = FORT_LETTER_OPTS_INIT;
	(void)state;
	o.version = FORT_LETTER_OPTS_VERSION + 1;
	refused(fort_incident_letters(v, incident, &o, no_letter, NULL), "fort_letter_opts", "FORT_LETTER_OPTS_INIT");
}

static void test_incident_review(void **state)
{
	fort_incident_review_spec s = FORT_INCIDENT_REVIEW_INIT;
	(void)state;
	s.what = "a laptop was left on a train";
	s.version = FORT_INCIDENT_REVIEW_VERSION + 1;
	refused(fort_incident_review(v, incident, &s), "fort_incident_review_spec", "FORT_INCIDENT_REVIEW_INIT");
	s.version = FORT_INCIDENT_REVIEW_VERSION;
	assert_int_equal(fort_incident_review(v, incident, &s), 0);
}

static void test_signin_opts(void **state)
{
	fort_signin_opts o = FORT_SIGNIN_OPTS_INIT;
	fort_secret *pass = secret(PASS), *key = NULL;
	(void)state;
	o.version = FORT_SIGNIN_OPTS_VERSION + 1;
	refused(fort_signin(&key, NULL, vault_at("v.db"), "alice", pass, "000000", &o), "fort_signin_opts", "FORT_SIGNIN_OPTS_INIT");
	assert_null(key);
	fort_secret_free(pass);
}

static void test_sessions_opts(void **state)
{
	fort_sessions_opts o = FORT_SESSIONS_OPTS_INIT;
	fort_sessions *s = NULL;
	(void)state;
	o.version = FORT_SESSIONS_OPTS_VERSION + 1;
	refused(fort_sessions_new(&s, &o), "fort_sessions_opts", "FORT_SESSIONS_OPTS_INIT");
	assert_null(s);
	o.version = FORT_SESSIONS_OPTS_VERSION;
	accepted(fort_sessions_new(&s, &o), "fort_sessions_opts");
	fort_sessions_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_opts),
		cmocka_unit_test(test_field_spec),
		cmocka_unit_test(test_activity_spec),
		cmocka_unit_test(test_read_opts),
		cmocka_unit_test(test_import_opts),
		cmocka_unit_test(test_export_opts),
		cmocka_unit_test(test_deadline_query),
		cmocka_unit_test(test_consent_opts),
		cmocka_unit_test(test_request_opts),
		cmocka_unit_test(test_business_spec),
		cmocka_unit_test(test_rotate_opts),
		cmocka_unit_test(test_scan_opts),
		cmocka_unit_test(test_attachment_opts),
		cmocka_unit_test(test_plan_contact),
		cmocka_unit_test(test_drill_record),
		cmocka_unit_test(test_mail_msg),
		cmocka_unit_test(test_mail_send_opts),
		cmocka_unit_test(test_doctor_opts),
		cmocka_unit_test(test_incident_assessment),
		cmocka_unit_test(test_incident_scope),
		cmocka_unit_test(test_letter_opts),
		cmocka_unit_test(test_incident_review),
		cmocka_unit_test(test_signin_opts),
		cmocka_unit_test(test_sessions_opts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
