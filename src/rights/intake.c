/* intake.c - write-only intake forms (issue 18 item 1; DESIGN.md
 * "Write-only intake"; docs/SECURITY.md "Write-only intake").
 *
 * A form names the data-map fields it asks for and the purposes it asks
 * consent to (a sealed row of intake_forms).  A submission needs no keys:
 * it is parsed (intake_parse: structure), checked against the form and
 * the vault's field types (the same normalisation as every write), and
 * stored in the inbox as one box sealed (crypto_box_seal) to the vault's
 * intake public key, padded to a multiple of INTAKE_PAD so that its size
 * says little.  Submitting reads no client data and answers the same for
 * every valid submission: nothing tells whether a person is a client.
 *
 * A user whose role allows "intake" holds the secret half: they review
 * (decrypted, masked unless revealed, duplicates flagged through the blind
 * index), accept (the client record, its consents in the ledger with
 * channel web and the notice shown, the decision, the submission removed:
 * one audited transaction) or reject (the decision, the submission
 * removed).  The decisions are sealed, so a decision changed or removed
 * outside Fortress, or a submission put back to be decided twice, is
 * caught. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include <jansson.h>
#include "vault/vault_int.h"
#include "vault/op.h"
#include "rights/rights.h"
#include "rights/intake.h"

#define INTAKE_PAD 512

/* ------------------------------------------------------------ the parser */

static int name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > FORT_INTAKE_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

/* A key or name from the input, for a message: itself when it is a plain
 * name, never anything a person typed into a field. */
static const char *shown(const char *s)
{
	return name_ok(s) ? s : "(not a plain name)";
}

/* An origin for a message: itself when it holds only characters an origin
 * may (it is what the owner typed, never a client's value). */
static const char *shown_origin(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 200)
		return "(not an origin)";
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr(".-:/*_", c)))
			return "(not an origin)";
	}
	return s;
}

void intake_sub_release(intake_sub *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->names ? s->names[i] : NULL);
		fort_free_str(s->values ? s->values[i] : NULL);
	}
	free(s->names);
	free(s->values);
	for (size_t i = 0; i < s->nconsents; i++)
		free(s->consents[i]);
	free(s->consents);
	memset(s, 0, sizeof *s);
}

static int is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (size_t i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int lang_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 15)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

static int parse_fields(intake_sub *out, json_t *fields)
{
	const char *k;
	json_t *val;
	size_t n = json_object_size(fields);
	if (n > INTAKE_FIELDS_MAX)
		return fort_error_set(FORT_EINPUT, "the submission has %zu fields; at most %d", n, INTAKE_FIELDS_MAX);
	if (!(out->names = fort_calloc(n + 1, sizeof *out->names)) || !(out->values = fort_calloc(n + 1, sizeof *out->values)))
		return FORT_ENOMEM;
	json_object_foreach(fields, k, val) {
		const char *s;
		size_t len;
		if (!name_ok(k))
			return fort_error_set(FORT_EINPUT, "a field name in the submission is not a plain name ([A-Za-z0-9_.-], at most %d)",
					      FORT_INTAKE_NAME_MAX);
		if (!json_is_string(val))
			return fort_error_set(FORT_EINPUT, "field '%s': give its value as a string", k);
		s = json_string_value(val);
		len = json_string_length(val);
		if (len != strlen(s))
			return fort_error_set(FORT_EINPUT, "field '%s': the value contains a NUL character", k);
		if (len > INTAKE_VALUE_MAX)
			return fort_error_set(FORT_EINPUT, "field '%s': the value is %zu bytes; at most %d", k, len, INTAKE_VALUE_MAX);
		if (!(out->names[out->n] = fort_strdup(k)) || !(out->values[out->n] = fort_strdup(s))) {
			free(out->names[out->n]);
			out->names[out->n] = NULL;
			return FORT_ENOMEM;
		}
		out->n++;
	}
	return 0;
}

static int parse_consents(intake_sub *out, json_t *arr)
{
	size_t i, n;
	json_t *it;
	if (!json_is_array(arr))
		return fort_error_set(FORT_EINPUT, "\"consents\": give a list of purposes, e.g. [\"newsletter\"]");
	n = json_array_size(arr);
	if (n > INTAKE_CONSENTS_MAX)
		return fort_error_set(FORT_EINPUT, "\"consents\": %zu purposes; at most %d", n, INTAKE_CONSENTS_MAX);
	if (!(out->consents = fort_calloc(n + 1, sizeof *out->consents)))
		return FORT_ENOMEM;
	json_array_foreach(arr, i, it) {
		const char *p = json_string_value(it);
		if (!json_is_string(it) || !name_ok(p) || strlen(p) != json_string_length(it))
			return fort_error_set(FORT_EINPUT, "\"consents\" item %zu: give a purpose's name", i + 1);
		for (size_t k = 0; k < out->nconsents; k++)
			if (strcmp(out->consents[k], p) == 0)
				return fort_error_set(FORT_EINPUT, "\"consents\": purpose '%s' is given twice", p);
		if (!(out->consents[out->nconsents] = fort_strdup(p)))
			return FORT_ENOMEM;
		out->nconsents++;
	}
	return 0;
}

