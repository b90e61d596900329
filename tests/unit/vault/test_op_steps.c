/* test_op_steps.c - the operations of several steps converted to the
 * operation scaffold (issue 16 item 2a): backups (create, verify, restore's
 * replay), retention runs, reindexing, key rotation's start and the user
 * and role changes that start one; and the scaffold's parts they use:
 * batches (VAULT_OP_SEALED), entries appended by a function the writes call
 * (counted by audit_append), a refusal's entry written inside a step's
 * transaction and undone by its rollback.
 *
 * Each refusal is audited once, with its reason; each success leaves the
 * entries it left before the conversion (action, result, detail). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fortress.h"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_DIR "/tmp/fort-test-opsteps-XXXXXX"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"
#include "vault/op.h"
#include "backup/backup.h"

/* Every entry of the log, oldest first, as "action result detail" lines,
 * numbers after '#' and '=' as N (ids and times differ between runs and
 * backends) */
static int lines_cb(void *ctx, const store_audit_row *r)
{
	char *out = ctx;
	size_t n = strlen(out);
	snprintf(out + n, 8192 - n, "%s %s %s|", r->action, r->result, r->detail);
	for (char *p = out + n; *p; p++) {
		char *q = p + 1;
		if (*p != '#' && *p != '=')
			continue;
		while (*q >= '0' && *q <= '9')
			q++;
		if (q > p + 1) {
			p[1] = 'N';
			memmove(p + 2, q, strlen(q) + 1);
		}
	}
	return 0;
}

static uint64_t entries(fort_vault *v)
{
	uint64_t seq = 0;
	unsigned char h[32];
	assert_int_equal(store_audit_tail(v->st, (int64_t *)&seq, h), 0);
	return seq;
}

/* the entries after the first SKIP */
static const char *log_since(fort_vault *v, uint64_t skip)
{
	static char all[8192];
	const char *p = all;
	all[0] = '\0';
	assert_int_equal(store_audit_each(v->st, NULL, lines_cb, all), 0);
	for (uint64_t i = 0; i < skip && p; i++)
		p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL;
	return p ? p : "";
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

static int add_incident(fort_vault *v)
{
	store_incident in;
	memset(&in, 0, sizeof in);
	snprintf(in.title, sizeof in.title, "test");
	snprintf(in.kind, sizeof in.kind, "other");
	snprintf(in.opened_by, sizeof in.opened_by, "alice");
	in.occurred = in.aware = in.created = in.updated = 1000;
	return store_incident_insert(v->st, &in);
}

static void verifies(fort_vault *v)
{
	fort_audit_report rep;
	assert_int_equal(fort_audit_verify(&rep, v, NULL), 0);
	if (!rep.ok)
		fail_msg("the audit log does not verify: %s", rep.problem);
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

/* ------------------------------------------------- the scaffold's parts */

/* what a batch's writes do: a row, then (LAST) end the operation (its
 * entry), or (THEN) fail with that code */
struct batch { vault_op op; int last, then; };

static int batch_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct batch *b = ctx;
	int r;
	if ((r = add_incident(v)) < 0)
		return r;
	if (b->then)
		return fort_error_set(b->then, b->then == FORT_EDENIED ? "the hold on 'iban' refuses it" : "the disk said no");
	snprintf(detail, cap, "2 batches");
	if (b->last)
		b->op.flags &= ~VAULT_OP_SEALED;
	return 0;
}

/* VAULT_OP_SEALED: a batch is kept without an entry of its own, the rows
 * it changed sealed by the store's "seal" entry at commit (nothing sealed
 * goes unaudited); the batch that ends the operation clears the flag and
 * has the operation's entry, no seal entry after it; a failed batch is
 * rolled back alone, a refused one audited with its reason under the
 * operation's action. */
static void test_batch(void **state)
{
	(void)state;
	fort_vault *v = create_vault("batch.fort");
	const vault_op op = { "test-batches", 0, NULL, batch_write, .flags = VAULT_OP_SEALED };
	struct batch mid = { op, 0, 0 }, last = { op, 1, 0 }, bad = { op, 0, FORT_EIO }, no = { op, 0, FORT_EDENIED };
	uint64_t before = entries(v);

	assert_int_equal(vault_op_step(v, &mid.op, NULL, &mid), 0);
	assert_int_equal(incidents(v), 1);
	assert_string_equal(log_since(v, before), "seal ok rows changed by the operation: after its own audit entry, or in "
			    "batches of a large one|");
	before = entries(v);
	assert_int_equal(vault_op_step(v, &last.op, NULL, &last), 0);
	assert_int_equal(incidents(v), 2);
	assert_string_equal(log_since(v, before), "test-batches ok 2 batches|");
	before = entries(v);
	assert_int_equal(vault_op_step(v, &bad.op, NULL, &bad), FORT_EIO);
	assert_int_equal(incidents(v), 2);
	assert_int_equal(entries(v), before);
	assert_int_equal(vault_op_step(v, &no.op, NULL, &no), FORT_EDENIED);
	assert_string_equal(fort_error_message(), "the hold on 'iban' refuses it");
	assert_int_equal(incidents(v), 2);
	assert_string_equal(log_since(v, before), "test-batches denied the hold on 'iban' refuses it|");
	verifies(v);
	fort_vault_close(v);
}

/* a write whose entry a function it calls appends (as rotate_start does),
 * not vault_op_entry */
static int callee_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	int r;
	(void)ctx;
	(void)detail;
	(void)cap;
	if ((r = add_incident(v)) < 0)
		return r;
	return audit_append(v, "test-callee", "", "", "", "ok", "appended by the callee");
}

