/* map.c - the data map: which fields a client record has, their type,
 * category, purposes, legal basis and retention.  Stored as JSON in the
 * vault's metadata and MAC'd with a key derived from the vault key, so
 * nobody without the vault key can widen a field's purposes. */
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <sodium.h>
#include "vault/vault_int.h"
#include "vault/op.h"
#include "data/places.h"

static const char default_map[] =
"{\n"
" \"version\": 1,\n"
" \"default_country\": \"DE\",\n"
" \"purposes\": {\n"
"  \"service\": {\"description\": \"Providing the service the client asked for\", \"legal_basis\": \"contract\"},\n"
"  \"billing\": {\"description\": \"Invoicing and collecting payment\", \"legal_basis\": \"contract\"},\n"
"  \"correspondence\": {\"description\": \"Writing to and calling the client\", \"legal_basis\": \"contract\"},\n"
"  \"tax\": {\"description\": \"Keeping the records that tax law requires\", \"legal_basis\": \"legal_obligation\"},\n"
"  \"identity_verification\": {\"description\": \"Checking who a client is (e.g. for a data request)\", \"legal_basis\": \"legal_obligation\"},\n"
"  \"legal_claims\": {\"description\": \"Establishing, exercising or defending legal claims\", \"legal_basis\": \"legitimate_interests\"},\n"
"  \"marketing\": {\"description\": \"Sending news and offers the client asked for\", \"legal_basis\": \"consent\"}\n"
" },\n"
" \"fields\": [\n"
"  {\"name\": \"full_name\", \"label\": \"Full name\", \"type\": \"name\", \"category\": \"identity\",\n"
"   \"purposes\": [\"service\", \"billing\", \"correspondence\", \"tax\", \"identity_verification\", \"legal_claims\"],\n"
"   \"legal_basis\": \"contract (GDPR Art. 6(1)(b))\", \"retention\": \"10 years after the end of the contract (tax law)\",\n"
"   \"searchable\": true},\n"
"  {\"name\": \"email\", \"label\": \"E-mail address\", \"type\": \"email\", \"category\": \"contact\",\n"
"   \"purposes\": [\"service\", \"billing\", \"correspondence\", \"identity_verification\", \"marketing\"],\n"
"   \"legal_basis\": \"contract (GDPR Art. 6(1)(b))\", \"retention\": \"2 years after the end of the contract\",\n"
"   \"searchable\": true},\n"
"  {\"name\": \"phone\", \"label\": \"Phone number\", \"type\": \"phone\", \"category\": \"contact\",\n"
"   \"purposes\": [\"service\", \"correspondence\", \"identity_verification\"],\n"
"   \"legal_basis\": \"contract (GDPR Art. 6(1)(b))\", \"retention\": \"2 years after the end of the contract\",\n"
"   \"searchable\": true},\n"
"  {\"name\": \"postal_address\", \"label\": \"Postal address\", \"type\": \"text\", \"category\": \"contact\",\n"
"   \"purposes\": [\"service\", \"billing\", \"correspondence\", \"tax\"],\n"
"   \"legal_basis\": \"contract (GDPR Art. 6(1)(b))\", \"retention\": \"10 years after the end of the contract (tax law: invoices)\",\n"
"   \"searchable\": false, \"max_length\": 500},\n"
"  {\"name\": \"company\", \"label\": \"Company\", \"type\": \"name\", \"category\": \"identity\",\n"
"   \"purposes\": [\"service\", \"billing\", \"correspondence\", \"tax\"],\n"
"   \"legal_basis\": \"contract (GDPR Art. 6(1)(b))\", \"retention\": \"10 years after the end of the contract (tax law)\",\n"
"   \"searchable\": false},\n"
"  {\"name\": \"date_of_birth\", \"label\": \"Date of birth\", \"type\": \"date\", \"category\": \"identity\",\n"
"   \"purposes\": [\"identity_verification\"],\n"
"   \"legal_basis\": \"legal obligation: verifying identity (GDPR Art. 6(1)(c))\", \"retention\": \"until the end of the contract\",\n"
"   \"searchable\": false},\n"
"  {\"name\": \"tax_id\", \"label\": \"Tax / VAT id\", \"type\": \"text\", \"category\": \"financial\",\n"
"   \"purposes\": [\"billing\", \"tax\"],\n"
"   \"legal_basis\": \"legal obligation (GDPR Art. 6(1)(c))\", \"retention\": \"10 years after the end of the contract (tax law)\",\n"
"   \"searchable\": false, \"max_length\": 40, \"hold\": {\"years\": 10, \"from\": \"updated\", \"reason\": \"business records kept under tax law (e.g. German AO 147, HGB 257: 10 years)\"}},\n"
"  {\"name\": \"iban\", \"label\": \"IBAN\", \"type\": \"iban\", \"category\": \"financial\",\n"
"   \"purposes\": [\"billing\", \"tax\"],\n"
"   \"legal_basis\": \"contract (GDPR Art. 6(1)(b))\", \"retention\": \"10 years after the last payment (tax law)\",\n"
"   \"searchable\": true, \"hold\": {\"years\": 10, \"from\": \"updated\", \"reason\": \"business records kept under tax law (e.g. German AO 147, HGB 257: 10 years)\"}},\n"
"  {\"name\": \"payment_card\", \"label\": \"Payment card\", \"type\": \"card\", \"category\": \"financial\",\n"
"   \"purposes\": [\"billing\"],\n"
"   \"legal_basis\": \"contract (GDPR Art. 6(1)(b))\", \"retention\": \"until the end of the contract\",\n"
"   \"searchable\": false,\n"
"   \"note\": \"Stored masked only (brand and last 4 digits): a full card number or CVV would bring PCI DSS obligations a small business should not carry; let the payment provider hold the card.\"},\n"
"  {\"name\": \"notes\", \"label\": \"Notes\", \"type\": \"text\", \"category\": \"notes\",\n"
"   \"purposes\": [\"service\"],\n"
"   \"legal_basis\": \"contract (GDPR Art. 6(1)(b))\", \"retention\": \"until the end of the contract\",\n"
"   \"searchable\": false, \"max_length\": 10000}\n"
" ]\n"
"}\n";

const char *map_default_json(void) { return default_map; }

/* purposes, recipients, a field's purposes, a purpose's recipients */
#define MAP_MAX_LIST 200

static void field_release(map_field *f)
{
	free(f->name); free(f->label); free(f->type); free(f->category);
	free(f->legal_basis); free(f->retention); free(f->note); free(f->hold_reason);
	for (size_t i = 0; i < f->npurposes; i++)
		free(f->purposes[i]);
	free(f->purposes);
	memset(f, 0, sizeof *f);
}

