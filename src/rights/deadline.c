/* deadline.c - legal clocks: rights requests, complaints, breach notices.
 *
 * The law lives in data/deadline_rules.csv (which period, in which unit,
 * from which event, whether it rolls, acknowledgement, extension, pause,
 * default holiday calendar, source) and data/holidays.csv; this file only
 * knows units, counting modes and the roll.  data/us_state_breach_laws.csv
 * adds one consumer breach-notice rule per US state.  The tables are
 * compiled into the library and turned, on first use, into a rule array
 * and one sorted day list per calendar, kept for the life of the process.
 *
 * Dates are civil days counted from 1970-01-01 (proleptic Gregorian, years
 * 1-9999): a day clock has no time zone, so none can shift it by a day.  Hour
 * clocks are UTC seconds. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "util.h"
#include "data/tables.h"
#include "rights/deadline.h"

#define AMOUNT_MAX 100000      /* larger than any legal period, in any unit */
#define PAUSE_MAX 3650
#define ROLL_MAX 366           /* no calendar has a year of holidays in a row */
#define MIN_DAY (-719162)      /* 0001-01-01 */
#define MAX_DAY 2932896        /* 9999-12-31 */

enum unit { U_NONE, U_MONTH, U_CDAY, U_BDAY, U_HOUR };

struct period {
	enum unit unit;
	int amount;
};

struct rule {
	const char *jurisdiction, *clock, *title, *start_event, *calendar;
	const char *source, *verified, *notes;
	const char *no_period; /* the law's words when it fixes no period */
	char *owned;           /* strings of a rule made from the state table (freed) */
	int state;             /* made from data/us_state_breach_laws.csv */
	size_t line;           /* in data/deadline_rules.csv, for messages */
	int year_end;          /* anchor: 31 December of the start's year */
	int day1;              /* calendar-day periods count the start day as day 1 */
	int roll;              /* the end moves to the next working day */
	int pause;             /* paused days are allowed */
	struct period main, ack, ext, notice;
};

struct calendar {
	const char *code;
	int64_t *days;         /* holidays, sorted */
	size_t n;
	int first_year, last_year;
};

static pthread_mutex_t db_lock = PTHREAD_MUTEX_INITIALIZER;
static int db_ready;
static struct rule *rules;
static size_t nrules;
static struct calendar *cals;
static size_t ncals;

/* ------------------------------------------------------------ civil dates */

/* the arithmetic itself: util/civil.c */

static int year_of(int64_t z)
{
	int y;
	unsigned m, d;

	fort_civil_from_days(z, &y, &m, &d);
	return y;
}

static void format_day(char out[11], int64_t z)
{
	int y;
	unsigned m, d;

	fort_civil_from_days(z, &y, &m, &d);
	snprintf(out, 11, "%04d-%02u-%02u", y, m, d);
}

