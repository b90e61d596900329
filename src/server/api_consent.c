/* api_consent.c - a client's consent (GET: where they stand and the
 * ledger; POST: record grant, withdraw, object, restrict or lift), the
 * audit log, paged, and the users and roles.  One library call each, the CLI's --json shapes
 * (front/shapes.c).  The server takes no file paths from a request: a
 * grant uses the newest published notice in its language, and evidence
 * files are the CLI's. */
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "server/server.h"
#include "front/shapes.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX 500

int api_consent_get(request *req)
{
	fort_consent_state *st = NULL;
	fort_consent_entry *e = NULL;
	size_t ns = 0, ne = 0;
	int restricted = 0, r;

	if ((r = fort_consent_status(&st, &ns, &restricted, req->v, req->id)) < 0 ||
	    (r = fort_consent_history(&e, &ne, req->v, req->id)) < 0) {
		free(st);
		return r;
	}
	req->out = shape_consent(req->id, restricted, st, ns, e, ne);
	free(st);
	free(e);
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

static const char *str_field(request *req, const char *name, int *bad)
{
	json_t *v = json_object_get(req->body, name);
	if (v && !json_is_string(v))
		*bad = 1;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int api_consent_record(request *req)
{
	static const char *const actions[] = { "grant", "withdraw", "object", "restrict", "lift", NULL };
	static const char *const known[] = { "action", "purpose", "channel", "language", NULL };
	fort_consent_opts o = FORT_CONSENT_OPTS_INIT;
	const char *action, *purpose, *key;
	json_t *val;
	int bad = 0, ok = 0, r;

	json_object_foreach(req->body, key, val) {
		int k = 0;
		(void)val;
		while (known[k] && strcmp(known[k], key) != 0)
			k++;
		if (!known[k])
			return fort_error_set(FORT_EINPUT, "unknown field \"%s\": a consent takes \"action\", \"purpose\", \"channel\" and "
					      "\"language\" (files such as evidence are recorded with the CLI)", key);
	}
	action = str_field(req, "action", &bad);
	purpose = str_field(req, "purpose", &bad);
	o.channel = str_field(req, "channel", &bad);
	o.language = str_field(req, "language", &bad);
	if (bad)
		return fort_error_set(FORT_EINPUT, "\"action\", \"purpose\", \"channel\" and \"language\" must be strings");
	for (int i = 0; action && actions[i]; i++)
		ok |= strcmp(actions[i], action) == 0;
	if (!ok)
		return fort_error_set(FORT_EINPUT, "\"action\" must be grant, withdraw, object, restrict or lift");
	if (!o.channel)
		return fort_error_set(FORT_EINPUT, "say how it was given: \"channel\": web, email, paper, verbal, phone or in_person");
	if (!purpose && strcmp(action, "restrict") != 0 && strcmp(action, "lift") != 0)
		return fort_error_set(FORT_EINPUT, "\"%s\" needs \"purpose\": one of the data map's purposes", action);
	if (strcmp(action, "restrict") == 0 || strcmp(action, "lift") == 0)
		purpose = NULL;
	if ((r = fort_consent_record(req->v, req->id, purpose, action, &o)) < 0)
		return r;
	req->status = 201;
	req->out = shape_consent_recorded(req->id, purpose, action);
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

struct page {
	json_t *entries;
	int64_t after;
	size_t limit, n;
	int64_t last;
	int more, failed;
};

static int page_entry(void *ctx, const fort_audit_entry *e)
{
	struct page *p = ctx;
	json_t *o;
	if (e->seq <= p->after)
		return 0;
	if (p->n == p->limit) {
		p->more = 1;
		return 1;  /* stop: the page is full and another entry follows */
	}
	if (!(o = shape_audit_entry(e)) || json_array_append_new(p->entries, o) < 0) {
		p->failed = 1;
		return 1;
	}
	p->n++;
	p->last = e->seq;
	return 0;
}

int api_audit_log(request *req)
{
	const char *lim = http_query(req, "limit"), *after = http_query(req, "after"), *client = http_query(req, "client");
	struct page p;
	int r;

	memset(&p, 0, sizeof p);
	p.limit = PAGE_DEFAULT;
	if (lim) {
		char *end;
		unsigned long long l = strtoull(lim, &end, 10);
		if (!*lim || *end || l == 0 || l > PAGE_MAX)
			return fort_error_set(FORT_EINPUT, "limit must be a number from 1 to %d", PAGE_MAX);
		p.limit = (size_t)l;
	}
	if (after) {
		char *end;
		long long a = strtoll(after, &end, 10);
		if (!*after || *end || a < 0)
			return fort_error_set(FORT_EINPUT, "after must be an entry's seq (the 'next' value of the previous page)");
		p.after = a;
	}
	if (!(p.entries = json_array()))
		return fort_error_set(FORT_ENOMEM, "out of memory");
	r = fort_audit_log(req->v, client && *client ? client : NULL, page_entry, &p);
	if (r < 0 || p.failed) {
		json_decref(p.entries);
		return r < 0 ? r : fort_error_set(FORT_ENOMEM, "out of memory");
	}
	req->out = json_object();
	json_object_set_new(req->out, "entries", p.entries);
	json_object_set_new(req->out, "next", p.more ? json_integer(p.last) : json_null());
	return 0;
}

int api_users_list(request *req)
{
	fort_user_info *u = NULL;
	size_t n = 0;
	int r;
	if ((r = fort_user_list(&u, &n, req->v)) < 0)
		return r;
	req->out = json_object();
	json_object_set_new(req->out, "users", shape_users(u, n));
	free(u);
	return 0;
}

int api_roles_list(request *req)
{
	fort_role_info *ri = NULL;
	size_t n = 0;
	int r;
	if ((r = fort_role_list(&ri, &n, req->v)) < 0)
		return r;
	req->out = json_object();
	json_object_set_new(req->out, "roles", shape_roles(ri, n));
	free(ri);
	return 0;
}
