/* test_deadline.c - the deadline engine: every vector of COMPLIANCE.md C1,
 * month ends, leap years, chained rolls over weekends and holidays, business
 * days, pauses, extensions, bad input named in the message, and that the
 * tables compiled into the library are byte for byte the files of data/. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "util.h"
#include "data/tables.h"
#include "rights/deadline.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct vec {
	const char *what;
	const char *jur, *clock, *region, *start;
	unsigned paused;
	int extended;
	const char *due, *ack, *notice, *max;   /* NULL: not checked */
};

static const struct vec vectors[] = {
	/* COMPLIANCE.md C1, exactly */
	{ "GDPR: month end 2026-02-28 is a Saturday", "EU", "request", NULL, "2026-01-31", 0, 0, "2026-03-02", "", "2026-03-02", "2026-04-30" },
	{ "GDPR: leap year 2028", "EU", "request", NULL, "2028-01-31", 0, 0, "2028-02-29", "", NULL, NULL },
	{ "GDPR: 2026-08-01", "EU", "request", NULL, "2026-08-01", 0, 0, "2026-09-01", "", "2026-09-01", NULL },
	{ "GDPR: extended = +3 months, same roll (2026-11-01 is a Sunday)", "EU", "request", NULL, "2026-08-01", 0, 1,
	  "2026-11-02", "", "2026-09-01", "2026-11-02" },
	{ "GDPR: extended from 2026-01-31, notice at +1 month", "EU", "request", "DE", "2026-01-31", 0, 1,
	  "2026-04-30", "", "2026-03-02", "2026-04-30" },
	{ "UK: Good Friday then Easter Monday (England)", "UK", "request", "GB-ENG", "2026-03-03", 0, 0, "2026-04-07", "", "2026-04-07", "2026-06-03" },
	{ "UK: default calendar is England and Wales", "UK", "request", NULL, "2026-03-03", 0, 0, "2026-04-07", NULL, NULL, NULL },
	{ "UK: Scotland has no Easter Monday", "UK", "request", "GB-SCT", "2026-03-03", 0, 0, "2026-04-06", NULL, NULL, NULL },
	{ "UK: a 10-day pause", "UK", "request", "GB-ENG", "2026-03-03", 10, 0, "2026-04-13", NULL, "2026-04-13", "2026-06-15" },
	{ "GDPR breach: 72 h across a weekend and the DST change, in UTC", "EU", "breach-authority", NULL, "2026-03-27T16:00:00Z", 0, 0,
	  "2026-03-30T16:00:00Z", "", "", "" },
	{ "CCPA: ack 10 business days, due day 45 (receipt = day 1), no roll", "CA", "request", NULL, "2026-05-01", 0, 0,
	  "2026-06-14", "2026-05-15", "2026-06-14", "2026-07-29" },
	{ "CCPA: extended to day 90", "CA", "request", "US", "2026-05-01", 0, 1, "2026-07-29", "2026-05-15", NULL, "2026-07-29" },
	{ "HIPAA: individuals 60 days after discovery", "US-HIPAA", "breach-individuals", NULL, "2026-11-15", 0, 0, "2027-01-14", "", "", "" },
	{ "HIPAA: HHS log for 2026, 60 days after the year end", "US-HIPAA", "hhs-log", NULL, "2026-11-15", 0, 0, "2027-03-01", "", "", "" },
	{ "UK complaint: acknowledge within 30 days, no fixed answer period", "UK", "complaint", NULL, "2026-07-01", 0, 0, "", "2026-07-31", "", "" },
	/* our own */
	{ "leap day + 1 month, Good Friday 2024 then Easter Monday (DE)", "EU", "request", "DE", "2024-02-29", 0, 0, "2024-04-02", NULL, NULL, NULL },
	{ "leap day + 1 month, no calendar: a Friday", "EU", "request", NULL, "2024-02-29", 0, 0, "2024-03-29", NULL, NULL, NULL },
	{ "31 Jan to 29 Feb in a leap year", "EU", "request", "FR", "2024-01-31", 0, 0, "2024-02-29", NULL, NULL, NULL },
	{ "31 Jan to 28 Feb in a common year", "EU", "request", "DE", "2025-01-31", 0, 0, "2025-02-28", NULL, NULL, NULL },
	{ "December to January: New Year (Fri), then the weekend", "EU", "request", "DE", "2026-12-01", 0, 0, "2027-01-04", NULL, NULL, NULL },
	{ "31 December to a Sunday 31 January", "EU", "request", "DE", "2026-12-31", 0, 0, "2027-02-01", NULL, NULL, NULL },
	{ "a holiday after a weekend: Sat 2 May, Mon 4 May bank holiday", "UK", "request", "GB-ENG", "2026-04-02", 0, 0, "2026-05-05", NULL, NULL, NULL },
	{ "the same in Germany: 4 May is a working day", "EU", "request", "DE", "2026-04-02", 0, 0, "2026-05-04", NULL, NULL, NULL },
	{ "Christmas, Boxing Day, weekend, substitute Monday", "UK", "request", "GB-ENG", "2026-11-25", 0, 0, "2026-12-29", NULL, NULL, NULL },
	{ "CCPA ack across Memorial Day", "CA", "request", "US", "2026-05-15", 0, 0, "2026-06-28", "2026-06-01", NULL, NULL },
	/* issue 12 item 13: California's state holidays, not the federal ones; the
	 * day after Thanksgiving is a state employees' day off, not a Gov. Code
	 * 6700 holiday: a business day (the earlier date) */
	{ "CCPA ack: the day after Thanksgiving is a business day", "CA", "request", NULL, "2026-11-13", 0, 0, NULL,
	  "2026-11-30", NULL, NULL },
	{ "CCPA ack: Cesar Chavez Day (31 March)", "CA", "request", NULL, "2026-03-20", 0, 0, NULL, "2026-04-06", NULL, NULL },
	{ "CCPA ack: Columbus Day is a federal holiday only", "CA", "request", NULL, "2026-10-09", 0, 0, NULL, "2026-10-23",
	  NULL, NULL },
	{ "CCPA opt-out: 15 business days", "CA", "optout", NULL, "2026-05-01", 0, 0, "2026-05-22", "", "", "" },
	{ "HHS log for a leap-year February", "US-HIPAA", "hhs-log", NULL, "2027-01-01", 0, 0, "2028-02-29", NULL, NULL, NULL },
	{ "breach: an offset is converted to UTC", "EU", "breach-authority", NULL, "2026-03-27T17:00:00+01:00", 0, 0,
	  "2026-03-30T16:00:00Z", NULL, NULL, NULL },
	{ "breach: across the year end", "UK", "breach-authority", NULL, "2026-12-31T23:30:00Z", 0, 0, "2027-01-03T23:30:00Z", NULL, NULL, NULL },
	{ "US state: California 30 days from discovery, no roll", "US-CA", "breach-individuals", NULL, "2026-03-01", 0, 0,
	  "2026-03-31", "", "", "" },
	{ "US state: Texas 60 days", "US-TX", "breach-individuals", NULL, "2026-03-01", 0, 0, "2026-04-30", NULL, NULL, NULL },
	{ "US state: Ohio 45 days", "US-OH", "breach-individuals", NULL, "2026-11-20", 0, 0, "2027-01-04", NULL, NULL, NULL },
	{ "US state without a fixed period", "US-NJ", "breach-individuals", NULL, "2026-03-01", 0, 0, "", "", "", "" },
	{ "case does not matter in names", "uk", "Request", "gb-sct", "2026-03-03", 0, 0, "2026-04-06", NULL, NULL, NULL },
	{ "HIPAA does not roll: Saturday 26 December stays", "US-HIPAA", "breach-individuals", "US", "2026-10-27", 0, 0,
	  "2026-12-26", NULL, NULL, NULL },
};

