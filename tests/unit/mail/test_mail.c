/* test_mail.c - the message builder and the outbox: RFC 2047 subjects
 * (UTF-8 never split, words at most 75 characters, decoding gives the
 * subject back), CRLF headers, base64 bodies in lines of at most 76,
 * multipart/alternative only with an HTML part; queueing refuses header
 * injection and bad addresses; a server that is not there leaves the
 * message queued with the attempt recorded (a real closed port, no mock). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>
#include "fortress.h"
#include "mail/mail_int.h"
#include "vault/vault_int.h"

#define FIXTURE_DIR "/tmp/fort-test-mail-XXXXXX"
#define PASS "orbit-velvet-cactus-lantern-meadow-pillow"
#define FIXTURE_VAULT_HELPERS
#include "fixture.h"

static fort_mail_settings settings(void)
{
	fort_mail_settings s;
	memset(&s, 0, sizeof s);
	snprintf(s.from, sizeof s.from, "office@orbit.example");
	snprintf(s.from_name, sizeof s.from_name, "Bäckerei Orbit");
	snprintf(s.security, sizeof s.security, "none");
	return s;
}

/* Decode every =?UTF-8?B?...?= word on the Subject header (with its folded lines). */
static void decode_subject(char *out, size_t cap, const char *msg)
{
	const char *p = strstr(msg, "\r\nSubject: "), *end;
	size_t k = 0;
	assert_non_null(p);
	p += 11;
	end = strstr(p, "\r\nMessage-ID:");
	assert_non_null(end);
	while (p < end) {
		const char *w = strstr(p, "=?UTF-8?B?"), *we;
		unsigned char bin[128];
		size_t n = 0;
		if (!w || w >= end)
			break;
		we = strstr(w + 10, "?=");
		assert_non_null(we);
		assert_true(we + 2 - w <= 75);
		assert_int_equal(sodium_base642bin(bin, sizeof bin, w + 10, (size_t)(we - w - 10), NULL, &n, NULL,
						   sodium_base64_VARIANT_ORIGINAL), 0);
		/* each word is whole UTF-8 on its own */
		assert_true(fort_utf8_valid((const char *)bin, n));
		assert_true(k + n < cap);
		memcpy(out + k, bin, n);
		k += n;
		p = we + 2;
	}
	out[k] = '\0';
}

int fort_utf8_valid(const char *s, size_t len);

static void test_build(void **state)
{
	fort_mail_settings s = settings();
	const char *subject = "Datenpanne – wichtige Information über Ihre Daten: äöü ÄÖÜ ß € „Zitat“ und noch viel mehr Text, damit es umbricht";
	json_t *msg = json_pack("{s:[s,s],s:s,s:s,s:s}", "to", "a@x.example", "b@y.example", "subject", subject, "text",
				"Hallo\nZeile zwei mit Umlaut ä\n", "html", "<p>Hallo</p>");
	fort_buf b;
	char dec[512];
	(void)state;
	fort_buf_init(&b, 1 << 20);
	assert_int_equal(smtp_build(&b, &s, msg, "<abc@orbit.example>", 1764403200), 0);
	assert_non_null(strstr(b.buf, "Date: Sat, 29 Nov 2025 08:00:00 +0000\r\n"));
	assert_non_null(strstr(b.buf, "From: =?UTF-8?B?"));
	assert_non_null(strstr(b.buf, " <office@orbit.example>\r\n"));
	assert_non_null(strstr(b.buf, "To: a@x.example,\r\n b@y.example\r\n"));
	assert_non_null(strstr(b.buf, "Message-ID: <abc@orbit.example>\r\n"));
	assert_non_null(strstr(b.buf, "MIME-Version: 1.0\r\n"));
	assert_non_null(strstr(b.buf, "Content-Type: multipart/alternative; boundary="));
	assert_non_null(strstr(b.buf, "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64"));
	assert_non_null(strstr(b.buf, "Content-Type: text/html; charset=UTF-8"));
	decode_subject(dec, sizeof dec, b.buf);
	assert_string_equal(dec, subject);
	/* no bare LF, no line longer than 998; body lines at most 76 */
	for (const char *p = b.buf, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		assert_true(nl > b.buf && nl[-1] == '\r');
		assert_true(nl - p <= 998);
	}
	{
		const char *body = strstr(b.buf, "base64\r\n\r\n") + 10;
		const char *eol = strstr(body, "\r\n");
		assert_true(eol - body <= 76);
	}
	fort_buf_release(&b);
	json_decref(msg);

	/* text only: one text/plain part, an ASCII subject left as it is */
	msg = json_pack("{s:[s],s:s,s:s}", "to", "a@x.example", "subject", "Plain subject", "text", "hi");
	fort_buf_init(&b, 1 << 20);
	assert_int_equal(smtp_build(&b, &s, msg, "<m@orbit.example>", 0), 0);
	assert_non_null(strstr(b.buf, "\r\nSubject: Plain subject\r\n"));
	assert_null(strstr(b.buf, "multipart"));
	assert_non_null(strstr(b.buf, "Content-Type: text/plain; charset=UTF-8\r\n"));
	assert_non_null(strstr(b.buf, "\r\n\r\naGk=\r\n")); /* "hi" */
	fort_buf_release(&b);
	json_decref(msg);
}

