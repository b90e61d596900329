/* nino.c - UK National Insurance numbers: two prefix letters (not D, F, I,
 * Q, U, V; the second not O; not BG, GB, KN, NK, NT, TN, ZZ), six digits
 * (bare, in pairs or in threes) and a suffix A-D, in upper or lower case. */
#include <string.h>
#include "scan/scan_int.h"

static const char *const nino_words[] = { "nino", "national insurance", "ni number", "ni no", "nin:", "ni ", NULL };

static int prefix_ok(unsigned a, unsigned b)
{
	static const char *const bad[] = { "BG", "GB", "KN", "NK", "NT", "TN", "ZZ" };
	size_t i;

	if (!sc_upper(a) || !sc_upper(b) || strchr("DFIQUV", (int)a) || strchr("DFIOQUV", (int)b))
		return 0;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (bad[i][0] == (char)a && bad[i][1] == (char)b)
			return 0;
	return 1;
}

/* A NINO from the prefix letters at L: "AB123456C", "AB 12 34 56 C",
 * "AB 123456 C", "AB 123 456 C", "ab123456c" (one case throughout).  The
 * end, or 0. */
static size_t nino_at(const unsigned char *b, size_t len, size_t l, int *lower)
{
	size_t i = l + 2, g;
	unsigned nd = 0, groups = 0, glen[4], k;
	int lc;

	if (l + 9 > len || !sc_alpha(b[l]) || !sc_alpha(b[l + 1]) || (l > 0 && (sc_word(b[l - 1]) || b[l - 1] == '-')))
		return 0;
	lc = sc_lower(b[l]);
	if (sc_lower(b[l + 1]) != lc || !prefix_ok(sc_upper(b[l]) ? b[l] : b[l] - 32, lc ? b[l + 1] - 32 : b[l + 1]))
		return 0;
	if (i < len && b[i] == ' ')
		i++;
	while (nd < 6) {
		g = i;
		while (i < len && sc_digit(b[i]) && nd < 6) {
			i++;
			nd++;
		}
		if (i == g || groups == 4)
			return 0;
		glen[groups++] = (unsigned)(i - g);
		if (nd < 6) {
			if (i + 1 >= len || b[i] != ' ' || !sc_digit(b[i + 1]))
				return 0;
			i++;
		}
	}
	/* six digits in pairs, in threes or together */
	for (k = 1; k < groups; k++)
		if (glen[k] != glen[0])
			return 0;
	if (i < len && sc_digit(b[i]))
		return 0;
	if (i + 1 < len && b[i] == ' ' && sc_alpha(b[i + 1]))
		i++;
	if (i >= len || (unsigned)((b[i] | 32) - 'a') > 3 || sc_lower(b[i]) != lc || (i + 1 < len && sc_word(b[i + 1])))
		return 0;
	*lower = lc;
	return i + 1;
}

/* POS: the first letter (a word with a digit), or CL: the digits, the
 * letters before them. */
int detect_nino(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	const unsigned char *b = v->buf;
	size_t l, e;
	int lower = 0, ctx;

	if (cl) {
		/* spaced: "AB 12 34 56 C", "AB 123456 C" */
		if (cl->start < 3 || b[cl->start - 1] != ' ')
			return 0;
		l = cl->start - 3;
	} else {
		l = pos;
	}
	if (!(e = nino_at(b, v->len, l, &lower)))
		return 0;
	ctx = scan_context(v, l, nino_words);
	m->start = l;
	m->end = e;
	m->type = FORT_SCAN_NINO;
	m->rule = "uk_nino";
	/* lower case is how people type, and how hex and words look too */
	m->conf = ctx ? FORT_SCAN_HIGH : lower ? FORT_SCAN_LOW : FORT_SCAN_MEDIUM;
	return 1;
}
