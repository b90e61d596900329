/* web_mail.c - the vault's e-mail settings from the web app (`fortress
 * mail show|set|test`): the SMTP host, port, security, login, sender, the
 * password (write-only: never shown, sent only when typed), saved in one
 * library call (fort_mail_configure: checked, one transaction, audited
 * with the keys only), and a test message sent at once (fort_mail_test). */
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "server/web.h"

static void text_field(page *p, const char *id, const char *label, const char *value, const char *type, const char *extra)
{
	web_put(p, "<p><label for=\"%s\">%s</label><input id=\"%s\" name=\"%s\" type=\"%s\" %s value=\"", id, label, id, id, type,
		extra);
	web_text(p, value);
	web_put(p, "\"></p>");
}

int page_mail(page *p)
{
	fort_mail_settings s;
	int r, may = fort_vault_can(p->req.v, "users", NULL);
	char port[16] = "";
	p->nav = "mail";
	snprintf(p->title, sizeof p->title, "E-mail settings");
	if ((r = fort_mail_settings_get(&s, p->req.v)) < 0)
		return r;
	if (s.port)
		snprintf(port, sizeof port, "%d", s.port);
	web_put(p, "<p>Fortress sends breach letters, answers to clients' requests and confirmations through your mail "
		   "provider's SMTP server. Your provider's help pages give the host and port; the login is usually your "
		   "e-mail address.</p><p id=\"mail-status\">%s</p>",
		s.host[0] && s.from[0] ? "E-mail is set up." : "E-mail is not set up yet: messages wait in the outbox.");
	if (!may) {
		web_put(p, "<dl class=\"facts\"><dt>Server</dt><dd>");
		web_text(p, s.host[0] ? s.host : "not set");
		web_put(p, "</dd><dt>Sender</dt><dd>");
		web_text(p, s.from[0] ? s.from : "not set");
		web_put(p, "</dd></dl><p>Changing them needs a role that manages users.</p>");
		return 0;
	}
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/mail\">");
	web_csrf_field(p);
	web_put(p, "<h2>SMTP server</h2>");
	text_field(p, "host", "Server (host name)", s.host, "text", "maxlength=\"253\" autocomplete=\"off\" spellcheck=\"false\" placeholder=\"smtp.example.com\"");
	web_put(p, "<p><label for=\"security\">Encryption</label><select id=\"security\" name=\"security\">"
		   "<option value=\"starttls\"%s>STARTTLS (port 587, the usual)</option><option value=\"tls\"%s>TLS from the "
		   "start (port 465)</option><option value=\"none\"%s>none (only on this machine or in tests)</option>"
		   "</select></p>",
		strcmp(s.security, "tls") && strcmp(s.security, "none") ? " selected" : "", strcmp(s.security, "tls") ? "" : " selected",
		strcmp(s.security, "none") ? "" : " selected");
	text_field(p, "port", "Port (empty: the usual one for the encryption)", port, "number", "min=\"1\" max=\"65535\"");
	text_field(p, "user", "Login (empty: none)", s.user, "text", "maxlength=\"255\" autocomplete=\"off\" spellcheck=\"false\"");
	web_put(p, "<p><label for=\"password\">Password (%s)</label><input id=\"password\" name=\"password\" type=\"password\" "
		   "autocomplete=\"new-password\"></p><p><input type=\"checkbox\" id=\"clear_password\" name=\"clear_password\" "
		   "value=\"1\"><label class=\"check\" for=\"clear_password\">Remove the stored password</label></p>",
		s.has_password ? "one is stored, encrypted; leave empty to keep it" : "none stored");
	web_put(p, "<h2>Sender</h2>");
	text_field(p, "from", "Sender address", s.from, "email", "maxlength=\"255\" autocomplete=\"off\" placeholder=\"office@example.com\"");
	text_field(p, "from_name", "Sender name", s.from_name, "text", "maxlength=\"127\"");
	web_put(p, "<p><button type=\"submit\">Save the settings</button></p></form>");
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/mail/test\">");
	web_csrf_field(p);
	web_put(p, "<h2>Test message</h2><p><label for=\"to\">Send a test message to</label><input id=\"to\" name=\"to\" "
		   "type=\"email\" required autocomplete=\"email\"></p><p><button type=\"submit\">Send it now</button></p></form>");
	return 0;
}

int page_mail_set(page *p)
{
	fort_mail_config c = FORT_MAIL_CONFIG_INIT;
	fort_secret *pw = NULL;
	const char *pass = web_form(p, "password");
	int r;
	p->nav = "mail";
	c.host = web_form(p, "host");
	c.port = web_form(p, "port");
	c.security = web_form(p, "security");
	c.user = web_form(p, "user");
	c.from = web_form(p, "from");
	c.from_name = web_form(p, "from_name");
	c.clear_password = web_form(p, "clear_password") != NULL;
	if (pass && *pass) {
		if (c.clear_password)
			return fort_error_set(FORT_EINPUT, "type a new password or tick \"remove\", not both");
		if ((r = fort_secret_new(&pw, pass, strlen(pass))) < 0)
			return r;
		c.password = pw;
	}
	r = fort_mail_configure(p->req.v, &c);
	fort_secret_free(pw);
	if (r < 0)
		return r;
	return web_redirect(p, "/mail");
}

static void sent_cb(void *ctx, const fort_mail_info *m, int result, const char *error)
{
	page *p = ctx;
	(void)m;
	if (result) {
		web_problem(p, "the test message was not sent: the mail server said");
		web_put(p, "<pre class=\"letter\">");
		web_text(p, error);
		web_put(p, "</pre>");
	}
}

int page_mail_test(page *p)
{
	fort_mail_send_report rep;
	int r;
	p->nav = "mail";
	snprintf(p->title, sizeof p->title, "Test message");
	if ((r = fort_mail_test(&rep, p->req.v, web_form(p, "to"), sent_cb, p)) < 0) {
		fort_buf_reset(&p->out);
		return r;
	}
	if (rep.sent)
		web_put(p, "<div class=\"ok\" role=\"status\"><p id=\"mail-test\">The test message was sent: look for it in the "
			   "mailbox (and its spam folder).</p></div>");
	else {
		p->status = 502;
		web_put(p, "<p id=\"mail-test\">Check the server, port, encryption, login and password, save them, and try "
			   "again. The message stays in the outbox; <code>fortress mail send</code> retries it.</p>");
	}
	web_put(p, "<p><a href=\"/mail\">Back to the e-mail settings</a></p>");
	return 0;
}
