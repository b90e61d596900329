/* test_backup_format.c - the backup format against crafted files.
 *
 * tests/data/regressions/backup_header-1.bin: a header whose (unkeyed)
 * checksum was recomputed after setting the owner's Argon2id limits to
 * ~4 billion passes and 4 GiB; `backup verify` spent them before anything
 * was authenticated.  It must be refused at once.
 *
 * Then the format vectors, made from a live backup (so they follow the
 * format as the code writes it): every header field altered (with the
 * checksum recomputed, so the parser and the authentication are what
 * refuse it, not the checksum), truncated and extended files, wrong
 * magic and versions.  Each must be refused with the expected code, never
 * opened, and quickly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "fortress.h"
#include "util.h"

#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_DIR "/tmp/fort-test-backup-format-XXXXXX"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"
#include "bounds.h"

static unsigned char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	unsigned char *buf;
	long n;
	if (!f)
		fail_msg("cannot open %s", p);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_non_null(buf = malloc((size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int verify_file(const char *path)
{
	fort_secret *s = secret(PASS);
	fort_backup_info b;
	int r = fort_backup_verify(&b, path, NULL, s, NULL);
	fort_secret_free(s);
	return r;
}

static void verify_fn(void *ctx, size_t n)
{
	(void)n;
	if (verify_file(ctx) != FORT_ECORRUPT)
		_exit(6);
}

static void test_regression_kdf_limits(void **state)
{
	char src[1024];
	const char *d = getenv("FORT_TEST_DATA");
	bound_sample t;
	(void)state;
	snprintf(src, sizeof src, "%s/regressions/backup_header-1.bin", d ? d : "tests/data");
	/* in a child with an alarm: the old code never returned */
	t = bound_measure(verify_fn, src, 0, 1, 20);
	print_message("backup_header-1.bin refused in %.3f s\n", t.cpu);
	assert_true(t.cpu < 1.0);
	assert_int_equal(verify_file(src), FORT_ECORRUPT);
	assert_non_null(strstr(fort_error_message(), "key derivation limits"));
	assert_non_null(strstr(fort_error_message(), "4294967295 passes"));
}

/* ---- vectors from a live backup ---- */

static unsigned char *orig;
static size_t orig_len, hdr_len;

static void make_backup(void)
{
	fort_vault *v;
	fort_backup_info b;
	if (orig)
		return;
	v = create_vault("fmt.fort");
	fort_kv kv[] = { { "full_name", "Ann Example" }, { "email", "ann@example.com" } };
	char id[FORT_ID_LEN + 1];
	assert_int_equal(fort_client_add(id, v, kv, 2), 0);
	if (fort_backup_create(&b, v, path_of("fmt.fbak")) != 0)
		fail_msg("backup: %s", fort_error_message());
	fort_vault_close(v);
	orig = slurp(path_of("fmt.fbak"), &orig_len);
	hdr_len = (size_t)orig[12] << 24 | (size_t)orig[13] << 16 | (size_t)orig[14] << 8 | orig[15];
}

/* Write COPY (LEN bytes), with the header checksum recomputed when FIX,
 * and check that verify returns WANT (or, WANT 0, any refusal). */
static void expect_vector(const char *name, unsigned char *copy, size_t len, int fix, int want)
{
	const char *p = path_of("vec.fbak");
	int r;
	if (fix && len >= 16 + hdr_len + 32)
		crypto_generichash(copy + 16 + hdr_len, 32, copy, 16 + hdr_len, NULL, 0);
	spit(p, copy, len);
	r = verify_file(p);
	if (r == 0 || (want && r != want))
		fail_msg("vector '%s': verify returned %d (%s), want %d", name, r, fort_error_message(), want);
	if (!*fort_error_message())
		fail_msg("vector '%s': refused without a message", name);
}

/* The header fields in the order header_encode writes them: length of
 * the length prefix (0: fixed size), fixed size, name, the code a change
 * gets (0: any refusal). */
struct field { int var; size_t size; const char *name; };
static const struct field fields[] = {
	{ 1, 0, "vault id" }, { 0, 8, "created" }, { 1, 0, "tool version" }, { 0, 8, "clients" },
	{ 0, 8, "audit seq" }, { 0, 32, "audit hash" }, { 0, 4, "chunk size" }, { 1, 0, "owner name" },
	{ 0, 32, "owner box key" }, { 0, 32, "owner sign key" }, { 0, 16, "owner salt" },
	{ 0, 8, "opslimit" }, { 0, 8, "memlimit" }, { 1, 0, "owner keyring" }, { 0, 4, "vk version" },
	{ 1, 0, "vk grant" }, { 1, 0, "recovery record" },
};

