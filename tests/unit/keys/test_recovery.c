/* test_recovery.c - recovery shares: any K of N restore the owner's
 * passphrase, K-1 are refused before anything is combined, a mistyped share
 * is named, shares of another vault or of an older split are refused, a
 * refused restore changes nothing, and the audit chain records it all. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "fortress.h"
#include "vault/vault_int.h"  /* recovery_restore_test_hook */

#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define N 5
#define K 3
#define NCLIENTS 4

#define FIXTURE_DIR "/tmp/fort-test-recovery-XXXXXX"
#include "fixture.h"
static char vault_a[512], vault_b[512];
static char *shares[N];          /* the current split of vault A */
static char cur_pass[256];       /* vault A's passphrase right now */
static char ids[NCLIENTS][FORT_ID_LEN + 1];

/* ------------------------------------------------------------------ helpers */


/* A fresh strong passphrase (6 random words) copied into OUT. */
static fort_secret *new_pass(char out[256])
{
	fort_secret *p = NULL;
	assert_int_equal(fort_passphrase_generate(&p, 6), 0);
	assert_true(fort_secret_len(p) < 256);
	memcpy(out, fort_secret_data(p), fort_secret_len(p));
	out[fort_secret_len(p)] = '\0';
	return p;
}

static fort_vault *create_vault(const char *path)
{
	fort_create_opts o = FORT_CREATE_OPTS_INIT;
	fort_secret *pass = secret(PASS);
	fort_vault *v = NULL;
	o.business = "Orbit Bakery";
	o.owner = "alice";
	o.kdf = FORT_KDF_INTERACTIVE;
	int r = fort_vault_create(&v, path, &o, pass);
	if (r != 0)
		fail_msg("create %s: %d %s", path, r, fort_error_message());
	fort_secret_free(pass);
	return v;
}


static int open_rc(const char *path, const char *pass)
{
	fort_secret *s = secret(pass);
	fort_vault *v = NULL;
	int r = fort_vault_open(&v, path, NULL, s);
	fort_secret_free(s);
	fort_vault_close(v);
	return r;
}

/* Split V (unlocked as the owner) into OUT[n]. */
static void split(char **out, fort_vault *v, size_t n, size_t k)
{
	char **s = NULL;
	int r = fort_recovery_split(&s, v, n, k);
	if (r != 0)
		fail_msg("split %zu of %zu: %d %s", k, n, r, fort_error_message());
	assert_non_null(s);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(s[i]);
		out[i] = strdup(s[i]);
	}
	fort_recovery_shares_free(s, n);
}

/* Restore vault A with the shares SEL (indexes into shares[] or OTHER) and
 * a new passphrase.  Returns the code; on success cur_pass is the new one. */
static int restore_with(const char *const *sel, size_t nsel)
{
	char pass[256];
	fort_secret *p = new_pass(pass);
	fort_vault *v = open_vault(vault_a, NULL);
	int r = fort_recovery_restore(v, sel, nsel, p);
	if (r == 0) {
		fort_status st;
		assert_int_equal(fort_vault_status(&st, v), 0);
		assert_int_equal(st.unlocked, 1);
		assert_string_equal(st.user, "alice");
		memcpy(cur_pass, pass, sizeof pass);
	}
	fort_vault_close(v);
	fort_secret_free(p);
	return r;
}

static uint64_t audit_entries(const char *path)
{
	fort_vault *v = open_vault(path, NULL);
	fort_status st;
	assert_int_equal(fort_vault_status(&st, v), 0);
	fort_vault_close(v);
	return st.audit_entries;
}

/* Every client of vault A decrypts with PASS. */
static void expect_clients_decrypt(const char *pass)
{
	fort_vault *v = open_vault(vault_a, pass);
	for (size_t i = 0; i < NCLIENTS; i++) {
		fort_record *rec = NULL;
		int r = fort_client_get(&rec, v, ids[i], NULL);
		if (r != 0)
			fail_msg("client %s: %d %s", ids[i], r, fort_error_message());
		assert_string_equal(fort_record_value(rec, "email"), "j***@example.com");
		fort_record_free(rec);
	}
	fort_vault_close(v);
}

struct actions {
	unsigned split, restore, refused, stale;
};

