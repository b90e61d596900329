/* writer.c - group commit of audit entries, for a server (issue 17).
 *
 * Every read is audited before it is answered, and an entry is durable
 * only once its transaction has committed (synchronous=FULL: an fsync).
 * One transaction per read makes the fsync the price of every request.
 * Here the writer has its own connection to the vault, and its commits
 * are made by the requests' own threads, one leader at a time (LevelDB's
 * writer queue): a request that finds no commit in flight commits its
 * entry at once on its thread; entries that arrive while a commit is in
 * flight are queued, and when it is done the leader wakes the first of
 * them to lead the next batch, which takes every entry queued by then: it
 * appends them to the chain in one transaction (in the second format,
 * audit.c: each actor signs once, their last entry of the batch; the
 * signed head moves once, to the last), commits, and only then wakes the
 * others of its batch.  No thread of the writer's own to wake and put to
 * sleep per batch (bench/README.md, issue 17 third session).  So a read
 * still never answers before its entry is durable, the chain order is the
 * commit order, and a failed commit (a full disk) writes nothing and gives
 * every entry it held the same error.  Stopping waits for the queue to be
 * written.
 *
 * The writer's commits are audit entries only: a handle that sees the file
 * changed (PRAGMA data_version) and finds that the chain moved by the
 * writer's batches alone, with no other commit between them (the writer
 * asks SQLite at each batch, holding the write lock), need not read the
 * vault again nor check its ledgers whole again (audit_writer_covers,
 * fort_vault_refresh).  A commit of someone else after the writer's last
 * batch is seen at the handle's next request.  On SQLite in WAL mode each
 * batch also notes where the WAL stood before its commit (write lock held)
 * and where the commit left it (store_commit_marks): a handle whose
 * request snapshot is reached from its last one by such commits alone,
 * each beginning where the one before ended, need not read the chain's
 * tail at all (audit_writer_covers_mark).
 *
 * An entry may also be queued without a thread waiting for it
 * (audit_writer_append_async, for a server that suspends the request's
 * connection instead of putting a thread to sleep per request): its
 * strings are copied, and its callback is called once its batch has
 * committed or failed.  No request thread then leads its batch, so the
 * writer has one thread of its own, woken only when such an entry finds no
 * commit in flight or heads the queue when a commit ends; it leads batches
 * while their head is such an entry.  Either way an entry is signalled
 * done only after the transaction holding it has committed. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "audit/audit.h"

#define BATCH_MAX 256   /* entries in one transaction */
#define RING 256        /* the writer's last commits, for audit_writer_covers */

typedef struct aw_entry {
	struct aw_entry *next;
	const keyring *kr;
	int64_t actor_id;
	const char *actor, *action, *client, *fields, *purpose, *result, *detail;
	int code;
	int lead;       /* set before done is posted: lead the next batch (lead()) */
	char msg[512];
	sem_t done;     /* posted once its batch committed or failed, or to lead */
	/* audit_writer_append_async: no waiter, called once committed or
	 * failed; the entry (and its strings, after it) is heap memory */
	void (*cb)(void *arg, int code, const char *msg);
	void *cb_arg;
} aw_entry;

struct fort_audit_writer {
	pthread_mutex_t mu;
	pthread_cond_t idle;    /* nobody leads any more (leading went to 0) */
	aw_entry *head, *tail;  /* queued, not yet in a batch */
	int stop;
	int leading;            /* a request's thread is writing a batch (lead()) */
	int kick;               /* the writer's thread is to lead (an async entry heads the queue) */
	int thread_up;          /* the writer's thread runs (started at the first async entry) */
	pthread_t thread;
	pthread_cond_t work;    /* kick set, or stop */
	store *st;
	char *path;
	/* the chain moved from PREV (seq FIRST - 1) to LAST (seq LAST_SEQ) by one commit */
	struct {
		int64_t first, last_seq;
		unsigned char prev[32], last[32];
		int foreign;    /* another connection committed since the writer's commit before */
		int marked;     /* the WAL's positions before and after it are known (store_commit_marks) */
		uint32_t before[3], after[3];
	} ring[RING];
	unsigned nring, ring_at;
	uint64_t commits, entries, failed;
};

