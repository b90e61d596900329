/* cmd_status.c - `fortress status`: opens the vault locked, never prompts. */
#include <time.h>

#include "cli.h"
#include "front/shapes.h"

static void line(const struct cli *c, const char *name, const char *value)
{
	printf("%s%s%s %s\n", cli_bold(c), name, cli_reset(c), value);
}

/* "never", "today", "1 day ago", "12 days ago". */
static const char *backup_age(char *buf, size_t len, int64_t t)
{
	int64_t days;

	if (t <= 0)
		return "never";
	days = ((int64_t)time(NULL) - t) / 86400;
	if (days <= 0)
		snprintf(buf, len, "today");
	else
		snprintf(buf, len, "%lld day%s ago", (long long)days, days == 1 ? "" : "s");
	return buf;
}

/* The incidents block: open incidents and the next deadline among them. */
static void next_due(char *buf, size_t len, const fort_incident_summary *is)
{
	time_t t = (time_t)is->next.due_ts;
	struct tm tm;
	char when[48] = "";

	if (is->next.hours && localtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%d %H:%M %Z", &tm);
	else
		snprintf(when, sizeof when, "%s", is->next.due);
	snprintf(buf, len, "%s%s %s due %s (incident %lld; 'fortress incident show %lld')", is->next.overdue ? "OVERDUE: " : "",
		 is->next.jurisdiction, is->next.clock, when, (long long)is->incident, (long long)is->incident);
}

static int cmd_status(struct cli *c)
{
	fort_status st;
	fort_incident_summary is;
	char head[96], buf[300], when[32];
	int r;

	if ((r = fort_vault_status(&st, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	if ((r = fort_incident_summary_get(&is, c->vault, 0)) < 0)
		return cli_fail(c, r, NULL);
	snprintf(head, sizeof(head), "%lld:%s", (long long)st.audit_head_seq, st.audit_head);

	if (c->json) {
		json_t *j = shape_status(c->vault, &st, &is, fort_vault_path(c->vault));
		if (!j)
			return cli_error(c, EXIT_IO, "out of memory");
		return cli_print_json(c, j);
	}
	line(c, "vault:", fort_vault_path(c->vault));
	line(c, "vault id:", st.vault_id);
	line(c, "business:", st.business);
	line(c, "owner:", st.owner);
	snprintf(buf, sizeof(buf), "%d", st.schema_version);
	line(c, "schema:", buf);
	snprintf(buf, sizeof(buf), "%s (ops %llu, memory %llu MiB)", st.kdf,
		 (unsigned long long)st.kdf_opslimit, (unsigned long long)(st.kdf_memlimit >> 20));
	line(c, "kdf:", buf);
	line(c, "country:", st.default_country);
	line(c, "created:", cli_time(when, sizeof(when), st.created));
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)st.clients);
	line(c, "clients:", buf);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)st.erased);
	line(c, "erased:", buf);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)st.audit_entries);
	line(c, "audit entries:", buf);
	line(c, "audit head:", head);
	if (st.last_failed_unlock) {
		snprintf(buf, sizeof(buf), "%llu in the last 30 days, the last %s ('fortress audit log')",
			 (unsigned long long)st.failed_unlocks, cli_time(when, sizeof(when), st.last_failed_unlock));
		line(c, "failed unlocks:", buf);
	} else {
		line(c, "failed unlocks:", "none");
	}
	{
		/* sign-ins to `fortress serve` refused (wrong name, passphrase or code) */
		uint64_t nf = 0;
		int64_t lastf = 0;
		if (fort_signin_failures(&nf, &lastf, c->vault, (int64_t)time(NULL) - 30 * 86400) == 0 && lastf) {
			snprintf(buf, sizeof(buf), "%llu in the last 30 days, the last %s ('fortress audit log')",
				 (unsigned long long)nf, cli_time(when, sizeof(when), lastf));
			line(c, "failed sign-ins:", buf);
		}
	}
	if (st.last_verified_backup) {
		char age[48];

		snprintf(buf, sizeof(buf), "%s (%s)", backup_age(age, sizeof(age), st.last_verified_backup),
			 cli_time(when, sizeof(when), st.last_verified_backup));
		line(c, "last verified backup:", buf);
	} else {
		line(c, "last verified backup:", "never");
	}
	snprintf(buf, sizeof(buf), "%llu active%s", (unsigned long long)st.users,
		 st.pending_users ? "" : "");
	if (st.pending_users)
		snprintf(buf, sizeof(buf), "%llu active, %llu waiting to be added ('fortress user list')",
			 (unsigned long long)st.users, (unsigned long long)st.pending_users);
	line(c, "users:", buf);
	{
		int64_t drilled = 0;
		char dtype[48] = "", age[48];
		int has = fort_plan_exists(c->vault);

		if (has > 0)
			(void)fort_plan_last_drill(&drilled, dtype, c->vault);
		if (has <= 0)
			snprintf(buf, sizeof(buf), "none ('fortress plan init')");
		else if (!drilled)
			snprintf(buf, sizeof(buf), "never drilled ('fortress plan drill')");
		else
			snprintf(buf, sizeof(buf), "last drilled %s (%s, %s)", backup_age(age, sizeof(age), drilled), dtype,
				 cli_time(when, sizeof(when), drilled));
		line(c, "incident plan:", buf);
	}
	if (st.rotating[0]) {
		snprintf(buf, sizeof(buf), "%s, %llu clients done: finish with 'fortress keys rotate --resume'", st.rotating,
			 (unsigned long long)st.rotation_done);
		line(c, "key rotation:", buf);
	}
	if (!is.open) {
		line(c, "incidents:", "none open");
	} else {
		snprintf(buf, sizeof(buf), "%zu open ('fortress incident list')", is.open);
		line(c, "incidents:", buf);
		if (is.has_next) {
			next_due(buf, sizeof(buf), &is);
			line(c, "next deadline:", buf);
		}
	}
	return EXIT_OK;
}

const struct cli_cmd cmd_status_def = {
	.name = "status", .fn = cmd_status, .flags = NEEDS_VAULT,
	.summary = "show the vault's business, owner, users, counts, audit head and backups",
	.synopsis = "[--json]",
	.min_args = 0, .max_args = 0,
	.description =
		"Never asks for a passphrase: the vault is opened locked.  The audit head\n"
		"SEQ:HASH is the external anchor for 'fortress audit verify --anchor'.\n",
};
