/* test_passphrase.c - fort_secret, the passphrase policy and generator. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "util.h"
#include "keys/wordlist.h"

#define HINT "; try 'fortress passphrase generate' for a strong one"

static char tmpdir[] = "/tmp/fort-test-pp-XXXXXX";

#define assert_msg_has(needle) do { \
	if (!strstr(fort_error_message(), (needle))) \
		fail_msg("message \"%s\" lacks \"%s\"", fort_error_message(), (needle)); \
} while (0)

#define assert_msg_ends_with_hint() do { \
	const char *m_ = fort_error_message(); \
	size_t ml_ = strlen(m_), hl_ = strlen(HINT); \
	if (ml_ < hl_ || strcmp(m_ + ml_ - hl_, HINT) != 0) \
		fail_msg("message \"%s\" does not end with the hint", m_); \
} while (0)

static int group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	static const char *const files[] = { "pass", "long", "empty", "writable" };
	char path[256];

	(void)state;
	/* A failed test leaves its file behind. */
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	return rmdir(tmpdir);
}

static int check_n(const char *pass, size_t len, const char *const *inputs)
{
	fort_secret *s;
	int r;

	assert_int_equal(fort_secret_new(&s, pass, len), 0);
	fort_error_clear();
	r = fort_passphrase_check(s, inputs);
	fort_secret_free(s);
	return r;
}

static int check(const char *pass, const char *const *inputs)
{
	return check_n(pass, strlen(pass), inputs);
}

static int score(const char *pass)
{
	fort_secret *s;
	int r;

	assert_int_equal(fort_secret_new(&s, pass, strlen(pass)), 0);
	r = fort_passphrase_score(s);
	fort_secret_free(s);
	return r;
}

/* ------------------------------------------------------------- secrets */

static void test_secret_new(void **state)
{
	char in[] = "s3cret";
	fort_secret *s;

	(void)state;
	assert_int_equal(fort_secret_new(&s, in, 6), 0);
	memset(in, 'x', sizeof in - 1);   /* the secret is a copy */
	assert_int_equal(fort_secret_len(s), 6);
	assert_memory_equal(fort_secret_data(s), "s3cret", 7);   /* NUL-terminated */
	fort_secret_free(s);

	assert_int_equal(fort_secret_new(&s, NULL, 0), 0);
	assert_int_equal(fort_secret_len(s), 0);
	assert_int_equal(fort_secret_data(s)[0], '\0');
	fort_secret_free(s);

	fort_secret_free(NULL);
	assert_null(fort_secret_data(NULL));
	assert_int_equal(fort_secret_len(NULL), 0);
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void path_in_tmp(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", tmpdir, name);
}

static void test_secret_from_file_first_line(void **state)
{
	static const struct {
		const char *content, *want;
	} cases[] = {
		{ "correct horse\r\nsecond line\n", "correct horse" },
		{ "correct horse\nsecond line\n", "correct horse" },
		{ "no newline at end", "no newline at end" },
		{ "  spaces kept  \n", "  spaces kept  " },
		{ "trailing cr\r", "trailing cr" },
	};
	char path[256];
	fort_secret *s;

	(void)state;
	path_in_tmp(path, sizeof path, "pass");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		write_file(path, cases[i].content, strlen(cases[i].content), 0600);
		assert_int_equal(fort_secret_from_file(&s, path), 0);
		assert_int_equal(fort_secret_len(s), strlen(cases[i].want));
		assert_memory_equal(fort_secret_data(s), cases[i].want, strlen(cases[i].want) + 1);
		fort_secret_free(s);
	}
	/* Read-only for the owner is allowed. */
	write_file(path, "readable\n", 9, 0400);
	assert_int_equal(fort_secret_from_file(&s, path), 0);
	assert_int_equal(fort_secret_len(s), 8);
	fort_secret_free(s);
	unlink(path);
}

