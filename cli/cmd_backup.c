/* cmd_backup.c - `fortress backup create|verify|restore`: encrypted backups
 * (docs/SECURITY.md, "Backups"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "passphrase_input.h"

static const struct cli_opt verify_opts[] = {
	{ "share-file", 0, OPT_MULTI, "FILE", "open the backup with recovery shares read from FILE (repeatable) instead of a passphrase" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static const struct cli_opt restore_opts[] = {
	{ "share-file", 0, OPT_MULTI, "FILE", "open the backup with recovery shares read from FILE (repeatable) instead of a passphrase" },
	{ "new-passphrase-file", 0, OPT_VALUE, "FILE", "with --share-file: the new owner passphrase (else asked twice)" },
	{ "to", 0, OPT_VALUE, "PATH", "the new vault file (must not exist)" },
	{ "no-replay", 0, OPT_FLAG, NULL, "do not read the current vault's erasure ledger (see fortress(1))" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static const char *acting_user(const struct cli *c)
{
	const char *u = c->user && *c->user ? c->user : getenv("FORTRESS_USER");

	return u && *u ? u : NULL;
}

static int exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

static json_t *info_json(const char *file, const fort_backup_info *b)
{
	json_t *j = json_object();
	char head[96];

	snprintf(head, sizeof(head), "%lld:%s", (long long)b->audit_head_seq, b->audit_head);
	json_object_set_new(j, "file", json_string(file));
	json_object_set_new(j, "format", json_integer(b->format));
	json_object_set_new(j, "vault_id", json_string(b->vault_id));
	json_object_set_new(j, "created", json_integer(b->created));
	json_object_set_new(j, "tool_version", json_string(b->tool_version));
	json_object_set_new(j, "owner", json_string(b->owner));
	json_object_set_new(j, "clients", json_integer((json_int_t)b->clients));
	json_object_set_new(j, "audit_head", json_string(head));
	json_object_set_new(j, "bytes", json_integer((json_int_t)b->bytes));
	return j;
}

/* A backup file to read must be there before the passphrase is asked for;
 * "-" (standard input) must not be a terminal, nor be read for shares too. */
static int readable_backup(struct cli *c, const char *path)
{
	const char *const *files;
	size_t n = cli_multi(c, "share-file", &files);

	if (!strcmp(path, "-")) {
		if (isatty(STDIN_FILENO))
			return cli_usage_error(c, "'%s -' reads the backup from standard input, which is a terminal: "
						  "redirect it (< FILE, COMMAND |) or give a FILE", c->cmd_path);
		for (size_t i = 0; i < n; i++)
			if (!strcmp(files[i], "-"))
				return cli_usage_error(c, "standard input holds the backup: give the shares as files, not --share-file -");
		return EXIT_OK;
	}
	if (access(path, R_OK) < 0) {
		int e = errno;

		return cli_error(c, e == ENOENT ? EXIT_NOTFOUND : EXIT_IO, "cannot read %s: %s", path, strerror(e));
	}
	return EXIT_OK;
}

/* ---------------------------------------------------------------- create */

/* `-` is standard output: never a terminal, and --json would have to share
 * it with the backup.  Both refused before the passphrase is asked for. */
static int create_check(struct cli *c)
{
	if (strcmp(cli_pos(c, 0), "-") != 0)
		return EXIT_OK;
	if (isatty(STDOUT_FILENO))
		return cli_usage_error(c, "'backup create -' writes the binary backup to standard output, which is a terminal: "
					  "redirect it (> FILE, | COMMAND) or give a FILE");
	if (c->json)
		return cli_usage_error(c, "'backup create -' writes the backup to standard output: --json has no room there "
					  "(the summary goes to standard error); give a FILE to have --json");
	return EXIT_OK;
}

static int cmd_backup_create(struct cli *c)
{
	fort_backup_info b;
	const char *path = cli_pos(c, 0);
	char when[32];
	int r;

	if (!strcmp(path, "-")) {
		/* recorded first, then copied: a failed copy says so itself */
		fflush(stdout);
		memset(&b, 0, sizeof b);
		if ((r = fort_backup_create_fd(&b, c->vault, STDOUT_FILENO)) < 0)
			return cli_fail(c, r, r == FORT_EDENIED ? "a backup is made by a user holding the vault key, e.g. the owner"
					      : r == FORT_EIO && b.created ? "nothing else changed; run it again into a reader that takes all of it"
					      : NULL);
		if (!c->quiet) {
			cli_info(c, "backup written to standard output: %llu clients, audit head %lld:%s, %llu bytes",
				 (unsigned long long)b.clients, (long long)b.audit_head_seq, b.audit_head,
				 (unsigned long long)b.bytes);
			cli_info(c, "taken %s; it opens with the passphrase of owner '%s'", cli_time(when, sizeof(when), b.created), b.owner);
		}
		return EXIT_OK;
	}
	if ((r = fort_backup_create(&b, c->vault, path)) < 0)
		return cli_fail(c, r, r == FORT_EDENIED ? "a backup is made by a user holding the vault key, e.g. the owner" : NULL);
	if (c->json)
		return cli_print_json(c, info_json(path, &b));
	if (!c->quiet) {
		printf("backup written to %s: %llu clients, audit head %lld:%s, %llu bytes\n", path,
		       (unsigned long long)b.clients, (long long)b.audit_head_seq, b.audit_head,
		       (unsigned long long)b.bytes);
		cli_info(c, "taken %s; it opens with the passphrase of owner '%s'", cli_time(when, sizeof(when), b.created), b.owner);
		cli_hint(c, "check it with 'fortress backup verify %s'", path);
	}
	return EXIT_OK;
}

