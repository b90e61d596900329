/* test_letters_i18n.c - letters in the client's language (issue 18 item
 * 4): every letter text of the English catalogue is in every language;
 * each language's client breach letter has every required element
 * (data/breach_letter_elements.csv) under its own heading, and the check
 * names the one a letter lacks; the English advice is the table's; dates
 * in words; the client's language: set, else the newest consent's, else
 * the business's, else English; a request on the self-service page sets
 * it to the page's; dropped at erasure; sealed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "fortress.h"
#include "util.h"
#include "data/i18n.h"
#include "data/tables.h"

#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_DIR "/tmp/fort-test-letters-i18n-XXXXXX"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

static void test_catalogues_complete(void **state)
{
	char problem[300], key[80];
	(void)state;
	assert_int_equal(i18n_check(problem, sizeof problem), 0);
	for (int l = 0; i18n_languages[l]; l++) {
		if (i18n_complete(i18n_languages[l], "letter.", key, sizeof key) != 0)
			fail_msg("%s lacks %s", i18n_languages[l], key);
		static const char *const prefixes[] = { "access.", "erasure.", "notice.", "basis.", "provision." };
		for (size_t k = 0; k < sizeof prefixes / sizeof prefixes[0]; k++)
			if (i18n_complete(i18n_languages[l], prefixes[k], key, sizeof key) != 0)
				fail_msg("%s lacks %s", i18n_languages[l], key);
	}
	/* a language that is not one of the six has no catalogue of its own */
	assert_int_equal(i18n_complete("xx", "letter.", key, sizeof key), 1);
	assert_null(i18n_text_in("xx", "letter.breach.title"));
	assert_null(i18n_text_in("de", "letter.no_such_key"));
}

/* Each language's client letter: a letter made of its headings passes the
 * check; without any one of them it fails naming that element; the
 * headings are translated (not the English copied). */
static void test_breach_elements_every_language(void **state)
{
	const data_table *t;
	int cl, ce, ck, ch;
	(void)state;
	assert_int_equal(data_table_get(&t, "breach_letter_elements"), 0);
	cl = data_table_col(t, "letter");
	ce = data_table_col(t, "element");
	ck = data_table_col(t, "key");
	ch = data_table_col(t, "heading");
	assert_true(cl >= 0 && ce >= 0 && ck >= 0 && ch >= 0);
	for (int l = 0; i18n_languages[l]; l++) {
		const char *lang = i18n_languages[l];
		char kind[16], missing[200];
		size_t nclient = 0;
		snprintf(kind, sizeof kind, "client@%s", lang);
		for (size_t skip = 0; skip <= t->nrows; skip++) {
			fort_buf b;
			fort_buf_init(&b, 0);
			for (size_t i = 0; i < t->nrows; i++) {
				const char *h;
				if (strcmp(data_table_cell(t, i, cl), "client") != 0 || i == skip)
					continue;
				if (!data_table_cell(t, i, ck)[0])
					fail_msg("client element '%s' has no key", data_table_cell(t, i, ce));
				h = i18n_text_in(lang, data_table_cell(t, i, ck));
				if (!h)
					fail_msg("%s has no heading for '%s'", lang, data_table_cell(t, i, ce));
				if (strcmp(lang, "en") == 0)
					assert_string_equal(data_table_cell(t, i, ch) + 3, h);
				else if (!strcmp(h, i18n_text_in("en", data_table_cell(t, i, ck))))
					fail_msg("%s: the heading for '%s' is the English one", lang, data_table_cell(t, i, ce));
				fort_buf_printf(&b, "## %s\n\nsome text\n\n", h);
			}
			assert_int_equal(fort_buf_error(&b), 0);
			if (skip == t->nrows) {
				if (fort_letter_check(kind, b.buf, missing, sizeof missing) != 0)
					fail_msg("%s: %s", kind, fort_error_message());
			} else if (strcmp(data_table_cell(t, skip, cl), "client") == 0) {
				nclient++;
				assert_int_equal(fort_letter_check(kind, b.buf, missing, sizeof missing), FORT_EINPUT);
				assert_string_equal(missing, data_table_cell(t, skip, ce));
			}
			fort_buf_release(&b);
		}
		assert_int_equal(nclient, 6);
	}
	assert_int_equal(fort_letter_check("client@xx", "## What happened\n\nx\n", NULL, 0), FORT_EINPUT);
}

static void test_advice_and_dates(void **state)
{
	const data_table *t;
	char out[64];
	(void)state;
	assert_int_equal(data_table_get(&t, "breach_advice"), 0);
	for (size_t i = 0; i < t->nrows; i++) {
		char key[64];
		snprintf(key, sizeof key, "letter.advice.%s", data_table_cell(t, i, data_table_col(t, "category")));
		assert_string_equal(i18n_text_in("en", key), data_table_cell(t, i, data_table_col(t, "advice")));
		for (int l = 0; i18n_languages[l]; l++)
			assert_non_null(i18n_text_in(i18n_languages[l], key));
	}
	assert_int_equal(fort_date_words(out, sizeof out, "de", "2026-12-06"), 0);
	assert_string_equal(out, "6. Dezember 2026");
	assert_int_equal(fort_date_words(out, sizeof out, "fr", "2026-12-06T10:00:00Z"), 0);
	assert_string_equal(out, "6 décembre 2026");
	assert_int_equal(fort_date_words(out, sizeof out, "es", "2026-03-01"), 0);
	assert_string_equal(out, "1 de marzo de 2026");
	assert_int_equal(fort_date_words(out, sizeof out, "it", "2026-06-30"), 0);
	assert_string_equal(out, "30 giugno 2026");
	assert_int_equal(fort_date_words(out, sizeof out, "nl", "2026-08-15"), 0);
	assert_string_equal(out, "15 augustus 2026");
	assert_int_equal(fort_date_words(out, sizeof out, "en", "2026-12-06"), 0);
	assert_string_equal(out, "6 December 2026");
	assert_int_equal(fort_date_words(out, sizeof out, "xx", "2026-12-06"), 0);
	assert_string_equal(out, "6 December 2026");
	assert_int_equal(fort_date_words(out, sizeof out, "de", "2026-13-06"), FORT_EINPUT);
	assert_int_equal(fort_date_words(out, 4, "de", "2026-12-06"), FORT_EINPUT);
}

