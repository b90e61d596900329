/* retention.c - retention for every client, not only after an erasure
 * request (GDPR Art. 5(1)(e): kept no longer than necessary).
 *
 * A purpose of the data map may carry a structured rule:
 *
 *   "retention_rule": {"years": 2, "months": 0, "days": 0,
 *                      "after": "updated", "reason": "..."}
 *
 * "after" is the trigger: "created" (the record was made), "updated" (the
 * last change: the last contact), "consent_withdrawn" (a consent-based
 * purpose: the day the client withdrew or objected; a client who never
 * consented counts from the day the record was made) or "field:NAME" (a
 * date field of the client, e.g. "field:contract_end"; while it is empty the
 * trigger has not happened).  A purpose without a rule justifies keeping its
 * fields for as long as they are there.
 *
 * A field stays while at least one of its purposes still justifies it; once
 * none does, it goes the day after the latest of their end dates, unless
 * its "hold" (tax law ...) has not ended: holds win.  A client none of
 * whose fields is justified any more is crypto-shredded whole through
 * fort_client_erase; otherwise the expired fields are removed from the
 * record (client_edit_ex: the record's 'updated' time stays, so the other
 * rules' clocks do not restart).  A date field a rule counts from stays
 * while anything else of the client does.  Clients under an erasure
 * request's holds (store_hold_put, store_hold_each) are left to those holds; a client whose
 * processing is restricted (Art. 18) keeps everything until it is lifted. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <jansson.h>
#include "vault/vault_int.h"
#include "vault/op.h"

/* ------------------------------------------------------------ the rule */

static void rule_text(char *out, size_t cap, const map_retention *rl)
{
	char d[96] = "";
	size_t len = 0;
	const char *after = rl->after;
	if (rl->years)
		len += (size_t)snprintf(d + len, sizeof d - len, "%d year%s", rl->years, rl->years == 1 ? "" : "s");
	if (rl->months)
		len += (size_t)snprintf(d + len, sizeof d - len, "%s%d month%s", len ? " " : "", rl->months, rl->months == 1 ? "" : "s");
	if (rl->days)
		snprintf(d + len, sizeof d - len, "%s%d day%s", len ? " " : "", rl->days, rl->days == 1 ? "" : "s");
	if (strcmp(after, "created") == 0)
		snprintf(out, cap, "%s after the record was created (%s)", d, rl->reason);
	else if (strcmp(after, "updated") == 0)
		snprintf(out, cap, "%s after the last contact (last change of the record) (%s)", d, rl->reason);
	else if (strcmp(after, "consent_withdrawn") == 0)
		snprintf(out, cap, "%s after consent is withdrawn (%s)", d, rl->reason);
	else
		snprintf(out, cap, "%s after the date in field '%s' (%s)", d, after + 6, rl->reason);
}

/* "2y", "6m", "1y6m", "30d" (also "2 years", "18 months"). */
static int parse_duration(int *y, int *mo, int *d, const char *s)
{
	*y = *mo = *d = 0;
	if (!s || !*s)
		return -1;
	while (*s) {
		char *end;
		long n;
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if (*s < '0' || *s > '9')
			return -1;
		n = strtol(s, &end, 10);
		while (*end == ' ')
			end++;
		if (n < 0 || n > 36600)
			return -1;
		if (*end == 'y')
			*y += (int)n;
		else if (*end == 'm')
			*mo += (int)n;
		else if (*end == 'd')
			*d += (int)n;
		else if (*end == 'w')
			*d += 7 * (int)n;
		else
			return -1;
		s = end;
		while (*s >= 'a' && *s <= 'z') /* "years", "months", ... */
			s++;
		while (*s == ' ' || *s == ',')
			s++;
	}
	return *y || *mo || *d ? 0 : -1;
}

