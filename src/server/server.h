/* server.h - `fortress serve`: the HTTP front over the library.
 *
 * http.c     the libmicrohttpd daemon, the route table, the checks every
 *            request goes through once (route, method, session, CSRF,
 *            content type, size, JSON), the security headers, shutdown
 * auth.c     sign-in and sign-out (POST/DELETE /api/session), sessions
 *            (a program authenticates with "Authorization: Bearer TOKEN"
 *            instead: http.c's auth step, fort_token_acquire)
 * api_*.c    one handler per route: parse, one library call, render
 *            (clients, consent, vault; requests, data: edit, erase, export,
 *            retention; incidents, plan, drills; admin: notice, records,
 *            doctor, backups, import; manage: attachments, users, roles,
 *            intake forms, the request policy, the outbox; page: what
 *            they share).  A handler
 *            answers JSON (REQ->out) or a download (REQ->file, REQ->file_fd)
 * route.c    matching a path against the table's patterns
 * form.c     decoding a form body (application/x-www-form-urlencoded)
 * web.c      the web app's pipeline (every path outside /api/): its own
 *            page table, session, CSRF in a form field, HTML responses
 *            under a strict CSP, the static assets (web/)
 * web_*.c    one function per page: read the form, one library call,
 *            render HTML (escaped with fort_html_escape)
 *
 * Like the CLI, the server holds no keys of its own: a session holds the
 * signed-in person's keys and one vault handle opened with them at sign-in
 * (fort_sessions), lent to one request of the session at a time and
 * refreshed when the file changed (fort_session_acquire), so the library
 * enforces role, purpose and consent exactly as for that person at a
 * terminal, and sees what other sessions and the CLI change. */
#ifndef FORT_SERVER_H
#define FORT_SERVER_H

#include <stdatomic.h>
#include <stddef.h>
#include <jansson.h>
#include "fortress.h"
#include "util.h"

typedef struct {
	const char *vault_path;
	const char *listen;          /* "127.0.0.1:8710", "[::1]:0" */
	const char *tls_cert, *tls_key;
	int insecure_lan;
	unsigned idle_timeout, absolute_timeout; /* seconds; 0: defaults */
	unsigned threads;            /* a pool of N (SERVER_DEFAULT_THREADS); 0: a thread per connection */
	unsigned client_timeout;     /* seconds a connection may stay silent; 0: 30 */
	unsigned stop_timeout;       /* seconds a stop waits for requests in progress; 0: 30 */
	size_t max_body;             /* 0: 1 MiB */
	int quiet;                   /* no request log */
	const char *port_file;       /* write the bound port there (tests, port 0) */
	/* the client's self-service page (/me, web_me.c): its keyholder, the
	 * address clients reach the server at, request kinds that need a
	 * second identity step; no ME_USER: the page says it is not set up */
	const char *me_user, *me_pass_file, *public_url, *me_second_step;
} server_opts;

/* `fortress serve`'s pool: its threads never wait for a commit on the hot
 * routes (a held answer, http.c), so as many as the fixed-body benchmark's */
#define SERVER_DEFAULT_THREADS 4

/* Run until SIGTERM or SIGINT.  Returns a FORT_E* code (0 on a clean
 * stop); the message is set. */
int server_run(const server_opts *o);

/* ---------------------------------------------------------------- inside */

typedef struct server server;

