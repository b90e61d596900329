/* audit.h - the audit trail (src/audit/): the signed hash chain, the seals
 * of the sealed tables, the exports record (audit/exports.h).  Below the
 * vault (docs/conventions.md, "Layers"): it reads the handle's fields
 * (vault/handle.h) and calls nothing in src/vault. */
#ifndef FORT_AUDIT_H
#define FORT_AUDIT_H

#include "vault/handle.h"

/* audit.c: append an entry signed by the acting user, inside the caller's
 * transaction.  Fail closed: an error here must abort the operation. */
int audit_append(fort_vault *v, const char *action, const char *client, const char *fields,
		 const char *purpose, const char *result, const char *detail) FORT_WUR;
/* Append an unsigned entry (failed unlock: no key to sign with). */
int audit_append_unsigned(store *s, int64_t actor_id, const char *actor, const char *action,
			  const char *result, const char *detail);
/* Write the pending search summary (at close). */
int audit_flush_finds(fort_vault *v);

/* seal.c: the sealed rows (client records, indexes, ledgers) against the
 * audit log.  seal_open at every open (a locked vault too); seal_upgrade
 * once unlocked: an older vault's rows are sealed, audited, at its first
 * unlock; seal_create inside the creating transaction. */
int seal_open(fort_vault *v) FORT_WUR;
int seal_upgrade(fort_vault *v) FORT_WUR;
/* A sealed vault whose seals predate the user_totp table's: seal its rows
 * as they stand (audited "seal"), once; FORT_ETAMPER if the table has
 * seals but its marker is gone.  Needs the keys; nothing when locked. */
int seal_adopt(fort_vault *v) FORT_WUR;
int seal_index_regroup(fort_vault *v) FORT_WUR; /* schema 19: search entries sealed per client */
int seal_create(fort_vault *v) FORT_WUR;
/* Called by fort_audit_verify after the chain verified: the number of
 * seals it vouched for must be all there are, and every sealed table must
 * match its seals (OUT->ok 0 and the problem set otherwise). */
int seal_verify(fort_vault *v, fort_audit_report *out, uint64_t vouched) FORT_WUR;
/* Check TABLE whole now: FORT_ETAMPER naming the first row that differs. */
int seal_check_table(fort_vault *v, const char *table) FORT_WUR;
/* Append after the entry (*TAIL_SEQ, TAIL) in the caller's transaction on S,
 * signed with KR (NULL: unsigned); WRITE_HEAD: the signed head moves to it.
 * BATCH 0: the first format, the entry signed alone (SIGN ignored).  Else
 * the second format (audit.c): BATCH is the seq of the transaction's first
 * entry; SIGN 1 on the last entry of each actor in the transaction (its
 * signature vouches for that actor's earlier ones), 0 on the others; KR is
 * needed either way, and WRITE_HEAD only with SIGN.  On success *TAIL_SEQ
 * and TAIL name the new entry. */
int audit_append_after(store *s, const keyring *kr, int64_t *tail_seq, unsigned char tail[32], int write_head,
		       int64_t batch, int sign, int64_t actor_id, const char *actor, const char *action,
		       const char *client, const char *fields, const char *purpose, const char *result,
		       const char *detail) FORT_WUR;

/* writer.c: the group commit.  Queue one entry signed with KR (which must
 * stay valid until this returns) and wait until the transaction that holds
 * it has committed: 0, or the commit's error for every entry it held; 1
 * when the writer has stopped (write the entry yourself). */
int audit_writer_append(struct fort_audit_writer *w, const keyring *kr, int64_t actor_id, const char *actor,
			const char *action, const char *client, const char *fields, const char *purpose,
			const char *result, const char *detail);
/* The same without waiting (a server's suspended request): the strings are
 * copied; CB(ARG, CODE, MSG) is called once, on the thread that committed
 * the batch holding the entry, after its transaction committed (CODE 0) or
 * failed (the error for every entry it held).  KR must stay valid until
 * then.  0: queued; 1: the writer has stopped (write it yourself), CB not
 * called; < 0: an error, CB not called. */
int audit_writer_append_async(struct fort_audit_writer *w, const keyring *kr, int64_t actor_id, const char *actor,
			      const char *action, const char *client, const char *fields, const char *purpose,
			      const char *result, const char *detail, void (*cb)(void *, int, const char *), void *arg);
/* A handle's request whose entry may be queued without waiting
 * (fort_client_get_async, fort_vault_flush_async): set as V->aw_defer
 * around the call; audit_record queues its first successful entry through
 * the group commit with CB and sets QUEUED, instead of waiting. */
typedef struct audit_defer {
	void (*cb)(void *, int, const char *);
	void *arg;
	int queued;
} audit_defer;

/* Did the chain move from (*SEQ, HASH) to (TAIL_SEQ, TAIL_HASH) by the
 * writer's commits alone (one at least)?  1: yes, and *SEQ, HASH become the
 * tail; 0: not known (someone else committed, or too long ago). */
int audit_writer_covers(struct fort_audit_writer *w, int64_t *seq, unsigned char hash[32], int64_t tail_seq,
			const unsigned char tail_hash[32]);
/* The same by WAL positions (store_read_mark), without reading the tail:
 * did the file move from MARK to NOW by the writer's commits alone (one at
 * least), each commit's position before it the one the commit before left
 * (store_commit_marks, read with the write lock held)?  1: yes, MARK
 * becomes NOW and (*SEQ, HASH) the chain's tail the last of them left;
 * 0: not known (someone else committed, a position not known, too long
 * ago): read the tail (audit_writer_covers). */
int audit_writer_covers_mark(struct fort_audit_writer *w, uint32_t mark[3], const uint32_t now[3], int64_t *seq,
			     unsigned char hash[32]);

/* Append an entry in its own transaction (denials); through the handle's
 * group commit when it has one and no transaction of its own is open. */
int audit_record(fort_vault *v, const char *action, const char *client, const char *fields,
		 const char *purpose, const char *result, const char *detail);

#endif
