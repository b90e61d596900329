/* test_scan_engine.c - the streaming engine and the run around it: values
 * across read-block ends found exactly once, memory that does not grow with
 * the file (a 200 MB sparse file), deterministic order over threads, the
 * walk (.fortressignore, symlinks, depth, the vault excluded), unreadable
 * files, the .fortressignore matcher and baselines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sodium.h>
#include <cmocka.h>
#include "fortress.h"
#include "scan/scan_int.h"
#define FIXTURE_DIR "/tmp/fort-test-scan-engine-XXXXXX"
#include "fixture.h"
#include "scan_test.h"

/* ------------------------------------------------------ block boundaries */

struct planted {
	unsigned long long off[4096];
	size_t n, seen, bad;
};

static int check_planted(void *ctx, const fort_scan_finding *f)
{
	struct planted *p = ctx;

	if (p->seen < p->n && f->offset == p->off[p->seen] && f->type == FORT_SCAN_CARD && f->length == 19)
		p->seen++;
	else
		p->bad++;
	return 0;
}

/* Cards at every distance from the block ends: each found once, at its offset. */
static void boundary_case(size_t block)
{
	static char text[4096 * 48];
	struct planted p;
	fort_scan_opts o = FORT_SCAN_OPTS_INIT;
	size_t len = 0, i;
	const char *path = path_of("boundary.txt");

	memset(&p, 0, sizeof(p));
	for (i = 0; i < 3000 && len + 64 < sizeof(text); i++) {
		size_t fill = (i * 7) % 23;

		memset(text + len, 'x', fill);
		len += fill;
		text[len++] = ' ';
		p.off[p.n++] = len;
		memcpy(text + len, "4111 1111 1111 1111", 19);
		len += 19;
		text[len++] = i % 5 ? ' ' : '\n';
	}
	scan_set_block_size(block);
	o.on_finding = check_planted;
	o.ctx = &p;
	assert_int_equal(fort_scan_buffer(NULL, "mem", text, len, &o), 0);
	if (p.seen != p.n || p.bad)
		fail_msg("block %zu, in memory: %zu of %zu found, %zu unexpected", block, p.seen, p.n, p.bad);
	spit(path, text, len);
	p.seen = p.bad = 0;
	o.jobs = 1;
	assert_int_equal(fort_scan_run(NULL, &path, 1, &o), 0);
	if (p.seen != p.n || p.bad)
		fail_msg("block %zu, from the file: %zu of %zu found, %zu unexpected", block, p.seen, p.n, p.bad);
	scan_set_block_size(0);
}

static void test_block_boundaries(void **state)
{
	(void)state;
	boundary_case(61);
	boundary_case(1000);
	boundary_case(4093);
	boundary_case(65536);
}

/* Inline ignores answered per buffer (a buffer holding no
 * "fortress:ignore" answers every line in it): tags only in the text's
 * second half, at every block size, each tagged line's card suppressed
 * and every other card found once, at its offset. */
static void ignore_case(size_t block)
{
	static char text[4096 * 24];
	struct planted p;
	fort_scan_opts o = FORT_SCAN_OPTS_INIT;
	size_t len = 0, i;
	const char *path = path_of("ignore.txt");

	memset(&p, 0, sizeof(p));
	for (i = 0; i < 2000 && len + 80 < sizeof(text); i++) {
		int tag = i >= 1000 && i % 3 == 0;
		size_t fill = (i * 7) % 23;

		memset(text + len, 'x', fill);
		len += fill;
		text[len++] = ' ';
		if (!tag)
			p.off[p.n++] = len;
		memcpy(text + len, "4111 1111 1111 1111", 19);
		len += 19;
		if (tag) {
			memcpy(text + len, " fortress:ignore", 16);
			len += 16;
		}
		text[len++] = '\n';
	}
	scan_set_block_size(block);
	o.on_finding = check_planted;
	o.ctx = &p;
	assert_int_equal(fort_scan_buffer(NULL, "mem", text, len, &o), 0);
	if (p.seen != p.n || p.bad)
		fail_msg("block %zu, in memory: %zu of %zu found, %zu unexpected", block, p.seen, p.n, p.bad);
	spit(path, text, len);
	p.seen = p.bad = 0;
	o.jobs = 1;
	assert_int_equal(fort_scan_run(NULL, &path, 1, &o), 0);
	if (p.seen != p.n || p.bad)
		fail_msg("block %zu, from the file: %zu of %zu found, %zu unexpected", block, p.seen, p.n, p.bad);
	scan_set_block_size(0);
}

static void test_ignore_per_buffer(void **state)
{
	/* the same size: one stream reads both at the same offsets, so the
	 * answer for the first file's buffer must not stand for the second's */
	static const char plain[] = "card 4111 1111 1111 1111 no tag, plainly\n";
	static const char tagged[] = "card 4111 1111 1111 1111 fortress:ignore\n";
	const char *paths[2];
	struct planted p;
	fort_scan_opts o = FORT_SCAN_OPTS_INIT;

	(void)state;
	ignore_case(61);
	ignore_case(1000);
	ignore_case(65536);
	assert_int_equal(sizeof(plain), sizeof(tagged));
	paths[0] = path_of("ign_plain.txt");
	spit(paths[0], plain, sizeof(plain) - 1);
	paths[1] = path_of("ign_tagged.txt");
	spit(paths[1], tagged, sizeof(tagged) - 1);
	memset(&p, 0, sizeof(p));
	p.off[p.n++] = 5;        /* the plain file's card only */
	o.on_finding = check_planted;
	o.ctx = &p;
	o.jobs = 1;
	assert_int_equal(fort_scan_run(NULL, paths, 2, &o), 0);
	assert_int_equal(p.seen, 1);
	assert_int_equal(p.bad, 0);
}

/* Secret labels among many ':' (mail headers, keys that are no labels,
 * keyword factors outside the identifier): the label check remembers what
 * it has seen in stream offsets; each label is found once, at its offset,
 * at every block size. */
static void label_case(size_t block)
{
	static char text[1 << 16];
	size_t off[256], n = 0, len = 0, i, k;
	struct hits hs;
	fort_scan_opts o = test_opts(&hs);

	for (i = 0; len + 256 < sizeof(text) && n < 200; i++) {
		switch (i % 7) {
		case 0:
			len += (size_t)sprintf(text + len, "db_password: ");
			off[n++] = len;
			len += (size_t)sprintf(text + len, "Zq4$wE1r%zu\n", i);
			break;
		case 1:
			len += (size_t)sprintf(text + len, "Subject: a second key to the passes\n");
			break;
		case 2:
			len += (size_t)sprintf(text + len, "Date: Mon, Jun :: GMT\n");
			break;
		case 3:
			len += (size_t)sprintf(text + len, "x-token-count: many tokens\n");
			break;
		case 4:
			len += (size_t)sprintf(text + len, "no colon here, just passes and keys and rash secrets\n");
			break;
		case 5:
			for (k = 0; k < 9; k++)
				len += (size_t)sprintf(text + len, "filler word ");
			len += (size_t)sprintf(text + len, "api_key = \"");
			off[n++] = len;
			len += (size_t)sprintf(text + len, "r4nd0mV4lu3xy%zu\"\n", i);
			break;
		default:
			len += (size_t)sprintf(text + len, "To: someone\n");
		}
	}
	scan_set_block_size(block);
	assert_int_equal(fort_scan_buffer(NULL, "mem", text, len, &o), 0);
	scan_set_block_size(0);
	if (hs.n != n)
		fail_msg("block %zu: %zu findings, %zu labels planted", block, hs.n, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(hs.h[i].type, FORT_SCAN_SECRET);
		if (hs.h[i].offset != off[i])
			fail_msg("block %zu: label %zu at %llu, planted at %zu", block, i, hs.h[i].offset, off[i]);
	}
}

static void test_label_boundaries(void **state)
{
	(void)state;
	label_case(61);
	label_case(1000);
	label_case(4093);
	label_case(65536);
}

/* The label check's memory of keyword factors (looked for 80 bytes back
 * from each ':' / '=', remembered in stream offsets): a label is found after
 * any run of ':' without a factor, at every offset and block size, also
 * once the blocks have moved; a factor further back than a label's reach
 * makes no label. */
static void test_label_after_colons(void **state)
{
	static const size_t blocks[] = { 61, 97, 4093, 0 };
	char text[8192];
	size_t b, k, i, len, want;
	struct hits hs;

	(void)state;
	for (b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
		scan_set_block_size(blocks[b]);
		for (k = 0; k < 140; k++) {
			fort_scan_opts o = test_opts(&hs);

			/* past the window the engine keeps (SCAN_BACK): blocks move */
			len = 0;
			for (i = 0; i < 4400 + k * 7 % 300; i++)
				text[len++] = i % 5 == 4 ? ':' : (char)('a' + i % 3);
			/* a factor more than 80 bytes before a ':' with nothing between */
			len += (size_t)sprintf(text + len, "token");
			memset(text + len, ' ', 80 + k % 40);
			len += 80 + k % 40;
			len += (size_t)sprintf(text + len, "x: Zq4$wE1rAbc\n");
			/* K bytes of ':'-dense text without a factor, the label, then
			 * 300 more without one */
			for (i = 0; i < k; i++)
				text[len++] = i % 5 == 4 ? ':' : (char)('a' + i % 3);
			len += (size_t)sprintf(text + len, "\nmy_password: ");
			want = len;
			len += (size_t)sprintf(text + len, "Zq4$wE1r%zu\n", k);
			for (i = 0; i < 300; i++)
				text[len++] = i % 5 == 4 ? ':' : (char)('a' + i % 3);
			assert_int_equal(fort_scan_buffer(NULL, "mem", text, len, &o), 0);
			if (hs.n != 1 || hs.h[0].type != FORT_SCAN_SECRET || hs.h[0].offset != want)
				fail_msg("block %zu, %zu bytes before: %zu findings, the first at %llu (want one at %zu)",
					 blocks[b], k, hs.n, hs.n ? hs.h[0].offset : 0, want);
		}
	}
	scan_set_block_size(0);
}

/* scan_label_near (with its memory) answers exactly what scan_label_factor
 * (a search of the bytes) answers, for windows of every length and
 * alignment, asked in increasing order with the memory dropped now and
 * then (as at a new document). */
static void test_label_near_exact(void **state)
{
	static const char *const words[] = { "pas", "PwD", "sec", "kEy", "tok", "ras", "pa", "se", "ke", "to" };
	scan_stream st;
	scan_view v;
	size_t n = 0, pos, a, bad = 0, asked = 0;
	uint32_t x = 12345;

	(void)state;
	scan_set_block_size(0);
	assert_int_equal(scan_stream_init(&st), 0);
	scan_stream_reset(&st, NULL, NULL, 0);
	/* sparse words (factors and pieces of them), letters, ':' */
	while (n + 8 < 200000 && n + 8 < st.cap) {
		x = x * 1103515245u + 12345u;
		if ((x >> 16) % 40 == 0) {
			const char *w = words[(x >> 8) % 10];

			memcpy(st.buf + n, w, strlen(w));
			n += strlen(w);
		} else {
			st.buf[n++] = (unsigned char)("abcdefghij :=_-xyz"[(x >> 12) % 18]);
		}
	}
	st.len = n;
	v.buf = st.buf;
	v.len = st.len;
	v.base = 0;
	v.st = &st;
	for (pos = 0; pos < n; pos += 1 + (x >> 20) % 6) {
		x = x * 1103515245u + 12345u;
		if ((x >> 10) % 50 == 0)
			st.lf_lo = st.lf_hi = 0, st.lf_found = 0;
		a = pos > 80 ? pos - 80 : 0;
		if ((x >> 14) % 4 == 0)
			a = pos > (x >> 3) % 81 ? pos - (x >> 3) % 81 : 0;
		asked++;
		if (scan_label_near(&v, a, pos) != scan_label_factor(st.buf, a, pos) && bad++ < 5)
			print_error("[%zu, %zu): memory %d, search %d\n", a, pos, scan_label_near(&v, a, pos),
				    scan_label_factor(st.buf, a, pos));
	}
	scan_stream_release(&st);
	assert_true(asked > 500);
	assert_int_equal(bad, 0);
}

/* The secret labels' keyword factors, the slow way: one of "pas", "pwd",
 * "sec", "key", "tok", "ras" starts at B[I] (ASCII letters, any case). */
