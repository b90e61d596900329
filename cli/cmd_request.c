/* cmd_request.c - `fortress request open|verify|pause|resume|start|extend|answer|refuse|list|show`:
 * clients' requests (access, rectification, erasure, restriction, objection,
 * portability) with their legal clocks. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "cli.h"
#include "front/shapes.h"

static int parse_id(struct cli *c, int64_t *id)
{
	const char *s = cli_pos(c, 0);
	char *end;
	long long x = strtoll(s, &end, 10);

	if (!*s || *end || x <= 0)
		return cli_usage_error(c, "'%s' is not a request number ('fortress request list' shows them)", s);
	*id = x;
	return EXIT_OK;
}

static void print_info(struct cli *c, const fort_request_info *r)
{
	printf("%srequest %lld%s  %s for %s (%s, calendar %s)\n", cli_bold(c), (long long)r->id, cli_reset(c), r->kind, r->client,
	       r->jurisdiction, r->region);
	printf("  state:     %s%s%s\n", r->state, r->closed[0] ? " on " : "", r->closed);
	printf("  received:  %s\n", r->received);
	if (r->channel[0])
		printf("  channel:   %s\n", r->channel);
	if (r->id_result[0])
		printf("  identity:  %s (%s)\n", r->id_result, r->id_method);
	if (r->pending[0])
		printf("  pending:   %s ('fortress request verify %lld --method M' records it)\n", r->pending, (long long)r->id);
	if (r->due[0]) {
		printf("  due:       %s%s", r->due, r->closed[0] ? "\n" : "");
		if (!r->closed[0])
			printf("  (%s)\n", r->overdue ? "OVERDUE" : "open");
		if (!r->closed[0] && !r->overdue)
			printf("  days left: %d\n", r->days_left);
	} else {
		printf("  due:       -\n");
	}
	if (r->ack_due[0])
		printf("  acknowledge by: %s\n", r->ack_due);
	if (r->max_due[0] && !r->extended)
		printf("  extension: possible to %s; tell the client by %s\n", r->max_due, r->extension_notice_due[0] ? r->extension_notice_due : "-");
	if (r->paused_days)
		printf("  paused:    %d day(s)\n", r->paused_days);
	printf("  rule:      %s\n", r->rule);
	if (r->source[0])
		printf("  source:    %s\n", r->source);
}

static const struct cli_opt open_opts[] = {
	{ "received", 0, OPT_VALUE, "DATE", "when the request arrived (YYYY-MM-DD; required)" },
	{ "jurisdiction", 0, OPT_VALUE, "J", "EU (default), UK or CA: whose rules and clocks apply" },
	{ "region", 0, OPT_VALUE, "R", "holiday calendar (DE, FR, GB-ENG, GB-SCT, US...); default from the jurisdiction and vault" },
	{ "verify-id", 0, OPT_FLAG, NULL, "the identity must be verified first (UK: the clock starts then)" },
	{ "channel", 0, OPT_VALUE, "C", "how it arrived: web, email, letter, phone, in-person or intake" },
	{ "note-file", 0, OPT_VALUE, "FILE", "the client's own words (rectification: what is wrong, what it should be); - for stdin" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int open_check(struct cli *c)
{
	if (!cli_str(c, "received"))
		return cli_usage_error(c, "'request open' needs --received DATE (YYYY-MM-DD)");
	return EXIT_OK;
}

static int show_one(struct cli *c, int64_t id)
{
	fort_request_info info;
	char *note = NULL;
	int r, may = fort_vault_can(c->vault, "reveal", NULL);

	if ((r = fort_request_get(&info, c->vault, id, cli_str(c, "as-of"))) < 0)
		return cli_fail(c, r, NULL);
	/* the client's note: personal data, shown to those who may reveal (audited) */
	if (info.has_note && may && (r = fort_request_note(&note, c->vault, id)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = shape_request(&info);
		if (info.has_note)
			json_object_set_new(j, "note", note ? json_string(note) : json_null());
		if (note) {
			sodium_memzero(note, strlen(note));
			free(note);
		}
		return cli_print_json(c, j);
	}
	print_info(c, &info);
	if (info.has_note) {
		if (note)
			printf("  note:      %s\n", note);
		else
			printf("  note:      held (showing it needs the 'reveal' action)\n");
	}
	if (note) {
		sodium_memzero(note, strlen(note));
		free(note);
	}
	return EXIT_OK;
}

