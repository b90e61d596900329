/* web_requests.c - clients' requests (GDPR Art. 15-21, UK GDPR, CCPA) from
 * the web app: record one, its page with the legal due dates, the identity
 * check, the steps (start, pause, resume, extend, answer, refuse) and, for
 * access and portability, the package as a download (a zip made in memory
 * by fort_request_fulfil_zip; nothing on disk).  Each action is one library
 * call; the library computes the clocks, checks the role and audits. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "util.h"
#include "server/web.h"

static const char *const kinds[] = { "access", "rectification", "erasure", "restriction", "objection", "portability" };
static const char *const kind_words[] = { "Access: a copy of their data (Art. 15)", "Rectification: correct their data (Art. 16)",
					  "Erasure: delete their data (Art. 17)", "Restriction of processing (Art. 18)",
					  "Objection to processing (Art. 21)", "Portability: their data to take elsewhere (Art. 20)" };

static int request_number(int64_t *out, const char *s)
{
	return http_id_number(out, s, FORT_ENOTFOUND, "a request", "open the request from the list");
}

static void today(char out[11])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

int page_request_new(page *p)
{
	const char *client = http_query(&p->req, "client");
	char d[11];
	p->nav = "requests";
	snprintf(p->title, sizeof p->title, "Record a request");
	today(d);
	web_put(p, "<p>Record a client's request as soon as it arrives: the legal clock runs from the day it was received. "
		   "Fortress works out the due dates.</p><form class=\"card\" method=\"post\" action=\"/requests\">");
	web_csrf_field(p);
	web_put(p, "<p><label for=\"kind\">What the client asks for</label><select id=\"kind\" name=\"kind\">");
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		web_put(p, "<option value=\"%s\">%s</option>", kinds[i], kind_words[i]);
	web_put(p, "</select></p><p><label for=\"client\">The client's id</label><input id=\"client\" name=\"client\" "
		   "type=\"text\" required autocomplete=\"off\" spellcheck=\"false\" placeholder=\"c-...\" "
		   "aria-describedby=\"client-help\" value=\"");
	web_text(p, client ? client : "");
	web_put(p, "\"><span class=\"help\" id=\"client-help\">Find it on the Clients page (by e-mail).</span></p>"
		   "<p><label for=\"received\">Received on</label><input id=\"received\" name=\"received\" type=\"date\" "
		   "required value=\"%s\" max=\"%s\"></p>"
		   "<p><label for=\"jurisdiction\">Whose rules apply</label><select id=\"jurisdiction\" name=\"jurisdiction\">"
		   "<option value=\"EU\">EU (GDPR)</option><option value=\"UK\">UK (UK GDPR)</option>"
		   "<option value=\"CA\">California (CCPA)</option></select></p>"
		   "<p><label for=\"channel\">How it arrived</label><select id=\"channel\" name=\"channel\">"
		   "<option value=\"\">(not recorded)</option><option value=\"email\">E-mail</option>"
		   "<option value=\"letter\">Letter</option><option value=\"phone\">Phone</option>"
		   "<option value=\"in-person\">In person</option><option value=\"web\">Web form</option></select></p>"
		   "<p><label for=\"note\">The client's own words (optional; for a correction: what is wrong, what it "
		   "should be; kept encrypted)</label><textarea id=\"note\" name=\"note\" rows=\"3\" maxlength=\"4000\">"
		   "</textarea></p>"
		   "<p><input type=\"checkbox\" id=\"needs_id\" name=\"needs_id\" value=\"1\"><label class=\"check\" "
		   "for=\"needs_id\">The client's identity must be checked first</label></p>"
		   "<p><button type=\"submit\">Record the request</button></p></form>",
		d, d);
	return 0;
}

int page_request_open(page *p)
{
	fort_request_opts o = FORT_REQUEST_OPTS_INIT;
	const char *kind = web_form(p, "kind"), *client = web_form(p, "client"), *received = web_form(p, "received");
	const char *jur = web_form(p, "jurisdiction"), *needs = web_form(p, "needs_id");
	const char *channel = web_form(p, "channel"), *note = web_form(p, "note");
	int64_t id = 0;
	char loc[64];
	int r;
	p->nav = "requests";
	if (!kind || !*kind || !client || !*client || !received || !*received)
		return fort_error_set(FORT_EINPUT, "choose what the client asks for, and give the client's id and the day the "
				      "request arrived");
	o.jurisdiction = jur && *jur ? jur : NULL;
	o.needs_id = needs && *needs;
	/* as the CLI's --channel and --note-file: the library checks the channel's name */
	o.channel = channel && *channel ? channel : NULL;
	o.note = note && *note ? note : NULL;
	if ((r = fort_request_open(&id, p->req.v, kind, client, received, &o)) < 0)
		return r;
	snprintf(loc, sizeof loc, "/requests/%lld", (long long)id);
	return web_redirect(p, loc);
}

