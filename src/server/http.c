/* http.c - the daemon (libmicrohttpd, its own thread pool), the route
 * table, and the checks every request passes once, in this order, before
 * a handler runs (Redis' processCommand):
 *
 *   route (404) -> method (405 + Allow) -> session or Bearer token (401)
 *   -> CSRF token on every state-changing request of a session (403; a
 *   Bearer request has no cookie to forge; a request with both is 400)
 *   -> content type (415) -> body size (413) -> JSON (400) -> the
 *   handler: one library call
 *
 * From the CSRF check on, the signed-in person is known and their
 * session's vault handle is borrowed, so every refusal is audited in their name
 * (fort_audit_refusal); the library audits its own refusals (purpose,
 * role, consent).  Every response carries the security headers.  The log
 * line names the method, the route's pattern and the status: never a
 * path with an id, a query or a body. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "server/mhd.h"
#include <sodium.h>
#include "util.h"
#include "server/server.h"

#define COOKIE_NAME "fortress_session"
#define DEFAULT_MAX_BODY (1u << 20)
#define HEADER_MEMORY (64u * 1024)   /* per connection: request line + headers */
#define CONN_TIMEOUT 30              /* seconds a connection may be idle */
#define STOP_TIMEOUT 30              /* seconds a stop waits for requests in progress */

const route server_routes[] = {
	{ "POST", "/api/session", api_session_create, R_PUBLIC | R_BODY },
	{ "DELETE", "/api/session", api_session_delete, 0 },
	{ "GET", "/api/status", api_status, 0 },
	{ "POST", "/api/account/passphrase", api_passphrase_change, R_BODY },
	{ "GET", "/api/clients", api_clients_list, 0 },
	{ "POST", "/api/clients", api_clients_add, R_BODY },
	{ "GET", "/api/clients/{id}", api_clients_get, 0 },
	{ "POST", "/api/clients/{id}/reveal", api_clients_reveal, R_BODY },
	{ "GET", "/api/clients/{id}/consent", api_consent_get, 0 },
	{ "POST", "/api/clients/{id}/consent", api_consent_record, R_BODY },
	{ "GET", "/api/audit", api_audit_log, 0 },
	{ "GET", "/api/users", api_users_list, 0 },
	{ "GET", "/api/roles", api_roles_list, 0 },
	{ "GET", "/api/audit/verify", api_audit_verify, 0 },
	{ "PATCH", "/api/clients/{id}", api_clients_edit, R_BODY },
	{ "POST", "/api/clients/{id}/erase", api_clients_erase, R_BODY },
	{ "POST", "/api/export", api_export, R_BODY },
	{ "GET", "/api/retention", api_retention_due, 0 },
	{ "POST", "/api/retention/run", api_retention_run, R_BODY },
	{ "GET", "/api/requests", api_requests_list, 0 },
	{ "POST", "/api/requests", api_requests_open, R_BODY },
	{ "GET", "/api/requests/policy", api_request_policy_get, 0 },
	{ "PATCH", "/api/requests/policy", api_request_policy_set, R_BODY },
	{ "GET", "/api/requests/{id}", api_requests_get, 0 },
	{ "POST", "/api/requests/{id}/identity", api_requests_identity, R_BODY },
	{ "POST", "/api/requests/{id}/steps", api_requests_step, R_BODY },
	{ "POST", "/api/requests/{id}/fulfil", api_requests_fulfil, R_BODY },
	{ "POST", "/api/requests/{id}/erase", api_requests_erase, R_BODY },
	{ "GET", "/api/incidents", api_incidents_list, 0 },
	{ "POST", "/api/incidents", api_incidents_open, R_BODY },
	{ "GET", "/api/incidents/{id}", api_incidents_get, 0 },
	{ "GET", "/api/incidents/{id}/impact", api_incidents_impact, 0 },
	{ "POST", "/api/incidents/{id}/letters", api_incidents_letters, R_BODY },
	{ "POST", "/api/incidents/{id}/notify", api_incidents_notify, R_BODY },
	{ "GET", "/api/plan", api_plan_get, 0 },
	{ "GET", "/api/plan/drills", api_drills_list, 0 },
	{ "POST", "/api/plan/drills", api_drills_record, R_BODY },
	{ "GET", "/api/notice", api_notice_get, 0 },
	{ "POST", "/api/notice/publish", api_notice_publish, R_BODY },
	{ "GET", "/api/records", api_records_get, 0 },
	{ "POST", "/api/doctor", api_doctor_run, R_BODY },
	{ "GET", "/api/doctor/history", api_doctor_history, 0 },
	{ "GET", "/api/backups", api_backups_list, 0 },
	{ "POST", "/api/backups", api_backups_create, R_BODY },
	{ "POST", "/api/import", api_import, R_BODY },
	{ "GET", "/api/openapi.json", api_openapi, R_PUBLIC },
	{ "GET", "/api/map", api_map_get, 0 },
	{ "PUT", "/api/map", api_map_import, R_BODY },
	{ "POST", "/api/map/fields", api_map_field_add, R_BODY },
	{ "PATCH", "/api/map/fields/{id}", api_map_field_edit, R_BODY },
	{ "GET", "/api/map/activities", api_map_activities, 0 },
	{ "POST", "/api/map/activities", api_map_activity_add, R_BODY },
	{ "PATCH", "/api/map/activities/{id}", api_map_activity_edit, R_BODY },
	{ "PUT", "/api/map/activities/{id}/retention-rule", api_map_retention_rule, R_BODY },
	{ "DELETE", "/api/map/activities/{id}/retention-rule", api_map_retention_rule, 0 },
	{ "GET", "/api/map/recipients", api_map_recipients, 0 },
	{ "POST", "/api/map/recipients", api_map_recipient_add, R_BODY },
	{ "PATCH", "/api/map/recipients/{id}", api_map_recipient_edit, R_BODY },
	{ "GET", "/api/tokens", api_tokens_list, 0 },
	{ "POST", "/api/tokens", api_tokens_create, R_BODY },
	{ "DELETE", "/api/tokens/{id}", api_tokens_revoke, 0 },
	{ "DELETE", "/api/users/{id}", api_users_remove, 0 },
	{ "DELETE", "/api/users/{id}/totp", api_users_totp_remove, 0 },
	{ "DELETE", "/api/roles/{id}", api_roles_remove, 0 },
	{ "GET", "/api/attachments", api_attachments_list, 0 },
	{ "GET", "/api/attachments/{id}", api_attachments_get, 0 },
	{ "DELETE", "/api/attachments/{id}", api_attachments_remove, 0 },
	{ "GET", "/api/consent/verify", api_consent_verify, 0 },
	{ "GET", "/api/mail", api_mail_list, 0 },
	{ "GET", "/api/intake/forms", api_intake_forms_list, 0 },
	{ "POST", "/api/intake/forms", api_intake_forms_create, R_BODY },
	{ "PATCH", "/api/intake/forms/{id}", api_intake_forms_set, R_BODY },
	{ "DELETE", "/api/intake/forms/{id}", api_intake_forms_remove, 0 },
	{ "POST", "/api/intake/key", api_intake_key_rotate, 0 },
};
const size_t server_nroutes = sizeof server_routes / sizeof server_routes[0];

