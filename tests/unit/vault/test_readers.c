/* test_readers.c - CSV, vCard and JSON import readers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <cmocka.h>

#include <unistd.h>
#include "util.h"
#include "vault/readers.h"
#include "../xorshift.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#if UNDER_ASAN
/* ASan holds freed blocks back (256 MB by default), which would swamp the
 * RSS measurement of the streaming tests: keep the quarantine small. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=4:thread_local_quarantine_size_kb=64";
}
#endif

#define MAXREC 64

/* Records as "LINE|name=value|name=value" for exact comparison. */
struct got {
	size_t n;
	char *rec[MAXREC];
	char *raw[MAXREC];
	size_t stop_at;
	int stop_code;
};

static int collect(void *ctx, const reader_record *r)
{
	struct got *g = ctx;
	fort_buf b;

	assert_true(g->n < MAXREC);
	fort_buf_init(&b, 0);
	assert_int_equal(fort_buf_printf(&b, "%zu", r->line), 0);
	for (size_t i = 0; i < r->n; i++) {
		assert_int_equal(fort_buf_printf(&b, "|%s=%s", r->names[i], r->values[i]), 0);
		/* the importer's types skip their UTF-8 check on its word */
		if (r->utf8)
			assert_true(fort_utf8_valid(r->values[i], strlen(r->values[i])));
	}
	g->rec[g->n] = fort_buf_detach(&b, NULL);
	g->raw[g->n] = r->raw ? fort_strndup(r->raw, r->raw_len) : NULL;
	if (r->raw)
		assert_int_equal(strlen(r->raw), r->raw_len);
	g->n++;
	if (g->stop_at && g->n == g->stop_at)
		return g->stop_code;
	return 0;
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->rec[i]);
		free(g->raw[i]);
	}
	memset(g, 0, sizeof *g);
}

static int read_file(reader_format fmt, FILE *f, struct got *g, uint64_t *done)
{
	fort_error_clear();
	return reader_read(fmt, f, "test", collect, g, done);
}

/* Read LEN bytes of DATA as FMT. */
static int read_mem(reader_format fmt, const char *data, size_t len, struct got *g)
{
	FILE *f = tmpfile();
	uint64_t done = 0;
	int r;

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	rewind(f);
	r = read_file(fmt, f, g, &done);
	if (r == 0)
		assert_int_equal(done, len);
	fclose(f);
	return r;
}

static int read_str(reader_format fmt, const char *s, struct got *g)
{
	return read_mem(fmt, s, strlen(s), g);
}

static FILE *open_data(const char *name)
{
	const char *dir = getenv("FORT_TEST_DATA");
	char path[1024];
	FILE *f;

	snprintf(path, sizeof path, "%s/import/%s", dir ? dir : "tests/data", name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	return f;
}

static void assert_error(int r, int code, const char *msg)
{
	assert_int_equal(r, code);
	assert_string_equal(fort_error_message(), msg);
}

/* ------------------------------------------------------------------ detect */

static void test_detect(void **state)
{
	(void)state;
	assert_int_equal(reader_detect("a/b/clients.CSV", NULL, 0), READER_CSV);
	assert_int_equal(reader_detect("x.tsv", NULL, 0), READER_CSV);
	assert_int_equal(reader_detect("x.txt", NULL, 0), READER_CSV);
	assert_int_equal(reader_detect("x.vcf", NULL, 0), READER_VCARD);
	assert_int_equal(reader_detect("x.vcard", NULL, 0), READER_VCARD);
	assert_int_equal(reader_detect("x.json", NULL, 0), READER_JSON);
	assert_int_equal(reader_detect("x.jsonl", NULL, 0), READER_JSON);
	assert_int_equal(reader_detect("x.ndjson", NULL, 0), READER_JSON);
	assert_int_equal(reader_detect("dir.json/export", NULL, 0), -1);
	assert_int_equal(reader_detect("export", (const unsigned char *)"\xEF\xBB\xBF  [{}]", 9), READER_JSON);
	assert_int_equal(reader_detect("export", (const unsigned char *)"\n{\"a\":1}", 8), READER_JSON);
	assert_int_equal(reader_detect("export", (const unsigned char *)"begin:vcard\r\n", 13), READER_VCARD);
	assert_int_equal(reader_detect("export", (const unsigned char *)"a;b\n1;2\n", 8), READER_CSV);
	assert_int_equal(reader_detect("export", (const unsigned char *)"hello\n", 6), -1);
	assert_int_equal(reader_detect("export", (const unsigned char *)"\x7f" "ELF\0\1,", 7), -1);
	/* UTF-16 is recognised so that reading it can explain the problem */
	assert_int_equal(reader_detect(NULL, (const unsigned char *)"\xFF\xFE" "a\0,\0b\0", 8), READER_CSV);
	assert_int_equal(reader_detect(NULL, NULL, 0), -1);
}

/* --------------------------------------------------------------------- CSV */

static void test_csv_comma(void **state)
{
	struct got g = { 0 };
	(void)state;
	assert_int_equal(read_str(READER_CSV, " name , email,city\n"
					   "Anna,anna@example.com,Berlin\n"
					   "Bob,bob@example.com\n", &g), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.rec[0], "2|name=Anna|email=anna@example.com|city=Berlin");
	assert_string_equal(g.rec[1], "3|name=Bob|email=bob@example.com|city=");
	assert_string_equal(g.raw[0], "Anna,anna@example.com,Berlin");
	assert_string_equal(g.raw[1], "Bob,bob@example.com");
	got_free(&g);
}

static void test_csv_semicolon_fixture(void **state)
{
	struct got g = { 0 };
	uint64_t done = 0;
	FILE *f = open_data("clients_semicolon.csv");
	(void)state;
	assert_int_equal(read_file(READER_CSV, f, &g, &done), 0);
	assert_int_equal(done, 97);
	fclose(f);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.rec[0], "2|Name=Anna|E-Mail=anna@example.com|Note=multi\nline; with \"quotes\"");
	assert_string_equal(g.raw[0], "Anna;anna@example.com;\"multi\r\nline; with \"\"quotes\"\"\"");
	assert_string_equal(g.rec[1], "4|Name=Bob|E-Mail=bob@example.com|Note=");
	got_free(&g);
}

