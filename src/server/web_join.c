/* web_join.c - invitations to join from a browser (issue 17): on the users
 * page, for those whose role allows 'users', a form to invite someone (its
 * one-time link shown once), the invitations with their state and a
 * revoke button; and the invitee's page /join/TOKEN: in one form they
 * choose their passphrase (twice) and set up their authenticator app (QR
 * code, a code to confirm), then see their ten recovery codes once and
 * the fingerprint to read to the person who approves them.  The rules are
 * the library's (src/auth/invite.c).  The token is in the path only: the
 * log line names the pattern, and every page is no-store, no-referrer. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "server/mhd.h"
#include <sodium.h>
#include "util.h"
#include "server/web.h"

#define JOIN_COOKIE "fortress_join"

void web_invites(page *p)
{
	fort_invite_info *in = NULL;
	fort_role_info *ro = NULL;
	size_t n = 0, nr = 0;
	char d[21];
	web_put(p, "<section aria-labelledby=\"h-invite\"><h2 id=\"h-invite\">Invite someone</h2><p>They get a link that works "
		   "once: on it they choose their own passphrase and set up their authenticator app, from their own "
		   "computer. Then they read you their key fingerprint, and you approve them above.</p>"
		   "<form class=\"card\" method=\"post\" action=\"/users/invite\">");
	web_csrf_field(p);
	web_put(p, "<p><label for=\"invite-name\">Their name (they sign in with it)</label><input id=\"invite-name\" name=\"name\" "
		   "type=\"text\" required maxlength=\"120\" autocomplete=\"off\"></p><p><label for=\"invite-role\">Role</label>"
		   "<select id=\"invite-role\" name=\"role\">");
	if (fort_role_list(&ro, &nr, p->req.v) == 0)
		for (size_t i = 0; i < nr; i++) {
			web_put(p, "<option%s>", strcmp(ro[i].name, "staff") == 0 ? " selected" : "");
			web_text(p, ro[i].name);
			web_put(p, "</option>");
		}
	free(ro);
	web_put(p, "</select></p><p><label for=\"invite-expires\">The link works for</label><select id=\"invite-expires\" "
		   "name=\"expires\"><option value=\"1d\">1 day</option><option value=\"3d\">3 days</option><option value=\"7d\" "
		   "selected>7 days</option><option value=\"14d\">14 days</option><option value=\"30d\">30 days</option></select>"
		   "</p><p><button type=\"submit\">Make the invitation link</button></p></form>");
	if (fort_invite_list(&in, &n, p->req.v) < 0) {
		web_problem(p, fort_error_message());
		web_put(p, "</section>");
		return;
	}
	if (n) {
		web_put(p, "<table id=\"invitations\"><caption>Invitations</caption><thead><tr><th scope=\"col\">#</th>"
			   "<th scope=\"col\">Name</th><th scope=\"col\">Role</th><th scope=\"col\">State</th><th scope=\"col\">"
			   "Expires</th><th scope=\"col\">Fingerprint</th><th scope=\"col\">Action</th></tr></thead><tbody>");
		for (size_t i = 0; i < n; i++) {
			fort_time_iso(d, in[i].expires);
			d[10] = '\0';
			web_put(p, "<tr><td>%lld</td><th scope=\"row\">", (long long)in[i].id);
			web_text(p, in[i].name);
			web_put(p, "</th><td>");
			web_text(p, in[i].role);
			web_put(p, "</td><td>");
			web_text(p, strcmp(in[i].state, "joined") == 0 ? "joined: approve them above" : in[i].state);
			web_put(p, "</td><td>%s</td><td><code>", d);
			web_text(p, in[i].fingerprint);
			web_put(p, "</code></td><td>");
			if (strcmp(in[i].state, "open") == 0) {
				web_put(p, "<form method=\"post\" action=\"/invites/%lld/revoke\">", (long long)in[i].id);
				web_csrf_field(p);
				web_put(p, "<button type=\"submit\" class=\"secondary\" aria-label=\"Revoke invitation %lld\">Revoke"
					   "</button></form>", (long long)in[i].id);
			}
			web_put(p, "</td></tr>");
		}
		web_put(p, "</tbody></table>");
	}
	free(in);
	web_put(p, "</section>");
}

int page_invite_create(page *p)
{
	const char *name = web_form(p, "name"), *role = web_form(p, "role"), *exp = web_form(p, "expires");
	const char *host = MHD_lookup_connection_value(p->req.conn, MHD_HEADER_KIND, "Host");
	fort_secret *tok = NULL;
	int64_t expires = 0, id = 0;
	char d[21];
	int r;
	p->nav = "users";
	if (!name || !*name || !role || !*role)
		return fort_error_set(FORT_EINPUT, "type the name of the person to invite and choose their role");
	if ((r = fort_invite_expiry(&expires, exp, fort_now())) < 0 ||
	    (r = fort_invite_create(&tok, &id, p->req.v, name, role, expires)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Invitation link");
	fort_time_iso(d, expires);
	d[10] = '\0';
	web_put(p, "<div class=\"ok\" role=\"status\"><p><strong>Invitation #%lld made.</strong> This link is shown "
		   "<strong>only now</strong> and works once, until %s. Send it to ", (long long)id, d);
	web_text(p, name);
	web_put(p, " yourself (a message only they read); anyone with it can join in their name until they do.</p></div>"
		   "<p><label for=\"invite-link\">The link</label><input id=\"invite-link\" type=\"text\" readonly "
		   "spellcheck=\"false\" value=\"");
	if (host && *host && strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") == strlen(host)) {
		web_text(p, p->req.srv->secure_cookie ? "https://" : "http://");
		web_text(p, host);
	}
	web_put(p, "/join/");
	web_text(p, (const char *)fort_secret_data(tok));
	web_put(p, "\"></p><p>When they have joined, they read you their key fingerprint; compare it with the one the "
		   "users page shows for them, then approve them with the role.</p><p><a href=\"/users\">Back to users</a></p>");
	fort_secret_free(tok);
	return 0;
}

int page_invite_revoke(page *p)
{
	char *end = NULL;
	long long id = strtoll(p->req.id, &end, 10);
	int r;
	p->nav = "users";
	if (!end || *end || id <= 0)
		return fort_error_set(FORT_ENOTFOUND, "no such invitation: the users page lists them");
	if ((r = fort_invite_revoke(p->req.v, (int64_t)id)) < 0)
		return r;
	return web_redirect(p, "/users#invitations");
}

/* The join form for invitation IN with the second factor SECRET/URI. */
static void join_form(page *p, const fort_invite_info *in, const char *secret, const char *uri)
{
	char tok[FORT_SESSION_TOKEN_LEN + 1], path[160];
	snprintf(path, sizeof path, "/join/%s", p->req.id);
	web_form_token(p, JOIN_COOKIE, path, tok);
	snprintf(p->title, sizeof p->title, "Join ");
	snprintf(p->title + strlen(p->title), sizeof p->title - strlen(p->title), "%s", in->business);
	web_put(p, "<p>You were invited to join as <strong>");
	web_text(p, in->name);
	web_put(p, "</strong> (role <strong>");
	web_text(p, in->role);
	web_put(p, "</strong>). Two steps, then the person who invited you approves you.</p>"
		   "<form class=\"card\" method=\"post\" action=\"");
	web_text(p, path);
	web_put(p, "\"><input type=\"hidden\" name=\"join_token\" value=\"%s\"><input type=\"hidden\" name=\"secret\" value=\"", tok);
	web_text(p, secret);
	web_put(p, "\"><fieldset><legend>1. Choose your passphrase</legend><p class=\"help\" id=\"pass-help\">Only you know it: "
		   "it locks your keys, and nobody can reset it. Four or more random words, or 16 characters or more; not "
		   "your name or the business's.</p><p><label for=\"passphrase\">Passphrase</label><input id=\"passphrase\" "
		   "name=\"passphrase\" type=\"password\" autocomplete=\"new-password\" required aria-describedby=\"pass-help\">"
		   "</p><p><label for=\"passphrase2\">The same passphrase again</label><input id=\"passphrase2\" "
		   "name=\"passphrase2\" type=\"password\" autocomplete=\"new-password\" required></p></fieldset>"
		   "<fieldset><legend>2. Set up your authenticator app</legend><p>Open an authenticator app on your phone "
		   "(Aegis, FreeOTP, Google Authenticator, 1Password...) and scan this code:</p>");
	if (web_qr_svg(p, uri) < 0)
		web_put(p, "<p>(The QR code could not be drawn: type the key below instead.)</p>");
	web_put(p, "<p>Or type in this key by hand (time-based, 6 digits, 30 seconds): <code id=\"totp-secret\" "
		   "class=\"secret\">");
	web_text(p, secret);
	web_put(p, "</code></p><p><label for=\"code\">The six-digit code your app now shows for Fortress</label><input id=\"code\" "
		   "name=\"code\" type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\" required maxlength=\"8\">"
		   "</p></fieldset><p><button type=\"submit\">Join</button></p></form>");
	sodium_memzero(tok, sizeof tok);
}

