/* shapes.h - the JSON shapes of library results, one copy for every front:
 * `fortress --json` (cli/) and the HTTP API (src/server/) print the same
 * objects.  Over the public API (fortress.h) and jansson only.  Each
 * returns a new reference (NULL only when out of memory). */
#ifndef FORT_FRONT_SHAPES_H
#define FORT_FRONT_SHAPES_H

#include <jansson.h>
#include "fortress.h"
#include "util.h"

/* `status --json`: ST and IS of V; PATH is the vault's path (NULL: omitted,
 * as the server does not tell where its file lives). */
json_t *shape_status(fort_vault *v, const fort_status *st, const fort_incident_summary *is, const char *path);
/* One entry of `client list --json`. */
json_t *shape_client_summary(const fort_client_summary *s);
/* `client get --json`. */
json_t *shape_record(const fort_record *rec);
/* `client find --json`: the ids. */
json_t *shape_ids(char (*ids)[FORT_ID_LEN + 1], size_t n);
/* The server's two hottest answers written straight into B, byte for byte
 * what json_dumps(JSON_COMPACT) makes of shape_record(REC) and of
 * {"ids": shape_ids(IDS, N)}, without building them (bench/README.md):
 * 0, or -1 (B then unusable) when a value is not UTF-8, a field name comes
 * twice, or B failed: make the JSON then. */
int shape_record_text(fort_buf *b, const fort_record *rec);
int shape_find_text(fort_buf *b, char (*ids)[FORT_ID_LEN + 1], size_t n);
/* `audit verify --json`. */
json_t *shape_audit_report(const fort_audit_report *rep);

/* Unix time T as ISO 8601 UTC ("2026-01-31T12:00:00Z") in BUF. */
const char *shape_time(char *buf, size_t len, int64_t t);
/* One `audit log --json` entry. */
json_t *shape_audit_entry(const fort_audit_entry *e);
/* `consent show CLIENT --json`: where CLIENT stands per purpose, and its ledger. */
json_t *shape_consent(const char *client, int restricted, const fort_consent_state *st, size_t ns, const fort_consent_entry *e,
		      size_t ne);
/* `consent grant|withdraw|object|restrict|lift --json`: what was recorded. */
json_t *shape_consent_recorded(const char *client, const char *purpose, const char *action);

/* `user list --json` and `role list --json`: arrays, one object per user or role. */
json_t *shape_users(const fort_user_info *u, size_t n);
/* The tokens for programs (fort_token_list): name, role, purposes, creator,
 * created, expires (null: never), revoked (null: not), state. */
json_t *shape_tokens(const fort_token_info *t, size_t n);
/* A key rotation's report: {keys, clients_reencrypted, resumed}. */
json_t *shape_rotation(const fort_rotate_report *rep);
json_t *shape_roles(const fort_role_info *ri, size_t n);

/* `request show --json` (and each entry of `request list --json`). */
json_t *shape_request(const fort_request_info *r);
/* One entry of `retention due --json`; `retention run --json` of IT[0..N). */
json_t *shape_retention_item(const fort_retention_item *it);
json_t *shape_retention_run(const fort_retention_item *it, size_t n, int dry_run);
/* `map activity list --json` and `map recipient list --json` of V. */
json_t *shape_activities(const fort_vault *v);
json_t *shape_recipients(const fort_vault *v);
/* `client edit|erase --json`: {"id": ID, WHAT: true} ("updated", "erased"). */
json_t *shape_done(const char *id, const char *what);
/* `incident list --json` (one incident), a deadline, `incident show --json`
 * (the incident with "deadlines" and "notes"), `incident impact --json`. */
json_t *shape_incident(const fort_incident_info *in);
json_t *shape_incident_clock(const fort_incident_clock *k);
json_t *shape_incident_full(const fort_incident_info *in, const fort_incident_clock *k, size_t nk, const fort_incident_note *notes,
			    size_t nn);
json_t *shape_impact(int64_t id, const fort_impact *im);
/* `plan drill --json`; `incident notify --no-send --json`. */
json_t *shape_drill_recorded(int64_t id, const char *type, int64_t seconds, size_t steps);
json_t *shape_notify_report(int64_t id, const fort_incident_notify_report *rep, int dry_run);
/* `client import --json` (FILE: the file, or the upload's name). */
json_t *shape_import_report(const char *file, const fort_import_report *rep);
/* `notice show --json` ({"version","text"}) and `notice publish --json` (TEXT NULL). */
json_t *shape_notice(const char *version, const char *text);
/* `doctor --json` and `doctor --history --json`. */
json_t *shape_doctor_report(const fort_doctor_report *rep);
json_t *shape_doctor_history(const fort_doctor_run_info *h, size_t n);
/* The backups made (fort_backup_list), one object each. */
json_t *shape_backups(const fort_backup_record *b, size_t n);

/* An intake form (`intake show --json`, GET /api/intake/forms): fields,
 * consents and allowed_origins as arrays. */
json_t *shape_intake_form(const fort_intake_form *f);
/* A message of the outbox (`mail list --json`, GET /api/mail): never its text. */
json_t *shape_mail(const fort_mail_info *m);
/* Attachments (`attachment list --json`, GET /api/attachments): path and
 * sha256 null where the acting user cannot read them. */
json_t *shape_attachments(const fort_attachment_info *a, size_t n);

#endif