static int naive_factor(const unsigned char *b, size_t i)
{
	static const char *const f[] = { "pas", "pwd", "sec", "key", "tok", "ras" };
	size_t k, j;

	for (k = 0; k < 6; k++) {
		for (j = 0; j < 3; j++) {
			unsigned c = b[i + j];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) || (c | 0x20) != (unsigned char)f[k][j])
				break;
		}
		if (j == 3)
			return 1;
	}
	return 0;
}

/* scan_label_factor against that: every byte value at each position of
 * each factor, at every offset in a vector and across two, and windows
 * that end inside a factor. */
static void test_label_factor_bytes(void **state)
{
	static const char *const f[] = { "pas", "pwd", "sec", "key", "tok", "ras" };
	unsigned char buf[160];
	size_t k, j, off, e, i;
	unsigned c;
	int want;

	(void)state;
	for (k = 0; k < 6; k++)
		for (j = 0; j < 3; j++)
			for (c = 0; c < 256; c++)
				for (off = 0; off < 70; off += 7) {
					memset(buf, '_', sizeof(buf));
					memcpy(buf + off, f[k], 3);
					buf[off + j] = (unsigned char)c;
					for (e = off + 1; e <= off + 4; e++) {
						want = 0;
						for (i = 0; i + 3 <= e; i++)
							want |= naive_factor(buf, i);
						if (scan_label_factor(buf, 0, e) != want)
							fail_msg("\"%.3s\" with byte %u at %zu, offset %zu, window [0, %zu): %d, want %d",
								 f[k], c, j, off, e, !want, want);
					}
				}
}

/* The CSV column count's vector kernel (quote parity by a prefix XOR)
 * against its byte loop: cells with quotes, doubled quotes and delimiters
 * at every start and length up to 100 bytes, from inside and outside
 * quotes, for each delimiter the header check picks. */
static void test_csv_count_vector(void **state)
{
	static const char delims[] = ",;\t|", cells[] = "ab\"\",;\t| 1x\"y,";
	scan_stream st;
	size_t n, j, e, d, asked = 0;
	uint32_t x = 777;
	int q0;

	(void)state;
	assert_int_equal(scan_stream_init(&st), 0);
	for (d = 0; d < 4; d++) {
		for (n = 0; n < 4096; n++) {
			x = x * 1103515245u + 12345u;
			st.buf[n] = (unsigned char)cells[(x >> 16) % (sizeof(cells) - 1)];
		}
		for (j = 0; j < 300; j++)
			for (e = j; e <= j + 100; e++)
				for (q0 = 0; q0 < 2; q0++) {
					int qa = q0, qb = q0;
					unsigned va = scan_csv_count(st.buf, j, e, (unsigned char)delims[d], &qa, 0);
					unsigned vb = scan_csv_count(st.buf, j, e, (unsigned char)delims[d], &qb, 1);

					asked++;
					if (va != vb || qa != qb)
						fail_msg("'%c' [%zu, %zu) from %s quotes: %u (quote %d), byte loop %u (quote %d)",
							 delims[d], j, e, q0 ? "inside" : "outside", va, qa, vb, qb);
				}
	}
	scan_stream_release(&st);
	assert_true(asked > 200000);
}

/* The first line's make-up (the CSV header check) by its vector kernel
 * against the byte loop: every byte value at every place of a 32-byte
 * step, then random lines of bytes that matter (delimiters, letters both
 * cases, the bytes just outside 'a'..'z' and 'A'..'Z', '_', blanks,
 * quotes, CR, bytes from 0x80) at every length up to 300, with what lies
 * past the length (it must not count) changed too. */
static void test_line_counts_vector(void **state)
{
	static const unsigned char set[] = ",;\t|aZzA@[`{_ \"\r0-.\x80\xc3\xe1\xff\x7f\x01";
	scan_stream st;
	size_t n, i, v, asked = 0, pos;
	uint32_t x = 31337;

	(void)state;
	assert_int_equal(scan_stream_init(&st), 0);
	for (v = 0; v < 256; v++)
		for (pos = 0; pos < 70; pos++) {
			size_t ca[4] = { 0 }, cb[4] = { 0 }, la, lb, oa, ob;

			memset(st.buf, 'a', 128);
			st.buf[pos] = (unsigned char)v;
			for (n = pos; n <= pos + 1; n++) {
				scan_line_counts(st.buf, n, ca, &la, &oa, 0);
				scan_line_counts(st.buf, n, cb, &lb, &ob, 1);
				asked++;
				if (memcmp(ca, cb, sizeof(ca)) || la != lb || oa != ob)
					fail_msg("byte 0x%02zx at %zu, length %zu: %zu,%zu,%zu,%zu letters %zu other %zu; "
						 "byte loop %zu,%zu,%zu,%zu letters %zu other %zu", v, pos, n, ca[0], ca[1],
						 ca[2], ca[3], la, oa, cb[0], cb[1], cb[2], cb[3], lb, ob);
			}
		}
	for (i = 0; i < 400; i++) {
		for (n = 0; n < 400; n++) {
			x = x * 1103515245u + 12345u;
			st.buf[n] = set[(x >> 16) % (sizeof(set) - 1)];
		}
		for (n = 0; n <= 300; n++) {
			size_t ca[4] = { 0 }, cb[4] = { 0 }, la, lb, oa, ob;

			scan_line_counts(st.buf, n, ca, &la, &oa, 0);
			scan_line_counts(st.buf, n, cb, &lb, &ob, 1);
			asked++;
			if (memcmp(ca, cb, sizeof(ca)) || la != lb || oa != ob)
				fail_msg("line %zu, length %zu: %zu,%zu,%zu,%zu letters %zu other %zu; byte loop "
					 "%zu,%zu,%zu,%zu letters %zu other %zu", i, n, ca[0], ca[1], ca[2], ca[3], la, oa,
					 cb[0], cb[1], cb[2], cb[3], lb, ob);
		}
	}
	scan_stream_release(&st);
	assert_true(asked > 150000);
}

/* The date detector's look for birth context after a date, SSE2 steps
 * against the byte loop: at every offset of a text of the words, pieces
 * of them, letters before them, newlines, bytes from 0x80, and with the
 * view ending at every place near the words. */
