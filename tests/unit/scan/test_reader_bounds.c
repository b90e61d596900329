/* test_reader_bounds.c - the scan readers against growing input: an mbox
 * of N mails, a zip of N members, one mail with a base64 attachment of N
 * lines, a gzip of N lines, plain text, UTF-16, an office document (many
 * paragraphs; one paragraph of many runs) and a PDF of many pages: time and peak memory grow at most linearly at
 * 2x, 4x, 8x (tests/unit/bounds.h).  The readers promise bounded memory:
 * the mbox, the zip and the attachment are streamed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-reader-bounds-XXXXXX"
#include "fixture.h"
#include "readers_test.h"
#include "bounds.h"

static int c_begin(void *ctx, const char *l) { (void)ctx; (void)l; return 0; }
static int c_text(void *ctx, const char *b, size_t n) { (void)b; *(uint64_t *)ctx += n; return 0; }
static int c_end(void *ctx) { (void)ctx; return 0; }
static void c_skip(void *ctx, const char *l, const char *w) { (void)ctx; (void)l; (void)w; }

static const char *file_for(const char *kind, size_t n)
{
	static char name[64];
	const char *ext = !strcmp(kind, "b64") ? "eml" : !strcmp(kind, "utf16") ? "txt" : !strcmp(kind, "runs") ? "docx" : kind;
	snprintf(name, sizeof name, "%s-%zu.%s", kind, n, ext);
	return path_of(name);
}

/* Files are made in the parent (before the forks), read in the child. */
static void make_files(const char *kind, size_t n)
{
	fort_buf b;
	fort_buf_init(&b, 0);
	if (strcmp(kind, "mbox") == 0) {
		for (size_t i = 0; i < n; i++)
			fort_buf_printf(&b, "From a@b Mon Jan  1 00:00:00 2024\nFrom: Ann <ann%zu@example.com>\nSubject: m%zu\n\n"
					"card 4111 1111 1111 1111, line %zu\n\n", i, i, i);
	} else if (strcmp(kind, "b64") == 0) {
		fort_buf_puts(&b, "From: a@b.c\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=x\n\n--x\n"
			      "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n");
		for (size_t i = 0; i < n; i++)
			fort_buf_puts(&b, "Y2FyZCA0MTExIDExMTEgMTExMSAxMTExLCBhbm5AZXhhbXBsZS5jb20gLS0tLS0tLS0tLS0K\n");
		fort_buf_puts(&b, "--x--\n");
	} else if (!strcmp(kind, "txt")) {
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
	} else if (strcmp(kind, "zip") == 0) {
		member *m = calloc(n, sizeof *m);
		char (*names)[32] = calloc(n, 32);
		static const char body[] = "name,email\nAnn,ann@example.com\n";
		for (size_t i = 0; i < n; i++) {
			snprintf(names[i], 32, "m%zu.csv", i);
			m[i].name = names[i];
			m[i].data = body;
			m[i].len = sizeof body - 1;
		}
		const char *p = write_zip("tmp.zip", m, n);
		rename(p, file_for(kind, n));
		free(m);
		free(names);
	}
	if (strcmp(kind, "zip") != 0) {   /* the zip is written by write_zip */
		assert_int_equal(fort_buf_error(&b), 0);
		spit(file_for(kind, n), b.buf, b.len);
	}
	fort_buf_release(&b);
}

static void read_fn(void *ctx, size_t n)
{
	uint64_t bytes = 0;
	scan_sink s = { c_begin, c_text, c_end, c_skip, &bytes };
	/* the text formats read back at least 20 bytes per unit */
	int text_kind = !strcmp(ctx, "txt") || !strcmp(ctx, "utf16") || !strcmp(ctx, "docx") || !strcmp(ctx, "runs") ||
			!strcmp(ctx, "pdf");
	if (scan_read_container(file_for(ctx, n), NULL, &s) != 0 || bytes == 0 || (text_kind && bytes < 20 * n))
		_exit(5);
}

static void check_kind(const char *kind, size_t n)
{
	n = bound_n(n);
	for (int k = 0; k < 4; k++)
		make_files(kind, n << k);
	make_files(kind, 1);
	bound_assert_linear(kind, read_fn, (void *)kind, n, BOUND_CHECK_RSS);
}

static void test_mbox(void **state) { (void)state; check_kind("mbox", 2000); }
static void test_base64_part(void **state) { (void)state; check_kind("b64", 20000); }
static void test_zip_members(void **state) { (void)state; check_kind("zip", 500); }
static void test_text(void **state) { (void)state; check_kind("txt", 20000); }
static void test_utf16(void **state) { (void)state; check_kind("utf16", 20000); }
static void test_docx_paragraphs(void **state) { (void)state; check_kind("docx", 1500); }
static void test_docx_runs(void **state) { (void)state; check_kind("runs", 1500); }
static void test_pdf(void **state) { (void)state; check_kind("pdf", 400); }


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mbox),
		cmocka_unit_test(test_base64_part),
		cmocka_unit_test(test_zip_members),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_utf16),
		cmocka_unit_test(test_docx_paragraphs),
		cmocka_unit_test(test_docx_runs),
		cmocka_unit_test(test_pdf),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
