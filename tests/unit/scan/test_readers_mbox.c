/* test_readers_mbox.c - the mbox fast path (read_mbox.c) gives the same
 * documents, text and skipped parts as GMime for every kind of message:
 * each file is read twice, rd_mail_fast on and off, and the two event
 * streams are compared byte for byte.  FORT_TEST_MBOX=FILE compares a
 * file of your own too (e.g. the anchors corpus' mailbox.mbox). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-readers-mbox-XXXXXX"
#include "fixture.h"
#include "util.h"
#include "scan/readers/readers.h"
#include "scan/readers/rd.h"

/* every event, in order: "B" logical NUL, "T" text (consecutive chunks
 * merged: the two readers cut text differently), "E", "S" logical NUL why */
typedef struct {
	fort_buf b;
	int in_text;
	unsigned raw;   /* parts given their place in the file (raw_at) */
} ev;

static int ev_begin(void *ctx, const char *logical)
{
	ev *e = ctx;
	e->in_text = 0;
	fort_buf_putc(&e->b, 'B');
	fort_buf_put(&e->b, logical, strlen(logical) + 1);
	return 0;
}

static int ev_text(void *ctx, const char *buf, size_t len)
{
	ev *e = ctx;
	if (!len)
		return 0;
	if (!e->in_text)
		fort_buf_putc(&e->b, 'T');
	e->in_text = 1;
	fort_buf_put(&e->b, buf, len);
	return 0;
}

static int ev_end(void *ctx)
{
	ev *e = ctx;
	e->in_text = 0;
	fort_buf_putc(&e->b, 'E');
	return 0;
}

static void ev_skipped(void *ctx, const char *logical, const char *why)
{
	ev *e = ctx;
	e->in_text = 0;
	fort_buf_putc(&e->b, 'S');
	fort_buf_put(&e->b, logical, strlen(logical) + 1);
	fort_buf_put(&e->b, why, strlen(why) + 1);
}

static void ev_raw_at(void *ctx, uint64_t offset, uint64_t line)
{
	ev *e = ctx;
	(void)offset;
	(void)line;
	e->raw++;
}

static void events(ev *e, const char *path, int fast)
{
	scan_sink s = { ev_begin, ev_text, ev_end, ev_skipped, e, ev_raw_at };

	fort_buf_init(&e->b, 0);
	e->in_text = 0;
	e->raw = 0;
	rd_mail_fast = fast;
	assert_int_equal(scan_read_container(path, NULL, &s), 0);
	rd_mail_fast = 1;
}

static void show(const char *what, const fort_buf *b, size_t from, size_t to)
{
	fprintf(stderr, "%s: ", what);
	for (size_t k = from; k < to && k < b->len; k++)
		fputc(b->buf[k] == 0 ? '|' : b->buf[k] == '\n' ? '~' : b->buf[k], stderr);
	fputc('\n', stderr);
}

/* PATH read both ways gives the same events. */
static void same_both_ways(const char *path)
{
	ev a, b;
	size_t i = 0;

	events(&a, path, 1);
	events(&b, path, 0);
	while (i < a.b.len && i < b.b.len && a.b.buf[i] == b.b.buf[i])
		i++;
	if (i != a.b.len || i != b.b.len) {
		size_t from = i > 120 ? i - 120 : 0;
		fprintf(stderr, "%s: differs at event byte %zu\n", path, i);
		show("fast", &a.b, from, i + 80);
		show("gmime", &b.b, from, i + 80);
		fail();
	}
	assert_true(a.b.len > 0);
	fort_buf_release(&a.b);
	fort_buf_release(&b.b);
}

