/* notice.c - transparency documents generated from the live data map: the
 * privacy notice (GDPR Art. 13/14, in plain language; Markdown and HTML) and
 * the records of processing (Art. 30(1); JSON, CSV, HTML).
 *
 * A notice's version is the SHA-256 of its Markdown text.  Publishing one
 * stores that text in "notices" (the table consents point into), so a
 * consent recorded afterwards names the exact text the client was shown,
 * and `notice diff` compares the live map's notice with the last published
 * one. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <jansson.h>
#include "vault/vault_int.h"
#include "vault/op.h"
#include "rights/rights.h"
#include "data/i18n.h"
#include "render/html.h"

const char *rights_basis_words_in(const char *b, const char *lang)
{
	static const char *const known[] = { "consent", "contract", "legal_obligation", "vital_interests", "public_task",
					     "legitimate_interests" };
	char key[48];
	snprintf(key, sizeof key, "basis.none");
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (!strcmp(b, known[i]))
			snprintf(key, sizeof key, "basis.%s", known[i]);
	return i18n_text(lang, key);
}

const char *rights_basis_words(const char *b)
{
	return rights_basis_words_in(b, "en");
}

static void sha256_hex(char out[65], const char *s, size_t len)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)s, len);
	fort_hex(out, h, sizeof h);
}

static const map_recipient *recipient(const fort_map *m, const char *name)
{
	for (size_t i = 0; i < m->nrc; i++)
		if (strcmp(m->rc[i].name, name) == 0)
			return &m->rc[i];
	return NULL;
}

/* Art. 13(2)(e): whether the data must be provided, and what follows if not:
 * the map's words for the purpose, else those its legal basis implies. */
const char *rights_provision_words_in(const map_purpose *p, const char *lang)
{
	if (p->provision && p->provision[0])
		return p->provision;
	if (!strcmp(p->legal_basis, "contract"))
		return i18n_text(lang, "provision.contract");
	if (!strcmp(p->legal_basis, "legal_obligation"))
		return i18n_text(lang, "provision.legal_obligation");
	if (!strcmp(p->legal_basis, "consent"))
		return i18n_text(lang, "provision.consent");
	return i18n_text(lang, "provision.other");
}

const char *rights_provision_words(const map_purpose *p)
{
	return rights_provision_words_in(p, "en");
}

/* The controller and how to reach it (Art. 13(1)(a)-(b)), as lines. */
void rights_controller_lines(fort_buf *b, const fort_business_info *bi, const char *owner, const char *lang)
{
	fort_buf_printf(b, "- %s: %s%s%s\n", i18n_text(lang, "notice.controller"), bi->name, bi->address[0] ? ", " : "",
			bi->address);
	fort_buf_printf(b, "- %s: %s%s%s%s%s%s%s%s%s\n", i18n_text(lang, "notice.contact"), owner, bi->email[0] ? ", " : "",
			bi->email[0] ? i18n_text(lang, "letter.email_word") : "", bi->email[0] ? " " : "", bi->email,
			bi->phone[0] ? ", " : "", bi->phone[0] ? i18n_text(lang, "letter.phone_word") : "", bi->phone[0] ? " " : "",
			bi->phone);
	if (bi->dpo[0])
		fort_buf_printf(b, "- %s: %s\n", i18n_text(lang, "notice.dpo"), bi->dpo);
	if (bi->representative[0])
		fort_buf_printf(b, "- %s: %s\n", i18n_text(lang, "notice.representative"), bi->representative);
}

/* The notice in LANG: its fixed texts from data/i18n; the data map's names
 * and descriptions as the business wrote them (said in a footnote in every
 * language but English, the map's own). */
