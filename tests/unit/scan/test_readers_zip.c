/* test_readers_zip.c - zip and gzip archives: members, nesting, limits
 * (depth, total, zip bomb), damaged and encrypted archives. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-readers-zip-XXXXXX"
#include "fixture.h"
#include "readers_test.h"

static void test_members(void **state)
{
	(void)state;
	member m[] = {
		MEMBER("notes/a.txt", "call John at +49 30 1234567\nsecond line\n"),
		MEMBER("b.csv", "name;iban\nAnn;DE89 3704 0044 0532 0130 00\n"),
		{ "latin1.txt", "M\xfcller \x80 5\n", 11, 0, 0 },
		{ "pic.png", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, 0, 0 },
	};
	rec g = { 0 };
	assert_int_equal(rec_read(&g, write_zip("m.zip", m, 4), NULL), 0);
	assert_doc_has(&g, "!notes/a.txt", "call John at +49 30 1234567\nsecond line\n");
	assert_doc_has(&g, "!b.csv", "DE89 3704 0044 0532 0130 00");
	/* Windows-1252 member turned into UTF-8 */
	assert_doc_has(&g, "!latin1.txt", "M\xc3\xbcller \xe2\x82\xac 5\n");
	assert_skipped(&g, "!pic.png", "binary");
	assert_null(rec_doc(&g, "!pic.png"));
	rec_free(&g);
}

static void test_nested_and_depth(void **state)
{
	(void)state;
	member in[] = { MEMBER("deep.txt", "jane@example.com\n") };
	fort_buf inner, mid;
	build_archive(&inner, in, 1, 0, NULL);
	member m2[] = { { "inner.zip", inner.buf, inner.len, 0, 0 }, MEMBER("top.txt", "top\n") };
	build_archive(&mid, m2, 2, 0, NULL);
	member m3[] = { { "mid.zip", mid.buf, mid.len, 0, 0 } };
	const char *p = write_zip("nested.zip", m3, 1);
	rec g = { 0 };

	assert_int_equal(rec_read(&g, p, NULL), 0);
	assert_doc_has(&g, "!mid.zip!inner.zip!deep.txt", "jane@example.com");
	assert_doc_has(&g, "!mid.zip!top.txt", "top");
	rec_free(&g);

	/* zero limits are the defaults, not "nothing" */
	scan_limits zero = { 0, 0, 0 };
	assert_int_equal(rec_read(&g, p, &zero), 0);
	assert_doc_has(&g, "!mid.zip!inner.zip!deep.txt", "jane@example.com");
	assert_int_equal(g.nskips, 0);
	rec_free(&g);

	/* the file is depth 1, mid.zip 2, inner.zip 3: with a limit of 2 the
	 * innermost is refused, the rest read */
	scan_limits lim = SCAN_LIMITS_DEFAULT;
	lim.max_depth = 2;
	assert_int_equal(rec_read(&g, p, &lim), 0);
	assert_skipped(&g, "!mid.zip!inner.zip", "too deep");
	assert_null(rec_doc(&g, "!mid.zip!inner.zip!deep.txt"));
	assert_doc_has(&g, "!mid.zip!top.txt", "top");
	rec_free(&g);
	fort_buf_release(&inner);
	fort_buf_release(&mid);
}

static void test_zip_bomb(void **state)
{
	(void)state;
	/* 50 MB of one letter compresses about 1000:1 */
	member m[] = { MEMBER("first.txt", "before\n"), { "bomb.txt", NULL, 0, (size_t)50 << 20, 'A' },
		       MEMBER("after.txt", "after\n") };
	rec g = { 0 };
	assert_int_equal(rec_read(&g, write_zip("bomb.zip", m, 3), NULL), 0);
	assert_doc_has(&g, "!first.txt", "before");
	assert_skipped(&g, "!bomb.txt", "suspected zip bomb: expands more than 100x");
	/* stopped early, not after 50 MB */
	assert_true(rec_doc(&g, "!bomb.txt") && strlen(rec_doc(&g, "!bomb.txt")) < ((size_t)20 << 20));
	rec_free(&g);

	/* the same member nested in another zip is stopped as well */
	fort_buf inner;
	build_archive(&inner, m, 3, 0, NULL);
	member outer[] = { { "bomb.zip", inner.buf, inner.len, 0, 0 } };
	assert_int_equal(rec_read(&g, write_zip("bomb2.zip", outer, 1), NULL), 0);
	assert_skipped(&g, "!bomb.zip!bomb.txt", "suspected zip bomb");
	rec_free(&g);
	fort_buf_release(&inner);

	/* 2 MB of ordinary text is not a bomb */
	fort_buf big;
	fort_buf_init(&big, 0);
	for (int i = 0; big.len < ((size_t)2 << 20); i++)
		assert_true(fort_buf_printf(&big, "line %d: customer %d paid invoice %d\n", i, i * 7, i * 13) >= 0);
	member ok[] = { { "big.txt", big.buf, big.len, 0, 0 } };
	assert_int_equal(rec_read(&g, write_zip("big.zip", ok, 1), NULL), 0);
	assert_int_equal(g.nskips, 0);
	assert_int_equal(strlen(rec_doc(&g, "!big.txt")), big.len);
	rec_free(&g);
	fort_buf_release(&big);
}

