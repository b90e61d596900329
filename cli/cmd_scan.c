/* cmd_scan.c - `fortress scan PATH...`: find client data and secrets in
 * files.  The library walks, scans and masks (fort_scan_run); this file
 * parses options, renders text/JSON/CSV/SARIF, draws the progress bar and
 * keeps the baseline.  No vault needed.
 *
 * Exit: 0 nothing found, 1 findings, 2 an error (a usage error, a path that
 * does not exist, a file that could not be read: the scan is incomplete). */
#include <errno.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"
#include <sodium.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* scan -: standard input is read whole, at most this much */
#define STDIN_MAX ((size_t)256 << 20)

enum fmt { FMT_TEXT, FMT_JSON, FMT_CSV, FMT_SARIF, FMT_SPANS };

struct file_row {
	char *path;
	unsigned risk;
	uint64_t findings, suppressed, bytes;
	uint64_t by_type[FORT_SCAN_NTYPES];
};

/* SARIF's kept rules (scan_out.rule_key): RULE_WAYS a type (a type has
 * several rules, which alternate: Visa and Mastercard, NANP and
 * international phones; with one a type, one finding in five made its copy
 * again), the oldest replaced */
#define RULE_WAYS 4

/* A number and its decimal digits, kept to be written again: a finding's
 * line is mostly the line of the finding before it (three in four on the
 * anchors' corpus), its byte offset mostly in the same thousand (nine in
 * ten), and a copy of the kept digits costs less than making them. */
struct num_memo {
	uint64_t v;      /* the number whose digits D holds (UINT64_MAX: none yet) */
	uint64_t q;      /* v / 1000 when v >= 1000, else UINT64_MAX */
	size_t n;        /* its digits' count */
	char d[32];      /* the digits, then bytes of no meaning (whole-word stores) */
};

struct scan_out {
	struct cli *c;
	enum fmt fmt;
	int show_values;
	uint64_t n;                  /* findings printed */
	int failed;                  /* files that could not be read */
	fort_scan_baseline *write_bl;
	int fp_version;              /* the fingerprints' scheme (SARIF names it) */
	const char *fpv;             /* SARIF: its partialFingerprints key (sarif_fpv) */
	/* text: files with findings, for the summary */
	struct file_row *rows;
	size_t nrows, arows;
	/* SARIF: files and parts not scanned, as tool execution notifications */
	json_t *notes;
	/* the files with findings: how many (the check-up's count), and, for
	 * remediation only (keep_hits), their paths in walk order */
	char **hit_files;
	size_t nhit, ahit;
	int keep_hits;
	uint64_t known;              /* findings of known clients */
	/* progress bar */
	int progress, drawn;
	double start;
	int err;
	fort_buf line;               /* one finding's output, written at once */
	char *cache_path;            /* the last finding's file, and it escaped: */
	fort_buf jpath, upath, cpath; /* as a JSON string, as a URI, as a CSV cell */
	char *sp_path;               /* tsv-spans: the last finding's file, its base name */
	size_t sp_base, sp_blen;
	char sp_name[400 + 32];      /* tsv-spans: the base name, zeros after (copied 32 bytes at a time) */
	char *obuf;                  /* findings' output, written OBUF_SIZE bytes at a time */
	size_t olen;
	int odirect;                 /* stdout is a terminal: each finding written at once */
	fort_buf tpre;               /* text: the line's start for the last finding's file and part */
	char *tp_path, *tp_logical;
	int tp_ok;
	/* f->path of the file the caches above were made for (the path's
	 * escapes, tsv-spans' base name, text's line start), until that
	 * file's on_file: a file's findings all carry the same pointer (the
	 * library's, alive for the run), so a pointer compare, not a strcmp
	 * per finding; on_file clears them, so a pointer is never matched
	 * for another file */
	const char *cache_key, *sp_key, *tp_key;
	/* Each type's last rules (RULE_WAYS), their lengths and copies padded to 64
	 * bytes (rule_len 0xFF: too long for the pad), so a finding's rule is
	 * one fixed-size copy, not a strlen and a memcpy call */
	const char *rule_key[FORT_SCAN_NTYPES * RULE_WAYS];
	unsigned char rule_len[FORT_SCAN_NTYPES * RULE_WAYS];
	unsigned char rule_next[FORT_SCAN_NTYPES];   /* the type's way to replace next */
	unsigned char rule_csv[FORT_SCAN_NTYPES * RULE_WAYS];   /* 1: a CSV cell as it is (csv_put) */
	char rule_pad[FORT_SCAN_NTYPES * RULE_WAYS][64];
	/* the decoded formats' last line and byte offset written, with their
	 * digits (put_u64_same, put_u64_near) */
	struct num_memo line_memo, off_memo;
};

#define OBUF_SIZE ((size_t)1 << 16)

static const char *const type_label[FORT_SCAN_NTYPES] = {
	"Payment card number", "IBAN", "E-mail address", "Phone number", "US social security number",
	"UK National Insurance number", "Date of birth", "IP address", "Secret (password, API key, private key)",
	"Name of a known client",
};

/* 16 bytes each, copied whole (the output buffer has room), and the length */
static const struct { char s[16]; unsigned char n; } spans_name[FORT_SCAN_NTYPES] = {
	{ "CREDIT_CARD", 11 }, { "IBAN", 4 }, { "EMAIL", 5 }, { "PHONE", 5 }, { "SSN", 3 }, { "UK_NINO", 7 },
	{ "DOB", 3 }, { "IP_ADDRESS", 10 }, { "SECRET", 6 }, { "NAME", 4 }
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char *human(char *buf, size_t n, double bytes)
{
	static const char *const unit[] = { "B", "KB", "MB", "GB", "TB" };
	int u = 0;

	while (bytes >= 1000.0 && u < 4) {
		bytes /= 1000.0;
		u++;
	}
	snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", bytes, unit[u]);
	return buf;
}

static void clear_progress(struct scan_out *so)
{
	if (so->drawn) {
		fputs("\r\033[K", stderr);
		so->drawn = 0;
	}
}

static void on_progress(void *ctx, const fort_scan_progress *p)
{
	struct scan_out *so = ctx;
	char a[32], b[32], r[32], eta[32] = "--:--";
	double el = now_s() - so->start, rate = el > 0 ? (double)p->bytes_done / el : 0;
	int width = 20, fill = p->bytes_total ? (int)((double)width * (double)p->bytes_done / (double)p->bytes_total) : 0;
	char bar[32];
	int i;

	if (!so->progress)
		return;
	if (fill > width)
		fill = width;
	for (i = 0; i < width; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[width] = '\0';
	if (rate > 0 && p->bytes_total >= p->bytes_done) {
		double left = (double)(p->bytes_total - p->bytes_done) / rate;

		snprintf(eta, sizeof(eta), "%d:%02d", (int)(left / 60), (int)left % 60);
	}
	fprintf(stderr, "\r\033[K%s[%s]%s %llu/%llu files  %s/%s  %llu findings  %s/s  ETA %s",
		so->c->color_err ? "\033[36m" : "", bar, so->c->color_err ? "\033[0m" : "",
		(unsigned long long)p->files_done, (unsigned long long)p->files_total,
		human(a, sizeof(a), (double)p->bytes_done), human(b, sizeof(b), (double)p->bytes_total),
		(unsigned long long)p->findings, human(r, sizeof(r), rate), eta);
	fflush(stderr);
	so->drawn = 1;
}

/* ------------------------------------------------------------- rendering */

static void csv_cell(fort_buf *b, const char *s)
{
	fort_csv_cell(b, s, FORT_CSV_MINIMAL);
}

/* Kept as it is in a URI reference: unreserved characters and '/'. */
static int sc_uri_char(unsigned ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("-._~/", (int)ch));
}

/* A path as a relative URI reference (RFC 3986): unreserved and '/' kept. */
static char *uri_of(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path), i, o = 0;
	char *u = malloc(3 * n + 8);

	if (!u)
		return NULL;
	if (path[0] == '/')
		o += (size_t)sprintf(u, "file://");
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)path[i];

		if (sc_uri_char(ch)) {
			u[o++] = (char)ch;
		} else {
			u[o++] = '%';
			u[o++] = hex[ch >> 4];
			u[o++] = hex[ch & 15];
		}
	}
	u[o] = '\0';
	return u;
}

/* ---- writers: each finding is formatted into one buffer and written at
 * once; no document tree, so memory does not grow with the findings ---- */

/* S as a JSON string (quoted), ASCII only as json_dumps(JSON_ENSURE_ASCII)
 * writes it: non-ASCII as \uXXXX (surrogate pairs above U+FFFF); a byte
 * that is not UTF-8 as the code point of its value. */
/* 1: the byte stands for itself in a JSON string (printable ASCII but '"'
 * and '\\'); filled before the first finding is written. */
static unsigned char jsafe[256];

/* What a SARIF result holds that depends on the type and the confidence
 * only, written once: its start, up to the message's value
 * ('{"ruleId":..., "message":{"text":"LABEL (CONF confidence): ', the
 * last TEXT_LEN bytes from the '"' of the text), and the start of its
 * properties (',"properties":{"confidence":"CONF","rule":"'). */
struct msg_prefix {
	char s[256];
	size_t len, text_len;
	char props[64];
	size_t props_len;
};
static struct msg_prefix msg_prefix[FORT_SCAN_NTYPES][FORT_SCAN_HIGH + 1];

static void jsafe_init(void)
{
	for (unsigned c = 0x20; c < 0x80; c++)
		jsafe[c] = c != '"' && c != '\\';
	for (int t = 0; t < FORT_SCAN_NTYPES; t++)
		for (int k = FORT_SCAN_LOW; k <= FORT_SCAN_HIGH; k++) {
			struct msg_prefix *mp = &msg_prefix[t][k];
			const char *conf = fort_scan_confidence_name((fort_scan_confidence)k);
			const char *lv = k == FORT_SCAN_HIGH ? "error" : k == FORT_SCAN_MEDIUM ? "warning" : "note";
			int n = snprintf(mp->s, sizeof(mp->s),
					 "{\"ruleId\":\"%s\",\"ruleIndex\":%d,\"level\":\"%s\",\"message\":{\"text\":",
					 fort_scan_type_name((fort_scan_type)t), t, lv);
			int m = snprintf(mp->s + n, sizeof(mp->s) - (size_t)n, "\"%s (%s confidence): ", type_label[t], conf);

			mp->len = (size_t)(n + m);
			mp->text_len = (size_t)m;
			mp->props_len = (size_t)snprintf(mp->props, sizeof(mp->props),
							 ",\"properties\":{\"confidence\":\"%s\",\"rule\":\"", conf);
		}
}

/* The escape of the byte (or UTF-8 sequence) at S, which is neither NUL
 * nor JSON-safe, into U (at most 12 bytes): its length; *USED the bytes
 * of S it stands for. */
