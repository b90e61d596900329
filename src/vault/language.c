/* language.c - the language a client's letters and notices are written in
 * (issue 18 item 4), when it is known: set by `client add/edit
 * --language`, by accepting an intake submission (the page language the
 * visitor used) and by the self-service page.  Every client's language is
 * one sealed vault detail, meta "client_languages", a JSON object
 * {"c-...": "de"} (no migration, both backends: an edit outside Fortress
 * is caught as the other sealed details are, docs/SECURITY.md "seals").
 * An erasure drops the client's entry in its own transaction
 * (vault_client_language_drop).  Which language a letter uses, when none
 * is stored here, is fort_client_language (src/rights/language.c). */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "data/i18n.h"
#include "vault/vault_int.h"
#include "vault/op.h"

#define META_KEY "client_languages"

int fort_language_supported(const char *lang)
{
	for (int i = 0; lang && i18n_languages[i]; i++)
		if (strcmp(lang, i18n_languages[i]) == 0)
			return 1;
	return 0;
}

static int all_languages(json_t **out, fort_vault *v)
{
	return vault_meta_object(out, v, META_KEY, "the clients' languages");
}

int vault_client_languages(json_t **out, fort_vault *v)
{
	const char *k;
	json_t *x;
	int r;
	if ((r = all_languages(out, v)) < 0)
		return r;
	json_object_foreach(*out, k, x)
		if (!json_is_string(x) || !fort_language_supported(json_string_value(x))) {
			json_decref(*out);
			*out = NULL;
			return fort_error_set(FORT_ETAMPER, "client %.32s's language is not one Fortress writes: the vault was altered; "
					      "restore it from a backup", k);
		}
	return 0;
}

int vault_client_language_get(char out[8], fort_vault *v, const char *client)
{
	json_t *all = NULL;
	const char *s;
	int r;
	out[0] = '\0';
	if ((r = all_languages(&all, v)) < 0)
		return r;
	s = json_string_value(json_object_get(all, client));
	if (s && !fort_language_supported(s)) {
		json_decref(all);
		return fort_error_set(FORT_ETAMPER, "client %s's language is not one Fortress writes: the vault was altered; restore "
				      "it from a backup", client);
	}
	if (s)
		snprintf(out, 8, "%s", s);
	json_decref(all);
	return s ? 1 : 0;
}

/* Set CLIENT's entry to LANG ("" removes it); inside the caller's transaction. */
static int put(fort_vault *v, const char *client, const char *lang)
{
	json_t *all = NULL;
	char *text = NULL;
	int r;
	if ((r = all_languages(&all, v)) < 0)
		return r;
	if (!lang[0]) {
		if (!json_object_get(all, client)) {
			json_decref(all);
			return 0;   /* nothing stored: nothing to change */
		}
		json_object_del(all, client);
	} else if (json_object_set_new(all, client, json_string(lang)) < 0) {
		r = FORT_ENOMEM;
	}
	if (r == 0 && !(text = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS)))
		r = FORT_ENOMEM;
	if (r == 0)
		r = store_meta_put(v->st, META_KEY, text, strlen(text));
	free(text);
	json_decref(all);
	return r == FORT_ENOMEM ? fort_error_set(FORT_ENOMEM, "out of memory") : r;
}

int vault_client_language_put(fort_vault *v, const char *client, const char *lang)
{
	return put(v, client, lang ? lang : "");
}

int vault_client_language_drop(fort_vault *v, const char *client)
{
	return put(v, client, "");
}

struct lang_in { const char *client, *lang; char id[FORT_ID_LEN + 1]; };

static int lang_check(fort_vault *v, void *ctx)
{
	struct lang_in *x = ctx;
	store_client c;
	int64_t cid;
	int r;
	if (x->lang[0] && !fort_language_supported(x->lang))
		return fort_error_set(FORT_EINPUT, "language '%s': Fortress writes letters in en, de, fr, es, it and nl; give one of "
				      "them (or \"\" to forget the client's language)", x->lang);
	if ((r = client_id_parse(&cid, x->client)) < 0)
		return r;
	memset(&c, 0, sizeof c);
	if ((r = store_client_get(v->st, &c, cid)) < 0)
		return r == FORT_ENOTFOUND ? fort_error_set(FORT_ENOTFOUND, "no client %s", x->client) : r;
	store_client_release(&c);
	client_id_format(x->id, cid);
	return 0;
}

static int lang_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct lang_in *x = ctx;
	snprintf(detail, cap, "language: %s", x->lang[0] ? x->lang : "not known");
	return put(v, x->id, x->lang);
}

int fort_client_language_set(fort_vault *v, const char *client, const char *lang)
{
	static const vault_op op = { "client-language", ACT_WRITE, lang_check, lang_write, NULL, NULL, NULL, NULL };
	struct lang_in x = { client, lang ? lang : "", "" };
	if (!client)
		return fort_error_set(FORT_EINPUT, "which client? (an id c-...)");
	return vault_op_run(v, &op, client, &x);
}
