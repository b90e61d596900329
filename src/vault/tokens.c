/* tokens.c - tokens for programs (issue 17 item 3; docs/SECURITY.md,
 * "Tokens").
 *
 * A token is a keyholder in its own right: a row in users named
 * "token:NAME" (its public keys and role, covered by the users-and-roles
 * MAC like anyone's; granted the vault key and its role's category keys
 * like a user, so rotations re-grant it and audit entries it makes are
 * signed with its own Ed25519 key), and a sealed row in tokens (its
 * purposes, creator, expiry, revocation, a verifier of its secret and its
 * secret keys sealed under the secret: src/keys/token.c).  Nothing here
 * holds the secret after creation.  Revoking is removing the keyholder
 * (vault_keyholder_remove, the code fort_user_remove runs): its grants go
 * and every key it held is rotated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "vault/vault_int.h"
#include "vault/op.h"

#define SECRET_B64_LEN 43  /* 32 bytes, base64url without padding */

static const char refused[] = "the token is unknown, revoked or expired: ask for a new one ('fortress token create')";

int vault_is_token_user(const char *name)
{
	return name && strncmp(name, TOKEN_USER_PREFIX, strlen(TOKEN_USER_PREFIX)) == 0;
}

static int token_name_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 47)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

int fort_token_expiry(int64_t *expires, const char *text, int64_t now)
{
	char *end = NULL;
	long days;
	*expires = 0;
	if (!text || !*text) {
		*expires = now + (int64_t)FORT_TOKEN_DEFAULT_DAYS * 86400;
		return 0;
	}
	if (strcmp(text, "never") == 0)
		return 0;
	days = strtol(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || !end || strcmp(end, "d") != 0 || days < 1 || days > FORT_TOKEN_MAX_DAYS)
		return fort_error_set(FORT_EINPUT, "expiry '%s': give days, 1d to %dd (default %dd), or 'never'", text,
				      FORT_TOKEN_MAX_DAYS, FORT_TOKEN_DEFAULT_DAYS);
	*expires = now + (int64_t)days * 86400;
	return 0;
}