static int count_actions(void *ctx, const fort_audit_entry *e)
{
	struct actions *a = ctx;
	if (!strcmp(e->action, "recovery-split")) {
		a->split++;
		assert_true(e->signed_);
		assert_null(strstr(e->detail, "FORT-SHARE"));
	} else if (!strcmp(e->action, "recovery-restore") && !strcmp(e->result, "denied")) {
		/* shares that opened the owner's keys, of the split just replaced */
		a->stale++;
		assert_true(e->signed_);
		assert_string_equal(e->actor, "alice");
		assert_non_null(strstr(e->detail, "new recovery shares were made while restoring"));
		assert_null(strstr(e->detail, "FORT-SHARE"));
	} else if (!strcmp(e->action, "recovery-restore")) {
		a->restore++;
		assert_true(e->signed_);
	} else if (!strcmp(e->action, "unlock-failed") && strstr(e->detail, "recovery")) {
		a->refused++;
		assert_false(e->signed_);
	}
	return 0;
}

static struct actions expect_chain_ok(void)
{
	fort_vault *v = open_vault(vault_a, cur_pass);
	fort_audit_report rep;
	struct actions a = { 0, 0, 0, 0 };
	assert_int_equal(fort_audit_verify(&rep, v, NULL), 0);
	if (!rep.ok)
		fail_msg("audit chain: %s", rep.problem);
	assert_int_equal(fort_audit_log(v, NULL, count_actions, &a), 0);
	fort_vault_close(v);
	return a;
}

static void expect_refused(const char *const *sel, size_t nsel, int code, const char *msg)
{
	uint64_t before = audit_entries(vault_a);
	int r = restore_with(sel, nsel);
	if (r != code)
		fail_msg("restore: got %d (%s), expected %d", r, fort_error_message(), code);
	if (!strstr(fort_error_message(), msg))
		fail_msg("message '%s' does not contain '%s'", fort_error_message(), msg);
	/* nothing changed: the passphrase still opens the vault, one refusal recorded */
	assert_int_equal(open_rc(vault_a, cur_pass), 0);
	assert_int_equal(audit_entries(vault_a), before + 2); /* the refusal + the unlock just made */
}


static int group_setup(void **state)
{
	fort_vault *v;
	(void)state;
	if (fort_library_init() < 0 || !mkdtemp(dir))
		return -1;
	snprintf(vault_a, sizeof vault_a, "%s/a.fort", dir);
	snprintf(vault_b, sizeof vault_b, "%s/b.fort", dir);
	snprintf(cur_pass, sizeof cur_pass, "%s", PASS);
	v = create_vault(vault_a);
	for (size_t i = 0; i < NCLIENTS; i++) {
		char email[64];
		snprintf(email, sizeof email, "jana%zu@example.com", i);
		const fort_kv kv[] = { { "full_name", "Jana Schmidt" }, { "email", email } };
		if (fort_client_add(ids[i], v, kv, 2) != 0)
			fail_msg("add: %s", fort_error_message());
	}
	split(shares, v, N, K);
	fort_vault_close(v);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < N; i++)
		free(shares[i]);
	return nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* ------------------------------------------------------------------- tests */

static void test_share_format(void **state)
{
	(void)state;
	fort_vault *v = open_vault(vault_a, NULL);
	fort_status st;
	int configured, k, n;
	int64_t created;
	assert_int_equal(fort_vault_status(&st, v), 0);
	for (size_t i = 0; i < N; i++) {
		char head[64];
		snprintf(head, sizeof head, "FORT-SHARE-1:%.12s:3-of-5:%zu:", st.vault_id, i + 1);
		assert_int_equal(strncmp(shares[i], head, strlen(head)), 0);
		assert_int_equal(strlen(shares[i]), strlen(head) + 64 + 1 + 8);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(shares[i], shares[j]);
	}
	assert_int_equal(fort_recovery_status(&configured, &k, &n, &created, v), 0);
	assert_int_equal(configured, 1);
	assert_int_equal(k, 3);
	assert_int_equal(n, 5);
	assert_true(created > 0);
	fort_vault_close(v);
}

