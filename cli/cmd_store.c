/* cmd_store.c - fortress store copy (issue 19): a vault moved between a
 * SQLite file and a PostgreSQL database (fort_store_copy). */
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "cli.h"

static const struct cli_opt copy_opts[] = {
	{ "to", 0, OPT_VALUE, "DEST", "the new vault: a file path, or an empty PostgreSQL database (postgresql://..., service=NAME)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static json_t *copy_json(const fort_store_copy_report *rep, const char *from, const char *to)
{
	json_t *j = json_object(), *t = json_array();
	char head[96];
	snprintf(head, sizeof head, "%lld:%s", (long long)rep->audit_head_seq, rep->audit_head);
	json_object_set_new(j, "ok", json_boolean(rep->ok));
	json_object_set_new(j, "from", json_string(from));
	json_object_set_new(j, "to", json_string(to));
	json_object_set_new(j, "rows", json_integer((json_int_t)rep->rows));
	json_object_set_new(j, "clients", json_integer((json_int_t)rep->clients));
	json_object_set_new(j, "seals", json_integer((json_int_t)rep->seals));
	json_object_set_new(j, "audit_entries", json_integer((json_int_t)rep->audit_entries));
	json_object_set_new(j, "audit_head", json_string(head));
	for (size_t i = 0; i < rep->ntables; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "table", json_string(rep->tables[i].name));
		json_object_set_new(o, "rows", json_integer((json_int_t)rep->tables[i].rows));
		json_object_set_new(o, "same", json_boolean(rep->tables[i].same));
		json_array_append_new(t, o);
	}
	json_object_set_new(j, "tables", t);
	json_object_set_new(j, "problem", rep->ok ? json_null() : json_string(rep->problem));
	return j;
}

static int cmd_store_copy(struct cli *c)
{
	fort_store_copy_report rep;
	const char *to = cli_str(c, "to");
	int r;
	if (!to || !*to)
		return cli_usage_error(c, "store copy needs --to DEST (a file path or a PostgreSQL database)");
	if (strcmp(to, c->vault_path) == 0)
		return cli_error(c, EXIT_INPUT, "--to names the vault itself (%s): give a new file or an empty database", to);
	cli_verbose(c, "copying %s to %s", c->vault_path, to);
	r = fort_store_copy(&rep, c->vault_path, to);
	if (r < 0 && rep.problem[0] == '\0')
		return cli_fail(c, r, r == FORT_EEXISTS ? "store copy writes a new vault: name a file that does not exist or an empty database"
						       : NULL);
	if (c->json) {
		int ex = cli_print_json(c, copy_json(&rep, c->vault_path, to));
		if (ex != EXIT_OK)
			return ex;
		return r < 0 ? cli_exit_code(r) : EXIT_OK;
	}
	if (r < 0)
		return cli_fail(c, r, NULL);
	if (!c->quiet) {
		for (size_t i = 0; i < rep.ntables; i++)
			printf("%-22s %10llu rows  %s\n", rep.tables[i].name, (unsigned long long)rep.tables[i].rows,
			       rep.tables[i].same ? "same" : "DIFFERENT");
		printf("copied %llu rows (%llu clients, %llu seals) to %s; audit chain OK: %llu entries, head %lld:%s\n",
		       (unsigned long long)rep.rows, (unsigned long long)rep.clients, (unsigned long long)rep.seals, to,
		       (unsigned long long)rep.audit_entries, (long long)rep.audit_head_seq, rep.audit_head);
	}
	return EXIT_OK;
}

static const struct cli_cmd store_copy_def = {
	.name = "copy", .fn = cmd_store_copy, .flags = NEEDS_PATH,
	.summary = "copy the vault to a new file or an empty PostgreSQL database, and check the copy",
	.synopsis = "--to DEST [--json]",
	.opts = copy_opts, .min_args = 0, .max_args = 0,
	.description =
		"Copies every table of the vault (--vault) as it is stored: ciphertext, index\n"
		"entries, wrapped keys, seals and the audit chain; nothing is decrypted and no\n"
		"passphrase is asked for.  DEST is a file that does not exist yet or an empty\n"
		"PostgreSQL database (postgresql://..., postgres://..., service=NAME), and the\n"
		"other way round.  The source's audit log must verify first.  The copy is then\n"
		"checked: each table's row count and a digest of its rows, the audit chain and\n"
		"every seal, and the same audit head.  Exit 0 when it is complete and checked;\n"
		"8 when the source or the copy does not verify (a file copy is removed; a\n"
		"database is left for inspection), 6 when DEST exists or holds tables.\n",
};

static const struct cli_cmd *const store_subs[] = {
	&store_copy_def,
	NULL
};

const struct cli_cmd cmd_store_def = {
	.name = "store", .fn = NULL, .flags = 0,
	.summary = "move the vault between storage backends (a file, PostgreSQL)",
	.subs = store_subs,
};
