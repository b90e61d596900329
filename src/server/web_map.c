/* web_map.c - the data map from the web app (issue 17: every task of the CLI
 * has its page): the map as `fortress map show` prints it (fields,
 * processing activities with their retention rules, recipients), its JSON
 * as the file `map export` writes, replacing it from that JSON (pasted or
 * uploaded: `map import`), and the forms that add or change one field,
 * activity or recipient and set a purpose's retention rule.  Each POST is
 * the one library call the CLI command makes (fort_map_field_add/_edit,
 * fort_map_activity_set, fort_map_recipient_set, fort_retention_rule_set,
 * fort_map_import): the library checks the role ('map'; a refusal is
 * audited there, as at the terminal), validates and audits the change.  A
 * wrong value gets the library's message and the form again with what was
 * typed (the map holds no client values). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "server/web.h"

#define MAP_IMPORT_MAX ((size_t)4 << 20) /* as `fortress map import` reads at most */

typedef struct {
	const char *value, *words;
} choice;

/* The values the library accepts (the CLI's help lists the same). */
static const choice field_types[] = {
	{ "text", "text" },
	{ "name", "a name" },
	{ "email", "an e-mail address" },
	{ "phone", "a phone number" },
	{ "iban", "a bank account (IBAN)" },
	{ "card", "a payment card (only the last 4 digits are kept)" },
	{ "date", "a date" },
	{ "ssn", "a social security number" },
	{ "id_number", "an identity document number" },
};
static const choice categories[] = {
	{ "identity", "identity (names, dates of birth)" },
	{ "contact", "contact (e-mail, phone, address)" },
	{ "financial", "financial (bank and card details)" },
	{ "special", "special categories (health and the like, GDPR Art. 9)" },
	{ "notes", "notes" },
};
static const choice bases[] = {
	{ "consent", "consent: the client agreed (Art. 6(1)(a))" },
	{ "contract", "contract: needed for the work the client asked for (Art. 6(1)(b))" },
	{ "legal_obligation", "legal obligation: a law requires it, e.g. tax records (Art. 6(1)(c))" },
	{ "vital_interests", "vital interests: to protect someone's life (Art. 6(1)(d))" },
	{ "public_task", "public task: a task in the public interest (Art. 6(1)(e))" },
	{ "legitimate_interests", "legitimate interests: yours, weighed against the client's (Art. 6(1)(f))" },
};
static const choice special_bases[] = {
	{ "", "none: no special categories" },
	{ "explicit_consent", "explicit consent (Art. 9(2)(a))" },
	{ "employment", "employment and social security law (Art. 9(2)(b))" },
	{ "vital_interests", "vital interests (Art. 9(2)(c))" },
	{ "not_for_profit", "a not-for-profit body's members (Art. 9(2)(d))" },
	{ "made_public", "made public by the client (Art. 9(2)(e))" },
	{ "legal_claims", "legal claims (Art. 9(2)(f))" },
	{ "substantial_public_interest", "substantial public interest (Art. 9(2)(g))" },
	{ "health_care", "health or social care (Art. 9(2)(h))" },
	{ "public_health", "public health (Art. 9(2)(i))" },
	{ "archiving", "archiving, research, statistics (Art. 9(2)(j))" },
};
static const choice kinds[] = {
	{ "processor", "processor: works on your behalf (e-mail host, accountant, cloud)" },
	{ "controller", "controller: decides for itself what it does with the data" },
	{ "public_authority", "public authority (tax office, court)" },
};
static const choice triggers[] = {
	{ "created", "when the record was made" },
	{ "updated", "the last contact (the record's last change)" },
	{ "consent_withdrawn", "when consent was withdrawn (never given: when the record was made)" },
};
#define NCHOICES(a) (sizeof(a) / sizeof((a)[0]))

/* The value a form shows: what was typed (TYPED), else the map's CUR. */
static const char *shown(page *p, int typed, const char *key, const char *cur)
{
	const char *v = typed ? web_form(p, key) : cur;
	return v ? v : "";
}

static void text_input(page *p, const char *name, const char *label, const char *help, const char *value, size_t max,
		       int required)
{
	web_put(p, "<p><label for=\"m-%s\">%s</label><input id=\"m-%s\" name=\"%s\" type=\"text\" maxlength=\"%zu\"%s "
		   "autocomplete=\"off\"%s%s%s value=\"",
		name, label, name, name, max, required ? " required" : "", help ? " aria-describedby=\"m-" : "", help ? name : "",
		help ? "-help\"" : "");
	web_text(p, value);
	web_put(p, "\">");
	if (help)
		web_put(p, "<span class=\"help\" id=\"m-%s-help\">%s</span>", name, help);
	web_put(p, "</p>");
}

