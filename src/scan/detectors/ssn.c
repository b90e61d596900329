/* ssn.c - US social security numbers: AAA-GG-SSSS (or spaces, or dots), or nine
 * digits in a row next to an "SSN" label.  Area 000, 666 and 900-999,
 * group 00 and serial 0000 were never issued: such numbers are consumed as
 * decoys. */
#include "scan/scan_int.h"

static const char *const ssn_words[] = { "ssn", "social security", "soc. sec", "soc sec", "ss#", "ss no",
					 "sozialversicherung", NULL };

/* The area A (3 digits), group G (2) and serial S (4), wherever they lie. */
static inline int valid_at(const unsigned char *a, const unsigned char *g, const unsigned char *s)
{
	unsigned area = (a[0] - '0') * 100 + (a[1] - '0') * 10 + (a[2] - '0');
	unsigned grp = (g[0] - '0') * 10 + (g[1] - '0');
	unsigned ser = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');

	if (area == 0 || area == 666 || area >= 900 || grp == 0 || ser == 0)
		return 0;
	/* numbers published in advertising, never valid */
	if ((area == 78 && grp == 5 && ser == 1120) || (area == 219 && grp == 9 && ser == 9999))
		return 0;
	return 1;
}

/* Nine digits in a row. */
static int valid(const unsigned char *d)
{
	return valid_at(d, d + 3, d + 5);
}

int detect_ssn(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	int ctx;

	(void)pos;
	if (cl->n >= 3 && cl->gl[0] == 3 && cl->gl[1] == 2 && cl->gl[2] == 4 &&
	    cl->sep[0] == cl->sep[1] && (cl->sep[0] == '-' || cl->sep[0] == ' ' || cl->sep[0] == '.') &&
	    (cl->n == 3 || cl->sep[2] != cl->sep[0])) {
		m->start = cl->start;
		m->end = cl->gs[2] + 4;
		if (!valid_at(v->buf + cl->gs[0], v->buf + cl->gs[1], v->buf + cl->gs[2])) {
			m->type = -1;
			return 1;
		}
		ctx = scan_context(v, cl->start, ssn_words);
		m->type = FORT_SCAN_SSN;
		m->rule = "ssn";
		m->conf = ctx ? FORT_SCAN_HIGH : cl->sep[0] == '-' ? FORT_SCAN_MEDIUM : FORT_SCAN_LOW;
		return 1;
	}
	if (cl->gl[0] == 9 && (cl->n == 1 || cl->sep[0] != '-')) {
		if (!scan_context(v, cl->start, ssn_words) || !valid(v->buf + cl->start))
			return 0;
		m->start = cl->start;
		m->end = cl->start + 9;
		m->type = FORT_SCAN_SSN;
		m->rule = "ssn.unformatted";
		m->conf = FORT_SCAN_HIGH;
		return 1;
	}
	return 0;
}
