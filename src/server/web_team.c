/* web_team.c - users and roles: the list for everyone signed in, and for
 * those whose role allows 'users' the pending users to approve with a role
 * (fort_user_add: the new person made their own keys with 'fortress user
 * request' and reads their fingerprint to you; the library seals the keys
 * the role needs to them, checks that you hold them, and audits). */
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "server/web.h"

/* What a role can name: the data categories (their keys) and the actions
 * (src/vault/policy.c checks them; the library names a wrong one). */
static const struct {
	const char *name, *words;
} role_items[] = {
	{ "identity", "identity data (names, dates of birth)" },
	{ "contact", "contact data (e-mail, phone, address)" },
	{ "financial", "financial data (bank and card details)" },
	{ "special", "special categories (health and the like)" },
	{ "notes", "notes" },
	{ "read", "read (masked)" },
	{ "reveal", "reveal values for a purpose" },
	{ "write", "add and change clients, incidents" },
	{ "import", "import" },
	{ "export", "export" },
	{ "erase", "erase clients" },
	{ "users", "manage users, roles and tokens" },
	{ "map", "change the data map" },
	{ "intake", "review intake submissions" },
};
#define NITEMS (sizeof role_items / sizeof role_items[0])
#define CATEGORIES 5

static void item_boxes(page *p, const char *prefix)
{
	web_put(p, "<fieldset><legend>Data it opens</legend>");
	for (size_t i = 0; i < NITEMS; i++) {
		if (i == CATEGORIES)
			web_put(p, "</fieldset><fieldset><legend>What it may do</legend>");
		web_put(p, "<p><input type=\"checkbox\" id=\"%s-%s\" name=\"item\" value=\"%s\"><label class=\"check\" "
			   "for=\"%s-%s\">%s</label></p>",
			prefix, role_items[i].name, role_items[i].name, prefix, role_items[i].name, role_items[i].words);
	}
	web_put(p, "</fieldset>");
}

static void role_select(page *p, const char *id, const fort_role_info *ro, size_t nr)
{
	web_put(p, "<select id=\"%s\" name=\"role\">", id);
	for (size_t i = 0; i < nr; i++) {
		web_put(p, "<option>");
		web_text(p, ro[i].name);
		web_put(p, "</option>");
	}
	web_put(p, "</select>");
}

/* For those whose role allows 'users': create a role, grant or take away
 * categories and actions, give a user a role. */