void map_release(fort_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		field_release(&m->f[i]);
	free(m->f);
	free(m->info);
	free(m->default_country);
	free(m->purposes_json);
	free(m->controller_json);
	for (size_t i = 0; i < m->np; i++) {
		free(m->p[i].name);
		free(m->p[i].description);
		free(m->p[i].provision);
		free(m->p[i].legal_basis);
		free(m->p[i].special_basis);
		free(m->p[i].retention);
		for (size_t k = 0; k < m->p[i].nrecipients; k++)
			free(m->p[i].recipients[k]);
		free(m->p[i].recipients);
	}
	free(m->p);
	free(m->recipients_json);
	for (size_t i = 0; i < m->nrc; i++) {
		free(m->rc[i].name);
		free(m->rc[i].kind);
		free(m->rc[i].country);
		free(m->rc[i].safeguard);
		free(m->rc[i].note);
	}
	free(m->rc);
	memset(m, 0, sizeof *m);
}

static int valid_ident(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int opt_str(char **out, json_t *o, const char *key, const char *fname, const char *def)
{
	json_t *j = json_object_get(o, key);
	*out = NULL;
	if (!j || json_is_null(j))
		return (*out = fort_strdup(def)) ? 0 : FORT_ENOMEM;
	if (!json_is_string(j))
		return fort_error_set(FORT_EINPUT, "map: field '%s': '%s' must be a string", fname, key);
	return (*out = fort_strdup(json_string_value(j))) ? 0 : FORT_ENOMEM;
}

static int parse_field(map_field *f, json_t *o, size_t idx)
{
	json_t *j;
	const char *name;
	int r;
	if (!json_is_object(o))
		return fort_error_set(FORT_EINPUT, "map: fields[%zu] must be an object", idx);
	j = json_object_get(o, "name");
	if (!json_is_string(j) || !valid_ident(name = json_string_value(j), 40))
		return fort_error_set(FORT_EINPUT, "map: fields[%zu]: 'name' must be lower-case letters, digits, '_' (at most 40)", idx);
	if (!(f->name = fort_strdup(name)))
		return FORT_ENOMEM;
	if ((r = opt_str(&f->type, o, "type", name, "")) < 0 || (r = opt_str(&f->category, o, "category", name, "")) < 0 ||
	    (r = opt_str(&f->label, o, "label", name, name)) < 0 || (r = opt_str(&f->legal_basis, o, "legal_basis", name, "")) < 0 ||
	    (r = opt_str(&f->retention, o, "retention", name, "")) < 0 || (r = opt_str(&f->note, o, "note", name, "")) < 0)
		return r;
	if ((f->t = type_from_name(f->type)) < 0)
		return fort_error_set(FORT_EINPUT, "map: field '%s': unknown type '%s' (text, name, email, phone, iban, card, date, ssn, id_number)", name, f->type);
	if ((f->cat = cat_index(f->category)) < 0)
		return fort_error_set(FORT_EINPUT, "map: field '%s': unknown category '%s' (identity, contact, financial, special, notes)", name, f->category);
	j = json_object_get(o, "id");
	if (j && (!json_is_integer(j) || json_integer_value(j) < 1 || json_integer_value(j) > 250))
		return fort_error_set(FORT_EINPUT, "map: field '%s': 'id' must be a number from 1 to 250", name);
	f->id = j ? (int)json_integer_value(j) : 0;
	j = json_object_get(o, "searchable");
	if (j && !json_is_boolean(j))
		return fort_error_set(FORT_EINPUT, "map: field '%s': 'searchable' must be true or false", name);
	f->searchable = j ? json_is_true(j) : 0;
	if (f->searchable && f->t == FT_CARD)
		return fort_error_set(FORT_EINPUT, "map: field '%s': a card field cannot be searchable (only the last 4 digits are kept)", name);
	j = json_object_get(o, "max_length");
	if (j && (!json_is_integer(j) || json_integer_value(j) < 1 || json_integer_value(j) > 1000000))
		return fort_error_set(FORT_EINPUT, "map: field '%s': 'max_length' must be a number from 1 to 1000000", name);
	f->max_length = j ? (size_t)json_integer_value(j) : 0;
	j = json_object_get(o, "hold");
	if (j) {
		/* a legal hold: kept on an erasure request until it ends */
		json_t *y = json_object_get(j, "years"), *fr = json_object_get(j, "from"), *why = json_object_get(j, "reason");
		if (!json_is_object(j) || !json_is_integer(y) || json_integer_value(y) < 1 || json_integer_value(y) > 100 ||
		    (fr && (!json_is_string(fr) || (strcmp(json_string_value(fr), "created") && strcmp(json_string_value(fr), "updated")))) ||
		    !json_is_string(why) || !json_string_value(why)[0])
			return fort_error_set(FORT_EINPUT, "map: field '%s': 'hold' is {\"years\": 1-100, \"from\": \"created\"|\"updated\", "
					      "\"reason\": the law that requires it}", name);
		f->hold_years = (int)json_integer_value(y);
		snprintf(f->hold_from, sizeof f->hold_from, "%s", fr ? json_string_value(fr) : "updated");
		if (!(f->hold_reason = fort_strdup(json_string_value(why))))
			return FORT_ENOMEM;
	}
	j = json_object_get(o, "purposes");
	if (!json_is_array(j) || json_array_size(j) == 0)
		return fort_error_set(FORT_EINPUT, "map: field '%s': 'purposes' must be a non-empty list (every field needs a purpose)", name);
	if (json_array_size(j) > MAP_MAX_LIST)
		return fort_error_set(FORT_EINPUT, "map: field '%s': at most %d purposes", name, MAP_MAX_LIST);
	/* the count only once the array is there: field_release frees that many */
	if (!(f->purposes = fort_calloc(json_array_size(j), sizeof *f->purposes)))
		return FORT_ENOMEM;
	f->npurposes = json_array_size(j);
	for (size_t i = 0; i < f->npurposes; i++) {
		json_t *p = json_array_get(j, i);
		if (!json_is_string(p) || !valid_ident(json_string_value(p), 40))
			return fort_error_set(FORT_EINPUT, "map: field '%s': purpose %zu must be lower-case letters, digits, '_'", name, i + 1);
		if (!(f->purposes[i] = fort_strdup(json_string_value(p))))
			return FORT_ENOMEM;
	}
	return 0;
}

static const char *const legal_bases[] = { "consent", "contract", "legal_obligation", "vital_interests", "public_task",
					    "legitimate_interests" };
static const char *const special_bases[] = { "explicit_consent", "employment", "vital_interests", "not_for_profit",
					     "made_public", "legal_claims", "substantial_public_interest", "health_care",
					     "public_health", "archiving" };

static int one_of(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return 1;
	return 0;
}

/* "purposes": {"name": "description"} (older maps: no legal basis) or
 * {"name": {"description": ..., "legal_basis": ..., "special_basis": ...}}. */
static int parse_purposes(fort_map *m, json_t *obj)
{
	const char *name;
	json_t *v;
	size_t n = json_object_size(obj);
	/* names are matched by a linear search, once per use: bounded counts
	 * keep a hostile map's parse bounded (test_parse_bounds.c) */
	if (n > MAP_MAX_LIST)
		return fort_error_set(FORT_EINPUT, "map: at most %d purposes", MAP_MAX_LIST);
	if (!(m->p = fort_calloc(n ? n : 1, sizeof *m->p)))
		return FORT_ENOMEM;
	json_object_foreach(obj, name, v) {
		map_purpose *p = &m->p[m->np];
		const char *desc = "", *basis = "", *special = "", *retention = "", *provision = "";
		json_t *recips = NULL;
		if (!valid_ident(name, 40))
			return fort_error_set(FORT_EINPUT, "map: purpose '%s': names are lower-case letters, digits and '_'", name);
		if (json_is_string(v)) {
			desc = json_string_value(v);
		} else if (json_is_object(v)) {
			json_t *d = json_object_get(v, "description"), *b = json_object_get(v, "legal_basis"),
			       *sp = json_object_get(v, "special_basis");
			if ((d && !json_is_string(d)) || (b && !json_is_string(b)) || (sp && !json_is_string(sp) && !json_is_null(sp)))
				return fort_error_set(FORT_EINPUT, "map: purpose '%s': description, legal_basis and special_basis are text", name);
			json_t *ret = json_object_get(v, "retention");
			recips = json_object_get(v, "recipients");
			if ((ret && !json_is_string(ret)) || (recips && !json_is_array(recips)))
				return fort_error_set(FORT_EINPUT, "map: purpose '%s': retention is text, recipients a list of names", name);
			retention = ret ? json_string_value(ret) : "";
			{
				json_t *pv = json_object_get(v, "provision");
				if (pv && (!json_is_string(pv) || strlen(json_string_value(pv)) > 500 ||
					   strpbrk(json_string_value(pv), "\r\n")))
					return fort_error_set(FORT_EINPUT, "map: purpose '%s': provision (GDPR Art. 13(2)(e)) is one line "
							      "of text of at most 500 bytes", name);
				provision = pv ? json_string_value(pv) : "";
			}
			{
				int rr = retention_rule_parse(&p->rule, json_object_get(v, "retention_rule"), name);
				if (rr < 0)
					return rr;
			}
			desc = d ? json_string_value(d) : "";
			basis = b ? json_string_value(b) : "";
			special = sp && json_is_string(sp) ? json_string_value(sp) : "";
			if (!b || !one_of(basis, legal_bases, sizeof legal_bases / sizeof legal_bases[0]))
				return fort_error_set(FORT_EINPUT, "map: purpose '%s' needs a legal_basis: consent, contract, legal_obligation, "
						      "vital_interests, public_task or legitimate_interests (GDPR Art. 6(1)(a)-(f))", name);
			if (special[0] && !one_of(special, special_bases, sizeof special_bases / sizeof special_bases[0]))
				return fort_error_set(FORT_EINPUT, "map: purpose '%s': unknown special_basis '%s' (GDPR Art. 9(2): "
						      "explicit_consent, employment, vital_interests, not_for_profit, made_public, legal_claims, "
						      "substantial_public_interest, health_care, public_health, archiving)", name, special);
		} else {
			return fort_error_set(FORT_EINPUT, "map: purpose '%s' must be a description or an object", name);
		}
		/* counted first: map_release frees what was copied when a copy fails */
		m->np++;
		if (!(p->name = fort_strdup(name)) || !(p->description = fort_strdup(desc)) ||
		    !(p->legal_basis = fort_strdup(basis)) || !(p->special_basis = fort_strdup(special)) ||
		    !(p->retention = fort_strdup(retention)) || !(p->provision = fort_strdup(provision)))
			return FORT_ENOMEM;
		if (recips && json_array_size(recips) > MAP_MAX_LIST)
			return fort_error_set(FORT_EINPUT, "map: purpose '%s': at most %d recipients", name, MAP_MAX_LIST);
		if (recips && json_array_size(recips)) {
			size_t k;
			json_t *x;
			if (!(p->recipients = fort_calloc(json_array_size(recips), sizeof *p->recipients)))
				return FORT_ENOMEM;
			json_array_foreach(recips, k, x) {
				if (!json_is_string(x) || !(p->recipients[p->nrecipients] = fort_strdup(json_string_value(x))))
					return json_is_string(x) ? FORT_ENOMEM
								 : fort_error_set(FORT_EINPUT, "map: purpose '%s': recipient %zu is not a name", name, k + 1);
				p->nrecipients++;
			}
		}
		p->info = (fort_activity_info){ p->name, p->description, p->legal_basis, p->special_basis, p->retention,
						(const char *const *)p->recipients, p->nrecipients, p->provision };
	}
	return 0;
}

static const char *const eea[] = { "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
				     "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO" };
static const char *const recipient_kinds[] = { "processor", "controller", "public_authority" };

/* "recipients": {name: {kind, country, safeguard, note}} */
static int parse_recipients(fort_map *m, json_t *obj)
{
	const char *name;
	json_t *v;
	size_t n = json_object_size(obj);
	if (n > MAP_MAX_LIST)
		return fort_error_set(FORT_EINPUT, "map: at most %d recipients", MAP_MAX_LIST);
	if (!(m->rc = fort_calloc(n ? n : 1, sizeof *m->rc)))
		return FORT_ENOMEM;
	json_object_foreach(obj, name, v) {
		map_recipient *rc = &m->rc[m->nrc];
		json_t *k = json_object_get(v, "kind"), *c = json_object_get(v, "country"), *sg = json_object_get(v, "safeguard"),
		       *nt = json_object_get(v, "note");
		const char *country;
		if (!valid_ident(name, 40))
			return fort_error_set(FORT_EINPUT, "map: recipient '%s': names are lower-case letters, digits and '_'", name);
		if (!json_is_object(v) || !json_is_string(k) || !one_of(json_string_value(k), recipient_kinds, 3))
			return fort_error_set(FORT_EINPUT, "map: recipient '%s' needs a kind: processor, controller or public_authority", name);
		if (!json_is_string(c) || strlen(country = json_string_value(c)) != 2 || !isupper((unsigned char)country[0]) ||
		    !isupper((unsigned char)country[1]))
			return fort_error_set(FORT_EINPUT, "map: recipient '%s' needs a country (ISO 3166 two capital letters, e.g. DE, US)", name);
		if ((sg && !json_is_string(sg)) || (nt && !json_is_string(nt)))
			return fort_error_set(FORT_EINPUT, "map: recipient '%s': safeguard and note are text", name);
		if (!one_of(country, eea, sizeof eea / sizeof eea[0]) && (!sg || !json_string_value(sg)[0]))
			return fort_error_set(FORT_EINPUT, "map: recipient '%s' is in %s, outside the EEA: name the transfer safeguard "
					      "(GDPR Art. 45-49: adequacy decision, standard contractual clauses, ...)", name, country);
		m->nrc++;   /* counted first, as the purposes */
		if (!(rc->name = fort_strdup(name)) || !(rc->kind = fort_strdup(json_string_value(k))) ||
		    !(rc->country = fort_strdup(country)) || !(rc->safeguard = fort_strdup(sg ? json_string_value(sg) : "")) ||
		    !(rc->note = fort_strdup(nt ? json_string_value(nt) : "")))
			return FORT_ENOMEM;
		rc->info = (fort_recipient_info){ rc->name, rc->kind, rc->country, rc->safeguard, rc->note };
	}
	return 0;
}

int retention_rules_check(const fort_map *m)
{
	for (size_t i = 0; i < m->np; i++) {
		const map_retention *rl = &m->p[i].rule;
		if (!rl->set)
			continue;
		if (strncmp(rl->after, "field:", 6) == 0) {
			int fi = map_index(m, rl->after + 6);
			if (fi < 0 || m->f[fi].t != FT_DATE)
				return fort_error_set(FORT_EINPUT, "map: purpose '%s': retention_rule counts from field '%s', which is %s",
						      m->p[i].name, rl->after + 6, fi < 0 ? "not in the map" : "not a date field");
		}
		if (strcmp(rl->after, "consent_withdrawn") == 0 && !map_purpose_consent(m, m->p[i].name))
			return fort_error_set(FORT_EINPUT, "map: purpose '%s': retention_rule counts from a withdrawn consent, but the "
					      "purpose does not rest on consent (legal_basis)", m->p[i].name);
	}
	return 0;
}

int map_parse(fort_map *m, const char *json, size_t len)
{
	json_error_t jerr;
	json_t *root = NULL, *fields, *j;
	int r;
	memset(m, 0, sizeof *m);
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return fort_error_set(FORT_EINPUT, "map: line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root)) {
		r = fort_error_set(FORT_EINPUT, "map: the top level must be an object with \"fields\"");
		goto out;
	}
	j = json_object_get(root, "default_country");
	if (j && (!json_is_string(j) || strlen(json_string_value(j)) != 2 || !phone_country_code(json_string_value(j)))) {
		r = fort_error_set(FORT_EINPUT, "map: 'default_country' must be a two-letter country code such as \"DE\"");
		goto out;
	}
	if (!(m->default_country = fort_strdup(j ? json_string_value(j) : "DE"))) {
		r = FORT_ENOMEM;
		goto out;
	}
	j = json_object_get(root, "controller");
	if (j) {
		/* the controller's contact details and location (rights/business.c
		 * checks each value when it is set); here: only strings */
		const char *k;
		json_t *x;
		if (!json_is_object(j)) {
			r = fort_error_set(FORT_EINPUT, "map: 'controller' must be an object of strings");
			goto out;
		}
		json_object_foreach(j, k, x)
			if (!json_is_string(x) || strlen(json_string_value(x)) > 500) {
				r = fort_error_set(FORT_EINPUT, "map: controller.%s must be a string of at most 500 bytes", k);
				goto out;
			}
		if (!(m->controller_json = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
			r = FORT_ENOMEM;
			goto out;
		}
	}
	j = json_object_get(root, "purposes");
	if (j && !json_is_object(j)) {
		r = fort_error_set(FORT_EINPUT, "map: 'purposes' must be an object of name: description");
		goto out;
	}
	if (j && !(m->purposes_json = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
		r = FORT_ENOMEM;
		goto out;
	}
	j = json_object_get(root, "recipients");
	if (j && !json_is_object(j)) {
		r = fort_error_set(FORT_EINPUT, "map: 'recipients' must be an object of name: {kind, country, safeguard}");
		goto out;
	}
	if (j && (!(m->recipients_json = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER)) || (r = parse_recipients(m, j)) < 0)) {
		if (!m->recipients_json)
			r = FORT_ENOMEM;
		goto out;
	}
	j = json_object_get(root, "purposes");
	if (j && (r = parse_purposes(m, j)) < 0)
		goto out;
	/* every recipient an activity names exists */
	for (size_t i = 0; i < m->np; i++)
		for (size_t k = 0; k < m->p[i].nrecipients; k++) {
			size_t x;
			for (x = 0; x < m->nrc && strcmp(m->rc[x].name, m->p[i].recipients[k]) != 0; x++)
				;
			if (x == m->nrc) {
				r = fort_error_set(FORT_EINPUT, "map: purpose '%s' names recipient '%s', which is not in 'recipients'",
						   m->p[i].name, m->p[i].recipients[k]);
				goto out;
			}
		}
	fields = json_object_get(root, "fields");
	if (!json_is_array(fields) || json_array_size(fields) == 0) {
		r = fort_error_set(FORT_EINPUT, "map: 'fields' must be a non-empty list");
		goto out;
	}
	/* m->n only once m->f holds that many (zeroed) fields: map_release
	 * frees m->n fields (201 fields once made it free through NULL) */
	if (json_array_size(fields) > 200) {
		r = fort_error_set(FORT_EINPUT, "map: at most 200 fields");
		goto out;
	}
	if (!(m->f = fort_calloc(json_array_size(fields), sizeof *m->f)) ||
	    !(m->info = fort_calloc(json_array_size(fields), sizeof *m->info))) {
		r = FORT_ENOMEM;
		goto out;
	}
	m->n = json_array_size(fields);
	for (size_t i = 0; i < m->n; i++) {
		if ((r = parse_field(&m->f[i], json_array_get(fields, i), i)) < 0)
			goto out;
		for (size_t k = 0; k < i; k++) {
			if (strcmp(m->f[k].name, m->f[i].name) == 0) {
				r = fort_error_set(FORT_EINPUT, "map: field '%s' is defined twice", m->f[i].name);
				goto out;
			}
			if (m->f[i].id && m->f[k].id == m->f[i].id) {
				r = fort_error_set(FORT_EINPUT, "map: fields '%s' and '%s' have the same id %d", m->f[k].name, m->f[i].name, m->f[i].id);
				goto out;
			}
		}
		for (size_t k = 0; m->purposes_json && k < m->f[i].npurposes; k++)
			if (!map_purpose_find(m, m->f[i].purposes[k])) {
				r = fort_error_set(FORT_EINPUT, "map: field '%s': purpose '%s' is not declared in 'purposes' (every purpose "
						   "needs a description and a legal basis)", m->f[i].name, m->f[i].purposes[k]);
				goto out;
			}
		m->info[i] = (fort_field_info){ m->f[i].name, m->f[i].label, m->f[i].type, m->f[i].category,
			m->f[i].legal_basis, m->f[i].retention, m->f[i].note, (const char *const *)m->f[i].purposes,
			m->f[i].npurposes, m->f[i].searchable, m->f[i].max_length };
	}
	if ((r = retention_rules_check(m)) < 0)
		goto out;
	/* fields without an id get the next free ones, in order */
	for (size_t i = 0; i < m->n; i++) {
		int next = 0;
		if (m->f[i].id)
			continue;
		for (size_t k = 0; k < m->n; k++)
			if (m->f[k].id > next)
				next = m->f[k].id;
		if (next >= 250) {
			r = fort_error_set(FORT_EINPUT, "map: no field ids left (at most 250)");
			goto out;
		}
		m->f[i].id = next + 1;
	}
	r = 0;
out:
	json_decref(root);
	if (r < 0)
		map_release(m);
	return r;
}

int map_to_json(char **out, const fort_map *m)
{
	json_t *root = json_object(), *fields = json_array();
	int r = FORT_ENOMEM;
	*out = NULL;
	if (!root || !fields)
		goto out;
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "default_country", json_string(m->default_country));
	if (m->recipients_json)
		json_object_set_new(root, "recipients", json_loads(m->recipients_json, JSON_DECODE_ANY, NULL));
	if (m->controller_json)
		json_object_set_new(root, "controller", json_loads(m->controller_json, 0, NULL));
	if (m->purposes_json)
		json_object_set_new(root, "purposes", json_loads(m->purposes_json, 0, NULL));
	for (size_t i = 0; i < m->n; i++) {
		const map_field *f = &m->f[i];
		json_t *o = json_object(), *p = json_array();
		for (size_t k = 0; k < f->npurposes; k++)
			json_array_append_new(p, json_string(f->purposes[k]));
		json_object_set_new(o, "name", json_string(f->name));
		json_object_set_new(o, "id", json_integer(f->id));
		json_object_set_new(o, "label", json_string(f->label));
		json_object_set_new(o, "type", json_string(f->type));
		json_object_set_new(o, "category", json_string(f->category));
		json_object_set_new(o, "purposes", p);
		json_object_set_new(o, "legal_basis", json_string(f->legal_basis));
		json_object_set_new(o, "retention", json_string(f->retention));
		json_object_set_new(o, "searchable", json_boolean(f->searchable));
		if (f->max_length)
			json_object_set_new(o, "max_length", json_integer((json_int_t)f->max_length));
		if (f->note[0])
			json_object_set_new(o, "note", json_string(f->note));
		if (f->hold_years)
			json_object_set_new(o, "hold", json_pack("{s:i,s:s,s:s}", "years", f->hold_years, "from", f->hold_from,
								 "reason", f->hold_reason));
		json_array_append_new(fields, o);
	}
	json_object_set(root, "fields", fields);
	if (!(*out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)))
		goto out;
	r = 0;
out:
	json_decref(fields);
	json_decref(root);
	return r < 0 ? fort_error_set(r, "out of memory") : 0;
}

