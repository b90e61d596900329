/* doctor.c - `fortress doctor`: the security check-up.  The checks are a
 * table, one function per check: adding a check is one function and one
 * line in checks[].  Each function fills its result (pass, warn, fail or
 * skip, what it found and the next step); the score is the weighted share
 * of checks passed (a warning counts half, skipped checks do not count).
 * Every run is kept in doctor_runs (check names, results and the score:
 * no personal data) for `fortress doctor --history`. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "vault/vault_int.h"
#include "vault/op.h"
#include "incident/plan_int.h"
#include "store/signin.h"

#define DAY 86400
#define BACKUP_WARN_DAYS 7
#define BACKUP_FAIL_DAYS 30
#define KEY_WARN_DAYS 365
#define PASSPHRASE_WARN_DAYS 365
#define INACTIVE_DAYS 90
#define DRILL_WARN_DAYS 365
#define SCAN_WARN_DAYS 90

typedef struct {
	fort_vault *v;
	int64_t now;
	char today[11];
} doc_ctx;

typedef void (*check_fn)(doc_ctx *d, fort_doctor_check *c);

static void pass(fort_doctor_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pass(fort_doctor_check *c, const char *fmt, ...)
{
	va_list ap;
	c->status = FORT_CHECK_PASS;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof c->detail, fmt, ap);
	va_end(ap);
	c->next_step[0] = '\0';
}

static void judge(fort_doctor_check *c, fort_check_status st, const char *next, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void judge(fort_doctor_check *c, fort_check_status st, const char *next, const char *fmt, ...)
{
	va_list ap;
	c->status = st;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof c->detail, fmt, ap);
	va_end(ap);
	snprintf(c->next_step, sizeof c->next_step, "%s", next ? next : "");
}

static long days_since(const doc_ctx *d, int64_t t)
{
	return t <= 0 ? -1 : (long)((d->now - t) / DAY);
}

/* ---------------------------------------------------------------- checks */

struct user_seen {
	int64_t id, created, last_unlock, last_passwd;
	char name[64];
	uint64_t memlimit;
};
struct users_ctx {
	struct user_seen u[64];
	size_t n;
};

static int users_cb(void *ctx, const store_user *u)
{
	struct users_ctx *uc = ctx;
	if (strcmp(u->status, "active") != 0 || uc->n == sizeof uc->u / sizeof uc->u[0])
		return 0;
	struct user_seen *s = &uc->u[uc->n++];
	memset(s, 0, sizeof *s);
	s->id = u->id;
	s->created = u->created;
	s->memlimit = u->memlimit;
	snprintf(s->name, sizeof s->name, "%s", u->name);
	return 0;
}

static int users_audit_cb(void *ctx, const store_audit_row *r)
{
	struct users_ctx *uc = ctx;
	if (strcmp(r->result, "ok") != 0)
		return 0;
	for (size_t i = 0; i < uc->n; i++)
		if (uc->u[i].id == r->actor_id) {
			if (strcmp(r->action, "unlock") == 0 || strcmp(r->action, "create") == 0)
				uc->u[i].last_unlock = r->ts;
			if (strcmp(r->action, "passwd") == 0 || strcmp(r->action, "recovery-restore") == 0)
				uc->u[i].last_passwd = r->ts;
		}
	return 0;
}

static int users_load(struct users_ctx *uc, fort_vault *v)
{
	int r;
	memset(uc, 0, sizeof *uc);
	if ((r = store_user_each(v->st, users_cb, uc)) < 0)
		return r;
	return store_audit_each(v->st, NULL, users_audit_cb, uc);
}

static void check_passphrase_policy(doc_ctx *d, fort_doctor_check *c)
{
	struct users_ctx uc;
	uint64_t ops, mem;
	char weak[200] = "";
	size_t nweak = 0;
	keys_kdf_limits(FORT_KDF_MODERATE, &ops, &mem);
	if (users_load(&uc, d->v) < 0) {
		judge(c, FORT_CHECK_SKIP, NULL, "could not read the users: %s", fort_error_message());
		return;
	}
	for (size_t i = 0; i < uc.n; i++)
		if (uc.u[i].memlimit < mem) {
			size_t k = strlen(weak);
			snprintf(weak + k, sizeof weak - k, "%s%s", nweak++ ? ", " : "", uc.u[i].name);
		}
	if (nweak)
		judge(c, FORT_CHECK_WARN, "each of them runs 'fortress passwd' on a machine with enough memory (the moderate Argon2id setting)",
		      "every passphrase met the policy (15+ characters, zxcvbn score 3+) when it was set, but %zu user(s) seal it with the weaker interactive KDF: %s",
		      nweak, weak);
	else
		pass(c, "every passphrase met the policy when it was set and is sealed with Argon2id (moderate or stronger)");
}

