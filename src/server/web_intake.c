/* web_intake.c - write-only intake in the web app (issue 18 item 1).
 *
 * The public form page, /intake/{form}: no session, no keys.  Each request
 * opens the vault locked (fort_vault_open without a passphrase), so the
 * page can show the form's fields (the data map's labels and types), the
 * consents it asks (the map's activities) and the published privacy
 * notice, check values with the vault's own types (fort_field_normalise)
 * and hand the submission to fort_intake_submit, which seals it to the
 * intake public key: the server never holds the secret half and cannot
 * read, list or count what was sent.  The answer is the same thank-you
 * page for every valid submission, whoever it names.  Abuse: the body limit
 * is the library's (FORT_INTAKE_MAX, 413 beyond), submissions per address
 * are limited in memory (429 with Retry-After), and a honeypot field that
 * people never see or fill discards a bot's submission behind the same
 * thank-you page.  The page may be framed only by the form's own origin
 * list (fort_intake_set_origins: CSP frame-ancestors, 'none' when empty).
 *
 * The review pages, /inbox (signed in): the pending submissions decrypted
 * with the signed-in person's intake key (fort_intake_review: masked,
 * duplicates through the blind index), revealed on request, accepted
 * (fort_intake_accept: the client with its consents) or rejected; each a
 * POST with the session's CSRF token, each one library call.
 *
 * Every fixed text of the public pages goes through intake_text: the
 * language catalogues' intake.* keys (src/data/i18n.h), in the visitor's
 * language with the same switcher as /me.  Field labels are the data
 * map's (the business's own words); a field's problem is the library's
 * message (English). */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <jansson.h>
#include "util.h"
#include "data/i18n.h"
#include "server/web.h"

/* ---------------------------------------------------------------- texts */

/* The text of KEY in the page's language: the catalogues' "intake.KEY"
 * (data/i18n/LANG.csv; every language has every key: i18n_check). */
#define intake_text(p, key) i18n_text((p)->lang, "intake." key)

/* A visitor's page: its language as /me picks it (?lang=, the form's lang
 * field, then Accept-Language), the path its switcher links to (the form
 * page, or the form's page SUFFIX), no link into the app. */
static void visitor_page(page *p, const char *suffix)
{
	p->lang = web_lang(p, NULL);
	snprintf(p->here, sizeof p->here, "/intake/%s%s", p->req.id, suffix);
	p->public_page = 1;
}

/* ---------------------------------------------------------------- rate limit */

/* Submissions per address (IPv6 by its /64, as the sign-in throttle), in
 * memory: at most RATE_MAX per RATE_WINDOW seconds.  A full table reuses
 * the oldest window. */
#define RATE_SLOTS 1024
#define RATE_MAX 5
#define RATE_WINDOW 600

static struct {
	char key[48];
	int64_t start;
	unsigned n;
} rate[RATE_SLOTS];
static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;

static void rate_key(char out[48], const char *address)
{
	unsigned char a6[16];
	if (inet_pton(AF_INET6, address, a6) == 1) {
		memset(a6 + 8, 0, 8);
		if (inet_ntop(AF_INET6, a6, out, 48))
			return;
	}
	snprintf(out, 48, "%s", address);
}

/* 0: go ahead (counted), else the seconds to wait. */
static int rate_take(const char *address)
{
	char key[48];
	int64_t now = (int64_t)time(NULL);
	size_t i, pick = 0;
	int wait = 0;
	rate_key(key, address);
	pthread_mutex_lock(&rate_lock);
	for (i = 0; i < RATE_SLOTS; i++) {
		if (rate[i].key[0] && strcmp(rate[i].key, key) == 0)
			break;
		if (rate[i].start < rate[pick].start || (rate[pick].key[0] && !rate[i].key[0]))
			pick = i;
	}
	if (i == RATE_SLOTS) {
		i = pick;
		snprintf(rate[i].key, sizeof rate[i].key, "%s", key);
		rate[i].start = now;
		rate[i].n = 0;
	}
	if (now - rate[i].start >= RATE_WINDOW) {
		rate[i].start = now;
		rate[i].n = 0;
	}
	if (rate[i].n >= RATE_MAX)
		wait = (int)(rate[i].start + RATE_WINDOW - now);
	else
		rate[i].n++;
	pthread_mutex_unlock(&rate_lock);
	return wait > 0 ? wait : 0;
}

/* ---------------------------------------------------------------- the public form */