int intake_parse(intake_sub *out, const char *json, size_t len, int sealed)
{
	json_error_t e;
	json_t *root = NULL, *val;
	const char *k;
	int r = 0, have_fields = 0;
	memset(out, 0, sizeof *out);
	if (!sealed && len > FORT_INTAKE_MAX)
		return fort_error_set(FORT_EINPUT, "the submission is %zu bytes; the limit is %u", len, FORT_INTAKE_MAX);
	/* jansson's messages can quote the input: only the position is kept */
	if (!(root = json_loadb(json ? json : "", len, JSON_REJECT_DUPLICATES, &e))) {
		if (json_error_code(&e) == json_error_out_of_memory)
			return fort_error_set(FORT_ENOMEM, "out of memory");
		if (json_error_code(&e) == json_error_duplicate_key)
			return fort_error_set(FORT_EINPUT, "the submission names a key twice (line %d)", e.line);
		return fort_error_set(FORT_EINPUT, "the submission is not valid JSON (line %d, column %d)", e.line, e.column);
	}
	if (!json_is_object(root)) {
		r = fort_error_set(FORT_EINPUT, "the submission must be a JSON object: {\"fields\": {...}, \"consents\": [...]}");
		goto out;
	}
	json_object_foreach(root, k, val) {
		if (strcmp(k, "fields") == 0) {
			if (!json_is_object(val)) {
				r = fort_error_set(FORT_EINPUT, "\"fields\": give an object of field names and values");
				goto out;
			}
			if ((r = parse_fields(out, val)) < 0)
				goto out;
			have_fields = 1;
		} else if (strcmp(k, "consents") == 0) {
			if ((r = parse_consents(out, val)) < 0)
				goto out;
		} else if (strcmp(k, "notice") == 0) {
			if (!json_is_string(val) || !is_hex64(json_string_value(val))) {
				r = fort_error_set(FORT_EINPUT, "\"notice\": give the version (SHA-256, 64 hex digits) of the notice shown");
				goto out;
			}
			snprintf(out->notice, sizeof out->notice, "%s", json_string_value(val));
		} else if (strcmp(k, "language") == 0) {
			if (!json_is_string(val) || !lang_ok(json_string_value(val))) {
				r = fort_error_set(FORT_EINPUT, "\"language\": give a language tag such as en, de, fr-CH");
				goto out;
			}
			snprintf(out->language, sizeof out->language, "%s", json_string_value(val));
		} else if (sealed && strcmp(k, "v") == 0) {
			if (!json_is_integer(val) || json_integer_value(val) != 1) {
				r = fort_error_set(FORT_EINPUT, "a submission of an unknown version");
				goto out;
			}
		} else if (sealed && strcmp(k, "form") == 0) {
			if (!json_is_string(val) || !name_ok(json_string_value(val))) {
				r = fort_error_set(FORT_EINPUT, "a submission without its form's name");
				goto out;
			}
			snprintf(out->form, sizeof out->form, "%s", json_string_value(val));
		} else if (sealed && strcmp(k, "received") == 0) {
			if (!json_is_integer(val) || json_integer_value(val) < 0) {
				r = fort_error_set(FORT_EINPUT, "a submission without the time it was received");
				goto out;
			}
			out->received = json_integer_value(val);
		} else {
			r = fort_error_set(FORT_EINPUT, "unknown key '%s' in the submission (expected fields, consents, notice, language)",
					   shown(k));
			goto out;
		}
	}
	if (!have_fields) {
		r = fort_error_set(FORT_EINPUT, "the submission has no \"fields\" object");
		goto out;
	}
	if (sealed && !out->form[0]) {
		r = fort_error_set(FORT_EINPUT, "a submission without its form's name");
		goto out;
	}
out:
	json_decref(root);
	if (r < 0)
		intake_sub_release(out);
	return r;
}

int intake_to_json(char **out, size_t *len, const intake_sub *s, int sealed)
{
	json_t *root = json_object(), *fields = json_object(), *cons = json_array();
	int r = 0;
	*out = NULL;
	*len = 0;
	if (!root || !fields || !cons) {
		json_decref(fields);
		json_decref(cons);
		r = FORT_ENOMEM;
		goto out;
	}
	if (sealed) {
		json_object_set_new(root, "v", json_integer(1));
		json_object_set_new(root, "form", json_string(s->form));
		json_object_set_new(root, "received", json_integer(s->received));
	}
	for (size_t i = 0; i < s->n; i++)
		if (json_object_set_new(fields, s->names[i], json_string(s->values[i])) < 0)
			r = FORT_ENOMEM;
	for (size_t i = 0; i < s->nconsents; i++)
		if (json_array_append_new(cons, json_string(s->consents[i])) < 0)
			r = FORT_ENOMEM;
	if (json_object_set_new(root, "fields", fields) < 0 || json_object_set_new(root, "consents", cons) < 0)
		r = FORT_ENOMEM;
	if (s->notice[0])
		json_object_set_new(root, "notice", json_string(s->notice));
	if (s->language[0])
		json_object_set_new(root, "language", json_string(s->language));
	if (r < 0)
		goto out;
	if (!(*out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
		r = FORT_ENOMEM;
		goto out;
	}
	*len = strlen(*out);
out:
	json_decref(root);
	if (r == FORT_ENOMEM)
		fort_error_set(FORT_ENOMEM, "out of memory");
	return r;
}

void intake_json_free(char *p, size_t len)
{
	if (p) {
		sodium_memzero(p, len);
		free(p);
	}
}

/* ----------------------------------------------------------------- forms */

static int list_has(const char *csv, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = csv; *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == n && strncmp(p, name, n) == 0)
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

static int form_get(store_intake_form *f, fort_vault *v, const char *name)
{
	int r;
	if (!name_ok(name))
		return fort_error_set(FORT_EINPUT, "a form name is letters, digits, '_', '-' or '.' (at most %d)", FORT_INTAKE_NAME_MAX);
	r = store_intake_form_get(v->st, f, name);
	if (r == FORT_ENOTFOUND)
		return fort_error_set(FORT_ENOTFOUND, "no intake form '%s' ('fortress intake list' shows them)", name);
	return r;
}

struct create_in {
	const char *name;
	const char *const *fields, *const *consents;
	size_t nfields, nconsents;
	store_intake_form f;
};

static int csv_add(char *buf, size_t cap, const char *item)
{
	size_t k = strlen(buf);
	int w = snprintf(buf + k, cap - k, "%s%s", k ? "," : "", item);
	return w < 0 || (size_t)w >= cap - k ? -1 : 0;
}

static int create_check(fort_vault *v, void *ctx)
{
	struct create_in *x = ctx;
	store_intake_form old;
	int r, i;
	if (!x->name || !name_ok(x->name) || x->name[0] == '.' || x->name[0] == '-')
		return fort_error_set(FORT_EINPUT, "a form name is letters, digits, '_', '-' or '.' (at most %d), e.g. contact",
				      FORT_INTAKE_NAME_MAX);
	if (!x->nfields)
		return fort_error_set(FORT_EINPUT, "a form asks for at least one field: --fields email,name");
	for (size_t k = 0; k < x->nfields; k++) {
		if ((i = map_index(&v->map, x->fields[k])) < 0)
			return map_unknown_field(&v->map, x->fields[k]);
		if (!name_ok(x->fields[k]))
			return fort_error_set(FORT_EINPUT, "field '%s' cannot be on a form: its name is not a plain name", x->fields[k]);
		if (list_has(x->f.fields, x->fields[k]))
			return fort_error_set(FORT_EINPUT, "field '%s' is named twice", x->fields[k]);
		if (csv_add(x->f.fields, sizeof x->f.fields, x->fields[k]) < 0)
			return fort_error_set(FORT_EINPUT, "too many fields for one form");
	}
	for (size_t k = 0; k < x->nconsents; k++) {
		const map_purpose *p = map_purpose_find(&v->map, x->consents[k]);
		if (!p)
			return fort_error_set(FORT_ENOTFOUND, "unknown purpose '%s' ('fortress map show' lists the purposes)", x->consents[k]);
		if (!name_ok(x->consents[k]))
			return fort_error_set(FORT_EINPUT, "purpose '%s' cannot be on a form: its name is not a plain name", x->consents[k]);
		if (list_has(x->f.consents, x->consents[k]))
			return fort_error_set(FORT_EINPUT, "purpose '%s' is named twice", x->consents[k]);
		if (csv_add(x->f.consents, sizeof x->f.consents, x->consents[k]) < 0)
			return fort_error_set(FORT_EINPUT, "too many purposes for one form");
	}
	r = store_intake_form_get(v->st, &old, x->name);
	if (r == 0)
		return fort_error_set(FORT_EEXISTS, "there is an intake form '%s' already ('fortress intake show %s')", x->name, x->name);
	if (r != FORT_ENOTFOUND)
		return r;
	fort_error_clear();
	snprintf(x->f.name, sizeof x->f.name, "%s", x->name);
	snprintf(x->f.created_by, sizeof x->f.created_by, "%s", v->user ? v->user : "");
	x->f.created = fort_now();
	return 0;
}

static int create_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct create_in *x = ctx;
	int made = 0, r;
	if ((r = intake_key_ensure(v, &made)) < 0 || (r = store_intake_form_insert(v->st, &x->f)) < 0)
		return r;
	snprintf(detail, cap, "form %s fields=%s consents=%s%s", x->f.name, x->f.fields, x->f.consents[0] ? x->f.consents : "none",
		 made ? "; intake key pair made" : "");
	return 0;
}

