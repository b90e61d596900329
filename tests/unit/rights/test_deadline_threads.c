/* test_deadline_threads.c - the first use of the deadline tables from many
 * threads at once: each table is parsed once and every thread gets the same
 * answer (run under ASan/UBSan by `make check`).  Its own executable, so the
 * tables are not loaded before the threads start. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <string.h>
#include <cmocka.h>
#include "fortress.h"

#define THREADS 8

static pthread_barrier_t go;

struct job {
	const char *jur, *clock, *region, *start, *want;
	int r;
	char got[32];
};

static void *run(void *arg)
{
	struct job *j = arg;
	fort_deadline_query q = FORT_DEADLINE_QUERY_INIT;
	fort_deadline d;

	q.jurisdiction = j->jur;
	q.clock = j->clock;
	q.region = j->region;
	q.start = j->start;
	pthread_barrier_wait(&go);
	if ((j->r = fort_deadline_compute(&d, &q)) == 0)
		memcpy(j->got, d.due, sizeof(j->got));
	return NULL;
}

static void test_first_use_from_threads(void **state)
{
	static const struct job kinds[] = {
		{ "UK", "request", "GB-ENG", "2026-03-03", "2026-04-07", 0, "" },
		{ "UK", "request", "GB-SCT", "2026-03-03", "2026-04-06", 0, "" },
		{ "CA", "request", NULL, "2026-05-01", "2026-06-14", 0, "" },
		{ "EU", "request", "DE", "2026-12-01", "2027-01-04", 0, "" },
	};
	struct job jobs[THREADS];
	pthread_t t[THREADS];

	(void)state;
	assert_int_equal(pthread_barrier_init(&go, NULL, THREADS), 0);
	for (int i = 0; i < THREADS; i++) {
		jobs[i] = kinds[i % 4];
		assert_int_equal(pthread_create(&t[i], NULL, run, &jobs[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(jobs[i].r, 0);
		assert_string_equal(jobs[i].got, jobs[i].want);
	}
	pthread_barrier_destroy(&go);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_use_from_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
