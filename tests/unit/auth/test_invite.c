/* test_invite.c - invitations to join from a browser (src/auth/invite.c):
 * made by a user with 'users', looked up and used once by the invitee
 * (passphrase rule, second factor confirmed by a code computed here), the
 * pending user approved by fort_user_add (which makes the second factor
 * theirs, so they sign in), and every refusal: a forged, expired, revoked
 * or used link, a weak passphrase, a wrong code, an invitation edited with
 * sqlite3; each leaving the vault as it was, the audit chain intact. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include <liboath/oath.h>
#include "fortress.h"

#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define BOB_PASS "marble otters juggle nine quiet lemons"
#define FIXTURE_DIR "/tmp/fort-test-invite-XXXXXX"
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

/* The state of invitation ID, and its fingerprint into FP (may be NULL). */
static const char *state_of(fort_vault *v, int64_t id, char fp[20])
{
	static char st[16];
	fort_invite_info *in = NULL;
	size_t n = 0;
	st[0] = '\0';
	assert_int_equal(fort_invite_list(&in, &n, v), 0);
	for (size_t i = 0; i < n; i++)
		if (in[i].id == id) {
			snprintf(st, sizeof st, "%s", in[i].state);
			if (fp)
				memcpy(fp, in[i].fingerprint, 20);
		}
	free(in);
	return st;
}

static size_t users(fort_vault *v)
{
	fort_user_info *u = NULL;
	size_t n = 0;
	assert_int_equal(fort_user_list(&u, &n, v), 0);
	free(u);
	return n;
}

static void test_invite_join(void **state)
{
	fort_vault *v = create_vault("invite.fort");
	const char *path = vault_at("invite.fort");
	fort_secret *tok = NULL, *tok2 = NULL, *bob = secret(BOB_PASS), *weak = secret("password1"), *key = NULL;
	fort_invite_info in;
	fort_totp_enrolment *e = NULL, *joined = NULL;
	fort_signin_opts so = FORT_SIGNIN_OPTS_INIT;
	int64_t now = (int64_t)time(NULL), exp = 0, id = 0, id2 = 0;
	char token[128], forged[160], code[7], wrong[12], b32[48], fp[20], listed[20];
	(void)state;

	/* the expiry: days, within the limit */
	assert_int_equal(fort_invite_expiry(&exp, NULL, now), 0);
	assert_true(exp == now + 7 * 86400);
	assert_int_equal(fort_invite_expiry(&exp, "0d", now), FORT_EINPUT);
	assert_int_equal(fort_invite_expiry(&exp, "31d", now), FORT_EINPUT);
	assert_int_equal(fort_invite_expiry(&exp, "3d", now), 0);

	/* made by the owner; a taken name, a second open one, an unknown role refused */
	assert_int_equal(fort_invite_create(&tok, &id, v, "bob", "staff", exp), 0);
	snprintf(token, sizeof token, "%s", (const char *)fort_secret_data(tok));
	fort_secret_free(tok);
	assert_true(id > 0);
	assert_int_equal(fort_invite_create(&tok2, NULL, v, "bob", "staff", exp), FORT_EEXISTS);
	assert_null(tok2);
	assert_int_equal(fort_invite_create(&tok2, NULL, v, "alice", "staff", exp), FORT_EEXISTS);
	assert_int_equal(fort_invite_create(&tok2, NULL, v, "carol", "no-such-role", exp), FORT_ENOTFOUND);
	assert_string_equal(state_of(v, id, NULL), "open");

	/* the link: looked up (no keys), a second factor proposed */
	assert_int_equal(fort_invite_lookup(&in, &e, path, token, 0), 0);
	assert_string_equal(in.name, "bob");
	assert_string_equal(in.role, "staff");
	assert_string_equal(in.business, "Orbit Bakery");
	assert_non_null(strstr(e->uri, "otpauth://totp/Fortress%20Orbit%20Bakery:bob?secret="));
	snprintf(b32, sizeof b32, "%s", e->secret);
	fort_totp_enrolment_free(e);
	e = NULL;
	/* after its expiry: refused */
	assert_int_equal(fort_invite_lookup(&in, NULL, path, token, exp + 1), FORT_EDENIED);
	assert_non_null(strstr(fort_error_message(), "expired"));
	assert_int_equal(fort_invite_join(&joined, fp, path, token, bob, b32, "000000", exp + 1), FORT_EDENIED);
	/* forged: the same number, another secret; not a token at all */
	snprintf(forged, sizeof forged, "%s", token);
	forged[strlen(forged) - 3] = forged[strlen(forged) - 3] == 'A' ? 'B' : 'A';
	assert_int_equal(fort_invite_lookup(&in, NULL, path, forged, 0), FORT_ENOTFOUND);
	assert_null(strstr(fort_error_message(), forged));
	assert_int_equal(fort_invite_lookup(&in, NULL, path, "12", 0), FORT_ENOTFOUND);
	assert_int_equal(fort_invite_lookup(&in, NULL, path, "", 0), FORT_ENOTFOUND);
	assert_int_equal(fort_invite_join(&joined, fp, path, forged, bob, b32, "000000", 0), FORT_ENOTFOUND);

	/* a weak passphrase, a wrong code: nothing made */
	code_at(code, b32, now);
	snprintf(wrong, sizeof wrong, "%06d", (atoi(code) + 1) % 1000000);
	assert_int_equal(fort_invite_join(&joined, fp, path, token, weak, b32, code, 0), FORT_EWEAK);
	assert_int_equal(fort_invite_join(&joined, fp, path, token, bob, b32, wrong, 0), FORT_EAUTH);
	assert_null(joined);
	assert_int_equal(users(v), 1);
	assert_string_equal(state_of(v, id, NULL), "open");

	/* joined: a pending user, the second factor's recovery codes, the fingerprint */
	code_at(code, b32, (int64_t)time(NULL));
	assert_int_equal(fort_invite_join(&joined, fp, path, token, bob, b32, code, 0), 0);
	assert_non_null(joined);
	assert_int_equal(strlen(joined->recovery[9]), 12);
	fort_totp_enrolment_free(joined);
	joined = NULL;
	assert_int_equal(users(v), 2);
	assert_string_equal(state_of(v, id, listed), "joined");
	assert_string_equal(listed, fp);
	/* once only */
	assert_int_equal(fort_invite_lookup(&in, NULL, path, token, 0), FORT_EDENIED);
	assert_non_null(strstr(fort_error_message(), "already used"));
	assert_int_equal(fort_invite_join(&joined, NULL, path, token, bob, b32, code, 0), FORT_EDENIED);
	/* pending: no sign-in yet */
	so.now = now + 60;
	code_at(code, b32, now + 60);
	assert_int_equal(fort_signin(&key, NULL, path, "bob", bob, code, &so), FORT_EAUTH);
	assert_null(key);
	/* a joined invitation is not revoked (the pending user is removed instead) */
	assert_int_equal(fort_invite_revoke(v, id), FORT_EINPUT);

	/* approved with the fingerprint: active, their second factor theirs, the invitation used */
	assert_int_equal(fort_user_add(v, "bob", "staff", "0000 0000 0000 0000"), FORT_ETAMPER);
	assert_int_equal(fort_user_add(v, "bob", "staff", fp), 0);
	assert_string_equal(state_of(v, id, NULL), "approved");
	assert_int_equal(fort_totp_enrolled(v, "bob"), 1);
	so.now = now + 90;
	code_at(code, b32, now + 90);
	assert_int_equal(fort_signin(&key, NULL, path, "bob", bob, code, &so), 0);
	fort_secret_free(key);

	/* revoked: the link opens nothing; not twice */
	assert_int_equal(fort_invite_create(&tok2, &id2, v, "carol", "staff", exp), 0);
	snprintf(token, sizeof token, "%s", (const char *)fort_secret_data(tok2));
	fort_secret_free(tok2);
	assert_int_equal(fort_invite_revoke(v, id2), 0);
	assert_int_equal(fort_invite_revoke(v, id2), FORT_EINPUT);
	assert_int_equal(fort_invite_revoke(v, 999), FORT_ENOTFOUND);
	assert_int_equal(fort_invite_lookup(&in, NULL, path, token, 0), FORT_EDENIED);
	assert_non_null(strstr(fort_error_message(), "withdrawn"));
	assert_string_equal(state_of(v, id2, NULL), "revoked");

	/* a staff member may not invite or list */
	{
		fort_vault *b = NULL;
		assert_int_equal(fort_vault_open(&b, path, "bob", bob), 0);
		assert_int_equal(fort_invite_create(&tok2, NULL, b, "dan", "staff", exp), FORT_EDENIED);
		{
			fort_invite_info *l = NULL;
			size_t n = 0;
			assert_int_equal(fort_invite_list(&l, &n, b), FORT_EDENIED);
		}
		fort_vault_close(b);
	}
	expect_verified(v);
	fort_vault_close(v);
	fort_secret_free(bob);
	fort_secret_free(weak);
}