int fort_intake_create(fort_vault *v, const char *name, const char *const *fields, size_t nfields, const char *const *consents,
		       size_t nconsents)
{
	static const vault_op op = { "intake-create", ACT_INTAKE, create_check, create_write, NULL, NULL, NULL, NULL };
	struct create_in x;
	memset(&x, 0, sizeof x);
	x.name = name;
	x.fields = fields;
	x.nfields = nfields;
	x.consents = consents;
	x.nconsents = nconsents;
	return vault_op_run(v, &op, NULL, &x);
}

/* ------------------------------------------------------- embedding origins */

#define ORIGINS_MAX 16

/* Every form's origin list is one sealed vault detail, meta
 * "intake_origins", a JSON object {"form": "https://a.example ..."} (no
 * migration; a list changed outside Fortress is caught as the other
 * sealed details are; none stored: no site may frame a form). */
static int origins_all(json_t **out, fort_vault *v)
{
	return vault_meta_object(out, v, "intake_origins", "the intake forms' origin lists");
}

static int origins_get(char *out, size_t cap, fort_vault *v, const char *name)
{
	json_t *all = NULL;
	const char *s;
	int r;
	out[0] = '\0';
	if ((r = origins_all(&all, v)) < 0)
		return r;
	if ((s = json_string_value(json_object_get(all, name))))
		snprintf(out, cap, "%s", s);
	json_decref(all);
	return 0;
}

/* Set form NAME's list to LIST ("" removes it); inside the caller's transaction. */
static int origins_put(fort_vault *v, const char *name, const char *list)
{
	json_t *all = NULL;
	char *text = NULL;
	int r;
	if ((r = origins_all(&all, v)) < 0)
		return r;
	if (!list[0])
		json_object_del(all, name);
	else if (json_object_set_new(all, name, json_string(list)) < 0)
		r = FORT_ENOMEM;
	if (r == 0 && !(text = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS)))
		r = FORT_ENOMEM;
	if (r == 0)
		r = store_meta_put(v->st, "intake_origins", text, strlen(text));
	free(text);
	json_decref(all);
	return r == FORT_ENOMEM ? fort_error_set(FORT_ENOMEM, "out of memory") : r;
}

/* ORIGIN as a CSP source ("https://shop.example:8443", lower case, no
 * trailing '/') into OUT, or FORT_EINPUT naming it. */
