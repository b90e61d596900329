/* read_mbox.c - an mbox file, the common message without GMime.
 *
 * GMime builds an object tree per message (headers, parts, streams): about
 * 250,000 instructions a message, far more than scanning its text.  Most
 * mail in an mbox is one text/plain part in 7bit/8bit, which needs no
 * decoding at all.  Such a message is read here straight from the mapped
 * file: its kept headers become the "#N" document exactly as GMime would
 * give them (unfolded values, transport headers left out), its body the
 * "#N/part-1" document, byte for byte the file's.  A kept header's value
 * may hold UTF-8 (a name with an accent: GMime gives valid UTF-8 as it is).
 * Anything else (folded or encoded-word headers in what we keep, other
 * bytes of 128 and up in the headers, multipart, base64/quoted-printable,
 * another charset, HTML, a file name, mboxrd ">From " quoting, CR LF) goes
 * to GMime, one message at a time (rd_mime_one): the documents are the
 * same either way (tests/unit/scan/test_readers_mbox.c compares them).
 *
 * Messages start at lines beginning with "From ", as GMime splits them. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "rd.h"

int rd_mail_fast = 1;
unsigned long rd_mail_fast_taken;

/* A header block no longer than this is read here; longer ones (hostile
 * or odd) go to GMime and its guard. */
#define FAST_MAX_HEADER 65536
/* Pages already read are dropped from the mapping every so often, so the
 * resident size of a 2 GB mbox stays small. */
#define FAST_DROP ((size_t)4 << 20)

/* The names with their lengths (no strlen per header and name: a message
 * has a dozen headers, each compared with every name). */
#define TN(s) { s, sizeof(s) - 1 }
static const struct { const char *s; size_t n; } fast_transport[] = {
	TN("received"), TN("dkim-signature"), TN("domainkey-signature"), TN("arc-seal"), TN("arc-message-signature"),
	TN("arc-authentication-results"), TN("authentication-results"), TN("received-spf"), TN("message-id"),
	TN("references"), TN("in-reply-to"), TN("mime-version"), TN("content-type"), TN("content-transfer-encoding"),
	TN("content-disposition"), TN("content-id"), TN("x-received"), TN("x-google-dkim-signature"),
	TN("x-google-smtp-source"), TN("x-gm-message-state"), TN("x-ms-exchange-organization-network-message-id"),
	TN("thread-index"), TN("x-ms-has-attach"), TN("x-ms-tnef-correlator"), TN("list-unsubscribe"), TN("precedence"),
};
#undef TN

/* Must match read_mime.c's transport(): the kept headers are the same. */
static int is_transport(const char *name, size_t n)
{
	/* the names' first letters (and "x-ms-exchange-", "arc-"): a bit per
	 * letter, so From, To, Subject, Date, ... leave at once */
	static uint32_t first;   /* made from the table once (threads may race to the same value) */
	/* and a bit per length of a name in the table (all under 64 bytes):
	 * a name of another length (Date, To, Reply-To...) is compared with
	 * none of them.  Stored before FIRST, read after it */
	static uint64_t lens;
	uint32_t m = __atomic_load_n(&first, __ATOMIC_ACQUIRE);
	uint64_t ln;
	unsigned c;

	if (!m) {
		ln = 0;
		m = 1u << ('x' - 'a') | 1u << ('a' - 'a');
		for (size_t i = 0; i < sizeof fast_transport / sizeof *fast_transport; i++) {
			m |= 1u << ((unsigned)fast_transport[i].s[0] - 'a');
			ln |= fast_transport[i].n < 64 ? 1ull << fast_transport[i].n : 0;
		}
		__atomic_store_n(&lens, ln, __ATOMIC_RELAXED);
		__atomic_store_n(&first, m, __ATOMIC_RELEASE);
	}
	ln = __atomic_load_n(&lens, __ATOMIC_RELAXED);
	if (!n)
		return 0;
	c = ((unsigned char)name[0] | 0x20) - 'a';
	if (c >= 26 || !(m >> c & 1))
		return 0;
	if (n >= 64 || (ln >> n & 1))
		for (size_t i = 0; i < sizeof fast_transport / sizeof *fast_transport; i++)
			if (fast_transport[i].n == n && strncasecmp(name, fast_transport[i].s, n) == 0)
				return 1;
	return (c == 'x' - 'a' && n >= 14 && strncasecmp(name, "x-ms-exchange-", 14) == 0) ||
	       (c == 'a' - 'a' && n >= 4 && strncasecmp(name, "arc-", 4) == 0);
}

