/* op.c - one operation scaffold (op.h). */
#include <stdio.h>
#include <string.h>
#include "vault/op.h"

int vault_op_start(fort_vault *v, const vault_op *op, const char *client)
{
	if (op->need)
		return vault_need(v, op->need, op->action, client);  /* a refusal is audited there */
	/* no role to check: the same start as vault_need's, so that a refusal
	 * on the way is this operation's and audited as such */
	vault_op_end(v);
	vault_op_own(v);
	snprintf(v->op_what, sizeof v->op_what, "%s", op->action);
	snprintf(v->op_client, sizeof v->op_client, "%s", client ? client : "");
	v->op_audited = 0;
	return vault_need_unlocked(v);
}

static int entry(fort_vault *v, const char *action, const char *client, const char *fields, const char *purpose,
		 const char *result, const char *detail)
{
	/* counted by audit_append (v->op_entries), as every entry the writes
	 * append, through here or a function they call */
	return audit_append(v, action, client ? client : "", fields ? fields : "", purpose ? purpose : "", result,
			    detail ? detail : "");
}

int vault_op_entry(fort_vault *v, const char *action, const char *client, const char *fields, const char *purpose,
		   const char *detail)
{
	return entry(v, action, client, fields, purpose, "ok", detail);
}

/* OP's writes and entry; inside a transaction of its own unless NESTED */
static int op_tx(fort_vault *v, const vault_op *op, const char *client, void *ctx, int nested)
{
	char detail[2048] = "";
	uint64_t entries = v->op_entries;
	int r;

	if (nested && !store_tx_open(v->st))
		return fort_error_set(FORT_ERROR, "operation '%s' runs inside another's transaction, and none is open", op->action);
	if (!nested && (r = store_begin(v->st)) < 0)
		return r;
	if (!nested)
		v->op_audited = 0;  /* each step's refusal gets its entry */
	if ((r = op->write(v, ctx, detail, sizeof detail)) < 0)
		goto fail;
	if (op->flags & VAULT_OP_ENTRIES) {
		if (v->op_entries == entries && (op->flags & VAULT_OP_MAYBE) && !nested) {
			store_rollback(v->st);  /* nothing to do: nothing kept */
			return 0;
		}
		if (v->op_entries == entries) {
			r = fort_error_set(FORT_ERROR, "operation '%s' wrote no audit entry: nothing was kept", op->action);
			goto fail;
		}
	} else if (!(op->flags & VAULT_OP_SEALED) &&
		   (r = entry(v, op->done ? op->done : op->action, op->client ? op->client : client, op->fields, op->purpose,
			      op->result ? op->result : "ok", detail)) < 0) {
		goto fail;
	}
	if (!nested && (r = store_commit(v->st)) < 0)
		goto fail;
	return 0;
fail:
	if (nested)
		return r;  /* the outer operation rolls back, and audits a refusal */
	store_rollback(v->st);
	/* a "denied" entry the writes wrote in this transaction (the
	 * vault_need of an operation they ran) went with the rollback; one an
	 * operation they ran committed after its own rollback stays */
	if (v->op_audited == 1)
		v->op_audited = 0;
	if (op->refusal && !v->op_audited) {
		/* the operation's own refusal entry, also after the rollback */
		char why[1024], msg[1024];
		const char *as;
		snprintf(msg, sizeof msg, "%s", fort_error_message());
		why[0] = '\0';
		if ((as = op->refusal(v, ctx, r, why, sizeof why))) {
			/* committed on its own: op_audited 2 (audit_record) */
			(void)audit_record(v, as, client ? client : "", "", "", "denied", why);
		}
		fort_error_restore(r, msg);
	}
	if (r == FORT_EDENIED && !v->op_audited) {
		/* the refusal's entry goes in after the rollback, or it would be
		 * undone with the writes; the caller still gets the refusal */
		char why[1024];
		snprintf(why, sizeof why, "%s", fort_error_message());
		(void)audit_record(v, op->action, client ? client : "", "", "", "denied", why);
		fort_error_restore(FORT_EDENIED, why);
	}
	if (r == FORT_EDENIED)
		(void)fort_error_denied_take(v->op_id, NULL, 0);  /* audited */
	return r;
}

int vault_op_step(fort_vault *v, const vault_op *op, const char *client, void *ctx)
{
	return op_tx(v, op, client, ctx, 0);
}

int vault_op_nested(fort_vault *v, const vault_op *op, const char *client, void *ctx)
{
	return op_tx(v, op, client, ctx, 1);
}

int vault_op_run(fort_vault *v, const vault_op *op, const char *client, void *ctx)
{
	int r;
	if ((r = vault_op_start(v, op, client)) < 0)
		return r;
	if (op->check && (r = op->check(v, ctx)) < 0)
		return r;
	return op_tx(v, op, client, ctx, 0);
}
