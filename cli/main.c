/* main.c - `fortress`: global options, the command table and the shared
 * setup every command needs (vault path, opening locked or unlocked), done
 * once here before a command runs (docs/cli.md is the contract).  Also
 * what is made from the table: help, usage lines, shell completion, and the
 * table as JSON that scripts/gendocs.py turns into docs/cli.md's synopses
 * and the man page (docs/conventions.md, "Documentation"). */
#include <errno.h>
#include <poll.h>
#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "vault_path.h"

static int cmd_help(struct cli *c);

static int cmd_completion(struct cli *c);

static const struct cli_cmd cmd_completion_def = {
	.name = "completion", .fn = cmd_completion, .flags = 0,
	.summary = "print shell completion for bash, zsh or fish (generated from the command table)",
	.synopsis = "bash|zsh|fish",
	.min_args = 1, .max_args = 1, .args_name = "SHELL",
	.description =
		"Prints a completion script for commands, subcommands and options.\n"
		"  bash: fortress completion bash > ~/.local/share/bash-completion/completions/fortress\n"
		"  zsh:  fortress completion zsh > \"${fpath[1]}/_fortress\"\n"
		"  fish: fortress completion fish > ~/.config/fish/completions/fortress.fish\n"
		"'make install' installs all three.\n",
};

static const struct cli_cmd cmd_help_def = {
	.name = "help", .fn = cmd_help, .flags = 0,
	.summary = "show help for fortress or for a command",
	.synopsis = "[COMMAND [SUBCOMMAND]]",
	.description =
		"With the global --json, the command table as JSON: every command's\n"
		"synopsis, options and help (scripts/gendocs.py builds docs/cli.md's\n"
		"synopses and the man page from it).\n",
	.min_args = 0, .max_args = -1,
};

/* The command table.  Adding a command is a new file and one line here. */
static const struct cli_cmd *const commands[] = {
	&cmd_init_def,
	&cmd_passwd_def,
	&cmd_passphrase_def,
	&cmd_status_def,
	&cmd_map_def,
	&cmd_client_def,
	&cmd_audit_def,
	&cmd_unlock_def,
	&cmd_lock_def,
	&cmd_backup_def,
	&cmd_store_def,
	&cmd_recovery_def,
	&cmd_scan_def,
	&cmd_user_def,
	&cmd_role_def,
	&cmd_token_def,
	&cmd_keys_def,
	&cmd_consent_def,
	&cmd_intake_def,
	&cmd_request_def,
	&cmd_business_def,
	&cmd_notice_def,
	&cmd_records_def,
	&cmd_verify_certificate_def,
	&cmd_retention_def,
	&cmd_deadline_def,
	&cmd_quarantine_def,
	&cmd_attachment_def,
	&cmd_plan_def,
	&cmd_mail_def,
	&cmd_doctor_def,
	&cmd_incident_def,
	&cmd_actions_def,
	&cmd_serve_def,
	&cmd_completion_def,
	&cmd_help_def,
	NULL
};

static const struct cli_opt global_opts[] = {
	{ "vault", 0, OPT_VALUE, "PATH", "vault file (env FORTRESS_VAULT)" },
	{ "user", 0, OPT_VALUE, "NAME", "acting user, default the owner (env FORTRESS_USER)" },
	{ "passphrase-file", 0, OPT_VALUE, "FILE", "read the passphrase from FILE's first line (env FORTRESS_PASSPHRASE_FILE)" },
	{ "json", 0, OPT_FLAG, NULL, "machine-readable output" },
	{ "no-color", 0, OPT_FLAG, NULL, "no ANSI colours (env NO_COLOR)" },
	{ "quiet", 'q', OPT_FLAG, NULL, "only errors" },
	{ "verbose", 'v', OPT_FLAG, NULL, "say what is done on stderr: the vault, how it was opened, every problem, the time taken" },
	{ "help", 'h', OPT_FLAG, NULL, "help for fortress or for the command" },
	{ "version", 0, OPT_FLAG, NULL, "print the version" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};
enum { G_VAULT, G_USER, G_PASSFILE, G_JSON, G_NOCOLOR, G_QUIET, G_VERBOSE, G_HELP, G_VERSION };

/* Parsing state beyond struct cli. */
struct parse {
	int help, version;
	int argc;
	char **argv;
	int i;                 /* next argument */
	int dashdash;          /* "--" seen: everything else is positional */
};

/* ------------------------------------------------------------------- help */

static const struct cli_cmd *find_cmd(const struct cli_cmd *const *table, const char *name)
{
	size_t i;

	for (i = 0; table && table[i]; i++)
		if (!strcmp(table[i]->name, name))
			return table[i];
	return NULL;
}

/* The command of TABLE that NAME is probably a typo of, or NULL. */
static const char *suggest_cmd(const struct cli_cmd *const *table, const char *name)
{
	const char *names[128];
	size_t n = 0;

	for (size_t i = 0; table && table[i] && n < 128; i++)
		names[n++] = table[i]->name;
	return fort_suggest(name, names, n);
}

static void print_opts(FILE *f, const struct cli_opt *o)
{
	for (; o && o->name; o++) {
		char left[64];

		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-28s %s%s\n", left, o->help ? o->help : "",
			o->kind == OPT_MULTI ? " (repeatable)" : "");
	}
}

