/* cmd_user.c - `fortress user request|add|list|remove|role|passwd`.
 *
 * Joining takes two steps so that only the new user ever types their
 * passphrase: they run `user request NAME` (their key pairs are made and
 * sealed under their passphrase), then someone who manages users runs
 * `user add NAME --role ROLE`, which seals the role's keys to the new
 * public key.  The fingerprint printed by the request can be checked with
 * --fingerprint, like an SSH host key. */
#include <string.h>

#include "cli.h"
#include "front/shapes.h"
#include "passphrase_input.h"

#define NO_PASSPHRASE_MSG \
	"no passphrase for the new user: use --passphrase-file FILE (their own), or run on a terminal"

static const struct cli_opt request_opts[] = {
	{ "kdf", 0, OPT_VALUE, "KDF", "moderate (default), interactive (weaker: tests only) or sensitive" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int request_check(struct cli *c)
{
	if (!cli_passphrase_file(c) && !cli_have_tty())
		return cli_error(c, EXIT_USAGE, NO_PASSPHRASE_MSG);
	return EXIT_OK;
}

static int cmd_user_request(struct cli *c)
{
	const char *name = cli_pos(c, 0), *kdf = cli_str(c, "kdf");
	fort_secret *pass = NULL;
	fort_kdf k = FORT_KDF_MODERATE;
	char fp[20];
	int r, ex;

	if (kdf && !strcmp(kdf, "interactive"))
		k = FORT_KDF_INTERACTIVE;
	else if (kdf && !strcmp(kdf, "sensitive"))
		k = FORT_KDF_SENSITIVE;
	else if (kdf && strcmp(kdf, "moderate"))
		return cli_usage_error(c, "unknown --kdf '%s' (moderate, interactive or sensitive)", kdf);
	if ((ex = cli_passphrase_get(c, &pass, cli_passphrase_file(c), "Your new passphrase: ", 1, NO_PASSPHRASE_MSG)) != EXIT_OK)
		return ex;
	r = fort_user_request(fp, c->vault_path, name, pass, k);
	fort_secret_free(pass);
	if (r < 0)
		return cli_fail(c, r, r == FORT_EWEAK ? "try 'fortress passphrase generate'" : NULL);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "user", json_string(name));
		json_object_set_new(j, "status", json_string("pending"));
		json_object_set_new(j, "fingerprint", json_string(fp));
		return cli_print_json(c, j);
	}
	printf("%s asked to join; fingerprint %s\n", name, fp);
	if (!c->quiet)
		fprintf(stderr, "Now ask someone who manages users (an owner) to run:\n"
			"  fortress user add '%s' --role ROLE --fingerprint '%s'\n"
			"Tell them the fingerprint yourself (in person or by phone), so they know the request is yours.\n",
			name, fp);
	return EXIT_OK;
}

static const struct cli_opt add_opts[] = {
	{ "role", 'r', OPT_VALUE, "ROLE", "the new user's role (owner, staff, bookkeeper, or one of 'fortress role list')" },
	{ "fingerprint", 0, OPT_VALUE, "FP", "refuse unless the request has this fingerprint (as the new user read it to you)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int add_check(struct cli *c)
{
	if (!cli_str(c, "role"))
		return cli_usage_error(c, "'user add' needs --role ROLE (owner, staff, bookkeeper, or a role of 'fortress role list')");
	return EXIT_OK;
}

static int cmd_user_add(struct cli *c)
{
	const char *name = cli_pos(c, 0), *role = cli_str(c, "role"), *fp = cli_str(c, "fingerprint");
	int r;

	if ((r = fort_user_add(c->vault, name, role, fp)) < 0)
		return cli_fail(c, r, r == FORT_ENOTFOUND ? "the new user runs 'fortress user request NAME' first" : NULL);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "user", json_string(name));
		json_object_set_new(j, "role", json_string(role));
		json_object_set_new(j, "status", json_string("active"));
		return cli_print_json(c, j);
	}
	printf("%s added as %s\n", name, role);
	if (!fp && !c->quiet)
		cli_hint(c, "next time pass --fingerprint as the new user reads it to you, to be sure the request is theirs");
	return EXIT_OK;
}