static void format_instant(char out[21], int64_t t)
{
	int64_t z = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t s = t - z * 86400;
	int y;
	unsigned m, d;

	char tmp[64];   /* the compiler cannot see that the fields fit in 21 */

	fort_civil_from_days(z, &y, &m, &d);
	snprintf(tmp, sizeof(tmp), "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d,
		 (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
	memcpy(out, tmp, 20);
	out[20] = '\0';
}

static int digits(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static const char *const month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

/* The first 10 characters of S as YYYY-MM-DD.  WHAT names the value in
 * messages ("start date"). */
static int parse_ymd(int64_t *out, const char *s, const char *what)
{
	unsigned y, m, d;

	if (strlen(s) < 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) < 0 ||
	    digits(s + 5, 2, &m) < 0 || digits(s + 8, 2, &d) < 0)
		return fort_error_set(FORT_EINPUT, "%s '%.40s' is not a date: write it as YYYY-MM-DD", what, s);
	if (y < 1)
		return fort_error_set(FORT_EINPUT, "%s '%.10s' is not a date: there is no year 0", what, s);
	if (m < 1 || m > 12)
		return fort_error_set(FORT_EINPUT, "%s '%.10s' is not a date: there is no month %02u", what, s, m);
	if (d < 1 || d > fort_civil_month_days((int)y, m))
		return fort_error_set(FORT_EINPUT, "%s '%.10s' is not a date: %s %u has %u days", what, s,
				      month_names[m - 1], y, fort_civil_month_days((int)y, m));
	*out = fort_days_from_civil((int)y, m, d);
	return 0;
}

static int parse_date(int64_t *out, const char *s, const char *what)
{
	if (!s)
		return fort_error_set(FORT_EINPUT, "no %s given: write it as YYYY-MM-DD", what);
	if (strlen(s) > 10 && s[10] == 'T' && parse_ymd(out, s, what) == 0)
		return fort_error_set(FORT_EINPUT, "%s '%.40s' has a time: this clock counts days, give the date alone (YYYY-MM-DD)", what, s);
	if (strlen(s) != 10)
		return fort_error_set(FORT_EINPUT, "%s '%.40s' is not a date: write it as YYYY-MM-DD", what, s);
	return parse_ymd(out, s, what);
}

/* "YYYY-MM-DDTHH:MM:SSZ" or with a "+HH:MM" / "-HH:MM" offset, to UTC
 * seconds. */
static int parse_instant(int64_t *out, const char *s, const char *what)
{
	unsigned hh, mi, ss, oh = 0, om = 0;
	int64_t z, off = 0;
	size_t n;
	int r;

	if (!s)
		return fort_error_set(FORT_EINPUT, "no %s given: write it as YYYY-MM-DDTHH:MM:SSZ (UTC)", what);
	n = strlen(s);
	if (n == 10 && parse_ymd(&z, s, what) == 0)
		return fort_error_set(FORT_EINPUT, "%s '%s' has no time: this clock counts hours, write YYYY-MM-DDTHH:MM:SSZ (UTC)", what, s);
	if ((n != 20 && n != 25) || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    digits(s + 11, 2, &hh) < 0 || digits(s + 14, 2, &mi) < 0 || digits(s + 17, 2, &ss) < 0 ||
	    (n == 20 && s[19] != 'Z') ||
	    (n == 25 && ((s[19] != '+' && s[19] != '-') || s[22] != ':' ||
			 digits(s + 20, 2, &oh) < 0 || digits(s + 23, 2, &om) < 0)))
		return fort_error_set(FORT_EINPUT, "%s '%.40s' is not a time: write it as YYYY-MM-DDTHH:MM:SSZ (UTC) "
				      "or with an offset, YYYY-MM-DDTHH:MM:SS+01:00", what, s);
	if ((r = parse_ymd(&z, s, what)) < 0)
		return r;
	if (hh > 23 || mi > 59 || ss > 59 || oh > 23 || om > 59)
		return fort_error_set(FORT_EINPUT, "%s '%.40s' is not a time: hours 00-23, minutes and seconds 00-59", what, s);
	if (n == 25)
		off = (s[19] == '-' ? -1 : 1) * (int64_t)(oh * 3600 + om * 60);
	*out = z * 86400 + hh * 3600 + mi * 60 + ss - off;
	return 0;
}

/* ------------------------------------------------------------ the tables */

static int bad_cell(const struct rule *ru, const char *col, const char *val, const char *want)
{
	return fort_error_set(FORT_ECORRUPT, "data/deadline_rules.csv line %zu, %s: '%.40s' is not %s (fix the table and rebuild)",
			      ru->line, col, val, want);
}

static int parse_unit(enum unit *out, const struct rule *ru, const char *col, const char *v)
{
	static const struct { const char *name; enum unit u; } units[] = {
		{ "", U_NONE }, { "month", U_MONTH }, { "calendar-day", U_CDAY },
		{ "business-day", U_BDAY }, { "hour", U_HOUR },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(v, units[i].name)) {
			*out = units[i].u;
			return 0;
		}
	return bad_cell(ru, col, v, "month, calendar-day, business-day, hour or empty");
}

static int parse_period(struct period *p, const struct rule *ru, const data_table *t, size_t row,
			const int *col, const char *amount_col, const char *unit_col)
{
	const char *a = data_table_cell(t, row, col[0]);
	unsigned v;
	int r;

	if ((r = parse_unit(&p->unit, ru, unit_col, data_table_cell(t, row, col[1]))) < 0)
		return r;
	if (p->unit == U_NONE && !*a)
		return 0;
	if (p->unit == U_NONE || strlen(a) > 6 || digits(a, strlen(a), &v) < 0 || v < 1 || v > AMOUNT_MAX)
		return bad_cell(ru, amount_col, a, p->unit == U_NONE ? "empty (the unit is empty)" : "a whole number from 1");
	p->amount = (int)v;
	return 0;
}

/* *OUT 0 for ZERO, 1 for ONE; an empty cell is ZERO when EMPTY_OK. */
static int pick(int *out, const struct rule *ru, const char *col, const char *v, const char *zero,
		const char *one, int empty_ok)
{
	char want[96];

	if (!strcmp(v, zero) || (empty_ok && !*v)) {
		*out = 0;
		return 0;
	}
	if (!strcmp(v, one)) {
		*out = 1;
		return 0;
	}
	snprintf(want, sizeof(want), "%s or %s%s", zero, one, empty_ok ? " (empty: the first)" : "");
	return bad_cell(ru, col, v, want);
}

enum {
	C_JUR, C_CLOCK, C_TITLE, C_EVENT, C_ANCHOR, C_UNIT, C_AMOUNT, C_STARTDAY, C_ROLL, C_CAL,
	C_ACKA, C_ACKU, C_EXTA, C_EXTU, C_NOTA, C_NOTU, C_PAUSE, C_SOURCE, C_VERIFIED, C_NOTES, C_N
};
static const char *const rule_cols[C_N] = {
	"jurisdiction", "clock", "title", "start_event", "anchor", "unit", "amount", "start_day", "roll",
	"calendar", "ack_amount", "ack_unit", "ext_amount", "ext_unit", "ext_notice_amount",
	"ext_notice_unit", "pause", "source", "verified", "notes"
};

static int find_calendar_in(const struct calendar *cs, size_t n, const char *code)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(cs[i].code, code))
			return (int)i;
	return -1;
}

