/* web_tokens.c - tokens for programs from the web app (issue 17 item 3's
 * page): the list (state, role, purposes, expiry, who made it), making one
 * and revoking one.  Each one library call (src/vault/tokens.c: the
 * 'users' action, never more than the maker holds, audited).  A new
 * token's secret is shown once, on the answer to the POST that made it:
 * never in a URL, a redirect or a log line; the page is Cache-Control:
 * no-store as every page, and its buffer is wiped once sent. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "util.h"
#include "server/web.h"

#define MAX_PURPOSES 32

static void when(page *p, int64_t t, const char *none)
{
	char d[21];
	if (!t) {
		web_text(p, none);
		return;
	}
	fort_time_iso(d, t);
	d[10] = '\0';
	web_text(p, d);
}

static void create_form(page *p, const fort_role_info *ro, size_t nr)
{
	web_put(p, "<section aria-labelledby=\"h-new\"><h2 id=\"h-new\">Make a token</h2><p>A token lets a program (your "
		   "website, a script) use the HTTP API on its own, with a role of its own: it can never do more than you. "
		   "Its secret is shown once, right after you make it.</p><form class=\"card\" method=\"post\" "
		   "action=\"/tokens\">");
	web_csrf_field(p);
	web_put(p, "<p><label for=\"tok-name\">Name (a-z, 0-9, - and _; what the program is)</label><input id=\"tok-name\" "
		   "name=\"name\" type=\"text\" required maxlength=\"47\" pattern=\"[a-z0-9_-]+\" autocomplete=\"off\" "
		   "spellcheck=\"false\"></p><p><label for=\"tok-role\">Role</label><select id=\"tok-role\" name=\"role\">");
	for (size_t i = 0; i < nr; i++) {
		if (strcmp(ro[i].name, "owner") == 0)
			continue; /* never a token's (the library refuses it too) */
		web_put(p, "<option>");
		web_text(p, ro[i].name);
		web_put(p, "</option>");
	}
	web_put(p, "</select></p><p><label for=\"tok-purposes\">Purposes it may reveal or export for (comma-separated; "
		   "empty: none)</label><input id=\"tok-purposes\" name=\"purposes\" type=\"text\" maxlength=\"500\" "
		   "autocomplete=\"off\" aria-describedby=\"tok-purposes-help\"><span class=\"help\" id=\"tok-purposes-help\">"
		   "The data map's purposes, e.g. billing. Without one it can read masked data only.</span></p>"
		   "<p><label for=\"tok-expires\">Valid for</label><select id=\"tok-expires\" name=\"expires\">"
		   "<option value=\"30d\">30 days</option><option value=\"90d\" selected>90 days</option>"
		   "<option value=\"180d\">180 days</option><option value=\"366d\">a year</option>"
		   "<option value=\"never\">no end (revoke it yourself)</option></select></p>"
		   "<p><button type=\"submit\">Make the token</button></p></form></section>");
}

