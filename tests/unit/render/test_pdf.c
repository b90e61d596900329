/* test_pdf.c - the Markdown subset renders to a PDF that a PDF reader
 * (poppler's pdftotext) reads back: text, accents, lists, tables, pages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "render/pdf.h"
#include "util.h"

/* Render MD, write it to a temporary file, return pdftotext's output. */
static char *roundtrip(const char *md, const char *title)
{
	unsigned char *pdf = NULL;
	size_t len = 0;
	assert_int_equal(render_pdf(md, title, &pdf, &len), 0);
	assert_true(len > 100);
	assert_memory_equal(pdf, "%PDF-", 5);
	char path[] = "/tmp/fort-pdf-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pdf, len), (ssize_t)len);
	close(fd);
	free(pdf);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "pdftotext -layout %s - 2>&1", path);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	fort_buf b;
	fort_buf_init(&b, FORT_BUF_DEFAULT_CAP);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		fort_buf_put(&b, chunk, n);
	assert_int_equal(pclose(f), 0);
	unlink(path);
	return fort_buf_detach(&b, NULL);
}

static void test_elements(void **state)
{
	(void)state;
	const char *md = "# Notification of a personal data breach\n"
			 "\n"
			 "Dear **Zoë Müller**, we owe you 10 € and an “apology”.\n"
			 "\n"
			 "## What you can do\n"
			 "- Change your password at [our site](https://example.org/reset).\n"
			 "- Watch your bank statements.\n"
			 "1. First step\n"
			 "2. Second step\n"
			 "\n"
			 "| Category | Count |\n"
			 "|---|---:|\n"
			 "| financial | 7 |\n"
			 "---\n"
			 "```\n"
			 "code   kept   as is\n"
			 "```\n"
			 "Ünicode outside Windows-1252: 日本\n";
	char *t = roundtrip(md, "Breach letter");
	assert_non_null(strstr(t, "Notification of a personal data breach"));
	assert_non_null(strstr(t, "Zoë Müller"));   /* markers gone, accents kept */
	assert_null(strstr(t, "**"));
	assert_non_null(strstr(t, "10 €"));
	assert_non_null(strstr(t, "“apology”"));
	assert_non_null(strstr(t, "our site (https://example.org/reset)"));
	assert_non_null(strstr(t, "Watch your bank statements."));
	assert_non_null(strstr(t, "Second step"));
	assert_non_null(strstr(t, "financial | 7"));
	assert_null(strstr(t, "|---"));
	const char *code = strstr(t, "code ");  /* monospaced: the spacing is pdftotext's guess */
	assert_non_null(code);
	assert_true(strstr(code, "kept") && strstr(code, "kept") < strchr(code, '\n'));
	assert_non_null(strstr(t, "Windows-1252: ??"));  /* marked, not dropped */
	assert_non_null(strstr(t, "Breach letter - page 1 of 1"));
	free(t);
}

static void test_wrap_and_pages(void **state)
{
	(void)state;
	fort_buf md;
	fort_buf_init(&md, FORT_BUF_DEFAULT_CAP);
	fort_buf_puts(&md, "# Long\n");
	for (int i = 0; i < 400; i++)
		fort_buf_printf(&md, "Paragraph %d has enough words to need wrapping across the width of an A4 page, "
				     "which is about ninety characters of ten point Helvetica per line, and ends with marker%d.\n\n",
				i, i);
	char *t = roundtrip(md.buf, "Plan");
	fort_buf_release(&md);
	/* every paragraph is there, in order, and the last one too */
	const char *at = t;
	for (int i = 0; i < 400; i += 37) {
		char m[32];
		snprintf(m, sizeof m, "marker%d.", i);
		const char *f = strstr(at, m);
		assert_non_null(f);
		at = f;
	}
	assert_non_null(strstr(t, "marker399."));
	/* several pages, numbered "of N" with the same N */
	const char *p1 = strstr(t, "Plan - page 1 of ");
	assert_non_null(p1);
	int total = atoi(p1 + strlen("Plan - page 1 of "));
	assert_true(total >= 10);
	char last[64];
	snprintf(last, sizeof last, "Plan - page %d of %d", total, total);
	assert_non_null(strstr(t, last));
	free(t);
}

static void test_long_word(void **state)
{
	(void)state;
	char md[600];
	memset(md, 'x', 500);
	md[500] = '\0';
	char *t = roundtrip(md, "W");
	size_t xs = 0;
	for (const char *s = t; *s; s++)
		xs += *s == 'x';
	assert_int_equal(xs, 500);  /* cut across lines, nothing lost */
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elements),
		cmocka_unit_test(test_wrap_and_pages),
		cmocka_unit_test(test_long_word),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