static int name_is(const char *name, size_t n, const char *want)
{
	return strlen(want) == n && strncasecmp(name, want, n) == 0;
}
/* the same for a literal: its length known, no strlen call */
#define NAME_IS(name, n, lit) ((n) == sizeof(lit) - 1 && strncasecmp((name), (lit), (n)) == 0)

/* VALUE (N bytes) is WANT, case aside. */
static int value_is(const char *v, size_t n, const char *want)
{
	return name_is(v, n, want);
}

/* Content-Type: text/plain, with at most a charset GMime would not convert. */
static int plain_type(const char *v, size_t n)
{
	const char *e = v + n, *p = memchr(v, ';', n);
	size_t tl = (size_t)((p ? p : e) - v);

	while (tl && (v[tl - 1] == ' ' || v[tl - 1] == '\t'))
		tl--;
	if (!value_is(v, tl, "text/plain"))
		return 0;
	if (!p)
		return 1;
	p++;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(e - p) < 8 || strncasecmp(p, "charset=", 8) != 0)
		return 0;
	p += 8;
	if (p < e && *p == '"') {
		p++;
		if (e > p && e[-1] == '"')
			e--;
		else
			return 0;
	}
	return value_is(p, (size_t)(e - p), "utf-8") || value_is(p, (size_t)(e - p), "us-ascii");
}

typedef struct {
	const char *name, *value;
	size_t nlen, vlen;
} fast_header;

#define FAST_MAX_HEADERS 64

/* S[0, N) is ASCII: 32 bytes a step (a body is ~1.7 KB), then 8. */
static int ascii(const char *s, size_t n)
{
	uint64_t acc = 0, w;
	size_t i = 0;

#ifdef __SSE2__
	{
		__m128i a = _mm_setzero_si128();

		for (; i + 32 <= n; i += 32)
			a = _mm_or_si128(a, _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(s + i)),
							 _mm_loadu_si128((const __m128i *)(const void *)(s + i + 16))));
		if (_mm_movemask_epi8(a))
			return 0;
	}
#endif
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= (unsigned char)s[i];
	return !(acc & 0x8080808080808080ull);
}

/* A header line P[0, N) (no line end): -1 when it holds CR, NUL or "=?" (an
 * encoded-word: GMime must read the message), else 1 when it holds a byte
 * of 128 and up, else 0.  The byte loop; rd_mbox_header_bytes below goes 16
 * bytes a step (every header of every message comes here). */
static int header_bytes_scalar(const char *p, size_t n)
{
	int eight = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '\r' || ch == 0 || (ch == '=' && i + 1 < n && p[i + 1] == '?'))
			return -1;
		eight |= ch >= 0x80;
	}
	return eight;
}

int rd_mbox_header_bytes(const char *p, size_t n, int scalar)
{
	size_t i = 0;
	int eight = 0, t;

	if (scalar)
		return header_bytes_scalar(p, n);
#ifdef __SSE2__
	/* the second load (for the '?' after a '=') reads P[i + 1, i + 17):
	 * inside the line while i + 17 <= N */
	for (; i + 17 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i y = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 1));
		__m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\r')),
							_mm_cmpeq_epi8(x, _mm_setzero_si128())),
					   _mm_and_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('=')),
							 _mm_cmpeq_epi8(y, _mm_set1_epi8('?'))));

		if (_mm_movemask_epi8(bad))
			return -1;
		eight |= _mm_movemask_epi8(x) != 0;
	}
	/* the rest of a line of 17 bytes or more: one more step, back to
	 * P[n - 17, n - 1) (bytes seen twice change nothing), and the last
	 * byte alone (a '=' there has no '?' after it) */
	if (i < n && n >= 17) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + n - 17));
		__m128i y = _mm_loadu_si128((const __m128i *)(const void *)(p + n - 16));
		__m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\r')),
							_mm_cmpeq_epi8(x, _mm_setzero_si128())),
					   _mm_and_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('=')),
							 _mm_cmpeq_epi8(y, _mm_set1_epi8('?'))));
		unsigned char last = (unsigned char)p[n - 1];

		if (_mm_movemask_epi8(bad) || last == '\r' || last == 0)
			return -1;
		return eight | (_mm_movemask_epi8(x) != 0) | (last >= 0x80);
	}
