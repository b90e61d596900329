/* sqlite.c - the embedded store: one SQLite file, WAL, synchronous=FULL,
 * secure_delete, foreign keys, an application id so that we never mistake
 * another database for a vault. */
#include "store/sqlite_names.h" /* first: this file's store_X are sqlite_store_X (backends.h) */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>
#include <sodium.h>
#include "store/sealed_meta.h"
#include "store/seal_common.h"
#include "util.h"
#include "store/store.h"
#include "store/sqlite_int.h"

#define FORT_APPLICATION_ID 0x464f5254 /* "FORT" */

enum {
	Q_META_GET, Q_META_PUT,
	Q_USER_INS, Q_USER_BY_NAME, Q_USER_OWNER, Q_USER_BY_ID, Q_USER_SEAL, Q_USER_EACH, Q_USER_SET, Q_USER_DEL,
	Q_GRANT_PUT, Q_GRANT_EACH, Q_GRANT_DEL_USER, Q_GRANT_DEL_KEY, Q_GRANT_DEL_OLD,
	Q_CLIENT_INS, Q_CLIENT_UPD, Q_CLIENT_GET, Q_CLIENT_DEL, Q_CLIENT_EACH, Q_CLIENT_COUNT, Q_CLIENT_MAX,
	Q_BLIND_ADD, Q_BLIND_DEL, Q_BLIND_FIND, Q_UNIQ_ADD, Q_UNIQ_DEL, Q_UNIQ_FIND,
	Q_ERASED_ADD, Q_ERASED_HAS, Q_ERASED_COUNT,
	Q_AUDIT_ADD, Q_AUDIT_LAST, Q_AUDIT_EACH, Q_AUDIT_EACH_CLIENT, Q_AUDIT_COUNT,
	Q_SEAL_ADD, Q_SEAL_HEAD_PUT, Q_SEAL_LATEST, Q_SEAL_OF_SEQ, Q_SEAL_COUNT,
	Q_HEAD_PUT_CLIENTS, Q_HEAD_PUT_BLIND, Q_HEAD_PUT_UNIQ, Q_HEAD_GET_CLIENTS, Q_HEAD_GET_BLIND, Q_HEAD_GET_UNIQ,
	Q_HEAD_PUT_UNIQ_NEW,
	Q_AUDIT_FAILED_UNLOCKS, Q_DATA_VERSION, Q_KEPT_BEGIN, Q_KEPT_END, Q_BEGIN_WRITE, Q_ROLLBACK,
	Q_CLIENT_GET_SEALED,
	Q__COUNT
};

/* A unique entry added as new must not find a live seal head: that is an
 * entry removed outside Fortress, and letting its value in again would let
 * a duplicate in (store_blind_add's refusal).  An import's and a rotation's
 * new entries are checked by the head's own write at the flush instead of
 * a SELECT of the heads per batch (5.6k instructions an imported client,
 * bench/README.md "wt-imp"): the upsert leaves a live head as it is (a head
 * of zeros is a removed entry's, legitimately; a seal of zeros, a removal,
 * always goes in), and the changes count names the rows it left. */
#define HEAD_UNIQ_NEW_WHERE                                                                                            \
	" ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash"                                       \
	" WHERE seal_head_uniq.hash = zeroblob(32) OR excluded.hash = zeroblob(32)"

static const char *const sql_text[Q__COUNT] = {
	[Q_META_GET] = "SELECT v, rowid FROM meta WHERE k = ?",
	[Q_META_PUT] = "INSERT INTO meta(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
	[Q_USER_INS] = "INSERT INTO users(name, role, box_pk, sign_pk, salt, opslimit, memlimit, sealed, created, status) VALUES(?,?,?,?,?,?,?,?,?,?)",
	[Q_USER_BY_NAME] = "SELECT id, name, role, box_pk, sign_pk, salt, opslimit, memlimit, sealed, created, status, removed FROM users WHERE name = ?",
	[Q_USER_OWNER] = "SELECT id, name, role, box_pk, sign_pk, salt, opslimit, memlimit, sealed, created, status, removed FROM users WHERE role = 'owner' AND status = 'active' ORDER BY id LIMIT 1",
	[Q_USER_BY_ID] = "SELECT id, name, role, box_pk, sign_pk, salt, opslimit, memlimit, sealed, created, status, removed FROM users WHERE id = ?",
	[Q_USER_SEAL] = "UPDATE users SET salt = ?, opslimit = ?, memlimit = ?, sealed = ? WHERE id = ?",
	[Q_USER_EACH] = "SELECT id, name, role, box_pk, sign_pk, salt, opslimit, memlimit, sealed, created, status, removed FROM users ORDER BY id",
	[Q_USER_SET] = "UPDATE users SET role = ?, status = ?, removed = ? WHERE id = ?",
	[Q_USER_DEL] = "DELETE FROM users WHERE id = ?",
	[Q_GRANT_PUT] = "INSERT INTO grants(user_id, key_name, version, sealed) VALUES(?,?,?,?) ON CONFLICT(user_id, key_name, version) DO UPDATE SET sealed = excluded.sealed",
	[Q_GRANT_EACH] = "SELECT key_name, version, sealed FROM grants WHERE user_id = ? ORDER BY key_name, version",
	[Q_GRANT_DEL_USER] = "DELETE FROM grants WHERE user_id = ?",
	[Q_GRANT_DEL_KEY] = "DELETE FROM grants WHERE user_id = ? AND key_name = ?",
	[Q_GRANT_DEL_OLD] = "DELETE FROM grants WHERE key_name = ? AND version < ?",
	[Q_CLIENT_INS] = "INSERT INTO clients(id, vk_version, wrapped, data, created, updated) VALUES(?,?,?,?,?,?)",
	/* created: the one the caller read, so that the seal's hash is made
	 * from the values in hand (store_client_update) */
	[Q_CLIENT_UPD] = "UPDATE clients SET vk_version = ?, wrapped = ?, data = ?, updated = ? WHERE id = ? AND created = ?",
	[Q_CLIENT_GET] = "SELECT id, vk_version, wrapped, data, created, updated FROM clients WHERE id = ?",
	[Q_CLIENT_DEL] = "DELETE FROM clients WHERE id = ?",
	[Q_CLIENT_EACH] = "SELECT id, vk_version, wrapped, data, created, updated FROM clients ORDER BY created, id",
	[Q_CLIENT_COUNT] = "SELECT count(*) FROM clients",
	[Q_CLIENT_MAX] = "SELECT max(coalesce((SELECT max(id) FROM clients), 0), coalesce((SELECT max(client) FROM erased), 0))",
	[Q_BLIND_ADD] = "INSERT OR IGNORE INTO blind(h, client, mac) VALUES(?, ?, ?)",
	[Q_BLIND_DEL] = "DELETE FROM blind WHERE h = ? AND client = ?",
	[Q_BLIND_FIND] = "SELECT client, mac FROM blind WHERE h = ?",
	[Q_UNIQ_ADD] = "INSERT INTO uniq(h, client, mac) VALUES(?, ?, ?)",
	[Q_UNIQ_DEL] = "DELETE FROM uniq WHERE h = ? AND client = ?",
	[Q_UNIQ_FIND] = "SELECT client, mac FROM uniq WHERE h = ?",
	[Q_ERASED_ADD] = "INSERT OR IGNORE INTO erased(client, ts) VALUES(?, ?)",
	[Q_ERASED_HAS] = "SELECT 1 FROM erased WHERE client = ?",
	[Q_ERASED_COUNT] = "SELECT count(*) FROM erased",
	[Q_AUDIT_ADD] = "INSERT INTO audit(seq, ts, actor_id, actor, action, client, fields, purpose, result, detail, prev, hash, sig, seals, batch) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[Q_AUDIT_LAST] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
	[Q_DATA_VERSION] = "PRAGMA data_version",
	[Q_AUDIT_EACH] = "SELECT seq, ts, actor_id, actor, action, client, fields, purpose, result, detail, prev, hash, sig, seals, batch FROM audit ORDER BY rowid",
	[Q_AUDIT_EACH_CLIENT] = "SELECT seq, ts, actor_id, actor, action, client, fields, purpose, result, detail, prev, hash, sig, seals, batch FROM audit WHERE client = ? ORDER BY rowid",
	[Q_AUDIT_COUNT] = "SELECT count(*) FROM audit",
	/* the log packed (migration 21, seal_pack.c): a row per run of up
	 * to SEAL_PACK_ROWS seals, at its first seal's rowid */
	[Q_SEAL_ADD] = "INSERT INTO seal_log(rowid, seq, seals) VALUES(?,?,?)",
	[Q_SEAL_HEAD_PUT] = "INSERT OR REPLACE INTO seal_head(tbl, id, seq, hash) VALUES(?,?,?,?)",
	[Q_SEAL_LATEST] = "SELECT hash, seq FROM seal_head WHERE tbl = ? AND id = ?",
	[Q_SEAL_OF_SEQ] = "SELECT rowid, seals FROM seal_log WHERE rowid BETWEEN ?1 AND ?2 AND seq = ?3 ORDER BY rowid",
	/* a tuple cut short counts as a seal (seal_pack_count) */
	[Q_SEAL_COUNT] = "SELECT coalesce(sum((length(CAST(seals AS BLOB)) + 40) / 41), 0) FROM seal_log",
	/* the heads of the three large tables (migration 20), Q_HEAD_X + T_X */
	[Q_HEAD_PUT_CLIENTS] = "INSERT OR REPLACE INTO seal_head_clients(id, seq, hash) VALUES(?,?,?)",
	[Q_HEAD_PUT_BLIND] = "INSERT OR REPLACE INTO seal_head_blind(id, seq, hash) VALUES(?,?,?)",
	[Q_HEAD_PUT_UNIQ] = "INSERT OR REPLACE INTO seal_head_uniq(id, seq, hash) VALUES(?,?,?)",
	[Q_HEAD_GET_CLIENTS] = "SELECT hash, seq FROM seal_head_clients WHERE id = ?",
	[Q_HEAD_GET_BLIND] = "SELECT hash, seq FROM seal_head_blind WHERE id = ?",
	[Q_HEAD_GET_UNIQ] = "SELECT hash, seq FROM seal_head_uniq WHERE id = ?",
	/* a new unique entry's head (seal_touch.check): written unless a live
	 * head is there (HEAD_UNIQ_NEW_WHERE), which sqlite3_changes() then says */
	[Q_HEAD_PUT_UNIQ_NEW] = "INSERT INTO seal_head_uniq(id, seq, hash) VALUES(?,?,?)" HEAD_UNIQ_NEW_WHERE,
	/* a find's kept read transaction (kept_begin): prepared once, not
	 * compiled by sqlite3_exec at each request's find */
	[Q_KEPT_BEGIN] = "BEGIN DEFERRED",
	[Q_KEPT_END] = "COMMIT",
	/* store_begin/store_commit/store_rollback: the same, prepared once
	 * per handle (sqlite3_exec compiled each, ~3.6k instructions, at every
	 * transaction: the server's group commit begins one per batch).  Q_KEPT_BEGIN
	 * and Q_KEPT_END serve store_read_begin/store_read_end and store_commit too */
	[Q_BEGIN_WRITE] = "BEGIN IMMEDIATE",
	[Q_ROLLBACK] = "ROLLBACK",
	/* store_client_get on a sealed vault: the record and its seal head in
	 * one statement (seal_require_joined), not a second statement per read */
	[Q_CLIENT_GET_SEALED] = "SELECT c.id, c.vk_version, c.wrapped, c.data, c.created, c.updated, h.hash, h.seq"
				" FROM clients c LEFT JOIN seal_head_clients h ON h.id = c.id WHERE c.id = ?",
	[Q_AUDIT_FAILED_UNLOCKS] = "SELECT coalesce(sum(ts >= ?), 0), coalesce(max(ts), 0) FROM audit WHERE action = 'unlock-failed'",
};

/* Schema migrations: migrations[i] takes user_version i to i+1. */
static const char *const migrations[STORE_SCHEMA_VERSION] = {
	"CREATE TABLE meta(k TEXT PRIMARY KEY, v BLOB NOT NULL);"
	"CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,"
	" box_pk BLOB NOT NULL, sign_pk BLOB NOT NULL, salt BLOB NOT NULL, opslimit INTEGER NOT NULL,"
	" memlimit INTEGER NOT NULL, sealed BLOB NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE grants(user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" key_name TEXT NOT NULL, version INTEGER NOT NULL, sealed BLOB NOT NULL,"
	" PRIMARY KEY(user_id, key_name, version)) WITHOUT ROWID;"
	"CREATE TABLE clients(id INTEGER PRIMARY KEY, vk_version INTEGER NOT NULL, wrapped BLOB NOT NULL,"
	" data BLOB NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	"CREATE TABLE blind(h BLOB NOT NULL, client INTEGER NOT NULL, PRIMARY KEY(h, client)) WITHOUT ROWID;"
	"CREATE TABLE uniq(h BLOB NOT NULL PRIMARY KEY, client INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE erased(client INTEGER PRIMARY KEY, ts INTEGER NOT NULL);"
	"CREATE TABLE audit(seq INTEGER NOT NULL, ts INTEGER NOT NULL, actor_id INTEGER NOT NULL,"
	" actor TEXT NOT NULL, action TEXT NOT NULL, client TEXT NOT NULL, fields TEXT NOT NULL,"
	" purpose TEXT NOT NULL, result TEXT NOT NULL, detail TEXT NOT NULL, prev BLOB NOT NULL,"
	" hash BLOB NOT NULL, sig BLOB);"
	"CREATE INDEX audit_seq ON audit(seq);"
	"CREATE INDEX audit_client ON audit(client) WHERE client <> '';",
	/* 2: users may be pending (asked to join, not yet granted) or removed
	 * (kept: the audit log names them) */
	"ALTER TABLE users ADD COLUMN status TEXT NOT NULL DEFAULT 'active';"
	"ALTER TABLE users ADD COLUMN removed INTEGER;",
	/* 3: the consent ledger (append-only: the triggers refuse any change,
	 * the hash chain and the audit log catch one made around them) and the
	 * notice texts consents were given under */
	"CREATE TABLE consent(seq INTEGER PRIMARY KEY, client INTEGER NOT NULL, purpose TEXT NOT NULL, action TEXT NOT NULL,"
	" ts INTEGER NOT NULL, channel TEXT NOT NULL, recorded_by TEXT NOT NULL, language TEXT NOT NULL, notice TEXT NOT NULL,"
	" evidence_hash TEXT NOT NULL, evidence BLOB, prev BLOB NOT NULL, hash BLOB NOT NULL);"
	"CREATE INDEX consent_client ON consent(client, seq);"
	"CREATE TRIGGER consent_no_update BEFORE UPDATE ON consent BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END;"
	"CREATE TRIGGER consent_no_delete BEFORE DELETE ON consent BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END;"
	"CREATE TABLE notices(hash TEXT PRIMARY KEY, language TEXT NOT NULL, text BLOB NOT NULL, created INTEGER NOT NULL);",
	/* 4: client requests (GDPR Art. 15-21, UK GDPR, CCPA) and their history */
	"CREATE TABLE requests(id INTEGER PRIMARY KEY, client INTEGER NOT NULL, kind TEXT NOT NULL, jurisdiction TEXT NOT NULL,"
	" region TEXT NOT NULL, received TEXT NOT NULL, clock_start TEXT NOT NULL, state TEXT NOT NULL,"
	" paused_days INTEGER NOT NULL DEFAULT 0, paused_since TEXT NOT NULL DEFAULT '', extended INTEGER NOT NULL DEFAULT 0,"
	" id_method TEXT NOT NULL DEFAULT '', id_result TEXT NOT NULL DEFAULT '', closed TEXT NOT NULL DEFAULT '',"
	" created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	"CREATE INDEX requests_client ON requests(client);"
	"CREATE TABLE request_events(request INTEGER NOT NULL, ts INTEGER NOT NULL, actor TEXT NOT NULL, event TEXT NOT NULL,"
	" detail TEXT NOT NULL);"
	"CREATE INDEX request_events_req ON request_events(request);",
	/* 5: fields kept after an erasure request under a legal hold, until when */
	"CREATE TABLE holds(client INTEGER NOT NULL, field TEXT NOT NULL, until TEXT NOT NULL, reason TEXT NOT NULL,"
	" request INTEGER NOT NULL, PRIMARY KEY(client, field)) WITHOUT ROWID;"
	"CREATE INDEX holds_until ON holds(until);",
	/* 6: vault attachments (files moved into the vault by 'fortress
	 * quarantine'): a wrapped random file key, metadata encrypted under it,
	 * the content as secretstream chunks, links to clients */
	"CREATE TABLE IF NOT EXISTS attachments(id INTEGER PRIMARY KEY AUTOINCREMENT, created INTEGER NOT NULL, actor TEXT NOT NULL,"
	" size INTEGER NOT NULL, cats INTEGER NOT NULL, kvers TEXT NOT NULL, wrapped BLOB NOT NULL, meta BLOB NOT NULL,"
	" header BLOB NOT NULL, nchunks INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS attachment_chunks(att INTEGER NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL,"
	" PRIMARY KEY(att, seq)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS attachment_clients(att INTEGER NOT NULL, client INTEGER NOT NULL,"
	" PRIMARY KEY(att, client)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS attachment_clients_client ON attachment_clients(client);",
	/* 7: plan drills, the e-mail outbox and its delivery attempts, the
	 * security check-up history (sealed columns under the vault box key) */
	"CREATE TABLE IF NOT EXISTS plan_drills(id INTEGER PRIMARY KEY, started INTEGER NOT NULL, finished INTEGER NOT NULL,"
	" type TEXT NOT NULL, steps INTEGER NOT NULL, done INTEGER NOT NULL, skipped INTEGER NOT NULL, data BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS mail_outbox(id INTEGER PRIMARY KEY, created INTEGER NOT NULL, ref TEXT NOT NULL,"
	" purpose TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_attempt INTEGER NOT NULL DEFAULT 0,"
	" sent INTEGER NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '', message_id TEXT NOT NULL DEFAULT '', data BLOB NOT NULL);"
	"CREATE INDEX IF NOT EXISTS mail_outbox_ref ON mail_outbox(ref);"
	"CREATE TABLE IF NOT EXISTS mail_attempts(msg INTEGER NOT NULL, ts INTEGER NOT NULL, result TEXT NOT NULL,"
	" error TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS mail_attempts_msg ON mail_attempts(msg);"
	"CREATE TABLE IF NOT EXISTS doctor_runs(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, score INTEGER NOT NULL,"
	" checks TEXT NOT NULL);",
	/* 8: incidents (breach register, Art. 33(5)), their encrypted notes,
	 * scopes and follow-up actions; and which clients went into which
	 * export or backup file (impact analysis: ids packed as 8-byte
	 * little-endian integers, one write per file however many clients) */
	"CREATE TABLE exports(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, actor TEXT NOT NULL, device TEXT NOT NULL,"
	" kind TEXT NOT NULL, destination TEXT NOT NULL, format TEXT NOT NULL, sha256 TEXT NOT NULL, encrypted INTEGER NOT NULL,"
	" fields TEXT NOT NULL, clients INTEGER NOT NULL, all_clients INTEGER NOT NULL, ids BLOB NOT NULL DEFAULT x'');"
	"CREATE INDEX exports_sha ON exports(sha256);"
	"CREATE INDEX exports_device ON exports(device);"
	"CREATE TABLE incidents(id INTEGER PRIMARY KEY, title TEXT NOT NULL, kind TEXT NOT NULL, occurred INTEGER NOT NULL,"
	" aware INTEGER NOT NULL, state TEXT NOT NULL, likelihood INTEGER NOT NULL DEFAULT 0, severity INTEGER NOT NULL DEFAULT 0,"
	" encrypted INTEGER NOT NULL DEFAULT -1, key_compromised INTEGER NOT NULL DEFAULT -1, hipaa INTEGER NOT NULL DEFAULT 0,"
	" contact TEXT NOT NULL DEFAULT '', decision TEXT NOT NULL DEFAULT '', decided_by TEXT NOT NULL DEFAULT '',"
	" decided_at INTEGER NOT NULL DEFAULT 0, closed INTEGER NOT NULL DEFAULT 0, opened_by TEXT NOT NULL,"
	" created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	"CREATE TABLE incident_notes(id INTEGER PRIMARY KEY, incident INTEGER NOT NULL, kind TEXT NOT NULL, ts INTEGER NOT NULL,"
	" at INTEGER NOT NULL, actor TEXT NOT NULL, text BLOB NOT NULL);"
	"CREATE INDEX incident_notes_inc ON incident_notes(incident, id);"
	"CREATE TABLE incident_scope(id INTEGER PRIMARY KEY, incident INTEGER NOT NULL, kind TEXT NOT NULL, user TEXT NOT NULL,"
	" t_from INTEGER NOT NULL, t_to INTEGER NOT NULL, export INTEGER NOT NULL, device TEXT NOT NULL, category TEXT NOT NULL);"
	"CREATE TABLE incident_actions(id INTEGER PRIMARY KEY, incident INTEGER NOT NULL, text BLOB NOT NULL, owner TEXT NOT NULL,"
	" due TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0, done_by TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL);",
	/* 9: seals.  Every change to a sealed table (client records, both
	 * indexes, every ledger: consent, erasures, exports, requests, the
	 * incident register; and, with no schema change of their own, legal
	 * holds, attachments, their client links and the vault's details in
	 * meta: see seal_table) leaves the row's hash in seal_log under
	 * the seq of the audit entry of its transaction, and that entry carries
	 * a digest of its seals: the signed audit chain vouches for every
	 * sealed row's current content (src/audit/seal.c). */
	"CREATE TABLE seal_log(seq INTEGER NOT NULL, tbl TEXT NOT NULL, id INTEGER NOT NULL, hash BLOB NOT NULL);"
	"CREATE INDEX seal_log_row ON seal_log(tbl, id, seq);"
	"CREATE INDEX seal_log_seq ON seal_log(seq);"
	"CREATE INDEX blind_client ON blind(client);"
	"CREATE INDEX uniq_client ON uniq(client);"
	"ALTER TABLE audit ADD COLUMN seals BLOB;"
	/* fields erased without crypto-shredding the client (a partial erasure,
	 * retention of one field): replayed by `backup restore` like erased */
	"CREATE TABLE erased_fields(id INTEGER PRIMARY KEY, client INTEGER NOT NULL, field TEXT NOT NULL, ts INTEGER NOT NULL);",
	/* 10: each row's newest seal in seal_head, written with its seal_log
	 * row: a read's check is one seek in it (issue 16) instead of the
	 * (tbl, id, seq) index and then the log row.  seal_log stays the
	 * record the signed digests vouch for, without indexes: a seal's rowid
	 * is its seq << 32 plus its place in the entry's (tbl, id) order, so
	 * the seals of one entry are a rowid range and every insert appends.
	 * `audit verify` checks that seal_head holds exactly the log's newest
	 * seals (store_seal_heads_check).  An old vault's log is renumbered so
	 * and its heads taken from it. */
	"CREATE TABLE seal_head(tbl TEXT NOT NULL, id INTEGER NOT NULL, seq INTEGER NOT NULL, hash BLOB NOT NULL,"
	" PRIMARY KEY(tbl, id)) WITHOUT ROWID;"
	"INSERT INTO seal_head(tbl, id, seq, hash) SELECT tbl, id, max(seq), hash FROM seal_log GROUP BY tbl, id;"
	"CREATE TABLE seal_log_v10(seq INTEGER NOT NULL, tbl TEXT NOT NULL, id INTEGER NOT NULL, hash BLOB NOT NULL);"
	"INSERT INTO seal_log_v10(rowid, seq, tbl, id, hash) SELECT (seq << 32) + row_number() OVER (PARTITION BY seq ORDER BY tbl, id) - 1,"
	" seq, tbl, id, hash FROM seal_log ORDER BY seq, tbl, id;"
	"DROP TABLE seal_log;"
	"ALTER TABLE seal_log_v10 RENAME TO seal_log;",
	/* 11: signing in to `fortress serve` (issue 17; src/auth/).  Each
	 * user's second factor (TOTP secret, last time step used, recovery-code
	 * hashes) as one AEAD blob under a key derived from that user's own
	 * secret key (AD: the vault id and user id), so it is authenticated
	 * without a seal and readable only after the passphrase opened the
	 * keyring; and the throttle of failed sign-ins per account and address. */
	"CREATE TABLE user_totp(user_id INTEGER PRIMARY KEY, data BLOB NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE signin_throttle(k TEXT PRIMARY KEY, failures INTEGER NOT NULL, last INTEGER NOT NULL);",
	/* 12: write-only intake forms (issue 18 item 1; src/rights/intake.c).
	 * The form definitions and the reviewers' decisions are sealed; the
	 * inbox is not (its writers are anonymous: each row is a box sealed
	 * to the vault's intake public key, kept in meta "intake_pk").
	 * AUTOINCREMENT: a submission's id is never reused, so a decision
	 * names one submission only. */
	"CREATE TABLE intake_forms(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, fields TEXT NOT NULL,"
	" consents TEXT NOT NULL, created INTEGER NOT NULL, created_by TEXT NOT NULL);"
	"CREATE TABLE intake_inbox(id INTEGER PRIMARY KEY AUTOINCREMENT, form TEXT NOT NULL, received INTEGER NOT NULL,"
	" box BLOB NOT NULL);"
	"CREATE TABLE intake_decisions(id INTEGER PRIMARY KEY, form TEXT NOT NULL, decision TEXT NOT NULL,"
	" client TEXT NOT NULL, ts INTEGER NOT NULL, actor TEXT NOT NULL);",
	/* 13: tokens for programs (issue 17 item 3; src/vault/tokens.c).  A
	 * token is a keyholder: USER_ID is its row in users (name
	 * "token:NAME", role and keys covered by the policy MAC, grants like
	 * a user's); here its name, purposes, creator, expiry, revocation, a
	 * verifier of its secret (a BLAKE2b subkey, not the secret) and its
	 * X25519/Ed25519 secret keys sealed under another subkey of the
	 * secret.  Sealed (seal_table): an edit of the expiry, the purposes or
	 * the revocation is tampering. */
	"CREATE TABLE tokens(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, user_id INTEGER NOT NULL, role TEXT NOT NULL,"
	" purposes TEXT NOT NULL, creator TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL,"
	" revoked INTEGER NOT NULL, verifier BLOB NOT NULL, sealed BLOB NOT NULL);",
	/* 14: the self-service page's one-time sign-in links (issue 18 items
	 * 2-3; src/rights/selfservice.c).  Not sealed: each row is keyed by a
	 * keyed hash of the link's token and its data is AEAD under a key only
	 * the self-service keyholder derives (AD: the token hash and expiry),
	 * so an edit or an added row opens nothing; what the file's attacker
	 * can do is delete (deny) a link (docs/SECURITY.md). */
	"CREATE TABLE me_links(token BLOB PRIMARY KEY, expires INTEGER NOT NULL, data BLOB NOT NULL) WITHOUT ROWID;",
	/* 15: each blind-index entry carries a MAC (issue 16): keyed
	 * SipHash-2-4-128 over (table, h, client) under a key derived from the
	 * vault key, so that a find checks the row in hand (index_mac) instead
	 * of looking up its seal.  NULL: written before this version or without
	 * the key; such entries are checked against their seals, and the
	 * vault gives them their MAC at its next unlock (store_index_mac_upgrade).
	 * The column is not sealed content: an entry's seal covers (h, client). */
	"ALTER TABLE blind ADD COLUMN mac BLOB;"
	"ALTER TABLE uniq ADD COLUMN mac BLOB;",
	/* 16: audit entries signed once per batch (issue 17's benchmark;
	 * src/audit/audit.c, docs/SECURITY.md "One signature per batch").
	 * NULL: an entry of the first format, signed alone (or unsigned);
	 * else the seq of the first entry of the group commit's transaction
	 * that wrote it, part of the entry's hash. */
	"ALTER TABLE audit ADD COLUMN batch INTEGER;",
	/* 17: each request's channel (web, email, letter, phone, in-person,
	 * intake) and the client's own words (a rectification's "what is
	 * wrong, what it should be"), issue 18 item 2.  A table of its own,
	 * sealed (seal_table), rather than columns of requests: new columns
	 * would change the hash of every sealed request row written before.
	 * The note is a vault box (src/vault/vault_box.c, AD "request-note:ID"):
	 * never in clear in the file or the audit log.  Requests recorded
	 * before have no row (channel not recorded). */
	"CREATE TABLE request_details(request INTEGER PRIMARY KEY, channel TEXT NOT NULL, note BLOB);",
	/* 18: invitations to join from a browser (issue 17; src/auth/invite.c).
	 * invitations is sealed (seal_table): the name, role, expiry,
	 * revocation and use are written by a user with 'users' in an audited
	 * transaction, so an edit of any of them is tampering.  The link's
	 * token is stored only as a verifier (BLAKE2b of its secret part).
	 * invite_joins is NOT sealed: its writer is the invitee, who signs
	 * nothing yet (as 'user request'); it holds the pending user's id and
	 * their second factor's blob (AEAD under a key only their passphrase
	 * opens, as user_totp), moved into user_totp, sealed, by the approval
	 * ('user add'). */
	"CREATE TABLE invitations(id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, creator TEXT NOT NULL,"
	" created INTEGER NOT NULL, expires INTEGER NOT NULL, revoked INTEGER NOT NULL, used INTEGER NOT NULL,"
	" user_id INTEGER NOT NULL, verifier BLOB NOT NULL);"
	"CREATE TABLE invite_joins(invite INTEGER PRIMARY KEY, user_id INTEGER NOT NULL UNIQUE, totp BLOB NOT NULL,"
	" created INTEGER NOT NULL);",
	/* 19: the search index's entries are sealed by client (issue 16): one
	 * seal per client for all its `blind` entries (a group, as legal holds
	 * are), instead of one per entry.  A vault whose search entries carry
	 * per-entry seals is marked (meta "index_seal", unsealed: see
	 * docs/SECURITY.md) and regrouped at its first unlock, every entry
	 * checked against its own seal first (store_index_seal_regroup). */
	"INSERT INTO meta(k, v) SELECT 'index_seal', 'entry' WHERE EXISTS (SELECT 1 FROM seal_head WHERE tbl = 'blind');",
	/* 20: the newest seals of the three large sealed tables (a row per
	 * client, per client's search group, per unique value: ~4 per client)
	 * each in a rowid table of its own keyed by the seal's id, instead of
	 * seal_head's (tbl, id) key (issue 16): a new head is an integer-keyed
	 * insert (5.7k -> 3.3k instructions) and a rotation's head that exists
	 * is overwritten in place (8.7k -> 3.4k; bench/README.md "wt-seal,
	 * fourth session").  seal_head keeps the ledgers' heads, so a ledger's
	 * whole check (store_seal_scan) walks its own heads only.  Nothing a
	 * seal covers changes; store copy presents these rows as seal_head's
	 * (copy_sqlite.c), as PostgreSQL keeps them. */
	"CREATE TABLE seal_head_clients(id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, hash BLOB NOT NULL);"
	"CREATE TABLE seal_head_blind(id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, hash BLOB NOT NULL);"
	"CREATE TABLE seal_head_uniq(id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, hash BLOB NOT NULL);"
	"INSERT INTO seal_head_clients(id, seq, hash) SELECT id, seq, hash FROM seal_head WHERE tbl = 'clients' ORDER BY id;"
	"INSERT INTO seal_head_blind(id, seq, hash) SELECT id, seq, hash FROM seal_head WHERE tbl = 'blind' ORDER BY id;"
	"INSERT INTO seal_head_uniq(id, seq, hash) SELECT id, seq, hash FROM seal_head WHERE tbl = 'uniq' ORDER BY id;"
	"DELETE FROM seal_head WHERE tbl IN ('clients', 'blind', 'uniq');",
	/* 21: seal_log packed (issue 16; seal_pack.c): one row per run of up
	 * to 64 seals of one audit entry, at the run's first seal's rowid,
	 * its seals a BLOB of (table number, id, hash) tuples, instead of a row
	 * per seal: appending a seal was ~2.9k instructions of its ~6.8k, now
	 * ~0.3k (bench/README.md "wt-seallog").  A run ends at a change of
	 * seq, a gap in the rowids or a rowid that is a multiple of 64, which
	 * is how the flush writes and how store copy packs the rows it is
	 * given: one packed form per log.  The old rows are packed so (the
	 * runs by gaps and islands, seal_pack() sorting each run by rowid); a
	 * row no seal could have written (an unknown table, a hash of another
	 * length) becomes a tuple of no table, still named by `audit verify`.
	 * The virtual table seal_rows shows the log a row per seal.  Nothing a
	 * seal covers changes; PostgreSQL packs its log in its own 21 (runs of
	 * 64 from a run's start) and store copy unpacks and packs (copy_sqlite.c). */
	"CREATE TABLE seal_log_v21(seq INTEGER NOT NULL, seals BLOB NOT NULL);"
	"INSERT INTO seal_log_v21(rowid, seq, seals) SELECT min(r), seq, seal_pack(r, tbl, id, hash)"
	" FROM (SELECT rowid AS r, seq, tbl, id, hash, rowid - row_number() OVER (PARTITION BY seq ORDER BY rowid) AS isl FROM seal_log)"
	" GROUP BY seq, isl, r >> 6 ORDER BY 1;"
	"DROP TABLE seal_log;"
	"ALTER TABLE seal_log_v21 RENAME TO seal_log;",
	/* 22: the unique index without its index by client (issue 16): every
	 * imported client paid a B-tree insert in it per unique value (~4k
	 * instructions), every rotated one a delete and an insert (~9k), and
	 * only an erasure's sweep read it.  An erasure now removes the entries
	 * by the values it recomputes, and passes over the whole table only
	 * when those are not all known (store_uniq_del_clients; `backup
	 * restore` once for all the erasures it replays); `audit verify`
	 * reports an entry whose client has no record (store_uniq_orphan).
	 * PostgreSQL keeps its index (its migration 22 does nothing). */
	"DROP INDEX IF EXISTS uniq_client;",
	/* 23: postgres.c's drops its uniq_client (this file's 22); nothing
	 * to do here */
	"SELECT 1",
};

/* The sealed tables (see migration 9).  blind and uniq are WITHOUT ROWID:
 * their rows are noted by the store functions that write them; the others
 * by SQLite's update hook, whatever statement changed them. */
enum { T_CLIENTS, T_BLIND, T_UNIQ, T_CONSENT, T_ERASED, T_ERASED_FIELDS, T_EXPORTS, T_REQUESTS, T_REQUEST_EVENTS,
       T_INCIDENTS, T_INCIDENT_NOTES, T_INCIDENT_SCOPE, T_INCIDENT_ACTIONS, T_META, T_HOLDS, T_ATTACHMENTS,
       T_ATTACHMENT_CLIENTS, T_MAIL_OUTBOX, T_INTAKE_FORMS, T_INTAKE_DECISIONS, T_USER_TOTP, T_TOKENS,
       T_REQUEST_DETAILS, T_INVITATIONS, T__COUNT };
/* The three large tables' heads each in a table of their own (migration
 * 20), Q_HEAD_PUT_X / Q_HEAD_GET_X being Q_HEAD_PUT_CLIENTS + T_X; every
 * other table's in seal_head (HEAD_LEDGERS). */
_Static_assert(T_CLIENTS == 0 && T_BLIND == 1 && T_UNIQ == 2, "the own-head tables are the first three");
enum { HEAD_OWN_COUNT = 3, HEAD_LEDGERS = HEAD_OWN_COUNT };
static const char *const head_own[HEAD_OWN_COUNT] = { "seal_head_clients", "seal_head_blind", "seal_head_uniq" };
static int head_of(int tbl) { return tbl < HEAD_OWN_COUNT ? tbl : HEAD_LEDGERS; }

/* user_totp (issue 17): the AEAD authenticates each blob, but only the
 * seal stops an older copy of it being put back, which would make a used
 * code or recovery code good again (see store_seal_adopt).  A table's
 * place here is its number in the packed seal log (migration 21,
 * seal_pack.c): fixed forever, new tables only at the end. */
static const char *const seal_table[T__COUNT] = {
	"clients", "blind", "uniq", "consent", "erased", "erased_fields", "exports", "requests", "request_events",
	"incidents", "incident_notes", "incident_scope", "incident_actions", "meta", "holds", "attachments",
	"attachment_clients", "mail_outbox", "intake_forms", "intake_decisions", "user_totp", "tokens",
	"request_details", "invitations",
};
/* holds and attachment_clients are WITHOUT ROWID too (the update hook never
 * sees them) and are sealed as groups: a client's legal holds, an
 * attachment's client links, one seal each (id: the client, the
 * attachment), the hash of every row of the group; an empty group hashes as
 * "none", so a group removed whole is caught like a removed row.  Their
 * store functions note the group they change. */
static const char *const group_col[T__COUNT] = {
	[T_BLIND] = "client", /* migration 19: a client's search entries, one seal */
	[T_HOLDS] = "client",
	[T_ATTACHMENT_CLIENTS] = "att",
};
static const char *const group_order[T__COUNT] = {
	[T_BLIND] = "h",
	[T_HOLDS] = "field",
	[T_ATTACHMENT_CLIENTS] = "client",
};
/* Of meta, the keys in sealed_meta.c are sealed (one list for both
 * backends): what the vault says about itself; the rest is the audit head,
 * key material (AEAD), MACs, the seal marker, the rotation state and caches
 * (docs/SECURITY.md). */
static int meta_sealed(const char *key) { return store_meta_key_sealed(key); }

/* The first copy of the WAL-index header at the start of the -shm file
 * (https://www.sqlite.org/walformat.html, "The WAL-Index Header"): a
 * writer rewrites it at every commit (its change counter, last frame,
 * salts and checksums), the second copy before the first. */
#define WAL_HDR_LEN 48

struct store {
	int backend;                     /* STORE_BACKEND_SQLITE (0), first as in every backend (backends.h) */
	sqlite3 *db;
	sqlite3_stmt *q[Q__COUNT];
	int txdepth;
	int rtx;        /* store_read_begin's read transaction is open: its depth */
	char *path;
	struct seal_touch *touch;
	size_t ntouch, ctouch;
	struct seal_touch *touch2;       /* touch_sort's room (CTOUCH2 touches) */
	size_t ctouch2;
	int touch_lost;                  /* out of memory, or a change outside a transaction */
	uint32_t *pset;                  /* open addressing over touch[]: index + 1, 0 empty */
	size_t pcap;
	sqlite3_stmt *row_st[T__COUNT];
	sqlite3_stmt *head_many[HEAD_LEDGERS + 1]; /* and their heads in one upsert ([head_of(tbl)]) */
	sqlite3_stmt *idx_many[2][2];    /* IDX_ROWS or IDX_FEW index entries in one INSERT ([size][blind, uniq]) */
	sqlite3_stmt *uniq_new_many;     /* SEAL_ROWS unique heads with a new entry's among them (HEAD_UNIQ_NEW_WHERE) */
	sqlite3_stmt *mv_del[2];         /* a rotation's old search entries, as many in one DELETE */
	int enforce;                     /* the vault is sealed: reads check their rows */
	int tx_gone;                     /* SQLite rolled the open transaction back itself (tx_check) */
	int in_checkpoint;               /* the hook is sealing an operation's rows so far */
	unsigned scanned;                /* ledgers checked whole in this process (bit per table) */
	unsigned scanned_before;         /* SCANNED before store_changed cleared it (store_keep_checks) */
	int64_t data_version;            /* PRAGMA data_version at the last store_changed */
	int has_data_version;
	int registered;                  /* counted in open_files (dev, ino) */
	dev_t dev;
	ino_t ino;
	store_commit_hook hook;
	void *hook_ctx;
	unsigned char *imac;             /* sodium_malloc'ed: nimac index-MAC keys (store_index_mac_keys) */
	size_t nimac;
	int wal;                         /* journal_mode is WAL: finds may keep their read transaction */
	int kept;                        /* a find's read transaction is open (kept_begin) */
	int kept_pin;                    /* ... kept for the request's reads (store_read_keep): not checked current */
	uint64_t kept_hdr[WAL_HDR_LEN / 8]; /* the WAL-index header read before it began */
	const volatile uint64_t *kept_shm;  /* the header in the shared memory, while kept */
	int marks;                       /* note each commit's WAL positions (store_append_only) */
	int mark_ok;                     /* mark_before/after are the last commit's */
	uint32_t mark_before[3], mark_after[3];
	int hook_frames;                 /* the WAL's frames after the last commit (on_wal), -1 unknown */
	int ckpt_frames;                 /* wal_autocheckpoint, which on_wal does in SQLite's place */
};

static int seal_require_row(store *s, int tbl, int64_t id, int64_t client);
static int pending(store *s, int tbl, int64_t id);
static int seal_checkpoint(store *s);
static int seal_require_table(store *s, int tbl);
static void touch_add(store *s, int tbl, int64_t id, const unsigned char *h, int64_t client);
static void touch_put(store *s, int tbl, int64_t id, const unsigned char *h, int64_t client, const unsigned char *hash);
static void hash_client_row(unsigned char out[32], sqlite3_stmt *st);
static void hash_index(unsigned char out[32], int tbl, const unsigned char *h, int64_t client);
static int64_t index_id(int tbl, const unsigned char *h, int64_t client);
static int seal_require_known(store *s, int tbl, int64_t id, int64_t client, const unsigned char hash[32]);
static int seal_require_joined(store *s, sqlite3_stmt *st, int64_t id, const unsigned char now[32]);
static int seal_latest(store *s, int tbl, int64_t id, unsigned char hash[32], int64_t *seq);
static int blind_entry_check(store *s, store_seal_cb cb, void *ctx, int64_t **ids_out, size_t *n_out, uint64_t *clients);
static int blind_per_entry(store *s);
static int journal_is_wal(store *s);

static int map_sqlite(sqlite3 *db, int rc, const char *what)
{
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return fort_error_set(FORT_EIO, "%s: the disk is full: free some space and try again (nothing was changed)", what);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return fort_error_set(FORT_EBUSY, "%s: the vault is in use by another process: try again when it has finished", what);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return fort_error_set(FORT_ECORRUPT, "%s: the vault file is damaged or not a vault (%s): restore it from a backup", what, msg);
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return fort_error_set(FORT_EIO, "%s: %s", what, msg);
	case SQLITE_NOMEM:
		return fort_error_set(FORT_ENOMEM, "%s: out of memory", what);
	case SQLITE_CONSTRAINT:
		return fort_error_set(FORT_EEXISTS, "%s: %s", what, msg);
	}
	return fort_error_set(FORT_ERROR, "%s: %s", what, msg);
}

