/* business.c - the controller: its contact details (what the notice, the
 * records, the access and breach letters state) and where it is
 * established, which decides its competent supervisory authority.  Every
 * document asks rights_competent_authority; nothing else picks one.
 *
 * Kept as the data map's "controller" object, so the map's MAC covers it. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "vault/vault_int.h"
#include "data/tables.h"
#include "data/places.h"
#include "rights/rights.h"

static const char *const keys[] = { "address", "email", "phone", "dpo", "representative", "country", "state",
				    "lead_authority", "language" };

static void copy(char *dst, size_t cap, json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	snprintf(dst, cap, "%s", s ? s : "");
}

/* The stored details (no authority yet). */
static void load(fort_business_info *out, fort_vault *v)
{
	json_t *c = v->map.controller_json ? json_loads(v->map.controller_json, 0, NULL) : NULL;
	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s", v->business);
	copy(out->address, sizeof out->address, c, "address");
	copy(out->email, sizeof out->email, c, "email");
	copy(out->phone, sizeof out->phone, c, "phone");
	copy(out->dpo, sizeof out->dpo, c, "dpo");
	copy(out->representative, sizeof out->representative, c, "representative");
	copy(out->country, sizeof out->country, c, "country");
	copy(out->state, sizeof out->state, c, "state");
	copy(out->lead_authority, sizeof out->lead_authority, c, "lead_authority");
	copy(out->language, sizeof out->language, c, "language");
	if (!out->country[0])
		snprintf(out->country, sizeof out->country, "%s", v->country);
	json_decref(c);
}

static int authority_known(const char *code)
{
	rights_authority a;
	rights_authority_find(&a, code);
	return a.name != NULL;
}

/* The one decision (Art. 55-56 GDPR; BDSG 40(1) for Germany). */
static void decide(fort_business_info *b)
{
	rights_authority a;
	const char *code = NULL;
	b->authority_code[0] = b->authority[0] = b->authority_problem[0] = '\0';
	if (b->lead_authority[0])
		code = b->lead_authority;
	else if (strcmp(b->country, "DE") == 0) {
		/* private businesses answer to their Land's authority; the
		 * federal BfDI supervises federal bodies, telecoms and post */
		if (!b->state[0]) {
			snprintf(b->authority_problem, sizeof b->authority_problem,
				 "a business in Germany is supervised by the authority of its federal state (BDSG 40): set it with "
				 "'fortress business set --state DE-BY' (DE-BE, DE-NW, ...)");
			return;
		}
		code = b->state;
	} else {
		code = b->country;
	}
	rights_authority_find(&a, code);
	if (!a.name) {
		snprintf(b->authority_problem, sizeof b->authority_problem,
			 "no supervisory authority for '%s' in data/supervisory_authorities.csv%s", code,
			 b->representative[0] ? "" : ": a business outside the EU/EEA that serves clients in the EU names an EU "
						     "representative (Art. 27): 'fortress business set --representative ...'");
		return;
	}
	snprintf(b->authority_code, sizeof b->authority_code, "%s", code);
	snprintf(b->authority, sizeof b->authority, "%s", a.name);
}

int fort_business_get(fort_business_info *out, fort_vault *v)
{
	load(out, v);
	decide(out);
	return 0;
}

void rights_competent_authority(rights_authority *out, fort_business_info *b, fort_vault *v)
{
	load(b, v);
	decide(b);
	memset(out, 0, sizeof *out);
	out->website = out->email = out->phone = out->postal_address = "";
	if (b->authority_code[0])
		rights_authority_find(out, b->authority_code);
}

static int text_ok(const char *s, size_t max)
{
	if (strlen(s) > max)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int email_ok(const char *s)
{
	const char *at = strchr(s, '@'), *dot;
	if (!at || at == s || strchr(at + 1, '@') || strlen(s) > 254)
		return 0;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || strchr("<>(),;:\"[]\\", *p))
			return 0;
	dot = strrchr(at + 1, '.');
	return dot && dot > at + 1 && dot[1];
}

