/* test_access.c - the access package: for a client seeded across records,
 * consents, requests and the audit log, every Art. 15 item is in the
 * letter (checked against a list), all of the client's data is in it, none
 * of 1,000 other clients' data is, the manifest's checksums match, CCPA
 * masks account numbers, a refused package leaves nothing, and the same
 * package as a zip in memory (fort_request_fulfil_zip, the web app's download)
 * holds the same files with matching checksums and writes nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <unistd.h>
#include <sodium.h>
#include <archive.h>
#include <archive_entry.h>
#include "fortress.h"

#define FIXTURE_DIR "/tmp/fort-test-access-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

#define OTHERS 1000

static char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	char *buf;
	long n;
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

/* the text of the PDF at P, as pdftotext reads it (layout kept, so table
 * rows stay on one line) */
static char *pdf_text(const char *p)
{
	char cmd[700], *out = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int ch;
	snprintf(cmd, sizeof cmd, "pdftotext -layout -enc UTF-8 '%s' - 2>/dev/null", p);
	assert_non_null(f = popen(cmd, "r"));
	while ((ch = fgetc(f)) != EOF) {
		if (len + 2 > cap) {
			cap = cap ? 2 * cap : 65536;
			assert_non_null(out = realloc(out, cap));
		}
		out[len++] = (char)ch;
	}
	assert_int_equal(pclose(f), 0);
	assert_true(len > 100);
	out[len] = '\0';
	return out;
}

static const struct { const char *field, *value; } jane[] = {
	{ "full_name", "Jane Q. Doe" }, { "email", "jane.doe@example.org" }, { "phone", "+49 30 1234567" },
	{ "postal_address", "Musterstrasse 1, 10115 Berlin" }, { "company", "Doe Consulting" },
	{ "date_of_birth", "1980-02-29" }, { "tax_id", "DE123456789" }, { "iban", "DE89370400440532013000" },
	{ "notes", "prefers e-mail; allergic to cats" },
};
#define NJ (sizeof jane / sizeof jane[0])

