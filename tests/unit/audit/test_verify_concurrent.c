/* test_verify_concurrent.c - `audit verify` while another process writes
 * (issue 19): the verifier reads the log, its signed head, the users and
 * the seals in one snapshot (store_read_begin), so a commit that lands
 * between two of its reads is never mistaken for rows sealed outside
 * Fortress or a log cut short.  And the everyday reads outside any
 * transaction (a client, the outbox) while another process changes those
 * very rows: a read that meets a commit between a row and its seal runs
 * again in a snapshot (store_reread_begin), so it is never called
 * tampering.  On both backends (ctest's _pg run). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "fortress.h"

#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_DIR "/tmp/fort-test-verifyconc-XXXXXX"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

/* the writer: clients added one by one (each its own transaction and audit
 * entry, with its seals) until killed; exits 1 on the first failure */
static void writer(const char *path)
{
	fort_vault *v = NULL;
	fort_secret *s = secret(PASS);
	char id[FORT_ID_LEN + 1], mail[64];
	if (fort_vault_open(&v, path, NULL, s) != 0)
		_exit(1);
	fort_secret_free(s);
	for (int i = 0;; i++) {
		fort_kv kv[] = { { "full_name", "Writer Client" }, { "email", mail } };
		snprintf(mail, sizeof mail, "w%d@example.org", i);
		int r = fort_client_add(id, v, kv, 2);
		if (r == FORT_EBUSY)
			continue;
		if (r != 0)
			_exit(1);
	}
}

static void test_verify_while_writing(void **state)
{
	fort_vault *v = create_vault("conc.fort");
	fort_audit_report rep;
	pid_t pid;
	int status = 0, rounds = 0;
	uint64_t before, after;
	time_t end, cap;
	(void)state;
	before = client_count(v);
	fort_vault_close(v);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		writer(vault_at("conc.fort"));
	/* the writer holds the write lock most of the time: an open (which may
	 * write) waits its turn */
	{
		fort_secret *p = secret(PASS);
		int r;
		end = time(NULL) + 30;
		while ((r = fort_vault_open(&v, vault_at("conc.fort"), NULL, p)) == FORT_EBUSY && time(NULL) < end)
			usleep(10000);
		fort_secret_free(p);
		if (r != 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("open: %d %s", r, fort_error_message());
		}
	}
	/* verify over and over while the writer commits, for 4 seconds and
	 * until the writer has committed and several verifies ran (a loaded
	 * machine may start the writer late: at most 120 s); the writer is
	 * stopped before any assertion, whatever happened */
	end = time(NULL) + 4;
	cap = end + 116;
	while (time(NULL) < end || (time(NULL) < cap && (rounds < 3 || client_count(v) - before < 5))) {
		int r = fort_audit_verify(&rep, v, NULL);
		if (r != 0 || !rep.ok) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("verify %d while another process wrote: %d %s", rounds, r, r ? fort_error_message() : rep.problem);
		}
		rounds++;
	}
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* killed by us, not failed on its own */
	assert_true(WIFSIGNALED(status));
	after = client_count(v);
	print_message("%d verifies while %llu clients were added\n", rounds, (unsigned long long)(after - before));
	/* it really wrote meanwhile, and the verifies overlapped its commits */
	assert_true(after - before >= 5);
	assert_true(rounds >= 3);
	expect_verified(v);
	fort_vault_close(v);
}

/* the second writer: one client changed and one letter queued, over and
 * over, until killed; exits 1 on the first failure */
static void changer(const char *path, const char *id)
{
	fort_vault *v = NULL;
	fort_secret *s = secret(PASS);
	char note[64];
	if (fort_vault_open(&v, path, NULL, s) != 0)
		_exit(1);
	fort_secret_free(s);
	for (int i = 0;; i++) {
		fort_kv kv[] = { { "email", note } };
		const char *to[] = { "reader@example.org" };
		fort_mail_msg m = FORT_MAIL_MSG_INIT;
		int r;
		snprintf(note, sizeof note, "changed%d@example.org", i);
		m.to = to;
		m.nto = 1;
		m.subject = "A letter";
		m.text = note;
		m.ref = "race:";
		m.purpose = "test";
		r = fort_client_edit(v, id, kv, 1);
		if (r == 0)
			r = fort_mail_queue(NULL, v, &m);
		if (r != 0 && r != FORT_EBUSY)
			_exit(1);
	}
}