static void test_split_refused(void **state)
{
	(void)state;
	char **s = (char **)1;
	fort_vault *v = open_vault(vault_a, NULL);
	assert_int_equal(fort_recovery_split(&s, v, 5, 3), FORT_ELOCKED);
	assert_null(s);
	fort_vault_close(v);
	v = open_vault(vault_a, cur_pass);
	assert_int_equal(fort_recovery_split(&s, v, 5, 1), FORT_EINPUT);
	assert_int_equal(fort_recovery_split(&s, v, 3, 4), FORT_EINPUT);
	assert_int_equal(fort_recovery_split(&s, v, 256, 3), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "255"));
	assert_null(s);
	fort_vault_close(v);
	/* an unlocked vault cannot be restored (that is what passwd is for) */
	{
		fort_secret *p = secret("harbor-quiet-tundra-mosaic-falcon-ribbon");
		const char *sel[] = { shares[0], shares[1], shares[2] };
		v = open_vault(vault_a, cur_pass);
		assert_int_equal(fort_recovery_restore(v, sel, 3, p), FORT_EINPUT);
		fort_vault_close(v);
		fort_secret_free(p);
	}
}

static void test_every_k_subset_restores(void **state)
{
	(void)state;
	char first_old[256];
	unsigned done = 0;
	memcpy(first_old, cur_pass, sizeof first_old);
	for (int a = 0; a < N; a++)
		for (int b = a + 1; b < N; b++)
			for (int c = b + 1; c < N; c++) {
				/* in a shuffled order too: the order does not matter */
				const char *sel[] = { shares[c], shares[a], shares[b] };
				char old[256];
				memcpy(old, cur_pass, sizeof old);
				int r = restore_with(sel, 3);
				if (r != 0)
					fail_msg("shares %d,%d,%d: %d %s", a + 1, b + 1, c + 1, r, fort_error_message());
				assert_string_not_equal(old, cur_pass);
				done++;
			}
	assert_int_equal(done, 10);
	/* the first passphrase and the one before the last restore fail, the new one opens */
	assert_int_equal(open_rc(vault_a, first_old), FORT_EAUTH);
	expect_clients_decrypt(cur_pass);
	/* more than K shares work too */
	{
		const char *sel[] = { shares[0], shares[1], shares[2], shares[3], shares[4] };
		assert_int_equal(restore_with(sel, 5), 0);
		expect_clients_decrypt(cur_pass);
	}
}

static void test_k_minus_1_refused(void **state)
{
	(void)state;
	unsigned done = 0;
	for (int a = 0; a < N; a++)
		for (int b = a + 1; b < N; b++) {
			const char *sel[] = { shares[a], shares[b] };
			expect_refused(sel, 2, FORT_EAUTH, "3 shares needed, 2 given");
			done++;
		}
	assert_int_equal(done, 10);
	{
		const char *sel[] = { shares[4] };
		expect_refused(sel, 1, FORT_EAUTH, "3 shares needed, 1 given");
	}
	/* a repeated share does not count twice */
	{
		const char *sel[] = { shares[1], shares[3], shares[1] };
		expect_refused(sel, 3, FORT_EINPUT, "share 3 repeats share 1");
	}
}

static void test_corrupted_share_named(void **state)
{
	(void)state;
	/* one hex digit of share number 4's point, given second */
	char *bad = strdup(shares[3]);
	char *p = strrchr(bad, ':') - 10;
	*p = *p == '0' ? '1' : '0';
	{
		const char *sel[] = { shares[0], bad, shares[2] };
		expect_refused(sel, 3, FORT_EINPUT, "share 2 (number 4): the checksum does not match");
	}
	/* a digit of the checksum itself */
	strcpy(bad, shares[2]);
	p = bad + strlen(bad) - 1;
	*p = *p == 'a' ? 'b' : 'a';
	{
		const char *sel[] = { shares[0], shares[1], bad };
		expect_refused(sel, 3, FORT_EINPUT, "share 3 (number 3): the checksum does not match");
	}
	/* cut short, not a share at all, empty */
	strcpy(bad, shares[1]);
	bad[40] = '\0';
	{
		const char *sel[] = { bad, shares[0], shares[2] };
		expect_refused(sel, 3, FORT_EINPUT, "share 1 is incomplete");
	}
	{
		const char *sel[] = { shares[0], "orbit-velvet-cactus", shares[2] };
		expect_refused(sel, 3, FORT_EINPUT, "share 2 is not a Fortress recovery share");
	}
	free(bad);
	/* whitespace around a share and upper-case hex are fine (people retype them) */
	{
		char *up = malloc(strlen(shares[4]) + 8);
		sprintf(up, "  %s\r\n", shares[4]);
		for (char *q = up + strlen("  FORT-SHARE-1:"); *q; q++)
			if (*q >= 'a' && *q <= 'f')
				*q = (char)(*q - 'a' + 'A');
		const char *sel[] = { up, shares[0], shares[2] };
		assert_int_equal(restore_with(sel, 3), 0);
		free(up);
	}
}

