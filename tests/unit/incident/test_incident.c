/* test_incident.c - the breach register, impact analysis, clocks and
 * letters: the impact of a user's reveals in a time window (exactly the 7
 * of 10), an export file's clients found from the record its audit entry
 * names, the C1 clock vectors, the letters against the required-element
 * list, and bad input changing nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "fortress.h"

#define FIXTURE_DIR "/tmp/fort-test-incident-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define PASS_BOB "harbor-quiver-tulip-granite-nectar-falcon"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

#define OK(x) do { int r_ = (x); if (r_ != 0) fail_msg("%s: %d %s", #x, r_, fort_error_message()); } while (0)

static fort_vault *v;
static char ids[12][FORT_ID_LEN + 1];

static void iso(char out[21], time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void next_second(void)
{
	time_t t = time(NULL);
	while (time(NULL) == t)
		usleep(20000);
}

static void reveal(fort_vault *as, const char *id, const char *field, const char *purpose)
{
	fort_read_opts o = FORT_READ_OPTS_INIT;
	const char *f[1] = { field };
	fort_record *rec = NULL;
	o.reveal = f;
	o.nreveal = 1;
	o.purpose = purpose;
	if (fort_client_get(&rec, as, id, &o) != 0)
		fail_msg("reveal %s: %s", id, fort_error_message());
	fort_record_free(rec);
}

static void add_client(char out[FORT_ID_LEN + 1], int i)
{
	char name[32], mail[48], iban[40];
	/* valid German IBANs differ in the account number; a fixed valid one
	 * per client is enough here: the test data generator keeps it simple */
	static const char *const ibans[] = { "DE89370400440532013000", "DE02120300000000202051", "DE02500105170137075030",
					     "DE02100500000054540402", "DE02300209000106531065", "DE02200505501015871393",
					     "DE02700202700010108669", "DE02700100800030876808", "DE02370501980001802057",
					     "DE02600501010002034304", "DE02100100100006820101", "DE88100900001234567892" };
	snprintf(name, sizeof name, "Client Number%d", i);
	snprintf(mail, sizeof mail, "client%d@example.org", i);
	snprintf(iban, sizeof iban, "%s", ibans[i]);
	fort_kv kv[3] = { { "full_name", name }, { "email", mail }, { "iban", iban } };
	if (fort_client_add(out, v, kv, 3) != 0)
		fail_msg("add %d: %s", i, fort_error_message());
}

struct detail_find { const char *want; int found; };
static int audit_cb(void *ctx, const fort_audit_entry *e)
{
	struct detail_find *d = ctx;
	if (strcmp(e->action, "export") == 0 && strstr(e->detail, d->want))
		d->found = 1;
	return 0;
}

static size_t incident_count(void)
{
	fort_incident_info *a = NULL;
	size_t n = 0;
	OK(fort_incident_list(&a, &n, v));
	free(a);
	return n;
}

static void test_impact(void **state)
{
	fort_vault *bob = NULL;
	char fp[20], from[21], to[21];
	int64_t inc = 0;
	fort_impact *im = NULL;
	(void)state;

	v = create_vault("impact.db");
	for (int i = 0; i < 5; i++)
		add_client(ids[i], i);
	/* an export of the first five, before the others exist */
	{
		fort_export_opts o = FORT_EXPORT_OPTS_INIT;
		FILE *f = fopen(path_of("e1.json"), "w");
		uint64_t n = 0;
		struct detail_find d = { "recorded as export #1", 0 };
		o.purpose = "billing";
		o.destination = path_of("e1.json");
		assert_non_null(f);
		OK(fort_client_export(&n, v, f, &o));
		assert_int_equal(fclose(f), 0);
		assert_int_equal(n, 5);
		OK(fort_audit_log(v, NULL, audit_cb, &d));
		assert_true(d.found);
	}
	for (int i = 5; i < 12; i++)
		add_client(ids[i], i);
	{
		fort_secret *pb = secret(PASS_BOB);
		OK(fort_user_request(fp, vault_at("impact.db"), "bob", pb, FORT_KDF_INTERACTIVE));
		OK(fort_user_add(v, "bob", "bookkeeper", fp));
		OK(fort_vault_open(&bob, vault_at("impact.db"), "bob", pb));
		fort_secret_free(pb);
	}
	/* 3 of bob's reveals before the window, 7 inside, 1 after; alice's
	 * inside the window are not bob's */
	for (int i = 0; i < 3; i++)
		reveal(bob, ids[i], "iban", "billing");
	next_second();
	iso(from, time(NULL));
	for (int i = 3; i < 10; i++)
		reveal(bob, ids[i], "iban", "billing");
	reveal(v, ids[10], "full_name", "service");
	iso(to, time(NULL));
	next_second();
	reveal(bob, ids[11], "iban", "billing");

	OK(fort_incident_open(&inc, v, "Bob's laptop stolen", "lost-device", NULL, NULL));
	{
		fort_incident_scope s = FORT_INCIDENT_SCOPE_INIT;
		s.user = "bob";
		s.from = from;
		s.to = to;
		OK(fort_incident_scope_add(v, inc, &s));
	}
	OK(fort_incident_impact(&im, v, inc));
	assert_int_equal(im->nclients, 7);
	assert_int_equal(im->reveals, 7);
	for (size_t i = 0; i < im->nclients; i++) {
		int ok = 0;
		for (int k = 3; k < 10; k++)
			ok |= strcmp(im->clients[i].id, ids[k]) == 0;
		assert_true(ok);
		assert_string_equal(im->clients[i].categories, "financial");
		assert_string_equal(im->clients[i].fields, "iban");
		assert_string_equal(im->clients[i].jurisdiction, "EU");
	}
	assert_int_equal(im->per_category[2], 7);   /* financial */
	assert_int_equal(im->per_category[0], 0);   /* identity: alice's reveal is not bob's */
	assert_int_equal(im->njurisdictions, 1);
	assert_int_equal(im->jurisdictions[0].clients, 7);
	assert_int_equal(im->protected_, 0);        /* shown in clear */
	fort_impact_free(im);

	/* the export file: its five clients, from the record its audit entry names */
	{
		int64_t inc2 = 0;
		fort_incident_scope s = FORT_INCIDENT_SCOPE_INIT;
		OK(fort_incident_open(&inc2, v, "export mailed to the wrong person", "misdirected-email", NULL, NULL));
		s.export_file = path_of("e1.json");
		OK(fort_incident_scope_add(v, inc2, &s));
		OK(fort_incident_impact(&im, v, inc2));
		assert_int_equal(im->nclients, 5);
		assert_int_equal(im->exports, 1);
		for (size_t i = 0; i < 5; i++)
			assert_string_equal(im->clients[i].id, ids[i]);
		assert_string_equal(im->clients[0].categories, "identity,contact,financial");
		fort_impact_free(im);
		/* the file is gone (stolen): found by the path it was written to */
		assert_int_equal(unlink(path_of("e1.json")), 0);
		OK(fort_incident_scope_add(v, inc2, &s));
		/* unknown file, unknown user: a clear error, nothing recorded */
		s.export_file = path_of("never-written.json");
		assert_int_equal(fort_incident_scope_add(v, inc2, &s), FORT_ENOTFOUND);
		assert_non_null(strstr(fort_error_message(), "never-written.json"));
		s.export_file = NULL;
		s.user = "mallory";
		s.from = from;
		s.to = to;
		assert_int_equal(fort_incident_scope_add(v, inc2, &s), FORT_ENOTFOUND);
		assert_non_null(strstr(fort_error_message(), "mallory"));
		OK(fort_incident_impact(&im, v, inc2));
		assert_int_equal(im->nclients, 5);
		fort_impact_free(im);
	}
	/* a backup holds every client, encrypted: protected unless the key went too */
	{
		int64_t inc3 = 0;
		fort_incident_scope s = FORT_INCIDENT_SCOPE_INIT;
		fort_incident_assessment a = FORT_INCIDENT_ASSESSMENT_INIT;
		OK(fort_backup_create(NULL, v, path_of("b1.fortress")));
		OK(fort_incident_open(&inc3, v, "backup disk lost", "lost-device", NULL, NULL));
		s.backup_file = path_of("b1.fortress");
		OK(fort_incident_scope_add(v, inc3, &s));
		a.key_compromised = 0;
		OK(fort_incident_assess(v, inc3, &a));
		OK(fort_incident_impact(&im, v, inc3));
		assert_int_equal(im->nclients, 12);
		assert_int_equal(im->protected_, 1);
		fort_impact_free(im);
		a.key_compromised = 1;
		OK(fort_incident_assess(v, inc3, &a));
		OK(fort_incident_impact(&im, v, inc3));
		assert_int_equal(im->protected_, 0);
		fort_impact_free(im);
	}
	fort_vault_close(bob);
	expect_verified(v);
}