/* The page's policy: the app's own, framed only by FORM's origins. */
static void form_csp(page *p, const char *origins)
{
	snprintf(p->csp, sizeof p->csp,
		 "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
		 "frame-ancestors %s; base-uri 'none'",
		 origins && *origins ? origins : "'none'");
}

/* Open the vault locked and read form P->req.id; its CSP set.  On an
 * unknown form: a 404 page for the visitor (returns 1). */
static int open_form(fort_vault **v, fort_intake_form *f, page *p)
{
	int r;
	*v = NULL;
	if ((r = fort_vault_open(v, p->req.srv->vault_path, NULL, NULL)) < 0)
		return r;
	r = fort_intake_show(f, *v, p->req.id);
	if (r == FORT_ENOTFOUND || r == FORT_EINPUT) {
		fort_error_clear();
		p->status = 404;
		snprintf(p->title, sizeof p->title, "%s", intake_text(p, "no_form"));
		web_problem(p, intake_text(p, "no_form"));
		fort_vault_close(*v);
		*v = NULL;
		return 1;
	}
	if (r < 0) {
		fort_vault_close(*v);
		*v = NULL;
		return r;
	}
	form_csp(p, f->origins);
	return 0;
}

/* The next item of the comma list *S into ITEM; 0 at the end. */
static int next_item(char *item, size_t cap, const char **s)
{
	const char *e;
	size_t n;
	if (!**s)
		return 0;
	e = strchr(*s, ',');
	n = e ? (size_t)(e - *s) : strlen(*s);
	snprintf(item, cap, "%.*s", (int)(n < cap ? n : cap - 1), *s);
	*s += n + (e ? 1 : 0);
	return 1;
}

static const char *activity_text(fort_vault *v, const char *purpose)
{
	for (size_t i = 0; i < fort_map_activity_count(v); i++) {
		const fort_activity_info *a = fort_map_activity(v, i);
		if (a && a->purpose && strcmp(a->purpose, purpose) == 0 && a->description && *a->description)
			return a->description;
	}
	return purpose;
}

/* One field's control: its label, the input its type asks for, the
 * visitor's VALUE back (escaped) and the problem ERR next to it. */
static void field_control(page *p, const fort_field_info *fi, const char *name, const char *value, const char *err)
{
	const char *type = fi ? fi->type : "text", *input = "text", *ac = "off";
	size_t max = fi && fi->max_length ? fi->max_length : 4096;
	int area = 0;
	if (!strcmp(type, "email"))
		input = "email", ac = "email";
	else if (!strcmp(type, "phone"))
		input = "tel", ac = "tel";
	else if (!strcmp(type, "name"))
		ac = "name";
	else if (!strcmp(type, "date"))
		input = "date";
	else if (!strcmp(type, "text") && max > 200)
		area = 1;
	web_put(p, "<p><label for=\"f_");
	web_text(p, name);
	web_put(p, "\">");
	web_text(p, fi && fi->label && *fi->label ? fi->label : name);
	web_put(p, "</label>");
	if (err) {
		web_put(p, "<span class=\"field-error\" id=\"err_");
		web_text(p, name);
		web_put(p, "\">");
		web_text(p, err);
		web_put(p, "</span>");
	}
	web_put(p, area ? "<textarea rows=\"5\"" : "<input type=\"%s\"", input);
	web_put(p, " id=\"f_");
	web_text(p, name);
	web_put(p, "\" name=\"f_");
	web_text(p, name);
	web_put(p, "\" maxlength=\"%zu\" autocomplete=\"%s\"", max, ac);
	if (err) {
		web_put(p, " aria-invalid=\"true\" aria-describedby=\"err_");
		web_text(p, name);
		web_put(p, "\"");
	}
	if (area) {
		web_put(p, ">");
		web_text(p, value ? value : "");
		web_put(p, "</textarea></p>");
	} else {
		web_put(p, " value=\"");
		web_text(p, value ? value : "");
		web_put(p, "\"></p>");
	}
}

struct field_err { char name[64]; char msg[256]; };