static int exec(store *s, const char *sql, const char *what)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : map_sqlite(s->db, rc, what);
}

/* A transaction's BEGIN, COMMIT or ROLLBACK (WHICH), from the statement
 * prepared once per handle: sqlite3_exec compiled it at every call.  Not
 * through q(): its callers check tx_gone themselves, and a rollback runs
 * after SQLite ended the transaction too.  WHAT NULL: no error is set (a
 * rollback keeps the error that caused it), just -1. */
static int tx_exec(store *s, int which, const char *what)
{
	sqlite3_stmt *st = s->q[which];
	int rc, r = 0;
	if (!st) {
		rc = sqlite3_prepare_v3(s->db, sql_text[which], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
		if (rc != SQLITE_OK)
			return what ? map_sqlite(s->db, rc, what) : -1;
		s->q[which] = st;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		r = what ? map_sqlite(s->db, rc, what) : -1;
	sqlite3_reset(st);
	return r;
}

/* An I/O error or a full disk in any statement, a read included, makes
 * SQLite roll the whole transaction back and return to autocommit
 * (sqlite3VdbeHalt).  A caller cleaning up after that error (an index
 * entry removed again) would then change the vault one autocommitted
 * statement at a time, outside any audit entry and seal: so nothing more
 * runs in a transaction SQLite ended (the rollback hook marks it) until
 * the caller's store_rollback.  Found by test_io_faults when a read of
 * seal_head_uniq (schema 20) first met a fault. */
static void on_rollback(void *p)
{
	store *s = p;
	if (s->txdepth > 0)
		s->tx_gone = 1;
}

static int tx_check(store *s)
{
	if (s->tx_gone && s->txdepth > 0)
		return fort_error_set(FORT_EIO, "the change was rolled back after an error reading or writing the vault: "
					       "nothing was changed");
	return 0;
}

static sqlite3_stmt *q(store *s, int which)
{
	sqlite3_stmt *st = s->q[which];
	if (tx_check(s) < 0)
		return NULL;
	if (!st) {
		if (sqlite3_prepare_v3(s->db, sql_text[which], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
			map_sqlite(s->db, sqlite3_errcode(s->db), "preparing a query");
			return NULL;
		}
		s->q[which] = st;
	}
	return st;
}

static int pragma_int(store *s, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return map_sqlite(s->db, rc, "opening the vault");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return map_sqlite(s->db, rc, "opening the vault");
	return 0;
}

static uint32_t be32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* Cheap checks before SQLite touches the file: a vault starts with the
 * SQLite header and is a whole number of pages. */
static int precheck(const char *path)
{
	unsigned char hdr[100];
	struct stat stt;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	if (fd < 0) {
		if (errno == ENOENT)
			return fort_error_set(FORT_ENOTFOUND, "no vault at '%s': create one with 'fortress init' or give --vault PATH", path);
		return fort_error_set(FORT_EIO, "cannot open '%s': %s", path, strerror(errno));
	}
	if (fstat(fd, &stt) < 0 || !S_ISREG(stt.st_mode)) {
		close(fd);
		return fort_error_set(FORT_ECORRUPT, "'%s' is not a vault file", path);
	}
	n = read(fd, hdr, sizeof hdr);
	close(fd);
	if (n < (ssize_t)sizeof hdr || memcmp(hdr, "SQLite format 3", 16) != 0)
		return fort_error_set(FORT_ECORRUPT, "'%s' is not a Fortress vault (%s)", path,
				      n == 0 ? "the file is empty" : "no vault header");
	if (be32(hdr + 68) != FORT_APPLICATION_ID)
		return fort_error_set(FORT_ECORRUPT, "'%s' is an SQLite database but not a Fortress vault", path);
	unsigned pagesize = (unsigned)(hdr[16] << 8 | hdr[17]);
	if (pagesize == 1)
		pagesize = 65536;
	uint32_t pages = be32(hdr + 28);
	if (pagesize < 512 || (stt.st_size % pagesize) != 0 ||
	    (pages && (uint64_t)stt.st_size < (uint64_t)pages * pagesize && access(path, F_OK) == 0)) {
		/* A WAL may legitimately hold pages beyond the main file's size,
		 * so a short main file is only an error without a WAL. */
		char wal[4096];
		snprintf(wal, sizeof wal, "%s-wal", path);
		struct stat ws;
		if (stat(wal, &ws) != 0 || ws.st_size == 0)
			return fort_error_set(FORT_ECORRUPT, "'%s' is truncated (%lld bytes, expected %llu): restore it from a backup",
					      path, (long long)stt.st_size, (unsigned long long)pages * pagesize);
	}
	return 0;
}

/* The vault files this process has open through SQLite, and how many
 * connections each.  precheck's open() and close() of a file would drop
 * every POSIX lock this process holds on it (fcntl locks belong to the
 * process and go with any close of the file), SQLite connections' locks
 * included: another process could then take the file whole, and, as the
 * last connection it believes, delete the WAL under this one's feet.  So
 * the raw check runs only while no connection of this process has the
 * file open (a server keeps its sessions' handles open). */
static pthread_mutex_t open_files_mu = PTHREAD_MUTEX_INITIALIZER;
static struct open_file {
	dev_t dev;
	ino_t ino;
	unsigned n;
} open_files[64];

/* 1 if a connection of this process has DEV/INO open (the caller holds the lock). */
static struct open_file *open_file_find(dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < sizeof open_files / sizeof open_files[0]; i++)
		if (open_files[i].n && open_files[i].dev == dev && open_files[i].ino == ino)
			return &open_files[i];
	return NULL;
}

static void open_file_put(store *s)
{
	struct open_file *f;
	if (!s->registered)
		return;
	pthread_mutex_lock(&open_files_mu);
	if ((f = open_file_find(s->dev, s->ino)))
		f->n--;
	pthread_mutex_unlock(&open_files_mu);
	s->registered = 0;
}

static int migrate(store *s, int64_t from)
{
	int r;
	if ((r = store_begin(s)) < 0)
		return r;
	for (int64_t v = from; v < STORE_SCHEMA_VERSION; v++) {
		char sql[64];
		if ((r = exec(s, migrations[v], "upgrading the vault schema")) < 0)
			goto fail;
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", (int)v + 1);
		if ((r = exec(s, sql, "upgrading the vault schema")) < 0)
			goto fail;
	}
	return store_commit(s);
fail:
	store_rollback(s);
	return r;
}

static void on_update(void *p, int op, const char *db, const char *tbl, sqlite3_int64 rowid);

/* SQLite's allocation statistics off, before its first use in the
 * process: with them on (the default), every allocation SQLite makes takes
 * a process-wide mutex to count itself, and Debian's library is built
 * without lookaside memory, so a find's statement allocates at each step.
 * Nothing here reads the statistics or sets a soft heap limit.  Too late
 * (SQLite already initialised by another user in the process): no change. */
static void sqlite_setup(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_open(store **out, const char *path, int create)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	store *s = NULL;
	int r, rc;
	int64_t v = 0;
	pthread_once(&once, sqlite_setup);
	/* ":memory:" with CREATE: a vault in memory only (the PostgreSQL
	 * backend's snapshot is built in one: a backup is a SQLite image) */
	int mem = create && strcmp(path, ":memory:") == 0;
	*out = NULL;
	if (create && !mem) {
		if (access(path, F_OK) == 0)
			return fort_error_set(FORT_EEXISTS, "a file already exists at '%s': choose another --vault path", path);
	}
	if (!(s = fort_calloc(1, sizeof *s)) || !(s->path = fort_strdup(path))) {
		r = FORT_ENOMEM;
		goto fail;
	}
	if (!create) {
		struct stat st;
		struct open_file *f;
		pthread_mutex_lock(&open_files_mu);
		r = 0;
		if (stat(path, &st) == 0 && (f = open_file_find(st.st_dev, st.st_ino))) {
			f->n++;  /* checked when the first connection opened it */
		} else if ((r = precheck(path)) == 0 && stat(path, &st) == 0) {
			f = NULL;
			for (size_t i = 0; i < sizeof open_files / sizeof open_files[0] && !f; i++)
				if (!open_files[i].n)
					f = &open_files[i];
			/* a full table: this file is simply not counted (its later
			 * opens run the check; 64 vault files is far beyond use) */
			if (f) {
				f->dev = st.st_dev;
				f->ino = st.st_ino;
				f->n = 1;
			}
		}
		if (r == 0 && open_file_find(st.st_dev, st.st_ino)) {
			s->registered = 1;
			s->dev = st.st_dev;
			s->ino = st.st_ino;
		}
		pthread_mutex_unlock(&open_files_mu);
		if (r < 0)
			goto fail;
	}
	if (create && !mem) {
		/* Create the file with mode 0600 before SQLite does (0644). */
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			r = fort_error_set(FORT_EIO, "cannot create '%s': %s", path, strerror(errno));
			goto fail;
		}
		close(fd);
	}
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		r = map_sqlite(s->db, rc, "opening the vault");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 0);
	sqlite3_busy_timeout(s->db, 3000);
	if ((rc = seal_pack_register(s->db, seal_table, T__COUNT)) != SQLITE_OK) {
		r = map_sqlite(s->db, rc, "opening the vault");
		goto fail;
	}
	if ((r = pragma_int(s, "PRAGMA application_id", &v)) < 0)
		goto fail;
	if (!create && v != FORT_APPLICATION_ID) {
		r = fort_error_set(FORT_ECORRUPT, "'%s' is not a Fortress vault", path);
		goto fail;
	}
	/* Everything that could write (journal mode, migrations) waits until
	 * we know this is a vault of ours. */
	if ((r = pragma_int(s, "PRAGMA user_version", &v)) < 0)
		goto fail;
	if (v > STORE_SCHEMA_VERSION) {
		r = fort_error_set(FORT_EVERSION, "the vault was written by a newer Fortress (schema %lld, this build knows %d): upgrade Fortress",
				   (long long)v, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (!create && v == 0) {
		r = fort_error_set(FORT_ECORRUPT, "'%s' is not an initialised Fortress vault", path);
		goto fail;
	}
	if ((r = exec(s, "PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;"
			 " PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;", "opening the vault")) < 0)
		goto fail;
	if (create && (r = exec(s, "PRAGMA page_size = 4096; PRAGMA application_id = 1179603540; PRAGMA journal_mode = WAL;",
				"creating the vault")) < 0)
		goto fail;
	if (!create && (r = exec(s, "PRAGMA journal_mode = WAL;", "opening the vault")) < 0)
		goto fail;
	s->wal = journal_is_wal(s);
	if (v < STORE_SCHEMA_VERSION && (r = migrate(s, v)) < 0)
		goto fail;
	sqlite3_update_hook(s->db, on_update, s);
	sqlite3_rollback_hook(s->db, on_rollback, s);
	/* Touch the schema now, so corruption shows at open, not mid-command. */
	if ((r = exec(s, "SELECT count(*) FROM sqlite_schema", "reading the vault")) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	if (s) {
		int err = fort_error_code();
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", fort_error_message());
		store_close(s);
		if (create && !mem)
			unlink(path);
		fort_error_set(err, "%s", msg);
	}
	return r;
}

/* ----------------------------------------- finds in a kept read transaction
 *
 * A statement outside a transaction is a read transaction of its own: the
 * WAL read lock taken and the page cache checked at its first step, the
 * lock given back at its reset (~2.5k of a find's ~13k instructions).  A
 * find outside any transaction instead opens one (BEGIN DEFERRED) and
 * leaves it open for the finds after it, as long as nothing else runs:
 * dispatch.c ends it before every store function but the find and the
 * seal check (KEEPS_READ in scripts/gen-store-dispatch.py), so a write, a
 * transaction, a snapshot, store_changed or the handle's close never run
 * inside it.  A find must still see what other connections (other
 * processes, other handles) committed since: before it began, the
 * WAL-index header was copied, and each find compares it with the header
 * now; any commit rewrites the header, so a difference ends the kept
 * transaction and starts a new one (the copy taken before the BEGIN: a
 * commit between the two is a difference too, never missed).  Only in WAL
 * mode, whose header lives in the shared memory SQLite maps through its
 * VFS (xShmMap, region 0, not extended); without it a find is its own
 * transaction, as before.
 *
 * While kept, the transaction holds its WAL snapshot: a checkpoint cannot
 * restart the WAL past it.  So it ends when the handle's request or
 * command is done: fort_vault_flush (a server, after each request) calls
 * store_idle, fort_vault_close closes the store; both first write the
 * finds' audit entry, a store call of its own.
 *
 * A request's reads on a server's handle (store_read_keep, from
 * fort_vault_refresh) use the same transaction, begun before the
 * handle's PRAGMA data_version and pinned: the check of the chain's tail,
 * the seal marker, the record and its seal, a find then read one snapshot,
 * the vault as it stood when the request began (one read transaction
 * instead of one per statement: sqlite3BtreeBeginTrans and sqlite3VdbeHalt
 * each time), and are not compared with the header again (the request is
 * one read, as a store_read_begin snapshot is).  The reads that keep it
 * are KEEPS_READ in the generator; anything else ends it first (the audit
 * entry's store_tx_open, before the request waits for its commit: a
 * snapshot held across that wait would keep the WAL from being
 * checkpointed under a steady load). */

static int journal_is_wal(store *s)
{
	sqlite3_stmt *st;
	int wal = 0;
	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *m = sqlite3_column_text(st, 0);
		wal = m && strcmp((const char *)m, "wal") == 0;
	}
	sqlite3_finalize(st);
	return wal;
}

/* Where the WAL-index header is: the shared memory's first region as
 * SQLite's VFS maps it (not extended), or NULL (not WAL mode, not mapped).
 * Stable while a read transaction is open: the WAL stays open, and the
 * mapping with it. */
static const volatile uint64_t *wal_shm(store *s)
{
	sqlite3_file *f = NULL;
	void volatile *p = NULL;
	if (!s->wal || sqlite3_file_control(s->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
	    !f->pMethods || f->pMethods->iVersion < 2 || !f->pMethods->xShmMap)
		return NULL;
	if (f->pMethods->xShmMap(f, 0, 32768, 0, &p) != SQLITE_OK || !p || ((uintptr_t)p & 7))
		return NULL;
	return (const volatile uint64_t *)p;
}

/* The header as it is now, into OUT.  Another process's writer rewrites
 * it: what its commit wrote is read (x86 orders loads anyway; the fence
 * says so to the compiler and to other machines). */
static void wal_header(const volatile uint64_t *shm, uint64_t out[WAL_HDR_LEN / 8])
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	for (size_t i = 0; i < WAL_HDR_LEN / 8; i++)
		out[i] = shm[i];
}

/* The WAL's position (store.h) from the header in SHM: both copies alike
 * (none half-written) and initialised, else 0.  The header's 32-bit words
 * (walformat.html): mxFrame the 5th, aSalt the 9th and 10th. */
static int wal_mark(const volatile uint64_t *shm, uint32_t mark[3])
{
	uint64_t w[2 * WAL_HDR_LEN / 8];
	uint32_t h[2 * WAL_HDR_LEN / 4];
	if (!shm)
		return 0;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	for (size_t i = 0; i < 2 * WAL_HDR_LEN / 8; i++)
		w[i] = shm[i];
	memcpy(h, w, sizeof h);
	if (memcmp(h, h + WAL_HDR_LEN / 4, WAL_HDR_LEN) != 0 || ((const unsigned char *)h)[12] == 0)
		return 0;
	mark[0] = h[8];
	mark[1] = h[9];
	mark[2] = h[4];
	return 1;
}

/* One of the kept transaction's prepared statements run: 0 or -1 (no
 * error left set: the caller falls back as it says). */
static int kept_step(store *s, int which)
{
	sqlite3_stmt *st = q(s, which);
	int rc;
	if (!st) {
		fort_error_clear();
		return -1;
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void kept_end(store *s)
{
	if (!s->kept)
		return;
	s->kept = 0;
	s->kept_pin = 0;
	s->kept_shm = NULL;
	/* a read: COMMIT writes nothing */
	if (kept_step(s, Q_KEPT_END) < 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

void sqlite_kept_end(store *s)
{
	if (s)
		kept_end(s);
}

/* dispatch.c has ended it already */
void store_idle(store *s)
{
	(void)s;
}

/* Is the kept transaction still what a new one would read?  Ended if not.
 * A request's pinned snapshot stands as it is (store_read_keep). */
static void kept_check(store *s)
{
	uint64_t now[WAL_HDR_LEN / 8];
	if (!s->kept || s->kept_pin)
		return;
	wal_header(s->kept_shm, now);
	if (memcmp(now, s->kept_hdr, sizeof now) != 0)
		kept_end(s);
}

/* Before a find: the kept transaction checked, or one begun (outside any
 * transaction, snapshot or pending sealed change only).  Failing to begin
 * one is no error: the find is then a transaction of its own. */
static void kept_begin(store *s)
{
	const volatile uint64_t *shm;
	kept_check(s);
	if (s->kept || s->txdepth > 0 || s->rtx || s->ntouch || s->touch_lost || !sqlite3_get_autocommit(s->db))
		return;
	if (!(shm = wal_shm(s)))
		return;
	wal_header(shm, s->kept_hdr); /* before the BEGIN: see the comment above */
	if (kept_step(s, Q_KEPT_BEGIN) < 0)
		return;
	s->kept = 1;
	s->kept_shm = shm;
}

/* The request's reads in one snapshot (store.h; the comment above):
 * begun here, or a find's kept transaction that is still current pinned.
 * Inside a transaction or snapshot, or not in WAL mode: nothing, each read
 * is its own transaction as before. */
void store_read_keep(store *s)
{
	s->kept_pin = 0;
	kept_begin(s);
	s->kept_pin = s->kept;
}

/* The request's snapshot began between the header kept_hdr (read before
 * its BEGIN) and now: when the header is the same now, nothing committed
 * in between, and the snapshot is that header's position. */
int store_read_mark(store *s, uint32_t mark[3])
{
	uint64_t now[WAL_HDR_LEN / 8];
	memset(mark, 0, 3 * sizeof mark[0]);
	if (!s->kept || !s->kept_pin || !s->kept_shm || sqlite3_txn_state(s->db, "main") != SQLITE_TXN_READ)
		return 0;
	wal_header(s->kept_shm, now);
	if (memcmp(now, s->kept_hdr, sizeof now) != 0 || !wal_mark(s->kept_shm, mark))
		return 0;
	/* and the header read whole is still that one */
	wal_header(s->kept_shm, now);
	if (memcmp(now, s->kept_hdr, sizeof now) != 0) {
		memset(mark, 0, 3 * sizeof mark[0]);
		return 0;
	}
	return 1;
}

int store_commit_marks(store *s, uint32_t before[3], uint32_t after[3])
{
	memcpy(before, s->mark_before, sizeof s->mark_before);
	memcpy(after, s->mark_after, sizeof s->mark_after);
	return s->mark_ok;
}

/* SQLite's WAL hook, after each commit of S (the write lock released by
 * then): the WAL's frame count that commit left, then what the default
 * hook does, which this one replaces (sqlite3_wal_autocheckpoint: a
 * passive checkpoint once the WAL has that many frames). */
static int on_wal(void *p, sqlite3 *db, const char *name, int frames)
{
	store *s = p;
	s->hook_frames = frames;
	if (s->ckpt_frames > 0 && frames >= s->ckpt_frames)
		(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

void store_close(store *s)
{
	if (!s)
		return;
	kept_end(s);
	for (int i = 0; i < Q__COUNT; i++)
		sqlite3_finalize(s->q[i]);
	for (int i = 0; i < T__COUNT; i++)
		sqlite3_finalize(s->row_st[i]);
	for (int i = 0; i <= HEAD_LEDGERS; i++)
		sqlite3_finalize(s->head_many[i]);
	sqlite3_finalize(s->uniq_new_many);
	for (int i = 0; i < 2; i++) {
		sqlite3_finalize(s->idx_many[i][0]);
		sqlite3_finalize(s->idx_many[i][1]);
		sqlite3_finalize(s->mv_del[i]);
	}
	/* the touches hold blind-index entries (seal_touch.h): wiped */
	if (s->touch)
		sodium_memzero(s->touch, s->ctouch * sizeof *s->touch);
	if (s->touch2)
		sodium_memzero(s->touch2, s->ctouch2 * sizeof *s->touch2);
	free(s->touch);
	free(s->touch2);
	free(s->pset);
	if (s->imac)
		sodium_free(s->imac);
	if (s->txdepth)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(s->db);
	open_file_put(s);
	free(s->path);
	free(s);
}

int store_begin(store *s)
{
	int r;
	if (s->txdepth++ > 0)
		return tx_check(s);
	s->tx_gone = 0;
	if ((r = tx_exec(s, Q_BEGIN_WRITE, "starting a change")) < 0)
		s->txdepth = 0;
	return r;
}

int store_read_begin(store *s)
{
	int r;
	if (s->txdepth > 0)
		return 0;
	if (s->rtx) {
		s->rtx++;   /* nested: the outer snapshot goes on */
		return 0;
	}
	if ((r = tx_exec(s, Q_KEPT_BEGIN, "reading the vault")) == 0)
		s->rtx = 1;
	return r;
}

int store_reread_begin(store *s)
{
	if (s->txdepth > 0 || s->rtx)
		return 0;
	fort_error_clear();
	return store_read_begin(s) == 0;
}

void store_read_end(store *s)
{
	if (!s->rtx || --s->rtx > 0)
		return;
	/* an I/O error in one of its reads ended the snapshot already (SQLite
	 * rolls the transaction back): nothing to end, and the read's error,
	 * not "cannot commit - no transaction is active", stays the one said */
	if (sqlite3_get_autocommit(s->db))
		return;
	tx_exec(s, Q_KEPT_END, "reading the vault");
}

int store_commit(store *s)
{
	int r;
	if (s->txdepth == 0)
		return 0;
	if (s->txdepth > 1) {
		s->txdepth--;
		return tx_check(s);
	}
	if ((r = tx_check(s)) < 0) {
		store_rollback(s);
		return r;
	}
	/* Sealed rows changed after the transaction's last audit entry (or
	 * with none): the hook writes the entry that seals them; without one
	 * the change does not happen. */
	if (s->ntouch || s->touch_lost) {
		if (s->touch_lost)
			r = fort_error_set(FORT_ENOMEM, "out of memory while sealing the change: nothing was changed");
		else if (!s->hook)
			r = fort_error_set(FORT_ETAMPER, "a sealed row was written without an audit entry: nothing was changed");
		else
			r = s->hook(s->hook_ctx);
		if (r == 0 && s->ntouch)
			r = fort_error_set(FORT_ETAMPER, "a sealed row was written without an audit entry: nothing was changed");
		if (r < 0) {
			store_rollback(s);
			return r;
		}
	}
	s->txdepth = 0;
	s->mark_ok = 0;
	/* the audit writer's: where the WAL stands, read with the write lock
	 * held (nobody else commits meanwhile) */
	if (s->marks) {
		s->hook_frames = -1;
		s->mark_ok = wal_mark(wal_shm(s), s->mark_before);
	}
	if ((r = tx_exec(s, Q_KEPT_END, "saving the change")) < 0) {
		s->mark_ok = 0;
		(void)tx_exec(s, Q_ROLLBACK, NULL);
		return r;
	}
	/* and where this commit left it: the header now holds the frame count
	 * the hook was given and the same salts (not restarted by this
	 * commit), else another commit came right after, or the WAL restarted:
	 * not known */
	if (s->mark_ok)
		s->mark_ok = s->hook_frames >= 0 && wal_mark(wal_shm(s), s->mark_after) &&
			     s->mark_after[2] == (uint32_t)s->hook_frames && s->mark_after[0] == s->mark_before[0] &&
			     s->mark_after[1] == s->mark_before[1];
	return 0;
}

static void touch_clear(store *s);

void store_rollback(store *s)
{
	touch_clear(s);
	s->touch_lost = 0;
	s->tx_gone = 0;
	if (s->txdepth == 0)
		return;
	s->txdepth = 0;
	(void)tx_exec(s, Q_ROLLBACK, NULL);
}

int store_checkpoint(store *s)
{
	int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	if (rc != SQLITE_OK)
		return map_sqlite(s->db, rc, "checkpointing the vault");
	return 0;
}

#define CACHE_KIB 65536      /* PRAGMA cache_size, KiB */
#define CACHE_BULK_KIB 40960 /* during an import: its pages are written once, not read again */

void store_bulk(store *s, int on)
{
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", on ? CACHE_BULK_KIB : CACHE_KIB);
	(void)sqlite3_exec(s->db, sql, NULL, NULL, NULL); /* a hint: nothing fails without it */
}

/* SQLite's default wal_autocheckpoint, in WAL frames (pages) */
#define WAL_AUTOCHECKPOINT 1000

void store_rewrite(store *s, int on)
{
	int frames = (int)((int64_t)STORE_REWRITE_WAL_MIB * 1024 * 1024 / 4096);
	/* a batch of a rotation dirties most pages of the index tables and of
	 * their seal heads (random keys); with a checkpoint at every commit
	 * over 1,000 frames each was written to the WAL, then into the file
	 * and synced, batch after batch: 42 % of the calling thread's CPU
	 * was the kernel's in a 100,000-client rotation.  Page size 4096
	 * (store_open's). */
	(void)sqlite3_wal_autocheckpoint(s->db, on ? frames : WAL_AUTOCHECKPOINT); /* a hint */
}

#define CACHE_APPEND_KIB 2048 /* the audit writer: the chain's tail and the B-trees' upper pages */

void store_append_only(store *s)
{
	char sql[64];
	int64_t n = 0;
	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", CACHE_APPEND_KIB);
	(void)sqlite3_exec(s->db, sql, NULL, NULL, NULL); /* a hint: nothing fails without it */
	/* its commits' WAL positions (store_commit_marks): the WAL hook gives
	 * each commit's frame count and takes over the automatic checkpoint */
	if (!s->wal || pragma_int(s, "PRAGMA wal_autocheckpoint", &n) < 0) {
		fort_error_clear();
		return;
	}
	s->ckpt_frames = (int)n;
	s->hook_frames = -1;
	sqlite3_wal_hook(s->db, on_wal, s);
	s->marks = 1;
}

int store_failed_client(store *s, int64_t *client)
{
	(void)s;
	*client = 0;
	return 0;
}

/* BEGIN IMMEDIATE is the writers' lock: never deferred here */
int store_lock_deferred(store *s)
{
	(void)s;
	return 0;
}

int store_write_lock(store *s)
{
	(void)s;
	return 0;
}

int store_schema_version(store *s)
{
	int64_t v = 0;
	pragma_int(s, "PRAGMA user_version", &v);
	return (int)v;
}

/* step a write statement and reset it */
static int step_done(store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return map_sqlite(s->db, rc, what);
	return 0;
}

static int blob_dup(unsigned char **out, size_t *len, sqlite3_stmt *st, int col)
{
	const void *p = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);
	*out = NULL;
	*len = 0;
	if (n <= 0)
		return 0;
	if (!(*out = fort_malloc((size_t)n)))
		return FORT_ENOMEM;
	memcpy(*out, p, (size_t)n);
	*len = (size_t)n;
	return 0;
}

static int blob_fixed(unsigned char *out, size_t len, sqlite3_stmt *st, int col)
{
	if ((size_t)sqlite3_column_bytes(st, col) != len)
		return fort_error_set(FORT_ECORRUPT, "a stored key has the wrong size: the vault is damaged");
	memcpy(out, sqlite3_column_blob(st, col), len);
	return 0;
}

/* ---------------------------------------------------------------- meta */

static int meta_get(store *s, const char *key, unsigned char **val, size_t *len, int check);

int store_meta_get(store *s, const char *key, unsigned char **val, size_t *len)
{
	return meta_get(s, key, val, len, 1);
}

int store_meta_get_unchecked(store *s, const char *key, unsigned char **val, size_t *len)
{
	return meta_get(s, key, val, len, 0);
}

static int meta_get(store *s, const char *key, unsigned char **val, size_t *len, int check)
{
	sqlite3_stmt *st = q(s, Q_META_GET);
	int64_t rowid = 0;
	int rc, r;
	if (!st)
		return fort_error_code();
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r = blob_dup(val, len, st, 0);
		rowid = sqlite3_column_int64(st, 1);
	} else if (rc == SQLITE_DONE) {
		r = fort_error_set(FORT_ENOTFOUND, "vault metadata '%s' is missing", key);
	} else {
		r = map_sqlite(s->db, rc, "reading vault metadata");
	}
	sqlite3_reset(st);
	if (r == 0 && check && meta_sealed(key) && (r = seal_require_row(s, T_META, rowid, 0)) < 0) {
		free(*val);
		*val = NULL;
		*len = 0;
	}
	return r;
}

int store_meta_preload(store *s)
{
	(void)s;
	return 0;
}

int store_meta_put(store *s, const char *key, const void *val, size_t len)
{
	sqlite3_stmt *st = q(s, Q_META_PUT);
	int r;
	if (!st)
		return fort_error_code();
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, val, (int)len, SQLITE_STATIC);
	if ((r = step_done(s, st, "writing vault metadata")) < 0)
		return r;
	if (meta_sealed(key)) {
		sqlite3_stmt *g = q(s, Q_META_GET);
		if (!g)
			return fort_error_code();
		sqlite3_bind_text(g, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(g) == SQLITE_ROW)
			touch_add(s, T_META, sqlite3_column_int64(g, 1), NULL, 0);
		sqlite3_reset(g);
	}
	return 0;
}

/* ---------------------------------------------------------------- users */

int store_user_insert(store *s, store_user *u)
{
	sqlite3_stmt *st = q(s, Q_USER_INS);
	int r;
	if (!st)
		return fort_error_code();
	sqlite3_bind_text(st, 1, u->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, u->role, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, u->box_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, u->sign_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, u->salt, 16, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)u->opslimit);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)u->memlimit);
	sqlite3_bind_blob(st, 8, u->sealed, (int)u->sealed_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, u->created);
	sqlite3_bind_text(st, 10, u->status ? u->status : "active", -1, SQLITE_STATIC);
	if ((r = step_done(s, st, "adding a user")) < 0)
		return r == FORT_EEXISTS ? fort_error_set(FORT_EEXISTS, "user '%s' already exists", u->name) : r;
	u->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static int user_row(store_user *u, sqlite3_stmt *st)
{
	int r;
	memset(u, 0, sizeof *u);
	u->id = sqlite3_column_int64(st, 0);
	if (!(u->name = fort_strdup((const char *)sqlite3_column_text(st, 1))) ||
	    !(u->role = fort_strdup((const char *)sqlite3_column_text(st, 2))))
		return FORT_ENOMEM;
	if ((r = blob_fixed(u->box_pk, 32, st, 3)) < 0 || (r = blob_fixed(u->sign_pk, 32, st, 4)) < 0 ||
	    (r = blob_fixed(u->salt, 16, st, 5)) < 0)
		return r;
	u->opslimit = (uint64_t)sqlite3_column_int64(st, 6);
	u->memlimit = (uint64_t)sqlite3_column_int64(st, 7);
	if ((r = blob_dup(&u->sealed, &u->sealed_len, st, 8)) < 0)
		return r;
	u->created = sqlite3_column_int64(st, 9);
	if (!(u->status = fort_strdup((const char *)sqlite3_column_text(st, 10))))
		return FORT_ENOMEM;
	u->removed = sqlite3_column_int64(st, 11);
	return 0;
}

static int user_query(store *s, store_user *out, sqlite3_stmt *st, const char *who)
{
	int rc = sqlite3_step(st), r;
	if (rc == SQLITE_ROW) {
		r = user_row(out, st);
		if (r < 0)
			store_user_release(out);
	} else if (rc == SQLITE_DONE) {
		r = fort_error_set(FORT_ENOTFOUND, "no user '%s' in this vault", who);
	} else {
		r = map_sqlite(s->db, rc, "reading users");
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r;
}

int store_user_get(store *s, store_user *out, const char *name)
{
	sqlite3_stmt *st = q(s, name ? Q_USER_BY_NAME : Q_USER_OWNER);
	memset(out, 0, sizeof *out);
	if (!st)
		return fort_error_code();
	if (name)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	return user_query(s, out, st, name ? name : "(owner)");
}

int store_user_get_by_id(store *s, store_user *out, int64_t id)
{
	sqlite3_stmt *st = q(s, Q_USER_BY_ID);
	memset(out, 0, sizeof *out);
	if (!st)
		return fort_error_code();
	sqlite3_bind_int64(st, 1, id);
	return user_query(s, out, st, "(by id)");
}

int store_user_update_seal(store *s, const store_user *u)
{
	sqlite3_stmt *st = q(s, Q_USER_SEAL);
	if (!st)
		return fort_error_code();
	sqlite3_bind_blob(st, 1, u->salt, 16, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)u->opslimit);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)u->memlimit);
	sqlite3_bind_blob(st, 4, u->sealed, (int)u->sealed_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, u->id);
	return step_done(s, st, "changing the passphrase");
}

int store_user_each(store *s, store_user_cb cb, void *ctx)
{
	/* Not the cached statement: the callback may run other queries. */
	sqlite3_stmt *st;
	store_user u;
	int rc, r = 0;
	if ((rc = sqlite3_prepare_v2(s->db, sql_text[Q_USER_EACH], -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "reading users");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = user_row(&u, st)) == 0)
			r = cb(ctx, &u);
		store_user_release(&u);
		if (r != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "reading users");
	sqlite3_finalize(st);
	return r;
}

int store_user_set(store *s, int64_t id, const char *role, const char *status, int64_t removed)
{
	sqlite3_stmt *st = q(s, Q_USER_SET);
	if (!st)
		return fort_error_code();
	sqlite3_bind_text(st, 1, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	if (removed)
		sqlite3_bind_int64(st, 3, removed);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, id);
	return step_done(s, st, "changing a user");
}

int store_user_delete(store *s, int64_t id)
{
	sqlite3_stmt *st = q(s, Q_USER_DEL);
	if (!st)
		return fort_error_code();
	sqlite3_bind_int64(st, 1, id);
	return step_done(s, st, "removing a user");
}

int store_grant_del(store *s, int64_t user, const char *key)
{
	sqlite3_stmt *st = q(s, key ? Q_GRANT_DEL_KEY : Q_GRANT_DEL_USER);
	if (!st)
		return fort_error_code();
	sqlite3_bind_int64(st, 1, user);
	if (key)
		sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	return step_done(s, st, "withdrawing a key");
}

int store_grant_del_old(store *s, const char *key, int below)
{
	sqlite3_stmt *st = q(s, Q_GRANT_DEL_OLD);
	if (!st)
		return fort_error_code();
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, below);
	return step_done(s, st, "destroying old keys");
}

