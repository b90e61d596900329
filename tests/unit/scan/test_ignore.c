/* test_ignore.c - .fortressignore matching against hostile patterns: the
 * regression inputs (tests/data/regressions/ignore-*.bin: the ignore file,
 * a NUL, then paths separated by NULs or newlines) must match in
 * milliseconds, and the time must grow linearly with the name's length. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-ignore-XXXXXX"
#include "fixture.h"
#include "bounds.h"
#include "util.h"
#include "scan/scan_int.h"

static char *slurp_regression(const char *name, size_t *len)
{
	char p[1024];
	const char *d = getenv("FORT_TEST_DATA");
	FILE *f;
	char *buf;
	long n;

	snprintf(p, sizeof p, "%s/regressions/%s", d ? d : "tests/data", name);
	f = fopen(p, "rb");
	if (!f)
		fail_msg("cannot open %s", p);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Match every path of a regression input; returns how many matched. */
static int run_input(const char *data, size_t len)
{
	const char *nul = memchr(data, 0, len);
	size_t tl = nul ? (size_t)(nul - data) : len, i;
	scan_ignore *ig = NULL;
	int hits = 0;

	assert_int_equal(scan_ignore_parse(&ig, "", data, tl), 0);
	for (i = tl + 1; i < len;) {
		size_t e = i;
		char *path;
		while (e < len && data[e] && data[e] != '\n')
			e++;
		path = fort_strndup(data + i, e - i);
		assert_non_null(path);
		hits += scan_ignore_match(ig, path, 0) == 1;
		hits += scan_ignore_match(ig, path, 1) == 1;
		free(path);
		i = e + 1;
	}
	scan_ignore_free(ig);
	return hits;
}

struct input { const char *data; size_t len; };

static void run_fn(void *ctx, size_t n)
{
	const struct input *in = ctx;
	(void)n;
	run_input(in->data, in->len);
}

static void test_regressions(void **state)
{
	static const char *const names[] = { "ignore-1.bin", "ignore-2.bin" };
	(void)state;
	for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
		struct input in;
		bound_sample t;
		char *d = slurp_regression(names[k], &in.len);
		in.data = d;
		/* the recursive matcher took minutes on ignore-1: a child with
		 * a 10 s alarm, so the suite fails instead of hanging */
		t = bound_measure(run_fn, &in, 0, 1, 10);
		print_message("%s: %.4f s\n", names[k], t.cpu);
		if (t.cpu > 1.0)
			fail_msg("%s: matching took %.2f s", names[k], t.cpu);
		run_input(d, in.len);   /* and in this process, for ASan */
		free(d);
	}
}

/* The classic blow-up: "*a*a*a...*b" against a name of a's (no match), and
 * the same with double stars across directories. */
static void glob_star(void *ctx, size_t n)
{
	char *s = malloc(n + 1);
	(void)ctx;
	memset(s, 'a', n);
	s[n] = 0;
	for (int i = 0; i < 400; i++)
		if (scan_glob("*a*a*a*a*a*a*a*a*a*a*a*a*b", s))
			abort();
	free(s);
}

static void glob_dstar(void *ctx, size_t n)
{
	char *s = malloc(2 * n + 2);
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = 'a';
		s[2 * i + 1] = '/';
	}
	s[2 * n] = 'a';
	s[2 * n + 1] = 0;
	for (int i = 0; i < 400; i++)
		if (scan_glob("**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/b", s))
			abort();
	free(s);
}

static void test_linear(void **state)
{
	(void)state;
	bound_assert_linear("glob *a*a...*b", glob_star, NULL, bound_n(2000), 0);
	bound_assert_linear("glob **/a/**/...b", glob_dstar, NULL, bound_n(1000), 0);
}

/* What the iterative matcher must still get right (beyond the engine's
 * tests): backtracking to the last star only is enough. */
static void test_semantics(void **state)
{
	(void)state;
	assert_true(scan_glob("*a*a*b", "xaayab"));
	assert_false(scan_glob("*a*a*b", "xayb"));
	assert_true(scan_glob("a*b*c", "a-b-b-c"));
	assert_true(scan_glob("*.tar.gz", "x.tar.tar.gz"));
	assert_false(scan_glob("*.tar.gz", "x.tar.gz/y"));
	assert_true(scan_glob("**", "a/b/c"));
	assert_true(scan_glob("**/b/**/d", "a/b/c/b/d"));
	assert_false(scan_glob("**/b/**/d", "a/b/c/b/e"));
	assert_true(scan_glob("**/b/**", "x/b/y"));
	assert_false(scan_glob("**/b/**", "x/b"));
	assert_false(scan_glob("a/**", "a"));
	assert_true(scan_glob("a/**/**/b", "a/b"));
	assert_true(scan_glob("a/*/c", "a/b/c"));
	assert_false(scan_glob("a/*/c", "a/b/x/c"));
	assert_true(scan_glob("a**b", "axxb"));        /* not a whole segment: a single star */
	assert_false(scan_glob("a**b", "ax/xb"));
	assert_true(scan_glob("[ab]*[!x]", "b12y"));
	assert_false(scan_glob("[ab]*[!x]", "b12x"));
	assert_true(scan_glob("[x", "[x"));            /* unterminated class: a literal '[' */
	assert_true(scan_glob("a\\/b", "a/b"));
	assert_true(scan_glob("*\\*", "ab*"));
	assert_false(scan_glob("*\\*", "ab"));
	assert_true(scan_glob("", ""));
	assert_false(scan_glob("", "a"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regressions),
		cmocka_unit_test(test_linear),
		cmocka_unit_test(test_semantics),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