static void test_dob_after_vector(void **state)
{
	static const char *const pieces[] = { "born", "Birthday", "date of birth", "DOB", "dob", "BORN", "bo", "b",
					      "d", "date of", "xborn", "Xdob", " ", " ", "\n", "\r\n", ", ", "1985",
					      "\xc3\xa9", "\xe2" "born", "_dob", "a", "Q" };
	scan_stream st;
	scan_view v;
	size_t n = 0, e, len, asked = 0, found = 0;
	uint32_t x = 2718;

	(void)state;
	assert_int_equal(scan_stream_init(&st), 0);
	while (n < 6000) {
		const char *p;

		x = x * 1103515245u + 12345u;
		p = pieces[(x >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];
		memcpy(st.buf + n, p, strlen(p));
		n += strlen(p);
	}
	v.buf = st.buf;
	v.base = 0;
	v.st = &st;
	for (e = 1; e < 3000; e++)
		for (len = e + 1; len <= e + 50; len += (len < e + 40 ? 1 : 5)) {
			int va, vb;

			v.len = len;
			va = scan_dob_after(&v, e, 0);
			vb = scan_dob_after(&v, e, 1);
			asked++;
			found += (size_t)vb;
			if (va != vb)
				fail_msg("from %zu, view length %zu, \"%.*s\": %d, byte loop %d", e, len, (int)(len - e),
					 (const char *)st.buf + e, va, vb);
		}
	scan_stream_release(&st);
	assert_true(asked > 100000);
	assert_true(found > asked / 10 && found < asked - asked / 10);
}

/* The class maps' vector kernels (one nibble look-up for every class)
 * against their byte loops, and the byte loops against the classes
 * themselves: every byte value at every position of a word, bytes after
 * the data left in the buffer (their bits must be 0), every length in a
 * few words and starts on word boundaries. */
static void test_maps_vector(void **state)
{
	enum { NW = 16 };
	static uint64_t mv[4 * NW], ms[4 * NW], ma[4 * NW];
	scan_stream st;
	size_t n, lo, len, i, k, asked = 0;
	uint32_t x = 99;

	(void)state;
	assert_int_equal(scan_stream_init(&st), 0);
	for (n = 0; n < 3; n++) {
		/* every byte value, then random bytes weighted to the classes' edges */
		for (i = 0; i < 512; i++) {
			static const unsigned char edge[] = "/09:;<=>?@AZ[`az{_-,.\x7f\x80\xff \n";

			x = x * 1103515245u + 12345u;
			st.buf[i] = n == 0 && i < 256 ? (unsigned char)i :
				    n == 1 ? (unsigned char)(x >> 16) : edge[(x >> 16) % (sizeof(edge) - 1)];
		}
		for (lo = 0; lo < 256; lo += 64)
			for (len = lo + 1; len <= 512; len++) {
				memset(mv, 0xA5, sizeof(mv));
				memset(ms, 0x5A, sizeof(ms));
				scan_maps(st.buf, lo, len, mv, NW, 0);
				scan_maps(st.buf, lo, len, ms, NW, 1);
				/* and the one pass that makes all four (dense regions) */
				memset(ma, 0x3C, sizeof(ma));
				scan_maps(st.buf, lo, len, ma, NW, 2);
				for (k = 0; k < 4; k++)
					for (i = lo / 64; i < (len + 63) / 64 + 2; i++) {
						asked++;
						if (mv[k * NW + i] != ms[k * NW + i])
							fail_msg("map %zu, word %zu, bytes [%zu, %zu): %016llx, byte loop %016llx",
								 k, i, lo, len, (unsigned long long)mv[k * NW + i],
								 (unsigned long long)ms[k * NW + i]);
						if (ma[k * NW + i] != ms[k * NW + i])
							fail_msg("map %zu, word %zu, bytes [%zu, %zu), one pass: %016llx, byte loop %016llx",
								 k, i, lo, len, (unsigned long long)ma[k * NW + i],
								 (unsigned long long)ms[k * NW + i]);
					}
				for (i = lo; i < (len + 63) / 64 * 64 + 128; i++) {
					unsigned c = st.buf[i], in = i < len;
					int want[4] = { in && (sc_digit(c) || c == '@' || c == ':' || c == '='), in && sc_digit(c),
							in && sc_word(c), in && c == '-' };

					for (k = 0; k < 4; k++)
						if ((int)(ms[k * NW + i / 64] >> (i % 64) & 1) != want[k])
							fail_msg("map %zu, byte %zu (0x%02x) of [%zu, %zu): bit %d", k, i, c, lo, len,
								 !want[k]);
				}
			}
	}
	scan_stream_release(&st);
	assert_true(asked > 100000);
}

/* The context window's vector filter (first and second letters of the
 * words) against its byte loop: text made of the words' pieces, capitals,
 * dots and blanks, every start and length up to 64 bytes, for each list
 * the detectors use and one with a word the filter cannot take. */
static void test_window_vector(void **state)
{
	static const char *const l1[] = { "born", "birth", "dob", "d.o.b", "geb.", "geboren", "bday", NULL };
	static const char *const l2[] = { "version", "ver.", "ver ", "build", "oid", "v.", NULL };
	static const char *const l3[] = { "ssn", "social security", "soc. sec", "ss#", "ss no", NULL };
	static const char *const l4[] = { "phone", "tel", "mobile", "cell", "fax", "call", "contact", "whatsapp",
					   "handy", "telefon", NULL };
	static const char *const l5[] = { "x", "nin:", NULL };
	static const char *const *const lists[] = { l1, l2, l3, l4, l5 };
	static const char *const pieces[] = { "born", "Birth", "dOb", "d.o.b", "geb.", "ver", "v.", "build", "ssn",
					      "soc. sec", "ss#", "phone", "Tel", "cell", "fax", "x", "nin:", "a",
					      "bo", "ve", ". ", "end. ", "12. ", "xY", " ", "\n" };
	scan_stream st;
	size_t n = 0, a, e, k, found = 0, asked = 0;
	uint32_t x = 4242;

	(void)state;
	assert_int_equal(scan_stream_init(&st), 0);
	while (n < 8000) {
		const char *p;

		x = x * 1103515245u + 12345u;
		p = pieces[(x >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];
		memcpy(st.buf + n, p, strlen(p));
		n += strlen(p);
	}
	for (k = 0; k < 5; k++)
		for (a = 0; a < 1500; a += 1 + a % 3)
			for (e = a; e <= a + 64; e++) {
				int va = scan_window(st.buf, a, e, lists[k], 0), vb = scan_window(st.buf, a, e, lists[k], 1);

				asked++;
				found += (size_t)vb;
				if (va != vb)
					fail_msg("list %zu, [%zu, %zu) \"%.*s\": %d, byte loop %d", k, a, e, (int)(e - a),
						 (const char *)st.buf + a, va, vb);
			}
	scan_stream_release(&st);
	assert_true(asked > 100000);
	assert_true(found > asked / 10 && found < asked - asked / 10);
}

/* The inline-ignore tag's search (64 positions a step, then 32, then the
 * tail masked) against memmem: tags and near misses (":i" without the rest,
 * the tag cut short) at every offset of a stream's buffer, every start and
 * end around them, the tag straddling the ends. */
/* A time of day's ':' (scan_time_colon): the table loads give what the
 * checked reads give at every ':' of random texts of digits, hex letters,
 * ':' and others, with the view ending anywhere; and a ':' taken for a
 * time's is never one where detect_ipv6 finds an address. */
static void test_time_colon(void **state)
{
	static const char *const pieces[] = { "12", "3", ":", "ab", "G", " ", "9", "0f", "::", ".", "45", "T", "1.2",
					      "255", "x", "12:34", "12:34:56", " 12:34:56 ", "T12:34:56.7Z", "12:34:56:78",
					      "fe80::12:34", "99:" };
	unsigned char buf[64 + 64];
	size_t asked = 0, times = 0, firsts = 0;
	uint32_t x = 4242;

	(void)state;
	for (int round = 0; round < 200000; round++) {
		size_t n = 0, len, pos;

		memset(buf, 0, sizeof(buf));
		while (n < 40) {
			const char *p;

			x = x * 1103515245u + 12345u;
			p = pieces[(x >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];
			memcpy(buf + n, p, strlen(p));
			n += strlen(p);
		}
		x = x * 1103515245u + 12345u;
		len = 8 + (x >> 16) % (n - 8);
		/* bytes past the view are the padding's, not the view's */
		for (pos = 0; pos < len; pos++) {
			int a, e;

			if (buf[pos] != ':')
				continue;
			a = scan_time_colon(buf, len, pos, 0);
			e = scan_time_colon(buf, len, pos, 1);
			asked++;
			if (a != e)
				fail_msg("round %d, ':' at %zu of %zu (\"%.*s\"): tables %d, checked reads %d", round, pos, len,
					 (int)len, (const char *)buf, a, e);
			if (a) {
				scan_view v = { buf, len, 0, NULL };
				scan_match m;

				times++;
				firsts += a == 2;
				if (detect_ipv6(&v, pos, NULL, &m))
					fail_msg("\"%.*s\": an address at the time's ':' %zu", (int)len, (const char *)buf, pos);
			}
		}
	}
	assert_true(asked > 100000);
	assert_true(times > 1000);
	assert_true(firsts > 100);
}

static void test_has_tag_vector(void **state)
{
	static const char *const pieces[] = { "fortress:ignore", "fortress:ignor", "ortress:ignore", ":i", ":ignore",
					      "fortress:", "x", "::", "ii", " ", "\n", "abcdefgh", "fortress:ignorefortress" };
	scan_stream st;
	size_t n = 0, a, z, asked = 0, found = 0;
	uint32_t x = 77;

	(void)state;
	assert_int_equal(scan_stream_init(&st), 0);
	while (n < 6000) {
		const char *p;

		x = x * 1103515245u + 12345u;
		/* mostly filler, so most windows hold no tag */
		p = (x >> 16) % 8 ? pieces[7 + (x >> 20) % 4] : pieces[(x >> 20) % (sizeof(pieces) / sizeof(pieces[0]))];
		memcpy(st.buf + n, p, strlen(p));
		n += strlen(p);
	}
	for (a = 0; a < 3000; a += 1 + a % 7)
		for (z = a; z <= a + 200 && z <= n; z += 1 + (z - a) / 40) {
			int va = scan_has_tag(st.buf, a, z, 0), vb = scan_has_tag(st.buf, a, z, 1);
			int want = memmem(st.buf + a, z - a, "fortress:ignore", 15) != NULL;

			asked++;
			found += (size_t)want;
			if (va != want || vb != want)
				fail_msg("[%zu, %zu): vector %d, byte loop %d, memmem %d", a, z, va, vb, want);
		}
	scan_stream_release(&st);
	assert_true(asked > 30000);
	assert_true(found > asked / 10 && found < asked - asked / 10);
}

/* fort_scan_opts.no_column: the same findings, lines and inline ignores,
 * column 0 (a line with fortress:ignore still reports nothing) */
static void test_no_column(void **state)
{
	static const char text[] = "x\nmail jane.doe@example.com, ip 192.168.10.20\n"
				   "card 4111 1111 1111 1111 fortress:ignore\n\t\tssn: 123-45-6789\n";
	struct hits a, b;
	fort_scan_opts o = test_opts(&a);
	size_t i;

	(void)state;
	assert_int_equal(fort_scan_buffer(NULL, "t.txt", text, strlen(text), &o), 0);
	o = test_opts(&b);
	o.no_column = 1;
	assert_int_equal(fort_scan_buffer(NULL, "t.txt", text, strlen(text), &o), 0);
	assert_int_equal(a.n, 3);
	assert_int_equal(b.n, a.n);
	for (i = 0; i < a.n; i++) {
		assert_int_equal(b.h[i].offset, a.h[i].offset);
		assert_int_equal(b.h[i].length, a.h[i].length);
		assert_int_equal(b.h[i].type, a.h[i].type);
		assert_int_equal(b.h[i].line, a.h[i].line);
		assert_true(a.h[i].column > 0);
		assert_int_equal(b.h[i].column, 0);
	}
	assert_int_equal(a.h[2].line, 4);
	assert_int_equal(a.h[2].column, 8);
}

/* fort_scan_opts.no_line (with no_column): the same findings and inline
 * ignores, line 0 where the buffer holds no tag; in a buffer with a tag
 * the lines are counted (from where the count stopped) and right.  Small
 * blocks give buffers of both kinds in one text. */
static void test_no_line(void **state)
{
	static const char line1[] = "mail jane.doe@example.com and more words to make the line a little longer\n";
	static const char line2[] = "card 4111 1111 1111 1111 fortress:ignore\n";
	static const size_t blocks[] = { 0, 4096 };
	char *text;
	size_t n = 0, i, k, len, zero, counted;
	struct hits a, b;
	fort_scan_stats sa, sb;
	fort_scan_opts o;

	(void)state;
	assert_non_null(text = malloc(250 * sizeof(line1)));
	for (i = 0; i < 250; i++) {
		const char *l = i == 200 || i == 240 ? line2 : line1;   /* tags past 15 KB */

		memcpy(text + n, l, strlen(l));
		n += strlen(l);
	}
	for (k = 0; k < sizeof(blocks) / sizeof(blocks[0]); k++)
		for (len = 0; len < 2; len++) {
			size_t tl = len ? n : strlen(line1) * 90;   /* all of it, or the part without a tag */

			scan_set_block_size(blocks[k]);
			o = test_opts(&a);
			o.no_column = 1;
			assert_int_equal(fort_scan_buffer(&sa, "t.txt", text, tl, &o), 0);
			o = test_opts(&b);
			o.no_column = 1;
			o.no_line = 1;
			assert_int_equal(fort_scan_buffer(&sb, "t.txt", text, tl, &o), 0);
			assert_int_equal(b.n, a.n);
			assert_int_equal(sb.findings, sa.findings);
			assert_int_equal(sb.suppressed, sa.suppressed);
			assert_int_equal(sa.suppressed, len ? 2 : 0);
			assert_int_equal(sa.findings, len ? 248 : 90);
			for (i = zero = counted = 0; i < a.n; i++) {
				assert_int_equal(b.h[i].offset, a.h[i].offset);
				assert_int_equal(b.h[i].length, a.h[i].length);
				assert_int_equal(b.h[i].type, a.h[i].type);
				assert_int_equal(a.h[i].line, i + 1 + (i >= 200) + (i >= 239));
				if (b.h[i].line) {
					assert_int_equal(b.h[i].line, a.h[i].line);
					counted++;
				} else {
					zero++;
				}
			}
			/* no tag: no line counted; tags in every buffer (one block):
			 * every line; in some buffers only (4 KiB blocks): both */
			if (!len)
				assert_int_equal(zero, a.n);
			else if (!blocks[k])
				assert_int_equal(counted, a.n);
			else
				assert_true(zero > 0 && counted > 0);
		}
	scan_set_block_size(0);
	free(text);
}

/* fort_scan_opts.no_masked: the same findings, no excerpt */
/* The fingerprints' normalisation, 16 bytes a step (lower-cased, or the
 * letters and digits upper-cased and packed), gives what the byte loop
 * gives, for every type, every byte value and every length up to past
 * SCAN_TAIL (where the packing stops at SCAN_TAIL kept bytes); and read in
 * place (scan_fp_normalise_padded, as fingerprints are made) with letters
 * and digits after the value. */
static void test_fp_normalise_vector(void **state)
{
	static const int types[] = { FORT_SCAN_CARD, FORT_SCAN_IBAN, FORT_SCAN_EMAIL, FORT_SCAN_PHONE,
				     FORT_SCAN_SSN, FORT_SCAN_NINO, FORT_SCAN_DOB, FORT_SCAN_IP,
				     FORT_SCAN_SECRET, FORT_SCAN_NAME };
	static const char common[] = "0123456789 -./:@+()AZaz_mM";
	unsigned char val[SCAN_TAIL + 200], a[SCAN_TAIL + 8], b[SCAN_TAIL + 8], pad[SCAN_TAIL + 200 + 64];
	uint32_t seed = 12345;

	(void)state;
	scan_fp_tables();
	for (size_t n = 0; n < sizeof(val); n += n < 100 ? 1 : 37) {
		for (int round = 0; round < 40; round++) {
			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				/* half the bytes any value, half what values hold */
				val[i] = (seed >> 16) & 1 ? (unsigned char)(seed >> 20)
							  : (unsigned char)common[(seed >> 20) % (sizeof(common) - 1)];
			}
			for (size_t t = 0; t < sizeof(types) / sizeof(*types); t++) {
				size_t ka = scan_fp_normalise(a, types[t], val, n);
				size_t kb = scan_fp_normalise_bytes(b, types[t], val, n);

				if (ka != kb || memcmp(a, b, ka)) {
					fprintf(stderr, "type %d, %zu bytes: %zu against %zu\n", types[t], n, ka, kb);
					fail();
				}
				assert_true(ka <= SCAN_TAIL);
				/* read in place, letters and digits after the value */
				memcpy(pad, val, n);
				memset(pad + n, (int)"Zz9"[round % 3], 64);
				ka = scan_fp_normalise_padded(a, types[t], pad, n);
				if (ka != kb || memcmp(a, b, ka)) {
					fprintf(stderr, "padded, type %d, %zu bytes: %zu against %zu\n", types[t], n, ka, kb);
					fail();
				}
			}
		}
	}
	/* every byte value at every place of a 64-byte value */
	for (unsigned c = 0; c < 256; c++) {
		memset(val, 'x', 64);
		for (size_t at = 0; at < 64; at++) {
			val[at] = (unsigned char)c;
			for (size_t t = 0; t < sizeof(types) / sizeof(*types); t++) {
				size_t ka = scan_fp_normalise(a, types[t], val, 64);
				size_t kb = scan_fp_normalise_bytes(b, types[t], val, 64);

				assert_int_equal(ka, kb);
				assert_memory_equal(a, b, ka);
			}
			val[at] = 'x';
		}
	}
}

static void test_no_masked(void **state)
{
	static const char text[] = "card 4111 1111 1111 1111, mail jane.doe@example.com, ip 192.168.10.20\n";
	struct hits a, b;
	fort_scan_opts o = test_opts(&a);
	size_t i;

	(void)state;
	assert_int_equal(fort_scan_buffer(NULL, "t.txt", text, strlen(text), &o), 0);
	o = test_opts(&b);
	o.no_masked = 1;
	assert_int_equal(fort_scan_buffer(NULL, "t.txt", text, strlen(text), &o), 0);
	assert_int_equal(a.n, 3);
	assert_int_equal(b.n, a.n);
	for (i = 0; i < a.n; i++) {
		assert_int_equal(b.h[i].offset, a.h[i].offset);
		assert_int_equal(b.h[i].length, a.h[i].length);
		assert_int_equal(b.h[i].type, a.h[i].type);
		assert_true(a.h[i].masked[0] != '\0');
		assert_string_equal(b.h[i].masked, "");
	}
}

/* The plain path (one thread, no baseline, mask, value or vault: on_hit_plain
 * in run.c) passes every finding as the general path does, but for the
 * mask: type, confidence, rule, place, known_client, the empty fingerprint
 * and value; and counts the same suppressed findings (a "fortress:ignore"
 * line), drops the same ones under min_confidence and gives the file the
 * same risk.  The general path is taken with a mask asked for. */
struct plain_hits {
	fort_scan_finding f[16];
	char rule[16][48];
	size_t n;
	fort_scan_file file;
	int files;
};

static int plain_collect(void *ctx, const fort_scan_finding *f)
{
	struct plain_hits *ph = ctx;

	if (ph->n < 16) {
		ph->f[ph->n] = *f;
		snprintf(ph->rule[ph->n], sizeof(ph->rule[0]), "%s", f->rule);
		assert_non_null(f->path);
		assert_non_null(f->logical);
		assert_non_null(f->fingerprint);
		assert_string_equal(f->fingerprint, "");
		assert_string_equal(f->logical, "");
		assert_null(f->value);
		ph->n++;
	}
	return 0;
}

static int plain_file(void *ctx, const fort_scan_file *f)
{
	struct plain_hits *ph = ctx;

	ph->file = *f;
	ph->files++;
	return 0;
}

static void plain_scan(struct plain_hits *ph, const char *path, const char *text, int masked,
		       fort_scan_confidence min, fort_scan_stats *st)
{
	fort_scan_opts o = FORT_SCAN_OPTS_INIT;

	memset(ph, 0, sizeof(*ph));
	o.on_finding = plain_collect;
	o.on_file = plain_file;
	o.ctx = ph;
	o.no_masked = !masked;
	o.min_confidence = min;
	o.jobs = 1;
	o.containers = 0;
	if (path) {
		const char *paths[] = { path };

		assert_int_equal(fort_scan_run(st, paths, 1, &o), 0);
	} else {
		assert_int_equal(fort_scan_buffer(st, "t.txt", text, strlen(text), &o), 0);
	}
}

static void test_plain_path_agrees(void **state)
{
	static const char text[] =
		"card 4111 1111 1111 1111, mail jane.doe@example.com, ip 192.168.10.20\n"
		"loopback 127.0.0.1 and ssn 123-45-6789 fortress:ignore\n"
		"born 1985-03-12 date_of_birth, call +44 20 7946 0958, iban GB82 WEST 1234 5698 7654 32\n"
		"ip 10.1.2.3 again\n";
	static const fort_scan_confidence mins[] = { FORT_SCAN_LOW, FORT_SCAN_MEDIUM, FORT_SCAN_HIGH };
	char path[] = "/tmp/fortress-plain-XXXXXX";
	struct plain_hits a, b;
	fort_scan_stats sa, sb;
	size_t i, k;
	int fd, run;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	for (run = 0; run < 2; run++) {
		for (k = 0; k < sizeof(mins) / sizeof(mins[0]); k++) {
			plain_scan(&a, run ? path : NULL, text, 1, mins[k], &sa);
			plain_scan(&b, run ? path : NULL, text, 0, mins[k], &sb);
			assert_true(a.n > 0);
			assert_int_equal(b.n, a.n);
			for (i = 0; i < a.n; i++) {
				assert_int_equal(b.f[i].type, a.f[i].type);
				assert_int_equal(b.f[i].confidence, a.f[i].confidence);
				assert_string_equal(b.rule[i], a.rule[i]);
				assert_int_equal(b.f[i].line, a.f[i].line);
				assert_int_equal(b.f[i].column, a.f[i].column);
				assert_int_equal(b.f[i].offset, a.f[i].offset);
				assert_int_equal(b.f[i].length, a.f[i].length);
				assert_int_equal(b.f[i].file_line, a.f[i].file_line);
				assert_int_equal(b.f[i].file_offset, a.f[i].file_offset);
				assert_int_equal(b.f[i].known_client, a.f[i].known_client);
				assert_true(a.f[i].confidence >= mins[k]);
			}
			assert_int_equal(sb.findings, sa.findings);
			assert_int_equal(sb.suppressed, sa.suppressed);
			assert_int_equal(sa.findings, a.n);
			for (i = 0; i < FORT_SCAN_NTYPES; i++)
				assert_int_equal(sb.by_type[i], sa.by_type[i]);
			if (run) {
				assert_int_equal(a.files, 1);
				assert_int_equal(b.files, 1);
				assert_int_equal(b.file.findings, a.file.findings);
				assert_int_equal(b.file.suppressed, a.file.suppressed);
				assert_int_equal(b.file.risk, a.file.risk);
				assert_true(a.file.risk > 0);
				for (i = 0; i < FORT_SCAN_NTYPES; i++)
					assert_int_equal(b.file.by_type[i], a.file.by_type[i]);
			}
			/* the tagged line's SSN (and its loopback address, low) are suppressed */
			if (mins[k] == FORT_SCAN_LOW)
				assert_true(sa.suppressed >= 2);
		}
	}
	unlink(path);
}

/* ------------------------------------------------------------- streaming */

static long maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void test_large_sparse_file(void **state)
{
	char pathbuf[512], head[4096];
	const char *path = pathbuf;
	const uint64_t size = (uint64_t)200 << 20;
	struct hits hs;
	fort_scan_opts o = test_opts(&hs);
	fort_scan_stats st;
	long before;
	int fd;

	(void)state;
	snprintf(pathbuf, sizeof(pathbuf), "%s", path_of("sparse.txt"));
	/* text at the start (the sniffer reads 4 KiB), holes (zeros) after */
	memset(head, '.', sizeof(head));
	memcpy(head, "start 4111 1111 1111 1111\n", 26);
	head[sizeof(head) - 1] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, head, sizeof(head), 0), (ssize_t)sizeof(head));
	assert_int_equal(pwrite(fd, "\nmid 5555-5555-5555-4444\n", 25, (off_t)(size / 2)), 25);
	assert_int_equal(pwrite(fd, "\nend j@example.com\n", 19, (off_t)(size - 19)), 19);
	assert_int_equal(close(fd), 0);
	before = maxrss_kib();
	o.jobs = 1;
	assert_int_equal(fort_scan_run(&st, &path, 1, &o), 0);
	assert_int_equal(st.bytes, size);
	assert_int_equal(hs.n, 3);
	assert_int_equal(hs.h[0].offset, 6);
	assert_int_equal(hs.h[1].offset, size / 2 + 5);
	assert_int_equal(hs.h[1].line, 4);   /* start, the dots, the zeros, mid */
	assert_int_equal(hs.h[2].type, FORT_SCAN_EMAIL);
	assert_int_equal(hs.h[2].offset, size - 19 + 5);
	/* the engine holds one block: the peak did not move by the file's size */
	if (maxrss_kib() - before > 16 * 1024)
		fail_msg("peak RSS grew by %ld KiB scanning a 200 MB file", maxrss_kib() - before);
	unlink(path);
}

