/* email.c - e-mail addresses: a local part and a domain of at least two
 * labels ending in an alphabetic top-level domain (not a file extension:
 * "logo@2x.png" is an image). */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "scan/scan_int.h"

int scan_email_vector = 1;

/* Bytes of a local part (letters, digits, . _ % + -): bit 1; of a domain
 * label (letters, digits, -): bit 2.  One table look-up each. */
static const unsigned char local_tab[256] = {
	['%'] = 1, ['+'] = 1, ['-'] = 3, ['.'] = 1, ['_'] = 1,
	['0'] = 3, ['1'] = 3, ['2'] = 3, ['3'] = 3, ['4'] = 3, ['5'] = 3, ['6'] = 3, ['7'] = 3, ['8'] = 3, ['9'] = 3,
	['A'] = 3, ['B'] = 3, ['C'] = 3, ['D'] = 3, ['E'] = 3, ['F'] = 3, ['G'] = 3, ['H'] = 3, ['I'] = 3,
	['J'] = 3, ['K'] = 3, ['L'] = 3, ['M'] = 3, ['N'] = 3, ['O'] = 3, ['P'] = 3, ['Q'] = 3, ['R'] = 3,
	['S'] = 3, ['T'] = 3, ['U'] = 3, ['V'] = 3, ['W'] = 3, ['X'] = 3, ['Y'] = 3, ['Z'] = 3,
	['a'] = 3, ['b'] = 3, ['c'] = 3, ['d'] = 3, ['e'] = 3, ['f'] = 3, ['g'] = 3, ['h'] = 3, ['i'] = 3,
	['j'] = 3, ['k'] = 3, ['l'] = 3, ['m'] = 3, ['n'] = 3, ['o'] = 3, ['p'] = 3, ['q'] = 3, ['r'] = 3,
	['s'] = 3, ['t'] = 3, ['u'] = 3, ['v'] = 3, ['w'] = 3, ['x'] = 3, ['y'] = 3, ['z'] = 3,
};

static int local_char(unsigned c)
{
	return local_tab[c & 0xff] & 1;
}

static int file_ext(const unsigned char *s, size_t n)
{
	uint32_t w;

	/* every e-mail comes here: the top-level domain's 2-4 bytes, lower-cased,
	 * as one number compared with the extensions' (no loop over a table:
	 * ".com" starts like ".css") */
	if (n < 2 || n > 4)
		return 0;
	w = (uint32_t)sc_tolower(s[0]) << 8 | sc_tolower(s[1]);
	if (n == 2)
		return w == ('j' << 8 | 's');
	w = w << 8 | sc_tolower(s[2]);
	if (n == 3)
		return w == ('p' << 16 | 'n' << 8 | 'g') || w == ('j' << 16 | 'p' << 8 | 'g') ||
		       w == ('g' << 16 | 'i' << 8 | 'f') || w == ('s' << 16 | 'v' << 8 | 'g') ||
		       w == ('c' << 16 | 's' << 8 | 's') || w == ('i' << 16 | 'c' << 8 | 'o');
	w = w << 8 | sc_tolower(s[3]);
	return w == ((uint32_t)'j' << 24 | 'p' << 16 | 'e' << 8 | 'g') || w == ((uint32_t)'w' << 24 | 'e' << 16 | 'b' << 8 | 'p');
}

/* "Message-ID: <...@host>" names a message, not a person. */
static int mail_id_header(const scan_view *v, size_t s)
{
	static const char *const hdrs[] = { "message-id:", "in-reply-to:", "references:", "content-id:", NULL };
	const unsigned char *b = v->buf;
	size_t lo = s > 256 ? s - 256 : 0, ls, i, k;
	const unsigned char *nl = s > lo ? memrchr(b + lo, '\n', s - lo) : NULL;

	if (nl)
		ls = (size_t)(nl - b) + 1;
	else if (lo == 0 && v->base == 0)
		ls = 0;
	else
		return 0;
	/* folded header lines continue with white space */
	while (ls > 1 && (b[ls] == ' ' || b[ls] == '\t') && (nl = memrchr(b + (ls > 257 ? ls - 257 : 0), '\n',
									   ls - 1 - (ls > 257 ? ls - 257 : 0))))
		ls = (size_t)(nl - b) + 1;
	if (ls >= v->len)
		return 0;
	switch (sc_tolower(b[ls])) {
	case 'm': case 'i': case 'r': case 'c':
		break;
	default:
		return 0;   /* most lines: no header of the four */
	}
	for (k = 0; hdrs[k]; k++) {
		size_t n = strlen(hdrs[k]);

		if (ls + n > v->len)
			continue;
		for (i = 0; i < n && sc_tolower(b[ls + i]) == (unsigned char)hdrs[k][i]; i++)
			;
		if (i == n)
			return 1;
	}
	return 0;
}

