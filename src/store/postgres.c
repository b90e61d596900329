/* postgres.c - the PostgreSQL store (issue 19): the same functions as the
 * SQLite backend (store.h), through libpq, for a vault shared by several
 * processes and machines.
 *
 * Connection: a postgresql:// or postgres:// URL or service=NAME.  A
 * password in it is refused (libpq's .pgpass or PGPASSFILE keep it); a
 * server reached over TCP must be verified (sslmode=verify-full, the default
 * set here); a Unix socket needs no TLS.
 * Schema: pg_migrations[] is sqlite.c's migrations[] one for one (same
 * version numbers) in PostgreSQL types (bigint, bytea, identity columns);
 * tables SQLite gives an implicit rowid that a seal or an order needs get an
 * explicit `rowid` identity column.  The version is in fortress_version.
 * Statements: parameters are always bound ($1...), never formatted in; each
 * statement is prepared once per connection (named by a hash of its text;
 * the PREPARE goes in the pipeline with its first run), results are read
 * in binary.  Round trips are what a statement costs here: reads behind
 * queued writes, the open's meta reads (store_meta_preload) and a large
 * flush's seal rows (one COPY) are batched.
 * Transactions: store_begin takes a transaction-wide advisory lock, so
 * writers are serialised across processes as SQLite's BEGIN IMMEDIATE
 * serialises them on one machine: the audit chain is appended by one writer
 * at a time (a unique index on audit.seq refuses a fork all the same);
 * lock_timeout turns a long wait into FORT_EBUSY.  An import (store_bulk)
 * takes it late (store_write_lock): its rows go in side by side with
 * another process's import, and the lock is taken before its seals, its
 * audit entry or anything else another writer could need in order.
 * Seals: this backend notes every change to a sealed table in its own write
 * functions (no triggers an attacker could drop: a row changed with psql is
 * caught by the next read of it or by `audit verify`, as with SQLite).  A
 * row's hash is taken over its columns as read back (binary), so what is
 * sealed is what a later read returns.
 * The sealed tables are sqlite.c's (T_* below, checked at open), the
 * sealed meta keys the list in sealed_meta.c; store_changed follows the
 * audit chain's head (see there).
 * Not yet here: the functions dispatch.c lists as "not yet available on a
 * PostgreSQL vault" (the database snapshot and integrity check). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libpq-fe.h>
#include <sodium.h>
#include "util.h"
#include "util/dl.h"
#include "store/backends.h"
#include "store/sealed_meta.h"
#include "store/seal_common.h"

/* libpq is loaded with dlopen() when a PostgreSQL vault is opened
 * (pg_store_open, the one way into this backend), not linked: with what it
 * pulls (OpenSSL, Kerberos, LDAP, SASL) it was a third of the dynamic
 * loader's work at every start of `fortress`, a scan or a SQLite command
 * included (util/dl.h).  The calls below go through these pointers; the
 * names stay libpq's, so the code reads as plain libpq. */
#define PQ_FUNCS(X) X(PQclear) X(PQcmdTuples) X(PQconnectPoll) X(PQconnectStartParams) X(PQconninfo) \
	X(PQconninfoFree) X(PQconninfoParse) X(PQdb) X(PQenterPipelineMode) X(PQerrorMessage) X(PQexec) \
	X(PQexecPrepared) X(PQexitPipelineMode) X(PQfinish) X(PQfname) X(PQfnumber) X(PQfreemem) X(PQftype) \
	X(PQgetResult) X(PQgetisnull) X(PQgetlength) X(PQgetvalue) X(PQhost) X(PQnfields) X(PQntuples) \
	X(PQpipelineStatus) X(PQpipelineSync) X(PQprepare) X(PQputCopyData) X(PQputCopyEnd) X(PQresultErrorField) \
	X(PQresultStatus) X(PQsendPrepare) X(PQsendQueryParams) X(PQsendQueryPrepared) X(PQsetErrorVerbosity) \
	X(PQsetSingleRowMode) X(PQsocket) X(PQsslInUse) X(PQstatus) X(PQtransactionStatus)
static struct {
#define X(f) __typeof__(f) *f;
	PQ_FUNCS(X)
#undef X
} pq;
static const fort_dl_sym pq_syms[] = {
#define X(f) { #f, (void **)&pq.f },
	PQ_FUNCS(X)
#undef X
};
static fort_dl pq_dl = FORT_DL_INIT("libpq.so.5", "libpq5", pq_syms);
#define PQclear (*pq.PQclear)
#define PQcmdTuples (*pq.PQcmdTuples)
#define PQconnectPoll (*pq.PQconnectPoll)
#define PQconnectStartParams (*pq.PQconnectStartParams)
#define PQconninfo (*pq.PQconninfo)
#define PQconninfoFree (*pq.PQconninfoFree)
#define PQconninfoParse (*pq.PQconninfoParse)
#define PQdb (*pq.PQdb)
#define PQenterPipelineMode (*pq.PQenterPipelineMode)
#define PQerrorMessage (*pq.PQerrorMessage)
#define PQexec (*pq.PQexec)
#define PQexecPrepared (*pq.PQexecPrepared)
#define PQexitPipelineMode (*pq.PQexitPipelineMode)
#define PQfinish (*pq.PQfinish)
#define PQfname (*pq.PQfname)
#define PQfnumber (*pq.PQfnumber)
#define PQfreemem (*pq.PQfreemem)
#define PQftype (*pq.PQftype)
#define PQgetResult (*pq.PQgetResult)
#define PQgetisnull (*pq.PQgetisnull)
#define PQgetlength (*pq.PQgetlength)
#define PQgetvalue (*pq.PQgetvalue)
#define PQhost (*pq.PQhost)
#define PQnfields (*pq.PQnfields)
#define PQntuples (*pq.PQntuples)
#define PQpipelineStatus (*pq.PQpipelineStatus)
#define PQpipelineSync (*pq.PQpipelineSync)
#define PQprepare (*pq.PQprepare)
#define PQputCopyData (*pq.PQputCopyData)
#define PQputCopyEnd (*pq.PQputCopyEnd)
#define PQresultErrorField (*pq.PQresultErrorField)
#define PQresultStatus (*pq.PQresultStatus)
#define PQsendPrepare (*pq.PQsendPrepare)
#define PQsendQueryParams (*pq.PQsendQueryParams)
#define PQsendQueryPrepared (*pq.PQsendQueryPrepared)
#define PQsetErrorVerbosity (*pq.PQsetErrorVerbosity)
#define PQsetSingleRowMode (*pq.PQsetSingleRowMode)
#define PQsocket (*pq.PQsocket)
#define PQsslInUse (*pq.PQsslInUse)
#define PQstatus (*pq.PQstatus)
#define PQtransactionStatus (*pq.PQtransactionStatus)

#define PG_WRITE_LOCK 0x464f5254 /* "FORT": the advisory lock of writers */

/* A one-dimensional array parameter in PostgreSQL's binary form (barr_start
 * and the rest, below). */
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_TEXT 25
struct barr {
	fort_buf b;
	uint32_t n;
	int nulls;
};

struct store {
	int backend; /* STORE_BACKEND_PG: first (backends.h) */
	PGconn *c;
	int txdepth;
	int rtx;        /* store_read_begin's snapshot is open: its depth */
	char **prepared; /* names of the statements prepared on this connection */
	size_t nprepared, cprepared;
	struct stmt_cached *sc; /* stmt_name's cache (STMT_CACHE slots), or NULL */
	struct seal_touch *touch;
	size_t ntouch, ctouch;
	int touch_lost;
	uint32_t *pset;
	size_t pcap;
	int enforce, in_checkpoint;
	int fresh;       /* created by this handle and not yet committed once */
	unsigned scanned;
	unsigned scanned_before;
	store_commit_hook hook;
	void *hook_ctx;
	/* store_changed: the audit chain's head as this connection last saw
	 * it (seen), and the entries this connection's open transaction
	 * appends (own: the prev of the first, the seq and hash of the last) */
	int seen_set;
	int64_t seen_seq;
	unsigned char seen_hash[32];
	int own_set;
	int64_t own_first_seq, own_last_seq;
	unsigned char own_prev[32], own_last_hash[32];
	/* store_raw_put: the table being loaded and its statement */
	char raw_table[64], raw_stmt[24];
	char raw_sig[1024];
	int raw_keep[64];
	int raw_nkeep;
	/* store_raw_put of seal_log: the pack being filled (rawpk_n seals,
	 * the first's rowid, their seq), written when the run ends */
	fort_buf rawpk;
	size_t rawpk_n;
	int64_t rawpk_rowid, rawpk_seq;
	/* the pipeline (libpq pipeline mode): statements sent and not yet
	 * answered, in order; pq_sync reads their answers */
	struct pq_item *pq;
	size_t npq, cpq;
	int bulk;             /* store_bulk: a client's INSERT waits in the pipeline */
	int late;             /* a bulk transaction that has not taken the writers' lock yet (store_write_lock) */
	int heads_sp;         /* seal_copy's savepoints in this transaction (HEADS_SP_MAX) */
	int heads_blind;      /* a flush of this transaction has sealed search groups */
	int64_t failed_client; /* the client whose queued statement failed (0: none) */
	/* an import's client rows (pg_store_client_insert): every row of the
	 * batches sent since the last pq_sync and of the one not yet sent (from
	 * offset cl_pend, ncl rows), kept to be sent again one by one when a
	 * batch is refused (clients_retry); cl[] the columns' arrays of the
	 * batch being sent; cl_sp the batches' savepoints in this transaction */
	fort_buf clraw;
	size_t cl_pend, ncl;
	struct barr cl[6];
	int cl_sp;
	int draining; /* pq_drain: a refused batch is not tried again */
	/* store_index_mac_keys: sodium_malloc'ed, nimac keys of
	 * SEAL_IMAC_KEY_LEN bytes (the first writes, all are accepted) */
	unsigned char *imac;
	size_t nimac;
	/* store_meta_preload: every meta row with its seal head (rowid, k, v,
	 * the head's hash and seq), read in one statement; meta reads are
	 * answered from it until meta_pre_drop (the next transaction,
	 * snapshot, store_changed or meta write) */
	PGresult *meta_pre;
	PGresult *kept; /* the answer of a PQ_KEEP statement, for run */
};

static void meta_pre_drop(store *s);

/* ------------------------------------------------------------- the schema */

static const char *const pg_migrations[STORE_SCHEMA_VERSION] = {
	"CREATE TABLE meta(rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE, k text PRIMARY KEY, v bytea NOT NULL);"
	"CREATE TABLE users(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text NOT NULL UNIQUE, role text NOT NULL,"
	" box_pk bytea NOT NULL, sign_pk bytea NOT NULL, salt bytea NOT NULL, opslimit bigint NOT NULL,"
	" memlimit bigint NOT NULL, sealed bytea NOT NULL, created bigint NOT NULL);"
	"CREATE TABLE grants(user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" key_name text NOT NULL, version bigint NOT NULL, sealed bytea NOT NULL,"
	" PRIMARY KEY(user_id, key_name, version));"
	"CREATE TABLE clients(id bigint PRIMARY KEY, vk_version bigint NOT NULL, wrapped bytea NOT NULL,"
	" data bytea NOT NULL, created bigint NOT NULL, updated bigint NOT NULL);"
	"CREATE TABLE blind(h bytea NOT NULL, client bigint NOT NULL, PRIMARY KEY(h, client));"
	"CREATE TABLE uniq(h bytea NOT NULL PRIMARY KEY, client bigint NOT NULL);"
	"CREATE TABLE erased(client bigint PRIMARY KEY, ts bigint NOT NULL);"
	"CREATE TABLE audit(rowid bigint GENERATED ALWAYS AS IDENTITY, seq bigint NOT NULL, ts bigint NOT NULL, actor_id bigint NOT NULL,"
	" actor text NOT NULL, action text NOT NULL, client text NOT NULL, fields text NOT NULL,"
	" purpose text NOT NULL, result text NOT NULL, detail text NOT NULL, prev bytea NOT NULL,"
	" hash bytea NOT NULL, sig bytea);"
	/* unique here (an index in SQLite): two writers cannot fork the chain */
	"CREATE UNIQUE INDEX audit_seq ON audit(seq);"
	"CREATE INDEX audit_client ON audit(client) WHERE client <> '';",
	"ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active';"
	"ALTER TABLE users ADD COLUMN removed bigint;",
	"CREATE TABLE consent(seq bigint PRIMARY KEY, client bigint NOT NULL, purpose text NOT NULL, action text NOT NULL,"
	" ts bigint NOT NULL, channel text NOT NULL, recorded_by text NOT NULL, language text NOT NULL, notice text NOT NULL,"
	" evidence_hash text NOT NULL, evidence bytea, prev bytea NOT NULL, hash bytea NOT NULL);"
	"CREATE INDEX consent_client ON consent(client, seq);"
	"CREATE FUNCTION consent_append_only() RETURNS trigger LANGUAGE plpgsql AS"
	" $$BEGIN RAISE EXCEPTION 'the consent ledger is append-only'; END$$;"
	"CREATE TRIGGER consent_no_update BEFORE UPDATE ON consent FOR EACH ROW EXECUTE FUNCTION consent_append_only();"
	"CREATE TRIGGER consent_no_delete BEFORE DELETE ON consent FOR EACH ROW EXECUTE FUNCTION consent_append_only();"
	"CREATE TABLE notices(rowid bigint GENERATED ALWAYS AS IDENTITY, hash text PRIMARY KEY, language text NOT NULL, text bytea NOT NULL,"
	" created bigint NOT NULL);",
	"CREATE TABLE requests(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, client bigint NOT NULL, kind text NOT NULL,"
	" jurisdiction text NOT NULL, region text NOT NULL, received text NOT NULL, clock_start text NOT NULL, state text NOT NULL,"
	" paused_days bigint NOT NULL DEFAULT 0, paused_since text NOT NULL DEFAULT '', extended bigint NOT NULL DEFAULT 0,"
	" id_method text NOT NULL DEFAULT '', id_result text NOT NULL DEFAULT '', closed text NOT NULL DEFAULT '',"
	" created bigint NOT NULL, updated bigint NOT NULL);"
	"CREATE INDEX requests_client ON requests(client);"
	"CREATE TABLE request_events(rowid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, request bigint NOT NULL,"
	" ts bigint NOT NULL, actor text NOT NULL, event text NOT NULL, detail text NOT NULL);"
	"CREATE INDEX request_events_req ON request_events(request);",
	"CREATE TABLE holds(client bigint NOT NULL, field text NOT NULL, until text NOT NULL, reason text NOT NULL,"
	" request bigint NOT NULL, PRIMARY KEY(client, field));"
	"CREATE INDEX holds_until ON holds(until);",
	"CREATE TABLE attachments(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, created bigint NOT NULL, actor text NOT NULL,"
	" size bigint NOT NULL, cats bigint NOT NULL, kvers text NOT NULL, wrapped bytea NOT NULL, meta bytea NOT NULL,"
	" header bytea NOT NULL, nchunks bigint NOT NULL);"
	"CREATE TABLE attachment_chunks(att bigint NOT NULL, seq bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY(att, seq));"
	"CREATE TABLE attachment_clients(att bigint NOT NULL, client bigint NOT NULL, PRIMARY KEY(att, client));"
	"CREATE INDEX attachment_clients_client ON attachment_clients(client);",
	"CREATE TABLE plan_drills(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, started bigint NOT NULL, finished bigint NOT NULL,"
	" type text NOT NULL, steps bigint NOT NULL, done bigint NOT NULL, skipped bigint NOT NULL, data bytea NOT NULL);"
	"CREATE TABLE mail_outbox(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, created bigint NOT NULL, ref text NOT NULL,"
	" purpose text NOT NULL, status text NOT NULL, attempts bigint NOT NULL DEFAULT 0, last_attempt bigint NOT NULL DEFAULT 0,"
	" sent bigint NOT NULL DEFAULT 0, error text NOT NULL DEFAULT '', message_id text NOT NULL DEFAULT '', data bytea NOT NULL);"
	"CREATE INDEX mail_outbox_ref ON mail_outbox(ref);"
	"CREATE TABLE mail_attempts(rowid bigint GENERATED ALWAYS AS IDENTITY, msg bigint NOT NULL, ts bigint NOT NULL, result text NOT NULL,"
	" error text NOT NULL);"
	"CREATE INDEX mail_attempts_msg ON mail_attempts(msg);"
	"CREATE TABLE doctor_runs(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, ts bigint NOT NULL, score bigint NOT NULL,"
	" checks text NOT NULL);",
	"CREATE TABLE exports(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, ts bigint NOT NULL, actor text NOT NULL,"
	" device text NOT NULL, kind text NOT NULL, destination text NOT NULL, format text NOT NULL, sha256 text NOT NULL,"
	" encrypted bigint NOT NULL, fields text NOT NULL, clients bigint NOT NULL, all_clients bigint NOT NULL,"
	" ids bytea NOT NULL DEFAULT '\\x');"
	"CREATE INDEX exports_sha ON exports(sha256);"
	"CREATE INDEX exports_device ON exports(device);"
	"CREATE TABLE incidents(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, title text NOT NULL, kind text NOT NULL,"
	" occurred bigint NOT NULL, aware bigint NOT NULL, state text NOT NULL, likelihood bigint NOT NULL DEFAULT 0,"
	" severity bigint NOT NULL DEFAULT 0, encrypted bigint NOT NULL DEFAULT -1, key_compromised bigint NOT NULL DEFAULT -1,"
	" hipaa bigint NOT NULL DEFAULT 0, contact text NOT NULL DEFAULT '', decision text NOT NULL DEFAULT '',"
	" decided_by text NOT NULL DEFAULT '', decided_at bigint NOT NULL DEFAULT 0, closed bigint NOT NULL DEFAULT 0,"
	" opened_by text NOT NULL, created bigint NOT NULL, updated bigint NOT NULL);"
	"CREATE TABLE incident_notes(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, incident bigint NOT NULL, kind text NOT NULL,"
	" ts bigint NOT NULL, at bigint NOT NULL, actor text NOT NULL, text bytea NOT NULL);"
	"CREATE INDEX incident_notes_inc ON incident_notes(incident, id);"
	"CREATE TABLE incident_scope(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, incident bigint NOT NULL, kind text NOT NULL,"
	" \"user\" text NOT NULL, t_from bigint NOT NULL, t_to bigint NOT NULL, export bigint NOT NULL, device text NOT NULL,"
	" category text NOT NULL);"
	"CREATE TABLE incident_actions(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, incident bigint NOT NULL, text bytea NOT NULL,"
	" owner text NOT NULL, due text NOT NULL, done bigint NOT NULL DEFAULT 0, done_by text NOT NULL DEFAULT '',"
	" created bigint NOT NULL);",
	"CREATE TABLE seal_log(seq bigint NOT NULL, tbl text NOT NULL, id bigint NOT NULL, hash bytea NOT NULL);"
	"CREATE INDEX seal_log_row ON seal_log(tbl, id, seq);"
	"CREATE INDEX seal_log_seq ON seal_log(seq);"
	"CREATE INDEX blind_client ON blind(client);"
	"CREATE INDEX uniq_client ON uniq(client);"
	"ALTER TABLE audit ADD COLUMN seals bytea;"
	"CREATE TABLE erased_fields(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, client bigint NOT NULL, field text NOT NULL,"
	" ts bigint NOT NULL);",
	"CREATE TABLE seal_head(tbl text NOT NULL, id bigint NOT NULL, seq bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY(tbl, id));"
	"INSERT INTO seal_head(tbl, id, seq, hash) SELECT DISTINCT ON (tbl, id) tbl, id, seq, hash FROM seal_log"
	" ORDER BY tbl, id, seq DESC;"
	"CREATE TABLE seal_log_v10(rowid bigint PRIMARY KEY, seq bigint NOT NULL, tbl text NOT NULL, id bigint NOT NULL,"
	" hash bytea NOT NULL);"
	"INSERT INTO seal_log_v10(rowid, seq, tbl, id, hash) SELECT (seq << 32) + row_number() OVER (PARTITION BY seq ORDER BY tbl, id) - 1,"
	" seq, tbl, id, hash FROM seal_log;"
	"DROP TABLE seal_log;"
	"ALTER TABLE seal_log_v10 RENAME TO seal_log;",
	"CREATE TABLE user_totp(user_id bigint PRIMARY KEY, data bytea NOT NULL, created bigint NOT NULL);"
	"CREATE TABLE signin_throttle(k text PRIMARY KEY, failures bigint NOT NULL, last bigint NOT NULL);",
	/* 12: write-only intake (sqlite.c's 12): forms and decisions sealed,
	 * the inbox not; an identity never gives an inbox id twice */
	"CREATE TABLE intake_forms(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text NOT NULL UNIQUE,"
	" fields text NOT NULL, consents text NOT NULL, created bigint NOT NULL, created_by text NOT NULL);"
	"CREATE TABLE intake_inbox(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, form text NOT NULL, received bigint NOT NULL,"
	" box bytea NOT NULL);"
	"CREATE TABLE intake_decisions(id bigint PRIMARY KEY, form text NOT NULL, decision text NOT NULL, client text NOT NULL,"
	" ts bigint NOT NULL, actor text NOT NULL);",
	/* 13: tokens for programs (sqlite.c's 13), sealed */
	"CREATE TABLE tokens(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text NOT NULL UNIQUE,"
	" user_id bigint NOT NULL, role text NOT NULL, purposes text NOT NULL, creator text NOT NULL, created bigint NOT NULL,"
	" expires bigint NOT NULL, revoked bigint NOT NULL, verifier bytea NOT NULL, sealed bytea NOT NULL);",
	/* 14: the self-service sign-in links (sqlite.c's 14): not sealed */
	"CREATE TABLE me_links(token bytea PRIMARY KEY, expires bigint NOT NULL, data bytea NOT NULL);",
	/* 15: the index entries' MAC column (sqlite.c's migration 15),
	 * written and checked as there (seal_index_mac) */
	"ALTER TABLE blind ADD COLUMN mac bytea;"
	"ALTER TABLE uniq ADD COLUMN mac bytea;",
	/* 16: audit entries signed once per batch (sqlite.c's 16) */
	"ALTER TABLE audit ADD COLUMN batch bigint;",
	/* 17: sqlite.c's: each request's channel and the client's note (sealed) */
	"CREATE TABLE request_details(request bigint PRIMARY KEY, channel text NOT NULL, note bytea);",
	/* 18: sqlite.c's: invitations (sealed) and the joins made by them (not sealed) */
	"CREATE TABLE invitations(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text NOT NULL, role text NOT NULL,"
	" creator text NOT NULL, created bigint NOT NULL, expires bigint NOT NULL, revoked bigint NOT NULL, used bigint NOT NULL,"
	" user_id bigint NOT NULL, verifier bytea NOT NULL);"
	"CREATE TABLE invite_joins(invite bigint PRIMARY KEY, user_id bigint NOT NULL UNIQUE, totp bytea NOT NULL,"
	" created bigint NOT NULL);",
	/* 19: sqlite.c's: search entries sealed per client; a vault whose
	 * entries carry per-entry seals is marked for the regrouping */
	"INSERT INTO meta(k, v) SELECT 'index_seal', 'entry'::bytea WHERE EXISTS (SELECT 1 FROM seal_head WHERE tbl = 'blind');",
	/* 20: sqlite.c's splits the large tables' heads out of seal_head, a
	 * cost of SQLite's B-tree keys; here seal_head keeps every head (store
	 * copy maps the rows between the two layouts): nothing to do */
	"SELECT 1",
	/* 21: seal_log packed (issue 19): a row per run of up to PACK_MAX
	 * seals of one audit entry (rowid: its first seal's SEAL_ROWID, the
	 * seals: PACK_TUPLE bytes each, pack_put's layout, pack_tbl's table
	 * numbers) instead of a row per seal, each with its primary-key entry;
	 * kept in the row (PLAIN: no TOAST, no compression of hashes).  The
	 * log converts exactly: runs of consecutive rowids of a seq, in rowid
	 * order; a row no pack can say (a table not sealed, a hash not 32
	 * bytes: edited outside Fortress) becomes a tuple of table 255, which
	 * every reader takes as tamper.  sqlite.c's 21 does nothing. */
	"CREATE TABLE seal_log_v21(rowid bigint PRIMARY KEY, seq bigint NOT NULL, seals bytea NOT NULL);"
	"ALTER TABLE seal_log_v21 ALTER COLUMN seals SET STORAGE PLAIN;"
	"INSERT INTO seal_log_v21(rowid, seq, seals) SELECT min(rowid), seq, string_agg(t, ''::bytea ORDER BY rowid) FROM"
	" (SELECT rowid, seq, run, (row_number() OVER (PARTITION BY seq, run ORDER BY rowid) - 1) / 64 AS part,"
	" CASE WHEN k IS NULL OR length(hash) <> 32"
	" THEN decode('ff', 'hex') || int8send(id) || substring(hash || decode(repeat('00', 32), 'hex') FROM 1 FOR 32)"
	" ELSE set_byte(decode('00', 'hex'), 0, k - 1) || int8send(id) || hash END AS t"
	" FROM (SELECT rowid, seq, id, hash, rowid - row_number() OVER (PARTITION BY seq ORDER BY rowid) AS run,"
	" array_position(ARRAY['clients', 'blind', 'uniq', 'consent', 'erased', 'erased_fields', 'exports', 'requests',"
	" 'request_events', 'incidents', 'incident_notes', 'incident_scope', 'incident_actions', 'meta', 'holds', 'attachments',"
	" 'attachment_clients', 'mail_outbox', 'intake_forms', 'intake_decisions', 'user_totp', 'tokens', 'request_details',"
	" 'invitations']::text[], tbl) AS k FROM seal_log) AS l) AS p"
	" GROUP BY seq, run, part;"
	"DROP TABLE seal_log;"
	"ALTER TABLE seal_log_v21 RENAME TO seal_log;",
	/* 22: sqlite.c's drops uniq_client; here it stayed until 23 */
	"SELECT 1",
	/* 23: uniq_client dropped here too (issue 19; sqlite.c's 22): every
	 * imported client paid a B-tree insertion in it per unique value, with
	 * its WAL record, and only an erasure's sweep of the entries it cannot
	 * find by value read it (store_uniq_del_clients: one pass over uniq for
	 * all its clients now, as on SQLite).  sqlite.c's 23 does nothing. */
	"DROP INDEX IF EXISTS uniq_client;",
};

/* The sealed tables: store_seal_table's order (sqlite.c's seal_table). */
enum { T_CLIENTS, T_BLIND, T_UNIQ, T_CONSENT, T_ERASED, T_ERASED_FIELDS, T_EXPORTS, T_REQUESTS, T_REQUEST_EVENTS,
       T_INCIDENTS, T_INCIDENT_NOTES, T_INCIDENT_SCOPE, T_INCIDENT_ACTIONS, T_META, T_HOLDS, T_ATTACHMENTS,
       T_ATTACHMENT_CLIENTS, T_MAIL_OUTBOX, T_INTAKE_FORMS, T_INTAKE_DECISIONS, T_USER_TOTP, T_TOKENS,
       T_REQUEST_DETAILS, T_INVITATIONS, T__COUNT };
/* the column that names a sealed row (a group: its group) */
static const char *const id_col[T__COUNT] = {
	[T_CLIENTS] = "id", [T_CONSENT] = "seq", [T_ERASED] = "client", [T_ERASED_FIELDS] = "id", [T_EXPORTS] = "id",
	[T_REQUESTS] = "id", [T_REQUEST_EVENTS] = "rowid", [T_INCIDENTS] = "id", [T_INCIDENT_NOTES] = "id",
	[T_INCIDENT_SCOPE] = "id", [T_INCIDENT_ACTIONS] = "id", [T_META] = "rowid", [T_HOLDS] = "client",
	[T_ATTACHMENTS] = "id", [T_ATTACHMENT_CLIENTS] = "att", [T_MAIL_OUTBOX] = "id", [T_INTAKE_FORMS] = "id",
	[T_INTAKE_DECISIONS] = "id", [T_USER_TOTP] = "user_id", [T_TOKENS] = "id", [T_REQUEST_DETAILS] = "request",
	[T_INVITATIONS] = "id",
};
static const char *const group_order[T__COUNT] = { [T_HOLDS] = "field", [T_ATTACHMENT_CLIENTS] = "client" };
/* the sealed meta keys: sealed_meta.c, the list sqlite.c uses too */
static int meta_sealed(const char *key) { return store_meta_key_sealed(key); }

static const char *tname(int t) { return store_seal_table((size_t)t); }

/* seal_log's table numbers (its packs: PACK_TUPLE, below): */
/* the numbers are on disk: a new sealed table is added at the end (and
 * there in sqlite.c's seal_table, T_* above; checked at open) */
static const char *const pack_tbl[] = {
	"clients", "blind", "uniq", "consent", "erased", "erased_fields", "exports", "requests",
	"request_events", "incidents", "incident_notes", "incident_scope", "incident_actions", "meta", "holds", "attachments",
	"attachment_clients", "mail_outbox", "intake_forms", "intake_decisions", "user_totp", "tokens", "request_details",
	"invitations",
};
#define PACK_TBL_N ((int)(sizeof pack_tbl / sizeof *pack_tbl))

static int table_index(const char *name)
{
	for (int i = 0; i < T__COUNT; i++)
		if (strcmp(tname(i), name) == 0)
			return i;
	return -1;
}

/* ------------------------------------------------------ errors, statements */

/* The one mapping of a PostgreSQL error (by SQLSTATE) to a FORT_E* code,
 * the same as store.h states for every backend:
 *   53100 disk full                        FORT_EIO
 *   55P03 lock timeout, 40xxx (deadlock,
 *         serialization), 57014 cancelled  FORT_EBUSY
 *   XX001, XX002 data corrupted            FORT_ECORRUPT
 *   08xxx connection, 58xxx system I/O,
 *   42501 no privilege                     FORT_EIO
 *   53200 out of memory                    FORT_ENOMEM
 *   23xxx constraint                       FORT_EEXISTS
 *   anything else                          FORT_ERROR
 * Only the server's primary message is shown: its DETAIL may quote a value. */
static int map_state(const char *st)
{
	if (!st || strlen(st) != 5)
		return FORT_ERROR;
	if (strcmp(st, "53100") == 0)
		return FORT_EIO;
	if (strcmp(st, "55P03") == 0 || strncmp(st, "40", 2) == 0 || strcmp(st, "57014") == 0)
		return FORT_EBUSY;
	if (strcmp(st, "XX001") == 0 || strcmp(st, "XX002") == 0)
		return FORT_ECORRUPT;
	if (strncmp(st, "08", 2) == 0 || strncmp(st, "58", 2) == 0 || strcmp(st, "42501") == 0)
		return FORT_EIO;
	if (strcmp(st, "53200") == 0)
		return FORT_ENOMEM;
	if (strncmp(st, "23", 2) == 0)
		return FORT_EEXISTS;
	return FORT_ERROR;
}

static int pg_error(store *s, const PGresult *res, const char *what)
{
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	int code = map_state(st);
	if (!st && s && PQstatus(s->c) != CONNECTION_OK)
		code = FORT_EIO;
	if (!msg || !*msg)
		msg = s ? PQerrorMessage(s->c) : "no answer";
	/* the same words as a SQLite vault that is busy (sqlite.c): a lock
	 * held by another session past lock_timeout, a deadlock or a
	 * serialization failure is another process's work in the way */
	if (code == FORT_EBUSY)
		return fort_error_set(code, "%s: the vault is in use by another process (PostgreSQL says: %.300s): try again when it has finished",
				      what, msg);
	return fort_error_set(code, "%s: PostgreSQL says: %.300s", what, msg);
}

typedef struct { char t; int64_t i; const void *p; size_t n; } pa; /* 'i', 't', 'b' (bytea), 'n' (NULL) */
#define PI(x) ((pa){ 'i', (int64_t)(x), NULL, 0 })
#define PT(x) ((pa){ 't', 0, (x), 0 })
#define PB(x, len) ((pa){ 'b', 0, (x), (len) })
#define PN ((pa){ 'n', 0, NULL, 0 })
#define NA(a) (sizeof(a) / sizeof((a)[0]))

/* A statement sent in the pipeline, its answer not yet read (pq_sync). */
enum { PQ_PLAIN, PQ_PREPARE, PQ_UNIQ_MANY, PQ_UNIQ_NEW /* UNIQ_ADD_NEW: a unique violation is another process's */, PQ_BLIND_MANY, PQ_KEEP /* its answer kept in s->kept (run) */,
       PQ_CLIENTS /* a batch of an import's client rows (clients_send) */ };
struct pq_item {
	int kind;
	char name[24];      /* PQ_PREPARE: the statement */
	const char *what;
	int64_t client;
	/* PQ_UNIQ_MANY: the batch's entries and their outcome (store_blind_add_many) */
	int64_t *other;
	const store_bidx_add *e;
	/* PQ_CLIENTS: its rows in s->clraw, [raw0, raw1), nrows of them */
	size_t raw0, raw1;
	uint32_t nrows;
};

static int pq_sync(store *s);

/* The pipeline's answers read, keeping the error already set (for paths
 * that are giving up anyway: a rollback, a close). */
static void clients_drop(store *s);
static void pq_drain(store *s)
{
	int code = fort_error_code();
	char msg[1024];
	clients_drop(s); /* nothing more is sent */
	if (PQpipelineStatus(s->c) == PQ_PIPELINE_OFF)
		return;
	snprintf(msg, sizeof msg, "%s", fort_error_message());
	s->draining = 1;
	if (pq_sync(s) < 0 || code)
		fort_error_set(code, "%s", msg);
	s->draining = 0;
}

/* A statement's name: a hash of its text.  1 if it is prepared on this
 * connection already. */
/* The names of statements already prepared, by where their text is: the
 * statements are string literals but for a few formatted into a buffer,
 * so a slot is taken only when its text is the same too.  Naming a
 * statement (a BLAKE2b of its text and a walk of the prepared names) was
 * 5,600 client instructions per statement, a quarter of a find's. */
#define STMT_CACHE 256
struct stmt_cached {
	const char *sql;
	char *text;
	char name[24];
};

static void stmt_cache_clear(store *s)
{
	for (size_t i = 0; s->sc && i < STMT_CACHE; i++)
		free(s->sc[i].text);
	free(s->sc);
	s->sc = NULL;
}

static int stmt_name(store *s, const char *sql, char name[24])
{
	struct stmt_cached *e = s->sc ? &s->sc[((uintptr_t)sql >> 3) % STMT_CACHE] : NULL;
	unsigned char d[8];
	int found = 0;
	if (e && e->sql == sql && strcmp(e->text, sql) == 0) {
		memcpy(name, e->name, 24);
		return 1;
	}
	crypto_generichash(d, sizeof d, (const unsigned char *)sql, strlen(sql), NULL, 0);
	snprintf(name, 24, "f%02x%02x%02x%02x%02x%02x%02x%02x", d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]);
	for (size_t i = 0; i < s->nprepared && !found; i++)
		found = strcmp(s->prepared[i], name) == 0;
	/* The cache is best effort: out of memory leaves a slot (or the whole
	 * cache) empty and the statement is named the long way.  Its memory is
	 * the C library's, not fort_malloc's, so the allocation-failure tests
	 * (fort_alloc_fail_at) count only allocations whose failure an
	 * operation must report, wherever the cache's slots happen to fall. */
	if (found && !s->sc && (s->sc = calloc(STMT_CACHE, sizeof *s->sc)))
		e = &s->sc[((uintptr_t)sql >> 3) % STMT_CACHE];
	if (found && e) {
		free(e->text);
		e->sql = (e->text = strdup(sql)) ? sql : NULL;
		memcpy(e->name, name, 24);
	}
	return found;
}

/* Room for a statement's name, made before the statement is prepared: one
 * prepared on the server but not noted here (out of memory after
 * PQprepare) could never be prepared again ("already exists"). */
static int stmt_room(store *s, const char *name, char **copy)
{
	*copy = fort_strdup(name);
	if (!*copy || FORT_ARRAY_GROW(s->prepared, s->nprepared + 1, s->cprepared, 32) < 0) {
		free(*copy);
		*copy = NULL;
		return fort_error_set(FORT_ENOMEM, "out of memory");
	}
	return 0;
}

