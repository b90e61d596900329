/* clocks.c - the legal clocks that run from the moment of awareness: the
 * authority (EU/UK 72 hours by the business's country, computed in UTC),
 * the data subjects ("without undue delay"), the US states of the affected
 * clients (data/us_state_breach_laws.csv) and HIPAA (60 days).  Every
 * period comes from the data tables, none from code. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "incident/incident_int.h"

struct clocks { fort_incident_clock *a; size_t n, cap; };

static fort_incident_clock *push(struct clocks *l)
{
	if (FORT_ARRAY_GROW(l->a, l->n + 1, l->cap, 8) < 0)
		return NULL;
	memset(&l->a[l->n], 0, sizeof l->a[l->n]);
	return &l->a[l->n++];
}

/* The end of DATE (YYYY-MM-DD) in UTC: a day deadline is met all day long. */
static int64_t end_of_day(const char *date)
{
	int64_t t = 0;
	if (incident_time_parse(&t, date, "due") < 0) {
		fort_error_clear();
		return 0;
	}
	return t + 86399;
}

/* A clock of the rules table (jurisdiction J, clock C) from START. */
static int rule_clock(struct clocks *l, const char *j, const char *c, const char *start, const char *note)
{
	fort_deadline_query q = FORT_DEADLINE_QUERY_INIT;
	fort_deadline d;
	fort_incident_clock *k;
	int r;
	q.jurisdiction = j;
	q.clock = c;
	q.start = start;
	if ((r = fort_deadline_compute(&d, &q)) < 0)
		return r;
	if (!(k = push(l)))
		return FORT_ENOMEM;
	snprintf(k->jurisdiction, sizeof k->jurisdiction, "%s", d.jurisdiction);
	snprintf(k->clock, sizeof k->clock, "%s", d.clock);
	snprintf(k->title, sizeof k->title, "%s", d.title);
	snprintf(k->due, sizeof k->due, "%s", d.due);
	snprintf(k->source, sizeof k->source, "%s", d.source);
	snprintf(k->note, sizeof k->note, "%s", note ? note : d.due[0] ? d.rule : "without undue delay: no fixed period");
	k->hours = d.hours;
	if (d.due[0]) {
		if (d.hours) {
			if (incident_time_parse(&k->due_ts, d.due, "due") < 0)
				return fort_error_code();
		} else {
			k->due_ts = end_of_day(d.due);
		}
	}
	return 0;
}

/* A US state's consumer notice, through the deadline engine (its rows come
 * from data/us_state_breach_laws.csv); a state the table lacks has no clock. */
static int state_clock(struct clocks *l, const char *state, const char *aware_date, size_t clients, int protected_)
{
	char j[16], note[512];
	int r;
	snprintf(j, sizeof j, "US-%s", state);
	r = rule_clock(l, j, "breach-individuals", aware_date, NULL);
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		return 0;
	}
	if (r < 0)
		return r;
	snprintf(note, sizeof note, "%zu resident(s); %s%s", clients, l->a[l->n - 1].note,
		 protected_ ? "; the encryption safe harbour may apply (encrypted, key not compromised)" : "");
	snprintf(l->a[l->n - 1].note, sizeof l->a[l->n - 1].note, "%.199s", note);
	return 0;
}

static int clock_cmp(const void *x, const void *y)
{
	const fort_incident_clock *a = x, *b = y;
	if (a->overdue != b->overdue)
		return b->overdue - a->overdue;
	if (!a->due_ts != !b->due_ts)
		return a->due_ts ? -1 : 1;
	if (a->due_ts != b->due_ts)
		return a->due_ts < b->due_ts ? -1 : 1;
	{
		int c = strcmp(a->jurisdiction, b->jurisdiction);   /* a stable order for equal dates */
		return c ? c : strcmp(a->clock, b->clock);
	}
}

/* When the notifications were made: recorded ones ("notified" notes) and
 * e-mails the mail server accepted (the authority's; the clients' when
 * every one was). */
struct made { int64_t ts; char how[160]; };

static int mail_cb(void *ctx, const store_mail *m)
{
	struct made *mk = ctx;   /* [0] authority, [1] clients, [2] clients not sent (ts = 1) */
	int client = strstr(m->ref, ":client:") != NULL;
	if (!client && !strstr(m->ref, ":authority"))
		return 0;
	if (strcmp(m->status, "sent") != 0 || !m->sent) {
		if (client)
			mk[2].ts = 1;
		return 0;
	}
	if (!client && (!mk[0].ts || m->sent < mk[0].ts)) {
		mk[0].ts = m->sent;
		snprintf(mk[0].how, sizeof mk[0].how, "e-mail accepted by the mail server (%.100s)", m->message_id);
	}
	if (client && m->sent > mk[1].ts) {
		mk[1].ts = m->sent;
		snprintf(mk[1].how, sizeof mk[1].how, "e-mail accepted by the mail server");
	}
	return 0;
}

static int notified_cb(void *ctx, const store_incident_note *n)
{
	struct made *mk = ctx;
	int k = strcmp(n->kind, "notified-auth") == 0 ? 0 : 1;
	if (!mk[k].ts || n->at < mk[k].ts) {
		mk[k].ts = n->at;
		snprintf(mk[k].how, sizeof mk[k].how, "notification recorded by %.60s (the register says how)", n->actor);
	}
	return 0;
}

