/* audit.c - the tamper-evident audit log.
 *
 * Each entry is hashed (BLAKE2b-256) over a length-prefixed encoding of its
 * columns and the previous entry's hash, and that hash is signed with the
 * acting user's Ed25519 key.  The newest signed (seq, hash) is also kept as a
 * signed "head" in the metadata, so removing entries from the end is
 * detected; `fortress status` prints the head as an external anchor against
 * rolling back the whole file.  Failed unlocks have no key to sign with:
 * they are chained but unsigned (and so are the only entries allowed after
 * the signed head).
 *
 * The public keys that verify signatures come from the chain itself (the
 * "create" entry holds the owner's; later "user-add" entries hold others'),
 * and must match the users table too; when the vault is unlocked, the acting
 * user's key learnt from the chain must also be the one their passphrase
 * opens.  So a chain rewritten under a new key fails unless the users table
 * was rewritten as well, and then it fails at that user's next unlock and
 * verify (or against an anchor kept outside the vault).
 *
 * Two formats of entry (docs/SECURITY.md, "One signature per batch").  The
 * first: each signed entry carries the signature of its own hash.  The
 * second, written by the server's group commit (writer.c): every entry of
 * the transaction names its batch (the seq of the transaction's first
 * entry), which is hashed with it; only the last entry of each actor in
 * the batch is signed, over a statement of its hash, and through the chain
 * that signature vouches for every earlier entry.  Verify requires each
 * entry of the second format to be followed, within its batch, by a signed
 * entry of its own actor: an entry slipped in ahead of the batch, a batch
 * whose signing entry was removed, an unsigned tail are refused. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "audit/audit.h"

#define HEAD_LEN (8 + 32 + 8 + 64)

static void entry_hash(unsigned char out[32], const store_audit_row *a)
{
	static const char tag[] = "fortress-audit-v1", tag2[] = "fortress-audit-v2";
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 32);
	if (a->has_batch)
		crypto_generichash_update(&st, (const unsigned char *)tag2, sizeof tag2);
	else
		crypto_generichash_update(&st, (const unsigned char *)tag, sizeof tag);
	keys_hash_u64(&st, (uint64_t)a->seq);
	keys_hash_u64(&st, (uint64_t)a->ts);
	keys_hash_u64(&st, (uint64_t)a->actor_id);
	keys_hash_str(&st, a->actor);
	keys_hash_str(&st, a->action);
	keys_hash_str(&st, a->client);
	keys_hash_str(&st, a->fields);
	keys_hash_str(&st, a->purpose);
	keys_hash_str(&st, a->result);
	keys_hash_str(&st, a->detail);
	crypto_generichash_update(&st, a->prev, 32);
	if (a->has_seals) {
		/* entries older than the seals hash as before */
		static const char stag[] = "seals";
		crypto_generichash_update(&st, (const unsigned char *)stag, sizeof stag);
		crypto_generichash_update(&st, a->seals, 32);
	}
	if (a->has_batch)
		keys_hash_u64(&st, (uint64_t)a->batch);
	crypto_generichash_final(&st, out, 32);
}

/* What the signature of a second-format entry signs: its hash (over its
 * seq, actor, batch and the chain before it) under a tag of its own, so
 * that it is never taken for a first-format entry's or the head's. */
#define BATCH_MSG_LEN (24 + 32)
static void batch_message(unsigned char msg[BATCH_MSG_LEN], const unsigned char hash[32])
{
	memcpy(msg, "fortress-audit-batch-v1", 24);
	memcpy(msg + 24, hash, 32);
}

static void head_message(unsigned char msg[17 + 8 + 32], int64_t seq, const unsigned char hash[32])
{
	memcpy(msg, "fortress-head-v1", 17);
	for (int i = 0; i < 8; i++)
		msg[17 + i] = (unsigned char)((uint64_t)seq >> (56 - 8 * i));
	memcpy(msg + 25, hash, 32);
}

