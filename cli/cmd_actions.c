/* cmd_actions.c - `fortress actions list|show|done`: the follow-up actions
 * of incident reviews, tracked to closure (overdue first). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static json_t *action_json(const fort_action_info *a)
{
	json_t *j = json_object();

	json_object_set_new(j, "id", json_integer(a->id));
	json_object_set_new(j, "incident", json_integer(a->incident));
	json_object_set_new(j, "text", json_string(a->text));
	json_object_set_new(j, "owner", json_string(a->owner));
	json_object_set_new(j, "due", json_string(a->due));
	json_object_set_new(j, "done", a->done ? json_string(a->done_at) : json_null());
	json_object_set_new(j, "done_by", a->done ? json_string(a->done_by) : json_null());
	json_object_set_new(j, "overdue", json_boolean(a->overdue));
	return j;
}

static int parse_id(struct cli *c, int64_t *id)
{
	const char *s = cli_pos(c, 0);
	char *end;
	long long x = strtoll(s, &end, 10);

	if (!*s || *end || x <= 0)
		return cli_usage_error(c, "'%s' is not an action number ('fortress actions list' shows them)", s);
	*id = x;
	return EXIT_OK;
}

static const struct cli_opt list_opts[] = {
	{ "all", 0, OPT_FLAG, NULL, "done ones too" },
	{ "as-of", 0, OPT_VALUE, "DATE", "decide what is overdue as of DATE (default today)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_actions_list(struct cli *c)
{
	fort_action_info *a = NULL;
	size_t n = 0;
	int r;

	if ((r = fort_action_list(&a, &n, c->vault, !cli_flag(c, "all"), cli_str(c, "as-of"))) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, action_json(&a[i]));
		free(a);
		return cli_print_json(c, arr);
	}
	printf("%s%5s  %-8s %-10s %-8s %-16s %s%s\n", cli_bold(c), "ID", "INCIDENT", "DUE", "", "OWNER", "ACTION", cli_reset(c));
	for (size_t i = 0; i < n; i++)
		printf("%5lld  %-8lld %-10s %-8s %-16s %s\n", (long long)a[i].id, (long long)a[i].incident, a[i].due,
		       a[i].done ? "done" : a[i].overdue ? "OVERDUE" : "", a[i].owner, a[i].text);
	free(a);
	return EXIT_OK;
}

static int show_one(struct cli *c, int64_t id)
{
	fort_action_info a;
	int r;

	if ((r = fort_action_get(&a, c->vault, id, cli_str(c, "as-of"))) < 0)
		return cli_fail(c, r, NULL);
	if (c->json)
		return cli_print_json(c, action_json(&a));
	printf("%saction %lld%s  (incident %lld)\n  %s\n  owner: %s\n  due:   %s%s\n", cli_bold(c), (long long)a.id, cli_reset(c),
	       (long long)a.incident, a.text, a.owner, a.due, a.overdue ? "  OVERDUE" : "");
	if (a.done)
		printf("  done:  %s by %s\n", a.done_at, a.done_by);
	return EXIT_OK;
}

static int cmd_actions_show(struct cli *c)
{
	int64_t id;
	int ex;

	if ((ex = parse_id(c, &id)) != EXIT_OK)
		return ex;
	return show_one(c, id);
}

static int cmd_actions_done(struct cli *c)
{
	int64_t id;
	int ex, r;

	if ((ex = parse_id(c, &id)) != EXIT_OK)
		return ex;
	if ((r = fort_action_done(c->vault, id)) < 0)
		return cli_fail(c, r, NULL);
	return show_one(c, id);
}

static const struct cli_opt show_opts[] = {
	{ "as-of", 0, OPT_VALUE, "DATE", "decide what is overdue as of DATE (default today)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static const struct cli_cmd actions_list_def = {
	.name = "list", .fn = cmd_actions_list, .flags = NEEDS_UNLOCK,
	.summary = "open actions from incident reviews, overdue first (--all: done ones too)",
	.synopsis = "[--all] [--as-of DATE] [--json]", .opts = list_opts, .min_args = 0, .max_args = 0,
};

static const struct cli_cmd actions_show_def = {
	.name = "show", .fn = cmd_actions_show, .flags = NEEDS_UNLOCK,
	.summary = "one action", .synopsis = "ID [--as-of DATE] [--json]", .opts = show_opts,
	.min_args = 1, .max_args = 1, .args_name = "ID",
};

static const struct cli_cmd actions_done_def = {
	.name = "done", .fn = cmd_actions_done, .flags = NEEDS_UNLOCK,
	.summary = "mark an action done (who and when are recorded)", .synopsis = "ID [--json]",
	.min_args = 1, .max_args = 1, .args_name = "ID",
};

static const struct cli_cmd *const actions_subs[] = { &actions_list_def, &actions_show_def, &actions_done_def, NULL };

const struct cli_cmd cmd_actions_def = {
	.name = "actions", .fn = NULL, .flags = 0,
	.summary = "follow-up actions from incident reviews, tracked to closure",
	.subs = actions_subs,
};