static void test_register(void **state)
{
	int64_t inc = 0;
	size_t before = incident_count();
	fort_incident_info in;
	(void)state;
	/* awareness before occurrence: refused, nothing recorded */
	assert_int_equal(fort_incident_open(&inc, v, "x", "other", "2026-03-27T16:00:00Z", "2026-03-27T15:59:59Z"), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "before"));
	assert_int_equal(fort_incident_open(&inc, v, "x", "no-such-kind", NULL, NULL), FORT_EINPUT);
	assert_int_equal(fort_incident_open(&inc, v, "x", "other", "yesterday", NULL), FORT_EINPUT);
	assert_int_equal(incident_count(), before);

	assert_int_equal(fort_incident_open(&inc, v, "password leaked", "stolen-credentials", "2026-03-27T14:00:00+01:00",
					    "2026-03-27T16:00:00Z"), 0);
	OK(fort_incident_get(&in, v, inc));
	assert_string_equal(in.occurred, "2026-03-27T13:00:00Z");
	assert_string_equal(in.state, "open");
	/* closing without facts, effects, actions and a decision is refused, naming them */
	assert_int_equal(fort_incident_close(v, inc), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "facts"));
	assert_non_null(strstr(fort_error_message(), "effects"));
	assert_non_null(strstr(fort_error_message(), "remedial actions"));
	assert_non_null(strstr(fort_error_message(), "decision"));
	OK(fort_incident_log(v, inc, "fact", "The shared password was posted in a chat.", NULL));
	OK(fort_incident_log(v, inc, "effect", "Clients' e-mail addresses could be read.", NULL));
	OK(fort_incident_log(v, inc, "remedy", "Password changed, sessions ended.", NULL));
	assert_int_equal(fort_incident_close(v, inc), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "decision"));
	assert_null(strstr(fort_error_message(), "facts"));
	assert_int_equal(fort_incident_decide(v, inc, "no-notify", NULL), FORT_EINPUT);   /* reasons required */
	OK(fort_incident_decide(v, inc, "no-notify", "Exposure under a minute, no access in the logs."));
	OK(fort_incident_close(v, inc));
	OK(fort_incident_get(&in, v, inc));
	assert_string_equal(in.state, "closed");
	assert_string_equal(in.decision, "no-notify");
	assert_string_equal(in.decided_by, "alice");
	/* closed: no more changes */
	assert_int_equal(fort_incident_log(v, inc, "fact", "late", NULL), FORT_EINPUT);
	/* the text is stored encrypted: not in the file in clear */
	{
		fort_incident_note *n = NULL;
		size_t nn = 0;
		FILE *f;
		char *buf;
		long len;
		int found = 0;
		OK(fort_incident_notes(&n, &nn, v, inc));
		assert_int_equal(nn, 4);
		fort_incident_notes_free(n, nn);
		fort_vault_close(v);
		v = NULL;
		/* (the PostgreSQL data directory: e2e t4090's canary scan) */
		f = test_store_pg() ? NULL : fopen(vault_at("impact.db"), "rb");
		assert_true(f || test_store_pg());
		if (f) {
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		buf = malloc((size_t)len);
		assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
		fclose(f);
		for (long i = 0; i + 10 < len; i++)
			found |= memcmp(buf + i, "shared pas", 10) == 0;
		free(buf);
		assert_false(found);
		}
		v = open_vault(vault_at("impact.db"), PASS);
	}
	/* review and actions, overdue first */
	{
		fort_incident_review_spec rs = FORT_INCIDENT_REVIEW_INIT;
		fort_action_info *a = NULL;
		size_t n = 0;
		int64_t a1 = 0, a2 = 0;
		rs.root_cause = "One password shared by everyone.";
		OK(fort_incident_review(v, inc, &rs));
		OK(fort_action_add(&a1, v, inc, "Give every user their own account", "alice", "2026-06-01"));
		OK(fort_action_add(&a2, v, inc, "Train staff on password managers", "bob", "2026-04-01"));
		assert_int_equal(fort_action_add(NULL, v, inc, "no date", "bob", "2026-02-30"), FORT_EINPUT);
		OK(fort_action_list(&a, &n, v, 1, "2026-05-01"));
		assert_int_equal(n, 2);
		assert_int_equal(a[0].id, a2);
		assert_true(a[0].overdue);
		assert_false(a[1].overdue);
		assert_string_equal(a[1].text, "Give every user their own account");
		free(a);
		OK(fort_action_done(v, a2));
		assert_int_equal(fort_action_done(v, a2), FORT_EINPUT);
		OK(fort_action_list(&a, &n, v, 1, "2026-05-01"));
		assert_int_equal(n, 1);
		assert_int_equal(a[0].id, a1);
		free(a);
	}
	expect_verified(v);
}

static const fort_incident_clock *find_clock(const fort_incident_clock *k, size_t n, const char *j, const char *clock)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(k[i].jurisdiction, j) == 0 && strcmp(k[i].clock, clock) == 0)
			return &k[i];
	fail_msg("no clock %s %s", j, clock);
	return NULL;
}

static int64_t ts(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	assert_non_null(strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm));
	return (int64_t)timegm(&tm);
}

