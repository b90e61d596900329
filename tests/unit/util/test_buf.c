/* test_buf.c - the growable buffer's error is sticky: once an append fails
 * (the cap), later appends fail too and change nothing, and the text
 * cannot be taken as if it were whole (issue 11 item 8). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fortress.h"
#include "util.h"

static void test_sticky(void **state)
{
	fort_buf b;
	(void)state;
	fort_buf_init(&b, 16);
	assert_int_equal(fort_buf_puts(&b, "12345678"), 0);
	assert_int_equal(fort_buf_error(&b), 0);
	/* too long: fails, and so does everything after, even what would fit */
	assert_true(fort_buf_puts(&b, "abcdefghij") < 0);
	assert_true(fort_buf_error(&b) < 0);
	assert_true(fort_buf_putc(&b, 'x') < 0);
	assert_true(fort_buf_put(&b, "y", 1) < 0);
	assert_true(fort_buf_printf(&b, "%d", 7) < 0);
	assert_string_equal(b.buf, "12345678");
	assert_null(fort_buf_detach(&b, NULL));
	/* detach released it: a fresh start works */
	assert_int_equal(fort_buf_error(&b), 0);
	assert_int_equal(fort_buf_puts(&b, "ok"), 0);
	fort_buf_release(&b);
	/* reset clears the error for reuse */
	fort_buf_init_secret(&b, 4);
	assert_true(fort_buf_puts(&b, "toolong") < 0);
	fort_buf_reset(&b);
	assert_int_equal(fort_buf_error(&b), 0);
	assert_int_equal(fort_buf_puts(&b, "abc"), 0);
	assert_string_equal(b.buf, "abc");
	fort_buf_release(&b);
	assert_int_equal(b.secret, 1);
}

/* fort_buf_init_on: the caller's storage while the text fits, the heap
 * past it; the storage wiped when left and at release, never freed (a
 * free of a stack address aborts); detach hands over a heap copy. */
static void test_on_storage(void **state)
{
	char mem[8], *p;
	fort_buf b;
	size_t n = 0;
	(void)state;
	fort_buf_init_on(&b, mem, sizeof mem, 0);
	assert_int_equal(b.secret, 1);
	assert_int_equal(fort_buf_puts(&b, "abcdefg"), 0); /* 7 + NUL: fits */
	assert_ptr_equal(b.buf, mem);
	assert_string_equal(mem, "abcdefg");
	fort_buf_release(&b);
	for (size_t i = 0; i < sizeof mem; i++)
		assert_int_equal(mem[i], 0);
	/* past the storage: moved to the heap, the storage wiped */
	fort_buf_init_on(&b, mem, sizeof mem, 0);
	assert_int_equal(fort_buf_puts(&b, "abcd"), 0);
	assert_int_equal(fort_buf_puts(&b, "efghijkl"), 0);
	assert_ptr_not_equal(b.buf, mem);
	assert_string_equal(b.buf, "abcdefghijkl");
	for (size_t i = 0; i < sizeof mem; i++)
		assert_int_equal(mem[i], 0);
	fort_buf_release(&b); /* frees the heap copy only */
	/* detach: a copy the caller frees, the storage wiped */
	fort_buf_init_on(&b, mem, sizeof mem, 0);
	assert_int_equal(fort_buf_puts(&b, "xyz"), 0);
	p = fort_buf_detach(&b, &n);
	assert_non_null(p);
	assert_ptr_not_equal(p, mem);
	assert_string_equal(p, "xyz");
	assert_int_equal(n, 3);
	assert_int_equal(mem[0], 0);
	free(p);
	/* the cap still holds */
	fort_buf_init_on(&b, mem, sizeof mem, 4);
	assert_true(fort_buf_puts(&b, "toolong") < 0);
	fort_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_sticky), cmocka_unit_test(test_on_storage) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
