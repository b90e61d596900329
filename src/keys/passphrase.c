/* passphrase.c - the passphrase policy (NIST SP 800-63B-4, single factor)
 * and the passphrase generator. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <zxcvbn.h>
#include "util.h"
#include "wordlist.h"

#define HINT "; try 'fortress passphrase generate' for a strong one"
/* A bound, not a policy: 64 words is far beyond any need. */
#define GENERATE_MAX_WORDS 64
/* User inputs words shorter than this would match everywhere. */
#define USER_WORD_MIN 3

static int score_of(double bits)
{
	double guesses = exp2(bits);

	/* zxcvbn's thresholds: 10^3, 10^6, 10^8, 10^10 guesses. */
	if (guesses < 1e3)
		return 0;
	if (guesses < 1e6)
		return 1;
	if (guesses < 1e8)
		return 2;
	if (guesses < 1e10)
		return 3;
	return 4;
}

/* Characters, not bytes: continuation bytes of UTF-8 are not counted. */
static size_t count_chars(const unsigned char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

static int is_ascii_lower(int c) { return c >= 'a' && c <= 'z'; }
static int is_ascii_alnum(int c)
{
	return is_ascii_lower(c) || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
static int ascii_tolower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

/* Is the passphrase, lowercased and without trailing digits, punctuation
 * and spaces ("Password2024!"), one word or password of zxcvbn's
 * dictionaries, possibly with leet substitutions?  1 yes, 0 no, <0 error. */
static int is_common(const unsigned char *p, size_t len)
{
	ZxcMatch_t *info = NULL;
	char *base;
	size_t n = len;
	int common;

	while (n && p[n - 1] < 0x80 && !is_ascii_lower(ascii_tolower(p[n - 1])))
		n--;
	if (n == 0)
		return 0;
	base = sodium_malloc(n + 1);
	if (!base)
		return fort_error_set(FORT_ENOMEM, "out of memory for a secret (locked memory)");
	for (size_t i = 0; i < n; i++)
		base[i] = (char)ascii_tolower(p[i]);
	base[n] = '\0';
	ZxcvbnMatch(base, NULL, &info);
	common = info && !info->Next && info->Begin == 0 && (size_t)info->Length == n &&
		 (info->Type == DICTIONARY_MATCH || info->Type == DICT_LEET_MATCH);
	ZxcvbnFreeInfo(info);
	sodium_free(base);
	return common;
}

static int is_word_byte(unsigned char c)
{
	return c >= 0x80 || is_ascii_alnum(c);
}

/* zxcvbn's user dictionary from USER_INPUTS: each input lowercased, the
 * same without spaces and punctuation ("Acme Consulting" -> "acmeconsulting")
 * and each of its words.  One allocation: the pointer array, then the
 * strings.  NULL on ENOMEM. */
static const char **user_dict_new(const char *const *inputs)
{
	size_t nptr = 1, nchar = 0, k = 0;
	const char **dict;
	char *pool;

	for (size_t i = 0; inputs && inputs[i]; i++) {
		size_t l = strlen(inputs[i]);

		/* whole + squashed + at most (l + 1) / 2 words */
		nptr += 3 + l / 2;
		/* whole l + 1, squashed <= l + 1, words <= 2 * l */
		nchar += 4 * (l + 1);
	}
	dict = fort_malloc(nptr * sizeof *dict + nchar);
	if (!dict)
		return NULL;
	pool = (char *)(dict + nptr);
	for (size_t i = 0; inputs && inputs[i]; i++) {
		const unsigned char *in = (const unsigned char *)inputs[i];
		size_t l = strlen(inputs[i]);
		char *whole, *s;

		whole = pool;
		for (size_t j = 0; j < l; j++)
			*pool++ = (char)ascii_tolower(in[j]);
		*pool++ = '\0';
		if (l >= USER_WORD_MIN)
			dict[k++] = whole;

		s = pool;
		for (size_t j = 0; j < l; j++)
			if (is_word_byte(in[j]))
				*pool++ = (char)ascii_tolower(in[j]);
		*pool++ = '\0';
		if (strlen(s) >= USER_WORD_MIN && strcmp(s, whole) != 0)
			dict[k++] = s;

		for (size_t j = 0; j < l;) {
			if (!is_word_byte(in[j])) {
				j++;
				continue;
			}
			s = pool;
			while (j < l && is_word_byte(in[j]))
				*pool++ = (char)ascii_tolower(in[j++]);
			*pool++ = '\0';
			if ((size_t)(pool - s - 1) >= USER_WORD_MIN)
				dict[k++] = s;
		}
	}
	dict[k] = NULL;
	return dict;
}

static int is_user_match(ZxcTypeMatch_t t)
{
	t &= ~MULTIPLE_MATCH;
	return t == USER_MATCH || t == USER_LEET_MATCH;
}

/* Bytes of the passphrase that zxcvbn explained as user inputs. */
static size_t user_bytes(const ZxcMatch_t *info)
{
	size_t n = 0;

	for (; info; info = info->Next)
		if (is_user_match(info->Type))
			n += (size_t)info->Length;
	return n;
}

/* Why zxcvbn finds the passphrase easy: the kind of pattern that explains
 * most of it. */
static const char *weakness(const ZxcMatch_t *info)
{
	size_t bytes[6] = { 0 };
	enum { W_WORDS, W_REPEAT, W_SEQUENCE, W_KEYBOARD, W_DATE, W_NAME } best = W_WORDS;
	const char *why[] = {
		[W_WORDS] = "common words and passwords are easy to guess",
		[W_REPEAT] = "repeated characters or words are easy to guess",
		[W_SEQUENCE] = "sequences like abc or 1234 are easy to guess",
		[W_KEYBOARD] = "keyboard patterns like qwerty are easy to guess",
		[W_DATE] = "dates and years are easy to guess",
		[W_NAME] = "names are easy to guess",
	};
	size_t most = 0;

	for (; info; info = info->Next) {
		int w;

		if (info->Type & MULTIPLE_MATCH) {
			w = W_REPEAT;
		} else {
			switch (info->Type) {
			case DICTIONARY_MATCH: case DICT_LEET_MATCH: w = W_WORDS; break;
			case USER_MATCH: case USER_LEET_MATCH: w = W_NAME; break;
			case REPEATS_MATCH: w = W_REPEAT; break;
			case SEQUENCE_MATCH: w = W_SEQUENCE; break;
			case SPATIAL_MATCH: w = W_KEYBOARD; break;
			case DATE_MATCH: case YEAR_MATCH: w = W_DATE; break;
			default: continue;
			}
		}
		bytes[w] += (size_t)info->Length;
		if (bytes[w] > most) {
			most = bytes[w];
			best = w;
		}
	}
	if (!most)
		return "make it longer";
	return why[best];
}

int fort_passphrase_check(const fort_secret *pass, const char *const *user_inputs)
{
	const unsigned char *p = fort_secret_data(pass);
	size_t len = fort_secret_len(pass), chars;
	const char **dict = NULL;
	ZxcMatch_t *info = NULL;
	int r, score;

	if (!p)
		return fort_error_set(FORT_EINPUT, "no passphrase");
	/* zxcvbn would stop at a NUL and judge only the part before it. */
	if (memchr(p, '\0', len))
		return fort_error_set(FORT_EWEAK, "passphrase contains a NUL character" HINT);
	chars = count_chars(p, len);
	if (chars < FORT_PASSPHRASE_MIN_CHARS)
		return fort_error_set(FORT_EWEAK, "passphrase too short: %zu character%s, at least %d needed" HINT,
				      chars, chars == 1 ? "" : "s", FORT_PASSPHRASE_MIN_CHARS);

	r = is_common(p, len);
	if (r < 0)
		return r;
	if (r)
		return fort_error_set(FORT_EWEAK, "passphrase is a common password" HINT);

	dict = user_dict_new(user_inputs);
	if (!dict)
		return FORT_ENOMEM;
	score = score_of(ZxcvbnMatch((const char *)p, dict, &info));
	/* "Most of it": a name with a year or a few symbols added. */
	if (user_bytes(info) * 2 > len) {
		r = fort_error_set(FORT_EWEAK,
				   "passphrase is built from the name of the user or the business" HINT);
		goto out;
	}
	if (score < FORT_PASSPHRASE_MIN_SCORE) {
		r = fort_error_set(FORT_EWEAK, "passphrase too easy to guess (strength %d of 4): %s" HINT,
				   score, weakness(info));
		goto out;
	}
	r = 0;
out:
	ZxcvbnFreeInfo(info);
	free(dict);
	return r;
}

int fort_passphrase_score(const fort_secret *pass)
{
	const unsigned char *p = fort_secret_data(pass);

	if (!p)
		return 0;
	return score_of(ZxcvbnMatch((const char *)p, NULL, NULL));
}

int fort_passphrase_generate(fort_secret **out, unsigned words)
{
	unsigned char *buf;
	size_t cap = 0, len = 0;
	int r;

	*out = NULL;
	if (words < FORT_PASSPHRASE_MIN_WORDS)
		return fort_error_set(FORT_EINPUT, "a generated passphrase needs at least %d words, not %u",
				      FORT_PASSPHRASE_MIN_WORDS, words);
	if (words > GENERATE_MAX_WORDS)
		return fort_error_set(FORT_EINPUT, "a generated passphrase has at most %d words, not %u",
				      GENERATE_MAX_WORDS, words);
	for (size_t i = 0; i < fort_wordlist_len; i++) {
		size_t l = strlen(fort_wordlist[i]);

		if (l > cap)
			cap = l;
	}
	cap = (cap + 1) * words;
	buf = sodium_malloc(cap);
	if (!buf)
		return fort_error_set(FORT_ENOMEM, "out of memory for a secret (locked memory)");
	for (unsigned i = 0; i < words; i++) {
		const char *w = fort_wordlist[randombytes_uniform((uint32_t)fort_wordlist_len)];
		size_t l = strlen(w);

		if (i)
			buf[len++] = '-';
		memcpy(buf + len, w, l);
		len += l;
	}
	r = fort_secret_new(out, buf, len);
	sodium_free(buf);
	return r;
}

double fort_passphrase_entropy_bits(unsigned words)
{
	return words * log2((double)fort_wordlist_len);
}