/* ---------------------------------------------------------------- verify */

static int verify_check(struct cli *c)
{
	return readable_backup(c, cli_pos(c, 0));
}

static int cmd_backup_verify(struct cli *c)
{
	const char *const *files;
	fort_backup_info b;
	fort_secret *pass = NULL;
	const char *path = cli_pos(c, 0);
	char when[32];
	int r, ex;

	/* The vault, when there is one, records the check (opened locked). */
	if ((exists(c->vault_path) || fort_vault_path_is_database(c->vault_path)) && fort_vault_open(&c->vault, c->vault_path, NULL, NULL) < 0) {
		cli_info(c, "note: the vault at %s does not open (%s): the check will not be recorded there",
			 c->vault_path, fort_error_message());
		c->vault = NULL;
	}
	if (cli_multi(c, "share-file", &files)) {
		char **shares = NULL;
		size_t n = 0;

		if ((ex = cli_shares_read(c, &shares, &n, files, cli_multi(c, "share-file", &files))) != EXIT_OK)
			return ex;
		r = fort_backup_verify_shares(&b, path, (const char *const *)shares, n, c->vault);
		cli_shares_free(shares, n);
	} else {
		if ((ex = cli_passphrase_unlock(c, &pass, "Owner's passphrase for the backup: ")) != EXIT_OK)
			return ex;
		r = fort_backup_verify(&b, path, acting_user(c), pass, c->vault);
		fort_secret_free(pass);
	}
	if (r < 0)
		return cli_fail(c, r, r == FORT_EAUTH ? "a backup opens with the passphrase the owner had when it was made" : NULL);
	if (c->json) {
		json_t *j = info_json(path, &b);

		json_object_set_new(j, "verified", json_true());
		json_object_set_new(j, "recorded", json_boolean(b.recorded));
		return cli_print_json(c, j);
	}
	if (!c->quiet) {
		printf("backup OK: %s, taken %s, %llu clients, audit head %lld:%s\n", path,
		       cli_time(when, sizeof(when), b.created), (unsigned long long)b.clients,
		       (long long)b.audit_head_seq, b.audit_head);
		if (b.recorded)
			cli_info(c, "recorded in %s as the last verified backup", c->vault_path);
	}
	return EXIT_OK;
}

/* --------------------------------------------------------------- restore */

static int restore_check(struct cli *c)
{
	const char *to = cli_str(c, "to");
	int ex;

	if (!to || !*to)
		return cli_usage_error(c, "'backup restore' needs --to PATH (a new vault file)");
	if ((ex = readable_backup(c, cli_pos(c, 0))) != EXIT_OK)
		return ex;
	if (exists(to)) {
		cli_error(c, EXIT_INPUT, "%s already exists: restore to a new path (nothing was changed)", to);
		cli_hint(c, "restore next to the vault, then move it into place when you have checked it");
		return EXIT_INPUT;
	}
	return EXIT_OK;
}

