/* web_clients.c - changing a client from the web app: edit (rectification:
 * fort_client_edit validates every value by its field's type, as for the
 * CLI) and erase (crypto-shredding, fort_client_erase) after the person
 * typed the client's id; the consent ledger (status, and what the client
 * said: grant, withdraw, object, restrict, lift: fort_consent_record).
 * All are audited by the library; a refusal
 * becomes a page saying what to do, and the vault is as it was. */
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "server/web.h"

static const char *label_of(const fort_field_info *fi)
{
	return fi->label && *fi->label ? fi->label : fi->name;
}

static const char *input_type(const char *type)
{
	if (strcmp(type, "email") == 0)
		return "email";
	if (strcmp(type, "phone") == 0)
		return "tel";
	if (strcmp(type, "date") == 0)
		return "date";
	return "text";
}

int page_client_edit(page *p)
{
	fort_record *rec = NULL;
	size_t n;
	int r;
	p->nav = "clients";
	if ((r = fort_client_get(&rec, p->req.v, p->req.id, NULL)) < 0)
		return r;
	n = fort_map_count(p->req.v);
	snprintf(p->title, sizeof p->title, "Edit client %s", p->req.id);
	web_put(p, "<p>Type a new value only where something is wrong or missing; empty boxes keep what is there. "
		   "Tick <em>Remove</em> to delete a value. Each change is checked as when the client was added, "
		   "and recorded in the audit log.</p><form class=\"card\" method=\"post\" action=\"/clients/");
	web_text(p, p->req.id);
	web_put(p, "/edit\">");
	web_csrf_field(p);
	for (size_t i = 0; i < n; i++) {
		const fort_field_info *fi = fort_map_field(p->req.v, i);
		const char *cur = fort_record_value(rec, fi->name);
		web_put(p, "<fieldset><legend>");
		web_text(p, label_of(fi));
		web_put(p, "</legend><p class=\"help\" id=\"now-%zu\">Now: ", i);
		if (cur)
			web_text(p, cur);
		else if (!fort_vault_can(p->req.v, "reveal", fi->category))
			web_put(p, "not shown to your role");
		else
			web_put(p, "empty");
		web_put(p, "</p><p><label for=\"f-");
		web_text(p, fi->name);
		web_put(p, "\">New value</label><input id=\"f-");
		web_text(p, fi->name);
		web_put(p, "\" name=\"f-");
		web_text(p, fi->name);
		web_put(p, "\" type=\"%s\" autocomplete=\"off\" aria-describedby=\"now-%zu\"", input_type(fi->type), i);
		if (fi->max_length)
			web_put(p, " maxlength=\"%zu\"", fi->max_length);
		web_put(p, "></p><p><input type=\"checkbox\" id=\"clear-");
		web_text(p, fi->name);
		web_put(p, "\" name=\"clear-");
		web_text(p, fi->name);
		web_put(p, "\" value=\"1\"><label class=\"check\" for=\"clear-");
		web_text(p, fi->name);
		web_put(p, "\">Remove the value</label></p></fieldset>");
	}
	web_put(p, "<p><button type=\"submit\">Save the changes</button> <a href=\"/clients/");
	web_text(p, p->req.id);
	web_put(p, "\">Cancel</a></p></form>");
	fort_record_free(rec);
	return 0;
}

int page_client_update(page *p)
{
	fort_kv kv[WEB_MAX_FIELDS];
	char loc[96];
	size_t n = 0;
	int r;
	p->nav = "clients";
	for (size_t i = 0; i < p->nf; i++) {
		const char *k = p->fk[i];
		if (strncmp(k, "f-", 2) == 0 && *p->fv[i]) {
			kv[n].field = k + 2;
			kv[n++].value = p->fv[i];
		} else if (strncmp(k, "clear-", 6) == 0 && *p->fv[i]) {
			/* a value typed for the same field wins over its Remove box */
			int typed = 0;
			for (size_t j = 0; j < p->nf; j++)
				if (strncmp(p->fk[j], "f-", 2) == 0 && strcmp(p->fk[j] + 2, k + 6) == 0 && *p->fv[j])
					typed = 1;
			if (typed)
				continue;
			kv[n].field = k + 6;
			kv[n++].value = NULL;
		}
	}
	if (n == 0)
		return fort_error_set(FORT_EINPUT, "nothing to change: type a new value, or tick Remove, for at least one field");
	if ((r = fort_client_edit(p->req.v, p->req.id, kv, n)) < 0)
		return r;
	snprintf(loc, sizeof loc, "/clients/%s", p->req.id);
	return web_redirect(p, loc);
}

static void erase_form(page *p)
{
	web_put(p, "<form class=\"card danger\" method=\"post\" action=\"/clients/");
	web_text(p, p->req.id);
	web_put(p, "/erase\">");
	web_csrf_field(p);
	web_put(p, "<p><label for=\"confirm\">To confirm, type the client's id: <code>");
	web_text(p, p->req.id);
	web_put(p, "</code></label><input id=\"confirm\" name=\"confirm\" type=\"text\" autocomplete=\"off\" "
		   "spellcheck=\"false\" required></p>"
		   "<p><label for=\"reason\">Reason (optional, no personal data: e.g. \"erasure request\")</label>"
		   "<input id=\"reason\" name=\"reason\" type=\"text\" maxlength=\"200\" autocomplete=\"off\"></p>"
		   "<p><button type=\"submit\" class=\"danger\">Erase this client for good</button> <a href=\"/clients/");
	web_text(p, p->req.id);
	web_put(p, "\">Cancel</a></p></form>");
}

