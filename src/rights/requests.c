/* requests.c - client requests (GDPR Art. 15-21, UK GDPR, CCPA): their
 * state, identity checks and legal clocks.  Due dates are not stored: they
 * are computed from the stored facts (received, clock start, pauses,
 * extension) by the deadline engine (deadline.c, rules in data/), so a
 * corrected rule table corrects every open request.
 *
 * States: received -> awaiting_id -> (awaiting_clarification) -> in_progress
 * -> extended -> answered | refused.  UK: the clock starts once the identity
 * is verified, and stands still while awaiting clarification. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "vault/vault_int.h"
#include "vault/op.h"
#include "vault/vault_box.h"
#include "audit/audit.h"
#include "data/tables.h"
#include "rights/rights.h"

static const char *const kinds[] = { "access", "rectification", "erasure", "restriction", "objection", "portability" };
static const char *const channels[] = { "web", "email", "letter", "phone", "in-person", "intake" };

static int one_of(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return 1;
	return 0;
}

static void today_utc(char out[11])
{
	time_t t = (time_t)fort_now();
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* DATE must be a real date, not after TODAY. */
static int check_date(const char *date, const char *what)
{
	char today[11];
	if (!date || !fort_date_valid(date))
		return fort_error_set(FORT_EINPUT, "%s '%s' is not a date: use YYYY-MM-DD", what, date ? date : "");
	today_utc(today);
	if (strcmp(date, today) > 0)
		return fort_error_set(FORT_EINPUT, "%s %s is in the future (today is %s)", what, date, today);
	return 0;
}

static int days_between(const char *a, const char *b)
{
	long d = 0;
	if (fort_date_diff(&d, a, b) < 0)
		return 0;
	return (int)d;
}

/* The default holiday calendar for a jurisdiction: the vault's country in
 * the EU, England for the UK, California's state holidays for the CCPA (its
 * business days exclude state holidays: 11 CCR 7001; data/README.md). */
static const char *default_region(fort_vault *v, const char *jur)
{
	if (strcmp(jur, "UK") == 0)
		return "GB-ENG";
	if (strcmp(jur, "CA") == 0)
		return "US-CA";
	/* the vault's country when data/holidays.csv has a calendar for it;
	 * else weekends only (which can only give an earlier date: the safe side) */
	const data_table *t = NULL;
	int cc;
	if (v->country[0] && data_table_get(&t, "holidays") == 0 && (cc = data_table_col(t, "country_code")) >= 0)
		for (size_t i = 0; i < t->nrows; i++)
			if (strcmp(data_table_cell(t, i, cc), v->country) == 0)
				return v->country;
	fort_error_clear();
	return "";
}

static int compute(fort_request_info *out, const store_request *q, const char *today)
{
	fort_deadline_query dq = FORT_DEADLINE_QUERY_INIT;
	fort_deadline d;
	char now[11];
	int r;
	if (!today || !today[0]) {
		today_utc(now);
		today = now;
	}
	memset(out, 0, sizeof *out);
	out->id = q->id;
	client_id_format(out->client, q->client);
	snprintf(out->kind, sizeof out->kind, "%s", q->kind);
	snprintf(out->jurisdiction, sizeof out->jurisdiction, "%s", q->jurisdiction);
	snprintf(out->region, sizeof out->region, "%s", q->region);
	snprintf(out->received, sizeof out->received, "%s", q->received);
	snprintf(out->clock_start, sizeof out->clock_start, "%s", q->clock_start);
	snprintf(out->state, sizeof out->state, "%s", q->state);
	snprintf(out->id_method, sizeof out->id_method, "%s", q->id_method);
	snprintf(out->id_result, sizeof out->id_result, "%s", q->id_result);
	snprintf(out->closed, sizeof out->closed, "%s", q->closed);
	out->paused_days = q->paused_days;
	out->extended = q->extended;
	if (!q->closed[0] && strcmp(q->state, "awaiting_id") == 0)
		snprintf(out->pending, sizeof out->pending, "%s",
			 strcmp(q->id_result, "partial") == 0 ? "a second identity check (the e-mail link confirmed the address)"
							      : "the identity check");
	else if (!q->closed[0] && strcmp(q->state, "awaiting_clarification") == 0)
		snprintf(out->pending, sizeof out->pending, "the client's clarification");
	if (!q->clock_start[0]) {
		/* UK: no clock until the identity is verified */
		snprintf(out->rule, sizeof out->rule, "the clock starts when the identity is verified ('fortress request verify')");
		return 0;
	}
	dq.jurisdiction = q->jurisdiction;
	dq.clock = "request";
	dq.region = q->region[0] ? q->region : NULL;
	dq.start = q->clock_start;
	dq.extended = q->extended;
	dq.paused_days = (unsigned)q->paused_days;
	if (q->paused_since[0] && strcmp(q->paused_since, today) < 0)
		dq.paused_days += (unsigned)days_between(q->paused_since, today); /* still paused */
	if ((r = fort_deadline_compute(&d, &dq)) < 0)
		return r;
	snprintf(out->due, sizeof out->due, "%s", d.due);
	snprintf(out->ack_due, sizeof out->ack_due, "%s", d.ack_due);
	snprintf(out->extension_notice_due, sizeof out->extension_notice_due, "%s", d.extension_notice_due);
	snprintf(out->max_due, sizeof out->max_due, "%s", d.max_due);
	snprintf(out->rule, sizeof out->rule, "%s", d.rule);
	snprintf(out->source, sizeof out->source, "%s", d.source);
	if (!q->closed[0] && d.due[0]) {
		out->overdue = strcmp(today, d.due) > 0;
		out->days_left = out->overdue ? -days_between(d.due, today) : days_between(today, d.due);
	}
	return 0;
}

