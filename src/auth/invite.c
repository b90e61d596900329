/* invite.c - invitations to join from a browser (issue 17): a user with
 * the 'users' action makes one for a name and a role; its link
 * (/join/ID_SECRET) is shown once and stored only as a verifier (keyed
 * BLAKE2b of the secret part), compared in constant time.  The invitee
 * opens it in their own browser and, in one step, chooses their
 * passphrase (their key pairs sealed under it: fort_user_request's own
 * code, vault_user_request_in) and confirms a second factor; they are then
 * a pending user, as after 'fortress user request', and read their
 * fingerprint to the person who approves them ('user add', which also
 * makes the second factor theirs: users.c take_join).
 *
 * The invitations table is sealed (its writers sign); the join is not:
 * the invitee signs nothing yet, so the join, its pending user and its
 * second factor are written under unsigned entries, as a user request is,
 * and only the approval (signed, after comparing the fingerprint) gives
 * them any key.  A used, expired, revoked or unknown link changes nothing
 * and is audited (unsigned: nobody to sign); the token never reaches the
 * audit log, an error or a log line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "auth/auth_int.h"
#include "vault/op.h"
#include "store/signin.h"

#define INV_SECRET_LEN 32
#define INV_B64_LEN 43
static const char verifier_key[] = "fortress invitation link verifier v1";

static void verifier_of(unsigned char out[32], const unsigned char secret[INV_SECRET_LEN])
{
	crypto_generichash(out, 32, secret, INV_SECRET_LEN, (const unsigned char *)verifier_key, sizeof verifier_key - 1);
}

int fort_invite_expiry(int64_t *expires, const char *text, int64_t now)
{
	char *end = NULL;
	long days;
	*expires = 0;
	if (!text || !*text) {
		*expires = now + (int64_t)FORT_INVITE_DEFAULT_DAYS * 86400;
		return 0;
	}
	days = strtol(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || !end || strcmp(end, "d") != 0 || days < 1 || days > FORT_INVITE_MAX_DAYS)
		return fort_error_set(FORT_EINPUT, "expiry '%s': give days, 1d to %dd (default %dd)", text, FORT_INVITE_MAX_DAYS,
				      FORT_INVITE_DEFAULT_DAYS);
	*expires = now + (int64_t)days * 86400;
	return 0;
}

static const char *state_of(const store_invite *t, int joined, int64_t now)
{
	if (t->revoked)
		return "revoked";
	if (t->used)
		return "approved";
	if (joined)
		return "joined";
	if (now >= t->expires)
		return "expired";
	return "open";
}

/* ----------------------------------------------------------------- create */

struct create_ctx {
	const char *name, *role;
	int64_t expires;
	const role_def *rd;
	int64_t id;
	fort_secret *token;  /* made by the write: nothing can fail after the commit */
};

struct open_ctx { const char *name; int found; };

static int open_cb(void *ctx, const store_invite *t)
{
	struct open_ctx *o = ctx;
	if (strcmp(t->name, o->name) == 0 && !t->revoked && !t->used && t->expires > fort_now())
		o->found = 1;
	return 0;
}

