/* store.h - the storage interface: the only way to the database.
 *
 * Only ciphertext, blind indexes, wrapped keys and metadata without personal
 * data pass through it.  No SQL and no database handle cross it: callers
 * name what they want (store_incident_insert, store_export_each), never how
 * it is stored.  src/store/sqlite.c (with attach.c and ledger.c) is the one
 * backend today (embedded SQLite); a second one (PostgreSQL, issue 19)
 * implements these same functions with the same guarantees, written here
 * per group.  What every function guarantees:
 *
 * Errors: 0 (or a count / 1-or-0 answer where said) or a negative FORT_E*
 * code with the message set, naming the step.  The backend maps its own
 * errors once (sqlite.c: store_sqlite_error): disk full -> FORT_EIO, busy
 * or locked by another process -> FORT_EBUSY, a damaged file or not a vault
 * -> FORT_ECORRUPT, other I/O and permission failures -> FORT_EIO, out of
 * memory -> FORT_ENOMEM, a uniqueness or other constraint -> FORT_EEXISTS
 * (except where a function says otherwise: a UNIQUE blind-index entry is
 * FORT_EDUPLICATE), anything else FORT_ERROR.  A failed write inside a
 * transaction leaves the transaction to the caller: store_rollback undoes
 * all of it.
 *
 * Callbacks (the _each functions): called once per row, in the order the
 * function states; a non-zero return stops the walk and is returned.
 * Pointers in the row are valid during the call only.  A callback may read
 * through the store; whether it may write the table being walked is not
 * promised (collect first, then write).
 *
 * Ids: row ids are positive int64, assigned by the store on insert (set in
 * the struct passed in), never reused while the row exists.
 *
 * Sealed tables (store_seal_table lists them; docs/SECURITY.md "seals"):
 * every write to one must happen inside store_begin .. store_commit, and
 * the transaction must end with an audit entry (store_audit_append followed
 * by store_seal_flush, which the vault's audit code does); otherwise commit
 * runs the commit hook or fails with FORT_ETAMPER and nothing is written.
 * A backend notes every change to a sealed table itself, whatever function
 * made it.
 *
 * Backends (issue 19): store_open picks one by the path: postgresql://...,
 * postgres://... or service=NAME is PostgreSQL (src/store/postgres.c),
 * anything else a SQLite file (sqlite.c, attach.c, ledger.c, signin.c).
 * Each backend's struct store starts with an int tag (backends.h); the
 * public store_X in dispatch.c read it and call sqlite_store_X or
 * pg_store_X.  The SQLite files include sqlite_names.h first, which renames
 * their store_X definitions to sqlite_store_X, so their code is unchanged.
 * dispatch.c, backends.h and sqlite_names.h are generated from this header
 * by scripts/gen-store-dispatch.py (rerun it after adding a function; ctest
 * store_dispatch fails until then); a function postgres.c does not define
 * yet answers FORT_ERROR "... is not yet available on a PostgreSQL vault".
 * A function taking no store (store_seal_table, the _release functions)
 * is shared. */
#ifndef FORT_STORE_H
#define FORT_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_SCHEMA_VERSION 23
#define STORE_BIDX_LEN 16

typedef struct store store;

/* CREATE: the file must not exist; the schema is created.  Otherwise the
 * file must be a Fortress vault of a schema this build knows (older schemas
 * are migrated). */
int store_open(store **out, const char *path, int create);
/* 1 when PATH names a PostgreSQL database (postgresql://, postgres:// or
 * service=NAME), 0 for a SQLite file. */
int store_path_is_pg(const char *path);
void store_close(store *s);

/* ------------------------------------------------- opening, transactions */

/* Write transactions: one writer at a time (SQLite: BEGIN IMMEDIATE, so a
 * second writer gets FORT_EBUSY at store_begin, never half-way).  Nested
 * calls are counted: only the outermost store_commit commits (running the
 * seal check above first); an inner one only counts down.  store_rollback
 * at any depth undoes the whole transaction and resets the count.  Reads
 * outside a transaction see committed data only; inside, they see the
 * transaction's own writes. */
int store_begin(store *s);
int store_commit(store *s);
void store_rollback(store *s);
/* One snapshot for a series of reads (fort_audit_verify): from
 * store_read_begin to store_read_end every read sees the vault as it stood
 * at the first one, whatever other connections commit meanwhile (SQLite: a
 * deferred read transaction; PostgreSQL: REPEATABLE READ READ ONLY).  No
 * writes in between.  Inside a write transaction both do nothing.  They
 * nest: a pair inside another pair (a row and its MAC read by a function
 * that a longer series of reads calls) keeps the outer snapshot, which
 * ends at the outermost store_read_end. */
int store_read_begin(store *s);
void store_read_end(store *s);
/* A read outside any transaction or snapshot reads a row and its seal in
 * two statements, and another process's commit can land between them: a
 * seal check that fails there (FORT_ETAMPER) is no proof of tampering.
 * Every public store function that fails so is run once more inside a
 * snapshot (dispatch.c): store_reread_begin opens one and says 1 (the
 * caller ends it with store_read_end), or says 0 when the failure already
 * came from one (a transaction, store_read_begin) and stands. */
int store_reread_begin(store *s);
/* Has another connection (another process, another handle) committed to
 * the file since the last call?  1 yes, 0 no (the first call notes where
 * the file stands and says 0), <0 on error.  On a change the ledgers this
 * connection checked whole against their seals are checked whole again at
 * their next read.  Commits of this connection do not count (SQLite's
 * data_version). */
int store_changed(store *s);
/* The handle's request or command is done (fort_vault_flush): what the
 * backend keeps open for the next call ends (SQLite: the read transaction
 * a series of finds keeps, sqlite.c; every store function but the find
 * and store_seal_require ends it too).  Nothing to do on PostgreSQL. */
void store_idle(store *s);
/* A server's request begins (fort_vault_refresh, a handle with the group
 * commit): its reads share one snapshot, the vault as it stands now, until
 * the first store function that is not one of those reads (KEEPS_READ in
 * scripts/gen-store-dispatch.py: store_changed, store_audit_tail,
 * store_keep_checks, store_client_get, the find, store_seal_require) or
 * store_idle (SQLite: the find's kept read transaction, begun here and not
 * checked current until it ends; inside a transaction or snapshot it does
 * nothing).  Nothing to do on PostgreSQL. */
void store_read_keep(store *s);
/* Where the file stood, as a WAL position (SQLite in WAL mode: the
 * WAL-index header's two salts and last frame, which a commit moves and a
 * restart of the WAL renews): lets a server's handle tell that only the
 * group commit's own commits happened since its last request without
 * reading the chain's tail (audit/writer.c, fort_vault_refresh).
 * store_read_mark: the position of the request's snapshot (store_read_keep)
 * once a read in it began it (store_changed), 1; 0 when not known exactly
 * (not WAL mode, no such snapshot, a commit while it began).
 * store_commit_marks: the positions before and after this connection's
 * last commit (store_commit), taken while it held the write lock and from
 * the commit's own frame count, 1; 0 when not known (another commit right
 * after it, the WAL restarted by it, not the audit writer's connection:
 * store_append_only).  PostgreSQL: 0, never known. */
