/*
 * fortress.h - the whole public API of libfortress.
 *
 * Fortress is a privacy vault: client records encrypted field by field with
 * per-client keys, searchable through blind indexes, masked by default,
 * revealed only for a purpose the data map allows, erased by crypto-shredding,
 * and every access written to a hash-chained, signed audit log.
 *
 * Conventions (see docs/conventions.md):
 *  - Fallible calls return int: 0 on success or a negative FORT_E* code.
 *    The message for the last failure on this thread is fort_error_message().
 *    Messages name the line, field or id and say what to do; they never
 *    contain a secret or a client value.
 *  - The output parameter comes first.  `T **out` means the caller owns the
 *    result and frees it with the matching *_free(), which accepts NULL.
 *  - Handles are opaque.  Options structs carry a version and have an _INIT;
 *    a function refuses a struct of a version it does not know (FORT_EINPUT,
 *    naming the struct and its _INIT).
 *  - Secrets (passphrases, keys) travel as fort_secret: sodium_malloc'ed,
 *    locked, wiped when freed.
 */
#ifndef FORTRESS_H
#define FORTRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility; what is declared here is
 * its exported API. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

#if defined(__GNUC__)
#define FORT_WUR __attribute__((warn_unused_result))
#else
#define FORT_WUR
#endif

#define FORT_VERSION "0.1.0"

/* ---------------------------------------------------------------- errors */

/* Error codes.  Only ever appended to; values never change. */
enum {
	FORT_OK = 0,
	FORT_ERROR = -1,      /* generic failure */
	FORT_EINPUT = -2,     /* bad input: malformed file, wrong type, bad value */
	FORT_ENOTFOUND = -3,  /* unknown client id, field, user, file */
	FORT_EAUTH = -4,      /* wrong passphrase */
	FORT_EWEAK = -5,      /* passphrase rejected by the policy */
	FORT_EDENIED = -6,    /* purpose or permission refused */
	FORT_ECORRUPT = -7,   /* not a vault, truncated or corrupt file */
	FORT_EBUSY = -8,      /* the vault is locked by another process */
	FORT_EIO = -9,        /* I/O failure, disk full */
	FORT_EEXISTS = -10,   /* already exists */
	FORT_ENOMEM = -11,    /* out of memory */
	FORT_ETAMPER = -12,   /* audit chain, signed metadata, or a sealed row does not verify */
	FORT_ELOCKED = -13,   /* the operation needs keys but the vault is not unlocked */
	FORT_EDUPLICATE = -14,/* a client with the same email or phone exists */
	FORT_EVERSION = -15,  /* vault made by a newer Fortress */
};

/* Message of the last failure on this thread ("" when none). */
const char *fort_error_message(void);
/* Code of the last failure on this thread (0 when none). */
int fort_error_code(void);
void fort_error_clear(void);
/* Short name of an error code ("EINPUT"...). */
const char *fort_error_name(int code);

/* Initialise the library (libsodium).  Call once before anything else;
 * safe to call more than once.  Returns 0 or FORT_ERROR. */
int fort_library_init(void);
const char *fort_version(void);

/* For a signal handler (Ctrl-C): remove the temporary files the library is
 * writing at the moment (a rejects file, a backup not yet renamed into
 * place).  Async-signal-safe (unlink only); the caller then ends the
 * process.  An open transaction needs nothing: it was never committed. */
void fort_signal_cleanup(void);

/* --------------------------------------------------------------- secrets */

typedef struct fort_secret fort_secret;

/* Copy LEN bytes into a new locked, guarded buffer. */
int fort_secret_new(fort_secret **out, const void *data, size_t len);
/* Read a secret from a file (first line; trailing CR/LF removed).  The file
 * must not be group- or world-writable.  FORT_ENOTFOUND, FORT_EINPUT. */
int fort_secret_from_file(fort_secret **out, const char *path);
const unsigned char *fort_secret_data(const fort_secret *s);
size_t fort_secret_len(const fort_secret *s);
/* Wipes and frees.  Accepts NULL. */
void fort_secret_free(fort_secret *s);

/* ---------------------------------------------------------- passphrases */

#define FORT_PASSPHRASE_MIN_CHARS 15
#define FORT_PASSPHRASE_MIN_SCORE 3
#define FORT_PASSPHRASE_MIN_WORDS 6

/* The policy (NIST SP 800-63B-4, single factor): at least 15 characters,
 * no composition rules, zxcvbn score >= 3, not a common password, not the
 * user's or business's name.  USER_INPUTS (NULL-terminated, may be NULL)
 * are words the passphrase must not be built from.  Returns 0 or
 * FORT_EWEAK with a message that says why and what to do. */
int fort_passphrase_check(const fort_secret *pass, const char *const *user_inputs) FORT_WUR;
/* zxcvbn score 0..4 of a passphrase (for display). */
int fort_passphrase_score(const fort_secret *pass);
/* A random passphrase of WORDS words (at least 6) from the built-in word
 * list, separated by '-'.  Uses libsodium's RNG. */
int fort_passphrase_generate(fort_secret **out, unsigned words);

/* 1 if ISO2 ("DE", "us") is a country Fortress knows (phone numbers, date
 * order), else 0. */
int fort_country_known(const char *iso2);

/* The candidate closest to WORD when it is close enough to be a typo (a
 * few letters apart, case ignored), else NULL: for "did you mean". */
const char *fort_suggest(const char *word, const char *const *candidates, size_t n);
/* Bits of entropy of a generated passphrase of WORDS words. */
double fort_passphrase_entropy_bits(unsigned words);

/* ------------------------------------------------------------------ vault */

typedef struct fort_vault fort_vault;

typedef enum {
	FORT_KDF_MODERATE = 0,     /* default: Argon2id, libsodium MODERATE (256 MiB) */
	FORT_KDF_INTERACTIVE = 1,  /* WARNING: weaker (64 MiB); for tests and tiny machines */
	FORT_KDF_SENSITIVE = 2,    /* Argon2id SENSITIVE (1 GiB) */
} fort_kdf;

typedef struct fort_business_spec fort_business_spec;

typedef struct {
	unsigned version;
	const char *business;        /* required */
	const char *owner;           /* required: the first user, role owner */
	fort_kdf kdf;
	const char *default_country; /* ISO 3166 alpha-2 for phone numbers; default "DE" */
	const fort_business_spec *business_details; /* optional: set as by fort_business_set (NULL: none) */
} fort_create_opts;
#define FORT_CREATE_OPTS_VERSION 1
#define FORT_CREATE_OPTS_INIT { FORT_CREATE_OPTS_VERSION, NULL, NULL, FORT_KDF_MODERATE, NULL, NULL }

/* Create a new vault at PATH (must not exist) and open it unlocked as the
 * owner.  The passphrase must pass fort_passphrase_check().
 * FORT_EEXISTS, FORT_EWEAK, FORT_EINPUT, FORT_EIO. */
int fort_vault_create(fort_vault **out, const char *path, const fort_create_opts *opts,
		      const fort_secret *pass) FORT_WUR;

/* Open the vault at PATH.  With PASS, unlock as USER (NULL = the owner);
 * a wrong passphrase is FORT_EAUTH and is audited.  With PASS == NULL the
 * vault is opened locked: status and audit verification work, everything
 * that needs keys returns FORT_ELOCKED.
 * FORT_ENOTFOUND (no file, unknown user), FORT_ECORRUPT (not a vault,
 * truncated), FORT_EVERSION, FORT_EBUSY, FORT_ETAMPER (signed map altered). */
int fort_vault_open(fort_vault **out, const char *path, const char *user,
		    const fort_secret *pass) FORT_WUR;

/* For the unlock agent (fortress unlock): the acting user's secret keys
 * (64 bytes: X25519 secret key and Ed25519 seed) as a fort_secret, and
 * opening the vault with them instead of the passphrase.  A key that is not
 * USER's (another vault, another user) is FORT_EAUTH.  WARNING: the exported
 * key opens everything the user may open; keep it in locked memory only. */
int fort_vault_user_key(fort_secret **out, fort_vault *v) FORT_WUR;
int fort_vault_open_key(fort_vault **out, const char *path, const char *user,
			const fort_secret *key) FORT_WUR;

/* Write pending summary audit entries, wipe keys, close.  Accepts NULL. */
void fort_vault_close(fort_vault *v);

/* For a handle kept open across requests (a server session), used by one
 * thread at a time.  fort_vault_refresh before each request: when another
 * process or handle has committed since, what the handle holds is read
 * again and checked as at open (the acting user, who may have been removed
 * (FORT_EDENIED) or given another role; their keys; the map; the roles;
 * the seal marker); else nothing is read.  fort_vault_flush after each:
 * what fort_vault_close writes (the refusal of an operation no one
 * audited, the summary entry of searches), without closing.  Either may
 * fail with FORT_ETAMPER, FORT_EIO...: then close the handle (a refresh
 * that failed leaves the handle stale, never believed current: the next
 * fort_vault_refresh reads the vault again, as a handle kept open after
 * a passing error does). */
int fort_vault_refresh(fort_vault *v) FORT_WUR;
int fort_vault_flush(fort_vault *v) FORT_WUR;
/* fort_vault_flush for a server that does not put a thread to sleep per
 * request: on a handle with a group commit (fort_vault_use_audit_writer)
 * the summary entry is queued and DONE(ARG, CODE, MSG) is called once,
 * from the thread that commits it, after its transaction committed (CODE
 * 0) or failed (CODE < 0, MSG why): hold the request's answer until then,
 * and give an error instead when CODE < 0.  Without a group commit, or with
 * nothing to write, DONE is called before this returns.  0: DONE is or
 * will be called; < 0: an error, DONE not called.  V stays the caller's
 * (not used, not given back) until DONE. */
int fort_vault_flush_async(fort_vault *v, void (*done)(void *arg, int code, const char *msg), void *arg) FORT_WUR;

/* Change the acting user's passphrase.  Only the user's sealed keyring is
 * re-encrypted; no client data is touched.  FORT_EWEAK, FORT_ELOCKED. */
int fort_vault_passwd(fort_vault *v, const fort_secret *newpass) FORT_WUR;
/* Is PASS the acting user's passphrase (their sealed keyring opens with
 * it)?  For a front to ask again before something grave (the web app's
 * recovery shares), so a borrowed session is not enough.  0, or FORT_EAUTH
 * (audited: "reauth", denied; nothing else changes).  Costs one Argon2id.
 * FORT_ELOCKED; FORT_EINPUT for a token (it has no passphrase). */
int fort_vault_confirm(fort_vault *v, const fort_secret *pass) FORT_WUR;

typedef struct {
	char business[128];
	char owner[128];
	char user[128];              /* acting user ("" when locked) */
	int unlocked;
	int schema_version;
	char kdf[32];                /* "argon2id13" */
	uint64_t kdf_opslimit;
	uint64_t kdf_memlimit;
	uint64_t clients;
	uint64_t erased;             /* entries in the erasure ledger */
	uint64_t audit_entries;
	int64_t audit_head_seq;
	char audit_head[65];         /* hex hash of the newest entry: the external anchor */
	int64_t created;             /* unix time */
	char default_country[3];
	char vault_id[33];           /* random, hex: names the vault in shares and backups */
	int64_t last_verified_backup; /* unix time of the last fort_backup_verify recorded, 0 = never */
	char role[64];               /* the acting user's role ("" when locked) */
	uint64_t users;              /* active users */
	uint64_t pending_users;      /* asked to join, not yet added */
	char rotating[64];           /* keys of an unfinished rotation ("vault,financial"), "" if none */
	uint64_t rotation_done;      /* clients re-encrypted so far by that rotation */
	uint64_t failed_unlocks;     /* wrong passphrases and refused recovery shares, last 30 days */
	int64_t last_failed_unlock;  /* unix time of the newest ever, 0 = none */
} fort_status;

int fort_vault_status(fort_status *out, fort_vault *v);
/* The file this vault was opened from. */
const char *fort_vault_path(const fort_vault *v);
/* 1 when PATH names a PostgreSQL database rather than a SQLite file:
 * postgresql://..., postgres://... or service=NAME (issue 19). */
int fort_vault_path_is_database(const char *path);

/* ---------------------------------------------------------------- data map */

/* A field of the data map.  Strings owned by the vault; valid until the map
 * changes or the vault is closed. */
typedef struct {
	const char *name;        /* "email" */
	const char *label;       /* "E-mail address" */
	const char *type;        /* text | name | email | phone | iban | card | date */
	const char *category;    /* identity | contact | financial | special | notes */
	const char *legal_basis; /* "contract (GDPR Art. 6(1)(b))" */
	const char *retention;   /* "10 years after the end of the contract (tax law)" */
	const char *note;        /* why, e.g. "card stored masked only" */
	const char *const *purposes; /* purposes a reveal/export may name */
	size_t npurposes;
	int searchable;          /* has a blind index */
	size_t max_length;       /* for text */
} fort_field_info;

size_t fort_map_count(const fort_vault *v);
const fort_field_info *fort_map_field(const fort_vault *v, size_t i);
const fort_field_info *fort_map_find(const fort_vault *v, const char *name);

/* The map as JSON (caller frees with free()). */
int fort_map_export(char **json_out, fort_vault *v);
/* Replace the map with JSON (validated whole: unknown types or categories,
 * duplicate fields, a searchable card... are FORT_EINPUT naming the field).
 * Fields that hold data cannot be removed or change type or category. */
int fort_map_import(fort_vault *v, const char *json, size_t len) FORT_WUR;

/* Field add/edit.  NULL members are left unchanged on edit; on add, name,
 * type and category are required. */
typedef struct {
	unsigned version;
	const char *name, *label, *type, *category, *legal_basis, *retention, *note;
	const char *const *purposes; size_t npurposes; /* npurposes 0 = unchanged */
	int searchable;          /* -1 unchanged, 0, 1 */
	size_t max_length;       /* 0 unchanged */
} fort_field_spec;
#define FORT_FIELD_SPEC_VERSION 1
#define FORT_FIELD_SPEC_INIT { FORT_FIELD_SPEC_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, 0 }

int fort_map_field_add(fort_vault *v, const fort_field_spec *spec) FORT_WUR;
int fort_map_field_edit(fort_vault *v, const fort_field_spec *spec) FORT_WUR;

/* Processing activities: one per purpose, with its legal basis (GDPR
 * Art. 6(1)(a)-(f): consent, contract, legal_obligation, vital_interests,
 * public_task, legitimate_interests; Art. 9(2) special_basis for special
 * categories), the recipients the data goes to and how long it is kept. */
typedef struct {
	const char *purpose, *description, *legal_basis, *special_basis, *retention;
	const char *const *recipients;
	size_t nrecipients;
	const char *provision;   /* Art. 13(2)(e) as the map states it ("" = the wording the basis implies) */
} fort_activity_info;

/* A recipient: kind processor | controller | public_authority, a country
 * (ISO 3166 alpha-2) and, outside the EEA, the transfer safeguard
 * (adequacy decision, standard contractual clauses, ...). */
typedef struct {
	const char *name, *kind, *country, *safeguard, *note;
} fort_recipient_info;

size_t fort_map_activity_count(const fort_vault *v);
const fort_activity_info *fort_map_activity(const fort_vault *v, size_t i);
size_t fort_map_recipient_count(const fort_vault *v);
const fort_recipient_info *fort_map_recipient(const fort_vault *v, size_t i);

/* Add or change the activity of PURPOSE (add: description and legal basis
 * required).  NULL members are unchanged; RECIPIENTS replaces the list when
 * NRECIPIENTS > 0 ("-" alone empties it).  PROVISION (version 2) is what
 * the notice says under Art. 13(2)(e): whether the client must provide the
 * data (a statutory or contractual requirement, or one needed to enter into
 * a contract) and what follows if they do not; "" clears it (the notice
 * then uses the wording the legal basis implies).  Needs 'map'; audited.
 * FORT_EINPUT (an unknown basis, recipient, a provision over 500 bytes or
 * with a line break), FORT_EEXISTS / FORT_ENOTFOUND. */
typedef struct {
	unsigned version;
	const char *purpose, *description, *legal_basis, *special_basis, *retention;
	const char *const *recipients;
	size_t nrecipients;
	const char *provision;   /* since version 2 */
} fort_activity_spec;
#define FORT_ACTIVITY_SPEC_VERSION 2
#define FORT_ACTIVITY_SPEC_INIT { FORT_ACTIVITY_SPEC_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL }
int fort_map_activity_set(fort_vault *v, const fort_activity_spec *spec, int add) FORT_WUR;
/* Add or change recipient NAME (add: KIND and COUNTRY required; a country
 * outside the EEA needs SAFEGUARD).  NULL members are unchanged. */
int fort_map_recipient_set(fort_vault *v, const char *name, const char *kind, const char *country, const char *safeguard,
			   const char *note, int add) FORT_WUR;

/* Validate and normalise VALUE as field FIELD would store it, without
 * storing anything.  *out (free()) is the canonical form. */
int fort_field_normalise(char **out, fort_vault *v, const char *field, const char *value) FORT_WUR;
/* fort_field_normalise, and on FORT_EINPUT / FORT_ENOTFOUND *PROBLEM (may
 * be NULL; static) names what is wrong in a stable word a page can say in
 * its visitor's language (the message stays English): "too_long",
 * "control" (a control character), "utf8", "empty", "email", "phone",
 * "iban", "card", "date", "country" (an unknown country or state), "value"
 * (another rule of the field's type), "unknown_field". */
int fort_field_check(char **out, const char **problem, fort_vault *v, const char *field, const char *value) FORT_WUR;

/* ---------------------------------------------------------------- clients */

#define FORT_ID_LEN 18  /* "c-" + 16 hex digits */

typedef struct {
	const char *field;
	const char *value;   /* NULL or "" on edit: clear the field */
} fort_kv;

/* Add a client.  Every value is validated and normalised by its field's
 * type; the first bad one is FORT_EINPUT naming the field.  A client with the
 * same email or phone is FORT_EDUPLICATE naming the existing id.
 * ID_OUT receives the new id. */
int fort_client_add(char id_out[FORT_ID_LEN + 1], fort_vault *v, const fort_kv *kv, size_t n) FORT_WUR;