/* The writes of request event EV: the request row and its event; FULL
 * gets the audit entry's detail, WHAT its action, IDSTR its client. */
static int event_write(fort_vault *v, store_request *q, const char *ev, const char *detail, char *full, size_t cap, char what[48],
		       char idstr[FORT_ID_LEN + 1])
{
	int r;
	q->updated = fort_now();
	client_id_format(idstr, q->client);
	snprintf(what, 48, "request-%s", ev);
	if (snprintf(full, cap, "request %lld (%s, %s): %s", (long long)q->id, q->kind, q->jurisdiction, detail) >= (int)cap)
		full[cap - 1] = '\0';  /* a long note is cut: the entry keeps its start, the event the whole */
	if ((r = store_request_put(v->st, q)) < 0 ||
	    (r = store_request_event(v->st, q->id, q->updated, v->user ? v->user : "", ev, detail)) < 0)
		return r;
	return 0;
}

/* One request operation through vault_op_run: the check step reads and
 * checks (Q, DETAIL, EV), the write step stores the event; the entry names
 * request-EV and the request's client. */
struct req_op {
	store_request q;
	const char *ev;
	char detail[400], what[48], idstr[FORT_ID_LEN + 1];
	/* the operation's own input */
	int64_t id;
	const char *kind, *client, *received, *method, *date, *note, *action;
	int ok;
	const fort_request_opts *o;
	char **letter_out;
};

static int details_write(fort_vault *v, const store_request *q, const fort_request_opts *o);

static int req_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct req_op *x = ctx;
	char full[400];
	int r;
	/* the id is known after the insert: write it (and, for a new
	 * request, its channel and note), then the event */
	if (!x->q.id && ((r = store_request_put(v->st, &x->q)) < 0 || (r = details_write(v, &x->q, x->o)) < 0))
		return r;
	if ((r = event_write(v, &x->q, x->ev, x->detail, full, sizeof full, x->what, x->idstr)) < 0)
		return r;
	snprintf(detail, cap, "%s", full);
	return 0;
}