int store_read_mark(store *s, uint32_t mark[3]);
int store_commit_marks(store *s, uint32_t before[3], uint32_t after[3]);
/* After store_changed said 1, when the caller knows every commit since its
 * previous call added audit entries only (the process's own group commit,
 * audit/writer.c): the ledgers S checked whole stay checked. */
void store_keep_checks(store *s);
/* 1 while a transaction is open on S, or sealed rows changed outside one
 * wait for their audit entry; else 0.  An audit entry then belongs in S's
 * own transaction, not in another connection's (audit/writer.c). */
int store_tx_open(store *s);
/* Checkpoint and truncate the WAL, so erased pages leave it too. */
int store_checkpoint(store *s);
/* ON: a bulk write (an import) is running: SQLite's page cache is made
 * smaller (40 instead of 64 MiB) so that the peak memory of a large import
 * stays under its budget; OFF puts it back. */
void store_bulk(store *s, int on);
/* ON: a long rewrite in many transactions (a key rotation) is running:
 * SQLite's commits leave the WAL to grow to STORE_REWRITE_WAL_MIB before
 * one checkpoints it (instead of at 4 MiB), so that pages the next batches
 * write again are copied into the file once, not after every batch
 * (bench/README.md, "wt-rot (third session)"); OFF puts it back.  A hint:
 * nothing fails without it, and durability is the same (each commit is
 * synced to the WAL).  PostgreSQL: nothing to do. */
#define STORE_REWRITE_WAL_MIB 256
void store_rewrite(store *s, int on);
/* S only appends what it does not read again (the server's audit writer,
 * audit/writer.c): SQLite's page cache is made small (2 MiB instead of
 * 64).  Its own commits do not reset its cache, so the audit pages it
 * appended stayed cached up to 64 MiB in a server that ran long enough:
 * about 300 bytes of memory per request answered (bench/README.md).  A
 * hint: PostgreSQL's memory is the server's.  SQLite: S's commits also
 * note their WAL positions (store_commit_marks). */
void store_append_only(store *s);
/* After a failed store call during a bulk write: 1 and *CLIENT set when the
 * statement that failed was CLIENT's row (on PostgreSQL a client's INSERT
 * waits in the pipeline and its refusal comes back from a later call), else
 * 0 (SQLite: the call that fails is the row's own). */
int store_failed_client(store *s, int64_t *client);
/* The writers' lock taken late (issue 19; PostgreSQL only).  With
 * store_bulk on, store_begin on PostgreSQL opens the transaction without
 * the writers' lock, so that two processes' imports write their rows side
 * by side; store_write_lock takes it (waiting as store_begin would,
 * FORT_EBUSY past lock_timeout): 1 taken now, 0 held already (SQLite
 * always: its BEGIN IMMEDIATE is the lock), <0 error (the caller rolls
 * back).  Before it the transaction adds client rows and index entries
 * and reads; the backend takes the lock itself before an audit entry is
 * read or appended, seals are flushed or metadata written, so the audit
 * chain stays one total order.  What the writer decided before the lock
 * from what others may since have committed it checks again after it.
 * store_lock_deferred: 1 while the open transaction has not taken it. */
int store_lock_deferred(store *s);
int store_write_lock(store *s);
int store_schema_version(store *s);

/* --------------------------------------------------------------- metadata */

/* Key/value metadata (no personal data).  One value per key: put replaces.
 * The keys listed as sealed (the data map, names, the vault id, ...) are
 * sealed rows: put them inside an audited transaction. */
int store_meta_get(store *s, const char *key, unsigned char **val, size_t *len);
/* Without the seal check: the vault's own details read at open, before
 * the seals are enforced (vault_need checks them before any operation). */
int store_meta_get_unchecked(store *s, const char *key, unsigned char **val, size_t *len);
int store_meta_put(store *s, const char *key, const void *val, size_t len);
/* Read every meta row (and what its seal check needs) at once: the meta
 * reads that follow are answered from what was read, until the next
 * transaction, snapshot (store_read_begin), store_changed or meta write,
 * each checked as a read of its own would be.  For the open, which reads
 * a dozen keys: one round trip on PostgreSQL instead of one or two per
 * key; nothing on SQLite (a read there is no round trip). */
int store_meta_preload(store *s);

/* ------------------------------------------------------- users and grants */

/* Users: NAME unique (a second insert of one is FORT_EEXISTS), listed by
 * id.  Grants: one per (user, key, version), put replaces; listed by key
 * name, then version.  Neither is a sealed table: users and roles are
 * covered by the policy MAC, grants open only for their user
 * (docs/SECURITY.md, "What is not sealed"). */
typedef struct {
	int64_t id;
	char *name;
	char *role;
	unsigned char box_pk[32];
	unsigned char sign_pk[32];
	unsigned char salt[16];
	uint64_t opslimit, memlimit;
	unsigned char *sealed;  /* nonce || XChaCha20-Poly1305(box_sk || sign_seed) */
	size_t sealed_len;
	int64_t created;
	char *status;           /* "active", "pending" (asked to join) or "removed" */
	int64_t removed;        /* when removed, 0 otherwise */
} store_user;

int store_user_insert(store *s, store_user *u); /* sets u->id */
/* NAME NULL: the first user with role owner. */
int store_user_get(store *s, store_user *out, const char *name);
int store_user_get_by_id(store *s, store_user *out, int64_t id);
int store_user_update_seal(store *s, const store_user *u);
typedef int (*store_user_cb)(void *ctx, const store_user *u);
int store_user_each(store *s, store_user_cb cb, void *ctx); /* by id */
int store_user_set(store *s, int64_t id, const char *role, const char *status, int64_t removed);
int store_user_delete(store *s, int64_t id);
void store_user_release(store_user *u);

int store_grant_put(store *s, int64_t user, const char *key, int version, const void *sealed, size_t len);
typedef int (*store_grant_cb)(void *ctx, const char *key, int version, const unsigned char *sealed, size_t len);
int store_grant_each(store *s, int64_t user, store_grant_cb cb, void *ctx);
/* Delete USER's grants of KEY (every version), or all of USER's when KEY is NULL. */
int store_grant_del(store *s, int64_t user, const char *key);
/* Delete every user's grants of KEY older than version BELOW. */
int store_grant_del_old(store *s, const char *key, int below);

/* ------------------------------------------------ clients and the indexes */

/* Client records and both kinds of blind-index entries are sealed.  Client
 * ids are unique (an insert of a taken id is FORT_EEXISTS) and not reused
 * after an erasure: the caller takes new ids above store_client_max_id,
 * which counts the erasure ledger too.  A read of a sealed vault checks the
 * row against its seal (FORT_ETAMPER naming it). */
typedef struct {
	int64_t id;
	int vk_version;
	unsigned char *wrapped; size_t wrapped_len;
	unsigned char *data; size_t data_len;   /* encoded encrypted fields */
	int64_t created, updated;
	/* store_client_insert only: the row's seal hash as store_client_hash
	 * makes it from these values, made beforehand (an import's sealer
	 * threads: bench/README.md "wt-seal"), or NULL for the store to make
	 * it.  A hash that is not the row's can only make the row's seal
	 * fail, never pass a changed row. */
	const unsigned char *hash;
} store_client;

/* The seal hash of the client row C (what both backends hash for it when
 * they read it back; seal_common.c). */
void store_client_hash(unsigned char out[32], const store_client *c);