/* Readable by group or others: refused as ssh refuses such a key file. */
static void test_secret_from_file_readable(void **state)
{
	static const mode_t modes[] = { 0644, 0640, 0604, 0440, 0404 };
	char path[256], hint[300];
	fort_secret *s = (fort_secret *)1;

	(void)state;
	path_in_tmp(path, sizeof path, "readable");
	snprintf(hint, sizeof hint, "chmod 600 %s", path);
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		write_file(path, "a good long passphrase\n", 23, modes[i]);
		assert_int_equal(fort_secret_from_file(&s, path), FORT_EINPUT);
		assert_null(s);
		assert_msg_has(hint);
		assert_msg_has("readable by group or others");
		assert_null(strstr(fort_error_message(), "good long"));
		chmod(path, 0600);
	}
	unlink(path);
}

static void test_secret_from_file_long_line(void **state)
{
	char path[256], *big;
	fort_secret *s = (fort_secret *)1;

	(void)state;
	path_in_tmp(path, sizeof path, "long");
	big = malloc(5000);
	assert_non_null(big);
	memset(big, 'a', 5000);
	big[4999] = '\n';
	write_file(path, big, 5000, 0600);
	assert_int_equal(fort_secret_from_file(&s, path), FORT_EINPUT);
	assert_null(s);
	assert_msg_has(path);

	/* 4096 bytes is the limit, and is accepted. */
	big[4096] = '\n';
	write_file(path, big, 4097, 0600);
	assert_int_equal(fort_secret_from_file(&s, path), 0);
	assert_int_equal(fort_secret_len(s), 4096);
	fort_secret_free(s);
	free(big);
	unlink(path);
}

static void test_secret_from_file_empty(void **state)
{
	char path[256];
	fort_secret *s = (fort_secret *)1;

	(void)state;
	path_in_tmp(path, sizeof path, "empty");
	write_file(path, "", 0, 0600);
	assert_int_equal(fort_secret_from_file(&s, path), FORT_EINPUT);
	assert_null(s);
	assert_int_equal(fort_error_code(), FORT_EINPUT);
	assert_msg_has(path);
	assert_msg_has("empty");

	/* An empty first line is an empty passphrase, whatever follows. */
	write_file(path, "\r\nsecond\n", 9, 0600);
	assert_int_equal(fort_secret_from_file(&s, path), FORT_EINPUT);
	assert_msg_has("empty");
	unlink(path);
}

static void test_secret_from_file_writable(void **state)
{
	static const mode_t modes[] = { 0666, 0602, 0620, 0660 };
	char path[256], hint[300];
	fort_secret *s = (fort_secret *)1;

	(void)state;
	path_in_tmp(path, sizeof path, "writable");
	snprintf(hint, sizeof hint, "chmod 600 %s", path);
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		write_file(path, "a good long passphrase\n", 23, modes[i]);
		assert_int_equal(fort_secret_from_file(&s, path), FORT_EINPUT);
		assert_null(s);
		assert_msg_has(hint);
		assert_msg_has("writable");
		/* The message never carries the secret. */
		assert_null(strstr(fort_error_message(), "good long"));
	}
	unlink(path);
}

static void test_secret_from_file_missing(void **state)
{
	char path[256];
	fort_secret *s = (fort_secret *)1;

	(void)state;
	path_in_tmp(path, sizeof path, "does-not-exist");
	assert_int_equal(fort_secret_from_file(&s, path), FORT_ENOTFOUND);
	assert_null(s);
	assert_msg_has(path);

	assert_int_equal(fort_secret_from_file(&s, tmpdir), FORT_EINPUT);
	assert_msg_has("directory");
}

/* -------------------------------------------------------------- policy */

static void test_short_rejected(void **state)
{
	(void)state;
	assert_int_equal(check("Tr0ub4dor&3", NULL), FORT_EWEAK);
	assert_int_equal(fort_error_code(), FORT_EWEAK);
	assert_msg_has("passphrase too short: 11 characters, at least 15 needed");
	assert_msg_ends_with_hint();

	assert_int_equal(check("zq7-vmk2-pfx9w", NULL), FORT_EWEAK);   /* 14 */
	assert_msg_has("too short: 14 characters");

	assert_int_equal(check("", NULL), FORT_EWEAK);
	assert_msg_has("too short: 0 characters");

	/* The same shape at 15 characters is long enough, and strong. */
	assert_int_equal(check("zq7-vmk2-pfx9wr", NULL), 0);
}