int page_client_erase_ask(page *p)
{
	fort_record *rec = NULL;
	int r;
	p->nav = "clients";
	/* the client must exist and be readable by this person */
	if ((r = fort_client_get(&rec, p->req.v, p->req.id, NULL)) < 0)
		return r;
	fort_record_free(rec);
	snprintf(p->title, sizeof p->title, "Erase client %s", p->req.id);
	web_put(p, "<div class=\"problem\"><p><strong>This cannot be undone.</strong> The client's key is destroyed, so "
		   "every copy of their data, in this vault and in its backups, becomes unreadable. The id stays in the "
		   "erasure ledger so a restored backup does not bring the client back.</p></div>"
		   "<p>If the client asked for erasure, record the request on the Requests page instead: it keeps what the "
		   "law requires you to keep and gives you a certificate.</p>");
	erase_form(p);
	return 0;
}

int page_client_erase(page *p)
{
	const char *typed = web_form(p, "confirm"), *reason = web_form(p, "reason");
	int r;
	p->nav = "clients";
	snprintf(p->title, sizeof p->title, "Erase client %s", p->req.id);
	if (!web_confirms(typed, p->req.id, 1)) {
		p->status = 400;
		web_problem(p, "not erased: the id you typed is not this client's. Type it exactly as shown, or cancel.");
		erase_form(p);
		return 0;
	}
	if ((r = fort_client_erase(p->req.v, p->req.id, reason && *reason ? reason : "erased from the web app")) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Client %s erased", p->req.id);
	web_put(p, "<div class=\"ok\" role=\"status\"><p>Client <code>");
	web_text(p, p->req.id);
	web_put(p, "</code> was erased: their data can no longer be read, and the erasure is in the audit log.</p></div>"
		   "<p><a href=\"/clients\">Back to the clients</a></p>");
	return 0;
}

/* ---------------------------------------------------------------- consent */

int page_client_consent(page *p)
{
	fort_consent_state *cs = NULL;
	size_t n = 0, na = fort_map_activity_count(p->req.v);
	int restricted = 0, r;
	char d[21];
	p->nav = "clients";
	if ((r = fort_consent_status(&cs, &n, &restricted, p->req.v, p->req.id)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Consent of client %s", p->req.id);
	if (restricted)
		web_put(p, "<div class=\"problem\" role=\"status\"><p><strong>Processing is restricted</strong> (Art. 18): "
			   "only legal claims may use this client's data until it is lifted.</p></div>");
	if (n == 0)
		web_put(p, "<p>Nothing recorded yet for this client.</p>");
	else {
		web_put(p, "<table id=\"consent-state\"><caption>Where the client stands, per purpose</caption><thead><tr>"
			   "<th scope=\"col\">Purpose</th><th scope=\"col\">Consent</th><th scope=\"col\">Objection</th>"
			   "<th scope=\"col\">Since</th></tr></thead><tbody>");
		for (size_t i = 0; i < n; i++) {
			fort_time_iso(d, cs[i].since);
			d[10] = '\0';
			web_put(p, "<tr><th scope=\"row\">");
			web_text(p, cs[i].purpose);
			web_put(p, "</th><td>%s</td><td>%s</td><td>%s</td></tr>",
				cs[i].consented ? "given" : cs[i].needs_consent ? "not given (needed)" : "not given",
				cs[i].objected ? "objected" : "-", d);
		}
		web_put(p, "</tbody></table>");
	}
	free(cs);
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/clients/");
	web_text(p, p->req.id);
	web_put(p, "/consent\">");
	web_csrf_field(p);
	web_put(p, "<fieldset><legend>Record what the client said</legend><p><label for=\"action\">What</label>"
		   "<select id=\"action\" name=\"action\"><option value=\"grant\">Gave consent</option>"
		   "<option value=\"withdraw\">Withdrew consent</option><option value=\"object\">Objected (Art. 21)</option>"
		   "<option value=\"restrict\">Asked to restrict all processing (Art. 18)</option>"
		   "<option value=\"lift\">Restriction lifted</option></select></p>"
		   "<p><label for=\"purpose\">For which purpose</label><select id=\"purpose\" name=\"purpose\">");
	for (size_t i = 0; i < na; i++) {
		const fort_activity_info *a = fort_map_activity(p->req.v, i);
		web_put(p, "<option value=\"");
		web_text(p, a->purpose);
		web_put(p, "\">");
		web_text(p, a->purpose);
		web_put(p, "</option>");
	}
	web_put(p, "</select></p><p><label for=\"channel\">How</label><select id=\"channel\" name=\"channel\">"
		   "<option>email</option><option>web</option><option>paper</option><option>phone</option>"
		   "<option>verbal</option><option value=\"in_person\">in person</option></select></p>"
		   "<p><button type=\"submit\">Record it</button></p></fieldset></form><p><a href=\"/clients/");
	web_text(p, p->req.id);
	web_put(p, "\">Back to the client</a></p>");
	return 0;
}

int page_client_consent_record(page *p)
{
	fort_consent_opts o = FORT_CONSENT_OPTS_INIT;
	const char *action = web_form(p, "action"), *purpose = web_form(p, "purpose");
	char loc[96];
	int r;
	p->nav = "clients";
	o.channel = web_form(p, "channel");
	if (!action || !*action || !o.channel || !*o.channel)
		return fort_error_set(FORT_EINPUT, "choose what the client said and how");
	if ((r = fort_consent_record(p->req.v, p->req.id, purpose ? purpose : "", action, &o)) < 0)
		return r;
	snprintf(loc, sizeof loc, "/clients/%s/consent", p->req.id);
	return web_redirect(p, loc);
}