static int clocks_met(struct clocks *l, fort_vault *v, int64_t id)
{
	struct made mk[3];
	char prefix[48];
	int r;
	memset(mk, 0, sizeof mk);
	snprintf(prefix, sizeof prefix, "incident:%lld:", (long long)id);
	if ((r = store_mail_each(v->st, prefix, mail_cb, mk)) < 0)
		return r;
	if (mk[2].ts)
		mk[1].ts = 0;   /* some client's letter is not out yet */
	/* kind and time only: nothing is decrypted (status runs locked) */
	if ((r = store_incident_note_each(v->st, id, "notified-auth", notified_cb, mk)) < 0 ||
	    (r = store_incident_note_each(v->st, id, "notified-client", notified_cb, mk)) < 0)
		return r;
	for (size_t i = 0; i < l->n; i++) {
		fort_incident_clock *c = &l->a[i];
		int k = strcmp(c->clock, "breach-authority") == 0 ? 0 : strcmp(c->clock, "breach-individuals") == 0 ? 1 : -1;
		if (k < 0 || !mk[k].ts)
			continue;
		c->met = 1;
		fort_time_iso(c->met_at, mk[k].ts);
		snprintf(c->met_how, sizeof c->met_how, "%s", mk[k].how);
		c->late = c->due_ts && mk[k].ts > c->due_ts;
	}
	return 0;
}

int incident_clocks(fort_incident_clock **out, size_t *n, fort_vault *v, int64_t id, int64_t now, int with_impact)
{
	struct clocks l = { NULL, 0, 0 };
	fort_incident_info in;
	fort_impact *im = NULL;
	char biz[16], aware_date[11];
	int r;

	*out = NULL;
	*n = 0;
	if (!now)
		now = fort_now();
	if ((r = incident_info(&in, v, id)) < 0)
		return r;
	snprintf(aware_date, sizeof aware_date, "%.10s", in.aware);
	incident_jurisdiction(biz, v->country, NULL);
	if (with_impact) {
		if ((r = incident_impact_compute(&im, v, id, 1)) < 0) {
			if (r != FORT_EINPUT)   /* no scope yet: the business's clocks only */
				goto out;
			fort_error_clear();
			im = NULL;
		}
	}
	/* the authority of the business's country; the data subjects of each
	 * GDPR jurisdiction touched */
	if (strcmp(biz, "EU") == 0 || strcmp(biz, "UK") == 0) {
		if ((r = rule_clock(&l, biz, "breach-authority", in.aware,
				    "72 hours from awareness, in UTC (no roll for weekends); later: give the reasons for the delay")) < 0 ||
		    (r = rule_clock(&l, biz, "breach-individuals", aware_date, NULL)) < 0)
			goto out;
	}
	for (size_t i = 0; im && i < im->njurisdictions; i++) {
		const char *j = im->jurisdictions[i].code;
		if ((strcmp(j, "EU") == 0 || strcmp(j, "UK") == 0) && strcmp(j, biz) != 0) {
			if ((r = rule_clock(&l, j, "breach-individuals", aware_date, NULL)) < 0)
				goto out;
		} else if (strncmp(j, "US-", 3) == 0) {
			if ((r = state_clock(&l, j + 3, aware_date, im->jurisdictions[i].clients, im->protected_)) < 0)
				goto out;
		}
	}
	if (in.hipaa) {
		size_t affected = im ? im->nclients : 0;
		if ((r = rule_clock(&l, "US-HIPAA", "breach-individuals", aware_date, NULL)) < 0 ||
		    (r = rule_clock(&l, "US-HIPAA", affected >= 500 ? "breach-hhs" : "hhs-log", aware_date, NULL)) < 0)
			goto out;
	}
	if ((r = clocks_met(&l, v, id)) < 0)
		goto out;
	/* overdue: not met by the due time; a late notification stays late */
	for (size_t i = 0; i < l.n; i++)
		l.a[i].overdue = l.a[i].due_ts && !l.a[i].met && now > l.a[i].due_ts && strcmp(in.state, "open") == 0 &&
				 strcmp(in.decision, "no-notify") != 0;
	if (l.n)
		qsort(l.a, l.n, sizeof *l.a, clock_cmp);
	*out = l.a;
	*n = l.n;
	l.a = NULL;
	r = 0;
out:
	fort_impact_free(im);
	free(l.a);
	return r;
}

int fort_incident_clocks(fort_incident_clock **out, size_t *n, fort_vault *v, int64_t id, int64_t now)
{
	int r;
	*out = NULL;
	*n = 0;
	if ((r = vault_need(v, ACT_READ, "incident-show", NULL)) < 0)
		return r;
	return incident_clocks(out, n, v, id, now, 1);
}

static int open_cb(void *ctx, int64_t id)
{
	struct { int64_t *ids; size_t n, cap; } *l = ctx;
	if (FORT_ARRAY_GROW(l->ids, l->n + 1, l->cap, 8) < 0)
		return FORT_ENOMEM;
	l->ids[l->n++] = id;
	return 0;
}

int fort_incident_summary_get(fort_incident_summary *out, fort_vault *v, int64_t now)
{
	struct { int64_t *ids; size_t n, cap; } l = { NULL, 0, 0 };
	int r;
	memset(out, 0, sizeof *out);
	if (!v)
		return fort_error_set(FORT_EINPUT, "no vault");
	if ((r = store_incident_ids(v->st, "open", open_cb, &l)) < 0)
		goto out;
	out->open = l.n;
	for (size_t i = 0; i < l.n; i++) {
		fort_incident_clock *k = NULL;
		size_t n = 0;
		if ((r = incident_clocks(&k, &n, v, l.ids[i], now, 0)) < 0)
			goto out;
		for (size_t j = 0; j < n; j++) {
			if (!k[j].due_ts || k[j].met)   /* a met clock is no longer a deadline */
				continue;
			if (!out->has_next || clock_cmp(&k[j], &out->next) < 0) {
				out->next = k[j];
				out->incident = l.ids[i];
				out->has_next = 1;
			}
		}
		free(k);
	}
	r = 0;
out:
	free(l.ids);
	return r;
}