/* VAULT_OP_ENTRIES counts every entry the writes append (audit_append),
 * not only vault_op_entry's: the callee's entry keeps the step's rows. */
static void test_entries_counted(void **state)
{
	(void)state;
	fort_vault *v = create_vault("counted.fort");
	static const vault_op op = { "test-callee", ACT_WRITE, NULL, callee_write, .flags = VAULT_OP_ENTRIES };
	uint64_t before = entries(v);

	assert_int_equal(vault_op_run(v, &op, NULL, NULL), 0);
	assert_int_equal(incidents(v), 1);
	assert_string_equal(log_since(v, before), "test-callee ok appended by the callee|");
	verifies(v);
	fort_vault_close(v);
}

/* a step whose writes run an operation that checks its role: refused for
 * a reader, its "denied" entry written inside the step's transaction */
static int inner_need_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	int r;
	(void)ctx;
	(void)detail;
	(void)cap;
	if ((r = add_incident(v)) < 0)
		return r;
	return vault_need(v, ACT_WRITE, "test-inner", NULL);
}

/* The refusal's entry the writes wrote goes with the step's rollback: the
 * step audits it again after, once, with the refusal's message, under its
 * own action (it was lost: the refusal left no trace). */
static void test_refusal_inside_step(void **state)
{
	(void)state;
	fort_vault *v = create_vault("inside.fort"), *u = reader_of(v, "inside.fort");
	static const vault_op op = { "test-outer", 0, NULL, inner_need_write };
	uint64_t before = entries(u);

	assert_int_equal(vault_op_step(u, &op, NULL, NULL), FORT_EDENIED);
	assert_int_equal(incidents(u), 0);
	assert_string_equal(log_since(u, before), "test-outer denied your role 'reader' does not allow 'write' "
			    "(a user who manages users can run 'fortress role grant reader write')|");
	/* audited once: nothing more at the next operation */
	assert_int_equal(fort_vault_flush(u), 0);
	assert_int_equal(entries(u), before + 1);
	fort_vault_close(u);
	verifies(v);
	fort_vault_close(v);
}

/* an operation of its own (its own step, counted inside the outer one's
 * transaction) whose writes are refused: it rolls back, the whole
 * transaction with it, and commits its refusal's entry */
static int refused_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	int r;
	(void)ctx;
	(void)detail;
	(void)cap;
	if ((r = add_incident(v)) < 0)
		return r;
	return fort_error_set(FORT_EDENIED, "the hold on 'iban' refuses it");
}

static int inner_op_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	static const vault_op inner = { "test-inner", ACT_WRITE, NULL, refused_write };
	int r;
	(void)ctx;
	(void)detail;
	(void)cap;
	if ((r = add_incident(v)) < 0)
		return r;
	return vault_op_run(v, &inner, NULL, NULL);
}

/* ... and a refusal an operation the writes ran has already committed
 * its entry for (after its own rollback) is audited once, not again by
 * the step. */
static void test_refusal_committed_inside_step(void **state)
{
	(void)state;
	fort_vault *v = create_vault("inside2.fort");
	static const vault_op op = { "test-outer", 0, NULL, inner_op_write };
	uint64_t before = entries(v);

	assert_int_equal(vault_op_step(v, &op, NULL, NULL), FORT_EDENIED);
	assert_int_equal(incidents(v), 0);
	assert_string_equal(log_since(v, before), "test-inner denied the hold on 'iban' refuses it|");
	assert_int_equal(fort_vault_flush(v), 0);
	assert_int_equal(entries(v), before + 1);
	verifies(v);
	fort_vault_close(v);
}

