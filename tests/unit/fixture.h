/* fixture.h - what the library's unit tests share: a private temporary
 * directory (define FIXTURE_DIR "/tmp/fort-test-NAME-XXXXXX" before including
 * this), passphrases as fort_secret, and a few file helpers.  Include it
 * once, after cmocka.h and fortress.h.
 *
 * Both storage backends (issue 19): a test names its vaults with
 * vault_at(NAME), not path_of(NAME).  Without FORTRESS_TEST_STORE that is
 * the file NAME in the test's folder; with FORTRESS_TEST_STORE set to a
 * PostgreSQL connection string (ctest's NAME_pg tests, from the "pg"
 * fixture's server), it is a database of its own made for NAME at first use
 * and dropped at the group's teardown.  A test that only makes sense on a
 * SQLite file (sqlite3 tampering, file modes, the WAL) starts with
 * SQLITE_ONLY("why"): skipped on PostgreSQL with the reason printed. */
#ifndef FORT_TEST_FIXTURE_H
#define FORT_TEST_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libpq-fe.h>

#define FX_UNUSED __attribute__((unused))

/* Allocation N fails (fort_alloc_fail_at, util.h), for every N, until CALL
 * succeeds (then CLEANUP): a negative code with a message each time,
 * never a crash or a leak.  (vault/alloc_loop.h is the heavier loop that
 * also checks every row of the vault after each failure.) */
#define ALLOC_LOOP(call, cleanup)                                                         \
	for (unsigned long nth = 1;; nth++) {                                             \
		int r_;                                                                   \
		fort_error_clear();                                                       \
		fort_alloc_fail_at(nth);                                                  \
		r_ = (call);                                                              \
		fort_alloc_fail_at(0);                                                    \
		if (r_ >= 0) {                                                            \
			cleanup;                                                          \
			break;                                                            \
		}                                                                         \
		assert_true(fort_error_name(r_) != NULL && fort_error_message()[0]);     \
		assert_true(nth < 100000);                                                \
	}

static char dir[] = FIXTURE_DIR;

static FX_UNUSED fort_secret *secret(const char *s)
{
	fort_secret *p = NULL;
	assert_int_equal(fort_secret_new(&p, s, strlen(s)), 0);
	return p;
}