static void check_users(doc_ctx *d, fort_doctor_check *c)
{
	struct users_ctx uc;
	char stale[150] = "", idle[150] = "";
	size_t nstale = 0, nidle = 0;
	if (users_load(&uc, d->v) < 0) {
		judge(c, FORT_CHECK_SKIP, NULL, "could not read the users: %s", fort_error_message());
		return;
	}
	for (size_t i = 0; i < uc.n; i++) {
		int64_t changed = uc.u[i].last_passwd ? uc.u[i].last_passwd : uc.u[i].created;
		int64_t seen = uc.u[i].last_unlock ? uc.u[i].last_unlock : uc.u[i].created;
		if (days_since(d, changed) > PASSPHRASE_WARN_DAYS) {
			size_t k = strlen(stale);
			snprintf(stale + k, sizeof stale - k, "%s%s", nstale++ ? ", " : "", uc.u[i].name);
		}
		if (days_since(d, seen) > INACTIVE_DAYS) {
			size_t k = strlen(idle);
			snprintf(idle + k, sizeof idle - k, "%s%s", nidle++ ? ", " : "", uc.u[i].name);
		}
	}
	if (nidle)
		judge(c, FORT_CHECK_WARN, "remove users who no longer need the vault ('fortress user remove NAME': their keys are rotated)",
		      "%zu user(s) have not unlocked the vault for over %d days: %s%s%s", nidle, INACTIVE_DAYS, idle,
		      nstale ? "; passphrase older than a year: " : "", stale);
	else if (nstale)
		judge(c, FORT_CHECK_WARN, "change it with 'fortress passwd' if it may have been seen or shared",
		      "%zu user(s) have had the same passphrase for over %d days: %s", nstale, PASSPHRASE_WARN_DAYS, stale);
	else
		pass(c, "%zu active user(s), all active within %d days", uc.n, INACTIVE_DAYS);
}

static void check_backup(doc_ctx *d, fort_doctor_check *c)
{
	fort_status st;
	long age;
	if (fort_vault_status(&st, d->v) < 0) {
		judge(c, FORT_CHECK_SKIP, NULL, "could not read the vault status: %s", fort_error_message());
		return;
	}
	age = days_since(d, st.last_verified_backup);
	if (age < 0)
		judge(c, FORT_CHECK_FAIL, "make a backup and check that it opens: 'fortress backup create FILE' then 'fortress backup verify FILE'",
		      "no backup of this vault has ever been verified");
	else if (age > BACKUP_FAIL_DAYS)
		judge(c, FORT_CHECK_FAIL, "make and verify a fresh backup: 'fortress backup create FILE' then 'fortress backup verify FILE'",
		      "the last verified backup is %ld days old", age);
	else if (age > BACKUP_WARN_DAYS)
		judge(c, FORT_CHECK_WARN, "verify a backup every week: 'fortress backup verify FILE'", "the last verified backup is %ld days old", age);
	else
		pass(c, "a backup was verified %ld day(s) ago", age);
}

/* Recovery shares: without them a lost passphrase means lost data. */
static void check_recovery(doc_ctx *d, fort_doctor_check *c)
{
	int configured = 0, k = 0, n = 0;
	int64_t created = 0;
	if (fort_recovery_status(&configured, &k, &n, &created, d->v) < 0) {
		judge(c, FORT_CHECK_SKIP, NULL, "could not read the recovery setup: %s", fort_error_message());
		return;
	}
	if (!configured)
		judge(c, FORT_CHECK_WARN, "make recovery shares for people you trust: 'fortress recovery split --shares 5 --threshold 3'",
		      "no recovery shares: if the owner's passphrase is lost, every client record is lost with it");
	else
		pass(c, "recovery shares made (%d of %d needed)", k, n);
}

