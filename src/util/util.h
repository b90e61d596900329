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
/* How many refusals (FORT_EDENIED) this thread has set so far, and (MSG,
 * may be NULL) the newest one's message. */
uint64_t fort_error_denied(const char **msg);
/* Prefix the current message with "PREFIX: " keeping the code. */
int fort_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

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
} fort_buf;
#define FORT_BUF_DEFAULT_CAP ((size_t)1 << 30)
void fort_buf_init(fort_buf *b, size_t cap);
/* The same, for a buffer that will hold client values or secrets: wiped on
 * growth and release (sodium_memzero). */
void fort_buf_init_secret(fort_buf *b, size_t cap);
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

/* Hex encode LEN bytes into OUT (2*LEN+1 bytes). */
void fort_hex(char *out, const unsigned char *in, size_t len);
/* Decode hex; 0 ok, -1 bad. */
int fort_unhex(unsigned char *out, size_t outlen, const char *hex);

int64_t fort_now(void);              /* unix seconds, UTC */
/* "2026-11-29T10:00:00Z" into out[21]. */
void fort_time_iso(char out[21], int64_t t);

/* UTF-8 validity of LEN bytes. */
int fort_utf8_valid(const char *s, size_t len);
/* Convert Windows-1252 to UTF-8 (malloc'd, NUL-terminated). */
char *fort_cp1252_to_utf8(const char *s, size_t len);

#endif
