/* phone.c - telephone numbers: international (+CC, 8-15 digits as E.164
 * allows, in any grouping), North American ((952) 734-2854, 952-734-2854,
 * 952.734.2854, 1-952-734-2854) and national numbers with a trunk prefix
 * (030 1234567, 020 7946 0958: low confidence without a "phone" label).  A
 * bare run of ten digits is not a phone number: it is an order number or a
 * timestamp. */
#include "scan/scan_int.h"

static const char *const phone_words[] = { "phone", "tel", "mobile", "cell", "fax", "call", "contact", "whatsapp",
					   "handy", "telefon", NULL };

static int all_same(const scan_view *v, const scan_cluster *cl, unsigned k)
{
	unsigned char first = v->buf[cl->gs[0]];
	unsigned i, j;

	for (i = 0; i < k; i++)
		for (j = 0; j < cl->gl[i]; j++)
			if (v->buf[cl->gs[i] + j] != first)
				return 0;
	return 1;
}

static int nanp_ok(const unsigned char *area, const unsigned char *exch)
{
	return area[0] >= '2' && exch[0] >= '2';
}

static int hit(const scan_view *v, const scan_cluster *cl, size_t s, unsigned k, int conf, const char *rule,
	       scan_match *m)
{
	m->start = s;
	m->end = cl->gs[k - 1] + cl->gl[k - 1];
	if (all_same(v, cl, k)) {
		m->type = -1;
		return 1;
	}
	if (conf < FORT_SCAN_HIGH && scan_context(v, s, phone_words))
		conf++;
	m->type = FORT_SCAN_PHONE;
	m->conf = conf;
	m->rule = rule;
	return 1;
}

int detect_phone(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	const unsigned char *b = v->buf;
	unsigned k, nd;
	char pre = pos > 0 ? (char)b[pos - 1] : 0;

	if (pre == '+') {
		/* +CC and the national number: every group joined by ' ', '-' or '.' */
		if (pos >= 2 && (sc_word(b[pos - 2]) || b[pos - 2] == '+'))
			return 0;
		if (b[pos] == '0')
			return 0;
		nd = 0;
		for (k = 0; k < cl->n; k++) {
			if (k > 0 && cl->sep[k - 1] == '/')
				break;
			if (nd + cl->gl[k] > 15)
				return 0;
			nd += cl->gl[k];
		}
		if (nd < 8)
			return 0;
		return hit(v, cl, pos - 1, k, FORT_SCAN_MEDIUM, "phone.international", m);
	}
	if (pre == '(' && cl->n >= 2 && cl->sep[0] == ')') {
		/* (952) 734-2854 */
		if (cl->gl[0] == 3 && cl->n >= 3 && cl->gl[1] == 3 && cl->gl[2] == 4 &&
		    (cl->sep[1] == '-' || cl->sep[1] == ' ' || cl->sep[1] == '.') &&
		    (cl->n == 3 || cl->sep[2] != cl->sep[1]) && nanp_ok(b + cl->gs[0], b + cl->gs[1]))
			return hit(v, cl, pos - 1, 3, FORT_SCAN_MEDIUM, "phone.nanp", m);
		/* (030) 1234567 */
		if (b[pos] == '0' && cl->gl[0] >= 2 && cl->gl[0] <= 5 && cl->gl[0] + cl->gl[1] >= 8 &&
		    cl->gl[0] + cl->gl[1] <= 12 && (cl->n == 2 || cl->sep[1] == '-'))
			return hit(v, cl, pos - 1, 2, FORT_SCAN_LOW, "phone.national", m);
		return 0;
	}
	if (pre == '-' || pre == '.' || pre == '/')
		return 0;
	/* 1-952-734-2854 */
	if (cl->n >= 4 && cl->gl[0] == 1 && b[pos] == '1' && cl->gl[1] == 3 && cl->gl[2] == 3 && cl->gl[3] == 4 &&
	    cl->sep[0] == cl->sep[1] && cl->sep[1] == cl->sep[2] && (cl->sep[0] == '-' || cl->sep[0] == '.') &&
	    (cl->n == 4 || cl->sep[3] != cl->sep[0]) && nanp_ok(b + cl->gs[1], b + cl->gs[2]))
		return hit(v, cl, pos, 4, FORT_SCAN_MEDIUM, "phone.nanp", m);
	/* 952-734-2854, 952.734.2854, 952 734 2854 */
	if (cl->n >= 3 && cl->gl[0] == 3 && cl->gl[1] == 3 && cl->gl[2] == 4 && cl->sep[0] == cl->sep[1] &&
	    (cl->sep[0] == '-' || cl->sep[0] == '.' || cl->sep[0] == ' ') &&
	    (cl->n == 3 || cl->sep[2] != cl->sep[0]) && nanp_ok(b + cl->gs[0], b + cl->gs[1]))
		return hit(v, cl, pos, 3, cl->sep[0] == ' ' ? FORT_SCAN_LOW : FORT_SCAN_MEDIUM, "phone.nanp", m);
	/* national with a trunk 0: 030 1234567, 0171 1234567, 020 7946 0958, 030/1234567 */
	if (b[pos] == '0' && cl->n >= 2 && cl->gl[0] >= 2 && cl->gl[0] <= 5 && b[pos + 1] != '0' &&
	    (cl->sep[0] == ' ' || cl->sep[0] == '/' || cl->sep[0] == '-')) {
		nd = 0;
		for (k = 0; k < cl->n && k < 4; k++) {
			if (k > 0 && cl->sep[k - 1] != cl->sep[0])
				break;
			nd += cl->gl[k];
		}
		if (k == cl->n && nd >= 9 && nd <= 12 && cl->gl[1] >= 3)
			return hit(v, cl, pos, k, FORT_SCAN_LOW, "phone.national", m);
	}
	return 0;
}
