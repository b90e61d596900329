/* users.c - users and roles: joining (request, then add), removal and role
 * changes with key revocation, role management, and fort_keys_rotate.
 *
 * Joining takes two steps so that nobody but the new user ever handles
 * their passphrase: the new user makes their key pairs (fort_user_request),
 * and a manager seals the vault key and the role's category keys to the new
 * public key (fort_user_add).  Taking keys away always rotates them
 * (rotate.c): deleting a grant is not enough, since the user may have kept
 * a copy of the key. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "vault/vault_int.h"
#include "vault/op.h"
#include "store/signin.h"

static int valid_user_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 120 || !fort_utf8_valid(s, n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int opts_ok(const fort_rotate_opts *o)
{
	if (o && o->version != FORT_ROTATE_OPTS_VERSION)
		return FORT_CHECK_VERSION(o->version, FORT_ROTATE_OPTS, fort_rotate_opts);
	return 0;
}

/* The slots a role's users hold: the vault key and its categories. */
static unsigned role_slots(const role_def *rd)
{
	return (1u << SLOT_VK) | (rd ? rd->cats : 0);
}

/* --------------------------------------------------------------- users */

struct list_ctx {
	fort_user_info *arr;
	size_t n, cap;
};

static int list_cb(void *ctx, const store_user *u)
{
	struct list_ctx *l = ctx;
	fort_user_info *i;
	if (vault_is_token_user(u->name))
		return 0;  /* 'fortress token list' shows them */
	if (FORT_ARRAY_GROW(l->arr, l->n + 1, l->cap, 8) < 0)
		return FORT_ENOMEM;
	i = &l->arr[l->n++];
	memset(i, 0, sizeof *i);
	i->id = u->id;
	snprintf(i->name, sizeof i->name, "%s", u->name);
	snprintf(i->role, sizeof i->role, "%s", u->role);
	snprintf(i->status, sizeof i->status, "%s", u->status);
	i->created = u->created;
	i->removed = u->removed;
	keys_fingerprint(i->fingerprint, u->box_pk, u->sign_pk);
	return 0;
}

int fort_user_list(fort_user_info **out, size_t *n, fort_vault *v)
{
	struct list_ctx l = { NULL, 0, 0 };
	int r;
	*out = NULL;
	*n = 0;
	if ((r = vault_need_unlocked(v)) < 0)
		return r;
	if ((r = store_user_each(v->st, list_cb, &l)) < 0) {
		free(l.arr);
		return r;
	}
	*out = l.arr;
	*n = l.n;
	return 0;
}

/* The body of fort_user_request on the open store S, inside the caller's
 * transaction when it has one (the invitation's join: src/auth/invite.c):
 * the checks, the key pairs, the pending row and its unsigned entry.  The
 * new keyring into *KR_OUT (may be NULL) and the user's id into *ID_OUT. */
int vault_user_request_in(keyring **kr_out, int64_t *id_out, char fingerprint_out[20], store *s, const char *name,
			  const fort_secret *pass, fort_kdf kdf, const char *how,
			  int (*also)(void *ctx, store *s, keyring *kr, int64_t user_id), void *ctx)
{
	store_user u, existing;
	keyring *kr = NULL;
	unsigned char *business = NULL, *owner = NULL;
	size_t blen = 0, olen = 0;
	char bz[128], oz[128], detail[320], pkhex[65], fp[20];
	const char *inputs[4];
	int r;
	memset(&u, 0, sizeof u);
	memset(&existing, 0, sizeof existing);
	if (kr_out)
		*kr_out = NULL;
	if (fingerprint_out)
		fingerprint_out[0] = '\0';
	if (!valid_user_name(name))
		return fort_error_set(FORT_EINPUT, "a user name is 1 to 120 characters without control characters");
	if (vault_is_token_user(name))
		return fort_error_set(FORT_EINPUT, "a user name cannot begin with '%s': that names tokens for programs", TOKEN_USER_PREFIX);
	if ((r = store_meta_get(s, "business", &business, &blen)) < 0 || (r = store_meta_get(s, "owner", &owner, &olen)) < 0)
		goto out;
	snprintf(bz, sizeof bz, "%.*s", (int)(blen < sizeof bz ? blen : sizeof bz - 1), (const char *)business);
	snprintf(oz, sizeof oz, "%.*s", (int)(olen < sizeof oz ? olen : sizeof oz - 1), (const char *)owner);
	if ((r = store_user_get(s, &existing, name)) == 0) {
		r = fort_error_set(FORT_EEXISTS, "user '%s' already exists in this vault (%s): choose another name", name,
				   existing.status);
		goto out;
	}
	if (r != FORT_ENOTFOUND)
		goto out;
	fort_error_clear();
	inputs[0] = bz;
	inputs[1] = oz;
	inputs[2] = name;
	inputs[3] = NULL;
	if ((r = fort_passphrase_check(pass, inputs)) < 0)
		goto out;
	u.name = (char *)name;
	u.role = "";
	u.status = "pending";
	u.created = fort_now();
	if ((r = keys_user_create(&kr, &u, pass, kdf)) < 0)
		goto out;
	if ((r = store_begin(s)) < 0)
		goto out;
	if ((r = store_user_insert(s, &u)) < 0)
		goto fail_tx;
	keys_fingerprint(fp, u.box_pk, u.sign_pk);
	fort_hex(pkhex, u.sign_pk, 32);
	/* Unsigned: nobody has vouched for this key yet (the user-add entry,
	 * signed by the manager, names it and makes it a signer). */
	snprintf(detail, sizeof detail, "asked to join%s; user_id=%lld fingerprint=%s request_pk=%s", how ? how : "",
		 (long long)u.id, fp, pkhex);
	if ((r = audit_append_unsigned(s, u.id, name, "user-request", "ok", detail)) < 0 ||
	    (also && (r = also(ctx, s, kr, u.id)) < 0) || (r = store_commit(s)) < 0)
		goto fail_tx;
	if (fingerprint_out)
		memcpy(fingerprint_out, fp, sizeof fp);
	if (id_out)
		*id_out = u.id;
	if (kr_out) {
		*kr_out = kr;
		kr = NULL;
	}
	goto out;
fail_tx:
	store_rollback(s);
out:
	u.name = u.role = u.status = NULL;
	store_user_release(&u);
	store_user_release(&existing);
	keyring_free(kr);
	free(business);
	free(owner);
	return r;
}