/* Change fields of a client. */
int fort_client_edit(fort_vault *v, const char *id, const fort_kv *kv, size_t n) FORT_WUR;

/* Read options.  REVEAL lists fields to decrypt in full ("all" for every
 * field); PURPOSE is required with REVEAL and must be one the map allows
 * for each revealed field, else FORT_EDENIED (audited). */
typedef struct {
	unsigned version;
	const char *const *reveal;
	size_t nreveal;
	const char *purpose;
} fort_read_opts;
#define FORT_READ_OPTS_VERSION 1
#define FORT_READ_OPTS_INIT { FORT_READ_OPTS_VERSION, NULL, 0, NULL }

typedef struct fort_record fort_record;
typedef struct {
	const char *field;
	const char *value;  /* masked unless revealed */
	int revealed;
} fort_record_field;

/* Read one client (audited).  Values are masked unless revealed. */
int fort_client_get(fort_record **out, fort_vault *v, const char *id, const fort_read_opts *o) FORT_WUR;
/* The same for a server that does not put a thread to sleep per request
 * (issue 17): on a handle with a group commit the read's entry is queued
 * and DONE(ARG, REC, CODE, MSG) is called once, from the thread that
 * commits it, with the record (the caller's: fort_record_free) only after
 * that entry's transaction has committed; if the read or its entry failed,
 * REC is NULL, CODE < 0 and MSG why: the record was wiped unseen.  Without
 * a group commit DONE is called before this returns.  0: DONE is or will be
 * called; < 0 (a bad argument, no memory): DONE not called.  V stays the
 * caller's (not used, not given back) until DONE. */
typedef void (*fort_record_done)(void *arg, fort_record *rec, int code, const char *msg);
int fort_client_get_async(fort_vault *v, const char *id, const fort_read_opts *o, fort_record_done done, void *arg) FORT_WUR;
const char *fort_record_id(const fort_record *r);
int64_t fort_record_created(const fort_record *r);
int64_t fort_record_updated(const fort_record *r);
size_t fort_record_count(const fort_record *r);
const fort_record_field *fort_record_field_at(const fort_record *r, size_t i);
/* Value of a field or NULL. */
const char *fort_record_value(const fort_record *r, const char *field);
/* Wipes values and frees.  Accepts NULL. */
void fort_record_free(fort_record *r);

typedef struct {
	char id[FORT_ID_LEN + 1];
	int64_t created;
	char display[96];   /* masked full name, or "" */
} fort_client_summary;

/* All clients (audited as one "list" entry), oldest first.  *out is an
 * array of *n summaries; free() it. */
int fort_client_list(fort_client_summary **out, size_t *n, fort_vault *v) FORT_WUR;

/* Find clients whose FIELD equals VALUE (after normalisation) through the
 * blind index; nothing is decrypted.  FIELD must be searchable.  *out is an
 * array of *n ids; free() it.  Searches are audited as one summary entry per
 * session (field names and counts, never values), written at close. */
int fort_client_find(char (**out)[FORT_ID_LEN + 1], size_t *n, fort_vault *v,
		     const char *field, const char *value) FORT_WUR;

/* Erase a client by crypto-shredding: the wrapped client key, ciphertexts
 * and index entries are deleted (secure_delete), the WAL checkpointed, and
 * the id added to the erasure ledger.  REASON is free text without personal
 * data (may be NULL). */
int fort_client_erase(fort_vault *v, const char *id, const char *reason) FORT_WUR;

/* Is ID in the erasure ledger?  1 yes, 0 no, <0 error. */
int fort_client_is_erased(fort_vault *v, const char *id);

/* ----------------------------------------------- the client's language */

/* Letters and notices for a client are written in the client's language
 * when it is known (issue 18 item 4): en de fr es it nl.  1 when LANG is
 * one of them (exactly, lower case), else 0. */
int fort_language_supported(const char *lang);
/* Set the language CLIENT's letters are written in (LANG NULL or "":
 * forget it).  Kept as a sealed vault detail (docs/SECURITY.md); dropped
 * when the client is erased.  Needs 'write'; audited.  FORT_EINPUT (a
 * language Fortress does not write, naming it), FORT_ENOTFOUND. */
int fort_client_language_set(fort_vault *v, const char *client, const char *lang) FORT_WUR;
/* The language of CLIENT's letters (CLIENT NULL: the business's default):
 * the one set for the client (fort_client_language_set, or an intake
 * submission's page language), else that of their newest consent-ledger
 * entry, else the business's default language (fort_business_set), else
 * "en".  SOURCE (may be NULL)
 * gets which: "client", "consent", "business" or "default".  Needs
 * 'read'. */
int fort_client_language(char out[8], const char **source, fort_vault *v, const char *client) FORT_WUR;
/* DATE ("YYYY-MM-DD", more ignored) as a letter in LANG writes it:
 * "6 December 2026", "6. Dezember 2026", "6 décembre 2026", "6 de
 * diciembre de 2026", "6 dicembre 2026", "6 december 2026".  FORT_EINPUT. */
int fort_date_words(char *out, size_t cap, const char *lang, const char *date);

/* ----------------------------------------------------- import and export */

typedef void (*fort_progress_cb)(void *ctx, uint64_t done_bytes, uint64_t total_bytes, uint64_t rows);

typedef struct {
	unsigned version;
	const char *format;            /* "csv" | "vcard" | "json" | NULL: from the name/content */
	const char *const *column_map; /* "COLUMN=FIELD" overrides (FIELD "-" ignores the column) */
	size_t ncolumn_map;
	int skip_invalid;              /* import good rows, list bad ones */
	const char *rejects_path;      /* with skip_invalid: bad rows written here (mode 0600) */
	fort_progress_cb progress;
	void *progress_ctx;
	/* version 2: */
	int strict_columns;            /* refuse a column that matches no field (default: ignore it, say so in notes) */
	const char *date_order;        /* "dmy" | "mdy": how 3/7/1984 reads; NULL: from the vault's country */
} fort_import_opts;
#define FORT_IMPORT_OPTS_VERSION 2
#define FORT_IMPORT_OPTS_INIT { FORT_IMPORT_OPTS_VERSION, NULL, NULL, 0, 0, NULL, NULL, NULL, 0, NULL }

typedef struct {
	uint64_t rows;        /* records read */
	uint64_t imported;
	uint64_t rejected;    /* bad rows (including duplicates) */
	uint64_t duplicates;
	char format[8];
	size_t nproblems;     /* problems kept (at most 1000; rejected says how many) */
	char **problems;      /* "line N, column C: reason" */
	size_t nnotes;        /* what was read in a way worth knowing: ignored columns, */
	char **notes;         /* joined names, a guessed date order, a default country */
} fort_import_report;

/* Import clients from a CSV, vCard or JSON file, streaming.  By default all
 * or nothing: if any row is bad nothing is imported, FORT_EINPUT, and the
 * report lists every bad row.  The report is returned even on failure.
 * Known layouts are recognised by their header (Google, Outlook, Apple,
 * Thunderbird, LinkedIn, Fortress's own export; column names in English,
 * German, French, Spanish, Italian, Dutch): name and address parts are
 * joined, the first of several e-mail/phone columns is kept, columns that
 * match no field are ignored and named in the report's notes (FORT_EINPUT
 * with strict_columns).  PATH "-" reads standard input.  Options of
 * version 1 are accepted. */
int fort_client_import(fort_import_report **out, fort_vault *v, const char *path,
		       const fort_import_opts *o) FORT_WUR;
/* The same from LEN bytes at DATA (an upload), read in memory: nothing is
 * written to a file.  NAME stands for the file in messages and tells the
 * format by its extension when O->format is NULL ("upload.csv"). */
int fort_client_import_buffer(fort_import_report **out, fort_vault *v, const void *data, size_t len, const char *name,
			      const fort_import_opts *o) FORT_WUR;
void fort_import_report_free(fort_import_report *r);

typedef struct {
	unsigned version;
	const char *purpose;       /* required; every exported field must allow it */
	const char *format;        /* "json" (default) | "csv" */
	const char *const *fields; /* NULL = every field the purpose allows */
	size_t nfields;
	const char *destination;   /* recorded in the audit entry ("-" for stdout) */
} fort_export_opts;
#define FORT_EXPORT_OPTS_VERSION 1
#define FORT_EXPORT_OPTS_INIT { FORT_EXPORT_OPTS_VERSION, NULL, NULL, NULL, 0, NULL }

/* Write every client's fields (decrypted) to OUT; audited with the client
 * count and the destination.  CSV cells starting with = + - @ (or tab/CR)
 * are prefixed with ' against formula injection. */
int fort_client_export(uint64_t *count_out, fort_vault *v, FILE *out, const fort_export_opts *o) FORT_WUR;

/* ------------------------------------------------------------------ audit */

typedef struct {
	int64_t seq;
	int64_t ts;          /* unix time, UTC */
	const char *actor;
	const char *action;  /* unlock, unlock-failed, create, read, reveal, list, find, add, edit, import,
			      * export, erase, map, passwd, audit-log, recovery-split, recovery-restore,
			      * backup-create, backup-verify, backup-restore */
	const char *client;  /* "" when none */
	const char *fields;  /* comma-separated field names, "" when none */
	const char *purpose;
	const char *result;  /* ok | denied | failed */
	const char *detail;
	int signed_;         /* signed by its actor: alone, or (the server's group commit) by their
			      * signature later in the same batch, which `audit verify` checks */
} fort_audit_entry;

typedef int (*fort_audit_cb)(void *ctx, const fort_audit_entry *e);

/* Call CB for every entry (only those about CLIENT if not NULL), oldest
 * first.  A non-zero return from CB stops the walk and is returned. */
int fort_audit_log(fort_vault *v, const char *client, fort_audit_cb cb, void *ctx);

typedef struct {
	int ok;
	uint64_t entries;
	int64_t bad_seq;      /* first entry that fails, or -1 */
	char problem[512];    /* what is wrong, naming the entry */
	int64_t head_seq;
	char head[65];
} fort_audit_report;

/* Verify the whole chain: every entry's hash, its link to the previous one,
 * its signature by the actor's key, and the signed head against truncation;
 * then every sealed row (client records, index entries, the ledgers, the
 * data map) against the seals the entries carry (docs/SECURITY.md, "Seals"):
 * out->problem names the first row changed, added or removed.
 * ANCHOR ("SEQ:HEX", as printed by fort_vault_status, or NULL) is a head
 * kept outside the vault: the chain must still contain it.  Returns 0 when
 * the call ran (see out->ok), <0 on error.  Works on a locked vault. */
int fort_audit_verify(fort_audit_report *out, fort_vault *v, const char *anchor) FORT_WUR;

/* ------------------------------------------------------------- store copy */

/* One table of a copy: its rows in the copy, and whether they are the
 * source's (count and a digest of every row's columns). */
typedef struct {
	char name[48];
	uint64_t rows;
	int same;
} fort_store_copy_table;

typedef struct {
	int ok;                           /* copied and every check passed */
	char problem[512];                /* else: what failed, naming the table or entry */
	size_t ntables;
	fort_store_copy_table tables[64];
	uint64_t rows;                    /* all tables */
	uint64_t clients;
	uint64_t seals;                   /* rows of the seal log */
	uint64_t audit_entries;
	int64_t audit_head_seq;           /* the copy's audit head: the source's */
	char audit_head[65];
} fort_store_copy_report;

/* Copy the vault at FROM into a new one at TO (issue 19: a SQLite file
 * path, or an empty PostgreSQL database as postgresql://..., postgres://...
 * or service=NAME, the other way round too): every table's rows as they
 * are (ciphertext, blind-index entries, wrapped keys, seals, the audit
 * chain; nothing is decrypted and no passphrase is needed), read in one
 * transaction of FROM (writers wait), written in one transaction of TO.
 * The source's audit chain must verify first.  Then the copy is checked:
 * the same tables with the same number of rows and the same digest of
 * their rows, its audit chain and every seal verify
 * (fort_audit_verify) and its head is the source's.  OUT says what was
 * copied and checked.  Returns 0 when the copy is complete and checked;
 * FORT_ETAMPER (the source does not verify: nothing written; or the copy
 * does not: out->problem), FORT_EEXISTS (TO exists / holds tables),
 * FORT_EINPUT (TO's schema is not FROM's), the errors of opening either.
 * A failed copy into a file leaves no file; into PostgreSQL, a failure
 * while writing leaves the database as it was, a copy that then fails its
 * checks is left for inspection (out->problem says so). */
int fort_store_copy(fort_store_copy_report *out, const char *from, const char *to) FORT_WUR;

/* ----------------------------------------------------------------- backup */

/* Backup file format this build writes (and the newest it reads). */
#define FORT_BACKUP_FORMAT 1

typedef struct {
	unsigned format;            /* file format version */
	char vault_id[33];
	int64_t created;            /* when the snapshot was taken (unix time) */
	char tool_version[32];      /* the Fortress that wrote it */
	uint64_t clients;           /* clients in the backup */
	int64_t audit_head_seq;     /* the backup's audit head (SEQ:HASH) */
	char audit_head[65];
	char owner[128];            /* the user whose passphrase opens it */
	uint64_t bytes;             /* size of the backup file */
	uint64_t erased_replayed;   /* restore: clients erased again from the current vault's ledger */
	int recorded;               /* verify: recorded as the vault's last verified backup */
} fort_backup_info;

/* Write an encrypted backup of V (unlocked, holding the vault key) to PATH:
 * an online snapshot (consistent while others write), encrypted under a key
 * derived from the vault key, authenticated end to end.  Written to a
 * temporary name next to PATH, fsynced and renamed over PATH.  It opens with
 * the owner's passphrase.  Audited ("backup-create").  OUT may be NULL.
 * FORT_ELOCKED, FORT_EDENIED, FORT_EIO, FORT_EBUSY. */
int fort_backup_create(fort_backup_info *out, fort_vault *v, const char *path) FORT_WUR;

/* The same backup written to FD (standard output, a pipe: `backup create -`),
 * which cannot take back what it was given: the backup is made in an unnamed
 * temporary file ($TMPDIR or /tmp, O_TMPFILE, else created and unlinked at
 * once; it only ever holds the encrypted backup), recorded (its SHA-256 in
 * the exports record, destination "-", and the "backup-create" audit entry,
 * committed) and only then copied to FD.  When that copy fails (a closed
 * pipe, a full disk) the result is FORT_EIO with a message saying the backup
 * was recorded but not delivered; OUT is filled all the same and nothing
 * else changes.  Errors before the copy as fort_backup_create, with nothing
 * recorded and nothing written to FD. */
int fort_backup_create_fd(fort_backup_info *out, fort_vault *v, int fd) FORT_WUR;

/* A backup written from this vault, as the exports record keeps it. */
typedef struct {
	int64_t id, ts;             /* the record's number; when (unix time) */
	char actor[128];            /* who made it */
	char device[128];           /* on which host */
	char destination[512];      /* where it was written ("-": a stream, a download) */
	char sha256[65];            /* the file's SHA-256 ("" when not known) */
	uint64_t clients;           /* clients in it */
} fort_backup_record;
/* Every backup made of V, oldest first.  Needs 'read'.  *OUT malloc'ed
 * (free()). */
int fort_backup_list(fort_backup_record **out, size_t *n, fort_vault *v) FORT_WUR;

/* Check that the backup at PATH opens with PASS (the owner's passphrase;
 * USER NULL or the owner) and that every byte of it is intact.  With V (the
 * same vault, locked or unlocked) the check is recorded as its last verified
 * backup (fort_status.last_verified_backup) and audited ("backup-verify").
 * FORT_ECORRUPT (not a backup, truncated, altered: the message names the
 * byte offset or chunk), FORT_EVERSION (made by a newer Fortress),
 * FORT_EAUTH, FORT_ENOTFOUND.  PATH "-" reads the backup from standard input
 * (here and in the restore functions below: read once, start to end). */
int fort_backup_verify(fort_backup_info *out, const char *path, const char *user, const fort_secret *pass,
		       fort_vault *v) FORT_WUR;

/* Restore the backup at PATH into a new vault at TO_PATH (must not exist;
 * written under a temporary name and renamed when complete).  With CURRENT
 * (the live vault, opened locked is enough) its erasure ledger is replayed:
 * every client erased since the backup was taken is erased in the restored
 * vault too (out->erased_replayed).  CURRENT must be the same vault (same
 * vault id).  Audited in the restored vault ("backup-restore").  Nothing is
 * left at TO_PATH on failure.  Errors as fort_backup_verify, and
 * FORT_EEXISTS (TO_PATH exists), FORT_EINPUT (CURRENT is another vault). */
int fort_backup_restore(fort_backup_info *out, const char *path, const char *to_path, const char *user,
			const fort_secret *pass, fort_vault *current) FORT_WUR;

/* The same with K recovery shares instead of the owner's passphrase (for a
 * lost passphrase on a new machine): the shares of the split current when
 * the backup was taken open it.  Restoring also sets NEWPASS as the owner's
 * passphrase in the restored vault (as fort_recovery_restore), or restores
 * nothing.  Errors as fort_recovery_restore and fort_backup_restore;
 * FORT_ENOTFOUND when no shares had been made when the backup was taken. */
int fort_backup_verify_shares(fort_backup_info *out, const char *path, const char *const *shares, size_t n,
			      fort_vault *v) FORT_WUR;
int fort_backup_restore_shares(fort_backup_info *out, const char *path, const char *to_path, const char *const *shares,
			       size_t n, const fort_secret *newpass, fort_vault *current) FORT_WUR;

/* --------------------------------------------------------------- recovery */

/* Recovery shares: the owner's keys sealed under a random recovery key that
 * is split (Shamir) into N shares, any K of which give it back; K-1 reveal
 * nothing.  For when the owner's passphrase is forgotten (docs/SECURITY.md).
 * A share is one line of text:
 *   FORT-SHARE-1:<vault id, 12 hex>:<K>-of-<N>:<number>:<64 hex>:<checksum, 8 hex>
 */

/* Make N shares with threshold K (2 <= K <= N <= 255) of V, unlocked as the
 * owner.  *SHARES_OUT gets N malloc'ed NUL-terminated share strings; free
 * them with fort_recovery_shares_free().  Replaces the previous split: its
 * shares stop working.  Audited ("recovery-split", the counts only).
 * FORT_EINPUT (K, N), FORT_EDENIED (not the owner), FORT_ELOCKED. */