static void test_multibyte_counted_as_characters(void **state)
{
	/* 14 characters, 28 bytes: too short although 28 >= 15. */
	static const char fourteen[] = "ñøçåßüéæðþłžšč";
	/* 15 characters, 30 bytes. */
	static const char fifteen[] = "ñøçåßüéæðþłžščő";

	(void)state;
	assert_int_equal(strlen(fourteen), 28);
	assert_int_equal(check(fourteen, NULL), FORT_EWEAK);
	assert_msg_has("too short: 14 characters");

	assert_int_equal(strlen(fifteen), 30);
	assert_int_equal(check(fifteen, NULL), 0);

	/* 4-byte characters: 15 emoji are 60 bytes and 15 characters. */
	assert_int_equal(check("\xf0\x9f\x90\xa2\xf0\x9f\x8d\x95\xf0\x9f\x9a\x80\xf0\x9f\x8e\xb8"
			       "\xf0\x9f\x8c\xb5\xf0\x9f\xa6\x8a\xf0\x9f\x8d\x8b\xf0\x9f\x90\x99"
			       "\xf0\x9f\x8e\xb2\xf0\x9f\x9b\xb6\xf0\x9f\x8c\x8b\xf0\x9f\xa7\x80"
			       "\xf0\x9f\x90\x9d\xf0\x9f\x8e\xbb\xf0\x9f\x8d\x89", NULL), 0);
	assert_int_equal(check("\xf0\x9f\x90\xa2\xf0\x9f\x8d\x95\xf0\x9f\x9a\x80\xf0\x9f\x8e\xb8"
			       "\xf0\x9f\x8c\xb5\xf0\x9f\xa6\x8a\xf0\x9f\x8d\x8b\xf0\x9f\x90\x99"
			       "\xf0\x9f\x8e\xb2\xf0\x9f\x9b\xb6\xf0\x9f\x8c\x8b\xf0\x9f\xa7\x80"
			       "\xf0\x9f\x90\x9d\xf0\x9f\x8e\xbb", NULL), FORT_EWEAK);
	assert_msg_has("too short: 14 characters");
}

static void test_common_password(void **state)
{
	static const char *const common[] = {
		"password12345678",     /* "password" + digits */
		"Password2024!!!!!",    /* any case, trailing punctuation */
		"PASSWORD123456789",
		"p@ssw0rd12345678",     /* leet */
		"iloveyou1234567!",
		"letmein123456789",
	};

	(void)state;
	for (size_t i = 0; i < sizeof common / sizeof common[0]; i++) {
		if (check(common[i], NULL) != FORT_EWEAK)
			fail_msg("\"%s\" accepted", common[i]);
		assert_msg_has("passphrase is a common password");
		assert_msg_ends_with_hint();
	}
	/* Two common passwords stuck together are not one common password,
	 * but still too easy to guess. */
	assert_int_equal(check("iloveyouiloveyou", NULL), FORT_EWEAK);
	assert_msg_has("too easy to guess (strength 0 of 4)");
	assert_int_equal(check("monkeymonkey12345", NULL), FORT_EWEAK);
	assert_msg_has("too easy to guess");
	/* Digits and punctuation are only trimmed at the end. */
	assert_int_equal(check("1999-07-14!!password", NULL), FORT_EWEAK);
	assert_msg_has("too easy to guess");
}

static void test_correct_horse(void **state)
{
	(void)state;
	/* zxcvbn (this C port) does not know the xkcd phrase: it sees four
	 * dictionary words, about 47 bits.  The list of well-known phrases
	 * (data/common_phrases.csv) does. */
	assert_int_equal(score("correcthorsebatterystaple"), 4);
	assert_int_equal(check("correcthorsebatterystaple", NULL), FORT_EWEAK);
	assert_msg_has("list of common and breached passwords and well-known phrases");
	assert_msg_ends_with_hint();
	assert_int_equal(check("correct horse battery staple", NULL), FORT_EWEAK);
	assert_msg_has("well-known phrases");
	assert_int_equal(check("Correct-Horse-Battery-Staple", NULL), FORT_EWEAK);
	/* But a word repeated to reach the length is rejected. */
	assert_int_equal(check("horsehorsehorsehorse", NULL), FORT_EWEAK);
	assert_msg_has("repeated");
}

