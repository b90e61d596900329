/* test_dl.c - fort_dl_need (util/dl.h): a library found and its functions
 * callable through the pointers; a missing library and a missing function
 * refused with a message naming the library, the package and the
 * function; the answer kept (the same on a second call, the pointers
 * untouched after a refusal). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "fortress.h"
#include "util.h"
#include "util/dl.h"

static struct {
	size_t (*strlen)(const char *);
	int (*abs)(int);
} fns;
static const fort_dl_sym good_syms[] = {
	{ "strlen", (void **)&fns.strlen },
	{ "abs", (void **)&fns.abs },
};

static void test_loads(void **state)
{
	fort_dl d = FORT_DL_INIT("libc.so.6", "libc6", good_syms);

	(void)state;
	assert_int_equal(fort_dl_need(&d), 0);
	assert_non_null(fns.strlen);
	assert_int_equal(fns.strlen("fortress"), 8);
	assert_int_equal(fns.abs(-7), 7);
	assert_int_equal(d.state, 1);
	assert_int_equal(fort_dl_need(&d), 0);
}

static void *missing_slot;
static const fort_dl_sym missing_lib_syms[] = { { "strlen", &missing_slot } };

static void test_missing_library(void **state)
{
	fort_dl d = FORT_DL_INIT("libfortress-no-such-library.so.7", "libnosuch7", missing_lib_syms);

	(void)state;
	assert_int_equal(fort_dl_need(&d), FORT_ERROR);
	assert_non_null(strstr(fort_error_message(), "libfortress-no-such-library.so.7 cannot be loaded"));
	assert_non_null(strstr(fort_error_message(), "install the libnosuch7 package"));
	assert_null(missing_slot);
	/* the same answer again, without another attempt */
	fort_error_clear();
	assert_int_equal(fort_dl_need(&d), FORT_ERROR);
	assert_non_null(strstr(fort_error_message(), "libnosuch7"));
}

static void *first_slot, *absent_slot;
static const fort_dl_sym missing_fn_syms[] = {
	{ "strlen", &first_slot },
	{ "fortress_no_such_function", &absent_slot },
};

static void test_missing_function(void **state)
{
	fort_dl d = FORT_DL_INIT("libc.so.6", "libc6", missing_fn_syms);

	(void)state;
	assert_int_equal(fort_dl_need(&d), FORT_ERROR);
	assert_non_null(strstr(fort_error_message(), "libc.so.6 lacks fortress_no_such_function"));
	assert_non_null(strstr(fort_error_message(), "libc6"));
	assert_int_equal(d.state, -1);
	assert_int_equal(fort_dl_need(&d), FORT_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads),
		cmocka_unit_test(test_missing_library),
		cmocka_unit_test(test_missing_function),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
