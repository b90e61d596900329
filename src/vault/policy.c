/* policy.c - roles and who may do what: the one place the library decides
 * whether the acting user may take an action.  Categories are enforced by
 * keys as well (a role's users hold only its category keys); actions are
 * enforced here, on every call, and refusals are audited.
 *
 * The roles live in the vault's metadata as JSON.  They and the users table
 * (names, roles, status, public keys; requests to join aside) are MAC'd under a key derived from the
 * vault key, like the data map, so promoting oneself by editing the file
 * outside Fortress is detected at the next unlock. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <jansson.h>
#include "vault/vault_int.h"

static const char *const action_names[ACT_COUNT] = { "read", "reveal", "write", "import", "export", "erase", "users", "map",
							     "intake" };

int action_index(const char *name)
{
	for (int i = 0; i < ACT_COUNT; i++)
		if (name && strcmp(name, action_names[i]) == 0)
			return i;
	if (name && (strcmp(name, "manage-users") == 0 || strcmp(name, "manage_users") == 0))
		return 6;
	if (name && (strcmp(name, "manage-map") == 0 || strcmp(name, "manage_map") == 0))
		return 7;
	return -1;
}

const char *action_name(unsigned act)
{
	for (int i = 0; i < ACT_COUNT; i++)
		if (act == 1u << i)
			return action_names[i];
	return "?";
}

static const struct { const char *name; unsigned cats, acts; } builtin[] = {
	{ "owner", (1u << CAT_COUNT) - 1, ACT_ALL },
	{ "staff", 1u << 0 | 1u << 1, ACT_READ | ACT_REVEAL | ACT_WRITE },
	{ "bookkeeper", 1u << 0 | 1u << 1 | 1u << 2, ACT_READ | ACT_REVEAL | ACT_EXPORT },
};

int role_builtin(const char *name)
{
	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
		if (strcmp(name, builtin[i].name) == 0)
			return 1;
	return 0;
}

void roles_release(role_set *rs)
{
	free(rs->r);
	rs->r = NULL;
	rs->n = 0;
}

const role_def *role_find(const role_set *rs, const char *name)
{
	for (size_t i = 0; i < rs->n; i++)
		if (name && strcmp(rs->r[i].name, name) == 0)
			return &rs->r[i];
	return NULL;
}

int roles_defaults(role_set *rs)
{
	size_t n = sizeof builtin / sizeof builtin[0];
	if (!(rs->r = fort_calloc(n, sizeof *rs->r)))
		return FORT_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		snprintf(rs->r[i].name, sizeof rs->r[i].name, "%s", builtin[i].name);
		rs->r[i].cats = builtin[i].cats;
		rs->r[i].acts = builtin[i].acts;
	}
	rs->n = n;
	return 0;
}

int role_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n >= 48)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

void role_describe(char *cats, size_t ccap, char *acts, size_t acap, const role_def *rd)
{
	size_t k;
	cats[0] = acts[0] = '\0';
	for (int i = 0; i < CAT_COUNT; i++)
		if (rd->cats & (1u << i)) {
			k = strlen(cats);
			snprintf(cats + k, ccap - k, "%s%s", k ? "," : "", fort_categories[i]);
		}
	for (int i = 0; i < ACT_COUNT; i++)
		if (rd->acts & (1u << i)) {
			k = strlen(acts);
			snprintf(acts + k, acap - k, "%s%s", k ? "," : "", action_names[i]);
		}
}

int roles_parse(role_set *rs, const char *json, size_t len)
{
	json_error_t e;
	json_t *root = json_loadb(json, len, 0, &e), *arr, *it;
	size_t i;
	int r = 0;
	memset(rs, 0, sizeof *rs);
	if (!root || !(arr = json_object_get(root, "roles")) || !json_is_array(arr)) {
		r = fort_error_set(FORT_ECORRUPT, "the stored roles are damaged: restore the vault from a backup");
		goto out;
	}
	if (!(rs->r = fort_calloc(json_array_size(arr) + 1, sizeof *rs->r))) {
		r = FORT_ENOMEM;
		goto out;
	}
	json_array_foreach(arr, i, it) {
		role_def *rd = &rs->r[rs->n];
		json_t *name = json_object_get(it, "name"), *cats = json_object_get(it, "categories"),
		       *acts = json_object_get(it, "actions"), *x;
		size_t k;
		if (!json_is_string(name) || !role_name_valid(json_string_value(name)) || !json_is_array(cats) ||
		    !json_is_array(acts)) {
			r = fort_error_set(FORT_ECORRUPT, "the stored roles are damaged (role %zu): restore the vault from a backup", i + 1);
			goto out;
		}
		snprintf(rd->name, sizeof rd->name, "%s", json_string_value(name));
		json_array_foreach(cats, k, x) {
			int c = cat_index(json_string_value(x));
			if (c >= 0)
				rd->cats |= 1u << c;
		}
		json_array_foreach(acts, k, x) {
			int a = action_index(json_string_value(x));
			if (a >= 0)
				rd->acts |= 1u << a;
		}
		/* the owner cannot be narrowed: a vault whose roles were stored
		 * before an action existed still gives the owner that action */
		if (strcmp(rd->name, "owner") == 0)
			rd->acts = ACT_ALL;
		rs->n++;
	}
