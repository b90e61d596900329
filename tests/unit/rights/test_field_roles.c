/* test_field_roles.c - field roles come from types, not names (issue 16
 * item 5): with the name and e-mail fields renamed by a map import, the
 * client list, the erasure's Art. 19 notices, the breach letters and the
 * scanner's known-client lookup still find the addressee and the address;
 * a map without an e-mail field makes the client letters refuse, clearly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fortress.h"

#define FIXTURE_DIR "/tmp/fort-test-roles-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

#define OK(x) do { int r_ = (x); if (r_ != 0) fail_msg("%s: %d %s", #x, r_, fort_error_message()); } while (0)

/* The map's JSON with the field name FROM renamed TO. */
static char *renamed(const char *json, const char *from, const char *to)
{
	char pat[64], rep[64];
	size_t cap = strlen(json) * 2 + 64, o = 0;
	char *out = malloc(cap);
	const char *p = json;
	assert_non_null(out);
	snprintf(pat, sizeof pat, "\"%s\"", from);
	snprintf(rep, sizeof rep, "\"%s\"", to);
	while (*p) {
		/* a field's name wherever it is named, never a type ("type": "email") */
		int is_type = p - json >= 8 && (strncmp(p - 8, "\"type\": ", 8) == 0 || strncmp(p - 7, "\"type\":", 7) == 0);
		if (!is_type && strncmp(p, pat, strlen(pat)) == 0) {
			memcpy(out + o, rep, strlen(rep));
			o += strlen(rep);
			p += strlen(pat);
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	return out;
}

static void rename_fields(fort_vault *v, const char *const *pairs, size_t n)
{
	char *json = NULL;
	OK(fort_map_export(&json, v));
	for (size_t i = 0; i < n; i += 2) {
		char *j2 = renamed(json, pairs[i], pairs[i + 1]);
		free(json);
		json = j2;
	}
	OK(fort_map_import(v, json, strlen(json)));
	free(json);
}

struct seen { int clients; char to[64]; int dear; };

static int letter_cb(void *ctx, const fort_letter *l)
{
	struct seen *s = ctx;
	if (strcmp(l->kind, "client") != 0)
		return 0;
	s->clients++;
	snprintf(s->to, sizeof s->to, "%s", l->to);
	s->dear = strstr(l->text, "Dear Rita Renamed") != NULL;
	return 0;
}

struct found { int known_email; };

static int finding_cb(void *ctx, const fort_scan_finding *f)
{
	struct found *s = ctx;
	if (f->type == FORT_SCAN_EMAIL && f->known_client)
		s->known_email++;
	return 0;
}

static int64_t breach(fort_vault *v)
{
	int64_t inc = 0;
	fort_incident_scope sc = FORT_INCIDENT_SCOPE_INIT;
	fort_incident_assessment a = FORT_INCIDENT_ASSESSMENT_INIT;
	OK(fort_incident_open(&inc, v, "mailbox breached", "other", NULL, "2026-11-15T10:00:00Z"));
	sc.category = "identity";
	OK(fort_incident_scope_add(v, inc, &sc));
	a.contact = "Sam, 1-800-555-0100, privacy@example.com";
	OK(fort_incident_assess(v, inc, &a));
	OK(fort_incident_log(v, inc, "fact", "f", NULL));
	OK(fort_incident_log(v, inc, "effect", "e", NULL));
	OK(fort_incident_log(v, inc, "remedy", "r", NULL));
	return inc;
}

static void test_renamed(void **state)
{
	static const char *const pairs[] = { "full_name", "client_name", "email", "contact_mail" };
	fort_vault *v = create_vault("roles.db");
	char id[FORT_ID_LEN + 1];
	fort_kv kv[] = { { "client_name", "Rita Renamed" }, { "contact_mail", "rita@example.org" } };
	(void)state;
	rename_fields(v, pairs, 4);
	OK(fort_client_add(id, v, kv, 2));

	/* the client list shows the name-typed field */
	{
		fort_client_summary *l = NULL;
		size_t n = 0;
		OK(fort_client_list(&l, &n, v));
		assert_int_equal(n, 1);
		assert_true(l[0].display[0] == 'R');
		free(l);
	}

	/* the scanner's known-client lookup uses the e-mail-typed field */
	{
		fort_scan_opts so = FORT_SCAN_OPTS_INIT;
		fort_scan_stats st;
		struct found f = { 0 };
		const char text[] = "write to rita@example.org or other@example.org\n";
		so.vault = v;
		so.on_finding = finding_cb;
		so.ctx = &f;
		assert_true(fort_scan_buffer(&st, "note.txt", text, sizeof text - 1, &so) >= 0);
		assert_int_equal(f.known_email, 1);
	}

	/* the breach letter: addressed by the name-typed field, sent to the
	 * e-mail-typed one */
	{
		fort_letter_opts o = FORT_LETTER_OPTS_INIT;
		struct seen s = { 0, "", 0 };
		int64_t inc = breach(v);
		o.clients_only = 1;
		OK(fort_incident_letters(v, inc, &o, letter_cb, &s));
		assert_int_equal(s.clients, 1);
		assert_string_equal(s.to, "rita@example.org");
		assert_true(s.dear);
	}

	/* erasure: the Art. 19 notice names the client by the name-typed field */
	{
		fort_erasure_report rep;
		int64_t rid = 0;
		char buf[4096] = "";
		FILE *fp;
		OK(fort_map_recipient_set(v, "mailhost", "processor", "DE", NULL, "e-mail hosting", 1));
		{
			fort_activity_spec s = FORT_ACTIVITY_SPEC_INIT;
			const char *mailhost[] = { "mailhost" };
			s.purpose = "correspondence";
			s.recipients = mailhost;
			s.nrecipients = 1;
			OK(fort_map_activity_set(v, &s, 0));
		}
		OK(fort_request_open(&rid, v, "erasure", id, "2026-11-02", NULL));
		OK(fort_request_erase(&rep, v, rid, path_of("rita.cert"), NULL));
		assert_int_equal(rep.recipients, 1);
		fp = fopen(path_of("rita.cert.recipients.md"), "r");
		assert_non_null(fp);
		assert_true(fread(buf, 1, sizeof buf - 1, fp) > 0);
		fclose(fp);
		assert_non_null(strstr(buf, "Our client Rita Renamed"));
	}
	fort_vault_close(v);
}

/* No e-mail-typed field: the client letters cannot be delivered, and say
 * so instead of going out with no address. */
static void test_no_email_field(void **state)
{
	fort_vault *v = create_vault("noemail.db");
	char id[FORT_ID_LEN + 1], *json = NULL, *j2;
	fort_kv kv[] = { { "full_name", "Nora Nomail" } };
	fort_letter_opts o = FORT_LETTER_OPTS_INIT;
	struct seen s = { 0, "", 0 };
	int64_t inc;
	(void)state;
	/* the e-mail field becomes a text field */
	OK(fort_map_export(&json, v));
	j2 = renamed(json, "email", "contact_note");
	free(json);
	json = j2;
	{
		char *t = strstr(json, "\"contact_note\"");
		assert_non_null(t);
		t = strstr(t, "\"type\": \"email\"");
		assert_non_null(t);
		memcpy(t, "\"type\": \"text\" ", 15);
	}
	OK(fort_map_import(v, json, strlen(json)));
	free(json);
	OK(fort_client_add(id, v, kv, 1));
	inc = breach(v);
	o.clients_only = 1;
	assert_int_equal(fort_incident_letters(v, inc, &o, letter_cb, &s), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "no field of type email"));
	assert_int_equal(s.clients, 0);
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_renamed), cmocka_unit_test(test_no_email_field) };
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
