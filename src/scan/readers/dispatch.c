/* dispatch.c - what a file is (scan_sniff) and which reader decodes it
 * (scan_read_container), plus what the readers share: sources, logical
 * paths, limits, text output. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "rd.h"

/* ---- sniffing ---- */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static int has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);
	return n >= k && strcasecmp(name + n - k, suffix) == 0;
}

static int starts(const unsigned char *h, size_t len, const void *magic, size_t k)
{
	return len >= k && memcmp(h, magic, k) == 0;
}

/* A header line "Name: value" (RFC 5322 field name: printable ASCII, no
 * colon, no space); returns the name length or 0. */
static size_t header_name(const unsigned char *p, size_t len)
{
	size_t i = 0;
	while (i < len && p[i] > 32 && p[i] < 127 && p[i] != ':')
		i++;
	return i > 0 && i < len && p[i] == ':' ? i : 0;
}

/* Does the head start with a mail header block?  A notes file of
 * "Name: value" lines must not be read as a mail (its lines would become
 * headers), so outside a .eml name we want mail-only fields. */
static int looks_like_mail(const unsigned char *h, size_t len, int eml_name)
{
	/* with their lengths: a header line is compared with each */
#define S(x) { x, sizeof(x) - 1 }
	static const struct { const char *s; size_t n; } strong[] = { S("from"), S("date"), S("message-id"),
		S("received"), S("return-path"), S("mime-version"), S("delivered-to"), S("x-mailer"),
		S("dkim-signature"), S("subject"), S("to") };
#undef S
	int nstrong = 0, have_from = 0, lines = 0;
	size_t i = 0;
	while (i < len) {
		const unsigned char *nl = memchr(h + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - h) : len, n;
		size_t ll = end - i;
		if (ll && h[end - 1] == '\r')
			ll--;
		if (ll == 0)
			break;                          /* end of the header block */
		if (h[i] == ' ' || h[i] == '\t') {
			if (!lines)
				return 0;                /* continuation first */
		} else if ((n = header_name(h + i, ll)) != 0) {
			lines++;
			for (size_t k = 0; k < sizeof strong / sizeof *strong; k++)
				if (strong[k].n == n && strncasecmp((const char *)h + i, strong[k].s, n) == 0) {
					nstrong++;
					have_from |= k == 0;
				}
		} else {
			return 0;
		}
		if (!nl)
			break;
		i = end + 1;
	}
	if (eml_name)
		return lines > 0 && nstrong > 0;
	return have_from && nstrong >= 3;
}

/* UTF-16 without a byte order mark (Windows exports): mostly ASCII-range
 * characters, so one byte of each pair is 0 and the other is text.
 * Returns 1 for little endian, 2 for big endian, 0 for neither. */
static int looks_like_utf16(const unsigned char *h, size_t len)
{
	size_t n = len & ~(size_t)1, pairs = 0, le = 0, be = 0;
	if (n > 1024)
		n = 1024;
	if (n < 16)
		return 0;
	for (size_t i = 0; i < n; i += 2, pairs++) {
		int t0 = h[i] >= 0x20 || h[i] == '\n' || h[i] == '\r' || h[i] == '\t';
		int t1 = h[i + 1] >= 0x20 || h[i + 1] == '\n' || h[i + 1] == '\r' || h[i + 1] == '\t';
		le += t0 && h[i + 1] == 0;
		be += t1 && h[i] == 0;
	}
	if (le * 10 >= pairs * 9)
		return 1;
	if (be * 10 >= pairs * 9)
		return 2;
	return 0;
}

/* mbox: a "From " separator line, then a header. */
static int looks_like_mbox(const unsigned char *h, size_t len)
{
	const unsigned char *nl;
	if (!starts(h, len, "From ", 5) || len < 7 || h[5] == ' ')
		return 0;
	nl = memchr(h, '\n', len);
	if (!nl || nl + 1 >= h + len)
		return 0;
	return header_name(nl + 1, len - (size_t)(nl + 1 - h)) != 0;
}

/* Bytes no text holds: a NUL, or more than one in 32 that are control
 * characters (other than tab, line feed, form feed, carriage return and
 * escape) or not UTF-8.  A sequence cut by the end of the head counts as
 * text. */
