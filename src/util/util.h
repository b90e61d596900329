/* util.h - helpers with no knowledge of vaults: errors, allocation, growable
 * buffers, hex, time.  Everything in src/ includes this. */
#ifndef FORT_UTIL_H
#define FORT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "fortress.h"

/* Set the thread's error (code + printf-style message) and return CODE, so
 * callers can write `return fort_error_set(FORT_EINPUT, "...", ...);`.
 * WARNING: never pass a secret or a client value into the message. */
int fort_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Put back an error saved earlier (CODE, MSG) without counting it again as
 * a refusal: for code that writes something after a failure and must give
 * the caller the failure's own message. */
void fort_error_restore(int code, const char *msg);
/* The operations this thread runs from now on are OWNER's (a vault
 * handle's id; 0: none): each refusal (FORT_EDENIED) set meanwhile is
 * counted for OWNER. */
void fort_error_owner(uint64_t owner);
/* The same, and the owner until now returned (work done on this thread for
 * others, audit/writer.c's leader: 0, then the owner back). */
uint64_t fort_error_owner_swap(uint64_t owner);
/* How many refusals were counted for OWNER on this thread since the last
 * take, and (MSG, CAP bytes) the newest one's message; both cleared. */
uint64_t fort_error_denied_take(uint64_t owner, char *msg, size_t cap);
/* Prefix the current message with "PREFIX: " keeping the code. */
int fort_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Every public function taking an options struct checks its version first
 * (as libgit2's GIT_ERROR_CHECK_VERSION): FORT_CHECK_VERSION(o->version,
 * FORT_MAIL_MSG, fort_mail_msg) is 0 when it is FORT_MAIL_MSG_VERSION, else
 * FORT_EINPUT naming the struct and FORT_MAIL_MSG_INIT.  A NULL struct is the
 * caller's to refuse or default. */