static void test_reads_while_rows_change(void **state)
{
	fort_vault *v = create_vault("reads.fort");
	char id[FORT_ID_LEN + 1];
	fort_kv kv[] = { { "full_name", "Read Often" }, { "email", "first@example.org" } };
	const char *to[] = { "reader@example.org" };
	fort_mail_msg m = FORT_MAIL_MSG_INIT;
	pid_t pid;
	int status = 0, reads = 0, busy = 0, r = 0;
	size_t before = 0, after = 0;
	time_t end, cap;
	(void)state;
	assert_int_equal(fort_client_add(id, v, kv, 2), 0);
	m.to = to;
	m.nto = 1;
	m.subject = "First";
	m.text = "first";
	m.ref = "race:";
	m.purpose = "test";
	assert_int_equal(fort_mail_queue(NULL, v, &m), 0);
	{
		fort_mail_info *mi = NULL;
		assert_int_equal(fort_mail_list(&mi, &before, v, "race:"), 0);
		free(mi);
		after = before;
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		changer(vault_at("reads.fort"), id);
	/* read the changing client and the growing outbox for 4 seconds and
	 * until several reads overlapped the changes (at most 120 s: a loaded
	 * machine); the changer is stopped before any assertion, whatever
	 * happened */
	end = time(NULL) + 4;
	cap = end + 116;
	while (r == 0 && (time(NULL) < end || (time(NULL) < cap && (reads < 3 || after < before + 5)))) {
		fort_record *rec = NULL;
		fort_mail_info *mi = NULL;
		size_t n = 0;
		/* a read writes its audit entry: while the changer holds the
		 * write lock past the busy timeout (a loaded machine) it is
		 * FORT_EBUSY, "try again", which is not what is tested here */
		if ((r = fort_client_get(&rec, v, id, NULL)) == 0)
			fort_record_free(rec);
		else if (r == FORT_EBUSY)
			r = 0, busy++;
		else
			break;
		if ((r = fort_mail_list(&mi, &n, v, "race:")) == 0) {
			free(mi);
			after = n;
		} else if (r == FORT_EBUSY) {
			r = 0, busy++;
		} else {
			break;
		}
		/* a handle's first read of the outbox checks it whole (every
		 * row against its seal), where a commit has most room to land */
		if (reads % 4 == 0) {
			fort_vault *w = NULL;
			fort_secret *p = secret(PASS);
			r = fort_vault_open(&w, vault_at("reads.fort"), NULL, p);
			fort_secret_free(p);
			if (r == FORT_EBUSY) {
				r = 0;
			} else if (r == 0) {
				if ((r = fort_mail_list(&mi, &n, w, "race:")) == 0)
					free(mi);
				else if (r == FORT_EBUSY)
					r = 0, busy++;
				fort_vault_close(w);
			}
		}
		reads++;
	}
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	if (r != 0)
		fail_msg("read %d while another process changed the rows: %d %s", reads, r, fort_error_message());
	print_message("%d reads while %zu letters were queued and the client changed (%d busy)\n", reads, after - before, busy);
	/* the reads overlapped the changes */
	assert_true(after - before >= 5);
	assert_true(reads >= 3);
	expect_verified(v);
	fort_vault_close(v);
}

/* the third writer: the roles and the data map changed, over and over,
 * until killed (each change rewrites a meta row and its MAC in one
 * transaction); exits 1 on the first failure */
static void policy_changer(const char *path)
{
	fort_vault *v = NULL;
	fort_secret *s = secret(PASS);
	char label[64];
	const char *items[] = { "read" };
	if (fort_vault_open(&v, path, NULL, s) != 0)
		_exit(1);
	fort_secret_free(s);
	for (int i = 0;; i++) {
		fort_field_spec f = FORT_FIELD_SPEC_INIT;
		int r;
		snprintf(label, sizeof label, "Full name %d", i);
		f.name = "full_name";
		f.label = label;
		r = fort_role_add(v, "reader", items, 1);
		if (r == 0)
			r = fort_map_field_edit(v, &f);
		if (r == 0)
			r = fort_role_remove(v, "reader");
		if (r != 0 && r != FORT_EBUSY)
			_exit(1);
	}
}

/* A server's session handle re-reads the user, the keys, the data map and
 * the roles when another process committed (fort_vault_refresh), and an
 * open reads them first: each of those is rows and a MAC (the map and
 * map_mac; the roles, the users and policy_mac), and a commit that lands
 * between two of the reads is no change made outside Fortress.  A refresh
 * that failed so ended the session (a role, a user or the map changed
 * through one server or the CLI while another server's sessions read). */
static void test_refresh_while_roles_change(void **state)
{
	fort_vault *v = create_vault("roles.fort");
	fort_secret *key = NULL;
	pid_t pid;
	int status = 0, rounds = 0, opens = 0, r = 0;
	const char *what = "refresh";
	size_t before = 0, after = 0;
	time_t end, cap;
	(void)state;
	{
		fort_role_info *ri = NULL;
		assert_int_equal(fort_role_list(&ri, &before, v), 0);
		free(ri);
	}
	assert_int_equal(fort_vault_user_key(&key, v), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		policy_changer(vault_at("roles.fort"));
	/* refresh for 4 seconds and until a refresh saw the changer's role
	 * (at most 120 s: a loaded machine); the changer is stopped before
	 * any assertion, whatever happened */
	end = time(NULL) + 4;
	cap = end + 116;
	while (r == 0 && (time(NULL) < end || (time(NULL) < cap && (rounds < 3 || after < 1)))) {
		fort_role_info *ri = NULL;
		size_t n = 0;
		what = "refresh";
		if ((r = fort_vault_refresh(v)) < 0)
			break;
		if ((r = fort_role_list(&ri, &n, v)) == 0) {
			free(ri);
			if (n != before)
				after++;
		} else {
			break;
		}
		/* an open reads the same rows and MACs (a new session's
		 * handle, opened with the signed-in user's keys) */
		if (rounds % 4 == 0) {
			fort_vault *w = NULL;
			what = "open";
			r = fort_vault_open_key(&w, vault_at("roles.fort"), "alice", key);
			if (r == FORT_EBUSY)
				r = 0;
			else if (r == 0)
				fort_vault_close(w);
			else
				break;
			opens++;
		}
		rounds++;
	}
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	if (r != 0)
		fail_msg("%s (refresh %d, open %d) while another process changed the roles and the map: %d %s", what, rounds, opens,
			 r, fort_error_message());
	print_message("%d refreshes, %zu of them saw the other process's role; %d opens\n", rounds, after, opens);
	fort_secret_free(key);
	/* the refreshes overlapped the changes */
	assert_true(rounds >= 3);
	assert_true(after >= 1);
	expect_verified(v);
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_while_writing),
		cmocka_unit_test(test_reads_while_rows_change),
		cmocka_unit_test(test_refresh_while_roles_change),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
