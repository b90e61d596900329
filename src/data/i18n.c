/* i18n.c - the client-facing texts (data/i18n/LANG.csv, embedded). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "util.h"
#include "data/i18n.h"
#include "data/tables.h"

const char *const i18n_languages[] = { "en", "de", "fr", "es", "it", "nl", NULL };
static const char *const names[] = { "English", "Deutsch", "Français", "Español", "Italiano", "Nederlands" };
static atomic_ulong missing;

static int lang_index(const char *lang)
{
	for (int i = 0; lang && i18n_languages[i]; i++)
		if (strcmp(lang, i18n_languages[i]) == 0)
			return i;
	return -1;
}

const char *i18n_lang(const char *lang)
{
	int i = lang_index(lang);
	return i18n_languages[i < 0 ? 0 : i];
}

const char *i18n_language_name(const char *lang)
{
	int i = lang_index(lang);
	return names[i < 0 ? 0 : i];
}

static const data_table *catalogue(const char *lang)
{
	char name[16];
	const data_table *t = NULL;
	snprintf(name, sizeof name, "i18n/%s", i18n_lang(lang));
	if (data_table_get(&t, name) < 0 || t->ncols != 2) {
		fort_error_clear();
		return NULL;
	}
	return t;
}

/* A catalogue's rows are few (under 100): a linear search is enough.  A
 * row whose key starts with '#' marks a section of the file ("# letters"):
 * it is no text, and no lookup finds it (the fuzz target's "a key has a
 * dot" found one that did). */
static const char *row_text(const data_table *t, const char *key)
{
	for (size_t i = 0; t && i < t->nrows; i++)
		if (strcmp(data_table_cell(t, i, 0), key) == 0)
			return data_table_cell(t, i, 1);
	return NULL;
}

static const char *lookup(const data_table *t, const char *key)
{
	return key[0] == '#' ? NULL : row_text(t, key);
}

const char *i18n_text(const char *lang, const char *key)
{
	const char *s = key ? lookup(catalogue(lang), key) : NULL;
	if (!s || !*s)
		s = key ? lookup(catalogue("en"), key) : NULL;
	if (!s) {
		atomic_fetch_add(&missing, 1);
		return "";
	}
	return s;
}

const char *i18n_text_in(const char *lang, const char *key)
{
	const char *s;
	if (!lang || strcmp(i18n_lang(lang), lang) != 0 || !key)
		return NULL;
	s = lookup(catalogue(lang), key);
	return s && *s ? s : NULL;
}

int i18n_complete(const char *lang, const char *prefix, char *absent, size_t cap)
{
	const data_table *en, *t;
	char name[16];
	size_t k = strlen(prefix);
	int r;
	/* loaded here, where a failure (out of memory) can be told from a
	 * missing text; once loaded they stay, and lookups cannot fail */
	if ((r = data_table_get(&en, "i18n/en")) < 0)
		return r;
	if (!lang || strcmp(i18n_lang(lang), lang) != 0) {
		snprintf(absent, cap, "(no catalogue for '%.16s')", lang ? lang : "");
		return 1;
	}
	snprintf(name, sizeof name, "i18n/%s", lang);
	if ((r = data_table_get(&t, name)) < 0)
		return r;
	for (size_t i = 0; i < en->nrows; i++) {
		const char *key = data_table_cell(en, i, 0), *s;
		if (strncmp(key, prefix, k) == 0 && (!(s = row_text(t, key)) || !*s)) {
			snprintf(absent, cap, "%s", key);
			return 1;
		}
	}
	return 0;
}

int i18n_put(fort_buf *b, const char *lang, const char *key, const char *const *vars)
{
	const char *t = i18n_text(lang, key);
	while (*t) {
		const char *end;
		if (*t == '{' && (end = strchr(t, '}')) != NULL) {
			size_t n = (size_t)(end - t - 1);
			for (size_t i = 0; vars && vars[i] && vars[i + 1]; i += 2)
				if (strlen(vars[i]) == n && strncmp(vars[i], t + 1, n) == 0) {
					fort_buf_puts(b, vars[i + 1]);
					break;
				}
			t = end + 1;
			continue;
		}
		fort_buf_putc(b, *t++);
	}
	return fort_buf_error(b);
}

unsigned long i18n_missing(void)
{
	return atomic_load(&missing);
}

const char *i18n_pick(const char *value)
{
	const char *best = "en", *p = value;
	double bestq = -1;
	while (p && *p) {
		char tag[16];
		size_t n = 0;
		double q = 1.0;
		while (*p == ' ' || *p == ',')
			p++;
		while (*p && *p != ',' && *p != ';' && *p != ' ' && n + 1 < sizeof tag)
			tag[n++] = *p++;
		tag[n] = '\0';
		while (*p && *p != ',') {
			if (*p == ';') {
				p++;
				while (*p == ' ')
					p++;
				if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
					q = strtod(p + 2, NULL);
			} else {
				p++;
			}
		}
		if (!n || q <= 0 || q > 1)
			continue;
		/* "de-CH" and "de" both choose German */
		char *dash = strchr(tag, '-');
		if (dash)
			*dash = '\0';
		for (int i = 0; i18n_languages[i]; i++)
			if (strcasecmp(tag, i18n_languages[i]) == 0 && q > bestq) {
				best = i18n_languages[i];
				bestq = q;
			}
	}
	return best;
}

int i18n_check(char *problem, size_t cap)
{
	const data_table *en = catalogue("en");
	if (!en) {
		snprintf(problem, cap, "the English catalogue data/i18n/en.csv is missing or not two columns");
		return -1;
	}
	for (int l = 0; i18n_languages[l]; l++) {
		const data_table *t = catalogue(i18n_languages[l]);
		char name[16];
		snprintf(name, sizeof name, "i18n/%s", i18n_languages[l]);
		if (!t || (t == en && l > 0)) {
			snprintf(problem, cap, "data/%s.csv is missing or not two columns", name);
			return -1;
		}
		for (size_t i = 0; i < en->nrows; i++) {
			const char *s = row_text(t, data_table_cell(en, i, 0));
			if (!s || !*s) {
				snprintf(problem, cap, "data/%s.csv has no text for '%s'", name, data_table_cell(en, i, 0));
				return -1;
			}
		}
		for (size_t i = 0; i < t->nrows; i++)
			if (!row_text(en, data_table_cell(t, i, 0))) {
				snprintf(problem, cap, "data/%s.csv has '%s', which data/i18n/en.csv lacks", name,
					 data_table_cell(t, i, 0));
				return -1;
			}
	}
	return 0;
}