static int notice_md(fort_buf *b, fort_vault *v, const char *lang)
{
	const fort_map *m = &v->map;
	rights_authority ra;
	fort_business_info bi;
	const char *auth, *auth_web, *biz[] = { "business", v->business, NULL };
	rights_competent_authority(&ra, &bi, v);
	fort_buf_puts(b, "# ");
	i18n_put(b, lang, "notice.title", biz);
	fort_buf_puts(b, "\n\n");
	i18n_put(b, lang, "notice.intro", biz);
	fort_buf_puts(b, "\n\n");
	rights_controller_lines(b, &bi, v->owner, lang);
	fort_buf_puts(b, "\n");
	fort_buf_printf(b, "## %s\n\n", i18n_text(lang, "notice.h.hold"));
	for (int k = 0; k < CAT_COUNT; k++) {
		int any = 0;
		for (size_t i = 0; i < m->n; i++)
			if (m->f[i].cat == k) {
				fort_buf_printf(b, "%s%s", any ? ", " : "- ", m->f[i].label);
				any = 1;
			}
		if (any)
			fort_buf_printf(b, " (%s)\n", fort_categories[k]);
	}
	fort_buf_printf(b, "\n## %s\n\n", i18n_text(lang, "notice.h.why"));
	for (size_t a = 0; a < m->np; a++) {
		fort_buf_printf(b, "- **%s**: %s. %s: %s", m->p[a].name, m->p[a].description, i18n_text(lang, "notice.legal_basis"),
				rights_basis_words_in(m->p[a].legal_basis, lang));
		if (m->p[a].special_basis[0])
			fort_buf_printf(b, "; %s: %s (Art. 9(2))", i18n_text(lang, "notice.special"), m->p[a].special_basis);
		fort_buf_printf(b, ". %s %s (Art. 13(2)(e)).\n", i18n_text(lang, "notice.must_provide"),
				rights_provision_words_in(&m->p[a], lang));
	}
	fort_buf_printf(b, "\n## %s\n\n", i18n_text(lang, "notice.h.share"));
	if (!m->nrc)
		fort_buf_printf(b, "%s\n", i18n_text(lang, "notice.no_share"));
	for (size_t x = 0; x < m->nrc; x++) {
		fort_buf_printf(b, "- %s (%s%s%s), %s %s", m->rc[x].name, m->rc[x].kind, m->rc[x].note[0] ? ": " : "", m->rc[x].note,
				i18n_text(lang, "notice.in"), m->rc[x].country);
		if (m->rc[x].safeguard[0])
			fort_buf_printf(b, ", %s: %s", i18n_text(lang, "notice.outside_eea"), m->rc[x].safeguard);
		{
			int uses = 0;
			for (size_t a = 0; a < m->np; a++)
				for (size_t k = 0; k < m->p[a].nrecipients; k++)
					if (!strcmp(m->p[a].recipients[k], m->rc[x].name)) {
						if (uses++)
							fort_buf_printf(b, ", %s", m->p[a].name);
						else
							fort_buf_printf(b, "; %s %s", i18n_text(lang, "notice.for"), m->p[a].name);
					}
		}
		fort_buf_puts(b, ".\n");
	}
	fort_buf_printf(b, "\n## %s\n\n", i18n_text(lang, "notice.h.keep"));
	for (size_t i = 0; i < m->n; i++)
	{
		/* one source: the rules (fort_field_retention_text) */
		char rt[1500];
		if (fort_field_retention_text(rt, sizeof rt, v, m->f[i].name) < 0)
			return fort_error_code();
		fort_buf_printf(b, "- %s: %s\n", m->f[i].label, rt);
	}
	for (size_t a = 0; a < m->np; a++)
		if (m->p[a].retention[0])
			fort_buf_printf(b, "- %s %s: %s\n", i18n_text(lang, "notice.for"), m->p[a].name, m->p[a].retention);
	fort_buf_printf(b, "\n## %s\n\n%s\n\n", i18n_text(lang, "notice.h.rights"), i18n_text(lang, "notice.rights"));
	auth = ra.name;
	auth_web = ra.website;
	fort_buf_printf(b, "%s%s%s%s%s%s%s%s.\n", i18n_text(lang, "notice.complain"), auth ? "; " : "",
			auth ? i18n_text(lang, "notice.supervisor") : "", auth ? ": " : "", auth ? auth : "",
			auth && auth_web[0] ? " (" : "", auth ? auth_web : "", auth && auth_web[0] ? ")" : "");
	if (strcmp(lang, "en") != 0) {
		fort_buf_puts(b, "\n");
		i18n_put(b, lang, "notice.footnote", biz);
		fort_buf_puts(b, "\n");
	}
	return fort_buf_error(b);
}