int store_client_insert(store *s, const store_client *c); /* FORT_EEXISTS on id clash */
int store_client_update(store *s, const store_client *c);
/* The same write with the row's seal hash computed ahead by
 * store_client_update_prep (into HASH, without the database: a rotation's
 * worker thread, while the calling thread writes through S): 1, or 0 when
 * the backend computes nothing ahead.  store_client_update_hashed with
 * HASH NULL is store_client_update.  A HASH that is not the row's makes
 * its seal fail at the next read: it never vouches for another row. */
int store_client_update_prep(store *s, const store_client *c, unsigned char hash[32]);
int store_client_update_hashed(store *s, const store_client *c, const unsigned char hash[32]);
int store_client_get(store *s, store_client *out, int64_t id); /* FORT_ENOTFOUND */
int store_client_delete(store *s, int64_t id);
typedef int (*store_client_cb)(void *ctx, const store_client *c);
/* By creation time, then id. */
int store_client_each(store *s, store_client_cb cb, void *ctx);
/* Every client id, in id order (nothing decrypted, no record read). */
typedef int (*store_id_cb)(void *ctx, int64_t id);
int store_client_ids(store *s, store_id_cb cb, void *ctx);
/* At most LIMIT clients with an id above AFTER, in id order. */
int store_client_batch(store *s, int64_t after, size_t limit, store_client_cb cb, void *ctx);
/* store_client_batch for a caller that checks the records on another
 * thread (a key rotation's worker: bench/README.md, "wt-rot (third
 * session)").  CB gets each record and may keep its buffers (it takes
 * C->wrapped and C->data and sets them NULL; the store frees what is
 * left).  Where a record's check against its seal needs nothing but the
 * row and its seal head (read in the same statement; the row not changed
 * in the open transaction, its columns of the types the store writes),
 * the store leaves that check to store_client_seal_check(C, SEAL), which
 * the caller must call, with the record as it was delivered, before it
 * uses it (no database: any thread; FORT_ETAMPER naming the record as
 * the store's own check would); any other record the store has checked
 * itself (SEAL->deferred 0: store_client_seal_check answers 0). */
typedef struct {
	int deferred;             /* 1: store_client_seal_check compares */
	int found;                /* the record has a seal head */
	int64_t seq;              /* its seal's sequence number */
	unsigned char sealed[32]; /* its sealed hash */
} store_client_seal;
typedef int (*store_client_take_cb)(void *ctx, store_client *c, const store_client_seal *seal);
int store_client_batch_take(store *s, int64_t after, size_t limit, store_client_take_cb cb, void *ctx);
int store_client_seal_check(const store_client *c, const store_client_seal *seal);
int store_client_count(store *s, uint64_t *n);
/* The largest client id ever used (clients and erasure ledger), 0 if none. */
int store_client_max_id(store *s, int64_t *id);
void store_client_release(store_client *c);

/* Blind-index entries.  UNIQUE entries (e-mail, phone) may belong to one
 * client only: adding one that another client holds is FORT_EDUPLICATE with
 * *OTHER (may be NULL) set to that client, found by the insert itself. */
int store_blind_add(store *s, const unsigned char h[STORE_BIDX_LEN], int64_t client, int unique, int64_t *other);
/* N entries at once (an import's batch), in order, as N store_blind_add
 * calls: OTHER[i] is 0 when entry i was added (or its client held it
 * already), else the client holding the unique value (the duplicate).  A
 * hard error stops it (what was added stays for the caller's rollback).
 * PostgreSQL: one statement per index per 1,000 entries, in the pipeline;
 * SQLite: one INSERT OR IGNORE per index per 64 entries (then 8, then 1).
 * A new unique entry whose value has a live seal (its entry removed outside
 * Fortress) is FORT_ETAMPER: here (PostgreSQL; SQLite when the statement
 * did not add all its entries), or, on SQLite when all went in, from the
 * store_seal_flush that writes its seal head (the head's write leaves a
 * live head as it is and says so), after which the caller rolls back as
 * after any failed flush.  The same for store_blind_move_many's new
 * entries. */
typedef struct {
	unsigned char h[STORE_BIDX_LEN];
	int64_t client;
	int unique;
	/* FRESH (an import's): on a search entry, the client's search group
	 * holds nothing but this call's entries for it (a client new in this
	 * transaction, every search entry of it in this one call), so the
	 * store may hash the group's seal from them instead of reading the
	 * group back at the flush.  A false claim can only make that seal
	 * disagree with the rows (a read or `audit verify` then fails), never
	 * pass a changed row.  0: the group is read back, as always.  On a
	 * unique entry (PostgreSQL; SQLite ignores it), every unique entry of
	 * the call fresh and in value order: the store reads who holds the
	 * call's values (and their seals, for the FORT_ETAMPER above) first
	 * and inserts the others without ON CONFLICT; a value another process
	 * adds meanwhile refuses the change as FORT_EBUSY (try again) where
	 * it would otherwise be a duplicate (*OTHER).  The checks are the same
	 * whatever the claim. */
	int fresh;
} store_bidx_add;
int store_blind_add_many(store *s, const store_bidx_add *e, size_t n, int64_t *other);
/* A key rotation's entries (issue 16): N entries of CLIENTs moved from
 * OLD_H to NEW_H (their value's hash under the old and the new key).  The
 * outcome of store_blind_del(OLD_H, CLIENT, UNIQUE ? STORE_IDX_UNIQUE :
 * STORE_IDX_SEARCH) for every entry, then store_blind_add_many of every
 * NEW_H, except that a unique NEW_H another client holds goes to the search
 * index instead (two clients share a value only while one was written
 * under the new key and the other still has the old one: both stay
 * findable).  Seals and MACs as those calls write them.  A hard error stops
 * it (what was changed stays for the caller's rollback).  SQLite: the
 * search entries 64 to a DELETE, the unique ones one by one (which of them
 * went must be known exactly), then 64 of a table to an INSERT OR IGNORE
 * (then 8, then one by one); PostgreSQL: one entry at a time. */
typedef struct {
	unsigned char old_h[STORE_BIDX_LEN], new_h[STORE_BIDX_LEN];
	int64_t client;
	int unique;
	/* WHOLE (a rotation's; set on every entry of CLIENT in the call, or
	 * it means nothing): after the move the client's search group holds
	 * nothing but this call's NEW_H for it, its search entries' and its
	 * unique ones' that went to the search index (a value another client
	 * holds): every index entry of the client is moved, all in this one
	 * call.  The store may then hash the group's seal from them instead
	 * of reading the group back at the flush (as store_bidx_add.fresh
	 * for an import).  A false claim can only make that seal disagree
	 * with the rows (a read or `audit verify` then fails), never pass a
	 * changed row.  SQLite does not take the claim when a deletion of
	 * the call found fewer entries than it was given (the group may hold
	 * one the move did not name: an entry hashed by an older index
	 * version); PostgreSQL reads every group back at its flush (one
	 * statement for all of them) and ignores it.  0: read back. */
	int whole;
	/* store_blind_move_prep's (PREP 1, else computed by the move): the
	 * old unique entry's seal id; the new entry's seal id, row hash (a
	 * unique entry's) and MAC (HAS_MAC 0: the store has no MAC key);
	 * for a WHOLE client (HAS_GROUP 1, on each of its entries) its search
	 * group's seal hash should no unique value go to the search index,
	 * from the client's entries in that prep call (a client's entries
	 * split between two calls: a false claim, see WHOLE) */
	int prep, has_mac, has_group;
	int64_t old_sid, new_sid;
	unsigned char new_hash[32], new_mac[16], group[32];
} store_bidx_move;
int store_blind_move_many(store *s, const store_bidx_move *m, size_t n);
/* What store_blind_move_many computes for M[0..N-1] without the database
 * (the seal ids, hashes and MACs above), computed ahead: a rotation's
 * worker thread calls it while the calling thread writes through S.  It
 * reads nothing of S but the index MAC keys (not to be changed meanwhile:
 * store_index_mac_keys) and writes nothing of it.  A backend that
 * computes nothing ahead leaves PREP 0. */