static int origin_norm(char *out, size_t cap, const char *origin)
{
	size_t n = strlen(origin), k = 0, hs;
	const char *h;
	int port = 0;
	if (n && origin[n - 1] == '/')
		n--;
	if (n == 0 || n >= cap || n > 200)
		goto bad;
	if (strncasecmp(origin, "https://", 8) == 0)
		hs = 8;
	else if (strncasecmp(origin, "http://", 7) == 0)
		hs = 7;
	else
		goto bad;
	h = origin + hs;
	if (strncmp(h, "*.", 2) == 0)
		k = 2;
	if (hs + k >= n)
		goto bad;
	for (size_t i = hs + k; i < n; i++) {
		char c = origin[i];
		if (c == ':') {
			if (port || i == hs + k || i + 1 == n)
				goto bad;
			port = 1;
			continue;
		}
		if (port ? !(c >= '0' && c <= '9')
			 : !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
			goto bad;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (origin[i] >= 'A' && origin[i] <= 'Z') ? (char)(origin[i] - 'A' + 'a') : origin[i];
	out[n] = '\0';
	return 0;
bad:
	return fort_error_set(FORT_EINPUT, "'%s' is not a site's origin: give scheme://host[:port], e.g. https://www.example.com "
			      "(no path; http or https)", shown_origin(origin));
}

struct origins_in { const char *name; const char *const *origins; size_t n; char list[1024]; store_intake_form f; };

static int origins_check(fort_vault *v, void *ctx)
{
	struct origins_in *x = ctx;
	int r;
	if ((r = form_get(&x->f, v, x->name)) < 0)
		return r;
	if (x->n > ORIGINS_MAX)
		return fort_error_set(FORT_EINPUT, "%zu origins: a form may be embedded by at most %d sites", x->n, ORIGINS_MAX);
	x->list[0] = '\0';
	for (size_t i = 0; i < x->n; i++) {
		char o[256];
		size_t k = strlen(x->list);
		if ((r = origin_norm(o, sizeof o, x->origins[i])) < 0)
			return r;
		if (snprintf(x->list + k, sizeof x->list - k, "%s%s", k ? " " : "", o) >= (int)(sizeof x->list - k))
			return fort_error_set(FORT_EINPUT, "the origins are too long together: name fewer sites");
	}
	return 0;
}

static int origins_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct origins_in *x = ctx;
	snprintf(detail, cap, "form %s may be embedded by: %s", x->f.name, x->list[0] ? x->list : "no site");
	return origins_put(v, x->f.name, x->list);
}

int fort_intake_set_origins(fort_vault *v, const char *name, const char *const *origins, size_t n)
{
	static const vault_op op = { "intake-origins", ACT_INTAKE, origins_check, origins_write, NULL, NULL, NULL, NULL };
	struct origins_in x;
	memset(&x, 0, sizeof x);
	x.name = name;
	x.origins = origins;
	x.n = n;
	return vault_op_run(v, &op, NULL, &x);
}

static void form_public(fort_intake_form *o, const store_intake_form *f)
{
	memset(o, 0, sizeof *o);
	snprintf(o->name, sizeof o->name, "%s", f->name);
	snprintf(o->fields, sizeof o->fields, "%s", f->fields);
	snprintf(o->consents, sizeof o->consents, "%s", f->consents);
	snprintf(o->created_by, sizeof o->created_by, "%s", f->created_by);
	o->created = f->created;
}

struct list_ctx { fort_intake_form *arr; size_t n, cap; };

static int list_cb(void *ctx, const store_intake_form *f)
{
	struct list_ctx *l = ctx;
	if (FORT_ARRAY_GROW(l->arr, l->n + 1, l->cap, 4) < 0)
		return FORT_ENOMEM;
	form_public(&l->arr[l->n++], f);
	return 0;
}

int fort_intake_list(fort_intake_form **out, size_t *n, fort_vault *v)
{
	struct list_ctx l = { NULL, 0, 0 };
	int r;
	*out = NULL;
	*n = 0;
	if ((r = store_seal_require(v->st, "meta")) < 0 || (r = store_intake_form_each(v->st, list_cb, &l)) < 0)
		goto fail;
	for (size_t i = 0; i < l.n; i++)
		if ((r = store_intake_inbox_count(v->st, l.arr[i].name, &l.arr[i].pending)) < 0 ||
		    (r = origins_get(l.arr[i].origins, sizeof l.arr[i].origins, v, l.arr[i].name)) < 0)
			goto fail;
	*out = l.arr;
	*n = l.n;
	return 0;
fail:
	free(l.arr);
	return r;
}

int fort_intake_show(fort_intake_form *out, fort_vault *v, const char *name)
{
	store_intake_form f;
	int r;
	memset(out, 0, sizeof *out);
	if ((r = form_get(&f, v, name)) < 0)
		return r;
	form_public(out, &f);
	if ((r = origins_get(out->origins, sizeof out->origins, v, f.name)) < 0)
		return r;
	return store_intake_inbox_count(v->st, f.name, &out->pending);
}

struct remove_in { const char *name; store_intake_form f; };

static int remove_check(fort_vault *v, void *ctx)
{
	struct remove_in *x = ctx;
	uint64_t pending = 0;
	int r;
	if ((r = form_get(&x->f, v, x->name)) < 0 || (r = store_intake_inbox_count(v->st, x->f.name, &pending)) < 0)
		return r;
	if (pending)
		return fort_error_set(FORT_EINPUT, "form '%s' has %llu submission%s waiting: accept or reject them first "
				      "('fortress intake review %s')", x->name, (unsigned long long)pending, pending == 1 ? "" : "s", x->name);
	return 0;
}

static int remove_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct remove_in *x = ctx;
	int r;
	snprintf(detail, cap, "form %s removed", x->f.name);
	if ((r = store_intake_form_delete(v->st, x->f.id)) < 0)
		return r;
	/* a form made again under this name starts with no site */
	return origins_put(v, x->f.name, "");
}

int fort_intake_remove(fort_vault *v, const char *name)
{
	static const vault_op op = { "intake-remove", ACT_INTAKE, remove_check, remove_write, NULL, NULL, NULL, NULL };
	struct remove_in x;
	memset(&x, 0, sizeof x);
	x.name = name;
	return vault_op_run(v, &op, NULL, &x);
}

/* ------------------------------------------------------------ submitting */

/* SUB's values checked against form F and the map, normalised in place
 * (the map's order), its consents against the form, the notice against
 * the stored notices.  Uses no key: the same checks for a locked handle. */