out:
	json_decref(root);
	if (r < 0)
		roles_release(rs);
	return r;
}

int roles_to_json(char **out, const role_set *rs)
{
	json_t *root = json_object(), *arr = json_array();
	*out = NULL;
	if (!root || !arr) {
		json_decref(root);
		json_decref(arr);
		return FORT_ENOMEM;
	}
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "roles", arr);
	for (size_t i = 0; i < rs->n; i++) {
		json_t *o = json_object(), *c = json_array(), *a = json_array();
		for (int k = 0; k < CAT_COUNT; k++)
			if (rs->r[i].cats & (1u << k))
				json_array_append_new(c, json_string(fort_categories[k]));
		for (int k = 0; k < ACT_COUNT; k++)
			if (rs->r[i].acts & (1u << k))
				json_array_append_new(a, json_string(action_names[k]));
		json_object_set_new(o, "name", json_string(rs->r[i].name));
		json_object_set_new(o, "categories", c);
		json_object_set_new(o, "actions", a);
		json_array_append_new(arr, o);
	}
	*out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return *out ? 0 : FORT_ENOMEM;
}

/* ------------------------------------------------------------ the MAC */

static int mac_user_cb(void *ctx, const store_user *u)
{
	crypto_generichash_state *st = ctx;
	/* requests to join are written by anyone who can write the file and
	 * vouched for by nobody: they are not part of the policy */
	if (strcmp(u->status, "pending") == 0)
		return 0;
	keys_hash_u64(st, (uint64_t)u->id);
	keys_hash_str(st, u->name);
	keys_hash_str(st, u->role);
	keys_hash_str(st, u->status);
	crypto_generichash_update(st, u->box_pk, 32);
	crypto_generichash_update(st, u->sign_pk, 32);
	return 0;
}

/* MAC over the stored roles and every user's name, role, status and keys. */
static int policy_mac(unsigned char mac[32], fort_vault *v, const char *roles_json)
{
	static const char tag[] = "fortress-policy-v1";
	crypto_generichash_state st;
	int r;
	crypto_generichash_init(&st, v->kr->policy_key, KEY_LEN, 32);
	crypto_generichash_update(&st, (const unsigned char *)tag, sizeof tag);
	keys_hash_str(&st, roles_json);
	if ((r = store_user_each(v->st, mac_user_cb, &st)) < 0)
		return r;
	crypto_generichash_final(&st, mac, 32);
	return 0;
}

static int count_cb(void *ctx, const store_user *u)
{
	(void)u;
	(*(size_t *)ctx)++;
	return 0;
}

/* The roles, the users and their MAC (policy_mac), in one snapshot: a
 * change committed by another process between two of the reads is no
 * change made outside Fortress. */
static int policy_read(fort_vault *v);

int policy_load(fort_vault *v)
{
	int r;
	if ((r = store_read_begin(v->st)) < 0)
		return r;
	r = policy_read(v);
	store_read_end(v->st);
	return r;
}