int store_blind_move_prep(store *s, store_bidx_move *m, size_t n);
/* Remove H for CLIENT.  UNIQUE says where the entry is: STORE_IDX_SEARCH
 * (0) the search index only (a field that is not unique: its entries are
 * only ever added there); STORE_IDX_UNIQUE (1) the unique index, and the
 * search index only if it was not there (where store_blind_add's caller put
 * a value two clients shared, during a rotation or a reindex);
 * STORE_IDX_EITHER (-1) both, for a caller that does not know the field.
 * (Issue 16: a rotation removed every entry from both, one DELETE too
 * many per entry.) */
enum { STORE_IDX_EITHER = -1, STORE_IDX_SEARCH = 0, STORE_IDX_UNIQUE = 1 };
int store_blind_del(store *s, const unsigned char h[STORE_BIDX_LEN], int64_t client, int unique);
/* Remove every search entry of CLIENT (by the search index's index by
 * client): an erasure's, which also removes the unique entries
 * (store_uniq_del_values, else store_uniq_del_clients). */
int store_blind_del_client(store *s, int64_t client);
/* The unique index has no index by client on SQLite (schema 22, issue 16:
 * it cost every imported client ~4k instructions and every rotated one
 * ~9k), so a client's unique entries are removed by their values, and by
 * a pass over the whole table only when those are not all known.
 * store_uniq_del_values: remove the unique entries H[0..N-1] of CLIENT
 * (the values an erasure recomputed); *FOUND: how many were there (fewer
 * than N: the client may hold others, under an older key or index version:
 * the caller then calls store_uniq_del_clients).  Each removal sealed as
 * store_blind_del's. */
int store_uniq_del_values(store *s, int64_t client, const unsigned char (*h)[STORE_BIDX_LEN], size_t n, size_t *found);
/* Remove every unique entry of the N clients CLIENTS (any order,
 * repeats allowed): SQLite reads the whole table once for all of them
 * (an erasure whose values are not all known, `backup restore` replaying
 * its erasures); PostgreSQL keeps its index by client.  *REMOVED (may be
 * NULL): entries removed. */
int store_uniq_del_clients(store *s, const int64_t *clients, size_t n, uint64_t *removed);
/* A unique entry whose client has no record (erased, or never there):
 * what an erasure must never leave behind (an entry it left keeps a live
 * seal, so the seals do not name it).  1 with *CLIENT of the first such
 * entry found, 0 when there is none.  Reads the table whole, a probe of
 * the clients per entry (`audit verify`).  The search entries need no
 * such check: an erasure removes them by their index by client, and their
 * client's group seal names any put back. */
int store_uniq_orphan(store *s, int64_t *client);
/* Client ids with index entry H (at most MAX, in no promised order); *n set.
 * Each entry found is checked before its client is returned: by its MAC
 * when it carries one (store_index_mac_keys), else, in a sealed vault,
 * against its seal; either way FORT_ETAMPER names the client.  A unique
 * value not found is checked against its seal (removed outside Fortress). */
int store_blind_find(store *s, const unsigned char h[STORE_BIDX_LEN], int unique, int64_t *ids, size_t max, size_t *n);

/* Index entries' MACs (issue 16; schema 15): each blind/uniq row carries a
 * SipHash-2-4-128 MAC over (table, H, client) under a key derived from the
 * vault key (keys_index_mac_key), so a find checks the row in hand instead
 * of looking up its seal.  KEYS: N keys of 16 bytes, the first
 * the one new entries are written with, the others (older vault-key
 * versions during a rotation) accepted on reads; copied into locked
 * memory; N 0 forgets them (wiped).  Without keys, entries are written
 * without a MAC and checked against their seals.  The seal of an entry
 * still covers (H, client) only: the MAC is not sealed content.  Both
 * backends write and check the same MAC (seal_common.h, seal_index_mac). */
int store_index_mac_keys(store *s, const unsigned char *keys, size_t n);
/* Give up to MAX entries without a MAC (written before schema 15, or
 * without keys) their MAC under the first key, in key order after the
 * entry CURSOR names (*CURSOR: STORE_BIDX_LEN + 9 bytes, all zero to start;
 * updated).  In a sealed vault each entry is checked against its seal
 * first: one that does not match stops with FORT_ETAMPER (nothing blessed).
 * *DONE: entries given a MAC; *MORE 0 when none without one is left. */
#define STORE_IMAC_CURSOR (STORE_BIDX_LEN + 9)
int store_index_mac_upgrade(store *s, unsigned char cursor[STORE_IMAC_CURSOR], size_t max, uint64_t *done, int *more);
/* Every entry whose MAC verifies under an older key (not the first) is
 * given its MAC under the first (a rotation of the vault key, before the
 * old version is destroyed); one whose MAC verifies under none is left as
 * it is (a find refuses it).  *DONE: entries re-MAC'd. */
int store_index_mac_rekey(store *s, uint64_t *done);
/* The entries of both index tables (a rotation that wrote as many under
 * the current key, and let no one else write, has nothing to rekey:
 * bench/README.md, "wt-rot (third session)"). */
int store_index_count(store *s, uint64_t *n);

/* The erasure ledger (sealed): one entry per erased client id; adding one
 * twice keeps the first. */
int store_erased_add(store *s, int64_t client, int64_t ts);
int store_erased_has(store *s, int64_t client); /* 1, 0, <0 */
int store_erased_count(store *s, uint64_t *n);

/* -------------------------------------------------------------- audit log */

/* Append-only, in seq order (the caller chains the hashes).  Not itself a
 * sealed table: it is what seals the others. */
typedef struct {
	int64_t seq, ts, actor_id;
	const char *actor, *action, *client, *fields, *purpose, *result, *detail;
	unsigned char prev[32], hash[32];
	unsigned char sig[64];
	int has_sig;
	unsigned char seals[32];  /* digest of the seals written with this entry */
	int has_seals;
	/* has_batch: the second format (src/audit/audit.c): BATCH is the seq
	 * of the first entry of the transaction that wrote it; an entry without
	 * SIG is vouched for by its actor's signature later in that batch */
	int has_batch;
	int64_t batch;
} store_audit_row;