static void select_input(page *p, const char *name, const char *label, const char *help, const choice *c, size_t n,
			 const char *cur)
{
	web_put(p, "<p><label for=\"m-%s\">%s</label><select id=\"m-%s\" name=\"%s\"%s%s%s>", name, label, name, name,
		help ? " aria-describedby=\"m-" : "", help ? name : "", help ? "-help\"" : "");
	for (size_t i = 0; i < n; i++)
		web_put(p, "<option value=\"%s\"%s>%s</option>", c[i].value, cur && strcmp(cur, c[i].value) == 0 ? " selected" : "",
			c[i].words);
	web_put(p, "</select>");
	if (help)
		web_put(p, "<span class=\"help\" id=\"m-%s-help\">%s</span>", name, help);
	web_put(p, "</p>");
}

/* The form's values of KEY (repeated fields: checkboxes), at most CAP. */
static size_t form_all(page *p, const char *key, const char **out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nf && n < cap; i++)
		if (strcmp(p->fk[i], key) == 0 && *p->fv[i])
			out[n++] = p->fv[i];
	return n;
}

static int form_has(page *p, const char *key, const char *value)
{
	for (size_t i = 0; i < p->nf; i++)
		if (strcmp(p->fk[i], key) == 0 && strcmp(p->fv[i], value) == 0)
			return 1;
	return 0;
}

static int in_list(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] && strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static int may_change(page *p)
{
	return fort_vault_can(p->req.v, "map", NULL);
}

/* On a form page: a role without 'map' is told before typing (the library
 * refuses the form's POST, audited). */
static void may_note(page *p)
{
	if (!may_change(p))
		web_put(p, "<p class=\"help\">Your role may not change the data map: ask an owner.</p>");
}

/* ---------------------------------------------------------------- the map */

static void fields_table(page *p, int may)
{
	size_t n = fort_map_count(p->req.v);
	web_put(p, "<table id=\"map-fields\"><caption>Fields: what you keep about a client</caption><thead><tr>"
		   "<th scope=\"col\">Field</th><th scope=\"col\">Kind of data</th><th scope=\"col\">Purposes</th>"
		   "<th scope=\"col\">Legal basis</th><th scope=\"col\">Retention</th><th scope=\"col\">Searchable</th>"
		   "</tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		const fort_field_info *f = fort_map_field(p->req.v, i);
		if (!f)
			continue;
		web_put(p, "<tr><th scope=\"row\">");
		if (may) {
			web_put(p, "<a href=\"/map/fields/");
			web_text(p, f->name);
			web_put(p, "\">");
		}
		web_text(p, f->name);
		if (may)
			web_put(p, "</a>");
		if (f->label && *f->label) {
			web_put(p, "<br><span class=\"help\">");
			web_text(p, f->label);
			web_put(p, "</span>");
		}
		web_put(p, "</th><td>");
		web_text(p, f->type);
		web_put(p, ", ");
		web_text(p, f->category);
		if (f->max_length)
			web_put(p, ", at most %zu characters", f->max_length);
		web_put(p, "</td><td>");
		for (size_t k = 0; k < f->npurposes; k++) {
			web_put(p, "%s", k ? ", " : "");
			web_text(p, f->purposes[k]);
		}
		if (!f->npurposes)
			web_put(p, "none: never revealed or exported");
		web_put(p, "</td><td>");
		web_text(p, f->legal_basis);
		web_put(p, "</td><td>");
		web_text(p, f->retention);
		web_put(p, "</td><td>%s</td></tr>", f->searchable ? "yes" : "no");
	}
	web_put(p, "</tbody></table>");
}

static void activities_table(page *p, int may)
{
	size_t n = fort_map_activity_count(p->req.v);
	web_put(p, "<table id=\"map-activities\"><caption>Processing activities: why you keep it</caption><thead><tr>"
		   "<th scope=\"col\">Purpose</th><th scope=\"col\">Legal basis</th><th scope=\"col\">Retention</th>"
		   "<th scope=\"col\">Retention rule</th><th scope=\"col\">Recipients</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		const fort_activity_info *a = fort_map_activity(p->req.v, i);
		char rule[400];
		if (fort_retention_rule_text(rule, sizeof rule, p->req.v, a->purpose) < 0)
			rule[0] = '\0';
		web_put(p, "<tr><th scope=\"row\">");
		if (may) {
			web_put(p, "<a href=\"/map/activities/");
			web_text(p, a->purpose);
			web_put(p, "\">");
		}
		web_text(p, a->purpose);
		if (may)
			web_put(p, "</a>");
		web_put(p, "<br><span class=\"help\">");
		web_text(p, a->description);
		web_put(p, "</span></th><td>");
		web_text(p, a->legal_basis[0] ? a->legal_basis : "NO LEGAL BASIS");
		if (a->special_basis[0]) {
			web_put(p, "; special categories: ");
			web_text(p, a->special_basis);
		}
		web_put(p, "</td><td>");
		web_text(p, a->retention);
		web_put(p, "</td><td>");
		web_text(p, rule[0] ? rule : "none: nothing expires by itself");
		web_put(p, "</td><td>");
		for (size_t k = 0; k < a->nrecipients; k++) {
			web_put(p, "%s", k ? ", " : "");
			web_text(p, a->recipients[k]);
		}
		web_put(p, "</td></tr>");
	}
	web_put(p, "</tbody></table>");
}

