/* shapes.c - the JSON shapes shared by the CLI's --json and the HTTP API
 * (shapes.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "front/shapes.h"
#include "util.h"

json_t *shape_status(fort_vault *v, const fort_status *st, const fort_incident_summary *is, const char *path)
{
	json_t *j = json_object(), *k = json_object();
	char head[96];

	if (!j || !k) {
		json_decref(j);
		json_decref(k);
		return NULL;
	}
	snprintf(head, sizeof head, "%lld:%s", (long long)st->audit_head_seq, st->audit_head);
	if (path)
		json_object_set_new(j, "vault", json_string(path));
	json_object_set_new(j, "vault_id", json_string(st->vault_id));
	json_object_set_new(j, "business", json_string(st->business));
	json_object_set_new(j, "owner", json_string(st->owner));
	json_object_set_new(j, "schema_version", json_integer(st->schema_version));
	json_object_set_new(k, "name", json_string(st->kdf));
	json_object_set_new(k, "opslimit", json_integer((json_int_t)st->kdf_opslimit));
	json_object_set_new(k, "memlimit", json_integer((json_int_t)st->kdf_memlimit));
	json_object_set_new(j, "kdf", k);
	json_object_set_new(j, "default_country", json_string(st->default_country));
	json_object_set_new(j, "clients", json_integer((json_int_t)st->clients));
	json_object_set_new(j, "erased", json_integer((json_int_t)st->erased));
	json_object_set_new(j, "audit_entries", json_integer((json_int_t)st->audit_entries));
	json_object_set_new(j, "failed_unlocks_30d", json_integer((json_int_t)st->failed_unlocks));
	json_object_set_new(j, "last_failed_unlock", st->last_failed_unlock ? json_integer(st->last_failed_unlock) : json_null());
	{
		/* sign-ins to the server that failed, as failed unlocks: 30 days */
		uint64_t n = 0;
		int64_t last = 0;
		if (fort_signin_failures(&n, &last, v, (int64_t)time(NULL) - 30 * 86400) < 0)
			n = 0, last = 0;
		json_object_set_new(j, "failed_signins_30d", json_integer((json_int_t)n));
		json_object_set_new(j, "last_failed_signin", last ? json_integer(last) : json_null());
	}
	json_object_set_new(j, "audit_head", json_string(head));
	json_object_set_new(j, "created", json_integer(st->created));
	json_object_set_new(j, "last_verified_backup",
			    st->last_verified_backup ? json_integer(st->last_verified_backup) : json_null());
	json_object_set_new(j, "users", json_integer((json_int_t)st->users));
	json_object_set_new(j, "pending_users", json_integer((json_int_t)st->pending_users));
	{
		/* the incident plan: is there one, when was it last drilled */
		json_t *pl = json_object();
		int64_t drilled = 0;
		char dtype[48] = "";
		int has = fort_plan_exists(v);

		if (has > 0)
			(void)fort_plan_last_drill(&drilled, dtype, v);
		json_object_set_new(pl, "exists", json_boolean(has > 0));
		json_object_set_new(pl, "last_drill", drilled ? json_integer(drilled) : json_null());
		json_object_set_new(pl, "last_drill_type", drilled ? json_string(dtype) : json_null());
		json_object_set_new(j, "plan", pl);
	}
	if (st->rotating[0]) {
		json_t *rot = json_object();

		json_object_set_new(rot, "keys", json_string(st->rotating));
		json_object_set_new(rot, "done", json_integer((json_int_t)st->rotation_done));
		json_object_set_new(j, "key_rotation", rot);
	}
	{
		json_t *inc = json_object();

		json_object_set_new(inc, "open", json_integer((json_int_t)is->open));
		if (is->has_next) {
			json_t *n = json_object();
			json_object_set_new(n, "incident", json_integer(is->incident));
			json_object_set_new(n, "jurisdiction", json_string(is->next.jurisdiction));
			json_object_set_new(n, "clock", json_string(is->next.clock));
			json_object_set_new(n, "due", json_string(is->next.due));
			json_object_set_new(n, "overdue", json_boolean(is->next.overdue));
			json_object_set_new(inc, "next_deadline", n);
		} else {
			json_object_set_new(inc, "next_deadline", json_null());
		}
		json_object_set_new(j, "incidents", inc);
	}
	return j;
}

