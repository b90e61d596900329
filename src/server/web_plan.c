/* web_plan.c - the incident-response plan from the web app: create it
 * (the default playbooks), read it (the printable Markdown), change a
 * contact, download it as a PDF, run a drill (a tabletop exercise: each
 * playbook step done or skipped, the outcome and a lesson) and list the
 * drills.  Each action is one library call; the library checks the role
 * ('users' to change the plan, 'read' to drill) and audits. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "util.h"
#include "server/web.h"

static const char *const roles[] = { "lead", "communications", "technical", "legal", "insurer", "lawyer" };

static void drills_table(page *p)
{
	char *js = NULL, d[21];
	json_t *a, *x;
	size_t i;
	if (fort_plan_drills(&js, p->req.v) < 0) {
		web_problem(p, fort_error_message());
		return;
	}
	a = json_loads(js, 0, NULL);
	free(js);
	if (!json_is_array(a) || json_array_size(a) == 0) {
		web_put(p, "<p>No drill yet. Run one a year at least: it shows what is missing before a real incident does.</p>");
		json_decref(a);
		return;
	}
	web_put(p, "<table id=\"drills\"><caption>Drills</caption><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Playbook</th>"
		   "<th scope=\"col\">Steps done</th><th scope=\"col\">Outcome</th></tr></thead><tbody>");
	json_array_foreach(a, i, x) {
		fort_time_iso(d, (int64_t)json_integer_value(json_object_get(x, "started")));
		d[10] = '\0';
		web_put(p, "<tr><td>%s</td><td>", d);
		web_text(p, json_string_value(json_object_get(x, "type")));
		web_put(p, "</td><td>%lld of %lld</td><td>", (long long)json_integer_value(json_object_get(x, "done")),
			(long long)json_integer_value(json_object_get(x, "steps")));
		web_text(p, json_string_value(json_object_get(x, "outcome")));
		web_put(p, "</td></tr>");
	}
	web_put(p, "</tbody></table>");
	json_decref(a);
}

int page_plan(page *p)
{
	unsigned char *md = NULL;
	char *js = NULL;
	size_t len = 0, i;
	json_t *plan, *pb, *x;
	int r, exists;
	p->nav = "plan";
	snprintf(p->title, sizeof p->title, "Incident-response plan");
	if ((exists = fort_plan_exists(p->req.v)) < 0)
		return exists;
	if (!exists) {
		web_put(p, "<p>No plan yet. The plan says who does what when something goes wrong, with playbooks for a lost "
			   "laptop, stolen passwords, a misdirected e-mail, ransomware and more.</p>"
			   "<form class=\"inline\" method=\"post\" action=\"/plan/init\">");
		web_csrf_field(p);
		web_put(p, "<button type=\"submit\">Create the plan</button></form>");
		return 0;
	}
	if ((r = fort_plan_get(&js, p->req.v)) < 0)
		return r;
	plan = json_loads(js, 0, NULL);
	fort_free_str(js);
	if ((r = fort_plan_export(&md, &len, p->req.v, "md")) < 0) {
		json_decref(plan);
		return r;
	}
	/* drills */
	web_put(p, "<section aria-labelledby=\"h-drill\"><h2 id=\"h-drill\">Drills</h2>");
	drills_table(p);
	pb = json_object_get(plan, "playbooks");
	if (json_array_size(pb)) {
		web_put(p, "<form class=\"inline\" method=\"get\" action=\"/plan/drill\"><label for=\"type\">Run a drill of"
			   "</label><select id=\"type\" name=\"type\">");
		json_array_foreach(pb, i, x) {
			web_put(p, "<option value=\"");
			web_text(p, json_string_value(json_object_get(x, "type")));
			web_put(p, "\">");
			web_text(p, json_string_value(json_object_get(x, "title")));
			web_put(p, "</option>");
		}
		web_put(p, "</select><button type=\"submit\">Start</button></form>");
	}
	web_put(p, "</section>");
	/* contacts */
	web_put(p, "<section aria-labelledby=\"h-contacts\"><h2 id=\"h-contacts\">Change a contact</h2>"
		   "<form class=\"card\" method=\"post\" action=\"/plan/contact\">");
	web_csrf_field(p);
	web_put(p, "<p><label for=\"role\">Role</label><select id=\"role\" name=\"role\">");
	for (i = 0; i < sizeof roles / sizeof roles[0]; i++)
		web_put(p, "<option>%s</option>", roles[i]);
	web_put(p, "</select></p><p><label for=\"c-name\">Name</label><input id=\"c-name\" name=\"name\" type=\"text\" maxlength=\"120\"></p>"
		   "<p><label for=\"c-email\">E-mail</label><input id=\"c-email\" name=\"email\" type=\"email\" maxlength=\"254\"></p>"
		   "<p><label for=\"c-phone\">Phone</label><input id=\"c-phone\" name=\"phone\" type=\"tel\" maxlength=\"40\"></p>"
		   "<p class=\"help\">Empty boxes leave that detail as it is.</p>"
		   "<p><button type=\"submit\">Save the contact</button></p></form></section>");
	/* the plan itself */
	web_put(p, "<section aria-labelledby=\"h-plan\"><h2 id=\"h-plan\">The plan</h2><form class=\"inline\" method=\"post\" "
		   "action=\"/plan/export\">");
	web_csrf_field(p);
	web_put(p, "<button type=\"submit\" class=\"secondary\">Download it as a PDF to print</button></form>"
		   "<pre class=\"letter\" id=\"plan\">");
	web_text(p, (const char *)md);
	web_put(p, "</pre></section>");
	fort_wipe_free(md);
	json_decref(plan);
	return 0;
}