static void recipients_table(page *p, int may)
{
	size_t n = fort_map_recipient_count(p->req.v);
	web_put(p, "<table id=\"map-recipients\"><caption>Recipients: who else gets the data</caption><thead><tr>"
		   "<th scope=\"col\">Recipient</th><th scope=\"col\">Kind</th><th scope=\"col\">Country</th>"
		   "<th scope=\"col\">Transfer safeguard</th><th scope=\"col\">What they do</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		const fort_recipient_info *x = fort_map_recipient(p->req.v, i);
		web_put(p, "<tr><th scope=\"row\">");
		if (may) {
			web_put(p, "<a href=\"/map/recipients/");
			web_text(p, x->name);
			web_put(p, "\">");
		}
		web_text(p, x->name);
		if (may)
			web_put(p, "</a>");
		web_put(p, "</th><td>");
		web_text(p, x->kind);
		web_put(p, "</td><td>");
		web_text(p, x->country);
		web_put(p, "</td><td>");
		web_text(p, x->safeguard);
		web_put(p, "</td><td>");
		web_text(p, x->note);
		web_put(p, "</td></tr>");
	}
	web_put(p, "</tbody></table>");
}

/* The import form: paste (TEXT, what was typed, shown again) or upload. */
static void import_forms(page *p, const char *text)
{
	web_put(p, "<section aria-labelledby=\"h-import\"><h2 id=\"h-import\">Replace the data map</h2><p>From the JSON "
		   "file the download above gives (edit it, then bring it back). The map is checked whole: if anything is "
		   "wrong, nothing changes. Fields that hold data cannot be removed or change their kind of data.</p>"
		   "<form class=\"card\" method=\"post\" action=\"/map/import\">");
	web_csrf_field(p);
	web_put(p, "<p><label for=\"map-json\">Paste the data map (JSON)</label><textarea id=\"map-json\" name=\"map\" "
		   "rows=\"12\" required spellcheck=\"false\" autocomplete=\"off\">");
	web_text(p, text);
	web_put(p, "</textarea></p><p><button type=\"submit\">Replace the map</button></p></form>"
		   "<form class=\"card\" method=\"post\" action=\"/map/import\" enctype=\"multipart/form-data\">");
	web_csrf_field(p);
	web_put(p, "<p><label for=\"map-file\">Or choose the file</label><input id=\"map-file\" name=\"file\" type=\"file\" "
		   "required accept=\".json,application/json\"></p><p><button type=\"submit\">Upload and replace the map"
		   "</button></p></form></section>");
}

int page_map(page *p)
{
	int may = may_change(p);
	p->nav = "map";
	snprintf(p->title, sizeof p->title, "Data map");
	web_put(p, "<p>The data map says which data you keep about clients, why (the purposes, each with its legal basis: "
		   "the reason the law lets you use the data), how long (retention) and who else receives it. Your privacy "
		   "notice and records of processing are made from it, and Fortress lets no one reveal or export a field for "
		   "a purpose the map does not give it.</p>");
	fields_table(p, may);
	activities_table(p, may);
	recipients_table(p, may);
	web_put(p, "<p><a class=\"button\" href=\"/map/export\" download>Download the data map (JSON)</a></p>");
	if (!may) {
		web_put(p, "<p class=\"help\">Your role may not change the data map: ask an owner.</p>");
		return 0;
	}
	web_put(p, "<ul class=\"actions\"><li><a href=\"/map/fields/new\">Add a field</a></li>"
		   "<li><a href=\"/map/activities/new\">Add a processing activity</a></li>"
		   "<li><a href=\"/map/recipients/new\">Add a recipient</a></li></ul>"
		   "<p class=\"help\">To change one, follow its name in the tables. A purpose's retention rule (how long, "
		   "counted from which event) is on its activity's page.</p>");
	import_forms(p, "");
	return 0;
}

int page_map_export(page *p)
{
	char *text = NULL, *pretty = NULL;
	json_t *j;
	size_t len;
	int r;
	if ((r = fort_map_export(&text, p->req.v)) < 0)
		return r;
	/* the file `fortress map export -o FILE` writes: indented, a final newline */
	j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	free(text);
	if (!j || !(pretty = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER))) {
		json_decref(j);
		return fort_error_set(FORT_ENOMEM, "the data map could not be written out: try again");
	}
	json_decref(j);
	len = strlen(pretty);
	{
		char *nl = realloc(pretty, len + 2);
		if (!nl) {
			free(pretty);
			return fort_error_set(FORT_ENOMEM, "out of memory: try again");
		}
		pretty = nl;
	}
	pretty[len++] = '\n';
	pretty[len] = '\0';
	web_file(p, "application/json", "data-map.json", (unsigned char *)pretty, len);
	return 0;
}