static void edit(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_invite_tamper(void **state)
{
	SQLITE_ONLY("edits the vault file with SQLite");
	fort_vault *v = create_vault("tamper.fort");
	const char *path = vault_at("tamper.fort");
	fort_secret *tok = NULL;
	fort_invite_info in, *l = NULL;
	size_t n = 0;
	int64_t id = 0;
	char token[128];
	(void)state;

	assert_int_equal(fort_invite_create(&tok, &id, v, "bob", "staff", (int64_t)time(NULL) + 86400), 0);
	snprintf(token, sizeof token, "%s", (const char *)fort_secret_data(tok));
	fort_secret_free(tok);
	/* the role widened, then the expiry pushed back: refused, named */
	edit(path, "UPDATE invitations SET role = 'owner'");
	assert_int_equal(fort_invite_lookup(&in, NULL, path, token, 0), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "invitation #"));
	{
		/* the list, read by a handle opened now */
		fort_vault *w = open_vault(path, PASS);
		assert_int_equal(fort_invite_list(&l, &n, w), FORT_ETAMPER);
		fort_vault_close(w);
	}
	edit(path, "UPDATE invitations SET role = 'staff', expires = expires + 86400 * 300");
	assert_int_equal(fort_invite_lookup(&in, NULL, path, token, 0), FORT_ETAMPER);
	/* put back as it was: good again */
	edit(path, "UPDATE invitations SET expires = expires - 86400 * 300");
	if (fort_invite_lookup(&in, NULL, path, token, 0) != 0)
		fail_msg("lookup after the edit was undone: %s", fort_error_message());
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invite_join),
		cmocka_unit_test(test_invite_tamper),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