int page_join(page *p)
{
	fort_invite_info in;
	fort_totp_enrolment *e = NULL;
	int r;
	if ((r = fort_invite_lookup(&in, &e, p->req.srv->vault_path, p->req.id, 0)) < 0)
		return r;
	join_form(p, &in, e->secret, e->uri);
	fort_totp_enrolment_free(e);
	return 0;
}

/* The form again after a mistake, with MSG, the same key (their app need
 * not be set up twice) and status STATUS. */
static int join_again(page *p, int status, const char *msg, const char *secret)
{
	fort_invite_info in;
	fort_totp_enrolment *e = NULL;
	char uri[512];
	int r;
	if ((r = fort_invite_lookup(&in, &e, p->req.srv->vault_path, p->req.id, 0)) < 0)
		return r;
	/* the uri of the key they already scanned: the proposal's, with its secret */
	snprintf(uri, sizeof uri, "%s", e->uri);
	{
		char *s = strstr(uri, "secret="), *amp;
		if (s && (amp = strchr(s, '&')) && strlen(secret) == (size_t)(amp - s - 7) && strspn(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == strlen(secret))
			memcpy(s + 7, secret, strlen(secret));
		else
			secret = e->secret;  /* not one of ours: a new key */
	}
	p->status = status;
	web_problem(p, msg);
	join_form(p, &in, secret, uri);
	sodium_memzero(uri, sizeof uri);
	fort_totp_enrolment_free(e);
	return 0;
}

int page_join_post(page *p)
{
	const char *pw = web_form(p, "passphrase"), *pw2 = web_form(p, "passphrase2"), *secret = web_form(p, "secret");
	const char *code = web_form(p, "code");
	fort_totp_enrolment *e = NULL;
	fort_secret *pass = NULL;
	char fp[20];
	int r;

	if (!web_form_token_ok(p, JOIN_COOKIE, "join_token")) {
		/* no change, no Argon2id: the form did not come from this page in this browser */
		char msg[] = "This form has expired or did not come from the invitation page: open your invitation link again.";
		return join_again(p, MHD_HTTP_FORBIDDEN, msg, "");
	}
	if (!secret)
		secret = "";
	if (!pw || !*pw || !pw2 || !code || !*code)
		return join_again(p, MHD_HTTP_BAD_REQUEST, "Type your passphrase twice and the code your authenticator app shows.",
				  secret);
	if (strlen(pw) != strlen(pw2) || sodium_memcmp(pw, pw2, strlen(pw)) != 0)
		return join_again(p, MHD_HTTP_BAD_REQUEST, "The two passphrases are not the same: type it twice again.", secret);
	if ((r = fort_secret_new(&pass, pw, strlen(pw))) < 0)
		return r;
	/* one Argon2id at a time, as sign-ins */
	pthread_mutex_lock(p->req.srv->signin_lock);
	r = fort_invite_join(&e, fp, p->req.srv->vault_path, p->req.id, pass, secret, code, 0);
	pthread_mutex_unlock(p->req.srv->signin_lock);
	fort_secret_free(pass);
	if (r == FORT_EWEAK || r == FORT_EINPUT || r == FORT_EAUTH || r == FORT_EEXISTS) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s", fort_error_message());
		return join_again(p, r == FORT_EAUTH ? MHD_HTTP_FORBIDDEN : r == FORT_EEXISTS ? MHD_HTTP_CONFLICT
										      : MHD_HTTP_BAD_REQUEST, msg, secret);
	}
	if (r < 0)
		return r;
	snprintf(p->title, sizeof p->title, "You have joined: one step left");
	web_put(p, "<div class=\"ok\" role=\"status\"><p><strong>Your passphrase and authenticator app are set up.</strong> "
		   "The person who invited you now approves you; until then you cannot sign in.</p></div>"
		   "<h2>Your key fingerprint</h2><p>Read it to the person who approves you (by phone or in person, not by "
		   "e-mail), so they know the request is yours:</p><p><code id=\"fingerprint\" class=\"secret\">");
	web_text(p, fp);
	web_put(p, "</code></p><h2>Your recovery codes</h2><p>These ten codes are shown <strong>only now</strong>. Each "
		   "works once in place of a code, if you lose your phone. Print them or keep them in a password manager, "
		   "away from your phone.</p><ol class=\"codes\" id=\"recovery-codes\">");
	for (int i = 0; i < FORT_TOTP_RECOVERY_CODES; i++) {
		web_put(p, "<li><code>");
		web_text(p, e->recovery[i]);
		web_put(p, "</code></li>");
	}
	web_put(p, "</ol><p>Once approved, <a href=\"/signin\">sign in</a> with your name, passphrase and a code.</p>");
	fort_totp_enrolment_free(e);
	return 0;
}