void store_user_release(store_user *u)
{
	free(u->name);
	free(u->role);
	free(u->status);
	free(u->sealed);
	memset(u, 0, sizeof *u);
}

int store_grant_put(store *s, int64_t user, const char *key, int version, const void *sealed, size_t len)
{
	sqlite3_stmt *st = q(s, Q_GRANT_PUT);
	if (!st)
		return fort_error_code();
	sqlite3_bind_int64(st, 1, user);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, version);
	sqlite3_bind_blob(st, 4, sealed, (int)len, SQLITE_STATIC);
	return step_done(s, st, "granting a key");
}

int store_grant_each(store *s, int64_t user, store_grant_cb cb, void *ctx)
{
	sqlite3_stmt *st = q(s, Q_GRANT_EACH);
	int rc, r = 0;
	if (!st)
		return fort_error_code();
	sqlite3_bind_int64(st, 1, user);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = cb(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 1),
			    sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2))) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "reading key grants");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r;
}

/* -------------------------------------------------------------- clients */

static void bind_client_blobs(sqlite3_stmt *st, int first, const store_client *c)
{
	sqlite3_bind_int(st, first, c->vk_version);
	sqlite3_bind_blob(st, first + 1, c->wrapped, (int)c->wrapped_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, first + 2, c->data ? (const void *)c->data : "", (int)c->data_len, SQLITE_STATIC);
}

int store_client_insert(store *s, const store_client *c)
{
	sqlite3_stmt *st = q(s, Q_CLIENT_INS);
	int r;
	if (!st)
		return fort_error_code();
	if ((r = seal_checkpoint(s)) < 0)
		return r;
	sqlite3_bind_int64(st, 1, c->id);
	bind_client_blobs(st, 2, c);
	sqlite3_bind_int64(st, 5, c->created);
	sqlite3_bind_int64(st, 6, c->updated);
	if ((r = step_done(s, st, "adding a client")) == 0) {
		/* the seal's hash from the values just written (or handed in
		 * with them, store.h): no second read */
		unsigned char h[32];
		if (c->hash)
			memcpy(h, c->hash, 32);
		else
			store_client_hash(h, c);
		touch_put(s, T_CLIENTS, c->id, NULL, 0, h);
	}
	return r;
}

/* HASH: the row's seal hash from store_client_update_prep, or NULL */
static int client_update(store *s, const store_client *c, const unsigned char *hash)
{
	sqlite3_stmt *st = q(s, Q_CLIENT_UPD);
	int r, rc;
	if (!st)
		return fort_error_code();
	if ((r = seal_checkpoint(s)) < 0)
		return r;
	bind_client_blobs(st, 1, c);
	sqlite3_bind_int64(st, 4, c->updated);
	sqlite3_bind_int64(st, 5, c->id);
	sqlite3_bind_int64(st, 6, c->created);
	if ((r = step_done(s, st, "changing a client")) < 0)
		return r;
	if (sqlite3_changes(s->db) > 0) {
		/* the seal's hash from the values just written: no second read */
		unsigned char h[32];
		if (!hash) {
			store_client_hash(h, c);
			hash = h;
		}
		touch_put(s, T_CLIENTS, c->id, NULL, 0, hash);
		return 0;
	}
	/* C->created is the stored one (the caller read the record): a row
	 * with another is not the record the caller read */
	{
		sqlite3_stmt *g = q(s, Q_CLIENT_GET);
		if (!g)
			return fort_error_code();
		sqlite3_bind_int64(g, 1, c->id);
		rc = sqlite3_step(g);
		sqlite3_reset(g);
		if (rc == SQLITE_ROW)
			return fort_error_set(FORT_ETAMPER, "client %lld's record was changed outside Fortress while it was being written: "
					      "nothing was changed; run 'fortress audit verify'", (long long)c->id);
		if (rc != SQLITE_DONE)
			return map_sqlite(s->db, rc, "changing a client");
	}
	return 0;
}

int store_client_update(store *s, const store_client *c)
{
	return client_update(s, c, NULL);
}

/* no database: store_client_hash reads only C */
int store_client_update_prep(store *s, const store_client *c, unsigned char hash[32])
{
	(void)s;
	store_client_hash(hash, c);
	return 1;
}

int store_client_update_hashed(store *s, const store_client *c, const unsigned char hash[32])
{
	return client_update(s, c, hash);
}

static int client_row(store_client *c, sqlite3_stmt *st)
{
	int r;
	memset(c, 0, sizeof *c);
	c->id = sqlite3_column_int64(st, 0);
	c->vk_version = sqlite3_column_int(st, 1);
	if ((r = blob_dup(&c->wrapped, &c->wrapped_len, st, 2)) < 0 ||
	    (r = blob_dup(&c->data, &c->data_len, st, 3)) < 0)
		return r;
	c->created = sqlite3_column_int64(st, 4);
	c->updated = sqlite3_column_int64(st, 5);
	return 0;
}

