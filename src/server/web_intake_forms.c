/* web_intake_forms.c - managing the intake forms from the web app
 * (`fortress intake create|set|remove|rotate-key`): the forms with their
 * fields, consents, waiting submissions and the sites that may frame them;
 * making one from the data map's fields and purposes, changing which sites
 * may frame it, removing one (its name typed to confirm), and replacing
 * the vault's intake key pair.  web_intake.c has the public form and the
 * inbox.  The library checks who may ('intake') and audits. */
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "server/web.h"

#define MAX_ITEMS 64

/* The form's values of NAME (checkboxes), at most CAP. */
static size_t form_values(page *p, const char *name, const char **out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nf && n < cap; i++)
		if (strcmp(p->fk[i], name) == 0 && *p->fv[i])
			out[n++] = p->fv[i];
	return n;
}

static void form_row(page *p, const fort_intake_form *f)
{
	char d[21];
	fort_time_iso(d, f->created);
	d[10] = '\0';
	web_put(p, "<tr><th scope=\"row\"><a href=\"/intake/");
	web_text(p, f->name);
	web_put(p, "\">");
	web_text(p, f->name);
	web_put(p, "</a></th><td>");
	web_text(p, f->fields);
	web_put(p, "</td><td>");
	web_text(p, f->consents[0] ? f->consents : "-");
	web_put(p, "</td><td>%s</td><td>%llu</td><td>", d, (unsigned long long)f->pending);
	web_text(p, f->origins[0] ? f->origins : "no site");
	web_put(p, "</td></tr>");
}

static void settings_form(page *p, const fort_intake_form *f)
{
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/intake-forms/");
	web_text(p, f->name);
	web_put(p, "/settings\">");
	web_csrf_field(p);
	web_put(p, "<h3>Form ");
	web_text(p, f->name);
	web_put(p, "</h3><p><label for=\"origins-");
	web_text(p, f->name);
	web_put(p, "\">Sites that may show it in a frame (one per line or separated by spaces, as "
		   "<code>https://www.example.com</code>; empty: none)</label><textarea id=\"origins-");
	web_text(p, f->name);
	web_put(p, "\" name=\"origins\" rows=\"2\" spellcheck=\"false\">");
	web_text(p, f->origins);
	web_put(p, "</textarea></p><p><button type=\"submit\">Save the sites</button></p></form>");
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/intake-forms/");
	web_text(p, f->name);
	web_put(p, "/remove\">");
	web_csrf_field(p);
	web_put(p, "<p><label for=\"confirm-");
	web_text(p, f->name);
	web_put(p, "\">To remove form ");
	web_text(p, f->name);
	web_put(p, ", type its name (only without waiting submissions)</label><input id=\"confirm-");
	web_text(p, f->name);
	web_put(p, "\" name=\"confirm\" type=\"text\" autocomplete=\"off\" required></p><p><button type=\"submit\">Remove "
		   "the form</button></p></form>");
}

static void create_form(page *p, fort_vault *v)
{
	size_t nf = fort_map_count(v), na = fort_map_activity_count(v);
	web_put(p, "<section aria-labelledby=\"h-create\"><h2 id=\"h-create\">Make a form</h2>"
		   "<form class=\"card\" method=\"post\" action=\"/intake-forms\">");
	web_csrf_field(p);
	web_put(p, "<p><label for=\"form-name\">Name (small letters, digits, - and _; it is part of the form's address)"
		   "</label><input id=\"form-name\" name=\"name\" type=\"text\" required maxlength=\"%d\" "
		   "pattern=\"[a-z0-9_-]+\" autocomplete=\"off\"></p><fieldset><legend>Fields it asks for</legend>",
		FORT_INTAKE_NAME_MAX);
	for (size_t i = 0; i < nf; i++) {
		const fort_field_info *fi = fort_map_field(v, i);
		if (!fi)
			continue;
		web_put(p, "<p><input type=\"checkbox\" id=\"field-");
		web_text(p, fi->name);
		web_put(p, "\" name=\"field\" value=\"");
		web_text(p, fi->name);
		web_put(p, "\"><label class=\"check\" for=\"field-");
		web_text(p, fi->name);
		web_put(p, "\">");
		web_text(p, fi->label && *fi->label ? fi->label : fi->name);
		web_put(p, "</label></p>");
	}
	web_put(p, "</fieldset>");
	if (na) {
		web_put(p, "<fieldset><legend>Consents it asks for</legend>");
		for (size_t i = 0; i < na; i++) {
			const fort_activity_info *a = fort_map_activity(v, i);
			if (!a || !a->purpose)
				continue;
			web_put(p, "<p><input type=\"checkbox\" id=\"consent-");
			web_text(p, a->purpose);
			web_put(p, "\" name=\"consent\" value=\"");
			web_text(p, a->purpose);
			web_put(p, "\"><label class=\"check\" for=\"consent-");
			web_text(p, a->purpose);
			web_put(p, "\">");
			web_text(p, a->description && *a->description ? a->description : a->purpose);
			web_put(p, "</label></p>");
		}
		web_put(p, "</fieldset>");
	}
	web_put(p, "<p><button type=\"submit\">Make the form</button></p></form></section>");
}