static void test_other_vault_refused(void **state)
{
	(void)state;
	char *other[N];
	fort_vault *v = create_vault(vault_b);
	split(other, v, N, K);
	fort_vault_close(v);
	{
		const char *sel[] = { shares[0], shares[1], other[2] };
		expect_refused(sel, 3, FORT_EAUTH, "share 3 is for another vault");
	}
	/* all of them from the other vault: still refused */
	{
		const char *sel[] = { other[0], other[1], other[2] };
		expect_refused(sel, 3, FORT_EAUTH, "share 1 is for another vault");
	}
	for (size_t i = 0; i < N; i++)
		free(other[i]);
	/* the other vault is untouched by all this */
	assert_int_equal(open_rc(vault_b, PASS), 0);
}

static void test_older_split_refused(void **state)
{
	(void)state;
	char *old[N], *small[3];
	fort_vault *v;
	for (size_t i = 0; i < N; i++)
		old[i] = strdup(shares[i]);
	v = open_vault(vault_a, cur_pass);
	/* a 2-of-3 split, then a new 3-of-5 one */
	split(small, v, 3, 2);
	for (size_t i = 0; i < N; i++)
		free(shares[i]);
	split(shares, v, N, K);
	fort_vault_close(v);
	/* same threshold and count: found when the key does not open */
	{
		const char *sel[] = { old[0], old[1], old[2] };
		expect_refused(sel, 3, FORT_EAUTH, "do not open the recovery key of this vault (from an older split?)");
	}
	/* mixed with current shares */
	{
		const char *sel[] = { shares[0], old[1], shares[2] };
		expect_refused(sel, 3, FORT_EAUTH, "do not open the recovery key");
	}
	/* another threshold: named before combining */
	{
		const char *sel[] = { small[0], small[1] };
		expect_refused(sel, 2, FORT_EAUTH, "older 2-of-3 split");
	}
	{
		const char *sel[] = { shares[0], small[1], shares[2] };
		expect_refused(sel, 3, FORT_EAUTH, "share 2 is from a 2-of-3 split");
	}
	/* the current shares work */
	{
		const char *sel[] = { shares[4], shares[3], shares[0] };
		assert_int_equal(restore_with(sel, 3), 0);
		expect_clients_decrypt(cur_pass);
	}
	for (size_t i = 0; i < N; i++)
		free(old[i]);
	for (size_t i = 0; i < 3; i++)
		free(small[i]);
}

/* Another process makes new shares while a restore runs: after the old
 * shares opened the owner's keys, before the restore's transaction (the
 * test hook stands in for that process, deterministically).  The new split
 * wins: the restore is refused, nothing changes, and the refusal is in the
 * audit log ("denied", signed with the recovered owner key) as every other
 * refused sensitive operation is. */
static void split_meanwhile(void *ctx)
{
	unsigned *ran = ctx;
	fort_vault *v = open_vault(vault_a, cur_pass);
	for (size_t i = 0; i < N; i++)
		free(shares[i]);
	split(shares, v, N, K);
	fort_vault_close(v);
	(*ran)++;
}

