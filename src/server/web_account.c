/* web_account.c - the account page and enrolling a second factor (TOTP)
 * from it, in two steps: GET /account/totp shows a new secret (a QR code
 * drawn with libqrencode as inline SVG, and the same key as text) and
 * stores nothing (fort_totp_propose); the POST carries that key back in a
 * hidden field with the code the person's app shows, and the library
 * enrols it only when the code is right (fort_totp_confirm), replacing the
 * earlier factor.  The ten recovery codes are shown once, on that answer.
 * The key travels only between this page and the browser (no-store, TLS
 * in production), never into a URL or the log. */
#include <stdlib.h>
#include <string.h>
#include "server/mhd.h"
#include "util.h"
#include "server/web.h"

int page_account(page *p)
{
	fort_status st;
	int r, e;
	p->nav = "account";
	snprintf(p->title, sizeof p->title, "Your account");
	if ((r = fort_vault_status(&st, p->req.v)) < 0)
		return r;
	if ((e = fort_totp_enrolled(p->req.v, p->req.user)) < 0)
		return e;
	web_put(p, "<dl class=\"facts\"><dt>Name</dt><dd>");
	web_text(p, p->req.user);
	web_put(p, "</dd><dt>Role</dt><dd>");
	web_text(p, st.role);
	web_put(p, "</dd><dt>Two-step sign-in (TOTP)</dt><dd>%s</dd></dl>",
		e ? "On: you sign in with a code from your authenticator app."
		  : "Off: you cannot sign in to the server without it.");
	web_put(p, "<p>A new phone, or your recovery codes running out? Set up your authenticator app again: "
		   "your old codes and recovery codes stop working once the new one is confirmed.</p>"
		   "<p><a class=\"button\" href=\"/account/totp\">Set up an authenticator app</a></p>"
		   "<p><a class=\"button\" href=\"/account/passphrase\">Change your passphrase</a></p>");
	return 0;
}

/* The QR code of TEXT as inline SVG: one path over the dark modules, a
 * quiet zone of 4, scaled by the browser (no inline style: the CSP). */
int web_qr_svg(page *p, const char *text)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	int w, quiet = 4;
	if (!q)
		return -1;
	w = q->width;
	web_put(p, "<svg class=\"qr\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"240\" height=\"240\" "
		   "role=\"img\" aria-label=\"QR code of the key for your authenticator app\" shape-rendering=\"crispEdges\">"
		   "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
		w + 2 * quiet, w + 2 * quiet);
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w; x++)
			if (q->data[y * w + x] & 1)
				web_put(p, "M%d %dh1v1h-1z", x + quiet, y + quiet);
	web_put(p, "\"/></svg>");
	QRcode_free(q);
	return 0;
}

/* The confirmation form for SECRET (base32). */
static void confirm_form(page *p, const char *secret)
{
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/account/totp\">");
	web_csrf_field(p);
	web_put(p, "<input type=\"hidden\" name=\"secret\" value=\"");
	web_text(p, secret);
	web_put(p, "\"><p><label for=\"code\">The six-digit code your app now shows for Fortress</label>"
		   "<input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\" "
		   "required maxlength=\"8\" aria-describedby=\"code-help\"></p>"
		   "<p id=\"code-help\" class=\"help\">This proves the app has the key. Until you confirm, your current "
		   "authenticator keeps working.</p><p><button type=\"submit\">Confirm and show my recovery codes</button></p>"
		   "</form>");
}

int page_totp_new(page *p)
{
	fort_totp_enrolment *e = NULL;
	int r;
	p->nav = "account";
	snprintf(p->title, sizeof p->title, "Set up your authenticator app");
	if ((r = fort_totp_propose(&e, p->req.v)) < 0)
		return r;
	web_put(p, "<ol class=\"steps\"><li><p>Open an authenticator app on your phone (Aegis, FreeOTP, Google "
		   "Authenticator, 1Password...) and scan this code:</p>");
	if (web_qr_svg(p, e->uri) < 0)
		web_put(p, "<p>(The QR code could not be drawn: type the key below instead.)</p>");
	web_put(p, "</li><li><p>Or type in this key by hand (time-based, 6 digits, 30 seconds):</p><p><code id=\"totp-secret\" "
		   "class=\"secret\">");
	web_text(p, e->secret);
	web_put(p, "</code></p></li><li><p>Type the code the app shows, to confirm:</p>");
	confirm_form(p, e->secret);
	web_put(p, "</li></ol>");
	fort_totp_enrolment_free(e);
	return 0;
}

int page_totp_confirm(page *p)
{
	fort_totp_enrolment *e = NULL;
	const char *secret = web_form(p, "secret"), *code = web_form(p, "code");
	int r;
	p->nav = "account";
	if ((r = fort_totp_confirm(&e, p->req.v, secret ? secret : "", code ? code : "")) < 0) {
		/* a wrong or mistyped code: the same key again, so the app need not be set up twice */
		if ((r != FORT_EAUTH && r != FORT_EINPUT) || !secret || !*secret)
			return r;
		p->status = r == FORT_EAUTH ? 403 : 400;
		snprintf(p->title, sizeof p->title, "Set up your authenticator app");
		web_problem(p, fort_error_message());
		web_put(p, "<p>The key you added is <code id=\"totp-secret\" class=\"secret\">");
		web_text(p, secret);
		web_put(p, "</code>. Nothing has changed yet.</p>");
		confirm_form(p, secret);
		web_put(p, "<p><a href=\"/account/totp\">Start again with a new key</a></p>");
		return 0;
	}
	snprintf(p->title, sizeof p->title, "Your recovery codes");
	web_put(p, "<div class=\"ok\" role=\"status\"><p><strong>Your authenticator app is set up.</strong> Sign in with "
		   "its codes from now on; the earlier app and recovery codes no longer work.</p></div>"
		   "<p>These ten recovery codes are shown <strong>only now</strong>. Each works once in place of a code, "
		   "if you lose your phone. Print them or keep them in a password manager, away from your phone.</p>"
		   "<ol class=\"codes\" id=\"recovery-codes\">");
	for (int i = 0; i < FORT_TOTP_RECOVERY_CODES; i++) {
		web_put(p, "<li><code>");
		web_text(p, e->recovery[i]);
		web_put(p, "</code></li>");
	}
	web_put(p, "</ol><p><a href=\"/account\">Back to your account</a></p>");
	fort_totp_enrolment_free(e);
	return 0;
}