static int write_batch(fort_audit_writer *w, aw_entry *list, int64_t *first, unsigned char prev[32], int64_t *last_seq,
		       unsigned char last[32], int *foreign, int *marked, uint32_t before[3], uint32_t after[3])
{
	int64_t seq;
	unsigned char tail[32];
	int r;
	if ((r = store_begin(w->st)) < 0)
		return r;
	/* with the write lock held: did anyone else commit since our last
	 * commit (a change with no audit entry too: the sign-in throttle, an
	 * edit outside Fortress)?  Then a handle must read the vault again. */
	if ((r = store_changed(w->st)) < 0)
		goto fail;
	*foreign = r;
	r = store_audit_tail(w->st, &seq, tail);
	if (r == FORT_ENOTFOUND) {
		seq = 0;
		memset(tail, 0, 32);
	} else if (r < 0) {
		goto fail;
	}
	*first = seq + 1;
	memcpy(prev, tail, 32);
	for (aw_entry *e = list; e; e = e->next) {
		/* one signature per actor and batch: on the actor's last entry
		 * of it, vouching through the chain for their earlier ones */
		aw_entry *later = e->next;
		while (later && later->actor_id != e->actor_id)
			later = later->next;
		if ((r = audit_append_after(w->st, e->kr, &seq, tail, e->next == NULL, *first, later == NULL, e->actor_id,
					    e->actor, e->action, e->client, e->fields, e->purpose, e->result, e->detail)) < 0)
			goto fail;
	}
	if ((r = store_commit(w->st)) < 0)
		goto fail;
	*marked = store_commit_marks(w->st, before, after) == 1;
	*last_seq = seq;
	memcpy(last, tail, 32);
	return 0;
fail:
	store_rollback(w->st);
	return r;
}

/* The leader's work, called with W->mu held and W->leading set for it:
 * the queue from its head (SELF's entry: a leader is always the head) up
 * to BATCH_MAX entries written and committed on this thread, the batch's
 * other entries posted done, the lead handed to the queue's new head if
 * entries arrived meanwhile, else given up.  Returns with W->mu released
 * and SELF done.  The caller's error state and refusal owner are kept:
 * the batch's store calls report on this thread, and its entries are
 * everyone's, not the operation this thread runs. */
static void lead(fort_audit_writer *w, aw_entry *self)
{
	aw_entry *list, *e;
	size_t n = 0;
	int64_t first = 0, last_seq = 0;
	unsigned char prev[32], last[32];
	int r, code = 0, foreign = 1, marked = 0, saved_code = fort_error_code();
	uint32_t before[3], after[3];
	uint64_t saved_owner;
	char msg[512] = "", saved_msg[1024];

	/* at most BATCH_MAX: the rest go in the next transaction */
	list = w->head;
	for (e = list; ++n < BATCH_MAX && e->next; e = e->next)
		;
	w->head = e->next;
	if (!w->head)
		w->tail = NULL;
	e->next = NULL;
	pthread_mutex_unlock(&w->mu);

	if (saved_code)
		snprintf(saved_msg, sizeof saved_msg, "%s", fort_error_message());
	saved_owner = fort_error_owner_swap(0);
	fort_error_clear();
	r = write_batch(w, list, &first, prev, &last_seq, last, &foreign, &marked, before, after);
	if (r < 0) {
		code = fort_error_code() ? fort_error_code() : r;
		snprintf(msg, sizeof msg, "%s", fort_error_message());
	}
	fort_error_clear();
	(void)fort_error_owner_swap(saved_owner);
	if (saved_code)
		fort_error_restore(saved_code, saved_msg);

	pthread_mutex_lock(&w->mu);
	if (r == 0) {
		w->commits++;
		w->entries += n;
		w->ring[w->ring_at].first = first;
		w->ring[w->ring_at].last_seq = last_seq;
		memcpy(w->ring[w->ring_at].prev, prev, 32);
		memcpy(w->ring[w->ring_at].last, last, 32);
		w->ring[w->ring_at].foreign = foreign;
		w->ring[w->ring_at].marked = marked;
		if (marked) {
			memcpy(w->ring[w->ring_at].before, before, sizeof before);
			memcpy(w->ring[w->ring_at].after, after, sizeof after);
		}
		w->ring_at = (w->ring_at + 1) % RING;
		if (w->nring < RING)
			w->nring++;
	} else {
		w->failed += n;
	}
	/* entries queued during the commit: their first leads the next
	 * batch (woken once, as it would be for its own entry); none: the
	 * next entry to come leads at once, without sleeping */
	if (w->head && w->head->cb) {
		/* nobody waits on an async entry: the writer's thread leads */
		w->kick = 1;
		pthread_cond_signal(&w->work);
	} else if (w->head) {
		w->head->lead = 1;
		sem_post(&w->head->done);
	} else {
		w->leading = 0;
		pthread_cond_broadcast(&w->idle);
	}
	pthread_mutex_unlock(&w->mu);
	/* wake the rest of this batch, and only them; E lives on its
	 * waiter's stack: gone once posted.  An async entry's callback is
	 * called here, after the commit (or with its error), then freed. */
	for (e = list; e;) {
		aw_entry *next = e->next;
		e->code = code;
		if (code)
			memcpy(e->msg, msg, sizeof e->msg);
		if (e->cb) {
			e->cb(e->cb_arg, code, code ? e->msg : "");
			sodium_memzero(e, sizeof *e);
			free(e);
		} else if (e != self) {
			sem_post(&e->done);
		}
		e = next;
	}
}