static void test_csv_tab(void **state)
{
	struct got g = { 0 };
	(void)state;
	/* commas in the data must not win over the consistent tab */
	assert_int_equal(read_str(READER_CSV, "name\tnote\tcity\n"
					   "Anna\ta, b, c, d\tBerlin\n"
					   "Bob\t\tHamburg\n"
					   "\tonly note\t\n", &g), 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.rec[0], "2|name=Anna|note=a, b, c, d|city=Berlin");
	assert_string_equal(g.rec[1], "3|name=Bob|note=|city=Hamburg");
	assert_string_equal(g.rec[2], "4|name=|note=only note|city=");
	got_free(&g);
}

static void test_csv_pipe(void **state)
{
	struct got g = { 0 };
	(void)state;
	assert_int_equal(read_str(READER_CSV, "a|b,c|d\n1|\"x|y\"|3\n", &g), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.rec[0], "2|a=1|b,c=x|y|d=3");
	got_free(&g);
}

static void test_csv_semicolon_vs_comma(void **state)
{
	struct got g = { 0 };
	(void)state;
	/* German Excel: ';' separated, ',' as decimal comma */
	assert_int_equal(read_str(READER_CSV, "name;amount;rate\nAnna;1,5;2,25\nBob;3;4\n", &g), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.rec[0], "2|name=Anna|amount=1,5|rate=2,25");
	assert_string_equal(g.rec[1], "3|name=Bob|amount=3|rate=4");
	got_free(&g);
}

static void test_csv_bom(void **state)
{
	struct got g = { 0 };
	(void)state;
	assert_int_equal(read_str(READER_CSV, "\xEF\xBB\xBFname,email\nAnna,a@example.com\n", &g), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.rec[0], "2|name=Anna|email=a@example.com");
	got_free(&g);
	/* only a BOM: an empty file */
	assert_int_equal(read_str(READER_CSV, "\xEF\xBB\xBF", &g), 0);
	assert_int_equal(g.n, 0);
}

static void test_csv_utf16(void **state)
{
	struct got g = { 0 };
	(void)state;
	assert_error(read_mem(READER_CSV, "\xFF\xFE" "a\0,\0b\0\n\0", 10, &g), FORT_EINPUT,
		     "line 1: UTF-16 is not supported: save the file as UTF-8");
	assert_error(read_mem(READER_JSON, "\xFE\xFF\0[\0]", 6, &g), FORT_EINPUT,
		     "line 1: UTF-16 is not supported: save the file as UTF-8");
	assert_int_equal(g.n, 0);
}

static void test_csv_quoted_newlines(void **state)
{
	struct got g = { 0 };
	(void)state;
	assert_int_equal(read_str(READER_CSV, "id,note,x\n"
					   "1,\"first\nsecond\n\nfourth\",a\n"
					   "2,\"say \"\"hi\"\", \"\"bye\"\"\",b\n"
					   "3,\"\",\"\"\"\"\n"
					   "\n"
					   "4,\"a,b\",c\n", &g), 0);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.rec[0], "2|id=1|note=first\nsecond\n\nfourth|x=a");
	assert_string_equal(g.raw[0], "1,\"first\nsecond\n\nfourth\",a");
	assert_string_equal(g.rec[1], "6|id=2|note=say \"hi\", \"bye\"|x=b");
	assert_string_equal(g.rec[2], "7|id=3|note=|x=\"");
	assert_string_equal(g.rec[3], "9|id=4|note=a,b|x=c");
	got_free(&g);
}

static void test_csv_crlf(void **state)
{
	struct got g = { 0 };
	(void)state;
	assert_int_equal(read_str(READER_CSV, "name,note\r\n"
					   "Anna,\"two\r\nlines\"\r\n"
					   "\r\n"
					   "Bob,plain\r\n"
					   "Carl,last", &g), 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.rec[0], "2|name=Anna|note=two\nlines");
	assert_string_equal(g.raw[0], "Anna,\"two\r\nlines\"");
	assert_string_equal(g.rec[1], "5|name=Bob|note=plain");
	assert_string_equal(g.raw[1], "Bob,plain");
	assert_string_equal(g.rec[2], "6|name=Carl|note=last");
	assert_string_equal(g.raw[2], "Carl,last");
	got_free(&g);
}

