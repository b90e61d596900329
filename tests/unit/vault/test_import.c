/* test_import.c - fort_client_import: CSV, vCard and JSON files written here,
 * all or nothing, skip-invalid with a rejects file, duplicates, column
 * mapping, and what reaches the vault file (no plaintext; nothing left of an
 * erased client). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>
#include "fortress.h"
#include "util.h"

#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"

#define FIXTURE_DIR "/tmp/fort-test-import-XXXXXX"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

/* ------------------------------------------------------------------ helpers */



static const char *write_file(const char *name, const char *text)
{
	const char *p = path_of(name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return p;
}

static unsigned char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0, got;
	*len = 0;
	if (!f)
		return calloc(1, 1); /* absent: empty */
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}




static size_t find_n(fort_vault *v, const char *field, const char *value, char out[FORT_ID_LEN + 1])
{
	char (*ids)[FORT_ID_LEN + 1] = NULL;
	size_t n = 99;
	int r = fort_client_find(&ids, &n, v, field, value);
	if (r != 0)
		fail_msg("find %s=%s: %d %s", field, value, r, fort_error_message());
	if (out && n)
		memcpy(out, ids[0], FORT_ID_LEN + 1);
	free(ids);
	return n;
}


/* The entries after SEQ, "action:result:detail" each, '\n'-separated. */
struct log_after { int64_t after, last; char text[2048]; size_t len; };

static int log_after_cb(void *ctx, const fort_audit_entry *e)
{
	struct log_after *l = ctx;
	l->last = e->seq;
	if (e->seq > l->after)
		l->len += (size_t)snprintf(l->text + l->len, sizeof l->text - l->len, "%s:%s:%s\n", e->action, e->result,
					   e->detail);
	return 0;
}

/* The import is one step of the operation scaffold (perf16): its audit
 * entry is the one it wrote by hand before, "import" with the counts and
 * the format, and nothing else; a refused file (a bad row) writes no
 * entry and no client. */
static void test_import_entry(void **state)
{
	fort_vault *v = create_vault("entry.fort");
	fort_import_report *rep = NULL;
	struct log_after l;
	(void)state;
	memset(&l, 0, sizeof l);
	assert_int_equal(fort_audit_log(v, NULL, log_after_cb, &l), 0);
	l.after = l.last + 1;  /* and the walk's own audit-log entry */
	write_file("entry.csv", "name,email\nAda Lovelace,ada@example.com\nAlan Turing,alan@example.com\n");
	assert_int_equal(fort_client_import(&rep, v, path_of("entry.csv"), NULL), 0);
	assert_int_equal(rep->imported, 2);
	fort_import_report_free(rep);
	l.len = 0;
	l.text[0] = '\0';
	assert_int_equal(fort_audit_log(v, NULL, log_after_cb, &l), 0);
	assert_string_equal(l.text, "import:ok:2 clients imported from a csv file, 0 rejected\n");

	l.after = l.last + 1;
	write_file("entry-bad.csv", "name,email\nGrace Hopper,grace@example.com\nNo Mail,not-an-address\n");
	assert_int_equal(fort_client_import(&rep, v, path_of("entry-bad.csv"), NULL), FORT_EINPUT);
	fort_import_report_free(rep);
	l.len = 0;
	l.text[0] = '\0';
	assert_int_equal(fort_audit_log(v, NULL, log_after_cb, &l), 0);
	assert_string_equal(l.text, "");
	assert_int_equal(find_n(v, "email", "grace@example.com", NULL), 0);
	expect_verified(v);
	fort_vault_close(v);
}

/* Index of the first problem containing NEEDLE, or -1. */
static int problem_with(const fort_import_report *rep, const char *needle)
{
	for (size_t i = 0; i < rep->nproblems; i++)
		if (strstr(rep->problems[i], needle))
			return (int)i;
	return -1;
}

/* Index of the problem about line N ("line N, ..." / "line N: ..."), or -1. */
static int problem_at(const fort_import_report *rep, size_t line)
{
	char pre[32];
	int n = snprintf(pre, sizeof pre, "line %zu", line);
	for (size_t i = 0; i < rep->nproblems; i++)
		if (strncmp(rep->problems[i], pre, (size_t)n) == 0 && !(rep->problems[i][n] >= '0' && rep->problems[i][n] <= '9'))
			return (int)i;
	return -1;
}

static void dump_problems(const fort_import_report *rep)
{
	for (size_t i = 0; rep && i < rep->nproblems; i++)
		print_message("  problem: %s\n", rep->problems[i]);
}




/* ------------------------------------------------------------------- tests */

