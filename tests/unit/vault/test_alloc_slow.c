/* test_alloc_slow.c - allocation-failure loops over the public operations
 * test_alloc_public.c leaves out because each try is costly (issue 13):
 * the ten that derive a key with Argon2id, the five key rotations, the
 * breach letters and notifications, and fort_mail_send against a real SMTP
 * server on loopback (tests/e2e/smtp_sink.py).  Each failure must return
 * FORT_ENOMEM with a message, leave every table of the vault as it was (a
 * rotation: as it was, or an interrupted rotation that finishing
 * completes), leave nothing behind (a created or restored vault, a letter
 * folder's file) and the audit log verifying.  Kept fast by the owner's
 * Argon2id limits at the floor the library accepts (owner_kdf_floor) and
 * a vault of its own, small, so a verify after each failure stays cheap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>
#include "fortress.h"
#include "util.h"
#include "vault/vault_int.h"

#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_DIR "/dev/shm/fort-test-alloc-slow-XXXXXX"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"
#include "alloc_loop.h"


/* The owner's keyring sealed again at the lowest Argon2id cost Fortress
 * accepts in a vault file (keys_kdf_limits_ok: libsodium's
 * crypto_pwhash_OPSLIMIT_MIN, 1 pass, and MEMLIMIT_MIN, 8 KiB), written as
 * fort_vault_passwd writes a seal (one transaction ending with its audit
 * entry).  The library reads such a vault as any other: opening, unlocking,
 * changing the passphrase, recovery and backups (whose header carries the
 * owner's limits) derive at that cost, so a try is milliseconds, not the
 * 64 MiB of FORT_KDF_INTERACTIVE.  No production code knows of it. */
static void owner_kdf_floor(fort_vault *w)
{
	store_user u;
	fort_status st;
	fort_secret *p = secret(PASS);
	assert_int_equal(store_user_get_by_id(w->st, &u, w->user_id), 0);
	assert_int_equal(keys_user_seal(&u, w->kr, p, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), 0);
	assert_int_equal(store_begin(w->st), 0);
	assert_int_equal(store_user_update_seal(w->st, &u), 0);
	assert_int_equal(audit_append(w, "passwd", "", "", "", "ok", "passphrase changed"), 0);
	assert_int_equal(store_commit(w->st), 0);
	store_user_release(&u);
	fort_secret_free(p);
	assert_int_equal(fort_vault_status(&st, w), 0);
	assert_int_equal(st.kdf_opslimit, crypto_pwhash_OPSLIMIT_MIN);
	assert_int_equal(st.kdf_memlimit, crypto_pwhash_MEMLIMIT_MIN);
}

/* After a rotation failed past its first commit: finishing it must work,
 * and every record must read under the new keys. */
static int finish_rotation(void)
{
	fort_rotate_report rep;
	fort_record *rec = NULL;
	if (fort_keys_rotate(&rep, v, NULL, 0, NULL) != 0)
		return 0;
	for (int i = 0; i < 2; i++) {
		if (fort_client_get(&rec, v, cid[i], NULL) != 0)
			fail_msg("after finishing a rotation, client %s does not read: %s", cid[i], fort_error_message());
		fort_record_free(rec);
	}
	return 1;
}

static fort_secret *pass_s, *bob_pass;
static char **shares;

/* nothing of a failed create, restore or letter run may be left behind */
static void expect_absent(const char *name, int r)
{
	if (r < 0 && access(path_of(name), F_OK) == 0)
		fail_msg("failed (%s), but left %s", fort_error_message(), name);
}

static int op_vault_open(void)
{
	fort_vault *w = NULL;
	int r = fort_vault_open(&w, vault_at("alloc.fort"), NULL, pass_s);
	fort_alloc_fail_at(0);
	if (r == 0 && !fort_vault_can(w, "users", NULL))
		fail_msg("vault open: unlocked without the owner's rights");
	fort_vault_close(w);
	return r;
}