int store_client_get(store *s, store_client *out, int64_t id)
{
	/* a sealed vault: the row and its seal head in one statement */
	int joined = s->enforce;
	sqlite3_stmt *st = q(s, joined ? Q_CLIENT_GET_SEALED : Q_CLIENT_GET);
	int rc, r;
	memset(out, 0, sizeof *out);
	kept_check(s); /* KEEPS_READ: a find's kept transaction, if current */
	if (!st)
		return fort_error_code();
	unsigned char h[32] = { 0 };
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		/* the row in hand is what is checked against its seal */
		if ((r = client_row(out, st)) == 0 && joined) {
			hash_client_row(h, st);
			r = seal_require_joined(s, st, id, h);
		}
		if (r < 0)
			store_client_release(out);
	} else if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		/* a record removed outside Fortress is not "no such client" */
		if ((r = seal_require_known(s, T_CLIENTS, id, id, h)) < 0)
			return r;
		r = FORT_ENOTFOUND; /* the caller names the id */
		fort_error_set(FORT_ENOTFOUND, "no such client");
	} else {
		r = map_sqlite(s->db, rc, "reading a client");
	}
	sqlite3_reset(st);
	return r;
}

int store_client_delete(store *s, int64_t id)
{
	sqlite3_stmt *st = q(s, Q_CLIENT_DEL);
	if (!st)
		return fort_error_code();
	sqlite3_bind_int64(st, 1, id);
	return step_done(s, st, "erasing a client");
}

/* A client row whose newest seal the same statement read (columns 6 and
 * 7: its seal_head hash and seq, NULL when it has none): the check
 * seal_require_known makes, without a statement of its own. */
static int seal_require_joined(store *s, sqlite3_stmt *st, int64_t id, const unsigned char now[32])
{
	store_seal_check c;
	unsigned char sealed[32];
	int found = sqlite3_column_type(st, 6) != SQLITE_NULL;
	if (!s->enforce || pending(s, T_CLIENTS, id))
		return 0;
	memset(sealed, 0xff, 32);
	if (found && sqlite3_column_bytes(st, 6) == 32)
		memcpy(sealed, sqlite3_column_blob(st, 6), 32);
	c.table = seal_table[T_CLIENTS];
	c.id = id;
	c.seq = found ? sqlite3_column_int64(st, 7) : 0;
	c.key[0] = '\0';
	c.state = seal_verdict(now, found, sealed);
	return c.state == STORE_SEAL_OK ? 0 : seal_fail(&c, id);
}

/* Step ST (prepared, bound) over client rows, calling CB for each; always
 * finalizes ST.  JOINED: ST also reads each row's seal head. */
static int clients_walk(store *s, sqlite3_stmt *st, store_client_cb cb, void *ctx, const char *what, int joined)
{
	store_client c;
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		unsigned char h[32] = { 0 };
		if (s->enforce)
			hash_client_row(h, st);
		if ((r = client_row(&c, st)) < 0 ||
		    (r = joined ? seal_require_joined(s, st, c.id, h) : seal_require_known(s, T_CLIENTS, c.id, c.id, h)) < 0) {
			store_client_release(&c);
			break;
		}
		r = cb(ctx, &c);
		store_client_release(&c);
		if (r != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, what);
	sqlite3_finalize(st);
	return r;
}