int store_audit_append(store *s, const store_audit_row *r);
/* Seq and hash of the newest row; FORT_ENOTFOUND if the log is empty. */
int store_audit_tail(store *s, int64_t *seq, unsigned char hash[32]);
typedef int (*store_audit_cb)(void *ctx, const store_audit_row *r);
/* Rows in seq order; CLIENT filters when not NULL. */
int store_audit_each(store *s, const char *client, store_audit_cb cb, void *ctx);
int store_audit_count(store *s, uint64_t *n);
/* *ANY 1 when some entry carries a seals digest (the vault was sealed once). */
int store_audit_has_seals(store *s, int *any);
/* Failed unlocks (audited "unlock-failed") since SINCE (unix time) and the time of the newest, 0 if none. */
int store_audit_failed_unlocks(store *s, int64_t since, uint64_t *n, int64_t *last);

/* ------------------------------------------------------------------ seals */

/* Every change to a sealed table (client records, the blind and unique
 * indexes, and the ledgers: consent, erasures, exports, requests and their
 * events, the incident register, legal holds; attachments and their client
 * links) is noted by the store.  The audit entry
 * written next in the same transaction calls store_seal_flush with its seq:
 * each changed row's hash (zeros: removed) goes into seal_log under that
 * seq, and the digest of those seals goes into the entry, which is hashed
 * and signed.  A transaction that changes a sealed row after its last audit
 * entry runs the commit hook (which writes one), or fails. */
typedef int (*store_commit_hook)(void *ctx);
void store_set_commit_hook(store *s, store_commit_hook fn, void *ctx);
size_t store_seal_pending(store *s);
/* *ANY 0 (DIGEST zeros) when nothing was changed since the last flush. */
int store_seal_flush(store *s, int64_t seq, unsigned char digest[32], int *any);
/* The digest of the seals stored under SEQ; *N how many (0: DIGEST zeros). */
int store_seal_digest(store *s, int64_t seq, unsigned char digest[32], uint64_t *n);
int store_seal_count(store *s, uint64_t *n);
/* Note every row of every sealed table as changed (sealing an older vault). */
int store_seal_touch_all(store *s);
/* The sealed tables' names, I from 0 until NULL. */
const char *store_seal_table(size_t i);

enum { STORE_SEAL_OK, STORE_SEAL_CHANGED, STORE_SEAL_UNSEALED, STORE_SEAL_REMOVED };
typedef struct {
	const char *table;
	int64_t id;     /* the row's id (unique entries: a hash of the value; search entries: the client) */
	int64_t seq;    /* the audit entry of the newest seal, 0 if none */
	int state;
	char key[24];   /* meta: the row's key when it is not OK and still there */
} store_seal_check;
/* Compare a row (by rowid) with its newest seal.  A row changed in the
 * current transaction and not yet sealed is OK. */
int store_seal_row(store *s, const char *table, int64_t id, store_seal_check *out);
/* The same for an index entry: H for CLIENT (unique: H alone, whichever
 * client holds it; STATE REMOVED when the entry is gone but sealed). */
int store_seal_index(store *s, const unsigned char h[STORE_BIDX_LEN], int unique, int64_t client, store_seal_check *out);
/* Schema 18: search-index entries (not unique ones) are sealed per client,
 * all of a client's entries in one seal whose id is the client.  A vault
 * sealed before (meta "index_seal" = "entry") is regrouped once: inside a
 * transaction, every entry checked against its own seal and every live
 * per-entry seal against its entry (FORT_ETAMPER naming the first that
 * differs, nothing noted), then every old seal closed and every client's
 * group noted, for the caller's audit entry.  ENTRIES, CLIENTS: how many. */
int store_index_seal_regroup(store *s, uint64_t *entries, uint64_t *clients);
/* Every row of TABLE against its seal, and every live seal against a row:
 * CB for each one that is not OK (a non-zero return stops). */
typedef int (*store_seal_cb)(void *ctx, const store_seal_check *c);
/* One sentence naming the row and what is wrong with it (CLIENT, if known,
 * names the client of an index entry). */
void store_seal_describe(char *buf, size_t cap, const store_seal_check *c, int64_t client);
/* ON: the vault is sealed, so every read of a sealed row checks it against
 * its seal first (FORT_ETAMPER naming the row), and a ledger is checked
 * whole before its first read in this process. */
void store_seal_enforce(store *s, int on);
/* A table added to the seals after vaults were sealed (user_totp): inside
 * the caller's transaction, which must end with an audit entry, its rows
 * are noted for sealing as they stand, unless the log already holds seals
 * of the table (*SEALS > 0: then nothing is done, and the caller decides
 * whether their presence is tampering).  *ROWS: rows noted. */
int store_seal_adopt(store *s, const char *table, uint64_t *rows, uint64_t *seals);
/* When enforcing: TABLE whole against its seals, once per process (what
 * the store's own readers of ledgers do before their first read). */
int store_seal_require(store *s, const char *table);
/* One row (a group for holds, attachment_clients: the client, the
 * attachment) checked against its seal when the vault is sealed. */
int store_seal_require_row(store *s, const char *table, int64_t id);
/* Note a change to a sealed row or group the update hook cannot see. */
void store_seal_note(store *s, const char *table, int64_t id);
int store_seal_scan(store *s, const char *table, store_seal_cb cb, void *ctx);
/* seal_head (each row's newest seal, what reads check against) against
 * seal_log (what the signed digests vouch for), for `audit verify` after
 * every row was checked against its head: *DIFFER 0 when they agree; else
 * 1 and OUT says what checking the first such row against the log's newest
 * seal gives (STORE_SEAL_OK: only the heads were edited; TABLE NULL: a head
 * of no sealed table). */
int store_seal_heads_check(store *s, store_seal_check *out, int *differ);

/* ---------------------------------------------------------------- consent */

/* The consent ledger is sealed and append-only (seq order, chained by the
 * caller's hashes); notices are not sealed: each is named by its SHA-256. */
typedef struct {
	int64_t seq, client, ts;
	const char *purpose, *action, *channel, *recorded_by, *language, *notice, *evidence_hash;
	const unsigned char *evidence;  /* encrypted under the client's key, may be NULL */
	size_t evidence_len;
	unsigned char prev[32], hash[32];
} store_consent_row;

/* Append-only: the table's triggers refuse UPDATE and DELETE. */
int store_consent_append(store *s, const store_consent_row *c);
typedef int (*store_consent_cb)(void *ctx, const store_consent_row *c);
/* In seq order; CLIENT 0: every client. */
int store_consent_each(store *s, int64_t client, store_consent_cb cb, void *ctx);
int store_consent_tail(store *s, int64_t *seq, unsigned char hash[32]); /* FORT_ENOTFOUND if empty */
/* Notice texts by their SHA-256 (hex): kept once, never changed. */
int store_notice_put(store *s, const char *hash, const char *language, const void *text, size_t len, int64_t ts);
/* By HASH, or (HASH NULL) the newest in LANGUAGE; HASH_OUT gets its hash
 * (65 bytes); TEXT (may be NULL) a malloc'ed copy.  FORT_ENOTFOUND. */
int store_notice_get(store *s, const char *hash, const char *language, char *hash_out, unsigned char **text, size_t *len);

/* --------------------------------------------------------------- requests */

/* Data-subject requests and their history (events, append-only): both
 * sealed.  Lists by id. */
typedef struct {
	int64_t id, client, created, updated;
	char kind[16], jurisdiction[16], region[16];
	char received[11], clock_start[11], paused_since[11], closed[11]; /* YYYY-MM-DD or "" */
	char state[32];
	int paused_days, extended;
	char id_method[64], id_result[16];
} store_request;

