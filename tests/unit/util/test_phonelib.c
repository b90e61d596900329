/* test_phonelib.c - the phone type's faster paths (issue 16, faster
 * import) against libphonenumber alone.  phonelib_e164() reads "+" and
 * digits without PhoneNumberUtil::Parse when the library's metadata settles
 * what Parse would do, and judges validity with the library's own patterns
 * compiled once instead of PhoneNumberUtil::IsValidNumber (phonelib.cc);
 * every number here goes both ways and the verdict, the E.164 string and
 * the country must be the same.  The compiled patterns are matched
 * without ICU (phonelib.cc: dpat); test_patterns_agree_with_icu compares
 * that matcher with ICU on every pattern of the metadata.
 * The numbers: prefixes of 90 numbering areas (45 calling codes, shared
 * codes such as +1, +7, +44, +47, +61, +262, +358 and +590 among them, two
 * non-geographic ones) with random tails of every length from too short to
 * too long, the same with a trunk 0 (or the country's own national prefix)
 * after the calling code, without "+" (read in the country, with "00", as
 * a bare run), with spaces, with an unknown or a zero calling code. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "util/phonelib.h"
#include "../xorshift.h"

static const struct seed {
	const char *region;   /* where a national form of the number is read */
	const char *cc;
	const char *lead;     /* leading digits of real numbers there */
} seeds[] = {
	{ "DE", "49", "30" }, { "DE", "49", "89" }, { "DE", "49", "151" }, { "DE", "49", "1701" },
	{ "DE", "49", "2234" }, { "US", "1", "212" }, { "US", "1", "415" }, { "US", "1", "800" },
	{ "CA", "1", "613" }, { "JM", "1", "876" }, { "PR", "1", "787" }, { "VI", "1", "340" },
	{ "GB", "44", "20" }, { "GB", "44", "7700" }, { "GB", "44", "161" }, { "GG", "44", "1481" },
	{ "JE", "44", "7797" }, { "FR", "33", "1" }, { "FR", "33", "6" }, { "IT", "39", "06" },
	{ "IT", "39", "3" }, { "IT", "39", "02" }, { "VA", "39", "06698" }, { "ES", "34", "91" },
	{ "ES", "34", "6" }, { "NL", "31", "20" }, { "NL", "31", "6" }, { "BE", "32", "2" },
	{ "BE", "32", "47" }, { "CH", "41", "44" }, { "CH", "41", "79" }, { "AT", "43", "1" },
	{ "AT", "43", "664" }, { "IE", "353", "1" }, { "IE", "353", "8" }, { "PT", "351", "21" },
	{ "PT", "351", "9" }, { "PL", "48", "22" }, { "PL", "48", "5" }, { "SE", "46", "8" },
	{ "SE", "46", "7" }, { "DK", "45", "32" }, { "NO", "47", "4" }, { "NO", "47", "22" },
	{ "SJ", "47", "79" }, { "FI", "358", "9" }, { "FI", "358", "40" }, { "AX", "358", "18" },
	{ "IL", "972", "2" }, { "IL", "972", "5" }, { "IN", "91", "11" }, { "IN", "91", "9" },
	{ "CN", "86", "10" }, { "CN", "86", "138" }, { "PH", "63", "2" }, { "PH", "63", "9" },
	{ "TR", "90", "212" }, { "TR", "90", "532" }, { "BR", "55", "11" }, { "BR", "55", "119" },
	{ "AU", "61", "2" }, { "AU", "61", "4" }, { "CX", "61", "89164" }, { "MX", "52", "55" },
	{ "MX", "52", "1" }, { "AR", "54", "11" }, { "AR", "54", "911" }, { "RU", "7", "495" },
	{ "RU", "7", "9" }, { "KZ", "7", "7" }, { "JP", "81", "3" }, { "JP", "81", "90" },
	{ "KR", "82", "2" }, { "KR", "82", "10" }, { "ZA", "27", "21" }, { "ZA", "27", "82" },
	{ "NG", "234", "1" }, { "NG", "234", "80" }, { "EG", "20", "2" }, { "EG", "20", "10" },
	{ "MA", "212", "6" }, { "RE", "262", "262" }, { "YT", "262", "639" }, { "GP", "590", "590" },
	{ "BL", "590", "590" }, { "SM", "378", "0549" }, { "HU", "36", "1" }, { "HU", "36", "06" },
	{ "CO", "57", "3" }, { "CO", "57", "601" }, { NULL, "800", "1" }, { NULL, "882", "16" },
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
	return (unsigned)(xorshift64(&rng_state) % n);
}

struct tally {
	unsigned numbers, plain, plain_ok, ok, regions, table, table_ok;
	unsigned region, region_ok, region_length; /* country and length from the table: all, valid, too short or long */
};