/* ------------------------------------------------------ order, threads */

static void test_order_over_threads(void **state)
{
	char name[64], body[4096], rootbuf[512];
	const char *root = rootbuf;
	struct hits hs;
	fort_scan_opts o = test_opts(&hs);
	fort_scan_stats st;
	size_t i, k, len;

	(void)state;
	snprintf(rootbuf, sizeof(rootbuf), "%s", path_of("many"));   /* path_of's buffers are recycled */
	assert_int_equal(mkdir(root, 0700), 0);
	for (i = 0; i < 24; i++) {
		len = 0;
		for (k = 0; k <= i % 5; k++)
			len += (size_t)snprintf(body + len, sizeof(body) - len, "row %zu 4111-1111-1111-1111\n", k);
		snprintf(name, sizeof(name), "many/f%02zu.txt", 23 - i);
		spit(path_of(name), body, len);
	}
	o.jobs = 4;
	assert_int_equal(fort_scan_run(&st, &root, 1, &o), 0);
	assert_int_equal(st.files_scanned, 24);
	assert_int_equal(hs.files, 24);
	assert_int_equal(hs.n, st.findings);
	for (i = 1; i < hs.n; i++) {
		int c = strcmp(hs.h[i - 1].path, hs.h[i].path);

		if (c > 0 || (c == 0 && hs.h[i - 1].offset >= hs.h[i].offset))
			fail_msg("finding %zu (%s@%llu) after %s@%llu", i, hs.h[i].path, hs.h[i].offset,
				 hs.h[i - 1].path, hs.h[i - 1].offset);
	}
}

/* ------------------------------------------- a tree scanned while walked */

/* Every callback in order, as text: what a caller sees. */
struct seq {
	char **line;
	size_t n, a;
	int stop_after;          /* > 0: on_finding returns 7 after this many */
	size_t findings, logical;
	fort_scan_progress last;
	int progress_calls;
};

static void seq_add(struct seq *q, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (q->n == q->a) {
		q->a = q->a ? q->a * 2 : 256;
		q->line = realloc(q->line, q->a * sizeof(*q->line));
		assert_non_null(q->line);
	}
	assert_non_null(q->line[q->n++] = strdup(buf));
}

static void seq_free(struct seq *q)
{
	for (size_t i = 0; i < q->n; i++)
		free(q->line[i]);
	free(q->line);
	memset(q, 0, sizeof(*q));
}

static int seq_finding(void *ctx, const fort_scan_finding *f)
{
	struct seq *q = ctx;
	size_t ml = strlen(f->masked);
	volatile unsigned char past = 0;

	/* a mask has 16 readable bytes past its NUL (the CLI's vector
	 * escape loads them): on one thread and from a batch, read here so
	 * the sanitizer build sees a mask without them */
	for (size_t i = 0; ml && i < 16; i++)
		past = (unsigned char)(past | (unsigned char)f->masked[ml + 1 + i]);
	(void)past;
	/* the place and kind, then (after "|\001|") the value and the mask */
	seq_add(q, "%s|%s|%llu|%d|%llu|%llu|%llu|%llu|%u|%d|%d|%s|\001|%s|%s", f->path, f->logical,
		(unsigned long long)f->offset, (int)f->type, (unsigned long long)f->line,
		(unsigned long long)f->column, (unsigned long long)f->file_line, (unsigned long long)f->file_offset,
		(unsigned)f->length, (int)f->confidence, f->known_client, f->rule, f->value ? f->value : "-", f->masked);
	q->findings++;
	q->logical += f->logical[0] != '\0';
	if (q->stop_after && q->findings == (size_t)q->stop_after)
		return 7;
	return 0;
}

static int seq_file(void *ctx, const fort_scan_file *f)
{
	struct seq *q = ctx;

	seq_add(q, "F %s %d %llu %llu", f->path, (int)f->status, (unsigned long long)f->findings,
		(unsigned long long)f->bytes);
	return 0;
}

static void seq_progress(void *ctx, const fort_scan_progress *p)
{
	struct seq *q = ctx;

	q->last = *p;
	q->progress_calls++;
}

/* PLAIN: no value, no mask (tsv-spans' options: the plain path) */
static int seq_run_opts(struct seq *q, const char *root, unsigned jobs, int progress, int plain)
{
	fort_scan_opts o = FORT_SCAN_OPTS_INIT;
	fort_scan_stats st;
	int stop = q->stop_after;

	seq_free(q);
	q->stop_after = stop;
	o.on_finding = seq_finding;
	o.on_file = seq_file;
	o.on_progress = progress ? seq_progress : NULL;
	o.ctx = q;
	o.jobs = jobs;
	o.show_values = !plain;
	o.no_masked = plain;
	return fort_scan_run(&st, &root, 1, &o);
}

static int seq_run(struct seq *q, const char *root, unsigned jobs, int progress)
{
	return seq_run_opts(q, root, jobs, progress, 0);
}

