/* test_vault.c - the public API end to end: create, open, add, get, reveal,
 * find, edit, erase, passphrase change, the data map, files that are not
 * vaults, ciphertexts moved between clients, allocation failures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>
#include "fortress.h"
#include "util.h"

#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define PASS2 "harbor-quiet-tundra-mosaic-falcon-ribbon"

#define FIXTURE_DIR "/tmp/fort-test-vault-XXXXXX"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

/* ------------------------------------------------------------------ helpers */



static int exists(const char *p)
{
	return access(p, F_OK) == 0;
}

static int exists_suffix(const char *p, const char *suffix)
{
	char b[600];
	snprintf(b, sizeof b, "%s%s", p, suffix);
	return exists(b);
}

static unsigned char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0, got;
	*len = 0;
	if (!f)
		return NULL;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return buf ? buf : malloc(1);
}





static size_t find_n(fort_vault *v, const char *field, const char *value, const char *want_id)
{
	char (*ids)[FORT_ID_LEN + 1] = NULL;
	size_t n = 99;
	int r = fort_client_find(&ids, &n, v, field, value);
	if (r != 0)
		fail_msg("find %s=%s: %d %s", field, value, r, fort_error_message());
	if (want_id) {
		int seen = 0;
		for (size_t i = 0; i < n; i++)
			seen |= strcmp(ids[i], want_id) == 0;
		if (!seen)
			fail_msg("find %s=%s did not return %s", field, value, want_id);
	}
	free(ids);
	return n;
}


static int64_t id_num(const char *id)
{
	return (int64_t)strtoull(id + 2, NULL, 16);
}