static int policy_read(fort_vault *v)
{
	unsigned char *json = NULL, *mac = NULL, want[32];
	size_t len = 0, maclen = 0;
	role_set rs;
	int r;
	memset(&rs, 0, sizeof rs);
	r = store_meta_get(v->st, "roles", &json, &len);
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		r = roles_defaults(&rs);
	} else if (r == 0) {
		r = roles_parse(&rs, (const char *)json, len);
	}
	if (r < 0)
		goto out;
	if (v->kr && v->kr->has_vk) {
		r = store_meta_get(v->st, "policy_mac", &mac, &maclen);
		if (r == FORT_ENOTFOUND) {
			/* a vault from before roles existed: one owner, default roles */
			size_t users = 0;
			fort_error_clear();
			if ((r = store_user_each(v->st, count_cb, &users)) < 0)
				goto out;
			if (json || users > 1) {
				r = fort_error_set(FORT_ETAMPER, "the users and roles have no MAC: the vault was altered outside Fortress; restore it from a backup");
				goto out;
			}
		} else if (r < 0) {
			goto out;
		} else {
			char *roles_json = NULL;
			if (json) {
				if (!(roles_json = fort_malloc(len + 1))) {
					r = FORT_ENOMEM;
					goto out;
				}
				memcpy(roles_json, json, len);
				roles_json[len] = '\0';
			}
			r = policy_mac(want, v, roles_json);
			free(roles_json);
			if (r < 0)
				goto out;
			if (maclen != 32 || sodium_memcmp(want, mac, 32) != 0) {
				r = fort_error_set(FORT_ETAMPER, "the users or roles were changed outside Fortress (their MAC does not verify): "
						   "restore the vault from a backup");
				goto out;
			}
		}
	}
	roles_release(&v->roles);
	v->roles = rs;
	memset(&rs, 0, sizeof rs);
	v->acts = v->cats = 0;
	if (v->role) {
		const role_def *rd = role_find(&v->roles, v->role);
		if (rd) {
			v->acts = rd->acts;
			v->cats = rd->cats;
		}
	}
	r = 0;
out:
	roles_release(&rs);
	free(json);
	free(mac);
	return r;
}

int policy_store(fort_vault *v, const role_set *rs)
{
	char *json = NULL;
	unsigned char mac[32];
	int r;
	if (!rs)
		rs = &v->roles;
	if ((r = roles_to_json(&json, rs)) < 0)
		return r;
	if ((r = store_meta_put(v->st, "roles", json, strlen(json))) == 0 && (r = policy_mac(mac, v, json)) == 0)
		r = store_meta_put(v->st, "policy_mac", mac, 32);
	free(json);
	return r;
}

/* ---------------------------------------------------------- the checks */

void vault_op_end(fort_vault *v)
{
	char why[1024];
	if (!v)
		return;
	/* only this handle's refusals: another handle on this thread audits
	 * its own (issue 16: a per-thread count made handle B write "denied"
	 * for handle A's refusal) */
	if (fort_error_denied_take(v->op_id, why, sizeof why) && !v->op_audited && v->kr) {
		/* the refusal's message, not whatever error came after it */
		char keep[1024];
		int code = fort_error_code();
		snprintf(keep, sizeof keep, "%s", fort_error_message());
		(void)audit_record(v, v->op_what[0] ? v->op_what : "refused", v->op_client, "", "", "denied", why);
		fort_error_restore(code, keep);
	}
	v->op_audited = 0;
}

/* The thread now runs an operation of V: the refusals it sets are V's. */
void vault_op_own(fort_vault *v)
{
	static _Atomic uint64_t next_id;
	if (!v->op_id)
		v->op_id = ++next_id;
	fort_error_owner(v->op_id);
}

/* DST (CAP bytes) gets SRC, cut to fit: what snprintf("%s") did, without
 * its format machinery (two of them were 1.1k of a find's 15.8k
 * instructions; bench/README.md, perf16) */
static void op_copy(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strnlen(src, cap - 1) : 0;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

int vault_need(fort_vault *v, unsigned act, const char *what, const char *client)
{
	char msg[300];
	int r;
	vault_op_end(v);
	vault_op_own(v);
	op_copy(v->op_what, sizeof v->op_what, what);
	op_copy(v->op_client, sizeof v->op_client, client);
	v->op_audited = 0;
	if ((r = vault_need_unlocked(v)) < 0)
		return r;
	/* the vault's own details (business and owner names on documents)
	 * were read at open, before the seals were enforced: every operation
	 * checks them first, once per process (`audit verify` does not come
	 * here, so it can still name what changed) */
	if ((r = store_seal_require(v->st, "meta")) < 0)
		return r;
	if (v->acts & act)
		return 0;
	snprintf(msg, sizeof msg, "your role '%s' does not allow '%s' (a user who manages users can run 'fortress role grant %s %s')",
		 v->role ? v->role : "?", action_name(act), v->role ? v->role : "ROLE", action_name(act));
	(void)audit_record(v, what, client ? client : "", "", "", "denied", msg);
	r = fort_error_set(FORT_EDENIED, "%s", msg);
	(void)fort_error_denied_take(v->op_id, NULL, 0);  /* audited above */
	return r;
}

int fort_vault_can(const fort_vault *v, const char *action, const char *category)
{
	int a = action_index(action), c = category ? cat_index(category) : -1;
	if (!v || !v->kr || a < 0 || (category && c < 0))
		return 0;
	if (!(v->acts & (1u << a)))
		return 0;
	return c < 0 || (v->kr->has_ck[c] && (v->cats & (1u << c)));
}
