/* api_requests.c - clients' requests (access, rectification, erasure,
 * restriction, objection, portability): list with due dates (paged), open,
 * show, the identity check, the steps (pause ... refuse), and the answers
 * that are files: the access or portability package and the erasure
 * certificate, each one zip made in memory by the library and sent as a
 * download (Content-Disposition, Cache-Control: no-store).  One library
 * call each; the shapes are `fortress request ... --json`'s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "server/server.h"
#include "front/shapes.h"

#define LIST "/api/requests"

int api_requests_list(request *req)
{
	static const char *const known[] = { "limit", "after", "client", "due", "as_of", NULL };
	fort_request_info *a = NULL;
	const char *after = http_query(req, "after"), *client = http_query(req, "client"), *qn, *qv;
	size_t n = 0, limit, start = 0, i;
	int due = 0, r;
	json_t *arr;

	if (http_query_other(req, known, &qn, &qv) > 0)
		return fort_error_set(FORT_EINPUT, "unknown query parameter '%s': requests take limit, after, client, due and as_of", qn);
	if ((r = api_page_limit(req, &limit)) < 0 || (r = api_query_bool(req, "due", &due)) < 0)
		return r;
	if ((r = fort_request_list(&a, &n, req->v, client && *client ? client : NULL, due, http_query(req, "as_of"))) < 0)
		return r;
	if (after && *after) {
		for (i = 0; i < n; i++) {
			char idn[24];
			snprintf(idn, sizeof idn, "%lld", (long long)a[i].id);
			if (strcmp(idn, after) == 0)
				break;
		}
		if (i == n) {
			free(a);
			return fort_error_set(FORT_ENOTFOUND, "after: no request '%s' in this list (use the 'next' value of the previous page)",
					      after);
		}
		start = i + 1;
	}
	arr = json_array();
	for (i = start; i < n && i - start < limit; i++)
		json_array_append_new(arr, shape_request(&a[i]));
	req->out = json_object();
	json_object_set_new(req->out, "requests", arr);
	json_object_set_new(req->out, "next", i < n && i > start ? json_integer(a[i - 1].id) : json_null());
	free(a);
	return 0;
}

static int show(request *req, int64_t id, const char *as_of)
{
	fort_request_info info;
	int r;
	if ((r = fort_request_get(&info, req->v, id, as_of)) < 0)
		return r;
	req->out = shape_request(&info);
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

int api_requests_open(request *req)
{
	static const char *const known[] = { "kind", "client", "received", "jurisdiction", "region", "verify_id", "channel", "note", NULL };
	fort_request_opts o = FORT_REQUEST_OPTS_INIT;
	const char *kind, *client, *received;
	int64_t id = 0;
	int r;

	if ((r = api_body_check(req, known, "a request")) < 0 || (r = api_body_str(req, "kind", &kind, 1)) < 0 ||
	    (r = api_body_str(req, "client", &client, 1)) < 0 || (r = api_body_str(req, "received", &received, 1)) < 0 ||
	    (r = api_body_str(req, "jurisdiction", &o.jurisdiction, 0)) < 0 || (r = api_body_str(req, "region", &o.region, 0)) < 0 ||
	    (r = api_body_bool(req, "verify_id", &o.needs_id, 0)) < 0 || (r = api_body_str(req, "channel", &o.channel, 0)) < 0 ||
	    (r = api_body_str(req, "note", &o.note, 0)) < 0)
		return r;
	if ((r = fort_request_open(&id, req->v, kind, client, received, &o)) < 0)
		return r;
	req->status = 201;
	return show(req, id, NULL);
}

int api_requests_get(request *req)
{
	int64_t id;
	int r;
	if ((r = api_id_number(req, &id, "a request", LIST)) < 0)
		return r;
	return show(req, id, http_query(req, "as_of"));
}

int api_requests_identity(request *req)
{
	static const char *const known[] = { "method", "ok", "date", NULL };
	const char *method, *date;
	int64_t id;
	int ok, r;

	if ((r = api_id_number(req, &id, "a request", LIST)) < 0 || (r = api_body_check(req, known, "an identity check")) < 0 ||
	    (r = api_body_str(req, "method", &method, 1)) < 0 || (r = api_body_bool(req, "ok", &ok, 1)) < 0 ||
	    (r = api_body_str(req, "date", &date, 0)) < 0)
		return r;
	if ((r = fort_request_verify_id(req->v, id, method, ok, date)) < 0)
		return r;
	return show(req, id, NULL);
}

int api_requests_step(request *req)
{
	static const char *const known[] = { "action", "date", "note", NULL };
	static const char *const actions[] = { "pause", "resume", "start", "extend", "answer", "refuse", NULL };
	const char *action, *date, *note;
	char *letter = NULL;
	int64_t id;
	int r, k;

	if ((r = api_id_number(req, &id, "a request", LIST)) < 0 || (r = api_body_check(req, known, "a step")) < 0 ||
	    (r = api_body_str(req, "action", &action, 1)) < 0 || (r = api_body_str(req, "date", &date, 0)) < 0 ||
	    (r = api_body_str(req, "note", &note, 0)) < 0)
		return r;
	for (k = 0; actions[k] && strcmp(actions[k], action) != 0; k++)
		;
	if (!actions[k])
		return fort_error_set(FORT_EINPUT, "\"action\" must be pause, resume, start, extend, answer or refuse");
	if ((r = fort_request_update(strcmp(action, "refuse") == 0 ? &letter : NULL, req->v, id, action, date, note)) < 0)
		return r;
	if ((r = show(req, id, NULL)) < 0) {
		free(letter);
		return r;
	}
	if (letter) {
		json_object_set_new(req->out, "letter", json_string(letter));
		free(letter);
	}
	return 0;
}

int api_requests_fulfil(request *req)
{
	static const char *const known[] = { NULL };
	fort_access_report rep;
	int64_t id;
	int r;

	if ((r = api_id_number(req, &id, "a request", LIST)) < 0 || (r = api_body_check(req, known, "a fulfilment")) < 0)
		return r;
	if ((r = fort_request_fulfil_zip(&rep, &req->file, &req->file_len, req->v, id)) < 0)
		return r;
	req->file_type = "application/zip";
	snprintf(req->file_name, sizeof req->file_name, "request-%lld-package.zip", (long long)id);
	return 0;
}

int api_requests_erase(request *req)
{
	static const char *const known[] = { "confirm", "as_of", NULL };
	fort_request_info info;
	fort_erasure_report rep;
	const char *confirm, *as_of;
	int64_t id;
	int r;

	if ((r = api_id_number(req, &id, "a request", LIST)) < 0 || (r = api_body_check(req, known, "an erasure")) < 0 ||
	    (r = api_body_str(req, "confirm", &confirm, 1)) < 0 || (r = api_body_str(req, "as_of", &as_of, 0)) < 0)
		return r;
	/* erasure cannot be undone: the caller names the client it erases */
	if ((r = fort_request_get(&info, req->v, id, NULL)) < 0)
		return r;
	if (strcmp(confirm, info.client) != 0)
		return fort_error_set(FORT_EINPUT, "\"confirm\" must be the request's client id (%s): erasure cannot be undone", info.client);
	if ((r = fort_request_erase_zip(&rep, &req->file, &req->file_len, req->v, id, as_of)) < 0)
		return r;
	req->file_type = "application/zip";
	snprintf(req->file_name, sizeof req->file_name, "request-%lld-erasure-certificate.zip", (long long)id);
	return 0;
}