/* Prepare SQL once per connection (named by a hash of its text). */
static int prepare(store *s, const char *sql, char name[24], const char *what)
{
	char *copy;
	if (stmt_name(s, sql, name))
		return 0;
	int r = pq_sync(s);
	if (r < 0 || (r = stmt_room(s, name, &copy)) < 0)
		return r;
	PGresult *res = PQprepare(s->c, name, sql, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		r = pg_error(s, res, what);
	PQclear(res);
	if (r < 0) {
		free(copy);
		return r;
	}
	s->prepared[s->nprepared++] = copy;
	return 0;
}

/* The same inside the pipeline: the PREPARE is sent ahead of its first use
 * (and counted as prepared: a refusal fails the whole pipeline). */
static int pq_push(store *s, int kind, const char *what, int64_t client);
static int prepare_send(store *s, const char *sql, char name[24], const char *what)
{
	char *copy;
	int r;
	if (stmt_name(s, sql, name))
		return 0;
	if ((r = stmt_room(s, name, &copy)) < 0)
		return r;
	if (PQsendPrepare(s->c, name, sql, 0, NULL) != 1) {
		free(copy);
		return fort_error_set(FORT_EIO, "%s: PostgreSQL: %.300s", what, PQerrorMessage(s->c));
	}
	s->prepared[s->nprepared++] = copy;
	if (pq_push(s, PQ_PREPARE, what, 0) < 0)
		return FORT_ENOMEM;
	memcpy(s->pq[s->npq - 1].name, name, 24);
	return 0;
}

/* SEP then V in decimal (an element of an array literal; printf costs
 * more than the rest of the entry). */
static void arr_int(fort_buf *b, char sep, int64_t v)
{
	char d[24];
	size_t n = 0;
	uint64_t x = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do
		d[sizeof d - 1 - n++] = (char)('0' + x % 10);
	while ((x /= 10) != 0);
	if (v < 0)
		d[sizeof d - 1 - n++] = '-';
	fort_buf_putc(b, sep);
	fort_buf_put(b, d + sizeof d - n, n);
}

/* ARGS as libpq parameters: numbers in text, text as is, bytea binary. */
struct pq_params {
	char nums[16][24];
	const char *vals[16];
	int lens[16], fmts[16];
};

static void bind_args(struct pq_params *p, const pa *args, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		p->lens[i] = 0;
		p->fmts[i] = 0;
		switch (args[i].t) {
		case 'i':
			snprintf(p->nums[i], sizeof p->nums[i], "%lld", (long long)args[i].i);
			p->vals[i] = p->nums[i];
			break;
		case 't':
			p->vals[i] = args[i].p ? args[i].p : "";
			break;
		case 'b':
			p->vals[i] = args[i].p ? args[i].p : "";
			p->lens[i] = (int)args[i].n;
			p->fmts[i] = 1;
			break;
		default:
			p->vals[i] = NULL;
		}
	}
}

/* ------------------------------------------------------------ the pipeline
 *
 * Writes whose answer is only "done" (a client's INSERT during an import,
 * the seal rows of a flush) and batches of index entries are sent in
 * libpq's pipeline mode without waiting for each answer: one round trip per
 * PQ_CHUNK statements instead of one each.  The answers are read in order
 * by pq_sync, which every other statement runs first, so a reader always
 * sees what was sent before it.  A statement the server refuses is named
 * (its WHAT, and the client it was for) and aborts the rest of the
 * pipeline and the transaction: the caller's error path rolls back, so
 * nothing of the change stays.  PQ_CHUNK bounds what waits unanswered (the
 * answers are small; libpq in blocking mode could otherwise fill both
 * directions of the socket). */
#define PQ_CHUNK 512


static int prepare_send(store *s, const char *sql, char name[24], const char *what);
static int pq_sync(store *s);
static int clients_send(store *s);

static int pq_push(store *s, int kind, const char *what, int64_t client)
{
	if (FORT_ARRAY_GROW(s->pq, s->npq + 1, s->cpq, 64) < 0)
		return fort_error_set(FORT_ENOMEM, "out of memory");
	memset(&s->pq[s->npq], 0, sizeof *s->pq);
	s->pq[s->npq].kind = kind;
	s->pq[s->npq].what = what;
	s->pq[s->npq].client = client;
	s->npq++;
	return 0;
}

/* Send SQL with ARGS into the pipeline (entering it if needed); the answer
 * is read by pq_sync.  Returns the queued item (valid until the next
 * pq_send or pq_sync) or NULL with the error set. */
static struct pq_item *pq_send(store *s, const char *what, int64_t client, const char *sql, const pa *args, size_t n, int kind)
{
	char name[24];
	struct pq_params p;
	if (n > 16) {
		fort_error_set(FORT_ERROR, "%s: too many parameters", what);
		return NULL;
	}
	/* an import's client rows go first, in the order they were written */
	if (s->ncl && clients_send(s) < 0)
		return NULL;
	if (s->npq >= PQ_CHUNK && pq_sync(s) < 0)
		return NULL;
	if (PQpipelineStatus(s->c) == PQ_PIPELINE_OFF && PQenterPipelineMode(s->c) != 1) {
		fort_error_set(FORT_EIO, "%s: PostgreSQL: cannot start a pipeline: %.300s", what, PQerrorMessage(s->c));
		return NULL;
	}
	if (prepare_send(s, sql, name, what) < 0)
		return NULL;
	bind_args(&p, args, n);
	if (PQsendQueryPrepared(s->c, name, (int)n, p.vals, p.lens, p.fmts, 1) != 1) {
		fort_error_set(FORT_EIO, "%s: PostgreSQL: %.300s", what, PQerrorMessage(s->c));
		return NULL;
	}
	if (pq_push(s, kind, what, client) < 0)
		return NULL;
	return &s->pq[s->npq - 1];
}

static void touch_put(store *s, int tbl, int64_t id, const unsigned char *h, int64_t client, const unsigned char *hash);
static int index_answer(store *s, const struct pq_item *it, const PGresult *res);

/* Read the answers of everything in the pipeline and leave pipeline mode.
 * The first refusal is the error (naming its statement and client); the
 * statements after it were not run (PostgreSQL aborts the pipeline and the
 * transaction).  An import's client rows not yet sent go first; a refused
 * batch of them is sent again one row at a time (clients_retry), so the
 * error names the refused row. */
static int pq_sync_pipe(store *s);
static int clients_retry(store *s, const struct pq_item *it);
static int pq_sync(store *s)
{
	int r;
	if (s->ncl && (r = clients_send(s)) < 0) {
		pq_drain(s);
		return r;
	}
	return pq_sync_pipe(s);
}

static int pq_sync_pipe(store *s)
{
	PGresult *res;
	int r = 0;
	size_t i = 0, refused = SIZE_MAX;
	struct pq_item batch = { 0 };
	if (PQpipelineStatus(s->c) == PQ_PIPELINE_OFF)
		return 0;
	if (PQpipelineSync(s->c) != 1)
		r = fort_error_set(FORT_EIO, "PostgreSQL: cannot send the pipeline: %.300s", PQerrorMessage(s->c));
	for (; i < s->npq && r == 0; i++) {
		const struct pq_item *it = &s->pq[i];
		ExecStatusType st;
		if (!(res = PQgetResult(s->c))) {
			refused = i;
			r = fort_error_set(FORT_EIO, "%s: PostgreSQL gave no answer: %.300s", it->what, PQerrorMessage(s->c));
			break;
		}
		st = PQresultStatus(res);
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			if (it->kind == PQ_KEEP) {
				PQclear(s->kept);
				s->kept = res;
				res = NULL;
			} else if (it->kind != PQ_PLAIN && it->kind != PQ_PREPARE) {
				r = index_answer(s, it, res);
			}
		} else {
			char what[160];
			if (it->client)
				snprintf(what, sizeof what, "%s (client %lld)", it->what, (long long)it->client);
			else
				snprintf(what, sizeof what, "%s", it->what);
			s->failed_client = it->client;
			refused = i;
			r = pg_error(s, res, what);
			/* UNIQ_ADD_NEW: a value absent when the batch was probed and
			 * added since by another process (its commit waited for) */
			if (it->kind == PQ_UNIQ_NEW && r == FORT_EEXISTS)
				r = fort_error_set(FORT_EBUSY, "%s: another process added one of these values meanwhile: try again", what);
			if (it->kind == PQ_CLIENTS)
				batch = *it;
		}
		PQclear(res);
		while ((res = PQgetResult(s->c)))  /* the end of this statement's answer */
			PQclear(res);
	}
	/* a statement prepared in the pipeline after a refusal was not */
	for (i = refused; i < s->npq; i++)
		for (size_t k = 0; s->pq[i].kind == PQ_PREPARE && k < s->nprepared; k++)
			if (strcmp(s->prepared[k], s->pq[i].name) == 0) {
				free(s->prepared[k]);
				s->prepared[k] = s->prepared[--s->nprepared];
				stmt_cache_clear(s); /* it may name it */
				break;
			}
	/* after a refusal: the aborted rest, up to the sync point */
	for (int guard = 0; PQpipelineStatus(s->c) != PQ_PIPELINE_OFF && guard < 4 * PQ_CHUNK + 16; guard++) {
		if (!(res = PQgetResult(s->c)))
			continue;
		ExecStatusType st = PQresultStatus(res);
		PQclear(res);
		if (st == PGRES_PIPELINE_SYNC && PQexitPipelineMode(s->c) == 1)
			break;
		if (st == PGRES_FATAL_ERROR && PQstatus(s->c) != CONNECTION_OK)
			break;
	}
	s->npq = 0;
	if (r == 0 && PQpipelineStatus(s->c) != PQ_PIPELINE_OFF)
		r = fort_error_set(FORT_EIO, "PostgreSQL: the pipeline did not end: %.300s", PQerrorMessage(s->c));
	if (batch.kind == PQ_CLIENTS && PQpipelineStatus(s->c) == PQ_PIPELINE_OFF)
		r = clients_retry(s, &batch);
	/* the rows of the batches answered; those not yet sent stay */
	if (s->clraw.len > s->cl_pend)
		memmove(s->clraw.buf, s->clraw.buf + s->cl_pend, s->clraw.len - s->cl_pend);
	s->clraw.len -= s->cl_pend;
	s->cl_pend = 0;
	return r;
}

/* Run SQL with ARGS; *OUT (may be NULL) gets the result (binary columns),
 * to PQclear.  Returns the number of rows changed or returned.  What waits
 * in the pipeline is answered first. */
static int run(store *s, const char *what, const char *sql, const pa *args, size_t n, PGresult **out)
{
	char name[24];
	struct pq_params p;
	PGresult *res;
	int r;
	if (out)
		*out = NULL;
	if (n > 16)
		return fort_error_set(FORT_ERROR, "%s: too many parameters", what);
	if (s->ncl && (r = pq_sync(s)) < 0)
		return r;
	if (!stmt_name(s, sql, name) || PQpipelineStatus(s->c) != PQ_PIPELINE_OFF) {
		/* Its first run on this connection, or statements wait in the
		 * pipeline: it goes there too (after its PREPARE, the first
		 * time), all answered in one round trip instead of one for the
		 * waiting statements, one for the PREPARE and one for it (a
		 * command-line run's statements are all first runs).  The
		 * answers come in order: a refusal of one sent before it is the
		 * error, as before. */
		if (!pq_send(s, what, 0, sql, args, n, PQ_KEEP))
			return fort_error_code() ? fort_error_code() : FORT_ERROR;
		if ((r = pq_sync(s)) < 0)
			return r;
		if (!(res = s->kept))
			return fort_error_set(FORT_EIO, "%s: PostgreSQL gave no answer", what);
		s->kept = NULL;
	} else {
		bind_args(&p, args, n);
		res = PQexecPrepared(s->c, name, (int)n, p.vals, p.lens, p.fmts, 1);
	}
	switch (PQresultStatus(res)) {
	case PGRES_TUPLES_OK:
		r = PQntuples(res);
		break;
	case PGRES_COMMAND_OK:
		r = atoi(PQcmdTuples(res));
		break;
	default:
		r = pg_error(s, res, what);
		PQclear(res);
		return r;
	}
	if (out)
		*out = res;
	else
		PQclear(res);
	return r;
}

static int exec_plain(store *s, const char *sql, const char *what)
{
	int r0 = pq_sync(s);
	if (r0 < 0)
		return r0;
	PGresult *res = PQexec(s->c, sql);
	int r = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : pg_error(s, res, what);
	PQclear(res);
	return r;
}

static int64_t gi(const PGresult *res, int row, int col)
{
	const unsigned char *p = (const unsigned char *)PQgetvalue(res, row, col);
	int n = PQgetlength(res, row, col);
	uint64_t x = 0;
	if (PQgetisnull(res, row, col))
		return 0;
	for (int i = 0; i < n && i < 8; i++)
		x = x << 8 | p[i];
	if (n == 4)
		return (int32_t)(uint32_t)x;
	if (n == 2)
		return (int16_t)(uint16_t)x;
	return (int64_t)x;
}

static const char *gt(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col);
}

static int gnull(const PGresult *res, int row, int col) { return PQgetisnull(res, row, col); }

static size_t glen(const PGresult *res, int row, int col) { return (size_t)PQgetlength(res, row, col); }

static const unsigned char *gb(const PGresult *res, int row, int col)
{
	return (const unsigned char *)PQgetvalue(res, row, col);
}

static int bdup(unsigned char **out, size_t *len, const PGresult *res, int row, int col)
{
	size_t n = glen(res, row, col);
	*out = NULL;
	*len = 0;
	if (!(*out = malloc(n ? n : 1)))
		return fort_error_set(FORT_ENOMEM, "out of memory");
	memcpy(*out, gb(res, row, col), n);
	*len = n;
	return 0;
}

static void bfixed(unsigned char *out, size_t len, const PGresult *res, int row, int col)
{
	if (glen(res, row, col) == len)
		memcpy(out, gb(res, row, col), len);
	else
		memset(out, 0, len);
}

/* ---------------------------------------------------------------- seals */

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

/* Note a change to a sealed row (HASH: its hash as written, NULL: read it
 * at the flush).  Outside a transaction it cannot be sealed: the next
 * commit refuses. */
static void touch_put(store *s, int tbl, int64_t id, const unsigned char *h, int64_t client, const unsigned char *hash)
{
	struct seal_touch *t;
	size_t k = pending_at(s, tbl, id);
	if (s->txdepth == 0) {
		s->touch_lost = 1;
		return;
	}
	if (!k) {
		if ((s->ntouch + 1) * 2 > s->pcap) {
			size_t nc = s->pcap ? s->pcap * 2 : 256;
			uint32_t *p = calloc(nc, sizeof *p);
			if (!p) {
				s->touch_lost = 1;
				return;
			}
			free(s->pset);
			s->pset = p;
			s->pcap = nc;
			for (size_t i = 0; i < s->ntouch; i++)
				seal_pset_put(s->pset, s->pcap, s->touch, i);
		}
		if (FORT_ARRAY_GROW(s->touch, s->ntouch + 1, s->ctouch, 64) < 0) {
			s->touch_lost = 1;
			return;
		}
		k = ++s->ntouch;
		memset(&s->touch[k - 1], 0, sizeof *s->touch);
		s->touch[k - 1].tbl = tbl;
		s->touch[k - 1].id = id;
		seal_pset_put(s->pset, s->pcap, s->touch, k - 1);
	}
	t = &s->touch[k - 1];
	if (h)
		memcpy(t->h, h, STORE_BIDX_LEN);
	t->client = client;
	t->known = hash != NULL;
	if (hash)
		memcpy(t->hash, hash, 32);
}

static int blind_entry_check(store *s, store_seal_cb cb, void *ctx, int64_t **ids_out, size_t *n_out, uint64_t *clients);
static int blind_per_entry(store *s);

static int64_t index_id(int tbl, const unsigned char *h, int64_t client)
{
	/* a search entry's seal is its client's (migration 19) */
	if (tbl == T_BLIND)
		return client;
	return seal_index_id(tname(tbl), 0, h, client);
}

/* A row's hash is seal_common.h's, the same as a SQLite file gives for the
 * same row: the table, the row's seal id, then each column as SQLite
 * would store it (bigint INTEGER, text TEXT, bytea BLOB, NULL), skipping the
 * explicit `rowid` column this schema adds where SQLite's is implicit. */
static void hash_start(crypto_generichash_state *hs, int tbl, int64_t id)
{
	seal_row_start(hs, tname(tbl));
	seal_hash_u64(hs, (uint64_t)id);
}

/* The first NCOLS columns of ROW of RES (binary). */
static void hash_row_cols(crypto_generichash_state *hs, const PGresult *res, int row, int ncols)
{
	for (int c = 0; c < ncols; c++) {
		Oid ty = PQftype(res, c);
		const char *name = PQfname(res, c);
		if (name && strcmp(name, "rowid") == 0)
			continue;
		if (gnull(res, row, c))
			seal_col_null(hs);
		else if (ty == 20 || ty == 23 || ty == 21) /* int8, int4, int2 */
			seal_col_int(hs, gi(res, row, c));
		else
			seal_col_bytes(hs, ty == 17 /* bytea */ ? SEAL_COL_BLOB : SEAL_COL_TEXT, gb(res, row, c), glen(res, row, c));
	}
}

/* Every column of ROW of RES (binary). */
static void hash_row(crypto_generichash_state *hs, const PGresult *res, int row)
{
	hash_row_cols(hs, res, row, PQnfields(res));
}

static void hash_index(unsigned char out[32], int tbl, const unsigned char *h, int64_t client)
{
	seal_hash_index(out, tname(tbl), h, client);
}

/* The hash of a sealed row from the first NCOLS columns of RES's ROW. */
static void hash_of_cols(unsigned char out[32], int tbl, int64_t id, const PGresult *res, int row, int ncols)
{
	crypto_generichash_state hs;
	hash_start(&hs, tbl, id);
	hash_row_cols(&hs, res, row, ncols);
	crypto_generichash_final(&hs, out, 32);
}

/* The hash of a row of a rowid table read with SELECT * (RES, ROW). */
static void hash_of(unsigned char out[32], int tbl, int64_t id, const PGresult *res, int row)
{
	hash_of_cols(out, tbl, id, res, row, PQnfields(res));
}

/* A row read with its seal head by one statement (one snapshot): the head's
 * hash and seq in columns COL and COL + 1 of RES's ROW (NULL: no seal).
 * C->state says whether NOW, the row's hash, is what was sealed. */
static void seal_verdict_cols(store_seal_check *c, const unsigned char now[32], const PGresult *res, int row, int col)
{
	unsigned char sealed[32];
	int found = !gnull(res, row, col);
	memset(sealed, 0xff, 32);
	if (found && glen(res, row, col) == 32)
		memcpy(sealed, gb(res, row, col), 32);
	c->seq = found ? gi(res, row, col + 1) : 0;
	c->state = seal_verdict(now, found, sealed);
}

/* A sealed row (or group) as it is now; zeros when there is none. */
static int row_hash(store *s, int tbl, int64_t id, const unsigned char *h, int64_t client, unsigned char out[32])
{
	char sql[160];
	PGresult *res;
	int n;
	memset(out, 0, 32);
	if (tbl == T_UNIQ) {
		pa a[1] = { PB(h, STORE_BIDX_LEN) };
		n = run(s, "checking a sealed row", "SELECT client FROM uniq WHERE h = $1", a, 1, &res);
		if (n > 0)
			hash_index(out, tbl, h, gi(res, 0, 0));
		PQclear(res);
		return n < 0 ? n : 0;
	}
	(void)client;
	if (tbl == T_BLIND) /* a client's search entries (the mac column is not sealed content) */
		snprintf(sql, sizeof sql, "SELECT h, client FROM blind WHERE client = $1 ORDER BY h");
	else if (group_order[tbl])
		snprintf(sql, sizeof sql, "SELECT * FROM %s WHERE %s = $1 ORDER BY %s", tname(tbl), id_col[tbl], group_order[tbl]);
	else
		snprintf(sql, sizeof sql, "SELECT * FROM %s WHERE %s = $1", tname(tbl), id_col[tbl]);
	pa a[1] = { PI(id) };
	if ((n = run(s, "checking a sealed row", sql, a, 1, &res)) > 0) {
		crypto_generichash_state hs;
		hash_start(&hs, tbl, id);
		for (int i = 0; i < n; i++)
			hash_row(&hs, res, i);
		crypto_generichash_final(&hs, out, 32);
	}
	PQclear(res);
	return n < 0 ? n : 0;
}

static int seal_latest(store *s, int tbl, int64_t id, unsigned char hash[32], int64_t *seq)
{
	PGresult *res;
	pa a[2] = { PT(tname(tbl)), PI(id) };
	int n = run(s, "reading the seals", "SELECT hash, seq FROM seal_head WHERE tbl = $1 AND id = $2", a, 2, &res);
	if (n > 0) {
		memset(hash, 0xff, 32);
		if (glen(res, 0, 0) == 32)
			memcpy(hash, gb(res, 0, 0), 32);
		*seq = gi(res, 0, 1);
	}
	PQclear(res);
	return n < 0 ? n : n > 0;
}

static int seal_state_known(store *s, int tbl, int64_t id, const unsigned char *h, int64_t client, const unsigned char *known,
			    store_seal_check *out)
{
	unsigned char now[32], sealed[32];
	int r, found;
	out->table = tname(tbl);
	out->id = id;
	out->seq = 0;
	out->key[0] = '\0';
	if (pending_at(s, tbl, id)) {
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
		PGresult *res;
		pa a[1] = { PI(id) };
		if (run(s, "reading vault metadata", "SELECT k FROM meta WHERE rowid = $1", a, 1, &res) > 0)
			snprintf(out->key, sizeof out->key, "%s", gt(res, 0, 0));
		PQclear(res);
	}
	return 0;
}

static int seal_require_known(store *s, int tbl, int64_t id, int64_t client, const unsigned char *known)
{
	store_seal_check c;
	int r;
	if (!s->enforce)
		return 0;
	if ((r = seal_state_known(s, tbl, id, NULL, 0, known, &c)) < 0)
		return r;
	return c.state == STORE_SEAL_OK ? 0 : seal_fail(&c, client);
}

static int seal_require_index(store *s, int tbl, const unsigned char *h, int64_t client)
{
	store_seal_check c;
	unsigned char now[32];
	int r;
	if (!s->enforce)
		return 0;
	if (tbl == T_BLIND) { /* its client's search entries, read as they are */
		r = seal_state_known(s, tbl, client, NULL, client, NULL, &c);
	} else {
		hash_index(now, tbl, h, client);
		r = seal_state_known(s, tbl, index_id(tbl, h, client), h, client, now, &c);
	}
	if (r < 0)
		return r;
	return c.state == STORE_SEAL_OK ? 0 : seal_fail(&c, client);
}

static int seal_require_table(store *s, int tbl)
{
	int r;
	if (!s->enforce || (s->scanned & 1u << tbl))
		return 0;
	if ((r = pg_store_seal_scan(s, tname(tbl), seal_scan_first, NULL)) < 0)
		return r;
	s->scanned |= 1u << tbl;
	return 0;
}

#define SEAL_BATCH 32768
/* An import that has not taken the writers' lock flushes its seals at
 * four times that (about 26,000 clients at five sealed rows each): a
 * larger one takes the lock there. */
#define LATE_TOUCH_MAX (4 * SEAL_BATCH)
static int seal_checkpoint(store *s)
{
	int r;
	if (s->ntouch < SEAL_BATCH || !s->hook || s->in_checkpoint || s->txdepth == 0 || s->touch_lost)
		return 0;
	/* an import without the writers' lock yet keeps its seals for the
	 * end, up to LATE_TOUCH_MAX rows (its seal entry would take the lock
	 * and make the other importer wait for the rest of this one) */
	if (s->late && s->ntouch < LATE_TOUCH_MAX)
		return 0;
	if ((r = pq_sync(s)) < 0)
		return r;
	s->in_checkpoint = 1;
	r = s->hook(s->hook_ctx);
	s->in_checkpoint = 0;
	return r;
}

/* ------------------------------------------------------- open, transactions */

/* Refuse a password in the connection string and an unverified TLS
 * connection to anything but a Unix socket. */
static int check_conninfo(const char *path)
{
	char *err = NULL;
	PQconninfoOption *o = PQconninfoParse(path, &err), *p;
	const char *host = NULL, *hostaddr = NULL, *sslmode = NULL;
	int r = 0;
	if (!o) {
		r = fort_error_set(FORT_EINPUT, "cannot read the PostgreSQL connection string: %s", err ? err : "out of memory");
		PQfreemem(err);
		return r;
	}
	for (p = o; p->keyword; p++) {
		if (!p->val || !*p->val)
			continue;
		if (strcmp(p->keyword, "password") == 0)
			r = fort_error_set(FORT_EINPUT, "the PostgreSQL connection string holds a password: remove it and keep the password in "
					   "~/.pgpass or the file PGPASSFILE names (a password in a command line or a URL leaks to ps "
					   "and shell history)");
		else if (strcmp(p->keyword, "host") == 0)
			host = p->val;
		else if (strcmp(p->keyword, "hostaddr") == 0)
			hostaddr = p->val;
		else if (strcmp(p->keyword, "sslmode") == 0)
			sslmode = p->val;
	}
	if (r == 0 && sslmode && strcmp(sslmode, "verify-full") != 0 && (hostaddr || !host || host[0] != '/'))
		r = fort_error_set(FORT_EINPUT, "sslmode=%s would let another server pose as the database: use sslmode=verify-full "
				   "(or leave it out), or a Unix socket (host=/path/to/socket/dir)", sslmode);
	PQconninfoFree(o);
	return r;
}

static int is_socket(PGconn *c)
{
	const char *h = PQhost(c);
	return h && h[0] == '/';
}

/* libpq's message of a failed connection, for our own: the SQLSTATE the
 * verbose form puts after the severity ("FATAL:  3D000: ...") into STATE
 * (6 bytes, "" when the client failed before any server answered), and the
 * text on one line (the LOCATION line dropped, line breaks and tabs as
 * spaces) into OUT. */
