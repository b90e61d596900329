/* vault_int.h - the vault's own internal header (src/vault/ and the layers
 * above it: rights, incident, mail, scan, backup, doctor): the map's
 * parsing and storage (map.c), roles and the operation scaffold
 * vault_need/vault_op_end (policy.c), key rotation and reindexing, the client
 * record codec (client.c), the handle's key checks (vault.c).  The handle
 * itself is vault/handle.h; the audit trail's declarations are
 * audit/audit.h, the read-time policy's policy/policy.h (both included
 * here, lower layers).  Never included by cli/ or a public header. */
#ifndef FORT_VAULT_INT_H
#define FORT_VAULT_INT_H

#include <stdint.h>
#include <jansson.h>
#include "vault/handle.h"
#include "vault/types.h"
#include "audit/audit.h"
#include "policy/policy.h"

/* language.c: the clients' languages (one sealed vault detail).  get: 1
 * with OUT set, 0 none stored; put: inside the caller's transaction (LANG
 * "" removes); drop: an erasure's. */
int vault_client_language_get(char out[8], fort_vault *v, const char *client) FORT_WUR;
/* Every client's: a JSON object (json_decref) checked as a whole (a
 * language Fortress does not write is tampering). */
int vault_client_languages(json_t **out, fort_vault *v) FORT_WUR;
int vault_client_language_put(fort_vault *v, const char *client, const char *lang) FORT_WUR;
int vault_client_language_drop(fort_vault *v, const char *client) FORT_WUR;

/* meta_object.c: sealed meta KEY as a JSON object ({} when absent;
 * FORT_ETAMPER naming WHAT when it is not one). */
int vault_meta_object(json_t **out, fort_vault *v, const char *key, const char *what) FORT_WUR;

/* map.c */
const char *map_default_json(void);
int map_parse(fort_map *m, const char *json, size_t len) FORT_WUR;
void map_release(fort_map *m);
int map_to_json(char **out, const fort_map *m);
/* VALUE as field F stores it (type_normalise; country and state fields as
 * ISO 3166 codes).  FORT_EINPUT with the reason in WHY. */
/* Replace the map's "controller" object with CONTROLLER (validated by
 * rights/business.c) and store the map (needs 'map'; audited). */
int map_set_controller(fort_vault *v, const char *controller_json);
int field_normalise(char **out, const map_field *f, const char *in, size_t len, const char *default_country, char *why,
		    size_t whylen);
/* field_normalise into B (empty, secret: fort_buf_init_secret), as
 * type_normalise_buf (FLAGS: its TYPE_IN_UTF8); B is reset (wiped) on failure. */
int field_normalise_buf(fort_buf *b, const map_field *f, const char *in, size_t len, const char *default_country,
			unsigned flags, char *why, size_t whylen);
int map_index(const fort_map *m, const char *name); /* -1 if unknown */
int map_index_id(const fort_map *m, int id);        /* -1 if unknown */
/* Field roles come from the field's type, never its name (issue 16): the
 * addressee of a letter is the map's name-typed field, the contact e-mail
 * its email-typed field, and so on, whatever the owner called them.  With
 * several fields of the type (full_name and company are both names), the
 * first in the map's order has the role: the owner orders the map (map
 * export, edit, map import).  MAP_ROLE_SEARCHABLE: only a field with a
 * blind index (for lookups).  The field's index, or -1 when the map has
 * none: a caller that cannot do without it (a letter that could not be
 * delivered) refuses, naming the type the map lacks. */
typedef enum {
	ROLE_ADDRESSEE = FT_NAME,
	ROLE_EMAIL = FT_EMAIL,
	ROLE_PHONE = FT_PHONE,
	ROLE_IBAN = FT_IBAN,
} map_role;
#define MAP_ROLE_SEARCHABLE 1u
int map_field_by_role(const fort_map *m, map_role role, unsigned flags);
/* The name of the searchable field with ROLE that the acting user can look
 * clients up by (unlocked, holding its blind-index key), NULL if none: for
 * code above the vault that finds clients (the scanner) without reading
 * the handle's map or keys. */