int fort_recovery_split(char ***shares_out, fort_vault *v, size_t n, size_t k) FORT_WUR;
/* Wipes and frees the N shares.  Accepts NULL. */
void fort_recovery_shares_free(char **shares, size_t n);

/* Set a new owner passphrase with K or more shares.  V must be opened
 * locked (fort_vault_open with PASS NULL).  NEWPASS must pass
 * fort_passphrase_check().  On success the owner's keys are sealed under
 * NEWPASS (the old passphrase stops working), V is unlocked as the owner and
 * the restore is audited ("recovery-restore", signed).  On failure nothing
 * changes and refused shares are audited as an unsigned "unlock-failed".
 * The message names the share by its position in SHARES (1-based).
 * FORT_EWEAK; FORT_EINPUT (a share mistyped, damaged, repeated, not a
 * share); FORT_EAUTH (too few shares, another vault's, an older split's);
 * FORT_ENOTFOUND (no shares were ever made for this vault). */
int fort_recovery_restore(fort_vault *v, const char *const *shares, size_t nshares,
			  const fort_secret *newpass) FORT_WUR;

/* Is there a split: *CONFIGURED 1 with its *K, *N and *CREATED (unix
 * time), or 0.  Works on a locked vault. */
int fort_recovery_status(int *configured, int *k, int *n, int64_t *created, fort_vault *v) FORT_WUR;

/* -------------------------------------------------------------- deadlines */

/*
 * Legal clocks (rights requests, complaints, breach notices) computed from
 * the rules table data/deadline_rules.csv and the public holidays of
 * data/holidays.csv, both compiled into the library (data/README.md gives
 * every rule's source and what is verified).  No vault needed.
 *
 * Day clocks work on civil dates ("YYYY-MM-DD", no time zone); hour clocks
 * on UTC instants ("YYYY-MM-DDTHH:MM:SSZ"; a "+HH:MM"/"-HH:MM" offset is
 * accepted on input and converted).  Months follow Reg. (EEC, Euratom)
 * 1182/71: the start day is not counted, the period ends on the same date
 * the month after (its last day when there is no such date), and where the
 * rule rolls, a Saturday, Sunday or public holiday moves the end to the next
 * working day.  Calendar days count from the day after the start, or from
 * the start itself as day 1 where the rule says so (CCPA).  Business days
 * are counted after the start day.  Paused days (UK: awaiting
 * clarification) move the end before the roll.
 */
typedef struct {
	unsigned version;
	const char *jurisdiction;   /* "EU", "UK", "CA" (CCPA), "US-HIPAA": a key of data/deadline_rules.csv */
	const char *clock;          /* "request" (rights requests), "optout", "complaint", "breach-authority", "breach-individuals", "hhs-log" */
	const char *region;         /* holiday calendar "DE", "GB-ENG", "GB-SCT", "US"...; NULL: the rule's default */
	const char *start;          /* "YYYY-MM-DD" for day clocks (receipt, or ID received for UK), "YYYY-MM-DDTHH:MM:SSZ" for hour clocks */
	unsigned paused_days;       /* days the clock stood still (UK: awaiting clarification) */
	int extended;               /* the one extension allowed was taken */
} fort_deadline_query;
#define FORT_DEADLINE_QUERY_VERSION 1
#define FORT_DEADLINE_QUERY_INIT { FORT_DEADLINE_QUERY_VERSION, NULL, NULL, NULL, NULL, 0, 0 }

typedef struct {
	char due[32];                  /* when the answer is due (with the extension when extended): YYYY-MM-DD or ...THH:MM:SSZ;
					* "" when the rule fixes no period ("without undue delay") */
	char ack_due[32];              /* acknowledgement due, "" if the rule has none */
	char extension_notice_due[32]; /* the latest date to tell the person of an extension, "" if none */
	char max_due[32];              /* due with the extension, "" if no extension is possible */
	char rule[200];                /* plain words: "one month from receipt; weekends and public holidays roll to the next working day" */
	char source[300];              /* citation and URL from the table */
	char region[16];               /* the holiday calendar used, "" when none (weekends only, or no roll) */
	char title[128];               /* what the clock is: "GDPR rights request (Art. 12(3))" */
	char verified[8];              /* the table's flag: "yes", "partial" or "no" (data/README.md) */
	int hours;                     /* 1: an hour clock (UTC instants), 0: a day clock (dates) */
	char jurisdiction[16];         /* the rule's own spelling ("UK" for "uk") */
	char clock[32];
} fort_deadline;

/* Compute the deadlines of Q from the rules table.  FORT_EINPUT (an
 * unparsable or impossible date, named; paused days or an extension the rule
 * does not allow), FORT_ENOTFOUND (a jurisdiction/clock without rules: the
 * message says which exist; a region without a holiday calendar; a date to
 * roll or count outside the years the calendar covers, 2024-2035 today). */
int fort_deadline_compute(fort_deadline *out, const fort_deadline_query *q) FORT_WUR;
/* Is YYYY-MM-DD a working day in REGION (no weekend, no public holiday)?
 * 1, 0, or FORT_E*: FORT_EINPUT (bad date), FORT_ENOTFOUND (no calendar for
 * REGION, or a year it does not cover).  REGION NULL or "": weekends only. */
int fort_is_working_day(const char *date, const char *region);

/* One row of the rules table, for listings (pointers into the table: valid
 * for the life of the process). */
typedef struct {
	const char *jurisdiction, *clock, *title;
	const char *calendar;       /* default holiday calendar, "" for none */
	const char *verified;       /* "yes", "partial", "no" */
	const char *source, *notes;
} fort_deadline_rule;
/* Call CB for every rule, in table order; a non-zero return from CB stops
 * the walk and is returned.  FORT_ENOMEM, FORT_ECORRUPT (a bad table). */
int fort_deadline_rules(int (*cb)(void *ctx, const fort_deadline_rule *r), void *ctx);

/* DATE plus DAYS calendar days (DAYS may be negative) into OUT.
 * 0 or FORT_EINPUT (bad date, or a result outside years 1-9999). */
int fort_date_add_days(char out[11], const char *date, int days);
/* 1 when DATE is a real "YYYY-MM-DD" date (years 1-9999), else 0 with the
 * reason as the error message (fort_error_message()). */
int fort_date_valid(const char *date);
/* Day of the week of DATE: 0 Sunday ... 6 Saturday, or FORT_EINPUT. */
int fort_date_weekday(const char *date);
/* Whole days from FROM to TO (negative when TO is earlier) into *DAYS.
 * 0 or FORT_EINPUT (a bad date, named). */
int fort_date_diff(long *days, const char *from, const char *to) FORT_WUR;

/* ---------------------------------------------------------------- consent */

/* The consent ledger (GDPR Art. 7): append-only and hash-chained; every
 * entry is also audited.  Actions: grant, withdraw, object (Art. 21),
 * restrict and lift (Art. 18: the whole of the client's processing).
 * Every reveal and export names a purpose, and the library refuses it when
 * the purpose's legal basis is consent and the client has not (or no
 * longer) consented, when the client objected to it, or while processing
 * is restricted (only 'legal_claims' then).  Refusals are audited. */
typedef struct {
	unsigned version;
	const char *channel;       /* web | email | paper | verbal | phone | in_person (required) */
	const char *language;      /* of the notice shown, "en" if NULL */
	const char *notice_path;   /* grant: the notice text the client saw (stored, SHA-256 kept);
				      NULL: the newest stored notice in LANGUAGE */
	const char *evidence_path; /* optional: a file proving it (stored encrypted under the client's key) */
	int64_t when;              /* unix time it happened, 0: now */
} fort_consent_opts;
#define FORT_CONSENT_OPTS_VERSION 1
#define FORT_CONSENT_OPTS_INIT { FORT_CONSENT_OPTS_VERSION, NULL, NULL, NULL, NULL, 0 }

/* Record ACTION for CLIENT and PURPOSE (ignored for restrict/lift).  Needs
 * 'write'.  FORT_ENOTFOUND (client, purpose), FORT_EINPUT (action, channel,
 * no notice for a grant). */
int fort_consent_record(fort_vault *v, const char *client, const char *purpose, const char *action,
			const fort_consent_opts *o) FORT_WUR;

typedef struct {
	char purpose[48];
	int consented;          /* an active consent */
	int objected;           /* an objection stands */
	int needs_consent;      /* the purpose's legal basis is consent */
	int64_t since;          /* of the newest entry for the purpose */
	char notice[65];        /* SHA-256 of the notice of the newest grant */
} fort_consent_state;

/* Where CLIENT stands, per purpose that has entries, and whether its
 * processing is restricted.  *OUT is malloc'ed (free()). */
int fort_consent_status(fort_consent_state **out, size_t *n, int *restricted, fort_vault *v, const char *client) FORT_WUR;

typedef struct {
	int64_t seq, ts;
	char purpose[48], action[16], channel[16], recorded_by[128], language[16];
	char notice[65], evidence_sha256[65];
} fort_consent_entry;

/* CLIENT's ledger entries, oldest first.  *OUT is malloc'ed (free()).  Audited. */
int fort_consent_history(fort_consent_entry **out, size_t *n, fort_vault *v, const char *client) FORT_WUR;
/* Check the ledger's hash chain (works locked): *OK 0 and PROBLEM names the
 * first entry changed or removed. */
int fort_consent_verify(int *ok, uint64_t *entries, char *problem, size_t cap, fort_vault *v) FORT_WUR;

/* ---------------------------------------------------- write-only intake */

/* Intake forms (issue 18): a form names the data-map fields it asks for and
 * the purposes it asks consent to.  Submissions need no keys: each is
 * validated with the vault's field types and stored sealed
 * (crypto_box_seal) to the vault's X25519 intake public key, whose secret
 * half only users whose role allows "intake" hold (a grant like the
 * category keys).  They review, accept (a client record with the consents
 * given, channel web, and the notice shown) or reject.  docs/SECURITY.md,
 * "Write-only intake". */
#define FORT_INTAKE_MAX (32u << 10)  /* a submission's JSON, in bytes */
#define FORT_INTAKE_NAME_MAX 47

typedef struct {
	char name[48];
	char fields[1024];     /* "email,name,phone" */
	char consents[1024];   /* purposes asked for, "" if none */
	int64_t created;
	char created_by[128];
	uint64_t pending;      /* submissions waiting for review */
	char origins[1024];    /* sites that may embed the form page (iframe): "https://a.example https://b.example", "" none */
} fort_intake_form;

/* Make form NAME ([a-z0-9_-], at most 47) asking for FIELDS (data-map
 * fields) and consent to CONSENTS (data-map purposes, may be 0).  The first
 * form makes the vault's intake key pair and hands the secret half to
 * every active user whose role allows intake.  Needs "intake"; audited.
 * FORT_EINPUT, FORT_ENOTFOUND (a field or purpose), FORT_EEXISTS. */
int fort_intake_create(fort_vault *v, const char *name, const char *const *fields, size_t nfields,
		       const char *const *consents, size_t nconsents) FORT_WUR;
/* Every form, by name (works locked: no client data).  *OUT malloc'ed (free()). */
int fort_intake_list(fort_intake_form **out, size_t *n, fort_vault *v) FORT_WUR;
int fort_intake_show(fort_intake_form *out, fort_vault *v, const char *name) FORT_WUR;
/* Remove form NAME; refused (FORT_EINPUT) while it has pending
 * submissions.  Needs "intake"; audited. */
int fort_intake_remove(fort_vault *v, const char *name) FORT_WUR;
/* Set the sites that may embed form NAME's page in a frame (the server's
 * Content-Security-Policy frame-ancestors): ORIGINS are scheme://host[:port]
 * (http or https, no path; at most 16); N 0 clears the list (no site may
 * frame it).  Kept as a sealed vault detail.  Needs "intake"; audited.
 * FORT_EINPUT naming the origin, FORT_ENOTFOUND (no such form). */
int fort_intake_set_origins(fort_vault *v, const char *name, const char *const *origins, size_t n) FORT_WUR;

/* Submit JSON (LEN bytes, at most FORT_INTAKE_MAX) to form FORM:
 *   {"fields": {"email": "...", ...}, "consents": ["newsletter"],
 *    "notice": "<SHA-256 of the notice shown>", "language": "en"}
 * Needs no keys (V may be locked) and reads no client data: 0 for every
 * valid submission, whoever it names; nothing tells whether a person is a
 * client already.  FORT_EINPUT naming the field or key (nothing stored),
 * FORT_ENOTFOUND (no such form), FORT_ETAMPER (the form or the intake key
 * was changed outside Fortress).  "notice" is required when consents are
 * given and must be a notice the vault published. */
int fort_intake_submit(fort_vault *v, const char *form, const char *json, size_t len) FORT_WUR;

typedef struct {
	char field[48];
	char *value;           /* masked unless revealed */
} fort_intake_value;

typedef struct {
	int64_t id, received;
	char form[48];
	fort_intake_value *values;
	size_t nvalues;
	char consents[1024];   /* purposes consented to, "" if none */
	char notice[65], language[16];
	char duplicate[FORT_ID_LEN + 1]; /* a client with the same e-mail or phone, "" if none */
	char duplicate_field[48];
	int revealed;
	char problem[160];     /* "" or why it cannot be read (not made by Fortress): reject it */
} fort_intake_item;

/* Pending submissions of FORM (NULL: every form), oldest first, decrypted
 * with the acting user's intake key; values masked unless REVEAL (which
 * needs "reveal" too).  Duplicates are flagged through the blind index
 * (needs the field's category key).  Needs "intake"; audited.  Free with
 * fort_intake_items_free (wipes the values). */
int fort_intake_review(fort_intake_item **out, size_t *n, fort_vault *v, const char *form, int reveal) FORT_WUR;
void fort_intake_items_free(fort_intake_item *items, size_t n);
/* Make submission ID a client with the consents it gave (consent ledger:
 * channel web, the notice and language shown) and remove it, in one
 * audited transaction; ID_OUT gets the client's id.  A submission with the
 * e-mail or phone of an existing client is refused (FORT_EDUPLICATE naming
 * the client; nothing changes).  Needs "intake"; FORT_ENOTFOUND. */
int fort_intake_accept(char id_out[FORT_ID_LEN + 1], fort_vault *v, int64_t id) FORT_WUR;
/* Delete submission ID (secure_delete wipes it), audited. */
int fort_intake_reject(fort_vault *v, int64_t id) FORT_WUR;
/* Replace the vault's intake key pair (a holder left, a key may be
 * exposed): a new pair, its secret half granted to every active user whose
 * role allows intake (the old grants deleted), and every pending
 * submission opened with the old secret and re-sealed to the new public
 * key, in one audited transaction; *RESEALED (may be NULL) says how many.
 * Forms keep working (they seal to the new key from then on).  Needs
 * "intake" and the current intake key.  docs/SECURITY.md, "Write-only
 * intake". */
int fort_intake_rotate_key(uint64_t *resealed, fort_vault *v) FORT_WUR;

/* ------------------------------------------------------- client requests */

/* A client's request under GDPR Art. 15-21 (UK GDPR, CCPA): kinds access,
 * rectification, erasure, restriction, objection, portability; states
 * received, awaiting_id, awaiting_clarification, in_progress, extended,
 * answered, refused.  Due dates come from the deadline engine and the
 * jurisdiction's rules (fort_deadline_compute); every step is audited. */
typedef struct {
	unsigned version;
	const char *jurisdiction;   /* "EU" (default), "UK", "CA" */
	const char *region;         /* holiday calendar; NULL: the vault's country (EU), GB-ENG (UK), US (CA) */
	int needs_id;               /* the identity must be verified first (UK: the clock waits for it) */
	const char *channel;        /* how it arrived: web, email, letter, phone, in-person, intake (NULL: not recorded) */
	const char *note;           /* the client's own words (rectification: what is wrong, what it should be):
				       UTF-8 text, at most FORT_REQUEST_NOTE_MAX bytes, sealed under the vault key,
				       never in clear in the file or the audit log (NULL: none) */
} fort_request_opts;
#define FORT_REQUEST_OPTS_VERSION 2
#define FORT_REQUEST_OPTS_INIT { FORT_REQUEST_OPTS_VERSION, NULL, NULL, 0, NULL, NULL }
#define FORT_REQUEST_NOTE_MAX 4000

typedef struct {
	int64_t id;
	char client[FORT_ID_LEN + 1];
	char kind[16], jurisdiction[16], region[16];
	char received[11], clock_start[11], closed[11];
	char state[32];
	int paused_days, extended;
	char id_method[64], id_result[16];
	char due[32], ack_due[32], extension_notice_due[32], max_due[32]; /* "" when unknown / none */
	int overdue;                /* open and past due (as of the day asked) */
	int days_left;              /* negative when overdue */
	char rule[200], source[300];
	char pending[96];           /* the step an open request waits for ("a second identity check ..."); "" none */
	char channel[16];           /* how it arrived: web, email, letter, phone, in-person, intake; "" not recorded */
	int has_note;               /* the client's own words are held (fort_request_note) */
} fort_request_info;

/* Open a request of KIND for CLIENT received on RECEIVED (YYYY-MM-DD, not in
 * the future).  *ID_OUT (may be NULL) gets its number.  Needs 'write'.
 * FORT_EINPUT (kind, date), FORT_ENOTFOUND (client; a jurisdiction or
 * calendar without rules). */
int fort_request_open(int64_t *id_out, fort_vault *v, const char *kind, const char *client, const char *received,
		      const fort_request_opts *o) FORT_WUR;
/* Record the identity check (METHOD, OK) made on DATE (NULL: today); a
 * verified identity starts the UK clock and moves the request on. */
int fort_request_verify_id(fort_vault *v, int64_t id, const char *method, int ok, const char *date) FORT_WUR;
/* A step on DATE (NULL: today): pause (UK: awaiting clarification),
 * resume, extend (NOTE: the reasons; refused after the extension notice
 * date), start, answer, refuse (NOTE: the reason; *LETTER_OUT, may be NULL,
 * gets the refusal letter with the complaint and judicial-remedy text,
 * malloc'ed).  Closed requests take no steps (FORT_EINPUT). */