static int cmd_user_list(struct cli *c)
{
	fort_user_info *u = NULL;
	size_t n = 0;
	char when[32];
	int r;

	if ((r = fort_user_list(&u, &n, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *arr = shape_users(u, n);
		free(u);
		return cli_print_json(c, arr);
	}
	printf("%s%-24s %-12s %-8s %-20s %s%s\n", cli_bold(c), "NAME", "ROLE", "STATUS", "JOINED", "FINGERPRINT", cli_reset(c));
	for (size_t i = 0; i < n; i++)
		printf("%-24s %-12s %-8s %-20s %s\n", u[i].name, u[i].role[0] ? u[i].role : "-", u[i].status,
		       cli_time(when, sizeof(when), u[i].created), u[i].fingerprint);
	free(u);
	return EXIT_OK;
}

static int cmd_user_remove(struct cli *c)
{
	fort_rotate_opts o = FORT_ROTATE_OPTS_INIT;
	fort_rotate_report rep;
	struct cli_rotate_progress p;
	const char *name = cli_pos(c, 0);
	int r;

	cli_rotate_opts(c, &o, &p);
	r = fort_user_remove(&rep, c->vault, name, &o);
	cli_rotate_done(c, &p, &rep, r);
	if (r < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "user", json_string(name));
		json_object_set_new(j, "status", json_string("removed"));
		json_object_set_new(j, "rotation", cli_rotate_json(&rep));
		return cli_print_json(c, j);
	}
	printf("%s removed\n", name);
	return EXIT_OK;
}

static int cmd_user_role(struct cli *c)
{
	fort_rotate_opts o = FORT_ROTATE_OPTS_INIT;
	fort_rotate_report rep;
	struct cli_rotate_progress p;
	const char *name = cli_pos(c, 0), *role = cli_pos(c, 1);
	int r;

	cli_rotate_opts(c, &o, &p);
	r = fort_user_set_role(&rep, c->vault, name, role, &o);
	cli_rotate_done(c, &p, &rep, r);
	if (r < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "user", json_string(name));
		json_object_set_new(j, "role", json_string(role));
		json_object_set_new(j, "rotation", cli_rotate_json(&rep));
		return cli_print_json(c, j);
	}
	printf("%s is now %s\n", name, role);
	return EXIT_OK;
}

static const struct cli_cmd user_request_def = {
	.name = "request", .fn = cmd_user_request, .flags = NEEDS_PATH,
	.summary = "ask to join a vault (run by the new user, with their own passphrase)",
	.synopsis = "NAME [--kdf KDF] [--json]",
	.opts = request_opts, .min_args = 1, .max_args = 1, .args_name = "NAME", .check = request_check,
	.description =
		"Makes the new user's key pairs, seals them under the passphrase they choose\n"
		"(asked twice, or --passphrase-file; the same policy as 'init'), and records a\n"
		"pending user that holds no keys yet.  Prints a fingerprint to read to the\n"
		"person who adds you.  Audited (unsigned: nobody has vouched for the key yet).\n",
};

static const struct cli_cmd user_add_def = {
	.name = "add", .fn = cmd_user_add, .flags = NEEDS_UNLOCK,
	.summary = "give a pending user a role: seal its keys to their public key",
	.synopsis = "NAME --role ROLE [--fingerprint FP] [--json]",
	.opts = add_opts, .min_args = 1, .max_args = 1, .args_name = "NAME", .check = add_check,
	.description =
		"Needs the 'users' action and every key the role holds.  You never learn the new\n"
		"user's passphrase: the keys are sealed to the public key of their request.\n",
};

static const struct cli_cmd user_list_def = {
	.name = "list", .fn = cmd_user_list, .flags = NEEDS_UNLOCK,
	.summary = "list users: role, status (active, pending, removed), fingerprint",
	.synopsis = "[--json]",
	.min_args = 0, .max_args = 0,
};

static const struct cli_cmd user_remove_def = {
	.name = "remove", .fn = cmd_user_remove, .flags = NEEDS_UNLOCK,
	.summary = "remove a user: withdraw their keys and rotate every key they held",
	.synopsis = "NAME [--json]",
	.min_args = 1, .max_args = 1, .args_name = "NAME",
	.description =
		"Their grants are deleted and every key they held (the vault key and their\n"
		"role's categories) is rotated: every record is re-encrypted under new key\n"
		"versions and the old ones destroyed, so a copy of their keyring decrypts\n"
		"nothing in the vault afterwards.  Their entry stays, marked removed (the audit\n"
		"log names them).  The last owner cannot be removed.  Needs 'users'.\n",
};

static const struct cli_cmd user_role_def = {
	.name = "role", .fn = cmd_user_role, .flags = NEEDS_UNLOCK,
	.summary = "change a user's role (keys taken away are rotated)",
	.synopsis = "NAME ROLE [--json]",
	.min_args = 2, .max_args = 2, .args_name = "NAME ROLE",
};

static const struct cli_cmd *const user_subs[] = {
	&user_request_def,
	&user_add_def,
	&user_list_def,
	&user_remove_def,
	&user_role_def,
	&cmd_user_passwd_def,
	&cmd_user_totp_def,
	&cmd_user_invite_def,
	NULL
};

const struct cli_cmd cmd_user_def = {
	.name = "user", .fn = NULL, .flags = 0,
	.summary = "users: join (request or invite, then add), list, remove, change role, passphrase",
	.subs = user_subs,
};
