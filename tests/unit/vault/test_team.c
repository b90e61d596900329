/* test_team.c - users and roles: the default roles x categories x actions
 * matrix through the library, decryption straight from the vault file with
 * a user's own keyring, joining, removal and revocation by rotation, key
 * rotation resumed after an interruption. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>
#include "fortress.h"
#include "vault/vault_int.h"

#define FIXTURE_DIR "/tmp/fort-test-team-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

#define STAFF_PASS "harbor-quilt-sparrow-ember-violin-tundra"
#define BOOK_PASS "copper-lagoon-thistle-marble-canyon-oyster"

/* One field per category, with a purpose the map allows for it. */
static const struct {
	const char *field, *value, *purpose;
} cat_field[CAT_COUNT] = {
	[0] = { "full_name", "Jane Doe", "billing" },
	[1] = { "email", "jane@example.com", "billing" },
	[2] = { "iban", "DE89370400440532013000", "billing" },
	[3] = { "health", "allergic to penicillin", "service" },
	[4] = { "notes", "prefers mornings", "service" },
};

/* The default roles as the issue defines them. */
static const struct {
	const char *user, *pass, *role;
	unsigned cats, acts;
} roles[] = {
	{ "alice", PASS, "owner", 0x1f, ACT_ALL },
	{ "sam", STAFF_PASS, "staff", 0x03, ACT_READ | ACT_REVEAL | ACT_WRITE },
	{ "bob", BOOK_PASS, "bookkeeper", 0x07, ACT_READ | ACT_REVEAL | ACT_EXPORT },
};

static char client_id[FORT_ID_LEN + 1];

static fort_vault *open_as(const char *path, const char *user, const char *pass)
{
	fort_secret *s = secret(pass);
	fort_vault *v = NULL;
	int r = fort_vault_open(&v, path, user, s);
	if (r != 0)
		fail_msg("open %s as %s: %d %s", path, user, r, fort_error_message());
	fort_secret_free(s);
	return v;
}

static void join(fort_vault *owner, const char *path, const char *user, const char *pass, const char *role)
{
	fort_secret *s = secret(pass);
	char fp[20];
	assert_int_equal(fort_user_request(fp, path, user, s, FORT_KDF_INTERACTIVE), 0);
	fort_secret_free(s);
	/* a wrong fingerprint is refused, the right one accepted */
	assert_int_equal(fort_user_add(owner, user, role, "0000 0000 0000 0000"), FORT_ETAMPER);
	assert_int_equal(fort_user_add(owner, user, role, fp), 0);
}

/* The team vault: alice (owner), sam (staff), bob (bookkeeper), a field in
 * the special category, one client with a value in every category. */
static void make_team(const char *name)
{
	fort_vault *v = create_vault(name);
	fort_field_spec sp = FORT_FIELD_SPEC_INIT;
	const char *purposes[] = { "service" };
	fort_kv kv[CAT_COUNT];
	sp.name = "health";
	sp.label = "Health note";
	sp.type = "text";
	sp.category = "special";
	sp.legal_basis = "explicit consent (GDPR Art. 9(2)(a))";
	sp.retention = "end of the contract";
	sp.purposes = purposes;
	sp.npurposes = 1;
	assert_int_equal(fort_map_field_add(v, &sp), 0);
	join(v, vault_at(name), "sam", STAFF_PASS, "staff");
	join(v, vault_at(name), "bob", BOOK_PASS, "bookkeeper");
	for (int c = 0; c < CAT_COUNT; c++) {
		kv[c].field = cat_field[c].field;
		kv[c].value = cat_field[c].value;
	}
	assert_int_equal(fort_client_add(client_id, v, kv, CAT_COUNT), 0);
	fort_vault_close(v);
}

static int denied_or_ok(int r, int allowed, const char *what, const char *user, int cat)
{
	if (allowed && r != 0)
		fail_msg("%s: %s on %s should be allowed, got %d (%s)", user, what, fort_categories[cat], r, fort_error_message());
	if (!allowed && r != FORT_EDENIED)
		fail_msg("%s: %s on %s should be denied, got %d", user, what, fort_categories[cat], r);
	return 0;
}

