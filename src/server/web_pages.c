/* web_pages.c - the pages behind the sign-in: dashboard, clients (list,
 * find, add, masked view, reveal for a purpose), the requests list,
 * audit verify.  Each action is one library call, as the API's routes are;
 * the library checks role, purpose and consent and audits, and its
 * refusal (with what to do) becomes the error page (web.c).  No client
 * value goes into a URL: finding by e-mail and revealing are POSTs. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "util.h"
#include "server/web.h"

#define CLIENTS_PAGE 25

static void date_of(char out[21], int64_t t)
{
	fort_time_iso(out, t);
	out[10] = '\0'; /* YYYY-MM-DD */
}

/* ---------------------------------------------------------------- dashboard */

/* Requests as a table (the dashboard's open ones, the requests page's all). */
static void requests_table(page *p, const fort_request_info *rq, size_t n, const char *caption, int with_state)
{
	web_put(p, "<table><caption>");
	web_text(p, caption);
	web_put(p, "</caption><thead><tr><th scope=\"col\">Number</th><th scope=\"col\">Kind</th>"
		   "<th scope=\"col\">Client</th><th scope=\"col\">Received</th>%s<th scope=\"col\">Due</th>"
		   "<th scope=\"col\">Days left</th></tr></thead><tbody>",
		with_state ? "<th scope=\"col\">State</th>" : "");
	for (size_t i = 0; i < n; i++) {
		web_put(p, "<tr%s><td><a href=\"/requests/%lld\">%lld</a></td><td>", rq[i].overdue ? " class=\"overdue\"" : "",
			(long long)rq[i].id, (long long)rq[i].id);
		web_text(p, rq[i].kind);
		web_put(p, "</td><td><a href=\"/clients/");
		web_text(p, rq[i].client);
		web_put(p, "\">");
		web_text(p, rq[i].client);
		web_put(p, "</a></td><td>");
		web_text(p, rq[i].received);
		web_put(p, "</td>");
		if (with_state) {
			web_put(p, "<td>");
			web_text(p, rq[i].state);
			web_put(p, "</td>");
		}
		web_put(p, "<td>");
		web_text(p, rq[i].due[0] ? rq[i].due : "not set");
		web_put(p, "</td><td>");
		if (rq[i].closed[0])
			web_put(p, "closed");
		else if (rq[i].overdue)
			web_put(p, "<strong>overdue by %d</strong>", -rq[i].days_left);
		else
			web_put(p, "%d", rq[i].days_left);
		web_put(p, "</td></tr>");
	}
	web_put(p, "</tbody></table>");
}

static void dash_requests(page *p)
{
	fort_request_info *rq = NULL;
	size_t n = 0;
	web_put(p, "<section aria-labelledby=\"h-requests\"><h2 id=\"h-requests\">Requests from clients</h2>");
	if (fort_request_list(&rq, &n, p->req.v, NULL, 1, NULL) < 0) {
		web_put(p, "<p>");
		web_text(p, fort_error_message());
		web_put(p, "</p></section>");
		return;
	}
	if (n == 0)
		web_put(p, "<p>No open requests.</p>");
	else
		requests_table(p, rq, n, "Open requests, the most urgent first", 0);
	web_put(p, "<p><a href=\"/requests\">All requests</a></p></section>");
	free(rq);
}

static void dash_incidents(page *p)
{
	fort_incident_summary is;
	web_put(p, "<section aria-labelledby=\"h-incidents\"><h2 id=\"h-incidents\">Incidents</h2>");
	if (fort_incident_summary_get(&is, p->req.v, 0) < 0) {
		web_put(p, "<p>");
		web_text(p, fort_error_message());
		web_put(p, "</p></section>");
		return;
	}
	if (is.open == 0) {
		web_put(p, "<p>No open incidents.</p></section>");
		return;
	}
	web_put(p, "<p>%zu open incident%s.</p>", is.open, is.open == 1 ? "" : "s");
	if (is.has_next) {
		web_put(p, "<p class=\"%s\">Next deadline (incident %lld): ", is.next.overdue ? "overdue" : "due",
			(long long)is.incident);
		web_text(p, is.next.title);
		web_put(p, ", due ");
		web_text(p, is.next.due[0] ? is.next.due : "without undue delay");
		web_put(p, "%s</p>", is.next.overdue ? " <strong>(overdue)</strong>" : "");
	}
	web_put(p, "<p><a href=\"/incidents\">The incidents and their clocks</a></p></section>");
}