json_t *shape_client_summary(const fort_client_summary *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(s->id));
	json_object_set_new(o, "created", json_integer(s->created));
	json_object_set_new(o, "display", json_string(s->display));
	return o;
}

json_t *shape_record(const fort_record *rec)
{
	json_t *j = json_object(), *fields = json_object();
	size_t n = fort_record_count(rec);

	json_object_set_new(j, "id", json_string(fort_record_id(rec)));
	json_object_set_new(j, "created", json_integer(fort_record_created(rec)));
	json_object_set_new(j, "updated", json_integer(fort_record_updated(rec)));
	for (size_t i = 0; i < n; i++) {
		const fort_record_field *f = fort_record_field_at(rec, i);
		json_t *v = json_object();

		json_object_set_new(v, "value", f->value ? json_string(f->value) : json_null());
		json_object_set_new(v, "revealed", json_boolean(f->revealed));
		json_object_set_new(fields, f->field, v);
	}
	json_object_set_new(j, "fields", fields);
	return j;
}

static void put_i64(fort_buf *b, int64_t x)
{
	char d[24], *p = d + sizeof d;
	uint64_t u = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (x < 0)
		*--p = '-';
	fort_buf_put(b, p, (size_t)(d + sizeof d - p));
}

int shape_record_text(fort_buf *b, const fort_record *rec)
{
	size_t n = fort_record_count(rec);
	fort_buf_puts(b, "{\"id\":");
	if (fort_json_string(b, fort_record_id(rec)) < 0)
		return -1;
	fort_buf_puts(b, ",\"created\":");
	put_i64(b, fort_record_created(rec));
	fort_buf_puts(b, ",\"updated\":");
	put_i64(b, fort_record_updated(rec));
	fort_buf_puts(b, ",\"fields\":{");
	for (size_t i = 0; i < n; i++) {
		const fort_record_field *f = fort_record_field_at(rec, i);
		/* a name twice would be one key in jansson's object */
		for (size_t k = 0; k < i; k++)
			if (strcmp(fort_record_field_at(rec, k)->field, f->field) == 0)
				return -1;
		if (i)
			fort_buf_putc(b, ',');
		if (fort_json_string(b, f->field) < 0)
			return -1;
		fort_buf_puts(b, ":{\"value\":");
		if (!f->value)
			fort_buf_puts(b, "null");
		else if (fort_json_string(b, f->value) < 0)
			return -1;
		fort_buf_puts(b, f->revealed ? ",\"revealed\":true}" : ",\"revealed\":false}");
	}
	fort_buf_puts(b, "}}");
	return fort_buf_error(b) ? -1 : 0;
}

int shape_find_text(fort_buf *b, char (*ids)[FORT_ID_LEN + 1], size_t n)
{
	fort_buf_puts(b, "{\"ids\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			fort_buf_putc(b, ',');
		if (fort_json_string(b, ids[i]) < 0)
			return -1;
	}
	fort_buf_puts(b, "]}");
	return fort_buf_error(b) ? -1 : 0;
}

json_t *shape_ids(char (*ids)[FORT_ID_LEN + 1], size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(ids[i]));
	return a;
}

json_t *shape_audit_report(const fort_audit_report *rep)
{
	json_t *j = json_object();
	char head[96];

	snprintf(head, sizeof head, "%lld:%s", (long long)rep->head_seq, rep->head);
	json_object_set_new(j, "ok", json_boolean(rep->ok));
	json_object_set_new(j, "entries", json_integer((json_int_t)rep->entries));
	json_object_set_new(j, "head", json_string(head));
	json_object_set_new(j, "bad_seq", rep->bad_seq >= 0 ? json_integer(rep->bad_seq) : json_null());
	json_object_set_new(j, "problem", json_string(rep->ok ? "" : rep->problem));
	return j;
}

