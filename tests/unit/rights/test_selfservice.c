/* test_selfservice.c - the self-service page's library (issue 18 items
 * 2-3, src/rights/selfservice.c): a sign-in link for a client is e-mailed
 * through the outbox and an unknown address gets none, with the same
 * result and the same row in me_links; a link works once, in the browser
 * that asked, for 15 minutes; a forged, replayed, expired or other
 * browser's link is refused and audited; a row edited, moved or added
 * with the sqlite3 library opens nothing; consents are recorded with
 * channel web and the language; a request records the link as its
 * identity check, or stays awaiting_id when the kind needs a second step,
 * and its confirmation is queued; allocation-failure loops (listed in
 * test_alloc_public.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <jansson.h>
#include "fortress.h"
#include "util.h"
#include "vault/vault_box.h"
#include "data/i18n.h"

#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_DIR "/tmp/fort-test-selfservice-XXXXXX"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

static fort_vault *setup_vault(const char *name, char id[FORT_ID_LEN + 1])
{
	fort_vault *v = create_vault(name);
	fort_kv kv[] = { { "full_name", "Marta Jovanović" }, { "email", "Marta@Example.org" } };
	char ver[65];
	assert_int_equal(fort_client_add(id, v, kv, 2), 0);
	assert_int_equal(fort_notice_publish(ver, v), 0);
	return v;
}

/* The text of the newest outbox message whose ref starts with PREFIX,
 * opened as the sender would (malloc'ed), or NULL when there is none. */
static char *newest_mail(fort_vault *v, const char *name, const char *prefix, char *to, size_t tocap)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *text = NULL, label[200], *js = NULL;
	size_t jl = 0;
	assert_int_equal(sqlite3_open(path_of(name), &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT message_id, data FROM mail_outbox WHERE ref LIKE ? || '%' ORDER BY id DESC LIMIT 1",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		json_t *j;
		snprintf(label, sizeof label, "mail:%s", (const char *)sqlite3_column_text(st, 0));
		assert_int_equal(vault_box_open(&js, &jl, v, label, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1)), 0);
		assert_non_null(j = json_loadb(js, jl, 0, NULL));
		text = strdup(json_string_value(json_object_get(j, "text")));
		if (to)
			snprintf(to, tocap, "%s", json_string_value(json_array_get(json_object_get(j, "to"), 0)));
		json_decref(j);
		fort_wipe_free(js);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return text;
}

