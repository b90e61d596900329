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
	char *end;
	long long x = strtoll(s, &end, 10);
	if (!*s || *end || x <= 0)
		return fort_error_set(FORT_ENOTFOUND, "'%s' is not an incident number: open the incident from the list", s);
	*out = x;
	return 0;
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
		web_put(p, "not assessed yet (<code>fortress incident assess</code>)");
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
		web_put(p, "<p><a href=\"/incidents\">Back to the incidents</a></p>");
		return 0;
	}
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
		   "<p><button type=\"submit\">Record it</button></p></fieldset></form></section>"
		   "<p><a href=\"/incidents\">Back to the incidents</a></p>");
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