/* A tree of 4 x 3 folders of 12 files: cards, none, a NUL (binary), 300
 * cards in one file (more than a head batch), mboxes (findings in logical
 * documents).  Every number of threads reports the same callbacks in the
 * same order as one thread: the workers scan while the walk lists. */
static uint64_t make_tree(const char *root, size_t *nfiles)
{
	static char big[300 * 32], slow[(4 << 20) + 64];
	char name[600], body[512];
	uint64_t bytes = 0;
	size_t len, k;

	assert_int_equal(mkdir(root, 0700), 0);
	memset(slow, 'x', sizeof(slow) - 1);
	for (k = 64; k < sizeof(slow) - 1; k += 64)
		slow[k] = '\n';
	memcpy(slow + sizeof(slow) - 40, " card 4111 1111 1111 1111\n", 26);
	for (k = 0, len = 0; k < 300; k++)
		len += (size_t)snprintf(big + len, sizeof(big) - len, "card 4111111111111111 n%zu\n", k);
	*nfiles = 0;
	for (int d = 0; d < 4; d++) {
		snprintf(name, sizeof(name), "%s/d%d", root, d);
		assert_int_equal(mkdir(name, 0700), 0);
		for (int e = 2; e >= 0; e--) {
			snprintf(name, sizeof(name), "%s/d%d/s%d", root, d, e);
			assert_int_equal(mkdir(name, 0700), 0);
			for (int f = 11; f >= 0; f--) {
				const char *data = body;

				snprintf(name, sizeof(name), "%s/d%d/s%d/f%02d%s", root, d, e, f, f == 3 ? ".mbox" : ".txt");
				if (f == 3)
					len = (size_t)snprintf(body, sizeof(body),
							       "From a@example.com Sat Jan  1 00:00:00 2000\nFrom: a@example.com\n"
							       "Subject: one\n\ncard 5555 5555 5555 4444\n\n"
							       "From b@example.com Sat Jan  1 00:00:00 2000\nFrom: b@example.com\n"
							       "Subject: two\n\nssn 123-45-6789 card 4111 1111 1111 1111\n");
				else if (f == 5 && d == 1) {
					data = big;
					len = strlen(big);
				} else if (f == 4 && d == 1) {
					/* slow to scan: the next file, 300 findings, is
					 * scanned meanwhile, ahead of the report order */
					data = slow;
					len = sizeof(slow) - 1;
				} else if (f == 7) {
					len = 27;
					memcpy(body, "bin\0ary 4111 1111 1111 1111", len);
				} else if (f % 2)
					len = (size_t)snprintf(body, sizeof(body), "nothing here %d %d %d\n", d, e, f);
				else
					len = (size_t)snprintf(body, sizeof(body), "row d%d s%d f%d card 4111-1111-1111-1111 x%.*s\n", d, e, f,
							       (d * 31 + e * 7 + f) % 40, "........................................");
				spit(name, data, len);
				bytes += len;
				(*nfiles)++;
			}
		}
	}
	return bytes;
}

static void test_tree_while_walked(void **state)
{
	char rootbuf[512];
	struct seq one = { 0 }, many = { 0 };
	size_t nfiles, i;
	uint64_t bytes;

	(void)state;
	snprintf(rootbuf, sizeof(rootbuf), "%s", path_of("walked"));
	bytes = make_tree(rootbuf, &nfiles);
	assert_int_equal(seq_run(&one, rootbuf, 1, 0), 0);
	if (one.findings < 300 + 4 * 3 * 6)
		fail_msg("%zu findings", one.findings);
	assert_true(one.logical >= 4 * 3 * 3);   /* the mboxes' findings are in their messages */
	for (unsigned jobs = 2; jobs <= 8; jobs *= 2) {
		assert_int_equal(seq_run(&many, rootbuf, jobs, 0), 0);
		assert_int_equal(many.n, one.n);
		for (i = 0; i < one.n; i++)
			if (strcmp(one.line[i], many.line[i]))
				fail_msg("jobs %u, callback %zu: '%s', one thread: '%s'", jobs, i, many.line[i], one.line[i]);
	}
	/* plain options (no value, no mask: the plain path, on one thread and
	 * on several): the same callbacks as the general path, less the
	 * value and the mask, on every number of threads */
	for (unsigned jobs = 1; jobs <= 8; jobs *= 2) {
		assert_int_equal(seq_run_opts(&many, rootbuf, jobs, 0, 1), 0);
		assert_int_equal(many.n, one.n);
		for (i = 0; i < one.n; i++) {
			const char *cut = strstr(one.line[i], "|\001|");
			size_t k = cut ? (size_t)(cut - one.line[i]) : strlen(one.line[i]);

			if (strncmp(one.line[i], many.line[i], k) || (cut && strcmp(many.line[i] + k, "|\001|-|")))
				fail_msg("plain, jobs %u, callback %zu: '%s', general: '%s'", jobs, i, many.line[i],
					 one.line[i]);
		}
	}
	/* files in name order, each after its findings */
	for (i = 0, nfiles = 0; i < one.n; i++)
		nfiles += one.line[i][0] == 'F' && one.line[i][1] == ' ';
	assert_int_equal(nfiles, 4 * 3 * 12);
	for (i = 1; i < one.n; i++)
		if (strncmp(one.line[i - 1], one.line[i], strcspn(one.line[i - 1], "|")) > 0 &&
		    one.line[i - 1][0] != 'F' && one.line[i][0] != 'F')
			fail_msg("'%s' before '%s'", one.line[i - 1], one.line[i]);
	/* with a progress callback: the totals the walk counted are all done
	 * at the end (text files only here: every byte is read) */
	assert_int_equal(seq_run(&many, rootbuf, 2, 1), 0);
	assert_true(many.progress_calls >= 2);
	assert_int_equal(many.last.files_total, 4 * 3 * 12);
	assert_int_equal(many.last.files_done, 4 * 3 * 12);
	assert_int_equal(many.last.bytes_total, bytes);
	/* the binary files are sniffed, not read: their bytes are not done */
	assert_true(many.last.bytes_done <= bytes);
	assert_true(many.last.bytes_done >= bytes - 4 * 3 * 64);
	seq_free(&one);
	seq_free(&many);
}

/* A callback's stop ends the scan, walk and workers, with its value. */
static void test_tree_stopped(void **state)
{
	char rootbuf[512];
	struct seq q = { 0 };
	size_t nfiles;

	(void)state;
	snprintf(rootbuf, sizeof(rootbuf), "%s", path_of("stopped"));
	make_tree(rootbuf, &nfiles);
	for (unsigned jobs = 1; jobs <= 4; jobs++) {
		/* the third is in the middle of the first mbox's findings */
		q.stop_after = 3;
		assert_int_equal(seq_run(&q, rootbuf, jobs, 0), 7);
		assert_int_equal(q.findings, 3);
		q.stop_after = 0;
	}
	seq_free(&q);
}

static size_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Files are opened relative to their directory, kept open while its files
 * wait (run.c, struct dref), at most 256 directories at a time: a tree of
 * 300 folders of two files, listed whole before one thread scans it, opens
 * the last ones by path.  Every file is scanned, with any number of
 * threads, and no descriptor is left open after a run, a stopped one
 * included. */
static void test_tree_dirs_open(void **state)
{
	char rootbuf[512], name[700];
	struct seq one = { 0 }, many = { 0 };
	size_t fds, i, files;

	(void)state;
	snprintf(rootbuf, sizeof(rootbuf), "%s", path_of("dirs"));
	assert_int_equal(mkdir(rootbuf, 0700), 0);
	for (int d = 0; d < 300; d++) {
		snprintf(name, sizeof(name), "%s/d%03d", rootbuf, d);
		assert_int_equal(mkdir(name, 0700), 0);
		snprintf(name, sizeof(name), "%s/d%03d/a.txt", rootbuf, d);
		spit(name, "card 4111 1111 1111 1111\n", 25);
		snprintf(name, sizeof(name), "%s/d%03d/b.txt", rootbuf, d);
		spit(name, "nothing\n", 8);
	}
	fds = open_fds();
	assert_int_equal(seq_run(&one, rootbuf, 1, 0), 0);
	assert_int_equal(open_fds(), fds);
	assert_int_equal(one.findings, 300);
	for (i = 0, files = 0; i < one.n; i++)
		if (one.line[i][0] == 'F' && one.line[i][1] == ' ') {
			files++;
			if (!strstr(one.line[i], ".txt 0 "))
				fail_msg("not scanned: '%s'", one.line[i]);
		}
	assert_int_equal(files, 600);
	for (unsigned jobs = 2; jobs <= 4; jobs *= 2) {
		assert_int_equal(seq_run(&many, rootbuf, jobs, 0), 0);
		assert_int_equal(open_fds(), fds);
		assert_int_equal(many.n, one.n);
		for (i = 0; i < one.n; i++)
			if (strcmp(one.line[i], many.line[i]))
				fail_msg("jobs %u, callback %zu: '%s', one thread: '%s'", jobs, i, many.line[i], one.line[i]);
		/* stopped early: the files not opened let their folders go */
		many.stop_after = 5;
		assert_int_equal(seq_run(&many, rootbuf, jobs, 0), 7);
		assert_int_equal(open_fds(), fds);
		many.stop_after = 0;
	}
	seq_free(&one);
	seq_free(&many);
}

/* A file whose size says 0 (/proc) is read to its end. */
static void test_size_zero_file(void **state)
{
	const char *path = "/proc/self/status";
	struct seq q = { 0 };
	unsigned long long bytes = 0;

	(void)state;
	assert_int_equal(seq_run(&q, path, 2, 0), 0);
	assert_true(q.n >= 1);   /* its findings (it varies), then the file */
	assert_int_equal(sscanf(q.line[q.n - 1], "F /proc/self/status 0 %*u %llu", &bytes), 1);
	assert_true(bytes > 100);
	seq_free(&q);
}

/* --------------------------------------------------------------- the walk */

static void test_walk(void **state)
{
	char rootbuf[512];
	const char *root = rootbuf;
	const char *card = "4111 1111 1111 1111\n";
	struct hits hs;
	fort_scan_opts o;
	fort_scan_stats st;
	char outside[512], link[512];
	size_t i;
	int saw_log = 0, saw_keep = 0, saw_deep = 0, saw_vault = 0;

	(void)state;
	snprintf(rootbuf, sizeof(rootbuf), "%s", path_of("tree"));
	assert_int_equal(mkdir(root, 0700), 0);
	assert_int_equal(mkdir(path_of("tree/.git"), 0700), 0);
	assert_int_equal(mkdir(path_of("tree/build"), 0700), 0);
	assert_int_equal(mkdir(path_of("tree/sub"), 0700), 0);
	assert_int_equal(mkdir(path_of("tree/sub/deeper"), 0700), 0);
	spit(path_of("tree/.git/config"), card, strlen(card));
	spit(path_of("tree/build/out.txt"), card, strlen(card));
	spit(path_of("tree/a.log"), card, strlen(card));
	spit(path_of("tree/keep.log"), card, strlen(card));
	spit(path_of("tree/notes.txt"), card, strlen(card));
	spit(path_of("tree/sub/deeper/deep.txt"), card, strlen(card));
	spit(path_of("tree/vault.db"), card, strlen(card));
	spit(path_of("tree/.fortressignore"), "# comment\n*.log\n!keep.log\n/build/\n", 35);
	snprintf(outside, sizeof(outside), "%s", path_of("outside.txt"));
	spit(outside, card, strlen(card));
	snprintf(link, sizeof(link), "%s", path_of("tree/out-link.txt"));
	assert_int_equal(symlink(outside, link), 0);
	assert_int_equal(symlink(path_of("tree"), path_of("tree/sub/loop")), 0);

	o = test_opts(&hs);
	{
		const char *ex[] = { path_of("tree/vault.db") };

		o.exclude = ex;
		o.nexclude = 1;
		assert_int_equal(fort_scan_run(&st, &root, 1, &o), 0);
	}
	for (i = 0; i < hs.n; i++) {
		if (strstr(hs.h[i].path, ".git/") || strstr(hs.h[i].path, "build/") || strstr(hs.h[i].path, "out-link"))
			fail_msg("%s should not have been scanned", hs.h[i].path);
		saw_log += strstr(hs.h[i].path, "a.log") != NULL;
		saw_keep += strstr(hs.h[i].path, "keep.log") != NULL;
		saw_deep += strstr(hs.h[i].path, "deep.txt") != NULL;
		saw_vault += strstr(hs.h[i].path, "vault.db") != NULL;
	}
	assert_int_equal(saw_log, 0);
	assert_int_equal(saw_keep, 1);
	assert_int_equal(saw_deep, 1);   /* reached once: the loop back to tree/ is not followed */
	assert_int_equal(saw_vault, 0);
	/* notes.txt, keep.log, deep.txt, the ignore file itself */
	assert_int_equal(st.findings, 3);
	assert_true(st.files_skipped >= 3);  /* the link out, the loop, the vault */

	/* --max-depth 1: sub/ is entered, sub/deeper/ is not */
	o = test_opts(&hs);
	o.max_depth = 1;
	assert_int_equal(fort_scan_run(&st, &root, 1, &o), 0);
	for (i = 0; i < hs.n; i++)
		assert_null(strstr(hs.h[i].path, "deep.txt"));
	/* ignore files off: .git and build are scanned, the link still not followed */
	o = test_opts(&hs);
	o.use_ignore_files = 0;
	assert_int_equal(fort_scan_run(&st, &root, 1, &o), 0);
	assert_true(st.findings >= 7);
	/* follow_symlinks: the file outside is read through the link */
	o = test_opts(&hs);
	o.follow_symlinks = 1;
	assert_int_equal(fort_scan_run(&st, &root, 1, &o), 0);
	for (i = 0, saw_log = 0; i < hs.n; i++)
		saw_log += strstr(hs.h[i].path, "out-link") != NULL;
	assert_int_equal(saw_log, 1);
	/* a missing path is an error naming it */
	{
		const char *missing = path_of("nope");

		o = test_opts(&hs);
		assert_int_equal(fort_scan_run(&st, &missing, 1, &o), FORT_ENOTFOUND);
		assert_non_null(strstr(fort_error_message(), "nope"));
	}
}

