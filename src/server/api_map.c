/* api_map.c - the data map over the API (issue 17: every CLI task): the map
 * as `map show --json` / `map export` give it, replacing it (`map import`),
 * adding and changing a field, an activity or a recipient, the activities'
 * and recipients' lists, and a purpose's retention rule (`retention rule`).
 * One library call each (the library checks the role 'map', validates and
 * audits), the CLI's --json shapes. */
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "server/server.h"
#include "front/shapes.h"

#define LIST_MAX 200 /* purposes of a field, recipients of an activity: the map's own limit (docs/cli.md) */

/* GET /api/map */
int api_map_get(request *req)
{
	char *text = NULL;
	json_error_t je;
	int r;
	if ((r = fort_map_export(&text, req->v)) < 0)
		return r;
	req->out = json_loads(text, 0, &je);
	free(text);
	return req->out ? 0 : fort_error_set(FORT_ERROR, "the vault returned a data map that is not JSON: %s", je.text);
}

/* PUT /api/map: the body is the map */
int api_map_import(request *req)
{
	char *text = json_dumps(req->body, JSON_COMPACT);
	int r;
	if (!text)
		return fort_error_set(FORT_ENOMEM, "out of memory");
	r = fort_map_import(req->v, text, strlen(text));
	free(text);
	if (r < 0)
		return r;
	req->out = json_pack("{s:b,s:I}", "imported", 1, "fields", (json_int_t)fort_map_count(req->v));
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

/* A list of strings NAME of the body into OUT (at most CAP): *N its length
 * (0 when absent). */
static int body_strings(request *req, const char *name, const char **out, size_t cap, size_t *n)
{
	json_t *a = json_object_get(req->body, name), *x;
	size_t i;
	*n = 0;
	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > cap)
		return fort_error_set(FORT_EINPUT, "\"%s\" must be a list of at most %d names", name, LIST_MAX);
	json_array_foreach(a, i, x) {
		if (!json_is_string(x))
			return fort_error_set(FORT_EINPUT, "\"%s\": entry %zu is not a name", name, i + 1);
		out[(*n)++] = json_string_value(x);
	}
	return 0;
}

