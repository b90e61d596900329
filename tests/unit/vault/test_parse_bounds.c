/* test_parse_bounds.c - the typed-field normalisers, the data map's JSON
 * and the incident plan's JSON against growing input (issue 13, item 3):
 * time and peak memory grow at most linearly at 2x, 4x, 8x
 * (tests/unit/bounds.h).  The importers are in test_read_bounds.c, the
 * scan engine and readers in scan/test_scan_bounds.c and
 * scan/test_reader_bounds.c.
 *
 * A normaliser is given a value of N bytes of a shape that could make it
 * slow (whitespace to trim or collapse, separators between digits,
 * dots and '@', combining marks to fold), with no length limit where it
 * takes one (text, name), so the whole value is processed; values over
 * the built-in limits (e-mail, phone, IBAN, card) must be refused as
 * quickly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include "fortress.h"
#define FIXTURE_DIR "/tmp/fort-test-parse-bounds-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"
#include "bounds.h"
#include "util.h"
#include "vault/types.h"
#include "vault/vault_int.h"
#include "incident/plan_int.h"

static fort_buf in;

/* ---- normalisers ---- */

typedef struct {
	const char *name;
	fort_ftype type;
	const char *head, *unit, *tail;  /* HEAD, UNIT N times, TAIL */
	int any;                         /* 0: must normalise; 1: normalised or refused (FORT_EINPUT) */
	int index_and_mask;              /* also the index key and the mask of the stored form */
} norm_case;

static void make_value(const norm_case *c, size_t n)
{
	fort_buf_init(&in, 0);
	fort_buf_puts(&in, c->head);
	for (size_t i = 0; i < n; i++)
		fort_buf_puts(&in, c->unit);
	fort_buf_puts(&in, c->tail);
	assert_int_equal(fort_buf_error(&in), 0);
}

static void norm_fn(void *ctx, size_t n)
{
	const norm_case *c = ctx;
	char why[256];
	make_value(c, n);
	for (int rep = 0; rep < 4; rep++) {
		char *out = NULL, *k = NULL, *m = NULL;
		int r = type_normalise(&out, c->type, in.buf, in.len, SIZE_MAX / 2, "DE", why, sizeof why);
		if (r != 0 && !(c->any && r == FORT_EINPUT))
			_exit(5);
		if (r == 0 && c->index_and_mask && (type_index_key(&k, c->type, out) != 0 || type_mask(&m, c->type, out) != 0))
			_exit(6);
		free(out);
		free(k);
		free(m);
	}
	fort_buf_release(&in);
}