int map_index(const fort_map *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->f[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* FORT_ENOTFOUND "unknown field 'X'", with the closest field if it looks
 * like a typo. */
int map_unknown_field(const fort_map *m, const char *name)
{
	const char *names[256], *best;
	size_t n = 0;
	for (size_t i = 0; i < m->n && n < 256; i++)
		names[n++] = m->f[i].name;
	best = fort_suggest(name, names, n);
	if (best)
		return fort_error_set(FORT_ENOTFOUND, "unknown field '%s': did you mean '%s'? ('fortress map show' lists the fields)", name, best);
	return fort_error_set(FORT_ENOTFOUND, "unknown field '%s' ('fortress map show' lists the fields)", name);
}

int map_field_by_role(const fort_map *m, map_role role, unsigned flags)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->f[i].t == (int)role && (!(flags & MAP_ROLE_SEARCHABLE) || m->f[i].searchable))
			return (int)i;
	return -1;
}

const char *vault_lookup_field(const fort_vault *v, map_role role)
{
	int i;
	if (!v->kr || (i = map_field_by_role(&v->map, role, MAP_ROLE_SEARCHABLE)) < 0 || !v->has_bkey[i])
		return NULL;
	return v->map.f[i].name;
}

int map_field_for(const fort_map *m, const char *dflt)
{
	static const struct { const char *name; int type; } typed[] = {
		{ "full_name", FT_NAME }, { "email", FT_EMAIL }, { "phone", FT_PHONE }, { "iban", FT_IBAN },
		{ "payment_card", FT_CARD }, { "date_of_birth", FT_DATE }, { "ssn", FT_SSN }, { "id_number", FT_ID_NUMBER },
	};
	for (size_t k = 0; k < sizeof typed / sizeof typed[0]; k++)
		if (strcmp(dflt, typed[k].name) == 0)
			return map_field_by_role(m, (map_role)typed[k].type, 0);
	if (strcmp(dflt, "company") == 0) {
		int fi = map_index(m, "company"), names = 0;
		for (size_t i = 0; fi < 0 && i < m->n; i++)
			if (m->f[i].t == FT_NAME && ++names == 2)
				fi = (int)i;
		return fi;
	}
	return map_index(m, dflt);
}

