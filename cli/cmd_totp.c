/* cmd_totp.c - `fortress user totp enroll|remove|status`: the second
 * factor for signing in to `fortress serve` (the rules: src/auth/totp.c). */
#include <stdlib.h>
#include <string.h>
#include "server/mhd.h"

#include "cli.h"

/* The QR code in the terminal: two modules a character with half blocks,
 * dark on light whatever the terminal's colours when colour is on (else
 * the terminal's own: most scanners read both), a quiet zone of 2. */
static int print_qr(const struct cli *c, const char *text)
{
	QRcode *q;
	int w, quiet = 2;

	if (server_qr_need() < 0)
		return -1;
	q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q)
		return -1;
	w = q->width;
	for (int y = -quiet; y < w + quiet; y += 2) {
		if (c->color_out)
			fputs("\033[30;47m", stdout);
		for (int x = -quiet; x < w + quiet; x++) {
			int top = y >= 0 && y < w && x >= 0 && x < w && (q->data[y * w + x] & 1);
			int bot = y + 1 >= 0 && y + 1 < w && x >= 0 && x < w && (q->data[(y + 1) * w + x] & 1);
			fputs(top && bot ? "\u2588" : top ? "\u2580" : bot ? "\u2584" : " ", stdout);
		}
		fputs(c->color_out ? "\033[0m\n" : "\n", stdout);
	}
	QRcode_free(q);
	return 0;
}

static int cmd_totp_enroll(struct cli *c)
{
	fort_totp_enrolment *e = NULL;
	fort_status st;
	int r, ex = EXIT_OK;

	if ((r = fort_totp_enroll(&e, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object(), *rc = json_array();

		json_object_set_new(j, "uri", json_string(e->uri));
		json_object_set_new(j, "secret", json_string(e->secret));
		for (int i = 0; i < FORT_TOTP_RECOVERY_CODES; i++)
			json_array_append_new(rc, json_string(e->recovery[i]));
		json_object_set_new(j, "recovery_codes", rc);
		fort_totp_enrolment_free(e);
		return cli_print_json(c, j);
	}
	if (fort_vault_status(&st, c->vault) < 0)
		snprintf(st.user, sizeof st.user, "you");
	printf("Second factor for signing in to 'fortress serve' as %s.\n\n"
	       "Scan this with an authenticator app (Aegis, FreeOTP, Google Authenticator, 1Password...):\n\n",
	       st.user);
	if (print_qr(c, e->uri) < 0)
		printf("(the QR code could not be drawn: type the key below instead)\n");
	printf("\nor type in this key: %s\n\n", e->secret);
	printf("Recovery codes (each works once in place of a code; print them or keep them in a\n"
	       "password manager, away from your phone):\n\n");
	for (int i = 0; i < FORT_TOTP_RECOVERY_CODES; i++)
		printf("  %s\n", e->recovery[i]);
	printf("\nAny earlier second factor and its recovery codes no longer work.\n");
	fort_totp_enrolment_free(e);
	return ex;
}

static int cmd_totp_remove(struct cli *c)
{
	const char *name = cli_pos(c, 0);
	int r;

	if ((r = fort_totp_remove(c->vault, name)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();
		json_object_set_new(j, "user", json_string(name));
		json_object_set_new(j, "totp", json_false());
		return cli_print_json(c, j);
	}
	printf("%s's second factor removed: they sign in to the server again after 'fortress user totp enroll'\n", name);
	return EXIT_OK;
}

static int cmd_totp_status(struct cli *c)
{
	fort_user_info *u = NULL;
	size_t n = 0;
	int r;
	json_t *a = NULL;

	if ((r = fort_user_list(&u, &n, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json)
		a = json_array();
	for (size_t i = 0; i < n; i++) {
		int has;
		if (strcmp(u[i].status, "active") != 0)
			continue;
		if ((has = fort_totp_enrolled(c->vault, u[i].name)) < 0) {
			free(u);
			json_decref(a);
			return cli_fail(c, has, NULL);
		}
		if (a) {
			json_t *o = json_object();
			json_object_set_new(o, "user", json_string(u[i].name));
			json_object_set_new(o, "totp", json_boolean(has));
			json_array_append_new(a, o);
		} else {
			printf("%s%s%s  %s\n", cli_bold(c), u[i].name, cli_reset(c),
			       has ? "enrolled" : "not enrolled (cannot sign in to the server)");
		}
	}
	free(u);
	return a ? cli_print_json(c, a) : EXIT_OK;
}

static const struct cli_cmd totp_enroll_def = {
	.name = "enroll", .fn = cmd_totp_enroll, .flags = NEEDS_UNLOCK,
	.summary = "make your second factor for the server: QR code and ten recovery codes",
	.synopsis = "[--json]",
	.min_args = 0, .max_args = 0,
	.description =
		"For the acting user (--user NAME), with their passphrase.  Prints an otpauth://\n"
		"link as a QR code for an authenticator app, the same key to type in, and ten\n"
		"recovery codes, each usable once in place of a code.  They are shown once and\n"
		"stored encrypted under your own keys.  Enrolling again replaces them.\n",
};

static const struct cli_cmd totp_remove_def = {
	.name = "remove", .fn = cmd_totp_remove, .flags = NEEDS_UNLOCK,
	.summary = "remove a user's second factor (yours, or anyone's with 'users')",
	.synopsis = "NAME [--json]",
	.min_args = 1, .max_args = 1, .args_name = "NAME",
};

static const struct cli_cmd totp_status_def = {
	.name = "status", .fn = cmd_totp_status, .flags = NEEDS_UNLOCK,
	.summary = "which users have enrolled a second factor",
	.synopsis = "[--json]",
	.min_args = 0, .max_args = 0,
};

static const struct cli_cmd *const totp_subs[] = {
	&totp_enroll_def,
	&totp_remove_def,
	&totp_status_def,
	NULL
};

const struct cli_cmd cmd_user_totp_def = {
	.name = "totp", .fn = NULL, .flags = 0,
	.summary = "second factor for signing in to 'fortress serve': enroll, remove, status",
	.subs = totp_subs,
};
