/* nino.c - UK National Insurance numbers: two prefix letters (not D, F, I,
 * Q, U, V; the second not O; not BG, GB, KN, NK, NT, TN, ZZ), six digits
 * (bare or in pairs) and a suffix A-D. */
#include <string.h>
#include "scan/scan_int.h"

static const char *const nino_words[] = { "nino", "national insurance", "ni number", "ni no", "nin:", NULL };

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

/* POS: the first letter; bare "AB123456C" or spaced "AB 12 34 56 C". */
int detect_nino(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	const unsigned char *b = v->buf;
	size_t i, e;
	unsigned k;

	if (cl) {
		/* spaced: the cluster is "12 34 56", "AB " before it */
		if (cl->n < 3 || cl->gl[0] != 2 || cl->gl[1] != 2 || cl->gl[2] != 2 ||
		    cl->sep[0] != ' ' || cl->sep[1] != ' ' || cl->start < 3)
			return 0;
		i = cl->start - 3;
		if (b[i + 2] != ' ' || (i > 0 && sc_word(b[i - 1])) || !prefix_ok(b[i], b[i + 1]))
			return 0;
		e = cl->gs[2] + 2;
		if (e + 2 > v->len || b[e] != ' ' || (unsigned)(b[e + 1] - 'A') > 3 || (e + 2 < v->len && sc_word(b[e + 2])))
			return 0;
		m->start = i;
		m->end = e + 2;
	} else {
		if (pos + 9 > v->len || !prefix_ok(b[pos], b[pos + 1]))
			return 0;
		for (k = 2; k < 8; k++)
			if (!sc_digit(b[pos + k]))
				return 0;
		if ((unsigned)(b[pos + 8] - 'A') > 3 || (pos + 9 < v->len && sc_word(b[pos + 9])))
			return 0;
		m->start = pos;
		m->end = pos + 9;
	}
	m->type = FORT_SCAN_NINO;
	m->rule = "uk_nino";
	m->conf = scan_context(v, m->start, nino_words) ? FORT_SCAN_HIGH : FORT_SCAN_MEDIUM;
	return 1;
}
