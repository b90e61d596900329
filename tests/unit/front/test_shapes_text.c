/* test_shapes_text.c - the server's hot answers written straight into a
 * buffer (front/shapes.h: shape_record_text, shape_find_text) are byte for
 * byte what jansson makes of the shared shapes (json_dumps, JSON_COMPACT):
 * masked and revealed records of a real vault, values with quotes,
 * backslashes, control characters and non-ASCII text, an empty find and a
 * find of several; fort_json_string against jansson over every byte value;
 * and what is refused (not UTF-8) falls back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "fortress.h"
#include "util.h"
#include "front/shapes.h"

#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_DIR "/tmp/fort-test-shapes-XXXXXX"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

/* jansson's text of J (consumed) */
static char *dumped(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	assert_non_null(s);
	return s;
}

static void expect_record_same(const fort_record *rec)
{
	fort_buf b;
	char *want = dumped(shape_record(rec));
	fort_buf_init(&b, FORT_BUF_DEFAULT_CAP);
	assert_int_equal(shape_record_text(&b, rec), 0);
	assert_string_equal(b.buf, want);
	assert_int_equal(b.len, strlen(want));
	fort_buf_release(&b);
	free(want);
}

static void test_record_text(void **state)
{
	(void)state;
	fort_vault *v = create_vault("shapes.fort");
	char a[FORT_ID_LEN + 1], c[FORT_ID_LEN + 1];
	const fort_kv ka[] = {
		{ "full_name", "Zoë \"Quote\" O'Brien \\ Back" },
		{ "email", "zoe.obrien@example.com" },
		{ "phone", "+49 30 1234567" },
		{ "iban", "DE89 3704 0044 0532 0130 00" },
		{ "notes", "line one\nline two\ttabbed, € 日本 \xf0\x9f\x8d\x9e / slash \\ \"q\"" },
	};
	const fort_kv kc[] = { { "full_name", "Only A Name" } };
	fort_record *rec = NULL;
	static const char *const all[] = { "all" };
	fort_read_opts o = FORT_READ_OPTS_INIT;

	if (fort_client_add(a, v, ka, sizeof ka / sizeof ka[0]) != 0)
		fail_msg("add: %s", fort_error_message());
	assert_int_equal(fort_client_add(c, v, kc, 1), 0);
	/* masked (what GET /api/clients/{id} answers) */
	assert_int_equal(fort_client_get(&rec, v, a, NULL), 0);
	expect_record_same(rec);
	fort_record_free(rec);
	assert_int_equal(fort_client_get(&rec, v, c, NULL), 0);
	expect_record_same(rec);
	fort_record_free(rec);
	/* revealed: the values themselves, escapes and all */
	o.reveal = all;
	o.nreveal = 1;
	o.purpose = "billing";
	assert_int_equal(fort_client_get(&rec, v, a, &o), 0);
	assert_non_null(strchr(fort_record_value(rec, "full_name"), '"'));
	expect_record_same(rec);
	fort_record_free(rec);
	o.purpose = "support";
	if (fort_client_get(&rec, v, a, &o) == 0) {
		expect_record_same(rec);
		fort_record_free(rec);
	}
	fort_error_clear();
	fort_vault_close(v);
}

static void test_find_text(void **state)
{
	(void)state;
	char ids[3][FORT_ID_LEN + 1] = { "c-0000000000000001", "c-00000000000000ab", "c-ffffffffffffffff" };
	for (size_t n = 0; n <= 3; n++) {
		json_t *o = json_object();
		fort_buf b;
		char *want;
		json_object_set_new(o, "ids", shape_ids(ids, n));
		want = dumped(o);
		fort_buf_init(&b, FORT_BUF_DEFAULT_CAP);
		assert_int_equal(shape_find_text(&b, ids, n), 0);
		assert_string_equal(b.buf, want);
		fort_buf_release(&b);
		free(want);
	}
}

/* every single byte, and every byte after a two-byte character, as jansson
 * writes it; what jansson refuses (not UTF-8) is refused too */
static void test_json_string(void **state)
{
	(void)state;
	for (int c = 1; c < 256; c++) {
		char s[8];
		json_t *j;
		fort_buf b;
		snprintf(s, sizeof s, "a%cz\xc3\xa9", c);
		j = json_string(s);
		fort_buf_init(&b, FORT_BUF_DEFAULT_CAP);
		if (!j) {
			assert_int_equal(fort_json_string(&b, s), -1);
			assert_int_equal(b.len, 0);
		} else {
			char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
			assert_non_null(want);
			assert_int_equal(fort_json_string(&b, s), 0);
			if (strcmp(b.buf, want) != 0)
				fail_msg("byte 0x%02x: %s, jansson %s", c, b.buf, want);
			free(want);
			json_decref(j);
		}
		fort_buf_release(&b);
	}
	{
		fort_buf b;
		fort_buf_init(&b, FORT_BUF_DEFAULT_CAP);
		assert_int_equal(fort_json_string(&b, ""), 0);
		assert_string_equal(b.buf, "\"\"");
		assert_int_equal(fort_json_string(&b, "\xed\xa0\x80"), -1);  /* a surrogate */
		assert_int_equal(fort_json_string(&b, "\xc0\xaf"), -1);      /* overlong */
		assert_string_equal(b.buf, "\"\"");
		fort_buf_release(&b);
	}
}

/* a buffer that cannot hold the answer: -1, so the server makes the JSON */
static void test_too_small(void **state)
{
	(void)state;
	char ids[1][FORT_ID_LEN + 1] = { "c-0000000000000001" };
	fort_buf b;
	fort_buf_init(&b, 8);
	assert_int_equal(shape_find_text(&b, ids, 1), -1);
	fort_buf_release(&b);
	fort_error_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_text),
		cmocka_unit_test(test_find_text),
		cmocka_unit_test(test_json_string),
		cmocka_unit_test(test_too_small),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
