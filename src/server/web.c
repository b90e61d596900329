/* web.c - the web app's pipeline: every path outside /api/ comes here
 * (http.c hands it over).  The checks, once, in this order, as http.c does
 * for the API:
 *
 *   page route (404 page) -> method (405 + Allow) -> session (a GET goes
 *   to the sign-in page, a POST gets 401) -> on a POST: form content type
 *   (415), size (413), the CSRF token of the form's hidden field (403,
 *   constant-time, by the library) -> the page: one library call
 *
 * From the CSRF check on, refusals are audited in the person's name.
 * Pages are HTML under a strict CSP (no inline script or style: the CSS
 * and JS are files we serve), with the API's other security headers.  A
 * POST changes state; a GET never does.  The sign-in form carries a
 * token of its own, also in a SameSite=Strict cookie, so another site
 * cannot sign a browser in (login CSRF).  The log line names the method,
 * the page's pattern and the status, never a path with an id or a form. */
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "server/mhd.h"
#include <sodium.h>
#include "util.h"
#include "data/i18n.h"
#include "server/web.h"

#define PAGE_CSP                                                                                                       \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "         \
	"frame-ancestors 'none'; base-uri 'none'"
#define COOKIE_NAME "fortress_session"
#define SIGNIN_COOKIE "fortress_signin"
#define PAGE_MAX (4u << 20)

enum {
	P_PUBLIC = 1 << 0, /* no session needed */
	P_FORM = 1 << 1,   /* a POST with a form body */
	P_ASSET = 1 << 2,  /* a static file */
	P_INTAKE = 1 << 3, /* an intake form: the library's submission limit (FORT_INTAKE_MAX), not the server's */
	P_UPLOAD = 1 << 4, /* the form is multipart/form-data with one file (field "file"), up to the server's body limit */
};

typedef struct {
	const char *method;
	const char *pattern;
	page_fn fn;
	unsigned flags;
} page_route;

static int page_signin(page *p);
static int page_signin_post(page *p);
static int asset_css(page *p);
static int asset_js(page *p);