static void fact(page *p, const char *dt, const char *dd)
{
	web_put(p, "<dt>%s</dt><dd>", dt);
	web_text(p, dd && *dd ? dd : "-");
	web_put(p, "</dd>");
}

/* A form posting to /requests/ID/WHAT with the CSRF field; the caller adds the fields and closes it. */
static void form_open(page *p, int64_t id, const char *what, const char *cls)
{
	web_put(p, "<form class=\"%s\" method=\"post\" action=\"/requests/%lld/%s\">", cls, (long long)id, what);
	web_csrf_field(p);
}

int page_request(page *p)
{
	fort_request_info q;
	int64_t id;
	int r, open;
	p->nav = "requests";
	if ((r = request_number(&id, p->req.id)) < 0 || (r = fort_request_get(&q, p->req.v, id, NULL)) < 0)
		return r;
	open = !q.closed[0];
	snprintf(p->title, sizeof p->title, "Request %lld", (long long)id);
	web_put(p, "<dl class=\"facts wide\">");
	fact(p, "Kind", q.kind);
	web_put(p, "<dt>Client</dt><dd><a href=\"/clients/");
	web_text(p, q.client);
	web_put(p, "\">");
	web_text(p, q.client);
	web_put(p, "</a></dd>");
	fact(p, "Rules", q.jurisdiction);
	fact(p, "State", q.state);
	fact(p, "Received", q.received);
	if (q.channel[0])
		fact(p, "Channel", q.channel);
	if (q.id_result[0]) {
		web_put(p, "<dt>Identity</dt><dd>");
		web_text(p, q.id_result);
		web_put(p, " (");
		web_text(p, q.id_method);
		web_put(p, ")</dd>");
	}
	if (q.pending[0]) {
		web_put(p, "<dt>Pending</dt><dd id=\"pending\">");
		web_text(p, q.pending);
		web_put(p, "</dd>");
	}
	if (q.has_note) {
		/* the client's own words: personal data, shown on demand (audited) */
		const char *want = http_query(&p->req, "note");
		char *note = NULL;
		web_put(p, "<dt>Client's note</dt><dd id=\"note\">");
		if (!fort_vault_can(p->req.v, "reveal", NULL)) {
			web_put(p, "held (showing it needs the reveal action)");
		} else if (want && strcmp(want, "1") == 0) {
			if ((r = fort_request_note(&note, p->req.v, id)) < 0)
				return r;
			web_put(p, "<p class=\"note\">");
			web_text(p, note ? note : "");
			web_put(p, "</p>");
			if (note) {
				sodium_memzero(note, strlen(note));
				free(note);
			}
		} else {
			web_put(p, "<a href=\"/requests/%lld?note=1\">Show the client's note</a> (recorded in the audit log)", (long long)id);
		}
		web_put(p, "</dd>");
	}
	web_put(p, "<dt>Due</dt><dd id=\"due\"%s>", q.overdue ? " class=\"overdue\"" : "");
	web_text(p, q.due[0] ? q.due : "not yet: the clock has not started");
	if (open && q.due[0])
		web_put(p, q.overdue ? " <strong>(overdue by %d day%s)</strong>" : " (%d day%s left)",
			q.overdue ? -q.days_left : q.days_left, (q.overdue ? -q.days_left : q.days_left) == 1 ? "" : "s");
	web_put(p, "</dd>");
	if (q.ack_due[0])
		fact(p, "Acknowledge by", q.ack_due);
	if (open && q.max_due[0] && !q.extended) {
		web_put(p, "<dt>Extension</dt><dd>possible to ");
		web_text(p, q.max_due);
		web_put(p, "; tell the client by ");
		web_text(p, q.extension_notice_due[0] ? q.extension_notice_due : "-");
		web_put(p, "</dd>");
	}
	if (q.closed[0])
		fact(p, "Closed", q.closed);
	fact(p, "Rule", q.rule);
	if (q.source[0])
		fact(p, "Source", q.source);
	web_put(p, "</dl>");
	if (!open) {
		web_put(p, "<p>This request is closed.</p><p><a href=\"/requests\">Back to the requests</a></p>");
		return 0;
	}
	/* the identity check */
	web_put(p, "<section aria-labelledby=\"h-id\"><h2 id=\"h-id\">Identity check</h2>");
	form_open(p, id, "identity", "card");
	web_put(p, "<p><label for=\"method\">How you checked who is asking</label><input id=\"method\" name=\"method\" "
		   "type=\"text\" required maxlength=\"60\" placeholder=\"id-card, email-confirmation, known-contact\"></p>"
		   "<fieldset><legend>Result</legend><p><input type=\"radio\" id=\"id-ok\" name=\"result\" value=\"ok\" checked>"
		   "<label class=\"check\" for=\"id-ok\">Confirmed</label></p><p><input type=\"radio\" id=\"id-failed\" "
		   "name=\"result\" value=\"failed\"><label class=\"check\" for=\"id-failed\">Could not be confirmed</label></p>"
		   "</fieldset><p><button type=\"submit\">Record the identity check</button></p></form></section>");
	/* the answer */
	web_put(p, "<section aria-labelledby=\"h-answer\"><h2 id=\"h-answer\">Answer</h2>");
	if (strcmp(q.kind, "access") == 0 || strcmp(q.kind, "portability") == 0) {
		web_put(p, "<p>The package holds the client's data (JSON, CSV), a letter covering everything Art. 15 requires "
			   "(Markdown, HTML, PDF) and a manifest of checksums. Downloading it answers the request; send it to the "
			   "client over a safe channel.</p>");
		form_open(p, id, "package", "inline");
		web_put(p, "<button type=\"submit\">Download the package and answer</button></form>");
	} else if (strcmp(q.kind, "rectification") == 0) {
		web_put(p, "<p>Correct the data first (<a href=\"/clients/");
		web_text(p, q.client);
		web_put(p, "/edit\">edit the client</a>), then mark the request as answered below. If the corrected data had "
			   "been given to recipients, they must be told (Art. 19): Fortress then asks you to write their notices "
			   "with <code>fortress request answer %lld --notices FILE</code>.</p>",
			(long long)id);
	} else if (strcmp(q.kind, "erasure") == 0) {
		web_put(p, "<p>Erasing deletes the client's data for good (crypto-shredding: every copy, backups included, "
			   "becomes unreadable) except what a legal hold requires, and answers the request. You download a "
			   "certificate signed in your name (certificate.json, a letter to the client as Markdown and PDF, and "
			   "notices for the recipients the data was given to): keep it, and send the letter to the client.</p>");
		form_open(p, id, "certificate", "card");
		web_put(p, "<p><label for=\"confirm\">Type the client's id (");
		web_text(p, q.client);
		web_put(p, ") to confirm: this cannot be undone</label><input id=\"confirm\" name=\"confirm\" type=\"text\" "
			   "required autocomplete=\"off\" spellcheck=\"false\"></p><p><button type=\"submit\" class=\"danger\">"
			   "Erase and download the certificate</button></p></form>");
	}
	web_put(p, "</section><section aria-labelledby=\"h-step\"><h2 id=\"h-step\">Other steps</h2>");
	form_open(p, id, "step", "card");
	web_put(p, "<p><label for=\"action\">Step</label><select id=\"action\" name=\"action\">"
		   "<option value=\"start\">Start work on it</option>"
		   "<option value=\"pause\">Pause: waiting for the client to clarify (UK)</option>"
		   "<option value=\"resume\">Resume</option>"
		   "<option value=\"extend\">Extend the deadline (give the reasons)</option>"
		   "<option value=\"answer\">Mark as answered</option>"
		   "<option value=\"refuse\">Refuse (give the reason)</option></select></p>"
		   "<p><label for=\"note\">Note or reasons</label><input id=\"note\" name=\"note\" type=\"text\" maxlength=\"500\" "
		   "aria-describedby=\"note-help\"><span class=\"help\" id=\"note-help\">Reasons for an extension or a refusal "
		   "go to the client.</span></p><p><button type=\"submit\">Record the step</button></p></form></section>"
		   "<p><a href=\"/requests\">Back to the requests</a></p>");
	return 0;
}