static void compute(fort_deadline *d, const char *jur, const char *clock, const char *region, const char *start,
		    unsigned paused, int extended, int want)
{
	fort_deadline_query q = FORT_DEADLINE_QUERY_INIT;
	int r;

	q.jurisdiction = jur;
	q.clock = clock;
	q.region = region;
	q.start = start;
	q.paused_days = paused;
	q.extended = extended;
	r = fort_deadline_compute(d, &q);
	if (r != want)
		fail_msg("%s %s %s: got %d (%s), want %d", jur, clock, start ? start : "(null)", r, fort_error_message(), want);
}

static void check(const char *what, const char *field, const char *got, const char *want)
{
	if (want && strcmp(got, want))
		fail_msg("%s: %s is '%s', want '%s'", what, field, got, want);
}

static void test_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(vectors); i++) {
		const struct vec *v = &vectors[i];
		fort_deadline d;

		compute(&d, v->jur, v->clock, v->region, v->start, v->paused, v->extended, 0);
		check(v->what, "due", d.due, v->due);
		check(v->what, "ack_due", d.ack_due, v->ack);
		check(v->what, "extension_notice_due", d.extension_notice_due, v->notice);
		check(v->what, "max_due", d.max_due, v->max);
		assert_true(d.rule[0] != '\0');
		assert_true(d.source[0] != '\0');
	}
}