static void test_clocks_and_letters(void **state)
{
	int64_t inc = 0;
	fort_incident_clock *k = NULL;
	size_t n = 0;
	(void)state;
	/* C1: aware Fri 2026-03-27 16:00 UTC -> due Mon 2026-03-30 16:00 UTC,
	 * across a weekend and the EU's DST change (Sun 29 March) */
	assert_int_equal(fort_incident_open(&inc, v, "laptop with an export stolen", "lost-device", "2026-03-27T09:00:00Z",
					    "2026-03-27T16:00:00Z"), 0);
	{
		fort_incident_scope s = FORT_INCIDENT_SCOPE_INIT;
		s.category = "financial";
		OK(fort_incident_scope_add(v, inc, &s));
	}
	OK(fort_incident_clocks(&k, &n, v, inc, ts("2026-03-28T10:00:00Z")));
	{
		const fort_incident_clock *c = find_clock(k, n, "EU", "breach-authority");
		assert_string_equal(c->due, "2026-03-30T16:00:00Z");
		assert_true(c->hours);
		assert_false(c->overdue);
		assert_string_equal(find_clock(k, n, "EU", "breach-individuals")->due, "");
		assert_ptr_equal(c, &k[0]);   /* the only dated clock comes first */
	}
	free(k);
	OK(fort_incident_clocks(&k, &n, v, inc, ts("2026-03-30T16:00:01Z")));
	assert_true(k[0].overdue);
	assert_string_equal(k[0].clock, "breach-authority");
	free(k);

	/* issue 12 item 11: a notification made on the authority's web form in
	 * time meets the clock: never OVERDUE afterwards, not late */
	{
		int64_t late_inc = 0;
		const fort_incident_clock *c;
		assert_int_equal(fort_incident_notified(v, inc, "authority", "2026-03-29T10:00:00Z", "fax", "X"), FORT_EINPUT);
		assert_int_equal(fort_incident_notified(v, inc, "authority", "2026-03-29T10:00:00Z", "portal", NULL), FORT_EINPUT);
		assert_int_equal(fort_incident_notified(v, inc, "authority", "2026-03-26T10:00:00Z", "portal", "R"), FORT_EINPUT);
		OK(fort_incident_notified(v, inc, "authority", "2026-03-29T10:00:00Z", "portal", "BayLDA-2026-0815"));
		OK(fort_incident_clocks(&k, &n, v, inc, ts("2026-04-02T00:00:00Z")));
		c = find_clock(k, n, "EU", "breach-authority");
		assert_true(c->met);
		assert_false(c->overdue);
		assert_false(c->late);
		assert_string_equal(c->met_at, "2026-03-29T10:00:00Z");
		free(k);
		{
			/* the register keeps how and the reference */
			fort_incident_note *notes = NULL;
			size_t nn = 0, found = 0;
			OK(fort_incident_notes(&notes, &nn, v, inc));
			for (size_t i = 0; i < nn; i++)
				found += strcmp(notes[i].kind, "notified-auth") == 0 && strstr(notes[i].text, "portal") &&
					 strstr(notes[i].text, "BayLDA-2026-0815") && strcmp(notes[i].actor, "alice") == 0;
			assert_int_equal(found, 1);
			fort_incident_notes_free(notes, nn);
		}
		/* made after the 72 hours: met, and marked late for good */
		assert_int_equal(fort_incident_open(&late_inc, v, "late one", "lost-device", "2026-03-01T09:00:00Z",
						    "2026-03-01T10:00:00Z"), 0);
		OK(fort_incident_notified(v, late_inc, "authority", "2026-03-05T10:00:00Z", "post", NULL));
		OK(fort_incident_clocks(&k, &n, v, late_inc, ts("2026-03-09T00:00:00Z")));
		c = find_clock(k, n, "EU", "breach-authority");
		assert_true(c->met && c->late);
		assert_false(c->overdue);
		free(k);
	}

	/* letters: elements missing first */
	assert_int_equal(fort_incident_letters(v, inc, NULL, NULL, NULL), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "contact point"));
	{
		fort_incident_assessment a = FORT_INCIDENT_ASSESSMENT_INIT;
		a.contact = "Alice Owner, privacy@orbit.example, +49 30 1234567";
		a.likelihood = 4;
		a.severity = 3;
		a.encrypted = 0;
		a.key_compromised = 0;
		OK(fort_incident_assess(v, inc, &a));
	}
	OK(fort_incident_log(v, inc, "fact", "A laptop holding last week's export was stolen from a car.", NULL));
	OK(fort_incident_log(v, inc, "effect", "Bank details could be used for fraudulent direct debits.", NULL));
	OK(fort_incident_log(v, inc, "remedy", "Police report filed; the laptop's accounts were locked.", NULL));
	OK(fort_incident_log(v, inc, "timeline", "laptop stolen", "2026-03-27T09:00:00Z"));
	/* issue 12 item 1: a German business without its Land has no authority
	 * to write to (never the federal BfDI, which supervises federal bodies) */
	{
		fort_letter_opts lo = FORT_LETTER_OPTS_INIT;
		lo.now = ts("2026-03-28T10:00:00Z");
		lo.authority_only = 1;
		assert_int_equal(fort_incident_letters(v, inc, &lo, NULL, NULL), FORT_ENOTFOUND);
		assert_non_null(strstr(fort_error_message(), "--state"));
	}
	{
		fort_business_spec b = FORT_BUSINESS_SPEC_INIT;
		b.state = "Bavaria";
		b.email = "privacy@orbit.example";
		b.address = "Hauptstrasse 1, 91522 Ansbach";
		b.dpo = "Dora Datenschutz, dpo@orbit.example";
		OK(fort_business_set(v, &b));
	}
	{
		fort_letter_opts o = FORT_LETTER_OPTS_INIT;
		size_t written = 0;
		o.now = ts("2026-03-28T10:00:00Z");
		OK(fort_incident_letters_write(&written, v, inc, &o, path_of("letters"), "text,html,pdf"));
		assert_int_equal(written, 13);   /* the authority and 12 clients */
		/* 72 h + 1 s: the reasons for the delay are required */
		o.now = ts("2026-03-30T16:00:01Z");
		assert_int_equal(fort_incident_letters(v, inc, &o, NULL, NULL), FORT_EINPUT);
		assert_non_null(strstr(fort_error_message(), "reasons for the delay"));
		o.now = ts("2026-03-30T16:00:00Z");   /* exactly 72 h: still in time */
		o.authority_only = 1;
		OK(fort_incident_letters(v, inc, &o, NULL, NULL));
	}
	expect_verified(v);
}

struct letters { int authority, clients, late_ok; char first_to[64]; };

static int letter_cb(void *ctx, const fort_letter *l)
{
	struct letters *s = ctx;
	char missing[200];
	if (strcmp(l->kind, "authority") == 0) {
		s->authority++;
		OK(fort_letter_check("authority-late", l->text, missing, sizeof missing));
		/* the business's Land's authority (BDSG 40), never the BfDI */
		assert_non_null(strstr(l->text, "Bayerisches Landesamt"));
		assert_null(strstr(l->text, "Bundesbeauftragte"));
		/* the controller's contact details and DPO (issue 12 item 5) */
		assert_non_null(strstr(l->text, "Hauptstrasse 1, 91522 Ansbach"));
		assert_non_null(strstr(l->text, "privacy@orbit.example"));
		assert_non_null(strstr(l->text, "dpo@orbit.example"));
		assert_non_null(strstr(l->text, "the roads were closed"));
		assert_null(strstr(l->text, "client0@example.org"));      /* no client data in the report */
		assert_non_null(strstr(l->html, "<h2>Likely consequences</h2>"));
	} else {
		OK(fort_letter_check("client", l->text, missing, sizeof missing));
		assert_non_null(strstr(l->text, "Check your bank"));        /* financial advice, from the table */
		assert_non_null(strstr(l->text, "Dear Client Number"));
		if (!s->clients)
			snprintf(s->first_to, sizeof s->first_to, "%s", l->to);
		s->clients++;
	}
	return 0;
}