const char *vault_lookup_field(const fort_vault *v, map_role role);
/* Code above the vault that finds clients now and then over a long run
 * (the scanner, after a file that looked any up): end what the store keeps
 * open between finds (store_idle: SQLite's kept read transaction, which
 * holds back another connection's WAL checkpoint, e.g. an erasure's), as
 * fort_vault_flush does at a request's end, without writing the finds'
 * audit entry yet. */
void vault_idle(fort_vault *v);
/* The field of M that plays the part of default field DFLT ("full_name",
 * "email", "phone", "iban", "payment_card", "date_of_birth": by type, the
 * first field of it; "company": the field so named, else the second
 * name-typed field; "postal_address", "notes", "tax_id", which no type
 * tells apart from other text: the field so named), for the importers'
 * common column names and vCard properties and the vCard export.  -1 if
 * the map has none. */
int map_field_for(const fort_map *m, const char *dflt);
int map_unknown_field(const fort_map *m, const char *name);   /* FORT_ENOTFOUND, with "did you mean" */
/* Load the map from the store (and check its MAC when unlocked). */
int map_load(fort_vault *v) FORT_WUR;
/* Store M as the vault's map (MAC'd), replacing the current one. */
int map_store(fort_vault *v, const char *json, size_t len) FORT_WUR;
/* Recompute the blind-index keys for the current map. */
int map_derive_keys(fort_vault *v) FORT_WUR;

/* policy.c: roles and the checks.  vault_need() is called first by every
 * operation: FORT_ELOCKED, or FORT_EDENIED (audited as WHAT, "denied") when
 * the acting user's role lacks ACT. */
int vault_need(fort_vault *v, unsigned act, const char *what, const char *client) FORT_WUR;
/* The one place where refusals meet the audit log: vault_need begins an
 * operation (and ends the one before it), fort_vault_close ends the last.
 * An operation that ended refused (any FORT_EDENIED set since it began)
 * without writing its own "denied" entry gets one, with the refusal's own
 * message as the reason. */
void vault_op_end(fort_vault *v);
/* The thread now runs an operation of V (its refusals are V's). */
void vault_op_own(fort_vault *v);
int action_index(const char *name);  /* -1 if unknown */
const char *action_name(unsigned act);
int role_builtin(const char *name);
int role_name_valid(const char *name);
const role_def *role_find(const role_set *rs, const char *name);
int roles_defaults(role_set *rs);
int roles_parse(role_set *rs, const char *json, size_t len) FORT_WUR;
int roles_to_json(char **out, const role_set *rs);
void roles_release(role_set *rs);
void role_describe(char *cats, size_t ccap, char *acts, size_t acap, const role_def *rd);
/* Load the roles (and check the users-and-roles MAC when unlocked). */
int policy_load(fort_vault *v) FORT_WUR;
/* Store RS (NULL: v->roles) and the MAC over roles and users.  Call inside
 * a transaction after every change to either. */
int policy_store(fort_vault *v, const role_set *rs) FORT_WUR;

/* users.c: withdraw the keys of keyholder U (a user, or a token's user) and
 * rotate every key they held, as fort_user_remove: U's status becomes
 * "removed"; ALSO (may be NULL) writes more in the same transaction before
 * the audit entry ACTION ("user-remove", "token-revoke"), whose detail
 * ends with EXTRA (may be NULL).  WHY names the rotation. */
int vault_keyholder_remove(fort_rotate_report *out, fort_vault *v, const store_user *u, const char *action,
			   int (*also)(fort_vault *v, void *ctx), void *ctx, const char *extra, const char *why,
			   const fort_rotate_opts *o) FORT_WUR;