static int open_check(fort_vault *v, void *ctx)
{
	struct req_op *x = ctx;
	const fort_request_opts *o = x->o;
	store_request *q = &x->q;
	store_client probe;
	fort_request_info info;
	int64_t cid;
	int r;
	memset(&probe, 0, sizeof probe);
	if (!one_of(x->kind, kinds, sizeof kinds / sizeof kinds[0]))
		return fort_error_set(FORT_EINPUT, "unknown request '%s': access, rectification, erasure, restriction, objection or portability",
				      x->kind ? x->kind : "");
	if ((r = client_id_parse(&cid, x->client)) < 0)
		return r;
	if ((r = store_client_get(v->st, &probe, cid)) < 0)
		return r == FORT_ENOTFOUND ? fort_error_set(FORT_ENOTFOUND, "no client %s ('fortress client list' shows them)", x->client) : r;
	store_client_release(&probe);
	if ((r = check_date(x->received, "the date received")) < 0)
		return r;
	q->client = cid;
	snprintf(q->kind, sizeof q->kind, "%s", x->kind);
	snprintf(q->jurisdiction, sizeof q->jurisdiction, "%s", o->jurisdiction && o->jurisdiction[0] ? o->jurisdiction : "EU");
	snprintf(q->region, sizeof q->region, "%s", o->region && o->region[0] ? o->region : default_region(v, q->jurisdiction));
	snprintf(q->received, sizeof q->received, "%s", x->received);
	/* UK (Art. 12A): with an identity check, the clock waits for it */
	if (strcmp(q->jurisdiction, "UK") == 0 && o->needs_id)
		q->clock_start[0] = '\0';
	else
		snprintf(q->clock_start, sizeof q->clock_start, "%s", x->received);
	snprintf(q->state, sizeof q->state, "%s", o->needs_id ? "awaiting_id" : "received");
	q->created = fort_now();
	/* the rules must exist for this jurisdiction and calendar: fail before storing */
	if ((r = compute(&info, q, NULL)) < 0)
		return r;
	if (o->version >= 2 && o->channel && !one_of(o->channel, channels, sizeof channels / sizeof channels[0]))
		return fort_error_set(FORT_EINPUT, "unknown channel '%.32s': web, email, letter, phone, in-person or intake", o->channel);
	if (o->version >= 2 && o->note) {
		size_t n = strlen(o->note);
		if (n == 0 || n > FORT_REQUEST_NOTE_MAX)
			return fort_error_set(FORT_EINPUT, "the client's note is %s: give 1 to %d bytes of text",
					      n ? "too long" : "empty", FORT_REQUEST_NOTE_MAX);
		if (!fort_utf8_valid(o->note, n))
			return fort_error_set(FORT_EINPUT, "the client's note is not UTF-8 text: save it as UTF-8 and try again");
	}
	snprintf(x->detail, sizeof x->detail, "received %s%s%s%s%s", x->received, o->needs_id ? "; identity to be verified" : "",
		 o->version >= 2 && o->channel ? "; channel " : "", o->version >= 2 && o->channel ? o->channel : "",
		 o->version >= 2 && o->note ? "; the client's note is held (sealed)" : "");
	return 0;
}

/* The new request's channel and note (sealed to the vault key, bound to
 * the request), inside its transaction. */
static int details_write(fort_vault *v, const store_request *q, const fort_request_opts *o)
{
	unsigned char *box = NULL;
	size_t blen = 0;
	char label[48];
	int r;
	if (o->version < 2 || (!o->channel && !o->note))
		return 0;
	snprintf(label, sizeof label, "request-note:%lld", (long long)q->id);
	if (o->note && (r = vault_box_seal(&box, &blen, v, label, o->note, strlen(o->note))) < 0)
		return r;
	r = store_request_details_put(v->st, q->id, o->channel ? o->channel : "", box, blen);
	free(box);
	return r;
}

/* CHANNEL and HAS_NOTE of OUT from the request's details (none: left empty). */
static int details_read(fort_request_info *out, fort_vault *v)
{
	unsigned char *note = NULL;
	size_t len = 0;
	int r = store_request_details_get(v->st, out->id, out->channel, &note, &len);
	free(note);
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		out->channel[0] = '\0';
		return 0;
	}
	out->has_note = r == 0 && len > 0;
	return r;
}

int fort_request_open(int64_t *id_out, fort_vault *v, const char *kind, const char *client, const char *received,
		      const fort_request_opts *o)
{
	static const fort_request_opts defaults = FORT_REQUEST_OPTS_INIT;
	struct req_op x;
	int r;
	if (id_out)
		*id_out = 0;
	if (!o)
		o = &defaults;
	if (o->version != FORT_REQUEST_OPTS_VERSION)
		return FORT_CHECK_VERSION(o->version, FORT_REQUEST_OPTS, fort_request_opts);
	memset(&x, 0, sizeof x);
	x.ev = "open";
	x.kind = kind;
	x.client = client;
	x.received = received;
	x.o = o;
	{
		const vault_op op = { "request-open", ACT_WRITE, open_check, req_write, x.what, NULL, NULL, x.idstr };
		if ((r = vault_op_run(v, &op, client, &x)) < 0)
			return r;
	}
	if (id_out)
		*id_out = x.q.id;
	return 0;
}

static int load(store_request *q, fort_vault *v, int64_t id, unsigned act)
{
	char what[32];
	int r;
	snprintf(what, sizeof what, "request-%s", act == ACT_READ ? "show" : "update");
	if ((r = vault_need(v, act, what, NULL)) < 0)
		return r;
	return store_request_get(v->st, q, id);
}