#ifdef __SSE2__
/* A bit per byte of the 16 at P: a domain byte (letter, digit, '-'), and
 * with LOCAL a local-part byte too ('.', '_', '%', '+'): the bytes' ranges
 * by signed compares after an offset, 16 bytes a step. */
static inline unsigned email_bits(const unsigned char *p, int local)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i l = _mm_or_si128(x, _mm_set1_epi8(0x20));
	__m128i d = _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - '0'))), _mm_set1_epi8((char)(0x80 + 10)));
	__m128i a = _mm_cmplt_epi8(_mm_add_epi8(l, _mm_set1_epi8((char)(0x80 - 'a'))), _mm_set1_epi8((char)(0x80 + 26)));
	__m128i k = _mm_or_si128(_mm_or_si128(d, a), _mm_cmpeq_epi8(x, _mm_set1_epi8('-')));

	if (local)
		k = _mm_or_si128(k, _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('.')),
							      _mm_cmpeq_epi8(x, _mm_set1_epi8('_'))),
						 _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('%')),
							      _mm_cmpeq_epi8(x, _mm_set1_epi8('+')))));
	return (unsigned)_mm_movemask_epi8(k);
}
#endif

/* The local part's start: back from POS over local-part bytes, at most 64
 * (16 a step while 16 bytes before lie in the view, at most four steps;
 * only the view's bytes are read). */
static inline size_t local_start(const unsigned char *b, size_t pos)
{
	size_t s = pos;

#ifdef __SSE2__
	if (scan_email_vector) {
		while (s >= 16 && pos - s < 64) {
			unsigned miss = ~email_bits(b + s - 16, 1) & 0xFFFF;

			if (miss) {
				/* the last byte that is none, at s - 16 + its bit */
				return s - 16 + (size_t)(31 - __builtin_clz(miss)) + 1;
			}
			s -= 16;
		}
		if (pos - s >= 64)
			return pos - 64;
	}
#endif
	while (s > 0 && pos - s < 64 && local_char(b[s - 1]))
		s--;
	return s;
}

/* The end of the domain label from E: domain bytes up to LEN, and at most
 * to LIMIT (16 a step while 16 bytes lie before LEN). */
static inline size_t label_end(const unsigned char *b, size_t e, size_t len, size_t limit)
{
	if (limit > len)
		limit = len;
	if (e >= limit)
		return e;
#ifdef __SSE2__
	if (scan_email_vector) {
		while (e + 16 <= len && e < limit) {
			unsigned miss = ~email_bits(b + e, 0) & 0xFFFF;

			if (miss) {
				e += (size_t)__builtin_ctz(miss);
				return e < limit ? e : limit;
			}
			e += 16;
		}
		if (e >= limit)
			return limit;
	}
#endif
	while (e < limit && (local_tab[b[e]] & 2))
		e++;
	return e;
}

int detect_email(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	const unsigned char *b = v->buf;
	size_t s = pos, e = pos + 1, label = e, last = 0, tld = 0;
	unsigned labels = 0;

	(void)cl;
	s = local_start(b, pos);
	while (s < pos && (b[s] == '.' || b[s] == '-'))
		s++;
	if (s == pos || b[pos - 1] == '.')
		return 0;
	for (;;) {
		e = label_end(b, e, v->len, pos + 254);
		if (e == label || b[label] == '-' || b[e - 1] == '-')
			return 0;
		labels++;
		last = e;
		tld = label;
		if (e + 1 < v->len && b[e] == '.' && (sc_alnum(b[e + 1]))) {
			e++;
			label = e;
			continue;
		}
		break;
	}
	if (labels < 2 || last - tld < 2)
		return 0;
	/* letters, or an internationalised domain in its ASCII form ("xn--p1ai") */
	if (!(last - tld > 4 && !memcmp(b + tld, "xn--", 4)))
		for (e = tld; e < last; e++)
			if (!sc_alpha(b[e]))
				return 0;
	if (file_ext(b + tld, last - tld))
		return 0;
	if (mail_id_header(v, s))
		return 0;
	m->start = s;
	m->end = last;
	m->type = FORT_SCAN_EMAIL;
	m->conf = FORT_SCAN_HIGH;
	m->rule = "email";
	return 1;
}
