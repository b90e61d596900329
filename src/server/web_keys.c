/* web_keys.c - keys and recovery from the web app (`fortress keys rotate`,
 * `fortress recovery status|split`): whether recovery shares exist (K of
 * N, since when), making a new split (the owner only; the passphrase typed
 * again first, fort_vault_confirm, because the shares open the owner's
 * keys and a borrowed session must not be enough), the shares shown once
 * on the answer; and rotating keys (a new version of each, every record
 * re-encrypted, the old versions destroyed).  The library checks who may
 * and audits. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "server/web.h"

static const char *const rotatable[] = { "vault", "identity", "contact", "financial", "special", "notes" };
#define NROT (sizeof rotatable / sizeof rotatable[0])

int page_keys(page *p)
{
	int configured = 0, k = 0, n = 0, r;
	int64_t created = 0;
	char d[21];
	p->nav = "keys";
	snprintf(p->title, sizeof p->title, "Keys and recovery");
	if ((r = fort_recovery_status(&configured, &k, &n, &created, p->req.v)) < 0)
		return r;
	web_put(p, "<section aria-labelledby=\"h-recovery\"><h2 id=\"h-recovery\">Recovery shares</h2><p id=\"recovery-status\">");
	if (configured) {
		fort_time_iso(d, created);
		d[10] = '\0';
		web_put(p, "Recovery shares exist: any <strong>%d of %d</strong> set a new owner passphrase (made on %s).", k, n, d);
	} else
		web_put(p, "<strong>No recovery shares yet.</strong> If the owner forgets the passphrase, the vault cannot "
			   "be opened by anyone.");
	web_put(p, "</p><p>Shares split a recovery key among people you trust (Shamir): any K of the N together can set a new "
		   "owner passphrase; fewer reveal nothing. A new split replaces the old one: its shares stop working. Only "
		   "the owner can make them.</p><form class=\"card\" method=\"post\" action=\"/keys/recovery\">");
	web_csrf_field(p);
	web_put(p, "<p><label for=\"shares\">How many shares (people)</label><input id=\"shares\" name=\"shares\" "
		   "type=\"number\" min=\"2\" max=\"255\" value=\"%d\" required></p><p><label for=\"threshold\">How many "
		   "are needed together</label><input id=\"threshold\" name=\"threshold\" type=\"number\" min=\"2\" max=\"255\" "
		   "value=\"%d\" required></p><p><label for=\"rec-pass\">Your passphrase, to confirm it is you</label>"
		   "<input id=\"rec-pass\" name=\"passphrase\" type=\"password\" autocomplete=\"current-password\" required></p>"
		   "<p><button type=\"submit\">Make the shares</button></p></form></section>",
		configured ? n : 3, configured ? k : 2);
	web_put(p, "<section aria-labelledby=\"h-rotate\"><h2 id=\"h-rotate\">Rotate keys</h2><p>Rotating makes a new "
		   "version of each key chosen, gives it to everyone who held the old one, re-encrypts every client record "
		   "under it and destroys the old version: copies of old keys (a lost laptop, a former colleague) then open "
		   "nothing. It can take a while with many clients; the vault stays usable.</p>"
		   "<form class=\"card\" method=\"post\" action=\"/keys/rotate\">");
	web_csrf_field(p);
	web_put(p, "<fieldset><legend>Keys to rotate</legend><p><input type=\"checkbox\" id=\"rot-all\" name=\"key\" "
		   "value=\"all\"><label class=\"check\" for=\"rot-all\">All of them</label></p>");
	for (size_t i = 0; i < NROT; i++)
		web_put(p, "<p><input type=\"checkbox\" id=\"rot-%s\" name=\"key\" value=\"%s\"><label class=\"check\" "
			   "for=\"rot-%s\">%s%s</label></p>",
			rotatable[i], rotatable[i], rotatable[i], rotatable[i], i == 0 ? " (the vault key)" : " data");
	web_put(p, "</fieldset><p><button type=\"submit\">Rotate</button></p></form></section>");
	return 0;
}

static long number(const char *s, long lo, long hi)
{
	char *end;
	long x;
	if (!s || !*s)
		return -1;
	x = strtol(s, &end, 10);
	return *end || x < lo || x > hi ? -1 : x;
}

int page_keys_recovery(page *p)
{
	fort_secret *pass = NULL;
	const char *pw = web_form(p, "passphrase");
	long n = number(web_form(p, "shares"), 2, 255), k;
	char **shares = NULL;
	int r;
	p->nav = "keys";
	if (n < 0)
		return fort_error_set(FORT_EINPUT, "the number of shares is 2 to 255: go back and correct it");
	if ((k = number(web_form(p, "threshold"), 2, n)) < 0)
		return fort_error_set(FORT_EINPUT, "the number of shares needed together is 2 to %ld (the number of shares): "
				      "go back and correct it", n);
	if (!pw || !*pw)
		return fort_error_set(FORT_EINPUT, "type your passphrase to confirm it is you, then send the form again");
	if ((r = fort_secret_new(&pass, pw, strlen(pw))) < 0)
		return r;
	{
		/* throttled as sign-in, per account and address (one Argon2id at a time) */
		fort_signin_opts so = FORT_SIGNIN_OPTS_INIT;
		int retry = 0;
		so.address = p->req.address;
		pthread_mutex_lock(p->req.srv->signin_lock);
		r = fort_reauth(&retry, p->req.v, pass, &so);
		pthread_mutex_unlock(p->req.srv->signin_lock);
		if (r == FORT_EDENIED && retry > 0) {
			fort_secret_free(pass);
			p->status = 429;
			p->retry_after = retry;
			snprintf(p->title, sizeof p->title, "Too many attempts");
			web_problem(p, fort_error_message());
			web_put(p, "<p><a href=\"/keys\">Back to keys and recovery</a></p>");
			return 0;
		}
	}
	fort_secret_free(pass);
	if (r == FORT_EAUTH) {
		/* still signed in: a refusal of this step (403), not a sign-in page */
		p->status = 403;
		snprintf(p->title, sizeof p->title, "Not allowed");
		web_problem(p, fort_error_message());
		web_put(p, "<p><a href=\"/keys\">Back to keys and recovery</a></p>");
		return 0;
	}
	if (r < 0 || (r = fort_recovery_split(&shares, p->req.v, (size_t)n, (size_t)k)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Recovery shares made");
	web_put(p, "<div class=\"ok\" role=\"status\"><p>%ld shares made: any %ld of them together set a new owner "
		   "passphrase; fewer reveal nothing. Shares made before these no longer work.</p></div><p>Give each share "
		   "to a different person you trust (print it, or copy it into their password manager), and keep none with "
		   "the vault. They are shown only this once.</p><ol id=\"shares\">",
		n, k);
	for (long i = 0; i < n; i++) {
		web_put(p, "<li><code class=\"share\">");
		web_text(p, shares[i]);
		web_put(p, "</code></li>");
	}
	fort_recovery_shares_free(shares, (size_t)n);
	web_put(p, "</ol><p><a href=\"/keys\">Back to keys and recovery</a></p>");
	return 0;
}

int page_keys_rotate(page *p)
{
	fort_rotate_opts o = FORT_ROTATE_OPTS_INIT;
	fort_rotate_report rep;
	const char *keys[NROT + 1];
	size_t n = 0;
	int r;
	p->nav = "keys";
	for (size_t i = 0; i < p->nf && n < NROT + 1; i++)
		if (strcmp(p->fk[i], "key") == 0 && *p->fv[i])
			keys[n++] = p->fv[i];
	if (!n)
		return fort_error_set(FORT_EINPUT, "tick the keys to rotate (or all of them), then send the form again");
	if ((r = fort_keys_rotate(&rep, p->req.v, keys, n, &o)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Keys rotated");
	web_put(p, "<div class=\"ok\" role=\"status\"><p id=\"rotate-result\">Rotated: ");
	web_text(p, rep.keys);
	web_put(p, ". %llu client record%s re-encrypted; the old key versions are destroyed.%s</p></div>"
		   "<p><a href=\"/keys\">Back to keys and recovery</a></p>",
		(unsigned long long)rep.clients, rep.clients == 1 ? "" : "s",
		rep.resumed ? " An interrupted rotation was finished first." : "");
	return 0;
}