static const page_route pages[] = {
	{ "GET", "/", page_dashboard, 0 },
	{ "GET", "/signin", page_signin, P_PUBLIC },
	{ "POST", "/signin", page_signin_post, P_PUBLIC | P_FORM },
	{ "POST", "/signout", page_signout, P_FORM },
	{ "GET", "/clients", page_clients, 0 },
	{ "POST", "/clients", page_client_add, P_FORM },
	{ "GET", "/clients/new", page_client_new, 0 },
	{ "POST", "/clients/find", page_clients_find, P_FORM },
	{ "GET", "/clients/import", page_import, 0 },
	{ "POST", "/clients/import", page_import_post, P_FORM },
	{ "POST", "/clients/import/file", page_import_upload, P_FORM | P_UPLOAD },
	{ "GET", "/clients/export", page_export, 0 },
	{ "POST", "/clients/export", page_export_post, P_FORM },
	{ "GET", "/clients/{id}", page_client, 0 },
	{ "POST", "/clients/{id}/reveal", page_client_reveal, P_FORM },
	{ "GET", "/clients/{id}/edit", page_client_edit, 0 },
	{ "POST", "/clients/{id}/edit", page_client_update, P_FORM },
	{ "GET", "/clients/{id}/erase", page_client_erase_ask, 0 },
	{ "POST", "/clients/{id}/erase", page_client_erase, P_FORM },
	{ "GET", "/clients/{id}/consent", page_client_consent, 0 },
	{ "POST", "/clients/{id}/consent", page_client_consent_record, P_FORM },
	{ "GET", "/requests", page_requests, 0 },
	{ "POST", "/requests", page_request_open, P_FORM },
	{ "GET", "/requests/new", page_request_new, 0 },
	{ "GET", "/requests/policy", page_request_policy, 0 },
	{ "POST", "/requests/policy", page_request_policy_set, P_FORM },
	{ "GET", "/requests/{id}", page_request, 0 },
	{ "POST", "/requests/{id}/identity", page_request_identity, P_FORM },
	{ "POST", "/requests/{id}/step", page_request_step, P_FORM },
	{ "POST", "/requests/{id}/package", page_request_package, P_FORM },
	{ "POST", "/requests/{id}/certificate", page_request_certificate, P_FORM },
	{ "GET", "/incidents", page_incidents, 0 },
	{ "POST", "/incidents", page_incident_open, P_FORM },
	{ "GET", "/incidents/new", page_incident_new, 0 },
	{ "GET", "/incidents/{id}", page_incident, 0 },
	{ "POST", "/incidents/{id}/note", page_incident_note, P_FORM },
	{ "POST", "/incidents/{id}/scope", page_incident_scope, P_FORM },
	{ "POST", "/incidents/{id}/impact", page_incident_impact, P_FORM },
	{ "POST", "/incidents/{id}/letters", page_incident_letters, P_FORM },
	{ "POST", "/incidents/{id}/notify", page_incident_notify, P_FORM },
	{ "POST", "/incidents/{id}/notified", page_incident_notified, P_FORM },
	{ "POST", "/incidents/{id}/assess", page_incident_assess, P_FORM },
	{ "POST", "/incidents/{id}/decide", page_incident_decide, P_FORM },
	{ "POST", "/incidents/{id}/close", page_incident_close, P_FORM },
	{ "GET", "/incidents/{id}/review", page_incident_review, 0 },
	{ "POST", "/incidents/{id}/review", page_incident_review_post, P_FORM },
	{ "POST", "/incidents/{id}/actions", page_incident_action_add, P_FORM },
	{ "POST", "/actions/{id}/done", page_action_done, P_FORM },
	{ "GET", "/audit", page_audit, 0 },
	{ "GET", "/audit/consent", page_consent_verify, 0 },
	{ "GET", "/notice", page_notice, 0 },
	{ "POST", "/notice/publish", page_notice_publish, P_FORM },
	{ "POST", "/records", page_records, P_FORM },
	{ "GET", "/map", page_map, 0 },
	{ "GET", "/map/export", page_map_export, 0 },
	{ "POST", "/map/import", page_map_import, P_FORM | P_UPLOAD },
	{ "GET", "/map/fields/new", page_map_field_new, 0 },
	{ "POST", "/map/fields", page_map_field_add, P_FORM },
	{ "GET", "/map/fields/{id}", page_map_field, 0 },
	{ "POST", "/map/fields/{id}", page_map_field_edit, P_FORM },
	{ "GET", "/map/activities/new", page_map_activity_new, 0 },
	{ "POST", "/map/activities", page_map_activity_add, P_FORM },
	{ "GET", "/map/activities/{id}", page_map_activity, 0 },
	{ "POST", "/map/activities/{id}", page_map_activity_edit, P_FORM },
	{ "POST", "/map/activities/{id}/retention", page_map_retention_rule, P_FORM },
	{ "GET", "/map/recipients/new", page_map_recipient_new, 0 },
	{ "POST", "/map/recipients", page_map_recipient_add, P_FORM },
	{ "GET", "/map/recipients/{id}", page_map_recipient, 0 },
	{ "POST", "/map/recipients/{id}", page_map_recipient_edit, P_FORM },
	{ "GET", "/retention", page_retention, 0 },
	{ "POST", "/retention", page_retention_apply, P_FORM },
	{ "GET", "/backups", page_backups, 0 },
	{ "POST", "/backups", page_backup_create, P_FORM },
	{ "GET", "/plan", page_plan, 0 },
	{ "POST", "/plan/init", page_plan_init, P_FORM },
	{ "POST", "/plan/contact", page_plan_contact, P_FORM },
	{ "POST", "/plan/export", page_plan_export, P_FORM },
	{ "GET", "/plan/drill", page_plan_drill, 0 },
	{ "POST", "/plan/drill", page_plan_drill_record, P_FORM },
	{ "GET", "/business", page_business, 0 },
	{ "POST", "/business", page_business_set, P_FORM },
	{ "GET", "/users", page_users, 0 },
	{ "POST", "/users", page_user_add, P_FORM },
	{ "POST", "/users/role", page_user_role, P_FORM },
	{ "POST", "/users/invite", page_invite_create, P_FORM },
	{ "POST", "/users/remove", page_user_remove, P_FORM },
	{ "POST", "/users/totp/remove", page_user_totp_remove, P_FORM },
	{ "POST", "/invites/{id}/revoke", page_invite_revoke, P_FORM },
	{ "GET", "/join/{id}", page_join, P_PUBLIC },
	{ "POST", "/join/{id}", page_join_post, P_PUBLIC | P_FORM },
	{ "POST", "/roles", page_role_add, P_FORM },
	{ "POST", "/roles/change", page_role_change, P_FORM },
	{ "POST", "/roles/remove", page_role_remove, P_FORM },
	{ "GET", "/doctor", page_doctor, 0 },
	{ "POST", "/doctor", page_doctor_run, P_FORM },
	{ "GET", "/keys", page_keys, 0 },
	{ "POST", "/keys/recovery", page_keys_recovery, P_FORM },
	{ "POST", "/keys/rotate", page_keys_rotate, P_FORM },
	{ "GET", "/mail", page_mail, 0 },
	{ "POST", "/mail", page_mail_set, P_FORM },
	{ "POST", "/mail/test", page_mail_test, P_FORM },
	{ "GET", "/mail/outbox", page_outbox, 0 },
	{ "GET", "/tokens", page_tokens, 0 },
	{ "POST", "/tokens", page_token_create, P_FORM },
	{ "POST", "/tokens/{id}/revoke", page_token_revoke, P_FORM },
	{ "GET", "/account", page_account, 0 },
	{ "GET", "/account/totp", page_totp_new, 0 },
	{ "POST", "/account/totp", page_totp_confirm, P_FORM },
	{ "GET", "/account/passphrase", page_passphrase, 0 },
	{ "POST", "/account/passphrase", page_passphrase_change, P_FORM },
	{ "GET", "/attachments", page_attachments, 0 },
	{ "POST", "/attachments/{id}/download", page_attachment_download, P_FORM },
	{ "GET", "/attachments/{id}/remove", page_attachment_remove_ask, 0 },
	{ "POST", "/attachments/{id}/remove", page_attachment_remove, P_FORM },
	/* the client's self-service page (web_me.c: its own sessions and CSRF) */
	{ "GET", "/me", page_me, P_PUBLIC },
	{ "POST", "/me", page_me_ask, P_PUBLIC | P_FORM },
	{ "GET", "/me/link", page_me_link, P_PUBLIC },
	{ "POST", "/me/link", page_me_link_post, P_PUBLIC | P_FORM },
	{ "GET", "/me/home", page_me_home, P_PUBLIC },
	{ "POST", "/me/consent", page_me_consent, P_PUBLIC | P_FORM },
	{ "POST", "/me/request", page_me_request, P_PUBLIC | P_FORM },
	{ "POST", "/me/signout", page_me_signout, P_PUBLIC | P_FORM },
	{ "GET", "/inbox", page_inbox, 0 },
	{ "GET", "/inbox/{id}", page_inbox_item, 0 },
	{ "POST", "/inbox/{id}/reveal", page_inbox_reveal, P_FORM },
	{ "POST", "/inbox/{id}/accept", page_inbox_accept, P_FORM },
	{ "POST", "/inbox/{id}/reject", page_inbox_reject, P_FORM },
	{ "GET", "/intake-forms", page_intake_forms, 0 },
	{ "POST", "/intake-forms", page_intake_form_create, P_FORM },
	{ "POST", "/intake-forms/rotate-key", page_intake_rotate_key, P_FORM },
	{ "POST", "/intake-forms/{id}/settings", page_intake_form_settings, P_FORM },
	{ "POST", "/intake-forms/{id}/remove", page_intake_form_remove, P_FORM },
	{ "GET", "/intake/{id}", page_intake_form, P_PUBLIC },
	{ "POST", "/intake/{id}", page_intake_submit, P_PUBLIC | P_FORM | P_INTAKE },
	{ "GET", "/intake/{id}/thanks", page_intake_thanks, P_PUBLIC },
	{ "GET", "/intake/{id}/notice", page_intake_notice, P_PUBLIC },
	{ "GET", "/static/app.css", asset_css, P_PUBLIC | P_ASSET },
	{ "GET", "/static/app.js", asset_js, P_PUBLIC | P_ASSET },
};
#define NPAGES (sizeof pages / sizeof pages[0])

