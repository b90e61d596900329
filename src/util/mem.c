#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "util.h"

static unsigned long fail_at; /* test hook: 0 = never (atomic: imports allocate on several threads) */

void fort_alloc_fail_at(unsigned long n) { __atomic_store_n(&fail_at, n, __ATOMIC_SEQ_CST); }

static int should_fail(void)
{
	unsigned long cur = __atomic_load_n(&fail_at, __ATOMIC_RELAXED);
	while (cur != 0) {
		if (__atomic_compare_exchange_n(&fail_at, &cur, cur - 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
			return cur == 1;
	}
	return 0;
}

static void *oom(void)
{
	fort_error_set(FORT_ENOMEM, "out of memory");
	return NULL;
}

void *fort_malloc(size_t n)
{
	void *p = should_fail() ? NULL : malloc(n ? n : 1);
	return p ? p : oom();
}

void *fort_calloc(size_t n, size_t size)
{
	void *p = should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1);
	return p ? p : oom();
}

void *fort_realloc(void *old, size_t n)
{
	void *p = should_fail() ? NULL : realloc(old, n ? n : 1);
	return p ? p : oom();
}

char *fort_strndup(const char *s, size_t n)
{
	char *p = fort_malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *fort_strdup(const char *s)
{
	return fort_strndup(s, strlen(s));
}

/* Wiping allocations for libraries that keep client values in their own
 * memory (jansson's trees, libharu's pages).  Their free functions are
 * given only the pointer: the block's size is asked of the allocator
 * (malloc_usable_size, glibc; ASan answers it too), and all of it is wiped
 * with sodium_memzero before free().  The blocks are plain malloc blocks,
 * so a string jansson hands out (json_dumps) may still be freed with
 * free() or fort_free_str. */
void *fort_wipe_malloc(size_t n)
{
	return malloc(n ? n : 1);
}

void fort_wipe_free(void *ptr)
{
	if (!ptr)
		return;
	sodium_memzero(ptr, malloc_usable_size(ptr));
	free(ptr);
}

void fort_free_str(char *s)
{
	if (s) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

int fort_array_grow(void **arr, size_t *cap, size_t need, size_t elem, size_t min)
{
	size_t nc = *cap ? *cap : (min ? min : 1), bytes;
	void *p;
	if (need <= *cap)
		return 0;
	while (nc < need)
		if (fort_size_mul(&nc, nc, 2) < 0)
			return fort_error_set(FORT_ENOMEM, "out of memory: too many items");
	if (fort_size_mul(&bytes, nc, elem) < 0)
		return fort_error_set(FORT_ENOMEM, "out of memory: too many items");
	if (!(p = fort_realloc(*arr, bytes)))
		return FORT_ENOMEM;
	*arr = p;
	*cap = nc;
	return 0;
}
