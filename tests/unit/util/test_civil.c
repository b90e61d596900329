/* test_civil.c - the one civil-date arithmetic (issue 16 item 4): day
 * numbers both ways against known dates and against the C library over
 * centuries, weekdays, leap years, month addition with the end-of-month
 * rule, and times as timegm gives them. */
#define _DEFAULT_SOURCE   /* timegm, for the cross-check */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>
#include "fortress.h"
#include "util.h"

static void test_days(void **state)
{
	int y;
	unsigned m, d;
	(void)state;
	assert_int_equal(fort_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(fort_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(fort_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(fort_days_from_civil(2026, 12, 6), 20793);
	fort_civil_from_days(-719468, &y, &m, &d);     /* 0000-03-01 */
	assert_int_equal(y, 0);
	assert_int_equal(m, 3);
	assert_int_equal(d, 1);
	/* both ways, every day from 1600 to 2400, against timegm/gmtime */
	for (int64_t z = fort_days_from_civil(1600, 1, 1); z <= fort_days_from_civil(2400, 12, 31); z++) {
		struct tm tm;
		time_t t = (time_t)(z * 86400);
		gmtime_r(&t, &tm);
		fort_civil_from_days(z, &y, &m, &d);
		if (y != tm.tm_year + 1900 || m != (unsigned)tm.tm_mon + 1 || d != (unsigned)tm.tm_mday ||
		    fort_days_from_civil(y, m, d) != z || fort_civil_weekday(z) != tm.tm_wday)
			fail_msg("day %lld: %d-%u-%u", (long long)z, y, m, d);
	}
	assert_int_equal(fort_civil_weekday(0), 4);                                /* Thursday */
	assert_int_equal(fort_civil_weekday(fort_days_from_civil(2026, 12, 6)), 0); /* Sunday */
}

static void test_months(void **state)
{
	int y;
	unsigned m, d;
	(void)state;
	assert_true(fort_civil_leap(2024));
	assert_true(fort_civil_leap(2000));
	assert_false(fort_civil_leap(1900));
	assert_false(fort_civil_leap(2026));
	assert_int_equal(fort_civil_month_days(2024, 2), 29);
	assert_int_equal(fort_civil_month_days(2100, 2), 28);
	assert_int_equal(fort_civil_month_days(2026, 4), 30);
	assert_int_equal(fort_civil_month_days(2026, 12), 31);
	assert_int_equal(fort_civil_month_days(2026, 0), 0);
	assert_int_equal(fort_civil_month_days(2026, 13), 0);
	/* 31 January + 1 month: the month's last day */
	y = 2024, m = 1, d = 31;
	fort_civil_add_months(&y, &m, &d, 1);
	assert_int_equal(y, 2024); assert_int_equal(m, 2); assert_int_equal(d, 29);
	y = 2026, m = 1, d = 31;
	fort_civil_add_months(&y, &m, &d, 1);
	assert_int_equal(m, 2); assert_int_equal(d, 28);
	/* across years, both ways */
	y = 2026, m = 11, d = 30;
	fort_civil_add_months(&y, &m, &d, 14);
	assert_int_equal(y, 2028); assert_int_equal(m, 1); assert_int_equal(d, 30);
	y = 2026, m = 3, d = 31;
	fort_civil_add_months(&y, &m, &d, -13);
	assert_int_equal(y, 2025); assert_int_equal(m, 2); assert_int_equal(d, 28);
	y = 2024, m = 2, d = 29;
	fort_civil_add_months(&y, &m, &d, 120);   /* ten years: 2034 has no 29 February */
	assert_int_equal(y, 2034); assert_int_equal(m, 2); assert_int_equal(d, 28);
}

static void test_time(void **state)
{
	struct tm tm = { 0 };
	(void)state;
	assert_int_equal(fort_civil_time(1970, 1, 1, 0, 0, 0), 0);
	assert_int_equal(fort_civil_time(2026, 3, 29, 1, 30, 15), 1774747815);
	tm.tm_year = 2026 - 1900, tm.tm_mon = 11, tm.tm_mday = 6, tm.tm_hour = 23, tm.tm_min = 59, tm.tm_sec = 59;
	assert_int_equal(fort_civil_time(2026, 12, 6, 23, 59, 59), (int64_t)timegm(&tm));
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_days), cmocka_unit_test(test_months), cmocka_unit_test(test_time) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