#endif
	if ((t = header_bytes_scalar(p + i, n - i)) < 0)
		return -1;
	return eight | t;
}

/* A header's name P[0, N) has no byte of 0x20 or less, nor of 0x7F and up
 * (READABLE bytes from P may be read): a name of up to 16 bytes with 16
 * readable in one SSE2 step, else the byte loop. */
static int name_bytes_ok(const char *p, size_t n, size_t readable)
{
#ifdef __SSE2__
	if (n <= 16 && readable >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* signed: below 0x21 is 0x00-0x20 and 0x80-0xFF */
		__m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x21)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));

		return !((unsigned)_mm_movemask_epi8(bad) & ((1u << n) - 1));
	}
#endif
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
			return 0;
	return 1;
}

int rd_mbox_name_ok(const char *p, size_t n, size_t readable, int scalar)
{
	return name_bytes_ok(p, n, scalar ? 0 : readable);
}

/* Message M (LEN bytes, from its "From " line): 1 when it was read here
 * (*RC its result), 0 when GMime must read it (nothing was sent).  LAST:
 * the file ends with it; QUOTED: a line of it is mboxrd-quoted (">From ").
 * M is on line LINE of the file mapped at MAP. */
static int fast_message(rd *r, const char *map, uint64_t line, const char *m, size_t len, int last, int quoted,
			int *rc)
{
	const char *e = m + len, *p, *body, *nl;
	fast_header h[FAST_MAX_HEADERS];
	size_t nh = 0, blen;
	int kept_prev = 0, have_ct = 0, eight, headers8 = 0;

	if (quoted)
		return 0;               /* mboxrd quoting: GMime's reader undoes it */
	if (!(p = memchr(m, '\n', len)))
		return 0;
	p++;
	/* the header block, up to the blank line */
	for (;;) {
		const char *c;
		size_t n;

		if (p >= e || (size_t)(p - m) > FAST_MAX_HEADER)
			return 0;
		if (!(nl = memchr(p, '\n', (size_t)(e - p))))
			return 0;
		n = (size_t)(nl - p);
		line++;
		if (n == 0)
			break;
		if ((eight = rd_mbox_header_bytes(p, n, 0)) < 0)
			return 0;
		if (*p == ' ' || *p == '\t') {
			if (kept_prev || eight)
				return 0;       /* folded: GMime unfolds it */
			p = nl + 1;
			continue;
		}
		if (!(c = memchr(p, ':', n)) || c == p)
			return 0;
		if (!name_bytes_ok(p, (size_t)(c - p), (size_t)(e - p)))
			return 0;
		{
			size_t nlen = (size_t)(c - p);
			const char *v = c + 1;
			size_t vlen;

			while (v < nl && (*v == ' ' || *v == '\t'))
				v++;
			vlen = (size_t)(nl - v);
			while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			/* bytes of 128 and up: only in the value of a header we
			 * keep, as UTF-8 (GMime keeps valid UTF-8 as it is and
			 * converts anything else from a fallback charset) */
			if (eight && (!fort_utf8_valid(v, vlen) || NAME_IS(p, nlen, "content-type") ||
				      NAME_IS(p, nlen, "content-transfer-encoding") || is_transport(p, nlen)))
				return 0;
			headers8 |= eight;
			if (NAME_IS(p, nlen, "content-type")) {
				if (have_ct++ || !plain_type(v, vlen))
					return 0;
				kept_prev = 1;  /* a folded Content-Type: GMime's */
			} else if (NAME_IS(p, nlen, "content-transfer-encoding")) {
				if (!value_is(v, vlen, "7bit") && !value_is(v, vlen, "8bit") && !value_is(v, vlen, "binary"))
					return 0;
				kept_prev = 1;
			} else if (NAME_IS(p, nlen, "content-disposition")) {
				return 0;       /* may name the part */
			} else if (is_transport(p, nlen)) {
				kept_prev = 0;
			} else {
				if (nh == FAST_MAX_HEADERS)
					return 0;
				h[nh].name = p;
				h[nh].nlen = nlen;
				h[nh].value = v;
				h[nh].vlen = vlen;
				nh++;
				kept_prev = 1;
			}
		}
		p = nl + 1;
	}
	body = nl + 1;
	blen = (size_t)(e - body);
	/* the newline before the next "From " line belongs to the separator
	 * (at the end of the file, GMime keeps it) */
	if (!last && blen && body[blen - 1] == '\n')
		blen--;

	*rc = rd_begin(r);
	for (size_t i = 0; i < nh && *rc >= 0; i++)
		if ((*rc = rd_text(r, h[i].name, h[i].nlen)) >= 0 && (*rc = rd_text(r, ": ", 2)) >= 0 &&
		    (*rc = rd_text(r, h[i].value, h[i].vlen)) >= 0)
			*rc = rd_text(r, "\n", 1);
	*rc = rd_finish(r, *rc);
	if (*rc >= 0) {
		size_t base = rd_push(r, "/", "part-1");
		rd_autotext at = { 0 };

		if ((*rc = rd_begin(r)) >= 0) {
			/* ASCII passes the UTF-8 check unchanged: the part's text
			 * is the file's, findings get their place in the file.
			 * Not for a message whose headers hold UTF-8: GMime read
			 * those until now, and its parts have no place in the
			 * file (the same output as before, so SARIF regions do
			 * not move between versions; giving them their place is
			 * a change of its own) */
			int plain = ascii(body, blen);

			if (r->sink->raw_at && !headers8 && plain)
				r->sink->raw_at(r->sink->ctx, (uint64_t)(body - map), line + 1);
			if (plain) {
				/* what rd_autotext_put gives ASCII (all of it, as it
				 * is), without its UTF-8 check */
				int t = blen ? rd_text(r, body, blen) : 0;

				*rc = t < 0 ? t : 0;
			} else if ((*rc = rd_autotext_put(r, &at, body, blen)) >= 0) {
				*rc = rd_autotext_flush(r, &at);
			}
			*rc = rd_finish(r, *rc);
		}
		rd_pop(r, base);
	}
	__atomic_add_fetch(&rd_mail_fast_taken, 1, __ATOMIC_RELAXED);
	return 1;
}

