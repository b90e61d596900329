/* test_erasure.c - an erasure request with a legal hold: held fields stay,
 * the rest goes; the certificate verifies and fails after one byte is
 * changed; the retention run on a fake clock erases exactly the expired
 * holds and shreds the client when the last one ends. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fortress.h"

#define FIXTURE_DIR "/tmp/fort-test-erasure-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

static fort_vault *v;
static char held_client[FORT_ID_LEN + 1];

static int64_t erasure_request(const char *id)
{
	int64_t rid = 0;
	assert_int_equal(fort_request_open(&rid, v, "erasure", id, "2026-11-02", NULL), 0);
	return rid;
}

/* Does an export of the iban field for PURPOSE (to FILE in the test's
 * folder) carry the test IBAN? */
static int iban_exported(fort_vault *w, const char *purpose, const char *file)
{
	fort_export_opts eo = FORT_EXPORT_OPTS_INIT;
	const char *ef[] = { "iban" };
	uint64_t nx = 0;
	char buf[4096] = "";
	FILE *f = fopen(path_of(file), "w+");
	assert_non_null(f);
	eo.purpose = purpose;
	eo.fields = ef;
	eo.nfields = 1;
	eo.destination = path_of(file);
	assert_int_equal(fort_client_export(&nx, w, f, &eo), 0);
	rewind(f);
	buf[fread(buf, 1, sizeof buf - 1, f)] = '\0';
	fclose(f);
	return strstr(buf, "DE89370400440532013000") != NULL;
}

/* "action result fields|" per entry */
static int lines_cb(void *ctx, const fort_audit_entry *e)
{
	char *out = ctx;
	size_t n = strlen(out);
	snprintf(out + n, 8192 - n, "%s %s %s|", e->action, e->result, e->fields);
	return 0;
}