static int phone_ok(const char *s)
{
	int digits = 0;
	if (strlen(s) > 40)
		return 0;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (!strchr("+ ()-./", *s))
			return 0;
	}
	return digits >= 5;
}

int fort_business_set(fort_vault *v, const fort_business_spec *s)
{
	fort_business_info b;
	json_t *c;
	char *json;
	const char *vals[9];
	int r;
	if (!s || s->version != FORT_BUSINESS_SPEC_VERSION)
		return FORT_CHECK_VERSION(s ? s->version : 0, FORT_BUSINESS_SPEC, fort_business_spec);
	if ((r = vault_need(v, ACT_MAP, "business-set", NULL)) < 0)
		return r;
	load(&b, v);
	vals[0] = s->address, vals[1] = s->email, vals[2] = s->phone, vals[3] = s->dpo, vals[4] = s->representative;
	vals[5] = s->country, vals[6] = s->state, vals[7] = s->lead_authority;
	if (s->language && *s->language && !fort_language_supported(s->language))
		return fort_error_set(FORT_EINPUT, "--language: '%.16s' is not a language Fortress writes letters in: en, de, fr, "
				      "es, it or nl (\"\" for English)", s->language);
	if (s->address && !text_ok(s->address, 500))
		return fort_error_set(FORT_EINPUT, "--address: at most 500 characters, on one line");
	if (s->email && *s->email && !email_ok(s->email))
		return fort_error_set(FORT_EINPUT, "--email: '%.80s' is not an e-mail address (name@example.com)", s->email);
	if (s->phone && *s->phone && !phone_ok(s->phone))
		return fort_error_set(FORT_EINPUT, "--phone: not a phone number (digits, spaces, + ( ) - . /; at least 5 digits)");
	if (s->dpo && !text_ok(s->dpo, 500))
		return fort_error_set(FORT_EINPUT, "--dpo: at most 500 characters, on one line (name, e-mail, phone)");
	if (s->representative && !text_ok(s->representative, 500))
		return fort_error_set(FORT_EINPUT, "--representative: at most 500 characters, on one line (name, address, e-mail)");
	if (s->country && *s->country) {
		if ((r = place_country(b.country, s->country)) < 0)
			return fort_error_set(r, "--country: %s", fort_error_message());
		if (!s->state && b.state[0] && strncmp(b.state, b.country, 2) != 0)
			b.state[0] = '\0'; /* the old state was in another country */
	} else if (s->country) {
		snprintf(b.country, sizeof b.country, "%s", v->country);
	}
	if (s->state && *s->state) {
		if ((r = place_subdivision(b.state, b.country, s->state)) < 0)
			return fort_error_set(r, "--state: %s", fort_error_message());
	} else if (s->state) {
		b.state[0] = '\0';
	}
	if (s->lead_authority && *s->lead_authority) {
		char up[8];
		size_t n = strlen(s->lead_authority);
		if (n >= sizeof up)
			n = sizeof up - 1;
		for (size_t i = 0; i < n; i++)
			up[i] = (char)toupper((unsigned char)s->lead_authority[i]);
		up[n] = '\0';
		if (!authority_known(up))
			return fort_error_set(FORT_EINPUT, "--lead-authority: no authority '%s' in data/supervisory_authorities.csv "
					      "(codes such as FR, IE, DE-BY)", up);
		snprintf(b.lead_authority, sizeof b.lead_authority, "%s", up);
	} else if (s->lead_authority) {
		b.lead_authority[0] = '\0';
	}
	c = json_object();
	{
		const char *cur[9] = { s->address ? s->address : b.address, s->email ? s->email : b.email,
				       s->phone ? s->phone : b.phone, s->dpo ? s->dpo : b.dpo,
				       s->representative ? s->representative : b.representative, b.country, b.state,
				       b.lead_authority, s->language ? s->language : b.language };
		for (size_t i = 0; i < 9; i++)
			if (cur[i][0])
				json_object_set_new(c, keys[i], json_string(cur[i]));
	}
	(void)vals;
	json = json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(c);
	if (!json)
		return fort_error_set(FORT_ENOMEM, "out of memory");
	r = map_set_controller(v, json);
	free(json);
	return r;
}
