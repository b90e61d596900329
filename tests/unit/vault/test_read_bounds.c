/* test_read_bounds.c - the import readers against hostile sizes: the
 * regression input (tests/data/regressions/vcard-1.bin: quadratic
 * quoted-printable soft line breaks, 60 KB took 3.3 s) is read in
 * milliseconds, and for CSV, vCard (plain and with soft breaks) and JSON
 * the time and peak memory grow at most linearly at 2x, 4x, 8x input
 * (tests/unit/bounds.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-read-bounds-XXXXXX"
#include "fixture.h"
#include "bounds.h"
#include "util.h"
#include "vault/readers.h"

static int count_cb(void *ctx, const reader_record *r)
{
	(void)r;
	(*(size_t *)ctx)++;
	return 0;
}

/* Read BUF as FMT from memory; returns the reader's code. */
static int read_buf(reader_format fmt, const char *buf, size_t len, size_t *records)
{
	FILE *f = fmemopen((void *)buf, len, "rb");
	int r;
	assert_non_null(f);
	*records = 0;
	r = reader_read(fmt, f, "bounds", count_cb, records, NULL);
	fclose(f);
	return r;
}

static char *slurp_regression(const char *name, size_t *len)
{
	char p[1024];
	const char *d = getenv("FORT_TEST_DATA");
	FILE *f;
	char *buf;
	long n;
	snprintf(p, sizeof p, "%s/regressions/%s", d ? d : "tests/data", name);
	if (!(f = fopen(p, "rb")))
		fail_msg("cannot open %s", p);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_non_null(buf = malloc((size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

struct input { const char *data; size_t len; };

static void read_vcard_fn(void *ctx, size_t n)
{
	const struct input *in = ctx;
	size_t recs;
	(void)n;
	if (read_buf(READER_VCARD, in->data, in->len, &recs) != 0 || recs != 1)
		_exit(5);
}

static void test_vcard_regression(void **state)
{
	struct input in;
	bound_sample t;
	size_t recs;
	char *d = slurp_regression("vcard-1.bin", &in.len);
	(void)state;
	in.data = d;
	t = bound_measure(read_vcard_fn, &in, 0, 1, 20);
	print_message("vcard-1.bin: %.4f s\n", t.cpu);
	if (t.cpu > 0.5)
		fail_msg("vcard-1.bin took %.2f s", t.cpu);
	assert_int_equal(read_buf(READER_VCARD, d, in.len, &recs), 0);
	assert_int_equal(recs, 1);
	free(d);
}

/* ---- generators: N is the size unit ---- */

static fort_buf gen;

static void gen_csv(size_t n)
{
	fort_buf_init(&gen, 0);
	fort_buf_puts(&gen, "Name,E-mail,Phone,Notes\n");
	for (size_t i = 0; i < n; i++)
		fort_buf_printf(&gen, "Ann Example %zu,ann%zu@example.com,+49 30 %07zu,\"a note, with \"\"quotes\"\"\"\n", i, i, i);
}

static void gen_json(size_t n)
{
	fort_buf_init(&gen, 0);
	fort_buf_puts(&gen, "[");
	for (size_t i = 0; i < n; i++)
		fort_buf_printf(&gen, "%s{\"name\": \"Ann Example %zu\", \"email\": \"ann%zu@example.com\", \"n\": %zu}\n",
				i ? "," : "", i, i, i);
	fort_buf_puts(&gen, "]");
}

static void gen_vcard(size_t n)
{
	fort_buf_init(&gen, 0);
	for (size_t i = 0; i < n; i++)
		fort_buf_printf(&gen, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Example %zu\r\nEMAIL:ann%zu@example.com\r\n"
				"NOTE:folded\r\n  note\r\nEND:VCARD\r\n", i, i);
}

/* One card: long parameters and N soft line breaks (what was quadratic). */
static void gen_vcard_qp(size_t n)
{
	fort_buf_init(&gen, 0);
	fort_buf_puts(&gen, "BEGIN:VCARD\nVERSION:2.1\nFN:x\nNOTE;X-");
	for (size_t i = 0; i < n; i++)
		fort_buf_putc(&gen, 'A');
	fort_buf_puts(&gen, ";ENCODING=QUOTED-PRINTABLE:");
	for (size_t i = 0; i < n; i++)
		fort_buf_puts(&gen, "=\n");
	fort_buf_puts(&gen, "x\nEND:VCARD\n");
}

struct gen_case {
	reader_format fmt;
	void (*make)(size_t n);
	size_t records_per_n, records_fixed;
};

static void run_case(void *ctx, size_t n)
{
	const struct gen_case *c = ctx;
	size_t recs;
	c->make(n);
	if (read_buf(c->fmt, gen.buf, gen.len, &recs) != 0 || recs != c->records_per_n * n + c->records_fixed)
		_exit(5);
	fort_buf_release(&gen);
}

static void test_linear(void **state)
{
	static const struct gen_case csv = { READER_CSV, gen_csv, 1, 0 }, json = { READER_JSON, gen_json, 1, 0 },
				     vcf = { READER_VCARD, gen_vcard, 1, 0 }, qp = { READER_VCARD, gen_vcard_qp, 0, 1 };
	(void)state;
	bound_assert_linear("csv", run_case, (void *)&csv, bound_n(4000), BOUND_CHECK_RSS);
	bound_assert_linear("json", run_case, (void *)&json, bound_n(4000), BOUND_CHECK_RSS);
	bound_assert_linear("vcard", run_case, (void *)&vcf, bound_n(4000), BOUND_CHECK_RSS);
	/* 8 x 40,000 (params and breaks): 960 KB, under the 1 MiB card cap */
	bound_assert_linear("vcard quoted-printable soft breaks", run_case, (void *)&qp, bound_n(40000), BOUND_CHECK_RSS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vcard_regression),
		cmocka_unit_test(test_linear),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
