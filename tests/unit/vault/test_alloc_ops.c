/* test_alloc_ops.c - allocation N fails, for every N an operation makes,
 * for the public operations the allocation-failure loops of the other
 * tests do not cover (client add/get/find: test_vault; import: test_import;
 * the mail reader: test_readers_mime).  Each time: 0, or a negative
 * FORT_E* code with a message, never a crash or a leak (ASan runs this
 * too); a write is all or nothing (checked by a probe of its effect); the
 * audit log verifies after every failure.  The loop ends when the
 * operation succeeds 8 times in a row (it no longer reaches the failing
 * allocation). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>
#include "fortress.h"
#include "util.h"

#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_DIR "/tmp/fort-test-alloc-ops-XXXXXX"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

static fort_vault *v;
static char ids[3][FORT_ID_LEN + 1];
static unsigned long round_no;
static fort_secret *pass;

typedef struct {
	const char *name;
	int (*op)(void);
	/* after the op returned RC: 1 if its effect is there, 0 if not, -1
	 * when the op changes nothing (reads) */
	int (*probe)(int rc);
	int hooked;   /* allocates through fort_malloc (others only through SQLite, jansson) */
} op_case;

/* ---- reads ---- */

static int op_list(void)
{
	fort_client_summary *s = NULL;
	size_t n = 0;
	int r = fort_client_list(&s, &n, v);
	if (r == 0 && n < 2)
		fail_msg("list: %zu clients", n);
	free(s);
	return r;
}

static int op_export(void)
{
	fort_export_opts o = FORT_EXPORT_OPTS_INIT;
	char *buf = NULL;
	size_t len = 0;
	uint64_t n = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;
	o.purpose = "billing";
	o.format = round_no % 2 ? "csv" : "json";
	o.destination = "test";
	r = fort_client_export(&n, v, f, &o);
	fclose(f);
	if (r == 0 && !strstr(buf, "client0@example.com"))
		fail_msg("export succeeded without the data");
	free(buf);
	return r;
}

static int audit_cb(void *ctx, const fort_audit_entry *e)
{
	(void)e;
	(*(size_t *)ctx)++;
	return 0;
}

static int op_audit_log(void)
{
	size_t n = 0;
	return fort_audit_log(v, NULL, audit_cb, &n);
}

static int op_audit_verify(void)
{
	fort_audit_report rep;
	int r = fort_audit_verify(&rep, v, NULL);
	if (r == 0 && !rep.ok)
		fail_msg("audit verify: not ok without an error: %s", rep.problem);
	return r;
}

static int op_status(void)
{
	fort_status st;
	return fort_vault_status(&st, v);
}

static int op_consent_status(void)
{
	int ok = 0;
	uint64_t n = 0;
	char problem[256];
	int r = fort_consent_verify(&ok, &n, problem, sizeof problem, v);
	if (r == 0 && !ok)
		fail_msg("consent verify: not ok without an error: %s", problem);
	return r;
}

static int probe_none(int rc) { (void)rc; return -1; }

/* ---- writes ---- */

static char edit_phone[32];

static int op_edit(void)
{
	snprintf(edit_phone, sizeof edit_phone, "+49 30 7%06lu", round_no);
	fort_kv kv[] = { { "phone", edit_phone } };
	return fort_client_edit(v, ids[0], kv, 1);
}

static int probe_edit(int rc)
{
	const char *reveal[] = { "phone" };
	fort_read_opts o = FORT_READ_OPTS_INIT;
	fort_record *rec = NULL;
	char want[32];
	int there;
	(void)rc;
	o.reveal = reveal;
	o.nreveal = 1;
	o.purpose = "correspondence";
	assert_int_equal(fort_client_get(&rec, v, ids[0], &o), 0);
	snprintf(want, sizeof want, "+49307%06lu", round_no);
	there = strcmp(fort_record_value(rec, "phone"), want) == 0;
	fort_record_free(rec);
	return there;
}

static int op_consent(void)
{
	fort_consent_opts o = FORT_CONSENT_OPTS_INIT;
	static int granted;
	int r;
	o.channel = "web";
	o.notice_path = path_of("notice.txt");
	r = fort_consent_record(v, ids[1], "marketing", granted ? "withdraw" : "grant", &o);
	if (r == 0)
		granted = !granted;
	return r;
}

static int op_backup(void)
{
	fort_backup_info b;
	int r = fort_backup_create(&b, v, path_of("alloc.fbak"));
	if (r < 0)
		return r;
	return fort_backup_verify(&b, path_of("alloc.fbak"), NULL, pass, v);
}

