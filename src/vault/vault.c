/* vault.c - vault lifecycle: create, open (unlock), close, passphrase change, status. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include <jansson.h>
#include "vault/vault_int.h"
#include "vault/op.h"

int fort_library_init(void)
{
	if (sodium_init() < 0)
		return fort_error_set(FORT_ERROR, "libsodium could not be initialised");
	/* JSON trees hold client values (access packages, exports, letters):
	 * every block jansson frees is wiped first */
	json_set_alloc_funcs(fort_wipe_malloc, fort_wipe_free);
	return 0;
}

const char *fort_version(void) { return FORT_VERSION; }

const char *fort_vault_path(const fort_vault *v) { return v->path; }
int fort_vault_path_is_database(const char *path) { return store_path_is_pg(path); }

int vault_key_epoch(fort_vault *v, int64_t *epoch)
{
	unsigned char *val = NULL;
	size_t len = 0;
	char buf[24];
	int r = store_meta_get(v->st, "key_epoch", &val, &len);
	*epoch = 0;
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		return 0;
	}
	if (r < 0)
		return r;
	snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), (const char *)val);
	free(val);
	*epoch = strtoll(buf, NULL, 10);
	return 0;
}

void vault_reload_keys(fort_vault *v)
{
	keyring *kr = v->kr;
	/* called after a failed write: its error is the one to report, and
	 * reading the keys again may clear it (a vault with no key epoch yet) */
	int code = fort_error_code();
	char msg[512];
	if (!kr)
		return;
	snprintf(msg, sizeof msg, "%s", fort_error_message());
	sodium_memzero(kr->vk, sizeof kr->vk);
	sodium_memzero(kr->ck, sizeof kr->ck);
	sodium_memzero(kr->old, sizeof kr->old);
	kr->nold = 0;
	kr->has_vk = kr->vk_version = 0;
	memset(kr->has_ck, 0, sizeof kr->has_ck);
	memset(kr->ck_version, 0, sizeof kr->ck_version);
	if (vault_key_epoch(v, &v->key_epoch) < 0 || keys_load_grants(kr, v->st, v->user_id) < 0 || map_derive_keys(v) < 0) {
		/* cannot trust what is left: lock */
		keyring_free(v->kr);
		v->kr = NULL;
	}
	/* put back, not raised again: on a server thread the saved error may
	 * be another request's refusal (already audited), which
	 * fort_error_set would count again, for this handle */
	if (code)
		fort_error_restore(code, msg);
}

int vault_keys_current(fort_vault *v)
{
	int64_t epoch;
	int r;
	if ((r = vault_key_epoch(v, &epoch)) < 0)
		return r;
	if (epoch == v->key_epoch)
		return 0;
	/* Another process rotated keys since this handle loaded them: what it
	 * would write now could be under a key version about to be destroyed. */
	vault_reload_keys(v);
	return fort_error_set(FORT_EBUSY, "the keys were rotated by another process since the vault was opened: "
			      "try again (nothing was changed)");
}

static int meta_str(fort_vault *v, const char *key, char *out, size_t cap)
{
	unsigned char *val = NULL;
	size_t len = 0;
	/* checked against its seal by vault_need, before any operation uses it */
	int r = store_meta_get_unchecked(v->st, key, &val, &len);
	if (r < 0)
		return r == FORT_ENOTFOUND ? fort_error_set(FORT_ECORRUPT, "the vault has no '%s' record: it is damaged", key) : r;
	if (len >= cap)
		len = cap - 1;
	memcpy(out, val, len);
	out[len] = '\0';
	free(val);
	return 0;
}

