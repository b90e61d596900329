/* test_op.c - the operation scaffold (src/vault/op.c, issue 16 item 2):
 * a role refusal, an input check, a write that succeeds, a write that
 * fails and one that is refused on the way.  Each time: what is written
 * (the writes and their audit entry together, or nothing), which audit
 * entry the log ends with, and that the log still verifies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fortress.h"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_DIR "/tmp/fort-test-op-XXXXXX"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"
#include "vault/op.h"

struct last { char action[64], result[16], detail[256], client[32], fields[64], purpose[32]; uint64_t n; };

static int last_cb(void *ctx, const store_audit_row *r)
{
	struct last *l = ctx;
	snprintf(l->action, sizeof l->action, "%s", r->action);
	snprintf(l->result, sizeof l->result, "%s", r->result);
	snprintf(l->detail, sizeof l->detail, "%s", r->detail);
	snprintf(l->client, sizeof l->client, "%s", r->client ? r->client : "");
	snprintf(l->fields, sizeof l->fields, "%s", r->fields ? r->fields : "");
	snprintf(l->purpose, sizeof l->purpose, "%s", r->purpose ? r->purpose : "");
	l->n++;
	return 0;
}

static struct last last_entry(fort_vault *v)
{
	struct last l;
	memset(&l, 0, sizeof l);
	assert_int_equal(store_audit_each(v->st, NULL, last_cb, &l), 0);
	return l;
}

static int count_cb(void *ctx, const store_incident *in)
{
	(void)in;
	(*(uint64_t *)ctx)++;
	return 0;
}

static uint64_t incidents(fort_vault *v)
{
	uint64_t n = 0;
	assert_int_equal(store_incident_each(v->st, count_cb, &n), 0);
	return n;
}

/* what the test's operation does after writing an incident row */
struct plan { int check_fails, then; };

static int check(fort_vault *v, void *ctx)
{
	struct plan *p = ctx;
	(void)v;
	return p->check_fails ? fort_error_set(FORT_EINPUT, "the input is wrong") : 0;
}

static int write_row(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct plan *p = ctx;
	store_incident in;
	int r;
	memset(&in, 0, sizeof in);
	snprintf(in.title, sizeof in.title, "test");
	snprintf(in.kind, sizeof in.kind, "other");
	snprintf(in.opened_by, sizeof in.opened_by, "alice");
	in.occurred = in.aware = in.created = in.updated = 1000;
	if ((r = store_incident_insert(v->st, &in)) < 0)
		return r;
	if (p->then)
		return fort_error_set(p->then, p->then == FORT_EDENIED ? "the purpose 'marketing' does not allow it" : "the disk said no");
	snprintf(detail, cap, "incident #%lld", (long long)in.id);
	return 0;
}

static const vault_op op = { "test-op", ACT_WRITE, check, write_row };

static void verifies(fort_vault *v)
{
	fort_audit_report rep;
	assert_int_equal(fort_audit_verify(&rep, v, NULL), 0);
	if (!rep.ok)
		fail_msg("the audit log does not verify: %s", rep.problem);
}

static void test_op(void **state)
{
	(void)state;
	fort_vault *v = create_vault("op.fort");
	struct plan p = { 0, 0 };
	struct last l;
	uint64_t before;

	/* success: the row and its audit entry, with the write's detail */
	assert_int_equal(vault_op_run(v, &op, NULL, &p), 0);
	assert_int_equal(incidents(v), 1);
	l = last_entry(v);
	assert_string_equal(l.action, "test-op");
	assert_string_equal(l.result, "ok");
	assert_string_equal(l.detail, "incident #1");
	before = l.n;

	/* the input check fails: nothing written, no entry */
	p.check_fails = 1;
	assert_int_equal(vault_op_run(v, &op, NULL, &p), FORT_EINPUT);
	assert_string_equal(fort_error_message(), "the input is wrong");
	assert_int_equal(incidents(v), 1);
	assert_int_equal(last_entry(v).n, before);

	/* the write fails after writing: rolled back, no entry */
	p.check_fails = 0;
	p.then = FORT_EIO;
	assert_int_equal(vault_op_run(v, &op, NULL, &p), FORT_EIO);
	assert_int_equal(incidents(v), 1);
	assert_int_equal(last_entry(v).n, before);

	/* refused on the way: rolled back, and the refusal audited with its reason */
	p.then = FORT_EDENIED;
	assert_int_equal(vault_op_run(v, &op, NULL, &p), FORT_EDENIED);
	assert_string_equal(fort_error_message(), "the purpose 'marketing' does not allow it");
	assert_int_equal(incidents(v), 1);
	l = last_entry(v);
	assert_int_equal(l.n, before + 1);
	assert_string_equal(l.action, "test-op");
	assert_string_equal(l.result, "denied");
	assert_string_equal(l.detail, "the purpose 'marketing' does not allow it");
	verifies(v);
	fort_vault_close(v);
}

/* An operation whose entry names more than its role check: the success
 * entry takes DONE, FIELDS, PURPOSE and CLIENT (filled by the check step
 * through CTX); a refusal on the way still names the checked action and
 * client. */
struct named { vault_op op; struct plan p; char client[16]; };

static int name_check(fort_vault *v, void *ctx)
{
	struct named *x = ctx;
	(void)v;
	snprintf(x->client, sizeof x->client, "C-FOUND");
	return 0;
}

