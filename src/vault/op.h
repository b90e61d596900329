/* op.h - one operation scaffold (issue 16 item 2).
 *
 * Every library operation that writes does the same steps: check that the
 * acting user's role allows the action (a refusal is audited), check its
 * input, begin the transaction, write, append the audit entry that seals
 * the writes, commit, or roll back all of it.  vault_op_run does them in
 * that order, once, so that an operation cannot forget one: it supplies
 * only its input check and its writes.  A refusal the writes find
 * themselves (FORT_EDENIED: a purpose, a hold) is audited "denied" with
 * its true reason after the rollback, so the refusal's entry is not undone
 * with the rest.
 *
 * Five shapes besides the plain one (vault_op_run):
 *  - steps, each its own transaction with its entry (vault_op_start once:
 *    the role check; then vault_op_step per step and for a summary): mail
 *    sending (one per message), incident notes written by notify and
 *    letters, the doctor's record (the role checked before the checks),
 *    an import (one step: the role checked before the file is opened),
 *    a key rotation's batches (VAULT_OP_SEALED: the batches' rows sealed by
 *    their commits' "seal" entries, the last batch's entry rotate-finish);
 *    retention runs (one per held field, then the summary), a backup (the
 *    snapshot read, then its record);
 *  - several entries in one transaction (VAULT_OP_ENTRIES, the writes call
 *    vault_op_entry, or a function that appends one: audit_append counts
 *    them all): attachment get and remove (the operation's, then one per
 *    client), the incident review (one per note), a user removal or role
 *    change with the start of its key rotation (its entry, rotate-start),
 *    a restored copy's replayed erasures (one per client, then the
 *    restore's);
 *  - batches of a long operation, each a step (VAULT_OP_SEALED: no entry
 *    of their own, their sealed rows sealed at commit; the batch that ends
 *    the operation clears the flag and has its entry): reindexing at
 *    unlock;
 *  - inside another operation's transaction (vault_op_nested): the review's
 *    notes (incident_note_nested), a client's fields erased inside an
 *    erasure request's step (client_erase_fields_nested);
 *  - no role to check (need 0: unlocked is enough; the refusals on the way
 *    are still this operation's): the passphrase change, removing one's own
 *    second factor (someone else's needs 'users': the op built per call),
 *    TOTP enrolment, vault creation (the owner's keys just made), the
 *    owner's passphrase reset with recovery shares (unlocked with the keys
 *    they recover), the sign-in's second factor.
 * A refusal that is more than FORT_EDENIED or has its own action (a wrong
 * second factor: FORT_EAUTH, "signin-failed" with where from and why) is
 * the op's REFUSAL function's to name; the scaffold still writes it after
 * the rollback.
 *
 * Refusals are counted per handle (fort_error_owner, vault_op_end): a
 * refusal an operation ends with and did not audit is audited at that
 * handle's next operation, flush or close, never by another handle used on
 * the same thread.
 *
 * Used by the incident register, actions, scopes, plan, drills, review and
 * notes; the consent ledger, requests (open, verify, update) and notice;
 * the data map (map_store: every map, business and retention-rule change),
 * users and roles (add; role add, remove, grant), clients (add, edit,
 * erase, fields erased), the passphrase change, attachment get and remove,
 * recovery split and restore and intake forms (create, remove, accept,
 * reject); mail settings, the SMTP password, queueing and sending; the scan
 * record; the doctor's record; removing and enrolling a second factor,
 * signing in; vault creation; request fulfil and erase (steps: the package
 * or the erasure, then the request's event), the /me link request; client
 * import; key rotation's start, batches and finish, and the user removals,
 * role changes and revocations that start one; backups (create, verify's
 * record, restore's replay), retention runs and the expiry of holds,
 * reindexing.
 *
 * Every other begin/commit outside src/store is on the allow-list of
 * scripts/check-op-scaffold.py (the ctest op_scaffold), with its reason:
 * for good the audit layer itself, the repairs at open (seals, index MACs,
 * record format), streaming (export; attachment add, the file read inside
 * the transaction), the store copy of backups, the join request (no handle
 * yet) and the anonymous intake submission (no role, no entry; the intake
 * key read in the same transaction so a key rotation cannot come in
 * between).  Nothing else writes by hand: the check has no "not yet" list
 * any more. */
#ifndef FORT_VAULT_OP_H
#define FORT_VAULT_OP_H

#include "vault/vault_int.h"