static void test_csv(void **state)
{
	(void)state;
	fort_vault *v = create_vault("csv.fort");
	fort_import_report *rep = NULL;
	char id[FORT_ID_LEN + 1];
	const char *good = write_file("good.csv",
		"Name,E-Mail,Phone,IBAN\n"
		"Anna Alpha,anna@example.com,030 1111111,DE89 3704 0044 0532 0130 00\n"
		"Bert Beta,BERT@example.com,+49 30 2222222,\n"
		"\"Carla, Gamma\",carla@example.com,,\n");

	/* all good */
	assert_int_equal(fort_client_import(&rep, v, good, NULL), 0);
	assert_non_null(rep);
	assert_string_equal(rep->format, "csv");
	assert_int_equal(rep->rows, 3);
	assert_int_equal(rep->imported, 3);
	assert_int_equal(rep->rejected, 0);
	assert_int_equal(rep->duplicates, 0);
	assert_int_equal(rep->nproblems, 0);
	fort_import_report_free(rep);
	assert_int_equal(client_count(v), 3);
	assert_int_equal(find_n(v, "email", "anna@example.com", id), 1);
	assert_int_equal(find_n(v, "phone", "+49301111111", NULL), 1);
	assert_int_equal(find_n(v, "iban", "DE89370400440532013000", NULL), 1);
	assert_int_equal(find_n(v, "full_name", "carla, gamma", NULL), 1);
	{
		static const char *const all[] = { "all" };
		fort_read_opts o = FORT_READ_OPTS_INIT;
		fort_record *rec = NULL;
		o.reveal = all;
		o.nreveal = 1;
		o.purpose = "billing";
		assert_int_equal(fort_client_get(&rec, v, id, &o), 0);
		assert_string_equal(fort_record_value(rec, "full_name"), "Anna Alpha");
		assert_string_equal(fort_record_value(rec, "email"), "anna@example.com");
		assert_string_equal(fort_record_value(rec, "iban"), "DE89370400440532013000");
		fort_record_free(rec);
	}

	/* two bad rows (lines 3 and 5): nothing imported, both named */
	const char *bad = write_file("bad.csv",
		"name,email,iban\n"
		"Dora Delta,dora@example.com,\n"
		"Emil Eps,emil-at-example.com,\n"
		"Fritz Phi,fritz@example.com,\n"
		"Gina Eta,gina@example.com,DE00370400440532013000\n"
		"Hans Theta,hans@example.com,\n");
	assert_int_equal(fort_client_import(&rep, v, bad, NULL), FORT_EINPUT);
	assert_non_null(rep);
	dump_problems(rep);
	assert_int_equal(rep->rows, 5);
	assert_int_equal(rep->rejected, 2);
	assert_int_equal(rep->imported, 0);
	assert_int_equal(rep->nproblems, 2);
	assert_int_equal(problem_at(rep, 3), 0);
	assert_non_null(strstr(rep->problems[0], "email"));
	assert_int_equal(problem_at(rep, 5), 1);
	assert_non_null(strstr(rep->problems[1], "iban"));
	assert_int_equal(problem_at(rep, 2), -1);
	assert_int_equal(problem_at(rep, 4), -1);
	/* the report names lines and columns, never values */
	assert_int_equal(problem_with(rep, "emil-at"), -1);
	assert_int_equal(problem_with(rep, "DE0037"), -1);
	assert_int_equal(problem_with(rep, "Gina"), -1);
	assert_non_null(strstr(fort_error_message(), "2 of 5"));
	fort_import_report_free(rep);
	assert_int_equal(client_count(v), 3);
	assert_int_equal(find_n(v, "email", "dora@example.com", NULL), 0);
	assert_int_equal(find_n(v, "email", "hans@example.com", NULL), 0);

	/* skip invalid: the good rows go in, the bad ones to the rejects file */
	{
		fort_import_opts o = FORT_IMPORT_OPTS_INIT;
		const char *rej = path_of("rejects.csv");
		struct stat sb;
		size_t len;
		char *text;
		o.skip_invalid = 1;
		o.rejects_path = rej;
		assert_int_equal(fort_client_import(&rep, v, bad, &o), 0);
		assert_int_equal(rep->rows, 5);
		assert_int_equal(rep->imported, 3);
		assert_int_equal(rep->rejected, 2);
		assert_int_equal(rep->nproblems, 2);
		fort_import_report_free(rep);
		assert_int_equal(client_count(v), 6);
		assert_int_equal(find_n(v, "email", "dora@example.com", NULL), 1);
		assert_int_equal(find_n(v, "email", "hans@example.com", NULL), 1);
		assert_int_equal(find_n(v, "full_name", "Gina Eta", NULL), 0);
		assert_int_equal(stat(rej, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
		text = (char *)slurp(rej, &len);
		assert_non_null(strstr(text, "Emil Eps,emil-at-example.com,"));
		assert_non_null(strstr(text, "Gina Eta,gina@example.com,DE00370400440532013000"));
		assert_null(strstr(text, "Dora"));
		assert_null(strstr(text, "Hans"));
		assert_non_null(strstr(text, "email")); /* a header, to fix and re-import */
		free(text);
	}
	expect_verified(v);
	fort_vault_close(v);
}

static void test_duplicates(void **state)
{
	(void)state;
	fort_vault *v = create_vault("dup.fort");
	fort_import_report *rep = NULL;
	char id[FORT_ID_LEN + 1];
	const fort_kv kv[] = { { "full_name", "Old Client" }, { "email", "existing@example.com" } };
	assert_int_equal(fort_client_add(id, v, kv, 2), 0);
	const char *p = write_file("dup.csv",
		"name,email,phone\n"
		"Ann One,dup@example.com,\n"
		"Ann Two,DUP@example.com,\n"
		"Ann Three,Existing@Example.com,\n"
		"Ann Four,four@example.com,030 4444444\n"
		"Ann Five,five@example.com,+49 30 444 4444\n");
	assert_int_equal(fort_client_import(&rep, v, p, NULL), FORT_EINPUT);
	dump_problems(rep);
	assert_int_equal(rep->rows, 5);
	assert_int_equal(rep->duplicates, 3);
	assert_int_equal(rep->rejected, 3);
	assert_int_equal(rep->imported, 0);
	int i3 = problem_at(rep, 3), i4 = problem_at(rep, 4), i6 = problem_at(rep, 6);
	assert_true(i3 >= 0 && i4 >= 0 && i6 >= 0);
	assert_non_null(strstr(rep->problems[i3], "duplicate"));
	assert_non_null(strstr(rep->problems[i4], "duplicate"));
	assert_non_null(strstr(rep->problems[i4], id)); /* names the existing client */
	assert_non_null(strstr(rep->problems[i6], "duplicate"));
	assert_int_equal(problem_at(rep, 2), -1);
	assert_int_equal(problem_at(rep, 5), -1);
	fort_import_report_free(rep);
	assert_int_equal(client_count(v), 1);

	fort_import_opts o = FORT_IMPORT_OPTS_INIT;
	o.skip_invalid = 1;
	assert_int_equal(fort_client_import(&rep, v, p, &o), 0);
	assert_int_equal(rep->imported, 2);
	assert_int_equal(rep->duplicates, 3);
	fort_import_report_free(rep);
	assert_int_equal(client_count(v), 3);
	assert_int_equal(find_n(v, "email", "dup@example.com", NULL), 1);
	assert_int_equal(find_n(v, "email", "existing@example.com", id), 1);

	/* importing the same file again: everything is a duplicate */
	assert_int_equal(fort_client_import(&rep, v, p, &o), 0);
	assert_int_equal(rep->imported, 0);
	assert_int_equal(rep->duplicates, 5);
	fort_import_report_free(rep);
	assert_int_equal(client_count(v), 3);
	expect_verified(v);
	fort_vault_close(v);
}

/* Many entries, some e-mails many times: the deferred index entries are
 * sorted (src/vault/import.c, fort_sort_keyed: buckets by the hashes' first
 * two bytes, small buckets by insertion, a large bucket of one value by qsort)
 * so that each value's entries go in in line order; every duplicate must
 * then name its value's FIRST line.  A value's entries out of order make a
 * later line the holder. */
static void test_duplicates_many(void **state)
{
	(void)state;
	fort_vault *v = create_vault("dupmany.fort");
	fort_import_report *rep = NULL;
	size_t cap = 3000 * 64, o = 0, ndup = 0, first[40] = { 0 }, want_dups = 0;
	char *csv = malloc(cap), want[64];
	assert_non_null(csv);
	o += (size_t)snprintf(csv + o, cap - o, "name,email\n");
	for (size_t i = 0; i < 3000; i++) {
		size_t line = i + 2;
		if (i % 37 == 5) {              /* lines 7, 44, ...: 82 times one e-mail */
			o += (size_t)snprintf(csv + o, cap - o, "Same Name,same@example.com\n");
			ndup++;
		} else if (i % 23 == 3) {       /* 40 e-mails 3 or 4 times each */
			size_t k = (i / 23) % 40;
			o += (size_t)snprintf(csv + o, cap - o, "Three %zu,tri%zu@example.com\n", line, k);
			if (first[k])
				want_dups++;
			else
				first[k] = line;
		} else {
			o += (size_t)snprintf(csv + o, cap - o, "Client %zu,c%zu@example.com\n", line, line);
		}
	}
	const char *p = write_file("dupmany.csv", csv);
	free(csv);
	assert_int_equal(fort_client_import(&rep, v, p, NULL), FORT_EINPUT);
	assert_true(ndup > 48); /* more than fort_sort_keyed sorts by insertion */
	assert_true(want_dups >= 80);
	assert_int_equal(rep->duplicates, ndup - 1 + want_dups);
	for (size_t i = 0; i < 3000; i++) {
		size_t line = i + 2;
		int k = problem_at(rep, line);
		want[0] = '\0';
		if (i % 37 == 5 && i != 5)
			snprintf(want, sizeof want, "the same email as line 7");
		else if (i % 37 != 5 && i % 23 == 3 && first[(i / 23) % 40] != line)
			snprintf(want, sizeof want, "the same email as line %zu", first[(i / 23) % 40]);
		if (!want[0]) {
			assert_int_equal(k, -1);
			continue;
		}
		assert_true(k >= 0);
		if (!strstr(rep->problems[k], want) || strstr(rep->problems[k], want)[strlen(want)] != '\0')
			fail_msg("line %zu: %s (want \"%s\")", line, rep->problems[k], want);
	}
	fort_import_report_free(rep);
	assert_int_equal(client_count(v), 0);

	/* the rest go in: one flush of ~11,700 seals (sorted by
	 * fort_sort_keyed too), every one checked by the audit */
	fort_import_opts io = FORT_IMPORT_OPTS_INIT;
	io.skip_invalid = 1;
	assert_int_equal(fort_client_import(&rep, v, p, &io), 0);
	assert_int_equal(rep->imported, 3000 - (ndup - 1) - want_dups);
	fort_import_report_free(rep);
	assert_int_equal(client_count(v), 3000 - (ndup - 1) - want_dups);
	assert_int_equal(find_n(v, "email", "same@example.com", NULL), 1);
	expect_verified(v);

	/* a value an earlier import's client holds, among more than 64 new
	 * unique entries (the store's one-statement path): named with that
	 * client, nothing imported */
	{
		char held[FORT_ID_LEN + 1], msg[128], *csv2 = malloc(100 * 64);
		size_t o2 = 0, before = client_count(v);
		assert_non_null(csv2);
		assert_int_equal(find_n(v, "email", "c10@example.com", held), 1);
		o2 += (size_t)snprintf(csv2 + o2, 100 * 64 - o2, "name,email\n");
		for (size_t i = 0; i < 98; i++) {
			if (i == 50)
				o2 += (size_t)snprintf(csv2 + o2, 100 * 64 - o2, "Next %zu,c10@example.com\n", i);
			else
				o2 += (size_t)snprintf(csv2 + o2, 100 * 64 - o2, "Next %zu,next%zu@example.com\n", i, i);
		}
		p = write_file("dupheld.csv", csv2);
		free(csv2);
		assert_int_equal(fort_client_import(&rep, v, p, NULL), FORT_EINPUT);
		assert_int_equal(rep->duplicates, 1);
		snprintf(msg, sizeof msg, "line 52, column email: duplicate: client %s already has the same email", held);
		if (rep->nproblems != 1 || strcmp(rep->problems[0], msg) != 0)
			fail_msg("%s (want \"%s\")", rep->nproblems ? rep->problems[0] : "no problem", msg);
		fort_import_report_free(rep);
		assert_int_equal(client_count(v), before);
	}
	fort_vault_close(v);
}

/* The import's index entries go to the store in batches of 1,024, the
 * search entries in (client, value) order as they come (bench/README.md
 * "wt-store"); a batch never splits a client's search entries, so a new
 * client's search group is hashed from all of them (FRESH).  The first
 * record has no IBAN (1 search entry), the others 2 (name and IBAN; the
 * e-mail goes to the unique index): search entries 1,023 and 1,024 are the
 * 513th record's two, where a batch that split clients would cut its group
 * in two, and its seal would then disagree with its rows. */
static void iban_de(char out[23], unsigned n)
{
	char bban[19];
	unsigned mod = 0;
	snprintf(bban, sizeof bban, "370400440%09u", n);
	for (const char *p = bban; *p; p++)
		mod = (mod * 10 + (unsigned)(*p - '0')) % 97;
	mod = (mod * 10000 + 1314) % 97; /* "DE": 13 14 */
	mod = (mod * 100) % 97;           /* check digits 00 */
	snprintf(out, 23, "DE%02u%s", 98 - mod, bban);
}

static void test_batches_keep_clients(void **state)
{
	(void)state;
	fort_vault *v = create_vault("batches.fort");
	fort_import_report *rep = NULL;
	size_t cap = 700 * 96, o = 0;
	char *csv = malloc(cap), iban[23], name[64];
	assert_non_null(csv);
	o += (size_t)snprintf(csv + o, cap - o, "name,email,iban\n");
	for (unsigned i = 0; i < 700; i++) {
		iban_de(iban, i);
		if (i == 0)
			o += (size_t)snprintf(csv + o, cap - o, "Client %u,c%u@example.com,\n", i, i);
		else
			o += (size_t)snprintf(csv + o, cap - o, "Client %u,c%u@example.com,%s\n", i, i, iban);
	}
	const char *p = write_file("batches.csv", csv);
	free(csv);
	assert_int_equal(fort_client_import(&rep, v, p, NULL), 0);
	assert_int_equal(rep->imported, 700);
	fort_import_report_free(rep);
	for (unsigned i = 505; i < 520; i++) {
		char want[FORT_ID_LEN + 1], got[FORT_ID_LEN + 1];
		snprintf(name, sizeof name, "Client %u", i);
		assert_int_equal(find_n(v, "full_name", name, want), 1);
		iban_de(iban, i);
		assert_int_equal(find_n(v, "iban", iban, got), 1);
		assert_string_equal(got, want);
	}
	expect_verified(v);
	fort_vault_close(v);
}

static void test_columns(void **state)
{
	(void)state;
	fort_vault *v = create_vault("cols.fort");
	fort_import_report *rep = NULL;
	fort_import_opts o = FORT_IMPORT_OPTS_INIT;
	const char *p = write_file("cols.csv",
		"name,email,shoe_size\n"
		"Ida Iota,ida@example.com,38\n"
		"Kai Kappa,kai@example.com,44\n");

	/* --strict-columns: an unknown column is refused, named, with what to do */
	o.strict_columns = 1;
	assert_int_equal(fort_client_import(&rep, v, p, &o), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "shoe_size"));
	assert_non_null(strstr(fort_error_message(), "--map"));
	assert_null(strstr(fort_error_message(), "38"));
	fort_import_report_free(rep);
	assert_int_equal(client_count(v), 0);
	o.strict_columns = 0;

	/* by default it is ignored and named once, in the notes */
	assert_int_equal(fort_client_import(&rep, v, p, &o), 0);
	assert_int_equal(rep->imported, 2);
	assert_int_equal(rep->nnotes, 1);
	assert_non_null(strstr(rep->notes[0], "ignored 1 column that matches no field: shoe_size"));
	fort_import_report_free(rep);
	assert_int_equal(client_count(v), 2);
	expect_verified(v);
	fort_vault_close(v);
	v = create_vault("cols2.fort");

	/* ... ignored without a word with COL=- */
	static const char *const ign[] = { "shoe_size=-" };
	o.column_map = ign;
	o.ncolumn_map = 1;
	assert_int_equal(fort_client_import(&rep, v, p, &o), 0);
	assert_int_equal(rep->imported, 2);
	assert_int_equal(rep->nnotes, 0);
	fort_import_report_free(rep);
	assert_int_equal(client_count(v), 2);

	/* columns no alias knows, mapped by hand */
	const char *q = write_file("mapped.csv",
		"Kontakt;Nom;Bemerkung\n"
		"lea@example.com;Lea Lambda;VIP client\n");
	static const char *const map[] = { "Kontakt=email", "Nom=full_name", "Bemerkung=notes" };
	o.column_map = map;
	o.ncolumn_map = 3;
	assert_int_equal(fort_client_import(&rep, v, q, &o), 0);
	dump_problems(rep);
	assert_int_equal(rep->imported, 1);
	fort_import_report_free(rep);
	{
		char id[FORT_ID_LEN + 1];
		static const char *const nt[] = { "notes", "full_name" };
		fort_read_opts ro = FORT_READ_OPTS_INIT;
		fort_record *rec = NULL;
		assert_int_equal(find_n(v, "email", "lea@example.com", id), 1);
		ro.reveal = nt;
		ro.nreveal = 2;
		ro.purpose = "service";
		assert_int_equal(fort_client_get(&rec, v, id, &ro), 0);
		assert_string_equal(fort_record_value(rec, "notes"), "VIP client");
		assert_string_equal(fort_record_value(rec, "full_name"), "Lea Lambda");
		fort_record_free(rec);
	}

	/* an override beats the alias: "email" column ignored */
	const char *r2 = write_file("override.csv", "name,email\nMia Mu,mia@example.com\n");
	static const char *const ovr[] = { "email=-" };
	o.column_map = ovr;
	o.ncolumn_map = 1;
	assert_int_equal(fort_client_import(&rep, v, r2, &o), 0);
	assert_int_equal(rep->imported, 1);
	fort_import_report_free(rep);
	assert_int_equal(find_n(v, "email", "mia@example.com", NULL), 0);
	assert_int_equal(find_n(v, "full_name", "Mia Mu", NULL), 1);

	/* bad maps */
	static const char *const bad1[] = { "Kontakt=shoe_size" };
	static const char *const bad2[] = { "noequals" };
	static const char *const bad3[] = { "=email" };
	o.column_map = bad1;
	rep = (fort_import_report *)1;
	assert_int_equal(fort_client_import(&rep, v, q, &o), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "Kontakt=shoe_size"));
	fort_import_report_free(rep == (fort_import_report *)1 ? NULL : rep);
	o.column_map = bad2;
	rep = NULL;
	assert_int_equal(fort_client_import(&rep, v, q, &o), FORT_EINPUT);
	fort_import_report_free(rep);
	o.column_map = bad3;
	rep = NULL;
	assert_int_equal(fort_client_import(&rep, v, q, &o), FORT_EINPUT);
	fort_import_report_free(rep);
	assert_int_equal(client_count(v), 4);

	/* an empty file, a missing file, a directory, a header only */
	rep = NULL;
	assert_int_equal(fort_client_import(&rep, v, write_file("empty.csv", ""), NULL), FORT_EINPUT);
	fort_import_report_free(rep);
	rep = NULL;
	assert_int_equal(fort_client_import(&rep, v, write_file("header.csv", "name,email\n"), NULL), FORT_EINPUT);
	fort_import_report_free(rep);
	rep = NULL;
	assert_int_equal(fort_client_import(&rep, v, path_of("missing.csv"), NULL), FORT_ENOTFOUND);
	fort_import_report_free(rep);
	rep = NULL;
	assert_int_equal(fort_client_import(&rep, v, dir, NULL), FORT_EINPUT);
	fort_import_report_free(rep);
	/* a row with more cells than the header: reader error, nothing in */
	rep = NULL;
	assert_true(fort_client_import(&rep, v, write_file("wide.csv", "name,email\nNia Nu,nia@example.com\nOla,ola@example.com,extra\n"), NULL) < 0);
	fort_import_report_free(rep);
	assert_int_equal(find_n(v, "email", "nia@example.com", NULL), 0);
	assert_int_equal(client_count(v), 4);
	expect_verified(v);
	fort_vault_close(v);
}

