/* plan.c - the incident-response plan: roles and contacts, the supervisory
 * authority, insurer and lawyer, and a playbook per incident type.  One JSON
 * document sealed under the vault's box key (meta "plan"); the default
 * playbooks are data (data/incident_types.csv, data/playbook_steps.csv). */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <sodium.h>
#include "vault/vault_int.h"
#include "vault/vault_box.h"
#include "data/tables.h"
#include "rights/rights.h"
#include "render/pdf.h"
#include "incident/plan_int.h"
#include "vault/op.h"

#define PLAN_META "plan"
#define PLAN_LABEL "plan"

static const char *const role_keys[] = { "lead", "communications", "technical", "legal" };
static const char *const role_titles[] = { "Incident lead", "Communications", "Technical", "Legal / DPO contact" };
#define NROLES (sizeof role_keys / sizeof role_keys[0])
static const char *const other_keys[] = { "insurer", "lawyer" };
static const char *const other_titles[] = { "Insurer", "Lawyer" };
#define NOTHERS (sizeof other_keys / sizeof other_keys[0])

int plan_role_valid(const char *role)
{
	for (size_t i = 0; i < NROLES; i++)
		if (role && strcmp(role, role_keys[i]) == 0)
			return 1;
	return 0;
}

static int contact_key_valid(const char *k)
{
	if (plan_role_valid(k))
		return 1;
	for (size_t i = 0; i < NOTHERS; i++)
		if (strcmp(k, other_keys[i]) == 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------------ validation */

static int text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max || !fort_utf8_valid(s, n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int phone_valid(const char *s)
{
	int digits = 0;
	if (strlen(s) > 40)
		return 0;
	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (!strchr("+ ()-./", *p))
			return 0;
	}
	return digits >= 5;
}

static int country_check(const char *country, const char *field)
{
	rights_authority a;
	if (!country || strlen(country) != 2 || country[0] < 'A' || country[0] > 'Z' || country[1] < 'A' || country[1] > 'Z')
		return fort_error_set(FORT_EINPUT, "%s: '%s' is not a country code (two capital letters, ISO 3166: DE, FR, GB...)",
				      field, country ? country : "");
	rights_authority_find(&a, country);
	if (!a.name)
		return fort_error_set(FORT_EINPUT, "%s: no supervisory authority is known for '%s' (data/supervisory_authorities.csv lists EU/EEA countries and GB)",
				      field, country);
	return 0;
}

/* Record COUNTRY as where the business is established (unchanged when it
 * already is: a German business keeps its Land). */
static int business_country(fort_vault *v, const char *country)
{
	fort_business_info b;
	fort_business_spec s = FORT_BUSINESS_SPEC_INIT;
	int r;
	if ((r = fort_business_get(&b, v)) < 0)
		return r;
	if (strcmp(b.country, country) == 0)
		return 0;
	s.country = country;
	return fort_business_set(v, &s);
}

static int check_contact(json_t *c, const char *key)
{
	const char *k;
	json_t *val;
	if (!json_is_object(c))
		return fort_error_set(FORT_EINPUT, "contacts.%s: must be an object with name, email, phone, note", key);
	json_object_foreach(c, k, val) {
		const char *s;
		if (!json_is_string(val))
			return fort_error_set(FORT_EINPUT, "contacts.%s.%s: must be a string", key, k);
		s = json_string_value(val);
		if (strcmp(k, "email") == 0) {
			if (*s && !email_valid(s))
				return fort_error_set(FORT_EINPUT, "contacts.%s.email: not an e-mail address (name@example.com)", key);
		} else if (strcmp(k, "phone") == 0) {
			if (*s && !phone_valid(s))
				return fort_error_set(FORT_EINPUT, "contacts.%s.phone: not a phone number (digits, spaces, + ( ) - . /; at least 5 digits)", key);
		} else if (strcmp(k, "name") == 0 || strcmp(k, "policy") == 0) {
			if (!text_ok(s, 120))
				return fort_error_set(FORT_EINPUT, "contacts.%s.%s: at most 120 characters, no control characters", key, k);
		} else if (strcmp(k, "note") == 0) {
			if (!text_ok(s, 500))
				return fort_error_set(FORT_EINPUT, "contacts.%s.note: at most 500 characters, no control characters", key);
		} else {
			return fort_error_set(FORT_EINPUT, "contacts.%s.%s: unknown field (name, email, phone, note%s)", key, k,
					      strcmp(key, "insurer") == 0 ? ", policy" : "");
		}
	}
	return 0;
}

static int slug_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= 48)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

int plan_validate(json_t *root)
{
	json_t *contacts, *pbs, *country, *val;
	const char *k;
	size_t i, j;
	int r;
	if (!json_is_object(root))
		return fort_error_set(FORT_EINPUT, "the plan must be a JSON object");
	json_object_foreach(root, k, val) {
		if (strcmp(k, "version") && strcmp(k, "country") && strcmp(k, "updated") && strcmp(k, "contacts") && strcmp(k, "playbooks"))
			return fort_error_set(FORT_EINPUT, "%s: unknown field (version, country, contacts, playbooks)", k);
	}
	country = json_object_get(root, "country");
	if (!json_is_string(country))
		return fort_error_set(FORT_EINPUT, "country: required, a country code (DE, FR, GB...)");
	if ((r = country_check(json_string_value(country), "country")) < 0)
		return r;
	contacts = json_object_get(root, "contacts");
	if (contacts && !json_is_object(contacts))
		return fort_error_set(FORT_EINPUT, "contacts: must be an object keyed by role");
	json_object_foreach(contacts, k, val) {
		if (!contact_key_valid(k))
			return fort_error_set(FORT_EINPUT, "contacts.%s: unknown role (lead, communications, technical, legal, insurer, lawyer)", k);
		if ((r = check_contact(val, k)) < 0)
			return r;
	}
	pbs = json_object_get(root, "playbooks");
	if (!json_is_array(pbs) || json_array_size(pbs) == 0)
		return fort_error_set(FORT_EINPUT, "playbooks: required, a list of playbooks");
	json_array_foreach(pbs, i, val) {
		json_t *type = json_object_get(val, "type"), *title = json_object_get(val, "title"),
		       *scen = json_object_get(val, "scenario"), *steps = json_object_get(val, "steps"), *st;
		if (!json_is_string(type) || !slug_ok(json_string_value(type)))
			return fort_error_set(FORT_EINPUT, "playbooks[%zu].type: required, lower-case letters, digits and '-'", i);
		for (size_t m = 0; m < i; m++)
			if (strcmp(json_string_value(json_object_get(json_array_get(pbs, m), "type")), json_string_value(type)) == 0)
				return fort_error_set(FORT_EINPUT, "playbooks[%zu].type: '%s' appears twice", i, json_string_value(type));
		if (!json_is_string(title) || !*json_string_value(title) || !text_ok(json_string_value(title), 120))
			return fort_error_set(FORT_EINPUT, "playbooks[%zu].title: required, at most 120 characters", i);
		if (scen && (!json_is_string(scen) || !text_ok(json_string_value(scen), 2000)))
			return fort_error_set(FORT_EINPUT, "playbooks[%zu].scenario: a string of at most 2000 characters", i);
		if (!json_is_array(steps) || json_array_size(steps) == 0)
			return fort_error_set(FORT_EINPUT, "playbooks[%zu].steps: required, a list of steps", i);
		json_array_foreach(steps, j, st) {
			json_t *owner = json_object_get(st, "owner"), *text = json_object_get(st, "text");
			if (!json_is_string(owner) || !plan_role_valid(json_string_value(owner)))
				return fort_error_set(FORT_EINPUT, "playbooks[%zu].steps[%zu].owner: must be a role (lead, communications, technical, legal)", i, j);
			if (!json_is_string(text) || !*json_string_value(text) || !text_ok(json_string_value(text), 1000))
				return fort_error_set(FORT_EINPUT, "playbooks[%zu].steps[%zu].text: required, at most 1000 characters", i, j);
		}
	}
	return 0;
}

/* ---------------------------------------------------------- load / store */

int plan_load(json_t **out, fort_vault *v)
{
	unsigned char *blob = NULL;
	size_t len = 0;
	char *pt = NULL;
	json_error_t e;
	int r;
	*out = NULL;
	if ((r = store_meta_get(v->st, PLAN_META, &blob, &len)) < 0) {
		if (r == FORT_ENOTFOUND)
			r = fort_error_set(FORT_ENOTFOUND, "this vault has no incident plan yet: create one with 'fortress plan init'");
		return r;
	}
	r = vault_box_open(&pt, &len, v, PLAN_LABEL, blob, len);
	free(blob);
	if (r < 0)
		return r;
	*out = json_loadb(pt, len, 0, &e);
	vault_box_free(pt);
	if (!*out)
		return fort_error_set(FORT_ECORRUPT, "the stored plan is damaged: restore the vault from a backup");
	return 0;
}

static int plan_store(fort_vault *v, json_t *root)
{
	char *js, ts[24];
	unsigned char *sealed = NULL;
	size_t slen = 0;
	int64_t now = fort_now();
	int r, n;
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "updated", json_integer(now));
	if (!(js = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		return fort_error_set(FORT_ENOMEM, "out of memory");
	r = vault_box_seal(&sealed, &slen, v, PLAN_LABEL, js, strlen(js));
	vault_box_free(js);
	if (r < 0)
		return r;
	n = snprintf(ts, sizeof ts, "%lld", (long long)now);
	if ((r = store_meta_put(v->st, PLAN_META, sealed, slen)) == 0)
		r = store_meta_put(v->st, "plan.updated", ts, (size_t)n);
	free(sealed);
	return r;
}

int fort_plan_exists(fort_vault *v)
{
	unsigned char *blob = NULL;
	size_t len;
	int r;
	if (!v)
		return fort_error_set(FORT_EINPUT, "no vault");
	r = store_meta_get(v->st, PLAN_META, &blob, &len);
	free(blob);
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		return 0;
	}
	return r < 0 ? r : 1;
}

static int default_playbooks(json_t **out)
{
	const data_table *types = NULL, *steps = NULL;
	json_t *arr = json_array();
	int r, tt, ttl, ts, st, so, sx;
	*out = NULL;
	if ((r = data_table_get(&types, "incident_types")) < 0 || (r = data_table_get(&steps, "playbook_steps")) < 0) {
		json_decref(arr);
		return r;
	}
	tt = data_table_col(types, "type"), ttl = data_table_col(types, "title"), ts = data_table_col(types, "scenario");
	st = data_table_col(steps, "type"), so = data_table_col(steps, "owner"), sx = data_table_col(steps, "text");
	if (tt < 0 || ttl < 0 || ts < 0 || st < 0 || so < 0 || sx < 0) {
		json_decref(arr);
		return fort_error_set(FORT_ECORRUPT, "the playbook tables lack a column: a build problem");
	}
	for (size_t i = 0; i < types->nrows; i++) {
		json_t *pb = json_object(), *sa = json_array();
		const char *type = data_table_cell(types, i, tt);
		json_object_set_new(pb, "type", json_string(type));
		json_object_set_new(pb, "title", json_string(data_table_cell(types, i, ttl)));
		json_object_set_new(pb, "scenario", json_string(data_table_cell(types, i, ts)));
		for (size_t j = 0; j < steps->nrows; j++)
			if (strcmp(data_table_cell(steps, j, st), type) == 0) {
				json_t *s = json_object();
				json_object_set_new(s, "owner", json_string(data_table_cell(steps, j, so)));
				json_object_set_new(s, "text", json_string(data_table_cell(steps, j, sx)));
				json_array_append_new(sa, s);
			}
		json_object_set_new(pb, "steps", sa);
		json_array_append_new(arr, pb);
	}
	*out = arr;
	return 0;
}

struct plan_in { json_t *root; const char *country; int force; const char *detail; };

static int init_check(fort_vault *v, void *ctx)
{
	struct plan_in *p = ctx;
	json_t *pbs = NULL, *contacts;
	int r;
	if (!p->country)
		p->country = v->country;
	if ((r = country_check(p->country, "--country")) < 0)
		return r;
	if ((r = fort_plan_exists(v)) < 0)
		return r;
	if (r == 1 && !p->force)
		return fort_error_set(FORT_EEXISTS, "this vault has an incident plan already: change it with 'fortress plan edit' (or start again with 'plan init --force')");
	if ((r = business_country(v, p->country)) < 0)
		return r;
	if ((r = default_playbooks(&pbs)) < 0)
		return r;
	p->root = json_object();
	contacts = json_object();
	for (size_t i = 0; i < NROLES; i++)
		json_object_set_new(contacts, role_keys[i], json_pack("{s:s,s:s,s:s}", "name", "", "email", "", "phone", ""));
	for (size_t i = 0; i < NOTHERS; i++)
		json_object_set_new(contacts, other_keys[i], json_pack("{s:s,s:s,s:s}", "name", "", "email", "", "phone", ""));
	json_object_set_new(p->root, "version", json_integer(1));
	json_object_set_new(p->root, "country", json_string(p->country));
	json_object_set_new(p->root, "contacts", contacts);
	json_object_set_new(p->root, "playbooks", pbs);
	return 0;
}

/* The write of plan-init and plan-edit: the plan P->root, sealed. */
static int plan_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct plan_in *p = ctx;
	int r;
	if ((r = plan_store(v, p->root)) < 0)
		return r;
	snprintf(detail, cap, "%s", p->detail);
	return 0;
}