static FX_UNUSED const char *path_of(const char *name)
{
	static char buf[16][512];
	static int k;
	char *p = buf[k++ % 16];
	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

static FX_UNUSED void spit(const char *p, const void *data, size_t len)
{
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	if (len)
		assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* ------------------------------------------ the backend under test */

/* the PostgreSQL server's connection string when the vaults live there */
static FX_UNUSED const char *test_store_pg(void)
{
	const char *u = getenv("FORTRESS_TEST_STORE");
	return u && *u ? u : NULL;
}

#define SQLITE_ONLY(why)                                                        \
	do {                                                                    \
		if (test_store_pg()) {                                          \
			print_message("[  SKIP    ] SQLite only: %s\n", why);  \
			skip();                                                 \
		}                                                               \
	} while (0)

static struct { char name[64]; char url[512]; } fx_dbs[64];
static size_t fx_ndbs;

static FX_UNUSED void fx_pg_exec(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	PGresult *r;
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("connecting to the test server: %s", PQerrorMessage(c));
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

/* The first column of the first row of SQL on the database URL (-1: none):
 * what the attacker with psql reads */
static FX_UNUSED int64_t fx_pg_int(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	PGresult *r;
	int64_t n = -1;
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("connecting to the test server: %s", PQerrorMessage(c));
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
		n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	PQfinish(c);
	return n;
}

/* the databases vault_at made, dropped (the group's teardown) */
static FX_UNUSED void fx_drop_dbs(void)
{
	const char *base = test_store_pg();
	for (size_t i = 0; base && i < fx_ndbs; i++) {
		const char *u = fx_dbs[i].url, *slash = strchr(strstr(u, "://") + 3, '/');
		char sql[160];
		snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %.*s WITH (FORCE)", (int)strcspn(slash + 1, "?"), slash + 1);
		PGconn *c = PQconnectdb(base);
		if (PQstatus(c) == CONNECTION_OK)
			PQclear(PQexec(c, sql));
		PQfinish(c);
	}
	fx_ndbs = 0;
}

/* The vault NAME: a file in the test's folder, or a database of its own. */
static FX_UNUSED const char *vault_at(const char *name)
{
	const char *base = test_store_pg(), *slash, *rest;
	char db[64], sql[160];
	size_t i, n = 0;
	if (!base)
		return path_of(name);
	for (i = 0; i < fx_ndbs; i++)
		if (strcmp(fx_dbs[i].name, name) == 0)
			return fx_dbs[i].url;
	if (fx_ndbs == 0)
		atexit(fx_drop_dbs);
	if (fx_ndbs == sizeof fx_dbs / sizeof fx_dbs[0])
		fail_msg("more than 64 PostgreSQL vaults in one test");
	/* postgresql://[host]/DBNAME[?params]: the same server, another database */
	if (!(slash = strstr(base, "://")) || !(slash = strchr(slash + 3, '/')))
		fail_msg("FORTRESS_TEST_STORE must look like postgresql://[host]/db?params");
	rest = slash + 1 + strcspn(slash + 1, "?");
	n = (size_t)snprintf(db, sizeof db, "t%ld_", (long)getpid());
	for (i = 0; name[i] && n < sizeof db - 1; i++)
		db[n++] = (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ? name[i] : '_';
	db[n] = '\0';
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
	fx_pg_exec(base, sql);
	snprintf(fx_dbs[fx_ndbs].name, sizeof fx_dbs[0].name, "%s", name);
	snprintf(fx_dbs[fx_ndbs].url, sizeof fx_dbs[0].url, "%.*s%s%s", (int)(slash + 1 - base), base, db, rest);
	return fx_dbs[fx_ndbs++].url;
}

static FX_UNUSED int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(p);
}

static FX_UNUSED int fixture_group_setup(void **state)
{
	(void)state;
	if (fort_library_init() < 0)
		return -1;
	return mkdtemp(dir) ? 0 : -1;
}

static FX_UNUSED int fixture_group_teardown(void **state)
{
	(void)state;
	fx_drop_dbs();
	return nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static FX_UNUSED fort_vault *open_vault(const char *path, const char *pass)
{
	fort_secret *s = pass ? secret(pass) : NULL;
	fort_vault *v = NULL;
	int r = fort_vault_open(&v, path, NULL, s);
	if (r != 0)
		fail_msg("open %s: %d %s", path, r, fort_error_message());
	fort_secret_free(s);
	return v;
}

static FX_UNUSED void expect_verified(fort_vault *v)
{
	fort_audit_report rep;
	assert_int_equal(fort_audit_verify(&rep, v, NULL), 0);
	if (!rep.ok)
		fail_msg("audit: %s", rep.problem);
}

#ifdef FIXTURE_VAULT_HELPERS
/* A vault "Orbit Bakery" owned by alice, passphrase PASS, fast KDF. */
static FX_UNUSED fort_vault *create_vault(const char *name)
{
	fort_create_opts o = FORT_CREATE_OPTS_INIT;
	fort_secret *pass = secret(PASS);
	fort_vault *v = NULL;
	o.business = "Orbit Bakery";
	o.owner = "alice";
	o.kdf = FORT_KDF_INTERACTIVE;
	int r = fort_vault_create(&v, vault_at(name), &o, pass);
	if (r != 0)
		fail_msg("create %s: %d %s", name, r, fort_error_message());
	fort_secret_free(pass);
	return v;
}


static FX_UNUSED uint64_t client_count(fort_vault *v)
{
	fort_status st;
	assert_int_equal(fort_vault_status(&st, v), 0);
	return st.clients;
}
#endif

#endif