static int closed_error(const store_request *q)
{
	return fort_error_set(FORT_EINPUT, "request %lld was %s on %s: it is closed", (long long)q->id, q->state, q->closed);
}

static int verify_check(fort_vault *v, void *ctx)
{
	struct req_op *x = ctx;
	store_request *q = &x->q;
	const char *date = x->date, *method = x->method;
	char today[11];
	int r;
	if ((r = store_request_get(v->st, q, x->id)) < 0)
		return r;
	if (q->closed[0])
		return closed_error(q);
	if (!method || !method[0] || strlen(method) > 60)
		return fort_error_set(FORT_EINPUT, "say how the identity was checked (e.g. 'id-card', 'email-confirmation'), 60 characters at most");
	if (!date) {
		today_utc(today);
		date = today;
	}
	if ((r = check_date(date, "the date checked")) < 0)
		return r;
	if (strcmp(date, q->received) < 0)
		return fort_error_set(FORT_EINPUT, "the identity cannot be checked (%s) before the request was received (%s)", date, q->received);
	snprintf(q->id_method, sizeof q->id_method, "%s", method);
	snprintf(q->id_result, sizeof q->id_result, "%s", x->ok ? "verified" : "failed");
	if (x->ok) {
		if (!q->clock_start[0])
			snprintf(q->clock_start, sizeof q->clock_start, "%s", date);
		snprintf(q->state, sizeof q->state, "in_progress");
	}
	snprintf(x->detail, sizeof x->detail, "identity %s by %s on %s", x->ok ? "verified" : "NOT verified", method, date);
	return 0;
}

int fort_request_verify_id(fort_vault *v, int64_t id, const char *method, int ok, const char *date)
{
	struct req_op x;
	memset(&x, 0, sizeof x);
	x.ev = "verify";
	x.id = id;
	x.method = method;
	x.ok = ok;
	x.date = date;
	const vault_op op = { "request-update", ACT_WRITE, verify_check, req_write, x.what, NULL, NULL, x.idstr };
	return vault_op_run(v, &op, NULL, &x);
}

/* A one-time e-mail link confirmed the address, and the request's kind
 * needs a second identity step (Art. 12(6)): noted on the request, which
 * stays awaiting_id (selfservice.c). */
static int link_check(fort_vault *v, void *ctx)
{
	struct req_op *x = ctx;
	store_request *q = &x->q;
	int r;
	if ((r = store_request_get(v->st, q, x->id)) < 0)
		return r;
	if (q->closed[0])
		return closed_error(q);
	snprintf(q->id_method, sizeof q->id_method, "%s", x->method);
	snprintf(q->id_result, sizeof q->id_result, "partial");
	snprintf(x->detail, sizeof x->detail, "e-mail address confirmed by %s; a second identity step is required", x->method);
	return 0;
}

int request_note_link(fort_vault *v, int64_t id, const char *method)
{
	struct req_op x;
	memset(&x, 0, sizeof x);
	x.ev = "verify";
	x.id = id;
	x.method = method;
	const vault_op op = { "request-update", ACT_WRITE, link_check, req_write, x.what, NULL, NULL, x.idstr };
	return vault_op_run(v, &op, NULL, &x);
}

/* The text every refusal carries (Art. 12(4)): why, and the right to
 * complain to the supervisory authority (named, with its contact, from
 * data/supervisory_authorities.csv) and to go to court. */
