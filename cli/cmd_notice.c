/* cmd_notice.c - `fortress notice show|publish|diff` and `fortress records`:
 * the privacy notice and the records of processing, generated from the
 * data map. */
#include <string.h>

#include "cli.h"
#include "front/shapes.h"

static const struct cli_opt out_opts[] = {
	{ "format", 0, OPT_VALUE, "F", "notice: md (default) or html; records: json (default), csv or html" },
	{ "output", 'o', OPT_VALUE, "FILE", "write to FILE instead of standard output ('-'; an existing FILE only with --force)" },
	{ "force", 0, OPT_FLAG, NULL, "with -o: replace FILE if it exists (never through a symbolic link)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static const struct cli_opt show_opts[] = {
	{ "format", 0, OPT_VALUE, "F", "md (default) or html" },
	{ "output", 'o', OPT_VALUE, "FILE", "write to FILE instead of standard output ('-'; an existing FILE only with --force)" },
	{ "force", 0, OPT_FLAG, NULL, "with -o: replace FILE if it exists (never through a symbolic link)" },
	{ "language", 0, OPT_VALUE, "LANG", "the notice's texts in LANG: en (default) de fr es it nl" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static const struct cli_opt publish_opts[] = {
	{ "language", 0, OPT_VALUE, "LANG", "publish the notice in LANG: en (default) de fr es it nl" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int emit(struct cli *c, const char *text)
{
	if (cli_str(c, "output"))
		return cli_write_file(c, cli_str(c, "output"), text, strlen(text), 0644, cli_flag(c, "force"));
	fputs(text, stdout);
	return EXIT_OK;
}

static int cmd_notice_show(struct cli *c)
{
	char *text = NULL, version[65];
	int r, ex;

	if ((r = fort_notice_generate_in(&text, version, c->vault, cli_str(c, "format"), cli_str(c, "language"))) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = shape_notice(version, text);

		free(text);
		return cli_print_json(c, j);
	}
	ex = emit(c, text);
	free(text);
	if (ex == EXIT_OK)
		cli_info(c, "notice version %s", version);
	return ex;
}

static int cmd_notice_publish(struct cli *c)
{
	char version[65];
	int r;

	if ((r = fort_notice_publish_in(version, c->vault, cli_str(c, "language"))) < 0)
		return cli_fail(c, r, NULL);
	if (c->json)
		return cli_print_json(c, shape_notice(version, NULL));
	printf("notice version %s published%s%s\n", version, cli_str(c, "language") && *cli_str(c, "language") ? " in " : "",
	       cli_str(c, "language") ? cli_str(c, "language") : "");
	cli_info(c, "consents recorded from now on without --notice-file refer to this text");
	return EXIT_OK;
}

static int cmd_notice_diff(struct cli *c)
{
	char *d = NULL;
	int changed = 0, r;

	if ((r = fort_notice_diff(&d, &changed, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "changed", json_boolean(changed));
		json_object_set_new(j, "diff", json_string(d));
		free(d);
		r = cli_print_json(c, j);
		return r ? r : (changed ? EXIT_FAIL : EXIT_OK);
	}
	fputs(d, stdout);
	free(d);
	return changed ? EXIT_FAIL : EXIT_OK;
}

static int cmd_records(struct cli *c)
{
	char *text = NULL;
	int r, ex;

	if ((r = fort_records_generate(&text, c->vault, cli_str(c, "format"))) < 0)
		return cli_fail(c, r, NULL);
	ex = emit(c, text);
	free(text);
	return ex;
}

static const struct cli_cmd notice_show_def = {
	.name = "show", .fn = cmd_notice_show, .flags = NEEDS_VAULT,
	.summary = "the privacy notice generated from the data map (Markdown or HTML)",
	.synopsis = "[--format md|html] [-o FILE [--force]] [--json]", .opts = show_opts, .min_args = 0, .max_args = 0,
	.description =
		"--language writes the notice's own texts in that language; the names and\n"
		"descriptions of the data map stay as written, and a footnote says so.\n",
};
static const struct cli_cmd notice_publish_def = {
	.name = "publish", .fn = cmd_notice_publish, .flags = NEEDS_UNLOCK,
	.summary = "publish the current notice: its text is kept and consents refer to it",
	.synopsis = "[--json]", .opts = publish_opts, .min_args = 0, .max_args = 0,
	.description =
		"Each language is published on its own (--language); the intake form and the\n"
		"self-service page show the visitor the notice in their language when one is\n"
		"published, else the English one with a line saying so.\n",
};
static const struct cli_cmd notice_diff_def = {
	.name = "diff", .fn = cmd_notice_diff, .flags = NEEDS_VAULT,
	.summary = "what changed since the last published notice (exit 1 if anything)",
	.synopsis = "[--json]", .min_args = 0, .max_args = 0,
};
static const struct cli_cmd *const notice_subs[] = { &notice_show_def, &notice_publish_def, &notice_diff_def, NULL };

const struct cli_cmd cmd_notice_def = {
	.name = "notice", .fn = NULL, .flags = 0,
	.summary = "the privacy notice: show, publish, diff",
	.subs = notice_subs,
};

const struct cli_cmd cmd_records_def = {
	.name = "records", .fn = cmd_records, .flags = NEEDS_VAULT,
	.summary = "the records of processing activities (GDPR Art. 30(1)) from the data map",
	.synopsis = "[--format json|csv|html] [-o FILE [--force]]", .opts = out_opts, .min_args = 0, .max_args = 0,
};