struct errs {
	int n;
	char reason[256];
};

static int on_file_err(void *ctx, const fort_scan_file *f)
{
	struct errs *e = ctx;

	if (f->status == FORT_SCAN_FILE_ERROR) {
		e->n++;
		snprintf(e->reason, sizeof(e->reason), "%s", f->reason);
	}
	return 0;
}

static void test_unreadable_file(void **state)
{
	/* /proc/self/mem opens but cannot be read at offset 0, even as root */
	const char *paths[] = { "/proc/self/mem", path_of("ok.txt") };
	fort_scan_opts o = FORT_SCAN_OPTS_INIT;
	fort_scan_stats st;
	struct errs e = { 0, "" };

	(void)state;
	spit(paths[1], "4111 1111 1111 1111", 19);
	o.on_file = on_file_err;
	o.ctx = &e;
	assert_int_equal(fort_scan_run(&st, paths, 2, &o), 0);
	assert_int_equal(e.n, 1);
	assert_int_equal(st.files_failed, 1);
	assert_int_equal(st.files_scanned, 1);   /* the scan went on */
	assert_int_equal(st.findings, 1);
	assert_non_null(strstr(e.reason, "read error"));
}

/* ---------------------------------------------------------------- ignore */

static int ign(const char *rules, const char *path, int is_dir)
{
	scan_ignore *ig = NULL;
	int r;

	assert_int_equal(scan_ignore_parse(&ig, "", rules, strlen(rules)), 0);
	r = scan_ignore_match(ig, path, is_dir);
	scan_ignore_free(ig);
	return r;
}

static void test_ignore_matcher(void **state)
{
	scan_ignore *ig = NULL;

	(void)state;
	assert_true(scan_glob("*.log", "a.log"));
	assert_false(scan_glob("*.log", "dir/a.log"));   /* '*' does not cross '/' */
	assert_true(scan_glob("a?c", "abc"));
	assert_false(scan_glob("a?c", "a/c"));
	assert_true(scan_glob("[a-c]x", "bx"));
	assert_false(scan_glob("[!a-c]x", "bx"));
	assert_true(scan_glob("**/x.txt", "x.txt"));
	assert_true(scan_glob("**/x.txt", "a/b/x.txt"));
	assert_true(scan_glob("a/**/b", "a/b"));
	assert_true(scan_glob("a/**/b", "a/x/y/b"));
	assert_true(scan_glob("a/**", "a/x/y"));
	assert_false(scan_glob("a/**", "b/x"));
	assert_true(scan_glob("\\*star", "*star"));
	assert_false(scan_glob("\\*star", "xstar"));

	assert_int_equal(ign("*.log\n", "x/y/a.log", 0), 1);          /* unanchored: any depth */
	assert_int_equal(ign("*.log\n!keep.log\n", "keep.log", 0), 0); /* negation */
	assert_int_equal(ign("!keep.log\n*.log\n", "keep.log", 0), 1); /* the last match wins */
	assert_int_equal(ign("build/\n", "build", 0), -1);            /* directories only */
	assert_int_equal(ign("build/\n", "build", 1), 1);
	assert_int_equal(ign("build/\n", "src/build", 1), 1);
	assert_int_equal(ign("/build\n", "src/build", 1), -1);        /* anchored */
	assert_int_equal(ign("/build\n", "build", 1), 1);
	assert_int_equal(ign("docs/*.md\n", "docs/a.md", 0), 1);
	assert_int_equal(ign("docs/*.md\n", "x/docs/a.md", 0), -1);   /* a middle '/' anchors */
	assert_int_equal(ign("# c\n\n   \n\\#hash\n", "#hash", 0), 1);
	assert_int_equal(ign("\\!bang\n", "!bang", 0), 1);
	assert_int_equal(ign("trail \n", "trail", 0), 1);             /* trailing space dropped */
	assert_int_equal(ign("**/secret/*.txt\n", "a/secret/b.txt", 0), 1);
	assert_int_equal(ign("x\r\n", "x", 0), 1);                    /* CRLF files */
	/* an ignore file in sub/ applies under sub/ only */
	assert_int_equal(scan_ignore_parse(&ig, "sub", "*.txt\n", 6), 0);
	assert_int_equal(scan_ignore_match(ig, "sub/a.txt", 0), 1);
	assert_int_equal(scan_ignore_match(ig, "a.txt", 0), -1);
	assert_int_equal(scan_ignore_match(ig, "subx/a.txt", 0), -1);
	scan_ignore_free(ig);
}

/* ------------------------------------------------------- cluster gate */

struct gate_run {
	struct { int type, conf; unsigned long long off, len; char rule[48]; } f[200000];
	size_t n;
	unsigned by_type[FORT_SCAN_NTYPES];
};

static int gate_collect(void *ctx, const fort_scan_finding *f)
{
	struct gate_run *g = ctx;

	if (g->n < sizeof(g->f) / sizeof(g->f[0])) {
		g->f[g->n].type = f->type;
		g->f[g->n].conf = f->confidence;
		g->f[g->n].off = f->offset;
		g->f[g->n].len = f->length;
		snprintf(g->f[g->n].rule, sizeof(g->f[g->n].rule), "%s", f->rule);
	}
	g->n++;
	g->by_type[f->type]++;
	return 0;
}

/* The engine calls a cluster detector only where the cluster's shape lets
 * its first test pass: every shape of every cluster detector, after every
 * kind of byte before and after, gives the same findings (type, confidence,
 * rule, offset, length) as calling every detector at every cluster. */
static void test_cluster_gate_agrees(void **state)
{
	static const char *const pre[] = {
		"", " ", "+", "(", "(+", "-", ".", "/", "x", "AB ", "qq ", "QQ", "A ", "tel: ", "SSN ", "DOB: ",
		"card ", "ip ", "phone ", "born ", "NI number: QQ ", "v", "Chrome/", "+1 ", "0", "1 ", "a.", "12 ",
		"xAB ", "-AB ", ":AB ", "\tab ",
	};
	static const char *const val[] = {
		"4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "378282246310005",
		"4111 1111 1111 1111 1111", "5555 5555 5555 4444 123", "4111111111111111111111",
		"123-45-6789", "123 45 6789", "123.45.6789", "123456789", "078-05-1120", "000-12-3456",
		"12/03/1985", "1985-03-12", "12.03.1985", "3/4/1999", "15 June 1991", "15th June 1991",
		"22-nov-1972", "12 Nov. 1985", "12.Mar.1985", "June 15th 1991", "March 12, 1985", "31/02/1990",
		"192.168.1.20", "10.0.0.1", "1.2.3.4.5", "256.1.1.1", "1.2.3.04", "127.0.0.1",
		"44 20 7123 4567", "(0)20 7123 4567", "20 7123 4567", "952) 734-2854", "952-734-2854",
		"1-952-734-2854", "030 1234567", "030 123456", "0171 12345", "030) 1234567", "0612345678", "09171234567",
		"06 12 34 56 78", "49 30 2234567", "22 730 5989", "12 34 56 C", "123456 C", "12 34 56 A",
		"2023", "12", "7", "1234", "12345", "99 (0", "1 2 3 4 5 6 7 8 9", "0 0 0", "1-2", "0/0/0000",
		"1985-3-2", "1-2-1985", "198-03-12", "1985-123-1", "12-123-1985", "12/03/19850", "123/03/1985",
		/* groups of four with 12, 13 and 14 digits (the card gate's count) */
		"4222 2222 2222 2", "4222-2222-2222-2", "4222 2222 2222 22", "4222 2222 2222", "2023-02-01 14",
		"4222 2222 22 222",
	};
	static const char *const post[] = { "", " ", "\n", ",", "x", " (", ".", "-", "/1", " 5" };
	static char text[1 << 20];
	static struct gate_run on, off;
	size_t len = 0, i, j, k, types = 0;
	fort_scan_opts o = FORT_SCAN_OPTS_INIT;

	(void)state;
	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		for (j = 0; j < sizeof(val) / sizeof(val[0]); j++)
			for (k = 0; k < sizeof(post) / sizeof(post[0]); k++)
				len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s%s\n", pre[i], val[j], post[k]);
	assert_true(len < sizeof(text) - 1);
	o.on_finding = gate_collect;
	memset(&on, 0, sizeof(on));
	memset(&off, 0, sizeof(off));
	o.ctx = &on;
	assert_int_equal(fort_scan_buffer(NULL, "gate.txt", text, len, &o), 0);
	/* the gate is in use (else this compares the loop with itself) */
	assert_true(scan_cluster_gate());
	scan_set_cluster_gate(0);
	assert_false(scan_cluster_gate());
	o.ctx = &off;
	assert_int_equal(fort_scan_buffer(NULL, "gate.txt", text, len, &o), 0);
	scan_set_cluster_gate(1);
	assert_int_equal(on.n, off.n);
	assert_true(on.n <= sizeof(on.f) / sizeof(on.f[0]));
	for (i = 0; i < on.n; i++) {
		if (on.f[i].type != off.f[i].type || on.f[i].conf != off.f[i].conf || on.f[i].off != off.f[i].off ||
		    on.f[i].len != off.f[i].len || strcmp(on.f[i].rule, off.f[i].rule))
			fail_msg("finding %zu: %s at %llu+%llu with the gate, %s at %llu+%llu without", i, on.f[i].rule,
				 on.f[i].off, on.f[i].len, off.f[i].rule, off.f[i].off, off.f[i].len);
	}
	/* every cluster detector found something here */
	{
		static const int want[] = { FORT_SCAN_CARD, FORT_SCAN_SSN, FORT_SCAN_DOB, FORT_SCAN_IP, FORT_SCAN_PHONE,
					    FORT_SCAN_NINO };

		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			if (on.by_type[want[i]] > 0)
				types++;
			else
				print_message("no %s found\n", fort_scan_type_name((fort_scan_type)want[i]));
		assert_int_equal(types, sizeof(want) / sizeof(want[0]));
	}
}

/* The same for the word detectors (IBAN, NINO, secret keys: a digit inside
 * a word): every kind of word start before every value, with and without
 * the gate. */
