/* web_admin.c - the admin tasks of the CLI that had no page (issue 17,
 * docs/web.md): changing your own passphrase (`fortress passwd`), removing
 * a user, someone's second factor or a role (`user remove`, `user totp
 * remove`, `role remove`), the attachments `quarantine` made (`attachment
 * list|get|remove`), checking the consent ledger (`consent verify`), the
 * request policy (`request policy`) and the outbox (`mail list`).  Each
 * page makes the library call the CLI command makes; who may is the
 * library's rule, and its refusals are audited by it.  A passphrase
 * travels only in a POST body, never into a URL or the log. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include "util.h"
#include "server/web.h"

/* the largest attachment the web app hands out in one answer (in memory) */
#define ATTACH_WEB_MAX ((size_t)32 << 20)

/* ---------------------------------------------------------------- passphrase */

static void passphrase_form(page *p)
{
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/account/passphrase\">");
	web_csrf_field(p);
	web_put(p, "<p><label for=\"current\">Your current passphrase</label><input id=\"current\" name=\"current\" "
		   "type=\"password\" autocomplete=\"current-password\" required></p>"
		   "<p><label for=\"new\">New passphrase</label><input id=\"new\" name=\"new\" type=\"password\" "
		   "autocomplete=\"new-password\" required minlength=\"%d\" aria-describedby=\"new-help\"></p>"
		   "<p id=\"new-help\" class=\"help\">At least %d characters; several unrelated words are easiest to remember. "
		   "Not your name or the business's.</p>"
		   "<p><label for=\"new2\">The new passphrase again</label><input id=\"new2\" name=\"new2\" type=\"password\" "
		   "autocomplete=\"new-password\" required></p><p><button type=\"submit\">Change my passphrase</button></p></form>",
		FORT_PASSPHRASE_MIN_CHARS, FORT_PASSPHRASE_MIN_CHARS);
}

int page_passphrase(page *p)
{
	p->nav = "account";
	snprintf(p->title, sizeof p->title, "Change your passphrase");
	web_put(p, "<p>Your passphrase opens your keys. Changing it re-seals them under the new one; no client data is "
		   "re-encrypted. Other browsers signed in as you are signed out; this one stays signed in.</p>");
	passphrase_form(p);
	web_put(p, "<p><a href=\"/account\">Back to your account</a></p>");
	return 0;
}

/* The form again with the problem MSG, as STATUS. */
static int passphrase_again(page *p, int status, const char *msg)
{
	p->status = status;
	snprintf(p->title, sizeof p->title, status == 429 ? "Too many attempts" : "Change your passphrase");
	web_problem(p, msg);
	web_put(p, "<p>Your passphrase has not changed.</p>");
	passphrase_form(p);
	web_put(p, "<p><a href=\"/account\">Back to your account</a></p>");
	return 0;
}

int page_passphrase_change(page *p)
{
	fort_secret *cur = NULL, *np = NULL;
	const char *c = web_form(p, "current"), *n1 = web_form(p, "new"), *n2 = web_form(p, "new2");
	char csrf[FORT_SESSION_TOKEN_LEN + 1];
	int r, retry = 0;
	p->nav = "account";
	if (!c || !*c || !n1 || !*n1 || !n2 || !*n2)
		return passphrase_again(p, 400, "type your current passphrase and the new one twice");
	if (strlen(n1) != strlen(n2) || sodium_memcmp(n1, n2, strlen(n1)) != 0)
		return passphrase_again(p, 400, "the two new passphrases differ: type the same one twice");
	if ((r = fort_secret_new(&cur, c, strlen(c))) < 0 || (r = fort_secret_new(&np, n1, strlen(n1))) < 0) {
		fort_secret_free(cur);
		return r;
	}
	r = auth_passphrase_change(&p->req, cur, np, &retry, p->cookies[0], csrf);
	fort_secret_free(cur);
	fort_secret_free(np);
	if (r == FORT_EDENIED && retry > 0) {
		p->retry_after = retry;
		return passphrase_again(p, 429, fort_error_message());
	}
	if (r == FORT_EAUTH)
		return passphrase_again(p, 403, fort_error_message());
	if (r == FORT_EWEAK)
		return passphrase_again(p, 400, fort_error_message());
	if (r < 0)
		return r;
	if (csrf[0])
		memcpy(p->csrf, csrf, sizeof p->csrf);
	sodium_memzero(csrf, sizeof csrf);
	snprintf(p->title, sizeof p->title, "Passphrase changed");
	web_put(p, "<div class=\"ok\" role=\"status\"><p id=\"passphrase-changed\">Your passphrase is changed. Sign in with "
		   "the new one from now on; the old one no longer opens your keys. Other browsers signed in as you were "
		   "signed out.</p></div><p><a href=\"/account\">Back to your account</a></p>");
	return 0;
}

