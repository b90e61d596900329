/* cmd_retention.c - `fortress retention rule|rules|due|run`: the data map's
 * retention rules per purpose, what expires soon, and erasing what has
 * expired (and what erasure requests kept under a legal hold once the hold
 * ends).  The rules are in the library (src/rights/retention.c). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "front/shapes.h"

static void item_print(const fort_retention_item *it, const char *verb)
{
	switch (it->action) {
	case FORT_RET_ERASE_CLIENT:
		printf("%-11s %s  whole client (%s): retention ended %s (%s: %s)\n", verb, it->client, it->fields, it->date,
		       it->purposes, it->reason);
		break;
	case FORT_RET_ERASE_FIELD:
		printf("%-11s %s  field %s: retention ended %s (%s: %s)\n", verb, it->client, it->fields, it->date, it->purposes,
		       it->reason);
		break;
	case FORT_RET_KEPT:
		if (it->kept_until[0])
			printf("%-11s %s  field %s: retention ended %s (%s), but a hold keeps it until %s: %s\n", "kept", it->client,
			       it->fields, it->date, it->purposes, it->kept_until, it->reason);
		else
			printf("%-11s %s  field %s: retention ended %s (%s), but %s\n", "kept", it->client, it->fields, it->date,
			       it->purposes, it->reason);
		break;
	case FORT_RET_HOLD_ENDED:
		printf("%-11s %s  field %s: kept for erasure request %lld until %s: %s\n", verb, it->client, it->fields,
		       (long long)it->request, it->date, it->reason);
		break;
	}
}

/* ------------------------------------------------------------------- due */

