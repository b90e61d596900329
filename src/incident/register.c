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

static int exists_cb(void *ctx, const store_row *r)
{
	snprintf(ctx, 16, "%s", store_row_text(r, 0));
	return 0;
}

int incident_need(fort_vault *v, int64_t id, int need_open)
{
	char state[16] = "";
	int r;
	store_arg a[] = { SA_I(id) };
	if ((r = store_sql(v->st, "reading the incident", "SELECT state FROM incidents WHERE id = ?", a, 1, exists_cb, state)) < 0)
		return r;
	if (!state[0])
		return fort_error_set(FORT_ENOTFOUND, "no incident %lld ('fortress incident list' shows them)", (long long)id);
	if (need_open && strcmp(state, "open") != 0)
		return fort_error_set(FORT_EINPUT, "incident %lld is closed: it takes no more changes", (long long)id);
	return 0;
}

/* Write STEP inside a transaction with its audit entry. */
static int audited(fort_vault *v, const char *action, const char *detail)
{
	return audit_append(v, action, "", "", "", "ok", detail);
}

int fort_incident_open(int64_t *id_out, fort_vault *v, const char *title, const char *kind, const char *occurred, const char *aware)
{
	int64_t occ, aw, now = fort_now(), id;
	char detail[128];
	int r;

	if (id_out)
		*id_out = 0;
	if ((r = vault_need(v, ACT_WRITE, "incident-open", NULL)) < 0)
		return r;
	if (!title || !*title || strlen(title) >= 160)
		return fort_error_set(FORT_EINPUT, "an incident needs a short title (up to 159 bytes, no client data: it shows in 'fortress status')");
	if (!kind)
		kind = "other";
	if (!one_of(kind, kinds, sizeof kinds / sizeof kinds[0]))
		return fort_error_set(FORT_EINPUT, "unknown incident kind '%s' (lost-device, stolen-credentials, misdirected-email, ransomware, "
					   "processor, staff-access, other)", kind);
	aw = now;
	if (aware && (r = incident_time_parse(&aw, aware, "--aware")) < 0)
		return r;
	occ = aw;
	if (occurred && (r = incident_time_parse(&occ, occurred, "--occurred")) < 0)
		return r;
	if (aw < occ)
		return fort_error_set(FORT_EINPUT, "the awareness time (--aware %s) is before the incident happened (--occurred %s): "
					   "one cannot know of a breach before it occurs; check both times", aware ? aware : "now", occurred);
	if (aw > now + 300 || occ > now + 300)
		return fort_error_set(FORT_EINPUT, "the incident's times are in the future: check --occurred and --aware");
	if ((r = store_begin(v->st)) < 0)
		return r;
	{
		store_arg a[] = { SA_T(title), SA_T(kind), SA_I(occ), SA_I(aw), SA_T(v->user), SA_I(now), SA_I(now) };
		if ((r = store_sql(v->st, "recording the incident",
				   "INSERT INTO incidents(title, kind, occurred, aware, state, opened_by, created, updated)"
				   " VALUES(?,?,?,?,'open',?,?,?)", a, 7, NULL, NULL)) < 0)
			goto fail;
	}
	id = store_last_id(v->st);
	snprintf(detail, sizeof detail, "incident #%lld (%s)", (long long)id, kind);
	if ((r = audited(v, "incident-open", detail)) < 0 || (r = store_commit(v->st)) < 0)
		goto fail;
	if (id_out)
		*id_out = id;
	return 0;
fail:
	store_rollback(v->st);
	return r;
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
		store_arg a[] = { SA_I(id), SA_T(kind), SA_I(fort_now()), SA_I(at), SA_T(v->user), SA_B(ct, len) };
		r = store_sql(v->st, "recording the incident", "INSERT INTO incident_notes(incident, kind, ts, at, actor, text) VALUES(?,?,?,?,?,?)",
			      a, 6, NULL, NULL);
	}
	free(ct);
	if (r == 0) {
		store_arg a[] = { SA_I(fort_now()), SA_I(id) };
		r = store_sql(v->st, "recording the incident", "UPDATE incidents SET updated = ? WHERE id = ?", a, 2, NULL, NULL);
	}
	return r;
}

