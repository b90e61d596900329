/* drill.c - tabletop exercises of the plan's playbooks: each step done or
 * skipped, with the time it took and a note; the outcome and the lessons.
 * Notes, outcome and lessons are sealed (they may name people); type, times
 * and counts are in clear so `fortress status` can say, on a locked vault,
 * when the plan was last drilled. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "vault/vault_int.h"
#include "vault/vault_box.h"
#include "incident/plan_int.h"
#include "vault/op.h"

static void drill_label(char out[48], int64_t started, const char *type)
{
	/* the id is not known before the insert: bind the start time and type */
	snprintf(out, 48, "drill:%lld:%.24s", (long long)started, type);
}

static json_t *find_playbook(json_t *plan, const char *type)
{
	size_t i;
	json_t *pb;
	json_array_foreach(json_object_get(plan, "playbooks"), i, pb) {
		const char *t = json_string_value(json_object_get(pb, "type"));
		if (t && strcmp(t, type) == 0)
			return pb;
	}
	return NULL;
}

struct drill_in { const fort_drill_record *d; store_drill sd; unsigned char *sealed; int64_t total; };

/* The input checked against the plan's playbook, and the drill's record
 * sealed, before the transaction. */
static int drill_check(fort_vault *v, void *ctx)
{
	struct drill_in *x = ctx;
	const fort_drill_record *d = x->d;
	json_t *plan = NULL, *pb, *steps, *body = NULL, *log, *les;
	store_drill sd;
	char label[48], *js = NULL;
	unsigned char *sealed = NULL;
	size_t slen = 0, i;
	int64_t total = 0;
	int r;
	if (!d || !d->type || !*d->type)
		return fort_error_set(FORT_EINPUT, "type: say which playbook was drilled ('fortress plan show' lists them)");
	if (!d->outcome || !*d->outcome)
		return fort_error_set(FORT_EINPUT, "outcome: say what the drill showed (--outcome TEXT)");
	if ((r = plan_load(&plan, v)) < 0)
		return r;
	if (!(pb = find_playbook(plan, d->type))) {
		r = fort_error_set(FORT_EINPUT, "type: the plan has no playbook '%s' ('fortress plan show' lists them)", d->type);
		goto out;
	}
	steps = json_object_get(pb, "steps");
	if (d->nsteps != json_array_size(steps)) {
		r = fort_error_set(FORT_EINPUT, "steps: the playbook '%s' has %zu steps, the drill recorded %zu", d->type,
				   json_array_size(steps), d->nsteps);
		goto out;
	}
	memset(&sd, 0, sizeof sd);
	snprintf(sd.type, sizeof sd.type, "%s", d->type);
	body = json_object();
	log = json_array();
	for (i = 0; i < d->nsteps; i++) {
		json_t *st = json_array_get(steps, i), *e = json_object();
		if (d->steps[i].seconds < 0 || d->steps[i].seconds > 7 * 86400) {
			json_decref(e);
			json_decref(log);
			r = fort_error_set(FORT_EINPUT, "steps[%zu].seconds: %lld is not a time a step can take (0 to 7 days)", i,
					   (long long)d->steps[i].seconds);
			goto out;
		}
		json_object_set_new(e, "step", json_integer((json_int_t)i + 1));
		json_object_set(e, "owner", json_object_get(st, "owner"));
		json_object_set(e, "text", json_object_get(st, "text"));
		json_object_set_new(e, "done", json_boolean(d->steps[i].done));
		json_object_set_new(e, "seconds", json_integer(d->steps[i].seconds));
		json_object_set_new(e, "note", d->steps[i].note && *d->steps[i].note ? json_string(d->steps[i].note) : json_null());
		json_array_append_new(log, e);
		total += d->steps[i].seconds;
		if (d->steps[i].done)
			sd.done++;
		else
			sd.skipped++;
	}
	sd.steps = (int)d->nsteps;
	sd.finished = d->started ? d->started + total : fort_now();
	sd.started = d->started ? d->started : sd.finished - total;
	json_object_set_new(body, "outcome", json_string(d->outcome));
	les = json_array();
	for (i = 0; i < d->nlessons; i++)
		if (d->lessons[i] && *d->lessons[i])
			json_array_append_new(les, json_string(d->lessons[i]));
	json_object_set_new(body, "lessons", les);
	json_object_set_new(body, "step_log", log);
	if (!(js = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
		r = fort_error_set(FORT_EINPUT, "outcome, lessons and notes must be UTF-8 text");
		goto out;
	}
	drill_label(label, sd.started, sd.type);
	if ((r = vault_box_seal(&sealed, &slen, v, label, js, strlen(js))) < 0)
		goto out;
	sd.data = sealed;
	sd.data_len = slen;
	x->sd = sd;
	x->sealed = sealed;
	x->total = total;
	sealed = NULL;
out:
	vault_box_free(js);
	free(sealed);
	json_decref(body);
	json_decref(plan);
	return r;
}

static int drill_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct drill_in *x = ctx;
	int r;
	if ((r = store_drill_add(v->st, &x->sd)) < 0)
		return r;
	snprintf(detail, cap, "type=%s; %d steps, %d done, %d skipped; %lld s", x->sd.type, x->sd.steps, x->sd.done, x->sd.skipped,
		 (long long)x->total);
	return 0;
}

