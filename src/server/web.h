/* web.h - the web app's pages (issue 17 item 5): what web.c (the pipeline)
 * hands a page function and the helpers it renders with.  A page reads its
 * form, makes one library call and writes HTML into P->out; every text
 * from the vault or the request goes through web_text (fort_html_escape). */
#ifndef FORT_SERVER_WEB_H
#define FORT_SERVER_WEB_H

#include "server/server.h"

#define WEB_MAX_FIELDS 64

typedef struct {
	request req;               /* srv, conn, method, id, user, v, session_id, address */
	fort_buf out;              /* the page's content (inside <main>); wiped: may hold a revealed value */
	char title[128];
	char csrf[FORT_SESSION_TOKEN_LEN + 1]; /* the session's token, for the forms */
	const char *fk[WEB_MAX_FIELDS], *fv[WEB_MAX_FIELDS]; /* the form, decoded in place */
	size_t nf;
	char location[256];        /* a redirect (303) when set */
	char cookies[2][256];      /* Set-Cookie headers */
	int status;                /* 0: 200 */
	int retry_after;
	const char *nav;           /* the menu entry to mark as current */
	unsigned char *file;       /* a download instead of a page (web_file): owned, wiped when sent */
	size_t file_len;
	char file_type[64], file_name[96];
	const char *lang;          /* a client-facing page's language (web_me.c) */
	int whole;                 /* OUT is the whole document (web_me.c's own layout, the published notice): sent without the app's layout */
	char csp[1400];            /* "" : the app's policy (PAGE_CSP); else this page's (an intake form's frame-ancestors) */
	int public_page;           /* a page for visitors (the intake form): no link into the app; with LANG set,
	                              in that language with the language switcher (linking to HERE) */
	char here[160];            /* a client-facing page's own path, for the language switcher's links */
	fort_buf parts;            /* a file upload's form (multipart/form-data), decoded: the fields and the file; wiped */
	const unsigned char *upload; /* the uploaded file (field "file"), inside PARTS; NULL when none was sent */
	size_t upload_len;
} page;

typedef int (*page_fn)(page *p);

/* The value of form field NAME (NULL if absent). */
const char *web_form(page *p, const char *name);
/* Escaped text. */
void web_text(page *p, const char *s);
/* printf into the page: only for numbers and fixed markup, never for text
 * from the vault or the request (use web_text). */