static int valid_name(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max || !fort_utf8_valid(s, n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static void vault_free(fort_vault *v)
{
	if (!v)
		return;
	(void)fort_error_denied_take(v->op_id, NULL, 0);
	store_close(v->st);
	keyring_free(v->kr);
	if (v->bkeys)
		sodium_free(v->bkeys);
	free(v->has_bkey);
	map_release(&v->map);
	free(v->path);
	free(v->user);
	free(v->role);
	roles_release(&v->roles);
	free(v);
}

/* The new vault's first transaction: its details, map and markers, the
 * owner and their grants, roles, seals, and the "create" entry. */
struct create_ctx {
	const fort_create_opts *o;
	store_user *u;
	const char *map;
};

static int create_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct create_ctx *x = ctx;
	const fort_create_opts *o = x->o;
	store_user *u = x->u;
	char created[24], pkhex[65];
	int r;
	snprintf(created, sizeof created, "%lld", (long long)u->created);
	{
		unsigned char id[16];
		char hex[33];
		fort_random(id, sizeof id);
		fort_hex(hex, id, sizeof id);
		if ((r = store_meta_put(v->st, "vault_id", hex, 32)) < 0)
			return r;
	}
	if ((r = store_meta_put(v->st, "business", o->business, strlen(o->business))) < 0 ||
	    (r = store_meta_put(v->st, "owner", o->owner, strlen(o->owner))) < 0 ||
	    (r = store_meta_put(v->st, "created", created, strlen(created))) < 0 ||
	    (r = store_meta_put(v->st, "map", x->map, strlen(x->map))) < 0 ||
	    (r = vault_index_mark_current(v)) < 0 ||
	    (r = vault_records_mark(v)) < 0 || /* every record it will hold has a trailer */
	    (r = vault_index_mac_mark(v)) < 0 || /* and every index entry its MAC */
	    (r = store_user_insert(v->st, u)) < 0 ||
	    (r = keys_grant_all(v->st, u->id, u->box_pk, v->kr)) < 0)
		return r;
	v->user_id = u->id;
	if (!(v->user = fort_strdup(o->owner)) || !(v->role = fort_strdup("owner")))
		return FORT_ENOMEM;
	{
		/* MAC the map now that the vault key exists */
		unsigned char *json = NULL, mac[32];
		size_t len;
		if ((r = store_meta_get(v->st, "map", &json, &len)) < 0)
			return r;
		crypto_generichash(mac, 32, json, len, v->kr->map_key, KEY_LEN);
		free(json);
		if ((r = store_meta_put(v->st, "map_mac", mac, 32)) < 0)
			return r;
	}
	if ((r = roles_defaults(&v->roles)) < 0 || (r = policy_store(v, NULL)) < 0)
		return r;
	store_set_commit_hook(v->st, NULL, NULL);
	if ((r = seal_create(v)) < 0)
		return r;
	fort_hex(pkhex, u->sign_pk, 32);
	snprintf(detail, cap, "vault created; owner user_id=%lld sign_pk=%s kdf=argon2id13 opslimit=%llu memlimit=%llu",
		 (long long)u->id, pkhex, (unsigned long long)u->opslimit, (unsigned long long)u->memlimit);
	return 0;
}

int fort_vault_create(fort_vault **out, const char *path, const fort_create_opts *o, const fort_secret *pass)
{
	/* no role to check: the creator is the owner (unlocked: the keys just made) */
	static const vault_op op = { "create", 0, NULL, create_write };
	fort_vault *v = NULL;
	store_user u;
	struct create_ctx x;
	char *detail = NULL;
	const char *inputs[3];
	int r;
	fort_map m;

	*out = NULL;
	memset(&u, 0, sizeof u);
	if (!o || o->version != FORT_CREATE_OPTS_VERSION)
		return FORT_CHECK_VERSION(o ? o->version : 0, FORT_CREATE_OPTS, fort_create_opts);
	if (!valid_name(o->business, 120))
		return fort_error_set(FORT_EINPUT, "the business name is required (1 to 120 characters, no control characters)");
	if (!valid_name(o->owner, 120))
		return fort_error_set(FORT_EINPUT, "the owner's name is required (1 to 120 characters, no control characters)");
	if (o->default_country && !phone_country_code(o->default_country))
		return fort_error_set(FORT_EINPUT, "unknown country code '%s': use ISO 3166 two letters such as DE, FR, GB, US", o->default_country);
	inputs[0] = o->business;
	inputs[1] = o->owner;
	inputs[2] = NULL;
	if ((r = fort_passphrase_check(pass, inputs)) < 0)
		return r;

	/* the default map with the chosen country */
	if ((r = map_parse(&m, map_default_json(), strlen(map_default_json()))) < 0)
		return r;
	if (o->default_country) {
		free(m.default_country);
		m.default_country = fort_strdup(o->default_country);
	}
	r = map_to_json(&detail, &m);
	map_release(&m);
	if (r < 0)
		return r;

	if (!(v = fort_calloc(1, sizeof *v)) || !(v->path = fort_strdup(path))) {
		r = FORT_ENOMEM;
		goto fail;
	}
	vault_op_own(v);   /* the handle's refusal count (policy.c) */
	if ((r = store_open(&v->st, path, 1)) < 0)
		goto fail;
	u.name = (char *)o->owner;
	u.role = "owner";
	u.created = fort_now();
	if ((r = keys_user_create(&v->kr, &u, pass, o->kdf)) < 0)
		goto fail;
	keys_vault_generate(v->kr);
	x.o = o;
	x.u = &u;
	x.map = detail;
	if ((r = vault_op_run(v, &op, NULL, &x)) < 0)
		goto fail;
	free(detail);
	detail = NULL;
	u.name = u.role = NULL;
	store_user_release(&u);
	if ((r = meta_str(v, "business", v->business, sizeof v->business)) < 0 ||
	    (r = meta_str(v, "owner", v->owner, sizeof v->owner)) < 0 ||
	    (r = map_load(v)) < 0 || (r = policy_load(v)) < 0 || (r = seal_open(v)) < 0 ||
	    (r = vault_records_load(v)) < 0)
		goto fail;
	/* the business's contact details and state (rights/business.c): a
	 * bad value fails the creation, leaving no vault behind */
	if (o->business_details && (r = fort_business_set(v, o->business_details)) < 0)
		goto fail;
	v->created = fort_now();
	/* refusals on the way in were the open's answer, not an operation's */
	(void)fort_error_denied_take(v->op_id, NULL, 0);
	*out = v;
	return 0;
fail:
	{
		int code = fort_error_code();
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", fort_error_message());
		if (v && v->st) {
			store_close(v->st);
			v->st = NULL;
			/* creation failed: leave nothing behind */
			char side[4096];
			unlink(path);
			snprintf(side, sizeof side, "%s-wal", path);
			unlink(side);
			snprintf(side, sizeof side, "%s-shm", path);
			unlink(side);
		}
		fort_error_set(code ? code : r, "%s", msg);
	}
	free(detail);
	u.name = u.role = NULL;
	store_user_release(&u);
	vault_free(v);
	return r;
}

/* What an open reads after the passphrase, in one snapshot: the grants of
 * the acting user (when unlocked), the map and the roles, each checked
 * against its MAC.  Each is rows and a MAC read by several statements: a
 * commit of another process between two of them is no change made outside
 * Fortress. */
static int open_read(fort_vault *v)
{
	int r;
	if (v->kr && ((r = vault_key_epoch(v, &v->key_epoch)) < 0 || (r = keys_load_grants(v->kr, v->st, v->user_id)) < 0))
		return r;
	if ((r = map_load(v)) < 0 || (r = policy_load(v)) < 0)
		return r;
	return 0;
}

/* Open with a passphrase (PASS), with the user's exported key (KEY, from
 * the unlock agent), or locked (neither). */
static int vault_open(fort_vault **out, const char *path, const char *user, const fort_secret *pass,
		      const fort_secret *key, fort_audit_writer *aw)
{
	fort_vault *v = NULL;
	store_user u;
	char created[24];
	int r;

	*out = NULL;
	memset(&u, 0, sizeof u);
	if (!(v = fort_calloc(1, sizeof *v)) || !(v->path = fort_strdup(path))) {
		r = FORT_ENOMEM;
		goto fail;
	}
	vault_op_own(v);   /* the handle's refusal count (policy.c) */
	/* the vault's details, map, roles and markers read below: one read of
	 * them all (a round trip each on PostgreSQL), until the unlock's entry */
	if ((r = store_open(&v->st, path, 0)) < 0 || (r = store_meta_preload(v->st)) < 0 || (r = seal_open(v)) < 0)
		goto fail;
	if ((r = meta_str(v, "business", v->business, sizeof v->business)) < 0 ||
	    (r = meta_str(v, "owner", v->owner, sizeof v->owner)) < 0 ||
	    (r = meta_str(v, "created", created, sizeof created)) < 0)
		goto fail;
	v->created = strtoll(created, NULL, 10);
	if (pass || key) {
		if ((r = store_user_get(v->st, &u, user)) < 0) {
			if (r == FORT_ENOTFOUND && user)
				r = fort_error_set(FORT_ENOTFOUND, "no user '%s' in this vault", user);
			else if (r == FORT_ENOTFOUND)
				/* every vault has an active owner (the last one cannot be
				 * removed or demoted): none means the users were edited */
				r = fort_error_set(FORT_ETAMPER, "this vault has no active owner: the users or their roles were changed "
						   "outside Fortress; restore the vault from a backup");
			goto fail;
		}
		if (strcmp(u.status, "pending") == 0) {
			r = fort_error_set(FORT_EDENIED, "user '%s' has asked to join but has not been added yet: ask an owner to run "
					   "'fortress user add %s --role ROLE'", u.name, u.name);
			goto fail;
		}
		if (strcmp(u.status, "active") != 0) {
			r = fort_error_set(FORT_EDENIED, "user '%s' was removed from this vault", u.name);
			goto fail;
		}
		if (vault_is_token_user(u.name)) {
			/* a token opens only with its own keys (fort_token_open),
			 * and only while it is neither revoked nor expired */
			if (!key) {
				r = fort_error_set(FORT_EAUTH, "'%s' is a token for programs: it has no passphrase", u.name);
				goto fail;
			}
			if ((r = vault_token_load(v, u.name)) < 0)
				goto fail;
		}
		r = key ? keys_user_from_secret(&v->kr, &u, key) : keys_user_unseal(&v->kr, &u, pass);
		if (r == FORT_EAUTH) {
			char msg[1024];
			snprintf(msg, sizeof msg, "%s", fort_error_message());
			/* Recorded (unsigned: there is no key to sign with); if even
			 * that fails the answer is still "wrong passphrase". */
			(void)audit_append_unsigned(v->st, u.id, u.name, "unlock-failed", "denied", "wrong passphrase");
			fort_error_set(FORT_EAUTH, "%s", msg);
			goto fail;
		}
		if (r < 0)
			goto fail;
		v->user_id = u.id;
		v->user = u.name;
		v->role = u.role;
		u.name = u.role = NULL;
	}
	/* the keys, the map and the roles in one snapshot, as
	 * fort_vault_refresh reads them again */
	if ((r = store_read_begin(v->st)) < 0)
		goto fail;
	r = open_read(v);
	store_read_end(v->st);
	if (r < 0 || (r = seal_upgrade(v)) < 0 || (r = seal_adopt(v)) < 0 || (r = seal_index_regroup(v)) < 0 ||
	    (r = vault_records_load(v)) < 0)
		goto fail;
	/* a server's handle: its unlock entry too goes through the group
	 * commit, so the other handles do not see a commit of someone else
	 * and read the vault again whole (bench/README.md) */
	if (aw && (r = fort_vault_use_audit_writer(v, aw)) < 0)
		goto fail;
	if (v->kr && (r = audit_record(v, "unlock", "", "", "", "ok", key ? "with the unlock agent or a server session" : "")) < 0)
		goto fail;
	if (v->kr) {
		/* the markers the upgrades below read, again at once (the
		 * unlock's entry dropped what was read before it) */
		if ((r = store_meta_preload(v->st)) < 0)
			goto fail;
		/* entries of an older blind-index version: re-made now, resumably;
		 * a failure leaves them for the next unlock (and the search that
		 * misses a value says nothing wrong was found, as before) */
		uint64_t changed = 0;
		if (vault_reindex(v, &changed) < 0)
			fort_error_clear();
		/* records of format 1 given their authenticator (recmac.c): the
		 * same way, a failure leaves them for the next unlock (and the
		 * record that stopped it is refused when read) */
		if (vault_records_upgrade(v, &changed) < 0)
			fort_error_clear();
		/* index entries written before schema 15 given their MAC
		 * (idxmac.c): the same way; until then their seals vouch
		 * for them */
		if (vault_index_mac_upgrade(v, &changed) < 0)
			fort_error_clear();
	}
	/* where the file stands now: fort_vault_refresh re-reads what others
	 * change after this */
	if ((r = store_changed(v->st)) < 0)
		goto fail;
	store_user_release(&u);
	/* refusals on the way in were the open's answer, not an operation's */
	(void)fort_error_denied_take(v->op_id, NULL, 0);
	*out = v;
	return 0;
fail:
	store_user_release(&u);
	vault_free(v);
	return r;
}

static int refresh_read(fort_vault *v);
static int refresh_check(fort_vault *v);

int fort_vault_refresh(fort_vault *v)
{
	int r, changed;

	/* a new operation of V on this thread: what the last one left
	 * unaudited is audited, a refusal is counted for V from here */
	vault_op_end(v);
	vault_op_own(v);
	if (v->is_token && v->token_expires && fort_now() >= v->token_expires)
		return fort_error_set(FORT_EDENIED, "token '%s' has expired", v->user + strlen(TOKEN_USER_PREFIX));
	/* a server's request: the check below, the chain's tail and the
	 * request's reads in one read transaction, not one each (store.h);
	 * ended by the first write, the audit entry or fort_vault_flush */
	if (v->aw)
		store_read_keep(v->st);
	if ((changed = store_changed(v->st)) < 0)
		return changed;
	if (!changed && !v->refresh_due)
		return 0;
	/* from here until the checks below succeed, the handle is not
	 * current: store_changed has taken the file's new state as seen and
	 * will not say so again, so a failure leaves the next refresh to read
	 * it all (refresh_due), and not through the writer's shortcuts, which
	 * start from the handle's last position (aw_*, forgotten) */
	v->refresh_due = 1;
	if ((r = refresh_check(v)) < 0) {
		v->aw_seen = 0;
		v->aw_marked = 0;
		return r;
	}
	if (r == 1) {
		v->refresh_due = 0;
		return 0;
	}
	/* Another process or handle committed: what this handle read at open
	 * may be out of date.  The seal marker, the names on documents, the
	 * acting user (removed? another role?), the keys they hold, the map and
	 * the roles are read again, each checked as at open (MACs, seals), in
	 * one snapshot: each is rows and a MAC over them (the map and map_mac;
	 * the roles, the users and policy_mac) read by several statements, and
	 * another process's commit between two of them is no change made
	 * outside Fortress.  Between operations: no transaction is open. */
	if ((r = store_read_begin(v->st)) == 0) {
		r = refresh_read(v);
		store_read_end(v->st);
	}
	if (r < 0) {
		/* not read whole: the next refresh reads it all again */
		v->aw_seen = 0;
		v->aw_marked = 0;
		return r;
	}
	v->refresh_due = 0;
	return 0;
}

/* fort_vault_refresh with the group commit: 1 when only the writer's own
 * commits happened since the handle last read the vault (nothing to read
 * again), 0 when the vault must be read, <0 on error.  Sets the handle's
 * position (aw_*) for the next request. */
static int refresh_check(fort_vault *v)
{
	int r;
	if (!v->aw)
		return 0;
	{
		/* the chain's end, read before anything else is read again: a
		 * commit after it is seen by the next call */
		int64_t seq;
		unsigned char hash[32];
		uint32_t now[3];
		int marked = store_read_mark(v->st, now) == 1;
		/* where the request's snapshot stands, exactly (SQLite's WAL):
		 * reached from where this handle last stood by the writer's
		 * commits alone, each begun where the one before ended, the
		 * tail need not be read (bench/README.md, issue 17) */
		if (marked && v->aw_marked && audit_writer_covers_mark(v->aw, v->aw_mark, now, &v->aw_seq, v->aw_hash)) {
			store_keep_checks(v->st);
			return 1;
		}
		if ((r = store_audit_tail(v->st, &seq, hash)) == FORT_ENOTFOUND) {
			seq = 0;
			memset(hash, 0, 32);
		} else if (r < 0) {
			return r;
		}
		/* this request's position: where the handle stands after the
		 * checks below (a full read below may see later commits too,
		 * which the next request then looks at again; one that fails
		 * forgets it) */
		v->aw_marked = marked;
		memcpy(v->aw_mark, now, sizeof now);
		/* only the server's group commit wrote since: audit entries, none
		 * of what this handle holds changed */
		if (v->aw_seen && audit_writer_covers(v->aw, &v->aw_seq, v->aw_hash, seq, hash)) {
			store_keep_checks(v->st);
			return 1;
		}
		v->aw_seq = seq;
		memcpy(v->aw_hash, hash, 32);
		v->aw_seen = 1;
	}
	return 0;
}

/* fort_vault_refresh's reads, inside its snapshot */
static int refresh_read(fort_vault *v)
{
	store_user u;
	int r;
	if ((r = seal_open(v)) < 0 || (r = meta_str(v, "business", v->business, sizeof v->business)) < 0 ||
	    (r = meta_str(v, "owner", v->owner, sizeof v->owner)) < 0)
		return r;
	if (v->kr) {
		memset(&u, 0, sizeof u);
		if ((r = store_user_get_by_id(v->st, &u, v->user_id)) < 0)
			return r == FORT_ENOTFOUND ? fort_error_set(FORT_EDENIED, "user '%s' was removed from this vault", v->user) : r;
		if (strcmp(u.status, "active") != 0) {
			r = fort_error_set(FORT_EDENIED, "user '%s' was removed from this vault", v->user);
			store_user_release(&u);
			return r;
		}
		if (v->is_token && (r = vault_token_load(v, v->user)) < 0) {
			store_user_release(&u);
			return r;
		}
		if (strcmp(u.role, v->role) != 0) {
			free(v->role);
			v->role = u.role;
			u.role = NULL;
		}
		store_user_release(&u);
		/* grants given or rotated since: read again (a failure locks).
		 * vault_reload_keys puts back the error it found on the thread
		 * (a failed write's); a refresh has none of its own yet, and one
		 * left by an earlier call (an optional key an operation looked
		 * for and did not find) would be said instead of the read's */
		fort_error_clear();
		vault_reload_keys(v);
		if (!v->kr)
			return fort_error_code() ? fort_error_code()
						 : fort_error_set(FORT_ERROR, "the keys could not be read again after a change");
	}
	if ((r = map_load(v)) < 0 || (r = policy_load(v)) < 0)
		return r;
	return 0;
}

void vault_idle(fort_vault *v)
{
	if (v && v->st)
		store_idle(v->st);
}

int fort_vault_flush(fort_vault *v)
{
	int r;
	if (!v)
		return 0;
	vault_op_end(v);
	r = audit_flush_finds(v);
	/* the request is done: nothing kept open for the next one (a series
	 * of finds' read transaction, which holds back WAL checkpoints) */
	if (v->st)
		store_idle(v->st);
	return r;
}

int fort_vault_flush_async(fort_vault *v, void (*done)(void *arg, int code, const char *msg), void *arg)
{
	audit_defer d;
	int r;
	if (!done)
		return fort_error_set(FORT_EINPUT, "fort_vault_flush_async needs a callback");
	d.cb = done;
	d.arg = arg;
	d.queued = 0;
	if (v)
		v->aw_defer = &d;
	r = fort_vault_flush(v);
	if (v)
		v->aw_defer = NULL;
	if (d.queued)
		return 0; /* DONE comes after the commit (a flush queues its last entry) */
	if (r < 0)
		return r;
	done(arg, 0, "");
	return 0;
}

int fort_vault_open(fort_vault **out, const char *path, const char *user, const fort_secret *pass)
{
	return vault_open(out, path, user, pass, NULL, NULL);
}

int fort_vault_open_key(fort_vault **out, const char *path, const char *user, const fort_secret *key)
{
	if (!key) {
		*out = NULL;
		return fort_error_set(FORT_EINPUT, "fort_vault_open_key needs a key");
	}
	return vault_open(out, path, user, NULL, key, NULL);
}

int vault_open_key_writer(fort_vault **out, const char *path, const char *user, const fort_secret *key,
			  fort_audit_writer *aw)
{
	if (!key) {
		*out = NULL;
		return fort_error_set(FORT_EINPUT, "fort_vault_open_key needs a key");
	}
	return vault_open(out, path, user, NULL, key, aw);
}

int fort_vault_user_key(fort_secret **out, fort_vault *v)
{
	int r;
	*out = NULL;
	if ((r = vault_need_unlocked(v)) < 0)
		return r;
	return keys_user_secret(out, v->kr);
}

void fort_vault_close(fort_vault *v)
{
	if (!v)
		return;
	vault_op_end(v);
	(void)audit_flush_finds(v);
	vault_free(v);
}

struct passwd_in { const fort_secret *pass; store_user u; int have; };

static int passwd_check(fort_vault *v, void *ctx)
{
	struct passwd_in *x = ctx;
	const char *inputs[4];
	int r;
	inputs[0] = v->business;
	inputs[1] = v->owner;
	inputs[2] = v->user;
	inputs[3] = NULL;
	if ((r = fort_passphrase_check(x->pass, inputs)) < 0)
		return r;
	if ((r = store_user_get_by_id(v->st, &x->u, v->user_id)) < 0)
		return r;
	x->have = 1;
	return keys_user_seal(&x->u, v->kr, x->pass, x->u.opslimit, x->u.memlimit);
}

static int passwd_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct passwd_in *x = ctx;
	snprintf(detail, cap, "passphrase changed");
	return store_user_update_seal(v->st, &x->u);
}

