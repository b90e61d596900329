/* test_readers_mime.c - mail: .eml and mbox, headers with encoded-words,
 * nested multiparts, base64 and quoted-printable, charsets, HTML,
 * attachments read by their content, broken parts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-readers-mime-XXXXXX"
#include "fixture.h"
#include "readers_test.h"

/* A multipart/mixed mail: a multipart/alternative (QP plain + HTML), a
 * Windows-1252 part, a CSV and a DOCX attached in base64, a forwarded
 * message. */
static void make_mail(fort_buf *b)
{
	static const char *paras[] = { "Contract for Jane Roe", "IBAN GB82 WEST 1234 5698 7654 32" };
	const char *csv = "name,email\nAnn Example,ann@example.com\n";
	fort_buf docx;
	build_docx(&docx, paras, 2);
	fort_buf_init(b, 0);
	fort_buf_puts(b,
		"Received: from mx.example.net (10.1.2.3) by mail.example.org\r\n"
		"Message-ID: <abc@example.org>\r\n"
		"From: =?ISO-8859-1?Q?J=F6rg_M=FCller?= <joerg@example.com>\r\n"
		"To: Ann Example <ann@example.com>,\r\n"
		" Bob Example <bob@example.com>\r\n"
		"Subject: =?UTF-8?B?UmVjaG51bmcgZsO8ciBKYW5lIFJvZQ==?=\r\n"
		"Date: Sun, 29 Nov 2026 10:00:00 +0100\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
		"\r\n"
		"This is a multi-part message.\r\n"
		"--outer\r\n"
		"Content-Type: multipart/alternative; boundary=\"alt\"\r\n"
		"\r\n"
		"--alt\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n"
		"\r\n"
		"Dear J=C3=B6rg, the IBAN is DE89 3704 0044 0532 =\r\n"
		"0130 00 and the card 4111=201111 1111 1111.\r\n"
		"--alt\r\n"
		"Content-Type: text/html; charset=utf-8\r\n"
		"\r\n"
		"<html><head><style>p { color: red }</style></head><body><p>Call <b>John</b> at &#43;49&nbsp;30 1234567</p>"
		"<script>var s = 'do not show';</script><!-- a comment --><p>mail&#64;example.com &amp; more</p></body></html>\r\n"
		"--alt--\r\n"
		"--outer\r\n"
		"Content-Type: text/plain; charset=windows-1252\r\n"
		"Content-Transfer-Encoding: 8bit\r\n"
		"\r\n"
		"Betrag: \x80 100, Stra\xdf" "e\r\n"
		"--outer\r\n"
		"Content-Type: text/csv; name=\"clients.csv\"\r\n"
		"Content-Disposition: attachment; filename=\"clients.csv\"\r\n"
		"Content-Transfer-Encoding: base64\r\n"
		"\r\n");
	put_base64(b, csv, strlen(csv));
	fort_buf_puts(b,
		"--outer\r\n"
		"Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document\r\n"
		"Content-Disposition: attachment; filename=\"contract.docx\"\r\n"
		"Content-Transfer-Encoding: base64\r\n"
		"\r\n");
	put_base64(b, docx.buf, docx.len);
	fort_buf_puts(b,
		"--outer\r\n"
		"Content-Type: message/rfc822\r\n"
		"\r\n"
		"From: Carol <carol@example.com>\r\n"
		"Subject: forwarded\r\n"
		"Content-Type: text/plain\r\n"
		"\r\n"
		"Carol's phone is +44 20 7946 0958\r\n"
		"--outer--\r\n");
	fort_buf_release(&docx);
}

