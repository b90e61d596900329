/* test_readers_office.c - DOCX, XLSX, PPTX, ODT and ODS built here (a zip
 * and the XML members): the text, one paragraph or row a line; no DOCTYPE
 * tricks; damaged XML. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-readers-office-XXXXXX"
#include "fixture.h"
#include "readers_test.h"

#define CT MEMBER("[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>")

static void test_docx(void **state)
{
	(void)state;
	static const char *paras[] = { "Client: Jane Roe", "Phone +44 20 7946 0958", "A &amp; B &lt;ok&gt;" };
	fort_buf b;
	rec g = { 0 };
	build_docx(&b, paras, 3);
	spit(path_of("letter.docx"), b.buf, b.len);
	assert_int_equal(rec_read(&g, path_of("letter.docx"), NULL), 0);
	assert_doc_has(&g, "!word/document.xml", "Client: Jane Roe\nPhone +44 20 7946 0958\nA & B <ok>\n");
	/* drawing offsets and styles are not text */
	assert_null(strstr(rec_doc(&g, "!word/document.xml"), "1234567"));
	assert_null(rec_doc(&g, "!word/styles.xml"));
	assert_null(rec_doc(&g, "![Content_Types].xml"));
	assert_int_equal(g.ndocs, 1);
	rec_free(&g);
	/* recognised by its first member, whatever the name */
	spit(path_of("letter.bin"), b.buf, b.len);
	assert_int_equal(rec_read(&g, path_of("letter.bin"), NULL), 0);
	assert_doc_has(&g, "!word/document.xml", "Client: Jane Roe\n");
	rec_free(&g);
	fort_buf_release(&b);

	/* runs, tabs, breaks, headers, comments */
	member m[] = {
		CT,
		MEMBER("word/document.xml", "<w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:t>Jo</w:t></w:r><w:r><w:t>hn</w:t></w:r>"
			"<w:r><w:tab/><w:t>Smith</w:t><w:br/><w:t>line two</w:t></w:r></w:p>"
			"<w:p><w:r><w:instrText>HYPERLINK x</w:instrText><w:delText>deleted 555-0100</w:delText></w:r></w:p></w:body></w:document>"),
		MEMBER("word/header1.xml", "<w:hdr xmlns:w=\"w\"><w:p><w:r><w:t>Header: ACME Ltd</w:t></w:r></w:p></w:hdr>"),
		MEMBER("word/comments.xml", "<w:comments xmlns:w=\"w\"><w:comment><w:p><w:r><w:t>ask ann@example.com</w:t></w:r></w:p></w:comment></w:comments>"),
		MEMBER("word/media/image1.png", "\x89PNG\r\n\x1a\n"),
	};
	assert_int_equal(rec_read(&g, write_zip("runs.docx", m, 5), NULL), 0);
	assert_doc_has(&g, "!word/document.xml", "John\tSmith\nline two\ndeleted 555-0100\n");
	assert_null(strstr(rec_doc(&g, "!word/document.xml"), "HYPERLINK"));
	assert_doc_has(&g, "!word/header1.xml", "Header: ACME Ltd\n");
	assert_doc_has(&g, "!word/comments.xml", "ask ann@example.com\n");
	assert_int_equal(g.nskips, 0);   /* the image is not reported: it is not the user's text */
	rec_free(&g);
}