static void test_csv_cp1252(void **state)
{
	struct got g = { 0 };
	(void)state;
	assert_int_equal(read_str(READER_CSV, "Stra\xdf" "e;name;price\n"
					   "Hauptstr. 1;M\xfcller;5 \x80\n"
					   "x;M\xc3\xbcller;\x93q\x94\n", &g), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.rec[0], "2|Straße=Hauptstr. 1|name=Müller|price=5 €");
	assert_string_equal(g.raw[0], "Hauptstr. 1;M\xfcller;5 \x80");
	/* already UTF-8: left alone */
	assert_string_equal(g.rec[1], "3|Straße=x|name=Müller|price=\xe2\x80\x9cq\xe2\x80\x9d");
	got_free(&g);
}

static void test_csv_too_many_cells(void **state)
{
	struct got g = { 0 };
	(void)state;
	assert_error(read_str(READER_CSV, "a,b\n"
				       "1,2\n"
				       "\"x\ny\",2\n"
				       "3,4,5\n"
				       "6,7\n", &g), FORT_EINPUT,
		     "line 5, column 3: 3 cells, but the header has 2 columns");
	assert_int_equal(g.n, 2);
	got_free(&g);
	/* trailing empty cells (a trailing delimiter) are not an error */
	assert_int_equal(read_str(READER_CSV, "a,b\n1,2,\n3,4,,\n", &g), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.rec[1], "3|a=3|b=4");
	got_free(&g);
}

static void test_csv_unterminated_quote(void **state)
{
	struct got g = { 0 };
	(void)state;
	assert_error(read_str(READER_CSV, "a,b\n1,2\n\n3,\"oops\n4,5\n6,7\n", &g), FORT_EINPUT,
		     "line 4: unterminated quoted field");
	assert_int_equal(g.n, 1);
	got_free(&g);
}

static void test_csv_malformed_quotes(void **state)
{
	struct got g = { 0 };
	(void)state;
	assert_error(read_str(READER_CSV, "a,b,c\n1,2,3\n4,x\"y,6\n", &g), FORT_EINPUT,
		     "line 3, column 2: malformed quotes (quote the whole field and double any quote inside it)");
	assert_int_equal(g.n, 1);
	got_free(&g);
	assert_error(read_str(READER_CSV, "a,b\n\"x\ny\" z,1\n", &g), FORT_EINPUT,
		     "line 3, column 1: malformed quotes (quote the whole field and double any quote inside it)");
	got_free(&g);
}

static void test_csv_blank_lines(void **state)
{
	struct got g = { 0 };
	(void)state;
	assert_int_equal(read_str(READER_CSV, "\n\n  \nname,email\n\n1,2\n   \n,\n,,\n3\n\n\n", &g), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.rec[0], "6|name=1|email=2");
	assert_string_equal(g.rec[1], "10|name=3|email=");
	got_free(&g);
	/* header only; empty file */
	assert_int_equal(read_str(READER_CSV, "a,b\n", &g), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(read_str(READER_CSV, "", &g), 0);
	assert_int_equal(g.n, 0);
}

static void test_csv_duplicate_header(void **state)
{
	struct got g = { 0 };
	(void)state;
	assert_error(read_str(READER_CSV, "\nEmail,name, email \n1,2,3\n", &g), FORT_EINPUT,
		     "line 2: columns 1 and 3 have the same name \"email\"");
	assert_int_equal(g.n, 0);
}

static void test_csv_callback_stops(void **state)
{
	struct got g = { .stop_at = 2, .stop_code = -42 };
	(void)state;
	assert_int_equal(read_str(READER_CSV, "a\n1\n2\n3\n4\n", &g), -42);
	assert_int_equal(g.n, 2);
	got_free(&g);
}

static void test_csv_record_too_long(void **state)
{
	struct got g = { 0 };
	size_t big = ((size_t)1 << 20) + 10;
	char *s = malloc(big + 32);
	(void)state;
	assert_non_null(s);
	strcpy(s, "a,b\n1,2\n3,\"");
	memset(s + strlen(s), 'x', big);
	strcpy(s + 11 + big, "\"\n");
	assert_error(read_str(READER_CSV, s, &g), FORT_EINPUT,
		     "line 3: record longer than 1 MiB (an unterminated quoted field?)");
	assert_int_equal(g.n, 1);
	got_free(&g);
	free(s);
}

/* ------------------------------------------------------------------- vCard */

static void test_vcard30(void **state)
{
	struct got g = { 0 };
	uint64_t done = 0;
	FILE *f = open_data("contacts30.vcf");
	(void)state;
	assert_int_equal(read_file(READER_VCARD, f, &g, &done), 0);
	fclose(f);
	assert_int_equal(done, 654);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.rec[0], "1|full_name=Dr. Anna Maria Müller"
				      "|email=anna@example.com"
				      "|phone=+49 170 222"
				      "|postal_address=Hauptstraße 5, Hinterhaus, Berlin, 10115, Germany"
				      "|company=Example GmbH, Sales"
				      "|date_of_birth=1985-04-15"
				      "|notes=Met at fair, 2023; follow up\nsecond line and a very long text that is folded"
				      "|country=Germany");
	/* N used because FN is missing; quoted-printable with a soft break */
	assert_string_equal(g.rec[1], "17|full_name=Jörg Schmidt|email=joerg@example.org|phone=+49 40 333"
				      "|notes=Grüße aus Hamburg");
	assert_string_equal(g.raw[1], "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Schmidt;Jörg;;;\r\n"
				      "EMAIL:joerg@example.org\r\nitem1.TEL:+49 40 333\r\n"
				      "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Gr=C3=BC=C3=9Fe aus Hamb=\r\n"
				      "urg\r\nEND:VCARD");
	assert_true(strncmp(g.raw[0], "BEGIN:VCARD\r\nVERSION:3.0\r\n", 26) == 0);
	got_free(&g);
}