static int binary_content(const unsigned char *h, size_t len)
{
	size_t i, bad = 0;

	for (i = 0; i < len; i++) {
		unsigned c = h[i];

		if (c == 0)
			return 1;
		if (c >= 0x80) {
			size_t n = c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2 : c >= 0xF0 && c <= 0xF4 ? 3 : 0, k;

			for (k = 1; n && k <= n && i + k < len; k++)
				if ((h[i + k] & 0xC0) != 0x80)
					break;
			if (!n || (k <= n && i + k < len)) {
				bad++;
				continue;
			}
			i += n;
			continue;
		}
		bad += (c < 32 && c != '\t' && c != '\n' && c != '\f' && c != '\r' && c != 27) || c == 127;
	}
	return bad * 32 > len;
}

rd_format rd_sniff(const char *path, const unsigned char *h, size_t len)
{
	const char *name = base_name(path ? path : "");
	int eml = has_suffix(name, ".eml");

	/* Never a vault (or any SQLite database), nor its WAL or shared
	 * memory: their names alone are enough. */
	if (starts(h, len, "SQLite format 3", 16) || has_suffix(name, "-wal") ||
	    has_suffix(name, "-shm") || has_suffix(name, "-journal") ||
	    starts(h, len, "\x37\x7f\x06\x82", 4) || starts(h, len, "\x37\x7f\x06\x83", 4))
		return RD_SQLITE;
	if (starts(h, len, "PK\3\4", 4) || starts(h, len, "PK\5\6", 4))
		return RD_ZIP;
	if (starts(h, len, "\x1f\x8b", 2))
		return RD_GZIP;
	if (starts(h, len, "%PDF-", 5))
		return RD_PDF;
	if (starts(h, len, "\xff\xfe\0\0", 4))
		return RD_BINARY;                       /* UTF-32: not worth a reader */
	if (starts(h, len, "\xff\xfe", 2))
		return RD_UTF16LE;
	if (starts(h, len, "\xfe\xff", 2))
		return RD_UTF16BE;
	static const struct { const char *m; size_t n; } bin[] = {
		{ "\x89PNG", 4 }, { "\xff\xd8\xff", 3 }, { "GIF8", 4 }, { "II*\0", 4 }, { "MM\0*", 4 },
		{ "\x7f" "ELF", 4 }, { "MZ", 2 }, { "\xca\xfe\xba\xbe", 4 }, { "\xfe\xed\xfa\xce", 4 },
		{ "\xfe\xed\xfa\xcf", 4 }, { "\xcf\xfa\xed\xfe", 4 }, { "\xce\xfa\xed\xfe", 4 },
		{ "\0asm", 4 }, { "7z\xbc\xaf\x27\x1c", 6 }, { "Rar!\x1a\x07", 6 }, { "\xfd" "7zXZ", 5 },
		{ "\x28\xb5\x2f\xfd", 4 }, { "BZh", 3 }, { "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8 },
		{ "OggS", 4 }, { "fLaC", 4 }, { "ID3", 3 }, { "RIFF", 4 }, { "\x1a\x45\xdf\xa3", 4 },
		{ "wOFF", 4 }, { "wOF2", 4 }, { "\0\1\0\0\0", 5 }, { "OTTO", 4 },
	};
	/* a magic number alone does not make a file binary: "MZ1yGvKT..." is a
	 * token in a text file.  Decided by the content of the head. */
	/* the table only for a head whose first byte starts one of them (a
	 * bit per byte value, set from the table once; threads may race to
	 * the same values) */
	static uint64_t bin_first[4];
	static int bin_first_made;
	if (!__atomic_load_n(&bin_first_made, __ATOMIC_ACQUIRE)) {
		for (size_t i = 0; i < sizeof bin / sizeof *bin; i++)
			__atomic_fetch_or(&bin_first[(unsigned char)bin[i].m[0] >> 6],
					  1ull << ((unsigned char)bin[i].m[0] & 63), __ATOMIC_RELAXED);
		__atomic_store_n(&bin_first_made, 1, __ATOMIC_RELEASE);
	}
	if (len && (__atomic_load_n(&bin_first[h[0] >> 6], __ATOMIC_RELAXED) >> (h[0] & 63) & 1))
		for (size_t i = 0; i < sizeof bin / sizeof *bin; i++)
			if ((unsigned char)bin[i].m[0] == h[0] && starts(h, len, bin[i].m, bin[i].n) &&
			    binary_content(h, len))
				return RD_BINARY;
	if (len >= 12 && memcmp(h + 4, "ftyp", 4) == 0)
		return RD_BINARY;                       /* MP4, MOV, HEIC */
	if (memchr(h, '\0', len)) {
		switch (looks_like_utf16(h, len)) {
		case 1: return RD_UTF16LE_NOBOM;
		case 2: return RD_UTF16BE_NOBOM;
		default: return RD_BINARY;
		}
	}
	if (looks_like_mbox(h, len))
		return RD_MBOX;
	if (looks_like_mail(h, len, eml))
		return RD_EML;
	return RD_TEXT;
}

scan_kind scan_sniff(const char *path, const unsigned char *head, size_t headlen)
{
	switch (rd_sniff(path, head, headlen)) {
	case RD_TEXT:
		return SCAN_KIND_TEXT;
	case RD_BINARY:
	case RD_SQLITE:
		return SCAN_KIND_BINARY;
	default:
		return SCAN_KIND_CONTAINER;
	}
}

/* ---- sources ---- */

int rd_src_peek(rd_src *s)
{
	if (s->peeked)
		return 0;
	s->peeked = 1;
	while (s->headlen < sizeof s->head) {
		ssize_t n = s->read(s->ctx, s->head + s->headlen, sizeof s->head - s->headlen);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		s->headlen += (size_t)n;
	}
	return 0;
}

ssize_t rd_src_read(rd_src *s, void *buf, size_t len)
{
	if (s->headpos < s->headlen) {
		size_t n = s->headlen - s->headpos;
		if (n > len)
			n = len;
		memcpy(buf, s->head + s->headpos, n);
		s->headpos += n;
		return (ssize_t)n;
	}
	return s->read(s->ctx, buf, len);
}

int rd_src_slurp(rd_src *s, fort_buf *b, size_t max, int *too_large)
{
	char chunk[65536];
	*too_large = 0;
	for (;;) {
		ssize_t n = rd_src_read(s, chunk, sizeof chunk);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return 0;
		if (b->len + (size_t)n > max) {
			*too_large = 1;
			return 0;
		}
		if (fort_buf_put(b, chunk, (size_t)n) < 0)
			return FORT_ENOMEM;
	}
}

typedef struct {
	const char *path;
	int fd;
	off_t off;
} file_src;

static ssize_t file_read(void *ctx, void *buf, size_t len)
{
	file_src *f = ctx;
	ssize_t n;
	/* pread: the descriptor's offset stays at 0 for readers that hand it
	 * to a library (libarchive, GMime, poppler) */
	do
		n = pread(f->fd, buf, len, f->off);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fort_error_set(FORT_EIO, "%s: read failed: %s", f->path, strerror(errno));
	f->off += n;
	return n;
}

/* ---- logical paths, limits, sink ---- */

size_t rd_push(rd *r, const char *prefix, const char *name)
{
	size_t old = r->logical.len;
	const char *parts[2] = { prefix, name };
	for (int k = 0; k < 2; k++) {
		for (const char *p = parts[k]; p && *p; p++) {
			char c = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
			if (r->logical.len + 4 >= RD_MAX_LOGICAL) {
				(void)fort_buf_puts(&r->logical, "...");
				return old;
			}
			if (fort_buf_putc(&r->logical, c) < 0)
				return old;
		}
	}
	return old;
}

void rd_pop(rd *r, size_t len)
{
	if (len <= r->logical.len) {
		r->logical.len = len;
		r->logical.buf[len] = '\0';
	}
}

void rd_skipped(rd *r, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (r->sink->skipped)
		r->sink->skipped(r->sink->ctx, r->logical.buf, why);
}

int rd_account(rd *r, uint64_t n)
{
	if (r->total > UINT64_MAX - n || r->total + n > r->lim->max_total) {
		rd_skipped(r, "too large: more than %llu bytes decoded from this file; the rest is not read",
			   (unsigned long long)r->lim->max_total);
		return RD_STOP;
	}
	r->total += n;
	return 0;
}

static int sink_rc(rd *r, int rc)
{
	if (rc < 0)
		r->sink_failed = 1;
	return rc;
}

int rd_begin(rd *r)
{
	return r->sink->begin ? sink_rc(r, r->sink->begin(r->sink->ctx, r->logical.buf)) : 0;
}

int rd_text(rd *r, const char *buf, size_t len)
{
	return len && r->sink->text ? sink_rc(r, r->sink->text(r->sink->ctx, buf, len)) : 0;
}

int rd_end(rd *r)
{
	return r->sink->end ? sink_rc(r, r->sink->end(r->sink->ctx)) : 0;
}

int rd_finish(rd *r, int rc)
{
	int e;
	if (r->sink_failed)
		return rc;
	e = rd_end(r);
	return e < 0 ? e : rc;
}

/* ---- text of unknown encoding ---- */

/* The longest valid UTF-8 prefix of S; *CUT set when what follows is a
 * sequence that the end of the buffer cut short. */
static size_t utf8_prefix(const unsigned char *s, size_t n, int *cut)
{
	size_t i = 0;
	*cut = 0;
	while (i < n) {
		unsigned c;
		size_t k;
		unsigned min;
#ifdef __SSE2__
		/* ASCII sixteen bytes a step (mail text is mostly ASCII) */
		while (n - i >= 16 && !_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(const void *)(s + i))))
			i += 16;
		if (i == n)
			break;
#endif
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) { k = 1; min = 0x80; }
		else if (c >= 0xe0 && c <= 0xef) { k = 2; min = 0x800; }
		else if (c >= 0xf0 && c <= 0xf4) { k = 3; min = 0x10000; }
		else return i;
		unsigned cp = c & (0x3f >> k);
		for (size_t j = 1; j <= k; j++) {
			if (i + j >= n) {
				*cut = 1;
				return i;
			}
			if ((s[i + j] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += k + 1;
	}
	return i;
}

/* Windows-1252 0x80..0x9f; the rest of the range is Latin-1 (as
 * src/util/misc.c; copied so text streams through a fixed buffer). */
static const uint16_t cp1252_hi[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

static int at_out(rd *r, rd_autotext *t, const char *buf, size_t len)
{
	if (!len)
		return 0;
	return t->out ? t->out(t->octx, buf, len) : rd_text(r, buf, len);
}

static int put_cp1252(rd *r, rd_autotext *t, const unsigned char *s, size_t n)
{
	char out[4096];
	size_t o = 0;
	int rc;
	for (size_t i = 0; i < n; i++) {
		unsigned cp = s[i];
		if (o + 3 > sizeof out) {
			if ((rc = at_out(r, t, out, o)) < 0)
				return rc;
			o = 0;
		}
		if (cp >= 0x80 && cp < 0xa0)
			cp = cp1252_hi[cp - 0x80] ? cp1252_hi[cp - 0x80] : 0xfffd;
		if (cp < 0x80) {
			out[o++] = (char)cp;
		} else if (cp < 0x800) {
			out[o++] = (char)(0xc0 | cp >> 6);
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[o++] = (char)(0xe0 | cp >> 12);
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	return at_out(r, t, out, o);
}

int rd_autotext_put(rd *r, rd_autotext *t, const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	int rc, cut;
	size_t ok;
	if (t->cp1252)
		return put_cp1252(r, t, s, len);
	/* a sequence cut by the previous chunk: complete it first */
	while (t->ncarry && len) {
		t->carry[t->ncarry++] = *s++;
		len--;
		ok = utf8_prefix(t->carry, t->ncarry, &cut);
		if (ok == t->ncarry) {
			if ((rc = at_out(r, t, (const char *)t->carry, ok)) < 0)
				return rc;
			t->ncarry = 0;
		} else if (!cut || t->ncarry == sizeof t->carry) {
			t->cp1252 = 1;
			if ((rc = put_cp1252(r, t, t->carry, t->ncarry)) < 0)
				return rc;
			t->ncarry = 0;
			return put_cp1252(r, t, s, len);
		}
	}
	ok = utf8_prefix(s, len, &cut);
	if ((rc = at_out(r, t, (const char *)s, ok)) < 0)
		return rc;
	if (ok == len)
		return 0;
	if (cut) {
		memcpy(t->carry, s + ok, len - ok);
		t->ncarry = len - ok;
		return 0;
	}
	t->cp1252 = 1;
	return put_cp1252(r, t, s + ok, len - ok);
}

int rd_autotext_flush(rd *r, rd_autotext *t)
{
	int rc = 0;
	if (t->ncarry)
		rc = put_cp1252(r, t, t->carry, t->ncarry);
	t->ncarry = 0;
	return rc;
}

/* ---- dispatch ---- */

static int plain_text(rd *r, rd_src *s)
{
	char buf[65536];
	rd_autotext t = { 0 };
	int rc;
	ssize_t n;
	/* a UTF-8 BOM is not text */
	if (s->headlen >= 3 && memcmp(s->head, "\xef\xbb\xbf", 3) == 0)
		s->headpos = 3;
	if ((rc = rd_begin(r)) < 0)
		return rc;
	while ((n = rd_src_read(s, buf, sizeof buf)) > 0)
		if ((rc = rd_autotext_put(r, &t, buf, (size_t)n)) < 0)
			return rd_finish(r, rc);
	if (n < 0)
		return rd_finish(r, (int)n);
	return rd_finish(r, rd_autotext_flush(r, &t));
}

int rd_stream(rd *r, rd_src *s, const char *name, unsigned depth)
{
	int rc;
	rd_format f;
	if ((rc = rd_src_peek(s)) != 0)
		return rc;
	f = rd_sniff(name, s->head, s->headlen);
	switch (f) {
	case RD_TEXT:
		return plain_text(r, s);
	case RD_UTF16LE:
	case RD_UTF16BE:
		return rd_text_utf16(r, s, f == RD_UTF16BE, 1);
	case RD_UTF16LE_NOBOM:
	case RD_UTF16BE_NOBOM:
		return rd_text_utf16(r, s, f == RD_UTF16BE_NOBOM, 0);
	case RD_BINARY:
		rd_skipped(r, "binary");
		return 0;
	case RD_SQLITE:
		rd_skipped(r, "SQLite database: never opened");
		return 0;
	default:
		break;
	}
	if (depth > r->lim->max_depth) {
		rd_skipped(r, "too deep: more than %u nested containers", r->lim->max_depth);
		return 0;
	}
	switch (f) {
	case RD_ZIP:
		return rd_archive(r, s, name, depth, 0);
	case RD_GZIP:
		return rd_archive(r, s, name, depth, 1);
	case RD_PDF:
		return rd_pdf(r, s, depth);
	case RD_MBOX:
		return rd_mbox(r, s, depth);
	case RD_EML:
		return rd_mime(r, s, 0, depth);
	default:
		return 0;
	}
}

/* The file is open as FD (offset 0; FD stays the caller's) and its
 * first HEADLEN bytes are HEAD (NULL, 0: none read yet). */
static int read_container(int fd, const char *path, const unsigned char *head, size_t headlen,
			  const scan_limits *limits, const scan_sink *sink)
{
	static const scan_limits defaults = SCAN_LIMITS_DEFAULT;
	scan_limits lim;
	file_src f = { path, fd, 0 };
	rd_src s = { 0 };
	rd r = { 0 };
	int rc;

	fort_buf_init(&r.logical, RD_MAX_LOGICAL * 2);
	/* a zero limit is the default one, not "nothing at all": a
	 * zero-initialised scan_limits must not make every file "too deep" */
	lim = limits ? *limits : defaults;
	if (!lim.max_depth)
		lim.max_depth = defaults.max_depth;
	if (!lim.max_total)
		lim.max_total = defaults.max_total;
	if (!lim.max_ratio)
		lim.max_ratio = defaults.max_ratio;
	r.lim = &lim;
	r.sink = sink;
	r.path = path;
	/* all the room a logical path may take, now: rd_push() cannot fail */
	if ((rc = fort_buf_grow(&r.logical, RD_MAX_LOGICAL + 8)) < 0)
		goto out;
	s.read = file_read;
	s.ctx = &f;
	s.fd = fd;
	/* what the caller read already is the source's head: not read again
	 * (rd_src_peek tops it up to RD_HEAD) */
	if (head && headlen) {
		s.headlen = headlen < sizeof s.head ? headlen : sizeof s.head;
		memcpy(s.head, head, s.headlen);
		f.off = (off_t)s.headlen;
	}
	rc = rd_stream(&r, &s, path, 1);
	if (rc == RD_STOP || rc == RD_BROKEN)
		rc = 0;
out:
	fort_buf_release(&r.logical);
	return rc;
}

int scan_read_container_fd(int fd, const char *path, const unsigned char *head, size_t headlen,
			   const scan_limits *limits, const scan_sink *sink)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return fort_error_set(FORT_EINPUT, "%s: not a regular file", path);
	return read_container(fd, path, head, headlen, limits, sink);
}

int scan_read_container(const char *path, const scan_limits *limits, const scan_sink *sink)
{
	struct stat st;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fort_error_set(errno == ENOENT ? FORT_ENOTFOUND : FORT_EIO, "%s: cannot open: %s",
				      path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		rc = fort_error_set(FORT_EINPUT, "%s: not a regular file", path);
	else
		rc = read_container(fd, path, NULL, 0, limits, sink);
	close(fd);
	return rc;
}
