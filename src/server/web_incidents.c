/* web_incidents.c - the breach register from the web app: the list with
 * the notification clocks, recording an incident, its page (the clocks
 * counting down: the server writes the time left, app.js rewrites it every
 * 30 s from data-due; no inline script), notes, the scope and the impact
 * (which clients), the letters previewed, the letters queued by e-mail,
 * and a notification made another way recorded.  Each action is one
 * library call; the library audits, and decrypts names and addresses for
 * the letters only ("breach-notice"). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "util.h"
#include "server/web.h"

/* "in 2 d 5 h", "3 h 10 min ago": from NOW to DUE. */
static void time_left(page *p, int64_t due, int64_t now)
{
	int64_t d = due - now, a = d < 0 ? -d : d;
	if (a >= 86400)
		web_put(p, "%s%lld d %lld h%s", d < 0 ? "" : "in ", (long long)(a / 86400), (long long)(a % 86400 / 3600),
			d < 0 ? " ago" : "");
	else
		web_put(p, "%s%lld h %lld min%s", d < 0 ? "" : "in ", (long long)(a / 3600), (long long)(a % 3600 / 60),
			d < 0 ? " ago" : "");
}

static int incident_clocks(page *p, const fort_incident_info *in, int64_t now)
{
	fort_incident_clock *c = NULL;
	size_t n = 0;
	int r;
	if ((r = fort_incident_clocks(&c, &n, p->req.v, in->id, now)) < 0)
		return r;
	if (n == 0) {
		web_put(p, "<p>No notification clocks run for it.</p>");
		free(c);
		return 0;
	}
	web_put(p, "<table><caption>Clocks of incident %lld</caption><thead><tr><th scope=\"col\">Who must be told</th>"
		   "<th scope=\"col\">Due</th><th scope=\"col\">Time left</th><th scope=\"col\">Done</th></tr></thead><tbody>",
		(long long)in->id);
	for (size_t i = 0; i < n; i++) {
		web_put(p, "<tr%s><td>", c[i].overdue ? " class=\"overdue\"" : "");
		web_text(p, c[i].title);
		web_put(p, "</td><td>");
		web_text(p, c[i].due[0] ? c[i].due : "without undue delay");
		web_put(p, "</td><td>");
		if (c[i].met)
			web_put(p, "-");
		else if (c[i].due_ts) {
			web_put(p, "<span data-due=\"%lld\">", (long long)c[i].due_ts);
			time_left(p, c[i].due_ts, now);
			web_put(p, "</span>%s", c[i].overdue ? " <strong>overdue</strong>" : "");
		} else
			web_put(p, "as soon as possible");
		web_put(p, "</td><td>");
		if (c[i].met) {
			web_text(p, c[i].met_at);
			web_put(p, "%s", c[i].late ? " (late)" : "");
		} else
			web_put(p, "not yet");
		web_put(p, "</td></tr>");
	}
	web_put(p, "</tbody></table>");
	free(c);
	return 0;
}

int page_incidents(page *p)
{
	fort_incident_info *in = NULL;
	size_t n = 0;
	int64_t now = (int64_t)time(NULL);
	int r = 0;
	p->nav = "incidents";
	snprintf(p->title, sizeof p->title, "Incidents");
	if ((r = fort_incident_list(&in, &n, p->req.v)) < 0)
		return r;
	web_put(p, "<p><a class=\"button\" href=\"/incidents/new\">Record an incident</a></p>");
	if (n == 0)
		web_put(p, "<p>No incidents recorded. If something went wrong, record it now: the clocks start when you "
			   "became aware.</p>");
	for (size_t i = 0; i < n && r == 0; i++) {
		web_put(p, "<section aria-labelledby=\"inc-%lld\"><h2 id=\"inc-%lld\"><a href=\"/incidents/%lld\">%lld. ",
			(long long)in[i].id, (long long)in[i].id, (long long)in[i].id, (long long)in[i].id);
		web_text(p, in[i].title);
		web_put(p, "</a></h2><p>");
		web_text(p, in[i].state);
		web_put(p, "; aware since ");
		web_text(p, in[i].aware);
		if (in[i].risk)
			web_put(p, "; risk %d of 25", in[i].risk);
		if (in[i].decision[0]) {
			web_put(p, "; decided: ");
			web_text(p, in[i].decision);
		}
		web_put(p, ".</p>");
		if (strcmp(in[i].state, "open") == 0)
			r = incident_clocks(p, &in[i], now);
		web_put(p, "</section>");
	}
	free(in);
	return r;
}


