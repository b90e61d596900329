/* cli_util.c - output helpers shared by the commands: errors and hints on
 * stderr, the FORT_E* -> exit code mapping, JSON on stdout, option access,
 * small file helpers. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "front/shapes.h"

#define RED "\033[1;31m"
#define YELLOW "\033[33m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

/* The one mapping from library errors to exit codes (docs/cli.md). */
int cli_exit_code(int fort_code)
{
	switch (fort_code) {
	case FORT_OK:
		return EXIT_OK;
	case FORT_ERROR:
		return EXIT_FAIL;
	case FORT_ENOTFOUND:
		return EXIT_NOTFOUND;
	case FORT_EAUTH:
		return EXIT_AUTH;
	case FORT_EDENIED:
		return EXIT_DENIED;
	case FORT_EINPUT:
	case FORT_EWEAK:
	case FORT_EDUPLICATE:
	case FORT_EEXISTS:
		return EXIT_INPUT;
	case FORT_EBUSY:
	case FORT_ELOCKED:
		return EXIT_BUSY;
	case FORT_ECORRUPT:
	case FORT_EVERSION:
	case FORT_ETAMPER: /* verify commands report and exit 1 themselves */
		return EXIT_CORRUPT;
	case FORT_EIO:
	case FORT_ENOMEM:
		return EXIT_IO;
	default:
		return EXIT_FAIL;
	}
}

