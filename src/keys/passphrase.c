/* passphrase.c - the passphrase policy (NIST SP 800-63B-4, single factor)
 * and the passphrase generator. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <zxcvbn.h>
#include "util.h"
#include "wordlist.h"
#include "data/tables.h"

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


/* ------------------------------------------------ blocklist and patterns */

/* The passphrase squashed: ASCII lowercased, spaces and punctuation
 * dropped, other bytes kept ("Summer 2026!" -> "summer2026"). */
static char *squash(const unsigned char *p, size_t len, size_t *outlen)
{
	char *s = sodium_malloc(len + 1);
	size_t n = 0;

	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (is_word_byte(p[i]))
			s[n++] = (char)ascii_tolower(p[i]);
	s[n] = '\0';
	*outlen = n;
	return s;
}

static int cmp_cell(const void *key, const void *cell)
{
	return strcmp((const char *)key, *(const char *const *)cell);
}

/* Is S one of the rows of table NAME (one column, sorted bytewise for
 * common_passwords; searched linearly for the short phrase list)?
 * 1 yes, 0 no, <0 error. */
static int in_table(const char *name, const char *s, int sorted)
{
	const data_table *t;
	int r = data_table_get(&t, name);

	if (r < 0)
		return r;
	if (sorted)
		return bsearch(s, t->cells, t->nrows, sizeof *t->cells, cmp_cell) != NULL;
	for (size_t i = 0; i < t->nrows; i++)
		if (strcmp(t->cells[i], s) == 0)
			return 1;
	return 0;
}

static int is_listed(const char *s)
{
	int r = in_table("common_passwords", s, 1);
	return r ? r : in_table("common_phrases", s, 0);
}

/* The shortest part that S is made of, repeated ("abcabc" -> 3); N if none. */
static size_t period(const char *s, size_t n)
{
	for (size_t p = 1; p <= n / 2; p++) {
		size_t i;
		if (n % p)
			continue;
		for (i = p; i < n && s[i] == s[i - p]; i++)
			;
		if (i == n)
			return p;
	}
	return n;
}

/* Seasons and months (en, de, fr, es, it, nl) and words people pair with a year. */
static const char *const season_words[] = {
	"spring", "summer", "autumn", "fall", "winter", "fruehling", "fruhling", "sommer", "herbst",
	"printemps", "ete", "automne", "hiver", "primavera", "verano", "otono", "invierno", "estate",
	"autunno", "inverno", "lente", "zomer", "herfst", "january", "february", "march", "april", "may",
	"june", "july", "august", "september", "october", "november", "december", "januar", "februar",
	"maerz", "marz", "mai", "juni", "juli", "oktober", "dezember", "janvier", "fevrier", "mars",
	"avril", "juin", "juillet", "aout", "septembre", "octobre", "novembre", "decembre", "enero",
	"febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
	"noviembre", "diciembre", "welcome", "willkommen", "bienvenue", "bienvenido", "benvenuto",
	"welkom", "happynewyear", "christmas", "weihnachten", "noel", "navidad", "natale", "kerstmis",
};

/* Is S only seasons/months and years ("summer2026", "2026winter", "may2026june2026")? */
static int is_season_year(const char *s, size_t n)
{
	size_t i = 0;
	int words = 0, years = 0;

	while (i < n) {
		size_t best = 0;
		if (i + 4 <= n && (memcmp(s + i, "19", 2) == 0 || memcmp(s + i, "20", 2) == 0) &&
		    s[i + 2] >= '0' && s[i + 2] <= '9' && s[i + 3] >= '0' && s[i + 3] <= '9') {
			i += 4;
			years++;
			continue;
		}
		if (i + 2 <= n && s[i] >= '0' && s[i] <= '9' && s[i + 1] >= '0' && s[i + 1] <= '9' &&
		    (i + 2 == n || !(s[i + 2] >= '0' && s[i + 2] <= '9'))) {
			i += 2; /* "summer26" */
			years++;
			continue;
		}
		for (size_t k = 0; k < sizeof season_words / sizeof season_words[0]; k++) {
			size_t l = strlen(season_words[k]);
			if (l > best && i + l <= n && memcmp(s + i, season_words[k], l) == 0)
				best = l;
		}
		if (!best)
			return 0;
		i += best;
		words++;
	}
	return words && years;
}

/* Keyboard layouts (QWERTY, QWERTZ, AZERTY) as rows, each row shifted half
 * a key to the right of the one above. */
static const char *const layouts[][4] = {
	{ "1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm" },
	{ "1234567890", "qwertzuiop", "asdfghjkl", "yxcvbnm" },
	{ "1234567890", "azertyuiop", "qsdfghjklm", "wxcvbn" },
};

