/* register.c - the breach register (GDPR Art. 33(5)): open, log, assess,
 * decide, close, show, list.  Every incident is recorded, notified or not;
 * closing one needs facts, effects, remedial actions and a decision. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "incident/incident_int.h"
#include "vault/op.h"

static const char *const kinds[] = { "lost-device", "stolen-credentials", "misdirected-email", "ransomware", "processor",
				     "staff-access", "other" };
static const char *const note_kinds[] = { "timeline", "fact", "effect", "remedy", "consequence" };

static int one_of(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return 1;
	return 0;
}

int incident_time_parse(int64_t *out, const char *s, const char *what)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, oh = 0, om = 0;
	char sign = 0;
	const char *p;

	if (!s || !*s)
		return fort_error_set(FORT_EINPUT, "%s: no time given (YYYY-MM-DDTHH:MM:SSZ)", what);
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		goto bad;
	p = s + 10;
	if (*p == 'T' || *p == ' ') {
		int m = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &m) != 2 || m != 5)
			goto bad;
		p += 1 + m;
		if (*p == ':') {
			if (sscanf(p + 1, "%2d%n", &sec, &m) != 1 || m != 2)
				goto bad;
			p += 1 + m;
		}
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p;
			if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &m) != 2 || m != 5)
				goto bad;
			p += 1 + m;
		} else {
			goto bad;
		}
	}
	if (*p)
		goto bad;
	{
		char date[11];
		snprintf(date, sizeof date, "%04d-%02d-%02d", y, mo, d);
		if (!fort_date_valid(date) || h > 23 || mi > 59 || sec > 59 || oh > 23 || om > 59)
			goto bad;
	}
	*out = fort_civil_time(y, (unsigned)mo, (unsigned)d, h, mi, sec) -
	       (sign == '+' ? 1 : sign == '-' ? -1 : 0) * (int64_t)(oh * 3600 + om * 60);
	return 0;
bad:
	return fort_error_set(FORT_EINPUT, "%s: '%s' is not a time (YYYY-MM-DDTHH:MM:SSZ, an offset like +01:00, or a date)", what, s);
}

int incident_need(fort_vault *v, int64_t id, int need_open)
{
	char state[16] = "";
	int r = store_incident_state(v->st, id, state);
	if (r == FORT_ENOTFOUND)
		return fort_error_set(FORT_ENOTFOUND, "no incident %lld ('fortress incident list' shows them)", (long long)id);
	if (r < 0)
		return r;
	if (need_open && strcmp(state, "open") != 0)
		return fort_error_set(FORT_EINPUT, "incident %lld is closed: it takes no more changes", (long long)id);
	return 0;
}

struct open_in { const char *title, *kind, *occurred, *aware; int64_t occ, aw, now, id; };

static int open_check(fort_vault *v, void *ctx)
{
	struct open_in *o = ctx;
	int r;
	(void)v;
	if (!o->title || !*o->title || strlen(o->title) >= 160)
		return fort_error_set(FORT_EINPUT, "an incident needs a short title (up to 159 bytes, no client data: it shows in 'fortress status')");
	if (!o->kind)
		o->kind = "other";
	if (!one_of(o->kind, kinds, sizeof kinds / sizeof kinds[0]))
		return fort_error_set(FORT_EINPUT, "unknown incident kind '%s' (lost-device, stolen-credentials, misdirected-email, ransomware, "
					   "processor, staff-access, other)", o->kind);
	o->aw = o->now;
	if (o->aware && (r = incident_time_parse(&o->aw, o->aware, "--aware")) < 0)
		return r;
	o->occ = o->aw;
	if (o->occurred && (r = incident_time_parse(&o->occ, o->occurred, "--occurred")) < 0)
		return r;
	if (o->aw < o->occ)
		return fort_error_set(FORT_EINPUT, "the awareness time (--aware %s) is before the incident happened (--occurred %s): "
					   "one cannot know of a breach before it occurs; check both times", o->aware ? o->aware : "now", o->occurred);
	if (o->aw > o->now + 300 || o->occ > o->now + 300)
		return fort_error_set(FORT_EINPUT, "the incident's times are in the future: check --occurred and --aware");
	return 0;
}

static int open_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct open_in *o = ctx;
	store_incident in;
	int r;
	memset(&in, 0, sizeof in);
	snprintf(in.title, sizeof in.title, "%s", o->title);
	snprintf(in.kind, sizeof in.kind, "%s", o->kind);
	snprintf(in.opened_by, sizeof in.opened_by, "%s", v->user ? v->user : "");
	in.occurred = o->occ;
	in.aware = o->aw;
	in.created = in.updated = o->now;
	if ((r = store_incident_insert(v->st, &in)) < 0)
		return r;
	o->id = in.id;
	snprintf(detail, cap, "incident #%lld (%s)", (long long)o->id, o->kind);
	return 0;
}

int fort_incident_open(int64_t *id_out, fort_vault *v, const char *title, const char *kind, const char *occurred, const char *aware)
{
	static const vault_op op = { "incident-open", ACT_WRITE, open_check, open_write };
	struct open_in o = { title, kind, occurred, aware, 0, 0, fort_now(), 0 };
	int r;

	if (id_out)
		*id_out = 0;
	if ((r = vault_op_run(v, &op, NULL, &o)) < 0)
		return r;
	if (id_out)
		*id_out = o.id;
	return 0;
}

/* Seal TEXT as a note of KIND (inside the caller's transaction). */
static int note_add(fort_vault *v, int64_t id, const char *kind, const char *text, int64_t at)
{
	unsigned char *ct = NULL;
	size_t len = 0;
	int r;
	if ((r = incident_seal(&ct, &len, v, id, kind, text)) < 0)
		return r;
	{
		store_incident_note n = { 0, id, fort_now(), at, kind, v->user, ct, len };
		r = store_incident_note_add(v->st, &n);
	}
	free(ct);
	return r;
}