/* The writer's own thread: leads the batches whose head is an async entry
 * (nobody waits on those to lead).  Ends at stop once nothing is queued. */
static void *writer_thread(void *p)
{
	fort_audit_writer *w = p;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->kick && !w->stop)
			pthread_cond_wait(&w->work, &w->mu);
		if (w->kick) {
			w->kick = 0;
			/* leading is already 1 for it (set by whoever kicked) */
			lead(w, NULL);
			pthread_mutex_lock(&w->mu);
			continue;
		}
		if (w->stop && !w->leading)
			break;
		/* stop while another thread leads: wait for its hand-over */
		pthread_cond_wait(&w->work, &w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int audit_writer_append_async(fort_audit_writer *w, const keyring *kr, int64_t actor_id, const char *actor,
			      const char *action, const char *client, const char *fields, const char *purpose,
			      const char *result, const char *detail, void (*cb)(void *, int, const char *), void *arg)
{
	const char *in[7] = { actor, action, client, fields, purpose, result, detail };
	size_t len[7], total = sizeof(aw_entry);
	aw_entry *e;
	char *p;
	for (int i = 0; i < 7; i++)
		total += (len[i] = strlen(in[i] ? in[i] : "")) + 1;
	if (!(e = fort_calloc(1, total)))
		return FORT_ENOMEM;
	p = (char *)(e + 1);
	{
		const char **outp[7] = { &e->actor, &e->action, &e->client, &e->fields, &e->purpose, &e->result, &e->detail };
		for (int i = 0; i < 7; i++) {
			memcpy(p, in[i] ? in[i] : "", len[i] + 1);
			*outp[i] = p;
			p += len[i] + 1;
		}
	}
	e->kr = kr;
	e->actor_id = actor_id;
	e->cb = cb;
	e->cb_arg = arg;
	pthread_mutex_lock(&w->mu);
	if (w->stop) {
		pthread_mutex_unlock(&w->mu);
		sodium_memzero(e, total);
		free(e);
		return 1;
	}
	if (!w->thread_up) {
		int err = pthread_create(&w->thread, NULL, writer_thread, w);
		if (err) {
			pthread_mutex_unlock(&w->mu);
			sodium_memzero(e, total);
			free(e);
			return fort_error_set(FORT_ERROR, "cannot start the audit writer's thread: %s", strerror(err));
		}
		w->thread_up = 1;
	}
	if (w->tail)
		w->tail->next = e;
	else
		w->head = e;
	w->tail = e;
	if (!w->leading) {
		/* no commit in flight: the writer's thread commits it (this
		 * thread goes on serving other requests) */
		w->leading = 1;
		w->kick = 1;
		pthread_cond_signal(&w->work);
	}
	pthread_mutex_unlock(&w->mu);
	return 0;
}

int fort_audit_writer_new(fort_audit_writer **out, const char *path)
{
	fort_audit_writer *w;
	int r;
	*out = NULL;
	if (!path)
		return fort_error_set(FORT_EINPUT, "fort_audit_writer_new needs the vault's path");
	if (!(w = fort_calloc(1, sizeof *w)))
		return FORT_ENOMEM;
	if (!(w->path = fort_strdup(path))) {
		free(w);
		return FORT_ENOMEM;
	}
	if ((r = store_open(&w->st, path, 0)) < 0 || (r = store_changed(w->st)) < 0) {
		store_close(w->st);
		free(w->path);
		free(w);
		return r;
	}
	/* the entries it appends are not read again: without this, their
	 * pages stayed in its cache up to 64 MiB (RSS growing ~300 bytes a
	 * request, the server's largest allocation after a long run) */
	store_append_only(w->st);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->idle, NULL);
	pthread_cond_init(&w->work, NULL);
	*out = w;
	return 0;
}

