/* dob.c - dates of birth: a calendar date (1985-03-12, 03/12/1985,
 * 12.03.1985, March 12, 1985, 12 Mar 1985, 15th June 1991, 22-nov-1972) in
 * a plausible birth year with birth context near ("born", "DOB", "date of
 * birth", "geb.", a date_of_birth column, "... is my birthday" after it).  A date without that context is not reported: it is
 * an invoice, a timestamp, a deadline. */
#include <string.h>
#include <time.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "scan/scan_int.h"
#include "util.h"

static const char *const dob_words[] = { "born", "birth", "dob", "d.o.b", "geb.", "geboren", "naissance",
					 "nacimiento", "nascita", "bday", NULL };

static const char *const months[] = { "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
				      "nov", "dec" };
static const char *const month_full[] = { "january", "february", "march", "april", "may", "june", "july",
					  "august", "september", "october", "november", "december" };

static inline __attribute__((always_inline)) unsigned num(const unsigned char *s, unsigned n)
{
	unsigned v = 0;

	/* a day, a month, a year: the common lengths without a loop */
	switch (n) {
	case 1:
		return (unsigned)(s[0] - '0');
	case 2:
		return (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
	case 4:
		return (unsigned)(s[0] - '0') * 1000 + (unsigned)(s[1] - '0') * 100 + (unsigned)(s[2] - '0') * 10 +
		       (unsigned)(s[3] - '0');
	}
	while (n--)
		v = v * 10 + (unsigned)(*s++ - '0');
	return v;
}

static int this_year(void)
{
	static int y;

	if (!y) {
		time_t t = time(NULL);
		struct tm tm;

		gmtime_r(&t, &tm);
		y = tm.tm_year + 1900;
	}
	return y;
}

static int date_ok(unsigned y, unsigned mo, unsigned d)
{
	/* every month has 28 days: the calendar asked only past them (a month
	 * out of 1-12 has none) */
	if (d < 1 || mo - 1 >= 12 || (d > 28 && d > fort_civil_month_days((int)y, mo)))
		return 0;
	return y >= 1900 && (int)y <= this_year();
}

/* A month name at S (N bytes available): 1..12 and its length, else 0.
 * Every abbreviation is its month's first three letters and no two months
 * share them, so those three letters name the one month that can match:
 * it is found by a switch instead of trying the twelve in turn. */
static unsigned month_at(const unsigned char *s, size_t n, size_t *len)
{
	static const unsigned char full_len[] = { 7, 8, 5, 5, 3, 4, 4, 6, 9, 7, 8, 8 };
	unsigned c0, c1, c2;
	int i = -1;
	size_t fl, k;

	/* every name has three letters at least */
	if (n < 3 || !sc_alpha(s[0]))
		return 0;
	c0 = sc_tolower(s[0]);
	c1 = sc_tolower(s[1]);
	c2 = sc_tolower(s[2]);
	switch (c0) {
	case 'j': i = c1 == 'a' ? 0 : c1 == 'u' ? (c2 == 'n' ? 5 : 6) : -1; break;
	case 'f': i = 1; break;
	case 'm': i = c2 == 'r' ? 2 : 4; break;
	case 'a': i = c1 == 'p' ? 3 : 7; break;
	case 's': i = 8; break;
	case 'o': i = 9; break;
	case 'n': i = 10; break;
	case 'd': i = 11; break;
	}
	if (i < 0 || c1 != (unsigned char)months[i][1] || c2 != (unsigned char)months[i][2])
		return 0;
	fl = full_len[i];
	for (k = 3; k < fl && k < n && sc_tolower(s[k]) == (unsigned char)month_full[i][k]; k++)
		;
	if (k == fl && (k == n || !sc_alpha(s[k]))) {
		*len = fl;
		return (unsigned)i + 1;
	}
	if (n == 3 || !sc_alpha(s[3])) {
		*len = 3;
		return (unsigned)i + 1;
	}
	return 0;
}

static const char *const after_words[] = { "birthday", "born", "date of birth", "dob", NULL };

/* Does one of after_words start at I (any case; B[I] is 'b' or 'd')? */
static int after_word(const unsigned char *b, size_t i, size_t len)
{
	size_t k, j;

	for (k = 0; after_words[k]; k++) {
		for (j = 0; after_words[k][j] && i + j < len && sc_tolower(b[i + j]) == (unsigned char)after_words[k][j]; j++)
			;
		if (!after_words[k][j])
			return 1;
	}
	return 0;
}

/* Birth context after the date, on the same line: "1985-01-01 is my
 * birthday".  The byte loop: up to 32 bytes from E, a word start whose
 * letter is b or d. */
static int context_after_scalar(const scan_view *v, size_t e)
{
	const unsigned char *b = v->buf;
	size_t lim = e + 32 < v->len ? e + 32 : v->len, i;

	for (i = e; i < lim && b[i] != '\n'; i++) {
		if (!sc_alpha(b[i]) || (i > e && sc_alpha(b[i - 1])))
			continue;
		/* the words' first letters: most word starts leave here */
		if ((b[i] | 0x20) != 'b' && (b[i] | 0x20) != 'd')
			continue;
		if (after_word(b, i, v->len))
			return 1;
	}
	return 0;
}

/* The same question for every date judged without context before it (in
 * a CSV without a header, each one): the 32 bytes from E in two SSE2 steps
 * (the view is a stream's buffer, padded past its end; E > 0, a date lies
 * before it), a bit per b or d (any case) not after a letter (the byte at
 * E starts a word whatever precedes it), cut at the first newline and at
 * the view's end; only those are compared with the words. */
static int context_after(const scan_view *v, size_t e)
{
#ifdef __SSE2__
	const unsigned char *b = v->buf;
	uint32_t cand = 0, pal = 0, nl = 0;
	size_t k;
	int i;

	if (e == 0 || e >= v->len)
		return context_after_scalar(v, e);
	for (k = 0; k < 32; k += 16) {
		const __m128i low = _mm_set1_epi8(0x20);
		__m128i x = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(b + e + k)), low);
		__m128i p = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(b + e + k - 1)), low);
		__m128i bd = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('b')), _mm_cmpeq_epi8(x, _mm_set1_epi8('d')));
		/* (C | 0x20) in 'a'..'z', signed: bytes from 0x80 are no letters */
		__m128i al = _mm_and_si128(_mm_cmpgt_epi8(p, _mm_set1_epi8('a' - 1)), _mm_cmplt_epi8(p, _mm_set1_epi8('z' + 1)));
		/* '\n' | 0x20 is '*', which '\n' alone makes of the two */
		__m128i n = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(b + e + k)), _mm_set1_epi8('\n'));

		cand |= (uint32_t)_mm_movemask_epi8(bd) << k;
		pal |= (uint32_t)_mm_movemask_epi8(al) << k;
		nl |= (uint32_t)_mm_movemask_epi8(n) << k;
	}
	cand &= ~(pal & ~(uint32_t)1);
	if (v->len - e < 32)
		cand &= ((uint32_t)1 << (v->len - e)) - 1;
	if (nl)
		cand &= (nl & -nl) - 1;
	while (cand) {
		i = __builtin_ctz(cand);
		cand &= cand - 1;
		if (after_word(b, e + (size_t)i, v->len))
			return 1;
	}
	return 0;