/* The ten commands a new user needs first (as git's short help). */
static const char *const common_cmds[][2] = {
	{ "init", "create a new vault" },
	{ "client import", "import clients from CSV, vCard or JSON (Google, Outlook, ... exports)" },
	{ "client add", "add a client" },
	{ "client find", "find clients by e-mail, phone or name" },
	{ "client get", "show a client, masked unless revealed for a purpose" },
	{ "client export", "export clients for a purpose" },
	{ "recovery split", "make recovery shares, so a lost passphrase is not lost data" },
	{ "backup create", "make an encrypted backup" },
	{ "status", "show the vault's state and its audit head" },
	{ "doctor", "the security check-up, with next steps" },
};

static void print_short_usage(FILE *f)
{
	fprintf(f, "usage: fortress [GLOBAL OPTIONS] COMMAND [SUBCOMMAND] [OPTIONS] [ARGS]\n\n");
	fprintf(f, "Fortress is a privacy vault for client records: encrypted field by field,\n"
		   "masked by default, erased by crypto-shredding, every access audited.\n\n");
	fprintf(f, "the commands used most:\n");
	for (size_t i = 0; i < sizeof common_cmds / sizeof common_cmds[0]; i++)
		fprintf(f, "  %-22s %s\n", common_cmds[i][0], common_cmds[i][1]);
	fprintf(f, "\n'fortress --help --all' lists every command; 'fortress help COMMAND' or\n"
		   "'fortress COMMAND --help' explains one; see also fortress(1).\n");
}

static void print_main_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: fortress [GLOBAL OPTIONS] COMMAND [SUBCOMMAND] [OPTIONS] [ARGS]\n\n");
	fprintf(f, "Fortress is a privacy vault for client records: encrypted field by field,\n"
		   "masked by default, erased by crypto-shredding, every access audited.\n\n");
	fprintf(f, "commands:\n");
	for (i = 0; commands[i]; i++) {
		const struct cli_cmd *cmd = commands[i];

		if (cmd->subs) {
			const struct cli_cmd *const *s;

			for (s = cmd->subs; *s; s++) {
				char name[48];

				if ((*s)->subs) {
					const struct cli_cmd *const *t;

					for (t = (*s)->subs; *t; t++) {
						snprintf(name, sizeof(name), "%s %s %s", cmd->name, (*s)->name, (*t)->name);
						fprintf(f, "  %-22s %s\n", name, (*t)->summary);
					}
					continue;
				}
				snprintf(name, sizeof(name), "%s %s", cmd->name, (*s)->name);
				fprintf(f, "  %-22s %s\n", name, (*s)->summary);
			}
		} else {
			fprintf(f, "  %-22s %s\n", cmd->name, cmd->summary);
		}
	}
	fprintf(f, "\nglobal options (before or after the command):\n");
	print_opts(f, global_opts);
	fprintf(f, "\nexit status: 0 ok, 1 failure, 2 usage, 3 not found, 4 wrong passphrase,\n"
		   "5 refused, 6 invalid input, 7 busy, 8 not a vault/corrupt, 9 I/O error.\n");
	fprintf(f, "\nSee 'fortress help COMMAND' or 'fortress COMMAND --help', and fortress(1).\n");
}