static int incident_number(int64_t *out, const char *s)
{
	return http_id_number(out, s, FORT_ENOTFOUND, "an incident", "open the incident from the list");
}

static int back_to(page *p, int64_t id)
{
	char loc[64];
	snprintf(loc, sizeof loc, "/incidents/%lld", (long long)id);
	return web_redirect(p, loc);
}

/* A datetime-local value ("2026-12-06T10:30", the browser's, taken as UTC)
 * as the library's instant; "" stays NULL. */
static const char *instant(char out[32], const char *in)
{
	if (!in || !*in)
		return NULL;
	if (strlen(in) == 16)
		snprintf(out, 32, "%s:00Z", in);
	else
		snprintf(out, 32, "%s", in);
	return out;
}

static const char *const kinds[] = { "lost-device", "stolen-credentials", "misdirected-email", "ransomware", "processor",
				     "staff-access", "other" };

int page_incident_new(page *p)
{
	char now[21];
	p->nav = "incidents";
	snprintf(p->title, sizeof p->title, "Record an incident");
	fort_time_iso(now, (int64_t)time(NULL));
	now[16] = '\0'; /* YYYY-MM-DDTHH:MM */
	web_put(p, "<p>Record it as soon as you know: the legal clocks (72 hours for the authority in the EU and UK) run "
		   "from the moment you became aware. Times are UTC.</p><form class=\"card\" method=\"post\" action=\"/incidents\">");
	web_csrf_field(p);
	web_put(p, "<p><label for=\"title\">What happened, in a few words (no client names)</label><input id=\"title\" "
		   "name=\"title\" type=\"text\" required maxlength=\"150\"></p><p><label for=\"kind\">Kind</label>"
		   "<select id=\"kind\" name=\"kind\">");
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		web_put(p, "<option%s>%s</option>", strcmp(kinds[i], "other") == 0 ? " selected" : "", kinds[i]);
	web_put(p, "</select></p><p><label for=\"aware\">When you became aware (UTC)</label><input id=\"aware\" name=\"aware\" "
		   "type=\"datetime-local\" value=\"%s\" max=\"%s\"></p><p><label for=\"occurred\">When it happened, if known "
		   "(UTC)</label><input id=\"occurred\" name=\"occurred\" type=\"datetime-local\" max=\"%s\"></p>"
		   "<p><button type=\"submit\">Record the incident</button></p></form>",
		now, now, now);
	return 0;
}

int page_incident_open(page *p)
{
	const char *title = web_form(p, "title"), *kind = web_form(p, "kind");
	char aware[32], occurred[32];
	int64_t id = 0;
	int r;
	p->nav = "incidents";
	if (!title || !*title)
		return fort_error_set(FORT_EINPUT, "say in a few words what happened (no client names)");
	if ((r = fort_incident_open(&id, p->req.v, title, kind && *kind ? kind : NULL,
				    instant(occurred, web_form(p, "occurred")), instant(aware, web_form(p, "aware")))) < 0)
		return r;
	return back_to(p, id);
}

static void facts(page *p, const fort_incident_info *in)
{
	web_put(p, "<dl class=\"facts wide\"><dt>Kind</dt><dd>");
	web_text(p, in->kind);
	web_put(p, "</dd><dt>State</dt><dd>");
	web_text(p, in->state);
	web_put(p, "</dd><dt>Happened</dt><dd>");
	web_text(p, in->occurred);
	web_put(p, "</dd><dt>Aware since</dt><dd>");
	web_text(p, in->aware);
	web_put(p, "</dd><dt>Risk</dt><dd>");
	if (in->risk)
		web_put(p, "%d of 25 (likelihood %d, severity %d)", in->risk, in->likelihood, in->severity);
	else
		web_put(p, "not assessed yet");
	web_put(p, "</dd><dt>Decision</dt><dd>");
	web_text(p, in->decision[0] ? in->decision : "not decided yet");
	web_put(p, "</dd><dt>Notes</dt><dd>%zu timeline, %zu facts, %zu effects, %zu remedial actions</dd></dl>", in->timeline,
		in->facts, in->effects, in->remedies);
}

static void form_open(page *p, int64_t id, const char *what, const char *cls)
{
	web_put(p, "<form class=\"%s\" method=\"post\" action=\"/incidents/%lld/%s\">", cls, (long long)id, what);
	web_csrf_field(p);
}

