/* cmd_map_activity.c - `fortress map activity add|edit|list` and
 * `fortress map recipient add|edit|list`: the processing activities (one
 * per purpose: legal basis, recipients, retention) and the recipients data
 * goes to (GDPR Art. 30). */
#include <string.h>

#include "cli.h"
#include "front/shapes.h"

static const struct cli_opt activity_opts[] = {
	{ "description", 0, OPT_VALUE, "TEXT", "what the purpose is, in plain words" },
	{ "legal-basis", 0, OPT_VALUE, "B", "consent, contract, legal_obligation, vital_interests, public_task, legitimate_interests" },
	{ "special-basis", 0, OPT_VALUE, "B", "for special categories (Art. 9(2)): explicit_consent, health_care, legal_claims, ..." },
	{ "retention", 0, OPT_VALUE, "TEXT", "how long the data is kept for it, and why" },
	{ "recipient", 0, OPT_MULTI, "NAME", "a recipient the data goes to (repeatable; '-' for none)" },
	{ "provision", 0, OPT_VALUE, "TEXT", "must the client provide the data, and what if not (Art. 13(2)(e)); '' for the default" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int activity_set(struct cli *c, int add)
{
	fort_activity_spec s = FORT_ACTIVITY_SPEC_INIT;
	const char *const *rec;
	int r;

	s.purpose = cli_pos(c, 0);
	s.description = cli_str(c, "description");
	s.legal_basis = cli_str(c, "legal-basis");
	s.special_basis = cli_str(c, "special-basis");
	s.retention = cli_str(c, "retention");
	s.provision = cli_str(c, "provision");
	s.nrecipients = cli_multi(c, "recipient", &rec);
	s.recipients = rec;
	if ((r = fort_map_activity_set(c->vault, &s, add)) < 0)
		return cli_fail(c, r, NULL);
	if (!c->quiet)
		printf("activity %s %s\n", s.purpose, add ? "added" : "changed");
	return EXIT_OK;
}

static int cmd_activity_add(struct cli *c) { return activity_set(c, 1); }
static int cmd_activity_edit(struct cli *c) { return activity_set(c, 0); }

static int cmd_activity_list(struct cli *c)
{
	size_t n = fort_map_activity_count(c->vault);

	if (c->json)
		return cli_print_json(c, shape_activities(c->vault));
	for (size_t i = 0; i < n; i++) {
		const fort_activity_info *a = fort_map_activity(c->vault, i);

		printf("%s%s%s (%s)\n  %s\n", cli_bold(c), a->purpose, cli_reset(c), a->legal_basis[0] ? a->legal_basis : "NO LEGAL BASIS",
		       a->description);
		if (a->special_basis[0])
			printf("  special categories: %s\n", a->special_basis);
		if (a->retention[0])
			printf("  retention: %s\n", a->retention);
		if (a->provision && a->provision[0])
			printf("  must the client provide it: %s\n", a->provision);
		for (size_t k = 0; k < a->nrecipients; k++)
			printf("  recipient: %s\n", a->recipients[k]);
	}
	return EXIT_OK;
}

static const struct cli_opt recipient_opts[] = {
	{ "kind", 0, OPT_VALUE, "K", "processor, controller or public_authority" },
	{ "country", 0, OPT_VALUE, "CC", "where it processes the data (ISO 3166, e.g. DE, US)" },
	{ "safeguard", 0, OPT_VALUE, "TEXT", "outside the EEA: the transfer safeguard (adequacy decision, SCCs, ...)" },
	{ "note", 0, OPT_VALUE, "TEXT", "what they do (e-mail hosting, accounting, ...)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int recipient_set(struct cli *c, int add)
{
	int r = fort_map_recipient_set(c->vault, cli_pos(c, 0), cli_str(c, "kind"), cli_str(c, "country"), cli_str(c, "safeguard"),
				       cli_str(c, "note"), add);

	if (r < 0)
		return cli_fail(c, r, NULL);
	if (!c->quiet)
		printf("recipient %s %s\n", cli_pos(c, 0), add ? "added" : "changed");
	return EXIT_OK;
}

static int cmd_recipient_add(struct cli *c) { return recipient_set(c, 1); }
static int cmd_recipient_edit(struct cli *c) { return recipient_set(c, 0); }

static int cmd_recipient_list(struct cli *c)
{
	size_t n = fort_map_recipient_count(c->vault);

	if (c->json)
		return cli_print_json(c, shape_recipients(c->vault));
	for (size_t i = 0; i < n; i++) {
		const fort_recipient_info *x = fort_map_recipient(c->vault, i);

		printf("%-20s %-17s %s%s%s%s%s\n", x->name, x->kind, x->country, x->safeguard[0] ? "  safeguard: " : "", x->safeguard,
		       x->note[0] ? "  " : "", x->note);
	}
	return EXIT_OK;
}

static const struct cli_cmd activity_add_def = {
	.name = "add", .fn = cmd_activity_add, .flags = NEEDS_UNLOCK,
	.summary = "add a processing activity (a purpose with its legal basis)",
	.synopsis = "PURPOSE --description TEXT --legal-basis B [--special-basis B] [--retention TEXT] [--recipient NAME]... [--provision TEXT]",
	.opts = activity_opts, .min_args = 1, .max_args = 1, .args_name = "PURPOSE",
};
static const struct cli_cmd activity_edit_def = {
	.name = "edit", .fn = cmd_activity_edit, .flags = NEEDS_UNLOCK,
	.summary = "change a processing activity (only the options given)",
	.synopsis = "PURPOSE [--description TEXT] [--legal-basis B] [--special-basis B] [--retention TEXT] [--recipient NAME]... [--provision TEXT]",
	.opts = activity_opts, .min_args = 1, .max_args = 1, .args_name = "PURPOSE",
};
static const struct cli_cmd activity_list_def = {
	.name = "list", .fn = cmd_activity_list, .flags = NEEDS_VAULT,
	.summary = "list the processing activities", .synopsis = "[--json]", .min_args = 0, .max_args = 0,
};
static const struct cli_cmd *const activity_subs[] = { &activity_add_def, &activity_edit_def, &activity_list_def, NULL };

const struct cli_cmd cmd_map_activity_def = {
	.name = "activity", .fn = NULL, .flags = 0,
	.summary = "processing activities: purposes with legal basis, recipients, retention",
	.subs = activity_subs,
};

static const struct cli_cmd recipient_add_def = {
	.name = "add", .fn = cmd_recipient_add, .flags = NEEDS_UNLOCK,
	.summary = "add a recipient (a processor such as an e-mail host or accountant)",
	.synopsis = "NAME --kind K --country CC [--safeguard TEXT] [--note TEXT]",
	.opts = recipient_opts, .min_args = 1, .max_args = 1, .args_name = "NAME",
};
static const struct cli_cmd recipient_edit_def = {
	.name = "edit", .fn = cmd_recipient_edit, .flags = NEEDS_UNLOCK,
	.summary = "change a recipient (only the options given)",
	.synopsis = "NAME [--kind K] [--country CC] [--safeguard TEXT] [--note TEXT]",
	.opts = recipient_opts, .min_args = 1, .max_args = 1, .args_name = "NAME",
};
static const struct cli_cmd recipient_list_def = {
	.name = "list", .fn = cmd_recipient_list, .flags = NEEDS_VAULT,
	.summary = "list the recipients", .synopsis = "[--json]", .min_args = 0, .max_args = 0,
};
static const struct cli_cmd *const recipient_subs[] = { &recipient_add_def, &recipient_edit_def, &recipient_list_def, NULL };

const struct cli_cmd cmd_map_recipient_def = {
	.name = "recipient", .fn = NULL, .flags = 0,
	.summary = "recipients of client data: kind, country, transfer safeguard",
	.subs = recipient_subs,
};