static void test_vcard_json(void **state)
{
	(void)state;
	fort_vault *v = create_vault("vcf.fort");
	fort_import_report *rep = NULL;
	char id[FORT_ID_LEN + 1];
	const char *vcf = write_file("contacts.vcf",
		"BEGIN:VCARD\r\n"
		"VERSION:3.0\r\n"
		"N:Card;Vera;;;\r\n"
		"FN:Vera Card\r\n"
		"EMAIL;TYPE=INTERNET:vera@example.com\r\n"
		"TEL;TYPE=CELL:+49 171 2345678\r\n"
		"NOTE:met at the fair\r\n"
		"END:VCARD\r\n"
		"BEGIN:VCARD\r\n"
		"VERSION:4.0\r\n"
		"FN:Vito Card\r\n"
		"EMAIL:vito@example.com\r\n"
		"END:VCARD\r\n");
	assert_int_equal(fort_client_import(&rep, v, vcf, NULL), 0);
	dump_problems(rep);
	assert_string_equal(rep->format, "vcard");
	assert_int_equal(rep->rows, 2);
	assert_int_equal(rep->imported, 2);
	fort_import_report_free(rep);
	assert_int_equal(find_n(v, "email", "vera@example.com", id), 1);
	assert_int_equal(find_n(v, "phone", "0171 2345678", NULL), 1);
	assert_int_equal(find_n(v, "full_name", "vito card", NULL), 1);
	{
		static const char *const nt[] = { "notes" };
		fort_read_opts ro = FORT_READ_OPTS_INIT;
		fort_record *rec = NULL;
		ro.reveal = nt;
		ro.nreveal = 1;
		ro.purpose = "service";
		assert_int_equal(fort_client_get(&rec, v, id, &ro), 0);
		assert_string_equal(fort_record_value(rec, "notes"), "met at the fair");
		fort_record_free(rec);
	}
	/* a bad card: line named */
	const char *badv = write_file("bad.vcf",
		"BEGIN:VCARD\nVERSION:3.0\nFN:Wim Card\nEMAIL:wim@example.com\nEND:VCARD\n"
		"BEGIN:VCARD\nVERSION:3.0\nFN:Xia Card\nEMAIL:xia(at)example.com\nEND:VCARD\n");
	assert_int_equal(fort_client_import(&rep, v, badv, NULL), FORT_EINPUT);
	dump_problems(rep);
	assert_int_equal(rep->rejected, 1);
	assert_true(problem_at(rep, 6) >= 0);
	fort_import_report_free(rep);
	assert_int_equal(find_n(v, "email", "wim@example.com", NULL), 0);

	/* JSON: an array of objects, and JSON Lines */
	const char *js = write_file("clients.json",
		"[\n"
		"  {\"name\": \"Jay Son\", \"email\": \"jay@example.com\", \"phone\": \"+49 30 9999999\"},\n"
		"  {\"name\": \"Joy Son\", \"email\": \"joy@example.com\", \"notes\": null}\n"
		"]\n");
	assert_int_equal(fort_client_import(&rep, v, js, NULL), 0);
	dump_problems(rep);
	assert_string_equal(rep->format, "json");
	assert_int_equal(rep->imported, 2);
	fort_import_report_free(rep);
	assert_int_equal(find_n(v, "email", "joy@example.com", NULL), 1);
	assert_int_equal(find_n(v, "phone", "030 9999999", NULL), 1);

	const char *jl = write_file("clients.jsonl",
		"{\"full_name\": \"Lou Line\", \"email\": \"lou@example.com\"}\n"
		"{\"full_name\": \"Liv Line\", \"email\": \"liv@example\"}\n"
		"{\"full_name\": \"Lex Line\", \"email\": \"lex@example.com\"}\n");
	assert_int_equal(fort_client_import(&rep, v, jl, NULL), FORT_EINPUT);
	dump_problems(rep);
	assert_int_equal(rep->rejected, 1);
	assert_true(problem_at(rep, 2) >= 0);
	fort_import_report_free(rep);
	assert_int_equal(find_n(v, "email", "lou@example.com", NULL), 0);
	fort_import_opts o = FORT_IMPORT_OPTS_INIT;
	o.skip_invalid = 1;
	assert_int_equal(fort_client_import(&rep, v, jl, &o), 0);
	assert_int_equal(rep->imported, 2);
	fort_import_report_free(rep);
	assert_int_equal(find_n(v, "email", "lex@example.com", NULL), 1);
	/* a forced format that does not fit */
	o.skip_invalid = 0;
	o.format = "xml";
	rep = NULL;
	assert_int_equal(fort_client_import(&rep, v, jl, &o), FORT_EINPUT);
	fort_import_report_free(rep);
	assert_int_equal(client_count(v), 6);
	expect_verified(v);
	fort_vault_close(v);
}

