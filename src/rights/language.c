/* language.c - which language a client's letters and notices are written
 * in (issue 18 item 4): the one function every letter asks. */
#include <stdio.h>
#include <string.h>
#include "data/i18n.h"
#include "rights/rights.h"

struct newest { char lang[8]; };

static int newest_cb(void *ctx, const store_consent_row *c)
{
	struct newest *n = ctx;
	if (c->language && fort_language_supported(c->language))
		snprintf(n->lang, sizeof n->lang, "%s", c->language);
	return 0;
}

void rights_language_cache_release(rights_language_cache *c)
{
	json_decref(c->langs);
	c->langs = NULL;
	c->loaded = 0;
}

int rights_client_language_in(char out[8], const char **source, fort_vault *v, int64_t cid, rights_language_cache *c)
{
	struct newest n = { "" };
	const char *src = "default", *s;
	int r;
	snprintf(out, 8, "en");
	if (!c->loaded) {
		fort_business_info bi;
		if ((r = vault_client_languages(&c->langs, v)) < 0)
			return r;
		c->business[0] = '\0';
		if (fort_business_get(&bi, v) == 0 && fort_language_supported(bi.language))
			snprintf(c->business, sizeof c->business, "%s", bi.language);
		fort_error_clear();
		c->loaded = 1;
	}
	if (cid) {
		char id[FORT_ID_LEN + 1];
		client_id_format(id, cid);
		if ((s = json_string_value(json_object_get(c->langs, id))) != NULL) {
			snprintf(out, 8, "%s", s);
			src = "client";
			goto done;
		}
		if ((r = store_consent_each(v->st, cid, newest_cb, &n)) < 0)
			return r;
		if (n.lang[0]) {
			snprintf(out, 8, "%s", n.lang);
			src = "consent";
			goto done;
		}
	}
	/* the business's choice (not its country's: a business in Belgium or
	 * Switzerland writes in more than one) */
	if (c->business[0]) {
		snprintf(out, 8, "%s", c->business);
		src = "business";
	}
done:
	if (source)
		*source = src;
	return 0;
}

int rights_client_language(char out[8], const char **source, fort_vault *v, int64_t cid)
{
	rights_language_cache c = RIGHTS_LANGUAGE_CACHE_INIT;
	int r = rights_client_language_in(out, source, v, cid, &c);
	rights_language_cache_release(&c);
	return r;
}

int fort_client_language(char out[8], const char **source, fort_vault *v, const char *client)
{
	int64_t cid = 0;
	int r;
	snprintf(out, 8, "en");
	if (source)
		*source = "default";
	if ((r = vault_need(v, ACT_READ, "client-language", client)) < 0)
		return r;
	if (client && (r = client_id_parse(&cid, client)) < 0)
		return r;
	return rights_client_language(out, source, v, cid);
}

int fort_date_words(char *out, size_t cap, const char *lang, const char *date)
{
	int y, m, d;
	char key[24];
	const char *pat, *month;
	size_t n = 0;
	if (!cap)
		return FORT_EINPUT;
	out[0] = '\0';
	if (!date || strlen(date) < 10 || sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
		return fort_error_set(FORT_EINPUT, "'%.32s' is not a date YYYY-MM-DD", date ? date : "");
	lang = i18n_lang(lang);
	snprintf(key, sizeof key, "letter.month.%d", m);
	month = i18n_text(lang, key);
	pat = i18n_text(lang, "letter.date");
	/* the pattern: {d} the day, {m} the month's name, {y} the year */
	for (const char *p = pat; *p; p++) {
		int k = 0;
		if (!strncmp(p, "{d}", 3))
			k = snprintf(out + n, cap - n, "%d", d), p += 2;
		else if (!strncmp(p, "{m}", 3))
			k = snprintf(out + n, cap - n, "%s", month), p += 2;
		else if (!strncmp(p, "{y}", 3))
			k = snprintf(out + n, cap - n, "%d", y), p += 2;
		else if (n + 1 < cap)
			out[n] = *p, out[n + 1] = '\0', k = 1;
		else
			k = -1;
		if (k < 0 || (size_t)k >= cap - n) {
			out[cap - 1] = '\0';
			return fort_error_set(FORT_EINPUT, "no room for the date");
		}
		n += (size_t)k;
	}
	return 0;
}