static int refusal_letter(char **out, fort_vault *v, const store_request *q, const char *reason)
{
	rights_authority a;
	fort_buf b;
	char idstr[FORT_ID_LEN + 1];
	const char *name, *web, *email, *phone, *post;
	int r;
	*out = NULL;
	{
		fort_business_info bi;
		rights_competent_authority(&a, &bi, v);
		if (strcmp(q->jurisdiction, "UK") == 0)
			rights_authority_find(&a, "GB");
	}
	name = a.name;
	web = a.website;
	email = a.email;
	phone = a.phone;
	post = a.postal_address;
	client_id_format(idstr, q->client);
	fort_buf_init(&b, 0);
	r = fort_buf_printf(&b,
			    "%s\n\nYour %s request of %s (our reference %lld, client %s)\n\n"
			    "We cannot act on your request, for this reason:\n\n    %s\n\n",
			    v->business, q->kind, q->received, (long long)q->id, idstr, reason);
	if (r == 0 && strcmp(q->jurisdiction, "CA") == 0)
		r = fort_buf_printf(&b, "You may contact the California Privacy Protection Agency (https://cppa.ca.gov) or the "
				    "California Attorney General, and you may have a right to go to court.\n");
	else if (r == 0)
		r = fort_buf_printf(&b,
				    "You have the right to lodge a complaint with a supervisory authority (%s Art. 77), in particular "
				    "in the country where you live or work or where you think the law was infringed%s%s%s%s%s%s%s%s%s%s.\n\n"
				    "You also have the right to an effective judicial remedy: you may take the matter to court "
				    "(%s Art. 79), against us or against the supervisory authority's decision (Art. 78).\n",
				    strcmp(q->jurisdiction, "UK") == 0 ? "UK GDPR" : "GDPR", name ? ". Ours is: " : "", name ? name : "",
				    name && post[0] ? ", " : "", name ? post : "", name && web[0] ? ", " : "", name ? web : "",
				    name && email[0] ? ", " : "", name ? email : "", name && phone[0] ? ", " : "", name ? phone : "",
				    strcmp(q->jurisdiction, "UK") == 0 ? "UK GDPR" : "GDPR");
	if (r < 0) {
		fort_buf_release(&b);
		return FORT_ENOMEM;
	}
	*out = fort_buf_detach(&b, NULL);
	return *out ? 0 : FORT_ENOMEM;
}

static int update_check(fort_vault *v, void *ctx)
{
	struct req_op *x = ctx;
	store_request *q = &x->q;
	fort_request_info info;
	const char *date = x->date, *note = x->note, *action = x->action;
	char **letter_out = x->letter_out, today[11], *detail = x->detail;
	int64_t id = x->id;
	int r;
	if ((r = store_request_get(v->st, q, id)) < 0)
		return r;
	if (q->closed[0])
		return closed_error(q);
	if (!date) {
		today_utc(today);
		date = today;
	}
	if ((r = check_date(date, "the date")) < 0)
		return r;
	if (strcmp(date, q->received) < 0)
		return fort_error_set(FORT_EINPUT, "%s is before the request was received (%s)", date, q->received);
	if (note && strlen(note) > 300)
		return fort_error_set(FORT_EINPUT, "the note is longer than 300 characters");
	if (strcmp(action, "pause") == 0) {
		if (q->paused_since[0])
			return fort_error_set(FORT_EINPUT, "request %lld is already waiting for clarification since %s", (long long)id, q->paused_since);
		if (strcmp(q->jurisdiction, "UK") != 0)
			return fort_error_set(FORT_EINPUT, "the %s clock does not stop while awaiting clarification (only the UK's does): "
					      "ask, and answer within the period", q->jurisdiction);
		snprintf(q->paused_since, sizeof q->paused_since, "%s", date);
		snprintf(q->state, sizeof q->state, "awaiting_clarification");
		snprintf(detail, sizeof x->detail, "clarification asked on %s; the clock stands still%s%s", date, note ? ": " : "", note ? note : "");
	} else if (strcmp(action, "resume") == 0) {
		if (!q->paused_since[0])
			return fort_error_set(FORT_EINPUT, "request %lld is not waiting for clarification", (long long)id);
		if (strcmp(date, q->paused_since) < 0)
			return fort_error_set(FORT_EINPUT, "%s is before the clock was stopped (%s)", date, q->paused_since);
		q->paused_days += days_between(q->paused_since, date);
		snprintf(detail, sizeof x->detail, "clarification received on %s after %d day(s)", date, days_between(q->paused_since, date));
		q->paused_since[0] = '\0';
		snprintf(q->state, sizeof q->state, "%s", q->extended ? "extended" : "in_progress");
	} else if (strcmp(action, "extend") == 0) {
		if (q->extended)
			return fort_error_set(FORT_EINPUT, "request %lld was already extended: only one extension is allowed", (long long)id);
		if (!note || !note[0])
			return fort_error_set(FORT_EINPUT, "an extension needs its reasons (they go to the client): --reason TEXT");
		if ((r = compute(&info, q, date)) < 0)
			return r;
		if (!info.max_due[0])
			return fort_error_set(FORT_EINPUT, "the %s rules allow no extension", q->jurisdiction);
		if (info.extension_notice_due[0] && strcmp(date, info.extension_notice_due) > 0)
			return fort_error_set(FORT_EINPUT, "too late to extend: the client had to be told by %s", info.extension_notice_due);
		q->extended = 1;
		snprintf(q->state, sizeof q->state, "extended");
		snprintf(detail, sizeof x->detail, "extended on %s; new due date %s; reasons: %s", date, info.max_due, note);
	} else if (strcmp(action, "start") == 0) {
		snprintf(q->state, sizeof q->state, "in_progress");
		snprintf(detail, sizeof x->detail, "work started on %s", date);
	} else if (strcmp(action, "answer") == 0) {
		snprintf(q->state, sizeof q->state, "answered");
		snprintf(q->closed, sizeof q->closed, "%s", date);
		snprintf(detail, sizeof x->detail, "answered on %s%s%s", date, note ? ": " : "", note ? note : "");
	} else if (strcmp(action, "refuse") == 0) {
		if (!note || !note[0])
			return fort_error_set(FORT_EINPUT, "a refusal needs its reason (it goes to the client): --reason TEXT");
		if (letter_out && (r = refusal_letter(letter_out, v, q, note)) < 0)
			return r;
		snprintf(q->state, sizeof q->state, "refused");
		snprintf(q->closed, sizeof q->closed, "%s", date);
		snprintf(detail, sizeof x->detail, "refused on %s: %s", date, note);
	} else {
		return fort_error_set(FORT_EINPUT, "unknown step '%s' (pause, resume, extend, start, answer, refuse)", action ? action : "");
	}
	x->ev = action;
	return 0;
}