static void test_letter_contents(void **state)
{
	fort_incident_info *all = NULL;
	size_t n = 0;
	int64_t inc;
	struct letters s;
	fort_letter_opts o = FORT_LETTER_OPTS_INIT;
	char missing[200];
	(void)state;
	OK(fort_incident_list(&all, &n, v));
	inc = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].title, "laptop with an export stolen") == 0)
			inc = all[i].id;
	free(all);
	assert_true(inc > 0);
	memset(&s, 0, sizeof s);
	o.now = ts("2026-03-31T09:00:00Z");
	o.reasons_for_delay = "the roads were closed";
	OK(fort_incident_letters(v, inc, &o, letter_cb, &s));
	assert_int_equal(s.authority, 1);
	assert_int_equal(s.clients, 12);
	assert_string_equal(s.first_to, "client0@example.org");
	/* the validator fails a letter that lacks an element */
	assert_int_equal(fort_letter_check("client", "# Notice of Data Breach\n\n## What happened\n\nA thing.\n", missing, sizeof missing),
			 FORT_EINPUT);
	assert_string_equal(missing, "the personal data involved");
	assert_int_equal(fort_letter_check("authority-late", "## Nature of the breach\n\nx\n## Data subjects concerned\n\nx\n"
					   "## Personal data records concerned\n\nx\n## Contact point\n\nx\n## Likely consequences\n\nx\n"
					   "## Measures taken or proposed\n\nx\n## Reasons for the delay\n\n", missing, sizeof missing),
			 FORT_EINPUT);
	assert_string_equal(missing, "reasons for the delay");
}

/* Issue 12 item 12: a US state's letter elements are data; a New York
 * client's letter carries the agencies GBL 899-aa(7) asks for, and is
 * checked against them. */
struct ny { int ny, tx; };

static int ny_cb(void *ctx, const fort_letter *l)
{
	struct ny *s = ctx;
	char missing[200];
	if (strcmp(l->kind, "client") != 0)
		return 0;
	if (strstr(l->text, "Dear Nina")) {
		s->ny++;
		assert_non_null(strstr(l->text, "## Government agencies that can help"));
		assert_non_null(strstr(l->text, "1-877-438-4338"));
		assert_non_null(strstr(l->text, "ag.ny.gov"));
		OK(fort_letter_check("client:US-NY", l->text, missing, sizeof missing));
	} else {
		s->tx++;
		assert_null(strstr(l->text, "ag.ny.gov"));
	}
	return 0;
}

static void test_us_state_letters(void **state)
{
	fort_create_opts co = FORT_CREATE_OPTS_INIT;
	fort_secret *pass = secret(PASS);
	fort_vault *u = NULL;
	int64_t inc = 0;
	char id[FORT_ID_LEN + 1], missing[200];
	struct ny s = { 0, 0 };
	fort_letter_opts o = FORT_LETTER_OPTS_INIT;
	(void)state;
	co.business = "Empire Books";
	co.owner = "sam";
	co.kdf = FORT_KDF_INTERACTIVE;
	co.default_country = "US";
	OK(fort_vault_create(&u, vault_at("ny.db"), &co, pass));
	fort_secret_free(pass);
	{
		fort_field_spec f = FORT_FIELD_SPEC_INIT;
		const char *p[] = { "service" };
		f.name = "country"; f.type = "text"; f.category = "contact"; f.purposes = p; f.npurposes = 1;
		OK(fort_map_field_add(u, &f));
		f.name = "state";
		OK(fort_map_field_add(u, &f));
	}
	{
		fort_kv a[] = { { "full_name", "Nina York" }, { "email", "nina@example.org" }, { "country", "US" }, { "state", "New York" } };
		fort_kv b[] = { { "full_name", "Tex Ranger" }, { "email", "tex@example.org" }, { "country", "US" }, { "state", "TX" } };
		OK(fort_client_add(id, u, a, 4));
		OK(fort_client_add(id, u, b, 4));
	}
	OK(fort_incident_open(&inc, u, "mailbox breached", "other", NULL, "2026-11-15T10:00:00Z"));
	{
		fort_incident_scope sc = FORT_INCIDENT_SCOPE_INIT;
		fort_incident_assessment a = FORT_INCIDENT_ASSESSMENT_INIT;
		sc.category = "identity";
		OK(fort_incident_scope_add(u, inc, &sc));
		a.contact = "Sam, 1-800-555-0100, privacy@empire.example";
		OK(fort_incident_assess(u, inc, &a));
	}
	OK(fort_incident_log(u, inc, "fact", "f", NULL));
	OK(fort_incident_log(u, inc, "effect", "e", NULL));
	OK(fort_incident_log(u, inc, "remedy", "r", NULL));
	o.clients_only = 1;
	OK(fort_incident_letters(u, inc, &o, ny_cb, &s));
	assert_int_equal(s.ny, 1);
	assert_int_equal(s.tx, 1);
	/* the check: a New York letter without the agencies fails, naming them */
	assert_int_equal(fort_letter_check("client:US-NY", "# Notice of Data Breach\n\n## What happened\n\nx\n"
					   "## What information was involved\n\nx\n## What we are doing\n\nx\n"
					   "## What this could mean for you\n\nx\n## What you can do\n\nx\n## For more information\n\nx\n",
					   missing, sizeof missing), FORT_EINPUT);
	assert_non_null(strstr(missing, "identity theft"));
	fort_vault_close(u);
}

/* Issue 12 item 12, every state with content rules: each resident's letter
 * carries their state's sections (text and agency contacts from the data)
 * and passes its check; Massachusetts' carries no nature of the breach; a
 * state without rules gets the common letter; a letter missing an element,
 * or stating a forbidden one, is refused; a GDPR business cannot write a
 * Massachusetts letter (Art. 34(2) and c. 93H s. 3(b) conflict). */
#define NSTATES 7
static const char *const st_names[NSTATES] = { "Mass Ann", "Ill Ian", "York Nina", "Cali Carl", "Tex Ted", "Rhody Rae", "Wis Wanda" };
static const char *const st_codes[NSTATES] = { "MA", "IL", "NY", "CA", "TX", "RI", "WI" };
struct st_letters { char *text[NSTATES]; };

static int st_cb(void *ctx, const fort_letter *l)
{
	struct st_letters *s = ctx;
	if (strcmp(l->kind, "client") != 0)
		return 0;
	for (int i = 0; i < NSTATES; i++)
		if (strstr(l->text, st_names[i]))
			s->text[i] = strdup(l->text);
	return 0;
}