static int name_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	return write_row(v, &((struct named *)ctx)->p, detail, cap);
}

static void test_op_entry_names(void **state)
{
	(void)state;
	fort_vault *v = create_vault("op-names.fort");
	struct named x;
	struct last l;

	memset(&x, 0, sizeof x);
	x.op.action = "test-op";
	x.op.need = ACT_WRITE;
	x.op.check = name_check;
	x.op.write = name_write;
	x.op.done = "test-op-grant";
	x.op.fields = "email,phone";
	x.op.purpose = "billing";
	x.op.client = x.client;
	assert_int_equal(vault_op_run(v, &x.op, "C-ASKED", &x), 0);
	l = last_entry(v);
	assert_string_equal(l.action, "test-op-grant");
	assert_string_equal(l.result, "ok");
	assert_string_equal(l.client, "C-FOUND");
	assert_string_equal(l.fields, "email,phone");
	assert_string_equal(l.purpose, "billing");
	assert_string_equal(l.detail, "incident #1");

	/* without them: the action and the client the operation was run for */
	x.op.done = x.op.fields = x.op.purpose = x.op.client = NULL;
	assert_int_equal(vault_op_run(v, &x.op, "C-ASKED", &x), 0);
	l = last_entry(v);
	assert_string_equal(l.action, "test-op");
	assert_string_equal(l.client, "C-ASKED");
	assert_string_equal(l.fields, "");
	assert_string_equal(l.purpose, "");

	x.op.done = "test-op-grant";
	x.op.client = x.client;
	x.p.then = FORT_EDENIED;
	assert_int_equal(vault_op_run(v, &x.op, "C-ASKED", &x), FORT_EDENIED);
	l = last_entry(v);
	assert_string_equal(l.action, "test-op");
	assert_string_equal(l.result, "denied");
	assert_string_equal(l.client, "C-ASKED");
	verifies(v);
	fort_vault_close(v);
}

/* VAULT_OP_SEALED (a key rotation's batches, perf16): the step appends no
 * entry of its own; its commit seals the incident row it wrote with the
 * store's "seal" entry.  A write that clears the flag (the last batch) gets
 * the op's entry, and a failing step keeps nothing and appends nothing. */
static int sealed_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct named *x = ctx;
	int r = write_row(v, &x->p, detail, cap);
	if (r == 0 && x->client[0] == 'L')
		x->op.flags &= ~VAULT_OP_SEALED;  /* the last step: its own entry */
	return r;
}

static void test_op_sealed(void **state)
{
	(void)state;
	fort_vault *v = create_vault("op-sealed.fort");
	struct named x;
	struct last l;
	uint64_t before;

	memset(&x, 0, sizeof x);
	x.op.action = "test-batch";
	x.op.write = sealed_write;
	x.op.done = "test-finish";
	x.op.flags = VAULT_OP_SEALED;
	before = last_entry(v).n;
	assert_int_equal(vault_op_step(v, &x.op, NULL, &x), 0);
	assert_int_equal(incidents(v), 1);
	l = last_entry(v);
	assert_int_equal(l.n, before + 1);  /* one entry: the commit's seal */
	assert_string_equal(l.action, "seal");
	assert_string_equal(l.result, "ok");

	/* a failing step: nothing kept, no entry */
	x.p.then = FORT_EIO;
	assert_int_equal(vault_op_step(v, &x.op, NULL, &x), FORT_EIO);
	assert_int_equal(incidents(v), 1);
	assert_int_equal(last_entry(v).n, before + 1);

	/* the last step clears the flag: the op's entry, with its detail */
	x.p.then = 0;
	x.client[0] = 'L';
	assert_int_equal(vault_op_step(v, &x.op, NULL, &x), 0);
	assert_int_equal(incidents(v), 2);
	l = last_entry(v);
	assert_int_equal(l.n, before + 2);
	assert_string_equal(l.action, "test-finish");
	assert_int_equal(strncmp(l.detail, "incident #", 10), 0);  /* PostgreSQL's ids skip the rolled-back one */
	verifies(v);
	fort_vault_close(v);
}

/* Operations converted to the scaffold outside the vault folder (issue 16
 * item 2): the scan record.  A user whose role does not allow 'read' is
 * refused with a "denied" entry naming the action, nothing recorded; the
 * owner's record leaves its entry (counts, never paths or values) and the
 * summary. */
static void test_scan_record_refusal(void **state)
{
	(void)state;
	fort_vault *v = create_vault("op-scan.fort"), *u = NULL;
	const char *none[] = { "intake" }, *paths[] = { "/srv/share" };
	fort_scan_summary sum = { 1700000000, paths, 1, 12, 3, 5, 1 };
	fort_secret *s = secret("timber-walnut-glacier-pepper-saddle-ivory");
	unsigned char *val = NULL;
	size_t len = 0;
	char fp[20];
	struct last l;
	uint64_t before;

	assert_int_equal(fort_role_add(v, "outsider", none, 1), 0);
	assert_int_equal(fort_user_request(fp, vault_at("op-scan.fort"), "olga", s, FORT_KDF_INTERACTIVE), 0);
	assert_int_equal(fort_user_add(v, "olga", "outsider", fp), 0);
	assert_int_equal(fort_vault_open(&u, vault_at("op-scan.fort"), "olga", s), 0);
	before = last_entry(u).n;
	assert_int_equal(fort_scan_record(u, &sum), FORT_EDENIED);
	l = last_entry(u);
	assert_int_equal(l.n, before + 1);
	assert_string_equal(l.action, "scan");
	assert_string_equal(l.result, "denied");
	assert_int_equal(store_meta_get(u->st, "scan.last", &val, &len), FORT_ENOTFOUND);
	fort_vault_close(u);
	fort_secret_free(s);

	assert_int_equal(fort_scan_record(v, &sum), 0);
	l = last_entry(v);
	assert_string_equal(l.action, "scan");
	assert_string_equal(l.result, "ok");
	assert_string_equal(l.detail, "12 files, 3 with findings, 5 findings, 1 of known clients");
	assert_null(strstr(l.detail, "/srv"));
	assert_int_equal(store_meta_get(v->st, "scan.last", &val, &len), 0);
	assert_non_null(memmem(val, len, "\"findings\":5", 12));
	free(val);
	verifies(v);
	fort_vault_close(v);
}

