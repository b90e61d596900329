/* test_signin.c - signing in to the server (src/auth/): the session table
 * (tokens, CSRF, idle and absolute timeouts, a full table), TOTP enrolment
 * and sign-in (a code computed here, replay, recovery codes, throttle,
 * refusals audited, a tampered blob), and allocation-failure loops over
 * the public functions (test_alloc_public.c lists them as looped here). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include <liboath/oath.h>
#include "fortress.h"
#include "util.h"

#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_DIR "/tmp/fort-test-signin-XXXXXX"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

static void code_at(char out[7], const char *b32, int64_t t)
{
	char *raw = NULL;
	size_t len = 0;
	assert_int_equal(oath_init(), OATH_OK);
	assert_int_equal(oath_base32_decode(b32, strlen(b32), &raw, &len), OATH_OK);
	assert_int_equal(oath_totp_generate(raw, len, (time_t)t, 30, 0, 6, out), OATH_OK);
	free(raw);
}

static fort_secret *key_of(fort_vault *v)
{
	fort_secret *k = NULL;
	assert_int_equal(fort_vault_user_key(&k, v), 0);
	return k;
}

static int64_t ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_sessions(void **state)
{
	fort_sessions_opts o = FORT_SESSIONS_OPTS_INIT;
	fort_sessions *s = NULL, *abs = NULL;
	fort_secret *k = NULL, *got = NULL;
	char id[FORT_SESSION_TOKEN_LEN + 1], csrf[FORT_SESSION_TOKEN_LEN + 1], id2[FORT_SESSION_TOKEN_LEN + 1],
		csrf2[FORT_SESSION_TOKEN_LEN + 1], user[128], wrong[FORT_SESSION_TOKEN_LEN + 1];
	unsigned char raw[64];
	(void)state;

	for (size_t i = 0; i < sizeof raw; i++)
		raw[i] = (unsigned char)(i * 7 + 1);
	o.idle_timeout = 1;
	o.max_sessions = 2;
	assert_int_equal(fort_sessions_new(&s, &o), 0);
	assert_int_equal(fort_secret_new(&k, raw, sizeof raw), 0);
	assert_int_equal(fort_session_start(id, csrf, s, "alice", k), 0);
	assert_int_equal(strlen(id), FORT_SESSION_TOKEN_LEN);
	assert_int_equal(strlen(csrf), FORT_SESSION_TOKEN_LEN);
	assert_string_not_equal(id, csrf);
	assert_int_equal(fort_session_get(&got, user, s, id, NULL), 0);
	assert_string_equal(user, "alice");
	assert_int_equal(fort_secret_len(got), sizeof raw);
	assert_memory_equal(fort_secret_data(got), raw, sizeof raw);
	fort_secret_free(got);
	/* CSRF: the session's token only */
	assert_int_equal(fort_session_get(NULL, NULL, s, id, csrf), 0);
	memcpy(wrong, csrf, sizeof wrong);
	wrong[5] = wrong[5] == 'A' ? 'B' : 'A';
	assert_int_equal(fort_session_get(NULL, NULL, s, id, wrong), FORT_EDENIED);
	assert_int_equal(fort_session_get(NULL, NULL, s, id, ""), FORT_EDENIED);
	/* the CSRF token is not a session id */
	assert_int_equal(fort_session_get(NULL, NULL, s, csrf, NULL), FORT_EAUTH);
	assert_int_equal(fort_session_get(NULL, NULL, s, "short", NULL), FORT_EAUTH);
	/* the token for a server's HTML forms: that session's, nobody else's */
	{
		char got_csrf[FORT_SESSION_TOKEN_LEN + 1];
		assert_int_equal(fort_session_csrf(got_csrf, s, id), 0);
		assert_string_equal(got_csrf, csrf);
		assert_int_equal(fort_session_csrf(got_csrf, s, csrf), FORT_EAUTH);
		assert_string_equal(got_csrf, "");
	}
	/* a full table */
	assert_int_equal(fort_secret_new(&k, raw, 32), 0);
	assert_int_equal(fort_session_start(id2, csrf2, s, "bob", k), 0);
	assert_int_equal(fort_secret_new(&k, raw, 32), 0);
	assert_int_equal(fort_session_start(wrong, csrf2, s, "carol", k), FORT_EBUSY);
	/* sign-out */
	assert_int_equal(fort_session_end(s, id2), 0);
	assert_int_equal(fort_session_get(NULL, NULL, s, id2, NULL), FORT_EAUTH);
	assert_int_equal(fort_session_end(s, id2), FORT_ENOTFOUND);

	/* absolute timeout, whatever the activity */
	o.idle_timeout = 100;
	o.absolute_timeout = 2;
	o.max_sessions = 0;
	assert_int_equal(fort_sessions_new(&abs, &o), 0);
	/* idle timeout (1 s): activity keeps it...  Alive 1 s in, when the
	 * machine did not stall past the 2 s (the start to the answer, on the
	 * monotonic clock the sessions use); a round that it did stall proves
	 * nothing and starts again (at most 10) */
	for (int round = 0;; round++) {
		int64_t t0 = ms_now();
		int r;
		assert_int_equal(fort_secret_new(&k, raw, 32), 0);
		assert_int_equal(fort_session_start(id2, csrf2, abs, "dora", k), 0);
		sleep(1);
		r = fort_session_get(NULL, NULL, abs, id2, NULL);
		if (ms_now() - t0 < 2000) {
			assert_int_equal(r, 0);
			break;
		}
		assert_true(round < 10);
	}
	sleep(2);
	/* ... but not past the absolute timeout, and not past the idle one */
	assert_int_equal(fort_session_get(NULL, NULL, abs, id2, NULL), FORT_EAUTH);
	assert_int_equal(fort_session_get(NULL, NULL, s, id, NULL), FORT_EAUTH);
	assert_int_equal(fort_sessions_prune(s), 0);
	fort_sessions_free(s);
	fort_sessions_free(abs);
	fort_sessions_free(NULL);
	o.version = 99;
	assert_int_equal(fort_sessions_new(&s, &o), FORT_EINPUT);
}

/* The newest entry of the sign-in ("signin", "signin-failed") and how many
 * of them there are, as "action result detail". */
struct signins { char last[300]; size_t n; };

static int signin_cb(void *ctx, const fort_audit_entry *e)
{
	struct signins *s = ctx;
	if (strncmp(e->action, "signin", 6) != 0)
		return 0;
	snprintf(s->last, sizeof s->last, "%s %s %s", e->action, e->result, e->detail);
	s->n++;
	return 0;
}