static void test_rule_words(void **state)
{
	fort_deadline d;

	(void)state;
	compute(&d, "EU", "request", "DE", "2026-01-31", 0, 0, 0);
	assert_non_null(strstr(d.rule, "1 month from receipt"));
	assert_non_null(strstr(d.rule, "DE holiday rolls to the next working day"));
	assert_non_null(strstr(d.source, "https://eur-lex.europa.eu/"));
	assert_string_equal(d.region, "DE");
	assert_string_equal(d.verified, "partial");
	assert_int_equal(d.hours, 0);

	compute(&d, "EU", "request", NULL, "2026-01-31", 0, 0, 0);
	assert_string_equal(d.region, "");
	assert_non_null(strstr(d.rule, "no holiday calendar"));

	compute(&d, "CA", "request", NULL, "2026-05-01", 0, 0, 0);
	assert_non_null(strstr(d.rule, "45 calendar days from receipt, which is day 1"));
	assert_non_null(strstr(d.rule, "10 business days (US-CA holidays)"));
	assert_string_equal(d.region, "US-CA");
	assert_string_equal(d.verified, "yes");

	compute(&d, "EU", "breach-authority", NULL, "2026-03-27T16:00:00Z", 0, 0, 0);
	assert_non_null(strstr(d.rule, "72 hours from awareness, in UTC"));
	assert_int_equal(d.hours, 1);
	assert_string_equal(d.region, "");

	compute(&d, "UK", "request", NULL, "2026-03-03", 10, 1, 0);
	assert_non_null(strstr(d.rule, "plus 10 paused days"));
	assert_non_null(strstr(d.rule, "extended by 2 months"));
	assert_string_equal(d.region, "GB-ENG");

	compute(&d, "uk", "REQUEST", "gb-sct", "2026-03-03", 0, 0, 0);
	assert_string_equal(d.jurisdiction, "UK");
	assert_string_equal(d.clock, "request");
	assert_string_equal(d.region, "GB-SCT");

	compute(&d, "EU", "breach-individuals", NULL, "2026-03-27", 0, 0, 0);
	assert_string_equal(d.due, "");
	assert_non_null(strstr(d.rule, "without undue delay"));

	/* a state rule: the state table's figures, words and sources, never "yes" */
	compute(&d, "US-CA", "breach-individuals", NULL, "2026-03-01", 0, 0, 0);
	assert_non_null(strstr(d.rule, "30 calendar days from discovery; no weekend or holiday roll"));
	assert_non_null(strstr(d.source, "1798.82"));
	assert_non_null(strstr(d.title, "residents of CA"));
	assert_string_equal(d.verified, "partial");
	/* every state title and source is whole UTF-8 (statutes are full of "§") */
	for (const char *st = "AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC ND NE NH "
			      "NJ NM NV NY OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY"; *st; st += st[2] ? 3 : 2) {
		char jur[8];

		snprintf(jur, sizeof(jur), "US-%.2s", st);
		compute(&d, jur, "breach-individuals", NULL, "2026-03-01", 0, 0, 0);
		assert_true(fort_utf8_valid(d.title, strlen(d.title)));
		assert_true(fort_utf8_valid(d.source, strlen(d.source)));
		assert_non_null(strstr(d.source, "https://"));
	}
	compute(&d, "US-MI", "breach-individuals", NULL, "2026-03-01", 0, 0, 0);
	assert_string_equal(d.verified, "no");
	assert_non_null(strstr(d.rule, "without unreasonable delay"));
}

struct bad {
	const char *jur, *clock, *region, *start;
	unsigned paused;
	int extended;
	int code;
	const char *msg[3];   /* substrings the message must contain */
};

