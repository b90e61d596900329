/* holds.c - the legal-hold gate (read-time policy, policy/policy.h): a
 * field an erasure left under a hold (rights/erasure.c) is revealed only
 * for the obligation the hold serves. */
#include <stdio.h>
#include <string.h>
#include "policy/policy.h"

/* Art. 17(3)(b): a field kept under a legal hold after an erasure is kept
 * only to comply with that obligation: it may be revealed for a purpose of
 * the field that rests on a legal obligation (the obligation the hold
 * serves, e.g. tax) or for legal claims, and for nothing else. */
int policy_hold_gate(fort_vault *v, int64_t cid, const map_field *f, const char *purpose, char *why, size_t whylen)
{
	char reason[256] = "", allowed[200] = "";
	int r;
	if ((r = store_hold_reason(v->st, cid, f->name, reason, sizeof reason)) < 0)
		return r;
	if (!reason[0])
		return 1;
	/* a hold narrows what the field serves, never widens it: legal claims
	 * only where the map lets the field serve them (the caller checked) */
	if (purpose && strcmp(purpose, "legal_claims") == 0 && map_allows(f, purpose))
		return 1;
	if (map_allows(f, "legal_claims"))
		snprintf(allowed, sizeof allowed, "legal_claims");
	for (size_t k = 0; k < f->npurposes; k++) {
		const map_purpose *p = map_purpose_find(&v->map, f->purposes[k]);
		if (!p || strcmp(p->legal_basis, "legal_obligation") != 0)
			continue;
		if (purpose && strcmp(purpose, p->name) == 0)
			return 1;
		snprintf(allowed + strlen(allowed), sizeof allowed - strlen(allowed), "%s%s", allowed[0] ? ", " : "", p->name);
	}
	snprintf(why, whylen, "field '%s' of this client was erased except for a legal hold (%.120s): it is kept only for that "
		 "obligation and may be revealed only for: %s (GDPR Art. 17(3)(b))", f->name, reason,
		 allowed[0] ? allowed : "nothing (no purpose of the field rests on a legal obligation)");
	return 0;
}