/* users.c: fort_user_request's body on the open store S (inside the
 * caller's transaction when there is one: an invitation's join,
 * src/auth/invite.c).  *KR_OUT (may be NULL) gets the new user's keyring,
 * *ID_OUT (may be NULL) their id; HOW (may be NULL) is added to the entry's
 * "asked to join"; ALSO (may be NULL) runs in the transaction after the
 * pending row and its entry, with the new keyring: its error undoes all. */
int vault_user_request_in(keyring **kr_out, int64_t *id_out, char fingerprint_out[20], store *s, const char *name,
			  const fort_secret *pass, fort_kdf kdf, const char *how,
			  int (*also)(void *ctx, store *s, keyring *kr, int64_t user_id), void *ctx) FORT_WUR;

/* tokens.c: tokens for programs. */
#define TOKEN_USER_PREFIX "token:"
/* 1 if NAME is a token's user ("token:..."). */
int vault_is_token_user(const char *name);
/* At open and refresh of a token's handle: its row checked (revoked or
 * expired: FORT_EDENIED) and its purposes and expiry loaded into V. */
int vault_token_load(fort_vault *v, const char *user) FORT_WUR;
/* 0 if the acting token (if any) may name PURPOSE, else FORT_EDENIED. */
int vault_token_purpose(fort_vault *v, const char *purpose) FORT_WUR;

/* rotate.c: key rotation (fort_keys_rotate). */
/* Start rotating the key slots in MASK inside the caller's transaction:
 * new versions, granted to every active user holding the slot; the state
 * recorded so that rotate_run (or a later process) finishes it. */
int rotate_start(fort_vault *v, unsigned mask, const char *why) FORT_WUR;
/* Finish a started or interrupted rotation (batches, one transaction each). */
int rotate_run(fort_vault *v, fort_rotate_report *out, const fort_rotate_opts *o) FORT_WUR;
/* The size of a rotation's next batch (without --batch) after one of CAP
 * clients took MS milliseconds: toward a second's commit, within
 * [2000, 20000]; WHOLE: that batch re-encrypted every client it read, so
 * it may grow up to tenfold, else at most double (rotate.c). */
size_t rotate_next_cap(size_t cap, int64_t ms, int whole);
/* The slots of an unfinished rotation (0: none) and clients done so far. */
int rotate_pending(fort_vault *v, unsigned *mask, uint64_t *done) FORT_WUR;
/* The blind index's normalisation (reindex.c): 1 if the entries are of the
 * current version, 0 if not, <0 on error; a new vault is marked current. */
int vault_index_is_current(fort_vault *v);
int vault_index_mark_current(fort_vault *v) FORT_WUR;
/* Re-make the entries of an older version, resumably, if this user holds
 * every searchable field's key and no rotation is pending; else nothing.
 * *CHANGED: entries re-made. */
int vault_reindex(fort_vault *v, uint64_t *changed) FORT_WUR;
/* "vault,financial" for a slot mask. */
int slot_mask_names(char *out, size_t cap, unsigned mask);

/* client.c: fort_client_edit, audited as ACTION (DETAIL) and leaving the
 * record's 'updated' time as it was when ACTION is not NULL. */
int client_edit_ex(fort_vault *v, const char *id, const fort_kv *kv, size_t n, const char *action, const char *detail) FORT_WUR;
/* Erase the fields of KV (values ignored) from client ID, which is kept: as
 * client_edit_ex (an operation of its own: the role check of an edit, its
 * transaction), with each field recorded in the field-erasure ledger in
 * the same transaction, so a restored backup erases them again. */
int client_erase_fields(fort_vault *v, const char *id, const fort_kv *kv, size_t n, const char *action, const char *detail) FORT_WUR;
/* The same inside the operation whose transaction is open (vault_op_nested:
 * an erasure request's step, a retention step): no role check of its own
 * (the outer operation's role allowed the erasure), its entry (ACTION, or
 * "edit", naming the fields) in that transaction; a failure or refusal is
 * the outer operation's to roll back and audit.  FORT_ERROR when no
 * transaction is open. */