/* --------------------------------------------------------- at-rest canaries */

#define NCANARY 50

/* A German IBAN with valid check digits for account number N. */
static void make_iban(char out[23], unsigned n)
{
	char bban[19], digits[64];
	unsigned rem = 0;
	snprintf(bban, sizeof bban, "37040044%010u", 5320000u + n * 7919u);
	/* BBAN + "DE" (13 14) + "00" */
	snprintf(digits, sizeof digits, "%s131400", bban);
	for (const char *p = digits; *p; p++)
		rem = (rem * 10 + (unsigned)(*p - '0')) % 97;
	snprintf(out, 23, "DE%02u%s", 98 - rem, bban);
}

struct canary {
	char name[48], email[64], phone[32], phone_canon[32], iban[23], notes[64], name_lc[48];
};

static void make_canary(struct canary *c, unsigned i)
{
	snprintf(c->name, sizeof c->name, "Quokkaname%03uzx Wombat", i);
	snprintf(c->name_lc, sizeof c->name_lc, "quokkaname%03uzx", i);
	snprintf(c->email, sizeof c->email, "quokkamail%03uzx@example.com", i);
	snprintf(c->phone, sizeof c->phone, "030 7731%03u", i);
	snprintf(c->phone_canon, sizeof c->phone_canon, "+49307731%03u", i);
	make_iban(c->iban, i);
	snprintf(c->notes, sizeof c->notes, "quokkanote%03uzx secret remark", i);
}