static void test_hold(void **state)
{
	fort_kv kv[4] = { { "full_name", "Hanna Held" }, { "email", "hanna@example.com" }, { "iban", "DE89370400440532013000" },
			  { "tax_id", "DE123456789" } };
	fort_erasure_report rep;
	fort_record *rec = NULL;
	fort_read_opts ro = FORT_READ_OPTS_INIT;
	const char *all[] = { "all" };
	char (*ids)[FORT_ID_LEN + 1] = NULL;
	size_t n = 0;
	int64_t rid;
	(void)state;
	v = create_vault("erase.db");
	assert_int_equal(fort_map_recipient_set(v, "mailhost", "processor", "DE", NULL, "e-mail hosting", 1), 0);
	{
		fort_activity_spec s = FORT_ACTIVITY_SPEC_INIT;
		const char *mailhost[] = { "mailhost" };
		s.purpose = "correspondence";
		s.recipients = mailhost;
		s.nrecipients = 1;
		assert_int_equal(fort_map_activity_set(v, &s, 0), 0);
	}
	assert_int_equal(fort_client_add(held_client, v, kv, 4), 0);
	rid = erasure_request(held_client);
	/* wrong kind, no certificate path */
	{
		int64_t acc = 0;
		assert_int_equal(fort_request_open(&acc, v, "access", held_client, "2026-11-02", NULL), 0);
		assert_int_equal(fort_request_erase(&rep, v, acc, path_of("x.cert"), NULL), FORT_EINPUT);
		assert_int_equal(fort_request_erase(&rep, v, rid, NULL, NULL), FORT_EINPUT);
	}
	assert_int_equal(fort_request_erase(&rep, v, rid, path_of("hanna.cert"), NULL), 0);
	/* one step, one entry: the fields' erasure (nested in the request's
	 * step) seals the holds written with it, no "seal" entry after it;
	 * then the request's event */
	{
		char log[8192] = "";
		assert_int_equal(fort_audit_log(v, NULL, lines_cb, log), 0);
		if (!strstr(log, "edit ok full_name,email|request-erase ok |"))
			fail_msg("the erasure's entries are not 'edit' then 'request-erase': %s", log);
	}
	assert_int_equal(rep.whole, 0);
	assert_int_equal(rep.kept, 2);   /* iban, tax_id: tax law, 10 years */
	assert_int_equal(rep.erased, 2); /* name, e-mail */
	/* Art. 19: the e-mail host got the e-mail address; it is told whose */
	assert_int_equal(rep.recipients, 1);
	{
		FILE *f = fopen(path_of("hanna.cert.recipients.md"), "r");
		char buf[4096] = "";
		assert_non_null(f);
		assert_true(fread(buf, 1, sizeof buf - 1, f) > 0);
		fclose(f);
		assert_non_null(strstr(buf, "To mailhost"));
		assert_non_null(strstr(buf, "Art. 19"));
		assert_non_null(strstr(buf, "E-mail address"));
		assert_non_null(strstr(buf, "Hanna Held"));
		assert_null(strstr(buf, "IBAN")); /* held: not erased, not asked */
	}
	{
		/* issue 12 item 9: the letter with the certificate says what the
		 * held fields are kept for, and that they serve nothing else */
		FILE *f = fopen(path_of("hanna.cert.letter.md"), "r");
		char buf[8192] = "";
		const char *kept;
		assert_non_null(f);
		assert_true(fread(buf, 1, sizeof buf - 1, f) > 0);
		fclose(f);
		assert_non_null(kept = strstr(buf, "## What we keep, why, and until when"));
		assert_non_null(strstr(kept, "IBAN"));
		assert_non_null(strstr(kept, "GDPR Art. 17(3)(b)"));
		assert_non_null(strstr(kept, "kept only to comply with that obligation and is used for nothing else"));
		/* the default IBAN does not serve legal claims: not offered */
		assert_null(strstr(kept, "legal claims"));
	}
	/* what stays and what went */
	ro.reveal = all;
	ro.nreveal = 1;
	ro.purpose = "billing";
	assert_int_equal(fort_client_get(&rec, v, held_client, &ro), 0);
	assert_null(fort_record_value(rec, "full_name"));
	assert_null(fort_record_value(rec, "email"));
	/* issue 12 item 9: kept under the tax-law hold, the IBAN no longer
	 * serves billing: masked with "all", refused (and audited) by name */
	assert_string_not_equal(fort_record_value(rec, "iban"), "DE89370400440532013000");
	fort_record_free(rec);
	{
		const char *iban[] = { "iban" };
		fort_audit_report ar;
		ro.reveal = iban;
		assert_int_equal(fort_client_get(&rec, v, held_client, &ro), FORT_EDENIED);
		assert_non_null(strstr(fort_error_message(), "Art. 17(3)(b)"));
		assert_non_null(strstr(fort_error_message(), "tax"));
		/* the IBAN does not serve legal claims in this map: the refusal
		 * does not offer a purpose that would be refused too */
		assert_null(strstr(fort_error_message(), "legal_claims"));
		ro.purpose = "legal_claims";
		assert_int_equal(fort_client_get(&rec, v, held_client, &ro), FORT_EDENIED);
		ro.purpose = "billing";
		assert_int_equal(fort_audit_verify(&ar, v, NULL), 0);
		ro.purpose = "tax";   /* the hold's obligation */
		assert_int_equal(fort_client_get(&rec, v, held_client, &ro), 0);
		assert_string_equal(fort_record_value(rec, "iban"), "DE89370400440532013000");
		fort_record_free(rec);
		ro.reveal = all;
		assert_int_equal(fort_client_get(&rec, v, held_client, &ro), 0);
		assert_non_null(fort_record_value(rec, "tax_id"));
		fort_record_free(rec);
		/* nor does it go out in a billing export; a tax export has it */
		assert_false(iban_exported(v, "billing", "held-export.json"));
		assert_true(iban_exported(v, "tax", "held-export.json"));
	}
	assert_int_equal(fort_client_find(&ids, &n, v, "email", "hanna@example.com"), 0);
	assert_int_equal(n, 0); /* out of the index too */
	free(ids);
	/* the request is answered; it cannot be fulfilled twice */
	assert_int_equal(fort_request_erase(&rep, v, rid, path_of("again.cert"), NULL), FORT_EINPUT);
}