static int check_against(intake_sub *sub, fort_vault *v, const store_intake_form *f)
{
	char **names = NULL, **vals = NULL, country[3];
	size_t n = 0;
	int r = 0;
	snprintf(country, sizeof country, "%s", v->country);
	for (size_t i = 0; i < sub->n; i++)
		if (!list_has(f->fields, sub->names[i]))
			return fort_error_set(FORT_EINPUT, "field '%s' is not on form '%s' (it asks for %s)", sub->names[i], f->name,
					      f->fields);
	for (size_t i = 0; i < sub->nconsents; i++)
		if (!list_has(f->consents, sub->consents[i]))
			return fort_error_set(FORT_EINPUT, "consent '%s' is not asked by form '%s'%s%s", sub->consents[i], f->name,
					      f->consents[0] ? " (it asks for " : "", f->consents[0] ? f->consents : "");
	if (!(names = fort_calloc(sub->n + 1, sizeof *names)) || !(vals = fort_calloc(sub->n + 1, sizeof *vals))) {
		r = FORT_ENOMEM;
		goto out;
	}
	/* the record's country first: it decides how its phone numbers are read */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < sub->n; i++) {
			int mi = map_index(&v->map, sub->names[i]);
			char why[256], *canon = NULL;
			if ((strcmp(sub->names[i], "country") == 0) != (pass == 0))
				continue;
			if (mi < 0) {
				r = fort_error_set(FORT_EINPUT, "field '%s' of form '%s' is no longer in the data map", sub->names[i], f->name);
				goto out;
			}
			if (!sub->values[i][0])
				continue;
			why[0] = '\0';
			if ((r = field_normalise(&canon, &v->map.f[mi], sub->values[i], strlen(sub->values[i]), country, why, sizeof why)) < 0) {
				if (r == FORT_EINPUT)
					r = fort_error_set(FORT_EINPUT, "field '%s': %s", sub->names[i], why[0] ? why : "invalid value");
				goto out;
			}
			if (!canon[0]) {
				free(canon);
				continue;
			}
			if (pass == 0 && strlen(canon) == 2)
				snprintf(country, sizeof country, "%s", canon);
			if (!(names[n] = fort_strdup(sub->names[i]))) {
				fort_free_str(canon);
				r = FORT_ENOMEM;
				goto out;
			}
			vals[n++] = canon;
		}
	if (!n) {
		r = fort_error_set(FORT_EINPUT, "the submission has no values: fill in at least one of %s", f->fields);
		goto out;
	}
	if (sub->nconsents && !sub->notice[0]) {
		r = fort_error_set(FORT_EINPUT, "\"notice\": consents were given, so say which notice was shown (its version, "
				   "'fortress notice publish' prints it)");
		goto out;
	}
	if (sub->notice[0]) {
		char hash[65];
		r = store_notice_get(v->st, sub->notice, NULL, hash, NULL, NULL);
		if (r == FORT_ENOTFOUND) {
			r = fort_error_set(FORT_EINPUT, "\"notice\": not a notice this vault published ('fortress notice publish')");
			goto out;
		}
		if (r < 0)
			goto out;
	}
	/* swap in the normalised values */
	for (size_t i = 0; i < sub->n; i++) {
		free(sub->names[i]);
		fort_free_str(sub->values[i]);
	}
	free(sub->names);
	free(sub->values);
	sub->names = names;
	sub->values = vals;
	sub->n = n;
	names = vals = NULL;
	n = 0;
out:
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
		fort_free_str(vals[i]);
	}
	free(names);
	free(vals);
	return r;
}

int fort_intake_submit(fort_vault *v, const char *form, const char *json, size_t len)
{
	store_intake_form f;
	store_intake_sub row;
	intake_sub sub;
	unsigned char pk[32], *box = NULL;
	char *pt = NULL;
	size_t ptlen = 0, padded, boxlen;
	int r, in_tx = 0;
	memset(&sub, 0, sizeof sub);
	if (!v)
		return fort_error_set(FORT_EINPUT, "no vault");
	/* the form, the intake key and the map as Fortress wrote them */
	if ((r = store_seal_require(v->st, "meta")) < 0 || (r = form_get(&f, v, form)) < 0 || (r = intake_pk_get(v, pk)) < 0)
		return r;
	if ((r = intake_parse(&sub, json, len, 0)) < 0 || (r = check_against(&sub, v, &f)) < 0)
		goto out;
	/* the key read again, sealed to and the row stored in one transaction:
	 * a rotation (fort_intake_rotate_key) cannot come in between and leave
	 * a box sealed to a key nobody holds any more */
	if ((r = store_begin(v->st)) < 0)
		goto out;
	in_tx = 1;
	if ((r = intake_pk_get(v, pk)) < 0)
		goto out;
	snprintf(sub.form, sizeof sub.form, "%s", f.name);
	sub.received = fort_now();
	if (!sub.language[0])
		snprintf(sub.language, sizeof sub.language, "en");
	if ((r = intake_to_json(&pt, &ptlen, &sub, 1)) < 0)
		goto out;
	/* padded with spaces (JSON ignores them): the box's size says little
	 * about what was typed */
	padded = (ptlen / INTAKE_PAD + 1) * INTAKE_PAD;
	{
		char *p2 = fort_wipe_malloc(padded);
		if (!p2) {
			r = fort_error_set(FORT_ENOMEM, "out of memory");
			goto out;
		}
		memcpy(p2, pt, ptlen);
		memset(p2 + ptlen, ' ', padded - ptlen);
		intake_json_free(pt, ptlen);
		pt = p2;
		ptlen = padded;
	}
	boxlen = ptlen + crypto_box_SEALBYTES;
	if (!(box = fort_malloc(boxlen))) {
		r = FORT_ENOMEM;
		goto out;
	}
	if (crypto_box_seal(box, (const unsigned char *)pt, ptlen, pk) != 0) {
		r = fort_error_set(FORT_ERROR, "sealing the submission failed");
		goto out;
	}
	memset(&row, 0, sizeof row);
	row.form = f.name;
	row.received = sub.received;
	row.box = box;
	row.box_len = boxlen;
	if ((r = store_intake_inbox_add(v->st, &row)) < 0)
		goto out;
	r = store_commit(v->st);
	in_tx = 0;
out:
	if (in_tx)
		store_rollback(v->st);
	if (pt) {
		sodium_memzero(pt, ptlen);
		free(pt);
	}
	free(box);
	intake_sub_release(&sub);
	return r;
}

/* ------------------------------------------------------------- reviewing */

/* Open a stored box with SK: 0 with *SUB, or FORT_ETAMPER (not a box
 * Fortress made for FORM). */