int store_client_each(store *s, store_client_cb cb, void *ctx)
{
	/* Not the cached statement: the callback may run other queries. */
	sqlite3_stmt *st;
	int rc;
	if ((rc = sqlite3_prepare_v2(s->db, sql_text[Q_CLIENT_EACH], -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "listing clients");
	return clients_walk(s, st, cb, ctx, "listing clients", 0);
}

/* ---------------------------------------------------------------- consent */

static const char *nz(const char *p) { return p ? p : ""; }

int store_consent_append(store *s, const store_consent_row *c)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = sqlite3_prepare_v2(s->db, "INSERT INTO consent(seq, client, purpose, action, ts, channel, recorded_by, language,"
				     " notice, evidence_hash, evidence, prev, hash) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "writing the consent ledger");
	sqlite3_bind_int64(st, 1, c->seq);
	sqlite3_bind_int64(st, 2, c->client);
	sqlite3_bind_text(st, 3, c->purpose, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->action, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, c->ts);
	sqlite3_bind_text(st, 6, c->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, c->recorded_by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, c->language, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, c->notice, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, c->evidence_hash, -1, SQLITE_STATIC);
	if (c->evidence)
		sqlite3_bind_blob(st, 11, c->evidence, (int)c->evidence_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 11);
	sqlite3_bind_blob(st, 12, c->prev, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 13, c->hash, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : map_sqlite(s->db, rc, "writing the consent ledger");
}

int store_consent_each(store *s, int64_t client, store_consent_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	store_consent_row c;
	int rc, r = 0;
	const char *sql = client ? "SELECT seq, client, purpose, action, ts, channel, recorded_by, language, notice, evidence_hash,"
				   " evidence, prev, hash FROM consent WHERE client = ? ORDER BY seq"
				 : "SELECT seq, client, purpose, action, ts, channel, recorded_by, language, notice, evidence_hash,"
				   " evidence, prev, hash FROM consent ORDER BY seq";
	if ((r = seal_require_table(s, T_CONSENT)) < 0)
		return r;
	if ((rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "reading the consent ledger");
	if (client)
		sqlite3_bind_int64(st, 1, client);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&c, 0, sizeof c);
		c.seq = sqlite3_column_int64(st, 0);
		c.client = sqlite3_column_int64(st, 1);
		c.purpose = nz((const char *)sqlite3_column_text(st, 2));
		c.action = nz((const char *)sqlite3_column_text(st, 3));
		c.ts = sqlite3_column_int64(st, 4);
		c.channel = nz((const char *)sqlite3_column_text(st, 5));
		c.recorded_by = nz((const char *)sqlite3_column_text(st, 6));
		c.language = nz((const char *)sqlite3_column_text(st, 7));
		c.notice = nz((const char *)sqlite3_column_text(st, 8));
		c.evidence_hash = nz((const char *)sqlite3_column_text(st, 9));
		c.evidence = sqlite3_column_blob(st, 10);
		c.evidence_len = (size_t)sqlite3_column_bytes(st, 10);
		if (sqlite3_column_bytes(st, 11) == 32)
			memcpy(c.prev, sqlite3_column_blob(st, 11), 32);
		if (sqlite3_column_bytes(st, 12) == 32)
			memcpy(c.hash, sqlite3_column_blob(st, 12), 32);
		if ((r = cb(ctx, &c)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "reading the consent ledger");
	sqlite3_finalize(st);
	return r;
}

int store_consent_tail(store *s, int64_t *seq, unsigned char hash[32])
{
	sqlite3_stmt *st;
	int rc, r = FORT_ENOTFOUND;
	if ((rc = sqlite3_prepare_v2(s->db, "SELECT seq, hash FROM consent ORDER BY seq DESC LIMIT 1", -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "reading the consent ledger");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		memset(hash, 0, 32);
		if (sqlite3_column_bytes(st, 1) == 32)
			memcpy(hash, sqlite3_column_blob(st, 1), 32);
		r = 0;
	} else if (rc != SQLITE_DONE) {
		r = map_sqlite(s->db, rc, "reading the consent ledger");
	}
	sqlite3_finalize(st);
	return r;
}

int store_notice_put(store *s, const char *hash, const char *language, const void *text, size_t len, int64_t ts)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO notices(hash, language, text, created) VALUES(?,?,?,?)", -1, &st,
				     NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "storing a notice");
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, language, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, text, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, ts);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : map_sqlite(s->db, rc, "storing a notice");
}

int store_notice_get(store *s, const char *hash, const char *language, char *hash_out, unsigned char **text, size_t *len)
{
	sqlite3_stmt *st;
	int rc, r;
	if ((rc = sqlite3_prepare_v2(s->db, hash ? "SELECT hash, text FROM notices WHERE hash = ?"
						 : "SELECT hash, text FROM notices WHERE language = ? ORDER BY created DESC, rowid DESC LIMIT 1",
				     -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "reading a notice");
	sqlite3_bind_text(st, 1, hash ? hash : language, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(hash_out, 65, "%s", nz((const char *)sqlite3_column_text(st, 0)));
		r = text ? blob_dup(text, len, st, 1) : 0;
	} else {
		r = rc == SQLITE_DONE ? FORT_ENOTFOUND : map_sqlite(s->db, rc, "reading a notice");
	}
	sqlite3_finalize(st);
	return r;
}

/* --------------------------------------------------------------- requests */

static void request_bind(sqlite3_stmt *st, const store_request *q, int first)
{
	sqlite3_bind_int64(st, first, q->client);
	sqlite3_bind_text(st, first + 1, q->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 2, q->jurisdiction, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 3, q->region, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 4, q->received, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 5, q->clock_start, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 6, q->state, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, first + 7, q->paused_days);
	sqlite3_bind_text(st, first + 8, q->paused_since, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, first + 9, q->extended);
	sqlite3_bind_text(st, first + 10, q->id_method, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 11, q->id_result, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 12, q->closed, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, first + 13, q->created);
	sqlite3_bind_int64(st, first + 14, q->updated);
}

int store_request_put(store *s, store_request *q)
{
	sqlite3_stmt *st;
	int rc;
	const char *sql = q->id ? "UPDATE requests SET client=?, kind=?, jurisdiction=?, region=?, received=?, clock_start=?, state=?,"
				  " paused_days=?, paused_since=?, extended=?, id_method=?, id_result=?, closed=?, created=?, updated=?"
				  " WHERE id=?"
				: "INSERT INTO requests(client, kind, jurisdiction, region, received, clock_start, state, paused_days,"
				  " paused_since, extended, id_method, id_result, closed, created, updated) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	if ((rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "writing a request");
	request_bind(st, q, 1);
	if (q->id)
		sqlite3_bind_int64(st, 16, q->id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return map_sqlite(s->db, rc, "writing a request");
	if (!q->id)
		q->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static int request_row(store_request *q, sqlite3_stmt *st)
{
	memset(q, 0, sizeof *q);
	q->id = sqlite3_column_int64(st, 0);
	q->client = sqlite3_column_int64(st, 1);
	snprintf(q->kind, sizeof q->kind, "%s", nz((const char *)sqlite3_column_text(st, 2)));
	snprintf(q->jurisdiction, sizeof q->jurisdiction, "%s", nz((const char *)sqlite3_column_text(st, 3)));
	snprintf(q->region, sizeof q->region, "%s", nz((const char *)sqlite3_column_text(st, 4)));
	snprintf(q->received, sizeof q->received, "%s", nz((const char *)sqlite3_column_text(st, 5)));
	snprintf(q->clock_start, sizeof q->clock_start, "%s", nz((const char *)sqlite3_column_text(st, 6)));
	snprintf(q->state, sizeof q->state, "%s", nz((const char *)sqlite3_column_text(st, 7)));
	q->paused_days = sqlite3_column_int(st, 8);
	snprintf(q->paused_since, sizeof q->paused_since, "%s", nz((const char *)sqlite3_column_text(st, 9)));
	q->extended = sqlite3_column_int(st, 10);
	snprintf(q->id_method, sizeof q->id_method, "%s", nz((const char *)sqlite3_column_text(st, 11)));
	snprintf(q->id_result, sizeof q->id_result, "%s", nz((const char *)sqlite3_column_text(st, 12)));
	snprintf(q->closed, sizeof q->closed, "%s", nz((const char *)sqlite3_column_text(st, 13)));
	q->created = sqlite3_column_int64(st, 14);
	q->updated = sqlite3_column_int64(st, 15);
	return 0;
}

#define REQ_COLS "id, client, kind, jurisdiction, region, received, clock_start, state, paused_days, paused_since, extended," \
	" id_method, id_result, closed, created, updated"

int store_request_get(store *s, store_request *q, int64_t id)
{
	sqlite3_stmt *st;
	int rc, r;
	if ((r = seal_require_table(s, T_REQUESTS)) < 0)
		return r;
	if ((rc = sqlite3_prepare_v2(s->db, "SELECT " REQ_COLS " FROM requests WHERE id = ?", -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "reading a request");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = request_row(q, st);
	else
		r = rc == SQLITE_DONE ? fort_error_set(FORT_ENOTFOUND, "no request %lld ('fortress request list' shows them)", (long long)id)
				      : map_sqlite(s->db, rc, "reading a request");
	sqlite3_finalize(st);
	return r;
}

int store_request_each(store *s, int64_t client, store_request_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	store_request q;
	int rc, r = 0;
	if ((r = seal_require_table(s, T_REQUESTS)) < 0)
		return r;
	if ((rc = sqlite3_prepare_v2(s->db, client ? "SELECT " REQ_COLS " FROM requests WHERE client = ? ORDER BY id"
						   : "SELECT " REQ_COLS " FROM requests ORDER BY id", -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "reading requests");
	if (client)
		sqlite3_bind_int64(st, 1, client);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		request_row(&q, st);
		if ((r = cb(ctx, &q)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "reading requests");
	sqlite3_finalize(st);
	return r;
}

int store_request_event(store *s, int64_t request, int64_t ts, const char *actor, const char *event, const char *detail)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = sqlite3_prepare_v2(s->db, "INSERT INTO request_events(request, ts, actor, event, detail) VALUES(?,?,?,?,?)", -1, &st,
				     NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "writing a request's history");
	sqlite3_bind_int64(st, 1, request);
	sqlite3_bind_int64(st, 2, ts);
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, detail, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : map_sqlite(s->db, rc, "writing a request's history");
}

int store_request_details_put(store *s, int64_t request, const char *channel, const unsigned char *note, size_t len)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = sqlite3_prepare_v2(s->db, "INSERT INTO request_details(request, channel, note) VALUES(?,?,?)", -1, &st, NULL)) !=
	    SQLITE_OK)
		return map_sqlite(s->db, rc, "writing a request's channel and note");
	sqlite3_bind_int64(st, 1, request);
	sqlite3_bind_text(st, 2, channel, -1, SQLITE_STATIC);
	if (note)
		sqlite3_bind_blob(st, 3, note, (int)len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : map_sqlite(s->db, rc, "writing a request's channel and note");
}

int store_request_details_get(store *s, int64_t request, char channel[16], unsigned char **note, size_t *len)
{
	sqlite3_stmt *st;
	int rc, r = 0;
	channel[0] = '\0';
	*note = NULL;
	*len = 0;
	if ((rc = sqlite3_prepare_v2(s->db, "SELECT channel, note FROM request_details WHERE request = ?", -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "reading a request's channel and note");
	sqlite3_bind_int64(st, 1, request);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(channel, 16, "%s", nz((const char *)sqlite3_column_text(st, 0)));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			r = blob_dup(note, len, st, 1);
	} else if (rc == SQLITE_DONE) {
		r = FORT_ENOTFOUND;
	} else {
		r = map_sqlite(s->db, rc, "reading a request's channel and note");
	}
	sqlite3_finalize(st);
	if (r == 0)
		r = seal_require_row(s, T_REQUEST_DETAILS, request, 0);
	else if (r == FORT_ENOTFOUND)
		/* none recorded, or deleted: a deleted row leaves its seal */
		r = (r = seal_require_table(s, T_REQUEST_DETAILS)) < 0 ? r : FORT_ENOTFOUND;
	if (r < 0 && r != FORT_ENOTFOUND) {
		free(*note);
		*note = NULL;
		*len = 0;
	}
	return r;
}

/* ------------------------------------------------------------------ holds */

int store_hold_put(store *s, int64_t client, const char *field, const char *until, const char *reason, int64_t request)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO holds(client, field, until, reason, request) VALUES(?,?,?,?,?)",
				     -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "recording a legal hold");
	sqlite3_bind_int64(st, 1, client);
	sqlite3_bind_text(st, 2, field, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, until, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, request);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return map_sqlite(s->db, rc, "recording a legal hold");
	touch_add(s, T_HOLDS, client, NULL, 0);
	return 0;
}

int store_hold_del(store *s, int64_t client, const char *field)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = sqlite3_prepare_v2(s->db, field ? "DELETE FROM holds WHERE client = ? AND field = ?" : "DELETE FROM holds WHERE client = ?",
				     -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "ending a legal hold");
	sqlite3_bind_int64(st, 1, client);
	if (field)
		sqlite3_bind_text(st, 2, field, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return map_sqlite(s->db, rc, "ending a legal hold");
	touch_add(s, T_HOLDS, client, NULL, 0);
	return 0;
}

int store_hold_each(store *s, const char *until_max, store_hold_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, r;
	/* holds decide what is erased and when: the whole set is checked
	 * (a hold removed lets its field be erased, one moved ends early) */
	if ((r = seal_require_table(s, T_HOLDS)) < 0)
		return r;
	if ((rc = sqlite3_prepare_v2(s->db, until_max ? "SELECT client, field, until, reason, request FROM holds WHERE until <= ? ORDER BY until, client"
						      : "SELECT client, field, until, reason, request FROM holds ORDER BY until, client",
				     -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "reading legal holds");
	if (until_max)
		sqlite3_bind_text(st, 1, until_max, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = cb(ctx, sqlite3_column_int64(st, 0), nz((const char *)sqlite3_column_text(st, 1)),
			    nz((const char *)sqlite3_column_text(st, 2)), nz((const char *)sqlite3_column_text(st, 3)),
			    sqlite3_column_int64(st, 4))) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "reading legal holds");
	sqlite3_finalize(st);
	return r;
}

/* each record with its seal head, one seek each in the same statement
 * instead of a statement of its own per record (issue 16: the batches of
 * a rotation, a reindex, the record-MAC upgrade) */
static const char client_batch_sql[] =
	"SELECT c.id, c.vk_version, c.wrapped, c.data, c.created, c.updated, h.hash, h.seq FROM clients c"
	" LEFT JOIN seal_head_clients h ON h.id = c.id WHERE c.id > ? ORDER BY c.id LIMIT ?";

int store_client_batch(store *s, int64_t after, size_t limit, store_client_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = sqlite3_prepare_v2(s->db, client_batch_sql, -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "reading clients");
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
	return clients_walk(s, st, cb, ctx, "reading clients", 1);
}

/* The row's columns are of the types the store writes (so that
 * store_client_hash of the record read is hash_client_row of the row). */
static int client_row_plain(sqlite3_stmt *st)
{
	return sqlite3_column_type(st, 0) == SQLITE_INTEGER && sqlite3_column_type(st, 1) == SQLITE_INTEGER &&
	       sqlite3_column_type(st, 2) == SQLITE_BLOB && sqlite3_column_type(st, 3) == SQLITE_BLOB &&
	       sqlite3_column_type(st, 4) == SQLITE_INTEGER && sqlite3_column_type(st, 5) == SQLITE_INTEGER;
}

/* store.h.  The row's hash (a BLAKE2b of the whole record, 6k
 * instructions a client: a rotation's calling thread is its critical
 * path) is left to the caller's check where nothing but the joined seal
 * head decides; anything else as clients_walk checks it. */
int store_client_batch_take(store *s, int64_t after, size_t limit, store_client_take_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, r = 0;
	if ((rc = sqlite3_prepare_v2(s->db, client_batch_sql, -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "reading clients");
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_client c;
		store_client_seal seal;
		int64_t id = sqlite3_column_int64(st, 0);
		memset(&seal, 0, sizeof seal);
		if (s->enforce && !pending(s, T_CLIENTS, id)) {
			if (client_row_plain(st)) {
				seal.deferred = 1;
				seal.found = sqlite3_column_type(st, 6) != SQLITE_NULL;
				seal.seq = seal.found ? sqlite3_column_int64(st, 7) : 0;
				memset(seal.sealed, 0xff, 32);
				if (seal.found && sqlite3_column_bytes(st, 6) == 32)
					memcpy(seal.sealed, sqlite3_column_blob(st, 6), 32);
			} else {
				unsigned char h[32];
				hash_client_row(h, st);
				if ((r = seal_require_joined(s, st, id, h)) < 0)
					break;
			}
		}
		if ((r = client_row(&c, st)) == 0)
			r = cb(ctx, &c, &seal);
		store_client_release(&c);
		if (r != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "reading clients");
	sqlite3_finalize(st);
	return r;
}

static int count_query(store *s, int which, uint64_t *n)
{
	sqlite3_stmt *st = q(s, which);
	int rc;
	if (!st)
		return fort_error_code();
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : map_sqlite(s->db, rc, "counting");
}

int store_client_count(store *s, uint64_t *n) { return count_query(s, Q_CLIENT_COUNT, n); }

int store_client_max_id(store *s, int64_t *id)
{
	uint64_t n = 0;
	int r = count_query(s, Q_CLIENT_MAX, &n);
	*id = (int64_t)n;
	return r;
}

void store_client_release(store_client *c)
{
	free(c->wrapped);
	free(c->data);
	memset(c, 0, sizeof *c);
}

/* ------------------------------------------------------------------ seals */

/* Which first letters the sealed tables' names have (built once from
 * seal_table): the update hook asks about every row a write changes, the
 * seal heads' and seal_log's among them (6 of a rotated client's 7), whose
 * names no sealed table's shares: one look-up instead of a pass over the
 * 24 names (bench/README.md, "wt-rot (fourth session)"). */
static unsigned char seal_first[256];
static pthread_once_t seal_first_once = PTHREAD_ONCE_INIT;
static void seal_first_init(void)
{
	for (int i = 0; i < T__COUNT; i++)
		seal_first[(unsigned char)seal_table[i][0]] = 1;
}

static int seal_table_index(const char *name)
{
	pthread_once(&seal_first_once, seal_first_init);
	if (!seal_first[(unsigned char)name[0]])
		return -1;
	/* the first letter before strcmp: every operation's role check asks
	 * for "meta", the 14th name (perf16) */
	for (int i = 0; i < T__COUNT; i++)
		if (seal_table[i][0] == name[0] && strcmp(seal_table[i], name) == 0)
			return i;
	return -1;
}

static void touch_clear(store *s)
{
	s->ntouch = 0;
	if (s->pset)
		memset(s->pset, 0, s->pcap * sizeof *s->pset);
}

static size_t pending_at(store *s, int tbl, int64_t id)
{
	return seal_pending_at(s->pset, s->pcap, s->touch, s->ntouch, tbl, id);
}

static int pending(store *s, int tbl, int64_t id)
{
	return pending_at(s, tbl, id) != 0;
}

/* Note a change to a sealed row.  HASH: the row's hash as the store
 * function that wrote it knows it (the flush then does not read the row
 * again); NULL: read it at the flush.  A row touched again takes the
 * newest: a later change through the update hook (HASH NULL) makes the
 * flush read it. */
static void touch_put(store *s, int tbl, int64_t id, const unsigned char *h, int64_t client, const unsigned char *hash)
{
	struct seal_touch *t;
	size_t k = pending_at(s, tbl, id);
	if (k) {
		t = &s->touch[k - 1];
		if (h)
			memcpy(t->h, h, STORE_BIDX_LEN);
		t->client = client;
		t->known = hash != NULL;
		if (hash)
			memcpy(t->hash, hash, 32);
		return;
	}
	if ((s->ntouch + 1) * 2 > s->pcap) {
		size_t nc = s->pcap ? s->pcap * 2 : 256;
		uint32_t *p = calloc(nc, sizeof *p);
		if (!p || s->ntouch >= UINT32_MAX - 1) {
			free(p);
			s->touch_lost = 1;
			return;
		}
		free(s->pset);
		s->pset = p;
		s->pcap = nc;
		for (size_t i = 0; i < s->ntouch; i++)
			seal_pset_put(s->pset, s->pcap, s->touch, i);
	}
	if (s->txdepth == 0) {
		/* a sealed row written outside a transaction cannot be sealed
		 * with its audit entry: the next commit refuses */
		s->touch_lost = 1;
		return;
	}
	if (s->ntouch == s->ctouch) {
		size_t n = s->ctouch ? s->ctouch * 2 : 64;
		/* not realloc: the old block's blind-index entries are wiped
		 * before it goes (as touch_sort's TOUCH2 and store_close) */
		struct seal_touch *p = malloc(n * sizeof *p);
		if (!p) {
			s->touch_lost = 1;
			return;
		}
		if (s->touch) {
			memcpy(p, s->touch, s->ntouch * sizeof *p);
			sodium_memzero(s->touch, s->ctouch * sizeof *s->touch);
			free(s->touch);
		}
		s->touch = p;
		s->ctouch = n;
	}
	t = &s->touch[s->ntouch++];
	memset(t, 0, sizeof *t);
	t->tbl = tbl;
	t->id = id;
	if (h)
		memcpy(t->h, h, STORE_BIDX_LEN);
	t->client = client;
	if (hash) {
		t->known = 1;
		memcpy(t->hash, hash, 32);
	}
	seal_pset_put(s->pset, s->pcap, s->touch, s->ntouch - 1);
}

/* A new unique entry's seal (idx_insert_many): the head it replaces at
 * the flush must not be live (HEAD_UNIQ_NEW_WHERE), unless the value was
 * touched already in this transaction (removed by us earlier: the SELECT
 * this check replaced skipped those too).  The check stays with the touch
 * when it is touched again (a removal after it seals zeros, which always
 * goes in). */
static void touch_put_new(store *s, int64_t id, const unsigned char *h, int64_t client, const unsigned char *hash)
{
	int was = pending(s, T_UNIQ, id);
	touch_put(s, T_UNIQ, id, h, client, hash);
	if (!was && s->enforce && s->ntouch && s->touch[s->ntouch - 1].tbl == T_UNIQ && s->touch[s->ntouch - 1].id == id)
		s->touch[s->ntouch - 1].check = 1;
}

static void touch_add(store *s, int tbl, int64_t id, const unsigned char *h, int64_t client)
{
	touch_put(s, tbl, id, h, client, NULL);
}

static void on_update(void *p, int op, const char *db, const char *tbl, sqlite3_int64 rowid)
{
	int t = seal_table_index(tbl);
	(void)op;
	(void)db;
	if (t < 0 || t == T_BLIND || t == T_UNIQ || t == T_META || group_col[t])
		return;
	touch_add(p, t, rowid, NULL, 0);
}

/* Index entries have no rowid: their seal id is a hash of their key (a
 * unique entry's key is its value's hash alone, so that a removed entry is
 * found by the value that is looked up). */
static int64_t index_id(int tbl, const unsigned char *h, int64_t client)
{
	/* a search entry's seal is its client's (migration 19) */
	if (tbl == T_BLIND)
		return client;
	return seal_index_id(seal_table[tbl], 0, h, client);
}

/* An operation that changes many rows (an import of a million clients, a
 * key rotation) would hold every changed row in memory until its audit
 * entry: past SEAL_BATCH of them the hook seals those so far with an entry
 * of their own, in the same transaction (a rollback takes it back too), so
 * memory stays bounded whatever the size of the operation.  Called before
 * a write, never from SQLite's update hook. */
#define SEAL_BATCH 32768

static int seal_checkpoint(store *s)
{
	int r;
	if (s->ntouch < SEAL_BATCH || !s->hook || s->in_checkpoint || s->txdepth == 0 || s->touch_lost)
		return 0;
	s->in_checkpoint = 1;
	r = s->hook(s->hook_ctx);
	s->in_checkpoint = 0;
	return r;
}

static int touch_index(store *s, int tbl, const unsigned char *h, int64_t client)
{
	touch_add(s, tbl, index_id(tbl, h, client), tbl == T_BLIND ? NULL : h, client);
	return 0;
}

_Static_assert(SEAL_COL_INT == SQLITE_INTEGER && SEAL_COL_FLOAT == SQLITE_FLOAT && SEAL_COL_TEXT == SQLITE_TEXT &&
		       SEAL_COL_BLOB == SQLITE_BLOB && SEAL_COL_NULL == SQLITE_NULL,
	       "a row hashes alike in both backends (seal_common.h)");

static void hash_columns(crypto_generichash_state *hs, sqlite3_stmt *st, int n)
{
	for (int i = 0; i < n; i++) {
		int ty = sqlite3_column_type(st, i);
		if (ty == SQLITE_INTEGER)
			seal_col_int(hs, sqlite3_column_int64(st, i));
		else if (ty == SQLITE_FLOAT)
			seal_col_float(hs, sqlite3_column_double(st, i));
		else if (ty == SQLITE_TEXT || ty == SQLITE_BLOB)
			seal_col_bytes(hs, ty, ty == SQLITE_TEXT ? (const void *)sqlite3_column_text(st, i) : sqlite3_column_blob(st, i),
				       (size_t)sqlite3_column_bytes(st, i));
		else
			seal_col_null(hs);
	}
}

static void row_hash_start(crypto_generichash_state *hs, int tbl)
{
	seal_row_start(hs, seal_table[tbl]);
}

/* An index entry's hash: what row_hash gives for it, from the entry in hand. */
static void hash_index(unsigned char out[32], int tbl, const unsigned char *h, int64_t client)
{
	seal_hash_index(out, seal_table[tbl], h, client);
}

/* A client record's hash from a statement on its row, columns in table
 * order (SELECT id, vk_version, wrapped, data, created, updated, or the
 * same RETURNING): what row_hash gives for it. */
static void hash_client_row(unsigned char out[32], sqlite3_stmt *st)
{
	crypto_generichash_state hs;
	row_hash_start(&hs, T_CLIENTS);
	seal_hash_u64(&hs, (uint64_t)sqlite3_column_int64(st, 0));
	hash_columns(&hs, st, 6);
	crypto_generichash_final(&hs, out, 32);
}


/* The hash of a sealed row (or group) as it is now; all zeros when there is none. */
static int row_hash(store *s, int tbl, int64_t id, const unsigned char *h, int64_t client, unsigned char out[32])
{
	crypto_generichash_state hs;
	sqlite3_stmt *st = s->row_st[tbl];
	int rc, r = 0;
	(void)client;
	memset(out, 0, 32);
	if (!st) {
		char sql[128];
		if (tbl == T_BLIND) /* a group: the mac column is not sealed content */
			snprintf(sql, sizeof sql, "SELECT h, client FROM blind WHERE client = ?1 ORDER BY h");
		else if (tbl == T_UNIQ)
			snprintf(sql, sizeof sql, "SELECT client FROM uniq WHERE h = ?1");
		else if (group_col[tbl])
			snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" WHERE %s = ?1 ORDER BY %s", seal_table[tbl], group_col[tbl],
				 group_order[tbl]);
		else
			snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" WHERE rowid = ?1", seal_table[tbl]);
		if ((rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL)) != SQLITE_OK)
			return map_sqlite(s->db, rc, "checking a sealed row");
		s->row_st[tbl] = st;
	}
	if (tbl == T_UNIQ) {
		sqlite3_bind_blob(st, 1, h, STORE_BIDX_LEN, SQLITE_STATIC);
	} else {
		sqlite3_bind_int64(st, 1, id);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int n = sqlite3_column_count(st);
		row_hash_start(&hs, tbl);
		if (tbl == T_UNIQ) {
			crypto_generichash_update(&hs, h, STORE_BIDX_LEN);
			seal_hash_u64(&hs, (uint64_t)sqlite3_column_int64(st, 0));
		} else {
			seal_hash_u64(&hs, (uint64_t)id);
			/* a group: every row of it, in order (one row: the same
			 * hash as a rowid table's) */
			do
				hash_columns(&hs, st, n);
			while (group_col[tbl] && (rc = sqlite3_step(st)) == SQLITE_ROW);
		}
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			crypto_generichash_final(&hs, out, 32);
		else
			r = map_sqlite(s->db, rc, "checking a sealed row");
	} else if (rc != SQLITE_DONE) {
		r = map_sqlite(s->db, rc, "checking a sealed row");
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r;
}

void store_set_commit_hook(store *s, store_commit_hook fn, void *ctx)
{
	s->hook = fn;
	s->hook_ctx = ctx;
}

size_t store_seal_pending(store *s)
{
	return s->ntouch;
}

static int touch_cmp(const void *a, const void *b)
{
	const struct seal_touch *x = a, *y = b;
	if (x->tbl != y->tbl)
		return strcmp(seal_table[x->tbl], seal_table[y->tbl]);
	return x->id < y->id ? -1 : x->id > y->id;
}

/* touch_cmp's order as a key for fort_sort_keyed: the table's place among
 * the names, then the id (sign bit flipped, so unsigned order is signed
 * order), cut to 58 bits.  A flush at import sorts 4 seals per client:
 * qsort was ~2.6k instructions per client of the store stage. */
static unsigned char table_rank[T__COUNT];
static pthread_once_t table_rank_once = PTHREAD_ONCE_INIT;
static void table_rank_init(void)
{
	for (int i = 0; i < T__COUNT; i++)
		for (int j = 0; j < T__COUNT; j++)
			table_rank[i] += strcmp(seal_table[j], seal_table[i]) < 0;
}

static uint64_t touch_key(const void *a)
{
	const struct seal_touch *x = a;
	_Static_assert(T__COUNT <= 64, "a table's rank in 6 bits");
	_Static_assert(sizeof(struct seal_touch) <= FORT_SORT_KEYED_MAX, "sorted in place, not by qsort");
	return (uint64_t)table_rank[x->tbl] << 58 | ((uint64_t)x->id ^ (UINT64_C(1) << 63)) >> 6;
}

/* One table's touches by id alone (touch_sort: the table is the same). */
static uint64_t touch_id_key(const void *a)
{
	return (uint64_t)((const struct seal_touch *)a)->id ^ (UINT64_C(1) << 63);
}

/* The touches in touch_cmp's order for the flush.  They come table by
 * table interleaved (an import: a record, then its index entries in
 * batches), and within a table often in id order already: records and
 * search groups by client id, which grows in file order.  touch_key's
 * radix passes could not split those (ids of one import share their top
 * bits: one bucket, then qsort, 2.1k instructions an imported client,
 * bench/README.md "wt-imp"), so the touches are first placed by table,
 * stably, and a table's run is sorted only when its ids did not come in
 * order (a unique entry's seal id is a hash: spread, which the radix
 * passes split).  The flush still checks the order it is given. */
static void touch_sort(store *s)
{
	size_t cnt[T__COUNT] = { 0 }, at[T__COUNT], o = 0;
	int64_t last[T__COUNT];
	unsigned char asc[T__COUNT];
	int ntab = 0, byrank[T__COUNT];
	struct seal_touch *out;
	pthread_once(&table_rank_once, table_rank_init);
	memset(asc, 1, sizeof asc);
	for (size_t i = 0; i < s->ntouch; i++) {
		const struct seal_touch *t = &s->touch[i];
		if (cnt[t->tbl]++ == 0)
			ntab++;
		else if (t->id < last[t->tbl])
			asc[t->tbl] = 0;
		last[t->tbl] = t->id;
	}
	if (ntab <= 1) {
		if (s->ntouch > 1 && !asc[s->touch[0].tbl])
			fort_sort_keyed(s->touch, s->ntouch, sizeof *s->touch, touch_id_key, touch_cmp);
		return;
	}
	if (s->ctouch2 < s->ntouch) {
		/* TOUCH2 is scratch (the order before the last sort): a new
		 * block, not realloc, so nothing stale is copied, and the old
		 * one's blind-index entries wiped before it goes (store_close
		 * wipes both buffers too).  Sized to TOUCH's capacity, so that
		 * after the swap below each array's size is the one recorded. */
		struct seal_touch *p = malloc(s->ctouch * sizeof *p);
		if (!p) { /* sorted in place instead */
			fort_sort_keyed(s->touch, s->ntouch, sizeof *s->touch, touch_key, touch_cmp);
			return;
		}
		if (s->touch2)
			sodium_memzero(s->touch2, s->ctouch2 * sizeof *s->touch2);
		free(s->touch2);
		s->touch2 = p;
		s->ctouch2 = s->ctouch;
	}
	for (int i = 0; i < T__COUNT; i++)
		byrank[table_rank[i]] = i;
	for (int r = 0; r < T__COUNT; r++) {
		at[byrank[r]] = o;
		o += cnt[byrank[r]];
	}
	out = s->touch2;
	for (size_t i = 0; i < s->ntouch; i++)
		out[at[s->touch[i].tbl]++] = s->touch[i];
	for (int i = 0; i < T__COUNT; i++)
		if (cnt[i] > 1 && !asc[i])
			fort_sort_keyed(out + at[i] - cnt[i], cnt[i], sizeof *out, touch_id_key, touch_cmp);
	s->touch2 = s->touch;
	s->touch = out;
	{
		size_t c = s->ctouch;
		s->ctouch = s->ctouch2;
		s->ctouch2 = c;
	}
}

/* A seal's rowid in seal_log (migration 10): its entry's seq, then its place
 * among that entry's seals (sorted by table and id), so one entry's seals
 * are a rowid range (no index on seq) and every insert appends. */
#define SEAL_PER_SEQ_MAX ((size_t)UINT32_MAX)
#define SEAL_SEQ_MAX ((int64_t)INT32_MAX)
#define SEAL_ROWID(seq, i) (((int64_t)(seq) << 32) + (int64_t)(i))

/* Heads are written SEAL_ROWS to a statement: one statement per row cost
 * as much again as the row itself (cursors opened and closed on the table,
 * the statement's halt).  The log's rows hold as many seals each
 * (SEAL_PACK_ROWS). */
#define SEAL_ROWS 64
_Static_assert(SEAL_ROWS == SEAL_PACK_ROWS, "a 64-head statement's seals are one packed log row");

/* SEAL_ROWS heads into the heads' table HEAD (head_of: the rows are all
 * of that table, or all ledgers', and distinct, so one upsert statement
 * can hold them all).  The entry's seq is one parameter (?1) for every
 * row. */
static int seal_head_put(store *s, int64_t seq, const struct seal_touch *t, const unsigned char h[32]);

/* The new unique entry T (seal_touch.check) whose head the flush's write
 * left as it was: a live head, the seal of an entry removed outside
 * Fortress (the refusal store_blind_add makes when it adds the entry). */
static int head_uniq_live(store *s, const struct seal_touch *t)
{
	store_seal_check c;
	unsigned char sealed[32];
	int found = seal_latest(s, T_UNIQ, t->id, sealed, &c.seq);
	if (found < 0)
		return found;
	c.table = seal_table[T_UNIQ];
	c.id = t->id;
	c.key[0] = '\0';
	c.state = STORE_SEAL_REMOVED;
	if (!found)
		c.seq = 0;
	return seal_fail(&c, 0);
}

/* After a write of M unique heads under HEAD_UNIQ_NEW_WHERE that changed
 * fewer rows: each head not written now (its seq is not SEQ) is a new
 * entry's live head (refused) or, for a touch without the check (a value
 * touched before its entry was added again, a seal of another kind), a
 * head to write as any other. */
static int head_uniq_left(store *s, int64_t seq, const struct seal_touch *t, unsigned char (*h)[32], int m)
{
	for (int i = 0; i < m; i++) {
		unsigned char cur[32];
		int64_t cseq = 0;
		int found = seal_latest(s, T_UNIQ, t[i].id, cur, &cseq);
		if (found < 0)
			return found;
		if (found && cseq == seq && sodium_memcmp(cur, h[i], 32) == 0)
			continue;
		if (t[i].check)
			return head_uniq_live(s, &t[i]);
		if ((found = seal_head_put(s, seq, &t[i], h[i])) < 0)
			return found;
	}
	return 0;
}

static int seal_insert_many(store *s, int head, int64_t seq, const struct seal_touch *t, unsigned char (*h)[32])
{
	sqlite3_stmt *st;
	int rc, w = head == HEAD_LEDGERS ? 3 : 2, chk = 0;
	if (head == T_UNIQ) /* with a new entry's head among them: the checked write */
		for (int i = 0; i < SEAL_ROWS && !chk; i++)
			chk = t[i].check;
	st = chk ? s->uniq_new_many : s->head_many[head];
	if ((rc = tx_check(s)) < 0)
		return rc;
	if (!st) {
		char sql[320 + SEAL_ROWS * 40];
		size_t o;
		if (head == HEAD_LEDGERS)
			o = (size_t)snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO seal_head(seq, tbl, id, hash) VALUES");
		else if (chk)
			o = (size_t)snprintf(sql, sizeof sql, "INSERT INTO seal_head_uniq(seq, id, hash) VALUES");
		else
			o = (size_t)snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO %s(seq, id, hash) VALUES", head_own[head]);
		for (int i = 0; i < SEAL_ROWS; i++) {
			int b = 2 + w * i;
			if (w == 2)
				o += (size_t)snprintf(sql + o, sizeof sql - o, "%s(?1,?%d,?%d)", i ? "," : "", b, b + 1);
			else
				o += (size_t)snprintf(sql + o, sizeof sql - o, "%s(?1,?%d,?%d,?%d)", i ? "," : "", b, b + 1, b + 2);
		}
		if (chk)
			snprintf(sql + o, sizeof sql - o, "%s", HEAD_UNIQ_NEW_WHERE);
		if ((rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL)) != SQLITE_OK)
			return map_sqlite(s->db, rc, "sealing the change");
		if (chk)
			s->uniq_new_many = st;
		else
			s->head_many[head] = st;
	}
	sqlite3_bind_int64(st, 1, seq);
	for (int i = 0; i < SEAL_ROWS; i++) {
		int b = 2 + w * i;
		if (w == 3)
			sqlite3_bind_text(st, b++, seal_table[t[i].tbl], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, b, t[i].id);
		sqlite3_bind_blob(st, b + 1, h[i], 32, SQLITE_STATIC);
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return map_sqlite(s->db, rc, "sealing the change");
	if (chk && sqlite3_changes(s->db) != SEAL_ROWS)
		return head_uniq_left(s, seq, t, h, SEAL_ROWS);
	return 0;
}

/* Do the SEAL_ROWS touches from T on have their heads in one table
 * (head_of)?  The touches are in table order, so the own-head tables'
 * are runs; the ledgers' runs may have one of those in their middle. */
static int seal_rows_one_head(const struct seal_touch *t)
{
	int k = head_of(t[0].tbl);
	for (int i = 1; i < SEAL_ROWS; i++)
		if (head_of(t[i].tbl) != k)
			return 0;
	return 1;
}

/* One seal's head (a flush's rows that are not in a statement of
 * SEAL_ROWS). */
static int seal_head_put(store *s, int64_t seq, const struct seal_touch *t, const unsigned char h[32])
{
	int k = head_of(t->tbl), r;
	sqlite3_stmt *st = q(s, k == HEAD_LEDGERS ? Q_SEAL_HEAD_PUT : t->check ? Q_HEAD_PUT_UNIQ_NEW : Q_HEAD_PUT_CLIENTS + k);
	int b = 1;
	if (!st)
		return fort_error_code();
	if (k == HEAD_LEDGERS)
		sqlite3_bind_text(st, b++, seal_table[t->tbl], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, b++, t->id);
	sqlite3_bind_int64(st, b++, seq);
	sqlite3_bind_blob(st, b, h, 32, SQLITE_STATIC);
	if ((r = step_done(s, st, "sealing the change")) < 0)
		return r;
	/* a new unique entry's head left as it was: a live one */
	if (t->check && k == T_UNIQ && sqlite3_changes(s->db) == 0)
		return head_uniq_live(s, t);
	return 0;
}

/* The packed log row of the entry SEQ's seals FIRST .. FIRST + N - 1
 * (their places; N <= SEAL_PACK_ROWS, FIRST a multiple of it). */
static int seal_log_put(store *s, int64_t seq, size_t first, const unsigned char *pack, size_t n)
{
	sqlite3_stmt *st = q(s, Q_SEAL_ADD);
	if (!st)
		return fort_error_code();
	sqlite3_bind_int64(st, 1, SEAL_ROWID(seq, first));
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_blob(st, 3, pack, (int)(n * SEAL_PACK_LEN), SQLITE_STATIC);
	return step_done(s, st, "sealing the change");
}

int store_seal_flush(store *s, int64_t seq, unsigned char digest[32], int *any)
{
	crypto_generichash_state dg;
	unsigned char pack[SEAL_PACK_ROWS * SEAL_PACK_LEN];
	size_t n = 0;
	int r = 0;
	*any = 0;
	memset(digest, 0, 32);
	if (s->touch_lost)
		return fort_error_set(FORT_ENOMEM, "out of memory while sealing the change: nothing was changed");
	if (!s->ntouch)
		return 0;
	touch_sort(s);
	for (size_t i = 0; i < s->ntouch; i++) {
		int c = n ? touch_cmp(&s->touch[n - 1], &s->touch[i]) : -1;
		if (c > 0) /* touch_key disagrees with touch_cmp: the seals' order would be wrong */
			return fort_error_set(FORT_ERROR, "sealing the change: the rows are out of order: nothing was changed");
		if (c != 0)
			s->touch[n++] = s->touch[i];
	}
	if (seq < 1 || seq > SEAL_SEQ_MAX || n > SEAL_PER_SEQ_MAX)
		return fort_error_set(FORT_ERROR, "cannot seal %zu rows under audit entry %lld: nothing was changed", n, (long long)seq);
	seal_digest_start(&dg);
	/* the seals go into the log SEAL_PACK_ROWS to a row, at places 0, 64,
	 * 128 ... of the entry; the heads 64 to a statement where 64 in a row
	 * are of one heads' table, else one by one */
	for (size_t i = 0; i < n && r == 0;) {
		struct seal_touch *t = &s->touch[i];
		size_t m = n - i >= SEAL_ROWS && seal_rows_one_head(t) ? SEAL_ROWS : 1;
		unsigned char hs[SEAL_ROWS][32];
		for (size_t k = 0; k < m && r == 0; k++) {
			size_t at = i + k;
			if (t[k].known)
				memcpy(hs[k], t[k].hash, 32);
			else if ((r = row_hash(s, t[k].tbl, t[k].id, t[k].h, t[k].client, hs[k])) < 0)
				break;
			seal_digest_add(&dg, seal_table[t[k].tbl], t[k].id, hs[k]);
			seal_pack_put(pack + (at % SEAL_PACK_ROWS) * SEAL_PACK_LEN, t[k].tbl, t[k].id, hs[k]);
			if ((at + 1) % SEAL_PACK_ROWS == 0 || at + 1 == n)
				r = seal_log_put(s, seq, at - at % SEAL_PACK_ROWS, pack, at % SEAL_PACK_ROWS + 1);
		}
		if (r == 0)
			r = m == SEAL_ROWS ? seal_insert_many(s, head_of(t[0].tbl), seq, t, hs) : seal_head_put(s, seq, t, hs[0]);
		i += m;
	}
	if (r < 0)
		return r;
	crypto_generichash_final(&dg, digest, 32);
	touch_clear(s);
	*any = 1;
	return 0;
}

/* One seal of an entry, read back from the packed log (store_seal_digest). */
struct seal_read {
	int tbl; /* -1: damaged */
	int64_t id;
	unsigned char h[32];
};

static int seal_read_cmp(const void *a, const void *b)
{
	const struct seal_read *x = a, *y = b;
	int c;
	if (x->tbl != y->tbl) {
		if (x->tbl < 0 || y->tbl < 0)
			return x->tbl < y->tbl ? -1 : 1;
		return strcmp(seal_table[x->tbl], seal_table[y->tbl]);
	}
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	c = memcmp(x->h, y->h, 32);
	return c;
}

static void seal_read_digest(crypto_generichash_state *dg, const struct seal_read *e)
{
	/* a damaged tuple: a table no seal names, a hash no row has */
	static const unsigned char bad[32] = { 1 };
	if (e->tbl < 0)
		seal_digest_add(dg, "?", e->id, bad);
	else
		seal_digest_add(dg, seal_table[e->tbl], e->id, e->h);
}

/* The entry's seals in (table, id) order, as the flush digested them.  The
 * flush wrote them so: they are digested as read, and only a log whose
 * order was changed outside Fortress is read again into memory and
 * sorted (ALL), so that what the digest covers is the set of seals, as
 * when the log was a row per seal read back ORDER BY tbl, id. */
static int seal_digest_pass(store *s, int64_t seq, crypto_generichash_state *dg, uint64_t *n, struct seal_read **all,
			    int *sorted)
{
	sqlite3_stmt *st = q(s, Q_SEAL_OF_SEQ);
	struct seal_read prev = { -2, 0, { 0 } };
	size_t cap = 0;
	int rc = SQLITE_DONE, r = 0;
	if (!st)
		return fort_error_code();
	sqlite3_bind_int64(st, 1, SEAL_ROWID(seq, 0));
	sqlite3_bind_int64(st, 2, SEAL_ROWID(seq, SEAL_PER_SEQ_MAX));
	sqlite3_bind_int64(st, 3, seq);
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *p = sqlite3_column_blob(st, 1);
		size_t len = p ? (size_t)sqlite3_column_bytes(st, 1) : 0, nk = seal_pack_count(len);
		for (size_t k = 0; k < nk; k++) {
			struct seal_read e = { -1, 0, { 0 } };
			const unsigned char *h;
			int t;
			if (seal_pack_get(p, len, k, T__COUNT, &t, &e.id, &h) == 0) {
				e.tbl = t;
				memcpy(e.h, h, 32);
			} else {
				e.id = sqlite3_column_int64(st, 0) + (int64_t)k;
			}
			(*n)++;
			if (all) {
				if (FORT_ARRAY_GROW(*all, (size_t)*n, cap, 1024) < 0) {
					r = fort_error_set(FORT_ENOMEM, "out of memory while reading the seals");
					break;
				}
				(*all)[*n - 1] = e;
				continue;
			}
			if (prev.tbl != -2 && seal_read_cmp(&prev, &e) > 0) {
				*sorted = 0;
				break;
			}
			seal_read_digest(dg, &e);
			prev = e;
		}
		if (!*sorted)
			break;
	}
	if (r == 0 && *sorted && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = map_sqlite(s->db, rc, "reading the seals");
	sqlite3_reset(st);
	return r;
}

int store_seal_digest(store *s, int64_t seq, unsigned char digest[32], uint64_t *n)
{
	crypto_generichash_state dg;
	struct seal_read *all = NULL;
	int r, sorted = 1;
	*n = 0;
	memset(digest, 0, 32);
	/* a row moved out of its entry's range is in no digest: the count of
	 * all seals against the sum of the entries' (seal_verify) names it */
	if (seq < 1 || seq > SEAL_SEQ_MAX)
		return 0;
	seal_digest_start(&dg);
	if ((r = seal_digest_pass(s, seq, &dg, n, NULL, &sorted)) < 0)
		return r;
	if (!sorted) {
		*n = 0;
		sorted = 1;
		seal_digest_start(&dg);
		if ((r = seal_digest_pass(s, seq, &dg, n, &all, &sorted)) < 0)
			goto out;
		qsort(all, (size_t)*n, sizeof *all, seal_read_cmp);
		for (uint64_t i = 0; i < *n; i++)
			seal_read_digest(&dg, &all[i]);
	}
	if (*n)
		crypto_generichash_final(&dg, digest, 32);
out:
	free(all);
	return r;
}

int store_seal_count(store *s, uint64_t *n) { return count_query(s, Q_SEAL_COUNT, n); }

/* Each (tbl, id) with its newest seal in the log and its head, where they
 * are not the same (either missing included): one query per heads' table
 * (a join on the four as one compound would scan it for every log row).
 * Columns: table, id, head hash, log hash, log seq.  The ledgers' query
 * names a head of an own-head table left in seal_head as a head of no
 * sealed table ('?' before its name): reads never look for it there, so
 * it was put there outside Fortress. */
static const char *const heads_check_sql[HEAD_LEDGERS + 1] = {
#define HEADS_OWN(name)                                                                                                   \
	"SELECT '" name "', coalesce(l.id, h.id), h.hash, l.hash, l.seq"                                                  \
	" FROM (SELECT id, max(seq) AS seq, hash FROM seal_rows WHERE tbl = '" name "' GROUP BY id) AS l"                 \
	" FULL JOIN seal_head_" name " AS h ON h.id = l.id"                                                               \
	" WHERE h.id IS NULL OR l.id IS NULL OR h.seq IS NOT l.seq OR h.hash IS NOT l.hash LIMIT 1"
	HEADS_OWN("clients"), HEADS_OWN("blind"), HEADS_OWN("uniq"),
#undef HEADS_OWN
	"SELECT coalesce(l.tbl, CASE WHEN h.tbl IN ('clients', 'blind', 'uniq') THEN '?' || h.tbl ELSE h.tbl END),"
	" coalesce(l.id, h.id), h.hash, l.hash, l.seq"
	" FROM (SELECT tbl, id, max(seq) AS seq, hash FROM seal_rows WHERE tbl NOT IN ('clients', 'blind', 'uniq')"
	" GROUP BY tbl, id) AS l"
	" FULL JOIN seal_head AS h ON h.tbl = l.tbl AND h.id = l.id"
	" WHERE h.tbl IS NULL OR l.tbl IS NULL OR h.seq IS NOT l.seq OR h.hash IS NOT l.hash LIMIT 1",
};
_Static_assert(HEAD_OWN_COUNT == 3, "heads_check_sql names the own-head tables");

int store_seal_heads_check(store *s, store_seal_check *out, int *differ)
{
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_DONE, r = 0;
	*differ = 0;
	memset(out, 0, sizeof *out);
	for (int k = 0; k <= HEAD_LEDGERS && rc == SQLITE_DONE; k++) {
		sqlite3_finalize(st);
		if ((rc = sqlite3_prepare_v2(s->db, heads_check_sql[k], -1, &st, NULL)) != SQLITE_OK) {
			st = NULL;
			break;
		}
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_ROW) {
		/* The rows were checked against their heads first, so the head
		 * stands for the row: say what a check of the row against the
		 * log's newest seal says (as before seal_head existed). */
		unsigned char now[32] = { 0 }, sealed[32];
		int t = seal_table_index(nz((const char *)sqlite3_column_text(st, 0)));
		int found = sqlite3_column_type(st, 3) != SQLITE_NULL;
		*differ = 1;
		out->table = t >= 0 ? seal_table[t] : NULL;
		out->id = sqlite3_column_int64(st, 1);
		out->seq = sqlite3_column_int64(st, 4);
		if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
			memset(now, 0xff, 32);
			if (sqlite3_column_bytes(st, 2) == 32)
				memcpy(now, sqlite3_column_blob(st, 2), 32);
		}
		memset(sealed, 0xff, 32);
		if (found && sqlite3_column_bytes(st, 3) == 32)
			memcpy(sealed, sqlite3_column_blob(st, 3), 32);
		out->state = seal_verdict(now, found, sealed);
	} else if (rc != SQLITE_DONE) {
		r = map_sqlite(s->db, rc, "checking the seals");
	}
	sqlite3_finalize(st);
	return r;
}

static int seal_latest(store *s, int tbl, int64_t id, unsigned char hash[32], int64_t *seq)
{
	int k = head_of(tbl), rc, r;
	sqlite3_stmt *st = q(s, k == HEAD_LEDGERS ? Q_SEAL_LATEST : Q_HEAD_GET_CLIENTS + k);
	if (!st)
		return fort_error_code();
	if (k == HEAD_LEDGERS) {
		sqlite3_bind_text(st, 1, seal_table[tbl], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, id);
	} else {
		sqlite3_bind_int64(st, 1, id);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(hash, 0xff, 32);
		if (sqlite3_column_bytes(st, 0) == 32)
			memcpy(hash, sqlite3_column_blob(st, 0), 32);
		*seq = sqlite3_column_int64(st, 1);
		r = 1;
	} else {
		r = rc == SQLITE_DONE ? 0 : map_sqlite(s->db, rc, "reading the seals");
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r;
}

/* KNOWN: the row's hash from the row in hand (zeros: known absent), or
 * NULL to read it. */
static int seal_state_known(store *s, int tbl, int64_t id, const unsigned char *h, int64_t client, const unsigned char *known,
			    store_seal_check *out)
{
	unsigned char now[32], sealed[32];
	int r, found;
	out->table = seal_table[tbl];
	out->id = id;
	out->seq = 0;
	out->key[0] = '\0';
	if (pending(s, tbl, id)) {
		out->state = STORE_SEAL_OK;
		return 0;
	}
	if (known)
		memcpy(now, known, 32);
	else if ((r = row_hash(s, tbl, id, h, client, now)) < 0)
		return r;
	if ((found = seal_latest(s, tbl, id, sealed, &out->seq)) < 0)
		return found;
	out->state = seal_verdict(now, found, sealed);
	if (tbl == T_META && out->state != STORE_SEAL_OK) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(s->db, "SELECT k FROM meta WHERE rowid = ?", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, id);
			if (sqlite3_step(st) == SQLITE_ROW)
				snprintf(out->key, sizeof out->key, "%s", nz((const char *)sqlite3_column_text(st, 0)));
			sqlite3_finalize(st);
		}
	}
	return 0;
}

static int seal_state(store *s, int tbl, int64_t id, const unsigned char *h, int64_t client, store_seal_check *out)
{
	return seal_state_known(s, tbl, id, h, client, NULL, out);
}

int store_seal_row(store *s, const char *table, int64_t id, store_seal_check *out)
{
	int t = seal_table_index(table);
	if (t < 0 || t == T_BLIND || t == T_UNIQ)
		return fort_error_set(FORT_ERROR, "'%s' is not a sealed table", table);
	return seal_state(s, t, id, NULL, 0, out);
}

int store_seal_index(store *s, const unsigned char h[STORE_BIDX_LEN], int unique, int64_t client, store_seal_check *out)
{
	int t = unique ? T_UNIQ : T_BLIND;
	return seal_state(s, t, index_id(t, h, client), t == T_UNIQ ? h : NULL, client, out);
}

void store_keep_checks(store *s)
{
	s->scanned |= s->scanned_before;
}

int store_tx_open(store *s)
{
	return s->txdepth > 0 || s->ntouch > 0 || s->touch_lost;
}

int store_changed(store *s)
{
	/* kept prepared: a server asks before every request */
	sqlite3_stmt *st = q(s, Q_DATA_VERSION);
	int64_t dv;
	int rc;
	kept_check(s); /* KEEPS_READ: a find's kept transaction, if current */
	if (!st)
		return fort_error_code();
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		int r = map_sqlite(s->db, rc, "checking the vault for changes");
		sqlite3_reset(st);
		return r;
	}
	dv = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (s->has_data_version && dv == s->data_version)
		return 0;
	rc = s->has_data_version;
	s->data_version = dv;
	s->has_data_version = 1;
	/* a ledger another connection changed is checked whole again */
	s->scanned_before = s->scanned;
	s->scanned = 0;
	return rc;
}

void store_seal_enforce(store *s, int on)
{
	s->enforce = on;
	s->scanned = 0;
}

static const char *seal_noun(char *buf, size_t cap, const store_seal_check *c, int64_t client)
{
	static const struct { const char *tbl, *pre, *post; } nouns[] = {
		{ "clients", "client ", "'s record" },
		{ "consent", "consent ledger entry ", "" },
		{ "erased", "the erasure ledger entry of client ", "" },
		{ "erased_fields", "field erasure ledger entry ", "" },
		{ "exports", "exports record #", "" },
		{ "requests", "request #", "" },
		{ "request_events", "request history row ", "" },
		{ "incidents", "incident #", "" },
		{ "incident_notes", "incident note ", "" },
		{ "incident_scope", "incident scope row ", "" },
		{ "incident_actions", "incident action ", "" },
		{ "holds", "the legal holds of client ", "" },
		{ "attachments", "attachment ", "" },
		{ "attachment_clients", "the client links of attachment ", "" },
		{ "intake_forms", "intake form #", "" },
		{ "intake_decisions", "the decision on intake submission ", "" },
		{ "user_totp", "the second factor (user_totp) of user #", "" },
		{ "tokens", "token #", "" },
		{ "request_details", "the channel and note of request #", "" },
		{ "invitations", "invitation #", "" },
	};
	if (strcmp(c->table, "meta") == 0) {
		static const struct { const char *k, *noun; } m[] = {
			{ "map", "the data map" }, { "business", "the business name" }, { "owner", "the owner's name" },
			{ "vault_id", "the vault id" }, { "created", "the vault's creation time" },
			{ "notice_published", "the published notice version" }, { "backup_verified", "the last verified backup" },
			{ "mail.settings", "the mail settings (SMTP server, sender)" },
			{ "intake_pk", "the intake public key" },
			{ "intake_origins", "the sites that may embed the intake forms" },
			{ "request_policy", "the request policy (which requests need a second identity step)" },
			{ "record_mac", "the record-format marker (every client record carries its MAC)" },
			{ "client_languages", "the clients' languages (their letters' language)" },
			{ "notice_published_lang", "the versions of the notice published in other languages" },
		};
		for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
			if (strcmp(c->key, m[i].k) == 0) {
				snprintf(buf, cap, "%s", m[i].noun);
				return buf;
			}
		snprintf(buf, cap, "a vault setting (data map, business or owner name, vault id, notice version, backups, mail settings, record-format marker)");
		return buf;
	}
	if (strcmp(c->table, "blind") == 0) {
		/* sealed by client (migration 19): the seal's id is the client */
		if (client || c->id)
			snprintf(buf, cap, "the set of search-index entries naming client %lld", (long long)(client ? client : c->id));
		else
			snprintf(buf, cap, "a search-index entry");
		return buf;
	}
	if (strcmp(c->table, "uniq") == 0) {
		const char *kind = "a unique-index entry (e-mail, phone)";
		if (client)
			snprintf(buf, cap, "%s naming client %lld", kind, (long long)client);
		else
			snprintf(buf, cap, "%s", kind);
		return buf;
	}
	for (size_t i = 0; i < sizeof nouns / sizeof nouns[0]; i++)
		if (strcmp(nouns[i].tbl, c->table) == 0) {
			snprintf(buf, cap, "%s%lld%s", nouns[i].pre, (long long)c->id, nouns[i].post);
			return buf;
		}
	snprintf(buf, cap, "row %lld of %s", (long long)c->id, c->table);
	return buf;
}

void store_seal_describe(char *buf, size_t cap, const store_seal_check *c, int64_t client)
{
	char noun[128];
	seal_noun(noun, sizeof noun, c, client);
	switch (c->state) {
	case STORE_SEAL_CHANGED:
		snprintf(buf, cap, "%s does not match what audit entry %lld recorded: it was changed outside Fortress "
			 "(edited, cut, moved to another client or an older copy put back)", noun, (long long)c->seq);
		break;
	case STORE_SEAL_UNSEALED:
		snprintf(buf, cap, "%s is not recorded in the audit log: it was added outside Fortress", noun);
		break;
	case STORE_SEAL_REMOVED:
		snprintf(buf, cap, "%s, recorded by audit entry %lld, is missing: it was removed outside Fortress",
			 noun, (long long)c->seq);
		break;
	default:
		snprintf(buf, cap, "%s matches the audit log", noun);
	}
}

/* Reads of sealed rows: nothing the vault returns or acts on may differ
 * from what the audit log vouches for. */
static int seal_require_row(store *s, int tbl, int64_t id, int64_t client)
{
	store_seal_check c;
	int r;
	if (!s->enforce)
		return 0;
	if ((r = seal_state(s, tbl, id, NULL, 0, &c)) < 0)
		return r;
	return c.state == STORE_SEAL_OK ? 0 : seal_fail(&c, client);
}

/* A row read just now, whose hash (HASH) is computed from what was read. */
static int seal_require_known(store *s, int tbl, int64_t id, int64_t client, const unsigned char hash[32])
{
	store_seal_check c;
	int r;
	if (!s->enforce)
		return 0;
	if ((r = seal_state_known(s, tbl, id, NULL, 0, hash, &c)) < 0)
		return r;
	return c.state == STORE_SEAL_OK ? 0 : seal_fail(&c, client);
}

/* An index entry just found: (H, CLIENT) is the row. */
static int seal_require_index(store *s, int tbl, const unsigned char *h, int64_t client)
{
	store_seal_check c;
	unsigned char now[32];
	int r;
	if (!s->enforce)
		return 0;
	if (tbl == T_BLIND) /* its client's search entries, read as they are */
		r = seal_state(s, tbl, client, NULL, client, &c);
	else {
		hash_index(now, tbl, h, client);
		r = seal_state_known(s, tbl, index_id(tbl, h, client), h, client, now, &c);
	}
	if (r < 0)
		return r;
	return c.state == STORE_SEAL_OK ? 0 : seal_fail(&c, client);
}

/* A ledger is read as a whole set (an entry removed is as telling as one
 * changed): check every row and seal once per process, before the first
 * read. */
static int seal_require_table(store *s, int tbl)
{
	int r;
	if (!s->enforce || (s->scanned & 1u << tbl))
		return 0;
	if ((r = store_seal_scan(s, seal_table[tbl], seal_scan_first, NULL)) < 0)
		return r;
	s->scanned |= 1u << tbl;
	return 0;
}

/* The query that lists a sealed table's seal units: index entries by
 * their key, groups (holds, attachment links) by their group, other rows
 * by rowid. */
static void seal_rows_sql(char *sql, size_t cap, int t)
{
	if (t == T_UNIQ)
		snprintf(sql, cap, "SELECT h, client FROM %s", seal_table[t]);
	else if (t == T_META) {
		char keys[400];
		store_meta_sealed_sql(keys, sizeof keys);
		snprintf(sql, cap, "SELECT rowid FROM meta WHERE k IN (%s)", keys);
	} else if (group_col[t])
		snprintf(sql, cap, "SELECT DISTINCT %s FROM \"%s\"", group_col[t], seal_table[t]);
	else
		snprintf(sql, cap, "SELECT rowid FROM \"%s\"", seal_table[t]);
}

int store_seal_scan(store *s, const char *table, store_seal_cb cb, void *ctx)
{
	int t = seal_table_index(table), rc, r = 0;
	sqlite3_stmt *st = NULL;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	char sql[512];
	store_seal_check c;
	if (t < 0)
		return fort_error_set(FORT_ERROR, "'%s' is not a sealed table", table);
	if (t == T_BLIND && (r = blind_per_entry(s)) != 0) {
		/* not yet regrouped (the next unlock does it): per entry */
		uint64_t nc;
		if (r < 0)
			return r;
		r = blind_entry_check(s, cb, ctx, &ids, &n, &nc);
		free(ids);
		return r;
	}
	seal_rows_sql(sql, sizeof sql, t);
	if ((rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "checking the seals");
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id;
		unsigned char h[STORE_BIDX_LEN] = { 0 };
		int64_t client = 0;
		if (t == T_UNIQ) {
			if (sqlite3_column_bytes(st, 0) == STORE_BIDX_LEN)
				memcpy(h, sqlite3_column_blob(st, 0), STORE_BIDX_LEN);
			client = sqlite3_column_int64(st, 1);
			id = index_id(t, h, client);
		} else {
			id = sqlite3_column_int64(st, 0);
		}
		if ((r = FORT_ARRAY_GROW(ids, n + 1, cap, 256)) < 0)
			break;
		ids[n++] = id;
		if ((r = seal_state(s, t, id, h, client, &c)) == 0 && c.state != STORE_SEAL_OK)
			r = cb(ctx, &c);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "checking the seals");
	sqlite3_finalize(st);
	st = NULL;
	if (r != 0)
		goto out;
	/* every live seal must still have its row */
	if (n)
		qsort(ids, n, sizeof *ids, seal_id_cmp);
	if (head_of(t) == HEAD_LEDGERS)
		rc = sqlite3_prepare_v2(s->db, "SELECT id, hash, seq FROM seal_head WHERE tbl = ?", -1, &st, NULL);
	else {
		snprintf(sql, sizeof sql, "SELECT id, hash, seq FROM %s", head_own[head_of(t)]);
		rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	}
	if (rc != SQLITE_OK) {
		r = map_sqlite(s->db, rc, "checking the seals");
		goto out;
	}
	if (head_of(t) == HEAD_LEDGERS)
		sqlite3_bind_text(st, 1, seal_table[t], -1, SQLITE_STATIC);
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		int live = sqlite3_column_bytes(st, 1) != 32 || !seal_is_zero32(sqlite3_column_blob(st, 1));
		if (live && !(n && bsearch(&id, ids, n, sizeof *ids, seal_id_cmp)) && !pending(s, t, id)) {
			c.table = seal_table[t];
			c.id = id;
			c.seq = sqlite3_column_int64(st, 2);
			c.state = STORE_SEAL_REMOVED;
			c.key[0] = '\0';
			r = cb(ctx, &c);
		}
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "checking the seals");
out:
	sqlite3_finalize(st);
	free(ids);
	return r;
}

int store_seal_require_row(store *s, const char *table, int64_t id)
{
	int t = seal_table_index(table);
	if (t < 0 || t == T_BLIND || t == T_UNIQ)
		return fort_error_set(FORT_ERROR, "'%s' is not a sealed table", table);
	return seal_require_row(s, t, id, 0);
}

void store_seal_note(store *s, const char *table, int64_t id)
{
	int t = seal_table_index(table);
	if (t >= 0 && t != T_BLIND && t != T_UNIQ)
		touch_add(s, t, id, NULL, 0);
}

int store_seal_require(store *s, const char *table)
{
	int t = seal_table_index(table);
	/* runs inside a find's kept transaction: if it is current, when it
	 * reads (a table not yet checked whole) */
	if (s->kept && t >= 0 && s->enforce && !(s->scanned & 1u << t))
		kept_check(s);
	if (t < 0)
		return fort_error_set(FORT_ERROR, "'%s' is not a sealed table", table);
	return seal_require_table(s, t);
}

const char *store_seal_table(size_t i)
{
	return i < T__COUNT ? seal_table[i] : NULL;
}

int store_seal_adopt(store *s, const char *table, uint64_t *rows, uint64_t *seals)
{
	int t = seal_table_index(table), rc;
	sqlite3_stmt *st;
	char sql[512];
	*rows = *seals = 0;
	if (t < 0 || t == T_BLIND || t == T_UNIQ || group_col[t])
		return fort_error_set(FORT_ERROR, "'%s' cannot be adopted into the seals", table);
	if ((rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM seal_rows WHERE tbl = ?", -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "sealing the vault");
	sqlite3_bind_text(st, 1, seal_table[t], -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*seals = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return map_sqlite(s->db, rc, "sealing the vault");
	if (*seals)
		return 0;
	seal_rows_sql(sql, sizeof sql, t);
	if ((rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "sealing the vault");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		touch_add(s, t, sqlite3_column_int64(st, 0), NULL, 0);
		(*rows)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return map_sqlite(s->db, rc, "sealing the vault");
	return s->touch_lost ? fort_error_set(FORT_ENOMEM, "out of memory while sealing the vault") : 0;
}

int store_seal_touch_all(store *s)
{
	for (int t = 0; t < T__COUNT; t++) {
		sqlite3_stmt *st;
		char sql[512];
		int rc;
		seal_rows_sql(sql, sizeof sql, t);
		if ((rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) != SQLITE_OK)
			return map_sqlite(s->db, rc, "sealing the vault");
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (t == T_UNIQ) {
				if (sqlite3_column_bytes(st, 0) == STORE_BIDX_LEN)
					touch_index(s, t, sqlite3_column_blob(st, 0), sqlite3_column_int64(st, 1));
			} else {
				touch_add(s, t, sqlite3_column_int64(st, 0), NULL, 0);
			}
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return map_sqlite(s->db, rc, "sealing the vault");
	}
	return s->touch_lost ? fort_error_set(FORT_ENOMEM, "out of memory while sealing the vault") : 0;
}

/* Migration 18: a vault whose search entries were sealed one by one (a
 * seal per (h, client), id seal_index_id) is regrouped: every entry must
 * match its own live seal and every live per-entry seal must have its
 * entry (else FORT_ETAMPER naming it, nothing changed); then each old seal
 * is closed (a zero hash) and each client's entries sealed as its group,
 * in the caller's transaction, under its audit entry. */
/* The search entries against their per-entry seals (a vault before
 * migration 19, not yet regrouped): CB for each entry or live seal that
 * differs (C.ID: the entry's client, 0 for a seal without its entry);
 * IDS (sorted) and N: the entries' per-entry seal ids. */
static int blind_entry_check(store *s, store_seal_cb cb, void *ctx, int64_t **ids_out, size_t *n_out, uint64_t *clients)
{
	sqlite3_stmt *st = NULL;
	int64_t *ids = NULL, last = 0;
	size_t n = 0, cap = 0;
	int rc, r = 0, first = 1;
	store_seal_check c;
	*ids_out = NULL;
	*n_out = 0;
	*clients = 0;
	c.table = seal_table[T_BLIND];
	c.key[0] = '\0';
	if ((rc = sqlite3_prepare_v2(s->db, "SELECT h, client FROM blind ORDER BY client, h", -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "checking the search index's seals");
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		unsigned char h[STORE_BIDX_LEN] = { 0 }, now[32], sealed[32];
		int64_t client = sqlite3_column_int64(st, 1), id;
		int found;
		if (sqlite3_column_bytes(st, 0) == STORE_BIDX_LEN)
			memcpy(h, sqlite3_column_blob(st, 0), STORE_BIDX_LEN);
		id = seal_index_id(seal_table[T_BLIND], 1, h, client);
		seal_hash_index(now, seal_table[T_BLIND], h, client);
		if ((found = seal_latest(s, T_BLIND, id, sealed, &c.seq)) < 0) {
			r = found;
			break;
		}
		c.id = client;
		if ((c.state = seal_verdict(now, found, sealed)) != STORE_SEAL_OK && (r = cb(ctx, &c)) != 0)
			break;
		if ((r = FORT_ARRAY_GROW(ids, n + 1, cap, 256)) < 0)
			break;
		ids[n++] = id;
		if (first || client != last)
			(*clients)++;
		first = 0;
		last = client;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "checking the search index's seals");
	sqlite3_finalize(st);
	st = NULL;
	if (r != 0)
		goto out;
	/* every live per-entry seal still has its entry */
	if ((rc = sqlite3_prepare_v2(s->db, "SELECT id, hash, seq FROM seal_head_blind", -1, &st, NULL)) != SQLITE_OK) {
		r = map_sqlite(s->db, rc, "checking the search index's seals");
		goto out;
	}
	if (n)
		qsort(ids, n, sizeof *ids, seal_id_cmp);
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) == 32 && seal_is_zero32(sqlite3_column_blob(st, 1)))
			continue;
		if (!(n && bsearch(&id, ids, n, sizeof *ids, seal_id_cmp))) {
			c.id = 0;
			c.seq = sqlite3_column_int64(st, 2);
			c.state = STORE_SEAL_REMOVED;
			r = cb(ctx, &c);
		}
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "checking the search index's seals");
out:
	sqlite3_finalize(st);
	if (r != 0) {
		free(ids);
		return r;
	}
	*ids_out = ids;
	*n_out = n;
	return 0;
}

/* Meta "index_seal" is "entry": the search entries still carry per-entry
 * seals (migration 19 marked the vault; the regrouping is to come). */
static int blind_per_entry(store *s)
{
	unsigned char *val = NULL;
	size_t len = 0;
	int r = meta_get(s, "index_seal", &val, &len, 0), pend;
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		return 0;
	}
	if (r < 0)
		return r;
	pend = len == 5 && memcmp(val, "entry", 5) == 0;
	free(val);
	return pend;
}

int store_index_seal_regroup(store *s, uint64_t *entries, uint64_t *clients)
{
	static const unsigned char gone[32];
	sqlite3_stmt *st = NULL;
	int64_t *ids = NULL;
	size_t n = 0;
	int rc, r;
	*entries = 0;
	if ((r = blind_entry_check(s, seal_scan_first, NULL, &ids, &n, clients)) != 0)
		return r < 0 ? r : FORT_ETAMPER;
	/* close the old seals, seal each client's group */
	for (size_t i = 0; i < n && r == 0; i++) {
		touch_put(s, T_BLIND, ids[i], NULL, 0, gone);
		r = seal_checkpoint(s); /* memory stays bounded (SEAL_BATCH) */
	}
	if (r < 0)
		goto out;
	if ((rc = sqlite3_prepare_v2(s->db, "SELECT DISTINCT client FROM blind", -1, &st, NULL)) != SQLITE_OK) {
		r = map_sqlite(s->db, rc, "regrouping the search index's seals");
		goto out;
	}
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t client = sqlite3_column_int64(st, 0);
		touch_put(s, T_BLIND, client, NULL, client, NULL);
		r = seal_checkpoint(s);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "regrouping the search index's seals");
	*entries = n;
	if (r == 0 && s->touch_lost)
		r = fort_error_set(FORT_ENOMEM, "out of memory while regrouping the search index's seals");
out:
	sqlite3_finalize(st);
	free(ids);
	return r;
}

/* ---------------------------------------------------------- blind index */

/* ------------------------------------------------ index entries' MACs */

/* Migration 13: a blind or uniq row carries IMAC_LEN bytes of
 * SipHash-2-4-128 (libsodium's crypto_shorthash_siphashx24, a PRF: ~10x
 * cheaper than keyed BLAKE2b on these 46 bytes, which mattered at one MAC
 * per find and four per imported client) over (table, h, client) under a
 * key derived from the vault key
 * (keys_index_mac_key; the vault hands the keys over with
 * store_index_mac_keys).  The field is not in it: a row names no field,
 * and h is already the field's own (each field's blind-index key is its
 * own), so an entry cannot pass for another field's either. */
#define IMAC_LEN SEAL_IMAC_LEN
#define IMAC_KEY_LEN SEAL_IMAC_KEY_LEN
#define IMAC_KEYS_MAX 64
static void index_mac(unsigned char out[IMAC_LEN], const unsigned char *key, int tbl, const unsigned char *h, int64_t client)
{
	seal_index_mac(out, key, seal_table[tbl], h, client); /* seal_common.c: both backends' */
}

/* The MAC in column COL of ST for the entry (H, CLIENT) of TBL: the index
 * of the key it verifies under (0: the current one), IMAC_KEYS_MAX if it
 * verifies under none (changed outside Fortress), -1 if there is nothing
 * to check it with (no MAC, or no keys: the seal decides). */
static int index_mac_verdict(const store *s, int tbl, const unsigned char *h, int64_t client, sqlite3_stmt *st, int col)
{
	unsigned char want[IMAC_LEN];
	const void *mac;
	if (!s->nimac || sqlite3_column_type(st, col) == SQLITE_NULL)
		return -1;
	if (sqlite3_column_bytes(st, col) != IMAC_LEN || !(mac = sqlite3_column_blob(st, col)))
		return IMAC_KEYS_MAX;
	for (size_t k = 0; k < s->nimac; k++) {
		index_mac(want, s->imac + k * IMAC_KEY_LEN, tbl, h, client);
		if (sodium_memcmp(want, mac, IMAC_LEN) == 0)
			return (int)k;
	}
	return IMAC_KEYS_MAX;
}

static int index_mac_fail(int tbl, int64_t client)
{
	return seal_index_mac_fail(tbl == T_UNIQ, client);
}

int store_index_mac_keys(store *s, const unsigned char *keys, size_t n)
{
	if (s->imac)
		sodium_free(s->imac); /* wipes */
	s->imac = NULL;
	s->nimac = 0;
	if (!n)
		return 0;
	if (n > IMAC_KEYS_MAX)
		return fort_error_set(FORT_ERROR, "too many index MAC keys (%zu, at most %d)", n, IMAC_KEYS_MAX);
	if (!(s->imac = sodium_allocarray(n, IMAC_KEY_LEN)))
		return fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys");
	memcpy(s->imac, keys, n * IMAC_KEY_LEN);
	s->nimac = n;
	return 0;
}

/* Entries of one table after CUR, a chunk at a time (copied out before any
 * is written: SQLite does not promise what a scan sees of its own table's
 * changes; the rows and the cursor are seal_common.h's). */

/* REKEY 0: rows without a MAC (checked against their seal first) get one,
 * at most MAX; 1: rows whose MAC verifies under an older key get the
 * current key's (MAX ignored).  CUR[0]: the table (0 blind, 1 uniq, 2 both
 * done), then the last entry seen. */
static int imac_walk(store *s, int rekey, unsigned char cur[STORE_IMAC_CURSOR], size_t max, uint64_t *done, int *more)
{
	static const char *const sel[2][2] = {
		{ "SELECT h, client, mac FROM blind WHERE (h, client) > (?1, ?2) AND mac IS NULL ORDER BY h, client LIMIT ?3",
		  "SELECT h, client, mac FROM uniq WHERE (h, client) > (?1, ?2) AND mac IS NULL ORDER BY h, client LIMIT ?3" },
		{ "SELECT h, client, mac FROM blind WHERE (h, client) > (?1, ?2) AND mac IS NOT NULL ORDER BY h, client LIMIT ?3",
		  "SELECT h, client, mac FROM uniq WHERE (h, client) > (?1, ?2) AND mac IS NOT NULL ORDER BY h, client LIMIT ?3" },
	};
	static const char *const upd[2] = { "UPDATE blind SET mac = ?3 WHERE h = ?1 AND client = ?2",
					    "UPDATE uniq SET mac = ?3 WHERE h = ?1 AND client = ?2" };
	struct imac_row *rows = NULL;
	sqlite3_stmt *st = NULL, *up = NULL;
	int r = 0, rc;
	*done = 0;
	*more = 0;
	if (!s->nimac)
		return fort_error_set(FORT_ERROR, "the index entries' MAC key is not set");
	if (!(rows = fort_calloc(IMAC_CHUNK, sizeof *rows)))
		return FORT_ENOMEM;
	for (int k = cur[0]; k < 2 && r == 0 && !*more; k++) {
		int tbl = k ? T_UNIQ : T_BLIND;
		if ((rc = sqlite3_prepare_v2(s->db, sel[rekey][k], -1, &st, NULL)) != SQLITE_OK ||
		    (rc = sqlite3_prepare_v2(s->db, upd[k], -1, &up, NULL)) != SQLITE_OK) {
			r = map_sqlite(s->db, rc, "giving the index entries their MAC");
			break;
		}
		for (;;) {
			size_t n = 0, seen = 0, want = IMAC_CHUNK;
			unsigned char h[STORE_BIDX_LEN];
			int64_t client;
			if (!rekey && max - *done < want)
				want = (size_t)(max - *done);
			if (want == 0) {
				*more = 1;
				break;
			}
			seal_imac_cursor_get(cur, h, &client);
			sqlite3_bind_blob(st, 1, h, STORE_BIDX_LEN, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 2, client);
			sqlite3_bind_int64(st, 3, (int64_t)want);
			while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
				struct imac_row *w = &rows[n];
				int v;
				seen++;
				if (sqlite3_column_bytes(st, 0) != STORE_BIDX_LEN) {
					r = fort_error_set(FORT_ETAMPER, "an entry of the %s index holds no blind value: it was added "
							   "outside Fortress; run 'fortress audit verify' and restore the vault from a backup",
							   k ? "unique" : "search");
					break;
				}
				memcpy(w->h, sqlite3_column_blob(st, 0), STORE_BIDX_LEN);
				w->client = sqlite3_column_int64(st, 1);
				seal_imac_cursor_put(cur, tbl == T_UNIQ, w->h, w->client);
				/* rekey: only what verifies under an older key */
				if (rekey && ((v = index_mac_verdict(s, tbl, w->h, w->client, st, 2)) <= 0 || v == IMAC_KEYS_MAX))
					continue;
				n++;
			}
			sqlite3_reset(st);
			if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
				r = map_sqlite(s->db, rc, "giving the index entries their MAC");
			if (r < 0)
				break;
			for (size_t i = 0; i < n && r == 0; i++) {
				/* an entry without a MAC is vouched for by its seal
				 * only: one that does not match it gets none */
				if (!rekey && (r = seal_require_index(s, tbl, rows[i].h, rows[i].client)) < 0)
					break;
				index_mac(rows[i].mac, s->imac, tbl, rows[i].h, rows[i].client);
				sqlite3_bind_blob(up, 1, rows[i].h, STORE_BIDX_LEN, SQLITE_STATIC);
				sqlite3_bind_blob(up, 3, rows[i].mac, IMAC_LEN, SQLITE_STATIC);
				sqlite3_bind_int64(up, 2, rows[i].client);
				if ((r = step_done(s, up, "giving the index entries their MAC")) == 0)
					(*done)++;
			}
			if (r < 0 || seen < want)
				break; /* an error, or this table is done */
		}
		sqlite3_finalize(st);
		sqlite3_finalize(up);
		st = up = NULL;
		if (r == 0 && !*more) {
			memset(cur, 0, STORE_IMAC_CURSOR);
			cur[0] = (unsigned char)(k + 1);
		}
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	sodium_memzero(rows, IMAC_CHUNK * sizeof *rows);
	free(rows);
	return r;
}

int store_index_mac_upgrade(store *s, unsigned char cursor[STORE_IMAC_CURSOR], size_t max, uint64_t *done, int *more)
{
	return imac_walk(s, 0, cursor, max, done, more);
}

int store_index_mac_rekey(store *s, uint64_t *done)
{
	unsigned char cur[STORE_IMAC_CURSOR] = { 0 };
	int more;
	*done = 0;
	if (s->nimac < 2)
		return 0; /* one key: every valid MAC is under it */
	return imac_walk(s, 1, cur, 0, done, &more);
}

int store_index_count(store *s, uint64_t *n)
{
	sqlite3_stmt *st;
	int rc;
	*n = 0;
	/* count(*): SQLite counts a table's leaf cells page by page, without a
	 * row decoded (a few hundred instructions a page) */
	if ((rc = sqlite3_prepare_v2(s->db, "SELECT (SELECT count(*) FROM blind) + (SELECT count(*) FROM uniq)", -1, &st, NULL)) !=
	    SQLITE_OK)
		return map_sqlite(s->db, rc, "counting the index entries");
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*n = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : map_sqlite(s->db, rc, "counting the index entries");
}

static int blind_find(store *s, int which, const unsigned char h[STORE_BIDX_LEN], int64_t *ids, size_t max, size_t *n)
{
	sqlite3_stmt *st = q(s, which);
	int rc;
	*n = 0;
	if (!st)
		return fort_error_code();
	sqlite3_bind_blob(st, 1, h, STORE_BIDX_LEN, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n < max)
			ids[*n] = sqlite3_column_int64(st, 0);
		(*n)++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return map_sqlite(s->db, rc, "searching");
	if (*n > max)
		*n = max;
	return 0;
}

int store_blind_add(store *s, const unsigned char h[STORE_BIDX_LEN], int64_t client, int unique, int64_t *other)
{
	sqlite3_stmt *st = q(s, unique ? Q_UNIQ_ADD : Q_BLIND_ADD);
	int rc, t = unique ? T_UNIQ : T_BLIND, ours = 0;
	int64_t sid;
	unsigned char now[32], mac[IMAC_LEN];
	if (!st)
		return fort_error_code();
	if ((rc = seal_checkpoint(s)) < 0)
		return rc;
	sid = index_id(t, h, client);
	/* removed earlier in this transaction (by us): no seal to compare */
	if (unique && s->enforce)
		ours = pending(s, T_UNIQ, sid);
	sqlite3_bind_blob(st, 1, h, STORE_BIDX_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, client);
	if (s->nimac) {
		index_mac(mac, s->imac, t, h, client);
		sqlite3_bind_blob(st, 3, mac, IMAC_LEN, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(st, 3);
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		if (unique && s->enforce && !ours) {
			/* The entry was not there.  One removed outside Fortress
			 * (a live seal without its row) would let a duplicate in. */
			unsigned char sealed[32];
			store_seal_check c;
			int found = seal_latest(s, T_UNIQ, sid, sealed, &c.seq);
			if (found < 0)
				return found;
			if (found && !seal_is_zero32(sealed)) {
				sqlite3_stmt *d = q(s, Q_UNIQ_DEL);
				if (d) {
					sqlite3_bind_blob(d, 1, h, STORE_BIDX_LEN, SQLITE_STATIC);
					sqlite3_bind_int64(d, 2, client);
					(void)step_done(s, d, "removing an index entry");
				}
				c.table = seal_table[T_UNIQ];
				c.id = sid;
				c.key[0] = '\0';
				c.state = STORE_SEAL_REMOVED;
				return seal_fail(&c, 0);
			}
		}
		if (t == T_BLIND) {
			/* the client's group: hashed whole at the flush */
			touch_put(s, t, sid, NULL, client, NULL);
			return 0;
		}
		hash_index(now, t, h, client);
		touch_put(s, t, sid, h, client, now);
		return 0;
	}
	if (unique && (rc & 0xff) == SQLITE_CONSTRAINT) {
		int64_t id = 0;
		size_t n = 0;
		if (blind_find(s, Q_UNIQ_FIND, h, &id, 1, &n) == 0 && n && other)
			*other = id;
		return fort_error_set(FORT_EDUPLICATE, "duplicate");
	}
	return map_sqlite(s->db, rc, "indexing a client");
}

/* An import's entries IDX_ROWS to a statement: one INSERT per entry cost
 * about as much in the statement's own work (cursors opened and closed on
 * the table and its `*_client` index, the halt) as in the row. */
#define IDX_ROWS 64
#define IDX_FEW 8 /* what is left of a batch: 8 at a time, then one by one */

static int idx_prepare(store *s, sqlite3_stmt **slot, int m, const char *head, const char *row, const char *tail)
{
	char sql[128 + IDX_ROWS * 12];
	size_t o;
	int rc;
	if ((rc = tx_check(s)) < 0)
		return rc;
	if (*slot)
		return 0;
	o = (size_t)snprintf(sql, sizeof sql, "%s", head);
	for (int i = 0; i < m; i++)
		o += (size_t)snprintf(sql + o, sizeof sql - o, "%s%s", i ? "," : "", row);
	snprintf(sql + o, sizeof sql - o, "%s", tail);
	if ((rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "indexing clients");
	return 0;
}

/* A unique entry just added whose value has a live seal: one removed
 * outside Fortress, which would let a duplicate in.  The entry is taken out
 * again and the tamper reported (store_blind_add's refusal). */
static int idx_removed(store *s, const store_bidx_add *x, int64_t sid, int64_t seq)
{
	sqlite3_stmt *d = q(s, Q_UNIQ_DEL);
	store_seal_check c;
	if (d) {
		sqlite3_bind_blob(d, 1, x->h, STORE_BIDX_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(d, 2, x->client);
		(void)step_done(s, d, "removing an index entry");
	}
	c.table = seal_table[T_UNIQ];
	c.id = sid;
	c.seq = seq;
	c.key[0] = '\0';
	c.state = STORE_SEAL_REMOVED;
	return seal_fail(&c, 0);
}

/* M (IDX_ROWS or IDX_FEW) entries of one index table (E[K[0..M-1]]) in one INSERT
 * OR IGNORE: no statement journal (nothing to undo on a conflict), and for
 * the search index what store_blind_add does.  For the unique index the
 * entries are then sorted out as store_blind_add would have: the common
 * case, every row added (the changes count says so), has its seal heads
 * read by one SELECT for the "removed outside Fortress" check; otherwise
 * each entry's holder is read and the entry judged alone. */
static int idx_insert_many(store *s, int unique, const store_bidx_add *e, const size_t *k, int m, int64_t *other,
			   const store_bidx_move *const *pre)
{
	int t = unique ? T_UNIQ : T_BLIND, rc, r, few = m != IDX_ROWS;
	sqlite3_stmt *st;
	int64_t sid[IDX_ROWS];
	unsigned char now[32], mac[IDX_ROWS][IMAC_LEN];
	/* PRE (a rotation's moves, NULL for an import's entries): the seal
	 * ids, hashes and MACs computed ahead (store_blind_move_prep) */
#define PRE(i) (pre && pre[i]->prep ? pre[i] : NULL)
	if ((r = idx_prepare(s, &s->idx_many[few][unique], m, unique ? "INSERT OR IGNORE INTO uniq(h, client, mac) VALUES"
								  : "INSERT OR IGNORE INTO blind(h, client, mac) VALUES",
			     "(?,?,?)", "")) < 0)
		return r;
	st = s->idx_many[few][unique];
	for (int i = 0; i < m; i++) {
		const store_bidx_add *x = &e[k[i]];
		sqlite3_bind_blob(st, 3 * i + 1, x->h, STORE_BIDX_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3 * i + 2, x->client);
		if (PRE(i) && PRE(i)->has_mac) {
			sqlite3_bind_blob(st, 3 * i + 3, PRE(i)->new_mac, IMAC_LEN, SQLITE_STATIC);
		} else if (s->nimac) {
			index_mac(mac[i], s->imac, t, x->h, x->client);
			sqlite3_bind_blob(st, 3 * i + 3, mac[i], IMAC_LEN, SQLITE_STATIC);
		} else {
			sqlite3_bind_null(st, 3 * i + 3);
		}
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return map_sqlite(s->db, rc, "indexing clients");
	if (!unique) {
		/* the client's group: hashed whole at the flush, or (FRESH) from
		 * the call's entries once they are all in (add_fresh_groups) */
		for (int i = 0; i < m; i++)
			if (!e[k[i]].fresh)
				touch_put(s, T_BLIND, e[k[i]].client, NULL, e[k[i]].client, NULL);
		return 0;
	}
	for (int i = 0; i < m; i++)
		sid[i] = PRE(i) ? PRE(i)->new_sid : index_id(T_UNIQ, e[k[i]].h, e[k[i]].client);
	if (sqlite3_changes(s->db) == m) {
		/* every entry is new: none may have a live seal (unless removed
		 * by us earlier in this transaction), which the flush's write of
		 * its head checks (touch_put_new) */
		for (int i = 0; i < m; i++) {
			if (!PRE(i))
				hash_index(now, T_UNIQ, e[k[i]].h, e[k[i]].client);
			touch_put_new(s, sid[i], e[k[i]].h, e[k[i]].client, PRE(i) ? PRE(i)->new_hash : now);
		}
		return 0;
	}
	/* Some were there already (or twice in the batch: the first wins).
	 * The holder of each value says which: another client's is a
	 * duplicate; this client's is this entry, added now, or its own
	 * entry from before, whose live seal then matches it (nothing
	 * changed: no seal to write).  Any other live seal is a removed
	 * entry, as in store_blind_add. */
	for (int i = 0; i < m; i++) {
		const store_bidx_add *x = &e[k[i]];
		int64_t holder = 0;
		size_t n = 0;
		if ((r = blind_find(s, Q_UNIQ_FIND, x->h, &holder, 1, &n)) < 0)
			return r;
		if (!n || holder != x->client) {
			other[k[i]] = n ? holder : -1;
			continue;
		}
		hash_index(now, T_UNIQ, x->h, x->client);
		if (s->enforce && !pending(s, T_UNIQ, sid[i])) {
			unsigned char sealed[32];
			int64_t seq;
			int found = seal_latest(s, T_UNIQ, sid[i], sealed, &seq);
			if (found < 0)
				return found;
			if (found && sodium_memcmp(sealed, now, 32) == 0)
				continue;
			if (found && !seal_is_zero32(sealed))
				return idx_removed(s, x, sid[i], seq);
		}
		touch_put(s, T_UNIQ, sid[i], x->h, x->client, now);
	}
	return 0;
#undef PRE
}

static int blind_add_many(store *s, const store_bidx_add *e, size_t n, int64_t *other);

static int fresh_client_cmp(const void *a, const void *b)
{
	const store_bidx_add *x = *(const store_bidx_add *const *)a, *y = *(const store_bidx_add *const *)b;
	return (x->client > y->client) - (x->client < y->client);
}

/* The FRESH search entries' groups, each hashed from the call's entries for
 * its client (store.h: the group holds nothing else), noted with that hash:
 * the flush then does not read the group back (7.8k instructions a client
 * at an import, bench/README.md "wt-seal").  Without the memory for it, or
 * after a failure (ALL_NULL), noted to be read back as before. */
static void fresh_groups(store *s, const store_bidx_add *e, size_t n, int all_null)
{
	const store_bidx_add **p = NULL;
	unsigned char(*hs)[STORE_BIDX_LEN] = NULL;
	size_t m = 0;
	int sorted = 1;
	for (size_t i = 0; i < n; i++)
		m += e[i].fresh && !e[i].unique;
	if (!m)
		return;
	if (!all_null && (p = fort_malloc(m * sizeof *p)) && (hs = fort_malloc(m * sizeof *hs))) {
		m = 0;
		for (size_t i = 0; i < n; i++)
			if (e[i].fresh && !e[i].unique) {
				p[m] = &e[i];
				sorted &= !m || p[m - 1]->client <= e[i].client;
				m++;
			}
		if (!sorted) /* an import's come in client order */
			qsort(p, m, sizeof *p, fresh_client_cmp);
		for (size_t i = 0, j; i < m; i = j) {
			unsigned char hash[32];
			for (j = i; j < m && p[j]->client == p[i]->client; j++)
				memcpy(hs[j - i], p[j]->h, STORE_BIDX_LEN);
			seal_hash_group(hash, seal_table[T_BLIND], p[i]->client, hs, j - i);
			touch_put(s, T_BLIND, p[i]->client, NULL, p[i]->client, hash);
		}
	} else {
		for (size_t i = 0; i < n; i++)
			if (e[i].fresh && !e[i].unique)
				touch_put(s, T_BLIND, e[i].client, NULL, e[i].client, NULL);
	}
	free(p);
	free(hs);
}

int store_blind_add_many(store *s, const store_bidx_add *e, size_t n, int64_t *other)
{
	int r = blind_add_many(s, e, n, other);
	fresh_groups(s, e, n, r < 0);
	return r;
}

/* SQLite: the entries IDX_ROWS to a statement per index table, what is
 * left IDX_FEW to a statement, then one at a time (store_blind_add); the
 * same outcome as N calls in order (two tables: the order between them
 * does not matter). */
static int blind_add_many(store *s, const store_bidx_add *e, size_t n, int64_t *other)
{
	size_t k[2][IDX_ROWS], nk[2] = { 0, 0 };
	int r;
	for (size_t i = 0; i < n; i++)
		other[i] = 0;
	for (size_t i = 0; i < n; i++) {
		int u = e[i].unique != 0;
		k[u][nk[u]++] = i;
		if (nk[u] < IDX_ROWS)
			continue;
		if ((r = seal_checkpoint(s)) < 0 || (r = idx_insert_many(s, u, e, k[u], IDX_ROWS, other, NULL)) < 0)
			return r;
		nk[u] = 0;
	}
	for (int u = 0; u < 2; u++) {
		size_t j = 0;
		for (; j + IDX_FEW <= nk[u]; j += IDX_FEW)
			if ((r = seal_checkpoint(s)) < 0 || (r = idx_insert_many(s, u, e, k[u] + j, IDX_FEW, other, NULL)) < 0)
				return r;
		for (; j < nk[u]; j++) {
			int64_t holder = 0;
			size_t i = k[u][j];
			r = store_blind_add(s, e[i].h, e[i].client, e[i].unique, &holder);
			if (r == FORT_EDUPLICATE) {
				other[i] = holder == e[i].client ? 0 : holder ? holder : -1;
				fort_error_clear();
			} else if (r < 0) {
				return r;
			}
		}
	}
	return 0;
}

/* A rotation's old search entries: M (IDX_ROWS or IDX_FEW, E[K[0..M-1]])
 * in one DELETE by (h, client).  The pairs are a subquery of constant
 * rows, which the planner probes the table with one at a time (a bare
 * `IN (VALUES ...)` scans it); a plain DELETE opens no statement journal.
 * Each client's group is noted (hashed whole at the flush, unless
 * move_groups hashes it from the moves), as store_blind_del notes it for
 * an entry it removed, and as the addition that follows notes it anyway.
 * Unique entries are removed one at a time
 * (store_blind_del): which of them went must be known exactly, for their
 * seals of zeros and for a value that was in the search index instead,
 * and a DELETE of many says only how many. */
static int mv_del_many(store *s, const store_bidx_move *e, const size_t *k, int m)
{
	int few = m != IDX_ROWS, r, rc;
	sqlite3_stmt *st;
	if ((r = idx_prepare(s, &s->mv_del[few], m, "DELETE FROM blind WHERE (h, client) IN (SELECT column1, column2 FROM (VALUES",
			     "(?,?)", "))")) < 0)
		return r;
	st = s->mv_del[few];
	for (int i = 0; i < m; i++) {
		sqlite3_bind_blob(st, 2 * i + 1, e[k[i]].old_h, STORE_BIDX_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2 * i + 2, e[k[i]].client);
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return map_sqlite(s->db, rc, "removing index entries");
	for (int i = 0; i < m; i++)
		touch_put(s, T_BLIND, e[k[i]].client, NULL, e[k[i]].client, NULL);
	return 0;
}

/* A rotation's new entries: M of one table (E[K[0..M-1]]) as
 * store_blind_add_many adds them; a unique value another client holds goes
 * to the search index (DEM[K[i]] set, when DEM is given: move_groups). */
static int mv_add_many(store *s, int unique, const store_bidx_move *e, const size_t *k, int m, unsigned char *dem)
{
	store_bidx_add a[IDX_ROWS];
	const store_bidx_move *pre[IDX_ROWS];
	size_t id[IDX_ROWS];
	int64_t other[IDX_ROWS];
	int r;
	for (int i = 0; i < m; i++) {
		memcpy(a[i].h, e[k[i]].new_h, STORE_BIDX_LEN);
		a[i].client = e[k[i]].client;
		a[i].unique = unique;
		a[i].fresh = 0; /* a WHOLE client's group: hashed by move_groups */
		pre[i] = &e[k[i]];
		id[i] = (size_t)i;
		other[i] = 0;
	}
	if (m == IDX_ROWS || m == IDX_FEW) {
		if ((r = idx_insert_many(s, unique, a, id, m, other, pre)) < 0)
			return r;
	} else {
		int64_t holder = 0;
		r = store_blind_add(s, a[0].h, a[0].client, unique, &holder);
		if (r == FORT_EDUPLICATE) {
			other[0] = holder == a[0].client ? 0 : holder ? holder : -1;
			fort_error_clear();
		} else if (r < 0) {
			return r;
		}
	}
	for (int i = 0; i < m; i++) {
		if (!other[i])
			continue;
		if ((r = store_blind_add(s, a[i].h, a[i].client, 0, NULL)) < 0)
			return r;
		if (dem)
			dem[k[i]] = 1;
	}
	return 0;
}

/* A rotation's old unique entry: store_blind_del(.., STORE_IDX_UNIQUE)
 * with its seal id computed ahead when it was. */
static int mv_del_unique(store *s, const store_bidx_move *x)
{
	static const unsigned char gone[32];
	sqlite3_stmt *st = q(s, Q_UNIQ_DEL);
	int r;
	if (!x->prep)
		return store_blind_del(s, x->old_h, x->client, STORE_IDX_UNIQUE);
	if (!st)
		return fort_error_code();
	sqlite3_bind_blob(st, 1, x->old_h, STORE_BIDX_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, x->client);
	if ((r = step_done(s, st, "removing an index entry")) < 0)
		return r;
	if (sqlite3_changes(s->db) > 0) {
		touch_put(s, T_UNIQ, x->old_sid, x->old_h, x->client, gone);
		return 0;
	}
	/* a value two clients shared: in the search index */
	return store_blind_del(s, x->old_h, x->client, STORE_IDX_SEARCH);
}

/* Each WHOLE client's search group hashed ahead (store.h, HAS_GROUP), from
 * its run of entries in M, for move_groups: the rotation's worker thread
 * does it (2.0k instructions a client, bench/README.md "wt-rotgrp").
 * Without the memory for it: none. */
static void move_groups_prep(store_bidx_move *m, size_t n)
{
	unsigned char(*hs)[STORE_BIDX_LEN] = NULL;
	for (size_t i = 0, j; i < n; i = j) {
		size_t k = 0;
		int whole = 1;
		for (j = i; j < n && m[j].client == m[i].client; j++)
			whole &= m[j].whole != 0;
		if (!whole)
			continue;
		if (!hs && !(hs = fort_malloc(n * sizeof *hs)))
			return;
		for (size_t x = i; x < j; x++)
			if (!m[x].unique)
				memcpy(hs[k++], m[x].new_h, STORE_BIDX_LEN);
		if (!k)
			continue;
		seal_hash_group(m[i].group, seal_table[T_BLIND], m[i].client, hs, k);
		for (size_t x = i; x < j; x++) {
			memcpy(m[x].group, m[i].group, 32);
			m[x].has_group = 1;
		}
	}
	free(hs);
}

int store_blind_move_prep(store *s, store_bidx_move *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		store_bidx_move *x = &m[i];
		int t = x->unique ? T_UNIQ : T_BLIND;
		x->old_sid = index_id(t, x->old_h, x->client);
		x->new_sid = index_id(t, x->new_h, x->client);
		if (x->unique)
			hash_index(x->new_hash, T_UNIQ, x->new_h, x->client);
		x->has_mac = s->nimac != 0;
		if (x->has_mac)
			index_mac(x->new_mac, s->imac, t, x->new_h, x->client);
		x->prep = 1;
		x->has_group = 0;
	}
	move_groups_prep(m, n);
	return 0;
}

static int move_client_cmp(const void *a, const void *b)
{
	const store_bidx_move *x = *(const store_bidx_move *const *)a, *y = *(const store_bidx_move *const *)b;
	return (x->client > y->client) - (x->client < y->client);
}

/* The WHOLE clients' search groups (store.h), each hashed from the new
 * values of its search entries and of its unique ones that went to the
 * search index (DEM), noted with that hash: the flush then does not read
 * the group back (7.9k instructions a rotated client, bench/README.md
 * "wt-rotgrp").  The hash is move_groups_prep's, made on the worker, when
 * no value of the client went to the search index.  A client with an
 * entry not WHOLE, or left with no search entry (its group, if touched,
 * is read back: what was there is gone), and every client without the
 * memory for it: read back as before. */
static void move_groups(store *s, const store_bidx_move *e, size_t n, const unsigned char *dem)
{
	const store_bidx_move **p = fort_malloc(n * sizeof *p);
	unsigned char(*hs)[STORE_BIDX_LEN] = fort_malloc(n * sizeof *hs);
	int sorted = 1;
	if (!p || !hs)
		goto out;
	for (size_t i = 0; i < n; i++) {
		p[i] = &e[i];
		sorted &= !i || e[i - 1].client <= e[i].client;
	}
	if (!sorted) /* a rotation's come in client order */
		qsort(p, n, sizeof *p, move_client_cmp);
	for (size_t i = 0, j; i < n; i = j) {
		unsigned char hash[32];
		size_t m = 0;
		int whole = 1, ahead = 1; /* the prep's hash stands */
		for (j = i; j < n && p[j]->client == p[i]->client; j++) {
			whole &= p[j]->whole != 0;
			ahead &= p[j]->prep && p[j]->has_group && !dem[p[j] - e] &&
				 memcmp(p[j]->group, p[i]->group, 32) == 0;
			if (!p[j]->unique || dem[p[j] - e])
				memcpy(hs[m++], p[j]->new_h, STORE_BIDX_LEN);
		}
		if (!whole || !m)
			continue;
		if (ahead)
			memcpy(hash, p[i]->group, 32);
		else
			seal_hash_group(hash, seal_table[T_BLIND], p[i]->client, hs, m);
		touch_put(s, T_BLIND, p[i]->client, NULL, p[i]->client, hash);
	}
out:
	free(p);
	free(hs);
}

/* Every deletion, then every addition; each IDX_ROWS to a statement per
 * table, what is left IDX_FEW to one, then one by one (unique entries'
 * deletions: one by one, mv_del_many says why).  *SHORT set when a
 * deletion found fewer entries than it was given; DEM (or NULL) as
 * mv_add_many's. */
static int move_passes(store *s, const store_bidx_move *e, size_t n, int *short_del, unsigned char *dem)
{
	for (int pass = 0; pass < 2; pass++) {
		size_t k[2][IDX_ROWS], nk[2] = { 0, 0 };
		int r;
		for (size_t i = 0; i <= n; i++) {
			for (int u = 0; u < 2; u++) {
				/* a full chunk, or at the end what is left */
				while (nk[u] && (nk[u] == IDX_ROWS || i == n)) {
					int m = nk[u] == IDX_ROWS ? IDX_ROWS : nk[u] >= IDX_FEW ? IDX_FEW : 1;
					if ((r = seal_checkpoint(s)) < 0)
						return r;
					if (pass) {
						r = mv_add_many(s, u, e, k[u], m, dem);
					} else if (u == 0 && m > 1) {
						r = mv_del_many(s, e, k[u], m);
						*short_del |= r == 0 && sqlite3_changes(s->db) != m;
					} else {
						/* r is 0 here (the checkpoint's) */
						for (int j = 0; j < m && r == 0; j++) {
							r = u ? mv_del_unique(s, &e[k[u][j]])
							      : store_blind_del(s, e[k[u][j]].old_h, e[k[u][j]].client, STORE_IDX_SEARCH);
							/* its last DELETE says whether it found the entry */
							*short_del |= r == 0 && sqlite3_changes(s->db) == 0;
						}
					}
					if (r < 0)
						return r;
					memmove(k[u], k[u] + m, (nk[u] - (size_t)m) * sizeof k[u][0]);
					nk[u] -= (size_t)m;
				}
			}
			if (i < n) {
				int u = e[i].unique != 0;
				k[u][nk[u]++] = i;
			}
		}
	}
	return 0;
}

int store_blind_move_many(store *s, const store_bidx_move *e, size_t n)
{
	unsigned char *dem = NULL;
	int whole = 0, short_del = 0, r;
	for (size_t i = 0; i < n && !whole; i++)
		whole = e[i].whole != 0;
	/* without the memory: every group read back at the flush */
	if (whole && !(dem = fort_calloc(n, 1)))
		whole = 0;
	r = move_passes(s, e, n, &short_del, dem);
	if (r == 0 && whole && !short_del)
		move_groups(s, e, n, dem);
	free(dem);
	return r;
}

int store_blind_del(store *s, const unsigned char h[STORE_BIDX_LEN], int64_t client, int unique)
{
	/* the unique index first: a unique field's entry found there is not
	 * looked for in the search index */
	for (int k = 0; k < 2; k++) {
		int which = k ? Q_BLIND_DEL : Q_UNIQ_DEL, r;
		sqlite3_stmt *st;
		if (k == 0 && unique == STORE_IDX_SEARCH)
			continue;
		if (!(st = q(s, which)))
			return fort_error_code();
		sqlite3_bind_blob(st, 1, h, STORE_BIDX_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, client);
		if ((r = step_done(s, st, "removing an index entry")) < 0)
			return r;
		if (sqlite3_changes(s->db) > 0) {
			static const unsigned char gone[32];
			int t = which == Q_UNIQ_DEL ? T_UNIQ : T_BLIND;
			if (t == T_BLIND) /* the client's group: hashed whole at the flush */
				touch_put(s, t, client, NULL, client, NULL);
			else
				touch_put(s, t, index_id(t, h, client), h, client, gone);
			if (unique == STORE_IDX_UNIQUE)
				break;
		}
	}
	return 0;
}

int store_blind_del_client(store *s, int64_t client)
{
	/* the search entries by blind_client; their group's seal is closed
	 * at the flush (one touch for the client) */
	sqlite3_stmt *st;
	int rc, r;
	if ((rc = sqlite3_prepare_v2(s->db, "DELETE FROM blind WHERE client = ?", -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "removing index entries");
	sqlite3_bind_int64(st, 1, client);
	r = step_done(s, st, "removing index entries");
	if (r == 0 && sqlite3_changes(s->db) > 0)
		touch_put(s, T_BLIND, client, NULL, client, NULL);
	sqlite3_finalize(st);
	return r;
}

/* One unique entry (H, CLIENT) removed, its seal closed as
 * store_blind_del's; *GONE 1 when it was there. */
static int uniq_del_one(store *s, const unsigned char h[STORE_BIDX_LEN], int64_t client, int *gone)
{
	static const unsigned char zero[32];
	sqlite3_stmt *st = q(s, Q_UNIQ_DEL);
	int r;
	*gone = 0;
	if (!st)
		return fort_error_code();
	sqlite3_bind_blob(st, 1, h, STORE_BIDX_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, client);
	if ((r = step_done(s, st, "removing an index entry")) < 0)
		return r;
	if (sqlite3_changes(s->db) > 0) {
		touch_put(s, T_UNIQ, index_id(T_UNIQ, h, client), h, client, zero);
		*gone = 1;
	}
	return 0;
}

int store_uniq_del_values(store *s, int64_t client, const unsigned char (*h)[STORE_BIDX_LEN], size_t n, size_t *found)
{
	int r, gone;
	*found = 0;
	for (size_t i = 0; i < n; i++) {
		if ((r = uniq_del_one(s, h[i], client, &gone)) < 0)
			return r;
		*found += (size_t)gone;
	}
	return 0;
}

/* Schema 21 dropped uniq_client: the entries of many clients are found in
 * one pass over the table (its rows in h order), the clients looked up in
 * a sorted copy of the list; the pass is bounded in SQL by the list's
 * least and greatest id (for one client that is the whole test).  Each
 * entry found is removed after the pass, by its key. */
int store_uniq_del_clients(store *s, const int64_t *clients, size_t n, uint64_t *removed)
{
	struct hit { unsigned char h[STORE_BIDX_LEN]; int64_t client; } *hit = NULL;
	size_t nhit = 0, chit = 0;
	int64_t *ids = NULL;
	sqlite3_stmt *st = NULL;
	int rc, r = 0, gone;
	if (removed)
		*removed = 0;
	if (!n)
		return 0;
	if (!(ids = fort_calloc(n, sizeof *ids)))
		return FORT_ENOMEM;
	memcpy(ids, clients, n * sizeof *ids);
	qsort(ids, n, sizeof *ids, seal_id_cmp);
	if ((rc = sqlite3_prepare_v2(s->db, "SELECT h, client FROM uniq WHERE client BETWEEN ? AND ?", -1, &st, NULL)) != SQLITE_OK) {
		r = map_sqlite(s->db, rc, "removing index entries");
		goto out;
	}
	sqlite3_bind_int64(st, 1, ids[0]);
	sqlite3_bind_int64(st, 2, ids[n - 1]);
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t c = sqlite3_column_int64(st, 1);
		if (sqlite3_column_bytes(st, 0) != STORE_BIDX_LEN || !bsearch(&c, ids, n, sizeof *ids, seal_id_cmp))
			continue;
		if ((r = FORT_ARRAY_GROW(hit, nhit + 1, chit, 16)) < 0)
			break;
		memcpy(hit[nhit].h, sqlite3_column_blob(st, 0), STORE_BIDX_LEN);
		hit[nhit++].client = c;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "removing index entries");
	sqlite3_finalize(st);
	for (size_t i = 0; r == 0 && i < nhit; i++) {
		if ((r = uniq_del_one(s, hit[i].h, hit[i].client, &gone)) == 0 && removed)
			*removed += (uint64_t)gone;
	}
out:
	free(hit);
	free(ids);
	return r;
}

/* The client ids read once in rowid order (sorted), then each entry's
 * client looked up in them: 2.5x fewer instructions than a probe of the
 * clients' B-tree per entry (NOT EXISTS; 100,000 clients: 590M -> 234M),
 * 8 bytes a client of memory. */
int store_uniq_orphan(store *s, int64_t *client)
{
	sqlite3_stmt *st = NULL;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc, r = 0;
	*client = 0;
	if ((rc = sqlite3_prepare_v2(s->db, "SELECT id FROM clients ORDER BY id", -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "checking the index entries");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = FORT_ARRAY_GROW(ids, n + 1, cap, 1024)) < 0)
			goto out;
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE) {
		r = map_sqlite(s->db, rc, "checking the index entries");
		goto out;
	}
	sqlite3_finalize(st);
	if ((rc = sqlite3_prepare_v2(s->db, "SELECT client FROM uniq", -1, &st, NULL)) != SQLITE_OK) {
		st = NULL;
		r = map_sqlite(s->db, rc, "checking the index entries");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t c = sqlite3_column_int64(st, 0);
		if (!n || !bsearch(&c, ids, n, sizeof *ids, seal_id_cmp)) {
			*client = c;
			r = 1;
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "checking the index entries");
out:
	sqlite3_finalize(st);
	free(ids);
	return r;
}

int store_blind_find(store *s, const unsigned char h[STORE_BIDX_LEN], int unique, int64_t *ids, size_t max, size_t *n)
{
	int t = unique ? T_UNIQ : T_BLIND, rc, r = 0;
	sqlite3_stmt *st = q(s, unique ? Q_UNIQ_FIND : Q_BLIND_FIND);
	size_t got = 0;
	store_seal_check c;
	*n = 0;
	if (!st)
		return fort_error_code();
	kept_begin(s);
	sqlite3_bind_blob(st, 1, h, STORE_BIDX_LEN, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t client = sqlite3_column_int64(st, 0);
		/* the row in hand, by its MAC: moved to another client, its
		 * value swapped or added without the vault key, it does not
		 * verify.  Without a MAC (an older entry, or written without
		 * the key) its seal decides, as before schema 15. */
		int v = index_mac_verdict(s, t, h, client, st, 1);
		if (v == IMAC_KEYS_MAX) {
			r = index_mac_fail(t, client);
			break;
		}
		if (v < 0 && (r = seal_require_index(s, t, h, client)) < 0)
			break;
		if (got < max)
			ids[got] = client;
		got++;
		if (unique) {
			/* h is the unique index's key: no second row, and no
			 * second step to learn that */
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	if (r < 0 || rc != SQLITE_DONE) {
		if (r == 0)
			r = map_sqlite(s->db, rc, "searching");
		kept_end(s); /* a failed find keeps nothing */
		return r;
	}
	*n = got < max ? got : max;
	/* a unique value not found: removed outside Fortress (its seal is
	 * live)?  Only a miss pays for this lookup. */
	if (got == 0 && unique && s->enforce) {
		static const unsigned char none[32];
		if ((r = seal_state_known(s, T_UNIQ, index_id(T_UNIQ, h, 0), h, 0, none, &c)) < 0 ||
		    (c.state != STORE_SEAL_OK && (r = seal_fail(&c, 0)) < 0)) {
			kept_end(s);
			return r;
		}
	}
	return 0;
}

/* -------------------------------------------------------- erasure ledger */

int store_erased_add(store *s, int64_t client, int64_t ts)
{
	sqlite3_stmt *st = q(s, Q_ERASED_ADD);
	if (!st)
		return fort_error_code();
	sqlite3_bind_int64(st, 1, client);
	sqlite3_bind_int64(st, 2, ts);
	return step_done(s, st, "recording the erasure");
}

int store_erased_has(store *s, int64_t client)
{
	sqlite3_stmt *st = q(s, Q_ERASED_HAS);
	int rc, r;
	if ((r = seal_require_table(s, T_ERASED)) < 0)
		return r;
	if (!st)
		return fort_error_code();
	sqlite3_bind_int64(st, 1, client);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return map_sqlite(s->db, rc, "reading the erasure ledger");
}

int store_erased_count(store *s, uint64_t *n) { return count_query(s, Q_ERASED_COUNT, n); }

/* ------------------------------------------------------------------ audit */


int store_audit_append(store *s, const store_audit_row *a)
{
	sqlite3_stmt *st = q(s, Q_AUDIT_ADD);
	if (!st)
		return fort_error_code();
	sqlite3_bind_int64(st, 1, a->seq);
	sqlite3_bind_int64(st, 2, a->ts);
	sqlite3_bind_int64(st, 3, a->actor_id);
	sqlite3_bind_text(st, 4, nz(a->actor), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, nz(a->action), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, nz(a->client), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, nz(a->fields), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, nz(a->purpose), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, nz(a->result), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, nz(a->detail), -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 11, a->prev, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 12, a->hash, 32, SQLITE_STATIC);
	if (a->has_sig)
		sqlite3_bind_blob(st, 13, a->sig, 64, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 13);
	if (a->has_seals)
		sqlite3_bind_blob(st, 14, a->seals, 32, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 14);
	if (a->batch)
		sqlite3_bind_int64(st, 15, a->batch);
	else
		sqlite3_bind_null(st, 15);
	return step_done(s, st, "writing the audit log");
}

static void audit_row(store_audit_row *a, sqlite3_stmt *st)
{
	memset(a, 0, sizeof *a);
	a->seq = sqlite3_column_int64(st, 0);
	a->ts = sqlite3_column_int64(st, 1);
	a->actor_id = sqlite3_column_int64(st, 2);
	a->actor = nz((const char *)sqlite3_column_text(st, 3));
	a->action = nz((const char *)sqlite3_column_text(st, 4));
	a->client = nz((const char *)sqlite3_column_text(st, 5));
	a->fields = nz((const char *)sqlite3_column_text(st, 6));
	a->purpose = nz((const char *)sqlite3_column_text(st, 7));
	a->result = nz((const char *)sqlite3_column_text(st, 8));
	a->detail = nz((const char *)sqlite3_column_text(st, 9));
	/* A wrong-sized hash is kept as zeros: verify reports it. */
	if (sqlite3_column_bytes(st, 10) == 32)
		memcpy(a->prev, sqlite3_column_blob(st, 10), 32);
	if (sqlite3_column_bytes(st, 11) == 32)
		memcpy(a->hash, sqlite3_column_blob(st, 11), 32);
	if (sqlite3_column_type(st, 12) != SQLITE_NULL) {
		a->has_sig = 1;
		if (sqlite3_column_bytes(st, 12) == 64)
			memcpy(a->sig, sqlite3_column_blob(st, 12), 64);
	}
	if (sqlite3_column_type(st, 13) != SQLITE_NULL) {
		a->has_seals = 1;
		if (sqlite3_column_bytes(st, 13) == 32)
			memcpy(a->seals, sqlite3_column_blob(st, 13), 32);
	}
	/* a batch of 0 or less is kept as given: verify refuses it */
	if (sqlite3_column_type(st, 14) != SQLITE_NULL) {
		a->has_batch = 1;
		a->batch = sqlite3_column_int64(st, 14);
	}
}

int store_audit_tail(store *s, int64_t *seq, unsigned char hash[32])
{
	sqlite3_stmt *st = q(s, Q_AUDIT_LAST);
	int rc, r = 0;
	kept_check(s); /* KEEPS_READ: a find's kept transaction, if current */
	if (!st)
		return fort_error_code();
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) == 32)
			memcpy(hash, sqlite3_column_blob(st, 1), 32);
		else
			memset(hash, 0, 32);
	} else if (rc == SQLITE_DONE) {
		r = fort_error_set(FORT_ENOTFOUND, "the audit log is empty");
	} else {
		r = map_sqlite(s->db, rc, "reading the audit log");
	}
	sqlite3_reset(st);
	return r;
}

int store_audit_each(store *s, const char *client, store_audit_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, r = 0;
	store_audit_row a;
	rc = sqlite3_prepare_v2(s->db, sql_text[client ? Q_AUDIT_EACH_CLIENT : Q_AUDIT_EACH], -1, &st, NULL);
	if (rc != SQLITE_OK)
		return map_sqlite(s->db, rc, "reading the audit log");
	if (client)
		sqlite3_bind_text(st, 1, client, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		audit_row(&a, st);
		if ((r = cb(ctx, &a)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "reading the audit log");
	sqlite3_finalize(st);
	return r;
}

int store_audit_count(store *s, uint64_t *n) { return count_query(s, Q_AUDIT_COUNT, n); }

int store_audit_failed_unlocks(store *s, int64_t since, uint64_t *n, int64_t *last)
{
	sqlite3_stmt *st = q(s, Q_AUDIT_FAILED_UNLOCKS);
	int rc;
	*n = 0;
	*last = 0;
	if (!st)
		return fort_error_code();
	sqlite3_bind_int64(st, 1, since);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*n = (uint64_t)sqlite3_column_int64(st, 0);
		*last = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : map_sqlite(s->db, rc, "counting failed unlocks");
}

/* ---------------------------------------------------------------- backups */

int store_snapshot_mem(store *s, unsigned char **out, size_t *len)
{
	sqlite3_int64 sz = 0;
	unsigned char *p;

	*out = NULL;
	*len = 0;
	/* The pages as this connection sees them (WAL included), read in one
	 * read transaction (or the caller's). */
	p = sqlite3_serialize(s->db, "main", &sz, 0);
	if (!p || sz <= 0) {
		sqlite3_free(p);
		return fort_error_set(FORT_ENOMEM, "cannot take the snapshot: out of memory (it is held in memory, as large as the vault file)");
	}
	*out = p;
	*len = (size_t)sz;
	return 0;
}

void store_snapshot_free(unsigned char *p)
{
	sqlite3_free(p);
}

int store_integrity_check(store *s)
{
	sqlite3_stmt *st;
	int rc, r;
	const unsigned char *txt;

	if ((rc = sqlite3_prepare_v2(s->db, "PRAGMA integrity_check(1)", -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "checking the vault");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		txt = sqlite3_column_text(st, 0);
		if (txt && strcmp((const char *)txt, "ok") == 0)
			r = 0;
		else
			r = fort_error_set(FORT_ECORRUPT, "the database fails its integrity check (%.200s)",
					   txt ? (const char *)txt : "no answer");
	} else {
		r = map_sqlite(s->db, rc, "checking the vault");
	}
	sqlite3_finalize(st);
	return r;
}

int store_erased_each(store *s, store_erased_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if ((r = seal_require_table(s, T_ERASED)) < 0)
		return r;
	if ((rc = sqlite3_prepare_v2(s->db, "SELECT client, ts FROM erased ORDER BY client", -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "reading the erasure ledger");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((r = cb(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1))) != 0)
			break;
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "reading the erasure ledger");
	sqlite3_finalize(st);
	return r;
}

int store_erased_field_add(store *s, int64_t client, const char *field, int64_t ts)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = sqlite3_prepare_v2(s->db, "INSERT INTO erased_fields(client, field, ts) VALUES(?,?,?)", -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "recording the erasure");
	sqlite3_bind_int64(st, 1, client);
	sqlite3_bind_text(st, 2, field, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, ts);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : map_sqlite(s->db, rc, "recording the erasure");
}

int store_erased_field_each(store *s, store_erased_field_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, r;
	if ((r = seal_require_table(s, T_ERASED_FIELDS)) < 0)
		return r;
	if ((rc = sqlite3_prepare_v2(s->db, "SELECT client, field, ts FROM erased_fields ORDER BY id", -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, "reading the erasure ledger");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((r = cb(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2))) != 0)
			break;
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "reading the erasure ledger");
	sqlite3_finalize(st);
	return r;
}

int store_client_purge(store *s, int64_t client, int64_t ts, int *removed)
{
	int r;

	if (removed)
		*removed = 0;
	if ((r = store_blind_del_client(s, client)) < 0 || (r = store_client_delete(s, client)) < 0)
		return r;
	if (removed)
		*removed = sqlite3_changes(s->db) > 0;
	return store_erased_add(s, client, ts);
}

/* ------------------------------------------------------------ raw handle */

/* For the backend's other files (sqlite_int.h). */
sqlite3 *store_sqlite_db(store *s)
{
	return s->db;
}

int store_sqlite_error(sqlite3 *db, int rc, const char *what)
{
	return map_sqlite(db, rc, what);
}

/* ------------------------------------- plan drills, mail outbox, doctor */

static int prep(store *s, sqlite3_stmt **st, const char *sql, const char *what)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
	return rc == SQLITE_OK ? 0 : map_sqlite(s->db, rc, what);
}

static int run_done(store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : map_sqlite(s->db, rc, what);
}

int store_drill_add(store *s, store_drill *d)
{
	sqlite3_stmt *st;
	int r;
	if ((r = prep(s, &st, "INSERT INTO plan_drills(started, finished, type, steps, done, skipped, data) VALUES(?,?,?,?,?,?,?)",
		      "recording a drill")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, d->started);
	sqlite3_bind_int64(st, 2, d->finished);
	sqlite3_bind_text(st, 3, d->type, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, d->steps);
	sqlite3_bind_int(st, 5, d->done);
	sqlite3_bind_int(st, 6, d->skipped);
	sqlite3_bind_blob(st, 7, d->data, (int)d->data_len, SQLITE_STATIC);
	if ((r = run_done(s, st, "recording a drill")) == 0)
		d->id = sqlite3_last_insert_rowid(s->db);
	return r;
}

int store_drill_each(store *s, store_drill_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, r;
	if ((r = prep(s, &st, "SELECT id, started, finished, type, steps, done, skipped, data FROM plan_drills ORDER BY id",
		      "reading drills")) < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_drill d;
		memset(&d, 0, sizeof d);
		d.id = sqlite3_column_int64(st, 0);
		d.started = sqlite3_column_int64(st, 1);
		d.finished = sqlite3_column_int64(st, 2);
		snprintf(d.type, sizeof d.type, "%s", nz((const char *)sqlite3_column_text(st, 3)));
		d.steps = sqlite3_column_int(st, 4);
		d.done = sqlite3_column_int(st, 5);
		d.skipped = sqlite3_column_int(st, 6);
		d.data = sqlite3_column_blob(st, 7);
		d.data_len = (size_t)sqlite3_column_bytes(st, 7);
		if ((r = cb(ctx, &d)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "reading drills");
	sqlite3_finalize(st);
	return r;
}

int store_mail_put(store *s, store_mail *m)
{
	sqlite3_stmt *st;
	int r;
	if (m->id == 0) {
		if ((r = prep(s, &st, "INSERT INTO mail_outbox(created, ref, purpose, status, data, message_id) VALUES(?,?,?,?,?,?)",
			      "queueing a message")) < 0)
			return r;
		sqlite3_bind_int64(st, 1, m->created);
		sqlite3_bind_text(st, 2, m->ref, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, m->purpose, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, m->status, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 5, m->data, (int)m->data_len, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, m->message_id, -1, SQLITE_STATIC);
		if ((r = run_done(s, st, "queueing a message")) == 0)
			m->id = sqlite3_last_insert_rowid(s->db);
		return r;
	}
	if ((r = prep(s, &st, "UPDATE mail_outbox SET status = ?, attempts = ?, last_attempt = ?, sent = ?, error = ?,"
			      " message_id = ? WHERE id = ?", "updating the outbox")) < 0)
		return r;
	sqlite3_bind_text(st, 1, m->status, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, m->attempts);
	sqlite3_bind_int64(st, 3, m->last_attempt);
	sqlite3_bind_int64(st, 4, m->sent);
	sqlite3_bind_text(st, 5, m->error, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, m->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, m->id);
	return run_done(s, st, "updating the outbox");
}

int store_mail_each(store *s, const char *ref_prefix, store_mail_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, r;
	/* when a letter was accepted by the mail server meets a breach clock:
	 * the outbox is checked whole before it is read */
	if ((r = seal_require_table(s, T_MAIL_OUTBOX)) < 0)
		return r;
	if ((r = prep(s, &st, ref_prefix ? "SELECT id, created, last_attempt, sent, ref, purpose, status, attempts, error, message_id,"
					   " data FROM mail_outbox WHERE substr(ref, 1, length(?1)) = ?1 ORDER BY id"
					 : "SELECT id, created, last_attempt, sent, ref, purpose, status, attempts, error, message_id,"
					   " data FROM mail_outbox ORDER BY id",
		      "reading the outbox")) < 0)
		return r;
	if (ref_prefix)
		sqlite3_bind_text(st, 1, ref_prefix, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_mail m;
		memset(&m, 0, sizeof m);
		m.id = sqlite3_column_int64(st, 0);
		m.created = sqlite3_column_int64(st, 1);
		m.last_attempt = sqlite3_column_int64(st, 2);
		m.sent = sqlite3_column_int64(st, 3);
		snprintf(m.ref, sizeof m.ref, "%s", nz((const char *)sqlite3_column_text(st, 4)));
		snprintf(m.purpose, sizeof m.purpose, "%s", nz((const char *)sqlite3_column_text(st, 5)));
		snprintf(m.status, sizeof m.status, "%s", nz((const char *)sqlite3_column_text(st, 6)));
		m.attempts = sqlite3_column_int(st, 7);
		snprintf(m.error, sizeof m.error, "%s", nz((const char *)sqlite3_column_text(st, 8)));
		snprintf(m.message_id, sizeof m.message_id, "%s", nz((const char *)sqlite3_column_text(st, 9)));
		m.data = sqlite3_column_blob(st, 10);
		m.data_len = (size_t)sqlite3_column_bytes(st, 10);
		if ((r = cb(ctx, &m)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "reading the outbox");
	sqlite3_finalize(st);
	return r;
}

int store_mail_attempt(store *s, int64_t msg, int64_t ts, const char *result, const char *error)
{
	sqlite3_stmt *st;
	int r;
	if ((r = prep(s, &st, "INSERT INTO mail_attempts(msg, ts, result, error) VALUES(?,?,?,?)", "recording a delivery attempt")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, msg);
	sqlite3_bind_int64(st, 2, ts);
	sqlite3_bind_text(st, 3, nz(result), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, nz(error), -1, SQLITE_STATIC);
	return run_done(s, st, "recording a delivery attempt");
}

int store_mail_attempt_each(store *s, int64_t msg, store_mail_attempt_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, r;
	if ((r = prep(s, &st, "SELECT msg, ts, result, error FROM mail_attempts WHERE msg = ? ORDER BY rowid", "reading delivery attempts")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, msg);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((r = cb(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), nz((const char *)sqlite3_column_text(st, 2)),
			    nz((const char *)sqlite3_column_text(st, 3)))) != 0)
			break;
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "reading delivery attempts");
	sqlite3_finalize(st);
	return r;
}

/* ------------------------------------------- one statement for the typed functions */

struct sq_row { sqlite3_stmt *st; };

int64_t sq_int(const sq_row *r, int col) { return sqlite3_column_int64(r->st, col); }

const char *sq_text(const sq_row *r, int col)
{
	const char *t = (const char *)sqlite3_column_text(r->st, col);
	return t ? t : "";
}

const void *sq_blob(const sq_row *r, int col, size_t *len)
{
	*len = (size_t)sqlite3_column_bytes(r->st, col);
	return sqlite3_column_blob(r->st, col);
}

int sq_run(store *s, const char *what, const char *sql, const sq_arg *args, size_t nargs, sq_row_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	sq_row row;
	int rc, r = 0;

	if ((rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) != SQLITE_OK)
		return map_sqlite(s->db, rc, what);
	for (size_t i = 0; i < nargs; i++) {
		int k = (int)i + 1;
		if (args[i].t == 'i')
			sqlite3_bind_int64(st, k, args[i].i);
		else if (args[i].t == 't')
			sqlite3_bind_text(st, k, args[i].p ? args[i].p : "", -1, SQLITE_STATIC);
		else
			sqlite3_bind_blob(st, k, args[i].p ? args[i].p : "", (int)args[i].n, SQLITE_STATIC);
	}
	row.st = st;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb && (r = cb(ctx, &row)) != 0)
			break;
	if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = map_sqlite(s->db, rc, what);
	sqlite3_finalize(st);
	return r;
}

int store_doctor_add(store *s, int64_t ts, int score, const char *json)
{
	sqlite3_stmt *st;
	int r;
	if ((r = prep(s, &st, "INSERT INTO doctor_runs(ts, score, checks) VALUES(?,?,?)", "recording the check-up")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, ts);
	sqlite3_bind_int(st, 2, score);
	sqlite3_bind_text(st, 3, nz(json), -1, SQLITE_STATIC);
	return run_done(s, st, "recording the check-up");
}

int store_doctor_each(store *s, store_doctor_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, r;
	if ((r = prep(s, &st, "SELECT id, ts, score, checks FROM doctor_runs ORDER BY id", "reading the check-up history")) < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((r = cb(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int(st, 2),
			    nz((const char *)sqlite3_column_text(st, 3)))) != 0)
			break;
	if (r == 0 && rc != SQLITE_DONE)
		r = map_sqlite(s->db, rc, "reading the check-up history");
	sqlite3_finalize(st);
	return r;
}

int64_t sq_last_id(store *s) { return sqlite3_last_insert_rowid(s->db); }
int64_t sq_changes(store *s) { return sqlite3_changes(s->db); }