/* Issue 11 item 11: each of these passed the policy, each with its reason. */
static void test_issue_list(void **state)
{
	static const struct { const char *pass, *why; } cases[] = {
		{ "correcthorsebatterystaple", "well-known phrases" },
		{ "correct horse battery staple", "well-known phrases" },
		{ "1qaz2wsx3edc4rfv5tgb", "walk over the keyboard" },
		{ "zaq12wsxcde34rfv", "walk over the keyboard" },
		{ "welcome2026welcome2026", "one part repeated" },
		{ "Summer2026Summer2026", "one part repeated" },
		{ "mypassphraseisverylong", "well-known phrases" },
		{ "Winter 2026 December 2026", "season, month or greeting with a year" },
		{ "herbst2025sommer2026", "season, month or greeting with a year" },
		{ "my long vault passphrase 9", "contains the word 'passphrase'" },
		/* from the blocklist (zxcvbn's passwords list, 30,000 entries):
		 * long entries the score alone accepts */
		{ "qwertyuiopasdfghjklzxcvbnm", NULL },
		{ "abcdefghijklmnopqrstuvwxyz", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (check(cases[i].pass, NULL) != FORT_EWEAK)
			fail_msg("\"%s\" accepted", cases[i].pass);
		if (cases[i].why)
			assert_msg_has(cases[i].why);
		assert_msg_ends_with_hint();
		assert_null(strstr(fort_error_message(), cases[i].pass));
	}
	/* Strong passphrases that share pieces with the patterns still pass. */
	assert_int_equal(check("summer orchid quarry tundra pixel", NULL), 0);
	assert_int_equal(check("velvet-2026-quarry-tundra-lantern", NULL), 0);
}

/* A sample of the shipped blocklist: every long-enough entry is refused. */
static void test_blocklist_sample(void **state)
{
	char path[512], line[128];
	const char *dir = getenv("FORT_TEST_DATA");
	FILE *f;
	size_t n = 0, tried = 0;

	(void)state;
	snprintf(path, sizeof path, "%s/../../data/common_passwords.csv", dir ? dir : "tests/data");
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (n++ == 0 || strlen(line) < FORT_PASSPHRASE_MIN_CHARS)
			continue;
		tried++;
		if (check(line, NULL) != FORT_EWEAK)
			fail_msg("blocklisted \"%s\" accepted", line);
	}
	fclose(f);
	assert_true(n > 30000);
	assert_true(tried >= 25);
}

static void test_keyboard_and_repeats(void **state)
{
	(void)state;
	assert_int_equal(score("aaaaaaaaaaaaaaaaaaaa"), 0);
	assert_int_equal(check("aaaaaaaaaaaaaaaaaaaa", NULL), FORT_EWEAK);
	assert_msg_has("passphrase too easy to guess (strength 0 of 4): repeated");
	assert_msg_ends_with_hint();

	assert_int_equal(score("qwertyuiopasdfghjkl"), 2);
	assert_int_equal(check("qwertyuiopasdfghjkl", NULL), FORT_EWEAK);
	assert_msg_has("passphrase too easy to guess (strength 2 of 4)");
	assert_msg_ends_with_hint();

	assert_int_equal(check("abcdefghijklmnopqrst", NULL), FORT_EWEAK);
	assert_msg_has("strength 0 of 4");
	assert_int_equal(check("12345678909876543210", NULL), FORT_EWEAK);
	assert_msg_has("too easy to guess");
}

