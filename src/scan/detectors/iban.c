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

/* S[0, N) appended to the number R (D decimal digits since R was last
 * reduced below 97): a digit is one more digit, a capital two (A = 10 ...
 * Z = 35).  R is reduced once 16 digits or more were added: below 97 with
 * up to 17 digits after it is below 98 * 10^17, inside 64 bits.  0 for
 * any other byte. */
static inline int mod97_add(uint64_t *r, unsigned *d, const unsigned char *s, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		unsigned c = s[k];

		if (c - '0' < 10) {
			*r = *r * 10 + (c - '0');
			*d += 1;
		} else if (c - 'A' < 26) {
			*r = *r * 100 + (c - 'A' + 10);
			*d += 2;
		} else {
			return 0;
		}
		if (*d >= 16) {
			*r %= 97;
			*d = 0;
		}
	}
	return 1;
}

/* IBAN (no spaces, N chars): 1 when mod 97 == 1 (ISO 7064: the first four
 * characters moved to the end, letters as two digits each). */
int scan_iban_mod97(const char *s, size_t n)
{
	uint64_t r = 0;
	unsigned d = 0;

	if (n < 15 || n > 34)
		return 0;
	if (!mod97_add(&r, &d, (const unsigned char *)s + 4, n - 4) || !mod97_add(&r, &d, (const unsigned char *)s, 4))
		return 0;
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
	if (!grouped) {
		/* bare: the characters are the bytes from POS, character K ends
		 * at POS + K + 1 (no copy, no table of ends) */
		while (i < v->len && n < 34 && (sc_digit(b[i]) || sc_upper(b[i]))) {
			i++;
			n++;
		}
		if (n < 15)
			return 0;
		/* a bare IBAN must end at a word boundary */
		if ((n == 34 && i < v->len && sc_alnum(b[i])) || (i < v->len && (sc_lower(b[i]) || b[i] == '_')))
			return 0;
		m->start = pos;
		if (want && want == n && scan_iban_mod97((const char *)b + pos, want)) {
			m->end = pos + want;
			m->type = FORT_SCAN_IBAN;
			m->conf = FORT_SCAN_HIGH;
			m->rule = "iban";
			return 1;
		}
		if (!want && scan_iban_mod97((const char *)b + pos, n)) {
			m->end = pos + n;
			m->type = FORT_SCAN_IBAN;
			m->conf = FORT_SCAN_LOW;
			m->rule = "iban.unknown-country";
			return 1;
		}
		if (!want)
			return 0;
		m->end = pos + n;
		m->type = -1;   /* IBAN-shaped, bad checksum */
		return 1;
	}
	while (i < v->len && n < 34) {
		unsigned c = b[i];

		if (sc_digit(c) || sc_upper(c)) {
			t[n] = (char)c;
			ends[n] = i + 1;
			n++;
			i++;
			continue;
		}
		if (c == (unsigned)grouped && n % 4 == 0 && i + 1 < v->len && (sc_digit(b[i + 1]) || sc_upper(b[i + 1]))) {
			i++;
			continue;
		}
		break;
	}
	if (n < 15)
		return 0;
	m->start = pos;
	/* grouped, an IBAN may be followed by more groups, but never ends
	 * inside one ("DK77 5941 0919 3816 100" is not "... 3816 10") */
	if (want && want <= n && scan_iban_mod97(t, want) &&
	    (want == n || !(ends[want - 1] < v->len && sc_alnum(b[ends[want - 1]])))) {
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
	m->end = ends[n - 1];
	m->type = -1;   /* IBAN-shaped, bad checksum */
	return 1;
}