static struct signins signins_of(const char *name)
{
	struct signins s;
	fort_vault *v = open_vault(vault_at(name), PASS);
	memset(&s, 0, sizeof s);
	assert_int_equal(fort_audit_log(v, NULL, signin_cb, &s), 0);
	fort_vault_close(v);
	return s;
}

static struct signins signins(void)
{
	return signins_of("signin.fort");
}

static void test_totp_signin(void **state)
{
	fort_vault *v = create_vault("signin.fort");
	fort_totp_enrolment *e = NULL;
	fort_signin_opts so = FORT_SIGNIN_OPTS_INIT;
	fort_secret *pass = secret(PASS), *bad = secret("not-the-passphrase-at-all-really"), *key = NULL, *mine = key_of(v);
	char code[7], wrongc[8], b32[48], rc[16];
	int64_t now = (int64_t)time(NULL);
	uint64_t n0 = 0, n1 = 0;
	int64_t last = 0;
	int retry = 0;
	(void)state;

	assert_int_equal(fort_totp_enrolled(v, "alice"), 0);
	assert_int_equal(fort_totp_enroll(&e, v), 0);
	assert_int_equal(fort_totp_enrolled(v, "alice"), 1);
	assert_int_equal(fort_totp_enrolled(v, "nobody"), FORT_ENOTFOUND);
	assert_non_null(strstr(e->uri, "otpauth://totp/Fortress%20Orbit%20Bakery:alice?secret="));
	snprintf(b32, sizeof b32, "%s", e->secret);
	snprintf(rc, sizeof rc, "%s", e->recovery[7]);
	assert_int_equal(strlen(rc), 12);
	fort_totp_enrolment_free(e);
	assert_int_equal(fort_signin_failures(&n0, &last, v, 0), 0);
	fort_vault_close(v);

	so.address = "192.0.2.7";
	so.now = now + 30;  /* the next step: the current one counts as used at enrolment */
	code_at(code, b32, now + 30);
	/* a wrong passphrase, a wrong code */
	assert_int_equal(fort_signin(&key, NULL, vault_at("signin.fort"), "alice", bad, code, &so), FORT_EAUTH);
	assert_null(key);
	snprintf(wrongc, sizeof wrongc, "%06d", (atoi(code) + 1) % 1000000);
	assert_int_equal(fort_signin(&key, NULL, vault_at("signin.fort"), "alice", pass, wrongc, &so), FORT_EAUTH);
	assert_string_equal(fort_error_message(), "sign-in refused: wrong name, passphrase or code");
	/* the passphrase was right: the refusal is signed by the user's key, with why */
	assert_string_equal(signins().last, "signin-failed denied sign-in from 192.0.2.7: wrong code");
	/* the right one: the user's keys */
	assert_int_equal(fort_signin(&key, NULL, vault_at("signin.fort"), "alice", pass, code, &so), 0);
	assert_string_equal(signins().last, "signin ok signed in from 192.0.2.7");
	assert_int_equal(fort_secret_len(key), fort_secret_len(mine));
	assert_memory_equal(fort_secret_data(key), fort_secret_data(mine), fort_secret_len(mine));
	fort_secret_free(key);
	key = NULL;
	/* never twice */
	assert_int_equal(fort_signin(&key, NULL, vault_at("signin.fort"), "alice", pass, code, &so), FORT_EAUTH);
	assert_non_null(strstr(fort_error_message(), "already used"));
	/* a step older than the last one used is refused too */
	so.now = now;
	code_at(code, b32, now);
	assert_int_equal(fort_signin(&key, NULL, vault_at("signin.fort"), "alice", pass, code, &so), FORT_EAUTH);
	/* a recovery code, once */
	so.now = now + 30;
	assert_int_equal(fort_signin(&key, NULL, vault_at("signin.fort"), "alice", pass, rc, &so), 0);
	assert_string_equal(signins().last, "signin ok signed in from 192.0.2.7; recovery code 1 of 10 used");
	fort_secret_free(key);
	key = NULL;
	assert_int_equal(fort_signin(&key, NULL, vault_at("signin.fort"), "alice", pass, rc, &so), FORT_EAUTH);
	/* unknown user: the same answer */
	assert_int_equal(fort_signin(&key, NULL, vault_at("signin.fort"), "mallory", pass, code, &so), FORT_EAUTH);
	assert_string_equal(fort_error_message(), "sign-in refused: wrong name, passphrase or code");

	v = open_vault(vault_at("signin.fort"), PASS);
	assert_int_equal(fort_signin_failures(&n1, &last, v, 0), 0);
	assert_int_equal(n1 - n0, 6);
	assert_true(last > 0);
	expect_verified(v);
	fort_vault_close(v);

	/* throttle: five failures from one address, then a wait, even with the
	 * right passphrase and code; another address is not held up */
	so.address = "198.51.100.9";
	so.now = now + 30;
	for (int i = 0; i < 5; i++)
		assert_int_equal(fort_signin(&key, &retry, vault_at("signin.fort"), "ghost", bad, "000000", &so), FORT_EAUTH);
	code_at(code, b32, now + 60);
	so.now = now + 60;
	assert_int_equal(fort_signin(&key, &retry, vault_at("signin.fort"), "alice", pass, code, &so), 0);
	fort_secret_free(key);
	key = NULL;
	so.now = now + 30;
	for (int i = 0; i < 5; i++)
		assert_int_equal(fort_signin(&key, &retry, vault_at("signin.fort"), "alice", bad, "000000", &so), FORT_EAUTH);
	assert_int_equal(fort_signin(&key, &retry, vault_at("signin.fort"), "alice", pass, "000000", &so), FORT_EDENIED);
	assert_true(retry >= 1 && retry <= 900);
	/* IPv6: counted by the /64, so new addresses of the same network do not start afresh */
	so.address = "2001:db8:1:2::1";
	for (int i = 0; i < 5; i++) {
		char a6[64];
		snprintf(a6, sizeof a6, "2001:db8:1:2::%x", i + 1);
		so.address = a6;
		assert_int_equal(fort_signin(&key, &retry, vault_at("signin.fort"), "ghost6", bad, "000000", &so), FORT_EAUTH);
	}
	so.address = "2001:db8:1:2:ffff::9";
	assert_int_equal(fort_signin(&key, &retry, vault_at("signin.fort"), "ghost7", bad, "000000", &so), FORT_EDENIED);
	so.address = "2001:db8:1:3::1";   /* another /64 */
	assert_int_equal(fort_signin(&key, &retry, vault_at("signin.fort"), "ghost7", bad, "000000", &so), FORT_EAUTH);
	so.address = "198.51.100.9";
	/* after the wait it may try again */
	so.now = now + 30 + 600;
	assert_int_equal(fort_signin(&key, &retry, vault_at("signin.fort"), "alice", pass, "000000", &so), FORT_EAUTH);

	/* the blob changed with sqlite3: refused, not ignored */
	{
		sqlite3 *db = NULL;
		if (test_store_pg()) {
			fx_pg_exec(vault_at("signin.fort"), "UPDATE user_totp SET data = overlay(data placing '\\x00'::bytea from 41 for 1)");
		} else {
			assert_int_equal(sqlite3_open(vault_at("signin.fort"), &db), SQLITE_OK);
			assert_int_equal(sqlite3_exec(db, "UPDATE user_totp SET data = substr(data, 1, 40) || x'00' || substr(data, 42)",
						      NULL, NULL, NULL), SQLITE_OK);
			sqlite3_close(db);
		}
		so.now = now + 10000;
		so.address = "203.0.113.1";
		code_at(code, b32, now + 10000);
		assert_int_equal(fort_signin(&key, &retry, vault_at("signin.fort"), "alice", pass, code, &so), FORT_ETAMPER);
	}
	/* removed: no sign-in until enrolled again */
	v = open_vault(vault_at("signin.fort"), PASS);
	assert_int_equal(fort_totp_remove(v, "alice"), 0);
	assert_int_equal(fort_totp_enrolled(v, "alice"), 0);
	fort_vault_close(v);
	{
		/* refused (FORT_EDENIED), audited once: as the sign-in's refusal */
		size_t before = signins().n;
		assert_int_equal(fort_signin(&key, &retry, vault_at("signin.fort"), "alice", pass, code, &so), FORT_EDENIED);
		assert_non_null(strstr(fort_error_message(), "totp enroll"));
		assert_int_equal(signins().n, before + 1);
		assert_string_equal(signins().last, "signin-failed denied sign-in from 203.0.113.1: no second factor enrolled");
	}
	so.version = 7;
	assert_int_equal(fort_signin(&key, &retry, vault_at("signin.fort"), "alice", pass, code, &so), FORT_EINPUT);
	v = open_vault(vault_at("signin.fort"), PASS);
	expect_verified(v);
	fort_vault_close(v);
	fort_secret_free(pass);
	fort_secret_free(bad);
	fort_secret_free(mine);
}

