/* test_readers_pdf.c - the text layer of PDFs written here by hand (xref
 * offsets computed): pages, a PDF inside a zip, an encrypted PDF, a
 * damaged one, one without text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-readers-pdf-XXXXXX"
#include "fixture.h"
#include "readers_test.h"

/* A PDF with one page per entry of PAGES (NULL: a page without text);
 * ENCRYPT adds a Standard security handler whose password is not empty. */
static void build_pdf(fort_buf *b, const char *const *pages, size_t n, int encrypt)
{
	size_t off[64], nobj = 3 + 2 * n + (encrypt ? 1 : 0);
	assert_true(nobj < 64);
	fort_buf_init(b, 0);
	fort_buf_puts(b, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
	off[1] = b->len;
	fort_buf_puts(b, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	off[2] = b->len;
	fort_buf_puts(b, "2 0 obj\n<< /Type /Pages /Kids [");
	for (size_t i = 0; i < n; i++)
		fort_buf_printf(b, " %zu 0 R", 4 + 2 * i);
	fort_buf_printf(b, " ] /Count %zu >>\nendobj\n", n);
	off[3] = b->len;
	fort_buf_puts(b, "3 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>\nendobj\n");
	for (size_t i = 0; i < n; i++) {
		char content[512];
		if (pages[i])
			snprintf(content, sizeof content, "BT /F1 12 Tf 72 712 Td (%s) Tj ET", pages[i]);
		else
			snprintf(content, sizeof content, "0 0 1 rg 72 72 200 200 re f");
		off[4 + 2 * i] = b->len;
		fort_buf_printf(b, "%zu 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
			"/Resources << /Font << /F1 3 0 R >> >> /Contents %zu 0 R >>\nendobj\n", 4 + 2 * i, 5 + 2 * i);
		off[5 + 2 * i] = b->len;
		fort_buf_printf(b, "%zu 0 obj\n<< /Length %zu >>\nstream\n%s\nendstream\nendobj\n", 5 + 2 * i,
				strlen(content), content);
	}
	if (encrypt) {
		off[nobj] = b->len;
		fort_buf_printf(b, "%zu 0 obj\n<< /Filter /Standard /V 1 /R 2 /P -4 "
			"/O <0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef> "
			"/U <fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210> >>\nendobj\n", nobj);
	}
	size_t xref = b->len;
	fort_buf_printf(b, "xref\n0 %zu\n0000000000 65535 f \n", nobj + 1);
	for (size_t i = 1; i <= nobj; i++)
		fort_buf_printf(b, "%010zu 00000 n \n", off[i]);
	fort_buf_printf(b, "trailer\n<< /Size %zu /Root 1 0 R", nobj + 1);
	if (encrypt)
		fort_buf_printf(b, " /Encrypt %zu 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]", nobj);
	fort_buf_printf(b, " >>\nstartxref\n%zu\n%%%%EOF\n", xref);
}

static void test_pages(void **state)
{
	(void)state;
	const char *pages[] = { "Invoice for Jane Roe", "IBAN DE89 3704 0044 0532 0130 00" };
	fort_buf b;
	rec g = { 0 };
	build_pdf(&b, pages, 2, 0);
	assert_int_equal(scan_sniff("x.pdf", (const unsigned char *)b.buf, b.len), SCAN_KIND_CONTAINER);
	spit(path_of("two.pdf"), b.buf, b.len);
	assert_int_equal(rec_read(&g, path_of("two.pdf"), NULL), 0);
	assert_doc_has(&g, "", "Invoice for Jane Roe\n\f\nIBAN DE89 3704 0044 0532 0130 00");
	assert_int_equal(g.ndocs, 1);
	assert_int_equal(g.nskips, 0);
	rec_free(&g);

	/* inside a zip: read from memory */
	member m[] = { { "docs/two.pdf", b.buf, b.len, 0, 0 } };
	assert_int_equal(rec_read(&g, write_zip("pdf.zip", m, 1), NULL), 0);
	assert_doc_has(&g, "!docs/two.pdf", "IBAN DE89 3704 0044 0532 0130 00");
	rec_free(&g);
	fort_buf_release(&b);
}

static void test_bad_pdfs(void **state)
{
	(void)state;
	const char *pages[] = { "secret text" };
	const char *blank[] = { NULL };
	fort_buf b;
	rec g = { 0 };

	build_pdf(&b, pages, 1, 1);
	spit(path_of("enc.pdf"), b.buf, b.len);
	assert_int_equal(rec_read(&g, path_of("enc.pdf"), NULL), 0);
	assert_skipped(&g, "", "encrypted PDF");
	assert_int_equal(g.ndocs, 0);
	rec_free(&g);
	fort_buf_release(&b);

	const char *junk = "%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> garbage \x01\x02 no xref\n";
	spit(path_of("junk.pdf"), junk, strlen(junk));
	assert_int_equal(rec_read(&g, path_of("junk.pdf"), NULL), 0);
	assert_skipped(&g, "", "damaged PDF");
	assert_int_equal(g.ndocs, 0);
	rec_free(&g);

	/* a truncated PDF inside a zip */
	build_pdf(&b, pages, 1, 0);
	member m[] = { { "cut.pdf", b.buf, 40, 0, 0 } };
	assert_int_equal(rec_read(&g, write_zip("cut.zip", m, 1), NULL), 0);
	assert_skipped(&g, "!cut.pdf", "damaged PDF");
	rec_free(&g);
	fort_buf_release(&b);

	/* a page without a text layer (as a scan would be) */
	build_pdf(&b, blank, 1, 0);
	spit(path_of("scan.pdf"), b.buf, b.len);
	assert_int_equal(rec_read(&g, path_of("scan.pdf"), NULL), 0);
	assert_skipped(&g, "", "no text layer");
	rec_free(&g);
	fort_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_bad_pdfs),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
