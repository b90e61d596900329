/* test_array.c - FORT_ARRAY_GROW, the one array growth (issue 16 item 4):
 * doubling from a minimum, overflow-checked, and on failure the array and
 * its capacity are left as they were. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fortress.h"
#include "util.h"

static void test_grow(void **state)
{
	int64_t *a = NULL;
	size_t n = 0, cap = 0;
	(void)state;
	/* room for need elements, never less; no change when there is room */
	assert_int_equal(FORT_ARRAY_GROW(a, 1, cap, 8), 0);
	assert_non_null(a);
	assert_int_equal(cap, 8);
	for (n = 0; n < 100; n++) {
		assert_int_equal(FORT_ARRAY_GROW(a, n + 1, cap, 8), 0);
		assert_true(cap >= n + 1);
		a[n] = (int64_t)n * 3;
	}
	assert_int_equal(cap, 128);   /* 8, 16, 32, 64, 128 */
	for (n = 0; n < 100; n++)
		assert_int_equal(a[n], (int64_t)n * 3);
	{
		int64_t *before = a;
		assert_int_equal(FORT_ARRAY_GROW(a, 128, cap, 8), 0);
		assert_ptr_equal(a, before);
		assert_int_equal(cap, 128);
	}
	/* a jump past double: straight to the power of two that holds it */
	assert_int_equal(FORT_ARRAY_GROW(a, 1000, cap, 8), 0);
	assert_int_equal(cap, 1024);
	/* overflow: refused, nothing changed */
	{
		int64_t *before = a;
		assert_int_equal(FORT_ARRAY_GROW(a, SIZE_MAX / 4, cap, 8), FORT_ENOMEM);
		assert_ptr_equal(a, before);
		assert_int_equal(cap, 1024);
		assert_int_equal(FORT_ARRAY_GROW(a, SIZE_MAX, cap, 8), FORT_ENOMEM);
		assert_int_equal(cap, 1024);
	}
	/* no memory: refused, the old array still whole */
	fort_alloc_fail_at(1);
	assert_int_equal(FORT_ARRAY_GROW(a, 2000, cap, 8), FORT_ENOMEM);
	fort_alloc_fail_at(0);
	assert_int_equal(cap, 1024);
	assert_int_equal(a[99], 297);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_grow) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