/* The refusals of each handle are its own (issue 16): a refusal an
 * operation ends with, without its own entry, is audited at that handle's
 * next operation, flush or close; another handle used on the same thread
 * in between writes nothing for it (it did, with a per-thread count: a
 * false "denied" entry in the other vault). */
struct denials { uint64_t n; char detail[256], action[64]; };

static int denied_cb(void *ctx, const store_audit_row *r)
{
	struct denials *d = ctx;
	if (strcmp(r->result, "denied") == 0) {
		d->n++;
		snprintf(d->detail, sizeof d->detail, "%s", r->detail);
		snprintf(d->action, sizeof d->action, "%s", r->action);
	}
	return 0;
}

static struct denials denials(fort_vault *v)
{
	struct denials d;
	memset(&d, 0, sizeof d);
	assert_int_equal(store_audit_each(v->st, NULL, denied_cb, &d), 0);
	return d;
}

static void test_refusal_per_handle(void **state)
{
	(void)state;
	fort_vault *a = create_vault("op-two-a.fort"), *b = create_vault("op-two-b.fort"), *o = NULL;
	const char *reader[] = { "read", "contact" };
	fort_secret *s = secret("timber-walnut-glacier-pepper-saddle-ivory");
	char (*ids)[FORT_ID_LEN + 1] = NULL;
	size_t n = 0;
	char fp[20];
	struct denials d;

	/* the library's own: a user without the financial key searches an
	 * IBAN (refused after the role check, audited at the next step) */
	assert_int_equal(fort_role_add(a, "reader", reader, 2), 0);
	assert_int_equal(fort_user_request(fp, vault_at("op-two-a.fort"), "olga", s, FORT_KDF_INTERACTIVE), 0);
	assert_int_equal(fort_user_add(a, "olga", "reader", fp), 0);
	assert_int_equal(fort_vault_open(&o, vault_at("op-two-a.fort"), "olga", s), 0);
	assert_int_equal(fort_client_find(&ids, &n, o, "iban", "DE89370400440532013000"), FORT_EDENIED);
	/* the other vault's handle, same thread: no entry for olga's refusal */
	assert_int_equal(fort_client_find(&ids, &n, b, "email", "x@example.org"), 0);
	free(ids);
	ids = NULL;
	assert_int_equal(fort_vault_flush(b), 0);
	assert_int_equal(denials(b).n, 0);
	/* olga's handle audits it, with its reason */
	assert_int_equal(denials(o).n, 0);
	assert_int_equal(fort_vault_flush(o), 0);
	d = denials(o);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.action, "find");
	assert_string_equal(d.detail, "you may not search field 'iban' (category financial)");
	fort_vault_close(o);
	fort_secret_free(s);

	/* interleaved, both refused on the way: each handle's entry in its
	 * own vault with its own reason, once */
	assert_int_equal(vault_need(a, ACT_WRITE, "test-a", "C-A"), 0);
	(void)fort_error_set(FORT_EDENIED, "a's refusal");
	assert_int_equal(vault_need(b, ACT_WRITE, "test-b", "C-B"), 0);
	d = denials(b);
	if (d.n)
		fail_msg("a false entry in the other vault: %s: %s", d.action, d.detail);
	(void)fort_error_set(FORT_EDENIED, "b's refusal");
	assert_int_equal(vault_need(a, ACT_READ, "test-a2", NULL), 0);
	d = denials(a);
	assert_int_equal(d.n, 2);   /* olga's, then this one */
	assert_string_equal(d.action, "test-a");
	assert_string_equal(d.detail, "a's refusal");
	fort_vault_close(b);
	b = NULL;
	assert_int_equal(fort_vault_open(&b, vault_at("op-two-b.fort"), "alice", (s = secret(PASS))), 0);
	fort_secret_free(s);
	d = denials(b);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.action, "test-b");
	assert_string_equal(d.detail, "b's refusal");
	assert_int_equal(fort_vault_flush(a), 0);
	assert_int_equal(denials(a).n, 2);
	verifies(a);
	verifies(b);
	fort_vault_close(a);
	fort_vault_close(b);
}

/* Every entry of the log, oldest first, as "action result detail" lines,
 * with the row ids in details as N (PostgreSQL's sequences do not roll
 * back, SQLite's ids do) */