static int lang_check(const char *language)
{
	if (language && *language && !fort_language_supported(language))
		return fort_error_set(FORT_EINPUT, "language '%.16s': the notice is written in en, de, fr, es, it or nl", language);
	return 0;
}

/* MD as a whole HTML page in LANG; MD is released. */
static int notice_page(char **out, fort_buf *md, fort_vault *v, const char *version, const char *lang, const char *before)
{
	fort_buf html;
	char title[300], footer[160];
	const char *biz[] = { "business", v->business, NULL };
	render_html_opts ho = { title, NULL, 0, NULL, footer, lang };
	fort_buf t;
	int r;
	fort_buf_init(&t, 0);
	if ((r = i18n_put(&t, lang, "notice.title", biz)) < 0) {
		fort_buf_release(&t);
		fort_buf_release(md);
		return r;
	}
	snprintf(title, sizeof title, "%s", t.buf ? t.buf : "");
	fort_buf_release(&t);
	snprintf(footer, sizeof footer, "<footer><small>%s %.16s</small></footer>\n", i18n_text(lang, "notice.version"), version);
	fort_buf_init(&html, 0);
	if (before) {
		/* the line saying the notice is not in the visitor's language, as
		 * a paragraph before the notice's own heading */
		fort_buf pre;
		fort_buf_init(&pre, 0);
		fort_buf_printf(&pre, "%s\n\n%s", before, md->buf);
		render_html(&html, pre.buf, &ho);
		fort_buf_release(&pre);
	} else {
		render_html(&html, md->buf, &ho);
	}
	fort_buf_release(md);
	if ((r = fort_buf_error(&html)) < 0) {
		fort_buf_release(&html);
		return r;
	}
	*out = fort_buf_detach(&html, NULL);
	return *out ? 0 : FORT_ENOMEM;
}

int fort_notice_generate_in(char **out, char version_out[65], fort_vault *v, const char *format, const char *language)
{
	fort_buf md;
	char version[65];
	const char *lang = language && *language ? language : "en";
	int r;
	*out = NULL;
	if (format && strcmp(format, "md") && strcmp(format, "html"))
		return fort_error_set(FORT_EINPUT, "unknown notice format '%s' (md or html)", format);
	if ((r = lang_check(language)) < 0)
		return r;
	{
		char key[80];
		if ((r = i18n_complete(lang, "notice.", key, sizeof key)) != 0 || (r = i18n_complete(lang, "basis.", key, sizeof key)) != 0 ||
		    (r = i18n_complete(lang, "provision.", key, sizeof key)) != 0 ||
		    (r = i18n_complete(lang, "letter.", key, sizeof key)) != 0)
			return r < 0 ? r : fort_error_set(FORT_EINPUT, "the notice in '%s' lacks a text: data/i18n/%s.csv has no '%s'", lang, lang, key);
	}
	/* names the controller: the business and owner names must be sealed
	 * (a locked vault comes here without vault_need) */
	if ((r = store_seal_require(v->st, "meta")) < 0)
		return r;
	fort_buf_init(&md, 0);
	if ((r = notice_md(&md, v, lang)) < 0) {
		fort_buf_release(&md);
		return r;
	}
	sha256_hex(version, md.buf, md.len);
	if (version_out)
		memcpy(version_out, version, 65);
	if (format && !strcmp(format, "html"))
		return notice_page(out, &md, v, version, lang, NULL);
	*out = fort_buf_detach(&md, NULL);
	return *out ? 0 : FORT_ENOMEM;
}

