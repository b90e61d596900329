/* cmd_business.c - `fortress business show|set`: the controller's contact
 * details and location, and the supervisory authority they decide. */
#include <string.h>

#include "cli.h"

static const struct cli_opt set_opts[] = {
	{ "address", 0, OPT_VALUE, "TEXT", "postal address (one line)" },
	{ "email", 0, OPT_VALUE, "ADDR", "contact e-mail address" },
	{ "phone", 0, OPT_VALUE, "NUMBER", "contact phone number" },
	{ "dpo", 0, OPT_VALUE, "TEXT", "data protection officer: name and contact (\"\" clears)" },
	{ "representative", 0, OPT_VALUE, "TEXT", "EU representative (GDPR Art. 27) of a business outside the EU" },
	{ "country", 0, OPT_VALUE, "CC", "where the business is established (ISO 3166 code or name)" },
	{ "state", 0, OPT_VALUE, "REGION", "its state / Land (ISO 3166-2 code or name; required in Germany: DE-BY, DE-BE...)" },
	{ "lead-authority", 0, OPT_VALUE, "CODE", "the lead authority (Art. 56) if established in several EU countries" },
	{ "language", 0, OPT_VALUE, "LANG", "letters to clients whose language is not known in LANG (en de fr es it nl)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_business_show(struct cli *c)
{
	fort_business_info b;
	int r;

	if ((r = fort_business_get(&b, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "name", b.name, "address", b.address, "email", b.email,
				      "phone", b.phone, "dpo", b.dpo, "representative", b.representative, "country", b.country,
				      "state", b.state, "lead_authority", b.lead_authority);
		json_object_set_new(j, "language", json_string(b.language[0] ? b.language : "en"));
		json_object_set_new(j, "authority", b.authority_code[0]
				    ? json_pack("{s:s,s:s}", "code", b.authority_code, "name", b.authority) : json_null());
		if (b.authority_problem[0])
			json_object_set_new(j, "authority_problem", json_string(b.authority_problem));
		return cli_print_json(c, j);
	}
	printf("business:        %s\n", b.name);
	printf("address:         %s\n", b.address[0] ? b.address : "(not set)");
	printf("e-mail:          %s\n", b.email[0] ? b.email : "(not set)");
	printf("phone:           %s\n", b.phone[0] ? b.phone : "(not set)");
	printf("DPO:             %s\n", b.dpo[0] ? b.dpo : "(none)");
	printf("representative:  %s\n", b.representative[0] ? b.representative : "(none)");
	printf("established in:  %s%s%s\n", b.country, b.state[0] ? ", " : "", b.state);
	if (b.lead_authority[0])
		printf("lead authority:  %s\n", b.lead_authority);
	printf("letters in:      %s\n", b.language[0] ? b.language : "en (default)");
	if (b.authority_code[0])
		printf("authority:       %s (%s)\n", b.authority, b.authority_code);
	else
		printf("authority:       none: %s\n", b.authority_problem);
	return b.authority_code[0] ? EXIT_OK : EXIT_INPUT;
}

static int cmd_business_set(struct cli *c)
{
	fort_business_spec s = FORT_BUSINESS_SPEC_INIT;
	int r;

	s.address = cli_str(c, "address");
	s.email = cli_str(c, "email");
	s.phone = cli_str(c, "phone");
	s.dpo = cli_str(c, "dpo");
	s.representative = cli_str(c, "representative");
	s.country = cli_str(c, "country");
	s.state = cli_str(c, "state");
	s.lead_authority = cli_str(c, "lead-authority");
	s.language = cli_str(c, "language");
	if (!s.address && !s.email && !s.phone && !s.dpo && !s.representative && !s.country && !s.state && !s.lead_authority &&
	    !s.language)
		return cli_usage_error(c, "'business set' needs at least one of --address, --email, --phone, --dpo, "
				       "--representative, --country, --state, --lead-authority, --language");
	if ((r = fort_business_set(c->vault, &s)) < 0)
		return cli_fail(c, r, NULL);
	return cmd_business_show(c);
}

static const struct cli_cmd business_show_def = {
	.name = "show", .fn = cmd_business_show, .flags = NEEDS_VAULT,
	.summary = "the business's contact details and its supervisory authority (exit 6 if none can be decided)",
	.synopsis = "[--json]", .min_args = 0, .max_args = 0,
};
static const struct cli_cmd business_set_def = {
	.name = "set", .fn = cmd_business_set, .flags = NEEDS_UNLOCK,
	.summary = "change the contact details, DPO, EU representative, country, state or lead authority",
	.synopsis = "[--address TEXT] [--email ADDR] [--phone NUMBER] [--dpo TEXT] [--representative TEXT] [--country CC] "
		    "[--state REGION] [--lead-authority CODE] [--json]",
	.opts = set_opts, .min_args = 0, .max_args = 0,
	.description =
		"The notice, the records of processing, access and refusal letters, the incident plan and\n"
		"breach notifications state these details and name the authority they decide: the lead\n"
		"authority if set (GDPR Art. 56), else that of the country, and in Germany that of the\n"
		"federal state (BDSG 40).  A value \"\" clears it.\n",
};
static const struct cli_cmd *const business_subs[] = { &business_show_def, &business_set_def, NULL };

const struct cli_cmd cmd_business_def = {
	.name = "business", .fn = NULL, .flags = 0,
	.summary = "the business (controller): contact details, location, supervisory authority",
	.subs = business_subs,
};