int fort_request_update(char **letter_out, fort_vault *v, int64_t id, const char *action, const char *date,
			const char *note) FORT_WUR;
int fort_request_get(fort_request_info *out, fort_vault *v, int64_t id, const char *today) FORT_WUR;

/* The client's note on request ID (fort_request_opts.note): *NOTE_OUT
 * (malloc'ed, NUL-terminated: wipe and free() it) or NULL when there is
 * none.  Personal data: needs 'reveal'; audited ("request-note", the
 * request's client, never the text).  FORT_ETAMPER: altered in the file. */
int fort_request_note(char **note_out, fort_vault *v, int64_t id) FORT_WUR;

/* How the business handles requests (issue 18 item 3), a sealed vault
 * setting: the kinds whose requests need a second identity step (Art.
 * 12(6)) after the self-service page's one-time e-mail link; such a
 * request stays awaiting_id with the link noted until a person records
 * the check (fort_request_verify_id). */
typedef struct {
	char second_step[128];  /* kinds, comma-separated in a fixed order ("access,erasure"); "" none */
} fort_request_policy;
/* Needs 'read'.  FORT_ETAMPER: the setting was changed or deleted outside
 * Fortress. */
int fort_request_policy_get(fort_request_policy *out, fort_vault *v) FORT_WUR;
/* SECOND_STEP: kinds (access, portability, rectification, erasure,
 * objection, restriction), comma-separated; "" or "none": none.  Needs
 * 'map' (the business's settings); audited.  FORT_EINPUT naming a kind. */
int fort_request_policy_set(fort_vault *v, const char *second_step) FORT_WUR;

typedef struct {
	size_t fields;     /* the client's fields in the package */
	size_t withheld;   /* CCPA: held but shown masked (government ids, account numbers) */
	size_t history;    /* access-history entries */
} fort_access_report;

/* Fulfil an access (Art. 15) or portability (Art. 20) request: write the
 * folder DIR (must not exist; mode 0700, files 0600, written under a
 * temporary name and renamed) with data.json and data.csv (UTF-8, ISO 8601),
 * letter.md and letter.html (every Art. 15(1)(a)-(h) and 15(2) item: purposes
 * and legal bases, categories, recipients, storage periods, rights, the
 * supervisory authority, the source, automated decisions, transfers, and the
 * access history from the audit log) and manifest.json (the SHA-256 of every
 * file, every field described).  CCPA requests show government ids and
 * account numbers masked and say they are held.  The request is then
 * answered.  Needs 'reveal' and every category key.  Audited.  FORT_EEXISTS
 * (DIR), FORT_EINPUT (another kind, a closed request), FORT_EDENIED. */
int fort_request_fulfil(fort_access_report *out, fort_vault *v, int64_t id, const char *dir) FORT_WUR;
/* The same with the letter (and the package's texts) in LANGUAGE (en de
 * fr es it nl) instead of the client's own (fort_client_language: the
 * letter of a fort_request_fulfil is in that).  FORT_EINPUT (LANGUAGE). */
int fort_request_fulfil_in(fort_access_report *out, fort_vault *v, int64_t id, const char *dir, const char *language) FORT_WUR;
/* The same package as one zip archive in memory (made with libarchive; the
 * entries as the folder's files), for a download: nothing is written to
 * disk.  *ZIP is malloc'ed, *LEN bytes; it holds the client's data: wipe
 * it (sodium_memzero) before free().  NULL on failure. */
int fort_request_fulfil_zip(fort_access_report *out, unsigned char **zip, size_t *len, fort_vault *v, int64_t id) FORT_WUR;


typedef struct {
	size_t erased;    /* fields erased */
	size_t kept;      /* fields kept under a legal hold */
	int whole;        /* nothing held: the client was crypto-shredded whole */
	size_t recipients; /* recipients told (Art. 19): CERT_PATH.recipients.md, mode 0600 */
} fort_erasure_report;

/* Fulfil an erasure request (Art. 17): fields under a legal hold (the map's
 * "hold": years, from, reason) that has not ended on TODAY (NULL: the real
 * date) are kept; the rest is erased (the whole client crypto-shredded when
 * nothing is held).  CERT_PATH (must not exist) gets a certificate listing
 * what was erased and what was kept, why and until when, signed (Ed25519)
 * by the acting user.  Recipients the erased data was disclosed to (the
 * activities' recipients) get a notice each (Art. 19) in
 * CERT_PATH.recipients.md.  The request is answered.  Needs 'erase' and
 * every category key.  Audited. */
int fort_request_erase(fort_erasure_report *out, fort_vault *v, int64_t id, const char *cert_path,
		       const char *today) FORT_WUR;
/* The same, the certificate and its letters in one zip archive in memory
 * (certificate.json, letter.md, letter.pdf, and recipients.md/.pdf when
 * recipients are told): *ZIP malloc'ed, *LEN bytes (wipe, then free()). */
int fort_request_erase_zip(fort_erasure_report *out, unsigned char **zip, size_t *len, fort_vault *v, int64_t id,
			   const char *today) FORT_WUR;

typedef struct {
	int valid;            /* the signature verifies */
	int vault_checked;    /* and the signer is that user of the vault given, with that key */
	char client[FORT_ID_LEN + 1], signer[128], erased_at[32], vault_id[33];
	size_t erased, kept;
} fort_certificate_info;

/* Verify an erasure certificate at PATH: its Ed25519 signature over its
 * body, and with V (may be NULL, locked is enough) that it comes from V and
 * its signer's key is theirs.  FORT_ETAMPER (altered), FORT_EINPUT (not a
 * certificate, another vault's). */
int fort_certificate_verify(fort_certificate_info *out, const char *path, fort_vault *v) FORT_WUR;

/* Retention of what erasure requests had to keep. */
typedef struct {
	char client[FORT_ID_LEN + 1], field[48], until[11], reason[200];
	int64_t request;
} fort_hold_info;
/* Holds ending on or before UNTIL (NULL: all), soonest first.  *OUT malloc'ed. */
int fort_retention_due(fort_hold_info **out, size_t *n, fort_vault *v, const char *until) FORT_WUR;
/* Erase every held field whose hold ended before TODAY (NULL: the real
 * date); a client whose last hold ends is crypto-shredded.  DRY_RUN lists
 * what would go.  *OUT (malloc'ed) lists what went.  Needs 'erase'; each
 * erasure audited ("retention-erase"). */
int fort_retention_run(fort_hold_info **out, size_t *n, fort_vault *v, const char *today, int dry_run) FORT_WUR;

/* ------------------------------------------------ retention for everyone */

/* Structured retention (src/rights/retention.c).  A purpose of the map may
 * carry "retention_rule": {"years": Y, "months": M, "days": D, "after":
 * "created" | "updated" | "consent_withdrawn" | "field:NAME", "reason": the
 * legal reason}.  A field stays while one of its purposes still justifies
 * it (a purpose without a rule always does); a field none of whose purposes
 * does any more is removed from the record, and a client none of whose
 * fields is justified any more is crypto-shredded whole (fort_client_erase).
 * A field's "hold" wins over expiry until the hold ends. */

/* Set (DURATION e.g. "2y", "6m", "1y6m", "30d"; AFTER a trigger as above;
 * REASON the law or reason) or, with DURATION NULL, remove the rule of
 * PURPOSE.  Needs 'map'; audited like every map change. */
int fort_retention_rule_set(fort_vault *v, const char *purpose, const char *duration, const char *after,
			    const char *reason) FORT_WUR;
/* The rule of PURPOSE as text ("2 years after the last update"), "" when it
 * has none; FORT_ENOTFOUND for an unknown purpose. */
int fort_retention_rule_text(char *out, size_t cap, fort_vault *v, const char *purpose) FORT_WUR;
/* How long FIELD is kept, as every document states it (the notice, the
 * records, the access letter): derived from its purposes' retention rules
 * and its hold; the map's free text of the field only where no rule or
 * hold says anything.  FORT_ENOTFOUND. */
int fort_field_retention_text(char *out, size_t cap, fort_vault *v, const char *field) FORT_WUR;

typedef enum {
	FORT_RET_ERASE_CLIENT = 1, /* nothing is justified any more: crypto-shredded whole */
	FORT_RET_ERASE_FIELD,      /* removed from the record */
	FORT_RET_KEPT,             /* expired, but a hold keeps it until KEPT_UNTIL ("" while the
				      client's processing is restricted, Art. 18) */
	FORT_RET_HOLD_ENDED        /* a field an erasure request had to keep: its hold ended */
} fort_retention_action;

typedef struct {
	fort_retention_action action;
	char client[FORT_ID_LEN + 1];
	char fields[512];     /* comma-separated field names (never values) */
	char date[11];        /* the day retention ends (ended) */
	char purposes[256];   /* the purposes whose retention ended, comma-separated */
	char reason[256];     /* the rule's (or the hold's) legal reason */
	char kept_until[11];  /* FORT_RET_KEPT: the day the hold ends, "" for a restriction */
	int64_t request;      /* FORT_RET_HOLD_ENDED: the erasure request */
} fort_retention_item;

/* What expires on or before AS_OF (NULL: today) plus WITHIN_DAYS, soonest
 * first: nothing is changed.  Needs 'read'. */
int fort_retention_due_all(fort_retention_item **out, size_t *n, fort_vault *v, const char *as_of, int within_days) FORT_WUR;
/* Erase every field and client whose retention ended before AS_OF (NULL:
 * today), and every field an erasure request kept whose hold ended; with
 * DRY_RUN only list it (the vault file is not touched).  Every erasure is
 * audited ("retention-erase", fields and the reason, never values).  Needs
 * 'erase' and every category key.  *OUT malloc'ed. */
int fort_retention_run_all(fort_retention_item **out, size_t *n, fort_vault *v, const char *as_of, int dry_run) FORT_WUR;

/* A letter (the Markdown subset of Fortress's letters: a refusal, notices)
 * as a PDF in memory: *OUT malloc'ed (free()), *LEN bytes.  TITLE goes in
 * each page's footer. */
int fort_letter_pdf(unsigned char **out, size_t *len, const char *markdown, const char *title) FORT_WUR;

/* Answer rectification request ID once the client's record is corrected
 * (fort_client_edit): like fort_request_update(..., "answer", ...), and the
 * recipients of the corrected fields (their activities' recipients) get a
 * notice each (Art. 19) in NOTICES_PATH (Markdown) and its .pdf.  NOTICES_PATH
 * may be NULL only when no recipient got any of the corrected fields.
 * FORT_EINPUT (not a rectification, closed, nothing corrected since the
 * request was received, notices needed), FORT_EEXISTS (the file exists). */
int fort_request_rectified(size_t *recipients, fort_vault *v, int64_t id, const char *notices_path, const char *date,
			   const char *note) FORT_WUR;
/* Requests (of CLIENT, or all when NULL).  DUE_ORDER: open ones only,
 * overdue first, then by due date.  TODAY (NULL: the real date) decides
 * what is overdue.  *OUT is malloc'ed (free()). */
int fort_request_list(fort_request_info **out, size_t *n, fort_vault *v, const char *client, int due_order,
		      const char *today) FORT_WUR;

/* ------------------------------------------------ the business (controller) */

/* The controller's contact details and location, which every document
 * states (privacy notice Art. 13(1)(a)-(b), records Art. 30(1)(a), access
 * letters, breach letters) and which decide the competent supervisory
 * authority.  Kept in the data map (authenticated with it).
 * In a spec, NULL leaves a member unchanged and "" clears it. */
struct fort_business_spec {
	unsigned version;
	const char *address, *email, *phone;
	const char *dpo;            /* data protection officer: name and contact (Art. 37-39), if one is designated */
	const char *representative; /* EU representative (Art. 27) of a business established outside the EU */
	const char *country;        /* where the business is established: ISO 3166 code or name (default: the vault's) */
	const char *state;          /* its state / Land: ISO 3166-2 code or name; required in Germany (BDSG 40) */
	const char *lead_authority; /* Art. 56: the lead authority's code (e.g. "FR", "DE-BY") when the business has
				     * establishments in several EU countries: that of its main establishment */
	const char *language;       /* version 2: the language of letters to clients whose own is not known
				     * (en de fr es it nl; default English; fort_client_language) */
};
#define FORT_BUSINESS_SPEC_VERSION 2
#define FORT_BUSINESS_SPEC_INIT { FORT_BUSINESS_SPEC_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }

typedef struct {
	char name[128];
	char address[501], email[255], phone[41], dpo[501], representative[501];
	char country[3], state[8], lead_authority[8];
	char language[8];            /* letters to clients whose own is not known: "" (English) or en de fr es it nl */
	char authority_code[8];      /* the competent authority's row in data/supervisory_authorities.csv, "" if none */
	char authority[300];         /* its name */
	char authority_problem[300]; /* why none could be decided, and what to do ("" when one was) */
} fort_business_info;

/* Change the business's details: each value checked (an e-mail address, a
 * phone number, a known country, a state of that country, a known
 * authority); FORT_EINPUT naming the member.  Needs 'map'; audited. */
int fort_business_set(fort_vault *v, const fort_business_spec *spec) FORT_WUR;
/* The business's details and its competent supervisory authority: the
 * lead authority when set (Art. 56), else that of its country, or in
 * Germany of its Land (BDSG 40(1)).  The one place every document asks. */
int fort_business_get(fort_business_info *out, fort_vault *v) FORT_WUR;

/* ------------------------------------------------ transparency documents */

/* The privacy notice generated from the live data map, in plain language
 * (FORMAT "md" (default) or "html").  VERSION_OUT (may be NULL) gets its
 * version: the SHA-256 of the Markdown text.  *OUT is malloc'ed. */
int fort_notice_generate(char **out, char version_out[65], fort_vault *v, const char *format) FORT_WUR;
/* Publish the current notice: its text is kept (consents recorded later
 * without --notice-file point to it) and it becomes what `notice diff`
 * compares with.  Needs 'map'; audited. */
int fort_notice_publish(char version_out[65], fort_vault *v) FORT_WUR;
/* The last published notice: VERSION_OUT its version and *OUT (may be
 * NULL; malloc'ed) its text as FORMAT ("md" or "html", a whole page).
 * Works locked (a public form page shows it).  FORT_ENOTFOUND when none
 * was published ('fortress notice publish'). */
int fort_notice_published(char version_out[65], char **out, fort_vault *v, const char *format) FORT_WUR;
/* Line diff ("- old", "+ new") between the last published notice and the
 * current one; *CHANGED 1 when they differ (or none was published). */
int fort_notice_diff(char **out, int *changed, fort_vault *v) FORT_WUR;
/* The notice in a language (issue 18 item 4): LANGUAGE en de fr es it nl
 * (NULL or "": English, as the functions above).  Its fixed texts are
 * translated (data/i18n "notice.*"); the data map's names and
 * descriptions stay as the business wrote them, and a footnote says so.
 * Each language's notice is published on its own; a consent recorded in
 * a language points to that language's newest notice.  FORT_EINPUT (a
 * language the notice is not written in, named). */
int fort_notice_generate_in(char **out, char version_out[65], fort_vault *v, const char *format,
			    const char *language) FORT_WUR;
int fort_notice_publish_in(char version_out[65], fort_vault *v, const char *language) FORT_WUR;
/* The notice published in LANGUAGE, else the English one (published
 * without a language) preceded by a line, in LANGUAGE, saying it is not
 * available in it.  LANG_OUT (may be NULL) gets the language of the notice
 * given.  Works locked.  FORT_ENOTFOUND when none was published. */
int fort_notice_published_in(char version_out[65], char **out, char lang_out[8], fort_vault *v, const char *format,
			     const char *language) FORT_WUR;
/* The records of processing activities (GDPR Art. 30(1)) from the map:
 * FORMAT "json" (default), "csv" or "html".  *OUT is malloc'ed. */
int fort_records_generate(char **out, fort_vault *v, const char *format) FORT_WUR;

/* -------------------------------------------------------- users and roles */

/* A role names the data categories its users hold the keys of and the
 * actions they may take.  Actions:
 *   read     list clients, get a client (masked), find
 *   reveal   get --reveal (with a purpose the data map allows)
 *   write    add and edit clients
 *   import   import files
 *   export   export files
 *   erase    erase clients (crypto-shredding)
 *   users    manage users and roles; backups, recovery shares, key rotation
 *   map      change the data map
 *   intake   intake forms: create and remove them, review, accept and reject
 *            submissions; its users hold the vault's intake secret key
 * Default roles: owner (every category and action; cannot be narrowed),
 * staff (identity, contact; read, reveal, write), bookkeeper (identity,
 * contact, financial; read, reveal, export).  The categories are enforced
 * by keys: a user's keyring holds only the category keys of their role, so
 * the database file alone gives them nothing more (docs/SECURITY.md). */

/* May the acting user take ACTION ("reveal") on CATEGORY (NULL: any)?  1 or
 * 0 (also 0 when locked or unknown).  For fronts deciding what to offer; the
 * library checks again on every call. */
int fort_vault_can(const fort_vault *v, const char *action, const char *category);

typedef struct {
	char name[64];
	char categories[128];   /* "identity,contact" */
	char actions[128];      /* "read,reveal,write" */
	uint64_t users;         /* active users with this role */
	int builtin;            /* owner, staff, bookkeeper */
} fort_role_info;

/* The roles.  *OUT is malloc'ed (free()). */
int fort_role_list(fort_role_info **out, size_t *n, fort_vault *v) FORT_WUR;
/* A new role with ITEMS: category and action names (may be empty).
 * Needs the 'users' action.  FORT_EEXISTS, FORT_EINPUT (a name that is
 * neither a category nor an action: named). */
int fort_role_add(fort_vault *v, const char *name, const char *const *items, size_t n) FORT_WUR;
/* Remove a role nobody has (FORT_EINPUT otherwise; owner cannot go). */
int fort_role_remove(fort_vault *v, const char *name) FORT_WUR;

/* Progress of long work (key rotation): DONE of TOTAL clients. */
typedef void (*fort_rotate_progress_cb)(void *ctx, uint64_t done, uint64_t total);

