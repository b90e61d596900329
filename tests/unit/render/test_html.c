/* test_html.c - the one Markdown-to-HTML converter (issue 16 item 4), in
 * the three ways its callers use it: the notice (a <p> a line, a version
 * footer), the letters (paragraphs joined by <br>, a style) and the access
 * letter (its history table where the Markdown has one). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "fortress.h"
#include "util.h"
#include "render/html.h"

static const char md[] = "# Title <1>\n\nIntro \"line\"\nsecond line\n\n## Part & more\n"
			 "- **billing**: invoices\n- plain ** item\n\nafter\n| a | b |\n|---|---|\n| 1 | 2 |\nend";

static void test_lines(void **state)
{
	fort_buf h;
	render_html_opts o = { "A \"quoted\" <title>", NULL, 0, NULL, "<footer>v1</footer>\n" };
	(void)state;
	fort_buf_init(&h, 0);
	render_html(&h, md, &o);
	assert_int_equal(fort_buf_error(&h), 0);
	assert_string_equal(h.buf,
		"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>A &quot;quoted&quot; &lt;title&gt;</title>"
		"</head><body>\n"
		"<h1>Title &lt;1&gt;</h1>\n"
		"<p>Intro &quot;line&quot;</p>\n<p>second line</p>\n"
		"<h2>Part &amp; more</h2>\n"
		"<ul>\n<li><strong>billing</strong>: invoices</li>\n<li>plain ** item</li>\n</ul>\n"
		"<p>after</p>\n"
		"<p>end</p>\n"
		"<footer>v1</footer>\n</body></html>\n");
	fort_buf_release(&h);
}

static void test_joined(void **state)
{
	fort_buf h;
	render_html_opts o = { "L", "<style>x</style>", 1, NULL, NULL };
	(void)state;
	fort_buf_init(&h, 0);
	render_html(&h, "Dear Ann,\n\nWe write\nto you.\n- one\n- two\nback\n# H\ntext", &o);
	assert_string_equal(h.buf,
		"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>L</title><style>x</style></head><body>\n"
		"<p>Dear Ann,</p>\n"
		"<p>We write<br>\nto you.</p>\n"
		"<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
		"<p>back</p>\n<h1>H</h1>\n<p>text</p>\n</body></html>\n");
	fort_buf_release(&h);
}

static void test_table(void **state)
{
	fort_buf h;
	render_html_opts o = { "T", NULL, 0, "<table><tr><td>x</td></tr>\n", NULL };
	(void)state;
	fort_buf_init(&h, 0);
	render_html(&h, "before\n| a |\n|---|\n| 1 |\nafter\n| b |", &o);
	assert_string_equal(h.buf,
		"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>T</title></head><body>\n"
		"<p>before</p>\n<table><tr><td>x</td></tr>\n</table>\n<p>after</p>\n"
		"<table><tr><td>x</td></tr>\n</table>\n</body></html>\n");
	fort_buf_release(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_lines), cmocka_unit_test(test_joined), cmocka_unit_test(test_table) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