/* ------------------------------------------ the converted operations */

/* Refused by role, each audited with the reason the user was given, and
 * nothing done: backup, key rotation, user removal, role change and
 * revocation, retention runs (both). */
static void test_refusals(void **state)
{
	(void)state;
	fort_vault *v = create_vault("refusals.fort"), *u = reader_of(v, "refusals.fort");
	const char *all[] = { "all" }, *erase[] = { "erase" };
	fort_backup_info b;
	fort_rotate_report rep;
	fort_retention_item *items = NULL;
	fort_hold_info *holds = NULL;
	size_t n = 0;
	uint64_t before = entries(u);
	static const char *users = "your role 'reader' does not allow 'users' "
				   "(a user who manages users can run 'fortress role grant reader users')|";
	char want[2048];

	assert_int_equal(fort_backup_create(&b, u, path_of("refused.fbak")), FORT_EDENIED);
	assert_int_equal(access(path_of("refused.fbak"), F_OK), -1);
	assert_int_equal(fort_keys_rotate(&rep, u, all, 1, NULL), FORT_EDENIED);
	assert_int_equal(fort_user_remove(&rep, u, "alice", NULL), FORT_EDENIED);
	assert_int_equal(fort_user_set_role(&rep, u, "olga", "owner", NULL), FORT_EDENIED);
	assert_int_equal(fort_role_revoke(&rep, u, "reader", erase, 1, NULL), FORT_EDENIED);
	assert_int_equal(fort_retention_run_all(&items, &n, u, NULL, 0), FORT_EDENIED);
	assert_int_equal(fort_retention_run(&holds, &n, u, NULL, 0), FORT_EDENIED);
	snprintf(want, sizeof want, "backup-create denied %srotate-start denied %suser-remove denied %suser-role denied %s"
		 "role-revoke denied %s"
		 "retention-run denied your role 'reader' does not allow 'erase' (a user who manages users can run 'fortress role grant reader erase')|"
		 "retention-run denied your role 'reader' does not allow 'erase' (a user who manages users can run 'fortress role grant reader erase')|",
		 users, users, users, users, users);
	assert_string_equal(log_since(u, before), want);
	fort_vault_close(u);
	verifies(v);
	fort_vault_close(v);
}

/* The entries of the converted operations, as before the conversion: a
 * pending user's request dropped; a rotation asked for (its start and
 * finish); a role narrowed that a user holds (its entry and the rotation's
 * start in one step, then the finish); one nobody holds (no rotation). */
static void test_users_and_rotation(void **state)
{
	(void)state;
	fort_vault *v = create_vault("rotate.fort");
	const char *staff[] = { "read", "write", "contact", "notes" }, *contact[] = { "contact" }, *notes[] = { "notes" };
	fort_secret *s = secret("timber-walnut-glacier-pepper-saddle-ivory");
	fort_rotate_report rep;
	fort_kv kv[] = { { "full_name", "Jane Roe" }, { "email", "jane@example.com" } };
	char fp[20], id[FORT_ID_LEN + 1];
	uint64_t before;

	assert_int_equal(fort_client_add(id, v, kv, 2), 0);
	assert_int_equal(fort_role_add(v, "helper", staff, 4), 0);
	assert_int_equal(fort_role_add(v, "spare", staff, 4), 0);
	assert_int_equal(fort_user_request(fp, vault_at("rotate.fort"), "olga", s, FORT_KDF_INTERACTIVE), 0);
	assert_int_equal(fort_user_add(v, "olga", "helper", fp), 0);
	assert_int_equal(fort_user_request(fp, vault_at("rotate.fort"), "pete", s, FORT_KDF_INTERACTIVE), 0);

	before = entries(v);
	assert_int_equal(fort_user_remove(&rep, v, "pete", NULL), 0);
	assert_string_equal(log_since(v, before), "user-remove ok request of user_id=N dropped|");

	before = entries(v);
	assert_int_equal(fort_keys_rotate(&rep, v, contact, 1, NULL), 0);
	assert_string_equal(log_since(v, before), "rotate-start ok keys=contact; requested|"
			    "rotate-finish ok keys=contact; 1 records re-encrypted; old key versions destroyed|");

	before = entries(v);
	assert_int_equal(fort_role_revoke(&rep, v, "helper", notes, 1, NULL), 0);
	assert_string_equal(log_since(v, before), "role-revoke ok role=helper removed categories=notes actions=none|"
			    "rotate-start ok keys=notes; a role was narrowed|"
			    "rotate-finish ok keys=notes; 0 records re-encrypted; old key versions destroyed|");
	before = entries(v);
	assert_int_equal(fort_role_revoke(&rep, v, "spare", notes, 1, NULL), 0);
	assert_string_equal(log_since(v, before), "role-revoke ok role=spare removed categories=notes actions=none|");
	fort_secret_free(s);
	verifies(v);
	fort_vault_close(v);
}

