/* handle.h - the vault handle (struct fort_vault) and the parsed data map
 * it holds: type definitions only, and the one check of the handle's state
 * every layer needs (vault_need_unlocked).  It sits below the audit trail
 * and the read-time policy (docs/conventions.md, "Layers"): they read the
 * handle's fields but call nothing in src/vault.  The vault's functions are
 * declared in vault/vault_int.h. */
#ifndef FORT_VAULT_HANDLE_H
#define FORT_VAULT_HANDLE_H

#include <stdint.h>
#include "fortress.h"
#include "util.h"
#include "store/store.h"
#include "keys/keys.h"

typedef struct {
	char *name, *label, *type, *category, *legal_basis, *retention, *note;
	char **purposes;
	size_t npurposes;
	int searchable;
	size_t max_length;
	int t;    /* fort_ftype */
	int cat;  /* category index */
	int id;   /* stable 1..250: names the field inside encrypted records */
	int hold_years;       /* kept this long after HOLD_FROM even on an erasure request (0: no hold) */
	char hold_from[16];   /* "created" or "updated" (the client record's times) */
	char *hold_reason;    /* the law that requires it */
} map_field;

/* A structured retention rule of a purpose (parsed by policy/retention_rule.c,
 * applied by rights/retention.c): data used for it may be kept
 * YEARS/MONTHS/DAYS after the trigger AFTER:
 * "created", "updated" (last contact), "consent_withdrawn" or "field:NAME"
 * (a date field of the client, e.g. the end of the contract). */
typedef struct {
	int set, years, months, days;
	char after[48];
	char reason[256];   /* the legal reason */
} map_retention;

/* A purpose of processing (a processing activity): the "purposes" object of
 * the map, name -> {description, legal_basis, special_basis}. */
typedef struct {
	char *name, *description;
	char *legal_basis;    /* consent | contract | legal_obligation | vital_interests | public_task | legitimate_interests */
	char *special_basis;  /* Art. 9(2) for special categories, e.g. explicit_consent; "" if none */
	char *retention;      /* how long data is kept for this purpose, and why ("" if not said) */
	char *provision;      /* Art. 13(2)(e): whether providing the data is required, and what follows if it is not
			       * ("" = the wording that follows from the legal basis) */
	char **recipients;    /* names in the map's "recipients" */
	size_t nrecipients;
	fort_activity_info info;
	map_retention rule;   /* "retention_rule"; rule.set == 0 when the map has none */
} map_purpose;

/* Who data is disclosed to: "recipients": {name: {kind, country, safeguard, note}}. */
typedef struct {
	char *name, *kind, *country, *safeguard, *note;
	fort_recipient_info info;
} map_recipient;

typedef struct {
	map_field *f;
	size_t n;
	fort_field_info *info;  /* public view, parallel to f */
	char *default_country;
	char *purposes_json;    /* the "purposes" object, kept verbatim */
	map_purpose *p;
	size_t np;
	char *recipients_json;  /* the "recipients" object, kept verbatim */
	map_recipient *rc;
	size_t nrc;
	char *controller_json;  /* the "controller" object (contact details, location; rights/business.c), verbatim */
} fort_map;

/* Actions a role may allow (policy.c). */
enum {
	ACT_READ = 1 << 0, ACT_REVEAL = 1 << 1, ACT_WRITE = 1 << 2, ACT_IMPORT = 1 << 3,
	ACT_EXPORT = 1 << 4, ACT_ERASE = 1 << 5, ACT_USERS = 1 << 6, ACT_MAP = 1 << 7,
	ACT_INTAKE = 1 << 8,  /* intake forms: create, remove, review, accept, reject (holds the intake key) */
};
#define ACT_COUNT 9
#define ACT_ALL ((1u << ACT_COUNT) - 1)

typedef struct {
	char name[48];
	unsigned cats;  /* 1 << category */
	unsigned acts;  /* ACT_* */
} role_def;

typedef struct {
	role_def *r;
	size_t n;
} role_set;

struct fort_vault {
	store *st;
	char *path;
	keyring *kr;           /* NULL when locked */
	int64_t user_id;
	char *user, *role;
	fort_map map;
	role_set roles;
	unsigned acts, cats;   /* what the acting user's role allows */
	int64_t key_epoch;     /* "key_epoch" when the keys were loaded (rotations count it up) */
	int rot_started;       /* rotate_start made new keys in this handle's transaction and noted where the file stood there (store_changed); rotate_run takes it */
	unsigned char *bkeys;  /* sodium_malloc'ed: KEY_LEN per map field (blind-index keys) */
	unsigned char *has_bkey;
	char business[128], owner[128], country[3];
	int64_t created;
	/* searches since open, audited as one entry at close */
	uint64_t finds, find_matches;
	char find_fields[256];
	int sealed;            /* rows are sealed into the audit log (meta "sealed") */
	/* record format 2 (client.c): the vault id its trailers cover, and
	 * whether every record carries one (the sealed meta "record_mac", set
	 * when the last old record was upgraded): then a record without one
	 * is tampering */
	char vault_id[33];
	size_t vault_id_len;
	int rec_mac_all;
	/* the operation in progress (from its vault_need), so that a refusal
	 * it ends with is audited even where no code audits it */
	uint64_t op_id;        /* this handle's refusals' owner (fort_error_owner):
				* unique in the process, never 0 */
	int op_audited;        /* it wrote a "denied" entry itself: 1 in a
				* transaction (gone if that rolls back), 2
				* committed (audit_record on its own) */
	uint64_t op_entries;   /* signed entries appended (audit_append): what
				* VAULT_OP_ENTRIES counts (op.c) */
	char op_what[32];
	char op_client[32];
	/* opened as a token for programs (tokens.c): the only purposes it may
	 * name (comma-separated, "" none) and its expiry (0: never) */
	int is_token;
	char token_purposes[512];
	int64_t token_expires;
	/* a server's group commit of audit entries (audit/writer.c), NULL
	 * elsewhere; and the chain's end as this handle last read the vault,
	 * so that commits of the writer alone need no fort_vault_refresh */
	struct fort_audit_writer *aw;
	int64_t aw_seq;
	unsigned char aw_hash[32];
	int aw_seen;
	/* and the WAL's position then (store_read_mark), when known */
	uint32_t aw_mark[3];
	int aw_marked;
};

/* FORT_ELOCKED unless the vault is unlocked.  The thread now works for
 * V: a refusal from here on is V's (fort_error_owner, vault_op_end). */
static inline int vault_need_unlocked(const fort_vault *v)
{
	fort_error_owner(v->op_id);
	if (!v->kr)
		return fort_error_set(FORT_ELOCKED, "the vault is locked: this needs the passphrase");
	return 0;
}

#endif
