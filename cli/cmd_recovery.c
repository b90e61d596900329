/* cmd_recovery.c - `fortress recovery split|restore|status`: recovery
 * shares for a forgotten owner passphrase (docs/SECURITY.md). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "passphrase_input.h"

#define NO_NEW_PASSPHRASE_MSG \
	"no new passphrase: use --new-passphrase-file FILE, or run on a terminal"
#define SHARE_LINE_MAX 1024      /* a share is ~110 characters */
#define SHARES_MAX 255
#define SHARE_FILE_MAX (256 * 1024)

static const struct cli_opt split_opts[] = {
	{ "shares", 0, OPT_VALUE, "N", "how many shares to make (2 to 255), one per trusted person" },
	{ "threshold", 0, OPT_VALUE, "K", "how many shares restore (2 to N)" },
	{ "out", 0, OPT_VALUE, "DIR", "also write DIR/share-I-of-N.txt (mode 0600)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static const struct cli_opt restore_opts[] = {
	{ "new-passphrase-file", 0, OPT_VALUE, "FILE", "read the new owner passphrase from FILE's first line" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

/* ------------------------------------------------------------------ split */

/* A whole number in [lo, hi] or -1. */
static long parse_count(const char *s, long lo, long hi)
{
	char *end;
	long x;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	x = strtol(s, &end, 10);
	if (errno || *end || x < lo || x > hi)
		return -1;
	return x;
}

/* Before unlocking: refuse bad counts and an unusable --out at once. */
static int split_check(struct cli *c)
{
	const char *ns = cli_str(c, "shares"), *ks = cli_str(c, "threshold"), *out = cli_str(c, "out");
	long n, k;
	struct stat sb;

	if (!ns || !ks)
		return cli_usage_error(c, "'%s' needs --shares N and --threshold K (for example --shares 5 --threshold 3)",
				       c->cmd_path);
	if ((n = parse_count(ns, 2, SHARES_MAX)) < 0)
		return cli_usage_error(c, "--shares must be a number from 2 to %d, not '%s'", SHARES_MAX, ns);
	if ((k = parse_count(ks, 2, n)) < 0)
		return cli_usage_error(c, "--threshold must be a number from 2 to %ld (the number of shares), not '%s'", n, ks);
	if (out) {
		if (mkdir(out, 0700) < 0 && errno != EEXIST)
			return cli_error(c, errno == ENOENT ? EXIT_NOTFOUND : EXIT_IO, "cannot create %s: %s", out, strerror(errno));
		if (stat(out, &sb) < 0 || !S_ISDIR(sb.st_mode))
			return cli_error(c, EXIT_INPUT, "--out %s is not a directory", out);
		if (access(out, W_OK) < 0)
			return cli_error(c, EXIT_IO, "cannot write to %s: %s", out, strerror(errno));
	}
	return EXIT_OK;
}

static int cmd_recovery_split(struct cli *c)
{
	const char *out = cli_str(c, "out");
	size_t n = (size_t)parse_count(cli_str(c, "shares"), 2, SHARES_MAX);
	size_t k = (size_t)parse_count(cli_str(c, "threshold"), 2, (long)n);
	char **shares = NULL, path[4096], line[256];
	json_t *files = NULL;
	size_t i;
	int r, ex = EXIT_OK;

	if ((r = fort_recovery_split(&shares, c->vault, n, k)) < 0)
		return cli_fail(c, r, r == FORT_EDENIED ? "run it as the owner (--user OWNER)" : NULL);
	if (out && c->json && !(files = json_array())) {
		ex = cli_error(c, EXIT_IO, "out of memory");
		goto out;
	}
	for (i = 0; out && i < n; i++) {
		int len;

		snprintf(path, sizeof(path), "%s/share-%zu-of-%zu.txt", out, i + 1, n);
		len = snprintf(line, sizeof(line), "%s\n", shares[i]);
		ex = cli_write_file(c, path, line, (size_t)len, 0600, 1); /* a new split replaces the old one's files */
		explicit_bzero(line, sizeof(line));
		if (ex != EXIT_OK) {
			cli_hint(c, "the shares were made: they are printed below; or run 'fortress recovery split' again");
			break;
		}
		if (files)
			json_array_append_new(files, json_string(path));
	}
	if (c->json) {
		json_t *j = json_object(), *arr = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(arr, json_string(shares[i]));
		json_object_set_new(j, "k", json_integer((json_int_t)k));
		json_object_set_new(j, "n", json_integer((json_int_t)n));
		json_object_set_new(j, "shares", arr);
		if (files) {
			json_object_set_new(j, "files", files);
			files = NULL;
		}
		r = cli_print_json(c, j);   /* wipes the text */
		if (ex == EXIT_OK)
			ex = r;
	} else {
		for (i = 0; i < n; i++)
			printf("%s\n", shares[i]);
	}
	if (!c->quiet) {
		fflush(stdout);
		fprintf(stderr, "%zu shares made; any %zu of them set a new owner passphrase, fewer reveal nothing.\n"
			"Give each share to a different trusted person, and keep none of them with the vault.\n"
			"Shares made before these no longer work.\n", n, k);
		if (out && ex == EXIT_OK)
			fprintf(stderr, "Written to %s/share-1-of-%zu.txt ... share-%zu-of-%zu.txt (mode 0600).\n", out, n, n, n);
	}
out:
	json_decref(files);
	fort_recovery_shares_free(shares, n);
	return ex;
}

/* ---------------------------------------------------------------- restore */

struct share_list {
	char *text[SHARES_MAX + 1];
	char where[SHARES_MAX + 1][96];   /* "FILE" or "FILE line L" or "line L of standard input" */
	size_t n;
};

static void shares_release(struct share_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		explicit_bzero(l->text[i], strlen(l->text[i]));
		free(l->text[i]);
	}
	l->n = 0;
}

/* Add LINE (LEN bytes) when it is not blank. */
static int share_add(struct cli *c, struct share_list *l, const char *line, size_t len, const char *src, size_t lineno,
		     int several)
{
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		len--;
	while (len > 0 && isspace((unsigned char)*line)) {
		line++;
		len--;
	}
	if (len == 0)
		return EXIT_OK;
	if (l->n >= SHARES_MAX)
		return cli_error(c, EXIT_INPUT, "more than %d shares given: a split has at most %d", SHARES_MAX, SHARES_MAX);
	if (!(l->text[l->n] = strndup(line, len)))
		return cli_error(c, EXIT_IO, "out of memory");
	if (!src)
		snprintf(l->where[l->n], sizeof(l->where[l->n]), "line %zu of standard input", lineno);
	else if (several)
		snprintf(l->where[l->n], sizeof(l->where[l->n]), "%.70s line %zu", src, lineno);
	else
		snprintf(l->where[l->n], sizeof(l->where[l->n]), "%.80s", src);
	l->n++;
	return EXIT_OK;
}

static int shares_from_file(struct cli *c, struct share_list *l, const char *path)
{
	char *buf = NULL, *p, *nl;
	size_t len, lineno = 0, nonblank = 0;
	int ex;

	if ((ex = cli_read_file(c, path, &buf, &len, SHARE_FILE_MAX)) != EXIT_OK)
		return ex;
	for (p = buf; *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		for (const char *q = p; q < (nl ? nl : p + strlen(p)); q++)
			if (!isspace((unsigned char)*q)) {
				nonblank++;
				break;
			}
		if (!nl)
			break;
	}
	for (p = buf; *p && ex == EXIT_OK; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		lineno++;
		ex = share_add(c, l, p, nl ? (size_t)(nl - p) : strlen(p), path, lineno, nonblank > 1);
		if (!nl)
			break;
	}
	if (ex == EXIT_OK && nonblank == 0)
		ex = cli_error(c, EXIT_INPUT, "%s holds no share", path);
	explicit_bzero(buf, len);
	free(buf);
	return ex;
}

/* One share per line from stdin; on a terminal an empty line ends. */
static int shares_from_stdin(struct cli *c, struct share_list *l)
{
	char line[SHARE_LINE_MAX + 2];
	size_t lineno = 0;
	int tty = isatty(STDIN_FILENO), ex = EXIT_OK;

	if (tty)
		fprintf(stderr, "Enter the recovery shares, one per line; an empty line ends:\n");
	while (fgets(line, sizeof(line), stdin)) {
		size_t len = strlen(line);

		lineno++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			ex = cli_error(c, EXIT_INPUT, "line %zu of standard input is too long to be a share", lineno);
			break;
		}
		if (tty && strspn(line, " \t\r\n") == len)
			break;
		if ((ex = share_add(c, l, line, len, NULL, lineno, 1)) != EXIT_OK)
			break;
	}
	explicit_bzero(line, sizeof(line));
	if (ex == EXIT_OK && ferror(stdin))
		ex = cli_error(c, EXIT_IO, "cannot read the shares from standard input");
	return ex;
}

int cli_shares_read(struct cli *c, char ***out, size_t *n, const char *const *files, size_t nfiles)
{
	struct share_list *l = calloc(1, sizeof(*l));
	size_t i;
	int ex = EXIT_OK;

	*out = NULL;
	*n = 0;
	if (!l)
		return cli_error(c, EXIT_IO, "out of memory");
	for (i = 0; i < nfiles && ex == EXIT_OK; i++)
		ex = shares_from_file(c, l, files[i]);
	if (ex == EXIT_OK && l->n == 0)
		ex = cli_usage_error(c, "no shares in the files given");
	if (ex == EXIT_OK && !(*out = calloc(l->n, sizeof(**out))))
		ex = cli_error(c, EXIT_IO, "out of memory");
	if (ex == EXIT_OK) {
		memcpy(*out, l->text, l->n * sizeof(**out));
		*n = l->n;
		l->n = 0; /* now the caller's */
	}
	shares_release(l);
	free(l);
	return ex;
}

void cli_shares_free(char **s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		explicit_bzero(s[i], strlen(s[i]));
		free(s[i]);
	}
	free(s);
}