struct holder {
	fort_sessions *s;
	fort_vault *v;
};

/* A refused code that is the code of another time step (a clock off, a
 * code typed long after it was read) is said so in the log, with how many
 * steps away; the answer to the requester is the same refusal.  A code of
 * no step nearby stays "wrong code". */
static void test_totp_other_step_logged(void **state)
{
	fort_vault *v = create_vault("signin-far.fort");
	fort_totp_enrolment *e = NULL;
	fort_signin_opts so = FORT_SIGNIN_OPTS_INIT;
	fort_secret *pass = secret(PASS), *key = NULL;
	char code[7], near[41][7], wrongc[8], b32[48];
	int64_t now = (int64_t)time(NULL);
	int unused = 0;
	(void)state;

	assert_int_equal(fort_totp_enroll(&e, v), 0);
	snprintf(b32, sizeof b32, "%s", e->secret);
	fort_totp_enrolment_free(e);
	fort_vault_close(v);
	so.address = "192.0.2.8";
	so.now = now + 30;
	/* five steps ahead of the server's step, and three behind */
	code_at(code, b32, now + 30 + 5 * 30);
	assert_int_equal(fort_signin(&key, NULL, vault_at("signin-far.fort"), "alice", pass, code, &so), FORT_EAUTH);
	assert_string_equal(fort_error_message(), "sign-in refused: wrong name, passphrase or code");
	assert_string_equal(signins_of("signin-far.fort").last, "signin-failed denied sign-in from 192.0.2.8: wrong code (of +5 steps of 30 s: a clock is off)");
	code_at(code, b32, now + 30 - 3 * 30);
	assert_int_equal(fort_signin(&key, NULL, vault_at("signin-far.fort"), "alice", pass, code, &so), FORT_EAUTH);
	assert_string_equal(signins_of("signin-far.fort").last, "signin-failed denied sign-in from 192.0.2.8: wrong code (of -3 steps of 30 s: a clock is off)");
	/* a code of no step within the search: plain "wrong code" */
	for (int k = 0; k < 41; k++)
		code_at(near[k], b32, now + 30 + (k - 20) * 30);
	for (int c = 0; c < 1000000 && !unused; c += 7919) {
		snprintf(wrongc, sizeof wrongc, "%06d", c);
		unused = 1;
		for (int k = 0; k < 41; k++)
			unused &= strcmp(near[k], wrongc) != 0;
	}
	assert_true(unused);
	assert_int_equal(fort_signin(&key, NULL, vault_at("signin-far.fort"), "alice", pass, wrongc, &so), FORT_EAUTH);
	assert_string_equal(signins_of("signin-far.fort").last, "signin-failed denied sign-in from 192.0.2.8: wrong code");
	/* and the code of the step is still good */
	code_at(code, b32, now + 30);
	assert_int_equal(fort_signin(&key, NULL, vault_at("signin-far.fort"), "alice", pass, code, &so), 0);
	fort_secret_free(key);
	fort_secret_free(pass);
}