static void connect_failure(char *out, size_t cap, char state[6], const char *msg)
{
	const char *p = strstr(msg, ":  ");
	size_t o = 0;
	state[0] = 0;
	if (p && strlen(p + 3) > 6 && p[8] == ':' && p[9] == ' ' && strspn(p + 3, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 5) {
		memcpy(state, p + 3, 5);
		state[5] = 0;
	}
	for (const char *q = msg; *q && o + 1 < cap; q++) {
		if (strncmp(q, "\nLOCATION:", 10) == 0)
			while (q[1] && q[1] != '\n')
				q++;
		else if (*q == '\n' || *q == '\t' || *q == '\r') {
			if (o && out[o - 1] != ' ')
				out[o++] = ' ';
		} else
			out[o++] = *q;
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = 0;
}

/* PQconnectdbParams, but with the verbose error form set before the server
 * answers, so that a refusal carries its SQLSTATE (the message text is in
 * the server's language; the code is not).  connect_timeout is honoured as
 * libpq does: that long without progress ends the attempt. */
static PGconn *pg_connect(const char *const *keys, const char *const *vals, int *timed_out)
{
	PGconn *c = PQconnectStartParams(keys, vals, 1);
	PostgresPollingStatusType ps = PGRES_POLLING_WRITING;
	int timeout = -1;
	*timed_out = 0;
	if (!c || PQstatus(c) == CONNECTION_BAD)
		return c;
	PQsetErrorVerbosity(c, PQERRORS_VERBOSE);
	{
		PQconninfoOption *o = PQconninfo(c);
		for (PQconninfoOption *p = o; p && p->keyword; p++)
			if (strcmp(p->keyword, "connect_timeout") == 0 && p->val && atoi(p->val) > 0)
				timeout = (atoi(p->val) < 2 ? 2 : atoi(p->val)) * 1000;
		PQconninfoFree(o);
	}
	while (ps != PGRES_POLLING_OK && ps != PGRES_POLLING_FAILED) {
		struct pollfd pfd = { PQsocket(c), ps == PGRES_POLLING_READING ? POLLIN : POLLOUT, 0 };
		int n = pfd.fd < 0 ? 1 : poll(&pfd, 1, timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			*timed_out = 1;
			break;
		}
		ps = PQconnectPoll(c);
	}
	PQsetErrorVerbosity(c, PQERRORS_DEFAULT);
	return c;
}

/* Why the connection failed, as the error of the open: a database that
 * does not exist is "no vault there" (as a missing SQLite file is), the
 * rest an I/O failure with libpq's reason and where to look. */
static int connect_error(PGconn *c, int timed_out, const char *url, int create)
{
	char msg[400], state[6];
	if (!c)
		return fort_error_set(FORT_ENOMEM, "out of memory connecting to PostgreSQL");
	if (timed_out)
		return fort_error_set(FORT_EIO, "cannot connect to the PostgreSQL vault at %s: no answer within connect_timeout: "
				   "check that the server is running and reachable", PQhost(c) ? PQhost(c) : "(default)");
	connect_failure(msg, sizeof msg, state, PQerrorMessage(c));
	if (strcmp(state, "3D000") == 0) /* invalid_catalog_name */
		return fort_error_set(FORT_ENOTFOUND, "%s %s: the PostgreSQL database '%s' does not exist on that server; "
				   "create it (createdb %s, as a PostgreSQL user allowed to) and run 'fortress init --store URL'%s",
				   create ? "cannot create a vault at" : "no vault at", url, PQdb(c) ? PQdb(c) : "", PQdb(c) ? PQdb(c) : "",
				   create ? " again" : "");
	if (state[0])
		return fort_error_set(FORT_EIO, "cannot connect to the PostgreSQL vault: the server refused: %s "
				   "(check the user, its rights on the database and pg_hba.conf)", msg);
	return fort_error_set(FORT_EIO, "cannot connect to the PostgreSQL vault: %s "
			   "(check that the PostgreSQL service is running, e.g. 'systemctl status postgresql', and that the URL's host, "
			   "port or socket directory are the server's)", msg);
}

static int schema_version(store *s, int64_t *v)
{
	PGresult *res;
	int n;
	*v = 0;
	n = run(s, "reading the vault's schema", "SELECT to_regclass('fortress_version') IS NOT NULL", NULL, 0, &res);
	if (n < 0)
		return n;
	int have = n > 0 && gb(res, 0, 0)[0];
	PQclear(res);
	if (!have)
		return 0;
	if ((n = run(s, "reading the vault's schema", "SELECT v FROM fortress_version", NULL, 0, &res)) < 0)
		return n;
	if (n > 0)
		*v = gi(res, 0, 0);
	PQclear(res);
	return 0;
}

static int migrate(store *s, int64_t from)
{
	int r;
	if ((r = exec_plain(s, "BEGIN", "upgrading the vault")) < 0)
		return r;
	if ((r = exec_plain(s, "SELECT 1", "upgrading the vault")) < 0)
		goto fail;
	if (from == 0 && (r = exec_plain(s, "CREATE TABLE fortress_version(v bigint NOT NULL); INSERT INTO fortress_version VALUES(0)",
					 "creating the vault")) < 0)
		goto fail;
	for (int64_t v = from; v < STORE_SCHEMA_VERSION; v++)
		if ((r = exec_plain(s, pg_migrations[v], "upgrading the vault")) < 0)
			goto fail;
	{
		pa a[1] = { PI(STORE_SCHEMA_VERSION) };
		if ((r = run(s, "upgrading the vault", "UPDATE fortress_version SET v = $1", a, 1, NULL)) < 0)
			goto fail;
	}
	return exec_plain(s, "COMMIT", "upgrading the vault");
fail:
	exec_plain(s, "ROLLBACK", "upgrading the vault");
	return r;
}

int pg_store_open(store **out, const char *path, int create)
{
	static const char *const keys[] = { "dbname", "sslmode", "application_name", NULL };
	const char *vals[] = { path, "verify-full", "fortress", NULL };
	store *s;
	int64_t v = 0;
	int r, timed_out = 0;
	*out = NULL;
	if ((r = fort_dl_need(&pq_dl)) < 0)
		return fort_error_prefix("cannot open a PostgreSQL vault");
	/* T_* here must be sqlite.c's seal_table, one for one */
	if (store_seal_table(T__COUNT) || !store_seal_table(T__COUNT - 1) || strcmp(store_seal_table(T_USER_TOTP), "user_totp") != 0 ||
	    strcmp(store_seal_table(T_TOKENS), "tokens") != 0 || strcmp(store_seal_table(T_REQUEST_DETAILS), "request_details") != 0 ||
	    strcmp(store_seal_table(T_INVITATIONS), "invitations") != 0)
		return fort_error_set(FORT_ERROR, "this build's PostgreSQL store does not know every sealed table: rebuild Fortress");
	/* ... and seal_log's table numbers (pack_tbl, on disk) theirs */
	for (int t = 0; t < T__COUNT; t++)
		if (t >= PACK_TBL_N || strcmp(pack_tbl[t], tname(t)) != 0)
			return fort_error_set(FORT_ERROR, "this build's PostgreSQL store numbers the sealed tables otherwise than its seal log:"
							  " rebuild Fortress");
	if ((r = check_conninfo(path)) < 0)
		return r;
	{
		/* an explicit sslmode (allowed for a Unix socket only) stands */
		PQconninfoOption *o = PQconninfoParse(path, NULL);
		for (PQconninfoOption *p = o; p && p->keyword; p++)
			if (strcmp(p->keyword, "sslmode") == 0 && p->val && *p->val)
				vals[1] = p->val;
		if (!(s = fort_calloc(1, sizeof *s))) {
			PQconninfoFree(o);
			return FORT_ENOMEM;
		}
		s->backend = STORE_BACKEND_PG;
		fort_buf_init(&s->clraw, 0);
		fort_buf_init(&s->rawpk, 0);
		for (int k = 0; k < 6; k++)
			fort_buf_init(&s->cl[k].b, 0);
		s->c = pg_connect(keys, vals, &timed_out);
		PQconninfoFree(o);
	}
	if (!s->c || timed_out || PQstatus(s->c) != CONNECTION_OK) {
		r = connect_error(s->c, timed_out, path, create);
		goto fail;
	}
	/* a service file or the environment may have chosen the host */
	if (!is_socket(s->c) && !PQsslInUse(s->c)) {
		r = fort_error_set(FORT_EINPUT, "the connection to PostgreSQL at %s is not encrypted: use sslmode=verify-full or a Unix socket",
				   PQhost(s->c));
		goto fail;
	}
	/* sent with the schema version's first statement (one round trip) */
	if (!pq_send(s, "opening the vault", 0, "SET lock_timeout = '10s'", NULL, 0, PQ_PLAIN) ||
	    !pq_send(s, "opening the vault", 0, "SET client_min_messages = warning", NULL, 0, PQ_PLAIN)) {
		r = fort_error_code() ? fort_error_code() : FORT_ERROR;
		goto fail;
	}
	if ((r = schema_version(s, &v)) < 0)
		goto fail;
	if (v > STORE_SCHEMA_VERSION) {
		r = fort_error_set(FORT_EVERSION, "the vault was written by a newer Fortress (schema %lld, this build knows %d): upgrade Fortress",
				   (long long)v, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (create && v != 0) {
		r = fort_error_set(FORT_EEXISTS, "the PostgreSQL database already holds a Fortress vault: choose another database");
		goto fail;
	}
	if (!create && v == 0) {
		r = fort_error_set(FORT_ECORRUPT, "the PostgreSQL database holds no Fortress vault (run 'fortress init --store URL' first)");
		goto fail;
	}
	if (create) {
		PGresult *res;
		int n = run(s, "creating the vault", "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()", NULL, 0, &res);
		int64_t tables = n > 0 ? gi(res, 0, 0) : 0;
		PQclear(res);
		if (n < 0) {
			r = n;
			goto fail;
		}
		if (tables) {
			r = fort_error_set(FORT_EEXISTS, "the PostgreSQL database is not empty (%lld tables): give Fortress a database of its own",
					   (long long)tables);
			goto fail;
		}
	}
	s->fresh = create;
	if (v < STORE_SCHEMA_VERSION && (r = migrate(s, v)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	pg_store_close(s);
	return r;
}

/* A vault whose creation failed leaves nothing behind (as the SQLite file
 * is removed): the database was empty when it was created. */
static void drop_fresh(store *s)
{
	pq_drain(s);
	PQclear(PQexec(s->c, "ROLLBACK"));
	PQclear(PQexec(s->c, "DO $$DECLARE t text; BEGIN"
			     " FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP"
			     " EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', t); END LOOP;"
			     " DROP FUNCTION IF EXISTS consent_append_only(); END$$"));
}

void pg_store_close(store *s)
{
	if (!s)
		return;
	meta_pre_drop(s);
	PQclear(s->kept);
	if (s->c && s->fresh && PQstatus(s->c) == CONNECTION_OK)
		drop_fresh(s);
	if (s->c)
		PQfinish(s->c);
	for (size_t i = 0; i < s->nprepared; i++)
		free(s->prepared[i]);
	free(s->prepared);
	stmt_cache_clear(s);
	free(s->pq);
	fort_buf_release(&s->clraw);
	fort_buf_release(&s->rawpk);
	for (int k = 0; k < 6; k++)
		fort_buf_release(&s->cl[k].b);
	free(s->touch);
	free(s->pset);
	if (s->imac)
		sodium_free(s->imac); /* wipes */
	free(s);
}

/* ------------------------------------------------- changes of others */

/* store_changed on PostgreSQL.  SQLite's PRAGMA data_version has no
 * equivalent here, so the audit chain stands in for it: every committed
 * change that can alter what a handle keeps (users, grants, keys, meta,
 * the map, the seals, every sealed table) is written in a transaction that
 * ends with an audit entry (store_commit refuses a sealed write without
 * one), and the chain is append-only with a unique seq, so its head (seq,
 * hash) moves with every such commit, and a head rolled back or re-written
 * with psql differs from the one seen.  This connection's own commits are
 * not counted: when its transaction's first entry follows exactly the head
 * last seen, the head it leaves becomes the one seen; otherwise someone
 * else committed in between and the next call says so.  Writes that carry
 * no audit entry (the intake inbox, the sign-in throttle) are not seen:
 * nothing a handle keeps is read from them. */
static void own_committed(store *s)
{
	if (s->own_set && s->seen_set && s->seen_seq == s->own_first_seq - 1 &&
	    sodium_memcmp(s->seen_hash, s->own_prev, 32) == 0) {
		s->seen_seq = s->own_last_seq;
		memcpy(s->seen_hash, s->own_last_hash, 32);
	}
	s->own_set = 0;
}

void pg_store_keep_checks(store *s)
{
	s->scanned |= s->scanned_before;
}

int pg_store_tx_open(store *s)
{
	return s->txdepth > 0 || s->ntouch > 0 || s->touch_lost;
}

/* nothing kept open between calls (store.h) */
void pg_store_idle(store *s)
{
	(void)s;
}

/* each statement is a round trip of its own: a snapshot would add two */
void pg_store_read_keep(store *s)
{
	(void)s;
}

/* no WAL positions (store.h): the caller reads the chain's tail */
int pg_store_read_mark(store *s, uint32_t mark[3])
{
	(void)s;
	memset(mark, 0, 3 * sizeof mark[0]);
	return 0;
}

int pg_store_commit_marks(store *s, uint32_t before[3], uint32_t after[3])
{
	(void)s;
	memset(before, 0, 3 * sizeof before[0]);
	memset(after, 0, 3 * sizeof after[0]);
	return 0;
}

int pg_store_changed(store *s)
{
	PGresult *res;
	int64_t seq = 0;
	unsigned char hash[32] = { 0 };
	int n, r;
	meta_pre_drop(s);
	if ((n = run(s, "checking the vault for changes", "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", NULL, 0, &res)) < 0)
		return n;
	if (n > 0) {
		seq = gi(res, 0, 0);
		bfixed(hash, 32, res, 0, 1);
	}
	PQclear(res);
	if (s->seen_set && seq == s->seen_seq && sodium_memcmp(hash, s->seen_hash, 32) == 0)
		return 0;
	r = s->seen_set;
	s->seen_set = 1;
	s->seen_seq = seq;
	memcpy(s->seen_hash, hash, 32);
	/* a ledger another connection changed is checked whole again */
	s->scanned_before = s->scanned;
	s->scanned = 0;
	return r;
}

int pg_store_begin(store *s)
{
	int r = 0;
	meta_pre_drop(s);
	if (s->txdepth++ > 0)
		return 0;
	s->heads_sp = 0;
	s->cl_sp = 0;
	s->heads_blind = 0;
	/* one writer at a time, across every process on the database (both
	 * statements in one round trip); an import's rows first, its lock
	 * later (pg_store_write_lock) */
	s->late = s->bulk;
	if (!pq_send(s, "starting a change", 0, "BEGIN", NULL, 0, PQ_PLAIN) ||
	    (!s->late && !pq_send(s, "starting a change", 0, "SELECT pg_advisory_xact_lock(1179603540)", NULL, 0, PQ_PLAIN)) ||
	    (r = pq_sync(s)) < 0) {
		r = fort_error_code() ? fort_error_code() : FORT_ERROR;
		pq_drain(s);
		exec_plain(s, "ROLLBACK", "starting a change");
		s->txdepth = 0;
		s->late = 0;
	}
	return r;
}

int pg_store_lock_deferred(store *s)
{
	return s->txdepth > 0 && s->late;
}

/* The writers' lock of a transaction begun in bulk mode: after the rows
 * queued before it (their refusals come back here), before anything the
 * audit chain orders.  Waiting past lock_timeout, or a deadlock with a
 * writer waiting for one of this transaction's rows, is FORT_EBUSY. */
int pg_store_write_lock(store *s)
{
	int r;
	if (s->txdepth == 0 || !s->late)
		return 0;
	if (!pq_send(s, "waiting for the other writers", 0, "SELECT pg_advisory_xact_lock(1179603540)", NULL, 0, PQ_PLAIN))
		return fort_error_code() ? fort_error_code() : FORT_ERROR;
	if ((r = pq_sync(s)) < 0)
		return r;
	s->late = 0;
	return 1;
}

/* what must be in the chain's order takes the lock first */
#define LOCKED(s)                                                       \
	do {                                                            \
		int lk_;                                                \
		if ((s)->late && (lk_ = pg_store_write_lock(s)) < 0)    \
			return lk_;                                     \
	} while (0)

int pg_store_read_begin(store *s)
{
	int r;
	meta_pre_drop(s);
	if (s->txdepth > 0)
		return 0;
	if (s->rtx) {
		s->rtx++;   /* nested: the outer snapshot goes on */
		return 0;
	}
	if ((r = exec_plain(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "reading the vault")) == 0)
		s->rtx = 1;
	return r;
}

int pg_store_reread_begin(store *s)
{
	if (s->txdepth > 0 || s->rtx)
		return 0;
	fort_error_clear();
	return pg_store_read_begin(s) == 0;
}

void pg_store_read_end(store *s)
{
	if (!s->rtx || --s->rtx > 0)
		return;
	PQclear(PQexec(s->c, "COMMIT"));
}

void pg_store_rollback(store *s)
{
	clients_drop(s);
	s->late = 0;
	touch_clear(s);
	s->touch_lost = 0;
	s->own_set = 0;
	if (s->c)
		pq_drain(s);
	s->npq = 0;
	if (s->txdepth == 0)
		return;
	s->txdepth = 0;
	PQclear(PQexec(s->c, "ROLLBACK"));
}

int pg_store_commit(store *s)
{
	int r;
	if (s->txdepth == 0)
		return 0;
	if (s->txdepth > 1) {
		s->txdepth--;
		return 0;
	}
	if ((r = pq_sync(s)) < 0 || (r = pg_store_write_lock(s)) < 0) {
		pg_store_rollback(s);
		return r;
	}
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
			pg_store_rollback(s);
			return r;
		}
	}
	s->txdepth = 0;
	if ((r = exec_plain(s, "COMMIT", "saving the change")) < 0) {
		PQclear(PQexec(s->c, "ROLLBACK"));
		s->own_set = 0;
		return r;
	}
	s->fresh = 0;
	own_committed(s);
	return 0;
}

/* PostgreSQL recycles its WAL itself (nothing erased stays readable in a
 * file this process controls); a checkpoint needs superuser rights. */
int pg_store_checkpoint(store *s)
{
	(void)s;
	return 0;
}

/* SQLite's page-cache hint: PostgreSQL's memory is the server's.  Here
 * it lets a client's INSERT wait in the pipeline (pg_store_client_insert). */
void pg_store_bulk(store *s, int on)
{
	s->bulk = on;
	if (on)
		s->failed_client = 0;
}

/* SQLite's WAL hint: nothing to do here. */
void pg_store_rewrite(store *s, int on)
{
	(void)s, (void)on;
}

/* SQLite's page-cache hint: nothing to do here. */
void pg_store_append_only(store *s)
{
	(void)s;
}

int pg_store_schema_version(store *s)
{
	int64_t v = 0;
	schema_version(s, &v);
	return (int)v;
}

/* -------------------------------------------------------------- metadata */

/* The open reads about fifteen meta rows, one key at a time, each sealed
 * one with its seal head after it: a round trip each, most of an open's
 * (bench/README.md).  store_meta_preload reads them all, each joined to its
 * seal head, in one statement, and the reads of the open are answered
 * from that: the same rows and seals a read of each would have found a
 * moment earlier, checked the same way (a row changed, added or rolled
 * back outside Fortress fails its seal as before).  It is dropped before
 * anything that must see the database as it is now: a transaction (a
 * write under the lock reads afresh), a snapshot (store_reread_begin's
 * second look after a failed check), store_changed (the end of the open)
 * and a meta write. */
#define META_PRE_COLS 3 /* rowid, k, v: then the seal head's hash and seq */

static void meta_pre_drop(store *s)
{
	PQclear(s->meta_pre);
	s->meta_pre = NULL;
}

int pg_store_meta_preload(store *s)
{
	PGresult *res;
	int n;
	meta_pre_drop(s);
	if (s->txdepth > 0 || s->rtx)
		return 0;
	if ((n = run(s, "reading vault metadata",
		     "SELECT m.*, sh.hash, sh.seq FROM meta m LEFT JOIN seal_head sh ON sh.tbl = 'meta' AND sh.id = m.rowid", NULL, 0,
		     &res)) < 0)
		return n;
	if (PQnfields(res) != META_PRE_COLS + 2) { /* a column added outside Fortress: read row by row */
		PQclear(res);
		return 0;
	}
	s->meta_pre = res;
	return 0;
}

/* KEY from the preloaded rows: as meta_get below reads it. */
static int meta_pre_get(store *s, const char *key, unsigned char **val, size_t *len, int check)
{
	const PGresult *res = s->meta_pre;
	int i, n = PQntuples(res), r;
	for (i = 0; i < n && strcmp(gt(res, i, 1), key) != 0; i++)
		;
	if (i == n)
		return fort_error_set(FORT_ENOTFOUND, "vault metadata '%s' is missing", key);
	if ((r = bdup(val, len, res, i, 2)) < 0)
		return r;
	if (check && meta_sealed(key) && s->enforce) {
		store_seal_check c = { .table = tname(T_META), .id = gi(res, i, 0) };
		unsigned char now[32];
		hash_of_cols(now, T_META, c.id, res, i, META_PRE_COLS);
		seal_verdict_cols(&c, now, res, i, META_PRE_COLS);
		if (c.state != STORE_SEAL_OK) {
			snprintf(c.key, sizeof c.key, "%s", key);
			free(*val);
			*val = NULL;
			*len = 0;
			return seal_fail(&c, 0);
		}
	}
	return 0;
}

static int meta_get(store *s, const char *key, unsigned char **val, size_t *len, int check)
{
	PGresult *res;
	pa a[1] = { PT(key) };
	int n, r = 0;
	*val = NULL;
	*len = 0;
	if (s->meta_pre)
		return meta_pre_get(s, key, val, len, check);
	if ((n = run(s, "reading vault metadata", "SELECT * FROM meta WHERE k = $1", a, 1, &res)) < 0)
		return n;
	if (n == 0) {
		PQclear(res);
		return fort_error_set(FORT_ENOTFOUND, "vault metadata '%s' is missing", key);
	}
	if ((r = bdup(val, len, res, 0, 2)) == 0 && check && meta_sealed(key) && s->enforce) {
		unsigned char h[32];
		int64_t id = gi(res, 0, 0);
		hash_of(h, T_META, id, res, 0);
		if ((r = seal_require_known(s, T_META, id, 0, h)) < 0) {
			free(*val);
			*val = NULL;
			*len = 0;
		}
	}
	PQclear(res);
	return r;
}

int pg_store_meta_get(store *s, const char *key, unsigned char **val, size_t *len) { return meta_get(s, key, val, len, 1); }

int pg_store_meta_get_unchecked(store *s, const char *key, unsigned char **val, size_t *len)
{
	return meta_get(s, key, val, len, 0);
}

int pg_store_meta_put(store *s, const char *key, const void *val, size_t len)
{
	PGresult *res;
	pa a[2] = { PT(key), PB(val, len) };
	int n;
	LOCKED(s);
	meta_pre_drop(s);
	n = run(s, "writing vault metadata",
		    "INSERT INTO meta(k, v) VALUES($1, $2) ON CONFLICT(k) DO UPDATE SET v = excluded.v RETURNING rowid", a, 2, &res);
	if (n < 0)
		return n;
	if (n > 0 && meta_sealed(key))
		touch_put(s, T_META, gi(res, 0, 0), NULL, 0, NULL);
	PQclear(res);
	return 0;
}

/* ------------------------------------------------------- users and grants */

#define USER_COLS "id, name, role, box_pk, sign_pk, salt, opslimit, memlimit, sealed, created, status, removed"

int pg_store_user_insert(store *s, store_user *u)
{
	PGresult *res;
	pa a[10] = { PT(u->name), PT(u->role), PB(u->box_pk, 32), PB(u->sign_pk, 32), PB(u->salt, 16), PI(u->opslimit),
		     PI(u->memlimit), PB(u->sealed, u->sealed_len), PI(u->created), PT(u->status ? u->status : "active") };
	int n = run(s, "adding a user",
		    "INSERT INTO users(name, role, box_pk, sign_pk, salt, opslimit, memlimit, sealed, created, status)"
		    " VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id", a, 10, &res);
	if (n < 0)
		return n == FORT_EEXISTS ? fort_error_set(FORT_EEXISTS, "a user named '%s' exists", u->name) : n;
	u->id = gi(res, 0, 0);
	PQclear(res);
	return 0;
}

static int user_row(store_user *u, const PGresult *res, int i)
{
	int r;
	memset(u, 0, sizeof *u);
	u->id = gi(res, i, 0);
	if (!(u->name = fort_strdup(gt(res, i, 1))) || !(u->role = fort_strdup(gt(res, i, 2))) ||
	    !(u->status = fort_strdup(gt(res, i, 10))))
		return fort_error_set(FORT_ENOMEM, "out of memory");
	bfixed(u->box_pk, 32, res, i, 3);
	bfixed(u->sign_pk, 32, res, i, 4);
	bfixed(u->salt, 16, res, i, 5);
	u->opslimit = (uint64_t)gi(res, i, 6);
	u->memlimit = (uint64_t)gi(res, i, 7);
	if ((r = bdup(&u->sealed, &u->sealed_len, res, i, 8)) < 0)
		return r;
	u->created = gi(res, i, 9);
	u->removed = gi(res, i, 11);
	return 0;
}

static int user_query(store *s, store_user *out, const char *sql, const pa *a, size_t na)
{
	PGresult *res;
	int n, r;
	memset(out, 0, sizeof *out);
	if ((n = run(s, "reading a user", sql, a, na, &res)) < 0)
		return n;
	if (n == 0)
		r = fort_error_set(FORT_ENOTFOUND, "no such user");
	else if ((r = user_row(out, res, 0)) < 0)
		store_user_release(out);
	PQclear(res);
	return r;
}

int pg_store_user_get(store *s, store_user *out, const char *name)
{
	pa a[1] = { PT(name) };
	if (!name)
		return user_query(s, out, "SELECT " USER_COLS " FROM users WHERE role = 'owner' AND status = 'active' ORDER BY id LIMIT 1",
				  NULL, 0);
	return user_query(s, out, "SELECT " USER_COLS " FROM users WHERE name = $1", a, 1);
}

int pg_store_user_get_by_id(store *s, store_user *out, int64_t id)
{
	pa a[1] = { PI(id) };
	return user_query(s, out, "SELECT " USER_COLS " FROM users WHERE id = $1", a, 1);
}

int pg_store_user_update_seal(store *s, const store_user *u)
{
	pa a[5] = { PB(u->salt, 16), PI(u->opslimit), PI(u->memlimit), PB(u->sealed, u->sealed_len), PI(u->id) };
	int n = run(s, "changing a user", "UPDATE users SET salt = $1, opslimit = $2, memlimit = $3, sealed = $4 WHERE id = $5", a, 5,
		    NULL);
	return n < 0 ? n : 0;
}

int pg_store_user_each(store *s, store_user_cb cb, void *ctx)
{
	PGresult *res;
	int n = run(s, "listing users", "SELECT " USER_COLS " FROM users ORDER BY id", NULL, 0, &res), r = 0;
	for (int i = 0; i < n && r == 0; i++) {
		store_user u;
		if ((r = user_row(&u, res, i)) == 0)
			r = cb(ctx, &u);
		store_user_release(&u);
	}
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_user_set(store *s, int64_t id, const char *role, const char *status, int64_t removed)
{
	pa a[4] = { PT(role), PT(status), removed ? PI(removed) : PN, PI(id) };
	int n = run(s, "changing a user", "UPDATE users SET role = $1, status = $2, removed = $3 WHERE id = $4", a, 4, NULL);
	return n < 0 ? n : 0;
}

int pg_store_user_delete(store *s, int64_t id)
{
	pa a[1] = { PI(id) };
	int n = run(s, "removing a user", "DELETE FROM users WHERE id = $1", a, 1, NULL);
	return n < 0 ? n : 0;
}

int pg_store_grant_put(store *s, int64_t user, const char *key, int version, const void *sealed, size_t len)
{
	pa a[4] = { PI(user), PT(key), PI(version), PB(sealed, len) };
	int n = run(s, "granting a key",
		    "INSERT INTO grants(user_id, key_name, version, sealed) VALUES($1,$2,$3,$4)"
		    " ON CONFLICT(user_id, key_name, version) DO UPDATE SET sealed = excluded.sealed", a, 4, NULL);
	return n < 0 ? n : 0;
}

int pg_store_grant_each(store *s, int64_t user, store_grant_cb cb, void *ctx)
{
	PGresult *res;
	pa a[1] = { PI(user) };
	int n = run(s, "reading grants", "SELECT key_name, version, sealed FROM grants WHERE user_id = $1 ORDER BY key_name, version",
		    a, 1, &res), r = 0;
	for (int i = 0; i < n && r == 0; i++)
		r = cb(ctx, gt(res, i, 0), (int)gi(res, i, 1), gb(res, i, 2), glen(res, i, 2));
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_grant_del(store *s, int64_t user, const char *key)
{
	pa a[2] = { PI(user), PT(key) };
	int n = key ? run(s, "removing grants", "DELETE FROM grants WHERE user_id = $1 AND key_name = $2", a, 2, NULL)
		    : run(s, "removing grants", "DELETE FROM grants WHERE user_id = $1", a, 1, NULL);
	return n < 0 ? n : 0;
}

int pg_store_grant_del_old(store *s, const char *key, int below)
{
	pa a[2] = { PT(key), PI(below) };
	int n = run(s, "removing grants", "DELETE FROM grants WHERE key_name = $1 AND version < $2", a, 2, NULL);
	return n < 0 ? n : 0;
}

/* --------------------------------------------------------------- clients */

/* A client row and its seal read by one statement (one snapshot): another
 * process's commit between reading the row and reading its seal would look
 * like tampering, and a walk delivers rows before the last one is checked. */
#define CLIENT_SELECT                                                                                                            \
	"SELECT id, vk_version, wrapped, data, created, updated, (SELECT hash FROM seal_head WHERE tbl = 'clients' AND "      \
	"seal_head.id = clients.id) AS seal_hash, (SELECT seq FROM seal_head WHERE tbl = 'clients' AND seal_head.id = "       \
	"clients.id) AS seal_seq FROM clients"

static int client_row(store *s, store_client *c, const PGresult *res, int i)
{
	int r = 0;
	unsigned char h[32];
	memset(c, 0, sizeof *c);
	c->id = gi(res, i, 0);
	c->vk_version = (int)gi(res, i, 1);
	if ((r = bdup(&c->wrapped, &c->wrapped_len, res, i, 2)) < 0 || (r = bdup(&c->data, &c->data_len, res, i, 3)) < 0) {
		store_client_release(c);
		return r;
	}
	c->created = gi(res, i, 4);
	c->updated = gi(res, i, 5);
	/* the row in hand is what is checked against its seal, read with it */
	if (s->enforce && !pending_at(s, T_CLIENTS, c->id)) {
		store_seal_check k = { .table = tname(T_CLIENTS), .id = c->id, .seq = 0, .key = "" };
		store_client_hash(h, c);
		seal_verdict_cols(&k, h, res, i, 6);
		if (k.state != STORE_SEAL_OK) {
			r = seal_fail(&k, c->id);
			store_client_release(c);
		}
	}
	return r;
}

#define CLIENT_INSERT "INSERT INTO clients(id, vk_version, wrapped, data, created, updated) VALUES($1,$2,$3,$4,$5,$6)"

static void copy_i16(fort_buf *b, int v);
static void copy_field(fort_buf *b, const void *p, size_t n);
static void copy_i64(fort_buf *b, int64_t v);

/* ROWS (binary COPY rows, without the header and the trailer) through
 * the COPY statement SQL, all in one go: two round trips.  The pipeline
 * must be off (pq_sync).  A refusal whose detail names a key "(id)=(N)"
 * gives N in *CLASH (when not NULL): an id, never a value. */
static int copy_rows(store *s, const char *sql, const fort_buf *rows, const char *what, int64_t *clash)
{
	static const unsigned char head[19] = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char tail[2] = { 0xff, 0xff };
	PGresult *res;
	int r = fort_buf_error(rows);
	if (r < 0)
		return r;
	res = PQexec(s->c, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		r = pg_error(s, res, what);
		PQclear(res);
		return r;
	}
	PQclear(res);
	if (PQputCopyData(s->c, (const char *)head, sizeof head) != 1 ||
	    (rows->len && PQputCopyData(s->c, rows->buf, (int)rows->len) != 1) ||
	    PQputCopyData(s->c, (const char *)tail, sizeof tail) != 1)
		r = fort_error_set(FORT_EIO, "%s: PostgreSQL: %.300s", what, PQerrorMessage(s->c));
	/* a failure above ends the COPY with an error: the server refuses it
	 * and the transaction, which the caller rolls back */
	if (PQputCopyEnd(s->c, r < 0 ? "the rows could not be sent" : NULL) != 1 && r == 0)
		r = fort_error_set(FORT_EIO, "%s: PostgreSQL: %.300s", what, PQerrorMessage(s->c));
	while ((res = PQgetResult(s->c))) {
		if (r == 0 && PQresultStatus(res) != PGRES_COMMAND_OK) {
			const char *d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
			long long id;
			if (clash)
				*clash = d && sscanf(d, "Key (id)=(%lld)", &id) == 1 ? (int64_t)id : 0;
			r = pg_error(s, res, what);
		}
		PQclear(res);
	}
	return r;
}

/* An import's client rows (store_bulk, in a transaction) are kept and
 * sent a batch at a time by one INSERT of the columns' binary arrays in the
 * pipeline, before any other statement (pq_send, pq_sync and run send them
 * first: a read sees them and the server gets the rows in the order they
 * were written).  One INSERT per client was a statement each on the server
 * (its plan from the cache, a portal, the executor's start and end: ~29k of
 * the server's ~334k instructions per imported client) and on the client
 * (libpq's bind and execute messages).
 *
 * PostgreSQL names the statement it refused, not the row of a multi-row
 * statement, and an import's error must name the refused row's line
 * (t4030).  So each batch runs inside a savepoint and its rows stay here
 * until its answer is read; a refused batch is rolled back to the
 * savepoint and sent again one row at a time (clients_retry): the row
 * refused then is the one named.  A refusal that does not repeat (one that
 * depended on something other than the rows) fails the import all the
 * same, as the statements sent after the batch were not run, and says so.
 *
 * Each savepoint that writes is a subtransaction; past 64 in a transaction
 * PostgreSQL's per-backend cache of them overflows and every other
 * session's snapshot checks slow down (seal_copy's HEADS_SP_MAX says the
 * same): a batch grows from CLIENTS_MANY rows, doubling every four, and after
 * CLIENTS_SP_MAX batches (32,256 rows) the rest go one INSERT each. */
#define CLIENTS_MANY 128
#define CLIENTS_SP_MAX 24
#define CLIENTS_MANY_BYTES (4u << 20)
#define CLIENTS_ADD_MANY \
	"INSERT INTO clients(id, vk_version, wrapped, data, created, updated)" \
	" SELECT unnest($1::bigint[]), unnest($2::bigint[]), unnest($3::bytea[]), unnest($4::bytea[]), unnest($5::bigint[])," \
	" unnest($6::bigint[])"

static void barr_start(struct barr *a, uint32_t oid);
static void barr_bytes(struct barr *a, const void *p, size_t len);
static void barr_i64(struct barr *a, int64_t v);
static int barr_end(struct barr *a, pa *out);

static void clients_drop(store *s)
{
	s->ncl = 0;
	s->cl_pend = 0;
	fort_buf_reset(&s->clraw);
}

/* A kept row: id, vk_version, created, updated, then the lengths and
 * bytes of wrapped and data (host order: it never leaves this process). */
struct raw_head {
	int64_t id, vk_version, created, updated;
	uint32_t wrapped_len, data_len;
};

static void raw_put(fort_buf *b, const store_client *c)
{
	struct raw_head h = { c->id, c->vk_version, c->created, c->updated, (uint32_t)c->wrapped_len, (uint32_t)c->data_len };
	fort_buf_put(b, &h, sizeof h);
	fort_buf_put(b, c->wrapped, c->wrapped_len);
	fort_buf_put(b, c->data, c->data_len);
}

/* The row at *OFF of B (written by raw_put) as C (pointing into B). */
static void raw_get(const fort_buf *b, size_t *off, store_client *c)
{
	struct raw_head h;
	memcpy(&h, b->buf + *off, sizeof h);
	memset(c, 0, sizeof *c);
	c->id = h.id;
	c->vk_version = (int)h.vk_version;
	c->created = h.created;
	c->updated = h.updated;
	c->wrapped = (unsigned char *)b->buf + *off + sizeof h;
	c->wrapped_len = h.wrapped_len;
	c->data = c->wrapped + h.wrapped_len;
	c->data_len = h.data_len;
	*off += sizeof h + h.wrapped_len + h.data_len;
}

static size_t clients_many(const store *s)
{
	return (size_t)CLIENTS_MANY << (s->cl_sp / 4 < 5 ? s->cl_sp / 4 : 5);
}

/* The rows not yet sent as one INSERT between SAVEPOINT and RELEASE in the
 * pipeline (pq_sync_pipe reads its answer, clients_retry a refusal). */
static int clients_send(store *s)
{
	static const uint32_t oid[6] = { OID_INT8, OID_INT8, OID_BYTEA, OID_BYTEA, OID_INT8, OID_INT8 };
	const char *err = "adding clients";
	struct pq_item *it;
	store_client c;
	uint32_t n = (uint32_t)s->ncl;
	size_t off, raw0;
	pa a[6];
	int r = 0;
	if (!n)
		return 0;
	s->ncl = 0; /* pq_send sends the rows not yet sent first */
	/* its statements (and their PREPAREs) in this pipeline's room: the
	 * earlier ones answered first (the rows not yet sent stay) */
	if (s->npq + 6 > PQ_CHUNK && (r = pq_sync_pipe(s)) < 0)
		return r;
	raw0 = s->cl_pend;
	for (int k = 0; k < 6; k++)
		barr_start(&s->cl[k], oid[k]);
	for (off = raw0; off < s->clraw.len;) {
		raw_get(&s->clraw, &off, &c);
		barr_i64(&s->cl[0], c.id);
		barr_i64(&s->cl[1], c.vk_version);
		barr_bytes(&s->cl[2], c.wrapped, c.wrapped_len);
		barr_bytes(&s->cl[3], c.data, c.data_len);
		barr_i64(&s->cl[4], c.created);
		barr_i64(&s->cl[5], c.updated);
	}
	for (int k = 0; k < 6 && r == 0; k++)
		r = barr_end(&s->cl[k], &a[k]);
	if (r < 0)
		return r;
	s->cl_sp++;
	if (!pq_send(s, err, 0, "SAVEPOINT fort_clients", NULL, 0, PQ_PLAIN) ||
	    !(it = pq_send(s, err, 0, CLIENTS_ADD_MANY, a, 6, PQ_CLIENTS)))
		return fort_error_code() ? fort_error_code() : FORT_ERROR;
	it->raw0 = raw0;
	it->raw1 = s->clraw.len;
	it->nrows = n;
	s->cl_pend = s->clraw.len;
	if (!pq_send(s, err, 0, "RELEASE SAVEPOINT fort_clients", NULL, 0, PQ_PLAIN))
		return fort_error_code() ? fort_error_code() : FORT_ERROR;
	return 0;
}

/* IT, a batch of client rows, was refused (the error set, the pipeline
 * ended): back to its savepoint and its rows one INSERT each, so the error
 * is the refused row's (store_failed_client).  Not for a refusal that
 * sending again cannot explain (another process in the way, a lost
 * connection) nor while giving up (pq_drain). */
static int clients_retry(store *s, const struct pq_item *it)
{
	int code = fort_error_code(), r;
	char msg[1024];
	fort_buf rows;
	store_client c;
	if (s->draining || code == FORT_EBUSY || code == FORT_EIO || s->txdepth == 0 || PQstatus(s->c) != CONNECTION_OK ||
	    it->raw1 > s->clraw.len)
		return code;
	snprintf(msg, sizeof msg, "%s", fort_error_message());
	fort_buf_init(&rows, 0);
	fort_buf_put(&rows, s->clraw.buf + it->raw0, it->raw1 - it->raw0);
	clients_drop(s); /* the rows not yet sent: the import fails whatever this finds */
	if (fort_buf_error(&rows) < 0 || exec_plain(s, "ROLLBACK TO SAVEPOINT fort_clients", "adding clients") < 0) {
		r = fort_error_set(code, "%s", msg);
		goto out;
	}
	for (size_t off = 0; off < rows.len;) {
		raw_get(&rows, &off, &c);
		pa a[6] = { PI(c.id), PI(c.vk_version), PB(c.wrapped, c.wrapped_len), PB(c.data, c.data_len), PI(c.created),
			    PI(c.updated) };
		if ((r = run(s, "adding a client", CLIENT_INSERT, a, 6, NULL)) < 0) {
			s->failed_client = c.id;
			goto out;
		}
	}
	/* each accepted on its own, but what was sent after the batch was
	 * not run: the change cannot be saved */
	s->failed_client = 0;
	r = fort_error_set(code,
			   "%s (a batch of %u client rows; sent again one at a time, none was refused: the refusal did not repeat; "
			   "try again)",
			   msg, it->nrows);
out:
	fort_buf_release(&rows);
	return r;
}

/* During an import (store_bulk) the row waits: its batch's refusal comes
 * back from a later store call, naming the client (store_failed_client). */
int pg_store_client_insert(store *s, const store_client *c)
{
	pa a[6] = { PI(c->id), PI(c->vk_version), PB(c->wrapped, c->wrapped_len), PB(c->data, c->data_len), PI(c->created),
		    PI(c->updated) };
	unsigned char h[32];
	int r, n;
	if ((r = seal_checkpoint(s)) < 0)
		return r;
	if (s->bulk && s->txdepth > 0 && s->cl_sp < CLIENTS_SP_MAX) {
		raw_put(&s->clraw, c);
		if ((r = fort_buf_error(&s->clraw)) < 0)
			return r;
		if (++s->ncl >= clients_many(s) || s->clraw.len - s->cl_pend >= CLIENTS_MANY_BYTES)
			if ((r = clients_send(s)) < 0)
				return r;
	} else if (s->bulk && s->txdepth > 0) {
		if (!pq_send(s, "adding a client", c->id, CLIENT_INSERT, a, 6, PQ_PLAIN))
			return fort_error_code() ? fort_error_code() : FORT_ERROR;
	} else if ((n = run(s, "adding a client", CLIENT_INSERT, a, 6, NULL)) < 0) {
		return n;
	}
	if (c->hash) /* made beforehand (store.h) */
		memcpy(h, c->hash, 32);
	else
		store_client_hash(h, c);
	touch_put(s, T_CLIENTS, c->id, NULL, 0, h);
	return 0;
}

int pg_store_failed_client(store *s, int64_t *client)
{
	*client = s->failed_client;
	return s->failed_client != 0;
}

int pg_store_client_update(store *s, const store_client *c)
{
	pa a[6] = { PI(c->vk_version), PB(c->wrapped, c->wrapped_len), PB(c->data, c->data_len), PI(c->updated), PI(c->id),
		    PI(c->created) };
	int r, n;
	if ((r = seal_checkpoint(s)) < 0)
		return r;
	n = run(s, "changing a client", "UPDATE clients SET vk_version = $1, wrapped = $2, data = $3, updated = $4 WHERE id = $5 AND created = $6",
		a, 6, NULL);
	if (n < 0)
		return n;
	if (n > 0) {
		touch_put(s, T_CLIENTS, c->id, NULL, 0, NULL);
		return 0;
	}
	{
		pa g[1] = { PI(c->id) };
		if ((n = run(s, "changing a client", CLIENT_SELECT " WHERE id = $1", g, 1, NULL)) < 0)
			return n;
		if (n > 0)
			return fort_error_set(FORT_ETAMPER, "client %lld's record was changed outside Fortress while it was being written: "
					      "nothing was changed; run 'fortress audit verify'", (long long)c->id);
	}
	return 0;
}

int pg_store_client_get(store *s, store_client *out, int64_t id)
{
	PGresult *res;
	pa a[1] = { PI(id) };
	int n, r;
	memset(out, 0, sizeof *out);
	if ((n = run(s, "reading a client", CLIENT_SELECT " WHERE id = $1", a, 1, &res)) < 0)
		return n;
	if (n == 0) {
		static const unsigned char none[32];
		PQclear(res);
		/* a record removed outside Fortress is not "no such client" */
		if ((r = seal_require_known(s, T_CLIENTS, id, id, none)) < 0)
			return r;
		return fort_error_set(FORT_ENOTFOUND, "no such client");
	}
	r = client_row(s, out, res, 0);
	PQclear(res);
	return r;
}

int pg_store_client_delete(store *s, int64_t id)
{
	pa a[1] = { PI(id) };
	int n = run(s, "erasing a client", "DELETE FROM clients WHERE id = $1", a, 1, NULL);
	if (n > 0)
		touch_put(s, T_CLIENTS, id, NULL, 0, NULL);
	return n < 0 ? n : 0;
}

static int clients_walk(store *s, const char *sql, const pa *a, size_t na, store_client_cb cb, void *ctx)
{
	PGresult *res;
	int n = run(s, "listing clients", sql, a, na, &res), r = 0;
	for (int i = 0; i < n && r == 0; i++) {
		store_client c;
		if ((r = client_row(s, &c, res, i)) < 0)
			break;
		r = cb(ctx, &c);
		store_client_release(&c);
	}
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_client_each(store *s, store_client_cb cb, void *ctx)
{
	return clients_walk(s, CLIENT_SELECT " ORDER BY created, id", NULL, 0, cb, ctx);
}

int pg_store_client_batch(store *s, int64_t after, size_t limit, store_client_cb cb, void *ctx)
{
	pa a[2] = { PI(after), PI(limit) };
	return clients_walk(s, CLIENT_SELECT " WHERE id > $1 ORDER BY id LIMIT $2", a, 2, cb, ctx);
}

/* store.h: PostgreSQL's walk checks each record with its seal itself
 * (nothing deferred); the caller gets a copy it may keep. */
struct take_ctx {
	store_client_take_cb cb;
	void *ctx;
};

static int take_cb(void *ctx, const store_client *c)
{
	struct take_ctx *t = ctx;
	store_client d = *c;
	store_client_seal seal;
	int r;
	memset(&seal, 0, sizeof seal);
	d.wrapped = d.data = NULL;
	if (!(d.wrapped = fort_malloc(c->wrapped_len ? c->wrapped_len : 1)) || !(d.data = fort_malloc(c->data_len ? c->data_len : 1))) {
		store_client_release(&d);
		return FORT_ENOMEM;
	}
	memcpy(d.wrapped, c->wrapped, c->wrapped_len);
	memcpy(d.data, c->data, c->data_len);
	r = t->cb(t->ctx, &d, &seal);
	store_client_release(&d);
	return r;
}

int pg_store_client_batch_take(store *s, int64_t after, size_t limit, store_client_take_cb cb, void *ctx)
{
	struct take_ctx t = { cb, ctx };
	return pg_store_client_batch(s, after, limit, take_cb, &t);
}

int pg_store_client_ids(store *s, store_id_cb cb, void *ctx)
{
	PGresult *res;
	int n = run(s, "listing clients", "SELECT id FROM clients ORDER BY id", NULL, 0, &res), r = 0;
	for (int i = 0; i < n && r == 0; i++)
		r = cb(ctx, gi(res, i, 0));
	PQclear(res);
	return n < 0 ? n : r;
}

static int count(store *s, const char *sql, uint64_t *out)
{
	PGresult *res;
	int n = run(s, "counting", sql, NULL, 0, &res);
	*out = n > 0 ? (uint64_t)gi(res, 0, 0) : 0;
	PQclear(res);
	return n < 0 ? n : 0;
}

int pg_store_client_count(store *s, uint64_t *n) { return count(s, "SELECT count(*) FROM clients", n); }

int pg_store_client_max_id(store *s, int64_t *id)
{
	uint64_t v;
	int r = count(s, "SELECT greatest(coalesce((SELECT max(id) FROM clients), 0), coalesce((SELECT max(client) FROM erased), 0))", &v);
	*id = (int64_t)v;
	return r;
}

/* ------------------------------------------------------------ the indexes */

#define BLIND_ADD "INSERT INTO blind(h, client, mac) VALUES($1, $2, $3) ON CONFLICT DO NOTHING"

/* The entry's MAC under the first key into MAC, as a parameter (NULL
 * without keys: the entry is then vouched for by its seal only). */
static pa imac_param(store *s, int tbl, const unsigned char *h, int64_t client, unsigned char mac[SEAL_IMAC_LEN])
{
	if (!s->nimac)
		return PN;
	seal_index_mac(mac, s->imac, tname(tbl), h, client);
	return PB(mac, SEAL_IMAC_LEN);
}

/* The MAC in column COL of RES's ROW for the entry (H, CLIENT) of TBL: the
 * index of the key it verifies under (0: the current one), IMAC_KEYS_MAX
 * if none (changed outside Fortress), -1 if there is nothing to check it
 * with (no MAC, or no keys: the seal decides).  sqlite.c's, on a PGresult. */
#define IMAC_KEYS_MAX 64
static int imac_verdict(const store *s, int tbl, const unsigned char *h, int64_t client, const PGresult *res, int row, int col)
{
	unsigned char want[SEAL_IMAC_LEN];
	if (!s->nimac || gnull(res, row, col))
		return -1;
	if (glen(res, row, col) != SEAL_IMAC_LEN)
		return IMAC_KEYS_MAX;
	for (size_t k = 0; k < s->nimac; k++) {
		seal_index_mac(want, s->imac + k * SEAL_IMAC_KEY_LEN, tname(tbl), h, client);
		if (sodium_memcmp(want, gb(res, row, col), SEAL_IMAC_LEN) == 0)
			return (int)k;
	}
	return IMAC_KEYS_MAX;
}

int pg_store_blind_add(store *s, const unsigned char h[STORE_BIDX_LEN], int64_t client, int unique, int64_t *other)
{
	int t = unique ? T_UNIQ : T_BLIND, n;
	int64_t sid = index_id(t, h, client);
	unsigned char now[32], mac[SEAL_IMAC_LEN];
	pa a[3] = { PB(h, STORE_BIDX_LEN), PI(client), imac_param(s, t, h, client, mac) };
	if ((n = seal_checkpoint(s)) < 0)
		return n;
	if (unique) {
		PGresult *res;
		/* the insert itself finds the other holder: ON CONFLICT keeps the
		 * transaction alive, and the unique key holds across processes */
		n = run(s, "indexing a client",
			"WITH ins AS (INSERT INTO uniq(h, client, mac) VALUES($1, $2, $3) ON CONFLICT(h) DO NOTHING RETURNING client)"
			" SELECT client, 1 FROM ins UNION ALL SELECT client, 0 FROM uniq WHERE h = $1 AND NOT EXISTS (SELECT 1 FROM ins)",
			a, 3, &res);
		if (n < 0)
			return n;
		if (n > 0 && gi(res, 0, 1) == 0) {
			int64_t holder = gi(res, 0, 0);
			PQclear(res);
			if (holder == client)
				return 0;
			if (other)
				*other = holder;
			return fort_error_set(FORT_EDUPLICATE, "duplicate");
		}
		PQclear(res);
		if (s->enforce && !pending_at(s, T_UNIQ, sid)) {
			/* one removed outside Fortress (a live seal, no row) would let a duplicate in */
			unsigned char sealed[32];
			store_seal_check c;
			int found = seal_latest(s, T_UNIQ, sid, sealed, &c.seq);
			if (found < 0)
				return found;
			if (found && !seal_is_zero32(sealed)) {
				c.table = tname(T_UNIQ);
				c.id = sid;
				c.key[0] = '\0';
				c.state = STORE_SEAL_REMOVED;
				return seal_fail(&c, 0);
			}
		}
	} else if ((n = run(s, "indexing a client", BLIND_ADD, a, 3, NULL)) < 0) {
		return n;
	} else if (n == 0) {
		return 0;
	} else {
		/* the client's group: hashed whole at the flush */
		touch_put(s, t, sid, NULL, client, NULL);
		return 0;
	}
	hash_index(now, t, h, client);
	touch_put(s, t, sid, h, client, now);
	return 0;
}

/* A batch of entries in one statement per index: the rows as arrays in
 * PostgreSQL's binary form (values, client ids, MACs or NULL, and for the
 * unique index each entry's seal id and its place in the caller's array).  A unique entry is inserted in the
 * array's order (the first of two equal values wins, as one call after the
 * other would), and each comes back with what became of it: added (then its
 * seal head, for the "removed outside Fortress" check), or the client
 * holding the value (before the statement, or inserted by an earlier entry
 * of the same statement, which the statement's snapshot does not show in
 * uniq itself).  uniq and seal_head are read by one index probe per entry
 * that needs it (scalar subqueries under CASE: the holder only for an
 * entry not inserted, the seal head only for one inserted; before, as
 * LATERAL subqueries behind OFFSET 0, both for every entry): as plain joins, once the
 * vault had some 20,000 clients PostgreSQL hash-joined the batch against
 * all of uniq and every 'uniq' row of seal_head, read whole for every
 * batch, so an import grew quadratically (EXPLAIN ANALYZE, 1,000 entries
 * against 40,000 unique entries: a seq scan of uniq and a bitmap scan of
 * 40,000 seal heads; with the probes, 1,000 index scans each, on an empty
 * vault as on a large one, generic plan or custom).  The entries inserted
 * are joined once, by value (h is uniq's key: at most one row of ins
 * each): the entry's own insertion when its client is the row's, else the
 * holder inserted by an earlier entry of the batch; before, a second join
 * by (h, client) told the two apart, another hash of the inserted rows.
 * The arrays are sent binary (array_recv: a length and the bytes per
 * element), not as text literals of hex values: the server's text-array
 * parser and the hex decoding were 7 % of its instructions per imported
 * client (callgrind of the backend, bench/README.md "wt-pg (third
 * session)"), and the client's hex and decimal formatting goes too.
 * The arrays are read by unnest in the select list (a ProjectSet node: one
 * row per call, the arrays in step, in their order), not in FROM: a
 * function scan materialises its whole result into a tuplestore before the
 * first row, and the batch was also a CTE (read twice) sorted again for the
 * INSERT: about 22k server instructions an imported client less
 * (callgrind, bench/README.md "wt-pg (sixth session)").  The INSERT takes
 * the rows in the arrays' order, so of two equal values in a batch the
 * first is inserted and the second finds it (t0300: the first wins). */
#define UNIQ_ADD_MANY \
	"WITH ins AS (INSERT INTO uniq(h, client, mac) SELECT unnest($1::bytea[]), unnest($2::bigint[]), unnest($5::bytea[])" \
	" ON CONFLICT(h) DO NOTHING RETURNING h, client)" \
	" SELECT v.k, coalesce(i.client = v.c, false)::int, coalesce(i.client, (SELECT client FROM uniq WHERE h = v.h))," \
	" CASE WHEN i.client = v.c THEN (SELECT hash FROM seal_head WHERE tbl = 'uniq' AND id = v.sid) END" \
	" FROM (SELECT unnest($1::bytea[]) AS h, unnest($2::bigint[]) AS c, unnest($3::bigint[]) AS sid, unnest($4::bigint[]) AS k) AS v" \
	" LEFT JOIN ins i ON i.h = v.h ORDER BY v.k"
#define BLIND_ADD_MANY \
	"INSERT INTO blind(h, client, mac) SELECT unnest($1::bytea[]), unnest($2::bigint[]), unnest($3::bytea[])" \
	" ON CONFLICT DO NOTHING RETURNING h, client"
/* An import's unique entries (store_bidx_add.fresh on a unique entry: its
 * client is new in this transaction), in value order: per batch of 1,000,
 * UNIQ_PROBE first, one statement (one snapshot) reading the holders of the
 * batch's values and the seal heads of those values (one index scan each
 * for the batch, = ANY); then UNIQ_ADD_NEW, a plain INSERT of the entries
 * whose value nobody holds, the first of equal values in the batch.  An
 * entry whose value nobody holds but whose seal is live was removed
 * outside Fortress: FORT_ETAMPER, what UNIQ_ADD_MANY's seal-head probe says
 * (the seal id is the value's).  Without ON CONFLICT the server makes no
 * arbiter probe before each row and no speculative insertion (ON
 * CONFLICT's ExecCheckIndexConstraints and heap_finish_speculative were
 * about 20k instructions an imported client), and the outer query of
 * UNIQ_ADD_MANY (the arrays read again, the join, the sort, a subquery per
 * entry) goes.  A value another process adds between the probe and the
 * INSERT makes the INSERT wait for that process's commit and then refuse
 * (a unique violation: the whole change rolled back, busy, try again; with
 * UNIQ_ADD_MANY the entry was reported a duplicate instead, and the import
 * refused all the same); the next try reports it as a duplicate. */
#define UNIQ_PROBE \
	"SELECT 0, h, client, NULL::bytea FROM uniq WHERE h = ANY($1::bytea[])" \
	" UNION ALL SELECT 1, NULL::bytea, id, hash FROM seal_head WHERE tbl = 'uniq' AND id = ANY($2::bigint[])"
#define UNIQ_ADD_NEW "INSERT INTO uniq(h, client, mac) SELECT unnest($1::bytea[]), unnest($2::bigint[]), unnest($3::bytea[])"
/* The same for an import's search entries (store_bidx_add.fresh: clients
 * new in this transaction, each with all its entries in this call): no row
 * can be there already, so a plain INSERT, without ON CONFLICT's probe of
 * the primary key before each row and its speculative insertion (a WAL
 * record more per row).  Used only when the call's search entries are all
 * fresh and in (client, h) order, the same entry twice being skipped (as
 * ON CONFLICT DO NOTHING would); a row there after all (a false claim, or
 * one written outside Fortress) refuses the statement and the change is
 * rolled back, never a row taken as added that was not.  The client's
 * search group is hashed from the entries here, as row_hash would hash it
 * read back (its rows in h's order): the flush's read-back of the groups,
 * a statement under the writers' lock, goes for an import (store.h: a
 * false claim can only make the seal disagree with the rows). */
#define BLIND_ADD_FRESH \
	"INSERT INTO blind(h, client, mac) SELECT unnest($1::bytea[]), unnest($2::bigint[]), unnest($3::bytea[])"

/* A one-dimensional array parameter in PostgreSQL's binary form (what
 * array_recv reads): a header (dimensions, has-nulls flag, element type,
 * length, lower bound) patched by barr_end, then per element its length
 * (32 bits, -1 for NULL) and its bytes.  Sent as a binary (PB) parameter of
 * a statement that casts it ($1::bytea[]): the element type must be the
 * cast's. */

static void be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

static void barr_start(struct barr *a, uint32_t oid)
{
	unsigned char h[20];
	be32(h, 1);        /* one dimension */
	be32(h + 4, 0);    /* has nulls: barr_end */
	be32(h + 8, oid);
	be32(h + 12, 0);   /* its length: barr_end */
	be32(h + 16, 1);   /* lower bound */
	fort_buf_reset(&a->b);
	fort_buf_put(&a->b, h, sizeof h);
	a->n = 0;
	a->nulls = 0;
}

static void barr_bytes(struct barr *a, const void *p, size_t len)
{
	unsigned char x[4];
	be32(x, (uint32_t)len);
	fort_buf_put(&a->b, x, 4);
	fort_buf_put(&a->b, p, len);
	a->n++;
}

static void barr_null(struct barr *a)
{
	fort_buf_put(&a->b, "\xff\xff\xff\xff", 4);
	a->nulls = 1;
	a->n++;
}

static void barr_i64(struct barr *a, int64_t v)
{
	unsigned char x[8];
	for (int k = 0; k < 8; k++)
		x[k] = (unsigned char)((uint64_t)v >> (56 - 8 * k));
	barr_bytes(a, x, 8);
}

/* The header's counts; the array as a parameter (valid until the next
 * barr_start). */
static int barr_end(struct barr *a, pa *out)
{
	int r = fort_buf_error(&a->b);
	if (r < 0)
		return r;
	be32((unsigned char *)a->b.buf + 4, (uint32_t)a->nulls);
	be32((unsigned char *)a->b.buf + 12, a->n);
	*out = PB(a->b.buf, a->b.len);
	return 0;
}

/* A value held (h, client) as UNIQ_PROBE read it, for the search by value. */
struct hc { const unsigned char *h; int64_t client; };

static int hc_cmp(const void *a, const void *b)
{
	const struct hc *x = a, *y = b;
	int c = memcmp(x->h, y->h, STORE_BIDX_LEN);
	return c ? c : (x->client > y->client) - (x->client < y->client);
}

static int sid_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int index_answer(store *s, const struct pq_item *it, const PGresult *res)
{
	int n = PQntuples(res);
	if (it->kind == PQ_UNIQ_NEW)
		return 0;
	for (int i = 0; i < n; i++) {
		if (it->kind == PQ_BLIND_MANY) {
			int64_t c = gi(res, i, 1);
			/* the client's group: hashed whole at the flush */
			touch_put(s, T_BLIND, c, NULL, c, NULL);
			continue;
		}
		int64_t k = gi(res, i, 0);
		const store_bidx_add *e = &it->e[k];
		int64_t sid = index_id(T_UNIQ, e->h, e->client);
		if (!gi(res, i, 1)) {
			int64_t holder = gnull(res, i, 2) ? 0 : gi(res, i, 2);
			it->other[k] = holder == e->client ? 0 : holder ? holder : -1;
			continue;
		}
		it->other[k] = 0;
		if (s->enforce && !pending_at(s, T_UNIQ, sid) && !gnull(res, i, 3)) {
			unsigned char sealed[32];
			memset(sealed, 0xff, 32);
			if (glen(res, i, 3) == 32)
				memcpy(sealed, gb(res, i, 3), 32);
			if (!seal_is_zero32(sealed)) {
				store_seal_check c;
				c.table = tname(T_UNIQ);
				c.id = sid;
				c.seq = 0;
				c.key[0] = '\0';
				c.state = STORE_SEAL_REMOVED;
				return seal_fail(&c, 0);
			}
		}
		{
			unsigned char now[32];
			hash_index(now, T_UNIQ, e->h, e->client);
			touch_put(s, T_UNIQ, sid, e->h, e->client, now);
		}
	}
	return 0;
}

#define ADD_CHUNK 1000


/* UNIQ_PROBE for the unique entries of E[I0, I1) (their seal ids in
 * SIDS): *HELD the values held (sorted by value; their rows point into
 * *RES), *LIVE the live seals among the values' (sorted), both malloc'ed. */
static int uniq_probe(store *s, const store_bidx_add *e, size_t i0, size_t i1, const int64_t *sids, PGresult **res, struct hc **held,
		      int *nheld, int64_t **live, int *nlive)
{
	struct barr a[2];
	pa p[2];
	int r = 0, n;
	*res = NULL;
	*held = NULL;
	*live = NULL;
	*nheld = *nlive = 0;
	fort_buf_init(&a[0].b, 0);
	fort_buf_init(&a[1].b, 0);
	barr_start(&a[0], OID_BYTEA);
	barr_start(&a[1], OID_INT8);
	for (size_t i = i0; i < i1; i++)
		if (e[i].unique) {
			barr_bytes(&a[0], e[i].h, STORE_BIDX_LEN);
			barr_i64(&a[1], sids[i]);
		}
	if ((r = barr_end(&a[0], &p[0])) == 0 && (r = barr_end(&a[1], &p[1])) == 0 &&
	    (n = run(s, "indexing clients", UNIQ_PROBE, p, 2, res)) < 0)
		r = n;
	fort_buf_release(&a[0].b);
	fort_buf_release(&a[1].b);
	if (r < 0)
		return r;
	n = PQntuples(*res);
	if (n > 0 && (!(*held = fort_malloc((size_t)n * sizeof **held)) || !(*live = fort_malloc((size_t)n * sizeof **live))))
		return fort_error_set(FORT_ENOMEM, "out of memory");
	for (int i = 0; i < n; i++) {
		if (gi(*res, i, 0) == 0) {
			/* h is uniq's key: at most one row a value */
			if (glen(*res, i, 1) != STORE_BIDX_LEN)
				return fort_error_set(FORT_ETAMPER, "indexing clients: a unique entry of the wrong length");
			(*held)[*nheld].h = gb(*res, i, 1);
			(*held)[(*nheld)++].client = gi(*res, i, 2);
		} else if (glen(*res, i, 3) != 32 || !seal_is_zero32(gb(*res, i, 3))) {
			(*live)[(*nlive)++] = gi(*res, i, 2);
		}
	}
	if (*nheld > 1)
		qsort(*held, (size_t)*nheld, sizeof **held, hc_cmp);
	if (*nlive > 1)
		qsort(*live, (size_t)*nlive, sizeof **live, sid_cmp);
	return 0;
}

/* The client holding H among HELD[0, N) (sorted), or 0. */
static int64_t held_by(const struct hc *held, int n, const unsigned char *h)
{
	size_t lo = 0, hi = (size_t)n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(held[mid].h, h, STORE_BIDX_LEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < (size_t)n && memcmp(held[lo].h, h, STORE_BIDX_LEN) == 0 ? held[lo].client : 0;
}

int pg_store_blind_add_many(store *s, const store_bidx_add *e, size_t n, int64_t *other)
{
	/* the unique batch's h, c, sid, k, m; the search batch's h, c, m */
	struct barr u[5], b[3];
	static const uint32_t uoid[5] = { OID_BYTEA, OID_INT8, OID_INT8, OID_INT8, OID_BYTEA };
	static const uint32_t boid[3] = { OID_BYTEA, OID_INT8, OID_BYTEA };
	int r, fresh = 1, ufresh = 1;
	int64_t *sids = NULL; /* the fresh unique entries' seal ids, by index */
	const store_bidx_add *prev = NULL, *uprev = NULL;
	int64_t uprev_holder = 0; /* who holds uprev's value after it */
	crypto_generichash_state gh; /* the fresh group being hashed: prev's client's */
	unsigned char gsum[32];
	if ((r = pq_sync(s)) < 0)
		return r;
	/* every unique entry fresh and in value order: UNIQ_PROBE, UNIQ_ADD_NEW */
	for (size_t i = 0; i < n && ufresh; i++) {
		if (!e[i].unique)
			continue;
		if (!e[i].fresh || (uprev && memcmp(uprev->h, e[i].h, STORE_BIDX_LEN) > 0))
			ufresh = 0;
		uprev = &e[i];
	}
	uprev = NULL;
	if (ufresh && n && !(sids = fort_malloc(n * sizeof *sids)))
		return fort_error_set(FORT_ENOMEM, "out of memory");
	/* every search entry fresh and in (client, h) order: BLIND_ADD_FRESH */
	for (size_t i = 0; i < n && fresh; i++) {
		if (e[i].unique)
			continue;
		if (!e[i].fresh || (prev && (prev->client > e[i].client ||
					     (prev->client == e[i].client && memcmp(prev->h, e[i].h, STORE_BIDX_LEN) > 0))))
			fresh = 0;
		prev = &e[i];
	}
	prev = NULL;
	for (int k = 0; k < 5; k++)
		fort_buf_init(&u[k].b, 0);
	for (int k = 0; k < 3; k++)
		fort_buf_init(&b[k].b, 0);
	for (size_t i0 = 0; i0 < n && r == 0; i0 += ADD_CHUNK) {
		size_t m = n - i0 < ADD_CHUNK ? n - i0 : ADD_CHUNK;
		struct pq_item *it;
		for (int k = 0; k < 5; k++)
			barr_start(&u[k], uoid[k]);
		for (int k = 0; k < 3; k++)
			barr_start(&b[k], boid[k]);
		if ((r = seal_checkpoint(s)) < 0)
			break;
		PGresult *pres = NULL;
		struct hc *held = NULL;
		int64_t *live = NULL;
		int nheld = 0, nlive = 0;
		if (ufresh) {
			size_t nu = 0;
			for (size_t i = i0; i < i0 + m; i++)
				if (e[i].unique) {
					sids[i] = index_id(T_UNIQ, e[i].h, e[i].client);
					nu++;
				}
			if (nu && (r = uniq_probe(s, e, i0, i0 + m, sids, &pres, &held, &nheld, &live, &nlive)) < 0) {
				free(held);
				free(live);
				PQclear(pres);
				break;
			}
		}
		for (size_t i = i0; i < i0 + m && r == 0; i++) {
			unsigned char mac[SEAL_IMAC_LEN];
			int t = e[i].unique ? T_UNIQ : T_BLIND;
			struct barr *mc = e[i].unique ? &u[4] : &b[2];
			other[i] = 0;
			if (e[i].unique && ufresh) {
				/* the value held: before the batch (the probe; this
				 * transaction's earlier batches too), or by the
				 * entry before it in the batch (value order) */
				int64_t holder = uprev && memcmp(uprev->h, e[i].h, STORE_BIDX_LEN) == 0 ? uprev_holder : held_by(held, nheld, e[i].h);
				uprev = &e[i];
				if (holder) {
					other[i] = holder == e[i].client ? 0 : holder;
					uprev_holder = holder;
					continue;
				}
				uprev_holder = e[i].client;
				if (s->enforce && nlive && bsearch(&sids[i], live, (size_t)nlive, sizeof *live, sid_cmp) &&
				    !pending_at(s, T_UNIQ, sids[i])) {
					/* nobody holds the value, its seal is live */
					store_seal_check c;
					c.table = tname(T_UNIQ);
					c.id = sids[i];
					c.seq = 0;
					c.key[0] = '\0';
					c.state = STORE_SEAL_REMOVED;
					r = seal_fail(&c, 0);
					break;
				}
				if (s->nimac) {
					seal_index_mac(mac, s->imac, tname(T_UNIQ), e[i].h, e[i].client);
					barr_bytes(&u[4], mac, SEAL_IMAC_LEN);
				} else {
					barr_null(&u[4]);
				}
				barr_bytes(&u[0], e[i].h, STORE_BIDX_LEN);
				barr_i64(&u[1], e[i].client);
				/* sealed now: a refused INSERT rolls the change back */
				unsigned char now[32];
				hash_index(now, T_UNIQ, e[i].h, e[i].client);
				touch_put(s, T_UNIQ, sids[i], e[i].h, e[i].client, now);
				continue;
			}
			if (!e[i].unique && fresh) {
				/* the same entry again (adjacent: in order) is there already */
				if (prev && prev->client == e[i].client && memcmp(prev->h, e[i].h, STORE_BIDX_LEN) == 0)
					continue;
				if (!prev || prev->client != e[i].client) {
					if (prev) {
						crypto_generichash_final(&gh, gsum, 32);
						touch_put(s, T_BLIND, prev->client, NULL, prev->client, gsum);
					}
					hash_start(&gh, T_BLIND, e[i].client);
				}
				seal_col_bytes(&gh, SEAL_COL_BLOB, e[i].h, STORE_BIDX_LEN);
				seal_col_int(&gh, e[i].client);
				prev = &e[i];
			}
			if (s->nimac) {
				seal_index_mac(mac, s->imac, tname(t), e[i].h, e[i].client);
				barr_bytes(mc, mac, SEAL_IMAC_LEN);
			} else {
				barr_null(mc);
			}
			if (e[i].unique) {
				barr_bytes(&u[0], e[i].h, STORE_BIDX_LEN);
				barr_i64(&u[1], e[i].client);
				barr_i64(&u[2], index_id(T_UNIQ, e[i].h, e[i].client));
				barr_i64(&u[3], (int64_t)i);
			} else {
				barr_bytes(&b[0], e[i].h, STORE_BIDX_LEN);
				barr_i64(&b[1], e[i].client);
			}
		}
		free(held);
		free(live);
		PQclear(pres);
		if (r < 0)
			break;
		if (u[0].n && ufresh) {
			pa a[3];
			r = barr_end(&u[0], &a[0]);
			if (r == 0)
				r = barr_end(&u[1], &a[1]);
			if (r == 0)
				r = barr_end(&u[4], &a[2]);
			if (r < 0)
				break;
			if (!pq_send(s, "indexing clients", 0, UNIQ_ADD_NEW, a, 3, PQ_UNIQ_NEW)) {
				r = fort_error_code() ? fort_error_code() : FORT_ERROR;
				break;
			}
		} else if (u[0].n) {
			pa a[5];
			for (int k = 0; k < 5 && r == 0; k++)
				r = barr_end(&u[k], &a[k]);
			if (r < 0)
				break;
			if (!(it = pq_send(s, "indexing clients", 0, UNIQ_ADD_MANY, a, 5, PQ_UNIQ_MANY))) {
				r = fort_error_code() ? fort_error_code() : FORT_ERROR;
				break;
			}
			it->e = e;
			it->other = other;
		}
		if (b[0].n) {
			pa a[3];
			for (int k = 0; k < 3 && r == 0; k++)
				r = barr_end(&b[k], &a[k]);
			if (r < 0)
				break;
			if (!(it = pq_send(s, "indexing clients", 0, fresh ? BLIND_ADD_FRESH : BLIND_ADD_MANY, a, 3,
					   fresh ? PQ_PLAIN : PQ_BLIND_MANY))) {
				r = fort_error_code() ? fort_error_code() : FORT_ERROR;
				break;
			}
		}
	}
	for (int k = 0; k < 5; k++)
		fort_buf_release(&u[k].b);
	for (int k = 0; k < 3; k++)
		fort_buf_release(&b[k].b);
	if (r == 0 && fresh && prev) {
		crypto_generichash_final(&gh, gsum, 32);
		touch_put(s, T_BLIND, prev->client, NULL, prev->client, gsum);
	}
	if (r == 0)
		r = pq_sync(s);
	else
		pq_drain(s);
	free(sids);
	return r;
}

/* store.h: every deletion, then every addition (a unique value another
 * client holds to the search index), one entry at a time. */
int pg_store_blind_move_many(store *s, const store_bidx_move *e, size_t n)
{
	int r;
	for (size_t i = 0; i < n; i++)
		if ((r = pg_store_blind_del(s, e[i].old_h, e[i].client, e[i].unique ? STORE_IDX_UNIQUE : STORE_IDX_SEARCH)) < 0)
			return r;
	for (size_t i = 0; i < n; i++) {
		int64_t other = 0;
		r = pg_store_blind_add(s, e[i].new_h, e[i].client, e[i].unique, &other);
		if (r == FORT_EDUPLICATE) {
			fort_error_clear();
			r = pg_store_blind_add(s, e[i].new_h, e[i].client, 0, NULL);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Nothing computed ahead: the calls compute what they need. */
int pg_store_blind_move_prep(store *s, store_bidx_move *m, size_t n)
{
	(void)s;
	for (size_t i = 0; i < n; i++)
		m[i].prep = m[i].has_group = 0;
	return 0;
}

int pg_store_client_update_prep(store *s, const store_client *c, unsigned char hash[32])
{
	(void)s, (void)c;
	memset(hash, 0, 32);
	return 0;
}

int pg_store_client_update_hashed(store *s, const store_client *c, const unsigned char hash[32])
{
	(void)hash; /* the flush reads the row */
	return pg_store_client_update(s, c);
}

int pg_store_blind_del(store *s, const unsigned char h[STORE_BIDX_LEN], int64_t client, int unique)
{
	static const unsigned char gone[32];
	pa a[2] = { PB(h, STORE_BIDX_LEN), PI(client) };
	/* store.h: the unique index first, the search index unless found there */
	for (int t = T_UNIQ; t >= T_BLIND; t--) {
		int n;
		if (t == T_UNIQ && unique == STORE_IDX_SEARCH)
			continue;
		n = run(s, "removing an index entry", t == T_BLIND ? "DELETE FROM blind WHERE h = $1 AND client = $2"
								 : "DELETE FROM uniq WHERE h = $1 AND client = $2",
			a, 2, NULL);
		if (n < 0)
			return n;
		if (n > 0) {
			if (t == T_BLIND)
				touch_put(s, t, client, NULL, client, NULL);
			else
				touch_put(s, t, index_id(t, h, client), h, client, gone);
			if (unique == STORE_IDX_UNIQUE)
				break;
		}
	}
	return 0;
}

int pg_store_blind_del_client(store *s, int64_t client)
{
	/* the search entries (store.h): the unique ones are the caller's */
	pa a[1] = { PI(client) };
	int n = run(s, "removing index entries", "DELETE FROM blind WHERE client = $1", a, 1, NULL);
	if (n < 0)
		return n;
	if (n > 0)
		touch_put(s, T_BLIND, client, NULL, client, NULL);
	return 0;
}

int pg_store_uniq_del_values(store *s, int64_t client, const unsigned char (*h)[STORE_BIDX_LEN], size_t n, size_t *found)
{
	static const unsigned char gone[32];
	*found = 0;
	for (size_t i = 0; i < n; i++) {
		pa a[2] = { PB(h[i], STORE_BIDX_LEN), PI(client) };
		int k = run(s, "removing an index entry", "DELETE FROM uniq WHERE h = $1 AND client = $2", a, 2, NULL);
		if (k < 0)
			return k;
		if (k > 0) {
			touch_put(s, T_UNIQ, index_id(T_UNIQ, h[i], client), h[i], client, gone);
			(*found)++;
		}
	}
	return 0;
}

int pg_store_uniq_del_clients(store *s, const int64_t *clients, size_t n, uint64_t *removed)
{
	/* Schema 23 dropped uniq_client (as sqlite.c's 22): the entries of
	 * all the clients are found in one pass over uniq, the clients hashed
	 * (an erasure that finds its entries by value never comes here) */
	static const unsigned char gone[32];
	struct barr ids;
	PGresult *res = NULL;
	pa a[1];
	int k;
	if (removed)
		*removed = 0;
	if (!n)
		return 0;
	fort_buf_init(&ids.b, 0);
	barr_start(&ids, OID_INT8);
	for (size_t c = 0; c < n; c++)
		barr_i64(&ids, clients[c]);
	if ((k = barr_end(&ids, &a[0])) == 0)
		k = run(s, "removing index entries",
			"DELETE FROM uniq u USING (SELECT DISTINCT unnest($1::bigint[]) AS id) AS c WHERE u.client = c.id"
			" RETURNING u.h, u.client",
			a, 1, &res);
	fort_buf_release(&ids.b);
	if (k < 0)
		return k;
	for (int i = 0; i < k; i++)
		if (glen(res, i, 0) == STORE_BIDX_LEN)
			touch_put(s, T_UNIQ, index_id(T_UNIQ, gb(res, i, 0), gi(res, i, 1)), gb(res, i, 0), gi(res, i, 1), gone);
	if (removed)
		*removed = (uint64_t)k;
	PQclear(res);
	return 0;
}

int pg_store_uniq_orphan(store *s, int64_t *client)
{
	PGresult *res;
	int k = run(s, "checking the index entries",
		    "SELECT u.client FROM uniq u WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.id = u.client) LIMIT 1", NULL, 0, &res);
	*client = 0;
	if (k < 0)
		return k;
	if (k > 0)
		*client = gi(res, 0, 0);
	PQclear(res);
	return k > 0;
}

/* A find is one statement (one round trip).  Each entry found is checked
 * by its MAC from the row in hand (store.h); one without a MAC (written
 * before this backend wrote them, or without keys) is checked against its
 * seal.  A unique value: its entry, joined to its seal head only when the
 * seal has to decide (no MAC on the entry, or no entry: a value not found
 * is checked against its seal, removed outside Fortress); without keys the
 * seal head always. */
/* (the seal head in a LATERAL subquery kept apart by OFFSET 0: its
 * "u.mac IS NULL" is then a one-time filter, and the seal_head index is not
 * read for an entry with a MAC; EXPLAIN ANALYZE: 3 buffers for a hit
 * instead of 8.  As a plain join condition it is a join filter, applied
 * after the probe.) */
#define UNIQ_FIND_MAC \
	"SELECT u.client, u.mac, sh.hash, sh.seq FROM (SELECT 1) AS one LEFT JOIN uniq u ON u.h = $1" \
	" LEFT JOIN LATERAL (SELECT hash, seq FROM seal_head WHERE u.mac IS NULL AND tbl = 'uniq' AND id = $2 OFFSET 0) sh ON true"
#define UNIQ_FIND_SEAL \
	"SELECT u.client, u.mac, sh.hash, sh.seq FROM (SELECT 1) AS one LEFT JOIN uniq u ON u.h = $1" \
	" LEFT JOIN seal_head sh ON sh.tbl = 'uniq' AND sh.id = $2"
#define BLIND_FIND "SELECT client, mac FROM blind WHERE h = $1"
#define UNIQ_FIND_HIT "SELECT client, mac FROM uniq WHERE h = $1"

static int uniq_find(store *s, const unsigned char h[STORE_BIDX_LEN], int64_t *ids, size_t max, size_t *nout)
{
	PGresult *res;
	int64_t sid;
	pa a[2] = { PB(h, STORE_BIDX_LEN), PI(0) };
	int n, r = 0;
	*nout = 0;
	if (s->nimac) {
		/* the entry alone, as plaintext PostgreSQL would read it (one
		 * index probe; the joined form's five plan nodes cost the server
		 * 17-20 us per find against 12-14, bench/README.md): an entry whose MAC
		 * verifies is the answer; no entry, or none to check, is asked
		 * again with its seal head below (a second round trip) */
		int64_t c;
		int v;
		if ((n = run(s, "looking up the index", UNIQ_FIND_HIT, a, 1, &res)) < 0)
			return n;
		c = n > 0 ? gi(res, 0, 0) : 0;
		v = n > 0 ? imac_verdict(s, T_UNIQ, h, c, res, 0, 1) : -1;
		PQclear(res);
		if (v == IMAC_KEYS_MAX)
			return seal_index_mac_fail(1, c);
		if (v >= 0) {
			if (max > 0)
				ids[(*nout)++] = c;
			return 0;
		}
	}
	/* the entry's seal id (a keyed hash: 1.1k instructions), only here */
	sid = index_id(T_UNIQ, h, 0);
	a[1] = PI(sid);
	n = run(s, "looking up the index", s->nimac ? UNIQ_FIND_MAC : UNIQ_FIND_SEAL, a, 2, &res);
	if (n < 0)
		return n;
	if (n > 0) {
		int have = !gnull(res, 0, 0), found = !gnull(res, 0, 2);
		int64_t c = have ? gi(res, 0, 0) : 0;
		int v = have ? imac_verdict(s, T_UNIQ, h, c, res, 0, 1) : -1;
		if (v == IMAC_KEYS_MAX) {
			r = seal_index_mac_fail(1, c);
		} else if (v < 0 && s->enforce && !pending_at(s, T_UNIQ, sid)) {
			static const unsigned char none[32];
			unsigned char now[32], sealed[32];
			store_seal_check k;
			if (have)
				hash_index(now, T_UNIQ, h, c);
			else
				memcpy(now, none, 32);
			memset(sealed, 0xff, 32);
			if (found && glen(res, 0, 2) == 32)
				memcpy(sealed, gb(res, 0, 2), 32);
			k.table = tname(T_UNIQ);
			k.id = sid;
			k.seq = found ? gi(res, 0, 3) : 0;
			k.key[0] = '\0';
			k.state = seal_verdict(now, found, sealed);
			if (k.state != STORE_SEAL_OK)
				r = seal_fail(&k, c);
		}
		if (r == 0 && have && max > 0)
			ids[(*nout)++] = c;
	}
	PQclear(res);
	return r;
}

int pg_store_blind_find(store *s, const unsigned char h[STORE_BIDX_LEN], int unique, int64_t *ids, size_t max, size_t *nout)
{
	PGresult *res;
	pa a[1] = { PB(h, STORE_BIDX_LEN) };
	int r = 0, n;
	if (unique)
		return uniq_find(s, h, ids, max, nout);
	n = run(s, "looking up the index", BLIND_FIND, a, 1, &res);
	*nout = 0;
	for (int i = 0; i < n && r == 0; i++) {
		int64_t c = gi(res, i, 0);
		int v = imac_verdict(s, T_BLIND, h, c, res, i, 1);
		if (v == IMAC_KEYS_MAX)
			r = seal_index_mac_fail(0, c);
		else if (v < 0)
			r = seal_require_index(s, T_BLIND, h, c);
		if (r == 0 && *nout < max)
			ids[(*nout)++] = c;
	}
	PQclear(res);
	return n < 0 ? n : r;
}

/* ------------------------------------------------ index entries' MACs */

int pg_store_index_mac_keys(store *s, const unsigned char *keys, size_t n)
{
	if (s->imac)
		sodium_free(s->imac); /* wipes */
	s->imac = NULL;
	s->nimac = 0;
	if (!n)
		return 0;
	if (n > IMAC_KEYS_MAX)
		return fort_error_set(FORT_ERROR, "too many index MAC keys (%zu, at most %d)", n, IMAC_KEYS_MAX);
	if (!(s->imac = sodium_allocarray(n, SEAL_IMAC_KEY_LEN)))
		return fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys");
	memcpy(s->imac, keys, n * SEAL_IMAC_KEY_LEN);
	s->nimac = n;
	return 0;
}

/* The upgrade and the rekey walk each index in (h, client) order, a chunk
 * at a time, in three statements per chunk (sqlite.c's walk does one per
 * entry; here each would be a round trip): the entries after the cursor,
 * for the upgrade the seal heads of the chunk (one statement, in the
 * chunk's order), then the new MACs (one UPDATE from arrays).  The rows
 * and the cursor are seal_common.h's. */

/* ROWS[0..N) of TBL checked against their seals (an entry without a MAC is
 * vouched for by its seal only: one that does not match it gets none),
 * with one statement. */
static int imac_seals_check(store *s, int tbl, const struct imac_row *rows, size_t n)
{
	fort_buf ids;
	PGresult *res = NULL;
	int r = 0, got;
	if (!s->enforce || !n)
		return 0;
	if (tbl == T_BLIND && (r = blind_per_entry(s)) <= 0) {
		/* regrouped (migration 19): a search entry's seal is its
		 * client's, over all its entries; each client checked once */
		int64_t *cl;
		if (r < 0)
			return r;
		if (!(cl = fort_calloc(n, sizeof *cl)))
			return FORT_ENOMEM;
		for (size_t i = 0; i < n; i++)
			cl[i] = rows[i].client;
		qsort(cl, n, sizeof *cl, seal_id_cmp);
		for (size_t i = 0; i < n && r == 0; i++)
			if (i == 0 || cl[i] != cl[i - 1])
				r = seal_require_index(s, T_BLIND, NULL, cl[i]);
		free(cl);
		return r;
	}
	fort_buf_init(&ids, 0);
	for (size_t i = 0; i < n; i++)
		arr_int(&ids, i ? ',' : '{', index_id(tbl, rows[i].h, rows[i].client));
	fort_buf_putc(&ids, '}');
	if ((r = fort_buf_error(&ids)) < 0) {
		fort_buf_release(&ids);
		return r;
	}
	{
		pa a[2] = { PT(tname(tbl)), PT(ids.buf) };
		got = run(s, "giving the index entries their MAC",
			  "SELECT u.id, sh.hash, sh.seq FROM unnest($2::bigint[]) WITH ORDINALITY AS u(id, o)"
			  " LEFT JOIN seal_head sh ON sh.tbl = $1 AND sh.id = u.id ORDER BY u.o",
			  a, 2, &res);
	}
	fort_buf_release(&ids);
	if (got < 0)
		return got;
	if ((size_t)got != n) {
		PQclear(res);
		return fort_error_set(FORT_ERROR, "giving the index entries their MAC: %d seal heads for %zu entries", got, n);
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		int64_t sid = gi(res, (int)i, 0);
		int found = !gnull(res, (int)i, 1);
		unsigned char now[32], sealed[32];
		store_seal_check c;
		if (pending_at(s, tbl, sid))
			continue;
		hash_index(now, tbl, rows[i].h, rows[i].client);
		memset(sealed, 0xff, 32);
		if (found && glen(res, (int)i, 1) == 32)
			memcpy(sealed, gb(res, (int)i, 1), 32);
		c.table = tname(tbl);
		c.id = sid;
		c.seq = found ? gi(res, (int)i, 2) : 0;
		c.key[0] = '\0';
		c.state = seal_verdict(now, found, sealed);
		if (c.state != STORE_SEAL_OK)
			r = seal_fail(&c, rows[i].client);
	}
	PQclear(res);
	return r;
}

/* ROWS[0..N) of TBL given their MAC under the first key, in one UPDATE. */
static int imac_write(store *s, int tbl, struct imac_row *rows, size_t n)
{
	fort_buf bh, bc, bm;
	int r;
	if (!n)
		return 0;
	fort_buf_init(&bh, 0);
	fort_buf_init(&bc, 0);
	fort_buf_init(&bm, 0);
	for (size_t i = 0; i < n; i++) {
		char hex[2 * STORE_BIDX_LEN + 1], mhex[2 * SEAL_IMAC_LEN + 1];
		char sep = i ? ',' : '{';
		seal_index_mac(rows[i].mac, s->imac, tname(tbl), rows[i].h, rows[i].client);
		sodium_bin2hex(hex, sizeof hex, rows[i].h, STORE_BIDX_LEN);
		sodium_bin2hex(mhex, sizeof mhex, rows[i].mac, SEAL_IMAC_LEN);
		fort_buf_putc(&bh, sep);
		fort_buf_put(&bh, hex, 2 * STORE_BIDX_LEN);
		arr_int(&bc, sep, rows[i].client);
		fort_buf_putc(&bm, sep);
		fort_buf_put(&bm, mhex, 2 * SEAL_IMAC_LEN);
	}
	fort_buf_putc(&bh, '}');
	fort_buf_putc(&bc, '}');
	fort_buf_putc(&bm, '}');
	if ((r = fort_buf_error(&bh)) == 0 && (r = fort_buf_error(&bc)) == 0 && (r = fort_buf_error(&bm)) == 0) {
		pa a[3] = { PT(bh.buf), PT(bc.buf), PT(bm.buf) };
		r = run(s, "giving the index entries their MAC",
			tbl == T_BLIND ? "UPDATE blind b SET mac = decode(u.m, 'hex') FROM unnest($1::text[], $2::bigint[], $3::text[])"
					 " AS u(h, c, m) WHERE b.h = decode(u.h, 'hex') AND b.client = u.c"
				       : "UPDATE uniq b SET mac = decode(u.m, 'hex') FROM unnest($1::text[], $2::bigint[], $3::text[])"
					 " AS u(h, c, m) WHERE b.h = decode(u.h, 'hex') AND b.client = u.c",
			a, 3, NULL);
	}
	fort_buf_release(&bh);
	fort_buf_release(&bc);
	fort_buf_release(&bm);
	return r < 0 ? r : 0;
}

/* REKEY 0: entries without a MAC (checked against their seals first) get
 * one, at most MAX; 1: entries whose MAC verifies under an older key get
 * the current key's (MAX ignored).  CUR[0]: the table (0 blind, 1 uniq, 2
 * both done), then the last entry seen.  sqlite.c's imac_walk. */
static int imac_walk(store *s, int rekey, unsigned char cur[STORE_IMAC_CURSOR], size_t max, uint64_t *done, int *more)
{
	static const char *const sel[2][2] = {
		{ "SELECT h, client, mac FROM blind WHERE (h, client) > ($1, $2) AND mac IS NULL ORDER BY h, client LIMIT $3",
		  "SELECT h, client, mac FROM uniq WHERE (h, client) > ($1, $2) AND mac IS NULL ORDER BY h, client LIMIT $3" },
		{ "SELECT h, client, mac FROM blind WHERE (h, client) > ($1, $2) AND mac IS NOT NULL ORDER BY h, client LIMIT $3",
		  "SELECT h, client, mac FROM uniq WHERE (h, client) > ($1, $2) AND mac IS NOT NULL ORDER BY h, client LIMIT $3" },
	};
	struct imac_row *rows = NULL;
	int r = 0;
	*done = 0;
	*more = 0;
	if (!s->nimac)
		return fort_error_set(FORT_ERROR, "the index entries' MAC key is not set");
	if (!(rows = fort_calloc(IMAC_CHUNK, sizeof *rows)))
		return FORT_ENOMEM;
	for (int k = cur[0]; k < 2 && r == 0 && !*more; k++) {
		int tbl = k ? T_UNIQ : T_BLIND;
		for (;;) {
			size_t n = 0, want = IMAC_CHUNK;
			unsigned char h[STORE_BIDX_LEN];
			int64_t client;
			PGresult *res;
			int got;
			if (!rekey && max - *done < want)
				want = (size_t)(max - *done);
			if (want == 0) {
				*more = 1;
				break;
			}
			seal_imac_cursor_get(cur, h, &client);
			{
				pa a[3] = { PB(h, STORE_BIDX_LEN), PI(client), PI((int64_t)want) };
				if ((got = run(s, "giving the index entries their MAC", sel[rekey][k], a, 3, &res)) < 0) {
					r = got;
					break;
				}
			}
			for (int i = 0; i < got && r == 0; i++) {
				struct imac_row *w = &rows[n];
				int v;
				if (glen(res, i, 0) != STORE_BIDX_LEN) {
					r = fort_error_set(FORT_ETAMPER, "an entry of the %s index holds no blind value: it was added "
							   "outside Fortress; run 'fortress audit verify' and restore the vault from a backup",
							   k ? "unique" : "search");
					break;
				}
				memcpy(w->h, gb(res, i, 0), STORE_BIDX_LEN);
				w->client = gi(res, i, 1);
				seal_imac_cursor_put(cur, tbl == T_UNIQ, w->h, w->client);
				/* rekey: only what verifies under an older key */
				if (rekey && ((v = imac_verdict(s, tbl, w->h, w->client, res, i, 2)) <= 0 || v == IMAC_KEYS_MAX))
					continue;
				n++;
			}
			PQclear(res);
			if (r == 0 && !rekey)
				r = imac_seals_check(s, tbl, rows, n);
			if (r == 0 && (r = imac_write(s, tbl, rows, n)) == 0)
				*done += n;
			if (r < 0 || (size_t)got < want)
				break; /* an error, or this table is done */
		}
		if (r == 0 && !*more) {
			memset(cur, 0, STORE_IMAC_CURSOR);
			cur[0] = (unsigned char)(k + 1);
		}
	}
	sodium_memzero(rows, IMAC_CHUNK * sizeof *rows);
	free(rows);
	return r;
}

int pg_store_index_mac_upgrade(store *s, unsigned char cursor[STORE_IMAC_CURSOR], size_t max, uint64_t *done, int *more)
{
	return imac_walk(s, 0, cursor, max, done, more);
}

int pg_store_index_count(store *s, uint64_t *n)
{
	return count(s, "SELECT (SELECT count(*) FROM blind) + (SELECT count(*) FROM uniq)", n);
}

int pg_store_index_mac_rekey(store *s, uint64_t *done)
{
	unsigned char cur[STORE_IMAC_CURSOR] = { 0 };
	int more;
	*done = 0;
	if (s->nimac < 2)
		return 0; /* one key: every valid MAC is under it */
	return imac_walk(s, 1, cur, 0, done, &more);
}

/* ------------------------------------------------------ the erasure ledger */

int pg_store_erased_add(store *s, int64_t client, int64_t ts)
{
	pa a[2] = { PI(client), PI(ts) };
	int n = run(s, "recording an erasure", "INSERT INTO erased(client, ts) VALUES($1, $2) ON CONFLICT DO NOTHING", a, 2, NULL);
	if (n > 0)
		touch_put(s, T_ERASED, client, NULL, 0, NULL);
	return n < 0 ? n : 0;
}

int pg_store_erased_has(store *s, int64_t client)
{
	pa a[1] = { PI(client) };
	int r, n;
	if ((r = seal_require_table(s, T_ERASED)) < 0)
		return r;
	n = run(s, "reading the erasure ledger", "SELECT 1 FROM erased WHERE client = $1", a, 1, NULL);
	return n < 0 ? n : n > 0;
}

int pg_store_erased_count(store *s, uint64_t *n)
{
	int r = seal_require_table(s, T_ERASED);
	return r < 0 ? r : count(s, "SELECT count(*) FROM erased", n);
}

int pg_store_erased_each(store *s, store_erased_cb cb, void *ctx)
{
	PGresult *res;
	int r, n;
	if ((r = seal_require_table(s, T_ERASED)) < 0)
		return r;
	n = run(s, "reading the erasure ledger", "SELECT client, ts FROM erased ORDER BY client", NULL, 0, &res);
	for (int i = 0; i < n && r == 0; i++)
		r = cb(ctx, gi(res, i, 0), gi(res, i, 1));
	PQclear(res);
	return n < 0 ? n : r;
}

/* ---------------------------------------------------------------- audit */

#define AUDIT_COLS "seq, ts, actor_id, actor, action, client, fields, purpose, result, detail, prev, hash, sig, seals, batch"

int pg_store_audit_append(store *s, const store_audit_row *x)
{
	pa a[15] = { PI(x->seq), PI(x->ts), PI(x->actor_id), PT(x->actor), PT(x->action), PT(x->client), PT(x->fields),
		     PT(x->purpose), PT(x->result), PT(x->detail), PB(x->prev, 32), PB(x->hash, 32),
		     x->has_sig ? PB(x->sig, 64) : PN, x->has_seals ? PB(x->seals, 32) : PN,
		     x->has_batch ? PI(x->batch) : PN };
	int n;
	LOCKED(s);
	n = run(s, "writing the audit log",
		    "INSERT INTO audit(" AUDIT_COLS ") VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)", a, 15, NULL);
	if (n == FORT_EEXISTS)
		return fort_error_set(FORT_EBUSY, "another process wrote audit entry %lld first: nothing was changed; try again",
				      (long long)x->seq);
	if (n < 0)
		return n;
	if (!s->own_set) {
		s->own_set = 1;
		s->own_first_seq = x->seq;
		memcpy(s->own_prev, x->prev, 32);
	}
	s->own_last_seq = x->seq;
	memcpy(s->own_last_hash, x->hash, 32);
	if (s->txdepth == 0)
		own_committed(s);
	return 0;
}

static void audit_row(store_audit_row *a, const PGresult *res, int i)
{
	memset(a, 0, sizeof *a);
	a->seq = gi(res, i, 0);
	a->ts = gi(res, i, 1);
	a->actor_id = gi(res, i, 2);
	a->actor = gt(res, i, 3);
	a->action = gt(res, i, 4);
	a->client = gt(res, i, 5);
	a->fields = gt(res, i, 6);
	a->purpose = gt(res, i, 7);
	a->result = gt(res, i, 8);
	a->detail = gt(res, i, 9);
	bfixed(a->prev, 32, res, i, 10);
	bfixed(a->hash, 32, res, i, 11);
	if (!gnull(res, i, 12)) {
		a->has_sig = 1;
		bfixed(a->sig, 64, res, i, 12);
	}
	if (!gnull(res, i, 13)) {
		a->has_seals = 1;
		bfixed(a->seals, 32, res, i, 13);
	}
	if (!gnull(res, i, 14)) {
		a->has_batch = 1;
		a->batch = gi(res, i, 14);
	}
}

int pg_store_audit_tail(store *s, int64_t *seq, unsigned char hash[32])
{
	PGresult *res;
	int n, r = 0;
	LOCKED(s);   /* inside a transaction: the entry to append after */
	n = run(s, "reading the audit log", "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", NULL, 0, &res);
	if (n == 0)
		r = fort_error_set(FORT_ENOTFOUND, "the audit log is empty");
	else if (n > 0) {
		*seq = gi(res, 0, 0);
		bfixed(hash, 32, res, 0, 1);
	}
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_audit_each(store *s, const char *client, store_audit_cb cb, void *ctx)
{
	PGresult *res;
	pa a[1] = { PT(client) };
	int n = client ? run(s, "reading the audit log", "SELECT " AUDIT_COLS " FROM audit WHERE client = $1 ORDER BY rowid", a, 1, &res)
		       : run(s, "reading the audit log", "SELECT " AUDIT_COLS " FROM audit ORDER BY rowid", NULL, 0, &res);
	int r = 0;
	for (int i = 0; i < n && r == 0; i++) {
		store_audit_row row;
		audit_row(&row, res, i);
		r = cb(ctx, &row);
	}
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_audit_count(store *s, uint64_t *n) { return count(s, "SELECT count(*) FROM audit", n); }

int pg_store_audit_has_seals(store *s, int *any)
{
	uint64_t v;
	int r = count(s, "SELECT count(*) FROM (SELECT 1 FROM audit WHERE seals IS NOT NULL LIMIT 1) x", &v);
	*any = v > 0;
	return r;
}

int pg_store_audit_failed_unlocks(store *s, int64_t since, uint64_t *nout, int64_t *last)
{
	PGresult *res;
	pa a[1] = { PI(since) };
	int n = run(s, "reading the audit log",
		    "SELECT count(*) FILTER (WHERE ts >= $1), coalesce(max(ts), 0) FROM audit WHERE action = 'unlock-failed'", a, 1, &res);
	*nout = 0;
	*last = 0;
	if (n > 0) {
		*nout = (uint64_t)gi(res, 0, 0);
		*last = gi(res, 0, 1);
	}
	PQclear(res);
	return n < 0 ? n : 0;
}

/* ----------------------------------------------------------------- seals */

void pg_store_set_commit_hook(store *s, store_commit_hook fn, void *ctx)
{
	s->hook = fn;
	s->hook_ctx = ctx;
}

size_t pg_store_seal_pending(store *s) { return s->ntouch; }

static int touch_cmp(const void *a, const void *b)
{
	const struct seal_touch *x = a, *y = b;
	if (x->tbl != y->tbl)
		return strcmp(tname(x->tbl), tname(y->tbl));
	return x->id < y->id ? -1 : x->id > y->id;
}

#define SEAL_PER_SEQ_MAX ((int64_t)UINT32_MAX)
#define SEAL_SEQ_MAX ((int64_t)INT32_MAX)
#define SEAL_ROWID(seq, i) (((int64_t)(seq) << 32) + (int64_t)(i))

/* Seals per statement in a flush (a multiple of PACK_MAX: a statement's
 * packs begin at its first seal). */
#define SEAL_CHUNK 1024

/* seal_log's packs (migration 21): a row (rowid, seq, seals) per run of up
 * to PACK_MAX seals of one audit entry, rowid the first one's
 * SEAL_ROWID(seq, i) and the seals PACK_TUPLE bytes each: the table's
 * number in pack_tbl (1 byte), the id (8, big-endian), the hash (32).
 * Seal i of an entry is tuple i % PACK_MAX of its pack; store copy sees a
 * row (rowid, seq, tbl, id, hash) per seal, as on SQLite.  A row a seal,
 * with its primary-key entry, was two of the 17 index entries and 4 of
 * the 13 rows the server wrote per imported client (bench/README.md,
 * issue 19).  A tuple that is cut short, or whose table number is not
 * one of pack_tbl's (255: a row the migration could not say), is tamper
 * for every reader (a digest that cannot match, a head that differs),
 * never read past. */
#define PACK_TUPLE 41
#define PACK_MAX 64
/* pack_tbl as a SQL array (the readers that unpack in a statement) */
#define PACK_TBL_SQL                                                                                                       \
	"ARRAY['clients', 'blind', 'uniq', 'consent', 'erased', 'erased_fields', 'exports', 'requests', 'request_events',"  \
	" 'incidents', 'incident_notes', 'incident_scope', 'incident_actions', 'meta', 'holds', 'attachments',"             \
	" 'attachment_clients', 'mail_outbox', 'intake_forms', 'intake_decisions', 'user_totp', 'tokens',"                 \
	" 'request_details', 'invitations']::text[]"
/* The tuples of every pack as rows (seq, tn, id, hash), whole tuples only
 * (a cut one shows in the digest), tn the table's number from 0. */
#define PACK_UNNEST                                                                                                        \
	"SELECT p.seq, get_byte(p.seals, k * 41) AS tn,"                                                                   \
	" ('x' || encode(substring(p.seals FROM k * 41 + 2 FOR 8), 'hex'))::bit(64)::bigint AS id,"                        \
	" substring(p.seals FROM k * 41 + 10 FOR 32) AS hash"                                                              \
	" FROM seal_log p, generate_series(0, length(p.seals) / 41 - 1) AS k"

static void pack_put(fort_buf *b, int tbl, int64_t id, const unsigned char hash[32])
{
	unsigned char x[9];
	x[0] = (unsigned char)tbl;
	for (int k = 0; k < 8; k++)
		x[1 + k] = (unsigned char)((uint64_t)id >> (56 - 8 * k));
	fort_buf_put(b, x, sizeof x);
	fort_buf_put(b, hash, 32);
}

/* Tuple K of the pack P (LEN bytes): 0 and its table (-1: not a sealed
 * table's number), id and hash; -1 when the pack has no whole tuple K. */
static int pack_get(const unsigned char *p, size_t len, size_t k, int *tbl, int64_t *id, unsigned char hash[32])
{
	uint64_t x = 0;
	if (len / PACK_TUPLE <= k)
		return -1;
	p += k * PACK_TUPLE;
	*tbl = p[0] < PACK_TBL_N ? p[0] : -1;
	for (int i = 0; i < 8; i++)
		x = x << 8 | p[1 + i];
	*id = (int64_t)x;
	memcpy(hash, p + 9, 32);
	return 0;
}

/* How many seals the pack of LEN bytes holds: a tuple cut short counts. */
static size_t pack_count(size_t len) { return (len + PACK_TUPLE - 1) / PACK_TUPLE; }

/* The hashes of the search-index groups among the first N (sorted,
 * distinct) touched rows whose hash the writes did not know: a client's
 * entries (migration 19's seal unit), read for SEAL_CHUNK clients per
 * statement instead of one statement each (an import touches a group per
 * client: it was a round trip per imported client at the commit).  Each
 * group hashes as row_hash hashes it alone: the rows (h, client) in h's
 * order; a client with none left hashes to zeros. */
static int blind_groups_hash(store *s, size_t n)
{
	fort_buf b;
	size_t i = 0;
	int r = 0;
	fort_buf_init(&b, 0);
	while (i < n && r == 0) {
		size_t first = i, m = 0;
		PGresult *res;
		int rows, k = 0;
		fort_buf_reset(&b);
		for (; i < n && m < SEAL_CHUNK; i++)
			if (s->touch[i].tbl == T_BLIND && !s->touch[i].known)
				arr_int(&b, m++ ? ',' : '{', s->touch[i].id);
		if (!m)
			break;
		fort_buf_putc(&b, '}');
		if ((r = fort_buf_error(&b)) < 0)
			break;
		pa a[1] = { PT(b.buf) };
		if ((rows = run(s, "sealing the change", "SELECT h, client FROM blind WHERE client = ANY($1::bigint[]) ORDER BY client, h",
				a, 1, &res)) < 0) {
			r = rows;
			break;
		}
		/* touch[] is in (table, id) order: the groups come in the same order */
		for (size_t j = first; j < i; j++) {
			struct seal_touch *t = &s->touch[j];
			if (t->tbl != T_BLIND || t->known)
				continue;
			memset(t->hash, 0, 32);
			while (k < rows && gi(res, k, 1) < t->id)
				k++;
			if (k < rows && gi(res, k, 1) == t->id) {
				crypto_generichash_state hs;
				hash_start(&hs, T_BLIND, t->id);
				for (; k < rows && gi(res, k, 1) == t->id; k++)
					hash_row(&hs, res, k);
				crypto_generichash_final(&hs, t->hash, 32);
			}
			t->known = 1;
		}
		PQclear(res);
	}
	fort_buf_release(&b);
	return r;
}

/* A large flush (an import's, a batch's) writes seal_log with a binary
 * COPY and seal_head from the rows just copied: the seal rows are sent
 * once, in their binary form, instead of twice as text arrays the server
 * parses and hex-decodes (and the arrays' statements cost the server more
 * per row than the COPY).  A COPY cannot wait in the pipeline and costs two
 * round trips of its own, so a small flush (every ordinary operation's)
 * keeps the pipelined statements below. */
#define SEAL_COPY_MIN 1024

static void copy_i16(fort_buf *b, int v)
{
	unsigned char x[2] = { (unsigned char)(v >> 8), (unsigned char)v };
	fort_buf_put(b, x, 2);
}

/* A field of a binary COPY row: its length (32 bits) then its bytes. */
static void copy_field(fort_buf *b, const void *p, size_t n)
{
	unsigned char x[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8), (unsigned char)n };
	fort_buf_put(b, x, 4);
	fort_buf_put(b, p, n);
}

static void copy_i64(fort_buf *b, int64_t v)
{
	unsigned char x[8];
	for (int k = 0; k < 8; k++)
		x[k] = (unsigned char)((uint64_t)v >> (56 - 8 * k));
	copy_field(b, x, 8);
}

static int copy_send(store *s, fort_buf *b)
{
	int r = fort_buf_error(b);
	if (r == 0 && b->len && PQputCopyData(s->c, b->buf, (int)b->len) != 1)
		r = fort_error_set(FORT_EIO, "sealing the change: PostgreSQL: %.300s", PQerrorMessage(s->c));
	fort_buf_reset(b);
	return r;
}

#define HEADS_SP_MAX 32

/* The seal heads of the touched rows [LO, HI) (sorted, distinct, hashes
 * known) upserted under SEQ, SEAL_CHUNK a statement in the pipeline (the
 * commit's sync reads the answers), as binary arrays. */
static int heads_upsert(store *s, int64_t seq, size_t lo, size_t hi)
{
	static const uint32_t oid[3] = { OID_TEXT, OID_INT8, OID_BYTEA };
	struct barr a[3];
	int r = 0;
	for (int k = 0; k < 3; k++)
		fort_buf_init(&a[k].b, 0);
	for (size_t i0 = lo; i0 < hi && r == 0; i0 += SEAL_CHUNK) {
		size_t i1 = hi - i0 < SEAL_CHUNK ? hi : i0 + SEAL_CHUNK;
		pa p[4] = { PI(seq) };
		for (int k = 0; k < 3; k++)
			barr_start(&a[k], oid[k]);
		for (size_t i = i0; i < i1; i++) {
			const char *tn = tname(s->touch[i].tbl);
			barr_bytes(&a[0], tn, strlen(tn));
			barr_i64(&a[1], s->touch[i].id);
			barr_bytes(&a[2], s->touch[i].hash, 32);
		}
		for (int k = 0; k < 3 && r == 0; k++)
			r = barr_end(&a[k], &p[1 + k]);
		if (r == 0 && !pq_send(s, "sealing the change", 0,
				       "INSERT INTO seal_head(seq, tbl, id, hash) SELECT $1, t, i, h"
				       " FROM unnest($2::text[], $3::bigint[], $4::bytea[]) AS u(t, i, h)"
				       " ON CONFLICT(tbl, id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
				       p, 4, PQ_PLAIN))
			r = fort_error_code() ? fort_error_code() : FORT_ERROR;
	}
	for (int k = 0; k < 3; k++)
		fort_buf_release(&a[k].b);
	return r;
}

/* The N touched rows (sorted, distinct, hashes known) as seal_log's packs
 * through COPY, then their seal heads (by COPY, or the upsert that waits in
 * the pipeline for the commit's sync). */
static int seal_copy(store *s, int64_t seq, size_t n, crypto_generichash_state *dg)
{
	static const unsigned char sig[11] = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0 };
	fort_buf b, pk;
	PGresult *res;
	int r = 0;
	res = PQexec(s->c, "COPY seal_log(rowid, seq, seals) FROM STDIN (FORMAT binary)");
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		r = pg_error(s, res, "sealing the change");
		PQclear(res);
		return r;
	}
	PQclear(res);
	fort_buf_init(&b, 0);
	fort_buf_init(&pk, 0);
	fort_buf_put(&b, sig, sizeof sig);
	fort_buf_put(&b, "\0\0\0\0\0\0\0\0", 8); /* flags, header extension length */
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct seal_touch *t = &s->touch[i];
		seal_digest_add(dg, tname(t->tbl), t->id, t->hash);
		pack_put(&pk, t->tbl, t->id, t->hash);
		if ((i + 1) % PACK_MAX && i + 1 < n)
			continue;
		/* a pack cut short by a failed allocation is not sent (the
		 * reset below would forget the failure) */
		if ((r = fort_buf_error(&pk)) < 0)
			break;
		copy_i16(&b, 3);
		copy_i64(&b, SEAL_ROWID(seq, i - i % PACK_MAX));
		copy_i64(&b, seq);
		copy_field(&b, pk.buf, pk.len);
		fort_buf_reset(&pk);
		if (b.len >= 65536)
			r = copy_send(s, &b);
	}
	fort_buf_release(&pk);
	if (r == 0) {
		copy_i16(&b, -1);
		r = copy_send(s, &b);
	}
	fort_buf_release(&b);
	/* a failure above ends the COPY with an error: the server refuses it
	 * and the transaction, which the caller rolls back */
	if (PQputCopyEnd(s->c, r < 0 ? "the seals could not be sent" : NULL) != 1 && r == 0)
		r = fort_error_set(FORT_EIO, "sealing the change: PostgreSQL: %.300s", PQerrorMessage(s->c));
	while ((res = PQgetResult(s->c))) {
		if (r == 0 && PQresultStatus(res) != PGRES_COMMAND_OK)
			r = pg_error(s, res, "sealing the change");
		PQclear(res);
	}
	if (r < 0)
		return r;
	size_t u0 = 0, u1 = n; /* the heads the upsert writes */
	/* the search groups among the rows (touch[] is in table order: one
	 * run, [b0, b1)); a group sealed by an earlier flush of this
	 * transaction (a long import's, every SEAL_BATCH rows) has a head
	 * already, so once one has, the groups are upserted and only the
	 * other rows go in plainly */
	size_t b0 = n, b1 = n;
	for (size_t i = 0; i < n; i++)
		if (s->touch[i].tbl == T_BLIND) {
			if (b0 == n)
				b0 = i;
			b1 = i + 1;
		}
	int split = s->heads_blind && b0 < b1;
	if (b0 < b1)
		s->heads_blind = 1;
	if (s->bulk && s->heads_sp < HEADS_SP_MAX && !(split && b0 == 0 && b1 == n)) {
		/* An import's rows are new (client ids above every one used,
		 * erased ones included; index entries of those clients), so
		 * their heads are too: a plain INSERT costs the server about half
		 * of the upsert's work (no arbiter probe, no speculative
		 * insertion).  A head that exists after all (a row put back, an
		 * id used before, a search group of a long import's earlier
		 * flush when the split above did not apply) refuses it with a
		 * unique violation: the savepoint takes that back and the upsert
		 * below does the work, the same heads as always.  Four to six
		 * round trips of its own (the savepoint, two per COPY, the
		 * release).  Each
		 * savepoint that writes is a subtransaction; past 64 in one
		 * transaction PostgreSQL's per-backend cache of them overflows
		 * and every other session's snapshot checks slow down, so a long
		 * import (a flush per SEAL_BATCH touches) upserts after
		 * HEADS_SP_MAX of them. */
		/* the ranges inserted plainly: all, or around the groups; by
		 * COPY (an INSERT ... SELECT of the log's rows just copied read
		 * each back through seal_log's index: a fifth of the flush's
		 * server work under the writers' lock) */
		size_t lo[2] = { 0, split ? b1 : n }, hi[2] = { split ? b0 : n, n };
		s->heads_sp++;
		if ((r = exec_plain(s, "SAVEPOINT fort_heads", "sealing the change")) < 0)
			return r;
		fort_buf_init(&b, 0);
		for (int k = 0; k < 2 && r == 0; k++) {
			if (lo[k] >= hi[k])
				continue;
			fort_buf_reset(&b);
			for (size_t i = lo[k]; i < hi[k]; i++) {
				const struct seal_touch *t = &s->touch[i];
				const char *tn = tname(t->tbl);
				copy_i16(&b, 4);
				copy_i64(&b, seq);
				copy_field(&b, tn, strlen(tn));
				copy_i64(&b, t->id);
				copy_field(&b, t->hash, 32);
			}
			r = copy_rows(s, "COPY seal_head(seq, tbl, id, hash) FROM STDIN (FORMAT binary)", &b, "sealing the change", NULL);
		}
		fort_buf_release(&b);
		if (r == 0)
			r = exec_plain(s, "RELEASE SAVEPOINT fort_heads", "sealing the change");
		if (r == 0) {
			if (!split)
				return 0;
			/* the groups' heads: the upsert below, for their range */
			u0 = b0;
			u1 = b1;
			goto upsert;
		}
		if (r != FORT_EEXISTS)
			return r;
		fort_error_clear();
		if ((r = exec_plain(s, "ROLLBACK TO SAVEPOINT fort_heads", "sealing the change")) < 0)
			return r;
	}
upsert:
	return heads_upsert(s, seq, u0, u1);
}

int pg_store_seal_flush(store *s, int64_t seq, unsigned char digest[32], int *any)
{
	crypto_generichash_state dg;
	struct barr pp;
	fort_buf pk;
	size_t n = 0;
	int r = 0;
	*any = 0;
	memset(digest, 0, 32);
	LOCKED(s);
	if (s->touch_lost)
		return fort_error_set(FORT_ENOMEM, "out of memory while sealing the change: nothing was changed");
	if ((r = pq_sync(s)) < 0)
		return r;
	if (!s->ntouch)
		return 0;
	qsort(s->touch, s->ntouch, sizeof *s->touch, touch_cmp);
	for (size_t i = 0; i < s->ntouch; i++)
		if (n == 0 || touch_cmp(&s->touch[n - 1], &s->touch[i]) != 0)
			s->touch[n++] = s->touch[i];
	if (seq < 1 || seq > SEAL_SEQ_MAX || (int64_t)n > SEAL_PER_SEQ_MAX)
		return fort_error_set(FORT_ERROR, "cannot seal %zu rows under audit entry %lld: nothing was changed", n, (long long)seq);
	if ((r = blind_groups_hash(s, n)) < 0)
		return r;
	seal_digest_start(&dg);
	fort_buf_init(&pp.b, 0);
	fort_buf_init(&pk, 0);
	if (n >= SEAL_COPY_MIN) {
		/* every hash first: a row hashed by reading it is a statement,
		 * which cannot run while the COPY is open */
		for (size_t i = 0; i < n && r == 0; i++)
			if (!s->touch[i].known && (r = row_hash(s, s->touch[i].tbl, s->touch[i].id, s->touch[i].h, s->touch[i].client,
								  s->touch[i].hash)) == 0)
				s->touch[i].known = 1;
		if (r == 0)
			r = seal_copy(s, seq, n, &dg);
		n = 0; /* sent */
	}
	for (size_t i0 = 0; i0 < n && r == 0; i0 += SEAL_CHUNK) {
		size_t m = n - i0 < SEAL_CHUNK ? n - i0 : SEAL_CHUNK;
		barr_start(&pp, OID_BYTEA);
		for (size_t i = i0; i < i0 + m; i++) {
			struct seal_touch *t = &s->touch[i];
			if (!t->known) {
				if ((r = row_hash(s, t->tbl, t->id, t->h, t->client, t->hash)) < 0)
					break;
				t->known = 1;
			}
			seal_digest_add(&dg, tname(t->tbl), t->id, t->hash);
			pack_put(&pk, t->tbl, t->id, t->hash);
			if ((i + 1 - i0) % PACK_MAX == 0 || i + 1 == i0 + m) {
				/* checked before the reset forgets a failure */
				if ((r = fort_buf_error(&pk)) < 0)
					break;
				barr_bytes(&pp, pk.buf, pk.len);
				fort_buf_reset(&pk);
			}
		}
		if (r < 0)
			break;
		/* the chunk's packs by one statement, its heads by another,
		 * both in the pipeline: pack j's rowid is SEAL_ROWID(seq, i0 +
		 * j * PACK_MAX), its first seal's */
		pa a[3] = { PI(seq), PI(i0) };
		if ((r = barr_end(&pp, &a[2])) < 0)
			break;
		if (!pq_send(s, "sealing the change", 0,
			     "INSERT INTO seal_log(rowid, seq, seals) SELECT ($1::bigint << 32) + $2::bigint + (o - 1) * 64, $1, p"
			     " FROM unnest($3::bytea[]) WITH ORDINALITY AS u(p, o)",
			     a, 3, PQ_PLAIN)) {
			r = fort_error_code() ? fort_error_code() : FORT_ERROR;
			break;
		}
		if ((r = heads_upsert(s, seq, i0, i0 + m)) < 0)
			break;
	}
	if (r == 0)
		r = pq_sync(s);
	fort_buf_release(&pp.b);
	fort_buf_release(&pk);
	if (r < 0)
		return r;
	crypto_generichash_final(&dg, digest, 32);
	touch_clear(s);
	*any = 1;
	return 0;
}

struct seal_tuple {
	int tbl; /* -1: not a sealed table's number, or a tuple cut short */
	int64_t id;
	unsigned char hash[32];
};

static int seal_tuple_cmp(const void *a, const void *b)
{
	const struct seal_tuple *x = a, *y = b;
	if (x->tbl != y->tbl) {
		if (x->tbl < 0 || y->tbl < 0)
			return x->tbl < 0 ? 1 : -1;
		return strcmp(tname(x->tbl), tname(y->tbl));
	}
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The digest of SEQ's seals as the flush made it (touch_cmp's order: table
 * name, id), from its packs.  A tuple that is not one (cut short, a table
 * number no sealed table has) goes into the digest as what no flush
 * writes, so the entry's digest does not match: tamper, named by `audit
 * verify`. */
int pg_store_seal_digest(store *s, int64_t seq, unsigned char digest[32], uint64_t *nout)
{
	crypto_generichash_state dg;
	struct seal_tuple *t = NULL;
	size_t nt = 0, cap = 0;
	PGresult *res;
	int n, r = 0;
	*nout = 0;
	memset(digest, 0, 32);
	if (seq < 1 || seq > SEAL_SEQ_MAX)
		return 0;
	pa a[3] = { PI(SEAL_ROWID(seq, 0)), PI(SEAL_ROWID(seq, SEAL_PER_SEQ_MAX)), PI(seq) };
	if ((n = run(s, "reading the seals", "SELECT seals FROM seal_log WHERE rowid BETWEEN $1 AND $2 AND seq = $3", a, 3, &res)) < 0)
		return n;
	for (int i = 0; i < n && r == 0; i++) {
		const unsigned char *p = gb(res, i, 0);
		size_t len = glen(res, i, 0), m = pack_count(len);
		if (FORT_ARRAY_GROW(t, nt + m, cap, 64) < 0) {
			r = fort_error_set(FORT_ENOMEM, "out of memory");
			break;
		}
		for (size_t k = 0; k < m; k++, nt++)
			if (pack_get(p, len, k, &t[nt].tbl, &t[nt].id, t[nt].hash) < 0) {
				t[nt].tbl = -1;
				t[nt].id = 0;
				memset(t[nt].hash, 0xff, 32);
			}
	}
	PQclear(res);
	if (r < 0) {
		free(t);
		return r;
	}
	if (nt > 1)
		qsort(t, nt, sizeof *t, seal_tuple_cmp);
	seal_digest_start(&dg);
	for (size_t i = 0; i < nt; i++)
		seal_digest_add(&dg, t[i].tbl < 0 ? "?" : tname(t[i].tbl), t[i].id, t[i].hash);
	*nout = (uint64_t)nt;
	free(t);
	if (nt)
		crypto_generichash_final(&dg, digest, 32);
	return 0;
}

int pg_store_seal_count(store *s, uint64_t *n)
{
	return count(s, "SELECT coalesce(sum((length(seals) + 40) / 41), 0) FROM seal_log", n);
}

int pg_store_seal_heads_check(store *s, store_seal_check *out, int *differ)
{
	PGresult *res;
	int n;
	*differ = 0;
	memset(out, 0, sizeof *out);
	n = run(s, "checking the seals",
		"SELECT coalesce(l.tbl, h.tbl), coalesce(l.id, h.id), h.hash, l.hash, l.seq"
		" FROM (SELECT DISTINCT ON (tn, id) (" PACK_TBL_SQL ")[tn + 1] AS tbl, tn, id, seq, hash FROM (" PACK_UNNEST ") AS t"
		" ORDER BY tn, id, seq DESC) AS l"
		" FULL JOIN seal_head AS h ON h.tbl = l.tbl AND h.id = l.id"
		" WHERE h.tbl IS NULL OR l.tbl IS NULL OR h.seq IS DISTINCT FROM l.seq OR h.hash IS DISTINCT FROM l.hash LIMIT 1",
		NULL, 0, &res);
	if (n > 0) {
		unsigned char now[32] = { 0 }, sealed[32];
		int t = table_index(gt(res, 0, 0));
		int found = !gnull(res, 0, 3);
		*differ = 1;
		out->table = t >= 0 ? tname(t) : NULL;
		out->id = gi(res, 0, 1);
		out->seq = gi(res, 0, 4);
		if (!gnull(res, 0, 2)) {
			memset(now, 0xff, 32);
			if (glen(res, 0, 2) == 32)
				memcpy(now, gb(res, 0, 2), 32);
		}
		memset(sealed, 0xff, 32);
		if (found && glen(res, 0, 3) == 32)
			memcpy(sealed, gb(res, 0, 3), 32);
		out->state = seal_verdict(now, found, sealed);
	}
	PQclear(res);
	return n < 0 ? n : 0;
}

int pg_store_seal_row(store *s, const char *table, int64_t id, store_seal_check *out)
{
	int t = table_index(table);
	if (t < 0 || t == T_BLIND || t == T_UNIQ)
		return fort_error_set(FORT_ERROR, "'%s' is not a sealed table", table);
	return seal_state_known(s, t, id, NULL, 0, NULL, out);
}

int pg_store_seal_index(store *s, const unsigned char h[STORE_BIDX_LEN], int unique, int64_t client, store_seal_check *out)
{
	int t = unique ? T_UNIQ : T_BLIND;
	return seal_state_known(s, t, index_id(t, h, client), t == T_UNIQ ? h : NULL, client, NULL, out);
}

void pg_store_seal_enforce(store *s, int on)
{
	s->enforce = on;
	s->scanned = 0;
}

static void seal_rows_sql(char *sql, size_t cap, int t)
{
	if (t == T_UNIQ)
		snprintf(sql, cap, "SELECT h, client FROM %s", tname(t));
	else if (t == T_BLIND)
		snprintf(sql, cap, "SELECT DISTINCT client FROM blind");
	else if (t == T_META) {
		char keys[400];
		store_meta_sealed_sql(keys, sizeof keys);
		snprintf(sql, cap, "SELECT rowid FROM meta WHERE k IN (%s)", keys);
	} else if (group_order[t])
		snprintf(sql, cap, "SELECT DISTINCT %s FROM %s", id_col[t], tname(t));
	else
		snprintf(sql, cap, "SELECT %s FROM %s", id_col[t], tname(t));
}

/* The rows of a table hashed whole by id (not an index, not a group),
 * each joined to its seal head, SEAL_SCAN_ROWS per statement in id order
 * (a statement for the rows instead of two per row: every command checks
 * meta's sealed rows whole).  Each row's verdict as seal_state_known's;
 * *IDS gets every id (for the check of seals whose row is gone). */
#define SEAL_SCAN_ROWS 1000
static int seal_scan_rows(store *s, int t, store_seal_cb cb, void *ctx, int64_t **ids, size_t *nids)
{
	char sql[768], keys[400] = "";
	size_t cap = 0;
	int64_t after = INT64_MIN;
	int n, r = 0;
	if (t == T_META) {
		store_meta_sealed_sql(keys, sizeof keys);
		snprintf(sql, sizeof sql, "SELECT x.*, sh.hash, sh.seq FROM meta x LEFT JOIN seal_head sh ON sh.tbl = 'meta' AND sh.id = x.rowid"
			 " WHERE x.rowid > $1 AND x.k IN (%s) ORDER BY x.rowid LIMIT %d", keys, SEAL_SCAN_ROWS);
	} else {
		snprintf(sql, sizeof sql, "SELECT x.*, sh.hash, sh.seq FROM %s x LEFT JOIN seal_head sh ON sh.tbl = '%s' AND sh.id = x.%s"
			 " WHERE x.%s > $1 ORDER BY x.%s LIMIT %d", tname(t), tname(t), id_col[t], id_col[t], id_col[t], SEAL_SCAN_ROWS);
	}
	do {
		PGresult *res;
		int nc, idc;
		pa a[1] = { PI(after) };
		if ((n = run(s, "checking the seals", sql, a, 1, &res)) < 0)
			return n;
		nc = PQnfields(res) - 2;
		idc = PQfnumber(res, id_col[t]);
		if (n && (idc < 0 || FORT_ARRAY_GROW(*ids, *nids + (size_t)n, cap, 64) < 0)) {
			PQclear(res);
			return idc < 0 ? fort_error_set(FORT_ERROR, "checking the seals: %s has no column %s", tname(t), id_col[t])
				       : fort_error_set(FORT_ENOMEM, "out of memory");
		}
		for (int i = 0; i < n && r == 0; i++) {
			store_seal_check c = { .table = tname(t), .id = gi(res, i, idc) };
			unsigned char now[32];
			(*ids)[(*nids)++] = after = c.id;
			if (pending_at(s, t, c.id))
				continue;
			hash_of_cols(now, t, c.id, res, i, nc);
			seal_verdict_cols(&c, now, res, i, nc);
			if (c.state == STORE_SEAL_OK)
				continue;
			if (t == T_META)
				snprintf(c.key, sizeof c.key, "%s", gt(res, i, 1));
			r = cb(ctx, &c);
		}
		PQclear(res);
	} while (r == 0 && n == SEAL_SCAN_ROWS);
	return r;
}

int pg_store_seal_scan(store *s, const char *table, store_seal_cb cb, void *ctx)
{
	int t = table_index(table), n, r = 0;
	PGresult *res;
	int64_t *ids = NULL;
	size_t nids = 0;
	char sql[512];
	store_seal_check c;
	if (t < 0)
		return fort_error_set(FORT_ERROR, "'%s' is not a sealed table", table);
	if (t == T_BLIND && (r = blind_per_entry(s)) != 0) {
		/* not yet regrouped (the next unlock does it): per entry */
		uint64_t nc;
		size_t k;
		if (r < 0)
			return r;
		r = blind_entry_check(s, cb, ctx, &ids, &k, &nc);
		free(ids);
		return r;
	}
	if (t != T_UNIQ && t != T_BLIND && !group_order[t]) {
		if ((r = seal_scan_rows(s, t, cb, ctx, &ids, &nids)) != 0)
			goto out;
		goto heads;
	}
	seal_rows_sql(sql, sizeof sql, t);
	if ((n = run(s, "checking the seals", sql, NULL, 0, &res)) < 0)
		return n;
	if (n && !(ids = calloc((size_t)n, sizeof *ids))) {
		PQclear(res);
		return fort_error_set(FORT_ENOMEM, "out of memory");
	}
	for (int i = 0; i < n && r == 0; i++) {
		unsigned char h[STORE_BIDX_LEN] = { 0 };
		int64_t client = 0, id;
		if (t == T_UNIQ) {
			if (glen(res, i, 0) == STORE_BIDX_LEN)
				memcpy(h, gb(res, i, 0), STORE_BIDX_LEN);
			client = gi(res, i, 1);
			id = index_id(t, h, client);
		} else {
			id = gi(res, i, 0);
		}
		ids[nids++] = id;
		if ((r = seal_state_known(s, t, id, h, client, NULL, &c)) == 0 && c.state != STORE_SEAL_OK)
			r = cb(ctx, &c);
	}
	PQclear(res);
	if (r != 0)
		goto out;
heads:
	if (nids)
		qsort(ids, nids, sizeof *ids, seal_id_cmp);
	{
		pa a[1] = { PT(tname(t)) };
		if ((n = run(s, "checking the seals", "SELECT id, hash, seq FROM seal_head WHERE tbl = $1", a, 1, &res)) < 0) {
			r = n;
			goto out;
		}
	}
	for (int i = 0; i < n && r == 0; i++) {
		int64_t id = gi(res, i, 0);
		int live = glen(res, i, 1) != 32 || !seal_is_zero32(gb(res, i, 1));
		if (live && !(nids && bsearch(&id, ids, nids, sizeof *ids, seal_id_cmp)) && !pending_at(s, t, id)) {
			c.table = tname(t);
			c.id = id;
			c.seq = gi(res, i, 2);
			c.state = STORE_SEAL_REMOVED;
			c.key[0] = '\0';
			r = cb(ctx, &c);
		}
	}
	PQclear(res);
out:
	free(ids);
	return r;
}

int pg_store_seal_require_row(store *s, const char *table, int64_t id)
{
	int t = table_index(table);
	store_seal_check c;
	int r;
	if (t < 0 || t == T_BLIND || t == T_UNIQ)
		return fort_error_set(FORT_ERROR, "'%s' is not a sealed table", table);
	if (!s->enforce)
		return 0;
	if ((r = seal_state_known(s, t, id, NULL, 0, NULL, &c)) < 0)
		return r;
	return c.state == STORE_SEAL_OK ? 0 : seal_fail(&c, 0);
}

void pg_store_seal_note(store *s, const char *table, int64_t id)
{
	int t = table_index(table);
	if (t >= 0 && t != T_BLIND && t != T_UNIQ)
		touch_put(s, t, id, NULL, 0, NULL);
}

int pg_store_seal_require(store *s, const char *table)
{
	int t = table_index(table);
	if (t < 0)
		return fort_error_set(FORT_ERROR, "'%s' is not a sealed table", table);
	return seal_require_table(s, t);
}

/* A table added to the seals after vaults were sealed (user_totp): its
 * rows noted as they stand, unless the log holds seals of it already. */
int pg_store_seal_adopt(store *s, const char *table, uint64_t *rows, uint64_t *seals)
{
	int t = table_index(table), n;
	PGresult *res;
	char sql[512];
	*rows = *seals = 0;
	if (t < 0 || t == T_BLIND || t == T_UNIQ || group_order[t])
		return fort_error_set(FORT_ERROR, "'%s' cannot be adopted into the seals", table);
	{
		pa a[1] = { PI(t) };
		if ((n = run(s, "sealing the vault", "SELECT count(*) FROM (" PACK_UNNEST ") AS u WHERE tn = $1", a, 1, &res)) < 0)
			return n;
		if (n > 0)
			*seals = (uint64_t)gi(res, 0, 0);
		PQclear(res);
	}
	if (*seals)
		return 0;
	seal_rows_sql(sql, sizeof sql, t);
	if ((n = run(s, "sealing the vault", sql, NULL, 0, &res)) < 0)
		return n;
	for (int i = 0; i < n; i++) {
		touch_put(s, t, gi(res, i, 0), NULL, 0, NULL);
		(*rows)++;
	}
	PQclear(res);
	return s->touch_lost ? fort_error_set(FORT_ENOMEM, "out of memory while sealing the vault") : 0;
}

/* sqlite.c's store_index_seal_regroup: the entries and the old per-entry
 * seals compared in memory (their ids are hashes computed here). */
static int head_find(const PGresult *res, int m, int64_t id)
{
	int lo = 0, hi = m - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		int64_t x = gi(res, mid, 0);
		if (x == id)
			return mid;
		if (x < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* The search entries against their per-entry seals (sqlite.c's
 * blind_entry_check): CB for each that differs; IDS, N, CLIENTS. */
static int blind_entry_check(store *s, store_seal_cb cb, void *ctx, int64_t **ids_out, size_t *n_out, uint64_t *clients)
{
	PGresult *rb = NULL, *rh = NULL;
	int64_t *ids = NULL;
	int n, m, r = 0;
	size_t k = 0;
	store_seal_check c;
	*ids_out = NULL;
	*n_out = 0;
	*clients = 0;
	if ((n = run(s, "checking the search index's seals", "SELECT h, client FROM blind ORDER BY client, h", NULL, 0, &rb)) < 0)
		return n;
	if ((m = run(s, "checking the search index's seals", "SELECT id, hash, seq FROM seal_head WHERE tbl = 'blind' ORDER BY id",
		     NULL, 0, &rh)) < 0) {
		r = m;
		goto out;
	}
	if (n && !(ids = calloc((size_t)n, sizeof *ids))) {
		r = fort_error_set(FORT_ENOMEM, "out of memory");
		goto out;
	}
	c.table = tname(T_BLIND);
	c.key[0] = '\0';
	for (int i = 0; i < n && r == 0; i++) {
		unsigned char h[STORE_BIDX_LEN] = { 0 }, now[32], sealed[32];
		int64_t client = gi(rb, i, 1), id;
		int at;
		if (glen(rb, i, 0) == STORE_BIDX_LEN)
			memcpy(h, gb(rb, i, 0), STORE_BIDX_LEN);
		id = seal_index_id(tname(T_BLIND), 1, h, client);
		seal_hash_index(now, tname(T_BLIND), h, client);
		at = head_find(rh, m, id);
		c.id = client;
		c.seq = at < 0 ? 0 : gi(rh, at, 2);
		memset(sealed, 0xff, 32);
		if (at >= 0 && glen(rh, at, 1) == 32)
			memcpy(sealed, gb(rh, at, 1), 32);
		if ((c.state = seal_verdict(now, at >= 0, sealed)) != STORE_SEAL_OK)
			r = cb(ctx, &c);
		ids[k++] = id;
		if (i == 0 || client != gi(rb, i - 1, 1))
			(*clients)++;
	}
	if (k)
		qsort(ids, k, sizeof *ids, seal_id_cmp);
	for (int i = 0; i < m && r == 0; i++) {
		int64_t id = gi(rh, i, 0);
		if (glen(rh, i, 1) == 32 && seal_is_zero32(gb(rh, i, 1)))
			continue;
		if (!(k && bsearch(&id, ids, k, sizeof *ids, seal_id_cmp))) {
			c.id = 0;
			c.seq = gi(rh, i, 2);
			c.state = STORE_SEAL_REMOVED;
			r = cb(ctx, &c);
		}
	}
out:
	PQclear(rb);
	PQclear(rh);
	if (r != 0) {
		free(ids);
		return r;
	}
	*ids_out = ids;
	*n_out = k;
	return 0;
}

static int blind_per_entry(store *s)
{
	PGresult *res;
	int n = run(s, "reading vault metadata", "SELECT 1 FROM meta WHERE k = 'index_seal' AND v = 'entry'::bytea", NULL, 0, &res);
	PQclear(res);
	return n < 0 ? n : n > 0;
}

int pg_store_index_seal_regroup(store *s, uint64_t *entries, uint64_t *clients)
{
	static const unsigned char gone[32];
	PGresult *res = NULL;
	int64_t *ids = NULL;
	size_t k = 0;
	int n, r;
	*entries = 0;
	if ((r = blind_entry_check(s, seal_scan_first, NULL, &ids, &k, clients)) != 0)
		return r < 0 ? r : FORT_ETAMPER;
	for (size_t i = 0; i < k && r == 0; i++) {
		touch_put(s, T_BLIND, ids[i], NULL, 0, gone);
		r = seal_checkpoint(s);
	}
	if (r == 0 && (n = run(s, "regrouping the search index's seals", "SELECT DISTINCT client FROM blind", NULL, 0, &res)) < 0)
		r = n;
	for (int i = 0; r == 0 && res && i < PQntuples(res); i++) {
		touch_put(s, T_BLIND, gi(res, i, 0), NULL, gi(res, i, 0), NULL);
		r = seal_checkpoint(s);
	}
	PQclear(res);
	free(ids);
	*entries = k;
	if (r == 0 && s->touch_lost)
		r = fort_error_set(FORT_ENOMEM, "out of memory while regrouping the search index's seals");
	return r;
}

int pg_store_seal_touch_all(store *s)
{
	for (int t = 0; t < T__COUNT; t++) {
		PGresult *res;
		char sql[512];
		int n;
		seal_rows_sql(sql, sizeof sql, t);
		if ((n = run(s, "sealing the vault", sql, NULL, 0, &res)) < 0)
			return n;
		for (int i = 0; i < n; i++) {
			if (t == T_UNIQ) {
				if (glen(res, i, 0) == STORE_BIDX_LEN)
					touch_put(s, t, index_id(t, gb(res, i, 0), gi(res, i, 1)), gb(res, i, 0), gi(res, i, 1), NULL);
			} else {
				touch_put(s, t, gi(res, i, 0), NULL, 0, NULL);
			}
		}
		PQclear(res);
	}
	return s->touch_lost ? fort_error_set(FORT_ENOMEM, "out of memory while sealing the vault") : 0;
}

/* --------------------------------------------------------------- consent */

int pg_store_consent_append(store *s, const store_consent_row *c)
{
	pa a[13] = { PI(c->seq), PI(c->client), PT(c->purpose), PT(c->action), PI(c->ts), PT(c->channel), PT(c->recorded_by),
		     PT(c->language), PT(c->notice), PT(c->evidence_hash), c->evidence ? PB(c->evidence, c->evidence_len) : PN,
		     PB(c->prev, 32), PB(c->hash, 32) };
	int n = run(s, "writing the consent ledger",
		    "INSERT INTO consent(seq, client, purpose, action, ts, channel, recorded_by, language, notice, evidence_hash, evidence,"
		    " prev, hash) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)", a, 13, NULL);
	if (n < 0)
		return n;
	touch_put(s, T_CONSENT, c->seq, NULL, 0, NULL);
	return 0;
}

int pg_store_consent_each(store *s, int64_t client, store_consent_cb cb, void *ctx)
{
	PGresult *res;
	pa a[1] = { PI(client) };
	int r, n;
	if ((r = seal_require_table(s, T_CONSENT)) < 0)
		return r;
	n = client ? run(s, "reading the consent ledger", "SELECT seq, client, purpose, action, ts, channel, recorded_by, language, notice,"
			 " evidence_hash, evidence, prev, hash FROM consent WHERE client = $1 ORDER BY seq", a, 1, &res)
		   : run(s, "reading the consent ledger", "SELECT seq, client, purpose, action, ts, channel, recorded_by, language, notice,"
			 " evidence_hash, evidence, prev, hash FROM consent ORDER BY seq", NULL, 0, &res);
	for (int i = 0; i < n && r == 0; i++) {
		store_consent_row c;
		memset(&c, 0, sizeof c);
		c.seq = gi(res, i, 0);
		c.client = gi(res, i, 1);
		c.purpose = gt(res, i, 2);
		c.action = gt(res, i, 3);
		c.ts = gi(res, i, 4);
		c.channel = gt(res, i, 5);
		c.recorded_by = gt(res, i, 6);
		c.language = gt(res, i, 7);
		c.notice = gt(res, i, 8);
		c.evidence_hash = gt(res, i, 9);
		if (!gnull(res, i, 10)) {
			c.evidence = gb(res, i, 10);
			c.evidence_len = glen(res, i, 10);
		}
		bfixed(c.prev, 32, res, i, 11);
		bfixed(c.hash, 32, res, i, 12);
		r = cb(ctx, &c);
	}
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_consent_tail(store *s, int64_t *seq, unsigned char hash[32])
{
	PGresult *res;
	int n = run(s, "reading the consent ledger", "SELECT seq, hash FROM consent ORDER BY seq DESC LIMIT 1", NULL, 0, &res), r = 0;
	if (n == 0)
		r = FORT_ENOTFOUND;
	else if (n > 0) {
		*seq = gi(res, 0, 0);
		bfixed(hash, 32, res, 0, 1);
	}
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_notice_put(store *s, const char *hash, const char *language, const void *text, size_t len, int64_t ts)
{
	pa a[4] = { PT(hash), PT(language), PB(text, len), PI(ts) };
	int n = run(s, "storing a notice",
		    "INSERT INTO notices(hash, language, text, created) VALUES($1,$2,$3,$4) ON CONFLICT DO NOTHING", a, 4, NULL);
	return n < 0 ? n : 0;
}

int pg_store_notice_get(store *s, const char *hash, const char *language, char *hash_out, unsigned char **text, size_t *len)
{
	PGresult *res;
	pa a[1] = { PT(hash ? hash : language) };
	int n = run(s, "reading a notice", hash ? "SELECT hash, text FROM notices WHERE hash = $1"
						: "SELECT hash, text FROM notices WHERE language = $1 ORDER BY created DESC, rowid DESC LIMIT 1",
		    a, 1, &res), r = 0;
	if (n == 0)
		r = FORT_ENOTFOUND;
	else if (n > 0) {
		snprintf(hash_out, 65, "%s", gt(res, 0, 0));
		r = text ? bdup(text, len, res, 0, 1) : 0;
	}
	PQclear(res);
	return n < 0 ? n : r;
}

/* ----------------------------------------------------------------- holds */

int pg_store_hold_put(store *s, int64_t client, const char *field, const char *until, const char *reason, int64_t request)
{
	pa a[5] = { PI(client), PT(field), PT(until), PT(reason), PI(request) };
	int n = run(s, "recording a legal hold",
		    "INSERT INTO holds(client, field, until, reason, request) VALUES($1,$2,$3,$4,$5)"
		    " ON CONFLICT(client, field) DO UPDATE SET until = excluded.until, reason = excluded.reason, request = excluded.request",
		    a, 5, NULL);
	if (n < 0)
		return n;
	touch_put(s, T_HOLDS, client, NULL, 0, NULL);
	return 0;
}

int pg_store_hold_del(store *s, int64_t client, const char *field)
{
	pa a[2] = { PI(client), PT(field) };
	int n = field ? run(s, "ending a legal hold", "DELETE FROM holds WHERE client = $1 AND field = $2", a, 2, NULL)
		      : run(s, "ending a legal hold", "DELETE FROM holds WHERE client = $1", a, 1, NULL);
	if (n < 0)
		return n;
	touch_put(s, T_HOLDS, client, NULL, 0, NULL);
	return 0;
}

int pg_store_hold_each(store *s, const char *until_max, store_hold_cb cb, void *ctx)
{
	PGresult *res;
	pa a[1] = { PT(until_max) };
	int r, n;
	/* holds decide what is erased and when: the whole set is checked */
	if ((r = seal_require_table(s, T_HOLDS)) < 0)
		return r;
	n = until_max ? run(s, "reading legal holds", "SELECT client, field, until, reason, request FROM holds WHERE until <= $1"
			    " ORDER BY until, client", a, 1, &res)
		      : run(s, "reading legal holds", "SELECT client, field, until, reason, request FROM holds ORDER BY until, client",
			    NULL, 0, &res);
	for (int i = 0; i < n && r == 0; i++)
		r = cb(ctx, gi(res, i, 0), gt(res, i, 1), gt(res, i, 2), gt(res, i, 3), gi(res, i, 4));
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_hold_reason(store *s, int64_t client, const char *field, char *reason, size_t cap)
{
	PGresult *res;
	pa a[2] = { PI(client), PT(field) };
	int n = run(s, "reading the legal holds", "SELECT reason FROM holds WHERE client = $1 AND field = $2", a, 2, &res);
	if (cap)
		reason[0] = '\0';
	if (n > 0 && cap)
		snprintf(reason, cap, "%s", gt(res, 0, 0));
	PQclear(res);
	return n < 0 ? n : n > 0;
}

int pg_store_hold_any(store *s, int *any)
{
	int n = run(s, "reading the legal holds", "SELECT 1 FROM holds LIMIT 1", NULL, 0, NULL);
	*any = n > 0;
	return n < 0 ? n : 0;
}

/* ----------------------------------------------------------- attachments */

int pg_store_attach_insert(store *s, store_attachment *a)
{
	PGresult *res;
	pa v[10] = { a->id ? PI(a->id) : PN, PI(a->created), PT(a->actor ? a->actor : ""), PI(a->size), PI(a->cats),
		     PT(a->kvers ? a->kvers : ""), PB(a->wrapped, a->wrapped_len), PB(a->meta, a->meta_len),
		     PB(a->header, a->header_len), PI(a->nchunks) };
	int n = run(s, "storing an attachment",
		    a->id ? "INSERT INTO attachments(id, created, actor, size, cats, kvers, wrapped, meta, header, nchunks)"
			    " VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id"
			  : "INSERT INTO attachments(created, actor, size, cats, kvers, wrapped, meta, header, nchunks)"
			    " VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
		    a->id ? v : v + 1, a->id ? 10 : 9, &res);
	if (n < 0)
		return n;
	a->id = gi(res, 0, 0);
	PQclear(res);
	touch_put(s, T_ATTACHMENTS, a->id, NULL, 0, NULL);
	for (size_t i = 0; i < a->nclients; i++) {
		pa l[2] = { PI(a->id), PI(a->clients[i]) };
		if ((n = run(s, "linking an attachment to a client",
			     "INSERT INTO attachment_clients(att, client) VALUES($1, $2) ON CONFLICT DO NOTHING", l, 2, NULL)) < 0)
			return n;
	}
	if (a->nclients)
		touch_put(s, T_ATTACHMENT_CLIENTS, a->id, NULL, 0, NULL);
	return 0;
}

int pg_store_attach_chunk_put(store *s, int64_t att, uint64_t seq, const void *data, size_t len)
{
	pa a[3] = { PI(att), PI(seq), PB(data, len) };
	pa b[2] = { PI(seq + 1), PI(att) };
	int n;
	if ((n = run(s, "storing an attachment", "INSERT INTO attachment_chunks(att, seq, data) VALUES($1, $2, $3)", a, 3, NULL)) < 0 ||
	    (n = run(s, "storing an attachment", "UPDATE attachments SET nchunks = $1 WHERE id = $2", b, 2, NULL)) < 0)
		return n;
	touch_put(s, T_ATTACHMENTS, att, NULL, 0, NULL);
	return 0;
}

int pg_store_attach_chunk_get(store *s, int64_t att, uint64_t seq, unsigned char **data, size_t *len)
{
	PGresult *res;
	pa a[2] = { PI(att), PI(seq) };
	int n = run(s, "reading an attachment", "SELECT data FROM attachment_chunks WHERE att = $1 AND seq = $2", a, 2, &res), r;
	if (n < 0)
		return n;
	if (n == 0)
		r = fort_error_set(FORT_ECORRUPT, "attachment %lld: part %llu is missing: the vault is damaged", (long long)att,
				   (unsigned long long)seq);
	else
		r = bdup(data, len, res, 0, 0);
	PQclear(res);
	return r;
}

#define ATT_COLS "SELECT id, created, actor, size, cats, kvers, wrapped, meta, header, nchunks FROM attachments"

static int att_row(store *s, store_attachment *a, const PGresult *res, int i)
{
	PGresult *cs;
	size_t cap = 0;
	int r, n;
	memset(a, 0, sizeof *a);
	a->id = gi(res, i, 0);
	a->created = gi(res, i, 1);
	a->size = (uint64_t)gi(res, i, 3);
	a->cats = (unsigned)gi(res, i, 4);
	a->nchunks = (uint64_t)gi(res, i, 9);
	if (!(a->actor = fort_strdup(gt(res, i, 2))) || !(a->kvers = fort_strdup(gt(res, i, 5)))) {
		r = FORT_ENOMEM;
		goto fail;
	}
	if ((r = bdup(&a->wrapped, &a->wrapped_len, res, i, 6)) < 0 || (r = bdup(&a->meta, &a->meta_len, res, i, 7)) < 0 ||
	    (r = bdup(&a->header, &a->header_len, res, i, 8)) < 0)
		goto fail;
	{
		pa k[1] = { PI(a->id) };
		if ((n = run(s, "reading an attachment's clients", "SELECT client FROM attachment_clients WHERE att = $1 ORDER BY client",
			     k, 1, &cs)) < 0) {
			r = n;
			goto fail;
		}
	}
	for (int j = 0; j < n; j++) {
		if ((r = FORT_ARRAY_GROW(a->clients, a->nclients + 1, cap, 4)) < 0) {
			PQclear(cs);
			goto fail;
		}
		a->clients[a->nclients++] = gi(cs, j, 0);
	}
	PQclear(cs);
	return 0;
fail:
	store_attach_release(a);
	return r;
}

int pg_store_attach_get(store *s, store_attachment *out, int64_t id)
{
	PGresult *res;
	pa a[1] = { PI(id) };
	int r, n;
	/* the row and its client links are what the audit log vouches for, or nothing is read */
	if ((r = pg_store_seal_require_row(s, "attachments", id)) < 0 || (r = pg_store_seal_require_row(s, "attachment_clients", id)) < 0)
		return r;
	if ((n = run(s, "reading an attachment", ATT_COLS " WHERE id = $1", a, 1, &res)) < 0)
		return n;
	r = n == 0 ? fort_error_set(FORT_ENOTFOUND, "no attachment %lld ('fortress attachment list' shows them)", (long long)id)
		   : att_row(s, out, res, 0);
	PQclear(res);
	return r;
}

int pg_store_attach_each(store *s, int64_t client, store_attach_cb cb, void *ctx)
{
	PGresult *res;
	pa a[1] = { PI(client) };
	int r, n;
	if ((r = seal_require_table(s, T_ATTACHMENTS)) < 0 || (r = seal_require_table(s, T_ATTACHMENT_CLIENTS)) < 0)
		return r;
	n = client ? run(s, "listing attachments", ATT_COLS " WHERE id IN (SELECT att FROM attachment_clients WHERE client = $1) ORDER BY id",
			 a, 1, &res)
		   : run(s, "listing attachments", ATT_COLS " ORDER BY id", NULL, 0, &res);
	for (int i = 0; i < n && r == 0; i++) {
		store_attachment x;
		if ((r = att_row(s, &x, res, i)) < 0)
			break;
		r = cb(ctx, &x);
		store_attach_release(&x);
	}
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_attach_seal(store *s, const store_attachment *a)
{
	pa v[6] = { PI(a->size), PT(a->kvers), PB(a->wrapped, a->wrapped_len), PB(a->meta, a->meta_len), PB(a->header, a->header_len),
		    PI(a->id) };
	int n = run(s, "storing an attachment", "UPDATE attachments SET size = $1, kvers = $2, wrapped = $3, meta = $4, header = $5 WHERE id = $6",
		    v, 6, NULL);
	if (n > 0)
		touch_put(s, T_ATTACHMENTS, a->id, NULL, 0, NULL);
	return n < 0 ? n : 0;
}

int pg_store_attach_rewrap(store *s, int64_t id, const char *kvers, const void *wrapped, size_t len)
{
	pa v[3] = { PT(kvers), PB(wrapped, len), PI(id) };
	int n = run(s, "re-wrapping an attachment key", "UPDATE attachments SET kvers = $1, wrapped = $2 WHERE id = $3", v, 3, NULL);
	if (n > 0)
		touch_put(s, T_ATTACHMENTS, id, NULL, 0, NULL);
	return n < 0 ? n : 0;
}

int pg_store_attach_delete(store *s, int64_t id)
{
	static const char *const sql[] = {
		"DELETE FROM attachment_chunks WHERE att = $1",
		"DELETE FROM attachment_clients WHERE att = $1",
		"DELETE FROM attachments WHERE id = $1",
	};
	pa a[1] = { PI(id) };
	for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
		int n = run(s, "removing an attachment", sql[i], a, 1, NULL);
		if (n < 0)
			return n;
		if (i == 2 && n > 0)
			touch_put(s, T_ATTACHMENTS, id, NULL, 0, NULL);
	}
	touch_put(s, T_ATTACHMENT_CLIENTS, id, NULL, 0, NULL);
	return 0;
}

int pg_store_attach_unlink(store *s, int64_t att, int64_t client)
{
	pa a[2] = { PI(att), PI(client) };
	int n = run(s, "unlinking an attachment", "DELETE FROM attachment_clients WHERE att = $1 AND client = $2", a, 2, NULL);
	if (n < 0)
		return n;
	touch_put(s, T_ATTACHMENT_CLIENTS, att, NULL, 0, NULL);
	return 0;
}

/* -------------------------------------------- erasures beyond the ledger */

int pg_store_client_purge(store *s, int64_t client, int64_t ts, int *removed)
{
	pa a[1] = { PI(client) };
	int r, n;
	if (removed)
		*removed = 0;
	if ((r = pg_store_blind_del_client(s, client)) < 0)
		return r;
	if ((n = run(s, "erasing a client", "DELETE FROM clients WHERE id = $1", a, 1, NULL)) < 0)
		return n;
	if (n > 0)
		touch_put(s, T_CLIENTS, client, NULL, 0, NULL);
	if (removed)
		*removed = n > 0;
	return pg_store_erased_add(s, client, ts);
}

int pg_store_erased_field_add(store *s, int64_t client, const char *field, int64_t ts)
{
	PGresult *res;
	pa a[3] = { PI(client), PT(field), PI(ts) };
	int n = run(s, "recording a field erasure", "INSERT INTO erased_fields(client, field, ts) VALUES($1,$2,$3) RETURNING id", a, 3, &res);
	if (n < 0)
		return n;
	touch_put(s, T_ERASED_FIELDS, gi(res, 0, 0), NULL, 0, NULL);
	PQclear(res);
	return 0;
}

int pg_store_erased_field_each(store *s, store_erased_field_cb cb, void *ctx)
{
	PGresult *res;
	int r, n;
	if ((r = seal_require_table(s, T_ERASED_FIELDS)) < 0)
		return r;
	n = run(s, "reading the erasure ledger", "SELECT client, field, ts FROM erased_fields ORDER BY id", NULL, 0, &res);
	for (int i = 0; i < n && r == 0; i++)
		r = cb(ctx, gi(res, i, 0), gt(res, i, 1), gi(res, i, 2));
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_erased_field_has(store *s, int64_t client, const char *field, int64_t since)
{
	pa a[3] = { PI(client), PT(field ? field : ""), PI(since) };
	int n = run(s, "reading the erasure ledger", "SELECT 1 FROM erased_fields WHERE client = $1 AND field = $2 AND ts >= $3", a, 3, NULL);
	return n < 0 ? n : n > 0;
}

/* ---------------------------------------------------- incident register */

#define INCIDENT_COLS \
	"SELECT id, title, kind, occurred, aware, state, likelihood, severity, encrypted, key_compromised, hipaa, contact," \
	" decision, decided_by, decided_at, closed, opened_by, created, updated," \
	" (SELECT count(*) FROM incident_notes n WHERE n.incident = i.id AND n.kind = 'timeline')," \
	" (SELECT count(*) FROM incident_notes n WHERE n.incident = i.id AND n.kind = 'fact')," \
	" (SELECT count(*) FROM incident_notes n WHERE n.incident = i.id AND n.kind = 'effect')," \
	" (SELECT count(*) FROM incident_notes n WHERE n.incident = i.id AND n.kind = 'remedy')" \
	" FROM incidents i"

static const char *nz(const char *p) { return p ? p : ""; }

static void incident_row(store_incident *o, const PGresult *res, int i)
{
	memset(o, 0, sizeof *o);
	o->id = gi(res, i, 0);
	snprintf(o->title, sizeof o->title, "%s", gt(res, i, 1));
	snprintf(o->kind, sizeof o->kind, "%s", gt(res, i, 2));
	o->occurred = gi(res, i, 3);
	o->aware = gi(res, i, 4);
	snprintf(o->state, sizeof o->state, "%s", gt(res, i, 5));
	o->likelihood = (int)gi(res, i, 6);
	o->severity = (int)gi(res, i, 7);
	o->encrypted = (int)gi(res, i, 8);
	o->key_compromised = (int)gi(res, i, 9);
	o->hipaa = (int)gi(res, i, 10);
	snprintf(o->contact, sizeof o->contact, "%s", gt(res, i, 11));
	snprintf(o->decision, sizeof o->decision, "%s", gt(res, i, 12));
	snprintf(o->decided_by, sizeof o->decided_by, "%s", gt(res, i, 13));
	o->decided_at = gi(res, i, 14);
	o->closed = gi(res, i, 15);
	snprintf(o->opened_by, sizeof o->opened_by, "%s", gt(res, i, 16));
	o->created = gi(res, i, 17);
	o->updated = gi(res, i, 18);
	o->timeline = (uint64_t)gi(res, i, 19);
	o->facts = (uint64_t)gi(res, i, 20);
	o->effects = (uint64_t)gi(res, i, 21);
	o->remedies = (uint64_t)gi(res, i, 22);
}

/* Run a write to a sealed table that returns the row's id, and note it. */
static int write_id(store *s, int tbl, const char *what, const char *sql, const pa *a, size_t n, int64_t *id)
{
	PGresult *res;
	int k = run(s, what, sql, a, n, &res);
	if (k < 0)
		return k;
	for (int i = 0; i < k; i++)
		touch_put(s, tbl, gi(res, i, 0), NULL, 0, NULL);
	if (id && k > 0)
		*id = gi(res, 0, 0);
	PQclear(res);
	return 0;
}

int pg_store_incident_insert(store *s, store_incident *in)
{
	pa a[7] = { PT(in->title), PT(in->kind), PI(in->occurred), PI(in->aware), PT(in->opened_by), PI(in->created), PI(in->updated) };
	int r = write_id(s, T_INCIDENTS, "recording the incident",
			 "INSERT INTO incidents(title, kind, occurred, aware, state, opened_by, created, updated)"
			 " VALUES($1,$2,$3,$4,'open',$5,$6,$7) RETURNING id", a, 7, &in->id);
	if (r == 0)
		snprintf(in->state, sizeof in->state, "open");
	return r;
}

int pg_store_incident_get(store *s, store_incident *out, int64_t id)
{
	PGresult *res;
	pa a[1] = { PI(id) };
	int n = run(s, "reading the incident", INCIDENT_COLS " WHERE id = $1", a, 1, &res);
	memset(out, 0, sizeof *out);
	if (n < 0)
		return n;
	if (n > 0)
		incident_row(out, res, 0);
	PQclear(res);
	return n ? 0 : fort_error_set(FORT_ENOTFOUND, "no incident %lld", (long long)id);
}

int pg_store_incident_each(store *s, store_incident_cb cb, void *ctx)
{
	PGresult *res;
	int n = run(s, "reading the incidents", INCIDENT_COLS " ORDER BY state = 'closed', aware DESC, id DESC", NULL, 0, &res), r = 0;
	for (int i = 0; i < n && r == 0; i++) {
		store_incident in;
		incident_row(&in, res, i);
		r = cb(ctx, &in);
	}
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_incident_state(store *s, int64_t id, char state[16])
{
	PGresult *res;
	pa a[1] = { PI(id) };
	int n = run(s, "reading the incident", "SELECT state FROM incidents WHERE id = $1", a, 1, &res);
	state[0] = '\0';
	if (n > 0)
		snprintf(state, 16, "%s", gt(res, 0, 0));
	PQclear(res);
	if (n < 0)
		return n;
	return state[0] ? 0 : fort_error_set(FORT_ENOTFOUND, "no incident %lld", (long long)id);
}

int pg_store_incident_ids(store *s, const char *state, store_id_cb cb, void *ctx)
{
	PGresult *res;
	pa a[1] = { PT(nz(state)) };
	int n = run(s, "reading the incidents", "SELECT id FROM incidents WHERE $1::text = '' OR state = $1::text ORDER BY id", a, 1, &res),
	    r = 0;
	for (int i = 0; i < n && r == 0; i++)
		r = cb(ctx, gi(res, i, 0));
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_incident_assess(store *s, int64_t id, const store_incident_risk *k, int64_t ts)
{
	pa a[9] = { PI(k->likelihood), PI(k->severity), PI(k->encrypted), PI(k->key_compromised), PI(k->hipaa), PT(nz(k->contact)),
		    PI(k->contact != NULL), PI(ts), PI(id) };
	return write_id(s, T_INCIDENTS, "recording the assessment",
			"UPDATE incidents SET likelihood = CASE WHEN $1::bigint > 0 THEN $1::bigint ELSE likelihood END,"
			" severity = CASE WHEN $2::bigint > 0 THEN $2::bigint ELSE severity END,"
			" encrypted = CASE WHEN $3::bigint >= 0 THEN $3::bigint ELSE encrypted END,"
			" key_compromised = CASE WHEN $4::bigint >= 0 THEN $4::bigint ELSE key_compromised END,"
			" hipaa = CASE WHEN $5::bigint >= 0 THEN $5::bigint ELSE hipaa END,"
			" contact = CASE WHEN $7::bigint <> 0 THEN $6::text ELSE contact END, updated = $8 WHERE id = $9 RETURNING id",
			a, 9, NULL);
}

int pg_store_incident_decide(store *s, int64_t id, const char *decision, const char *by, int64_t ts)
{
	pa a[4] = { PT(decision), PT(nz(by)), PI(ts), PI(id) };
	return write_id(s, T_INCIDENTS, "recording the decision",
			"UPDATE incidents SET decision = $1, decided_by = $2, decided_at = $3, updated = $3 WHERE id = $4 RETURNING id", a, 4,
			NULL);
}

int pg_store_incident_close(store *s, int64_t id, int64_t ts)
{
	pa a[2] = { PI(ts), PI(id) };
	return write_id(s, T_INCIDENTS, "closing the incident",
			"UPDATE incidents SET state = 'closed', closed = $1, updated = $1 WHERE id = $2 RETURNING id", a, 2, NULL);
}

int pg_store_incident_note_add(store *s, store_incident_note *n)
{
	pa a[6] = { PI(n->incident), PT(n->kind), PI(n->ts), PI(n->at), PT(nz(n->actor)), PB(n->text, n->text_len) };
	pa u[2] = { PI(n->ts), PI(n->incident) };
	int r = write_id(s, T_INCIDENT_NOTES, "recording the incident",
			 "INSERT INTO incident_notes(incident, kind, ts, at, actor, text) VALUES($1,$2,$3,$4,$5,$6) RETURNING id", a, 6, &n->id);
	if (r == 0)
		r = write_id(s, T_INCIDENTS, "recording the incident", "UPDATE incidents SET updated = $1 WHERE id = $2 RETURNING id", u, 2,
			     NULL);
	return r;
}

int pg_store_incident_note_each(store *s, int64_t incident, const char *kind, store_incident_note_cb cb, void *ctx)
{
	PGresult *res;
	pa a[2] = { PI(incident), PT(nz(kind)) };
	int n = run(s, "reading the incident",
		    "SELECT id, kind, ts, at, actor, text FROM incident_notes WHERE incident = $1 AND ($2::text = '' OR kind = $2::text)"
		    " ORDER BY kind <> 'timeline', at, id", a, 2, &res), r = 0;
	for (int i = 0; i < n && r == 0; i++) {
		store_incident_note x;
		memset(&x, 0, sizeof x);
		x.id = gi(res, i, 0);
		x.incident = incident;
		x.kind = gt(res, i, 1);
		x.ts = gi(res, i, 2);
		x.at = gi(res, i, 3);
		x.actor = gt(res, i, 4);
		x.text = gb(res, i, 5);
		x.text_len = glen(res, i, 5);
		r = cb(ctx, &x);
	}
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_incident_scope_add(store *s, const store_incident_scope *sc)
{
	pa a[8] = { PI(sc->incident), PT(sc->kind), PT(nz(sc->user)), PI(sc->from), PI(sc->to), PI(sc->export_id), PT(nz(sc->device)),
		    PT(nz(sc->category)) };
	return write_id(s, T_INCIDENT_SCOPE, "recording the scope",
			"INSERT INTO incident_scope(incident, kind, \"user\", t_from, t_to, export, device, category)"
			" VALUES($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id", a, 8, NULL);
}

int pg_store_incident_scope_each(store *s, int64_t incident, store_incident_scope_cb cb, void *ctx)
{
	PGresult *res;
	pa a[1] = { PI(incident) };
	int n = run(s, "reading the scopes",
		    "SELECT kind, \"user\", t_from, t_to, export, device, category FROM incident_scope WHERE incident = $1 ORDER BY id", a, 1,
		    &res), r = 0;
	for (int i = 0; i < n && r == 0; i++) {
		store_incident_scope sc;
		memset(&sc, 0, sizeof sc);
		sc.incident = incident;
		sc.kind = gt(res, i, 0);
		sc.user = gt(res, i, 1);
		sc.from = gi(res, i, 2);
		sc.to = gi(res, i, 3);
		sc.export_id = gi(res, i, 4);
		sc.device = gt(res, i, 5);
		sc.category = gt(res, i, 6);
		r = cb(ctx, &sc);
	}
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_action_insert(store *s, store_action *x)
{
	pa a[5] = { PI(x->incident), PB(x->text, x->text_len), PT(x->owner), PT(x->due), PI(x->created) };
	return write_id(s, T_INCIDENT_ACTIONS, "recording the action",
			"INSERT INTO incident_actions(incident, text, owner, due, created) VALUES($1,$2,$3,$4,$5) RETURNING id", a, 5, &x->id);
}

int pg_store_action_each(store *s, int64_t id, int open_only, store_action_cb cb, void *ctx)
{
	PGresult *res;
	pa a[2] = { PI(id), PI(open_only) };
	int n = run(s, "reading the actions",
		    "SELECT id, incident, text, owner, due, done, done_by, created FROM incident_actions"
		    " WHERE ($1::bigint = 0 OR id = $1::bigint) AND ($2::bigint = 0 OR done = 0) ORDER BY id", a, 2, &res), r = 0;
	for (int i = 0; i < n && r == 0; i++) {
		store_action x;
		memset(&x, 0, sizeof x);
		x.id = gi(res, i, 0);
		x.incident = gi(res, i, 1);
		x.text = gb(res, i, 2);
		x.text_len = glen(res, i, 2);
		x.owner = gt(res, i, 3);
		x.due = gt(res, i, 4);
		x.done = gi(res, i, 5);
		x.done_by = gt(res, i, 6);
		x.created = gi(res, i, 7);
		r = cb(ctx, &x);
	}
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_action_done(store *s, int64_t id, int64_t ts, const char *by)
{
	pa a[3] = { PI(ts), PT(nz(by)), PI(id) };
	return write_id(s, T_INCIDENT_ACTIONS, "closing the action",
			"UPDATE incident_actions SET done = $1, done_by = $2 WHERE id = $3 RETURNING id", a, 3, NULL);
}

/* -------------------------------------------------------- exports record */

int pg_store_export_insert(store *s, store_export *e)
{
	pa a[11] = { PI(e->ts), PT(nz(e->actor)), PT(nz(e->device)), PT(nz(e->kind)), PT(nz(e->destination)), PT(nz(e->format)),
		     PT(nz(e->sha256)), PI(e->encrypted), PT(nz(e->fields)), PI(e->clients), PI(e->all_clients) };
	return write_id(s, T_EXPORTS, "recording the export",
			"INSERT INTO exports(ts, actor, device, kind, destination, format, sha256, encrypted, fields, clients, all_clients)"
			" VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id", a, 11, &e->id);
}

/* The client ids as 8-byte little-endian integers in one bytea, as in SQLite. */
int pg_store_export_set_clients(store *s, int64_t id, const int64_t *ids, size_t n, uint64_t count, const char *sha256)
{
	unsigned char *blob = NULL;
	size_t len;
	int r;
	if (fort_size_mul(&len, n, 8) < 0)
		return fort_error_set(FORT_ENOMEM, "too many clients in one export");
	if (n && !(blob = fort_malloc(len)))
		return FORT_ENOMEM;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 8; k++)
			blob[i * 8 + (size_t)k] = (unsigned char)((uint64_t)ids[i] >> (8 * k));
	{
		pa a[5] = { PB(blob, len), PI(count), PT(nz(sha256)), PI(sha256 != NULL), PI(id) };
		r = write_id(s, T_EXPORTS, "recording the export",
			     "UPDATE exports SET ids = $1, clients = $2, sha256 = CASE WHEN $4::bigint <> 0 THEN $3::text ELSE sha256 END"
			     " WHERE id = $5 RETURNING id", a, 5, NULL);
	}
	free(blob);
	return r;
}

int pg_store_export_each(store *s, const store_export_filter *f, store_export_cb cb, void *ctx)
{
	static const store_export_filter all;
	PGresult *res;
	int n, r = 0;
	if (!f)
		f = &all;
	pa a[7] = { PI(f->id), PT(nz(f->kind)), PT(nz(f->actor)), PT(nz(f->device)), PI(f->from), PI(f->to), PI(f->from || f->to) };
	n = run(s, "reading the exports record",
		"SELECT id, ts, actor, device, kind, destination, format, sha256, encrypted, fields, clients, all_clients, ids"
		" FROM exports WHERE ($1::bigint = 0 OR id = $1::bigint) AND ($2::text = '' OR kind = $2::text)"
		" AND ($3::text = '' OR actor = $3::text) AND ($4::text = '' OR device = $4::text)"
		" AND ($7::bigint = 0 OR ts BETWEEN $5::bigint AND $6::bigint) ORDER BY id",
		a, 7, &res);
	for (int i = 0; i < n && r == 0; i++) {
		store_export e;
		const unsigned char *b = gb(res, i, 12);
		size_t cnt = glen(res, i, 12) / 8;
		int64_t *ids = NULL;
		memset(&e, 0, sizeof e);
		e.id = gi(res, i, 0);
		e.ts = gi(res, i, 1);
		e.actor = gt(res, i, 2);
		e.device = gt(res, i, 3);
		e.kind = gt(res, i, 4);
		e.destination = gt(res, i, 5);
		e.format = gt(res, i, 6);
		e.sha256 = gt(res, i, 7);
		e.encrypted = (int)gi(res, i, 8);
		e.fields = gt(res, i, 9);
		e.clients = (uint64_t)gi(res, i, 10);
		e.all_clients = (int)gi(res, i, 11);
		if (cnt && !(ids = fort_calloc(cnt, sizeof *ids))) {
			r = FORT_ENOMEM;
			break;
		}
		for (size_t j = 0; j < cnt; j++) {
			uint64_t x = 0;
			for (int k = 0; k < 8; k++)
				x |= (uint64_t)b[j * 8 + (size_t)k] << (8 * k);
			ids[j] = (int64_t)x;
		}
		e.ids = ids;
		e.nids = cnt;
		r = cb(ctx, &e);
		free(ids);
	}
	PQclear(res);
	return n < 0 ? n : r;
}

static int first_id(store *s, const char *what, const char *sql, const pa *a, size_t na, int64_t *id)
{
	PGresult *res;
	int n = run(s, what, sql, a, na, &res);
	*id = n > 0 ? gi(res, 0, 0) : 0;
	PQclear(res);
	return n < 0 ? n : 0;
}

int pg_store_export_find_hash(store *s, const char *kind, const char *sha256, int64_t *id)
{
	pa a[2] = { PT(nz(sha256)), PT(nz(kind)) };
	return first_id(s, "finding the file", "SELECT id FROM exports WHERE sha256 = $1 AND kind = $2 ORDER BY id DESC LIMIT 1", a, 2, id);
}

int pg_store_export_find_destination(store *s, const char *kind, const char *dest, const char *dest2, int64_t *id)
{
	pa a[3] = { PT(nz(dest)), PT(dest2 ? dest2 : nz(dest)), PT(nz(kind)) };
	return first_id(s, "finding the file",
			"SELECT id FROM exports WHERE (destination = $1 OR destination = $2) AND kind = $3 ORDER BY id DESC LIMIT 1", a, 3, id);
}

int pg_store_export_count_device(store *s, const char *device, uint64_t *nout)
{
	PGresult *res;
	pa a[1] = { PT(nz(device)) };
	int n = run(s, "finding the device", "SELECT count(*) FROM exports WHERE device = $1", a, 1, &res);
	*nout = n > 0 ? (uint64_t)gi(res, 0, 0) : 0;
	PQclear(res);
	return n < 0 ? n : 0;
}

/* ------------------------------------- plan drills, mail outbox, doctor */

int pg_store_drill_add(store *s, store_drill *d)
{
	PGresult *res;
	pa a[7] = { PI(d->started), PI(d->finished), PT(d->type), PI(d->steps), PI(d->done), PI(d->skipped), PB(d->data, d->data_len) };
	int n = run(s, "recording the drill",
		    "INSERT INTO plan_drills(started, finished, type, steps, done, skipped, data) VALUES($1,$2,$3,$4,$5,$6,$7) RETURNING id",
		    a, 7, &res);
	if (n < 0)
		return n;
	d->id = gi(res, 0, 0);
	PQclear(res);
	return 0;
}

int pg_store_drill_each(store *s, store_drill_cb cb, void *ctx)
{
	PGresult *res;
	int n = run(s, "reading the drills", "SELECT id, started, finished, type, steps, done, skipped, data FROM plan_drills ORDER BY id",
		    NULL, 0, &res), r = 0;
	for (int i = 0; i < n && r == 0; i++) {
		store_drill d;
		memset(&d, 0, sizeof d);
		d.id = gi(res, i, 0);
		d.started = gi(res, i, 1);
		d.finished = gi(res, i, 2);
		snprintf(d.type, sizeof d.type, "%s", gt(res, i, 3));
		d.steps = (int)gi(res, i, 4);
		d.done = (int)gi(res, i, 5);
		d.skipped = (int)gi(res, i, 6);
		d.data = gb(res, i, 7);
		d.data_len = glen(res, i, 7);
		r = cb(ctx, &d);
	}
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_mail_put(store *s, store_mail *m)
{
	if (m->id == 0) {
		pa a[6] = { PI(m->created), PT(m->ref), PT(m->purpose), PT(m->status), PB(m->data, m->data_len), PT(m->message_id) };
		return write_id(s, T_MAIL_OUTBOX, "queueing a message",
				"INSERT INTO mail_outbox(created, ref, purpose, status, data, message_id) VALUES($1,$2,$3,$4,$5,$6) RETURNING id",
				a, 6, &m->id);
	}
	pa a[7] = { PT(m->status), PI(m->attempts), PI(m->last_attempt), PI(m->sent), PT(m->error), PT(m->message_id), PI(m->id) };
	return write_id(s, T_MAIL_OUTBOX, "updating the outbox",
			"UPDATE mail_outbox SET status = $1, attempts = $2, last_attempt = $3, sent = $4, error = $5, message_id = $6"
			" WHERE id = $7 RETURNING id", a, 7, NULL);
}

int pg_store_mail_each(store *s, const char *ref_prefix, store_mail_cb cb, void *ctx)
{
	PGresult *res;
	pa a[1] = { PT(ref_prefix) };
	int r, n;
	/* when a letter was accepted meets a breach clock: the outbox is checked whole first */
	if ((r = seal_require_table(s, T_MAIL_OUTBOX)) < 0)
		return r;
	n = ref_prefix ? run(s, "reading the outbox", "SELECT id, created, last_attempt, sent, ref, purpose, status, attempts, error, message_id,"
			     " data FROM mail_outbox WHERE substr(ref, 1, length($1::text)) = $1::text ORDER BY id", a, 1, &res)
		       : run(s, "reading the outbox", "SELECT id, created, last_attempt, sent, ref, purpose, status, attempts, error, message_id,"
			     " data FROM mail_outbox ORDER BY id", NULL, 0, &res);
	for (int i = 0; i < n && r == 0; i++) {
		store_mail m;
		memset(&m, 0, sizeof m);
		m.id = gi(res, i, 0);
		m.created = gi(res, i, 1);
		m.last_attempt = gi(res, i, 2);
		m.sent = gi(res, i, 3);
		snprintf(m.ref, sizeof m.ref, "%s", gt(res, i, 4));
		snprintf(m.purpose, sizeof m.purpose, "%s", gt(res, i, 5));
		snprintf(m.status, sizeof m.status, "%s", gt(res, i, 6));
		m.attempts = (int)gi(res, i, 7);
		snprintf(m.error, sizeof m.error, "%s", gt(res, i, 8));
		snprintf(m.message_id, sizeof m.message_id, "%s", gt(res, i, 9));
		m.data = gb(res, i, 10);
		m.data_len = glen(res, i, 10);
		r = cb(ctx, &m);
	}
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_mail_attempt(store *s, int64_t msg, int64_t ts, const char *result, const char *error)
{
	pa a[4] = { PI(msg), PI(ts), PT(nz(result)), PT(nz(error)) };
	int n = run(s, "recording a delivery attempt", "INSERT INTO mail_attempts(msg, ts, result, error) VALUES($1,$2,$3,$4)", a, 4, NULL);
	return n < 0 ? n : 0;
}

int pg_store_mail_attempt_each(store *s, int64_t msg, store_mail_attempt_cb cb, void *ctx)
{
	PGresult *res;
	pa a[1] = { PI(msg) };
	int n = run(s, "reading delivery attempts", "SELECT msg, ts, result, error FROM mail_attempts WHERE msg = $1 ORDER BY rowid", a, 1,
		    &res), r = 0;
	for (int i = 0; i < n && r == 0; i++)
		r = cb(ctx, gi(res, i, 0), gi(res, i, 1), gt(res, i, 2), gt(res, i, 3));
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_doctor_add(store *s, int64_t ts, int score, const char *json)
{
	pa a[3] = { PI(ts), PI(score), PT(json) };
	int n = run(s, "recording the check-up", "INSERT INTO doctor_runs(ts, score, checks) VALUES($1,$2,$3)", a, 3, NULL);
	return n < 0 ? n : 0;
}

int pg_store_doctor_each(store *s, store_doctor_cb cb, void *ctx)
{
	PGresult *res;
	int n = run(s, "reading the check-up history", "SELECT id, ts, score, checks FROM doctor_runs ORDER BY id", NULL, 0, &res), r = 0;
	for (int i = 0; i < n && r == 0; i++)
		r = cb(ctx, gi(res, i, 0), gi(res, i, 1), (int)gi(res, i, 2), gt(res, i, 3));
	PQclear(res);
	return n < 0 ? n : r;
}

/* ---------------------------------------------------------------- requests */

#define REQ_COLS "id, client, kind, jurisdiction, region, received, clock_start, state, paused_days, paused_since, extended," \
	" id_method, id_result, closed, created, updated"

int pg_store_request_put(store *s, store_request *q)
{
	pa a[16] = { PI(q->client), PT(q->kind), PT(q->jurisdiction), PT(q->region), PT(q->received), PT(q->clock_start), PT(q->state),
		     PI(q->paused_days), PT(q->paused_since), PI(q->extended), PT(q->id_method), PT(q->id_result), PT(q->closed),
		     PI(q->created), PI(q->updated), PI(q->id) };
	if (q->id)
		return write_id(s, T_REQUESTS, "writing a request",
				"UPDATE requests SET client=$1, kind=$2, jurisdiction=$3, region=$4, received=$5, clock_start=$6, state=$7,"
				" paused_days=$8, paused_since=$9, extended=$10, id_method=$11, id_result=$12, closed=$13, created=$14,"
				" updated=$15 WHERE id=$16 RETURNING id", a, 16, NULL);
	return write_id(s, T_REQUESTS, "writing a request",
			"INSERT INTO requests(client, kind, jurisdiction, region, received, clock_start, state, paused_days, paused_since,"
			" extended, id_method, id_result, closed, created, updated) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)"
			" RETURNING id", a, 15, &q->id);
}

static void request_row(store_request *q, const PGresult *res, int i)
{
	memset(q, 0, sizeof *q);
	q->id = gi(res, i, 0);
	q->client = gi(res, i, 1);
	snprintf(q->kind, sizeof q->kind, "%s", gt(res, i, 2));
	snprintf(q->jurisdiction, sizeof q->jurisdiction, "%s", gt(res, i, 3));
	snprintf(q->region, sizeof q->region, "%s", gt(res, i, 4));
	snprintf(q->received, sizeof q->received, "%s", gt(res, i, 5));
	snprintf(q->clock_start, sizeof q->clock_start, "%s", gt(res, i, 6));
	snprintf(q->state, sizeof q->state, "%s", gt(res, i, 7));
	q->paused_days = (int)gi(res, i, 8);
	snprintf(q->paused_since, sizeof q->paused_since, "%s", gt(res, i, 9));
	q->extended = (int)gi(res, i, 10);
	snprintf(q->id_method, sizeof q->id_method, "%s", gt(res, i, 11));
	snprintf(q->id_result, sizeof q->id_result, "%s", gt(res, i, 12));
	snprintf(q->closed, sizeof q->closed, "%s", gt(res, i, 13));
	q->created = gi(res, i, 14);
	q->updated = gi(res, i, 15);
}

int pg_store_request_get(store *s, store_request *q, int64_t id)
{
	PGresult *res;
	pa a[1] = { PI(id) };
	int r, n;
	if ((r = seal_require_table(s, T_REQUESTS)) < 0)
		return r;
	if ((n = run(s, "reading a request", "SELECT " REQ_COLS " FROM requests WHERE id = $1", a, 1, &res)) < 0)
		return n;
	if (n > 0)
		request_row(q, res, 0);
	PQclear(res);
	return n ? 0 : fort_error_set(FORT_ENOTFOUND, "no request %lld ('fortress request list' shows them)", (long long)id);
}

int pg_store_request_each(store *s, int64_t client, store_request_cb cb, void *ctx)
{
	PGresult *res;
	pa a[1] = { PI(client) };
	int r, n;
	if ((r = seal_require_table(s, T_REQUESTS)) < 0)
		return r;
	n = client ? run(s, "reading requests", "SELECT " REQ_COLS " FROM requests WHERE client = $1 ORDER BY id", a, 1, &res)
		   : run(s, "reading requests", "SELECT " REQ_COLS " FROM requests ORDER BY id", NULL, 0, &res);
	for (int i = 0; i < n && r == 0; i++) {
		store_request q;
		request_row(&q, res, i);
		r = cb(ctx, &q);
	}
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_request_event(store *s, int64_t request, int64_t ts, const char *actor, const char *event, const char *detail)
{
	pa a[5] = { PI(request), PI(ts), PT(actor), PT(event), PT(detail) };
	return write_id(s, T_REQUEST_EVENTS, "writing a request's history",
			"INSERT INTO request_events(request, ts, actor, event, detail) VALUES($1,$2,$3,$4,$5) RETURNING rowid", a, 5, NULL);
}

int pg_store_request_details_put(store *s, int64_t request, const char *channel, const unsigned char *note, size_t len)
{
	pa a[3] = { PI(request), PT(channel), note ? PB(note, len) : PN };
	return write_id(s, T_REQUEST_DETAILS, "writing a request's channel and note",
			"INSERT INTO request_details(request, channel, note) VALUES($1,$2,$3) RETURNING request", a, 3, NULL);
}

int pg_store_request_details_get(store *s, int64_t request, char channel[16], unsigned char **note, size_t *len)
{
	PGresult *res;
	pa a[1] = { PI(request) };
	int n, r = 0;
	channel[0] = '\0';
	*note = NULL;
	*len = 0;
	if ((n = run(s, "reading a request's channel and note", "SELECT * FROM request_details WHERE request = $1", a, 1, &res)) < 0)
		return n;
	if (n == 0) {
		PQclear(res);
		/* none recorded, or deleted: a deleted row leaves its seal */
		return (r = seal_require_table(s, T_REQUEST_DETAILS)) < 0 ? r : FORT_ENOTFOUND;
	}
	snprintf(channel, 16, "%s", gt(res, 0, 1));
	if (!PQgetisnull(res, 0, 2))
		r = bdup(note, len, res, 0, 2);
	if (r == 0 && s->enforce) {
		unsigned char h[32];
		hash_of(h, T_REQUEST_DETAILS, request, res, 0);
		r = seal_require_known(s, T_REQUEST_DETAILS, request, 0, h);
	}
	PQclear(res);
	if (r < 0) {
		free(*note);
		*note = NULL;
		*len = 0;
	}
	return r;
}

/* ---------------------------------------------- signing in (signin.h) */

/* user_totp is sealed (T_USER_TOTP): the AEAD authenticates a blob, but
 * only its seal stops an older copy being put back with psql (a used code
 * or recovery code good again), or a row removed. */
int pg_store_totp_get(store *s, int64_t user, unsigned char **data, size_t *len)
{
	PGresult *res;
	pa a[1] = { PI(user) };
	unsigned char h[32] = { 0 };
	int n = run(s, "reading a second factor", "SELECT * FROM user_totp WHERE user_id = $1", a, 1, &res), r;
	*data = NULL;
	*len = 0;
	if (n < 0)
		return n;
	/* against its seal first, over the row as read */
	if (n > 0)
		hash_of(h, T_USER_TOTP, user, res, 0);
	if ((r = seal_require_known(s, T_USER_TOTP, user, 0, h)) == 0)
		r = n ? bdup(data, len, res, 0, 1) : FORT_ENOTFOUND;
	PQclear(res);
	return r;
}

int pg_store_totp_put(store *s, int64_t user, const void *data, size_t len, int64_t created)
{
	pa a[3] = { PI(user), PB(data, len), PI(created) };
	int n = run(s, "storing a second factor",
		    "INSERT INTO user_totp(user_id, data, created) VALUES($1, $2, $3)"
		    " ON CONFLICT(user_id) DO UPDATE SET data = excluded.data, created = excluded.created", a, 3, NULL);
	if (n < 0)
		return n;
	touch_put(s, T_USER_TOTP, user, NULL, 0, NULL);
	return 0;
}

int pg_store_totp_del(store *s, int64_t user)
{
	pa a[1] = { PI(user) };
	int n = run(s, "removing a second factor", "DELETE FROM user_totp WHERE user_id = $1", a, 1, NULL);
	if (n < 0)
		return n;
	if (n > 0)
		touch_put(s, T_USER_TOTP, user, NULL, 0, NULL);
	return 0;
}

int pg_store_throttle_get(store *s, const char *key, int64_t *failures, int64_t *last)
{
	PGresult *res;
	pa a[1] = { PT(key) };
	int n = run(s, "reading failed sign-ins", "SELECT failures, last FROM signin_throttle WHERE k = $1", a, 1, &res);
	*failures = *last = 0;
	if (n > 0) {
		*failures = gi(res, 0, 0);
		*last = gi(res, 0, 1);
	}
	PQclear(res);
	return n < 0 ? n : 0;
}

int pg_store_throttle_fail(store *s, const char *key, int64_t now)
{
	pa a[2] = { PT(key), PI(now) };
	int n = run(s, "recording a failed sign-in",
		    "INSERT INTO signin_throttle(k, failures, last) VALUES($1, 1, $2)"
		    " ON CONFLICT(k) DO UPDATE SET failures = signin_throttle.failures + 1, last = excluded.last", a, 2, NULL);
	return n < 0 ? n : 0;
}

int pg_store_throttle_clear(store *s, const char *key)
{
	pa a[1] = { PT(key) };
	int n = run(s, "clearing failed sign-ins", "DELETE FROM signin_throttle WHERE k = $1", a, 1, NULL);
	return n < 0 ? n : 0;
}

/* The self-service sign-in links (sqlite.c's melink.c): not sealed; single
 * use is one statement (DELETE ... RETURNING). */
int pg_store_me_link_put(store *s, const unsigned char *token, int64_t expires, const void *data, size_t len)
{
	pa a[3] = { PB(token, 32), PI(expires), PB(data, len) };
	int n = run(s, "storing a sign-in link", "INSERT INTO me_links(token, expires, data) VALUES($1, $2, $3)", a, 3, NULL);
	if (n == FORT_EEXISTS)
		return fort_error_set(FORT_EEXISTS, "this sign-in link exists already");
	return n < 0 ? n : 0;
}

int pg_store_me_link_take(store *s, const unsigned char *token, int64_t *expires, unsigned char **data, size_t *len)
{
	PGresult *res;
	pa a[1] = { PB(token, 32) };
	int n = run(s, "using a sign-in link", "DELETE FROM me_links WHERE token = $1 RETURNING expires, data", a, 1, &res), r;
	*expires = 0;
	*data = NULL;
	*len = 0;
	if (n < 0)
		return n;
	if (n == 0) {
		PQclear(res);
		return FORT_ENOTFOUND;
	}
	*expires = gi(res, 0, 0);
	r = bdup(data, len, res, 0, 1);
	PQclear(res);
	return r;
}

int pg_store_me_link_prune(store *s, int64_t before)
{
	pa a[1] = { PI(before) };
	int n = run(s, "removing expired sign-in links", "DELETE FROM me_links WHERE expires < $1", a, 1, NULL);
	return n < 0 ? n : 0;
}

int pg_store_signin_failures(store *s, int64_t since, uint64_t *nout, int64_t *last)
{
	PGresult *res;
	pa a[1] = { PI(since) };
	int n = run(s, "counting failed sign-ins",
		    "SELECT count(*) FILTER (WHERE ts >= $1), coalesce(max(ts), 0) FROM audit"
		    " WHERE action = 'signin-failed' OR (action = 'unlock-failed' AND detail LIKE 'sign-in%')", a, 1, &res);
	*nout = 0;
	*last = 0;
	if (n > 0) {
		*nout = (uint64_t)gi(res, 0, 0);
		*last = gi(res, 0, 1);
	}
	PQclear(res);
	return n < 0 ? n : 0;
}

/* ------------------------------------------------- write-only intake */

/* Forms and decisions are sealed (T_INTAKE_FORMS, T_INTAKE_DECISIONS:
 * noted here, written in the caller's audited transaction); the inbox is
 * not (anonymous writers, each row a box sealed to the intake key). */

static void form_row(store_intake_form *o, const PGresult *res, int i)
{
	memset(o, 0, sizeof *o);
	o->id = gi(res, i, 0);
	snprintf(o->name, sizeof o->name, "%s", gt(res, i, 1));
	snprintf(o->fields, sizeof o->fields, "%s", gt(res, i, 2));
	snprintf(o->consents, sizeof o->consents, "%s", gt(res, i, 3));
	o->created = gi(res, i, 4);
	snprintf(o->created_by, sizeof o->created_by, "%s", gt(res, i, 5));
}

int pg_store_intake_form_insert(store *s, store_intake_form *f)
{
	pa a[5] = { PT(f->name), PT(f->fields), PT(f->consents), PI(f->created), PT(f->created_by) };
	return write_id(s, T_INTAKE_FORMS, "storing the intake form",
			"INSERT INTO intake_forms(name, fields, consents, created, created_by) VALUES($1,$2,$3,$4,$5) RETURNING id", a,
			5, &f->id);
}

int pg_store_intake_form_get(store *s, store_intake_form *out, const char *name)
{
	PGresult *res;
	pa a[1] = { PT(name) };
	unsigned char h[32];
	int n = run(s, "reading the intake form", "SELECT * FROM intake_forms WHERE name = $1", a, 1, &res), r = 0;
	if (n < 0)
		return n;
	if (n == 0) {
		PQclear(res);
		return FORT_ENOTFOUND;
	}
	form_row(out, res, 0);
	/* against its seal, over the row as read */
	hash_of(h, T_INTAKE_FORMS, out->id, res, 0);
	r = seal_require_known(s, T_INTAKE_FORMS, out->id, 0, h);
	PQclear(res);
	return r;
}

int pg_store_intake_form_each(store *s, store_intake_form_cb cb, void *ctx)
{
	PGresult *res;
	int n, r;
	/* whole, so a form removed outside Fortress is named, not just missing */
	if ((r = seal_require_table(s, T_INTAKE_FORMS)) < 0)
		return r;
	if ((n = run(s, "reading the intake forms", "SELECT id, name, fields, consents, created, created_by FROM intake_forms ORDER BY name",
		     NULL, 0, &res)) < 0)
		return n;
	for (int i = 0; i < n && r == 0; i++) {
		store_intake_form f;
		form_row(&f, res, i);
		r = cb(ctx, &f);
	}
	PQclear(res);
	return r;
}

int pg_store_intake_form_delete(store *s, int64_t id)
{
	pa a[1] = { PI(id) };
	return write_id(s, T_INTAKE_FORMS, "removing the intake form", "DELETE FROM intake_forms WHERE id = $1 RETURNING id", a, 1,
			NULL);
}

int pg_store_intake_inbox_add(store *s, store_intake_sub *sub)
{
	PGresult *res;
	pa a[3] = { PT(sub->form), PI(sub->received), PB(sub->box, sub->box_len) };
	int n = run(s, "storing the submission", "INSERT INTO intake_inbox(form, received, box) VALUES($1,$2,$3) RETURNING id", a, 3,
		    &res);
	if (n < 0)
		return n;
	if (n > 0)
		sub->id = gi(res, 0, 0);
	PQclear(res);
	return 0;
}

int pg_store_intake_inbox_each(store *s, const char *form, store_intake_sub_cb cb, void *ctx)
{
	PGresult *res;
	pa a[1] = { PT(form) };
	int n = form ? run(s, "reading the intake inbox", "SELECT id, form, received, box FROM intake_inbox WHERE form = $1 ORDER BY id",
			   a, 1, &res)
		     : run(s, "reading the intake inbox", "SELECT id, form, received, box FROM intake_inbox ORDER BY id", NULL, 0, &res);
	int r = 0;
	for (int i = 0; i < n && r == 0; i++) {
		store_intake_sub sub;
		memset(&sub, 0, sizeof sub);
		sub.id = gi(res, i, 0);
		sub.form = gt(res, i, 1);
		sub.received = gi(res, i, 2);
		sub.box = gb(res, i, 3);
		sub.box_len = glen(res, i, 3);
		r = cb(ctx, &sub);
	}
	PQclear(res);
	return n < 0 ? n : r;
}

int pg_store_intake_inbox_get(store *s, int64_t id, char form[48], int64_t *received, unsigned char **box, size_t *len)
{
	PGresult *res;
	pa a[1] = { PI(id) };
	int n, r;
	*box = NULL;
	*len = 0;
	form[0] = '\0';
	if ((n = run(s, "reading the submission", "SELECT form, received, box FROM intake_inbox WHERE id = $1", a, 1, &res)) < 0)
		return n;
	if (n == 0) {
		PQclear(res);
		return FORT_ENOTFOUND;
	}
	snprintf(form, 48, "%s", gt(res, 0, 0));
	*received = gi(res, 0, 1);
	r = bdup(box, len, res, 0, 2);
	PQclear(res);
	return r;
}

int pg_store_intake_inbox_delete(store *s, int64_t id)
{
	pa a[1] = { PI(id) };
	int n = run(s, "removing the submission", "DELETE FROM intake_inbox WHERE id = $1", a, 1, NULL);
	return n < 0 ? n : 0;
}

int pg_store_intake_inbox_rebox(store *s, int64_t id, const unsigned char *box, size_t len)
{
	pa a[2] = { PB(box, len), PI(id) };
	int n = run(s, "re-sealing the submission", "UPDATE intake_inbox SET box = $1 WHERE id = $2", a, 2, NULL);
	if (n < 0)
		return n;
	return n == 0 ? FORT_ENOTFOUND : 0;
}

int pg_store_intake_inbox_count(store *s, const char *form, uint64_t *nout)
{
	PGresult *res;
	pa a[1] = { PT(form) };
	int n = form ? run(s, "counting submissions", "SELECT count(*) FROM intake_inbox WHERE form = $1", a, 1, &res)
		     : run(s, "counting submissions", "SELECT count(*) FROM intake_inbox", NULL, 0, &res);
	*nout = 0;
	if (n > 0)
		*nout = (uint64_t)gi(res, 0, 0);
	PQclear(res);
	return n < 0 ? n : 0;
}

int pg_store_intake_decision_add(store *s, int64_t id, const char *form, const char *decision, const char *client, int64_t ts,
				 const char *actor)
{
	pa a[6] = { PI(id), PT(form), PT(decision), PT(client), PI(ts), PT(actor) };
	return write_id(s, T_INTAKE_DECISIONS, "recording the decision",
			"INSERT INTO intake_decisions(id, form, decision, client, ts, actor) VALUES($1,$2,$3,$4,$5,$6) RETURNING id", a,
			6, NULL);
}

int pg_store_intake_decision_get(store *s, int64_t id, char decision[16], char client[32])
{
	PGresult *res;
	pa a[1] = { PI(id) };
	int n, r;
	decision[0] = client[0] = '\0';
	/* whole: a decision removed outside Fortress would let its
	 * submission, put back, be decided twice */
	if ((r = seal_require_table(s, T_INTAKE_DECISIONS)) < 0)
		return r;
	if ((n = run(s, "reading the decision", "SELECT decision, client FROM intake_decisions WHERE id = $1", a, 1, &res)) < 0)
		return n;
	if (n > 0) {
		snprintf(decision, 16, "%s", gt(res, 0, 0));
		snprintf(client, 32, "%s", gt(res, 0, 1));
	}
	PQclear(res);
	return n > 0;
}

/* ---------------------------------------------- raw rows (`store copy`) */



/* TABLE's columns (name, type) in order, "rowid" first when it has one. */
static int table_columns(store *s, const char *table, PGresult **res)
{
	pa a[1] = { PT(table) };
	return run(s, "reading the schema",
		   "SELECT column_name::text, data_type::text FROM information_schema.columns"
		   " WHERE table_schema = current_schema() AND table_name = $1 ORDER BY column_name <> 'rowid', ordinal_position",
		   a, 1, res);
}

/* seal_log's packs as a row per seal (rowid, seq, tbl, id, hash), in
 * rowid order: what SQLite's log holds and store copy carries. */
static int raw_seal_log(store *s, store_raw_cb cb, void *ctx)
{
	static const char *const cols[5] = { "rowid", "seq", "tbl", "id", "hash" };
	PGresult *res;
	int r = 0, done = 0;
	if (!PQsendQueryParams(s->c, "SELECT rowid, seq, seals FROM seal_log ORDER BY rowid", 0, NULL, NULL, NULL, NULL, 1) ||
	    !PQsetSingleRowMode(s->c))
		return pg_error(s, NULL, "reading the vault");
	while ((res = PQgetResult(s->c))) {
		ExecStatusType st = PQresultStatus(res);
		if (st == PGRES_SINGLE_TUPLE && r == 0) {
			const unsigned char *p = gb(res, 0, 2);
			size_t len = glen(res, 0, 2);
			int64_t rowid = gi(res, 0, 0);
			if (len % PACK_TUPLE || !len)
				r = fort_error_set(FORT_ECORRUPT, "table seal_log, row %lld: not whole seals (%zu bytes): edited outside Fortress",
						   (long long)rowid, len);
			for (size_t k = 0; k < len / PACK_TUPLE && r == 0; k++) {
				unsigned char h[32];
				store_value v[5];
				int t;
				int64_t id;
				(void)pack_get(p, len, k, &t, &id, h);
				if (t < 0) {
					r = fort_error_set(FORT_ECORRUPT, "table seal_log, row %lld: a seal of no sealed table: edited outside Fortress",
							   (long long)rowid);
					break;
				}
				memset(v, 0, sizeof v);
				v[0].type = v[1].type = v[3].type = STORE_V_INT;
				v[0].i = rowid + (int64_t)k;
				v[1].i = gi(res, 0, 1);
				v[3].i = id;
				v[2].type = STORE_V_TEXT;
				v[2].p = tname(t);
				v[2].len = strlen(tname(t));
				v[4].type = STORE_V_BLOB;
				v[4].p = h;
				v[4].len = 32;
				r = cb(ctx, "seal_log", 5, cols, v);
			}
		} else if (st == PGRES_TUPLES_OK) {
			done = 1;
		} else if (st != PGRES_SINGLE_TUPLE && r == 0) {
			r = pg_error(s, res, "reading the vault");
		}
		PQclear(res);
	}
	if (r == 0 && !done)
		r = pg_error(s, NULL, "reading the vault");
	return r;
}

/* The pack store_raw_put has filled, written. */
static int raw_pack_flush(store *s)
{
	int r;
	if (!s->rawpk_n)
		return 0;
	pa a[3] = { PI(s->rawpk_rowid), PI(s->rawpk_seq), PB(s->rawpk.buf, s->rawpk.len) };
	if ((r = fort_buf_error(&s->rawpk)) == 0 && (r = pq_sync(s)) == 0 &&
	    (r = run(s, "seal_log", "INSERT INTO seal_log(rowid, seq, seals) VALUES($1, $2, $3)", a, 3, NULL)) > 0)
		r = 0;
	s->rawpk_n = 0;
	fort_buf_reset(&s->rawpk);
	return r;
}

/* A seal (rowid, seq, tbl, id, hash; rowid may be left out: the seal after
 * the one before of the same seq, else the seq's first) into the pack being
 * filled; a run of rowids that breaks, another seq or a full pack begins
 * the next one, so the packs are those the flush would have written. */
static int raw_seal_put(store *s, size_t ncols, const char *const *cols, const store_value *vals)
{
	const store_value *rowid = NULL, *seq = NULL, *tbl = NULL, *id = NULL, *hash = NULL;
	int64_t rid;
	int t = -1, r;
	char name[64];
	for (size_t i = 0; i < ncols; i++) {
		const store_value **slot = strcmp(cols[i], "rowid") == 0 ? &rowid
					   : strcmp(cols[i], "seq") == 0   ? &seq
					   : strcmp(cols[i], "tbl") == 0   ? &tbl
					   : strcmp(cols[i], "id") == 0    ? &id
					   : strcmp(cols[i], "hash") == 0  ? &hash
									   : NULL;
		if (!slot)
			return fort_error_set(FORT_EINPUT,
					      "table seal_log has no column %s here: the destination's schema is not the source's"
					      " (copy between vaults of the same Fortress version)",
					      cols[i]);
		*slot = &vals[i];
	}
	if (!seq || !tbl || !id || !hash || seq->type != STORE_V_INT || id->type != STORE_V_INT || tbl->type != STORE_V_TEXT ||
	    hash->type != STORE_V_BLOB || (rowid && rowid->type != STORE_V_INT))
		return fort_error_set(FORT_EINPUT, "table seal_log: a seal without its seq, table, id or hash, or one not of its type;"
						   " nothing was copied");
	if (tbl->len < sizeof name) {
		memcpy(name, tbl->p, tbl->len);
		name[tbl->len] = '\0';
		t = table_index(name);
	}
	if (t < 0 || hash->len != 32)
		return fort_error_set(FORT_EINPUT, "table seal_log: a seal of entry %lld is not of a sealed table or its hash is not"
						   " 32 bytes; nothing was copied", (long long)seq->i);
	rid = rowid ? rowid->i : s->rawpk_n && s->rawpk_seq == seq->i ? s->rawpk_rowid + (int64_t)s->rawpk_n : SEAL_ROWID(seq->i, 0);
	if (s->rawpk_n && (s->rawpk_seq != seq->i || rid != s->rawpk_rowid + (int64_t)s->rawpk_n || s->rawpk_n == PACK_MAX) &&
	    (r = raw_pack_flush(s)) < 0)
		return r;
	if (!s->rawpk_n) {
		s->rawpk_rowid = rid;
		s->rawpk_seq = seq->i;
	}
	pack_put(&s->rawpk, t, id->i, hash->p);
	s->rawpk_n++;
	return fort_buf_error(&s->rawpk);
}

static int raw_table(store *s, const char *table, store_raw_cb cb, void *ctx)
{
	char sql[4096], q[128];
	const char *cols[STORE_RAW_COLS_MAX];
	store_value vals[STORE_RAW_COLS_MAX];
	PGresult *colres, *res;
	size_t o;
	int n, r = 0, has_rowid = 0, done = 0;
	if (strcmp(table, "seal_log") == 0)
		return raw_seal_log(s, cb, ctx);
	if ((n = table_columns(s, table, &colres)) < 0)
		return n;
	if (n == 0 || n > STORE_RAW_COLS_MAX || raw_quote_ident(q, sizeof q, table) < 0) {
		PQclear(colres);
		return fort_error_set(FORT_ECORRUPT, "table %s: cannot read its columns", table);
	}
	o = (size_t)snprintf(sql, sizeof sql, "SELECT ");
	for (int i = 0; i < n; i++) {
		char qc[128];
		if (raw_quote_ident(qc, sizeof qc, gt(colres, i, 0)) < 0 || o + strlen(qc) + 4 >= sizeof sql) {
			PQclear(colres);
			return fort_error_set(FORT_ECORRUPT, "table %s: too many columns", table);
		}
		o += (size_t)snprintf(sql + o, sizeof sql - o, "%s%s", i ? ", " : "", qc);
		has_rowid |= strcmp(gt(colres, i, 0), "rowid") == 0;
	}
	snprintf(sql + o, sizeof sql - o, " FROM %s ORDER BY %s", q, has_rowid ? "rowid" : "1");
	/* one row at a time: a table of a million clients is not held whole */
	if (!PQsendQueryParams(s->c, sql, 0, NULL, NULL, NULL, NULL, 1) || !PQsetSingleRowMode(s->c)) {
		PQclear(colres);
		return pg_error(s, NULL, "reading the vault");
	}
	while ((res = PQgetResult(s->c))) {
		ExecStatusType st = PQresultStatus(res);
		if (st == PGRES_SINGLE_TUPLE && r == 0) {
			for (int i = 0; i < n && r == 0; i++) {
				Oid ty = PQftype(res, i);
				store_value *v = &vals[i];
				cols[i] = gt(colres, i, 0);
				memset(v, 0, sizeof *v);
				if (gnull(res, 0, i))
					v->type = STORE_V_NULL;
				else if (ty == 20 || ty == 23 || ty == 21) {
					v->type = STORE_V_INT;
					v->i = gi(res, 0, i);
				} else if (ty == 17 || ty == 25 || ty == 1043) {
					v->type = ty == 17 ? STORE_V_BLOB : STORE_V_TEXT;
					v->p = gb(res, 0, i);
					v->len = glen(res, 0, i);
				} else
					r = fort_error_set(FORT_ECORRUPT, "table %s, column %s: a type no vault uses", table, cols[i]);
			}
			if (r == 0)
				r = cb(ctx, table, (size_t)n, cols, vals);
		} else if (st == PGRES_TUPLES_OK) {
			done = 1;
		} else if (st != PGRES_SINGLE_TUPLE && r == 0) {
			r = pg_error(s, res, "reading the vault");
		}
		PQclear(res);
	}
	PQclear(colres);
	if (r == 0 && !done)
		r = pg_error(s, NULL, "reading the vault");
	return r;
}

int pg_store_raw_each(store *s, store_raw_cb cb, void *ctx)
{
	PGresult *res;
	int n, r = 0;
	if ((n = run(s, "reading the schema",
		     "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()"
		     " AND table_type = 'BASE TABLE' AND table_name <> 'fortress_version' ORDER BY table_name <> 'users', table_name COLLATE \"C\"",
		     NULL, 0, &res)) < 0)
		return n;
	for (int i = 0; i < n && r == 0; i++) {
		char name[64];
		snprintf(name, sizeof name, "%s", gt(res, i, 0));
		r = raw_table(s, name, cb, ctx);
	}
	PQclear(res);
	return r;
}

static int raw_type_ok(const char *pgtype, int vtype)
{
	if (vtype == STORE_V_NULL)
		return 1;
	if (vtype == STORE_V_INT)
		return strcmp(pgtype, "bigint") == 0 || strcmp(pgtype, "integer") == 0 || strcmp(pgtype, "smallint") == 0;
	if (vtype == STORE_V_BLOB)
		return strcmp(pgtype, "bytea") == 0;
	return strcmp(pgtype, "text") == 0 || strcmp(pgtype, "character varying") == 0;
}

static const char *vtype_name(int t)
{
	return t == STORE_V_INT ? "an integer" : t == STORE_V_BLOB ? "bytes" : t == STORE_V_TEXT ? "text" : "NULL";
}

int pg_store_raw_put(store *s, const char *table, size_t ncols, const char *const *cols, const store_value *vals)
{
	char sig[1024];
	const char *pv[STORE_RAW_COLS_MAX];
	int lens[STORE_RAW_COLS_MAX], fmts[STORE_RAW_COLS_MAX];
	unsigned char ints[STORE_RAW_COLS_MAX][8];
	size_t so = 0;
	int k = 0, r = 0;
	PGresult *res;
	if (strcmp(table, "seal_log") == 0)
		return raw_seal_put(s, ncols, cols, vals);
	if ((r = raw_pack_flush(s)) < 0)
		return r;
	if (ncols > STORE_RAW_COLS_MAX)
		return fort_error_set(FORT_EINPUT, "table %s: %zu columns, more than a vault's", table, ncols);
	sig[0] = '\0';
	for (size_t i = 0; i < ncols && so < sizeof sig; i++)
		so += (size_t)snprintf(sig + so, sizeof sig - so, "%s,", cols[i]);
	if (so >= sizeof sig || strlen(table) >= sizeof s->raw_table)
		return fort_error_set(FORT_EINPUT, "table %s: too many columns to copy", table);
	if (strcmp(s->raw_table, table) != 0 || strcmp(s->raw_sig, sig) != 0) {
		/* a new table: its columns here, and the statement that inserts
		 * the given ones (identities as given: OVERRIDING SYSTEM VALUE) */
		char sql[4096], q[128];
		PGresult *colres;
		size_t o;
		int n;
		s->raw_table[0] = '\0';
		if ((n = table_columns(s, table, &colres)) < 0)
			return n;
		if (n == 0 || raw_quote_ident(q, sizeof q, table) < 0) {
			PQclear(colres);
			return fort_error_set(FORT_EINPUT, "table %s does not exist here: the destination's schema is not the source's", table);
		}
		o = (size_t)snprintf(sql, sizeof sql, "INSERT INTO %s(", q);
		for (size_t i = 0; i < ncols && r == 0; i++) {
			int found = -1;
			char qc[128];
			for (int j = 0; j < n; j++)
				if (strcmp(gt(colres, j, 0), cols[i]) == 0)
					found = j;
			s->raw_keep[i] = -1;
			if (found < 0 && strcmp(cols[i], "rowid") == 0)
				continue;
			if (found < 0)
				r = fort_error_set(FORT_EINPUT,
						   "table %s has no column %s here: the destination's schema is not the source's"
						   " (copy between vaults of the same Fortress version)",
						   table, cols[i]);
			else if (raw_quote_ident(qc, sizeof qc, cols[i]) < 0 || o + strlen(qc) + 64 >= sizeof sql)
				r = fort_error_set(FORT_EINPUT, "table %s: too many columns to copy", table);
			else {
				o += (size_t)snprintf(sql + o, sizeof sql - o, "%s%s", k ? ", " : "", qc);
				s->raw_keep[i] = found;
				k++;
			}
		}
		if (r == 0) {
			o += (size_t)snprintf(sql + o, sizeof sql - o, ") OVERRIDING SYSTEM VALUE VALUES(");
			for (int i = 1; i <= k && o + 8 < sizeof sql; i++)
				o += (size_t)snprintf(sql + o, sizeof sql - o, "%s$%d", i > 1 ? "," : "", i);
			if (o + 2 >= sizeof sql)
				r = fort_error_set(FORT_EINPUT, "table %s: too many columns to copy", table);
			else
				snprintf(sql + o, sizeof sql - o, ")");
		}
		if (r == 0 && (r = prepare(s, sql, s->raw_stmt, "preparing the copy")) == 0) {
			snprintf(s->raw_table, sizeof s->raw_table, "%s", table);
			snprintf(s->raw_sig, sizeof s->raw_sig, "%s", sig);
			s->raw_nkeep = k;
			/* from here raw_keep holds the type each kept column
			 * takes (STORE_V_*), -1 for a column dropped */
			for (size_t i = 0; i < ncols; i++)
				if (s->raw_keep[i] >= 0) {
					const char *t = gt(colres, s->raw_keep[i], 1);
					s->raw_keep[i] = strcmp(t, "bytea") == 0 ? STORE_V_BLOB
						       : (strcmp(t, "text") == 0 || strcmp(t, "character varying") == 0) ? STORE_V_TEXT
						       : raw_type_ok(t, STORE_V_INT) ? STORE_V_INT : 0;
				}
		}
		PQclear(colres);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ncols; i++) {
		const store_value *v = &vals[i];
		int want = s->raw_keep[i];
		if (want < 0)
			continue;
		if (v->type != STORE_V_NULL && v->type != want)
			return fort_error_set(FORT_EINPUT, "table %s, column %s: %s where %s is kept; nothing was copied", table, cols[i],
					      vtype_name(v->type), vtype_name(want));
	}
	k = 0;
	for (size_t i = 0; i < ncols; i++) {
		const store_value *v = &vals[i];
		if (s->raw_keep[i] < 0)
			continue;
		fmts[k] = 1;
		if (v->type == STORE_V_NULL) {
			pv[k] = NULL;
			lens[k] = 0;
		} else if (v->type == STORE_V_INT) {
			for (int b = 0; b < 8; b++)
				ints[k][b] = (unsigned char)((uint64_t)v->i >> (56 - 8 * b));
			pv[k] = (const char *)ints[k];
			lens[k] = 8;
		} else {
			pv[k] = v->len ? v->p : "";
			lens[k] = (int)v->len;
		}
		k++;
	}
	if ((r = pq_sync(s)) < 0)
		return r;
	res = PQexecPrepared(s->c, s->raw_stmt, k, pv, lens, fmts, 1);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		r = pg_error(s, res, table);
	PQclear(res);
	return r;
}

int pg_store_raw_done(store *s)
{
	PGresult *res;
	int n, r = 0;
	s->raw_table[0] = '\0';
	if (PQtransactionStatus(s->c) == PQTRANS_INERROR)
		return 0; /* a failed copy: its error stands, the rollback follows */
	if ((r = raw_pack_flush(s)) < 0)
		return r;
	if ((n = run(s, "reading the schema",
		     "SELECT table_name::text, column_name::text FROM information_schema.columns"
		     " WHERE table_schema = current_schema() AND is_identity = 'YES'",
		     NULL, 0, &res)) < 0)
		return n;
	for (int i = 0; i < n && r == 0; i++) {
		char sql[512], qt[128], qc[128];
		if (raw_quote_ident(qt, sizeof qt, gt(res, i, 0)) < 0 || raw_quote_ident(qc, sizeof qc, gt(res, i, 1)) < 0) {
			r = fort_error_set(FORT_ERROR, "a table name too long");
			break;
		}
		pa a[2] = { PT(qt), PT(gt(res, i, 1)) };
		snprintf(sql, sizeof sql, "SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(%s) FROM %s), 0) + 1, false)",
			 qc, qt);
		if ((r = run(s, "setting the next ids", sql, a, 2, NULL)) > 0)
			r = 0;
	}
	PQclear(res);
	return r;
}

/* ----------------------------------------------------------------- tokens */

/* Tokens for programs (tokens.c is the SQLite side): one sealed row each;
 * the caller's transaction ends with an audit entry. */
#define TOKEN_COLS "SELECT id, name, user_id, role, purposes, creator, created, expires, revoked, verifier, sealed FROM tokens"

static void token_row(store_token *o, const PGresult *res, int i)
{
	size_t n = glen(res, i, 10);
	memset(o, 0, sizeof *o);
	o->id = gi(res, i, 0);
	snprintf(o->name, sizeof o->name, "%s", gt(res, i, 1));
	o->user_id = gi(res, i, 2);
	snprintf(o->role, sizeof o->role, "%s", gt(res, i, 3));
	snprintf(o->purposes, sizeof o->purposes, "%s", gt(res, i, 4));
	snprintf(o->creator, sizeof o->creator, "%s", gt(res, i, 5));
	o->created = gi(res, i, 6);
	o->expires = gi(res, i, 7);
	o->revoked = gi(res, i, 8);
	bfixed(o->verifier, sizeof o->verifier, res, i, 9);
	if (n <= sizeof o->sealed) {
		memcpy(o->sealed, gb(res, i, 10), n);
		o->sealed_len = n;
	}
}

int pg_store_token_insert(store *s, store_token *t)
{
	pa a[10] = { PT(t->name), PI(t->user_id), PT(t->role), PT(t->purposes), PT(t->creator), PI(t->created),
		     PI(t->expires), PI(t->revoked), PB(t->verifier, sizeof t->verifier), PB(t->sealed, t->sealed_len) };
	return write_id(s, T_TOKENS, "storing the token",
			"INSERT INTO tokens(name, user_id, role, purposes, creator, created, expires, revoked, verifier, sealed)"
			" VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id", a, 10, &t->id);
}

int pg_store_token_get(store *s, store_token *out, const char *name, int64_t id)
{
	PGresult *res;
	pa a[1] = { name ? PT(name) : PI(id) };
	int n = run(s, "reading the token", name ? TOKEN_COLS " WHERE name = $1" : TOKEN_COLS " WHERE id = $1", a, 1, &res);
	memset(out, 0, sizeof *out);
	if (n < 0)
		return n;
	if (n > 0)
		token_row(out, res, 0);
	PQclear(res);
	if (n == 0)
		return FORT_ENOTFOUND;
	/* against its seal: an expiry pushed back, a revocation undone, a
	 * role or purpose widened outside Fortress is tampering */
	return pg_store_seal_require_row(s, "tokens", out->id);
}

int pg_store_token_each(store *s, store_token_cb cb, void *ctx)
{
	PGresult *res;
	int n, r = 0;
	/* whole, so a token removed outside Fortress is named, not just missing */
	if ((r = seal_require_table(s, T_TOKENS)) < 0)
		return r;
	if ((n = run(s, "reading the tokens", TOKEN_COLS " ORDER BY name COLLATE \"C\"", NULL, 0, &res)) < 0)
		return n;
	for (int i = 0; i < n && r == 0; i++) {
		store_token t;
		token_row(&t, res, i);
		r = cb(ctx, &t);
	}
	PQclear(res);
	return r;
}

int pg_store_token_revoke(store *s, int64_t id, int64_t when)
{
	pa a[2] = { PI(when), PI(id) };
	return write_id(s, T_TOKENS, "revoking the token", "UPDATE tokens SET revoked = $1 WHERE id = $2 RETURNING id", a, 2, NULL);
}

/* ------------------------------------------------------------ invitations */

/* Invitations to join (invite.c is the SQLite side): one sealed row each;
 * the joins are not sealed (sqlite.c's migration 18 says why). */
#define INVITE_COLS "SELECT id, name, role, creator, created, expires, revoked, used, user_id, verifier FROM invitations"

static void invite_row(store_invite *o, const PGresult *res, int i)
{
	memset(o, 0, sizeof *o);
	o->id = gi(res, i, 0);
	snprintf(o->name, sizeof o->name, "%s", gt(res, i, 1));
	snprintf(o->role, sizeof o->role, "%s", gt(res, i, 2));
	snprintf(o->creator, sizeof o->creator, "%s", gt(res, i, 3));
	o->created = gi(res, i, 4);
	o->expires = gi(res, i, 5);
	o->revoked = gi(res, i, 6);
	o->used = gi(res, i, 7);
	o->user_id = gi(res, i, 8);
	bfixed(o->verifier, sizeof o->verifier, res, i, 9);
}

int pg_store_invite_insert(store *s, store_invite *t)
{
	pa a[9] = { PT(t->name), PT(t->role), PT(t->creator), PI(t->created), PI(t->expires), PI(t->revoked), PI(t->used),
		    PI(t->user_id), PB(t->verifier, sizeof t->verifier) };
	return write_id(s, T_INVITATIONS, "storing the invitation",
			"INSERT INTO invitations(name, role, creator, created, expires, revoked, used, user_id, verifier)"
			" VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id", a, 9, &t->id);
}

int pg_store_invite_get(store *s, store_invite *out, int64_t id)
{
	PGresult *res;
	pa a[1] = { PI(id) };
	int n = run(s, "reading the invitation", INVITE_COLS " WHERE id = $1", a, 1, &res);
	memset(out, 0, sizeof *out);
	if (n < 0)
		return n;
	if (n > 0)
		invite_row(out, res, 0);
	PQclear(res);
	if (n == 0)
		return FORT_ENOTFOUND;
	return pg_store_seal_require_row(s, "invitations", out->id);
}

int pg_store_invite_each(store *s, store_invite_cb cb, void *ctx)
{
	PGresult *res;
	int n, r = 0;
	if ((r = seal_require_table(s, T_INVITATIONS)) < 0)
		return r;
	if ((n = run(s, "reading the invitations", INVITE_COLS " ORDER BY id", NULL, 0, &res)) < 0)
		return n;
	for (int i = 0; i < n && r == 0; i++) {
		store_invite t;
		invite_row(&t, res, i);
		r = cb(ctx, &t);
	}
	PQclear(res);
	return r;
}

int pg_store_invite_set(store *s, int64_t id, int64_t revoked, int64_t used, int64_t user_id)
{
	pa a[4] = { PI(revoked), PI(used), PI(user_id), PI(id) };
	return write_id(s, T_INVITATIONS, "changing the invitation",
			"UPDATE invitations SET revoked = $1, used = $2, user_id = $3 WHERE id = $4 RETURNING id", a, 4, NULL);
}

int pg_store_join_put(store *s, int64_t invite, int64_t user_id, const unsigned char *totp, size_t len, int64_t when)
{
	pa a[4] = { PI(invite), PI(user_id), PB(totp, len), PI(when) };
	int n = run(s, "recording the join", "INSERT INTO invite_joins(invite, user_id, totp, created) VALUES($1,$2,$3,$4)", a, 4,
		    NULL);
	return n < 0 ? n : 0;
}

int pg_store_join_get(store *s, int64_t invite, int64_t user_id, int64_t *invite_out, int64_t *user_out, unsigned char **totp,
		      size_t *len)
{
	PGresult *res;
	pa a[1] = { PI(invite ? invite : user_id) };
	int n = run(s, "reading the join", invite ? "SELECT invite, user_id, totp FROM invite_joins WHERE invite = $1"
						  : "SELECT invite, user_id, totp FROM invite_joins WHERE user_id = $1",
		    a, 1, &res), r = 0;
	if (totp)
		*totp = NULL;
	if (n < 0)
		return n;
	if (n == 0) {
		PQclear(res);
		return FORT_ENOTFOUND;
	}
	if (invite_out)
		*invite_out = gi(res, 0, 0);
	if (user_out)
		*user_out = gi(res, 0, 1);
	if (totp)
		r = bdup(totp, len, res, 0, 2);
	PQclear(res);
	return r;
}

int pg_store_join_delete(store *s, int64_t invite)
{
	pa a[1] = { PI(invite) };
	int n = run(s, "removing the join", "DELETE FROM invite_joins WHERE invite = $1", a, 1, NULL);
	return n < 0 ? n : 0;
}

/* ------------------------------------------------ snapshot (backups) */

static int snap_put(void *ctx, const char *table, size_t ncols, const char *const *cols, const store_value *vals)
{
	return sqlite_store_raw_put(ctx, table, ncols, cols, vals);
}

/* A backup's snapshot is a SQLite vault image (backup.h), whatever the
 * backend: every row of this database is copied as it is (store_raw_each)
 * into a vault in memory (nothing on disk), whose image is returned.
 * Consistent: inside the caller's transaction, writers wait on the
 * advisory lock it holds; outside one, a REPEATABLE READ READ ONLY
 * transaction gives one view of every table. */
int pg_store_snapshot_mem(store *s, unsigned char **out, size_t *len)
{
	store *m = NULL;
	/* in the caller's transaction, write or read (store_read_begin) */
	int r, own = s->txdepth == 0 && !s->rtx;
	*out = NULL;
	*len = 0;
	if (own && (r = exec_plain(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "taking the snapshot")) < 0)
		return r;
	if ((r = sqlite_store_open(&m, ":memory:", 1)) == 0 && (r = sqlite_store_begin(m)) == 0) {
		r = pg_store_raw_each(s, snap_put, m);
		if (sqlite_store_raw_done(m) < 0 && r == 0)
			r = fort_error_code();
		if (r == 0)
			r = sqlite_store_commit(m);
		else
			sqlite_store_rollback(m);
	}
	if (r == 0)
		r = sqlite_store_snapshot_mem(m, out, len);
	sqlite_store_close(m);
	if (own)
		PQclear(PQexec(s->c, r == 0 ? "COMMIT" : "ROLLBACK"));
	return r;
}

static int count_row(void *ctx, const char *table, size_t ncols, const char *const *cols, const store_value *vals)
{
	(void)table;
	(void)ncols;
	(void)cols;
	(void)vals;
	(*(uint64_t *)ctx)++;
	return 0;
}

/* PostgreSQL checks its own pages (with data checksums when initdb turned
 * them on): this reads every row of every table once, so a page it cannot
 * read fails here (FORT_ECORRUPT or FORT_EIO as mapped). */
int pg_store_integrity_check(store *s)
{
	uint64_t n = 0;
	return pg_store_raw_each(s, count_row, &n);
}