int fort_user_request(char fingerprint_out[20], const char *path, const char *name, const fort_secret *pass, fort_kdf kdf)
{
	store *s = NULL;
	int r;
	if (fingerprint_out)
		fingerprint_out[0] = '\0';
	if (!valid_user_name(name))
		return fort_error_set(FORT_EINPUT, "a user name is 1 to 120 characters without control characters");
	if ((r = store_open(&s, path, 0)) < 0)
		return r;
	r = vault_user_request_in(NULL, NULL, fingerprint_out, s, name, pass, kdf, NULL, NULL, NULL);
	store_close(s);
	return r;
}

/* The pending or active user NAME. */
static int get_user(store_user *u, fort_vault *v, const char *name)
{
	int r;
	if (vault_is_token_user(name))
		return fort_error_set(FORT_EINPUT, "'%s' is a token, not a user: see 'fortress token list' and 'fortress token revoke'", name);
	r = store_user_get(v->st, u, name);
	if (r == FORT_ENOTFOUND)
		return fort_error_set(FORT_ENOTFOUND, "no user '%s' in this vault ('fortress user list' shows them)", name ? name : "");
	return r;
}

static const role_def *get_role(fort_vault *v, const char *role)
{
	const role_def *rd = role_find(&v->roles, role);
	if (!rd)
		fort_error_set(FORT_ENOTFOUND, "no role '%s' ('fortress role list' shows them)", role ? role : "");
	return rd;
}

/* Can the acting user hand out every key of MASK? */
static int need_keys(fort_vault *v, unsigned mask, const char *for_what)
{
	char name[32];
	for (int slot = 0; slot < SLOT_COUNT; slot++)
		if ((mask & (1u << slot)) && !keys_has_slot(v->kr, slot))
			return fort_error_set(FORT_EDENIED, "%s needs the key '%s', which you do not hold: ask an owner", for_what,
					      slot_name(slot, name));
	return 0;
}

struct user_add { const char *name, *role, *fingerprint; store_user u; const role_def *rd; char fp[20]; };

static int add_check(fort_vault *v, void *ctx)
{
	struct user_add *x = ctx;
	const char *name = x->name, *fingerprint = x->fingerprint;
	int r;
	if (!(x->rd = get_role(v, x->role)))
		return FORT_ENOTFOUND;
	if ((r = get_user(&x->u, v, name)) < 0)
		return r;
	if (strcmp(x->u.status, "pending") != 0)
		return fort_error_set(FORT_EINPUT, "user '%s' is %s, not waiting to join: %s", name, x->u.status,
				      strcmp(x->u.status, "active") == 0 ? "change their role with 'fortress user role'" :
				      "a removed user cannot come back under the same name");
	keys_fingerprint(x->fp, x->u.box_pk, x->u.sign_pk);
	if (fingerprint && fingerprint[0]) {
		/* compare ignoring spaces and case: people type them */
		char a[20] = "", b[20] = "";
		size_t k = 0;
		for (const char *p = fingerprint; *p && k < sizeof b - 1; p++)
			if (*p != ' ' && *p != ':' && *p != '-')
				b[k++] = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
		k = 0;
		for (const char *p = x->fp; *p; p++)
			if (*p != ' ')
				a[k++] = *p;
		if (strcmp(a, b) != 0)
			return fort_error_set(FORT_ETAMPER, "the fingerprint of '%s' is %s, not the one you gave: do not add this user; "
					      "ask them to check 'fortress user request' again", name, x->fp);
	}
	return need_keys(v, role_slots(x->rd), "this role");
}

