/* cli.h - shared pieces of the `fortress` command line: the command table,
 * option parsing, output helpers and the exit-code contract of docs/cli.md.
 * The CLI uses only the public API (fortress.h) and jansson. */
#ifndef FORT_CLI_H
#define FORT_CLI_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "fortress.h"

/* Exit codes (docs/cli.md). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,       /* generic failure; audit verify found a problem */
	EXIT_USAGE = 2,      /* unknown command/option, missing argument */
	EXIT_NOTFOUND = 3,
	EXIT_AUTH = 4,
	EXIT_DENIED = 5,
	EXIT_INPUT = 6,
	EXIT_BUSY = 7,
	EXIT_CORRUPT = 8,
	EXIT_IO = 9,
};

/* ---------------------------------------------------------------- options */

enum cli_opt_kind {
	OPT_FLAG,            /* --json */
	OPT_VALUE,           /* --purpose P (the last one wins) */
	OPT_MULTI,           /* --set F=V, may be repeated */
};

struct cli_opt {
	const char *name;    /* long name without "--" */
	char short_name;     /* 'o' for -o, 0 for none */
	enum cli_opt_kind kind;
	const char *arg;     /* value placeholder for help: "FILE" */
	const char *help;
};

#define CLI_MAX_OPTS 24

struct cli_args {
	const struct cli_opt *spec;
	size_t nspec;
	unsigned count[CLI_MAX_OPTS];     /* times given */
	const char *value[CLI_MAX_OPTS];  /* last value */
	const char **multi[CLI_MAX_OPTS]; /* every value (OPT_MULTI), points into argv */
	const char **pos;                 /* positional arguments */
	size_t npos;
};

/* --------------------------------------------------------------- commands */

struct cli;

/* Shared setup done by main before a command runs. */
enum {
	NEEDS_PATH = 1 << 0,    /* resolve the vault path */
	NEEDS_VAULT = 1 << 1,   /* open the vault locked (never prompts) */
	NEEDS_UNLOCK = 1 << 2,  /* open the vault unlocked (passphrase) */
};

struct cli_cmd {
	const char *name;
	int (*fn)(struct cli *c);         /* returns an exit code */
	unsigned flags;
	const char *summary;              /* one line for the command list */
	const char *synopsis;             /* what follows the command path in usage */
	const struct cli_opt *opts;       /* NULL-name terminated, may be NULL */
	int min_args, max_args;           /* positional arguments (max -1: any) */
	const char *args_name;            /* "ID", "FILE"... for "needs ID" messages */
	int (*check)(struct cli *c);      /* runs before the shared setup, may be NULL */
	const struct cli_cmd *const *subs; /* subcommands (NULL terminated) */
	const char *description;          /* longer help, may be NULL */
};

struct cli {
	/* global options */
	const char *vault_opt;
	const char *user;
	const char *passphrase_file;
	int json, quiet, no_color;
	int verbose;                      /* -v: what is done, on stderr (docs/cli.md) */
	int color_out, color_err;         /* decided once options are known */

	/* the command being run */
	const struct cli_cmd *cmd;
	char cmd_path[64];                /* "client get" */
	struct cli_args args;

	/* shared setup */
	char *vault_path;                 /* resolved (malloc) */
	int vault_from_default;           /* not from --vault / FORTRESS_VAULT */
	fort_vault *vault;
};

/* Command tables, one per file. */
extern const struct cli_cmd cmd_init_def;
extern const struct cli_cmd cmd_token_def;
extern const struct cli_cmd cmd_passwd_def;
extern const struct cli_cmd cmd_passphrase_def;
extern const struct cli_cmd cmd_status_def;
extern const struct cli_cmd cmd_map_def;
extern const struct cli_cmd cmd_client_def;
extern const struct cli_cmd cmd_audit_def;
extern const struct cli_cmd cmd_unlock_def;
extern const struct cli_cmd cmd_lock_def;
extern const struct cli_cmd cmd_client_import_def;
extern const struct cli_cmd cmd_client_export_def;
extern const struct cli_cmd cmd_recovery_def;
extern const struct cli_cmd cmd_backup_def;
extern const struct cli_cmd cmd_scan_def;
extern const struct cli_cmd cmd_user_def;
extern const struct cli_cmd cmd_user_passwd_def;
extern const struct cli_cmd cmd_role_def;
extern const struct cli_cmd cmd_keys_def;
extern const struct cli_cmd cmd_consent_def;
extern const struct cli_cmd cmd_intake_def;
extern const struct cli_cmd cmd_request_def;
extern const struct cli_cmd cmd_notice_def;
extern const struct cli_cmd cmd_business_def;
extern const struct cli_cmd cmd_verify_certificate_def;
extern const struct cli_cmd cmd_retention_def;
extern const struct cli_cmd cmd_records_def;
extern const struct cli_cmd cmd_map_activity_def;
extern const struct cli_cmd cmd_map_recipient_def;
extern const struct cli_cmd cmd_deadline_def;
extern const struct cli_cmd cmd_quarantine_def;
extern const struct cli_cmd cmd_attachment_def;
extern const struct cli_cmd cmd_plan_def;
extern const struct cli_cmd cmd_mail_def;
extern const struct cli_cmd cmd_doctor_def;
extern const struct cli_cmd cmd_incident_def;
extern const struct cli_cmd cmd_actions_def;
extern const struct cli_cmd cmd_user_totp_def;
extern const struct cli_cmd cmd_user_invite_def;
extern const struct cli_cmd cmd_serve_def;
extern const struct cli_cmd cmd_store_def;