const char *shape_time(char *buf, size_t len, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

json_t *shape_audit_entry(const fort_audit_entry *e)
{
	json_t *o = json_object();
	char when[32];

	if (!o)
		return NULL;
	json_object_set_new(o, "seq", json_integer(e->seq));
	json_object_set_new(o, "ts", json_integer(e->ts));
	json_object_set_new(o, "time", json_string(shape_time(when, sizeof(when), e->ts)));
	json_object_set_new(o, "actor", json_string(nz(e->actor)));
	json_object_set_new(o, "action", json_string(nz(e->action)));
	json_object_set_new(o, "client", json_string(nz(e->client)));
	json_object_set_new(o, "fields", json_string(nz(e->fields)));
	json_object_set_new(o, "purpose", json_string(nz(e->purpose)));
	json_object_set_new(o, "result", json_string(nz(e->result)));
	json_object_set_new(o, "detail", json_string(nz(e->detail)));
	json_object_set_new(o, "signed", json_boolean(e->signed_));
	return o;
}

json_t *shape_consent(const char *client, int restricted, const fort_consent_state *st, size_t ns, const fort_consent_entry *e,
		      size_t ne)
{
	json_t *j = json_object(), *purposes = json_array(), *hist = json_array();
	char when[32];

	if (!j || !purposes || !hist) {
		json_decref(j);
		json_decref(purposes);
		json_decref(hist);
		return NULL;
	}
	for (size_t i = 0; i < ns; i++) {
		json_t *p = json_object();

		json_object_set_new(p, "purpose", json_string(st[i].purpose));
		json_object_set_new(p, "consented", json_boolean(st[i].consented));
		json_object_set_new(p, "objected", json_boolean(st[i].objected));
		json_object_set_new(p, "needs_consent", json_boolean(st[i].needs_consent));
		json_object_set_new(p, "since", json_string(shape_time(when, sizeof(when), st[i].since)));
		json_array_append_new(purposes, p);
	}
	for (size_t i = 0; i < ne; i++) {
		json_t *h = json_object();

		json_object_set_new(h, "seq", json_integer(e[i].seq));
		json_object_set_new(h, "time", json_string(shape_time(when, sizeof(when), e[i].ts)));
		json_object_set_new(h, "action", json_string(e[i].action));
		json_object_set_new(h, "purpose", json_string(e[i].purpose));
		json_object_set_new(h, "channel", json_string(e[i].channel));
		json_object_set_new(h, "recorded_by", json_string(e[i].recorded_by));
		json_object_set_new(h, "language", json_string(e[i].language));
		json_object_set_new(h, "notice_sha256", e[i].notice[0] ? json_string(e[i].notice) : json_null());
		json_object_set_new(h, "evidence_sha256", e[i].evidence_sha256[0] ? json_string(e[i].evidence_sha256) : json_null());
		json_array_append_new(hist, h);
	}
	json_object_set_new(j, "client", json_string(client));
	json_object_set_new(j, "restricted", json_boolean(restricted));
	json_object_set_new(j, "purposes", purposes);
	json_object_set_new(j, "history", hist);
	return j;
}

json_t *shape_consent_recorded(const char *client, const char *purpose, const char *action)
{
	json_t *j = json_object();

	if (!j)
		return NULL;
	json_object_set_new(j, "client", json_string(client));
	json_object_set_new(j, "purpose", json_string(purpose ? purpose : "all"));
	json_object_set_new(j, "action", json_string(action));
	return j;
}

json_t *shape_users(const fort_user_info *u, size_t n)
{
	json_t *arr = json_array();
	char when[32], gone[32];

	if (!arr)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		json_t *j = json_object();

		json_object_set_new(j, "name", json_string(u[i].name));
		json_object_set_new(j, "role", json_string(u[i].role));
		json_object_set_new(j, "status", json_string(u[i].status));
		json_object_set_new(j, "joined", json_string(shape_time(when, sizeof(when), u[i].created)));
		json_object_set_new(j, "removed", u[i].removed ? json_string(shape_time(gone, sizeof(gone), u[i].removed)) : json_null());
		json_object_set_new(j, "fingerprint", json_string(u[i].fingerprint));
		json_array_append_new(arr, j);
	}
	return arr;
}