static void print_usage_line(FILE *f, const char *path, const struct cli_cmd *cmd)
{
	char syn[CLI_SYNOPSIS_MAX];
	int col, indent;

	if (cmd->subs) {
		fprintf(f, "usage: fortress %s SUBCOMMAND [OPTIONS] [ARGS]\n", path);
		return;
	}
	cli_synopsis(syn, sizeof(syn), cmd);
	/* wrapped at 79 columns between whole [...] and (...) groups, continued
	 * under the first argument (scripts/gendocs.py wraps docs/cli.md alike) */
	col = indent = fprintf(f, "usage: fortress %s", path);
	for (char *w = syn; *w;) {
		char *e = w;
		int depth = 0, n;

		for (; *e && (depth > 0 || *e != ' '); e++)
			depth += (*e == '[' || *e == '(') - (*e == ']' || *e == ')');
		n = (int)(e - w);
		if (col + 1 + n > 79 && col > indent) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		}
		col += fprintf(f, " %.*s", n, w);
		w = *e ? e + 1 : e;
	}
	fputc('\n', f);
}

/* ------------------------------------------------- the table as JSON */

/* 'fortress --json help [COMMAND...]': the command table as data, for
 * scripts/gendocs.py (docs/cli.md's synopses and the man page) and for
 * tests/docs/test_docs.py. */
static json_t *opts_json(const struct cli_opt *o)
{
	json_t *a = json_array();

	for (; a && o && o->name; o++) {
		char sh[2] = { o->short_name, 0 };

		json_array_append_new(a, json_pack("{s:s, s:s?, s:s, s:s?, s:s?}", "long", o->name,
						   "short", o->short_name ? sh : NULL,
						   "kind", o->kind == OPT_FLAG ? "flag" : o->kind == OPT_VALUE ? "value" : "multi",
						   "arg", o->arg, "help", o->help));
	}
	return a;
}

static void cmds_json(json_t *out, const char *prefix, const struct cli_cmd *const *t)
{
	for (size_t i = 0; t && t[i]; i++) {
		const struct cli_cmd *cmd = t[i];
		char path[64], syn[CLI_SYNOPSIS_MAX];

		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? " " : "", cmd->name);
		if (cmd->subs) {
			json_t *subs = json_array();

			for (size_t j = 0; subs && cmd->subs[j]; j++)
				json_array_append_new(subs, json_string(cmd->subs[j]->name));
			json_array_append_new(out, json_pack("{s:s, s:s, s:o, s:s?}", "path", path,
							     "summary", cmd->summary, "subcommands", subs,
							     "description", cmd->description));
			cmds_json(out, path, cmd->subs);
			continue;
		}
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:o, s:s?}", "path", path,
						     "summary", cmd->summary,
						     "synopsis", cli_synopsis(syn, sizeof(syn), cmd),
						     "options", opts_json(cmd->opts), "description", cmd->description));
	}
}

static int help_json(struct cli *c, const char *path, const struct cli_cmd *cmd)
{
	json_t *cmds = json_array();

	if (cmd && cmd->subs) {
		cmds_json(cmds, path, cmd->subs);
	} else if (cmd) {
		const struct cli_cmd *one[2] = { cmd, NULL };
		char prefix[64];
		const char *sp = strrchr(path, ' ');

		snprintf(prefix, sizeof(prefix), "%.*s", sp ? (int)(sp - path) : 0, path);
		cmds_json(cmds, prefix, one);
	} else {
		cmds_json(cmds, "", commands);
	}
	return cli_print_json(c, json_pack("{s:s, s:o, s:o}", "version", fort_version(),
					   "global_options", opts_json(global_opts), "commands", cmds));
}

static void print_cmd_help(FILE *f, const char *path, const struct cli_cmd *cmd)
{
	print_usage_line(f, path, cmd);
	fprintf(f, "\n%c%s.\n", toupper((unsigned char)cmd->summary[0]), cmd->summary + 1);
	if (cmd->description)
		fprintf(f, "\n%s", cmd->description);
	if (cmd->subs) {
		const struct cli_cmd *const *s;

		fprintf(f, "\nsubcommands:\n");
		for (s = cmd->subs; *s; s++)
			fprintf(f, "  %-14s %s\n", (*s)->name, (*s)->summary);
		fprintf(f, "\nSee 'fortress help %s SUBCOMMAND'.\n", path);
	}
	if (cmd->opts && cmd->opts->name) {
		fprintf(f, "\noptions:\n");
		print_opts(f, cmd->opts);
	}
	fprintf(f, "\nglobal options: --vault PATH, --user NAME, --passphrase-file FILE, --json,\n"
		   "--no-color, -q/--quiet, -h/--help (see 'fortress --help')\n");
}

