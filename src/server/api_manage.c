/* api_manage.c - the admin tasks over HTTP that the web app's pages do
 * (web_admin.c, web_intake_forms.c; docs/web.md): attachments, the consent
 * ledger's check, the request policy, the outbox, removing a user, their
 * second factor or a role, the intake forms and key, and changing your own
 * passphrase.  Each one library call, the CLI's --json shapes
 * (src/front/shapes.c); who may is the library's rule, and it audits. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "server/server.h"
#include "front/shapes.h"

/* the largest attachment one answer carries (in memory) */
#define ATTACH_API_MAX ((size_t)32 << 20)

/* ---------------------------------------------------------------- attachments */

static int attachment_id(int64_t *id, const char *s)
{
	return http_id_number(id, s, FORT_ENOTFOUND, "an attachment", "GET /api/attachments lists them");
}

int api_attachments_list(request *req)
{
	fort_attachment_info *a = NULL;
	const char *client = http_query(req, "client");
	size_t n = 0;
	int r;
	if ((r = fort_attachment_list(&a, &n, req->v, client && *client ? client : NULL)) < 0)
		return r;
	req->out = json_object();
	json_object_set_new(req->out, "attachments", shape_attachments(a, n));
	fort_attachment_list_free(a, n);
	return 0;
}

int api_attachments_get(request *req)
{
	char name[256];
	int64_t id;
	int r;
	if ((r = attachment_id(&id, req->id)) < 0)
		return r;
	if ((r = fort_attachment_read(&req->file, &req->file_len, name, req->v, id, ATTACH_API_MAX)) < 0)
		return r;
	req->file_type = "application/octet-stream";
	snprintf(req->file_name, sizeof req->file_name, "attachment-%lld", (long long)id);
	return 0;
}

int api_attachments_remove(request *req)
{
	int64_t id;
	int r;
	if ((r = attachment_id(&id, req->id)) < 0)
		return r;
	if ((r = fort_attachment_remove(req->v, id)) < 0)
		return r;
	req->out = json_pack("{s:I, s:b}", "id", (json_int_t)id, "removed", 1);
	return 0;
}

/* ---------------------------------------------------------------- consent, requests, mail */

int api_consent_verify(request *req)
{
	char problem[256] = "";
	uint64_t n = 0;
	int ok = 0, r;
	if ((r = fort_consent_verify(&ok, &n, problem, sizeof problem, req->v)) < 0)
		return r;
	req->out = json_object();
	json_object_set_new(req->out, "ok", json_boolean(ok));
	json_object_set_new(req->out, "entries", json_integer((json_int_t)n));
	json_object_set_new(req->out, "problem", ok ? json_null() : json_string(problem));
	return 0;
}

static int policy_out(request *req)
{
	fort_request_policy p;
	const char *s;
	json_t *arr;
	int r;
	if ((r = fort_request_policy_get(&p, req->v)) < 0)
		return r;
	arr = json_array();
	for (s = p.second_step; *s;) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		json_array_append_new(arr, json_stringn(s, len));
		s += len + (e ? 1 : 0);
	}
	req->out = json_object();
	json_object_set_new(req->out, "second_step", arr);
	return 0;
}

int api_request_policy_get(request *req)
{
	return policy_out(req);
}

int api_request_policy_set(request *req)
{
	static const char *const known[] = { "second_step", NULL };
	json_t *kinds = json_object_get(req->body, "second_step"), *k;
	char list[256] = "";
	size_t len = 0, i;
	int r;
	if ((r = api_body_check(req, known, "the request policy")) < 0)
		return r;
	if (!json_is_array(kinds))
		return fort_error_set(FORT_EINPUT, "\"second_step\" must be an array of request kinds (access, portability, "
				      "rectification, erasure, objection, restriction); [] for none");
	json_array_foreach(kinds, i, k) {
		int w;
		if (!json_is_string(k))
			return fort_error_set(FORT_EINPUT, "\"second_step\"[%zu] must be a request kind (a string)", i);
		w = snprintf(list + len, sizeof list - len, "%s%s", len ? "," : "", json_string_value(k));
		if (w < 0 || (size_t)w >= sizeof list - len)
			return fort_error_set(FORT_EINPUT, "\"second_step\" is too long: at most the six request kinds");
		len += (size_t)w;
	}
	if ((r = fort_request_policy_set(req->v, len ? list : "none")) < 0)
		return r;
	return policy_out(req);
}

int api_mail_list(request *req)
{
	fort_mail_info *m = NULL;
	const char *ref = http_query(req, "ref");
	size_t n = 0;
	json_t *arr;
	int r;
	if ((r = fort_mail_list(&m, &n, req->v, ref && *ref ? ref : NULL)) < 0)
		return r;
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, shape_mail(&m[i]));
	free(m);
	req->out = json_object();
	json_object_set_new(req->out, "messages", arr);
	return 0;
}