static int create_check(fort_vault *v, void *ctx)
{
	struct create_ctx *x = ctx;
	struct open_ctx o = { x->name, 0 };
	store_user u;
	size_t n = x->name ? strlen(x->name) : 0;
	int r;
	if (n == 0 || n > 120 || !fort_utf8_valid(x->name, n) || vault_is_token_user(x->name))
		return fort_error_set(FORT_EINPUT, "a user name is 1 to 120 characters without control characters, not beginning "
				      "with '%s'", TOKEN_USER_PREFIX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)x->name[i] < 0x20 || x->name[i] == 0x7f)
			return fort_error_set(FORT_EINPUT, "a user name is 1 to 120 characters without control characters");
	if (!(x->rd = role_find(&v->roles, x->role ? x->role : "")))
		return fort_error_set(FORT_ENOTFOUND, "no role '%s' ('fortress role list' shows them)", x->role ? x->role : "");
	for (int c = 0; c < CAT_COUNT; c++)
		if ((x->rd->cats & (1u << c)) && !keys_has_slot(v->kr, c))
			return fort_error_set(FORT_EDENIED, "role '%s' needs the '%s' key, which you do not hold, so you could not "
					      "approve them: ask an owner to invite them", x->rd->name, fort_categories[c]);
	if (x->expires <= fort_now() || x->expires > fort_now() + (int64_t)FORT_INVITE_MAX_DAYS * 86400 + 60)
		return fort_error_set(FORT_EINPUT, "an invitation expires within %d days", FORT_INVITE_MAX_DAYS);
	memset(&u, 0, sizeof u);
	r = store_user_get(v->st, &u, x->name);
	if (r == 0) {
		r = fort_error_set(FORT_EEXISTS, "user '%s' already exists in this vault (%s): choose another name", x->name, u.status);
		store_user_release(&u);
		return r;
	}
	if (r != FORT_ENOTFOUND)
		return r;
	fort_error_clear();
	if ((r = store_invite_each(v->st, open_cb, &o)) < 0)
		return r;
	if (o.found)
		return fort_error_set(FORT_EEXISTS, "'%s' already has an open invitation: revoke it first ('fortress user invite "
				      "list' shows it)", x->name);
	return 0;
}

static int create_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct create_ctx *x = ctx;
	store_invite t;
	unsigned char secret[INV_SECRET_LEN];
	char b64[INV_B64_LEN + 1], exp[21], str[96];
	int r, n;
	memset(&t, 0, sizeof t);
	randombytes_buf(secret, sizeof secret);
	snprintf(t.name, sizeof t.name, "%s", x->name);
	snprintf(t.role, sizeof t.role, "%s", x->rd->name);
	snprintf(t.creator, sizeof t.creator, "%s", v->user ? v->user : "");
	t.created = fort_now();
	t.expires = x->expires;
	verifier_of(t.verifier, secret);
	if ((r = store_invite_insert(v->st, &t)) < 0)
		goto out;
	x->id = t.id;
	sodium_bin2base64(b64, sizeof b64, secret, sizeof secret, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	n = snprintf(str, sizeof str, "%lld_%s", (long long)t.id, b64);
	if ((r = fort_secret_new(&x->token, str, (size_t)n)) < 0)
		goto out;
	fort_time_iso(exp, t.expires);
	snprintf(detail, cap, "invitation #%lld for '%s' with role %s, expires %s", (long long)t.id, t.name, t.role, exp);
out:
	sodium_memzero(secret, sizeof secret);
	sodium_memzero(b64, sizeof b64);
	sodium_memzero(str, sizeof str);
	return r;
}

int fort_invite_create(fort_secret **token_out, int64_t *id_out, fort_vault *v, const char *name, const char *role,
		       int64_t expires)
{
	static const vault_op op = { "invite-create", ACT_USERS, create_check, create_write, NULL, NULL, NULL, NULL };
	struct create_ctx x;
	int r;
	*token_out = NULL;
	if (id_out)
		*id_out = 0;
	memset(&x, 0, sizeof x);
	x.name = name;
	x.role = role;
	x.expires = expires;
	if ((r = vault_op_run(v, &op, NULL, &x)) < 0) {
		fort_secret_free(x.token);
		return r;
	}
	*token_out = x.token;
	if (id_out)
		*id_out = x.id;
	return 0;
}

/* ------------------------------------------------------------------- list */

struct list_ctx {
	fort_vault *v;
	fort_invite_info *arr;
	size_t n, cap;
	int err;
};