/* "a,b,c" as ["a","b","c"], however long */
static json_t *comma_list(const char *s)
{
	json_t *a = json_array();
	while (a && s && *s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		json_array_append_new(a, json_stringn(s, n));
		s = e ? e + 1 : s + n;
	}
	return a;
}

json_t *shape_roles(const fort_role_info *ri, size_t n)
{
	json_t *arr = json_array();

	if (!arr)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		json_t *j = json_object();

		json_object_set_new(j, "name", json_string(ri[i].name));
		json_object_set_new(j, "categories", comma_list(ri[i].categories));
		json_object_set_new(j, "actions", comma_list(ri[i].actions));
		json_object_set_new(j, "users", json_integer((json_int_t)ri[i].users));
		json_object_set_new(j, "builtin", json_boolean(ri[i].builtin));
		json_array_append_new(arr, j);
	}
	return arr;
}

json_t *shape_tokens(const fort_token_info *t, size_t n)
{
	json_t *arr = json_array();
	char a[32], b[32], c[32];

	if (!arr)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		json_t *j = json_object();

		json_object_set_new(j, "name", json_string(t[i].name));
		json_object_set_new(j, "role", json_string(t[i].role));
		json_object_set_new(j, "purposes", comma_list(t[i].purposes));
		json_object_set_new(j, "creator", json_string(t[i].creator));
		json_object_set_new(j, "created", json_string(shape_time(a, sizeof(a), t[i].created)));
		json_object_set_new(j, "expires", t[i].expires ? json_string(shape_time(b, sizeof(b), t[i].expires)) : json_null());
		json_object_set_new(j, "revoked", t[i].revoked ? json_string(shape_time(c, sizeof(c), t[i].revoked)) : json_null());
		json_object_set_new(j, "state", json_string(t[i].state));
		json_array_append_new(arr, j);
	}
	return arr;
}

json_t *shape_rotation(const fort_rotate_report *rep)
{
	json_t *j = json_object();

	json_object_set_new(j, "keys", json_string(rep->keys));
	json_object_set_new(j, "clients_reencrypted", json_integer((json_int_t)rep->clients));
	json_object_set_new(j, "resumed", json_boolean(rep->resumed));
	return j;
}
json_t *shape_request(const fort_request_info *r)
{
	json_t *j = json_object();

	if (!j)
		return NULL;
	json_object_set_new(j, "id", json_integer(r->id));
	json_object_set_new(j, "client", json_string(r->client));
	json_object_set_new(j, "kind", json_string(r->kind));
	json_object_set_new(j, "jurisdiction", json_string(r->jurisdiction));
	json_object_set_new(j, "region", json_string(r->region));
	json_object_set_new(j, "state", json_string(r->state));
	json_object_set_new(j, "received", json_string(r->received));
	json_object_set_new(j, "clock_start", r->clock_start[0] ? json_string(r->clock_start) : json_null());
	json_object_set_new(j, "due", r->due[0] ? json_string(r->due) : json_null());
	json_object_set_new(j, "ack_due", r->ack_due[0] ? json_string(r->ack_due) : json_null());
	json_object_set_new(j, "extension_notice_due", r->extension_notice_due[0] ? json_string(r->extension_notice_due) : json_null());
	json_object_set_new(j, "max_due", r->max_due[0] ? json_string(r->max_due) : json_null());
	json_object_set_new(j, "extended", json_boolean(r->extended));
	json_object_set_new(j, "paused_days", json_integer(r->paused_days));
	json_object_set_new(j, "identity", r->id_result[0] ? json_string(r->id_result) : json_null());
	json_object_set_new(j, "identity_method", r->id_method[0] ? json_string(r->id_method) : json_null());
	json_object_set_new(j, "pending", r->pending[0] ? json_string(r->pending) : json_null());
	json_object_set_new(j, "channel", r->channel[0] ? json_string(r->channel) : json_null());
	json_object_set_new(j, "has_note", json_boolean(r->has_note));
	json_object_set_new(j, "closed", r->closed[0] ? json_string(r->closed) : json_null());
	json_object_set_new(j, "overdue", json_boolean(r->overdue));
	json_object_set_new(j, "days_left", r->due[0] && !r->closed[0] ? json_integer(r->days_left) : json_null());
	json_object_set_new(j, "rule", json_string(r->rule));
	json_object_set_new(j, "source", json_string(r->source));
	return j;
}