static int closed_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd); /* nothing listens there now */
	return port;
}

static void test_outbox(void **state)
{
	fort_vault *v = create_vault("out.db");
	fort_mail_msg m = FORT_MAIL_MSG_INIT;
	fort_mail_send_opts o = FORT_MAIL_SEND_OPTS_INIT;
	fort_mail_send_report rep;
	fort_mail_info *list = NULL;
	const char *to[] = { "client@x.example" }, *bad[] = { "a@b.example", "evil" };
	char port[16], *att = NULL;
	size_t n = 0;
	int64_t id = 0;
	(void)state;
	m.to = to;
	m.nto = 1;
	m.subject = "Hello\r\nBcc: evil@example.com";
	m.text = "body";
	assert_int_equal(fort_mail_queue(&id, v, &m), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "subject"));
	m.subject = "Hello";
	m.to = bad;
	m.nto = 2;
	assert_int_equal(fort_mail_queue(&id, v, &m), FORT_EINPUT);
	assert_non_null(strstr(fort_error_message(), "to[2]"));
	m.to = to;
	m.nto = 1;
	m.ref = "incident:1:client:2";
	assert_int_equal(fort_mail_queue(&id, v, &m), 0);
	assert_int_equal(id, 1);

	/* no host, no sender: refused before anything is tried */
	assert_int_equal(fort_mail_send(&rep, v, &o, NULL, NULL), FORT_EINPUT);
	assert_int_equal(fort_mail_set(v, "smtp.from", "office@orbit.example"), 0);
	assert_int_equal(fort_mail_set(v, "smtp.host", "127.0.0.1"), 0);
	assert_int_equal(fort_mail_set(v, "smtp.security", "none"), 0);
	assert_int_equal(fort_mail_set(v, "smtp.password", "x"), FORT_EINPUT);
	assert_int_equal(fort_mail_set(v, "smtp.colour", "x"), FORT_EINPUT);
	snprintf(port, sizeof port, "%d", closed_port());
	assert_int_equal(fort_mail_set(v, "smtp.port", port), 0);
	o.timeout_seconds = 5;
	assert_int_equal(fort_mail_send(&rep, v, &o, NULL, NULL), 0);
	assert_int_equal(rep.tried, 1);
	assert_int_equal(rep.failed, 1);
	assert_int_equal(rep.sent, 0);
	assert_int_equal(fort_mail_list(&list, &n, v, "incident:1"), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].status, "queued");
	assert_int_equal(list[0].attempts, 1);
	assert_int_equal(list[0].sent, 0);
	assert_non_null(strstr(list[0].error, "127.0.0.1"));
	assert_string_equal(list[0].to, "client@x.example");
	free(list);
	assert_int_equal(fort_mail_list(&list, &n, v, "other:"), 0);
	assert_int_equal(n, 0);
	free(list);
	assert_int_equal(fort_mail_attempts(&att, v, 1), 0);
	assert_non_null(strstr(att, "\"result\":\"failed\""));
	free(att);
	fort_vault_close(v);
}

/* The outbox and the settings go through the operation scaffold (issue 16
 * item 2): a role refusal leaves its "denied" entry naming the action, an
 * input error leaves nothing, a success its entry (the queue's with the
 * message's purpose). */
struct last { char action[64], result[16], purpose[32], detail[256]; uint64_t n; };

static int last_cb(void *ctx, const store_audit_row *r)
{
	struct last *l = ctx;
	snprintf(l->action, sizeof l->action, "%s", r->action);
	snprintf(l->result, sizeof l->result, "%s", r->result);
	snprintf(l->purpose, sizeof l->purpose, "%s", r->purpose ? r->purpose : "");
	snprintf(l->detail, sizeof l->detail, "%s", r->detail ? r->detail : "");
	l->n++;
	return 0;
}

static struct last last_entry(fort_vault *v)
{
	struct last l;
	memset(&l, 0, sizeof l);
	assert_int_equal(store_audit_each(v->st, NULL, last_cb, &l), 0);
	return l;
}

#define STAFF_PASS "harbor-quilt-sparrow-ember-violin-tundra"
#define BOOK_PASS "copper-lagoon-thistle-marble-canyon-oyster"