static int load_rule(struct rule *ru, const data_table *t, size_t row, const int *col,
		     const struct calendar *cs, size_t ncs)
{
	int r, x;

#define CELL(c) data_table_cell(t, row, col[c])
	ru->line = row + 2;
	ru->jurisdiction = CELL(C_JUR);
	ru->clock = CELL(C_CLOCK);
	ru->title = CELL(C_TITLE);
	ru->start_event = CELL(C_EVENT);
	ru->calendar = CELL(C_CAL);
	ru->source = CELL(C_SOURCE);
	ru->verified = CELL(C_VERIFIED);
	ru->notes = CELL(C_NOTES);
	ru->no_period = "without undue delay";
	if (!*ru->jurisdiction || !*ru->clock || !*ru->start_event)
		return bad_cell(ru, "jurisdiction/clock/start_event", "", "filled in");
	/* they are copied into fixed fields of fort_deadline */
	if (strlen(ru->title) >= 128 || strlen(ru->source) >= 300 || strlen(ru->calendar) >= 16 ||
	    strlen(ru->jurisdiction) >= 16 || strlen(ru->clock) >= 32)
		return bad_cell(ru, "title/source/calendar/jurisdiction/clock", "(too long)", "under 128/300/16/16/32 bytes");
	if (strcmp(ru->verified, "yes") && strcmp(ru->verified, "partial") && strcmp(ru->verified, "no"))
		return bad_cell(ru, "verified", ru->verified, "yes, partial or no");
	if ((r = pick(&ru->year_end, ru, "anchor", CELL(C_ANCHOR), "event", "year-end", 0)) < 0 ||
	    (r = pick(&ru->day1, ru, "start_day", CELL(C_STARTDAY), "excluded", "day1", 1)) < 0 ||
	    (r = pick(&ru->roll, ru, "roll", CELL(C_ROLL), "none", "next-working-day", 1)) < 0 ||
	    (r = pick(&ru->pause, ru, "pause", CELL(C_PAUSE), "no", "yes", 0)) < 0)
		return r;
	if ((r = parse_period(&ru->main, ru, t, row, (int[]){ col[C_AMOUNT], col[C_UNIT] }, "amount", "unit")) < 0 ||
	    (r = parse_period(&ru->ack, ru, t, row, (int[]){ col[C_ACKA], col[C_ACKU] }, "ack_amount", "ack_unit")) < 0 ||
	    (r = parse_period(&ru->ext, ru, t, row, (int[]){ col[C_EXTA], col[C_EXTU] }, "ext_amount", "ext_unit")) < 0 ||
	    (r = parse_period(&ru->notice, ru, t, row, (int[]){ col[C_NOTA], col[C_NOTU] }, "ext_notice_amount", "ext_notice_unit")) < 0)
		return r;
#undef CELL
	/* what the code can compute: an extension adds to the period in its own
	 * unit; an hour clock is all hours, counted from an instant */
	if (ru->ext.unit != U_NONE && ru->ext.unit != ru->main.unit)
		return bad_cell(ru, "ext_unit", "", "the same unit as the period");
	if (ru->notice.unit != U_NONE && ru->ext.unit == U_NONE)
		return bad_cell(ru, "ext_notice_unit", "", "empty when there is no extension");
	x = ru->main.unit == U_HOUR;
	if ((ru->ack.unit != U_NONE && (ru->ack.unit == U_HOUR) != x) ||
	    (ru->notice.unit != U_NONE && (ru->notice.unit == U_HOUR) != x) ||
	    (x && (ru->year_end || ru->pause || ru->roll)))
		return bad_cell(ru, "unit", "hour", "mixed with day units, a year-end anchor, a pause or a roll");
	if (*ru->calendar && find_calendar_in(cs, ncs, ru->calendar) < 0)
		return bad_cell(ru, "calendar", ru->calendar, "a calendar of data/holidays.csv");
	return 0;
}