/* A select of 1..5 named NAME, CUR selected (0: "choose"). */
static void level_select(page *p, const char *name, const char *label, const char *help, int cur)
{
	static const char *const words[] = { "", "1 - remote", "2 - unlikely", "3 - possible", "4 - likely", "5 - almost certain" };
	static const char *const sev[] = { "", "1 - minimal", "2 - limited", "3 - significant", "4 - serious", "5 - severe" };
	const char *const *w = strcmp(name, "severity") == 0 ? sev : words;
	web_put(p, "<p><label for=\"%s\">%s</label><select id=\"%s\" name=\"%s\" aria-describedby=\"%s-help\">", name, label,
		name, name, name);
	if (!cur)
		web_put(p, "<option value=\"\" selected>not assessed yet</option>");
	for (int i = 1; i <= 5; i++)
		web_put(p, "<option value=\"%d\"%s>%s</option>", i, i == cur ? " selected" : "", w[i]);
	web_put(p, "</select><span class=\"help\" id=\"%s-help\">%s</span></p>", name, help);
}

/* A yes / no / not known select; CUR 1, 0 or -1 (not known). */
static void yes_no_select(page *p, const char *name, const char *label, int cur)
{
	web_put(p, "<p><label for=\"%s\">%s</label><select id=\"%s\" name=\"%s\"><option value=\"\"%s>not known</option>"
		   "<option value=\"yes\"%s>yes</option><option value=\"no\"%s>no</option></select></p>",
		name, label, name, name, cur < 0 ? " selected" : "", cur == 1 ? " selected" : "", cur == 0 ? " selected" : "");
}

static void assess_form(page *p, const fort_incident_info *in)
{
	web_put(p, "<section aria-labelledby=\"h-assess\"><h2 id=\"h-assess\">Assess the risk</h2><p>The risk to the "
		   "clients is likelihood times severity (1 to 25). Encryption whose key was not compromised lowers it: "
		   "it is what lets you decide not to notify the clients.</p>");
	form_open(p, in->id, "assess", "card");
	level_select(p, "likelihood", "Likelihood of harm to the clients", "How likely is it that someone misuses the data?",
		     in->likelihood);
	level_select(p, "severity", "Severity of that harm", "How bad would it be for the clients (money, health, "
		     "reputation)?", in->severity);
	yes_no_select(p, "encrypted", "Was the affected data encrypted?", in->encrypted);
	yes_no_select(p, "key_compromised", "Was its key or passphrase compromised too?", in->key_compromised);
	web_put(p, "<p><input type=\"checkbox\" id=\"hipaa\" name=\"hipaa\" value=\"yes\"%s><label class=\"check\" "
		   "for=\"hipaa\">Protected health information (US HIPAA clocks apply)</label><input type=\"hidden\" "
		   "name=\"hipaa_shown\" value=\"1\"></p><p><label for=\"contact\">Contact point for the letters (your data "
		   "protection officer or contact: name, e-mail, phone)</label><input id=\"contact\" name=\"contact\" "
		   "type=\"text\" maxlength=\"250\" value=\"",
		in->hipaa ? " checked" : "");
	web_text(p, in->contact);
	web_put(p, "\"></p><p><button type=\"submit\">Record the assessment</button></p></form></section>");
}

static void decide_form(page *p, const fort_incident_info *in)
{
	web_put(p, "<section aria-labelledby=\"h-decide\"><h2 id=\"h-decide\">Decide on notification</h2>");
	if (in->decision[0]) {
		web_put(p, "<p>Decided: <strong>");
		web_text(p, in->decision);
		web_put(p, "</strong> by ");
		web_text(p, in->decided_by);
		web_put(p, " on ");
		web_text(p, in->decided_at);
		web_put(p, ". A new decision replaces it; both are in the audit log.</p>");
	} else
		web_put(p, "<p>Decide whether the supervisory authority and the clients must be told, and record why: the "
			   "reasons are kept (encrypted) in the register, even when you decide not to notify.</p>");
	form_open(p, in->id, "decide", "card");
	web_put(p, "<fieldset><legend>Decision</legend><p><input type=\"radio\" id=\"dec-notify\" name=\"decision\" "
		   "value=\"notify\"%s><label class=\"check\" for=\"dec-notify\">Notify the authority (and the clients where "
		   "the risk is high)</label></p><p><input type=\"radio\" id=\"dec-no\" name=\"decision\" value=\"no-notify\"%s>"
		   "<label class=\"check\" for=\"dec-no\">Do not notify: unlikely to result in a risk to the clients</label></p>"
		   "</fieldset><p><label for=\"reasons\">Reasons (required)</label><textarea id=\"reasons\" name=\"reasons\" "
		   "rows=\"3\" required maxlength=\"4000\"></textarea></p><p><button type=\"submit\">Record the decision</button>"
		   "</p></form></section>",
		strcmp(in->decision, "no-notify") != 0 ? " checked" : "", strcmp(in->decision, "no-notify") == 0 ? " checked" : "");
}

