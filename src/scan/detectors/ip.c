/* ip.c - IPv4 (four octets 0-255, not part of a longer dotted number such
 * as an OID, not a version: "build 1.2.3.4", "version 10.0.1.2") and IPv6
 * (eight groups, or compressed with one "::"). */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "scan/scan_int.h"

int scan_ipv6_vector = 1;

static const char *const version_words[] = { "version", "ver.", "ver ", "build", "firmware", "release", "rev ",
					     "oid", "v.", NULL };
static const char *const ip_words[] = { "ip", "address", "from", "host", "client", "login", "server", NULL };

int detect_ipv4(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	const unsigned char *b = v->buf;
	unsigned i, oct[4];

	(void)pos;
	if (cl->n < 4 || cl->sep[0] != '.' || cl->sep[1] != '.' || cl->sep[2] != '.')
		return 0;
	m->start = cl->start;
	m->end = cl->gs[3] + cl->gl[3];
	m->type = -1;
	if (cl->n > 4 && cl->sep[3] == '.') {
		/* 1.3.6.1.4.1...: an OID or a long version, all of it */
		m->end = cl->gs[cl->n - 1] + cl->gl[cl->n - 1];
		return 1;
	}
	for (i = 0; i < 4; i++) {
		unsigned j;

		if (cl->gl[i] > 3)
			return 0;   /* not IP-shaped: "1.234.567.8900" is left to the others */
		oct[i] = 0;
		/* "1.2.3.04": no address is written with a leading zero */
		if (cl->gl[i] > 1 && b[cl->gs[i]] == '0')
			return 1;
		for (j = 0; j < cl->gl[i]; j++)
			oct[i] = oct[i] * 10 + (b[cl->gs[i] + j] - '0');
		if (oct[i] > 255)
			return 1;   /* IP-shaped: a decoy */
	}
	/* "Chrome/116.3.7.20": a product version */
	if (cl->start >= 2 && b[cl->start - 1] == '/' && sc_alnum(b[cl->start - 2]))
		return 1;
	if (scan_context(v, cl->start, version_words))
		return 1;
	m->type = FORT_SCAN_IP;
	m->rule = "ip.v4";
	if (oct[0] == 0 || oct[0] == 127 || oct[0] == 255 || (oct[0] >= 224))
		m->conf = FORT_SCAN_LOW;
	else
		m->conf = FORT_SCAN_MEDIUM;
	return 1;
}

#ifdef __SSE2__
/* A bit per byte of the 16 at P that is a hex digit or ':'. */
static inline unsigned v6_bits(const unsigned char *p)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i l = _mm_or_si128(x, _mm_set1_epi8(0x20));
	__m128i d = _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - '0'))), _mm_set1_epi8((char)(0x80 + 10)));
	__m128i a = _mm_cmplt_epi8(_mm_add_epi8(l, _mm_set1_epi8((char)(0x80 - 'a'))), _mm_set1_epi8((char)(0x80 + 6)));

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(d, a), _mm_cmpeq_epi8(x, _mm_set1_epi8(':'))));
}
#endif

static inline int v6_byte(unsigned c)
{
	return sc_hex(c) || c == ':';
}

/* Back from POS over hex digits and ':', at most 40 bytes (16 a step while
 * 16 bytes before lie in the view). */
static inline size_t v6_start(const unsigned char *b, size_t pos)
{
	size_t s = pos;

#ifdef __SSE2__
	if (scan_ipv6_vector) {
		while (s >= 16 && pos - s < 40) {
			unsigned miss = ~v6_bits(b + s - 16) & 0xFFFF;

			if (miss) {
				s = s - 16 + (size_t)(31 - __builtin_clz(miss)) + 1;
				return pos - s > 40 ? pos - 40 : s;
			}
			s -= 16;
		}
		if (pos - s >= 40)
			return pos - 40;
	}
#endif
	while (s > 0 && pos - s < 40 && v6_byte(b[s - 1]))
		s--;
	return s;
}

/* Forward from E over hex digits and ':' up to LIMIT (16 a step while 16
 * bytes lie before LEN). */
static inline size_t v6_end(const unsigned char *b, size_t e, size_t len, size_t limit)
{
	if (limit > len)
		limit = len;
	if (e >= limit)
		return e;
#ifdef __SSE2__
	if (scan_ipv6_vector) {
		while (e + 16 <= len && e < limit) {
			unsigned miss = ~v6_bits(b + e) & 0xFFFF;

			if (miss) {
				e += (size_t)__builtin_ctz(miss);
				return e < limit ? e : limit;
			}
			e += 16;
		}
		if (e >= limit)
			return limit;
	}
#endif
	while (e < limit && v6_byte(b[e]))
		e++;
	return e;
}