void fort_audit_writer_free(fort_audit_writer *w)
{
	if (!w)
		return;
	/* no new entries; those queued are written by their leaders first */
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->work);
	while (w->leading)
		pthread_cond_wait(&w->idle, &w->mu);
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	if (w->thread_up)
		pthread_join(w->thread, NULL);
	store_close(w->st);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->idle);
	pthread_mutex_destroy(&w->mu);
	free(w->path);
	free(w);
}

void fort_audit_writer_stats(const fort_audit_writer *w, uint64_t *commits, uint64_t *entries, uint64_t *failed)
{
	fort_audit_writer *m = (fort_audit_writer *)w;
	pthread_mutex_lock(&m->mu);
	if (commits)
		*commits = w->commits;
	if (entries)
		*entries = w->entries;
	if (failed)
		*failed = w->failed;
	pthread_mutex_unlock(&m->mu);
}

/* Two ways to wait for a commit, on purpose (review, issue 17): this one,
 * where the caller's thread sleeps on its entry (a semaphore on its
 * stack) or leads the batch itself, and audit_writer_append_async's
 * callback.  Either could be written with the other only at a cost:
 *   - this through the async one (a callback posting a semaphore) would
 *     hand every synchronous commit to the writer's thread: a wake-up of
 *     that thread and of the caller per batch where now the caller with no
 *     commit in flight commits on its own thread and sleeps not at all
 *     (bench/README.md, issue 17 third session: the writer's sleep and
 *     wake-up are what that session removed), a heap copy of the entry's
 *     strings, and a thread in every process that writes (the CLI too);
 *   - the async one through this would need a thread to sleep per entry,
 *     which is what the held answers exist to avoid.
 * Both share the queue, the batches and lead(): only the wait differs. */
int audit_writer_append(fort_audit_writer *w, const keyring *kr, int64_t actor_id, const char *actor,
			const char *action, const char *client, const char *fields, const char *purpose,
			const char *result, const char *detail)
{
	aw_entry e;
	memset(&e, 0, sizeof e);
	e.kr = kr;
	e.actor_id = actor_id;
	e.actor = actor;
	e.action = action;
	e.client = client;
	e.fields = fields;
	e.purpose = purpose;
	e.result = result;
	e.detail = detail;
	if (sem_init(&e.done, 0, 0) < 0)
		return fort_error_set(FORT_ERROR, "cannot wait for the audit writer: %s", strerror(errno));
	pthread_mutex_lock(&w->mu);
	if (w->stop) {
		pthread_mutex_unlock(&w->mu);
		sem_destroy(&e.done);
		return 1;
	}
	if (w->tail)
		w->tail->next = &e;
	else
		w->head = &e;
	w->tail = &e;
	if (!w->leading) {
		/* no commit in flight (so nothing queued before E): this
		 * thread commits E, and whatever is queued by the time it
		 * begins, itself */
		w->leading = 1;
		lead(w, &e);
	} else {
		/* the leader's batch is being committed: E goes in the next,
		 * led by the entry at its head */
		pthread_mutex_unlock(&w->mu);
		while (sem_wait(&e.done) < 0 && errno == EINTR)
			;
		if (e.lead) {
			pthread_mutex_lock(&w->mu);
			lead(w, &e);
		}
	}
	sem_destroy(&e.done);
	if (e.code)
		return fort_error_set(e.code, "%s", e.msg);
	return 0;
}