int fort_notice_generate(char **out, char version_out[65], fort_vault *v, const char *format)
{
	return fort_notice_generate_in(out, version_out, v, format, NULL);
}

/* The versions published in languages other than English: sealed meta
 * "notice_published_lang", a JSON object {"de": "<version>"} (English's is
 * "notice_published", as before languages). */
static int published_langs(json_t **out, fort_vault *v)
{
	return vault_meta_object(out, v, "notice_published_lang", "the published notices' versions");
}

struct publish { char *md, version[65]; const char *lang; };

static int publish_check(fort_vault *v, void *ctx)
{
	struct publish *x = ctx;
	return fort_notice_generate_in(&x->md, x->version, v, "md", x->lang);
}

static int publish_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct publish *x = ctx;
	int r;
	if ((r = store_notice_put(v->st, x->version, x->lang, x->md, strlen(x->md), fort_now())) < 0)
		return r;
	if (strcmp(x->lang, "en") == 0) {
		if ((r = store_meta_put(v->st, "notice_published", x->version, 64)) < 0)
			return r;
	} else {
		json_t *all = NULL;
		char *text = NULL;
		if ((r = published_langs(&all, v)) < 0)
			return r;
		if (json_object_set_new(all, x->lang, json_string(x->version)) < 0 ||
		    !(text = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS)))
			r = fort_error_set(FORT_ENOMEM, "out of memory");
		else
			r = store_meta_put(v->st, "notice_published_lang", text, strlen(text));
		free(text);
		json_decref(all);
		if (r < 0)
			return r;
	}
	snprintf(detail, cap, "privacy notice version %s published%s%s", x->version, strcmp(x->lang, "en") ? " in " : "",
		 strcmp(x->lang, "en") ? x->lang : "");
	return 0;
}

int fort_notice_publish_in(char version_out[65], fort_vault *v, const char *language)
{
	static const vault_op op = { "notice-publish", ACT_MAP, publish_check, publish_write, NULL, NULL, NULL, NULL };
	struct publish x;
	int r;
	memset(&x, 0, sizeof x);
	x.lang = language && *language ? language : "en";
	if ((r = lang_check(language)) < 0)
		return r;
	if ((r = vault_op_run(v, &op, NULL, &x)) == 0 && version_out)
		memcpy(version_out, x.version, 65);
	free(x.md);
	return r;
}

int fort_notice_publish(char version_out[65], fort_vault *v)
{
	return fort_notice_publish_in(version_out, v, NULL);
}