static int lines_cb(void *ctx, const store_audit_row *r)
{
	char *out = ctx;
	size_t n = strlen(out);
	snprintf(out + n, 4096 - n, "%s %s %s|", r->action, r->result, r->detail);
	for (char *p = strchr(out + n, '#'); p; p = strchr(p + 1, '#')) {
		char *q = p + 1;
		while (*q >= '0' && *q <= '9')
			q++;
		if (q > p + 1) {
			p[1] = 'N';
			memmove(p + 2, q, strlen(q) + 1);
		}
	}
	return 0;
}

static const char *log_since(fort_vault *v, uint64_t skip)
{
	static char all[4096];
	const char *p = all;
	all[0] = '\0';
	assert_int_equal(store_audit_each(v->st, NULL, lines_cb, all), 0);
	for (uint64_t i = 0; i < skip && p; i++)
		p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL;
	return p ? p : "";
}

/* A user whose role allows nothing but reading the contact category */
static fort_vault *reader_of(fort_vault *v, const char *name)
{
	const char *reader[] = { "read", "contact" };
	fort_secret *s = secret("timber-walnut-glacier-pepper-saddle-ivory");
	fort_vault *u = NULL;
	char fp[20];
	assert_int_equal(fort_role_add(v, "reader", reader, 2), 0);
	assert_int_equal(fort_user_request(fp, vault_at(name), "olga", s, FORT_KDF_INTERACTIVE), 0);
	assert_int_equal(fort_user_add(v, "olga", "reader", fp), 0);
	assert_int_equal(fort_vault_open(&u, vault_at(name), "olga", s), 0);
	fort_secret_free(s);
	return u;
}

/* A handle refreshed after another handle's commit reads its keys again
 * (vault_reload_keys), which saves the thread's last error and puts it
 * back: put back, not raised again, or a refusal another handle already
 * audited is counted for this one and audited in its user's name (seen on
 * the server: anna's form without its CSRF token, then an entry "sam
 * refused" with anna's reason at sam's next request on that thread). */
static void test_refusal_not_raised_again_on_refresh(void **state)
{
	(void)state;
	fort_vault *a = create_vault("op-refresh.fort"), *o = reader_of(a, "op-refresh.fort");
	fort_field_spec sp = FORT_FIELD_SPEC_INIT;
	struct denials before, d;

	sp.name = "email";
	sp.label = "Mail";
	assert_int_equal(fort_vault_refresh(a), 0);   /* where the file stands now (a new vault's handle has not asked) */
	/* olga may not change the map: refused and audited by the role check;
	 * the refusal stays the thread's last error */
	assert_int_equal(fort_map_field_edit(o, &sp), FORT_EDENIED);
	before = denials(a);
	assert_int_equal(before.n, 1);
	assert_string_equal(before.action, "map-change");
	assert_int_equal(fort_error_code(), FORT_EDENIED);
	/* alice's handle sees olga's entry and reads its keys again */
	assert_int_equal(fort_vault_refresh(a), 0);
	assert_int_equal(fort_vault_flush(a), 0);
	d = denials(a);
	if (d.n != before.n)
		fail_msg("a second entry for olga's refusal, in alice's name: %s: %s", d.action, d.detail);
	/* and alice's own operations go on */
	sp.label = "E-mail";
	assert_int_equal(fort_map_field_edit(a, &sp), 0);
	assert_int_equal(denials(a).n, 1);
	verifies(a);
	fort_vault_close(o);
	fort_vault_close(a);
}

/* One transaction per step (issue 16 item 2a): the role checked once at
 * the start (refused: audited, no step runs); each step its rows and its
 * entry, or rolled back alone; a refused step audited with its reason after
 * its rollback, the steps before it kept; the summary a step of its own. */
static void test_op_steps(void **state)
{
	(void)state;
	fort_vault *v = create_vault("op-steps.fort"), *u = reader_of(v, "op-steps.fort");
	static const vault_op step = { "test-step", ACT_WRITE, NULL, write_row };
	struct plan ok = { 0, 0 }, no = { 0, FORT_EDENIED };
	uint64_t before = last_entry(v).n;

	assert_int_equal(vault_op_start(u, &step, NULL), FORT_EDENIED);
	assert_string_equal(log_since(u, before), "test-step denied your role 'reader' does not allow 'write' "
			    "(a user who manages users can run 'fortress role grant reader write')|");
	fort_vault_close(u);
	before = last_entry(v).n;

	assert_int_equal(vault_op_start(v, &step, NULL), 0);
	assert_int_equal(vault_op_step(v, &step, NULL, &ok), 0);
	assert_int_equal(vault_op_step(v, &step, NULL, &no), FORT_EDENIED);
	assert_string_equal(fort_error_message(), "the purpose 'marketing' does not allow it");
	assert_int_equal(vault_op_step(v, &step, NULL, &ok), 0);
	assert_int_equal(vault_op_step(v, &step, NULL, &no), FORT_EDENIED);
	assert_int_equal(incidents(v), 2);
	assert_string_equal(log_since(v, before),
			    "test-step ok incident #N|test-step denied the purpose 'marketing' does not allow it|"
			    "test-step ok incident #N|test-step denied the purpose 'marketing' does not allow it|");
	/* each refusal audited once: nothing more at the next operation */
	assert_int_equal(fort_vault_flush(v), 0);
	assert_int_equal(last_entry(v).n, before + 4);
	verifies(v);
	fort_vault_close(v);
}

/* An operation inside another's transaction (2c) and several entries in
 * one transaction (2b): the outer operation's writes run two nested ones,
 * each writing a row and its entry; when the second is refused, the outer
 * rolls all of it back and audits the refusal under its own action.  A
 * nested operation with no transaction open is an error; writes that
 * promise their own entries and append none keep nothing. */