static size_t jesc_special(char u[12], const unsigned char *s, size_t *used)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned c = s[0], cp, n, k;
	size_t o = 0;

	if (c == '"' || c == '\\') {
		u[0] = '\\';
		u[1] = (char)c;
		*used = 1;
		return 2;
	}
	if (c < 0x20) {
		char e = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : c == '\b' ? 'b' : c == '\f' ? 'f' : 0;

		*used = 1;
		u[0] = '\\';
		if (e) {
			u[1] = e;
			return 2;
		}
		u[1] = 'u';
		u[2] = '0';
		u[3] = '0';
		u[4] = hex[c >> 4];
		u[5] = hex[c & 15];
		return 6;
	}
	n = c >= 0xF0 && c < 0xF5 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 && c < 0xE0 ? 1 : 0;
	cp = n == 3 ? c & 7 : n == 2 ? c & 15 : c & 31;
	for (k = 1; k <= n; k++) {
		if ((s[k] & 0xC0) != 0x80)
			break;
		cp = (cp << 6) | (s[k] & 63);
	}
	if (!n || k <= n || (n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp < 0xE000)) {
		cp = c;   /* not UTF-8 */
		n = 0;
	}
	*used = n + 1;
	if (cp >= 0x10000) {
		unsigned hi = 0xD800 + ((cp - 0x10000) >> 10);

		u[0] = '\\';
		u[1] = 'u';
		u[2] = hex[hi >> 12];
		u[3] = hex[(hi >> 8) & 15];
		u[4] = hex[(hi >> 4) & 15];
		u[5] = hex[hi & 15];
		o = 6;
		cp = 0xDC00 + ((cp - 0x10000) & 0x3FF);
	}
	u[o] = '\\';
	u[o + 1] = 'u';
	u[o + 2] = hex[cp >> 12];
	u[o + 3] = hex[(cp >> 8) & 15];
	u[o + 4] = hex[(cp >> 4) & 15];
	u[o + 5] = hex[cp & 15];
	return o + 6;
}

/* STR escaped as the inside of a JSON string (no quotes). */
static void jstr_body(fort_buf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run, used, n;
	char u[12];

	for (;;) {
		for (run = i; jsafe[s[run]]; run++)
			;
		if (run > i)
			fort_buf_put(b, s + i, run - i);
		i = run;
		if (!s[i])
			break;
		n = jesc_special(u, s + i, &used);
		fort_buf_put(b, u, n);
		i += used;
	}
}

static void jstr(fort_buf *b, const char *str)
{
	fort_buf_putc(b, '"');
	jstr_body(b, str);
	fort_buf_putc(b, '"');
}

/* A string of our own that needs no escaping (type, confidence and rule
 * names), quoted. */
static void jraw(fort_buf *b, const char *str)
{
	fort_buf_putc(b, '"');
	fort_buf_puts(b, str);
	fort_buf_putc(b, '"');
}