/* A user who joined by an invitation (src/auth/invite.c): the second factor
 * they enrolled when joining becomes theirs (user_totp, sealed by this
 * entry, signed by the approver), and the invitation is marked used.  *INVITE:
 * its id, 0 when they asked with 'fortress user request'. */
static int take_join(fort_vault *v, int64_t user_id, int64_t *invite)
{
	store_invite inv;
	unsigned char *blob = NULL;
	size_t len = 0;
	int64_t id = 0;
	int r;
	*invite = 0;
	if ((r = store_join_get(v->st, 0, user_id, &id, NULL, &blob, &len)) == FORT_ENOTFOUND)
		return 0;
	if (r < 0)
		return r;
	if ((r = store_invite_get(v->st, &inv, id)) < 0)
		goto out;
	if (inv.revoked) {
		r = fort_error_set(FORT_EINPUT, "invitation #%lld, by which this user joined, was revoked: remove the pending user "
				   "('fortress user remove NAME') or invite them again", (long long)id);
		goto out;
	}
	if ((r = store_totp_put(v->st, user_id, blob, len, fort_now())) < 0 ||
	    (r = store_invite_set(v->st, id, 0, fort_now(), user_id)) < 0 || (r = store_join_delete(v->st, id)) < 0)
		goto out;
	*invite = id;
out:
	if (blob)
		fort_wipe_free(blob);
	return r;
}

static int add_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct user_add *x = ctx;
	char pkhex[65];
	int64_t invite = 0;
	int r;
	if ((r = keys_grant(v->st, x->u.id, x->u.box_pk, v->kr, role_slots(x->rd))) < 0 ||
	    ((x->rd->acts & ACT_INTAKE) && (r = intake_key_grant(v, x->u.id, x->u.box_pk)) < 0) ||
	    (r = store_user_set(v->st, x->u.id, x->rd->name, "active", 0)) < 0 || (r = policy_store(v, NULL)) < 0)
		return r;
	if ((r = take_join(v, x->u.id, &invite)) < 0)
		return r;
	fort_hex(pkhex, x->u.sign_pk, 32);
	snprintf(detail, cap, "user_id=%lld role=%s fingerprint=%s sign_pk=%s", (long long)x->u.id, x->rd->name, x->fp, pkhex);
	if (invite) {
		size_t n = strlen(detail);
		snprintf(detail + n, cap - n, " invitation=%lld", (long long)invite);
	}
	return 0;
}

int fort_user_add(fort_vault *v, const char *name, const char *role, const char *fingerprint)
{
	static const vault_op op = { "user-add", ACT_USERS, add_check, add_write, NULL, NULL, NULL, NULL };
	struct user_add x;
	int r;
	memset(&x, 0, sizeof x);
	x.name = name;
	x.role = role;
	x.fingerprint = fingerprint;
	r = vault_op_run(v, &op, NULL, &x);
	store_user_release(&x.u);
	return r;
}

struct owners_ctx {
	int64_t except;
	size_t n;
};

static int owners_cb(void *ctx, const store_user *u)
{
	struct owners_ctx *o = ctx;
	if (u->id != o->except && strcmp(u->status, "active") == 0 && strcmp(u->role, "owner") == 0)
		o->n++;
	return 0;
}

static int other_owners(fort_vault *v, int64_t except, size_t *n)
{
	struct owners_ctx o = { except, 0 };
	int r = store_user_each(v->st, owners_cb, &o);
	*n = o.n;
	return r;
}

/* The slots user U holds now, from their grants. */
struct held_ctx {
	unsigned mask;
};

static int held_cb(void *ctx, const char *key, int version, const unsigned char *sealed, size_t len)
{
	struct held_ctx *h = ctx;
	int slot = slot_parse(key);
	(void)version, (void)sealed, (void)len;
	if (slot >= 0)
		h->mask |= 1u << slot;
	return 0;
}

static int held_slots(fort_vault *v, int64_t user, unsigned *mask)
{
	struct held_ctx h = { 0 };
	int r = store_grant_each(v->st, user, held_cb, &h);
	*mask = h.mask;
	return r;
}

