/* cmd_init.c - `fortress init`: create the vault. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "passphrase_input.h"
#include "vault_path.h"

static const struct cli_opt init_opts[] = {
	{ "name", 0, OPT_VALUE, "BUSINESS", "the business the vault belongs to" },
	{ "owner", 0, OPT_VALUE, "NAME", "the first user (role owner)" },
	{ "kdf", 0, OPT_VALUE, "KDF", "moderate (default), interactive (weaker: tests only) or sensitive" },
	{ "country", 0, OPT_VALUE, "CC", "the business's country (ISO 3166 alpha-2: DE, AT, FR, US, ...): phone numbers, dates; asked on a terminal" },
	/* the business's details (as 'business set'): the documents state them */
	{ "state", 0, OPT_VALUE, "REGION", "the business's state / Land (DE-BY, DE-BE...): decides its authority in Germany" },
	{ "address", 0, OPT_VALUE, "TEXT", "the business's postal address" },
	{ "email", 0, OPT_VALUE, "ADDR", "the business's contact e-mail" },
	{ "phone", 0, OPT_VALUE, "NUMBER", "the business's contact phone" },
	{ "store", 0, OPT_VALUE, "URL", "create the vault in a PostgreSQL database (postgresql://... or service=NAME) instead of a file" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int ask_missing(struct cli *c, char **out, const char *given, const char *opt, const char *prompt)
{
	*out = NULL;
	if (given && *given) {
		*out = strdup(given);
		return *out ? EXIT_OK : cli_error(c, EXIT_IO, "out of memory");
	}
	if (!cli_have_tty())
		return cli_usage_error(c, "'init' needs %s (no terminal to ask on)", opt);
	for (;;) {
		if (cli_tty_ask(out, prompt) < 0)
			return cli_usage_error(c, "'init' needs %s", opt);
		if (**out)
			return EXIT_OK;
		free(*out);
		*out = NULL;
	}
}

static int cmd_init(struct cli *c)
{
	fort_create_opts o = FORT_CREATE_OPTS_INIT;
	fort_business_spec biz = FORT_BUSINESS_SPEC_INIT;
	fort_secret *pass = NULL;
	fort_vault *v = NULL;
	fort_status st;
	char *name = NULL, *owner = NULL, *asked = NULL, country[3] = "";
	const char *kdf = cli_str(c, "kdf"), *inputs[3];
	struct stat sb;
	char head[96];
	int r, ex;

	if (kdf && !strcmp(kdf, "moderate"))
		o.kdf = FORT_KDF_MODERATE;
	else if (kdf && !strcmp(kdf, "interactive"))
		o.kdf = FORT_KDF_INTERACTIVE;
	else if (kdf && !strcmp(kdf, "sensitive"))
		o.kdf = FORT_KDF_SENSITIVE;
	else if (kdf)
		return cli_usage_error(c, "unknown --kdf '%s' (moderate, interactive or sensitive)", kdf);
	if (cli_str(c, "country")) {
		const char *cc = cli_str(c, "country");
		if (strlen(cc) != 2 || !fort_country_known(cc))
			return cli_usage_error(c, "unknown --country '%s': use the two letters of ISO 3166, such as DE, AT, CH, FR, GB, US", cc);
		country[0] = (char)toupper((unsigned char)cc[0]);
		country[1] = (char)toupper((unsigned char)cc[1]);
		country[2] = '\0';
	} else if (!cli_have_tty()) {
		return cli_usage_error(c, "'init' needs --country CC, the business's country (such as DE, AT, FR, US): "
				       "it decides how phone numbers and dates are read");
	}
	if (cli_str(c, "state") || cli_str(c, "address") || cli_str(c, "email") || cli_str(c, "phone")) {
		biz.state = cli_str(c, "state");
		biz.address = cli_str(c, "address");
		biz.email = cli_str(c, "email");
		biz.phone = cli_str(c, "phone");
		o.business_details = &biz;
	}

	if (cli_str(c, "store")) {
		const char *url = cli_str(c, "store");
		char *dup;
		if (!fort_vault_path_is_database(url))
			return cli_usage_error(c, "--store takes a PostgreSQL database (postgresql://HOST/DB, postgres://... or "
					       "service=NAME); a vault file is named with --vault PATH");
		if (c->vault_opt && *c->vault_opt && strcmp(c->vault_opt, url) != 0)
			return cli_usage_error(c, "give --store URL or --vault PATH, not both");
		if (!(dup = strdup(url)))
			return cli_error(c, EXIT_IO, "out of memory");
		free(c->vault_path);
		c->vault_path = dup;
	}
	/* Refuse before asking anything when the vault already exists (a
	 * database is checked when it is opened). */
	if (!fort_vault_path_is_database(c->vault_path) && lstat(c->vault_path, &sb) == 0) {
		cli_error(c, EXIT_INPUT, "a vault already exists at %s", c->vault_path);
		cli_hint(c, "use --vault PATH (or FORTRESS_VAULT) for a new vault elsewhere");
		return EXIT_INPUT;
	}

	if ((ex = ask_missing(c, &name, cli_str(c, "name"), "--name BUSINESS", "Business name: ")) != EXIT_OK)
		goto out;
	if ((ex = ask_missing(c, &owner, cli_str(c, "owner"), "--owner NAME", "Owner name: ")) != EXIT_OK)
		goto out;
	o.business = name;
	o.owner = owner;
	while (!country[0]) {
		if (cli_tty_ask(&asked, "Country of the business (two letters, such as DE, AT, FR, US): ") < 0) {
			ex = cli_usage_error(c, "'init' needs --country CC");
			goto out;
		}
		if (strlen(asked) == 2 && fort_country_known(asked)) {
			country[0] = (char)toupper((unsigned char)asked[0]);
			country[1] = (char)toupper((unsigned char)asked[1]);
		} else {
			fprintf(stderr, "'%s' is not a country code Fortress knows: two letters of ISO 3166, such as DE\n", asked);
		}
		free(asked);
		asked = NULL;
	}
	o.default_country = country;

	inputs[0] = name;
	inputs[1] = owner;
	inputs[2] = NULL;
	if ((ex = cli_passphrase_new(c, &pass, inputs, 3)) != EXIT_OK)
		goto out;
	if ((ex = cli_vault_mkparent(c)) != EXIT_OK)
		goto out;
	if ((r = fort_vault_create(&v, c->vault_path, &o, pass)) < 0) {
		ex = cli_fail(c, r, r == FORT_EEXISTS ?
			      "use --vault PATH (or FORTRESS_VAULT) for a new vault elsewhere" : NULL);
		goto out;
	}
	c->vault = v;      /* closed by main */
	/* after the create: a refused init (a database that already holds a
	 * vault is only found here) starts its stderr with the error alone */
	if (o.kdf == FORT_KDF_INTERACTIVE)
		cli_info(c, "warning: --kdf interactive is weaker; use it for tests only");
	if ((r = fort_vault_status(&st, v)) < 0) {
		ex = cli_fail(c, r, NULL);
		goto out;
	}
	snprintf(head, sizeof(head), "%lld:%s", (long long)st.audit_head_seq, st.audit_head);

	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "vault", json_string(c->vault_path));
		json_object_set_new(j, "business", json_string(st.business));
		json_object_set_new(j, "owner", json_string(st.owner));
		json_object_set_new(j, "kdf", json_string(st.kdf));
		json_object_set_new(j, "country", json_string(st.default_country));
		json_object_set_new(j, "audit_head", json_string(head));
		ex = cli_print_json(c, j);
		goto out;
	}
	if (!c->quiet) {
		printf("created vault %s\n", c->vault_path);
		printf("country: %s\n", st.default_country);
		printf("audit head: %s\n", head);
		cli_info(c, "keep the audit head outside the vault: 'fortress audit verify --anchor %s' proves nothing was removed", head);
		cli_info(c, "warning: if the passphrase is lost, every client record in this vault is lost: nobody can recover it, not even with the file");
		cli_info(c, "make recovery shares for people you trust now: 'fortress recovery split --shares 5 --threshold 3 --out DIR'");
	}
	ex = EXIT_OK;