int client_erase_fields_nested(fort_vault *v, const char *id, const fort_kv *kv, size_t n, const char *action,
			       const char *detail) FORT_WUR;

/* map.c: check every purpose's retention rule against the parsed map
 * (trigger fields exist, are dates). */
int retention_rules_check(const fort_map *m) FORT_WUR;
/* map.c: re-MAC the stored map (after the vault key changed). */
int map_remac(fort_vault *v) FORT_WUR;

/* client.c: the codec shared by add, edit, import and export. */
typedef struct {
	char **vals;           /* canonical value per map field, NULL when absent */
	size_t n;
	unsigned char (*bidx)[BIDX_LEN];
	int *bidx_field;       /* map field index of each bidx entry */
	size_t nbidx;
} client_vals;

/* A client encrypted and ready to store (client_seal needs no database,
 * so an import seals on one thread while another stores). */
typedef struct {
	int64_t id;
	unsigned char wrapped[WRAPPED_LEN];
	int vk_version;
	unsigned char *data;
	size_t data_len;
	unsigned char (*bidx)[BIDX_LEN];
	int *bidx_field;
	size_t nbidx;
	int borrowed;  /* data and bidx belong to someone else (client_seal_into) */
	/* HAS_HASH: the record's seal hash (store_client_hash) for CREATED,
	 * made by client_seal_hash on an import's sealer thread so that the
	 * storing thread does not; client_store then writes CREATED */
	int has_hash;
	int64_t created;
	unsigned char hash[32];
} sealed_client;

int cvals_init(client_vals *cv, const fort_vault *v);
void cvals_release(client_vals *cv);
void cvals_clear(client_vals *cv);
/* Validate and normalise one value into CV; FORT_EINPUT/FORT_ENOTFOUND name the field. */
int cvals_set(client_vals *cv, fort_vault *v, const char *field, const char *value) FORT_WUR;
/* Compute blind-index entries for the searchable fields present. */
int cvals_index(client_vals *cv, fort_vault *v) FORT_WUR;
/* The keyed BLAKE2b states a writer of many new records starts from (issue
 * 16: an import): each category's current field-key state
 * (keys_field_key_start) and each map field's blind-key state
 * (keys_blind_start), made once instead of per record, in sodium_malloc'ed
 * memory.  Read-only once made, so the import's sealer threads share one;
 * what they derive is what the functions without it derive, byte for byte.
 * Make it after vault_keys_current, free it (wiped) before the keys change. */
typedef struct seal_keys seal_keys;
int seal_keys_new(seal_keys **out, const fort_vault *v) FORT_WUR;
void seal_keys_free(seal_keys *sk);
/* cvals_index from SK's blind-key states (SK NULL: cvals_index). */
int cvals_index_sk(client_vals *cv, fort_vault *v, const seal_keys *sk) FORT_WUR;
/* Does field I's index entry have to be unique (e-mail, phone)? */
int field_unique(const fort_vault *v, int i);
/* Encrypt CV as a new client with a fresh id and key. */
int client_seal(sealed_client *sc, fort_vault *v, const client_vals *cv) FORT_WUR;
void sealed_release(sealed_client *sc);
/* client_seal writing the ciphertexts into BUF (client_sealed_bound(CV)
 * bytes) and pointing at CV's index entries: no allocation, for imports. */
int client_seal_into(sealed_client *sc, fort_vault *v, const client_vals *cv, unsigned char *buf,
		     int64_t id /* 0: a new one */, const seal_keys *sk /* may be NULL */) FORT_WUR;
/* SC's seal hash for a record created (and updated) at NOW, for
 * client_store to hand to the store (no database). */
void client_seal_hash(sealed_client *sc, int64_t now);
/* A new client id: increasing within the process (see client.c). */
int64_t client_new_id(void);
size_t client_sealed_bound(const client_vals *cv);
/* New ids will be above every id the vault holds (call in the write transaction). */
int client_ids_above(fort_vault *v) FORT_WUR;
/* The ids this process hands out next start a random distance (< 2^32)
 * above the last: an import beside another process's (client.c). */