/* Insert (Q->id 0: sets it) or update. */
int store_request_put(store *s, store_request *q);
int store_request_get(store *s, store_request *q, int64_t id); /* FORT_ENOTFOUND */
typedef int (*store_request_cb)(void *ctx, const store_request *q);
int store_request_each(store *s, int64_t client, store_request_cb cb, void *ctx); /* CLIENT 0: all */
int store_request_event(store *s, int64_t request, int64_t ts, const char *actor, const char *event, const char *detail);
/* Each request's channel and the client's note (issue 18 item 2): table
 * request_details, sealed, one row per request written when it is opened;
 * NOTE (may be NULL) is a vault box the store never opens. */
int store_request_details_put(store *s, int64_t request, const char *channel, const unsigned char *note, size_t len);
/* CHANNEL gets 16 bytes, *NOTE a malloc'ed copy (NULL when none).
 * FORT_ENOTFOUND (no error message set): none recorded; FORT_ETAMPER. */
int store_request_details_get(store *s, int64_t request, char channel[16], unsigned char **note, size_t *len);

/* ------------------------------------------------------------------ holds */

/* Fields kept after an erasure request under a legal hold: one hold per
 * (client, field), put replaces.  Sealed as one group per client (all of
 * its holds). */
int store_hold_put(store *s, int64_t client, const char *field, const char *until, const char *reason, int64_t request);
int store_hold_del(store *s, int64_t client, const char *field); /* FIELD NULL: all of CLIENT's */
typedef int (*store_hold_cb)(void *ctx, int64_t client, const char *field, const char *until, const char *reason,
			     int64_t request);
/* By end date, then client; UNTIL_MAX (may be NULL) limits to holds ending on or before it. */
int store_hold_each(store *s, const char *until_max, store_hold_cb cb, void *ctx);
/* The hold on CLIENT's FIELD: 1 with REASON (CAP bytes) set, 0 none ("" set). */
int store_hold_reason(store *s, int64_t client, const char *field, char *reason, size_t cap);
/* *ANY 1 when any hold exists. */
int store_hold_any(store *s, int *any);

/* ---------------------------------------------------------------- backups */

/* What backup and restore need beyond the groups above.  The erasure
 * ledgers are sealed. */
/* The whole database file as of now, in memory (*OUT, *LEN; free with
 * store_snapshot_free): consistent, one read of every page through this
 * connection (WAL included).  Nothing is written to disk: a copy of the
 * vault left next to a backup by a killed process could be opened with the
 * owner's passphrase long after clients were erased (issue 11). */
int store_snapshot_mem(store *s, unsigned char **out, size_t *len);
void store_snapshot_free(unsigned char *p);
/* PRAGMA integrity_check: 0 when "ok", else FORT_ECORRUPT. */
int store_integrity_check(store *s);
/* Every id of the erasure ledger with its time, in id order. */
typedef int (*store_erased_cb)(void *ctx, int64_t client, int64_t ts);
int store_erased_each(store *s, store_erased_cb cb, void *ctx);
/* Erase CLIENT by id: its row and every search entry are deleted and the
 * id goes into the ledger with time TS.  Its unique entries are the
 * caller's to remove (store_uniq_del_values / store_uniq_del_clients: on
 * SQLite a pass over the whole table, once for many clients).  *REMOVED
 * (may be NULL) is 1 when a row was there.  Call inside a transaction. */
int store_client_purge(store *s, int64_t client, int64_t ts, int *removed);
/* The field-erasure ledger: fields erased from a client that was kept (a
 * partial erasure, a field's retention ending), in the order erased. */
int store_erased_field_add(store *s, int64_t client, const char *field, int64_t ts);
typedef int (*store_erased_field_cb)(void *ctx, int64_t client, const char *field, int64_t ts);
int store_erased_field_each(store *s, store_erased_field_cb cb, void *ctx);
/* 1 when CLIENT's FIELD was erased at or after SINCE, 0 if not. */
int store_erased_field_has(store *s, int64_t client, const char *field, int64_t since);

/* ------------------------------------------------------------ attachments */

/* Attachments and their client links are sealed; chunks are not (each is
 * authenticated by the file's secretstream).  Lists by id. */
typedef struct {
	int64_t id, created;
	char *actor;
	uint64_t size;
	unsigned cats;                 /* category mask gating the file key */
	char *kvers;                   /* "cat:ver,cat:ver" */
	unsigned char *wrapped; size_t wrapped_len;
	unsigned char *meta; size_t meta_len;
	unsigned char *header; size_t header_len;
	uint64_t nchunks;
	int64_t *clients; size_t nclients;
} store_attachment;

/* Insert (A->id 0: sets it) with its client links; chunks separately. */
int store_attach_insert(store *s, store_attachment *a);
int store_attach_chunk_put(store *s, int64_t att, uint64_t seq, const void *data, size_t len);
/* Read chunk SEQ (a malloc'ed copy). */
int store_attach_chunk_get(store *s, int64_t att, uint64_t seq, unsigned char **data, size_t *len);
int store_attach_get(store *s, store_attachment *out, int64_t id); /* FORT_ENOTFOUND */
typedef int (*store_attach_cb)(void *ctx, const store_attachment *a);
/* By id; CLIENT 0: all, else those linked to CLIENT. */
int store_attach_each(store *s, int64_t client, store_attach_cb cb, void *ctx);
/* Fill in the crypto columns of a row inserted with empty ones. */
int store_attach_seal(store *s, const store_attachment *a);
/* Replace the wrapped key and its key versions (a key rotation). */
int store_attach_rewrap(store *s, int64_t id, const char *kvers, const void *wrapped, size_t len);
/* Delete the row, its chunks and its links. */
int store_attach_delete(store *s, int64_t id);
/* Remove one client's link to an attachment. */
int store_attach_unlink(store *s, int64_t att, int64_t client);
void store_attach_release(store_attachment *a);
/* ------------------------------------- plan drills, mail outbox, doctor */

/* The outbox is sealed (every column); attempts, drills and the check-up
 * history are not (docs/SECURITY.md).  Lists oldest first (by id). */
/* Drills of the incident plan.  DATA is sealed (vault_box): step timings,
 * notes, lessons, the outcome.  The rest is plain so a locked vault can say
 * when the plan was last drilled. */
typedef struct {
	int64_t id, started, finished;
	char type[48];
	int steps, done, skipped;
	const unsigned char *data; size_t data_len;
} store_drill;
int store_drill_add(store *s, store_drill *d); /* sets d->id */
typedef int (*store_drill_cb)(void *ctx, const store_drill *d);
/* Oldest first; pointers valid during the callback only. */
int store_drill_each(store *s, store_drill_cb cb, void *ctx);

/* The e-mail outbox.  DATA is sealed (vault_box): recipients, subject, bodies. */
typedef struct {
	int64_t id, created, last_attempt, sent;
	char ref[128], purpose[64], status[16]; /* queued | sending | sent */
	int attempts;
	char error[512];                         /* of the last failed attempt, "" if none */
	char message_id[160];
	const unsigned char *data; size_t data_len;
} store_mail;
/* Insert (M->id 0: sets it; DATA required) or update the delivery state
 * (status, attempts, last_attempt, sent, error, message_id). */