struct outer { struct plan first, second; };

static int inner_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	return write_row(v, ctx, detail, cap);
}

static const vault_op inner = { "test-inner", 0, NULL, inner_write };

static int outer_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct outer *o = ctx;
	int r;
	(void)detail;
	(void)cap;
	if ((r = vault_op_nested(v, &inner, "C-1", &o->first)) < 0 || (r = vault_op_nested(v, &inner, "C-2", &o->second)) < 0)
		return r;
	return 0;
}

static int silent_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	(void)ctx;
	(void)detail;
	(void)cap;
	store_incident in;
	memset(&in, 0, sizeof in);
	snprintf(in.title, sizeof in.title, "unaudited");
	snprintf(in.kind, sizeof in.kind, "other");
	snprintf(in.opened_by, sizeof in.opened_by, "alice");
	in.occurred = in.aware = in.created = in.updated = 1000;
	return store_incident_insert(v->st, &in);
}

static void test_op_nested(void **state)
{
	(void)state;
	fort_vault *v = create_vault("op-nested.fort");
	static const vault_op outer = { "test-outer", ACT_WRITE, NULL, outer_write, .flags = VAULT_OP_ENTRIES };
	static const vault_op silent = { "test-silent", ACT_WRITE, NULL, silent_write, .flags = VAULT_OP_ENTRIES };
	struct outer o = { { 0, 0 }, { 0, 0 } };
	uint64_t before = last_entry(v).n;
	struct last l;

	assert_int_equal(vault_op_run(v, &outer, NULL, &o), 0);
	assert_int_equal(incidents(v), 2);
	assert_string_equal(log_since(v, before), "test-inner ok incident #N|test-inner ok incident #N|");
	l = last_entry(v);
	assert_string_equal(l.client, "C-2");
	before = l.n;

	o.second.then = FORT_EDENIED;
	assert_int_equal(vault_op_run(v, &outer, NULL, &o), FORT_EDENIED);
	assert_string_equal(fort_error_message(), "the purpose 'marketing' does not allow it");
	assert_int_equal(incidents(v), 2);
	assert_string_equal(log_since(v, before), "test-outer denied the purpose 'marketing' does not allow it|");
	before++;

	/* outside a transaction */
	assert_int_equal(vault_op_nested(v, &inner, NULL, &o.first), FORT_ERROR);
	assert_int_equal(incidents(v), 2);
	/* promised entries, none written: nothing kept */
	assert_int_equal(vault_op_run(v, &silent, NULL, NULL), FORT_ERROR);
	assert_int_equal(incidents(v), 2);
	assert_int_equal(last_entry(v).n, before);
	assert_int_equal(fort_vault_flush(v), 0);
	assert_int_equal(last_entry(v).n, before);
	verifies(v);
	fort_vault_close(v);
}

/* No role to check (2d, need 0): a user whose role does not allow the
 * action runs it (unlocked is all it needs), with its entry; a refusal its
 * writes find is audited as any other. */
static void test_op_no_role(void **state)
{
	(void)state;
	fort_vault *v = create_vault("op-norole.fort"), *u = reader_of(v, "op-norole.fort");
	static const vault_op free_op = { "test-free", 0, NULL, write_row };
	struct plan ok = { 0, 0 }, no = { 0, FORT_EDENIED };
	uint64_t before = last_entry(u).n;

	assert_int_equal(vault_op_run(u, &free_op, NULL, &ok), 0);
	assert_int_equal(vault_op_run(u, &free_op, NULL, &no), FORT_EDENIED);
	assert_string_equal(log_since(u, before), "test-free ok incident #N|test-free denied the purpose 'marketing' does not allow it|");
	fort_vault_close(u);
	verifies(v);
	fort_vault_close(v);
}

/* Converted to the scaffold (issue 16 item 2): the incident review, several
 * entries in one transaction (one per note, each a nested step).  Refused
 * by role: audited, no note; an incident that does not exist: nothing
 * written; two notes: two entries, in one commit. */
static void test_incident_review_op(void **state)
{
	(void)state;
	fort_vault *v = create_vault("op-review.fort"), *u = reader_of(v, "op-review.fort");
	fort_incident_review_spec rs = FORT_INCIDENT_REVIEW_INIT;
	int64_t inc = 0;
	uint64_t before;

	assert_int_equal(fort_incident_open(&inc, v, "laptop stolen", "lost-device", NULL, NULL), 0);
	rs.what = "the laptop was left in a taxi";
	rs.failed = "the disk was not encrypted";
	before = last_entry(u).n;
	assert_int_equal(fort_incident_review(u, inc, &rs), FORT_EDENIED);
	assert_string_equal(log_since(u, before), "incident-review denied your role 'reader' does not allow 'write' "
			    "(a user who manages users can run 'fortress role grant reader write')|");
	fort_vault_close(u);

	before = last_entry(v).n;
	assert_int_equal(fort_incident_review(v, inc + 7, &rs), FORT_ENOTFOUND);
	assert_int_equal(last_entry(v).n, before);
	assert_int_equal(fort_incident_review(v, inc, &rs), 0);
	assert_string_equal(log_since(v, before), "incident-review ok incident #N: review-what|"
			    "incident-review ok incident #N: review-failed|");
	verifies(v);
	fort_vault_close(v);
}