int fort_retention_rule_set(fort_vault *v, const char *purpose, const char *duration, const char *after, const char *reason)
{
	char *cur = NULL, *next = NULL;
	json_t *root = NULL, *purposes, *p;
	int r, y = 0, mo = 0, d = 0;
	if ((r = vault_need(v, ACT_MAP, "map-change", NULL)) < 0)
		return r;
	if (!purpose || !map_purpose_find(&v->map, purpose))
		return fort_error_set(FORT_ENOTFOUND, "no purpose '%s' in the data map ('fortress map activity list')",
				      purpose ? purpose : "");
	if (duration && parse_duration(&y, &mo, &d, duration) < 0)
		return fort_error_set(FORT_EINPUT, "'%s' is not a duration: use e.g. 10y, 6m, 1y6m, 30d", duration);
	if (duration && (!after || !retention_after_valid(after)))
		return fort_error_set(FORT_EINPUT, "--after must be created, updated, consent_withdrawn or field:NAME");
	if (duration && (!reason || !reason[0]))
		return fort_error_set(FORT_EINPUT, "a retention rule needs --reason: the law or the reason for keeping the data");
	if ((r = map_to_json(&cur, &v->map)) < 0)
		return r;
	if (!(root = json_loads(cur, JSON_PRESERVE_ORDER, NULL))) {
		r = fort_error_set(FORT_ENOMEM, "out of memory");
		goto out;
	}
	purposes = json_object_get(root, "purposes");
	p = purposes ? json_object_get(purposes, purpose) : NULL;
	if (p && json_is_string(p)) {
		json_t *o = json_object();
		json_object_set(o, "description", p);
		json_object_set_new(purposes, purpose, o);
		p = o;
	}
	if (!p) {
		r = fort_error_set(FORT_ENOTFOUND, "no purpose '%s' in the data map", purpose);
		goto out;
	}
	if (duration) {
		json_t *rule = json_object();
		if (y) json_object_set_new(rule, "years", json_integer(y));
		if (mo) json_object_set_new(rule, "months", json_integer(mo));
		if (d) json_object_set_new(rule, "days", json_integer(d));
		json_object_set_new(rule, "after", json_string(after));
		json_object_set_new(rule, "reason", json_string(reason));
		json_object_set_new(p, "retention_rule", rule);
		{
			/* the readable text follows the rule (notice, records) */
			map_retention rl;
			char text[400];
			if ((r = retention_rule_parse(&rl, rule, purpose)) < 0)
				goto out;
			rule_text(text, sizeof text, &rl);
			json_object_set_new(p, "retention", json_string(text));
		}
	} else {
		json_object_del(p, "retention_rule");
	}
	if (!(next = json_dumps(root, JSON_PRESERVE_ORDER))) {
		r = fort_error_set(FORT_ENOMEM, "out of memory");
		goto out;
	}
	r = map_store(v, next, strlen(next));
out:
	free(cur);
	free(next);
	json_decref(root);
	return r;
}

int fort_retention_rule_text(char *out, size_t cap, fort_vault *v, const char *purpose)
{
	const map_purpose *p = map_purpose_find(&v->map, purpose);
	if (cap)
		out[0] = '\0';
	if (!p)
		return fort_error_set(FORT_ENOTFOUND, "no purpose '%s' in the data map", purpose ? purpose : "");
	if (p->rule.set)
		rule_text(out, cap, &p->rule);
	return 0;
}

/* ------------------------------------------------------------ the dates */