/* Two digits a step */
static const char d2[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
			 "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
			 "8081828384858687888990919293949596979899";

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* V (1 to 10^8 - 1) in decimal at O: up to eight digits in one word, no
 * table, no digit count first: two halves of four digits (a division by
 * 10000) in the word's two 32-bit lanes, each split by 100 into 16-bit
 * lanes, each of those by 10 into bytes (multiplications by 10486 / 2^20
 * and 103 / 2^10, exact for lanes under 10000 and 100), the first digit in
 * the lowest byte; the leading zero digits counted from the lowest set bit
 * and shifted out, the word stored whole: 8 bytes at O (every caller
 * leaves room for 20).  Checked against printf for every V under 10^8. */
static inline char *put_8d(char *o, uint32_t v)
{
	uint64_t hi = v / 10000, lo = v - hi * 10000, z = hi | (lo << 32);
	uint64_t q = ((z * 10486) >> 20) & 0x0000007F0000007FULL, d;
	unsigned t;

	z = ((z - q * 100) << 16) | q;
	d = ((z * 103) >> 10) & 0x000F000F000F000FULL;
	z = ((z - d * 10) << 8) | d;
	t = (unsigned)__builtin_ctzll(z) >> 3;
	z = (z + 0x3030303030303030ULL) >> (8 * t);
	memcpy(o, &z, 8);
	return o + 8 - t;
}
#endif

/* put_u64 for V of 10 and up: under 10^8 (nearly every number) by the
 * word's arithmetic below; larger, the length first, then two digits a
 * step from a table, written in place from the end. */
__attribute__((noinline)) static char *put_u64_big(char *o, uint64_t v)
{
	static const uint64_t p10[20] = {
		1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
		1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
		100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
		1000000000000000000ULL, 10000000000000000000ULL
	};
	char *e, *p;
	unsigned t;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (v < 100000000)
		return put_8d(o, (uint32_t)v);
#endif
	/* the digit count from the bit length (log10 2 ~ 1233 / 4096), one
	 * compare to settle it, instead of a compare per digit */
	t = ((unsigned)(64 - __builtin_clzll(v)) * 1233u) >> 12;
	t += v >= p10[t];
	e = p = o + t;
	while (v > UINT32_MAX) {
		uint64_t q = v / 100;

		p -= 2;
		memcpy(p, d2 + 2 * (v - q * 100), 2);
		v = q;
	}
	{
		/* 32-bit arithmetic for the rest (offsets under 4 GiB: all of it) */
		uint32_t w = (uint32_t)v;

		while (w >= 100) {
			uint32_t q = w / 100;

			p -= 2;
			memcpy(p, d2 + 2 * (w - q * 100), 2);
			w = q;
		}
		if (w >= 10)
			memcpy(p - 2, d2 + 2 * w, 2);
		else
			p[-1] = (char)('0' + w);
	}
	return e;
}

/* Decimal digits of V at O (at most 20; every caller leaves room for 20);
 * returns the end.  A finding prints two to four numbers, the column and
 * the length mostly under 100: those inline, the rest a call. */
static inline char *put_u64(char *o, uint64_t v)
{
	if (v < 100) {
		if (v < 10) {
			*o = (char)('0' + v);
			return o + 1;
		}
		memcpy(o, d2 + 2 * v, 2);
		return o + 2;
	}
	if (v < 1000) {
		/* a column past 100 (CSV rows, JSON lines: one finding in two
		 * on the anchors' corpus): (V * 41) >> 12 is V / 100 for every
		 * V under 1000, the rest two digits from the table, no call */
		unsigned h = ((unsigned)v * 41) >> 12;

		*o = (char)('0' + h);
		memcpy(o + 1, d2 + 2 * ((unsigned)v - h * 100), 2);
		return o + 3;
	}
	return put_u64_big(o, v);
}

/* The same for numbers mostly of 100 and up (a finding's line, its byte
 * offset): no call under 10^8. */
static inline char *put_u64_inl(char *o, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (v - 1 < 100000000 - 1)
		return put_8d(o, (uint32_t)v);
#endif
	return put_u64(o, v);
}

/* M made to hold V's digits. */
__attribute__((noinline)) static void num_memo_set(struct num_memo *m, uint64_t v)
{
	m->v = v;
	m->q = v >= 1000 ? v / 1000 : UINT64_MAX;
	m->n = (size_t)(put_u64_inl(m->d, v) - m->d);
}

static void num_memo_init(struct num_memo *m)
{
	m->v = m->q = UINT64_MAX;
	m->n = 0;
}

/* M's digits at O: 16 bytes copied whole when they fit (every caller
 * leaves room for 20 a number; what follows overwrites the rest). */
static inline char *put_memo(char *o, const struct num_memo *m)
{
	if (m->n <= 16)
		memcpy(o, m->d, 16);
	else
		memcpy(o, m->d, m->n);
	return o + m->n;
}

/* V in decimal at O, as put_u64_inl, for a number mostly the same as the
 * last one M was asked for (a finding's line): the kept digits copied. */
static inline char *put_u64_same(char *o, uint64_t v, struct num_memo *m)
{
	if (v != m->v)
		num_memo_set(m, v);
	return put_memo(o, m);
}

/* V in decimal at O, as put_u64_inl, for a number mostly in the same
 * thousand as the last one M was asked for (a finding's byte offset): the
 * kept digits copied (the same count, the same digits but the last three)
 * and the last three written; else made and kept.  (R * 41) >> 12 is R /
 * 100 for every R under 1000. */
static inline char *put_u64_near(char *o, uint64_t v, struct num_memo *m)
{
	uint64_t q = v / 1000;
	unsigned r, h;

	if (q != m->q) {
		num_memo_set(m, v);
		return put_memo(o, m);
	}
	o = put_memo(o, m);
	r = (unsigned)(v - q * 1000);
	h = (r * 41) >> 12;
	o[-3] = (char)('0' + h);
	memcpy(o - 2, d2 + 2 * (r - h * 100), 2);
	return o;
}

/* The same for numbers mostly of 100 and up (tsv-spans' offsets): one
 * compare before the call. */
static inline char *put_u64_wide(char *o, uint64_t v)
{
	if (v < 10) {
		*o = (char)('0' + v);
		return o + 1;
	}
	return put_u64_big(o, v);
}

/* tsv-spans' end offset, START + LEN, at O, where S (T digits) is START
 * as just written: a span mostly ends within the same thousand as it
 * starts, so START's digits are copied whole (8 bytes: the caller
 * leaves room, and overwrites what follows them) and only the last three
 * replaced; else put_u64_wide. */
static inline char *put_end(char *o, const char *s, size_t t, uint64_t start, uint64_t len)
{
	if (t >= 3 && t <= 8 && len < 1000) {
		uint32_t low = (uint32_t)(start % 1000) + (uint32_t)len;

		if (low < 1000) {
			uint32_t h = low / 100;
			uint64_t w;

			/* loaded, then stored: O may lie inside those 8 bytes */
			memcpy(&w, s, 8);
			memcpy(o, &w, 8);
			o[t - 3] = (char)('0' + h);
			memcpy(o + t - 2, d2 + 2 * (low - h * 100), 2);
			return o + t;
		}
	}
	return put_u64_wide(o, start + len);
}

/* Decimal digits of V into B: in place when there is room (20 digits and
 * the NUL), so no copy and no memcpy call per number. */
static void jnum(fort_buf *b, uint64_t v)
{
	char tmp[24];

	if (!b->err && b->alloc && b->alloc - b->len > 21) {
		b->len = (size_t)(put_u64(b->buf + b->len, v) - b->buf);
		b->buf[b->len] = '\0';
		return;
	}
	fort_buf_put(b, tmp, (size_t)(put_u64(tmp, v) - tmp));
}

/* ,"KEY": (KEY a string literal: no escaping, no strlen) */
#define JKEY(b, key, first) fort_buf_put((b), &(",\"" key "\":")[(first) ? 1 : 0], sizeof(",\"" key "\":") - 1 - ((first) ? 1 : 0))

/* The file of the last finding, escaped for JSON and as a URI: findings
 * come file by file, so each path is escaped once. */
/* 64 zero bytes past B's end, B's length unchanged (not when the append
 * fails: B may then have less room, which put_buf64 checks) */
static void buf_pad64(fort_buf *b)
{
	static const char zeros[64];
	size_t n = b->len;

	fort_buf_put(b, zeros, sizeof(zeros));
	if (!fort_buf_error(b))
		b->len = n;
}

static void path_cache(struct scan_out *so, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	if (path == so->cache_key)
		return;
	so->cache_key = path;
	if (so->cache_path && !strcmp(so->cache_path, path))
		return;
	free(so->cache_path);
	so->cache_path = strdup(path);
	fort_buf_reset(&so->jpath);
	jstr(&so->jpath, path);
	fort_buf_reset(&so->cpath);
	csv_cell(&so->cpath, path);
	fort_buf_reset(&so->upath);
	p = (const unsigned char *)path;
	if (*p == '/')
		fort_buf_puts(&so->upath, "file://");
	for (; *p; p++) {
		if (sc_uri_char(*p)) {
			fort_buf_putc(&so->upath, (char)*p);
		} else {
			char x[3] = { '%', hex[*p >> 4], hex[*p & 15] };

			fort_buf_put(&so->upath, x, 3);
		}
	}
	/* 64 zero bytes past the end of each, so the writers may copy them 64
	 * at a time (put_buf64 checks the room: a failed append leaves it to
	 * memcpy) */
	buf_pad64(&so->upath);
	buf_pad64(&so->jpath);
	buf_pad64(&so->cpath);
}

static void finding_json(fort_buf *b, struct scan_out *so, const fort_scan_finding *f)
{
	path_cache(so, f->path);
	fort_buf_putc(b, '{');
	JKEY(b, "file", 1);
	fort_buf_put(b, so->jpath.buf, so->jpath.len);
	if (f->logical[0]) {
		JKEY(b, "logical", 0);
		jstr(b, f->logical);
	}
	JKEY(b, "line", 0);
	jnum(b, f->line);
	JKEY(b, "column", 0);
	jnum(b, f->column);
	JKEY(b, "offset", 0);
	jnum(b, f->offset);
	JKEY(b, "length", 0);
	jnum(b, f->length);
	JKEY(b, "type", 0);
	jraw(b, fort_scan_type_name(f->type));
	JKEY(b, "confidence", 0);
	jraw(b, fort_scan_confidence_name(f->confidence));
	JKEY(b, "rule", 0);
	jraw(b, f->rule);
	if (f->known_client) {
		JKEY(b, "known_client", 0);
		fort_buf_puts(b, "true");
	}
	JKEY(b, "excerpt", 0);
	jstr(b, f->masked);
	if (so->show_values && f->value) {
		JKEY(b, "value", 0);
		jstr(b, f->value);
	}
	if (f->fingerprint[0]) {
		JKEY(b, "fingerprint", 0);
		jstr(b, f->fingerprint);
	}
	fort_buf_putc(b, '}');
}

/* One SARIF result.  Where the finding sits in a decoded part (LOGICAL
 * set: a mail part, an archive member, an office document's text) the
 * region is its place in the file when the part's text is the file's bytes
 * (a mail part not encoded: FILE_LINE set); else no byte offset into the
 * file exists, the region gives the line and column in the part, and the
 * result says so in its properties (positionIn). */
#define PUTLIT(b, lit) fort_buf_put((b), (lit), sizeof(lit) - 1)

static void finding_sarif(fort_buf *b, struct scan_out *so, const fort_scan_finding *f)
{
	int raw = !f->logical[0] || f->file_line;   /* a position in the file itself */
	const struct msg_prefix *mp = &msg_prefix[f->type][f->confidence];
	const char *shown = so->show_values && f->value ? f->value : f->masked;
	size_t shown_len = strlen(shown);
	char text[256];

	path_cache(so, f->path);
	if (mp->len && mp->text_len - 1 + shown_len < sizeof(text)) {
		/* what the snprintf below gives when nothing is cut, without it */
		fort_buf_put(b, mp->s, mp->len);
		jstr_body(b, shown);
		fort_buf_putc(b, '"');
	} else {
		fort_buf_put(b, mp->s, mp->len - mp->text_len);
		snprintf(text, sizeof(text), "%s (%s confidence): %s", type_label[f->type],
			 fort_scan_confidence_name(f->confidence), shown);
		jstr(b, text);
	}
	PUTLIT(b, "},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"");
	fort_buf_put(b, so->upath.buf, so->upath.len);
	PUTLIT(b, "\"},\"region\":{\"startLine\":");
	jnum(b, raw ? f->file_line : f->line);
	PUTLIT(b, ",\"startColumn\":");
	jnum(b, f->column);
	if (raw) {
		PUTLIT(b, ",\"byteOffset\":");
		jnum(b, f->file_offset);
		PUTLIT(b, ",\"byteLength\":");
		jnum(b, f->length);
	}
	PUTLIT(b, "}}");
	if (f->logical[0]) {
		PUTLIT(b, ",\"logicalLocations\":[{\"fullyQualifiedName\":");
		jstr(b, f->logical);
		PUTLIT(b, ",\"kind\":\"member\"}]");
	}
	PUTLIT(b, "}]");
	if (f->fingerprint[0]) {
		if (so->fp_version == 1)
			PUTLIT(b, ",\"partialFingerprints\":{\"fortressFinding/v1\":\"");
		else if (so->fp_version == 2)
			PUTLIT(b, ",\"partialFingerprints\":{\"fortressFinding/v2\":\"");
		else
			PUTLIT(b, ",\"partialFingerprints\":{\"fortressFinding/v3\":\"");
		fort_buf_put(b, f->fingerprint, 32);
		PUTLIT(b, "\"}");
	}
	fort_buf_put(b, mp->props, mp->props_len);
	fort_buf_puts(b, f->rule);
	fort_buf_putc(b, '"');
	if (f->known_client)
		PUTLIT(b, ",\"knownClient\":true");
	/* a part not encoded has its position in the file; else line and
	 * column count in the decoded part */
	if (f->logical[0] && raw)
		PUTLIT(b, ",\"positionIn\":\"file\"");
	else if (f->logical[0])
		PUTLIT(b, ",\"positionIn\":\"decoded part\"");
	PUTLIT(b, "}}");
}

/* Start B with what goes before the next element of the findings array. */
static void json_item_start(struct scan_out *so, fort_buf *b)
{
	fort_buf_reset(b);
	if (so->n)
		fort_buf_put(b, ",\n    ", 6);
	else
		fort_buf_put(b, "\n    ", 5);
}

static void out_flush(struct scan_out *so)
{
	if (so->olen && fwrite(so->obuf, 1, so->olen, stdout) != so->olen && !so->err)
		so->err = FORT_EIO;
	so->olen = 0;
}

/* Findings go to one buffer written in large pieces (no stdio call per
 * finding); whatever else the command prints comes after out_flush. */
static void out_put(struct scan_out *so, const void *p, size_t n)
{
	if (so->olen + n > OBUF_SIZE) {
		out_flush(so);
		if (n > OBUF_SIZE) {
			if (fwrite(p, 1, n, stdout) != n && !so->err)
				so->err = FORT_EIO;
			return;
		}
	}
	memcpy(so->obuf + so->olen, p, n);
	so->olen += n;
}

/* ---- the common finding written straight into the findings' buffer:
 * its size bounded first (a number at most 20 bytes, an escaped byte at
 * most 6), the parts that depend only on the type and the confidence made
 * once per run, the file's escaped path once per file, each string of the
 * finding gone over once.  The same bytes as the writers above, which
 * still write a finding too large for the buffer. ---- */

/* Room for N bytes at the end of the findings' buffer, flushed first if
 * need be; NULL when N is more than the buffer holds. */
static char *out_room(struct scan_out *so, size_t n)
{
	if (so->olen + n > OBUF_SIZE) {
		out_flush(so);
		if (n > OBUF_SIZE)
			return NULL;
	}
	return so->obuf + so->olen;
}

static char *put_mem(char *o, const void *p, size_t n)
{
	memcpy(o, p, n);
	return o + n;
}

/* N bytes of P at O where P may be read, and O written, to 64 (128) bytes
 * past their start: one fixed-size copy (no library call) when N fits;
 * the bytes written past N are overwritten by what follows or left unused
 * in the room the caller made. */
static inline char *put_pad64(char *o, const void *p, size_t n)
{
	if (n <= 64)
		memcpy(o, p, 64);
	else
		memcpy(o, p, n);
	return o + n;
}

static inline char *put_pad128(char *o, const void *p, size_t n)
{
	if (n <= 128)
		memcpy(o, p, 128);
	else
		memcpy(o, p, n);
	return o + n;
}

/* B's contents at O, 64 bytes a copy when B has 64 bytes of room past
 * them (buf_pad64); O may be written to 64 bytes past its start. */
static inline char *put_buf64(char *o, const fort_buf *b)
{
	if (b->alloc >= b->len + 64)
		return put_pad64(o, b->buf, b->len);
	return put_mem(o, b->buf, b->len);
}

/* A mask (fort_scan_finding.masked: 16 readable bytes past its NUL) of N
 * bytes at O, which may be written to 32 bytes past its start: one
 * 16-byte copy (N up to 16) or a 32-byte one (N of 16 to 32: N + 17
 * bytes readable). */
static inline char *put_mask(char *o, const char *s, size_t n)
{
	if (n <= 16)
		memcpy(o, s, 16);
	else if (n <= 32)
		memcpy(o, s, 32);
	else
		memcpy(o, s, n);
	return o + n;
}

/* F's rule kept for its type (so->rule_key: a type's last RULE_WAYS
 * rules, the oldest replaced), its slot returned: rule_len its length
 * (0xFF: 64 bytes or more, not padded), rule_pad it padded with zeros to
 * 64 bytes, rule_csv whether it is a CSV cell as it is.  Rules are the
 * detectors' static strings: one pointer, one rule. */
static inline size_t rule_slot(struct scan_out *so, const fort_scan_finding *f)
{
	size_t rs = (size_t)f->type * RULE_WAYS, rl;
	unsigned w;

	for (w = 0; w < RULE_WAYS && f->rule != so->rule_key[rs + w]; w++)
		;
	if (w < RULE_WAYS)
		return rs + w;
	rs += so->rule_next[f->type];
	so->rule_next[f->type] = (unsigned char)((so->rule_next[f->type] + 1) % RULE_WAYS);
	rl = strlen(f->rule);
	so->rule_key[rs] = f->rule;
	so->rule_len[rs] = rl < 64 ? (unsigned char)rl : 0xFF;
	so->rule_csv[rs] = rl && !fort_csv_formula(f->rule) && !strpbrk(f->rule, ",\"\n\r");
	memset(so->rule_pad[rs], 0, 64);
	if (rl < 64)
		memcpy(so->rule_pad[rs], f->rule, rl);
	return rs;
}

/* The kept rule of slot RS (F's) at O, which may be written to 64 bytes
 * past its start. */
static inline char *put_rule(char *o, const struct scan_out *so, size_t rs, const fort_scan_finding *f)
{
	if (so->rule_len[rs] != 0xFF)
		return put_pad64(o, so->rule_pad[rs], so->rule_len[rs]);
	return put_mem(o, f->rule, strlen(f->rule));
}

/* S (N bytes) escaped as the inside of a JSON string at O (as
 * jstr_body); returns the end.  At most 6 bytes per byte of S.  Sixteen
 * bytes a step while none needs escaping (a masked value never does). */
static char *jesc(char *o, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str, *e = s + n;

	for (;;) {
		char u[12];
		size_t used, k;

#ifdef __SSE2__
		while (e - s >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
			/* below 0x20 or 0x80 and up (signed), '"', '\\' */
			__m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
						   _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
								_mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));

			if (_mm_movemask_epi8(bad))
				break;
			_mm_storeu_si128((__m128i *)(void *)o, v);
			s += 16;
			o += 16;
		}
#endif
		/* most strings are excerpts of 8 to 15 bytes: 8 bytes at a time
		 * as one word while 8 lie before E, tested together for a byte
		 * below 0x20 (NUL too), of 0x80 and up, '"' or '\\' (each test
		 * exact for "any byte"), then the byte loop */
		while (e - s >= 8) {
			uint64_t w, q, b;

			memcpy(&w, s, 8);
			q = w ^ 0x2222222222222222ull;
			b = w ^ 0x5C5C5C5C5C5C5C5Cull;
			if ((((w - 0x2020202020202020ull) & ~w) | ((q - 0x0101010101010101ull) & ~q) |
			     ((b - 0x0101010101010101ull) & ~b) | w) & 0x8080808080808080ull)
				break;
			memcpy(o, &w, 8);
			s += 8;
			o += 8;
		}
		while (jsafe[*s])
			*o++ = (char)*s++;
		if (!*s)
			return o;
		k = jesc_special(u, s, &used);
		o = put_mem(o, u, k);
		s += used;
	}
}

