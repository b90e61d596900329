/* cmd_client.c - `fortress client add|list|get|find|edit|erase` (import and
 * export are in cmd_client_io.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "front/shapes.h"

static const struct cli_opt set_opts[] = {
	{ "set", 0, OPT_MULTI, "FIELD=VALUE", "set FIELD (an empty VALUE clears it on edit)" },
	{ "set-file", 0, OPT_MULTI, "FIELD=PATH", "set FIELD to the content of PATH ('-': stdin): the value stays off the command line" },
	{ "set-stdin", 0, OPT_VALUE, "FIELD", "set FIELD to what the standard input holds" },
	{ "language", 0, OPT_VALUE, "LANG", "the client's letters in LANG: en de fr es it nl ('' forgets it)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static const struct cli_opt get_opts[] = {
	{ "reveal", 0, OPT_MULTI, "FIELD|all", "decrypt FIELD in full (needs --purpose)" },
	{ "purpose", 0, OPT_VALUE, "P", "why the values are revealed; the data map must allow it" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static const struct cli_opt erase_opts[] = {
	{ "reason", 0, OPT_VALUE, "TEXT", "why (no personal data: it is kept in the erasure ledger)" },
	{ "yes", 0, OPT_FLAG, NULL, "do not ask for confirmation" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static const char *const hint_ids = "'fortress client list' shows the client ids";

/* --set FIELD=VALUE (pointing into argv), --set-file FIELD=PATH and
 * --set-stdin FIELD (read here, owned, wiped by free_sets) into a fort_kv
 * array.  READ 0: only the syntax is checked (before the passphrase). */
static int parse_sets_x(struct cli *c, fort_kv **out, size_t *n, int read);

static void free_sets(fort_kv *kv, size_t n)
{
	size_t i;

	for (i = 0; kv && i < n; i++)
		free((char *)kv[i].field);
	free(kv);
}

/* A value read from a file or stdin: the text, one trailing newline off. */
static char *slurp_value(struct cli *c, const char *path, int *ex)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	*ex = EXIT_OK;
	if (!f) {
		*ex = cli_error(c, EXIT_IO, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *nb;
			if (cap > (1u << 20)) {
				*ex = cli_error(c, EXIT_INPUT, "%s: a value longer than 1 MiB", path);
				break;
			}
			cap = cap ? 2 * cap : 8192;
			if (!(nb = malloc(cap))) {
				*ex = cli_error(c, EXIT_IO, "out of memory");
				break;
			}
			if (buf) {
				memcpy(nb, buf, len);
				explicit_bzero(buf, len);
				free(buf);
			}
			buf = nb;
		}
		size_t k = fread(buf + len, 1, cap - len - 1, f);
		len += k;
		if (k == 0)
			break;
	}
	if (f != stdin)
		fclose(f);
	if (*ex != EXIT_OK) {
		if (buf) {
			explicit_bzero(buf, len);
			free(buf);
		}
		return NULL;
	}
	if (len && buf[len - 1] == '\n')
		len--;
	if (len && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return buf;
}