void client_ids_apart(void);
/* Store a sealed client.  FORT_EDUPLICATE (another client has the same
 * e-mail/phone: *DUP_FIELD, *DUP_OTHER set) or FORT_EEXISTS (id clash: seal
 * again) leave nothing behind.  DEFER leaves index entries to the caller (an
 * import adds them later, sorted): STORE_UNIQUE_ONLY those that need not be
 * unique, STORE_ROW_ONLY all of them. */
enum { STORE_ALL = 0, STORE_UNIQUE_ONLY = 1, STORE_ROW_ONLY = 2 };
int client_store(fort_vault *v, const sealed_client *sc, int *dup_field, int64_t *dup_other, int defer) FORT_WUR;
/* Seal and store CV as a new client (*ID), sealing again on an id clash;
 * inside the caller's write transaction (after vault_keys_current and
 * client_ids_above).  FORT_EDUPLICATE as client_store; the message for it:
 * client_duplicate_error. */
int client_insert(int64_t *id, fort_vault *v, const client_vals *cv, int *dup_field, int64_t *dup_other) FORT_WUR;
int client_duplicate_error(fort_vault *v, int dup_field, int64_t other);
/* Walking an encrypted record: a 24-byte base nonce, then fields
 * [u8 field id][varint key version][varint length][ciphertext || tag]; a
 * field id 0 starts a segment whose fields use the 24-byte base nonce that
 * follows it (fields carried over unchanged from an earlier write, by a
 * user or a rotation that could not or need not re-encrypt them). */
typedef struct { const unsigned char *p, *end, *base, *trailer; } rec_iter;
typedef struct {
	int id;
	uint32_t kver, ctlen;
	const unsigned char *base, *start, *ct;
	size_t total;  /* bytes of the whole field from START */
} rec_field;
int rec_begin(rec_iter *it, const unsigned char *data, size_t len) FORT_WUR;
/* 1 with *F set, 0 at the end (it->trailer then points at record format
 * 2's trailer, or is NULL for a record of format 1), FORT_ECORRUPT. */
int rec_next(rec_iter *it, rec_field *f) FORT_WUR;
/* Record format 2: the record ends with [u8 REC_TRAILER_ID][u8 REC_FORMAT]
 * [REC_MAC_LEN-byte MAC] (keys_record_mac over the vault id, the client id
 * and every byte before the trailer).  A field id is 1..250, so the
 * trailer's id is never a field's. */
#define REC_TRAILER_ID 0xff
#define REC_FORMAT 2
#define REC_TRAILER_LEN (2 + REC_MAC_LEN)
/* Check C's trailer under its client key KC before anything of it is used:
 * FORT_ETAMPER naming the client when the MAC does not verify, or when the
 * record has no trailer and the vault says every record has one
 * (v->rec_mac_all); FORT_ECORRUPT when it does not parse.  *HAS (may be
 * NULL) says whether it has one. */
int rec_verify(const fort_vault *v, const store_client *c, const unsigned char kc[KEY_LEN], int *has) FORT_WUR;
/* Append the trailer of the record in B (everything before it) of client CID. */
int rec_seal_buf(fort_buf *b, const fort_vault *v, int64_t cid, const unsigned char kc[KEY_LEN]) FORT_WUR;
/* The vault id and the record_mac marker into V (at open and creation). */
int vault_records_load(fort_vault *v) FORT_WUR;
/* Mark every record as carrying a trailer (in a write transaction). */
int vault_records_mark(fort_vault *v) FORT_WUR;
/* Give every record of format 1 its trailer, then set the marker (at
 * unlock, in batches, resumable; recmac.c).  *DONE: records upgraded. */