static void test_normalisers(void **state)
{
	static const norm_case cases[] = {
		{ "text", FT_TEXT, "", "Jane Roe lives at Main Street 1. ", "", 0, 1 },
		{ "text, whitespace to trim", FT_TEXT, "", " \t ", "x", 0, 1 },
		{ "text, accents and combining marks", FT_TEXT, "", "A\xcc\x8a" "e\xcc\x81\xc3\x9f ", "", 0, 1 },
		{ "name, spaces to collapse", FT_NAME, "Jane", "  \t Roe", "", 0, 1 },
		{ "name, accents to fold", FT_NAME, "", "\xc3\x89lo\xc3\xafse M\xc3\xbcller ", "", 0, 1 },
		{ "e-mail, a long local part", FT_EMAIL, "", "jane.roe", "@example.com", 1, 0 },
		{ "e-mail, dots and at signs", FT_EMAIL, "", "a.@", "example.com", 1, 0 },
		{ "e-mail, surrounding spaces", FT_EMAIL, "", " ", "jane@example.com", 0, 1 },
		{ "phone, separators", FT_PHONE, "+49", " -()./", "301234567", 1, 0 },
		{ "phone, digits", FT_PHONE, "+49", "30", "", 1, 0 },
		{ "phone, surrounding spaces", FT_PHONE, "", " ", "+49 30 1234567", 0, 1 },
		{ "IBAN, spaces", FT_IBAN, "DE89", "    ", "370400440532013000", 1, 0 },
		{ "IBAN, characters", FT_IBAN, "DE89", "3704", "", 1, 0 },
		{ "IBAN, surrounding spaces", FT_IBAN, "", " ", "DE89 3704 0044 0532 0130 00", 0, 1 },
		{ "card, separators", FT_CARD, "4111", " - ", "111111111111", 1, 0 },
		{ "card, digits", FT_CARD, "", "4111", "", 1, 0 },
		{ "date, spaces", FT_DATE, "", " ", "1980-02-29", 0, 1 },
		{ "date, digits", FT_DATE, "", "1980", "-02-29", 1, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		/* about 50 KB at n, 400 KB at 8n */
		size_t n = bound_n(50000 / strlen(cases[i].unit));
		bound_assert_linear(cases[i].name, norm_fn, (void *)&cases[i], n, BOUND_CHECK_RSS);
	}
}

/* ---- the data map's JSON ---- */

/* With LARGEST, the largest map allowed, whatever N: 200 purposes, 200
 * recipients, 200 fields each naming every purpose, each purpose naming
 * every recipient (names are matched by linear search: 8 million
 * comparisons).  Else 20 purposes and 20 fields whose texts (descriptions,
 * retention) grow with N. */
static int largest;

static void make_map(size_t n)
{
	size_t np = largest ? 200 : 20, nf = largest ? 200 : 20, nr = largest ? 200 : 2, text = largest ? 8 : n;
	fort_buf_init(&in, 0);
	fort_buf_puts(&in, "{\"version\":1,\"default_country\":\"DE\",\"recipients\":{");
	for (size_t i = 0; i < nr; i++)
		fort_buf_printf(&in, "%s\"recipient_%zu\":{\"kind\":\"processor\",\"country\":\"DE\"}", i ? "," : "", i);
	fort_buf_puts(&in, "},\"purposes\":{");
	for (size_t i = 0; i < np; i++) {
		fort_buf_printf(&in, "%s\"purpose_%zu\":{\"legal_basis\":\"contract\",\"recipients\":[", i ? "," : "", i);
		for (size_t k = 0; k < nr; k++)
			fort_buf_printf(&in, "%s\"recipient_%zu\"", k ? "," : "", k);
		fort_buf_puts(&in, "],\"description\":\"");
		for (size_t k = 0; k < text; k++)
			fort_buf_putc(&in, 'd');
		fort_buf_puts(&in, "\"}");
	}
	fort_buf_puts(&in, "},\"fields\":[");
	for (size_t f = 0; f < nf; f++) {
		fort_buf_printf(&in, "%s{\"name\":\"field_%zu\",\"id\":%zu,\"label\":\"Field %zu\",\"type\":\"text\","
				"\"category\":\"notes\",\"purposes\":[",
				f ? "," : "", f, f + 1, f);
		for (size_t i = largest ? 0 : f, k = 0; i < np; i += largest ? 1 : np, k++)
			fort_buf_printf(&in, "%s\"purpose_%zu\"", k ? "," : "", i);
		fort_buf_puts(&in, "],\"legal_basis\":\"contract\",\"retention\":\"");
		for (size_t k = 0; k < text; k++)
			fort_buf_putc(&in, 'r');
		fort_buf_puts(&in, "\",\"searchable\":false}");
	}
	fort_buf_puts(&in, "]}");
	assert_int_equal(fort_buf_error(&in), 0);
}

static void map_fn(void *ctx, size_t n)
{
	fort_map m;
	char *js = NULL;
	(void)ctx;
	make_map(n);
	memset(&m, 0, sizeof m);
	if (map_parse(&m, in.buf, in.len) != 0) {
		fprintf(stderr, "map_parse: %s\n", fort_error_message());
		_exit(5);
	}
	if (map_to_json(&js, &m) != 0)
		_exit(6);
	free(js);
	map_release(&m);
	fort_buf_release(&in);
}

/* tests/data/regressions/map-1.bin: 201 fields.  map_parse set the count
 * before the fields were allocated, and its cleanup freed 201 fields
 * through NULL: `fortress map import` crashed (exit 139). */
static void test_map_regression(void **state)
{
	char p[1024];
	const char *d = getenv("FORT_TEST_DATA");
	FILE *f;
	char buf[65536];
	size_t len;
	fort_map m;
	(void)state;
	snprintf(p, sizeof p, "%s/regressions/map-1.bin", d ? d : "tests/data");
	assert_non_null(f = fopen(p, "rb"));
	len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	assert_int_equal(map_parse(&m, buf, len), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "at most 200 fields"));
	/* and through the public call, on a vault: refused, the map unchanged */
	{
		fort_vault *v = create_vault("map.fort");
		char *before = NULL, *after = NULL;
		assert_int_equal(fort_map_export(&before, v), 0);
		assert_int_equal(fort_map_import(v, buf, len), FORT_EINPUT);
		assert_int_equal(fort_map_export(&after, v), 0);
		assert_string_equal(before, after);
		free(before);
		free(after);
		fort_vault_close(v);
	}
}

