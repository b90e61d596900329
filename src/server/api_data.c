/* api_data.c - changing and taking out clients' data: edit (rectification),
 * erase (crypto-shredding, with the client's id typed again as the
 * confirmation), export for a purpose (a download made in a wiped memory
 * buffer, never a file), and retention (what is due; erase what expired).
 * One library call each, the CLI's --json shapes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "util.h"
#include "server/server.h"
#include "front/shapes.h"

#define EXPORT_CAP ((size_t)256 << 20)

int api_clients_edit(request *req)
{
	static const char *const known[] = { "fields", NULL };
	json_t *fields = json_object_get(req->body, "fields"), *val;
	fort_kv *kv = NULL;
	const char *name;
	size_t n = 0;
	int r;

	if ((r = api_body_check(req, known, "an edit")) < 0)
		return r;
	if (!json_is_object(fields) || json_object_size(fields) == 0)
		return fort_error_set(FORT_EINPUT, "edit needs \"fields\": an object of field name to its new value (null clears it)");
	if (!(kv = calloc(json_object_size(fields), sizeof *kv)))
		return fort_error_set(FORT_ENOMEM, "out of memory");
	json_object_foreach(fields, name, val) {
		if (!json_is_string(val) && !json_is_null(val)) {
			free(kv);
			return fort_error_set(FORT_EINPUT, "field '%s': the value must be a string (or null to clear it)", name);
		}
		kv[n].field = name;
		kv[n].value = json_is_null(val) ? NULL : json_string_value(val);
		n++;
	}
	r = fort_client_edit(req->v, req->id, kv, n);
	free(kv);
	if (r < 0)
		return r;
	req->out = shape_done(req->id, "updated");
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

int api_clients_erase(request *req)
{
	static const char *const known[] = { "confirm", "reason", NULL };
	const char *confirm, *reason;
	int r;

	if ((r = api_body_check(req, known, "an erasure")) < 0 || (r = api_body_str(req, "confirm", &confirm, 1)) < 0 ||
	    (r = api_body_str(req, "reason", &reason, 0)) < 0)
		return r;
	/* crypto-shredding cannot be undone: the id typed again */
	if (strcmp(confirm, req->id) != 0)
		return fort_error_set(FORT_EINPUT, "\"confirm\" must be the client's id again (%s): erasure cannot be undone", req->id);
	if ((r = fort_client_erase(req->v, req->id, reason)) < 0)
		return r;
	req->out = shape_done(req->id, "erased");
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

/* a FILE over a wiped, capped buffer (fopencookie): the export never
 * touches a file, and no copy of it is left in freed memory */
static ssize_t buf_write(void *cookie, const char *data, size_t len)
{
	return fort_buf_put(cookie, data, len) < 0 ? -1 : (ssize_t)len;
}

