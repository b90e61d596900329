/* email.c - e-mail addresses: a local part and a domain of at least two
 * labels ending in an alphabetic top-level domain (not a file extension:
 * "logo@2x.png" is an image). */
#include <string.h>
#include "scan/scan_int.h"

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
	if (ls >= v->len || !strchr("mirc", (int)sc_tolower(b[ls])))
		return 0;
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

int detect_email(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	const unsigned char *b = v->buf;
	size_t s = pos, e = pos + 1, label = e, last = 0, tld = 0;
	unsigned labels = 0;

	(void)cl;
	while (s > 0 && pos - s < 64 && local_char(b[s - 1]))
		s--;
	while (s < pos && (b[s] == '.' || b[s] == '-'))
		s++;
	if (s == pos || b[pos - 1] == '.')
		return 0;
	for (;;) {
		while (e < v->len && e - pos < 254 && (local_tab[b[e]] & 2))
			e++;
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