static void test_certificate(void **state)
{
	fort_certificate_info ci;
	FILE *f;
	long len;
	char *buf, *p;
	(void)state;
	assert_int_equal(fort_certificate_verify(&ci, path_of("hanna.cert"), v), 0);
	assert_int_equal(ci.valid, 1);
	assert_int_equal(ci.vault_checked, 1);
	assert_int_equal(ci.erased, 2);
	assert_int_equal(ci.kept, 2);
	assert_string_equal(ci.client, held_client);
	assert_string_equal(ci.signer, "alice");
	/* without the vault: the signature alone */
	assert_int_equal(fort_certificate_verify(&ci, path_of("hanna.cert"), NULL), 0);
	assert_int_equal(ci.vault_checked, 0);
	/* one byte changed in what it says was kept: refused */
	f = fopen(path_of("hanna.cert"), "rb");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	assert_non_null(p = strstr(buf, "\"until\": \"20"));
	p[strlen("\"until\": \"20") + 1] ^= 1; /* 2036 -> 2037 or similar */
	spit(path_of("altered.cert"), buf, (size_t)len);
	assert_int_equal(fort_certificate_verify(&ci, path_of("altered.cert"), v), FORT_ETAMPER);
	assert_int_equal(ci.valid, 0);
	free(buf);
	/* not a certificate at all */
	spit(path_of("junk.cert"), "{\"hello\": 1}", 12);
	assert_int_equal(fort_certificate_verify(&ci, path_of("junk.cert"), v), FORT_EINPUT);
}

struct reason { const char *client; size_t n; };

/* retention erasures of RS->client whose reason is the end of a hold */
static int hold_end_cb(void *ctx, const fort_audit_entry *e)
{
	struct reason *rs = ctx;
	if (strcmp(e->client, rs->client) == 0 && strcmp(e->action, "retention-erase") == 0 && strstr(e->detail, "hold on '") &&
	    strstr(e->detail, "ended"))
		rs->n++;
	return 0;
}

static void test_retention_clock(void **state)
{
	fort_hold_info *h = NULL;
	size_t n = 0;
	char other[FORT_ID_LEN + 1], until[11];
	fort_kv kv[2] = { { "full_name", "Nils Nohold" }, { "email", "nils@example.com" } };
	fort_erasure_report rep;
	(void)state;
	/* a client with nothing held goes whole, at once */
	assert_int_equal(fort_client_add(other, v, kv, 2), 0);
	assert_int_equal(fort_request_erase(&rep, v, erasure_request(other), path_of("nils.cert"), NULL), 0);
	assert_int_equal(rep.whole, 1);
	assert_int_equal(rep.recipients, 1);
	assert_int_equal(fort_client_is_erased(v, other), 1);

	assert_int_equal(fort_retention_due(&h, &n, v, NULL), 0);
	assert_int_equal(n, 2);
	snprintf(until, sizeof until, "%s", h[0].until);
	assert_string_equal(h[0].client, held_client);
	free(h);
	/* the day before the hold ends: nothing goes (dry run and real) */
	{
		char before[11];
		assert_int_equal(fort_date_add_days(before, until, -1), 0);
		assert_int_equal(fort_retention_run(&h, &n, v, before, 0), 0);
		assert_int_equal(n, 0);
		free(h);
		assert_int_equal(fort_retention_run(&h, &n, v, until, 0), 0);
		assert_int_equal(n, 0); /* held through its last day */
		free(h);
	}
	/* the day after: a dry run lists both, changes nothing */
	{
		char after[11];
		assert_int_equal(fort_date_add_days(after, until, 1), 0);
		assert_int_equal(fort_retention_run(&h, &n, v, after, 1), 0);
		assert_int_equal(n, 2);
		free(h);
		assert_int_equal(fort_client_is_erased(v, held_client), 0);
		assert_int_equal(fort_retention_run(&h, &n, v, after, 0), 0);
		assert_int_equal(n, 2);
		free(h);
	}
	/* the last hold ended: the client is gone whole; the erasure gives
	 * the end of the hold as its reason (issue 12 item 9) */
	assert_int_equal(fort_client_is_erased(v, held_client), 1);
	{
		struct reason rs = { held_client, 0 };
		assert_int_equal(fort_audit_log(v, held_client, hold_end_cb, &rs), 0);
		assert_int_equal(rs.n, 2);   /* iban, tax_id */
	}
	assert_int_equal(fort_retention_due(&h, &n, v, NULL), 0);
	assert_int_equal(n, 0);
	free(h);
	expect_verified(v);
	fort_vault_close(v);
}

