/* test_scan_bounds.c - the scan engine and the readers test_reader_bounds.c
 * does not cover, against growing input (issue 13, item 3): time and peak
 * memory grow at most linearly at 2x, 4x, 8x (tests/unit/bounds.h).
 *
 * The engine (fort_scan_buffer, every detector) gets ordinary text full of
 * client data, and the shapes that make pattern matchers slow: one long
 * line, long runs of digits, of digit groups, of '@' and '.', of letters
 * and digits (IBAN-like), of capitalised words (names).  The readers: plain
 * text, UTF-16, an office document (many paragraphs; one paragraph of many
 * runs) and a PDF of many pages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-scan-bounds-XXXXXX"
#include "fixture.h"
#include "readers_test.h"
#include "bounds.h"

/* ---- the engine ---- */

typedef struct {
	const char *name;
	const char *unit;       /* repeated N times */
	size_t min_findings;    /* per unit, at least (0: any) */
} engine_case;

static fort_buf text;

static int count_finding(void *ctx, const fort_scan_finding *f)
{
	(void)f;
	(*(size_t *)ctx)++;
	return 0;
}

static void make_text(const engine_case *c, size_t n)
{
	fort_buf_init(&text, 0);
	for (size_t i = 0; i < n; i++)
		fort_buf_puts(&text, c->unit);
	assert_int_equal(fort_buf_error(&text), 0);
}

static void engine_fn(void *ctx, size_t n)
{
	const engine_case *c = ctx;
	fort_scan_opts o = FORT_SCAN_OPTS_INIT;
	size_t found = 0;
	make_text(c, n);
	o.jobs = 1;
	o.on_finding = count_finding;
	o.ctx = &found;
	if (fort_scan_buffer(NULL, "bounds.txt", text.buf, text.len, &o) != 0)
		_exit(5);
	if (found < c->min_findings * n)
		_exit(6);
	fort_buf_release(&text);
}

