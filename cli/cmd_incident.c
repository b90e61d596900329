/* cmd_incident.c - `fortress incident open|log|assess|decide|scope|impact|show|list|letters|review|close`:
 * the breach register (GDPR Art. 33(5)), whom an incident touched, the legal
 * clocks from the moment of awareness, and the notification letters. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "front/shapes.h"

static int parse_id(struct cli *c, int64_t *id)
{
	const char *s = cli_pos(c, 0);
	char *end;
	long long x = strtoll(s, &end, 10);

	if (!*s || *end || x <= 0)
		return cli_usage_error(c, "'%s' is not an incident number ('fortress incident list' shows them)", s);
	*id = x;
	return EXIT_OK;
}

/* --as-of T (tests, "what was due then") as unix time; 0: now. */
static int as_of(struct cli *c, int64_t *now)
{
	const char *s = cli_str(c, "as-of");
	struct tm tm;
	char *end;

	*now = 0;
	if (!s)
		return EXIT_OK;
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end) {
		memset(&tm, 0, sizeof tm);
		end = strptime(s, "%Y-%m-%d", &tm);
		if (!end || *end)
			return cli_usage_error(c, "--as-of '%s' is not a time (YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD)", s);
	}
	*now = (int64_t)timegm(&tm);
	return EXIT_OK;
}

/* A deadline in local time (TZ) next to UTC: "2026-03-30 18:00 CEST". */
static const char *local(char *buf, size_t len, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !localtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M %Z", &tm))
		snprintf(buf, len, "-");
	return buf;
}

static const char *tri(int x)
{
	return x == 1 ? "yes" : x == 0 ? "no" : "unknown";
}


static void print_clock(const fort_incident_clock *k)
{
	char buf[64];

	if (k->due[0])
		printf("  %-8s %-9s %s  (%s)  %s\n", k->met ? (k->late ? "met LATE" : "met") : k->overdue ? "OVERDUE" : "due",
		       k->jurisdiction, k->hours ? local(buf, sizeof buf, k->due_ts) : k->due,
		       k->hours ? k->due : "end of day", k->title);
	else
		printf("  %-8s %-9s %-27s  %s\n", "asap", k->jurisdiction, "without undue delay", k->title);
	if (k->met)
		printf("           notified %s: %s\n", k->met_at, k->met_how);
	printf("           %s\n", k->note);
}