static int op_vault_key(void)
{
	fort_secret *k = NULL;
	fort_vault *w = NULL;
	int r = fort_vault_user_key(&k, v);
	if (r == 0)
		r = fort_vault_open_key(&w, vault_at("alloc.fort"), NULL, k);
	fort_alloc_fail_at(0);
	if (r == 0 && !fort_vault_can(w, "users", NULL))
		fail_msg("vault open key: unlocked without the owner's rights");
	fort_vault_close(w);
	fort_secret_free(k);
	return r;
}

static int op_vault_passwd(void) { return fort_vault_passwd(v, pass_s); }

static int op_vault_create(void)
{
	fort_create_opts o = FORT_CREATE_OPTS_INIT;
	fort_vault *w = NULL;
	char name[64];
	int r;
	snprintf(name, sizeof name, "new-%lu.fort", round_no);
	o.business = "Comet Cafe";
	o.owner = "carol";
	o.kdf = FORT_KDF_INTERACTIVE;   /* the lowest a new vault may have */
	r = fort_vault_create(&w, path_of(name), &o, pass_s);
	fort_alloc_fail_at(0);
	expect_absent(name, r);
	if (r == 0) {
		expect_verified(w);
		fort_vault_close(w);
	}
	return r;
}

static int op_user_request(void)
{
	char fp[20];
	return fort_user_request(fp, vault_at("alloc.fort"), "bob", bob_pass, FORT_KDF_INTERACTIVE);
}

static int op_user_add(void) { return fort_user_add(v, "bob", "staff", NULL); }

static int op_user_set_role(void)
{
	fort_rotate_report rep;
	return fort_user_set_role(&rep, v, "bob", "mini", NULL);
}

static void setup_role_revoke(void)
{
	const char *items[] = { "identity" };
	if (fort_role_grant(v, "mini", items, 1) != 0)
		fail_msg("role grant: %s", fort_error_message());
}

static int op_role_revoke(void)
{
	const char *items[] = { "identity" };
	fort_rotate_report rep;
	return fort_role_revoke(&rep, v, "mini", items, 1, NULL);
}

static int op_keys_rotate(void)
{
	const char *keys[] = { round_no % 2 ? "contact" : "vault" };
	fort_rotate_report rep;
	return fort_keys_rotate(&rep, v, keys, 1, NULL);
}


static int op_backup_restore(void)
{
	fort_backup_info bi;
	char name[64];
	int r;
	snprintf(name, sizeof name, "restored-%lu.fort", round_no);
	r = fort_backup_restore(&bi, path_of("alloc.fbk"), path_of(name), NULL, pass_s, v);
	expect_absent(name, r);
	return r;
}

static int op_backup_verify_shares(void)
{
	fort_backup_info bi;
	return fort_backup_verify_shares(&bi, path_of("alloc.fbk"), (const char *const *)shares, 2, v);
}

static int op_backup_restore_shares(void)
{
	fort_backup_info bi;
	char name[64];
	int r;
	snprintf(name, sizeof name, "restored-shares-%lu.fort", round_no);
	r = fort_backup_restore_shares(&bi, path_of("alloc.fbk"), path_of(name), (const char *const *)shares + 1, 2,
				       pass_s, v);
	expect_absent(name, r);
	return r;
}

static fort_vault *locked;

static void setup_recovery(void)
{
	if (fort_vault_open(&locked, vault_at("alloc.fort"), NULL, NULL) != 0)
		fail_msg("open locked: %s", fort_error_message());
}

static int op_recovery_restore(void)
{
	const char *two[] = { shares[0], shares[2] };
	int r = fort_recovery_restore(locked, two, 2, pass_s);
	fort_alloc_fail_at(0);
	if (r == 0 && !fort_vault_can(locked, "users", NULL))
		fail_msg("recovery restore: not unlocked as the owner");
	fort_vault_close(locked);
	locked = NULL;
	return r;
}

/* a breach of the contact category, every element of the letters known */
static int64_t breach_id;
#define BREACH_NOW 1774634400   /* 2026-03-27T18:00:00Z, two hours after awareness */

static int letter_count(void *ctx, const fort_letter *l)
{
	(void)l;
	(*(size_t *)ctx)++;
	return 0;
}

