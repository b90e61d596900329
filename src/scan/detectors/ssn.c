/* ssn.c - US social security numbers: AAA-GG-SSSS (or spaces, or dots), or nine
 * digits in a row next to an "SSN" label.  Area 000, 666 and 900-999,
 * group 00 and serial 0000 were never issued: such numbers are consumed as
 * decoys. */
#include "scan/scan_int.h"

static const char *const ssn_words[] = { "ssn", "social security", "soc. sec", "soc sec", "ss#", "ss no",
					 "sozialversicherung", NULL };

static int valid(const unsigned char *d)
{
	unsigned area = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
	unsigned grp = (d[3] - '0') * 10 + (d[4] - '0');
	unsigned ser = (d[5] - '0') * 1000 + (d[6] - '0') * 100 + (d[7] - '0') * 10 + (d[8] - '0');

	if (area == 0 || area == 666 || area >= 900 || grp == 0 || ser == 0)
		return 0;
	/* numbers published in advertising, never valid */
	if ((area == 78 && grp == 5 && ser == 1120) || (area == 219 && grp == 9 && ser == 9999))
		return 0;
	return 1;
}

int detect_ssn(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	unsigned char d[9];
	unsigned i, j, n = 0;
	int ctx;

	(void)pos;
	if (cl->n >= 3 && cl->gl[0] == 3 && cl->gl[1] == 2 && cl->gl[2] == 4 &&
	    cl->sep[0] == cl->sep[1] && (cl->sep[0] == '-' || cl->sep[0] == ' ' || cl->sep[0] == '.') &&
	    (cl->n == 3 || cl->sep[2] != cl->sep[0])) {
		for (i = 0; i < 3; i++)
			for (j = 0; j < cl->gl[i]; j++)
				d[n++] = v->buf[cl->gs[i] + j];
		m->start = cl->start;
		m->end = cl->gs[2] + 4;
		if (!valid(d)) {
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
