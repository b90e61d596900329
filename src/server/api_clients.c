/* api_clients.c - the clients routes: list (paged) and find, get (masked),
 * reveal for a purpose, add.  Each is one library call; the library checks
 * role, purpose and consent and audits. */
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "server/server.h"
#include "front/shapes.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX 500

/* The two hottest answers are written straight into one buffer, not built
 * as jansson objects and dumped (bench/README.md): the same bytes
 * (front/shapes.h; tests/unit/front/test_shapes_text.c). */
static fort_buf *text_begin(fort_buf *b)
{
	fort_buf_init_secret(b, FORT_BUF_DEFAULT_CAP);
	fort_buf_grow(b, 1024);
	return b;
}

/* R 0: B becomes REQ's answer; else -1, B released (make the JSON then). */
static int text_answer(request *req, int r, fort_buf *b)
{
	if (r == 0 && (req->text = fort_buf_detach(b, &req->text_len)))
		return 0;
	fort_buf_release(b);
	fort_error_clear();
	return -1;
}

static int find_clients(request *req, const char *field, const char *value)
{
	char (*ids)[FORT_ID_LEN + 1] = NULL;
	size_t n = 0;
	fort_buf b;
	int r;
	if ((r = fort_client_find(&ids, &n, req->v, field, value)) < 0)
		return r;
	if (text_answer(req, shape_find_text(text_begin(&b), ids, n), &b) < 0) {
		req->out = json_object();
		json_object_set_new(req->out, "ids", shape_ids(ids, n));
	}
	free(ids);
	return 0;
}

int api_clients_list(request *req)
{
	static const char *const paging[] = { "limit", "after", NULL };
	fort_client_summary *s = NULL;
	const char *lim = http_query(req, "limit"), *after = http_query(req, "after"), *fname, *fval;
	size_t n = 0, start = 0, limit = PAGE_DEFAULT, i;
	json_t *a;
	int r, nother;

	if ((nother = http_query_other(req, paging, &fname, &fval)) > 1)
		return fort_error_set(FORT_EINPUT, "find by one field at a time (?email=...)");
	if (nother == 1)
		return find_clients(req, fname, fval);
	if (lim) {
		char *end;
		unsigned long long l = strtoull(lim, &end, 10);
		if (!*lim || *end || l == 0 || l > PAGE_MAX)
			return fort_error_set(FORT_EINPUT, "limit must be a number from 1 to %d", PAGE_MAX);
		limit = (size_t)l;
	}
	if ((r = fort_client_list(&s, &n, req->v)) < 0)
		return r;
	if (after && *after) {
		for (i = 0; i < n && strcmp(s[i].id, after) != 0; i++)
			;
		if (i == n) {
			free(s);
			return fort_error_set(FORT_ENOTFOUND, "after: no client '%s' (use the 'next' value of the previous page)", after);
		}
		start = i + 1;
	}
	a = json_array();
	for (i = start; i < n && i - start < limit; i++)
		json_array_append_new(a, shape_client_summary(&s[i]));
	req->out = json_object();
	json_object_set_new(req->out, "clients", a);
	json_object_set_new(req->out, "next", i < n && i > start ? json_string(s[i - 1].id) : json_null());
	free(s);
	return 0;
}

void api_record_answer(request *req, fort_record *rec)
{
	fort_buf b;
	if (text_answer(req, shape_record_text(text_begin(&b), rec), &b) < 0)
		req->out = shape_record(rec);
	fort_record_free(rec);
}

int api_clients_get(request *req)
{
	fort_record *rec = NULL;
	int r;
	/* the record comes once its entry is durable; no thread waits for it */
	if (req->hold)
		return http_client_get_held(req);
	if ((r = fort_client_get(&rec, req->v, req->id, NULL)) < 0)
		return r;
	api_record_answer(req, rec);
	return 0;
}

int api_clients_reveal(request *req)
{
	fort_read_opts o = FORT_READ_OPTS_INIT;
	fort_record *rec = NULL;
	json_t *purpose = json_object_get(req->body, "purpose"), *fields = json_object_get(req->body, "fields");
	const char *all[] = { "all" }, **list = NULL;
	size_t n = 0;
	int r;

	if (!json_is_string(purpose) || !*json_string_value(purpose))
		return fort_error_set(FORT_EINPUT, "reveal needs \"purpose\": one the data map allows for the fields");
	if (fields && !json_is_array(fields))
		return fort_error_set(FORT_EINPUT, "\"fields\" must be an array of field names (or absent: every field)");
	if (fields && json_array_size(fields)) {
		size_t i;
		json_t *f;
		if (!(list = calloc(json_array_size(fields), sizeof *list)))
			return fort_error_set(FORT_ENOMEM, "out of memory");
		json_array_foreach(fields, i, f) {
			if (!json_is_string(f)) {
				free(list);
				return fort_error_set(FORT_EINPUT, "\"fields\"[%zu] must be a field name (a string)", i);
			}
			list[n++] = json_string_value(f);
		}
		o.reveal = list;
		o.nreveal = n;
	} else {
		o.reveal = all;
		o.nreveal = 1;
	}
	o.purpose = json_string_value(purpose);
	r = fort_client_get(&rec, req->v, req->id, &o);
	free(list);
	if (r < 0)
		return r;
	req->out = shape_record(rec);
	fort_record_free(rec);
	return 0;
}

int api_clients_add(request *req)
{
	json_t *fields = json_object_get(req->body, "fields"), *val;
	fort_kv *kv = NULL;
	const char *name;
	char id[FORT_ID_LEN + 1];
	size_t n = 0;
	int r;

	if (!json_is_object(fields) || json_object_size(fields) == 0)
		return fort_error_set(FORT_EINPUT, "add needs \"fields\": an object of field name to value");
	if (!(kv = calloc(json_object_size(fields), sizeof *kv)))
		return fort_error_set(FORT_ENOMEM, "out of memory");
	json_object_foreach(fields, name, val) {
		if (!json_is_string(val)) {
			free(kv);
			return fort_error_set(FORT_EINPUT, "field '%s': the value must be a string", name);
		}
		kv[n].field = name;
		kv[n].value = json_string_value(val);
		n++;
	}
	r = fort_client_add(id, req->v, kv, n);
	free(kv);
	if (r < 0)
		return r;
	req->status = 201;
	req->out = json_object();
	json_object_set_new(req->out, "id", json_string(id));
	return 0;
}