int fort_notice_published_in(char version_out[65], char **out, char lang_out[8], fort_vault *v, const char *format,
			     const char *language)
{
	unsigned char *val = NULL, *text = NULL;
	size_t len = 0, tlen = 0;
	char pub[65] = "", shown[8] = "en";
	const char *want = language && fort_language_supported(language) ? language : "en";
	int r;
	if (out)
		*out = NULL;
	if (lang_out)
		snprintf(lang_out, 8, "en");
	if (format && strcmp(format, "md") && strcmp(format, "html"))
		return fort_error_set(FORT_EINPUT, "unknown notice format '%s' (md or html)", format);
	if (strcmp(want, "en") != 0) {
		json_t *all = NULL;
		const char *ver;
		if ((r = published_langs(&all, v)) < 0)
			return r;
		if ((ver = json_string_value(json_object_get(all, want))) != NULL) {
			snprintf(pub, sizeof pub, "%s", ver);
			snprintf(shown, sizeof shown, "%s", want);
		}
		json_decref(all);
	}
	if (!pub[0]) {
		if ((r = store_meta_get(v->st, "notice_published", &val, &len)) == FORT_ENOTFOUND)
			return fort_error_set(FORT_ENOTFOUND, "no privacy notice was published yet: 'fortress notice publish' publishes one");
		if (r < 0)
			return r;
		snprintf(pub, sizeof pub, "%.*s", (int)(len < 64 ? len : 64), (const char *)val);
		free(val);
	}
	if ((r = store_notice_get(v->st, pub, NULL, pub, out ? &text : NULL, out ? &tlen : NULL)) < 0)
		return r;
	if (version_out)
		memcpy(version_out, pub, 65);
	if (lang_out)
		snprintf(lang_out, 8, "%s", shown);
	if (!out)
		return 0;
	{
		fort_buf md;
		/* not in the language asked for: a line saying so, in that language */
		const char *before = strcmp(shown, want) ? i18n_text(want, "notice.not_in_language") : NULL;
		fort_buf_init(&md, 0);
		fort_buf_put(&md, text, tlen);
		free(text);
		if ((r = fort_buf_error(&md)) < 0) {
			fort_buf_release(&md);
			return r;
		}
		if (format && !strcmp(format, "html"))
			return notice_page(out, &md, v, pub, shown, before);
		if (before) {
			fort_buf pre;
			fort_buf_init(&pre, 0);
			fort_buf_printf(&pre, "%s\n\n%s", before, md.buf);
			fort_buf_release(&md);
			if ((r = fort_buf_error(&pre)) < 0) {
				fort_buf_release(&pre);
				return r;
			}
			md = pre;
		}
		*out = fort_buf_detach(&md, NULL);
	}
	return *out ? 0 : FORT_ENOMEM;
}

int fort_notice_published(char version_out[65], char **out, fort_vault *v, const char *format)
{
	return fort_notice_published_in(version_out, out, NULL, v, format, NULL);
}

/* Lines of S (pointers into S, which gets NULs). */
static size_t split_lines(char *s, char ***out)
{
	size_t n = 0, cap = 64;
	char **l = fort_malloc(cap * sizeof *l);
	if (!l)
		return (size_t)-1;
	while (*s) {
		char *nl = strchr(s, '\n');
		if (FORT_ARRAY_GROW(l, n + 1, cap, 64) < 0) {
			free(l);
			return (size_t)-1;
		}
		l[n++] = s;
		if (!nl)
			break;
		*nl = '\0';
		s = nl + 1;
	}
	*out = l;
	return n;
}