static void test_matrix(void **state)
{
	(void)state;
	make_team("matrix.db");
	for (size_t u = 0; u < sizeof roles / sizeof roles[0]; u++) {
		fort_vault *v = open_as(vault_at("matrix.db"), roles[u].user, roles[u].pass);
		fort_status st;
		assert_int_equal(fort_vault_status(&st, v), 0);
		assert_string_equal(st.role, roles[u].role);
		for (int c = 0; c < CAT_COUNT; c++) {
			int has = (roles[u].cats >> c) & 1;
			const char *f = cat_field[c].field;
			fort_record *rec = NULL;
			fort_read_opts ro = FORT_READ_OPTS_INIT;
			const char *reveal[] = { f };

			/* fort_vault_can agrees with the table */
			assert_int_equal(fort_vault_can(v, "read", fort_categories[c]), has && (roles[u].acts & ACT_READ));

			/* read (masked): the category's field is there iff its key is held */
			assert_int_equal(fort_client_get(&rec, v, client_id, NULL), 0);
			assert_int_equal(fort_record_value(rec, f) != NULL, has);
			fort_record_free(rec);

			/* reveal */
			ro.reveal = reveal;
			ro.nreveal = 1;
			ro.purpose = cat_field[c].purpose;
			denied_or_ok(fort_client_get(&rec, v, client_id, &ro), has && (roles[u].acts & ACT_REVEAL), "reveal",
				     roles[u].user, c);
			if (rec) {
				assert_string_equal(fort_record_value(rec, f), c == 2 ? "DE89370400440532013000" : cat_field[c].value);
				fort_record_free(rec);
				rec = NULL;
			}

			/* write */
			{
				fort_kv kv = { f, cat_field[c].value };
				denied_or_ok(fort_client_edit(v, client_id, &kv, 1), has && (roles[u].acts & ACT_WRITE), "write",
					     roles[u].user, c);
			}

			/* export with the field's purpose, that field only */
			{
				fort_export_opts eo = FORT_EXPORT_OPTS_INIT;
				const char *fields[] = { f };
				FILE *out = fopen(path_of("export.json"), "w");
				uint64_t n = 0;
				eo.purpose = cat_field[c].purpose;
				eo.fields = fields;
				eo.nfields = 1;
				denied_or_ok(fort_client_export(&n, v, out, &eo), has && (roles[u].acts & ACT_EXPORT), "export",
					     roles[u].user, c);
				fclose(out);
			}

			/* import a file with that field */
			{
				char csv[256];
				fort_import_report *rep = NULL;
				int r;
				snprintf(csv, sizeof csv, "%s\n%s\n", f, c == 1 ? "new@example.com" : cat_field[c].value);
				spit(path_of("import.csv"), csv, strlen(csv));
				r = fort_client_import(&rep, v, path_of("import.csv"), NULL);
				denied_or_ok(r, has && (roles[u].acts & ACT_IMPORT), "import", roles[u].user, c);
				fort_import_report_free(rep);
			}
		}
		/* actions without a category */
		{
			const char *items[] = { "read" };
			int r = fort_role_add(v, "tmp-role", items, 1);
			assert_int_equal(r, (roles[u].acts & ACT_USERS) ? 0 : FORT_EDENIED);
			if (r == 0)
				assert_int_equal(fort_role_remove(v, "tmp-role"), 0);
		}
		{
			fort_field_spec sp = FORT_FIELD_SPEC_INIT;
			sp.name = "notes";
			sp.label = "Notes (free text)";
			assert_int_equal(fort_map_field_edit(v, &sp), (roles[u].acts & ACT_MAP) ? 0 : FORT_EDENIED);
		}
		{
			/* erase: on a client of its own, so the others go on */
			char id[FORT_ID_LEN + 1];
			fort_vault *o = open_as(vault_at("matrix.db"), "alice", PASS);
			fort_kv kv = { "full_name", "Erase Me" };
			assert_int_equal(fort_client_add(id, o, &kv, 1), 0);
			fort_vault_close(o);
			assert_int_equal(fort_client_erase(v, id, "test"), (roles[u].acts & ACT_ERASE) ? 0 : FORT_EDENIED);
		}
		expect_verified(v);
		fort_vault_close(v);
	}
	/* staff's edits kept the categories staff cannot read */
	{
		fort_vault *v = open_as(vault_at("matrix.db"), "alice", PASS);
		fort_record *rec = NULL;
		fort_read_opts ro = FORT_READ_OPTS_INIT;
		const char *reveal[] = { "iban", "health", "notes" };
		ro.reveal = reveal;
		ro.nreveal = 1;
		ro.purpose = "billing";
		assert_int_equal(fort_client_get(&rec, v, client_id, &ro), 0);
		assert_string_equal(fort_record_value(rec, "iban"), "DE89370400440532013000");
		fort_record_free(rec);
		ro.reveal = reveal + 1;
		ro.nreveal = 2;
		ro.purpose = "service";
		assert_int_equal(fort_client_get(&rec, v, client_id, &ro), 0);
		assert_string_equal(fort_record_value(rec, "health"), "allergic to penicillin");
		assert_string_equal(fort_record_value(rec, "notes"), "prefers mornings");
		fort_record_free(rec);
		fort_vault_close(v);
	}
}

/* ------------------------------------------ straight from the vault file */

/* USER's keyring as it is in the file: their sealed keys opened with their
 * passphrase, their grants opened with that. */
static keyring *file_keyring(const char *path, const char *user, const char *pass)
{
	store *s = NULL;
	store_user u;
	keyring *kr = NULL;
	fort_secret *p = secret(pass);
	assert_int_equal(store_open(&s, path, 0), 0);
	assert_int_equal(store_user_get(s, &u, user), 0);
	assert_int_equal(keys_user_unseal(&kr, &u, p), 0);
	assert_int_equal(keys_load_grants(kr, s, u.id), 0);
	store_user_release(&u);
	fort_secret_free(p);
	store_close(s);
	return kr;
}

struct try_ctx {
	const keyring *kr;
	fort_map *map;
	int cat;           /* the category whose fields are tried */
	size_t tried, opened;
};

/* Try every 32-byte key KR holds (each version of each category key, the
 * vault key) as the category key of every field of category CAT. */