int web_owns(const char *url)
{
	return strcmp(url, "/api") != 0 && strncmp(url, "/api/", 5) != 0;
}

static int find_page(const char *url, const char *method, char *id, size_t idcap, char *allow, size_t acap)
{
	allow[0] = '\0';
	for (size_t i = 0; i < NPAGES; i++) {
		if (!route_match(pages[i].pattern, url, id, idcap))
			continue;
		if (strcmp(pages[i].method, method) == 0)
			return (int)i;
		if (!strstr(allow, pages[i].method)) {
			size_t n = strlen(allow);
			snprintf(allow + n, acap - n, "%s%s", n ? ", " : "", pages[i].method);
		}
	}
	return -1;
}

int web_has_body(const char *url, const char *method)
{
	char id[64], allow[32];
	int i;
	if (!web_owns(url))
		return 0;
	i = find_page(url, method, id, sizeof id, allow, sizeof allow);
	return i >= 0 && (pages[i].flags & P_FORM);
}

/* ---------------------------------------------------------------- helpers */

const char *web_form(page *p, const char *name)
{
	for (size_t i = 0; i < p->nf; i++)
		if (strcmp(p->fk[i], name) == 0)
			return p->fv[i];
	return NULL;
}

void web_text(page *p, const char *s)
{
	fort_html_escape_str(&p->out, s ? s : "");
}

