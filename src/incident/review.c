/* review.c - learning from an incident: the review (what happened, the root
 * cause, what worked, what did not; stored encrypted like every incident
 * note) and the actions that follow, with owners and due dates, tracked to
 * closure (overdue first). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "incident/incident_int.h"
#include "vault/op.h"

struct review_in { int64_t id; const fort_incident_review_spec *s; const char *texts[4]; };

static int review_check(fort_vault *v, void *ctx)
{
	struct review_in *x = ctx;
	const fort_incident_review_spec *s = x->s;
	int any = 0;
	(void)v;
	if (!s || s->version != FORT_INCIDENT_REVIEW_VERSION)
		return FORT_CHECK_VERSION(s ? s->version : 0, FORT_INCIDENT_REVIEW, fort_incident_review_spec);
	x->texts[0] = s->what;
	x->texts[1] = s->root_cause;
	x->texts[2] = s->worked;
	x->texts[3] = s->failed;
	for (int i = 0; i < 4; i++)
		any |= x->texts[i] && *x->texts[i];
	if (!any)
		return fort_error_set(FORT_EINPUT, "a review says at least one of: --what, --root-cause, --worked, --failed");
	return 0;
}

/* one entry per note, each a nested step */
static int review_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	static const char *const kinds[4] = { "review-what", "review-cause", "review-worked", "review-failed" };
	struct review_in *x = ctx;
	int r;
	(void)detail;
	(void)cap;
	/* a review may come after the incident was closed: it only adds notes */
	if ((r = incident_need(v, x->id, 0)) < 0)
		return r;
	for (int i = 0; i < 4; i++)
		if (x->texts[i] && *x->texts[i] &&
		    (r = incident_note_nested(v, x->id, kinds[i], x->texts[i], fort_now(), "incident-review", 0)) < 0)
			return r;
	return 0;
}

int fort_incident_review(fort_vault *v, int64_t id, const fort_incident_review_spec *s)
{
	static const vault_op op = { "incident-review", ACT_WRITE, review_check, review_write, .flags = VAULT_OP_ENTRIES };
	struct review_in x = { id, s, { NULL } };
	return vault_op_run(v, &op, NULL, &x);
}

static void today_utc(char out[11])
{
	char iso[21];
	fort_time_iso(iso, fort_now());
	snprintf(out, 11, "%.10s", iso);
}

struct add_in { int64_t incident, id; const char *text, *owner, *due; };

static int add_check(fort_vault *v, void *ctx)
{
	struct add_in *x = ctx;
	(void)v;
	if (!x->text || !*x->text || strlen(x->text) >= 512)
		return fort_error_set(FORT_EINPUT, "an action needs a text (up to 511 bytes): what is to be done");
	if (!x->owner || !*x->owner || strlen(x->owner) >= 128)
		return fort_error_set(FORT_EINPUT, "an action needs an owner: --owner NAME");
	if (!x->due || !fort_date_valid(x->due))
		return fort_error_set(FORT_EINPUT, "an action needs a due date: --due YYYY-MM-DD%s%s", x->due ? ": " : "",
				      x->due ? fort_error_message() : "");
	return 0;
}

static int add_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct add_in *x = ctx;
	unsigned char *ct = NULL;
	size_t len = 0;
	int r;
	if ((r = incident_need(v, x->incident, 0)) < 0 || (r = incident_seal(&ct, &len, v, -x->incident, "action", x->text)) < 0)
		return r;
	{
		store_action a = { 0, x->incident, fort_now(), ct, len, x->owner, x->due, NULL, 0 };
		r = store_action_insert(v->st, &a);
		x->id = a.id;
	}
	free(ct);
	if (r < 0)
		return r;
	snprintf(detail, cap < 160 ? cap : 160, "action #%lld for incident #%lld, owner %s, due %s", (long long)x->id, (long long)x->incident, x->owner,
		 x->due);
	return 0;
}

int fort_action_add(int64_t *id_out, fort_vault *v, int64_t incident, const char *text, const char *owner, const char *due)
{
	static const vault_op op = { "action-add", ACT_WRITE, add_check, add_write };
	struct add_in x = { incident, 0, text, owner, due };
	int r;
	if (id_out)
		*id_out = 0;
	if ((r = vault_op_run(v, &op, NULL, &x)) < 0)
		return r;
	if (id_out)
		*id_out = x.id;
	return 0;
}