/* NUMBER both ways: the same result, E.164 and country, and the plain path
 * taken only for "+" and digits. */
static void same(struct tally *t, const char *number, const char *region)
{
	char e_ref[24], e_got[24], w_ref[4], w_got[4];
	int r_ref, r_got, how = -1, plain;

	r_ref = phonelib_e164_how(e_ref, sizeof e_ref, w_ref, number, region, 1, NULL);
	r_got = phonelib_e164_how(e_got, sizeof e_got, w_got, number, region, 0, &how);
	plain = how & PHONELIB_HOW_PLAIN ? 1 : 0;
	if (r_ref != r_got || strcmp(e_ref, e_got) != 0 || strcmp(w_ref, w_got) != 0)
		fail_msg("\"%s\" in %s: Parse gives %d \"%s\" (%s), the %s path %d \"%s\" (%s)", number,
			 region ? region : "-", r_ref, e_ref, w_ref, plain ? "plain" : "Parse", r_got, e_got, w_got);
	if (plain && number[0] != '+')
		fail_msg("\"%s\": read without Parse though it has no +", number);
	t->numbers++;
	t->plain += plain == 1;
	t->plain_ok += plain == 1 && r_got == PHONELIB_OK;
	t->ok += r_got == PHONELIB_OK;
	t->table += (how & PHONELIB_HOW_TABLE) != 0;
	t->table_ok += (how & PHONELIB_HOW_TABLE) && r_got == PHONELIB_OK;
	if (how & PHONELIB_HOW_REGION) {
		t->region++;
		t->region_ok += r_got == PHONELIB_OK;
		t->region_length += r_got == PHONELIB_TOO_SHORT || r_got == PHONELIB_TOO_LONG;
	}
}

static void test_plain_equals_parse(void **state)
{
	struct tally t = { 0 };
	char digits[32], num[48];
	(void)state;

	for (size_t s = 0; s < sizeof seeds / sizeof *seeds; s++) {
		const struct seed *sd = &seeds[s];
		size_t lcc = strlen(sd->cc), ll = strlen(sd->lead);

		/* tails: national significant numbers of 1 to 17 digits, most of
		 * them around the lengths real numbers have */
		for (int k = 0; k < 230; k++) {
			size_t nsn = k < 170 ? 6 + rnd(7) : 1 + rnd(17), n = 0;
			if (nsn < ll)
				nsn = ll;
			memcpy(digits, sd->lead, ll);
			for (n = ll; n < nsn; n++)
				digits[n] = (char)('0' + rnd(10));
			digits[n] = '\0';

			snprintf(num, sizeof num, "+%s%s", sd->cc, digits);           /* E.164 */
			same(&t, num, sd->region);
			snprintf(num, sizeof num, "+%s0%s", sd->cc, digits);          /* trunk 0 kept */
			same(&t, num, sd->region);
			if (k % 4 == 0) {
				snprintf(num, sizeof num, "%s", digits);              /* national, no trunk */
				if (sd->region)
					same(&t, num, sd->region);
				snprintf(num, sizeof num, "0%s", digits);             /* national, trunk 0 */
				if (sd->region)
					same(&t, num, sd->region);
				snprintf(num, sizeof num, "00%s%s", sd->cc, digits);  /* international prefix */
				same(&t, num, sd->region ? sd->region : "DE");
				snprintf(num, sizeof num, "+%s %.*s %s", sd->cc, (int)(nsn / 2), digits,
					 digits + nsn / 2);                           /* spaces: Parse */
				same(&t, num, sd->region);
				snprintf(num, sizeof num, "+%s%s", sd->cc, digits);   /* cut short */
				num[1 + lcc + rnd((unsigned)nsn + 1)] = '\0';
				same(&t, num, sd->region);
			}
			if (k % 8 == 0) {
				snprintf(num, sizeof num, "+0%s%s", sd->cc, digits);  /* no such code */
				same(&t, num, sd->region);
				snprintf(num, sizeof num, "+99%s", digits);
				same(&t, num, sd->region);
				snprintf(num, sizeof num, "+%s1%s", sd->cc, digits);  /* NANP, RU trunk */
				same(&t, num, sd->region);
				snprintf(num, sizeof num, "+%s8%s", sd->cc, digits);
				same(&t, num, sd->region);
			}
		}
	}
	/* the national prefixes that are expressions or more than "0" */
	static const char *const odd[] = {
		"+5491123456789", "+54 9 11 2345 6789", "+541115123456", "+5401123456789", "+552112345678",
		"+5502112345678", "+55012112345678", "+7812345678", "+78123456789", "+73432123456",
		"+861012345678", "+8601012345678", "+5215512345678", "+525512345678", "+5704412345678",
		"+573012345678", "+3612345678", "+36061234567", "+14155550123", "+114155550123",
		"+800", "+8001234", "+80012345678", "+88216123456", "+0", "+", "+1", "+12", "+123",
		"+1234", "+00", "+4900301234567", "+39061234567", "+390612345678", "+3900612345678",
		"+3780549123456", "+37854912345", "+262262123456", "+5905901234567", NULL,
	};
	for (const char *const *o = odd; *o; o++)
		same(&t, *o, "DE");

	print_message("%u numbers, %u without Parse (%u valid), %u valid in all, %u judged by the compiled patterns (%u valid), "
		      "%u country and length from the table (%u valid, %u too short or long)\n",
		      t.numbers, t.plain, t.plain_ok, t.ok, t.table, t.table_ok, t.region, t.region_ok, t.region_length);
	/* the comparison means something only when both paths were taken often,
	 * on valid and on refused numbers */
	assert_true(t.numbers >= 60000);
	assert_true(t.plain >= 25000);
	assert_true(t.plain_ok >= 3000);
	assert_true(t.plain - t.plain_ok >= 10000);
	assert_true(t.numbers - t.plain >= 30000);
	/* every number that reached the validity check was judged by the
	 * compiled patterns (none left to the library), valid and invalid */
	assert_true(t.table_ok == t.ok);
	assert_true(t.table - t.table_ok >= 5000);
	/* the calling codes of one region took the table's country and possible
	 * lengths (phonelib.cc: plan_length), on valid numbers and on numbers
	 * refused for their length */
	assert_true(t.region >= 20000);
	assert_true(t.region_ok >= 3000);
	assert_true(t.region_length >= 5000);
}