static void dash_doctor(page *p)
{
	fort_doctor_run_info *h = NULL;
	size_t n = 0;
	char d[21];
	web_put(p, "<section aria-labelledby=\"h-doctor\"><h2 id=\"h-doctor\">Security check-up</h2>");
	if (fort_doctor_history(&h, &n, p->req.v) < 0) {
		web_put(p, "<p>");
		web_text(p, fort_error_message());
		web_put(p, "</p></section>");
		return;
	}
	if (n == 0) {
		web_put(p, "<p>No check-up has run yet: <a href=\"/doctor\">run it now</a>.</p></section>");
		free(h);
		return;
	}
	date_of(d, h[n - 1].ts);
	web_put(p, "<p>Score <strong>%d</strong> of 100 on %s: %zu passed, %zu warnings, %zu failed.", h[n - 1].score, d,
		h[n - 1].passed, h[n - 1].warned, h[n - 1].failed);
	web_put(p, " <a href=\"/doctor\">The check-up, its next steps and its history</a>.</p></section>");
	free(h);
}

static void dash_retention(page *p)
{
	fort_retention_item *it = NULL;
	size_t n = 0;
	web_put(p, "<section aria-labelledby=\"h-retention\"><h2 id=\"h-retention\">Retention</h2>");
	if (fort_retention_due_all(&it, &n, p->req.v, NULL, 30) < 0) {
		web_put(p, "<p>");
		web_text(p, fort_error_message());
		web_put(p, "</p></section>");
		return;
	}
	if (n == 0)
		web_put(p, "<p id=\"retention-due\">Nothing reaches the end of its retention in the next 30 days.</p>");
	else
		web_put(p, "<p id=\"retention-due\"><strong>%zu</strong> item%s reach%s the end of %s retention within 30 days.</p>",
			n, n == 1 ? "" : "s", n == 1 ? "es" : "", n == 1 ? "its" : "their");
	web_put(p, "<p><a href=\"/retention\">Retention</a></p></section>");
	free(it);
}

int page_dashboard(page *p)
{
	fort_status st;
	int r;
	p->nav = "dashboard";
	snprintf(p->title, sizeof p->title, "Dashboard");
	if ((r = fort_vault_status(&st, p->req.v)) < 0)
		return r;
	web_put(p, "<p>Signed in as <strong>");
	web_text(p, st.user);
	web_put(p, "</strong> (");
	web_text(p, st.role);
	web_put(p, ") to the vault of ");
	web_text(p, st.business);
	web_put(p, ".</p><h2 class=\"lead\">What needs doing</h2>");
	dash_requests(p);
	dash_incidents(p);
	dash_retention(p);
	dash_doctor(p);
	web_put(p, "<section aria-labelledby=\"h-vault\"><h2 id=\"h-vault\">The vault</h2><ul>"
		   "<li>%llu client%s (<a href=\"/clients\">see them</a>)</li>"
		   "<li>%llu entries in the audit log (<a href=\"/audit\">verify it</a>)</li>"
		   "<li>%llu failed sign-in%s or unlock%s in the last 30 days</li></ul></section>",
		(unsigned long long)st.clients, st.clients == 1 ? "" : "s", (unsigned long long)st.audit_entries,
		(unsigned long long)st.failed_unlocks, st.failed_unlocks == 1 ? "" : "s", st.failed_unlocks == 1 ? "" : "s");
	return 0;
}

/* ---------------------------------------------------------------- clients */

static void find_form(page *p)
{
	web_put(p, "<form class=\"inline\" method=\"post\" action=\"/clients/find\" role=\"search\">");
	web_csrf_field(p);
	web_put(p, "<label for=\"find-email\">Find a client by e-mail</label>"
		   "<input id=\"find-email\" name=\"email\" type=\"email\" autocomplete=\"off\" required>"
		   "<button type=\"submit\">Find</button></form>");
}

