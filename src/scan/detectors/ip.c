/* ip.c - IPv4 (four octets 0-255, not part of a longer dotted number such
 * as an OID, not a version: "build 1.2.3.4", "version 10.0.1.2") and IPv6
 * (eight groups, or compressed with one "::"). */
#include <string.h>
#include "scan/scan_int.h"

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

/* POS: a ':' */
int detect_ipv6(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	const unsigned char *b = v->buf;
	size_t s = pos, e = pos, i;
	unsigned groups = 0, dbl = 0, glen = 0, colons = 0;

	(void)cl;
	/* every ':' of an address has a hex digit or another ':' on both sides */
	if (pos == 0 || pos + 1 >= v->len || !(sc_hex(b[pos - 1]) || b[pos - 1] == ':') ||
	    !(sc_hex(b[pos + 1]) || b[pos + 1] == ':'))
		return 0;
	while (s > 0 && pos - s < 40 && (sc_hex(b[s - 1]) || b[s - 1] == ':'))
		s--;
	if (s > 0 && (sc_word(b[s - 1]) || b[s - 1] == '.' || b[s - 1] == ':'))
		return 0;
	while (e < v->len && e - s < 40 && (sc_hex(b[e]) || b[e] == ':'))
		e++;
	/* "::ffff:1.2.3.4" (an IPv4 inside) is left to the IPv4 detector */
	if (e < v->len && (sc_word(b[e]) || (b[e] == '.' && e + 1 < v->len && sc_digit(b[e + 1]))))
		return 0;
	/* a trailing single ':' is punctuation ("at fe80::1: ...") */
	if (b[e - 1] == ':' && !(e - s >= 2 && b[e - 2] == ':'))
		e--;
	for (i = s; i < e; i++) {
		if (b[i] == ':') {
			colons++;
			if (i + 1 < e && b[i + 1] == ':') {
				if (dbl || (i + 2 < e && b[i + 2] == ':'))
					return 0;
				dbl = 1;
			}
			if (glen)
				groups++;
			glen = 0;
		} else if (++glen > 4) {
			return 0;
		}
	}
	if (glen)
		groups++;
	if (colons < 2 || (!dbl && groups != 8) || (dbl && (groups > 7 || groups < 2)))
		return 0;
	if (b[s] == ':' && !(s + 1 < e && b[s + 1] == ':'))
		return 0;
	if (e <= pos)   /* found from its first ':' already */
		return 0;
	/* real addresses hold a digit: "add:bad:face::" is words */
	for (i = s; i < e && !sc_digit(b[i]); i++)
		;
	if (i == e)
		return 0;
	m->start = s;
	m->end = e;
	m->type = FORT_SCAN_IP;
	m->rule = "ip.v6";
	m->conf = groups == 8 || scan_context(v, s, ip_words) ? FORT_SCAN_MEDIUM : FORT_SCAN_LOW;
	return 1;
}