/* Wrong passphrases (and refused recovery shares): someone may be guessing. */
static void check_failed_unlocks(doc_ctx *d, fort_doctor_check *c)
{
	uint64_t n = 0;
	int64_t last = 0;
	if (store_audit_failed_unlocks(d->v->st, d->now - 30 * 86400, &n, &last) < 0) {
		judge(c, FORT_CHECK_SKIP, NULL, "could not read the audit log: %s", fort_error_message());
		return;
	}
	uint64_t ns = 0;
	int64_t lasts = 0;
	/* sign-ins to `fortress serve` refused for a wrong passphrase, code or
	 * name (a wrong passphrase there is also a failed unlock) */
	if (store_signin_failures(d->v->st, d->now - 30 * 86400, &ns, &lasts) < 0)
		ns = 0;
	if (ns && !n) {
		n = ns;
		last = lasts;
	}
	char srv[96] = "";
	if (ns)
		snprintf(srv, sizeof srv, "; %llu sign-in(s) to the server refused", (unsigned long long)ns);
	if (n)
		judge(c, FORT_CHECK_WARN, "see who and when: 'fortress audit log'; change the passphrase ('fortress passwd') if it may be known",
		      "%llu failed unlock(s) in the last 30 days, the last %ld day(s) ago%s", (unsigned long long)n,
		      days_since(d, last), srv);
	else if (last)
		pass(c, "no failed unlock in the last 30 days (the last %ld days ago)", days_since(d, last));
	else
		pass(c, "no failed unlock recorded");
}

struct key_ctx {
	int64_t last_rotation;
};
static int key_audit_cb(void *ctx, const store_audit_row *r)
{
	if (strcmp(r->action, "rotate-finish") == 0 && strcmp(r->result, "ok") == 0)
		((struct key_ctx *)ctx)->last_rotation = r->ts;
	return 0;
}

static void check_key_age(doc_ctx *d, fort_doctor_check *c)
{
	struct key_ctx kc = { 0 };
	int64_t since;
	long age;
	if (store_audit_each(d->v->st, NULL, key_audit_cb, &kc) < 0) {
		judge(c, FORT_CHECK_SKIP, NULL, "could not read the audit log: %s", fort_error_message());
		return;
	}
	since = kc.last_rotation ? kc.last_rotation : d->v->created;
	age = days_since(d, since);
	if (age > KEY_WARN_DAYS)
		judge(c, FORT_CHECK_WARN, "rotate the keys: 'fortress keys rotate all'", "the keys are %ld days old (%s)", age,
		      kc.last_rotation ? "last rotated then" : "never rotated since the vault was made");
	else
		pass(c, "the keys are %ld day(s) old (%s)", age < 0 ? 0 : age, kc.last_rotation ? "last rotation" : "since the vault was made");
}

/* The scanner's "ts": unix seconds, or an ISO 8601 UTC time. */
static int64_t scan_time(json_t *ts)
{
	int y, hh, mi, ss;
	unsigned mo, d;
	if (json_is_integer(ts))
		return (int64_t)json_integer_value(ts);
	if (json_is_string(ts) && sscanf(json_string_value(ts), "%4d-%2u-%2uT%2d:%2d:%2d", &y, &mo, &d, &hh, &mi, &ss) == 6)
		return fort_civil_time(y, mo, d, hh, mi, ss);
	return 0;
}

static void check_scan(doc_ctx *d, fort_doctor_check *c)
{
	unsigned char *blob = NULL;
	size_t len = 0;
	json_t *j;
	char next[300];
	int r = store_meta_get(d->v->st, "scan.last", &blob, &len);
	snprintf(next, sizeof next, "scan where client data ends up (downloads, documents, mail exports): 'fortress scan --vault %s ~'",
		 d->v->path);
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		judge(c, FORT_CHECK_WARN, next, "no scan recorded: run fortress scan --vault %s ~", d->v->path);
		return;
	}
	if (r < 0 || !(j = json_loadb((const char *)blob, len, 0, NULL))) {
		free(blob);
		judge(c, FORT_CHECK_WARN, next, "the last scan's record is unreadable: scan again");
		return;
	}
	free(blob);
	{
		int64_t ts = scan_time(json_object_get(j, "ts"));
		json_int_t files = json_integer_value(json_object_get(j, "files")),
			   ff = json_integer_value(json_object_get(j, "files_with_findings")),
			   findings = json_integer_value(json_object_get(j, "findings")),
			   known = json_integer_value(json_object_get(j, "known_client_findings"));
		long age = days_since(d, ts);
		if (known > 0)
			judge(c, FORT_CHECK_FAIL,
			      "move those files into the vault ('fortress client import') and delete them securely, then scan again",
			      "the last scan (%ld day(s) ago) found %lld unencrypted value(s) of known clients in %lld of %lld file(s)", age,
			      (long long)known, (long long)ff, (long long)files);
		else if (findings > 0)
			judge(c, FORT_CHECK_WARN, "review the findings ('fortress scan' lists them) and remove or baseline them",
			      "the last scan (%ld day(s) ago) found %lld possible personal data value(s) in %lld of %lld file(s)", age,
			      (long long)findings, (long long)ff, (long long)files);
		else if (age > SCAN_WARN_DAYS)
			judge(c, FORT_CHECK_WARN, next, "the last scan is %ld days old", age);
		else
			pass(c, "the last scan (%ld day(s) ago) found nothing in %lld file(s)", age, (long long)files);
	}
	json_decref(j);
}