static int parse_sets_x(struct cli *c, fort_kv **out, size_t *n, int read)
{
	const char *const *sets, *const *files;
	const char *in = cli_str(c, "set-stdin");
	size_t i, ns = cli_multi(c, "set", &sets), nf = cli_multi(c, "set-file", &files), total;
	fort_kv *kv;
	int ex = EXIT_OK;

	*out = NULL;
	*n = 0;
	total = ns + nf + (in ? 1 : 0);
	if (total == 0 && cli_str(c, "language"))
		return EXIT_OK;   /* only the language changes */
	if (total == 0)
		return cli_usage_error(c, "'%s' needs --set FIELD=VALUE (or --set-file FIELD=PATH, --set-stdin FIELD)", c->cmd_path);
	if (in && !*in)
		return cli_usage_error(c, "--set-stdin needs the FIELD the standard input holds");
	kv = calloc(total + 1, sizeof(*kv));
	if (!kv)
		return cli_error(c, EXIT_IO, "out of memory");
	for (i = 0; i < ns + nf; i++) {
		const char *arg = i < ns ? sets[i] : files[i - ns];
		const char *opt = i < ns ? "--set" : "--set-file";
		const char *eq = strchr(arg, '=');

		if (!eq || eq == arg) {
			ex = EXIT_USAGE;
			/* the argument is not echoed: it may hold a client's value;
			 * only a first word that looks like a field name is named */
			if (!eq) {
				size_t w = strcspn(arg, " \t:");
				int word = w > 0 && w <= 64 && (arg[w] == ' ' || arg[w] == '\t' || arg[w] == ':');
				for (size_t k = 0; word && k < w; k++)
					if (!((arg[k] >= 'a' && arg[k] <= 'z') || (arg[k] >= '0' && arg[k] <= '9') || arg[k] == '_'))
						word = 0;
				if (word)
					cli_usage_error(c, "%s '%.*s ...': the '=' is missing: write %s %.*s=%s", opt, (int)w, arg, opt,
							(int)w, arg, i < ns ? "VALUE" : "PATH");
				else
					cli_usage_error(c, "%s needs FIELD=%s (argument %zu of %s has no '=')", opt,
							i < ns ? "VALUE" : "PATH", (i < ns ? i : i - ns) + 1, opt);
			} else {
				cli_usage_error(c, "%s needs FIELD=%s (argument %zu of %s has no field name)", opt,
						i < ns ? "VALUE" : "PATH", (i < ns ? i : i - ns) + 1, opt);
			}
			goto fail;
		}
		if (!(kv[i].field = strndup(arg, (size_t)(eq - arg)))) {
			ex = cli_error(c, EXIT_IO, "out of memory");
			goto fail;
		}
		if (i < ns) {
			kv[i].value = eq + 1;
		} else if (read) {
			char *v = slurp_value(c, eq + 1, &ex);
			if (!v)
				goto fail;
			kv[i].value = v;
		} else if (strcmp(eq + 1, "-") != 0 && access(eq + 1, R_OK) < 0) {
			ex = cli_error(c, errno == ENOENT ? EXIT_NOTFOUND : EXIT_IO, "cannot read %s: %s", eq + 1, strerror(errno));
			goto fail;
		}
	}
	if (in) {
		if (!(kv[i].field = strdup(in))) {
			ex = cli_error(c, EXIT_IO, "out of memory");
			goto fail;
		}
		if (read && !(kv[i].value = slurp_value(c, "-", &ex)))
			goto fail;
	}
	*out = kv;
	*n = total;
	return EXIT_OK;
fail:
	for (size_t k = ns; k < total; k++)
		if (kv[k].value) {
			explicit_bzero((char *)kv[k].value, strlen(kv[k].value));
			free((char *)kv[k].value);
		}
	free_sets(kv, total);
	return ex;
}

/* Values read from files and stdin (after the --set ones) are wiped and freed. */
static void free_read_sets(struct cli *c, fort_kv *kv, size_t n)
{
	size_t ns = cli_multi(c, "set", &(const char *const *){ NULL });
	for (size_t k = ns; kv && k < n; k++)
		if (kv[k].value) {
			explicit_bzero((char *)kv[k].value, strlen(kv[k].value));
			free((char *)kv[k].value);
		}
	free_sets(kv, n);
}

static int parse_sets(struct cli *c, fort_kv **out, size_t *n)
{
	return parse_sets_x(c, out, n, 1);
}

/* Usage errors before the passphrase is asked for. */
static int sets_check(struct cli *c)
{
	fort_kv *kv;
	size_t n;
	const char *lang = cli_str(c, "language");
	int ex;
	if (lang && *lang && !fort_language_supported(lang))
		return cli_error(c, EXIT_INPUT, "--language %s: letters are written in en, de, fr, es, it or nl; give one of them "
				 "(or --language '' to forget the client's language)", lang);
	ex = parse_sets_x(c, &kv, &n, 0);
	if (ex == EXIT_OK)
		free_sets(kv, n);
	return ex;
}

/* VALUES: the command took --set FIELD=VALUE (add, edit). */
static int client_fail(struct cli *c, int r, int values)
{
	switch (r) {
	case FORT_ENOTFOUND:
		return cli_fail(c, r, values ? "'fortress map show' lists the fields; 'fortress client list' the ids" : hint_ids);
	case FORT_EDUPLICATE:
		return cli_fail(c, r, "change the existing client with 'fortress client edit ID'");
	case FORT_EINPUT:
		return cli_fail(c, r, values ? "'fortress map show' lists the fields and their types" : hint_ids);
	default:
		return cli_fail(c, r, NULL);
	}
}

/* ------------------------------------------------------------------ add */

/* "updated ID" / {"id": ID, "updated": true} */
static int print_done(struct cli *c, const char *id, const char *what)
{
	if (c->json)
		return cli_print_json(c, shape_done(id, what));
	if (!c->quiet)
		printf("%s %s\n", what, id);
	return EXIT_OK;
}