/* Converted (issue 16 item 2): attachment get and remove, several entries
 * in one transaction (the operation's, then one per client).  A user whose
 * role allows neither is refused, each refusal audited with its reason and
 * nothing removed; the owner's get and removal leave two entries each. */
static void test_attachment_ops(void **state)
{
	(void)state;
	fort_vault *v = create_vault("op-attach.fort"), *u = reader_of(v, "op-attach.fort");
	fort_attachment_opts o = FORT_ATTACHMENT_OPTS_INIT;
	fort_kv kv[] = { { "full_name", "Jane Roe" } };
	char id[FORT_ID_LEN + 1];
	const char *ids[] = { id };
	int64_t aid = 0;
	uint64_t before;

	assert_int_equal(fort_client_add(id, v, kv, 1), 0);
	spit(path_of("att.txt"), "notes", 5);
	o.clients = ids;
	o.nclients = 1;
	assert_int_equal(fort_attachment_add(&aid, v, path_of("att.txt"), &o), 0);

	before = last_entry(u).n;
	assert_int_equal(fort_attachment_get(u, aid, path_of("att.out")), FORT_EDENIED);
	assert_int_equal(fort_attachment_remove(u, aid), FORT_EDENIED);
	assert_string_equal(log_since(u, before),
			    "attachment-get denied your role 'reader' does not allow 'reveal' "
			    "(a user who manages users can run 'fortress role grant reader reveal')|"
			    "attachment-remove denied your role 'reader' does not allow 'erase' "
			    "(a user who manages users can run 'fortress role grant reader erase')|");
	assert_int_equal(access(path_of("att.out"), F_OK), -1);
	fort_vault_close(u);

	before = last_entry(v).n;
	assert_int_equal(fort_attachment_get(v, aid, path_of("att.out")), 0);
	assert_string_equal(log_since(v, before), "attachment-get ok attachment 1: 5 bytes|attachment-get ok attachment 1: 5 bytes|");
	assert_string_equal(last_entry(v).client, id);
	before += 2;
	assert_int_equal(fort_attachment_remove(v, aid), 0);
	assert_string_equal(log_since(v, before), "attachment-remove ok attachment 1: 5 bytes, categories notes; key destroyed|"
			    "attachment-remove ok attachment 1: 5 bytes, categories notes; key destroyed|");
	assert_string_equal(last_entry(v).client, id);
	assert_int_equal(fort_attachment_remove(v, aid), FORT_ENOTFOUND);
	assert_int_equal(last_entry(v).n, before + 2);
	verifies(v);
	fort_vault_close(v);
}

/* Converted (2d, no role): the passphrase change; every user may change
 * their own (need 0), audited; a weak one changes nothing and leaves no
 * entry. */
static void test_passwd_op(void **state)
{
	(void)state;
	fort_vault *v = create_vault("op-passwd.fort"), *u = reader_of(v, "op-passwd.fort"), *again = NULL;
	fort_secret *weak = secret("abc"), *strong = secret("quartz-harbor-lemon-violet-canyon-ember");
	uint64_t before = last_entry(u).n;

	assert_int_equal(fort_vault_passwd(u, weak), FORT_EWEAK);
	assert_int_equal(last_entry(u).n, before);
	assert_int_equal(fort_vault_passwd(u, strong), 0);
	assert_string_equal(log_since(u, before), "passwd ok passphrase changed|");
	fort_vault_close(u);
	assert_int_equal(fort_vault_open(&again, vault_at("op-passwd.fort"), "olga", strong), 0);
	fort_vault_close(again);
	fort_secret_free(weak);
	fort_secret_free(strong);
	verifies(v);
	fort_vault_close(v);
}

/* Converted (issue 16 item 2): the check-up, the role checked before the
 * checks run and the record one step at the end.  A user whose role does
 * not allow reading is refused, audited with its reason, nothing recorded;
 * the owner's run leaves its record and its entry. */
static void test_doctor_op(void **state)
{
	(void)state;
	fort_vault *v = create_vault("op-doctor.fort"), *u = NULL;
	const char *none[] = { "intake" };
	fort_secret *s = secret("timber-walnut-glacier-pepper-saddle-ivory");
	fort_doctor_report *rep = calloc(1, sizeof *rep);
	char fp[20], want[200];
	uint64_t before;

	assert_non_null(rep);
	assert_int_equal(fort_role_add(v, "outsider", none, 1), 0);
	assert_int_equal(fort_user_request(fp, vault_at("op-doctor.fort"), "olga", s, FORT_KDF_INTERACTIVE), 0);
	assert_int_equal(fort_user_add(v, "olga", "outsider", fp), 0);
	assert_int_equal(fort_vault_open(&u, vault_at("op-doctor.fort"), "olga", s), 0);
	before = last_entry(u).n;
	assert_int_equal(fort_doctor_run(rep, u, NULL), FORT_EDENIED);
	assert_string_equal(log_since(u, before), "doctor denied your role 'outsider' does not allow 'read' "
			    "(a user who manages users can run 'fortress role grant outsider read')|");
	fort_vault_close(u);
	fort_secret_free(s);

	before = last_entry(v).n;
	assert_int_equal(fort_doctor_run(rep, v, NULL), 0);
	snprintf(want, sizeof want, "doctor ok score %d; %zu passed, %zu warnings, %zu failed|", rep->score, rep->passed, rep->warned,
		 rep->failed);
	assert_string_equal(log_since(v, before), want);
	free(rep);
	verifies(v);
	fort_vault_close(v);
}