int fort_notice_diff(char **out, int *changed, fort_vault *v)
{
	unsigned char *old = NULL;
	size_t olen = 0, n, m;
	char *cur = NULL, *oldz = NULL, version[65], pub[65] = "", **a = NULL, **b = NULL;
	unsigned short *lcs = NULL;
	fort_buf d;
	int r;
	*out = NULL;
	*changed = 0;
	fort_buf_init(&d, 0);
	if ((r = fort_notice_generate(&cur, version, v, "md")) < 0)
		return r;
	{
		unsigned char *val = NULL;
		size_t len = 0;
		if ((r = store_meta_get(v->st, "notice_published", &val, &len)) == FORT_ENOTFOUND) {
			fort_error_clear();
			*changed = 1;
			r = fort_buf_printf(&d, "no notice was published yet: 'fortress notice publish' publishes version %s\n", version);
			goto done;
		}
		if (r < 0)
			goto out;
		snprintf(pub, sizeof pub, "%.*s", (int)(len < 64 ? len : 64), (const char *)val);
		free(val);
	}
	if ((r = store_notice_get(v->st, pub, NULL, pub, &old, &olen)) < 0)
		goto out;
	if (strcmp(pub, version) == 0) {
		r = fort_buf_printf(&d, "the published notice (version %.16s) is up to date with the data map\n", version);
		goto done;
	}
	*changed = 1;
	if (!(oldz = fort_malloc(olen + 1))) {
		r = FORT_ENOMEM;
		goto out;
	}
	memcpy(oldz, old, olen);
	oldz[olen] = '\0';
	n = split_lines(oldz, &a);
	m = split_lines(cur, &b);
	if (n == (size_t)-1 || m == (size_t)-1 || n > 4000 || m > 4000 || !(lcs = fort_calloc((n + 1) * (m + 1), sizeof *lcs))) {
		r = fort_error_set(FORT_ENOMEM, "the notices are too long to compare");
		goto out;
	}
	for (size_t i = n; i-- > 0;)
		for (size_t j = m; j-- > 0;)
			lcs[i * (m + 1) + j] = strcmp(a[i], b[j]) == 0 ? lcs[(i + 1) * (m + 1) + j + 1] + 1
				: (lcs[(i + 1) * (m + 1) + j] > lcs[i * (m + 1) + j + 1] ? lcs[(i + 1) * (m + 1) + j] : lcs[i * (m + 1) + j + 1]);
	fort_buf_printf(&d, "--- published %.16s\n+++ current   %.16s\n", pub, version);
	{
		size_t i = 0, j = 0;
		while (i < n || j < m) {
			if (i < n && j < m && strcmp(a[i], b[j]) == 0) {
				i++, j++;
			} else if (j < m && (i == n || lcs[i * (m + 1) + j + 1] >= lcs[(i + 1) * (m + 1) + j])) {
				fort_buf_printf(&d, "+ %s\n", b[j++]);
			} else {
				fort_buf_printf(&d, "- %s\n", a[i++]);
			}
		}
	}
	r = 0;
done:
	if (r == 0 && (r = fort_buf_error(&d)) == 0 && !(*out = fort_buf_detach(&d, NULL)))
		r = FORT_ENOMEM;
out:
	fort_buf_release(&d);
	free(lcs);
	free(a);
	free(b);
	free(oldz);
	free(old);
	free(cur);
	return r;
}

/* ------------------------------------------------ records of processing */

static const char *const tom =
	"Client data is encrypted field by field (XChaCha20-Poly1305) with a key per client; keys per data category are "
	"held only by the users whose role needs them; passphrases are stretched with Argon2id; every access is written to "
	"a hash-chained, signed audit log; backups are encrypted and verified; erasure destroys the client's key.";