int fort_vault_passwd(fort_vault *v, const fort_secret *newpass)
{
	/* no role: every user may change their own passphrase */
	static const vault_op op = { "passwd", 0, passwd_check, passwd_write };
	struct passwd_in x;
	int r;
	memset(&x, 0, sizeof x);
	x.pass = newpass;
	r = vault_op_run(v, &op, NULL, &x);
	if (x.have)
		store_user_release(&x.u);
	return r;
}

int fort_vault_confirm(fort_vault *v, const fort_secret *pass)
{
	store_user u;
	keyring *kr = NULL;
	int r;
	if ((r = vault_need_unlocked(v)) < 0)
		return r;
	if (v->is_token)
		return fort_error_set(FORT_EINPUT, "'%s' is a token for programs: it has no passphrase to confirm", v->user);
	if (!pass)
		return fort_error_set(FORT_EINPUT, "type your passphrase to confirm");
	if ((r = store_user_get_by_id(v->st, &u, v->user_id)) < 0)
		return r;
	r = keys_user_unseal(&kr, &u, pass);
	keyring_free(kr);
	store_user_release(&u);
	if (r == FORT_EAUTH) {
		/* signed by the session's own key: someone holding it typed a wrong passphrase */
		if ((r = audit_record(v, "reauth", "", "", "", "denied", "wrong passphrase typed to confirm")) < 0)
			return r;
		return fort_error_set(FORT_EAUTH, "that is not %s's passphrase: nothing was done; type your own passphrase "
				      "again", v->user);
	}
	return r;
}