int page_request_identity(page *p)
{
	const char *method = web_form(p, "method"), *result = web_form(p, "result");
	char loc[64];
	int64_t id;
	int r;
	p->nav = "requests";
	if ((r = request_number(&id, p->req.id)) < 0)
		return r;
	if (!method || !*method || !result || (strcmp(result, "ok") != 0 && strcmp(result, "failed") != 0))
		return fort_error_set(FORT_EINPUT, "say how the identity was checked and whether it was confirmed");
	if ((r = fort_request_verify_id(p->req.v, id, method, strcmp(result, "ok") == 0, NULL)) < 0)
		return r;
	snprintf(loc, sizeof loc, "/requests/%lld", (long long)id);
	return web_redirect(p, loc);
}

int page_request_step(page *p)
{
	const char *action = web_form(p, "action"), *note = web_form(p, "note");
	char *letter = NULL, loc[64];
	int64_t id;
	int r;
	p->nav = "requests";
	if ((r = request_number(&id, p->req.id)) < 0)
		return r;
	if (!action || !*action)
		return fort_error_set(FORT_EINPUT, "choose the step to record");
	if (strcmp(action, "answer") == 0) {
		/* as the CLI: answering a rectification tells the recipients of the
		 * corrected data (Art. 19); the library refuses when they need
		 * notices, which are files: then the CLI writes them */
		fort_request_info q;
		size_t told = 0;
		if ((r = fort_request_get(&q, p->req.v, id, NULL)) < 0)
			return r;
		if (strcmp(q.kind, "rectification") == 0) {
			if ((r = fort_request_rectified(&told, p->req.v, id, NULL, NULL, note && *note ? note : NULL)) < 0)
				return r;
			snprintf(loc, sizeof loc, "/requests/%lld", (long long)id);
			return web_redirect(p, loc);
		}
	}
	if ((r = fort_request_update(strcmp(action, "refuse") == 0 ? &letter : NULL, p->req.v, id, action, NULL,
				     note && *note ? note : NULL)) < 0)
		return r;
	if (!letter) {
		snprintf(loc, sizeof loc, "/requests/%lld", (long long)id);
		return web_redirect(p, loc);
	}
	snprintf(p->title, sizeof p->title, "Request %lld refused", (long long)id);
	web_put(p, "<p>Send this letter to the client (it names their right to complain):</p><pre class=\"letter\">");
	web_text(p, letter);
	web_put(p, "</pre><p><a href=\"/requests/%lld\">Back to the request</a></p>", (long long)id);
	fort_free_str(letter);
	return 0;
}