/* CHARSET through iconv: each value in its own character set arrives as
 * UTF-8; an unknown set or bytes that are not text in it are refused,
 * naming the line and the set, never the value. */
static void test_vcard_charsets(void **state)
{
	struct got g = { 0 };
	(void)state;
	/* 安藤 in Shift_JIS; "Łódź" in ISO-8859-2; "Иван" in Windows-1251;
	 * "Ελένη" in ISO-8859-7 (quoted-printable); "Müller" in ISO-8859-1 */
	assert_int_equal(read_str(READER_VCARD,
				  "BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=SHIFT_JIS:\x88\xc0\x93\xa1\r\n"
				  "ADR;CHARSET=ISO-8859-2:;;ul. Piotrkowska 1;\xa3\xf3" "d\xbc;;90-001;Polska\r\nEND:VCARD\r\n"
				  "BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=WINDOWS-1251:\xc8\xe2\xe0\xed\r\nEND:VCARD\r\n"
				  "BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=ISO-8859-7;ENCODING=QUOTED-PRINTABLE:=C5=EB=DD=ED=E7\r\nEND:VCARD\r\n"
				  "BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=ISO-8859-1:M\xfcller\r\nEND:VCARD\r\n",
				  &g), 0);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.rec[0], "1|full_name=安藤|postal_address=ul. Piotrkowska 1, Łódź, 90-001, Polska|country=Polska");
	assert_string_equal(g.rec[1], "6|full_name=Иван");
	assert_string_equal(g.rec[2], "10|full_name=Ελένη");
	assert_string_equal(g.rec[3], "14|full_name=Müller");
	got_free(&g);

	assert_error(read_str(READER_VCARD, "BEGIN:VCARD\nFN;CHARSET=X-NO-SUCH-SET:abc\nEND:VCARD\n", &g), FORT_EINPUT,
		     "line 2, FN: CHARSET=X-NO-SUCH-SET is not a character set Fortress knows: save the file as UTF-8");
	/* 0x81 0x20 is no Shift_JIS character */
	assert_error(read_str(READER_VCARD, "BEGIN:VCARD\nFN;CHARSET=Shift_JIS:\x81 x\nEND:VCARD\n", &g), FORT_EINPUT,
		     "line 2, FN: the value is not valid Shift_JIS text (CHARSET=Shift_JIS): save the file as UTF-8");
	assert_int_equal(g.n, 0);

	/* vCard 2.1 escapes only ';' (Android's v21_backslash.vcf); 3.0 also \\ \, \n */
	assert_int_equal(read_str(READER_VCARD, "BEGIN:VCARD\nVERSION:2.1\nFN:A;B\\C\\;D:E\\\\\nEND:VCARD\n"
						 "BEGIN:VCARD\nVERSION:3.0\nFN:A\\,B\\\\C\\nD\nEND:VCARD\n", &g), 0);
	assert_string_equal(g.rec[0], "1|full_name=A;B\\C;D:E\\\\");
	assert_string_equal(g.rec[1], "5|full_name=A,B\\C\nD");
	got_free(&g);
}

static void test_vcard40(void **state)
{
	struct got g = { 0 };
	uint64_t done = 0;
	FILE *f = open_data("contacts40.vcf");
	(void)state;
	assert_int_equal(read_file(READER_VCARD, f, &g, &done), 0);
	fclose(f);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.rec[0], "1|full_name=Jane Doe|email=jane@example.com|phone=+1-555-0199"
				      "|postal_address=Main St 1, Springfield, IL, 62701, USA"
				      "|date_of_birth=1985-04-15|country=USA");
	assert_string_equal(g.rec[1], "11|full_name=Seán O'Brien|company=Acme Inc|notes=Café au lait");
	got_free(&g);
}

static void test_vcard_misc(void **state)
{
	struct got g = { 0 };
	(void)state;
	/* 2.1 style bare parameters, lower case names, no final newline, a
	 * card with nothing we use, a tab-folded line */
	assert_int_equal(read_str(READER_VCARD, "begin:vcard\n"
					     "version:2.1\n"
					     "tel;work:111\n"
					     "tel;cell;pref:222\n"
					     "fn:A\n"
					     "\tB\n"
					     "X-CUSTOM:whatever\n"
					     "end:vcard\n"
					     "BEGIN:VCARD\n"
					     "VERSION:3.0\n"
					     "END:VCARD", &g), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.rec[0], "1|full_name=AB|phone=222");
	assert_string_equal(g.rec[1], "9");
	assert_string_equal(g.raw[1], "BEGIN:VCARD\nVERSION:3.0\nEND:VCARD");
	got_free(&g);
}