static const struct cli_opt due_opts[] = {
	{ "within", 0, OPT_VALUE, "DAYS", "what ends within DAYS days (default 30)" },
	{ "as-of", 0, OPT_VALUE, "DATE", "count from DATE instead of today" },
	{ "until", 0, OPT_VALUE, "DATE", "what ends on or before DATE (instead of --within)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_retention_due(struct cli *c)
{
	fort_retention_item *it = NULL;
	size_t n = 0;
	long within = 30;
	const char *w = cli_str(c, "within"), *until = cli_str(c, "until"), *as_of = cli_str(c, "as-of");
	int r;

	if (w) {
		char *end;
		within = strtol(w, &end, 10);
		if (!*w || *end || within < 0 || within > 36600)
			return cli_usage_error(c, "--within takes a number of days from 0 to 36600");
	}
	if (until) {
		/* --until DATE: as of today, everything up to DATE */
		long days = 0;
		char today[11];
		time_t t = time(NULL);
		struct tm tm;

		if (w)
			return cli_usage_error(c, "give --within or --until, not both");
		gmtime_r(&t, &tm);
		strftime(today, sizeof today, "%Y-%m-%d", &tm);
		if (!fort_date_valid(until))
			return cli_error(c, EXIT_INPUT, "'%s' is not a date: use YYYY-MM-DD", until);
		if (fort_date_diff(&days, as_of ? as_of : today, until) < 0)
			return cli_fail(c, FORT_EINPUT, NULL);
		within = days < 0 ? 0 : days;
	}
	if ((r = fort_retention_due_all(&it, &n, c->vault, as_of, (int)within)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *a = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, shape_retention_item(&it[i]));
		free(it);
		return cli_print_json(c, a);
	}
	for (size_t i = 0; i < n; i++) {
		const fort_retention_item *x = &it[i];

		switch (x->action) {
		case FORT_RET_ERASE_CLIENT:
			printf("%s  %s  whole client (%s): %s: %s\n", x->date, x->client, x->fields, x->purposes, x->reason);
			break;
		case FORT_RET_ERASE_FIELD:
			printf("%s  %s  %s: %s: %s\n", x->date, x->client, x->fields, x->purposes, x->reason);
			break;
		case FORT_RET_KEPT:
			if (x->kept_until[0])
				printf("%s  %s  %s: held (its purposes end %s): %s\n", x->kept_until, x->client, x->fields, x->date,
				       x->reason);
			else   /* Art. 18: a restriction is not a hold */
				printf("restricted  %s  %s: kept while processing is restricted (its purposes end %s): %s\n",
				       x->client, x->fields, x->date, x->reason);
			break;
		case FORT_RET_HOLD_ENDED:
			printf("%s  %s  %s: kept for erasure request %lld: %s\n", x->date, x->client, x->fields, (long long)x->request,
			       x->reason);
			break;
		}
	}
	if (!n && !c->quiet)
		printf("nothing expires within %ld day(s)\n", within);
	free(it);
	return EXIT_OK;
}

/* ------------------------------------------------------------------- run */

static const struct cli_opt run_opts[] = {
	{ "dry-run", 'n', OPT_FLAG, NULL, "only list what would be erased; change nothing" },
	{ "as-of", 0, OPT_VALUE, "DATE", "run as if today were DATE" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_retention_run(struct cli *c)
{
	fort_retention_item *it = NULL;
	size_t n = 0, clients = 0, fields = 0, kept = 0, restricted = 0;
	int r, dry = cli_flag(c, "dry-run");

	if ((r = fort_retention_run_all(&it, &n, c->vault, cli_str(c, "as-of"), dry)) < 0)
		return cli_fail(c, r, NULL);
	for (size_t i = 0; i < n; i++) {
		if (it[i].action == FORT_RET_ERASE_CLIENT)
			clients++;
		else if (it[i].action == FORT_RET_KEPT && it[i].kept_until[0])
			kept++;
		else if (it[i].action == FORT_RET_KEPT)
			restricted++;   /* Art. 18: not a hold */
		else
			fields++;
	}
	if (c->json) {
		json_t *j = shape_retention_run(it, n, dry);

		free(it);
		return cli_print_json(c, j);
	}
	for (size_t i = 0; i < n; i++)
		item_print(&it[i], dry ? "would erase" : "erased");
	if (!c->quiet)
		printf("%zu client(s) %s whole, %zu field(s) %s, %zu field(s) kept under a hold, %zu kept because processing is "
		       "restricted (Art. 18)\n", clients, dry ? "would be erased" : "erased", fields, dry ? "would be erased" : "erased",
		       kept, restricted);
	free(it);
	return EXIT_OK;
}

/* ------------------------------------------------------------ rule, rules */

static const struct cli_opt rule_opts[] = {
	{ "after", 0, OPT_VALUE, "TRIGGER", "created, updated (last contact), consent_withdrawn or field:NAME (a date field)" },
	{ "reason", 0, OPT_VALUE, "TEXT", "the law or reason for keeping the data that long" },
	{ "clear", 0, OPT_FLAG, NULL, "remove the purpose's rule" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_retention_rule(struct cli *c)
{
	const char *purpose = cli_pos(c, 0), *duration = cli_pos(c, 1);
	char text[400];
	int r;

	if (cli_flag(c, "clear") && duration)
		return cli_usage_error(c, "give a DURATION or --clear, not both");
	if (!cli_flag(c, "clear") && !duration)
		return cli_usage_error(c, "give a DURATION (e.g. 2y, 6m, 1y6m, 30d) with --after and --reason, or --clear");
	if (!cli_flag(c, "clear") && (!cli_str(c, "after") || !cli_str(c, "reason")))
		return cli_usage_error(c, "a retention rule needs --after TRIGGER and --reason TEXT");
	if ((r = fort_retention_rule_set(c->vault, purpose, duration, cli_str(c, "after"), cli_str(c, "reason"))) < 0)
		return cli_fail(c, r, NULL);
	if ((r = fort_retention_rule_text(text, sizeof text, c->vault, purpose)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json)
		return cli_print_json(c, json_pack("{s:s,s:s}", "purpose", purpose, "rule", text));
	if (!c->quiet)
		printf("%s: %s\n", purpose, text[0] ? text : "no retention rule (kept until erased by hand or on request)");
	return EXIT_OK;
}

static int cmd_retention_rules(struct cli *c)
{
	size_t n = fort_map_activity_count(c->vault);
	json_t *a = c->json ? json_array() : NULL;

	for (size_t i = 0; i < n; i++) {
		const fort_activity_info *ai = fort_map_activity(c->vault, i);
		char text[400];

		if (fort_retention_rule_text(text, sizeof text, c->vault, ai->purpose) < 0)
			text[0] = '\0';
		if (a)
			json_array_append_new(a, json_pack("{s:s,s:s,s:s}", "purpose", ai->purpose, "rule", text, "retention",
							   ai->retention ? ai->retention : ""));
		else
			printf("%-22s %s\n", ai->purpose, text[0] ? text : "(no rule: nothing expires by itself)");
	}
	return a ? cli_print_json(c, a) : EXIT_OK;
}

static const struct cli_cmd retention_rule_def = {
	.name = "rule", .fn = cmd_retention_rule, .flags = NEEDS_UNLOCK,
	.summary = "set or clear how long a purpose's data is kept",
	.synopsis = "PURPOSE DURATION --after TRIGGER --reason TEXT | PURPOSE --clear [--json]", .opts = rule_opts,
	.min_args = 1, .max_args = 2, .args_name = "PURPOSE",
	.description = "DURATION: e.g. 2y, 6m, 1y6m, 30d.  TRIGGER: created (the record was made), updated\n"
		       "(the last contact: the record's last change), consent_withdrawn (a consent-based\n"
		       "purpose; never given counts from the record's making) or field:NAME (a date\n"
		       "field of the client, e.g. field:contract_end; nothing expires while it is empty).\n"
		       "Stored in the data map as the purpose's \"retention_rule\".\n",
};
static const struct cli_cmd retention_rules_def = {
	.name = "rules", .fn = cmd_retention_rules, .flags = NEEDS_UNLOCK,
	.summary = "each purpose's retention rule",
	.synopsis = "[--json]", .min_args = 0, .max_args = 0,
};
static const struct cli_cmd retention_due_def = {
	.name = "due", .fn = cmd_retention_due, .flags = NEEDS_UNLOCK,
	.summary = "what will expire soon (and what legal holds keep, until when)",
	.synopsis = "[--within DAYS | --until DATE] [--as-of DATE] [--json]", .opts = due_opts, .min_args = 0, .max_args = 0,
};
static const struct cli_cmd retention_run_def = {
	.name = "run", .fn = cmd_retention_run, .flags = NEEDS_UNLOCK,
	.summary = "erase every field and client whose retention has expired (holds win)",
	.synopsis = "[--dry-run] [--as-of DATE] [--json]", .opts = run_opts, .min_args = 0, .max_args = 0,
};
static const struct cli_cmd *const retention_subs[] = { &retention_rule_def, &retention_rules_def, &retention_due_def,
							 &retention_run_def, NULL };

const struct cli_cmd cmd_retention_def = {
	.name = "retention", .fn = NULL, .flags = 0,
	.summary = "retention rules and expiry: rule, rules, due, run",
	.subs = retention_subs,
	.description = "Each purpose of the data map may have a retention rule (how long, from which\n"
		       "event, why).  A field goes once none of its purposes justifies it any more; a\n"
		       "client with nothing left to keep is crypto-shredded whole; a field's legal hold\n"
		       "(e.g. tax law) wins until it ends.  Run 'fortress retention run' from cron\n"
		       "(daily); every erasure is audited (ids and fields, never values).\n",
};