static void day_of(char out[11], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* FROM + years, months (the day clamped to the month's end), days. */
static int date_plus(char out[11], const char *from, int years, int months, int days)
{
	int y;
	unsigned m, d;
	char tmp[40];   /* 11 used: the compiler cannot see that the fields fit */
	if (sscanf(from, "%4d-%2u-%2u", &y, &m, &d) != 3 || m < 1 || m > 12)
		return fort_error_set(FORT_EINPUT, "'%s' is not a date", from);
	fort_civil_add_months(&y, &m, &d, (int64_t)months + 12 * (int64_t)years);
	if (y > 9999)
		y = 9999;
	snprintf(tmp, sizeof tmp, "%04d-%02u-%02u", y, m, d);
	return days ? fort_date_add_days(out, tmp, days) : (memcpy(out, tmp, 11), 0);
}

/* The day a hold on F ends for client C, as erasure.c computes it. */
static void hold_end(char out[11], const map_field *f, const store_client *c)
{
	char from[11];
	day_of(from, strcmp(f->hold_from, "created") == 0 ? c->created : c->updated);
	if (date_plus(out, from, f->hold_years, 0, 0) < 0)
		memcpy(out, "9999-12-31", 11);
}

static void today_of(char out[11])
{
	day_of(out, fort_now());
}

/* ------------------------------------------------------------- the plan */

struct plan {
	fort_vault *v;
	const char *limit;        /* what ends on or before this day goes */
	fort_retention_item *a;
	size_t n, cap;
	int64_t *skip;            /* clients under an erasure request's holds */
	size_t nskip, capskip;
	client_vals cv;
};

static fort_retention_item *plan_add(struct plan *p)
{
	if (FORT_ARRAY_GROW(p->a, p->n + 1, p->cap, 32) < 0)
		return NULL;
	memset(&p->a[p->n], 0, sizeof p->a[0]);
	return &p->a[p->n++];
}

static void list_add(char *list, size_t cap, const char *s)
{
	size_t len = strlen(list);
	if (len && len + 1 < cap)
		list[len++] = ',';
	snprintf(list + len, cap - len, "%s", s);
}

static int in_list(const char *list, const char *s)
{
	size_t n = strlen(s);
	for (const char *p = list; (p = strstr(p, s)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

static int skip_cb(void *ctx, int64_t client, const char *field, const char *until, const char *reason, int64_t request)
{
	struct plan *p = ctx;
	(void)field; (void)until; (void)reason; (void)request;
	if (p->nskip && p->skip[p->nskip - 1] == client)
		return 0;
	if (FORT_ARRAY_GROW(p->skip, p->nskip + 1, p->capskip, 16) < 0)
		return FORT_ENOMEM;
	p->skip[p->nskip++] = client;
	return 0;
}

/* The end of PURPOSE's retention for this client: 1 with END set, 0 when
 * the purpose still justifies the data without an end (no rule, trigger not
 * happened yet). */
static int purpose_end(char end[11], const map_purpose *mp, const store_client *c, const client_vals *cv,
		       const fort_consent_state *cs, size_t ncs, struct plan *p)
{
	const map_retention *rl = &mp->rule;
	char from[11];
	if (!rl->set)
		return 0;
	if (strcmp(rl->after, "created") == 0) {
		day_of(from, c->created);
	} else if (strcmp(rl->after, "updated") == 0) {
		day_of(from, c->updated);
	} else if (strcmp(rl->after, "consent_withdrawn") == 0) {
		const fort_consent_state *s = NULL;
		for (size_t i = 0; i < ncs; i++)
			if (strcmp(cs[i].purpose, mp->name) == 0)
				s = &cs[i];
		if (s && s->consented)
			return 0;
		/* withdrawn or objected: from then; never given: from the record's making */
		day_of(from, s ? s->since : c->created);
	} else {
		int fi = map_index(&p->v->map, rl->after + 6);
		if (fi < 0 || !cv->vals[fi] || !fort_date_valid(cv->vals[fi]))
			return 0;
		memcpy(from, cv->vals[fi], 10);
		from[10] = '\0';
	}
	if (date_plus(end, from, rl->years, rl->months, rl->days) < 0)
		return 0;
	return 1;
}

/* Does a rule count from field NAME? */
static int is_trigger(const fort_map *m, const char *name)
{
	for (size_t k = 0; k < m->np; k++)
		if (m->p[k].rule.set && strncmp(m->p[k].rule.after, "field:", 6) == 0 && strcmp(m->p[k].rule.after + 6, name) == 0)
			return 1;
	return 0;
}

static int plan_client(void *ctx, const store_client *c)
{
	struct plan *p = ctx;
	fort_vault *v = p->v;
	const fort_map *m = &v->map;
	fort_consent_state *cs = NULL;
	size_t ncs = 0, nvals = 0, ngo = 0;
	char idstr[FORT_ID_LEN + 1];
	char (*pend)[11] = NULL;
	int *pset = NULL, restricted = 0;
	struct { char go[11]; char kept[11]; int expired, held; char purposes[256]; char reason[256]; } *fx = NULL;
	int r;
	for (size_t i = 0; i < p->nskip; i++)
		if (p->skip[i] == c->id)
			return 0;
	client_id_format(idstr, c->id);
	if ((r = client_decrypt(&p->cv, v, c)) < 0)
		return r;
	if ((r = fort_consent_status(&cs, &ncs, &restricted, v, idstr)) < 0)
		goto out;
	if (!(pend = fort_calloc(m->np ? m->np : 1, sizeof *pend)) || !(pset = fort_calloc(m->np ? m->np : 1, sizeof *pset)) ||
	    !(fx = fort_calloc(m->n ? m->n : 1, sizeof *fx))) {
		r = FORT_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < m->np; k++)
		pset[k] = purpose_end(pend[k], &m->p[k], c, &p->cv, cs, ncs, p);
	for (size_t i = 0; i < m->n && i < p->cv.n; i++) {
		const map_field *f = &m->f[i];
		char latest[11] = "";
		int justified = 0;
		const char *why = "";
		if (!p->cv.vals[i])
			continue;
		nvals++;
		for (size_t k = 0; k < f->npurposes && !justified; k++) {
			const map_purpose *mp = map_purpose_find(m, f->purposes[k]);
			size_t pi = mp ? (size_t)(mp - m->p) : 0;
			if (!mp || !pset[pi]) {
				justified = 1;
				break;
			}
			if (strcmp(pend[pi], latest) > 0) {
				memcpy(latest, pend[pi], 11);
				why = mp->rule.reason;
			}
			list_add(fx[i].purposes, sizeof fx[i].purposes, mp->name);
		}
		if (justified || strcmp(latest, p->limit) > 0)
			continue;
		fx[i].expired = 1;
		memcpy(fx[i].go, latest, 11);
		snprintf(fx[i].reason, sizeof fx[i].reason, "%s", why);
		if (f->hold_years) {
			char he[11];
			hold_end(he, f, c);
			if (strcmp(he, latest) > 0) {
				/* the hold outlasts the purposes: it goes when the hold ends */
				if (strcmp(he, p->limit) > 0) {
					fx[i].held = 1;
					memcpy(fx[i].kept, he, 11);
					snprintf(fx[i].reason, sizeof fx[i].reason, "%s", f->hold_reason);
					continue;
				}
				/* the erasure's reason is the end of the hold, not the
				 * purposes' (which ended earlier) */
				memcpy(fx[i].go, he, 11);
				snprintf(fx[i].reason, sizeof fx[i].reason, "the legal hold ended on %s (%.180s)", he, f->hold_reason);
			}
		}
		if (restricted) {
			/* Art. 18(1)(c): restricted instead of erased, kept for the
			 * client's legal claims until the restriction is lifted */
			fx[i].held = 1;
			fx[i].kept[0] = '\0';
			snprintf(fx[i].reason, sizeof fx[i].reason, "processing is restricted (GDPR Art. 18): kept until the "
				 "restriction is lifted");
			continue;
		}
		ngo++;
	}
	if (nvals && ngo == nvals) {
		/* nothing is justified any more: the whole client goes */
		fort_retention_item *it = plan_add(p);
		if (!it) {
			r = FORT_ENOMEM;
			goto out;
		}
		it->action = FORT_RET_ERASE_CLIENT;
		memcpy(it->client, idstr, sizeof idstr);
		for (size_t i = 0; i < m->n && i < p->cv.n; i++) {
			if (!fx[i].expired)
				continue;
			list_add(it->fields, sizeof it->fields, m->f[i].name);
			if (strcmp(fx[i].go, it->date) > 0) {
				memcpy(it->date, fx[i].go, 11);
				snprintf(it->reason, sizeof it->reason, "%s", fx[i].reason);
			}
			for (char *s = fx[i].purposes, *e; *s; s = *e ? e + 1 : e) {
				char one[64];
				e = strchr(s, ',');
				if (!e)
					e = s + strlen(s);
				snprintf(one, sizeof one, "%.*s", (int)(e - s), s);
				if (!in_list(it->purposes, one))
					list_add(it->purposes, sizeof it->purposes, one);
			}
		}
	} else {
		for (size_t i = 0; i < m->n && i < p->cv.n; i++) {
			fort_retention_item *it;
			if (!fx[i].expired || is_trigger(m, m->f[i].name))
				continue; /* a date that starts a clock stays while anything else does */
			if (!(it = plan_add(p))) {
				r = FORT_ENOMEM;
				goto out;
			}
			it->action = fx[i].held ? FORT_RET_KEPT : FORT_RET_ERASE_FIELD;
			memcpy(it->client, idstr, sizeof idstr);
			snprintf(it->fields, sizeof it->fields, "%s", m->f[i].name);
			memcpy(it->date, fx[i].go, 11);
			memcpy(it->kept_until, fx[i].kept, 11);
			snprintf(it->purposes, sizeof it->purposes, "%s", fx[i].purposes);
			snprintf(it->reason, sizeof it->reason, "%s", fx[i].reason);
		}
	}
	r = 0;
out:
	cvals_clear(&p->cv);
	free(cs);
	free(pend);
	free(pset);
	if (fx)
		sodium_memzero(fx, m->n * sizeof *fx);
	free(fx);
	return r;
}

static int item_cmp(const void *a, const void *b)
{
	const fort_retention_item *x = a, *y = b;
	const char *da = x->action == FORT_RET_KEPT ? (x->kept_until[0] ? x->kept_until : "9999") : x->date;
	const char *db = y->action == FORT_RET_KEPT ? (y->kept_until[0] ? y->kept_until : "9999") : y->date;
	int c = strcmp(da, db);
	return c ? c : strcmp(x->client, y->client);
}

/* Every field and client whose retention ends on or before LIMIT. */
static int plan_build(struct plan *p, fort_vault *v, const char *limit)
{
	int r;
	memset(p, 0, sizeof *p);
	p->v = v;
	p->limit = limit;
	for (int k = 0; k < CAT_COUNT; k++)
		if (!v->kr->has_ck[k])
			return fort_error_set(FORT_EDENIED, "retention must see every field to decide what may go, and you do not hold "
					      "the %s key: ask an owner", fort_categories[k]);
	if ((r = cvals_init(&p->cv, v)) < 0)
		return r;
	if ((r = store_hold_each(v->st, NULL, skip_cb, p)) < 0 || (r = store_client_each(v->st, plan_client, p)) < 0) {
		cvals_release(&p->cv);
		free(p->skip);
		free(p->a);
		p->a = NULL;
		return r;
	}
	cvals_release(&p->cv);
	free(p->skip);
	if (p->n > 1)
		qsort(p->a, p->n, sizeof *p->a, item_cmp);
	return 0;
}

static int as_of_day(char out[11], const char *as_of)
{
	if (!as_of) {
		today_of(out);
		return 0;
	}
	if (!fort_date_valid(as_of))
		return fort_error_set(FORT_EINPUT, "'%s' is not a date: use YYYY-MM-DD", as_of);
	memcpy(out, as_of, 10);
	out[10] = '\0';
	return 0;
}

/* Holds of erasure requests (fort_hold_info) as items. */
static int append_holds(struct plan *p, const fort_hold_info *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fort_retention_item *it = plan_add(p);
		if (!it)
			return FORT_ENOMEM;
		it->action = FORT_RET_HOLD_ENDED;
		memcpy(it->client, h[i].client, sizeof it->client);
		snprintf(it->fields, sizeof it->fields, "%s", h[i].field);
		snprintf(it->date, sizeof it->date, "%s", h[i].until);
		snprintf(it->reason, sizeof it->reason, "%s", h[i].reason);
		it->request = h[i].request;
	}
	return 0;
}

int fort_retention_due_all(fort_retention_item **out, size_t *n, fort_vault *v, const char *as_of, int within_days)
{
	struct plan p;
	char today[11], limit[11];
	fort_hold_info *h = NULL;
	size_t nh = 0;
	int r;
	*out = NULL;
	*n = 0;
	if ((r = vault_need(v, ACT_READ, "retention-due", NULL)) < 0 || (r = as_of_day(today, as_of)) < 0)
		return r;
	if (within_days < 0 || within_days > 36600)
		return fort_error_set(FORT_EINPUT, "--within takes a number of days from 0 to 36600");
	if ((r = fort_date_add_days(limit, today, within_days)) < 0 || (r = plan_build(&p, v, limit)) < 0)
		return r;
	if ((r = fort_retention_due(&h, &nh, v, limit)) < 0 || (r = append_holds(&p, h, nh)) < 0) {
		free(h);
		free(p.a);
		return r;
	}
	free(h);
	if (p.n > 1)
		qsort(p.a, p.n, sizeof *p.a, item_cmp);
	*out = p.a;
	*n = p.n;
	return 0;
}

/* The run's summary, a step of its own after the erasures */
static int summary_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	(void)v;
	snprintf(detail, cap, "%s", (const char *)ctx);
	return 0;
}

int fort_retention_run_all(fort_retention_item **out, size_t *n, fort_vault *v, const char *as_of, int dry_run)
{
	vault_op run = { "retention-run", dry_run ? ACT_READ : ACT_ERASE, NULL, summary_write, NULL, NULL, NULL, NULL, 0, NULL };
	struct plan p;
	char today[11], last[11], detail[1400];
	fort_hold_info *h = NULL;
	size_t nh = 0, nclients = 0, nfields = 0, nkept = 0, nrestricted = 0;
	int r;
	*out = NULL;
	*n = 0;
	memset(&p, 0, sizeof p);
	if ((r = vault_op_start(v, &run, NULL)) < 0 || (r = as_of_day(today, as_of)) < 0)
		return r;
	/* what an erasure request kept under a hold, once the hold ended */
	if ((r = fort_retention_run(&h, &nh, v, today, dry_run)) < 0)
		return r;
	/* what ends before today (held through its last day) */
	if ((r = fort_date_add_days(last, today, -1)) < 0 || (r = plan_build(&p, v, last)) < 0)
		goto fail;
	for (size_t i = 0; i < p.n; i++) {
		fort_retention_item *it = &p.a[i];
		if (it->action == FORT_RET_KEPT) {
			/* a restriction (no end date) is not a hold: counted apart */
			if (it->kept_until[0])
				nkept++;
			else
				nrestricted++;
			continue;
		}
		if (it->action == FORT_RET_ERASE_CLIENT) {
			nclients++;
		} else {
			nfields++;
		}
		if (dry_run)
			continue;
		if (it->action == FORT_RET_ERASE_CLIENT) {
			char reason[400];
			size_t len;
			snprintf(reason, sizeof reason, "retention ended %s (%.60s): %s", it->date, it->purposes, it->reason);
			/* cut on a character boundary */
			for (len = strlen(reason) < 200 ? strlen(reason) : 200; len && !fort_utf8_valid(reason, len); len--)
				;
			reason[len] = '\0';
			if ((r = fort_client_erase(v, it->client, reason)) < 0)
				goto fail;
		} else {
			fort_kv kv = { it->fields, NULL };
			snprintf(detail, sizeof detail, "retention of '%s' ended %s (purposes %s: %s): field erased", it->fields,
				 it->date, it->purposes, it->reason);
			if ((r = client_erase_fields(v, it->client, &kv, 1, "retention-erase", detail)) < 0)
				goto fail;
		}
	}
	if ((r = append_holds(&p, h, nh)) < 0)
		goto fail;
	free(h);
	h = NULL;
	if (!dry_run) {
		snprintf(detail, sizeof detail, "as of %s: %zu client(s) erased whole, %zu field(s) erased, %zu field(s) kept under a "
			 "hold, %zu kept because processing is restricted (Art. 18), %zu held field(s) of erasure requests erased",
			 today, nclients, nfields, nkept, nrestricted, nh);
		if ((r = vault_op_step(v, &run, NULL, detail)) < 0)
			goto fail;
		/* removed fields: no old page image stays in the WAL */
		if (nfields && (r = store_checkpoint(v->st)) < 0)
			goto fail;
	}
	if (p.n > 1)
		qsort(p.a, p.n, sizeof *p.a, item_cmp);
	*out = p.a;
	*n = p.n;
	return 0;
fail:
	free(h);
	free(p.a);
	return r;
}

/* What every document says about how long FIELD is kept, from the rules
 * (issue 12 item 7: one source).  When a purpose of the field has a rule,
 * the field is kept while any purpose still needs it: each purpose's rule
 * (or "while needed" for one without), then the field's hold; the map's
 * free-text retention of the field is used only when no rule and no hold
 * says anything. */
int fort_field_retention_text(char *out, size_t cap, fort_vault *v, const char *field)
{
	int i = map_index(&v->map, field);
	const map_field *f;
	size_t len = 0;
	int rules = 0;
	if (cap)
		out[0] = '\0';
	if (i < 0)
		return fort_error_set(FORT_ENOTFOUND, "no field '%s' in the data map", field);
	f = &v->map.f[i];
	for (size_t k = 0; k < f->npurposes; k++) {
		const map_purpose *p = map_purpose_find(&v->map, f->purposes[k]);
		rules += p && p->rule.set;
	}
	if (!rules && !f->hold_years) {
		snprintf(out, cap, "%s", f->retention && f->retention[0] ? f->retention : "as long as needed for the purposes above");
		return 0;
	}
	if (rules) {
		len = (size_t)snprintf(out, cap, "as long as one of its purposes needs it: ");
		for (size_t k = 0; k < f->npurposes && len < cap; k++) {
			const map_purpose *p = map_purpose_find(&v->map, f->purposes[k]);
			char t[400];
			if (p && p->rule.set)
				rule_text(t, sizeof t, &p->rule);
			else
				snprintf(t, sizeof t, "while needed for it");
			len += (size_t)snprintf(out + len, cap - len, "%sfor %s, %s", k ? "; " : "", f->purposes[k], t);
		}
	} else {
		len = (size_t)snprintf(out, cap, "%s", f->retention && f->retention[0] ? f->retention : "as long as needed for the purposes above");
	}
	if (f->hold_years && len < cap)
		snprintf(out + len, cap - len, "; in any case %d year%s after the record was %s (%s)", f->hold_years,
			 f->hold_years == 1 ? "" : "s", strcmp(f->hold_from, "created") == 0 ? "created" : "last changed",
			 f->hold_reason ? f->hold_reason : "");
	return 0;
}
