/* cmd_token.c - `fortress token create|list|revoke`: tokens for programs
 * (issue 17 item 3; the rules in src/vault/tokens.c).
 *
 * The secret is printed once, to standard output (or --output FILE, mode
 * 0600), never taken from or put in argv, and cannot be shown again. */
#include <string.h>
#include <time.h>

#include "cli.h"
#include "front/shapes.h"

static const struct cli_opt create_opts[] = {
	{ "role", 'r', OPT_VALUE, "ROLE", "the token's role (not owner; never more than yours)" },
	{ "purpose", 'p', OPT_MULTI, "PURPOSE", "a purpose it may reveal or export for (repeat; none: it may not reveal or export)" },
	{ "expires", 0, OPT_VALUE, "Nd|never", "when it stops working: 1d to 366d (default 90d), or never" },
	{ "output", 'o', OPT_VALUE, "FILE", "write the token to FILE (mode 0600) instead of standard output" },
	{ "force", 0, OPT_FLAG, NULL, "replace FILE if it exists" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int create_check(struct cli *c)
{
	int64_t e;
	if (!cli_str(c, "role"))
		return cli_usage_error(c, "'token create' needs --role ROLE (a role of 'fortress role list', not owner)");
	if (fort_token_expiry(&e, cli_str(c, "expires"), (int64_t)time(NULL)) < 0)
		return cli_usage_error(c, "%s", fort_error_message());
	if (cli_str(c, "output"))
		return cli_out_check(c, cli_str(c, "output"), cli_flag(c, "force"));
	return EXIT_OK;
}

static int cmd_token_create(struct cli *c)
{
	const char *name = cli_pos(c, 0), *role = cli_str(c, "role"), *out = cli_str(c, "output");
	const char *const *purposes = NULL;
	size_t np = cli_multi(c, "purpose", &purposes);
	fort_secret *tok = NULL;
	int64_t expires = 0;
	char when[32];
	int r, ex;

	if ((r = fort_token_expiry(&expires, cli_str(c, "expires"), (int64_t)time(NULL))) < 0)
		return cli_fail(c, r, NULL);
	if ((r = fort_token_create(&tok, c->vault, name, role, purposes, np, expires)) < 0)
		return cli_fail(c, r, r == FORT_EDENIED ? "give the token a narrower role ('fortress role list')" : NULL);
	if (out) {
		char *line = NULL;
		size_t len = fort_secret_len(tok);
		/* the token and a newline, in locked memory like the token */
		fort_secret *withnl = NULL;
		if (fort_secret_new(&withnl, fort_secret_data(tok), len + 1) == 0) {
			line = (char *)fort_secret_data(withnl);
			line[len] = '\n';
			ex = cli_write_file(c, out, line, len + 1, 0600, cli_flag(c, "force"));
		} else {
			ex = cli_fail(c, FORT_ENOMEM, NULL);
		}
		fort_secret_free(withnl);
		fort_secret_free(tok);
		if (ex != EXIT_OK) {
			cli_hint(c, "the token was made but could not be written: revoke it with 'fortress token revoke %s' and make another",
				 name);
			return ex;
		}
	} else if (c->json) {
		json_t *j = json_object();
		json_object_set_new(j, "name", json_string(name));
		json_object_set_new(j, "role", json_string(role));
		json_object_set_new(j, "expires", expires ? json_string(cli_time(when, sizeof(when), expires)) : json_null());
		json_object_set_new(j, "token", json_string((const char *)fort_secret_data(tok)));
		fort_secret_free(tok);
		return cli_print_json(c, j);
	} else {
		printf("%s\n", (const char *)fort_secret_data(tok));
		fort_secret_free(tok);
	}
	if (!c->quiet)
		fprintf(stderr, "token '%s' (role %s) made; it expires %s.\n"
			"This is the only time it is shown: keep it in the program's secret store. A program sends it as\n"
			"'Authorization: Bearer TOKEN' to 'fortress serve'. Revoke it with 'fortress token revoke %s'.\n",
			name, role, expires ? cli_time(when, sizeof(when), expires) : "never", name);
	return EXIT_OK;
}

static int cmd_token_list(struct cli *c)
{
	fort_token_info *t = NULL;
	size_t n = 0;
	char a[32], b[32];
	int r;

	if ((r = fort_token_list(&t, &n, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *arr = shape_tokens(t, n);
		free(t);
		return cli_print_json(c, arr);
	}
	if (!n && !c->quiet)
		fprintf(stderr, "no tokens: make one with 'fortress token create NAME --role ROLE'\n");
	if (n)
		printf("%s%-20s %-12s %-8s %-20s %-20s %-16s %s%s\n", cli_bold(c), "NAME", "ROLE", "STATE", "CREATED", "EXPIRES",
		       "CREATOR", "PURPOSES", cli_reset(c));
	for (size_t i = 0; i < n; i++)
		printf("%-20s %-12s %-8s %-20s %-20s %-16s %s\n", t[i].name, t[i].role, t[i].state, cli_time(a, sizeof(a), t[i].created),
		       t[i].expires ? cli_time(b, sizeof(b), t[i].expires) : "never", t[i].creator,
		       t[i].purposes[0] ? t[i].purposes : "-");
	free(t);
	return EXIT_OK;
}

static int cmd_token_revoke(struct cli *c)
{
	fort_rotate_opts o = FORT_ROTATE_OPTS_INIT;
	fort_rotate_report rep;
	struct cli_rotate_progress p;
	const char *name = cli_pos(c, 0);
	int r;

	cli_rotate_opts(c, &o, &p);
	r = fort_token_revoke(&rep, c->vault, name, &o);
	cli_rotate_done(c, &p, &rep, r);
	if (r < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "token", json_string(name));
		json_object_set_new(j, "state", json_string("revoked"));
		json_object_set_new(j, "rotation", cli_rotate_json(&rep));
		return cli_print_json(c, j);
	}
	printf("token %s revoked; keys rotated: %s\n", name, rep.keys[0] ? rep.keys : "none");
	return EXIT_OK;
}

static const struct cli_cmd token_create_def = {
	.name = "create", .fn = cmd_token_create, .flags = NEEDS_UNLOCK,
	.summary = "make a token for a program: printed once",
	.synopsis = "NAME --role ROLE [--purpose PURPOSE]... [--expires Nd|never] [-o|--output FILE]",
	.opts = create_opts, .min_args = 1, .max_args = 1, .args_name = "NAME", .check = create_check,
	.description =
		"The token is a keyholder of its own: its keys are sealed under its secret and\n"
		"granted the vault key and its role's category keys, never more than yours.\n"
		"It may reveal or export only for the purposes named.  Needs 'users'.  The\n"
		"token is printed once (or written to --output, mode 0600); the vault keeps\n"
		"only a verifier of it.\n",
};

static const struct cli_cmd token_list_def = {
	.name = "list", .fn = cmd_token_list, .flags = NEEDS_UNLOCK,
	.summary = "list tokens: role, purposes, state (active, expired, revoked), expiry",
	.synopsis = "[--json]",
	.min_args = 0, .max_args = 0,
};

static const struct cli_cmd token_revoke_def = {
	.name = "revoke", .fn = cmd_token_revoke, .flags = NEEDS_UNLOCK,
	.summary = "revoke a token: it opens nothing, every key it held is rotated",
	.synopsis = "NAME [--json]",
	.min_args = 1, .max_args = 1, .args_name = "NAME",
	.description =
		"As 'user remove': its grants are deleted and every key it held is rotated, so\n"
		"a copy of its keys decrypts nothing written afterwards.  Needs 'users'.\n",
};

static const struct cli_cmd *const token_subs[] = {
	&token_create_def,
	&token_list_def,
	&token_revoke_def,
	NULL
};

const struct cli_cmd cmd_token_def = {
	.name = "token", .fn = NULL, .flags = 0,
	.summary = "tokens for programs: create, list, revoke",
	.subs = token_subs,
};