/* Withdraw the slots in DROP from USER and rotate them; inside nothing:
 * opens and commits its own transactions.  WHAT/DETAIL are the audit entry
 * of the change made in the first transaction by CHANGE. */
typedef int (*change_fn)(fort_vault *v, void *ctx);

/* An interrupted rotation is finished before anything else rotates:
 * *PENDING says whether there was one. */
static int finish_pending(fort_rotate_report *out, fort_vault *v, const fort_rotate_opts *o, unsigned *pending)
{
	int r;
	if ((r = rotate_pending(v, pending, NULL)) < 0 || !*pending)
		return r;
	if ((r = rotate_run(v, out, o)) < 0)
		return r;
	if (out)
		out->resumed = 1;
	return 0;
}

/* The step that changes the users or roles (CHANGE, NULL: none) and
 * starts the rotation of the slots ROTATE, in one transaction: CHANGE's
 * entry (vault_op_entry), then rotate_start's "rotate-start". */
struct rr_step {
	change_fn change;
	void *ctx;
	unsigned rotate;
	const char *why;
};

static int rr_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct rr_step *x = ctx;
	int r;
	(void)detail;
	(void)cap;
	if (x->change && (r = x->change(v, x->ctx)) < 0)
		return r;
	return x->rotate ? rotate_start(v, x->rotate, x->why) : 0;
}

/* One step of the operation ACTION (its role checked by the caller); the
 * keys rotate_start made are dropped again when it fails. */
static int rr_run(fort_vault *v, const char *action, struct rr_step *x)
{
	vault_op op = { action, 0, NULL, rr_write, NULL, NULL, NULL, NULL, VAULT_OP_ENTRIES, NULL };
	int r = vault_op_step(v, &op, NULL, x);
	if (r < 0)
		vault_reload_keys(v);
	return r;
}

static int revoke_and_rotate(fort_rotate_report *out, fort_vault *v, const char *action, unsigned rotate, change_fn change,
			     void *ctx, const char *why, const fort_rotate_opts *o)
{
	struct rr_step x = { change, ctx, rotate, why };
	int r;
	unsigned pending = 0;
	if (out)
		memset(out, 0, sizeof *out);
	if ((r = need_keys(v, rotate, "rotating the keys this change takes away")) < 0)
		return r;
	if ((r = finish_pending(out, v, o, &pending)) < 0)
		return r;
	if ((r = rr_run(v, action, &x)) < 0)
		return r;
	/* the roles as committed, before the re-encryption: failing here
	 * leaves a rotation that finishing completes, never a change done
	 * and reported as failed (fort_role_revoke once reloaded them last) */
	if ((r = policy_load(v)) < 0)
		return r;
	if (!rotate)
		return 0;
	return rotate_run(v, out, o);
}

struct remove_ctx {
	const store_user *u;
	unsigned held;
	const char *action, *extra;
	int (*also)(fort_vault *v, void *ctx);
	void *also_ctx;
};

static int remove_change(fort_vault *v, void *ctx)
{
	struct remove_ctx *c = ctx;
	char detail[400], names[64];
	int r;
	slot_mask_names(names, sizeof names, c->held);
	snprintf(detail, sizeof detail, "user_id=%lld was %s; keys withdrawn and rotated: %s%s%s", (long long)c->u->id, c->u->role,
		 names[0] ? names : "none", c->extra ? "; " : "", c->extra ? c->extra : "");
	if ((r = store_grant_del(v->st, c->u->id, NULL)) < 0 ||
	    (r = store_user_set(v->st, c->u->id, c->u->role, "removed", fort_now())) < 0 || (r = policy_store(v, NULL)) < 0 ||
	    (c->also && (r = c->also(v, c->also_ctx)) < 0))
		return r;
	return vault_op_entry(v, c->action, NULL, NULL, NULL, detail);
}

int vault_keyholder_remove(fort_rotate_report *out, fort_vault *v, const store_user *u, const char *action,
			   int (*also)(fort_vault *v, void *ctx), void *ctx, const char *extra, const char *why,
			   const fort_rotate_opts *o)
{
	struct remove_ctx c = { u, 0, action, extra, also, ctx };
	int r;
	if ((r = held_slots(v, u->id, &c.held)) < 0)
		return r;
	r = revoke_and_rotate(out, v, action, c.held, remove_change, &c, why, o);
	if (r == 0 && u->id == v->user_id) {
		/* removed oneself: nothing more can be done with this handle */
		keyring_free(v->kr);
		v->kr = NULL;
	}
	return r;
}

/* A pending user's request dropped: they never held a key */
static int drop_request(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	const store_user *u = ctx;
	int r;
	snprintf(detail, cap, "request of user_id=%lld dropped", (long long)u->id);
	if ((r = store_user_delete(v->st, u->id)) < 0)
		return r;
	return policy_store(v, NULL);
}