static const char *retention_action_name(fort_retention_action a)
{
	switch (a) {
	case FORT_RET_ERASE_CLIENT: return "erase-client";
	case FORT_RET_ERASE_FIELD: return "erase-field";
	case FORT_RET_KEPT: return "kept";
	case FORT_RET_HOLD_ENDED: return "hold-ended";
	}
	return "?";
}

json_t *shape_retention_item(const fort_retention_item *it)
{
	json_t *o = json_pack("{s:s,s:s,s:o,s:s,s:o,s:s}", "action", retention_action_name(it->action), "client", it->client,
			      "fields", comma_list(it->fields), "date", it->date, "purposes", comma_list(it->purposes), "reason",
			      it->reason);
	if (o && it->action == FORT_RET_KEPT)
		json_object_set_new(o, "kept_until", json_string(it->kept_until));
	if (o && it->action == FORT_RET_HOLD_ENDED)
		json_object_set_new(o, "request", json_integer((json_int_t)it->request));
	return o;
}

json_t *shape_retention_run(const fort_retention_item *it, size_t n, int dry_run)
{
	json_t *j = json_object(), *erased = json_array(), *k = json_array();
	size_t clients = 0, fields = 0;

	if (!j || !erased || !k) {
		json_decref(j);
		json_decref(erased);
		json_decref(k);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (it[i].action == FORT_RET_ERASE_CLIENT)
			clients++;
		else if (it[i].action != FORT_RET_KEPT)
			fields++;
		json_array_append_new(it[i].action == FORT_RET_KEPT ? k : erased, shape_retention_item(&it[i]));
	}
	json_object_set_new(j, "dry_run", json_boolean(dry_run));
	json_object_set_new(j, "erased", erased);
	json_object_set_new(j, "kept", k);
	json_object_set_new(j, "clients_erased", json_integer((json_int_t)clients));
	json_object_set_new(j, "fields_erased", json_integer((json_int_t)fields));
	return j;
}

json_t *shape_activities(const fort_vault *v)
{
	size_t n = fort_map_activity_count(v);
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++) {
		const fort_activity_info *a = fort_map_activity(v, i);
		json_t *j = json_object(), *rec = json_array();

		for (size_t k = 0; k < a->nrecipients; k++)
			json_array_append_new(rec, json_string(a->recipients[k]));
		json_object_set_new(j, "purpose", json_string(a->purpose));
		json_object_set_new(j, "description", json_string(a->description));
		json_object_set_new(j, "legal_basis", a->legal_basis[0] ? json_string(a->legal_basis) : json_null());
		json_object_set_new(j, "special_basis", a->special_basis[0] ? json_string(a->special_basis) : json_null());
		json_object_set_new(j, "retention", a->retention[0] ? json_string(a->retention) : json_null());
		json_object_set_new(j, "recipients", rec);
		json_object_set_new(j, "provision", a->provision && a->provision[0] ? json_string(a->provision) : json_null());
		json_array_append_new(arr, j);
	}
	return arr;
}

json_t *shape_recipients(const fort_vault *v)
{
	size_t n = fort_map_recipient_count(v);
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++) {
		const fort_recipient_info *x = fort_map_recipient(v, i);
		json_t *j = json_object();

		json_object_set_new(j, "name", json_string(x->name));
		json_object_set_new(j, "kind", json_string(x->kind));
		json_object_set_new(j, "country", json_string(x->country));
		json_object_set_new(j, "safeguard", x->safeguard[0] ? json_string(x->safeguard) : json_null());
		json_object_set_new(j, "note", x->note[0] ? json_string(x->note) : json_null());
		json_array_append_new(arr, j);
	}
	return arr;
}

json_t *shape_done(const char *id, const char *what)
{
	json_t *j = json_object();

	if (!j)
		return NULL;
	json_object_set_new(j, "id", json_string(id));
	json_object_set_new(j, what, json_true());
	return j;
}

/* A deadline in local time (TZ) next to UTC: "2026-03-30 18:00 CEST". */
static const char *local_time(char *buf, size_t len, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !localtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M %Z", &tm))
		snprintf(buf, len, "-");
	return buf;
}

