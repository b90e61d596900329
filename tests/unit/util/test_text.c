/* test_text.c - the one HTML escaper and the one CSV cell writer (issue 16
 * item 4): every document Fortress writes goes through them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "fortress.h"
#include "util.h"

static void test_html_escape(void **state)
{
	fort_buf b;
	(void)state;
	fort_buf_init(&b, 0);
	/* the quote too: the incident letters' title copy left it out */
	fort_html_escape_str(&b, "a<b>&\"c\" 'd'");
	assert_string_equal(b.buf, "a&lt;b&gt;&amp;&quot;c&quot; 'd'");
	fort_buf_reset(&b);
	fort_html_escape(&b, "<x>tail", 3);   /* only N bytes */
	assert_string_equal(b.buf, "&lt;x&gt;");
	fort_buf_release(&b);
}

static void test_csv_cell(void **state)
{
	fort_buf b;
	(void)state;
	fort_buf_init(&b, 0);
	fort_csv_cell(&b, "plain", 0);
	fort_buf_putc(&b, ',');
	fort_csv_cell(&b, "say \"hi\"", 0);
	fort_buf_putc(&b, ',');
	fort_csv_cell(&b, "", 0);
	assert_string_equal(b.buf, "\"plain\",\"say \"\"hi\"\"\",\"\"");
	/* every character a spreadsheet starts a formula with */
	const char *f[] = { "=1+1", "+49 30", "-2", "@SUM(A1)", "\tx", "\rx" };
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		char want[32];
		assert_true(fort_csv_formula(f[i]));
		fort_buf_reset(&b);
		fort_csv_cell(&b, f[i], 0);
		snprintf(want, sizeof want, "\"'%s\"", f[i]);
		assert_string_equal(b.buf, want);
		fort_buf_reset(&b);
		fort_csv_cell(&b, f[i], FORT_CSV_MINIMAL);
		assert_string_equal(b.buf, want);
	}
	assert_false(fort_csv_formula(""));
	assert_false(fort_csv_formula("a=b"));
	/* minimal: quoted only where needed */
	fort_buf_reset(&b);
	fort_csv_cell(&b, "a b", FORT_CSV_MINIMAL);
	fort_buf_putc(&b, '|');
	fort_csv_cell(&b, "a,b", FORT_CSV_MINIMAL);
	fort_buf_putc(&b, '|');
	fort_csv_cell(&b, "a\nb", FORT_CSV_MINIMAL);
	fort_buf_putc(&b, '|');
	fort_csv_cell(&b, "a\"b", FORT_CSV_MINIMAL);
	assert_string_equal(b.buf, "a b|\"a,b\"|\"a\nb\"|\"a\"\"b\"");
	/* CR inside, quotes at both ends and side by side, characters below
	 * and above the one-pass test's bound (',' '-' '*' '#') */
	fort_buf_reset(&b);
	fort_csv_cell(&b, "a\rb", FORT_CSV_MINIMAL);
	fort_buf_putc(&b, '|');
	fort_csv_cell(&b, "\"\"x\"", FORT_CSV_MINIMAL);
	fort_buf_putc(&b, '|');
	fort_csv_cell(&b, "**** *#.!&'()*+/", FORT_CSV_MINIMAL);
	fort_buf_putc(&b, '|');
	fort_csv_cell(&b, "x\"", 0);
	assert_string_equal(b.buf, "\"a\rb\"|\"\"\"\"\"x\"\"\"|**** *#.!&'()*+/|\"x\"\"\"");
	/* fort_csv_quote: no guard (text Fortress reads back as it is) */
	fort_buf_reset(&b);
	fort_csv_quote(&b, "=x\"");
	assert_string_equal(b.buf, "\"=x\"\"\"");
	fort_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_html_escape), cmocka_unit_test(test_csv_cell) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