out:
	fort_secret_free(pass);
	free(name);
	free(owner);
	free(asked);
	return ex;
}

const struct cli_cmd cmd_init_def = {
	.name = "init", .fn = cmd_init, .flags = NEEDS_PATH,
	.summary = "create a new vault",
	.synopsis = "[--name BUSINESS] [--owner NAME] [--country CC] [--kdf moderate|interactive|sensitive] [--state REGION]\n"
		    "       [--address TEXT] [--email ADDR] [--phone NUMBER]",
	.opts = init_opts, .min_args = 0, .max_args = 0,
	.description =
		"Creates the vault (refuses if it exists) and its parent directory (mode 0700).\n"
		"Missing --name/--owner/--country are asked on a terminal, else it is a\n"
		"usage error.  The passphrase is checked as soon as it is typed, then asked\n"
		"again (no echo), three tries; Enter alone generates one.  Or it is read\n"
		"from --passphrase-file.  It must have at least 15 characters and resist\n"
		"guessing (a list of common and breached passwords, keyboard walks, repeats,\n"
		"seasons with years are refused); see 'fortress passphrase generate'.\n"
		"Prints the vault path, the country and the audit head SEQ:HASH: write it\n"
		"down outside the vault.  A lost passphrase means lost data: make recovery\n"
		"shares ('fortress recovery split').\n",
};