void web_put(page *p, const char *fmt, ...)
{
	va_list ap;
	char small[1024];
	int n;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		fort_buf_put(&p->out, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		p->out.err = FORT_ENOMEM;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	fort_buf_put(&p->out, big, (size_t)n);
	free(big);
}

int web_confirms(const char *typed, const char *want, int nocase)
{
	size_t n;
	while (typed && isspace((unsigned char)*typed))
		typed++;
	if (!typed || !want)
		return 0;
	n = strlen(typed);
	while (n && isspace((unsigned char)typed[n - 1]))
		n--;
	return n && n == strlen(want) && (nocase ? strncasecmp(typed, want, n) : strncmp(typed, want, n)) == 0;
}

void web_csrf_field(page *p)
{
	web_put(p, "<input type=\"hidden\" name=\"csrf\" value=\"");
	web_text(p, p->csrf);
	web_put(p, "\">");
}

int web_redirect(page *p, const char *loc)
{
	snprintf(p->location, sizeof p->location, "%s", loc);
	p->status = MHD_HTTP_SEE_OTHER;
	return 0;
}

void web_problem(page *p, const char *msg)
{
	web_put(p, "<div class=\"problem\" role=\"alert\"><p>");
	web_text(p, msg && *msg ? msg : "the request failed");
	web_put(p, "</p></div>");
}

const char *web_lang(page *p, const char *fallback)
{
	const char *l = http_query(&p->req, "lang");
	if (!l)
		l = web_form(p, "lang");
	if (l && strcmp(i18n_lang(l), l) == 0)
		return i18n_lang(l);
	if (fallback && *fallback)
		return i18n_lang(fallback);
	return i18n_pick(MHD_lookup_connection_value(p->req.conn, MHD_HEADER_KIND, "Accept-Language"));
}

void web_languages(fort_buf *b, const page *p, const char *here)
{
	const char *cur = i18n_lang(p->lang);
	fort_buf_puts(b, "<nav aria-label=\"");
	fort_html_escape_str(b, i18n_text(cur, "me.language"));
	fort_buf_puts(b, "\"><ul class=\"languages\">");
	for (int i = 0; i18n_languages[i]; i++) {
		const char *l = i18n_languages[i];
		fort_buf_puts(b, "<li><a href=\"");
		fort_html_escape_str(b, here);
		fort_buf_printf(b, "?lang=%s\" lang=\"%s\" hreflang=\"%s\"%s>", l, l, l,
				strcmp(l, cur) == 0 ? " aria-current=\"true\"" : "");
		fort_html_escape_str(b, i18n_language_name(l));
		fort_buf_puts(b, "</a></li>");
	}
	fort_buf_puts(b, "</ul></nav>");
}

void web_file(page *p, const char *type, const char *name, unsigned char *data, size_t len)
{
	size_t i;
	if (p->file)
		fort_wipe_free(p->file);
	p->file = data;
	p->file_len = len;
	snprintf(p->file_type, sizeof p->file_type, "%s", type);
	snprintf(p->file_name, sizeof p->file_name, "%s", name);
	for (i = 0; p->file_name[i]; i++) {
		char c = p->file_name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'))
			p->file_name[i] = '_';
	}
}

/* Decode an application/x-www-form-urlencoded BODY in place (form.c).  0,
 * or <0 with a message naming the problem. */
static int parse_form(page *p, fort_buf *body)
{
	if (fort_buf_putc(body, '\0') < 0)
		return fort_error_set(FORT_EINPUT, "the form is too large: send less at once");
	body->len--;
	return form_decode(body->buf, p->fk, p->fv, WEB_MAX_FIELDS, &p->nf);
}

static int content_type_is(const char *ct, const char *want)
{
	size_t n = strlen(want);
	return ct && strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static int form_type(const char *ct)
{
	return content_type_is(ct, "application/x-www-form-urlencoded");
}

/* A file upload's body (multipart/form-data, libmicrohttpd's post
 * processor, form.c): its fields and its file into P->parts. */
static int parse_upload(page *p, fort_buf *body, size_t cap)
{
	fort_buf_init_secret(&p->parts, cap + 4096);
	return form_multipart(&p->parts, p->req.conn, body->buf, body->len, "file", p->fk, p->fv, WEB_MAX_FIELDS, &p->nf,
			      &p->upload, &p->upload_len);
}

/* ---------------------------------------------------------------- output */

static void nav_item(fort_buf *b, const page *p, const char *href, const char *key, const char *label)
{
	fort_buf_printf(b, "<li><a href=\"%s\"%s>%s</a></li>", href,
			p->nav && strcmp(p->nav, key) == 0 ? " aria-current=\"page\"" : "", label);
}

/* The whole document around P->out. */
static void layout(fort_buf *b, page *p, int signed_in)
{
	/* a visitor's page in their language (web_lang): its texts from the
	 * catalogues, with the language switcher */
	int visitor = p->public_page && p->lang;
	const char *lang = p->lang ? i18n_lang(p->lang) : "en";
	fort_buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
			   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
			   "<meta name=\"referrer\" content=\"no-referrer\"><title>",
			lang);
	fort_html_escape_str(b, p->title[0] ? p->title : "Fortress");
	fort_buf_puts(b, " - Fortress</title><link rel=\"stylesheet\" href=\"/static/app.css\">"
			 "<script src=\"/static/app.js\" defer></script></head>\n<body>"
			 "<a class=\"skip\" href=\"#main\">");
	fort_html_escape_str(b, visitor ? i18n_text(lang, "me.skip") : "Skip to the content");
	fort_buf_puts(b, "</a>");
	fort_buf_puts(b, p->public_page ? "<header class=\"top\"><p class=\"brand\">Fortress</p>"
					: "<header class=\"top\"><p class=\"brand\"><a href=\"/\">Fortress</a></p>");
	if (visitor && p->here[0])
		web_languages(b, p, p->here);
	if (signed_in) {
		fort_buf_puts(b, "<nav aria-label=\"Main\"><ul>");
		nav_item(b, p, "/", "dashboard", "Dashboard");
		nav_item(b, p, "/clients", "clients", "Clients");
		nav_item(b, p, "/requests", "requests", "Requests");
		nav_item(b, p, "/inbox", "inbox", "Inbox");
		nav_item(b, p, "/incidents", "incidents", "Incidents");
		nav_item(b, p, "/notice", "documents", "Notice");
		nav_item(b, p, "/map", "map", "Data map");
		nav_item(b, p, "/plan", "plan", "Plan");
		nav_item(b, p, "/retention", "retention", "Retention");
		nav_item(b, p, "/backups", "backups", "Backups");
		nav_item(b, p, "/users", "users", "Users");
		nav_item(b, p, "/doctor", "doctor", "Check-up");
		nav_item(b, p, "/audit", "audit", "Audit");
		nav_item(b, p, "/account", "account", "Account");
		fort_buf_puts(b, "</ul></nav><form class=\"signout\" method=\"post\" action=\"/signout\">"
				 "<input type=\"hidden\" name=\"csrf\" value=\"");
		fort_html_escape_str(b, p->csrf);
		fort_buf_puts(b, "\"><button type=\"submit\">Sign out ");
		fort_html_escape_str(b, p->req.user);
		fort_buf_puts(b, "</button></form>");
	}
	fort_buf_puts(b, "</header>\n<main id=\"main\"><h1>");
	fort_html_escape_str(b, p->title[0] ? p->title : "Fortress");
	fort_buf_puts(b, "</h1>\n");
	fort_buf_put(b, p->out.buf, p->out.len);
	fort_buf_puts(b, "</main>\n<footer><p>");
	fort_html_escape_str(b, visitor ? i18n_text(lang, "me.footer")
					: "Fortress keeps client data encrypted; every view and change is recorded in the audit log.");
	fort_buf_puts(b, "</p></footer></body></html>\n");
}

static const char *error_title(int status)
{
	switch (status) {
	case 400: return "Please check what you entered";
	case 401: return "Please sign in";
	case 403: return "Not allowed";
	case 404: return "Not found";
	case 405: return "Not possible here";
	case 409: return "Already there";
	case 413: return "Too much at once";
	case 415: return "Not a form this page takes";
	case 429: return "Too many attempts";
	case 503: return "Busy: try again in a moment";
	default: return "Something went wrong";
	}
}

/* Replace the page with the error STATUS saying MSG. */
static void error_page(page *p, int status, const char *msg)
{
	fort_buf_reset(&p->out);
	p->location[0] = '\0';
	p->whole = 0;
	p->status = status;
	snprintf(p->title, sizeof p->title, "%s", error_title(status));
	web_problem(p, msg);
	if (status == 401)
		web_put(p, "<p><a href=\"/signin\">Go to the sign-in page</a></p>");
	else if (p->req.user[0])
		web_put(p, "<p><a href=\"/\">Back to the dashboard</a></p>");
}

static int send_body(server *s, struct MHD_Connection *conn, int status, const char *type, const void *data, size_t len,
		int copy, const page *p, const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	if (copy)
		resp = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT);
	else
		resp = MHD_create_response_from_buffer_with_free_callback(len, (void *)data, fort_wipe_free);
	if (!resp) {
		if (!copy)
			fort_wipe_free((void *)data);
		return 0;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	http_security_headers(s, resp, p && p->csp[0] ? p->csp : PAGE_CSP);
	if (p) {
		for (int i = 0; i < 2; i++)
			if (p->cookies[i][0])
				MHD_add_response_header(resp, "Set-Cookie", p->cookies[i]);
		if (p->location[0])
			MHD_add_response_header(resp, "Location", p->location);
		if (p->retry_after > 0) {
			char ra[24];
			snprintf(ra, sizeof ra, "%d", p->retry_after);
			MHD_add_response_header(resp, "Retry-After", ra);
		}
	}
	if (allow)
		MHD_add_response_header(resp, "Allow", allow);
	ret = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret == MHD_YES;
}

static int send_file(page *p)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char disp[160];
	resp = MHD_create_response_from_buffer_with_free_callback(p->file_len, p->file, fort_wipe_free);
	if (!resp)
		return 0;
	p->file = NULL; /* the response owns it now */
	MHD_add_response_header(resp, "Content-Type", p->file_type);
	snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", p->file_name);
	MHD_add_response_header(resp, "Content-Disposition", disp);
	http_security_headers(p->req.srv, resp, PAGE_CSP);
	ret = MHD_queue_response(p->req.conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret == MHD_YES;
}

static int send_page(page *p, int signed_in, const char *allow)
{
	fort_buf b;
	char *text;
	size_t len;
	int status = p->status ? p->status : MHD_HTTP_OK;
	if (p->file && !p->location[0] && status == MHD_HTTP_OK)
		return send_file(p);
	fort_buf_init_secret(&b, PAGE_MAX);
	if (!p->location[0] && p->whole)
		fort_buf_put(&b, p->out.buf, p->out.len);
	else if (!p->location[0])
		layout(&b, p, signed_in);
	if (fort_buf_error(&b) < 0 || fort_buf_error(&p->out) < 0) {
		fort_buf_release(&b);
		fort_buf_reset(&p->out);
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		fort_buf_init_secret(&b, PAGE_MAX);
		fort_buf_puts(&b, "<!DOCTYPE html><html lang=\"en\"><head><title>Error - Fortress</title></head><body><main>"
				  "<h1>Something went wrong</h1><p>The page was too large or memory ran out: try again.</p>"
				  "</main></body></html>");
	}
	text = fort_buf_detach(&b, &len);
	if (!text)
		return 0;
	return send_body(p->req.srv, p->req.conn, status, "text/html; charset=utf-8", text, len, 0, p, allow);
}

/* ---------------------------------------------------------------- assets */

static int asset_css(page *p)
{
	return send_body(p->req.srv, p->req.conn, MHD_HTTP_OK, "text/css; charset=utf-8", server_web_css, server_web_css_len, 1,
		    NULL, NULL) ? 1 : -1;
}

static int asset_js(page *p)
{
	return send_body(p->req.srv, p->req.conn, MHD_HTTP_OK, "text/javascript; charset=utf-8", server_web_js,
		    server_web_js_len, 1, NULL, NULL) ? 1 : -1;
}

/* ---------------------------------------------------------------- sign-in */

void web_form_token(page *p, const char *cookie, const char *path, char tok[FORT_SESSION_TOKEN_LEN + 1])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(tok, FORT_SESSION_TOKEN_LEN + 1, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	snprintf(p->cookies[1], sizeof p->cookies[1], "%s=%s; Path=%s; HttpOnly; SameSite=Strict%s", cookie, tok, path,
		 p->req.srv->secure_cookie ? "; Secure" : "");
}

int web_form_token_ok(page *p, const char *cookie, const char *field)
{
	const char *tok = web_form(p, field);
	const char *c = MHD_lookup_connection_value(p->req.conn, MHD_COOKIE_KIND, cookie);
	return tok && c && strlen(tok) == FORT_SESSION_TOKEN_LEN && strlen(c) == FORT_SESSION_TOKEN_LEN &&
	       sodium_memcmp(tok, c, FORT_SESSION_TOKEN_LEN) == 0;
}

static void new_signin_token(page *p, char tok[FORT_SESSION_TOKEN_LEN + 1])
{
	web_form_token(p, SIGNIN_COOKIE, "/signin", tok);
}

static void signin_form(page *p, const char *user, const char *problem)
{
	char tok[FORT_SESSION_TOKEN_LEN + 1];
	new_signin_token(p, tok);
	snprintf(p->title, sizeof p->title, "Sign in");
	if (problem)
		web_problem(p, problem);
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/signin\">"
		   "<input type=\"hidden\" name=\"signin_token\" value=\"%s\">"
		   "<p><label for=\"user\">Your name</label>"
		   "<input id=\"user\" name=\"user\" type=\"text\" autocomplete=\"username\" required autofocus value=\"",
		tok);
	web_text(p, user ? user : "");
	web_put(p, "\"></p><p><label for=\"passphrase\">Passphrase</label>"
		   "<input id=\"passphrase\" name=\"passphrase\" type=\"password\" autocomplete=\"current-password\" required>"
		   "<button type=\"button\" class=\"secondary\" data-toggle-password=\"passphrase\" hidden>Show</button></p>"
		   "<p><label for=\"code\">Code from your authenticator app</label>"
		   "<input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\" required "
		   "aria-describedby=\"code-help\"></p><p id=\"code-help\" class=\"help\">Six digits, or one of your recovery codes "
		   "if you lost your phone.</p><p><button type=\"submit\">Sign in</button></p></form>");
	sodium_memzero(tok, sizeof tok);
}

