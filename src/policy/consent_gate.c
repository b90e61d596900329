/* consent_gate.c - the purpose gate every reveal and export passes (GDPR
 * Art. 7, 18, 21), read from the consent ledger (rights/consent.c writes
 * it): a purpose whose legal basis is consent (Art. 6(1)(a), 9(2)(a)) needs
 * the client's active consent; a purpose the client objected to is refused
 * (for marketing that is absolute, Art. 21(3)); while processing is
 * restricted (Art. 18) only legal claims may use the data. */
#include <stdlib.h>
#include <string.h>
#include "policy/policy.h"

/* ------------------------------------------------------- state and gate */

static fort_consent_state *state_for(consent_state_ctx *x, const char *purpose)
{
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->s[i].purpose, purpose) == 0)
			return &x->s[i];
	if (FORT_ARRAY_GROW(x->s, x->n + 1, x->cap, 8) < 0)
		return NULL;
	memset(&x->s[x->n], 0, sizeof x->s[0]);
	snprintf(x->s[x->n].purpose, sizeof x->s[0].purpose, "%s", purpose);
	return &x->s[x->n++];
}

static int state_cb(void *ctx, const store_consent_row *c)
{
	consent_state_ctx *x = ctx;
	fort_consent_state *s;
	if (strcmp(c->action, "restrict") == 0 || strcmp(c->action, "lift") == 0) {
		x->restricted = c->action[0] == 'r';
		x->restricted_since = c->ts;
		return 0;
	}
	if (!(s = state_for(x, c->purpose)))
		return FORT_ENOMEM;
	/* an objection stands until the client consents again */
	if (strcmp(c->action, "grant") == 0) {
		s->consented = 1;
		s->objected = 0;
	} else if (strcmp(c->action, "withdraw") == 0) {
		s->consented = 0;
	} else {
		s->consented = 0;
		s->objected = 1;
	}
	s->since = c->ts;
	snprintf(s->notice, sizeof s->notice, "%s", c->notice);
	return 0;
}

int consent_client_state(consent_state_ctx *x, fort_vault *v, int64_t cid)
{
	memset(x, 0, sizeof *x);
	return store_consent_each(v->st, cid, state_cb, x);
}

int consent_gate(fort_vault *v, int64_t cid, const char *purpose, char *why, size_t cap)
{
	consent_state_ctx x;
	const fort_consent_state *s = NULL;
	int needs = map_purpose_consent(&v->map, purpose), r;
	if ((r = consent_client_state(&x, v, cid)) < 0) {
		free(x.s);
		return r;
	}
	for (size_t i = 0; i < x.n; i++)
		if (strcmp(x.s[i].purpose, purpose) == 0)
			s = &x.s[i];
	r = 1;
	if (x.restricted && strcmp(purpose, "legal_claims") != 0) {
		snprintf(why, cap, "processing of this client's data is restricted (GDPR Art. 18): only 'legal_claims' may use it "
			 "until the restriction is lifted");
		r = 0;
	} else if (s && s->objected) {
		snprintf(why, cap, "the client objected to purpose '%s' (GDPR Art. 21)%s", purpose,
			 strcmp(purpose, "marketing") == 0 ? ": an objection to marketing is absolute" : "");
		r = 0;
	} else if (needs && !(s && s->consented)) {
		snprintf(why, cap, "purpose '%s' rests on consent and this client has %s", purpose,
			 s ? "withdrawn it" : "not given it ('fortress consent grant')");
		r = 0;
	}
	free(x.s);
	return r;
}

/* ------------------------------------------------------ for a whole export */

struct set_ctx {
	fort_vault *v;
	const char *purpose;
	consent_set *set;
	size_t cap;
};

struct set_entry_state {
	int consented, objected, restricted;
};

static int set_cb(void *ctx, const store_consent_row *c)
{
	struct set_ctx *x = ctx;
	consent_set *s = x->set;
	size_t i;
	for (i = 0; i < s->n && s->ids[i] != c->client; i++)
		;
	if (i == s->n) {
		if (s->n == x->cap) {
			size_t nc = x->cap ? x->cap * 2 : 64;
			int64_t *ni = fort_realloc(s->ids, nc * sizeof *ni);
			unsigned char *nf;
			if (!ni)
				return FORT_ENOMEM;
			s->ids = ni;
			if (!(nf = fort_realloc(s->flags, nc * 4)))
				return FORT_ENOMEM;
			s->flags = nf;
			x->cap = nc;
		}
		s->ids[i] = c->client;
		memset(s->flags + 4 * i, 0, 4);
		s->n++;
	}
	{
		unsigned char *f = s->flags + 4 * i; /* consented, objected, restricted */
		if (strcmp(c->action, "restrict") == 0 || strcmp(c->action, "lift") == 0) {
			f[2] = c->action[0] == 'r';
		} else if (strcmp(c->purpose, x->purpose) == 0) {
			if (strcmp(c->action, "grant") == 0) {
				f[0] = 1;
				f[1] = 0;
			} else if (strcmp(c->action, "withdraw") == 0) {
				f[0] = 0;
			} else {
				f[0] = 0;
				f[1] = 1;
			}
		}
	}
	return 0;
}

int consent_set_build(consent_set *set, fort_vault *v, const char *purpose)
{
	struct set_ctx x = { v, purpose, set, 0 };
	memset(set, 0, sizeof *set);
	set->needs_consent = map_purpose_consent(&v->map, purpose);
	set->legal_claims = strcmp(purpose, "legal_claims") == 0;
	return store_consent_each(v->st, 0, set_cb, &x);
}

int consent_set_allows(const consent_set *set, int64_t cid)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->ids[i] == cid) {
			const unsigned char *f = set->flags + 4 * i;
			if (f[2] && !set->legal_claims)
				return 0;
			if (f[1])
				return 0;
			return set->needs_consent ? f[0] : 1;
		}
	return !set->needs_consent;
}

void consent_set_release(consent_set *set)
{
	free(set->ids);
	free(set->flags);
	memset(set, 0, sizeof *set);
}
