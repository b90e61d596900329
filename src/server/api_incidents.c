/* api_incidents.c - the breach register: list (paged, each incident with
 * its legal clocks), open, show (clocks, notes), impact (which clients),
 * the letters previewed (authority notification and one letter per
 * client, rendered, not sent), notify (the letters queued in the existing
 * outbox, once each; `fortress mail send` or the outbox worker sends), the
 * plan, and drills (list, record).  One library call each (the list: one
 * per incident for its clocks), the CLI's --json shapes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "server/server.h"
#include "front/shapes.h"

#define LIST "/api/incidents"

/* ?as_of= (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ) as unix time; 0: now */
static int as_of(request *req, int64_t *now)
{
	const char *s = http_query(req, "as_of");
	int y, mo, d, h = 0, mi = 0, se = 0, n = 0;

	*now = 0;
	if (!s)
		return 0;
	if (!((sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &se, &n) == 6 && n == (int)strlen(s)) ||
	      (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == (int)strlen(s) && (h = mi = se = 0) == 0)) ||
	    mo < 1 || mo > 12 || d < 1 || (unsigned)d > fort_civil_month_days(y, (unsigned)mo) || h > 23 || mi > 59 || se > 59)
		return fort_error_set(FORT_EINPUT, "as_of '%s' is not a time (YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD)", s);
	*now = fort_civil_time(y, (unsigned)mo, (unsigned)d, h, mi, se);
	return 0;
}

int api_incidents_list(request *req)
{
	static const char *const known[] = { "limit", "after", "as_of", NULL };
	fort_incident_info *a = NULL;
	const char *after = http_query(req, "after"), *qn, *qv;
	size_t n = 0, limit, start = 0, i;
	int64_t now;
	int r;
	json_t *arr;

	if (http_query_other(req, known, &qn, &qv) > 0)
		return fort_error_set(FORT_EINPUT, "unknown query parameter '%s': incidents take limit, after and as_of", qn);
	if ((r = api_page_limit(req, &limit)) < 0 || (r = as_of(req, &now)) < 0)
		return r;
	if ((r = fort_incident_list(&a, &n, req->v)) < 0)
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
			return fort_error_set(FORT_ENOTFOUND, "after: no incident '%s' (use the 'next' value of the previous page)", after);
		}
		start = i + 1;
	}
	arr = json_array();
	for (i = start; i < n && i - start < limit; i++) {
		fort_incident_clock *k = NULL;
		size_t nk = 0;
		json_t *o = shape_incident(&a[i]), *cl = json_array();
		if ((r = fort_incident_clocks(&k, &nk, req->v, a[i].id, now)) < 0) {
			json_decref(o);
			json_decref(cl);
			json_decref(arr);
			free(a);
			return r;
		}
		for (size_t c = 0; c < nk; c++)
			json_array_append_new(cl, shape_incident_clock(&k[c]));
		free(k);
		json_object_set_new(o, "deadlines", cl);
		json_array_append_new(arr, o);
	}
	req->out = json_object();
	json_object_set_new(req->out, "incidents", arr);
	json_object_set_new(req->out, "next", i < n && i > start ? json_integer(a[i - 1].id) : json_null());
	free(a);
	return 0;
}