int page_clients(page *p)
{
	fort_client_summary *s = NULL;
	const char *after = http_query(&p->req, "after");
	size_t n = 0, start = 0, i;
	char d[21];
	int r;

	p->nav = "clients";
	snprintf(p->title, sizeof p->title, "Clients");
	if ((r = fort_client_list(&s, &n, p->req.v)) < 0)
		return r;
	if (after && *after) {
		for (i = 0; i < n && strcmp(s[i].id, after) != 0; i++)
			;
		if (i == n) {
			free(s);
			return fort_error_set(FORT_ENOTFOUND, "no client '%s' to continue the list after: start from the first page",
					      after);
		}
		start = i + 1;
	}
	find_form(p);
	web_put(p, "<p><a class=\"button\" href=\"/clients/new\">Add a client</a> <a class=\"button\" "
		   "href=\"/clients/import\">Import clients</a> <a class=\"button\" href=\"/clients/export\">Export "
		   "clients</a> <a href=\"/attachments\">Attachments</a></p>");
	if (n == 0) {
		web_put(p, "<p>No clients yet.</p>");
		free(s);
		return 0;
	}
	web_put(p, "<table><caption>Clients %zu to %zu of %zu (names masked)</caption><thead><tr>"
		   "<th scope=\"col\">Name</th><th scope=\"col\">Added</th><th scope=\"col\">Id</th></tr></thead><tbody>",
		start < n ? start + 1 : n, start + CLIENTS_PAGE < n ? start + CLIENTS_PAGE : n, n);
	for (i = start; i < n && i - start < CLIENTS_PAGE; i++) {
		date_of(d, s[i].created);
		web_put(p, "<tr><td>");
		web_text(p, s[i].display[0] ? s[i].display : "(no name)");
		web_put(p, "</td><td>%s</td><td><a href=\"/clients/", d);
		web_text(p, s[i].id);
		web_put(p, "\">");
		web_text(p, s[i].id);
		web_put(p, "</a></td></tr>");
	}
	web_put(p, "</tbody></table>");
	if (i < n) {
		web_put(p, "<p><a href=\"/clients?after=");
		web_text(p, s[i - 1].id);
		web_put(p, "\">Next page</a></p>");
	}
	free(s);
	return 0;
}