static void check_requests(doc_ctx *d, fort_doctor_check *c)
{
	fort_request_info *list = NULL;
	size_t n = 0, overdue = 0, open = 0;
	if (fort_request_list(&list, &n, d->v, NULL, 1, d->today) < 0) {
		judge(c, FORT_CHECK_SKIP, NULL, "could not list the requests: %s", fort_error_message());
		return;
	}
	for (size_t i = 0; i < n; i++) {
		open++;
		if (list[i].overdue)
			overdue++;
	}
	if (overdue)
		judge(c, FORT_CHECK_FAIL, "answer them now and tell each client why it is late: 'fortress request list --due'",
		      "%zu client request(s) are overdue (first: request %lld, due %s)", overdue, (long long)list[0].id, list[0].due);
	else
		pass(c, "no client request is overdue (%zu open)", open);
	free(list);
}

static void check_retention(doc_ctx *d, fort_doctor_check *c)
{
	fort_retention_item *it = NULL;
	size_t n = 0, late = 0;
	const char *first = NULL;
	char yesterday[11];
	/* everything whose retention (a map rule or an erasure's hold) ended
	 * before today; what a hold or a restriction still keeps is not late */
	if (fort_date_add_days(yesterday, d->today, -1) < 0 || fort_retention_due_all(&it, &n, d->v, yesterday, 0) < 0) {
		judge(c, FORT_CHECK_SKIP, NULL, "could not compute what retention has ended: %s", fort_error_message());
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (it[i].action != FORT_RET_KEPT && !late++)
			first = it[i].date;
	if (late)
		judge(c, FORT_CHECK_FAIL, "erase what no purpose or law justifies any more: 'fortress retention run' (try --dry-run first)",
		      "%zu item(s) are past their retention period (the first ended %s)", late, first);
	else
		pass(c, "no retention period has ended without being acted on");
	free(it);
}

static void check_audit(doc_ctx *d, fort_doctor_check *c)
{
	fort_audit_report rep;
	if (fort_audit_verify(&rep, d->v, NULL) < 0) {
		judge(c, FORT_CHECK_FAIL, "restore the vault from a verified backup and find out who changed the file",
		      "the audit chain could not be verified: %s", fort_error_message());
		return;
	}
	if (!rep.ok)
		judge(c, FORT_CHECK_FAIL, "restore the vault from a verified backup and find out who changed the file ('fortress audit verify')",
		      "the audit chain does not verify: %s", rep.problem);
	else
		pass(c, "the audit chain verifies (%llu entries, signed head)", (unsigned long long)rep.entries);
}

static void check_plan(doc_ctx *d, fort_doctor_check *c)
{
	int64_t when = 0;
	char type[48];
	int r = fort_plan_exists(d->v);
	if (r < 0) {
		judge(c, FORT_CHECK_SKIP, NULL, "could not read the plan: %s", fort_error_message());
		return;
	}
	if (r == 0) {
		judge(c, FORT_CHECK_FAIL, "write the incident plan: 'fortress plan init', then name the people with 'fortress plan edit'",
		      "there is no incident-response plan");
		return;
	}
	if (fort_plan_last_drill(&when, type, d->v) < 0) {
		judge(c, FORT_CHECK_SKIP, NULL, "could not read the drills: %s", fort_error_message());
		return;
	}
	{
		/* a plan whose roles name nobody is a plan nobody follows */
		json_t *plan = NULL;
		static const char *const roles[] = { "lead", "communications", "technical", "legal" };
		char missing[100] = "";
		if (plan_load(&plan, d->v) == 0) {
			for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
				const char *nm = json_string_value(json_object_get(json_object_get(json_object_get(plan, "contacts"), roles[i]), "name"));
				if (!nm || !*nm) {
					size_t k = strlen(missing);
					snprintf(missing + k, sizeof missing - k, "%s%s", k ? ", " : "", roles[i]);
				}
			}
			json_decref(plan);
		}
		fort_error_clear();
		if (missing[0] && when && days_since(d, when) <= DRILL_WARN_DAYS) {
			judge(c, FORT_CHECK_WARN, "name a person for each role: 'fortress plan edit --role ROLE --name NAME --email ADDRESS --phone NUMBER'",
			      "the plan was drilled %ld day(s) ago, but names nobody for: %s", days_since(d, when) < 0 ? 0 : days_since(d, when), missing);
			return;
		}
	}
	if (!when)
		judge(c, FORT_CHECK_FAIL, "run a tabletop exercise: 'fortress plan drill lost-device' (30 minutes)",
		      "the plan has never been drilled");
	else if (days_since(d, when) > DRILL_WARN_DAYS)
		judge(c, FORT_CHECK_WARN, "drill the plan again: 'fortress plan drill'", "the plan was last drilled %ld days ago (%s)",
		      days_since(d, when), type);
	else
		pass(c, "the plan was drilled %ld day(s) ago (%s)", days_since(d, when) < 0 ? 0 : days_since(d, when), type);
}