static void test_total_limit(void **state)
{
	(void)state;
	member m[] = { MEMBER("a.txt", "0123456789\n"), { "b.txt", NULL, 0, 5000, 'x' }, MEMBER("c.txt", "never\n") };
	scan_limits lim = SCAN_LIMITS_DEFAULT;
	rec g = { 0 };
	lim.max_total = 1000;
	assert_int_equal(rec_read(&g, write_zip("total.zip", m, 3), &lim), 0);
	assert_doc_has(&g, "!a.txt", "0123456789");
	assert_skipped(&g, "!b.txt", "too large: more than 1000 bytes");
	assert_null(rec_doc(&g, "!c.txt"));
	rec_free(&g);
}

static void test_gzip(void **state)
{
	(void)state;
	const char *text = "IBAN DE89 3704 0044 0532 0130 00\n";
	member m[] = { MEMBER("data", text) };
	fort_buf b;
	rec g = { 0 };
	build_archive(&b, m, 1, 1, NULL);
	spit(path_of("notes.txt.gz"), b.buf, b.len);
	assert_int_equal(scan_sniff("notes.txt.gz", (const unsigned char *)b.buf, b.len), SCAN_KIND_CONTAINER);
	assert_int_equal(rec_read(&g, path_of("notes.txt.gz"), NULL), 0);
	assert_doc_has(&g, "", text);
	rec_free(&g);

	/* a zip inside a gzip */
	fort_buf z, gz;
	member in[] = { MEMBER("x.txt", "inside\n") };
	build_archive(&z, in, 1, 0, NULL);
	member m2[] = { { "data", z.buf, z.len, 0, 0 } };
	build_archive(&gz, m2, 1, 1, NULL);
	spit(path_of("x.zip.gz"), gz.buf, gz.len);
	assert_int_equal(rec_read(&g, path_of("x.zip.gz"), NULL), 0);
	assert_doc_has(&g, "!x.txt", "inside");
	rec_free(&g);

	/* a truncated gzip: what was read is kept, the rest reported */
	fort_buf big;
	fort_buf_init(&big, 0);
	for (int i = 0; big.len < 300000; i++)
		assert_true(fort_buf_printf(&big, "%d %d\n", i, i * 31337) >= 0);
	member m3[] = { { "data", big.buf, big.len, 0, 0 } };
	fort_buf_release(&b);
	build_archive(&b, m3, 1, 1, NULL);
	spit(path_of("cut.txt.gz"), b.buf, b.len / 2);
	assert_int_equal(rec_read(&g, path_of("cut.txt.gz"), NULL), 0);
	assert_skipped(&g, "", "damaged");
	assert_true(strncmp(rec_doc(&g, ""), "0 0\n1 31337\n", 12) == 0);
	rec_free(&g);
	fort_buf_release(&big);
	fort_buf_release(&b);
	fort_buf_release(&z);
	fort_buf_release(&gz);
}

static void test_damaged_zip(void **state)
{
	(void)state;
	fort_buf b, big;
	fort_buf_init(&big, 0);
	for (int i = 0; big.len < 200000; i++)
		assert_true(fort_buf_printf(&big, "row %d %d\n", i, i * 7919) >= 0);
	member m[] = { MEMBER("first.txt", "first member\n"), { "second.txt", big.buf, big.len, 0, 0 } };
	rec g = { 0 };
	build_archive(&b, m, 2, 0, NULL);
	/* cut inside the second member: no central directory either */
	spit(path_of("cut.zip"), b.buf, b.len / 2);
	assert_int_equal(rec_read(&g, path_of("cut.zip"), NULL), 0);
	assert_doc_has(&g, "!first.txt", "first member");
	assert_true(g.nskips >= 1);
	assert_non_null(strstr(g.skip_why[0], "damaged"));
	rec_free(&g);

	/* garbage after the magic */
	spit(path_of("junk.zip"), "PK\3\4garbage garbage garbage", 27);
	assert_int_equal(rec_read(&g, path_of("junk.zip"), NULL), 0);
	assert_int_equal(g.ndocs, 0);
	assert_true(g.nskips == 1 && strstr(g.skip_why[0], "damaged"));
	rec_free(&g);
	fort_buf_release(&b);
	fort_buf_release(&big);
}

static void test_encrypted(void **state)
{
	(void)state;
	member m[] = { MEMBER("secret.txt", "hidden IBAN DE89 3704 0044 0532 0130 00\n") };
	fort_buf b;
	rec g = { 0 };
	build_archive(&b, m, 1, 0, "zip:encryption=zipcrypt");
	spit(path_of("enc.zip"), b.buf, b.len);
	assert_int_equal(rec_read(&g, path_of("enc.zip"), NULL), 0);
	assert_skipped(&g, "!secret.txt", "encrypted");
	assert_null(rec_doc(&g, "!secret.txt"));
	rec_free(&g);
	fort_buf_release(&b);
}

static void test_sink_error_stops(void **state)
{
	(void)state;
	member m[] = { MEMBER("a.txt", "one\n"), MEMBER("b.txt", "two\n"), MEMBER("c.txt", "three\n") };
	rec g = { 0 };
	g.fail_after = 1;
	assert_int_equal(rec_read(&g, write_zip("stop.zip", m, 3), NULL), FORT_ERROR);
	assert_int_equal(g.ndocs, 2);   /* stopped in the second, nothing after */
	g.open = 0;
	rec_free(&g);

	assert_int_equal(rec_read(&g, path_of("does-not-exist.zip"), NULL), FORT_ENOTFOUND);
	assert_non_null(strstr(fort_error_message(), "does-not-exist.zip"));
	rec_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_nested_and_depth),
		cmocka_unit_test(test_zip_bomb),
		cmocka_unit_test(test_total_limit),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_damaged_zip),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_sink_error_stops),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