typedef struct {
	unsigned version;
	size_t batch;                       /* clients re-encrypted per transaction (0: 2000, growing up to
	                                     * 20,000 while a batch commits within a second) */
	fort_rotate_progress_cb progress;   /* may be NULL */
	void *progress_ctx;
} fort_rotate_opts;
#define FORT_ROTATE_OPTS_VERSION 1
#define FORT_ROTATE_OPTS_INIT { FORT_ROTATE_OPTS_VERSION, 0, NULL, NULL }

typedef struct {
	char keys[64];          /* "vault,financial" */
	uint64_t clients;       /* clients whose records were re-encrypted */
	int resumed;            /* an interrupted rotation was finished first */
} fort_rotate_report;

/* Add ITEMS (categories, actions) to ROLE.  A category is granted to every
 * user of ROLE: its key is sealed to their public keys, so the acting user
 * must hold it.  Needs 'users'.  FORT_ENOTFOUND (role), FORT_EINPUT, FORT_EDENIED. */
int fort_role_grant(fort_vault *v, const char *role, const char *const *items, size_t n) FORT_WUR;
/* Take ITEMS from ROLE.  A category taken away is withdrawn from the role's
 * users and its key is rotated (every field of the category re-encrypted
 * under a new key version, fort_keys_rotate), so keys they kept decrypt
 * nothing in the vault afterwards.  The owner role cannot be narrowed.
 * OUT (may be NULL) describes the rotation, O may be NULL. */
int fort_role_revoke(fort_rotate_report *out, fort_vault *v, const char *role, const char *const *items, size_t n,
		     const fort_rotate_opts *o) FORT_WUR;

typedef struct {
	int64_t id;
	char name[128];
	char role[64];          /* "" while pending */
	char status[16];        /* active | pending | removed */
	int64_t created;        /* unix time */
	int64_t removed;        /* unix time, 0 if not removed */
	char fingerprint[20];   /* of the user's public keys: "ab12 cd34 ef56 7890" */
} fort_user_info;

/* Every user, in order of joining.  *OUT is malloc'ed (free()).  Works on an
 * unlocked vault (any role). */
int fort_user_list(fort_user_info **out, size_t *n, fort_vault *v) FORT_WUR;

/* Step 1 of adding a user, run by the new user: their key pairs are made
 * and sealed under PASS (which must pass fort_passphrase_check()), and a
 * pending user NAME is stored in the vault at PATH, holding no keys yet.
 * FINGERPRINT_OUT (may be NULL) gets their fingerprint, to read to the
 * person who adds them.  Audited (unsigned "user-request": no one has
 * vouched for the key yet).  FORT_EEXISTS (the name is taken), FORT_EWEAK,
 * FORT_EINPUT (a bad name). */
int fort_user_request(char fingerprint_out[20], const char *path, const char *name, const fort_secret *pass,
		      fort_kdf kdf) FORT_WUR;
/* Step 2, run by a user with the 'users' action who holds every key ROLE
 * needs: seals the vault key and ROLE's category keys to pending user NAME's
 * public key (the granter never learns their passphrase) and makes them
 * active.  FINGERPRINT (may be NULL) must match the pending user's, when
 * given.  Audited ("user-add").  FORT_ENOTFOUND (user, role), FORT_EINPUT
 * (not pending), FORT_EDENIED (action, or a key the acting user lacks),
 * FORT_ETAMPER (fingerprint mismatch). */
int fort_user_add(fort_vault *v, const char *name, const char *role, const char *fingerprint) FORT_WUR;
/* Remove user NAME: their keys are withdrawn, every key they held is
 * rotated (fort_keys_rotate), and they can no longer unlock.  Their entry
 * stays (status removed) because the audit log names them.  A pending user
 * is simply dropped.  Refused for the last owner (FORT_EINPUT).  Needs
 * 'users'.  OUT and O may be NULL. */
int fort_user_remove(fort_rotate_report *out, fort_vault *v, const char *name, const fort_rotate_opts *o) FORT_WUR;
/* Give user NAME role ROLE: keys the new role adds are granted, keys it
 * drops are withdrawn and rotated.  The last owner cannot be demoted. */
int fort_user_set_role(fort_rotate_report *out, fort_vault *v, const char *name, const char *role,
		       const fort_rotate_opts *o) FORT_WUR;

/* ----------------------------------------------------------- key rotation */

/* Rotate KEYS (category names, "vault", or "all"): a new version of each
 * key is made and granted to every user who held it, every client record is
 * re-encrypted under it in batches (one transaction each, so the vault stays
 * usable and a crash or kill loses at most one batch), then the old versions
 * are destroyed.  N == 0 finishes an interrupted rotation (FORT_ENOTFOUND if
 * there is none).  An interrupted rotation is always finished before a new
 * one starts (out->resumed).  Needs 'users' and every key rotated.  Audited
 * ("rotate-start", "rotate-finish"). */
int fort_keys_rotate(fort_rotate_report *out, fort_vault *v, const char *const *keys, size_t n,
		     const fort_rotate_opts *o) FORT_WUR;

/* ------------------------------------------------------ tokens for programs */

/* A token lets a program (a script, a service) use the vault without a
 * person's passphrase.  It is a keyholder in its own right: its own key
 * pairs, granted the vault key and its role's category keys like a user,
 * sealed under a 32-byte random secret (docs/SECURITY.md, "Tokens").  The
 * secret is shown once, as FORT_TOKEN_PREFIX, the token's id, '_' and 43
 * characters of base64url ("fortress_tok_7_3q2-..."); the vault keeps a
 * verifier of it, never the secret.  Every use is audited with the actor
 * "token:NAME".  A token may name only its purposes in a reveal or export
 * (none: it may not reveal or export at all). */
#define FORT_TOKEN_PREFIX "fortress_tok_"
#define FORT_TOKEN_DEFAULT_DAYS 90
#define FORT_TOKEN_MAX_DAYS 366   /* a longer life is refused; "never" must be asked for */

typedef struct {
	char name[48];
	char role[48];
	char purposes[512];     /* comma-separated, "" none */
	char creator[128];
	int64_t created;        /* unix time */
	int64_t expires;        /* unix time, 0: never */
	int64_t revoked;        /* unix time, 0: not revoked */
	char state[16];         /* active | expired | revoked */
} fort_token_info;

/* The expiry of TEXT from NOW: "90d" (1 to FORT_TOKEN_MAX_DAYS days), "never"
 * (*EXPIRES 0), NULL or "": FORT_TOKEN_DEFAULT_DAYS.  FORT_EINPUT naming
 * the limit. */
int fort_token_expiry(int64_t *expires, const char *text, int64_t now) FORT_WUR;
/* Make token NAME (1 to 47 characters: a-z, 0-9, '-', '_') with ROLE (not
 * owner), allowed PURPOSES (N of the data map's; may be 0) until EXPIRES
 * (unix time; 0: never).  Never more than the acting user holds: a role
 * allowing an action, or needing a category key, the acting user lacks is
 * FORT_EDENIED naming it.  *SECRET_OUT gets the token string (NUL-terminated,
 * locked memory; fort_secret_free wipes it): shown once, it cannot be
 * recovered.  Needs 'users'; audited ("token-create").  FORT_EINPUT,
 * FORT_EEXISTS, FORT_ENOTFOUND (role, purpose), FORT_EDENIED. */
int fort_token_create(fort_secret **secret_out, fort_vault *v, const char *name, const char *role, const char *const *purposes,
		      size_t n, int64_t expires) FORT_WUR;
/* Every token, by name (revoked ones too).  *OUT is malloc'ed (free()). */
int fort_token_list(fort_token_info **out, size_t *n, fort_vault *v) FORT_WUR;
/* Revoke token NAME: it opens nothing any more, its grants are withdrawn
 * and every key it held is rotated (as fort_user_remove).  Needs 'users'
 * and every key the token held; audited ("token-revoke").  FORT_ENOTFOUND,
 * FORT_EINPUT (already revoked).  OUT and O may be NULL. */
int fort_token_revoke(fort_rotate_report *out, fort_vault *v, const char *name, const fort_rotate_opts *o) FORT_WUR;
/* The keys of TOKEN for the vault at PATH (as fort_vault_user_key; open
 * with fort_vault_open_key and USER_OUT, "token:NAME") and its expiry
 * (EXPIRES may be NULL).  An unknown, revoked or expired token or a wrong
 * secret is FORT_EAUTH with one message for all (audited "unlock-failed"
 * with the token's name when the id is known); FORT_ETAMPER if the token's
 * row was changed outside Fortress. */
int fort_token_key(fort_secret **key_out, char user_out[128], int64_t *expires, const char *path, const char *token) FORT_WUR;
/* Open the vault at PATH as TOKEN (fort_token_key, then fort_vault_open_key):
 * the handle acts as "token:NAME" with the token's role and purposes;
 * fort_vault_refresh refuses it (FORT_EDENIED) once the token expired or
 * was revoked. */
int fort_token_open(fort_vault **out, const char *path, const char *token) FORT_WUR;

/* ------------------------------------------------------------------- scan */

/* Finding client data and secrets lying around in files.  No vault needed.
 * The engine streams every file in blocks (memory does not grow with file
 * size), scans files in parallel and reports findings in a deterministic
 * order: the files in walk order (directory entries sorted by name), the
 * findings of a file by offset.  Reports carry masked excerpts only; the
 * full value is passed only when FORT_SCAN_OPTS.show_values is set. */

typedef enum {
	FORT_SCAN_CARD = 0,   /* payment card: Luhn + brand prefix and length */
	FORT_SCAN_IBAN,       /* country length + mod-97 */
	FORT_SCAN_EMAIL,
	FORT_SCAN_PHONE,      /* international (+CC...) and common national formats */
	FORT_SCAN_SSN,        /* US social security number (area/group/serial rules) */
	FORT_SCAN_NINO,       /* UK National Insurance number */
	FORT_SCAN_DOB,        /* a date with birth context ("born", "DOB", a date_of_birth column) */
	FORT_SCAN_IP,         /* IPv4 / IPv6 */
	FORT_SCAN_SECRET,     /* a labelled password, a well-known API key format, a private key */
	FORT_SCAN_NAME,       /* a known client's name (only with a vault: matched against its name index) */
	FORT_SCAN_NTYPES
} fort_scan_type;

typedef enum {
	FORT_SCAN_LOW = 1,    /* the format only */
	FORT_SCAN_MEDIUM = 2, /* a validator passed, or a strong format */
	FORT_SCAN_HIGH = 3,   /* a validator passed and context words near, or an unmistakable format */
} fort_scan_confidence;

/* "card", "iban", "email", "phone", "ssn", "uk_nino", "dob", "ip", "secret", "name". */
const char *fort_scan_type_name(fort_scan_type t);
/* "low", "medium", "high". */
const char *fort_scan_confidence_name(fort_scan_confidence c);

/* One finding.  Everything points into memory owned by the scan and is
 * valid during the callback only. */
typedef struct {
	fort_scan_type type;
	fort_scan_confidence confidence;
	const char *rule;          /* what matched: "card.visa", "secret.aws-access-key", "phone.e164"... */
	const char *path;          /* the file, as walked ("dir/a.csv") */
	const char *logical;       /* "" for the file itself, else where inside it ("#3/a.docx!word/document.xml") */
	uint64_t line;             /* 1-based */
	uint64_t column;           /* 1-based, in code points of UTF-8 text (bytes 0x80-0xBF of other
				    * encodings are not counted) */
	uint64_t offset;           /* byte offset in the file (in the decoded document for LOGICAL) */
	uint32_t length;           /* bytes */
	const char *masked;        /* "****-****-****-4242", "j***@example.com"; when not empty,
				    * 16 bytes past its NUL may be read (vector loads) */
	const char *value;         /* the full value with show_values, else NULL */
	const char *fingerprint;   /* keyed hash of type + normalised value + path (hex), "" without a baseline */
	int known_client;          /* the e-mail, phone number or name is a client's in opts.vault (confidence high) */
	/* Where the finding is in the file itself: its 1-based line and byte
	 * offset.  The same as LINE and OFFSET for the file's own text; for a
	 * decoded part whose text is the file's bytes unchanged (a mail part
	 * not encoded, read without conversion) the raw position; 0 when no
	 * raw position exists (encoded, converted or compressed text). */
	uint64_t file_line;
	uint64_t file_offset;
} fort_scan_finding;

typedef enum {
	FORT_SCAN_FILE_SCANNED = 0,
	FORT_SCAN_FILE_SKIPPED,    /* binary, special file, the vault, symlink out of the tree, ignored... REASON says */
	FORT_SCAN_FILE_ERROR,      /* could not be read: REASON names the file and the cause */
} fort_scan_file_status;

/* Per file, after its findings. */
typedef struct {
	const char *path;
	fort_scan_file_status status;
	const char *reason;        /* NULL when scanned cleanly */
	uint64_t bytes;            /* bytes read (decoded bytes for containers) */
	uint64_t findings;         /* reported (after inline ignores and the baseline) */
	uint64_t suppressed;       /* dropped by fortress:ignore or the baseline */
	uint64_t by_type[FORT_SCAN_NTYPES];
	unsigned risk;             /* 0..100: weighted by type and confidence, log-scaled */
	uint64_t parts_skipped;    /* parts of a container not read (a suspected zip bomb, encrypted, damaged, too deep) */
	const char *skipped_reason; /* the first of them: "LOGICAL PART: why", NULL if none */
} fort_scan_file;

typedef struct {
	uint64_t files_total, files_done;
	uint64_t bytes_total, bytes_done;
	uint64_t findings;
} fort_scan_progress;

/* Accepted findings: fingerprints under a random key kept in the same file,
 * so the file never holds a value.  WARNING: whoever has the file can still
 * test guesses of a low-entropy value (an SSN) offline; keep it as private
 * as the scanned files. */
typedef struct fort_scan_baseline fort_scan_baseline;

/* A new, empty baseline with a fresh random key. */
int fort_scan_baseline_new(fort_scan_baseline **out);
/* Load a baseline written by fort_scan_baseline_save.  FORT_ENOTFOUND,
 * FORT_EINPUT (not a baseline, naming the file), FORT_EIO. */
int fort_scan_baseline_load(fort_scan_baseline **out, const char *path);
/* Add a finding's fingerprint (hex, as in fort_scan_finding). */
int fort_scan_baseline_add(fort_scan_baseline *b, const char *fingerprint);
/* Is FINGERPRINT in B?  1 yes, 0 no. */
int fort_scan_baseline_has(const fort_scan_baseline *b, const char *fingerprint);
size_t fort_scan_baseline_count(const fort_scan_baseline *b);
/* Write B to PATH atomically (temporary file, fsync, rename; mode 0600). */
int fort_scan_baseline_save(const fort_scan_baseline *b, const char *path);
void fort_scan_baseline_free(fort_scan_baseline *b);
/* The fingerprint scheme of B: 2 for new baselines (SipHash-2-4-128), 1 for
 * those written before it (BLAKE2b-128), whose fingerprints stay as they
 * were.  0 for NULL. */
int fort_scan_baseline_version(const fort_scan_baseline *b);

typedef struct {
	unsigned version;
	unsigned jobs;                 /* worker threads; 0 = one per core */
	int max_depth;                 /* directory levels below each path; -1 = no limit */
	int follow_symlinks;           /* 0: only symlinks that stay inside the scanned tree */
	int use_ignore_files;          /* 1: honour .fortressignore files (and skip .git, .hg, .svn) */
	int inline_ignore;             /* 1: a line containing "fortress:ignore" reports nothing */
	int show_values;               /* pass full values in fort_scan_finding.value */
	fort_scan_confidence min_confidence;
	const fort_scan_baseline *baseline; /* fingerprints are computed with its key; NULL: none */
	int baseline_filter;           /* with BASELINE: drop findings it holds */
	const char *const *exclude;    /* files never opened (the vault and its -wal/-shm); compared by inode */
	size_t nexclude;
	/* Called in order, on one thread at a time.  A non-zero return stops the scan
	 * and is returned by fort_scan_run. */
	int (*on_finding)(void *ctx, const fort_scan_finding *f);
	int (*on_file)(void *ctx, const fort_scan_file *f);
	/* Called now and then from the scanning threads (one at a time). */
	void (*on_progress)(void *ctx, const fort_scan_progress *p);
	void *ctx;
	int containers;                /* 1: decode mail, archives, documents (offsets into the decoded text);
					* 0: scan their bytes as text (offsets = file offsets) */
	/* An unlocked vault: e-mail and phone findings are looked up in its blind
	 * index (fort_client_find: nothing is decrypted; audited as searches) and
	 * a match is a known client, confidence high; runs of 2-3 capitalised
	 * words are looked up in the name index (FORT_SCAN_NAME, rule
	 * "name.known-client").  NULL: no lookups. */
	fort_vault *vault;
	/* 1: fort_scan_finding.masked is "" (a caller that prints no excerpt,
	 * such as offsets only, saves the masking of every finding) */
	int no_masked;
	/* 1: fort_scan_finding.column is 0 (a caller that prints no column, such
	 * as offsets only, saves counting the characters before every finding) */
	int no_column;
	/* 1 with no_column: fort_scan_finding.line and file_line are 0 (a caller
	 * that prints offsets only saves counting the lines before every finding;
	 * inline ignores still hold) */
	int no_line;
} fort_scan_opts;
#define FORT_SCAN_OPTS_VERSION 1
#define FORT_SCAN_OPTS_INIT { FORT_SCAN_OPTS_VERSION, 0, -1, 0, 1, 1, 0, FORT_SCAN_LOW, NULL, 0, NULL, 0, \
			      NULL, NULL, NULL, NULL, 1, NULL, 0 }

typedef struct {
	uint64_t files_scanned, files_skipped, files_failed;
	uint64_t bytes;
	uint64_t findings, suppressed;
	uint64_t by_type[FORT_SCAN_NTYPES];
	uint64_t parts_skipped;    /* container parts not read, over all files */
} fort_scan_stats;

/* Scan PATHS (files or directories, walked recursively).  Files that cannot
 * be read are reported through on_file (FORT_SCAN_FILE_ERROR) and counted;
 * the scan goes on.  Returns 0 (STATS filled, may be NULL), a callback's
 * non-zero return, FORT_ENOTFOUND (a PATH does not exist), FORT_ENOMEM. */
int fort_scan_run(fort_scan_stats *stats, const char *const *paths, size_t npaths, const fort_scan_opts *opts);