static void test_split_meanwhile_refused_audited(void **state)
{
	(void)state;
	char *old[K];
	unsigned ran = 0;
	uint64_t before;
	struct actions a;
	int r;
	for (size_t i = 0; i < K; i++)
		old[i] = strdup(shares[i]);
	a = expect_chain_ok();
	before = audit_entries(vault_a);
	recovery_restore_test_hook(split_meanwhile, &ran);
	r = restore_with((const char *const *)old, K);
	recovery_restore_test_hook(NULL, NULL);
	assert_int_equal(ran, 1);
	if (r != FORT_EAUTH)
		fail_msg("restore: got %d (%s), expected the refusal", r, fort_error_message());
	assert_non_null(strstr(fort_error_message(), "new recovery shares were made while restoring"));
	/* the passphrase still opens the vault; the entries: the other
	 * process's unlock and split, and the refusal */
	assert_int_equal(audit_entries(vault_a), before + 3);
	assert_int_equal(open_rc(vault_a, cur_pass), 0);
	{
		struct actions b = expect_chain_ok();
		assert_int_equal(b.stale, a.stale + 1);
		assert_int_equal(b.restore, a.restore);
		assert_int_equal(b.split, a.split + 1);
	}
	/* the shares of the split made meanwhile work */
	{
		const char *sel[] = { shares[1], shares[3], shares[4] };
		assert_int_equal(restore_with(sel, 3), 0);
		expect_clients_decrypt(cur_pass);
	}
	for (size_t i = 0; i < K; i++)
		free(old[i]);
}

static void test_weak_passphrase_changes_nothing(void **state)
{
	(void)state;
	const char *sel[] = { shares[0], shares[1], shares[2] };
	fort_secret *weak = secret("alice");
	fort_secret *bakery = secret("Orbit Bakery Orbit Bakery");
	uint64_t before = audit_entries(vault_a);
	fort_vault *v = open_vault(vault_a, NULL);
	assert_int_equal(fort_recovery_restore(v, sel, 3, weak), FORT_EWEAK);
	assert_int_equal(fort_recovery_restore(v, sel, 3, bakery), FORT_EWEAK);
	fort_vault_close(v);
	fort_secret_free(weak);
	fort_secret_free(bakery);
	assert_int_equal(audit_entries(vault_a), before);
	assert_int_equal(open_rc(vault_a, cur_pass), 0);
	assert_int_equal(open_rc(vault_a, "alice"), FORT_EAUTH);
}

static void test_audit(void **state)
{
	(void)state;
	struct actions a = expect_chain_ok();
	assert_int_equal(a.split, 4);    /* group_setup, then 2-of-3 and 3-of-5, then one during a restore */
	assert_int_equal(a.restore, 14); /* 10 subsets, 5 shares, upper case, after the new split, after the one
					  * made during a restore */
	assert_int_equal(a.refused, 22); /* 12 too few or repeated, 4 damaged, 2 other vault, 4 older split */
	assert_int_equal(a.stale, 1);    /* the restore during which the split was made */
}

static void test_no_split(void **state)
{
	(void)state;
	int configured = 1, k = 1, n = 1;
	int64_t created = 1;
	fort_vault *v;
	/* a fresh vault with no split: status says so, restore says what to do */
	{
		char p[512];
		char *s[N];
		snprintf(p, sizeof p, "%s/c.fort", dir);
		v = create_vault(p);
		fort_vault_close(v);
		v = open_vault(p, NULL);
		assert_int_equal(fort_recovery_status(&configured, &k, &n, &created, v), 0);
		assert_int_equal(configured, 0);
		s[0] = shares[0];
		s[1] = shares[1];
		s[2] = shares[2];
		{
			fort_secret *np = secret("harbor-quiet-tundra-mosaic-falcon-ribbon");
			assert_int_equal(fort_recovery_restore(v, (const char *const *)s, 3, np), FORT_ENOTFOUND);
			assert_non_null(strstr(fort_error_message(), "fortress recovery split"));
			fort_secret_free(np);
		}
		fort_vault_close(v);
		assert_int_equal(open_rc(p, PASS), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_share_format),
		cmocka_unit_test(test_split_refused),
		cmocka_unit_test(test_every_k_subset_restores),
		cmocka_unit_test(test_k_minus_1_refused),
		cmocka_unit_test(test_corrupted_share_named),
		cmocka_unit_test(test_other_vault_refused),
		cmocka_unit_test(test_older_split_refused),
		cmocka_unit_test(test_split_meanwhile_refused_audited),
		cmocka_unit_test(test_weak_passphrase_changes_nothing),
		cmocka_unit_test(test_audit),
		cmocka_unit_test(test_no_split),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