/* Issue 12 item 10: Art. 19 notices go only to recipients that received
 * the client's data: the newsletter tool of the consent-based marketing
 * activity hears of a client only if that client ever consented. */
static void test_actual_recipients(void **state)
{
	fort_vault *w = create_vault("art19.db");
	char never[FORT_ID_LEN + 1], once[FORT_ID_LEN + 1];
	(void)state;
	assert_int_equal(fort_map_recipient_set(w, "mailhost", "processor", "DE", NULL, "e-mail hosting", 1), 0);
	assert_int_equal(fort_map_recipient_set(w, "newsletter_tool", "processor", "DE", NULL, "newsletters", 1), 0);
	{
		fort_activity_spec a = FORT_ACTIVITY_SPEC_INIT;
		const char *r1[] = { "mailhost" }, *r2[] = { "newsletter_tool" };
		a.purpose = "correspondence";
		a.recipients = r1;
		a.nrecipients = 1;
		assert_int_equal(fort_map_activity_set(w, &a, 0), 0);
		a.purpose = "marketing";
		a.recipients = r2;
		assert_int_equal(fort_map_activity_set(w, &a, 0), 0);
	}
	{
		fort_kv a[] = { { "full_name", "Nora Never" }, { "email", "nora@example.org" } };
		fort_kv b[] = { { "full_name", "Olga Once" }, { "email", "olga@example.org" } };
		fort_consent_opts o = FORT_CONSENT_OPTS_INIT;
		assert_int_equal(fort_client_add(never, w, a, 2), 0);
		assert_int_equal(fort_client_add(once, w, b, 2), 0);
		spit(path_of("nl.txt"), "Newsletter v1\n", 14);
		o.channel = "web";
		o.notice_path = path_of("nl.txt");
		assert_int_equal(fort_consent_record(w, once, "marketing", "grant", &o), 0);
		assert_int_equal(fort_consent_record(w, once, "marketing", "withdraw", &o), 0);
	}
	for (int k = 0; k < 2; k++) {
		const char *id = k ? once : never, *path = path_of(k ? "once.md" : "never.md");
		int64_t req = 0;
		size_t n = 0;
		fort_kv e[] = { { "email", k ? "olga@new.example" : "nora@new.example" } };
		char *text;
		FILE *f;
		long len;
		assert_int_equal(fort_request_open(&req, w, "rectification", id, "2026-11-02", NULL), 0);
		assert_int_equal(fort_client_edit(w, id, e, 1), 0);
		assert_int_equal(fort_request_rectified(&n, w, req, path, NULL, NULL), 0);
		assert_int_equal(n, k ? 2 : 1);
		assert_non_null(f = fopen(path, "rb"));
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		text = calloc(1, (size_t)len + 1);
		assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
		fclose(f);
		assert_non_null(strstr(text, "## To mailhost"));
		if (k)
			assert_non_null(strstr(text, "## To newsletter_tool"));
		else
			assert_null(strstr(text, "newsletter_tool"));   /* never received Nora's data */
		free(text);
	}
	fort_vault_close(w);
}

struct denied { const char *client; size_t n; };

static int denied_cb(void *ctx, const fort_audit_entry *e)
{
	struct denied *d = ctx;
	if (strcmp(e->client, d->client) == 0 && strcmp(e->action, "reveal") == 0 && strcmp(e->result, "denied") == 0)
		d->n++;
	return 0;
}

/* Issue 12 item 9: a field an erasure kept under a legal hold is revealed
 * for the hold's obligation and for legal claims (where the map lets the
 * field serve them) and for nothing else; every refusal is audited. */