int page_map_import(page *p)
{
	const char *text = p->upload ? (const char *)p->upload : web_form(p, "map");
	size_t len = p->upload ? p->upload_len : text ? strlen(text) : 0;
	int r;
	p->nav = "map";
	if (!text || !len)
		r = fort_error_set(FORT_EINPUT, "%s", text ? "the box is empty: paste the data map's JSON (the download on the "
							      "data map page)"
							    : "no file came with the form: choose the data map's JSON file (the "
							      "download on the data map page)");
	else if (len > MAP_IMPORT_MAX)
		r = fort_error_set(FORT_EINPUT, "the data map is larger than 4 MiB: a data map is much smaller; check the file");
	else
		r = fort_map_import(p->req.v, text, len);
	if (r == FORT_EINPUT) {
		snprintf(p->title, sizeof p->title, "Data map not replaced");
		p->status = 400;
		web_problem(p, fort_error_message());
		web_put(p, "<p>Nothing changed. Correct the map and send it again, or start from the download on the "
			   "<a href=\"/map\">data map page</a>.</p>");
		import_forms(p, p->upload ? "" : web_form(p, "map"));
		return 0;
	}
	if (r < 0)
		return r;
	return web_redirect(p, "/map");
}

/* ---------------------------------------------------------------- fields */

/* The add (F NULL) or edit form of a field; TYPED: show what the form
 * sent (after a refusal) instead of the map's values. */
static void field_form(page *p, const char *name, const fort_field_info *f, int typed)
{
	size_t na = fort_map_activity_count(p->req.v);
	const char *searchable = typed ? shown(p, 1, "searchable", "") : f && f->searchable ? "yes" : "no";
	char ml[24] = "";
	if (f && f->max_length)
		snprintf(ml, sizeof ml, "%zu", f->max_length);
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/map/fields%s", f ? "/" : "");
	if (f)
		web_text(p, f->name);
	web_put(p, "\">");
	web_csrf_field(p);
	if (!f)
		text_input(p, "name", "Name of the field", "Lower-case letters, digits and _, e.g. contract_end. It cannot "
			   "be changed later.", name ? name : "", 40, 1);
	text_input(p, "label", "Label", "What people see, e.g. \"End of the contract\".", shown(p, typed, "label", f ? f->label : NULL),
		   200, 0);
	select_input(p, "type", "Type of value", "Fortress checks every value against its type.", field_types,
		     NCHOICES(field_types), shown(p, typed, "type", f ? f->type : "text"));
	select_input(p, "category", "Kind of data", "Each kind has its own key: a role opens only the kinds it is given. "
		     "A field that holds data cannot change its type or kind.", categories, NCHOICES(categories),
		     shown(p, typed, "category", f ? f->category : "contact"));
	web_put(p, "<fieldset aria-describedby=\"m-purpose-help\"><legend>Purposes it is kept for</legend>"
		   "<input type=\"hidden\" name=\"purposes_shown\" value=\"1\">"
		   "<p class=\"help\" id=\"m-purpose-help\">A value is revealed or exported only for one of these. Each "
		   "purpose is a processing activity of the map.</p>");
	for (size_t i = 0; i < na; i++) {
		const fort_activity_info *a = fort_map_activity(p->req.v, i);
		int on = typed ? form_has(p, "purpose", a->purpose) : f && in_list(f->purposes, f->npurposes, a->purpose);
		web_put(p, "<p><input type=\"checkbox\" id=\"m-purpose-%zu\" name=\"purpose\" value=\"", i);
		web_text(p, a->purpose);
		web_put(p, "\"%s><label class=\"check\" for=\"m-purpose-%zu\">", on ? " checked" : "", i);
		web_text(p, a->purpose);
		web_put(p, ": ");
		web_text(p, a->description);
		web_put(p, "</label></p>");
	}
	if (!na)
		web_put(p, "<p>The map has no processing activity yet: <a href=\"/map/activities/new\">add one</a> first.</p>");
	web_put(p, "</fieldset>");
	text_input(p, "legal_basis", "Legal basis", "The reason the law lets you keep it, e.g. \"contract (GDPR Art. "
		   "6(1)(b))\".", shown(p, typed, "legal_basis", f ? f->legal_basis : NULL), 500, 0);
	text_input(p, "retention", "Retention", "How long it is kept and why, e.g. \"10 years after the end of the "
		   "contract (tax law)\". The purposes' retention rules decide when it is erased.",
		   shown(p, typed, "retention", f ? f->retention : NULL), 500, 0);
	text_input(p, "note", "Note", "Why the field is kept this way (optional).", shown(p, typed, "note", f ? f->note : NULL),
		   500, 0);
	{
		static const choice yesno[] = { { "no", "no" }, { "yes", "yes: keep a search index so clients can be found by it" } };
		select_input(p, "searchable", "Searchable", NULL, yesno, 2, searchable);
	}
	web_put(p, "<p><label for=\"m-max_length\">Longest value (text fields, optional)</label><input id=\"m-max_length\" "
		   "name=\"max_length\" type=\"number\" min=\"1\" max=\"1000000\" inputmode=\"numeric\" value=\"");
	web_text(p, typed ? shown(p, 1, "max_length", "") : ml);
	web_put(p, "\"></p><p><button type=\"submit\">%s</button></p></form>", f ? "Save the field" : "Add the field");
}