/* A finding's mask (N bytes) escaped as jesc does: the library leaves 16
 * readable bytes past its NUL (fort_scan_finding.masked), so N + 17 bytes
 * may be read: a mask of up to 32 bytes is tested in one 16-byte step (N
 * up to 16) or two (N of 16 and up: 33 bytes readable), the bytes past N
 * left out, and stored whole when none needs escaping (most masks are 8
 * to 25 bytes of digits, letters, stars and separators); else jesc. */
#ifdef __SSE2__
static inline __m128i jbad(__m128i v)
{
	/* below 0x20 or 0x80 and up (signed), '"', '\\' */
	return _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
			    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
}
#endif

static inline char *jesc_mask(char *o, const char *s, size_t n)
{
#ifdef __SSE2__
	if (n - 1 < 32) {
		const __m128i iota = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)s);

		if (n <= 16) {
			__m128i in = _mm_cmplt_epi8(iota, _mm_set1_epi8((char)n));

			if (!_mm_movemask_epi8(_mm_and_si128(jbad(a), in))) {
				_mm_storeu_si128((__m128i *)(void *)o, a);
				return o + n;
			}
		} else {
			__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
			__m128i in = _mm_cmplt_epi8(iota, _mm_set1_epi8((char)(n - 16)));

			if (!_mm_movemask_epi8(_mm_or_si128(jbad(a), _mm_and_si128(jbad(b), in)))) {
				_mm_storeu_si128((__m128i *)(void *)o, a);
				_mm_storeu_si128((__m128i *)(void *)(o + 16), b);
				return o + n;
			}
		}
	}
#endif
	return jesc(o, s, n);
}

#ifdef __SSE2__
/* The bytes of V that make a CSV cell quoted: , " LF CR. */
static inline __m128i csv_bad(__m128i v)
{
	return _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(',')), _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))),
			    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))));
}
#endif

/* S as a CSV cell at O (as fort_csv_cell with FORT_CSV_MINIMAL): as it is
 * unless it holds NUL , " CR LF or starts like a formula, else quoted
 * with '"' doubled (and an apostrophe before a formula).  At most
 * 2 * strlen(S) + 3 bytes. */
static char *csv_put(char *o, const char *s, size_t n)
{
	int formula;
	size_t i = 0;

	if (!n)
		return o;       /* an empty cell: nothing to write */
	formula = fort_csv_formula(s);
	if (!formula) {
#ifdef __SSE2__
		if (n <= 32) {
			/* a short cell (a rule, an excerpt): copied to 32
			 * zeroed bytes, tested in two steps, no byte loop */
			char t[32] = { 0 };
			__m128i a, b, bad;

			memcpy(t, s, n);
			a = _mm_loadu_si128((const __m128i *)(const void *)t);
			b = _mm_loadu_si128((const __m128i *)(const void *)(t + 16));
			bad = _mm_or_si128(csv_bad(a), csv_bad(b));
			if (!_mm_movemask_epi8(bad))
				return put_mem(o, s, n);
			goto quote;
		}
		for (; i + 16 <= n; i += 16) {
			if (_mm_movemask_epi8(csv_bad(_mm_loadu_si128((const __m128i *)(const void *)(s + i)))))
				break;
		}
#endif
		for (; i < n; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c < '-' && (c == ',' || c == '"' || c == '\n' || c == '\r'))
				break;
		}
		if (i == n)
			return put_mem(o, s, n);
	}
#ifdef __SSE2__
quote:
#endif
	*o++ = '"';
	if (formula)
		*o++ = '\'';
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			*o++ = '"';
		*o++ = s[i];
	}
	*o++ = '"';
	return o;
}

/* A mask (fort_scan_finding.masked: 16 readable bytes past its NUL) of N
 * bytes as a CSV cell at O (as csv_put), which may be written to 32 bytes
 * past its start: a mask of 1 to 32 bytes that does not start like a
 * formula is tested in one 16-byte step (N up to 16) or two (N + 17
 * bytes readable), the bytes past N left out, and stored whole when none
 * makes it quoted; else csv_put. */
static inline char *csv_mask(char *o, const char *s, size_t n)
{
#ifdef __SSE2__
	if (n - 1 < 32 && !fort_csv_formula(s)) {
		const __m128i iota = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)s);

		if (n <= 16) {
			__m128i in = _mm_cmplt_epi8(iota, _mm_set1_epi8((char)n));

			if (!_mm_movemask_epi8(_mm_and_si128(csv_bad(a), in))) {
				_mm_storeu_si128((__m128i *)(void *)o, a);
				return o + n;
			}
		} else {
			__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
			__m128i in = _mm_cmplt_epi8(iota, _mm_set1_epi8((char)(n - 16)));

			if (!_mm_movemask_epi8(_mm_or_si128(csv_bad(a), _mm_and_si128(csv_bad(b), in)))) {
				_mm_storeu_si128((__m128i *)(void *)o, a);
				_mm_storeu_si128((__m128i *)(void *)(o + 16), b);
				return o + n;
			}
		}
	}
#endif
	return csv_put(o, s, n);
}

/* The parts of a text or JSON line that depend on the type, the
 * confidence (and for text whether the client is known) only. */
struct mid {
	char s[160];
	size_t len;
};
static struct mid text_mid[FORT_SCAN_NTYPES][FORT_SCAN_HIGH + 1][2];
static struct mid json_mid[FORT_SCAN_NTYPES][FORT_SCAN_HIGH + 1];
static struct mid csv_mid[FORT_SCAN_NTYPES][FORT_SCAN_HIGH + 1];

static void mid_init(const struct cli *c)
{
	for (int t = 0; t < FORT_SCAN_NTYPES; t++)
		for (int k = FORT_SCAN_LOW; k <= FORT_SCAN_HIGH; k++) {
			const char *tn = fort_scan_type_name((fort_scan_type)t);
			const char *cn = fort_scan_confidence_name((fort_scan_confidence)k);

			for (int kc = 0; kc < 2; kc++)
				text_mid[t][k][kc].len = (size_t)snprintf(text_mid[t][k][kc].s, sizeof(text_mid[t][k][kc].s),
									  ": %s%s%s (%s%s) ", cli_bold(c), tn, cli_reset(c), cn,
									  kc ? ", known client" : "");
			json_mid[t][k].len = (size_t)snprintf(json_mid[t][k].s, sizeof(json_mid[t][k].s),
							      ",\"type\":\"%s\",\"confidence\":\"%s\",\"rule\":\"", tn, cn);
			csv_mid[t][k].len = (size_t)snprintf(csv_mid[t][k].s, sizeof(csv_mid[t][k].s), "%s,%s,", tn, cn);
		}
}

/* The text line's start for the last finding's file and part: the path
 * and the part, in bold where the terminal shows it, and ':'. */
static int text_prefix(struct scan_out *so, const fort_scan_finding *f)
{
	if (so->tp_ok && so->tp_path && (f->path == so->tp_key || !strcmp(so->tp_path, f->path)) &&
	    (f->logical[0] ? !strcmp(so->tp_logical, f->logical) : !so->tp_logical[0])) {
		so->tp_key = f->path;
		return 0;
	}
	so->tp_key = NULL;
	free(so->tp_path);
	free(so->tp_logical);
	so->tp_path = strdup(f->path);
	so->tp_logical = strdup(f->logical);
	so->tp_ok = so->tp_path && so->tp_logical;
	if (!so->tp_ok)
		return FORT_ENOMEM;
	so->tp_key = f->path;
	fort_buf_reset(&so->tpre);
	fort_buf_puts(&so->tpre, cli_bold(so->c));
	fort_buf_puts(&so->tpre, f->path);
	fort_buf_puts(&so->tpre, f->logical);
	fort_buf_puts(&so->tpre, cli_reset(so->c));
	fort_buf_putc(&so->tpre, ':');
	if (fort_buf_error(&so->tpre))
		return fort_buf_error(&so->tpre);
	buf_pad64(&so->tpre);
	return 0;
}

/* 1: written; 0: too large for the buffer (the caller formats it the slow
 * way); a FORT_E* code: no memory. */
static int text_fast(struct scan_out *so, const fort_scan_finding *f)
{
	const char *shown = so->show_values && f->value ? f->value : f->masked;
	const struct mid *m = &text_mid[f->type][f->confidence][!!f->known_client];
	size_t sl = strlen(shown), rs = rule_slot(so, f);
	size_t rl = so->rule_len[rs] != 0xFF ? so->rule_len[rs] : strlen(f->rule);
	int r;
	char *o, *o0;

	if ((r = text_prefix(so, f)) < 0)
		return r;
	/* + 64: the fixed-size copies' overrun */
	if (!(o = o0 = out_room(so, so->tpre.len + 2 * 20 + 1 + m->len + sl + 3 + rl + 2 + 64)))
		return 0;
	o = put_buf64(o, &so->tpre);
	o = put_u64_same(o, f->line, &so->line_memo);
	*o++ = ':';
	o = put_u64(o, f->column);
	o = put_pad64(o, m->s, m->len);   /* mid.s: 160 bytes */
	o = shown == f->masked ? put_mask(o, shown, sl) : put_mem(o, shown, sl);
	o = put_mem(o, "  [", 3);
	o = put_rule(o, so, rs, f);
	o = put_mem(o, "]\n", 2);
	so->olen += (size_t)(o - o0);
	return 1;
}

static int json_fast(struct scan_out *so, const fort_scan_finding *f)
{
	const struct mid *m = &json_mid[f->type][f->confidence];
	const char *value = so->show_values ? f->value : NULL;
	size_t ll = f->logical[0] ? strlen(f->logical) : 0, ml = strlen(f->masked), rs = rule_slot(so, f);
	size_t rl = so->rule_len[rs] != 0xFF ? so->rule_len[rs] : strlen(f->rule);
	size_t vl = value ? strlen(value) : 0, fl = f->fingerprint[0] ? strlen(f->fingerprint) : 0;
	char *o, *o0;

	path_cache(so, f->path);
	if (!(o = o0 = out_room(so, 6 + 9 + so->jpath.len + 13 + 6 * ll + 4 * (12 + 20) + m->len + rl + 20 + 13 +
					   6 * ml + 11 + 6 * vl + 17 + 6 * fl + 2 + 64)))   /* + the 64-byte copies' overrun */
		return 0;
	o = so->n ? put_mem(o, ",\n    {\"file\":", 14) : put_mem(o, "\n    {\"file\":", 13);
	o = put_buf64(o, &so->jpath);
	if (ll) {
		o = put_mem(o, ",\"logical\":\"", 12);
		o = jesc(o, f->logical, ll);
		*o++ = '"';
	}
	o = put_mem(o, ",\"line\":", 8);
	o = put_u64_same(o, f->line, &so->line_memo);
	o = put_mem(o, ",\"column\":", 10);
	o = put_u64(o, f->column);
	o = put_mem(o, ",\"offset\":", 10);
	o = put_u64_near(o, f->offset, &so->off_memo);
	o = put_mem(o, ",\"length\":", 10);
	o = put_u64(o, f->length);
	o = put_pad64(o, m->s, m->len);   /* mid.s: 160 bytes */
	o = put_rule(o, so, rs, f);
	*o++ = '"';
	if (f->known_client)
		o = put_mem(o, ",\"known_client\":true", 20);
	o = put_mem(o, ",\"excerpt\":\"", 12);
	o = jesc_mask(o, f->masked, ml);
	*o++ = '"';
	if (value) {
		o = put_mem(o, ",\"value\":\"", 10);
		o = jesc(o, value, vl);
		*o++ = '"';
	}
	if (fl) {
		o = put_mem(o, ",\"fingerprint\":\"", 16);
		o = jesc(o, f->fingerprint, fl);
		*o++ = '"';
	}
	*o++ = '}';
	so->olen += (size_t)(o - o0);
	return 1;
}

