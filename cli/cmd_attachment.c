/* cmd_attachment.c - `fortress attachment list|get|remove`: files kept
 * encrypted in the vault (fort_attachment_*). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "front/shapes.h"

static int parse_id(struct cli *c, int64_t *id)
{
	const char *s = cli_pos(c, 0);
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v <= 0)
		return cli_usage_error(c, "'%s' is not an attachment id (a number: 'fortress attachment list' shows them)", s);
	*id = v;
	return EXIT_OK;
}

static int cmd_list(struct cli *c)
{
	fort_attachment_info *a = NULL;
	size_t n = 0;
	char when[32];
	int r = fort_attachment_list(&a, &n, c->vault, cli_str(c, "client"));

	if (r < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *arr = shape_attachments(a, n);

		fort_attachment_list_free(a, n);
		return cli_print_json(c, arr);
	}
	for (size_t i = 0; i < n; i++) {
		printf("%lld  %s  %s  %llu bytes  [%s]  %s", (long long)a[i].id, cli_time(when, sizeof when, a[i].created),
		       a[i].actor, (unsigned long long)a[i].size, a[i].categories,
		       a[i].readable ? a[i].path : "(not readable with your role's keys)");
		for (size_t k = 0; k < a[i].nclients; k++)
			printf("%s%s", k ? "," : "  clients ", a[i].clients[k]);
		printf("\n");
	}
	if (!n && !c->quiet)
		cli_info(c, "no attachments");
	fort_attachment_list_free(a, n);
	return EXIT_OK;
}

static int cmd_get(struct cli *c)
{
	int64_t id;
	const char *out = cli_str(c, "out");
	int ex, r;

	if ((ex = parse_id(c, &id)) != EXIT_OK)
		return ex;
	if (!out)
		return cli_usage_error(c, "say where to write it: --out FILE");
	if ((r = fort_attachment_get(c->vault, id, out)) < 0)
		return cli_fail(c, r, r == FORT_EEXISTS ? "choose a file that does not exist yet" : NULL);
	if (c->json)
		return cli_print_json(c, json_pack("{s:I, s:s}", "id", (json_int_t)id, "out", out));
	cli_info(c, "attachment %lld written to %s (mode 0600)", (long long)id, out);
	return EXIT_OK;
}

static int cmd_remove(struct cli *c)
{
	int64_t id;
	int ex, r;

	if ((ex = parse_id(c, &id)) != EXIT_OK)
		return ex;
	if ((r = fort_attachment_remove(c->vault, id)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json)
		return cli_print_json(c, json_pack("{s:I, s:b}", "id", (json_int_t)id, "removed", 1));
	printf("attachment %lld removed: its key is destroyed\n", (long long)id);
	return EXIT_OK;
}

static const struct cli_opt list_opts[] = {
	{ "client", 0, OPT_VALUE, "ID", "only attachments linked to this client" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static const struct cli_opt get_opts[] = {
	{ "out", 'o', OPT_VALUE, "FILE", "write the file here (must not exist; mode 0600)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static const struct cli_cmd attachment_list_def = {
	.name = "list", .fn = cmd_list, .flags = NEEDS_UNLOCK,
	.summary = "files kept in the vault: id, time, who, size, categories, original path, clients",
	.synopsis = "[--client ID] [--json]", .opts = list_opts, .min_args = 0, .max_args = 0,
};

static const struct cli_cmd attachment_get_def = {
	.name = "get", .fn = cmd_get, .flags = NEEDS_UNLOCK,
	.summary = "decrypt an attachment into a new file",
	.synopsis = "ID --out FILE", .opts = get_opts, .min_args = 1, .max_args = 1, .args_name = "ID",
};

static const struct cli_cmd attachment_remove_def = {
	.name = "remove", .fn = cmd_remove, .flags = NEEDS_UNLOCK,
	.summary = "crypto-shred an attachment (its file key is destroyed)",
	.synopsis = "ID", .min_args = 1, .max_args = 1, .args_name = "ID",
};

static const struct cli_cmd *const attachment_subs[] = {
	&attachment_list_def, &attachment_get_def, &attachment_remove_def, NULL
};

const struct cli_cmd cmd_attachment_def = {
	.name = "attachment", .fn = NULL, .flags = 0,
	.summary = "files kept encrypted in the vault: list, get, remove",
	.subs = attachment_subs,
	.description =
		"Files moved into the vault by 'fortress quarantine' (or 'scan --fix'). Each has\n"
		"its own random key, wrapped under the keys of every category found in it, so a\n"
		"role without one of them cannot read it. 'remove' destroys the key.\n",
};