/* Scan LEN bytes of text in memory as the file NAME (for tests and
 * callers that hold the text already). */
int fort_scan_buffer(fort_scan_stats *stats, const char *name, const void *data, size_t len,
		     const fort_scan_opts *opts);

/* ------------------------------------------------------------ attachments */

/* Files kept encrypted in the vault (docs/SECURITY.md, "Attachments"): a
 * random file key per attachment, wrapped under a key derived from the keys
 * of every category it is gated by, so only a user holding all of them can
 * read it; linked to zero or more clients.  The original path and the
 * SHA-256 are encrypted too; size, time, actor, categories and client ids
 * are not. */
typedef struct {
	int64_t id;
	int64_t created;
	char actor[64];
	uint64_t size;
	char categories[96];       /* "contact,financial" */
	int readable;              /* the acting user holds every key gating it */
	char path[1024];           /* the original path; "" when not readable */
	char sha256[65];           /* of the content; "" when not readable */
	size_t nclients;
	char (*clients)[FORT_ID_LEN + 1];
} fort_attachment_info;

typedef struct {
	unsigned version;
	const char *const *clients;     /* client ids to link */
	size_t nclients;
	const char *const *categories;  /* gating categories; none: "notes" */
	size_t ncategories;
	const char *action;             /* the audit action: NULL "attachment-add" */
} fort_attachment_opts;
#define FORT_ATTACHMENT_OPTS_VERSION 1
#define FORT_ATTACHMENT_OPTS_INIT { FORT_ATTACHMENT_OPTS_VERSION, NULL, 0, NULL, 0, NULL }

/* Store the regular file PATH as a new attachment (streaming: memory does
 * not grow with the file), committed with its audit entries.  Needs the
 * write action and every gating category's key (FORT_EDENIED). */
int fort_attachment_add(int64_t *id_out, fort_vault *v, const char *path, const fort_attachment_opts *o) FORT_WUR;
/* Attachments (CLIENT NULL: all, else those linked to it), by id; *out is
 * freed with fort_attachment_list_free.  Audited as one "attachment-list". */
int fort_attachment_list(fort_attachment_info **out, size_t *n, fort_vault *v, const char *client) FORT_WUR;
void fort_attachment_list_free(fort_attachment_info *a, size_t n);
/* Decrypt attachment ID into OUT_PATH (created 0600; an existing file is
 * FORT_EEXISTS).  The content is authenticated chunk by chunk and its
 * SHA-256 checked; on any failure OUT_PATH is removed.  Needs the reveal
 * action and the gating keys (FORT_EDENIED); audited first. */
int fort_attachment_get(fort_vault *v, int64_t id, const char *out_path) FORT_WUR;
/* fort_attachment_get into memory, for a download (the web app): *OUT
 * (*LEN bytes, malloc'ed: wipe and free() it), NAME_OUT the last part of
 * the original path.  Checked and audited as fort_attachment_get; an
 * attachment larger than MAX bytes is FORT_EINPUT (nothing read). */
int fort_attachment_read(unsigned char **out, size_t *len, char name_out[256], fort_vault *v, int64_t id,
			 size_t max) FORT_WUR;
/* Crypto-shred attachment ID: the wrapped key, the ciphertext and the links
 * are deleted (secure_delete) and the WAL checkpointed.  Needs erase. */
int fort_attachment_remove(fort_vault *v, int64_t id) FORT_WUR;

/* ------------------------------------------------------------ remediation */

typedef struct {
	int64_t attachment;          /* the new attachment's id */
	uint64_t findings;           /* in the file when it was scanned */
	size_t nclients;             /* clients it was linked to */
	char clients[16][FORT_ID_LEN + 1]; /* the first 16 of them */
	char categories[96];
	int removed;                 /* the original was overwritten and unlinked */
} fort_quarantine_report;

/* Move the regular file PATH into the vault: scan it with V (known
 * clients linked), store it as an attachment gated by the categories of
 * what was found, commit, then overwrite the original (zeros, fsync) and
 * unlink it.  Refuses the vault's own files, directories, symlinks, special
 * files and files with other hard links (FORT_EINPUT).  On any failure
 * before the commit the original stays and the vault is unchanged; a
 * failure after it (the file changed meanwhile, cannot be removed) keeps
 * both and says so.  Audited as "quarantine". */
int fort_quarantine(fort_quarantine_report *out, fort_vault *v, const char *path) FORT_WUR;

typedef struct {
	int redacted;                /* 1 written, 0 skipped (REASON says why) */
	char reason[160];
	uint64_t masked;             /* finding spans replaced */
	uint64_t remaining;          /* findings a re-scan of OUT_PATH still reports */
} fort_redact_report;

/* Write a masked copy of the text file PATH to OUT_PATH (created 0600, never
 * overwritten: FORT_EEXISTS): every finding's bytes that are letters, digits
 * or non-ASCII become '*', separators stay, so the copy has the same length
 * and layout.  Office documents, PDFs, archives, mail, UTF-16 and binary
 * files are not redacted (REDACTED 0, REASON).  O may be NULL (defaults;
 * its vault, if any, adds known-client names).  Then OUT_PATH is scanned
 * again and REMAINING set. */
int fort_scan_redact(fort_redact_report *out, const char *path, const char *out_path, const fort_scan_opts *o) FORT_WUR;

typedef struct {
	int64_t ts;
	const char *const *paths;
	size_t npaths;
	uint64_t files, files_with_findings, findings, known_client_findings;
} fort_scan_summary;

/* Store S as the vault's last scan ("scan.last" in the metadata, JSON
 * {"ts", "paths", "files", "files_with_findings", "findings",
 * "known_client_findings"}: counts, never values); audited as "scan". */
int fort_scan_record(fort_vault *v, const fort_scan_summary *s) FORT_WUR;
/* ------------------------------------------- incident plan and drills */

/*
 * The incident-response plan (GDPR Art. 33/34 readiness): who does what
 * (roles lead, communications, technical, legal, with named people and
 * their contacts), the insurer and the lawyer, the supervisory authority of
 * the plan's country (from data/supervisory_authorities.csv) and a playbook
 * per incident type (data/incident_types.csv, data/playbook_steps.csv: a
 * checklist, each step owned by a role).  The plan is one JSON document
 * sealed under the vault's box key (never in clear in the file):
 *   {"version":1, "country":"DE", "updated":UNIX,
 *    "contacts": {"lead":{"name","email","phone","note"}, "communications":{..},
 *                 "technical":{..}, "legal":{..}, "insurer":{.., "policy"}, "lawyer":{..}},
 *    "playbooks": [{"type","title","scenario","steps":[{"owner","text"}]}]}
 */

/* Create the plan with the default playbooks and empty contacts.  COUNTRY
 * (ISO alpha-2, NULL: the vault's) must have a supervisory authority in the
 * table.  Needs 'users'; audited ("plan-init").  FORT_EEXISTS (a plan
 * exists and FORCE is 0), FORT_EINPUT (country, named). */
int fort_plan_init(fort_vault *v, const char *country, int force) FORT_WUR;
/* The plan as JSON (malloc'ed; free() after use, it holds contacts).
 * Needs 'read'.  FORT_ENOTFOUND (no plan: 'fortress plan init'). */
int fort_plan_get(char **json_out, fort_vault *v) FORT_WUR;
/* Replace the whole plan with JSON, validated whole: the first bad value is
 * FORT_EINPUT naming its field ("contacts.lead.email", "playbooks[2].steps[0].owner").
 * Needs 'users'; audited ("plan-edit"). */
int fort_plan_set(fort_vault *v, const char *json, size_t len) FORT_WUR;

/* One contact of the plan.  ROLE: lead | communications | technical | legal
 * | insurer | lawyer.  NULL members are unchanged, "" clears. */
typedef struct {
	unsigned version;
	const char *role, *name, *email, *phone, *note;
	const char *policy;     /* insurer: the policy number */
} fort_plan_contact;
#define FORT_PLAN_CONTACT_VERSION 1
#define FORT_PLAN_CONTACT_INIT { FORT_PLAN_CONTACT_VERSION, NULL, NULL, NULL, NULL, NULL, NULL }
/* Change one contact and/or the country (NULL: unchanged); validated as
 * fort_plan_set.  Needs 'users'; audited ("plan-edit", field names only). */
int fort_plan_edit(fort_vault *v, const fort_plan_contact *c, const char *country) FORT_WUR;
/* The printable plan: FORMAT "md", "html" or "pdf" (render_pdf).  Every
 * role, contact, the authority's details and every playbook step.  *OUT is
 * malloc'ed, *LEN bytes (NUL-terminated for md/html).  Needs 'read';
 * audited ("plan-export": a copy in clear leaves the vault). */
int fort_plan_export(unsigned char **out, size_t *len, fort_vault *v, const char *format) FORT_WUR;

/* A drill (tabletop exercise) of the playbook TYPE, as run by the front:
 * one entry per playbook step, in order. */
typedef struct {
	int done;               /* 1 done, 0 skipped */
	int64_t seconds;        /* time the step took */
	const char *note;       /* may be NULL */
} fort_drill_step;

typedef struct {
	unsigned version;
	const char *type;                /* a playbook type of the plan */
	int64_t started;                 /* unix time; 0: now minus the steps' time */
	const fort_drill_step *steps;
	size_t nsteps;                   /* must be the playbook's step count */
	const char *outcome;             /* what the drill showed (required) */
	const char *const *lessons;      /* lessons learned, may be empty */
	size_t nlessons;
} fort_drill_record;
#define FORT_DRILL_RECORD_VERSION 1
#define FORT_DRILL_RECORD_INIT { FORT_DRILL_RECORD_VERSION, NULL, 0, NULL, 0, NULL, NULL, 0 }

/* Record a drill (notes, outcome and lessons sealed; type, times and counts
 * in clear so a locked vault can tell when the plan was last drilled).
 * Needs 'read'; audited ("plan-drill").  FORT_EINPUT (type, step count,
 * no outcome), FORT_ENOTFOUND (no plan). */
int fort_plan_drill_record(int64_t *id_out, fort_vault *v, const fort_drill_record *d) FORT_WUR;
/* Every drill, oldest first, as a JSON array of {"id","type","started",
 * "finished","seconds","steps","done","skipped","outcome","lessons",
 * "step_log":[{"step","owner","text","done","seconds","note"}]} (malloc'ed).
 * Needs 'read'. */
int fort_plan_drills(char **json_out, fort_vault *v) FORT_WUR;
/* When the plan was last drilled (unix time, 0: never) and which type
 * (TYPE may be NULL).  Works on a locked vault. */
int fort_plan_last_drill(int64_t *when, char type[48], fort_vault *v);
/* Does the vault have a plan?  1, 0 or <0.  Works on a locked vault. */
int fort_plan_exists(fort_vault *v);

/* ------------------------------------------------------------------ mail */

/* SMTP settings, kept in the vault (the password sealed under the box key).
 * Keys: smtp.host, smtp.port (1-65535), smtp.security (starttls | tls |
 * none), smtp.user, smtp.from (the sender address), smtp.from_name.  VALUE
 * "" clears.  Needs 'users'; audited ("mail-settings", the key only).
 * FORT_EINPUT naming the key. */
int fort_mail_set(fort_vault *v, const char *key, const char *value) FORT_WUR;
/* Set (PASSWORD non-NULL) or clear the SMTP password. */
int fort_mail_set_password(fort_vault *v, const fort_secret *password) FORT_WUR;

typedef struct {
	char host[256];
	int port;               /* 0: the default for the security (587, 465, 25) */
	char security[16];      /* starttls (default) | tls | none */
	char user[256];
	char from[256];
	char from_name[128];
	int has_password;
} fort_mail_settings;
int fort_mail_settings_get(fort_mail_settings *out, fort_vault *v) FORT_WUR;

/* Several settings at once, as a settings form sends them: each field
 * NULL leaves it as it is ("" clears, as fort_mail_set), PASSWORD non-NULL
 * sets it, CLEAR_PASSWORD removes it.  Checked as fort_mail_set (FORT_EINPUT
 * naming the first bad key; nothing changes), then stored in one
 * transaction with one audit entry ("mail-settings", the keys changed
 * only).  Needs 'users'. */
typedef struct {
	unsigned version;
	const char *host, *port, *security, *user, *from, *from_name;
	const fort_secret *password;
	int clear_password;
} fort_mail_config;
#define FORT_MAIL_CONFIG_VERSION 1
#define FORT_MAIL_CONFIG_INIT { FORT_MAIL_CONFIG_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 }
int fort_mail_configure(fort_vault *v, const fort_mail_config *c) FORT_WUR;

/* A message to queue.  TEXT is required, HTML optional (sent as
 * multipart/alternative).  REF ties it to what it is about
 * ("incident:3:client:17"), PURPOSE says why ("breach-notice"). */
typedef struct {
	unsigned version;
	const char *const *to;  /* one or more addresses */
	size_t nto;
	const char *subject, *text, *html;
	const char *ref, *purpose;
} fort_mail_msg;
#define FORT_MAIL_MSG_VERSION 1
#define FORT_MAIL_MSG_INIT { FORT_MAIL_MSG_VERSION, NULL, 0, NULL, NULL, NULL, NULL, NULL }

/* Put a message in the outbox (sealed: it may hold client data).  *ID_OUT
 * (may be NULL) gets its number.  Needs 'write'; audited ("mail-queue",
 * id, ref and purpose; never addresses or contents).  FORT_EINPUT naming
 * the field (a bad address, an empty subject or text, a header injection). */
int fort_mail_queue(int64_t *id_out, fort_vault *v, const fort_mail_msg *m) FORT_WUR;

typedef struct {
	int64_t id;
	char ref[128], purpose[64];
	char status[16];        /* queued | sending (claimed by a sender) | sent */
	int64_t created, last_attempt, sent;
	int attempts;
	char error[512];        /* of the last failed attempt */
	char message_id[160];
	char to[512];           /* the recipients, comma-separated */
	char subject[256];
} fort_mail_info;
/* The outbox (REF_PREFIX may be NULL), oldest first.  *OUT malloc'ed
 * (free()).  Needs 'read'. */
int fort_mail_list(fort_mail_info **out, size_t *n, fort_vault *v, const char *ref_prefix) FORT_WUR;

typedef struct {
	unsigned version;
	int dry_run;            /* build every message and report it; connect to nothing, change nothing */
	const char *ref_prefix; /* only messages whose ref starts so (NULL: all) */
	size_t max;             /* at most this many (0: no limit) */
	int64_t only_id;        /* only this message (0: any) */
	long timeout_seconds;   /* per message (0: 30) */
} fort_mail_send_opts;
#define FORT_MAIL_SEND_OPTS_VERSION 1
#define FORT_MAIL_SEND_OPTS_INIT { FORT_MAIL_SEND_OPTS_VERSION, 0, NULL, 0, 0, 0 }

/* Per message: RESULT 0 sent (or, dry run, would be), else the FORT_E*
 * code with ERROR saying why (the server's answer, never the password). */
typedef void (*fort_mail_result_cb)(void *ctx, const fort_mail_info *m, int result, const char *error);

typedef struct {
	size_t tried, sent, failed;
} fort_mail_send_report;

/* Send the queued messages (those that failed before are retried) through
 * the vault's SMTP settings with libcurl: a MIME message with a text and an
 * HTML part, RFC 5322 headers (Date, Message-ID, encoded UTF-8 subject).
 * A message is marked sent only when the server accepted it; otherwise it
 * stays queued with the error.  Before it goes out a message is claimed
 * (status "sending", audited "mail-claim") in a transaction that reads it
 * again, so two senders on one vault (two servers, a server and the CLI)
 * never both send it; a claim older than 10 minutes (its sender died) is
 * sent again.  Every attempt is recorded with its time and
 * result and audited ("mail-send").  Returns 0 when the run happened (OUT
 * says what failed), FORT_EINPUT (no host or sender set). */
int fort_mail_send(fort_mail_send_report *out, fort_vault *v, const fort_mail_send_opts *o, fort_mail_result_cb cb,
		   void *ctx) FORT_WUR;
/* Send a test message to address TO now, through the vault's settings:
 * queued (audited as any message) and sent alone, reported as
 * fort_mail_send does (CB may be NULL).  FORT_EINPUT (a bad address, no
 * host or sender set). */
int fort_mail_test(fort_mail_send_report *out, fort_vault *v, const char *to, fort_mail_result_cb cb, void *ctx) FORT_WUR;
/* The attempts of message ID as JSON [{"ts","result","error"}] (malloc'ed). */
int fort_mail_attempts(char **json_out, fort_vault *v, int64_t id) FORT_WUR;

/* --------------------------------------------------------------- doctor */

/* The security check-up: a table of checks (src/doctor/doctor.c), each
 * pass, warn or fail with a concrete next step, and a score 0-100 (the
 * weighted share of checks passed, a warning counting half).  Each run is
 * kept as history. */
typedef enum { FORT_CHECK_PASS = 0, FORT_CHECK_WARN = 1, FORT_CHECK_FAIL = 2, FORT_CHECK_SKIP = 3 } fort_check_status;

typedef struct {
	char name[32];          /* "backup", "plan-drill"... */
	char title[96];
	fort_check_status status;
	int weight;
	char detail[300];       /* what was found */
	char next_step[300];    /* what to do, "" when it passed */
} fort_doctor_check;

#define FORT_DOCTOR_MAX_CHECKS 24
typedef struct {
	int64_t ts;
	int score;
	size_t passed, warned, failed, skipped;
	size_t n;
	fort_doctor_check checks[FORT_DOCTOR_MAX_CHECKS];
} fort_doctor_report;

typedef struct {
	unsigned version;
	int64_t now;            /* unix time to judge ages by (0: now; tests) */
	int record;             /* keep the run in the history (default 1) */
} fort_doctor_opts;
#define FORT_DOCTOR_OPTS_VERSION 1
#define FORT_DOCTOR_OPTS_INIT { FORT_DOCTOR_OPTS_VERSION, 0, 1 }

/* Run every check.  Needs 'read'; audited ("doctor", the score).  Checks
 * the acting user's role does not allow are skipped and say so. */
int fort_doctor_run(fort_doctor_report *out, fort_vault *v, const fort_doctor_opts *o) FORT_WUR;