static void test_word_gate_agrees(void **state)
{
	static const char *const pre[] = { "", " ", "x", "Q", "QQ", "A", "AB", "-", "a-", "_", "iban ", "key=", "1" };
	static const char *const val[] = {
		"DE89370400440532013000", "DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "QQ123456C",
		"qq123456c", "AB123456D", "AKIA1234567890ABCDEF", "AKIAIOSFODNN7EXAMPLE", "ghp_1234567890abcdefghijABCDEFGHIJ123456",
		"sk_live_4eC39HqLyjWDarjtT1zdp7dc", "rk_test_4eC39HqLyjWDarjtT1zdp7dc", "xoxb-1234-5678-abcdefghij",
		"fortress_tok_ab12", "a1b2c3", "x1-y2-z3", "v2", "DE00", "ZZ99", "Ab12", "sec0nd", "f1le", "g0",
		"AB1234567C", "ABC123456C", "ab12345c", "JT493201D-2", "jt493201d",
	};
	static const char *const post[] = { "", " ", "\n", "x", "-1", "_", ".", "9" };
	static char text[1 << 19];
	static struct gate_run on, off;
	size_t len = 0, i, j, k;
	fort_scan_opts o = FORT_SCAN_OPTS_INIT;

	(void)state;
	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		for (j = 0; j < sizeof(val) / sizeof(val[0]); j++)
			for (k = 0; k < sizeof(post) / sizeof(post[0]); k++)
				len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s%s\n", pre[i], val[j], post[k]);
	assert_true(len < sizeof(text) - 1);
	o.on_finding = gate_collect;
	memset(&on, 0, sizeof(on));
	memset(&off, 0, sizeof(off));
	o.ctx = &on;
	assert_int_equal(fort_scan_buffer(NULL, "words.txt", text, len, &o), 0);
	assert_true(scan_cluster_gate());
	scan_set_cluster_gate(0);
	o.ctx = &off;
	assert_int_equal(fort_scan_buffer(NULL, "words.txt", text, len, &o), 0);
	scan_set_cluster_gate(1);
	assert_int_equal(on.n, off.n);
	assert_true(on.n <= sizeof(on.f) / sizeof(on.f[0]));
	for (i = 0; i < on.n; i++)
		if (on.f[i].type != off.f[i].type || on.f[i].conf != off.f[i].conf || on.f[i].off != off.f[i].off ||
		    on.f[i].len != off.f[i].len || strcmp(on.f[i].rule, off.f[i].rule))
			fail_msg("finding %zu: %s at %llu+%llu with the gate, %s at %llu+%llu without", i, on.f[i].rule,
				 on.f[i].off, on.f[i].len, off.f[i].rule, off.f[i].off, off.f[i].len);
	/* each word detector found something here */
	assert_true(on.by_type[FORT_SCAN_IBAN] > 0);
	assert_true(on.by_type[FORT_SCAN_NINO] > 0);
	assert_true(on.by_type[FORT_SCAN_SECRET] > 0);
}

/* The same for the ':' and '=' detectors (IPv6, secret labels): labels
 * ending in a digit or a letter, digits alone, times of day, ISO times,
 * addresses, before every operator and value, after every kind of byte,
 * with and without the gate (which skips the label look-up where the
 * identifier before the operator holds no keyword factor). */
static void test_colon_gate_agrees(void **state)
{
	static const char *const pre[] = { "", " ", "x", "9", "_", "-", ".", "\"", "[", "é", "fe80::", "2024-03-12T",
					   /* ISO times after an identifier a label may end in */
					   "password_-2024-03-12T", "api_key_.2024-03-12T", "secret_é2024-03-12T",
					   ",2024-03-12t" };
	static const char *const label[] = {
		"password", "db_password_2", "password_1", "api_key_9", "secret-10", "X_PASSWORD_3", "password2", "pwd",
		"10", "23", "10:23", "12:15:55", "T10", "1a", "9c25:8d73", "2001:db8", "::ffff", "From", "To", "SSN",
		"token_7", "tok3n", "é1", "x.password_4", "password.", "pass word", "\"secret_5\"", "cfg['db_pass']",
		"password?.", "api_key+.", "contrasena_1", "PassWord", "2024-03-12T10_secret", "CONTRASENA_2", "API_KEY_3",
		"SECRET_4", "AUTHTOKEN_5",
		/* times of day beside IPv6 addresses whose groups are two decimal digits */
		"12:34:56:78:90:12:34:56", "12:34::1", "::12:34", "fe80::12:34:56", "2001:db8:12:34:56:78:90:12",
		"12:34:56:78:90:12:34:ab", "ab:12:34:56:78:90:12:34", "12:34:5", "1:23:45", "12:34:56.78", "T12:34",
		"born 10:23", /* with ":" and "12 March 1961": a date in the seconds' place */
	};
	static const char *const op[] = { ":", "=", ": ", " = ", ":=", "==", "!=", "://u:", "::", "=>" };
	static const char *const val[] = { "Zx9kq72LmPwQ", "\"Zx9kq72LmPwQ\"", "45", "23:45.485Z", "1", "abcd:1",
					   "192.0.2.1", " password", "23:45 (555) 123-4567", "34:56:78:90:12:34",
					   "12 March 1961" };
	static char text[1 << 22];
	static struct gate_run on, off;
	size_t len = 0, i, j, k, l;
	fort_scan_opts o = FORT_SCAN_OPTS_INIT;

	(void)state;
	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		for (j = 0; j < sizeof(label) / sizeof(label[0]); j++)
			for (k = 0; k < sizeof(op) / sizeof(op[0]); k++)
				for (l = 0; l < sizeof(val) / sizeof(val[0]); l++)
					len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s%s%s\n", pre[i], label[j],
								op[k], val[l]);
	assert_true(len < sizeof(text) - 1);
	o.on_finding = gate_collect;
	memset(&on, 0, sizeof(on));
	memset(&off, 0, sizeof(off));
	o.ctx = &on;
	assert_int_equal(fort_scan_buffer(NULL, "colon.txt", text, len, &o), 0);
	assert_true(scan_cluster_gate());
	scan_set_cluster_gate(0);
	o.ctx = &off;
	assert_int_equal(fort_scan_buffer(NULL, "colon.txt", text, len, &o), 0);
	scan_set_cluster_gate(1);
	assert_int_equal(on.n, off.n);
	assert_true(on.n <= sizeof(on.f) / sizeof(on.f[0]));
	for (i = 0; i < on.n; i++)
		if (on.f[i].type != off.f[i].type || on.f[i].conf != off.f[i].conf || on.f[i].off != off.f[i].off ||
		    on.f[i].len != off.f[i].len || strcmp(on.f[i].rule, off.f[i].rule))
			fail_msg("finding %zu: %s at %llu+%llu with the gate, %s at %llu+%llu without", i, on.f[i].rule,
				 on.f[i].off, on.f[i].len, off.f[i].rule, off.f[i].off, off.f[i].len);
	/* both detectors found something here */
	assert_true(on.by_type[FORT_SCAN_SECRET] > 0);
	assert_true(on.by_type[FORT_SCAN_IP] > 0);
	assert_true(on.by_type[FORT_SCAN_DOB] > 0);
}

/* Times of day and ISO times skip their minutes, and may skip past the end
 * of the region a block scans (the next one starts after them): random
 * texts dense with times, ISO times, IPv6 addresses of two-digit groups,
 * labels and dates give the same findings at every block size as in one
 * block, and the same with the gates off. */
