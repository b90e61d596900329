/* test_clock.c - fort_now reads the precise clock.  Linux's time(NULL)
 * reads the coarse clock, up to a tick behind CLOCK_REALTIME: right after a
 * second turns, another process (a TOTP app, a test) is already in the new
 * second while time(NULL) still says the old one, and a sign-in code made
 * for "the next step" at a step's turn looked two steps ahead (the
 * fresh-machine check's server_map_pages_pg, 2026-12-08).  Caught here by
 * sampling fort_now right after CLOCK_REALTIME turns a second, several
 * times: the coarse clock lags at nearly every turn. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>
#include "fortress.h"
#include "util.h"

static void test_now_not_behind_the_precise_clock(void **state)
{
	(void)state;
	for (int turn = 0; turn < 3; turn++) {
		struct timespec a, b;
		int64_t now;

		assert_int_equal(clock_gettime(CLOCK_REALTIME, &a), 0);
		do /* spin to the next second's turn */
			assert_int_equal(clock_gettime(CLOCK_REALTIME, &b), 0);
		while (b.tv_sec == a.tv_sec);
		now = fort_now();
		/* never behind what the precise clock said before the call */
		assert_true(now >= (int64_t)b.tv_sec);
		assert_true(now <= (int64_t)b.tv_sec + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_now_not_behind_the_precise_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