int map_index_id(const fort_map *m, int id)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->f[i].id == id)
			return (int)i;
	return -1;
}

static void map_mac(unsigned char mac[32], const keyring *kr, const void *json, size_t len)
{
	crypto_generichash(mac, 32, json, len, kr->map_key, KEY_LEN);
}

int map_derive_keys(fort_vault *v)
{
	if (v->bkeys)
		sodium_free(v->bkeys);
	free(v->has_bkey);
	v->bkeys = NULL;
	v->has_bkey = NULL;
	if (!v->kr)
		return vault_index_keys(v); /* forgets them */
	if (!(v->bkeys = sodium_allocarray(v->map.n ? v->map.n : 1, KEY_LEN)))
		return fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys");
	if (!(v->has_bkey = fort_calloc(v->map.n ? v->map.n : 1, 1)))
		return FORT_ENOMEM;
	for (size_t i = 0; i < v->map.n; i++) {
		const map_field *f = &v->map.f[i];
		if (f->searchable && v->kr->has_ck[f->cat]) {
			if (keys_blind_key(v->bkeys + i * KEY_LEN, v->kr, f->cat, 0, f->name) < 0)
				return fort_error_code();
			v->has_bkey[i] = 1;
		}
	}
	return vault_index_keys(v);
}

int map_remac(fort_vault *v)
{
	unsigned char *json = NULL, mac[32];
	size_t len = 0;
	int r;
	if ((r = store_meta_get(v->st, "map", &json, &len)) < 0)
		return r;
	map_mac(mac, v->kr, json, len);
	free(json);
	return store_meta_put(v->st, "map_mac", mac, 32);
}

