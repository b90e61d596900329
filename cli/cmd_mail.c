/* cmd_mail.c - `fortress mail set|show|queue|list|send|test`: SMTP settings
 * kept in the vault and the e-mail outbox. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "front/shapes.h"
#include "passphrase_input.h"

static const struct cli_opt set_opts[] = {
	{ "password-file", 0, OPT_VALUE, "FILE", "smtp.password: read it from FILE's first line (else a no-echo prompt)" },
	{ "clear", 0, OPT_FLAG, NULL, "smtp.password: remove it" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_mail_set(struct cli *c)
{
	const char *key = cli_pos(c, 0), *value = cli_pos(c, 1);
	int r, ex;

	if (strcmp(key, "smtp.password") == 0) {
		fort_secret *pw = NULL;

		if (value)
			return cli_usage_error(c, "the SMTP password is never given on the command line: use --password-file FILE or the prompt");
		if (!cli_flag(c, "clear") &&
		    (ex = cli_passphrase_get(c, &pw, cli_str(c, "password-file"), "SMTP password: ", 0,
					     "no password: use --password-file FILE or run on a terminal")) != EXIT_OK)
			return ex;
		r = fort_mail_set_password(c->vault, pw);
		fort_secret_free(pw);
	} else {
		if (!value)
			return cli_usage_error(c, "'mail set %s' needs a value (\"\" clears it)", key);
		r = fort_mail_set(c->vault, key, value);
	}
	if (r < 0)
		return cli_fail(c, r, NULL);
	if (!c->quiet && !c->json)
		printf("%s set\n", key);
	return c->json ? cli_print_json(c, json_pack("{s:s}", "set", key)) : EXIT_OK;
}

static int cmd_mail_show(struct cli *c)
{
	fort_mail_settings s;
	int r;

	if ((r = fort_mail_settings_get(&s, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json)
		return cli_print_json(c, json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:b}", "host", s.host, "port", s.port, "security", s.security,
						   "user", s.user, "from", s.from, "from_name", s.from_name, "password", s.has_password));
	printf("smtp.host:      %s\n", s.host[0] ? s.host : "(not set)");
	printf("smtp.port:      %d%s\n", s.port, s.port ? "" : " (the default for the security)");
	printf("smtp.security:  %s\n", s.security);
	printf("smtp.user:      %s\n", s.user[0] ? s.user : "(none: no login)");
	printf("smtp.from:      %s\n", s.from[0] ? s.from : "(not set)");
	printf("smtp.from_name: %s\n", s.from_name);
	printf("smtp.password:  %s\n", s.has_password ? "set (stored encrypted)" : "not set");
	return EXIT_OK;
}

static const struct cli_opt queue_opts[] = {
	{ "to", 0, OPT_MULTI, "ADDRESS", "a recipient (required)" },
	{ "subject", 0, OPT_VALUE, "TEXT", "the subject (required)" },
	{ "text", 0, OPT_VALUE, "TEXT", "the plain-text body" },
	{ "text-file", 0, OPT_VALUE, "FILE", "the plain-text body from FILE" },
	{ "html-file", 0, OPT_VALUE, "FILE", "an HTML version from FILE" },
	{ "ref", 0, OPT_VALUE, "REF", "what it is about, e.g. incident:3:client:17" },
	{ "purpose", 0, OPT_VALUE, "P", "why it is sent, e.g. breach-notice" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int queue_check(struct cli *c)
{
	const char *const *to;

	if (cli_multi(c, "to", &to) == 0)
		return cli_usage_error(c, "'mail queue' needs --to ADDRESS");
	if (!cli_str(c, "subject"))
		return cli_usage_error(c, "'mail queue' needs --subject TEXT");
	if (!cli_str(c, "text") == !cli_str(c, "text-file"))
		return cli_usage_error(c, "'mail queue' needs the body: --text TEXT or --text-file FILE");
	return EXIT_OK;
}

static int cmd_mail_queue(struct cli *c)
{
	fort_mail_msg m = FORT_MAIL_MSG_INIT;
	char *text = NULL, *html = NULL;
	size_t len;
	int64_t id = 0;
	int r, ex = EXIT_OK;

	m.nto = cli_multi(c, "to", &m.to);
	m.subject = cli_str(c, "subject");
	m.text = cli_str(c, "text");
	m.ref = cli_str(c, "ref");
	m.purpose = cli_str(c, "purpose");
	if (cli_str(c, "text-file")) {
		if ((ex = cli_read_file(c, cli_str(c, "text-file"), &text, &len, 8u << 20)) != EXIT_OK)
			goto out;
		m.text = text;
	}
	if (cli_str(c, "html-file")) {
		if ((ex = cli_read_file(c, cli_str(c, "html-file"), &html, &len, 8u << 20)) != EXIT_OK)
			goto out;
		m.html = html;
	}
	if ((r = fort_mail_queue(&id, c->vault, &m)) < 0) {
		ex = cli_fail(c, r, NULL);
		goto out;
	}
	if (c->json)
		ex = cli_print_json(c, json_pack("{s:I,s:s}", "id", (json_int_t)id, "status", "queued"));
	else if (!c->quiet)
		printf("message %lld queued: send it with 'fortress mail send'\n", (long long)id);
out:
	free(text);
	free(html);
	return ex;
}

static const struct cli_opt list_opts[] = {
	{ "ref", 0, OPT_VALUE, "PREFIX", "only messages whose ref starts with PREFIX" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_mail_list(struct cli *c)
{
	fort_mail_info *m = NULL;
	size_t n = 0;
	char when[32];
	int r;

	if ((r = fort_mail_list(&m, &n, c->vault, cli_str(c, "ref"))) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < n; i++) {
			json_t *j = shape_mail(&m[i]);
			char *att = NULL;

			if (fort_mail_attempts(&att, c->vault, m[i].id) == 0) {
				json_object_set_new(j, "attempt_log", json_loads(att, 0, NULL));
				free(att);
			}
			json_array_append_new(arr, j);
		}
		free(m);
		return cli_print_json(c, arr);
	}
	if (n == 0 && !c->quiet)
		printf("the outbox is empty\n");
	for (size_t i = 0; i < n; i++) {
		printf("%4lld  %-6s  %s  to %s  \"%s\"%s%s\n", (long long)m[i].id, m[i].status,
		       cli_time(when, sizeof when, m[i].sent ? m[i].sent : m[i].created), m[i].to, m[i].subject, m[i].ref[0] ? "  ref " : "",
		       m[i].ref);
		if (m[i].attempts && strcmp(m[i].status, "sent") != 0)
			printf("      %d attempt(s), last error: %s\n", m[i].attempts, m[i].error);
	}
	free(m);
	return EXIT_OK;
}

static const struct cli_opt send_opts[] = {
	{ "dry-run", 0, OPT_FLAG, NULL, "build the messages and say what would be sent; send nothing" },
	{ "ref", 0, OPT_VALUE, "PREFIX", "only messages whose ref starts with PREFIX" },
	{ "max", 0, OPT_VALUE, "N", "at most N messages" },
	{ "timeout", 0, OPT_VALUE, "SECONDS", "per message (default 30)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

struct send_ctx {
	struct cli *c;
	json_t *arr;
	int dry;
};

static void send_cb(void *ctx, const fort_mail_info *m, int result, const char *error)
{
	struct send_ctx *s = ctx;

	if (s->arr) {
		json_t *j = shape_mail(m);

		json_object_set_new(j, "result", json_string(result == 0 ? (s->dry ? "would-send" : "sent") : "failed"));
		json_array_append_new(s->arr, j);
		return;
	}
	if (result == 0)
		printf("%s message %lld to %s: \"%s\"\n", s->dry ? "would send" : "sent", (long long)m->id, m->to, m->subject);
	else
		fprintf(stderr, "fortress: message %lld not sent (stays queued): %s\n", (long long)m->id, error);
}

/* What a send (R, REP, the messages in S) did, in text or JSON. */
static int send_done(struct cli *c, int r, const fort_mail_send_report *rep, struct send_ctx *s, int dry_run)
{
	if (r < 0) {
		json_decref(s->arr);
		return cli_fail(c, r, r == FORT_EINPUT ? "'fortress mail show' shows the settings" : NULL);
	}
	if (c->json) {
		json_t *j = json_pack("{s:i,s:i,s:i,s:o}", "tried", (int)rep->tried, "sent", (int)rep->sent, "failed",
				      (int)rep->failed, "messages", s->arr);
		int ex = cli_print_json(c, j);

		return ex ? ex : rep->failed ? EXIT_FAIL : EXIT_OK;
	}
	if (!c->quiet)
		printf("%zu message(s) %s, %zu failed%s\n", rep->sent, dry_run ? "would be sent" : "sent", rep->failed,
		       rep->failed ? ": they stay queued; 'fortress mail send' retries" : "");
	return rep->failed ? EXIT_FAIL : EXIT_OK;
}