static int try_cb(void *p, const store_client *c)
{
	struct try_ctx *t = p;
	unsigned char kc[KEY_LEN];
	rec_iter it;
	rec_field f;
	if (keys_client_unwrap(kc, t->kr, c->id, c->vk_version, c->wrapped, c->wrapped_len) != 0)
		return 0; /* not even the client key: nothing to try */
	assert_int_equal(rec_begin(&it, c->data, c->data_len), 0);
	while (rec_next(&it, &f) == 1) {
		int i = map_index_id(t->map, f.id);
		if (i < 0 || t->map->f[i].cat != t->cat)
			continue;
		for (int slot = 0; slot < SLOT_COUNT; slot++) {
			for (int ver = 1; ver <= 8; ver++) {
				const unsigned char *k = keys_slot_key(t->kr, slot, ver);
				keyring *fake;
				unsigned char fk[KEY_LEN], nonce[NONCE_LEN], pt[512];
				if (!k || f.ctlen > sizeof pt + FIELD_OVERHEAD)
					continue;
				/* K as the category key of CAT, at the field's version */
				assert_int_equal(keyring_new(&fake), 0);
				memcpy(fake->ck[t->cat], k, KEY_LEN);
				fake->has_ck[t->cat] = 1;
				fake->ck_version[t->cat] = (int)f.kver;
				assert_int_equal(keys_field_key(fk, fake, t->cat, (int)f.kver, kc, c->id), 0);
				keyring_free(fake);
				keys_field_nonce(nonce, f.base, f.id);
				t->tried++;
				if (keys_field_decrypt(pt, fk, c->id, t->map->f[i].name, f.kver, nonce, f.ct, f.ctlen) == 0)
					t->opened++;
			}
		}
	}
	sodium_memzero(kc, sizeof kc);
	return 0;
}

/* How many fields of category CAT in the vault at PATH open with KR's keys. */
static size_t opened_with(const char *path, const keyring *kr, int cat, size_t *tried)
{
	fort_vault *v = open_vault(path, NULL); /* locked: just the map */
	struct try_ctx t = { kr, &v->map, cat, 0, 0 };
	assert_int_equal(store_client_each(v->st, try_cb, &t), 0);
	fort_vault_close(v);
	if (tried)
		*tried = t.tried;
	return t.opened;
}

static void test_file_keyrings(void **state)
{
	(void)state;
	make_team("file.db");
	for (size_t u = 0; u < sizeof roles / sizeof roles[0]; u++) {
		keyring *kr = file_keyring(vault_at("file.db"), roles[u].user, roles[u].pass);
		for (int c = 0; c < CAT_COUNT; c++) {
			size_t tried = 0, opened = opened_with(vault_at("file.db"), kr, c, &tried);
			int has = (roles[u].cats >> c) & 1;
			/* the keyring holds exactly the role's category keys */
			assert_int_equal(kr->has_ck[c], has);
			assert_true(tried > 0);
			if (has)
				assert_true(opened > 0);
			else if (opened)
				fail_msg("%s opened %zu %s fields from the file", roles[u].user, opened, fort_categories[c]);
		}
		assert_true(kr->has_vk);
		keyring_free(kr);
	}
}

/* ------------------------------------------------------------- removal */

static void add_clients(fort_vault *v, int n)
{
	for (int i = 0; i < n; i++) {
		char id[FORT_ID_LEN + 1], name[64], email[64];
		fort_kv kv[3] = { { "full_name", name }, { "email", email }, { "iban", "GB82WEST12345698765432" } };
		snprintf(name, sizeof name, "Client %d", i);
		snprintf(email, sizeof email, "client%d@example.com", i);
		assert_int_equal(fort_client_add(id, v, kv, 3), 0);
	}
}

/* Every field of every client decrypts for the owner, and finds work. */
static void expect_all_readable(fort_vault *v, uint64_t want)
{
	fort_client_summary *cs = NULL;
	size_t n = 0;
	const char *reveal[] = { "all" };
	fort_read_opts ro = FORT_READ_OPTS_INIT;
	char (*ids)[FORT_ID_LEN + 1] = NULL;
	ro.reveal = reveal;
	ro.nreveal = 1;
	ro.purpose = "billing";
	assert_int_equal(fort_client_list(&cs, &n, v), 0);
	assert_int_equal(n, want);
	for (size_t i = 0; i < n; i++) {
		fort_record *rec = NULL;
		if (fort_client_get(&rec, v, cs[i].id, &ro) != 0)
			fail_msg("client %s: %s", cs[i].id, fort_error_message());
		assert_non_null(fort_record_value(rec, "full_name"));
		fort_record_free(rec);
	}
	free(cs);
	assert_int_equal(fort_client_find(&ids, &n, v, "email", "client3@example.com"), 0);
	assert_int_equal(n, 1);
	free(ids);
}