static void test_vcard_errors(void **state)
{
	struct got g = { 0 };
	(void)state;
	assert_error(read_str(READER_VCARD, "BEGIN:VCARD\nFN:A\nEND:VCARD\n\nBEGIN:VCARD\nFN:B\n", &g),
		     FORT_EINPUT, "line 5: the card that starts here has no END:VCARD");
	assert_int_equal(g.n, 1);
	assert_string_equal(g.rec[0], "1|full_name=A");
	got_free(&g);
	assert_error(read_str(READER_VCARD, "BEGIN:VCARD\nFN:A\nBEGIN:VCARD\nFN:B\nEND:VCARD\n", &g),
		     FORT_EINPUT, "line 3: BEGIN:VCARD inside the card that starts on line 1 (missing END:VCARD?)");
	assert_error(read_str(READER_VCARD, "BEGIN:VCARD\nFN:A\nEND:VCARD\nFN:B\n", &g),
		     FORT_EINPUT, "line 4: text outside BEGIN:VCARD ... END:VCARD");
	got_free(&g);
	assert_error(read_str(READER_VCARD, "BEGIN:VCARD\nFN:A\nno colon here\nEND:VCARD\n", &g),
		     FORT_EINPUT, "line 3: line without ':' in the card that starts on line 1 (a continued line must start with a space; fix the line, or remove the card)");
	assert_int_equal(g.n, 0);
}

/* -------------------------------------------------------------------- JSON */

static void test_json_array(void **state)
{
	struct got g = { 0 };
	uint64_t done = 0;
	FILE *f = open_data("clients.json");
	(void)state;
	assert_int_equal(read_file(READER_JSON, f, &g, &done), 0);
	fclose(f);
	assert_int_equal(done, 246);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.rec[0], "2|name=Anna Müller|age=42|score=1.5|vip=true|active=false|note=");
	assert_string_equal(g.rec[1], "3|name=Bob \"B\" Smith|phone=+49 30 123|id=12345678901");
	assert_string_equal(g.raw[1], "{\n    \"name\": \"Bob \\\"B\\\" Smith\",\n    \"phone\": \"+49 30 123\",\n"
				      "    \"id\": 12345678901\n  }");
	assert_string_equal(g.rec[2], "8|name=Curly {brace} [x]|big=-7|tiny=0.1");
	got_free(&g);
	assert_int_equal(read_str(READER_JSON, " [ ] \n", &g), 0);
	assert_int_equal(g.n, 0);
}

static void test_json_lines(void **state)
{
	struct got g = { 0 };
	(void)state;
	assert_int_equal(read_str(READER_JSON, "{\"a\":1}\n\n{\"a\":2.50,\"b\":\"x\\ny\"}\r\n"
					    "{\"a\":1e3, \"b\":null, \"c\":true}\n"
					    "{\"name\":\"M\xfcller\"}", &g), 0);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.rec[0], "1|a=1");
	assert_string_equal(g.raw[0], "{\"a\":1}");
	assert_string_equal(g.rec[1], "3|a=2.5|b=x\ny");
	assert_string_equal(g.rec[2], "4|a=1000|b=|c=true");
	/* not UTF-8: decoded as Windows-1252 */
	assert_string_equal(g.rec[3], "5|name=Müller");
	got_free(&g);
}

static void test_json_nested(void **state)
{
	struct got g = { 0 };
	(void)state;
	assert_error(read_str(READER_JSON, "{\"a\":\"x\"}\n{\"name\":\"y\",\n \"addr\": {\"city\":\"z\"}}\n", &g),
		     FORT_EINPUT, "line 3, key \"addr\": nested objects and arrays are not supported: use a flat value");
	assert_int_equal(g.n, 1);
	got_free(&g);
	assert_error(read_str(READER_JSON, "[\n{\"a\":1},\n{\"a\":2,\n\n\"tags\": [\"x\"]}]", &g),
		     FORT_EINPUT, "line 5, key \"tags\": nested objects and arrays are not supported: use a flat value");
	assert_int_equal(g.n, 1);
	got_free(&g);
}