int store_mail_put(store *s, store_mail *m);
typedef int (*store_mail_cb)(void *ctx, const store_mail *m);
/* By id; REF_PREFIX (may be NULL) filters.  Pointers valid during the callback. */
int store_mail_each(store *s, const char *ref_prefix, store_mail_cb cb, void *ctx);
int store_mail_attempt(store *s, int64_t msg, int64_t ts, const char *result, const char *error);
typedef int (*store_mail_attempt_cb)(void *ctx, int64_t msg, int64_t ts, const char *result, const char *error);
int store_mail_attempt_each(store *s, int64_t msg, store_mail_attempt_cb cb, void *ctx);

/* Security check-up history: JSON holds check names and results, no personal data. */
int store_doctor_add(store *s, int64_t ts, int score, const char *json);
typedef int (*store_doctor_cb)(void *ctx, int64_t id, int64_t ts, int score, const char *json);
int store_doctor_each(store *s, store_doctor_cb cb, void *ctx); /* oldest first */
/* ------------------------------------------------------ incident register */

/* The breach register (GDPR Art. 33(5)): incidents, their notes (text
 * encrypted by the caller), scopes and follow-up actions.  All four tables
 * are sealed: write them inside an audited transaction.  Times are unix
 * seconds.  Text fields are copied into the fixed arrays (truncated to
 * them); pointers in the callbacks' rows are valid during the call only. */
typedef struct {
	int64_t id;
	char title[160], kind[32];
	char state[16];                /* open | closed */
	int64_t occurred, aware;
	int likelihood, severity;      /* 0: not assessed */
	int encrypted, key_compromised; /* 1, 0, -1 unknown */
	int hipaa;
	char contact[256];
	char decision[16];             /* "" | notify | no-notify */
	char decided_by[128];
	int64_t decided_at, closed;    /* 0: not yet */
	char opened_by[128];
	int64_t created, updated;
	uint64_t timeline, facts, effects, remedies; /* notes of each kind (read only) */
} store_incident;

/* Insert an open incident (title, kind, occurred, aware, opened_by,
 * created, updated); sets IN->id and IN->state. */
int store_incident_insert(store *s, store_incident *in);
int store_incident_get(store *s, store_incident *out, int64_t id); /* FORT_ENOTFOUND */
/* Just its state ("open", "closed"): FORT_ENOTFOUND when there is none. */
int store_incident_state(store *s, int64_t id, char state[16]);
typedef int (*store_incident_cb)(void *ctx, const store_incident *in);
/* Open ones first, then by awareness time newest first, then id newest first. */
int store_incident_each(store *s, store_incident_cb cb, void *ctx);
/* Ids of the incidents in STATE (NULL: all), in id order. */
int store_incident_ids(store *s, const char *state, store_id_cb cb, void *ctx);
/* The risk assessment: LIKELIHOOD, SEVERITY 0 and ENCRYPTED,
 * KEY_COMPROMISED, HIPAA below 0 keep what is stored; CONTACT NULL too. */
typedef struct {
	int likelihood, severity, encrypted, key_compromised, hipaa;
	const char *contact;
} store_incident_risk;
int store_incident_assess(store *s, int64_t id, const store_incident_risk *risk, int64_t ts);
int store_incident_decide(store *s, int64_t id, const char *decision, const char *by, int64_t ts);
int store_incident_close(store *s, int64_t id, int64_t ts);

typedef struct {
	int64_t id, incident, ts, at;  /* TS when written, AT what it tells of */
	const char *kind, *actor;
	const unsigned char *text; size_t text_len; /* encrypted by the caller */
} store_incident_note;
/* Insert (sets N->id) and set the incident's updated time to N->ts. */
int store_incident_note_add(store *s, store_incident_note *n);
typedef int (*store_incident_note_cb)(void *ctx, const store_incident_note *n);
/* INCIDENT's notes of KIND (NULL: all): timeline notes first, then by AT,
 * then in the order written. */
int store_incident_note_each(store *s, int64_t incident, const char *kind, store_incident_note_cb cb, void *ctx);

/* What an incident touched: KIND user (USER in FROM..TO), export or backup
 * (EXPORT_ID, a row of the exports record), device, or category. */
typedef struct {
	int64_t incident;
	const char *kind, *user;
	int64_t from, to, export_id;
	const char *device, *category;
} store_incident_scope;
int store_incident_scope_add(store *s, const store_incident_scope *sc);
typedef int (*store_incident_scope_cb)(void *ctx, const store_incident_scope *sc);
/* In the order added. */
int store_incident_scope_each(store *s, int64_t incident, store_incident_scope_cb cb, void *ctx);

/* Follow-up actions (TEXT encrypted by the caller; DUE YYYY-MM-DD). */
typedef struct {
	int64_t id, incident, created;
	const unsigned char *text; size_t text_len;
	const char *owner, *due, *done_by;
	int64_t done;                  /* when done, 0 while open */
} store_action;
int store_action_insert(store *s, store_action *a); /* sets a->id */
typedef int (*store_action_cb)(void *ctx, const store_action *a);
/* ID 0: every action, else that one; OPEN_ONLY: not done.  In id order. */
int store_action_each(store *s, int64_t id, int open_only, store_action_cb cb, void *ctx);
int store_action_done(store *s, int64_t id, int64_t ts, const char *by);

/* --------------------------------------------------------- exports record */

/* Which clients went into which export or backup file (sealed: write it in
 * the transaction of the export's audit entry).  KIND export | backup. */
typedef struct {
	int64_t id, ts;
	const char *actor, *device, *kind, *destination, *format, *sha256, *fields;
	int encrypted, all_clients;
	uint64_t clients;              /* how many clients the file holds */
	const int64_t *ids; size_t nids; /* read only: the clients' ids */
} store_export;
/* Insert the record (sets E->id); the client ids come with set_clients. */
int store_export_insert(store *s, store_export *e);
/* Store the client ids IDS (N), the count and, SHA256 not NULL, the file's hash. */
int store_export_set_clients(store *s, int64_t id, const int64_t *ids, size_t n, uint64_t count, const char *sha256);
/* Rows matching every given field: ID 0, strings NULL, FROM and TO both 0
 * match any (FROM..TO bounds the time, inclusive). */
typedef struct {
	int64_t id;
	const char *kind, *actor, *device;
	int64_t from, to;
} store_export_filter;
typedef int (*store_export_cb)(void *ctx, const store_export *e);
/* F NULL: all.  In id order (oldest first). */
int store_export_each(store *s, const store_export_filter *f, store_export_cb cb, void *ctx);
/* The newest record of KIND with the file hash SHA256 / written to DEST or
 * DEST2 (may be NULL): *ID, 0 when there is none. */
int store_export_find_hash(store *s, const char *kind, const char *sha256, int64_t *id);
int store_export_find_destination(store *s, const char *kind, const char *dest, const char *dest2, int64_t *id);
/* How many files were written on DEVICE (a host name). */
int store_export_count_device(store *s, const char *device, uint64_t *n);

/* ----------------------------------------------------------------- tokens */

/* Tokens for programs (issue 17 item 3; src/vault/tokens.c).  Sealed: write
 * them inside an audited transaction; reads check each row against its
 * seal (FORT_ETAMPER naming it).  NAME unique (FORT_EEXISTS). */