int cli_mail_send(struct cli *c, fort_mail_send_opts *o)
{
	fort_mail_send_report rep;
	struct send_ctx s = { c, c->json ? json_array() : NULL, o->dry_run };

	return send_done(c, fort_mail_send(&rep, c->vault, o, send_cb, &s), &rep, &s, o->dry_run);
}

static int cmd_mail_send(struct cli *c)
{
	fort_mail_send_opts o = FORT_MAIL_SEND_OPTS_INIT;

	o.dry_run = cli_flag(c, "dry-run");
	o.ref_prefix = cli_str(c, "ref");
	if (cli_str(c, "max"))
		o.max = (size_t)strtoul(cli_str(c, "max"), NULL, 10);
	if (cli_str(c, "timeout"))
		o.timeout_seconds = strtol(cli_str(c, "timeout"), NULL, 10);
	return cli_mail_send(c, &o);
}

static int cmd_mail_test(struct cli *c)
{
	fort_mail_send_report rep;
	struct send_ctx s = { c, c->json ? json_array() : NULL, 0 };

	return send_done(c, fort_mail_test(&rep, c->vault, cli_pos(c, 0), send_cb, &s), &rep, &s, 0);
}

static const struct cli_cmd mail_set_def = {
	.name = "set", .fn = cmd_mail_set, .flags = NEEDS_UNLOCK,
	.summary = "set an SMTP setting (smtp.host, smtp.port, smtp.security, smtp.user, smtp.from, smtp.from_name, smtp.password)",
	.synopsis = "KEY [VALUE] [--password-file FILE]", .opts = set_opts, .min_args = 1, .max_args = 2, .args_name = "KEY",
	.description = "smtp.security is starttls (default, port 587), tls (465) or none (25; loopback and tests).\n"
		       "smtp.password is read from a no-echo prompt or --password-file, never argv,\n"
		       "and stored encrypted in the vault.\n",
};
static const struct cli_cmd mail_show_def = {
	.name = "show", .fn = cmd_mail_show, .flags = NEEDS_UNLOCK,
	.summary = "show the SMTP settings (never the password)", .synopsis = "[--json]", .min_args = 0, .max_args = 0,
};
static const struct cli_cmd mail_queue_def = {
	.name = "queue", .fn = cmd_mail_queue, .flags = NEEDS_UNLOCK,
	.summary = "put a message in the outbox (stored encrypted)",
	.synopsis = "--to ADDRESS... --subject TEXT (--text TEXT | --text-file FILE) [--html-file FILE] [--ref REF] [--purpose P]",
	.opts = queue_opts, .min_args = 0, .max_args = 0, .check = queue_check,
};
static const struct cli_cmd mail_list_def = {
	.name = "list", .fn = cmd_mail_list, .flags = NEEDS_UNLOCK,
	.summary = "list the outbox with each message's status and last error",
	.synopsis = "[--ref PREFIX] [--json]", .opts = list_opts, .min_args = 0, .max_args = 0,
};
static const struct cli_cmd mail_send_def = {
	.name = "send", .fn = cmd_mail_send, .flags = NEEDS_UNLOCK,
	.summary = "send the queued messages (and retry failed ones)",
	.synopsis = "[--dry-run] [--ref PREFIX] [--max N] [--timeout SECONDS] [--json]", .opts = send_opts,
	.min_args = 0, .max_args = 0,
	.description = "A message is marked sent only when the server accepted it; otherwise it\n"
		       "stays queued with the error and the next 'mail send' retries it.\n"
		       "Exit 0 when everything tried was sent, 1 when some message failed.\n",
};
static const struct cli_cmd mail_test_def = {
	.name = "test", .fn = cmd_mail_test, .flags = NEEDS_UNLOCK,
	.summary = "send a test message to ADDRESS now", .synopsis = "ADDRESS", .min_args = 1, .max_args = 1,
	.args_name = "ADDRESS",
};

static const struct cli_cmd *const mail_subs[] = {
	&mail_set_def, &mail_show_def, &mail_queue_def, &mail_list_def, &mail_send_def, &mail_test_def, NULL
};

const struct cli_cmd cmd_mail_def = {
	.name = "mail", .fn = NULL, .flags = 0,
	.summary = "e-mail: SMTP settings and the outbox",
	.subs = mail_subs,
};