static void test_remove_rotates(void **state)
{
	fort_vault *v;
	keyring *old_bob, *old_sam;
	fort_rotate_report rep;
	fort_rotate_opts o = FORT_ROTATE_OPTS_INIT;
	(void)state;
	make_team("remove.db");
	v = open_as(vault_at("remove.db"), "alice", PASS);
	add_clients(v, 40);
	fort_vault_close(v);
	/* what bob and sam could keep: their keyrings before the removal */
	old_bob = file_keyring(vault_at("remove.db"), "bob", BOOK_PASS);
	old_sam = file_keyring(vault_at("remove.db"), "sam", STAFF_PASS);
	assert_true(opened_with(vault_at("remove.db"), old_bob, 2, NULL) > 0);

	v = open_as(vault_at("remove.db"), "alice", PASS);
	/* bad input changes nothing */
	assert_int_equal(fort_user_remove(NULL, v, "nobody", NULL), FORT_ENOTFOUND);
	assert_int_equal(fort_user_remove(NULL, v, "alice", NULL), FORT_EINPUT); /* the last owner */
	assert_int_equal(fort_user_set_role(NULL, v, "alice", "staff", NULL), FORT_EINPUT);
	assert_int_equal(fort_user_add(v, "sam", "staff", NULL), FORT_EINPUT);   /* not pending */
	assert_int_equal(fort_user_add(v, "zed", "nosuchrole", NULL), FORT_ENOTFOUND);
	o.batch = 7;
	assert_int_equal(fort_user_remove(&rep, v, "bob", &o), 0);
	assert_string_equal(rep.keys, "vault,identity,contact,financial");
	assert_int_equal(rep.clients, 41);
	expect_all_readable(v, 41);
	expect_verified(v);
	fort_vault_close(v);

	/* bob cannot unlock, and his saved keyring opens nothing any more */
	{
		fort_vault *b = NULL;
		fort_secret *s = secret(BOOK_PASS);
		assert_int_equal(fort_vault_open(&b, vault_at("remove.db"), "bob", s), FORT_EDENIED);
		fort_secret_free(s);
	}
	for (int c = 0; c < CAT_COUNT; c++)
		assert_int_equal(opened_with(vault_at("remove.db"), old_bob, c, NULL), 0);
	/* sam still reads his categories with his current keys (rotated and
	 * granted to him), but not with the ones he held before */
	{
		keyring *sam = file_keyring(vault_at("remove.db"), "sam", STAFF_PASS);
		assert_true(opened_with(vault_at("remove.db"), sam, 1, NULL) > 0);
		assert_int_equal(opened_with(vault_at("remove.db"), old_sam, 1, NULL), 0);
		assert_int_equal(opened_with(vault_at("remove.db"), sam, 2, NULL), 0);
		keyring_free(sam);
	}
	keyring_free(old_bob);
	keyring_free(old_sam);
}

static void test_role_revoke(void **state)
{
	fort_vault *v;
	fort_rotate_report rep;
	const char *fin[] = { "financial" }, *exp[] = { "export" }, *bad[] = { "flying" };
	keyring *before;
	(void)state;
	make_team("revoke.db");
	before = file_keyring(vault_at("revoke.db"), "bob", BOOK_PASS);
	v = open_as(vault_at("revoke.db"), "alice", PASS);
	assert_int_equal(fort_role_revoke(&rep, v, "bookkeeper", bad, 1, NULL), FORT_EINPUT);
	assert_int_equal(fort_role_revoke(&rep, v, "owner", fin, 1, NULL), FORT_EINPUT);
	assert_int_equal(fort_role_revoke(&rep, v, "nosuch", fin, 1, NULL), FORT_ENOTFOUND);
	assert_int_equal(fort_role_revoke(&rep, v, "bookkeeper", fin, 1, NULL), 0);
	assert_string_equal(rep.keys, "financial");
	assert_int_equal(fort_role_revoke(&rep, v, "bookkeeper", exp, 1, NULL), 0);
	assert_string_equal(rep.keys, ""); /* an action: nothing to rotate */
	fort_vault_close(v);
	assert_int_equal(opened_with(vault_at("revoke.db"), before, 2, NULL), 0);
	assert_true(opened_with(vault_at("revoke.db"), before, 1, NULL) > 0); /* contact untouched */
	keyring_free(before);
	v = open_as(vault_at("revoke.db"), "bob", BOOK_PASS);
	assert_int_equal(fort_vault_can(v, "export", NULL), 0);
	assert_int_equal(fort_vault_can(v, "read", "financial"), 0);
	fort_vault_close(v);
	/* granting it back hands the (new) key to bob again */
	v = open_as(vault_at("revoke.db"), "alice", PASS);
	assert_int_equal(fort_role_grant(v, "bookkeeper", fin, 1), 0);
	fort_vault_close(v);
	v = open_as(vault_at("revoke.db"), "bob", BOOK_PASS);
	{
		fort_record *rec = NULL;
		fort_read_opts ro = FORT_READ_OPTS_INIT;
		const char *reveal[] = { "iban" };
		ro.reveal = reveal;
		ro.nreveal = 1;
		ro.purpose = "billing";
		assert_int_equal(fort_client_get(&rec, v, client_id, &ro), 0);
		assert_string_equal(fort_record_value(rec, "iban"), "DE89370400440532013000");
		fort_record_free(rec);
	}
	expect_verified(v);
	fort_vault_close(v);
}

/* A rotation stopped after its first batches (as by a crash: the state is
 * what the last committed batch left) is resumed and finished. */
static void test_rotate_resume(void **state)
{
	fort_vault *v;
	fort_rotate_report rep;
	const char *all[] = { "all" }, *fin[] = { "financial" };
	fort_status st;
	(void)state;
	v = create_vault("resume.db");
	add_clients(v, 30);
	/* start one by hand: the start transaction and two batches of 5 */
	assert_int_equal(store_begin(v->st), 0);
	assert_int_equal(rotate_start(v, SLOT_ALL, "test"), 0);
	assert_int_equal(store_commit(v->st), 0);
	fort_vault_close(v);

	v = open_vault(vault_at("resume.db"), PASS);
	assert_int_equal(fort_vault_status(&st, v), 0);
	assert_string_equal(st.rotating, "vault,identity,contact,financial,special,notes");
	/* every record readable mid-rotation (old versions still granted) */
	expect_all_readable(v, 30);
	/* a new rotation waits for the old one to finish: it is finished first */
	assert_int_equal(fort_keys_rotate(&rep, v, fin, 1, NULL), 0);
	assert_int_equal(rep.resumed, 1);
	assert_string_equal(rep.keys, "financial");
	assert_int_equal(fort_vault_status(&st, v), 0);
	assert_string_equal(st.rotating, "");
	expect_all_readable(v, 30);
	/* nothing to resume */
	assert_int_equal(fort_keys_rotate(&rep, v, NULL, 0, NULL), FORT_ENOTFOUND);
	assert_int_equal(fort_keys_rotate(&rep, v, all, 1, NULL), 0);
	assert_int_equal(rep.clients, 30);
	expect_verified(v);
	fort_vault_close(v);
	/* only the newest version of each key is left in the grants */
	{
		keyring *kr = file_keyring(vault_at("resume.db"), "alice", PASS);
		assert_int_equal(kr->nold, 0);
		assert_int_equal(kr->vk_version, 3);
		assert_int_equal(kr->ck_version[2], 4);
		keyring_free(kr);
	}
}