struct outbox_ctx {
	size_t stuck;
};
static int outbox_cb(void *ctx, const store_mail *m)
{
	if (strcmp(m->status, "queued") == 0 && m->attempts > 0)
		((struct outbox_ctx *)ctx)->stuck++;
	return 0;
}

static void check_actions(doc_ctx *d, fort_doctor_check *c)
{
	fort_action_info *a = NULL;
	size_t n = 0, overdue = 0;
	if (fort_action_list(&a, &n, d->v, 1, d->today) < 0) {
		judge(c, FORT_CHECK_SKIP, NULL, "could not list the incident actions: %s", fort_error_message());
		return;
	}
	for (size_t i = 0; i < n; i++)
		overdue += a[i].overdue != 0;
	if (overdue)  /* the list is overdue first */
		judge(c, FORT_CHECK_FAIL, "finish them or move their due date with the owner: 'fortress actions list'",
		      "%zu incident action(s) are overdue (first: action %lld of incident %lld, due %s, owner %s)", overdue,
		      (long long)a[0].id, (long long)a[0].incident, a[0].due, a[0].owner);
	else
		pass(c, "no incident action is overdue (%zu open)", n);
	free(a);
}

static void check_outbox(doc_ctx *d, fort_doctor_check *c)
{
	struct outbox_ctx oc = { 0 };
	if (store_mail_each(d->v->st, NULL, outbox_cb, &oc) < 0) {
		judge(c, FORT_CHECK_SKIP, NULL, "could not read the outbox: %s", fort_error_message());
		return;
	}
	if (oc.stuck)
		judge(c, FORT_CHECK_WARN, "see why with 'fortress mail list', fix the settings ('fortress mail set') and 'fortress mail send' again",
		      "%zu message(s) in the outbox could not be delivered", oc.stuck);
	else
		pass(c, "no message is stuck in the outbox");
}

/* The checks, in the order they are shown.  NAME is stable (history, JSON). */
static const struct {
	const char *name, *title;
	int weight;
	check_fn fn;
} checks[] = {
	{ "passphrase-policy", "Passphrase policy", 10, check_passphrase_policy },
	{ "users", "Users: passphrase changes and activity", 10, check_users },
	{ "failed-unlocks", "Failed unlocks (last 30 days)", 5, check_failed_unlocks },
	{ "recovery", "Recovery shares", 10, check_recovery },
	{ "backup", "Last verified backup", 15, check_backup },
	{ "key-age", "Key age", 5, check_key_age },
	{ "scan", "Unencrypted client data (last scan)", 10, check_scan },
	{ "requests", "Overdue client requests", 15, check_requests },
	{ "retention", "Expired retention not yet run", 10, check_retention },
	{ "audit-chain", "Audit chain verified", 15, check_audit },
	{ "plan-drill", "Incident plan last drilled", 10, check_plan },
	{ "outbox", "E-mail outbox", 5, check_outbox },
	{ "actions", "Incident actions on time", 10, check_actions },
};
#define NCHECKS (sizeof checks / sizeof checks[0])

static const char *status_name(fort_check_status s)
{
	return s == FORT_CHECK_PASS ? "pass" : s == FORT_CHECK_WARN ? "warn" : s == FORT_CHECK_FAIL ? "fail" : "skip";
}

struct record_in { int64_t now; int score; const char *js, *detail; };

