/* shapes.c - the JSON shapes shared by the CLI's --json and the HTTP API
 * (shapes.h). */
#include <stdio.h>
#include <time.h>
#include "front/shapes.h"

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
