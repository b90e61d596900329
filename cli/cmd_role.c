/* cmd_role.c - `fortress role list|add|grant|revoke|remove`.  A role names
 * data categories (whose keys its users hold) and actions. */
#include <string.h>

#include "cli.h"
#include "front/shapes.h"

static int cmd_role_list(struct cli *c)
{
	fort_role_info *ri = NULL;
	size_t n = 0;
	int r;

	if ((r = fort_role_list(&ri, &n, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *arr = shape_roles(ri, n);
		free(ri);
		return cli_print_json(c, arr);
	}
	printf("%s%-14s %-42s %-44s %s%s\n", cli_bold(c), "ROLE", "CATEGORIES (keys held)", "ACTIONS", "USERS", cli_reset(c));
	for (size_t i = 0; i < n; i++)
		printf("%-14s %-42s %-44s %llu\n", ri[i].name, ri[i].categories[0] ? ri[i].categories : "-",
		       ri[i].actions[0] ? ri[i].actions : "-", (unsigned long long)ri[i].users);
	free(ri);
	return EXIT_OK;
}

static int cmd_role_add(struct cli *c)
{
	int r = fort_role_add(c->vault, cli_pos(c, 0), (const char *const *)c->args.pos + 1, c->args.npos - 1);

	if (r < 0)
		return cli_fail(c, r, NULL);
	if (!c->quiet)
		printf("role %s added\n", cli_pos(c, 0));
	return EXIT_OK;
}

static int cmd_role_grant(struct cli *c)
{
	int r = fort_role_grant(c->vault, cli_pos(c, 0), (const char *const *)c->args.pos + 1, c->args.npos - 1);

	if (r < 0)
		return cli_fail(c, r, NULL);
	if (!c->quiet)
		printf("role %s updated\n", cli_pos(c, 0));
	return EXIT_OK;
}

static int cmd_role_revoke(struct cli *c)
{
	fort_rotate_opts o = FORT_ROTATE_OPTS_INIT;
	fort_rotate_report rep;
	struct cli_rotate_progress p;
	int r;

	cli_rotate_opts(c, &o, &p);
	r = fort_role_revoke(&rep, c->vault, cli_pos(c, 0), (const char *const *)c->args.pos + 1, c->args.npos - 1, &o);
	cli_rotate_done(c, &p, &rep, r);
	if (r < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "role", json_string(cli_pos(c, 0)));
		json_object_set_new(j, "rotation", cli_rotate_json(&rep));
		return cli_print_json(c, j);
	}
	if (!c->quiet)
		printf("role %s updated\n", cli_pos(c, 0));
	return EXIT_OK;
}

static int cmd_role_remove(struct cli *c)
{
	int r = fort_role_remove(c->vault, cli_pos(c, 0));

	if (r < 0)
		return cli_fail(c, r, NULL);
	if (!c->quiet)
		printf("role %s removed\n", cli_pos(c, 0));
	return EXIT_OK;
}

#define ITEMS_HELP \
	"Items are categories (identity, contact, financial, special, notes) and actions\n" \
	"(read, reveal, write, import, export, erase, users, map, intake).\n"

static const struct cli_cmd role_list_def = {
	.name = "list", .fn = cmd_role_list, .flags = NEEDS_UNLOCK,
	.summary = "list roles with their categories, actions and users",
	.synopsis = "[--json]",
	.min_args = 0, .max_args = 0,
};

static const struct cli_cmd role_add_def = {
	.name = "add", .fn = cmd_role_add, .flags = NEEDS_UNLOCK,
	.summary = "add a role",
	.synopsis = "NAME [ITEM...]",
	.min_args = 1, .max_args = -1, .args_name = "NAME",
	.description = ITEMS_HELP "Needs the 'users' action.\n",
};

static const struct cli_cmd role_grant_def = {
	.name = "grant", .fn = cmd_role_grant, .flags = NEEDS_UNLOCK,
	.summary = "add categories or actions to a role (category keys go to its users)",
	.synopsis = "ROLE ITEM...",
	.min_args = 2, .max_args = -1, .args_name = "ROLE ITEM",
	.description = ITEMS_HELP "A category's key is sealed to every user of the role, so you must hold it.\n",
};

static const struct cli_cmd role_revoke_def = {
	.name = "revoke", .fn = cmd_role_revoke, .flags = NEEDS_UNLOCK,
	.summary = "take categories or actions from a role (category keys are rotated)",
	.synopsis = "ROLE ITEM... [--json]",
	.min_args = 2, .max_args = -1, .args_name = "ROLE ITEM",
	.description = ITEMS_HELP
		"A category taken away is withdrawn from the role's users and its key rotated:\n"
		"every field of it is re-encrypted under a new key version, so keys they kept\n"
		"decrypt nothing afterwards.  The owner role cannot be narrowed.\n",
};

static const struct cli_cmd role_remove_def = {
	.name = "remove", .fn = cmd_role_remove, .flags = NEEDS_UNLOCK,
	.summary = "remove a role nobody has",
	.synopsis = "NAME",
	.min_args = 1, .max_args = 1, .args_name = "NAME",
};

static const struct cli_cmd *const role_subs[] = {
	&role_list_def,
	&role_add_def,
	&role_grant_def,
	&role_revoke_def,
	&role_remove_def,
	NULL
};

const struct cli_cmd cmd_role_def = {
	.name = "role", .fn = NULL, .flags = 0,
	.summary = "roles: which categories (keys) and actions each may use",
	.subs = role_subs,
};