static int cmp_day(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int load_calendars(struct calendar **out, size_t *nout, const data_table *t)
{
	struct calendar *cs = NULL;
	size_t n = 0, i, j, start;
	int r, cc, cd;

	if ((cc = data_table_col(t, "country_code")) < 0 || (cd = data_table_col(t, "date")) < 0)
		return fort_error_set(FORT_ECORRUPT, "data/holidays.csv has no country_code or date column");
	/* the file is sorted by code, so a code is one run of rows; a code seen
	 * again later would be a second run, which is caught below */
	for (i = 0; i < t->nrows; i++)
		n += i == 0 || strcmp(data_table_cell(t, i, cc), data_table_cell(t, i - 1, cc));
	if (!(cs = fort_calloc(n ? n : 1, sizeof(*cs))))
		return FORT_ENOMEM;
	for (i = 0, j = 0; i < t->nrows; j++) {
		struct calendar *c = &cs[j];

		c->code = data_table_cell(t, i, cc);
		if (find_calendar_in(cs, j, c->code) >= 0) {
			r = fort_error_set(FORT_ECORRUPT, "data/holidays.csv line %zu: %s again after other codes (keep it sorted)",
					   i + 2, c->code);
			goto out;
		}
		for (start = i; i < t->nrows && !strcmp(data_table_cell(t, i, cc), c->code); i++)
			;
		if (!(c->days = fort_calloc(i - start, sizeof(*c->days)))) {
			r = FORT_ENOMEM;
			goto out;
		}
		for (c->n = 0; c->n < i - start; c->n++) {
			const char *d = data_table_cell(t, start + c->n, cd);

			if (strlen(d) != 10 || parse_ymd(&c->days[c->n], d, "holiday") < 0) {
				r = fort_error_set(FORT_ECORRUPT, "data/holidays.csv line %zu: '%.40s' is not a date",
						   start + c->n + 2, d);
				goto out;
			}
		}
		qsort(c->days, c->n, sizeof(*c->days), cmp_day);
		c->first_year = year_of(c->days[0]);
		c->last_year = year_of(c->days[c->n - 1]);
	}
	*out = cs;
	*nout = n;
	cs = NULL;
	r = 0;
out:
	for (i = 0; cs && i < n; i++)
		free(cs[i].days);
	free(cs);
	return r;
}

static void release(struct rule *rs, size_t nrs, struct calendar *cs, size_t ncs)
{
	size_t i;

	for (i = 0; rs && i < nrs; i++)
		free(rs[i].owned);
	for (i = 0; cs && i < ncs; i++)
		free(cs[i].days);
	free(cs);
	free(rs);
}

/* One "US-XX breach-individuals" rule per row of us_state_breach_laws.csv:
 * the consumer notice, deadline_days calendar days after discovery, no roll.
 * The table does not say what starts each state's clock (discovery or
 * determination of the breach), so no such rule is better than "partial". */
/* How many bytes of S to keep for at most MAX without cutting a UTF-8
 * sequence ("§" is two bytes). */
static int utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return (int)n;
	for (n = max; n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80; n--)
		;
	return (int)n;
}

static int state_rule(struct rule *ru, const data_table *st, size_t row, const int *col)
{
	const char *state = data_table_cell(st, row, col[0]), *statute = data_table_cell(st, row, col[1]);
	const char *words = data_table_cell(st, row, col[2]), *days = data_table_cell(st, row, col[3]);
	const char *src = data_table_cell(st, row, col[4]), *ver = data_table_cell(st, row, col[5]);
	char jur[16], title[128], source[300], notes[512];
	size_t lj, lt, ls, ln, len;
	unsigned v = 0;

	memset(ru, 0, sizeof(*ru));
	ru->line = row + 2;
	if (strlen(state) != 2 || (*days && (strlen(days) > 4 || digits(days, strlen(days), &v) < 0 || v < 1)))
		return fort_error_set(FORT_ECORRUPT, "data/us_state_breach_laws.csv line %zu: state '%.8s', "
				      "deadline_days '%.8s' (a 2-letter code and a whole number or empty)", row + 2, state, days);
	snprintf(jur, sizeof(jur), "US-%s", state);
	snprintf(title, sizeof(title), "Breach notice to residents of %s (state law: %.*s%s)", state,
		 utf8_cut(statute, 60), statute, strlen(statute) > 60 ? "..." : "");
	/* the statute, then the whole source URLs that fit fort_deadline.source */
	len = (size_t)snprintf(source, sizeof(source), "%.*s", utf8_cut(statute, 120), statute);
	for (const char *p = src; *p;) {
		const char *e = strstr(p, " ; ");
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (len + 3 + n < sizeof(source))
			len += (size_t)snprintf(source + len, sizeof(source) - len, " ; %.*s", (int)n, p);
		p += n + (e ? 3 : 0);
	}
	snprintf(notes, sizeof(notes), "From data/us_state_breach_laws.csv (consumer_deadline: %.40s; verified: %.8s). "
		 "Counted in calendar days from discovery, no roll; the trigger (discovery or determination of the "
		 "breach) and law-enforcement delays are not modelled: verify before use.", words, *ver ? ver : "no");
	/* one block, so that a failed allocation leaves nothing half made */
	lj = strlen(jur) + 1, lt = strlen(title) + 1, ls = strlen(source) + 1, ln = strlen(notes) + 1;
	if (!(ru->owned = fort_malloc(lj + lt + ls + ln)))
		return FORT_ENOMEM;
	ru->jurisdiction = memcpy(ru->owned, jur, lj);
	ru->title = memcpy(ru->owned + lj, title, lt);
	ru->source = memcpy(ru->owned + lj + lt, source, ls);
	ru->notes = memcpy(ru->owned + lj + lt + ls, notes, ln);
	ru->clock = "breach-individuals";
	ru->state = 1;
	ru->start_event = "discovery";
	ru->calendar = "";
	ru->verified = !strcmp(ver, "yes") ? "partial" : "no";
	ru->no_period = *words ? words : "without unreasonable delay";
	if (*days) {
		ru->main.unit = U_CDAY;
		ru->main.amount = (int)v;
	}
	return 0;
}