static int show(request *req, int64_t id, int64_t now)
{
	fort_incident_info in;
	fort_incident_note *notes = NULL;
	fort_incident_clock *k = NULL;
	size_t nn = 0, nk = 0;
	int r;

	if ((r = fort_incident_get(&in, req->v, id)) < 0 || (r = fort_incident_clocks(&k, &nk, req->v, id, now)) < 0 ||
	    (r = fort_incident_notes(&notes, &nn, req->v, id)) < 0) {
		free(k);
		return r;
	}
	req->out = shape_incident_full(&in, k, nk, notes, nn);
	free(k);
	fort_incident_notes_free(notes, nn);
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

int api_incidents_open(request *req)
{
	static const char *const known[] = { "title", "kind", "occurred", "aware", NULL };
	const char *title, *kind, *occurred, *aware;
	int64_t id = 0;
	int r;

	if ((r = api_body_check(req, known, "an incident")) < 0 || (r = api_body_str(req, "title", &title, 1)) < 0 ||
	    (r = api_body_str(req, "kind", &kind, 0)) < 0 || (r = api_body_str(req, "occurred", &occurred, 0)) < 0 ||
	    (r = api_body_str(req, "aware", &aware, 0)) < 0)
		return r;
	if ((r = fort_incident_open(&id, req->v, title, kind, occurred, aware)) < 0)
		return r;
	req->status = 201;
	return show(req, id, 0);
}

int api_incidents_get(request *req)
{
	int64_t id, now;
	int r;
	if ((r = api_id_number(req, &id, "an incident", LIST)) < 0 || (r = as_of(req, &now)) < 0)
		return r;
	return show(req, id, now);
}

int api_incidents_impact(request *req)
{
	fort_impact *im = NULL;
	int64_t id;
	int r;
	if ((r = api_id_number(req, &id, "an incident", LIST)) < 0 || (r = fort_incident_impact(&im, req->v, id)) < 0)
		return r;
	req->out = shape_impact(id, im);
	fort_impact_free(im);
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

/* The letters' options from the body: phase, case_ref, reasons_for_delay,
 * authority_only, clients_only, the offer of credit monitoring. */
static int letter_opts(request *req, fort_letter_opts *o, int *dry_run)
{
	static const char *const known[] = { "phase", "case_ref", "reasons_for_delay", "authority_only", "clients_only",
					     "offer_provider", "offer_enrol", "offer_code", "offer_until", "offer_months",
					     "dry_run", NULL };
	json_t *m = json_object_get(req->body, "offer_months");
	int r;

	if (!dry_run && json_object_get(req->body, "dry_run"))
		return fort_error_set(FORT_EINPUT, "unknown field \"dry_run\": a preview never sends (POST .../notify queues)");
	if ((r = api_body_check(req, known, "the letters")) < 0 || (r = api_body_str(req, "phase", &o->phase, 0)) < 0 ||
	    (r = api_body_str(req, "case_ref", &o->case_ref, 0)) < 0 ||
	    (r = api_body_str(req, "reasons_for_delay", &o->reasons_for_delay, 0)) < 0 ||
	    (r = api_body_bool(req, "authority_only", &o->authority_only, 0)) < 0 ||
	    (r = api_body_bool(req, "clients_only", &o->clients_only, 0)) < 0 ||
	    (r = api_body_str(req, "offer_provider", &o->offer_provider, 0)) < 0 ||
	    (r = api_body_str(req, "offer_enrol", &o->offer_enrol, 0)) < 0 ||
	    (r = api_body_str(req, "offer_code", &o->offer_code, 0)) < 0 ||
	    (r = api_body_str(req, "offer_until", &o->offer_until, 0)) < 0 ||
	    (dry_run && (r = api_body_bool(req, "dry_run", dry_run, 0)) < 0))
		return r;
	if (m) {
		if (!json_is_integer(m) || json_integer_value(m) < 1 || json_integer_value(m) > 120)
			return fort_error_set(FORT_EINPUT, "\"offer_months\" must be a number of months from 1 to 120");
		o->offer_months = (int)json_integer_value(m);
	}
	return 0;
}

static int letter_cb(void *ctx, const fort_letter *l)
{
	json_t *o = json_object();
	if (!o)
		return FORT_ENOMEM;
	json_object_set_new(o, "kind", json_string(l->kind));
	json_object_set_new(o, "client", l->client && *l->client ? json_string(l->client) : json_null());
	json_object_set_new(o, "to", l->to && *l->to ? json_string(l->to) : json_null());
	json_object_set_new(o, "subject", json_string(l->subject ? l->subject : ""));
	json_object_set_new(o, "text", json_string(l->text ? l->text : ""));
	return json_array_append_new(ctx, o) < 0 ? FORT_ENOMEM : 0;
}

int api_incidents_letters(request *req)
{
	fort_letter_opts o = FORT_LETTER_OPTS_INIT;
	json_t *letters;
	int64_t id;
	int r;

	if ((r = api_id_number(req, &id, "an incident", LIST)) < 0 || (r = letter_opts(req, &o, NULL)) < 0)
		return r;
	if (!(letters = json_array()))
		return fort_error_set(FORT_ENOMEM, "out of memory");
	if ((r = fort_incident_letters(req->v, id, &o, letter_cb, letters)) < 0) {
		json_decref(letters);
		return r;
	}
	req->out = json_pack("{s:I,s:o}", "incident", (json_int_t)id, "letters", letters);
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

static void notify_cb(void *ctx, const fort_incident_notify_item *it)
{
	json_t *o = json_object();
	json_object_set_new(o, "kind", json_string(it->kind));
	json_object_set_new(o, "client", it->client && *it->client ? json_string(it->client) : json_null());
	json_object_set_new(o, "state", json_string(it->state));
	json_object_set_new(o, "ref", json_string(it->ref ? it->ref : ""));
	json_object_set_new(o, "mail_id", it->mail_id ? json_integer(it->mail_id) : json_null());
	json_array_append_new(ctx, o);
}

int api_incidents_notify(request *req)
{
	fort_letter_opts o = FORT_LETTER_OPTS_INIT;
	fort_incident_notify_report rep;
	json_t *items;
	int64_t id;
	int dry = 0, r;

	if ((r = api_id_number(req, &id, "an incident", LIST)) < 0 || (r = letter_opts(req, &o, &dry)) < 0)
		return r;
	if (!(items = json_array()))
		return fort_error_set(FORT_ENOMEM, "out of memory");
	if ((r = fort_incident_notify(&rep, req->v, id, &o, dry, notify_cb, items)) < 0) {
		json_decref(items);
		return r;
	}
	/* `incident notify --no-send --json`'s shape, and what each letter became */
	if (!(req->out = shape_notify_report(id, &rep, dry))) {
		json_decref(items);
		return fort_error_set(FORT_ENOMEM, "out of memory");
	}
	json_object_set_new(req->out, "letters", items);
	return 0;
}

/* A JSON text the library made (the plan, the drills) as the answer. */
static int library_json(request *req, char *js)
{
	json_error_t je;
	req->out = json_loads(js, 0, &je);
	free(js);
	return req->out ? 0 : fort_error_set(FORT_ERROR, "the library's JSON does not parse: %s", je.text);
}

int api_plan_get(request *req)
{
	char *js = NULL;
	int64_t when = 0;
	int r;
	if ((r = fort_plan_get(&js, req->v)) < 0)
		return r;
	if ((r = library_json(req, js)) < 0)
		return r;
	/* as `plan show --json` */
	if (fort_plan_last_drill(&when, NULL, req->v) < 0)
		when = 0;
	json_object_set_new(req->out, "last_drill", when ? json_integer(when) : json_null());
	return 0;
}

int api_drills_list(request *req)
{
	char *js = NULL;
	int r;
	if ((r = fort_plan_drills(&js, req->v)) < 0)
		return r;
	if ((r = library_json(req, js)) < 0)
		return r;
	{
		json_t *a = req->out;
		req->out = json_pack("{s:o}", "drills", a);
	}
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

int api_drills_record(request *req)
{
	static const char *const known[] = { "type", "started", "steps", "outcome", "lessons", NULL };
	fort_drill_record d = FORT_DRILL_RECORD_INIT;
	json_t *steps = json_object_get(req->body, "steps"), *lessons = json_object_get(req->body, "lessons"), *st,
	       *started = json_object_get(req->body, "started");
	fort_drill_step *sv = NULL;
	const char **lv = NULL;
	int64_t id = 0, total = 0;
	size_t i;
	int r;

	if ((r = api_body_check(req, known, "a drill")) < 0 || (r = api_body_str(req, "type", &d.type, 1)) < 0 ||
	    (r = api_body_str(req, "outcome", &d.outcome, 1)) < 0)
		return r;
	if (started && (!json_is_integer(started) || json_integer_value(started) < 0))
		return fort_error_set(FORT_EINPUT, "\"started\" must be a unix time (seconds)");
	d.started = started ? (int64_t)json_integer_value(started) : 0;
	if (!json_is_array(steps) || !json_array_size(steps))
		return fort_error_set(FORT_EINPUT, "\"steps\" must be an array with one {\"done\", \"seconds\", \"note\"} per playbook step");
	if (lessons && !json_is_array(lessons))
		return fort_error_set(FORT_EINPUT, "\"lessons\" must be an array of strings");
	if (!(sv = calloc(json_array_size(steps), sizeof *sv)) ||
	    !(lv = calloc(lessons && json_array_size(lessons) ? json_array_size(lessons) : 1, sizeof *lv))) {
		free(sv);
		return fort_error_set(FORT_ENOMEM, "out of memory");
	}
	json_array_foreach(steps, i, st) {
		json_t *done = json_object_get(st, "done"), *secs = json_object_get(st, "seconds"), *note = json_object_get(st, "note");
		if (!json_is_object(st) || !json_is_boolean(done) || (secs && (!json_is_integer(secs) || json_integer_value(secs) < 0)) ||
		    (note && !json_is_string(note))) {
			r = fort_error_set(FORT_EINPUT, "\"steps\"[%zu] must be {\"done\": true|false, \"seconds\": N, \"note\": \"...\"}", i);
			goto out;
		}
		sv[i].done = json_is_true(done);
		sv[i].seconds = secs ? (int64_t)json_integer_value(secs) : 0;
		sv[i].note = note ? json_string_value(note) : NULL;
		total += sv[i].seconds;
	}
	d.steps = sv;
	d.nsteps = json_array_size(steps);
	json_array_foreach(lessons, i, st) {
		if (!json_is_string(st)) {
			r = fort_error_set(FORT_EINPUT, "\"lessons\"[%zu] must be a string", i);
			goto out;
		}
		lv[i] = json_string_value(st);
	}
	d.lessons = lv;
	d.nlessons = lessons ? json_array_size(lessons) : 0;
	if ((r = fort_plan_drill_record(&id, req->v, &d)) < 0)
		goto out;
	req->status = 201;
	/* `plan drill --json` */
	req->out = shape_drill_recorded(id, d.type, total, d.nsteps);
	r = req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
out:
	free(sv);
	free(lv);
	return r;
}