json_t *shape_incident(const fort_incident_info *in)
{
	json_t *j = json_object();

	json_object_set_new(j, "id", json_integer(in->id));
	json_object_set_new(j, "title", json_string(in->title));
	json_object_set_new(j, "kind", json_string(in->kind));
	json_object_set_new(j, "state", json_string(in->state));
	json_object_set_new(j, "occurred", json_string(in->occurred));
	json_object_set_new(j, "aware", json_string(in->aware));
	json_object_set_new(j, "likelihood", in->likelihood ? json_integer(in->likelihood) : json_null());
	json_object_set_new(j, "severity", in->severity ? json_integer(in->severity) : json_null());
	json_object_set_new(j, "risk", in->risk ? json_integer(in->risk) : json_null());
	json_object_set_new(j, "encrypted", in->encrypted < 0 ? json_null() : json_boolean(in->encrypted));
	json_object_set_new(j, "key_compromised", in->key_compromised < 0 ? json_null() : json_boolean(in->key_compromised));
	json_object_set_new(j, "hipaa", json_boolean(in->hipaa));
	json_object_set_new(j, "contact", in->contact[0] ? json_string(in->contact) : json_null());
	json_object_set_new(j, "decision", in->decision[0] ? json_string(in->decision) : json_null());
	json_object_set_new(j, "decided_by", in->decided_by[0] ? json_string(in->decided_by) : json_null());
	json_object_set_new(j, "decided_at", in->decided_at[0] ? json_string(in->decided_at) : json_null());
	json_object_set_new(j, "closed", in->closed[0] ? json_string(in->closed) : json_null());
	json_object_set_new(j, "opened_by", json_string(in->opened_by));
	return j;
}

json_t *shape_incident_clock(const fort_incident_clock *k)
{
	json_t *j = json_object();
	char buf[64];

	json_object_set_new(j, "jurisdiction", json_string(k->jurisdiction));
	json_object_set_new(j, "clock", json_string(k->clock));
	json_object_set_new(j, "title", json_string(k->title));
	json_object_set_new(j, "due", k->due[0] ? json_string(k->due) : json_null());
	json_object_set_new(j, "due_local", k->due_ts ? json_string(local_time(buf, sizeof buf, k->due_ts)) : json_null());
	json_object_set_new(j, "overdue", json_boolean(k->overdue));
	json_object_set_new(j, "met", json_boolean(k->met));
	json_object_set_new(j, "met_at", k->met ? json_string(k->met_at) : json_null());
	json_object_set_new(j, "met_how", k->met ? json_string(k->met_how) : json_null());
	json_object_set_new(j, "late", json_boolean(k->late));
	json_object_set_new(j, "note", json_string(k->note));
	json_object_set_new(j, "source", json_string(k->source));
	return j;
}

json_t *shape_incident_full(const fort_incident_info *in, const fort_incident_clock *k, size_t nk, const fort_incident_note *notes,
			    size_t nn)
{
	json_t *j = shape_incident(in), *cl = json_array(), *na = json_array();

	if (!j || !cl || !na) {
		json_decref(j);
		json_decref(cl);
		json_decref(na);
		return NULL;
	}
	for (size_t i = 0; i < nk; i++)
		json_array_append_new(cl, shape_incident_clock(&k[i]));
	for (size_t i = 0; i < nn; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "kind", json_string(notes[i].kind));
		json_object_set_new(o, "at", json_string(notes[i].at));
		json_object_set_new(o, "by", json_string(notes[i].actor));
		json_object_set_new(o, "text", json_string(notes[i].text));
		json_array_append_new(na, o);
	}
	json_object_set_new(j, "deadlines", cl);
	json_object_set_new(j, "notes", na);
	return j;
}