/* ---------------------------------------------------------------- users, roles */

static void rotation_text(page *p, const fort_rotate_report *rep)
{
	if (rep->keys[0]) {
		web_put(p, "<p id=\"rotation\">Keys rotated: ");
		web_text(p, rep->keys);
		web_put(p, ". %llu client record%s re-encrypted under the new versions; the old versions are destroyed, so "
			   "keys kept elsewhere open nothing.%s</p>",
			(unsigned long long)rep->clients, rep->clients == 1 ? "" : "s",
			rep->resumed ? " An interrupted rotation was finished first." : "");
	} else
		web_put(p, "<p id=\"rotation\">They held no keys, so none had to be rotated.</p>");
}

int page_user_remove(page *p)
{
	fort_rotate_opts o = FORT_ROTATE_OPTS_INIT;
	fort_rotate_report rep;
	const char *name = web_form(p, "name"), *typed = web_form(p, "confirm");
	int r;
	p->nav = "users";
	memset(&rep, 0, sizeof rep);
	if (!name || !*name)
		return fort_error_set(FORT_EINPUT, "choose the user to remove");
	if (!web_confirms(typed, name, 0)) {
		p->status = 400;
		snprintf(p->title, sizeof p->title, "Not removed");
		web_problem(p, "not removed: type the user's name exactly as shown to confirm, or go back.");
		web_put(p, "<p><a href=\"/users#remove\">Back to users and roles</a></p>");
		return 0;
	}
	if ((r = fort_user_remove(&rep, p->req.v, name, &o)) < 0)
		return r;
	/* their sessions end now, not at their next request */
	(void)fort_sessions_end_user(p->req.srv->sessions, name);
	snprintf(p->title, sizeof p->title, "User removed");
	web_put(p, "<div class=\"ok\" role=\"status\"><p id=\"removed\">");
	web_text(p, name);
	web_put(p, " is removed: their keys are withdrawn and they can no longer sign in. Their name stays in the audit "
		   "log.</p></div>");
	rotation_text(p, &rep);
	web_put(p, "<p><a href=\"/users\">Back to users and roles</a></p>");
	return 0;
}

int page_user_totp_remove(page *p)
{
	const char *name = web_form(p, "name");
	int r;
	p->nav = "users";
	if (!name || !*name)
		return fort_error_set(FORT_EINPUT, "choose whose second factor to remove");
	if ((r = fort_totp_remove(p->req.v, name)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Second factor removed");
	web_put(p, "<div class=\"ok\" role=\"status\"><p id=\"totp-removed\">");
	web_text(p, name);
	web_put(p, "'s authenticator app and recovery codes no longer work. They cannot sign in to the server until they "
		   "set up an authenticator again (<code>fortress user totp enroll</code> at a terminal).</p></div>"
		   "<p><a href=\"/users\">Back to users and roles</a></p>");
	return 0;
}

int page_role_remove(page *p)
{
	const char *role = web_form(p, "role");
	int r;
	p->nav = "users";
	if (!role || !*role)
		return fort_error_set(FORT_EINPUT, "choose the role to remove");
	if ((r = fort_role_remove(p->req.v, role)) < 0)
		return r;
	return web_redirect(p, "/users#roles");
}

/* The removal forms of the users page (for those whose role allows 'users'). */
void web_user_removal_forms(page *p, const fort_user_info *u, size_t nu, const fort_role_info *ro, size_t nr)
{
	web_put(p, "<section aria-labelledby=\"h-remove\" id=\"remove\"><h2 id=\"h-remove\">Remove</h2>"
		   "<form class=\"card\" method=\"post\" action=\"/users/remove\">");
	web_csrf_field(p);
	web_put(p, "<h3>Remove a user</h3><p>Their keys are withdrawn and every key they held is rotated: each client "
		   "record it opens is re-encrypted, so copies they kept open nothing. This cannot be undone.</p>"
		   "<p><label for=\"remove-user\">User</label><select id=\"remove-user\" name=\"name\">");
	for (size_t i = 0; i < nu; i++)
		if (strcmp(u[i].status, "removed") != 0 && strncmp(u[i].name, "token:", 6) != 0) {
			web_put(p, "<option>");
			web_text(p, u[i].name);
			web_put(p, "</option>");
		}
	web_put(p, "</select></p><p><label for=\"remove-confirm\">To confirm, type their name</label><input "
		   "id=\"remove-confirm\" name=\"confirm\" type=\"text\" autocomplete=\"off\" required></p>"
		   "<p><button type=\"submit\">Remove the user</button></p></form>");
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/users/totp/remove\">");
	web_csrf_field(p);
	web_put(p, "<h3>Remove someone's second factor</h3><p>For a lost phone and lost recovery codes: they cannot sign "
		   "in to the server until they set up an authenticator app again.</p><p><label for=\"totp-user\">User</label>"
		   "<select id=\"totp-user\" name=\"name\">");
	for (size_t i = 0; i < nu; i++)
		if (strcmp(u[i].status, "active") == 0 && strncmp(u[i].name, "token:", 6) != 0) {
			web_put(p, "<option>");
			web_text(p, u[i].name);
			web_put(p, "</option>");
		}
	web_put(p, "</select></p><p><button type=\"submit\">Remove their second factor</button></p></form>");
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/roles/remove\">");
	web_csrf_field(p);
	web_put(p, "<h3>Remove a role</h3><p>Only a role nobody has; the built-in roles stay.</p><p><label "
		   "for=\"remove-role\">Role</label><select id=\"remove-role\" name=\"role\">");
	for (size_t i = 0; i < nr; i++)
		if (!ro[i].builtin) {
			web_put(p, "<option>");
			web_text(p, ro[i].name);
			web_put(p, "</option>");
		}
	web_put(p, "</select></p><p><button type=\"submit\">Remove the role</button></p></form></section>");
}