static int open_box(intake_sub *sub, const unsigned char *sk, const unsigned char pk[32], const char *form, int64_t id,
		    const unsigned char *box, size_t len)
{
	unsigned char *pt;
	size_t ptlen;
	int r;
	memset(sub, 0, sizeof *sub);
	if (len <= crypto_box_SEALBYTES || len > FORT_INTAKE_MAX * 4 + INTAKE_PAD + crypto_box_SEALBYTES)
		return fort_error_set(FORT_ETAMPER, "submission %lld does not open with the intake key (it was not made by Fortress): "
				      "reject it", (long long)id);
	ptlen = len - crypto_box_SEALBYTES;
	if (!(pt = sodium_malloc(ptlen)))
		return fort_error_set(FORT_ENOMEM, "out of memory");
	if (crypto_box_seal_open(pt, box, len, pk, sk) != 0) {
		r = fort_error_set(FORT_ETAMPER, "submission %lld does not open with the intake key (it was not made by Fortress): "
				   "reject it", (long long)id);
		goto out;
	}
	if ((r = intake_parse(sub, (const char *)pt, ptlen, 1)) < 0) {
		if (r == FORT_EINPUT)
			r = fort_error_set(FORT_ETAMPER, "submission %lld is not one Fortress wrote: reject it", (long long)id);
		goto out;
	}
	if (strcmp(sub->form, form) != 0) {
		intake_sub_release(sub);
		r = fort_error_set(FORT_ETAMPER, "submission %lld was made for another form than the one it is filed under: reject it",
				   (long long)id);
		goto out;
	}
	r = 0;
out:
	sodium_free(pt);
	return r;
}

static void join(char *buf, size_t cap, char *const *items, size_t n)
{
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		(void)csv_add(buf, cap, items[i]);
}

void fort_intake_items_free(fort_intake_item *items, size_t n)
{
	for (size_t i = 0; items && i < n; i++) {
		for (size_t k = 0; k < items[i].nvalues; k++)
			fort_free_str(items[i].values[k].value);
		free(items[i].values);
	}
	free(items);
}

struct review_ctx {
	fort_vault *v;
	const unsigned char *sk;
	unsigned char pk[32];
	int reveal;
	fort_intake_item *arr;
	size_t n, cap;
};

/* The first client holding one of the unique (e-mail, phone) values of
 * CV that the reviewer can index. */
static int find_duplicate(fort_intake_item *it, fort_vault *v, client_vals *cv)
{
	int r;
	if ((r = cvals_index(cv, v)) < 0)
		return r;
	for (size_t k = 0; k < cv->nbidx; k++) {
		int64_t other = 0;
		size_t found = 0;
		if (!field_unique(v, cv->bidx_field[k]))
			continue;
		if ((r = store_blind_find(v->st, cv->bidx[k], 1, &other, 1, &found)) < 0)
			return r;
		if (found) {
			client_id_format(it->duplicate, other);
			snprintf(it->duplicate_field, sizeof it->duplicate_field, "%s", v->map.f[cv->bidx_field[k]].name);
			return 0;
		}
	}
	return 0;
}

static int review_cb(void *ctx, const store_intake_sub *row)
{
	struct review_ctx *x = ctx;
	fort_vault *v = x->v;
	fort_intake_item *it;
	intake_sub sub;
	client_vals cv;
	int r;
	if (FORT_ARRAY_GROW(x->arr, x->n + 1, x->cap, 8) < 0)
		return FORT_ENOMEM;
	it = &x->arr[x->n++];
	memset(it, 0, sizeof *it);
	it->id = row->id;
	it->received = row->received;
	snprintf(it->form, sizeof it->form, "%s", row->form);
	if ((r = open_box(&sub, x->sk, x->pk, row->form, row->id, row->box, row->box_len)) < 0) {
		if (r != FORT_ETAMPER)
			return r;
		snprintf(it->problem, sizeof it->problem, "%s", fort_error_message());
		fort_error_clear();
		return 0;
	}
	memset(&cv, 0, sizeof cv);
	if (!(it->values = fort_calloc(sub.n + 1, sizeof *it->values)) || (r = cvals_init(&cv, v)) < 0) {
		r = FORT_ENOMEM;
		goto out;
	}
	it->received = sub.received;
	join(it->consents, sizeof it->consents, sub.consents, sub.nconsents);
	snprintf(it->notice, sizeof it->notice, "%s", sub.notice);
	snprintf(it->language, sizeof it->language, "%s", sub.language);
	it->revealed = x->reveal;
	for (size_t k = 0; k < sub.n; k++) {
		int mi = map_index(&v->map, sub.names[k]);
		fort_intake_value *val = &it->values[it->nvalues];
		snprintf(val->field, sizeof val->field, "%s", sub.names[k]);
		if (mi < 0 || !v->kr->has_ck[v->map.f[mi].cat]) {
			/* not the reviewer's category: not even masked */
			char hidden[96];
			snprintf(hidden, sizeof hidden, "(hidden: category %s)", mi < 0 ? "unknown" : v->map.f[mi].category);
			if (!(val->value = fort_strdup(hidden))) {
				r = FORT_ENOMEM;
				goto out;
			}
		} else {
			if (x->reveal)
				r = (val->value = fort_strdup(sub.values[k])) ? 0 : FORT_ENOMEM;
			else
				r = type_mask(&val->value, v->map.f[mi].t, sub.values[k]);
			if (r < 0)
				goto out;
			if ((r = cvals_set(&cv, v, sub.names[k], sub.values[k])) < 0) {
				/* the map changed since: shown, accepted only once valid */
				snprintf(it->problem, sizeof it->problem, "%s", fort_error_message());
				fort_error_clear();
				r = 0;
			}
		}
		it->nvalues++;
	}
	r = find_duplicate(it, v, &cv);
out:
	cvals_release(&cv);
	intake_sub_release(&sub);
	return r;
}