static void *hold_then_release(void *p)
{
	struct holder *h = p;
	struct timespec ts = { 0, 300 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	fort_session_release(h->s, h->v);
	return NULL;
}

/* A session's vault handles: kept across requests, each lent to one at a
 * time; requests side by side get handles of their own, up to
 * FORT_SESSION_HANDLES, and one more waits; closed when the session ends
 * (at once, or when given back). */
static void test_session_handle(void **state)
{
	fort_vault *v = create_vault("handle.fort"), *h1 = NULL, *h2 = NULL, *held[FORT_SESSION_HANDLES];
	fort_sessions *s = NULL;
	char id[FORT_SESSION_TOKEN_LEN + 1], csrf[FORT_SESSION_TOKEN_LEN + 1], user[128];
	struct holder hd;
	pthread_t t;
	int64_t t0;
	(void)state;

	assert_int_equal(fort_sessions_new(&s, NULL), 0);
	assert_int_equal(fort_session_start(id, csrf, s, "alice", key_of(v)), 0);
	assert_int_equal(fort_session_acquire(&h1, user, s, id, vault_at("handle.fort")), 0);
	assert_string_equal(user, "alice");
	assert_int_equal(fort_vault_can(h1, "reveal", "financial"), 1);
	fort_session_release(s, h1);
	assert_int_equal(fort_session_acquire(&h2, NULL, s, id, vault_at("handle.fort")), 0);
	assert_ptr_equal(h1, h2);  /* the same handle, not a new open */
	/* requests side by side: a handle each, up to FORT_SESSION_HANDLES */
	held[0] = h2;
	for (int i = 1; i < FORT_SESSION_HANDLES; i++) {
		assert_int_equal(fort_session_acquire(&held[i], NULL, s, id, vault_at("handle.fort")), 0);
		for (int k = 0; k < i; k++)
			assert_ptr_not_equal(held[i], held[k]);
		assert_int_equal(fort_vault_can(held[i], "reveal", "financial"), 1);
	}
	/* one more waits until a request gives its handle back, and gets that one */
	hd.s = s;
	hd.v = held[3];
	t0 = ms_now();
	assert_int_equal(pthread_create(&t, NULL, hold_then_release, &hd), 0);
	assert_int_equal(fort_session_acquire(&h1, NULL, s, id, vault_at("handle.fort")), 0);
	assert_true(ms_now() - t0 >= 250);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_ptr_equal(h1, held[3]);
	for (int i = 0; i < FORT_SESSION_HANDLES; i++)
		if (i != 3)
			fort_session_release(s, held[i]);
	/* signed out while held: the handle is closed when given back */
	assert_int_equal(fort_session_end(s, id), 0);
	assert_int_equal(fort_session_acquire(&h2, NULL, s, id, vault_at("handle.fort")), FORT_EAUTH);
	assert_null(h2);
	fort_session_release(s, h1);
	/* a session ended with its handle idle; the table freed with one open */
	assert_int_equal(fort_session_start(id, csrf, s, "alice", key_of(v)), 0);
	assert_int_equal(fort_session_acquire(&h1, NULL, s, id, vault_at("handle.fort")), 0);
	fort_session_release(s, h1);
	fort_sessions_free(s);
	expect_verified(v);
	fort_vault_close(v);
}

static void raw_sql(const char *path, const char *q)
{
	sqlite3 *db = NULL;
	if (test_store_pg()) {
		fx_pg_exec(path, q);
		return;
	}
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* A handle that uses the group commit skips reading the vault again only
 * when the writer alone committed: a change made between two of the
 * writer's commits by someone else, even one with no audit entry (here the
 * users table edited with SQL), is read again and caught at the handle's
 * next refresh, as it is without the writer. */
static void test_group_commit_refresh(void **state)
{
	fort_vault *v = create_vault("gc.fort"), *h = NULL;
	fort_audit_writer *w = NULL;
	fort_secret *k = key_of(v);
	uint64_t commits = 0, entries = 0;
	(void)state;

	assert_int_equal(fort_audit_writer_new(&w, vault_at("gc.fort")), 0);
	assert_int_equal(fort_vault_open_key(&h, vault_at("gc.fort"), "alice", k), 0);
	fort_secret_free(k);
	assert_int_equal(fort_vault_use_audit_writer(h, w), 0);
	assert_int_equal(fort_vault_refresh(h), 0);
	/* entries through the writer; the handle sees only those: fine */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(fort_audit_refusal(h, "http", "through the group commit"), 0);
		assert_int_equal(fort_vault_refresh(h), 0);
	}
	fort_audit_writer_stats(w, &commits, &entries, NULL);
	assert_int_equal(entries, 3);
	assert_int_equal(commits, 3);
	/* the owner's role edited outside Fortress, then the writer commits again */
	raw_sql(vault_at("gc.fort"), "UPDATE users SET role = 'staff' WHERE name = 'alice'");
	if (test_store_pg()) {
		/* PostgreSQL: an open handle notices other connections' commits
		 * by the audit head (postgres.c, store_changed), so an edit that
		 * writes no entry is caught at the next open, not at a refresh
		 * (docs/deploy.md) */
		fort_vault *again = NULL;
		fort_secret *p = secret(PASS);
		int r;
		fort_vault_close(h);
		fort_audit_writer_free(w);
		fort_vault_close(v);
		r = fort_vault_open(&again, vault_at("gc.fort"), NULL, p);
		fort_secret_free(p);
		if (r == 0) {
			fort_audit_report rep;
			assert_int_equal(fort_audit_verify(&rep, again, NULL), 0);
			assert_false(rep.ok);
			fort_vault_close(again);
		} else {
			assert_true(r == FORT_ETAMPER || r == FORT_EDENIED);
		}
		return;
	}
	assert_int_equal(fort_audit_refusal(h, "http", "after an edit outside Fortress"), 0);
	assert_true(fort_vault_refresh(h) < 0);
	assert_true(fort_error_code() == FORT_ETAMPER || fort_error_code() == FORT_EDENIED);
	fort_vault_close(h);
	fort_audit_writer_free(w);
	fort_vault_close(v);
}

/* The group commit's batches are committed by the requests' own threads,
 * one leader at a time (audit/writer.c): entries from several threads at
 * once, each on its own handle, are all written and each call returns
 * only once its entry is committed (a leader that forgot to hand the lead
 * on would leave the others waiting: the alarm ends the test).  A leader
 * writes others' entries on its thread: its caller's error state is its
 * own again afterwards. */
#define GC_THREADS 6
#define GC_EACH 40
struct gc_arg {
	fort_vault *h;
	fort_audit_writer *w;
	pthread_barrier_t *last;
	int failed, kept;
};

static void *gc_worker(void *p)
{
	struct gc_arg *a = p;
	for (int i = 0; i <= GC_EACH; i++) {
		/* the last entry of every thread at once: one leads, the others
		 * queue behind its commit and are woken only by its hand-over
		 * (no later entry would come to lead them) */
		if (i == GC_EACH)
			pthread_barrier_wait(a->last);
		uint64_t before = 0, after = 0;
		fort_audit_writer_stats(a->w, NULL, &before, NULL);
		fort_error_set(FORT_EINPUT, "this thread's own error");
		if (fort_audit_refusal(a->h, "http", "from one of several threads") != 0)
			a->failed++;
		fort_audit_writer_stats(a->w, NULL, &after, NULL);
		if (after <= before)
			a->failed++; /* returned before a commit holding it */
		if (fort_error_code() == FORT_EINPUT && strcmp(fort_error_message(), "this thread's own error") == 0)
			a->kept++;
	}
	return NULL;
}