int page_request_package(page *p)
{
	fort_access_report rep;
	unsigned char *zip = NULL;
	size_t len = 0;
	char name[64];
	int64_t id;
	int r;
	p->nav = "requests";
	if ((r = request_number(&id, p->req.id)) < 0 || (r = fort_request_fulfil_zip(&rep, &zip, &len, p->req.v, id)) < 0)
		return r;
	snprintf(name, sizeof name, "request-%lld.zip", (long long)id);
	web_file(p, "application/zip", name, zip, len);
	return 0;
}

/* Erasure (Art. 17): the client's id typed as the confirmation, then one
 * library call that erases, signs the certificate and answers the request;
 * the certificate and its letters come back as a zip made in memory. */
int page_request_certificate(page *p)
{
	fort_request_info q;
	fort_erasure_report rep;
	const char *confirm = web_form(p, "confirm");
	unsigned char *zip = NULL;
	size_t len = 0;
	char name[64];
	int64_t id;
	int r;
	p->nav = "requests";
	if ((r = request_number(&id, p->req.id)) < 0 || (r = fort_request_get(&q, p->req.v, id, NULL)) < 0)
		return r;
	if (!confirm || strcmp(confirm, q.client) != 0)
		return fort_error_set(FORT_EINPUT, "type the client's id (%s) exactly to confirm the erasure: it cannot be undone. "
				      "Nothing was erased; go back and try again", q.client);
	if ((r = fort_request_erase_zip(&rep, &zip, &len, p->req.v, id, NULL)) < 0)
		return r;
	snprintf(name, sizeof name, "request-%lld-erasure-certificate.zip", (long long)id);
	web_file(p, "application/zip", name, zip, len);
	return 0;
}