static const char *const messages[] = {
	/* the common case: read from the file */
	"From a@example.com Sat Jan  1 00:00:00 2022\nFrom: A <a1@example.com>\nTo: b1@example.com\n"
	"Received: from mx (10.1.2.3)\n\tby mx2 with ESMTP\nSubject: plain\n\nCall 555-123-4567 or x1@example.com\n\n",
	"From a@b\nFrom: a10@example.com   \nSubject:    spaced   \nX-Empty:\nContent-Type: TEXT/PLAIN; charset=\"US-ASCII\"\n"
	"Content-Transfer-Encoding: 8BIT\n\n",
	"From a@b\nFrom: a13@example.com\n\nlatin1 \xe9t\xe9 x13@example.com\n",
	"From a@b\nFrom: a16@example.com\nContent-Type: text/plain; charset=utf-8\n\nutf-8 \xc3\xa9t\xc3\xa9\n\n\n",
	/* what GMime reads */
	"From a@b\nFrom: A <a2@example.com>\nSubject: folded\n  more a3@example.com\nContent-Type: text/plain; charset=utf-8\n\nbody x2@example.com\n",
	"From a@b\nFrom: =?utf-8?q?J=C3=B6rg?= <a4@example.com>\nContent-Type: text/plain\n\nbody x3@example.com\n>From the start x4@example.com\n",
	"From a@b\nFrom: a5@example.com\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nJ=F6rg x5@example.com =\nsoft\n",
	"From a@b\nFrom: a6@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\n"
	"part one x6@example.com\n--XX\nContent-Type: text/html\n\n<p>x7@example.com&amp;</p>\n--XX\n"
	"Content-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"n.txt\"\n"
	"Content-Transfer-Encoding: base64\n\neDhAZXhhbXBsZS5jb20K\n--XX--\n",
	"From a@b\nFrom: a11@example.com\nContent-Type: text/plain;\n charset=utf-8\n\nfolded type\n",
	"From a@b\nFrom: a14@example.com\nnot a header line\n\nx14@example.com\n",
	"From a@b\nFrom: a17@example.com\nContent-Type: text/html\n\n<b>x17@example.com</b>\n",
	"From a@b\nFrom: a18@example.com\nContent-Disposition: inline; filename=\"a.txt\"\n\nx18@example.com\n",
};

/* Alone only: next to a message with LF endings, GMime's whole-file parser
 * takes two bytes for the newline before a CR LF "From " line, cutting the
 * last character of the message before it; the fast path (which hands
 * GMime one message at a time) keeps it. */
static const char *const alone[] = {
	"From a@b\r\nFrom: a9@example.com\r\n\r\nCRLF x9@example.com\r\n",
	"From a@b\r\nFrom: a9@example.com\r\n\r\nCRLF x9@example.com\r\nFrom a@b\r\nTo: a19@example.com\r\n\r\nx19\r\n",
};

static void test_each_message(void **state)
{
	(void)state;
	const char *p = path_of("one.mbox");
	for (size_t i = 0; i < sizeof messages / sizeof *messages; i++) {
		spit(p, messages[i], strlen(messages[i]));
		same_both_ways(p);
	}
	for (size_t i = 0; i < sizeof alone / sizeof *alone; i++) {
		spit(p, alone[i], strlen(alone[i]));
		same_both_ways(p);
	}
}

static void test_all_messages(void **state)
{
	(void)state;
	fort_buf b;
	const char *p = path_of("all.mbox");

	fort_buf_init(&b, 0);
	/* every order of fast and GMime neighbours, and the last without a newline */
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < sizeof messages / sizeof *messages; i++)
			fort_buf_puts(&b, messages[round ? sizeof messages / sizeof *messages - 1 - i : i]);
	fort_buf_puts(&b, "From a@b\nFrom: a15@example.com\n\nlast no newline x15@example.com");
	spit(p, b.buf, b.len);
	same_both_ways(p);
	fort_buf_release(&b);
}

/* Headers holding bytes of 128 and up: valid UTF-8 in a kept header's
 * value is read by the fast path (GMime gives it as it is); anything else
 * goes to GMime.  Either way the documents are GMime's. */
static const struct {
	const char *m;
	int fast;
} eight_bit[] = {
	{ "From a@b\nFrom: A <a20@example.com>\nTo: Malte B\xc3\xbcrklein <a21@example.com>\n"
	  "Subject: Gr\xc3\xbc\xc3\x9f\x65 \xe2\x82\xac 5 \xf0\x9f\x98\x80  \nContent-Type: text/plain; charset=utf-8\n\n"
	  "body x20@example.com\n", 1 },
	{ "From a@b\nReceived: from mx (10.1.2.3)\n\tby mx2\nFrom: \xc3\x89lodie <a22@example.com>\n\n"
	  "body \xc3\xa9 x22@example.com\n", 1 },
	/* Latin-1, not UTF-8: GMime converts it */
	{ "From a@b\nFrom: J\xf6rg <a23@example.com>\n\nbody x23@example.com\n", 0 },
	/* a surrogate and an overlong form: not UTF-8 */
	{ "From a@b\nSubject: \xed\xa0\x80 x\nFrom: a24@example.com\n\nx24@example.com\n", 0 },
	{ "From a@b\nSubject: \xc0\xaf x\nFrom: a25@example.com\n\nx25@example.com\n", 0 },
	/* in a header's name, a folded line, a transport header */
	{ "From a@b\nX-\xc3\xa9: v\nFrom: a26@example.com\n\nx26@example.com\n", 0 },
	{ "From a@b\nSubject: one\n \xc3\xa9 two\nFrom: a27@example.com\n\nx27@example.com\n", 0 },
	{ "From a@b\nReceived: from \xc3\xa9 (10.1.2.3)\nFrom: a28@example.com\n\nx28@example.com\n", 0 },
	{ "From a@b\nContent-Type: text/plain; charset=\xc3\xa9\nFrom: a29@example.com\n\nx29@example.com\n", 0 },
};

