/* card.c - payment card numbers: 13-19 digits, bare or in groups of four
 * (4-6-5 / 4-6-4 for Amex and Diners, 4-5-6 for UATP), with a known brand prefix and
 * length, passing Luhn.  Card-shaped numbers that fail are consumed, so no
 * other detector reports a piece of them. */
#include "scan/scan_int.h"

int scan_luhn(const unsigned char *s, size_t n)
{
	unsigned sum = 0, alt = 0, nd = 0;
	size_t i;

	for (i = n; i-- > 0;) {
		unsigned d;

		if (!sc_digit(s[i]))
			continue;
		d = s[i] - '0';
		if (alt) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
		alt = !alt;
		nd++;
	}
	return nd >= 12 && sum % 10 == 0;
}

static const char *brand(const unsigned char *d, unsigned n)
{
	unsigned p2 = (d[0] - '0') * 10 + (d[1] - '0');
	unsigned p3 = p2 * 10 + (d[2] - '0');
	unsigned p4 = p3 * 10 + (d[3] - '0');

	if (d[0] == '4' && (n == 13 || n == 16 || n == 19))
		return "card.visa";
	if (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && n == 16)
		return "card.mastercard";
	if ((p2 == 34 || p2 == 37) && n == 15)
		return "card.amex";
	if ((p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649)) && n >= 16)
		return "card.discover";
	if ((p2 == 36 || p2 == 38 || p2 == 39 || (p3 >= 300 && p3 <= 305)) && n >= 14)
		return "card.diners";
	if (p4 >= 3528 && p4 <= 3589 && n >= 16)
		return "card.jcb";
	if (p2 == 62 && n >= 16)
		return "card.unionpay";
	if (p4 >= 2200 && p4 <= 2204 && n >= 16)
		return "card.mir";
	if (d[0] == '1' && n == 15)
		return "card.uatp";
	if ((p2 == 50 || (p2 >= 56 && p2 <= 69)) && n >= 12)
		return "card.maestro";
	return NULL;
}

/* Group lengths of K groups: 4-4-...-(1..4), 4-6-5, 4-6-4 or 4-5-6. */
static int shape_ok(const scan_cluster *cl, unsigned k)
{
	unsigned i;

	if (cl->gl[0] != 4)
		return 0;
	if (k == 3 && cl->gl[1] == 6 && (cl->gl[2] == 5 || cl->gl[2] == 4))
		return 1;
	/* UATP and some Maestro cards print 4-5-6 */
	if (k == 3 && cl->gl[1] == 5 && cl->gl[2] == 6)
		return 1;
	for (i = 1; i + 1 < k; i++)
		if (cl->gl[i] != 4)
			return 0;
	return cl->gl[k - 1] >= 1 && cl->gl[k - 1] <= 4;
}

static int judge(const scan_view *v, const scan_cluster *cl, unsigned k, unsigned nd, scan_match *m)
{
	unsigned char d[20];
	unsigned i, j, n = 0, same = 1;
	const char *rule;

	for (i = 0; i < k; i++)
		for (j = 0; j < cl->gl[i]; j++)
			d[n++] = v->buf[cl->gs[i] + j];
	(void)nd;
	for (i = 1; i < n; i++)
		if (d[i] != d[0])
			same = 0;
	m->start = cl->start;
	m->end = cl->gs[k - 1] + cl->gl[k - 1];
	if (same || !scan_luhn(d, n) || !(rule = brand(d, n))) {
		m->type = -1;   /* card-shaped, not a card: a decoy */
		return 1;
	}
	m->type = FORT_SCAN_CARD;
	m->conf = FORT_SCAN_HIGH;
	m->rule = rule;
	return 1;
}

int detect_card(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	unsigned k, nd = 0, best = 0, bestnd = 0;
	char s;

	/* "+4930..." is a phone number */
	if (pos > 0 && v->buf[pos - 1] == '+')
		return 0;
	if (cl->gl[0] >= 13) {
		if (cl->gl[0] > 19)
			return 0;
		return judge(v, cl, 1, cl->gl[0], m);
	}
	if (cl->n < 3 || cl->gl[0] != 4)
		return 0;
	s = cl->sep[0];
	if (s != ' ' && s != '-')
		return 0;
	for (k = 1; k <= cl->n; k++) {
		nd += cl->gl[k - 1];
		if (nd > 19)
			break;
		if (k >= 3 && nd >= 13 && shape_ok(cl, k)) {
			best = k;
			bestnd = nd;
		}
		if (k < cl->n && cl->sep[k - 1] != s)
			break;
	}
	if (!best)
		return 0;
	/* the same separator goes on into more digits: a longer number */
	if (best < cl->n && cl->sep[best - 1] == s && nd > 19 && cl->gl[best] >= 4)
		return 0;
	return judge(v, cl, best, bestnd, m);
}