struct files {
	unsigned char *b[3];
	size_t n[3];
};

static void load_files(struct files *f, const char *vault)
{
	char p[600];
	static const char *const suf[3] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", vault, suf[i]);
		f->b[i] = slurp(p, &f->n[i]);
	}
	assert_true(f->n[0] > 0);
}

static void free_files(struct files *f)
{
	for (int i = 0; i < 3; i++)
		free(f->b[i]);
}

/* Which of the files holds NEEDLE: -1 none. */
static int in_files(const struct files *f, const void *needle, size_t len)
{
	for (int i = 0; i < 3; i++)
		if (f->n[i] >= len && memmem(f->b[i], f->n[i], needle, len))
			return i;
	return -1;
}

static void expect_absent(const struct files *f, const char *what, const void *needle, size_t len)
{
	int i = in_files(f, needle, len);
	if (i >= 0)
		fail_msg("%s found in the vault file%s", what, i == 0 ? "" : i == 1 ? "'s -wal" : "'s -shm");
}

static void expect_no_canary(const struct files *f, const struct canary *c)
{
	expect_absent(f, c->name, c->name, strlen(c->name));
	expect_absent(f, c->name_lc, c->name_lc, strlen(c->name_lc));
	expect_absent(f, c->email, c->email, strlen(c->email));
	expect_absent(f, c->email, c->email, 14);   /* "quokkamailNNNz" */
	expect_absent(f, c->phone, c->phone, strlen(c->phone));
	expect_absent(f, c->phone_canon, c->phone_canon, strlen(c->phone_canon));
	expect_absent(f, c->iban, c->iban, strlen(c->iban));
	expect_absent(f, c->iban, c->iban + 4, 18);  /* the BBAN */
	expect_absent(f, c->notes, c->notes, strlen(c->notes));
}

struct blobs {
	unsigned char *wrapped, *data, *bidx;
	size_t nw, nd, nb;
};

static void read_blobs(struct blobs *b, const char *path, const char *id)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	int64_t cid = (int64_t)strtoull(id + 2, NULL, 16);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT wrapped, data, (SELECT group_concat(h, '') FROM"
					    " (SELECT h FROM blind WHERE client = ?1 UNION ALL SELECT h FROM uniq WHERE client = ?1))"
					    " FROM clients WHERE id = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, cid);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	b->nw = (size_t)sqlite3_column_bytes(st, 0);
	b->nd = (size_t)sqlite3_column_bytes(st, 1);
	b->nb = (size_t)sqlite3_column_bytes(st, 2);
	b->wrapped = malloc(b->nw + 1);
	b->data = malloc(b->nd + 1);
	b->bidx = malloc(b->nb + 1);
	memcpy(b->wrapped, sqlite3_column_blob(st, 0), b->nw);
	memcpy(b->data, sqlite3_column_blob(st, 1), b->nd);
	if (b->nb)
		memcpy(b->bidx, sqlite3_column_blob(st, 2), b->nb);
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(b->nw, 72);
	assert_true(b->nd > 100);
	assert_true(b->nb >= 4 * 16); /* name, email, phone, iban */
}