json_t *shape_impact(int64_t id, const fort_impact *im)
{
	static const char *const cat_names[] = { "identity", "contact", "financial", "special", "notes" };
	json_t *j = json_object(), *cl = json_array(), *cats = json_object(), *jur = json_object();

	json_object_set_new(j, "incident", json_integer(id));
	json_object_set_new(j, "affected", json_integer((json_int_t)im->nclients));
	for (size_t i = 0; i < 5; i++)
		if (im->per_category[i])
			json_object_set_new(cats, cat_names[i], json_integer((json_int_t)im->per_category[i]));
	json_object_set_new(j, "categories", cats);
	for (size_t i = 0; i < im->njurisdictions; i++)
		json_object_set_new(jur, im->jurisdictions[i].code, json_integer((json_int_t)im->jurisdictions[i].clients));
	json_object_set_new(j, "jurisdictions", jur);
	json_object_set_new(j, "protected", json_boolean(im->protected_));
	json_object_set_new(j, "protection", json_string(im->protection));
	json_object_set_new(j, "reveals", json_integer((json_int_t)im->reveals));
	json_object_set_new(j, "exports", json_integer((json_int_t)im->exports));
	json_object_set_new(j, "backups", json_integer((json_int_t)im->backups));
	for (size_t i = 0; i < im->nclients; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(im->clients[i].id));
		json_object_set_new(o, "categories", json_string(im->clients[i].categories));
		json_object_set_new(o, "fields", json_string(im->clients[i].fields));
		json_object_set_new(o, "jurisdiction", json_string(im->clients[i].jurisdiction));
		json_array_append_new(cl, o);
	}
	json_object_set_new(j, "clients", cl);
	return j;
}

json_t *shape_drill_recorded(int64_t id, const char *type, int64_t seconds, size_t steps)
{
	return json_pack("{s:I,s:s,s:I,s:i}", "id", (json_int_t)id, "type", type, "seconds", (json_int_t)seconds, "steps", (int)steps);
}

json_t *shape_notify_report(int64_t id, const fort_incident_notify_report *rep, int dry_run)
{
	return json_pack("{s:I,s:i,s:i,s:i,s:b}", "incident", (json_int_t)id, "queued", (int)rep->queued, "already",
			 (int)rep->already, "no_address", (int)rep->no_address, "dry_run", dry_run);
}

json_t *shape_import_report(const char *file, const fort_import_report *rep)
{
	json_t *j = json_object(), *a = json_array(), *b = json_array();

	if (!j || !a || !b) {
		json_decref(j);
		json_decref(a);
		json_decref(b);
		return NULL;
	}
	json_object_set_new(j, "file", json_string(file));
	json_object_set_new(j, "format", json_string(rep->format));
	json_object_set_new(j, "rows", json_integer((json_int_t)rep->rows));
	json_object_set_new(j, "imported", json_integer((json_int_t)rep->imported));
	json_object_set_new(j, "rejected", json_integer((json_int_t)rep->rejected));
	json_object_set_new(j, "duplicates", json_integer((json_int_t)rep->duplicates));
	for (size_t i = 0; i < rep->nproblems; i++)
		json_array_append_new(a, json_string(rep->problems[i]));
	json_object_set_new(j, "problems", a);
	for (size_t i = 0; i < rep->nnotes; i++)
		json_array_append_new(b, json_string(rep->notes[i]));
	json_object_set_new(j, "notes", b);
	return j;
}

json_t *shape_notice(const char *version, const char *text)
{
	json_t *j = json_object();

	if (!j)
		return NULL;
	json_object_set_new(j, "version", json_string(version));
	if (text)
		json_object_set_new(j, "text", json_string(text));
	return j;
}

static const char *check_status_name(fort_check_status s)
{
	return s == FORT_CHECK_PASS ? "pass" : s == FORT_CHECK_WARN ? "warn" : s == FORT_CHECK_FAIL ? "fail" : "skip";
}

json_t *shape_doctor_report(const fort_doctor_report *rep)
{
	json_t *j = json_object(), *arr = json_array();

	if (!j || !arr) {
		json_decref(j);
		json_decref(arr);
		return NULL;
	}
	json_object_set_new(j, "score", json_integer(rep->score));
	json_object_set_new(j, "ts", json_integer(rep->ts));
	json_object_set_new(j, "passed", json_integer((json_int_t)rep->passed));
	json_object_set_new(j, "warnings", json_integer((json_int_t)rep->warned));
	json_object_set_new(j, "failed", json_integer((json_int_t)rep->failed));
	json_object_set_new(j, "skipped", json_integer((json_int_t)rep->skipped));
	for (size_t i = 0; i < rep->n; i++) {
		const fort_doctor_check *k = &rep->checks[i];

		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:i,s:s,s:s?}", "name", k->name, "title", k->title, "status",
						     check_status_name(k->status), "weight", k->weight, "detail", k->detail,
						     "next_step", k->next_step[0] ? k->next_step : NULL));
	}
	json_object_set_new(j, "checks", arr);
	return j;
}