int fort_user_remove(fort_rotate_report *out, fort_vault *v, const char *name, const fort_rotate_opts *o)
{
	static const vault_op op = { "user-remove", ACT_USERS, NULL, drop_request, NULL, NULL, NULL, NULL, 0, NULL };
	store_user u;
	size_t owners = 0;
	int r;
	memset(&u, 0, sizeof u);
	if (out)
		memset(out, 0, sizeof *out);
	if ((r = opts_ok(o)) < 0 || (r = vault_op_start(v, &op, NULL)) < 0)
		return r;
	if ((r = get_user(&u, v, name)) < 0)
		return r;
	if (strcmp(u.status, "removed") == 0) {
		r = fort_error_set(FORT_EINPUT, "user '%s' was already removed", name);
		goto out;
	}
	if (strcmp(u.status, "pending") == 0) {
		/* never held a key: the request is simply dropped */
		r = vault_op_step(v, &op, NULL, &u);
		goto out;
	}
	if (strcmp(u.role, "owner") == 0) {
		if ((r = other_owners(v, u.id, &owners)) < 0)
			goto out;
		if (owners == 0) {
			r = fort_error_set(FORT_EINPUT, "'%s' is the last owner: add another owner first (a vault without an owner "
					   "cannot manage its users)", name);
			goto out;
		}
	}
	r = vault_keyholder_remove(out, v, &u, "user-remove", NULL, NULL, NULL, "a user was removed", o);
out:
	store_user_release(&u);
	return r;
}

struct setrole_ctx {
	store_user *u;
	const role_def *rd;
	unsigned drop, add;
};

static int setrole_change(fort_vault *v, void *ctx)
{
	struct setrole_ctx *c = ctx;
	char detail[300], dropped[64], added[64];
	int r;
	for (int slot = 0; slot < SLOT_COUNT; slot++) {
		char name[32];
		if ((c->drop & (1u << slot)) && (r = store_grant_del(v->st, c->u->id, slot_name(slot, name))) < 0)
			return r;
	}
	if ((r = keys_grant(v->st, c->u->id, c->u->box_pk, v->kr, c->add)) < 0 ||
	    (r = (c->rd->acts & ACT_INTAKE) ? intake_key_grant(v, c->u->id, c->u->box_pk) : intake_key_drop(v, c->u->id)) < 0 ||
	    (r = store_user_set(v->st, c->u->id, c->rd->name, "active", 0)) < 0 || (r = policy_store(v, NULL)) < 0)
		return r;
	slot_mask_names(dropped, sizeof dropped, c->drop);
	slot_mask_names(added, sizeof added, c->add);
	snprintf(detail, sizeof detail, "user_id=%lld role %s -> %s; keys granted: %s; withdrawn and rotated: %s", (long long)c->u->id,
		 c->u->role, c->rd->name, added[0] ? added : "none", dropped[0] ? dropped : "none");
	return vault_op_entry(v, "user-role", NULL, NULL, NULL, detail);
}

int fort_user_set_role(fort_rotate_report *out, fort_vault *v, const char *name, const char *role, const fort_rotate_opts *o)
{
	store_user u;
	struct setrole_ctx c;
	unsigned held;
	size_t owners;
	int r;
	memset(&u, 0, sizeof u);
	if (out)
		memset(out, 0, sizeof *out);
	if ((r = opts_ok(o)) < 0 || (r = vault_need(v, ACT_USERS, "user-role", NULL)) < 0)
		return r;
	if (!(c.rd = get_role(v, role)))
		return FORT_ENOTFOUND;
	if ((r = get_user(&u, v, name)) < 0)
		return r;
	if (strcmp(u.status, "active") != 0) {
		r = fort_error_set(FORT_EINPUT, "user '%s' is %s: %s", name, u.status,
				   strcmp(u.status, "pending") == 0 ? "add them with 'fortress user add NAME --role ROLE'" : "removed users have no role");
		goto out;
	}
	if (strcmp(u.role, "owner") == 0 && strcmp(c.rd->name, "owner") != 0) {
		if ((r = other_owners(v, u.id, &owners)) < 0)
			goto out;
		if (owners == 0) {
			r = fort_error_set(FORT_EINPUT, "'%s' is the last owner: make someone else owner first", name);
			goto out;
		}
	}
	if ((r = held_slots(v, u.id, &held)) < 0)
		goto out;
	c.u = &u;
	c.drop = held & ~role_slots(c.rd);
	c.add = role_slots(c.rd) & ~held;
	if ((r = need_keys(v, c.add, "this role")) < 0)
		goto out;
	r = revoke_and_rotate(out, v, "user-role", c.drop, setrole_change, &c, "a user's role was narrowed", o);
	if (r == 0 && u.id == v->user_id) {
		free(v->role);
		v->role = fort_strdup(c.rd->name);
		r = policy_load(v);
	}
out:
	store_user_release(&u);
	return r;
}