static const struct bad bads[] = {
	{ "EU", "request", NULL, "2026-02-30", 0, 0, FORT_EINPUT, { "start date '2026-02-30'", "February 2026 has 28 days" } },
	{ "EU", "request", NULL, "2027-02-29", 0, 0, FORT_EINPUT, { "'2027-02-29'", "February 2027 has 28 days" } },
	{ "EU", "request", NULL, "tomorrow", 0, 0, FORT_EINPUT, { "'tomorrow'", "YYYY-MM-DD" } },
	{ "EU", "request", NULL, "2026-13-01", 0, 0, FORT_EINPUT, { "'2026-13-01'", "no month 13" } },
	{ "EU", "request", NULL, "2026-1-5", 0, 0, FORT_EINPUT, { "'2026-1-5'", "YYYY-MM-DD" } },
	{ "EU", "request", NULL, "0000-01-01", 0, 0, FORT_EINPUT, { "no year 0" } },
	{ "EU", "request", NULL, "2026-01-01x", 0, 0, FORT_EINPUT, { "'2026-01-01x'" } },
	{ "EU", "request", NULL, " 2026-01-01", 0, 0, FORT_EINPUT, { "' 2026-01-01'" } },
	{ "EU", "request", NULL, "", 0, 0, FORT_EINPUT, { "YYYY-MM-DD" } },
	{ "EU", "request", NULL, NULL, 0, 0, FORT_EINPUT, { "no start date" } },
	{ "EU", "request", NULL, "2026-01-31T10:00:00Z", 0, 0, FORT_EINPUT, { "counts days" } },
	{ "EU", "breach-authority", NULL, "2026-03-27", 0, 0, FORT_EINPUT, { "counts hours" } },
	{ "EU", "breach-authority", NULL, "2026-03-27T24:00:00Z", 0, 0, FORT_EINPUT, { "'2026-03-27T24:00:00Z'", "00-23" } },
	{ "EU", "breach-authority", NULL, "2026-03-27 16:00", 0, 0, FORT_EINPUT, { "is not a time" } },
	{ "FR", "request", NULL, "2026-01-31", 0, 0, FORT_ENOTFOUND, { "jurisdiction 'FR'", "EU, UK, CA, US-HIPAA, US-XX for 51 US states" } },
	{ "US-CA", "request", NULL, "2026-01-31", 0, 0, FORT_ENOTFOUND, { "US-CA has: breach-individuals" } },
	{ "US-PR", "breach-individuals", NULL, "2026-01-31", 0, 0, FORT_ENOTFOUND, { "jurisdiction 'US-PR'" } },
	{ "EU", "erasure", NULL, "2026-01-31", 0, 0, FORT_ENOTFOUND, { "'erasure'", "EU has: request, breach-authority" } },
	{ "EU", "request", "XX", "2026-01-31", 0, 0, FORT_ENOTFOUND, { "region 'XX'", "GB-SCT" } },
	{ "EU", "request", "DE", "2040-01-31", 0, 0, FORT_ENOTFOUND, { "DE for 2040", "2024-2035" } },
	{ "EU", "request", NULL, "2026-01-31", 5, 0, FORT_EINPUT, { "EU request clock cannot be paused" } },
	{ "EU", "breach-authority", NULL, "2026-03-27T16:00:00Z", 0, 1, FORT_EINPUT, { "has no extension" } },
	{ NULL, "request", NULL, "2026-01-31", 0, 0, FORT_EINPUT, { "no jurisdiction given", "EU, UK" } },
	{ "UK", NULL, NULL, "2026-01-31", 0, 0, FORT_EINPUT, { "no clock given", "request, complaint" } },
	{ "EU", "breach-authority", NULL, "9999-12-31T00:00:00Z", 0, 0, FORT_EINPUT, { "after the year 9999" } },
	{ "US-HIPAA", "breach-individuals", NULL, "9999-12-01", 0, 0, FORT_EINPUT, { "after the year 9999" } },
};

static void test_bad_input(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(bads); i++) {
		const struct bad *b = &bads[i];
		fort_deadline d;

		compute(&d, b->jur, b->clock, b->region, b->start, b->paused, b->extended, b->code);
		for (size_t k = 0; k < N(b->msg) && b->msg[k]; k++)
			if (!strstr(fort_error_message(), b->msg[k]))
				fail_msg("bad input %zu: message '%s' lacks '%s'", i, fort_error_message(), b->msg[k]);
		assert_string_equal(d.due, "");
	}
}