int incident_note_step(fort_vault *v, int64_t id, const char *kind, const char *text, int64_t at, int need_open, char *detail,
		       size_t cap)
{
	int r;
	if ((r = incident_need(v, id, need_open)) < 0 || (r = note_add(v, id, kind, text, at)) < 0)
		return r;
	snprintf(detail, cap, "incident #%lld: %s", (long long)id, kind);
	return 0;
}

struct note_in { int64_t id, at; const char *kind, *text; int need_open; };

static int note_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct note_in *n = ctx;
	return incident_note_step(v, n->id, n->kind, n->text, n->at, n->need_open, detail, cap);
}

static int note_op(fort_vault *v, int64_t id, const char *kind, const char *text, int64_t at, const char *action, int need_open,
		   int nested)
{
	/* the caller's operation checked the role */
	const vault_op op = { action, 0, NULL, note_write };
	struct note_in n = { id, at, kind, text, need_open };
	return nested ? vault_op_nested(v, &op, NULL, &n) : vault_op_step(v, &op, NULL, &n);
}

int incident_note_write(fort_vault *v, int64_t id, const char *kind, const char *text, int64_t at, const char *action, int need_open)
{
	return note_op(v, id, kind, text, at, action, need_open, 0);
}

int incident_note_nested(fort_vault *v, int64_t id, const char *kind, const char *text, int64_t at, const char *action,
			 int need_open)
{
	return note_op(v, id, kind, text, at, action, need_open, 1);
}

struct log_in { int64_t id, when; const char *kind, *text, *at; };

static int log_check(fort_vault *v, void *ctx)
{
	struct log_in *l = ctx;
	(void)v;
	if (!l->kind || !one_of(l->kind, note_kinds, sizeof note_kinds / sizeof note_kinds[0]))
		return fort_error_set(FORT_EINPUT, "unknown note kind '%s' (timeline, fact, effect, remedy, consequence)", l->kind ? l->kind : "");
	if (!l->text || !*l->text)
		return fort_error_set(FORT_EINPUT, "the %s note is empty: say what happened", l->kind);
	if (strlen(l->text) > 20000)
		return fort_error_set(FORT_EINPUT, "the %s note is longer than 20000 bytes: split it", l->kind);
	if (l->at)
		return incident_time_parse(&l->when, l->at, "--at");
	return 0;
}

static int log_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct log_in *l = ctx;
	return incident_note_step(v, l->id, l->kind, l->text, l->when, 1, detail, cap);
}

int fort_incident_log(fort_vault *v, int64_t id, const char *kind, const char *text, const char *at)
{
	static const vault_op op = { "incident-log", ACT_WRITE, log_check, log_write };
	struct log_in l = { id, fort_now(), kind, text, at };
	return vault_op_run(v, &op, NULL, &l);
}

struct assess_in { int64_t id; const fort_incident_assessment *a; };

static int assess_check(fort_vault *v, void *ctx)
{
	const fort_incident_assessment *a = ((struct assess_in *)ctx)->a;
	(void)v;
	if (!a || a->version != FORT_INCIDENT_ASSESSMENT_VERSION)
		return FORT_CHECK_VERSION(a ? a->version : 0, FORT_INCIDENT_ASSESSMENT, fort_incident_assessment);
	if (a->likelihood < 0 || a->likelihood > 5 || a->severity < 0 || a->severity > 5)
		return fort_error_set(FORT_EINPUT, "likelihood and severity are 1 (remote / minimal) to 5 (almost certain / severe)");
	if (a->encrypted < -2 || a->encrypted > 1 || a->key_compromised < -2 || a->key_compromised > 1 || a->hipaa < -2 || a->hipaa > 1)
		return fort_error_set(FORT_EINPUT, "encrypted, key compromised and HIPAA are yes or no");
	if (a->contact && strlen(a->contact) >= 256)
		return fort_error_set(FORT_EINPUT, "the contact point is longer than 255 bytes");
	return 0;
}