static void test_eight_bit_headers(void **state)
{
	(void)state;
	const char *p = path_of("eight.mbox");
	ev e;

	for (size_t i = 0; i < sizeof eight_bit / sizeof *eight_bit; i++) {
		spit(p, eight_bit[i].m, strlen(eight_bit[i].m));
		same_both_ways(p);
		rd_mail_fast_taken = 0;
		events(&e, p, 1);
		fort_buf_release(&e.b);
		if (rd_mail_fast_taken != (unsigned long)eight_bit[i].fast)
			fprintf(stderr, "eight_bit[%zu]: the fast path took %lu message(s), not %d\n", i,
				rd_mail_fast_taken, eight_bit[i].fast);
		assert_int_equal(rd_mail_fast_taken, eight_bit[i].fast);
		/* no place in the file for their parts, as when GMime read
		 * them (the output does not change) */
		assert_int_equal(e.raw, 0);
	}
	/* an ASCII message's part has its place */
	spit(p, messages[0], strlen(messages[0]));
	events(&e, p, 1);
	fort_buf_release(&e.b);
	assert_int_equal(e.raw, 1);
	/* a body of 100 bytes with one byte of 128 and up anywhere (the ASCII
	 * check's 32-byte steps and its tail) has none */
	for (size_t at = 0; at <= 100; at++) {
		char m[256];
		int n = snprintf(m, sizeof(m), "From a@b\nFrom: a39@example.com\n\n%*s\n", 100, "x39@example.com");

		assert_true(n > 0 && (size_t)n < sizeof(m));
		if (at < 100)
			m[n - 101 + at] = '\xe9';
		spit(p, m, (size_t)n);
		events(&e, p, 1);
		fort_buf_release(&e.b);
		assert_int_equal(e.raw, at == 100);
	}
}

/* Transport headers (left out of the "#N" document) of every name of
 * read_mbox.c's table in mixed case, and the prefixes, beside kept headers
 * of the same lengths and first letters (Reply-To and Received are both 8
 * bytes; X-MS-Exchange without its dash, Archived-At after "arc"): read by
 * the fast path, and the same documents as GMime's. */
static void test_transport_headers(void **state)
{
	static const char m[] =
		"From a@b\nReceived: from mx\nDKIM-Signature: v=1\nDomainKey-Signature: a=1\nARC-Seal: i=1\n"
		"ARC-Message-Signature: i=1\nARC-Authentication-Results: i=1\nAuthentication-Results: mx\n"
		"Received-SPF: pass\nMessage-ID: <id@x>\nReferences: <r@x>\nIn-Reply-To: <p@x>\nMIME-Version: 1.0\n"
		"Content-ID: <c@x>\nX-Received: by 10.0.0.1\nX-Google-DKIM-Signature: v=1\n"
		"X-Google-SMTP-Source: abc\nX-Gm-Message-State: def\n"
		"X-MS-Exchange-Organization-Network-Message-Id: 1\nThread-Index: AQ\nX-MS-Has-Attach: no\n"
		"X-MS-TNEF-Correlator: 2\nList-Unsubscribe: <mailto:u@x>\nPrecedence: bulk\n"
		"x-ms-exchange-anything: 3\narc-other: 4\nX-MS-Exchange: kept a30@example.com\n"
		"Archived-At: <a31@example.com>\nReply-To: a32@example.com\nX-Mailer: m a33@example.com\n"
		"Delivered-To: a34@example.com\nThread-Topic: t a35@example.com\nArc: a36@example.com\n"
		"Date: Sat, 1 Jan 2022 00:00:00 +0000\nTo: a37@example.com\nFrom: a38@example.com\n"
		"Content-Type: text/plain\n\nbody x30@example.com\n";
	const char *p = path_of("transport.mbox");
	ev e;

	(void)state;
	spit(p, m, strlen(m));
	same_both_ways(p);
	rd_mail_fast_taken = 0;
	events(&e, p, 1);
	assert_int_equal(rd_mail_fast_taken, 1);
	/* the kept headers are there, the transport ones not */
	assert_non_null(memmem(e.b.buf, e.b.len, "Reply-To: a32@example.com", 25));
	assert_non_null(memmem(e.b.buf, e.b.len, "X-MS-Exchange: kept", 19));
	assert_null(memmem(e.b.buf, e.b.len, "Precedence", 10));
	assert_null(memmem(e.b.buf, e.b.len, "x-ms-exchange-anything", 22));
	fort_buf_release(&e.b);
}