static int64_t get_i64(const unsigned char *b)
{
	uint64_t x = 0;
	for (int i = 0; i < 8; i++)
		x = x << 8 | b[i];
	return (int64_t)x;
}

static void set_i64(unsigned char *b, int64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)v >> (56 - 8 * i));
}

int audit_append_after(store *s, const keyring *kr, int64_t *tail_seq, unsigned char tail[32], int write_head,
		       int64_t batch, int sign, int64_t actor_id, const char *actor, const char *action,
		       const char *client, const char *fields, const char *purpose, const char *result, const char *detail)
{
	store_audit_row a;
	int r;
	memset(&a, 0, sizeof a);
	if (batch) {
		/* the second format: signed entries only, and the head moves
		 * to a signed one */
		if (!kr || batch > *tail_seq + 1 || (write_head && !sign))
			return fort_error_set(FORT_ERROR, "audit entry %lld of batch %lld: a batched entry needs a key, "
					      "and the head a signed entry", (long long)(*tail_seq + 1), (long long)batch);
		a.has_batch = 1;
		a.batch = batch;
	} else {
		sign = kr != NULL;
	}
	a.seq = *tail_seq + 1;
	memcpy(a.prev, tail, 32);
	a.ts = fort_now();
	a.actor_id = actor_id;
	a.actor = actor;
	a.action = action;
	a.client = client ? client : "";
	a.fields = fields ? fields : "";
	a.purpose = purpose ? purpose : "";
	a.result = result ? result : "ok";
	a.detail = detail ? detail : "";
	/* Every sealed row changed so far in this transaction is sealed by
	 * this entry (unsigned entries seal nothing: anyone can write one; a
	 * batched entry not signed itself leaves them to the next signed one). */
	if (sign && (r = store_seal_flush(s, a.seq, a.seals, &a.has_seals)) < 0)
		return r;
	entry_hash(a.hash, &a);
	if (sign && batch) {
		unsigned char msg[BATCH_MSG_LEN];
		batch_message(msg, a.hash);
		keys_sign(a.sig, kr, msg, sizeof msg);
		a.has_sig = 1;
	} else if (sign) {
		keys_sign(a.sig, kr, a.hash, 32);
		a.has_sig = 1;
	}
	if (kr && write_head) {
		unsigned char head[HEAD_LEN], msg[57];
		head_message(msg, a.seq, a.hash);
		set_i64(head, a.seq);
		memcpy(head + 8, a.hash, 32);
		set_i64(head + 40, actor_id);
		keys_sign(head + 48, kr, msg, sizeof msg);
		if ((r = store_meta_put(s, "audit_head", head, sizeof head)) < 0)
			return r;
	}
	if ((r = store_audit_append(s, &a)) < 0)
		return fort_error_prefix("the audit entry could not be written, so nothing was changed");
	*tail_seq = a.seq;
	memcpy(tail, a.hash, 32);
	return 0;
}

static int append(store *s, const keyring *kr, int64_t actor_id, const char *actor, const char *action,
		  const char *client, const char *fields, const char *purpose, const char *result, const char *detail)
{
	int64_t seq;
	unsigned char prev[32];
	int r = store_audit_tail(s, &seq, prev);
	if (r == FORT_ENOTFOUND) {
		seq = 0;
		memset(prev, 0, 32);
	} else if (r < 0) {
		return r;
	}
	return audit_append_after(s, kr, &seq, prev, 1, 0, 0, actor_id, actor, action, client, fields, purpose, result,
				  detail);
}

int audit_append(fort_vault *v, const char *action, const char *client, const char *fields,
		 const char *purpose, const char *result, const char *detail)
{
	int r;
	if (!v->kr)
		return fort_error_set(FORT_ELOCKED, "the vault is locked");
	if (result && strcmp(result, "denied") == 0)
		v->op_audited = 1; /* the operation audited its refusal itself */
	if ((r = append(v->st, v->kr, v->user_id, v->user, action, client, fields, purpose, result, detail)) == 0)
		v->op_entries++;  /* what VAULT_OP_ENTRIES counts (vault/op.h) */
	return r;
}

