/* cmd_keys.c - `fortress keys rotate`: new versions of the vault and
 * category keys, every record re-encrypted in batches, old versions
 * destroyed.  Also the rotation progress bar that `user remove`, `user role`
 * and `role revoke` share (they rotate what they take away). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "front/shapes.h"

#define BAR_WIDTH 30

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_rotate_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct cli_rotate_progress *p = ctx;
	double t = now(), rate;

	if (p->kill_at && done >= p->kill_at && done < total)
		raise(SIGKILL); /* after a committed batch, as a crash would find it */
	char bar[BAR_WIDTH + 1];
	unsigned pct = total ? (unsigned)(done >= total ? 100 : done * 100 / total) : 100, fill = pct * BAR_WIDTH / 100;

	if (!p->on || (t - p->last < 0.1 && p->drawn && done < total))
		return;
	p->last = t;
	rate = t > p->start ? (double)done / (t - p->start) : 0;
	for (unsigned i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '#' : ' ';
	bar[BAR_WIDTH] = '\0';
	fprintf(stderr, "\r\033[Kre-encrypting %3u%% [%s] %llu / %llu clients  %.0f/s", pct, bar, (unsigned long long)done,
		(unsigned long long)total, rate);
	fflush(stderr);
	p->drawn = 1;
}

void cli_rotate_opts(struct cli *c, fort_rotate_opts *o, struct cli_rotate_progress *p)
{
	const char *batch = getenv("FORTRESS_ROTATE_BATCH"), *kill_at = getenv("FORTRESS_TEST_KILL_ROTATION_AT");

	memset(p, 0, sizeof(*p));
	p->on = !c->quiet && isatty(STDERR_FILENO);
	p->start = p->last = now();
	o->progress = on_rotate_progress;
	o->progress_ctx = p;
	if (kill_at && *kill_at)
		p->kill_at = strtoull(kill_at, NULL, 10);
	if (batch && *batch) {
		long b = strtol(batch, NULL, 10);

		if (b > 0 && b <= 100000)
			o->batch = (size_t)b;
	}
}

void cli_rotate_done(struct cli *c, struct cli_rotate_progress *p, const fort_rotate_report *rep, int r)
{
	if (p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	if (rep->resumed)
		cli_info(c, "an interrupted key rotation was finished first");
	if (r == 0 && rep->keys[0])
		cli_info(c, "keys rotated: %s; %llu client records re-encrypted; the old key versions are destroyed", rep->keys,
			 (unsigned long long)rep->clients);
	if (r < 0 && r != FORT_EDENIED && r != FORT_EINPUT && r != FORT_ENOTFOUND)
		cli_hint(c, "the vault is intact and every record readable; finish with 'fortress keys rotate --resume'");
}

json_t *cli_rotate_json(const fort_rotate_report *rep)
{
	return shape_rotation(rep);
}

static const struct cli_opt rotate_opts[] = {
	{ "category", 'c', OPT_MULTI, "CAT", "rotate this category's key (identity, contact, financial, special, notes); repeatable" },
	{ "vault-key", 0, OPT_FLAG, NULL, "rotate the vault key (re-wraps every client key)" },
	{ "all", 0, OPT_FLAG, NULL, "rotate the vault key and every category key" },
	{ "resume", 0, OPT_FLAG, NULL, "finish an interrupted rotation" },
	{ "batch", 0, OPT_VALUE, "N", "clients re-encrypted per transaction (default: 2000, more while a batch commits within a second)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int rotate_check(struct cli *c)
{
	const char *const *cats;
	size_t n = cli_multi(c, "category", &cats);
	const char *b = cli_str(c, "batch");

	if (!n && !cli_flag(c, "all") && !cli_flag(c, "vault-key") && !cli_flag(c, "resume"))
		return cli_usage_error(c, "say what to rotate: --category CAT, --vault-key, --all, or --resume");
	if (b) {
		char *end;
		long x;

		errno = 0;
		x = strtol(b, &end, 10);
		if (errno || *end || x < 1 || x > 100000)
			return cli_usage_error(c, "--batch must be a number from 1 to 100000, not '%s'", b);
	}
	return EXIT_OK;
}

static int cmd_keys_rotate(struct cli *c)
{
	fort_rotate_opts o = FORT_ROTATE_OPTS_INIT;
	fort_rotate_report rep;
	struct cli_rotate_progress p;
	const char *const *cats, *keys[16];
	size_t n = cli_multi(c, "category", &cats), k = 0;
	int r;

	memset(&rep, 0, sizeof(rep));
	for (size_t i = 0; i < n && k < 8; i++)
		keys[k++] = cats[i];
	if (cli_flag(c, "all"))
		keys[k++] = "all";
	if (cli_flag(c, "vault-key"))
		keys[k++] = "vault";
	cli_rotate_opts(c, &o, &p);
	if (cli_str(c, "batch"))
		o.batch = (size_t)strtol(cli_str(c, "batch"), NULL, 10);
	r = fort_keys_rotate(&rep, c->vault, keys, k, &o);
	cli_rotate_done(c, &p, &rep, r);
	if (r < 0)
		return cli_fail(c, r, r == FORT_EDENIED ? "key rotation needs the 'users' action and every key rotated (an owner)" : NULL);
	if (c->json)
		return cli_print_json(c, cli_rotate_json(&rep));
	return EXIT_OK;
}

static const struct cli_cmd keys_rotate_def = {
	.name = "rotate", .fn = cmd_keys_rotate, .flags = NEEDS_UNLOCK,
	.summary = "rotate keys: re-encrypt under new key versions, destroy the old ones",
	.synopsis = "(--category CAT... | --vault-key | --all | --resume) [--batch N] [--json]",
	.opts = rotate_opts, .min_args = 0, .max_args = 0, .check = rotate_check,
	.description =
		"Makes a new version of each key named, grants it to every user who held the\n"
		"key, re-encrypts every client record under it in batches (one transaction each:\n"
		"the vault stays usable, and a crash or kill loses at most one batch), then\n"
		"destroys the old versions.  An interrupted rotation is finished by --resume\n"
		"(and before any new one).  Removing a user or narrowing a role rotates the keys\n"
		"taken away by itself.  Needs the 'users' action.  Audited (rotate-start,\n"
		"rotate-finish).\n",
};

static const struct cli_cmd *const keys_subs[] = {
	&keys_rotate_def,
	NULL
};

const struct cli_cmd cmd_keys_def = {
	.name = "keys", .fn = NULL, .flags = 0,
	.summary = "key rotation",
	.subs = keys_subs,
};