static void test_engine(void **state)
{
	static const engine_case cases[] = {
		{ "client data, line by line",
		  "Jane Roe <jane.roe@example.com>, +49 30 1234567, IBAN DE89 3704 0044 0532 0130 00, "
		  "card 4111 1111 1111 1111, born 1980-02-29\n", 3 },
		{ "one long line of words", "lorem ipsum dolor sit amet ", 0 },
		{ "a run of digits", "4111111111", 0 },
		{ "a run of digit groups", "4111 1111 ", 0 },
		{ "a run of '@' and '.'", "a@b.", 0 },
		{ "a run of '@'", "@@@@", 0 },
		{ "a run of e-mail-like words without a domain", "jane.roe@example", 0 },
		{ "a run of letters and digits (IBAN-like)", "DE89AB12", 0 },
		{ "a run of capitalised words", "Jane Roe Anna ", 0 },
		{ "a run of '+' and digits", "+49 +30 ", 0 },
		{ "a run of dates", "2024-01-01-", 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		/* about 100 KB at n, 800 KB at 8n */
		size_t n = bound_n(100000 / strlen(cases[i].unit));
		bound_assert_linear(cases[i].name, engine_fn, (void *)&cases[i], n, BOUND_CHECK_RSS);
	}
}

/* ---- the readers ---- */

static int c_begin(void *ctx, const char *l) { (void)ctx; (void)l; return 0; }
static int c_text(void *ctx, const char *b, size_t n) { (void)b; *(uint64_t *)ctx += n; return 0; }
static int c_end(void *ctx) { (void)ctx; return 0; }
static void c_skip(void *ctx, const char *l, const char *w) { (void)ctx; (void)l; (void)w; }

static const char *file_for(const char *kind, size_t n)
{
	static char name[64];
	const char *ext = !strcmp(kind, "utf16") ? "txt" : !strcmp(kind, "runs") ? "docx" : kind;
	snprintf(name, sizeof name, "%s-%zu.%s", kind, n, ext);
	return path_of(name);
}

/* Files are made in the parent (before the forks), read in the children. */
static void make_file(const char *kind, size_t n)
{
	fort_buf b;
	fort_buf_init(&b, 0);
	if (!strcmp(kind, "txt")) {
		for (size_t i = 0; i < n; i++)
			fort_buf_printf(&b, "line %zu: Jane Roe, jane%zu@example.com, +49 30 1234567\n", i, i);
	} else if (!strcmp(kind, "utf16")) {
		fort_buf_puts(&b, "\xff\xfe");
		for (size_t i = 0; i < n; i++) {
			char line[96];
			int len = snprintf(line, sizeof line, "line %zu: jane%zu@example.com\n", i, i);
			for (int k = 0; k < len; k++) {
				fort_buf_putc(&b, line[k]);
				fort_buf_putc(&b, '\0');
			}
		}
	} else if (!strcmp(kind, "docx")) {
		const char **paras = calloc(n, sizeof *paras);
		for (size_t i = 0; i < n; i++)
			paras[i] = "Client: Jane Roe, jane.roe@example.com, +49 30 1234567";
		fort_buf_release(&b);
		build_docx(&b, paras, n);
		free(paras);
	} else if (!strcmp(kind, "runs")) {
		/* one paragraph of N runs: the text of a paragraph is joined */
		fort_buf doc;
		fort_buf_init(&doc, 0);
		fort_buf_puts(&doc, "<w:document xmlns:w=\"w\"><w:body><w:p>");
		for (size_t i = 0; i < n; i++)
			fort_buf_puts(&doc, "<w:r><w:t>Jane Roe jane@example.com </w:t></w:r>");
		fort_buf_puts(&doc, "</w:p></w:body></w:document>");
		member m[] = {
			MEMBER("[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>"),
			{ "word/document.xml", doc.buf, doc.len, 0, 0 },
		};
		build_archive(&b, m, 2, 0, NULL);
		fort_buf_release(&doc);
	} else if (!strcmp(kind, "pdf")) {
		fort_buf md;
		unsigned char *pdf = NULL;
		size_t len = 0;
		fort_buf_init(&md, 0);
		for (size_t i = 0; i < n; i++)
			fort_buf_printf(&md, "Paragraph %zu for Jane Roe, jane%zu@example.com, +49 30 1234567.\n\n", i, i);
		assert_int_equal(fort_letter_pdf(&pdf, &len, md.buf, "Bounds"), 0);
		fort_buf_put(&b, pdf, len);
		free(pdf);
		fort_buf_release(&md);
	}
	assert_int_equal(fort_buf_error(&b), 0);
	spit(file_for(kind, n), b.buf, b.len);
	fort_buf_release(&b);
}

static void read_fn(void *ctx, size_t n)
{
	uint64_t bytes = 0;
	scan_sink s = { c_begin, c_text, c_end, c_skip, &bytes };
	if (scan_read_container(file_for(ctx, n), NULL, &s) != 0 || bytes < 20 * n)
		_exit(5);
}

static void check_kind(const char *kind, size_t n)
{
	n = bound_n(n);
	for (int k = 0; k < 4; k++)
		make_file(kind, n << k);
	make_file(kind, 1);
	bound_assert_linear(kind, read_fn, (void *)kind, n, BOUND_CHECK_RSS);
}

static void test_text(void **state) { (void)state; check_kind("txt", 20000); }
static void test_utf16(void **state) { (void)state; check_kind("utf16", 20000); }
static void test_docx_paragraphs(void **state) { (void)state; check_kind("docx", 1500); }
static void test_docx_runs(void **state) { (void)state; check_kind("runs", 1500); }
static void test_pdf(void **state) { (void)state; check_kind("pdf", 400); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_utf16),
		cmocka_unit_test(test_docx_paragraphs),
		cmocka_unit_test(test_docx_runs),
		cmocka_unit_test(test_pdf),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