/* Converted (issue 16 item 2): removing a second factor, the role chosen
 * per call: one's own needs none (need 0), someone else's 'users'.  A
 * reader removing the owner's is refused, audited with its reason; their
 * own is removed, with its entry. */
static void test_totp_remove_op(void **state)
{
	(void)state;
	fort_vault *v = create_vault("op-totp.fort"), *u = reader_of(v, "op-totp.fort");
	uint64_t before = last_entry(u).n;

	assert_int_equal(fort_totp_remove(u, "alice"), FORT_EDENIED);
	assert_int_equal(fort_totp_remove(u, "olga"), 0);
	assert_string_equal(log_since(u, before), "totp-remove denied your role 'reader' does not allow 'users' "
			    "(a user who manages users can run 'fortress role grant reader users')|"
			    "totp-remove ok second factor of user 'olga' removed|");
	fort_vault_close(u);
	verifies(v);
	fort_vault_close(v);
}

/* Converted (issue 16 item 2): a client's fields erased inside another
 * operation's transaction (client_erase_fields_nested, an erasure
 * request's step).  The step's other write refused after the erasure: all
 * of it rolled back (the field kept, no ledger row) and the refusal audited
 * under the step's action; then done: the erasure's own entry (its action,
 * the field, the client) and the ledger row; outside a transaction it is
 * an error and erases nothing. */
struct erase_step { const char *id; int then; };

static int erase_then(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct erase_step *e = ctx;
	fort_kv kv = { "email", "ignored" };
	int r;
	(void)detail;
	(void)cap;
	if ((r = client_erase_fields_nested(v, e->id, &kv, 1, "test-erase", "field erased by the test")) < 0)
		return r;
	return e->then ? fort_error_set(FORT_EDENIED, "the hold on 'email' keeps it") : 0;
}

static size_t fields_of(fort_vault *v, const char *id)
{
	fort_record *rec = NULL;
	size_t n;
	assert_int_equal(fort_client_get(&rec, v, id, NULL), 0);
	n = fort_record_count(rec);
	fort_record_free(rec);
	return n;
}

static void test_erase_fields_nested(void **state)
{
	(void)state;
	fort_vault *v = create_vault("op-erase.fort");
	static const vault_op step = { "test-erase-step", ACT_ERASE, NULL, erase_then, .flags = VAULT_OP_ENTRIES };
	fort_kv kv[] = { { "full_name", "Ada Lovelace" }, { "email", "ada@example.org" } };
	fort_kv email = { "email", NULL };
	char id[FORT_ID_LEN + 1];
	struct erase_step e = { id, 1 };
	struct last l;
	uint64_t before;
	int64_t cid;

	assert_int_equal(fort_client_add(id, v, kv, 2), 0);
	assert_int_equal(client_id_parse(&cid, id), 0);
	assert_int_equal(fields_of(v, id), 2);
	before = last_entry(v).n;

	assert_int_equal(vault_op_run(v, &step, id, &e), FORT_EDENIED);
	assert_string_equal(fort_error_message(), "the hold on 'email' keeps it");
	assert_string_equal(log_since(v, before), "test-erase-step denied the hold on 'email' keeps it|");
	assert_int_equal(fields_of(v, id), 2);
	assert_int_equal(store_erased_field_has(v->st, cid, "email", 0), 0);
	before = last_entry(v).n;

	e.then = 0;
	assert_int_equal(vault_op_run(v, &step, id, &e), 0);
	l = last_entry(v);
	assert_int_equal(l.n, before + 1);
	assert_string_equal(l.action, "test-erase");
	assert_string_equal(l.result, "ok");
	assert_string_equal(l.client, id);
	assert_string_equal(l.fields, "email");
	assert_string_equal(l.detail, "field erased by the test");
	assert_int_equal(fields_of(v, id), 1);
	assert_int_equal(store_erased_field_has(v->st, cid, "email", 0), 1);
	before = last_entry(v).n;

	assert_int_equal(client_erase_fields_nested(v, id, &email, 1, NULL, NULL), FORT_ERROR);
	assert_int_equal(fields_of(v, id), 1);
	verifies(v);
	fort_vault_close(v);
}

/* Converted (issue 16 item 2): an erasure request and an access request
 * (steps: the erasure or the package, then the request's event) and the
 * /me link request check the role first; a reader is refused each,
 * audited under the request's action with the reason, nothing written.  A
 * role that may erase but does not hold every category's key is refused
 * by the erasure itself ("must see every field"), audited under the
 * request's action too.  The owner's erasure (a hold on nothing: the
 * client shredded) and package: the request's event, its entry. */