static void test_map_json(void **state)
{
	(void)state;
	/* the map must parse at all, first (a clear message if not) */
	map_fn(NULL, 3);
	bound_assert_linear("map JSON, texts", map_fn, NULL, bound_n(2000), BOUND_CHECK_RSS);
}

/* The largest map the limits allow parses in well under a second (a list
 * of purposes once had no limit: 8,000 purposes cost 16x 1,000). */
static void test_map_largest(void **state)
{
	bound_sample s;
	(void)state;
	largest = 1;
	/* in a child only: a parse in this process would raise the peak
	 * memory every later child starts from */
	s = bound_measure(map_fn, NULL, 1, 1, 30);
	print_message("largest map: cpu %.4f s, peak rss %ld KiB\n", s.cpu, s.rss_kb);
	if (s.cpu > (BOUND_CHECK_RSS ? 1.0 : 5.0))
		fail_msg("the largest map allowed takes %.2f s", s.cpu);
	/* one purpose more is refused, with the limit named */
	{
		fort_map m;
		fort_buf_init(&in, 0);
		fort_buf_puts(&in, "{\"purposes\":{");
		for (int i = 0; i < 201; i++)
			fort_buf_printf(&in, "%s\"p%d\":{\"legal_basis\":\"contract\",\"description\":\"x\"}", i ? "," : "", i);
		fort_buf_puts(&in, "},\"fields\":[{\"name\":\"a\",\"type\":\"text\",\"category\":\"notes\",\"purposes\":[\"p0\"]}]}");
		assert_int_equal(map_parse(&m, in.buf, in.len), FORT_EINPUT);
		assert_non_null(strstr(fort_error_message(), "at most 200 purposes"));
		fort_buf_release(&in);
	}
	largest = 0;
}

/* ---- the incident plan's JSON ---- */

/* The default plan with a playbook of N steps added, and N extra notes. */
static void make_plan(size_t n)
{
	fort_buf_init(&in, 0);
	fort_buf_puts(&in, "{\"version\":1,\"country\":\"DE\",\"contacts\":{");
	static const char *const roles[] = { "lead", "communications", "technical", "legal", "insurer", "lawyer" };
	for (size_t i = 0; i < 6; i++)
		fort_buf_printf(&in, "%s\"%s\":{\"name\":\"Ann\",\"email\":\"ann@example.com\",\"phone\":\"+49 30 1234567\"}",
				i ? "," : "", roles[i]);
	fort_buf_puts(&in, "},\"playbooks\":[{\"type\":\"lost-device\",\"title\":\"Lost\",\"scenario\":\"A laptop.\",\"steps\":[");
	for (size_t i = 0; i < n; i++)
		fort_buf_printf(&in, "%s{\"owner\":\"%s\",\"text\":\"Step number %zu: do what the plan says\"}", i ? "," : "",
				roles[i % 6], i);
	fort_buf_puts(&in, "]}]}");
	assert_int_equal(fort_buf_error(&in), 0);
}

static void plan_fn(void *ctx, size_t n)
{
	json_error_t err;
	json_t *root;
	int r;
	(void)ctx;
	make_plan(n);
	if (!(root = json_loadb(in.buf, in.len, JSON_REJECT_DUPLICATES, &err)))
		_exit(5);
	r = plan_validate(root);
	json_decref(root);
	if (r != 0 && r != FORT_EINPUT)
		_exit(6);
	fort_buf_release(&in);
}

static void test_plan_json(void **state)
{
	(void)state;
	bound_assert_linear("plan JSON", plan_fn, NULL, bound_n(4000), BOUND_CHECK_RSS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalisers),
		cmocka_unit_test(test_map_regression),
		cmocka_unit_test(test_map_json),
		cmocka_unit_test(test_map_largest),
		cmocka_unit_test(test_plan_json),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
