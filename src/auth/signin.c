/* signin.c - signing in to `fortress serve`: name, passphrase and a second
 * factor, throttled per account and per address, every failure audited.
 *
 * The passphrase unseals the user's keyring exactly as an unlock does
 * (Argon2id); the second factor is then checked against the user's own
 * encrypted TOTP blob (totp.c).  The result is the user's secret keys as a
 * fort_secret, which the server keeps for the session (session.c) and opens
 * the vault with on each request, as the unlock agent's clients do.
 *
 * Throttle: after THROTTLE_FREE failures in a row for an account or an
 * address (IPv6: its /64), each further attempt waits 2^(failures - THROTTLE_FREE) seconds
 * after the last failure, at most THROTTLE_MAX; a success clears both.
 * The wait is checked before Argon2id runs, so a refused attempt is cheap
 * and is not audited (a flood would only grow the log); the failures that
 * led to it were. */
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include "auth/auth_int.h"
#include "store/signin.h"
#include "vault/op.h"

#define THROTTLE_FREE 5
#define THROTTLE_MAX 900

static int64_t throttle_wait(int64_t failures, int64_t last, int64_t now)
{
	int64_t wait;
	if (failures < THROTTLE_FREE)
		return 0;
	wait = failures - THROTTLE_FREE >= 10 ? THROTTLE_MAX : (int64_t)1 << (failures - THROTTLE_FREE);
	if (wait > THROTTLE_MAX)
		wait = THROTTLE_MAX;
	return last + wait > now ? last + wait - now : 0;
}

/* The throttle's keys.  An IPv6 client is counted by its /64: one
 * machine commonly holds a whole /64, and would otherwise get 2^64 fresh
 * addresses to guess from. */
static void keys_for(char ukey[160], char akey[80], const char *user, const char *addr)
{
	struct in6_addr a6;
	char net[INET6_ADDRSTRLEN];
	snprintf(ukey, 160, "u:%s", user);
	if (addr && inet_pton(AF_INET6, addr, &a6) == 1 && !IN6_IS_ADDR_V4MAPPED(&a6)) {
		memset(a6.s6_addr + 8, 0, 8);
		if (inet_ntop(AF_INET6, &a6, net, sizeof net)) {
			snprintf(akey, 80, "a:%s/64", net);
			return;
		}
	}
	snprintf(akey, 80, "a:%s", addr && *addr ? addr : "-");
}

static void note_failure(store *s, const char *ukey, const char *akey, int64_t now)
{
	/* best effort: a failure to count is not a reason to let anyone in,
	 * and the refusal stands either way */
	(void)store_throttle_fail(s, ukey, now);
	(void)store_throttle_fail(s, akey, now);
}

/* The sign-in's last step, in one transaction: the second factor checked
 * (a code used is marked in the user's blob), the throttle cleared, the
 * "signin" entry. */
struct second_ctx {
	const char *code, *addr, *ukey, *akey;
	int64_t now;
	char why[64];
	int factor_failed;  /* the second factor refused or not checked */
};

static int second_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct second_ctx *x = ctx;
	int recovery, r = totp_check(v, x->code, x->now, x->why, sizeof x->why);
	if (r == FORT_ENOTFOUND) {
		snprintf(x->why, sizeof x->why, "no second factor enrolled");
		r = fort_error_set(FORT_EDENIED, "user '%s' has no second factor yet: enrol one with 'fortress --user %s user totp enroll' "
				   "before signing in to the server", v->user, v->user);
	}
	if (r < 0) {
		x->factor_failed = 1;
		return r;
	}
	recovery = strncmp(x->why, "recovery", 8) == 0;
	snprintf(detail, cap, "signed in from %s%s%s", x->addr, recovery ? "; " : "", recovery ? x->why : "");
	if ((r = store_throttle_clear(v->st, x->ukey)) < 0 || (r = store_throttle_clear(v->st, x->akey)) < 0)
		return r;
	return 0;
}

/* A second factor refused (or not checked) is audited "signin-failed",
 * signed: the passphrase was right, so this is the user's key speaking
 * (someone holding the passphrase, without the code).  A failure after it
 * (the throttle, the disk) is not a refusal. */
