/* cmd_client_io.c - `fortress client import` (with a progress bar) and
 * `fortress client export`. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "front/shapes.h"

#define PROBLEMS_SHOWN 50
#define BAR_WIDTH 24

static const struct cli_opt import_opts[] = {
	{ "format", 0, OPT_VALUE, "csv|vcard|json", "file format (default: from the name or content)" },
	{ "map", 0, OPT_MULTI, "COLUMN=FIELD", "read COLUMN into FIELD (FIELD '-' ignores the column)" },
	{ "skip-invalid", 0, OPT_FLAG, NULL, "import the good rows and list the bad ones" },
	{ "rejects", 0, OPT_VALUE, "FILE", "with --skip-invalid: write the bad rows to FILE (mode 0600)" },
	{ "strict-columns", 0, OPT_FLAG, NULL, "refuse a column that matches no field (default: ignore it and say so)" },
	{ "date-order", 0, OPT_VALUE, "dmy|mdy", "how 3/7/1984 reads: day first or month first (default: the vault's country)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static const struct cli_opt export_opts[] = {
	{ "purpose", 0, OPT_VALUE, "P", "why the data leaves the vault; every exported field must allow it" },
	{ "format", 0, OPT_VALUE, "json|csv|vcard", "output format (default json; vcard: vCard 4.0)" },
	{ "field", 0, OPT_MULTI, "F", "export only F (default: every field the purpose allows)" },
	{ "output", 'o', OPT_VALUE, "FILE", "write to FILE (created with mode 0600; '-' stdout) instead of stdout" },
	{ "force", 0, OPT_FLAG, NULL, "with -o: replace FILE if it exists (never through a symbolic link)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

/* ---------------------------------------------------------- progress bar */

