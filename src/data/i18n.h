/* i18n.h - the texts of the pages and e-mails clients see (issue 18 item
 * 4): one catalogue per language, data/i18n/LANG.csv (columns key,text),
 * compiled in like the other tables of data/.  English is the reference:
 * every other catalogue has exactly its keys (i18n_check; tests/unit/data/
 * test_i18n.c).  For any client-facing page: the self-service page
 * (src/server/web_me.c) and the intake form page. */
#ifndef FORT_DATA_I18N_H
#define FORT_DATA_I18N_H

#include <stddef.h>
#include "util.h"

/* The languages, in the switcher's order, NULL-terminated: "en", "de",
 * "fr", "es", "it", "nl". */
extern const char *const i18n_languages[];

/* LANG if it is one of i18n_languages (exactly), else "en". */
const char *i18n_lang(const char *lang);

/* The text of KEY in LANG (any other LANG: English).  A key no catalogue
 * has gives "" (never the key itself: a page must not print a raw key),
 * and i18n_missing() counts it. */
const char *i18n_text(const char *lang, const char *key);

/* The text of KEY in LANG's own catalogue, or NULL when that catalogue
 * lacks it (no fallback to English): for the letters, which must be whole
 * in the client's language or not written at all. */
const char *i18n_text_in(const char *lang, const char *key);

/* Every key of the English catalogue starting with PREFIX ("letter.") has a
 * text in LANG: 0; 1 with the first missing key in ABSENT; or a FORT_E*
 * error (out of memory: the catalogues could not be loaded).  Call it
 * before writing a letter: afterwards the catalogues are loaded and no
 * lookup can fail. */
int i18n_complete(const char *lang, const char *prefix, char *absent, size_t cap);

/* Append KEY's text in LANG (i18n_text) to B with its placeholders
 * "{name}" replaced: VARS is name, value, name, value, ..., NULL (a
 * placeholder not in VARS is left out). */
int i18n_put(fort_buf *b, const char *lang, const char *key, const char *const *vars);

/* How many lookups asked for a key the catalogue lacks, since the process
 * started (tests: no page may print a raw key). */
unsigned long i18n_missing(void);

/* The language to show for an Accept-Language header VALUE (RFC 9110
 * 12.5.4: tags with q-values; "de-CH" matches "de"): the acceptable one of
 * i18n_languages with the highest q, English when none (or VALUE NULL). */
const char *i18n_pick(const char *value);

/* The language's own name ("Deutsch") for the switcher. */
const char *i18n_language_name(const char *lang);

/* Every key of the English catalogue is in every language, no catalogue
 * has a key English lacks or an empty text: 0, or -1 with PROBLEM naming
 * the language and key. */
int i18n_check(char *problem, size_t cap);

#endif