static const char *second_refused(fort_vault *v, void *ctx, int code, char *detail, size_t cap)
{
	struct second_ctx *x = ctx;
	(void)v;
	(void)code;
	if (!x->factor_failed)
		return NULL;
	snprintf(detail, cap, "sign-in from %s: %s", x->addr, x->why[0] ? x->why : "second factor could not be checked");
	return "signin-failed";
}

int fort_signin(fort_secret **key_out, int *retry_after, const char *path, const char *user, const fort_secret *pass,
		const char *code, const fort_signin_opts *o)
{
	fort_signin_opts def = FORT_SIGNIN_OPTS_INIT;
	fort_vault *locked = NULL, *v = NULL;
	fort_secret *key = NULL;
	keyring *kr = NULL;
	store_user u;
	char ukey[160], akey[80], detail[256];
	const char *addr;
	int64_t now, f, last, wait;
	static const vault_op op = { "signin", 0, NULL, second_write, .refusal = second_refused };
	struct second_ctx x;
	int r;

	*key_out = NULL;
	memset(&x, 0, sizeof x);
	if (retry_after)
		*retry_after = 0;
	memset(&u, 0, sizeof u);
	if (!o)
		o = &def;
	if ((r = fort_check_version(o->version, FORT_SIGNIN_OPTS_VERSION, "fort_signin_opts", "FORT_SIGNIN_OPTS_INIT")) < 0)
		return r;
	if (!user || !*user || strlen(user) > 120 || !pass || !code)
		return fort_error_set(FORT_EINPUT, "sign-in needs a user name (at most 120 bytes), a passphrase and a code");
	addr = o->address && *o->address ? o->address : "-";
	if (strlen(addr) > 64)
		return fort_error_set(FORT_EINPUT, "sign-in: the client address is too long");
	now = o->now ? o->now : fort_now();
	keys_for(ukey, akey, user, addr);

	if ((r = fort_vault_open(&locked, path, NULL, NULL)) < 0)
		return r;
	/* 1. throttled?  Checked before any costly work. */
	wait = 0;
	if ((r = store_throttle_get(locked->st, ukey, &f, &last)) < 0)
		goto out;
	wait = throttle_wait(f, last, now);
	if ((r = store_throttle_get(locked->st, akey, &f, &last)) < 0)
		goto out;
	if (throttle_wait(f, last, now) > wait)
		wait = throttle_wait(f, last, now);
	if (wait > 0) {
		if (retry_after)
			*retry_after = (int)wait;
		r = fort_error_set(FORT_EDENIED, "too many failed sign-ins for this account or from this address: try again in %lld s",
				   (long long)wait);
		goto out;
	}
	/* 2. the passphrase */
	if ((r = store_user_get(locked->st, &u, user)) < 0) {
		if (r != FORT_ENOTFOUND)
			goto out;
		snprintf(detail, sizeof detail, "sign-in from %s: unknown user name", addr);
		(void)audit_append_unsigned(locked->st, 0, user, "unlock-failed", "denied", detail);
		note_failure(locked->st, ukey, akey, now);
		r = fort_error_set(FORT_EAUTH, "sign-in refused: wrong name, passphrase or code");
		goto out;
	}
	if (strcmp(u.status, "active") != 0) {
		snprintf(detail, sizeof detail, "sign-in from %s: user is %s", addr, u.status);
		(void)audit_append_unsigned(locked->st, u.id, u.name, "unlock-failed", "denied", detail);
		note_failure(locked->st, ukey, akey, now);
		r = fort_error_set(FORT_EAUTH, "sign-in refused: wrong name, passphrase or code");
		goto out;
	}
	r = keys_user_unseal(&kr, &u, pass);
	if (r == FORT_EAUTH) {
		snprintf(detail, sizeof detail, "sign-in from %s: wrong passphrase", addr);
		(void)audit_append_unsigned(locked->st, u.id, u.name, "unlock-failed", "denied", detail);
		note_failure(locked->st, ukey, akey, now);
		r = fort_error_set(FORT_EAUTH, "sign-in refused: wrong name, passphrase or code");
		goto out;
	}
	if (r < 0 || (r = keys_user_secret(&key, kr)) < 0)
		goto out;
	fort_vault_close(locked);
	locked = NULL;
	/* 3. the second factor, with the keys (its blob needs them): no role
	 * to check (any active user may sign in) */
	if ((r = fort_vault_open_key(&v, path, user, key)) < 0)
		goto out;
	x.code = code;
	x.addr = addr;
	x.ukey = ukey;
	x.akey = akey;
	x.now = now;
	if ((r = vault_op_run(v, &op, "", &x)) < 0) {
		if (r == FORT_EAUTH && x.factor_failed)
			note_failure(v->st, ukey, akey, now);
		goto out;
	}
	*key_out = key;
	key = NULL;
	r = 0;
out:
	keyring_free(kr);
	fort_secret_free(key);
	store_user_release(&u);
	fort_vault_close(v);
	fort_vault_close(locked);
	return r;
}