static void meta_text(char *out, size_t cap, const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	out[0] = '\0';
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT CAST(v AS TEXT) FROM meta WHERE k = 'client_languages'", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void test_client_language(void **state)
{
	SQLITE_ONLY("reads and edits the sealed meta row with sqlite3");
	fort_vault *v = create_vault("v.db");
	char a[FORT_ID_LEN + 1], b[FORT_ID_LEN + 1], lang[8], text[512];
	const char *src = NULL;
	fort_kv ka[] = { { "full_name", "Anne Martin" }, { "email", "anne@example.org" } };
	fort_kv kb[] = { { "full_name", "Bo Berg" }, { "email", "bo@example.org" } };
	(void)state;
	assert_int_equal(fort_client_add(a, v, ka, 2), 0);
	assert_int_equal(fort_client_add(b, v, kb, 2), 0);
	/* nothing known: English, the default */
	assert_int_equal(fort_client_language(lang, &src, v, a), 0);
	assert_string_equal(lang, "en");
	assert_string_equal(src, "default");
	/* set for the client */
	assert_int_equal(fort_client_language_set(v, a, "de"), 0);
	assert_int_equal(fort_client_language(lang, &src, v, a), 0);
	assert_string_equal(lang, "de");
	assert_string_equal(src, "client");
	assert_int_equal(fort_client_language_set(v, a, "klingon"), FORT_EINPUT);
	assert_int_equal(fort_client_language_set(v, "c-0000000000000001", "fr"), FORT_ENOTFOUND);
	assert_int_equal(fort_client_language(lang, &src, v, a), 0);
	assert_string_equal(lang, "de");
	/* the newest consent's language */
	spit(path_of("notice.txt"), "Notice v1\n", 10);
	{
		fort_consent_opts o = FORT_CONSENT_OPTS_INIT;
		o.channel = "email";
		o.language = "es";
		o.notice_path = path_of("notice.txt");
		assert_int_equal(fort_consent_record(v, b, "marketing", "grant", &o), 0);
		o.language = "fr";
		assert_int_equal(fort_consent_record(v, b, "marketing", "withdraw", &o), 0);
	}
	assert_int_equal(fort_client_language(lang, &src, v, b), 0);
	assert_string_equal(lang, "fr");
	assert_string_equal(src, "consent");
	/* the business's, for no client or one without */
	{
		fort_business_spec s = FORT_BUSINESS_SPEC_INIT;
		s.language = "it";
		assert_int_equal(fort_business_set(v, &s), 0);
		s.language = "xx";
		assert_int_equal(fort_business_set(v, &s), FORT_EINPUT);
	}
	assert_int_equal(fort_client_language(lang, &src, v, NULL), 0);
	assert_string_equal(lang, "it");
	assert_string_equal(src, "business");
	/* forgotten: the consent's again; erased: gone from the vault */
	assert_int_equal(fort_client_language_set(v, b, "nl"), 0);
	assert_int_equal(fort_client_language_set(v, b, ""), 0);
	assert_int_equal(fort_client_language(lang, &src, v, b), 0);
	assert_string_equal(lang, "fr");
	meta_text(text, sizeof text, path_of("v.db"));
	assert_non_null(strstr(text, a));
	assert_int_equal(fort_client_erase(v, a, NULL), 0);
	meta_text(text, sizeof text, path_of("v.db"));
	assert_null(strstr(text, a));
	assert_int_equal(fort_client_language_set(v, b, "de"), 0);
	/* a request on the self-service page in Spanish: Spanish from then on */
	{
		fort_me_opts mo = FORT_ME_OPTS_INIT;
		fort_request_info ri;
		mo.language = "es";
		assert_int_equal(fort_me_request(&ri, v, b, "bo@example.org", "access", &mo), 0);
		assert_int_equal(fort_client_language(lang, &src, v, b), 0);
		assert_string_equal(lang, "es");
		assert_string_equal(src, "client");
		assert_int_equal(fort_client_language_set(v, b, "de"), 0);
	}
	expect_verified(v);
	fort_vault_close(v);
	/* sealed: the language changed outside Fortress is refused */
	{
		sqlite3 *db;
		assert_int_equal(sqlite3_open(path_of("v.db"), &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "UPDATE meta SET v = CAST(replace(CAST(v AS TEXT), '\"de\"', '\"fr\"') AS BLOB) "
					      "WHERE k = 'client_languages'", NULL, NULL, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_changes(db), 1);
		sqlite3_close(db);
	}
	v = open_vault(path_of("v.db"), PASS);
	assert_int_equal(fort_client_language(lang, &src, v, b), FORT_ETAMPER);
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogues_complete),
		cmocka_unit_test(test_breach_elements_every_language),
		cmocka_unit_test(test_advice_and_dates),
		cmocka_unit_test(test_client_language),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
