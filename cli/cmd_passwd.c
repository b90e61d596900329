/* cmd_passwd.c - `fortress passwd`: change the acting user's passphrase.
 * Only the user's sealed keyring is re-encrypted. */
#include <string.h>

#include "cli.h"
#include "passphrase_input.h"

#define NO_NEW_PASSPHRASE_MSG \
	"no new passphrase: use --new-passphrase-file FILE, or run on a terminal"

static const struct cli_opt passwd_opts[] = {
	{ "new-passphrase-file", 0, OPT_VALUE, "FILE", "read the new passphrase from FILE's first line" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

/* Before unlocking: fail at once when the new passphrase cannot be had. */
static int passwd_check(struct cli *c)
{
	if (!cli_str(c, "new-passphrase-file") && !cli_have_tty())
		return cli_error(c, EXIT_USAGE, NO_NEW_PASSPHRASE_MSG);
	return EXIT_OK;
}

static int cmd_passwd(struct cli *c)
{
	fort_secret *newpass = NULL;
	const char *inputs[4];
	fort_status st;
	int r, ex;

	if ((r = fort_vault_status(&st, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	if ((ex = cli_passphrase_get(c, &newpass, cli_str(c, "new-passphrase-file"), "New passphrase: ", 1,
				     NO_NEW_PASSPHRASE_MSG)) != EXIT_OK)
		return ex;
	inputs[0] = st.business;
	inputs[1] = st.owner;
	inputs[2] = st.user;
	inputs[3] = NULL;
	if ((r = fort_passphrase_check(newpass, inputs)) < 0) {
		ex = cli_fail(c, r, "try 'fortress passphrase generate'");
		goto out;
	}
	if ((r = fort_vault_passwd(c->vault, newpass)) < 0) {
		ex = cli_fail(c, r, NULL);
		goto out;
	}
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "user", json_string(st.user));
		json_object_set_new(j, "changed", json_true());
		ex = cli_print_json(c, j);
		goto out;
	}
	if (!c->quiet)
		printf("passphrase changed for %s\n", st.user[0] ? st.user : st.owner);
	ex = EXIT_OK;
out:
	fort_secret_free(newpass);
	return ex;
}

const struct cli_cmd cmd_passwd_def = {
	.name = "passwd", .fn = cmd_passwd, .flags = NEEDS_UNLOCK,
	.summary = "change the acting user's passphrase",
	.synopsis = "[--new-passphrase-file FILE]",
	.opts = passwd_opts, .min_args = 0, .max_args = 0, .check = passwd_check,
	.description =
		"Unlocks with the current passphrase as usual (--passphrase-file or the prompt),\n"
		"then takes the new one from --new-passphrase-file or asks for it twice.\n"
		"No client data is re-encrypted.\n",
};

/* The same command as `fortress user passwd`. */
const struct cli_cmd cmd_user_passwd_def = {
	.name = "passwd", .fn = cmd_passwd, .flags = NEEDS_UNLOCK,
	.summary = "change your passphrase (the acting user's: --user NAME)",
	.synopsis = "[--new-passphrase-file FILE]",
	.opts = passwd_opts, .min_args = 0, .max_args = 0, .check = passwd_check,
};