struct alist { fort_vault *v; fort_action_info *a; size_t n, cap; char today[11]; };

static int action_cb(void *ctx, const store_action *x)
{
	struct alist *l = ctx;
	fort_action_info *e;
	char *text = NULL;
	int r;
	if (FORT_ARRAY_GROW(l->a, l->n + 1, l->cap, 16) < 0)
		return FORT_ENOMEM;
	e = &l->a[l->n];
	memset(e, 0, sizeof *e);
	e->id = x->id;
	e->incident = x->incident;
	if ((r = incident_open(&text, l->v, -e->incident, "action", x->text, x->text_len)) < 0)
		return r;
	snprintf(e->text, sizeof e->text, "%s", text);
	sodium_memzero(text, strlen(text));
	free(text);
	snprintf(e->owner, sizeof e->owner, "%s", x->owner);
	snprintf(e->due, sizeof e->due, "%s", x->due);
	e->done = x->done != 0;
	if (e->done)
		fort_time_iso(e->done_at, x->done);
	snprintf(e->done_by, sizeof e->done_by, "%s", x->done_by);
	e->overdue = !e->done && strcmp(e->due, l->today) < 0;
	l->n++;
	return 0;
}

static int action_cmp(const void *x, const void *y)
{
	const fort_action_info *a = x, *b = y;
	int c;
	if (a->done != b->done)
		return a->done - b->done;
	if (a->overdue != b->overdue)
		return b->overdue - a->overdue;
	if ((c = strcmp(a->due, b->due)) != 0)
		return c;
	return a->id < b->id ? -1 : a->id > b->id;
}

static int actions_read(struct alist *l, fort_vault *v, int64_t only, int open_only, const char *today)
{
	l->v = v;
	if (today) {
		if (!fort_date_valid(today))
			return fort_error_set(FORT_EINPUT, "--as-of: %s", fort_error_message());
		snprintf(l->today, sizeof l->today, "%s", today);
	} else {
		today_utc(l->today);
	}
	return store_action_each(v->st, only, open_only, action_cb, l);
}

int fort_action_list(fort_action_info **out, size_t *n, fort_vault *v, int open_only, const char *today)
{
	struct alist l;
	int r;
	memset(&l, 0, sizeof l);
	*out = NULL;
	*n = 0;
	if ((r = vault_need(v, ACT_READ, "action-list", NULL)) < 0)
		return r;
	if ((r = actions_read(&l, v, 0, open_only, today)) < 0) {
		free(l.a);
		return r;
	}
	if (l.n)
		qsort(l.a, l.n, sizeof *l.a, action_cmp);
	*out = l.a;
	*n = l.n;
	return 0;
}

int fort_action_get(fort_action_info *out, fort_vault *v, int64_t id, const char *today)
{
	struct alist l;
	int r;
	memset(&l, 0, sizeof l);
	memset(out, 0, sizeof *out);
	if ((r = vault_need(v, ACT_READ, "action-show", NULL)) < 0)
		return r;
	if (id <= 0)
		return fort_error_set(FORT_ENOTFOUND, "no action %lld ('fortress actions list' shows them)", (long long)id);
	if ((r = actions_read(&l, v, id, 0, today)) < 0)
		goto out;
	if (!l.n) {
		r = fort_error_set(FORT_ENOTFOUND, "no action %lld ('fortress actions list' shows them)", (long long)id);
		goto out;
	}
	*out = l.a[0];
out:
	free(l.a);
	return r;
}

static int done_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	int64_t id = *(const int64_t *)ctx;
	fort_action_info a;
	int r;
	if ((r = fort_action_get(&a, v, id, NULL)) < 0)
		return r;
	if (a.done)
		return fort_error_set(FORT_EINPUT, "action %lld was already done on %s", (long long)id, a.done_at);
	if ((r = store_action_done(v->st, id, fort_now(), v->user)) < 0)
		return r;
	snprintf(detail, cap, "action #%lld of incident #%lld done", (long long)id, (long long)a.incident);
	return 0;
}

int fort_action_done(fort_vault *v, int64_t id)
{
	static const vault_op op = { "action-done", ACT_WRITE, NULL, done_write };
	return vault_op_run(v, &op, NULL, &id);
}