static int page_signin(page *p)
{
	signin_form(p, NULL, NULL);
	return 0;
}

static int page_signin_post(page *p)
{
	fort_signin_opts so = FORT_SIGNIN_OPTS_INIT;
	fort_secret *pass = NULL, *key = NULL;
	const char *user = web_form(p, "user"), *pw = web_form(p, "passphrase"), *code = web_form(p, "code");
	char sid[FORT_SESSION_TOKEN_LEN + 1], csrf[FORT_SESSION_TOKEN_LEN + 1];
	int r, retry = 0;

	/* the form must come from our sign-in page in this browser */
	if (!web_form_token_ok(p, SIGNIN_COOKIE, "signin_token")) {
		p->status = MHD_HTTP_FORBIDDEN;
		signin_form(p, NULL, "This sign-in form has expired or did not come from this page: enter your details again.");
		return 0;
	}
	if (!user || !*user || !pw || !*pw || !code || !*code) {
		p->status = MHD_HTTP_BAD_REQUEST;
		signin_form(p, user, "Enter your name, your passphrase and the code from your authenticator app.");
		return 0;
	}
	if ((r = fort_secret_new(&pass, pw, strlen(pw))) < 0)
		return r;
	so.address = p->req.address;
	pthread_mutex_lock(p->req.srv->signin_lock);
	r = fort_signin(&key, &retry, p->req.srv->vault_path, user, pass, code, &so);
	pthread_mutex_unlock(p->req.srv->signin_lock);
	fort_secret_free(pass);
	if (r < 0) {
		p->status = r == FORT_EDENIED && retry > 0 ? 429 : http_status_of(r);
		p->retry_after = retry;
		signin_form(p, user, fort_error_message());
		return 0;
	}
	/* a new session id at every sign-in; the one the browser came with ends */
	if (p->req.session_id)
		(void)fort_session_end(p->req.srv->sessions, p->req.session_id);
	if ((r = fort_session_start(sid, csrf, p->req.srv->sessions, user, key)) < 0)
		return r;
	snprintf(p->cookies[0], sizeof p->cookies[0], COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict%s", sid,
		 p->req.srv->secure_cookie ? "; Secure" : "");
	snprintf(p->cookies[1], sizeof p->cookies[1], SIGNIN_COOKIE "=; Path=/signin; HttpOnly; SameSite=Strict; Max-Age=0%s",
		 p->req.srv->secure_cookie ? "; Secure" : "");
	sodium_memzero(sid, sizeof sid);
	sodium_memzero(csrf, sizeof csrf);
	return web_redirect(p, "/");
}