static void info_fill(fort_invite_info *i, const store_invite *t, store *s)
{
	int64_t uid = 0;
	int joined;
	memset(i, 0, sizeof *i);
	i->id = t->id;
	snprintf(i->name, sizeof i->name, "%s", t->name);
	snprintf(i->role, sizeof i->role, "%s", t->role);
	snprintf(i->creator, sizeof i->creator, "%s", t->creator);
	i->created = t->created;
	i->expires = t->expires;
	i->revoked = t->revoked;
	i->used = t->used;
	joined = store_join_get(s, t->id, 0, NULL, &uid, NULL, NULL) == 0;
	fort_error_clear();
	i->user_id = t->used ? t->user_id : joined ? uid : 0;
	snprintf(i->state, sizeof i->state, "%s", state_of(t, joined, fort_now()));
}

static int fp_cb(void *ctx, const store_user *u)
{
	fort_invite_info *i = ctx;
	if (u->id == i->user_id)
		keys_fingerprint(i->fingerprint, u->box_pk, u->sign_pk);
	return 0;
}

static int list_cb(void *ctx, const store_invite *t)
{
	struct list_ctx *l = ctx;
	fort_invite_info *i;
	if (FORT_ARRAY_GROW(l->arr, l->n + 1, l->cap, 8) < 0)
		return FORT_ENOMEM;
	i = &l->arr[l->n++];
	info_fill(i, t, l->v->st);
	return 0;
}

int fort_invite_list(fort_invite_info **out, size_t *n, fort_vault *v)
{
	struct list_ctx l = { v, NULL, 0, 0, 0 };
	int r;
	*out = NULL;
	*n = 0;
	if ((r = vault_need(v, ACT_USERS, "invite-list", NULL)) < 0)
		return r;
	if ((r = store_invite_each(v->st, list_cb, &l)) < 0)
		goto fail;
	for (size_t k = 0; k < l.n; k++)
		if (l.arr[k].user_id && (r = store_user_each(v->st, fp_cb, &l.arr[k])) < 0)
			goto fail;
	*out = l.arr;
	*n = l.n;
	return 0;
fail:
	free(l.arr);
	return r;
}

/* ----------------------------------------------------------------- revoke */

struct revoke_ctx { int64_t id; store_invite t; };

static int revoke_check(fort_vault *v, void *ctx)
{
	struct revoke_ctx *x = ctx;
	int64_t uid;
	int r = store_invite_get(v->st, &x->t, x->id);
	if (r == FORT_ENOTFOUND)
		return fort_error_set(FORT_ENOTFOUND, "no invitation #%lld ('fortress user invite list' shows them)", (long long)x->id);
	if (r < 0)
		return r;
	if (x->t.revoked)
		return fort_error_set(FORT_EINPUT, "invitation #%lld is already revoked", (long long)x->id);
	if (x->t.used)
		return fort_error_set(FORT_EINPUT, "invitation #%lld was used: '%s' is a user now (remove them with 'fortress user "
				      "remove')", (long long)x->id, x->t.name);
	if (store_join_get(v->st, x->id, 0, NULL, &uid, NULL, NULL) == 0)
		return fort_error_set(FORT_EINPUT, "'%s' has already joined by invitation #%lld and waits for approval: to turn them "
				      "away, remove the pending user ('fortress user remove %s')", x->t.name, (long long)x->id,
				      x->t.name);
	fort_error_clear();
	return 0;
}

static int revoke_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct revoke_ctx *x = ctx;
	int r;
	if ((r = store_invite_set(v->st, x->id, fort_now(), 0, 0)) < 0)
		return r;
	snprintf(detail, cap, "invitation #%lld for '%s' revoked", (long long)x->id, x->t.name);
	return 0;
}

int fort_invite_revoke(fort_vault *v, int64_t id)
{
	static const vault_op op = { "invite-revoke", ACT_USERS, revoke_check, revoke_write, NULL, NULL, NULL, NULL };
	struct revoke_ctx x;
	memset(&x, 0, sizeof x);
	x.id = id;
	return vault_op_run(v, &op, NULL, &x);
}