static void test_eml(void **state)
{
	(void)state;
	fort_buf b;
	rec g = { 0 };
	make_mail(&b);
	spit(path_of("mail.eml"), b.buf, b.len);
	assert_int_equal(scan_sniff(path_of("mail.eml"), (const unsigned char *)b.buf, b.len), SCAN_KIND_CONTAINER);
	/* the same content without the .eml name is still a mail */
	assert_int_equal(scan_sniff("mail.txt", (const unsigned char *)b.buf, b.len), SCAN_KIND_CONTAINER);
	assert_int_equal(rec_read(&g, path_of("mail.eml"), NULL), 0);

	/* headers: decoded, unfolded, transport headers left out */
	assert_doc_has(&g, "", "From: J\xc3\xb6rg M\xc3\xbcller <joerg@example.com>\n");
	assert_doc_has(&g, "", "Subject: Rechnung f\xc3\xbcr Jane Roe\n");
	assert_doc_has(&g, "", "bob@example.com");
	assert_null(strstr(rec_doc(&g, ""), "10.1.2.3"));
	assert_null(strstr(rec_doc(&g, ""), "abc@example.org"));

	/* QP with a soft line break and =20 */
	assert_doc_has(&g, "/part-1", "Dear J\xc3\xb6rg, the IBAN is DE89 3704 0044 0532 0130 00 and the card 4111 1111 1111 1111.");
	/* HTML: tags, script and style gone, entities decoded */
	assert_doc_has(&g, "/part-2", "Call John at +49 30 1234567");
	assert_doc_has(&g, "/part-2", "mail@example.com & more");
	assert_null(strstr(rec_doc(&g, "/part-2"), "do not show"));
	assert_null(strstr(rec_doc(&g, "/part-2"), "color"));
	assert_null(strstr(rec_doc(&g, "/part-2"), "<"));
	/* Windows-1252 */
	assert_doc_has(&g, "/part-3", "Betrag: \xe2\x82\xac 100, Stra\xc3\x9f" "e");
	/* attachments by their content */
	assert_doc_has(&g, "/clients.csv", "Ann Example,ann@example.com\n");
	assert_doc_has(&g, "/contract.docx!word/document.xml", "Contract for Jane Roe\nIBAN GB82 WEST 1234 5698 7654 32\n");
	assert_null(strstr(rec_doc(&g, "/contract.docx!word/document.xml"), "1234567"));
	assert_null(rec_doc(&g, "/contract.docx!word/styles.xml"));
	/* the forwarded message: its headers and its body */
	assert_doc_has(&g, "/part-6", "From: Carol <carol@example.com>");
	assert_doc_has(&g, "/part-6/part-1", "+44 20 7946 0958");
	assert_int_equal(g.nskips, 0);
	rec_free(&g);

	/* depth: the mail is 1, the docx 2; with a limit of 1 it is refused,
	 * and so is the forwarded message */
	scan_limits lim = SCAN_LIMITS_DEFAULT;
	lim.max_depth = 1;
	assert_int_equal(rec_read(&g, path_of("mail.eml"), &lim), 0);
	assert_skipped(&g, "/contract.docx", "too deep");
	assert_skipped(&g, "/part-6", "too deep");
	assert_doc_has(&g, "/clients.csv", "ann@example.com");
	rec_free(&g);

	/* the mail inside a zip */
	member m[] = { { "saved/mail.eml", b.buf, b.len, 0, 0 } };
	assert_int_equal(rec_read(&g, write_zip("mail.zip", m, 1), NULL), 0);
	assert_doc_has(&g, "!saved/mail.eml", "Subject: Rechnung f\xc3\xbcr Jane Roe\n");
	assert_doc_has(&g, "!saved/mail.eml/contract.docx!word/document.xml", "Jane Roe");
	rec_free(&g);
	fort_buf_release(&b);
}

static void test_mbox(void **state)
{
	(void)state;
	const char *mbox =
		"From alice@example.com Sun Nov 29 10:00:00 2026\n"
		"From: Alice <alice@example.com>\n"
		"Subject: one\n"
		"\n"
		"first body, phone 030 1234567\n"
		">From here on, quoted\n"
		">>From stays quoted once\n"
		"\n"
		"From bob@example.com Sun Nov 29 11:00:00 2026\n"
		"From: Bob <bob@example.com>\n"
		"Subject: two\n"
		"Content-Type: multipart/mixed; boundary=b\n"
		"\n"
		"--b\n"
		"Content-Type: text/plain\n"
		"Content-Transfer-Encoding: base64\n"
		"\n"
		"c2Vjb25kIGJvZHkg*** broken\n"
		"--b\n"
		"Content-Type: text/plain\n"
		"\n"
		"still read after the broken part\n"
		"--b--\n"
		"\n"
		"From carol@example.com Sun Nov 29 12:00:00 2026\n"
		"From: Carol <carol@example.com>\n"
		"Subject: three\n"
		"\n"
		"third body\n";
	rec g = { 0 };
	spit(path_of("box.mbox"), mbox, strlen(mbox));
	assert_int_equal(scan_sniff("box", (const unsigned char *)mbox, strlen(mbox)), SCAN_KIND_CONTAINER);
	assert_int_equal(rec_read(&g, path_of("box.mbox"), NULL), 0);
	assert_doc_has(&g, "#1", "Subject: one\n");
	assert_doc_has(&g, "#1/part-1", "first body, phone 030 1234567\nFrom here on, quoted\n>From stays quoted once\n");
	assert_null(strstr(rec_doc(&g, "#1/part-1"), "bob@"));
	assert_doc_has(&g, "#2", "Subject: two\n");
	/* the broken base64 part: what came before the damage, then skipped */
	assert_doc_has(&g, "#2/part-1", "second body ");
	assert_skipped(&g, "#2/part-1", "damaged base64: an invalid character");
	assert_doc_has(&g, "#2/part-2", "still read after the broken part");
	assert_doc_has(&g, "#3", "Subject: three\n");
	assert_doc_has(&g, "#3/part-1", "third body");
	assert_int_equal(g.nskips, 1);
	rec_free(&g);
}