typedef struct {
	int64_t id, ts;
	int score;
	size_t passed, warned, failed;
} fort_doctor_run_info;
/* The history, oldest first.  *OUT malloc'ed (free()).  Needs 'read'. */
int fort_doctor_history(fort_doctor_run_info **out, size_t *n, fort_vault *v) FORT_WUR;
/* ------------------------------------------------------------- incidents */

/*
 * The breach register (GDPR Art. 33(5)): every incident is recorded,
 * notified or not, with when it happened and when the business became
 * aware, a timeline, facts, effects, remedial actions, the risk assessment,
 * and the decision to notify with its reasons and who decided.  Free text
 * is stored encrypted under a vault-level key (docs/SECURITY.md).  Times
 * are UTC instants "YYYY-MM-DDTHH:MM:SSZ" (an offset or a bare date is
 * accepted on input).  Recording needs 'write'; every step is audited.
 */
typedef struct {
	int64_t id;
	char title[160], kind[32];
	char state[16];              /* open | closed */
	char occurred[21], aware[21];
	int likelihood, severity;    /* 1..5, 0: not assessed */
	int risk;                    /* likelihood x severity (1..25), 0: not assessed */
	int encrypted;               /* the affected data was encrypted: 1, 0, -1 unknown */
	int key_compromised;         /* its key was compromised too: 1, 0, -1 unknown */
	int hipaa;                   /* protected health information (US HIPAA applies) */
	char contact[256];           /* the DPO or contact point (letters) */
	char decision[16];           /* "" | notify | no-notify */
	char decided_by[128], decided_at[21];
	char closed[21];             /* "" while open */
	char opened_by[128];
	size_t timeline, facts, effects, remedies; /* notes of each kind */
} fort_incident_info;

/* Open an incident.  OCCURRED may be NULL (not known yet: taken as AWARE);
 * AWARE NULL is now.  Awareness before the occurrence, or in the future, is
 * FORT_EINPUT (nothing recorded).  KIND: lost-device, stolen-credentials,
 * misdirected-email, ransomware, processor, staff-access, other (NULL). */
int fort_incident_open(int64_t *id_out, fort_vault *v, const char *title, const char *kind, const char *occurred,
		       const char *aware) FORT_WUR;
/* Add a note of KIND: timeline (what happened when: AT), fact, effect,
 * remedy (a remedial action taken), consequence.  Stored encrypted. */
int fort_incident_log(fort_vault *v, int64_t id, const char *kind, const char *text, const char *at) FORT_WUR;

typedef struct {
	unsigned version;
	int likelihood, severity;    /* 1..5, 0 unchanged */
	int encrypted, key_compromised; /* 0/1, -2 unchanged */
	int hipaa;                   /* 0/1, -2 unchanged */
	const char *contact;         /* NULL unchanged */
} fort_incident_assessment;
#define FORT_INCIDENT_ASSESSMENT_VERSION 1
#define FORT_INCIDENT_ASSESSMENT_INIT { FORT_INCIDENT_ASSESSMENT_VERSION, 0, 0, -2, -2, -2, NULL }
int fort_incident_assess(fort_vault *v, int64_t id, const fort_incident_assessment *a) FORT_WUR;
/* DECISION notify | no-notify with REASONS (required), decided by the
 * acting user now. */
int fort_incident_decide(fort_vault *v, int64_t id, const char *decision, const char *reasons) FORT_WUR;
/* Close: refused (FORT_EINPUT naming what is missing) without facts,
 * effects, remedial actions and a decision. */
int fort_incident_close(fort_vault *v, int64_t id) FORT_WUR;
int fort_incident_get(fort_incident_info *out, fort_vault *v, int64_t id) FORT_WUR;
/* Every incident, open ones first, newest first.  *OUT malloc'ed. */
int fort_incident_list(fort_incident_info **out, size_t *n, fort_vault *v) FORT_WUR;

typedef struct {
	char kind[16];          /* timeline fact effect remedy consequence decision delay review-... */
	char at[21];            /* when it happened (timeline) or was written */
	char actor[128];
	char *text;             /* decrypted; wiped by fort_incident_notes_free */
} fort_incident_note;
/* The incident's notes, oldest first (decrypted; audited). */
int fort_incident_notes(fort_incident_note **out, size_t *n, fort_vault *v, int64_t id) FORT_WUR;
void fort_incident_notes_free(fort_incident_note *notes, size_t n);

/* What the incident touched.  One of: USER with FROM..TO (everything that
 * user revealed or exported then), EXPORT_FILE or BACKUP_FILE (the file's
 * record, found by its SHA-256, else by its path), DEVICE (the exports and
 * backups written on that host), CATEGORY (every client holding data of
 * it).  FORT_ENOTFOUND for an unknown user or file, FORT_EINPUT. */
typedef struct {
	unsigned version;
	const char *user, *from, *to;
	const char *export_file, *backup_file;
	const char *device;
	const char *category;
} fort_incident_scope;
#define FORT_INCIDENT_SCOPE_VERSION 1
#define FORT_INCIDENT_SCOPE_INIT { FORT_INCIDENT_SCOPE_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL }
int fort_incident_scope_add(fort_vault *v, int64_t id, const fort_incident_scope *s) FORT_WUR;

typedef struct {
	char id[FORT_ID_LEN + 1];
	char categories[64];    /* "identity,financial" */
	char fields[256];       /* "full_name,iban" */
	char jurisdiction[16];  /* "EU", "UK", "US-CA"... */
	char country[3];
} fort_impact_client;

typedef struct {
	size_t nclients;
	fort_impact_client *clients;
	size_t per_category[8]; /* by the categories' order: identity contact financial special notes */
	size_t njurisdictions;
	struct { char code[16]; size_t clients; } *jurisdictions;
	int protected_;         /* every affected copy was encrypted and its key not compromised */
	char protection[300];   /* why (or why not) */
	size_t reveals, exports, backups; /* audit entries and files the scope matched */
} fort_impact;
/* Affected clients, categories and jurisdictions from the incident's
 * scopes, read from the audit log and the exports record.  A client's
 * jurisdiction comes from its "country" field (and "state" for the US)
 * when the map has them, else the vault's country (docs/cli.md).  Audited. */
int fort_incident_impact(fort_impact **out, fort_vault *v, int64_t id) FORT_WUR;
void fort_impact_free(fort_impact *im);

typedef struct {
	char jurisdiction[16], clock[32];
	char title[160];
	char due[32];           /* UTC instant or date; "" = without undue delay */
	int hours;              /* an hour clock (due is an instant) */
	int overdue;            /* past due at NOW and not done */
	int64_t due_ts;         /* unix time of due (end of day UTC for dates), 0 if none */
	char note[200];
	char source[300];
	/* met: the notification this clock asks for was made (recorded with
	 * fort_incident_notified, or the authority's / every client's e-mail
	 * accepted by the mail server); met_at its time; late: after the due time */
	int met, late;
	char met_at[21];
	char met_how[160];      /* "portal, reference DPA-123" / "e-mail accepted by the mail server" */
} fort_incident_clock;

/* Record a notification made outside Fortress (a supervisory authority's
 * web form, post, phone) or by e-mail: WHO "authority" or "clients", AT
 * (ISO 8601; not before awareness, not in the future), CHANNEL portal |
 * post | phone | email | in-person, REFERENCE (the authority's case number;
 * may be NULL for clients).  The register keeps when, how, by whom and the
 * reference (Art. 33(5)); the clocks it answers are met from then on, late
 * when after the due time.  Needs 'write'; audited.  FORT_EINPUT naming
 * the option. */
int fort_incident_notified(fort_vault *v, int64_t id, const char *who, const char *at, const char *channel,
			   const char *reference) FORT_WUR;
/* The clocks running from the incident's awareness: the authority (EU/UK
 * 72 h by the business's country), the data subjects, US states of the
 * affected clients (data/us_state_breach_laws.csv), HIPAA; overdue first,
 * then by due.  NOW 0: the real time.  *OUT malloc'ed. */
int fort_incident_clocks(fort_incident_clock **out, size_t *n, fort_vault *v, int64_t id, int64_t now) FORT_WUR;

/* For 'fortress status' (works on a locked vault): open incidents and the
 * next deadline among them (overdue first).  Clocks that need the clients'
 * places (US states) are left to fort_incident_clocks. */
typedef struct {
	size_t open;
	int has_next;
	int64_t incident;           /* of NEXT */
	fort_incident_clock next;
} fort_incident_summary;
int fort_incident_summary_get(fort_incident_summary *out, fort_vault *v, int64_t now) FORT_WUR;

/* Notification letters. */
typedef struct {
	const char *kind;       /* authority | client */
	const char *client;     /* client id, "" for the authority */
	const char *to;         /* the authority's e-mail, or the client's (decrypted for this, audited) */
	const char *subject;
	const char *text;       /* Markdown */
	const char *html;
	const char *language;   /* the letter's: en de fr es it nl (issue 18) */
} fort_letter;
typedef int (*fort_letter_cb)(void *ctx, const fort_letter *l);
typedef struct {
	unsigned version;
	const char *phase;             /* initial (default) | follow-up */
	const char *case_ref;          /* the authority's reference (follow-up) */
	const char *reasons_for_delay; /* required once 72 h have passed since awareness */
	int64_t now;                   /* 0: the real time */
	int authority_only, clients_only;
	/* The offer some US states require in their residents' letters when the
	 * breach exposed certain field types (data/us_state_letter_elements.csv,
	 * "condition" and "months": CT, DC, DE, MA on an ssn field, CA also on an
	 * id_number, PA on ssn, iban or id_number): who provides the credit monitoring or identity theft services,
	 * how to enrol (a URL or a phone number), optionally an activation code
	 * and the date to enrol by (YYYY-MM-DD), and the months offered (0: each
	 * state's minimum; fewer than a state's minimum is refused). */
	const char *offer_provider, *offer_enrol, *offer_code, *offer_until;
	int offer_months;
	/* version 3: the clients' letters in this language (en de fr es it nl)
	 * instead of each client's own (fort_client_language); NULL: each
	 * client's.  A client in a US state gets the English letter (the
	 * state's required texts are English). */
	const char *language;
} fort_letter_opts;
#define FORT_LETTER_OPTS_VERSION 3
#define FORT_LETTER_OPTS_INIT { FORT_LETTER_OPTS_VERSION, NULL, NULL, NULL, 0, 0, 0, NULL, NULL, NULL, NULL, 0, NULL }
/* Render the authority notification (every Art. 33(3) element) and a letter
 * per affected client (every Art. 34(2) element, plain language, what the
 * client can do) and pass each to CB.  Names and e-mail addresses are
 * decrypted for this purpose only ("breach-notice", audited).  FORT_EINPUT
 * (an element missing: named; no reasons for a delay past 72 h; a business
 * under the GDPR or UK GDPR with a client in a US state that forbids an
 * Art. 34(2) element, before any letter is passed on; a client in a US
 * state that requires an offer of credit monitoring for the field types the
 * breach exposed, and no offer_provider/offer_enrol given, or fewer months
 * than the state's minimum: naming the client, the state, the statute and
 * the field, before any letter is passed on), FORT_ENOTFOUND (no
 * supervisory authority for the business's country). */
int fort_incident_letters(fort_vault *v, int64_t id, const fort_letter_opts *o, fort_letter_cb cb, void *ctx) FORT_WUR;
/* Check TEXT of a letter of KIND against the list of required elements:
 * 0, or FORT_EINPUT with MISSING (may be NULL) naming the first missing.
 * KIND: authority, authority-late, client, client@LANG (a client letter in
 * LANG, its headings from data/i18n/LANG.csv), or client:US-XX (a client in US
 * state XX: also that state's required and forbidden elements, from
 * data/us_state_letter_elements.csv: a required section with every item of
 * its text word for word, no forbidden phrase; a client heading the state
 * forbids, such as Massachusetts' "What happened", is not asked for).
 * client:US-XX+TYPES (TYPES: the field types the breach exposed, "name,ssn"):
 * also the state's rows whose condition those types meet (the offer of
 * credit monitoring, with at least the row's months and the enrolment line
 * "Provided by P. How to enrol: E"). */
int fort_letter_check(const char *kind, const char *text, char *missing, size_t cap);
/* Write the letters to DIR (created 0700 if missing) as FORMATS
 * ("text,html,pdf"); *N (may be NULL) gets the letters written. */
int fort_incident_letters_write(size_t *n, fort_vault *v, int64_t id, const fort_letter_opts *o, const char *dir,
				const char *formats) FORT_WUR;

/* Send the letters by e-mail: each letter that has an address is put in the
 * outbox (fort_mail_queue, purpose "breach-notice") under the reference
 * "incident:ID:PHASE:authority" or "incident:ID:PHASE:client:CLIENT", once:
 * a letter queued before (sent or not) is not queued again, so running it
 * again after a failure is safe.  DRY_RUN renders and reports, queues
 * nothing.  Sending is fort_mail_send with the ref prefix "incident:ID:".
 * CB (may be NULL) hears of every letter.  Needs 'write' and 'reveal'. */
typedef struct {
	const char *kind, *client, *to, *subject;
	const char *ref;
	int64_t mail_id;         /* the outbox message (queued) */
	const char *state;       /* queued | would-queue | already | no-address */
} fort_incident_notify_item;
typedef void (*fort_incident_notify_cb)(void *ctx, const fort_incident_notify_item *it);
typedef struct {
	size_t queued, already, no_address;
} fort_incident_notify_report;
int fort_incident_notify(fort_incident_notify_report *out, fort_vault *v, int64_t id, const fort_letter_opts *o, int dry_run,
			 fort_incident_notify_cb cb, void *ctx) FORT_WUR;

/* Learning from it (after the incident). */
typedef struct {
	unsigned version;
	const char *what, *root_cause, *worked, *failed; /* NULL unchanged */
} fort_incident_review_spec;
#define FORT_INCIDENT_REVIEW_VERSION 1
#define FORT_INCIDENT_REVIEW_INIT { FORT_INCIDENT_REVIEW_VERSION, NULL, NULL, NULL, NULL }
int fort_incident_review(fort_vault *v, int64_t id, const fort_incident_review_spec *r) FORT_WUR;

typedef struct {
	int64_t id, incident;
	char owner[128], due[11], done_at[21], done_by[128];
	char text[512];
	int done, overdue;
} fort_action_info;
/* An action (TEXT, OWNER: a user or a name, DUE: YYYY-MM-DD) for INCIDENT. */
int fort_action_add(int64_t *id_out, fort_vault *v, int64_t incident, const char *text, const char *owner,
		    const char *due) FORT_WUR;
int fort_action_done(fort_vault *v, int64_t id) FORT_WUR;
int fort_action_get(fort_action_info *out, fort_vault *v, int64_t id, const char *today) FORT_WUR;
/* Actions (open only with OPEN_ONLY), overdue first, then by due date.
 * TODAY NULL: the real date.  *OUT malloc'ed. */
int fort_action_list(fort_action_info **out, size_t *n, fort_vault *v, int open_only, const char *today) FORT_WUR;

/* ------------------------------------------------- signing in (the server) */
/* `fortress serve` (issue 17): a person signs in with name, passphrase and
 * a second factor; the passphrase unseals their keyring as an unlock does,
 * and the server keeps their keys for the session only (docs/SECURITY.md,
 * "Server"). */

#define FORT_TOTP_RECOVERY_CODES 10

/* What enrolment shows once.  WARNING: holds the TOTP secret and the
 * recovery codes; locked memory, wiped by fort_totp_enrolment_free. */
typedef struct {
	char uri[512];     /* otpauth://totp/... for an authenticator app (QR code) */
	char secret[48];   /* the same secret in base32, to type in by hand */
	char recovery[FORT_TOTP_RECOVERY_CODES][16]; /* "abcd-efgh-jk", each usable once */
} fort_totp_enrolment;

/* Enrol the acting user's second factor (replacing any earlier one): a new
 * random TOTP secret (RFC 6238, SHA-1, 6 digits, 30 s) and ten recovery
 * codes, stored encrypted under a key only this user's passphrase opens
 * (recovery codes as keyed hashes).  Audited "totp-enroll".  *OUT is freed
 * with fort_totp_enrolment_free.  FORT_ELOCKED. */
int fort_totp_enroll(fort_totp_enrolment **out, fort_vault *v) FORT_WUR;
/* Enrolling in two steps, as a page does (the web app's account page):
 * fort_totp_propose makes a new random secret for the acting user and fills
 * *OUT's uri and secret (no recovery codes); nothing is stored or audited.
 * The person adds it to their app and types the code it shows;
 * fort_totp_confirm then enrols SECRET (base32, as proposed) when CODE (6
 * digits) is its code now (one 30 s step either side), exactly as
 * fort_totp_enroll does (replacing any earlier factor, audited
 * "totp-enroll"; the code typed cannot then sign in), and fills *OUT with
 * the uri, the secret and the ten recovery codes.  FORT_EINPUT (not six
 * digits; not a secret of Fortress's length), FORT_EAUTH (not its code:
 * nothing changes, an earlier factor still works), FORT_ELOCKED.  *OUT is
 * freed with fort_totp_enrolment_free. */
int fort_totp_propose(fort_totp_enrolment **out, fort_vault *v) FORT_WUR;
int fort_totp_confirm(fort_totp_enrolment **out, fort_vault *v, const char *secret, const char *code) FORT_WUR;
/* Wipes and frees.  Accepts NULL. */
void fort_totp_enrolment_free(fort_totp_enrolment *e);

/* Invitations to join from a browser (issue 17; docs/SECURITY.md
 * "Invitations").  A user with the 'users' action invites NAME with ROLE;
 * the link's token ("ID_SECRET", 43 characters of base64url after '_') is
 * shown once and kept only as a verifier.  The invitee opens /join/TOKEN,
 * chooses a passphrase and confirms a second factor (fort_invite_join):
 * they are then a pending user, as after fort_user_request, with their
 * second factor waiting; fort_user_add (the approval, comparing the
 * fingerprint) makes both theirs and marks the invitation used. */
#define FORT_INVITE_DEFAULT_DAYS 7
#define FORT_INVITE_MAX_DAYS 30