static void test_request_ops(void **state)
{
	(void)state;
	fort_vault *v = create_vault("op-req.fort"), *u;
	fort_request_opts ro = FORT_REQUEST_OPTS_INIT;
	fort_kv kv[] = { { "full_name", "Ada Lovelace" }, { "email", "ada@example.org" } };
	const char *erase_act[] = { "erase" };
	fort_secret *olga = secret("timber-walnut-glacier-pepper-saddle-ivory");
	char id[FORT_ID_LEN + 1], want[400], browser[FORT_ME_TOKEN_LEN + 1];
	int64_t er, ac;
	uint64_t before;

	assert_int_equal(fort_client_add(id, v, kv, 2), 0);
	assert_int_equal(fort_request_open(&er, v, "erasure", id, "2026-12-01", &ro), 0);
	assert_int_equal(fort_request_open(&ac, v, "access", id, "2026-12-01", &ro), 0);
	fort_me_browser_new(browser);
	u = reader_of(v, "op-req.fort");
	before = last_entry(u).n;
	assert_int_equal(fort_request_erase(NULL, u, er, path_of("cert-u.json"), NULL), FORT_EDENIED);
	assert_int_equal(fort_request_fulfil(NULL, u, ac, path_of("pkg-u")), FORT_EDENIED);
	assert_int_equal(fort_me_link_request(u, "ada@example.org", browser, NULL), FORT_EDENIED);
	assert_string_equal(log_since(u, before),
			    "request-erase denied your role 'reader' does not allow 'erase' "
			    "(a user who manages users can run 'fortress role grant reader erase')|"
			    "request-fulfil denied your role 'reader' does not allow 'reveal' "
			    "(a user who manages users can run 'fortress role grant reader reveal')|"
			    "me-link denied your role 'reader' does not allow 'write' "
			    "(a user who manages users can run 'fortress role grant reader write')|");
	fort_vault_close(u);

	/* allowed to erase, but holding the contact key only */
	assert_int_equal(fort_role_grant(v, "reader", erase_act, 1), 0);
	assert_int_equal(fort_vault_open(&u, vault_at("op-req.fort"), "olga", olga), 0);
	fort_secret_free(olga);
	before = last_entry(u).n;
	assert_int_equal(fort_request_erase(NULL, u, er, path_of("cert-u.json"), NULL), FORT_EDENIED);
	snprintf(want, sizeof want, "%s", fort_error_message());
	assert_non_null(strstr(want, "an erasure must see every field"));
	assert_int_equal(fort_vault_flush(u), 0);
	assert_string_equal(log_since(u, before), "request-erase denied an erasure must see every field to decide what a hold keeps, "
			    "and you do not hold the identity key: ask an owner|");
	fort_vault_close(u);

	before = last_entry(v).n;
	assert_int_equal(fort_request_fulfil(NULL, v, ac, path_of("pkg-v")), 0);
	assert_int_equal(fort_request_erase(NULL, v, er, path_of("cert-v.json"), NULL), 0);
	snprintf(want, sizeof want, "request %lld (access, EU): package written to %s", (long long)ac, path_of("pkg-v"));
	assert_non_null(strstr(log_since(v, before), want));
	snprintf(want, sizeof want, "erase ok crypto-shredded: erasure request %lld|request-erase ok request %lld (erasure, EU): client crypto-shredded: "
		 "2 field(s) erased, 0 kept under a legal hold; certificate %s|", (long long)er, (long long)er, path_of("cert-v.json"));
	if (!strstr(log_since(v, before), want))
		fail_msg("%s\nnot in\n%s", want, log_since(v, before));
	verifies(v);
	fort_vault_close(v);
}

/* Converted (issue 16 item 2d), no role to check: the vault's creation (its
 * first entry, by the owner whose keys were just made), a reader's own
 * TOTP enrolment, and the /me link request for an address no client has
 * (the owner: nothing mailed, the entry names no client). */
static void test_no_role_ops(void **state)
{
	(void)state;
	fort_vault *v = create_vault("op-free.fort"), *u;
	fort_totp_enrolment *e = NULL;
	char browser[FORT_ME_TOKEN_LEN + 1];
	uint64_t before;
	struct last l;

	static const char created[] = "create ok vault created; owner user_id=1 sign_pk=";
	if (strncmp(log_since(v, 0), created, sizeof created - 1) != 0)
		fail_msg("the first entry: %.120s", log_since(v, 0));
	u = reader_of(v, "op-free.fort");
	before = last_entry(u).n;
	assert_int_equal(fort_totp_enroll(&e, u), 0);
	fort_totp_enrolment_free(e);
	assert_string_equal(log_since(u, before), "totp-enroll ok second factor for signing in to the server enrolled|");
	fort_vault_close(u);

	fort_me_browser_new(browser);
	before = last_entry(v).n;
	assert_int_equal(fort_me_link_request(v, "nobody@example.org", browser, NULL), 0);
	l = last_entry(v);
	assert_int_equal(l.n, before + 1);
	assert_string_equal(l.action, "me-link");
	assert_string_equal(l.client, "");
	assert_string_equal(l.detail, "sign-in link asked for an address no client has: nothing sent");
	verifies(v);
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_op),
		cmocka_unit_test(test_op_entry_names),
		cmocka_unit_test(test_op_sealed),
		cmocka_unit_test(test_scan_record_refusal),
		cmocka_unit_test(test_refusal_per_handle),
		cmocka_unit_test(test_refusal_not_raised_again_on_refresh),
		cmocka_unit_test(test_op_steps),
		cmocka_unit_test(test_op_nested),
		cmocka_unit_test(test_op_no_role),
		cmocka_unit_test(test_incident_review_op),
		cmocka_unit_test(test_attachment_ops),
		cmocka_unit_test(test_passwd_op),
		cmocka_unit_test(test_doctor_op),
		cmocka_unit_test(test_totp_remove_op),
		cmocka_unit_test(test_erase_fields_nested),
		cmocka_unit_test(test_request_ops),
		cmocka_unit_test(test_no_role_ops),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