#define FORT_CHECK_VERSION(version, PREFIX, type) \
	fort_check_version((version), PREFIX##_VERSION, #type, #PREFIX "_INIT")
int fort_check_version(unsigned version, unsigned known, const char *type, const char *init) FORT_WUR;

/* All allocation goes through these, so tests can fail allocation N
 * (fort_alloc_fail_at).  They return NULL and set FORT_ENOMEM on failure. */
void *fort_malloc(size_t n);
void *fort_calloc(size_t n, size_t size);
void *fort_realloc(void *p, size_t n);
char *fort_strdup(const char *s);
char *fort_strndup(const char *s, size_t n);
/* Test hook: the Nth allocation from now on fails (0 = never). */
void fort_alloc_fail_at(unsigned long n);
/* Allocations that are wiped (sodium_memzero) when freed, for libraries
 * given allocation functions that free by pointer alone (jansson's
 * json_set_alloc_funcs, libharu's HPDF_NewEx).  Plain malloc blocks: free()
 * may free them too, without the wipe. */
void *fort_wipe_malloc(size_t n);
void fort_wipe_free(void *p);
/* Wipe a string (a client value, a document holding them) and free it. */
void fort_free_str(char *s);

/* Overflow-checked size arithmetic: 0 ok, -1 overflow. */
static inline int fort_size_mul(size_t *out, size_t a, size_t b)
{
	return __builtin_mul_overflow(a, b, out) ? -1 : 0;
}
static inline int fort_size_add(size_t *out, size_t a, size_t b)
{
	return __builtin_add_overflow(a, b, out) ? -1 : 0;
}

/* qsort(BASE, N, SIZE, CMP), faster when KEY (a 64-bit summary of an
 * element, never finer than CMP: KEY(a) < KEY(b) only when CMP(a, b) < 0)
 * is spread evenly over its top 16 bits, as hashes and random ids are: the
 * elements are placed by KEY's top byte, then its next, in place (American
 * flag sort), and the buckets finished by insertion (by qsort when one is
 * still large: many equal keys).  No allocation; an element of more than
 * FORT_SORT_KEYED_MAX bytes goes to qsort.  Not stable (nor is qsort). */
#define FORT_SORT_KEYED_MAX 256
void fort_sort_keyed(void *base, size_t n, size_t size, uint64_t (*key)(const void *),
		     int (*cmp)(const void *, const void *));

/* Array growth (git's ALLOC_GROW): make room for NEED elements in the
 * array P of capacity CAP (a size_t lvalue), doubling from MIN; the size
 * arithmetic is overflow-checked.  0, or FORT_ENOMEM (message set) with P
 * and CAP unchanged.  Not for arrays holding secrets (realloc leaves a
 * copy behind). */
int fort_array_grow(void **arr, size_t *cap, size_t need, size_t elem, size_t min);
#define FORT_ARRAY_GROW(p, need, cap, min)                                                  \
	__extension__({                                                                     \
		void *fort_ag_ = (p);                                               \
		int fort_ag_r_ = fort_array_grow(&fort_ag_, &(cap), (need), sizeof *(p), (min)); \
		(p) = fort_ag_;                                                             \
		fort_ag_r_;                                                                 \
	})

/* A growable byte/string buffer with a hard cap.  buf is never NULL after
 * fort_buf_init (points to "" until something is added), always
 * NUL-terminated.
 *
 * The error is sticky (as curl's dynbuf): once an append fails (the cap, or
 * no memory), every later append fails at once and changes nothing, and
 * fort_buf_detach returns NULL.  So a document built from many appends is
 * checked once, with fort_buf_error, before it is used: it is whole, or
 * the call fails; never silently cut short. */
typedef struct {
	char *buf;
	size_t len, alloc, cap;
	int secret;   /* wipe on growth and release */
	int err;      /* the first failure (a FORT_E* code), 0 if none */
	char *fixed;  /* the caller's storage (fort_buf_init_on): never freed */
} fort_buf;
#define FORT_BUF_DEFAULT_CAP ((size_t)1 << 30)
void fort_buf_init(fort_buf *b, size_t cap);
/* The same, for a buffer that will hold client values or secrets: wiped on
 * growth and release (sodium_memzero). */
void fort_buf_init_secret(fort_buf *b, size_t cap);
/* A secret buffer that starts in the caller's storage MEM of SIZE bytes
 * (SIZE >= 1; on the stack, say): no allocation while the contents fit,
 * the heap past that (MEM wiped when left).  fort_buf_release wipes MEM and
 * does not free it; fort_buf_detach hands over a copy.  For a hot path
 * (a find) that would otherwise allocate and free a value twice a call. */
void fort_buf_init_on(fort_buf *b, char *mem, size_t size, size_t cap);
/* The sticky error: 0, or the first append's failure, its message set
 * again if something cleared it since (code that clears its own errors
 * ran between the append and this check). */
int fort_buf_error(const fort_buf *b);
int fort_buf_grow(fort_buf *b, size_t extra);
int fort_buf_put_slow(fort_buf *b, const void *data, size_t len);
int fort_buf_puts(fort_buf *b, const char *s);
/* The common case (room left) inline: normalising a value appends byte by byte. */
static inline int fort_buf_put(fort_buf *b, const void *data, size_t len)
{
	if (!b->err && b->alloc && len < b->alloc - b->len) {
		__builtin_memcpy(b->buf + b->len, data, len);
		b->len += len;
		b->buf[b->len] = '\0';
		return 0;
	}
	return fort_buf_put_slow(b, data, len);
}
static inline int fort_buf_putc(fort_buf *b, char c)
{
	if (!b->err && b->alloc && b->len + 1 < b->alloc) {
		b->buf[b->len++] = c;
		b->buf[b->len] = '\0';
		return 0;
	}
	return fort_buf_put_slow(b, &c, 1);
}
int fort_buf_printf(fort_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fort_buf_reset(fort_buf *b);
/* Hand the buffer to the caller (free()); b is re-initialised.  NULL if an
 * append failed (the error stays set by that append); b is released. */
char *fort_buf_detach(fort_buf *b, size_t *len);
void fort_buf_release(fort_buf *b);

/* HTML text and attribute values: < > & and " escaped (text.c). */
void fort_html_escape(fort_buf *b, const char *s, size_t n);
void fort_html_escape_str(fort_buf *b, const char *s);

/* S as a JSON string, quoted and escaped as jansson's json_dumps does it
 * (the quote and the backslash, control characters as \b \f \n \r \t or
 * \u00XX in upper case; every other byte as it is): -1, nothing appended,
 * when S is not UTF-8 (jansson refuses it). */
int fort_json_string(fort_buf *b, const char *s);

/* CSV (RFC 4180) cells for files people open in a spreadsheet.
 * fort_csv_cell quotes S (doubling '"') and, when a spreadsheet would run
 * it as a formula (it starts with = + - @ tab or CR), puts an apostrophe
 * before it (OWASP CSV injection; Fortress's importer takes it off again).
 * FORT_CSV_MINIMAL: quote only a cell that needs it (a formula, or one
 * holding , " CR or LF); by default every cell is quoted.
 * fort_csv_quote quotes without the guard: only for text Fortress reads
 * back as it is (a rejects file's header). */
#define FORT_CSV_MINIMAL 1u
int fort_csv_formula(const char *s);
void fort_csv_cell(fort_buf *b, const char *s, unsigned flags);
void fort_csv_quote(fort_buf *b, const char *s);

/* Hex encode LEN bytes into OUT (2*LEN+1 bytes). */
void fort_hex(char *out, const unsigned char *in, size_t len);
/* Decode hex; 0 ok, -1 bad. */
int fort_unhex(unsigned char *out, size_t outlen, const char *hex);

int64_t fort_now(void);              /* unix seconds, UTC */
/* "2026-11-29T10:00:00Z" into out[21]. */
void fort_time_iso(char out[21], int64_t t);

/* Civil (proleptic Gregorian, UTC) dates as day numbers, day 0 being
 * 1970-01-01 (civil.c): the one date arithmetic.  M 1..12, D 1..31. */
int fort_civil_leap(int y);
unsigned fort_civil_month_days(int y, unsigned m);           /* 0 for a month out of 1..12 */
int64_t fort_days_from_civil(int y, unsigned m, unsigned d);
void fort_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);
int fort_civil_weekday(int64_t z);                           /* 0 Sunday ... 6 Saturday */
/* Y-M-D plus MONTHS (negative: back); a day the target month lacks becomes
 * its last day (31 January + 1 month = 28 or 29 February). */
void fort_civil_add_months(int *y, unsigned *m, unsigned *d, int64_t months);
/* Unix seconds of Y-M-D HH:MM:SS UTC (as timegm, without the C library). */
int64_t fort_civil_time(int y, unsigned m, unsigned d, int hh, int mm, int ss);

/* UTF-8 validity of LEN bytes. */
int fort_utf8_valid(const char *s, size_t len);
/* Convert Windows-1252 to UTF-8 (malloc'd, NUL-terminated). */
char *fort_cp1252_to_utf8(const char *s, size_t len);

/* Temporary files being written (PATH must stay valid until unregistered):
 * fort_signal_cleanup() (fortress.h) removes them from a signal handler. */
void fort_tmp_register(const char *path);
void fort_tmp_unregister(const char *path);

#endif