/* --------------------------------------------------------------- roles */

struct role_users_ctx {
	const char *role;
	uint64_t n;
};

static int role_users_cb(void *ctx, const store_user *u)
{
	struct role_users_ctx *c = ctx;
	if (strcmp(u->status, "active") == 0 && strcmp(u->role, c->role) == 0)
		c->n++;
	return 0;
}

int fort_role_list(fort_role_info **out, size_t *n, fort_vault *v)
{
	fort_role_info *arr;
	int r;
	*out = NULL;
	*n = 0;
	if ((r = vault_need_unlocked(v)) < 0)
		return r;
	if (!(arr = fort_calloc(v->roles.n ? v->roles.n : 1, sizeof *arr)))
		return FORT_ENOMEM;
	for (size_t i = 0; i < v->roles.n; i++) {
		struct role_users_ctx c = { v->roles.r[i].name, 0 };
		snprintf(arr[i].name, sizeof arr[i].name, "%s", v->roles.r[i].name);
		role_describe(arr[i].categories, sizeof arr[i].categories, arr[i].actions, sizeof arr[i].actions, &v->roles.r[i]);
		arr[i].builtin = role_builtin(v->roles.r[i].name);
		if ((r = store_user_each(v->st, role_users_cb, &c)) < 0) {
			free(arr);
			return r;
		}
		arr[i].users = c.n;
	}
	*out = arr;
	*n = v->roles.n;
	return 0;
}

/* Parse ITEMS into category and action masks, naming a bad one. */
static int parse_items(unsigned *cats, unsigned *acts, const char *const *items, size_t n)
{
	*cats = *acts = 0;
	for (size_t i = 0; i < n; i++) {
		int c = cat_index(items[i]), a = action_index(items[i]);
		if (c >= 0)
			*cats |= 1u << c;
		else if (a >= 0)
			*acts |= 1u << a;
		else
			return fort_error_set(FORT_EINPUT, "'%s' is neither a category (identity, contact, financial, special, notes) nor an "
					      "action (read, reveal, write, import, export, erase, users, map, intake)", items[i]);
	}
	return 0;
}

/* A change of the roles: the check step builds NRS and DETAIL; the write
 * stores NRS (after KEYS, the users' key grants, when set) and loads the
 * roles back before the commit: a load that fails after it (out of
 * memory) would report a failure for a change that was made. */
struct roles_in {
	role_set nrs;
	char detail[300];
	const char *name, *const *items;
	size_t n;
	struct role_keys_ctx *keys;
	int wrote;
};

static int role_keys_cb(void *ctx, const store_user *u);

static int roles_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct roles_in *x = ctx;
	int r;
	x->wrote = 1;
	if ((x->keys && (r = store_user_each(v->st, role_keys_cb, x->keys)) < 0) || (r = policy_store(v, &x->nrs)) < 0 ||
	    (r = policy_load(v)) < 0)
		return r;
	snprintf(detail, cap, "%s", x->detail);
	return 0;
}

/* Run OP, a change of the roles; after a failure in the transaction, the
 * roles as they are again (failing that, the error says why). */
static int roles_run(fort_vault *v, const vault_op *op, struct roles_in *x)
{
	int r = vault_op_run(v, op, NULL, x);
	if (r < 0 && x->wrote && policy_load(v) < 0) {
		/* the roles as they are again; failing that, R says why */
	}
	roles_release(&x->nrs);
	return r;
}

static int roles_copy(role_set *dst, const role_set *src, size_t extra)
{
	if (!(dst->r = fort_calloc(src->n + extra + 1, sizeof *dst->r)))
		return FORT_ENOMEM;
	memcpy(dst->r, src->r, src->n * sizeof *dst->r);
	dst->n = src->n;
	return 0;
}

static int role_add_check(fort_vault *v, void *ctx)
{
	struct roles_in *x = ctx;
	unsigned cats, acts;
	char c[128], a[128];
	int r;
	if (!role_name_valid(x->name))
		return fort_error_set(FORT_EINPUT, "a role name is 1 to 47 characters: a-z, 0-9, '-' and '_'");
	if (role_find(&v->roles, x->name))
		return fort_error_set(FORT_EEXISTS, "role '%s' already exists ('fortress role list')", x->name);
	if ((r = parse_items(&cats, &acts, x->items, x->n)) < 0)
		return r;
	if ((r = roles_copy(&x->nrs, &v->roles, 1)) < 0)
		return r;
	snprintf(x->nrs.r[x->nrs.n].name, sizeof x->nrs.r[x->nrs.n].name, "%s", x->name);
	x->nrs.r[x->nrs.n].cats = cats;
	x->nrs.r[x->nrs.n].acts = acts;
	role_describe(c, sizeof c, a, sizeof a, &x->nrs.r[x->nrs.n]);
	x->nrs.n++;
	snprintf(x->detail, sizeof x->detail, "role=%s categories=%s actions=%s", x->name, c, a);
	return 0;
}