static fort_vault *state_vault(const char *file, const char *country, int64_t *incp)
{
	fort_create_opts co = FORT_CREATE_OPTS_INIT;
	fort_secret *pass = secret(PASS);
	fort_vault *u = NULL;
	char id[FORT_ID_LEN + 1];
	int64_t inc = 0;
	co.business = "Harbor Books";
	co.owner = "sam";
	co.kdf = FORT_KDF_INTERACTIVE;
	co.default_country = country;
	OK(fort_vault_create(&u, path_of(file), &co, pass));
	fort_secret_free(pass);
	{
		fort_field_spec f = FORT_FIELD_SPEC_INIT;
		const char *p[] = { "service" };
		f.name = "country"; f.type = "text"; f.category = "contact"; f.purposes = p; f.npurposes = 1;
		OK(fort_map_field_add(u, &f));
		f.name = "state";
		OK(fort_map_field_add(u, &f));
	}
	for (int i = 0; i < NSTATES; i++) {
		char mail[32];
		snprintf(mail, sizeof mail, "c%d@example.org", i);
		fort_kv kv[] = { { "full_name", st_names[i] }, { "email", mail }, { "country", "US" }, { "state", st_codes[i] } };
		OK(fort_client_add(id, u, kv, 4));
	}
	OK(fort_incident_open(&inc, u, "shared mailbox opened by a phishing link", "other", NULL, "2026-11-15T10:00:00Z"));
	{
		fort_incident_scope sc = FORT_INCIDENT_SCOPE_INIT;
		fort_incident_assessment a = FORT_INCIDENT_ASSESSMENT_INIT;
		sc.category = "identity";
		OK(fort_incident_scope_add(u, inc, &sc));
		a.contact = "Sam, 1-800-555-0100, privacy@harbor.example";
		OK(fort_incident_assess(u, inc, &a));
	}
	OK(fort_incident_log(u, inc, "fact", "an attacker read the inbox for two hours", NULL));
	OK(fort_incident_log(u, inc, "effect", "e", NULL));
	OK(fort_incident_log(u, inc, "remedy", "r", NULL));
	*incp = inc;
	return u;
}

/* TEXT without the line holding NEEDLE (a crafted letter missing one item). */
static char *drop_line(const char *text, const char *needle)
{
	const char *p = strstr(text, needle), *a, *b;
	char *out;
	assert_non_null(p);
	for (a = p; a > text && a[-1] != '\n'; a--)
		;
	b = strchr(p, '\n');
	b = b ? b + 1 : p + strlen(p);
	out = malloc(strlen(text) + 1);
	memcpy(out, text, (size_t)(a - text));
	strcpy(out + (a - text), b);
	return out;
}

static void test_state_letter_elements(void **state)
{
	int64_t inc = 0;
	fort_vault *u = state_vault("states.db", "US", &inc);
	struct st_letters s;
	fort_letter_opts o = FORT_LETTER_OPTS_INIT;
	char missing[300];
	(void)state;
	memset(&s, 0, sizeof s);
	o.clients_only = 1;
	OK(fort_incident_letters(u, inc, &o, st_cb, &s));
	for (int i = 0; i < NSTATES; i++) {
		char kind[24];
		if (!s.text[i])
			fail_msg("no letter for %s", st_codes[i]);
		snprintf(kind, sizeof kind, "client:US-%s", st_codes[i]);
		OK(fort_letter_check(kind, s.text[i], missing, sizeof missing));
	}
	/* Massachusetts: police report and security freeze, and no nature of the breach */
	assert_non_null(strstr(s.text[0], "## Police report"));
	assert_non_null(strstr(s.text[0], "## Security freezes and fraud alerts"));
	assert_non_null(strstr(s.text[0], "## What we are doing"));
	assert_non_null(strstr(s.text[0], "There is no fee for requesting, temporarily lifting or permanently removing a security freeze"));
	assert_null(strstr(s.text[0], "## What happened"));
	assert_null(strstr(s.text[0], "phishing"));
	assert_null(strstr(s.text[0], "attacker read the inbox"));
	/* Wisconsin: the statement that the business knows of the acquisition (Wis. Stat. 134.98(3)(c)) */
	assert_non_null(strstr(s.text[6], "## What we know\n\n- We know that personal information about you was acquired by someone not authorized to have it."));
	/* Illinois: the agencies, the FTC and security-freeze information, as data */
	assert_non_null(strstr(s.text[1], "## Security freezes and fraud alerts"));
	assert_non_null(strstr(s.text[1], "- Federal Trade Commission, 600 Pennsylvania Avenue NW"));
	assert_non_null(strstr(s.text[1], "- Equifax: www.equifax.com, 1-800-685-1111"));
	/* 815 ILCS 530/10(a)(iii): where to get information on fraud alerts and freezes */
	assert_non_null(strstr(s.text[1], "- You can obtain information from the agencies above and the Federal Trade Commission about fraud alerts and security freezes\n"));
	assert_non_null(strstr(s.text[1], "## What happened"));
	/* New York: the agencies of GBL 899-aa(7) */
	assert_non_null(strstr(s.text[2], "## Government agencies that can help"));
	assert_non_null(strstr(s.text[2], "ag.ny.gov"));
	/* California: the headings and the agencies */
	assert_non_null(strstr(s.text[3], "# Notice of Data Breach"));
	assert_non_null(strstr(s.text[3], "## Consumer reporting agencies"));
	/* Texas has no content rule: the common letter only */
	assert_non_null(strstr(s.text[4], "## What happened"));
	assert_null(strstr(s.text[4], "## Consumer reporting agencies"));
	assert_null(strstr(s.text[4], "## Security freezes"));
	assert_null(strstr(s.text[4], "## Government agencies"));

	/* Rhode Island: the number of people affected, from the incident */
	assert_non_null(strstr(s.text[5], "- Number of people affected by this incident: 7\n"));
	assert_null(strstr(s.text[0], "Number of people affected"));   /* never in Massachusetts' */
	{
		char *bad = strdup(s.text[5]), *n = strstr(bad, "incident: 7");
		n[strlen("incident: ")] = 'x';   /* a number that is not one */
		assert_int_equal(fort_letter_check("client:US-RI", bad, missing, sizeof missing), FORT_EINPUT);
		assert_non_null(strstr(missing, "number of individuals affected"));
		free(bad);
	}
	/* the check refuses a letter missing one required item, naming it */
	{
		char *bad = drop_line(s.text[1], "Federal Trade Commission, 600");
		assert_int_equal(fort_letter_check("client:US-IL", bad, missing, sizeof missing), FORT_EINPUT);
		assert_non_null(strstr(missing, "Federal Trade Commission"));
		free(bad);
		bad = drop_line(s.text[0], "You have the right to obtain a police report");
		assert_int_equal(fort_letter_check("client:US-MA", bad, missing, sizeof missing), FORT_EINPUT);
		assert_non_null(strstr(missing, "police report"));
		free(bad);
		bad = drop_line(s.text[3], "TransUnion: www.transunion.com");
		assert_int_equal(fort_letter_check("client:US-CA", bad, missing, sizeof missing), FORT_EINPUT);
		assert_non_null(strstr(missing, "consumer reporting agencies"));
		free(bad);
		/* the same letter without its state's sections passes only as a Texas one */
		assert_int_equal(fort_letter_check("client:US-IL", s.text[4], missing, sizeof missing), FORT_EINPUT);
		OK(fort_letter_check("client:US-TX", s.text[4], missing, sizeof missing));
	}
	/* ... and one stating what Massachusetts forbids: the nature (the common
	 * letter's "What happened"), or a count of residents */
	assert_int_equal(fort_letter_check("client:US-MA", s.text[1], missing, sizeof missing), FORT_EINPUT);
	assert_non_null(strstr(missing, "nature of the breach"));
	{
		size_t n = strlen(s.text[0]);
		char *bad = malloc(n + 64);
		snprintf(bad, n + 64, "%s\n- Approximate number: 12\n", s.text[0]);
		assert_int_equal(fort_letter_check("client:US-MA", bad, missing, sizeof missing), FORT_EINPUT);
		assert_non_null(strstr(missing, "number of Massachusetts residents"));
		free(bad);
	}
	for (int i = 0; i < NSTATES; i++)
		free(s.text[i]);
	fort_vault_close(u);

	/* a business under the GDPR cannot meet Art. 34(2) and c. 93H s. 3(b) in
	 * one letter: refused, naming the conflict, no letter handed out */
	{
		fort_business_spec b = FORT_BUSINESS_SPEC_INIT;
		memset(&s, 0, sizeof s);
		u = state_vault("states-de.db", "DE", &inc);
		b.state = "DE-BY";
		OK(fort_business_set(u, &b));
		assert_int_equal(fort_incident_letters(u, inc, &o, st_cb, &s), FORT_EINPUT);
		assert_non_null(strstr(fort_error_message(), "US-MA"));
		assert_non_null(strstr(fort_error_message(), "Art. 34(2)"));
		for (int i = 0; i < NSTATES; i++)
			assert_null(s.text[i]);
		fort_vault_close(u);
	}
}