int fort_plan_init(fort_vault *v, const char *country, int force)
{
	static const vault_op op = { "plan-init", ACT_USERS, init_check, plan_write };
	struct plan_in p = { NULL, country, force, "default playbooks" };
	int r = vault_op_run(v, &op, NULL, &p);
	json_decref(p.root);
	return r;
}

int fort_plan_get(char **json_out, fort_vault *v)
{
	json_t *root;
	int r;
	*json_out = NULL;
	if ((r = vault_need(v, ACT_READ, "plan-read", NULL)) < 0)
		return r;
	if ((r = plan_load(&root, v)) < 0)
		return r;
	*json_out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return *json_out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

struct plan_set { struct plan_in p; const char *json; size_t len; };

static int set_check(fort_vault *v, void *ctx)
{
	struct plan_set *x = ctx;
	json_error_t e;
	int r;
	if ((r = fort_plan_exists(v)) < 0)
		return r;
	if (!(x->p.root = json_loadb(x->json, x->len, JSON_REJECT_DUPLICATES, &e)))
		return fort_error_set(FORT_EINPUT, "the plan file is not valid JSON: line %d, column %d: %s", e.line, e.column, e.text);
	/* what `plan show --json` adds is read-only: it round-trips */
	if (json_is_object(x->p.root))
		json_object_del(x->p.root, "last_drill");
	return plan_validate(x->p.root);
}

int fort_plan_set(fort_vault *v, const char *json, size_t len)
{
	static const vault_op op = { "plan-edit", ACT_USERS, set_check, plan_write };
	struct plan_set x = { { NULL, NULL, 0, "whole plan replaced" }, json, len };
	int r = vault_op_run(v, &op, NULL, &x);
	json_decref(x.p.root);
	return r;
}

struct plan_edit { struct plan_in p; const fort_plan_contact *c; char detail[200]; };

static int edit_check(fort_vault *v, void *ctx)
{
	struct plan_edit *x = ctx;
	const fort_plan_contact *c = x->c;
	const char *country = x->p.country;
	char *detail = x->detail;
	json_t *root, *contacts, *entry;
	int r;
	if ((!c || !c->role) && !country)
		return fort_error_set(FORT_EINPUT, "nothing to change: name a --role with --name/--email/--phone/--note, or a --country");
	if (c && c->role && !contact_key_valid(c->role))
		return fort_error_set(FORT_EINPUT, "--role: '%s' is not a role of the plan (lead, communications, technical, legal, insurer, lawyer)", c->role);
	if (country && (r = country_check(country, "--country")) < 0)
		return r;
	if ((r = plan_load(&x->p.root, v)) < 0)
		return r;
	root = x->p.root;
	if (country) {
		/* the plan's country is where the business is established: one
		 * place (the business's details) decides the authority that the
		 * plan and every letter name */
		if ((r = business_country(v, country)) < 0)
			return r;
		json_object_set_new(root, "country", json_string(country));
		snprintf(detail, sizeof x->detail, "country");
	}
	if (c && c->role) {
		const char *keys[] = { "name", "email", "phone", "note", "policy" };
		const char *vals[] = { c->name, c->email, c->phone, c->note, c->policy };
		if (!(contacts = json_object_get(root, "contacts"))) {
			contacts = json_object();
			json_object_set_new(root, "contacts", contacts);
		}
		if (!(entry = json_object_get(contacts, c->role))) {
			entry = json_object();
			json_object_set_new(contacts, c->role, entry);
		}
		size_t k = strlen(detail);
		snprintf(detail + k, sizeof x->detail - k, "%scontacts.%s", k ? ", " : "", c->role);
		for (size_t i = 0; i < 5; i++) {
			json_t *str;
			if (!vals[i])
				continue;
			if (!(str = json_string(vals[i])))
				return fort_error_set(FORT_EINPUT, "contacts.%s.%s: not valid UTF-8 text", c->role, keys[i]);
			json_object_set_new(entry, keys[i], str);
		}
	}
	return plan_validate(root);
}

int fort_plan_edit(fort_vault *v, const fort_plan_contact *c, const char *country)
{
	static const vault_op op = { "plan-edit", ACT_USERS, edit_check, plan_write };
	struct plan_edit x;
	int r;
	if (c && (r = FORT_CHECK_VERSION(c->version, FORT_PLAN_CONTACT, fort_plan_contact)) < 0)
		return r;
	memset(&x, 0, sizeof x);
	x.p.country = country;
	x.p.detail = x.detail;
	x.c = c;
	r = vault_op_run(v, &op, NULL, &x);
	json_decref(x.p.root);
	return r;
}

/* ---------------------------------------------------------------- export */

static const char *role_title(const char *key)
{
	for (size_t i = 0; i < NROLES; i++)
		if (strcmp(key, role_keys[i]) == 0)
			return role_titles[i];
	for (size_t i = 0; i < NOTHERS; i++)
		if (strcmp(key, other_keys[i]) == 0)
			return other_titles[i];
	return key;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* Markdown or HTML: HTML escapes every value. */
typedef struct {
	fort_buf b;
	int html;
} doc;

static void put_esc(doc *d, const char *s)
{
	if (!d->html) {
		fort_buf_puts(&d->b, s);
		return;
	}
	fort_html_escape_str(&d->b, s);
}

static void heading(doc *d, int level, const char *text)
{
	if (d->html) {
		fort_buf_printf(&d->b, "<h%d>", level);
		put_esc(d, text);
		fort_buf_printf(&d->b, "</h%d>\n", level);
	} else {
		for (int i = 0; i < level; i++)
			fort_buf_putc(&d->b, '#');
		fort_buf_putc(&d->b, ' ');
		put_esc(d, text);
		fort_buf_puts(&d->b, "\n\n");
	}
}

static void para(doc *d, const char *text)
{
	fort_buf_puts(&d->b, d->html ? "<p>" : "");
	put_esc(d, text);
	fort_buf_puts(&d->b, d->html ? "</p>\n" : "\n\n");
}

static void list_open(doc *d, int ordered) { if (d->html) fort_buf_puts(&d->b, ordered ? "<ol>\n" : "<ul>\n"); }
static void list_close(doc *d, int ordered) { fort_buf_puts(&d->b, d->html ? (ordered ? "</ol>\n" : "</ul>\n") : "\n"); }

/* An item "LABEL: VALUE" (LABEL bold), numbered N when N > 0. */
static void item(doc *d, int n, const char *label, const char *value)
{
	if (d->html) {
		fort_buf_puts(&d->b, "<li>");
		if (label && *label) {
			fort_buf_puts(&d->b, "<strong>");
			put_esc(d, label);
			fort_buf_puts(&d->b, ":</strong> ");
		}
		put_esc(d, value);
		fort_buf_puts(&d->b, "</li>\n");
		return;
	}
	if (n > 0)
		fort_buf_printf(&d->b, "%d. ", n);
	else
		fort_buf_puts(&d->b, "- ");
	if (label && *label)
		fort_buf_printf(&d->b, "**%s:** ", label);
	fort_buf_puts(&d->b, value);
	fort_buf_putc(&d->b, '\n');
}

static void contact_line(fort_buf *out, json_t *c)
{
	const char *name = jstr(c, "name"), *email = jstr(c, "email"), *phone = jstr(c, "phone"), *note = jstr(c, "note"),
		   *policy = jstr(c, "policy");
	fort_buf_reset(out);
	fort_buf_printf(out, "%s%s%s%s%s%s%s%s%s", *name ? name : "(not named yet: 'fortress plan edit')", *email ? ", e-mail " : "",
		 email, *phone ? ", phone " : "", phone, *policy ? ", policy " : "", policy, *note ? "; " : "", note);
}

static int build_doc(doc *d, fort_vault *v, json_t *root)
{
	json_t *contacts = json_object_get(root, "contacts"), *pbs = json_object_get(root, "playbooks"), *pb;
	const char *country = jstr(root, "country");
	rights_authority a;
	fort_business_info biz;
	fort_buf lb, tb; /* a line and a title, whole whatever their length */
	size_t i, j;
	int r;
#define line lb.buf
#define title tb.buf
	fort_buf_init(&lb, 0);
	fort_buf_init(&tb, 0);

	fort_buf_reset(&tb), fort_buf_printf(&tb, "Incident response plan - %s", v->business);
	if (d->html) {
		fort_buf_puts(&d->b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
		put_esc(d, title);
		fort_buf_puts(&d->b, "</title></head><body>\n");
	}
	heading(d, 1, title);
	{
		char when[21];
		fort_time_iso(when, (int64_t)json_integer_value(json_object_get(root, "updated")));
		fort_buf_reset(&lb), fort_buf_printf(&lb, "Last changed %s. Keep a printed copy where it can be found when the computers cannot be used.", when);
		para(d, line);
	}
	heading(d, 2, "Who does what");
	list_open(d, 0);
	for (i = 0; i < NROLES; i++) {
		contact_line(&lb, json_object_get(contacts, role_keys[i]));
		item(d, 0, role_titles[i], line);
	}
	list_close(d, 0);
	heading(d, 2, "Outside help");
	list_open(d, 0);
	for (i = 0; i < NOTHERS; i++) {
		contact_line(&lb, json_object_get(contacts, other_keys[i]));
		item(d, 0, other_titles[i], line);
	}
	list_close(d, 0);

	/* the authority every letter names too: decided in one place
	 * (rights_competent_authority), not from the plan's own country */
	rights_competent_authority(&a, &biz, v);
	fort_buf_reset(&tb), fort_buf_printf(&tb, "Supervisory authority (%s)", biz.authority_code[0] ? biz.authority_code : country);
	heading(d, 2, title);
	if (!a.name) {
		fort_buf_reset(&lb), fort_buf_printf(&lb, "No supervisory authority can be named yet: %s.", biz.authority_problem);
		para(d, line);
	} else {
		const data_table *t = NULL;
		const char *url = "";
		if (data_table_get(&t, "supervisory_authorities") == 0) {
			int cj = data_table_col(t, "jurisdiction"), cu = data_table_col(t, "breach_report_url");
			for (i = 0; cj >= 0 && cu >= 0 && i < t->nrows; i++)
				if (strcmp(data_table_cell(t, i, cj), biz.authority_code) == 0)
					url = data_table_cell(t, i, cu);
		}
		fort_error_clear();
		list_open(d, 0);
		item(d, 0, "Name", a.name);
		if (*a.website)
			item(d, 0, "Website", a.website);
		if (*a.email)
			item(d, 0, "E-mail", a.email);
		if (*a.phone)
			item(d, 0, "Phone", a.phone);
		if (*a.postal_address)
			item(d, 0, "Address", a.postal_address);
		if (*url)
			item(d, 0, "Breach report form", url);
		list_close(d, 0);
		para(d, "A personal data breach is reported to the authority within 72 hours of becoming aware of it (GDPR Art. 33), unless it is unlikely to result in a risk to people; clients are told without undue delay when the risk is high (Art. 34).");
	}

	heading(d, 2, "Playbooks");
	json_array_foreach(pbs, i, pb) {
		json_t *st;
		fort_buf_reset(&tb), fort_buf_printf(&tb, "%s (%s)", jstr(pb, "title"), jstr(pb, "type"));
		heading(d, 3, title);
		if (*jstr(pb, "scenario")) {
			fort_buf_reset(&lb), fort_buf_printf(&lb, "Drill scenario: %s", jstr(pb, "scenario"));
			para(d, line);
		}
		list_open(d, 1);
		json_array_foreach(json_object_get(pb, "steps"), j, st) {
			json_t *who = json_object_get(contacts, jstr(st, "owner"));
			const char *name = jstr(who, "name");
			fort_buf_reset(&tb), fort_buf_printf(&tb, "%s%s%s%s", role_title(jstr(st, "owner")), *name ? " (" : "", name, *name ? ")" : "");
			item(d, (int)j + 1, title, jstr(st, "text"));
		}
		list_close(d, 1);
	}
	if (d->html)
		fort_buf_puts(&d->b, "</body></html>\n");
#undef line
#undef title
	if ((r = fort_buf_error(&lb)) == 0 && (r = fort_buf_error(&tb)) == 0)
		r = fort_buf_error(&d->b);
	fort_buf_release(&lb);
	fort_buf_release(&tb);
	return r;
}

struct plan_export { const char *format; unsigned char **out; size_t *len; };

/* Everything but the audit entry: the document is made before the
 * transaction (a read), the entry records that it was handed out. */
static int export_check(fort_vault *v, void *ctx)
{
	struct plan_export *x = ctx;
	json_t *root = NULL;
	doc d;
	int r;
	if ((r = plan_load(&root, v)) < 0)
		return r;
	fort_buf_init_secret(&d.b, 0);
	d.html = strcmp(x->format, "html") == 0;
	if ((r = build_doc(&d, v, root)) < 0)
		goto out;
	if (strcmp(x->format, "pdf") == 0) {
		char title[200];
		snprintf(title, sizeof title, "Incident response plan - %s", v->business);
		r = render_pdf(d.b.buf, title, x->out, x->len);
	} else {
		*x->out = (unsigned char *)fort_buf_detach(&d.b, x->len);
	}
out:
	sodium_memzero(d.b.buf, d.b.len);
	fort_buf_release(&d.b);
	json_decref(root);
	return r;
}

static int export_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	(void)v;
	snprintf(detail, cap, "%s", ((struct plan_export *)ctx)->format);
	return 0;
}

int fort_plan_export(unsigned char **out, size_t *len, fort_vault *v, const char *format)
{
	static const vault_op op = { "plan-export", ACT_READ, export_check, export_write };
	struct plan_export x = { format, out, len };
	int r;
	*out = NULL;
	*len = 0;
	if (!format)
		x.format = format = "md";
	if (strcmp(format, "md") && strcmp(format, "html") && strcmp(format, "pdf"))
		return fort_error_set(FORT_EINPUT, "--format: '%s' is not md, html or pdf", format);
	if ((r = vault_op_run(v, &op, NULL, &x)) < 0) {
		free(*out);
		*out = NULL;
		*len = 0;
	}
	return r;
}