json_t *shape_doctor_history(const fort_doctor_run_info *h, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, json_pack("{s:I,s:I,s:i,s:i,s:i,s:i}", "id", (json_int_t)h[i].id, "ts", (json_int_t)h[i].ts,
						     "score", h[i].score, "passed", (int)h[i].passed, "warnings", (int)h[i].warned,
						     "failed", (int)h[i].failed));
	return arr;
}

json_t *shape_backups(const fort_backup_record *b, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, json_pack("{s:I,s:I,s:s,s:s,s:s,s:o,s:I}", "id", (json_int_t)b[i].id, "ts", (json_int_t)b[i].ts,
						     "by", b[i].actor, "device", b[i].device, "destination", b[i].destination,
						     "sha256", b[i].sha256[0] ? json_string(b[i].sha256) : json_null(),
						     "clients", (json_int_t)b[i].clients));
	return arr;
}

json_t *shape_intake_form(const fort_intake_form *f)
{
	json_t *j = json_object(), *o = json_array();
	char when[32];
	const char *s = f->origins;

	json_object_set_new(j, "name", json_string(f->name));
	json_object_set_new(j, "fields", comma_list(f->fields));
	json_object_set_new(j, "consents", comma_list(f->consents));
	json_object_set_new(j, "created", json_string(shape_time(when, sizeof(when), f->created)));
	json_object_set_new(j, "created_by", json_string(f->created_by));
	json_object_set_new(j, "pending", json_integer((json_int_t)f->pending));
	/* the origins are separated by single spaces */
	while (o && *s) {
		const char *e = strchr(s, ' ');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n)
			json_array_append_new(o, json_stringn(s, n));
		s = e ? e + 1 : s + n;
	}
	json_object_set_new(j, "allowed_origins", o);
	return j;
}

json_t *shape_mail(const fort_mail_info *m)
{
	json_t *j = json_object();

	json_object_set_new(j, "id", json_integer(m->id));
	json_object_set_new(j, "status", json_string(m->status));
	json_object_set_new(j, "to", json_string(m->to));
	json_object_set_new(j, "subject", json_string(m->subject));
	json_object_set_new(j, "ref", json_string(m->ref));
	json_object_set_new(j, "purpose", json_string(m->purpose));
	json_object_set_new(j, "created", json_integer(m->created));
	json_object_set_new(j, "attempts", json_integer(m->attempts));
	json_object_set_new(j, "last_attempt", m->last_attempt ? json_integer(m->last_attempt) : json_null());
	json_object_set_new(j, "sent", m->sent ? json_integer(m->sent) : json_null());
	json_object_set_new(j, "error", m->error[0] ? json_string(m->error) : json_null());
	json_object_set_new(j, "message_id", json_string(m->message_id));
	return j;
}

json_t *shape_attachments(const fort_attachment_info *a, size_t n)
{
	json_t *arr = json_array();
	char when[32];

	for (size_t i = 0; arr && i < n; i++) {
		json_t *cl = json_array();

		for (size_t k = 0; k < a[i].nclients; k++)
			json_array_append_new(cl, json_string(a[i].clients[k]));
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:I, s:s, s:b, s:o, s:o, s:o}", "id", (json_int_t)a[i].id,
						     "created", shape_time(when, sizeof when, a[i].created), "actor",
						     a[i].actor, "size", (json_int_t)a[i].size, "categories",
						     a[i].categories, "readable", a[i].readable, "path",
						     a[i].readable ? json_string(a[i].path) : json_null(), "sha256",
						     a[i].readable ? json_string(a[i].sha256) : json_null(), "clients", cl));
	}
	return arr;
}