static void test_xlsx_pptx(void **state)
{
	(void)state;
	member x[] = {
		CT,
		MEMBER("xl/sharedStrings.xml", "<sst xmlns=\"s\"><si><t>Name</t></si><si><t>Jane Roe</t></si>"
			"<si><r><t>rich </t></r><r><t>text</t></r><rPh><t>READING</t></rPh></si></sst>"),
		MEMBER("xl/worksheets/sheet1.xml", "<worksheet xmlns=\"s\"><sheetData>"
			"<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"inlineStr\"><is><t>IBAN</t></is></c></row>"
			"<row r=\"2\"><c r=\"A2\" t=\"s\"><v>1</v></c><c r=\"B2\" t=\"inlineStr\"><is><t>DE89 3704 0044 0532 0130 00</t></is></c>"
			"<c r=\"C2\"><f>SUM(A1:A2)</f><v>4111111111111111</v></c></row></sheetData></worksheet>"),
		MEMBER("xl/styles.xml", "<styleSheet><numFmt formatCode=\"0.00\"/></styleSheet>"),
	};
	rec g = { 0 };
	assert_int_equal(rec_read(&g, write_zip("book.xlsx", x, 4), NULL), 0);
	assert_doc_has(&g, "!xl/sharedStrings.xml", "Name\nJane Roe\nrich text\n");
	assert_null(strstr(rec_doc(&g, "!xl/sharedStrings.xml"), "READING"));
	/* shared-string indexes are not values; formulas are not text */
	assert_doc_has(&g, "!xl/worksheets/sheet1.xml", "\tIBAN\t\n\tDE89 3704 0044 0532 0130 00\t4111111111111111\t\n");
	assert_null(strstr(rec_doc(&g, "!xl/worksheets/sheet1.xml"), "SUM"));
	assert_int_equal(g.ndocs, 2);
	rec_free(&g);

	member p[] = {
		CT,
		MEMBER("ppt/slides/slide1.xml", "<p:sld xmlns:p=\"p\" xmlns:a=\"a\"><p:txBody><a:p><a:r><a:t>Quarterly review</a:t></a:r></a:p>"
			"<a:p><a:r><a:t>Contact: bob@example.com</a:t></a:r></a:p></p:txBody></p:sld>"),
		MEMBER("ppt/notesSlides/notesSlide1.xml", "<p:notes xmlns:p=\"p\" xmlns:a=\"a\"><a:p><a:r><a:t>call +1 202 555 0143</a:t></a:r></a:p></p:notes>"),
		MEMBER("ppt/slideLayouts/slideLayout1.xml", "<p:sldLayout xmlns:p=\"p\" xmlns:a=\"a\"><a:p><a:r><a:t>Click to edit</a:t></a:r></a:p></p:sldLayout>"),
	};
	assert_int_equal(rec_read(&g, write_zip("deck.pptx", p, 4), NULL), 0);
	assert_doc_has(&g, "!ppt/slides/slide1.xml", "Quarterly review\nContact: bob@example.com\n");
	assert_doc_has(&g, "!ppt/notesSlides/notesSlide1.xml", "call +1 202 555 0143\n");
	assert_null(rec_doc(&g, "!ppt/slideLayouts/slideLayout1.xml"));
	rec_free(&g);
}