/* Issue 12 item 12, the offers: Connecticut (24 months), Massachusetts (18),
 * Delaware, California and Pennsylvania (12) require an offer of credit
 * monitoring or identity theft services when the breach exposed a Social
 * Security number (Pennsylvania also a bank account).  No enrolment
 * details: refused before any letter, naming the client, the state, the
 * statute, the field and the option.  Given: that state's letters carry it,
 * with the months and how to enrol, and the check verifies it; other
 * states' letters do not. */
struct offer_client { const char *name, *state, *ssn, *iban, *licence; };
struct offer_letters { size_t n; char *text[4]; char to[4][32]; };

static int offer_cb(void *ctx, const fort_letter *l)
{
	struct offer_letters *s = ctx;
	if (strcmp(l->kind, "client") == 0 && s->n < 4) {
		s->text[s->n] = strdup(l->text);
		snprintf(s->to[s->n], sizeof s->to[s->n], "%s", l->to);
		s->n++;
	}
	return 0;
}

static void offer_letters_free(struct offer_letters *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->text[i]);
	memset(s, 0, sizeof *s);
}

/* The letter to the client whose e-mail is TO. */
static const char *offer_letter(const struct offer_letters *s, const char *to)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->to[i], to) == 0)
			return s->text[i];
	fail_msg("no letter to %s", to);
	return NULL;
}

static fort_vault *offer_vault(const char *file, const struct offer_client *cl, size_t n, int64_t *incp)
{
	fort_create_opts co = FORT_CREATE_OPTS_INIT;
	fort_secret *pass = secret(PASS);
	fort_vault *u = NULL;
	char id[FORT_ID_LEN + 1];
	co.business = "Harbor Tax";
	co.owner = "sam";
	co.kdf = FORT_KDF_INTERACTIVE;
	co.default_country = "US";
	OK(fort_vault_create(&u, path_of(file), &co, pass));
	fort_secret_free(pass);
	{
		fort_field_spec f = FORT_FIELD_SPEC_INIT;
		const char *p[] = { "service" };
		f.name = "country"; f.type = "text"; f.category = "contact"; f.purposes = p; f.npurposes = 1;
		OK(fort_map_field_add(u, &f));
		f.name = "state";
		OK(fort_map_field_add(u, &f));
		/* a renamed field: found by its type, never its name */
		f.name = "social_security"; f.type = "ssn"; f.category = "financial";
		OK(fort_map_field_add(u, &f));
		f.name = "licence"; f.type = "id_number"; f.category = "financial";
		OK(fort_map_field_add(u, &f));
	}
	for (size_t i = 0; i < n; i++) {
		char mail[32];
		fort_kv kv[7] = { { "full_name", cl[i].name }, { "email", mail }, { "country", "US" }, { "state", cl[i].state } };
		size_t k = 4;
		snprintf(mail, sizeof mail, "c%zu@example.org", i);
		if (cl[i].ssn)
			kv[k++] = (fort_kv){ "social_security", cl[i].ssn };
		if (cl[i].iban)
			kv[k++] = (fort_kv){ "iban", cl[i].iban };
		if (cl[i].licence)
			kv[k++] = (fort_kv){ "licence", cl[i].licence };
		OK(fort_client_add(id, u, kv, k));
	}
	OK(fort_incident_open(incp, u, "tax files server breached", "other", NULL, "2026-11-15T10:00:00Z"));
	{
		fort_incident_scope sc = FORT_INCIDENT_SCOPE_INIT;
		fort_incident_assessment a = FORT_INCIDENT_ASSESSMENT_INIT;
		sc.category = "financial";
		OK(fort_incident_scope_add(u, *incp, &sc));
		a.contact = "Sam, 1-800-555-0100, privacy@harbor.example";
		OK(fort_incident_assess(u, *incp, &a));
	}
	OK(fort_incident_log(u, *incp, "fact", "f", NULL));
	OK(fort_incident_log(u, *incp, "effect", "e", NULL));
	OK(fort_incident_log(u, *incp, "remedy", "r", NULL));
	return u;
}

/* TEXT with the first FROM replaced by TO (a crafted letter). */
static char *replace_once(const char *text, const char *from, const char *to)
{
	const char *p = strstr(text, from);
	char *out;
	assert_non_null(p);
	out = malloc(strlen(text) + strlen(to) + 1);
	memcpy(out, text, (size_t)(p - text));
	strcpy(out + (p - text), to);
	strcat(out, p + strlen(from));
	return out;
}