static int done(request *req, const char *name, const char *what, int status)
{
	req->out = shape_done(name, what);
	req->status = status;
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

/* ---------------------------------------------------------------- fields */

static int field_change(request *req, int add)
{
	static const char *const known_add[] = { "name", "label", "type", "category", "purposes", "legal_basis", "retention",
						 "note", "searchable", "max_length", NULL };
	fort_field_spec s = FORT_FIELD_SPEC_INIT;
	const char *purposes[LIST_MAX];
	json_t *ml = json_object_get(req->body, "max_length"), *sr = json_object_get(req->body, "searchable");
	int r;
	if ((r = api_body_check(req, add ? known_add : known_add + 1, add ? "a new field" : "a field's change")) < 0)
		return r;
	if (add && (r = api_body_str(req, "name", &s.name, 1)) < 0)
		return r;
	if (!add)
		s.name = req->id;
	if ((r = api_body_str(req, "label", &s.label, 0)) < 0 || (r = api_body_str(req, "type", &s.type, 0)) < 0 ||
	    (r = api_body_str(req, "category", &s.category, 0)) < 0 ||
	    (r = api_body_str(req, "legal_basis", &s.legal_basis, 0)) < 0 ||
	    (r = api_body_str(req, "retention", &s.retention, 0)) < 0 || (r = api_body_str(req, "note", &s.note, 0)) < 0 ||
	    (r = body_strings(req, "purposes", purposes, LIST_MAX, &s.npurposes)) < 0)
		return r;
	s.purposes = purposes;
	if (sr && !json_is_boolean(sr))
		return fort_error_set(FORT_EINPUT, "\"searchable\" must be true or false");
	s.searchable = sr ? json_is_true(sr) : -1;
	if (ml && (!json_is_integer(ml) || json_integer_value(ml) < 1 || json_integer_value(ml) > 1000000))
		return fort_error_set(FORT_EINPUT, "\"max_length\" must be a number from 1 to 1000000");
	s.max_length = ml ? (size_t)json_integer_value(ml) : 0;
	if ((r = add ? fort_map_field_add(req->v, &s) : fort_map_field_edit(req->v, &s)) < 0)
		return r;
	return done(req, s.name, add ? "added" : "updated", add ? 201 : 200);
}

int api_map_field_add(request *req) { return field_change(req, 1); }
int api_map_field_edit(request *req) { return field_change(req, 0); }

/* ---------------------------------------------------------------- activities */

int api_map_activities(request *req)
{
	req->out = shape_activities(req->v);
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

static int activity_change(request *req, int add)
{
	static const char *const known_add[] = { "purpose", "description", "legal_basis", "special_basis", "retention",
						 "recipients", "provision", NULL };
	fort_activity_spec s = FORT_ACTIVITY_SPEC_INIT;
	const char *rec[LIST_MAX];
	json_t *ra = json_object_get(req->body, "recipients");
	int r;
	if ((r = api_body_check(req, add ? known_add : known_add + 1, add ? "a new activity" : "an activity's change")) < 0)
		return r;
	if (add && (r = api_body_str(req, "purpose", &s.purpose, 1)) < 0)
		return r;
	if (!add)
		s.purpose = req->id;
	if ((r = api_body_str(req, "description", &s.description, 0)) < 0 ||
	    (r = api_body_str(req, "legal_basis", &s.legal_basis, 0)) < 0 ||
	    (r = api_body_str(req, "special_basis", &s.special_basis, 0)) < 0 ||
	    (r = api_body_str(req, "retention", &s.retention, 0)) < 0 ||
	    (r = api_body_str(req, "provision", &s.provision, 0)) < 0 ||
	    (r = body_strings(req, "recipients", rec, LIST_MAX, &s.nrecipients)) < 0)
		return r;
	if (ra && !s.nrecipients) {
		/* [] empties the list (the CLI's --recipient -) */
		rec[0] = "-";
		s.nrecipients = 1;
	}
	s.recipients = rec;
	if ((r = fort_map_activity_set(req->v, &s, add)) < 0)
		return r;
	return done(req, s.purpose, add ? "added" : "updated", add ? 201 : 200);
}

int api_map_activity_add(request *req) { return activity_change(req, 1); }
int api_map_activity_edit(request *req) { return activity_change(req, 0); }

/* PUT (set) and DELETE (clear) /api/map/activities/{id}/retention-rule:
 * `retention rule --json`'s answer */
int api_map_retention_rule(request *req)
{
	static const char *const known[] = { "duration", "after", "reason", NULL };
	const char *duration = NULL, *after = NULL, *reason = NULL;
	char text[400];
	int r, clear = strcmp(req->method, "DELETE") == 0;
	if (!clear && ((r = api_body_check(req, known, "a retention rule")) < 0 ||
		       (r = api_body_str(req, "duration", &duration, 1)) < 0 || (r = api_body_str(req, "after", &after, 1)) < 0 ||
		       (r = api_body_str(req, "reason", &reason, 1)) < 0))
		return r;
	if ((r = fort_retention_rule_set(req->v, req->id, duration, after, reason)) < 0 ||
	    (r = fort_retention_rule_text(text, sizeof text, req->v, req->id)) < 0)
		return r;
	req->out = json_pack("{s:s,s:s}", "purpose", req->id, "rule", text);
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

/* ---------------------------------------------------------------- recipients */

int api_map_recipients(request *req)
{
	req->out = shape_recipients(req->v);
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

static int recipient_change(request *req, int add)
{
	static const char *const known_add[] = { "name", "kind", "country", "safeguard", "note", NULL };
	const char *name = req->id, *kind, *country, *safeguard, *note;
	int r;
	if ((r = api_body_check(req, add ? known_add : known_add + 1, add ? "a new recipient" : "a recipient's change")) < 0)
		return r;
	if (add && (r = api_body_str(req, "name", &name, 1)) < 0)
		return r;
	if ((r = api_body_str(req, "kind", &kind, 0)) < 0 || (r = api_body_str(req, "country", &country, 0)) < 0 ||
	    (r = api_body_str(req, "safeguard", &safeguard, 0)) < 0 || (r = api_body_str(req, "note", &note, 0)) < 0)
		return r;
	if ((r = fort_map_recipient_set(req->v, name, kind, country, safeguard, note, add)) < 0)
		return r;
	return done(req, name, add ? "added" : "updated", add ? 201 : 200);
}

int api_map_recipient_add(request *req) { return recipient_change(req, 1); }
int api_map_recipient_edit(request *req) { return recipient_change(req, 0); }
