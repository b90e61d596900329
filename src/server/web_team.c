/* web_team.c - users and roles: the list for everyone signed in, and for
 * those whose role allows 'users' the pending users to approve with a role
 * (fort_user_add: the new person made their own keys with 'fortress user
 * request' and reads their fingerprint to you; the library seals the keys
 * the role needs to them, checks that you hold them, and audits). */
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "server/web.h"

int page_users(page *p)
{
	fort_user_info *u = NULL;
	fort_role_info *ro = NULL;
	size_t nu = 0, nr = 0, pending = 0;
	int r, may = fort_vault_can(p->req.v, "users", NULL);
	char d[21];
	p->nav = "users";
	snprintf(p->title, sizeof p->title, "Users and roles");
	if ((r = fort_user_list(&u, &nu, p->req.v)) < 0)
		return r;
	if ((r = fort_role_list(&ro, &nr, p->req.v)) < 0) {
		free(u);
		return r;
	}
	web_put(p, "<table id=\"users\"><caption>Users</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Role</th>"
		   "<th scope=\"col\">Status</th><th scope=\"col\">Since</th><th scope=\"col\">Key fingerprint</th></tr></thead><tbody>");
	for (size_t i = 0; i < nu; i++) {
		fort_time_iso(d, u[i].created);
		d[10] = '\0';
		web_put(p, "<tr><th scope=\"row\">");
		web_text(p, u[i].name);
		web_put(p, "</th><td>");
		web_text(p, u[i].role[0] ? u[i].role : "-");
		web_put(p, "</td><td>");
		web_text(p, u[i].status);
		web_put(p, "</td><td>%s</td><td><code>", d);
		web_text(p, u[i].fingerprint);
		web_put(p, "</code></td></tr>");
		pending += strcmp(u[i].status, "pending") == 0;
	}
	web_put(p, "</tbody></table><table id=\"roles\"><caption>Roles</caption><thead><tr><th scope=\"col\">Role</th>"
		   "<th scope=\"col\">Data it opens</th><th scope=\"col\">What it may do</th><th scope=\"col\">Users</th></tr>"
		   "</thead><tbody>");
	for (size_t i = 0; i < nr; i++) {
		web_put(p, "<tr><th scope=\"row\">");
		web_text(p, ro[i].name);
		web_put(p, "</th><td>");
		web_text(p, ro[i].categories);
		web_put(p, "</td><td>");
		web_text(p, ro[i].actions);
		web_put(p, "</td><td>%llu</td></tr>", (unsigned long long)ro[i].users);
	}
	web_put(p, "</tbody></table>");
	if (may) {
		web_put(p, "<section aria-labelledby=\"h-add\"><h2 id=\"h-add\">Add a user</h2><p>The new person first runs "
			   "<code>fortress user request NAME</code> with their own passphrase; they appear above as pending. "
			   "Ask them to read you their fingerprint, and compare it.</p>");
		if (pending) {
			web_put(p, "<form class=\"card\" method=\"post\" action=\"/users\">");
			web_csrf_field(p);
			web_put(p, "<p><label for=\"name\">Pending user</label><select id=\"name\" name=\"name\">");
			for (size_t i = 0; i < nu; i++)
				if (strcmp(u[i].status, "pending") == 0) {
					web_put(p, "<option>");
					web_text(p, u[i].name);
					web_put(p, "</option>");
				}
			web_put(p, "</select></p><p><label for=\"role\">Role</label><select id=\"role\" name=\"role\">");
			for (size_t i = 0; i < nr; i++) {
				web_put(p, "<option>");
				web_text(p, ro[i].name);
				web_put(p, "</option>");
			}
			web_put(p, "</select></p><p><label for=\"fingerprint\">The fingerprint they read to you</label>"
				   "<input id=\"fingerprint\" name=\"fingerprint\" type=\"text\" required autocomplete=\"off\" "
				   "spellcheck=\"false\" placeholder=\"ab12 cd34 ef56 7890\"></p>"
				   "<p><button type=\"submit\">Add with this role</button></p></form>");
		} else
			web_put(p, "<p>No one is waiting to be added.</p>");
		web_put(p, "</section>");
	}
	free(u);
	free(ro);
	return 0;
}

int page_user_add(page *p)
{
	const char *name = web_form(p, "name"), *role = web_form(p, "role"), *fp = web_form(p, "fingerprint");
	int r;
	p->nav = "users";
	if (!name || !*name || !role || !*role || !fp || !*fp)
		return fort_error_set(FORT_EINPUT, "choose the pending user and the role, and type the fingerprint they read to you");
	if ((r = fort_user_add(p->req.v, name, role, fp)) < 0)
		return r;
	return web_redirect(p, "/users");
}