static int record_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct record_in *x = ctx;
	int r;
	if ((r = store_doctor_add(v->st, x->now, x->score, x->js)) < 0)
		return r;
	snprintf(detail, cap, "%s", x->detail);
	return 0;
}

/* the role checked before the checks run, the record one step at the end */
static const vault_op doctor_op = { "doctor", ACT_READ, NULL, record_write };

int fort_doctor_run(fort_doctor_report *out, fort_vault *v, const fort_doctor_opts *o)
{
	fort_doctor_opts def = FORT_DOCTOR_OPTS_INIT;
	doc_ctx d;
	int wsum = 0, wgot2 = 0, r;
	char detail[120], *js = NULL;
	json_t *arr;
	_Static_assert(NCHECKS <= FORT_DOCTOR_MAX_CHECKS, "raise FORT_DOCTOR_MAX_CHECKS");
	memset(out, 0, sizeof *out);
	if (!o)
		o = &def;
	if ((r = FORT_CHECK_VERSION(o->version, FORT_DOCTOR_OPTS, fort_doctor_opts)) < 0)
		return r;
	if ((r = vault_op_start(v, &doctor_op, NULL)) < 0)
		return r;
	d.v = v;
	d.now = o->now ? o->now : fort_now();
	{
		char iso[21];
		fort_time_iso(iso, d.now);
		memcpy(d.today, iso, 10);
		d.today[10] = '\0';
	}
	out->ts = d.now;
	arr = json_array();
	for (size_t i = 0; i < NCHECKS; i++) {
		fort_doctor_check *c = &out->checks[out->n++];
		snprintf(c->name, sizeof c->name, "%s", checks[i].name);
		snprintf(c->title, sizeof c->title, "%s", checks[i].title);
		c->weight = checks[i].weight;
		checks[i].fn(&d, c);
		fort_error_clear();
		switch (c->status) {
		case FORT_CHECK_PASS: out->passed++; wsum += c->weight; wgot2 += 2 * c->weight; break;
		case FORT_CHECK_WARN: out->warned++; wsum += c->weight; wgot2 += c->weight; break;
		case FORT_CHECK_FAIL: out->failed++; wsum += c->weight; break;
		default: out->skipped++; break;
		}
		json_array_append_new(arr, json_pack("{s:s,s:s}", "name", c->name, "status", status_name(c->status)));
	}
	out->score = wsum ? (wgot2 * 100 + wsum) / (2 * wsum) : 100;
	if (!o->record) {
		json_decref(arr);
		return 0;
	}
	js = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (!js)
		return fort_error_set(FORT_ENOMEM, "out of memory");
	snprintf(detail, sizeof detail, "score %d; %zu passed, %zu warnings, %zu failed", out->score, out->passed, out->warned, out->failed);
	{
		struct record_in x = { d.now, out->score, js, detail };
		r = vault_op_step(v, &doctor_op, NULL, &x);
	}
	free(js);
	return r;
}

struct hist_ctx {
	fort_doctor_run_info *a;
	size_t n, cap;
};

static int hist_cb(void *ctx, int64_t id, int64_t ts, int score, const char *json)
{
	struct hist_ctx *h = ctx;
	fort_doctor_run_info *e;
	json_t *arr, *c;
	size_t i;
	if (FORT_ARRAY_GROW(h->a, h->n + 1, h->cap, 16) < 0)
		return FORT_ENOMEM;
	e = &h->a[h->n++];
	memset(e, 0, sizeof *e);
	e->id = id;
	e->ts = ts;
	e->score = score;
	if ((arr = json_loads(json, 0, NULL))) {
		json_array_foreach(arr, i, c) {
			const char *s = json_string_value(json_object_get(c, "status"));
			if (s && strcmp(s, "pass") == 0)
				e->passed++;
			else if (s && strcmp(s, "warn") == 0)
				e->warned++;
			else if (s && strcmp(s, "fail") == 0)
				e->failed++;
		}
		json_decref(arr);
	}
	return 0;
}

int fort_doctor_history(fort_doctor_run_info **out, size_t *n, fort_vault *v)
{
	struct hist_ctx h = { 0 };
	int r;
	*out = NULL;
	*n = 0;
	if ((r = vault_need(v, ACT_READ, "doctor", NULL)) < 0)
		return r;
	if ((r = store_doctor_each(v->st, hist_cb, &h)) < 0) {
		free(h.a);
		return r;
	}
	*out = h.a;
	*n = h.n;
	return 0;
}