static void free_blobs(struct blobs *b)
{
	free(b->wrapped);
	free(b->data);
	free(b->bidx);
}

/* The pipeline's failure paths: a malformed record deep in a large file
 * (the reader stops while the other stages are busy), and allocation
 * failures anywhere in it: an error, nothing imported, no crash or leak. */
/* Issue 16 item 5: the importers' common column names and vCard properties,
 * and the vCard export, find the name, e-mail, phone and date of birth by
 * the field's type, so a map whose fields are renamed still works. */
static fort_vault *renamed_vault(const char *file)
{
	fort_vault *v = create_vault(file);
	char *json = NULL;
	static const char *const from[][2] = { { "\"full_name\"", "\"client_name\"" }, { "\"email\"", "\"contact_mail\"" },
					       { "\"phone\"", "\"tel_no\"" }, { "\"date_of_birth\"", "\"born\"" } };
	assert_int_equal(fort_map_export(&json, v), 0);
	for (size_t k = 0; k < sizeof from / sizeof from[0]; k++) {
		char *p = strstr(json, from[k][0]), *n;
		assert_non_null(p);
		n = malloc(strlen(json) + 32);
		memcpy(n, json, (size_t)(p - json));
		strcpy(n + (p - json), from[k][1]);
		strcat(n, p + strlen(from[k][0]));
		free(json);
		json = n;
	}
	if (fort_map_import(v, json, strlen(json)) != 0)
		fail_msg("map import: %s", fort_error_message());
	free(json);
	return v;
}

static void test_renamed_fields(void **state)
{
	(void)state;
	fort_vault *v = renamed_vault("renamed.fort"), *w;
	fort_import_report *rep = NULL;
	char id[FORT_ID_LEN + 1];
	const char *csv = write_file("renamed.csv",
		"Name,E-mail,Phone,Birthday\n"
		"Rita Renamed,rita@example.com,+49 171 2345678,1985-07-14\n");
	const char *parts = write_file("renamed-parts.csv", "First Name,Last Name,Email Address\nRolf,Parts,rolf@example.com\n");
	const char *vcf = path_of("renamed-out.vcf");
	fort_export_opts eo = FORT_EXPORT_OPTS_INIT;
	unsigned char *out;
	size_t len;
	uint64_t count = 0;
	FILE *f;

	assert_int_equal(fort_client_import(&rep, v, csv, NULL), 0);
	dump_problems(rep);
	assert_int_equal(rep->imported, 1);
	assert_int_equal(rep->nproblems, 0);
	fort_import_report_free(rep);
	assert_int_equal(find_n(v, "contact_mail", "rita@example.com", id), 1);
	assert_int_equal(find_n(v, "tel_no", "+491712345678", NULL), 1);
	assert_int_equal(find_n(v, "client_name", "rita renamed", NULL), 1);
	{
		static const char *const born[] = { "born" };
		fort_read_opts ro = FORT_READ_OPTS_INIT;
		fort_record *rec = NULL;
		ro.reveal = born;
		ro.nreveal = 1;
		ro.purpose = "identity_verification";
		assert_int_equal(fort_client_get(&rec, v, id, &ro), 0);
		assert_string_equal(fort_record_value(rec, "born"), "1985-07-14");
		fort_record_free(rec);
	}
	/* first and last name joined into the name-typed field */
	assert_int_equal(fort_client_import(&rep, v, parts, NULL), 0);
	assert_int_equal(rep->imported, 1);
	fort_import_report_free(rep);
	assert_int_equal(find_n(v, "client_name", "rolf parts", NULL), 1);

	/* the vCard export writes them as FN, EMAIL and TEL, not X-FORTRESS-... */
	eo.purpose = "service";
	eo.format = "vcard";
	f = fopen(vcf, "wb");
	assert_non_null(f);
	assert_int_equal(fort_client_export(&count, v, f, &eo), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(count, 2);
	out = slurp(vcf, &len);
	assert_non_null(strstr((char *)out, "FN:Rita Renamed\r\n"));
	assert_non_null(strstr((char *)out, "EMAIL:rita@example.com\r\n"));
	assert_non_null(strstr((char *)out, "TEL;VALUE=uri:tel:+491712345678\r\n"));
	assert_null(strstr((char *)out, "X-FORTRESS-CLIENT-NAME"));
	assert_null(strstr((char *)out, "X-FORTRESS-CONTACT-MAIL"));
	assert_null(strstr((char *)out, "X-FORTRESS-TEL-NO"));
	free(out);
	/* ... and another renamed vault reads them back into its own fields */
	w = renamed_vault("renamed2.fort");
	assert_int_equal(fort_client_import(&rep, w, vcf, NULL), 0);
	dump_problems(rep);
	assert_int_equal(rep->imported, 2);
	fort_import_report_free(rep);
	assert_int_equal(find_n(w, "contact_mail", "rita@example.com", NULL), 1);
	assert_int_equal(find_n(w, "client_name", "rita renamed", NULL), 1);
	assert_int_equal(find_n(w, "tel_no", "+491712345678", NULL), 1);
	fort_vault_close(w);
	fort_vault_close(v);
}

static void test_pipeline_failures(void **state)
{
	(void)state;
	fort_vault *v = create_vault("pipeline.fort");
	fort_import_report *rep = NULL;
	const char *big = path_of("big.csv");
	FILE *f = fopen(big, "w");
	int r;
	assert_non_null(f);
	fputs("full_name,email,phone\n", f);
	for (unsigned i = 0; i < 20000; i++) {
		if (i == 15000)
			fputs("\"Broken \"quote,broken@example.com,\n", f); /* line 15002 */
		fprintf(f, "Person %u,person%u@example.com,+49 30 %07u\n", i, i, 2000000 + i);
	}
	assert_int_equal(fclose(f), 0);
	r = fort_client_import(&rep, v, big, NULL);
	assert_int_equal(r, FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "line 15002"));
	assert_int_equal(client_count(v), 0);
	fort_import_report_free(rep);
	expect_verified(v);

	/* every allocation of a small import may fail: never a crash, and the
	 * vault holds either all of the file or none of it */
	const char *small = write_file("small.csv",
		"full_name,email\nAda One,ada1@example.com\nBea Two,bea2@example.com\nCid Three,cid3@example.com\n");
	uint64_t before = client_count(v);
	int ok = 0;
	for (unsigned long n = 1; n <= 400; n++) {
		rep = NULL;
		fort_alloc_fail_at(n);
		r = fort_client_import(&rep, v, small, NULL);
		fort_alloc_fail_at(0);
		fort_import_report_free(rep);
		if (r == 0) {
			ok++;
			assert_int_equal(client_count(v), before + 3);
			break;
		}
		assert_int_equal(client_count(v), before);
	}
	assert_int_equal(ok, 1); /* with enough allocations it succeeds */
	expect_verified(v);
	fort_vault_close(v);
}

