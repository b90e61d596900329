/* incident_int.h - what the breach register's files share (src/incident/):
 * the vault-level key that seals incident text and small helpers.  The
 * record of which clients went into which export or backup file is the
 * audit trail's (audit/exports.h). */
#ifndef FORT_INCIDENT_INT_H
#define FORT_INCIDENT_INT_H

#include "vault/vault_int.h"
#include "audit/exports.h"

/* Incident text (facts, timeline, reasons...) may name clients, so it is
 * sealed in the vault box (src/vault/vault_box.h: every user who unlocks
 * the vault can read the register; a vault-key rotation re-wraps one key),
 * labelled "incident:ID:KIND".  incident_open: FORT_ETAMPER naming the
 * incident when a text was altered. */
int incident_seal(unsigned char **out, size_t *outlen, fort_vault *v, int64_t incident, const char *kind, const char *text) FORT_WUR;
int incident_open(char **out, fort_vault *v, int64_t incident, const char *kind, const void *ct, size_t len) FORT_WUR;

/* "2026-03-27T16:00:00Z" (or with an offset, or a date alone = 00:00 UTC)
 * into unix seconds; FORT_EINPUT naming WHAT. */
int incident_time_parse(int64_t *out, const char *s, const char *what) FORT_WUR;
/* The incident's row exists and is open (FORT_ENOTFOUND / FORT_EINPUT). */
int incident_need(fort_vault *v, int64_t id, int need_open) FORT_WUR;

/* register.c */
int incident_info(fort_incident_info *out, fort_vault *v, int64_t id) FORT_WUR;
/* Notes of KIND (NULL: all), timeline first by time, then by time written. */
int incident_notes_of(fort_incident_note **out, size_t *n, fort_vault *v, int64_t id, const char *kind) FORT_WUR;
/* The writes of one note (a vault_op's write step): the incident exists
 * (and is open if NEED_OPEN), TEXT sealed as a note of KIND, DETAIL set. */
int incident_note_step(fort_vault *v, int64_t id, const char *kind, const char *text, int64_t at, int need_open, char *detail,
		       size_t cap) FORT_WUR;
/* Seal TEXT as a note of KIND, with its entry (ACTION): a step of the
 * caller's operation in its own transaction (vault_op_step), or _nested
 * inside the caller's open one (vault_op_nested).  The caller checked the
 * role. */
int incident_note_write(fort_vault *v, int64_t id, const char *kind, const char *text, int64_t at, const char *action,
			int need_open) FORT_WUR;
int incident_note_nested(fort_vault *v, int64_t id, const char *kind, const char *text, int64_t at, const char *action,
			 int need_open) FORT_WUR;
/* impact.c */
void incident_jurisdiction(char out[16], const char *country, const char *state);
/* AUDIT: record the decryption of the clients' places first (when the map has them). */
int incident_impact_compute(fort_impact **out, fort_vault *v, int64_t id, int audit) FORT_WUR;
/* clocks.c: WITH_IMPACT adds the clients' jurisdictions (US states, HIPAA counts). */
int incident_clocks(fort_incident_clock **out, size_t *n, fort_vault *v, int64_t id, int64_t now, int with_impact) FORT_WUR;

#endif