/* The form page: fields, consents, notice; ERRS/NERR next to their fields. */
static void render_form(page *p, fort_vault *v, const fort_intake_form *f, const struct field_err *errs, size_t nerr,
			const char *top_problem)
{
	char item[64], version[65];
	const char *intro = intake_text(p, "intro"), *mark;
	const char *s;
	int have_notice;
	fort_business_info bi;
	memset(&bi, 0, sizeof bi);
	if (fort_business_get(&bi, v) < 0)
		fort_error_clear();
	/* the version of the notice the visitor is shown: in their language
	 * when published in it (fort_notice_published_in) */
	have_notice = fort_notice_published_in(version, NULL, NULL, v, "md", p->lang) == 0;
	if (!have_notice)
		fort_error_clear();
	snprintf(p->title, sizeof p->title, "%s", intake_text(p, "title"));
	if (top_problem)
		web_problem(p, top_problem);
	/* "%s" in the text stands for the business's name */
	web_put(p, "<p>");
	if ((mark = strstr(intro, "%s"))) {
		fort_html_escape(&p->out, intro, (size_t)(mark - intro));
		web_text(p, bi.name[0] ? bi.name : "Fortress");
		web_text(p, mark + 2);
	} else {
		web_text(p, intro);
	}
	web_put(p, "</p><form class=\"card intake\" method=\"post\" action=\"/intake/");
	web_text(p, f->name);
	web_put(p, "\" novalidate><input type=\"hidden\" name=\"lang\" value=\"%s\"><p class=\"help\">", p->lang);
	web_text(p, intake_text(p, "optional"));
	web_put(p, "</p>");
	for (s = f->fields; next_item(item, sizeof item, &s);) {
		const char *err = NULL, *val = NULL;
		char fname[70];
		for (size_t i = 0; i < nerr; i++)
			if (!strcmp(errs[i].name, item))
				err = errs[i].msg;
		snprintf(fname, sizeof fname, "f_%s", item);
		val = web_form(p, fname);
		field_control(p, fort_map_find(v, item), item, val, err);
	}
	if (f->consents[0]) {
		web_put(p, "<fieldset><legend>");
		web_text(p, intake_text(p, "consents"));
		web_put(p, "</legend>");
		if (!have_notice) {
			web_put(p, "<p class=\"help\">");
			web_text(p, intake_text(p, "no_notice"));
			web_put(p, "</p>");
		} else {
			web_put(p, "<p class=\"help\">");
			web_text(p, intake_text(p, "consents_help"));
			web_put(p, "</p>");
			for (s = f->consents; next_item(item, sizeof item, &s);) {
				int checked = 0;
				for (size_t i = 0; i < p->nf; i++)
					if (!strcmp(p->fk[i], "consent") && !strcmp(p->fv[i], item))
						checked = 1;
				web_put(p, "<p class=\"check\"><input type=\"checkbox\" name=\"consent\" id=\"c_");
				web_text(p, item);
				web_put(p, "\" value=\"");
				web_text(p, item);
				web_put(p, "\"%s><label for=\"c_", checked ? " checked" : "");
				web_text(p, item);
				web_put(p, "\">");
				web_text(p, activity_text(v, item));
				web_put(p, "</label></p>");
			}
		}
		web_put(p, "</fieldset>");
	}
	if (have_notice) {
		web_put(p, "<input type=\"hidden\" name=\"notice\" value=\"%s\">", version);
		web_put(p, "<p><a href=\"/intake/");
		web_text(p, f->name);
		web_put(p, "/notice\">");
		web_text(p, intake_text(p, "notice"));
		web_put(p, "</a> (");
		web_text(p, intake_text(p, "notice_version"));
		web_put(p, " <span class=\"version\">%.16s</span>)</p>", version);
	}
	/* the honeypot: off-screen, never focused by the keyboard; people leave it empty */
	web_put(p, "<p class=\"hp\"><label for=\"website\">");
	web_text(p, intake_text(p, "honeypot"));
	web_put(p, "</label><input type=\"text\" id=\"website\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\" value=\"\"></p>");
	web_put(p, "<p><button type=\"submit\">");
	web_text(p, intake_text(p, "send"));
	web_put(p, "</button></p></form>");
}

int page_intake_form(page *p)
{
	fort_vault *v = NULL;
	fort_intake_form f;
	int r;
	visitor_page(p, "");
	r = open_form(&v, &f, p);
	if (r != 0)
		return r < 0 ? r : 0;
	render_form(p, v, &f, NULL, 0, NULL);
	fort_vault_close(v);
	return 0;
}

/* The thank-you page, in the language the visitor chose on the form (else
 * its own pick from Accept-Language, as the form's). */
static int thanks_redirect(page *p)
{
	char loc[160];
	const char *l = web_form(p, "lang");
	if (l && strcmp(i18n_lang(l), l) == 0)
		snprintf(loc, sizeof loc, "/intake/%s/thanks?lang=%s", p->req.id, l);
	else
		snprintf(loc, sizeof loc, "/intake/%s/thanks", p->req.id);
	return web_redirect(p, loc);
}