/* The library's example numbers (one of every type of every numbering
 * plan, so every pattern the validity check compiles is met by a number it
 * must accept) and their neighbours (a digit changed, one dropped, one
 * added: mostly numbers some type's pattern must refuse), both ways. */
static void test_examples_both_ways(void **state)
{
	struct tally t = { 0 };
	char ex[24], num[48];
	size_t i, n;
	(void)state;

	for (i = 0; phonelib_example(ex, sizeof ex, i); i++) {
		char e164[24], where[4];

		if (phonelib_e164(e164, sizeof e164, where, ex, "DE") != PHONELIB_OK)
			fail_msg("the library's example number %s is refused", ex);
		same(&t, ex, "DE");
		n = strlen(ex);
		for (int k = 0; k < 6; k++) {
			snprintf(num, sizeof num, "%s", ex);
			if (k < 3)                                                  /* a digit changed */
				num[n - 1 - rnd(n > 4 ? 3 : 1)] = (char)('0' + rnd(10));
			else
				num[2 + rnd((unsigned)n - 2)] = (char)('0' + rnd(10));
			same(&t, num, "DE");
		}
		snprintf(num, sizeof num, "%.*s", (int)(n - 1), ex);                /* one fewer */
		same(&t, num, "DE");
		snprintf(num, sizeof num, "%s%u", ex, rnd(10));                      /* one more */
		same(&t, num, "DE");
	}
	print_message("%zu example numbers, %u numbers, %u valid, %u judged by the compiled patterns (%u valid)\n",
		      i, t.numbers, t.ok, t.table, t.table_ok);
	assert_true(i >= 1000);
	assert_true(t.table_ok == t.ok);
	assert_true(t.table - t.table_ok >= 1000);
}

/* The validity check's digit-set matcher (phonelib.cc: dpat) against ICU
 * on every pattern of the metadata: strings drawn from each pattern's own
 * language, so matches are met as often as refusals, and their neighbours
 * (a digit changed, dropped or added), which a pattern of fixed lengths and
 * leading digits mostly refuses. */
static void test_patterns_agree_with_icu(void **state)
{
	struct phonelib_patterns_tally t;
	size_t bad;
	(void)state;

	bad = phonelib_patterns_check(0x2545F4914F6CDD1DULL, 64, &t);
	print_message("%zu patterns (%zu left to ICU), %zu strings, %zu matched, %zu disagreements\n",
		      t.patterns, t.refused, t.tried, t.matched, bad);
	assert_int_equal(bad, 0);
	/* the metadata's patterns are all of the syntax the matcher reads: none
	 * may quietly go back to ICU */
	assert_true(t.patterns >= 1000);
	assert_int_equal(t.refused, 0);
	assert_true(t.matched >= t.patterns * 10);
	assert_true(t.tried - t.matched >= t.patterns * 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_equals_parse),
		cmocka_unit_test(test_examples_both_ways),
		cmocka_unit_test(test_patterns_agree_with_icu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
