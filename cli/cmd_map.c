/* cmd_map.c - `fortress map show|export|import|field add|field edit`: the
 * data map (which fields exist, why, for which purposes). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAP_FILE_MAX ((size_t)4 << 20)

static const struct cli_opt export_opts[] = {
	{ "output", 'o', OPT_VALUE, "FILE", "write to FILE instead of stdout ('-' stdout; an existing FILE only with --force)" },
	{ "force", 0, OPT_FLAG, NULL, "with -o: replace FILE if it exists (never through a symbolic link)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static const struct cli_opt field_opts[] = {
	{ "type", 0, OPT_VALUE, "T", "text, name, email, phone, iban, card, date, ssn or id_number" },
	{ "category", 0, OPT_VALUE, "C", "identity, contact, financial, special or notes" },
	{ "label", 0, OPT_VALUE, "L", "human-readable label" },
	{ "purpose", 0, OPT_MULTI, "P", "a purpose a reveal or export may name" },
	{ "legal-basis", 0, OPT_VALUE, "B", "legal basis, e.g. \"contract (GDPR Art. 6(1)(b))\"" },
	{ "retention", 0, OPT_VALUE, "R", "how long the data is kept" },
	{ "note", 0, OPT_VALUE, "N", "why the field is kept this way" },
	{ "searchable", 0, OPT_FLAG, NULL, "keep a blind index so 'client find' works" },
	{ "not-searchable", 0, OPT_FLAG, NULL, "no blind index" },
	{ "max-length", 0, OPT_VALUE, "N", "longest value (text fields)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

/* ---------------------------------------------------------------- show */

static json_t *map_json(struct cli *c, int *ex)
{
	char *text = NULL;
	json_error_t err;
	json_t *j;
	int r;

	*ex = EXIT_OK;
	r = fort_map_export(&text, c->vault);
	if (r == FORT_ELOCKED) {
		if ((*ex = cli_vault_reopen_unlocked(c)) != EXIT_OK)
			return NULL;
		r = fort_map_export(&text, c->vault);
	}
	if (r < 0) {
		*ex = cli_fail(c, r, NULL);
		return NULL;
	}
	j = json_loads(text, 0, &err);
	free(text);
	if (!j)
		*ex = cli_error(c, EXIT_FAIL, "the vault returned a data map that is not JSON: %s", err.text);
	return j;
}

static int cmd_map_show(struct cli *c)
{
	size_t i, n, k;

	if (c->json) {
		int ex;
		json_t *j = map_json(c, &ex);

		return j ? cli_print_json(c, j) : ex;
	}
	n = fort_map_count(c->vault);
	for (i = 0; i < n; i++) {
		const fort_field_info *f = fort_map_field(c->vault, i);

		if (!f)
			continue;
		if (i > 0)
			putchar('\n');
		printf("%s%s%s", cli_bold(c), f->name, cli_reset(c));
		if (f->label && *f->label)
			printf(" (%s)", f->label);
		putchar('\n');
		printf("  type: %s, category: %s, searchable: %s", f->type ? f->type : "",
		       f->category ? f->category : "", f->searchable ? "yes" : "no");
		if (f->max_length)
			printf(", max length: %zu", f->max_length);
		putchar('\n');
		printf("  purposes: ");
		for (k = 0; k < f->npurposes; k++)
			printf("%s%s", k ? ", " : "", f->purposes[k]);
		printf("%s\n", f->npurposes ? "" : "(none: never revealed or exported)");
		if (f->legal_basis && *f->legal_basis)
			printf("  legal basis: %s\n", f->legal_basis);
		if (f->retention && *f->retention)
			printf("  retention: %s\n", f->retention);
		if (f->note && *f->note)
			printf("  note: %s\n", f->note);
	}
	return EXIT_OK;
}

/* -------------------------------------------------------- export/import */

static int cmd_map_export(struct cli *c)
{
	const char *out = cli_str(c, "output");
	char *s, *withnl;
	size_t len;
	int ex;
	json_t *j = map_json(c, &ex);

	if (!j)
		return ex;
	if (!out || !strcmp(out, "-"))
		return cli_print_json(c, j);
	s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!s)
		return cli_error(c, EXIT_IO, "out of memory");
	len = strlen(s);
	if (!(withnl = realloc(s, len + 2))) {
		free(s);
		return cli_error(c, EXIT_IO, "out of memory");
	}
	withnl[len++] = '\n';
	withnl[len] = '\0';
	ex = cli_write_file(c, out, withnl, len, 0644, cli_flag(c, "force"));
	free(withnl);
	if (ex == EXIT_OK && !c->quiet && !c->json)
		printf("data map written to %s\n", out);
	return ex;
}

static int cmd_map_import(struct cli *c)
{
	const char *path = cli_pos(c, 0);
	char *text;
	size_t len;
	int r, ex;

	if ((ex = cli_read_file(c, path, &text, &len, MAP_FILE_MAX)) != EXIT_OK)
		return ex;
	r = fort_map_import(c->vault, text, len);
	free(text);
	if (r < 0)
		return cli_fail(c, r, r == FORT_EINPUT ? "'fortress map export' shows the current map in the expected form" : NULL);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "imported", json_string(path));
		json_object_set_new(j, "fields", json_integer((json_int_t)fort_map_count(c->vault)));
		return cli_print_json(c, j);
	}
	if (!c->quiet)
		printf("data map imported from %s: %zu fields\n", path, fort_map_count(c->vault));
	return EXIT_OK;
}