int fort_request_update(char **letter_out, fort_vault *v, int64_t id, const char *action, const char *date, const char *note)
{
	struct req_op x;
	int r;
	if (letter_out)
		*letter_out = NULL;
	memset(&x, 0, sizeof x);
	x.id = id;
	x.action = action;
	x.date = date;
	x.note = note;
	x.letter_out = letter_out;
	{
		const vault_op op = { "request-update", ACT_WRITE, update_check, req_write, x.what, NULL, NULL, x.idstr };
		if ((r = vault_op_run(v, &op, NULL, &x)) < 0)
			goto fail;
	}
	/* a rectification is done by editing the client: secure_delete zeroed
	 * the old value's pages; push them through the WAL too, so no copy of
	 * the wrong value stays (Art. 16) */
	if (strcmp(action, "answer") == 0 && strcmp(x.q.kind, "rectification") == 0 && (r = store_checkpoint(v->st)) < 0)
		goto fail;
	return 0;
fail:
	if (letter_out) {
		free(*letter_out);
		*letter_out = NULL;
	}
	return r;
}

int fort_request_get(fort_request_info *out, fort_vault *v, int64_t id, const char *today)
{
	store_request q;
	int r;
	if ((r = load(&q, v, id, ACT_READ)) < 0 || (r = compute(out, &q, today)) < 0)
		return r;
	return details_read(out, v);
}

int fort_request_note(char **note_out, fort_vault *v, int64_t id)
{
	store_request q;
	unsigned char *box = NULL;
	size_t blen = 0, n = 0;
	char channel[16], idstr[FORT_ID_LEN + 1], label[48], detail[96];
	int r;
	*note_out = NULL;
	if ((r = vault_need(v, ACT_READ, "request-note", NULL)) < 0 || (r = store_request_get(v->st, &q, id)) < 0)
		return r;
	client_id_format(idstr, q.client);
	if ((r = vault_need(v, ACT_REVEAL, "request-note", idstr)) < 0)
		return r;
	r = store_request_details_get(v->st, id, channel, &box, &blen);
	if (r == FORT_ENOTFOUND || (r == 0 && !box)) {
		fort_error_clear();
		free(box);
		return 0;
	}
	if (r < 0)
		return r;
	snprintf(label, sizeof label, "request-note:%lld", (long long)id);
	r = vault_box_open(note_out, &n, v, label, box, blen);
	free(box);
	if (r < 0)
		return r == FORT_ETAMPER ? fort_error_set(FORT_ETAMPER, "the note of request %lld does not open: it was altered in "
								 "the vault file; restore it from a backup", (long long)id)
					 : r;
	snprintf(detail, sizeof detail, "request %lld: the client's note was shown", (long long)id);
	if ((r = audit_record(v, "request-note", idstr, "", "", "ok", detail)) < 0) {
		vault_box_free(*note_out);
		*note_out = NULL;
	}
	return r;
}

struct list_ctx {
	fort_request_info *a;
	size_t n, cap;
	int open_only;
	const char *today;
	int r;
	fort_vault *v;
};