static void test_state_offers(void **state)
{
	static const struct offer_client ct[] = { { "Conn Carla", "CT", "123-45-6789", NULL }, { "Tex Tom", "TX", "234-56-7890", NULL } };
	static const struct offer_client ct_iban[] = { { "Conn Chris", "CT", NULL, "DE89370400440532013000" } };
	static const struct offer_client pa[] = { { "Penn Paula", "PA", NULL, "DE89370400440532013000" } };
	static const struct offer_client ma[] = { { "Mass Mary", "MA", "345-67-8901", NULL } };
	fort_letter_opts o = FORT_LETTER_OPTS_INIT;
	struct offer_letters s;
	char missing[300];
	int64_t inc = 0;
	fort_vault *u;
	const char *l;
	(void)state;
	memset(&s, 0, sizeof s);
	o.clients_only = 1;

	/* Connecticut, SSN exposed, no offer: refused before any letter */
	u = offer_vault("offer-ct.db", ct, 2, &inc);
	assert_int_equal(fort_incident_letters(u, inc, &o, offer_cb, &s), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "US-CT"));
	assert_non_null(strstr(fort_error_message(), "36a-701b"));
	assert_non_null(strstr(fort_error_message(), "'social_security' (type ssn)"));
	assert_non_null(strstr(fort_error_message(), "24 months"));
	assert_non_null(strstr(fort_error_message(), "--offer-provider"));
	assert_null(strstr(fort_error_message(), "123-45"));      /* never the value */
	assert_int_equal(s.n, 0);
	/* half an offer is refused too */
	o.offer_provider = "IdGuard";
	assert_int_equal(fort_incident_letters(u, inc, &o, offer_cb, &s), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "--offer-enrol"));
	/* fewer months than Connecticut's minimum */
	o.offer_enrol = "https://enrol.example/harbor or 1-800-555-0199";
	o.offer_months = 12;
	assert_int_equal(fort_incident_letters(u, inc, &o, offer_cb, &s), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "at least 24 months"));
	assert_int_equal(s.n, 0);
	/* given: the Connecticut letter states 24 months and how to enrol */
	o.offer_months = 0;
	o.offer_code = "HARBOR-26";
	o.offer_until = "31.03.2027";   /* one form in the letter */
	assert_int_equal(fort_incident_letters(u, inc, &o, offer_cb, &s), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "YYYY-MM-DD"));
	o.offer_until = "2027-03-31";
	OK(fort_incident_letters(u, inc, &o, offer_cb, &s));
	assert_int_equal(s.n, 2);
	l = offer_letter(&s, "c0@example.org");
	assert_non_null(strstr(l, "## Identity theft prevention services\n\n- We offer you identity theft prevention services and, if "
				  "applicable, identity theft mitigation services for 24 months, at no cost to you\n"
				  "- Provided by IdGuard. How to enrol: https://enrol.example/harbor or 1-800-555-0199. "
				  "Your activation code: HARBOR-26. Enrol by: 2027-03-31.\n"));
	assert_non_null(strstr(l, "To place a security freeze on your credit file free of charge"));
	OK(fort_letter_check("client:US-CT+name,email,ssn", l, missing, sizeof missing));
	OK(fort_letter_check("client:US-CT", l, missing, sizeof missing));
	{
		/* the check: 12 months is not Connecticut's 24; no enrolment line */
		char *bad = replace_once(l, "for 24 months", "for 12 months");
		assert_int_equal(fort_letter_check("client:US-CT+ssn", bad, missing, sizeof missing), FORT_EINPUT);
		assert_non_null(strstr(missing, "24 months"));
		OK(fort_letter_check("client:US-CT", bad, missing, sizeof missing));   /* no SSN exposed: not asked for */
		free(bad);
		bad = drop_line(l, "Provided by IdGuard");
		assert_int_equal(fort_letter_check("client:US-CT+ssn", bad, missing, sizeof missing), FORT_EINPUT);
		free(bad);
		bad = replace_once(l, "How to enrol: ", "Call: ");
		assert_int_equal(fort_letter_check("client:US-CT+ssn", bad, missing, sizeof missing), FORT_EINPUT);
		free(bad);
	}
	/* Texas has no such rule: no offer in its resident's letter */
	l = offer_letter(&s, "c1@example.org");
	assert_null(strstr(l, "IdGuard"));
	assert_null(strstr(l, "months"));
	OK(fort_letter_check("client:US-TX+name,email,ssn", l, missing, sizeof missing));
	offer_letters_free(&s);
	fort_vault_close(u);

	/* Connecticut, a bank account but no SSN exposed: no offer needed */
	memset(&o, 0, sizeof o);
	o.version = FORT_LETTER_OPTS_VERSION;
	o.clients_only = 1;
	u = offer_vault("offer-ct-iban.db", ct_iban, 1, &inc);
	OK(fort_incident_letters(u, inc, &o, offer_cb, &s));
	assert_int_equal(s.n, 1);
	assert_null(strstr(s.text[0], "Identity theft prevention services"));
	assert_null(strstr(s.text[0], "Provided by"));
	OK(fort_letter_check("client:US-CT+name,email,iban", s.text[0], missing, sizeof missing));
	assert_int_equal(fort_letter_check("client:US-CT+ssn", s.text[0], missing, sizeof missing), FORT_EINPUT);
	offer_letters_free(&s);
	fort_vault_close(u);

	/* Pennsylvania, a bank account exposed: 12 months and a credit report */
	u = offer_vault("offer-pa.db", pa, 1, &inc);
	assert_int_equal(fort_incident_letters(u, inc, &o, offer_cb, &s), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "US-PA"));
	assert_non_null(strstr(fort_error_message(), "'iban' (type iban)"));
	assert_non_null(strstr(fort_error_message(), "2303"));
	o.offer_provider = "IdGuard";
	o.offer_enrol = "1-800-555-0199";
	OK(fort_incident_letters(u, inc, &o, offer_cb, &s));
	assert_int_equal(s.n, 1);
	assert_non_null(strstr(s.text[0], "## Credit monitoring\n\n- We offer you credit monitoring services for 12 months, at no cost to you\n"));
	assert_non_null(strstr(s.text[0], "one independent credit report"));
	assert_non_null(strstr(s.text[0], "- Provided by IdGuard. How to enrol: 1-800-555-0199.\n"));
	OK(fort_letter_check("client:US-PA+name,email,iban", s.text[0], missing, sizeof missing));
	offer_letters_free(&s);
	fort_vault_close(u);

	/* Pennsylvania and California, only a driver's licence exposed: offered
	 * too; Connecticut, the same: no offer */
	{
		static const struct offer_client dl[] = { { "Penn Pete", "PA", NULL, NULL, "D1234567" },
							  { "Cal Cleo", "CA", NULL, NULL, "B7654321" },
							  { "Conn Cole", "CT", NULL, NULL, "123456789" } };
		o.offer_provider = NULL;
		o.offer_enrol = NULL;
		u = offer_vault("offer-dl.db", dl, 3, &inc);
		assert_int_equal(fort_incident_letters(u, inc, &o, offer_cb, &s), FORT_EINPUT);
		assert_non_null(strstr(fort_error_message(), "'licence' (type id_number)"));
		o.offer_provider = "IdGuard";
		o.offer_enrol = "1-800-555-0199";
		OK(fort_incident_letters(u, inc, &o, offer_cb, &s));
		assert_int_equal(s.n, 3);
		assert_non_null(strstr(offer_letter(&s, "c0@example.org"), "credit monitoring services for 12 months"));
		assert_non_null(strstr(offer_letter(&s, "c1@example.org"), "identity theft prevention and mitigation services for 12 months"));
		assert_null(strstr(offer_letter(&s, "c2@example.org"), "IdGuard"));
		OK(fort_letter_check("client:US-CA+name,email,id_number", offer_letter(&s, "c1@example.org"), missing, sizeof missing));
		offer_letters_free(&s);
		fort_vault_close(u);
	}

	/* Massachusetts, SSN exposed: 18 months, no waiver of rights */
	o.offer_provider = NULL;
	o.offer_enrol = NULL;
	u = offer_vault("offer-ma.db", ma, 1, &inc);
	assert_int_equal(fort_incident_letters(u, inc, &o, offer_cb, &s), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "US-MA"));
	assert_non_null(strstr(fort_error_message(), "18 months"));
	o.offer_provider = "IdGuard";
	o.offer_enrol = "https://enrol.example/harbor";
	o.offer_months = 24;   /* more than the minimum: the letter states what is offered */
	OK(fort_incident_letters(u, inc, &o, offer_cb, &s));
	assert_int_equal(s.n, 1);
	assert_non_null(strstr(s.text[0], "## Credit monitoring\n\n- We offer you credit monitoring services, through a third party, for 24 months"));
	assert_non_null(strstr(s.text[0], "does not require you to waive any right"));
	assert_null(strstr(s.text[0], "## What happened"));     /* still c. 93H s. 3(b) */
	OK(fort_letter_check("client:US-MA+name,email,ssn", s.text[0], missing, sizeof missing));
	{
		char *bad = replace_once(s.text[0], "for 24 months", "for 17 months");
		assert_int_equal(fort_letter_check("client:US-MA+ssn", bad, missing, sizeof missing), FORT_EINPUT);
		assert_non_null(strstr(missing, "18 months"));
		free(bad);
	}
	offer_letters_free(&s);
	fort_vault_close(u);

	/* the District of Columbia, SSN exposed: 18 months (D.C. Code 28-3852.02) */
	{
		static const struct offer_client dc[] = { { "Dee Cee", "DC", "456-78-9012", NULL } };
		o.offer_provider = NULL;
		o.offer_enrol = NULL;
		o.offer_months = 0;
		u = offer_vault("offer-dc.db", dc, 1, &inc);
		assert_int_equal(fort_incident_letters(u, inc, &o, offer_cb, &s), FORT_EINPUT);
		assert_non_null(strstr(fort_error_message(), "28-3852.02"));
		o.offer_provider = "IdGuard";
		o.offer_enrol = "1-800-555-0199";
		OK(fort_incident_letters(u, inc, &o, offer_cb, &s));
		assert_int_equal(s.n, 1);
		assert_non_null(strstr(s.text[0], "identity theft protection services for 18 months, at no cost to you"));
		OK(fort_letter_check("client:US-DC+name,email,ssn", s.text[0], missing, sizeof missing));
		offer_letters_free(&s);
		fort_vault_close(u);
	}
}

