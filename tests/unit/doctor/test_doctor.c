/* test_doctor.c - the check-up judges ages against the time given: a
 * vault seen 400 days later has old keys and an idle owner; a fresh one
 * does not; the score is the weighted share; --no-record keeps no history. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fortress.h"

#define FIXTURE_DIR "/tmp/fort-test-doctor-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

static const fort_doctor_check *find(const fort_doctor_report *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->checks[i].name, name) == 0)
			return &r->checks[i];
	fail_msg("no check %s", name);
	return NULL;
}

static void test_ages_and_score(void **state)
{
	fort_vault *v = create_vault("doc.db");
	fort_doctor_opts o = FORT_DOCTOR_OPTS_INIT;
	fort_doctor_report now, later;
	fort_doctor_run_info *h = NULL;
	fort_status st;
	size_t n = 0;
	int wsum = 0, got2 = 0;
	(void)state;
	assert_int_equal(fort_vault_status(&st, v), 0);
	assert_int_equal(fort_doctor_run(&now, v, &o), 0);
	assert_int_equal(find(&now, "key-age")->status, FORT_CHECK_PASS);
	assert_int_equal(find(&now, "users")->status, FORT_CHECK_PASS);
	assert_int_equal(find(&now, "backup")->status, FORT_CHECK_FAIL);
	assert_true(find(&now, "backup")->next_step[0] != '\0');
	assert_int_equal(find(&now, "plan-drill")->status, FORT_CHECK_FAIL);
	for (size_t i = 0; i < now.n; i++) {
		if (now.checks[i].status == FORT_CHECK_SKIP)
			continue;
		wsum += now.checks[i].weight;
		got2 += now.checks[i].status == FORT_CHECK_PASS ? 2 * now.checks[i].weight :
			now.checks[i].status == FORT_CHECK_WARN ? now.checks[i].weight : 0;
	}
	assert_int_equal(now.score, (got2 * 100 + wsum) / (2 * wsum));
	assert_true(now.score > 0 && now.score < 100);

	o.now = st.created + 400 * 86400;
	o.record = 0;
	assert_int_equal(fort_doctor_run(&later, v, &o), 0);
	assert_int_equal(find(&later, "key-age")->status, FORT_CHECK_WARN);
	assert_non_null(strstr(find(&later, "key-age")->next_step, "keys rotate"));
	assert_int_equal(find(&later, "users")->status, FORT_CHECK_WARN);
	assert_non_null(strstr(find(&later, "users")->detail, "alice"));
	assert_true(later.score < now.score);

	assert_int_equal(fort_doctor_history(&h, &n, v), 0);
	assert_int_equal(n, 1); /* the second run was not recorded */
	assert_int_equal(h[0].score, now.score);
	assert_int_equal((int)h[0].failed, (int)now.failed);
	free(h);
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ages_and_score),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