/* the backup to a descriptor (backup create -): recorded first, then copied */
static int op_backup_fd(void)
{
	fort_backup_info b;
	int fd = open(path_of("alloc-fd.fbak"), O_WRONLY | O_CREAT | O_TRUNC, 0600), r;
	assert_true(fd >= 0);
	r = fort_backup_create_fd(&b, v, fd);
	close(fd);
	if (r < 0)
		return r;
	return fort_backup_verify(&b, path_of("alloc-fd.fbak"), NULL, pass, v);
}

static int op_recovery(void)
{
	char **shares = NULL;
	int r = fort_recovery_split(&shares, v, 3, 2);
	if (r == 0)
		fort_recovery_shares_free(shares, 3);
	return r;
}

static int op_erase(void)
{
	return fort_client_erase(v, ids[2], "alloc test");
}

static int probe_erase(int rc)
{
	int r = fort_client_is_erased(v, ids[2]);
	(void)rc;
	assert_true(r >= 0);
	return r;
}

static void alloc_loop(const op_case *c)
{
	unsigned long n;
	int ok_in_a_row = 0, failed = 0, done = 0;
	for (n = 1; n < 20000 && ok_in_a_row < 8; n++) {
		int r, p;
		round_no = n;
		fort_error_clear();
		fort_alloc_fail_at(n);
		r = c->op();
		fort_alloc_fail_at(0);
		if (r > 0)
			fail_msg("%s, allocation %lu: returned %d", c->name, n, r);
		if (r < 0 && (!fort_error_name(r) || !*fort_error_message()))
			fail_msg("%s, allocation %lu: code %d without a name or a message", c->name, n, r);
		p = c->probe(r);
		if (r == 0 && p == 0)
			fail_msg("%s, allocation %lu: success, but the change is not there", c->name, n);
		if (r < 0 && p == 1)
			fail_msg("%s, allocation %lu: failed (%s), but the change was made", c->name, n, fort_error_message());
		if (r < 0) {
			failed++;
			expect_verified(v);
		}
		done += r == 0;
		if (n == 200 && !done)
			fail_msg("%s: never succeeds (last: %s)", c->name, fort_error_message());
		ok_in_a_row = r == 0 ? ok_in_a_row + 1 : 0;
		if (c->probe == probe_erase && p == 1)
			break;   /* erased for good: nothing more to try */
	}
	print_message("%s: %lu allocation points, %d failures handled\n", c->name, n - 1, failed);
	if (!failed && c->hooked)
		fail_msg("%s: no allocation failed (the hook does not reach it)", c->name);
	assert_true(done > 0);
	expect_verified(v);
}

static void test_alloc_ops(void **state)
{
	static const op_case cases[] = {
		{ "client list", op_list, probe_none, 1 },
		{ "client export", op_export, probe_none, 1 },
		{ "audit log", op_audit_log, probe_none, 0 },
		{ "audit verify", op_audit_verify, probe_none, 1 },
		{ "status", op_status, probe_none, 1 },
		{ "consent verify", op_consent_status, probe_none, 0 },
		{ "client edit", op_edit, probe_edit, 1 },
		{ "consent grant/withdraw", op_consent, probe_none, 1 },
		{ "backup create + verify", op_backup, probe_none, 1 },
		{ "backup create to a descriptor + verify", op_backup_fd, probe_none, 1 },
		{ "recovery split", op_recovery, probe_none, 1 },
		{ "client erase", op_erase, probe_erase, 1 },
	};
	(void)state;
	v = create_vault("alloc.fort");
	spit(path_of("notice.txt"), "We send news about our bakery.\n", 31);
	pass = secret(PASS);
	for (int i = 0; i < 3; i++) {
		char name[64], email[64], phone[32];
		snprintf(name, sizeof name, "Client Number%d", i);
		snprintf(email, sizeof email, "client%d@example.com", i);
		snprintf(phone, sizeof phone, "+49 30 123456%d", i);
		fort_kv kv[] = { { "full_name", name }, { "email", email }, { "phone", phone },
				 { "iban", "DE89 3704 0044 0532 0130 00" } };
		if (fort_client_add(ids[i], v, kv, 4) != 0)
			fail_msg("add: %s", fort_error_message());
	}
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		alloc_loop(&cases[i]);
	fort_vault_close(v);
	fort_secret_free(pass);
	/* and the file, reopened, is whole */
	v = open_vault(vault_at("alloc.fort"), PASS);
	expect_verified(v);
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_ops),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