static int csv_fast(struct scan_out *so, const fort_scan_finding *f)
{
	const struct mid *m = &csv_mid[f->type][f->confidence];
	size_t ll = f->logical[0] ? strlen(f->logical) : 0, ml = strlen(f->masked), rs = rule_slot(so, f);
	size_t rl = so->rule_len[rs] != 0xFF ? so->rule_len[rs] : strlen(f->rule);
	size_t fl = f->fingerprint[0] ? strlen(f->fingerprint) : 0;
	size_t vl = so->show_values && f->value ? strlen(f->value) : 0;
	char *o, *o0;

	path_cache(so, f->path);
	/* + 64: the fixed-size copies' overrun */
	if (!(o = o0 = out_room(so, so->cpath.len + 1 + 2 * ll + 3 + 1 + 4 * 21 + m->len + 2 * rl + 3 + 1 +
					   2 * ml + 3 + 1 + 2 * fl + 3 + 1 + 2 * vl + 3 + 1 + 64)))
		return 0;
	o = put_buf64(o, &so->cpath);
	*o++ = ',';
	if (ll)
		o = csv_put(o, f->logical, ll);
	*o++ = ',';
	o = put_u64_same(o, f->line, &so->line_memo);
	*o++ = ',';
	o = put_u64(o, f->column);
	*o++ = ',';
	o = put_u64_near(o, f->offset, &so->off_memo);
	*o++ = ',';
	o = put_u64(o, f->length);
	*o++ = ',';
	o = put_pad64(o, m->s, m->len);   /* mid.s: 160 bytes */
	o = so->rule_csv[rs] ? put_rule(o, so, rs, f) : csv_put(o, f->rule, rl);
	*o++ = ',';
	o = csv_mask(o, f->masked, ml);
	*o++ = ',';
	o = csv_put(o, f->fingerprint, fl);
	if (so->show_values) {
		*o++ = ',';
		o = csv_put(o, f->value ? f->value : "", vl);
	}
	*o++ = '\n';
	so->olen += (size_t)(o - o0);
	return 1;
}

/* SARIF's partialFingerprints key by scheme (scan_out.fpv: chosen once) */
static const char sarif_fpv[3][47] = { ",\"partialFingerprints\":{\"fortressFinding/v1\":\"",
				       ",\"partialFingerprints\":{\"fortressFinding/v2\":\"",
				       ",\"partialFingerprints\":{\"fortressFinding/v3\":\"" };