/* What binds a token's sealed keys to this vault, this token and its user. */
static size_t token_ad(unsigned char *ad, size_t cap, const fort_vault *v, int64_t user_id, const char *name)
{
	int n = snprintf((char *)ad, cap, "fortress-token-v1|%.*s|%lld|%s", (int)v->vault_id_len, v->vault_id,
			 (long long)user_id, name);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* ----------------------------------------------------------------- create */

struct create_ctx {
	const char *name, *role;
	const char *const *purposes;
	size_t n;
	int64_t expires;
	const role_def *rd;
	char plist[512];
	fort_secret *secret;  /* the token string, made by the write: nothing can fail after the commit */
};

static int beyond_creator(fort_vault *v, const role_def *rd)
{
	for (unsigned a = 0; a < ACT_COUNT; a++)
		if ((rd->acts & (1u << a)) && !(v->acts & (1u << a)))
			return fort_error_set(FORT_EDENIED, "role '%s' allows '%s', which your own role does not: a token never holds "
					      "more than the person who makes it", rd->name, action_name(1u << a));
	for (int c = 0; c < CAT_COUNT; c++)
		if ((rd->cats & (1u << c)) && (!(v->cats & (1u << c)) || !keys_has_slot(v->kr, c)))
			return fort_error_set(FORT_EDENIED, "role '%s' needs the '%s' key, which you do not hold: a token never holds "
					      "more than the person who makes it", rd->name, fort_categories[c]);
	if (!keys_has_slot(v->kr, SLOT_VK))
		return fort_error_set(FORT_EDENIED, "a token needs the vault key, which you do not hold");
	return 0;
}

static int create_check(fort_vault *v, void *ctx)
{
	struct create_ctx *x = ctx;
	store_token t;
	store_user u;
	size_t len = 0;
	int r;
	if (!token_name_valid(x->name))
		return fort_error_set(FORT_EINPUT, "a token name is 1 to 47 characters: a-z, 0-9, '-' and '_'");
	if (!(x->rd = role_find(&v->roles, x->role ? x->role : "")))
		return fort_error_set(FORT_ENOTFOUND, "no role '%s' ('fortress role list' shows them)", x->role ? x->role : "");
	if (strcmp(x->rd->name, "owner") == 0)
		return fort_error_set(FORT_EINPUT, "a token cannot have the owner role: make a role with only what the program needs "
				      "('fortress role add')");
	if ((r = beyond_creator(v, x->rd)) < 0)
		return r;
	if (x->expires && (x->expires <= fort_now() || x->expires > fort_now() + (int64_t)FORT_TOKEN_MAX_DAYS * 86400 + 60))
		return fort_error_set(FORT_EINPUT, "a token expires within %d days (or never)", FORT_TOKEN_MAX_DAYS);
	x->plist[0] = '\0';
	for (size_t i = 0; i < x->n; i++) {
		const char *p = x->purposes[i];
		size_t pl = p ? strlen(p) : 0;
		if (!pl)
			return fort_error_set(FORT_EINPUT, "an empty purpose: name one of the data map's ('fortress map show')");
		if ((r = map_check_purpose(&v->map, p)) < 0)
			return r;
		if (strchr(p, ','))
			return fort_error_set(FORT_EINPUT, "purpose '%s': one purpose per --purpose", p);
		if (len + pl + 2 > sizeof x->plist)
			return fort_error_set(FORT_EINPUT, "too many purposes for one token (at most %zu characters)", sizeof x->plist - 1);
		len += (size_t)snprintf(x->plist + len, sizeof x->plist - len, "%s%s", len ? "," : "", p);
	}
	if ((r = store_token_get(v->st, &t, x->name, 0)) == 0)
		return fort_error_set(FORT_EEXISTS, "token '%s' already exists%s: choose another name", x->name,
				      t.revoked ? " (revoked; its name stays in the audit log)" : "");
	if (r != FORT_ENOTFOUND)
		return r;
	fort_error_clear();
	{
		char uname[64];
		memset(&u, 0, sizeof u);
		snprintf(uname, sizeof uname, "%s%s", TOKEN_USER_PREFIX, x->name);
		r = store_user_get(v->st, &u, uname);
		store_user_release(&u);
		if (r == 0)
			return fort_error_set(FORT_EEXISTS, "'%s' already names a keyholder of this vault: choose another name", uname);
		if (r != FORT_ENOTFOUND)
			return r;
		fort_error_clear();
	}
	return 0;
}

static int create_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct create_ctx *x = ctx;
	keyring *kr = NULL;
	store_user u;
	store_token t;
	unsigned char *secret = NULL, ad[256], zero = 0;
	char uname[64], pkhex[65], b64[SECRET_B64_LEN + 1], *str = NULL;
	size_t adlen, slen = 0;
	int r;
	memset(&u, 0, sizeof u);
	memset(&t, 0, sizeof t);
	if (!(secret = sodium_malloc(KEYS_TOKEN_SECRET_LEN))) {
		r = fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys");
		goto out;
	}
	if ((r = keyring_new(&kr)) < 0)
		goto out;
	crypto_box_keypair(kr->box_pk, kr->box_sk);
	crypto_sign_keypair(kr->sign_pk, kr->sign_sk);
	fort_random(secret, KEYS_TOKEN_SECRET_LEN);
	/* the users row: public keys and role under the policy MAC; no
	 * passphrase seal (empty, limits 0: a passphrase never opens it) */
	snprintf(uname, sizeof uname, "%s%s", TOKEN_USER_PREFIX, x->name);
	u.name = uname;
	u.role = (char *)x->rd->name;
	u.status = "active";
	memcpy(u.box_pk, kr->box_pk, 32);
	memcpy(u.sign_pk, kr->sign_pk, 32);
	u.sealed = &zero;
	u.sealed_len = 1;
	u.created = fort_now();
	if ((r = store_user_insert(v->st, &u)) < 0)
		goto out;
	if ((r = keys_grant(v->st, u.id, u.box_pk, v->kr, (1u << SLOT_VK) | x->rd->cats)) < 0 ||
	    ((x->rd->acts & ACT_INTAKE) && (r = intake_key_grant(v, u.id, u.box_pk)) < 0))
		goto out;
	snprintf(t.name, sizeof t.name, "%s", x->name);
	snprintf(t.role, sizeof t.role, "%s", x->rd->name);
	snprintf(t.purposes, sizeof t.purposes, "%s", x->plist);
	snprintf(t.creator, sizeof t.creator, "%s", v->user ? v->user : "");
	t.user_id = u.id;
	t.created = u.created;
	t.expires = x->expires;
	keys_token_verifier(t.verifier, secret);
	adlen = token_ad(ad, sizeof ad, v, u.id, x->name);
	if ((r = keys_token_seal(t.sealed, kr, secret, ad, adlen)) < 0)
		goto out;
	t.sealed_len = KEYS_TOKEN_SEALED_LEN;
	if ((r = store_token_insert(v->st, &t)) < 0 || (r = policy_store(v, NULL)) < 0)
		goto out;
	/* the string shown once: prefix, id, '_', the secret in base64url */
	sodium_bin2base64(b64, sizeof b64, secret, KEYS_TOKEN_SECRET_LEN, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	slen = strlen(FORT_TOKEN_PREFIX) + 21 + 1 + SECRET_B64_LEN + 1;
	if (!(str = sodium_malloc(slen))) {
		r = fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys");
		goto out;
	}
	snprintf(str, slen, "%s%lld_%s", FORT_TOKEN_PREFIX, (long long)t.id, b64);
	fort_secret_free(x->secret);
	x->secret = NULL;
	if ((r = fort_secret_new(&x->secret, str, strlen(str))) < 0)
		goto out;
	fort_hex(pkhex, u.sign_pk, 32);
	/* sign_pk and user_id: `audit verify` learns the token's signing key
	 * here, as from a user-add entry */
	snprintf(detail, cap, "token=%s user_id=%lld role=%s purposes=%s expires=%lld sign_pk=%s", x->name, (long long)u.id,
		 x->rd->name, x->plist[0] ? x->plist : "none", (long long)x->expires, pkhex);
	r = 0;
out:
	sodium_memzero(b64, sizeof b64);
	if (str) {
		sodium_memzero(str, slen);
		sodium_free(str);
	}
	sodium_free(secret);
	keyring_free(kr);
	return r;
}

int fort_token_create(fort_secret **secret_out, fort_vault *v, const char *name, const char *role, const char *const *purposes,
		      size_t n, int64_t expires)
{
	static const vault_op op = { "token-create", ACT_USERS, create_check, create_write, NULL, NULL, NULL, NULL };
	struct create_ctx x;
	int r;
	*secret_out = NULL;
	memset(&x, 0, sizeof x);
	x.name = name;
	x.role = role;
	x.purposes = purposes;
	x.n = purposes ? n : 0;
	x.expires = expires;
	r = vault_op_run(v, &op, NULL, &x);
	if (r == 0)
		*secret_out = x.secret;
	else
		fort_secret_free(x.secret);  /* rolled back: the token does not exist */
	return r;
}

/* ------------------------------------------------------------------- list */

struct list_ctx {
	fort_token_info *arr;
	size_t n, cap;
	int64_t now;
};

static void token_state(char *out, size_t cap, const store_token *t, int64_t now)
{
	snprintf(out, cap, "%s", t->revoked ? "revoked" : t->expires && now >= t->expires ? "expired" : "active");
}

static int list_cb(void *ctx, const store_token *t)
{
	struct list_ctx *l = ctx;
	fort_token_info *i;
	if (FORT_ARRAY_GROW(l->arr, l->n + 1, l->cap, 8) < 0)
		return FORT_ENOMEM;
	i = &l->arr[l->n++];
	memset(i, 0, sizeof *i);
	snprintf(i->name, sizeof i->name, "%s", t->name);
	snprintf(i->role, sizeof i->role, "%s", t->role);
	snprintf(i->purposes, sizeof i->purposes, "%s", t->purposes);
	snprintf(i->creator, sizeof i->creator, "%s", t->creator);
	i->created = t->created;
	i->expires = t->expires;
	i->revoked = t->revoked;
	token_state(i->state, sizeof i->state, t, l->now);
	return 0;
}

int fort_token_list(fort_token_info **out, size_t *n, fort_vault *v)
{
	struct list_ctx l = { NULL, 0, 0, fort_now() };
	int r;
	*out = NULL;
	*n = 0;
	if ((r = vault_need_unlocked(v)) < 0 || (r = store_seal_require(v->st, "meta")) < 0)
		return r;
	if ((r = store_token_each(v->st, list_cb, &l)) < 0) {
		free(l.arr);
		return r;
	}
	*out = l.arr;
	*n = l.n;
	return 0;
}

/* ----------------------------------------------------------------- revoke */

struct revoke_ctx {
	int64_t id;
};

static int revoke_also(fort_vault *v, void *ctx)
{
	struct revoke_ctx *c = ctx;
	return store_token_revoke(v->st, c->id, fort_now());
}

int fort_token_revoke(fort_rotate_report *out, fort_vault *v, const char *name, const fort_rotate_opts *o)
{
	store_token t;
	store_user u;
	struct revoke_ctx c;
	char uname[64], extra[80];
	int r;
	memset(&u, 0, sizeof u);
	if (out)
		memset(out, 0, sizeof *out);
	if (o && o->version != FORT_ROTATE_OPTS_VERSION)
		return FORT_CHECK_VERSION(o->version, FORT_ROTATE_OPTS, fort_rotate_opts);
	if ((r = vault_need(v, ACT_USERS, "token-revoke", NULL)) < 0)
		return r;
	if ((r = store_token_get(v->st, &t, name ? name : "", 0)) < 0) {
		if (r == FORT_ENOTFOUND)
			return fort_error_set(FORT_ENOTFOUND, "no token '%s' ('fortress token list' shows them)", name ? name : "");
		return r;
	}
	if (t.revoked)
		return fort_error_set(FORT_EINPUT, "token '%s' was already revoked", t.name);
	snprintf(uname, sizeof uname, "%s%s", TOKEN_USER_PREFIX, t.name);
	if ((r = store_user_get_by_id(v->st, &u, t.user_id)) < 0 || strcmp(u.name, uname) != 0 || strcmp(u.status, "active") != 0) {
		if (r >= 0 || r == FORT_ENOTFOUND)
			r = fort_error_set(FORT_ETAMPER, "the keyholder of token '%s' is missing or was changed outside Fortress: restore "
					   "the vault from a backup", t.name);
		goto out;
	}
	c.id = t.id;
	snprintf(extra, sizeof extra, "token=%s revoked", t.name);
	r = vault_keyholder_remove(out, v, &u, "token-revoke", revoke_also, &c, extra, "a token was revoked", o);
out:
	store_user_release(&u);
	return r;
}

/* ------------------------------------------------------------------- open */

int vault_token_load(fort_vault *v, const char *user)
{
	store_token t;
	const char *name;
	int r;
	if (!vault_is_token_user(user))
		return 0;
	name = user + strlen(TOKEN_USER_PREFIX);
	if ((r = store_token_get(v->st, &t, name, 0)) < 0)
		return r == FORT_ENOTFOUND ? fort_error_set(FORT_EDENIED, "token '%s' is unknown", name) : r;
	if (t.revoked)
		return fort_error_set(FORT_EDENIED, "token '%s' was revoked", name);
	if (t.expires && fort_now() >= t.expires)
		return fort_error_set(FORT_EDENIED, "token '%s' has expired", name);
	v->is_token = 1;
	v->token_expires = t.expires;
	snprintf(v->token_purposes, sizeof v->token_purposes, "%s", t.purposes);
	return 0;
}

int vault_token_purpose(fort_vault *v, const char *purpose)
{
	size_t pl = purpose ? strlen(purpose) : 0;
	if (!v->is_token)
		return 0;
	for (const char *p = v->token_purposes; pl && *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == pl && memcmp(p, purpose, n) == 0)
			return 0;
		p += n + (e ? 1 : 0);
	}
	return fort_error_set(FORT_EDENIED, "%s may not use the purpose '%s' (its purposes: %s): make a token with --purpose %s",
			      v->user, purpose ? purpose : "", v->token_purposes[0] ? v->token_purposes : "none", purpose ? purpose : "P");
}