int fort_intake_review(fort_intake_item **out, size_t *n, fort_vault *v, const char *form, int reveal)
{
	struct review_ctx x;
	store_intake_form f;
	unsigned char *sk = NULL;
	char detail[160];
	int r;
	*out = NULL;
	*n = 0;
	memset(&x, 0, sizeof x);
	if ((r = vault_need(v, ACT_INTAKE, "intake-review", NULL)) < 0 ||
	    (reveal && (r = vault_need(v, ACT_REVEAL, "intake-review", NULL)) < 0))
		return r;
	if (form && (r = form_get(&f, v, form)) < 0)
		return r;
	if ((r = intake_key_secret(&sk, v)) < 0 || (r = intake_pk_get(v, x.pk)) < 0)
		goto out;
	x.v = v;
	x.sk = sk;
	x.reveal = reveal;
	if ((r = store_intake_inbox_each(v->st, form, review_cb, &x)) < 0)
		goto out;
	snprintf(detail, sizeof detail, "%zu pending submission%s%s%s, %s", x.n, x.n == 1 ? "" : "s", form ? " of form " : "",
		 form ? form : "", reveal ? "revealed" : "masked");
	if ((r = audit_record(v, "intake-review", "", "", "", "ok", detail)) < 0)
		goto out;
	*out = x.arr;
	*n = x.n;
	x.arr = NULL;
	x.n = 0;
out:
	sodium_free(sk);
	fort_intake_items_free(x.arr, x.n);
	return r;
}

/* -------------------------------------------------------------- rotating */

struct rebox { int64_t id; unsigned char *box; size_t len; };

struct rotate_in {
	unsigned char *old_sk, old_pk[32];
	struct rebox *arr;
	size_t n, cap;
	uint64_t resealed, unreadable;
};

static int rotate_check(fort_vault *v, void *ctx)
{
	struct rotate_in *x = ctx;
	int r;
	if ((r = intake_key_secret(&x->old_sk, v)) < 0)
		return r;
	return intake_pk_get(v, x->old_pk);
}

static int collect_cb(void *ctx, const store_intake_sub *row)
{
	struct rotate_in *x = ctx;
	struct rebox *b;
	if (FORT_ARRAY_GROW(x->arr, x->n + 1, x->cap, 8) < 0)
		return FORT_ENOMEM;
	b = &x->arr[x->n];
	b->id = row->id;
	b->len = row->box_len;
	if (!(b->box = fort_malloc(row->box_len ? row->box_len : 1)))
		return FORT_ENOMEM;
	memcpy(b->box, row->box, row->box_len);
	x->n++;
	return 0;
}

static int rotate_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct rotate_in *x = ctx;
	unsigned char pk[32], *sk = NULL, *pt = NULL, *nb = NULL;
	int r;
	/* inside the transaction: a submission cannot come in between (it
	 * seals and stores in one transaction, fort_intake_submit) */
	if ((r = store_intake_inbox_each(v->st, NULL, collect_cb, x)) < 0 || (r = intake_key_replace(pk, &sk, v)) < 0)
		goto out;
	for (size_t i = 0; i < x->n; i++) {
		struct rebox *b = &x->arr[i];
		size_t ptlen;
		if (b->len <= crypto_box_SEALBYTES || b->len > FORT_INTAKE_MAX * 4 + INTAKE_PAD + crypto_box_SEALBYTES) {
			x->unreadable++;
			continue;
		}
		ptlen = b->len - crypto_box_SEALBYTES;
		if (!(pt = sodium_malloc(ptlen)) || !(nb = fort_malloc(b->len))) {
			r = fort_error_set(FORT_ENOMEM, "out of memory");
			goto out;
		}
		if (crypto_box_seal_open(pt, b->box, b->len, x->old_pk, x->old_sk) != 0) {
			/* not a box Fortress made: left as it is, review says to reject it */
			x->unreadable++;
		} else {
			if (crypto_box_seal(nb, pt, ptlen, pk) != 0) {
				r = fort_error_set(FORT_ERROR, "sealing the submission failed");
				goto out;
			}
			if ((r = store_intake_inbox_rebox(v->st, b->id, nb, b->len)) < 0)
				goto out;
			x->resealed++;
		}
		sodium_free(pt);
		free(nb);
		pt = NULL;
		nb = NULL;
	}
	snprintf(detail, cap, "intake key pair replaced; %llu pending submission%s re-sealed to the new key%s",
		 (unsigned long long)x->resealed, x->resealed == 1 ? "" : "s", x->unreadable ? "; some did not open and were left as they are" : "");
	r = 0;
out:
	sodium_free(pt);
	free(nb);
	sodium_free(sk);
	return r;
}

int fort_intake_rotate_key(uint64_t *resealed, fort_vault *v)
{
	static const vault_op op = { "intake-rotate", ACT_INTAKE, rotate_check, rotate_write, NULL, NULL, NULL, NULL };
	struct rotate_in x;
	int r;
	memset(&x, 0, sizeof x);
	if (resealed)
		*resealed = 0;
	r = vault_op_run(v, &op, NULL, &x);
	if (r == 0) {
		if (resealed)
			*resealed = x.resealed;
		/* the old boxes' pages leave the WAL too */
		if (store_checkpoint(v->st) < 0)
			fort_error_clear();
	}
	for (size_t i = 0; i < x.n; i++)
		free(x.arr[i].box);
	free(x.arr);
	sodium_free(x.old_sk);
	return r;
}

/* -------------------------------------------------------------- deciding */

struct decide_in {
	vault_op op;
	int64_t id;
	int accept;
	char form[48];
	int64_t received;
	intake_sub sub;
	client_vals cv;
	fort_buf fields;
	char idstr[FORT_ID_LEN + 1];
};