static void test_json_malformed(void **state)
{
	struct got g = { 0 };
	(void)state;
	assert_error(read_str(READER_JSON, "{\"a\":1}\n{\"a\": tru}\n{\"a\":3}\n", &g),
		     FORT_EINPUT, "line 2: invalid JSON");
	assert_int_equal(g.n, 1);
	got_free(&g);
	assert_error(read_str(READER_JSON, "[\n{\"a\":1,\n\"b\":2,,\n\"c\":3}\n]", &g),
		     FORT_EINPUT, "line 3: invalid JSON");
	assert_error(read_str(READER_JSON, "{\"a\":1,\n\"a\":2}", &g),
		     FORT_EINPUT, "line 2: the same key appears twice in the object");
	assert_error(read_str(READER_JSON, "[{\"a\":1}\n", &g),
		     FORT_EINPUT, "line 2: the array is not closed (missing ']')");
	assert_error(read_str(READER_JSON, "[{\"a\":1}]\n,{}", &g),
		     FORT_EINPUT, "line 2: text after the end of the array");
	assert_error(read_str(READER_JSON, "[{\"a\":1} {\"a\":2}]", &g),
		     FORT_EINPUT, "line 1: expected ',' or ']' after an array element");
	assert_error(read_str(READER_JSON, "[\n{\"a\":1},\n7]", &g),
		     FORT_EINPUT, "line 3: array element is not an object");
	assert_error(read_str(READER_JSON, "{\"a\":1}\n{\"a\":\"}\n", &g),
		     FORT_EINPUT, "line 2: the object is not closed");
	assert_error(read_str(READER_JSON, "\"just a string\"", &g),
		     FORT_EINPUT, "line 1: expected a JSON array of objects or one object per line");
	got_free(&g);
}

/* ---------------------------------------------------- 64 KiB chunk edges */

/* PREFIX, then N copies of C, then SUFFIX (caller frees). */
static char *padded(const char *prefix, size_t n, char c, const char *suffix)
{
	size_t lp = strlen(prefix), ls = strlen(suffix);
	char *s = malloc(lp + n + ls + 1);
	assert_non_null(s);
	memcpy(s, prefix, lp);
	memset(s + lp, c, n);
	memcpy(s + lp + n, suffix, ls + 1);
	return s;
}

static void test_chunk_edges(void **state)
{
	struct got g = { 0 };
	char *in, *want;
	(void)state;

	/* the CR of a CRLF is the last byte of the first chunk */
	in = padded("a,b\r\nF,", 65528, 'p', "\r\n2,\"q\r\nr\"\r\n3,z\r\n");
	assert_int_equal(in[65535], '\r');
	assert_int_equal(read_str(READER_CSV, in, &g), 0);
	assert_int_equal(g.n, 3);
	want = padded("2|a=F|b=", 65528, 'p', "");
	assert_string_equal(g.rec[0], want);
	free(want);
	assert_string_equal(g.rec[1], "3|a=2|b=q\nr");
	assert_string_equal(g.raw[1], "2,\"q\r\nr\"");
	assert_string_equal(g.rec[2], "5|a=3|b=z");
	assert_string_equal(g.raw[2], "3,z");
	got_free(&g);
	free(in);

	/* a backslash escape split between chunks */
	in = padded("[\n{\"pad\": \"", 65524, 'p', "\\\"x\"},\n{\"a\":1}]");
	assert_int_equal(in[65535], '\\');
	assert_int_equal(read_str(READER_JSON, in, &g), 0);
	assert_int_equal(g.n, 2);
	want = padded("2|pad=", 65524, 'p', "\"x");
	assert_string_equal(g.rec[0], want);
	free(want);
	assert_string_equal(g.rec[1], "3|a=1");
	got_free(&g);
	free(in);

	/* a folded vCard line whose CRLF is split between chunks */
	in = padded("BEGIN:VCARD\r\nNOTE:", 65517, 'n', "\r\n folded\r\nFN:X\r\nEND:VCARD\r\n");
	assert_int_equal(in[65535], '\r');
	assert_int_equal(read_str(READER_VCARD, in, &g), 0);
	assert_int_equal(g.n, 1);
	want = padded("1|full_name=X|notes=", 65517, 'n', "folded");
	assert_string_equal(g.rec[0], want);
	free(want);
	assert_int_equal(strlen(g.raw[0]), strlen(in) - 2);
	got_free(&g);
	free(in);
}

/* ------------------------------------------------- libcsv and the fast path */

/* Everything a reader hands over, as text. */
static int dump_cb(void *ctx, const reader_record *r)
{
	fort_buf *b = ctx;
	assert_int_equal(fort_buf_printf(b, "<%zu:%zu:%d>", r->line, r->n, r->delim), 0);
	/* a CSV record's values are UTF-8 (Windows-1252 decoded), and the
	 * reader says so: the importer's types then skip their own check */
	assert_int_equal(r->utf8, 1);
	for (size_t i = 0; i < r->n; i++) {
		assert_int_equal(fort_buf_printf(b, "[%s=%s]", r->names[i], r->values[i]), 0);
		assert_true(fort_utf8_valid(r->values[i], strlen(r->values[i])));
	}
	assert_int_equal(fort_buf_printf(b, "{%zu:", r->raw_len), 0);
	assert_int_equal(fort_buf_put(b, r->raw, r->raw_len), 0);
	assert_int_equal(fort_buf_puts(b, "}\n"), 0);
	return 0;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
	return (unsigned)(xorshift64(&rng_state) % n);
}

/* One random cell: plain, quoted (with "" and delimiters, line breaks
 * inside), blanks around, and the kinds libcsv refuses or reads in its own
 * way (a stray quote, text after a closing quote, a lone CR). */