static void test_hold_purposes(void **state)
{
	static const char *const purposes[] = { "service", "billing", "correspondence", "tax", "identity_verification",
						"legal_claims", "marketing" };
	fort_vault *w = create_vault("holdpurp.db");
	char id[FORT_ID_LEN + 1];
	fort_kv kv[] = { { "full_name", "Lea Legal" }, { "email", "lea@example.com" }, { "iban", "DE89370400440532013000" } };
	fort_erasure_report rep;
	int64_t rid = 0;
	struct denied d = { id, 0 };
	size_t refused = 0;
	(void)state;
	{
		/* here the IBAN also serves legal claims (e.g. a payment dispute) */
		fort_field_spec fs = FORT_FIELD_SPEC_INIT;
		const char *p[] = { "billing", "tax", "legal_claims" };
		fs.name = "iban";
		fs.purposes = p;
		fs.npurposes = 3;
		assert_int_equal(fort_map_field_edit(w, &fs), 0);
	}
	assert_int_equal(fort_client_add(id, w, kv, 3), 0);
	/* before the erasure: billing may see it */
	{
		fort_read_opts ro = FORT_READ_OPTS_INIT;
		const char *iban[] = { "iban" };
		fort_record *rec = NULL;
		ro.reveal = iban;
		ro.nreveal = 1;
		ro.purpose = "billing";
		assert_int_equal(fort_client_get(&rec, w, id, &ro), 0);
		fort_record_free(rec);
	}
	assert_int_equal(fort_request_open(&rid, w, "erasure", id, "2026-11-02", NULL), 0);
	assert_int_equal(fort_request_erase(&rep, w, rid, path_of("lea.cert"), NULL), 0);
	assert_int_equal(rep.kept, 1);
	{
		/* the letter says what the gate below enforces */
		FILE *f = fopen(path_of("lea.cert.letter.md"), "r");
		char buf[8192] = "";
		assert_non_null(f);
		assert_true(fread(buf, 1, sizeof buf - 1, f) > 0);
		fclose(f);
		assert_non_null(strstr(buf, "used for nothing else (only for it, or for legal claims)"));
	}
	for (size_t i = 0; i < sizeof purposes / sizeof purposes[0]; i++) {
		fort_read_opts ro = FORT_READ_OPTS_INIT;
		const char *iban[] = { "iban" };
		fort_record *rec = NULL;
		int allowed = strcmp(purposes[i], "tax") == 0 || strcmp(purposes[i], "legal_claims") == 0;
		int r;
		ro.reveal = iban;
		ro.nreveal = 1;
		ro.purpose = purposes[i];
		r = fort_client_get(&rec, w, id, &ro);
		if (allowed) {
			if (r != 0)
				fail_msg("the held IBAN was refused for %s: %s", purposes[i], fort_error_message());
			assert_string_equal(fort_record_value(rec, "iban"), "DE89370400440532013000");
			fort_record_free(rec);
		} else {
			if (r != FORT_EDENIED)
				fail_msg("the held IBAN was revealed for %s (%d)", purposes[i], r);
			refused++;
		}
	}
	/* the refusal names what it may serve */
	{
		fort_read_opts ro = FORT_READ_OPTS_INIT;
		const char *iban[] = { "iban" };
		fort_record *rec = NULL;
		ro.reveal = iban;
		ro.nreveal = 1;
		ro.purpose = "billing";
		assert_int_equal(fort_client_get(&rec, w, id, &ro), FORT_EDENIED);
		refused++;
		assert_non_null(strstr(fort_error_message(), "legal_claims, tax"));
	}
	/* every refusal is in the audit log */
	assert_int_equal(fort_audit_log(w, id, denied_cb, &d), 0);
	assert_int_equal(d.n, refused);
	/* an export for legal claims carries it; one for billing does not */
	assert_false(iban_exported(w, "billing", "lea-export.json"));
	assert_true(iban_exported(w, "legal_claims", "lea-export.json"));
	expect_verified(w);
	fort_vault_close(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_certificate),
		cmocka_unit_test(test_retention_clock),
		cmocka_unit_test(test_hold_purposes),
		cmocka_unit_test(test_actual_recipients),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