static int cmd_backup_restore(struct cli *c)
{
	const char *const *files;
	fort_backup_info b;
	fort_secret *pass = NULL;
	const char *path = cli_pos(c, 0), *to = cli_str(c, "to");
	int r, ex, no_replay = cli_flag(c, "no-replay");

	if (!no_replay && (exists(c->vault_path) || fort_vault_path_is_database(c->vault_path))) {
		/* Its erasure ledger is readable without keys. */
		if ((r = fort_vault_open(&c->vault, c->vault_path, NULL, NULL)) < 0) {
			c->vault = NULL;
			return cli_fail(c, r, "the current vault's erasures cannot be read; if it is beyond repair, "
					      "restore with --no-replay and erase again every client erased since the backup");
		}
	} else if (!no_replay) {
		cli_info(c, "warning: no current vault at %s: clients erased after the backup was taken cannot be erased again",
			 c->vault_path);
	}
	if (cli_multi(c, "share-file", &files)) {
		char **shares = NULL;
		size_t n = 0;

		if ((ex = cli_shares_read(c, &shares, &n, files, cli_multi(c, "share-file", &files))) != EXIT_OK)
			return ex;
		if ((ex = cli_passphrase_get(c, &pass, cli_str(c, "new-passphrase-file"), "New owner passphrase: ", 1,
					     "no new owner passphrase: use --new-passphrase-file FILE, or run on a terminal")) != EXIT_OK) {
			cli_shares_free(shares, n);
			return ex;
		}
		r = fort_backup_restore_shares(&b, path, to, (const char *const *)shares, n, pass, c->vault);
		cli_shares_free(shares, n);
	} else {
		if ((ex = cli_passphrase_unlock(c, &pass, "Owner's passphrase for the backup: ")) != EXIT_OK)
			return ex;
		r = fort_backup_restore(&b, path, to, acting_user(c), pass, c->vault);
	}
	fort_secret_free(pass);
	if (r < 0)
		return cli_fail(c, r, r == FORT_EAUTH ? "a backup opens with the passphrase the owner had when it was made" : NULL);
	if (c->json) {
		json_t *j = info_json(path, &b);

		json_object_set_new(j, "restored_to", json_string(to));
		json_object_set_new(j, "erased_replayed", json_integer((json_int_t)b.erased_replayed));
		json_object_set_new(j, "replayed_from", c->vault ? json_string(c->vault_path) : json_null());
		return cli_print_json(c, j);
	}
	if (!c->quiet) {
		printf("restored %s to %s: %llu clients in the backup, %llu erased again from the erasure ledger\n", path, to,
		       (unsigned long long)b.clients, (unsigned long long)b.erased_replayed);
		if (!c->vault)
			cli_info(c, "warning: no erasure ledger was replayed: erase again every client erased since the backup");
		cli_hint(c, "check it with 'fortress --vault %s audit verify', then move it into place", to);
	}
	return EXIT_OK;
}

/* ---------------------------------------------------------------- table */

static const struct cli_cmd backup_create_def = {
	.name = "create", .fn = cmd_backup_create, .flags = NEEDS_UNLOCK,
	.summary = "write an encrypted backup of the vault to FILE (- standard output)",
	.synopsis = "FILE [--json]",
	.min_args = 1, .max_args = 1, .args_name = "FILE", .check = create_check,
	.description =
		"Takes an online snapshot (other processes may keep writing), encrypts it under a\n"
		"key derived from the vault key and writes FILE (mode 0600) under a temporary name,\n"
		"fsynced, then renamed over FILE.  The backup opens with the owner's passphrase.\n"
		"FILE '-' is standard output (not a terminal; no --json): the backup is recorded\n"
		"first, then copied there; if that copy fails it was recorded but not delivered.\n",
};

static const struct cli_cmd backup_verify_def = {
	.name = "verify", .fn = cmd_backup_verify, .flags = NEEDS_PATH,
	.summary = "check that a backup opens and is intact",
	.synopsis = "FILE [--share-file FILE...] [--json]",
	.opts = verify_opts, .min_args = 1, .max_args = 1, .args_name = "FILE", .check = verify_check,
	.description =
		"Decrypts and authenticates every byte with the owner's passphrase.  Exit 8 when the\n"
		"file is truncated, altered or made by a newer Fortress, 4 on a wrong passphrase.\n"
		"When the vault exists the check is recorded ('fortress status': last verified backup).\n"
		"FILE '-' is standard input (the passphrase then from --passphrase-file).\n",
};

static const struct cli_cmd backup_restore_def = {
	.name = "restore", .fn = cmd_backup_restore, .flags = NEEDS_PATH,
	.summary = "restore a backup into a new vault file",
	.synopsis = "FILE --to PATH [--no-replay] [--share-file FILE... [--new-passphrase-file FILE]] [--json]",
	.opts = restore_opts, .min_args = 1, .max_args = 1, .args_name = "FILE", .check = restore_check,
	.description =
		"Writes a new vault at PATH (it must not exist).  The erasure ledger of the current\n"
		"vault (--vault) is replayed: clients erased after the backup was taken stay erased.\n"
		"Without a current vault that cannot be done: erase them again by hand.\n"
		"With --share-file, K recovery shares (of the split current when the backup was\n"
		"taken) open it instead of the owner's passphrase, and the owner gets a new\n"
		"passphrase in the restored vault: for a lost passphrase on a new machine.\n"
		"FILE '-' is standard input (the passphrase then from --passphrase-file).\n",
};

static const struct cli_cmd *const backup_subs[] = {
	&backup_create_def,
	&backup_verify_def,
	&backup_restore_def,
	NULL
};

const struct cli_cmd cmd_backup_def = {
	.name = "backup", .fn = NULL, .flags = 0,
	.summary = "create, verify and restore encrypted backups",
	.subs = backup_subs,
};