static int key_pos(int lay, char c, int *row, int *col)
{
	for (int r = 0; r < 4; r++) {
		const char *k = strchr(layouts[lay][r], c);
		if (k && c) {
			*row = r;
			*col = (int)(k - layouts[lay][r]);
			return 1;
		}
	}
	return 0;
}

/* Neighbours: same row one apart, or the row below/above under the key. */
static int adjacent(char a, char b)
{
	for (int lay = 0; lay < 3; lay++) {
		int ra, ca, rb, cb;
		if (!key_pos(lay, a, &ra, &ca) || !key_pos(lay, b, &rb, &cb))
			continue;
		if ((ra == rb && (ca - cb == 1 || cb - ca == 1)) ||
		    (rb == ra + 1 && (cb == ca || cb == ca - 1)) ||
		    (rb == ra - 1 && (cb == ca || cb == ca + 1)))
			return 1;
	}
	return 0;
}

/* Is the squashed passphrase mostly a walk from key to neighbouring key
 * ("1qaz2wsx3edc", "zaq12wsxcde34rfv")?  Three steps in four or more. */
static int is_keyboard_walk(const char *s, size_t n)
{
	size_t steps = 0;

	if (n < 8)
		return 0;
	for (size_t i = 1; i < n; i++)
		steps += adjacent(s[i - 1], s[i]);
	return steps * 4 >= (n - 1) * 3;
}

/* Words that name the thing itself (NIST SP 800-63B: context-specific words). */
static const char *const context_words[] = {
	"password", "passphrase", "passwort", "kennwort", "motdepasse", "contrasena", "contrasenya",
	"parola", "wachtwoord", "fortress",
};

/* Refuse a passphrase that a list or a known pattern explains.  0 if none
 * applies, FORT_EWEAK with the reason, <0 on error. */
static int check_patterns(const unsigned char *p, size_t len)
{
	size_t n, per, k;
	char *s = squash(p, len, &n);
	int r = 0;

	if (!s)
		return fort_error_set(FORT_ENOMEM, "out of memory for a secret (locked memory)");
	if (n == 0)
		goto out;
	if ((r = is_listed(s)) != 0) {
		if (r > 0)
			r = fort_error_set(FORT_EWEAK, "passphrase is on the list of common and breached passwords and well-known phrases" HINT);
		goto out;
	}
	per = period(s, n);
	if (per < n) {
		r = fort_error_set(FORT_EWEAK, "passphrase is one part repeated: the repeat adds nothing" HINT);
		goto out;
	}
	/* a listed password or phrase with digits added ("letmein2026") */
	for (k = n; k > 0 && s[k - 1] >= '0' && s[k - 1] <= '9'; k--)
		;
	if (k && k < n) {
		char save = s[k];
		s[k] = '\0';
		r = is_listed(s);
		s[k] = save;
		if (r != 0) {
			if (r > 0)
				r = fort_error_set(FORT_EWEAK, "passphrase is a common password or phrase with digits added" HINT);
			goto out;
		}
	}
	if (is_keyboard_walk(s, n)) {
		r = fort_error_set(FORT_EWEAK, "passphrase is mostly a walk over the keyboard (like 1qaz2wsx): easy to guess" HINT);
		goto out;
	}
	if (is_season_year(s, n)) {
		r = fort_error_set(FORT_EWEAK, "passphrase is a season, month or greeting with a year: the first thing guessed" HINT);
		goto out;
	}
	for (k = 0; k < sizeof context_words / sizeof context_words[0]; k++)
		if (strstr(s, context_words[k])) {
			r = fort_error_set(FORT_EWEAK, "passphrase contains the word '%s': it is the first thing guessed" HINT,
					   context_words[k]);
			goto out;
		}
out:
	sodium_free(s);
	return r;
}

/* Bytes of the passphrase that zxcvbn explained as keyboard patterns. */
static size_t spatial_bytes(const ZxcMatch_t *info)
{
	size_t n = 0;

	for (; info; info = info->Next)
		if ((info->Type & ~MULTIPLE_MATCH) == SPATIAL_MATCH)
			n += (size_t)info->Length;
	return n;
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
	/* A walk over the keyboard ("1qaz2wsx3edc4rfv") looks long to the
	 * score but is among the first things tried. */
	if (spatial_bytes(info) * 2 > len) {
		r = fort_error_set(FORT_EWEAK, "passphrase is mostly a walk over the keyboard (like 1qaz2wsx): easy to guess" HINT);
		goto out;
	}
	/* What the score misses: a real blocklist, repeats, seasons with years. */
	if ((r = check_patterns(p, len)) < 0)
		goto out;
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