/* The form into SPEC; PURPOSES its storage.  FORT_EINPUT for a longest
 * value that is not a number (the CLI's --max-length check). */
static int field_spec(page *p, fort_field_spec *s, const char **purposes, size_t cap)
{
	const char *ml = web_form(p, "max_length"), *sr = web_form(p, "searchable");
	s->label = web_form(p, "label");
	s->type = web_form(p, "type");
	s->category = web_form(p, "category");
	s->legal_basis = web_form(p, "legal_basis");
	s->retention = web_form(p, "retention");
	s->note = web_form(p, "note");
	s->npurposes = form_all(p, "purpose", purposes, cap);
	s->purposes = purposes;
	/* the form shows every purpose: none ticked is not "unchanged" (the
	 * library's npurposes 0) but a field without a purpose, which the map
	 * refuses */
	if (!s->npurposes && web_form(p, "purposes_shown"))
		return fort_error_set(FORT_EINPUT, "tick at least one purpose: every field needs one (a value is revealed or "
				      "exported only for a purpose of its field)");
	s->searchable = sr && strcmp(sr, "yes") == 0 ? 1 : sr && strcmp(sr, "no") == 0 ? 0 : -1;
	if (ml && *ml) {
		char *end;
		unsigned long long v;
		errno = 0;
		v = strtoull(ml, &end, 10);
		if (errno || *end || ml[0] == '-' || v == 0)
			return fort_error_set(FORT_EINPUT, "the longest value must be a positive number, not '%s'", ml);
		s->max_length = (size_t)v;
	}
	return 0;
}

int page_map_field_new(page *p)
{
	p->nav = "map";
	snprintf(p->title, sizeof p->title, "Add a field to the data map");
	may_note(p);
	field_form(p, NULL, NULL, 0);
	return 0;
}

static int refused_form(int r)
{
	return r == FORT_EINPUT || r == FORT_EEXISTS;
}

int page_map_field_add(page *p)
{
	fort_field_spec s = FORT_FIELD_SPEC_INIT;
	const char *purposes[WEB_MAX_FIELDS];
	int r;
	p->nav = "map";
	s.name = web_form(p, "name");
	if (!s.name || !*s.name)
		r = fort_error_set(FORT_EINPUT, "give the field a name: lower-case letters, digits and _");
	else if ((r = field_spec(p, &s, purposes, WEB_MAX_FIELDS)) == 0)
		r = fort_map_field_add(p->req.v, &s);
	if (refused_form(r)) {
		p->status = http_status_of(r);
		snprintf(p->title, sizeof p->title, "Add a field to the data map");
		web_problem(p, fort_error_message());
		field_form(p, s.name, NULL, 1);
		return 0;
	}
	if (r < 0)
		return r;
	return web_redirect(p, "/map#map-fields");
}

static int field_found(page *p, const fort_field_info **f)
{
	if (!(*f = fort_map_find(p->req.v, p->req.id)))
		return fort_error_set(FORT_ENOTFOUND, "no field '%s' in the data map: the data map page lists them", p->req.id);
	return 0;
}

/* How long the field is kept, as every document states it (derived from
 * its purposes' retention rules and its hold), and where those rules are
 * set: each purpose's activity page (`retention rule PURPOSE`). */
static void field_retention(page *p, const fort_field_info *f)
{
	char text[600];
	if (fort_field_retention_text(text, sizeof text, p->req.v, f->name) < 0)
		text[0] = '\0';
	web_put(p, "<section aria-labelledby=\"h-field-retention\"><h2 id=\"h-field-retention\">How long it is kept</h2>"
		   "<p id=\"field-retention\">");
	web_text(p, text[0] ? text : "no retention rule: kept until erased by hand or on request");
	web_put(p, "</p><p>The field goes once none of its purposes keeps it any more. Each purpose's retention rule is "
		   "set on its page:</p><ul>");
	for (size_t k = 0; k < f->npurposes; k++) {
		web_put(p, "<li><a href=\"/map/activities/");
		web_text(p, f->purposes[k]);
		web_put(p, "#retention\">");
		web_text(p, f->purposes[k]);
		web_put(p, "</a></li>");
	}
	web_put(p, "</ul></section>");
}