/* ---------------------------------------------------------------- attachments */

static int attachment_id(int64_t *id, const char *s)
{
	return http_id_number(id, s, FORT_ENOTFOUND, "an attachment", "the attachments page lists them");
}

int page_attachments(page *p)
{
	fort_attachment_info *a = NULL;
	const char *client = http_query(&p->req, "client");
	size_t n = 0;
	char d[21];
	int r;
	p->nav = "clients";
	if (client && !*client)
		client = NULL;
	if ((r = fort_attachment_list(&a, &n, p->req.v, client)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Attachments");
	web_put(p, "<p>Files moved into the vault by <code>fortress quarantine</code> (or <code>scan --fix</code>) at the "
		   "server's machine. Each has its own key, opened only with the keys of every category found in it. "
		   "Downloading one is recorded in the audit log; removing one destroys its key.</p>");
	if (client) {
		web_put(p, "<p>Linked to client <a href=\"/clients/");
		web_text(p, client);
		web_put(p, "\"><code>");
		web_text(p, client);
		web_put(p, "</code></a>. <a href=\"/attachments\">All attachments</a></p>");
	}
	if (!n) {
		web_put(p, "<p id=\"no-attachments\">No attachments.</p>");
		fort_attachment_list_free(a, n);
		return 0;
	}
	web_put(p, "<table id=\"attachments\"><caption>Attachments</caption><thead><tr><th scope=\"col\">Number</th>"
		   "<th scope=\"col\">Kept since</th><th scope=\"col\">By</th><th scope=\"col\">Size</th><th scope=\"col\">"
		   "Categories</th><th scope=\"col\">Original file</th><th scope=\"col\">Clients</th><th scope=\"col\">"
		   "Actions</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		fort_time_iso(d, a[i].created);
		d[10] = '\0';
		web_put(p, "<tr><th scope=\"row\">%lld</th><td>%s</td><td>", (long long)a[i].id, d);
		web_text(p, a[i].actor);
		web_put(p, "</td><td>%llu bytes</td><td>", (unsigned long long)a[i].size);
		web_text(p, a[i].categories);
		web_put(p, "</td><td>");
		web_text(p, a[i].readable ? a[i].path : "(not readable with your role's keys)");
		web_put(p, "</td><td>");
		for (size_t k = 0; k < a[i].nclients; k++) {
			web_put(p, "%s<a href=\"/clients/", k ? ", " : "");
			web_text(p, a[i].clients[k]);
			web_put(p, "\">");
			web_text(p, a[i].clients[k]);
			web_put(p, "</a>");
		}
		web_put(p, "</td><td>");
		if (a[i].readable) {
			web_put(p, "<form class=\"inline\" method=\"post\" action=\"/attachments/%lld/download\">", (long long)a[i].id);
			web_csrf_field(p);
			web_put(p, "<button type=\"submit\" aria-label=\"Download attachment %lld\">Download</button></form>",
				(long long)a[i].id);
		}
		web_put(p, "<a href=\"/attachments/%lld/remove\" aria-label=\"Remove attachment %lld\">Remove</a></td></tr>",
			(long long)a[i].id, (long long)a[i].id);
	}
	web_put(p, "</tbody></table>");
	fort_attachment_list_free(a, n);
	return 0;
}

/* The Content-Type of a download named NAME: by its extension, else bytes. */
static const char *content_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".pdf", "application/pdf" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".csv", "text/csv; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".png", "image/png" },
		{ ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" },
		{ ".vcf", "text/vcard" },
		{ ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
		{ ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
		{ ".odt", "application/vnd.oasis.opendocument.text" },
		{ ".ods", "application/vnd.oasis.opendocument.spreadsheet" },
		{ ".zip", "application/zip" },
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcasecmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

int page_attachment_download(page *p)
{
	unsigned char *data = NULL;
	size_t len = 0;
	char name[256];
	int64_t id;
	int r;
	p->nav = "clients";
	if ((r = attachment_id(&id, p->req.id)) < 0)
		return r;
	if ((r = fort_attachment_read(&data, &len, name, p->req.v, id, ATTACH_WEB_MAX)) < 0)
		return r;
	web_file(p, content_type(name), name[0] ? name : "attachment", data, len);
	return 0;
}

static void remove_form(page *p)
{
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/attachments/");
	web_text(p, p->req.id);
	web_put(p, "/remove\">");
	web_csrf_field(p);
	web_put(p, "<p><label for=\"confirm\">To confirm, type the attachment's number: <code>");
	web_text(p, p->req.id);
	web_put(p, "</code></label><input id=\"confirm\" name=\"confirm\" type=\"text\" inputmode=\"numeric\" "
		   "autocomplete=\"off\" required></p><p><button type=\"submit\">Remove for good</button> "
		   "<a href=\"/attachments\">Cancel</a></p></form>");
}

int page_attachment_remove_ask(page *p)
{
	int64_t id;
	int r;
	p->nav = "clients";
	if ((r = attachment_id(&id, p->req.id)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Remove attachment %lld", (long long)id);
	web_put(p, "<div class=\"problem\"><p><strong>This cannot be undone.</strong> The attachment's key is destroyed, "
		   "so the file cannot be read again, from this vault or its backups.</p></div>");
	remove_form(p);
	return 0;
}

int page_attachment_remove(page *p)
{
	int64_t id;
	int r;
	p->nav = "clients";
	if ((r = attachment_id(&id, p->req.id)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Remove attachment %lld", (long long)id);
	if (!web_confirms(web_form(p, "confirm"), p->req.id, 0)) {
		p->status = 400;
		web_problem(p, "not removed: the number you typed is not this attachment's. Type it exactly as shown, or cancel.");
		remove_form(p);
		return 0;
	}
	if ((r = fort_attachment_remove(p->req.v, id)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Attachment %lld removed", (long long)id);
	web_put(p, "<div class=\"ok\" role=\"status\"><p id=\"attachment-removed\">Attachment %lld is removed: its key is "
		   "destroyed.</p></div><p><a href=\"/attachments\">Back to the attachments</a></p>", (long long)id);
	return 0;
}

/* ---------------------------------------------------------------- consent ledger */

int page_consent_verify(page *p)
{
	char problem[256] = "";
	uint64_t n = 0;
	int ok = 0, r;
	p->nav = "audit";
	snprintf(p->title, sizeof p->title, "Consent ledger check");
	if ((r = fort_consent_verify(&ok, &n, problem, sizeof problem, p->req.v)) < 0)
		return r;
	if (ok)
		web_put(p, "<div class=\"ok\" role=\"status\"><p id=\"consent-verify\">The consent ledger is intact: %llu "
			   "entr%s, each chained to the one before; none was changed or removed.</p></div>",
			(unsigned long long)n, n == 1 ? "y" : "ies");
	else {
		web_put(p, "<div class=\"problem\" role=\"alert\"><p id=\"consent-verify\">The consent ledger does not verify: ");
		web_text(p, problem);
		web_put(p, "</p></div><p>Someone changed the vault outside Fortress. Keep the file as evidence, restore the "
			   "last good backup, and treat it as a possible incident.</p>");
	}
	web_put(p, "<p><a href=\"/audit\">Back to the audit log</a></p>");
	return 0;
}

/* ---------------------------------------------------------------- request policy */

static const char *const request_kinds[] = { "access", "portability", "rectification", "erasure", "objection", "restriction" };
#define NKINDS (sizeof request_kinds / sizeof request_kinds[0])

/* Is KIND in the comma-separated LIST? */
static int in_list(const char *list, const char *kind)
{
	size_t n = strlen(kind);
	for (const char *s = list; *s;) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len == n && strncmp(s, kind, n) == 0)
			return 1;
		s += len + (e ? 1 : 0);
	}
	return 0;
}

int page_request_policy(page *p)
{
	fort_request_policy pol;
	int r;
	p->nav = "requests";
	snprintf(p->title, sizeof p->title, "Request policy");
	if ((r = fort_request_policy_get(&pol, p->req.v)) < 0)
		return r;
	web_put(p, "<p>Clients who ask on the self-service page confirm their e-mail address by a one-time link. For the "
		   "kinds ticked here, that is not enough (GDPR Art. 12(6)): the request waits until someone checks the "
		   "person's identity another way and records it on the request's page.</p><p id=\"policy\">Now: ");
	web_text(p, pol.second_step[0] ? pol.second_step : "no kind needs a second step");
	web_put(p, "</p><form class=\"card\" method=\"post\" action=\"/requests/policy\">");
	web_csrf_field(p);
	web_put(p, "<fieldset><legend>Kinds that need a second identity step</legend>");
	for (size_t i = 0; i < NKINDS; i++)
		web_put(p, "<p><input type=\"checkbox\" id=\"kind-%s\" name=\"kind\" value=\"%s\"%s><label class=\"check\" "
			   "for=\"kind-%s\">%s</label></p>",
			request_kinds[i], request_kinds[i], in_list(pol.second_step, request_kinds[i]) ? " checked" : "",
			request_kinds[i], request_kinds[i]);
	web_put(p, "</fieldset><p><button type=\"submit\">Save the policy</button></p></form>"
		   "<p><a href=\"/requests\">Back to the requests</a></p>");
	return 0;
}

int page_request_policy_set(page *p)
{
	char list[256] = "";
	size_t len = 0;
	int r;
	p->nav = "requests";
	for (size_t i = 0; i < p->nf; i++)
		if (strcmp(p->fk[i], "kind") == 0 && *p->fv[i]) {
			int w = snprintf(list + len, sizeof list - len, "%s%s", len ? "," : "", p->fv[i]);
			if (w < 0 || (size_t)w >= sizeof list - len)
				return fort_error_set(FORT_EINPUT, "too many kinds: tick at most the six the form shows");
			len += (size_t)w;
		}
	if ((r = fort_request_policy_set(p->req.v, len ? list : "none")) < 0)
		return r;
	return web_redirect(p, "/requests/policy");
}

/* ---------------------------------------------------------------- outbox */

int page_outbox(page *p)
{
	fort_mail_info *m = NULL;
	size_t n = 0;
	char d[21];
	int r;
	p->nav = "users";
	snprintf(p->title, sizeof p->title, "Outbox");
	if ((r = fort_mail_list(&m, &n, p->req.v, NULL)) < 0)
		return r;
	web_put(p, "<p>Messages Fortress sends (breach letters, answers to requests, tests), oldest first. Their texts "
		   "are kept encrypted and not shown here. A message that failed is tried again at the next send.</p>");
	if (!n) {
		web_put(p, "<p id=\"outbox-empty\">The outbox is empty.</p><p><a href=\"/mail\">E-mail settings</a></p>");
		free(m);
		return 0;
	}
	web_put(p, "<table id=\"outbox\"><caption>Outbox</caption><thead><tr><th scope=\"col\">Number</th><th scope=\"col\">"
		   "Status</th><th scope=\"col\">Time</th><th scope=\"col\">To</th><th scope=\"col\">Subject</th>"
		   "<th scope=\"col\">About</th><th scope=\"col\">Attempts</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		fort_time_iso(d, m[i].sent ? m[i].sent : m[i].created);
		web_put(p, "<tr><th scope=\"row\">%lld</th><td>", (long long)m[i].id);
		web_text(p, m[i].status);
		web_put(p, "</td><td>%s</td><td>", d);
		web_text(p, m[i].to);
		web_put(p, "</td><td>");
		web_text(p, m[i].subject);
		web_put(p, "</td><td>");
		web_text(p, m[i].ref[0] ? m[i].ref : "-");
		web_put(p, "</td><td>%d", m[i].attempts);
		if (m[i].attempts && strcmp(m[i].status, "sent") != 0 && m[i].error[0]) {
			web_put(p, "; last error: ");
			web_text(p, m[i].error);
		}
		web_put(p, "</td></tr>");
	}
	web_put(p, "</tbody></table><p><a href=\"/mail\">E-mail settings</a></p>");
	free(m);
	return 0;
}