int audit_append_unsigned(store *s, int64_t actor_id, const char *actor, const char *action,
			  const char *result, const char *detail)
{
	int r;
	if ((r = store_begin(s)) < 0)
		return r;
	if ((r = append(s, NULL, actor_id, actor, action, "", "", "", result, detail)) < 0 ||
	    (r = store_commit(s)) < 0) {
		store_rollback(s);
		return r;
	}
	return 0;
}

int audit_record(fort_vault *v, const char *action, const char *client, const char *fields,
		 const char *purpose, const char *result, const char *detail)
{
	/* a refusal's entry committed here, not in a transaction of the
	 * caller's that may still roll back (vault/op.c) */
	int r, own = !store_tx_open(v->st), denied = result && strcmp(result, "denied") == 0;
	/* A server's handle may hand the entry to the process's group commit
	 * (writer.c): same entry, same signature, durable before this returns;
	 * only when nothing of this handle's own is waiting to be sealed. */
	if (v->aw && v->kr && own) {
		if (denied)
			v->op_audited = 2;
		if (v->aw_defer && !v->aw_defer->queued && !denied) {
			/* the caller holds its answer until CB says the entry
			 * is durable (fort_client_get_async) */
			r = audit_writer_append_async(v->aw, v->kr, v->user_id, v->user, action, client, fields, purpose, result,
						      detail, v->aw_defer->cb, v->aw_defer->arg);
			if (r == 0)
				v->aw_defer->queued = 1;
			if (r <= 0)
				return r;
			/* 1: the writer has stopped; write it here */
		} else if ((r = audit_writer_append(v->aw, v->kr, v->user_id, v->user, action, client, fields, purpose, result,
					     detail)) <= 0)
			return r;
		/* 1: the writer has stopped; write it here */
	}
	if ((r = store_begin(v->st)) < 0)
		return r;
	if ((r = audit_append(v, action, client, fields, purpose, result, detail)) < 0 ||
	    (r = store_commit(v->st)) < 0) {
		store_rollback(v->st);
		return r;
	}
	if (own && denied)
		v->op_audited = 2;
	return 0;
}

int audit_flush_finds(fort_vault *v)
{
	char detail[128];
	int r;
	if (!v->finds || !v->kr)
		return 0;
	snprintf(detail, sizeof detail, "%llu searches, %llu matches",
		 (unsigned long long)v->finds, (unsigned long long)v->find_matches);
	r = audit_record(v, "find", "", v->find_fields, "", "ok", detail);
	if (r == 0) {
		v->finds = v->find_matches = 0;
		v->find_fields[0] = '\0';
	}
	return r;
}

/* ---------------------------------------------------------------- public */

struct log_ctx {
	fort_audit_cb cb;
	void *ctx;
};

static int log_cb(void *p, const store_audit_row *a)
{
	struct log_ctx *c = p;
	/* a batched entry is signed by its actor's signature later in its batch */
	fort_audit_entry e = { a->seq, a->ts, a->actor, a->action, a->client, a->fields,
			       a->purpose, a->result, a->detail, a->has_sig || a->has_batch };
	return c->cb(c->ctx, &e);
}

int fort_audit_log(fort_vault *v, const char *client, fort_audit_cb cb, void *ctx)
{
	struct log_ctx c = { cb, ctx };
	int r;
	if ((r = vault_need_unlocked(v)) < 0)
		return r;
	if ((r = store_audit_each(v->st, client, log_cb, &c)) != 0)
		return r;
	return audit_record(v, "audit-log", client ? client : "", "", "", "ok", "");
}

#define MAX_SIGNERS 256

struct verify_ctx {
	fort_audit_report *out;
	store *st;
	uint64_t sealed_rows;
	int64_t expect_seq;
	unsigned char prev[32];
	struct { int64_t id; unsigned char pk[32]; } signer[MAX_SIGNERS];
	size_t nsigners;
	int64_t head_seq;
	unsigned char head_hash[32];
	int has_head;
	int head_seen;
	int anchor_seen;
	int64_t anchor_seq;
	unsigned char anchor_hash[32];
	int has_anchor;
	/* the batch of second-format entries the walk is in (0: none), and
	 * its actors still waiting for their signature: the first such seq */
	int64_t batch;
	struct { int64_t actor, seq; } pending[MAX_SIGNERS];
	size_t npending;
};