static int op_incident_letters(void)
{
	fort_letter_opts o = FORT_LETTER_OPTS_INIT;
	size_t n = 0;
	int r;
	o.now = BREACH_NOW;
	r = fort_incident_letters(v, breach_id, &o, letter_count, &n);
	if (r == 0 && n < 3)
		fail_msg("incident letters: %zu letters (the authority and two clients at least)", n);
	return r;
}

static int op_incident_letters_write(void)
{
	fort_letter_opts o = FORT_LETTER_OPTS_INIT;
	char name[64];
	size_t n = 0;
	int r;
	o.now = BREACH_NOW;
	/* PDF: fort_letter_pdf's loop (test_alloc_public); here it made every
	 * try 150 ms */
	snprintf(name, sizeof name, "letters-%lu", round_no);
	r = fort_incident_letters_write(&n, v, breach_id, &o, path_of(name), "text,html");
	if (r == 0 && n < 3)
		fail_msg("incident letters write: %zu letters", n);
	return r;
}

static int op_incident_notify(void)
{
	fort_letter_opts o = FORT_LETTER_OPTS_INIT;
	fort_incident_notify_report rep;
	int r;
	o.now = BREACH_NOW;
	r = fort_incident_notify(&rep, v, breach_id, &o, 0, NULL, NULL);
	if (r == 0 && rep.queued < 2)
		fail_msg("incident notify: %zu letters queued", rep.queued);
	return r;
}


/* ---- fort_mail_send against a real SMTP server on loopback ---- */

/* tests/e2e/smtp_sink.py (aiosmtpd), the server the mail e2e tests use */
static pid_t sink_pid;

/* the server picks its port (0: one no other socket holds) and writes it
 * to maildir/port before maildir/ready */
static int sink_start(char *port, size_t cap)
{
	const char *data = getenv("FORT_TEST_DATA");
	char sink[1024], ready[600];
	FILE *p;
	snprintf(sink, sizeof sink, "%s/../e2e/smtp_sink.py", data);
	mkdir(path_of("maildir"), 0700);
	if ((sink_pid = fork()) == 0) {
		execl("/usr/bin/python3", "python3", sink, "serve", path_of("maildir"), "0", (char *)NULL);
		_exit(127);
	}
	/* a bounded wait (a loaded machine is slow to start python) */
	snprintf(ready, sizeof ready, "%s", path_of("maildir/ready"));
	for (int i = 0; i < 600 && access(ready, F_OK) != 0; i++) {
		if (waitpid(sink_pid, NULL, WNOHANG) == sink_pid) {
			sink_pid = 0;
			return -1;
		}
		usleep(100000);
	}
	if (access(ready, F_OK) != 0 || !(p = fopen(path_of("maildir/port"), "r")))
		return -1;
	if (!fgets(port, (int)cap, p)) {
		fclose(p);
		return -1;
	}
	fclose(p);
	port[strcspn(port, "\n")] = '\0';
	return 0;
}

static void sink_stop(void)
{
	if (sink_pid > 0) {
		kill(sink_pid, SIGTERM);
		waitpid(sink_pid, NULL, 0);
		sink_pid = 0;
	}
}

static size_t sink_count(void)
{
	size_t n = 0;
	char name[64];
	for (int i = 1; i < 10000; i++) {
		snprintf(name, sizeof name, "maildir/msg-%d.eml", i);
		if (access(path_of(name), F_OK) != 0)
			break;
		n++;
	}
	return n;
}

struct send_seen {
	int result;
	char error[256];
};

static void send_cb(void *ctx, const fort_mail_info *m, int result, const char *error)
{
	struct send_seen *s = ctx;
	(void)m;
	s->result = result;
	snprintf(s->error, sizeof s->error, "%s", error);
}

/* Each try sends one queued message.  Allocation N fails either while the
 * message is built or sent (the run returns 0, the message stays queued
 * with its failed attempt recorded and audited, the code is FORT_ENOMEM),
 * or while the attempt is recorded (FORT_ENOMEM, every table as it was). */