int page_map_field(page *p)
{
	const fort_field_info *f;
	int r;
	p->nav = "map";
	if ((r = field_found(p, &f)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Field %s", f->name);
	may_note(p);
	field_form(p, NULL, f, 0);
	field_retention(p, f);
	return 0;
}

int page_map_field_edit(page *p)
{
	fort_field_spec s = FORT_FIELD_SPEC_INIT;
	const fort_field_info *f;
	const char *purposes[WEB_MAX_FIELDS];
	int r;
	p->nav = "map";
	s.name = p->req.id;
	if ((r = field_spec(p, &s, purposes, WEB_MAX_FIELDS)) == 0)
		r = fort_map_field_edit(p->req.v, &s);
	if (refused_form(r) && (f = fort_map_find(p->req.v, p->req.id))) {
		p->status = http_status_of(r);
		snprintf(p->title, sizeof p->title, "Field %s", f->name);
		web_problem(p, fort_error_message());
		field_form(p, NULL, f, 1);
		return 0;
	}
	if (r < 0)
		return r;
	return web_redirect(p, "/map#map-fields");
}

/* ---------------------------------------------------------------- activities */

static void activity_form(page *p, const char *purpose, const fort_activity_info *a, int typed)
{
	size_t nr = fort_map_recipient_count(p->req.v);
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/map/activities%s", a ? "/" : "");
	if (a)
		web_text(p, a->purpose);
	web_put(p, "\">");
	web_csrf_field(p);
	if (!a)
		text_input(p, "purpose", "Purpose", "A short name, lower-case letters, digits and _, e.g. billing or "
			   "newsletter. It cannot be changed later.", purpose ? purpose : "", 40, 1);
	text_input(p, "description", "What the purpose is, in plain words", "Your clients read this in the privacy notice.",
		   shown(p, typed, "description", a ? a->description : NULL), 500, !a);
	select_input(p, "legal_basis", "Legal basis", "The reason the law lets you use the data for this purpose "
		     "(GDPR Art. 6(1)).", bases, NCHOICES(bases), shown(p, typed, "legal_basis", a ? a->legal_basis : "contract"));
	select_input(p, "special_basis", "Special categories basis", "Only if the purpose uses special categories "
		     "(health and the like): the exception of GDPR Art. 9(2) that allows it.", special_bases,
		     NCHOICES(special_bases), shown(p, typed, "special_basis", a ? a->special_basis : ""));
	text_input(p, "retention", "Retention", "How long the data is kept for it, and why, in words (the retention rule "
		   "below is what Fortress applies).", shown(p, typed, "retention", a ? a->retention : NULL), 500, 0);
	text_input(p, "provision", "Must the client provide the data?", "And what follows if they do not (GDPR Art. "
		   "13(2)(e)). Leave empty for the wording the legal basis implies.",
		   shown(p, typed, "provision", a ? a->provision : NULL), 500, 0);
	web_put(p, "<fieldset><legend>Recipients the data goes to</legend><input type=\"hidden\" name=\"recipients_shown\" "
		   "value=\"1\">");
	for (size_t i = 0; i < nr; i++) {
		const fort_recipient_info *x = fort_map_recipient(p->req.v, i);
		int on = typed ? form_has(p, "recipient", x->name) : a && in_list(a->recipients, a->nrecipients, x->name);
		web_put(p, "<p><input type=\"checkbox\" id=\"m-recipient-%zu\" name=\"recipient\" value=\"", i);
		web_text(p, x->name);
		web_put(p, "\"%s><label class=\"check\" for=\"m-recipient-%zu\">", on ? " checked" : "", i);
		web_text(p, x->name);
		web_put(p, " (");
		web_text(p, x->country);
		web_put(p, ")</label></p>");
	}
	if (!nr)
		web_put(p, "<p>No recipients yet: <a href=\"/map/recipients/new\">add one</a> if someone else receives the data.</p>");
	web_put(p, "</fieldset><p><button type=\"submit\">%s</button></p></form>", a ? "Save the activity" : "Add the activity");
}

static int activity_set(page *p, const char *purpose, int add)
{
	fort_activity_spec s = FORT_ACTIVITY_SPEC_INIT;
	const char *rec[WEB_MAX_FIELDS];
	s.purpose = purpose;
	s.description = web_form(p, "description");
	s.legal_basis = web_form(p, "legal_basis");
	s.special_basis = web_form(p, "special_basis");
	s.retention = web_form(p, "retention");
	s.provision = web_form(p, "provision");
	s.nrecipients = form_all(p, "recipient", rec, WEB_MAX_FIELDS);
	if (!s.nrecipients && web_form(p, "recipients_shown")) {
		/* every box unticked: none (the CLI's --recipient -) */
		rec[0] = "-";
		s.nrecipients = 1;
	}
	s.recipients = rec;
	return fort_map_activity_set(p->req.v, &s, add);
}

int page_map_activity_new(page *p)
{
	p->nav = "map";
	snprintf(p->title, sizeof p->title, "Add a processing activity");
	may_note(p);
	activity_form(p, NULL, NULL, 0);
	return 0;
}

int page_map_activity_add(page *p)
{
	const char *purpose = web_form(p, "purpose");
	char loc[128];
	int r;
	p->nav = "map";
	r = activity_set(p, purpose ? purpose : "", 1);
	if (refused_form(r)) {
		p->status = http_status_of(r);
		snprintf(p->title, sizeof p->title, "Add a processing activity");
		web_problem(p, fort_error_message());
		activity_form(p, purpose, NULL, 1);
		return 0;
	}
	if (r < 0)
		return r;
	snprintf(loc, sizeof loc, "/map/activities/%s#retention", purpose);
	return web_redirect(p, loc);
}

static const fort_activity_info *activity_find(page *p)
{
	size_t n = fort_map_activity_count(p->req.v);
	for (size_t i = 0; i < n; i++) {
		const fort_activity_info *a = fort_map_activity(p->req.v, i);
		if (strcmp(a->purpose, p->req.id) == 0)
			return a;
	}
	return NULL;
}

/* The purpose's retention rule and the form that sets or removes it
 * (`fortress retention rule`). */
static void rule_forms(page *p, const fort_activity_info *a, int typed)
{
	size_t n = fort_map_count(p->req.v);
	char rule[400];
	const char *after = shown(p, typed, "after", "created");
	if (fort_retention_rule_text(rule, sizeof rule, p->req.v, a->purpose) < 0)
		rule[0] = '\0';
	web_put(p, "<section aria-labelledby=\"retention\"><h2 id=\"retention\">Retention rule</h2><p>How long the data "
		   "kept for this purpose stays, counted from an event. A field goes once none of its purposes keeps it any "
		   "more; a client with nothing left is erased whole (Retention page). Without a rule nothing expires by "
		   "itself.</p><p>Now: <strong id=\"rule-now\">");
	web_text(p, rule[0] ? rule : "no rule");
	web_put(p, "</strong></p><form class=\"card\" method=\"post\" action=\"/map/activities/");
	web_text(p, a->purpose);
	web_put(p, "/retention\">");
	web_csrf_field(p);
	text_input(p, "duration", "How long", "Years, months or days: 2y, 6m, 1y6m, 30d.", shown(p, typed, "duration", NULL),
		   16, 1);
	web_put(p, "<p><label for=\"m-after\">Counted from</label><select id=\"m-after\" name=\"after\">");
	for (size_t i = 0; i < NCHOICES(triggers); i++)
		web_put(p, "<option value=\"%s\"%s>%s</option>", triggers[i].value,
			strcmp(after, triggers[i].value) == 0 ? " selected" : "", triggers[i].words);
	for (size_t i = 0; i < n; i++) {
		const fort_field_info *f = fort_map_field(p->req.v, i);
		char v[64];
		if (!f || strcmp(f->type, "date") != 0)
			continue;
		snprintf(v, sizeof v, "field:%s", f->name);
		web_put(p, "<option value=\"");
		web_text(p, v);
		web_put(p, "\"%s>the date in the field ", strcmp(after, v) == 0 ? " selected" : "");
		web_text(p, f->name);
		web_put(p, " (nothing expires while it is empty)</option>");
	}
	web_put(p, "</select></p>");
	text_input(p, "reason", "Why that long", "The law or the reason, e.g. \"German tax law (AO 147)\".",
		   shown(p, typed, "reason", NULL), 500, 1);
	web_put(p, "<p><button type=\"submit\">Set the rule</button></p></form>");
	if (rule[0]) {
		web_put(p, "<form class=\"inline\" method=\"post\" action=\"/map/activities/");
		web_text(p, a->purpose);
		web_put(p, "/retention\">");
		web_csrf_field(p);
		web_put(p, "<input type=\"hidden\" name=\"clear\" value=\"1\"><button type=\"submit\" class=\"secondary\">"
			   "Remove the rule</button></form>");
	}
	web_put(p, "</section>");
}

static void activity_page(page *p, const fort_activity_info *a, int typed_activity, int typed_rule)
{
	snprintf(p->title, sizeof p->title, "Activity %s", a->purpose);
	activity_form(p, NULL, a, typed_activity);
	rule_forms(p, a, typed_rule);
}

static int activity_found(page *p, const fort_activity_info **a)
{
	if (!(*a = activity_find(p)))
		return fort_error_set(FORT_ENOTFOUND, "no activity '%s' in the data map: the data map page lists them", p->req.id);
	return 0;
}

int page_map_activity(page *p)
{
	const fort_activity_info *a;
	int r;
	p->nav = "map";
	if ((r = activity_found(p, &a)) < 0)
		return r;
	may_note(p);
	activity_page(p, a, 0, 0);
	return 0;
}

int page_map_activity_edit(page *p)
{
	const fort_activity_info *a;
	int r;
	p->nav = "map";
	r = activity_set(p, p->req.id, 0);
	if (refused_form(r) && (a = activity_find(p))) {
		p->status = http_status_of(r);
		web_problem(p, fort_error_message());
		activity_page(p, a, 1, 0);
		return 0;
	}
	if (r < 0)
		return r;
	return web_redirect(p, "/map#map-activities");
}

int page_map_retention_rule(page *p)
{
	const char *clear = web_form(p, "clear"), *duration = web_form(p, "duration");
	const fort_activity_info *a;
	char loc[128];
	int r;
	p->nav = "map";
	if (clear && *clear)
		r = fort_retention_rule_set(p->req.v, p->req.id, NULL, NULL, NULL);
	else
		r = fort_retention_rule_set(p->req.v, p->req.id, duration ? duration : "", web_form(p, "after"),
					    web_form(p, "reason"));
	if (refused_form(r) && (a = activity_find(p))) {
		p->status = http_status_of(r);
		web_problem(p, fort_error_message());
		activity_page(p, a, 0, 1);
		return 0;
	}
	if (r < 0)
		return r;
	snprintf(loc, sizeof loc, "/map/activities/%s#retention", p->req.id);
	return web_redirect(p, loc);
}

/* ---------------------------------------------------------------- recipients */

static void recipient_form(page *p, const char *name, const fort_recipient_info *x, int typed)
{
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/map/recipients%s", x ? "/" : "");
	if (x)
		web_text(p, x->name);
	web_put(p, "\">");
	web_csrf_field(p);
	if (!x)
		text_input(p, "name", "Name", "Lower-case letters, digits and _, e.g. mailhost or accountant.", name ? name : "",
			   40, 1);
	select_input(p, "kind", "Kind", NULL, kinds, NCHOICES(kinds), shown(p, typed, "kind", x ? x->kind : "processor"));
	text_input(p, "country", "Country where it processes the data", "Two capital letters (ISO 3166), e.g. DE, IE, US.",
		   shown(p, typed, "country", x ? x->country : NULL), 2, 1);
	text_input(p, "safeguard", "Transfer safeguard", "Only outside the EEA: what makes the transfer lawful (an "
		   "adequacy decision, standard contractual clauses, ...).", shown(p, typed, "safeguard", x ? x->safeguard : NULL),
		   500, 0);
	text_input(p, "note", "What they do", "E-mail hosting, accounting, ... (optional).",
		   shown(p, typed, "note", x ? x->note : NULL), 500, 0);
	web_put(p, "<p><button type=\"submit\">%s</button></p></form>", x ? "Save the recipient" : "Add the recipient");
}

static int recipient_set(page *p, const char *name, int add)
{
	return fort_map_recipient_set(p->req.v, name, web_form(p, "kind"), web_form(p, "country"), web_form(p, "safeguard"),
				      web_form(p, "note"), add);
}

int page_map_recipient_new(page *p)
{
	p->nav = "map";
	snprintf(p->title, sizeof p->title, "Add a recipient");
	may_note(p);
	recipient_form(p, NULL, NULL, 0);
	return 0;
}

int page_map_recipient_add(page *p)
{
	const char *name = web_form(p, "name");
	int r;
	p->nav = "map";
	r = recipient_set(p, name ? name : "", 1);
	if (refused_form(r)) {
		p->status = http_status_of(r);
		snprintf(p->title, sizeof p->title, "Add a recipient");
		web_problem(p, fort_error_message());
		recipient_form(p, name, NULL, 1);
		return 0;
	}
	if (r < 0)
		return r;
	return web_redirect(p, "/map#map-recipients");
}

static const fort_recipient_info *recipient_find(page *p)
{
	size_t n = fort_map_recipient_count(p->req.v);
	for (size_t i = 0; i < n; i++) {
		const fort_recipient_info *x = fort_map_recipient(p->req.v, i);
		if (strcmp(x->name, p->req.id) == 0)
			return x;
	}
	return NULL;
}

int page_map_recipient(page *p)
{
	const fort_recipient_info *x;
	p->nav = "map";
	if (!(x = recipient_find(p)))
		return fort_error_set(FORT_ENOTFOUND, "no recipient '%s' in the data map: the data map page lists them", p->req.id);
	snprintf(p->title, sizeof p->title, "Recipient %s", x->name);
	may_note(p);
	recipient_form(p, NULL, x, 0);
	return 0;
}

int page_map_recipient_edit(page *p)
{
	const fort_recipient_info *x;
	int r;
	p->nav = "map";
	r = recipient_set(p, p->req.id, 0);
	if (refused_form(r) && (x = recipient_find(p))) {
		p->status = http_status_of(r);
		snprintf(p->title, sizeof p->title, "Recipient %s", x->name);
		web_problem(p, fort_error_message());
		recipient_form(p, NULL, x, 1);
		return 0;
	}
	if (r < 0)
		return r;
	return web_redirect(p, "/map#map-recipients");
}