int fort_role_add(fort_vault *v, const char *name, const char *const *items, size_t n)
{
	static const vault_op op = { "role-add", ACT_USERS, role_add_check, roles_write, NULL, NULL, NULL, NULL };
	struct roles_in x;
	memset(&x, 0, sizeof x);
	x.name = name;
	x.items = items;
	x.n = n;
	return roles_run(v, &op, &x);
}

static int role_remove_check(fort_vault *v, void *ctx)
{
	struct roles_in *x = ctx;
	struct role_users_ctx c = { x->name, 0 };
	size_t j = 0;
	int r;
	if (!get_role(v, x->name))
		return FORT_ENOTFOUND;
	if (strcmp(x->name, "owner") == 0)
		return fort_error_set(FORT_EINPUT, "the owner role cannot be removed");
	if ((r = store_user_each(v->st, role_users_cb, &c)) < 0)
		return r;
	if (c.n)
		return fort_error_set(FORT_EINPUT, "%llu user(s) have role '%s': give them another role first ('fortress user role NAME ROLE')",
				      (unsigned long long)c.n, x->name);
	if ((r = roles_copy(&x->nrs, &v->roles, 0)) < 0)
		return r;
	for (size_t i = 0; i < x->nrs.n; i++)
		if (strcmp(x->nrs.r[i].name, x->name) != 0)
			x->nrs.r[j++] = x->nrs.r[i];
	x->nrs.n = j;
	snprintf(x->detail, sizeof x->detail, "role=%s", x->name);
	return 0;
}

int fort_role_remove(fort_vault *v, const char *name)
{
	static const vault_op op = { "role-remove", ACT_USERS, role_remove_check, roles_write, NULL, NULL, NULL, NULL };
	struct roles_in x;
	memset(&x, 0, sizeof x);
	x.name = name;
	return roles_run(v, &op, &x);
}

/* Users of ROLE, for granting or withdrawing keys. */
struct role_keys_ctx {
	fort_vault *v;
	const char *role;
	unsigned grant, drop;
	int intake;   /* 1: hand out the intake key, -1: withdraw it, 0: neither */
};

static int role_keys_cb(void *ctx, const store_user *u)
{
	struct role_keys_ctx *c = ctx;
	int r;
	if (strcmp(u->status, "active") != 0 || strcmp(u->role, c->role) != 0)
		return 0;
	if (c->grant && (r = keys_grant(c->v->st, u->id, u->box_pk, c->v->kr, c->grant)) < 0)
		return r;
	if ((c->intake > 0 && (r = intake_key_grant(c->v, u->id, u->box_pk)) < 0) ||
	    (c->intake < 0 && (r = intake_key_drop(c->v, u->id)) < 0))
		return r;
	for (int slot = 0; slot < SLOT_COUNT; slot++) {
		char name[32];
		if ((c->drop & (1u << slot)) && (r = store_grant_del(c->v->st, u->id, slot_name(slot, name))) < 0)
			return r;
	}
	return 0;
}

static int role_grant_check(fort_vault *v, void *ctx)
{
	struct roles_in *x = ctx;
	role_def *rd = NULL;
	unsigned cats, acts;
	char c[128], a[128];
	int r;
	if (!get_role(v, x->name))
		return FORT_ENOTFOUND;
	if ((r = parse_items(&cats, &acts, x->items, x->n)) < 0)
		return r;
	if ((r = need_keys(v, cats, "granting these categories")) < 0)
		return r;
	if ((r = roles_copy(&x->nrs, &v->roles, 0)) < 0)
		return r;
	for (size_t i = 0; i < x->nrs.n; i++)
		if (strcmp(x->nrs.r[i].name, x->name) == 0)
			rd = &x->nrs.r[i];
	{
		role_def added = { "", cats & ~rd->cats, acts & ~rd->acts };
		role_describe(c, sizeof c, a, sizeof a, &added);
	}
	snprintf(x->detail, sizeof x->detail, "role=%s added categories=%s actions=%s", x->name, c[0] ? c : "none", a[0] ? a : "none");
	x->keys->grant = cats & ~rd->cats;
	x->keys->intake = (acts & ACT_INTAKE) && !(rd->acts & ACT_INTAKE);
	rd->cats |= cats;
	rd->acts |= acts;
	return 0;
}