static int sarif_fast(struct scan_out *so, const fort_scan_finding *f)
{
	int raw = !f->logical[0] || f->file_line;
	const struct msg_prefix *mp = &msg_prefix[f->type][f->confidence];
	const char *shown = so->show_values && f->value ? f->value : f->masked;
	size_t sl = strlen(shown), ll = f->logical[0] ? strlen(f->logical) : 0, rl, rs = rule_slot(so, f);
	char *o, *o0;

	rl = so->rule_len[rs] != 0xFF ? so->rule_len[rs] : strlen(f->rule);
	/* a message the slow writer would cut (its 256-byte buffer) */
	if (!mp->len || mp->text_len - 1 + sl >= 256)
		return 0;
	path_cache(so, f->path);
	/* 128 bytes of room past the bound: the fixed-size copies' overrun */
	if (!(o = o0 = out_room(so, 6 + mp->len + 6 * sl + 1 + 64 + so->upath.len + 4 * (20 + 16) + 2 + 45 + 6 * ll +
					   19 + 2 + 46 + 32 + 2 + mp->props_len + rl + 1 + 19 + 26 + 2 + 128)))
		return 0;
	o = so->n ? put_mem(o, ",\n    ", 6) : put_mem(o, "\n    ", 5);
	o = put_pad128(o, mp->s, mp->len);   /* msg_prefix.s: 256 bytes */
	o = shown == f->masked ? jesc_mask(o, shown, sl) : jesc(o, shown, sl);
#define PUTL(lit) (o = put_mem(o, (lit), sizeof(lit) - 1))
	PUTL("\"},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"");
	if (so->upath.alloc >= so->upath.len + 64)
		o = put_pad64(o, so->upath.buf, so->upath.len);
	else
		o = put_mem(o, so->upath.buf, so->upath.len);
	PUTL("\"},\"region\":{\"startLine\":");
	o = put_u64_same(o, raw ? f->file_line : f->line, &so->line_memo);
	PUTL(",\"startColumn\":");
	o = put_u64(o, f->column);
	if (raw) {
		PUTL(",\"byteOffset\":");
		o = put_u64_near(o, f->file_offset, &so->off_memo);
		PUTL(",\"byteLength\":");
		o = put_u64(o, f->length);
	}
	PUTL("}}");
	if (ll) {
		PUTL(",\"logicalLocations\":[{\"fullyQualifiedName\":\"");
		o = jesc(o, f->logical, ll);
		PUTL("\",\"kind\":\"member\"}]");
	}
	PUTL("}]");
	if (f->fingerprint[0]) {
		o = put_mem(o, so->fpv, 46);
		o = put_mem(o, f->fingerprint, 32);
		PUTL("\"}");
	}
	o = put_pad64(o, mp->props, mp->props_len);   /* msg_prefix.props: 64 bytes */
	if (so->rule_len[rs] != 0xFF)
		o = put_pad64(o, so->rule_pad[rs], rl);
	else
		o = put_mem(o, f->rule, rl);
	*o++ = '"';
	if (f->known_client)
		PUTL(",\"knownClient\":true");
	if (ll && raw)
		PUTL(",\"positionIn\":\"file\"");
	else if (ll)
		PUTL(",\"positionIn\":\"decoded part\"");
	PUTL("}}");
#undef PUTL
	so->olen += (size_t)(o - o0);
	return 1;
}

static int on_finding(void *ctx, const fort_scan_finding *f)
{
	struct scan_out *so = ctx;
	struct cli *c = so->c;
	int r = 0;

	if (so->write_bl && f->fingerprint[0] && fort_scan_baseline_add(so->write_bl, f->fingerprint) < 0)
		return so->err = FORT_ENOMEM;
	clear_progress(so);
	switch (so->fmt) {
	case FMT_SPANS: {
		/* a million lines a second: no printf, no stdio call, the base
		 * name looked up once per file */
		char *o;

		if (f->path != so->sp_key && (!so->sp_path || strcmp(so->sp_path, f->path))) {
			const char *base = strrchr(f->path, '/');

			free(so->sp_path);
			so->sp_key = NULL;
			if (!(so->sp_path = strdup(f->path)))
				return so->err = FORT_ENOMEM;
			so->sp_base = base ? (size_t)(base + 1 - f->path) : 0;
			so->sp_blen = strlen(so->sp_path + so->sp_base);
			if (so->sp_blen > 400)
				so->sp_blen = 400;
			memset(so->sp_name, 0, sizeof(so->sp_name));
			memcpy(so->sp_name, so->sp_path + so->sp_base, so->sp_blen);
		}
		so->sp_key = f->path;
		/* the line is at most 400 + 3 * 21 + 16 bytes: fixed-size copies
		 * (no library call) may write past its end, never past the buffer */
		if (so->olen + 512 > OBUF_SIZE)
			out_flush(so);
		o = so->obuf + so->olen;
		if (so->sp_blen <= 32)
			memcpy(o, so->sp_name, 32);
		else
			memcpy(o, so->sp_name, so->sp_blen);
		o += so->sp_blen;
		*o++ = '\t';
		{
			char *s0 = o;

			o = put_u64_wide(o, f->offset);
			*o++ = '\t';
			o = put_end(o, s0, (size_t)(o - 1 - s0), f->offset, f->length);
		}
		*o++ = '\t';
		memcpy(o, spans_name[f->type].s, 16);
		o += spans_name[f->type].n;
		*o++ = '\n';
		so->olen = (size_t)(o - so->obuf);
		break;
	}
	case FMT_TEXT: {
		fort_buf *b = &so->line;

		if ((r = text_fast(so, f)) != 0)
			break;
		fort_buf_reset(b);
		fort_buf_puts(b, cli_bold(c));
		fort_buf_puts(b, f->path);
		fort_buf_puts(b, f->logical);
		fort_buf_puts(b, cli_reset(c));
		fort_buf_putc(b, ':');
		jnum(b, f->line);
		fort_buf_putc(b, ':');
		jnum(b, f->column);
		fort_buf_put(b, ": ", 2);
		fort_buf_puts(b, cli_bold(c));
		fort_buf_puts(b, fort_scan_type_name(f->type));
		fort_buf_puts(b, cli_reset(c));
		fort_buf_put(b, " (", 2);
		fort_buf_puts(b, fort_scan_confidence_name(f->confidence));
		if (f->known_client)
			fort_buf_puts(b, ", known client");
		fort_buf_put(b, ") ", 2);
		fort_buf_puts(b, so->show_values && f->value ? f->value : f->masked);
		fort_buf_put(b, "  [", 3);
		fort_buf_puts(b, f->rule);
		fort_buf_put(b, "]\n", 2);
		out_put(so, b->buf, b->len);
		break;
	}
	case FMT_CSV: {
		fort_buf *b = &so->line;

		if ((r = csv_fast(so, f)) != 0)
			break;
		/* the path's cell made once per file */
		path_cache(so, f->path);
		fort_buf_reset(b);
		fort_buf_put(b, so->cpath.buf, so->cpath.len);
		fort_buf_putc(b, ',');
		if (f->logical[0])
			csv_cell(b, f->logical);
		fort_buf_putc(b, ',');
		jnum(b, f->line);
		fort_buf_putc(b, ',');
		jnum(b, f->column);
		fort_buf_putc(b, ',');
		jnum(b, f->offset);
		fort_buf_putc(b, ',');
		jnum(b, f->length);
		fort_buf_putc(b, ',');
		fort_buf_puts(b, fort_scan_type_name(f->type));
		fort_buf_putc(b, ',');
		fort_buf_puts(b, fort_scan_confidence_name(f->confidence));
		fort_buf_putc(b, ',');
		csv_cell(b, f->rule);
		fort_buf_putc(b, ',');
		csv_cell(b, f->masked);
		fort_buf_putc(b, ',');
		csv_cell(b, f->fingerprint);
		if (so->show_values) {
			fort_buf_putc(b, ',');
			csv_cell(b, f->value ? f->value : "");
		}
		fort_buf_putc(b, '\n');
		out_put(so, b->buf, b->len);
		break;
	}
	case FMT_JSON:
		if ((r = json_fast(so, f)) != 0)
			break;
		json_item_start(so, &so->line);
		finding_json(&so->line, so, f);
		out_put(so, so->line.buf, so->line.len);
		break;
	case FMT_SARIF:
		if ((r = sarif_fast(so, f)) != 0)
			break;
		json_item_start(so, &so->line);
		finding_sarif(&so->line, so, f);
		out_put(so, so->line.buf, so->line.len);
		break;
	}
	if (r < 0)
		return so->err = r;
	if (f->known_client)
		so->known++;
	so->n++;
	if (so->odirect)
		out_flush(so);
	return so->err;
}

static void sarif_note(struct scan_out *so, const char *path, const char *level, const char *what, const char *why)
{
	char text[600];
	char *uri;
	json_t *n;

	if (so->fmt != FMT_SARIF || !so->notes)
		return;
	snprintf(text, sizeof(text), "%s: %s: %s", path, what, why);
	uri = uri_of(path);
	n = json_pack("{s:s, s:{s:s}, s:[{s:{s:{s:s}}}]}", "level", level, "message", "text", text, "locations",
		      "physicalLocation", "artifactLocation", "uri", uri ? uri : path);
	free(uri);
	if (n)
		json_array_append_new(so->notes, n);
}

static int on_file(void *ctx, const fort_scan_file *f)
{
	struct scan_out *so = ctx;
	struct file_row *row;

	/* the file's findings are all out: its pointer may name another file
	 * after the run (the caches keep their strings, compared by strcmp) */
	so->cache_key = so->sp_key = so->tp_key = NULL;

	if (f->status == FORT_SCAN_FILE_ERROR)
		sarif_note(so, f->path, "error", "not scanned", f->reason ? f->reason : "error");
	else if (f->status == FORT_SCAN_FILE_SKIPPED)
		sarif_note(so, f->path, "note", "skipped", f->reason ? f->reason : "skipped");
	if (f->parts_skipped)
		sarif_note(so, f->path, "warning", "parts not read (the first)", f->skipped_reason ? f->skipped_reason : "?");
	if (f->status == FORT_SCAN_FILE_SCANNED && f->findings && !so->keep_hits) {
		/* a copy of every path with findings only when --redact, --import
		 * or --fix will go through them: a tree of small files made a
		 * string (and faulted in its memory) per file for nothing */
		so->nhit++;
	} else if (f->status == FORT_SCAN_FILE_SCANNED && f->findings) {
		if (so->nhit == so->ahit) {
			size_t n = so->ahit ? so->ahit * 2 : 16;
			char **p = realloc(so->hit_files, n * sizeof(*p));

			if (!p)
				return so->err = FORT_ENOMEM;
			so->hit_files = p;
			so->ahit = n;
		}
		if (!(so->hit_files[so->nhit] = strdup(f->path)))
			return so->err = FORT_ENOMEM;
		so->nhit++;
	}

	if (f->status == FORT_SCAN_FILE_ERROR) {
		clear_progress(so);
		cli_error(so->c, EXIT_USAGE, "cannot read %s: %s", f->path, f->reason ? f->reason : "error");
		so->failed++;
		return 0;
	}
	if (f->parts_skipped && so->fmt != FMT_SPANS && !so->c->quiet) {
		clear_progress(so);
		fprintf(stderr, "note: %s: %llu part%s not read (first: %s)\n", f->path, (unsigned long long)f->parts_skipped,
			f->parts_skipped == 1 ? "" : "s", f->skipped_reason ? f->skipped_reason : "?");
	}
	if (!f->findings || so->fmt != FMT_TEXT)
		return 0;
	if (so->nrows == so->arows) {
		size_t n = so->arows ? so->arows * 2 : 64;
		struct file_row *p = realloc(so->rows, n * sizeof(*p));

		if (!p)
			return so->err = FORT_ENOMEM;
		so->rows = p;
		so->arows = n;
	}
	row = &so->rows[so->nrows];
	if (!(row->path = strdup(f->path)))
		return so->err = FORT_ENOMEM;
	row->risk = f->risk;
	row->findings = f->findings;
	row->suppressed = f->suppressed;
	row->bytes = f->bytes;
	memcpy(row->by_type, f->by_type, sizeof(row->by_type));
	so->nrows++;
	return 0;
}

static int cmp_row(const void *a, const void *b)
{
	const struct file_row *x = a, *y = b;

	if (x->risk != y->risk)
		return x->risk > y->risk ? -1 : 1;
	if (x->findings != y->findings)
		return x->findings > y->findings ? -1 : 1;
	return strcmp(x->path, y->path);
}

static void text_summary(struct scan_out *so, const fort_scan_stats *st)
{
	struct cli *c = so->c;
	char b[32];
	size_t i;
	unsigned t;

	if (so->nrows) {
		qsort(so->rows, so->nrows, sizeof(*so->rows), cmp_row);
		printf("\n%srisk  findings  file%s\n", cli_bold(c), cli_reset(c));
		for (i = 0; i < so->nrows; i++) {
			const struct file_row *r = &so->rows[i];
			int first = 1;

			printf("%4u  %8llu  %s  (", r->risk, (unsigned long long)r->findings, r->path);
			for (t = 0; t < FORT_SCAN_NTYPES; t++) {
				if (!r->by_type[t])
					continue;
				printf("%s%s %llu", first ? "" : ", ", fort_scan_type_name((fort_scan_type)t),
				       (unsigned long long)r->by_type[t]);
				first = 0;
			}
			printf(")\n");
		}
	}
	printf("\nscanned %llu file%s (%s), skipped %llu, unreadable %llu: %llu finding%s",
	       (unsigned long long)st->files_scanned, st->files_scanned == 1 ? "" : "s",
	       human(b, sizeof(b), (double)st->bytes), (unsigned long long)st->files_skipped,
	       (unsigned long long)st->files_failed, (unsigned long long)st->findings, st->findings == 1 ? "" : "s");
	if (st->suppressed)
		printf(" (%llu suppressed by fortress:ignore or the baseline)", (unsigned long long)st->suppressed);
	if (st->parts_skipped)
		printf("; %llu part%s of archives or mail not read (see the notes above)", (unsigned long long)st->parts_skipped,
		       st->parts_skipped == 1 ? "" : "s");
	printf("\n");
}

static json_t *stats_json(const fort_scan_stats *st)
{
	json_t *j = json_object(), *bt = json_object();
	unsigned t;

	json_object_set_new(j, "files_scanned", json_integer((json_int_t)st->files_scanned));
	json_object_set_new(j, "files_skipped", json_integer((json_int_t)st->files_skipped));
	json_object_set_new(j, "files_unreadable", json_integer((json_int_t)st->files_failed));
	json_object_set_new(j, "bytes", json_integer((json_int_t)st->bytes));
	json_object_set_new(j, "findings", json_integer((json_int_t)st->findings));
	json_object_set_new(j, "suppressed", json_integer((json_int_t)st->suppressed));
	json_object_set_new(j, "parts_skipped", json_integer((json_int_t)st->parts_skipped));
	for (t = 0; t < FORT_SCAN_NTYPES; t++)
		json_object_set_new(bt, fort_scan_type_name((fort_scan_type)t), json_integer((json_int_t)st->by_type[t]));
	json_object_set_new(j, "by_type", bt);
	return j;
}

static void sarif_head(void)
{
	json_t *rules = json_array();
	char *s;
	unsigned t;

	for (t = 0; t < FORT_SCAN_NTYPES; t++) {
		json_t *r = json_object(), *d = json_object(), *h = json_object();

		json_object_set_new(r, "id", json_string(fort_scan_type_name((fort_scan_type)t)));
		json_object_set_new(r, "name", json_string(fort_scan_type_name((fort_scan_type)t)));
		json_object_set_new(d, "text", json_string(type_label[t]));
		json_object_set_new(r, "shortDescription", d);
		json_object_set_new(h, "text", json_string("Move the data into the vault or remove it; "
							   "mark accepted findings with --write-baseline or fortress:ignore."));
		json_object_set_new(r, "help", h);
		json_array_append_new(rules, r);
	}
	s = json_dumps(rules, JSON_COMPACT | JSON_ENSURE_ASCII);
	printf("{\n  \"$schema\": \"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json\",\n  \"version\": \"2.1.0\",\n"
	       "  \"runs\": [{\n  \"tool\": {\"driver\": {\"name\": \"fortress\", \"version\": \"%s\", "
	       "\"informationUri\": \"https://example.invalid/fortress\", \"rules\": %s}},\n"
	       "  \"columnKind\": \"unicodeCodePoints\",\n  \"results\": [",
	       fort_version(), s ? s : "[]");
	free(s);
	json_decref(rules);
}

/* The key of SARIF fingerprints when no baseline is given: one per user,
 * kept (mode 0600) so fingerprints stay the same from run to run. */
static fort_scan_baseline *fingerprint_key(void)
{
	fort_scan_baseline *b = NULL;
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char dir[1024], path[1100];

	if (xdg && *xdg)
		snprintf(dir, sizeof(dir), "%s/fortress", xdg);
	else if (home && *home)
		snprintf(dir, sizeof(dir), "%s/.config/fortress", home);
	else
		return fort_scan_baseline_new(&b) == 0 ? b : NULL;
	snprintf(path, sizeof(path), "%s/scan-key.json", dir);
	/* a key of an older version (1: BLAKE2b, six times the cost; 2: the
	 * path hashed again for every finding) is replaced: SARIF names the
	 * scheme (fortressFinding/v1, /v2, /v3), so the fingerprints change
	 * once, under a new name */
	if (fort_scan_baseline_load(&b, path) == 0 && fort_scan_baseline_version(b) >= 3)
		return b;
	fort_scan_baseline_free(b);
	b = NULL;
	if (fort_scan_baseline_new(&b) < 0)
		return NULL;
	{
		char parent[1024];
		char *sl;

		snprintf(parent, sizeof(parent), "%s", dir);
		if ((sl = strrchr(parent, '/'))) {
			*sl = '\0';
			mkdir(parent, 0700);
		}
		mkdir(dir, 0700);
	}
	(void)fort_scan_baseline_save(b, path);   /* unsaved: fingerprints for this run only */
	return b;
}


/* ------------------------------------------------------------ remediation */

/* OUTDIR/PATH without a leading '/', ".." components made harmless; the
 * directories on the way created (0700). */
static char *redact_target(const char *outdir, const char *path)
{
	size_t n = strlen(outdir) + strlen(path) + 8, k;
	char *t = malloc(n), *p;

	if (!t)
		return NULL;
	while (*path == '/')
		path++;
	while (!strncmp(path, "./", 2))
		path += 2;
	snprintf(t, n, "%s/%s", outdir, path);
	k = strlen(outdir) + 1;
	for (p = t + k; *p; p++)
		if (p[0] == '.' && p[1] == '.' && (p == t + k || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			p[0] = p[1] = '_';
	for (p = t + k; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(t, 0700);
		*p = '/';
	}
	return t;
}

static int do_redact(struct cli *c, const char *outdir, const char *path, const fort_scan_opts *base, int *changed)
{
	fort_scan_opts o = *base;
	fort_redact_report rep;
	char *out = redact_target(outdir, path);
	int r;

	if (!out)
		return cli_fail(c, FORT_ENOMEM, NULL);
	o.on_finding = NULL;
	o.on_file = NULL;
	o.on_progress = NULL;
	o.ctx = NULL;
	o.baseline = NULL;
	o.baseline_filter = 0;
	r = fort_scan_redact(&rep, path, out, &o);
	if (r < 0) {
		int ex = cli_fail(c, r, NULL);

		free(out);
		return ex;
	}
	if (!rep.redacted)
		printf("skipped %s: not redacted: %s\n", path, rep.reason);
	else if (rep.remaining)
		printf("redacted %s -> %s: %llu finding%s masked; %llu remain (check it by hand)\n", path, out,
		       (unsigned long long)rep.masked, rep.masked == 1 ? "" : "s", (unsigned long long)rep.remaining);
	else
		printf("redacted %s -> %s: %llu finding%s masked; re-scan: clean\n", path, out, (unsigned long long)rep.masked,
		       rep.masked == 1 ? "" : "s");
	if (changed)
		*changed = rep.redacted;
	free(out);
	return rep.redacted && rep.remaining ? EXIT_FAIL : EXIT_OK;
}

static int importable(const char *path)
{
	static const char *const ext[] = { ".csv", ".tsv", ".vcf", ".vcard" };
	size_t n = strlen(path);

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t e = strlen(ext[i]);

		if (n > e && !strcasecmp(path + n - e, ext[i]))
			return 1;
	}
	return 0;
}

static int do_import(struct cli *c, const char *path)
{
	fort_import_opts o = FORT_IMPORT_OPTS_INIT;
	fort_import_report *rep = NULL;
	int r;

	if (!importable(path)) {
		printf("skipped %s: not imported: only CSV/TSV and vCard files hold client rows\n", path);
		return EXIT_OK;
	}
	/* the good rows go in; duplicates and bad rows are listed, as with
	 * 'client import --skip-invalid' */
	o.skip_invalid = 1;
	r = fort_client_import(&rep, c->vault, path, &o);
	if (rep) {
		for (size_t i = 0; i < rep->nproblems && i < 20; i++)
			fprintf(stderr, "%s: %s\n", path, rep->problems[i]);
	}
	if (r < 0) {
		fort_import_report_free(rep);
		return cli_fail(c, r, "'fortress client import FILE --map COLUMN=FIELD' reads files whose columns are not recognised");
	}
	printf("imported %llu clients from %s (%s)", (unsigned long long)rep->imported, path,
	       rep->format[0] ? rep->format : "?");
	if (rep->rejected)
		printf("; skipped %llu rows (%llu duplicates)", (unsigned long long)rep->rejected,
		       (unsigned long long)rep->duplicates);
	printf("\n");
	fort_import_report_free(rep);
	return EXIT_OK;
}

static int do_quarantine(struct cli *c, const char *path)
{
	fort_quarantine_report rep;
	int r = fort_quarantine(&rep, c->vault, path);

	if (r < 0)
		return cli_fail(c, r, NULL);
	printf("quarantined %s as attachment %lld (%llu finding%s; categories %s; clients", path, (long long)rep.attachment,
	       (unsigned long long)rep.findings, rep.findings == 1 ? "" : "s", rep.categories);
	for (size_t i = 0; i < rep.nclients && i < 16; i++)
		printf(" %s", rep.clients[i]);
	printf("%s); the original was overwritten and removed\n", rep.nclients ? "" : " none");
	return EXIT_OK;
}

struct count_ctx {
	uint64_t n, known;
};

static int count_finding(void *ctx, const fort_scan_finding *f)
{
	struct count_ctx *k = ctx;

	k->n++;
	k->known += f->known_client != 0;
	return 0;
}

/* Scan PATH again and say what is left. */
static void rescan(struct cli *c, const char *path, const fort_scan_opts *base)
{
	fort_scan_opts o = *base;
	struct count_ctx k = { 0, 0 };
	struct stat st;

	if (lstat(path, &st) < 0) {
		printf("re-scan: %s is gone: clean\n", path);
		return;
	}
	o.on_finding = count_finding;
	o.on_file = NULL;
	o.on_progress = NULL;
	o.ctx = &k;
	o.jobs = 1;
	if (fort_scan_run(NULL, &path, 1, &o) < 0) {
		cli_fail(c, fort_error_code(), NULL);
		return;
	}
	if (!k.n)
		printf("re-scan: %s: clean\n", path);
	else
		printf("re-scan: %s: %llu finding%s remain (%llu of known clients)\n", path, (unsigned long long)k.n,
		       k.n == 1 ? "" : "s", (unsigned long long)k.known);
}

static int do_fix(struct cli *c, struct scan_out *so, const fort_scan_opts *base)
{
	int rc = EXIT_OK;

	for (size_t i = 0; i < so->nhit; i++) {
		const char *path = so->hit_files[i];
		char *answer = NULL, prompt[1200];

		{
			/* the file's summary line: findings by type and risk */
			char what[256] = "";
			size_t k = 0;

			for (size_t j = 0; j < so->nrows; j++) {
				if (strcmp(so->rows[j].path, path))
					continue;
				for (unsigned t = 0; t < FORT_SCAN_NTYPES && k < sizeof(what); t++)
					if (so->rows[j].by_type[t])
						k += (size_t)snprintf(what + k, sizeof(what) - k, "%s%s %llu", k ? ", " : "",
								      fort_scan_type_name((fort_scan_type)t),
								      (unsigned long long)so->rows[j].by_type[t]);
				if (k < sizeof(what))
					snprintf(what + k, sizeof(what) - k, "; risk %u", so->rows[j].risk);
				break;
			}
			snprintf(prompt, sizeof(prompt), "%s (%s): [q]uarantine, [r]edact, [i]mport, [s]kip, [a]bort? ", path, what);
		}
		for (;;) {
			free(answer);
			answer = NULL;
			if (cli_tty_ask(&answer, prompt) < 0 || !answer[0] || strchr("qQrRiIsSaA", answer[0]) == NULL ||
			    answer[1])
				continue;
			break;
		}
		switch (answer[0] | 32) {
		case 'q':
			if (do_quarantine(c, path) != EXIT_OK)
				rc = EXIT_FAIL;
			rescan(c, path, base);
			break;
		case 'r': {
			char *dir = NULL;
			int changed = 0;

			if (cli_tty_ask(&dir, "directory for the masked copy: ") < 0 || !dir[0]) {
				free(dir);
				printf("skipped %s\n", path);
				break;
			}
			mkdir(dir, 0700);
			/* do_redact scans the copy again and says what is left */
			if (do_redact(c, dir, path, base, &changed) != EXIT_OK || !changed)
				rc = EXIT_FAIL;
			free(dir);
			break;
		}
		case 'i':
			if (do_import(c, path) != EXIT_OK)
				rc = EXIT_FAIL;
			rescan(c, path, base);
			break;
		case 's':
			printf("skipped %s\n", path);
			break;
		default:
			printf("aborted: %zu file%s not looked at\n", so->nhit - i, so->nhit - i == 1 ? "" : "s");
			free(answer);
			return rc;
		}
		free(answer);
		fflush(stdout);
	}
	return rc;
}

/* ---------------------------------------------------------------- command */

static const struct cli_opt scan_opts[] = {
	{ "format", 'f', OPT_VALUE, "FMT", "text (default), json, csv, sarif, tsv-spans" },
	{ "show-values", 0, OPT_FLAG, NULL, "print full values (default: masked)" },
	{ "jobs", 'j', OPT_VALUE, "N", "files scanned in parallel (default: one per core)" },
	{ "max-depth", 0, OPT_VALUE, "N", "directory levels to descend (default: no limit)" },
	{ "min-confidence", 0, OPT_VALUE, "LEVEL", "low (default), medium or high" },
	{ "baseline", 0, OPT_VALUE, "FILE", "do not report findings recorded in FILE" },
	{ "write-baseline", 0, OPT_VALUE, "FILE", "record every current finding in FILE (accepts them)" },
	{ "no-ignore", 0, OPT_FLAG, NULL, "ignore .fortressignore files (and scan .git)" },
	{ "follow-symlinks", 0, OPT_FLAG, NULL, "follow symlinks that leave the scanned tree" },
	{ "no-decode", 0, OPT_FLAG, NULL, "scan mail, archives and documents as raw bytes" },
	{ "no-progress", 0, OPT_FLAG, NULL, "no progress bar on a terminal" },
	{ "redact", 0, OPT_VALUE, "OUTDIR", "write a masked copy of each text file with findings under OUTDIR" },
	{ "import", 0, OPT_FLAG, NULL, "import client rows of CSV/vCard files with findings into the vault (--vault)" },
	{ "fix", 0, OPT_FLAG, NULL, "ask per file: quarantine, redact, import, skip, abort (terminal only; --vault)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int cmd_scan(struct cli *c)
{
	fort_scan_opts o = FORT_SCAN_OPTS_INIT;
	fort_scan_stats st;
	fort_scan_baseline *bl = NULL, *key = NULL;
	struct scan_out so;
	const char *fmt = cli_str(c, "format"), *s;
	const char *bl_path = cli_str(c, "baseline"), *wbl_path = cli_str(c, "write-baseline");
	const char *excl[4];
	char *vault_wal = NULL, *vault_shm = NULL, *vault_journal = NULL;
	unsigned long v;
	size_t i;
	int r, rc = EXIT_OK;

	static char obuf[OBUF_SIZE];

	jsafe_init();
	mid_init(c);
	memset(&so, 0, sizeof(so));
	so.obuf = obuf;
	num_memo_init(&so.line_memo);
	num_memo_init(&so.off_memo);
	so.odirect = isatty(STDOUT_FILENO);
	fort_buf_init(&so.line, (size_t)1 << 20);
	fort_buf_init(&so.jpath, (size_t)1 << 20);
	fort_buf_init(&so.upath, (size_t)1 << 20);
	fort_buf_init(&so.cpath, (size_t)1 << 20);
	fort_buf_init(&so.tpre, (size_t)1 << 20);
	so.c = c;
	so.keep_hits = cli_str(c, "redact") || cli_flag(c, "import") || cli_flag(c, "fix");
	so.fmt = c->json ? FMT_JSON : FMT_TEXT;
	if (fmt) {
		if (!strcmp(fmt, "text"))
			so.fmt = FMT_TEXT;
		else if (!strcmp(fmt, "json"))
			so.fmt = FMT_JSON;
		else if (!strcmp(fmt, "csv"))
			so.fmt = FMT_CSV;
		else if (!strcmp(fmt, "sarif"))
			so.fmt = FMT_SARIF;
		else if (!strcmp(fmt, "tsv-spans"))
			so.fmt = FMT_SPANS;
		else
			return cli_usage_error(c, "unknown format '%s' (text, json, csv, sarif, tsv-spans)", fmt);
	}
	for (i = 0; i < c->args.npos; i++)
		if (!strcmp(c->args.pos[i], "-") && c->args.npos > 1)
			return cli_usage_error(c, "'-' (standard input) is scanned alone: give it as the only PATH");
	if (c->args.npos == 1 && !strcmp(c->args.pos[0], "-") &&
	    (cli_str(c, "redact") || cli_flag(c, "import") || cli_flag(c, "fix")))
		return cli_usage_error(c, "--redact, --import and --fix change files: they do not work on standard input");
	if ((s = cli_str(c, "jobs"))) {
		if (parse_uint(s, 256, &v) < 0 || v == 0)
			return cli_usage_error(c, "--jobs needs a number from 1 to 256, not '%s'", s);
		o.jobs = (unsigned)v;
	}
	if ((s = cli_str(c, "max-depth"))) {
		if (parse_uint(s, 100000, &v) < 0)
			return cli_usage_error(c, "--max-depth needs a number, not '%s'", s);
		o.max_depth = (int)v;
	}
	if ((s = cli_str(c, "min-confidence"))) {
		if (!strcmp(s, "low"))
			o.min_confidence = FORT_SCAN_LOW;
		else if (!strcmp(s, "medium"))
			o.min_confidence = FORT_SCAN_MEDIUM;
		else if (!strcmp(s, "high"))
			o.min_confidence = FORT_SCAN_HIGH;
		else
			return cli_usage_error(c, "--min-confidence is low, medium or high, not '%s'", s);
	}
	if ((cli_flag(c, "import") || cli_flag(c, "fix")) && !c->vault_opt)
		return cli_usage_error(c, "--%s needs the vault: give --vault PATH", cli_flag(c, "fix") ? "fix" : "import");
	if (cli_flag(c, "fix") && !cli_have_tty())
		return cli_usage_error(c, "--fix asks about each file and needs a terminal: use --redact OUTDIR, --import, "
				       "or 'fortress quarantine FILE' in scripts");
	if ((cli_flag(c, "fix") || cli_str(c, "redact") || cli_flag(c, "import")) && so.fmt != FMT_TEXT)
		return cli_usage_error(c, "--fix, --redact and --import go with the text format");
	if ((s = cli_str(c, "redact"))) {
		struct stat rst;

		if (mkdir(s, 0700) < 0 && errno != EEXIST)
			return cli_usage_error(c, "--redact %s: %s", s, strerror(errno));
		if (stat(s, &rst) < 0 || !S_ISDIR(rst.st_mode))
			return cli_usage_error(c, "--redact %s: not a directory", s);
	}
	so.show_values = o.show_values = cli_flag(c, "show-values");
	o.use_ignore_files = !cli_flag(c, "no-ignore");
	o.follow_symlinks = cli_flag(c, "follow-symlinks");
	o.containers = !cli_flag(c, "no-decode");
	if (so.fmt == FMT_SPANS) {
		o.containers = 0;   /* spans are file offsets */
		o.no_masked = 1;    /* and print no excerpt */
		o.no_column = 1;    /* nor column */
		o.no_line = 1;      /* nor line */
	}

	if (bl_path) {
		if ((r = fort_scan_baseline_load(&bl, bl_path)) < 0) {
			cli_fail(c, r, "write one with --write-baseline FILE");
			return EXIT_USAGE;
		}
		o.baseline = bl;
		o.baseline_filter = !wbl_path;
	}
	if (wbl_path) {
		if (!bl && fort_scan_baseline_new(&bl) < 0) {
			cli_fail(c, FORT_ENOMEM, NULL);
			return EXIT_USAGE;
		}
		o.baseline = bl;
		so.write_bl = bl;
	}
	if (!o.baseline && so.fmt == FMT_SARIF) {
		if (!(key = fingerprint_key())) {
			cli_fail(c, FORT_ENOMEM, NULL);
			return EXIT_USAGE;
		}
		o.baseline = key;
	}
	so.fp_version = fort_scan_baseline_version(o.baseline);
	so.fpv = sarif_fpv[so.fp_version == 1 ? 0 : so.fp_version == 2 ? 1 : 2];

	/* --vault: e-mail and phone findings are looked up in its blind index
	 * (known clients); that needs the vault unlocked */
	if (c->vault_opt) {
		int ex = cli_vault_open(c, 1);

		if (ex != EXIT_OK) {
			fort_scan_baseline_free(bl);
			fort_scan_baseline_free(key);
			return EXIT_USAGE;
		}
		o.vault = c->vault;
	}

	/* never open the vault (nor its journal files) from here */
	i = 0;
	if (c->vault_path || c->vault_opt || getenv("FORTRESS_VAULT")) {
		const char *vp = c->vault_path ? c->vault_path : c->vault_opt ? c->vault_opt : getenv("FORTRESS_VAULT");
		size_t n = strlen(vp) + 16;

		vault_wal = malloc(n);
		vault_shm = malloc(n);
		vault_journal = malloc(n);
		if (vault_wal && vault_shm && vault_journal) {
			snprintf(vault_wal, n, "%s-wal", vp);
			snprintf(vault_shm, n, "%s-shm", vp);
			snprintf(vault_journal, n, "%s-journal", vp);
			excl[i++] = vp;
			excl[i++] = vault_wal;
			excl[i++] = vault_shm;
			excl[i++] = vault_journal;
		}
	}
	o.exclude = excl;
	o.nexclude = i;

	if (so.fmt == FMT_SARIF)
		so.notes = json_array();
	o.on_finding = on_finding;
	o.on_file = on_file;
	o.ctx = &so;
	so.progress = isatty(STDERR_FILENO) && !c->quiet && !cli_flag(c, "no-progress") && so.fmt != FMT_SPANS;
	/* no bar, no callback: the walk then needs no stat per file for the total */
	o.on_progress = so.progress ? on_progress : NULL;
	so.start = now_s();

	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (so.fmt == FMT_JSON)
		printf("{\n  \"findings\": [");
	else if (so.fmt == FMT_SARIF)
		sarif_head();
	else if (so.fmt == FMT_CSV)
		printf("file,logical,line,column,offset,length,type,confidence,rule,excerpt,fingerprint%s\n",
		       so.show_values ? ",value" : "");

	if (c->args.npos == 1 && !strcmp(c->args.pos[0], "-")) {
		/* standard input: read whole (at most STDIN_MAX), scanned as text */
		char *data = NULL;
		size_t len = 0;
		int ex = cli_read_file(c, "-", &data, &len, STDIN_MAX);

		if (ex != EXIT_OK) {
			rc = EXIT_USAGE;
			goto out;
		}
		r = fort_scan_buffer(&st, "-", data, len, &o);
		sodium_memzero(data, len);
		free(data);
	} else {
		r = fort_scan_run(&st, c->args.pos, c->args.npos, &o);
	}
	out_flush(&so);
	clear_progress(&so);
	if (r < 0 || so.err) {
		if (so.fmt == FMT_JSON)
			printf("\n]}\n");
		else if (so.fmt == FMT_SARIF)
			printf("\n  ],\n  \"invocations\": [{\"executionSuccessful\": false}]\n  }]\n}\n");
		cli_fail(c, r < 0 ? r : so.err, NULL);
		rc = EXIT_USAGE;
		goto out;
	}
	if (so.fmt == FMT_JSON) {
		json_t *sum = stats_json(&st);
		char *t = json_dumps(sum, JSON_INDENT(2) | JSON_ENSURE_ASCII);

		printf("\n  ],\n  \"summary\": %s\n}\n", t ? t : "{}");
		free(t);
		json_decref(sum);
	} else if (so.fmt == FMT_SARIF) {
		char *nt = json_dumps(so.notes, JSON_COMPACT | JSON_ENSURE_ASCII);

		printf("\n  ],\n  \"invocations\": [{\"executionSuccessful\": %s, \"toolExecutionNotifications\": %s}]\n  }]\n}\n",
		       so.failed ? "false" : "true", nt ? nt : "[]");
		free(nt);
	} else if (so.fmt == FMT_TEXT && !c->quiet) {
		text_summary(&so, &st);
	}
	if (c->vault) {
		/* for the check-up (fortress doctor): counts, never values */
		fort_scan_summary sum;

		memset(&sum, 0, sizeof(sum));
		sum.paths = c->args.pos;
		sum.npaths = c->args.npos;
		sum.files = st.files_scanned;
		sum.files_with_findings = so.nhit;
		sum.findings = st.findings;
		sum.known_client_findings = so.known;
		if ((r = fort_scan_record(c->vault, &sum)) < 0) {
			cli_fail(c, r, NULL);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (so.nhit && (cli_str(c, "redact") || cli_flag(c, "import") || cli_flag(c, "fix"))) {
		fort_scan_opts ro = o;
		int bad = 0;

		ro.show_values = 0;
		ro.no_masked = 0;   /* the fixes show what they act on */
		ro.no_column = 0;
		fflush(stdout);
		printf("\n");
		if (cli_flag(c, "fix")) {
			bad = do_fix(c, &so, &ro) != EXIT_OK;
		} else {
			for (i = 0; i < so.nhit; i++) {
				if (cli_str(c, "redact") && do_redact(c, cli_str(c, "redact"), so.hit_files[i], &ro, NULL) != EXIT_OK)
					bad = 1;
				if (cli_flag(c, "import") && do_import(c, so.hit_files[i]) != EXIT_OK)
					bad = 1;
			}
		}
		if (bad)
			so.failed++;
	}
	if (wbl_path) {
		if ((r = fort_scan_baseline_save(bl, wbl_path)) < 0) {
			cli_fail(c, r, NULL);
			rc = EXIT_USAGE;
			goto out;
		}
		cli_info(c, "wrote %zu fingerprint%s to %s", fort_scan_baseline_count(bl),
			 fort_scan_baseline_count(bl) == 1 ? "" : "s", wbl_path);
	}
	if (so.failed)
		rc = EXIT_USAGE;
	else if (wbl_path)
		rc = EXIT_OK;      /* everything found is accepted now */
	else
		rc = st.findings ? EXIT_FAIL : EXIT_OK;
out:
	for (i = 0; i < so.nrows; i++)
		free(so.rows[i].path);
	for (i = 0; so.hit_files && i < so.nhit; i++)
		free(so.hit_files[i]);
	free(so.hit_files);
	json_decref(so.notes);
	fort_buf_release(&so.line);
	fort_buf_release(&so.jpath);
	fort_buf_release(&so.upath);
	fort_buf_release(&so.cpath);
	fort_buf_release(&so.tpre);
	free(so.tp_path);
	free(so.tp_logical);
	free(so.cache_path);
	free(so.sp_path);
	free(so.rows);
	free(vault_wal);
	free(vault_shm);
	free(vault_journal);
	fort_scan_baseline_free(bl);
	fort_scan_baseline_free(key);
	return rc;
}

const struct cli_cmd cmd_scan_def = {
	.name = "scan", .fn = cmd_scan, .flags = 0,
	.summary = "find client data and secrets lying around in files",
	.synopsis = "[OPTIONS] PATH...",
	.opts = scan_opts, .min_args = 1, .max_args = -1, .args_name = "PATH",
	.description =
		"Walks PATHs (directories recursively, entries in name order) and reports\n"
		"payment cards, IBANs, e-mail addresses, phone numbers, US SSNs, UK NI\n"
		"numbers, dates of birth, IP addresses and secrets, each with a confidence,\n"
		"file, line, column and a masked excerpt (full values only with\n"
		"--show-values).  Mail, archives and office documents are decoded first.\n"
		"No vault is needed; the vault file itself is never opened.\n"
		"\n"
		"Skipped: binary files, .git/.hg/.svn and what .fortressignore files list\n"
		"(gitignore syntax: *, **, !negation, dir/, /anchored), symlinks that leave\n"
		"the tree.  A line containing 'fortress:ignore' reports nothing.\n"
		"\n"
		"With the global --vault PATH (unlocked: passphrase), e-mail addresses and\n"
		"phone numbers are looked up in the vault's blind index, without decrypting\n"
		"anything: a client's is reported as a known client, confidence high; the\n"
		"names of clients are found too.  The scan's counts are kept in the vault.\n"
		"\n"
		"Fixing what was found: --redact OUTDIR writes masked copies of text files,\n"
		"--import imports CSV/vCard client rows (--vault), --fix asks per file on a\n"
		"terminal (quarantine, redact, import, skip, abort; --vault) and scans what it\n"
		"changed again.  'fortress quarantine FILE' moves a file into the vault.\n"
		"\n"
		"Exit status: 0 nothing found, 1 findings, 2 an error (usage, a missing\n"
		"PATH, or a file that could not be read: the scan is incomplete).\n",
};