/* The submission's JSON from the form's fields (non-empty values), the
 * consents ticked, the notice shown.  *OUT: json_dumps, wiped by the caller. */
static int build_json(char **out, page *p, const fort_intake_form *f)
{
	json_t *root = json_object(), *fields = json_object(), *cons = json_array();
	const char *s, *notice = web_form(p, "notice");
	char item[64];
	int r = 0;
	*out = NULL;
	if (!root || !fields || !cons) {
		json_decref(fields);
		json_decref(cons);
		r = FORT_ENOMEM;
		goto out;
	}
	for (s = f->fields; next_item(item, sizeof item, &s);) {
		char fname[70];
		const char *val;
		snprintf(fname, sizeof fname, "f_%s", item);
		if ((val = web_form(p, fname)) && *val && json_object_set_new(fields, item, json_string(val)) < 0)
			r = FORT_ENOMEM;
	}
	for (size_t i = 0; i < p->nf; i++)
		if (!strcmp(p->fk[i], "consent") && json_array_append_new(cons, json_string(p->fv[i])) < 0)
			r = FORT_ENOMEM;
	json_object_set_new(root, "fields", fields);
	json_object_set_new(root, "consents", cons);
	if (notice && *notice)
		json_object_set_new(root, "notice", json_string(notice));
	json_object_set_new(root, "language", json_string(p->lang));
	if (r == 0 && !(*out = json_dumps(root, JSON_COMPACT)))
		r = FORT_ENOMEM;
out:
	json_decref(root);
	return r == FORT_ENOMEM ? fort_error_set(FORT_ENOMEM, "out of memory") : r;
}

