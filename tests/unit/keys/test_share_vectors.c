/* test_share_vectors.c - recovery-share format vectors, made from a live
 * split (so they follow the format as written: FORT-SHARE-1:VID:K-of-N:
 * NR:Y:CHECKSUM): every part altered, truncated and extended shares, other
 * versions and tags, too few, duplicate and foreign shares.  Each must be
 * refused with the right code and a message naming the share; the genuine
 * set must open the recovery record. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include "fortress.h"
#include "util.h"
#include "vault/vault_int.h"
#include "keys/recovery.h"

#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_DIR "/tmp/fort-test-share-vectors-XXXXXX"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

static char vid[33];
static unsigned char *rec;
static size_t rec_len;
static char **shares, **other;

static int open_with(const char *const *s, size_t n)
{
	unsigned char *secret = sodium_malloc(64);
	int r;
	assert_non_null(secret);
	fort_error_clear();
	r = recovery_owner_secret(secret, vid, rec, rec_len, s, n);
	sodium_free(secret);
	return r;
}

/* Share 1 replaced by TEXT, with the genuine share 2: must fail with WANT. */
static void expect_refused(const char *name, const char *text, int want)
{
	const char *s[2] = { text, shares[1] };
	int r = open_with(s, 2);
	if (r != want)
		fail_msg("vector '%s' (%s): %d (%s), want %d", name, text, r, fort_error_message(), want);
	if (!*fort_error_message())
		fail_msg("vector '%s': refused without a message", name);
}

static void test_vectors(void **state)
{
	fort_vault *v, *v2;
	unsigned char *val = NULL;
	size_t len = 0, nparts = 0;
	char buf[1024], *parts[8];
	(void)state;
	v = create_vault("a.fort");
	v2 = create_vault("b.fort");
	assert_int_equal(fort_recovery_split(&shares, v, 3, 2), 0);
	assert_int_equal(fort_recovery_split(&other, v2, 3, 2), 0);
	assert_int_equal(store_meta_get(v->st, "vault_id", &val, &len), 0);
	assert_int_equal(len, 32);
	memcpy(vid, val, 32);
	free(val);
	assert_int_equal(store_meta_get(v->st, "recovery", &rec, &rec_len), 0);

	/* the genuine shares open it, any two of three */
	{
		const char *s[2] = { shares[0], shares[2] };
		assert_int_equal(open_with(s, 2), 0);
	}
	/* the layout this test walks */
	snprintf(buf, sizeof buf, "%s", shares[0]);
	for (char *p = buf; p && nparts < 8; nparts++) {
		parts[nparts] = p;
		if ((p = strchr(p, ':')))
			*p++ = 0;
	}
	assert_int_equal(nparts, 6);
	assert_string_equal(parts[0], "FORT-SHARE-1");

	/* every character of the share changed, one at a time (the checksum
	 * or the structure catches each) */
	for (size_t i = 0; i < strlen(shares[0]); i++) {
		char alt[1024], name[64];
		snprintf(alt, sizeof alt, "%s", shares[0]);
		alt[i] = alt[i] == ':' ? '-' : alt[i] == '0' ? '1' : alt[i] == 'F' ? 'E' : '0';
		if (strcmp(alt, shares[0]) == 0)
			alt[i] = 'x';
		snprintf(name, sizeof name, "character %zu changed", i);
		{
			const char *s[2] = { alt, shares[1] };
			int r = open_with(s, 2);
			if (r == 0)
				fail_msg("vector '%s' opened", name);
			if (r != FORT_EINPUT && r != FORT_EVERSION && r != FORT_EAUTH)
				fail_msg("vector '%s': code %d (%s)", name, r, fort_error_message());
			if (!strstr(fort_error_message(), "share 1"))
				fail_msg("vector '%s': the message does not name the share: %s", name, fort_error_message());
		}
	}
	/* truncated and extended */
	for (size_t cut = 1; cut < strlen(shares[0]); cut += 7) {
		char alt[1024];
		snprintf(alt, sizeof alt, "%.*s", (int)cut, shares[0]);
		expect_refused("truncated", alt, cut < strlen("FORT-SHARE-") ? FORT_EINPUT : FORT_EINPUT);
	}
	snprintf(buf, sizeof buf, "%s0", shares[0]);
	expect_refused("one character more", buf, FORT_EINPUT);
	snprintf(buf, sizeof buf, "%s:00", shares[0]);
	expect_refused("one part more", buf, FORT_EINPUT);
	expect_refused("empty", "", FORT_EINPUT);
	/* versions and tags */
	snprintf(buf, sizeof buf, "FORT-SHARE-2%s", shares[0] + strlen("FORT-SHARE-1"));
	expect_refused("format 2", buf, FORT_EVERSION);
	snprintf(buf, sizeof buf, "FORT-SHARE-9%s", shares[0] + strlen("FORT-SHARE-1"));
	expect_refused("format 9", buf, FORT_EVERSION);
	snprintf(buf, sizeof buf, "SHARE-1%s", shares[0] + strlen("FORT-SHARE-1"));
	expect_refused("another tag", buf, FORT_EINPUT);
	/* sets */
	{
		const char *one[1] = { shares[0] };
		const char *dup[2] = { shares[0], shares[0] };
		const char *foreign[2] = { other[0], other[1] };
		const char *mixed[2] = { shares[0], other[1] };
		assert_true(open_with(one, 1) < 0);
		assert_true(open_with(dup, 2) < 0);
		assert_int_equal(open_with(foreign, 2), FORT_EAUTH);
		assert_int_equal(open_with(mixed, 2), FORT_EAUTH);
	}
	fort_recovery_shares_free(shares, 3);
	fort_recovery_shares_free(other, 3);
	free(rec);
	fort_vault_close(v);
	fort_vault_close(v2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