struct progress {
	int on, drawn;
	double start, last;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *human(char *buf, size_t len, double bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	size_t u = 0;

	while (bytes >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		bytes /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f %s", bytes, units[u]);
	else
		snprintf(buf, len, "%.1f %s", bytes, units[u]);
	return buf;
}

static void on_progress(void *ctx, uint64_t done, uint64_t total, uint64_t rows)
{
	struct progress *p = ctx;
	double t = now(), elapsed, rate;
	char bar[BAR_WIDTH + 1], b1[32], b2[32], b3[32], eta[32];
	unsigned pct = 0, fill, i;

	if (!p->on || (t - p->last < 0.1 && p->drawn))  /* at most ~10 redraws a second */
		return;
	p->last = t;
	elapsed = t - p->start;
	rate = elapsed > 0 ? (double)done / elapsed : 0;
	if (total > 0)
		pct = (unsigned)(done >= total ? 100 : done * 100 / total);
	fill = pct * BAR_WIDTH / 100;
	for (i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '#' : ' ';
	bar[BAR_WIDTH] = '\0';
	if (rate > 0 && total > done) {
		unsigned long s = (unsigned long)((double)(total - done) / rate + 0.5);

		snprintf(eta, sizeof(eta), "%lu:%02lu", s / 60, s % 60);
	} else {
		snprintf(eta, sizeof(eta), "--:--");
	}
	fprintf(stderr, "\r\033[Kimporting %3u%% [%s] %s / %s  %llu rows  %s/s  ETA %s",
		pct, bar, human(b1, sizeof(b1), (double)done), human(b2, sizeof(b2), (double)total),
		(unsigned long long)rows, human(b3, sizeof(b3), rate), eta);
	fflush(stderr);
	p->drawn = 1;
}

static void progress_end(struct progress *p)
{
	if (p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->drawn = 0;
}

/* ---------------------------------------------------------------- import */

static int import_check(struct cli *c)
{
	const char *path = cli_pos(c, 0), *fmt = cli_str(c, "format");
	const char *const *maps;
	size_t n, i;

	if (fmt && strcmp(fmt, "csv") && strcmp(fmt, "vcard") && strcmp(fmt, "json"))
		return cli_usage_error(c, "unknown --format '%s' (csv, vcard or json)", fmt);
	if (cli_str(c, "rejects") && !cli_flag(c, "skip-invalid"))
		return cli_usage_error(c, "--rejects needs --skip-invalid");
	if (cli_str(c, "date-order") && strcmp(cli_str(c, "date-order"), "dmy") && strcmp(cli_str(c, "date-order"), "mdy"))
		return cli_usage_error(c, "--date-order '%s': expected dmy (3/7/1984 is 3 July) or mdy (3/7/1984 is 7 March)",
				       cli_str(c, "date-order"));
	n = cli_multi(c, "map", &maps);
	for (i = 0; i < n; i++) {
		const char *eq = strchr(maps[i], '=');

		if (!eq || eq == maps[i] || !eq[1])
			return cli_usage_error(c, "--map needs COLUMN=FIELD, not '%s'", maps[i]);
	}
	/* Before asking for the passphrase: is there a file to import? */
	if (strcmp(path, "-") != 0 && access(path, R_OK) < 0) {
		int e = errno;

		return cli_error(c, e == ENOENT ? EXIT_NOTFOUND : EXIT_IO, "cannot read %s: %s", path, strerror(e));
	}
	return EXIT_OK;
}

static void print_problems(struct cli *c, const char *path, const fort_import_report *rep)
{
	uint64_t total = rep->rejected > rep->nproblems ? rep->rejected : rep->nproblems;
	size_t i;

	fflush(stdout);
	for (i = 0; i < rep->nproblems && (i < PROBLEMS_SHOWN || c->verbose); i++)
		fprintf(stderr, "%s: %s\n", path, rep->problems[i]);
	if (total > i)
		fprintf(stderr, "... and %llu more%s\n", (unsigned long long)(total - i), c->verbose ? "" : " (-v lists them all)");
	(void)c;
}

static int cmd_client_import(struct cli *c)
{
	fort_import_opts o = FORT_IMPORT_OPTS_INIT;
	fort_import_report *rep = NULL;
	struct progress prog = { 0, 0, 0, 0 };
	const char *path = cli_pos(c, 0);
	char *msg = NULL;
	int r, ex = EXIT_OK, skip = cli_flag(c, "skip-invalid");

	o.format = cli_str(c, "format");
	o.ncolumn_map = cli_multi(c, "map", &o.column_map);
	o.skip_invalid = skip;
	o.rejects_path = cli_str(c, "rejects");
	o.strict_columns = cli_flag(c, "strict-columns");
	o.date_order = cli_str(c, "date-order");
	prog.on = isatty(STDERR_FILENO) && !c->quiet;
	if (prog.on) {
		prog.start = now();
		o.progress = on_progress;
		o.progress_ctx = &prog;
	}

	r = fort_client_import(&rep, c->vault, path, &o);
	progress_end(&prog);
	if (r < 0) {
		const char *m = fort_error_message();

		msg = strdup(m && *m ? m : "import failed");
	}
	if (rep && rep->nproblems > 0)
		print_problems(c, path, rep);
	for (size_t i = 0; rep && !c->json && !c->quiet && i < rep->nnotes; i++)
		fprintf(stderr, "%s: %s\n", path, rep->notes[i]);
	if (c->json && rep)
		ex = cli_print_json(c, shape_import_report(path, rep));

	if (rep && rep->rejected > 0 && !skip) {
		/* all or nothing: the summary, then exit 6 */
		if (r < 0)
			cli_error(c, EXIT_INPUT, "%s", msg ? msg : "import failed");
		else
			cli_error(c, EXIT_INPUT, "%llu of %llu rows are invalid",
				  (unsigned long long)rep->rejected, (unsigned long long)rep->rows);
		cli_hint(c, "fix the rows listed above, or import the good ones with --skip-invalid");
		ex = EXIT_INPUT;
		goto out;
	}
	if (r < 0) {
		cli_error(c, EXIT_FAIL, "%s", msg ? msg : "import failed");
		ex = cli_exit_code(r);
		if (r == FORT_EINPUT && msg && strstr(msg, "cannot tell the format"))
			cli_hint(c, "--format and --map COLUMN=FIELD tell fortress how to read the file");
		else if (r == FORT_EDUPLICATE)
			cli_hint(c, "import the other rows with --skip-invalid");
		goto out;
	}
	if (!c->json && !c->quiet) {
		printf("imported %llu clients from %s (%s)\n", (unsigned long long)rep->imported, path,
		       rep->format[0] ? rep->format : "?");
		if (rep->rejected > 0) {
			cli_info(c, "skipped %llu invalid rows (%llu duplicates)",
				 (unsigned long long)rep->rejected, (unsigned long long)rep->duplicates);
			if (o.rejects_path)
				cli_info(c, "the skipped rows are in %s", o.rejects_path);
		}
	}
out:
	free(msg);
	fort_import_report_free(rep);
	return ex;
}

/* ---------------------------------------------------------------- export */

static int export_check(struct cli *c)
{
	const char *fmt = cli_str(c, "format"), *purpose = cli_str(c, "purpose");

	if (!purpose || !*purpose)
		return cli_usage_error(c, "'client export' needs --purpose P");
	if (fmt && strcmp(fmt, "json") && strcmp(fmt, "csv") && strcmp(fmt, "vcard"))
		return cli_usage_error(c, "unknown --format '%s' (json, csv or vcard)", fmt);
	return EXIT_OK;
}

static int cmd_client_export(struct cli *c)
{
	fort_export_opts o = FORT_EXPORT_OPTS_INIT;
	const char *path = cli_str(c, "output");
	struct cli_out out;
	uint64_t count = 0;
	int r, ex;

	if (path && !strcmp(path, "-"))
		path = NULL;
	o.purpose = cli_str(c, "purpose");
	o.format = cli_str(c, "format") ? cli_str(c, "format") : "json";
	o.nfields = cli_multi(c, "field", &o.fields);
	o.destination = path ? path : "-";

	/* mode 0600: client data; never through a symbolic link, an existing
	 * file only with --force, a partial export never left behind */
	if ((ex = cli_out_open(c, &out, path, 0600, cli_flag(c, "force"))) != EXIT_OK)
		return ex;
	r = fort_client_export(&count, c->vault, out.f, &o);
	if (r < 0) {
		cli_out_abort(&out);
		return cli_fail(c, r, NULL);
	}
	if ((ex = cli_out_commit(c, &out)) != EXIT_OK)
		return ex;

	if (path && c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "exported", json_integer((json_int_t)count));
		json_object_set_new(j, "file", json_string(path));
		json_object_set_new(j, "format", json_string(o.format));
		return cli_print_json(c, j);
	}
	if (path && !c->quiet)
		printf("exported %llu clients to %s\n", (unsigned long long)count, path);
	else if (!path)
		cli_info(c, "exported %llu clients", (unsigned long long)count);
	return EXIT_OK;
}

const struct cli_cmd cmd_client_import_def = {
	.name = "import", .fn = cmd_client_import, .flags = NEEDS_UNLOCK,
	.summary = "import clients from a CSV, vCard or JSON file",
	.synopsis = "FILE [--format csv|vcard|json] [--map COLUMN=FIELD]... [--strict-columns] [--date-order dmy|mdy] [--skip-invalid [--rejects FILE]] [--json]",
	.opts = import_opts, .min_args = 1, .max_args = 1, .args_name = "FILE",
	.check = import_check,
	.description =
		"All or nothing by default: when a row is bad nothing is imported, each\n"
		"problem is printed as 'FILE: line N, column C: reason' and the exit status\n"
		"is 6.  --skip-invalid imports the good rows.  Prints 'imported N clients\n"
		"from FILE (format)'.  A progress bar is shown on stderr when it is a terminal.\n",
};

const struct cli_cmd cmd_client_export_def = {
	.name = "export", .fn = cmd_client_export, .flags = NEEDS_UNLOCK,
	.summary = "export clients' data for a purpose (JSON, CSV or vCard 4.0)",
	.synopsis = "--purpose P [--format json|csv|vcard] [--field F]... [-o FILE [--force]]",
	.opts = export_opts, .min_args = 0, .max_args = 0, .check = export_check,
	.description =
		"Writes every client's fields the purpose allows, decrypted, to stdout or to\n"
		"FILE (created with mode 0600; removed again if the export fails).  The\n"
		"export is audited with the client count and the destination.\n",
};