struct ucount {
	uint64_t active, pending;
};

static int ucount_cb(void *ctx, const store_user *u)
{
	struct ucount *c = ctx;
	if (vault_is_token_user(u->name))
		return 0;  /* tokens are not people */
	if (strcmp(u->status, "active") == 0)
		c->active++;
	else if (strcmp(u->status, "pending") == 0)
		c->pending++;
	return 0;
}

int fort_vault_status(fort_status *out, fort_vault *v)
{
	unsigned char hash[32];
	store_user u;
	int r;
	memset(out, 0, sizeof *out);
	/* the business and owner names were read at open, unchecked */
	if ((r = store_seal_require(v->st, "meta")) < 0)
		return r;
	snprintf(out->business, sizeof out->business, "%s", v->business);
	snprintf(out->owner, sizeof out->owner, "%s", v->owner);
	snprintf(out->user, sizeof out->user, "%s", v->user ? v->user : "");
	snprintf(out->role, sizeof out->role, "%s", v->kr && v->role ? v->role : "");
	snprintf(out->default_country, sizeof out->default_country, "%s", v->country);
	out->unlocked = v->kr != NULL;
	if (meta_str(v, "vault_id", out->vault_id, sizeof out->vault_id) < 0)
		return fort_error_code();
	out->schema_version = store_schema_version(v->st);
	out->created = v->created;
	char verified[24];
	if (meta_str(v, "backup_verified", verified, sizeof verified) == 0)
		out->last_verified_backup = strtoll(verified, NULL, 10);
	else
		fort_error_clear(); /* never verified: not an error */
	if ((r = store_client_count(v->st, &out->clients)) < 0 ||
	    (r = store_erased_count(v->st, &out->erased)) < 0 ||
	    (r = store_audit_count(v->st, &out->audit_entries)) < 0 ||
	    (r = store_audit_failed_unlocks(v->st, fort_now() - 30 * 86400, &out->failed_unlocks, &out->last_failed_unlock)) < 0)
		return r;
	r = store_audit_tail(v->st, &out->audit_head_seq, hash);
	if (r == 0)
		fort_hex(out->audit_head, hash, 32);
	else if (r != FORT_ENOTFOUND)
		return r;
	if ((r = store_user_get(v->st, &u, NULL)) < 0)
		return r;
	{
		struct ucount c = { 0, 0 };
		unsigned mask = 0;
		if ((r = store_user_each(v->st, ucount_cb, &c)) < 0 ||
		    (r = rotate_pending(v, &mask, &out->rotation_done)) < 0) {
			store_user_release(&u);
			return r;
		}
		out->users = c.active;
		out->pending_users = c.pending;
		slot_mask_names(out->rotating, sizeof out->rotating, mask);
	}
	snprintf(out->kdf, sizeof out->kdf, "argon2id13");
	out->kdf_opslimit = u.opslimit;
	out->kdf_memlimit = u.memlimit;
	store_user_release(&u);
	return 0;
}