int fort_records_generate(char **out, fort_vault *v, const char *format)
{
	const fort_map *m = &v->map;
	json_t *root = json_object(), *acts = json_array();
	char *json = NULL;
	int r = 0;
	*out = NULL;
	if ((r = store_seal_require(v->st, "meta")) < 0) {
		json_decref(root);
		json_decref(acts);
		return r;
	}
	if (!format)
		format = "json";
	if (strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "html")) {
		json_decref(root);
		json_decref(acts);
		return fort_error_set(FORT_EINPUT, "unknown format '%s' (json, csv or html)", format);
	}
	for (size_t a = 0; a < m->np; a++) {
		json_t *o = json_object(), *cats = json_array(), *fields = json_array(), *rec = json_array(), *tr = json_array(),
		       *ret = json_array();
		unsigned seen = 0;
		for (size_t i = 0; i < m->n; i++)
			if (map_allows(&m->f[i], m->p[a].name)) {
				json_array_append_new(fields, json_string(m->f[i].name));
				if (!(seen & (1u << m->f[i].cat))) {
					json_array_append_new(cats, json_string(fort_categories[m->f[i].cat]));
					seen |= 1u << m->f[i].cat;
				}
				{
					char rt[1500];
					if (fort_field_retention_text(rt, sizeof rt, v, m->f[i].name) < 0)
						fort_error_clear();
					json_array_append_new(ret, json_pack("{s:s,s:s}", "field", m->f[i].name, "retention", rt));
				}
			}
		for (size_t k = 0; k < m->p[a].nrecipients; k++) {
			const map_recipient *rc = recipient(m, m->p[a].recipients[k]);
			if (!rc)
				continue;
			json_array_append_new(rec, json_pack("{s:s,s:s,s:s}", "name", rc->name, "kind", rc->kind, "country", rc->country));
			if (rc->safeguard[0])
				json_array_append_new(tr, json_pack("{s:s,s:s,s:s}", "recipient", rc->name, "country", rc->country,
								    "safeguard", rc->safeguard));
		}
		json_object_set_new(o, "purpose", json_string(m->p[a].name));
		json_object_set_new(o, "description", json_string(m->p[a].description));
		json_object_set_new(o, "legal_basis", json_string(m->p[a].legal_basis));
		json_object_set_new(o, "special_basis", json_string(m->p[a].special_basis));
		json_object_set_new(o, "data_subjects", json_string("clients"));
		json_object_set_new(o, "data_categories", cats);
		json_object_set_new(o, "fields", fields);
		json_object_set_new(o, "recipients", rec);
		json_object_set_new(o, "transfers", tr);
		json_object_set_new(o, "retention", m->p[a].retention[0] ? json_string(m->p[a].retention) : json_null());
		json_object_set_new(o, "field_retention", ret);
		if (m->p[a].rule.set)
			/* the machine-readable rule `fortress retention run` applies */
			json_object_set_new(o, "retention_rule", json_pack("{s:i,s:i,s:i,s:s,s:s}", "years", m->p[a].rule.years, "months",
									  m->p[a].rule.months, "days", m->p[a].rule.days, "after",
									  m->p[a].rule.after, "reason", m->p[a].rule.reason));
		json_array_append_new(acts, o);
	}
	json_object_set_new(root, "record", json_string("GDPR Art. 30(1) record of processing activities"));
	{
		fort_business_info bi;
		rights_authority ra;
		rights_competent_authority(&ra, &bi, v);
		json_object_set_new(root, "controller",
				    json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "name", v->business, "contact", v->owner,
					      "address", bi.address, "email", bi.email, "phone", bi.phone,
					      "data_protection_officer", bi.dpo, "representative", bi.representative,
					      "establishment", bi.state[0] ? bi.state : bi.country,
					      "supervisory_authority", ra.name ? ra.name : bi.authority_problem));
	}
	json_object_set_new(root, "activities", acts);
	{
		json_t *all = json_array();
		for (size_t x = 0; x < m->nrc; x++)
			json_array_append_new(all, json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", m->rc[x].name, "kind", m->rc[x].kind,
							     "country", m->rc[x].country, "safeguard", m->rc[x].safeguard, "note",
							     m->rc[x].note));
		json_object_set_new(root, "recipients", all);
	}
	json_object_set_new(root, "security_measures", json_string(tom));
	if (!strcmp(format, "json")) {
		*out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	} else {
		fort_buf b;
		size_t i;
		json_t *o;
		fort_buf_init(&b, 0);
		if (!strcmp(format, "html")) {
			json_t *ctl = json_object_get(root, "controller");
			static const char *const ck[] = { "name", "address", "contact", "email", "phone", "data_protection_officer",
							  "representative", "supervisory_authority" };
			fort_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Records of processing</title></head><body>\n<h1>Records of processing activities (GDPR Art. 30(1))</h1>\n<p>Controller (Art. 30(1)(a))");
			for (size_t q = 0; q < sizeof ck / sizeof ck[0]; q++) {
				const char *x = json_string_value(json_object_get(ctl, ck[q]));
				if (!x || !x[0])
					continue;
				fort_buf_printf(&b, "; %s: ", ck[q]);
				fort_html_escape(&b, x, strlen(x));
			}
			fort_buf_puts(&b, "</p>\n<table border=\"1\"><tr><th>purpose</th><th>legal basis</th><th>data subjects</th><th>categories</th>"
					  "<th>recipients</th><th>transfers</th><th>retention</th></tr>\n");
		} else {
			fort_buf_puts(&b, "\"purpose\",\"description\",\"legal_basis\",\"special_basis\",\"data_subjects\",\"data_categories\","
					  "\"fields\",\"recipients\",\"transfers\",\"retention\"\r\n");
		}
		json_array_foreach(acts, i, o) {
			/* joined cells, whole whatever their length */
			fort_buf jb[5];
			enum { CATS, FIELDS, REC, TR, RET };
			const char *cats, *fields, *rec, *tr, *ret;
			size_t k;
			json_t *x;
			for (int c = 0; c < 5; c++)
				fort_buf_init(&jb[c], 0);
			if (json_is_string(json_object_get(o, "retention")))
				fort_buf_printf(&jb[RET], "%s: %s", json_string_value(json_object_get(o, "purpose")),
						json_string_value(json_object_get(o, "retention")));
			json_array_foreach(json_object_get(o, "data_categories"), k, x)
				fort_buf_printf(&jb[CATS], "%s%s", k ? "; " : "", json_string_value(x));
			json_array_foreach(json_object_get(o, "fields"), k, x)
				fort_buf_printf(&jb[FIELDS], "%s%s", k ? "; " : "", json_string_value(x));
			json_array_foreach(json_object_get(o, "recipients"), k, x)
				fort_buf_printf(&jb[REC], "%s%s (%s, %s)", k ? "; " : "", json_string_value(json_object_get(x, "name")),
						json_string_value(json_object_get(x, "kind")), json_string_value(json_object_get(x, "country")));
			json_array_foreach(json_object_get(o, "transfers"), k, x)
				fort_buf_printf(&jb[TR], "%s%s: %s", k ? "; " : "", json_string_value(json_object_get(x, "country")),
						json_string_value(json_object_get(x, "safeguard")));
			json_array_foreach(json_object_get(o, "field_retention"), k, x)
				fort_buf_printf(&jb[RET], "%s%s: %s", jb[RET].len ? "; " : "", json_string_value(json_object_get(x, "field")),
						json_string_value(json_object_get(x, "retention")));
			for (int c = 0; c < 5; c++)
				if (fort_buf_error(&jb[c]) && !b.err)
					b.err = fort_buf_error(&jb[c]);
			cats = jb[CATS].buf, fields = jb[FIELDS].buf, rec = jb[REC].buf, tr = jb[TR].buf, ret = jb[RET].buf;
			if (!strcmp(format, "html")) {
				const char *cols[] = { json_string_value(json_object_get(o, "purpose")),
						       json_string_value(json_object_get(o, "legal_basis")), "clients", cats, rec, tr, ret };
				fort_buf_puts(&b, "<tr>");
				for (int c = 0; c < 7; c++) {
					fort_buf_puts(&b, "<td>");
					fort_html_escape(&b, cols[c], strlen(cols[c]));
					fort_buf_puts(&b, "</td>");
				}
				fort_buf_puts(&b, "</tr>\n");
			} else {
				const char *cols[] = { json_string_value(json_object_get(o, "purpose")),
						       json_string_value(json_object_get(o, "description")),
						       json_string_value(json_object_get(o, "legal_basis")),
						       json_string_value(json_object_get(o, "special_basis")), "clients", cats, fields, rec, tr, ret };
				for (int c = 0; c < 10; c++) {
					if (c)
						fort_buf_putc(&b, ',');
					fort_csv_cell(&b, cols[c], 0);
				}
				fort_buf_puts(&b, "\r\n");
			}
			for (int c = 0; c < 5; c++)
				fort_buf_release(&jb[c]);
		}
		if (!strcmp(format, "html")) {
			fort_buf_puts(&b, "</table>\n<h2>Security measures (Art. 32(1))</h2>\n<p>");
			fort_html_escape(&b, tom, strlen(tom));
			fort_buf_puts(&b, "</p>\n</body></html>\n");
		}
		if ((r = fort_buf_error(&b)) < 0) {
			fort_buf_release(&b);
			json_decref(root);
			return r;
		}
		*out = fort_buf_detach(&b, NULL);
	}
	json_decref(root);
	free(json);
	if (!*out)
		r = FORT_ENOMEM;
	return r;
}