static void __attribute__((format(printf, 2, 0))) verror(struct cli *c, const char *fmt, va_list ap)
{
	fflush(stdout);    /* keep the order of stdout and stderr on a terminal */
	if (c && c->color_err)
		fputs(RED "fortress:" RESET " ", stderr);
	else
		fputs("fortress: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_error(struct cli *c, int exit_code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(c, fmt, ap);
	va_end(ap);
	return exit_code;
}

void cli_hint(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	if (c && c->color_err)
		fputs(YELLOW "hint:" RESET " ", stderr);
	else
		fputs("hint: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_verbose(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->verbose || c->quiet)
		return;
	fputs("verbose: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_info(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	if (c->quiet)
		return;
	fflush(stdout);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_fail(struct cli *c, int r, const char *hint)
{
	const char *msg = fort_error_message();
	int code = r < 0 ? r : FORT_ERROR;

	if (!msg || !*msg) {
		const char *name = fort_error_name(code);

		cli_error(c, EXIT_FAIL, "failed (%s)", name ? name : "ERROR");
	} else {
		cli_error(c, EXIT_FAIL, "%s", msg);
	}
	if (!hint) {
		switch (code) {
		case FORT_EWEAK:
			hint = "try 'fortress passphrase generate'";
			break;
		case FORT_EBUSY:
			hint = "another fortress process is using the vault; try again when it has finished";
			break;
		case FORT_ELOCKED:
			hint = "this needs the vault unlocked; give the passphrase (--passphrase-file or the prompt)";
			break;
		case FORT_EDENIED:
			if (strstr(msg, "consent") || strstr(msg, "objected") || strstr(msg, "restricted"))
				hint = "'fortress consent show CLIENT' shows the client's consents, objections and restriction";
			else if (strstr(msg, "purpose"))
				hint = "'fortress map show' lists the purposes each field allows";
			else if (strstr(msg, "role"))
				hint = "'fortress role list' shows what each role may do";
			break;
		case FORT_ETAMPER:
			hint = "run 'fortress audit verify' and restore the vault from a backup";
			break;
		case FORT_EIO:
			hint = "check free disk space and permissions";
			break;
		default:
			break;
		}
	}
	if (hint)
		cli_hint(c, "%s", hint);
	return cli_exit_code(code);
}

int cli_usage_error(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(c, fmt, ap);
	va_end(ap);
	if (c->cmd) {
		char syn[CLI_SYNOPSIS_MAX];

		if (c->cmd->subs)
			fprintf(stderr, "usage: fortress %s SUBCOMMAND [OPTIONS] [ARGS]\n", c->cmd_path);
		else
			fprintf(stderr, "usage: fortress %s%s%s\n", c->cmd_path,
				cli_synopsis(syn, sizeof(syn), c->cmd)[0] ? " " : "", syn);
		cli_hint(c, "see 'fortress help %s'", c->cmd_path);
	}
	return EXIT_USAGE;
}

static void put(char *buf, size_t len, size_t *at, const char *s, size_t n)
{
	for (size_t i = 0; i < n && *at + 1 < len; i++)
		buf[(*at)++] = s[i];
	buf[*at] = '\0';
}

static int is_word_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-';
}

/* Is P (in SYN) the short form "-s" of an option of CMD?  Returns it. */
static const struct cli_opt *short_at(const char *syn, const char *p, const struct cli_cmd *cmd)
{
	if (p[0] != '-' || p[1] == '-' || !p[1] || is_word_char(p[2]) || (p > syn && is_word_char(p[-1])))
		return NULL;
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
		if (o->short_name && o->short_name == p[1])
			return o;
	return NULL;
}

/* Does the synopsis SYN of CMD name option O, as "--name" or "-s"? */
static int synopsis_names(const char *syn, const struct cli_cmd *cmd, const struct cli_opt *o)
{
	size_t n = strlen(o->name);

	for (const char *p = syn; (p = strstr(p, "--")) != NULL; p += 2)
		if ((p == syn || !is_word_char(p[-1])) && !strncmp(p + 2, o->name, n) && !is_word_char(p[2 + n]))
			return 1;
	for (const char *p = syn; (p = strchr(p, '-')) != NULL; p++)
		if (short_at(syn, p, cmd) == o)
			return 1;
	return 0;
}

static void put_opt(char *buf, size_t len, size_t *at, const struct cli_opt *o, int space)
{
	char one[128], sh[4] = "";

	if (o->short_name)
		snprintf(sh, sizeof(sh), "-%c|", o->short_name);
	snprintf(one, sizeof(one), "%s[%s--%s%s%s]%s", space ? " " : "", sh, o->name,
		 o->arg ? " " : "", o->arg ? o->arg : "", o->kind == OPT_MULTI ? "..." : "");
	put(buf, len, at, one, strlen(one));
}

const char *cli_synopsis(char *buf, size_t len, const struct cli_cmd *cmd)
{
	const char *syn = cmd->synopsis ? cmd->synopsis : "", *mark = strstr(syn, "[OPTIONS]");
	size_t at = 0;

	buf[0] = '\0';
	/* the synopsis text, line breaks and the indentation after them made one space */
	for (const char *p = syn; *p;) {
		if (p == mark) {
			/* the options it does not name go here */
			size_t before = at;

			for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
				if (!synopsis_names(syn, cmd, o))
					put_opt(buf, len, &at, o, at > before);
			p += strlen("[OPTIONS]");
			if (at == before && *p == ' ')
				p++;
			continue;
		}
		if (p[0] == '-' && p[1] == '-' && (p == syn || !is_word_char(p[-1]))) {
			/* "--out" of an option with a short form: "-o|--out" */
			for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
				size_t n = strlen(o->name);
				int written = p - syn >= 3 && p[-3] == '-' && p[-2] == o->short_name && p[-1] == '|';

				if (o->short_name && !written && !strncmp(p + 2, o->name, n) && !is_word_char(p[2 + n])) {
					char sh[4] = { '-', o->short_name, '|', 0 };

					put(buf, len, &at, sh, 3);
					break;
				}
			}
		}
		if (short_at(syn, p, cmd) && strncmp(p + 2, "|--", 3) != 0) {
			/* "-o" alone: "-o|--output" */
			const struct cli_opt *o = short_at(syn, p, cmd);

			put(buf, len, &at, p, 2);
			put(buf, len, &at, "|--", 3);
			put(buf, len, &at, o->name, strlen(o->name));
			p += 2;
			continue;
		}
		if (*p == '\n') {
			while (p[1] == ' ' || p[1] == '\t')
				p++;
			if (at > 0 && buf[at - 1] != ' ')
				put(buf, len, &at, " ", 1);
			p++;
			continue;
		}
		put(buf, len, &at, p++, 1);
	}
	if (mark)
		return buf;
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
		if (!synopsis_names(syn, cmd, o))
			put_opt(buf, len, &at, o, at > 0);
	return buf;
}

const char *cli_bold(const struct cli *c)
{
	return c->color_out ? BOLD : "";
}

const char *cli_reset(const struct cli *c)
{
	return c->color_out ? RESET : "";
}

int cli_print_json(struct cli *c, json_t *value)
{
	char *s;

	if (!value)
		return cli_error(c, EXIT_IO, "out of memory");
	s = json_dumps(value, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(value);
	if (!s)
		return cli_error(c, EXIT_IO, "out of memory");
	fputs(s, stdout);
	fputc('\n', stdout);
	/* The JSON may hold revealed values: wipe the text before freeing it. */
	explicit_bzero(s, strlen(s));
	free(s);
	return EXIT_OK;
}

const char *cli_time(char *buf, size_t len, int64_t t)
{
	return shape_time(buf, len, t);
}

/* ------------------------------------------------------------ option access */

static int find_opt(const struct cli *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->args.nspec; i++)
		if (!strcmp(c->args.spec[i].name, name))
			return (int)i;
	return -1;
}

int cli_flag(const struct cli *c, const char *name)
{
	int i = find_opt(c, name);

	return i >= 0 && c->args.count[i] > 0;
}

const char *cli_str(const struct cli *c, const char *name)
{
	int i = find_opt(c, name);

	return i >= 0 && c->args.count[i] > 0 ? c->args.value[i] : NULL;
}

size_t cli_multi(const struct cli *c, const char *name, const char *const **out)
{
	int i = find_opt(c, name);

	*out = NULL;
	if (i < 0 || !c->args.count[i] || !c->args.multi[i])
		return 0;
	*out = c->args.multi[i];
	return c->args.count[i];
}

const char *cli_pos(const struct cli *c, size_t i)
{
	return i < c->args.npos ? c->args.pos[i] : NULL;
}

/* ------------------------------------------------------------------ files */

/* ----------------------------------------------------------- output files */

/* The temporary names of outputs being written, for the signal handler. */
#define OUT_TMP_MAX 8
static char *volatile out_tmp[OUT_TMP_MAX];

static void out_tmp_add(char *tmp)
{
	for (int i = 0; i < OUT_TMP_MAX; i++)
		if (!out_tmp[i]) {
			out_tmp[i] = tmp;
			return;
		}
}

static void out_tmp_del(const char *tmp)
{
	for (int i = 0; i < OUT_TMP_MAX; i++)
		if (out_tmp[i] == tmp)
			out_tmp[i] = NULL;
}

void cli_out_cleanup_signal(void)
{
	for (int i = 0; i < OUT_TMP_MAX; i++)
		if (out_tmp[i])
			unlink(out_tmp[i]);
}

int cli_out_check(struct cli *c, const char *path, int force)
{
	struct stat sb;

	if (!path || !strcmp(path, "-"))
		return EXIT_OK;
	if (lstat(path, &sb) < 0)
		return EXIT_OK;
	if (S_ISLNK(sb.st_mode))
		return cli_error(c, EXIT_INPUT, "%s is a symbolic link: refused (give the file it points to)", path);
	if (!force)
		return cli_error(c, EXIT_INPUT, "%s exists: give another file, or --force to replace it", path);
	if (!S_ISREG(sb.st_mode))
		return cli_error(c, EXIT_INPUT, "%s is not a regular file: refused", path);
	return EXIT_OK;
}

int cli_out_open(struct cli *c, struct cli_out *o, const char *path, int mode, int force)
{
	const char *slash;
	int fd = -1, e, ex;
	size_t dlen;

	memset(o, 0, sizeof *o);
	o->force = force;
	if (!path || !strcmp(path, "-")) {
		o->f = stdout;
		return EXIT_OK;
	}
	if ((ex = cli_out_check(c, path, force)) != EXIT_OK)
		return ex;
	/* the temporary file beside PATH, so the rename stays on one filesystem */
	slash = strrchr(path, '/');
	dlen = slash ? (size_t)(slash - path) + 1 : 0;
	if (!(o->path = strdup(path)) || !(o->tmp = malloc(dlen + 40)))
		goto nomem;
	memcpy(o->tmp, path, dlen);
	snprintf(o->tmp + dlen, 40, ".fortress-out-XXXXXX");
	/* mkostemp: O_CREAT | O_EXCL, mode 0600, a name nobody else has */
	fd = mkostemp(o->tmp, O_CLOEXEC);
	if (fd >= 0)
		out_tmp_add(o->tmp);
	if (fd < 0) {
		e = errno;
		free(o->tmp);
		o->tmp = NULL;
		cli_out_abort(o);
		return cli_error(c, e == ENOENT ? EXIT_NOTFOUND : EXIT_IO, "cannot create %s: %s", path, strerror(e));
	}
	if (fchmod(fd, (mode_t)mode) < 0 || !(o->f = fdopen(fd, "w"))) {
		e = errno;
		close(fd);
		cli_out_abort(o);
		return cli_error(c, EXIT_IO, "cannot write %s: %s", path, strerror(e));
	}
	return EXIT_OK;
nomem:
	cli_out_abort(o);
	return cli_error(c, EXIT_IO, "out of memory");
}

int cli_out_commit(struct cli *c, struct cli_out *o)
{
	int failed, e;

	if (!o->tmp) {
		/* standard output: main checks it once the command is done */
		fflush(o->f);
		memset(o, 0, sizeof *o);
		return EXIT_OK;
	}
	failed = fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) < 0;
	e = errno;
	if (fclose(o->f) != 0 && !failed) {
		failed = 1;
		e = errno;
	}
	o->f = NULL;
	if (!failed) {
		/* without --force a file that appeared meanwhile is not replaced:
		 * link() fails with EEXIST where rename() would overwrite */
		if (o->force)
			failed = rename(o->tmp, o->path) < 0;
		else
			failed = link(o->tmp, o->path) < 0 || unlink(o->tmp) < 0;
		e = errno;
	}
	if (failed) {
		char *path = o->path;
		o->path = NULL;
		cli_out_abort(o);
		if (e == EEXIST)
			e = cli_error(c, EXIT_INPUT, "%s exists: give another file, or --force to replace it", path);
		else
			e = cli_error(c, EXIT_IO, "cannot write %s: %s", path, strerror(e));
		free(path);
		return e;
	}
	out_tmp_del(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof *o);
	return EXIT_OK;
}

void cli_out_abort(struct cli_out *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	if (o->tmp) {
		unlink(o->tmp);
		out_tmp_del(o->tmp);
	}
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof *o);
}