enum { HOLD_NONE, HOLD_RECORD, HOLD_FLUSH };

/* per request, across libmicrohttpd's calls */
typedef struct conn_ctx {
	fort_buf body;
	int too_big;
	int early;         /* a response was queued before the body */
	void (*after)(void *); /* http_after_response: run at on_completed */
	void *after_arg;
	/* An answer held until its audit entry is durable (issue 17): the
	 * library calls back (record_done, flush_done) from the thread that
	 * committed the entry; the connection is suspended meanwhile, so no
	 * thread sleeps per request, and resumed by the callback.  MU orders
	 * the suspension before the resumption.
	 *
	 * At stop, a hold still waiting when the stop's wait ends is given up
	 * (ABANDONED, hold_abandon): its connection is resumed with a 503 and
	 * no data, since libmicrohttpd must not be stopped with a connection
	 * suspended (MHD_PANIC, an abort, in 0.9.75's close_all_connections).
	 * The library still owns the session's handle until its callback
	 * comes, so the request leaves the handle borrowed and the stop waits
	 * for every callback (SERVER.callbacks) before the sessions close it;
	 * whichever of on_completed and the callback comes last frees CC. */
	struct {
		pthread_mutex_t mu;
		int stage;          /* HOLD_*: what is awaited */
		int done;           /* the callback came, or the hold was given up */
		int suspended;      /* the connection is suspended: the callback resumes it */
		int flushed;        /* the handle's pending entries are durable */
		int pending;        /* a callback of the library is still to come */
		int abandoned;      /* given up at stop: answered 503, the callback only cleans up */
		int closed;         /* libmicrohttpd let go of the request (on_completed) */
		struct MHD_Connection *conn;
		fort_record *rec;
		int code;
		char msg[512];
	} h;
	struct conn_ctx *held_prev, *held_next; /* SERVER.held while PENDING */
	server *srv;
	request req;       /* the request across a suspension */
	int idx;           /* its route */
	char addr[64];
	struct timespec t0;
} conn_ctx;

static enum MHD_Result settle(server *s, conn_ctx *cc, struct MHD_Connection *conn, request *rq);

/* the hook a handler on this thread set for the request it answers */
static _Thread_local void (*after_fn)(void *);
static _Thread_local void *after_arg;

void http_after_response(void (*fn)(void *), void *arg)
{
	after_fn = fn;
	after_arg = arg;
}

static void cc_free(conn_ctx *cc)
{
	fort_record_free(cc->h.rec);  /* a record never rendered */
	pthread_mutex_destroy(&cc->h.mu);
	free(cc);
}

static void held_unlink(server *s, conn_ctx *cc)
{
	if (cc->held_prev)
		cc->held_prev->held_next = cc->held_next;
	else
		s->held = cc->held_next;
	if (cc->held_next)
		cc->held_next->held_prev = cc->held_prev;
	cc->held_prev = cc->held_next = NULL;
}

/* Before asking the library for a callback (STAGE): CC listed as waiting
 * for one, so that a stop finds it.  FORT_EBUSY once the server stops: no
 * new holds then (the caller answers 503, or waits on its thread). */
static int hold_begin(server *s, conn_ctx *cc, int stage)
{
	pthread_mutex_lock(s->held_mu);
	if (s->stopping) {
		pthread_mutex_unlock(s->held_mu);
		return fort_error_set(FORT_EBUSY, "the server is stopping: try again once it is back");
	}
	pthread_mutex_lock(&cc->h.mu);
	cc->h.stage = stage;
	cc->h.done = 0;
	cc->h.pending = 1;
	pthread_mutex_unlock(&cc->h.mu);
	cc->held_prev = NULL;
	cc->held_next = s->held;
	if (s->held)
		s->held->held_prev = cc;
	s->held = cc;
	atomic_fetch_add(&s->callbacks, 1);
	pthread_mutex_unlock(s->held_mu);
	return 0;
}

/* The library's callback: the awaited entry is durable (CODE 0) or failed;
 * or, with NO_CALL, the call failed and no callback will come.  Resumes
 * the connection if it is suspended; else the request's own thread sees
 * DONE before it would suspend.  A hold given up at stop (or a request
 * libmicrohttpd already ended) gets no answer from here: the record is
 * wiped, and CC freed if on_completed has been. */
static void hold_wake(conn_ctx *cc, fort_record *rec, int code, const char *msg, int no_call)
{
	server *s = cc->srv;
	int gone = 0;
	pthread_mutex_lock(s->held_mu);
	held_unlink(s, cc);
	pthread_mutex_lock(&cc->h.mu);
	pthread_mutex_unlock(s->held_mu);
	cc->h.pending = 0;
	if (cc->h.abandoned || cc->h.closed) {
		fort_record_free(rec);
		gone = cc->h.closed;
	} else {
		cc->h.rec = rec;
		cc->h.code = code;
		if (code)
			snprintf(cc->h.msg, sizeof cc->h.msg, "%s", msg && *msg ? msg : "the audit entry could not be written");
		cc->h.done = 1;
		if (cc->h.suspended && !no_call) {
			cc->h.suspended = 0;
			MHD_resume_connection(cc->h.conn);
		}
	}
	pthread_mutex_unlock(&cc->h.mu);
	if (gone)
		cc_free(cc);
	/* the last touch of S: a stop waits for this to reach 0 */
	atomic_fetch_sub(&s->callbacks, 1);
}

static void record_done(void *arg, fort_record *rec, int code, const char *msg)
{
	hold_wake(arg, rec, code, msg, 0);
}

static void flush_done(void *arg, int code, const char *msg)
{
	hold_wake(arg, NULL, code, msg, 0);
}