int map_load(fort_vault *v)
{
	unsigned char *json = NULL, *mac = NULL, want[32];
	size_t len = 0, maclen = 0;
	fort_map m;
	int r;
	/* the map and its MAC in one snapshot: a change committed by another
	 * process between the two reads is no change made outside Fortress */
	if ((r = store_read_begin(v->st)) < 0)
		return r;
	if ((r = store_meta_get(v->st, "map", &json, &len)) == 0 && v->kr)
		r = store_meta_get(v->st, "map_mac", &mac, &maclen);
	store_read_end(v->st);
	if (r < 0 && !json)
		goto out;
	if (v->kr) {
		if (r < 0) {
			if (r == FORT_ENOTFOUND)
				r = fort_error_set(FORT_ETAMPER, "the data map's MAC is missing: the vault was altered outside Fortress; restore it from a backup");
			goto out;
		}
		map_mac(want, v->kr, json, len);
		if (maclen != 32 || sodium_memcmp(want, mac, 32) != 0) {
			r = fort_error_set(FORT_ETAMPER, "the data map was changed outside Fortress (its MAC does not verify): restore the vault from a backup");
			goto out;
		}
	}
	if ((r = map_parse(&m, (const char *)json, len)) < 0) {
		/* out of memory is not damage (the allocation-failure loop over
		 * fort_vault_open once read it as such) */
		if (r == FORT_ENOMEM)
			goto out;
		fort_error_prefix("the stored data map is damaged");
		r = FORT_ECORRUPT;
		goto out;
	}
	map_release(&v->map);
	v->map = m;
	snprintf(v->country, sizeof v->country, "%s", m.default_country);
	r = map_derive_keys(v);
out:
	free(json);
	free(mac);
	return r;
}