static int64_t index_rows(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t n = -1;
	if (test_store_pg())
		return fx_pg_int(path, "SELECT (SELECT count(*) FROM blind) + (SELECT count(*) FROM uniq)");
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM blind) + (SELECT count(*) FROM uniq)", -1, &st, NULL),
			 SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* A rotation replaces each index entry: the entry under the old key
 * version goes (the old blind-index keys are derived once per run and
 * field, issue 16), the new one answers finds; twice, so that the second
 * run removes entries of the version the first one made. */
static void test_rotate_index_entries(void **state)
{
	fort_vault *v;
	const char *all[] = { "all" };
	int64_t before;
	(void)state;
	v = create_vault("rotidx.db");
	add_clients(v, 12);
	before = index_rows(vault_at("rotidx.db"));
	assert_true(before >= 24); /* full_name and email of each client */
	for (int k = 0; k < 2; k++) {
		assert_int_equal(fort_keys_rotate(NULL, v, all, 1, NULL), 0);
		assert_int_equal(index_rows(vault_at("rotidx.db")), before);
		expect_all_readable(v, 12);
	}
	expect_verified(v);
	fort_vault_close(v);
}

/* The rotation's last sweep re-reads every record only when another
 * connection committed during the run (issue 16: a run nobody else wrote
 * during skips it).  Here a second connection puts a client's record as it
 * was before the rotation (old key versions) back between two batches,
 * after the batches re-encrypted it, as a process that slipped past the
 * key-epoch check would write it: the sweep must still find it, or it
 * would be unreadable once the old versions are destroyed. */
struct late_writer {
	fort_vault *b;
	store_client old;
	int done;
};

static int copy_first(void *ctx, const store_client *c)
{
	store_client *d = ctx;
	d->id = c->id;
	d->vk_version = c->vk_version;
	d->created = c->created;
	d->updated = c->updated;
	d->wrapped = malloc(c->wrapped_len);
	d->data = malloc(c->data_len);
	assert_non_null(d->wrapped);
	assert_non_null(d->data);
	memcpy(d->wrapped, c->wrapped, c->wrapped_len);
	memcpy(d->data, c->data, c->data_len);
	d->wrapped_len = c->wrapped_len;
	d->data_len = c->data_len;
	return 0;
}

static void late_write(void *ctx, uint64_t done, uint64_t total)
{
	struct late_writer *w = ctx;
	(void)total;
	if (w->done || done < 10)
		return;
	w->done = 1;
	assert_int_equal(store_begin(w->b->st), 0);
	if (store_client_update(w->b->st, &w->old) != 0 ||
	    audit_append(w->b, "client-edit", "", "", "", "ok", "test: a late write") != 0)
		fail_msg("late write: %s", fort_error_message());
	assert_int_equal(store_commit(w->b->st), 0);
}

static void test_rotate_sweep_foreign(void **state)
{
	SQLITE_ONLY("the sweep is skipped by SQLite's data_version; PostgreSQL always sweeps");
	fort_vault *a;
	/* a category key only: the client keys stay wrapped as they were */
	const char *all[] = { "all" }, *ident[] = { "identity" };
	struct late_writer w;
	fort_rotate_opts o = FORT_ROTATE_OPTS_INIT;
	(void)state;
	memset(&w, 0, sizeof w);
	a = create_vault("sweep.db");
	add_clients(a, 30);
	/* the lowest id: re-encrypted by the first batch */
	assert_int_equal(store_client_batch(a->st, 0, 1, copy_first, &w.old), 0);
	w.b = open_vault(path_of("sweep.db"), PASS);
	o.batch = 5;
	o.progress = late_write;
	o.progress_ctx = &w;
	assert_int_equal(fort_keys_rotate(NULL, a, ident, 1, &o), 0);
	assert_int_equal(w.done, 1);
	store_client_release(&w.old);
	fort_vault_close(w.b);
	fort_vault_close(a);
	a = open_vault(path_of("sweep.db"), PASS);
	expect_all_readable(a, 30);
	expect_verified(a);
	/* and a run nobody else wrote during rotates every record too */
	assert_int_equal(fort_keys_rotate(NULL, a, all, 1, NULL), 0);
	fort_vault_close(a);
	a = open_vault(path_of("sweep.db"), PASS);
	expect_all_readable(a, 30);
	expect_verified(a);
	fort_vault_close(a);
}

/* The batch's read leaves each record's seal check to the rotation's
 * worker (store_client_batch_take): a record edited in the file where the
 * record MAC does not look (its "updated" column) still stops the
 * rotation, naming it, before anything is re-encrypted under the new keys
 * and re-sealed; its resume stops there again. */