/* A backup's steps, with their entries as before the conversion: made
 * (the snapshot read, then recorded), verified and recorded in the vault,
 * restored with the erasure made since replayed in the copy (one step:
 * the client's entry, then the restore's). */
static void test_backup_steps(void **state)
{
	(void)state;
	fort_vault *v = create_vault("bk.fort"), *r;
	fort_kv a[] = { { "full_name", "Jane Roe" } }, b[] = { { "full_name", "John Doe" } };
	fort_secret *pass = secret(PASS);
	fort_backup_info info;
	char ja[FORT_ID_LEN + 1], jb[FORT_ID_LEN + 1];
	uint64_t before;

	assert_int_equal(fort_client_add(ja, v, a, 1), 0);
	assert_int_equal(fort_client_add(jb, v, b, 1), 0);
	before = entries(v);
	assert_int_equal(fort_backup_create(&info, v, path_of("steps.fbak")), 0);
	assert_string_equal(log_since(v, before), "backup-create ok clients=N file=steps.fbak; recorded as export #N|");
	assert_int_equal(info.clients, 2);

	before = entries(v);
	assert_int_equal(fort_backup_verify(&info, path_of("steps.fbak"), NULL, pass, v), 0);
	assert_true(info.recorded);
	assert_string_equal(log_since(v, before), "backup-verify ok file=steps.fbak created=N clients=N|");

	assert_int_equal(fort_client_erase(v, jb, "asked"), 0);
	assert_int_equal(fort_backup_restore(&info, path_of("steps.fbak"), path_of("steps-restored.fort"), NULL, pass, v), 0);
	assert_int_equal(info.erased_replayed, 1);
	r = open_vault(path_of("steps-restored.fort"), PASS);
	before = entries(r) - 3;   /* the replay's two, the unlock */
	assert_string_equal(log_since(r, before), "erase ok crypto-shredded: replayed from the erasure ledger after a restore|"
			    "backup-restore ok backup created=N clients=N; erasures replayed=N|unlock ok |");
	assert_int_equal(client_count(r), 1);
	verifies(r);
	fort_vault_close(r);
	fort_secret_free(pass);
	verifies(v);
	fort_vault_close(v);
}

/* a way of opening a backup that yields the vault key only */
static int vk_only(void *ctx, const backup_header *h, unsigned char vk[KEY_LEN], keyring **owner_kr)
{
	int r = backup_unlock_passphrase(ctx, h, vk, owner_kr);
	keyring_free(*owner_kr);
	*owner_kr = NULL;
	return r;
}

/* Without the owner's keys a restore could only write an unsigned entry,
 * which `audit verify` calls forged: nothing is restored, with the reason,
 * and nothing written in the current vault. */
static void test_restore_needs_keys(void **state)
{
	(void)state;
	fort_vault *v = create_vault("bk-vk.fort");
	fort_secret *pass = secret(PASS);
	backup_pass_ctx c = { NULL, pass };
	fort_backup_info info;
	uint64_t before;

	assert_int_equal(fort_backup_create(&info, v, path_of("vk.fbak")), 0);
	before = entries(v);
	assert_int_equal(backup_restore_with(&info, path_of("vk.fbak"), path_of("vk-restored.fort"), vk_only, &c, v), FORT_ERROR);
	assert_non_null(strstr(fort_error_message(), "without the owner's keys"));
	assert_int_equal(access(path_of("vk-restored.fort"), F_OK), -1);
	assert_int_equal(entries(v), before);
	fort_secret_free(pass);
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_entries_counted),
		cmocka_unit_test(test_refusal_inside_step),
		cmocka_unit_test(test_refusal_committed_inside_step),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_users_and_rotation),
		cmocka_unit_test(test_backup_steps),
		cmocka_unit_test(test_restore_needs_keys),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