#else
	return context_after_scalar(v, e);
#endif
}

int scan_dob_after(const scan_view *v, size_t e, int scalar)
{
	return (scalar ? context_after_scalar : context_after)(v, e);
}

static int found(const scan_view *v, size_t s, size_t e, unsigned y, unsigned mo, unsigned d, scan_match *m)
{
	m->start = s;
	m->end = e;
	if (!date_ok(y, mo, d) || !(scan_context(v, s, dob_words) || context_after(v, e))) {
		m->type = -1;   /* a date, not a birth date */
		return 1;
	}
	m->type = FORT_SCAN_DOB;
	m->conf = FORT_SCAN_HIGH;
	m->rule = "dob";
	return 1;
}

static int ordinal(const unsigned char *s)
{
	unsigned a = sc_tolower(s[0]), c = sc_tolower(s[1]);

	return (a == 's' && c == 't') || (a == 'n' && c == 'd') || (a == 'r' && c == 'd') || (a == 't' && c == 'h');
}

static int year_at(const unsigned char *b, size_t i, size_t len, unsigned *y)
{
	if (i + 4 > len || !sc_digit(b[i]) || !sc_digit(b[i + 1]) || !sc_digit(b[i + 2]) || !sc_digit(b[i + 3]) ||
	    (i + 4 < len && sc_word(b[i + 4])))
		return 0;
	*y = num(b + i, 4);
	return 1;
}