static int assess_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct assess_in *x = ctx;
	const fort_incident_assessment *a = x->a;
	store_incident_risk k = { a->likelihood, a->severity, a->encrypted, a->key_compromised, a->hipaa, a->contact };
	int r;
	if ((r = incident_need(v, x->id, 1)) < 0 || (r = store_incident_assess(v->st, x->id, &k, fort_now())) < 0)
		return r;
	snprintf(detail, cap, "incident #%lld: likelihood %d severity %d encrypted %d key-compromised %d", (long long)x->id,
		 a->likelihood, a->severity, a->encrypted, a->key_compromised);
	return 0;
}

int fort_incident_assess(fort_vault *v, int64_t id, const fort_incident_assessment *a)
{
	static const vault_op op = { "incident-assess", ACT_WRITE, assess_check, assess_write };
	struct assess_in x = { id, a };
	return vault_op_run(v, &op, NULL, &x);
}

struct decide { int64_t id; const char *decision, *reasons; };

static int decide_check(fort_vault *v, void *ctx)
{
	struct decide *d = ctx;
	(void)v;
	if (!d->decision || (strcmp(d->decision, "notify") != 0 && strcmp(d->decision, "no-notify") != 0))
		return fort_error_set(FORT_EINPUT, "the decision is 'notify' or 'no-notify'");
	if (!d->reasons || !*d->reasons)
		return fort_error_set(FORT_EINPUT, "a decision needs its reasons (--reasons TEXT): the authority may ask why (Art. 33(5))");
	return 0;
}

static int decide_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct decide *d = ctx;
	int r;
	if ((r = incident_need(v, d->id, 1)) < 0 || (r = note_add(v, d->id, "decision", d->reasons, fort_now())) < 0 ||
	    (r = store_incident_decide(v->st, d->id, d->decision, v->user, fort_now())) < 0)
		return r;
	snprintf(detail, cap, "incident #%lld: %s", (long long)d->id, d->decision);
	return 0;
}

int fort_incident_decide(fort_vault *v, int64_t id, const char *decision, const char *reasons)
{
	static const vault_op op = { "incident-decide", ACT_WRITE, decide_check, decide_write };
	struct decide d = { id, decision, reasons };
	return vault_op_run(v, &op, NULL, &d);
}

static void info_of(fort_incident_info *o, const store_incident *in)
{
	memset(o, 0, sizeof *o);
	o->id = in->id;
	snprintf(o->title, sizeof o->title, "%s", in->title);
	snprintf(o->kind, sizeof o->kind, "%s", in->kind);
	fort_time_iso(o->occurred, in->occurred);
	fort_time_iso(o->aware, in->aware);
	snprintf(o->state, sizeof o->state, "%s", in->state);
	o->likelihood = in->likelihood;
	o->severity = in->severity;
	o->risk = o->likelihood * o->severity;
	o->encrypted = in->encrypted;
	o->key_compromised = in->key_compromised;
	o->hipaa = in->hipaa;
	snprintf(o->contact, sizeof o->contact, "%s", in->contact);
	snprintf(o->decision, sizeof o->decision, "%s", in->decision);
	snprintf(o->decided_by, sizeof o->decided_by, "%s", in->decided_by);
	if (in->decided_at)
		fort_time_iso(o->decided_at, in->decided_at);
	if (in->closed)
		fort_time_iso(o->closed, in->closed);
	snprintf(o->opened_by, sizeof o->opened_by, "%s", in->opened_by);
	o->timeline = (size_t)in->timeline;
	o->facts = (size_t)in->facts;
	o->effects = (size_t)in->effects;
	o->remedies = (size_t)in->remedies;
}

int incident_info(fort_incident_info *out, fort_vault *v, int64_t id)
{
	store_incident in;
	int r;
	memset(out, 0, sizeof *out);
	/* dates and decisions drive the deadline clocks: the register must be
	 * the one the audit log vouches for */
	if ((r = store_seal_require(v->st, "incidents")) < 0 || (r = store_seal_require(v->st, "incident_notes")) < 0)
		return r;
	if ((r = store_incident_get(v->st, &in, id)) == FORT_ENOTFOUND)
		return fort_error_set(FORT_ENOTFOUND, "no incident %lld ('fortress incident list' shows them)", (long long)id);
	if (r < 0)
		return r;
	info_of(out, &in);
	return 0;
}