/* ---------------------------------------------------------------- users, roles */

int api_users_remove(request *req)
{
	fort_rotate_report rep;
	int r;
	memset(&rep, 0, sizeof rep);
	if ((r = fort_user_remove(&rep, req->v, req->id, NULL)) < 0)
		return r;
	/* their sessions end now, not at their next request */
	(void)fort_sessions_end_user(req->srv->sessions, req->id);
	req->out = json_object();
	json_object_set_new(req->out, "user", json_string(req->id));
	json_object_set_new(req->out, "status", json_string("removed"));
	json_object_set_new(req->out, "rotation", shape_rotation(&rep));
	return 0;
}

int api_users_totp_remove(request *req)
{
	int r;
	if ((r = fort_totp_remove(req->v, req->id)) < 0)
		return r;
	req->out = json_object();
	json_object_set_new(req->out, "user", json_string(req->id));
	json_object_set_new(req->out, "totp", json_false());
	return 0;
}

int api_roles_remove(request *req)
{
	int r;
	if ((r = fort_role_remove(req->v, req->id)) < 0)
		return r;
	req->out = json_object();
	json_object_set_new(req->out, "role", json_string(req->id));
	json_object_set_new(req->out, "removed", json_true());
	return 0;
}

/* ---------------------------------------------------------------- intake forms */

#define MAX_ITEMS 64

/* The strings of array NAME in the body into OUT (at most MAX_ITEMS);
 * absent: 0 of them unless REQUIRED. */
static int body_strings(request *req, const char *name, const char **out, size_t *n, int required)
{
	json_t *a = json_object_get(req->body, name), *x;
	size_t i;
	*n = 0;
	if (!a && !required)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > MAX_ITEMS || (required && !json_array_size(a)))
		return fort_error_set(FORT_EINPUT, "\"%s\" must be an array of %sat most %d strings", name,
				      required ? "1 to " : "", MAX_ITEMS);
	json_array_foreach(a, i, x) {
		if (!json_is_string(x))
			return fort_error_set(FORT_EINPUT, "\"%s\"[%zu] must be a string", name, i);
		out[(*n)++] = json_string_value(x);
	}
	return 0;
}

static int form_out(request *req, const char *name)
{
	fort_intake_form f;
	int r;
	if ((r = fort_intake_show(&f, req->v, name)) < 0)
		return r;
	req->out = shape_intake_form(&f);
	return 0;
}

int api_intake_forms_list(request *req)
{
	fort_intake_form *f = NULL;
	size_t n = 0;
	json_t *arr;
	int r;
	if ((r = fort_intake_list(&f, &n, req->v)) < 0)
		return r;
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, shape_intake_form(&f[i]));
	free(f);
	req->out = json_object();
	json_object_set_new(req->out, "forms", arr);
	return 0;
}

int api_intake_forms_create(request *req)
{
	static const char *const known[] = { "name", "fields", "consents", NULL };
	const char *name, *fields[MAX_ITEMS], *consents[MAX_ITEMS];
	size_t nf, nc;
	int r;
	if ((r = api_body_check(req, known, "an intake form")) < 0 || (r = api_body_str(req, "name", &name, 1)) < 0 ||
	    (r = body_strings(req, "fields", fields, &nf, 1)) < 0 || (r = body_strings(req, "consents", consents, &nc, 0)) < 0)
		return r;
	if ((r = fort_intake_create(req->v, name, fields, nf, consents, nc)) < 0)
		return r;
	if ((r = form_out(req, name)) < 0)
		return r;
	req->status = 201;
	return 0;
}

int api_intake_forms_set(request *req)
{
	static const char *const known[] = { "allowed_origins", NULL };
	const char *origins[MAX_ITEMS];
	size_t n;
	int r;
	if ((r = api_body_check(req, known, "an intake form's settings")) < 0)
		return r;
	if (!json_object_get(req->body, "allowed_origins"))
		return fort_error_set(FORT_EINPUT, "say which sites may frame the form: \"allowed_origins\" ([] for none)");
	if ((r = body_strings(req, "allowed_origins", origins, &n, 0)) < 0)
		return r;
	if ((r = fort_intake_set_origins(req->v, req->id, origins, n)) < 0)
		return r;
	return form_out(req, req->id);
}

int api_intake_forms_remove(request *req)
{
	int r;
	if ((r = fort_intake_remove(req->v, req->id)) < 0)
		return r;
	req->out = json_object();
	json_object_set_new(req->out, "removed", json_string(req->id));
	return 0;
}

int api_intake_key_rotate(request *req)
{
	uint64_t n = 0;
	int r;
	if ((r = fort_intake_rotate_key(&n, req->v)) < 0)
		return r;
	req->out = json_object();
	json_object_set_new(req->out, "rotated", json_true());
	json_object_set_new(req->out, "resealed", json_integer((json_int_t)n));
	return 0;
}