static int bad(struct verify_ctx *c, int64_t seq, const char *what, const char *why)
{
	c->out->ok = 0;
	c->out->bad_seq = seq;
	snprintf(c->out->problem, sizeof c->out->problem, "entry %lld %s: %s", (long long)seq, what, why);
	return 1; /* stop the walk */
}

/* "sign_pk=HEX" in a create, user-add or token-create entry's detail
 * registers a signer (a token signs its own entries with its own key). */
static void learn_signer(struct verify_ctx *c, const store_audit_row *a)
{
	const char *p;
	unsigned char pk[32];
	char hex[65];
	if (strcmp(a->action, "create") != 0 && strcmp(a->action, "user-add") != 0 && strcmp(a->action, "token-create") != 0)
		return;
	if (!(p = strstr(a->detail, "sign_pk=")) || strlen(p + 8) < 64)
		return;
	memcpy(hex, p + 8, 64);
	hex[64] = '\0';
	if (fort_unhex(pk, 32, hex) < 0 || c->nsigners >= MAX_SIGNERS)
		return;
	/* user-add names the new user's id as "user_id=N" */
	int64_t id = a->actor_id;
	const char *q = strstr(a->detail, "user_id=");
	if (q)
		id = strtoll(q + 8, NULL, 10);
	c->signer[c->nsigners].id = id;
	memcpy(c->signer[c->nsigners].pk, pk, 32);
	c->nsigners++;
}

static const unsigned char *signer_pk(struct verify_ctx *c, int64_t id)
{
	for (size_t i = c->nsigners; i-- > 0;)
		if (c->signer[i].id == id)
			return c->signer[i].pk;
	return NULL;
}

/* The walk leaves a batch: every entry of it must have been vouched for by
 * a signature of its own actor after it, within the batch. */
static int close_batch(struct verify_ctx *c)
{
	int64_t first = 0;
	for (size_t i = 0; i < c->npending; i++)
		if (!first || c->pending[i].seq < first)
			first = c->pending[i].seq;
	c->batch = 0;
	c->npending = 0;
	if (first)
		return bad(c, first, "is not vouched for by a signature of its actor in its batch",
			   "its signed entry was removed, or it was forged (an unsigned tail, or an entry slipped in)");
	return 0;
}

