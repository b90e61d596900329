/* test_requests.c - client requests: due dates from the rules (the C1
 * vectors through a request), the UK clock (starts at ID, stands still
 * while awaiting clarification), extensions, overdue ordering, refusals
 * with the complaint text, bad input changing nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fortress.h"

#define FIXTURE_DIR "/tmp/fort-test-requests-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

static fort_vault *v;
static char cid[FORT_ID_LEN + 1];

static int64_t open_req(const char *kind, const char *received, const char *jur, int needs_id)
{
	fort_request_opts o = FORT_REQUEST_OPTS_INIT;
	int64_t id = 0;
	o.jurisdiction = jur;
	o.needs_id = needs_id;
	if (fort_request_open(&id, v, kind, cid, received, &o) != 0)
		fail_msg("open %s %s: %s", kind, received, fort_error_message());
	return id;
}

static void due_is(int64_t id, const char *due)
{
	fort_request_info r;
	assert_int_equal(fort_request_get(&r, v, id, "2026-01-01"), 0);
	assert_string_equal(r.due, due);
}

static void test_gdpr(void **state)
{
	fort_request_info r;
	(void)state;
	v = create_vault("req.db");
	{
		fort_kv kv = { "full_name", "Jane Doe" };
		assert_int_equal(fort_client_add(cid, v, &kv, 1), 0);
	}
	/* month end on a Saturday rolls to Monday; a leap year; a plain month */
	due_is(open_req("access", "2026-01-31", NULL, 0), "2026-03-02");
	due_is(open_req("erasure", "2026-08-01", NULL, 0), "2026-09-01");
	{
		int64_t id = open_req("portability", "2026-01-31", "EU", 0);
		assert_int_equal(fort_request_get(&r, v, id, NULL), 0);
		assert_string_equal(r.extension_notice_due, "2026-03-02");
		assert_string_equal(r.max_due, "2026-04-30");
		/* too late to extend after the first month */
		assert_int_equal(fort_request_update(NULL, v, id, "extend", "2026-03-05", "complex"), FORT_EINPUT);
		/* an extension needs its reasons */
		assert_int_equal(fort_request_update(NULL, v, id, "extend", "2026-02-20", NULL), FORT_EINPUT);
		assert_int_equal(fort_request_update(NULL, v, id, "extend", "2026-02-20", "many records"), 0);
		due_is(id, "2026-04-30");
		assert_int_equal(fort_request_update(NULL, v, id, "extend", "2026-02-21", "again"), FORT_EINPUT);
		/* the EU clock does not pause */
		assert_int_equal(fort_request_update(NULL, v, id, "pause", "2026-02-21", NULL), FORT_EINPUT);
		assert_int_equal(fort_request_update(NULL, v, id, "answer", "2026-04-01", NULL), 0);
		assert_int_equal(fort_request_get(&r, v, id, "2026-12-01"), 0);
		assert_string_equal(r.state, "answered");
		assert_int_equal(r.overdue, 0);
		/* closed: no more steps */
		assert_int_equal(fort_request_update(NULL, v, id, "start", NULL, NULL), FORT_EINPUT);
	}
}

static void test_uk_and_ccpa(void **state)
{
	fort_request_info r;
	int64_t uk, ca;
	(void)state;
	uk = open_req("access", "2026-03-03", "UK", 1);
	assert_int_equal(fort_request_get(&r, v, uk, NULL), 0);
	assert_string_equal(r.due, "");            /* no clock before the ID */
	assert_string_equal(r.state, "awaiting_id");
	assert_int_equal(fort_request_verify_id(v, uk, "id-card", 1, "2026-03-03"), 0);
	due_is(uk, "2026-04-07");                   /* Good Friday + Easter Monday (England) */
	/* a 10-day wait for clarification moves it */
	assert_int_equal(fort_request_update(NULL, v, uk, "pause", "2026-03-10", "which account?"), 0);
	assert_int_equal(fort_request_update(NULL, v, uk, "pause", "2026-03-11", NULL), FORT_EINPUT);
	assert_int_equal(fort_request_update(NULL, v, uk, "resume", "2026-03-20", NULL), 0);
	due_is(uk, "2026-04-13");
	assert_int_equal(fort_request_get(&r, v, uk, NULL), 0);
	assert_int_equal(r.paused_days, 10);
	assert_string_equal(r.id_result, "verified");

	ca = open_req("access", "2026-05-01", "CA", 0);
	assert_int_equal(fort_request_get(&r, v, ca, NULL), 0);
	assert_string_equal(r.ack_due, "2026-05-15");
	assert_string_equal(r.due, "2026-06-14");
	assert_string_equal(r.max_due, "2026-07-29");
}

