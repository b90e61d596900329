/* test_readers_sniff.c - what scan_sniff() says a file is, and UTF-16 text
 * (with a byte order mark) read as UTF-8. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-readers-sniff-XXXXXX"
#include "fixture.h"
#include "readers_test.h"

#define SNIFF(name, lit) scan_sniff((name), (const unsigned char *)(lit), sizeof(lit) - 1)

static void test_kinds(void **state)
{
	(void)state;
	/* a vault, or any SQLite database, and its companions: never read */
	assert_int_equal(SNIFF("vault.db", "SQLite format 3\0\x10\0\1\1"), SCAN_KIND_BINARY);
	assert_int_equal(SNIFF("/home/a/.local/share/fortress/vault.db-wal", "anything"), SCAN_KIND_BINARY);
	assert_int_equal(SNIFF("vault.db-shm", ""), SCAN_KIND_BINARY);
	assert_int_equal(SNIFF("x.db-journal", "text"), SCAN_KIND_BINARY);
	/* binaries */
	assert_int_equal(SNIFF("a.png", "\x89PNG\r\n\x1a\n"), SCAN_KIND_BINARY);
	assert_int_equal(SNIFF("a.jpg", "\xff\xd8\xff\xe0"), SCAN_KIND_BINARY);
	assert_int_equal(SNIFF("a.out", "\x7f" "ELF\2\1\1"), SCAN_KIND_BINARY);
	assert_int_equal(SNIFF("a.doc", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), SCAN_KIND_BINARY);
	assert_int_equal(SNIFF("a.txt", "text with a \0 NUL"), SCAN_KIND_BINARY);
	/* a magic number is not enough: the content decides */
	assert_int_equal(SNIFF("token.txt", "MZ1yGvKTjE0rY0cV8i47CjAa.uRHQPq.Xb1Mk2nEhe-4iUcrGOuegj57zMC\n"), SCAN_KIND_TEXT);
	assert_int_equal(SNIFF("notes.txt", "BZh, RIFF and ID3 are words here\n"), SCAN_KIND_TEXT);
	assert_int_equal(SNIFF("a.exe", "MZ\x90\0\3\0\0\0\4\0"), SCAN_KIND_BINARY);
	assert_int_equal(SNIFF("a.exe", "MZ\x90\x03\x04\xff\xfe\x01\x02"), SCAN_KIND_BINARY);
	/* containers */
	assert_int_equal(SNIFF("a.zip", "PK\3\4\x14\0"), SCAN_KIND_CONTAINER);
	assert_int_equal(SNIFF("empty.zip", "PK\5\6\0\0"), SCAN_KIND_CONTAINER);
	assert_int_equal(SNIFF("a.gz", "\x1f\x8b\x08\0"), SCAN_KIND_CONTAINER);
	assert_int_equal(SNIFF("a.pdf", "%PDF-1.7\n"), SCAN_KIND_CONTAINER);
	assert_int_equal(SNIFF("u.txt", "\xff\xfeh\0i\0"), SCAN_KIND_CONTAINER);
	assert_int_equal(SNIFF("u.txt", "\xfe\xff\0h\0i"), SCAN_KIND_CONTAINER);
	assert_int_equal(SNIFF("Inbox", "From a@b.c Sun Nov 29 10:00:00 2026\nFrom: a@b.c\n\nhi\n"), SCAN_KIND_CONTAINER);
	assert_int_equal(SNIFF("m.eml", "Subject: hi\r\n\r\nbody\r\n"), SCAN_KIND_CONTAINER);
	/* text */
	assert_int_equal(SNIFF("a.txt", "plain text\n"), SCAN_KIND_TEXT);
	assert_int_equal(SNIFF("a.txt", "\xef\xbb\xbfUTF-8 with a BOM\n"), SCAN_KIND_TEXT);
	assert_int_equal(SNIFF("a.csv", "M\xfcller;Stra\xdf" "e\n"), SCAN_KIND_TEXT);
	assert_int_equal(SNIFF("empty", ""), SCAN_KIND_TEXT);
	assert_int_equal(SNIFF("a.txt", "From here to there\nno header\n"), SCAN_KIND_TEXT);
}

/* Every magic number of rd_sniff's table, followed by control bytes: each
 * is binary (the table is looked at only for a head whose first byte
 * starts one of its entries: one left out of that would be read as text). */