int vault_records_upgrade(fort_vault *v, uint64_t *done) FORT_WUR;
/* idxmac.c: the index entries' MACs (store_index_mac_keys).  Hand the
 * handle's index MAC keys to the store (none when locked): called by
 * map_derive_keys whenever the keys change. */
int vault_index_keys(fort_vault *v) FORT_WUR;
/* Note that every index entry carries its MAC (in a write transaction). */
int vault_index_mac_mark(fort_vault *v) FORT_WUR;
/* Give every index entry without a MAC its MAC, then set the note (at
 * unlock, in batches; an entry that does not match its seal stops it). */
int vault_index_mac_upgrade(fort_vault *v, uint64_t *done) FORT_WUR;
/* Append F unchanged to OUT (with a segment header when its base nonce is
 * not *LAST_BASE's). */
int rec_keep(fort_buf *out, const unsigned char **last_base, const rec_field *f) FORT_WUR;
/* LEB128: at most 5 bytes at P; returns the end. */
unsigned char *rec_put_varint(unsigned char *p, uint32_t x);
/* Decrypt a stored client into CV. */
int client_decrypt(client_vals *cv, fort_vault *v, const store_client *c) FORT_WUR;

int client_id_parse(int64_t *out, const char *id);
void client_id_format(char out[FORT_ID_LEN + 1], int64_t id);

/* The vault's key epoch (0 before any rotation). */
int vault_key_epoch(fort_vault *v, int64_t *epoch) FORT_WUR;
/* fort_vault_open_key, then fort_vault_use_audit_writer(AW) (NULL: none)
 * before the unlock entry is written, so that entry goes through the
 * group commit too (the server's session handles, src/auth/session.c). */
int vault_open_key_writer(fort_vault **out, const char *path, const char *user, const fort_secret *key,
			  fort_audit_writer *aw) FORT_WUR;
/* Re-read the acting user's grants (after a failed or foreign rotation). */
void vault_reload_keys(fort_vault *v);
/* Inside a write transaction, before anything is encrypted: FORT_EBUSY
 * (keys reloaded, so a retry works) when another process rotated keys
 * since they were loaded. */
int vault_keys_current(fort_vault *v) FORT_WUR;

/* intake_key.c: the vault's intake key pair (issue 18).  The public half
 * (FORT_ENOTFOUND: none yet); the acting user's secret half, opened from
 * their "intake" grant into *SK (sodium_malloc'ed: sodium_free it;
 * FORT_EDENIED when they do not hold it); make the pair if there is none
 * (*CREATED 1) and hand it to every active user whose role allows intake
 * (inside the caller's audited transaction); give it to USER when the
 * acting user holds it (else nothing); withdraw USER's grant of it. */
int intake_pk_get(fort_vault *v, unsigned char pk[32]) FORT_WUR;
int intake_key_secret(unsigned char **sk, fort_vault *v) FORT_WUR;
int intake_key_ensure(fort_vault *v, int *created) FORT_WUR;
int intake_key_grant(fort_vault *v, int64_t user, const unsigned char box_pk[32]) FORT_WUR;
int intake_key_drop(fort_vault *v, int64_t user) FORT_WUR;
/* Inside the caller's audited transaction: a new intake key pair replaces
 * the old one (meta "intake_pk"), every user's old grant is deleted and
 * the new secret half granted to each active user whose role allows
 * intake.  *SK_OUT (sodium_malloc'ed, the caller frees) and PK_OUT get
 * the new pair, to re-seal the pending submissions with. */
int intake_key_replace(unsigned char pk_out[32], unsigned char **sk_out, fort_vault *v) FORT_WUR;

/* recovery.c: a test hook (tests/unit/keys/test_recovery.c).  FN(CTX) runs
 * in fort_recovery_restore after the shares opened the owner's keys and
 * before the restore's transaction: where another process's new split can
 * come in, which the transaction must refuse (and audit).  NULL: none (as
 * everywhere outside that test). */
void recovery_restore_test_hook(void (*fn)(void *ctx), void *ctx);
#endif