static void test_at_rest_canaries(void **state)
{
	(void)state;
	SQLITE_ONLY("scans the vault file and its WAL for the imported values (PostgreSQL's data directory: e2e t4090)");
	fort_vault *v = create_vault("canary.fort");
	const char *vp = vault_at("canary.fort");
	fort_import_report *rep = NULL;
	struct canary c[NCANARY];
	struct files f;
	char victim[FORT_ID_LEN + 1], other[FORT_ID_LEN + 1];
	FILE *csv;
	const char *cp = path_of("canary.csv");

	csv = fopen(cp, "wb");
	assert_non_null(csv);
	fputs("name,email,phone,iban,notes\n", csv);
	for (unsigned i = 0; i < NCANARY; i++) {
		make_canary(&c[i], i);
		fprintf(csv, "%s,%s,%s,%s,%s\n", c[i].name, c[i].email, c[i].phone, c[i].iban, c[i].notes);
	}
	assert_int_equal(fclose(csv), 0);
	assert_int_equal(fort_client_import(&rep, v, cp, NULL), 0);
	dump_problems(rep);
	assert_int_equal(rep->imported, NCANARY);
	fort_import_report_free(rep);
	assert_int_equal(find_n(v, "email", c[7].email, victim), 1);
	assert_int_equal(find_n(v, "iban", c[7].iban, NULL), 1);
	assert_int_equal(find_n(v, "email", c[8].email, other), 1);
	{
		/* values went in whole */
		static const char *const all[] = { "all" };
		fort_read_opts o = FORT_READ_OPTS_INIT;
		fort_record *rec = NULL;
		o.reveal = all;
		o.nreveal = 1;
		o.purpose = "billing";
		assert_int_equal(fort_client_get(&rec, v, victim, &o), 0);
		assert_string_equal(fort_record_value(rec, "iban"), c[7].iban);
		assert_string_equal(fort_record_value(rec, "full_name"), c[7].name);
		fort_record_free(rec);
	}
	fort_vault_close(v);

	/* no canary anywhere at rest */
	load_files(&f, vp);
	assert_true(in_files(&f, "Orbit Bakery", 12) >= 0); /* the search itself works */
	for (unsigned i = 0; i < NCANARY; i++)
		expect_no_canary(&f, &c[i]);
	free_files(&f);

	/* erase one client: its key, ciphertexts and index entries leave the files */
	struct blobs vb, ob;
	read_blobs(&vb, vp, victim);
	read_blobs(&ob, vp, other);
	load_files(&f, vp);
	assert_true(in_files(&f, vb.wrapped, vb.nw) >= 0);
	assert_true(in_files(&f, vb.data, vb.nd) >= 0);
	free_files(&f);

	v = open_vault(vp, PASS);
	assert_int_equal(fort_client_erase(v, victim, "erasure request"), 0);
	assert_int_equal(find_n(v, "email", c[7].email, NULL), 0);
	fort_vault_close(v);

	load_files(&f, vp);
	expect_absent(&f, "the erased client's wrapped key", vb.wrapped, vb.nw);
	expect_absent(&f, "the erased client's wrapped key (nonce)", vb.wrapped, 24);
	expect_absent(&f, "the erased client's wrapped key (ciphertext)", vb.wrapped + 24, 48);
	expect_absent(&f, "the erased client's record", vb.data, vb.nd);
	for (size_t off = 0; off + 24 <= vb.nd; off += 12) {
		char what[96];
		snprintf(what, sizeof what, "24 bytes at offset %zu of the erased client's record", off);
		expect_absent(&f, what, vb.data + off, 24);
	}
	for (size_t off = 0; off + 16 <= vb.nb; off += 16) {
		char what[96];
		snprintf(what, sizeof what, "blind index entry %zu of the erased client", off / 16);
		expect_absent(&f, what, vb.bidx + off, 16);
	}
	expect_no_canary(&f, &c[7]);
	/* the others are still there (so the search would have seen them) */
	assert_true(in_files(&f, ob.wrapped, ob.nw) >= 0);
	assert_true(in_files(&f, ob.data, ob.nd) >= 0);
	assert_true(in_files(&f, ob.bidx, 16) >= 0);
	free_files(&f);
	free_blobs(&vb);
	free_blobs(&ob);

	v = open_vault(vp, PASS);
	assert_int_equal(client_count(v), NCANARY - 1);
	assert_int_equal(fort_client_is_erased(v, victim), 1);
	assert_int_equal(find_n(v, "email", c[8].email, NULL), 1);
	expect_verified(v);
	fort_vault_close(v);
}

/* ------------------------------------- two imports side by side (issue 19) */

/* N clients "PFX I" with e-mail and phone from FIRST on; NAME_ONLY: a
 * client with a name and an address only, as line 2 */