/* The usage synopsis of CMD (what follows "fortress PATH"), one line: its
 * .synopsis with every option of .opts whose "--name" it does not name added
 * as "[--name ARG]" ("[-s|--name ARG]" with a short form, "..." when
 * repeatable), in place of "[OPTIONS]" when it says that, else at the end.
 * So an option added to the table is in the usage line, docs/cli.md and the
 * man page without another edit (docs/conventions.md, "Documentation").
 * Options are written "-s|--name" when they have a short form.  Returns BUF. */
#define CLI_SYNOPSIS_MAX 1024
const char *cli_synopsis(char *buf, size_t len, const struct cli_cmd *cmd);

/* ---------------------------------------------------------- option access */

int cli_flag(const struct cli *c, const char *name);
const char *cli_str(const struct cli *c, const char *name);
/* Values of a repeatable option; returns how many. */
size_t cli_multi(const struct cli *c, const char *name, const char *const **out);
const char *cli_pos(const struct cli *c, size_t i);

/* ---------------------------------------------------------------- output */

/* Exit code for a FORT_E* code (0 for 0). */
int cli_exit_code(int fort_code);

/* "fortress: MESSAGE" on stderr (red on a TTY); returns EXIT. */
int cli_error(struct cli *c, int exit_code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "hint: ..." on stderr. */
void cli_hint(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print the library's message for R and return the matching exit code.
 * HINT (may be NULL) is printed as a hint line. */
int cli_fail(struct cli *c, int r, const char *hint);
/* A usage error for the current command: message, usage line, exit 2. */
int cli_usage_error(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Informational line on stderr unless --quiet. */
void cli_info(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "verbose: ..." on stderr with -v (and not --quiet). */
void cli_verbose(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Bold / reset around field names on stdout when colour is on. */
const char *cli_bold(const struct cli *c);
const char *cli_reset(const struct cli *c);

/* Print a JSON value on stdout (indented, keys in insertion order) and
 * release it.  Returns 0 or EXIT_IO/EXIT_FAIL. */
int cli_print_json(struct cli *c, json_t *value);

/* "2025-11-29T10:00:00Z" into BUF. */
const char *cli_time(char *buf, size_t len, int64_t t);

/* -------------------------------------------------------------- the vault */

/* Open c->vault_path: locked (UNLOCK 0) or unlocked with the passphrase
 * from the file or the TTY.  Prints the error; returns an exit code. */
int cli_vault_open(struct cli *c, int unlock);
/* The vault is open locked and an operation said FORT_ELOCKED: reopen it
 * unlocked.  Returns an exit code. */
int cli_vault_reopen_unlocked(struct cli *c);

/* Is there a terminal to talk to (stdin is a TTY and /dev/tty opens)? */
int cli_have_tty(void);
/* Ask a question on /dev/tty (echo on).  *OUT is malloc'ed without the
 * newline.  Returns 0, or -1 when there is no TTY / EOF. */
int cli_tty_ask(char **out, const char *prompt);

/* Key rotation (cmd_keys.c): a progress bar on a TTY for O, the summary
 * after it, and the report as JSON.  FORTRESS_ROTATE_BATCH sets the batch
 * size (tests use small batches); FORTRESS_TEST_KILL_ROTATION_AT=N makes
 * the process SIGKILL itself once N clients are done (the crash test: a
 * kill from outside is a race the machine's speed decides). */
struct cli_rotate_progress {
	int on, drawn;
	double start, last;
	unsigned long long kill_at;   /* FORTRESS_TEST_KILL_ROTATION_AT: tests only */
};
void cli_rotate_opts(struct cli *c, fort_rotate_opts *o, struct cli_rotate_progress *p);
void cli_rotate_done(struct cli *c, struct cli_rotate_progress *p, const fort_rotate_report *rep, int r);
json_t *cli_rotate_json(const fort_rotate_report *rep);

/* Recovery shares from FILES (one or more per file, one per line), for
 * `recovery restore` and `backup restore|verify --share-file`.  *OUT
 * (cli_shares_free) gets *N strings.  Returns an exit code. */
int cli_shares_read(struct cli *c, char ***out, size_t *n, const char *const *files, size_t nfiles);
void cli_shares_free(char **s, size_t n);

/* Send the outbox's queued messages O selects (cmd_mail.c), printing one
 * line per message (or the JSON report).  EXIT_FAIL when one stays queued. */
int cli_mail_send(struct cli *c, fort_mail_send_opts *o);

/* Output files (-o/--output FILE and the like), one way for every command:
 * PATH NULL or "-" is standard output.  Otherwise a symbolic link is never
 * followed and an existing PATH is replaced only with FORCE (exit 6 naming
 * it); the data goes to a temporary name in PATH's directory (O_EXCL |
 * O_NOFOLLOW, MODE), is fsynced and then linked (no FORCE: a file that
 * appeared meanwhile is still not replaced) or renamed into place, so an
 * interrupted or failed command leaves no partial file.
 * cli_out_check: the same refusals, for a command's check before the
 * passphrase is asked for.  All return an exit code, printing errors. */
struct cli_out {
	FILE *f;          /* write here */
	char *path, *tmp; /* NULL for standard output */
	int force;
};
int cli_out_check(struct cli *c, const char *path, int force);
int cli_out_open(struct cli *c, struct cli_out *o, const char *path, int mode, int force);
int cli_out_commit(struct cli *c, struct cli_out *o);
void cli_out_abort(struct cli_out *o);  /* removes the temporary file */
/* From a signal handler: remove the temporary files of outputs still open
 * (async-signal-safe: unlink only). */
void cli_out_cleanup_signal(void);
/* The whole of DATA through cli_out_open/commit. */
int cli_write_file(struct cli *c, const char *path, const void *data, size_t len, int mode, int force);
/* Read a whole (small) file; *out is NUL-terminated, malloc'ed. */
int cli_read_file(struct cli *c, const char *path, char **out, size_t *len, size_t cap);

#endif
