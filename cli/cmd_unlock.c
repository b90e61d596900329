/* cmd_unlock.c - `fortress unlock [--for DURATION]`, `fortress lock`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "agent.h"
#include "vault_path.h"

#define MAX_SECONDS (12 * 3600)

static const struct cli_opt unlock_opts[] = {
	{ "for", 0, OPT_VALUE, "DURATION", "how long: 90s, 15m (default), 2h; at most 12h" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

/* "15m" -> 900; 0 on a bad value. */
static unsigned parse_duration(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (end == s)
		return 0;
	if (*end == 's' || *end == '\0')
		;
	else if (*end == 'm')
		v *= 60;
	else if (*end == 'h')
		v *= 3600;
	else
		return 0;
	if (*end && end[1])
		return 0;
	return v > MAX_SECONDS ? 0 : (unsigned)v;
}

static const char *user_of(const struct cli *c)
{
	const char *u = c->user && *c->user ? c->user : getenv("FORTRESS_USER");
	return u && *u ? u : "";
}

static int cmd_unlock(struct cli *c)
{
	const char *dur = cli_str(c, "for");
	unsigned secs = dur ? parse_duration(dur) : 15 * 60;
	fort_secret *key = NULL;
	char sock[256], err[256], when[32];
	long pid = 0;
	time_t until;
	int r, ex;

	if (!secs)
		return cli_usage_error(c, "--for '%s': give a duration such as 90s, 15m or 2h (at most 12h)", dur);
	if ((ex = cli_vault_open(c, 1)) != EXIT_OK)
		return ex;
	if (agent_socket_path(sock, sizeof sock, c->vault_path, user_of(c)) < 0)
		return cli_error(c, EXIT_IO, "no private place for the agent socket (is $XDG_RUNTIME_DIR or /tmp/fortress-UID owned by someone else?)");
	if ((r = fort_vault_user_key(&key, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	r = agent_start(&pid, sock, key, secs, err, sizeof err);
	fort_secret_free(key);
	if (r < 0)
		return cli_error(c, EXIT_FAIL, "%s", err);
	until = time(NULL) + secs;
	strftime(when, sizeof when, "%H:%M:%S", localtime(&until));
	if (c->json) {
		json_t *j = json_object();
		json_object_set_new(j, "socket", json_string(sock));
		json_object_set_new(j, "pid", json_integer(pid));
		json_object_set_new(j, "expires", json_integer((json_int_t)until));
		return cli_print_json(c, j);
	}
	if (!c->quiet)
		printf("unlocked until %s: fortress commands for this vault need no passphrase until then ('fortress lock' ends it)\n", when);
	return EXIT_OK;
}

static int cmd_lock(struct cli *c)
{
	char sock[256];
	int ex, locked;

	if ((ex = cli_vault_resolve(c)) != EXIT_OK)
		return ex;
	if (agent_socket_path(sock, sizeof sock, c->vault_path, user_of(c)) < 0)
		return cli_error(c, EXIT_NOTFOUND, "no vault at %s", c->vault_path);
	locked = agent_lock(sock) == 0;
	if (c->json) {
		json_t *j = json_object();
		json_object_set_new(j, "locked", json_boolean(locked));
		return cli_print_json(c, j);
	}
	if (!c->quiet)
		printf("%s\n", locked ? "locked: the agent wiped the keys" : "no agent was running for this vault");
	return EXIT_OK;
}

const struct cli_cmd cmd_unlock_def = {
	.name = "unlock", .fn = cmd_unlock, .flags = NEEDS_PATH,
	.summary = "keep the vault unlocked for a while (an agent holds the keys)",
	.synopsis = "[--for DURATION] [--json]",
	.opts = unlock_opts,
	.min_args = 0, .max_args = 0,
	.description =
		"Asks for the passphrase once and starts an agent that holds your keys in\n"
		"locked memory and hands them to fortress commands of your Unix user (its\n"
		"socket is private to you) until the time is up or 'fortress lock'.\n",
};

const struct cli_cmd cmd_lock_def = {
	.name = "lock", .fn = cmd_lock, .flags = NEEDS_PATH,
	.summary = "end 'fortress unlock' now: the agent wipes the keys",
	.synopsis = "[--json]",
	.min_args = 0, .max_args = 0,
};