/* One write step: check, begin, FN, audit, commit; rollback on failure. */
int incident_note_write(fort_vault *v, int64_t id, const char *kind, const char *text, int64_t at, const char *action, int need_open)
{
	char detail[96];
	int r;
	if ((r = store_begin(v->st)) < 0)
		return r;
	if ((r = incident_need(v, id, need_open)) < 0 || (r = note_add(v, id, kind, text, at)) < 0)
		goto fail;
	snprintf(detail, sizeof detail, "incident #%lld: %s", (long long)id, kind);
	if ((r = audited(v, action, detail)) < 0 || (r = store_commit(v->st)) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(v->st);
	return r;
}

int fort_incident_log(fort_vault *v, int64_t id, const char *kind, const char *text, const char *at)
{
	int64_t when = fort_now();
	int r;
	if ((r = vault_need(v, ACT_WRITE, "incident-log", NULL)) < 0)
		return r;
	if (!kind || !one_of(kind, note_kinds, sizeof note_kinds / sizeof note_kinds[0]))
		return fort_error_set(FORT_EINPUT, "unknown note kind '%s' (timeline, fact, effect, remedy, consequence)", kind ? kind : "");
	if (!text || !*text)
		return fort_error_set(FORT_EINPUT, "the %s note is empty: say what happened", kind);
	if (strlen(text) > 20000)
		return fort_error_set(FORT_EINPUT, "the %s note is longer than 20000 bytes: split it", kind);
	if (at && (r = incident_time_parse(&when, at, "--at")) < 0)
		return r;
	return incident_note_write(v, id, kind, text, when, "incident-log", 1);
}

int fort_incident_assess(fort_vault *v, int64_t id, const fort_incident_assessment *a)
{
	char detail[200];
	int r;
	if ((r = vault_need(v, ACT_WRITE, "incident-assess", NULL)) < 0)
		return r;
	if (!a || a->version != FORT_INCIDENT_ASSESSMENT_VERSION)
		return FORT_CHECK_VERSION(a ? a->version : 0, FORT_INCIDENT_ASSESSMENT, fort_incident_assessment);
	if (a->likelihood < 0 || a->likelihood > 5 || a->severity < 0 || a->severity > 5)
		return fort_error_set(FORT_EINPUT, "likelihood and severity are 1 (remote / minimal) to 5 (almost certain / severe)");
	if (a->encrypted < -2 || a->encrypted > 1 || a->key_compromised < -2 || a->key_compromised > 1 || a->hipaa < -2 || a->hipaa > 1)
		return fort_error_set(FORT_EINPUT, "encrypted, key compromised and HIPAA are yes or no");
	if (a->contact && strlen(a->contact) >= 256)
		return fort_error_set(FORT_EINPUT, "the contact point is longer than 255 bytes");
	if ((r = store_begin(v->st)) < 0)
		return r;
	if ((r = incident_need(v, id, 1)) < 0)
		goto fail;
	{
		store_arg s[] = { SA_I(a->likelihood), SA_I(a->severity), SA_I(a->encrypted), SA_I(a->key_compromised), SA_I(a->hipaa),
				  SA_T(a->contact ? a->contact : ""), SA_I(a->contact != NULL), SA_I(fort_now()), SA_I(id) };
		if ((r = store_sql(v->st, "recording the assessment",
				   "UPDATE incidents SET likelihood = CASE WHEN ?1 > 0 THEN ?1 ELSE likelihood END,"
				   " severity = CASE WHEN ?2 > 0 THEN ?2 ELSE severity END,"
				   " encrypted = CASE WHEN ?3 >= 0 THEN ?3 ELSE encrypted END,"
				   " key_compromised = CASE WHEN ?4 >= 0 THEN ?4 ELSE key_compromised END,"
				   " hipaa = CASE WHEN ?5 >= 0 THEN ?5 ELSE hipaa END,"
				   " contact = CASE WHEN ?7 THEN ?6 ELSE contact END, updated = ?8 WHERE id = ?9",
				   s, 9, NULL, NULL)) < 0)
			goto fail;
	}
	snprintf(detail, sizeof detail, "incident #%lld: likelihood %d severity %d encrypted %d key-compromised %d", (long long)id,
		 a->likelihood, a->severity, a->encrypted, a->key_compromised);
	if ((r = audited(v, "incident-assess", detail)) < 0 || (r = store_commit(v->st)) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(v->st);
	return r;
}

int fort_incident_decide(fort_vault *v, int64_t id, const char *decision, const char *reasons)
{
	char detail[96];
	int r;
	if ((r = vault_need(v, ACT_WRITE, "incident-decide", NULL)) < 0)
		return r;
	if (!decision || (strcmp(decision, "notify") != 0 && strcmp(decision, "no-notify") != 0))
		return fort_error_set(FORT_EINPUT, "the decision is 'notify' or 'no-notify'");
	if (!reasons || !*reasons)
		return fort_error_set(FORT_EINPUT, "a decision needs its reasons (--reasons TEXT): the authority may ask why (Art. 33(5))");
	if ((r = store_begin(v->st)) < 0)
		return r;
	if ((r = incident_need(v, id, 1)) < 0 || (r = note_add(v, id, "decision", reasons, fort_now())) < 0)
		goto fail;
	{
		store_arg a[] = { SA_T(decision), SA_T(v->user), SA_I(fort_now()), SA_I(id) };
		if ((r = store_sql(v->st, "recording the decision",
				   "UPDATE incidents SET decision = ?, decided_by = ?, decided_at = ?3, updated = ?3 WHERE id = ?4", a, 4,
				   NULL, NULL)) < 0)
			goto fail;
	}
	snprintf(detail, sizeof detail, "incident #%lld: %s", (long long)id, decision);
	if ((r = audited(v, "incident-decide", detail)) < 0 || (r = store_commit(v->st)) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(v->st);
	return r;
}

static int info_cb(void *ctx, const store_row *row)
{
	fort_incident_info *o = ctx;
	memset(o, 0, sizeof *o);
	o->id = store_row_int(row, 0);
	snprintf(o->title, sizeof o->title, "%s", store_row_text(row, 1));
	snprintf(o->kind, sizeof o->kind, "%s", store_row_text(row, 2));
	fort_time_iso(o->occurred, store_row_int(row, 3));
	fort_time_iso(o->aware, store_row_int(row, 4));
	snprintf(o->state, sizeof o->state, "%s", store_row_text(row, 5));
	o->likelihood = (int)store_row_int(row, 6);
	o->severity = (int)store_row_int(row, 7);
	o->risk = o->likelihood * o->severity;
	o->encrypted = (int)store_row_int(row, 8);
	o->key_compromised = (int)store_row_int(row, 9);
	o->hipaa = (int)store_row_int(row, 10);
	snprintf(o->contact, sizeof o->contact, "%s", store_row_text(row, 11));
	snprintf(o->decision, sizeof o->decision, "%s", store_row_text(row, 12));
	snprintf(o->decided_by, sizeof o->decided_by, "%s", store_row_text(row, 13));
	if (store_row_int(row, 14))
		fort_time_iso(o->decided_at, store_row_int(row, 14));
	if (store_row_int(row, 15))
		fort_time_iso(o->closed, store_row_int(row, 15));
	snprintf(o->opened_by, sizeof o->opened_by, "%s", store_row_text(row, 16));
	o->timeline = (size_t)store_row_int(row, 17);
	o->facts = (size_t)store_row_int(row, 18);
	o->effects = (size_t)store_row_int(row, 19);
	o->remedies = (size_t)store_row_int(row, 20);
	return 0;
}

#define INFO_SQL \
	"SELECT id, title, kind, occurred, aware, state, likelihood, severity, encrypted, key_compromised, hipaa, contact," \
	" decision, decided_by, decided_at, closed, opened_by," \
	" (SELECT count(*) FROM incident_notes n WHERE n.incident = i.id AND n.kind = 'timeline')," \
	" (SELECT count(*) FROM incident_notes n WHERE n.incident = i.id AND n.kind = 'fact')," \
	" (SELECT count(*) FROM incident_notes n WHERE n.incident = i.id AND n.kind = 'effect')," \
	" (SELECT count(*) FROM incident_notes n WHERE n.incident = i.id AND n.kind = 'remedy')" \
	" FROM incidents i"

int incident_info(fort_incident_info *out, fort_vault *v, int64_t id)
{
	store_arg a[] = { SA_I(id) };
	int r;
	memset(out, 0, sizeof *out);
	/* dates and decisions drive the deadline clocks: the register must be
	 * the one the audit log vouches for */
	if ((r = store_seal_require(v->st, "incidents")) < 0 || (r = store_seal_require(v->st, "incident_notes")) < 0)
		return r;
	if ((r = store_sql(v->st, "reading the incident", INFO_SQL " WHERE id = ?", a, 1, info_cb, out)) < 0)
		return r;
	if (!out->id)
		return fort_error_set(FORT_ENOTFOUND, "no incident %lld ('fortress incident list' shows them)", (long long)id);
	return 0;
}

int fort_incident_close(fort_vault *v, int64_t id)
{
	fort_incident_info in;
	char missing[200] = "", detail[96];
	int r;
	if ((r = vault_need(v, ACT_WRITE, "incident-close", NULL)) < 0)
		return r;
	if ((r = store_begin(v->st)) < 0)
		return r;
	if ((r = incident_need(v, id, 1)) < 0 || (r = incident_info(&in, v, id)) < 0)
		goto fail;
	if (!in.facts)
		strcat(missing, ", facts ('incident log ID fact TEXT')");
	if (!in.effects)
		strcat(missing, ", effects ('incident log ID effect TEXT')");
	if (!in.remedies)
		strcat(missing, ", remedial actions ('incident log ID remedy TEXT')");
	if (!in.decision[0])
		strcat(missing, ", a decision ('incident decide ID notify|no-notify --reasons TEXT')");
	if (missing[0]) {
		r = fort_error_set(FORT_EINPUT, "incident %lld cannot be closed: the register (Art. 33(5)) needs %s", (long long)id, missing + 2);
		goto fail;
	}
	{
		store_arg a[] = { SA_I(fort_now()), SA_I(id) };
		if ((r = store_sql(v->st, "closing the incident", "UPDATE incidents SET state = 'closed', closed = ?1, updated = ?1 WHERE id = ?2",
				   a, 2, NULL, NULL)) < 0)
			goto fail;
	}
	snprintf(detail, sizeof detail, "incident #%lld closed (%s)", (long long)id, in.decision);
	if ((r = audited(v, "incident-close", detail)) < 0 || (r = store_commit(v->st)) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(v->st);
	return r;
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

static int list_cb(void *ctx, const store_row *row)
{
	struct list *l = ctx;
	if (FORT_ARRAY_GROW(l->a, l->n + 1, l->cap, 16) < 0)
		return FORT_ENOMEM;
	return info_cb(&l->a[l->n++], row);
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
	if ((r = store_sql(v->st, "reading the incidents", INFO_SQL " ORDER BY state = 'closed', aware DESC, id DESC", NULL, 0, list_cb,
			   &l)) < 0) {
		free(l.a);
		return r;
	}
	*out = l.a;
	*n = l.n;
	return 0;
}

struct notes { fort_vault *v; int64_t id; fort_incident_note *a; size_t n, cap; int err; };

static int notes_cb(void *ctx, const store_row *row)
{
	struct notes *l = ctx;
	fort_incident_note *e;
	const void *ct;
	size_t len;
	int r;
	if (FORT_ARRAY_GROW(l->a, l->n + 1, l->cap, 16) < 0)
		return FORT_ENOMEM;
	e = &l->a[l->n];
	memset(e, 0, sizeof *e);
	snprintf(e->kind, sizeof e->kind, "%s", store_row_text(row, 0));
	fort_time_iso(e->at, store_row_int(row, 1));
	snprintf(e->actor, sizeof e->actor, "%s", store_row_text(row, 2));
	ct = store_row_blob(row, 3, &len);
	if ((r = incident_open(&e->text, l->v, l->id, e->kind, ct, len)) < 0)
		return r;
	l->n++;
	return 0;
}

/* Notes of KIND (NULL: all), oldest first (by AT for the timeline). */
int incident_notes_of(fort_incident_note **out, size_t *n, fort_vault *v, int64_t id, const char *kind)
{
	struct notes l = { v, id, NULL, 0, 0, 0 };
	store_arg a[] = { SA_I(id), SA_T(kind ? kind : "") };
	int r = store_sql(v->st, "reading the incident",
			  "SELECT kind, at, actor, text FROM incident_notes WHERE incident = ?1 AND (?2 = '' OR kind = ?2)"
			  " ORDER BY kind <> 'timeline', at, id", a, 2, notes_cb, &l);
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