int http_client_get_held(request *req)
{
	conn_ctx *cc = req->hold;
	int r;
	if ((r = hold_begin(req->srv, cc, HOLD_RECORD)) < 0)
		return r;
	if ((r = fort_client_get_async(req->v, req->id, NULL, record_done, cc)) < 0) {
		hold_wake(cc, NULL, r, fort_error_message(), 1);
		cc->h.stage = HOLD_NONE;
		cc->h.done = 0;
	}
	return r;
}

/* At stop, once its wait is over: every hold whose callback has not come
 * is given up, its connection resumed to answer 503 (settle), no data.
 * No new hold begins from here on.  Returns how many were given up. */
static int hold_abandon(server *s)
{
	int n = 0;
	pthread_mutex_lock(s->held_mu);
	s->stopping = 1;
	for (conn_ctx *cc = s->held; cc; cc = cc->held_next) {
		pthread_mutex_lock(&cc->h.mu);
		if (cc->h.pending && !cc->h.abandoned && !cc->h.closed) {
			cc->h.abandoned = 1;
			cc->h.code = FORT_EBUSY;
			snprintf(cc->h.msg, sizeof cc->h.msg, "%s",
				 "the server is stopping and this answer's audit entry was not yet written: try again once it is back");
			cc->h.done = 1;
			if (cc->h.suspended) {
				cc->h.suspended = 0;
				MHD_resume_connection(cc->h.conn);
			}
			n++;
		}
		pthread_mutex_unlock(&cc->h.mu);
	}
	pthread_mutex_unlock(s->held_mu);
	return n;
}

static volatile sig_atomic_t stop_sig;
static int stop_pipe[2] = { -1, -1 };

static void on_stop(int sig)
{
	int e = errno;
	stop_sig = sig;
	if (stop_pipe[1] >= 0)
		(void)!write(stop_pipe[1], "x", 1);
	errno = e;
}

json_t *http_error_json(int code, const char *msg)
{
	json_t *e = json_object(), *j = json_object();
	json_object_set_new(e, "code", json_string(code ? fort_error_name(code) : "ERROR"));
	json_object_set_new(e, "message", json_string(msg && *msg ? msg : "request failed"));
	json_object_set_new(j, "error", e);
	return j;
}