int api_export(request *req)
{
	static const char *const known[] = { "purpose", "format", "fields", NULL };
	static const cookie_io_functions_t io = { NULL, buf_write, NULL, NULL };
	fort_export_opts o = FORT_EXPORT_OPTS_INIT;
	json_t *fields = json_object_get(req->body, "fields"), *f;
	const char **list = NULL;
	fort_buf b;
	char iobuf[8192];   /* stdio's buffer: ours, so it is wiped, not freed with client data in it */
	FILE *fp;
	uint64_t count = 0;
	size_t i;
	int r;

	if ((r = api_body_check(req, known, "an export")) < 0 || (r = api_body_str(req, "purpose", &o.purpose, 1)) < 0 ||
	    (r = api_body_str(req, "format", &o.format, 0)) < 0)
		return r;
	if (!o.format)
		o.format = "json";
	if (strcmp(o.format, "json") && strcmp(o.format, "csv") && strcmp(o.format, "vcard"))
		return fort_error_set(FORT_EINPUT, "\"format\" must be json, csv or vcard");
	if (fields && (!json_is_array(fields) || !json_array_size(fields)))
		return fort_error_set(FORT_EINPUT, "\"fields\" must be a non-empty array of field names (or absent: every field the purpose allows)");
	if (fields) {
		if (!(list = calloc(json_array_size(fields), sizeof *list)))
			return fort_error_set(FORT_ENOMEM, "out of memory");
		json_array_foreach(fields, i, f) {
			if (!json_is_string(f)) {
				free(list);
				return fort_error_set(FORT_EINPUT, "\"fields\"[%zu] must be a field name (a string)", i);
			}
			list[i] = json_string_value(f);
		}
		o.fields = list;
		o.nfields = json_array_size(fields);
	}
	o.destination = "HTTP download";
	fort_buf_init_secret(&b, EXPORT_CAP);
	if (!(fp = fopencookie(&b, "w", io))) {
		free(list);
		fort_buf_release(&b);
		return fort_error_set(FORT_ENOMEM, "out of memory");
	}
	setvbuf(fp, iobuf, _IOFBF, sizeof iobuf);
	r = fort_client_export(&count, req->v, fp, &o);
	if (fclose(fp) != 0 && r == 0)
		r = fort_buf_error(&b) < 0 ? fort_buf_error(&b) : fort_error_set(FORT_EIO, "the export did not fit in memory");
	sodium_memzero(iobuf, sizeof iobuf);
	free(list);
	if (r == 0 && fort_buf_error(&b) < 0)
		r = fort_buf_error(&b);
	if (r < 0) {
		fort_buf_release(&b);
		return r;
	}
	req->file = (unsigned char *)fort_buf_detach(&b, &req->file_len);
	if (!req->file)
		return fort_error_set(FORT_ENOMEM, "out of memory");
	req->file_type = strcmp(o.format, "csv") == 0 ? "text/csv; charset=utf-8"
			 : strcmp(o.format, "vcard") == 0 ? "text/vcard; charset=utf-8" : "application/json";
	snprintf(req->file_name, sizeof req->file_name, "clients-%s.%s", o.purpose[0] && strlen(o.purpose) < 40 && !strpbrk(o.purpose, "\"\\/\r\n") ? o.purpose : "export",
		 strcmp(o.format, "vcard") == 0 ? "vcf" : o.format);
	return 0;
}

int api_retention_due(request *req)
{
	static const char *const known[] = { "within", "as_of", NULL };
	fort_retention_item *it = NULL;
	const char *w = http_query(req, "within"), *qn, *qv;
	long within = 30;
	size_t n = 0;
	int r;
	json_t *a;

	if (http_query_other(req, known, &qn, &qv) > 0)
		return fort_error_set(FORT_EINPUT, "unknown query parameter '%s': retention takes within and as_of", qn);
	if (w) {
		char *end;
		within = strtol(w, &end, 10);
		if (!*w || *end || within < 0 || within > 36600)
			return fort_error_set(FORT_EINPUT, "within takes a number of days from 0 to 36600");
	}
	if ((r = fort_retention_due_all(&it, &n, req->v, http_query(req, "as_of"), (int)within)) < 0)
		return r;
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, shape_retention_item(&it[i]));
	free(it);
	req->out = json_object();
	json_object_set_new(req->out, "due", a);
	return 0;
}

int api_retention_run(request *req)
{
	static const char *const known[] = { "dry_run", "as_of", NULL };
	fort_retention_item *it = NULL;
	const char *as_of;
	size_t n = 0;
	int dry, r;

	if ((r = api_body_check(req, known, "a retention run")) < 0 || (r = api_body_bool(req, "dry_run", &dry, 0)) < 0 ||
	    (r = api_body_str(req, "as_of", &as_of, 0)) < 0)
		return r;
	if ((r = fort_retention_run_all(&it, &n, req->v, as_of, dry)) < 0)
		return r;
	req->out = shape_retention_run(it, n, dry);
	free(it);
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}