int audit_writer_covers(fort_audit_writer *w, int64_t *seq, unsigned char hash[32], int64_t tail_seq,
			const unsigned char tail_hash[32])
{
	int64_t s = *seq;
	unsigned char h[32];
	int ok = 0, steps = 0;
	memcpy(h, hash, 32);
	pthread_mutex_lock(&w->mu);
	/* at least one commit of the writer: a change that moved no entry
	 * (made outside Fortress, or one no handle keeps) is read again */
	while (!(ok = steps > 0 && s == tail_seq && memcmp(h, tail_hash, 32) == 0)) {
		unsigned i, found = 0;
		/* the commit that follows (s, h), newest first */
		for (i = 0; i < w->nring && !found; i++) {
			unsigned k = (w->ring_at + RING - 1 - i) % RING;
			if (w->ring[k].first == s + 1 && memcmp(w->ring[k].prev, h, 32) == 0 && !w->ring[k].foreign) {
				s = w->ring[k].last_seq;
				memcpy(h, w->ring[k].last, 32);
				found = 1;
				steps++;
			}
		}
		if (!found || s > tail_seq)
			break;
	}
	pthread_mutex_unlock(&w->mu);
	if (ok) {
		*seq = s;
		memcpy(hash, h, 32);
	}
	return ok;
}

int audit_writer_covers_mark(fort_audit_writer *w, uint32_t mark[3], const uint32_t now[3], int64_t *seq,
			     unsigned char hash[32])
{
	uint32_t m[3];
	int64_t s = 0;
	unsigned char h[32];
	int ok = 0, steps = 0;
	memcpy(m, mark, sizeof m);
	pthread_mutex_lock(&w->mu);
	while (!(ok = steps > 0 && memcmp(m, now, sizeof m) == 0)) {
		unsigned i, found = 0;
		/* the commit that began where the file stood at M: nobody
		 * committed between (its position before it was read with the
		 * write lock held); newest first */
		for (i = 0; i < w->nring && !found; i++) {
			unsigned k = (w->ring_at + RING - 1 - i) % RING;
			if (w->ring[k].marked && memcmp(w->ring[k].before, m, sizeof m) == 0) {
				memcpy(m, w->ring[k].after, sizeof m);
				s = w->ring[k].last_seq;
				memcpy(h, w->ring[k].last, 32);
				found = 1;
				steps++;
			}
		}
		if (!found || steps > (int)RING)
			break;
	}
	pthread_mutex_unlock(&w->mu);
	if (ok) {
		memcpy(mark, m, sizeof m);
		*seq = s;
		memcpy(hash, h, 32);
	}
	return ok;
}

int fort_vault_use_audit_writer(fort_vault *v, fort_audit_writer *w)
{
	if (!v)
		return fort_error_set(FORT_EINPUT, "fort_vault_use_audit_writer needs a vault handle");
	/* where the chain stood is learnt at the next full refresh */
	v->aw_seen = 0;
	v->aw_marked = 0;
	if (!w) {
		v->aw = NULL;
		return 0;
	}
	if (strcmp(v->path, w->path) != 0)
		return fort_error_set(FORT_EINPUT, "the audit writer writes to '%s', not to this vault ('%s')", w->path, v->path);
	if (!v->kr)
		return fort_error_set(FORT_ELOCKED, "the vault is locked: only an unlocked handle writes signed entries");
	v->aw = w;
	return 0;
}
