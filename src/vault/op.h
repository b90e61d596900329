/* op.h - one operation scaffold (issue 16 item 2; a proposal, used by two
 * operations so far: fort_incident_decide and fort_incident_close).
 *
 * Every library operation that writes does the same steps: check that the
 * acting user's role allows the action (a refusal is audited), check its
 * input, begin the transaction, write, append the audit entry that seals
 * the writes, commit, or roll back all of it.  vault_op_run does them in
 * that order, once, so that an operation cannot forget one: it supplies
 * only its input check and its writes.  A refusal the writes find
 * themselves (FORT_EDENIED: a purpose, a hold) is audited "denied" with
 * its true reason after the rollback, so the refusal's entry is not undone
 * with the rest. */
#ifndef FORT_VAULT_OP_H
#define FORT_VAULT_OP_H

#include "vault/vault_int.h"

typedef struct {
	const char *action;  /* the audit action, also vault_need's WHAT */
	unsigned need;       /* the ACT_* the role must allow */
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
} vault_op;

/* Run OP for CLIENT (the client the audit entry names, NULL: none) with
 * CTX: 0, or the first step's error with nothing written (but the audit
 * entry of a refusal). */
int vault_op_run(fort_vault *v, const vault_op *op, const char *client, void *ctx) FORT_WUR;

#endif