int page_signout(page *p)
{
	int r;
	if ((r = fort_signout(p->req.v, "signed out")) < 0)
		return r;
	(void)fort_session_end(p->req.srv->sessions, p->req.session_id);
	snprintf(p->cookies[0], sizeof p->cookies[0], COOKIE_NAME "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
		 p->req.srv->secure_cookie ? "; Secure" : "");
	return web_redirect(p, "/signin");
}

/* ---------------------------------------------------------------- the pipeline */

/* A refusal of a signed-in person's request: audited in their name (fail
 * closed), then the error page. */
static void refuse(page *p, int status, const char *why)
{
	if (p->req.v && fort_audit_refusal(p->req.v, "http", why) < 0) {
		error_page(p, MHD_HTTP_INTERNAL_SERVER_ERROR, fort_error_message());
		return;
	}
	error_page(p, status, why);
}

int web_request(server *s, void *conn, const char *url, const char *method, fort_buf *body, int too_big)
{
	page p;
	const page_route *rt;
	char allow[32], addr[64];
	struct timespec t0;
	int idx, r, ok, signed_in = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&p, 0, sizeof p);
	fort_buf_init_secret(&p.out, PAGE_MAX);
	p.req.srv = s;
	p.req.conn = conn;
	p.req.method = method;
	http_client_address(addr, sizeof addr, conn);
	p.req.address = addr;
	p.req.session_id = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, COOKIE_NAME);

	idx = find_page(url, strcmp(method, "HEAD") == 0 ? "GET" : method, p.req.id, sizeof p.req.id, allow, sizeof allow);
	if (idx < 0) {
		int st = allow[0] ? MHD_HTTP_METHOD_NOT_ALLOWED : MHD_HTTP_NOT_FOUND;
		error_page(&p, st, st == MHD_HTTP_NOT_FOUND ? "There is no such page: use the menu, or start from the dashboard."
							    : "This page cannot be used that way: follow the links and buttons.");
		if (st == MHD_HTTP_NOT_FOUND)
			web_put(&p, "<p><a href=\"/\">Go to the dashboard</a></p>");
		http_log_line(s, method, st == MHD_HTTP_NOT_FOUND ? "(unknown page)" : "(method)", st, &t0);
		ok = send_page(&p, 0, st == MHD_HTTP_METHOD_NOT_ALLOWED ? allow : NULL);
		goto done;
	}
	rt = &pages[idx];
	if (rt->flags & P_ASSET) {
		ok = rt->fn(&p) > 0;
		http_log_line(s, method, rt->pattern, MHD_HTTP_OK, &t0);
		goto done;
	}
	if (!(rt->flags & P_PUBLIC)) {
		/* the session's own vault handle, as the API's requests borrow it
		 * (one request of a session at a time; given back at the end) */
		if (fort_session_acquire(&p.req.v, p.req.user, s->sessions, p.req.session_id, s->vault_path) < 0 ||
		    fort_session_csrf(p.csrf, s->sessions, p.req.session_id) < 0) {
			if (strcmp(rt->method, "GET") == 0)
				web_redirect(&p, "/signin");
			else
				error_page(&p, MHD_HTTP_UNAUTHORIZED, fort_error_message());
			goto answer;
		}
		signed_in = 1;
	}
	if (rt->flags & P_FORM) {
		const char *csrf, *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
		int upload = (rt->flags & P_UPLOAD) && content_type_is(ct, "multipart/form-data");
		if (!upload && !form_type(ct)) {
			r = MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
			refuse(&p, r, rt->flags & P_UPLOAD ? "this page takes a file upload (multipart/form-data) or a form: use the "
							     "page's own form"
							   : "this page takes a form (application/x-www-form-urlencoded): use the page's own form");
			goto answer;
		}
		if ((rt->flags & P_INTAKE) && body->len > FORT_INTAKE_MAX)
			too_big = 1;
		if (too_big || (upload ? parse_upload(&p, body, s->max_body) : parse_form(&p, body)) < 0) {
			char why[200];
			if (too_big && (rt->flags & P_UPLOAD))
				snprintf(why, sizeof why, "the file is larger than %zu KiB, the most this server takes at once: split it "
					 "into smaller files and upload them one after the other", s->max_body / 1024);
			else if (too_big)
				snprintf(why, sizeof why, "the form is larger than %zu bytes: send less at once",
					 (rt->flags & P_INTAKE) && s->max_body > FORT_INTAKE_MAX ? (size_t)FORT_INTAKE_MAX : s->max_body);
			else
				snprintf(why, sizeof why, "%s", fort_error_message());
			refuse(&p, too_big ? MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_BAD_REQUEST, why);
			goto answer;
		}
		if (!(rt->flags & P_PUBLIC)) {
			csrf = web_form(&p, "csrf");
			if (fort_session_get(NULL, NULL, s->sessions, p.req.session_id, csrf ? csrf : "") < 0) {
				refuse(&p, MHD_HTTP_FORBIDDEN,
				       csrf ? "this form's security token is wrong or out of date (another sign-in since?): "
					      "go back, reload the page and send the form again"
					    : "this form has no security token, so it did not come from Fortress's own page: "
					      "open the page in Fortress and send the form from there");
				goto answer;
			}
		}
	}
	r = rt->fn(&p);
	if (r < 0) {
		int st = http_status_of(r);
		const char *msg = fort_error_message();
		error_page(&p, st, msg && *msg ? msg : "the request failed");
	}
answer:
	/* the page leaves only once its pending audit entries (a search's
	 * summary, a refusal's) are durable: if they cannot be written, an
	 * error page instead, nothing of what was read (before, the failure
	 * was only logged by http_give_back, after the page was queued) */
	if (p.req.v && fort_vault_flush(p.req.v) < 0) {
		int code = fort_error_code();
		fprintf(stderr, "fortress serve: writing the audit entries of a request failed: %s\n", fort_error_message());
		error_page(&p, code == FORT_EBUSY ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_INTERNAL_SERVER_ERROR,
			   fort_error_message());
	}
	ok = send_page(&p, signed_in && p.status != MHD_HTTP_UNAUTHORIZED, NULL);
	http_log_line(s, method, rt->pattern, p.status ? p.status : MHD_HTTP_OK, &t0);
done:
	http_give_back(&p.req);
	fort_buf_release(&p.out);
	fort_buf_release(&p.parts);
	if (p.file)
		fort_wipe_free(p.file);
	sodium_memzero(p.csrf, sizeof p.csrf);
	sodium_memzero(p.cookies, sizeof p.cookies);
	return ok;
}