static void test_charsets(void **state)
{
	(void)state;
	const char *mail =
		"From: a@example.com\r\nDate: Sun, 29 Nov 2026 10:00:00 +0100\r\n"
		"Content-Type: multipart/mixed; boundary=x\r\n\r\n"
		"--x\r\nContent-Type: text/plain; charset=iso-8859-2\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
		"Adres: =A3=F3d=BC, ul. Piotrkowska 1\r\n"
		"--x\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
		"plain ascii and M\xc3\xbcller\r\n"
		"--x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
		"bad \xff byte\r\n"
		"--x--\r\n";
	rec g = { 0 };
	spit(path_of("cs.eml"), mail, strlen(mail));
	assert_int_equal(rec_read(&g, path_of("cs.eml"), NULL), 0);
	assert_doc_has(&g, "/part-1", "Adres: \xc5\x81\xc3\xb3" "d\xc5\xba, ul. Piotrkowska 1");
	assert_doc_has(&g, "/part-2", "plain ascii and M\xc3\xbcller");
	/* declared UTF-8 but not: read as Windows-1252, not dropped */
	assert_doc_has(&g, "/part-3", "bad \xc3\xbf byte");
	rec_free(&g);
}

static void test_not_mail(void **state)
{
	(void)state;
	/* notes made of "Label: value" lines are text, not a mail (their lines
	 * would otherwise be read as headers) */
	const char *notes = "Name: John Smith\nEmail: john@example.com\nPhone: 030 1234567\n\nmet at the fair\n";
	assert_int_equal(scan_sniff("notes.txt", (const unsigned char *)notes, strlen(notes)), SCAN_KIND_TEXT);
	const char *prose = "From the desk of Ann: please call\nback tomorrow\n";
	assert_int_equal(scan_sniff("letter.txt", (const unsigned char *)prose, strlen(prose)), SCAN_KIND_TEXT);
	/* a .eml that is not a mail at all: read, nothing lost, nothing crashes */
	const char *junk = "just some text\nwith lines\n";
	rec g = { 0 };
	spit(path_of("junk.eml"), junk, strlen(junk));
	assert_int_equal(scan_sniff("junk.eml", (const unsigned char *)junk, strlen(junk)), SCAN_KIND_TEXT);
	rec_free(&g);
}

/* GMime keeps headers and parts in memory: hostile amounts are cut off */
static void test_hostile_mail(void **state)
{
	(void)state;
	fort_buf b;
	rec g = { 0 };
	fort_buf_init(&b, 0);
	fort_buf_puts(&b, "From: a@example.com\nDate: Sun, 29 Nov 2026 10:00:00 +0100\nSubject: ");
	for (int i = 0; i < 120000; i++)
		fort_buf_puts(&b, "xxxxxxxxx ");
	fort_buf_puts(&b, "\n\nbody\n");
	spit(path_of("hdr.eml"), b.buf, b.len);
	assert_int_equal(rec_read(&g, path_of("hdr.eml"), NULL), 0);
	assert_skipped(&g, "", "a header block larger than 1 MiB");
	rec_free(&g);
	fort_buf_release(&b);

	fort_buf_init(&b, 0);
	fort_buf_puts(&b, "From: a@example.com\nDate: Sun, 29 Nov 2026 10:00:00 +0100\n"
		      "Content-Type: multipart/mixed; boundary=b\n\n");
	for (int i = 0; i < 12000; i++)
		fort_buf_puts(&b, "--b\n\nx\n");
	fort_buf_puts(&b, "--b--\n");
	spit(path_of("parts.eml"), b.buf, b.len);
	assert_int_equal(rec_read(&g, path_of("parts.eml"), NULL), 0);
	assert_skipped(&g, "", "more than 10000 MIME parts");
	rec_free(&g);
	fort_buf_release(&b);

	/* multiparts nested 100 deep: reported, not walked */
	fort_buf_init(&b, 0);
	fort_buf_puts(&b, "From: a@example.com\nDate: Sun, 29 Nov 2026 10:00:00 +0100\n"
		      "Content-Type: multipart/mixed; boundary=b0\n\n");
	for (int i = 1; i < 100; i++)
		fort_buf_printf(&b, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i - 1, i);
	fort_buf_puts(&b, "--b99\nContent-Type: text/plain\n\ndeep text\n");
	for (int i = 99; i >= 0; i--)
		fort_buf_printf(&b, "--b%d--\n", i);
	spit(path_of("deep.eml"), b.buf, b.len);
	assert_int_equal(rec_read(&g, path_of("deep.eml"), NULL), 0);
	assert_skipped(&g, "", "MIME parts nested more than 64 levels");
	rec_free(&g);
	fort_buf_release(&b);
}