/* Fields that hold data keep their name, type and category. */
static int check_compatible(fort_vault *v, const fort_map *nm)
{
	uint64_t clients = 0;
	int r;
	if ((r = store_client_count(v->st, &clients)) < 0)
		return r;
	if (clients == 0)
		return 0;
	for (size_t i = 0; i < v->map.n; i++) {
		const map_field *o = &v->map.f[i];
		int k = map_index(nm, o->name);
		if (k < 0)
			return fort_error_set(FORT_EINPUT, "map: field '%s' cannot be removed: clients may hold data in it", o->name);
		if (nm->f[k].t != o->t || nm->f[k].cat != o->cat)
			return fort_error_set(FORT_EINPUT, "map: field '%s' cannot change type or category: clients may hold data in it", o->name);
		if (nm->f[k].searchable != o->searchable)
			return fort_error_set(FORT_EINPUT, "map: field '%s' cannot change 'searchable' while clients hold data in it", o->name);
	}
	return 0;
}

/* The Art. 6(1) basis a field's free-text legal basis names ("contract
 * (GDPR Art. 6(1)(b))" -> "contract"), or NULL when it names none. */
static const char *field_basis_id(const char *text)
{
	static const char *const ids[] = { "consent", "contract", "legal_obligation", "vital_interests", "public_task",
					   "legitimate_interests" };
	static const char *const words[][2] = { { "legitimate interest", "legitimate_interests" },
						{ "legal obligation", "legal_obligation" },
						{ "vital interest", "vital_interests" },
						{ "public task", "public_task" },
						{ "public interest", "public_task" },
						{ "contract", "contract" },
						{ "consent", "consent" } };
	const char *p = text ? strstr(text, "6(1)(") : NULL;
	char low[512];
	size_t n;
	if (p && p[5] >= 'a' && p[5] <= 'f' && p[6] == ')')
		return ids[p[5] - 'a'];
	/* an Art. 9(2) condition alone is no Art. 6(1) basis: not compared */
	if (!text || strstr(text, "9(2)"))
		return NULL;
	n = strlen(text) < sizeof low - 1 ? strlen(text) : sizeof low - 1;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)text[i]);
	low[n] = '\0';
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strstr(low, words[i][0]))
			return words[i][1];
	return NULL;
}

/* A field's stated legal basis must be the basis of one of its purposes:
 * the notice states the purposes' bases, so a field resting on another
 * basis (date of birth on legitimate interests for a purpose that rests on
 * a legal obligation) would be two contradicting statements. */
/* Whether field F of map M states what it stated in OLD (same basis, same
 * purposes resting on the same bases): a contradiction already stored (a
 * vault made with the old default map) does not block unrelated changes;
 * it is refused once the field or its purposes are touched. */
static int unchanged(const fort_map *m, const map_field *f, const fort_map *old)
{
	int k = old ? map_index(old, f->name) : -1;
	const map_field *o;
	if (k < 0)
		return 0;
	o = &old->f[k];
	if (strcmp(o->legal_basis ? o->legal_basis : "", f->legal_basis ? f->legal_basis : "") || o->npurposes != f->npurposes)
		return 0;
	for (size_t j = 0; j < f->npurposes; j++) {
		const map_purpose *a = map_purpose_find(m, f->purposes[j]), *b = map_purpose_find(old, o->purposes[j]);
		if (strcmp(f->purposes[j], o->purposes[j]) || !a != !b || (a && strcmp(a->legal_basis, b->legal_basis)))
			return 0;
	}
	return 1;
}

static int check_bases(const fort_map *m, const fort_map *old)
{
	for (size_t i = 0; i < m->n; i++) {
		const map_field *f = &m->f[i];
		const char *id = field_basis_id(f->legal_basis);
		int match = 0;
		if (!id || !f->npurposes || unchanged(m, f, old))
			continue;
		for (size_t k = 0; k < f->npurposes && !match; k++) {
			const map_purpose *p = map_purpose_find(m, f->purposes[k]);
			match = !p || !p->legal_basis[0] || strcmp(p->legal_basis, id) == 0;
		}
		if (!match) {
			const map_purpose *p = map_purpose_find(m, f->purposes[0]);
			return fort_error_set(FORT_EINPUT, "map: field '%s' rests on %s but none of its purposes does (%s rests on %s): "
					      "give the field the basis of its purpose ('fortress map field edit %s --legal-basis ...') "
					      "or a purpose that rests on %s", f->name, id, f->purposes[0], p ? p->legal_basis : "?",
					      f->name, id);
		}
	}
	return 0;
}

struct map_in { const char *json; size_t len; fort_map nm; char *canon, topbuf[16]; unsigned char mac[32]; };

/* The new map parsed, given its field ids, checked and MACed. */
static int store_check(fort_vault *v, void *ctx)
{
	struct map_in *x = ctx;
	fort_map *m = &x->nm;
	int r;
	if (!v->kr->has_vk)
		return fort_error_set(FORT_EDENIED, "changing the data map needs the vault key");
	if ((r = map_parse(m, x->json, x->len)) < 0)
		return r;
	{
		/* A field keeps its id for life (records name fields by id);
		 * new fields get ids never used before. */
		int top = 0;
		for (size_t i = 0; i < v->map.n; i++)
			if (v->map.f[i].id > top)
				top = v->map.f[i].id;
		{
			int64_t used = 0;
			unsigned char *val = NULL;
			size_t vl = 0;
			if (store_meta_get(v->st, "map_top_id", &val, &vl) == 0 && vl < 16) {
				char tmp[16];
				memcpy(tmp, val, vl);
				tmp[vl] = '\0';
				used = strtoll(tmp, NULL, 10);
			}
			free(val);
			if (used > top)
				top = (int)used;
		}
		for (size_t i = 0; i < m->n; i++) {
			int k = map_index(&v->map, m->f[i].name);
			m->f[i].id = k >= 0 ? v->map.f[k].id : 0;
		}
		for (size_t i = 0; i < m->n; i++)
			if (!m->f[i].id) {
				if (top >= 250)
					return fort_error_set(FORT_EINPUT, "map: no field ids left (at most 250)");
				m->f[i].id = ++top;
			}
		snprintf(x->topbuf, sizeof x->topbuf, "%d", top);
	}
	if ((r = check_compatible(v, m)) < 0 || (r = check_bases(m, &v->map)) < 0 || (r = map_to_json(&x->canon, m)) < 0)
		return r;
	map_mac(x->mac, v->kr, x->canon, strlen(x->canon));
	return 0;
}