int page_clients_find(page *p)
{
	char (*ids)[FORT_ID_LEN + 1] = NULL;
	const char *email = web_form(p, "email");
	size_t n = 0;
	int r;
	p->nav = "clients";
	snprintf(p->title, sizeof p->title, "Find a client");
	if (!email || !*email)
		return fort_error_set(FORT_EINPUT, "enter the e-mail address to find");
	if ((r = fort_client_find(&ids, &n, p->req.v, "email", email)) < 0)
		return r;
	find_form(p);
	if (n == 0)
		web_put(p, "<p role=\"status\">No client has that e-mail address.</p>");
	else {
		web_put(p, "<p role=\"status\">%zu client%s found:</p><ul>", n, n == 1 ? "" : "s");
		for (size_t i = 0; i < n; i++) {
			web_put(p, "<li><a href=\"/clients/");
			web_text(p, ids[i]);
			web_put(p, "\">");
			web_text(p, ids[i]);
			web_put(p, "</a></li>");
		}
		web_put(p, "</ul>");
	}
	free(ids);
	return 0;
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

int page_client_new(page *p)
{
	size_t n = fort_map_count(p->req.v);
	p->nav = "clients";
	snprintf(p->title, sizeof p->title, "Add a client");
	web_put(p, "<p>Fill in what you have; empty fields are left out. Each field is stored encrypted.</p>"
		   "<form class=\"card\" method=\"post\" action=\"/clients\">");
	web_csrf_field(p);
	for (size_t i = 0; i < n; i++) {
		const fort_field_info *f = fort_map_field(p->req.v, i);
		web_put(p, "<p><label for=\"f-");
		web_text(p, f->name);
		web_put(p, "\">");
		web_text(p, f->label && *f->label ? f->label : f->name);
		web_put(p, "</label><input id=\"f-");
		web_text(p, f->name);
		web_put(p, "\" name=\"f-");
		web_text(p, f->name);
		web_put(p, "\" type=\"%s\" autocomplete=\"off\"", input_type(f->type));
		if (f->max_length)
			web_put(p, " maxlength=\"%zu\"", f->max_length);
		web_put(p, "></p>");
	}
	web_put(p, "<p><button type=\"submit\">Add the client</button></p></form>");
	return 0;
}

int page_client_add(page *p)
{
	fort_kv kv[WEB_MAX_FIELDS];
	char id[FORT_ID_LEN + 1], loc[64];
	size_t n = 0;
	int r;
	for (size_t i = 0; i < p->nf; i++) {
		if (strncmp(p->fk[i], "f-", 2) != 0 || !*p->fv[i])
			continue;
		kv[n].field = p->fk[i] + 2;
		kv[n].value = p->fv[i];
		n++;
	}
	p->nav = "clients";
	if (n == 0)
		return fort_error_set(FORT_EINPUT, "the form is empty: fill in at least one field (a name or an e-mail address)");
	if ((r = fort_client_add(id, p->req.v, kv, n)) < 0)
		return r;
	snprintf(loc, sizeof loc, "/clients/%s", id);
	return web_redirect(p, loc);
}

/* The reveal form of field FI of REC (the library decides; the hint says
 * beforehand when the role may not). */
static void reveal_form(page *p, const fort_record *rec, const fort_field_info *fi, size_t i)
{
	if (!fi->npurposes) {
		web_put(p, "<span class=\"help\">No purpose allows revealing it.</span>");
		return;
	}
	web_put(p, "<form class=\"inline\" method=\"post\" action=\"/clients/");
	web_text(p, fort_record_id(rec));
	web_put(p, "/reveal\">");
	web_csrf_field(p);
	web_put(p, "<input type=\"hidden\" name=\"field\" value=\"");
	web_text(p, fi->name);
	web_put(p, "\"><label for=\"purpose-%zu\">Purpose</label><select id=\"purpose-%zu\" name=\"purpose\">", i, i);
	for (size_t k = 0; k < fi->npurposes; k++) {
		web_put(p, "<option>");
		web_text(p, fi->purposes[k]);
		web_put(p, "</option>");
	}
	web_put(p, "</select><button type=\"submit\" aria-label=\"Reveal ");
	web_text(p, fi->label && *fi->label ? fi->label : fi->name);
	web_put(p, "\">Reveal</button>");
	if (!fort_vault_can(p->req.v, "reveal", fi->category))
		web_put(p, "<span class=\"help\">Your role may not reveal this.</span>");
	web_put(p, "</form>");
}

static void field_label(page *p, const fort_field_info *fi, const char *name)
{
	web_text(p, fi && fi->label && *fi->label ? fi->label : name);
}

/* The masked record, a reveal form per field; then the map's fields the
 * role's keys do not open (the same rows for every client: whether this
 * one has a value there is not told). */
static void record_table(page *p, const fort_record *rec)
{
	size_t n = fort_record_count(rec), nmap = fort_map_count(p->req.v);
	web_put(p, "<table class=\"record\"><caption>Fields (masked)</caption><thead><tr><th scope=\"col\">Field</th>"
		   "<th scope=\"col\">Value</th><th scope=\"col\">Reveal for a purpose</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		const fort_record_field *f = fort_record_field_at(rec, i);
		const fort_field_info *fi = fort_map_find(p->req.v, f->field);
		web_put(p, "<tr><th scope=\"row\">");
		field_label(p, fi, f->field);
		web_put(p, "</th><td><span class=\"value\">");
		web_text(p, f->value);
		web_put(p, "</span></td><td>");
		if (fi)
			reveal_form(p, rec, fi, i);
		web_put(p, "</td></tr>");
	}
	for (size_t j = 0; j < nmap; j++) {
		const fort_field_info *fi = fort_map_field(p->req.v, j);
		if (fort_record_value(rec, fi->name) || fort_vault_can(p->req.v, "reveal", fi->category))
			continue;
		web_put(p, "<tr><th scope=\"row\">");
		field_label(p, fi, fi->name);
		web_put(p, "</th><td><span class=\"help\">Not shown to your role</span></td><td>");
		reveal_form(p, rec, fi, n + j);
		web_put(p, "</td></tr>");
	}
	web_put(p, "</tbody></table>");
}

int page_client(page *p)
{
	fort_record *rec = NULL;
	char d[21];
	int r;
	p->nav = "clients";
	if ((r = fort_client_get(&rec, p->req.v, p->req.id, NULL)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Client %s", p->req.id);
	date_of(d, fort_record_created(rec));
	web_put(p, "<p>Added on %s. Values are masked; revealing one needs a purpose and is recorded in the audit log.</p>", d);
	record_table(p, rec);
	web_put(p, "<p class=\"actions\"><a class=\"button\" href=\"/clients/");
	web_text(p, p->req.id);
	web_put(p, "/edit\">Edit</a> <a class=\"button\" href=\"/clients/");
	web_text(p, p->req.id);
	web_put(p, "/consent\">Consent</a> <a class=\"button\" href=\"/requests/new?client=");
	web_text(p, p->req.id);
	web_put(p, "\">Record a request</a> <a class=\"button danger\" href=\"/clients/");
	web_text(p, p->req.id);
	web_put(p, "/erase\">Erase</a></p><p><a href=\"/attachments?client=");
	web_text(p, p->req.id);
	web_put(p, "\">Attachments of this client</a></p><p><a href=\"/clients\">Back to the clients</a></p>");
	fort_record_free(rec);
	return 0;
}

int page_client_reveal(page *p)
{
	fort_read_opts o = FORT_READ_OPTS_INIT;
	fort_record *rec = NULL;
	const char *field = web_form(p, "field"), *purpose = web_form(p, "purpose");
	const char *list[1];
	const fort_field_info *fi;
	const char *val;
	int r;
	p->nav = "clients";
	if (!field || !*field || !purpose || !*purpose)
		return fort_error_set(FORT_EINPUT, "choose the field and the purpose to reveal it for");
	list[0] = field;
	o.reveal = list;
	o.nreveal = 1;
	o.purpose = purpose;
	if ((r = fort_client_get(&rec, p->req.v, p->req.id, &o)) < 0)
		return r;
	fi = fort_map_find(p->req.v, field);
	snprintf(p->title, sizeof p->title, "Client %s: revealed", p->req.id);
	val = fort_record_value(rec, field);
	web_put(p, "<dl class=\"revealed\"><dt>");
	web_text(p, fi && fi->label && *fi->label ? fi->label : field);
	web_put(p, "</dt><dd><span class=\"value\" data-secret>");
	web_text(p, val ? val : "(empty)");
	web_put(p, "</span></dd><dt>Purpose</dt><dd>");
	web_text(p, purpose);
	web_put(p, "</dd></dl><p>This was recorded in the audit log. The page is not kept by the browser.</p><p><a href=\"/clients/");
	web_text(p, p->req.id);
	web_put(p, "\">Back to the client (masked)</a></p>");
	fort_record_free(rec);
	return 0;
}

/* ---------------------------------------------------------------- requests */

int page_requests(page *p)
{
	fort_request_info *rq = NULL;
	size_t n = 0;
	int r;
	p->nav = "requests";
	snprintf(p->title, sizeof p->title, "Requests from clients");
	if ((r = fort_request_list(&rq, &n, p->req.v, NULL, 0, NULL)) < 0)
		return r;
	web_put(p, "<p><a class=\"button\" href=\"/requests/new\">Record a request</a> <a href=\"/requests/policy\">Request "
		   "policy</a></p>");
	if (n == 0)
		web_put(p, "<p>No requests recorded yet.</p>");
	else
		requests_table(p, rq, n, "Every request, with its legal due date", 1);
	free(rq);
	return 0;
}

/* ---------------------------------------------------------------- audit */

/* The newest entries of the audit log (the walk is oldest first: a ring). */
#define AUDIT_SHOWN 50
struct audit_ring {
	struct {
		int64_t seq, ts;
		char actor[64], action[32], client[FORT_ID_LEN + 1], fields[96], purpose[48], result[12];
	} e[AUDIT_SHOWN];
	size_t n;
};

static int audit_keep(void *ctx, const fort_audit_entry *e)
{
	struct audit_ring *ring = ctx;
	size_t k = ring->n++ % AUDIT_SHOWN;
	ring->e[k].seq = e->seq;
	ring->e[k].ts = e->ts;
	snprintf(ring->e[k].actor, sizeof ring->e[k].actor, "%s", e->actor ? e->actor : "");
	snprintf(ring->e[k].action, sizeof ring->e[k].action, "%s", e->action ? e->action : "");
	snprintf(ring->e[k].client, sizeof ring->e[k].client, "%s", e->client ? e->client : "");
	snprintf(ring->e[k].fields, sizeof ring->e[k].fields, "%s", e->fields ? e->fields : "");
	snprintf(ring->e[k].purpose, sizeof ring->e[k].purpose, "%s", e->purpose ? e->purpose : "");
	snprintf(ring->e[k].result, sizeof ring->e[k].result, "%s", e->result ? e->result : "");
	return 0;
}

static void audit_entries(page *p)
{
	struct audit_ring *ring = calloc(1, sizeof *ring);
	char t[21];
	size_t shown;
	if (!ring)
		return;
	if (fort_audit_log(p->req.v, NULL, audit_keep, ring) < 0) {
		web_problem(p, fort_error_message());
		free(ring);
		return;
	}
	shown = ring->n < AUDIT_SHOWN ? ring->n : AUDIT_SHOWN;
	web_put(p, "<table id=\"audit-log\"><caption>The newest %zu entries (no values: ids, fields and purposes)</caption><thead><tr>"
		   "<th scope=\"col\">Number</th><th scope=\"col\">Time (UTC)</th><th scope=\"col\">Who</th>"
		   "<th scope=\"col\">Action</th><th scope=\"col\">Client</th><th scope=\"col\">Fields</th>"
		   "<th scope=\"col\">Purpose</th><th scope=\"col\">Result</th></tr></thead><tbody>", shown);
	for (size_t i = 0; i < shown; i++) {
		size_t k = (ring->n - 1 - i) % AUDIT_SHOWN;
		fort_time_iso(t, ring->e[k].ts);
		web_put(p, "<tr%s><td>%lld</td><td>%s</td><td>", strcmp(ring->e[k].result, "ok") ? " class=\"overdue\"" : "",
			(long long)ring->e[k].seq, t);
		web_text(p, ring->e[k].actor);
		web_put(p, "</td><td>");
		web_text(p, ring->e[k].action);
		web_put(p, "</td><td>");
		web_text(p, ring->e[k].client);
		web_put(p, "</td><td>");
		web_text(p, ring->e[k].fields);
		web_put(p, "</td><td>");
		web_text(p, ring->e[k].purpose);
		web_put(p, "</td><td>");
		web_text(p, ring->e[k].result);
		web_put(p, "</td></tr>");
	}
	web_put(p, "</tbody></table><p><code>fortress audit log</code> shows all of it.</p>");
	free(ring);
}

int page_audit(page *p)
{
	fort_audit_report rep;
	int r;
	p->nav = "audit";
	snprintf(p->title, sizeof p->title, "Audit log");
	memset(&rep, 0, sizeof rep);
	if ((r = fort_audit_verify(&rep, p->req.v, NULL)) < 0)
		return r;
	if (rep.ok) {
		web_put(p, "<div class=\"ok\" role=\"status\"><p><strong>The audit log is intact.</strong> %llu entries "
			   "checked, each linked to the one before.</p></div>",
			(unsigned long long)rep.entries);
	} else {
		web_put(p, "<div class=\"problem\" role=\"alert\"><p><strong>The audit log has been tampered with.</strong> ");
		web_text(p, rep.problem);
		web_put(p, "</p><p>Keep the vault file as it is and restore from a verified backup; see "
			   "<code>fortress audit verify</code>.</p></div>");
	}
	web_put(p, "<p>Newest entry: number %lld, hash <code class=\"hash\">", (long long)rep.head_seq);
	web_text(p, rep.head);
	web_put(p, "</code>. Write it down somewhere else now and then: a later check against it shows that "
		   "nothing was rewritten.</p>");
	web_put(p, "<form method=\"get\" action=\"/audit/consent\"><p><button type=\"submit\">Check the consent ledger"
		   "</button> (its own hash chain: every consent given, withdrawn, objected to)</p></form>");
	audit_entries(p);
	return 0;
}
