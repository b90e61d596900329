/* cmd_invite.c - `fortress user invite create|list|revoke`: invitations to
 * join from a browser (issue 17; the rules in src/auth/invite.c).  The
 * link's token is printed once, to standard output, and never taken from
 * argv; the invitee opens /join/TOKEN on the team's `fortress serve`. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const struct cli_opt create_opts[] = {
	{ "role", 'r', OPT_VALUE, "ROLE", "the role they get once approved (a role of 'fortress role list')" },
	{ "expires", 0, OPT_VALUE, "Nd", "when the link stops working: 1d to 30d (default 7d)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int create_check(struct cli *c)
{
	int64_t e;
	if (!cli_str(c, "role"))
		return cli_usage_error(c, "'user invite create' needs --role ROLE (a role of 'fortress role list')");
	if (fort_invite_expiry(&e, cli_str(c, "expires"), (int64_t)time(NULL)) < 0)
		return cli_usage_error(c, "%s", fort_error_message());
	return EXIT_OK;
}

static int cmd_invite_create(struct cli *c)
{
	const char *name = cli_pos(c, 0), *role = cli_str(c, "role");
	fort_secret *tok = NULL;
	int64_t expires = 0, id = 0;
	char when[32];
	int r;

	if ((r = fort_invite_expiry(&expires, cli_str(c, "expires"), (int64_t)time(NULL))) < 0)
		return cli_fail(c, r, NULL);
	if ((r = fort_invite_create(&tok, &id, c->vault, name, role, expires)) < 0)
		return cli_fail(c, r, NULL);
	cli_time(when, sizeof when, expires);
	if (c->json) {
		json_t *j = json_object();
		json_object_set_new(j, "id", json_integer(id));
		json_object_set_new(j, "name", json_string(name));
		json_object_set_new(j, "role", json_string(role));
		json_object_set_new(j, "expires", json_string(when));
		json_object_set_new(j, "link", json_pack("s+", "/join/", (const char *)fort_secret_data(tok)));
		fort_secret_free(tok);
		return cli_print_json(c, j);
	}
	printf("/join/%s\n", (const char *)fort_secret_data(tok));
	fort_secret_free(tok);
	if (!c->quiet)
		fprintf(stderr, "invitation #%lld for '%s' (role %s) made; the link works once, until %s.\n"
			"Send it to them with your server's address in front (https://fortress.example/join/...).\n"
			"This is the only time it is shown. They choose their passphrase and set up their\n"
			"authenticator app; then approve them with 'fortress user add %s --role %s --fingerprint FP'\n"
			"or on the users page, comparing the fingerprint they read to you.\n",
			(long long)id, name, role, when, name, role);
	return EXIT_OK;
}

static int cmd_invite_list(struct cli *c)
{
	fort_invite_info *in = NULL;
	size_t n = 0;
	char t1[32], t2[32];
	int r;

	if ((r = fort_invite_list(&in, &n, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++) {
			json_t *o = json_object();
			json_object_set_new(o, "id", json_integer(in[i].id));
			json_object_set_new(o, "name", json_string(in[i].name));
			json_object_set_new(o, "role", json_string(in[i].role));
			json_object_set_new(o, "state", json_string(in[i].state));
			json_object_set_new(o, "creator", json_string(in[i].creator));
			json_object_set_new(o, "created", json_string(cli_time(t1, sizeof t1, in[i].created)));
			json_object_set_new(o, "expires", json_string(cli_time(t2, sizeof t2, in[i].expires)));
			json_object_set_new(o, "fingerprint", in[i].fingerprint[0] ? json_string(in[i].fingerprint) : json_null());
			json_array_append_new(a, o);
		}
		free(in);
		return cli_print_json(c, a);
	}
	if (n == 0)
		printf("no invitations ('fortress user invite create NAME --role ROLE' makes one)\n");
	for (size_t i = 0; i < n; i++)
		printf("#%lld  %s%s%s  %s  %s  expires %s%s%s\n", (long long)in[i].id, cli_bold(c), in[i].name, cli_reset(c),
		       in[i].role, in[i].state, cli_time(t2, sizeof t2, in[i].expires), in[i].fingerprint[0] ? "  fingerprint " : "",
		       in[i].fingerprint);
	free(in);
	return EXIT_OK;
}

static int cmd_invite_revoke(struct cli *c)
{
	const char *arg = cli_pos(c, 0);
	char *end = NULL;
	long long id = strtoll(arg[0] == '#' ? arg + 1 : arg, &end, 10);
	int r;

	if (!end || *end || id <= 0)
		return cli_usage_error(c, "'%s' is not an invitation number: 'fortress user invite list' shows them (#N)", arg);
	if ((r = fort_invite_revoke(c->vault, (int64_t)id)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();
		json_object_set_new(j, "id", json_integer(id));
		json_object_set_new(j, "state", json_string("revoked"));
		return cli_print_json(c, j);
	}
	printf("invitation #%lld revoked: its link opens nothing\n", id);
	return EXIT_OK;
}

static const struct cli_cmd invite_create_def = {
	.name = "create", .fn = cmd_invite_create, .flags = NEEDS_UNLOCK,
	.summary = "invite someone to join from their own browser: a one-time link",
	.synopsis = "NAME --role ROLE [--json]",
	.opts = create_opts, .min_args = 1, .max_args = 1, .args_name = "NAME", .check = create_check,
	.description =
		"Prints the link's path (/join/TOKEN) once: put your server's address in front and\n"
		"send it to them.  On that page they choose their passphrase and set up their\n"
		"authenticator app; they are then a pending user, as after 'user request', and\n"
		"read you their fingerprint.  Approve them with 'user add' (or the users page).\n"
		"Needs 'users' and every key the role needs.  The link is stored only as a hash.\n",
};

static const struct cli_cmd invite_list_def = {
	.name = "list", .fn = cmd_invite_list, .flags = NEEDS_UNLOCK,
	.summary = "list invitations: role, state (open, joined, approved, expired, revoked)",
	.synopsis = "[--json]",
	.min_args = 0, .max_args = 0,
};

static const struct cli_cmd invite_revoke_def = {
	.name = "revoke", .fn = cmd_invite_revoke, .flags = NEEDS_UNLOCK,
	.summary = "revoke an open invitation: its link opens nothing",
	.synopsis = "ID [--json]",
	.min_args = 1, .max_args = 1, .args_name = "ID",
};

static const struct cli_cmd *const invite_subs[] = {
	&invite_create_def,
	&invite_list_def,
	&invite_revoke_def,
	NULL
};

const struct cli_cmd cmd_user_invite_def = {
	.name = "invite", .fn = NULL, .flags = 0,
	.summary = "invitations to join from a browser: create, list, revoke",
	.subs = invite_subs,
};