static void test_user_inputs(void **state)
{
	static const char *const acme[] = { "acme consulting", NULL };
	static const char *const acme_caps[] = { "Jane Doe", "ACME Consulting Ltd.", NULL };

	(void)state;
	/* Strong enough on its own... */
	assert_int_equal(check("acmeconsulting2024!", NULL), 0);
	/* ...not for Acme Consulting. */
	assert_int_equal(check("acmeconsulting2024!", acme), FORT_EWEAK);
	assert_msg_has("passphrase is built from the name of the user or the business");
	assert_msg_ends_with_hint();
	assert_int_equal(check("AcmeConsulting2024!", acme_caps), FORT_EWEAK);
	assert_msg_has("built from the name");
	assert_int_equal(check("consulting-acme-2024", acme), FORT_EWEAK);
	assert_msg_has("built from the name");
	/* The inputs in a strong passphrase are fine when they are a small
	 * part of it. */
	assert_int_equal(check("acme-velvet-quarry-tundra-pixel", acme), 0);
	/* Empty list and NULL list behave alike. */
	static const char *const none[] = { NULL };
	assert_int_equal(check("acmeconsulting2024!", none), 0);
}

static void test_strong_accepted(void **state)
{
	(void)state;
	assert_int_equal(check("Xk9#mQ2v!Lp7$wR4z", NULL), 0);
	assert_int_equal(score("Xk9#mQ2v!Lp7$wR4z"), 4);
	assert_int_equal(check("drift cobalt mango velvet orbit", NULL), 0);
	/* No composition rules: all lowercase letters and spaces is fine. */
	assert_int_equal(check("quiet lanterns hum over brackish fjords", NULL), 0);
}

static void test_nul_rejected(void **state)
{
	(void)state;
	/* Only "Xk9#mQ2v!Lp7" would be judged by zxcvbn. */
	assert_int_equal(check_n("Xk9#mQ2v!Lp7\0$wR4z-more-text", 28, NULL), FORT_EWEAK);
	assert_msg_has("NUL");
}

/* ------------------------------------------------------------ generate */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int in_wordlist(const char *w, size_t len)
{
	for (size_t i = 0; i < fort_wordlist_len; i++)
		if (strlen(fort_wordlist[i]) == len && memcmp(fort_wordlist[i], w, len) == 0)
			return 1;
	return 0;
}

static void test_wordlist(void **state)
{
	(void)state;
	assert_true(fort_wordlist_len >= 4096);
	assert_int_equal(fort_wordlist_len, 7776);
	for (size_t i = 0; i < fort_wordlist_len; i++) {
		const char *w = fort_wordlist[i];
		size_t l = strlen(w);

		if (l < 3 || l > 8 || strspn(w, "abcdefghijklmnopqrstuvwxyz") != l)
			fail_msg("bad word %zu \"%s\"", i, w);
		/* Sorted and so distinct. */
		if (i && strcmp(fort_wordlist[i - 1], w) >= 0)
			fail_msg("words %zu, %zu out of order or repeated", i - 1, i);
	}
	assert_true(fabs(fort_passphrase_entropy_bits(6) - 6 * log2(7776.0)) < 1e-9);
	assert_true(fabs(fort_passphrase_entropy_bits(7) - 7 * log2(7776.0)) < 1e-9);
	assert_true(fort_passphrase_entropy_bits(6) > 77.5);
}

static void assert_shape(const fort_secret *s, unsigned words)
{
	const char *p = (const char *)fort_secret_data(s), *w = p;
	unsigned n = 0;

	assert_int_equal(strlen(p), fort_secret_len(s));
	for (;;) {
		const char *dash = strchr(w, '-');
		size_t l = dash ? (size_t)(dash - w) : strlen(w);

		if (!in_wordlist(w, l))
			fail_msg("word %u of a generated passphrase is not in the list", n);
		n++;
		if (!dash)
			break;
		w = dash + 1;
	}
	assert_int_equal(n, words);
}

static void test_generate_shape(void **state)
{
	fort_secret *s;

	(void)state;
	assert_int_equal(fort_passphrase_generate(&s, 6), 0);
	assert_shape(s, 6);
	fort_secret_free(s);
	assert_int_equal(fort_passphrase_generate(&s, 7), 0);
	assert_shape(s, 7);
	fort_secret_free(s);
	assert_int_equal(fort_passphrase_generate(&s, 12), 0);
	assert_shape(s, 12);
	fort_secret_free(s);
}