/* A US business: no authority in the table (a clear error), and the clocks
 * of the clients' states and HIPAA. */
static void test_us(void **state)
{
	fort_create_opts co = FORT_CREATE_OPTS_INIT;
	fort_secret *pass = secret(PASS);
	fort_vault *u = NULL;
	int64_t inc = 0;
	fort_incident_clock *k = NULL;
	size_t n = 0;
	char id[FORT_ID_LEN + 1];
	/* names and codes, any case: normalised to ISO 3166 at input (issue 12 item 3) */
	static const char *const places[][2] = { { "United States", "California" }, { "usa", "tx" }, { "US", "us-fl" },
						 { "Germany", "" } };
	(void)state;
	co.business = "Sunny Therapy";
	co.owner = "sam";
	co.kdf = FORT_KDF_INTERACTIVE;
	co.default_country = "US";
	OK(fort_vault_create(&u, vault_at("us.db"), &co, pass));
	fort_secret_free(pass);
	{
		fort_field_spec f = FORT_FIELD_SPEC_INIT;
		const char *p[] = { "service" };
		f.name = "country"; f.type = "text"; f.category = "contact"; f.purposes = p; f.npurposes = 1;
		OK(fort_map_field_add(u, &f));
		f.name = "state";
		OK(fort_map_field_add(u, &f));
	}
	for (int i = 0; i < 4; i++) {
		fort_kv kv[3] = { { "full_name", "Pat Doe" }, { "country", places[i][0] }, { "state", places[i][1] } };
		OK(fort_client_add(id, u, kv, places[i][1][0] ? 3 : 2));
	}
	{
		/* stored as codes */
		char *canon = NULL;
		OK(fort_field_normalise(&canon, u, "country", " united states of america "));
		assert_string_equal(canon, "US");
		free(canon);
		OK(fort_field_normalise(&canon, u, "state", "California"));
		assert_string_equal(canon, "US-CA");
		free(canon);
	}
	{
		/* an unknown place is refused, naming the field; nothing is added */
		fort_kv bad[3] = { { "full_name", "Zed Doe" }, { "country", "US" }, { "state", "ZZ" } };
		assert_int_equal(fort_client_add(id, u, bad, 3), FORT_EINPUT);
		assert_non_null(strstr(fort_error_message(), "'state'"));
		bad[1].value = "Atlantis";
		assert_int_equal(fort_client_add(id, u, bad, 2), FORT_EINPUT);
		assert_non_null(strstr(fort_error_message(), "'country'"));
	}
	OK(fort_incident_open(&inc, u, "records server breached", "other", NULL, "2026-11-15T10:00:00Z"));
	{
		fort_incident_scope s = FORT_INCIDENT_SCOPE_INIT;
		fort_incident_assessment a = FORT_INCIDENT_ASSESSMENT_INIT;
		s.category = "identity";
		OK(fort_incident_scope_add(u, inc, &s));
		a.hipaa = 1;
		a.contact = "Sam, 1-800-555-0100, privacy@sunny.example";
		OK(fort_incident_assess(u, inc, &a));
	}
	OK(fort_incident_clocks(&k, &n, u, inc, ts("2026-12-16T00:00:00Z")));
	assert_string_equal(find_clock(k, n, "US-CA", "breach-individuals")->due, "2026-12-15");
	assert_string_equal(find_clock(k, n, "US-FL", "breach-individuals")->due, "2026-12-15");
	assert_string_equal(find_clock(k, n, "US-TX", "breach-individuals")->due, "2027-01-14");
	assert_string_equal(find_clock(k, n, "US-HIPAA", "breach-individuals")->due, "2027-01-14");
	assert_string_equal(find_clock(k, n, "US-HIPAA", "hhs-log")->due, "2027-03-01");   /* < 500: 60 days after the year's end */
	assert_string_equal(find_clock(k, n, "EU", "breach-individuals")->due, "");        /* the German client */
	/* overdue first (CA, FL), then by due date */
	assert_true(k[0].overdue && k[1].overdue);
	assert_false(k[2].overdue);
	assert_string_equal(k[2].due, "2027-01-14");
	for (size_t i = 0; i < n; i++)
		assert_string_not_equal(k[i].clock, "breach-authority");  /* no GDPR authority for a US business */
	free(k);
	/* the letters need an authority for the business's country: a clear error */
	OK(fort_incident_log(u, inc, "fact", "f", NULL));
	OK(fort_incident_log(u, inc, "effect", "e", NULL));
	OK(fort_incident_log(u, inc, "remedy", "r", NULL));
	assert_int_equal(fort_incident_letters(u, inc, NULL, NULL, NULL), FORT_ENOTFOUND);
	assert_non_null(strstr(fort_error_message(), "'US'"));
	{
		/* no client lands under the EU by default: exactly one EU client */
		fort_impact *im = NULL;
		size_t eu = 0;
		OK(fort_incident_impact(&im, u, inc));
		for (size_t i = 0; i < im->njurisdictions; i++)
			if (strcmp(im->jurisdictions[i].code, "EU") == 0)
				eu = im->jurisdictions[i].clients;
		assert_int_equal(eu, 1);
		fort_impact_free(im);
	}
	fort_vault_close(u);
}

static int teardown(void **state)
{
	fort_vault_close(v);
	return fixture_group_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_impact),
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_clocks_and_letters),
		cmocka_unit_test(test_letter_contents),
		cmocka_unit_test(test_us),
		cmocka_unit_test(test_us_state_letters),
		cmocka_unit_test(test_state_letter_elements),
		cmocka_unit_test(test_state_offers),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, teardown);
}
