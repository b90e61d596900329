/* cmd_plan.c - `fortress plan init|show|edit|export|drill|drills`: the
 * incident-response plan and its tabletop drills. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "front/shapes.h"

static json_t *load_plan(struct cli *c, int *ex)
{
	char *js = NULL;
	json_t *root;
	int r;

	*ex = EXIT_OK;
	if ((r = fort_plan_get(&js, c->vault)) < 0) {
		*ex = cli_fail(c, r, NULL);
		return NULL;
	}
	root = json_loads(js, 0, NULL);
	free(js);
	if (!root)
		*ex = cli_error(c, EXIT_CORRUPT, "the plan could not be read");
	return root;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* ------------------------------------------------------------------ init */

static const struct cli_opt init_opts[] = {
	{ "country", 0, OPT_VALUE, "CC", "the business's country (its supervisory authority); default the vault's" },
	{ "force", 0, OPT_FLAG, NULL, "replace an existing plan with the defaults" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_plan_init(struct cli *c)
{
	int r;

	if ((r = fort_plan_init(c->vault, cli_str(c, "country"), cli_flag(c, "force"))) < 0)
		return cli_fail(c, r, NULL);
	if (c->json)
		return cli_print_json(c, json_pack("{s:b}", "created", 1));
	if (!c->quiet) {
		printf("incident plan created with the default playbooks\n");
		cli_hint(c, "name the people: fortress plan edit --role lead --name NAME --email ADDRESS --phone NUMBER");
	}
	return EXIT_OK;
}

/* ------------------------------------------------------------------ show */

static const char *const roles[] = { "lead", "communications", "technical", "legal", "insurer", "lawyer" };

static int cmd_plan_show(struct cli *c)
{
	json_t *root, *pb;
	int64_t when = 0;
	char type[48], buf[32];
	size_t i;
	int ex;

	if (!(root = load_plan(c, &ex)))
		return ex;
	(void)fort_plan_last_drill(&when, type, c->vault);
	if (c->json) {
		json_object_set_new(root, "last_drill", when ? json_integer(when) : json_null());
		return cli_print_json(c, root);
	}
	printf("%sincident plan%s  country %s, last changed %s\n", cli_bold(c), cli_reset(c), jstr(root, "country"),
	       cli_time(buf, sizeof buf, (int64_t)json_integer_value(json_object_get(root, "updated"))));
	for (i = 0; i < sizeof roles / sizeof roles[0]; i++) {
		json_t *ct = json_object_get(json_object_get(root, "contacts"), roles[i]);
		printf("  %-15s %s%s%s%s%s\n", roles[i], *jstr(ct, "name") ? jstr(ct, "name") : "-", *jstr(ct, "email") ? ", " : "",
		       jstr(ct, "email"), *jstr(ct, "phone") ? ", " : "", jstr(ct, "phone"));
	}
	printf("playbooks:\n");
	json_array_foreach(json_object_get(root, "playbooks"), i, pb)
		printf("  %-20s %s (%zu steps)\n", jstr(pb, "type"), jstr(pb, "title"), json_array_size(json_object_get(pb, "steps")));
	printf("last drill: %s%s%s%s\n", when ? cli_time(buf, sizeof buf, when) : "never", when ? " (" : "", when ? type : "",
	       when ? ")" : "");
	json_decref(root);
	return EXIT_OK;
}

/* ------------------------------------------------------------------ edit */

static const struct cli_opt edit_opts[] = {
	{ "role", 0, OPT_VALUE, "ROLE", "lead, communications, technical, legal, insurer or lawyer" },
	{ "name", 0, OPT_VALUE, "NAME", "the person (or firm)" },
	{ "email", 0, OPT_VALUE, "ADDRESS", "their e-mail address" },
	{ "phone", 0, OPT_VALUE, "NUMBER", "their phone number" },
	{ "note", 0, OPT_VALUE, "TEXT", "anything else (deputy, hours)" },
	{ "policy", 0, OPT_VALUE, "NUMBER", "insurer: the policy number" },
	{ "country", 0, OPT_VALUE, "CC", "the business's country (its supervisory authority)" },
	{ "file", 0, OPT_VALUE, "FILE", "replace the whole plan with FILE (JSON, as 'plan show --json' prints)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_plan_edit(struct cli *c)
{
	fort_plan_contact pc = FORT_PLAN_CONTACT_INIT;
	int r, ex;

	if (cli_str(c, "file")) {
		char *data = NULL;
		size_t len = 0;

		if (cli_str(c, "role") || cli_str(c, "country"))
			return cli_usage_error(c, "--file replaces the whole plan: give it alone");
		if ((ex = cli_read_file(c, cli_str(c, "file"), &data, &len, 4u << 20)) != EXIT_OK)
			return ex;
		r = fort_plan_set(c->vault, data, len);
		free(data);
	} else {
		pc.role = cli_str(c, "role");
		pc.name = cli_str(c, "name");
		pc.email = cli_str(c, "email");
		pc.phone = cli_str(c, "phone");
		pc.note = cli_str(c, "note");
		pc.policy = cli_str(c, "policy");
		if (!pc.role && (pc.name || pc.email || pc.phone || pc.note || pc.policy))
			return cli_usage_error(c, "say whose contact this is: --role lead|communications|technical|legal|insurer|lawyer");
		r = fort_plan_edit(c->vault, pc.role ? &pc : NULL, cli_str(c, "country"));
	}
	if (r < 0)
		return cli_fail(c, r, NULL);
	if (c->json)
		return cli_print_json(c, json_pack("{s:b}", "changed", 1));
	if (!c->quiet)
		printf("plan changed\n");
	return EXIT_OK;
}

/* ---------------------------------------------------------------- export */

static const struct cli_opt export_opts[] = {
	{ "format", 0, OPT_VALUE, "FMT", "md (default), html or pdf" },
	{ "out", 'o', OPT_VALUE, "FILE", "write to FILE (mode 0600; required for pdf; an existing FILE only with --force), else stdout" },
	{ "force", 0, OPT_FLAG, NULL, "with -o: replace FILE if it exists (never through a symbolic link)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_plan_export(struct cli *c)
{
	const char *fmt = cli_str(c, "format") ? cli_str(c, "format") : "md", *out = cli_str(c, "out");
	unsigned char *doc = NULL;
	size_t len = 0;
	int r, ex = EXIT_OK;

	if (out && !strcmp(out, "-") && strcmp(fmt, "pdf"))
		out = NULL;
	if (strcmp(fmt, "pdf") == 0 && !out)
		return cli_usage_error(c, "a PDF needs --out FILE");
	if ((r = fort_plan_export(&doc, &len, c->vault, fmt)) < 0)
		return cli_fail(c, r, NULL);
	if (out) {
		ex = cli_write_file(c, out, doc, len, 0600, cli_flag(c, "force"));
		if (ex == EXIT_OK)
			cli_info(c, "plan written to %s (%zu bytes): it holds contacts in clear, keep it safe", out, len);
	} else if (fwrite(doc, 1, len, stdout) != len) {
		ex = EXIT_IO;
	}
	free(doc);
	return ex;
}

/* ----------------------------------------------------------------- drill */

static const struct cli_opt drill_opts[] = {
	{ "script", 0, OPT_VALUE, "FILE", "answers from FILE instead of the terminal (see 'plan drill --help')" },
	{ "outcome", 0, OPT_VALUE, "TEXT", "what the drill showed" },
	{ "lesson", 0, OPT_MULTI, "TEXT", "a lesson learned" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void clock_str(char *buf, size_t n, int64_t s)
{
	/* a drill's clock: never negative, hours capped so the text always fits */
	uint64_t u = s < 0 ? 0 : (uint64_t)s;

	if (u > 9999 * 3600 + 3599)
		u = 9999 * 3600 + 3599;
	snprintf(buf, n, "%02u:%02u:%02u", (unsigned)(u / 3600), (unsigned)(u / 60 % 60), (unsigned)(u % 60));
}

/* Trim trailing newline and spaces in place. */
static char *chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

struct drill_state {
	fort_drill_step *steps;
	char **notes;
	size_t n;
	char **lessons;
	size_t nlessons;
	char *outcome;
};

static int add_str(char ***arr, size_t *n, const char *s)
{
	char **na = realloc(*arr, (*n + 1) * sizeof *na);

	if (!na || !(na[*n] = strdup(s))) {
		if (na)
			*arr = na;
		return -1;
	}
	*arr = na;
	(*n)++;
	return 0;
}

/* Append S to *NOTE ("; " between). */
static void note_add(char **note, const char *s)
{
	size_t a = *note ? strlen(*note) : 0, b = strlen(s);
	char *p = realloc(*note, a + b + 3);

	if (!p)
		return;
	if (a)
		memcpy(p + a, "; ", 2), a += 2;
	memcpy(p + a, s, b + 1);
	*note = p;
}

/* Scripted answers: per step "done [SECONDS] [NOTE]", "skip [SECONDS] [NOTE]"
 * or an empty line (done); "note TEXT" adds a note to the current step;
 * after the steps "lesson TEXT" and "outcome TEXT"; '#' starts a comment. */
static int run_script(struct cli *c, FILE *in, struct drill_state *ds, json_t *steps)
{
	char line[4096];
	size_t cur = 0, lineno = 0;
	double last = mono_now();

	while (fgets(line, sizeof line, in)) {
		char *s = chomp(line), *rest;
		int done = -1;

		lineno++;
		if (*s == '#')
			continue;
		if (strncmp(s, "lesson ", 7) == 0) {
			if (add_str(&ds->lessons, &ds->nlessons, chomp(s + 7)) < 0)
				return cli_error(c, EXIT_IO, "out of memory");
			continue;
		}
		if (strncmp(s, "outcome ", 8) == 0) {
			free(ds->outcome);
			ds->outcome = strdup(chomp(s + 8));
			continue;
		}
		if (strncmp(s, "note ", 5) == 0) {
			if (cur >= ds->n)
				return cli_error(c, EXIT_INPUT, "drill script line %zu: a note after the last step", lineno);
			note_add(&ds->notes[cur], chomp(s + 5));
			continue;
		}
		if (*s == '\0' || strcmp(s, "done") == 0 || strncmp(s, "done ", 5) == 0)
			done = 1, rest = *s ? s + 4 : s;
		else if (strcmp(s, "skip") == 0 || strncmp(s, "skip ", 5) == 0)
			done = 0, rest = s + 4;
		else
			return cli_error(c, EXIT_INPUT, "drill script line %zu: expected done, skip, note, lesson or outcome", lineno);
		if (cur >= ds->n) {
			if (*s == '\0')
				continue;
			return cli_error(c, EXIT_INPUT, "drill script line %zu: the playbook has only %zu steps", lineno, ds->n);
		}
		rest = chomp(rest);
		{
			char *end;
			long long secs = strtoll(rest, &end, 10);
			double now = mono_now();

			if (end != rest && (*end == '\0' || *end == ' ')) {
				if (secs < 0)
					return cli_error(c, EXIT_INPUT, "drill script line %zu: seconds cannot be negative", lineno);
				ds->steps[cur].seconds = secs;
				rest = chomp(end);
			} else {
				ds->steps[cur].seconds = (int64_t)(now - last + 0.5);
			}
			last = now;
		}
		if (*rest)
			note_add(&ds->notes[cur], rest);
		ds->steps[cur].done = done;
		if (!c->quiet && !c->json)
			printf("  step %zu/%zu %s: %s\n", cur + 1, ds->n, done ? "done" : "skipped",
			       jstr(json_array_get(steps, cur), "text"));
		cur++;
	}
	if (cur < ds->n)
		return cli_error(c, EXIT_INPUT, "the drill script answers %zu of the playbook's %zu steps", cur, ds->n);
	return EXIT_OK;
}

static int run_tty(struct cli *c, struct drill_state *ds, json_t *steps, json_t *contacts)
{
	double start = mono_now(), last = start;
	char clk[16], prompt[64];

	for (size_t i = 0; i < ds->n; i++) {
		json_t *st = json_array_get(steps, i);
		const char *owner = jstr(st, "owner"), *who = jstr(json_object_get(contacts, owner), "name");

		clock_str(clk, sizeof clk, (int64_t)(mono_now() - start));
		printf("\n[%s] step %zu/%zu  (%s%s%s%s)\n  %s\n", clk, i + 1, ds->n, owner, *who ? ": " : "", who, "", jstr(st, "text"));
		for (;;) {
			char *ans = NULL;

			snprintf(prompt, sizeof prompt, "  Enter = done, s = skip, n = note > ");
			if (cli_tty_ask(&ans, prompt) < 0)
				return cli_error(c, EXIT_USAGE, "the terminal went away: the drill was not recorded");
			if (ans[0] == 'n') {
				char *note = NULL;

				free(ans);
				if (cli_tty_ask(&note, "  note: ") == 0 && *note)
					note_add(&ds->notes[i], note);
				free(note);
				continue;
			}
			ds->steps[i].done = ans[0] != 's';
			free(ans);
			break;
		}
		ds->steps[i].seconds = (int64_t)(mono_now() - last + 0.5);
		last = mono_now();
	}
	for (;;) {
		char *l = NULL;

		if (cli_tty_ask(&l, "\nA lesson learned (empty line when done): ") < 0 || !*l) {
			free(l);
			break;
		}
		add_str(&ds->lessons, &ds->nlessons, l);
		free(l);
	}
	if (!ds->outcome) {
		char *o = NULL;

		if (cli_tty_ask(&o, "Outcome in one line: ") == 0 && *o)
			ds->outcome = o;
		else
			free(o);
	}
	return EXIT_OK;
}

static int cmd_plan_drill(struct cli *c)
{
	fort_drill_record rec = FORT_DRILL_RECORD_INIT;
	struct drill_state ds = { 0 };
	json_t *root, *pb = NULL, *steps, *p;
	const char *type = cli_pos(c, 0), *const *lessons;
	size_t i, nl;
	int64_t id = 0, total = 0, started = (int64_t)time(NULL);
	char clk[32], def_outcome[128];
	int ex, r;

	if (!(root = load_plan(c, &ex)))
		return ex;
	json_array_foreach(json_object_get(root, "playbooks"), i, p)
		if (!type || strcmp(jstr(p, "type"), type) == 0) {
			pb = p;
			break;
		}
	if (!pb) {
		json_decref(root);
		return cli_error(c, EXIT_INPUT, "the plan has no playbook '%s' ('fortress plan show' lists them)", type);
	}
	steps = json_object_get(pb, "steps");
	ds.n = json_array_size(steps);
	ds.steps = calloc(ds.n, sizeof *ds.steps);
	ds.notes = calloc(ds.n, sizeof *ds.notes);
	if (!ds.steps || !ds.notes) {
		ex = cli_error(c, EXIT_IO, "out of memory");
		goto out;
	}
	if (cli_str(c, "outcome"))
		ds.outcome = strdup(cli_str(c, "outcome"));
	nl = cli_multi(c, "lesson", &lessons);
	for (i = 0; i < nl; i++)
		add_str(&ds.lessons, &ds.nlessons, lessons[i]);
	if (!c->quiet && !c->json) {
		printf("%sDrill: %s%s\nScenario: %s\nThe clock starts now (%s UTC).\n", cli_bold(c), jstr(pb, "title"), cli_reset(c),
		       jstr(pb, "scenario"), cli_time(clk, sizeof clk, started) + 11);
	}
	if (cli_str(c, "script")) {
		FILE *f = fopen(cli_str(c, "script"), "r");

		if (!f) {
			ex = cli_error(c, EXIT_NOTFOUND, "cannot read the drill script %s", cli_str(c, "script"));
			goto out;
		}
		ex = run_script(c, f, &ds, steps);
		fclose(f);
	} else if (isatty(STDIN_FILENO) && cli_have_tty()) {
		ex = run_tty(c, &ds, steps, json_object_get(root, "contacts"));
	} else {
		ex = run_script(c, stdin, &ds, steps);
	}
	if (ex != EXIT_OK)
		goto out;
	for (i = 0; i < ds.n; i++) {
		ds.steps[i].note = ds.notes[i];
		total += ds.steps[i].seconds;
	}
	if (!ds.outcome) {
		size_t done = 0;

		for (i = 0; i < ds.n; i++)
			done += ds.steps[i].done;
		snprintf(def_outcome, sizeof def_outcome, "%zu of %zu steps done", done, ds.n);
		ds.outcome = strdup(def_outcome);
	}
	rec.type = jstr(pb, "type");
	rec.started = 0; /* the library dates it: finished now, started the steps' time before */
	rec.steps = ds.steps;
	rec.nsteps = ds.n;
	rec.outcome = ds.outcome;
	rec.lessons = (const char *const *)ds.lessons;
	rec.nlessons = ds.nlessons;
	if ((r = fort_plan_drill_record(&id, c->vault, &rec)) < 0) {
		ex = cli_fail(c, r, NULL);
		goto out;
	}
	clock_str(clk, sizeof clk, total);
	if (c->json) {
		ex = cli_print_json(c, shape_drill_recorded(id, rec.type, total, ds.n));
	} else if (!c->quiet) {
		printf("drill %lld recorded: %s, %zu steps in %s\n", (long long)id, rec.type, ds.n, clk);
	}
out:
	for (i = 0; i < ds.n && ds.notes; i++)
		free(ds.notes[i]);
	for (i = 0; i < ds.nlessons; i++)
		free(ds.lessons[i]);
	free(ds.notes);
	free(ds.lessons);
	free(ds.steps);
	free(ds.outcome);
	json_decref(root);
	return ex;
}

static int cmd_plan_drills(struct cli *c)
{
	char *js = NULL, when[32], clk[16];
	json_t *arr, *d;
	size_t i;
	int r;

	if ((r = fort_plan_drills(&js, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	arr = json_loads(js, 0, NULL);
	free(js);
	if (!arr)
		return cli_error(c, EXIT_CORRUPT, "the drills could not be read");
	if (c->json)
		return cli_print_json(c, arr);
	if (json_array_size(arr) == 0 && !c->quiet)
		printf("no drills yet: 'fortress plan drill TYPE'\n");
	json_array_foreach(arr, i, d) {
		json_t *st, *l;
		size_t k;

		clock_str(clk, sizeof clk, (int64_t)json_integer_value(json_object_get(d, "seconds")));
		printf("%sdrill %lld%s  %s  %s  %lld/%lld steps done in %s\n", cli_bold(c), (long long)json_integer_value(json_object_get(d, "id")),
		       cli_reset(c), cli_time(when, sizeof when, (int64_t)json_integer_value(json_object_get(d, "started"))),
		       jstr(d, "type"), (long long)json_integer_value(json_object_get(d, "done")),
		       (long long)json_integer_value(json_object_get(d, "steps")), clk);
		printf("  outcome: %s\n", jstr(d, "outcome"));
		json_array_foreach(json_object_get(d, "step_log"), k, st) {
			clock_str(clk, sizeof clk, (int64_t)json_integer_value(json_object_get(st, "seconds")));
			printf("  %2zu. %-7s %s  [%s] %s%s%s\n", k + 1, json_is_true(json_object_get(st, "done")) ? "done" : "skipped", clk,
			       jstr(st, "owner"), jstr(st, "text"), *jstr(st, "note") ? "  -- " : "", jstr(st, "note"));
		}
		json_array_foreach(json_object_get(d, "lessons"), k, l)
			printf("  lesson: %s\n", json_string_value(l));
	}
	json_decref(arr);
	return EXIT_OK;
}

/* ----------------------------------------------------------------- table */

static const struct cli_cmd plan_init_def = {
	.name = "init", .fn = cmd_plan_init, .flags = NEEDS_UNLOCK,
	.summary = "create the incident-response plan with the default playbooks",
	.synopsis = "[--country CC] [--force]", .opts = init_opts, .min_args = 0, .max_args = 0,
};
static const struct cli_cmd plan_show_def = {
	.name = "show", .fn = cmd_plan_show, .flags = NEEDS_UNLOCK,
	.summary = "show the plan: who does what, the playbooks, the last drill",
	.synopsis = "[--json]", .min_args = 0, .max_args = 0,
};
static const struct cli_cmd plan_edit_def = {
	.name = "edit", .fn = cmd_plan_edit, .flags = NEEDS_UNLOCK,
	.summary = "change a contact or the country, or replace the plan from a JSON file",
	.synopsis = "--role ROLE [--name N] [--email E] [--phone P] [--note T] [--policy N] | --country CC | --file FILE",
	.opts = edit_opts, .min_args = 0, .max_args = 0,
	.description = "Every value is checked; a bad one is refused (exit 6) naming the field,\n"
		       "e.g. 'contacts.lead.email', and nothing changes.\n",
};
static const struct cli_cmd plan_export_def = {
	.name = "export", .fn = cmd_plan_export, .flags = NEEDS_UNLOCK,
	.summary = "print the plan as Markdown, HTML or PDF (for paper)",
	.synopsis = "[--format md|html|pdf] [--out FILE [--force]]", .opts = export_opts, .min_args = 0, .max_args = 0,
};
static const struct cli_cmd plan_drill_def = {
	.name = "drill", .fn = cmd_plan_drill, .flags = NEEDS_UNLOCK,
	.summary = "run a tabletop exercise of a playbook and record it",
	.synopsis = "[TYPE] [--script FILE] [--outcome TEXT] [--lesson TEXT]...", .opts = drill_opts,
	.min_args = 0, .max_args = 1, .args_name = "TYPE",
	.description =
		"On a terminal: the scenario, a running clock and each step in turn;\n"
		"Enter = done, s = skip, n = add a note; then lessons and the outcome.\n"
		"Without a terminal (or with --script FILE) answers are read one a line:\n"
		"  done [SECONDS] [NOTE]   skip [SECONDS] [NOTE]   (empty line = done)\n"
		"  note TEXT               a note on the current step\n"
		"  lesson TEXT             outcome TEXT            # comment\n"
		"SECONDS is the time the step took (else the time between lines).\n",
};
static const struct cli_cmd plan_drills_def = {
	.name = "drills", .fn = cmd_plan_drills, .flags = NEEDS_UNLOCK,
	.summary = "list the drills with their step timings, notes and lessons",
	.synopsis = "[--json]", .min_args = 0, .max_args = 0,
};

static const struct cli_cmd *const plan_subs[] = {
	&plan_init_def, &plan_show_def, &plan_edit_def, &plan_export_def, &plan_drill_def, &plan_drills_def, NULL
};

const struct cli_cmd cmd_plan_def = {
	.name = "plan", .fn = NULL, .flags = 0,
	.summary = "the incident-response plan and its drills",
	.subs = plan_subs,
};
