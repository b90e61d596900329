/* iban.c - IBANs: a country code with its registered length, two check
 * digits and the BBAN, bare or in groups of four, passing ISO 7064
 * mod-97.  An IBAN-shaped string that fails the checksum is consumed as a
 * decoy. */
#include <string.h>
#include "scan/scan_int.h"

/* SWIFT IBAN registry: country and total length. */
static const struct { char cc[3]; unsigned char len; } lengths[] = {
	{"AD",24},{"AE",23},{"AL",28},{"AT",20},{"AZ",28},{"BA",20},{"BE",16},{"BG",22},{"BH",22},
	{"BI",27},{"BR",29},{"BY",28},{"CH",21},{"CR",22},{"CY",28},{"CZ",24},{"DE",22},{"DJ",27},
	{"DK",18},{"DO",28},{"EE",20},{"EG",29},{"ES",24},{"FI",18},{"FK",18},{"FO",18},{"FR",27},
	{"GB",22},{"GE",22},{"GI",23},{"GL",18},{"GR",27},{"GT",28},{"HR",21},{"HU",28},{"IE",22},
	{"IL",23},{"IQ",23},{"IS",26},{"IT",27},{"JO",30},{"KW",30},{"KZ",20},{"LB",28},{"LC",32},
	{"LI",21},{"LT",20},{"LU",20},{"LV",21},{"LY",25},{"MC",27},{"MD",24},{"ME",22},{"MK",19},
	{"MN",20},{"MR",27},{"MT",31},{"MU",30},{"NI",28},{"NL",18},{"NO",15},{"OM",23},{"PK",24},
	{"PL",28},{"PS",29},{"PT",25},{"QA",29},{"RO",24},{"RS",22},{"RU",33},{"SA",24},{"SC",31},
	{"SD",18},{"SE",24},{"SI",19},{"SK",24},{"SM",27},{"SO",23},{"ST",25},{"SV",28},{"TL",23},
	{"TN",24},{"TR",26},{"UA",29},{"VA",22},{"VG",24},{"XK",20},{"YE",30},
};

int scan_iban_length(const char *cc)
{
	size_t i;

	for (i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++)
		if (lengths[i].cc[0] == cc[0] && lengths[i].cc[1] == cc[1])
			return lengths[i].len;
	return 0;
}

/* IBAN (no spaces, N chars): 1 when mod 97 == 1. */
int scan_iban_mod97(const char *s, size_t n)
{
	uint64_t r = 0;
	size_t k;

	if (n < 15 || n > 34)
		return 0;
	/* the remainder stays below 97, so up to 14 more digits fit in 64 bits:
	 * reduce every few characters, not every one */
	for (k = 0; k < n; k++) {
		unsigned c = (unsigned char)s[k + 4 < n ? k + 4 : k + 4 - n];

		if (sc_digit(c))
			r = r * 10 + (c - '0');
		else if (sc_upper(c))
			r = r * 100 + (c - 'A' + 10);
		else
			return 0;
		if ((k & 3) == 3)
			r %= 97;
	}
	return r % 97 == 1;
}

int detect_iban(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	const unsigned char *b = v->buf;
	char t[40], cc[3];
	size_t i = pos, ends[40];
	unsigned n = 0, want;
	int grouped;

	(void)cl;
	if (pos + 4 > v->len || !sc_upper(b[pos]) || !sc_upper(b[pos + 1]) ||
	    !sc_digit(b[pos + 2]) || !sc_digit(b[pos + 3]))
		return 0;
	cc[0] = (char)b[pos];
	cc[1] = (char)b[pos + 1];
	cc[2] = '\0';
	want = (unsigned)scan_iban_length(cc);
	/* grouped: "DE89 3704 0044 ..." (a single space, or dash, every four) */
	grouped = pos + 5 < v->len && (b[pos + 4] == ' ' || b[pos + 4] == '-') && sc_alnum(b[pos + 5]) ? b[pos + 4] : 0;
	while (i < v->len && n < 34) {
		unsigned c = b[i];

		if (sc_digit(c) || sc_upper(c)) {
			t[n] = (char)c;
			ends[n] = i + 1;
			n++;
			i++;
			continue;
		}
		if (grouped && c == (unsigned)grouped && n % 4 == 0 && i + 1 < v->len && (sc_digit(b[i + 1]) || sc_upper(b[i + 1]))) {
			i++;
			continue;
		}
		break;
	}
	if (n < 15)
		return 0;
	/* a bare IBAN must end at a word boundary */
	if (!grouped && n == 34 && i < v->len && sc_alnum(b[i]))
		return 0;
	if (!grouped && i < v->len && (sc_lower(b[i]) || b[i] == '_'))
		return 0;
	m->start = pos;
	/* grouped, an IBAN may be followed by more groups, but never ends
	 * inside one ("DK77 5941 0919 3816 100" is not "... 3816 10") */
	if (want && want <= n && scan_iban_mod97(t, want) &&
	    (want == n || (grouped && !(ends[want - 1] < v->len && sc_alnum(b[ends[want - 1]]))))) {
		m->end = ends[want - 1];
		m->type = FORT_SCAN_IBAN;
		m->conf = FORT_SCAN_HIGH;
		m->rule = "iban";
		return 1;
	}
	/* a country missing from the table: the whole string, mod-97 */
	if (!want && scan_iban_mod97(t, n)) {
		m->end = ends[n - 1];
		m->type = FORT_SCAN_IBAN;
		m->conf = FORT_SCAN_LOW;
		m->rule = "iban.unknown-country";
		return 1;
	}
	if (!want && !grouped)
		return 0;
	m->end = ends[n - 1];
	m->type = -1;   /* IBAN-shaped, bad checksum */
	return 1;
}