static int count_rows(const char *name, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int n = -1;
	assert_int_equal(sqlite3_open(path_of(name), &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void exec(const char *name, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path_of(name), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* The token of the link in TEXT ("...?t=TOKEN&lang=xx"). */
static void token_of(char out[FORT_ME_TOKEN_LEN + 1], const char *text)
{
	const char *p = strstr(text, "/me/link?t=");
	assert_non_null(p);
	p += strlen("/me/link?t=");
	assert_true(strlen(p) > FORT_ME_TOKEN_LEN);
	memcpy(out, p, FORT_ME_TOKEN_LEN);
	out[FORT_ME_TOKEN_LEN] = '\0';
	assert_int_equal(p[FORT_ME_TOKEN_LEN], '&');
}

/* How many audit entries of ACTION with RESULT whose detail has WORDS. */
struct audit_count {
	const char *action, *result, *words;
	int n;
};
static int audit_cb(void *ctx, const fort_audit_entry *e)
{
	struct audit_count *c = ctx;
	if (strcmp(e->action, c->action) == 0 && strcmp(e->result, c->result) == 0 && (!c->words || strstr(e->detail, c->words)))
		c->n++;
	return 0;
}
static int audited(fort_vault *v, const char *action, const char *result, const char *words)
{
	struct audit_count c = { action, result, words, 0 };
	assert_int_equal(fort_audit_log(v, NULL, audit_cb, &c), 0);
	return c.n;
}

static void test_link_no_enumeration(void **state)
{
	char id[FORT_ID_LEN + 1], b1[FORT_ME_TOKEN_LEN + 1], b2[FORT_ME_TOKEN_LEN + 1], to[300];
	fort_me_opts o = FORT_ME_OPTS_INIT;
	fort_vault *v;
	char *text;
	(void)state;
	SQLITE_ONLY("follows the mailed link by reading the outbox with sqlite3");
	v = setup_vault("enum.fort", id);

	o.base_url = "https://vault.example/";
	fort_me_browser_new(b1);
	fort_me_browser_new(b2);
	assert_int_equal(strlen(b1), FORT_ME_TOKEN_LEN);
	assert_string_not_equal(b1, b2);
	/* an unknown address: the same answer, a row like any other, no mail */
	assert_int_equal(fort_me_link_request(v, "nobody@example.org", b1, &o), 0);
	assert_null(newest_mail(v, "enum.fort", "me:", NULL, 0));
	assert_int_equal(count_rows("enum.fort", "SELECT count(*) FROM me_links"), 1);
	/* the client's address, written differently: normalised, found, e-mailed */
	assert_int_equal(fort_me_link_request(v, "  MARTA@example.ORG ", b2, &o), 0);
	assert_non_null(text = newest_mail(v, "enum.fort", "me:link", to, sizeof to));
	/* to the address as typed, trimmed, its domain lower-cased */
	assert_string_equal(to, "MARTA@example.org");
	assert_non_null(strstr(text, "https://vault.example/me/link?t="));
	assert_non_null(strstr(text, i18n_text("en", "mail.link_body")));
	free(text);
	assert_int_equal(count_rows("enum.fort", "SELECT count(*) FROM me_links"), 2);
	/* both rows the same size: the file does not tell them apart */
	assert_int_equal(count_rows("enum.fort", "SELECT count(DISTINCT length(data)) FROM me_links"), 1);
	/* nothing of the address in the table */
	assert_int_equal(count_rows("enum.fort", "SELECT count(*) FROM me_links WHERE instr(data, 'marta') OR instr(data, 'nobody')"), 0);
	/* bad input: one clear error, nothing stored */
	assert_int_equal(fort_me_link_request(v, "not an address", b1, &o), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "not an e-mail address"));
	assert_int_equal(fort_me_link_request(v, "marta@example.org", "short", &o), FORT_EINPUT);
	assert_int_equal(count_rows("enum.fort", "SELECT count(*) FROM me_links"), 2);
	/* German e-mail */
	o.language = "de";
	assert_int_equal(fort_me_link_request(v, "marta@example.org", b1, &o), 0);
	assert_non_null(text = newest_mail(v, "enum.fort", "me:link", NULL, 0));
	assert_non_null(strstr(text, i18n_text("de", "mail.link_body")));
	assert_non_null(strstr(text, "lang=de"));
	free(text);
	expect_verified(v);
	fort_vault_close(v);
}

static void test_link_once_browser_expiry(void **state)
{
	char id[FORT_ID_LEN + 1], b[FORT_ME_TOKEN_LEN + 1], other[FORT_ME_TOKEN_LEN + 1], tok[FORT_ME_TOKEN_LEN + 1],
		got[FORT_ID_LEN + 1], forged[FORT_ME_TOKEN_LEN + 1];
	fort_me_opts o = FORT_ME_OPTS_INIT;
	fort_me_link_result res;
	fort_vault *v;
	char *text, *email = NULL;
	int64_t t0 = fort_now();
	(void)state;
	SQLITE_ONLY("follows the mailed link by reading the outbox with sqlite3");
	v = setup_vault("once.fort", id);

	o.base_url = "http://127.0.0.1:8710";
	fort_me_browser_new(b);
	fort_me_browser_new(other);
	fort_me_browser_new(forged);

	/* the right link, the right browser: signed in, once */
	assert_int_equal(fort_me_link_request(v, "marta@example.org", b, &o), 0);
	assert_non_null(text = newest_mail(v, "once.fort", "me:link", NULL, 0));
	token_of(tok, text);
	free(text);
	assert_int_equal(fort_me_link_redeem(&res, got, &email, v, tok, b, &o), 0);
	assert_int_equal(res, FORT_ME_LINK_OK);
	assert_string_equal(got, id);
	assert_string_equal(email, "marta@example.org");
	free(email);
	email = NULL;
	assert_int_equal(audited(v, "me-signin", "ok", NULL), 1);
	/* replayed: refused, audited */
	assert_int_equal(fort_me_link_redeem(&res, got, &email, v, tok, b, &o), 0);
	assert_int_equal(res, FORT_ME_LINK_INVALID);
	assert_null(email);
	assert_string_equal(got, "");
	/* forged: refused */
	assert_int_equal(fort_me_link_redeem(&res, got, &email, v, forged, b, &o), 0);
	assert_int_equal(res, FORT_ME_LINK_INVALID);
	assert_int_equal(fort_me_link_redeem(&res, got, &email, v, "not-a-token", b, &o), 0);
	assert_int_equal(res, FORT_ME_LINK_INVALID);
	assert_int_equal(audited(v, "me-signin", "denied", "does not exist"), 3);

	/* another browser: refused, and the link is gone */
	assert_int_equal(fort_me_link_request(v, "marta@example.org", b, &o), 0);
	assert_non_null(text = newest_mail(v, "once.fort", "me:link", NULL, 0));
	token_of(tok, text);
	free(text);
	assert_int_equal(fort_me_link_redeem(&res, got, &email, v, tok, other, &o), 0);
	assert_int_equal(res, FORT_ME_LINK_BROWSER);
	assert_null(email);
	assert_int_equal(fort_me_link_redeem(&res, got, &email, v, tok, b, &o), 0);
	assert_int_equal(res, FORT_ME_LINK_INVALID);
	assert_int_equal(audited(v, "me-signin", "denied", "another browser"), 1);
	/* no cookie at all: another browser */
	assert_int_equal(fort_me_link_request(v, "marta@example.org", b, &o), 0);
	assert_non_null(text = newest_mail(v, "once.fort", "me:link", NULL, 0));
	token_of(tok, text);
	free(text);
	assert_int_equal(fort_me_link_redeem(&res, got, &email, v, tok, NULL, &o), 0);
	assert_int_equal(res, FORT_ME_LINK_BROWSER);

	/* expired: 15 minutes and one second later */
	o.now = t0;
	assert_int_equal(fort_me_link_request(v, "marta@example.org", b, &o), 0);
	assert_non_null(text = newest_mail(v, "once.fort", "me:link", NULL, 0));
	token_of(tok, text);
	free(text);
	o.now = t0 + FORT_ME_LINK_SECONDS + 1;
	assert_int_equal(fort_me_link_redeem(&res, got, &email, v, tok, b, &o), 0);
	assert_int_equal(res, FORT_ME_LINK_EXPIRED);
	assert_null(email);
	assert_int_equal(audited(v, "me-signin", "denied", "expired"), 1);
	/* at 15 minutes exactly it still works */
	o.now = t0;
	assert_int_equal(fort_me_link_request(v, "marta@example.org", b, &o), 0);
	assert_non_null(text = newest_mail(v, "once.fort", "me:link", NULL, 0));
	token_of(tok, text);
	free(text);
	o.now = t0 + FORT_ME_LINK_SECONDS;
	assert_int_equal(fort_me_link_redeem(&res, got, &email, v, tok, b, &o), 0);
	assert_int_equal(res, FORT_ME_LINK_OK);
	free(email);
	email = NULL;
	/* expired rows are pruned */
	o.now = t0;
	assert_int_equal(fort_me_link_request(v, "nobody@example.org", b, &o), 0);
	assert_true(count_rows("once.fort", "SELECT count(*) FROM me_links") >= 1);
	assert_int_equal(fort_me_links_prune(v, t0 + FORT_ME_LINK_SECONDS + 1), 0);
	assert_int_equal(count_rows("once.fort", "SELECT count(*) FROM me_links"), 0);
	expect_verified(v);
	fort_vault_close(v);
}

/* The attacker who has the file: an edited expiry, a row moved to another
 * token, a box copied over another's, a row added: none opens. */
static void test_link_tamper(void **state)
{
	char id[FORT_ID_LEN + 1], b[FORT_ME_TOKEN_LEN + 1], tok[FORT_ME_TOKEN_LEN + 1], tok2[FORT_ME_TOKEN_LEN + 1],
		got[FORT_ID_LEN + 1];
	fort_me_opts o = FORT_ME_OPTS_INIT;
	fort_me_link_result res;
	fort_vault *v;
	char *text, *email = NULL;
	(void)state;
	SQLITE_ONLY("follows the mailed link by reading the outbox with sqlite3");
	v = setup_vault("tamper.fort", id);

	fort_me_browser_new(b);
	/* an expiry pushed forward: the box does not open */
	o.now = fort_now() - 3600;
	assert_int_equal(fort_me_link_request(v, "marta@example.org", b, &o), 0);
	assert_non_null(text = newest_mail(v, "tamper.fort", "me:link", NULL, 0));
	token_of(tok, text);
	free(text);
	o.now = 0;
	exec("tamper.fort", "UPDATE me_links SET expires = expires + 86400");
	assert_int_equal(fort_me_link_redeem(&res, got, &email, v, tok, b, &o), 0);
	assert_int_equal(res, FORT_ME_LINK_INVALID);
	assert_null(email);

	/* the client's box copied onto an unknown address's row (whose token
	 * the attacker would have): refused */
	assert_int_equal(fort_me_link_request(v, "marta@example.org", b, &o), 0);
	assert_non_null(text = newest_mail(v, "tamper.fort", "me:link", NULL, 0));
	token_of(tok, text);
	free(text);
	assert_int_equal(fort_me_link_request(v, "marta@example.org", b, &o), 0);
	assert_non_null(text = newest_mail(v, "tamper.fort", "me:link", NULL, 0));
	token_of(tok2, text);
	free(text);
	assert_string_not_equal(tok, tok2);
	exec("tamper.fort", "UPDATE me_links SET data = (SELECT data FROM me_links ORDER BY token LIMIT 1)");
	{
		int ok = 0;
		assert_int_equal(fort_me_link_redeem(&res, got, &email, v, tok, b, &o), 0);
		ok += res == FORT_ME_LINK_OK;
		free(email);
		email = NULL;
		assert_int_equal(fort_me_link_redeem(&res, got, &email, v, tok2, b, &o), 0);
		ok += res == FORT_ME_LINK_OK;
		free(email);
		email = NULL;
		/* only the row whose own box it is opens: at most one */
		assert_true(ok <= 1);
	}
	/* a row added by hand: its token hash is keyed, so no token reaches it */
	exec("tamper.fort", "INSERT INTO me_links(token, expires, data) VALUES(zeroblob(32), 99999999999, zeroblob(354))");
	assert_int_equal(fort_me_link_redeem(&res, got, &email, v, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", b, &o), 0);
	assert_int_equal(res, FORT_ME_LINK_INVALID);
	/* a deleted row: denied, never granted */
	assert_int_equal(fort_me_link_request(v, "marta@example.org", b, &o), 0);
	assert_non_null(text = newest_mail(v, "tamper.fort", "me:link", NULL, 0));
	token_of(tok, text);
	free(text);
	exec("tamper.fort", "DELETE FROM me_links");
	assert_int_equal(fort_me_link_redeem(&res, got, &email, v, tok, b, &o), 0);
	assert_int_equal(res, FORT_ME_LINK_INVALID);
	fort_vault_close(v);
}

static void test_consent_and_requests(void **state)
{
	char id[FORT_ID_LEN + 1], to[300];
	fort_me_opts o = FORT_ME_OPTS_INIT;
	fort_consent_state *cs = NULL;
	fort_consent_entry *ce = NULL;
	fort_request_info info;
	size_t n = 0;
	int restricted = 0;
	fort_vault *v;
	char *text;
	(void)state;
	SQLITE_ONLY("follows the mailed link by reading the outbox with sqlite3");
	v = setup_vault("consent.fort", id);

	o.language = "fr";
	assert_int_equal(fort_me_view(v, id), 0);
	assert_int_equal(audited(v, "me-view", "ok", "own access"), 1);
	/* give, then withdraw marketing: channel web, the page's language (no
	 * French notice stored: the English one) */
	assert_int_equal(fort_me_consent(v, id, "marketing", "grant", &o), 0);
	assert_int_equal(fort_consent_status(&cs, &n, &restricted, v, id), 0);
	assert_int_equal(n, 1);
	assert_true(cs[0].consented);
	free(cs);
	assert_int_equal(fort_me_consent(v, id, "marketing", "withdraw", &o), 0);
	assert_int_equal(fort_consent_status(&cs, &n, &restricted, v, id), 0);
	assert_false(cs[0].consented);
	free(cs);
	assert_int_equal(fort_consent_history(&ce, &n, v, id), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ce[0].action, "grant");
	assert_string_equal(ce[0].channel, "web");
	assert_true(strlen(ce[0].notice) == 64);
	assert_string_equal(ce[1].action, "withdraw");
	assert_string_equal(ce[1].channel, "web");
	assert_string_equal(ce[1].language, "fr");
	free(ce);
	/* a purpose that does not rest on consent, an unknown one, a bad action */
	assert_int_equal(fort_me_consent(v, id, "billing", "withdraw", &o), FORT_EINPUT);
	assert_int_equal(fort_me_consent(v, id, "astrology", "grant", &o), FORT_ENOTFOUND);
	assert_int_equal(fort_me_consent(v, id, "marketing", "object", &o), FORT_EINPUT);

	/* erasure: verified by the link, due in a month, confirmed by e-mail */
	assert_int_equal(fort_me_request(&info, v, id, "marta@example.org", "erasure", &o), 0);
	assert_string_equal(info.kind, "erasure");
	assert_string_equal(info.id_method, "one-time e-mail link");
	assert_string_equal(info.id_result, "verified");
	assert_string_equal(info.state, "in_progress");
	assert_true(info.due[0]);
	assert_non_null(text = newest_mail(v, "consent.fort", "me:request:", to, sizeof to));
	assert_string_equal(to, "marta@example.org");
	assert_non_null(strstr(text, info.due));
	assert_non_null(strstr(text, i18n_text("fr", "kind.erasure")));
	free(text);
	/* access with a second step required: pending identity check */
	o.second_step = "erasure,access";
	assert_int_equal(fort_me_request(&info, v, id, "marta@example.org", "access", &o), 0);
	assert_string_equal(info.state, "awaiting_id");
	assert_string_equal(info.id_method, "one-time e-mail link");
	assert_string_equal(info.id_result, "partial");
	assert_non_null(text = newest_mail(v, "consent.fort", "me:request:", NULL, 0));
	assert_non_null(strstr(text, i18n_text("fr", "me.pending_id")));
	free(text);
	/* "restriction" is not in the list: verified */
	assert_int_equal(fort_me_request(&info, v, id, "marta@example.org", "restriction", &o), 0);
	assert_string_equal(info.id_result, "verified");
	assert_int_equal(fort_me_request(&info, v, id, "marta@example.org", "everything", &o), FORT_EINPUT);
	{
		fort_request_info *all = NULL;
		assert_int_equal(fort_request_list(&all, &n, v, id, 0, NULL), 0);
		assert_int_equal(n, 3);
		free(all);
	}
	expect_verified(v);
	fort_vault_close(v);
}

/* The vault's request policy (a sealed setting, not only the server's
 * option) puts a kind's requests in awaiting_id with the step pending; every
 * request from the page records channel web; a rectification needs the
 * client's words, kept sealed with the request. */
static void test_policy_channel_note(void **state)
{
	char id[FORT_ID_LEN + 1], *note = NULL;
	fort_me_opts o = FORT_ME_OPTS_INIT;
	fort_request_policy pol;
	fort_request_info info;
	fort_vault *v;
	(void)state;
	SQLITE_ONLY("follows the mailed link and edits the policy with sqlite3");
	v = setup_vault("policy.fort", id);

	assert_int_equal(fort_request_policy_set(v, "portability"), 0);
	assert_int_equal(fort_request_policy_get(&pol, v), 0);
	assert_string_equal(pol.second_step, "portability");
	assert_int_equal(fort_me_request(&info, v, id, "marta@example.org", "portability", &o), 0);
	assert_string_equal(info.state, "awaiting_id");
	assert_string_equal(info.id_result, "partial");
	assert_non_null(strstr(info.pending, "second identity check"));
	assert_string_equal(info.channel, "web");
	assert_false(info.has_note);
	assert_int_equal(fort_request_get(&info, v, info.id, NULL), 0);
	assert_string_equal(info.channel, "web");
	assert_non_null(strstr(info.pending, "second identity check"));
	/* a kind the policy does not name: verified by the link, nothing pending */
	assert_int_equal(fort_me_request(&info, v, id, "marta@example.org", "objection", &o), 0);
	assert_string_equal(info.id_result, "verified");
	assert_string_equal(info.pending, "");
	/* rectification: the client's words are required, then held sealed */
	assert_int_equal(fort_me_request(&info, v, id, "marta@example.org", "rectification", &o), FORT_EINPUT);
	o.note = "My name is Marta Jovanovi\xc4\x87, with the accent <script>x</script>";
	assert_int_equal(fort_me_request(&info, v, id, "marta@example.org", "rectification", &o), 0);
	assert_true(info.has_note);
	assert_string_equal(info.channel, "web");
	assert_int_equal(fort_request_note(&note, v, info.id), 0);
	assert_non_null(note);
	assert_string_equal(note, o.note);
	free(note);
	assert_int_equal(count_rows("policy.fort", "SELECT count(*) FROM request_details WHERE channel = 'web'"), 3);
	assert_int_equal(count_rows("policy.fort", "SELECT count(*) FROM request_details WHERE CAST(note AS TEXT) LIKE '%accent%'"), 0);
	/* switched off: the next portability request is verified by the link */
	assert_int_equal(fort_request_policy_set(v, "none"), 0);
	assert_int_equal(fort_me_request(&info, v, id, "marta@example.org", "portability", &o), 0);
	assert_string_equal(info.id_result, "verified");
	expect_verified(v);
	fort_vault_close(v);
}

static void test_i18n_catalogues(void **state)
{
	char problem[256] = "";
	(void)state;
	assert_int_equal(i18n_check(problem, sizeof problem), 0);
	for (int i = 0; i18n_languages[i]; i++)
		assert_true(i18n_text(i18n_languages[i], "me.title")[0]);
	assert_string_not_equal(i18n_text("de", "me.title"), i18n_text("en", "me.title"));
	/* an unknown key prints nothing (never the key) and is counted */
	unsigned long before = i18n_missing();
	assert_string_equal(i18n_text("de", "me.no_such_key"), "");
	assert_int_equal(i18n_missing(), before + 1);
	/* an unknown language: English */
	assert_string_equal(i18n_text("xx", "me.title"), i18n_text("en", "me.title"));
	/* Accept-Language */
	assert_string_equal(i18n_pick("de-CH,de;q=0.9,en;q=0.8"), "de");
	assert_string_equal(i18n_pick("en;q=0.5, nl;q=0.7"), "nl");
	assert_string_equal(i18n_pick("pt-BR,fr;q=0.3"), "fr");
	assert_string_equal(i18n_pick("ja"), "en");
	assert_string_equal(i18n_pick(NULL), "en");
	assert_string_equal(i18n_pick("it;q=0, es"), "es");
	assert_string_equal(i18n_lang("IT"), "en");
	assert_string_equal(i18n_language_name("fr"), "Français");
}

static void test_alloc_loops(void **state)
{
	char id[FORT_ID_LEN + 1], b[FORT_ME_TOKEN_LEN + 1], tok[FORT_ME_TOKEN_LEN + 1], got[FORT_ID_LEN + 1];
	fort_me_opts o = FORT_ME_OPTS_INIT;
	fort_me_link_result res;
	fort_vault *v;
	char *text, *email = NULL;
	(void)state;
	SQLITE_ONLY("follows the mailed link by reading the outbox with sqlite3");
	v = setup_vault("alloc.fort", id);

	fort_me_browser_new(b);
	ALLOC_LOOP(fort_me_link_request(v, "marta@example.org", b, &o), (void)0);
	ALLOC_LOOP(fort_me_link_request(v, "nobody@example.org", b, &o), (void)0);
	/* each try uses a link up: a new one per try */
	for (unsigned long nth = 1;; nth++) {
		int r_;
		assert_int_equal(fort_me_link_request(v, "marta@example.org", b, &o), 0);
		assert_non_null(text = newest_mail(v, "alloc.fort", "me:link", NULL, 0));
		token_of(tok, text);
		free(text);
		fort_error_clear();
		fort_alloc_fail_at(nth);
		r_ = fort_me_link_redeem(&res, got, &email, v, tok, b, &o);
		fort_alloc_fail_at(0);
		if (r_ == 0 && res == FORT_ME_LINK_OK) {
			free(email);
			break;
		}
		/* the link is used up either way; a failure says why */
		assert_null(email);
		if (r_ < 0)
			assert_true(fort_error_name(r_) != NULL && fort_error_message()[0]);
		assert_true(nth < 100000);
	}
	ALLOC_LOOP(fort_me_links_prune(v, 0), (void)0);
	ALLOC_LOOP(fort_me_view(v, id), (void)0);
	ALLOC_LOOP(fort_me_consent(v, id, "marketing", "grant", &o), (void)0);
	ALLOC_LOOP(fort_me_request(NULL, v, id, "marta@example.org", "objection", &o), (void)0);
	expect_verified(v);
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_no_enumeration),
		cmocka_unit_test(test_link_once_browser_expiry),
		cmocka_unit_test(test_link_tamper),
		cmocka_unit_test(test_consent_and_requests),
		cmocka_unit_test(test_policy_channel_note),
		cmocka_unit_test(test_i18n_catalogues),
		cmocka_unit_test(test_alloc_loops),
	};
	fort_library_init();
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