static int verify_cb(void *p, const store_audit_row *a)
{
	struct verify_ctx *c = p;
	unsigned char h[32];
	const unsigned char *pk;
	c->out->entries++;
	if (a->seq != c->expect_seq) {
		if (a->seq > c->expect_seq)
			return bad(c, c->expect_seq, "is missing (the log jumps to a later entry)", "an entry was removed");
		return bad(c, a->seq, "is out of order", "entries were reordered or duplicated");
	}
	if (memcmp(a->prev, c->prev, 32) != 0)
		return bad(c, a->seq, "does not link to the entry before it", "an entry before it was changed, removed or reordered");
	entry_hash(h, a);
	if (memcmp(h, a->hash, 32) != 0)
		return bad(c, a->seq, "was changed after it was written", "its hash does not match its content");
	if (a->has_batch && a->batch < 1)
		return bad(c, a->seq, "names no batch", "forged");
	if (c->batch && (!a->has_batch || a->batch != c->batch) && close_batch(c))
		return 1;
	if (a->has_batch && a->batch != c->batch) {
		/* a batch begins at its first entry */
		if (a->batch != a->seq)
			return bad(c, a->seq, "names a batch it is not part of", "entries were moved between batches or forged");
		c->batch = a->batch;
	}
	if (a->has_seals) {
		unsigned char d[32];
		uint64_t n = 0;
		int r;
		if (!a->has_sig)
			return bad(c, a->seq, "seals rows but is not signed", "forged");
		if ((r = store_seal_digest(c->st, a->seq, d, &n)) < 0)
			return r;
		if (!n || sodium_memcmp(d, a->seals, 32) != 0)
			return bad(c, a->seq, "does not match the seals it wrote",
				   "the record of which rows it changed was edited outside Fortress");
		c->sealed_rows += n;
	}
	if (a->has_sig) {
		if (a->seq == 1)
			learn_signer(c, a);
		if (!(pk = signer_pk(c, a->actor_id)))
			return bad(c, a->seq, "is signed by an unknown user", "forged");
		if (a->has_batch) {
			unsigned char msg[BATCH_MSG_LEN];
			batch_message(msg, a->hash);
			if (keys_verify(a->sig, pk, msg, sizeof msg) != 0)
				return bad(c, a->seq, "has a signature that does not verify", "forged, altered or moved");
			/* vouches for its actor's entries before it in the batch */
			for (size_t i = 0; i < c->npending; i++)
				if (c->pending[i].actor == a->actor_id) {
					c->pending[i] = c->pending[--c->npending];
					break;
				}
		} else if (keys_verify(a->sig, pk, a->hash, 32) != 0) {
			return bad(c, a->seq, "has a signature that does not verify", "forged or altered");
		}
		if (a->seq != 1)
			learn_signer(c, a);
		if (c->head_seen)
			return bad(c, a->seq, "is signed but comes after the signed head", "entries were added without the head");
	} else if (a->has_batch) {
		/* vouched for by its actor's signature later in the batch */
		size_t i;
		if (c->head_seen)
			return bad(c, a->seq, "comes after the signed head", "entries were added without the head");
		for (i = 0; i < c->npending && c->pending[i].actor != a->actor_id; i++)
			;
		if (i == c->npending) {
			if (c->npending >= MAX_SIGNERS)
				return bad(c, a->seq, "is in a batch of too many actors", "forged");
			c->pending[c->npending].actor = a->actor_id;
			c->pending[c->npending].seq = a->seq;
			c->npending++;
		}
	} else if (strcmp(a->action, "unlock-failed") != 0 && strcmp(a->action, "user-request") != 0 &&
		   strcmp(a->action, "invite-join") != 0) {
		/* invite-join: an invitee's join and refused invitation links
		 * (src/auth/invite.c), written by someone who holds no key yet */
		return bad(c, a->seq, "is not signed", "only failed unlocks, requests to join and joins by invitation may be "
			   "unsigned; this one was forged");
	}
	if (c->has_head && a->seq == c->head_seq) {
		if (memcmp(a->hash, c->head_hash, 32) != 0)
			return bad(c, a->seq, "differs from the signed head", "the log was rewritten");
		c->head_seen = 1;
	}
	if (c->has_anchor && a->seq == c->anchor_seq) {
		if (memcmp(a->hash, c->anchor_hash, 32) != 0)
			return bad(c, a->seq, "differs from the anchor you gave", "the log was rewritten since the anchor was taken");
		c->anchor_seen = 1;
	}
	memcpy(c->prev, a->hash, 32);
	c->expect_seq++;
	c->out->head_seq = a->seq;
	fort_hex(c->out->head, a->hash, 32);
	return 0;
}

