#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "util.h"

static char empty[1];

void fort_buf_init(fort_buf *b, size_t cap)
{
	b->buf = empty;
	b->len = b->alloc = 0;
	b->cap = cap ? cap : FORT_BUF_DEFAULT_CAP;
	b->secret = 0;
	b->err = 0;
	b->fixed = NULL;
}

void fort_buf_init_secret(fort_buf *b, size_t cap)
{
	fort_buf_init(b, cap);
	b->secret = 1;
}

void fort_buf_init_on(fort_buf *b, char *mem, size_t size, size_t cap)
{
	fort_buf_init(b, cap);
	b->secret = 1;
	if (!mem || !size)
		return;
	if (size > b->cap)
		size = b->cap; /* the inline appends trust alloc: never past the cap */
	mem[0] = '\0';
	b->buf = b->fixed = mem;
	b->alloc = size;
}

int fort_buf_grow(fort_buf *b, size_t extra)
{
	size_t need, n;
	char *p;
	if (b->err)
		return b->err;
	if (fort_size_add(&need, b->len, extra) < 0 || fort_size_add(&need, need, 1) < 0 || need > b->cap)
		return b->err = fort_error_set(FORT_EINPUT, "value too large (limit %zu bytes)", b->cap);
	if (need <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 64;
	while (n < need)
		n = n > b->cap / 2 ? b->cap + 1 : n * 2;
	if (n > b->cap)
		n = b->cap; /* the inline appends trust alloc: never past the cap */
	if (b->secret || (b->fixed && b->buf == b->fixed)) {
		/* realloc could leave a copy of a secret behind: move by hand
		 * (and the caller's storage is not the heap's to realloc) */
		p = fort_malloc(n);
		if (!p)
			return b->err = fort_error_set(FORT_ENOMEM, "out of memory");
		memcpy(p, b->buf, b->len + 1);
		if (b->alloc) {
			if (b->secret)
				sodium_memzero(b->buf, b->alloc);
			if (b->buf != b->fixed)
				free(b->buf);
		}
	} else {
		p = fort_realloc(b->alloc ? b->buf : NULL, n);
		if (!p)
			return b->err = fort_error_set(FORT_ENOMEM, "out of memory");
		if (!b->alloc)
			p[0] = '\0';
	}
	b->buf = p;
	b->alloc = n;
	return 0;
}

int fort_buf_error(const fort_buf *b)
{
	if (b->err && fort_error_code() != b->err) {
		if (b->err == FORT_ENOMEM)
			fort_error_set(b->err, "out of memory");
		else
			fort_error_set(b->err, "value too large (limit %zu bytes)", b->cap);
	}
	return b->err;
}

int fort_buf_put_slow(fort_buf *b, const void *data, size_t len)
{
	int r;
	if ((r = fort_buf_grow(b, len)) < 0)
		return r;
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
	return 0;
}

int fort_buf_puts(fort_buf *b, const char *s) { return fort_buf_put(b, s, strlen(s)); }

int fort_buf_printf(fort_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, r;
	if (b->err)
		return b->err;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return b->err = fort_error_set(FORT_ERROR, "format error");
	if ((r = fort_buf_grow(b, (size_t)n)) < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void fort_buf_reset(fort_buf *b)
{
	if (b->alloc) {
		if (b->secret)
			sodium_memzero(b->buf, b->len);
		b->buf[0] = '\0';
	}
	b->len = 0;
	b->err = 0;
}

char *fort_buf_detach(fort_buf *b, size_t *len)
{
	char *p;
	if (b->err) {
		if (len)
			*len = 0;
		fort_buf_release(b);
		return NULL;
	}
	if (b->alloc && b->buf == b->fixed) {
		/* the caller's storage: a copy, and the storage wiped */
		size_t n = b->len;
		p = fort_malloc(n + 1);
		if (!p) {
			fort_buf_release(b);
			fort_error_set(FORT_ENOMEM, "out of memory");
			return NULL;
		}
		memcpy(p, b->buf, n + 1);
		fort_buf_release(b);
		if (len)
			*len = n;
		return p;
	}
	p = b->alloc ? b->buf : fort_strdup("");
	if (len)
		*len = b->len;
	int secret = b->secret;
	size_t cap = b->cap;
	fort_buf_init(b, cap);
	b->secret = secret;
	return p;
}

void fort_buf_release(fort_buf *b)
{
	int secret = b->secret;
	if (b->alloc) {
		if (b->secret)
			sodium_memzero(b->buf, b->alloc);
		if (b->buf != b->fixed)
			free(b->buf);
	}
	fort_buf_init(b, b->cap);
	b->secret = secret;
}