/* One request as the handlers see it. */
typedef struct {
	server *srv;
	void *conn;                 /* struct MHD_Connection */
	const char *method;
	char id[64];                /* the {id} segment of the route, "" if none */
	char user[128];             /* the signed-in person ("" on public routes) */
	fort_vault *v;              /* the session's handle, borrowed for this request (NULL on public routes) */
	json_t *body;               /* the parsed JSON body, NULL without one */
	const char *session_id;     /* the cookie, NULL if none */
	int bearer;                 /* authenticated by a program's token (Authorization: Bearer), not a cookie */
	const char *address;        /* the client's address */
	/* the response */
	int status;
	json_t *out;                /* the JSON to send (owned) */
	/* or, when OUT is NULL, the JSON already written (owned: wiped and
	 * freed once sent; api_clients.c's hot routes) */
	char *text;
	size_t text_len;
	/* or a file to send (a package, a certificate, an export): owned,
	 * wiped and freed once sent; FILE_NAME for Content-Disposition */
	unsigned char *file;
	size_t file_len;
	const char *file_type;
	char file_name[96];
	int file_fd;                /* > 0: send FILE_LEN bytes of this file instead (taken over, closed) */
	char set_cookie[256];
	int retry_after;
	/* a server that suspends a connection while its answer waits for its
	 * audit entry's commit (http.c, the pool of threads): non-NULL, and a
	 * handler may read a record with http_client_get_held */
	void *hold;
} request;

/* A handler returns 0 with REQ->out (and REQ->status, default 200) set, or
 * a negative FORT_E* code with the library's message set: the error
 * response is made from it. */
typedef int (*route_fn)(request *req);

enum {
	R_PUBLIC = 1 << 0,   /* no session needed */
	R_BODY = 1 << 1,     /* a JSON body is required */
};

typedef struct {
	const char *method;
	const char *pattern;        /* "/api/clients/{id}/reveal" */
	route_fn fn;
	unsigned flags;
} route;

/* http.c: the masked read of REQ->id through fort_client_get_async: the
 * connection is suspended until the record's audit entry has committed,
 * then api_record_answer renders it (on a pool thread); a failed entry
 * gives an error answer, never the record.  0 or a FORT_E* code. */
int http_client_get_held(request *req);
/* api_clients.c: REC (taken over, freed) as REQ's answer. */
void api_record_answer(request *req, fort_record *rec);

/* route.c: does PATH match PATTERN?  1 with ID (an {id} segment: letters,
 * digits, '-' and '_', at most IDCAP-1) set, else 0. */
int route_match(const char *pattern, const char *path, char *id, size_t idcap);
/* form.c: decode an application/x-www-form-urlencoded S in place ('+' is a
 * space, %XX a byte, libmicrohttpd's unescaping): KEYS[i] and VALS[i] point
 * into S (a pair without '=' has the value "").  At most MAX pairs:
 * FORT_EINPUT beyond.  *N: how many. */
int form_decode(char *s, const char **keys, const char **vals, size_t max, size_t *n);
/* form.c: decode a multipart/form-data BODY (LEN bytes) of CONN (an
 * MHD_Connection: its Content-Type names the boundary) with libmicrohttpd's
 * post processor into OUT (a buffer with a cap; wiped by the caller): the
 * text fields as KEYS/VALS (at most MAX, FORT_EINPUT beyond), and the one
 * file part, which must be named FILE_FIELD, as *FILE and *FILE_LEN (NULL and 0
 * without one); all pointing into OUT.  FORT_EINPUT for a malformed body,
 * a second file or one under another name. */
#define FORM_MAX_PARTS 64
int form_multipart(fort_buf *out, void *conn, const char *body, size_t len, const char *file_field, const char **keys,
		   const char **vals, size_t max, size_t *n, const unsigned char **file, size_t *file_len);
/* The route table (http.c) and its size. */
extern const route server_routes[];
extern const size_t server_nroutes;

/* Shared state of the running server. */
struct server {
	const char *vault_path;
	fort_sessions *sessions;
	int tls, secure_cookie;
	size_t max_body;
	int quiet;
	int hold;                   /* answers held, suspended, until their entries are durable (a pool of threads) */
	unsigned idle_timeout, absolute_timeout;
	atomic_int inflight;
	/* held answers (http.c): the library's callbacks still to come, and
	 * the stop refusing new holds (held_mu guards it and the list) */
	atomic_int callbacks;
	int stopping;
	void *held_mu;              /* pthread_mutex_t */
	struct conn_ctx *held;      /* the requests a callback is to come for */
	void *signin_lock;          /* pthread_mutex_t: one Argon2id at a time */
	void *me;                   /* the self-service page's state (web_me.c) */
};