static void test_times_blocks(void **state)
{
	static const char *const pieces[] = {
		"2024-12-27T15:31:52.475Z", "15:31:52", "15:31", "born 10:23:12 March 1961", "fe80::12:34:56",
		"12:34:56:78:90:12:34:56", "password_-2024-03-12T10:23:45Zx9kq72LmPwQ", "SSN 123-45-6789", "\"",
		"[2023-02-01 14:07:17]", "2023-09-27 21:07:26", "db_password: Zx9kq72LmPwQ", "4111 1111 1111 1111",
		",", " ", "\n", "x", "T", "12", ":",
	};
	static const size_t blocks[] = { 61, 97, 331, 4093, 0 };
	static char text[60000];
	static struct gate_run ref, run;
	fort_scan_opts o = FORT_SCAN_OPTS_INIT;
	size_t len = 0, b, i;
	uint32_t x = 99;

	(void)state;
	while (len < sizeof(text) - 64) {
		const char *p;

		x = x * 1103515245u + 12345u;
		p = pieces[(x >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];
		memcpy(text + len, p, strlen(p));
		len += strlen(p);
	}
	o.on_finding = gate_collect;
	for (b = 0; b <= sizeof(blocks) / sizeof(blocks[0]); b++) {
		struct gate_run *g = b ? &run : &ref;

		memset(g, 0, sizeof(*g));
		o.ctx = g;
		/* the reference: one block, the gates on; the last run: gates off */
		scan_set_block_size(b && b < sizeof(blocks) / sizeof(blocks[0]) ? blocks[b - 1] : 0);
		if (b == sizeof(blocks) / sizeof(blocks[0]))
			scan_set_cluster_gate(0);
		assert_int_equal(fort_scan_buffer(NULL, "times.txt", text, len, &o), 0);
		scan_set_cluster_gate(1);
		scan_set_block_size(0);
		if (!b)
			continue;
		if (g->n != ref.n)
			fail_msg("run %zu: %zu findings, %zu in one block", b, g->n, ref.n);
		for (i = 0; i < ref.n && i < sizeof(ref.f) / sizeof(ref.f[0]); i++)
			if (g->f[i].type != ref.f[i].type || g->f[i].off != ref.f[i].off || g->f[i].len != ref.f[i].len ||
			    g->f[i].conf != ref.f[i].conf || strcmp(g->f[i].rule, ref.f[i].rule))
				fail_msg("run %zu, finding %zu: %s at %llu+%llu, in one block %s at %llu+%llu", b, i,
					 g->f[i].rule, g->f[i].off, g->f[i].len, ref.f[i].rule, ref.f[i].off, ref.f[i].len);
	}
	assert_true(ref.by_type[FORT_SCAN_IP] > 0);
	assert_true(ref.by_type[FORT_SCAN_SECRET] > 0);
	assert_true(ref.by_type[FORT_SCAN_DOB] > 0);
}

/* The class maps made in one pass for a region after one dense with digits
 * inside words (process: all four maps at once, the word maps not on
 * demand) give the findings of one block, where no region follows another:
 * stretches of IBANs, NI numbers, keys, UUIDs and hex ids among dates,
 * cards and e-mails, then prose without digits (back to the maps on
 * demand), at several block sizes; the one-pass mode must have been used. */
struct dense_hits {
	size_t n;
	struct { int type; unsigned long long off; unsigned len; } h[4096];
};

static int dense_hit(void *ctx, const scan_hit *h)
{
	struct dense_hits *d = ctx;

	if (d->n < sizeof(d->h) / sizeof(d->h[0])) {
		d->h[d->n].type = h->type;
		d->h[d->n].off = (unsigned long long)h->offset;
		d->h[d->n].len = h->length;
	}
	d->n++;
	return 0;
}

static size_t dense_scan(struct dense_hits *d, const char *text, size_t len, size_t block, size_t *dense)
{
	scan_stream st;
	size_t i, step = 997;

	memset(d, 0, sizeof(*d));
	scan_set_block_size(block);
	assert_int_equal(scan_stream_init(&st), 0);
	scan_set_block_size(0);
	scan_stream_reset(&st, dense_hit, d, 0);
	*dense = 0;
	for (i = 0; i < len; i += step) {
		assert_int_equal(scan_stream_feed(&st, text + i, len - i < step ? len - i : step), 0);
		*dense += st.cm_dense != 0;
	}
	assert_int_equal(scan_stream_finish(&st), 0);
	scan_stream_release(&st);
	return d->n;
}

static void test_dense_maps_blocks(void **state)
{
	static const char *const dense_p[] = {
		"DE89370400440532013000 ", "GB82 WEST 1234 5698 7654 32 ", "QQ123456C ", "AB 12 34 56 C ",
		"AKIAIOSFODNN7EXAMPLE ", "ghp_1234567890abcdefghijABCDEFGHIJ123456 ",
		"50f53e38-cb03-4e8a-a6b4-3f2feb90acb2 ", "x1-y2-z3 ", "G9T3PJ8H ", "v2.3.4 ", "a1b2c3d4e5 ",
		"4111 1111 1111 1111 ", "born 1985-03-12 ", "bob@example.com ", "SSN 123-45-6789 ", "\n", "-",
		"12px ", "T15 ", "2024-12-27T15:31:52.475Z ", "-----BEGIN RSA PRIVATE KEY-----\n",
		"-----BEGIN OPENSSH PRIVATE KEY-----", "----BEGIN EC PRIVATE KEY-----", "---------BEGIN ", "-----BEGIN",
		"-----BEGIN PGP PRIVATE KEY BLOCK-----\n", "- - - - - -----",
	};
	static const char *const prose[] = { "the quick brown fox ", "jumps over the lazy dog. ", "\n", "Lorem ipsum ",
					      "key: value ", "-- ", "word_word-word " };
	static const size_t blocks[] = { 61, 97, 331, 1000, 4093, 20000 };
	static char text[200000];
	static struct dense_hits ref, run;
	size_t len = 0, b, i, dense, any_dense = 0, nref;
	uint32_t x = 7;

	(void)state;
	while (len < sizeof(text) - 128) {
		/* 6 KB of dense pieces, then 6 KB of prose, alternately */
		int in_dense = (len / 6000) % 2 == 0;
		const char *p;

		x = x * 1103515245u + 12345u;
		p = in_dense ? dense_p[(x >> 16) % (sizeof(dense_p) / sizeof(dense_p[0]))]
			     : prose[(x >> 16) % (sizeof(prose) / sizeof(prose[0]))];
		memcpy(text + len, p, strlen(p));
		len += strlen(p);
	}
	nref = dense_scan(&ref, text, len, 0, &dense);
	assert_int_equal(dense, 0);   /* one block: no region before another */
	assert_true(nref > 1000 && nref < sizeof(ref.h) / sizeof(ref.h[0]));
	for (b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
		if (dense_scan(&run, text, len, blocks[b], &dense) != nref)
			fail_msg("block %zu: %zu findings, %zu in one block", blocks[b], run.n, nref);
		any_dense += dense;
		for (i = 0; i < nref; i++)
			if (run.h[i].type != ref.h[i].type || run.h[i].off != ref.h[i].off || run.h[i].len != ref.h[i].len)
				fail_msg("block %zu, finding %zu: type %d at %llu+%u, in one block type %d at %llu+%u", blocks[b],
					 i, run.h[i].type, run.h[i].off, run.h[i].len, ref.h[i].type, ref.h[i].off, ref.h[i].len);
	}
	assert_true(any_dense > 0);
	/* the PEM headers among the dense stretches were found */
	for (i = b = 0; i < nref; i++)
		b += ref.h[i].type == FORT_SCAN_SECRET && text[ref.h[i].off] == '-';
	assert_true(b > 20);
}

/* -------------------------------------------------------------- baseline */

static void test_baseline_round_trip(void **state)
{
	const char *file = path_of("bl.txt"), *blp = path_of("baseline.json");
	const char *text = "a 4111 1111 1111 1111\nb SSN 123-45-6789\n";
	fort_scan_baseline *b = NULL, *b2 = NULL;
	struct hits hs;
	fort_scan_opts o;
	fort_scan_stats st;
	char fp_space[40], fp_dash[40], *saved = NULL;
	FILE *f;
	long n;
	size_t i;

	(void)state;
	spit(file, text, strlen(text));
	assert_int_equal(fort_scan_baseline_new(&b), 0);
	o = test_opts(&hs);
	o.baseline = b;
	assert_int_equal(fort_scan_run(&st, &file, 1, &o), 0);
	assert_int_equal(hs.n, 2);
	for (i = 0; i < hs.n; i++) {
		assert_int_equal(strlen(hs.h[i].fp), 32);
		assert_int_equal(fort_scan_baseline_add(b, hs.h[i].fp), 0);
	}
	snprintf(fp_space, sizeof(fp_space), "%s", hs.h[0].fp);
	assert_int_equal(fort_scan_baseline_save(b, blp), 0);
	/* the file holds no value */
	f = fopen(blp, "rb");
	assert_non_null(f);
	saved = calloc(1, 65536);
	n = (long)fread(saved, 1, 65535, f);
	fclose(f);
	assert_true(n > 0);
	/* no value in any written form (four digits alone turn up in the hex
	 * fingerprints by chance, about one run in a thousand) */
	assert_null(strstr(saved, "4111 1111"));
	assert_null(strstr(saved, "4111111111111111"));
	assert_null(strstr(saved, "123-45-6789"));
	assert_null(strstr(saved, "123456789"));
	free(saved);

	assert_int_equal(fort_scan_baseline_load(&b2, blp), 0);
	assert_int_equal(fort_scan_baseline_count(b2), 2);
	o = test_opts(&hs);
	o.baseline = b2;
	o.baseline_filter = 1;
	assert_int_equal(fort_scan_run(&st, &file, 1, &o), 0);
	assert_int_equal(hs.n, 0);
	assert_int_equal(st.suppressed, 2);
	/* a new finding still shows; the same card written differently does not */
	spit(file, "a 4111-1111-1111-1111\nc 5555 5555 5555 4444\n", 44);
	o = test_opts(&hs);
	o.baseline = b2;
	o.baseline_filter = 1;
	assert_int_equal(fort_scan_run(&st, &file, 1, &o), 0);
	assert_int_equal(hs.n, 1);
	assert_non_null(strstr(hs.h[0].value, "5555"));
	o = test_opts(&hs);
	o.baseline = b2;
	assert_int_equal(fort_scan_run(&st, &file, 1, &o), 0);
	snprintf(fp_dash, sizeof(fp_dash), "%s", hs.h[0].fp);
	assert_string_equal(fp_dash, fp_space);
	/* another key gives other fingerprints */
	o = test_opts(&hs);
	o.baseline = b;
	fort_scan_baseline_free(b);
	b = NULL;
	assert_int_equal(fort_scan_baseline_new(&b), 0);
	o.baseline = b;
	assert_int_equal(fort_scan_run(&st, &file, 1, &o), 0);
	assert_string_not_equal(hs.h[0].fp, fp_space);
	/* damaged files are refused, naming the file */
	spit(blp, "{\"fortress_scan_baseline\": 1, \"key\": \"00\", \"fingerprints\": []}", 62);
	fort_scan_baseline_free(b2);
	b2 = NULL;
	assert_int_equal(fort_scan_baseline_load(&b2, blp), FORT_EINPUT);
	assert_null(b2);
	assert_non_null(strstr(fort_error_message(), "baseline.json"));
	fort_scan_baseline_free(b);
}

/* The three fingerprint schemes, by their definition: version 1 (baselines
 * written before version 2) BLAKE2b-128 keyed with the file's key over type
 * NUL normalised value NUL path; version 2 SipHash-2-4-128 over the same
 * under a key derived from it; version 3 (new baselines) SipHash-2-4-128 of
 * type NUL normalised value under the path's own key, SipHash-2-4-128 of
 * the path under a key derived from the file's.  A baseline keeps its
 * version when saved, and a baseline of each version still suppresses what
 * it holds. */
static void test_baseline_versions(void **state)
{
	const char *file = path_of("blv.txt"), *blp = path_of("blv.json");
	const char *tn = fort_scan_type_name(FORT_SCAN_CARD), *norm = "4111111111111111";
	char json[256], want[33];
	unsigned char key[32], h[16], skey[16], pkey[16], m[1024];
	size_t ml, vl;
	fort_scan_baseline *b = NULL;
	struct hits hs;
	fort_scan_opts o;
	fort_scan_stats st;
	crypto_generichash_state gs;

	(void)state;
	spit(file, "a 4111 1111 1111 1111\nb 4111-1111-1111-1111\n", 44);
	memset(key, 0x11, sizeof(key));
	ml = strlen(tn) + 1;
	memcpy(m, tn, ml);
	memcpy(m + ml, norm, 16);
	ml += 16;
	vl = ml;   /* type NUL value: version 3's message */
	m[ml++] = '\0';
	memcpy(m + ml, file, strlen(file));
	ml += strlen(file);
	for (int version = 1; version <= 4; version++) {
		snprintf(json, sizeof(json), "{\"fortress_scan_baseline\": %d, \"key\": \"%s\", \"fingerprints\": []}",
			 version, "1111111111111111111111111111111111111111111111111111111111111111");
		spit(blp, json, strlen(json));
		if (version == 4) {
			assert_int_equal(fort_scan_baseline_load(&b, blp), FORT_EINPUT);
			break;
		}
		assert_int_equal(fort_scan_baseline_load(&b, blp), 0);
		assert_int_equal(fort_scan_baseline_version(b), version);
		if (version == 1) {
			crypto_generichash_init(&gs, key, sizeof(key), sizeof(h));
			crypto_generichash_update(&gs, m, ml);
			crypto_generichash_final(&gs, h, sizeof(h));
		} else if (version == 2) {
			static const unsigned char ctx[] = "fortress scan fingerprint v2";
			crypto_generichash(skey, sizeof(skey), ctx, sizeof(ctx) - 1, key, sizeof(key));
			crypto_shorthash_siphashx24(h, m, ml, skey);
		} else {
			static const unsigned char ctx[] = "fortress scan fingerprint v3";
			crypto_generichash(skey, sizeof(skey), ctx, sizeof(ctx) - 1, key, sizeof(key));
			crypto_shorthash_siphashx24(pkey, (const unsigned char *)file, strlen(file), skey);
			crypto_shorthash_siphashx24(h, m, vl, pkey);
		}
		sodium_bin2hex(want, sizeof(want), h, sizeof(h));
		o = test_opts(&hs);
		o.baseline = b;
		assert_int_equal(fort_scan_run(&st, &file, 1, &o), 0);
		/* the same card twice in one file: the same fingerprint (the
		 * second one made with the path's key kept from the first) */
		assert_int_equal(hs.n, 2);
		assert_string_equal(hs.h[0].fp, want);
		assert_string_equal(hs.h[1].fp, want);
		/* a baseline of this version holding it suppresses both */
		assert_int_equal(fort_scan_baseline_add(b, want), 0);
		o = test_opts(&hs);
		o.baseline = b;
		o.baseline_filter = 1;
		assert_int_equal(fort_scan_run(&st, &file, 1, &o), 0);
		assert_int_equal(hs.n, 0);
		/* saved, it stays of its version */
		assert_int_equal(fort_scan_baseline_save(b, blp), 0);
		fort_scan_baseline_free(b);
		b = NULL;
		assert_int_equal(fort_scan_baseline_load(&b, blp), 0);
		assert_int_equal(fort_scan_baseline_version(b), version);
		assert_true(fort_scan_baseline_has(b, want));
		fort_scan_baseline_free(b);
		b = NULL;
	}
	assert_int_equal(fort_scan_baseline_new(&b), 0);
	assert_int_equal(fort_scan_baseline_version(b), 3);
	fort_scan_baseline_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_boundaries),
		cmocka_unit_test(test_cluster_gate_agrees),
		cmocka_unit_test(test_word_gate_agrees),
		cmocka_unit_test(test_colon_gate_agrees),
		cmocka_unit_test(test_has_tag_vector),
		cmocka_unit_test(test_time_colon),
		cmocka_unit_test(test_times_blocks),
		cmocka_unit_test(test_dense_maps_blocks),
		cmocka_unit_test(test_label_boundaries),
		cmocka_unit_test(test_label_after_colons),
		cmocka_unit_test(test_label_near_exact),
		cmocka_unit_test(test_label_factor_bytes),
		cmocka_unit_test(test_csv_count_vector),
		cmocka_unit_test(test_window_vector),
		cmocka_unit_test(test_line_counts_vector),
		cmocka_unit_test(test_dob_after_vector),
		cmocka_unit_test(test_maps_vector),
		cmocka_unit_test(test_no_masked),
		cmocka_unit_test(test_plain_path_agrees),
		cmocka_unit_test(test_no_column),
		cmocka_unit_test(test_no_line),
		cmocka_unit_test(test_large_sparse_file),
		cmocka_unit_test(test_order_over_threads),
		cmocka_unit_test(test_tree_while_walked),
		cmocka_unit_test(test_tree_stopped),
		cmocka_unit_test(test_tree_dirs_open),
		cmocka_unit_test(test_size_zero_file),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_ignore_matcher),
		cmocka_unit_test(test_baseline_round_trip),
		cmocka_unit_test(test_baseline_versions),
		cmocka_unit_test(test_fp_normalise_vector),
		cmocka_unit_test(test_ignore_per_buffer),
	};

	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