int fort_audit_verify(fort_audit_report *out, fort_vault *v, const char *anchor)
{
	struct verify_ctx *c;
	unsigned char *head = NULL;
	size_t headlen = 0;
	int r, snap = 0;
	memset(out, 0, sizeof *out);
	out->ok = 1;
	out->bad_seq = -1;
	if (!(c = fort_calloc(1, sizeof *c)))
		return FORT_ENOMEM;
	c->out = out;
	c->st = v->st;
	c->expect_seq = 1;
	if (anchor) {
		const char *colon = strchr(anchor, ':');
		char *end;
		c->anchor_seq = colon ? strtoll(anchor, &end, 10) : 0;
		if (!colon || end != colon || c->anchor_seq < 1 || fort_unhex(c->anchor_hash, 32, colon + 1) < 0) {
			r = fort_error_set(FORT_EINPUT, "the anchor must look like SEQ:HASH, as 'fortress status' prints it");
			goto out;
		}
		c->has_anchor = 1;
	}
	/* one snapshot: a commit by another process while the log, the seals
	 * and the rows are read must not look like rows sealed outside Fortress */
	if ((r = store_read_begin(v->st)) < 0)
		goto out;
	snap = 1;
	r = store_meta_get(v->st, "audit_head", &head, &headlen);
	if (r == 0 && headlen == HEAD_LEN) {
		c->has_head = 1;
		c->head_seq = get_i64(head);
		memcpy(c->head_hash, head + 8, 32);
	} else if (r < 0 && r != FORT_ENOTFOUND) {
		goto out;
	}
	r = store_audit_each(v->st, NULL, verify_cb, c);
	if (r < 0)
		goto out;
	r = 0;
	if (out->ok && (c->batch || c->npending))
		close_batch(c);   /* the log ends in a batch: no unsigned tail */
	if (!out->ok)
		goto out;
	if (!c->has_head) {
		out->ok = 0;
		snprintf(out->problem, sizeof out->problem, "the signed head of the audit log is missing: the log was tampered with");
		goto out;
	}
	{
		/* the head itself must be signed by the user who wrote that entry */
		unsigned char msg[57];
		const unsigned char *pk = signer_pk(c, get_i64(head + 40));
		head_message(msg, c->head_seq, c->head_hash);
		if (!pk || keys_verify(head + 48, pk, msg, sizeof msg) != 0) {
			out->ok = 0;
			snprintf(out->problem, sizeof out->problem, "the signed head of the audit log does not verify: it was forged");
			goto out;
		}
	}
	if (!c->head_seen) {
		out->ok = 0;
		out->bad_seq = c->head_seq;
		snprintf(out->problem, sizeof out->problem,
			 "the log ends at entry %lld but the signed head names entry %lld: entries were removed from the end (truncation)",
			 (long long)(c->expect_seq - 1), (long long)c->head_seq);
		goto out;
	}
	/* the keys learnt from the chain must be the users' keys */
	for (size_t i = 0; i < c->nsigners; i++) {
		store_user u;
		int same, gr = store_user_get_by_id(v->st, &u, c->signer[i].id);
		if (gr < 0 && gr != FORT_ENOTFOUND) {
			r = gr;   /* out of memory, I/O: not a forgery */
			goto out;
		}
		if (gr < 0) {
			out->ok = 0;
			out->bad_seq = 1;
			snprintf(out->problem, sizeof out->problem, "entry 1 or a user-add entry names user %lld, who is not in the vault: the log was forged",
				 (long long)c->signer[i].id);
			goto out;
		}
		same = sodium_memcmp(u.sign_pk, c->signer[i].pk, 32) == 0;
		if (same && v->kr && c->signer[i].id == v->user_id)
			same = sodium_memcmp(v->kr->sign_pk, c->signer[i].pk, 32) == 0;
		store_user_release(&u);
		if (!same) {
			out->ok = 0;
			out->bad_seq = 1;
			snprintf(out->problem, sizeof out->problem,
				 "entry 1: the log is signed with a key that is not user %lld's: the whole log was forged",
				 (long long)c->signer[i].id);
			goto out;
		}
	}
	if ((r = seal_verify(v, out, c->sealed_rows)) < 0 || !out->ok)
		goto out;
	if (c->has_anchor && !c->anchor_seen) {
		out->ok = 0;
		out->bad_seq = c->anchor_seq;
		snprintf(out->problem, sizeof out->problem,
			 "the anchor names entry %lld but the log ends at entry %lld: the log was truncated or rolled back",
			 (long long)c->anchor_seq, (long long)(c->expect_seq - 1));
	}
out:
	/* only the snapshot opened here ends (they nest) */
	if (snap)
		store_read_end(v->st);
	free(head);
	free(c);
	return r;
}
