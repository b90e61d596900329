/* email.c - e-mail addresses: a local part and a domain of at least two
 * labels ending in an alphabetic top-level domain (not a file extension:
 * "logo@2x.png" is an image). */
#include <string.h>
#include "scan/scan_int.h"

static int local_char(unsigned c)
{
	return sc_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

static int file_ext(const unsigned char *s, size_t n)
{
	static const char *const ext[] = { "png", "jpg", "jpeg", "gif", "svg", "webp", "css", "js", "ico", NULL };
	static const unsigned char elen[] = { 3, 3, 4, 3, 3, 4, 3, 2, 3 };
	size_t i, k;

	/* every e-mail comes here: the common top-level domains leave at once */
	if (n < 2 || n > 4)
		return 0;
	for (i = 0; ext[i]; i++) {
		if (elen[i] != n || (unsigned char)ext[i][0] != sc_tolower(s[0]))
			continue;
		for (k = 1; k < n && sc_tolower(s[k]) == (unsigned char)ext[i][k]; k++)
			;
		if (k == n)
			return 1;
	}
	return 0;
}

/* "Message-ID: <...@host>" names a message, not a person. */
static int mail_id_header(const scan_view *v, size_t s)
{
	static const char *const hdrs[] = { "message-id:", "in-reply-to:", "references:", "content-id:", NULL };
	const unsigned char *b = v->buf;
	size_t lo = s > 256 ? s - 256 : 0, ls, i, k;
	const unsigned char *nl = s > lo ? memrchr(b + lo, '\n', s - lo) : NULL;

	if (nl)
		ls = (size_t)(nl - b) + 1;
	else if (lo == 0 && v->base == 0)
		ls = 0;
	else
		return 0;
	/* folded header lines continue with white space */
	while (ls > 1 && (b[ls] == ' ' || b[ls] == '\t') && (nl = memrchr(b + (ls > 257 ? ls - 257 : 0), '\n',
									   ls - 1 - (ls > 257 ? ls - 257 : 0))))
		ls = (size_t)(nl - b) + 1;
	if (ls >= v->len || !strchr("mirc", (int)sc_tolower(b[ls])))
		return 0;
	for (k = 0; hdrs[k]; k++) {
		size_t n = strlen(hdrs[k]);

		if (ls + n > v->len)
			continue;
		for (i = 0; i < n && sc_tolower(b[ls + i]) == (unsigned char)hdrs[k][i]; i++)
			;
		if (i == n)
			return 1;
	}
	return 0;
}

int detect_email(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	const unsigned char *b = v->buf;
	size_t s = pos, e = pos + 1, label = e, last = 0, tld = 0;
	unsigned labels = 0;

	(void)cl;
	while (s > 0 && pos - s < 64 && local_char(b[s - 1]))
		s--;
	while (s < pos && (b[s] == '.' || b[s] == '-'))
		s++;
	if (s == pos || b[pos - 1] == '.')
		return 0;
	for (;;) {
		while (e < v->len && e - pos < 254 && (sc_alnum(b[e]) || b[e] == '-'))
			e++;
		if (e == label || b[label] == '-' || b[e - 1] == '-')
			return 0;
		labels++;
		last = e;
		tld = label;
		if (e + 1 < v->len && b[e] == '.' && (sc_alnum(b[e + 1]))) {
			e++;
			label = e;
			continue;
		}
		break;
	}
	if (labels < 2 || last - tld < 2)
		return 0;
	/* letters, or an internationalised domain in its ASCII form ("xn--p1ai") */
	if (!(last - tld > 4 && !memcmp(b + tld, "xn--", 4)))
		for (e = tld; e < last; e++)
			if (!sc_alpha(b[e]))
				return 0;
	if (file_ext(b + tld, last - tld))
		return 0;
	if (mail_id_header(v, s))
		return 0;
	m->start = s;
	m->end = last;
	m->type = FORT_SCAN_EMAIL;
	m->conf = FORT_SCAN_HIGH;
	m->rule = "email";
	return 1;
}
