/* seal.c - the vault's rows bound into the signed audit log.
 *
 * The store notes every change to a sealed table (client records, the
 * blind and unique indexes, every ledger: consent, erasures, exports,
 * requests and their history, the incident register; legal holds,
 * attachments and their client links, and the vault's own details in
 * meta); the audit entry
 * written in the same transaction stores each changed row's hash in
 * seal_log under its own seq and carries the digest of those seals, so the
 * signed chain vouches for what every sealed row holds now.  A row edited,
 * cut, swapped to another client, rolled back to an older copy, added or
 * removed in the file no longer matches its newest seal: reads refuse it
 * (FORT_ETAMPER, naming it) and `audit verify` names it.  To hide that,
 * seal_log would have to be rewritten too, which breaks the digest of a
 * signed entry; only a rollback of the whole file (log included) escapes,
 * and that is what the external anchor is for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "audit/audit.h"

static int commit_hook(void *ctx)
{
	fort_vault *v = ctx;
	if (!v->kr)
		return fort_error_set(FORT_ELOCKED, "the change needs an audit entry and the vault is locked: nothing was changed");
	return audit_append(v, "seal", "", "", "", "ok", "rows changed by the operation: after its own audit entry, or in batches of a large one");
}

int seal_open(fort_vault *v)
{
	unsigned char *val = NULL;
	size_t len = 0;
	uint64_t n = 0;
	int r;
	store_set_commit_hook(v->st, commit_hook, v);
	r = store_meta_get(v->st, "sealed", &val, &len);
	free(val);
	if (r == 0) {
		v->sealed = 1;
		store_seal_enforce(v->st, 1);
		return 0;
	}
	if (r != FORT_ENOTFOUND)
		return r;
	if ((r = store_seal_count(v->st, &n)) < 0)
		return r;
	if (n)
		return fort_error_set(FORT_ETAMPER, "the vault's seal marker was removed outside Fortress (the audit log holds %llu seals): "
				      "restore the vault from a backup", (unsigned long long)n);
	return 0;
}

/* Tables that joined the seals after vaults were first sealed, each with
 * the meta marker saying its rows were adopted (seal_adopt). */
#define TOTP_MARKER "sealed.user_totp"

int seal_create(fort_vault *v)
{
	int r = store_meta_put(v->st, TOTP_MARKER, "1", 1);
	if (r == 0)
		r = store_meta_put(v->st, "sealed", "1", 1);
	if (r == 0) {
		v->sealed = 1;
		store_seal_enforce(v->st, 1);
	}
	return r;
}

int seal_upgrade(fort_vault *v)
{
	fort_audit_report rep;
	char detail[160];
	int found = 0, r;
	if (v->sealed || !v->kr)
		return 0;
	r = store_audit_has_seals(v->st, &found);
	if (r < 0)
		return r;
	if (found)
		return fort_error_set(FORT_ETAMPER, "the vault's seals were removed outside Fortress (the audit log names them): "
				      "restore the vault from a backup");
	/* Seal only what the log vouches for as it stands. */
	if ((r = fort_audit_verify(&rep, v, NULL)) < 0)
		return r;
	if (!rep.ok)
		return fort_error_set(FORT_ETAMPER, "this vault's rows cannot be sealed: the audit log does not verify (%s)", rep.problem);
	if ((r = store_begin(v->st)) < 0)
		return r;
	if ((r = store_seal_touch_all(v->st)) < 0)
		goto fail;
	snprintf(detail, sizeof detail, "sealed %zu rows (client records, indexes, ledgers, legal holds, attachments, vault details) into the audit log",
		 store_seal_pending(v->st));
	if ((r = store_meta_put(v->st, "sealed", "1", 1)) < 0 || (r = store_meta_put(v->st, TOTP_MARKER, "1", 1)) < 0 ||
	    (r = audit_append(v, "seal", "", "", "", "ok", detail)) < 0 || (r = store_commit(v->st)) < 0)
		goto fail;
	v->sealed = 1;
	store_seal_enforce(v->st, 1);
	return 0;
fail:
	store_rollback(v->st);
	return r;
}

int seal_adopt(fort_vault *v)
{
	unsigned char *val = NULL;
	size_t len = 0;
	uint64_t rows = 0, seals = 0;
	char detail[160];
	int r;
	if (!v->sealed || !v->kr)
		return 0;
	r = store_meta_get(v->st, TOTP_MARKER, &val, &len);
	free(val);
	if (r == 0)
		return 0;
	if (r != FORT_ENOTFOUND)
		return r;
	fort_error_clear();
	/* A vault sealed before user_totp was: its second factors are sealed
	 * now, as they stand, in one audited transaction.  Seals of the table
	 * without the marker mean the marker was removed to have a rolled-back
	 * blob sealed afresh: refused. */
	if ((r = store_begin(v->st)) < 0)
		return r;
	if ((r = store_seal_adopt(v->st, "user_totp", &rows, &seals)) < 0)
		goto fail;
	if (seals) {
		r = fort_error_set(FORT_ETAMPER, "the seal marker of the second factors was removed outside Fortress (the audit log "
				   "holds %llu of their seals): restore the vault from a backup", (unsigned long long)seals);
		goto fail;
	}
	snprintf(detail, sizeof detail, "sealed %llu second-factor rows (user_totp) into the audit log", (unsigned long long)rows);
	if ((r = store_meta_put(v->st, TOTP_MARKER, "1", 1)) < 0 || (r = audit_append(v, "seal", "", "", "", "ok", detail)) < 0 ||
	    (r = store_commit(v->st)) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(v->st);
	return r;
}

/* Schema 18: a vault whose search entries were sealed one by one gets one
 * seal per client for all of its entries (store_index_seal_regroup), once,
 * in one audited transaction: every entry is checked against its own seal
 * first, and one that differs refuses the unlock (FORT_ETAMPER naming it),
 * as an older vault whose log does not verify is not sealed.  Meta
 * "index_seal" (unsealed) says "entry" until then and "client" after. */
static int index_seal_pending(fort_vault *v)
{
	unsigned char *val = NULL;
	size_t len = 0;
	int r = store_meta_get(v->st, "index_seal", &val, &len), pending;
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		return 0;
	}
	if (r < 0)
		return r;
	pending = len == 5 && memcmp(val, "entry", 5) == 0;
	free(val);
	return pending;
}