static int store_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct map_in *x = ctx;
	int r;
	if ((r = store_meta_put(v->st, "map", x->canon, strlen(x->canon))) < 0 ||
	    (r = store_meta_put(v->st, "map_mac", x->mac, 32)) < 0 ||
	    (r = store_meta_put(v->st, "map_top_id", x->topbuf, strlen(x->topbuf))) < 0)
		return r;
	snprintf(detail, cap, "data map changed");
	return 0;
}

int map_store(fort_vault *v, const char *json, size_t len)
{
	static const vault_op op = { "map-change", ACT_MAP, store_check, store_write, "map", NULL, NULL, NULL };
	struct map_in x;
	int r;
	memset(&x, 0, sizeof x);
	x.json = json;
	x.len = len;
	if ((r = vault_op_run(v, &op, NULL, &x)) < 0)
		goto out;
	map_release(&v->map);
	v->map = x.nm;
	memset(&x.nm, 0, sizeof x.nm);
	snprintf(v->country, sizeof v->country, "%s", v->map.default_country);
	r = map_derive_keys(v);
out:
	map_release(&x.nm);
	free(x.canon);
	return r;
}

/* ------------------------------------------------------------ public API */

size_t fort_map_count(const fort_vault *v) { return v->map.n; }

const fort_field_info *fort_map_field(const fort_vault *v, size_t i)
{
	return i < v->map.n ? &v->map.info[i] : NULL;
}

const fort_field_info *fort_map_find(const fort_vault *v, const char *name)
{
	int i = map_index(&v->map, name);
	return i < 0 ? NULL : &v->map.info[i];
}

int fort_map_export(char **json_out, fort_vault *v)
{
	return map_to_json(json_out, &v->map);
}

int fort_map_import(fort_vault *v, const char *json, size_t len)
{
	return map_store(v, json, len);
}

static int spec_apply(json_t *o, const fort_field_spec *s)
{
	if (s->label) json_object_set_new(o, "label", json_string(s->label));
	if (s->type) json_object_set_new(o, "type", json_string(s->type));
	if (s->category) json_object_set_new(o, "category", json_string(s->category));
	if (s->legal_basis) json_object_set_new(o, "legal_basis", json_string(s->legal_basis));
	if (s->retention) json_object_set_new(o, "retention", json_string(s->retention));
	if (s->note) json_object_set_new(o, "note", json_string(s->note));
	if (s->searchable >= 0) json_object_set_new(o, "searchable", json_boolean(s->searchable));
	if (s->max_length) json_object_set_new(o, "max_length", json_integer((json_int_t)s->max_length));
	if (s->npurposes) {
		json_t *p = json_array();
		for (size_t i = 0; i < s->npurposes; i++)
			json_array_append_new(p, json_string(s->purposes[i] ? s->purposes[i] : ""));
		json_object_set_new(o, "purposes", p);
	}
	return 0;
}

/* Store the edited map ROOT (validated whole by map_store). */
static int store_json(fort_vault *v, json_t *root)
{
	char *next = json_dumps(root, JSON_PRESERVE_ORDER);
	int r;
	if (!next)
		return fort_error_set(FORT_ENOMEM, "out of memory");
	r = map_store(v, next, strlen(next));
	free(next);
	return r;
}

int map_set_controller(fort_vault *v, const char *controller_json)
{
	char *cur = NULL;
	json_t *root, *c;
	int r;
	if ((r = map_to_json(&cur, &v->map)) < 0)
		return r;
	root = json_loads(cur, 0, NULL);
	free(cur);
	if (!root || !(c = json_loads(controller_json, 0, NULL))) {
		json_decref(root);
		return fort_error_set(FORT_ENOMEM, "out of memory");
	}
	json_object_set_new(root, "controller", c);
	r = store_json(v, root);
	json_decref(root);
	return r;
}

static int field_change(fort_vault *v, const fort_field_spec *s, int add)
{
	char *cur = NULL;
	json_t *root = NULL, *fields, *o = NULL;
	int r, idx;
	if (s && (r = FORT_CHECK_VERSION(s->version, FORT_FIELD_SPEC, fort_field_spec)) < 0)
		return r;
	if (!s || !s->name)
		return fort_error_set(FORT_EINPUT, "a field name is required");
	idx = map_index(&v->map, s->name);
	if (add && idx >= 0)
		return fort_error_set(FORT_EEXISTS, "field '%s' already exists: use 'map field edit'", s->name);
	if (!add && idx < 0)
		return fort_error_set(FORT_ENOTFOUND, "no field '%s' in the data map ('fortress map show' lists them)", s->name);
	if (add && (!s->type || !s->category))
		return fort_error_set(FORT_EINPUT, "a new field needs --type and --category");
	if (add && !s->npurposes)
		return fort_error_set(FORT_EINPUT, "a new field needs at least one --purpose");
	if ((r = map_to_json(&cur, &v->map)) < 0)
		return r;
	root = json_loads(cur, 0, NULL);
	fields = json_object_get(root, "fields");
	if (add) {
		o = json_object();
		json_object_set_new(o, "name", json_string(s->name));
		json_array_append_new(fields, o);
	} else {
		o = json_array_get(fields, (size_t)idx);
	}
	spec_apply(o, s);
	r = store_json(v, root);
	free(cur);
	json_decref(root);
	return r;
}

size_t fort_map_activity_count(const fort_vault *v) { return v->map.np; }

const fort_activity_info *fort_map_activity(const fort_vault *v, size_t i)
{
	return i < v->map.np ? &v->map.p[i].info : NULL;
}

size_t fort_map_recipient_count(const fort_vault *v) { return v->map.nrc; }

const fort_recipient_info *fort_map_recipient(const fort_vault *v, size_t i)
{
	return i < v->map.nrc ? &v->map.rc[i].info : NULL;
}

/* Edit the map as JSON: OBJ (created when missing) of the top-level
 * object KEY, entry NAME; FILL sets its members. */