static int have_dev_tty(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* Before opening the vault: fail at once when the new passphrase cannot be had. */
static int restore_check(struct cli *c)
{
	if (!cli_str(c, "new-passphrase-file") && !have_dev_tty())
		return cli_error(c, EXIT_USAGE, NO_NEW_PASSPHRASE_MSG);
	return EXIT_OK;
}

/* The library names shares "share N" by position: say where share N came from. */
static const char *where_hint(char *buf, size_t cap, const struct share_list *l)
{
	const char *msg = fort_error_message(), *p;
	unsigned long i;

	if (!msg || !(p = strstr(msg, "share ")))
		return NULL;
	i = strtoul(p + 6, NULL, 10);
	if (i < 1 || i > l->n)
		return NULL;
	snprintf(buf, cap, "share %lu is %s", i, l->where[i - 1]);
	return buf;
}

static int cmd_recovery_restore(struct cli *c)
{
	struct share_list *l = NULL;
	fort_secret *newpass = NULL;
	fort_status st;
	size_t i;
	int r, ex;

	if (!(l = calloc(1, sizeof(*l))))
		return cli_error(c, EXIT_IO, "out of memory");
	for (i = 0, ex = EXIT_OK; i < c->args.npos && ex == EXIT_OK; i++)
		ex = shares_from_file(c, l, cli_pos(c, i));
	if (ex == EXIT_OK && c->args.npos == 0)
		ex = shares_from_stdin(c, l);
	if (ex != EXIT_OK)
		goto out;
	if (l->n == 0) {
		ex = cli_usage_error(c, "no shares given: name share files, or give one share per line on standard input");
		goto out;
	}
	if ((ex = cli_passphrase_get(c, &newpass, cli_str(c, "new-passphrase-file"), "New owner passphrase: ", 1,
				     NO_NEW_PASSPHRASE_MSG)) != EXIT_OK)
		goto out;
	if ((r = fort_recovery_restore(c->vault, (const char *const *)l->text, l->n, newpass)) < 0) {
		char buf[160];
		const char *hint = NULL;

		if (r == FORT_EINPUT || r == FORT_EAUTH)
			hint = where_hint(buf, sizeof(buf), l);
		ex = cli_fail(c, r, hint);
		goto out;
	}
	if ((r = fort_vault_status(&st, c->vault)) < 0) {
		ex = cli_fail(c, r, NULL);
		goto out;
	}
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "user", json_string(st.user));
		json_object_set_new(j, "shares", json_integer((json_int_t)l->n));
		json_object_set_new(j, "restored", json_true());
		ex = cli_print_json(c, j);
		goto out;
	}
	if (!c->quiet) {
		printf("new passphrase set for %s with %zu recovery shares\n", st.user, l->n);
		cli_hint(c, "the shares were seen together: make new ones with 'fortress recovery split'");
	}
	ex = EXIT_OK;
