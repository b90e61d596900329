/* cmd_passphrase.c - `fortress passphrase generate|check`: no vault needed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "passphrase_input.h"

#define WORDS_DEFAULT 7
#define WORDS_MAX 64

static const struct cli_opt generate_opts[] = {
	{ "words", 0, OPT_VALUE, "N", "number of words, at least 6 (default 7)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

/* Print S as a JSON string without copying it into jansson's (unwiped)
 * heap: the passphrase only exists in the fort_secret and stdio's buffer. */
static void put_json_string(const unsigned char *s, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			printf("\\%c", s[i]);
		else if (s[i] < 0x20)
			printf("\\u%04x", s[i]);
		else
			putchar(s[i]);
	}
	putchar('"');
}

static int cmd_generate(struct cli *c)
{
	const char *w = cli_str(c, "words");
	fort_secret *pass = NULL;
	unsigned long words = WORDS_DEFAULT;
	double bits;
	int r;

	if (w) {
		char *end;

		errno = 0;
		words = strtoul(w, &end, 10);
		if (errno || end == w || *end || w[0] == '-' || words < 6 || words > WORDS_MAX)
			return cli_usage_error(c, "--words must be a number from 6 to %d, not '%s'", WORDS_MAX, w);
	}
	if ((r = fort_passphrase_generate(&pass, (unsigned)words)) < 0)
		return cli_fail(c, r, NULL);
	bits = fort_passphrase_entropy_bits((unsigned)words);
	if (c->json) {
		fputs("{\n  \"passphrase\": ", stdout);
		put_json_string(fort_secret_data(pass), fort_secret_len(pass));
		printf(",\n  \"words\": %lu,\n  \"entropy_bits\": %.1f\n}\n", words, bits);
	} else {
		fwrite(fort_secret_data(pass), 1, fort_secret_len(pass), stdout);
		putchar('\n');
		if (c->color_err)   /* only for a person at a terminal; scripts get the passphrase alone */
			cli_info(c, "%lu words, about %.0f bits of entropy", words, bits);
	}
	fort_secret_free(pass);
	return EXIT_OK;
}

static int cmd_check(struct cli *c)
{
	fort_secret *pass = NULL;
	int r, score, ex;

	if ((ex = cli_passphrase_unlock(c, &pass, "Passphrase to check: ")) != EXIT_OK)
		return ex;
	score = fort_passphrase_score(pass);
	r = fort_passphrase_check(pass, NULL);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "score", json_integer(score));
		json_object_set_new(j, "ok", json_boolean(r == 0));
		if (r < 0)
			json_object_set_new(j, "problem", json_string(fort_error_message()));
		ex = cli_print_json(c, j);
		if (ex == EXIT_OK && r < 0)
			ex = cli_exit_code(r);
	} else {
		if (!c->quiet)
			printf("score: %d/4%s\n", score, r == 0 ? " (ok)" : " (too weak)");
		ex = r < 0 ? cli_fail(c, r, "try 'fortress passphrase generate'") : EXIT_OK;
	}
	fort_secret_free(pass);
	return ex;
}

static const struct cli_cmd passphrase_generate_def = {
	.name = "generate", .fn = cmd_generate, .flags = 0,
	.summary = "print a random passphrase of words",
	.synopsis = "[--words N]",
	.opts = generate_opts, .min_args = 0, .max_args = 0,
	.description =
		"Prints N random words (default 7, at least 6) from the built-in list,\n"
		"joined by '-'.  No vault needed.\n",
};

static const struct cli_cmd passphrase_check_def = {
	.name = "check", .fn = cmd_check, .flags = 0,
	.summary = "score a passphrase against the policy",
	.synopsis = "",
	.min_args = 0, .max_args = 0,
	.description =
		"Reads the passphrase from --passphrase-file or the terminal, prints its\n"
		"score (0-4) and exits 0 when it meets the policy, 6 when it is too weak.\n",
};

static const struct cli_cmd *const passphrase_subs[] = {
	&passphrase_generate_def,
	&passphrase_check_def,
	NULL
};

const struct cli_cmd cmd_passphrase_def = {
	.name = "passphrase", .fn = NULL, .flags = 0,
	.summary = "generate or check passphrases",
	.subs = passphrase_subs,
};
