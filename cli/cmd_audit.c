/* cmd_audit.c - `fortress audit log|verify`.  verify works on a locked
 * vault: no passphrase. */
#include <string.h>

#include "cli.h"
#include "front/shapes.h"

static const struct cli_opt log_opts[] = {
	{ "client", 0, OPT_VALUE, "ID", "only entries about client ID" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static const struct cli_opt verify_opts[] = {
	{ "anchor", 0, OPT_VALUE, "SEQ:HASH", "an audit head kept outside the vault; the chain must still contain it" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

/* ------------------------------------------------------------------- log */

struct log_ctx {
	struct cli *c;
	json_t *array;        /* --json */
	int failed;
};

static const char *nz(const char *s)
{
	return s ? s : "";
}

static int log_entry(void *ctx, const fort_audit_entry *e)
{
	struct log_ctx *l = ctx;
	struct cli *c = l->c;
	char when[32];
	int more;

	if (l->array) {
		json_t *o = shape_audit_entry(e);

		if (!o || json_array_append_new(l->array, o) < 0) {
			l->failed = 1;
			return 1;
		}
		return 0;
	}
	more = (e->client && *e->client) || (e->fields && *e->fields) || (e->purpose && *e->purpose) ||
	       (e->result && *e->result && strcmp(e->result, "ok")) || (e->detail && *e->detail) || !e->signed_;
	printf("%s%6lld%s  %s  %-12s %-*s", cli_bold(c), (long long)e->seq, cli_reset(c),
	       cli_time(when, sizeof(when), e->ts), nz(e->actor), more ? 13 : 0, nz(e->action));
	if (e->client && *e->client)
		printf(" %s", e->client);
	if (e->fields && *e->fields)
		printf(" fields=%s", e->fields);
	if (e->purpose && *e->purpose)
		printf(" purpose=%s", e->purpose);
	if (e->result && *e->result && strcmp(e->result, "ok"))
		printf(" result=%s", e->result);
	if (e->detail && *e->detail)
		printf(" (%s)", e->detail);
	if (!e->signed_)
		printf(" [unsigned]");
	putchar('\n');
	return ferror(stdout) ? 1 : 0;
}

static int cmd_audit_log(struct cli *c)
{
	struct log_ctx l = { c, NULL, 0 };
	const char *client = cli_str(c, "client");
	int r;

	if (c->json && !(l.array = json_array()))
		return cli_error(c, EXIT_IO, "out of memory");
	r = fort_audit_log(c->vault, client, log_entry, &l);
	if (r == FORT_ELOCKED) {
		int ex;

		json_array_clear(l.array);
		if ((ex = cli_vault_reopen_unlocked(c)) != EXIT_OK) {
			json_decref(l.array);
			return ex;
		}
		r = fort_audit_log(c->vault, client, log_entry, &l);
	}
	if (r < 0) {
		json_decref(l.array);
		return cli_fail(c, r, r == FORT_ENOTFOUND ? "'fortress client list' shows the client ids" : NULL);
	}
	if (l.failed) {
		json_decref(l.array);
		return cli_error(c, EXIT_IO, "out of memory");
	}
	if (l.array)
		return cli_print_json(c, l.array);
	return EXIT_OK;   /* a write error (r > 0) is reported by main */
}

/* ---------------------------------------------------------------- verify */

static int cmd_audit_verify(struct cli *c)
{
	fort_audit_report rep;
	char head[96];
	int r;

	memset(&rep, 0, sizeof(rep));
	if ((r = fort_audit_verify(&rep, c->vault, cli_str(c, "anchor"))) < 0)
		return cli_fail(c, r, r == FORT_EINPUT ? "the anchor is SEQ:HASH as printed by 'fortress status'" : NULL);
	snprintf(head, sizeof(head), "%lld:%s", (long long)rep.head_seq, rep.head);

	if (c->json) {
		int ex = cli_print_json(c, shape_audit_report(&rep));
		return ex != EXIT_OK ? ex : rep.ok ? EXIT_OK : EXIT_FAIL;
	}
	if (rep.ok) {
		if (!c->quiet)
			printf("audit chain OK: %llu entries, head %s\n", (unsigned long long)rep.entries, head);
		return EXIT_OK;
	}
	if (rep.bad_seq >= 0)
		printf("audit chain BROKEN at entry %lld: %s\n", (long long)rep.bad_seq, rep.problem);
	else
		printf("audit chain BROKEN: %s\n", rep.problem);
	return EXIT_FAIL;
}

static const struct cli_cmd audit_log_def = {
	.name = "log", .fn = cmd_audit_log, .flags = NEEDS_VAULT,
	.summary = "show the audit log, oldest first",
	.synopsis = "[--client ID] [--json]",
	.opts = log_opts, .min_args = 0, .max_args = 0,
};

static const struct cli_cmd audit_verify_def = {
	.name = "verify", .fn = cmd_audit_verify, .flags = NEEDS_VAULT,
	.summary = "verify the hash chain and signatures of the audit log",
	.synopsis = "[--anchor SEQ:HASH] [--json]",
	.opts = verify_opts, .min_args = 0, .max_args = 0,
	.description =
		"Works without a passphrase.  Prints 'audit chain OK: N entries, head SEQ:HASH'\n"
		"(exit 0) or 'audit chain BROKEN at entry SEQ: problem' (exit 1).  With\n"
		"--anchor, the chain must still contain that head (from 'fortress status').\n",
};

static const struct cli_cmd *const audit_subs[] = {
	&audit_log_def,
	&audit_verify_def,
	NULL
};

const struct cli_cmd cmd_audit_def = {
	.name = "audit", .fn = NULL, .flags = 0,
	.summary = "read and verify the audit log",
	.subs = audit_subs,
};