void web_put(page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Does TYPED (a confirmation typed into a form; spaces around it allowed)
 * name WANT exactly (NOCASE: in any case)? */
int web_confirms(const char *typed, const char *want, int nocase);
/* The hidden CSRF field of a form. */
void web_csrf_field(page *p);
/* Answer with a redirect (303 See Other) to LOC, a path of ours. */
int web_redirect(page *p, const char *loc);
/* A box saying what went wrong and what to do (the library's message). */
void web_problem(page *p, const char *msg);
/* A public form's own token (no session yet: the sign-in and join pages):
 * a new one into TOK, also set as cookie COOKIE (SameSite=Strict) for PATH,
 * so another site cannot post the form (login CSRF).  web_form_token_ok:
 * 1 if the form's FIELD matches the cookie (constant time). */
void web_form_token(page *p, const char *cookie, const char *path, char tok[FORT_SESSION_TOKEN_LEN + 1]);
int web_form_token_ok(page *p, const char *cookie, const char *field);
/* The QR code of TEXT as inline SVG (web_account.c), LABEL its name. */
int web_qr_svg(page *p, const char *text);
/* The language of a client-facing page (src/data/i18n.h): ?lang=, the
 * form's lang field, then FALLBACK (a session's choice; NULL or "": none),
 * then the browser's Accept-Language. */
const char *web_lang(page *p, const char *fallback);
/* A client-facing page's language switcher into B: one link per language
 * to HERE?lang=L, named in its own language, P->lang marked current. */
void web_languages(fort_buf *b, const page *p, const char *here);
/* Answer with a download instead of a page: DATA (LEN bytes, malloc'ed,
 * taken over: wiped and freed once sent) as TYPE, saved as NAME (letters,
 * digits, '.', '-' and '_'); Cache-Control: no-store as every response. */
void web_file(page *p, const char *type, const char *name, unsigned char *data, size_t len);

/* web_pages.c */
int page_dashboard(page *p);
int page_clients(page *p);
int page_clients_find(page *p);
int page_client_new(page *p);
int page_client_add(page *p);
int page_client(page *p);
int page_client_reveal(page *p);
int page_requests(page *p);
int page_audit(page *p);
int page_signout(page *p);
/* web_account.c */
int page_account(page *p);
int page_totp_new(page *p);
int page_totp_confirm(page *p);
/* web_requests.c */
int page_request_new(page *p);
int page_request_open(page *p);
int page_request(page *p);
int page_request_identity(page *p);
int page_request_step(page *p);
int page_request_package(page *p);
int page_request_certificate(page *p);
/* web_incidents.c */
int page_incidents(page *p);
int page_incident_new(page *p);
int page_incident_open(page *p);
int page_incident(page *p);
int page_incident_note(page *p);
int page_incident_scope(page *p);
int page_incident_impact(page *p);
int page_incident_letters(page *p);
int page_incident_notify(page *p);
int page_incident_notified(page *p);
int page_incident_assess(page *p);
int page_incident_decide(page *p);
int page_incident_close(page *p);
int page_incident_review(page *p);
int page_incident_review_post(page *p);
int page_incident_action_add(page *p);
int page_action_done(page *p);
/* web_clients.c */
int page_client_edit(page *p);
int page_client_update(page *p);
int page_client_erase_ask(page *p);
int page_client_erase(page *p);
int page_client_consent(page *p);
int page_client_consent_record(page *p);
/* web_documents.c */
int page_notice(page *p);
int page_notice_publish(page *p);
int page_records(page *p);
int page_retention(page *p);
int page_retention_apply(page *p);
int page_backups(page *p);
int page_backup_create(page *p);
int page_business(page *p);
int page_business_set(page *p);
/* web_import.c */
int page_import(page *p);
int page_import_post(page *p);
int page_import_upload(page *p);
int page_export(page *p);
int page_export_post(page *p);
/* web_plan.c */
int page_plan(page *p);
int page_plan_init(page *p);
int page_plan_contact(page *p);
int page_plan_export(page *p);
int page_plan_drill(page *p);
int page_plan_drill_record(page *p);
/* web_team.c */
int page_users(page *p);
int page_user_add(page *p);
int page_role_add(page *p);
int page_role_change(page *p);
int page_user_role(page *p);
/* web_join.c: invitations (users page) and joining by one */
int page_invite_create(page *p);
int page_invite_revoke(page *p);
int page_join(page *p);
int page_join_post(page *p);
void web_invites(page *p);
/* web_doctor.c */
int page_doctor(page *p);
int page_doctor_run(page *p);
/* web_keys.c */
int page_keys(page *p);
int page_keys_recovery(page *p);
int page_keys_rotate(page *p);
/* web_mail.c */
int page_mail(page *p);
int page_mail_set(page *p);
int page_mail_test(page *p);
/* web_admin.c: your passphrase; removing users, second factors, roles;
 * attachments; the consent ledger's check; the request policy; the outbox */
int page_passphrase(page *p);
int page_passphrase_change(page *p);
int page_user_remove(page *p);
int page_user_totp_remove(page *p);
int page_role_remove(page *p);
void web_user_removal_forms(page *p, const fort_user_info *u, size_t nu, const fort_role_info *ro, size_t nr);
int page_attachments(page *p);
int page_attachment_download(page *p);
int page_attachment_remove_ask(page *p);
int page_attachment_remove(page *p);
int page_consent_verify(page *p);
int page_request_policy(page *p);
int page_request_policy_set(page *p);
int page_outbox(page *p);
/* web_intake_forms.c: making and changing intake forms, the intake key */
int page_intake_forms(page *p);
int page_intake_form_create(page *p);
int page_intake_form_settings(page *p);
int page_intake_form_remove(page *p);
int page_intake_rotate_key(page *p);
/* web_map.c: the data map (fields, activities, recipients, retention rules) */
int page_map(page *p);
int page_map_export(page *p);
int page_map_import(page *p);
int page_map_field_new(page *p);
int page_map_field_add(page *p);
int page_map_field(page *p);
int page_map_field_edit(page *p);
int page_map_activity_new(page *p);
int page_map_activity_add(page *p);
int page_map_activity(page *p);
int page_map_activity_edit(page *p);
int page_map_retention_rule(page *p);
int page_map_recipient_new(page *p);
int page_map_recipient_add(page *p);
int page_map_recipient(page *p);
int page_map_recipient_edit(page *p);
/* web_tokens.c */
int page_tokens(page *p);
int page_token_create(page *p);
int page_token_revoke(page *p);

/* web_me.c: the client's self-service page (public rows; its own
 * sessions and CSRF) */
int page_me(page *p);
int page_me_ask(page *p);
int page_me_link(page *p);
int page_me_link_post(page *p);
int page_me_home(page *p);
int page_me_consent(page *p);
int page_me_request(page *p);
int page_me_signout(page *p);
/* web_intake.c: the public intake form and its review */
int page_intake_form(page *p);
int page_intake_submit(page *p);
int page_intake_thanks(page *p);
int page_intake_notice(page *p);
int page_inbox(page *p);
int page_inbox_item(page *p);
int page_inbox_reveal(page *p);
int page_inbox_accept(page *p);
int page_inbox_reject(page *p);

/* web/app.css and web/app.js, embedded at build time */
extern const unsigned char server_web_css[];
extern const size_t server_web_css_len;
extern const unsigned char server_web_js[];
extern const size_t server_web_js_len;

#endif