static int list_cb(void *ctx, const store_request *q)
{
	struct list_ctx *l = ctx;
	int r;
	if (l->open_only && q->closed[0])
		return 0;
	if (FORT_ARRAY_GROW(l->a, l->n + 1, l->cap, 16) < 0)
		return FORT_ENOMEM;
	if ((r = compute(&l->a[l->n], q, l->today)) < 0 || (r = details_read(&l->a[l->n], l->v)) < 0)
		return r;
	l->n++;
	return 0;
}

/* Overdue first, then by due date; requests without a clock yet last. */
static int by_due(const void *a, const void *b)
{
	const fort_request_info *x = a, *y = b;
	if (x->overdue != y->overdue)
		return y->overdue - x->overdue;
	if (!x->due[0] || !y->due[0])
		return !x->due[0] - !y->due[0];
	int c = strcmp(x->due, y->due);
	return c ? c : (x->id > y->id) - (x->id < y->id);
}

int fort_request_list(fort_request_info **out, size_t *n, fort_vault *v, const char *client, int due_order, const char *today)
{
	struct list_ctx l = { NULL, 0, 0, due_order, today, 0, v };
	int64_t cid = 0;
	int r;
	*out = NULL;
	*n = 0;
	if ((r = vault_need(v, ACT_READ, "request-list", client)) < 0)
		return r;
	if (client && (r = client_id_parse(&cid, client)) < 0)
		return r;
	if (today && !fort_date_valid(today))
		return fort_error_set(FORT_EINPUT, "'%s' is not a date: use YYYY-MM-DD", today);
	if ((r = store_request_each(v->st, cid, list_cb, &l)) < 0) {
		free(l.a);
		return r;
	}
	if (due_order && l.n)
		qsort(l.a, l.n, sizeof *l.a, by_due);
	*out = l.a;
	*n = l.n;
	return 0;
}

/* The package of access or portability request ID to the folder DIR, or
 * (DIR NULL) as a zip in *ZIP: the request is then answered.  Two steps:
 * the package (outside the vault), then the request's event and its entry
 * (vault_op_step); the role checked once at the start. */
static int fulfil(fort_access_report *out, unsigned char **zip, size_t *zlen, fort_vault *v, int64_t id, const char *dir,
		  const char *lang)
{
	struct req_op x;
	fort_access_report rep;
	rights_sink sink;
	char today[11], detail[300];
	const vault_op op = { "request-fulfil", ACT_REVEAL, NULL, req_write, x.what, NULL, NULL, x.idstr };
	store_request *q = &x.q;
	int r;
	memset(&x, 0, sizeof x);
	memset(&rep, 0, sizeof rep);
	memset(&sink, 0, sizeof sink);
	if (out)
		memset(out, 0, sizeof *out);
	if ((r = vault_op_start(v, &op, NULL)) < 0 || (r = store_request_get(v->st, q, id)) < 0)
		return r;
	if (q->closed[0])
		return closed_error(q);
	if (strcmp(q->kind, "access") != 0 && strcmp(q->kind, "portability") != 0)
		return fort_error_set(FORT_EINPUT, "request %lld is a %s request: 'fulfil' writes access and portability packages; "
				      "act on it and then 'fortress request answer %lld'", (long long)id, q->kind, (long long)id);
	if (!zip && (!dir || !dir[0]))
		return fort_error_set(FORT_EINPUT, "give the folder to write the package to (--out DIR)");
	if (zip && (r = rights_sink_zip(&sink)) < 0)
		goto out;
	if (lang && *lang && !fort_language_supported(lang))
		return fort_error_set(FORT_EINPUT, "language '%.16s': Fortress writes letters in en, de, fr, es, it and nl", lang);
	if ((r = access_package(&rep, v, q, zip ? NULL : dir, zip ? &sink : NULL, lang)) < 0)
		goto out;
	if (zip && (r = rights_sink_finish(&sink, zip, zlen)) < 0)
		goto out;
	today_utc(today);
	snprintf(q->state, sizeof q->state, "answered");
	snprintf(q->closed, sizeof q->closed, "%s", today);
	snprintf(detail, sizeof detail, "package %s%s: %zu fields, %zu access-history entries%s", zip ? "downloaded as a zip" : "written to ",
		 zip ? "" : dir, rep.fields, rep.history, rep.withheld ? "; account numbers and ids shown masked (CCPA)" : "");
	snprintf(x.detail, sizeof x.detail, "%s", detail);
	x.ev = "fulfil";
	if ((r = vault_op_step(v, &op, NULL, &x)) < 0)
		goto out;
	if (out)
		*out = rep;
	r = 0;
out:
	if (r < 0 && zip && *zip) {
		sodium_memzero(*zip, *zlen);
		free(*zip);
		*zip = NULL;
		*zlen = 0;
	}
	rights_sink_release(&sink);
	return r;
}