static void mail_send_loop(void)
{
	fort_mail_send_opts o = FORT_MAIL_SEND_OPTS_INIT;
	fort_mail_msg m = FORT_MAIL_MSG_INIT;
	const char *to[] = { "jane@example.com" };
	char port[16];
	int64_t id = 0;
	unsigned long n;
	int recorded = 0, refused = 0, sent = 0;
	vstate before, after;
	if (sink_start(port, sizeof port) < 0)
		fail_msg("the SMTP server (tests/e2e/smtp_sink.py, python3-aiosmtpd) did not start");
	if (fort_mail_set(v, "smtp.host", "127.0.0.1") != 0 || fort_mail_set(v, "smtp.port", port) != 0 ||
	    fort_mail_set(v, "smtp.security", "none") != 0 || fort_mail_set(v, "smtp.from", "office@orbit.example") != 0)
		fail_msg("mail set: %s", fort_error_message());
	m.to = to;
	m.nto = 1;
	m.subject = "Your appointment";
	m.text = "See you on Monday.";
	if (fort_mail_queue(&id, v, &m) != 0)
		fail_msg("mail queue: %s", fort_error_message());
	o.only_id = id;
	o.timeout_seconds = 10;
	expect_verified(v);
	for (n = 1; n < 5000 && !sent; n++) {
		fort_mail_send_report rep;
		struct send_seen seen = { 0, "" };
		size_t got = sink_count();
		int r;
		vault_hash(&before, 0);
		fort_error_clear();
		fort_alloc_fail_at(n);
		r = fort_mail_send(&rep, v, &o, send_cb, &seen);
		fort_alloc_fail_at(0);
		vault_hash(&after, 0);
		if (r < 0) {
			if (r != FORT_ENOMEM || !*fort_error_message())
				fail_msg("mail send, allocation %lu: %s (%s), not out of memory", n, fort_error_name(r),
					 fort_error_message());
			if (memcmp(before.full, after.full, 32))
				fail_msg("mail send, allocation %lu: failed, but the vault changed:%s", n, vault_diff(&before, &after));
			refused++;
			continue;
		}
		if (r > 0 || rep.tried != 1)
			fail_msg("mail send, allocation %lu: returned %d, %zu tried", n, r, rep.tried);
		if (rep.sent) {
			if (sink_count() != got + 1)
				fail_msg("mail send: reported sent, but the server has %zu messages (had %zu)", sink_count(), got);
			sent = 1;
			break;
		}
		/* not sent: queued still, the attempt recorded with why */
		if (seen.result != FORT_ENOMEM || !*seen.error)
			fail_msg("mail send, allocation %lu: message failed with %d (%s), not out of memory", n, seen.result,
				 seen.error);
		if (!memcmp(before.full, after.full, 32))
			fail_msg("mail send, allocation %lu: the failed attempt was not recorded", n);
		{
			fort_mail_info *mi = NULL;
			size_t nm = 0;
			assert_int_equal(fort_mail_list(&mi, &nm, v, NULL), 0);
			for (size_t i = 0; i < nm; i++)
				if (mi[i].id == id && !strcmp(mi[i].status, "sent"))
					fail_msg("mail send, allocation %lu: failed, but the message is marked sent", n);
			free(mi);
		}
		expect_verified(v);
		recorded++;
	}
	sink_stop();
	print_message("fort_mail_send: %lu allocation points, %d refused with every table unchanged, %d recorded as failed "
		      "attempts\n", n - 1, refused, recorded);
	assert_true(sent);
}


static const char *user_status(const char *name, char *role, size_t cap)
{
	static char status[16];
	fort_user_info *u = NULL;
	size_t n = 0;
	status[0] = '\0';
	assert_int_equal(fort_user_list(&u, &n, v), 0);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(u[i].name, name)) {
			snprintf(status, sizeof status, "%s", u[i].status);
			if (role)
				snprintf(role, cap, "%s", u[i].role);
		}
	free(u);
	return status;
}

/* bob back to staff (identity and contact) before each try to narrow him */
static void setup_set_role(void)
{
	fort_rotate_report rep;
	char role[64] = "";
	user_status("bob", role, sizeof role);
	if (strcmp(role, "staff") && fort_user_set_role(&rep, v, "bob", "staff", NULL) != 0)
		fail_msg("user set role: %s", fort_error_message());
}

/* Someone to remove.  A rotation that failed after it began has removed
 * them, and a new user would make every later try allocate more (one more
 * user to list), so the vault is put back as it was: closed, its file
 * copied back from a copy made before the first try, opened again. */