int page_incident(page *p)
{
	fort_incident_info in;
	int64_t id, now = (int64_t)time(NULL);
	int r;
	p->nav = "incidents";
	if ((r = incident_number(&id, p->req.id)) < 0 || (r = fort_incident_get(&in, p->req.v, id)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Incident %lld", (long long)id);
	web_put(p, "<p class=\"lead\">");
	web_text(p, in.title);
	web_put(p, "</p>");
	facts(p, &in);
	web_put(p, "<section aria-labelledby=\"h-clocks\"><h2 id=\"h-clocks\">Clocks</h2>");
	if (strcmp(in.state, "open") == 0) {
		if ((r = incident_clocks(p, &in, now)) < 0)
			return r;
	} else
		web_put(p, "<p>Closed: no clock runs.</p>");
	web_put(p, "</section>");
	if (strcmp(in.state, "open") != 0) {
		web_put(p, "<p><a href=\"/incidents/%lld/review\">The review and its actions</a></p>"
			   "<p><a href=\"/incidents\">Back to the incidents</a></p>", (long long)id);
		return 0;
	}
	assess_form(p, &in);
	decide_form(p, &in);
	/* notes */
	web_put(p, "<section aria-labelledby=\"h-notes\"><h2 id=\"h-notes\">Add to the record</h2>");
	form_open(p, id, "note", "card");
	web_put(p, "<p><label for=\"note-kind\">Kind</label><select id=\"note-kind\" name=\"kind\">"
		   "<option value=\"fact\">A fact</option><option value=\"effect\">An effect</option>"
		   "<option value=\"remedy\">A remedial action taken</option><option value=\"timeline\">What happened when</option>"
		   "</select></p><p><label for=\"note-text\">Text (stored encrypted)</label><input id=\"note-text\" name=\"text\" "
		   "type=\"text\" required maxlength=\"1000\"></p><p><button type=\"submit\">Add</button></p></form></section>");
	/* scope and impact */
	web_put(p, "<section aria-labelledby=\"h-impact\"><h2 id=\"h-impact\">Who is affected</h2><p>Say what the incident "
		   "touched; Fortress works out the clients from the audit log.</p>");
	form_open(p, id, "scope", "inline");
	web_put(p, "<label for=\"category\">Every client with data of the category</label><select id=\"category\" "
		   "name=\"category\"><option>identity</option><option>contact</option><option>financial</option>"
		   "<option>special</option><option>notes</option></select><button type=\"submit\">Add to the scope</button></form>");
	form_open(p, id, "impact", "inline");
	web_put(p, "<button type=\"submit\" class=\"secondary\">Show the affected clients</button></form></section>");
	/* letters and notification */
	web_put(p, "<section aria-labelledby=\"h-letters\"><h2 id=\"h-letters\">Letters and notification</h2>");
	form_open(p, id, "letters", "inline");
	web_put(p, "<button type=\"submit\" class=\"secondary\">Preview the letters</button></form>");
	form_open(p, id, "notify", "inline");
	web_put(p, "<button type=\"submit\">Queue the letters by e-mail</button></form>"
		   "<p class=\"help\">Queued letters are sent with <code>fortress mail send</code>.</p>");
	form_open(p, id, "notified", "card");
	web_put(p, "<fieldset><legend>Record a notification made another way</legend><p><label for=\"who\">Who was told</label>"
		   "<select id=\"who\" name=\"who\"><option value=\"authority\">The supervisory authority</option>"
		   "<option value=\"clients\">The affected clients</option></select></p><p><label for=\"channel\">How</label>"
		   "<select id=\"channel\" name=\"channel\"><option>portal</option><option>post</option><option>phone</option>"
		   "<option>email</option><option>in-person</option></select></p><p><label for=\"at\">When (UTC; empty: now)</label>"
		   "<input id=\"at\" name=\"at\" type=\"datetime-local\"></p><p><label for=\"reference\">The authority's reference "
		   "(if any)</label><input id=\"reference\" name=\"reference\" type=\"text\" maxlength=\"100\"></p>"
		   "<p><button type=\"submit\">Record it</button></p></fieldset></form></section>");
	/* closing, then learning from it */
	web_put(p, "<section aria-labelledby=\"h-close\"><h2 id=\"h-close\">Close and review</h2><p>An incident closes once "
		   "its record holds facts, effects, remedial actions and the decision on notifying; Fortress says what is "
		   "missing. Its review (what happened, the root cause, what worked and what did not) and the follow-up "
		   "actions can be written before or after.</p>");
	form_open(p, id, "close", "inline");
	web_put(p, "<button type=\"submit\">Close the incident</button></form>"
		   "<p><a href=\"/incidents/%lld/review\">The review and its actions</a></p></section>"
		   "<p><a href=\"/incidents\">Back to the incidents</a></p>", (long long)id);
	return 0;
}

int page_incident_note(page *p)
{
	const char *kind = web_form(p, "kind"), *text = web_form(p, "text");
	int64_t id;
	int r;
	if ((r = incident_number(&id, p->req.id)) < 0)
		return r;
	if (!kind || !*kind || !text || !*text)
		return fort_error_set(FORT_EINPUT, "choose the kind of note and write it");
	if ((r = fort_incident_log(p->req.v, id, kind, text, NULL)) < 0)
		return r;
	return back_to(p, id);
}

int page_incident_scope(page *p)
{
	fort_incident_scope sc = FORT_INCIDENT_SCOPE_INIT;
	int64_t id;
	int r;
	if ((r = incident_number(&id, p->req.id)) < 0)
		return r;
	sc.category = web_form(p, "category");
	if (!sc.category || !*sc.category)
		return fort_error_set(FORT_EINPUT, "choose the category of data the incident touched");
	if ((r = fort_incident_scope_add(p->req.v, id, &sc)) < 0)
		return r;
	return back_to(p, id);
}

int page_incident_impact(page *p)
{
	fort_impact *im = NULL;
	int64_t id;
	int r;
	p->nav = "incidents";
	if ((r = incident_number(&id, p->req.id)) < 0 || (r = fort_incident_impact(&im, p->req.v, id)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Incident %lld: who is affected", (long long)id);
	web_put(p, "<p id=\"impact-count\"><strong>%zu client%s</strong> affected.</p><p>", im->nclients,
		im->nclients == 1 ? "" : "s");
	web_text(p, im->protection);
	web_put(p, "</p>");
	if (im->nclients) {
		web_put(p, "<table><caption>Affected clients (ids; no values)</caption><thead><tr><th scope=\"col\">Client</th>"
			   "<th scope=\"col\">Categories</th><th scope=\"col\">Fields</th><th scope=\"col\">Jurisdiction</th></tr>"
			   "</thead><tbody>");
		for (size_t i = 0; i < im->nclients; i++) {
			web_put(p, "<tr><td><a href=\"/clients/");
			web_text(p, im->clients[i].id);
			web_put(p, "\">");
			web_text(p, im->clients[i].id);
			web_put(p, "</a></td><td>");
			web_text(p, im->clients[i].categories);
			web_put(p, "</td><td>");
			web_text(p, im->clients[i].fields);
			web_put(p, "</td><td>");
			web_text(p, im->clients[i].jurisdiction);
			web_put(p, "</td></tr>");
		}
		web_put(p, "</tbody></table>");
	}
	web_put(p, "<p><a href=\"/incidents/%lld\">Back to the incident</a></p>", (long long)id);
	fort_impact_free(im);
	return 0;
}

static int letter_cb(void *ctx, const fort_letter *l)
{
	page *p = ctx;
	web_put(p, "<section class=\"item\"><h2>");
	web_text(p, strcmp(l->kind, "authority") == 0 ? "To the supervisory authority" : "To a client");
	if (l->client && *l->client) {
		web_put(p, " (");
		web_text(p, l->client);
		web_put(p, ")");
	}
	web_put(p, "</h2><dl class=\"facts\"><dt>To</dt><dd>");
	web_text(p, l->to && *l->to ? l->to : "no e-mail address: send it by post");
	web_put(p, "</dd><dt>Subject</dt><dd>");
	web_text(p, l->subject);
	web_put(p, "</dd></dl><pre class=\"letter\">");
	web_text(p, l->text);
	web_put(p, "</pre></section>");
	return 0;
}

int page_incident_letters(page *p)
{
	fort_letter_opts o = FORT_LETTER_OPTS_INIT;
	int64_t id;
	int r;
	p->nav = "incidents";
	if ((r = incident_number(&id, p->req.id)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Incident %lld: letters", (long long)id);
	web_put(p, "<p>A preview: nothing is sent. The names and addresses were decrypted for this and it is in the audit log.</p>");
	if ((r = fort_incident_letters(p->req.v, id, &o, letter_cb, p)) < 0) {
		fort_buf_reset(&p->out);
		return r;
	}
	web_put(p, "<p><a href=\"/incidents/%lld\">Back to the incident</a></p>", (long long)id);
	return 0;
}

static void notify_cb(void *ctx, const fort_incident_notify_item *it)
{
	page *p = ctx;
	web_put(p, "<li>");
	web_text(p, strcmp(it->kind, "authority") == 0 ? "the authority" : it->client);
	web_put(p, ": ");
	web_text(p, it->state);
	web_put(p, "</li>");
}

int page_incident_notify(page *p)
{
	fort_letter_opts o = FORT_LETTER_OPTS_INIT;
	fort_incident_notify_report rep;
	int64_t id;
	int r;
	p->nav = "incidents";
	if ((r = incident_number(&id, p->req.id)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Incident %lld: letters queued", (long long)id);
	web_put(p, "<ul>");
	if ((r = fort_incident_notify(&rep, p->req.v, id, &o, 0, notify_cb, p)) < 0) {
		fort_buf_reset(&p->out);
		return r;
	}
	web_put(p, "</ul><p role=\"status\">%zu queued, %zu queued before, %zu without an e-mail address (send those by "
		   "post and record it).</p><p>Send the queue with <code>fortress mail send</code>.</p>"
		   "<p><a href=\"/incidents/%lld\">Back to the incident</a></p>",
		rep.queued, rep.already, rep.no_address, (long long)id);
	return 0;
}

int page_incident_notified(page *p)
{
	const char *who = web_form(p, "who"), *channel = web_form(p, "channel"), *ref = web_form(p, "reference");
	char at[32], now[32];
	const char *when;
	int64_t id;
	int r;
	if ((r = incident_number(&id, p->req.id)) < 0)
		return r;
	if (!(when = instant(at, web_form(p, "at")))) {
		fort_time_iso(now, (int64_t)time(NULL));
		when = now;
	}
	if ((r = fort_incident_notified(p->req.v, id, who ? who : "", when, channel ? channel : "",
					ref && *ref ? ref : NULL)) < 0)
		return r;
	return back_to(p, id);
}

/* ---------------------------------------------------------------- assess, decide, close */

/* The form's yes / no / not known: absent leaves the recorded answer, ""
 * is "not known" (-1). */
static int yes_no(int *out, const char *s, const char *what)
{
	if (!s)
		return 0;
	if (!*s)
		*out = -1;
	else if (strcmp(s, "yes") == 0)
		*out = 1;
	else if (strcmp(s, "no") == 0)
		*out = 0;
	else
		return fort_error_set(FORT_EINPUT, "%s is yes or no, not '%s': choose one in the list", what, s);
	return 0;
}

static int level(int *out, const char *s, const char *what)
{
	if (!s || !*s)
		return 0;
	if (strlen(s) != 1 || s[0] < '1' || s[0] > '5')
		return fort_error_set(FORT_EINPUT, "the %s is 1 to 5, not '%s': choose one in the list", what, s);
	*out = s[0] - '0';
	return 0;
}

int page_incident_assess(page *p)
{
	fort_incident_assessment a = FORT_INCIDENT_ASSESSMENT_INIT;
	const char *contact = web_form(p, "contact");
	int64_t id;
	int r;
	if ((r = incident_number(&id, p->req.id)) < 0 || (r = level(&a.likelihood, web_form(p, "likelihood"), "likelihood")) < 0 ||
	    (r = level(&a.severity, web_form(p, "severity"), "severity")) < 0 ||
	    (r = yes_no(&a.encrypted, web_form(p, "encrypted"), "\"Was the affected data encrypted?\"")) < 0 ||
	    (r = yes_no(&a.key_compromised, web_form(p, "key_compromised"), "\"Was its key compromised?\"")) < 0)
		return r;
	/* a checkbox sends nothing when unticked: the form says it was shown */
	if (web_form(p, "hipaa_shown"))
		a.hipaa = web_form(p, "hipaa") != NULL;
	a.contact = contact;
	if ((r = fort_incident_assess(p->req.v, id, &a)) < 0)
		return r;
	return back_to(p, id);
}

int page_incident_decide(page *p)
{
	const char *decision = web_form(p, "decision"), *reasons = web_form(p, "reasons");
	int64_t id;
	int r;
	if ((r = incident_number(&id, p->req.id)) < 0)
		return r;
	if ((r = fort_incident_decide(p->req.v, id, decision ? decision : "", reasons && *reasons ? reasons : NULL)) < 0)
		return r;
	return back_to(p, id);
}

int page_incident_close(page *p)
{
	int64_t id;
	int r;
	if ((r = incident_number(&id, p->req.id)) < 0 || (r = fort_incident_close(p->req.v, id)) < 0)
		return r;
	return back_to(p, id);
}

/* ---------------------------------------------------------------- the review and its actions */

static const struct {
	const char *kind, *field, *label;
} review_parts[] = {
	{ "review-what", "what", "What happened" },
	{ "review-cause", "root_cause", "Why it happened (the root cause)" },
	{ "review-worked", "worked", "What worked in the response" },
	{ "review-failed", "failed", "What did not" },
};

static void actions_table(page *p, int64_t id, const fort_action_info *a, size_t n)
{
	size_t shown = 0;
	for (size_t i = 0; i < n; i++)
		shown += a[i].incident == id;
	if (!shown) {
		web_put(p, "<p>No follow-up actions yet.</p>");
		return;
	}
	web_put(p, "<table><caption>Follow-up actions of incident %lld</caption><thead><tr><th scope=\"col\">Action</th>"
		   "<th scope=\"col\">Owner</th><th scope=\"col\">Due</th><th scope=\"col\">Done</th></tr></thead><tbody>",
		(long long)id);
	for (size_t i = 0; i < n; i++) {
		if (a[i].incident != id)
			continue;
		web_put(p, "<tr%s><td>", a[i].overdue ? " class=\"overdue\"" : "");
		web_text(p, a[i].text);
		web_put(p, "</td><td>");
		web_text(p, a[i].owner);
		web_put(p, "</td><td>");
		web_text(p, a[i].due);
		if (a[i].overdue)
			web_put(p, " <strong>overdue</strong>");
		web_put(p, "</td><td>");
		if (a[i].done) {
			web_text(p, a[i].done_at);
			web_put(p, " by ");
			web_text(p, a[i].done_by);
		} else {
			web_put(p, "<form class=\"inline\" method=\"post\" action=\"/actions/%lld/done\">"
				   "<input type=\"hidden\" name=\"incident\" value=\"%lld\">", (long long)a[i].id, (long long)id);
			web_csrf_field(p);
			web_put(p, "<button type=\"submit\" class=\"secondary\" aria-label=\"Mark done: action %lld\">Mark done"
				   "</button></form>", (long long)a[i].id);
		}
		web_put(p, "</td></tr>");
	}
	web_put(p, "</tbody></table>");
}

int page_incident_review(page *p)
{
	fort_incident_note *notes = NULL;
	fort_action_info *acts = NULL;
	size_t nn = 0, na = 0, written = 0;
	char d[21];
	int64_t id;
	int r;
	p->nav = "incidents";
	if ((r = incident_number(&id, p->req.id)) < 0 || (r = fort_incident_notes(&notes, &nn, p->req.v, id)) < 0)
		return r;
	if ((r = fort_action_list(&acts, &na, p->req.v, 0, NULL)) < 0) {
		fort_incident_notes_free(notes, nn);
		return r;
	}
	snprintf(p->title, sizeof p->title, "Incident %lld: review", (long long)id);
	web_put(p, "<p>Learn from it: write down what happened, why, and what to change, and track the follow-up actions "
		   "until they are done. The texts are stored encrypted; reading them here is in the audit log.</p>"
		   "<section aria-labelledby=\"h-review\"><h2 id=\"h-review\">The review so far</h2>");
	for (size_t k = 0; k < sizeof review_parts / sizeof review_parts[0]; k++)
		for (size_t i = 0; i < nn; i++) {
			if (strcmp(notes[i].kind, review_parts[k].kind) != 0)
				continue;
			if (!written++)
				web_put(p, "<dl class=\"facts wide\" id=\"review\">");
			web_put(p, "<dt>%s</dt><dd>", review_parts[k].label);
			web_text(p, notes[i].text);
			web_put(p, " <span class=\"help\">(");
			web_text(p, notes[i].actor);
			web_put(p, ", ");
			web_text(p, notes[i].at);
			web_put(p, ")</span></dd>");
		}
	fort_incident_notes_free(notes, nn);
	web_put(p, "%s</section>", written ? "</dl>" : "<p>Nothing written yet.</p>");
	form_open(p, id, "review", "card");
	web_put(p, "<fieldset><legend>Add to the review (fill in what you know; each part is added)</legend>");
	for (size_t k = 0; k < sizeof review_parts / sizeof review_parts[0]; k++)
		web_put(p, "<p><label for=\"%s\">%s</label><textarea id=\"%s\" name=\"%s\" rows=\"3\" maxlength=\"20000\">"
			   "</textarea></p>",
			review_parts[k].field, review_parts[k].label, review_parts[k].field, review_parts[k].field);
	web_put(p, "<p><button type=\"submit\">Add to the review</button></p></fieldset></form>");
	web_put(p, "<section aria-labelledby=\"h-actions\"><h2 id=\"h-actions\">Follow-up actions</h2>");
	actions_table(p, id, acts, na);
	free(acts);
	fort_time_iso(d, (int64_t)time(NULL));
	d[10] = '\0';
	form_open(p, id, "actions", "card");
	web_put(p, "<fieldset><legend>Add an action and assign it</legend><p><label for=\"text\">What is to be done</label>"
		   "<input id=\"text\" name=\"text\" type=\"text\" required maxlength=\"511\"></p><p><label for=\"owner\">Who "
		   "owns it (a user or a name)</label><input id=\"owner\" name=\"owner\" type=\"text\" required maxlength=\"127\">"
		   "</p><p><label for=\"due\">Due on</label><input id=\"due\" name=\"due\" type=\"date\" required min=\"%s\"></p>"
		   "<p><button type=\"submit\">Add the action</button></p></fieldset></form></section>"
		   "<p><a href=\"/incidents/%lld\">Back to the incident</a></p>",
		d, (long long)id);
	return 0;
}

static int back_to_review(page *p, int64_t id)
{
	char loc[64];
	snprintf(loc, sizeof loc, "/incidents/%lld/review", (long long)id);
	return web_redirect(p, loc);
}

int page_incident_review_post(page *p)
{
	fort_incident_review_spec s = FORT_INCIDENT_REVIEW_INIT;
	const char **parts[] = { &s.what, &s.root_cause, &s.worked, &s.failed };
	int64_t id;
	int r;
	if ((r = incident_number(&id, p->req.id)) < 0)
		return r;
	for (size_t k = 0; k < sizeof review_parts / sizeof review_parts[0]; k++) {
		const char *t = web_form(p, review_parts[k].field);
		*parts[k] = t && *t ? t : NULL;
	}
	if (!s.what && !s.root_cause && !s.worked && !s.failed)
		return fort_error_set(FORT_EINPUT, "the review is empty: write at least one part (what happened, the root cause, "
				      "what worked, what did not) and send it again");
	if ((r = fort_incident_review(p->req.v, id, &s)) < 0)
		return r;
	return back_to_review(p, id);
}

int page_incident_action_add(page *p)
{
	int64_t id, aid = 0;
	int r;
	if ((r = incident_number(&id, p->req.id)) < 0 ||
	    (r = fort_action_add(&aid, p->req.v, id, web_form(p, "text"), web_form(p, "owner"), web_form(p, "due"))) < 0)
		return r;
	return back_to_review(p, id);
}

int page_action_done(page *p)
{
	const char *inc = web_form(p, "incident");
	int64_t id, aid;
	int r;
	if ((r = http_id_number(&aid, p->req.id, FORT_ENOTFOUND, "an action", "open the incident's review page")) < 0)
		return r;
	if ((r = fort_action_done(p->req.v, aid)) < 0)
		return r;
	/* back to the review the button was on */
	if (!inc || incident_number(&id, inc) < 0)
		return web_redirect(p, "/incidents");
	return back_to_review(p, id);
}