static int decide_check(fort_vault *v, void *ctx)
{
	struct decide_in *x = ctx;
	unsigned char *box = NULL, *sk = NULL, pk[32];
	size_t len = 0;
	char decision[16], client[32];
	int r;
	r = store_intake_inbox_get(v->st, x->id, x->form, &x->received, &box, &len);
	if (r == FORT_ENOTFOUND)
		return fort_error_set(FORT_ENOTFOUND, "no pending intake submission %lld ('fortress intake review' lists them)",
				      (long long)x->id);
	if (r < 0)
		return r;
	if ((r = store_intake_decision_get(v->st, x->id, decision, client)) < 0)
		goto out;
	if (r == 1) {
		r = fort_error_set(FORT_ETAMPER, "submission %lld was %s already%s%s: it was put back into the inbox outside Fortress",
				   (long long)x->id, decision, client[0] ? " as client " : "", client);
		goto out;
	}
	if (!x->accept) {
		r = 0;
		goto out;
	}
	if ((r = intake_key_secret(&sk, v)) < 0 || (r = intake_pk_get(v, pk)) < 0 ||
	    (r = open_box(&x->sub, sk, pk, x->form, x->id, box, len)) < 0 || (r = cvals_init(&x->cv, v)) < 0)
		goto out;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < x->sub.n; i++)
			if ((strcmp(x->sub.names[i], "country") == 0) == (pass == 0) &&
			    (r = cvals_set(&x->cv, v, x->sub.names[i], x->sub.values[i])) < 0)
				goto out;
	for (size_t i = 0; i < x->cv.n; i++)
		if (x->cv.vals[i] && fort_buf_printf(&x->fields, "%s%s", x->fields.len ? "," : "", v->map.f[i].name) < 0) {
			r = FORT_ENOMEM;
			goto out;
		}
	if (!x->fields.len) {
		r = fort_error_set(FORT_EINPUT, "submission %lld has no values left to store: reject it", (long long)x->id);
		goto out;
	}
	for (size_t i = 0; i < x->sub.nconsents; i++)
		if (!map_purpose_find(&v->map, x->sub.consents[i])) {
			r = fort_error_set(FORT_ENOTFOUND, "submission %lld gives consent to '%s', no longer a purpose of the data map: "
					   "add it back or reject the submission", (long long)x->id, x->sub.consents[i]);
			goto out;
		}
	x->op.fields = x->fields.buf;
	r = cvals_index(&x->cv, v);
out:
	sodium_free(sk);
	free(box);
	return r;
}

static int decide_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct decide_in *x = ctx;
	int64_t cid = 0, other = 0;
	int dupf = -1, r;
	char consents[1024];
	if (!x->accept) {
		snprintf(detail, cap, "submission %lld of form %s rejected and deleted", (long long)x->id, x->form);
		if ((r = store_intake_decision_add(v->st, x->id, x->form, "rejected", "", fort_now(), v->user ? v->user : "")) < 0)
			return r;
		return store_intake_inbox_delete(v->st, x->id);
	}
	if ((r = vault_keys_current(v)) < 0 || (r = client_ids_above(v)) < 0)
		return r;
	if ((r = client_insert(&cid, v, &x->cv, &dupf, &other)) < 0) {
		if (r == FORT_EDUPLICATE) {
			char oid[FORT_ID_LEN + 1];
			client_id_format(oid, other);
			fort_error_set(FORT_EDUPLICATE, "submission %lld has the same %s as client %s: not accepted (add what is new to "
				       "that client with 'fortress client edit %s' and 'fortress consent grant', then reject the submission)",
				       (long long)x->id, dupf >= 0 ? v->map.f[dupf].name : "value", oid, oid);
		}
		return r;
	}
	client_id_format(x->idstr, cid);
	for (size_t i = 0; i < x->sub.nconsents; i++)
		if ((r = consent_append(v, cid, x->sub.consents[i], "grant", "web", x->sub.language[0] ? x->sub.language : "en",
					x->sub.notice, x->sub.received ? x->sub.received : x->received)) < 0)
			return r;
	/* the page language the visitor used is the client's: their letters
	 * come in it (a tag such as "de-CH": its language, when one of six) */
	{
		char lang[8];
		size_t k = strcspn(x->sub.language, "-_");
		snprintf(lang, sizeof lang, "%.*s", (int)(k < 7 ? k : 7), x->sub.language);
		if (fort_language_supported(lang) && (r = vault_client_language_put(v, x->idstr, lang)) < 0)
			return r;
	}
	if ((r = store_intake_decision_add(v->st, x->id, x->form, "accepted", x->idstr, fort_now(), v->user ? v->user : "")) < 0 ||
	    (r = store_intake_inbox_delete(v->st, x->id)) < 0)
		return r;
	join(consents, sizeof consents, x->sub.consents, x->sub.nconsents);
	snprintf(detail, cap, "submission %lld of form %s accepted as client %s; consents via web: %s%s%s", (long long)x->id, x->form,
		 x->idstr, consents[0] ? consents : "none", x->sub.notice[0] ? "; notice " : "", x->sub.notice);
	return 0;
}

static int decide(char *id_out, fort_vault *v, int64_t id, int accept)
{
	struct decide_in x;
	char idbuf[32];
	int r;
	memset(&x, 0, sizeof x);
	x.op.action = accept ? "intake-accept" : "intake-reject";
	x.op.need = ACT_INTAKE;
	x.op.check = decide_check;
	x.op.write = decide_write;
	x.op.client = x.idstr;
	x.id = id;
	x.accept = accept;
	fort_buf_init(&x.fields, 0);
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)id);
	if (id <= 0)
		r = fort_error_set(FORT_EINPUT, "'%s' is not a submission id ('fortress intake review' lists them)", idbuf);
	else
		r = vault_op_run(v, &x.op, NULL, &x);
	if (r == 0) {
		if (id_out)
			memcpy(id_out, x.idstr, sizeof x.idstr);
		/* the removed submission's pages leave the WAL too */
		if (store_checkpoint(v->st) < 0)
			fort_error_clear();
	}
	fort_buf_release(&x.fields);
	cvals_release(&x.cv);
	intake_sub_release(&x.sub);
	return r;
}

int fort_intake_accept(char id_out[FORT_ID_LEN + 1], fort_vault *v, int64_t id)
{
	return decide(id_out, v, id, 1);
}

int fort_intake_reject(fort_vault *v, int64_t id)
{
	return decide(NULL, v, id, 0);
}