static void copy_file(const char *from, const char *to)
{
	FILE *a = fopen(from, "rb"), *b;
	char buf[65536];
	size_t n;
	unlink(to);
	if (!a)
		return;   /* no -wal beside it */
	assert_non_null(b = fopen(to, "wb"));
	while ((n = fread(buf, 1, sizeof buf, a)) > 0)
		assert_int_equal(fwrite(buf, 1, n, b), n);
	fclose(a);
	assert_int_equal(fclose(b), 0);
}

static void vault_files(const char *snap, int save)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		char live[64], copy[64];
		snprintf(live, sizeof live, "alloc.fort%s", sfx[i]);
		snprintf(copy, sizeof copy, "%s.fort%s", snap, sfx[i]);
		if (save)
			copy_file(path_of(live), path_of(copy));
		else
			copy_file(path_of(copy), path_of(live));
	}
}

static void setup_user_remove(void)
{
	static int saved;
	char fp[20];
	if (saved && !strcmp(user_status("dana", NULL, 0), "active"))
		return;
	if (!saved && (fort_user_request(fp, vault_at("alloc.fort"), "dana", bob_pass, FORT_KDF_INTERACTIVE) != 0 ||
		       fort_user_add(v, "dana", "staff", fp) != 0))
		fail_msg("a user to remove: %s", fort_error_message());
	fort_vault_close(v);
	vault_files("before-remove", !saved);
	saved = 1;
	v = open_vault(vault_at("alloc.fort"), PASS);
}

static int op_user_remove_any(void)
{
	fort_rotate_report rep;
	return fort_user_remove(&rep, v, "dana", NULL);
}

/* Every try from the same vault (put back as before the first), so that
 * letters a failed try queued do not make the next one find them queued. */
static void setup_notify(void)
{
	static int saved;
	fort_vault_close(v);
	vault_files("before-notify", !saved);
	saved = 1;
	v = open_vault(vault_at("alloc.fort"), PASS);
}

/* Run again, it queues the letters the failure left out, each once. */
static int finish_notify(void)
{
	fort_letter_opts o = FORT_LETTER_OPTS_INIT;
	fort_incident_notify_report rep;
	fort_mail_info *mi = NULL;
	size_t n = 0;
	o.now = BREACH_NOW;
	if (fort_incident_notify(&rep, v, breach_id, &o, 0, NULL, NULL) != 0)
		return 0;
	if (!rep.already)
		fail_msg("incident notify: the vault changed, but no letter had been queued");
	assert_int_equal(fort_mail_list(&mi, &n, v, "incident:"), 0);
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (!strcmp(mi[i].ref, mi[k].ref))
				fail_msg("incident notify: %s queued twice", mi[i].ref);
	free(mi);
	return 1;
}

/* Three executables (ctest runs them side by side, each under its own
 * time limit): ALLOC_PART 0 here, 1 test_alloc_slow_rotate.c, 2
 * test_alloc_slow_create.c, which include this file. */
#ifndef ALLOC_PART
#define ALLOC_PART 0
#endif

static const op_case slow_keys[] = {
	{ "fort_vault_open", op_vault_open, 0 },
	{ "fort_vault_user_key fort_vault_open_key", op_vault_key, 0 },
	{ "fort_vault_passwd", op_vault_passwd, 1 },
	{ "fort_backup_restore", op_backup_restore, 0 },
	{ "fort_backup_verify_shares", op_backup_verify_shares, 0 },
	{ "fort_backup_restore_shares", op_backup_restore_shares, 0 },
	{ "fort_recovery_restore", op_recovery_restore, 1, setup_recovery },
	{ "fort_incident_letters", op_incident_letters, 0 },
	{ "fort_incident_letters_write", op_incident_letters_write, 0 },
	/* one transaction per letter, "running it again after a failure is safe" */
	{ "fort_incident_notify", op_incident_notify, 3, setup_notify, finish_notify },
};

