/* phone.c - telephone numbers: international (+CC, 8-15 digits as E.164
 * allows, in any grouping), North American ((952) 734-2854, 952-734-2854,
 * 952.734.2854, 1-952-734-2854) and national numbers with a trunk prefix
 * (030 1234567, 020 7946 0958: low confidence without a "phone" label).  A
 * bare run of ten digits is not a phone number: it is an order number or a
 * timestamp. */
#include "scan/scan_int.h"
#include "scan/detectors/phonelib.h"

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

static int detect_phone_shape(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m);

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

/* Any other grouping people write: "+44 (0)20 7123 4567", "(+41) 22 730 5989",
 * "0 (917) 123 4567", "06 12 34 56 78", "532 123 45 67", "09171234567".  The
 * digits are read from S (a '+', "(+" or the first digit): groups joined by
 * one of " -." or wrapped in parentheses.  The candidate ends at a group end
 * and is judged by the numbering plans (phonelib), longest first, so two
 * numbers side by side are two findings. */
#define PH_MAX 15

/* "0123456789": nine or more digits counting up are a dummy, not a number */
static int dummy(const char *d, unsigned n)
{
	unsigned i, run = 1;

	for (i = 1; i < n; i++) {
		run = d[i] == d[i - 1] + 1 ? run + 1 : 1;
		if (run >= 9)
			return 1;
	}
	return 0;
}
static int general(const scan_view *v, size_t s, int plus, scan_match *m)
{
	const unsigned char *b = v->buf;
	char d[PH_MAX + 8];
	size_t i = s, ends[PH_MAX + 1];
	unsigned nd = 0, ng = 0, gnd[PH_MAX + 1], glen, paren = 0, k;
	int conf;

	if (plus) {
		paren = b[i] == '(';
		i += paren ? 2 : 1;
	}
	for (;;) {
		size_t g = i, j;
		unsigned nd0 = nd;

		if (i < v->len && b[i] == '(' && !paren) {
			paren = 1;
			g = ++i;
		}
		while (i < v->len && sc_digit(b[i]) && nd < PH_MAX + 1)
			d[nd++] = (char)b[i++];
		glen = (unsigned)(i - g);
		/* more than 15 digits, or a one-digit group after the first: the
		 * number (if any) ended at the previous group */
		/* (a one-digit area code follows a country code: "+33 1 45 ...") */
		if (!glen || (i < v->len && sc_digit(b[i])) || (ng > 0 && glen == 1 && !(paren && plus) && !(plus && ng == 1))) {
			nd = nd0;
			paren = 0;
			break;
		}
		if (paren && i < v->len && b[i] == ')') {
			paren = 0;
			i++;
			/* "+44 (0)20": the trunk prefix written for national callers */
			if (plus && ng >= 1 && glen == 1 && d[nd - 1] == '0') {
				nd--;
				if (i < v->len && sc_digit(b[i]))
					continue;
			}
		}
		ends[ng] = i;
		gnd[ng] = nd;
		ng++;
		if (paren || ng > PH_MAX)
			break;
		/* a separator: one of " -." or ") " / " (" combinations, then a digit or '(' */
		j = i;
		if (j < v->len && (b[j] == ' ' || b[j] == '-' || b[j] == '.'))
			j++;
		if (j + 1 < v->len && (sc_digit(b[j]) || (b[j] == '(' && sc_digit(b[j + 1])))) {
			if (j == i && b[j] != '(')
				break;
			/* a single-digit group is only a prefix (a trunk 0, a "1") */
			i = j;
			continue;
		}
		break;
	}
	if (paren)
		return 0;
	for (k = ng; k-- > 0;) {
		size_t e = ends[k];

		if (gnd[k] < 7 || gnd[k] > PH_MAX || (k > 0 && gnd[k] - gnd[k - 1] < 2))
			continue;
		/* the number stops here: no letter or digit run after it */
		if (e < v->len && (sc_word(b[e]) || ((b[e] == '.' || b[e] == '-') && e + 1 < v->len && sc_digit(b[e + 1]))))
			continue;
		if (plus) {
			if (gnd[k] < 8 || !phonelib_valid_intl(d, gnd[k]))
				continue;
			conf = FORT_SCAN_MEDIUM;
		} else {
			/* without a country code: a trunk 0, or a first digit 2-9
			 * (ten digits from 1 are epoch seconds), or eleven from 1
			 * (1 + a North American number, a Chinese mobile) */
			if (d[0] == '1' ? gnd[k] != 11 : 0)
				continue;
			/* ten digits at least: shorter runs written without a
			 * country code are postcodes, tax and insurance numbers */
			if ((d[0] == '0' && d[1] == '0') || gnd[k] < 10)
				continue;
			/* digits alone: as long as a national number with its area
			 * code (nine are an SSN, an account, an order) */
			if (k == 0 && (gnd[0] < 10 || gnd[0] > (d[0] == '0' ? 12u : 11u)))
				continue;
			/* "38108.10", "1.5": a dot joins at least three groups */
			if (k < 2 && k > 0 && b[ends[0]] == '.')
				continue;
			if (dummy(d, gnd[k]))
				continue;
			/* "91-415-555-0132": a country code written without its '+' */
			if (!phonelib_valid_national(d, gnd[k], k > 0) &&
			    !(k >= 2 && d[0] != '0' && gnd[0] <= 3 && phonelib_valid_intl(d, gnd[k])))
				continue;
			conf = FORT_SCAN_LOW;
		}
		m->start = s;
		m->end = e;
		if (conf < FORT_SCAN_HIGH && scan_context(v, s, phone_words))
			conf++;
		m->type = FORT_SCAN_PHONE;
		m->conf = conf;
		m->rule = plus ? "phone.international" : "phone.national";
		return 1;
	}
	return 0;
}

int detect_phone(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	int r = detect_phone_shape(v, pos, cl, m);
	const unsigned char *b = v->buf;

	if (r)
		return r;
	if (pos > 0 && b[pos - 1] == '+') {
		if (pos >= 2 && (sc_word(b[pos - 2]) || b[pos - 2] == '+'))
			return 0;
		return general(v, pos >= 2 && b[pos - 2] == '(' ? pos - 2 : pos - 1, 1, m);
	}
	if (pos > 0 && (b[pos - 1] == '-' || b[pos - 1] == '.' || b[pos - 1] == '/' || b[pos - 1] == '('))
		return 0;
	/* without a country code ten digits are needed: most clusters (years,
	 * amounts, counts) stop here, unless a "(" group follows */
	if (cl->digits < 10 && !(cl->end + 1 < v->len && b[cl->end] == ' ' && b[cl->end + 1] == '('))
		return 0;
	return general(v, pos, 0, m);
}

static int detect_phone_shape(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
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
