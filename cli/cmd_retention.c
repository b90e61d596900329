/* cmd_retention.c - `fortress retention due|run`: what erasure requests had
 * to keep under a legal hold, and erasing it when the hold ends. */
#include <string.h>

#include "cli.h"

static json_t *holds_json(const fort_hold_info *h, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:I}", "client", h[i].client, "field", h[i].field, "until",
						     h[i].until, "reason", h[i].reason, "request", (json_int_t)h[i].request));
	return arr;
}

static const struct cli_opt due_opts[] = {
	{ "until", 0, OPT_VALUE, "DATE", "only holds ending on or before DATE" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_retention_due(struct cli *c)
{
	fort_hold_info *h = NULL;
	size_t n = 0;
	int r;

	if ((r = fort_retention_due(&h, &n, c->vault, cli_str(c, "until"))) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = holds_json(h, n);

		free(h);
		return cli_print_json(c, j);
	}
	for (size_t i = 0; i < n; i++)
		printf("%s  %-18s %-16s %s\n", h[i].until, h[i].client, h[i].field, h[i].reason);
	if (!n && !c->quiet)
		printf("nothing is kept under a legal hold\n");
	free(h);
	return EXIT_OK;
}

static const struct cli_opt run_opts[] = {
	{ "dry-run", 'n', OPT_FLAG, NULL, "only list what would be erased" },
	{ "as-of", 0, OPT_VALUE, "DATE", "run as if today were DATE" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_retention_run(struct cli *c)
{
	fort_hold_info *h = NULL;
	size_t n = 0;
	int r, dry = cli_flag(c, "dry-run");

	if ((r = fort_retention_run(&h, &n, c->vault, cli_str(c, "as-of"), dry)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "dry_run", json_boolean(dry));
		json_object_set_new(j, "erased", holds_json(h, n));
		free(h);
		return cli_print_json(c, j);
	}
	for (size_t i = 0; i < n; i++)
		printf("%s %s %s (hold ended %s: %s)\n", dry ? "would erase" : "erased", h[i].client, h[i].field, h[i].until,
		       h[i].reason);
	if (!c->quiet)
		printf("%zu field(s) %s\n", n, dry ? "would be erased" : "erased");
	free(h);
	return EXIT_OK;
}

static const struct cli_cmd retention_due_def = {
	.name = "due", .fn = cmd_retention_due, .flags = NEEDS_UNLOCK,
	.summary = "what is kept under a legal hold, and until when",
	.synopsis = "[--until DATE] [--json]", .opts = due_opts, .min_args = 0, .max_args = 0,
};
static const struct cli_cmd retention_run_def = {
	.name = "run", .fn = cmd_retention_run, .flags = NEEDS_UNLOCK,
	.summary = "erase what is held past its hold (a client whose last hold ends is crypto-shredded)",
	.synopsis = "[--dry-run] [--as-of DATE] [--json]", .opts = run_opts, .min_args = 0, .max_args = 0,
};
static const struct cli_cmd *const retention_subs[] = { &retention_due_def, &retention_run_def, NULL };

const struct cli_cmd cmd_retention_def = {
	.name = "retention", .fn = NULL, .flags = 0,
	.summary = "legal holds after erasure requests: due, run",
	.subs = retention_subs,
	.description = "Run 'fortress retention run' from cron (daily): it erases every field kept\n"
		       "under a legal hold once the hold has ended.  Audited.\n",
};