int page_intake_forms(page *p)
{
	fort_intake_form *f = NULL;
	size_t n = 0;
	int r;
	p->nav = "inbox";
	snprintf(p->title, sizeof p->title, "Intake forms");
	if ((r = fort_intake_list(&f, &n, p->req.v)) < 0)
		return r;
	web_put(p, "<p>An intake form lets people send you their details from your website. What they send is sealed to "
		   "the vault's intake key and waits in the <a href=\"/inbox\">inbox</a> for someone whose role allows "
		   "intake.</p>");
	if (n) {
		web_put(p, "<table id=\"forms\"><caption>Forms</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">"
			   "Fields</th><th scope=\"col\">Consents</th><th scope=\"col\">Made</th><th scope=\"col\">Waiting</th>"
			   "<th scope=\"col\">May be framed by</th></tr></thead><tbody>");
		for (size_t i = 0; i < n; i++)
			form_row(p, &f[i]);
		web_put(p, "</tbody></table><section aria-labelledby=\"h-settings\"><h2 id=\"h-settings\">Settings</h2>");
		for (size_t i = 0; i < n; i++)
			settings_form(p, &f[i]);
		web_put(p, "</section>");
	} else
		web_put(p, "<p id=\"no-forms\">No intake forms yet.</p>");
	free(f);
	create_form(p, p->req.v);
	web_put(p, "<section aria-labelledby=\"h-key\"><h2 id=\"h-key\">Intake key</h2><p>Replace the key pair submissions "
		   "are sealed to when someone who held it left or it may be exposed: those whose role allows intake get "
		   "the new one, waiting submissions are sealed again to it, the forms keep working.</p>"
		   "<form class=\"card\" method=\"post\" action=\"/intake-forms/rotate-key\">");
	web_csrf_field(p);
	web_put(p, "<p><button type=\"submit\">Replace the intake key</button></p></form></section>");
	return 0;
}

int page_intake_form_create(page *p)
{
	const char *fields[MAX_ITEMS], *consents[MAX_ITEMS], *name = web_form(p, "name");
	size_t nf = form_values(p, "field", fields, MAX_ITEMS), nc = form_values(p, "consent", consents, MAX_ITEMS);
	int r;
	p->nav = "inbox";
	if (!name || !*name)
		return fort_error_set(FORT_EINPUT, "give the form a name (small letters, digits, - and _)");
	if (!nf)
		return fort_error_set(FORT_EINPUT, "tick the fields the form asks for");
	if ((r = fort_intake_create(p->req.v, name, fields, nf, consents, nc)) < 0)
		return r;
	return web_redirect(p, "/intake-forms");
}

int page_intake_form_settings(page *p)
{
	const char *in = web_form(p, "origins"), *list[MAX_ITEMS];
	char buf[2048], *save = NULL;
	size_t n = 0;
	int r;
	p->nav = "inbox";
	if (!in)
		return fort_error_set(FORT_EINPUT, "the form sent no list of sites: send the page's own form");
	if (strlen(in) >= sizeof buf)
		return fort_error_set(FORT_EINPUT, "the list of sites is too long: at most 16 sites");
	snprintf(buf, sizeof buf, "%s", in);
	for (char *t = strtok_r(buf, " \t\r\n,", &save); t && n < MAX_ITEMS; t = strtok_r(NULL, " \t\r\n,", &save))
		list[n++] = t;
	if ((r = fort_intake_set_origins(p->req.v, p->req.id, list, n)) < 0)
		return r;
	return web_redirect(p, "/intake-forms");
}

int page_intake_form_remove(page *p)
{
	const char *typed = web_form(p, "confirm");
	int r;
	p->nav = "inbox";
	if (!web_confirms(typed, p->req.id, 0)) {
		p->status = 400;
		snprintf(p->title, sizeof p->title, "Not removed");
		web_problem(p, "not removed: type the form's name exactly as shown to confirm, or go back.");
		web_put(p, "<p><a href=\"/intake-forms\">Back to the intake forms</a></p>");
		return 0;
	}
	if ((r = fort_intake_remove(p->req.v, p->req.id)) < 0)
		return r;
	return web_redirect(p, "/intake-forms");
}

int page_intake_rotate_key(page *p)
{
	uint64_t n = 0;
	int r;
	p->nav = "inbox";
	if ((r = fort_intake_rotate_key(&n, p->req.v)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Intake key replaced");
	web_put(p, "<div class=\"ok\" role=\"status\"><p id=\"intake-rotated\">The intake key pair is replaced: %llu waiting "
		   "submission%s sealed again to the new key. The forms keep working.</p></div>"
		   "<p><a href=\"/intake-forms\">Back to the intake forms</a></p>",
		(unsigned long long)n, n == 1 ? "" : "s");
	return 0;
}
