/* card.c - payment card numbers: 13-19 digits, bare or in groups of four
 * (4-6-5 / 4-6-4 for Amex and Diners, 4-5-6 for UATP), with a known brand prefix and
 * length, passing Luhn.  Card-shaped numbers that fail are consumed, so no
 * other detector reports a piece of them. */
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "scan/scan_int.h"

int scan_card_vector = 1;

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

#ifdef __SSE2__
/* LEN (1 to 19) bytes from SRC to DST by fixed-size moves that may overlap
 * (no call, nothing read or written outside the LEN bytes). */
static inline void copy_small(unsigned char *dst, const unsigned char *src, unsigned len)
{
	uint64_t a, b, c;
	uint32_t x, y;

	if (len >= 8) {
		memcpy(&a, src, 8);
		memcpy(&c, src + len - 8, 8);
		if (len > 16) {
			memcpy(&b, src + 8, 8);
			memcpy(dst + 8, &b, 8);
		}
		memcpy(dst, &a, 8);
		memcpy(dst + len - 8, &c, 8);
	} else if (len >= 4) {
		memcpy(&x, src, 4);
		memcpy(&y, src + len - 4, 4);
		memcpy(dst, &x, 4);
		memcpy(dst + len - 4, &y, 4);
	} else {
		while (len--)
			*dst++ = *src++;
	}
}
#endif

/* Is the cluster's first K groups (ND digits, 13 to 19) a card number?  The
 * digits are gathered right-aligned in 32 bytes of '0', so with SSE2 the
 * checks are two vectors: all one digit (a decoy), Luhn (every second digit
 * from the right doubled, 9 taken off a double over 9, the bytes summed),
 * then the brand from the first digits. */
static int judge(const scan_view *v, const scan_cluster *cl, unsigned k, unsigned nd, scan_match *m)
{
	const char *rule;
	const unsigned char *d;
	unsigned char b[20];   /* the byte path's digits (d points into them) */
	unsigned n = 0, i;
	int same, luhn;
#ifdef __SSE2__
	unsigned char t[32];
	__m128i z = _mm_set1_epi8('0'), lo, hi, f, dbl_lo, dbl_hi, sum;
	const __m128i even = _mm_set1_epi16(0x00FF), four = _mm_set1_epi8(4), nine = _mm_set1_epi8(9);
	uint32_t eq, want;

	for (i = 0; i < k; i++)
		n += cl->gl[i];
	if (n != nd || n < 12 || n > 19) {
		m->start = cl->start;
		m->end = cl->gs[k - 1] + cl->gl[k - 1];
		m->type = -1;
		return 1;
	}
	_mm_storeu_si128((__m128i *)(void *)t, z);
	_mm_storeu_si128((__m128i *)(void *)(t + 16), z);
	for (i = 0, d = t + 32 - n; i < k; i++) {
		copy_small(t + 32 - n, v->buf + cl->gs[i], cl->gl[i]);
		n -= cl->gl[i];
	}
	n = nd;
	lo = _mm_loadu_si128((const __m128i *)(const void *)t);
	hi = _mm_loadu_si128((const __m128i *)(const void *)(t + 16));
	/* all one digit: the last N bytes equal the first digit */
	f = _mm_set1_epi8((char)d[0]);
	eq = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(lo, f)) | (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(hi, f)) << 16;
	want = ~(uint32_t)0 << (32 - n);
	same = (eq & want) == want;
	/* Luhn: the last digit at byte 31, so the doubled ones at the even bytes */
	lo = _mm_sub_epi8(lo, z);
	hi = _mm_sub_epi8(hi, z);
	dbl_lo = _mm_sub_epi8(_mm_add_epi8(lo, lo), _mm_and_si128(_mm_cmpgt_epi8(lo, four), nine));
	dbl_hi = _mm_sub_epi8(_mm_add_epi8(hi, hi), _mm_and_si128(_mm_cmpgt_epi8(hi, four), nine));
	lo = _mm_or_si128(_mm_and_si128(even, dbl_lo), _mm_andnot_si128(even, lo));
	hi = _mm_or_si128(_mm_and_si128(even, dbl_hi), _mm_andnot_si128(even, hi));
	sum = _mm_add_epi64(_mm_sad_epu8(lo, _mm_setzero_si128()), _mm_sad_epu8(hi, _mm_setzero_si128()));
	luhn = (unsigned)(_mm_cvtsi128_si32(sum) + _mm_cvtsi128_si32(_mm_srli_si128(sum, 8))) % 10 == 0;
	if (!scan_card_vector) {
#endif
		unsigned j;

		n = 0;
		for (i = 0; i < k; i++)
			for (j = 0; j < cl->gl[i]; j++)
				b[n++] = v->buf[cl->gs[i] + j];
		(void)nd;
		same = 1;
		for (i = 1; i < n; i++)
			if (b[i] != b[0])
				same = 0;
		luhn = scan_luhn(b, n);
		d = b;
#ifdef __SSE2__
	}
#endif
	m->start = cl->start;
	m->end = cl->gs[k - 1] + cl->gl[k - 1];
	if (same || !luhn || !(rule = brand(d, n))) {
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