static void test_every_magic(void **state)
{
	static const struct { const char *m; size_t n; } bin[] = {
		{ "\x89PNG", 4 }, { "\xff\xd8\xff", 3 }, { "GIF8", 4 }, { "II*\0", 4 }, { "MM\0*", 4 },
		{ "\x7f" "ELF", 4 }, { "MZ", 2 }, { "\xca\xfe\xba\xbe", 4 }, { "\xfe\xed\xfa\xce", 4 },
		{ "\xfe\xed\xfa\xcf", 4 }, { "\xcf\xfa\xed\xfe", 4 }, { "\xce\xfa\xed\xfe", 4 },
		{ "\0asm", 4 }, { "7z\xbc\xaf\x27\x1c", 6 }, { "Rar!\x1a\x07", 6 }, { "\xfd" "7zXZ", 5 },
		{ "\x28\xb5\x2f\xfd", 4 }, { "BZh", 3 }, { "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8 },
		{ "OggS", 4 }, { "fLaC", 4 }, { "ID3", 3 }, { "RIFF", 4 }, { "\x1a\x45\xdf\xa3", 4 },
		{ "wOFF", 4 }, { "wOF2", 4 }, { "\0\1\0\0\0", 5 }, { "OTTO", 4 },
	};
	unsigned char h[64];

	(void)state;
	for (size_t i = 0; i < sizeof bin / sizeof *bin; i++) {
		memcpy(h, bin[i].m, bin[i].n);
		for (size_t k = bin[i].n; k < sizeof(h); k++)
			h[k] = (unsigned char)(1 + k % 8);   /* control bytes, no NUL */
		if (scan_sniff("x.bin", h, sizeof(h)) != SCAN_KIND_BINARY)
			fail_msg("magic %zu (first byte 0x%02x) not binary", i, (unsigned char)bin[i].m[0]);
	}
}

/* UTF-16 of the UTF-8 string S (BMP and surrogate pairs), with a BOM. */
static void utf16(fort_buf *out, const char *s, int be)
{
	const unsigned char *p = (const unsigned char *)s;
	fort_buf_init(out, 0);
	fort_buf_put(out, be ? "\xfe\xff" : "\xff\xfe", 2);
	while (*p) {
		uint32_t cp;
		if (*p < 0x80) cp = *p++;
		else if (*p < 0xe0) { cp = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f); p += 2; }
		else if (*p < 0xf0) { cp = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f); p += 3; }
		else { cp = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 | (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f); p += 4; }
		uint16_t u[2];
		int n = 1;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			u[0] = (uint16_t)(0xd800 | cp >> 10);
			u[1] = (uint16_t)(0xdc00 | (cp & 0x3ff));
			n = 2;
		} else {
			u[0] = (uint16_t)cp;
		}
		for (int i = 0; i < n; i++) {
			unsigned char c[2] = { (unsigned char)(be ? u[i] >> 8 : u[i]), (unsigned char)(be ? u[i] : u[i] >> 8) };
			fort_buf_put(out, c, 2);
		}
	}
}

static void test_utf16(void **state)
{
	(void)state;
	fort_buf text, enc;
	fort_buf_init(&text, 0);
	/* long enough to cross the reader's chunks, with an odd number of
	 * 2- and 4-byte sequences so pairs straddle chunk ends */
	for (int i = 0; text.len < 300000; i++)
		fort_buf_printf(&text, "%d M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x98\x80 j%d@example.com\n", i, i);
	for (int be = 0; be <= 1; be++) {
		rec g = { 0 };
		utf16(&enc, text.buf, be);
		spit(path_of("u16.txt"), enc.buf, enc.len);
		assert_int_equal(scan_sniff("u16.txt", (const unsigned char *)enc.buf, 4096), SCAN_KIND_CONTAINER);
		assert_int_equal(rec_read(&g, path_of("u16.txt"), NULL), 0);
		assert_int_equal(g.ndocs, 1);
		assert_string_equal(g.logical[0], "");
		assert_int_equal(g.text[0].len, text.len);
		assert_memory_equal(g.text[0].buf, text.buf, text.len);
		rec_free(&g);
		fort_buf_release(&enc);
	}
	/* without a byte order mark (as some Windows exports): recognised by
	 * its zero bytes, which otherwise make a file binary */
	const char le[] = "n\0a\0m\0e\0,\0e\0m\0a\0i\0l\0\n\0A\0n\0n\0,\0a\0n\0n\0@\0x\0.\0d\0e\0\n\0";
	assert_int_equal(scan_sniff("export.csv", (const unsigned char *)le, sizeof le - 1), SCAN_KIND_CONTAINER);
	assert_int_equal(scan_sniff("export.csv", (const unsigned char *)le + 1, sizeof le - 2), SCAN_KIND_CONTAINER);
	assert_int_equal(SNIFF("x.bin", "\x01\0\x02\0\x03\0\x04\0\x05\0\x06\0\x07\0\x08\0"), SCAN_KIND_BINARY);
	spit(path_of("le.csv"), le, sizeof le - 1);
	{
		rec g2 = { 0 };
		assert_int_equal(rec_read(&g2, path_of("le.csv"), NULL), 0);
		assert_string_equal(rec_doc(&g2, ""), "name,email\nAnn,ann@x.de\n");
		rec_free(&g2);
	}
	char be[sizeof le];
	be[0] = '\0';
	memcpy(be + 1, le, sizeof le - 2);    /* shifted by one: big endian */
	spit(path_of("be.csv"), be, sizeof le - 1);
	{
		rec g2 = { 0 };
		assert_int_equal(rec_read(&g2, path_of("be.csv"), NULL), 0);
		assert_string_equal(rec_doc(&g2, ""), "name,email\nAnn,ann@x.de\n");
		rec_free(&g2);
	}

	/* an unpaired surrogate and an odd trailing byte: replaced, no crash */
	rec g = { 0 };
	spit(path_of("bad16.txt"), "\xff\xfe" "a\0" "\x00\xd8" "b\0" "c", 9);
	assert_int_equal(rec_read(&g, path_of("bad16.txt"), NULL), 0);
	assert_string_equal(rec_doc(&g, ""), "a\xef\xbf\xbd" "b");
	rec_free(&g);
	fort_buf_release(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_every_magic),
		cmocka_unit_test(test_utf16),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