int seal_index_regroup(fort_vault *v)
{
	uint64_t entries = 0, clients = 0;
	char detail[160];
	int r;
	if (!v->sealed || !v->kr)
		return 0;
	if ((r = index_seal_pending(v)) <= 0)
		return r;
	if ((r = store_begin(v->st)) < 0)
		return r;
	/* again under the write lock: another process may have regrouped
	 * between the read above and the transaction */
	if ((r = index_seal_pending(v)) <= 0) {
		store_rollback(v->st);
		return r;
	}
	if ((r = store_index_seal_regroup(v->st, &entries, &clients)) < 0)
		goto fail;
	snprintf(detail, sizeof detail, "sealed %llu search-index entries by client (%llu clients): one seal per client",
		 (unsigned long long)entries, (unsigned long long)clients);
	if ((r = store_meta_put(v->st, "index_seal", "client", 6)) < 0 || (r = audit_append(v, "seal", "", "", "", "ok", detail)) < 0 ||
	    (r = store_commit(v->st)) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(v->st);
	return r;
}

struct first {
	fort_audit_report *out;
};

static int first_problem(void *ctx, const store_seal_check *c)
{
	struct first *f = ctx;
	f->out->ok = 0;
	f->out->bad_seq = c->seq;
	store_seal_describe(f->out->problem, sizeof f->out->problem, c, 0);
	return 1;
}

int seal_verify(fort_vault *v, fort_audit_report *out, uint64_t vouched)
{
	store_seal_check c;
	uint64_t n = 0;
	int differ = 0;
	struct first f = { out };
	int r;
	if ((r = store_seal_count(v->st, &n)) < 0)
		return r;
	if (n != vouched) {
		out->ok = 0;
		snprintf(out->problem, sizeof out->problem,
			 "the seal log holds %llu seals but the audit entries vouch for %llu: seals were %s outside Fortress",
			 (unsigned long long)n, (unsigned long long)vouched, n > vouched ? "added" : "removed");
		return 0;
	}
	/* a unique entry whose client has no record: an erasure must leave
	 * none (on SQLite the unique index has no index by client, schema 22:
	 * an erasure removes the entries by value, by a pass over the table
	 * only when those are not all known), and an entry it left would keep
	 * its live seal while a find names an erased client.  Before the
	 * seals, which would call an entry planted so only "added": this
	 * names the client. */
	{
		int64_t client;
		int erased;
		if ((r = store_uniq_orphan(v->st, &client)) < 0)
			return r;
		if (r == 1) {
			if ((erased = store_erased_has(v->st, client)) < 0)
				return erased;
			out->ok = 0;
			snprintf(out->problem, sizeof out->problem,
				 "a unique-index (e-mail, phone) entry names client c-%016llx, %s: the entry was left behind by an "
				 "erasure or added outside Fortress; restore the vault from a backup",
				 (unsigned long long)client, erased == 1 ? "who was erased" : "who has no record in this vault");
			return 0;
		}
	}
	if (!v->sealed)
		return 0;
	for (size_t i = 0; store_seal_table(i); i++) {
		if ((r = store_seal_scan(v->st, store_seal_table(i), first_problem, &f)) < 0)
			return r;
		if (!out->ok)
			return 0;
	}
	/* the rows agree with seal_head (what reads check); it must hold
	 * exactly the newest seals of the log */
	if ((r = store_seal_heads_check(v->st, &c, &differ)) < 0)
		return r;
	if (differ && c.table && c.state != STORE_SEAL_OK) {
		first_problem(&f, &c);
	} else if (differ) {
		out->ok = 0;
		out->bad_seq = c.seq;
		snprintf(out->problem, sizeof out->problem,
			 "the newest seal of %s row %lld in seal_head is not the seal log's: seal_head was edited outside Fortress",
			 c.table ? c.table : "an unknown table", (long long)c.id);
	}
	return 0;
}

static int fail_first(void *ctx, const store_seal_check *c)
{
	char msg[512];
	(void)ctx;
	store_seal_describe(msg, sizeof msg, c, 0);
	return fort_error_set(FORT_ETAMPER, "%s; run 'fortress audit verify' and restore the vault from a backup", msg);
}

int seal_check_table(fort_vault *v, const char *table)
{
	if (!v->sealed)
		return 0;
	return store_seal_scan(v->st, table, fail_first, NULL);
}