static void test_query_shape(void **state)
{
	fort_deadline_query q = FORT_DEADLINE_QUERY_INIT;
	fort_deadline d;

	(void)state;
	q.jurisdiction = "EU";
	q.clock = "request";
	q.start = "2026-01-31";
	q.version = 2;
	assert_int_equal(fort_deadline_compute(&d, &q), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "version 2"));
	assert_int_equal(fort_deadline_compute(&d, NULL), FORT_EINPUT);
	q.version = FORT_DEADLINE_QUERY_VERSION;
	q.paused_days = 0;
	assert_int_equal(fort_deadline_compute(&d, &q), 0);
}

static void test_working_days(void **state)
{
	(void)state;
	assert_int_equal(fort_is_working_day("2026-04-06", "GB-ENG"), 0);   /* Easter Monday */
	assert_int_equal(fort_is_working_day("2026-04-06", "GB-SCT"), 1);
	assert_int_equal(fort_is_working_day("2026-04-03", "GB-SCT"), 0);   /* Good Friday */
	assert_int_equal(fort_is_working_day("2026-04-04", NULL), 0);       /* Saturday */
	assert_int_equal(fort_is_working_day("2026-04-06", NULL), 1);
	assert_int_equal(fort_is_working_day("2026-04-06", ""), 1);
	assert_int_equal(fort_is_working_day("2026-05-25", "US"), 0);       /* Memorial Day */
	assert_int_equal(fort_is_working_day("2026-10-03", "DE"), 0);       /* a Saturday anyway */
	assert_int_equal(fort_is_working_day("2025-10-03", "DE"), 0);       /* Tag der Deutschen Einheit, Friday */
	assert_int_equal(fort_is_working_day("2026-02-30", "DE"), FORT_EINPUT);
	assert_int_equal(fort_is_working_day("2026-04-06", "ZZ"), FORT_ENOTFOUND);
	assert_non_null(strstr(fort_error_message(), "'ZZ'"));
	assert_int_equal(fort_is_working_day("2023-12-25", "DE"), FORT_ENOTFOUND);
	assert_int_equal(fort_is_working_day("2023-12-23", "DE"), 0);       /* Saturday: known without the table */
}

static void test_dates(void **state)
{
	char out[11];

	(void)state;
	assert_int_equal(fort_date_add_days(out, "2026-12-31", 1), 0);
	assert_string_equal(out, "2027-01-01");
	assert_int_equal(fort_date_add_days(out, "2024-02-28", 1), 0);
	assert_string_equal(out, "2024-02-29");
	assert_int_equal(fort_date_add_days(out, "2026-03-01", -1), 0);
	assert_string_equal(out, "2026-02-28");
	assert_int_equal(fort_date_add_days(out, "2000-02-28", 366), 0);
	assert_string_equal(out, "2001-02-28");
	assert_int_equal(fort_date_add_days(out, "1970-01-01", -1), 0);
	assert_string_equal(out, "1969-12-31");
	assert_int_equal(fort_date_add_days(out, "9999-12-31", 1), FORT_EINPUT);
	assert_int_equal(fort_date_add_days(out, "0001-01-01", -1), FORT_EINPUT);
	assert_int_equal(fort_date_add_days(out, "2026-02-29", 1), FORT_EINPUT);

	assert_int_equal(fort_date_valid("2028-02-29"), 1);
	assert_int_equal(fort_date_valid("2000-02-29"), 1);
	assert_int_equal(fort_date_valid("1900-02-29"), 0);
	assert_non_null(strstr(fort_error_message(), "February 1900 has 28 days"));
	assert_int_equal(fort_date_valid("2026-04-31"), 0);
	assert_int_equal(fort_date_valid(NULL), 0);

	assert_int_equal(fort_date_weekday("2026-03-27"), 5);   /* Friday */
	assert_int_equal(fort_date_weekday("2026-02-28"), 6);
	assert_int_equal(fort_date_weekday("1970-01-01"), 4);
	assert_int_equal(fort_date_weekday("1969-12-28"), 0);
	assert_int_equal(fort_date_weekday("0001-01-01"), 1);   /* proleptic Gregorian */
	assert_int_equal(fort_date_weekday("x"), FORT_EINPUT);

	long days = 0;
	assert_int_equal(fort_date_diff(&days, "2026-01-31", "2026-03-02"), 0);
	assert_int_equal(days, 30);
	assert_int_equal(fort_date_diff(&days, "2028-03-01", "2028-02-28"), 0);
	assert_int_equal(days, -2);
	assert_int_equal(fort_date_diff(&days, "2000-01-01", "2100-01-01"), 0);
	assert_int_equal(days, 36525);
	assert_int_equal(fort_date_diff(&days, "2026-01-01", "2026-02-29"), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "2026-02-29"));
}