static const op_case slow_rotate[] = {
	{ "fort_user_request", op_user_request, 1 },
	{ "fort_user_add", op_user_add, 1 },
	{ "fort_user_set_role", op_user_set_role, 3, setup_set_role, finish_rotation },
	{ "fort_role_revoke", op_role_revoke, 3, setup_role_revoke, finish_rotation },
	{ "fort_keys_rotate", op_keys_rotate, 3, NULL, finish_rotation },
	{ "fort_user_remove", op_user_remove_any, 3, setup_user_remove, finish_rotation },
};

/* 64 MiB of Argon2id on each try after the key is derived: most of the time */
static const op_case slow_create[] = {
	{ "fort_vault_create", op_vault_create, 0 },
};

static void test_alloc_slow_operations(void **state)
{
	fort_backup_info bi;
	(void)state;
	v = create_vault("alloc.fort");
	for (int i = 0; i < 2; i++) {
		char name[64], email[64], phone[32];
		snprintf(name, sizeof name, "Client Number%d", i);
		snprintf(email, sizeof email, "client%d@example.com", i);
		snprintf(phone, sizeof phone, "+49 30 123456%d", i);
		fort_kv kv[] = { { "full_name", name }, { "email", email }, { "phone", phone } };
		if (fort_client_add(cid[i], v, kv, 3) != 0)
			fail_msg("add: %s", fort_error_message());
	}
	owner_kdf_floor(v);
	pass_s = secret(PASS);
	bob_pass = secret("harbor-quilt-meteor-saddle-lagoon-fennel");
	{
		const char *items[] = { "read", "contact" };
		if (fort_role_add(v, "mini", items, 2) != 0)
			fail_msg("role add: %s", fort_error_message());
	}
	if (fort_recovery_split(&shares, v, 3, 2) != 0 || fort_backup_create(&bi, v, path_of("alloc.fbk")) != 0)
		fail_msg("split and backup: %s", fort_error_message());
	{
		fort_incident_scope s = FORT_INCIDENT_SCOPE_INIT;
		fort_incident_assessment a = FORT_INCIDENT_ASSESSMENT_INIT;
		fort_business_spec b = FORT_BUSINESS_SPEC_INIT;
		static const char *const kinds[] = { "fact", "effect", "remedy" };
		s.category = "contact";
		a.contact = "Alice Owner, privacy@orbit.example, +49 30 1234567";
		a.likelihood = 4;
		a.severity = 3;
		b.state = "Bavaria";
		b.email = "privacy@orbit.example";
		b.address = "Hauptstrasse 1, 91522 Ansbach";
		b.dpo = "Dora Datenschutz, dpo@orbit.example";
		if (fort_incident_open(&breach_id, v, "Address list mailed to the wrong person", "misdirected-email",
				       "2026-03-27T09:00:00Z", "2026-03-27T16:00:00Z") != 0 ||
		    fort_incident_scope_add(v, breach_id, &s) != 0 || fort_incident_assess(v, breach_id, &a) != 0 ||
		    fort_business_set(v, &b) != 0)
			fail_msg("breach: %s", fort_error_message());
		for (int i = 0; i < 3; i++)
			if (fort_incident_log(v, breach_id, kinds[i], "written down", NULL) != 0)
				fail_msg("incident log: %s", fort_error_message());
	}
	if (ALLOC_PART == 0) {
		for (size_t i = 0; i < sizeof slow_keys / sizeof *slow_keys; i++)
			alloc_loop(&slow_keys[i]);
		mail_send_loop();
	} else if (ALLOC_PART == 1) {
		for (size_t i = 0; i < sizeof slow_rotate / sizeof *slow_rotate; i++)
			alloc_loop(&slow_rotate[i]);
	} else {
		for (size_t i = 0; i < sizeof slow_create / sizeof *slow_create; i++)
			alloc_loop(&slow_create[i]);
	}
	fort_secret_free(pass_s);
	fort_secret_free(bob_pass);
	fort_recovery_shares_free(shares, 3);
	fort_vault_close(v);
	v = open_vault(vault_at("alloc.fort"), PASS);
	expect_verified(v);
	fort_vault_close(v);
}

int main(void)
{
	if (access("/dev/shm", W_OK) != 0)
		strcpy(dir, "/tmp/fort-test-alloc-slow-XXXXXX");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_slow_operations),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
