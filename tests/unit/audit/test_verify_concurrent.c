/* test_verify_concurrent.c - `audit verify` while another process writes
 * (issue 19): the verifier reads the log, its signed head, the users and
 * the seals in one snapshot (store_read_begin), so a commit that lands
 * between two of its reads is never mistaken for rows sealed outside
 * Fortress or a log cut short.  On both backends (ctest's _pg run). */
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
	time_t end;
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
	/* verify over and over while the writer commits, for 4 seconds; the
	 * writer is stopped before any assertion, whatever happened */
	end = time(NULL) + 4;
	while (time(NULL) < end) {
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_while_writing),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
