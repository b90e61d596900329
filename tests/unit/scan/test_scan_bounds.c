/* test_scan_bounds.c - the scan engine against growing input (issue 13, item 3): time and peak
 * memory grow at most linearly at 2x, 4x, 8x (tests/unit/bounds.h).
 *
 * The engine (fort_scan_buffer, every detector) gets ordinary text full of
 * client data, and the shapes that make pattern matchers slow: one long
 * line, long runs of digits, of digit groups, of '@' and '.', of letters
 * and digits (IBAN-like), of capitalised words (names).  The readers'
 * growth tests are in test_reader_bounds.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-scan-bounds-XXXXXX"
#include "fixture.h"
#include "readers_test.h"
#include "bounds.h"

/* ---- the engine ---- */

typedef struct {
	const char *name;
	const char *unit;       /* repeated N times */
	size_t min_findings;    /* per unit, at least (0: any) */
} engine_case;

static fort_buf text;

static int count_finding(void *ctx, const fort_scan_finding *f)
{
	(void)f;
	(*(size_t *)ctx)++;
	return 0;
}

static void make_text(const engine_case *c, size_t n)
{
	fort_buf_init(&text, 0);
	for (size_t i = 0; i < n; i++)
		fort_buf_puts(&text, c->unit);
	assert_int_equal(fort_buf_error(&text), 0);
}

static void engine_fn(void *ctx, size_t n)
{
	const engine_case *c = ctx;
	fort_scan_opts o = FORT_SCAN_OPTS_INIT;
	size_t found = 0;
	make_text(c, n);
	o.jobs = 1;
	o.on_finding = count_finding;
	o.ctx = &found;
	if (fort_scan_buffer(NULL, "bounds.txt", text.buf, text.len, &o) != 0)
		_exit(5);
	if (found < c->min_findings * n)
		_exit(6);
	fort_buf_release(&text);
}

static void test_engine(void **state)
{
	static const engine_case cases[] = {
		{ "client data, line by line",
		  "Jane Roe <jane.roe@example.com>, +49 30 1234567, IBAN DE89 3704 0044 0532 0130 00, "
		  "card 4111 1111 1111 1111, born 1980-02-29\n", 3 },
		{ "one long line of words", "lorem ipsum dolor sit amet ", 0 },
		{ "a run of digits", "4111111111", 0 },
		{ "a run of digit groups", "4111 1111 ", 0 },
		{ "a run of '@' and '.'", "a@b.", 0 },
		{ "a run of '@'", "@@@@", 0 },
		{ "a run of e-mail-like words without a domain", "jane.roe@example", 0 },
		{ "a run of letters and digits (IBAN-like)", "DE89AB12", 0 },
		{ "a run of capitalised words", "Jane Roe Anna ", 0 },
		{ "a run of '+' and digits", "+49 +30 ", 0 },
		{ "a run of dates", "2024-01-01-", 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		/* about 100 KB at n, 800 KB at 8n */
		size_t n = bound_n(100000 / strlen(cases[i].unit));
		bound_assert_linear(cases[i].name, engine_fn, (void *)&cases[i], n, BOUND_CHECK_RSS);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