static void test_group_commit_threads(void **state)
{
	fort_vault *v = create_vault("gcthreads.fort");
	fort_audit_writer *w = NULL;
	struct gc_arg args[GC_THREADS];
	pthread_t t[GC_THREADS];
	pthread_barrier_t last;
	uint64_t commits = 0, entries = 0, failed = 0;
	(void)state;
	alarm(180);
	assert_int_equal(pthread_barrier_init(&last, NULL, GC_THREADS), 0);
	assert_int_equal(fort_audit_writer_new(&w, vault_at("gcthreads.fort")), 0);
	for (int i = 0; i < GC_THREADS; i++) {
		fort_secret *k = key_of(v);
		memset(&args[i], 0, sizeof args[i]);
		args[i].w = w;
		args[i].last = &last;
		assert_int_equal(fort_vault_open_key(&args[i].h, vault_at("gcthreads.fort"), "alice", k), 0);
		fort_secret_free(k);
		assert_int_equal(fort_vault_use_audit_writer(args[i].h, w), 0);
	}
	for (int i = 0; i < GC_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, gc_worker, &args[i]), 0);
	for (int i = 0; i < GC_THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(args[i].failed, 0);
		assert_int_equal(args[i].kept, GC_EACH + 1);
	}
	pthread_barrier_destroy(&last);
	fort_audit_writer_stats(w, &commits, &entries, &failed);
	assert_int_equal(entries, GC_THREADS * (GC_EACH + 1));
	assert_int_equal(failed, 0);
	assert_true(commits >= 1 && commits <= entries);
	for (int i = 0; i < GC_THREADS; i++)
		fort_vault_close(args[i].h);
	fort_audit_writer_free(w);
	assert_int_equal(fort_vault_refresh(v), 0);
	expect_verified(v);
	fort_vault_close(v);
	alarm(0);
}

/* fort_client_get_async / fort_vault_flush_async (issue 17: a server that
 * suspends the connection instead of a thread per request): the record is
 * handed to the callback only once the transaction holding its audit entry
 * has committed, from the committing thread; an entry whose commit fails
 * gives an error and no record.  On SQLite the test holds the write lock:
 * the read is queued and answered only after the lock goes, and with the
 * lock held beyond the busy timeout (3 s) the commit fails. */
struct async_got {
	sem_t sem;
	fort_audit_writer *w;
	int calls, code;
	int had_rec, field_ok;
	uint64_t committed_then;  /* the writer's committed entries when the record came */
	long long rows_then;      /* 'read' rows another connection saw then (SQLite) */
	const char *path;
	char msg[512];
};

static long long sqlite_count(const char *path, const char *q)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long n = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void async_record(void *arg, fort_record *rec, int code, const char *msg)
{
	struct async_got *g = arg;
	g->calls++;
	g->code = code;
	snprintf(g->msg, sizeof g->msg, "%s", msg ? msg : "(null)");
	if (g->w)
		fort_audit_writer_stats(g->w, NULL, &g->committed_then, NULL);
	if (!test_store_pg() && g->path)
		g->rows_then = sqlite_count(g->path, "SELECT count(*) FROM audit WHERE action = 'read'");
	if (rec) {
		const char *e = fort_record_value(rec, "email");
		g->had_rec = 1;
		g->field_ok = e && strchr(e, '@') != NULL;
		fort_record_free(rec);
	}
	sem_post(&g->sem);
}

static void async_flushed(void *arg, int code, const char *msg)
{
	struct async_got *g = arg;
	g->calls++;
	g->code = code;
	snprintf(g->msg, sizeof g->msg, "%s", msg ? msg : "(null)");
	if (g->w)
		fort_audit_writer_stats(g->w, NULL, &g->committed_then, NULL);
	if (!test_store_pg() && g->path)
		g->rows_then = sqlite_count(g->path, "SELECT count(*) FROM audit WHERE action = 'find'");
	sem_post(&g->sem);
}