/* 'fortress help [COMMAND [SUBCOMMAND...]]' */
static int cmd_help(struct cli *c)
{
	const struct cli_cmd *cmd = NULL;
	char path[64] = "";
	size_t i;

	if (c->args.npos == 0) {
		if (c->json)
			return help_json(c, "", NULL);
		print_short_usage(stdout);
		return EXIT_OK;
	}
	if (c->args.npos == 1 && !strcmp(c->args.pos[0], "--all")) {
		print_main_usage(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < c->args.npos; i++) {
		const char *w = c->args.pos[i];
		const struct cli_cmd *next = find_cmd(cmd ? cmd->subs : commands, w);

		if (!next) {
			const char *sug = suggest_cmd(cmd ? cmd->subs : commands, w);
			if (cmd)
				cli_error(c, EXIT_USAGE, "unknown subcommand '%s' for '%s'", w, path);
			else
				cli_error(c, EXIT_USAGE, "unknown command '%s'", w);
			if (sug)
				cli_hint(c, "did you mean '%s%s%s'?", path, path[0] ? " " : "", sug);
			else
				cli_hint(c, "see 'fortress --help'");
			return EXIT_USAGE;
		}
		cmd = next;
		if (path[0])
			strncat(path, " ", sizeof(path) - strlen(path) - 1);
		strncat(path, w, sizeof(path) - strlen(path) - 1);
	}
	if (c->json)
		return help_json(c, path, cmd);
	print_cmd_help(stdout, path, cmd);
	return EXIT_OK;
}

/* ------------------------------------------------------------ completion */

static void words_of(FILE *f, const struct cli_cmd *const *t)
{
	for (size_t i = 0; t && t[i]; i++)
		fprintf(f, "%s%s", i ? " " : "", t[i]->name);
}

static void opts_of(FILE *f, const struct cli_opt *o, const char *sep)
{
	int first = 1;
	for (; o && o->name; o++) {
		fprintf(f, "%s--%s", first ? "" : sep, o->name);
		first = 0;
	}
}

/* bash (and zsh through bashcompinit): words by position, options by the
 * command path of the words before. */
static void completion_bash(FILE *f)
{
	fprintf(f, "# fortress completion for bash (generated by 'fortress completion bash')\n");
	fprintf(f, "_fortress() {\n\tlocal cur=${COMP_WORDS[COMP_CWORD]} path= w i words opts\n");
	fprintf(f, "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n\t\tw=${COMP_WORDS[i]}\n"
		   "\t\tcase $w in -*) continue ;; esac\n\t\tcase \" $(_fortress_subs \"$path\") \" in\n"
		   "\t\t*\" $w \"*) path=${path:+$path }$w ;;\n\t\tesac\n\tdone\n");
	fprintf(f, "\twords=$(_fortress_subs \"$path\")\n\topts=\"$(_fortress_opts \"$path\") ");
	opts_of(f, global_opts, " ");
	fprintf(f, " --help\"\n\tcase $cur in\n\t-*) COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\")) ;;\n"
		   "\t*) if [ -n \"$words\" ]; then COMPREPLY=($(compgen -W \"$words\" -- \"$cur\")); else COMPREPLY=($(compgen -f -- \"$cur\")); fi ;;\n"
		   "\tesac\n}\n");
	fprintf(f, "_fortress_subs() {\n\tcase $1 in\n\t'') echo \"");
	words_of(f, commands);
	fprintf(f, "\" ;;\n");
	for (size_t i = 0; commands[i]; i++) {
		const struct cli_cmd *c1 = commands[i];
		if (!c1->subs)
			continue;
		fprintf(f, "\t'%s') echo \"", c1->name);
		words_of(f, c1->subs);
		fprintf(f, "\" ;;\n");
		for (size_t j = 0; c1->subs[j]; j++)
			if (c1->subs[j]->subs) {
				fprintf(f, "\t'%s %s') echo \"", c1->name, c1->subs[j]->name);
				words_of(f, c1->subs[j]->subs);
				fprintf(f, "\" ;;\n");
			}
	}
	fprintf(f, "\tesac\n}\n_fortress_opts() {\n\tcase $1 in\n");
	for (size_t i = 0; commands[i]; i++) {
		const struct cli_cmd *c1 = commands[i];
		if (c1->opts) {
			fprintf(f, "\t'%s') echo \"", c1->name);
			opts_of(f, c1->opts, " ");
			fprintf(f, "\" ;;\n");
		}
		for (size_t j = 0; c1->subs && c1->subs[j]; j++) {
			const struct cli_cmd *c2 = c1->subs[j];
			if (c2->opts) {
				fprintf(f, "\t'%s %s') echo \"", c1->name, c2->name);
				opts_of(f, c2->opts, " ");
				fprintf(f, "\" ;;\n");
			}
			for (size_t k = 0; c2->subs && c2->subs[k]; k++)
				if (c2->subs[k]->opts) {
					fprintf(f, "\t'%s %s %s') echo \"", c1->name, c2->name, c2->subs[k]->name);
					opts_of(f, c2->subs[k]->opts, " ");
					fprintf(f, "\" ;;\n");
				}
		}
	}
	fprintf(f, "\tesac\n}\n");
}

static void fish_opts(FILE *f, const char *cond, const struct cli_opt *o)
{
	for (; o && o->name; o++) {
		fprintf(f, "complete -c fortress -n '%s' -l %s", cond, o->name);
		if (o->short_name)
			fprintf(f, " -s %c", o->short_name);
		if (o->kind != OPT_FLAG)
			fprintf(f, " -r");
		fprintf(f, " -d '");
		for (const char *p = o->help; p && *p; p++)
			fputs(*p == '\'' ? "\\'" : (char[]){ *p, 0 }, f);
		fprintf(f, "'\n");
	}
}

static void completion_fish(FILE *f)
{
	fprintf(f, "# fortress completion for fish (generated by 'fortress completion fish')\ncomplete -c fortress -f\n");
	for (size_t i = 0; commands[i]; i++) {
		const struct cli_cmd *c1 = commands[i];
		fprintf(f, "complete -c fortress -n '__fish_use_subcommand' -a %s -d '", c1->name);
		for (const char *p = c1->summary; p && *p; p++)
			fputs(*p == '\'' ? "\\'" : (char[]){ *p, 0 }, f);
		fprintf(f, "'\n");
		if (c1->subs) {
			char cond[160];
			snprintf(cond, sizeof cond, "__fish_seen_subcommand_from %s", c1->name);
			for (size_t j = 0; c1->subs[j]; j++) {
				fprintf(f, "complete -c fortress -n '%s' -a %s -d '", cond, c1->subs[j]->name);
				for (const char *p = c1->subs[j]->summary; p && *p; p++)
					fputs(*p == '\'' ? "\\'" : (char[]){ *p, 0 }, f);
				fprintf(f, "'\n");
				const struct cli_cmd *c2 = c1->subs[j];
				char cond2[200];

				snprintf(cond2, sizeof cond2, "__fish_seen_subcommand_from %s; and __fish_seen_subcommand_from %s",
					 c1->name, c2->name);
				if (c2->opts)
					fish_opts(f, cond2, c2->opts);
				/* a third level: 'map field add' */
				for (size_t k = 0; c2->subs && c2->subs[k]; k++) {
					char cond3[300];

					fprintf(f, "complete -c fortress -n '%s' -a %s -d '", cond2, c2->subs[k]->name);
					for (const char *p = c2->subs[k]->summary; p && *p; p++)
						fputs(*p == '\'' ? "\\'" : (char[]){ *p, 0 }, f);
					fprintf(f, "'\n");
					snprintf(cond3, sizeof cond3, "%s; and __fish_seen_subcommand_from %s", cond2, c2->subs[k]->name);
					fish_opts(f, cond3, c2->subs[k]->opts);
				}
			}
		}
		if (c1->opts) {
			char cond[160];
			snprintf(cond, sizeof cond, "__fish_seen_subcommand_from %s", c1->name);
			fish_opts(f, cond, c1->opts);
		}
	}
	fish_opts(f, "true", global_opts);
}

static int cmd_completion(struct cli *c)
{
	const char *sh = cli_pos(c, 0);
	if (!strcmp(sh, "bash")) {
		completion_bash(stdout);
	} else if (!strcmp(sh, "zsh")) {
		printf("#compdef fortress\n# fortress completion for zsh (generated by 'fortress completion zsh'): the bash one through bashcompinit\n"
		       "autoload -U +X bashcompinit && bashcompinit\n");
		completion_bash(stdout);
		printf("complete -F _fortress fortress\n");
		return EXIT_OK;
	} else if (!strcmp(sh, "fish")) {
		completion_fish(stdout);
		return EXIT_OK;
	} else {
		return cli_usage_error(c, "unknown shell '%s' (bash, zsh or fish)", sh);
	}
	printf("complete -F _fortress fortress\n");
	return EXIT_OK;
}

/* ---------------------------------------------------------------- parsing */

static int opt_index(const struct cli_opt *spec, const char *arg, size_t namelen, int is_short)
{
	int i;

	for (i = 0; spec && spec[i].name; i++) {
		if (is_short) {
			if (spec[i].short_name && spec[i].short_name == arg[0])
				return i;
		} else if (strlen(spec[i].name) == namelen && !strncmp(spec[i].name, arg, namelen)) {
			return i;
		}
	}
	return -1;
}

static void apply_global(struct cli *c, struct parse *p, int idx, const char *val)
{
	switch (idx) {
	case G_VAULT: c->vault_opt = val; break;
	case G_USER: c->user = val; break;
	case G_PASSFILE: c->passphrase_file = val; break;
	case G_JSON: c->json = 1; break;
	case G_NOCOLOR: c->no_color = 1; break;
	case G_QUIET: c->quiet = 1; break;
	case G_VERBOSE: c->verbose = 1; break;
	case G_HELP: p->help = 1; break;
	case G_VERSION: p->version = 1; break;
	}
}

/* Parse the option at p->argv[p->i] (which starts with '-').  LOCAL is the
 * command's option table (NULL before the command).  Returns 0, or an
 * exit code after printing a usage error. */
static int parse_option(struct cli *c, struct parse *p, const struct cli_opt *local, const char *where)
{
	const char *arg = p->argv[p->i], *val = NULL, *name;
	const struct cli_opt *spec = NULL;
	size_t namelen;
	int idx = -1, is_global = 0, is_short;
	char shown[64];

	is_short = arg[1] != '-';
	name = is_short ? arg + 1 : arg + 2;
	if (is_short) {
		namelen = 1;
		if (name[1])
			val = name + 1;          /* -oFILE */
	} else {
		const char *eq = strchr(name, '=');

		namelen = eq ? (size_t)(eq - name) : strlen(name);
		if (eq)
			val = eq + 1;
	}
	if (local && (idx = opt_index(local, name, namelen, is_short)) >= 0) {
		spec = &local[idx];
	} else if ((idx = opt_index(global_opts, name, namelen, is_short)) >= 0) {
		spec = &global_opts[idx];
		is_global = 1;
	}
	if (is_short)
		snprintf(shown, sizeof(shown), "-%c", name[0]);
	else
		snprintf(shown, sizeof(shown), "--%.*s", (int)(namelen < 50 ? namelen : 50), name);

	if (!spec) {
		if (p->help)
			return 0;    /* --help already given: show the help instead */
		if (where)
			cli_error(c, EXIT_USAGE, "unknown option '%s' for '%s'", shown, where);
		else
			cli_error(c, EXIT_USAGE, "unknown option '%s'", shown);
		cli_hint(c, "see 'fortress %s%s--help'", where ? where : "", where ? " " : "");
		return EXIT_USAGE;
	}
	if (spec->kind == OPT_FLAG) {
		if (val) {
			cli_error(c, EXIT_USAGE, "option '%s' takes no value", shown);
			return EXIT_USAGE;
		}
	} else if (!val) {
		if (p->i + 1 >= p->argc) {
			if (p->help)
				return 0;
			cli_error(c, EXIT_USAGE, "option '%s' needs a value (%s)", shown, spec->arg ? spec->arg : "VALUE");
			return EXIT_USAGE;
		}
		val = p->argv[++p->i];
	}
	if (is_global) {
		apply_global(c, p, idx, val);
		return 0;
	}
	c->args.count[idx]++;
	c->args.value[idx] = val;
	if (spec->kind == OPT_MULTI) {
		if (!c->args.multi[idx]) {
			c->args.multi[idx] = calloc((size_t)p->argc + 1, sizeof(char *));
			if (!c->args.multi[idx]) {
				cli_error(c, EXIT_IO, "out of memory");
				return EXIT_IO;
			}
		}
		c->args.multi[idx][c->args.count[idx] - 1] = val;
	}
	return 0;
}

static int is_option(const char *a)
{
	return a[0] == '-' && a[1] != '\0';
}

/* Global options up to the next word (a command or subcommand name).
 * Returns 0 with p->i at the word or at argc, or an exit code. */
static int parse_to_word(struct cli *c, struct parse *p, const char *where)
{
	int r;

	for (; p->i < p->argc; p->i++) {
		const char *a = p->argv[p->i];

		if (p->dashdash || !is_option(a))
			return 0;
		if (!strcmp(a, "--")) {
			p->dashdash = 1;
			continue;
		}
		if ((r = parse_option(c, p, NULL, where)) != 0)
			return r;
	}
	return 0;
}

static int parse_leaf(struct cli *c, struct parse *p)
{
	const struct cli_cmd *cmd = c->cmd;
	int r;

	c->args.spec = cmd->opts;
	c->args.nspec = 0;
	while (cmd->opts && cmd->opts[c->args.nspec].name)
		c->args.nspec++;
	if (c->args.nspec > CLI_MAX_OPTS) {
		cli_error(c, EXIT_FAIL, "internal error: too many options for '%s'", c->cmd_path);
		return EXIT_FAIL;
	}
	c->args.pos = calloc((size_t)p->argc + 1, sizeof(char *));
	if (!c->args.pos) {
		cli_error(c, EXIT_IO, "out of memory");
		return EXIT_IO;
	}
	for (; p->i < p->argc; p->i++) {
		const char *a = p->argv[p->i];

		if (!p->dashdash && !strcmp(a, "--")) {
			p->dashdash = 1;
			continue;
		}
		if (!p->dashdash && is_option(a)) {
			if ((r = parse_option(c, p, cmd->opts, c->cmd_path)) != 0)
				return r;
			continue;
		}
		c->args.pos[c->args.npos++] = a;
	}
	if (p->help || p->version)
		return 0;
	if ((int)c->args.npos < cmd->min_args) {
		if (cmd->args_name)
			return cli_usage_error(c, "'%s' needs %s", c->cmd_path, cmd->args_name);
		return cli_usage_error(c, "'%s' needs more arguments", c->cmd_path);
	}
	if (cmd->max_args >= 0 && (int)c->args.npos > cmd->max_args)
		return cli_usage_error(c, "unexpected argument '%s' for '%s'",
				       c->args.pos[cmd->max_args], c->cmd_path);
	return 0;
}

static void release(struct cli *c)
{
	size_t i;

	fort_vault_close(c->vault);
	c->vault = NULL;
	for (i = 0; i < CLI_MAX_OPTS; i++)
		free(c->args.multi[i]);
	free(c->args.pos);
	free(c->vault_path);
}

static void no_core_dumps(void)
{
	struct rlimit rl = { 0, 0 };

	/* The process holds keys and passphrases: never write them to a core
	 * file, and keep other users' debuggers out. */
	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static void decide_colour(struct cli *c)
{
	const char *term = getenv("TERM");
	const char *nc = getenv("NO_COLOR");
	/* no-color.org: set and not empty disables colour */
	int ok = !c->no_color && !(nc && *nc) && !(term && !strcmp(term, "dumb"));

	c->color_out = ok && isatty(STDOUT_FILENO);
	c->color_err = ok && isatty(STDERR_FILENO);
}

static int check_output(struct cli *c, int ex)
{
	int failed = fflush(stdout) != 0 || ferror(stdout), epipe = failed && errno == EPIPE;
	struct pollfd pf = { STDOUT_FILENO, 0, 0 };

	/* an earlier write may have met the closed pipe: its reader is gone */
	if (failed && !epipe && poll(&pf, 1, 0) == 1 && (pf.revents & POLLERR))
		epipe = 1;

	if (fclose(stdout) != 0) {
		failed = 1;
		epipe |= errno == EPIPE;
	}
	/* the reader went away ("| head -1"): what it wanted, it got; quietly */
	if (failed && epipe)
		return ex;
	if (failed && ex == EXIT_OK) {
		c->color_err = 0;
		cli_error(c, EXIT_IO, "cannot write output");
		return EXIT_IO;
	}
	return ex;
}

/* Every option that names a file to write (-o/--output FILE, --out FILE,
 * a letter, a PDF) is checked once, here, before the passphrase is asked
 * for and before anything changes: an existing file only with --force,
 * never a symbolic link (cli_out_check; the write itself goes through
 * cli_out_open, which checks again). */
static int check_output_files(struct cli *c)
{
	static const char *const names[] = { "output", "out", "letter", "pdf" };
	int force = cli_flag(c, "force"), r;

	for (size_t i = 0; i < c->args.nspec; i++) {
		const struct cli_opt *o = &c->args.spec[i];
		for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
			if (!strcmp(o->name, names[k]) && o->arg && !strcmp(o->arg, "FILE") && c->args.count[i] &&
			    (r = cli_out_check(c, c->args.value[i], force)) != EXIT_OK)
				return r;
	}
	return EXIT_OK;
}

static int run(struct cli *c, int argc, char **argv)
{
	struct parse p = { 0, 0, argc, argv, 1, 0 };
	const struct cli_cmd *cmd = NULL;
	int r;

	decide_colour(c);
	/* 'fortress --help --all' (or -h --all): every command, as git does */
	if (argc == 3 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) && !strcmp(argv[2], "--all")) {
		print_main_usage(stdout);
		return EXIT_OK;
	}
	if ((r = parse_to_word(c, &p, NULL)) != 0)
		return r;
	decide_colour(c);
	if (p.i >= argc) {
		if (p.version) {
			printf("fortress %s\n", fort_version());
			return EXIT_OK;
		}
		if (p.help) {
			print_short_usage(stdout);
			return EXIT_OK;
		}
		/* bare 'fortress': the short help, as git prints */
		print_short_usage(stderr);
		return EXIT_USAGE;
	}

	/* The command, then subcommands while the command has them. */
	for (;;) {
		const char *w = argv[p.i];
		const struct cli_cmd *next = find_cmd(cmd ? cmd->subs : commands, w);

		if (!next) {
			const char *sug = suggest_cmd(cmd ? cmd->subs : commands, w);
			if (cmd) {
				cli_error(c, EXIT_USAGE, "unknown subcommand '%s' for '%s'", w, c->cmd_path);
				if (sug)
					cli_hint(c, "did you mean 'fortress %s %s'?", c->cmd_path, sug);
				else
					cli_hint(c, "see 'fortress help %s'", c->cmd_path);
			} else {
				cli_error(c, EXIT_USAGE, "unknown command '%s'", w);
				if (sug)
					cli_hint(c, "did you mean 'fortress %s'?", sug);
				else
					cli_hint(c, "see 'fortress --help'");
			}
			return EXIT_USAGE;
		}
		cmd = next;
		if (c->cmd_path[0])
			strncat(c->cmd_path, " ", sizeof(c->cmd_path) - strlen(c->cmd_path) - 1);
		strncat(c->cmd_path, w, sizeof(c->cmd_path) - strlen(c->cmd_path) - 1);
		p.i++;
		if (!cmd->subs)
			break;
		if ((r = parse_to_word(c, &p, c->cmd_path)) != 0)
			return r;
		decide_colour(c);
		if (p.i >= argc) {
			if (p.help) {
				print_cmd_help(stdout, c->cmd_path, cmd);
				return EXIT_OK;
			}
			if (p.version) {
				printf("fortress %s\n", fort_version());
				return EXIT_OK;
			}
			c->cmd = cmd;
			return cli_usage_error(c, "'%s' needs a subcommand", c->cmd_path);
		}
	}
	c->cmd = cmd;
	if ((r = parse_leaf(c, &p)) != 0)
		return r;
	decide_colour(c);
	if (p.help) {
		print_cmd_help(stdout, c->cmd_path, cmd);
		return EXIT_OK;
	}
	if (p.version) {
		printf("fortress %s\n", fort_version());
		return EXIT_OK;
	}

	if (fort_library_init() < 0)
		return cli_error(c, EXIT_FAIL, "cannot initialise the crypto library");
	if (cmd->check && (r = cmd->check(c)) != EXIT_OK)
		return r;
	if ((r = check_output_files(c)) != EXIT_OK)
		return r;
	if (cmd->flags & (NEEDS_PATH | NEEDS_VAULT | NEEDS_UNLOCK)) {
		if ((r = cli_vault_resolve(c)) != EXIT_OK)
			return r;
	}
	if (cmd->flags & (NEEDS_VAULT | NEEDS_UNLOCK)) {
		if ((r = cli_vault_open(c, (cmd->flags & NEEDS_UNLOCK) != 0)) != EXIT_OK)
			return r;
	}
	return cmd->fn(c);
}

/* Ctrl-C (and SIGTERM, SIGHUP): output files being written under a
 * temporary name (cli_out_open) are removed, then the signal ends the
 * program as it would have (the shell reports 128 + N: 130 for Ctrl-C).  A
 * transaction in progress is not committed, so SQLite rolls it back: the
 * vault is as it was.  Installed even where the signal was ignored (a
 * background job of a script), so a script's kill -INT works too. */
static void on_signal(int sig)
{
	cli_out_cleanup_signal();
	fort_signal_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

int main(int argc, char **argv)
{
	struct cli c;
	int ex;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	no_core_dumps();
	catch_signals();
	/* A closed pipe is a write error (exit 9), not a silent death: the vault
	 * must still be closed so pending audit entries are written. */
	signal(SIGPIPE, SIG_IGN);
	memset(&c, 0, sizeof(c));
	ex = run(&c, argc, argv);
	release(&c);       /* closes the vault: pending audit entries are written */
	ex = check_output(&c, ex);
	if (c.verbose && !c.quiet) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		fprintf(stderr, "verbose: done in %.2f s, exit %d\n",
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, ex);
	}
	return ex;
}
