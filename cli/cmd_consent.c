/* cmd_consent.c - `fortress consent grant|withdraw|object|restrict|lift|show|verify`:
 * the consent ledger (GDPR Art. 7, 18, 21).  Withdrawing takes exactly the
 * same steps as granting. */
#include <string.h>

#include "cli.h"
#include "front/shapes.h"

static const struct cli_opt record_opts[] = {
	{ "channel", 0, OPT_VALUE, "C", "how: web, email, paper, verbal, phone or in_person (required)" },
	{ "notice-file", 0, OPT_VALUE, "FILE", "grant: the notice text the client saw (kept with the consent)" },
	{ "language", 0, OPT_VALUE, "L", "language of that notice (default en)" },
	{ "evidence", 0, OPT_VALUE, "FILE", "a file that proves it (kept encrypted under the client's key)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int record_check(struct cli *c)
{
	if (!cli_str(c, "channel"))
		return cli_usage_error(c, "say how it was given: --channel web|email|paper|verbal|phone|in_person");
	return EXIT_OK;
}

static int record(struct cli *c, const char *action, const char *purpose)
{
	fort_consent_opts o = FORT_CONSENT_OPTS_INIT;
	const char *client = cli_pos(c, 0);
	int r;

	o.channel = cli_str(c, "channel");
	o.language = cli_str(c, "language");
	o.notice_path = cli_str(c, "notice-file");
	o.evidence_path = cli_str(c, "evidence");
	if ((r = fort_consent_record(c->vault, client, purpose, action, &o)) < 0)
		return cli_fail(c, r, r == FORT_ENOTFOUND ? "'fortress map show' lists the purposes, 'fortress client list' the clients" : NULL);
	if (c->json)
		return cli_print_json(c, shape_consent_recorded(client, purpose, action));
	if (!c->quiet)
		printf("%s: %s%s%s recorded\n", client, action, purpose ? " " : "", purpose ? purpose : "");
	return EXIT_OK;
}

static int cmd_consent_c_grant(struct cli *c) { return record(c, "grant", cli_pos(c, 1)); }
static int cmd_consent_c_withdraw(struct cli *c) { return record(c, "withdraw", cli_pos(c, 1)); }
static int cmd_consent_c_object(struct cli *c) { return record(c, "object", cli_pos(c, 1)); }
static int cmd_consent_c_restrict(struct cli *c) { return record(c, "restrict", NULL); }
static int cmd_consent_c_lift(struct cli *c) { return record(c, "lift", NULL); }

static int cmd_show(struct cli *c)
{
	const char *client = cli_pos(c, 0);
	fort_consent_state *st = NULL;
	fort_consent_entry *e = NULL;
	size_t ns = 0, ne = 0;
	int restricted = 0, r;
	char when[32];

	if ((r = fort_consent_status(&st, &ns, &restricted, c->vault, client)) < 0 ||
	    (r = fort_consent_history(&e, &ne, c->vault, client)) < 0) {
		free(st);
		return cli_fail(c, r, NULL);
	}
	if (c->json) {
		json_t *j = shape_consent(client, restricted, st, ns, e, ne);
		free(st);
		free(e);
		return cli_print_json(c, j);
	}
	printf("%sclient %s%s%s\n", cli_bold(c), client, cli_reset(c), restricted ? "  (processing RESTRICTED: Art. 18)" : "");
	for (size_t i = 0; i < ns; i++)
		printf("  %-22s %s%s\n", st[i].purpose,
		       st[i].objected ? "objected" : st[i].consented ? "consented" : st[i].needs_consent ? "no consent" : "withdrawn",
		       st[i].needs_consent ? "" : " (not consent-based)");
	printf("%shistory%s\n", cli_bold(c), cli_reset(c));
	for (size_t i = 0; i < ne; i++)
		printf("  %4lld %s  %-8s %-22s via %-9s by %s%s%.12s\n", (long long)e[i].seq, cli_time(when, sizeof(when), e[i].ts),
		       e[i].action, e[i].purpose, e[i].channel, e[i].recorded_by, e[i].notice[0] ? "  notice " : "", e[i].notice);
	free(st);
	free(e);
	return EXIT_OK;
}

static int cmd_verify(struct cli *c)
{
	char problem[256];
	uint64_t n = 0;
	int ok = 0, r;

	if ((r = fort_consent_verify(&ok, &n, problem, sizeof(problem), c->vault)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "ok", json_boolean(ok));
		json_object_set_new(j, "entries", json_integer((json_int_t)n));
		json_object_set_new(j, "problem", ok ? json_null() : json_string(problem));
		r = cli_print_json(c, j);
		return r ? r : (ok ? EXIT_OK : EXIT_FAIL);
	}
	if (ok) {
		printf("consent ledger OK: %llu entries\n", (unsigned long long)n);
		return EXIT_OK;
	}
	printf("consent ledger BROKEN: %s\n", problem);
	return EXIT_FAIL;
}

#define REC(nm, X, syn, sum, mn) \
	static const struct cli_cmd consent_##X##_def = { \
		.name = nm, .fn = cmd_consent_##X, .flags = NEEDS_UNLOCK, .summary = sum, .synopsis = syn, \
		.opts = record_opts, .min_args = mn, .max_args = mn, .args_name = mn == 2 ? "CLIENT PURPOSE" : "CLIENT", \
		.check = record_check, \
	}

REC("grant", c_grant, "CLIENT PURPOSE --channel C [--notice-file FILE] [--language L] [--evidence FILE]",
    "record a client's consent to a purpose, with the notice they saw", 2);
REC("withdraw", c_withdraw, "CLIENT PURPOSE --channel C [--evidence FILE]", "record that a client withdrew consent", 2);
REC("object", c_object, "CLIENT PURPOSE --channel C [--evidence FILE]", "record a client's objection to a purpose (Art. 21)", 2);
REC("restrict", c_restrict, "CLIENT --channel C [--evidence FILE]", "restrict all processing of a client (Art. 18)", 1);
REC("lift", c_lift, "CLIENT --channel C [--evidence FILE]", "lift a restriction", 1);

static const struct cli_cmd consent_show_def = {
	.name = "show", .fn = cmd_show, .flags = NEEDS_UNLOCK,
	.summary = "a client's consents, objections, restriction and full history",
	.synopsis = "CLIENT [--json]", .min_args = 1, .max_args = 1, .args_name = "CLIENT",
};

static const struct cli_cmd consent_verify_def = {
	.name = "verify", .fn = cmd_verify, .flags = NEEDS_VAULT,
	.summary = "check that the consent ledger's history is intact (no passphrase)",
	.synopsis = "[--json]", .min_args = 0, .max_args = 0,
};

static const struct cli_cmd *const consent_subs[] = {
	&consent_c_grant_def, &consent_c_withdraw_def, &consent_c_object_def, &consent_c_restrict_def, &consent_c_lift_def,
	&consent_show_def, &consent_verify_def, NULL
};

const struct cli_cmd cmd_consent_def = {
	.name = "consent", .fn = NULL, .flags = 0,
	.summary = "consent ledger: grant, withdraw, object, restrict, show, verify",
	.subs = consent_subs,
	.description =
		"Every reveal and export names a purpose; a purpose whose legal basis is consent\n"
		"needs the client's active consent, an objection refuses the purpose, and while\n"
		"a client's processing is restricted only 'legal_claims' may use their data.\n"
		"The ledger is append-only and hash-chained; every entry is also audited.\n",
};