static void test_header_fields(void **state)
{
	unsigned char *copy;
	size_t off = 16, nf = 0;
	(void)state;
	make_backup();
	assert_memory_equal(orig, "FORTBAK\x01", 8);
	copy = malloc(orig_len + 64);
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
		const struct field *f = &fields[i];
		size_t start = off, n = f->size, positions[3];
		char name[128];
		if (f->var) {
			n = (size_t)orig[off] << 8 | orig[off + 1];
			/* the length prefix itself: one more, one less */
			memcpy(copy, orig, orig_len);
			copy[off + 1] ^= 1;
			snprintf(name, sizeof name, "%s length", f->name);
			expect_vector(name, copy, orig_len, 1, FORT_ECORRUPT);
			start = off + 2;
		}
		off = start + n;
		if (!n)
			continue;
		/* first, middle and last byte of the field, each flipped */
		positions[0] = start;
		positions[1] = start + n / 2;
		positions[2] = start + n - 1;
		for (int k = 0; k < 3; k++) {
			memcpy(copy, orig, orig_len);
			copy[positions[k]] ^= 0x01;
			snprintf(name, sizeof name, "%s byte %zu", f->name, positions[k] - start);
			/* the owner's name decides whose passphrase opens it; a
			 * changed name is "not the owner" or a failed unlock */
			expect_vector(name, copy, orig_len, 1, 0);
			nf++;
		}
	}
	assert_int_equal(off, 16 + hdr_len);   /* the table covers the whole header */
	/* a wrong checksum alone */
	memcpy(copy, orig, orig_len);
	copy[16 + hdr_len + 3] ^= 0x80;
	expect_vector("checksum", copy, orig_len, 0, FORT_ECORRUPT);
	print_message("%zu altered header fields refused\n", nf);
	free(copy);
}

static void test_versions_and_sizes(void **state)
{
	unsigned char *copy;
	size_t cuts[] = { 0, 4, 8, 12, 15, 16, 16 + 10, 16 + hdr_len, 16 + hdr_len + 31, 16 + hdr_len + 32,
			  16 + hdr_len + 32 + 23, 16 + hdr_len + 32 + 24, orig_len - 17, orig_len - 1 };
	(void)state;
	make_backup();
	copy = malloc(orig_len + 4096);
	memcpy(copy, orig, orig_len);
	copy[0] = 'X';
	expect_vector("magic", copy, orig_len, 0, FORT_ECORRUPT);
	memcpy(copy, orig, orig_len);
	copy[7] = 2;
	expect_vector("magic version byte", copy, orig_len, 0, FORT_ECORRUPT);
	for (uint32_t v = 0; v < 4; v++) {
		if (v == FORT_BACKUP_FORMAT)
			continue;
		memcpy(copy, orig, orig_len);
		copy[11] = (unsigned char)v;
		expect_vector("format version", copy, orig_len, 1, v > FORT_BACKUP_FORMAT ? FORT_EVERSION : FORT_ECORRUPT);
	}
	memcpy(copy, orig, orig_len);
	copy[8] = 0xff;   /* format 0xff000001 */
	expect_vector("format version (high byte)", copy, orig_len, 1, FORT_EVERSION);
	for (uint32_t h = 0; h < 4; h++) {
		static const uint32_t lens[] = { 0, 63, 65537, 0xffffffffu };
		memcpy(copy, orig, orig_len);
		copy[12] = (unsigned char)(lens[h] >> 24);
		copy[13] = (unsigned char)(lens[h] >> 16);
		copy[14] = (unsigned char)(lens[h] >> 8);
		copy[15] = (unsigned char)lens[h];
		expect_vector("header length", copy, orig_len, 0, FORT_ECORRUPT);
	}
	for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
		char name[64];
		snprintf(name, sizeof name, "truncated at %zu", cuts[i]);
		memcpy(copy, orig, orig_len);
		expect_vector(name, copy, cuts[i], 0, FORT_ECORRUPT);
	}
	memcpy(copy, orig, orig_len);
	memset(copy + orig_len, 0, 4096);
	expect_vector("extended by one byte", copy, orig_len + 1, 0, FORT_ECORRUPT);
	expect_vector("extended by 4 KiB", copy, orig_len + 4096, 0, FORT_ECORRUPT);
	/* the genuine file still verifies (the vectors mean something) */
	spit(path_of("vec.fbak"), orig, orig_len);
	assert_int_equal(verify_file(path_of("vec.fbak")), 0);
	free(copy);
}

static int teardown(void **state)
{
	free(orig);
	return fixture_group_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regression_kdf_limits),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_versions_and_sizes),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, teardown);
}