static const struct cli_opt notified_opts[] = {
	{ "authority", 0, OPT_FLAG, NULL, "the supervisory authority was notified" },
	{ "clients", 0, OPT_FLAG, NULL, "the affected clients were notified" },
	{ "at", 0, OPT_VALUE, "TIME", "when (ISO 8601, e.g. 2026-03-29T10:00:00Z)" },
	{ "channel", 0, OPT_VALUE, "HOW", "portal, post, phone, email or in-person" },
	{ "reference", 0, OPT_VALUE, "REF", "the authority's case or submission reference" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_incident_notified(struct cli *c)
{
	int64_t id;
	int r, ex;

	if ((ex = parse_id(c, &id)) != EXIT_OK)
		return ex;
	if (cli_flag(c, "authority") == cli_flag(c, "clients"))
		return cli_usage_error(c, "'incident notified' needs --authority or --clients (one of them)");
	if ((r = fort_incident_notified(c->vault, id, cli_flag(c, "authority") ? "authority" : "clients", cli_str(c, "at"),
					 cli_str(c, "channel"), cli_str(c, "reference"))) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();
		json_object_set_new(j, "incident", json_integer(id));
		json_object_set_new(j, "notified", json_string(cli_flag(c, "authority") ? "authority" : "clients"));
		json_object_set_new(j, "at", json_string(cli_str(c, "at")));
		return cli_print_json(c, j);
	}
	if (!c->quiet)
		printf("incident %lld: notification of the %s recorded (%s)\n", (long long)id,
		       cli_flag(c, "authority") ? "authority" : "clients", cli_str(c, "at"));
	return EXIT_OK;
}

static const struct cli_cmd incident_notified_def = {
	.name = "notified", .fn = cmd_incident_notified, .flags = NEEDS_UNLOCK,
	.summary = "record a notification made outside Fortress (authority portal, post, phone): its clock is met",
	.synopsis = "ID --authority|--clients --at TIME --channel portal|post|phone|email|in-person [--reference REF] [--json]",
	.opts = notified_opts, .min_args = 1, .max_args = 1, .args_name = "ID",
	.description =
		"Most supervisory authorities take breach notifications through their own web form.\n"
		"Record it here: the register keeps when, how, by whom and the reference (GDPR Art. 33(5)),\n"
		"and the clock it answers (breach-authority; breach-individuals for --clients) is met\n"
		"from then on, marked LATE when after its due time.  An e-mail that the mail server\n"
		"accepted ('incident notify') meets the clock by itself.\n",
};

/* ------------------------------------------------------------------ open */

static const struct cli_opt open_opts[] = {
	{ "kind", 0, OPT_VALUE, "K", "lost-device, stolen-credentials, misdirected-email, ransomware, processor, staff-access, other" },
	{ "occurred", 0, OPT_VALUE, "T", "when it happened (YYYY-MM-DDTHH:MM:SSZ, an offset, or a date; default: --aware)" },
	{ "aware", 0, OPT_VALUE, "T", "when the business became aware (default now): the clocks start here" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int show(struct cli *c, int64_t id, int64_t now);

static int cmd_incident_open(struct cli *c)
{
	int64_t id = 0;
	int r;

	if ((r = fort_incident_open(&id, c->vault, cli_pos(c, 0), cli_str(c, "kind"), cli_str(c, "occurred"), cli_str(c, "aware"))) < 0)
		return cli_fail(c, r, NULL);
	if (!c->json)
		cli_info(c, "incident %lld recorded: say what it touched with 'fortress incident scope %lld ...'", (long long)id, (long long)id);
	return show(c, id, 0);
}

/* ------------------------------------------------------------------- log */

static const struct cli_opt log_opts[] = {
	{ "at", 0, OPT_VALUE, "T", "timeline: when it happened (default now)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_incident_log(struct cli *c)
{
	int64_t id;
	int ex, r;

	if ((ex = parse_id(c, &id)) != EXIT_OK)
		return ex;
	if ((r = fort_incident_log(c->vault, id, cli_pos(c, 1), cli_pos(c, 2), cli_str(c, "at"))) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();
		json_object_set_new(j, "incident", json_integer(id));
		json_object_set_new(j, "logged", json_string(cli_pos(c, 1)));
		return cli_print_json(c, j);
	}
	cli_info(c, "%s recorded for incident %lld (stored encrypted)", cli_pos(c, 1), (long long)id);
	return EXIT_OK;
}

/* ---------------------------------------------------------------- assess */

static const struct cli_opt assess_opts[] = {
	{ "likelihood", 0, OPT_VALUE, "1-5", "how likely harm to the clients is (1 remote .. 5 almost certain)" },
	{ "severity", 0, OPT_VALUE, "1-5", "how bad it would be (1 minimal .. 5 severe)" },
	{ "encrypted", 0, OPT_VALUE, "yes|no", "was the affected data encrypted?" },
	{ "key-compromised", 0, OPT_VALUE, "yes|no", "was its key (or passphrase) compromised too?" },
	{ "hipaa", 0, OPT_VALUE, "yes|no", "protected health information (HIPAA clocks)" },
	{ "contact", 0, OPT_VALUE, "TEXT", "the DPO or contact point for the letters: name, e-mail, phone" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int yes_no(struct cli *c, const char *opt, int *out)
{
	const char *s = cli_str(c, opt);

	if (!s)
		return EXIT_OK;
	if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "1"))
		*out = 1;
	else if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "0"))
		*out = 0;
	else
		return cli_usage_error(c, "--%s is yes or no, not '%s'", opt, s);
	return EXIT_OK;
}

static int level(struct cli *c, const char *opt, int *out)
{
	const char *s = cli_str(c, opt);

	if (!s)
		return EXIT_OK;
	if (strlen(s) != 1 || s[0] < '1' || s[0] > '5')
		return cli_usage_error(c, "--%s is 1 to 5, not '%s'", opt, s);
	*out = s[0] - '0';
	return EXIT_OK;
}

static int cmd_incident_assess(struct cli *c)
{
	fort_incident_assessment a = FORT_INCIDENT_ASSESSMENT_INIT;
	int64_t id;
	int ex, r;

	if ((ex = parse_id(c, &id)) != EXIT_OK || (ex = level(c, "likelihood", &a.likelihood)) != EXIT_OK ||
	    (ex = level(c, "severity", &a.severity)) != EXIT_OK || (ex = yes_no(c, "encrypted", &a.encrypted)) != EXIT_OK ||
	    (ex = yes_no(c, "key-compromised", &a.key_compromised)) != EXIT_OK || (ex = yes_no(c, "hipaa", &a.hipaa)) != EXIT_OK)
		return ex;
	a.contact = cli_str(c, "contact");
	if ((r = fort_incident_assess(c->vault, id, &a)) < 0)
		return cli_fail(c, r, NULL);
	return show(c, id, 0);
}

/* ---------------------------------------------------------------- decide */

static const struct cli_opt decide_opts[] = {
	{ "reasons", 0, OPT_VALUE, "TEXT", "why (required; kept encrypted in the register)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_incident_decide(struct cli *c)
{
	int64_t id;
	int ex, r;

	if ((ex = parse_id(c, &id)) != EXIT_OK)
		return ex;
	if ((r = fort_incident_decide(c->vault, id, cli_pos(c, 1), cli_str(c, "reasons"))) < 0)
		return cli_fail(c, r, NULL);
	return show(c, id, 0);
}

/* ----------------------------------------------------------------- close */

static int cmd_incident_close(struct cli *c)
{
	int64_t id;
	int ex, r;

	if ((ex = parse_id(c, &id)) != EXIT_OK)
		return ex;
	if ((r = fort_incident_close(c->vault, id)) < 0)
		return cli_fail(c, r, NULL);
	if (!c->json)
		cli_info(c, "incident %lld closed; 'fortress incident review %lld' records what was learnt", (long long)id, (long long)id);
	return show(c, id, 0);
}

/* ----------------------------------------------------------------- scope */

static const struct cli_opt scope_opts[] = {
	{ "user", 0, OPT_VALUE, "NAME", "everything NAME revealed or exported in --from..--to" },
	{ "from", 0, OPT_VALUE, "T", "start of the window (with --user)" },
	{ "to", 0, OPT_VALUE, "T", "end of the window (with --user)" },
	{ "export", 0, OPT_VALUE, "FILE", "an export file (found by its SHA-256, else by its path)" },
	{ "backup", 0, OPT_VALUE, "FILE", "a backup file (found by its SHA-256, else by its path)" },
	{ "device", 0, OPT_VALUE, "NAME", "every export and backup written on host NAME" },
	{ "category", 0, OPT_VALUE, "C", "every client holding data of category C (the vault file itself)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_incident_scope(struct cli *c)
{
	fort_incident_scope s = FORT_INCIDENT_SCOPE_INIT;
	int64_t id;
	int ex, r;

	if ((ex = parse_id(c, &id)) != EXIT_OK)
		return ex;
	s.user = cli_str(c, "user");
	s.from = cli_str(c, "from");
	s.to = cli_str(c, "to");
	s.export_file = cli_str(c, "export");
	s.backup_file = cli_str(c, "backup");
	s.device = cli_str(c, "device");
	s.category = cli_str(c, "category");
	if (!s.user && !s.export_file && !s.backup_file && !s.device && !s.category)
		return cli_usage_error(c, "say what the incident touched: --user NAME --from T --to T, --export FILE, --backup FILE, "
				       "--device NAME or --category C");
	if ((r = fort_incident_scope_add(c->vault, id, &s)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();
		json_object_set_new(j, "incident", json_integer(id));
		json_object_set_new(j, "scope_added", json_true());
		return cli_print_json(c, j);
	}
	cli_info(c, "scope added to incident %lld: 'fortress incident impact %lld' lists the affected clients", (long long)id, (long long)id);
	return EXIT_OK;
}

/* ---------------------------------------------------------------- impact */

static const char *const cat_names[] = { "identity", "contact", "financial", "special", "notes" };

static int cmd_incident_impact(struct cli *c)
{
	fort_impact *im = NULL;
	int64_t id;
	int ex, r;

	if ((ex = parse_id(c, &id)) != EXIT_OK)
		return ex;
	if ((r = fort_incident_impact(&im, c->vault, id)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = shape_impact(id, im);
		fort_impact_free(im);
		return cli_print_json(c, j);
	}
	printf("%sincident %lld%s: %zu client(s) affected (%zu reveal(s), %zu export(s), %zu backup(s) in scope)\n", cli_bold(c), (long long)id,
	       cli_reset(c), im->nclients, im->reveals, im->exports, im->backups);
	printf("  categories:   ");
	for (size_t i = 0, first = 1; i < 5; i++)
		if (im->per_category[i]) {
			printf("%s%s %zu", first ? "" : ", ", cat_names[i], im->per_category[i]);
			first = 0;
		}
	printf("\n  jurisdictions: ");
	for (size_t i = 0; i < im->njurisdictions; i++)
		printf("%s%s %zu", i ? ", " : "", im->jurisdictions[i].code, im->jurisdictions[i].clients);
	printf("\n  encryption:   %s\n", im->protection);
	if (im->nclients)
		printf("%s%-18s %-10s %-28s %s%s\n", cli_bold(c), "CLIENT", "JUR", "CATEGORIES", "FIELDS", cli_reset(c));
	for (size_t i = 0; i < im->nclients; i++)
		printf("%-18s %-10s %-28s %s\n", im->clients[i].id, im->clients[i].jurisdiction, im->clients[i].categories,
		       im->clients[i].fields);
	fort_impact_free(im);
	return EXIT_OK;
}

/* ------------------------------------------------------------ show, list */

static const struct cli_opt show_opts[] = {
	{ "as-of", 0, OPT_VALUE, "T", "decide what is overdue as of T (default now)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int show(struct cli *c, int64_t id, int64_t now)
{
	fort_incident_info in;
	fort_incident_note *notes = NULL;
	fort_incident_clock *k = NULL;
	size_t nn = 0, nk = 0;
	int r;

	if ((r = fort_incident_get(&in, c->vault, id)) < 0 || (r = fort_incident_clocks(&k, &nk, c->vault, id, now)) < 0 ||
	    (r = fort_incident_notes(&notes, &nn, c->vault, id)) < 0) {
		free(k);
		return cli_fail(c, r, NULL);
	}
	if (c->json) {
		json_t *j = shape_incident_full(&in, k, nk, notes, nn);

		free(k);
		fort_incident_notes_free(notes, nn);
		return cli_print_json(c, j);
	}
	printf("%sincident %lld%s  %s (%s) - %s\n", cli_bold(c), (long long)in.id, cli_reset(c), in.title, in.kind, in.state);
	printf("  occurred:  %s\n  aware:     %s\n", in.occurred, in.aware);
	if (in.risk)
		printf("  risk:      %d (likelihood %d x severity %d)\n", in.risk, in.likelihood, in.severity);
	else
		printf("  risk:      not assessed ('fortress incident assess %lld --likelihood N --severity N')\n", (long long)id);
	printf("  encrypted: %s; key compromised: %s%s\n", tri(in.encrypted), tri(in.key_compromised), in.hipaa ? "; HIPAA" : "");
	printf("  contact:   %s\n", in.contact[0] ? in.contact : "-");
	if (in.decision[0])
		printf("  decision:  %s by %s on %s\n", in.decision, in.decided_by, in.decided_at);
	else
		printf("  decision:  none yet\n");
	if (in.closed[0])
		printf("  closed:    %s\n", in.closed);
	if (nk) {
		printf("%sdeadlines%s (overdue first; local time, UTC in brackets)\n", cli_bold(c), cli_reset(c));
		for (size_t i = 0; i < nk; i++)
			print_clock(&k[i]);
	}
	if (nn) {
		printf("%snotes%s\n", cli_bold(c), cli_reset(c));
		for (size_t i = 0; i < nn; i++)
			printf("  %-13s %s  %s\n", notes[i].kind, notes[i].at, notes[i].text);
	}
	free(k);
	fort_incident_notes_free(notes, nn);
	return EXIT_OK;
}

static int cmd_incident_show(struct cli *c)
{
	int64_t id, now;
	int ex;

	if ((ex = parse_id(c, &id)) != EXIT_OK || (ex = as_of(c, &now)) != EXIT_OK)
		return ex;
	return show(c, id, now);
}

static int cmd_incident_list(struct cli *c)
{
	fort_incident_info *a = NULL;
	size_t n = 0;
	int r;

	if ((r = fort_incident_list(&a, &n, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, shape_incident(&a[i]));
		free(a);
		return cli_print_json(c, arr);
	}
	printf("%s%5s  %-7s %-20s %-19s %-10s %s%s\n", cli_bold(c), "ID", "STATE", "AWARE", "KIND", "DECISION", "TITLE", cli_reset(c));
	for (size_t i = 0; i < n; i++)
		printf("%5lld  %-7s %-20s %-19s %-10s %s\n", (long long)a[i].id, a[i].state, a[i].aware, a[i].kind,
		       a[i].decision[0] ? a[i].decision : "-", a[i].title);
	free(a);
	return EXIT_OK;
}

/* --------------------------------------------------------------- letters */

static const struct cli_opt letters_opts[] = {
	{ "out", 'o', OPT_VALUE, "DIR", "the folder to write the letters to (created 0700)" },
	{ "format", 0, OPT_VALUE, "LIST", "text,html,pdf (default text,html)" },
	{ "phase", 0, OPT_VALUE, "P", "initial (default) or follow-up (Art. 33(4))" },
	{ "case-ref", 0, OPT_VALUE, "REF", "the authority's case reference (follow-up)" },
	{ "reasons-for-delay", 0, OPT_VALUE, "TEXT", "required once 72 hours have passed since awareness" },
	{ "authority-only", 0, OPT_FLAG, NULL, "only the notification to the supervisory authority" },
	{ "clients-only", 0, OPT_FLAG, NULL, "only the letters to the clients" },
	{ "as-of", 0, OPT_VALUE, "T", "the time of sending (default now; decides whether 72 hours have passed)" },
	{ "offer-provider", 0, OPT_VALUE, "NAME", "who provides the credit monitoring some US states require (CT, DE, MA, CA, PA)" },
	{ "offer-enrol", 0, OPT_VALUE, "URL-OR-PHONE", "how a client enrols in the offered service" },
	{ "offer-code", 0, OPT_VALUE, "CODE", "the activation code for the offered service" },
	{ "offer-until", 0, OPT_VALUE, "DATE", "the last day to enrol (YYYY-MM-DD)" },
	{ "offer-months", 0, OPT_VALUE, "N", "months offered (default: each state's minimum)" },
	{ "language", 0, OPT_VALUE, "LANG", "the clients' letters in LANG (en de fr es it nl) instead of each client's own" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

/* The offer of credit monitoring (--offer-*): 0, or the exit code of a bad --offer-months. */
static int offer_opts(struct cli *c, fort_letter_opts *o)
{
	const char *m = cli_str(c, "offer-months");
	o->offer_provider = cli_str(c, "offer-provider");
	o->offer_enrol = cli_str(c, "offer-enrol");
	o->offer_code = cli_str(c, "offer-code");
	o->offer_until = cli_str(c, "offer-until");
	o->language = cli_str(c, "language");
	if (m) {
		char *end = NULL;
		long n = strtol(m, &end, 10);
		if (!*m || *end || n < 1 || n > 120)
			return cli_usage_error(c, "--offer-months is a number of months from 1 to 120");
		o->offer_months = (int)n;
	}
	return EXIT_OK;
}

static int cmd_incident_letters(struct cli *c)
{
	fort_letter_opts o = FORT_LETTER_OPTS_INIT;
	size_t n = 0;
	int64_t id;
	int ex, r;

	if ((ex = parse_id(c, &id)) != EXIT_OK || (ex = as_of(c, &o.now)) != EXIT_OK)
		return ex;
	if (!cli_str(c, "out"))
		return cli_usage_error(c, "give the folder for the letters: --out DIR");
	o.phase = cli_str(c, "phase");
	o.case_ref = cli_str(c, "case-ref");
	o.reasons_for_delay = cli_str(c, "reasons-for-delay");
	o.authority_only = cli_flag(c, "authority-only");
	o.clients_only = cli_flag(c, "clients-only");
	if ((ex = offer_opts(c, &o)) != EXIT_OK)
		return ex;
	if ((r = fort_incident_letters_write(&n, c->vault, id, &o, cli_str(c, "out"), cli_str(c, "format"))) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();
		json_object_set_new(j, "incident", json_integer(id));
		json_object_set_new(j, "letters", json_integer((json_int_t)n));
		json_object_set_new(j, "folder", json_string(cli_str(c, "out")));
		return cli_print_json(c, j);
	}
	printf("%zu letter(s) written to %s\n", n, cli_str(c, "out"));
	cli_info(c, "authority.*: the notification to the supervisory authority; c-*.*: one letter per affected client");
	return EXIT_OK;
}

/* ---------------------------------------------------------------- review */

static const struct cli_opt review_opts[] = {
	{ "what", 0, OPT_VALUE, "TEXT", "what happened" },
	{ "root-cause", 0, OPT_VALUE, "TEXT", "why it happened" },
	{ "worked", 0, OPT_VALUE, "TEXT", "what worked in the response" },
	{ "failed", 0, OPT_VALUE, "TEXT", "what did not" },
	{ "action", 0, OPT_MULTI, "TEXT", "a follow-up action (with --owner and --due; repeatable)" },
	{ "owner", 0, OPT_VALUE, "NAME", "who owns the actions" },
	{ "due", 0, OPT_VALUE, "DATE", "when the actions are due (YYYY-MM-DD)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_incident_review(struct cli *c)
{
	fort_incident_review_spec s = FORT_INCIDENT_REVIEW_INIT;
	const char *const *acts = NULL;
	size_t na = cli_multi(c, "action", &acts);
	int64_t id;
	int ex, r;

	if ((ex = parse_id(c, &id)) != EXIT_OK)
		return ex;
	if (na && (!cli_str(c, "owner") || !cli_str(c, "due")))
		return cli_usage_error(c, "actions need --owner NAME and --due YYYY-MM-DD");
	s.what = cli_str(c, "what");
	s.root_cause = cli_str(c, "root-cause");
	s.worked = cli_str(c, "worked");
	s.failed = cli_str(c, "failed");
	if ((s.what || s.root_cause || s.worked || s.failed || !na) && (r = fort_incident_review(c->vault, id, &s)) < 0)
		return cli_fail(c, r, NULL);
	for (size_t i = 0; i < na; i++) {
		int64_t aid = 0;
		if ((r = fort_action_add(&aid, c->vault, id, acts[i], cli_str(c, "owner"), cli_str(c, "due"))) < 0)
			return cli_fail(c, r, NULL);
		if (!c->json)
			cli_info(c, "action %lld: %s (%s, due %s)", (long long)aid, acts[i], cli_str(c, "owner"), cli_str(c, "due"));
	}
	if (c->json) {
		json_t *j = json_object();
		json_object_set_new(j, "incident", json_integer(id));
		json_object_set_new(j, "actions_added", json_integer((json_int_t)na));
		return cli_print_json(c, j);
	}
	cli_info(c, "review recorded for incident %lld; 'fortress actions list' tracks the actions", (long long)id);
	return EXIT_OK;
}

/* ----------------------------------------------------------------- table */

static const struct cli_cmd incident_open_def = {
	.name = "open", .fn = cmd_incident_open, .flags = NEEDS_UNLOCK,
	.summary = "record an incident (every one, notified or not: Art. 33(5))",
	.synopsis = "TITLE [--kind K] [--occurred T] [--aware T] [--json]",
	.opts = open_opts, .min_args = 1, .max_args = 1, .args_name = "TITLE",
	.description =
		"The clocks start at --aware, the moment the business became reasonably certain\n"
		"that a breach occurred (default now).  Awareness before the occurrence is refused.\n"
		"Times are UTC (YYYY-MM-DDTHH:MM:SSZ) or carry an offset (+01:00).  Keep client\n"
		"data out of the title: it shows in 'fortress status'.\n",
};

static const struct cli_cmd incident_log_def = {
	.name = "log", .fn = cmd_incident_log, .flags = NEEDS_UNLOCK,
	.summary = "add a note: timeline, fact, effect, remedy or consequence (stored encrypted)",
	.synopsis = "ID timeline|fact|effect|remedy|consequence TEXT [--at T] [--json]",
	.opts = log_opts, .min_args = 3, .max_args = 3, .args_name = "ID KIND TEXT",
};

static const struct cli_cmd incident_assess_def = {
	.name = "assess", .fn = cmd_incident_assess, .flags = NEEDS_UNLOCK,
	.summary = "the risk assessment: likelihood x severity, encrypted?, key compromised?, contact point",
	.synopsis = "ID [--likelihood 1-5] [--severity 1-5] [--encrypted yes|no] [--key-compromised yes|no] [--hipaa yes|no] "
		    "[--contact TEXT] [--json]",
	.opts = assess_opts, .min_args = 1, .max_args = 1, .args_name = "ID",
};

static const struct cli_cmd incident_decide_def = {
	.name = "decide", .fn = cmd_incident_decide, .flags = NEEDS_UNLOCK,
	.summary = "the decision to notify or not, with reasons (recorded with who decided)",
	.synopsis = "ID notify|no-notify --reasons TEXT [--json]",
	.opts = decide_opts, .min_args = 2, .max_args = 2, .args_name = "ID DECISION",
};

static const struct cli_cmd incident_close_def = {
	.name = "close", .fn = cmd_incident_close, .flags = NEEDS_UNLOCK,
	.summary = "close an incident (refused without facts, effects, remedial actions and a decision)",
	.synopsis = "ID [--json]", .min_args = 1, .max_args = 1, .args_name = "ID",
};

static const struct cli_cmd incident_scope_def = {
	.name = "scope", .fn = cmd_incident_scope, .flags = NEEDS_UNLOCK,
	.summary = "what the incident touched: a user and window, an export or backup file, a device, a category",
	.synopsis = "ID (--user NAME --from T --to T | --export FILE | --backup FILE | --device NAME | --category C) [--json]",
	.opts = scope_opts, .min_args = 1, .max_args = 1, .args_name = "ID",
	.description =
		"Every export and backup is recorded with the clients in it, the host it was\n"
		"written on and the SHA-256 of the file; a file is found by its contents when it\n"
		"is still there, else by the path it was written to.  An unknown user, file or\n"
		"device is an error and adds nothing.\n",
};

static const struct cli_cmd incident_impact_def = {
	.name = "impact", .fn = cmd_incident_impact, .flags = NEEDS_UNLOCK,
	.summary = "affected clients, categories and jurisdictions, and whether encryption protected them",
	.synopsis = "ID [--json]", .min_args = 1, .max_args = 1, .args_name = "ID",
	.description =
		"A client's jurisdiction comes from the map's 'country' field (and 'state' for\n"
		"the US) when there is one, else from the vault's country: EEA countries are EU,\n"
		"GB is UK, US clients are US-<state>.\n",
};

static const struct cli_cmd incident_show_def = {
	.name = "show", .fn = cmd_incident_show, .flags = NEEDS_UNLOCK,
	.summary = "one incident: assessment, decision, deadlines (overdue first, local time), notes",
	.synopsis = "ID [--as-of T] [--json]", .opts = show_opts, .min_args = 1, .max_args = 1, .args_name = "ID",
};

static const struct cli_cmd incident_list_def = {
	.name = "list", .fn = cmd_incident_list, .flags = NEEDS_UNLOCK,
	.summary = "the breach register: every incident, open ones first",
	.synopsis = "[--json]", .min_args = 0, .max_args = 0,
};

static const struct cli_cmd incident_letters_def = {
	.name = "letters", .fn = cmd_incident_letters, .flags = NEEDS_UNLOCK,
	.summary = "write the authority notification and a letter per affected client (text, HTML, PDF)",
	.synopsis = "ID --out DIR [--format text,html,pdf] [--phase initial|follow-up] [--case-ref REF] "
		    "[--reasons-for-delay TEXT] [--authority-only | --clients-only] [--as-of T] [--json]",
	.opts = letters_opts, .min_args = 1, .max_args = 1, .args_name = "ID",
	.description =
		"The authority notification carries every GDPR Art. 33(3) element; after 72 hours\n"
		"it needs --reasons-for-delay.  The authority comes from\n"
		"data/supervisory_authorities.csv for the vault's country.  Each client letter\n"
		"carries every Art. 34(2) element in plain language and what the client can do.\n"
		"Names and e-mail addresses are decrypted for this purpose only (audited,\n"
		"purpose 'breach-notice').  Files are authority.md|html|pdf and CLIENT.md|html|pdf.\n"
		"Some US states require an offer of credit monitoring or identity theft services\n"
		"when the breach exposed a Social Security number (CT 24 months, MA and DC 18, DE,\n"
		"CA and PA 12; CA and PA also a licence number, PA a bank account): give it with\n"
		"--offer-provider and --offer-enrol,\n"
		"or the letters are refused, naming the client, the state and the statute.\n",
};

/* ---------------------------------------------------------------- notify */

static const struct cli_opt notify_opts[] = {
	{ "dry-run", 'n', OPT_FLAG, NULL, "render every letter and say what would be queued; queue and send nothing" },
	{ "no-send", 0, OPT_FLAG, NULL, "queue the letters only ('fortress mail send' sends them)" },
	{ "phase", 0, OPT_VALUE, "P", "initial (default) or follow-up (Art. 33(4))" },
	{ "case-ref", 0, OPT_VALUE, "REF", "the authority's case reference (follow-up)" },
	{ "reasons-for-delay", 0, OPT_VALUE, "TEXT", "required once 72 hours have passed since awareness" },
	{ "authority-only", 0, OPT_FLAG, NULL, "only the notification to the supervisory authority" },
	{ "clients-only", 0, OPT_FLAG, NULL, "only the letters to the clients" },
	{ "as-of", 0, OPT_VALUE, "T", "the time of sending (default now; decides whether 72 hours have passed)" },
	{ "timeout", 0, OPT_VALUE, "SECONDS", "per message (default 30)" },
	{ "offer-provider", 0, OPT_VALUE, "NAME", "who provides the credit monitoring some US states require (CT, DE, MA, CA, PA)" },
	{ "offer-enrol", 0, OPT_VALUE, "URL-OR-PHONE", "how a client enrols in the offered service" },
	{ "offer-code", 0, OPT_VALUE, "CODE", "the activation code for the offered service" },
	{ "offer-until", 0, OPT_VALUE, "DATE", "the last day to enrol (YYYY-MM-DD)" },
	{ "offer-months", 0, OPT_VALUE, "N", "months offered (default: each state's minimum)" },
	{ "language", 0, OPT_VALUE, "LANG", "the clients' letters in LANG (en de fr es it nl) instead of each client's own" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static void notify_cb(void *ctx, const fort_incident_notify_item *it)
{
	struct cli *c = ctx;
	if (c->json || c->quiet)
		return;
	const char *who = strcmp(it->kind, "client") == 0 ? it->client : it->kind;
	if (strcmp(it->state, "no-address") == 0)
		printf("no e-mail address for %s: send the letter on paper ('fortress incident letters')\n", who);
	else if (strcmp(it->state, "already") == 0)
		printf("already in the outbox: %s\n", it->ref);
	else
		printf("%s %s to %s: \"%s\"\n", strcmp(it->state, "queued") == 0 ? "queued" : "would queue", who, it->to,
		       it->subject);
}

static int cmd_incident_notify(struct cli *c)
{
	fort_letter_opts o = FORT_LETTER_OPTS_INIT;
	fort_incident_notify_report rep;
	fort_mail_send_opts so = FORT_MAIL_SEND_OPTS_INIT;
	char prefix[64];
	int64_t id;
	int ex, r, dry = cli_flag(c, "dry-run");

	if ((ex = parse_id(c, &id)) != EXIT_OK || (ex = as_of(c, &o.now)) != EXIT_OK)
		return ex;
	o.phase = cli_str(c, "phase");
	o.case_ref = cli_str(c, "case-ref");
	o.reasons_for_delay = cli_str(c, "reasons-for-delay");
	o.authority_only = cli_flag(c, "authority-only");
	o.clients_only = cli_flag(c, "clients-only");
	if ((ex = offer_opts(c, &o)) != EXIT_OK)
		return ex;
	if ((r = fort_incident_notify(&rep, c->vault, id, &o, dry, notify_cb, c)) < 0)
		return cli_fail(c, r, NULL);
	if (!c->json && !c->quiet)
		printf("%zu letter(s) %s, %zu already in the outbox, %zu without an e-mail address\n", rep.queued,
		       dry ? "would be queued" : "queued", rep.already, rep.no_address);
	if (dry || cli_flag(c, "no-send")) {
		if (c->json) {
			return cli_print_json(c, shape_notify_report(id, &rep, dry));
		}
		return EXIT_OK;
	}
	snprintf(prefix, sizeof prefix, "incident:%lld:", (long long)id);
	so.ref_prefix = prefix;
	if (cli_str(c, "timeout"))
		so.timeout_seconds = strtol(cli_str(c, "timeout"), NULL, 10);
	return cli_mail_send(c, &so);
}

static const struct cli_cmd incident_notify_def = {
	.name = "notify", .fn = cmd_incident_notify, .flags = NEEDS_UNLOCK,
	.summary = "send the letters by e-mail: queue each in the outbox once, then send (SMTP)",
	.synopsis = "ID [--dry-run] [--no-send] [--phase initial|follow-up] [--case-ref REF] [--reasons-for-delay TEXT] "
		    "[--authority-only | --clients-only] [--as-of T] [--timeout S] [--json]",
	.opts = notify_opts, .min_args = 1, .max_args = 1, .args_name = "ID",
	.description =
		"The same letters as 'incident letters', sent through the vault's e-mail settings\n"
		"('fortress mail set').  Each letter with an e-mail address is queued in the outbox\n"
		"once (ref incident:ID:PHASE:authority or incident:ID:PHASE:client:CLIENT): running\n"
		"it again queues only what is missing and retries what was not sent.  A message is\n"
		"marked sent only when the server accepted it; 'fortress mail list --ref incident:ID:'\n"
		"shows every letter with its time and result.  Letters without an address are\n"
		"listed: print them with 'incident letters' and send them on paper.\n"
		"Exit status: 0 every letter sent, 1 some stay queued (server down or refusing).\n",
};

static const struct cli_cmd incident_review_def = {
	.name = "review", .fn = cmd_incident_review, .flags = NEEDS_UNLOCK,
	.summary = "learn from it: what happened, root cause, what worked, what did not, actions",
	.synopsis = "ID [--what TEXT] [--root-cause TEXT] [--worked TEXT] [--failed TEXT] "
		    "[--action TEXT... --owner NAME --due DATE] [--json]",
	.opts = review_opts, .min_args = 1, .max_args = 1, .args_name = "ID",
};

static const struct cli_cmd *const incident_subs[] = {
	&incident_open_def, &incident_log_def, &incident_assess_def, &incident_decide_def, &incident_scope_def,
	&incident_impact_def, &incident_show_def, &incident_list_def, &incident_letters_def, &incident_notify_def, &incident_notified_def,
	&incident_review_def,
	&incident_close_def, NULL
};

const struct cli_cmd cmd_incident_def = {
	.name = "incident", .fn = NULL, .flags = 0,
	.summary = "the breach register: impact, deadlines, notification letters, reviews",
	.subs = incident_subs,
};