static void test_rotate_edited_record(void **state)
{
	SQLITE_ONLY("tampers with sqlite3");
	fort_vault *a;
	const char *all[] = { "all" };
	fort_rotate_opts o = FORT_ROTATE_OPTS_INIT;
	sqlite3 *db;
	(void)state;
	a = create_vault("edited.db");
	add_clients(a, 30);
	fort_vault_close(a);
	assert_int_equal(sqlite3_open(vault_at("edited.db"), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE clients SET updated = updated + 1 WHERE id = (SELECT id FROM clients ORDER BY id LIMIT 1 OFFSET 12)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	a = open_vault(vault_at("edited.db"), PASS);
	o.batch = 5;
	assert_int_equal(fort_keys_rotate(NULL, a, all, 1, &o), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "rotating the keys of client"));
	assert_non_null(strstr(fort_error_message(), "audit verify"));
	assert_int_equal(fort_keys_rotate(NULL, a, NULL, 0, &o), FORT_ETAMPER);
	assert_non_null(strstr(fort_error_message(), "rotating the keys of client"));
	fort_vault_close(a);
}

/* Every client found by its e-mail (a unique entry, its MAC checked at
 * the find) and by its name (a search entry). */
static void expect_all_found(fort_vault *v, int n)
{
	for (int i = 0; i < n; i++) {
		char (*ids)[FORT_ID_LEN + 1] = NULL, email[64], name[64];
		size_t k = 0;
		snprintf(email, sizeof email, "client%d@example.com", i);
		snprintf(name, sizeof name, "Client %d", i);
		if (fort_client_find(&ids, &k, v, "email", email) != 0)
			fail_msg("%s: %s", email, fort_error_message());
		assert_int_equal(k, 1);
		free(ids);
		ids = NULL;
		if (fort_client_find(&ids, &k, v, "full_name", name) != 0)
			fail_msg("%s: %s", name, fort_error_message());
		assert_int_equal(k, 1);
		free(ids);
	}
}

/* A rotation of the vault key re-MACs the index entries it did not move
 * (store_index_mac_rekey) before the old key goes; it skips that scan
 * only when the index tables hold exactly the entries its moves wrote.
 * The vault key with the identity category: the names' entries moved, the
 * e-mails' (contact) not, and still found; then every key: all moved. */
static void test_rotate_rekey_unmoved(void **state)
{
	fort_vault *v;
	const char *some[] = { "vault", "identity" }, *all[] = { "all" }, *vk[] = { "vault" };
	fort_rotate_opts o = FORT_ROTATE_OPTS_INIT;
	(void)state;
	v = create_vault("rekey.db");
	add_clients(v, 30);
	o.batch = 7;
	assert_int_equal(fort_keys_rotate(NULL, v, some, 2, &o), 0);
	expect_all_found(v, 30);
	assert_int_equal(fort_keys_rotate(NULL, v, all, 1, &o), 0);
	expect_all_found(v, 30);
	assert_int_equal(fort_keys_rotate(NULL, v, vk, 1, NULL), 0);
	expect_all_found(v, 30);
	expect_verified(v);
	fort_vault_close(v);
	v = open_vault(vault_at("rekey.db"), PASS);
	expect_all_found(v, 30);
	expect_all_readable(v, 30);
	fort_vault_close(v);
}

struct entries {
	char actions[1024];
	size_t len;
	int64_t after;  /* entries after this seq */
};

static int entry_cb(void *ctx, const fort_audit_entry *e)
{
	struct entries *x = ctx;
	if (e->seq > x->after)
		x->len += (size_t)snprintf(x->actions + x->len, sizeof x->actions - x->len, "%s%s:%s", x->len ? " " : "",
					   e->action, e->result);
	return 0;
}

static int64_t last_seq_cb_v;
static int last_seq_cb(void *ctx, const fort_audit_entry *e)
{
	(void)ctx;
	last_seq_cb_v = e->seq;
	return 0;
}

/* The rotation's batches are steps of one operation (vault_op_step,
 * VAULT_OP_SEALED, perf16): its audit entries are what they were when it
 * wrote its transactions by hand, rotate-start, one "seal" entry per batch
 * (its commit sealing the rows it changed) and rotate-finish for the last
 * batch, which finishes in its own transaction; no entry of the scaffold's
 * own per batch. */
static void test_rotate_entries(void **state)
{
	fort_vault *v;
	const char *all[] = { "all" };
	fort_rotate_opts o = FORT_ROTATE_OPTS_INIT;
	fort_rotate_report rep;
	struct entries x;
	(void)state;
	v = create_vault("entries.db");
	add_clients(v, 5);
	assert_int_equal(fort_audit_log(v, NULL, last_seq_cb, NULL), 0);
	memset(&x, 0, sizeof x);
	x.after = last_seq_cb_v + 1;  /* and the walk's own audit-log entry after it */
	o.batch = 2;  /* 2 + 2 + the last batch of 1 */
	assert_int_equal(fort_keys_rotate(&rep, v, all, 1, &o), 0);
	assert_int_equal(rep.clients, 5);
	assert_int_equal(fort_audit_log(v, NULL, entry_cb, &x), 0);
	assert_string_equal(x.actions, "rotate-start:ok seal:ok seal:ok rotate-finish:ok");
	expect_all_readable(v, 5);
	expect_verified(v);
	fort_vault_close(v);
}

/* A handle opened before another process rotated keys must not write
 * under key versions that are gone: its write is refused (busy) and, its
 * keys reloaded, the retry works. */
static void test_stale_handle(void **state)
{
	fort_vault *a, *b;
	const char *all[] = { "all" };
	char id[FORT_ID_LEN + 1];
	fort_kv kv[2] = { { "full_name", "Late Writer" }, { "iban", "DE89370400440532013000" } };
	(void)state;
	a = create_vault("stale.db");
	add_clients(a, 5);
	b = open_vault(vault_at("stale.db"), PASS);
	assert_int_equal(fort_keys_rotate(NULL, b, all, 1, NULL), 0);
	assert_int_equal(fort_client_add(id, a, kv, 2), FORT_EBUSY);
	assert_int_equal(fort_client_add(id, a, kv, 2), 0);
	fort_vault_close(a);
	/* the other handle reads it, and so does a fresh one */
	assert_int_equal(fort_keys_rotate(NULL, b, all, 1, NULL), 0);
	expect_all_readable(b, 6);
	fort_vault_close(b);
	b = open_vault(vault_at("stale.db"), PASS);
	expect_all_readable(b, 6);
	expect_verified(b);
	fort_vault_close(b);
}

/* A handle opened before another process rotated the vault key finds an
 * index entry MAC'd under the new key: not a tamper error but "busy" (its
 * keys reloaded), and the retry finds the client (issue 16: index MACs). */
static void test_stale_handle_find(void **state)
{
	fort_vault *a, *b;
	const char *vk[] = { "vault" };
	char (*ids)[FORT_ID_LEN + 1] = NULL;
	size_t n = 0;
	(void)state;
	SQLITE_ONLY("index entry MACs are written on SQLite only (issue 16; PostgreSQL's finds check the seal)");
	a = create_vault("stalefind.db");
	add_clients(a, 3);
	b = open_vault(vault_at("stalefind.db"), PASS);
	assert_int_equal(fort_keys_rotate(NULL, b, vk, 1, NULL), 0);
	fort_vault_close(b);
	assert_int_equal(fort_client_find(&ids, &n, a, "email", "client1@example.com"), FORT_EBUSY);
	assert_non_null(strstr(fort_error_message(), "rotated"));
	assert_int_equal(fort_client_find(&ids, &n, a, "email", "client1@example.com"), 0);
	assert_int_equal(n, 1);
	free(ids);
	fort_vault_close(a);
}

/* Editing users and roles outside Fortress is detected at unlock. */
static void test_policy_tamper(void **state)
{
	fort_vault *v = NULL;
	fort_secret *s;
	sqlite3 *db;
	(void)state;
	SQLITE_ONLY("tampers with sqlite3 and the WAL");
	make_team("tamper.db");
	assert_int_equal(sqlite3_open(vault_at("tamper.db"), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE users SET role = 'owner' WHERE name = 'sam'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	s = secret(STAFF_PASS);
	assert_int_equal(fort_vault_open(&v, vault_at("tamper.db"), "sam", s), FORT_ETAMPER);
	fort_secret_free(s);
	s = secret(PASS);
	assert_int_equal(fort_vault_open(&v, vault_at("tamper.db"), "alice", s), FORT_ETAMPER);
	fort_secret_free(s);
	/* a request to join is not part of the policy: anyone may make one */
	s = secret("timber-walnut-glacier-pepper-saddle-ivory");
	assert_int_equal(sqlite3_open(vault_at("tamper.db"), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE users SET role = 'staff' WHERE name = 'sam'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(fort_user_request(NULL, vault_at("tamper.db"), "zoe", s, FORT_KDF_INTERACTIVE), 0);
	assert_int_equal(fort_user_request(NULL, vault_at("tamper.db"), "zoe", s, FORT_KDF_INTERACTIVE), FORT_EEXISTS);
	fort_secret_free(s);
	v = open_vault(vault_at("tamper.db"), PASS);
	expect_verified(v);
	fort_vault_close(v);
	/* a pending user cannot unlock */
	s = secret("timber-walnut-glacier-pepper-saddle-ivory");
	assert_int_equal(fort_vault_open(&v, vault_at("tamper.db"), "zoe", s), FORT_EDENIED);
	fort_secret_free(s);
}

/* The clients' ids in order (store_client_batch's callback) */
struct id_list {
	int64_t id[32];
	size_t n;
};

static int collect_id(void *ctx, const store_client *c)
{
	struct id_list *l = ctx;
	if (l->n < sizeof l->id / sizeof l->id[0])
		l->id[l->n++] = c->id;
	return 0;
}

/* The sqlite3 of the attacker who has the file, between two batches */
struct uniq_attack {
	const char *path;
	int64_t victim;
	int done;
};

static void uniq_delete(void *ctx, uint64_t done, uint64_t total)
{
	struct uniq_attack *a = ctx;
	sqlite3 *db;
	char sql[96];
	(void)total;
	if (a->done || done < 10)
		return;
	a->done = 1;
	snprintf(sql, sizeof sql, "DELETE FROM uniq WHERE client = %lld", (long long)a->victim);
	assert_int_equal(sqlite3_open(a->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_close(db);
}

/* 20 clients; the first (by id) and the eleventh share an e-mail, the
 * first holding its unique entry, the eleventh's in the search index
 * (what a re-index of values that now fold alike leaves, reindex.c):
 * made here by moving the eleventh's entry there before the first takes
 * the value.  *LO: the first's id. */
static fort_vault *shared_email_vault(const char *name, int64_t *lo)
{
	static const char shared[] = "shared@example.com";
	fort_vault *v = create_vault(name);
	struct id_list l;
	char lo_id[FORT_ID_LEN + 1], hi_id[FORT_ID_LEN + 1], *canon = NULL, *key = NULL, why[128];
	unsigned char h[BIDX_LEN];
	fort_kv kv[] = { { "email", shared } };
	int fi = map_index(&v->map, "email");
	assert_true(fi >= 0);
	add_clients(v, 20);
	memset(&l, 0, sizeof l);
	assert_int_equal(store_client_batch(v->st, 0, 20, collect_id, &l), 0);
	assert_int_equal(l.n, 20);
	client_id_format(lo_id, l.id[0]);
	client_id_format(hi_id, l.id[10]);
	assert_int_equal(fort_client_edit(v, hi_id, kv, 1), 0);
	assert_int_equal(type_normalise(&canon, FT_EMAIL, shared, strlen(shared), 0, "DE", why, sizeof why), 0);
	assert_int_equal(type_index_key(&key, FT_EMAIL, canon), 0);
	keys_blind(h, v->bkeys + (size_t)fi * KEY_LEN, key, strlen(key));
	free(canon);
	type_index_key_free(&key);
	assert_int_equal(store_begin(v->st), 0);
	assert_int_equal(store_blind_del(v->st, h, l.id[10], STORE_IDX_UNIQUE), 0);
	assert_int_equal(store_blind_add(v->st, h, l.id[10], 0, NULL), 0);
	assert_int_equal(store_commit(v->st), 0);
	assert_int_equal(fort_client_edit(v, lo_id, kv, 1), 0);
	expect_verified(v);
	*lo = l.id[0];
	return v;
}

/* A rotation's new unique entries are checked against their seal heads
 * (the flush's write of each head refuses a live one: an entry deleted
 * outside Fortress).  With an e-mail two clients share, the first batch
 * moves the holder's unique entry; sqlite3 then deletes it from the file.
 * The second batch moves the other client's value, which would take the
 * unique entry in its place and overwrite its live seal, hiding the
 * deletion: the rotation stops as tampering.  Without the deletion the
 * same rotation finishes, the e-mail is found and the vault verifies. */
static void test_rotate_shared_unique(void **state)
{
	SQLITE_ONLY("tampers with sqlite3 between two batches");
	const char *all[] = { "all" };
	fort_rotate_opts o = FORT_ROTATE_OPTS_INIT;
	struct uniq_attack a;
	char (*ids)[FORT_ID_LEN + 1] = NULL;
	size_t k = 0;
	int64_t lo;
	fort_vault *v;
	(void)state;
	o.batch = 10;
	v = shared_email_vault("shared-ok.db", &lo);
	assert_int_equal(fort_keys_rotate(NULL, v, all, 1, &o), 0);
	assert_int_equal(fort_client_find(&ids, &k, v, "email", "shared@example.com"), 0);
	assert_true(k >= 1);
	free(ids);
	expect_verified(v);
	fort_vault_close(v);

	v = shared_email_vault("shared-attack.db", &lo);
	memset(&a, 0, sizeof a);
	a.path = vault_at("shared-attack.db");
	a.victim = lo;
	o.progress = uniq_delete;
	o.progress_ctx = &a;
	assert_int_equal(fort_keys_rotate(NULL, v, all, 1, &o), FORT_ETAMPER);
	assert_int_equal(a.done, 1);
	fort_vault_close(v);
}

/* The adaptive batch size (rotate.c, rotate_next_cap): a batch that
 * re-encrypted every client it read projects the next straight to a
 * second's worth, up to tenfold (the first, 2,000 in 100 ms, to the
 * 20,000 maximum in one step); one that skipped some (its clients were
 * already current: faster than the next will be) at most doubles; never
 * below 2,000 nor above 20,000, and a slow batch shrinks the next. */
static void test_rotate_batch_growth(void **state)
{
	(void)state;
	assert_int_equal(rotate_next_cap(2000, 100, 1), 20000);
	assert_int_equal(rotate_next_cap(2000, 200, 1), 10000);
	assert_int_equal(rotate_next_cap(2000, 100, 0), 4000);
	assert_int_equal(rotate_next_cap(2000, 0, 1), 20000);
	assert_int_equal(rotate_next_cap(2000, 0, 0), 4000);
	assert_int_equal(rotate_next_cap(1000, 10, 1), 10000);
	assert_int_equal(rotate_next_cap(20000, 500, 1), 20000);
	assert_int_equal(rotate_next_cap(20000, 2000, 1), 10000);
	assert_int_equal(rotate_next_cap(4000, 5000, 1), 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_file_keyrings),
		cmocka_unit_test(test_remove_rotates),
		cmocka_unit_test(test_role_revoke),
		cmocka_unit_test(test_rotate_resume),
		cmocka_unit_test(test_rotate_index_entries),
		cmocka_unit_test(test_rotate_sweep_foreign),
		cmocka_unit_test(test_rotate_edited_record),
		cmocka_unit_test(test_rotate_rekey_unmoved),
		cmocka_unit_test(test_rotate_entries),
		cmocka_unit_test(test_rotate_batch_growth),
		cmocka_unit_test(test_rotate_shared_unique),
		cmocka_unit_test(test_stale_handle),
		cmocka_unit_test(test_stale_handle_find),
		cmocka_unit_test(test_policy_tamper),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