int page_plan_init(page *p)
{
	int r;
	if ((r = fort_plan_init(p->req.v, NULL, 0)) < 0)
		return r;
	return web_redirect(p, "/plan");
}

int page_plan_contact(page *p)
{
	fort_plan_contact c = FORT_PLAN_CONTACT_INIT;
	const char *name = web_form(p, "name"), *email = web_form(p, "email"), *phone = web_form(p, "phone");
	int r;
	c.role = web_form(p, "role");
	c.name = name && *name ? name : NULL;
	c.email = email && *email ? email : NULL;
	c.phone = phone && *phone ? phone : NULL;
	if (!c.role || !*c.role)
		return fort_error_set(FORT_EINPUT, "choose the role of the contact");
	if (!c.name && !c.email && !c.phone)
		return fort_error_set(FORT_EINPUT, "nothing to change: fill in a name, an e-mail address or a phone number");
	if ((r = fort_plan_edit(p->req.v, &c, NULL)) < 0)
		return r;
	return web_redirect(p, "/plan");
}

int page_plan_export(page *p)
{
	unsigned char *pdf = NULL;
	size_t len = 0;
	int r;
	if ((r = fort_plan_export(&pdf, &len, p->req.v, "pdf")) < 0)
		return r;
	web_file(p, "application/pdf", "incident-response-plan.pdf", pdf, len);
	return 0;
}

/* The playbook TYPE of the plan (a borrowed reference into PLAN), or NULL. */
static json_t *playbook(json_t *plan, const char *type)
{
	json_t *x;
	size_t i;
	json_array_foreach(json_object_get(plan, "playbooks"), i, x)
		if (type && json_is_string(json_object_get(x, "type")) &&
		    strcmp(json_string_value(json_object_get(x, "type")), type) == 0)
			return x;
	return NULL;
}

static int load_plan(json_t **out, page *p)
{
	char *js = NULL;
	int r;
	if ((r = fort_plan_get(&js, p->req.v)) < 0)
		return r;
	*out = json_loads(js, 0, NULL);
	fort_free_str(js);
	return *out ? 0 : fort_error_set(FORT_ERROR, "the plan could not be read: run 'fortress plan show'");
}

int page_plan_drill(page *p)
{
	const char *type = http_query(&p->req, "type");
	json_t *plan = NULL, *pb, *st;
	size_t i;
	int r;
	p->nav = "plan";
	if ((r = load_plan(&plan, p)) < 0)
		return r;
	if (!(pb = playbook(plan, type))) {
		json_decref(plan);
		return fort_error_set(FORT_ENOTFOUND, "the plan has no such playbook: choose one from the plan page");
	}
	{
		const char *t = json_string_value(json_object_get(pb, "title"));
		snprintf(p->title, sizeof p->title, "Drill: %.100s", t ? t : type);
	}
	web_put(p, "<p>");
	web_text(p, json_string_value(json_object_get(pb, "scenario")));
	web_put(p, "</p><p>Walk through each step with the people named in it, as if it were real. Tick what you could do.</p>"
		   "<form class=\"card\" method=\"post\" action=\"/plan/drill\">");
	web_csrf_field(p);
	web_put(p, "<input type=\"hidden\" name=\"type\" value=\"");
	web_text(p, type);
	web_put(p, "\"><fieldset><legend>Steps</legend>");
	json_array_foreach(json_object_get(pb, "steps"), i, st) {
		web_put(p, "<p><input type=\"checkbox\" id=\"step-%zu\" name=\"step-%zu\" value=\"1\"><label class=\"check\" "
			   "for=\"step-%zu\">", i, i, i);
		web_text(p, json_string_value(json_object_get(st, "owner")));
		web_put(p, ": ");
		web_text(p, json_string_value(json_object_get(st, "text")));
		web_put(p, "</label></p>");
	}
	web_put(p, "</fieldset><p><label for=\"outcome\">What the drill showed</label><input id=\"outcome\" name=\"outcome\" "
		   "type=\"text\" required maxlength=\"500\"></p><p><label for=\"lesson\">A lesson learned (optional)</label>"
		   "<input id=\"lesson\" name=\"lesson\" type=\"text\" maxlength=\"500\"></p>"
		   "<p><button type=\"submit\">Record the drill</button></p></form>");
	json_decref(plan);
	return 0;
}

int page_plan_drill_record(page *p)
{
	fort_drill_record dr = FORT_DRILL_RECORD_INIT;
	fort_drill_step *steps = NULL;
	const char *type = web_form(p, "type"), *lesson = web_form(p, "lesson");
	const char *lessons[1];
	json_t *plan = NULL, *pb;
	size_t n;
	int64_t id;
	int r;
	if ((r = load_plan(&plan, p)) < 0)
		return r;
	if (!(pb = playbook(plan, type))) {
		json_decref(plan);
		return fort_error_set(FORT_ENOTFOUND, "the plan has no such playbook: choose one from the plan page");
	}
	n = json_array_size(json_object_get(pb, "steps"));
	if (n && !(steps = calloc(n, sizeof *steps))) {
		json_decref(plan);
		return fort_error_set(FORT_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		char key[32];
		const char *v;
		snprintf(key, sizeof key, "step-%zu", i);
		v = web_form(p, key);
		steps[i].done = v && *v;
	}
	dr.type = type;
	dr.steps = steps;
	dr.nsteps = n;
	dr.outcome = web_form(p, "outcome");
	if (lesson && *lesson) {
		lessons[0] = lesson;
		dr.lessons = lessons;
		dr.nlessons = 1;
	}
	r = fort_plan_drill_record(&id, p->req.v, &dr);
	free(steps);
	json_decref(plan);
	if (r < 0)
		return r;
	return web_redirect(p, "/plan");
}