/* Rules and calendars from the tables T (deadline rules) and HOL
 * (holidays), checked: every cell the code reads, every calendar a rule
 * names, no rule twice. */
static int build(struct rule **rs_out, size_t *nrs_out, struct calendar **cs_out, size_t *ncs_out,
		 const data_table *t, const data_table *hol, const data_table *st)
{
	static const char *const state_cols[6] = { "state", "statute", "consumer_deadline", "deadline_days", "source", "verified" };
	struct rule *rs = NULL;
	struct calendar *cs = NULL;
	size_t ncs = 0, total = 0, i, j;
	int col[C_N], scol[6], r;

	if ((r = load_calendars(&cs, &ncs, hol)) < 0)
		return r;
	for (i = 0; i < C_N; i++)
		if ((col[i] = data_table_col(t, rule_cols[i])) < 0) {
			r = fort_error_set(FORT_ECORRUPT, "data/deadline_rules.csv has no column '%s'", rule_cols[i]);
			goto out;
		}
	for (i = 0; st && i < 6; i++)
		if ((scol[i] = data_table_col(st, state_cols[i])) < 0) {
			r = fort_error_set(FORT_ECORRUPT, "data/us_state_breach_laws.csv has no column '%s'", state_cols[i]);
			goto out;
		}
	if (fort_size_add(&total, t->nrows, st ? st->nrows : 0) < 0 || !(rs = fort_calloc(total ? total : 1, sizeof(*rs)))) {
		r = FORT_ENOMEM;
		goto out;
	}
	for (i = 0; i < total; i++) {
		if ((r = i < t->nrows ? load_rule(&rs[i], t, i, col, cs, ncs) : state_rule(&rs[i], st, i - t->nrows, scol)) < 0)
			goto out;
		for (j = 0; j < i; j++)
			if (!strcmp(rs[j].jurisdiction, rs[i].jurisdiction) && !strcmp(rs[j].clock, rs[i].clock)) {
				r = bad_cell(&rs[i], "jurisdiction/clock", rs[i].clock, "given once per jurisdiction");
				goto out;
			}
	}
	*rs_out = rs;
	*nrs_out = total;
	*cs_out = cs;
	*ncs_out = ncs;
	rs = NULL;
	cs = NULL;
	r = 0;
out:
	release(rs, total, cs, ncs);   /* calloc'ed: rules not reached own nothing */
	return r;
}

int deadline_tables_check(const data_table *rules_table, const data_table *holidays)
{
	struct rule *rs = NULL;
	struct calendar *cs = NULL;
	size_t nrs = 0, ncs = 0;
	int r;

	r = build(&rs, &nrs, &cs, &ncs, rules_table, holidays, NULL);
	release(rs, nrs, cs, ncs);
	return r;
}

static int db_build(void)
{
	const data_table *t, *hol, *st;
	int r;

	if ((r = data_table_get(&hol, "holidays")) < 0 || (r = data_table_get(&t, "deadline_rules")) < 0 ||
	    (r = data_table_get(&st, "us_state_breach_laws")) < 0)
		return r;
	return build(&rules, &nrules, &cals, &ncals, t, hol, st);
}

/* Build the rules and calendars once.  A mutex rather than pthread_once: a
 * failure (out of memory) is tried again by the next call. */