int fort_request_fulfil(fort_access_report *out, fort_vault *v, int64_t id, const char *dir)
{
	return fulfil(out, NULL, NULL, v, id, dir, NULL);
}

int fort_request_fulfil_in(fort_access_report *out, fort_vault *v, int64_t id, const char *dir, const char *language)
{
	return fulfil(out, NULL, NULL, v, id, dir, language);
}

int fort_request_fulfil_zip(fort_access_report *out, unsigned char **zip, size_t *len, fort_vault *v, int64_t id)
{
	*zip = NULL;
	*len = 0;
	return fulfil(out, zip, len, v, id, NULL, NULL);
}

/* Erasure request ID: the certificate at CERT_PATH, or (CERT_PATH NULL) in
 * the zip *ZIP.  Steps of one operation, the role checked once at the
 * start: the erasure (erasure_fulfil: fort_client_erase, or the fields and
 * their holds in a step of their own) with the certificate, then the
 * request's event and its entry (vault_op_step). */
static int erase(fort_erasure_report *out, unsigned char **zip, size_t *zlen, fort_vault *v, int64_t id, const char *cert_path,
		 const char *today)
{
	struct req_op x;
	fort_erasure_report rep;
	rights_sink sink;
	char now[11], detail[300];
	const vault_op op = { "request-erase", ACT_ERASE, NULL, req_write, x.what, NULL, NULL, x.idstr };
	store_request *q = &x.q;
	int r;
	memset(&x, 0, sizeof x);
	memset(&rep, 0, sizeof rep);
	memset(&sink, 0, sizeof sink);
	if (out)
		memset(out, 0, sizeof *out);
	if ((r = vault_op_start(v, &op, NULL)) < 0 || (r = store_request_get(v->st, q, id)) < 0)
		return r;
	if (q->closed[0])
		return closed_error(q);
	if (strcmp(q->kind, "erasure") != 0)
		return fort_error_set(FORT_EINPUT, "request %lld is a %s request, not an erasure request", (long long)id, q->kind);
	if (!zip && (!cert_path || !cert_path[0]))
		return fort_error_set(FORT_EINPUT, "give the file for the erasure certificate (--certificate FILE)");
	if (!zip && strlen(cert_path) >= sizeof sink.prefix)
		return fort_error_set(FORT_EINPUT, "the certificate's file name is too long");
	today_utc(now);
	if (today && !fort_date_valid(today))
		return fort_error_set(FORT_EINPUT, "'%s' is not a date: use YYYY-MM-DD", today);
	if (zip && (r = rights_sink_zip(&sink)) < 0)
		goto out;
	if (!zip)
		rights_sink_disk(&sink, cert_path);
	if ((r = erasure_fulfil(&rep, v, q, &sink, today ? today : now)) < 0)
		goto out;
	if (zip && (r = rights_sink_finish(&sink, zip, zlen)) < 0)
		goto out;
	snprintf(q->state, sizeof q->state, "answered");
	snprintf(q->closed, sizeof q->closed, "%s", now);
	snprintf(detail, sizeof detail, "%s: %zu field(s) erased, %zu kept under a legal hold; certificate %s",
		 rep.whole ? "client crypto-shredded" : "fields erased", rep.erased, rep.kept, zip ? "downloaded in a zip" : cert_path);
	snprintf(x.detail, sizeof x.detail, "%s", detail);
	x.ev = "erase";
	if ((r = vault_op_step(v, &op, NULL, &x)) < 0)
		goto out;
	if (out)
		*out = rep;
	r = 0;
out:
	if (r < 0 && zip && *zip) {
		sodium_memzero(*zip, *zlen);
		free(*zip);
		*zip = NULL;
		*zlen = 0;
	}
	rights_sink_release(&sink);
	return r;
}

int fort_request_erase(fort_erasure_report *out, fort_vault *v, int64_t id, const char *cert_path, const char *today)
{
	return erase(out, NULL, NULL, v, id, cert_path, today);
}

int fort_request_erase_zip(fort_erasure_report *out, unsigned char **zip, size_t *len, fort_vault *v, int64_t id, const char *today)
{
	*zip = NULL;
	*len = 0;
	return erase(out, zip, len, v, id, NULL, today);
}