/* ------------------------------------------- the tables are data/ exactly */

static char *slurp(const char *name, size_t *len)
{
	const char *base = getenv("FORT_TEST_DATA");
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	assert_non_null(base);
	snprintf(path, sizeof(path), "%s/../../data/%s.csv", base, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_embedded_is_data(void **state)
{
	static const char *const names[] = { "holidays", "deadline_rules", "supervisory_authorities", "us_state_breach_laws" };

	(void)state;
	for (size_t i = 0; i < N(names); i++) {
		const unsigned char *data;
		const data_table *t;
		size_t len, flen, lines = 0;
		char *file = slurp(names[i], &flen);

		assert_int_equal(data_table_raw(&data, &len, names[i]), 0);
		if (len != flen || memcmp(data, file, len))
			fail_msg("the embedded %s is not data/%s.csv: rebuild", names[i], names[i]);
		assert_int_equal(data[len], '\0');
		assert_int_equal(data_table_get(&t, names[i]), 0);
		/* none of these tables has a line break inside a cell */
		for (size_t k = 0; k < flen; k++)
			lines += file[k] == '\n';
		assert_int_equal(t->nrows, lines - 1);
		free(file);
	}
	assert_int_equal(data_table_raw(&(const unsigned char *){ NULL }, &(size_t){ 0 }, "nope"), FORT_ENOTFOUND);
	assert_non_null(strstr(fort_error_message(), "holidays"));
}

static void test_holidays_from_table(void **state)
{
	const data_table *t;
	size_t flen, rows = 0, weekdays = 0, closed = 0;
	char *file = slurp("holidays", &flen), *p;
	char day[11];
	int cc, cd;

	(void)state;
	/* DE 2026 in the file, counted as text */
	for (p = file; (p = strstr(p, "\nDE,2026-")); p++)
		rows++;
	free(file);
	assert_int_equal(rows, 9);

	/* the same rows in the parsed table, and each of them closes a weekday */
	assert_int_equal(data_table_get(&t, "holidays"), 0);
	assert_true((cc = data_table_col(t, "country_code")) >= 0);
	assert_true((cd = data_table_col(t, "date")) >= 0);
	rows = 0;
	for (size_t i = 0; i < t->nrows; i++) {
		const char *d = data_table_cell(t, i, cd);

		if (strcmp(data_table_cell(t, i, cc), "DE") || strncmp(d, "2026-", 5))
			continue;
		rows++;
		if (fort_date_weekday(d) != 0 && fort_date_weekday(d) != 6)
			weekdays++;
	}
	assert_int_equal(rows, 9);
	/* every weekday of 2026 that the engine calls closed is one of them */
	assert_int_equal(fort_date_add_days(day, "2025-12-31", 0), 0);
	for (int i = 0; i < 365; i++) {
		int w, wd;

		assert_int_equal(fort_date_add_days(day, "2026-01-01", i), 0);
		wd = fort_date_weekday(day);
		w = fort_is_working_day(day, "DE");
		assert_true(w == 0 || w == 1);
		closed += !w && wd != 0 && wd != 6;
	}
	assert_int_equal(closed, weekdays);
}

struct listing {
	size_t n, states;
	int eu_request, bad;
};

static int list_cb(void *ctx, const fort_deadline_rule *r)
{
	struct listing *l = ctx;
	fort_deadline d;
	fort_deadline_query q = FORT_DEADLINE_QUERY_INIT;
	int rc;

	l->n++;
	l->states += !strncmp(r->jurisdiction, "US-", 3) && strcmp(r->jurisdiction, "US-HIPAA");
	l->eu_request += !strcmp(r->jurisdiction, "EU") && !strcmp(r->clock, "request");
	if (strcmp(r->verified, "yes") && strcmp(r->verified, "partial") && strcmp(r->verified, "no"))
		l->bad++;
	/* every rule computes, with a pause and an extension where it allows
	 * them, and its words fit unshortened */
	q.jurisdiction = r->jurisdiction;
	q.clock = r->clock;
	q.start = "2026-05-01";
	for (int k = 0; k < 4; k++) {
		q.paused_days = k & 1 ? 30 : 0;
		q.extended = k & 2 ? 1 : 0;
		if ((rc = fort_deadline_compute(&d, &q)) == FORT_EINPUT && strstr(fort_error_message(), "counts hours")) {
			q.start = "2026-05-01T09:00:00Z";
			rc = fort_deadline_compute(&d, &q);
			q.start = "2026-05-01";
		}
		if (rc == FORT_EINPUT && (strstr(fort_error_message(), "cannot be paused") ||
					  strstr(fort_error_message(), "has no extension")))
			continue;
		if (rc != 0) {
			print_error("%s %s: %s\n", r->jurisdiction, r->clock, fort_error_message());
			l->bad++;
		} else if (strlen(d.rule) >= sizeof(d.rule) - 1 || !d.source[0] ||
			   (!d.due[0] && !strstr(d.rule, "no fixed period"))) {
			print_error("%s %s: rule '%s' (%zu bytes)\n", r->jurisdiction, r->clock, d.rule, strlen(d.rule));
			l->bad++;
		}
	}
	return 0;
}

static int stop_cb(void *ctx, const fort_deadline_rule *r)
{
	(void)r;
	return ++*(int *)ctx == 2 ? 42 : 0;
}

static void test_rules_listing(void **state)
{
	struct listing l = { 0 };
	size_t flen, lines = 0, slines = 0;
	char *file = slurp("deadline_rules", &flen);
	int calls = 0;

	(void)state;
	for (size_t k = 0; k < flen; k++)
		lines += file[k] == '\n';
	free(file);
	file = slurp("us_state_breach_laws", &flen);
	for (size_t k = 0; k < flen; k++)
		slines += file[k] == '\n';
	free(file);
	assert_int_equal(fort_deadline_rules(list_cb, &l), 0);
	/* the rules table, then one rule per state of the state table */
	assert_int_equal(l.n, lines - 1 + slines - 1);
	assert_int_equal(l.states, slines - 1);
	assert_int_equal(l.eu_request, 1);
	assert_int_equal(l.bad, 0);
	assert_int_equal(fort_deadline_rules(stop_cb, &calls), 42);
	assert_int_equal(calls, 2);
}

/* ------------------------------------- a broken table is named, not used */

#define RULES_HEAD "jurisdiction,clock,title,start_event,anchor,unit,amount,start_day,roll,calendar," \
	"ack_amount,ack_unit,ext_amount,ext_unit,ext_notice_amount,ext_notice_unit,pause,source,verified,notes\n"
#define GOOD_ROW "EU,request,T,receipt,event,month,1,excluded,next-working-day,DE,,,2,month,1,month,no,S,yes,N\n"
#define HOLIDAYS "country_code,date,name\nDE,2026-01-01,Neujahr\nUS,2026-01-01,New Year\n"

static int check_tables(const char *rules_csv, const char *holidays_csv)
{
	data_table *rt = NULL, *ht = NULL;
	int r;

	if ((r = data_table_parse(&rt, "rules", (const unsigned char *)rules_csv, strlen(rules_csv))) == 0 &&
	    (r = data_table_parse(&ht, "holidays", (const unsigned char *)holidays_csv, strlen(holidays_csv))) == 0)
		r = deadline_tables_check(rt, ht);
	data_table_free(rt);
	data_table_free(ht);
	return r;
}

static void test_bad_tables(void **state)
{
	static const struct {
		const char *rules, *holidays, *msg;
	} cases[] = {
		{ RULES_HEAD "EU,request,T,receipt,event,fortnight,1,,none,,,,,,,,no,S,yes,N\n", HOLIDAYS,
		  "line 2, unit: 'fortnight' is not month, calendar-day" },
		{ RULES_HEAD GOOD_ROW "UK,request,T,receipt,event,month,one,,none,,,,,,,,no,S,yes,N\n", HOLIDAYS,
		  "line 3, amount: 'one' is not a whole number" },
		{ RULES_HEAD "EU,request,T,receipt,event,month,1,,none,,,,45,calendar-day,,,no,S,yes,N\n", HOLIDAYS,
		  "line 2, ext_unit" },
		{ RULES_HEAD "EU,request,T,receipt,event,month,1,,none,XX,,,,,,,no,S,yes,N\n", HOLIDAYS,
		  "line 2, calendar: 'XX' is not a calendar of data/holidays.csv" },
		{ RULES_HEAD GOOD_ROW GOOD_ROW, HOLIDAYS, "line 3, jurisdiction/clock: 'request' is not given once" },
		{ RULES_HEAD "EU,breach,T,awareness,event,hour,72,,next-working-day,,,,,,,,no,S,yes,N\n", HOLIDAYS,
		  "line 2, unit: 'hour'" },
		{ RULES_HEAD "EU,request,T,receipt,event,month,1,day0,none,,,,,,,,no,S,yes,N\n", HOLIDAYS,
		  "line 2, start_day: 'day0' is not excluded or day1" },
		{ RULES_HEAD "EU,request,T,receipt,event,month,1,,none,,,,,,,,maybe,S,yes,N\n", HOLIDAYS,
		  "line 2, pause: 'maybe' is not no or yes" },
		{ RULES_HEAD "EU,request,T,receipt,event,month,1,,none,,,,,,,,no,S,sure,N\n", HOLIDAYS,
		  "line 2, verified: 'sure'" },
		{ "jurisdiction,clock\nEU,request\n", HOLIDAYS, "has no column 'title'" },
		{ RULES_HEAD "EU,request\n", HOLIDAYS, "table rules, record 2: 2 cells, the header has 20" },
		{ RULES_HEAD GOOD_ROW, "country_code,date,name\nDE,2026-01-01,a\nAT,2026-01-01,b\nDE,2026-12-25,c\n",
		  "line 4: DE again after other codes" },
		{ RULES_HEAD GOOD_ROW, "country_code,date,name\nDE,2026-02-30,a\n", "line 2: '2026-02-30' is not a date" },
		{ RULES_HEAD GOOD_ROW, "country_code,date,name\nDE,\"2026-01-01,a\n", "after record" },
	};

	(void)state;
	assert_int_equal(check_tables(RULES_HEAD GOOD_ROW, HOLIDAYS), 0);
	for (size_t i = 0; i < N(cases); i++) {
		int r = check_tables(cases[i].rules, cases[i].holidays);

		if (r != FORT_ECORRUPT || !strstr(fort_error_message(), cases[i].msg))
			fail_msg("bad table %zu: %d '%s', want ECORRUPT with '%s'", i, r, fort_error_message(), cases[i].msg);
	}
}

/* The embedded tables pass the same check (and the engine used them). */
static void test_embedded_tables_check(void **state)
{
	const unsigned char *rd, *hd;
	size_t rl, hl;
	data_table *rt = NULL, *ht = NULL;

	(void)state;
	assert_int_equal(data_table_raw(&rd, &rl, "deadline_rules"), 0);
	assert_int_equal(data_table_raw(&hd, &hl, "holidays"), 0);
	assert_int_equal(data_table_parse(&rt, "deadline_rules", rd, rl), 0);
	assert_int_equal(data_table_parse(&ht, "holidays", hd, hl), 0);
	assert_int_equal(deadline_tables_check(rt, ht), 0);
	assert_int_equal(rt->nrows, 14);
	assert_int_equal(ht->nrows, 4437);   /* 4324 + 113 California state holidays (US-CA) */
	data_table_free(rt);
	data_table_free(ht);
}

/* Runs first, before anything loaded the tables: every failed allocation
 * during the first load is FORT_ENOMEM, and a later call loads them. */
static void test_alloc_failure_first_load(void **state)
{
	fort_deadline d;
	fort_deadline_query q = FORT_DEADLINE_QUERY_INIT;
	int r = FORT_ENOMEM;
	unsigned long n;

	(void)state;
	q.jurisdiction = "UK";
	q.clock = "request";
	q.start = "2026-03-03";
	for (n = 1; n < 10000 && r == FORT_ENOMEM; n++) {
		fort_alloc_fail_at(n);
		r = fort_deadline_compute(&d, &q);
		fort_alloc_fail_at(0);
		if (r != 0 && r != FORT_ENOMEM)
			fail_msg("allocation %lu failed: %d %s", n, r, fort_error_message());
	}
	assert_true(n > 2);   /* the first allocations did fail */
	assert_int_equal(r, 0);
	assert_string_equal(d.due, "2026-04-07");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_failure_first_load),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_rule_words),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_query_shape),
		cmocka_unit_test(test_working_days),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_embedded_is_data),
		cmocka_unit_test(test_holidays_from_table),
		cmocka_unit_test(test_rules_listing),
		cmocka_unit_test(test_bad_tables),
		cmocka_unit_test(test_embedded_tables_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
