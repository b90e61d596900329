/* cmd_doctor.c - `fortress doctor`: the security check-up with a score,
 * concrete next steps and the history of scores. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "front/shapes.h"

static const struct cli_opt doctor_opts[] = {
	{ "history", 0, OPT_FLAG, NULL, "show the score of every earlier check-up instead" },
	{ "no-record", 0, OPT_FLAG, NULL, "do not keep this run in the history" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int history(struct cli *c)
{
	fort_doctor_run_info *h = NULL;
	size_t n = 0;
	char when[32];
	int r;

	if ((r = fort_doctor_history(&h, &n, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *arr = shape_doctor_history(h, n);

		free(h);
		return cli_print_json(c, arr);
	}
	if (n == 0 && !c->quiet)
		printf("no check-ups yet: run 'fortress doctor'\n");
	for (size_t i = 0; i < n; i++) {
		char bar[21];
		int k = h[i].score / 5;

		memset(bar, '#', (size_t)k);
		memset(bar + k, '.', (size_t)(20 - k));
		bar[20] = '\0';
		printf("%s  %3d/100  %s  %zu passed, %zu warnings, %zu failed\n", cli_time(when, sizeof when, h[i].ts), h[i].score, bar,
		       h[i].passed, h[i].warned, h[i].failed);
	}
	free(h);
	return EXIT_OK;
}

static int cmd_doctor(struct cli *c)
{
	fort_doctor_opts o = FORT_DOCTOR_OPTS_INIT;
	fort_doctor_report rep;
	int r, step = 0;

	if (cli_flag(c, "history"))
		return history(c);
	o.record = !cli_flag(c, "no-record");
	if ((r = fort_doctor_run(&rep, c->vault, &o)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = shape_doctor_report(&rep);

		r = cli_print_json(c, j);
		return r ? r : rep.failed ? EXIT_FAIL : EXIT_OK;
	}
	printf("%ssecurity check-up: %d/100%s  (%zu passed, %zu warnings, %zu failed)\n\n", cli_bold(c), rep.score, cli_reset(c),
	       rep.passed, rep.warned, rep.failed);
	for (size_t i = 0; i < rep.n; i++) {
		const fort_doctor_check *k = &rep.checks[i];

		printf("  [%s] %s: %s\n", k->status == FORT_CHECK_PASS ? " ok " : k->status == FORT_CHECK_WARN ? "warn" :
				       k->status == FORT_CHECK_FAIL ? "FAIL" : "skip", k->title, k->detail);
	}
	for (size_t i = 0; i < rep.n; i++) {
		const fort_doctor_check *k = &rep.checks[i];

		if (k->next_step[0] && (k->status == FORT_CHECK_FAIL || k->status == FORT_CHECK_WARN)) {
			if (!step)
				printf("\nnext steps:\n");
			printf("  %d. %s\n", ++step, k->next_step);
		}
	}
	return rep.failed ? EXIT_FAIL : EXIT_OK;
}

const struct cli_cmd cmd_doctor_def = {
	.name = "doctor", .fn = cmd_doctor, .flags = NEEDS_UNLOCK,
	.summary = "security check-up: a score out of 100 and the next steps",
	.synopsis = "[--history] [--no-record] [--json]", .opts = doctor_opts, .min_args = 0, .max_args = 0,
	.description =
		"Checks the passphrase policy, users' passphrase age and activity, the last\n"
		"verified backup, key age, the last scan, overdue client requests, expired\n"
		"retention, the audit chain, the incident plan's last drill and the outbox.\n"
		"Each run is kept: --history shows the score over time.\n"
		"Exit 0 when no check failed (warnings allowed), 1 when one failed.\n",
};
