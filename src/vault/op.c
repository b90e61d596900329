/* op.c - one operation scaffold (op.h). */
#include <stdio.h>
#include <string.h>
#include "vault/op.h"

int vault_op_run(fort_vault *v, const vault_op *op, const char *client, void *ctx)
{
	char detail[2048] = "";
	int r;

	if ((r = vault_need(v, op->need, op->action, client)) < 0)
		return r;   /* a refusal by role is audited there */
	if (op->check && (r = op->check(v, ctx)) < 0)
		return r;
	if ((r = store_begin(v->st)) < 0)
		return r;
	if ((r = op->write(v, ctx, detail, sizeof detail)) < 0)
		goto fail;
	if ((r = audit_append(v, op->done ? op->done : op->action, op->client ? op->client : client ? client : "", op->fields ? op->fields : "",
				  op->purpose ? op->purpose : "", "ok", detail)) < 0 || (r = store_commit(v->st)) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(v->st);
	if (r == FORT_EDENIED && !v->op_audited) {
		/* the refusal's entry goes in after the rollback, or it would be
		 * undone with the writes; the caller still gets the refusal */
		char why[1024];
		snprintf(why, sizeof why, "%s", fort_error_message());
		(void)audit_record(v, op->action, client ? client : "", "", "", "denied", why);
		r = fort_error_set(FORT_EDENIED, "%s", why);
	}
	return r;
}