/* POS: a ':' */
int detect_ipv6(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	const unsigned char *b = v->buf;
	scan_stream *st = v->st;
	size_t s = pos, e = pos, i, v4 = 0, run;
	unsigned groups = 0, dbl = 0, glen = 0, colons = 0;

	(void)cl;
	/* every ':' of an address has a hex digit or another ':' on both sides */
	if (pos == 0 || pos + 1 >= v->len || !(sc_hex(b[pos - 1]) || b[pos - 1] == ':') ||
	    !(sc_hex(b[pos + 1]) || b[pos + 1] == ':'))
		return 0;
	/* a later ':' of a run already judged no address ("10:23:45") */
	if (st && pos > st->v6_s && pos < st->v6_e && v->base == st->v6_base && v->len == st->v6_len)
		return 0;
	s = v6_start(b, pos);
	e = run = v6_end(b, e, v->len, s + 40);
	if (s > 0 && (sc_word(b[s - 1]) || b[s - 1] == '.' || b[s - 1] == ':'))
		goto no;
	/* "::ffff:192.0.2.1", "2001:db8::192.168.1.1": an IPv4 address as the
	 * last 32 bits, part of this one finding (two groups' worth) */
	if (e < v->len && b[e] == '.' && e + 1 < v->len && sc_digit(b[e + 1])) {
		size_t q = e, g = e;
		unsigned parts = 0, val = 0, nd = 0;

		while (g > s && b[g - 1] != ':')
			g--;
		for (q = g; q <= v->len; q++) {
			if (q < v->len && sc_digit(b[q]) && nd < 3) {
				val = val * 10 + (b[q] - '0');
				nd++;
				continue;
			}
			if (!nd || val > 255 || (nd > 1 && b[q - nd] == '0'))
				goto no;
			parts++;
			if (parts < 4 && q + 1 < v->len && b[q] == '.' && sc_digit(b[q + 1])) {
				val = nd = 0;
				continue;
			}
			break;
		}
		if (parts != 4 || g == e || (q < v->len && (sc_word(b[q]) || b[q] == '.')))
			goto no;
		v4 = q;
		e = g;   /* the groups are counted up to the IPv4 part */
	}
	if (e < v->len && !v4 && sc_word(b[e]))
		goto no;
	/* a trailing single ':' is punctuation ("at fe80::1: ...") */
	if (!v4 && b[e - 1] == ':' && !(e - s >= 2 && b[e - 2] == ':'))
		e--;
	for (i = s; i < e; i++) {
		if (b[i] == ':') {
			colons++;
			if (i + 1 < e && b[i + 1] == ':') {
				if (dbl || (i + 2 < e && b[i + 2] == ':'))
					goto no;
				dbl = 1;
			}
			if (glen)
				groups++;
			glen = 0;
		} else if (++glen > 4) {
			goto no;
		}
	}
	if (glen)
		groups++;
	if (v4)
		groups += 2;
	/* "::1", "fe80::": one group beside a "::" is enough */
	if (colons < 2 || (!dbl && groups != 8) || (dbl && (groups > 7 || groups < 1)))
		goto no;
	if (b[s] == ':' && !(s + 1 < e && b[s + 1] == ':'))
		goto no;
	/* one group: the loopback "::1" or a prefix "fe80::", not a slice "a[::2]" */
	if (groups == 1 && !(e - s == 3 && b[s] == ':' && b[s + 2] == '1') && !(b[s] != ':' && e - s >= 5))
		goto no;
	if (v4)
		e = v4;
	if (e <= pos)   /* found from its first ':' already */
		goto no;
	/* real addresses hold a digit: "add:bad:face::" is words */
	for (i = s; i < e && !sc_digit(b[i]); i++)
		;
	if (i == e)
		goto no;
	/* a CIDR prefix length belongs to the address: "fe80::/10", "::1/128" */
	if (e + 1 < v->len && b[e] == '/' && sc_digit(b[e + 1])) {
		size_t q = e + 1;
		unsigned len = 0;

		while (q < v->len && sc_digit(b[q]) && q - e <= 3)
			len = len * 10 + (b[q++] - '0');
		if (len <= 128 && !(q < v->len && sc_word(b[q])))
			e = q;
	}
	m->start = s;
	m->end = e;
	m->type = FORT_SCAN_IP;
	m->rule = "ip.v6";
	m->conf = groups == 8 || scan_context(v, s, ip_words) ? FORT_SCAN_MEDIUM : FORT_SCAN_LOW;
	return 1;
no:
	/* Every ':' of the run [S, RUN) finds the same S and RUN (its bytes
	 * are all hex digits and ':', and S is where the walk back stopped
	 * short of its 40 bytes, or else RUN is POS: no later ':'), and all
	 * above but "E <= POS" is a question of S and RUN: a later ':' in it
	 * is no address either.  Kept for this view (its stream offset and
	 * length: the same pair is the same bytes; a new document clears it). */
	if (st) {
		st->v6_s = s;
		st->v6_e = run;
		st->v6_base = v->base;
		st->v6_len = v->len;
	}
	return 0;
}