int page_tokens(page *p)
{
	fort_token_info *t = NULL;
	fort_role_info *ro = NULL;
	size_t n = 0, nr = 0;
	int r, may = fort_vault_can(p->req.v, "users", NULL);
	p->nav = "users";
	snprintf(p->title, sizeof p->title, "Tokens for programs");
	if ((r = fort_token_list(&t, &n, p->req.v)) < 0)
		return r;
	if (!n)
		web_put(p, "<p>No tokens yet.</p>");
	else {
		web_put(p, "<table id=\"tokens\"><caption>Tokens</caption><thead><tr><th scope=\"col\">Name</th>"
			   "<th scope=\"col\">State</th><th scope=\"col\">Role</th><th scope=\"col\">Purposes</th>"
			   "<th scope=\"col\">Made by</th><th scope=\"col\">Made</th><th scope=\"col\">Expires</th>"
			   "<th scope=\"col\">Revoke</th></tr></thead><tbody>");
		for (size_t i = 0; i < n; i++) {
			web_put(p, "<tr><th scope=\"row\">");
			web_text(p, t[i].name);
			web_put(p, "</th><td>");
			web_text(p, t[i].state);
			web_put(p, "</td><td>");
			web_text(p, t[i].role);
			web_put(p, "</td><td>");
			web_text(p, t[i].purposes[0] ? t[i].purposes : "none");
			web_put(p, "</td><td>");
			web_text(p, t[i].creator);
			web_put(p, "</td><td>");
			when(p, t[i].created, "-");
			web_put(p, "</td><td>");
			when(p, t[i].expires, "never");
			web_put(p, "</td><td>");
			if (may && strcmp(t[i].state, "revoked") != 0) {
				web_put(p, "<form class=\"inline\" method=\"post\" action=\"/tokens/");
				web_text(p, t[i].name);
				web_put(p, "/revoke\">");
				web_csrf_field(p);
				web_put(p, "<button type=\"submit\" class=\"danger\" aria-label=\"Revoke ");
				web_text(p, t[i].name);
				web_put(p, "\">Revoke</button></form>");
			} else if (t[i].revoked)
				when(p, t[i].revoked, "-");
			else
				web_put(p, "-");
			web_put(p, "</td></tr>");
		}
		web_put(p, "</tbody></table>");
	}
	free(t);
	if (!may) {
		web_put(p, "<p>Making and revoking tokens needs a role that manages users.</p>");
		return 0;
	}
	if ((r = fort_role_list(&ro, &nr, p->req.v)) < 0)
		return r;
	create_form(p, ro, nr);
	free(ro);
	return 0;
}

int page_token_create(page *p)
{
	const char *name = web_form(p, "name"), *role = web_form(p, "role"), *purposes = web_form(p, "purposes");
	const char *list[MAX_PURPOSES];
	fort_secret *tok = NULL;
	char buf[512], *save = NULL, *s;
	int64_t until = 0;
	size_t n = 0;
	int r;
	p->nav = "users";
	if (!name || !*name || !role || !*role)
		return fort_error_set(FORT_EINPUT, "give the token a name and choose its role");
	if (purposes && strlen(purposes) >= sizeof buf)
		return fort_error_set(FORT_EINPUT, "the purposes are longer than %zu characters: name fewer", sizeof buf - 1);
	snprintf(buf, sizeof buf, "%s", purposes ? purposes : "");
	for (s = strtok_r(buf, ", ", &save); s; s = strtok_r(NULL, ", ", &save)) {
		if (n == MAX_PURPOSES)
			return fort_error_set(FORT_EINPUT, "a token takes at most %d purposes", MAX_PURPOSES);
		list[n++] = s;
	}
	if ((r = fort_token_expiry(&until, web_form(p, "expires"), (int64_t)time(NULL))) < 0 ||
	    (r = fort_token_create(&tok, p->req.v, name, role, list, n, until)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Token %s made", name);
	web_put(p, "<div class=\"ok\" role=\"status\"><p>Token <strong>");
	web_text(p, name);
	web_put(p, "</strong> made, with role ");
	web_text(p, role);
	web_put(p, ".</p></div><p><label for=\"secret\">Its secret: copy it now into the program's settings. It is shown "
		   "only this once; Fortress keeps a check value, never the secret, so it cannot show it again.</label></p>"
		   "<p><input id=\"secret\" class=\"secret\" type=\"text\" readonly autocomplete=\"off\" spellcheck=\"false\" "
		   "size=\"70\" value=\"");
	web_text(p, (const char *)fort_secret_data(tok));
	fort_secret_free(tok);
	web_put(p, "\"></p><p>The program sends it as <code>Authorization: Bearer</code> followed by the secret. If it "
		   "leaks, revoke the token and make a new one.</p><p><a href=\"/tokens\">Back to the tokens</a></p>");
	return 0;
}

int page_token_revoke(page *p)
{
	char user[128];
	int r;
	p->nav = "users";
	if ((r = fort_token_revoke(NULL, p->req.v, p->req.id, NULL)) < 0)
		return r;
	/* its cached handle and keys go now, not at its next request */
	snprintf(user, sizeof user, "token:%s", p->req.id);
	(void)fort_sessions_end_user(p->req.srv->sessions, user);
	return web_redirect(p, "/tokens");
}