out:
	fort_secret_free(newpass);
	shares_release(l);
	free(l);
	return ex;
}

/* ----------------------------------------------------------------- status */

static int cmd_recovery_status(struct cli *c)
{
	int configured, k, n, r;
	int64_t created;
	char when[32];

	if ((r = fort_recovery_status(&configured, &k, &n, &created, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "configured", json_boolean(configured));
		json_object_set_new(j, "k", configured ? json_integer(k) : json_null());
		json_object_set_new(j, "n", configured ? json_integer(n) : json_null());
		json_object_set_new(j, "created", configured ? json_integer(created) : json_null());
		return cli_print_json(c, j);
	}
	if (configured)
		printf("recovery shares: any %d of %d, made %s\n", k, n, cli_time(when, sizeof(when), created));
	else
		printf("recovery shares: none (the owner makes them with 'fortress recovery split')\n");
	return EXIT_OK;
}

/* --------------------------------------------------------------- commands */

static const struct cli_cmd recovery_split_def = {
	.name = "split", .fn = cmd_recovery_split, .flags = NEEDS_UNLOCK,
	.summary = "make N recovery shares, any K of which set a new owner passphrase",
	.synopsis = "--shares N --threshold K [--out DIR] [--json]",
	.opts = split_opts, .min_args = 0, .max_args = 0, .check = split_check,
	.description =
		"Owner only.  Prints N shares, one line each (FORT-SHARE-1:...), to hand to N\n"
		"different trusted people; any K of them restore, K-1 reveal nothing.  A new\n"
		"split replaces the previous one: its shares stop working.  Audited\n"
		"(recovery-split, the counts only).\n",
};

static const struct cli_cmd recovery_restore_def = {
	.name = "restore", .fn = cmd_recovery_restore, .flags = NEEDS_VAULT,
	.summary = "set a new owner passphrase with K recovery shares",
	.synopsis = "[--new-passphrase-file FILE] [SHAREFILE...]",
	.opts = restore_opts, .min_args = 0, .max_args = -1, .args_name = "SHAREFILE",
	.check = restore_check,
	.description =
		"Reads the shares from the files (one or more per file, one per line), or one\n"
		"per line from standard input.  Needs no passphrase; the new one comes from\n"
		"--new-passphrase-file or is asked twice on the terminal.  Exit 6 when a share\n"
		"is mistyped or damaged (the message names it), 4 when the shares do not open\n"
		"this vault (too few, another vault's, an older split's).  Audited.\n",
};

static const struct cli_cmd recovery_status_def = {
	.name = "status", .fn = cmd_recovery_status, .flags = NEEDS_VAULT,
	.summary = "show whether recovery shares exist (K of N, when made)",
	.synopsis = "[--json]",
	.min_args = 0, .max_args = 0,
};

static const struct cli_cmd *const recovery_subs[] = {
	&recovery_split_def,
	&recovery_restore_def,
	&recovery_status_def,
	NULL
};

const struct cli_cmd cmd_recovery_def = {
	.name = "recovery", .fn = NULL, .flags = 0,
	.summary = "recovery shares for a forgotten owner passphrase",
	.subs = recovery_subs,
};