static int close_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	int64_t id = *(const int64_t *)ctx;
	fort_incident_info in;
	char missing[200] = "";
	int r;
	if ((r = incident_need(v, id, 1)) < 0 || (r = incident_info(&in, v, id)) < 0)
		return r;
	if (!in.facts)
		strcat(missing, ", facts ('incident log ID fact TEXT')");
	if (!in.effects)
		strcat(missing, ", effects ('incident log ID effect TEXT')");
	if (!in.remedies)
		strcat(missing, ", remedial actions ('incident log ID remedy TEXT')");
	if (!in.decision[0])
		strcat(missing, ", a decision ('incident decide ID notify|no-notify --reasons TEXT')");
	if (missing[0])
		return fort_error_set(FORT_EINPUT, "incident %lld cannot be closed: the register (Art. 33(5)) needs %s", (long long)id,
				      missing + 2);
	if ((r = store_incident_close(v->st, id, fort_now())) < 0)
		return r;
	snprintf(detail, cap, "incident #%lld closed (%s)", (long long)id, in.decision);
	return 0;
}

int fort_incident_close(fort_vault *v, int64_t id)
{
	static const vault_op op = { "incident-close", ACT_WRITE, NULL, close_write };
	return vault_op_run(v, &op, NULL, &id);
}

int fort_incident_get(fort_incident_info *out, fort_vault *v, int64_t id)
{
	int r;
	memset(out, 0, sizeof *out);
	if ((r = vault_need(v, ACT_READ, "incident-show", NULL)) < 0)
		return r;
	return incident_info(out, v, id);
}

struct list { fort_incident_info *a; size_t n, cap; };

static int list_cb(void *ctx, const store_incident *in)
{
	struct list *l = ctx;
	if (FORT_ARRAY_GROW(l->a, l->n + 1, l->cap, 16) < 0)
		return FORT_ENOMEM;
	info_of(&l->a[l->n++], in);
	return 0;
}

int fort_incident_list(fort_incident_info **out, size_t *n, fort_vault *v)
{
	struct list l = { NULL, 0, 0 };
	int r;
	*out = NULL;
	*n = 0;
	if ((r = store_seal_require(v->st, "incidents")) < 0)
		return r;
	if ((r = vault_need(v, ACT_READ, "incident-list", NULL)) < 0)
		return r;
	if ((r = store_incident_each(v->st, list_cb, &l)) < 0) {
		free(l.a);
		return r;
	}
	*out = l.a;
	*n = l.n;
	return 0;
}

struct notes { fort_vault *v; int64_t id; fort_incident_note *a; size_t n, cap; int err; };

static int notes_cb(void *ctx, const store_incident_note *n)
{
	struct notes *l = ctx;
	fort_incident_note *e;
	int r;
	if (FORT_ARRAY_GROW(l->a, l->n + 1, l->cap, 16) < 0)
		return FORT_ENOMEM;
	e = &l->a[l->n];
	memset(e, 0, sizeof *e);
	snprintf(e->kind, sizeof e->kind, "%s", n->kind);
	fort_time_iso(e->at, n->at);
	snprintf(e->actor, sizeof e->actor, "%s", n->actor);
	if ((r = incident_open(&e->text, l->v, l->id, e->kind, n->text, n->text_len)) < 0)
		return r;
	l->n++;
	return 0;
}

/* Notes of KIND (NULL: all), oldest first (by AT for the timeline). */
int incident_notes_of(fort_incident_note **out, size_t *n, fort_vault *v, int64_t id, const char *kind)
{
	struct notes l = { v, id, NULL, 0, 0, 0 };
	int r = store_incident_note_each(v->st, id, kind, notes_cb, &l);
	if (r < 0) {
		fort_incident_notes_free(l.a, l.n);
		*out = NULL;
		*n = 0;
		return r;
	}
	*out = l.a;
	*n = l.n;
	return 0;
}

int fort_incident_notes(fort_incident_note **out, size_t *n, fort_vault *v, int64_t id)
{
	char detail[64];
	int r;
	*out = NULL;
	*n = 0;
	if ((r = vault_need(v, ACT_READ, "incident-show", NULL)) < 0 || (r = incident_need(v, id, 0)) < 0)
		return r;
	snprintf(detail, sizeof detail, "incident #%lld: notes read", (long long)id);
	if ((r = audit_record(v, "incident-show", "", "", "", "ok", detail)) < 0)
		return r;
	return incident_notes_of(out, n, v, id, NULL);
}

void fort_incident_notes_free(fort_incident_note *notes, size_t n)
{
	if (!notes)
		return;
	for (size_t i = 0; i < n; i++)
		if (notes[i].text) {
			sodium_memzero(notes[i].text, strlen(notes[i].text));
			free(notes[i].text);
		}
	free(notes);
}