static void random_cell(fort_buf *b, char delim)
{
	static const char *const words[] = { "a", "Anna Berg", "x@y.de", "+49 30 1234", "é", "\xe9t\xe9", "0", "a b  c" };
	static const char *const blanks[] = { "", "", "", " ", "  ", "\t", " \t " };
	const char *w = words[rnd(8)];
	assert_int_equal(fort_buf_puts(b, blanks[rnd(7)]), 0);
	switch (rnd(15)) {
	case 0: case 1: case 2: case 3: case 4:
		assert_int_equal(fort_buf_puts(b, w), 0);
		break;
	case 5: case 6:
		assert_int_equal(fort_buf_printf(b, "\"%s%c %s\"", w, delim, w), 0);
		break;
	case 7:
		assert_int_equal(fort_buf_printf(b, "\"say \"\"%s\"\"\"", w), 0);
		break;
	case 8:
		assert_int_equal(fort_buf_printf(b, "\"%s\n%s\"", w, w), 0);
		break;
	case 9:
		assert_int_equal(fort_buf_printf(b, "\"%s\r\n\"", w), 0);
		break;
	case 10:
		assert_int_equal(fort_buf_printf(b, "%s\"%s", w, w), 0); /* a stray quote */
		break;
	case 11:
		assert_int_equal(fort_buf_printf(b, "\"%s\"%s", w, rnd(2) ? "x" : " \""), 0);
		break;
	case 12:
		assert_int_equal(fort_buf_printf(b, "%s\r%s", w, w), 0);
		break;
	case 13:
		/* a record ended by a lone CR, then a quoted value that goes on
		 * over the line end; a blank line inside quotes (libcsv is inside
		 * a value where the line says a record starts) */
		assert_int_equal(fort_buf_printf(b, rnd(2) ? "%s\r\"%s" : "\"%s\n\n%s\"", w, w), 0);
		break;
	default:
		break; /* empty */
	}
	assert_int_equal(fort_buf_puts(b, blanks[rnd(7)]), 0);
}

static void read_both(const char *data, size_t len, int fast, fort_buf *out)
{
	FILE *f = tmpfile();
	uint64_t done = 0;
	int r;
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	rewind(f);
	read_csv_fast = fast;
	fort_error_clear();
	r = reader_read(READER_CSV, f, "test", dump_cb, out, &done);
	read_csv_fast = 1;
	assert_int_equal(fort_buf_printf(out, "=> %d %s %llu", r, r < 0 ? fort_error_message() : "",
					 (unsigned long long)done), 0);
	fclose(f);
}

/* Lines split without libcsv give the records, raw text, line numbers and
 * errors that libcsv gives, on random files mixing plain lines with every
 * kind that goes to libcsv. */
static void test_csv_fast_path_agrees(void **state)
{
	static const char delims[] = { ',', ';', '\t', '|' };
	static const char *const ends[] = { "\n", "\n", "\r\n", "\n\n", " \n" };
	size_t plain = 0;
	(void)state;
	for (int round = 0; round < 4000; round++) {
		char d = delims[rnd(4)];
		size_t cols = 1 + rnd(5), lines = 1 + rnd(12);
		fort_buf in, a, b;
		fort_buf_init(&in, 0);
		fort_buf_init(&a, 0);
		fort_buf_init(&b, 0);
		for (size_t c = 0; c < cols; c++)
			assert_int_equal(fort_buf_printf(&in, "%sh%zu", c ? (char[]){ d, 0 } : "", c), 0);
		assert_int_equal(fort_buf_puts(&in, "\n"), 0);
		for (size_t l = 0; l < lines; l++) {
			size_t n = rnd(8) ? cols : 1 + rnd(cols + 2);
			int kind = rnd(6);
			for (size_t c = 0; c < n; c++) {
				if (c)
					assert_int_equal(fort_buf_putc(&in, d), 0);
				if (kind)
					random_cell(&in, d);
				else
					assert_int_equal(fort_buf_printf(&in, "v%zu", c), 0); /* plain */
			}
			if (l + 1 < lines || rnd(3))
				assert_int_equal(fort_buf_puts(&in, ends[rnd(5)]), 0);
		}
		read_both(in.buf, in.len, 1, &a);
		read_both(in.buf, in.len, 0, &b);
		if (strcmp(a.buf, b.buf) != 0)
			fail_msg("round %d: the fast path and libcsv disagree on\n%s\nfast:\n%s\nlibcsv:\n%s", round, in.buf,
				 a.buf, b.buf);
		plain += strstr(a.buf, "=> 0 ") != NULL;
		fort_buf_release(&in);
		fort_buf_release(&a);
		fort_buf_release(&b);
	}
	/* both kinds of file were met: some read whole, some refused */
	assert_true(plain > 400);
	assert_true(plain < 3600);
}

/* --------------------------------------------------------------- streaming */

/* Unless ASAN_OPTIONS changed the quarantine, peak RSS must not grow by
 * 20 MB or more while reading. */
static void assert_rss_growth_small(long before, long after)
{
	const char *o = getenv("ASAN_OPTIONS");
	if (UNDER_ASAN && o && strstr(o, "quarantine"))
		return;
	assert_true(after - before < 20 * 1024);
}

static long max_rss_kb(void)
{
	struct rusage ru;
	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss;
}

struct count {
	uint64_t rows;
	size_t last_line;
	size_t multiline;
};