int detect_dob(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	const unsigned char *b = v->buf;
	unsigned a, c, e, y, mo;
	size_t ml, i;
	char s;

	(void)pos;
	if (cl->n >= 3 && cl->sep[0] == cl->sep[1] && (cl->n == 3 || cl->sep[2] != cl->sep[0] || cl->sep[0] == ' ')) {
		s = cl->sep[0];
		if (s != '-' && s != '/' && s != '.')
			return 0;
		/* the numbers only for the two shapes of a date */
		if (cl->gl[1] > 2 || !((cl->gl[0] == 4 && cl->gl[2] <= 2) || (cl->gl[0] <= 2 && cl->gl[2] == 4)))
			return 0;
		a = num(b + cl->gs[0], cl->gl[0]);
		c = num(b + cl->gs[1], cl->gl[1]);
		e = num(b + cl->gs[2], cl->gl[2]);
		if (cl->gl[0] == 4 && cl->gl[1] <= 2 && cl->gl[2] <= 2)
			return found(v, cl->start, cl->gs[2] + cl->gl[2], a, c, e, m);
		if (cl->gl[0] <= 2 && cl->gl[1] <= 2 && cl->gl[2] == 4) {
			/* 03/12/1985 is month first; 12.03.1985 and 12-03-1985 day first;
			 * a first number over 12 is a day in any case */
			if (s == '/' && a <= 12)
				return found(v, cl->start, cl->gs[2] + 4, e, a, c, m);
			return found(v, cl->start, cl->gs[2] + 4, e, c, a, m);
		}
		return 0;
	}
	if (cl->gl[0] > 2 || (cl->n > 1 && cl->sep[0] != ' '))
		return 0;
	a = num(b + cl->gs[0], cl->gl[0]);
	i = cl->gs[0] + cl->gl[0];
	/* an ordinal: "15th", "1st", "22nd", "3rd" */
	if (i + 2 < v->len && ordinal(b + i) && !sc_alpha(b[i + 2]))
		i += 2;
	/* "12 Mar 1985", "15th June 1991", "22-nov-1972", "12.Mar.1985", "12 Nov. 1985" */
	if ((cl->n == 1 || i > cl->gs[0] + cl->gl[0]) && i + 1 < v->len &&
	    (b[i] == ' ' || b[i] == '-' || b[i] == '.' || b[i] == '/') && sc_alpha(b[i + 1]) &&
	    (mo = month_at(b + i + 1, v->len - i - 1, &ml))) {
		size_t j = i + 1 + ml;

		if (ml == 3 && j < v->len && b[j] == '.' && b[i] != '.')
			j++;
		if (j + 1 < v->len && (b[j] == b[i] || (b[i] == ' ' && b[j] == ',' && b[++j] == ' ')) &&
		    year_at(b, j + 1, v->len, &y))
			return found(v, cl->start, j + 5, y, mo, a, m);
	}
	/* "March 12, 1985", "June 15th 1991" */
	if (i + 2 < v->len && (b[i] == ',' || b[i] == ' ') && (b[i] == ' ' || b[++i] == ' ') &&
	    year_at(b, i + 1, v->len, &y) && cl->n <= 2 && cl->start >= 4 && b[cl->start - 1] == ' ') {
		size_t j = cl->start - 1;

		while (j > 0 && cl->start - j < 11 && sc_alpha(b[j - 1]))
			j--;
		if ((j == 0 || !sc_word(b[j - 1])) && (mo = month_at(b + j, cl->start - 1 - j, &ml)) &&
		    ml == cl->start - 1 - j)
			return found(v, j, i + 5, y, mo, a, m);
	}
	return 0;
}