/* The header name check of the fast path, one SSE2 step for a name of up
 * to 16 bytes, against its byte loop: every byte value at every place of
 * names of every length up to 20, bytes after the name of every kind. */
static void test_name_bytes_vector(void **state)
{
	char name[64];
	size_t n, pos, v, asked = 0;

	(void)state;
	for (v = 0; v < 256; v++)
		for (n = 1; n <= 20; n++)
			for (pos = 0; pos < n + 4; pos++) {
				memset(name, 'a', sizeof(name));
				name[pos] = (char)v;
				asked++;
				if (rd_mbox_name_ok(name, n, sizeof(name), 0) != rd_mbox_name_ok(name, n, sizeof(name), 1))
					fail_msg("byte 0x%02zx at %zu, length %zu: %d, byte loop %d", v, pos, n,
						 rd_mbox_name_ok(name, n, sizeof(name), 0),
						 rd_mbox_name_ok(name, n, sizeof(name), 1));
			}
	/* every bad byte value is refused in a short name */
	for (v = 0; v < 256; v++) {
		memset(name, 'a', sizeof(name));
		name[3] = (char)v;
		assert_int_equal(rd_mbox_name_ok(name, 8, sizeof(name), 0), v > 0x20 && v < 0x7f);
	}
	assert_int_equal(asked, 256 * (20 * 21 / 2 + 4 * 20));
}

static void test_given_file(void **state)
{
	(void)state;
	const char *p = getenv("FORT_TEST_MBOX");
	if (!p || !*p)
		skip();
	same_both_ways(p);
}

/* The header line check of the fast path, 16 bytes a step, against its
 * byte loop: every byte value at every place of a line (and a '?' after
 * it, the "=?" of an encoded-word, across the steps' edges), then random
 * lines of the bytes that matter at every length up to 100. */
static void test_header_bytes_vector(void **state)
{
	static const char set[] = "ab: =?\r\x80\xc3Z\t-";
	char line[128];
	size_t n, pos, v, k, asked = 0;
	uint32_t x = 99;

	(void)state;
	for (v = 0; v < 256; v++)
		for (pos = 0; pos < 40; pos++)
			for (k = 0; k < 2; k++) {
				memset(line, 'a', sizeof(line));
				line[pos] = (char)v;
				if (k)
					line[pos + 1] = '?';
				for (n = pos; n <= pos + 3; n++) {
					asked++;
					if (rd_mbox_header_bytes(line, n, 0) != rd_mbox_header_bytes(line, n, 1))
						fail_msg("byte 0x%02zx at %zu%s, length %zu: %d, byte loop %d", v, pos,
							 k ? " with '?' after" : "", n, rd_mbox_header_bytes(line, n, 0),
							 rd_mbox_header_bytes(line, n, 1));
				}
			}
	for (k = 0; k < 3000; k++) {
		for (n = 0; n < sizeof(line); n++) {
			x = x * 1103515245u + 12345u;
			line[n] = (x >> 16) % 5 ? 'q' : set[(x >> 20) % (sizeof(set) - 1)];
		}
		for (n = 0; n <= 100; n++) {
			asked++;
			if (rd_mbox_header_bytes(line, n, 0) != rd_mbox_header_bytes(line, n, 1))
				fail_msg("line %zu, length %zu: %d, byte loop %d", k, n, rd_mbox_header_bytes(line, n, 0),
					 rd_mbox_header_bytes(line, n, 1));
		}
	}
	assert_true(asked > 100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_message),
		cmocka_unit_test(test_all_messages),
		cmocka_unit_test(test_eight_bit_headers),
		cmocka_unit_test(test_header_bytes_vector),
		cmocka_unit_test(test_transport_headers),
		cmocka_unit_test(test_name_bytes_vector),
		cmocka_unit_test(test_given_file),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
