/* fixture.h - what the library's unit tests share: a private temporary
 * directory (define FIXTURE_DIR "/tmp/fort-test-NAME-XXXXXX" before including
 * this), passphrases as fort_secret, and a few file helpers.  Include it
 * once, after cmocka.h and fortress.h. */
#ifndef FORT_TEST_FIXTURE_H
#define FORT_TEST_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FX_UNUSED __attribute__((unused))

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
	int r = fort_vault_create(&v, path_of(name), &o, pass);
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