/* http.c: give a signed-in request's session handle back (fort_session_release,
 * after fort_vault_flush audits what is pending); a request without one: nothing. */
void http_give_back(request *req);
/* http.c: an error body {"error":{"code","message"}} for CODE and MSG. */
json_t *http_error_json(int code, const char *msg);
/* The HTTP status of a FORT_E* code. */
int http_status_of(int code);
/* The security headers on RESPONSE (struct MHD_Response); CSP NULL: the
 * API's policy. */
void http_security_headers(server *s, void *response, const char *csp);
/* The request log line (method, the route's pattern, status, time). */
struct timespec;
void http_log_line(server *s, const char *method, const char *pattern, int status, struct timespec *t0);
/* The client's address of CONNECTION (struct MHD_Connection) as text. */
void http_client_address(char *out, size_t cap, void *connection);
/* The header VALUE of NAME in the request (NULL if none). */
const char *http_header(request *req, const char *name);
const char *http_query(request *req, const char *name);
/* The first query argument's name and value other than those in SKIP (NULL-terminated). */
int http_query_other(request *req, const char *const *skip, const char **name, const char **value);
/* S (a route's or form's id) as a positive number in OUT; otherwise CODE
 * (FORT_ENOTFOUND, FORT_EINPUT) with "'S' is not WHAT number: HINT" (WHAT
 * "a request", HINT where the numbers are listed).  The one parser of ids
 * for the API's routes and the web pages. */
int http_id_number(int64_t *out, const char *s, int code, const char *what, const char *hint);

/* api_page.c: what the handlers share.  ?limit= (1..API_PAGE_MAX, default
 * API_PAGE_DEFAULT); the route's {id} as a positive number (FORT_EINPUT
 * naming it and the list route); a body with only the fields KNOWN
 * (NULL-terminated; FORT_EINPUT naming the first other one and WHAT takes);
 * a string field (FORT_EINPUT if not a string, or absent/empty and
 * REQUIRED); a boolean field (DFLT when absent); ?NAME=true|false|1|0. */
#define API_PAGE_DEFAULT 50
#define API_PAGE_MAX 500
int api_page_limit(request *req, size_t *limit);
int api_id_number(request *req, int64_t *out, const char *what, const char *list_route);
int api_body_check(request *req, const char *const *known, const char *what);
int api_body_str(request *req, const char *name, const char **out, int required);
int api_body_bool(request *req, const char *name, int *out, int dflt);
int api_query_bool(request *req, const char *name, int *out);

/* auth.c */
int api_session_create(request *req);
int api_session_delete(request *req);
int api_passphrase_change(request *req);
/* The acting user's passphrase changes from CUR to NP: CUR typed again
 * (fort_reauth, throttled as sign-in: FORT_EDENIED with *RETRY_AFTER; a
 * wrong one FORT_EAUTH), NP checked (fort_passphrase_check with the
 * business's, owner's and user's names: FORT_EWEAK), then fort_vault_passwd.
 * A cookie session then ends with every other session of the person, and
 * a new one holding the same keys starts: its Set-Cookie value into COOKIE,
 * its CSRF token into CSRF_OUT ("" for a token). */
int auth_passphrase_change(request *req, const fort_secret *cur, const fort_secret *np, int *retry_after,
			   char cookie[256], char csrf_out[FORT_SESSION_TOKEN_LEN + 1]);