/* ----------------------------------------------------------- field add/edit */

static int field_spec(struct cli *c, fort_field_spec *s)
{
	const char *ml = cli_str(c, "max-length");

	s->name = cli_pos(c, 0);
	s->type = cli_str(c, "type");
	s->category = cli_str(c, "category");
	s->label = cli_str(c, "label");
	s->legal_basis = cli_str(c, "legal-basis");
	s->retention = cli_str(c, "retention");
	s->note = cli_str(c, "note");
	s->npurposes = cli_multi(c, "purpose", &s->purposes);
	if (cli_flag(c, "searchable") && cli_flag(c, "not-searchable"))
		return cli_usage_error(c, "--searchable and --not-searchable exclude each other");
	s->searchable = cli_flag(c, "searchable") ? 1 : cli_flag(c, "not-searchable") ? 0 : -1;
	if (ml) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(ml, &end, 10);
		if (errno || end == ml || *end || ml[0] == '-' || v == 0)
			return cli_usage_error(c, "--max-length must be a positive number, not '%s'", ml);
		s->max_length = (size_t)v;
	}
	return EXIT_OK;
}

static int field_done(struct cli *c, const char *what, const char *name)
{
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, what, json_string(name));
		return cli_print_json(c, j);
	}
	if (!c->quiet)
		printf("%s field %s\n", what, name);
	return EXIT_OK;
}

static int cmd_field_add(struct cli *c)
{
	fort_field_spec s = FORT_FIELD_SPEC_INIT;
	int r, ex;

	if ((ex = field_spec(c, &s)) != EXIT_OK)
		return ex;
	if (!s.type)
		return cli_usage_error(c, "'map field add' needs --type T");
	if (!s.category)
		return cli_usage_error(c, "'map field add' needs --category C");
	if ((r = fort_map_field_add(c->vault, &s)) < 0)
		return cli_fail(c, r, r == FORT_EEXISTS ? "change an existing field with 'fortress map field edit'" : NULL);
	return field_done(c, "added", s.name);
}

static int cmd_field_edit(struct cli *c)
{
	fort_field_spec s = FORT_FIELD_SPEC_INIT;
	int r, ex;

	if ((ex = field_spec(c, &s)) != EXIT_OK)
		return ex;
	if ((r = fort_map_field_edit(c->vault, &s)) < 0)
		return cli_fail(c, r, r == FORT_ENOTFOUND ? "'fortress map show' lists the fields" : NULL);
	return field_done(c, "updated", s.name);
}

static const struct cli_cmd field_add_def = {
	.name = "add", .fn = cmd_field_add, .flags = NEEDS_UNLOCK,
	.summary = "add a field to the data map",
	.synopsis = "NAME --type T --category C [--label L] [--purpose P]... [--legal-basis B]"
		    " [--retention R] [--note N] [--searchable|--not-searchable] [--max-length N]",
	.opts = field_opts, .min_args = 1, .max_args = 1, .args_name = "NAME",
	.description =
		"Types: text name email phone iban card date.\n"
		"Categories: identity contact financial special notes.\n",
};

static const struct cli_cmd field_edit_def = {
	.name = "edit", .fn = cmd_field_edit, .flags = NEEDS_UNLOCK,
	.summary = "change a field of the data map",
	.synopsis = "NAME [--type T] [--category C] [--label L] [--purpose P]... [--legal-basis B]"
		    " [--retention R] [--note N] [--searchable|--not-searchable] [--max-length N]",
	.opts = field_opts, .min_args = 1, .max_args = 1, .args_name = "NAME",
	.description =
		"Only the options given change.  --purpose replaces the list of purposes.\n"
		"A field that holds data cannot change type or category.\n",
};

static const struct cli_cmd *const field_subs[] = {
	&field_add_def,
	&field_edit_def,
	NULL
};

static const struct cli_cmd map_show_def = {
	.name = "show", .fn = cmd_map_show, .flags = NEEDS_VAULT,
	.summary = "show the data map: fields, purposes, legal basis, retention",
	.synopsis = "[--json]",
	.min_args = 0, .max_args = 0,
};

static const struct cli_cmd map_export_def = {
	.name = "export", .fn = cmd_map_export, .flags = NEEDS_VAULT,
	.summary = "write the data map as JSON",
	.synopsis = "[-o FILE [--force]]",
	.opts = export_opts, .min_args = 0, .max_args = 0,
};

static const struct cli_cmd map_import_def = {
	.name = "import", .fn = cmd_map_import, .flags = NEEDS_UNLOCK,
	.summary = "replace the data map with a JSON file",
	.synopsis = "FILE",
	.min_args = 1, .max_args = 1, .args_name = "FILE",
	.description =
		"The map is validated whole.  Fields that hold data cannot be removed or\n"
		"change type or category.\n",
};

static const struct cli_cmd map_field_def = {
	.name = "field", .fn = NULL, .flags = 0,
	.summary = "add or change one field of the data map",
	.subs = field_subs,
};

static const struct cli_cmd *const map_subs[] = {
	&map_show_def,
	&map_export_def,
	&map_import_def,
	&map_field_def,
	&cmd_map_activity_def,
	&cmd_map_recipient_def,
	NULL
};

const struct cli_cmd cmd_map_def = {
	.name = "map", .fn = NULL, .flags = 0,
	.summary = "the data map: which fields are kept, why and for which purposes",
	.subs = map_subs,
};