static const char *write_many(const char *name, const char *pfx, unsigned n, unsigned first, int name_only)
{
	const char *p = path_of(name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("full_name,email,phone,postal_address\n", f);
	if (name_only)
		fputs("Zed Same,,,1 Mill Road Springfield\n", f);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s %u,%s%u@example.com,+49 30 %07u,\n", pfx, i, pfx, i, first + i);
	assert_int_equal(fclose(f), 0);
	return p;
}

/* The held importer: at its first progress report (1,024 records stored,
 * not committed) it says so and waits to be let go. */
struct hold {
	int said, told, held;
};

static void hold_cb(void *ctx, uint64_t done, uint64_t total, uint64_t rows)
{
	struct hold *h = ctx;
	char c = 'h';
	(void)done;
	(void)total;
	if (h->held || rows < 1024)
		return;
	h->held = 1;
	if (write(h->said, &c, 1) != 1 || read(h->told, &c, 1) != 1)
		_exit(3);
}

/* FILE imported by another process (its own handle and connection on URL),
 * held after 1,024 records until release(); its result comes back by
 * held_result() */
struct held {
	pid_t pid;
	int said, told, res;
};

static struct held import_held(const char *url, const char *file)
{
	int a[2], b[2], c[2];
	struct held h;
	char ch;
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	assert_int_equal(pipe(c), 0);
	fflush(NULL);
	h.pid = fork();
	assert_true(h.pid >= 0);
	if (h.pid == 0) {
		/* the child: no cmocka, its answer by the pipe, _exit (the
		 * parent's handle and atexit are not its own) */
		fort_secret *pass = NULL;
		fort_vault *v = NULL;
		fort_import_opts o = FORT_IMPORT_OPTS_INIT;
		fort_import_report *rep = NULL;
		struct hold hd = { a[1], b[0], 0 };
		char out[1100];
		int r;
		/* the parent's ends closed: a parent that fails and exits ends
		 * the wait in hold_cb (end of file), and never later than this */
		close(a[0]);
		close(b[1]);
		close(c[0]);
		alarm(300);
		if (fort_secret_new(&pass, PASS, strlen(PASS)) < 0 || fort_vault_open(&v, url, "alice", pass) < 0)
			_exit(4);
		o.progress = hold_cb;
		o.progress_ctx = &hd;
		r = fort_client_import(&rep, v, file, &o);
		snprintf(out, sizeof out, "%d %s", r, r < 0 ? fort_error_message() : "");
		if (!hd.held && write(a[1], "n", 1) != 1)
			_exit(5);
		if (write(c[1], out, strlen(out) + 1) < 0)
			_exit(6);
		fort_import_report_free(rep);
		_exit(0);
	}
	close(a[1]);
	close(b[0]);
	close(c[1]);
	h.said = a[0];
	h.told = b[1];
	h.res = c[0];
	assert_int_equal(read(h.said, &ch, 1), 1);
	assert_int_equal(ch, 'h'); /* held, its rows written and not committed */
	return h;
}

/* let it go; its fort_client_import's code, the message in MSG */
static int held_result(struct held *h, char *msg, size_t cap)
{
	char buf[1100] = "";
	ssize_t n, got = 0;
	int st = 0;
	assert_int_equal(write(h->told, "g", 1), 1);
	while ((n = read(h->res, buf + got, sizeof buf - 1 - (size_t)got)) > 0)
		got += n;
	buf[got] = '\0';
	assert_int_equal(waitpid(h->pid, &st, 0), h->pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	close(h->said);
	close(h->told);
	close(h->res);
	snprintf(msg, cap, "%s", strchr(buf, ' ') ? strchr(buf, ' ') + 1 : "");
	return atoi(buf);
}

/* On PostgreSQL an import takes the writers' lock only for its seals and
 * its audit entry: another process's import runs whole while the first is
 * held with 1,024 of its records written (with the lock from the start it
 * would wait lock_timeout and fail "busy"), the ids of the two do not
 * clash (both began above the same largest id), both land whole and the
 * chain verifies.  A record let in by name and address alone that the
 * other import added meanwhile is caught under the lock: the held import
 * is refused whole (busy), and its next try reports the duplicate. */
static void test_side_by_side(void **state)
{
	(void)state;
	if (!test_store_pg()) {
		print_message("[  SKIP    ] PostgreSQL only: a SQLite writer holds the file's lock from its BEGIN\n");
		skip();
	}
	fort_vault *v = create_vault("side.fort");
	const char *url = vault_at("side.fort");
	fort_import_report *rep = NULL;
	struct held h;
	char msg[1100];
	int r;

	/* the largest id is a recent one: both imports continue above it */
	assert_int_equal(fort_client_import(&rep, v, write_many("first.csv", "first", 10, 1000000, 0), NULL), 0);
	fort_import_report_free(rep);
	const char *a = write_many("a.csv", "alpha", 3000, 2000000, 0), *b = write_many("b.csv", "beta", 1500, 3000000, 0);

	h = import_held(url, a);
	r = fort_client_import(&rep, v, b, NULL);
	if (r != 0)
		fail_msg("the import beside a held one: %d %s", r, fort_error_message());
	assert_int_equal(rep->imported, 1500);
	fort_import_report_free(rep);
	rep = NULL;
	r = held_result(&h, msg, sizeof msg);
	if (r != 0)
		fail_msg("the held import: %d %s", r, msg);
	assert_int_equal(client_count(v), 10 + 3000 + 1500);
	assert_int_equal(fx_pg_int(url, "SELECT count(DISTINCT id) FROM clients"), 4510);
	assert_int_equal(find_n(v, "email", "alpha2999@example.com", NULL), 1);
	assert_int_equal(find_n(v, "email", "beta0@example.com", NULL), 1);
	/* one import entry each, in the chain's one order */
	assert_int_equal(fx_pg_int(url, "SELECT count(*) FROM audit WHERE action = 'import'"), 3);
	expect_verified(v);

	/* the same name and address in both, no e-mail or phone: the held
	 * one finds the other's under the lock */
	const char *a2 = write_many("a2.csv", "gamma", 1500, 4000000, 1), *b2 = write_many("b2.csv", "delta", 20, 5000000, 1);
	h = import_held(url, a2);
	assert_int_equal(fort_client_import(&rep, v, b2, NULL), 0);
	fort_import_report_free(rep);
	rep = NULL;
	r = held_result(&h, msg, sizeof msg);
	assert_int_equal(r, FORT_EBUSY);
	if (!strstr(msg, "line 2: duplicate") || !strstr(msg, "added by another process"))
		fail_msg("the held import's refusal: %s", msg);
	assert_int_equal(client_count(v), 4510 + 21);
	assert_int_equal(find_n(v, "email", "gamma0@example.com", NULL), 0);
	expect_verified(v);
	/* tried again, alone: the duplicate is the file's problem now */
	assert_int_equal(fort_client_import(&rep, v, a2, NULL), FORT_EINPUT);
	assert_true(rep->duplicates == 1);
	fort_import_report_free(rep);
	rep = NULL;
	assert_int_equal(client_count(v), 4531);

	/* a key rotation meanwhile: the held import sealed under the old
	 * version, and is refused under the lock */
	const char *a3 = write_many("a3.csv", "eps", 1500, 6000000, 0);
	const char *vk[] = { "contact" };
	fort_rotate_report rr;
	h = import_held(url, a3);
	assert_int_equal(fort_keys_rotate(&rr, v, vk, 1, NULL), 0);
	r = held_result(&h, msg, sizeof msg);
	assert_int_equal(r, FORT_EBUSY);
	if (!strstr(msg, "rotated"))
		fail_msg("the held import's refusal: %s", msg);
	assert_int_equal(client_count(v), 4531);

	/* a field added to the data map meanwhile: refused the same way */
	fort_field_spec fs = FORT_FIELD_SPEC_INIT;
	const char *svc[] = { "service" };
	fs.name = "loyalty_no";
	fs.type = "text";
	fs.category = "identity";
	fs.purposes = svc;
	fs.npurposes = 1;
	h = import_held(url, a3);
	assert_int_equal(fort_map_field_add(v, &fs), 0);
	r = held_result(&h, msg, sizeof msg);
	assert_int_equal(r, FORT_EBUSY);
	if (!strstr(msg, "data map"))
		fail_msg("the held import's refusal: %s", msg);
	assert_int_equal(client_count(v), 4531);
	expect_verified(v);
	/* alone, it lands */
	assert_int_equal(fort_client_import(&rep, v, a3, NULL), 0);
	fort_import_report_free(rep);
	assert_int_equal(client_count(v), 4531 + 1500);
	expect_verified(v);
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_import_entry),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_duplicates_many),
		cmocka_unit_test(test_batches_keep_clients),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_vcard_json),
		cmocka_unit_test(test_renamed_fields),
		cmocka_unit_test(test_pipeline_failures),
		cmocka_unit_test(test_at_rest_canaries),
		cmocka_unit_test(test_side_by_side),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