int rd_mbox(rd *r, rd_src *s, unsigned depth)
{
	struct stat sb;
	const char *map, *p, *e;
	size_t size, dropped = 0, base = r->logical.len;
	uint64_t line = 1;       /* of the message at P */
	unsigned n = 0;
	int rc = 0;

	if (!rd_mail_fast || s->fd < 0 || s->headpos != 0 || fstat(s->fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size < 5 || (uint64_t)sb.st_size > SIZE_MAX)
		return rd_mime(r, s, 1, depth);
	size = (size_t)sb.st_size;
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, s->fd, 0);
	if (map == MAP_FAILED)
		return rd_mime(r, s, 1, depth);
	if (memcmp(map, "From ", 5) != 0) {
		munmap((void *)map, size);
		return rd_mime(r, s, 1, depth);
	}
	madvise((void *)map, size, MADV_SEQUENTIAL);
	p = map;
	e = map + size;
	while (p < e && rc >= 0) {
		const char *next = memchr(p, '\n', (size_t)(e - p)), *q;
		uint64_t nlines = 1;
		int quoted = 0;
		char num[32];

		/* line by line to the next "From " line: counting lines and
		 * noting mboxrd quoting on the way */
		next = next ? next + 1 : e;
		while (next < e) {
			if (e - next >= 5 && memcmp(next, "From ", 5) == 0)
				break;
			if (*next == '>') {
				for (q = next; q < e && *q == '>'; q++)
					;
				if (e - q >= 5 && memcmp(q, "From ", 5) == 0)
					quoted = 1;
			}
			q = memchr(next, '\n', (size_t)(e - next));
			next = q ? q + 1 : e;
			nlines++;
		}
		n++;
		snprintf(num, sizeof num, "#%u", n);
		rd_push(r, num, NULL);
		if (!fast_message(r, map, line, p, (size_t)(next - p), next == e, quoted, &rc)) {
			/* GMime reads the message as a file of its own: without
			 * the line end that belongs to the next "From " line */
			size_t len = (size_t)(next - p);
			if (next < e) {
				len--;
				if (len && p[len - 1] == '\r')
					len--;
			}
			rc = rd_mime_one(r, p, len, depth);
		}
		rd_pop(r, base);
		line += nlines;
		p = next;
		if ((size_t)(p - map) - dropped >= FAST_DROP) {
			size_t upto = ((size_t)(p - map) & ~(size_t)0xfffff);
			madvise((void *)(map + dropped), upto - dropped, MADV_DONTNEED);
			dropped = upto;
		}
	}
	munmap((void *)map, size);
	return rc;
}