#define STORE_TOKEN_SEALED_MAX 128
typedef struct {
	int64_t id, user_id, created, expires, revoked;  /* expires 0: never; revoked: when, 0: not */
	char name[48], role[48];
	char purposes[512];        /* comma-separated, "" none */
	char creator[128];
	unsigned char verifier[32];
	unsigned char sealed[STORE_TOKEN_SEALED_MAX];
	size_t sealed_len;
} store_token;
/* Insert (sets T->id). */
int store_token_insert(store *s, store_token *t);
/* By NAME (NULL: by ID).  FORT_ENOTFOUND. */
int store_token_get(store *s, store_token *out, const char *name, int64_t id);
typedef int (*store_token_cb)(void *ctx, const store_token *t);
int store_token_each(store *s, store_token_cb cb, void *ctx); /* by name */
/* Mark token ID revoked at WHEN. */
int store_token_revoke(store *s, int64_t id, int64_t when);

/* ------------------------------------------------------------ invitations */

/* Invitations to join from a browser (issue 17; src/auth/invite.c).  Sealed:
 * write them inside an audited transaction; reads check each row against
 * its seal (FORT_ETAMPER naming it).  No token reaches the table: only a
 * verifier of its secret part. */
typedef struct {
	int64_t id, created, expires, revoked, used, user_id; /* revoked, used: when (0: not); user_id: who joined by it, once approved */
	char name[128], role[64], creator[128];
	unsigned char verifier[32];
} store_invite;
/* Insert (sets T->id). */
int store_invite_insert(store *s, store_invite *t);
/* By ID.  FORT_ENOTFOUND. */
int store_invite_get(store *s, store_invite *out, int64_t id);
typedef int (*store_invite_cb)(void *ctx, const store_invite *t);
/* Every invitation, oldest first; the table whole against its seals. */
int store_invite_each(store *s, store_invite_cb cb, void *ctx);
/* Set invitation ID's revocation and use (when, 0: not) and USER_ID. */
int store_invite_set(store *s, int64_t id, int64_t revoked, int64_t used, int64_t user_id);
/* The joins (NOT sealed: the invitee writes them, signing nothing): the
 * pending user made by invitation INVITE and their second factor's blob.
 * One per invitation and per user (FORT_EEXISTS). */
int store_join_put(store *s, int64_t invite, int64_t user_id, const unsigned char *totp, size_t len, int64_t when);
/* By INVITE (USER_ID 0) or by USER_ID (INVITE 0): the other id into *INVITE_OUT /
 * *USER_OUT (may be NULL) and, TOTP not NULL, the blob (malloc'ed).  FORT_ENOTFOUND. */
int store_join_get(store *s, int64_t invite, int64_t user_id, int64_t *invite_out, int64_t *user_out, unsigned char **totp,
		   size_t *len);
int store_join_delete(store *s, int64_t invite);

/* ----------------------------------------------------------- intake forms */

/* Write-only intake (issue 18; src/rights/intake.c).  Forms and decisions
 * are sealed: write them inside an audited transaction; reads check the
 * row against its seal (FORT_ETAMPER naming it).  The inbox is NOT sealed:
 * anyone holding the form's name may add to it, without keys and without
 * an audit entry; each row is a box sealed to the intake public key.  Its
 * ids are never reused (a decision names one submission). */
typedef struct {
	int64_t id, created;
	char name[48];
	char fields[1024], consents[1024];  /* comma-separated */
	char created_by[128];
} store_intake_form;
/* Insert (sets F->id); a second form of the same name is FORT_EEXISTS. */
int store_intake_form_insert(store *s, store_intake_form *f);
int store_intake_form_get(store *s, store_intake_form *out, const char *name); /* FORT_ENOTFOUND */
typedef int (*store_intake_form_cb)(void *ctx, const store_intake_form *f);
int store_intake_form_each(store *s, store_intake_form_cb cb, void *ctx); /* by name */
int store_intake_form_delete(store *s, int64_t id);

typedef struct {
	int64_t id, received;
	const char *form;
	const unsigned char *box; size_t box_len;
} store_intake_sub;
/* Append a submission (sets SUB->id); outside a transaction is fine. */
int store_intake_inbox_add(store *s, store_intake_sub *sub);
/* FORM NULL: every form's.  By id.  Pointers valid during the call. */
typedef int (*store_intake_sub_cb)(void *ctx, const store_intake_sub *sub);
int store_intake_inbox_each(store *s, const char *form, store_intake_sub_cb cb, void *ctx);
/* One submission: a malloc'ed copy of its box in *BOX. FORT_ENOTFOUND. */
int store_intake_inbox_get(store *s, int64_t id, char form[48], int64_t *received, unsigned char **box, size_t *len);
/* Delete it (secure_delete overwrites the freed pages). */
int store_intake_inbox_delete(store *s, int64_t id);
/* Replace its box (an intake key rotation seals it to the new key);
 * FORT_ENOTFOUND. */
int store_intake_inbox_rebox(store *s, int64_t id, const unsigned char *box, size_t len);
/* How many pending submissions FORM (NULL: all) has. */
int store_intake_inbox_count(store *s, const char *form, uint64_t *n);

/* The decision on submission ID (DECISION "accepted" | "rejected", CLIENT
 * the record made, "" on a reject): one per submission, a second is
 * FORT_EEXISTS.  get: 1 with the row, 0 none. */
int store_intake_decision_add(store *s, int64_t id, const char *form, const char *decision, const char *client, int64_t ts,
			      const char *actor);
int store_intake_decision_get(store *s, int64_t id, char decision[16], char client[32]);

/* ---------------------------------------------- raw rows (`store copy`) */

/* A column's value as stored: STORE_V_INT (I), STORE_V_TEXT or
 * STORE_V_BLOB (P, LEN), STORE_V_NULL.  The codes are the seals' column
 * types (seal_common.h). */
enum { STORE_V_INT = 1, STORE_V_TEXT = 3, STORE_V_BLOB = 4, STORE_V_NULL = 5 };
typedef struct {
	int type;
	int64_t i;
	const void *p;
	size_t len;
} store_value;
/* One row of TABLE: NCOLS columns named COLS (valid during the call). */
typedef int (*store_raw_cb)(void *ctx, const char *table, size_t ncols, const char *const *cols, const store_value *vals);
/* Every row of every table of the vault as it is stored (ciphertext, index
 * entries, seals, the audit chain: nothing is decrypted or checked), tables
 * by name, the one others refer to (users) first; the schema's version
 * record aside.  A row's id that the backend
 * keeps apart from its columns (SQLite's implicit rowid, PostgreSQL's
 * explicit rowid column) comes first as the column "rowid".  Call it
 * inside store_begin .. store_rollback for one consistent view. */
int store_raw_each(store *s, store_raw_cb cb, void *ctx);
/* Insert one such row, as it is, into TABLE of a vault just made by
 * store_open (CREATE), inside a transaction: nothing is noted for the seals
 * (the rows bring their own seals and audit entries), so such a handle is
 * for the copy only: store_raw_done, commit, close.  A "rowid" column the
 * table here does not keep is dropped; a column it does not have is
 * FORT_EINPUT naming it; a value of the wrong type FORT_EINPUT. */
int store_raw_put(store *s, const char *table, size_t ncols, const char *const *cols, const store_value *vals);
/* After the last store_raw_put: ids the store assigns later follow the
 * copied ones (PostgreSQL's identity sequences; SQLite needs nothing). */
int store_raw_done(store *s);

#endif