/* ------------------------------------------------------------ the link */

/* TOKEN split into its id and secret: 0, or FORT_ENOTFOUND (not one of ours). */
static int parse_token(int64_t *id, unsigned char secret[INV_SECRET_LEN], const char *token)
{
	const char *us = token ? strchr(token, '_') : NULL;
	size_t len = 0;
	*id = 0;
	if (!us || us == token || us - token > 18 || strlen(us + 1) != INV_B64_LEN)
		return FORT_ENOTFOUND;
	for (const char *p = token; p < us; p++) {
		if (*p < '0' || *p > '9')
			return FORT_ENOTFOUND;
		*id = *id * 10 + (*p - '0');
	}
	if (sodium_base642bin(secret, INV_SECRET_LEN, us + 1, INV_B64_LEN, NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || len != INV_SECRET_LEN)
		return FORT_ENOTFOUND;
	return 0;
}

/* Check TOKEN against the invitations in V's store: the row into *T; a
 * refusal is audited (unsigned) and answered with one clear message. */
static int check_link(store_invite *t, fort_vault *v, const char *token, const char *what, int64_t now)
{
	unsigned char secret[INV_SECRET_LEN], ver[32];
	char detail[200];
	int64_t id = 0, uid = 0;
	int r, found = 0;
	memset(t, 0, sizeof *t);
	if ((r = parse_token(&id, secret, token)) == 0) {
		r = store_invite_get(v->st, t, id);
		if (r < 0 && r != FORT_ENOTFOUND) {
			/* a sealed row edited (role, expiry): tampering, named */
			char msg[512];
			snprintf(msg, sizeof msg, "%s", fort_error_message());
			snprintf(detail, sizeof detail, "%s: invitation #%lld refused: it was changed outside Fortress", what,
				 (long long)id);
			(void)audit_append_unsigned(v->st, 0, "-", "invite-join", "denied", detail);
			fort_error_set(r, "%s", msg);
			goto out;
		}
		if (r == 0) {
			verifier_of(ver, secret);
			found = sodium_memcmp(ver, t->verifier, sizeof ver) == 0;
		}
	}
	if (!found) {
		snprintf(detail, sizeof detail, "%s: a link that is not an invitation of this vault%s", what,
			 id ? " (its number names one, its secret does not match)" : "");
		(void)audit_append_unsigned(v->st, 0, "-", "invite-join", "denied", detail);
		r = fort_error_set(FORT_ENOTFOUND, "this invitation link is not valid (mistyped, cut short, or not from this "
				   "server): ask the person who invited you for the link again");
		goto out;
	}
	{
		int joined = store_join_get(v->st, t->id, 0, NULL, &uid, NULL, NULL) == 0;
		const char *st = state_of(t, joined, now ? now : fort_now());
		fort_error_clear();
		if (strcmp(st, "open") != 0) {
			snprintf(detail, sizeof detail, "%s: invitation #%lld for '%s' is %s", what, (long long)t->id, t->name,
				 st);
			(void)audit_append_unsigned(v->st, 0, "-", "invite-join", "denied", detail);
			r = fort_error_set(FORT_EDENIED, "%s", strcmp(st, "expired") == 0 ? "this invitation has expired: ask the "
				   "person who invited you for a new one" : strcmp(st, "revoked") == 0 ? "this invitation was "
				   "withdrawn: ask the person who invited you if they meant to" : "this invitation was already used, "
				   "so it works only once: if that was not you, tell the person who invited you now");
			goto out;
		}
	}
	r = 0;
out:
	sodium_memzero(secret, sizeof secret);
	return r;
}

int fort_invite_lookup(fort_invite_info *out, fort_totp_enrolment **totp_out, const char *path, const char *token,
		       int64_t now)
{
	fort_vault *v = NULL;
	store_invite t;
	int r;
	memset(out, 0, sizeof *out);
	if (totp_out)
		*totp_out = NULL;
	if ((r = fort_vault_open(&v, path, NULL, NULL)) < 0)
		return r;
	if ((r = check_link(&t, v, token, "invitation link opened", now)) < 0)
		goto out;
	info_fill(out, &t, v->st);
	snprintf(out->business, sizeof out->business, "%s", v->business);
	if (totp_out && (r = totp_propose_for(totp_out, v->business, t.name)) < 0)
		goto out;
	r = 0;
out:
	fort_vault_close(v);
	return r;
}

/* The joins' key derivation as strong as the owner's (tests and tiny
 * machines made the vault with interactive limits; a join follows). */
static fort_kdf owner_kdf(store *s)
{
	store_user u;
	fort_kdf k = FORT_KDF_MODERATE;
	memset(&u, 0, sizeof u);
	if (store_user_get(s, &u, NULL) == 0) {
		if (u.memlimit <= crypto_pwhash_MEMLIMIT_INTERACTIVE)
			k = FORT_KDF_INTERACTIVE;
		else if (u.memlimit >= crypto_pwhash_MEMLIMIT_SENSITIVE)
			k = FORT_KDF_SENSITIVE;
		store_user_release(&u);
	}
	fort_error_clear();
	return k;
}

struct join_ctx {
	fort_vault *v;
	const store_invite *t;
	const char *secret, *code;
	fort_totp_enrolment *e;
};

/* Inside the user request's transaction, after its pending row: the
 * second factor (the code must be right, else nothing is kept), the join. */
static int join_also(void *ctx, store *s, keyring *kr, int64_t user_id)
{
	struct join_ctx *j = ctx;
	fort_vault *v = j->v;
	unsigned char *blob = NULL;
	size_t len = 0;
	char detail[200];
	int r;
	keyring *kr0 = v->kr;
	char *user0 = v->user;
	int64_t id0 = v->user_id;
	v->kr = kr;
	v->user = (char *)j->t->name;
	v->user_id = user_id;
	r = totp_join_blob(&j->e, &blob, &len, v, j->secret, j->code);
	v->kr = kr0;
	v->user = user0;
	v->user_id = id0;
	if (r < 0)
		return r;
	snprintf(detail, sizeof detail, "joined by invitation #%lld; second factor enrolled; waits for approval ('user add')",
		 (long long)j->t->id);
	if ((r = store_join_put(s, j->t->id, user_id, blob, len, fort_now())) == FORT_EEXISTS)
		r = fort_error_set(FORT_EDENIED, "this invitation was already used, so it works only once");
	if (r == 0)
		r = audit_append_unsigned(s, user_id, j->t->name, "invite-join", "ok", detail);
	fort_wipe_free(blob);
	return r;
}

int fort_invite_join(fort_totp_enrolment **totp_out, char fingerprint_out[20], const char *path, const char *token,
		     const fort_secret *pass, const char *totp_secret, const char *code, int64_t now)
{
	fort_vault *v = NULL;
	store_invite t;
	struct join_ctx j;
	char how[64];
	int r;
	*totp_out = NULL;
	if (fingerprint_out)
		fingerprint_out[0] = '\0';
	memset(&j, 0, sizeof j);
	if ((r = fort_vault_open(&v, path, NULL, NULL)) < 0)
		return r;
	if ((r = check_link(&t, v, token, "invitation used to join", now)) < 0)
		goto out;
	j.v = v;
	j.t = &t;
	j.secret = totp_secret;
	j.code = code;
	snprintf(how, sizeof how, " by invitation #%lld", (long long)t.id);
	if ((r = vault_user_request_in(NULL, NULL, fingerprint_out, v->st, t.name, pass, owner_kdf(v->st), how, join_also,
				       &j)) < 0)
		goto out;
	*totp_out = j.e;
	j.e = NULL;
out:
	fort_totp_enrolment_free(j.e);
	fort_vault_close(v);
	return r;
}