static void sql(const char *path, const char *fmt, ...)
{
	sqlite3 *db = NULL;
	char *q, *err = NULL;
	va_list ap;
	va_start(ap, fmt);
	q = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	if (sqlite3_exec(db, q, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("sql '%s': %s", q, err);
	sqlite3_free(q);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}




/* ------------------------------------------------------------------- tests */

static void test_create_and_status(void **state)
{
	(void)state;
	fort_vault *v = create_vault("status.fort");
	fort_status st;
	struct stat sb;
	/* the store turned SQLite's allocation statistics off before its
	 * first use (a mutex per allocation; this is the process's first
	 * vault, opened before any other SQLite use here) */
	if (!test_store_pg())
		assert_int_equal(sqlite3_memory_used(), 0);
	assert_int_equal(fort_vault_status(&st, v), 0);
	assert_string_equal(st.business, "Orbit Bakery");
	assert_string_equal(st.owner, "alice");
	assert_string_equal(st.user, "alice");
	assert_int_equal(st.unlocked, 1);
	assert_int_equal(st.clients, 0);
	assert_int_equal(st.erased, 0);
	assert_int_equal(st.audit_entries, 1);
	assert_int_equal(st.audit_head_seq, 1);
	assert_int_equal(strlen(st.audit_head), 64);
	assert_string_equal(st.default_country, "DE");
	assert_int_equal(st.kdf_memlimit, crypto_pwhash_MEMLIMIT_INTERACTIVE);
	assert_int_equal(st.kdf_opslimit, crypto_pwhash_OPSLIMIT_INTERACTIVE);
	assert_string_equal(fort_vault_path(v), vault_at("status.fort"));
	if (!test_store_pg()) {   /* a file's mode; PostgreSQL's rights are the server's */
		assert_int_equal(stat(vault_at("status.fort"), &sb), 0);
		assert_int_equal(sb.st_mode & 077, 0); /* 0600 */
	}
	expect_verified(v);
	fort_vault_close(v);

	/* locked: status works, keys do not */
	v = open_vault(vault_at("status.fort"), NULL);
	assert_int_equal(fort_vault_status(&st, v), 0);
	assert_int_equal(st.unlocked, 0);
	assert_string_equal(st.user, "");
	{
		char id[FORT_ID_LEN + 1];
		const fort_kv kv[] = { { "full_name", "Jane Doe" } };
		fort_record *rec = NULL;
		assert_int_equal(fort_client_add(id, v, kv, 1), FORT_ELOCKED);
		assert_int_equal(fort_client_get(&rec, v, "c-0000000000000001", NULL), FORT_ELOCKED);
	}
	expect_verified(v);
	fort_vault_close(v);
}

static void test_create_refused(void **state)
{
	(void)state;
	SQLITE_ONLY("file states (existing file, WAL left over)");
	fort_create_opts o = FORT_CREATE_OPTS_INIT;
	fort_secret *pass = secret(PASS), *weak = secret("password");
	fort_vault *v = NULL;
	const char *p = vault_at("exists.fort");
	unsigned char *before, *after;
	size_t lb, la;
	o.business = "Orbit Bakery";
	o.owner = "alice";
	o.kdf = FORT_KDF_INTERACTIVE;

	/* an existing path: refused, the file untouched */
	spit(p, "precious data\n", 14);
	before = slurp(p, &lb);
	assert_int_equal(fort_vault_create(&v, p, &o, pass), FORT_EEXISTS);
	assert_null(v);
	after = slurp(p, &la);
	assert_int_equal(la, lb);
	assert_memory_equal(after, before, lb);
	free(before);
	free(after);

	/* a weak passphrase: refused, nothing left behind */
	p = vault_at("weak.fort");
	assert_int_equal(fort_vault_create(&v, p, &o, weak), FORT_EWEAK);
	assert_null(v);
	assert_false(exists(p));
	assert_false(exists_suffix(p, "-wal"));
	assert_false(exists_suffix(p, "-shm"));
	/* the passphrase built from the business name */
	fort_secret *biz = secret("Orbit Bakery Orbit Bakery");
	assert_int_equal(fort_vault_create(&v, p, &o, biz), FORT_EWEAK);
	assert_false(exists(p));
	fort_secret_free(biz);

	/* missing names, a bad country */
	o.business = NULL;
	assert_int_equal(fort_vault_create(&v, p, &o, pass), FORT_EINPUT);
	o.business = "Orbit Bakery";
	o.owner = "";
	assert_int_equal(fort_vault_create(&v, p, &o, pass), FORT_EINPUT);
	o.owner = "alice";
	o.default_country = "XX";
	assert_int_equal(fort_vault_create(&v, p, &o, pass), FORT_EINPUT);
	assert_false(exists(p));
	/* a directory that does not exist */
	o.default_country = NULL;
	assert_true(fort_vault_create(&v, vault_at("nodir/x.fort"), &o, pass) < 0);
	assert_null(v);
	fort_secret_free(pass);
	fort_secret_free(weak);
}

static void test_add_get_reveal(void **state)
{
	(void)state;
	fort_vault *v = create_vault("basic.fort");
	char a[FORT_ID_LEN + 1] = "", b[FORT_ID_LEN + 1] = "";
	fort_record *rec = NULL;
	const fort_kv ka[] = {
		{ "full_name", "  Jane   Doe " },
		{ "email", "Jane.Doe@Example.COM" },
		{ "phone", "030 1234567" },
		{ "iban", "de89 3704 0044 0532 0130 00" },
		{ "notes", "prefers rye bread" },
	};
	assert_int_equal(fort_client_add(a, v, ka, 5), 0);
	assert_int_equal(strlen(a), FORT_ID_LEN);
	assert_int_equal(strncmp(a, "c-", 2), 0);
	for (int i = 2; i < FORT_ID_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	assert_int_equal(client_count(v), 1);

	/* masked by default */
	assert_int_equal(fort_client_get(&rec, v, a, NULL), 0);
	assert_string_equal(fort_record_id(rec), a);
	assert_int_equal(fort_record_count(rec), 5);
	assert_string_equal(fort_record_value(rec, "full_name"), "J*** D***");
	assert_string_equal(fort_record_value(rec, "email"), "J***@example.com");
	assert_string_equal(fort_record_value(rec, "phone"), "+49 \xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2 \xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2 67");
	assert_non_null(strstr(fort_record_value(rec, "iban"), "3000"));
	assert_null(strstr(fort_record_value(rec, "iban"), "8937"));
	assert_null(strstr(fort_record_value(rec, "notes"), "rye"));
	assert_null(fort_record_value(rec, "company"));
	for (size_t i = 0; i < fort_record_count(rec); i++)
		assert_int_equal(fort_record_field_at(rec, i)->revealed, 0);
	assert_null(fort_record_field_at(rec, fort_record_count(rec)));
	assert_true(fort_record_created(rec) > 0);
	fort_record_free(rec);

	/* revealed for an allowed purpose: values normalised */
	{
		static const char *const all[] = { "all" };
		fort_read_opts o = FORT_READ_OPTS_INIT;
		o.reveal = all;
		o.nreveal = 1;
		o.purpose = "billing";
		assert_int_equal(fort_client_get(&rec, v, a, &o), 0);
		assert_string_equal(fort_record_value(rec, "full_name"), "Jane Doe");
		assert_string_equal(fort_record_value(rec, "email"), "Jane.Doe@example.com");
		assert_string_equal(fort_record_value(rec, "iban"), "DE89370400440532013000");
		/* phone and notes do not allow billing: stay masked */
		assert_string_not_equal(fort_record_value(rec, "phone"), "+49301234567");
		assert_null(strstr(fort_record_value(rec, "notes"), "rye"));
		for (size_t i = 0; i < fort_record_count(rec); i++) {
			const fort_record_field *f = fort_record_field_at(rec, i);
			int want = strcmp(f->field, "phone") != 0 && strcmp(f->field, "notes") != 0;
			assert_int_equal(f->revealed, want);
		}
		fort_record_free(rec);
	}
	{
		static const char *const ph[] = { "phone", "notes" };
		fort_read_opts o = FORT_READ_OPTS_INIT;
		o.reveal = ph;
		o.nreveal = 2;
		o.purpose = "service";
		assert_int_equal(fort_client_get(&rec, v, a, &o), 0);
		assert_string_equal(fort_record_value(rec, "phone"), "+49301234567");
		assert_string_equal(fort_record_value(rec, "notes"), "prefers rye bread");
		assert_string_equal(fort_record_value(rec, "email"), "J***@example.com"); /* not asked for */
		fort_record_free(rec);
	}
	/* a purpose the field does not allow: denied, audited, nothing returned */
	{
		static const char *const ib[] = { "iban" };
		fort_read_opts o = FORT_READ_OPTS_INIT;
		fort_status st;
		o.reveal = ib;
		o.nreveal = 1;
		o.purpose = "service";
		assert_int_equal(fort_vault_status(&st, v), 0);
		uint64_t entries = st.audit_entries;
		rec = (fort_record *)1;
		assert_int_equal(fort_client_get(&rec, v, a, &o), FORT_EDENIED);
		assert_null(rec);
		assert_non_null(strstr(fort_error_message(), "iban"));
		assert_non_null(strstr(fort_error_message(), "service"));
		assert_null(strstr(fort_error_message(), "DE89"));
		assert_int_equal(fort_vault_status(&st, v), 0);
		assert_int_equal(st.audit_entries, entries + 1); /* the denial is audited */
		o.purpose = "marketing";
		assert_int_equal(fort_client_get(&rec, v, a, &o), FORT_EDENIED);
		/* no purpose */
		o.purpose = NULL;
		assert_int_equal(fort_client_get(&rec, v, a, &o), FORT_EINPUT);
		assert_null(rec);
		o.purpose = "";
		assert_int_equal(fort_client_get(&rec, v, a, &o), FORT_EINPUT);
		/* an unknown field */
		static const char *const nf[] = { "shoe_size" };
		o.reveal = nf;
		o.purpose = "service";
		assert_int_equal(fort_client_get(&rec, v, a, &o), FORT_ENOTFOUND);
	}

	/* invalid values: EINPUT naming the field, never the value */
	{
		static const struct { const char *field, *value, *needle; } bad[] = {
			{ "iban", "DE88370400440532013000", "DE8837" },
			{ "iban", "DE89 3704 0044 0532 0130 0X", "0532" },
			{ "email", "canary-local.example.com", "canary" },
			{ "phone", "12-canary-34", "canary" },
			{ "date_of_birth", "1985-13-45", "1985" },
			{ "payment_card", "4242424242424241", "42424242" },
		};
		uint64_t n = client_count(v);
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			char id[FORT_ID_LEN + 1] = "";
			const fort_kv kv[] = { { "full_name", "Bad Value" }, { bad[i].field, bad[i].value } };
			int r = fort_client_add(id, v, kv, 2);
			if (r != FORT_EINPUT)
				fail_msg("%s=%s gave %d", bad[i].field, bad[i].value, r);
			const char *m = fort_error_message();
			if (!strstr(m, bad[i].field) || strstr(m, bad[i].needle) || strstr(m, bad[i].value))
				fail_msg("message for %s: \"%s\"", bad[i].field, m);
			assert_int_equal(client_count(v), n);
		}
		/* unknown field, no field */
		const fort_kv uk[] = { { "shoe_size", "44" } };
		char id[FORT_ID_LEN + 1];
		assert_int_equal(fort_client_add(id, v, uk, 1), FORT_ENOTFOUND);
		assert_non_null(strstr(fort_error_message(), "shoe_size"));
		assert_int_equal(fort_client_add(id, v, uk, 0), FORT_EINPUT);
		const fort_kv empty[] = { { "full_name", "   " } };
		assert_int_equal(fort_client_add(id, v, empty, 1), FORT_EINPUT);
		assert_int_equal(client_count(v), n);
	}

	/* duplicates: same email (any case), same phone (any format) */
	{
		const fort_kv d1[] = { { "full_name", "Other Person" }, { "email", "JANE.DOE@example.com" } };
		const fort_kv d2[] = { { "full_name", "Other Person" }, { "phone", "+49 30 123 4567" } };
		const fort_kv ok[] = { { "full_name", "Jane Doe" }, { "email", "jd@example.org" } };
		assert_int_equal(fort_client_add(b, v, d1, 2), FORT_EDUPLICATE);
		assert_non_null(strstr(fort_error_message(), a));
		assert_non_null(strstr(fort_error_message(), "email"));
		assert_int_equal(fort_client_add(b, v, d2, 2), FORT_EDUPLICATE);
		assert_non_null(strstr(fort_error_message(), "phone"));
		assert_int_equal(client_count(v), 1);
		/* the same name is not a duplicate */
		assert_int_equal(fort_client_add(b, v, ok, 2), 0);
		assert_string_not_equal(a, b);
		assert_int_equal(client_count(v), 2);
	}

	/* unknown and malformed ids */
	rec = (fort_record *)1;
	assert_int_equal(fort_client_get(&rec, v, "c-0000000000000001", NULL), FORT_ENOTFOUND);
	assert_null(rec);
	assert_non_null(strstr(fort_error_message(), "no client"));
	assert_int_equal(fort_client_get(&rec, v, "c-xyz", NULL), FORT_EINPUT);
	assert_int_equal(fort_client_get(&rec, v, "", NULL), FORT_EINPUT);

	/* list: oldest first, masked names */
	{
		fort_client_summary *l = NULL;
		size_t n = 0;
		assert_int_equal(fort_client_list(&l, &n, v), 0);
		assert_int_equal(n, 2);
		int ia = strcmp(l[0].id, a) == 0 ? 0 : 1;
		assert_string_equal(l[ia].id, a);
		assert_string_equal(l[1 - ia].id, b);
		assert_string_equal(l[0].display, "J*** D***");
		free(l);
	}
	expect_verified(v);
	fort_vault_close(v);
}

static void test_find_edit_erase(void **state)
{
	(void)state;
	fort_vault *v = create_vault("find.fort");
	char a[FORT_ID_LEN + 1], b[FORT_ID_LEN + 1];
	fort_record *rec = NULL;
	fort_status st;
	const fort_kv ka[] = { { "full_name", "Jane Doe" }, { "email", "Jane.Doe@example.com" }, { "phone", "+49 30 1234567" },
			       { "iban", "DE89370400440532013000" } };
	const fort_kv kb[] = { { "full_name", "John Roe" }, { "email", "john@example.org" }, { "phone", "+33 1 23 45 67 89" } };
	assert_int_equal(fort_client_add(a, v, ka, 4), 0);
	assert_int_equal(fort_client_add(b, v, kb, 3), 0);

	/* email: any case */
	assert_int_equal(find_n(v, "email", "jane.doe@example.com", a), 1);
	assert_int_equal(find_n(v, "email", "JANE.DOE@EXAMPLE.COM", a), 1);
	assert_int_equal(find_n(v, "email", "  Jane.Doe@Example.com ", a), 1);
	assert_int_equal(find_n(v, "email", "jane.doe@example.org", NULL), 0);
	/* phone: any format */
	static const char *const phones[] = { "+49 30 1234567", "030 1234567", "0049 30 1234567", "(030) 123 45 67",
					      "+49 (0)30 1234567", "030/1234567", "+49301234567" };
	for (size_t i = 0; i < sizeof phones / sizeof phones[0]; i++)
		assert_int_equal(find_n(v, "phone", phones[i], a), 1);
	assert_int_equal(find_n(v, "phone", "+33 123456789", b), 1);
	assert_int_equal(find_n(v, "phone", "030 1234568", NULL), 0);
	/* name, iban */
	assert_int_equal(find_n(v, "full_name", "JANE   DOE", a), 1);
	assert_int_equal(find_n(v, "iban", "de89 3704 0044 0532 0130 00", a), 1);
	/* refusals */
	char (*ids)[FORT_ID_LEN + 1] = NULL;
	size_t n = 0;
	assert_int_equal(fort_client_find(&ids, &n, v, "postal_address", "x"), FORT_EINPUT);
	assert_int_equal(fort_client_find(&ids, &n, v, "shoe_size", "x"), FORT_ENOTFOUND);
	assert_int_equal(fort_client_find(&ids, &n, v, "email", "not an email"), FORT_EINPUT);
	assert_null(strstr(fort_error_message(), "not an email"));

	/* edit: the index follows */
	{
		const fort_kv e[] = { { "email", "jane@newmail.example" } };
		assert_int_equal(fort_client_edit(v, a, e, 1), 0);
		assert_int_equal(find_n(v, "email", "Jane.Doe@example.com", NULL), 0);
		assert_int_equal(find_n(v, "email", "JANE@newmail.example", a), 1);
		assert_int_equal(find_n(v, "phone", "030 1234567", a), 1); /* untouched fields stay indexed */
		static const char *const em[] = { "email" };
		fort_read_opts o = FORT_READ_OPTS_INIT;
		o.reveal = em;
		o.nreveal = 1;
		o.purpose = "service";
		assert_int_equal(fort_client_get(&rec, v, a, &o), 0);
		assert_string_equal(fort_record_value(rec, "email"), "jane@newmail.example");
		assert_string_equal(fort_record_value(rec, "full_name"), "J*** D***");
		fort_record_free(rec);
		/* the old email is free again */
		char c[FORT_ID_LEN + 1];
		const fort_kv kc[] = { { "full_name", "New Owner" }, { "email", "jane.doe@example.com" } };
		assert_int_equal(fort_client_add(c, v, kc, 2), 0);
		/* an edit onto someone else's email */
		const fort_kv dup[] = { { "email", "JOHN@example.org" } };
		assert_int_equal(fort_client_edit(v, a, dup, 1), FORT_EDUPLICATE);
		assert_int_equal(find_n(v, "email", "jane@newmail.example", a), 1);
		/* editing a client to its own email is fine */
		const fort_kv self[] = { { "email", "Jane@newmail.example" } };
		assert_int_equal(fort_client_edit(v, a, self, 1), 0);
		/* clearing a field */
		const fort_kv clr[] = { { "phone", "" } };
		assert_int_equal(fort_client_edit(v, a, clr, 1), 0);
		assert_int_equal(find_n(v, "phone", "030 1234567", NULL), 0);
		assert_int_equal(fort_client_get(&rec, v, a, NULL), 0);
		assert_null(fort_record_value(rec, "phone"));
		assert_non_null(fort_record_value(rec, "iban"));
		fort_record_free(rec);
		/* a bad value: nothing changes */
		const fort_kv bad[] = { { "iban", "DE00370400440532013000" } };
		assert_int_equal(fort_client_edit(v, a, bad, 1), FORT_EINPUT);
		assert_int_equal(find_n(v, "iban", "DE89370400440532013000", a), 1);
		assert_int_equal(fort_client_edit(v, a, bad, 0), FORT_EINPUT);
		assert_int_equal(fort_client_edit(v, "c-0000000000000001", self, 1), FORT_ENOTFOUND);
	}

	/* erase */
	assert_int_equal(fort_vault_status(&st, v), 0);
	uint64_t clients = st.clients;
	assert_int_equal(fort_client_is_erased(v, b), 0);
	assert_int_equal(fort_client_erase(v, b, "client asked (Art. 17)"), 0);
	rec = (fort_record *)1;
	assert_int_equal(fort_client_get(&rec, v, b, NULL), FORT_ENOTFOUND);
	assert_null(rec);
	assert_non_null(strstr(fort_error_message(), "erased"));
	assert_int_equal(find_n(v, "email", "john@example.org", NULL), 0);
	assert_int_equal(find_n(v, "phone", "+33 1 23 45 67 89", NULL), 0);
	assert_int_equal(find_n(v, "full_name", "John Roe", NULL), 0);
	assert_int_equal(fort_client_is_erased(v, b), 1);
	assert_int_equal(fort_client_is_erased(v, a), 0);
	assert_int_equal(fort_vault_status(&st, v), 0);
	assert_int_equal(st.erased, 1);
	assert_int_equal(st.clients, clients - 1);
	assert_int_equal(fort_client_erase(v, b, NULL), FORT_ENOTFOUND);
	{
		const fort_kv e[] = { { "notes", "x" } };
		assert_int_equal(fort_client_edit(v, b, e, 1), FORT_ENOTFOUND);
	}
	{
		fort_client_summary *l = NULL;
		size_t nl = 0;
		assert_int_equal(fort_client_list(&l, &nl, v), 0);
		assert_int_equal(nl, clients - 1);
		for (size_t i = 0; i < nl; i++)
			assert_string_not_equal(l[i].id, b);
		free(l);
	}
	/* the erased email may be used again */
	{
		char c[FORT_ID_LEN + 1];
		const fort_kv kc[] = { { "email", "john@example.org" } };
		assert_int_equal(fort_client_add(c, v, kc, 1), 0);
		assert_string_not_equal(c, b);
	}
	/* a reason with personal data is the caller's problem, but an overlong one is refused */
	{
		char longr[300];
		memset(longr, 'x', sizeof longr - 1);
		longr[sizeof longr - 1] = '\0';
		assert_int_equal(fort_client_erase(v, a, longr), FORT_EINPUT);
		assert_int_equal(fort_client_is_erased(v, a), 0);
	}
	expect_verified(v);
	fort_vault_close(v);

	/* after reopening, the erasure stands */
	v = open_vault(vault_at("find.fort"), PASS);
	assert_int_equal(fort_client_is_erased(v, b), 1);
	assert_int_equal(fort_client_get(&rec, v, b, NULL), FORT_ENOTFOUND);
	assert_int_equal(find_n(v, "email", "JANE@newmail.example", a), 1);
	expect_verified(v);
	fort_vault_close(v);
}

/* A series of finds keeps its read transaction open on SQLite (sqlite.c,
 * "Finds in a kept read transaction"): a find still sees what another
 * handle committed since the last one, a write of the finding handle
 * still commits, and after fort_vault_flush another handle's erase still
 * truncates the WAL (the kept transaction no longer holds it back). */
static void test_find_kept_read(void **state)
{
	(void)state;
	fort_vault *a = create_vault("kept.fort"), *b;
	char id1[FORT_ID_LEN + 1], id2[FORT_ID_LEN + 1], id3[FORT_ID_LEN + 1];
	const fort_kv k1[] = { { "full_name", "One Person" }, { "email", "one@example.com" } };
	const fort_kv k2[] = { { "full_name", "Two Person" }, { "email", "two@example.com" } };
	const fort_kv k3[] = { { "full_name", "Three Person" }, { "email", "three@example.com" } };
	assert_int_equal(fort_client_add(id1, a, k1, 2), 0);
	b = open_vault(vault_at("kept.fort"), PASS);

	/* A finds (a hit, then a miss: the miss looks up the unique entry's
	 * seal in the same transaction) */
	assert_int_equal(find_n(a, "email", "one@example.com", id1), 1);
	assert_int_equal(find_n(a, "email", "two@example.com", NULL), 0);
	/* B adds two@ and removes one@: A's next finds see both */
	assert_int_equal(fort_client_add(id2, b, k2, 2), 0);
	assert_int_equal(find_n(a, "email", "two@example.com", id2), 1);
	/* an erase truncates the WAL, which A's kept read would hold back
	 * (FORT_EBUSY after the busy timeout): A's request is done first, as a
	 * server's is (fort_vault_flush) */
	assert_int_equal(fort_vault_flush(a), 0);
	assert_int_equal(fort_client_erase(b, id1, "test"), 0);
	assert_int_equal(find_n(a, "email", "one@example.com", NULL), 0);
	assert_int_equal(find_n(a, "email", "two@example.com", id2), 1);

	/* A writes after its finds: committed, B sees it */
	assert_int_equal(fort_client_add(id3, a, k3, 2), 0);
	assert_int_equal(find_n(b, "email", "three@example.com", id3), 1);
	assert_int_equal(find_n(a, "email", "three@example.com", id3), 1);

	/* the same after finds and a write: B's erase truncates the WAL */
	assert_int_equal(fort_vault_flush(a), 0);
	assert_int_equal(fort_vault_flush(b), 0);
	assert_int_equal(fort_client_erase(b, id2, "test"), 0);
	if (!test_store_pg()) {
		char w[600];
		struct stat sb;
		snprintf(w, sizeof w, "%s-wal", vault_at("kept.fort"));
		assert_int_equal(stat(w, &sb), 0);
		assert_int_equal(sb.st_size, 0);
	}
	assert_int_equal(find_n(a, "email", "two@example.com", NULL), 0);
	assert_int_equal(find_n(a, "email", "three@example.com", id3), 1);
	expect_verified(a);
	fort_vault_close(b);
	fort_vault_close(a);
}

/* A server's request (a handle with the group commit) reads in one
 * snapshot from its refresh on (store_read_keep): another handle's commit
 * meanwhile is seen by the next request, not in the middle of this one.
 * The snapshot ends at the request's audit entry, before it waits for the
 * writer's commit: another handle's erasure then truncates the WAL though
 * the request is not done (a snapshot held across that wait would keep
 * the WAL from being checkpointed while requests keep coming). */
static void test_request_snapshot(void **state)
{
	(void)state;
	fort_vault *a = create_vault("reqsnap.fort"), *h;
	fort_audit_writer *w = NULL;
	fort_record *rec = NULL;
	char id1[FORT_ID_LEN + 1], id2[FORT_ID_LEN + 1];
	const fort_kv k1[] = { { "full_name", "One Person" }, { "email", "one@example.com" } };
	const fort_kv k2[] = { { "full_name", "Two Person" }, { "email", "two@example.com" } };
	assert_int_equal(fort_client_add(id1, a, k1, 2), 0);
	assert_int_equal(fort_vault_flush(a), 0);
	assert_int_equal(fort_audit_writer_new(&w, vault_at("reqsnap.fort")), 0);
	h = open_vault(vault_at("reqsnap.fort"), PASS);
	assert_int_equal(fort_vault_use_audit_writer(h, w), 0);
	assert_int_equal(fort_vault_refresh(h), 0);
	assert_int_equal(fort_vault_flush(h), 0);

	/* a request begins; A adds a client meanwhile */
	assert_int_equal(fort_vault_refresh(h), 0);
	assert_int_equal(fort_client_add(id2, a, k2, 2), 0);
	assert_int_equal(fort_vault_flush(a), 0);
	if (!test_store_pg()) {
		/* SQLite: the request reads the vault as it stood at its start */
		assert_int_equal(fort_client_get(&rec, h, id2, NULL), FORT_ENOTFOUND);
		assert_null(rec);
	}
	assert_int_equal(fort_vault_flush(h), 0);
	/* the next request sees it (A's commit: the handle reads the vault again) */
	assert_int_equal(fort_vault_refresh(h), 0);
	assert_int_equal(fort_client_get(&rec, h, id2, NULL), 0);
	fort_record_free(rec);
	assert_int_equal(fort_vault_flush(h), 0);

	/* the writer's batch that held that read saw A's commit before it
	 * (not only the writer's commits, writer.c): read again once more */
	assert_int_equal(fort_vault_refresh(h), 0);
	assert_int_equal(fort_client_get(&rec, h, id2, NULL), 0);
	fort_record_free(rec);
	assert_int_equal(fort_vault_flush(h), 0);

	/* a request whose refresh found only the writer's commits: its read
	 * is audited through the writer, and the snapshot is gone by then */
	assert_int_equal(fort_vault_refresh(h), 0);
	assert_int_equal(fort_client_get(&rec, h, id1, NULL), 0);
	fort_record_free(rec);
	assert_int_equal(fort_client_erase(a, id1, "test"), 0);
	if (!test_store_pg()) {
		char wal[600];
		struct stat sb;
		snprintf(wal, sizeof wal, "%s-wal", vault_at("reqsnap.fort"));
		assert_int_equal(stat(wal, &sb), 0);
		assert_int_equal(sb.st_size, 0);
	}
	assert_int_equal(fort_vault_flush(h), 0);
	fort_vault_close(h);
	fort_audit_writer_free(w);
	expect_verified(a);
	fort_vault_close(a);
}

/* A scan that looks clients up (fortress scan --vault) ends the finds'
 * kept read transaction with each file, not with the handle: another
 * handle's erasure meanwhile truncates the WAL (it would wait the busy
 * timeout and fail FORT_EBUSY, the erasure committed but its old pages
 * left in the -wal). */
static void test_scan_ends_kept_read(void **state)
{
	(void)state;
	fort_vault *a = create_vault("scankept.fort"), *b;
	char id1[FORT_ID_LEN + 1];
	const char *path = path_of("scankept-note.txt");
	const fort_kv k1[] = { { "full_name", "One Person" }, { "email", "one@example.com" } };
	const char *paths[1] = { path };
	fort_scan_opts so = FORT_SCAN_OPTS_INIT;
	fort_scan_stats st;
	FILE *f;

	assert_int_equal(fort_client_add(id1, a, k1, 2), 0);
	assert_int_equal(fort_vault_flush(a), 0);
	b = open_vault(vault_at("scankept.fort"), PASS);
	assert_non_null(f = fopen(path, "w"));
	fputs("Write to one@example.com and two@example.net about it.\n", f);
	assert_int_equal(fclose(f), 0);
	so.vault = a;
	so.jobs = 1;
	assert_int_equal(fort_scan_run(&st, paths, 1, &so), 0);
	assert_true(st.findings >= 2);
	assert_int_equal(fort_client_erase(b, id1, "test"), 0);
	if (!test_store_pg()) {
		char w[700];
		struct stat sb;
		snprintf(w, sizeof w, "%s-wal", vault_at("scankept.fort"));
		assert_int_equal(stat(w, &sb), 0);
		assert_int_equal(sb.st_size, 0);
	}
	unlink(path);
	fort_vault_close(b);
	fort_vault_close(a);
}

static void test_passwd_and_wrong_pass(void **state)
{
	(void)state;
	fort_vault *v = create_vault("passwd.fort");
	const char *p = vault_at("passwd.fort");
	char a[FORT_ID_LEN + 1];
	const fort_kv ka[] = { { "full_name", "Jane Doe" }, { "email", "jane@example.com" } };
	fort_secret *weak = secret("password123"), *newp = secret(PASS2), *old = secret(PASS);
	fort_vault *w = NULL;
	fort_record *rec = NULL;
	fort_status st;

	assert_int_equal(fort_client_add(a, v, ka, 2), 0);
	assert_int_equal(fort_vault_passwd(v, weak), FORT_EWEAK);
	assert_int_equal(fort_vault_passwd(v, newp), 0);
	fort_vault_close(v);

	assert_int_equal(fort_vault_open(&w, p, NULL, old), FORT_EAUTH);
	assert_null(w);
	assert_null(strstr(fort_error_message(), PASS));
	assert_int_equal(fort_vault_open(&w, p, NULL, newp), 0);
	assert_int_equal(fort_client_get(&rec, w, a, NULL), 0);
	assert_string_equal(fort_record_value(rec, "email"), "j***@example.com");
	fort_record_free(rec);
	assert_int_equal(find_n(w, "email", "jane@example.com", a), 1);
	fort_vault_close(w);

	/* a wrong passphrase changes nothing but the audit log */
	v = open_vault(p, NULL);
	assert_int_equal(fort_vault_status(&st, v), 0);
	uint64_t clients = st.clients, entries = st.audit_entries;
	fort_vault_close(v);
	assert_int_equal(fort_vault_open(&w, p, NULL, old), FORT_EAUTH);
	assert_int_equal(fort_vault_open(&w, p, "alice", old), FORT_EAUTH);
	assert_int_equal(fort_vault_open(&w, p, "nobody", newp), FORT_ENOTFOUND);
	v = open_vault(p, NULL);
	assert_int_equal(fort_vault_status(&st, v), 0);
	assert_int_equal(st.clients, clients);
	assert_int_equal(st.audit_entries, entries + 2);
	expect_verified(v);
	fort_vault_close(v);

	/* locked: no passwd */
	v = open_vault(p, NULL);
	assert_int_equal(fort_vault_passwd(v, old), FORT_ELOCKED);
	fort_vault_close(v);
	fort_secret_free(weak);
	fort_secret_free(newp);
	fort_secret_free(old);
}

/* Opening something that is not a vault fails with ECORRUPT and leaves the
 * file exactly as it was. */
static void expect_not_vault(const char *p)
{
	unsigned char *before, *after;
	size_t lb, la;
	fort_vault *v = NULL;
	fort_secret *pass = secret(PASS);
	int had_wal = exists_suffix(p, "-wal");
	before = slurp(p, &lb);
	assert_non_null(before);
	for (int k = 0; k < 2; k++) {
		int r = fort_vault_open(&v, p, NULL, k ? pass : NULL);
		if (r != FORT_ECORRUPT)
			fail_msg("open %s (%s): %d, not ECORRUPT: %s", p, k ? "unlocked" : "locked", r, fort_error_message());
		assert_null(v);
		assert_true(fort_error_message()[0] != '\0');
	}
	after = slurp(p, &la);
	if (la != lb || (lb && memcmp(before, after, lb) != 0))
		fail_msg("open changed %s (%zu -> %zu bytes)", p, lb, la);
	if (!had_wal)
		assert_false(exists_suffix(p, "-wal"));
	free(before);
	free(after);
	fort_secret_free(pass);
}

/* fort_vault_confirm: the acting user's passphrase typed again (the web
 * app's recovery shares): right 0, wrong FORT_EAUTH audited and nothing
 * else changed, the message without the passphrase; locked: refused. */
static void test_confirm_passphrase(void **state)
{
	(void)state;
	fort_vault *v = create_vault("confirm.fort");
	const char *p = vault_at("confirm.fort");
	fort_secret *right = secret(PASS), *wrong = secret(PASS2);
	fort_status st;
	uint64_t entries;

	assert_int_equal(fort_vault_status(&st, v), 0);
	entries = st.audit_entries;
	assert_int_equal(fort_vault_confirm(v, right), 0);
	assert_int_equal(fort_vault_status(&st, v), 0);
	assert_int_equal(st.audit_entries, entries);
	assert_int_equal(fort_vault_confirm(v, wrong), FORT_EAUTH);
	assert_null(strstr(fort_error_message(), PASS2));
	assert_non_null(strstr(fort_error_message(), "passphrase"));
	assert_int_equal(fort_vault_status(&st, v), 0);
	assert_int_equal(st.audit_entries, entries + 1);
	assert_int_equal(fort_vault_confirm(v, NULL), FORT_EINPUT);
	/* still unlocked and working after a wrong one */
	assert_int_equal(fort_vault_confirm(v, right), 0);
	expect_verified(v);
	fort_vault_close(v);
	v = open_vault(p, NULL);
	assert_int_equal(fort_vault_confirm(v, right), FORT_ELOCKED);
	fort_vault_close(v);
	fort_secret_free(right);
	fort_secret_free(wrong);
}

static void test_not_a_vault(void **state)
{
	(void)state;
	SQLITE_ONLY("files that are not vaults");
	unsigned char rnd[8192];
	const char *p;
	fort_vault *v = NULL;

	/* random bytes */
	p = path_of("random.bin");
	randombytes_buf(rnd, sizeof rnd);
	spit(p, rnd, sizeof rnd);
	expect_not_vault(p);
	/* random bytes behind a SQLite magic */
	p = path_of("magic.bin");
	memcpy(rnd, "SQLite format 3", 16);
	spit(p, rnd, sizeof rnd);
	expect_not_vault(p);
	/* empty */
	p = vault_at("empty.fort");
	spit(p, "", 0);
	expect_not_vault(p);
	/* a text file */
	p = vault_at("text.fort");
	spit(p, "name,email\nJane,jane@example.com\n", 33);
	expect_not_vault(p);
	/* a plain SQLite database */
	p = vault_at("plain.db");
	sql(p, "CREATE TABLE t(x); INSERT INTO t VALUES(1);");
	expect_not_vault(p);
	/* a directory */
	assert_int_equal(fort_vault_open(&v, dir, NULL, NULL), FORT_ECORRUPT);

	/* a real vault, truncated */
	v = create_vault("full.fort");
	for (int i = 0; i < 30; i++) {
		char id[FORT_ID_LEN + 1], email[64];
		snprintf(email, sizeof email, "person%d@example.com", i);
		const fort_kv kv[] = { { "full_name", "Some Person" }, { "email", email },
				       { "notes", "a long note to make the file grow a bit more than one page" } };
		assert_int_equal(fort_client_add(id, v, kv, 3), 0);
	}
	fort_vault_close(v);
	assert_false(exists_suffix(vault_at("full.fort"), "-wal"));
	{
		size_t len;
		unsigned char *all = slurp(vault_at("full.fort"), &len);
		assert_true(len >= 4 * 4096);
		static const size_t cuts[] = { 100, 4096, 8192, 5000 };
		for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
			p = vault_at("trunc.fort");
			spit(p, all, cuts[i]);
			expect_not_vault(p);
		}
		p = vault_at("trunc.fort");
		spit(p, all, len - 4096);
		expect_not_vault(p);
		/* the intact copy still opens */
		p = vault_at("copy.fort");
		spit(p, all, len);
		v = open_vault(p, PASS);
		expect_verified(v);
		fort_vault_close(v);
		free(all);
	}

	/* missing */
	assert_int_equal(fort_vault_open(&v, vault_at("missing.fort"), NULL, NULL), FORT_ENOTFOUND);
	assert_null(v);
	assert_false(exists(vault_at("missing.fort")));
	{
		fort_secret *pass = secret(PASS);
		assert_int_equal(fort_vault_open(&v, vault_at("missing.fort"), NULL, pass), FORT_ENOTFOUND);
		fort_secret_free(pass);
	}
	assert_false(exists(vault_at("missing.fort")));
}

/* An SQLite file that carries Fortress's application id but was never
 * initialised (user_version 0): refused, and - as SECURITY.md says of files
 * that are not vaults - "refused before anything is written". */
static void test_appid_without_schema(void **state)
{
	(void)state;
	SQLITE_ONLY("SQLite's application_id header");
	const char *p = vault_at("appid.db");
	sql(p, "PRAGMA application_id = 1179603540; CREATE TABLE t(x); INSERT INTO t VALUES(1);");
	expect_not_vault(p);
}

static void test_map(void **state)
{
	(void)state;
	SQLITE_ONLY("tampers with sqlite3");
	fort_vault *v = create_vault("map.fort");
	const char *p = vault_at("map.fort");
	char *js = NULL, a[FORT_ID_LEN + 1];
	json_t *root;
	json_error_t err;
	size_t nf = fort_map_count(v);

	assert_true(nf >= 10);
	assert_int_equal(fort_map_export(&js, v), 0);
	root = json_loads(js, 0, &err);
	if (!root)
		fail_msg("map export does not parse: %s", err.text);
	json_t *fields = json_object_get(root, "fields");
	assert_true(json_is_array(fields));
	assert_int_equal(json_array_size(fields), nf);
	for (size_t i = 0; i < nf; i++) {
		json_t *f = json_array_get(fields, i);
		const fort_field_info *fi = fort_map_field(v, i);
		assert_non_null(fi);
		assert_string_equal(json_string_value(json_object_get(f, "name")), fi->name);
		assert_string_equal(json_string_value(json_object_get(f, "type")), fi->type);
		assert_string_equal(json_string_value(json_object_get(f, "category")), fi->category);
		assert_int_equal(json_array_size(json_object_get(f, "purposes")), fi->npurposes);
	}
	assert_null(fort_map_field(v, nf));
	assert_non_null(fort_map_find(v, "iban"));
	assert_string_equal(fort_map_find(v, "iban")->type, "iban");
	assert_null(fort_map_find(v, "loyalty_id"));
	/* the export imports back unchanged */
	assert_int_equal(fort_map_import(v, js, strlen(js)), 0);
	assert_int_equal(fort_map_count(v), nf);

	/* a bad type: EINPUT naming the field; the map is unchanged */
	{
		json_t *copy = json_deep_copy(root);
		json_t *f = json_array_get(json_object_get(copy, "fields"), 7);
		const char *name = json_string_value(json_object_get(f, "name"));
		char fname[64];
		snprintf(fname, sizeof fname, "%s", name);
		json_object_set_new(f, "type", json_string("blob"));
		char *bad = json_dumps(copy, 0);
		assert_int_equal(fort_map_import(v, bad, strlen(bad)), FORT_EINPUT);
		assert_non_null(strstr(fort_error_message(), fname));
		assert_non_null(strstr(fort_error_message(), "blob"));
		assert_string_not_equal(fort_map_find(v, fname)->type, "blob");
		free(bad);
		json_decref(copy);
		/* a searchable card */
		copy = json_deep_copy(root);
		for (size_t i = 0; i < json_array_size(json_object_get(copy, "fields")); i++) {
			json_t *g = json_array_get(json_object_get(copy, "fields"), i);
			if (strcmp(json_string_value(json_object_get(g, "type")), "card") == 0)
				json_object_set_new(g, "searchable", json_true());
		}
		bad = json_dumps(copy, 0);
		assert_int_equal(fort_map_import(v, bad, strlen(bad)), FORT_EINPUT);
		assert_non_null(strstr(fort_error_message(), "payment_card"));
		free(bad);
		json_decref(copy);
		assert_int_equal(fort_map_import(v, "{not json", 9), FORT_EINPUT);
		assert_int_equal(fort_map_count(v), nf);
	}

	/* field add and use */
	{
		static const char *const purposes[] = { "service" };
		fort_field_spec s = FORT_FIELD_SPEC_INIT;
		s.name = "loyalty_id";
		s.label = "Loyalty card";
		s.type = "text";
		s.category = "notes";
		s.legal_basis = "contract (GDPR Art. 6(1)(b))";
		s.retention = "until the end of the contract";
		s.purposes = purposes;
		s.npurposes = 1;
		s.searchable = 1;
		s.max_length = 20;
		assert_int_equal(fort_map_field_add(v, &s), 0);
		assert_int_equal(fort_map_count(v), nf + 1);
		assert_non_null(fort_map_find(v, "loyalty_id"));
		assert_int_equal(fort_map_find(v, "loyalty_id")->searchable, 1);
		assert_int_equal(fort_map_field_add(v, &s), FORT_EEXISTS);
		s.name = "no_type";
		s.type = NULL;
		assert_int_equal(fort_map_field_add(v, &s), FORT_EINPUT);

		const fort_kv kv[] = { { "full_name", "Jane Doe" }, { "loyalty_id", "LC-12345" } };
		assert_int_equal(fort_client_add(a, v, kv, 2), 0);
		assert_int_equal(find_n(v, "loyalty_id", "lc-12345", a), 1);
		const fort_kv toolong[] = { { "loyalty_id", "123456789012345678901" } };
		char b[FORT_ID_LEN + 1];
		assert_int_equal(fort_client_add(b, v, toolong, 1), FORT_EINPUT);
		static const char *const rv[] = { "loyalty_id" };
		fort_read_opts o = FORT_READ_OPTS_INIT;
		fort_record *rec = NULL;
		o.reveal = rv;
		o.nreveal = 1;
		o.purpose = "service";
		assert_int_equal(fort_client_get(&rec, v, a, &o), 0);
		assert_string_equal(fort_record_value(rec, "loyalty_id"), "LC-12345");
		fort_record_free(rec);
		o.purpose = "billing";
		assert_int_equal(fort_client_get(&rec, v, a, &o), FORT_EDENIED);

		/* a field that holds data cannot change type or go away */
		fort_field_spec e = FORT_FIELD_SPEC_INIT;
		e.name = "loyalty_id";
		e.type = "email";
		assert_int_equal(fort_map_field_edit(v, &e), FORT_EINPUT);
		/* but its purposes can widen, through Fortress */
		static const char *const p2[] = { "service", "billing" };
		fort_field_spec w = FORT_FIELD_SPEC_INIT;
		w.name = "loyalty_id";
		w.purposes = p2;
		w.npurposes = 2;
		assert_int_equal(fort_map_field_edit(v, &w), 0);
		assert_int_equal(fort_client_get(&rec, v, a, &o), 0);
		assert_string_equal(fort_record_value(rec, "loyalty_id"), "LC-12345");
		fort_record_free(rec);
	}
	expect_verified(v);
	fort_vault_close(v);
	json_decref(root);
	free(js);

	/* the map survives reopening */
	v = open_vault(p, PASS);
	assert_int_equal(fort_map_count(v), nf + 1);
	assert_int_equal(fort_map_find(v, "loyalty_id")->npurposes, 2);
	fort_vault_close(v);

	/* widening a purpose in the file: unlock refuses with ETAMPER */
	{
		sqlite3 *db = NULL;
		sqlite3_stmt *st;
		char *tampered;
		assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k='map'", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		root = json_loadb(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), 0, &err);
		sqlite3_finalize(st);
		assert_non_null(root);
		fields = json_object_get(root, "fields");
		for (size_t i = 0; i < json_array_size(fields); i++) {
			json_t *f = json_array_get(fields, i);
			if (strcmp(json_string_value(json_object_get(f, "name")), "iban") == 0)
				json_array_append_new(json_object_get(f, "purposes"), json_string("service"));
		}
		tampered = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(root);
		assert_int_equal(sqlite3_prepare_v2(db, "UPDATE meta SET v=? WHERE k='map'", -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_blob(st, 1, tampered, (int)strlen(tampered), SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
		assert_int_equal(sqlite3_changes(db), 1);
		sqlite3_close(db);
		free(tampered);
	}
	{
		fort_secret *pass = secret(PASS);
		fort_vault *w = NULL;
		assert_int_equal(fort_vault_open(&w, p, NULL, pass), FORT_ETAMPER);
		assert_null(w);
		assert_non_null(strstr(fort_error_message(), "map"));
		/* the MAC removed: also tampering */
		sql(p, "DELETE FROM meta WHERE k = 'map_mac'");
		int r = fort_vault_open(&w, p, NULL, pass);
		if (r != FORT_ETAMPER)
			fail_msg("open with the map MAC deleted: %d (%s), not ETAMPER", r, fort_error_message());
		fort_secret_free(pass);
	}
}

static int64_t blob_len(sqlite3 *db, const char *col, int64_t id)
{
	sqlite3_stmt *st;
	char *q = sqlite3_mprintf("SELECT length(%s) FROM clients WHERE id = %lld", col, (long long)id);
	int64_t n;
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_free(q);
	return n;
}

/* Replace the bytes FROM with TO (same length) in client ID's data blob. */
static void patch_data(const char *path, int64_t id, const char *from, const char *to, size_t len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	unsigned char *buf;
	size_t n;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT data FROM clients WHERE id = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = (size_t)sqlite3_column_bytes(st, 0);
	buf = malloc(n);
	memcpy(buf, sqlite3_column_blob(st, 0), n);
	sqlite3_finalize(st);
	unsigned char *at = memmem(buf, n, from, len);
	assert_non_null(at);
	memcpy(at, to, len);
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE clients SET data = ? WHERE id = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, buf, (int)n, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(buf);
}

static void test_ciphertext_swap(void **state)
{
	(void)state;
	SQLITE_ONLY("swaps ciphertexts with sqlite3");
	fort_vault *v = create_vault("swap.fort");
	const char *p = vault_at("swap.fort");
	char a[FORT_ID_LEN + 1], b[FORT_ID_LEN + 1];
	fort_record *rec = NULL;
	const fort_kv ka[] = { { "full_name", "Jane Doe" }, { "email", "jane@example.com" } };
	const fort_kv kb[] = { { "full_name", "John Roe" }, { "email", "john@example.org" } };
	assert_int_equal(fort_client_add(a, v, ka, 2), 0);
	assert_int_equal(fort_client_add(b, v, kb, 2), 0);
	fort_vault_close(v);
	int64_t ia = id_num(a), ib = id_num(b);
	{
		sqlite3 *db = NULL;
		assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
		assert_int_equal(blob_len(db, "wrapped", ia), 72);
		assert_true(blob_len(db, "data", ia) > 0);
		sqlite3_close(db);
	}
	sql(p, "CREATE TABLE keep AS SELECT * FROM clients");
	/* the vault stays open; the file is changed behind its back */
	v = open_vault(p, PASS);

	/* A's fields on B's row */
	sql(p, "UPDATE clients SET data = (SELECT data FROM clients WHERE id = %lld) WHERE id = %lld", (long long)ia, (long long)ib);
	rec = (fort_record *)1;
	assert_int_equal(fort_client_get(&rec, v, b, NULL), FORT_ETAMPER);
	assert_null(rec);
	assert_null(strstr(fort_error_message(), "jane"));
	assert_int_equal(fort_client_get(&rec, v, a, NULL), 0);
	fort_record_free(rec);
	sql(p, "UPDATE clients SET data = (SELECT data FROM keep WHERE id = %lld) WHERE id = %lld", (long long)ib, (long long)ib);

	/* A's wrapped key on B's row */
	sql(p, "UPDATE clients SET wrapped = (SELECT wrapped FROM clients WHERE id = %lld) WHERE id = %lld", (long long)ia, (long long)ib);
	assert_int_equal(fort_client_get(&rec, v, b, NULL), FORT_ETAMPER);
	/* both: A's whole record under B's id */
	sql(p, "UPDATE clients SET data = (SELECT data FROM clients WHERE id = %lld) WHERE id = %lld", (long long)ia, (long long)ib);
	assert_int_equal(fort_client_get(&rec, v, b, NULL), FORT_ETAMPER);
	sql(p, "UPDATE clients SET data = (SELECT data FROM keep WHERE id = %lld), wrapped = (SELECT wrapped FROM keep WHERE id = %lld)"
	       " WHERE id = %lld", (long long)ib, (long long)ib, (long long)ib);

	/* another vault-key version */
	sql(p, "UPDATE clients SET vk_version = 2 WHERE id = %lld", (long long)ib);
	assert_int_equal(fort_client_get(&rec, v, b, NULL), FORT_ETAMPER);
	sql(p, "UPDATE clients SET vk_version = 1 WHERE id = %lld", (long long)ib);

	/* B's email ciphertext relabelled as its phone.  A record entry is
	 * [field id][varint key version][varint length]: email is field 2,
	 * phone field 3 in the default map; "john@example.org" + a 16-byte tag = 32. */
	{
		static const char email_v1[] = { 2, 1, 32 }, phone_v1[] = { 3, 1, 32 }, email_v2[] = { 2, 2, 32 };
		patch_data(p, ib, email_v1, phone_v1, 3);
		assert_int_equal(fort_client_get(&rec, v, b, NULL), FORT_ETAMPER);
		sql(p, "UPDATE clients SET data = (SELECT data FROM keep WHERE id = %lld) WHERE id = %lld", (long long)ib, (long long)ib);
		/* the key version of a field */
		patch_data(p, ib, email_v1, email_v2, 3);
	}
	assert_int_equal(fort_client_get(&rec, v, b, NULL), FORT_ETAMPER);
	sql(p, "UPDATE clients SET data = (SELECT data FROM keep WHERE id = %lld) WHERE id = %lld", (long long)ib, (long long)ib);

	/* a damaged (truncated) record is an error, not a crash */
	sql(p, "UPDATE clients SET data = substr(data, 1, 12) WHERE id = %lld", (long long)ib);
	assert_true(fort_client_get(&rec, v, b, NULL) < 0);
	sql(p, "UPDATE clients SET data = (SELECT data FROM keep WHERE id = %lld) WHERE id = %lld", (long long)ib, (long long)ib);

	/* restored: both read again */
	assert_int_equal(fort_client_get(&rec, v, b, NULL), 0);
	assert_string_equal(fort_record_value(rec, "email"), "j***@example.org");
	fort_record_free(rec);
	assert_int_equal(fort_client_get(&rec, v, a, NULL), 0);
	fort_record_free(rec);
	fort_vault_close(v);
}

static void test_alloc_failure(void **state)
{
	(void)state;
	fort_vault *v = create_vault("alloc.fort");
	char id[FORT_ID_LEN + 1];
	uint64_t ok = 0, failed = 0, base;
	const fort_kv seed[] = { { "full_name", "Seed Client" }, { "email", "seed@example.com" } };
	assert_int_equal(fort_client_add(id, v, seed, 1), 0);
	base = client_count(v);
	for (unsigned long n = 1; n <= 200; n++) {
		char email[64], phone[32];
		snprintf(email, sizeof email, "alloc%lu@example.com", n);
		snprintf(phone, sizeof phone, "+49 30 555%04lu", n);
		const fort_kv kv[] = { { "full_name", "Alloc Test" }, { "email", email }, { "phone", phone },
				       { "iban", "DE89370400440532013000" }, { "notes", "some notes" } };
		fort_alloc_fail_at(n);
		int r = fort_client_add(id, v, kv, 5);
		fort_alloc_fail_at(0);
		if (r == 0) {
			ok++;
		} else {
			if (r >= 0 || !fort_error_name(r))
				fail_msg("allocation %lu: returned %d", n, r);
			failed++;
		}
		/* all or nothing, each time */
		assert_int_equal(client_count(v), base + ok);
		assert_int_equal(find_n(v, "email", email, NULL), r == 0 ? 1 : 0);
	}
	assert_true(failed > 0); /* the hook did bite */
	assert_true(ok > 0);
	expect_verified(v);
	/* the vault still works */
	{
		const fort_kv kv[] = { { "full_name", "After Alloc" }, { "email", "after@example.com" } };
		fort_record *rec = NULL;
		assert_int_equal(fort_client_add(id, v, kv, 2), 0);
		assert_int_equal(fort_client_get(&rec, v, id, NULL), 0);
		fort_record_free(rec);
	}
	fort_vault_close(v);
	v = open_vault(vault_at("alloc.fort"), PASS);
	assert_int_equal(client_count(v), base + ok + 1);
	expect_verified(v);

	/* the same for get and find */
	for (unsigned long n = 1; n <= 60; n++) {
		fort_record *rec = NULL;
		char (*ids)[FORT_ID_LEN + 1] = NULL;
		size_t cnt = 0;
		fort_alloc_fail_at(n);
		int r = fort_client_get(&rec, v, id, NULL);
		fort_alloc_fail_at(0);
		assert_true(r <= 0);
		if (r == 0)
			assert_non_null(rec);
		else
			assert_null(rec);
		fort_record_free(rec);
		fort_alloc_fail_at(n);
		r = fort_client_find(&ids, &cnt, v, "email", "after@example.com");
		fort_alloc_fail_at(0);
		assert_true(r <= 0);
		free(ids);
	}
	expect_verified(v);
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_status),
		cmocka_unit_test(test_create_refused),
		cmocka_unit_test(test_add_get_reveal),
		cmocka_unit_test(test_find_edit_erase),
		cmocka_unit_test(test_find_kept_read),
		cmocka_unit_test(test_scan_ends_kept_read),
		cmocka_unit_test(test_request_snapshot),
		cmocka_unit_test(test_passwd_and_wrong_pass),
		cmocka_unit_test(test_confirm_passphrase),
		cmocka_unit_test(test_not_a_vault),
		cmocka_unit_test(test_appid_without_schema),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_ciphertext_swap),
		cmocka_unit_test(test_alloc_failure),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