int fort_role_grant(fort_vault *v, const char *role, const char *const *items, size_t n)
{
	static const vault_op op = { "role-grant", ACT_USERS, role_grant_check, roles_write, NULL, NULL, NULL, NULL };
	struct role_keys_ctx k = { v, role, 0, 0, 0 };
	struct roles_in x;
	memset(&x, 0, sizeof x);
	x.name = role;
	x.items = items;
	x.n = n;
	x.keys = &k;
	return roles_run(v, &op, &x);
}

struct revoke_ctx {
	role_set *nrs;
	const char *role;
	unsigned drop, acts;
	const char *detail;
};

static int revoke_change(fort_vault *v, void *ctx)
{
	struct revoke_ctx *c = ctx;
	struct role_keys_ctx k = { v, c->role, 0, c->drop, (c->acts & ACT_INTAKE) ? -1 : 0 };
	int r;
	if ((r = store_user_each(v->st, role_keys_cb, &k)) < 0 || (r = policy_store(v, c->nrs)) < 0)
		return r;
	return vault_op_entry(v, "role-revoke", NULL, NULL, NULL, c->detail);
}

int fort_role_revoke(fort_rotate_report *out, fort_vault *v, const char *role, const char *const *items, size_t n,
		     const fort_rotate_opts *o)
{
	role_set nrs;
	role_def *rd = NULL;
	struct role_users_ctx users = { role, 0 };
	struct revoke_ctx c;
	unsigned cats, acts;
	char detail[300], cs[128], as[128];
	int r;
	if (out)
		memset(out, 0, sizeof *out);
	if ((r = opts_ok(o)) < 0 || (r = vault_need(v, ACT_USERS, "role-revoke", NULL)) < 0)
		return r;
	if (!get_role(v, role))
		return FORT_ENOTFOUND;
	if (strcmp(role, "owner") == 0)
		return fort_error_set(FORT_EINPUT, "the owner role always has every category and action: give the user another role instead");
	if ((r = parse_items(&cats, &acts, items, n)) < 0)
		return r;
	if ((r = roles_copy(&nrs, &v->roles, 0)) < 0)
		return r;
	for (size_t i = 0; i < nrs.n; i++)
		if (strcmp(nrs.r[i].name, role) == 0)
			rd = &nrs.r[i];
	cats &= rd->cats;
	acts &= rd->acts;
	{
		role_def taken = { "", cats, acts };
		role_describe(cs, sizeof cs, as, sizeof as, &taken);
	}
	snprintf(detail, sizeof detail, "role=%s removed categories=%s actions=%s", role, cs[0] ? cs : "none", as[0] ? as : "none");
	rd->cats &= ~cats;
	rd->acts &= ~acts;
	if ((r = store_user_each(v->st, role_users_cb, &users)) < 0)
		goto out;
	c.nrs = &nrs;
	c.role = role;
	c.drop = cats;
	c.acts = acts;
	c.detail = detail;
	/* keys only need rotating if someone held them */
	r = revoke_and_rotate(out, v, "role-revoke", users.n ? cats : 0, revoke_change, &c, "a role was narrowed", o);
out:
	roles_release(&nrs);
	return r;
}

/* ---------------------------------------------------------- rotation */

int fort_keys_rotate(fort_rotate_report *out, fort_vault *v, const char *const *keys, size_t n, const fort_rotate_opts *o)
{
	static const vault_op op = { "rotate-start", ACT_USERS, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL };
	struct rr_step x = { NULL, NULL, 0, "requested" };
	unsigned mask = 0, pending = 0;
	int r;
	if (out)
		memset(out, 0, sizeof *out);
	if ((r = opts_ok(o)) < 0 || (r = vault_op_start(v, &op, NULL)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		int c = cat_index(keys[i]);
		if (strcmp(keys[i], "all") == 0)
			mask |= SLOT_ALL;
		else if (strcmp(keys[i], "vault") == 0)
			mask |= 1u << SLOT_VK;
		else if (c >= 0)
			mask |= 1u << c;
		else
			return fort_error_set(FORT_EINPUT, "unknown key '%s': use a category (identity, contact, financial, special, notes), "
					      "'vault' or 'all'", keys[i]);
	}
	if ((r = finish_pending(out, v, o, &pending)) < 0)
		return r;
	if (!mask)
		return pending ? 0 : fort_error_set(FORT_ENOTFOUND, "no key rotation is under way: name the keys to rotate "
							   "(--category C or --all)");
	if ((r = need_keys(v, mask, "this rotation")) < 0)
		return r;
	x.rotate = mask;
	if ((r = rr_run(v, "rotate-start", &x)) < 0)
		return r;
	return rotate_run(v, out, o);
}