int http_status_of(int code)
{
	switch (code) {
	case FORT_EINPUT:
	case FORT_EWEAK:
		return MHD_HTTP_BAD_REQUEST;
	case FORT_ENOTFOUND:
		return MHD_HTTP_NOT_FOUND;
	case FORT_EAUTH:
	case FORT_ELOCKED:
		return MHD_HTTP_UNAUTHORIZED;
	case FORT_EDENIED:
		return MHD_HTTP_FORBIDDEN;
	case FORT_EEXISTS:
	case FORT_EDUPLICATE:
		return MHD_HTTP_CONFLICT;
	case FORT_EBUSY:
	case FORT_ENOMEM:
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	default:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

const char *http_header(request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

int http_id_number(int64_t *out, const char *s, int code, const char *what, const char *hint)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(s ? s : "", &end, 10);
	if (!s || !*s || *end || errno || x <= 0)
		return fort_error_set(code, "'%s' is not %s number: %s", s ? s : "", what, hint);
	*out = x;
	return 0;
}

struct other_ctx {
	const char *const *skip;
	const char *name, *value;
	int n;
};

static enum MHD_Result other_cb(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct other_ctx *o = cls;
	(void)kind;
	for (const char *const *s = o->skip; *s; s++)
		if (strcmp(*s, key) == 0)
			return MHD_YES;
	if (!o->n++) {
		o->name = key;
		o->value = value ? value : "";
	}
	return MHD_YES;
}

int http_query_other(request *req, const char *const *skip, const char **name, const char **value)
{
	struct other_ctx o = { skip, NULL, NULL, 0 };
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, other_cb, &o);
	*name = o.name;
	*value = o.value;
	return o.n;
}

void http_security_headers(server *s, void *response, const char *csp)
{
	struct MHD_Response *resp = response;
	MHD_add_response_header(resp, "Content-Security-Policy", csp ? csp : "default-src 'none'; frame-ancestors 'none'");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	/* a page some sites may frame (an intake form) says so in its CSP alone */
	if (!csp || strstr(csp, "frame-ancestors 'none'"))
		MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
	if (s->tls)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
}

/* The JSON answer's headers, then queued. */
static enum MHD_Result queue_json(server *s, struct MHD_Connection *conn, int status, struct MHD_Response *resp,
				  const char *allow, const char *cookie, int retry_after)
{
	enum MHD_Result ret;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	http_security_headers(s, resp, NULL);
	if (allow)
		MHD_add_response_header(resp, "Allow", allow);
	if (cookie && *cookie)
		MHD_add_response_header(resp, "Set-Cookie", cookie);
	if (retry_after > 0) {
		char ra[24];
		snprintf(ra, sizeof ra, "%d", retry_after);
		MHD_add_response_header(resp, "Retry-After", ra);
	}
	ret = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_json(server *s, struct MHD_Connection *conn, int status, json_t *j, const char *allow,
				 const char *cookie, int retry_after)
{
	struct MHD_Response *resp;
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	size_t len;

	json_decref(j);
	if (!text)
		text = strdup("{\"error\":{\"code\":\"ENOMEM\",\"message\":\"out of memory\"}}");
	if (!text)
		return MHD_NO;
	len = strlen(text);
	resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	return queue_json(s, conn, status, resp, allow, cookie, retry_after);
}

struct file_body {
	unsigned char *p;
	size_t len;
};

static void file_free(void *cls)
{
	struct file_body *f = cls;
	sodium_memzero(f->p, f->len);
	free(f->p);
	free(f);
}

/* A JSON answer the handler wrote itself (REQ->text: a masked record, the
 * ids found), wiped when libmicrohttpd is done with it. */
static enum MHD_Result send_text(server *s, struct MHD_Connection *conn, request *req)
{
	struct file_body *f = malloc(sizeof *f);
	struct MHD_Response *resp;

	if (!f) {
		sodium_memzero(req->text, req->text_len);
		free(req->text);
		req->text = NULL;
		return MHD_NO;
	}
	f->p = (unsigned char *)req->text;
	f->len = req->text_len;
	req->text = NULL;
	resp = MHD_create_response_from_buffer_with_free_callback_cls(f->len, f->p, file_free, f);
	if (!resp) {
		file_free(f);
		return MHD_NO;
	}
	return queue_json(s, conn, req->status ? req->status : MHD_HTTP_OK, resp, NULL, req->set_cookie, req->retry_after);
}

/* A file response (a download): Content-Disposition: attachment, the
 * security headers (Cache-Control: no-store among them); the bytes are
 * wiped when libmicrohttpd is done with them. */
static enum MHD_Result send_file(server *s, struct MHD_Connection *conn, request *req)
{
	struct file_body *f = malloc(sizeof *f);
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char cd[160];

	if (!f) {
		sodium_memzero(req->file, req->file_len);
		free(req->file);
		req->file = NULL;
		return MHD_NO;
	}
	f->p = req->file;
	f->len = req->file_len;
	req->file = NULL;
	resp = MHD_create_response_from_buffer_with_free_callback_cls(f->len, f->p, file_free, f);
	if (!resp) {
		file_free(f);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", req->file_type ? req->file_type : "application/octet-stream");
	snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", req->file_name[0] ? req->file_name : "download");
	MHD_add_response_header(resp, "Content-Disposition", cd);
	http_security_headers(s, resp, NULL);
	ret = MHD_queue_response(conn, (unsigned)(req->status ? req->status : MHD_HTTP_OK), resp);
	MHD_destroy_response(resp);
	return ret;
}

/* A file response from an open file (a backup): libmicrohttpd reads and
 * closes it. */
static enum MHD_Result send_fd(server *s, struct MHD_Connection *conn, request *req)
{
	struct MHD_Response *resp = MHD_create_response_from_fd((size_t)req->file_len, req->file_fd);
	enum MHD_Result ret;
	char cd[160];

	if (!resp) {
		close(req->file_fd);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", req->file_type ? req->file_type : "application/octet-stream");
	snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", req->file_name[0] ? req->file_name : "download");
	MHD_add_response_header(resp, "Content-Disposition", cd);
	http_security_headers(s, resp, NULL);
	ret = MHD_queue_response(conn, (unsigned)(req->status ? req->status : MHD_HTTP_OK), resp);
	MHD_destroy_response(resp);
	return ret;
}

void http_log_line(server *s, const char *method, const char *pattern, int status, struct timespec *t0)
{
	struct timespec t1;
	if (s->quiet)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "fortress serve: %s %s %d %.1f ms\n", method, pattern, status,
		(double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6);
}

void http_client_address(char *out, size_t cap, void *connection)
{
	struct MHD_Connection *conn = connection;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, cap, "-");
	if (!ci || !ci->client_addr)
		return;
	if (ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, out, (socklen_t)cap);
	else if (ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, out, (socklen_t)cap);
}

static int state_changing(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 && strcmp(method, "OPTIONS") != 0;
}

/* The route for URL and METHOD: its index, or -1 with STATUS 404/405 and
 * ALLOW set for a 405. */
static int find_route(const char *url, const char *method, char *id, size_t idcap, int *status, char *allow, size_t acap)
{
	int path_hit = 0;
	allow[0] = '\0';
	for (size_t i = 0; i < server_nroutes; i++) {
		if (!route_match(server_routes[i].pattern, url, id, idcap))
			continue;
		if (strcmp(server_routes[i].method, method) == 0)
			return (int)i;
		path_hit = 1;
		if (!strstr(allow, server_routes[i].method)) {
			size_t n = strlen(allow);
			snprintf(allow + n, acap - n, "%s%s", n ? ", " : "", server_routes[i].method);
		}
	}
	*status = path_hit ? MHD_HTTP_METHOD_NOT_ALLOWED : MHD_HTTP_NOT_FOUND;
	return -1;
}

/* Refuse the request of a signed-in person: audited in their name, then
 * the error response.  V may be NULL (not opened yet: nothing to audit
 * with). */
static int refuse(request *req, int status, int code, const char *why)
{
	if (req->v && fort_audit_refusal(req->v, "http", why) < 0) {
		/* fail closed: no audit entry, no answer but an error */
		req->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		req->out = http_error_json(fort_error_code(), fort_error_message());
		return -1;
	}
	req->status = status;
	req->out = http_error_json(code, why);
	return -1;
}

static int content_type_json(const char *ct)
{
	size_t n = strlen("application/json");
	if (!ct || strncasecmp(ct, "application/json", n) != 0)
		return 0;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

/* The checks, then the handler.  Fills REQ's response.  PRE_BODY: only
 * the checks that need no body (the first call of a request with one).
 * A signed-in person's request borrows their session's vault handle
 * (fort_session_acquire: one request of a session at a time, a second
 * waits); on_request gives it back. */
static void dispatch(request *req, const route *rt, conn_ctx *cc, int pre_body)
{
	const char *csrf;
	int r;

	if (!(rt->flags & R_PUBLIC)) {
		const char *authz = http_header(req, "Authorization");
		if (authz) {
			/* a program's token: its own keys, no cookie, so no CSRF */
			if (strncasecmp(authz, "Bearer ", 7) != 0 || !authz[7]) {
				req->status = MHD_HTTP_UNAUTHORIZED;
				req->out = http_error_json(FORT_EAUTH, "send 'Authorization: Bearer TOKEN' with a token from 'fortress token create'");
				return;
			}
			req->bearer = 1;
			r = fort_token_acquire(&req->v, req->user, req->srv->sessions, authz + 7, req->srv->vault_path);
		} else {
			r = fort_session_acquire(&req->v, req->user, req->srv->sessions, req->session_id, req->srv->vault_path);
		}
		if (r < 0) {
			/* not signed in, timed out, removed, or the session's other
			 * request holds the handle too long: no handle to audit with */
			req->status = r == FORT_EAUTH ? MHD_HTTP_UNAUTHORIZED : http_status_of(r);
			if (r == FORT_EBUSY)
				req->retry_after = 1;
			req->out = http_error_json(r, fort_error_message());
			return;
		}
		if (req->bearer && req->session_id) {
			/* which of the two is acting? neither: refused, in the token's name */
			refuse(req, MHD_HTTP_BAD_REQUEST, FORT_EINPUT,
			       "a request carries a session cookie or a Bearer token, not both: a program sends only its token");
			return;
		}
		if (state_changing(req->method) && !req->bearer) {
			csrf = http_header(req, "X-CSRF-Token");
			if (fort_session_get(NULL, NULL, req->srv->sessions, req->session_id, csrf ? csrf : "") < 0) {
				refuse(req, MHD_HTTP_FORBIDDEN, FORT_EDENIED,
				       csrf ? "wrong CSRF token: send the X-CSRF-Token header given at sign-in"
					    : "missing CSRF token: send the X-CSRF-Token header given at sign-in");
				return;
			}
		}
	}
	if (rt->flags & R_BODY) {
		const char *ct = http_header(req, "Content-Type");
		const char *cl = http_header(req, "Content-Length");
		if (!content_type_json(ct)) {
			refuse(req, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, FORT_EINPUT, "the body must be JSON: send Content-Type: application/json");
			return;
		}
		if (cc->too_big || (cl && strtoull(cl, NULL, 10) > req->srv->max_body)) {
			char why[128];
			snprintf(why, sizeof why, "the body is larger than %zu bytes", req->srv->max_body);
			refuse(req, MHD_HTTP_CONTENT_TOO_LARGE, FORT_EINPUT, why);
			return;
		}
	}
	if (pre_body)
		return; /* the body comes next */
	if (rt->flags & R_BODY) {
		json_error_t je;
		req->body = json_loadb(cc->body.buf ? cc->body.buf : "", cc->body.len, JSON_REJECT_DUPLICATES, &je);
		if (!req->body || !json_is_object(req->body)) {
			char why[300];
			if (!req->body)
				snprintf(why, sizeof why, "malformed JSON at line %d, column %d: %s", je.line, je.column, je.text);
			else
				snprintf(why, sizeof why, "the body must be a JSON object");
			refuse(req, MHD_HTTP_BAD_REQUEST, FORT_EINPUT, why);
			return;
		}
	}
	req->status = MHD_HTTP_OK;
	r = rt->fn(req);
	if (r < 0 && !req->out) {
		req->status = http_status_of(r);
		req->out = http_error_json(r, fort_error_message());
	}
}

/* Give the session's handle back: what is pending in it audited first. */
void http_give_back(request *req)
{
	if (!req->v)
		return;
	if (fort_vault_flush(req->v) < 0)
		fprintf(stderr, "fortress serve: writing the audit entries of a request failed: %s\n", fort_error_message());
	fort_session_release(req->srv->sessions, req->v);
	req->v = NULL;
}

/* Does the route of URL and METHOD take a body?  Those are checked before
 * the body is read (an early refusal reads no megabytes). */
static int s_route_has_body(const char *url, const char *method)
{
	char id[64];
	for (size_t i = 0; i < server_nroutes; i++)
		if (strcmp(server_routes[i].method, method) == 0 && route_match(server_routes[i].pattern, url, id, sizeof id))
			return (server_routes[i].flags & R_BODY) != 0;
	return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	server *s = cls;
	conn_ctx *cc = *con_cls;
	request req;
	char allow[64];
	int idx, status = 0, first = 0;
	struct timespec t0;
	(void)version;

	if (!cc) {
		if (!(cc = calloc(1, sizeof *cc)))
			return MHD_NO;
		pthread_mutex_init(&cc->h.mu, NULL);
		cc->h.conn = conn;
		cc->srv = s;
		/* the body may hold a passphrase: a wiped buffer */
		fort_buf_init_secret(&cc->body, s->max_body + 1);
		*con_cls = cc;
		atomic_fetch_add(&s->inflight, 1);
		first = 1;
	}
	if (cc->h.stage) {
		/* resumed: the awaited entry is durable or failed */
		cc->req.conn = conn;
		cc->req.method = method;
		return settle(s, cc, conn, &cc->req);
	}
	if (cc->early) {
		/* a response went out before the body: drop what still comes */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (first && !s_route_has_body(url, method) && !web_has_body(url, method)) {
		/* no body to wait for: answer on the next call, as libmicrohttpd
		 * expects, so the connection stays open for the next request */
		return MHD_YES;
	}
	if (!first && *upload_data_size) {
		if (!cc->too_big) {
			if (cc->body.len + *upload_data_size > s->max_body) {
				cc->too_big = 1;
				fort_buf_reset(&cc->body);
			} else {
				fort_buf_put(&cc->body, upload_data, *upload_data_size);
			}
		}
		*upload_data_size = 0;
		return MHD_YES;
	}

	if (web_owns(url)) {
		/* the pages (web.c): their own checks, HTML answers */
		if (first)
			return MHD_YES; /* the body, if any, comes next */
		int ok;
		after_fn = NULL;
		ok = web_request(s, conn, url, method, &cc->body, cc->too_big);
		cc->after = after_fn;
		cc->after_arg = after_arg;
		after_fn = NULL;
		if (!ok && cc->after) {
			/* no answer queued: nothing to wait for */
			cc->after(cc->after_arg);
			cc->after = NULL;
		}
		return ok ? MHD_YES : MHD_NO;
	}
	clock_gettime(CLOCK_MONOTONIC, &cc->t0);
	t0 = cc->t0;
	memset(&req, 0, sizeof req);
	req.srv = s;
	req.conn = conn;
	req.method = method;
	http_client_address(cc->addr, sizeof cc->addr, conn);
	req.address = cc->addr;
	req.hold = s->hold ? cc : NULL;
	req.session_id = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, COOKIE_NAME);
	idx = find_route(url, method, req.id, sizeof req.id, &status, allow, sizeof allow);
	if (idx < 0) {
		json_t *e = http_error_json(status == MHD_HTTP_NOT_FOUND ? FORT_ENOTFOUND : FORT_EINPUT,
					    status == MHD_HTTP_NOT_FOUND ? "no such route: see /api/openapi.json"
								     : "method not allowed on this route: see the Allow header");
		http_log_line(s, method, status == MHD_HTTP_NOT_FOUND ? "(unknown)" : "(method)", status, &t0);
		if (first)
			cc->early = 1;
		return send_json(s, conn, status, e, status == MHD_HTTP_METHOD_NOT_ALLOWED ? allow : NULL, NULL, 0);
	}
	dispatch(&req, &server_routes[idx], cc, first);
	if (first && !req.out && !req.text && !cc->h.stage) {
		/* everything checked that can be before the body: wait for it */
		http_give_back(&req);
		return MHD_YES;
	}
	if (first)
		cc->early = 1;
	json_decref(req.body);
	req.body = NULL;
	cc->idx = idx;
	return settle(s, cc, conn, &req);
}

/* An answer that must not leave: its entries could not be written (or the
 * server stopped before they were).  RQ's data wiped, an error instead. */
static void drop_answer(request *rq, int code, const char *msg)
{
	if (rq->text) {
		sodium_memzero(rq->text, rq->text_len);
		free(rq->text);
		rq->text = NULL;
	}
	if (rq->file) {
		sodium_memzero(rq->file, rq->file_len);
		free(rq->file);
		rq->file = NULL;
	}
	if (rq->file_fd > 0)
		close(rq->file_fd);
	rq->file_fd = 0;
	json_decref(rq->out);
	rq->status = code == FORT_EBUSY ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_INTERNAL_SERVER_ERROR;
	rq->out = http_error_json(code, msg);
}

/* The answer's last steps, once it is made or on its way: a record awaited
 * (http_client_get_held) rendered once it comes; then, on a server that
 * holds answers, the handle's pending entries (a find's summary) queued
 * and awaited too (fort_vault_flush_async); the connection suspended while
 * either is awaited, so the thread serves other connections.  An entry
 * that failed replaces the answer with an error: nothing leaves unaudited.
 * With a thread per connection, or once the server stops, this thread
 * writes the pending entries itself (fort_vault_flush), failing closed the
 * same way.  Then the handle is given back and the answer sent.  A hold
 * given up at stop (hold_abandon) answers 503; if its callback is still
 * to come, the handle stays the library's: left borrowed, closed with the
 * sessions once every callback has come (server_run). */
static enum MHD_Result settle(server *s, conn_ctx *cc, struct MHD_Connection *conn, request *rq)
{
	request req;
	enum MHD_Result ret;
	int idx = cc->idx;

	for (;;) {
		int stage = cc->h.stage, done, lib_has_v = 0, r;
		if (stage) {
			pthread_mutex_lock(&cc->h.mu);
			done = cc->h.done;
			if (!done) {
				/* before the unlock: the callback resumes only a
				 * suspended connection */
				MHD_suspend_connection(conn);
				cc->h.suspended = 1;
			} else {
				lib_has_v = cc->h.pending;
			}
			pthread_mutex_unlock(&cc->h.mu);
			if (!done) {
				if (rq != &cc->req)
					cc->req = *rq;
				return MHD_YES;
			}
			cc->h.stage = HOLD_NONE;
			cc->h.done = 0;
			if (lib_has_v) {
				/* given up at stop with the library still at work on
				 * the handle: not ours to give back; nothing more to
				 * flush on it */
				rq->v = NULL;
				cc->h.flushed = 1;
			}
			if (stage == HOLD_RECORD) {
				if (cc->h.code == 0) {
					api_record_answer(rq, cc->h.rec);
				} else {
					rq->status = http_status_of(cc->h.code);
					rq->out = http_error_json(cc->h.code, cc->h.msg);
				}
				cc->h.rec = NULL;
				continue;
			}
			cc->h.flushed = 1;
			if (cc->h.code) {
				/* fail closed: the answer is dropped, unsent */
				fprintf(stderr, "fortress serve: writing the audit entries of a request failed: %s\n", cc->h.msg);
				drop_answer(rq, cc->h.code, cc->h.msg);
			}
		}
		if (rq->v && s->hold && !cc->h.flushed && hold_begin(s, cc, HOLD_FLUSH) == 0) {
			if ((r = fort_vault_flush_async(rq->v, flush_done, cc)) < 0)
				/* queued nothing, no callback: as a failed entry */
				hold_wake(cc, NULL, r, fort_error_message(), 1);
			continue;
		}
		if (rq->v && !cc->h.flushed) {
			/* a thread per connection, or stopping (no more holds):
			 * this thread waits for the entries, and the answer still
			 * leaves only once they are durable (before, a thread per
			 * connection only logged a failure here and answered) */
			cc->h.flushed = 1;
			if (fort_vault_flush(rq->v) < 0) {
				fprintf(stderr, "fortress serve: writing the audit entries of a request failed: %s\n", fort_error_message());
				drop_answer(rq, fort_error_code(), fort_error_message());
			}
		}
		break;
	}
	req = *rq;
	if (req.v && s->hold) {
		fort_session_release(s->sessions, req.v);
		req.v = NULL;
	}
	http_give_back(&req);
	http_log_line(s, req.method, server_routes[idx].pattern, req.status, &cc->t0);
	/* the copy below is the answer's now */
	memset(rq, 0, sizeof *rq);
	if (req.file_fd > 0 && !req.out)
		return send_fd(s, conn, &req);
	if (req.file_fd > 0)
		close(req.file_fd);
	if (req.file && !req.out)
		return send_file(s, conn, &req);
	if (req.file) {
		sodium_memzero(req.file, req.file_len);
		free(req.file);
	}
	if (req.text && !req.out) {
		ret = send_text(s, conn, &req);
		sodium_memzero(req.set_cookie, sizeof req.set_cookie);
		return ret;
	}
	if (req.text) {
		sodium_memzero(req.text, req.text_len);
		free(req.text);
	}
	ret = send_json(s, conn, req.status ? req.status : MHD_HTTP_OK, req.out, NULL, req.set_cookie, req.retry_after);
	sodium_memzero(req.set_cookie, sizeof req.set_cookie);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	server *s = cls;
	conn_ctx *cc = *con_cls;
	int lib_has_v;
	(void)conn;
	(void)toe;
	if (!cc)
		return;
	if (cc->after)
		cc->after(cc->after_arg); /* the answer is out: the deferred work may start */
	/* a callback still to come: a hold given up at stop (hold_abandon:
	 * the callback resumes nothing), its connection closed before it
	 * answered */
	pthread_mutex_lock(&cc->h.mu);
	lib_has_v = cc->h.pending;
	pthread_mutex_unlock(&cc->h.mu);
	if (cc->req.v) {
		/* held, resumed, and the client was gone: libmicrohttpd ends the
		 * request without asking for its answer.  The callback that
		 * resumed it has let go of CC once its lock is free. */
		request *rq = &cc->req;
		if (lib_has_v) {
			/* the library's until its callback: left borrowed, closed
			 * with the sessions (server_run) */
		} else if (cc->h.flushed || cc->h.stage == HOLD_FLUSH) {
			fort_session_release(s->sessions, rq->v);
		} else {
			http_give_back(rq);
		}
		rq->v = NULL;
		json_decref(rq->out);
		if (rq->text) {
			sodium_memzero(rq->text, rq->text_len);
			free(rq->text);
		}
		if (rq->file) {
			sodium_memzero(rq->file, rq->file_len);
			free(rq->file);
		}
		if (rq->file_fd > 0)
			close(rq->file_fd);
		sodium_memzero(rq, sizeof *rq);
	}
	fort_buf_release(&cc->body);  /* wipes: a secret buffer */
	*con_cls = NULL;
	atomic_fetch_sub(&s->inflight, 1);
	/* last: once PENDING is seen clear under the lock, the callback has
	 * let go of CC; while it is set, the callback frees CC (CLOSED) */
	pthread_mutex_lock(&cc->h.mu);
	lib_has_v = cc->h.pending;
	cc->h.closed = 1;
	pthread_mutex_unlock(&cc->h.mu);
	if (!lib_has_v)
		cc_free(cc);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	server *s = cls;
	if (s->quiet)
		return;
	fputs("fortress serve: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* "ADDR:PORT", "[V6]:PORT" or ":PORT" / "PORT" (loopback). */
static int parse_listen(struct sockaddr_storage *ss, socklen_t *len, int *loopback, const char *spec)
{
	char host[128];
	const char *colon, *port_s;
	long port;
	char *end;

	memset(ss, 0, sizeof *ss);
	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');
		if (!rb || rb[1] != ':' || (size_t)(rb - spec - 1) >= sizeof host)
			return fort_error_set(FORT_EINPUT, "--listen '%s': write an IPv6 address as [ADDR]:PORT", spec);
		memcpy(host, spec + 1, (size_t)(rb - spec - 1));
		host[rb - spec - 1] = '\0';
		port_s = rb + 2;
	} else if ((colon = strrchr(spec, ':'))) {
		if ((size_t)(colon - spec) >= sizeof host)
			return fort_error_set(FORT_EINPUT, "--listen '%s': address too long", spec);
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
		port_s = colon + 1;
	} else {
		snprintf(host, sizeof host, "127.0.0.1");
		port_s = spec;
	}
	if (!host[0])
		snprintf(host, sizeof host, "127.0.0.1");
	errno = 0;
	port = strtol(port_s, &end, 10);
	if (!*port_s || *end || errno || port < 0 || port > 65535)
		return fort_error_set(FORT_EINPUT, "--listen '%s': the port must be a number from 0 to 65535", spec);
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof *a4;
		*loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof *a6;
		*loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
	} else {
		return fort_error_set(FORT_EINPUT, "--listen '%s': '%s' is not an IP address (names are not resolved)", spec, host);
	}
	return 0;
}

static int read_pem(char **out, const char *path, const char *what)
{
	FILE *f = fopen(path, "rb");
	fort_buf b;
	char chunk[4096];
	size_t n;
	*out = NULL;
	if (!f)
		return fort_error_set(FORT_ENOTFOUND, "%s '%s': %s", what, path, strerror(errno));
	fort_buf_init_secret(&b, 1u << 20);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		fort_buf_put(&b, chunk, n);
	sodium_memzero(chunk, sizeof chunk);
	fclose(f);
	if (fort_buf_error(&b) < 0 || b.len == 0) {
		fort_buf_release(&b);
		return fort_error_set(FORT_EINPUT, "%s '%s' is empty or larger than 1 MiB", what, path);
	}
	fort_buf_putc(&b, '\0');
	*out = fort_buf_detach(&b, &n);
	return *out ? 0 : FORT_ENOMEM;
}

int server_run(const server_opts *o)
{
	fort_sessions_opts so = FORT_SESSIONS_OPTS_INIT;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	struct MHD_Daemon *d = NULL;
	pthread_mutex_t signin_lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_t held_mu = PTHREAD_MUTEX_INITIALIZER;
	server s;
	MHD_socket ls = MHD_INVALID_SOCKET;
	char *cert = NULL, *key = NULL;
	int loopback = 0, r;
	unsigned flags;
	struct sigaction sa;
	fort_vault *probe = NULL;
	fort_audit_writer *aw = NULL;

	memset(&s, 0, sizeof s);
	if ((r = server_mhd_need()) < 0)
		return r;
	if ((r = parse_listen(&ss, &sslen, &loopback, o->listen ? o->listen : "127.0.0.1:8710")) < 0)
		return r;
	s.tls = o->tls_cert && o->tls_key;
	if ((o->tls_cert != NULL) != (o->tls_key != NULL))
		return fort_error_set(FORT_EINPUT, "TLS needs both --tls-cert FILE and --tls-key FILE");
	if (!loopback && !s.tls && !o->insecure_lan)
		return fort_error_set(FORT_EDENIED, "refusing to listen on '%s' without TLS: passphrases would cross the network in "
				      "clear.  Give --tls-cert and --tls-key, put a reverse proxy with TLS in front and listen on "
				      "127.0.0.1, or (a trusted network only) add --insecure-lan", o->listen);
	if (!loopback && !s.tls)
		fprintf(stderr, "fortress serve: WARNING: listening on %s without TLS (--insecure-lan): anyone on the network can "
			"read passphrases and client data in transit\n", o->listen);
	/* the vault must open (locked) before we listen */
	if ((r = fort_vault_open(&probe, o->vault_path, NULL, NULL)) < 0)
		return r;
	fort_vault_close(probe);
	so.idle_timeout = o->idle_timeout;
	so.absolute_timeout = o->absolute_timeout;
	if ((r = fort_sessions_new(&s.sessions, &so)) < 0)
		return r;
	/* the sessions' audit entries share transactions (group commit) */
	if ((r = fort_audit_writer_new(&aw, o->vault_path)) < 0) {
		fort_sessions_free(s.sessions);
		return r;
	}
	fort_sessions_use_audit_writer(s.sessions, aw);
	s.vault_path = o->vault_path;
	s.secure_cookie = s.tls || !loopback;
	s.max_body = o->max_body ? o->max_body : DEFAULT_MAX_BODY;
	s.quiet = o->quiet;
	s.idle_timeout = o->idle_timeout ? o->idle_timeout : 900;
	s.absolute_timeout = o->absolute_timeout ? o->absolute_timeout : 28800;
	s.signin_lock = &signin_lock;
	s.held_mu = &held_mu;
	atomic_init(&s.inflight, 0);
	atomic_init(&s.callbacks, 0);
	/* the self-service page's keyholder (Argon2id once, before we listen) */
	if ((r = web_me_start(&s, o->me_user, o->me_pass_file, o->public_url, o->me_second_step)) < 0)
		goto out;
	if (s.tls) {
		struct stat kst;
		/* a private key others can read is no longer private */
		if (stat(o->tls_key, &kst) == 0 && (kst.st_mode & 077)) {
			r = fort_error_set(FORT_EINPUT, "--tls-key '%s' can be read by other users (mode %03o): chmod 600 it",
					   o->tls_key, (unsigned)(kst.st_mode & 0777));
			goto out;
		}
		if ((r = read_pem(&cert, o->tls_cert, "--tls-cert")) < 0 || (r = read_pem(&key, o->tls_key, "--tls-key")) < 0)
			goto out;
	}

	if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		r = fort_error_set(FORT_EIO, "cannot make a pipe: %s", strerror(errno));
		goto out;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* A pool of threads (--threads N, 4 by default), or with --threads 0
	 * a thread per connection.  In the pool a masked read or a find does
	 * not wait in its handler for its audit entry's commit: the answer is
	 * held and the connection suspended until the library says the entry
	 * is durable (fort_client_get_async, fort_vault_flush_async; settle),
	 * so no thread sleeps per request and a thread's other connections go
	 * on.  Other routes still wait on their thread (writes, the pages):
	 * rarer, and each holds up only its thread's other connections. */
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	flags |= o->threads ? MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME : MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
	/* a pool holds answers, suspended, until their entries are durable */
	s.hold = o->threads != 0;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (s.tls)
		flags |= MHD_USE_TLS;
	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &s,
			     MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, &s,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)o->threads,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(o->client_timeout ? o->client_timeout : CONN_TIMEOUT),
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HEADER_MEMORY,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)64,
			     MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s,
			     s.tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert,
			     MHD_OPTION_HTTPS_MEM_KEY, key,
			     MHD_OPTION_END);
	if (!d) {
		r = fort_error_set(FORT_EIO, "cannot listen on %s: %s (in use? another 'fortress serve'?)",
				   o->listen ? o->listen : "127.0.0.1:8710", strerror(errno ? errno : EADDRINUSE));
		goto out;
	}
	{
		const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
		unsigned port = di ? di->port : 0;
		char host[64];
		if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
		else
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host);
		fprintf(stderr, "fortress serve: listening on %s://%s%s%s:%u (vault %s); stop with Ctrl-C or SIGTERM\n",
			s.tls ? "https" : "http", ss.ss_family == AF_INET6 ? "[" : "", host, ss.ss_family == AF_INET6 ? "]" : "",
			port, o->vault_path);
		if (!o->public_url) {
			/* the links e-mailed by /me point here unless --public-url says otherwise */
			char base[128];
			snprintf(base, sizeof base, "%s://%s%s%s:%u", s.tls ? "https" : "http", ss.ss_family == AF_INET6 ? "[" : "", host,
				 ss.ss_family == AF_INET6 ? "]" : "", port);
			web_me_set_base(&s, base);
		}
		if (o->port_file) {
			FILE *pf = fopen(o->port_file, "w");
			if (pf) {
				fprintf(pf, "%u\n", port);
				fclose(pf);
			}
		}
	}
	/* the main thread: wipes timed-out sessions every few seconds, waits
	 * for a signal */
	while (!stop_sig) {
		struct pollfd p = { stop_pipe[0], POLLIN, 0 };
		int pr = poll(&p, 1, 2000);
		if (pr < 0 && errno != EINTR)
			break;
		fort_sessions_prune(s.sessions);
	}
	fprintf(stderr, "fortress serve: stopping (signal %d): finishing requests in progress\n", (int)stop_sig);
	/* stop accepting; let what is running finish (at most --stop-timeout,
	 * 30 s).  The listening socket is closed only after MHD_stop_daemon
	 * (microhttpd.h, MHD_quiesce_daemon: a thread may still use it). */
	{
		unsigned wait = o->stop_timeout ? o->stop_timeout : STOP_TIMEOUT;
		int given_up;
		ls = MHD_quiesce_daemon(d);
		for (unsigned i = 0; i < wait * 10 && atomic_load(&s.inflight) > 0; i++) {
			struct timespec ts = { 0, 100 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		/* answers still held for their audit entries: libmicrohttpd must
		 * not be stopped with a connection suspended (microhttpd.h,
		 * MHD_suspend_connection; 0.9.75 aborts), so each is resumed to
		 * answer 503 without its data, and no new one is held */
		if ((given_up = hold_abandon(&s)) > 0) {
			fprintf(stderr, "fortress serve: %d answer%s still waiting for %s audit entr%s after %u s: answered 503, "
				"without data\n", given_up, given_up == 1 ? "" : "s", given_up == 1 ? "its" : "their",
				given_up == 1 ? "y" : "ies", wait);
			/* let them go out before the connections are closed */
			for (int i = 0; i < 50 && atomic_load(&s.inflight) > 0; i++) {
				struct timespec ts = { 0, 100 * 1000 * 1000 };
				nanosleep(&ts, NULL);
			}
		}
	}
	r = 0;
out:
	if (d)
		MHD_stop_daemon(d);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	/* the library's callbacks still to come (held answers given up) use
	 * their sessions' handles and keys: every one in before the sessions
	 * close them (the writer's commit ends within the busy timeout) */
	while (atomic_load(&s.callbacks) > 0) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	web_me_stop(&s);                 /* the self-service sessions and keyholder's handle too */
	fort_sessions_free(s.sessions);  /* every session's keys wiped */
	if (aw) {
		uint64_t commits = 0, entries = 0, failed = 0;
		/* after the handles that used it: nothing is queued any more */
		fort_audit_writer_stats(aw, &commits, &entries, &failed);
		fort_audit_writer_free(aw);
		fprintf(stderr, "fortress serve: audit group commit: %llu entries in %llu transactions, %llu failed\n",
				(unsigned long long)entries, (unsigned long long)commits, (unsigned long long)failed);
	}
	if (s.sessions)
		fprintf(stderr, "fortress serve: stopped; every session ended and its keys wiped\n");
	if (cert)
		fort_wipe_free(cert);
	if (key) {
		sodium_memzero(key, strlen(key));
		fort_wipe_free(key);
	}
	if (stop_pipe[0] >= 0) {
		close(stop_pipe[0]);
		close(stop_pipe[1]);
		stop_pipe[0] = stop_pipe[1] = -1;
	}
	return r;
}