/* "fortress_tok_ID_SECRET" into ID and the 32-byte SECRET; 0 or -1. */
static int token_parse(int64_t *id, unsigned char secret[KEYS_TOKEN_SECRET_LEN], const char *token)
{
	size_t pl = strlen(FORT_TOKEN_PREFIX), bin = 0;
	const char *p, *us;
	char *end = NULL;
	long long n;
	if (!token || strncmp(token, FORT_TOKEN_PREFIX, pl) != 0)
		return -1;
	p = token + pl;
	if (*p < '1' || *p > '9' || !(us = strchr(p, '_')) || us - p > 18)
		return -1;
	n = strtoll(p, &end, 10);
	if (end != us || n <= 0 || strlen(us + 1) != SECRET_B64_LEN)
		return -1;
	if (sodium_base642bin(secret, KEYS_TOKEN_SECRET_LEN, us + 1, SECRET_B64_LEN, NULL, &bin, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || bin != KEYS_TOKEN_SECRET_LEN)
		return -1;
	*id = n;
	return 0;
}

int fort_token_key(fort_secret **key_out, char user_out[128], int64_t *expires, const char *path, const char *token)
{
	fort_vault *v = NULL;
	store_token t;
	unsigned char *secret = NULL, ad[256];
	const char *why = NULL;
	char actor[64];
	int64_t id = 0;
	size_t adlen;
	int r;
	*key_out = NULL;
	if (user_out)
		user_out[0] = '\0';
	if (expires)
		*expires = 0;
	if (!(secret = sodium_malloc(KEYS_TOKEN_SECRET_LEN)))
		return fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys");
	if (token_parse(&id, secret, token) < 0) {
		r = fort_error_set(FORT_EAUTH, "%s", refused);
		goto out;
	}
	/* the vault opened locked: the token's row is read against its seal */
	if ((r = fort_vault_open(&v, path, NULL, NULL)) < 0)
		goto out;
	r = store_token_get(v->st, &t, NULL, id);
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		why = "no such token";
		snprintf(actor, sizeof actor, "%s?", TOKEN_USER_PREFIX);
		t.user_id = 0;
	} else if (r < 0) {
		goto out;
	} else {
		snprintf(actor, sizeof actor, "%s%s", TOKEN_USER_PREFIX, t.name);
		if (!keys_token_verify(t.verifier, secret))
			why = "wrong token secret";
		else if (t.revoked)
			why = "token revoked";
		else if (t.expires && fort_now() >= t.expires)
			why = "token expired";
	}
	if (!why) {
		adlen = token_ad(ad, sizeof ad, v, t.user_id, t.name);
		if (keys_token_unseal(key_out, t.sealed, t.sealed_len, secret, ad, adlen) < 0)
			why = "the token's keys do not open";
	}
	if (why) {
		/* one answer for every reason; the audit log keeps the real one */
		(void)audit_append_unsigned(v->st, t.user_id, actor, "unlock-failed", "denied", why);
		fort_vault_close(v);
		v = NULL;
		r = fort_error_set(FORT_EAUTH, "%s", refused);
		goto out;
	}
	if (user_out)
		snprintf(user_out, 128, "%s", actor);
	if (expires)
		*expires = t.expires;
	r = 0;
out:
	sodium_free(secret);
	if (v) {
		/* closing a locked handle writes nothing; keep the message */
		int code = fort_error_code();
		char msg[512];
		snprintf(msg, sizeof msg, "%s", fort_error_message());
		fort_vault_close(v);
		if (r < 0)
			fort_error_set(code ? code : r, "%s", msg);
	}
	if (r < 0) {
		fort_secret_free(*key_out);
		*key_out = NULL;
	}
	return r;
}

int fort_token_open(fort_vault **out, const char *path, const char *token)
{
	fort_secret *key = NULL;
	char user[128];
	int r;
	*out = NULL;
	if ((r = fort_token_key(&key, user, NULL, path, token)) < 0)
		return r;
	r = fort_vault_open_key(out, path, user, key);
	fort_secret_free(key);
	return r;
}