int fort_signin_failures(uint64_t *n, int64_t *last, fort_vault *v, int64_t since)
{
	return store_signin_failures(v->st, since, n, last);
}

int fort_signout(fort_vault *v, const char *why)
{
	int r;
	if ((r = vault_need_unlocked(v)) < 0)
		return r;
	return audit_record(v, "signout", "", "", "", "ok", why && *why ? why : "signed out");
}

int fort_audit_refusal(fort_vault *v, const char *what, const char *reason)
{
	int r;
	if ((r = vault_need_unlocked(v)) < 0)
		return r;
	if (!what || !*what || strlen(what) > 32 || !reason)
		return fort_error_set(FORT_EINPUT, "fort_audit_refusal needs an action name (at most 32 bytes) and a reason");
	return audit_record(v, what, "", "", "", "denied", reason);
}

int fort_reauth(int *retry_after, fort_vault *v, const fort_secret *pass, const fort_signin_opts *o)
{
	fort_signin_opts def = FORT_SIGNIN_OPTS_INIT;
	char ukey[160], akey[80];
	int64_t now, f, last, wait;
	int r;

	if (retry_after)
		*retry_after = 0;
	if (!o)
		o = &def;
	if ((r = fort_check_version(o->version, FORT_SIGNIN_OPTS_VERSION, "fort_signin_opts", "FORT_SIGNIN_OPTS_INIT")) < 0)
		return r;
	if ((r = vault_need_unlocked(v)) < 0)
		return r;
	if (o->address && strlen(o->address) > 64)
		return fort_error_set(FORT_EINPUT, "the client address is too long");
	now = o->now ? o->now : fort_now();
	/* the sign-in's own counters: a guess here is a guess there */
	keys_for(ukey, akey, v->user, o->address && *o->address ? o->address : "-");
	if ((r = store_throttle_get(v->st, ukey, &f, &last)) < 0)
		return r;
	wait = throttle_wait(f, last, now);
	if ((r = store_throttle_get(v->st, akey, &f, &last)) < 0)
		return r;
	if (throttle_wait(f, last, now) > wait)
		wait = throttle_wait(f, last, now);
	if (wait > 0) {
		if (retry_after)
			*retry_after = (int)wait;
		/* audited, as a refusal of this person's request (no Argon2id spent) */
		if (audit_record(v, "reauth", "", "", "", "denied", "passphrase not checked: too many wrong ones; throttled") < 0)
			return fort_error_code() ? fort_error_code() : FORT_ERROR;
		return fort_error_set(FORT_EDENIED, "too many wrong passphrases for this account or from this address: try again "
				      "in %lld s", (long long)wait);
	}
	r = fort_vault_confirm(v, pass);  /* a wrong one is audited there */
	if (r == FORT_EAUTH) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s", fort_error_message());
		note_failure(v->st, ukey, akey, now);
		return fort_error_set(FORT_EAUTH, "%s", msg);
	}
	if (r == 0) {
		(void)store_throttle_clear(v->st, ukey);
		(void)store_throttle_clear(v->st, akey);
	}
	return r;
}