static int cmd_request_open(struct cli *c)
{
	fort_request_opts o = FORT_REQUEST_OPTS_INIT;
	int64_t id = 0;
	int r;

	o.jurisdiction = cli_str(c, "jurisdiction");
	o.region = cli_str(c, "region");
	o.needs_id = cli_flag(c, "verify-id");
	o.channel = cli_str(c, "channel");
	if (cli_str(c, "note-file")) {
		char *note = NULL;
		size_t n = 0;
		int ex;

		/* the client's words are personal data: from a file or stdin, never argv */
		if ((ex = cli_read_file(c, cli_str(c, "note-file"), &note, &n, FORT_REQUEST_NOTE_MAX + 2)) != EXIT_OK)
			return ex;
		while (n && (note[n - 1] == '\n' || note[n - 1] == '\r'))
			note[--n] = '\0';
		o.note = note;
		r = fort_request_open(&id, c->vault, cli_pos(c, 0), cli_pos(c, 1), cli_str(c, "received"), &o);
		sodium_memzero(note, n);
		free(note);
	} else {
		r = fort_request_open(&id, c->vault, cli_pos(c, 0), cli_pos(c, 1), cli_str(c, "received"), &o);
	}
	if (r < 0)
		return cli_fail(c, r, r == FORT_ENOTFOUND && strstr(fort_error_message(), "jurisdiction") ? "'fortress deadline --list' shows the jurisdictions with rules" : NULL);
	return show_one(c, id);
}