typedef struct {
	int64_t id;
	char name[128], role[64], creator[128];
	int64_t created, expires;   /* unix time */
	int64_t revoked, used;      /* when (0: not); used: approved */
	char state[16];             /* open | joined | approved | expired | revoked */
	int64_t user_id;            /* the user who joined by it (0: none yet) */
	char fingerprint[20];       /* theirs, to compare at approval (fort_invite_list; "" none) */
	char business[128];         /* the vault's business (fort_invite_lookup) */
} fort_invite_info;

/* The expiry of TEXT from NOW: "7d" (1 to FORT_INVITE_MAX_DAYS days); NULL
 * or "": FORT_INVITE_DEFAULT_DAYS.  FORT_EINPUT naming the limit. */
int fort_invite_expiry(int64_t *expires, const char *text, int64_t now) FORT_WUR;
/* Invite NAME (a user name no user has, without another open invitation)
 * with ROLE until EXPIRES (unix time).  *TOKEN_OUT gets the link's token
 * (locked memory; fort_secret_free wipes it), shown once; *ID_OUT (may be
 * NULL) its id.  Needs 'users' and every category key ROLE needs (so that
 * you can approve them).  Audited "invite-create".  FORT_EINPUT,
 * FORT_EEXISTS, FORT_ENOTFOUND (role), FORT_EDENIED. */
int fort_invite_create(fort_secret **token_out, int64_t *id_out, fort_vault *v, const char *name, const char *role,
		       int64_t expires) FORT_WUR;
/* Every invitation, oldest first, with its state and, once someone joined
 * by it, their fingerprint.  Needs 'users'.  *OUT malloc'ed (free()).
 * FORT_ETAMPER when an invitation was changed outside Fortress. */
int fort_invite_list(fort_invite_info **out, size_t *n, fort_vault *v) FORT_WUR;
/* Revoke open invitation ID: its link opens nothing.  Needs 'users';
 * audited "invite-revoke".  FORT_ENOTFOUND, FORT_EINPUT (revoked, used,
 * or joined already: remove the pending user instead). */
int fort_invite_revoke(fort_vault *v, int64_t id) FORT_WUR;
/* For the join page: the open invitation of TOKEN in the vault at PATH
 * (no keys needed) into *OUT, and, TOTP_OUT not NULL, a new second factor
 * to show (fort_totp_propose's; nothing stored).  An unknown or forged
 * token is FORT_ENOTFOUND; a used, expired or revoked one FORT_EDENIED; an
 * invitation changed outside Fortress FORT_ETAMPER; each refusal audited
 * (unsigned), never with the token.  NOW: the time of the attempt (unix
 * time; 0: the clock), for both functions. */
int fort_invite_lookup(fort_invite_info *out, fort_totp_enrolment **totp_out, const char *path, const char *token,
		       int64_t now) FORT_WUR;
/* Join by TOKEN: as fort_user_request for the invitation's name with PASS
 * (fort_passphrase_check's rule; Argon2id as strong as the owner's), and
 * the second factor TOTP_SECRET (from fort_invite_lookup) confirmed by CODE
 * (as fort_totp_confirm), all or nothing.  *TOTP_OUT gets the enrolment
 * with its ten recovery codes (show once; fort_totp_enrolment_free);
 * FINGERPRINT_OUT (may be NULL) the new user's fingerprint.  The link works
 * once.  Errors as fort_invite_lookup, and FORT_EWEAK, FORT_EINPUT,
 * FORT_EAUTH (the code), FORT_EEXISTS (the name was taken meanwhile). */
int fort_invite_join(fort_totp_enrolment **totp_out, char fingerprint_out[20], const char *path, const char *token,
		     const fort_secret *pass, const char *totp_secret, const char *code, int64_t now) FORT_WUR;
/* 1 if USER (NULL: the owner) has enrolled, 0 if not, <0 (FORT_ENOTFOUND).
 * Works on a locked vault. */
int fort_totp_enrolled(fort_vault *v, const char *user);
/* Remove USER's second factor: their own, or anyone's with the 'users'
 * action (a lost phone and lost recovery codes).  Audited.  They cannot
 * sign in to the server until they enrol again. */
int fort_totp_remove(fort_vault *v, const char *user) FORT_WUR;

typedef struct {
	unsigned version;
	const char *address;  /* the client's network address: throttling and audit (NULL: "-") */
	int64_t now;          /* unix time of the attempt; 0: the clock */
} fort_signin_opts;
#define FORT_SIGNIN_OPTS_VERSION 1
#define FORT_SIGNIN_OPTS_INIT { FORT_SIGNIN_OPTS_VERSION, NULL, 0 }

/* Sign USER in to the vault at PATH with PASS and CODE (a 6-digit TOTP code
 * or an unused recovery code).  On success *KEY_OUT holds USER's secret
 * keys (as fort_vault_user_key; open the vault with fort_vault_open_key),
 * the code can never be used again, and "signin" is audited.  Refusals:
 * FORT_EAUTH for a wrong name, passphrase or code (one message for all
 * three, audited with the real reason and ADDRESS); FORT_EDENIED when the
 * user has not enrolled a second factor, or when too many sign-ins failed
 * for this account or address (*RETRY_AFTER, may be NULL, gets the seconds
 * to wait; that refusal is not audited and costs no Argon2id).  After 5
 * failures in a row (per account, and per address: IPv6 by its /64) each
 * attempt waits 2^(n-5) s after the last, at most 15 min; a success
 * clears the count. */
int fort_signin(fort_secret **key_out, int *retry_after, const char *path, const char *user, const fort_secret *pass,
		const char *code, const fort_signin_opts *o) FORT_WUR;
/* fort_vault_confirm for a server's page (the keys page's passphrase typed
 * again), throttled as fort_signin is, with the same counters per account
 * (V's acting user) and per O->address (O may be NULL): after 5 failures
 * each attempt waits 2^(n-5) s, at most 15 min; then FORT_EDENIED with
 * *RETRY_AFTER (may be NULL) set, audited "reauth" denied, no Argon2id
 * spent.  A wrong passphrase is FORT_EAUTH, audited and counted; a right
 * one clears the counts. */
int fort_reauth(int *retry_after, fort_vault *v, const fort_secret *pass, const fort_signin_opts *o) FORT_WUR;
/* Failed sign-ins (audited) since SINCE (unix time), and the newest. */
int fort_signin_failures(uint64_t *n, int64_t *last, fort_vault *v, int64_t since);

/* Audit a sign-out from the server by the acting user (V opened with the
 * session's keys).  WHY: "signed out" or the like, no personal data. */
int fort_signout(fort_vault *v, const char *why) FORT_WUR;
/* Audit a request a front refused before any library call could (a missing
 * CSRF token, a malformed or oversized body): action WHAT ("http"), result
 * "denied", REASON without personal data; signed by the acting user, whose
 * session made the request.  Nothing else changes. */
int fort_audit_refusal(fort_vault *v, const char *what, const char *reason) FORT_WUR;

/* Group commit of audit entries, for a server.  A writer has its own
 * connection to the vault at PATH, whose transactions the callers' threads
 * commit, one at a time (no thread of its own): a handle that uses it
 * (fort_vault_use_audit_writer) hands each entry it writes outside a
 * transaction of its own (a read, a search summary, a refusal) to the
 * writer and waits until the transaction holding it has committed, so an
 * operation still never returns before its entry is durable.  Entries that
 * wait meanwhile, from any thread and handle, share that transaction and
 * its fsync; each is signed by its own actor; the chain order is the commit
 * order.  A commit that fails (a full disk) writes none of them and every
 * one gets its error.  Entries written with a change stay in the change's
 * own transaction.  A handle's fort_vault_refresh does not read the vault
 * again when only the writer committed since.  Thread-safe. */
typedef struct fort_audit_writer fort_audit_writer;
/* FORT_ENOTFOUND, FORT_ECORRUPT, FORT_EIO as fort_vault_open (locked). */
int fort_audit_writer_new(fort_audit_writer **out, const char *path) FORT_WUR;
/* Writes what is queued, then stops and frees.  Handles that used it must
 * not write afterwards (close them first).  Accepts NULL. */
void fort_audit_writer_free(fort_audit_writer *w);
/* Transactions committed, entries they held, entries whose commit failed. */
void fort_audit_writer_stats(const fort_audit_writer *w, uint64_t *commits, uint64_t *entries, uint64_t *failed);
/* V (unlocked, the same PATH) hands its entries to W from now on; W NULL:
 * it writes them itself again.  FORT_EINPUT (another vault), FORT_ELOCKED.
 * W must outlive V's use of it. */
int fort_vault_use_audit_writer(fort_vault *v, fort_audit_writer *w) FORT_WUR;

/* Sessions of a server: in memory only, thread-safe. */
typedef struct fort_sessions fort_sessions;
typedef struct {
	unsigned version;
	unsigned idle_timeout;      /* seconds without a request; 0: 900 (15 min) */
	unsigned absolute_timeout;  /* seconds after sign-in; 0: 28800 (8 h) */
	size_t max_sessions;        /* 0: 256 */
} fort_sessions_opts;
#define FORT_SESSIONS_OPTS_VERSION 1
#define FORT_SESSIONS_OPTS_INIT { FORT_SESSIONS_OPTS_VERSION, 0, 0, 0 }
/* Session ids and CSRF tokens: 32 random bytes in base64url, 43 characters. */
#define FORT_SESSION_TOKEN_LEN 43
/* Vault handles a session opens at most: so many of its requests run side
 * by side (or wait, held, for their audit entries: a held request keeps its
 * handle until the callback); one more waits for a handle. */
#define FORT_SESSION_HANDLES 16

int fort_sessions_new(fort_sessions **out, const fort_sessions_opts *o) FORT_WUR;
/* Ends every session, wiping their keys and closing their handles (no
 * request may be running).  Accepts NULL. */
void fort_sessions_free(fort_sessions *s);
/* A new session for USER holding KEY (taken over in every case).  ID_OUT
 * (the cookie) and CSRF_OUT are new random tokens; only a hash of the id
 * is kept.  FORT_EBUSY when the table is full. */
int fort_session_start(char id_out[FORT_SESSION_TOKEN_LEN + 1], char csrf_out[FORT_SESSION_TOKEN_LEN + 1], fort_sessions *s,
		       const char *user, fort_secret *key) FORT_WUR;
/* The session of ID: a copy of its keys (KEY_OUT may be NULL) and its user
 * (USER_OUT may be NULL); the idle timer restarts.  With CSRF non-NULL it
 * must be the session's token (constant-time).  FORT_EAUTH: no such session
 * or it timed out (its keys are wiped now); FORT_EDENIED: wrong CSRF. */
int fort_session_get(fort_secret **key_out, char user_out[128], fort_sessions *s, const char *id, const char *csrf) FORT_WUR;
/* The vault handle of the session of ID, for one request: opened with the
 * session's keys at its first request (the vault at PATH; "unlock" is
 * audited then, once per session), kept open until the session ends, and
 * refreshed (fort_vault_refresh) before each later request, so changes by
 * other sessions and processes are seen.  Each handle serves one request at
 * a time: when every open handle of the session is lent, another is opened
 * with the session's keys (each open audited "unlock"), up to
 * FORT_SESSION_HANDLES; beyond, this waits for one, at most 5 s (then
 * FORT_EBUSY).  The idle timer restarts.  FORT_EAUTH: no such
 * session or it timed out.  An open or refresh that fails (the user was
 * removed: FORT_EDENIED) ends the session.  CSRF: check it with
 * fort_session_get.  Give the handle back with fort_session_release. */
int fort_session_acquire(fort_vault **v_out, char user_out[128], fort_sessions *s, const char *id, const char *path) FORT_WUR;
/* Give back a handle from fort_session_acquire (call fort_vault_flush on it
 * first).  If the session ended meanwhile (signed out, timed out), the
 * handle is closed and its keys wiped now.  Accepts NULL. */
void fort_session_release(fort_sessions *s, fort_vault *v);
/* The CSRF token of the session of ID into CSRF_OUT (for a server that
 * renders it into its HTML forms); the idle timer does not restart.
 * FORT_EAUTH as fort_session_get. */
int fort_session_csrf(char csrf_out[FORT_SESSION_TOKEN_LEN + 1], fort_sessions *s, const char *id) FORT_WUR;
/* End (sign out) the session of ID, wiping its keys and closing its handle
 * (at once, or when the request holding it gives it back).  FORT_ENOTFOUND. */
int fort_session_end(fort_sessions *s, const char *id);
/* The vault handle of a program's TOKEN (an "Authorization: Bearer" request),
 * as fort_session_acquire: the token is checked (fort_token_key) at its
 * first request and kept as a session of its own, keyed by a hash of the
 * token, which ends at the token's expiry, after the idle or absolute
 * timeout (then the next request checks the token again), when the token is
 * revoked, or at fort_sessions_free.  FORT_EAUTH for an unknown, revoked
 * or expired token (one message).  Give the handle back with
 * fort_session_release. */
int fort_token_acquire(fort_vault **v_out, char user_out[128], fort_sessions *s, const char *token, const char *path) FORT_WUR;
/* End every session of USER ("token:NAME" once it is revoked), wiping its
 * keys.  Returns how many ended. */
size_t fort_sessions_end_user(fort_sessions *s, const char *user);
/* End the timed-out sessions; returns how many are left. */
size_t fort_sessions_prune(fort_sessions *s);
/* The handles the sessions open from now on use W (fort_vault_use_audit_writer).
 * Set it before the first request; W must outlive the sessions (free them
 * first). */
void fort_sessions_use_audit_writer(fort_sessions *s, fort_audit_writer *w);

/* ------------------------------------- the client's self-service page */

/* Issue 18 items 2-3 (src/rights/selfservice.c).  Every call runs on a
 * handle of the self-service keyholder: a user whose role holds only what
 * the page needs (docs/SECURITY.md, "Self-service page": the contact
 * category key for the e-mail's blind index; read and write), never a
 * person's session.  Values of the client's record are never decrypted
 * here: the page shows the data map, the consent ledger and the requests;
 * the access package is built by a keyholder (fort_request_fulfil). */
#define FORT_ME_TOKEN_LEN 43          /* base64url of 32 random bytes */
#define FORT_ME_LINK_SECONDS 900      /* a sign-in link is valid 15 minutes */

typedef struct {
	unsigned version;
	const char *base_url;    /* the server's address as clients reach it ("https://vault.example"); the
				    link is BASE_URL/me/link?t=TOKEN */
	const char *language;    /* of the e-mails: en de fr es it nl (others: en) */
	const char *second_step; /* request kinds that need a second identity step (Art. 12(6)) besides
				    those of the vault's request policy (fort_request_policy_set),
				    comma-separated, e.g. "erasure,access" (NULL: none) */
	int64_t now;             /* unix time; 0: the real time (tests move it) */
	const char *note;        /* fort_me_request: the client's own words (required for rectification:
				    what is wrong, what it should be; fort_request_opts.note) */
} fort_me_opts;
#define FORT_ME_OPTS_VERSION 2
#define FORT_ME_OPTS_INIT { FORT_ME_OPTS_VERSION, NULL, NULL, NULL, 0, NULL }

/* A new random value (32 bytes from libsodium, base64url) for the cookie
 * that binds a sign-in link to the browser that asked for it. */
void fort_me_browser_new(char out[FORT_ME_TOKEN_LEN + 1]);

/* Someone asked for a sign-in link for EMAIL from the browser whose cookie
 * is BROWSER (from fort_me_browser_new): the link will work only with it.
 * The same work is done whether or not EMAIL is a client's (the blind-index
 * lookup, a token, a row in me_links, one audited transaction), and the
 * result is the same: only for a client is the link e-mailed (queued in the
 * outbox, ref "me:link").  FORT_EINPUT: EMAIL is not an e-mail address, or
 * BROWSER is malformed. */
int fort_me_link_request(fort_vault *v, const char *email, const char *browser, const fort_me_opts *o) FORT_WUR;

typedef enum {
	FORT_ME_LINK_OK = 0,
	FORT_ME_LINK_INVALID,   /* forged, already used, or altered in the file */
	FORT_ME_LINK_EXPIRED,   /* older than FORT_ME_LINK_SECONDS */
	FORT_ME_LINK_BROWSER,   /* opened in a browser other than the one that asked */
} fort_me_link_result;

/* Use the link TOKEN from the browser whose cookie is BROWSER (may be
 * NULL): once, whatever the outcome (a refused link is gone too).  0 and
 * *RESULT FORT_ME_LINK_OK: CLIENT_OUT and EMAIL_OUT (the address the link
 * went to, malloc'ed: free()) are set; 0 with
 * another *RESULT: refused.  Every use is audited ("me-signin", ok or
 * denied with the reason). */
int fort_me_link_redeem(fort_me_link_result *result, char client_out[FORT_ID_LEN + 1], char **email_out, fort_vault *v,
			const char *token, const char *browser, const fort_me_opts *o) FORT_WUR;

/* The client CLIENT looked at their page: audited as their own access
 * ("me-view"). */
int fort_me_view(fort_vault *v, const char *client) FORT_WUR;

/* The client gives (ACTION "grant") or withdraws ("withdraw") consent to
 * PURPOSE on their page: the consent ledger, channel web, the language
 * and the newest stored notice of O->language (else English).
 * FORT_EINPUT: a purpose whose legal basis is not consent. */
int fort_me_consent(fort_vault *v, const char *client, const char *purpose, const char *action,
		    const fort_me_opts *o) FORT_WUR;

/* The client asks for KIND (access, portability, rectification, erasure,
 * objection, restriction) on their page: a request received today (as
 * fort_request_open), the one-time link recorded as its identity check
 * ("e-mail link"; verified, or, for a kind in the vault's request policy or
 * O->second_step, the request
 * stays awaiting_id with the link noted), and a confirmation with the due
 * date e-mailed to EMAIL (outbox, ref "me:request:ID").  The request's
 * channel is "web"; O->note is kept sealed with it (FORT_EINPUT: a
 * rectification without one).  *INFO_OUT (may be NULL) gets the request. */
int fort_me_request(fort_request_info *info_out, fort_vault *v, const char *client, const char *email, const char *kind,
		    const fort_me_opts *o) FORT_WUR;

/* Remove the sign-in links that expired before NOW (0: now). */
int fort_me_links_prune(fort_vault *v, int64_t now) FORT_WUR;

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif
#endif