int fort_plan_drill_record(int64_t *id_out, fort_vault *v, const fort_drill_record *d)
{
	static const vault_op op = { "plan-drill", ACT_READ, drill_check, drill_write };
	struct drill_in x;
	int r;
	if (id_out)
		*id_out = 0;
	if (d && (r = FORT_CHECK_VERSION(d->version, FORT_DRILL_RECORD, fort_drill_record)) < 0)
		return r;
	memset(&x, 0, sizeof x);
	x.d = d;
	r = vault_op_run(v, &op, NULL, &x);
	free(x.sealed);
	if (r == 0 && id_out)
		*id_out = x.sd.id;
	return r;
}

struct list_ctx {
	fort_vault *v;
	json_t *arr;
};

static int list_cb(void *ctx, const store_drill *d)
{
	struct list_ctx *lc = ctx;
	json_t *e = json_object(), *body = NULL;
	char label[48], *pt = NULL;
	size_t len = 0;
	int r;
	drill_label(label, d->started, d->type);
	if ((r = vault_box_open(&pt, &len, lc->v, label, d->data, d->data_len)) < 0) {
		json_decref(e);
		return r;
	}
	body = json_loadb(pt, len, 0, NULL);
	vault_box_free(pt);
	json_object_set_new(e, "id", json_integer(d->id));
	json_object_set_new(e, "type", json_string(d->type));
	json_object_set_new(e, "started", json_integer(d->started));
	json_object_set_new(e, "finished", json_integer(d->finished));
	json_object_set_new(e, "seconds", json_integer(d->finished - d->started));
	json_object_set_new(e, "steps", json_integer(d->steps));
	json_object_set_new(e, "done", json_integer(d->done));
	json_object_set_new(e, "skipped", json_integer(d->skipped));
	json_object_set(e, "outcome", body ? json_object_get(body, "outcome") : json_null());
	json_object_set(e, "lessons", body ? json_object_get(body, "lessons") : json_null());
	json_object_set(e, "step_log", body ? json_object_get(body, "step_log") : json_null());
	json_decref(body);
	json_array_append_new(lc->arr, e);
	return 0;
}

int fort_plan_drills(char **json_out, fort_vault *v)
{
	struct list_ctx lc = { v, NULL };
	int r;
	*json_out = NULL;
	if ((r = vault_need(v, ACT_READ, "plan-drills", NULL)) < 0)
		return r;
	lc.arr = json_array();
	if ((r = store_drill_each(v->st, list_cb, &lc)) == 0 &&
	    !(*json_out = json_dumps(lc.arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER)))
		r = fort_error_set(FORT_ENOMEM, "out of memory");
	json_decref(lc.arr);
	return r;
}

struct last_ctx {
	int64_t when;
	char type[48];
};

static int last_cb(void *ctx, const store_drill *d)
{
	struct last_ctx *lc = ctx;
	if (d->finished >= lc->when) {
		lc->when = d->finished;
		snprintf(lc->type, sizeof lc->type, "%s", d->type);
	}
	return 0;
}

int fort_plan_last_drill(int64_t *when, char type[48], fort_vault *v)
{
	struct last_ctx lc = { 0, "" };
	int r;
	*when = 0;
	if (type)
		type[0] = '\0';
	if (!v)
		return fort_error_set(FORT_EINPUT, "no vault");
	if ((r = store_drill_each(v->st, last_cb, &lc)) < 0)
		return r;
	*when = lc.when;
	if (type)
		snprintf(type, 48, "%s", lc.type);
	return 0;
}
