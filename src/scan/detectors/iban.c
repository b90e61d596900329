/* iban.c - IBANs: a country code with its registered length, two check
 * digits and the BBAN, bare or in groups of four, passing ISO 7064
 * mod-97.  An IBAN-shaped string that fails the checksum is consumed as a
 * decoy. */
#include <string.h>
#include "scan/scan_int.h"
#include "vault/types.h"

/* The registry's lengths: the one table, with the IBAN type (vault/types.c). */
int scan_iban_length(const char *cc)
{
	return iban_country_length(cc);
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