static int db_load(void)
{
	int r = 0;

	if (__atomic_load_n(&db_ready, __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&db_lock);
	if (!db_ready && (r = db_build()) == 0)
		__atomic_store_n(&db_ready, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&db_lock);
	return r;
}

static void list_jurisdictions(fort_buf *b)
{
	size_t i, j, states = 0;

	for (i = 0; i < nrules; i++) {
		if (rules[i].state) {
			states++;
			continue;
		}
		for (j = 0; j < i && strcmp(rules[j].jurisdiction, rules[i].jurisdiction); j++)
			;
		if (j == i)
			fort_buf_printf(b, "%s%s", b->len ? ", " : "", rules[i].jurisdiction);
	}
	if (states)
		fort_buf_printf(b, "%sUS-XX for %zu US states (breach-individuals)", b->len ? ", " : "", states);
}

static int find_rule(const struct rule **out, const char *jur, const char *clock)
{
	fort_buf known;
	size_t i;
	int r, jur_known = 0;

	/* case does not matter to whoever types "eu request" */
	for (i = 0; jur && clock && i < nrules; i++) {
		if (strcasecmp(rules[i].jurisdiction, jur))
			continue;
		jur_known = 1;
		if (!strcasecmp(rules[i].clock, clock)) {
			*out = &rules[i];
			return 0;
		}
	}
	fort_buf_init(&known, 4096);
	if (jur && (jur_known || !clock)) {
		for (i = 0; i < nrules; i++)
			if (!strcasecmp(rules[i].jurisdiction, jur))
				fort_buf_printf(&known, "%s%s", known.len ? ", " : "", rules[i].clock);
	}
	if (!jur) {
		list_jurisdictions(&known);
		r = fort_error_set(FORT_EINPUT, "no jurisdiction given (the rules table has: %s)", known.buf);
	} else if (!clock && known.len) {
		r = fort_error_set(FORT_EINPUT, "no clock given (%s has: %s)", jur, known.buf);
	} else if (jur_known) {
		r = fort_error_set(FORT_ENOTFOUND, "no '%.40s' clock for %s in the rules table (%s has: %s)",
				   clock, jur, jur, known.buf);
	} else {
		list_jurisdictions(&known);
		r = fort_error_set(FORT_ENOTFOUND, "no deadline rules for jurisdiction '%.40s' (the rules table has: %s)",
				   jur, known.buf);
	}
	fort_buf_release(&known);
	return r;
}

static int find_calendar(const struct calendar **out, const char *code)
{
	fort_buf known;
	size_t i;
	int k, r;

	if ((k = find_calendar_in(cals, ncals, code)) >= 0) {
		*out = &cals[k];
		return 0;
	}
	fort_buf_init(&known, 4096);
	for (i = 0; i < ncals; i++)
		fort_buf_printf(&known, "%s%s", i ? " " : "", cals[i].code);
	r = fort_error_set(FORT_ENOTFOUND, "no holiday calendar for region '%.40s' (data/holidays.csv has: %s)",
			   code, known.buf);
	fort_buf_release(&known);
	return r;
}

/* ------------------------------------------------------------ arithmetic */

/* *OUT 1 when DAY is a working day: not a Saturday or Sunday, and not a
 * holiday of CAL (NULL: weekends only). */
static int working(int *out, const struct calendar *cal, int64_t day)
{
	int wd = fort_civil_weekday(day), y;

	if (wd == 0 || wd == 6 || !cal) {
		*out = wd != 0 && wd != 6;
		return 0;
	}
	y = year_of(day);
	/* a year the table does not cover would silently count its holidays as
	 * working days */
	if (y < cal->first_year || y > cal->last_year)
		return fort_error_set(FORT_ENOTFOUND, "no public holidays of %s for %d: data/holidays.csv covers %d-%d",
				      cal->code, y, cal->first_year, cal->last_year);
	*out = !bsearch(&day, cal->days, cal->n, sizeof(*cal->days), cmp_day);
	return 0;
}

static int roll_forward(int64_t *day, const struct calendar *cal)
{
	int w, r, i;

	for (i = 0; i < ROLL_MAX; i++, ++*day) {
		if ((r = working(&w, cal, *day)) < 0)
			return r;
		if (w)
			return 0;
	}
	return fort_error_set(FORT_ECORRUPT, "no working day in %s for a year after %d: check data/holidays.csv",
			      cal ? cal->code : "(weekends)", year_of(*day));
}

static int add_business_days(int64_t *day, const struct calendar *cal, int n)
{
	int w, r;

	while (n > 0) {
		if (++*day > MAX_DAY)
			return fort_error_set(FORT_EINPUT, "the deadline falls after the year 9999");
		if ((r = working(&w, cal, *day)) < 0)
			return r;
		n -= w;
	}
	return 0;
}

static int add_months(int64_t *out, int64_t day, int n)
{
	int y;
	unsigned m, d;
	int64_t total;

	fort_civil_from_days(day, &y, &m, &d);
	total = (int64_t)y * 12 + (m - 1) + n;
	if (total / 12 > 9999)
		return fort_error_set(FORT_EINPUT, "the deadline falls after the year 9999");
	/* Reg. 1182/71 Art. 3(2)(c): no such date in the last month, its last day */
	fort_civil_add_months(&y, &m, &d, n);
	*out = fort_days_from_civil(y, m, d);
	return 0;
}

/* The end of period P counted from START (a day, or UTC seconds for hours),
 * PAUSED days later, rolled if the rule rolls. */
static int period_end(int64_t *out, const struct rule *ru, const struct calendar *cal, int64_t start,
		      struct period p, unsigned paused)
{
	int64_t end = start;
	int r;

	switch (p.unit) {
	case U_MONTH:
		if ((r = add_months(&end, start, p.amount)) < 0)
			return r;
		end += paused;
		break;
	case U_CDAY:
		/* excluded: the period starts the day after (Reg. 1182/71 Art. 3(1));
		 * day1: the start day is the first of the period (11 CCR §7021(b)) */
		end = start + p.amount - (ru->day1 ? 1 : 0) + paused;
		break;
	case U_BDAY:
		end = start + paused;
		if ((r = add_business_days(&end, cal, p.amount)) < 0)
			return r;
		break;
	case U_HOUR:
		*out = start + (int64_t)p.amount * 3600;
		if (*out >= ((int64_t)MAX_DAY + 1) * 86400)
			return fort_error_set(FORT_EINPUT, "the deadline falls after the year 9999");
		return 0;
	case U_NONE:
		return fort_error_set(FORT_ERROR, "no period");
	}
	if (end > MAX_DAY)
		return fort_error_set(FORT_EINPUT, "the deadline falls after the year 9999");
	if (ru->roll && (r = roll_forward(&end, cal)) < 0)
		return r;
	*out = end;
	return 0;
}

/* ------------------------------------------------------------- the words */

static void say(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

static const char *unit_words(enum unit u, int n)
{
	switch (u) {
	case U_MONTH: return n == 1 ? "month" : "months";
	case U_CDAY: return n == 1 ? "calendar day" : "calendar days";
	case U_BDAY: return n == 1 ? "business day" : "business days";
	case U_HOUR: return n == 1 ? "hour" : "hours";
	case U_NONE: break;
	}
	return "";
}

static void describe(fort_deadline *out, const struct rule *ru, const struct calendar *cal,
		     const fort_deadline_query *q)
{
	char *b = out->rule;
	size_t n = sizeof(out->rule);
	const struct period *p = &ru->main;

	b[0] = '\0';
	if (p->unit == U_NONE)
		say(b, n, "no fixed period: %s", ru->no_period);
	else if (ru->year_end)
		say(b, n, "%d %s after the end of the calendar year of %s", p->amount, unit_words(p->unit, p->amount),
		    ru->start_event);
	else
		say(b, n, "%d %s from %s", p->amount, unit_words(p->unit, p->amount), ru->start_event);
	if (p->unit == U_MONTH)
		say(b, n, " (same date, or month end)");
	else if (p->unit == U_CDAY && ru->day1)
		say(b, n, ", which is day 1");
	else if (p->unit == U_BDAY)
		say(b, n, " (%s holidays)", cal ? cal->code : "no");
	else if (p->unit == U_HOUR)
		say(b, n, ", in UTC");
	if (q->paused_days)
		say(b, n, ", plus %u paused days", q->paused_days);
	if (p->unit == U_MONTH || p->unit == U_CDAY) {
		if (!ru->roll)
			say(b, n, "; no weekend or holiday roll");
		else if (cal)
			say(b, n, "; a weekend or %s holiday rolls to the next working day", cal->code);
		else
			say(b, n, "; a weekend rolls to the next working day (no holiday calendar)");
	}
	if (ru->ack.unit != U_NONE) {
		say(b, n, "; acknowledge within %d %s", ru->ack.amount, unit_words(ru->ack.unit, ru->ack.amount));
		if (ru->ack.unit == U_BDAY)
			say(b, n, " (%s holidays)", cal ? cal->code : "no");
	}
	if (ru->ext.unit != U_NONE) {
		say(b, n, "; %s by %d %s", q->extended ? "extended" : "extendable", ru->ext.amount,
		    unit_words(ru->ext.unit, ru->ext.amount));
		if (ru->notice.unit != U_NONE)
			say(b, n, ", notice within %d %s", ru->notice.amount, unit_words(ru->notice.unit, ru->notice.amount));
	}
}

/* ------------------------------------------------------------ public API */

static void put(char dst[32], int64_t v, int hours)
{
	if (hours)
		format_instant(dst, v);
	else
		format_day(dst, v);
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

int fort_deadline_compute(fort_deadline *out, const fort_deadline_query *q)
{
	const struct rule *ru = NULL;
	const struct calendar *cal = NULL;
	const char *region;
	int64_t start, t;
	int r, hours, uses_cal;

	if (!out || !q)
		return fort_error_set(FORT_EINPUT, "fort_deadline_compute: no %s", out ? "query" : "output");
	memset(out, 0, sizeof(*out));
	if (q->version != FORT_DEADLINE_QUERY_VERSION)
		return FORT_CHECK_VERSION(q->version, FORT_DEADLINE_QUERY, fort_deadline_query);
	if ((r = db_load()) < 0 || (r = find_rule(&ru, q->jurisdiction, q->clock)) < 0)
		return r;
	region = q->region ? q->region : ru->calendar;
	if (*region && (r = find_calendar(&cal, region)) < 0)
		return r;
	if (q->paused_days && !ru->pause)
		return fort_error_set(FORT_EINPUT, "the %s %s clock cannot be paused (pause: no in data/deadline_rules.csv)",
				      ru->jurisdiction, ru->clock);
	if (q->paused_days > PAUSE_MAX)
		return fort_error_set(FORT_EINPUT, "%u paused days: at most %d", q->paused_days, PAUSE_MAX);
	if (q->extended && ru->ext.unit == U_NONE)
		return fort_error_set(FORT_EINPUT, "the %s %s clock has no extension", ru->jurisdiction, ru->clock);
	hours = ru->main.unit == U_HOUR;
	if ((r = hours ? parse_instant(&start, q->start, "start time") : parse_date(&start, q->start, "start date")) < 0)
		return r;
	if (ru->year_end)
		start = fort_days_from_civil(year_of(start), 12, 31);

	if (ru->main.unit != U_NONE) {
		if ((r = period_end(&t, ru, cal, start, ru->main, q->paused_days)) < 0)
			return r;
		put(out->due, t, hours);
	}
	if (ru->ext.unit != U_NONE) {
		struct period all = { ru->main.unit, ru->main.amount + ru->ext.amount };

		/* the extension runs from the start, with the same roll: +3 months
		 * from receipt, not 2 months from a rolled due date */
		if ((r = period_end(&t, ru, cal, start, all, q->paused_days)) < 0)
			return r;
		put(out->max_due, t, hours);
		if (q->extended)
			memcpy(out->due, out->max_due, sizeof(out->due));
		if (ru->notice.unit != U_NONE) {
			if ((r = period_end(&t, ru, cal, start, ru->notice, q->paused_days)) < 0)
				return r;
			put(out->extension_notice_due, t, hours);
		}
	}
	if (ru->ack.unit != U_NONE) {
		if ((r = period_end(&t, ru, cal, start, ru->ack, 0)) < 0)
			return r;
		put(out->ack_due, t, hours);
	}
	uses_cal = (ru->roll && !hours) || ru->main.unit == U_BDAY || ru->ack.unit == U_BDAY;
	copy(out->region, sizeof(out->region), cal && uses_cal ? cal->code : "");
	describe(out, ru, uses_cal ? cal : NULL, q);
	copy(out->source, sizeof(out->source), ru->source);
	copy(out->title, sizeof(out->title), ru->title);
	copy(out->verified, sizeof(out->verified), ru->verified);
	copy(out->jurisdiction, sizeof(out->jurisdiction), ru->jurisdiction);
	copy(out->clock, sizeof(out->clock), ru->clock);
	out->hours = hours;
	return 0;
}

int fort_is_working_day(const char *date, const char *region)
{
	const struct calendar *cal = NULL;
	int64_t day;
	int r, w;

	if ((r = parse_date(&day, date, "date")) < 0)
		return r;
	if (region && *region && ((r = db_load()) < 0 || (r = find_calendar(&cal, region)) < 0))
		return r;
	if ((r = working(&w, cal, day)) < 0)
		return r;
	return w;
}

int fort_deadline_rules(int (*cb)(void *ctx, const fort_deadline_rule *r), void *ctx)
{
	size_t i;
	int r;

	if ((r = db_load()) < 0)
		return r;
	for (i = 0; i < nrules; i++) {
		fort_deadline_rule d = {
			rules[i].jurisdiction, rules[i].clock, rules[i].title, rules[i].calendar,
			rules[i].verified, rules[i].source, rules[i].notes,
		};
		if ((r = cb(ctx, &d)) != 0)
			return r;
	}
	return 0;
}

int fort_date_add_days(char out[11], const char *date, int days)
{
	int64_t day;
	int r;

	if ((r = parse_date(&day, date, "date")) < 0)
		return r;
	day += days;
	if (day < MIN_DAY || day > MAX_DAY)
		return fort_error_set(FORT_EINPUT, "%s %+d days is outside the years 1-9999", date, days);
	format_day(out, day);
	return 0;
}

int fort_date_valid(const char *date)
{
	int64_t day;

	return parse_date(&day, date, "date") == 0;
}

int fort_date_weekday(const char *date)
{
	int64_t day;
	int r;

	if ((r = parse_date(&day, date, "date")) < 0)
		return r;
	return fort_civil_weekday(day);
}

int fort_date_diff(long *days, const char *from, const char *to)
{
	int64_t a, b;
	int r;

	if ((r = parse_date(&a, from, "date")) < 0 || (r = parse_date(&b, to, "date")) < 0)
		return r;
	*days = (long)(b - a);
	return 0;
}