int cli_write_file(struct cli *c, const char *path, const void *data, size_t len, int mode, int force)
{
	struct cli_out o;
	int ex;

	if ((ex = cli_out_open(c, &o, path, mode, force)) != EXIT_OK)
		return ex;
	if (len && fwrite(data, 1, len, o.f) != len) {
		int e = errno;
		if (o.tmp) {
			cli_out_abort(&o);
			return cli_error(c, EXIT_IO, "cannot write %s: %s", path, strerror(e));
		}
		return EXIT_IO;
	}
	return cli_out_commit(c, &o);
}

int cli_read_file(struct cli *c, const char *path, char **out, size_t *len, size_t cap)
{
	char *buf = NULL;
	size_t n = 0, alloc = 0;
	FILE *f;

	*out = NULL;
	*len = 0;
	f = !strcmp(path, "-") ? stdin : fopen(path, "rb");   /* '-': standard input */
	if (!f) {
		int e = errno;

		return cli_error(c, e == ENOENT ? EXIT_NOTFOUND : EXIT_IO, "cannot open %s: %s", path, strerror(e));
	}
	for (;;) {
		size_t got;

		if (alloc - n < 4096 + 1) {
			char *nb;

			if (alloc > cap) {
				free(buf);
				if (f != stdin)
					fclose(f);
				return cli_error(c, EXIT_INPUT, "%s is too large (at most %zu bytes)", path, cap);
			}
			alloc = alloc ? alloc * 2 : 8192;
			nb = realloc(buf, alloc);
			if (!nb) {
				free(buf);
				if (f != stdin)
					fclose(f);
				return cli_error(c, EXIT_IO, "out of memory");
			}
			buf = nb;
		}
		got = fread(buf + n, 1, alloc - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		if (f != stdin)
			fclose(f);
		return cli_error(c, EXIT_IO, "cannot read %s", path);
	}
	if (f != stdin)
		fclose(f);
	if (n > cap) {
		free(buf);
		return cli_error(c, EXIT_INPUT, "%s is too large (at most %zu bytes)", path, cap);
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return EXIT_OK;
}