static void test_list_and_refuse(void **state)
{
	fort_request_info *a = NULL;
	size_t n = 0;
	char *letter = NULL;
	int64_t late;
	(void)state;
	/* as of 2026-03-05 the EU request due 2026-03-02 is overdue and first */
	assert_int_equal(fort_request_list(&a, &n, v, NULL, 1, "2026-03-05"), 0);
	assert_true(n >= 3);
	assert_int_equal(a[0].overdue, 1);
	assert_string_equal(a[0].due, "2026-03-02");
	for (size_t i = 1; i < n; i++) {
		assert_true(a[i - 1].overdue >= a[i].overdue);
		if (a[i - 1].overdue == a[i].overdue && a[i].due[0] && a[i - 1].due[0])
			assert_true(strcmp(a[i - 1].due, a[i].due) <= 0);
		assert_string_equal(a[i].closed, ""); /* open ones only */
	}
	free(a);
	/* a refusal needs a reason and carries the complaint and court text */
	late = open_req("objection", "2026-06-01", NULL, 0);
	assert_int_equal(fort_request_update(&letter, v, late, "refuse", "2026-06-05", NULL), FORT_EINPUT);
	assert_null(letter);
	assert_int_equal(fort_request_update(&letter, v, late, "refuse", "2026-06-05", "manifestly unfounded"), 0);
	assert_non_null(letter);
	assert_non_null(strstr(letter, "manifestly unfounded"));
	assert_non_null(strstr(letter, "lodge a complaint with a supervisory authority"));
	assert_non_null(strstr(letter, "Art. 77"));
	assert_non_null(strstr(letter, "judicial remedy"));
	assert_non_null(strstr(letter, "Art. 79"));
	/* the vault is in DE with no Land: no authority can be named, and the
	 * federal BfDI (not competent for a private business) is not */
	assert_null(strstr(letter, "Bundesbeauftragte"));
	free(letter);
	{
		fort_business_spec b = FORT_BUSINESS_SPEC_INIT;
		int64_t again = open_req("objection", "2026-06-01", NULL, 0);
		b.state = "de-be";
		assert_int_equal(fort_business_set(v, &b), 0);
		assert_int_equal(fort_request_update(&letter, v, again, "refuse", "2026-06-05", "manifestly unfounded"), 0);
		assert_non_null(strstr(letter, "Berliner Beauftragte"));
		assert_null(strstr(letter, "Bundesbeauftragte"));
		free(letter);
	}
	expect_verified(v);
}

static void test_bad_input(void **state)
{
	fort_request_opts o = FORT_REQUEST_OPTS_INIT;
	fort_request_info *a = NULL;
	size_t before = 0, after = 0;
	int64_t id;
	(void)state;
	assert_int_equal(fort_request_list(&a, &before, v, NULL, 0, NULL), 0);
	free(a);
	assert_int_equal(fort_request_open(&id, v, "complaint", cid, "2026-01-05", NULL), FORT_EINPUT);
	assert_int_equal(fort_request_open(&id, v, "access", "c-00000000000000ff", "2026-01-05", NULL), FORT_ENOTFOUND);
	assert_int_equal(fort_request_open(&id, v, "access", cid, "2026-13-01", NULL), FORT_EINPUT);
	assert_int_equal(fort_request_open(&id, v, "access", cid, "yesterday", NULL), FORT_EINPUT);
	assert_int_equal(fort_request_open(&id, v, "access", cid, "2099-01-01", NULL), FORT_EINPUT);
	o.jurisdiction = "Narnia";
	assert_int_equal(fort_request_open(&id, v, "access", cid, "2026-01-05", &o), FORT_ENOTFOUND);
	{
		fort_request_info r;
		assert_int_equal(fort_request_get(&r, v, 9999, NULL), FORT_ENOTFOUND);
	}
	assert_int_equal(fort_request_list(&a, &after, v, NULL, 0, NULL), 0);
	free(a);
	assert_int_equal(before, after);
	fort_vault_close(v);
}

static int file_has(const char *p, const char *needle)
{
	FILE *f = fopen(p, "rb");
	char *buf;
	long n;
	int found;
	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	found = memmem(buf, (size_t)n, needle, strlen(needle)) != NULL;
	free(buf);
	return found;
}

/* Rectification: once answered, the WAL that held the old record's pages
 * has been checkpointed and truncated (secure_delete already zeroed them
 * in the file), and no value is ever in the clear. */
static void test_rectification(void **state)
{
	fort_vault *rv = create_vault("rect.db");
	fort_kv kv = { "full_name", "Wrong Name" }, fix = { "full_name", "Right Name" };
	char id[FORT_ID_LEN + 1];
	fort_request_opts o = FORT_REQUEST_OPTS_INIT;
	int64_t rid = 0;
	(void)state;
	assert_int_equal(fort_client_add(id, rv, &kv, 1), 0);
	assert_int_equal(fort_request_open(&rid, rv, "rectification", id, "2026-11-02", &o), 0);
	assert_int_equal(fort_client_edit(rv, id, &fix, 1), 0);
	assert_int_equal(fort_request_update(NULL, rv, rid, "answer", NULL, NULL), 0);
	/* the WAL was checkpointed and truncated: nothing of the old record is left in it */
	{
		struct stat sb;
		assert_true(stat(path_of("rect.db-wal"), &sb) != 0 || sb.st_size == 0);
	}
	assert_int_equal(file_has(vault_at("rect.db"), "Wrong Name"), 0);
	assert_int_equal(file_has(vault_at("rect.db"), "Right Name"), 0);
	fort_vault_close(rv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gdpr),
		cmocka_unit_test(test_uk_and_ccpa),
		cmocka_unit_test(test_list_and_refuse),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_rectification),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