/* api_clients.c */
int api_clients_list(request *req);
int api_clients_get(request *req);
int api_clients_add(request *req);
int api_clients_reveal(request *req);
/* api_consent.c */
int api_consent_get(request *req);
int api_consent_record(request *req);
int api_audit_log(request *req);
int api_users_list(request *req);
int api_roles_list(request *req);
/* api_tokens.c */
int api_tokens_list(request *req);
int api_tokens_create(request *req);
int api_tokens_revoke(request *req);
/* api_requests.c */
int api_requests_list(request *req);
int api_requests_open(request *req);
int api_requests_get(request *req);
int api_requests_identity(request *req);
int api_requests_step(request *req);
int api_requests_fulfil(request *req);
int api_requests_erase(request *req);
/* api_data.c: client edit, erase, export; retention */
int api_clients_edit(request *req);
int api_clients_erase(request *req);
int api_export(request *req);
int api_retention_due(request *req);
int api_retention_run(request *req);
/* api_incidents.c: the breach register, the plan, drills */
int api_incidents_list(request *req);
int api_incidents_open(request *req);
int api_incidents_get(request *req);
int api_incidents_impact(request *req);
int api_incidents_letters(request *req);
int api_incidents_notify(request *req);
int api_plan_get(request *req);
int api_drills_list(request *req);
int api_drills_record(request *req);
/* api_admin.c: notice, records, doctor, backups, import */
int api_notice_get(request *req);
int api_notice_publish(request *req);
int api_records_get(request *req);
int api_doctor_run(request *req);
int api_doctor_history(request *req);
int api_backups_list(request *req);
int api_backups_create(request *req);
int api_import(request *req);
/* api_manage.c: attachments, the consent ledger's check, the request
 * policy, the outbox, removing users, second factors and roles, intake
 * forms and key */
int api_attachments_list(request *req);
int api_attachments_get(request *req);
int api_attachments_remove(request *req);
int api_consent_verify(request *req);
int api_request_policy_get(request *req);
int api_request_policy_set(request *req);
int api_mail_list(request *req);
int api_users_remove(request *req);
int api_users_totp_remove(request *req);
int api_roles_remove(request *req);
int api_intake_forms_list(request *req);
int api_intake_forms_create(request *req);
int api_intake_forms_set(request *req);
int api_intake_forms_remove(request *req);
int api_intake_key_rotate(request *req);
/* api_map.c: the data map, activities, recipients, retention rules */
int api_map_get(request *req);
int api_map_import(request *req);
int api_map_field_add(request *req);
int api_map_field_edit(request *req);
int api_map_activities(request *req);
int api_map_activity_add(request *req);
int api_map_activity_edit(request *req);
int api_map_retention_rule(request *req);
int api_map_recipients(request *req);
int api_map_recipient_add(request *req);
int api_map_recipient_edit(request *req);
/* api_vault.c */
int api_status(request *req);
int api_audit_verify(request *req);
int api_openapi(request *req);
/* The OpenAPI document, embedded at build time (docs/api/openapi.json). */
extern const unsigned char server_openapi_json[];
extern const size_t server_openapi_json_len;

/* web.c: the web app.  Does URL belong to the pages (not under /api/)?
 * Does that page route take a form body?  Answer the request (BODY: what
 * came, TOO_BIG: more than the limit came); 1 if a response was queued. */
int web_owns(const char *url);
int web_has_body(const char *url, const char *method);
int web_request(server *s, void *conn, const char *url, const char *method, fort_buf *body, int too_big);
/* FN(ARG) to run once this request's answer has gone out (or the client
 * went away), on the request's own thread: work whose time must not show
 * in the answer's time (web_me.c: a link request's work for a known
 * address).  Set by a page's handler; at most one per request. */
void http_after_response(void (*fn)(void *), void *arg);
/* web_me.c: open the self-service keyholder's handle (USER NULL: the page
 * is not set up) and start its worker; set the links' base URL once the
 * port is known; stop (sessions wiped, handle closed). */
int web_me_start(server *s, const char *user, const char *pass_file, const char *base_url, const char *second_step);
void web_me_set_base(server *s, const char *base_url);
void web_me_stop(server *s);

#endif
