/* policy.h - the read-time policy the vault consults (src/policy/): the
 * purposes a field may be used for, the consent gate (consent, objection,
 * restriction: GDPR Art. 6, 7, 18, 21), the legal-hold gate (Art. 17(3)(b))
 * and the retention-rule parser.  Below the vault (docs/conventions.md,
 * "Layers"): it reads the handle and the store, calls nothing in src/vault.
 * Who may act (roles, vault_need) is vault/policy.c. */
#ifndef FORT_POLICY_H
#define FORT_POLICY_H

#include "vault/handle.h"

/* purposes.c: the purposes of the map. */
int map_allows(const map_field *f, const char *purpose);
int map_check_purpose(const fort_map *m, const char *purpose); /* 0, or FORT_ENOTFOUND "unknown purpose" */
const map_purpose *map_purpose_find(const fort_map *m, const char *name); /* NULL if undeclared */
/* Does PURPOSE rest on the client's consent (Art. 6(1)(a) or 9(2)(a))? */
int map_purpose_consent(const fort_map *m, const char *purpose);

/* consent_gate.c: may CID's data be used for PURPOSE?  1 yes, 0 no (WHY
 * says why), <0 error. */
int consent_gate(fort_vault *v, int64_t cid, const char *purpose, char *why, size_t cap);
/* The same for every client at once (an export): built from the ledger. */
typedef struct {
	int64_t *ids;
	unsigned char *flags;   /* 4 per id */
	size_t n;
	int needs_consent, legal_claims;
} consent_set;
int consent_set_build(consent_set *set, fort_vault *v, const char *purpose) FORT_WUR;
int consent_set_allows(const consent_set *set, int64_t cid);
void consent_set_release(consent_set *set);
/* The consent ledger's state of client CID (fort_consent_status): each
 * purpose's consent or objection, and whether processing is restricted. */
typedef struct {
	fort_consent_state *s;
	size_t n, cap;
	int restricted;
	int64_t restricted_since;
} consent_state_ctx;
int consent_client_state(consent_state_ctx *x, fort_vault *v, int64_t cid);

/* holds.c: may field F of client CID, kept under a legal hold after an
 * erasure, be revealed for PURPOSE?  1 yes, 0 no (WHY says why), <0 error. */
int policy_hold_gate(fort_vault *v, int64_t cid, const map_field *f, const char *purpose, char *why, size_t whylen);

/* retention_rule.c */
/* Parse a purpose's "retention_rule" (J may be NULL: none). */
int retention_rule_parse(map_retention *out, const void *j, const char *purpose) FORT_WUR;
/* A valid "after" (trigger) of a rule: created, updated, consent_withdrawn, field:NAME. */
int retention_after_valid(const char *a);

#endif