static void test_odf(void **state)
{
	(void)state;
	member t[] = {
		MEMBER("mimetype", "application/vnd.oasis.opendocument.text"),
		MEMBER("content.xml", "<?xml version=\"1.0\"?><office:document-content xmlns:office=\"o\" xmlns:text=\"t\" xmlns:table=\"b\">"
			"<office:automatic-styles><style:style/></office:automatic-styles><office:body><office:text>"
			"<text:h>Meeting notes</text:h><text:p>Jane<text:s/>Roe,<text:tab/>born 1980-02-03</text:p>"
			"<text:p>line<text:line-break/>break <text:span>span</text:span></text:p>"
			"<table:table><table:table-row><table:table-cell><text:p>a1</text:p></table:table-cell>"
			"<table:table-cell><text:p>b1</text:p><text:p>more</text:p></table:table-cell></table:table-row></table:table>"
			"</office:text></office:body></office:document-content>"),
		MEMBER("styles.xml", "<office:document-styles xmlns:office=\"o\" xmlns:text=\"t\"><style:master-page>"
			"<style:footer><text:p>Footer: ACME</text:p></style:footer></style:master-page></office:document-styles>"),
		MEMBER("meta.xml", "<meta><dc:creator>not read</dc:creator></meta>"),
	};
	rec g = { 0 };
	assert_int_equal(rec_read(&g, write_zip("notes.odt", t, 4), NULL), 0);
	assert_doc_has(&g, "!content.xml", "Meeting notes\nJane Roe,\tborn 1980-02-03\nline\nbreak span\na1 \tb1 more \t\n");
	assert_doc_has(&g, "!styles.xml", "Footer: ACME\n");
	assert_null(rec_doc(&g, "!meta.xml"));
	rec_free(&g);

	/* an .ods, named .zip: found by its mimetype member */
	member s[] = {
		MEMBER("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
		MEMBER("content.xml", "<office:document-content xmlns:office=\"o\" xmlns:text=\"t\" xmlns:table=\"b\"><office:body><office:spreadsheet>"
			"<table:table><table:table-row><table:table-cell office:value=\"42\"><text:p>42</text:p></table:table-cell>"
			"<table:table-cell><text:p>x@example.com</text:p></table:table-cell></table:table-row>"
			"<table:table-row><table:table-cell table:number-columns-repeated=\"1000000\"/></table:table-row></table:table>"
			"</office:spreadsheet></office:body></office:document-content>"),
	};
	assert_int_equal(rec_read(&g, write_zip("sheet.zip", s, 2), NULL), 0);
	assert_doc_has(&g, "!content.xml", "42 \tx@example.com \t\n");
	assert_true(strlen(rec_doc(&g, "!content.xml")) < 100);     /* repeats are not expanded */
	rec_free(&g);
}

static void test_hostile_xml(void **state)
{
	(void)state;
	member m[] = {
		CT,
		MEMBER("word/document.xml", "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
			"<w:document xmlns:w=\"w\"><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:document>"),
		MEMBER("word/header1.xml", "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>"
			"<w:hdr xmlns:w=\"w\"><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:hdr>"),
		MEMBER("word/footer1.xml", "<w:ftr xmlns:w=\"w\"><w:p><w:r><w:t>kept before the damage</w:t></w:r></w:p><w:p><w:r><w:t>cut"),
	};
	rec g = { 0 };
	assert_int_equal(rec_read(&g, write_zip("evil.docx", m, 4), NULL), 0);
	assert_skipped(&g, "!word/document.xml", "DOCTYPE");
	assert_null(strstr(rec_doc(&g, "!word/document.xml"), "root"));
	assert_skipped(&g, "!word/header1.xml", "DOCTYPE");
	assert_null(strstr(rec_doc(&g, "!word/header1.xml"), "lol"));
	assert_skipped(&g, "!word/footer1.xml", "damaged XML");
	assert_doc_has(&g, "!word/footer1.xml", "kept before the damage\n");
	rec_free(&g);

	/* an attribute of 5 MiB (incompressible, so no bomb): expat would
	 * hold it whole */
	fort_buf big;
	uint32_t x = 12345;
	fort_buf_init(&big, 0);
	fort_buf_puts(&big, "<w:document xmlns:w=\"w\"><w:p><w:r><w:t>before</w:t></w:r></w:p><w:p a=\"");
	/* 64 KiB of letters, repeated: deflate looks back 32 KiB only */
	static char block[65536];
	for (size_t i = 0; i < sizeof block; i++) {
		x = x * 1103515245u + 12345u;
		block[i] = (char)('a' + (x >> 16) % 26);
	}
	while (big.len < ((size_t)5 << 20))
		fort_buf_put(&big, block, sizeof block);
	fort_buf_puts(&big, "\"/></w:document>");
	member m2[] = { CT, { "word/document.xml", big.buf, big.len, 0, 0 } };
	assert_int_equal(rec_read(&g, write_zip("attr.docx", m2, 2), NULL), 0);
	assert_skipped(&g, "!word/document.xml", "larger than 4 MiB");
	assert_doc_has(&g, "!word/document.xml", "before\n");
	rec_free(&g);
	fort_buf_release(&big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docx),
		cmocka_unit_test(test_xlsx_pptx),
		cmocka_unit_test(test_odf),
		cmocka_unit_test(test_hostile_xml),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