static int count_cb(void *ctx, const reader_record *r)
{
	struct count *c = ctx;
	c->rows++;
	c->last_line = r->line;
	if (strchr(r->values[r->n - 1], '\n'))
		c->multiline++;
	return 0;
}

static void test_stream_large_csv(void **state)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/fort_test_readers_large.%ld.csv", (long)getpid());
	struct count c = { 0 };
	uint64_t done = 0, rows = 0, size;
	size_t lines = 1;
	long before, after;
	FILE *f;
	(void)state;

	f = fopen(path, "wb");
	assert_non_null(f);
	fputs("id,name,email,note\n", f);
	while ((size = (uint64_t)ftell(f)) < (UNDER_ASAN ? 10u : 50u) * 1024 * 1024) {
		rows++;
		if (rows % 1000 == 0) {
			fprintf(f, "%llu,Name %llu,user%llu@example.com,\"note, with \"\"quotes\"\"\n"
				   "and a second line\"\n", (unsigned long long)rows,
				(unsigned long long)rows, (unsigned long long)rows);
			lines += 2;
		} else {
			fprintf(f, "%llu,M\xfcller %llu,user%llu@example.com,plain note\n", (unsigned long long)rows,
				(unsigned long long)rows, (unsigned long long)rows);
			lines++;
		}
	}
	assert_int_equal(fclose(f), 0);

	before = max_rss_kb();
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(reader_read(READER_CSV, f, path, count_cb, &c, &done), 0);
	fclose(f);
	after = max_rss_kb();
	remove(path);

	assert_int_equal(done, size);
	assert_int_equal(c.rows, rows);
	assert_int_equal(c.multiline, rows / 1000);
	/* the last record starts on the last line, or the one before it */
	assert_int_equal(c.last_line, rows % 1000 == 0 ? lines - 1 : lines);
	print_message("large CSV: %llu rows, peak RSS grew by %ld KiB%s\n", (unsigned long long)rows,
		      after - before, UNDER_ASAN ? " (ASan)" : "");
	assert_rss_growth_small(before, after);
}

static void test_stream_large_json(void **state)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/fort_test_readers_large.%ld.json", (long)getpid());
	struct count c = { 0 };
	uint64_t done = 0, rows = 0, size;
	long before, after;
	FILE *f;
	(void)state;

	f = fopen(path, "wb");
	assert_non_null(f);
	fputs("[\n", f);
	while ((size = (uint64_t)ftell(f)) < (UNDER_ASAN ? 4u : 10u) * 1024 * 1024) {
		rows++;
		fprintf(f, "%s{\"id\": %llu, \"name\": \"Name %llu\", \"vip\": false, \"note\": \"a\\nb\"}",
			rows > 1 ? ",\n" : "", (unsigned long long)rows, (unsigned long long)rows);
	}
	fputs("\n]\n", f);
	size = (uint64_t)ftell(f);
	assert_int_equal(fclose(f), 0);

	before = max_rss_kb();
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(reader_read(READER_JSON, f, path, count_cb, &c, &done), 0);
	fclose(f);
	after = max_rss_kb();
	remove(path);

	assert_int_equal(done, size);
	assert_int_equal(c.rows, rows);
	assert_int_equal(c.multiline, rows);
	assert_int_equal(c.last_line, rows + 1);
	print_message("large JSON: %llu rows, peak RSS grew by %ld KiB%s\n", (unsigned long long)rows,
		      after - before, UNDER_ASAN ? " (ASan)" : "");
	assert_rss_growth_small(before, after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* first, so that the peak RSS is not already high */
		cmocka_unit_test(test_stream_large_csv),
		cmocka_unit_test(test_stream_large_json),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_csv_comma),
		cmocka_unit_test(test_csv_semicolon_fixture),
		cmocka_unit_test(test_csv_tab),
		cmocka_unit_test(test_csv_pipe),
		cmocka_unit_test(test_csv_semicolon_vs_comma),
		cmocka_unit_test(test_csv_bom),
		cmocka_unit_test(test_csv_utf16),
		cmocka_unit_test(test_csv_quoted_newlines),
		cmocka_unit_test(test_csv_crlf),
		cmocka_unit_test(test_csv_cp1252),
		cmocka_unit_test(test_csv_too_many_cells),
		cmocka_unit_test(test_csv_unterminated_quote),
		cmocka_unit_test(test_csv_malformed_quotes),
		cmocka_unit_test(test_csv_blank_lines),
		cmocka_unit_test(test_csv_duplicate_header),
		cmocka_unit_test(test_csv_callback_stops),
		cmocka_unit_test(test_csv_record_too_long),
		cmocka_unit_test(test_csv_fast_path_agrees),
		cmocka_unit_test(test_vcard30),
		cmocka_unit_test(test_vcard40),
		cmocka_unit_test(test_vcard_charsets),
		cmocka_unit_test(test_vcard_misc),
		cmocka_unit_test(test_vcard_errors),
		cmocka_unit_test(test_json_array),
		cmocka_unit_test(test_json_lines),
		cmocka_unit_test(test_json_nested),
		cmocka_unit_test(test_json_malformed),
		cmocka_unit_test(test_chunk_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