static int cmd_client_add(struct cli *c)
{
	char id[FORT_ID_LEN + 1];
	fort_kv *kv;
	size_t n;
	int r, ex;

	if ((ex = parse_sets(c, &kv, &n)) != EXIT_OK)
		return ex;
	if (!n)
		return cli_usage_error(c, "'%s' needs --set FIELD=VALUE (or --set-file FIELD=PATH, --set-stdin FIELD)", c->cmd_path);
	r = fort_client_add(id, c->vault, kv, n);
	free_read_sets(c, kv, n);
	if (r < 0)
		return client_fail(c, r, 1);
	if (cli_str(c, "language") && (r = fort_client_language_set(c->vault, id, cli_str(c, "language"))) < 0)
		return client_fail(c, r, 0);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "id", json_string(id));
		return cli_print_json(c, j);
	}
	printf("%s\n", id);    /* the result, printed even with --quiet */
	return EXIT_OK;
}

/* ------------------------------------------------------------------ edit */

static int cmd_client_edit(struct cli *c)
{
	const char *id = cli_pos(c, 0);
	fort_kv *kv;
	size_t n;
	int r, ex;

	if ((ex = parse_sets(c, &kv, &n)) != EXIT_OK)
		return ex;
	r = n ? fort_client_edit(c->vault, id, kv, n) : 0;
	free_read_sets(c, kv, n);
	if (r < 0)
		return client_fail(c, r, 1);
	if (cli_str(c, "language") && (r = fort_client_language_set(c->vault, id, cli_str(c, "language"))) < 0)
		return client_fail(c, r, 0);
	return print_done(c, id, "updated");
}

/* ------------------------------------------------------------------ list */

