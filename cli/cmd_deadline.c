/* cmd_deadline.c - `fortress deadline JURISDICTION CLOCK --start DATE` and
 * `fortress deadline --list`: the legal clocks of data/deadline_rules.csv,
 * computed by the library.  No vault needed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct cli_opt deadline_opts[] = {
	{ "start", 0, OPT_VALUE, "DATE", "when the clock started: YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SSZ for hour clocks" },
	{ "region", 0, OPT_VALUE, "R", "holiday calendar (DE, GB-ENG, GB-SCT, US...; default: the rule's)" },
	{ "paused-days", 0, OPT_VALUE, "N", "days the clock stood still (UK: awaiting clarification)" },
	{ "extended", 0, OPT_FLAG, NULL, "the one extension allowed was taken" },
	{ "list", 0, OPT_FLAG, NULL, "list the jurisdictions and clocks of the rules table" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static const char *const day_names[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

/* "2026-03-02 (Mon)", a UTC time as it is, "-" for none. */
static const char *show(char *buf, size_t len, const char *v)
{
	int wd;

	if (!v || !*v)
		return "-";
	if (strlen(v) == 10 && (wd = fort_date_weekday(v)) >= 0)
		snprintf(buf, len, "%s (%s)", v, day_names[wd]);
	else
		snprintf(buf, len, "%s", v);
	return buf;
}

static void line(const struct cli *c, const char *name, const char *value)
{
	printf("%s%-18s%s %s\n", cli_bold(c), name, cli_reset(c), value);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

struct list_ctx {
	struct cli *c;
	json_t *arr;
};

static int list_one(void *ctx, const fort_deadline_rule *r)
{
	struct list_ctx *l = ctx;

	if (l->arr) {
		json_t *j = json_object();

		json_object_set_new(j, "jurisdiction", json_string(r->jurisdiction));
		json_object_set_new(j, "clock", json_string(r->clock));
		json_object_set_new(j, "title", json_string(r->title));
		json_object_set_new(j, "calendar", str_or_null(r->calendar));
		json_object_set_new(j, "verified", json_string(r->verified));
		json_object_set_new(j, "source", json_string(r->source));
		json_object_set_new(j, "notes", json_string(r->notes));
		json_array_append_new(l->arr, j);
	} else {
		printf("%-13s %-19s %-9s %-8s %s\n", r->jurisdiction, r->clock, *r->calendar ? r->calendar : "-",
		       r->verified, r->title);
	}
	return 0;
}

static int cmd_list(struct cli *c)
{
	struct list_ctx l = { c, c->json ? json_array() : NULL };
	int r;

	if (!l.arr)
		printf("%s%-13s %-19s %-9s %-8s %s%s\n", cli_bold(c), "JURISDICTION", "CLOCK", "CALENDAR", "VERIFIED",
		       "WHAT", cli_reset(c));
	if ((r = fort_deadline_rules(list_one, &l)) < 0) {
		json_decref(l.arr);
		return cli_fail(c, r, NULL);
	}
	if (l.arr)
		return cli_print_json(c, l.arr);
	if (!c->quiet)
		printf("\nsources and what is verified: data/README.md; "
		       "'fortress deadline JURISDICTION CLOCK --start DATE' computes one\n");
	return EXIT_OK;
}

static int cmd_deadline(struct cli *c)
{
	fort_deadline_query q = FORT_DEADLINE_QUERY_INIT;
	fort_deadline d;
	const char *s;
	char buf[64];
	int r;

	if (cli_flag(c, "list") || (c->args.npos == 1 && !strcmp(cli_pos(c, 0), "rules")))
		return cli_str(c, "start") ? cli_usage_error(c, "--list takes no --start") : cmd_list(c);
	if (c->args.npos != 2)
		return cli_usage_error(c, "needs JURISDICTION and CLOCK (see 'fortress deadline --list')");
	q.jurisdiction = cli_pos(c, 0);
	q.clock = cli_pos(c, 1);
	q.region = cli_str(c, "region");
	q.extended = cli_flag(c, "extended");
	if (!(q.start = cli_str(c, "start")))
		return cli_usage_error(c, "needs --start DATE (the day of receipt, of ID received, of discovery; "
					  "YYYY-MM-DDTHH:MM:SSZ for hour clocks)");
	if ((s = cli_str(c, "paused-days"))) {
		unsigned long n;
		char *end;

		errno = 0;
		n = strtoul(s, &end, 10);
		if (errno || end == s || *end || s[0] == '-' || s[0] == '+' || n > 100000)
			return cli_usage_error(c, "--paused-days must be a number of days, not '%s'", s);
		q.paused_days = (unsigned)n;
	}
	if ((r = fort_deadline_compute(&d, &q)) < 0)
		return cli_fail(c, r, r == FORT_ENOTFOUND ? "'fortress deadline --list' shows the rules" : NULL);

	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "jurisdiction", json_string(d.jurisdiction));
		json_object_set_new(j, "clock", json_string(d.clock));
		json_object_set_new(j, "title", json_string(d.title));
		json_object_set_new(j, "start", json_string(q.start));
		json_object_set_new(j, "paused_days", json_integer(q.paused_days));
		json_object_set_new(j, "extended", json_boolean(q.extended));
		json_object_set_new(j, "due", str_or_null(d.due));
		json_object_set_new(j, "ack_due", str_or_null(d.ack_due));
		json_object_set_new(j, "extension_notice_due", str_or_null(d.extension_notice_due));
		json_object_set_new(j, "max_due", str_or_null(d.max_due));
		json_object_set_new(j, "calendar", str_or_null(d.region));
		json_object_set_new(j, "rule", json_string(d.rule));
		json_object_set_new(j, "source", json_string(d.source));
		json_object_set_new(j, "verified", json_string(d.verified));
		return cli_print_json(c, j);
	}
	printf("%s%s %s%s: %s\n", cli_bold(c), d.jurisdiction, d.clock, cli_reset(c), d.title);
	line(c, "start", show(buf, sizeof(buf), q.start));
	line(c, "due", d.due[0] ? show(buf, sizeof(buf), d.due) : "no fixed period (see the rule)");
	if (d.ack_due[0])
		line(c, "acknowledge by", show(buf, sizeof(buf), d.ack_due));
	if (d.extension_notice_due[0])
		line(c, "extension notice", show(buf, sizeof(buf), d.extension_notice_due));
	if (d.max_due[0])
		line(c, q.extended ? "extended to" : "if extended", show(buf, sizeof(buf), d.max_due));
	line(c, "rule", d.rule);
	line(c, "calendar", d.region[0] ? d.region : "-");
	line(c, "source", d.source);
	line(c, "verified", d.verified);
	if (strcmp(d.verified, "yes"))
		cli_hint(c, "this rule is not fully verified (data/README.md): check it against its source before relying on it");
	return EXIT_OK;
}