static int sem_wait_s(sem_t *s, int seconds)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += seconds;
	while (sem_timedwait(s, &ts) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static void test_group_commit_async(void **state)
{
	fort_vault *v = create_vault("gcasync.fort"), *h = NULL;
	fort_audit_writer *w = NULL;
	fort_secret *k = key_of(v);
	char id[FORT_ID_LEN + 1];
	const fort_kv kv[] = { { "full_name", "Jane Doe" }, { "email", "jane@example.org" } };
	struct async_got g;
	uint64_t before = 0, failed = 0;
	long long rows_before;
	(void)state;
	alarm(120);
	assert_int_equal(fort_client_add(id, v, kv, 2), 0);
	assert_int_equal(fort_audit_writer_new(&w, vault_at("gcasync.fort")), 0);
	assert_int_equal(fort_vault_open_key(&h, vault_at("gcasync.fort"), "alice", k), 0);
	fort_secret_free(k);
	assert_int_equal(fort_vault_use_audit_writer(h, w), 0);
	assert_int_equal(fort_vault_refresh(h), 0);
	memset(&g, 0, sizeof g);
	assert_int_equal(sem_init(&g.sem, 0, 0), 0);
	g.w = w;
	g.path = test_store_pg() ? NULL : vault_at("gcasync.fort");

	/* 1. a read through the group commit: the record only after its commit */
	fort_audit_writer_stats(w, NULL, &before, NULL);
	rows_before = g.path ? sqlite_count(g.path, "SELECT count(*) FROM audit WHERE action = 'read'") : 0;
	assert_int_equal(fort_client_get_async(h, id, NULL, async_record, &g), 0);
	assert_int_equal(sem_wait_s(&g.sem, 60), 0);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.code, 0);
	assert_true(g.had_rec && g.field_ok);
	assert_true(g.committed_then > before);  /* its entry committed before the record came */
	if (g.path)
		assert_int_equal(g.rows_then, rows_before + 1);  /* and on disk for anyone */
	assert_int_equal(fort_vault_refresh(h), 0);

	if (!test_store_pg()) {
		sqlite3 *db = NULL;
		/* 2. the commit held back by another writer's lock: the call
		 * returns at once, the record waits for the commit */
		assert_int_equal(sqlite3_open(g.path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
		memset(&g.calls, 0, sizeof g - offsetof(struct async_got, calls));
		g.path = vault_at("gcasync.fort");
		rows_before = sqlite_count(g.path, "SELECT count(*) FROM audit WHERE action = 'read'");
		assert_int_equal(fort_client_get_async(h, id, NULL, async_record, &g), 0);
		usleep(500 * 1000);
		assert_int_equal(g.calls, 0);  /* not before the commit */
		assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
		assert_int_equal(sem_wait_s(&g.sem, 60), 0);
		assert_int_equal(g.code, 0);
		assert_true(g.had_rec);
		assert_int_equal(g.rows_then, rows_before + 1);
		assert_int_equal(fort_vault_refresh(h), 0);

		/* 3. the commit fails (the lock held past the busy timeout):
		 * an error, and no record */
		assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
		memset(&g.calls, 0, sizeof g - offsetof(struct async_got, calls));
		g.path = vault_at("gcasync.fort");
		assert_int_equal(fort_client_get_async(h, id, NULL, async_record, &g), 0);
		assert_int_equal(sem_wait_s(&g.sem, 60), 0);
		assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		assert_int_equal(g.calls, 1);
		assert_true(g.code < 0);
		assert_false(g.had_rec);
		assert_true(g.msg[0]);
		fort_audit_writer_stats(w, NULL, NULL, &failed);
		assert_int_equal(failed, 1);
		assert_int_equal(sqlite_count(g.path, "SELECT count(*) FROM audit WHERE action = 'read'"), rows_before + 1);
		assert_int_equal(fort_vault_refresh(h), 0);
	}
	/* 4. a flush with a find's summary pending: its callback after the commit */
	{
		char (*ids)[FORT_ID_LEN + 1] = NULL;
		size_t n = 0;
		memset(&g.calls, 0, sizeof g - offsetof(struct async_got, calls));
		fort_audit_writer_stats(w, NULL, &before, NULL);
		assert_int_equal(fort_client_find(&ids, &n, h, "email", "jane@example.org"), 0);
		assert_int_equal(n, 1);
		free(ids);
		assert_int_equal(fort_vault_flush_async(h, NULL, NULL), FORT_EINPUT);
		g.path = test_store_pg() ? NULL : vault_at("gcasync.fort");
		rows_before = g.path ? sqlite_count(g.path, "SELECT count(*) FROM audit WHERE action = 'find'") : 0;
		assert_int_equal(fort_vault_flush_async(h, async_flushed, &g), 0);
		assert_int_equal(sem_wait_s(&g.sem, 60), 0);
		assert_int_equal(g.calls, 1);
		assert_int_equal(g.code, 0);
		assert_true(g.committed_then > before);
		if (g.path)
			assert_int_equal(g.rows_then, rows_before + 1);
		/* nothing pending: called at once */
		memset(&g.calls, 0, sizeof g - offsetof(struct async_got, calls));
		assert_int_equal(fort_vault_flush_async(h, async_flushed, &g), 0);
		assert_int_equal(g.calls, 1);
		assert_int_equal(g.code, 0);
		assert_int_equal(sem_wait_s(&g.sem, 1), 0);
	}
	fort_vault_close(h);
	fort_audit_writer_free(w);
	sem_destroy(&g.sem);
	assert_int_equal(fort_vault_refresh(v), 0);
	expect_verified(v);
	fort_vault_close(v);
	alarm(0);
}

/* user_totp joined the seals after vaults were sealed: a vault adopts its
 * rows once, under a marker; the marker removed while the table has seals
 * (to have a rolled-back blob sealed afresh) is tampering. */
static void test_totp_seal_marker(void **state)
{
	fort_vault *v = create_vault("marker.fort");
	fort_totp_enrolment *e = NULL;
	fort_secret *pass = secret(PASS);
	(void)state;

	assert_int_equal(fort_totp_enroll(&e, v), 0);
	fort_totp_enrolment_free(e);
	fort_vault_close(v);
	raw_sql(vault_at("marker.fort"), "UPDATE meta SET k = 'gone' WHERE k = 'sealed.user_totp'");
	assert_int_equal(fort_vault_open(&v, vault_at("marker.fort"), NULL, pass), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "second factors"));
	assert_null(v);
	raw_sql(vault_at("marker.fort"), "UPDATE meta SET k = 'sealed.user_totp' WHERE k = 'gone'");
	v = open_vault(vault_at("marker.fort"), PASS);
	assert_int_equal(fort_totp_enrolled(v, NULL), 1);
	expect_verified(v);
	fort_vault_close(v);
	fort_secret_free(pass);
}

/* Enrolling in two steps (the web app's account page): the proposal stores
 * nothing; a wrong or malformed code changes nothing (the earlier factor
 * still signs in); the right code enrols that secret with new recovery
 * codes, and the code typed cannot then sign in. */
static void test_totp_propose_confirm(void **state)
{
	fort_vault *v = create_vault("twostep.fort");
	fort_totp_enrolment *old = NULL, *p = NULL, *e = NULL;
	fort_signin_opts so = FORT_SIGNIN_OPTS_INIT;
	fort_secret *pass = secret(PASS), *key = NULL;
	char code[7], wrongc[8], oldb32[48], b32[48];
	int64_t now = (int64_t)time(NULL);
	(void)state;

	assert_int_equal(fort_totp_enroll(&old, v), 0);
	snprintf(oldb32, sizeof oldb32, "%s", old->secret);
	fort_totp_enrolment_free(old);
	assert_int_equal(fort_totp_propose(&p, v), 0);
	assert_non_null(strstr(p->uri, "otpauth://totp/Fortress%20Orbit%20Bakery:alice?secret="));
	assert_non_null(strstr(p->uri, p->secret));
	assert_string_equal(p->recovery[0], "");
	assert_string_not_equal(p->secret, oldb32);
	snprintf(b32, sizeof b32, "%s", p->secret);
	fort_totp_enrolment_free(p);
	/* malformed: not six digits, not a secret of ours */
	code_at(code, b32, now);
	assert_int_equal(fort_totp_confirm(&e, v, b32, "12345"), FORT_EINPUT);
	assert_int_equal(fort_totp_confirm(&e, v, b32, "12345a"), FORT_EINPUT);
	assert_int_equal(fort_totp_confirm(&e, v, "MZXW6YQ", code), FORT_EINPUT);
	assert_int_equal(fort_totp_confirm(&e, v, "not base32!", code), FORT_EINPUT);
	/* a wrong code */
	snprintf(wrongc, sizeof wrongc, "%06d", (atoi(code) + 500000) % 1000000);
	assert_int_equal(fort_totp_confirm(&e, v, b32, wrongc), FORT_EAUTH);
	assert_null(e);
	fort_vault_close(v);
	/* nothing changed: the old factor still signs in, the proposed one not */
	so.now = now + 30;
	code_at(code, b32, now + 30);
	assert_int_equal(fort_signin(&key, NULL, vault_at("twostep.fort"), "alice", pass, code, &so), FORT_EAUTH);
	code_at(code, oldb32, now + 30);
	assert_int_equal(fort_signin(&key, NULL, vault_at("twostep.fort"), "alice", pass, code, &so), 0);
	fort_secret_free(key);
	key = NULL;
	/* the right code (spaces allowed): enrolled, with ten recovery codes */
	v = open_vault(vault_at("twostep.fort"), PASS);
	code_at(code, b32, now);
	{
		char spaced[9];
		snprintf(spaced, sizeof spaced, "%.3s %.3s", code, code + 3);
		assert_int_equal(fort_totp_confirm(&e, v, b32, spaced), 0);
	}
	assert_string_equal(e->secret, b32);
	for (int i = 0; i < FORT_TOTP_RECOVERY_CODES; i++)
		assert_int_equal(strlen(e->recovery[i]), 12);
	fort_totp_enrolment_free(e);
	expect_verified(v);
	fort_vault_close(v);
	/* the code typed to confirm cannot sign in; the next one does; the old factor no longer */
	so.now = now;
	assert_int_equal(fort_signin(&key, NULL, vault_at("twostep.fort"), "alice", pass, code, &so), FORT_EAUTH);
	so.now = now + 60;
	code_at(code, oldb32, now + 60);
	assert_int_equal(fort_signin(&key, NULL, vault_at("twostep.fort"), "alice", pass, code, &so), FORT_EAUTH);
	code_at(code, b32, now + 60);
	assert_int_equal(fort_signin(&key, NULL, vault_at("twostep.fort"), "alice", pass, code, &so), 0);
	fort_secret_free(key);
	fort_secret_free(pass);
}

/* The async calls waited for: their callback's code as the return value,
 * its message as this thread's error (for ALLOC_LOOP). */
static int get_async_wait(fort_vault *hv, const char *id)
{
	struct async_got g;
	int r;
	memset(&g, 0, sizeof g);
	assert_int_equal(sem_init(&g.sem, 0, 0), 0);
	if ((r = fort_client_get_async(hv, id, NULL, async_record, &g)) == 0) {
		assert_int_equal(sem_wait_s(&g.sem, 60), 0);
		assert_int_equal(g.calls, 1);
		assert_true(g.code < 0 || g.had_rec);
		if (g.code < 0)
			r = fort_error_set(g.code, "%s", g.msg);
	}
	sem_destroy(&g.sem);
	return r;
}

static int flush_async_wait(fort_vault *hv)
{
	struct async_got g;
	int r;
	memset(&g, 0, sizeof g);
	assert_int_equal(sem_init(&g.sem, 0, 0), 0);
	if ((r = fort_vault_flush_async(hv, async_flushed, &g)) == 0) {
		assert_int_equal(sem_wait_s(&g.sem, 60), 0);
		assert_int_equal(g.calls, 1);
		if (g.code < 0)
			r = fort_error_set(g.code, "%s", g.msg);
	}
	sem_destroy(&g.sem);
	return r;
}

/* An allocation loop over a held read (MODE 0) or a find summary's flush
 * (MODE 1) through *HV.  A refresh that fails while it reads the keys
 * again locks the handle (vault.c, refresh_read: what is left cannot be
 * trusted), and a failed refresh leaves the next one to read everything
 * (refresh_due): on PostgreSQL every request's refresh reads, so an
 * allocation failure there leaves the handle locked.  The server closes
 * such a handle and opens another (session acquire); so does this loop,
 * which must still end with the call succeeding. */
static void async_alloc_loop(fort_vault **hv, fort_vault *v, fort_audit_writer *w, const char *cid, int mode)
{
	for (unsigned long nth = 1;; nth++) {
		int r_;
		fort_error_clear();
		fort_alloc_fail_at(nth);
		r_ = mode == 0 ? get_async_wait(*hv, cid) : flush_async_wait(*hv);
		fort_alloc_fail_at(0);
		if (r_ >= 0)
			break;
		assert_true(fort_error_name(r_) != NULL && fort_error_message()[0]);
		if (r_ == FORT_ELOCKED) {
			fort_secret *k = key_of(v);
			fort_vault_close(*hv);
			*hv = NULL;
			assert_int_equal(fort_vault_open_key(hv, vault_at("alloc.fort"), "alice", k), 0);
			fort_secret_free(k);
			assert_int_equal(fort_vault_use_audit_writer(*hv, w), 0);
		}
		assert_true(nth < 100000);
	}
}

static void test_alloc_loops(void **state)
{
	fort_vault *v = create_vault("alloc.fort");
	fort_sessions *s = NULL;
	fort_totp_enrolment *e = NULL;
	fort_secret *k = NULL;
	char id[FORT_SESSION_TOKEN_LEN + 1], csrf[FORT_SESSION_TOKEN_LEN + 1], user[128];
	uint64_t n;
	int64_t last;
	(void)state;

	ALLOC_LOOP(fort_sessions_new(&s, NULL), (void)0);
	ALLOC_LOOP((fort_secret_new(&k, "0123456789abcdef0123456789abcdef", 32) < 0 ? FORT_ENOMEM
		    : fort_session_start(id, csrf, s, "alice", k)), (void)0);
	ALLOC_LOOP(fort_session_get(&k, user, s, id, csrf), fort_secret_free(k));
	/* a session's handle: opened at its first acquire (a failure ends the
	 * session, so each try starts one) */
	for (unsigned long nth = 1;; nth++) {
		fort_vault *hv = NULL;
		int r_;
		k = key_of(v);
		assert_int_equal(fort_session_start(id, csrf, s, "alice", k), 0);
		fort_error_clear();
		fort_alloc_fail_at(nth);
		r_ = fort_session_acquire(&hv, user, s, id, vault_at("alloc.fort"));
		fort_alloc_fail_at(0);
		if (r_ == 0) {
			assert_non_null(hv);
			assert_string_equal(user, "alice");
			assert_int_equal(fort_vault_flush(hv), 0);
			fort_session_release(s, hv);
			break;
		}
		assert_true(fort_error_name(r_) != NULL && fort_error_message()[0]);
		assert_null(hv);
		/* ended by a failed open; one that failed before it stays */
		(void)fort_session_end(s, id);
		assert_true(nth < 100000);
	}
	(void)fort_session_end(s, id);
	/* a refresh after another handle committed: a failure closes the handle */
	for (unsigned long nth = 1;; nth++) {
		fort_vault *hv = NULL;
		int r_;
		k = key_of(v);
		assert_int_equal(fort_vault_open_key(&hv, vault_at("alloc.fort"), "alice", k), 0);
		fort_secret_free(k);
		assert_int_equal(fort_audit_refusal(v, "http", "a change the other handle must see"), 0);
		fort_error_clear();
		fort_alloc_fail_at(nth);
		r_ = fort_vault_refresh(hv);
		fort_alloc_fail_at(0);
		if (r_ == 0) {
			assert_int_equal(fort_vault_refresh(hv), 0);  /* nothing new: nothing read */
			fort_vault_close(hv);
			break;
		}
		assert_true(fort_error_name(r_) != NULL && fort_error_message()[0]);
		fort_vault_close(hv);
		assert_true(nth < 100000);
	}
	/* the group commit (audit/writer.c): a writer, a handle that uses it, an
	 * entry written through it (an allocation of the writer's thread may
	 * fail too: the waiting call gets the error), a refresh after it */
	{
		fort_audit_writer *w = NULL;
		fort_vault *hv = NULL;
		uint64_t commits = 0;
		char cid[FORT_ID_LEN + 1];
		const fort_kv kv[] = { { "full_name", "Jane Doe" }, { "email", "jane@example.org" } };
		/* a client to read, added before the handle opens (PostgreSQL:
		 * an open handle sees another's add at its next open) */
		assert_int_equal(fort_client_add(cid, v, kv, 2), 0);
		ALLOC_LOOP(fort_audit_writer_new(&w, vault_at("alloc.fort")), (void)0);
		k = key_of(v);
		assert_int_equal(fort_vault_open_key(&hv, vault_at("alloc.fort"), "alice", k), 0);
		fort_secret_free(k);
		ALLOC_LOOP(fort_vault_use_audit_writer(hv, w), (void)0);
		ALLOC_LOOP(fort_audit_refusal(hv, "http", "written by the group commit"), (void)0);
		ALLOC_LOOP(fort_vault_refresh(hv), (void)0);
		{
			/* the record handed over after its entry's commit; a find's
			 * summary flushed through it */
			char (*ids)[FORT_ID_LEN + 1] = NULL;
			size_t nf = 0;
			async_alloc_loop(&hv, v, w, cid, 0);
			assert_int_equal(fort_client_find(&ids, &nf, hv, "email", "jane@example.org"), 0);
			free(ids);
			async_alloc_loop(&hv, v, w, cid, 1);
			assert_int_equal(fort_vault_refresh(hv), 0);
		}
		fort_vault_close(hv);
		fort_audit_writer_stats(w, &commits, NULL, NULL);
		assert_true(commits >= 1);
		fort_audit_writer_free(w);
		assert_int_equal(fort_vault_refresh(v), 0);
	}
	ALLOC_LOOP(fort_vault_flush(v), (void)0);
	ALLOC_LOOP(fort_totp_enroll(&e, v), fort_totp_enrolment_free(e));
	ALLOC_LOOP(fort_totp_enrolled(v, "alice"), (void)0);
	{
		char b32[48], code[7];
		ALLOC_LOOP(fort_totp_propose(&e, v), (snprintf(b32, sizeof b32, "%s", e->secret), fort_totp_enrolment_free(e)));
		code_at(code, b32, (int64_t)time(NULL));
		ALLOC_LOOP(fort_totp_confirm(&e, v, b32, code), fort_totp_enrolment_free(e));
	}
	ALLOC_LOOP(fort_signin_failures(&n, &last, v, 0), (void)0);
	ALLOC_LOOP(fort_signout(v, "signed out"), (void)0);
	ALLOC_LOOP(fort_audit_refusal(v, "http", "missing CSRF token"), (void)0);
	ALLOC_LOOP(fort_totp_remove(v, "alice"), (void)0);
	assert_int_equal(fort_totp_enrolled(v, "alice"), 0);
	expect_verified(v);
	fort_sessions_free(s);
	fort_vault_close(v);
}


static int reauth_cb(void *ctx, const fort_audit_entry *e)
{
	int *denied = ctx;
	if (strcmp(e->action, "reauth") == 0 && strcmp(e->result, "denied") == 0)
		(*denied)++;
	return 0;
}

/* The keys page's passphrase typed again (fort_reauth): wrong ones are
 * counted with the sign-in's counters, per account and address; the sixth
 * waits (no Argon2id spent), audited; sign-in is slowed too; later the
 * right one passes and clears the counts. */
static void test_reauth_throttle(void **state)
{
	fort_vault *v = create_vault("reauth.fort");
	fort_signin_opts so = FORT_SIGNIN_OPTS_INIT;
	fort_secret *pass = secret(PASS), *bad = secret("not-the-passphrase-at-all-really"), *key = NULL;
	int64_t t = (int64_t)time(NULL);
	int retry = 0;
	(void)state;

	so.address = "192.0.2.9";
	so.now = t;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(fort_reauth(&retry, v, bad, &so), FORT_EAUTH);
		assert_int_equal(retry, 0);
	}
	assert_int_equal(fort_reauth(&retry, v, pass, &so), FORT_EDENIED);
	assert_true(retry > 0);
	assert_non_null(strstr(fort_error_message(), "try again in"));
	/* the same counters as signing in: alice's sign-in waits too */
	retry = 0;
	assert_int_equal(fort_signin(&key, &retry, vault_at("reauth.fort"), "alice", pass, "000000", &so), FORT_EDENIED);
	assert_true(retry > 0);
	assert_null(key);
	/* another address for the same account: still the account's wait */
	so.address = "198.51.100.4";
	assert_int_equal(fort_reauth(&retry, v, pass, &so), FORT_EDENIED);
	/* after the wait: the right passphrase, and the counts cleared */
	so.now = t + 3600;
	assert_int_equal(fort_reauth(&retry, v, pass, &so), 0);
	assert_int_equal(retry, 0);
	so.now = t + 3601;
	assert_int_equal(fort_reauth(&retry, v, bad, &so), FORT_EAUTH);
	assert_int_equal(retry, 0);
	{
		int denied = 0;
		assert_int_equal(fort_audit_log(v, NULL, reauth_cb, &denied), 0);
		assert_int_equal(denied, 8);  /* 6 wrong ones, 2 throttled */
	}
	expect_verified(v);
	fort_vault_close(v);
	fort_secret_free(pass);
	fort_secret_free(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_totp_signin),
		cmocka_unit_test(test_totp_other_step_logged),
		cmocka_unit_test(test_totp_propose_confirm),
		cmocka_unit_test(test_session_handle),
		cmocka_unit_test(test_group_commit_refresh),
		cmocka_unit_test(test_group_commit_threads),
		cmocka_unit_test(test_group_commit_async),
		cmocka_unit_test(test_totp_seal_marker),
		cmocka_unit_test(test_reauth_throttle),
		cmocka_unit_test(test_alloc_loops),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