static void role_forms(page *p, const fort_user_info *u, size_t nu, const fort_role_info *ro, size_t nr)
{
	web_put(p, "<section aria-labelledby=\"h-roles\"><h2 id=\"h-roles\">Roles</h2><p>A role is the data its users can "
		   "decrypt (Fortress gives them the category keys) and what they may do. You can only grant data whose key "
		   "you hold yourself.</p><form class=\"card\" method=\"post\" action=\"/roles\">");
	web_csrf_field(p);
	web_put(p, "<h3>Create a role</h3><p><label for=\"role-name\">Name (letters, digits, - and _)</label><input "
		   "id=\"role-name\" name=\"name\" type=\"text\" required maxlength=\"63\" pattern=\"[A-Za-z0-9_-]+\" "
		   "autocomplete=\"off\"></p>");
	item_boxes(p, "new");
	web_put(p, "<p><button type=\"submit\">Create the role</button></p></form>");
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/roles/change\">");
	web_csrf_field(p);
	web_put(p, "<h3>Change a role</h3><p><label for=\"change-role\">Role</label>");
	role_select(p, "change-role", ro, nr);
	web_put(p, "</p>");
	item_boxes(p, "chg");
	web_put(p, "<fieldset><legend>Change</legend><p><input type=\"radio\" id=\"op-grant\" name=\"op\" value=\"grant\" "
		   "checked><label class=\"check\" for=\"op-grant\">Grant these to the role</label></p><p><input type=\"radio\" "
		   "id=\"op-revoke\" name=\"op\" value=\"revoke\"><label class=\"check\" for=\"op-revoke\">Take these away (a "
		   "category's key is replaced and its data re-encrypted, so keys its users kept open nothing)</label></p>"
		   "</fieldset><p><button type=\"submit\">Change the role</button></p></form>");
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/users/role\">");
	web_csrf_field(p);
	web_put(p, "<h3>Give a user another role</h3><p><label for=\"assign-user\">User</label><select id=\"assign-user\" "
		   "name=\"name\">");
	for (size_t i = 0; i < nu; i++)
		if (strcmp(u[i].status, "active") == 0 && strncmp(u[i].name, "token:", 6) != 0) {
			web_put(p, "<option>");
			web_text(p, u[i].name);
			web_put(p, "</option>");
		}
	web_put(p, "</select></p><p><label for=\"assign-role\">New role</label>");
	role_select(p, "assign-role", ro, nr);
	web_put(p, "</p><p class=\"help\">Keys the new role adds are given to them; keys it drops are replaced and the "
		   "data re-encrypted.</p><p><button type=\"submit\">Give the role</button></p></form></section>");
}

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
	web_put(p, "</tbody></table><p><a href=\"/tokens\">Tokens for programs</a></p>"
		   "<p><a href=\"/keys\">Keys and recovery</a></p><p><a href=\"/mail\">E-mail settings</a></p>"
		   "<p><a href=\"/mail/outbox\">Outbox</a></p>");
	if (may) {
		web_put(p, "<section aria-labelledby=\"h-add\"><h2 id=\"h-add\">Add a user</h2><p>The new person joins by an "
			   "invitation link (below), or runs <code>fortress user request NAME</code> with their own passphrase; "
			   "they appear above as pending. Ask them to read you their fingerprint, and compare it.</p>");
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
		web_invites(p);
		role_forms(p, u, nu, ro, nr);
		web_user_removal_forms(p, u, nu, ro, nr);
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

/* The values of the form's "item" fields (checkboxes), at most CAP. */
static size_t form_items(page *p, const char **items, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nf && n < cap; i++)
		if (strcmp(p->fk[i], "item") == 0 && *p->fv[i])
			items[n++] = p->fv[i];
	return n;
}

int page_role_add(page *p)
{
	const char *items[WEB_MAX_FIELDS], *name = web_form(p, "name");
	size_t n = form_items(p, items, WEB_MAX_FIELDS);
	int r;
	p->nav = "users";
	if (!name || !*name)
		return fort_error_set(FORT_EINPUT, "give the new role a name (letters, digits, - and _)");
	if ((r = fort_role_add(p->req.v, name, items, n)) < 0)
		return r;
	return web_redirect(p, "/users#roles");
}

int page_role_change(page *p)
{
	fort_rotate_opts o = FORT_ROTATE_OPTS_INIT;
	const char *items[WEB_MAX_FIELDS], *role = web_form(p, "role"), *op = web_form(p, "op");
	size_t n = form_items(p, items, WEB_MAX_FIELDS);
	int r;
	p->nav = "users";
	if (!role || !*role || !op || (strcmp(op, "grant") != 0 && strcmp(op, "revoke") != 0))
		return fort_error_set(FORT_EINPUT, "choose the role, and whether to grant or take away");
	if (!n)
		return fort_error_set(FORT_EINPUT, "tick the data and actions to %s", strcmp(op, "grant") == 0 ? "grant" : "take away");
	if (strcmp(op, "grant") == 0)
		r = fort_role_grant(p->req.v, role, items, n);
	else
		r = fort_role_revoke(NULL, p->req.v, role, items, n, &o);
	if (r < 0)
		return r;
	return web_redirect(p, "/users#roles");
}

int page_user_role(page *p)
{
	fort_rotate_opts o = FORT_ROTATE_OPTS_INIT;
	const char *name = web_form(p, "name"), *role = web_form(p, "role");
	int r;
	p->nav = "users";
	if (!name || !*name || !role || !*role)
		return fort_error_set(FORT_EINPUT, "choose the user and their new role");
	if ((r = fort_user_set_role(NULL, p->req.v, name, role, &o)) < 0)
		return r;
	return web_redirect(p, "/users");
}