static void test_access_package(void **state)
{
	fort_vault *v = create_vault("access.db");
	fort_kv kv[NJ];
	char id[FORT_ID_LEN + 1];
	int64_t req = 0;
	fort_access_report rep;
	(void)state;
	/* 1,000 other clients */
	{
		FILE *f = fopen(path_of("others.csv"), "w");
		fort_import_report *ir = NULL;
		fprintf(f, "full_name,email,phone\n");
		for (int i = 0; i < OTHERS; i++)
			fprintf(f, "Other Person %d,other%d@example.net,+49 30 9%06d\n", i, i, i);
		fclose(f);
		assert_int_equal(fort_client_import(&ir, v, path_of("others.csv"), NULL), 0);
		fort_import_report_free(ir);
	}
	for (size_t i = 0; i < NJ; i++) {
		kv[i].field = jane[i].field;
		kv[i].value = jane[i].value;
	}
	assert_int_equal(fort_client_add(id, v, kv, NJ), 0);
	/* a recipient, a consent, some reads: the letter must show them */
	assert_int_equal(fort_map_recipient_set(v, "mailhost", "processor", "DE", NULL, "e-mail hosting", 1), 0);
	{
		fort_activity_spec s = FORT_ACTIVITY_SPEC_INIT;
		const char *rec[] = { "mailhost" };
		s.purpose = "correspondence";
		s.recipients = rec;
		s.nrecipients = 1;
		assert_int_equal(fort_map_activity_set(v, &s, 0), 0);
	}
	spit(path_of("notice.txt"), "Newsletter notice v1\n", 21);
	{
		fort_consent_opts o = FORT_CONSENT_OPTS_INIT;
		fort_read_opts ro = FORT_READ_OPTS_INIT;
		const char *rv[] = { "iban" };
		fort_record *rec = NULL;
		o.channel = "web";
		o.notice_path = path_of("notice.txt");
		assert_int_equal(fort_consent_record(v, id, "marketing", "grant", &o), 0);
		ro.reveal = rv;
		ro.nreveal = 1;
		ro.purpose = "billing";
		assert_int_equal(fort_client_get(&rec, v, id, &ro), 0);
		fort_record_free(rec);
	}
	{
		/* an export that held her IBAN (issue 12 item 4): in the history,
		 * with the file it went to and its purpose */
		fort_export_opts eo = FORT_EXPORT_OPTS_INIT;
		const char *ef[] = { "iban" };
		uint64_t n = 0;
		FILE *f = fopen(path_of("billing-export.csv"), "w");
		eo.purpose = "billing";
		eo.format = "csv";
		eo.fields = ef;
		eo.nfields = 1;
		eo.destination = path_of("billing-export.csv");
		assert_int_equal(fort_client_export(&n, v, f, &eo), 0);
		fclose(f);
	}
	/* an earlier access package (issue 12 item 4: a copy sent is a
	 * disclosure of her data, so the next package lists it) */
	{
		int64_t early = 0;
		assert_int_equal(fort_request_open(&early, v, "access", id, "2026-11-01", NULL), 0);
		assert_int_equal(fort_request_fulfil(&rep, v, early, path_of("pkg-early")), 0);
	}
	/* an attachment that names her, opened (decrypted to a file) */
	{
		fort_attachment_opts ao = FORT_ATTACHMENT_OPTS_INIT;
		const char *cl[] = { id };
		int64_t aid = 0;
		spit(path_of("contract.txt"), "signed contract, Jane Q. Doe\n", 29);
		ao.clients = cl;
		ao.nclients = 1;
		assert_int_equal(fort_attachment_add(&aid, v, path_of("contract.txt"), &ao), 0);
		assert_int_equal(fort_attachment_get(v, aid, path_of("contract-opened.txt")), 0);
	}
	assert_int_equal(fort_request_open(&req, v, "access", id, "2026-11-02", NULL), 0);
	/* a folder that exists is refused; a non-access request is refused */
	{
		int64_t er = 0;
		assert_int_equal(fort_request_fulfil(&rep, v, req, dir), FORT_EEXISTS);
		assert_int_equal(fort_request_open(&er, v, "erasure", id, "2026-11-02", NULL), 0);
		assert_int_equal(fort_request_fulfil(&rep, v, er, path_of("nope")), FORT_EINPUT);
	}
	{
		fort_business_spec b = FORT_BUSINESS_SPEC_INIT;
		b.state = "DE-BY";
		b.email = "privacy@orbit.example";
		b.phone = "+49 981 555 0100";
		assert_int_equal(fort_business_set(v, &b), 0);
	}
	/* a breach notice written to her: it decrypted her name and address
	 * (the incident touched financial data: hers alone) */
	{
		int64_t inc = 0;
		size_t nl = 0;
		fort_incident_scope sc = FORT_INCIDENT_SCOPE_INIT;
		fort_incident_assessment a = FORT_INCIDENT_ASSESSMENT_INIT;
		fort_letter_opts lo = FORT_LETTER_OPTS_INIT;
		assert_int_equal(fort_incident_open(&inc, v, "billing laptop stolen", "other", NULL, "2026-11-15T10:00:00Z"), 0);
		sc.category = "financial";
		assert_int_equal(fort_incident_scope_add(v, inc, &sc), 0);
		a.contact = "Sam, +49 981 555 0100, privacy@orbit.example";
		assert_int_equal(fort_incident_assess(v, inc, &a), 0);
		assert_int_equal(fort_incident_log(v, inc, "fact", "a laptop with a billing export was stolen", NULL), 0);
		assert_int_equal(fort_incident_log(v, inc, "effect", "IBANs may be misused", NULL), 0);
		assert_int_equal(fort_incident_log(v, inc, "remedy", "the laptop was wiped remotely", NULL), 0);
		lo.clients_only = 1;
		assert_int_equal(fort_incident_letters_write(&nl, v, inc, &lo, path_of("breach-letters"), NULL), 0);
		assert_int_equal(nl, 1);
	}
	assert_int_equal(fort_request_fulfil(&rep, v, req, path_of("pkg")), 0);
	assert_int_equal(rep.fields, NJ);
	assert_true(rep.history >= 2);

	/* every Art. 15 item, by the list */
	{
		static const char *const items[] = {
			"Art. 15(1)(a)", "Art. 15(1)(b)", "Art. 15(1)(c)", "Art. 15(1)(d)", "Art. 15(1)(e)", "Art. 15(1)(f)",
			"Art. 15(1)(g)", "Art. 15(1)(h)", "Art. 15(2)", "access history",
			"rectification", "erase", "restrict", "object", "lodge a complaint", "Bayerisches Landesamt",
			"privacy@orbit.example", "+49 981 555 0100",
			"legal basis: our contract with you (Art. 6(1)(b))", "mailhost", "10 years after the end of the contract", "no automated decisions",
			"marketing",  /* consented: a purpose the data serves */
			"| reveal | iban | billing |",
		};
		char *md = slurp(path_of("pkg/letter.md"), NULL), *html = slurp(path_of("pkg/letter.html"), NULL);
		char *pdf = pdf_text(path_of("pkg/letter.pdf"));
		for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
			if (!strstr(md, items[i]))
				fail_msg("letter.md lacks '%s'", items[i]);
			/* the PDF (read back with pdftotext) says the same; a table row is
			 * printed without its outer bars */
			{
				char want[200];
				size_t n = strlen(items[i]);
				if (n > 4 && !strncmp(items[i], "| ", 2))
					snprintf(want, sizeof want, "%.*s", (int)(n - 4), items[i] + 2);
				else
					snprintf(want, sizeof want, "%s", items[i]);
				if (!strstr(pdf, want))
					fail_msg("letter.pdf lacks '%s'", want);
			}
		}
		assert_null(strstr(pdf, "Other Person"));
		assert_null(strstr(md, "Bundesbeauftragte"));   /* BfDI: federal bodies, not this business */
		assert_null(strstr(md, "legal_obligation"));    /* plain words, not identifiers */
		{
			/* the export, its file and purpose; the role, not the person */
			char want[700];
			snprintf(want, sizeof want, "| owner | export to %s (csv) | iban | billing |", path_of("billing-export.csv"));
			if (!strstr(md, want))
				fail_msg("letter.md lacks '%s'", want);
			assert_null(strstr(md, "| alice |"));
		}
		{
			/* issue 12 item 4: the breach notice that decrypted her name
			 * and e-mail, the earlier access package, the attachment
			 * opened: each with its purpose, by role */
			static const char *const rows[] = {
				"| owner | breach notice | full_name,email | breach-notice |",
				"| owner | copy of your data (access package) | all | answering your access request |",
				"| owner | attachment opened | - | ",
			};
			for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
				if (!strstr(md, rows[i]))
					fail_msg("letter.md's access history lacks '%s'", rows[i]);
			assert_non_null(strstr(html, "<td>breach notice</td>"));
			assert_non_null(strstr(html, "<td>attachment opened</td>"));
		}
		free(pdf);
		assert_non_null(strstr(html, "<h2>1. The purposes of the processing (Art. 15(1)(a))"));
		assert_non_null(strstr(html, "<table"));
		/* items in a list, bold as <strong>: its own converter wrote bare
		 * <li> and left the ** markers in (issue 16) */
		assert_non_null(strstr(html, "<ul>\n<li><strong>"));
		assert_null(strstr(html, "**"));
		free(md);
		free(html);
	}
	/* 100 % of her data, in JSON and CSV; none of the others' */
	{
		static const char *const files[] = { "pkg/data.json", "pkg/data.csv", "pkg/letter.md", "pkg/letter.html", "pkg/manifest.json" };
		char *json = slurp(path_of("pkg/data.json"), NULL), *csv = slurp(path_of("pkg/data.csv"), NULL);
		json_t *d = json_loads(json, 0, NULL), *fs = json_object_get(d, "fields");
		assert_int_equal(json_array_size(fs), NJ);
		for (size_t i = 0; i < NJ; i++) {
			char *canon = NULL;
			assert_int_equal(fort_field_normalise(&canon, v, jane[i].field, jane[i].value), 0);
			if (!strstr(json, canon) || !strstr(csv, canon))
				fail_msg("%s (%s) missing from the package", jane[i].field, canon);
			free(canon);
		}
		assert_int_equal(json_array_size(json_object_get(d, "consents")), 1);
		/* her requests: the earlier access request, this one and the
		 * erasure request opened above */
		{
			json_t *rq = json_object_get(d, "requests"), *x;
			size_t k, kinds = 0;
			assert_int_equal(json_array_size(rq), 3);
			json_array_foreach(rq, k, x) {
				const char *recv = json_string_value(json_object_get(x, "received"));
				kinds |= strcmp(json_string_value(json_object_get(x, "kind")), "access") == 0 ? 1 : 0;
				kinds |= strcmp(json_string_value(json_object_get(x, "kind")), "erasure") == 0 ? 2 : 0;
				assert_true(strcmp(recv, "2026-11-02") == 0 || strcmp(recv, "2026-11-01") == 0);
			}
			assert_int_equal(kinds, 3);
		}
		json_decref(d);
		free(json);
		free(csv);
		for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
			char *all = slurp(path_of(files[k]), NULL);
			if (strstr(all, "other") && strstr(all, "example.net"))
				fail_msg("%s holds another client's data", files[k]);
			if (strstr(all, "Other Person"))
				fail_msg("%s holds another client's name", files[k]);
			free(all);
		}
	}
	/* the manifest's checksums match the files */
	{
		char *m = slurp(path_of("pkg/manifest.json"), NULL);
		json_t *j = json_loads(m, 0, NULL), *files = json_object_get(j, "files"), *f;
		size_t i;
		assert_int_equal(json_array_size(files), 5); /* data.json, data.csv, letter.md, letter.html, letter.pdf */
		json_array_foreach(files, i, f) {
			char p[300], hex[65], *body;
			size_t len;
			unsigned char h[32];
			snprintf(p, sizeof p, "pkg/%s", json_string_value(json_object_get(f, "file")));
			body = slurp(path_of(p), &len);
			crypto_hash_sha256(h, (unsigned char *)body, len);
			for (int b = 0; b < 32; b++)
				sprintf(hex + 2 * b, "%02x", h[b]);
			assert_string_equal(hex, json_string_value(json_object_get(f, "sha256")));
			free(body);
		}
		assert_true(json_array_size(json_object_get(j, "fields")) >= NJ);
		json_decref(j);
		free(m);
	}
	/* answered, and audited */
	{
		fort_request_info ri;
		assert_int_equal(fort_request_get(&ri, v, req, NULL), 0);
		assert_string_equal(ri.state, "answered");
		assert_int_equal(fort_request_fulfil(&rep, v, req, path_of("pkg2")), FORT_EINPUT);
	}
	/* CCPA: account numbers and tax ids are shown masked and said to be held */
	{
		fort_request_opts o = FORT_REQUEST_OPTS_INIT;
		char *json;
		o.jurisdiction = "CA";
		assert_int_equal(fort_request_open(&req, v, "access", id, "2026-11-02", &o), 0);
		assert_int_equal(fort_request_fulfil(&rep, v, req, path_of("pkg-ca")), 0);
		assert_int_equal(rep.withheld, 2);
		json = slurp(path_of("pkg-ca/data.json"), NULL);
		assert_null(strstr(json, "DE89370400440532013000"));
		assert_null(strstr(json, "DE123456789"));
		assert_non_null(strstr(json, "held, not disclosed"));
		assert_non_null(strstr(json, "jane.doe@example.org"));
		free(json);
	}
	/* portability (Art. 20): the package imports into a new vault with every field */
	{
		fort_vault *nv;
		fort_import_report *ir = NULL;
		fort_client_summary *cs = NULL;
		fort_record *rec = NULL;
		fort_read_opts ro = FORT_READ_OPTS_INIT;
		const char *all[] = { "all" };
		size_t n = 0, matched = 0;
		assert_int_equal(fort_request_open(&req, v, "portability", id, "2026-11-03", NULL), 0);
		assert_int_equal(fort_request_fulfil(&rep, v, req, path_of("pkg-port")), 0);
		nv = create_vault("ported.db");
		assert_int_equal(fort_client_import(&ir, nv, path_of("pkg-port/portable.json"), NULL), 0);
		assert_int_equal(ir->imported, 1);
		fort_import_report_free(ir);
		assert_int_equal(fort_client_list(&cs, &n, nv), 0);
		assert_int_equal(n, 1);
		ro.reveal = all;
		ro.nreveal = 1;
		for (size_t p = 0; p < 3; p++) {
			static const char *const purposes[] = { "billing", "identity_verification", "service" };
			ro.purpose = purposes[p];
			assert_int_equal(fort_client_get(&rec, nv, cs[0].id, &ro), 0);
			for (size_t i = 0; i < NJ; i++) {
				const char *got = fort_record_value(rec, jane[i].field);
				char *canon = NULL;
				assert_int_equal(fort_field_normalise(&canon, nv, jane[i].field, jane[i].value), 0);
				for (size_t k = 0; k < fort_record_count(rec); k++) {
					const fort_record_field *rf = fort_record_field_at(rec, k);
					if (!strcmp(rf->field, jane[i].field) && rf->revealed && got && !strcmp(got, canon))
						matched |= (size_t)1 << i;
				}
				free(canon);
			}
			fort_record_free(rec);
		}
		assert_int_equal(matched, ((size_t)1 << NJ) - 1); /* every field, revealed under some purpose, equal */
		free(cs);
		fort_vault_close(nv);
	}
	/* the download: a zip in memory with the same files, the manifest's checksums matching */
	{
		unsigned char *zip = NULL;
		size_t zlen = 0, nent = 0;
		struct archive *a = archive_read_new();
		struct archive_entry *e;
		char prefix[64], *manifest = NULL, *data = NULL;
		json_t *j, *f;
		size_t i;
		fort_request_info ri;
		assert_int_equal(fort_request_open(&req, v, "access", id, "2026-11-04", NULL), 0);
		prefix[0] = '\0'; /* the zip's entries are the package's files, at its root */
		assert_int_equal(fort_request_fulfil_zip(&rep, &zip, &zlen, v, req), 0);
		assert_int_equal(rep.fields, NJ);
		assert_int_equal(archive_read_support_format_zip(a), ARCHIVE_OK);
		assert_int_equal(archive_read_open_memory(a, zip, zlen), ARCHIVE_OK);
		struct { char name[64]; unsigned char h[32]; } got[8];
		while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
			const char *name = archive_entry_pathname(e);
			size_t len = (size_t)archive_entry_size(e);
			char *body = malloc(len + 1);
			assert_true(nent < 8);
			assert_int_equal(strncmp(name, prefix, strlen(prefix)), 0);
			assert_int_equal(archive_read_data(a, body, len), (la_ssize_t)len);
			body[len] = '\0';
			snprintf(got[nent].name, sizeof got[nent].name, "%s", name + strlen(prefix));
			crypto_hash_sha256(got[nent].h, (unsigned char *)body, len);
			if (!strcmp(got[nent].name, "manifest.json"))
				manifest = body;
			else if (!strcmp(got[nent].name, "data.json"))
				data = body;
			else
				free(body);
			nent++;
		}
		archive_read_free(a);
		assert_int_equal(nent, 6);
		assert_non_null(data);
		assert_non_null(strstr(data, "jane.doe@example.org"));
		j = json_loads(manifest, 0, NULL);
		assert_non_null(j);
		assert_int_equal(json_array_size(json_object_get(j, "files")), 5);
		json_array_foreach(json_object_get(j, "files"), i, f) {
			int found = 0;
			char hex[65];
			for (size_t k = 0; k < nent; k++)
				if (!strcmp(got[k].name, json_string_value(json_object_get(f, "file")))) {
					for (int b = 0; b < 32; b++)
						sprintf(hex + 2 * b, "%02x", got[k].h[b]);
					assert_string_equal(hex, json_string_value(json_object_get(f, "sha256")));
					found = 1;
				}
			assert_true(found);
		}
		json_decref(j);
		free(manifest);
		free(data);
		sodium_memzero(zip, zlen);
		free(zip);
		/* answered: a second download is refused; nothing was written beside the vault */
		assert_int_equal(fort_request_get(&ri, v, req, NULL), 0);
		assert_string_equal(ri.state, "answered");
		assert_int_equal(fort_request_fulfil_zip(&rep, &zip, &zlen, v, req), FORT_EINPUT);
		assert_null(zip);
		snprintf(prefix, sizeof prefix, "request-%lld", (long long)req);
		assert_int_equal(access(path_of(prefix), F_OK), -1);
	}
	expect_verified(v);
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_access_package),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