static int cmd_client_list(struct cli *c)
{
	fort_client_summary *s = NULL;
	size_t n = 0, i;
	char when[32];
	int r;

	if ((r = fort_client_list(&s, &n, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *a = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(a, shape_client_summary(&s[i]));
		free(s);
		return cli_print_json(c, a);
	}
	for (i = 0; i < n; i++) {
		printf("%s%s%s  %s  %s\n", cli_bold(c), s[i].id, cli_reset(c),
		       cli_time(when, sizeof(when), s[i].created), s[i].display);
	}
	free(s);
	return EXIT_OK;
}

/* ------------------------------------------------------------------- get */

static int cmd_client_get(struct cli *c)
{
	fort_read_opts o = FORT_READ_OPTS_INIT;
	fort_record *rec = NULL;
	size_t i, n;
	int r;

	o.nreveal = cli_multi(c, "reveal", &o.reveal);
	o.purpose = cli_str(c, "purpose");
	if (o.nreveal && (!o.purpose || !*o.purpose))
		return cli_usage_error(c, "--reveal needs --purpose P");
	if ((r = fort_client_get(&rec, c->vault, cli_pos(c, 0), &o)) < 0)
		return client_fail(c, r, 0);
	n = fort_record_count(rec);
	if (c->json) {
		json_t *j = shape_record(rec);
		int ex;

		fort_record_free(rec);
		ex = cli_print_json(c, j);
		return ex;
	}
	for (i = 0; i < n; i++) {
		const fort_record_field *f = fort_record_field_at(rec, i);

		printf("%s%s:%s %s\n", cli_bold(c), f->field, cli_reset(c), f->value ? f->value : "");
	}
	fort_record_free(rec);
	return EXIT_OK;
}

/* ------------------------------------------------------------------ find */

static int cmd_client_find(struct cli *c)
{
	const char *arg = cli_pos(c, 0), *eq = strchr(arg, '=');
	char (*ids)[FORT_ID_LEN + 1] = NULL;
	char *field;
	size_t n = 0, i;
	int r, ex = EXIT_OK;

	if (!eq || eq == arg)
		return cli_usage_error(c, "'client find' needs FIELD=VALUE");
	field = strndup(arg, (size_t)(eq - arg));
	if (!field)
		return cli_error(c, EXIT_IO, "out of memory");
	r = fort_client_find(&ids, &n, c->vault, field, eq + 1);
	if (r < 0) {
		ex = cli_fail(c, r, r == FORT_EINPUT || r == FORT_ENOTFOUND ?
			      "only searchable fields can be searched; see 'fortress map show'" : NULL);
		goto out;
	}
	if (c->json) {
		ex = cli_print_json(c, shape_ids(ids, n));
	} else {
		for (i = 0; i < n; i++)
			printf("%s\n", ids[i]);
	}
	if (ex == EXIT_OK && n == 0)
		ex = cli_error(c, EXIT_NOTFOUND, "no client found with that %s", field);
out:
	free(ids);
	free(field);
	return ex;
}

/* ----------------------------------------------------------------- erase */

static int erase_check(struct cli *c)
{
	if (!cli_flag(c, "yes") && !cli_have_tty())
		return cli_usage_error(c, "'client erase' needs --yes when there is no terminal to confirm on");
	return EXIT_OK;
}

static int cmd_client_erase(struct cli *c)
{
	const char *id = cli_pos(c, 0);
	int r;

	r = fort_client_is_erased(c->vault, id);
	if (r == 1) {
		cli_error(c, EXIT_NOTFOUND, "client %s was already erased", id);
		return EXIT_NOTFOUND;
	}
	if (!cli_flag(c, "yes")) {
		char prompt[160], *answer = NULL;
		int yes;

		snprintf(prompt, sizeof(prompt),
			 "Erase client %.40s for good? Its data cannot be recovered. [y/N] ", id);
		if (cli_tty_ask(&answer, prompt) < 0)
			return cli_error(c, EXIT_FAIL, "not confirmed; nothing erased");
		yes = !strcasecmp(answer, "y") || !strcasecmp(answer, "yes");
		free(answer);
		if (!yes)
			return cli_error(c, EXIT_FAIL, "not confirmed; nothing erased");
	}
	if ((r = fort_client_erase(c->vault, id, cli_str(c, "reason"))) < 0)
		return client_fail(c, r, 0);
	return print_done(c, id, "erased");
}

/* ----------------------------------------------------------------- table */

static const struct cli_cmd client_add_def = {
	.name = "add", .fn = cmd_client_add, .flags = NEEDS_UNLOCK,
	.summary = "add a client; prints the new id",
	.synopsis = "--set FIELD=VALUE [--set ...] [--set-file FIELD=PATH]... [--set-stdin FIELD]",
	.opts = set_opts, .min_args = 0, .max_args = 0, .check = sets_check,
	.description =
		"Every value is checked and normalised by its field's type (see 'fortress map\n"
		"show').  A client with the same email or phone is refused.  Prints the new\n"
		"id (c-0123456789abcdef).  --language sets the language of the client's\n"
		"letters (else: their consents' language, else the business's).\n",
};

static const struct cli_cmd client_list_def = {
	.name = "list", .fn = cmd_client_list, .flags = NEEDS_UNLOCK,
	.summary = "list clients: id, created, masked name",
	.synopsis = "[--json]",
	.min_args = 0, .max_args = 0,
};

static const struct cli_cmd client_get_def = {
	.name = "get", .fn = cmd_client_get, .flags = NEEDS_UNLOCK,
	.summary = "show one client, masked unless revealed for a purpose",
	.synopsis = "ID [--reveal FIELD|all]... [--purpose P] [--json]",
	.opts = get_opts, .min_args = 1, .max_args = 1, .args_name = "ID",
	.description =
		"Prints 'field: value' lines, masked unless revealed.  --reveal needs a\n"
		"--purpose the data map allows for each revealed field.  Every read is audited.\n",
};

static const struct cli_cmd client_find_def = {
	.name = "find", .fn = cmd_client_find, .flags = NEEDS_UNLOCK,
	.summary = "find clients by a searchable field; prints ids",
	.synopsis = "FIELD=VALUE [--json]",
	.min_args = 1, .max_args = 1, .args_name = "FIELD=VALUE",
	.description =
		"Searches the blind index (nothing is decrypted).  Prints matching ids, one a\n"
		"line; exit 3 when there is none.\n",
};

static const struct cli_cmd client_edit_def = {
	.name = "edit", .fn = cmd_client_edit, .flags = NEEDS_UNLOCK,
	.summary = "change fields of a client",
	.synopsis = "ID --set FIELD=VALUE [--set ...] [--set-file FIELD=PATH]... [--set-stdin FIELD]",
	.opts = set_opts, .min_args = 1, .max_args = 1, .args_name = "ID", .check = sets_check,
	.description = "An empty VALUE clears the field.  --language alone changes only the\n"
		       "language of the client's letters.\n",
};

static const struct cli_cmd client_erase_def = {
	.name = "erase", .fn = cmd_client_erase, .flags = NEEDS_UNLOCK,
	.summary = "erase a client for good (crypto-shredding)",
	.synopsis = "ID [--reason TEXT] [--yes]",
	.opts = erase_opts, .min_args = 1, .max_args = 1, .args_name = "ID",
	.check = erase_check,
	.description =
		"Deletes the client's key, ciphertexts and index entries; the id goes into the\n"
		"erasure ledger.  Asks for confirmation on a terminal unless --yes; without a\n"
		"terminal --yes is required.\n",
};

static const struct cli_cmd *const client_subs[] = {
	&client_add_def,
	&client_list_def,
	&client_get_def,
	&client_find_def,
	&client_edit_def,
	&client_erase_def,
	&cmd_client_import_def,
	&cmd_client_export_def,
	NULL
};

const struct cli_cmd cmd_client_def = {
	.name = "client", .fn = NULL, .flags = 0,
	.summary = "add, read, find, change, erase, import and export clients",
	.subs = client_subs,
};
