/* test_sort.c - fort_sort_keyed (issue 16, import): the order of qsort with
 * the same comparison, on keys spread evenly (hashes), on many equal keys
 * (one e-mail many times), on small sequential ids, on time-prefixed ids
 * and ids after a table's rank (the bits they share skipped), on
 * every size around the insertion-sort limit, and on elements of odd sizes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fortress.h"
#include "util.h"
#include "../xorshift.h"

struct el {
	uint64_t k;      /* what the key function reads */
	uint32_t tie;    /* the comparison's tiebreak: a total order */
	char pad[13];    /* an element size that is no power of two */
};

static uint64_t rng = 0x243f6a8885a308d3ULL;
static uint64_t rnd64(void)
{
	return xorshift64(&rng);
}

static uint64_t el_key(const void *a)
{
	return ((const struct el *)a)->k;
}

static int el_cmp(const void *a, const void *b)
{
	const struct el *x = a, *y = b;
	if (x->k != y->k)
		return x->k < y->k ? -1 : 1;
	return (x->tie > y->tie) - (x->tie < y->tie);
}

/* a key coarser than the comparison: only its top 20 bits */
static uint64_t el_key_coarse(const void *a)
{
	return ((const struct el *)a)->k >> 44 << 44;
}

static void check(struct el *a, size_t n, uint64_t (*key)(const void *))
{
	struct el *b = malloc(n * sizeof *b + 1);
	assert_non_null(b);
	memcpy(b, a, n * sizeof *a);
	qsort(b, n, sizeof *b, el_cmp);
	fort_sort_keyed(a, n, sizeof *a, key, el_cmp);
	for (size_t i = 0; i < n; i++)
		if (memcmp(&a[i], &b[i], sizeof *a) != 0)
			fail_msg("n %zu: element %zu differs from qsort's", n, i);
	free(b);
}

static void fill(struct el *a, size_t n, int kind)
{
	for (size_t i = 0; i < n; i++) {
		memset(&a[i], 0, sizeof a[i]);
		a[i].tie = (uint32_t)rnd64();
		a[i].pad[i % sizeof a[i].pad] = (char)i;
		switch (kind) {
		case 0: a[i].k = rnd64(); break;                          /* hashes */
		case 1: a[i].k = rnd64() % 3 ? rnd64() : 0x1234567812345678ULL; break; /* one value a third of the time */
		case 2: a[i].k = i % 1000; break;                         /* small ids */
		case 3: a[i].k = (rnd64() & 0xffff000000000000ULL) | (rnd64() % 4); break; /* equal below the top 16 bits */
		case 4: a[i].k = 0x000d0a3000000000ULL | (rnd64() >> 28); break; /* a time prefix, then random */
		case 5: a[i].k = (uint64_t)(i % 3) << 58 | 0x0200000000000000ULL | (rnd64() >> 40); break; /* a rank, then ids */
		default: a[i].k = 5; break;                               /* all equal */
		}
	}
}

static void test_as_qsort(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 47, 48, 49, 50, 255, 256, 257, 1000, 12289, 70000 };
	struct el *a = malloc(70000 * sizeof *a);
	(void)state;
	assert_non_null(a);
	for (int kind = 0; kind < 7; kind++)
		for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
			fill(a, sizes[s], kind);
			check(a, sizes[s], el_key);
			fill(a, sizes[s], kind);
			check(a, sizes[s], el_key_coarse);
		}
	/* already sorted, and reversed */
	fill(a, 20000, 0);
	qsort(a, 20000, sizeof *a, el_cmp);
	check(a, 20000, el_key);
	for (size_t i = 0; i < 10000; i++) {
		struct el t = a[i];
		a[i] = a[19999 - i];
		a[19999 - i] = t;
	}
	check(a, 20000, el_key);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_as_qsort),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