static void test_generate_min_words(void **state)
{
	fort_secret *s = (fort_secret *)1;

	(void)state;
	for (unsigned w = 0; w < 6; w++) {
		assert_int_equal(fort_passphrase_generate(&s, w), FORT_EINPUT);
		assert_null(s);
		assert_msg_has("at least 6 words");
	}
	s = (fort_secret *)1;
	assert_int_equal(fort_passphrase_generate(&s, 1000000), FORT_EINPUT);
	assert_null(s);
}

static void test_generate_distinct_and_strong(void **state)
{
	enum { N = 1000 };
	char **all = calloc(N, sizeof *all);
	size_t total = 0;

	(void)state;
	assert_non_null(all);
	for (int i = 0; i < N; i++) {
		fort_secret *s;
		int r;

		assert_int_equal(fort_passphrase_generate(&s, 6), 0);
		r = fort_passphrase_check(s, NULL);
		if (r != 0)
			fail_msg("generated passphrase %d rejected: %s", i, fort_error_message());
		assert_true(fort_passphrase_score(s) >= 3);
		all[i] = strdup((const char *)fort_secret_data(s));
		assert_non_null(all[i]);
		total += fort_secret_len(s);
		fort_secret_free(s);
	}
	qsort(all, N, sizeof *all, cmp_str);
	for (int i = 1; i < N; i++)
		assert_string_not_equal(all[i - 1], all[i]);
	/* Words are 4-7 letters: mean 5.5 per word, plus 5 dashes. */
	assert_true(total / N >= 6 * 4 + 5 && total / N <= 6 * 7 + 5);
	for (int i = 0; i < N; i++) {
		sodium_memzero(all[i], strlen(all[i]));
		free(all[i]);
	}
	free(all);
}

static void test_generate_uses_whole_list(void **state)
{
	/* 6000 draws from 7776 words: a uniform choice hits words from
	 * every part of the list, and first letters spread widely. */
	unsigned quarter[4] = { 0 };
	char letters[26] = { 0 };
	int nletters = 0;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		fort_secret *s;
		const char *w;

		assert_int_equal(fort_passphrase_generate(&s, 6), 0);
		w = (const char *)fort_secret_data(s);
		for (;;) {
			size_t l = strcspn(w, "-");

			for (size_t k = 0; k < fort_wordlist_len; k++)
				if (strlen(fort_wordlist[k]) == l && memcmp(fort_wordlist[k], w, l) == 0)
					quarter[k * 4 / fort_wordlist_len]++;
			if (!letters[w[0] - 'a']++)
				nletters++;
			if (!w[l])
				break;
			w += l + 1;
		}
		fort_secret_free(s);
	}
	for (int q = 0; q < 4; q++)
		assert_in_range(quarter[q], 1200, 1800);   /* expected 1500 */
	assert_true(nletters >= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_new),
		cmocka_unit_test(test_secret_from_file_first_line),
		cmocka_unit_test(test_secret_from_file_long_line),
		cmocka_unit_test(test_secret_from_file_empty),
		cmocka_unit_test(test_secret_from_file_writable),
		cmocka_unit_test(test_secret_from_file_readable),
		cmocka_unit_test(test_secret_from_file_missing),
		cmocka_unit_test(test_short_rejected),
		cmocka_unit_test(test_multibyte_counted_as_characters),
		cmocka_unit_test(test_common_password),
		cmocka_unit_test(test_correct_horse),
		cmocka_unit_test(test_issue_list),
		cmocka_unit_test(test_blocklist_sample),
		cmocka_unit_test(test_keyboard_and_repeats),
		cmocka_unit_test(test_user_inputs),
		cmocka_unit_test(test_strong_accepted),
		cmocka_unit_test(test_nul_rejected),
		cmocka_unit_test(test_wordlist),
		cmocka_unit_test(test_generate_shape),
		cmocka_unit_test(test_generate_min_words),
		cmocka_unit_test(test_generate_distinct_and_strong),
		cmocka_unit_test(test_generate_uses_whole_list),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
