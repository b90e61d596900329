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
	char csp[1400];            /* "" : the app's policy (PAGE_CSP); else this page's (an intake form's frame-ancestors) */
	int public_page;           /* a page for visitors (the intake form): no link into the app */
	int raw;                   /* OUT is a whole document (the published notice): sent without the layout */
} page;

typedef int (*page_fn)(page *p);

/* The value of form field NAME (NULL if absent). */
const char *web_form(page *p, const char *name);
/* Escaped text. */
void web_text(page *p, const char *s);
/* printf into the page: only for numbers and fixed markup, never for text
 * from the vault or the request (use web_text). */
void web_put(page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The hidden CSRF field of a form. */
void web_csrf_field(page *p);
/* Answer with a redirect (303 See Other) to LOC, a path of ours. */
int web_redirect(page *p, const char *loc);
/* A box saying what went wrong and what to do (the library's message). */
void web_problem(page *p, const char *msg);

/* web_pages.c */
int page_dashboard(page *p);
int page_clients(page *p);
int page_clients_find(page *p);
int page_client_new(page *p);
int page_client_add(page *p);
int page_client(page *p);
int page_client_reveal(page *p);
int page_requests(page *p);
int page_incidents(page *p);
int page_audit(page *p);
int page_account(page *p);
int page_signout(page *p);
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