int page_intake_submit(page *p)
{
	fort_vault *v = NULL;
	fort_intake_form f;
	struct field_err errs[32];
	size_t nerr = 0;
	const char *hp = web_form(p, "website"), *s;
	char item[64], *json = NULL;
	int r, wait;

	visitor_page(p, "");
	if ((wait = rate_take(p->req.address)) > 0) {
		p->status = 429;
		p->retry_after = wait;
		snprintf(p->title, sizeof p->title, "%s", intake_text(p, "title"));
		web_problem(p, intake_text(p, "too_many"));
		return 0;
	}
	if ((r = open_form(&v, &f, p)) != 0)
		return r < 0 ? r : 0;
	/* a bot filled the field people never see: the same answer, nothing kept */
	if (hp && *hp) {
		fort_vault_close(v);
		return thanks_redirect(p);
	}
	/* each field with the vault's own type check, its problem next to it */
	for (s = f.fields; next_item(item, sizeof item, &s) && nerr < sizeof errs / sizeof errs[0];) {
		char fname[70], *canon = NULL, key[48];
		const char *val, *problem = NULL;
		snprintf(fname, sizeof fname, "f_%s", item);
		if (!(val = web_form(p, fname)) || !*val)
			continue;
		if ((r = fort_field_check(&canon, &problem, v, item, val)) < 0) {
			if (r != FORT_EINPUT && r != FORT_ENOTFOUND)
				goto out;
			/* the library's word for the problem, said in the visitor's
			 * language (its own message is English) */
			snprintf(key, sizeof key, "intake.err.%s", problem ? problem : "value");
			snprintf(errs[nerr].name, sizeof errs[nerr].name, "%s", item);
			snprintf(errs[nerr].msg, sizeof errs[nerr].msg, "%s",
				 *i18n_text(p->lang, key) ? i18n_text(p->lang, key) : i18n_text(p->lang, "intake.err.value"));
			nerr++;
			fort_error_clear();
			continue;
		}
		fort_free_str(canon);
	}
	if (nerr) {
		p->status = 400;
		render_form(p, v, &f, errs, nerr, intake_text(p, "problems"));
		r = 0;
		goto out;
	}
	if ((r = build_json(&json, p, &f)) < 0)
		goto out;
	r = fort_intake_submit(v, f.name, json, strlen(json));
	if (r == FORT_EINPUT) {
		/* what only the whole submission shows (no value at all, a notice
		 * no longer published): said above the form, values kept */
		char msg[512];
		/* in the visitor's language: the library's reason is English */
		snprintf(msg, sizeof msg, "%s", i18n_text(p->lang, "intake.err.submission"));
		fort_error_clear();
		p->status = 400;
		render_form(p, v, &f, NULL, 0, msg);
		r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	r = thanks_redirect(p);
out:
	if (json) {
		sodium_memzero(json, strlen(json));
		free(json);
	}
	fort_vault_close(v);
	return r;
}

int page_intake_thanks(page *p)
{
	fort_vault *v = NULL;
	fort_intake_form f;
	int r;
	visitor_page(p, "/thanks");
	r = open_form(&v, &f, p);
	if (r != 0)
		return r < 0 ? r : 0;
	fort_vault_close(v);
	snprintf(p->title, sizeof p->title, "%s", intake_text(p, "thanks_title"));
	web_put(p, "<p role=\"status\">");
	web_text(p, intake_text(p, "thanks"));
	web_put(p, "</p><p><a href=\"/intake/");
	web_text(p, f.name);
	web_put(p, "?lang=%s\">", p->lang);
	web_text(p, intake_text(p, "again"));
	web_put(p, "</a></p>");
	return 0;
}

int page_intake_notice(page *p)
{
	fort_vault *v = NULL;
	fort_intake_form f;
	char version[65], *html = NULL;
	int r;
	/* the published notice in the visitor's language, else the English one
	 * with a line in theirs saying so (issue 18 item 4) */
	visitor_page(p, "/notice");
	r = open_form(&v, &f, p);
	if (r != 0)
		return r < 0 ? r : 0;
	r = fort_notice_published_in(version, &html, NULL, v, "html", p->lang);
	fort_vault_close(v);
	if (r < 0)
		return r;
	/* the library's whole page (its text escaped by the renderer) */
	fort_buf_puts(&p->out, html);
	free(html);
	p->whole = 1;
	return 0;
}

/* ---------------------------------------------------------------- review */

static int sub_id(int64_t *id, const char *s)
{
	return http_id_number(id, s, FORT_EINPUT, "a submission", "open one from the inbox");
}

static void when(char out[21], int64_t t)
{
	fort_time_iso(out, t);
}

int page_inbox(page *p)
{
	fort_intake_item *it = NULL;
	fort_intake_form *forms = NULL;
	size_t n = 0, nf = 0;
	char t[21];
	int r;
	p->nav = "inbox";
	snprintf(p->title, sizeof p->title, "Intake inbox");
	if ((r = fort_intake_review(&it, &n, p->req.v, NULL, 0)) < 0)
		return r;
	if ((r = fort_intake_list(&forms, &nf, p->req.v)) < 0) {
		fort_intake_items_free(it, n);
		return r;
	}
	web_put(p, "<p>%zu submission%s waiting. Each arrived sealed to the vault's intake key; you see it because you hold "
		   "that key. Opening one is recorded in the audit log.</p>", n, n == 1 ? "" : "s");
	if (n) {
		web_put(p, "<table><caption>Waiting submissions, oldest first</caption><thead><tr><th scope=\"col\">Number</th>"
			   "<th scope=\"col\">Form</th><th scope=\"col\">Received</th><th scope=\"col\">Note</th></tr></thead><tbody>");
		for (size_t i = 0; i < n; i++) {
			when(t, it[i].received);
			web_put(p, "<tr><td><a href=\"/inbox/%lld\">%lld</a></td><td>", (long long)it[i].id, (long long)it[i].id);
			web_text(p, it[i].form);
			web_put(p, "</td><td>%s</td><td>", t);
			if (it[i].problem[0])
				web_text(p, "cannot be read: reject it");
			else if (it[i].duplicate[0]) {
				web_text(p, "same ");
				web_text(p, it[i].duplicate_field);
				web_text(p, " as client ");
				web_text(p, it[i].duplicate);
			}
			web_put(p, "</td></tr>");
		}
		web_put(p, "</tbody></table>");
	}
	if (nf) {
		web_put(p, "<h2>Your forms</h2><p>Put a form on your website with a link to its page, or in a frame from a site "
			   "its list allows (<code>fortress intake set NAME --allow-origin https://www.example.com</code>).</p><ul>");
		for (size_t i = 0; i < nf; i++) {
			web_put(p, "<li><a href=\"/intake/");
			web_text(p, forms[i].name);
			web_put(p, "\">");
			web_text(p, forms[i].name);
			web_put(p, "</a>: %llu waiting; may be framed by ", (unsigned long long)forms[i].pending);
			web_text(p, forms[i].origins[0] ? forms[i].origins : "no site");
			web_put(p, "</li>");
		}
		web_put(p, "</ul>");
	}
	web_put(p, "<p><a href=\"/intake-forms\">Manage the intake forms</a></p>");
	fort_intake_items_free(it, n);
	free(forms);
	return 0;
}

static void decide_form(page *p, int64_t id, const char *action, const char *label, int secondary)
{
	web_put(p, "<form class=\"inline\" method=\"post\" action=\"/inbox/%lld/%s\">", (long long)id, action);
	web_csrf_field(p);
	web_put(p, "<button type=\"submit\"%s>", secondary ? " class=\"secondary\"" : "");
	web_text(p, label);
	web_put(p, "</button></form>");
}

static int show_item(page *p, int reveal)
{
	fort_intake_item *it = NULL, *x = NULL;
	size_t n = 0;
	int64_t id;
	char t[21];
	int r;
	p->nav = "inbox";
	if ((r = sub_id(&id, p->req.id)) < 0)
		return r;
	if ((r = fort_intake_review(&it, &n, p->req.v, NULL, reveal)) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (it[i].id == id)
			x = &it[i];
	if (!x) {
		fort_intake_items_free(it, n);
		return fort_error_set(FORT_ENOTFOUND, "no waiting submission %lld: it was accepted or rejected already (see the inbox)",
				      (long long)id);
	}
	snprintf(p->title, sizeof p->title, "Submission %lld%s", (long long)id, reveal ? ": revealed" : "");
	when(t, x->received);
	web_put(p, "<p>Form ");
	web_text(p, x->form);
	web_put(p, ", received %s.%s</p>", t, reveal ? " The values are shown in full; this was recorded in the audit log."
						     : " Values are masked.");
	if (x->problem[0])
		web_problem(p, x->problem);
	if (x->duplicate[0]) {
		web_put(p, "<div class=\"problem\" role=\"note\"><p>Client <a href=\"/clients/");
		web_text(p, x->duplicate);
		web_put(p, "\">");
		web_text(p, x->duplicate);
		web_put(p, "</a> has the same ");
		web_text(p, x->duplicate_field);
		web_put(p, ": accepting is refused; add what is new to that client, then reject this submission.</p></div>");
	}
	web_put(p, "<dl class=\"record\">");
	for (size_t k = 0; k < x->nvalues; k++) {
		const fort_field_info *fi = fort_map_find(p->req.v, x->values[k].field);
		web_put(p, "<dt>");
		web_text(p, fi && fi->label && *fi->label ? fi->label : x->values[k].field);
		web_put(p, "</dt><dd%s>", reveal ? " class=\"value\" data-secret" : "");
		web_text(p, x->values[k].value);
		web_put(p, "</dd>");
	}
	web_put(p, "<dt>Consents given</dt><dd>");
	web_text(p, x->consents[0] ? x->consents : "none");
	web_put(p, "</dd><dt>Privacy notice shown</dt><dd>");
	if (x->notice[0])
		web_put(p, "version <span class=\"version\">%.16s</span>", x->notice);
	else
		web_text(p, "none");
	web_put(p, "</dd><dt>Language</dt><dd>");
	web_text(p, x->language[0] ? x->language : "en");
	web_put(p, "</dd></dl><div class=\"actions\">");
	if (!reveal)
		decide_form(p, id, "reveal", "Show the values in full", 1);
	decide_form(p, id, "accept", "Accept: make it a client", 0);
	decide_form(p, id, "reject", "Reject and delete", 1);
	web_put(p, "</div><p><a href=\"/inbox\">Back to the inbox</a></p>");
	fort_intake_items_free(it, n);
	return 0;
}

int page_inbox_item(page *p)
{
	return show_item(p, 0);
}

int page_inbox_reveal(page *p)
{
	return show_item(p, 1);
}

int page_inbox_accept(page *p)
{
	char cid[FORT_ID_LEN + 1], loc[64];
	int64_t id;
	int r;
	p->nav = "inbox";
	if ((r = sub_id(&id, p->req.id)) < 0 || (r = fort_intake_accept(cid, p->req.v, id)) < 0)
		return r;
	snprintf(loc, sizeof loc, "/clients/%s", cid);
	return web_redirect(p, loc);
}

int page_inbox_reject(page *p)
{
	int64_t id;
	int r;
	p->nav = "inbox";
	if ((r = sub_id(&id, p->req.id)) < 0 || (r = fort_intake_reject(p->req.v, id)) < 0)
		return r;
	return web_redirect(p, "/inbox");
}