const struct cli_cmd cmd_deadline_def = {
	.name = "deadline", .fn = cmd_deadline, .flags = 0,
	.summary = "compute a legal deadline (rights requests, complaints, breaches)",
	.synopsis = "JURISDICTION CLOCK --start DATE [--region R] [--paused-days N] [--extended] | --list",
	.opts = deadline_opts, .min_args = 0, .max_args = 2, .args_name = "JURISDICTION CLOCK",
	.description =
		"Computes when an answer is due from the rules table compiled into Fortress\n"
		"(data/deadline_rules.csv, public holidays from data/holidays.csv), with the\n"
		"acknowledgement, the latest notice of an extension and the extended date\n"
		"where the rule has them, the rule in words and its source.  No vault needed.\n"
		"\n"
		"  fortress deadline EU request --start 2026-01-31 --region DE\n"
		"  fortress deadline UK request --start 2026-03-03 --region GB-SCT --paused-days 10\n"
		"  fortress deadline CA request --start 2026-05-01 --extended\n"
		"  fortress deadline EU breach-authority --start 2026-03-27T16:00:00Z\n"
		"  fortress deadline --list\n"
		"\n"
		"Day clocks take a date (the day of receipt; for UK requests the day proof\n"
		"of identity and any fee arrived); hour clocks a UTC time (an offset such\n"
		"as +01:00 is converted).  Months end on the same date the month after, or\n"
		"on its last day; where the rule says so a weekend or public holiday moves\n"
		"the date to the next working day.\n"
		"\n"
		"Exit status: 0 computed, 2 usage, 3 unknown jurisdiction, clock or region\n"
		"(or a year the holiday calendar does not cover), 6 a bad date.\n",
};
