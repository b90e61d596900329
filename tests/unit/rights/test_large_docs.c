/* test_large_docs.c - no document is cut short (issue 11 item 8): with a
 * 50-field map, 40 recipients and a client with 5,000 access-history
 * entries, the privacy notice, the records of processing, the access
 * letter (Markdown, HTML, PDF) and data, and the Art. 19 notices are
 * complete: each ends with its last section and lists every item. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include "fortress.h"

#define FIXTURE_DIR "/tmp/fort-test-large-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

#define NFIELDS 50
#define NRECIP 40
#define NHIST 5000

static char *slurp(const char *p)
{
	FILE *f = fopen(p, "rb");
	char *buf;
	long n;
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void has_all(const char *text, const char *what, const char *fmt, int n)
{
	char want[64];
	for (int i = 1; i <= n; i++) {
		snprintf(want, sizeof want, fmt, i);
		if (!strstr(text, want))
			fail_msg("%s lacks '%s'", what, want);
	}
}

static void test_large(void **state)
{
	fort_vault *v = create_vault("large.db");
	char id[FORT_ID_LEN + 1], name[32], label[48], *s = NULL;
	const char *rec[NRECIP];
	char rnames[NRECIP][16];
	fort_kv kv[NFIELDS + 1];
	char vals[NFIELDS][32];
	(void)state;
	for (int i = 0; i < NRECIP; i++) {
		snprintf(rnames[i], sizeof rnames[i], "rcpt%02d", i + 1);
		rec[i] = rnames[i];
		assert_int_equal(fort_map_recipient_set(v, rnames[i], "processor", "DE", NULL, "hosting", 1), 0);
	}
	{
		fort_activity_spec a = FORT_ACTIVITY_SPEC_INIT;
		a.purpose = "correspondence";
		a.recipients = rec;
		a.nrecipients = NRECIP;
		assert_int_equal(fort_map_activity_set(v, &a, 0), 0);
	}
	for (int i = 1; i <= NFIELDS; i++) {
		fort_field_spec f = FORT_FIELD_SPEC_INIT;
		const char *pp[] = { "correspondence" };
		snprintf(name, sizeof name, "extra_%02d", i);
		snprintf(label, sizeof label, "Extra field number %02d", i);
		f.name = name;
		f.label = label;
		f.type = "text";
		f.category = "contact";
		f.purposes = pp;
		f.npurposes = 1;
		if (fort_map_field_add(v, &f) != 0)
			fail_msg("field %s: %s", name, fort_error_message());
	}

	/* the notice: every field, every recipient, and its last section */
	assert_int_equal(fort_notice_generate(&s, NULL, v, "md"), 0);
	has_all(s, "notice.md", "Extra field number %02d", NFIELDS);
	has_all(s, "notice.md", "rcpt%02d", NRECIP);
	assert_non_null(strstr(s, "## Your rights"));
	assert_non_null(strstr(s, "(Art. 77)"));
	free(s);
	assert_int_equal(fort_notice_generate(&s, NULL, v, "html"), 0);
	has_all(s, "notice.html", "Extra field number %02d", NFIELDS);
	assert_non_null(strstr(s, "</html>"));
	free(s);
	/* the records of processing, in every format */
	{
		static const char *const fmts[] = { "json", "csv", "html" };
		for (size_t k = 0; k < 3; k++) {
			assert_int_equal(fort_records_generate(&s, v, fmts[k]), 0);
			has_all(s, fmts[k], "extra_%02d", NFIELDS);
			has_all(s, fmts[k], "rcpt%02d", NRECIP);
			free(s);
		}
	}

	/* a client with every field, consulted 5,000 times */
	kv[0].field = "full_name";
	kv[0].value = "Jane Large";
	for (int i = 0; i < NFIELDS; i++) {
		snprintf(vals[i], sizeof vals[i], "value-%02d-xyz", i + 1);
		kv[i + 1].field = strdup(fort_map_field(v, fort_map_count(v) - NFIELDS + (size_t)i)->name);
		kv[i + 1].value = vals[i];
	}
	assert_int_equal(fort_client_add(id, v, kv, NFIELDS + 1), 0);
	for (int i = 0; i < NFIELDS; i++)
		free((char *)kv[i + 1].field);
	{
		fort_read_opts ro = FORT_READ_OPTS_INIT;
		const char *rv[] = { "extra_07" };
		ro.reveal = rv;
		ro.nreveal = 1;
		ro.purpose = "correspondence";
		for (int i = 0; i < NHIST; i++) {
			fort_record *r = NULL;
			assert_int_equal(fort_client_get(&r, v, id, &ro), 0);
			fort_record_free(r);
		}
	}
	{
		int64_t req = 0;
		fort_access_report rep;
		char *md, *html, *json;
		json_t *d;
		assert_int_equal(fort_request_open(&req, v, "access", id, "2026-11-02", NULL), 0);
		if (fort_request_fulfil(&rep, v, req, path_of("pkg")) != 0)
			fail_msg("fulfil: %s", fort_error_message());
		assert_true(rep.history >= NHIST);
		md = slurp(path_of("pkg/letter.md"));
		html = slurp(path_of("pkg/letter.html"));
		json = slurp(path_of("pkg/data.json"));
		has_all(md, "letter.md", "Extra field number %02d", NFIELDS);
		has_all(md, "letter.md", "value-%02d-xyz", NFIELDS);
		has_all(html, "letter.html", "value-%02d-xyz", NFIELDS);
		assert_true(count(md, "| reveal | extra_07 | correspondence |") >= NHIST);
		assert_true(count(html, "<td>extra_07</td>") >= NHIST);
		/* the last section is there, whole */
		assert_non_null(strstr(md, "## Your data"));
		assert_non_null(strstr(md, "- Extra field number 50: value-50-xyz"));
		assert_non_null(strstr(html, "</html>"));
		d = json_loads(json, 0, NULL);
		assert_non_null(d);
		assert_true(json_array_size(json_object_get(d, "access_history")) >= NHIST);
		assert_int_equal(json_array_size(json_object_get(d, "fields")), NFIELDS + 1);
		json_decref(d);
		free(md);
		free(html);
		free(json);
	}
	/* Art. 19: a rectification reaches all 40 recipients, each notice whole */
	{
		int64_t req = 0;
		size_t n = 0;
		fort_kv e[] = { { "extra_03", "value-03-new" } };
		char *notes;
		assert_int_equal(fort_request_open(&req, v, "rectification", id, "2026-11-02", NULL), 0);
		assert_int_equal(fort_client_edit(v, id, e, 1), 0);
		if (fort_request_rectified(&n, v, req, path_of("notices.md"), NULL, NULL) != 0)
			fail_msg("rectified: %s", fort_error_message());
		assert_int_equal(n, NRECIP);
		notes = slurp(path_of("notices.md"));
		has_all(notes, "notices", "## To rcpt%02d", NRECIP);
		assert_int_equal(count(notes, "Extra field number 03"), NRECIP);
		free(notes);
	}
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_large) };
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