typedef struct {
	const char *action;  /* the audit action, also vault_need's WHAT */
	unsigned need;       /* the ACT_* the role must allow; 0: no role to
			      * check (the vault need only be unlocked: vault
			      * create, passphrase change, sign-in ...) */
	/* Input checks before the transaction (NULL: none): FORT_EINPUT and
	 * friends, nothing written. */
	int (*check)(fort_vault *v, void *ctx);
	/* The writes, inside the transaction; DETAIL (CAP bytes, "" on entry)
	 * gets the audit entry's detail (no client values, no secrets). */
	int (*write)(fort_vault *v, void *ctx, char *detail, size_t cap);
	/* The success entry's action when it names more than the role check
	 * does (consent checks "consent", records "consent-grant"; NULL:
	 * ACTION), and its fields and purpose (NULL: none).  An operation
	 * that needs them builds its vault_op per call; they may point into
	 * CTX, filled by the check step.  CLIENT names the success entry's
	 * client when the role check names none or another form (a request's
	 * client, known once the request is read; NULL: the CLIENT argument). */
	const char *done, *fields, *purpose, *client;
	unsigned flags;      /* VAULT_OP_* */
	/* The success entry's result when the step did its part but what it
	 * reports did not succeed (a message the mail server refused:
	 * "failed"; NULL: "ok"). */
	const char *result;
	/* The refusal's entry when the writes fail (after the rollback; not
	 * nested) and the operation's refusals are more than FORT_EDENIED or
	 * are audited under another action: a sign-in's wrong second factor
	 * (FORT_EAUTH) is "signin-failed", with where from and why.  Called
	 * with the writes' error CODE (its message is fort_error_message());
	 * returns the action to audit "denied" under, with DETAIL (CAP bytes)
	 * filled, or NULL: not this way (a FORT_EDENIED is then audited as
	 * usual: ACTION, its message).  The caller gets CODE and its message
	 * either way.  NULL: none. */
	const char *(*refusal)(fort_vault *v, void *ctx, int code, char *detail, size_t cap);
} vault_op;

/* The writes append the operation's entries themselves, one or more, with
 * vault_op_entry (an attachment's get: the operation's, then one per
 * client; a review: one per note, each a vault_op_nested): the scaffold
 * appends none and refuses (FORT_ERROR, all rolled back) writes that
 * appended none. */
#define VAULT_OP_ENTRIES 1u
/* With VAULT_OP_ENTRIES, for a step (not nested) that may find nothing to
 * do (a message another sender claimed first): writes that appended no
 * entry are rolled back and the step returns 0.  Nothing unaudited is kept
 * either way. */
#define VAULT_OP_MAYBE 2u
/* A step (vault_op_step) of an operation whose own entries are its first
 * and last steps' (a key rotation's batches, between rotate-start and
 * rotate-finish): the scaffold appends none for it.  What the step changed
 * in sealed tables is still sealed, by the store's "seal" entry that the
 * commit writes for any transaction with unsealed changes (the commit hook
 * of src/audit/seal.c); a step that changed no sealed row keeps what it
 * wrote unaudited (a rotation's cursor in meta, which is not sealed).  The
 * write may clear the flag in its vault_op (kept in the context) for the
 * step that ends the operation, whose entry is then the usual one. */
#define VAULT_OP_SEALED 4u

/* Run OP for CLIENT (the client the audit entry names, NULL: none) with
 * CTX: 0, or the first step's error with nothing written (but the audit
 * entry of a refusal).  vault_op_start + OP's check + vault_op_step. */
int vault_op_run(fort_vault *v, const vault_op *op, const char *client, void *ctx) FORT_WUR;

/* An operation of several steps, each its own transaction (retention runs,
 * notify's letters, rotation batches): vault_op_start once (the role check
 * of OP->need, its refusal audited; with need 0 only the unlocked check),
 * then vault_op_step per step and for the summary.  A step that fails
 * leaves the steps before it committed. */
int vault_op_start(fort_vault *v, const vault_op *op, const char *client) FORT_WUR;
/* One step of a started operation: begin, OP's writes, its entry
 * (OP->done or action, ...), commit; or roll back the step, and a refusal
 * its writes found (FORT_EDENIED) is audited "denied" with its message
 * after the rollback.  No role check (vault_op_start did it), no input
 * check (OP->check is vault_op_run's). */
int vault_op_step(fort_vault *v, const vault_op *op, const char *client, void *ctx) FORT_WUR;
/* OP inside the operation whose transaction is open (incident notes in a
 * review, a client's fields erased in a retention step): OP's writes and
 * its entry in that transaction, no begin or commit.  A failure is the
 * outer operation's, which rolls all of it back and audits a refusal (so
 * its entry names the outer action).  FORT_ERROR when no transaction is
 * open. */
int vault_op_nested(fort_vault *v, const vault_op *op, const char *client, void *ctx) FORT_WUR;
/* One audit entry of the operation whose writes are running (with
 * VAULT_OP_ENTRIES): audit_append with result "ok"
 * (audit_append counts every entry it appends, v->op_entries: an entry a
 * function the writes call appends counts too). */
int vault_op_entry(fort_vault *v, const char *action, const char *client, const char *fields, const char *purpose,
		   const char *detail) FORT_WUR;
#endif