static int n_begin(void *ctx, const char *l) { (void)l; ++*(int *)ctx; return 0; }
static int n_text(void *ctx, const char *b, size_t n) { (void)ctx; (void)b; (void)n; return 0; }
static int n_end(void *ctx) { (void)ctx; return 0; }
static void n_skip(void *ctx, const char *l, const char *w) { (void)ctx; (void)l; (void)w; }

/* Allocation N fails, for every N the read makes: out of memory, or the
 * whole text (nothing lost silently); never a crash or a leak (ASan runs
 * this too). */
static void test_alloc_failures(void **state)
{
	(void)state;
	fort_buf b;
	int docs = 0, enomem = 0, ok_in_a_row = 0, n, all;
	scan_sink s = { n_begin, n_text, n_end, n_skip, &docs };
	make_mail(&b);
	member m[] = { { "mail.eml", b.buf, b.len, 0, 0 } };
	const char *p = write_zip("alloc.zip", m, 1);
	assert_int_equal(scan_read_container(p, NULL, &s), 0);
	all = docs;
	assert_int_equal(all, 8);
	for (n = 1; n < 1000 && ok_in_a_row < 20; n++) {
		docs = 0;
		fort_alloc_fail_at((unsigned long)n);
		int rc = scan_read_container(p, NULL, &s);
		fort_alloc_fail_at(0);
		if (rc == 0 && docs != all)
			fail_msg("allocation %d failed: success with %d of %d documents", n, docs, all);
		if (rc != 0 && rc != FORT_ENOMEM)
			fail_msg("allocation %d failed: %d %s", n, rc, fort_error_message());
		ok_in_a_row = rc == 0 ? ok_in_a_row + 1 : 0;
		enomem += rc == FORT_ENOMEM;
	}
	assert_true(ok_in_a_row == 20);
	assert_true(enomem > 5);
	fort_buf_release(&b);
}

static int count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* tests/data/regressions/mime-1.bin: every mail read kept its file open
 * (a GMime stream reference was never dropped), so a scan of 1,500 mails
 * ran out of descriptors.  Read it 300 times, as a file and inside a zip:
 * no descriptor may stay open (and LeakSanitizer, with
 * G_SLICE=always-malloc, sees no memory left behind). */
static void test_no_leak_per_mail(void **state)
{
	char src[1024], *data;
	const char *d = getenv("FORT_TEST_DATA"), *p, *z;
	FILE *f;
	long n;
	int before;
	(void)state;
	snprintf(src, sizeof src, "%s/regressions/mime-1.bin", d ? d : "tests/data");
	assert_non_null(f = fopen(src, "rb"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_non_null(data = malloc((size_t)n));
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	p = path_of("leak.eml");
	spit(p, data, (size_t)n);
	member m[] = { { "leak.eml", data, (size_t)n, 0, 0 } };
	z = write_zip("leak.zip", m, 1);
	before = count_fds();
	for (int i = 0; i < 300; i++) {
		rec g;
		memset(&g, 0, sizeof g);
		assert_int_equal(rec_read(&g, i % 2 ? z : p, NULL), 0);
		if (i < 2) {
			int seen = 0;
			for (size_t k = 0; k < g.ndocs; k++)
				seen |= strstr(g.text[k].buf, "4111 1111 1111 1111") != NULL;
			assert_true(seen);
		}
		rec_free(&g);
	}
	assert_int_equal(count_fds(), before);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eml),
		cmocka_unit_test(test_mbox),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_not_mail),
		cmocka_unit_test(test_hostile_mail),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_no_leak_per_mail),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