static void join(fort_vault *owner, const char *path, const char *user, const char *pass, const char *role)
{
	fort_secret *s = secret(pass);
	char fp[20];
	assert_int_equal(fort_user_request(fp, path, user, s, FORT_KDF_INTERACTIVE), 0);
	fort_secret_free(s);
	assert_int_equal(fort_user_add(owner, user, role, fp), 0);
}

static fort_vault *open_as(const char *user, const char *pass)
{
	fort_secret *s = secret(pass);
	fort_vault *v = NULL;
	if (fort_vault_open(&v, vault_at("roles.db"), user, s) != 0)
		fail_msg("open as %s: %s", user, fort_error_message());
	fort_secret_free(s);
	return v;
}

static void test_refusals_audited(void **state)
{
	fort_vault *v = create_vault("roles.db"), *sam, *bob;
	fort_mail_msg m = FORT_MAIL_MSG_INIT;
	const char *to[] = { "client@x.example" };
	fort_secret *pw = secret("smtp-secret-value");
	struct last l;
	int64_t id = 0;
	uint64_t before;
	(void)state;
	join(v, vault_at("roles.db"), "sam", STAFF_PASS, "staff");
	join(v, vault_at("roles.db"), "bob", BOOK_PASS, "bookkeeper");
	sam = open_as("sam", STAFF_PASS);
	assert_non_null(sam);
	m.to = to;
	m.nto = 1;
	m.subject = "Hello";
	m.text = "body";
	m.purpose = "service";

	/* staff may not change the settings (users): refused, audited */
	assert_int_equal(fort_mail_set(sam, "smtp.host", "mail.example"), FORT_EDENIED);
	l = last_entry(sam);
	assert_string_equal(l.action, "mail-settings");
	assert_string_equal(l.result, "denied");
	assert_int_equal(fort_mail_set_password(sam, pw), FORT_EDENIED);
	l = last_entry(sam);
	assert_string_equal(l.action, "mail-settings");
	assert_string_equal(l.result, "denied");
	before = l.n;
	/* staff may queue (write): its entry carries the message's purpose */
	assert_int_equal(fort_mail_queue(&id, sam, &m), 0);
	assert_int_equal(id, 1);
	l = last_entry(sam);
	assert_int_equal(l.n, before + 1);
	assert_string_equal(l.action, "mail-queue");
	assert_string_equal(l.result, "ok");
	assert_string_equal(l.purpose, "service");
	assert_non_null(strstr(l.detail, "message 1; 1 recipient(s)"));
	fort_vault_close(sam);

	/* a bookkeeper may not queue (no write): refused, audited, nothing queued */
	bob = open_as("bob", BOOK_PASS);
	assert_non_null(bob);
	id = 7;
	assert_int_equal(fort_mail_queue(&id, bob, &m), FORT_EDENIED);
	assert_int_equal(id, 0);
	l = last_entry(bob);
	assert_string_equal(l.action, "mail-queue");
	assert_string_equal(l.result, "denied");
	/* nor send (the scaffold's start of the per-message steps): refused,
	 * audited with its reason, the queued message untouched */
	{
		fort_mail_send_report rep;
		before = l.n;
		assert_int_equal(fort_mail_send(&rep, bob, NULL, NULL, NULL), FORT_EDENIED);
		assert_int_equal(rep.tried, 0);
		l = last_entry(bob);
		assert_int_equal(l.n, before + 1);
		assert_string_equal(l.action, "mail-send");
		assert_string_equal(l.result, "denied");
		assert_string_equal(l.detail, "your role 'bookkeeper' does not allow 'write' "
					      "(a user who manages users can run 'fortress role grant bookkeeper write')");
	}
	fort_vault_close(bob);

	/* the owner: a change leaves its entry (the key named), an input
	 * error nothing and no entry, the password its entry (never the value) */
	assert_int_equal(fort_mail_set(v, "smtp.host", "mail.example"), 0);
	l = last_entry(v);
	assert_string_equal(l.action, "mail-settings");
	assert_string_equal(l.result, "ok");
	assert_string_equal(l.detail, "smtp.host");
	before = l.n;
	assert_int_equal(fort_mail_set(v, "smtp.port", "99999"), FORT_EINPUT);
	assert_int_equal(last_entry(v).n, before);
	assert_int_equal(fort_mail_set_password(v, pw), 0);
	l = last_entry(v);
	assert_string_equal(l.detail, "smtp.password set");
	assert_null(strstr(l.detail, "smtp-secret-value"));
	{
		fort_mail_info *list = NULL;
		size_t n = 0;
		assert_int_equal(fort_mail_list(&list, &n, v, NULL), 0);
		assert_int_equal(n, 1);
		free(list);
	}
	fort_secret_free(pw);
	expect_verified(v);
	fort_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_outbox),
		cmocka_unit_test(test_refusals_audited),
	};
	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