static int map_edit(fort_vault *v, const char *key, const char *name, int add, int (*fill)(json_t *o, const void *ctx),
		    const void *ctx, const char *what)
{
	char *cur = NULL;
	json_t *root = NULL, *obj, *o;
	int r;
	if ((r = map_to_json(&cur, &v->map)) < 0)
		return r;
	root = json_loads(cur, JSON_PRESERVE_ORDER, NULL);
	if (!root) {
		free(cur);
		return fort_error_set(FORT_ENOMEM, "out of memory");
	}
	if (!(obj = json_object_get(root, key))) {
		obj = json_object();
		json_object_set_new(root, key, obj);
	}
	o = json_object_get(obj, name);
	if (add && o) {
		r = fort_error_set(FORT_EEXISTS, "%s '%s' already exists: use 'edit'", what, name);
		goto out;
	}
	if (!add && !o) {
		r = fort_error_set(FORT_ENOTFOUND, "no %s '%s' in the data map ('fortress map %s list')", what, name,
				   strcmp(what, "activity") == 0 ? "activity" : "recipient");
		goto out;
	}
	if (o && json_is_string(o)) {
		/* an older map's "purpose": "description": make it an object */
		json_t *n = json_object();
		json_object_set(n, "description", o);
		json_object_set_new(obj, name, n);
		o = n;
	}
	if (!o) {
		o = json_object();
		json_object_set_new(obj, name, o);
	}
	if ((r = fill(o, ctx)) < 0)
		goto out;
	r = store_json(v, root);
out:
	free(cur);
	json_decref(root);
	return r;
}

static int activity_fill(json_t *o, const void *ctx)
{
	const fort_activity_spec *s = ctx;
	if (s->description) json_object_set_new(o, "description", json_string(s->description));
	if (s->legal_basis) json_object_set_new(o, "legal_basis", json_string(s->legal_basis));
	if (s->special_basis) json_object_set_new(o, "special_basis", json_string(s->special_basis));
	if (s->retention) json_object_set_new(o, "retention", json_string(s->retention));
	if (s->provision && !s->provision[0])
		json_object_del(o, "provision");
	else if (s->provision)
		json_object_set_new(o, "provision", json_string(s->provision));
	if (s->nrecipients) {
		json_t *a = json_array();
		for (size_t i = 0; i < s->nrecipients; i++)
			if (s->recipients[i] && strcmp(s->recipients[i], "-") != 0)
				json_array_append_new(a, json_string(s->recipients[i]));
		json_object_set_new(o, "recipients", a);
	}
	return 0;
}

int fort_map_activity_set(fort_vault *v, const fort_activity_spec *spec, int add)
{
	fort_activity_spec v2 = FORT_ACTIVITY_SPEC_INIT;
	const fort_activity_spec *s = &v2;
	if (!spec || (spec->version != 1 && spec->version != FORT_ACTIVITY_SPEC_VERSION))
		return FORT_CHECK_VERSION(spec ? spec->version : 0, FORT_ACTIVITY_SPEC, fort_activity_spec);
	if (spec->version == 1)   /* no provision member */
		memcpy(&v2, spec, offsetof(fort_activity_spec, provision));
	else
		s = spec;
	if (!s->purpose || !valid_ident(s->purpose, 40))
		return fort_error_set(FORT_EINPUT, "a purpose name is lower-case letters, digits and '_'");
	if (add && (!s->description || !s->legal_basis))
		return fort_error_set(FORT_EINPUT, "a new activity needs --description and --legal-basis");
	return map_edit(v, "purposes", s->purpose, add, activity_fill, s, "activity");
}

struct recipient_spec {
	const char *kind, *country, *safeguard, *note;
};

static int recipient_fill(json_t *o, const void *ctx)
{
	const struct recipient_spec *s = ctx;
	if (s->kind) json_object_set_new(o, "kind", json_string(s->kind));
	if (s->country) json_object_set_new(o, "country", json_string(s->country));
	if (s->safeguard) json_object_set_new(o, "safeguard", json_string(s->safeguard));
	if (s->note) json_object_set_new(o, "note", json_string(s->note));
	return 0;
}

int fort_map_recipient_set(fort_vault *v, const char *name, const char *kind, const char *country, const char *safeguard,
			   const char *note, int add)
{
	struct recipient_spec s = { kind, country, safeguard, note };
	if (!name || !valid_ident(name, 40))
		return fort_error_set(FORT_EINPUT, "a recipient name is lower-case letters, digits and '_'");
	if (add && (!kind || !country))
		return fort_error_set(FORT_EINPUT, "a new recipient needs --kind and --country");
	return map_edit(v, "recipients", name, add, recipient_fill, &s, "recipient");
}

int fort_map_field_add(fort_vault *v, const fort_field_spec *spec) { return field_change(v, spec, 1); }
int fort_map_field_edit(fort_vault *v, const fort_field_spec *spec) { return field_change(v, spec, 0); }

/* A field's value as stored: its type's form, and for the fields the
 * jurisdiction rules read (country, state) the ISO 3166 code, so that a
 * client in "United States" / "California" is US / US-CA and an unknown
 * place is refused here rather than misfiled by impact analysis later. */
int field_normalise(char **out, const map_field *f, const char *in, size_t len, const char *default_country, char *why,
		    size_t whylen)
{
	char code[8];
	int r;
	if ((r = type_normalise(out, f->t, in, len, f->max_length, default_country, why, whylen)) < 0 || !**out)
		return r;
	if (strcmp(f->name, "country") == 0)
		r = place_country(code, *out);
	else if (strcmp(f->name, "state") == 0)
		r = place_subdivision(code, NULL, *out);
	else
		return 0;
	if (r < 0) {
		snprintf(why, whylen, "%s", fort_error_message());
		sodium_memzero(*out, strlen(*out));
		free(*out);
		*out = NULL;
		return r;
	}
	sodium_memzero(*out, strlen(*out));
	free(*out);
	return (*out = fort_strdup(code)) ? 0 : FORT_ENOMEM;
}

int field_normalise_buf(fort_buf *b, const map_field *f, const char *in, size_t len, const char *default_country,
			unsigned flags, char *why, size_t whylen)
{
	char code[8];
	int r;
	if ((r = type_normalise_buf(b, f->t, in, len, f->max_length, default_country, flags, why, whylen)) < 0) {
		fort_buf_reset(b);
		return r;
	}
	if (!b->len)
		return 0;
	/* the first letter before the whole name: this runs for every value
	 * an import reads */
	if (f->name[0] == 'c' && strcmp(f->name, "country") == 0)
		r = place_country(code, b->buf);
	else if (f->name[0] == 's' && strcmp(f->name, "state") == 0)
		r = place_subdivision(code, NULL, b->buf);
	else
		return 0;
	fort_buf_reset(b);
	if (r < 0) {
		snprintf(why, whylen, "%s", fort_error_message());
		return r;
	}
	return fort_buf_puts(b, code);
}