static const struct cli_opt verify_opts[] = {
	{ "method", 0, OPT_VALUE, "M", "how the identity was checked (id-card, email-confirmation, known-contact...)" },
	{ "failed", 0, OPT_FLAG, NULL, "the check failed" },
	{ "date", 0, OPT_VALUE, "DATE", "when (default today)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_request_verify(struct cli *c)
{
	int64_t id;
	int ex, r;

	if ((ex = parse_id(c, &id)) != EXIT_OK)
		return ex;
	if (!cli_str(c, "method"))
		return cli_usage_error(c, "say how the identity was checked: --method M");
	if ((r = fort_request_verify_id(c->vault, id, cli_str(c, "method"), !cli_flag(c, "failed"), cli_str(c, "date"))) < 0)
		return cli_fail(c, r, NULL);
	return show_one(c, id);
}

static const struct cli_opt step_opts[] = {
	{ "date", 0, OPT_VALUE, "DATE", "when (default today)" },
	{ "note", 0, OPT_VALUE, "TEXT", "a note for the request's history" },
	{ "reason", 0, OPT_VALUE, "TEXT", "extend/refuse: the reasons (they go to the client)" },
	{ "letter", 0, OPT_VALUE, "FILE", "refuse: write the refusal letter to FILE (else printed)" },
	{ "pdf", 0, OPT_VALUE, "FILE", "refuse: also write the refusal letter as a PDF to FILE" },
	{ "force", 0, OPT_FLAG, NULL, "replace the --letter/--pdf FILE if it exists (never through a symbolic link)" },
	{ "notices", 0, OPT_VALUE, "FILE", "answer a rectification: the notices to recipients (Art. 19), FILE and its .pdf" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int step(struct cli *c, const char *action)
{
	char *letter = NULL;
	const char *note = cli_str(c, "reason") ? cli_str(c, "reason") : cli_str(c, "note");
	int64_t id;
	int ex, r;

	if ((ex = parse_id(c, &id)) != EXIT_OK)
		return ex;
	if (strcmp(action, "answer") == 0) {
		fort_request_info info;

		if ((r = fort_request_get(&info, c->vault, id, NULL)) < 0)
			return cli_fail(c, r, NULL);
		if (strcmp(info.kind, "rectification") == 0) {
			/* the recipients of the corrected data are told (Art. 19) */
			size_t told = 0;

			if ((r = fort_request_rectified(&told, c->vault, id, cli_str(c, "notices"), cli_str(c, "date"), note)) < 0)
				return cli_fail(c, r, NULL);
			if (!c->json && told)
				cli_info(c, "%zu recipient(s) to tell (GDPR Art. 19): %s (and its .pdf)", told, cli_str(c, "notices"));
			return show_one(c, id);
		}
	}
	if (cli_str(c, "notices"))
		return cli_usage_error(c, "--notices is for answering a rectification request");
	if ((r = fort_request_update(strcmp(action, "refuse") == 0 ? &letter : NULL, c->vault, id, action, cli_str(c, "date"), note)) < 0)
		return cli_fail(c, r, NULL);
	if (letter) {
		if (cli_str(c, "pdf")) {
			unsigned char *pdf = NULL;
			size_t plen = 0;

			if ((r = fort_letter_pdf(&pdf, &plen, letter, "Your request")) < 0) {
				free(letter);
				return cli_fail(c, r, NULL);
			}
			ex = cli_write_file(c, cli_str(c, "pdf"), pdf, plen, 0600, cli_flag(c, "force"));
			free(pdf);
			if (ex != EXIT_OK) {
				free(letter);
				return ex;
			}
		}
		if (cli_str(c, "letter"))
			ex = cli_write_file(c, cli_str(c, "letter"), letter, strlen(letter), 0600, cli_flag(c, "force"));
		else if (!c->json)
			printf("%s\n", letter);
		free(letter);
		if (ex != EXIT_OK)
			return ex;
		if (!c->json && cli_str(c, "letter"))
			cli_info(c, "refusal letter written to %s", cli_str(c, "letter"));
		if (!c->json && !cli_str(c, "letter"))
			return EXIT_OK;
	}
	return show_one(c, id);
}

static int cmd_request_pause(struct cli *c) { return step(c, "pause"); }
static int cmd_request_resume(struct cli *c) { return step(c, "resume"); }
static int cmd_request_start(struct cli *c) { return step(c, "start"); }
static int cmd_request_extend(struct cli *c) { return step(c, "extend"); }
static int cmd_request_answer(struct cli *c) { return step(c, "answer"); }
static int cmd_request_refuse(struct cli *c) { return step(c, "refuse"); }

static const struct cli_opt fulfil_opts[] = {
	{ "out", 'o', OPT_VALUE, "DIR", "access/portability: the folder to write (must not exist)" },
	{ "language", 0, OPT_VALUE, "LANG", "access/portability: the letter in LANG (en de fr es it nl) instead of the client's own" },
	{ "certificate", 0, OPT_VALUE, "FILE", "erasure: the erasure certificate to write (must not exist)" },
	{ "as-of", 0, OPT_VALUE, "DATE", "erasure: decide which legal holds have ended as of DATE (default today)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int fulfil_erasure(struct cli *c, int64_t id)
{
	fort_erasure_report rep;
	const char *cert = cli_str(c, "certificate");
	int r;

	if (!cert)
		return cli_usage_error(c, "an erasure request needs --certificate FILE (the signed erasure certificate)");
	if ((r = fort_request_erase(&rep, c->vault, id, cert, cli_str(c, "as-of"))) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "request", json_integer(id));
		json_object_set_new(j, "erased", json_integer((json_int_t)rep.erased));
		json_object_set_new(j, "kept", json_integer((json_int_t)rep.kept));
		json_object_set_new(j, "whole", json_boolean(rep.whole));
		json_object_set_new(j, "certificate", json_string(cert));
		json_object_set_new(j, "recipients_notified", json_integer((json_int_t)rep.recipients));
		return cli_print_json(c, j);
	}
	printf("request %lld answered: %s; %zu field(s) erased, %zu kept under a legal hold; certificate %s\n", (long long)id,
	       rep.whole ? "the client was crypto-shredded" : "held fields kept", rep.erased, rep.kept, cert);
	cli_info(c, "send the certificate to the client; 'fortress verify-certificate %s' checks it", cert);
	if (rep.recipients)
		cli_info(c, "%zu recipient(s) received the client's data: send them the notices in %s.recipients.md (Art. 19)",
			 rep.recipients, cert);
	return EXIT_OK;
}

static int cmd_request_fulfil(struct cli *c)
{
	fort_access_report rep;
	int64_t id;
	int ex, r;

	if ((ex = parse_id(c, &id)) != EXIT_OK)
		return ex;
	{
		fort_request_info info;

		if ((r = fort_request_get(&info, c->vault, id, NULL)) < 0)
			return cli_fail(c, r, NULL);
		if (strcmp(info.kind, "erasure") == 0)
			return fulfil_erasure(c, id);
	}
	if (!cli_str(c, "out"))
		return cli_usage_error(c, "give the folder for the package: --out DIR");
	if ((r = fort_request_fulfil_in(&rep, c->vault, id, cli_str(c, "out"), cli_str(c, "language"))) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "request", json_integer(id));
		json_object_set_new(j, "folder", json_string(cli_str(c, "out")));
		json_object_set_new(j, "fields", json_integer((json_int_t)rep.fields));
		json_object_set_new(j, "withheld", json_integer((json_int_t)rep.withheld));
		json_object_set_new(j, "history", json_integer((json_int_t)rep.history));
		return cli_print_json(c, j);
	}
	printf("request %lld answered: package in %s (%zu fields, %zu access-history entries)\n", (long long)id, cli_str(c, "out"),
	       rep.fields, rep.history);
	cli_info(c, "send letter.pdf (or letter.html) with data.json and data.csv to the client, over a safe channel");
	return EXIT_OK;
}

static const struct cli_opt list_opts[] = {
	{ "due", 0, OPT_FLAG, NULL, "open requests only, overdue first, then by due date" },
	{ "client", 0, OPT_VALUE, "ID", "one client's requests" },
	{ "as-of", 0, OPT_VALUE, "DATE", "decide what is overdue as of DATE (default today)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static const struct cli_opt show_opts[] = {
	{ "as-of", 0, OPT_VALUE, "DATE", "decide what is overdue as of DATE (default today)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_request_list(struct cli *c)
{
	fort_request_info *a = NULL;
	size_t n = 0;
	int r;

	if ((r = fort_request_list(&a, &n, c->vault, cli_str(c, "client"), cli_flag(c, "due"), cli_str(c, "as-of"))) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, shape_request(&a[i]));
		free(a);
		return cli_print_json(c, arr);
	}
	printf("%s%5s  %-13s %-18s %-4s %-22s %-10s %-10s %s%s\n", cli_bold(c), "ID", "KIND", "CLIENT", "JUR", "STATE", "RECEIVED",
	       "DUE", "", cli_reset(c));
	for (size_t i = 0; i < n; i++)
		printf("%5lld  %-13s %-18s %-4s %-22s %-10s %-10s %s\n", (long long)a[i].id, a[i].kind, a[i].client, a[i].jurisdiction,
		       a[i].state, a[i].received, a[i].due[0] ? a[i].due : "-",
		       a[i].closed[0] ? "" : a[i].overdue ? "OVERDUE" : "");
	free(a);
	return EXIT_OK;
}

static int cmd_request_show(struct cli *c)
{
	int64_t id;
	int ex;

	if ((ex = parse_id(c, &id)) != EXIT_OK)
		return ex;
	return show_one(c, id);
}

static const struct cli_opt policy_opts[] = {
	{ "second-step", 0, OPT_VALUE, "KINDS", "kinds that need a second identity step (comma-separated; none: no kind)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_request_policy(struct cli *c)
{
	fort_request_policy p;
	const char *set = cli_str(c, "second-step");
	int r;

	if (set && (r = fort_request_policy_set(c->vault, set)) < 0)
		return cli_fail(c, r, NULL);
	if ((r = fort_request_policy_get(&p, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *arr = json_array();
		const char *s = p.second_step;
		while (*s) {
			const char *e = strchr(s, ',');
			size_t n = e ? (size_t)(e - s) : strlen(s);
			json_array_append_new(arr, json_stringn(s, n));
			s += n + (e ? 1 : 0);
		}
		return cli_print_json(c, json_pack("{s:o}", "second_step", arr));
	}
	printf("second identity step: %s\n", p.second_step[0] ? p.second_step : "none");
	if (p.second_step[0])
		printf("  requests of these kinds made on the self-service page wait in awaiting_id until\n"
		       "  'fortress request verify ID --method M' records the check\n");
	return EXIT_OK;
}

#define STEP(nm, X, sum) \
	static const struct cli_cmd request_##X##_def = { \
		.name = nm, .fn = cmd_request_##X, .flags = NEEDS_UNLOCK, .summary = sum, \
		.synopsis = "ID [--date DATE] [--note TEXT | --reason TEXT] [--json]", .opts = step_opts, \
		.min_args = 1, .max_args = 1, .args_name = "ID", \
	}

STEP("pause", pause, "UK: the clock stops while you wait for the client's clarification");
STEP("resume", resume, "the clarification arrived: the clock runs again");
STEP("start", start, "mark the request as in progress");
STEP("extend", extend, "take the one extension allowed (--reason: told to the client)");
STEP("answer", answer, "the request was answered: close it");
STEP("refuse", refuse, "refuse the request (--reason); prints the refusal letter with the right to complain");

static const struct cli_cmd request_open_def = {
	.name = "open", .fn = cmd_request_open, .flags = NEEDS_UNLOCK,
	.summary = "record a client's request and its legal due date",
	.synopsis = "access|rectification|erasure|restriction|objection|portability CLIENT --received DATE "
		    "[--jurisdiction EU|UK|CA] [--region R] [--verify-id] [--channel C] [--note-file FILE] [--json]",
	.opts = open_opts, .min_args = 2, .max_args = 2, .args_name = "KIND CLIENT", .check = open_check,
	.description =
		"--channel records how the request arrived; --note-file the client's own words (a\n"
		"rectification: what is wrong and what it should be), read from FILE or stdin, never\n"
		"from the command line, and sealed under the vault key; 'request show' prints it to\n"
		"those who may reveal (audited).\n"
		"GDPR (EU): one month from receipt, weekends and public holidays roll to the next\n"
		"working day, one extension by two months (tell the client within the first).\n"
		"UK: the clock starts when the identity is verified (--verify-id) and stops\n"
		"while waiting for clarification.  CCPA (CA): acknowledge within 10 business\n"
		"days, answer within 45 days, one 45-day extension.  The rules are data\n"
		"(data/deadline_rules.csv, with sources): 'fortress deadline --list'.\n",
};

static const struct cli_cmd request_verify_def = {
	.name = "verify", .fn = cmd_request_verify, .flags = NEEDS_UNLOCK,
	.summary = "record the identity check (method, result)",
	.synopsis = "ID --method M [--failed] [--date DATE] [--json]",
	.opts = verify_opts, .min_args = 1, .max_args = 1, .args_name = "ID",
};

static const struct cli_cmd request_list_def = {
	.name = "list", .fn = cmd_request_list, .flags = NEEDS_UNLOCK,
	.summary = "list requests; --due: open ones, overdue first",
	.synopsis = "[--due] [--client ID] [--as-of DATE] [--json]",
	.opts = list_opts, .min_args = 0, .max_args = 0,
};

static const struct cli_cmd request_show_def = {
	.name = "show", .fn = cmd_request_show, .flags = NEEDS_UNLOCK,
	.summary = "one request: state, identity check, due dates, rule and source",
	.synopsis = "ID [--as-of DATE] [--json]",
	.opts = show_opts, .min_args = 1, .max_args = 1, .args_name = "ID",
};

static const struct cli_cmd request_fulfil_def = {
	.name = "fulfil", .fn = cmd_request_fulfil, .flags = NEEDS_UNLOCK,
	.summary = "answer an access or portability request: the client's data and the Art. 15 letter in a folder",
	.synopsis = "ID (--out DIR | --certificate FILE [--as-of DATE]) [--json]",
	.opts = fulfil_opts, .min_args = 1, .max_args = 1, .args_name = "ID",
	.description =
		"Writes DIR (mode 0700): data.json and data.csv (everything held about the client,\n"
		"UTF-8, ISO 8601), letter.md and letter.html (purposes and legal bases, categories,\n"
		"recipients, storage periods, rights, the supervisory authority, the source,\n"
		"automated decisions, transfers, and when and why the data was consulted, from\n"
		"the audit log) and manifest.json (every file's SHA-256, every field described).\n"
		"CCPA requests show government ids and account numbers masked.  An erasure\n"
		"request erases everything no legal hold keeps (the whole client by crypto-\n"
		"shredding when nothing is held) and writes a signed erasure certificate:\n"
		"what was erased, what was kept, why and until when.  The request is then\n"
		"answered.\n",
};

static const struct cli_cmd request_policy_def = {
	.name = "policy", .fn = cmd_request_policy, .flags = NEEDS_UNLOCK,
	.summary = "show or set which request kinds need a second identity step (Art. 12(6))",
	.synopsis = "[--second-step KINDS|none] [--json]",
	.opts = policy_opts, .min_args = 0, .max_args = 0,
	.description =
		"The self-service page (/me) proves control of the client's e-mail address with a\n"
		"one-time link.  Requests of the kinds named here (e.g. --second-step erasure,access)\n"
		"then stay awaiting_id, shown as pending on the request, until a person records a\n"
		"second check with 'fortress request verify'.  The setting is sealed: changed or\n"
		"deleted outside Fortress, it is caught (exit 8).  Setting it needs the 'map' action.\n",
};

static const struct cli_cmd *const request_subs[] = {
	&request_open_def, &request_policy_def, &request_fulfil_def, &request_verify_def, &request_pause_def, &request_resume_def, &request_start_def,
	&request_extend_def, &request_answer_def, &request_refuse_def, &request_list_def, &request_show_def, NULL
};

const struct cli_cmd cmd_request_def = {
	.name = "request", .fn = NULL, .flags = 0,
	.summary = "clients' requests (access, erasure, ...) with their legal deadlines",
	.subs = request_subs,
};

static int cmd_verify_certificate(struct cli *c)
{
	fort_certificate_info ci;
	int r;

	/* a vault to check the signer against: a file that exists, or a database */
	if (c->vault_path && (fort_vault_path_is_database(c->vault_path) || access(c->vault_path, F_OK) == 0) &&
	    fort_vault_open(&c->vault, c->vault_path, NULL, NULL) < 0)
		c->vault = NULL;
	r = fort_certificate_verify(&ci, cli_pos(c, 0), c->vault);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "valid", json_boolean(r == 0 && ci.valid));
		json_object_set_new(j, "vault_checked", json_boolean(ci.vault_checked));
		json_object_set_new(j, "client", json_string(ci.client));
		json_object_set_new(j, "signer", json_string(ci.signer));
		json_object_set_new(j, "erased_at", json_string(ci.erased_at));
		json_object_set_new(j, "erased", json_integer((json_int_t)ci.erased));
		json_object_set_new(j, "kept", json_integer((json_int_t)ci.kept));
		json_object_set_new(j, "problem", r < 0 ? json_string(fort_error_message()) : json_null());
		int ex = cli_print_json(c, j);
		return ex ? ex : r == FORT_ETAMPER ? EXIT_FAIL : (r < 0 ? cli_exit_code(r) : EXIT_OK);
	}
	if (r < 0) {
		int ex = cli_fail(c, r, NULL);
		/* a verify command: a certificate that does not verify is exit 1 */
		return r == FORT_ETAMPER ? EXIT_FAIL : ex;
	}
	printf("certificate OK: client %s, erased %s by %s: %zu field(s) erased, %zu kept%s\n", ci.client, ci.erased_at, ci.signer,
	       ci.erased, ci.kept, ci.vault_checked ? "; the signer's key is theirs in this vault" : " (signature only: no vault to check the signer against)");
	return EXIT_OK;
}

const struct cli_cmd cmd_verify_certificate_def = {
	.name = "verify-certificate", .fn = cmd_verify_certificate, .flags = NEEDS_PATH,
	.summary = "check an erasure certificate's signature (and its signer, when the vault is there)",
	.synopsis = "FILE [--json]", .min_args = 1, .max_args = 1, .args_name = "FILE",
};
