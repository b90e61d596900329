/* floor_import.c - the import's ceiling by design (issue 16): what any
 * implementation of Fortress's design must do per imported client, measured
 * on this machine in the same run as the plaintext SQLite baseline of
 * vault_bench (bench/README.md, "Ceilings by design").
 *
 * usage: floor_import [-r RUNS] [-d TMPDIR] CLIENTS.csv
 *
 * Per run, on the same CSV (gen_clients):
 *  B   the baseline, exactly as vault_bench's: libcsv -> prepared INSERT of
 *      the 8 plain columns, indexes on email and phone, WAL, synchronous=FULL,
 *      one transaction; timed from opening the file to the commit.
 *  F   the floor's cryptography alone (floor_crypto.h), on values already in
 *      memory, one thread: level 0 what DESIGN.md mandates (K_c and its wrap
 *      under VK, a field key per category, 8 field AEADs with their AD, the 4
 *      blind indexes, the import's audit entry hashed and signed), level 1
 *      with Fortress's own rules (record MAC, index MACs, the 4 seals' hashes
 *      and their digest, an audit entry signed per 32,768 sealed rows as
 *      Fortress's seal checkpoints); the thread's CPU time per client.  Then
 *      level 1 on 2 threads (Fortress's two sealers), wall.
 *  P   the floor as an import, level 1: a reader thread (libcsv, the
 *      normalising a blind index needs: e-mail lower case, phone and IBAN
 *      without blanks), two sealer threads, the caller storing in one
 *      transaction, as Fortress's pipeline; stored rows either the
 *      baseline's own (P-base: the plaintext table, so P-base - B is the
 *      cryptography's cost on the pipeline) or the design's (P-design: the
 *      ciphertext record and wrapped key, the 2 unique and 2 search index
 *      entries with their MACs in tables of their own, the seals packed 64
 *      to a row, the audit entries).
 * Printed: clients/s of each; the ceiling ratio B/(B+F) (one core, the
 * cryptography after the rows) and the best case on 2 cores
 * B/max(B, (B+F)/2) (the rows' single writer on one core, the cryptography
 * spread); and P's measured ratios.  Medians of RUNS runs (default 3).
 * Then (issue 16's "true ceiling", bench/README.md): SQLite as Fortress runs
 * it ("lean": no memory statistics, no connection mutex) and 16 KiB pages,
 * the baseline with those settings, and the second pipeline (pooled
 * batches, one sealer, the store sealing while it waits) storing the
 * baseline's rows and the cheapest layout found of the design's rows (one
 * row a client, the four index hashes as its columns, indexed by their
 * first 8 bytes as integers) at levels 0, 1 and 2 (level 2: the rules
 * carried by the row's one seal): ratios, the store's CPU a client and the
 * two-core accounting B/max(store, all threads / 2).
 * -s PHASE runs one phase only, once, and prints its time (for valgrind
 * --tool=callgrind): base, f0, f1, f2, fw (level 2's cryptography), pipe
 * (baseline's rows), design (design's rows), layN (-x's Nth layout, the
 * store stage alone), store0..2 and pipe2-0..2, pipe2-plain (make bench's
 * layout and pipeline); -l: lean SQLite.
 * -x 1 compares every layout's store stage alone (lays[]), -x 2 the
 * pipelines (pcfgs[]), -x 3 both.
 * Exit 0, or 2 when the benchmark failed. */
#include <csv.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "floor_crypto.h"

#define NF FL_NF
#define BATCH 64
#define QCAP 4
#define SEAL_BATCH 32768 /* Fortress: a seal checkpoint (an audit entry) per 32,768 changed rows */
#define ROWS_PER_CLIENT 5 /* its record and its 4 index entries */

static const char *const cols[NF] = { "full_name", "email", "phone", "postal_address",
				       "company", "date_of_birth", "tax_id", "iban" };

static double cpu_s(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

#define BENCH_NAME "floor_import"
#include "bench_csv.h"

/* SQLite as Fortress runs it (src/store/sqlite.c): no memory statistics
 * (a global mutex a malloc) and no connection mutex (one thread a
 * connection).  Settings the baseline could use too: the goal's baseline
 * (vault_bench) runs without them, -x prints it both ways. */
static int g_lean;
static int g_page = 4096; /* the baseline's page size (the goal's: 4096) */

static void set_lean(int lean)
{
	sqlite3_shutdown();
	if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, !lean) != SQLITE_OK || sqlite3_initialize() != SQLITE_OK)
		die("sqlite3_config");
	g_lean = lean;
}

static int sq_open(const char *path, sqlite3 **db)
{
	return sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | (g_lean ? SQLITE_OPEN_NOMUTEX : 0), NULL);
}

static sqlite3 *db_new(const char *path)
{
	sqlite3 *db;
	rm_db(path);
	if (sq_open(path, &db) != SQLITE_OK)
		die("open %s", path);
	/* vault_bench's baseline settings (the vault's) */
	{
		char sql[256];
		snprintf(sql, sizeof sql,
			 "PRAGMA page_size = %d; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
			 " PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
			 g_page);
		ex(db, sql);
	}
	return db;
}

static const char base_schema[] =
	"CREATE TABLE clients(id INTEGER PRIMARY KEY, full_name TEXT, email TEXT, phone TEXT,"
	" postal_address TEXT, company TEXT, date_of_birth TEXT, tax_id TEXT, iban TEXT);"
	" CREATE INDEX clients_email ON clients(email); CREATE INDEX clients_phone ON clients(phone);";
static const char base_insert[] = "INSERT INTO clients(full_name, email, phone, postal_address, company,"
				  " date_of_birth, tax_id, iban) VALUES(?,?,?,?,?,?,?,?)";

/* ------------------------------------------------------------ CSV reading (vault_bench's) */

/* ------------------------------------------------------------- baseline */

__attribute__((noinline)) static double base_import(const char *dbpath, const char *csv, unsigned long long want, double *cpu)
{
	sqlite3 *db = db_new(dbpath);
	sqlite3_stmt *st;
	unsigned long long rows;
	double t, c;
	ex(db, base_schema);
	if (sqlite3_prepare_v2(db, base_insert, -1, &st, NULL) != SQLITE_OK)
		die("prepare: %s", sqlite3_errmsg(db));
	c = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
	t = now_s();
	ex(db, "BEGIN");
	rows = read_csv_file(csv, base_row, st);
	ex(db, "COMMIT");
	t = now_s() - t;
	*cpu = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - c;
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (rows != want)
		die("baseline imported %llu rows, expected %llu", rows, want);
	return t;
}

/* ------------------------------------------------------------- values */

/* The normalising a blind index needs (DESIGN.md: lower-cased e-mail, E.164
 * phone, folded name): ASCII lower case for names and e-mails, blanks out of
 * phone numbers and IBANs (gen_clients's phones are "+49 AREA NUMBER":
 * without the blanks, their E.164 form).  Not Fortress's validation. */
static size_t norm(char *out, int field, const char *in, size_t len)
{
	size_t n = 0;
	if (len > 255)
		len = 255;
	for (size_t i = 0; i < len; i++) {
		char ch = in[i];
		if ((field == 2 || field == 7) && ch == ' ')
			continue;
		if ((field == 0 || field == 1) && ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		out[n++] = ch;
	}
	out[n] = '\0';
	return n;
}

/* Every row's normalised values in memory, for F (one allocation). */
struct table {
	char *buf;
	size_t used, cap;
	size_t *off; /* NF offsets per row */
	size_t *len;
	size_t n, ncap;
};

static void load_row(struct rec *r, void *ctx)
{
	struct table *t = ctx;
	if (t->n == t->ncap) {
		t->ncap = t->ncap ? t->ncap * 2 : 4096;
		if (!(t->off = realloc(t->off, t->ncap * NF * sizeof *t->off)) ||
		    !(t->len = realloc(t->len, t->ncap * NF * sizeof *t->len)))
			die("out of memory");
	}
	for (size_t i = 0; i < NF; i++) {
		int f = r->map[i];
		if (t->used + 257 > t->cap) {
			t->cap = t->cap ? t->cap * 2 : 1 << 20;
			if (!(t->buf = realloc(t->buf, t->cap)))
				die("out of memory");
		}
		t->off[t->n * NF + (size_t)f] = t->used;
		t->len[t->n * NF + (size_t)f] = norm(t->buf + t->used, f, r->cell[i], r->len[i]);
		t->used += t->len[t->n * NF + (size_t)f] + 1;
	}
	t->n++;
}

/* ------------------------------------------------------------- F: the cryptography alone */

struct fjob {
	const struct table *t;
	const fl_keys *k;
	size_t from, to;
	int level;
	double cpu;
	unsigned char head[32];
};

static void *fwork(void *arg)
{
	struct fjob *j = arg;
	fl_rng *g = sodium_malloc(sizeof *g);
	fl_sealed *s = sodium_malloc(sizeof *s);
	crypto_generichash_state dg;
	unsigned char digest[32], sig[64];
	const char *vals[NF];
	double c0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
	size_t rows = 0;
	int64_t seq = 1;
	if (!g || !s)
		die("sodium_malloc");
	g->used = 0;
	memset(j->head, 0, 32);
	crypto_generichash_init(&dg, NULL, 0, 32);
	crypto_generichash_update(&dg, (const unsigned char *)"fortress-seals-v1", 18);
	for (size_t r = j->from; r < j->to; r++) {
		for (int i = 0; i < NF; i++)
			vals[i] = j->t->buf + j->t->off[r * NF + (size_t)i];
		fl_seal_client(s, j->k, g, (int64_t)r + 1, vals, j->t->len + r * NF, j->level, 1765000000);
		if (j->level >= 1) {
			fl_digest_add_n(&dg, s, j->level == 2 ? 1 : 4);
			if ((rows += j->level == 2 ? 1 : ROWS_PER_CLIENT) >= SEAL_BATCH) {
				/* a seal checkpoint: an audit entry of its own */
				crypto_generichash_final(&dg, digest, 32);
				fl_audit_entry(j->head, sig, j->k, seq++, "seal", 4, digest);
				crypto_generichash_init(&dg, NULL, 0, 32);
				crypto_generichash_update(&dg, (const unsigned char *)"fortress-seals-v1", 18);
				rows = 0;
			}
		}
	}
	/* the import's own entry (level 0: the only one) */
	crypto_generichash_final(&dg, digest, 32);
	fl_audit_entry(j->head, sig, j->k, seq, "import 100000 clients from csv", 30, j->level >= 1 ? digest : NULL);
	j->cpu = cpu_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	sodium_free(s);
	sodium_free(g);
	return NULL;
}

/* The cryptography of every row on NTH threads; wall seconds, *CPU the
 * threads' CPU seconds. */
static double fphase(const struct table *t, const fl_keys *k, int level, int nth, double *cpu)
{
	struct fjob j[2];
	pthread_t th[2];
	double w;
	*cpu = 0;
	w = now_s();
	for (int i = 0; i < nth; i++) {
		j[i].t = t;
		j[i].k = k;
		j[i].from = t->n * (size_t)i / (size_t)nth;
		j[i].to = t->n * (size_t)(i + 1) / (size_t)nth;
		j[i].level = level;
		if (pthread_create(&th[i], NULL, fwork, &j[i]) != 0)
			die("pthread_create");
	}
	for (int i = 0; i < nth; i++) {
		pthread_join(th[i], NULL);
		*cpu += j[i].cpu;
	}
	return now_s() - w;
}

/* ------------------------------------------------------------- P: the floor as a pipeline */

typedef struct {
	int64_t id;
	char val[NF][256];
	size_t len[NF];
	fl_sealed s;
} item;

typedef struct {
	size_t n; /* 0: the end */
	item it[BATCH];
} batch;

typedef struct {
	batch *q[QCAP];
	size_t head, count;
	pthread_mutex_t mu;
	pthread_cond_t nonempty, nonfull;
} queue;

static void q_init(queue *q)
{
	memset(q, 0, sizeof *q);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->nonempty, NULL);
	pthread_cond_init(&q->nonfull, NULL);
}

static void q_fini(queue *q)
{
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->nonempty);
	pthread_cond_destroy(&q->nonfull);
}

static void q_push(queue *q, batch *b)
{
	pthread_mutex_lock(&q->mu);
	while (q->count == QCAP)
		pthread_cond_wait(&q->nonfull, &q->mu);
	q->q[(q->head + q->count++) % QCAP] = b;
	pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->mu);
}

static batch *q_pop(queue *q)
{
	batch *b;
	pthread_mutex_lock(&q->mu);
	while (q->count == 0)
		pthread_cond_wait(&q->nonempty, &q->mu);
	b = q->q[q->head];
	q->head = (q->head + 1) % QCAP;
	q->count--;
	pthread_cond_signal(&q->nonfull);
	pthread_mutex_unlock(&q->mu);
	return b;
}

struct pipe {
	const char *csv;
	const fl_keys *k;
	queue sq[2], oq[2];
	batch *cur;
	size_t nb;
	int64_t next_id;
	unsigned long long rows;
	double cpu_reader, cpu_sealer[2];
};

static batch *batch_new(void)
{
	batch *b = malloc(sizeof *b);
	if (!b)
		die("out of memory");
	b->n = 0;
	return b;
}

static void pipe_row(struct rec *r, void *ctx)
{
	struct pipe *p = ctx;
	item *it;
	if (!p->cur)
		p->cur = batch_new();
	it = &p->cur->it[p->cur->n++];
	it->id = ++p->next_id;
	for (size_t i = 0; i < NF; i++) {
		int f = r->map[i];
		it->len[f] = norm(it->val[f], f, r->cell[i], r->len[i]);
	}
	if (p->cur->n == BATCH) {
		q_push(&p->sq[p->nb++ % 2], p->cur);
		p->cur = NULL;
	}
}

static void *reader(void *arg)
{
	struct pipe *p = arg;
	double c0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
	p->rows = read_csv_file(p->csv, pipe_row, p);
	if (p->cur) {
		q_push(&p->sq[p->nb++ % 2], p->cur);
		p->cur = NULL;
	}
	/* the end, in sequence, then to the other sealer */
	q_push(&p->sq[p->nb % 2], batch_new());
	q_push(&p->sq[(p->nb + 1) % 2], batch_new());
	p->cpu_reader = cpu_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	return NULL;
}

struct sealer_arg {
	struct pipe *p;
	int k;
};

static void *sealer(void *arg)
{
	struct pipe *p = ((struct sealer_arg *)arg)->p;
	int k = ((struct sealer_arg *)arg)->k;
	fl_rng *g = sodium_malloc(sizeof *g);
	double c0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
	batch *b;
	if (!g)
		die("sodium_malloc");
	g->used = 0;
	while ((b = q_pop(&p->sq[k]))) {
		for (size_t i = 0; i < b->n; i++) {
			const char *vals[NF];
			item *it = &b->it[i];
			for (int f = 0; f < NF; f++)
				vals[f] = it->val[f];
			fl_seal_client(&it->s, p->k, g, it->id, vals, it->len, 1, 1765000000);
			/* the plaintext is not needed any more (except the
			 * baseline's rows, which store it) */
		}
		{
			size_t n = b->n; /* the store frees B once it has it */
			q_push(&p->oq[k], b);
			if (n == 0)
				break;
		}
	}
	p->cpu_sealer[k] = cpu_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	sodium_free(g);
	return NULL;
}

static const char design_schema[] =
	"CREATE TABLE clients(id INTEGER PRIMARY KEY, vk_version INTEGER, wrapped BLOB, data BLOB, created INTEGER, updated INTEGER);"
	" CREATE TABLE uniq(h BLOB PRIMARY KEY, client INTEGER, mac BLOB) WITHOUT ROWID;"
	" CREATE TABLE blind(h BLOB, client INTEGER, mac BLOB, PRIMARY KEY(h, client)) WITHOUT ROWID;"
	" CREATE TABLE seal_log(id INTEGER PRIMARY KEY, seals BLOB);"
	" CREATE TABLE audit(seq INTEGER PRIMARY KEY, action TEXT, digest BLOB, hash BLOB, sig BLOB);";

/* DESIGN: 0 the baseline's plaintext rows, 1 the design's rows.  Wall
 * seconds from opening the file to the commit; CPU: the caller's. */
static double pipe_import(const char *dbpath, const char *csv, const fl_keys *k, unsigned long long want, int design,
			  double cpu[4])
{
	sqlite3 *db = db_new(dbpath);
	sqlite3_stmt *ins[5] = { NULL };
	struct pipe p;
	struct sealer_arg sa[2];
	pthread_t rt, st[2];
	crypto_generichash_state dg;
	unsigned char head[32] = { 0 }, digest[32], sig[64], pack[64 * 41];
	size_t npack = 0, rows = 0;
	int64_t seq = 0, packid = 0;
	double t, c0;
	unsigned long long stored = 0;

	ex(db, design ? design_schema : base_schema);
	if (design) {
		static const char *const sql[5] = {
			"INSERT INTO clients VALUES(?,1,?,?,?,?)", "INSERT INTO uniq VALUES(?,?,?)",
			"INSERT INTO blind VALUES(?,?,?)", "INSERT INTO seal_log VALUES(?,?)",
			"INSERT INTO audit VALUES(?,?,?,?,?)",
		};
		for (int i = 0; i < 5; i++)
			if (sqlite3_prepare_v2(db, sql[i], -1, &ins[i], NULL) != SQLITE_OK)
				die("prepare: %s", sqlite3_errmsg(db));
	} else if (sqlite3_prepare_v2(db, base_insert, -1, &ins[0], NULL) != SQLITE_OK) {
		die("prepare: %s", sqlite3_errmsg(db));
	}
	memset(&p, 0, sizeof p);
	p.csv = csv;
	p.k = k;
	for (int i = 0; i < 2; i++) {
		q_init(&p.sq[i]);
		q_init(&p.oq[i]);
	}
	crypto_generichash_init(&dg, NULL, 0, 32);
	crypto_generichash_update(&dg, (const unsigned char *)"fortress-seals-v1", 18);
	c0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
	t = now_s();
	ex(db, "BEGIN");
	if (pthread_create(&rt, NULL, reader, &p) != 0)
		die("pthread_create");
	for (int i = 0; i < 2; i++) {
		sa[i].p = &p;
		sa[i].k = i;
		if (pthread_create(&st[i], NULL, sealer, &sa[i]) != 0)
			die("pthread_create");
	}
	for (size_t nb = 0;; nb++) {
		batch *b = q_pop(&p.oq[nb % 2]);
		if (b->n == 0) {
			free(b);
			free(q_pop(&p.oq[(nb + 1) % 2])); /* the other sealer's end */
			break;
		}
		for (size_t i = 0; i < b->n; i++) {
			item *it = &b->it[i];
			if (!design) {
				for (int f = 0; f < NF; f++)
					sqlite3_bind_text(ins[0], f + 1, it->val[f], (int)it->len[f], SQLITE_STATIC);
				if (sqlite3_step(ins[0]) != SQLITE_DONE)
					die("insert: %s", sqlite3_errmsg(db));
				sqlite3_reset(ins[0]);
			} else {
				fl_sealed *s = &it->s;
				sqlite3_bind_int64(ins[0], 1, s->id);
				sqlite3_bind_blob(ins[0], 2, s->wrapped, FL_WRAPPED, SQLITE_STATIC);
				sqlite3_bind_blob(ins[0], 3, s->rec, (int)s->rec_len, SQLITE_STATIC);
				sqlite3_bind_int64(ins[0], 4, 1765000000);
				sqlite3_bind_int64(ins[0], 5, 1765000000);
				if (sqlite3_step(ins[0]) != SQLITE_DONE)
					die("insert: %s", sqlite3_errmsg(db));
				sqlite3_reset(ins[0]);
				for (int j = 0; j < FL_NIDX; j++) {
					sqlite3_stmt *x = ins[fl_idx_unique[j] ? 1 : 2];
					sqlite3_bind_blob(x, 1, s->bidx[j], FL_BIDX, SQLITE_STATIC);
					sqlite3_bind_int64(x, 2, s->id);
					sqlite3_bind_blob(x, 3, s->imac[j], FL_IMAC, SQLITE_STATIC);
					if (sqlite3_step(x) != SQLITE_DONE)
						die("insert index entry: %s", sqlite3_errmsg(db)); /* a duplicate is refused */
					sqlite3_reset(x);
				}
				/* the seals, 64 to a packed row (41 bytes each:
				 * table number, seal id, hash) */
				for (int j = 0; j < 4; j++) {
					unsigned char *q = pack + npack * 41;
					q[0] = (unsigned char)(j == 0 ? 1 : j == 3 ? 3 : 2);
					fl_be64(q + 1, (uint64_t)s->seal_id[j]);
					memcpy(q + 9, s->seal[j], 32);
					if (++npack == 64) {
						sqlite3_bind_int64(ins[3], 1, ++packid);
						sqlite3_bind_blob(ins[3], 2, pack, (int)sizeof pack, SQLITE_STATIC);
						if (sqlite3_step(ins[3]) != SQLITE_DONE)
							die("insert seals: %s", sqlite3_errmsg(db));
						sqlite3_reset(ins[3]);
						npack = 0;
					}
				}
			}
			fl_digest_add(&dg, &it->s);
			if ((rows += ROWS_PER_CLIENT) >= SEAL_BATCH) {
				crypto_generichash_final(&dg, digest, 32);
				fl_audit_entry(head, sig, k, ++seq, "seal", 4, digest);
				if (design) {
					sqlite3_bind_int64(ins[4], 1, seq);
					sqlite3_bind_text(ins[4], 2, "seal", 4, SQLITE_STATIC);
					sqlite3_bind_blob(ins[4], 3, digest, 32, SQLITE_STATIC);
					sqlite3_bind_blob(ins[4], 4, head, 32, SQLITE_STATIC);
					sqlite3_bind_blob(ins[4], 5, sig, 64, SQLITE_STATIC);
					if (sqlite3_step(ins[4]) != SQLITE_DONE)
						die("insert audit: %s", sqlite3_errmsg(db));
					sqlite3_reset(ins[4]);
				}
				crypto_generichash_init(&dg, NULL, 0, 32);
				crypto_generichash_update(&dg, (const unsigned char *)"fortress-seals-v1", 18);
				rows = 0;
			}
			stored++;
		}
		for (size_t i = 0; i < b->n; i++) /* the plaintext */
			sodium_memzero(b->it[i].val, sizeof b->it[i].val);
		free(b);
	}
	/* the last seals and the import's own entry, in the transaction */
	crypto_generichash_final(&dg, digest, 32);
	fl_audit_entry(head, sig, k, ++seq, "import", 6, digest);
	if (design) {
		if (npack) {
			sqlite3_bind_int64(ins[3], 1, ++packid);
			sqlite3_bind_blob(ins[3], 2, pack, (int)(npack * 41), SQLITE_STATIC);
			if (sqlite3_step(ins[3]) != SQLITE_DONE)
				die("insert seals: %s", sqlite3_errmsg(db));
			sqlite3_reset(ins[3]);
		}
		sqlite3_bind_int64(ins[4], 1, seq);
		sqlite3_bind_text(ins[4], 2, "import", 6, SQLITE_STATIC);
		sqlite3_bind_blob(ins[4], 3, digest, 32, SQLITE_STATIC);
		sqlite3_bind_blob(ins[4], 4, head, 32, SQLITE_STATIC);
		sqlite3_bind_blob(ins[4], 5, sig, 64, SQLITE_STATIC);
		if (sqlite3_step(ins[4]) != SQLITE_DONE)
			die("insert audit: %s", sqlite3_errmsg(db));
		sqlite3_reset(ins[4]);
	}
	ex(db, "COMMIT");
	t = now_s() - t;
	cpu[0] = cpu_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	pthread_join(rt, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(st[i], NULL);
	cpu[1] = p.cpu_reader;
	cpu[2] = p.cpu_sealer[0];
	cpu[3] = p.cpu_sealer[1];
	for (int i = 0; i < 5; i++)
		sqlite3_finalize(ins[i]);
	for (int i = 0; i < 2; i++) {
		q_fini(&p.sq[i]);
		q_fini(&p.oq[i]);
	}
	sqlite3_close(db);
	if (p.rows != want || stored != want)
		die("the floor imported %llu rows (read %llu), expected %llu", stored, p.rows, want);
	return t;
}

/* ------------------------------------------------------------- layouts: the cheapest store (issue 16) */

/* How the design's rows are stored (bench/README.md, "the import's true
 * ceiling"):
 *  LAY_PLAIN   the baseline's own plaintext table (for the pipelines);
 *  LAY_TABLES  the record row, the unique and search entries in two WITHOUT
 *              ROWID tables (as Fortress's uniq and blind), seals packed 64
 *              to a seal_log row, the audit entries (P-design's rows);
 *  LAY_WIDE    everything of a client in one row: the record and its four
 *              index hashes as columns (UNIQUE indexes on the two unique
 *              hashes, plain indexes on the two search hashes: a find is one
 *              index seek and the row), at level 1 the index MACs as columns
 *              too; seals packed as LAY_TABLES.
 * LEVEL: 0 DESIGN.md's rows only (no MACs, no seals); 1 + Fortress's rules
 * (index MACs, 4 seals a client); 2 (LAY_WIDE only) the rules carried by
 * the row: one seal a client over the row with its hashes, no index MACs.
 * MULTI clients per INSERT statement; SORTED: a batch's rows (LAY_WIDE: by
 * the e-mail hash) or index entries (LAY_TABLES: by hash) inserted in key
 * order.  PAGE, CACHE_MIB, MMAP_MIB: PRAGMAs. */
enum { LAY_PLAIN, LAY_TABLES, LAY_WIDE };

struct lay {
	const char *name;
	int layout, level, multi, sorted, page, cache_mib, mmap_mib;
	int ikey; /* LAY_WIDE: the four indexes on 64-bit integers (each hash's
		   * first 8 bytes), the full hashes in one column beside them */
	int defer; /* the indexes made after the rows, in the transaction:
		    * LAY_PLAIN, LAY_WIDE: CREATE INDEX at the end (SQLite's
		    * sorter; an empty table only); LAY_TABLES: the entries
		    * kept, sorted and inserted at the end */
};

#define BMAX 256
#define MMAX 64

typedef struct {
	int64_t seq; /* its place in the file, from 0; -1: the end */
	size_t n;
	item it[BMAX];
} pbatch;

struct entry {
	const unsigned char *h, *mac;
	int64_t client;
};

struct dent { /* a deferred entry: its own copy */
	unsigned char h[FL_BIDX], mac[FL_IMAC];
	int64_t client;
};

struct store {
	const struct lay *L;
	const fl_keys *k;
	sqlite3 *db;
	sqlite3_stmt *one[3], *many[3]; /* clients, uniq, blind */
	sqlite3_stmt *seal_ins, *audit_ins;
	crypto_generichash_state dg;
	unsigned char head[32], digest[32], sig[64], pack[64 * 41];
	size_t npack, rows;
	int64_t seq, packid;
	unsigned long long stored;
	struct dent *ent[2]; /* defer, LAY_TABLES: uniq, blind */
	size_t nent[2], capent[2];
	const char *index_sql; /* defer: CREATE INDEX ... at the end */
};

static int nseals(const struct lay *L)
{
	return L->level == 0 || L->layout == LAY_PLAIN ? 0 : L->level == 2 ? 1 : 4;
}

static sqlite3 *db_open_lay(const char *path, const struct lay *L)
{
	sqlite3 *db;
	char sql[512];
	rm_db(path);
	if (sq_open(path, &db) != SQLITE_OK)
		die("open %s", path);
	snprintf(sql, sizeof sql,
		 "PRAGMA page_size = %d; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
		 " PRAGMA cache_size = -%d; PRAGMA temp_store = MEMORY; PRAGMA mmap_size = %lld;",
		 L->page, L->cache_mib * 1024, (long long)L->mmap_mib << 20);
	ex(db, sql);
	return db;
}

/* "INSERT INTO T VALUES" and ROW (its '?'s) N times */
static sqlite3_stmt *prep_rows(sqlite3 *db, const char *table, const char *row, int n)
{
	size_t rl = strlen(row), cap = 64 + strlen(table) + (rl + 1) * (size_t)n;
	char *sql = malloc(cap);
	sqlite3_stmt *st;
	size_t o;
	if (!sql)
		die("out of memory");
	o = (size_t)snprintf(sql, cap, "INSERT INTO %s VALUES", table);
	for (int i = 0; i < n; i++) {
		if (i)
			sql[o++] = ',';
		memcpy(sql + o, row, rl);
		o += rl;
	}
	sql[o] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die("prepare %s: %s", table, sqlite3_errmsg(db));
	free(sql);
	return st;
}

static void step_done(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die("%s: %s", what, sqlite3_errmsg(db)); /* a duplicate is refused */
	sqlite3_reset(st);
}

__attribute__((noinline)) static void store_open(struct store *s, const char *path, const struct lay *L, const fl_keys *k)
{
	char sch[1024];
	const char *crow = NULL, *urow = NULL;
	int m = L->level == 1;
	memset(s, 0, sizeof *s);
	s->L = L;
	s->k = k;
	s->db = db_open_lay(path, L);
	if (L->layout == LAY_PLAIN) {
		if (L->defer) {
			ex(s->db, "CREATE TABLE clients(id INTEGER PRIMARY KEY, full_name TEXT, email TEXT, phone TEXT,"
				  " postal_address TEXT, company TEXT, date_of_birth TEXT, tax_id TEXT, iban TEXT);");
			s->index_sql = "CREATE INDEX clients_email ON clients(email); CREATE INDEX clients_phone ON clients(phone);";
		} else {
			ex(s->db, base_schema);
		}
		crow = "(?,?,?,?,?,?,?,?)";
		s->one[0] = prep_rows(s->db, "clients(full_name, email, phone, postal_address, company, date_of_birth, tax_id, iban)",
				      crow, 1);
		if (L->multi > 1)
			s->many[0] = prep_rows(s->db, "clients(full_name, email, phone, postal_address, company, date_of_birth, tax_id, iban)",
					       crow, L->multi);
		goto audit;
	}
	if (L->layout == LAY_TABLES) {
		snprintf(sch, sizeof sch,
			 "CREATE TABLE clients(id INTEGER PRIMARY KEY, vk_version INTEGER, wrapped BLOB, data BLOB, created INTEGER, updated INTEGER);"
			 " CREATE TABLE uniq(h BLOB PRIMARY KEY, client INTEGER%s) WITHOUT ROWID;"
			 " CREATE TABLE blind(h BLOB, client INTEGER%s, PRIMARY KEY(h, client)) WITHOUT ROWID;",
			 m ? ", mac BLOB" : "", m ? ", mac BLOB" : "");
		crow = "(?,1,?,?,?,?)";
		urow = m ? "(?,?,?)" : "(?,?)";
	} else {
		static const char idx[] = "CREATE UNIQUE INDEX c_email ON clients(h_email); CREATE UNIQUE INDEX c_phone ON clients(h_phone);"
					  " CREATE INDEX c_name ON clients(h_name); CREATE INDEX c_iban ON clients(h_iban);";
		snprintf(sch, sizeof sch,
			 "CREATE TABLE clients(id INTEGER PRIMARY KEY, vk_version INTEGER, wrapped BLOB, data BLOB, created INTEGER, updated INTEGER,"
			 " h_email BLOB, h_phone BLOB, h_name BLOB, h_iban BLOB%s%s); %s",
			 m ? ", m_email BLOB, m_phone BLOB, m_name BLOB, m_iban BLOB" : "",
			 L->ikey ? ", hs BLOB" : "", /* h_* INTEGER then: SQLite's columns have no fixed type */
			 L->defer ? "" : idx);
		if (L->defer)
			s->index_sql = idx;
		crow = m ? (L->ikey ? "(?,1,?,?,?,?,?,?,?,?,?,?,?,?,?)" : "(?,1,?,?,?,?,?,?,?,?,?,?,?,?)")
			 : (L->ikey ? "(?,1,?,?,?,?,?,?,?,?,?)" : "(?,1,?,?,?,?,?,?,?,?)");
	}
	ex(s->db, sch);
	s->one[0] = prep_rows(s->db, "clients", crow, 1);
	if (L->multi > 1)
		s->many[0] = prep_rows(s->db, "clients", crow, L->multi);
	if (urow) {
		s->one[1] = prep_rows(s->db, "uniq", urow, 1);
		s->one[2] = prep_rows(s->db, "blind", urow, 1);
		if (L->multi > 1) {
			s->many[1] = prep_rows(s->db, "uniq", urow, 2 * L->multi);
			s->many[2] = prep_rows(s->db, "blind", urow, 2 * L->multi);
		}
	}
	if (L->level) {
		ex(s->db, "CREATE TABLE seal_log(id INTEGER PRIMARY KEY, seals BLOB);");
		s->seal_ins = prep_rows(s->db, "seal_log", "(?,?)", 1);
	}
audit:
	ex(s->db, "CREATE TABLE audit(seq INTEGER PRIMARY KEY, action TEXT, digest BLOB, hash BLOB, sig BLOB);");
	s->audit_ins = prep_rows(s->db, "audit", "(?,?,?,?,?)", 1);
	crypto_generichash_init(&s->dg, NULL, 0, 32);
	crypto_generichash_update(&s->dg, (const unsigned char *)"fortress-seals-v1", 18);
	ex(s->db, "BEGIN");
}

static void store_audit(struct store *s, const char *what, int with_digest)
{
	crypto_generichash_final(&s->dg, s->digest, 32);
	fl_audit_entry(s->head, s->sig, s->k, ++s->seq, what, strlen(what), with_digest ? s->digest : NULL);
	sqlite3_bind_int64(s->audit_ins, 1, s->seq);
	sqlite3_bind_text(s->audit_ins, 2, what, -1, SQLITE_STATIC);
	if (with_digest)
		sqlite3_bind_blob(s->audit_ins, 3, s->digest, 32, SQLITE_STATIC);
	else
		sqlite3_bind_null(s->audit_ins, 3);
	sqlite3_bind_blob(s->audit_ins, 4, s->head, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s->audit_ins, 5, s->sig, 64, SQLITE_STATIC);
	step_done(s->db, s->audit_ins, "insert audit");
	crypto_generichash_init(&s->dg, NULL, 0, 32);
	crypto_generichash_update(&s->dg, (const unsigned char *)"fortress-seals-v1", 18);
}

static void seal_flush(struct store *s)
{
	sqlite3_bind_int64(s->seal_ins, 1, ++s->packid);
	sqlite3_bind_blob(s->seal_ins, 2, s->pack, (int)(s->npack * 41), SQLITE_STATIC);
	step_done(s->db, s->seal_ins, "insert seals");
	s->npack = 0;
}

/* one client's row at parameter BASE (0-based) */
static int bind_client(const struct store *s, sqlite3_stmt *st, int base, const item *it)
{
	const fl_sealed *x = &it->s;
	if (s->L->layout == LAY_PLAIN) {
		for (int f = 0; f < NF; f++)
			sqlite3_bind_text(st, base + f + 1, it->val[f], (int)it->len[f], SQLITE_STATIC);
		return base + NF;
	}
	sqlite3_bind_int64(st, ++base, x->id);
	sqlite3_bind_blob(st, ++base, x->wrapped, FL_WRAPPED, SQLITE_STATIC);
	sqlite3_bind_blob(st, ++base, x->rec, (int)x->rec_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, ++base, 1765000000);
	sqlite3_bind_int64(st, ++base, 1765000000);
	if (s->L->layout == LAY_WIDE) {
		for (int j = 0; j < FL_NIDX; j++) {
			if (s->L->ikey) {
				uint64_t v = 0;
				for (int b = 0; b < 8; b++)
					v = v << 8 | x->bidx[j][b];
				sqlite3_bind_int64(st, ++base, (int64_t)v);
			} else {
				sqlite3_bind_blob(st, ++base, x->bidx[j], FL_BIDX, SQLITE_STATIC);
			}
		}
		if (s->L->level == 1)
			for (int j = 0; j < FL_NIDX; j++)
				sqlite3_bind_blob(st, ++base, x->imac[j], FL_IMAC, SQLITE_STATIC);
		if (s->L->ikey)
			sqlite3_bind_blob(st, ++base, x->bidx, sizeof x->bidx, SQLITE_STATIC);
	}
	return base;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = memcmp(x->h, y->h, FL_BIDX);
	return c ? c : (x->client > y->client) - (x->client < y->client);
}

static int cmp_item_email(const void *a, const void *b)
{
	const item *x = *(const item *const *)a, *y = *(const item *const *)b;
	return memcmp(x->s.bidx[0], y->s.bidx[0], FL_BIDX);
}

/* the entries E[0..N) of table T (1 uniq, 2 blind), MULTI*2 a statement */
static void store_entries(struct store *s, int t, struct entry *e, size_t n)
{
	size_t i = 0, per = 2 * (size_t)s->L->multi;
	int m = s->L->level == 1;
	if (s->L->sorted)
		qsort(e, n, sizeof *e, cmp_entry);
	while (i < n) {
		sqlite3_stmt *st = (s->L->multi > 1 && n - i >= per) ? s->many[t] : s->one[t];
		size_t k = st == s->one[t] ? 1 : per;
		int p = 0;
		for (size_t j = 0; j < k; j++, i++) {
			sqlite3_bind_blob(st, ++p, e[i].h, FL_BIDX, SQLITE_STATIC);
			sqlite3_bind_int64(st, ++p, e[i].client);
			if (m)
				sqlite3_bind_blob(st, ++p, e[i].mac, FL_IMAC, SQLITE_STATIC);
		}
		step_done(s->db, st, "insert index entry");
	}
}

/* a batch of N sealed clients (the plaintext's for LAY_PLAIN) */
__attribute__((noinline)) static void store_batch(struct store *s, item *its, size_t n)
{
	const struct lay *L = s->L;
	item *ord[BMAX];
	size_t i = 0;
	int ns = nseals(L);
	for (size_t j = 0; j < n; j++)
		ord[j] = &its[j];
	if (L->layout == LAY_WIDE && L->sorted)
		qsort(ord, n, sizeof *ord, cmp_item_email);
	while (i < n) {
		sqlite3_stmt *st = (L->multi > 1 && n - i >= (size_t)L->multi) ? s->many[0] : s->one[0];
		size_t k = st == s->one[0] ? 1 : (size_t)L->multi;
		int p = 0;
		for (size_t j = 0; j < k; j++)
			p = bind_client(s, st, p, ord[i + j]);
		step_done(s->db, st, "insert client");
		i += k;
	}
	if (L->layout == LAY_TABLES) {
		struct entry e[2][2 * BMAX];
		size_t nu = 0, nb = 0;
		for (size_t j = 0; j < n; j++) {
			const fl_sealed *x = &its[j].s;
			for (int q = 0; q < FL_NIDX; q++) {
				struct entry *d = fl_idx_unique[q] ? &e[0][nu++] : &e[1][nb++];
				d->h = x->bidx[q];
				d->mac = x->imac[q];
				d->client = x->id;
			}
		}
		if (L->defer) {
			for (int t = 0; t < 2; t++) {
				size_t k = t ? nb : nu;
				if (s->nent[t] + k > s->capent[t]) {
					s->capent[t] = (s->capent[t] + k) * 2;
					if (!(s->ent[t] = realloc(s->ent[t], s->capent[t] * sizeof *s->ent[t])))
						die("out of memory");
				}
				for (size_t q = 0; q < k; q++) {
					struct dent *d = &s->ent[t][s->nent[t]++];
					memcpy(d->h, e[t][q].h, FL_BIDX);
					memcpy(d->mac, e[t][q].mac, FL_IMAC);
					d->client = e[t][q].client;
				}
			}
		} else {
			store_entries(s, 1, e[0], nu);
			store_entries(s, 2, e[1], nb);
		}
	}
	for (size_t j = 0; j < n; j++) {
		const fl_sealed *x = &its[j].s;
		if (L->layout == LAY_PLAIN) /* the plaintext */
			for (int f = 0; f < NF; f++)
				sodium_memzero(its[j].val[f], its[j].len[f]);
		if (ns == 0)
			continue;
		/* the seals, 64 to a packed row (41 bytes each: table number,
		 * seal id, hash) */
		for (int q = 0; q < ns; q++) {
			unsigned char *d = s->pack + s->npack * 41;
			d[0] = (unsigned char)(q == 0 ? 1 : q == 3 ? 3 : 2);
			fl_be64(d + 1, (uint64_t)x->seal_id[q]);
			memcpy(d + 9, x->seal[q], 32);
			if (++s->npack == 64)
				seal_flush(s);
		}
		fl_digest_add_n(&s->dg, x, ns);
		if ((s->rows += (size_t)ns + (ns == 4)) >= SEAL_BATCH) { /* 5 rows a client at level 1, 1 at level 2 */
			store_audit(s, "seal", 1);
			s->rows = 0;
		}
	}
	s->stored += n;
}

/* the last seals, the import's own entry, the commit; closes */
__attribute__((noinline)) static void store_finish(struct store *s)
{
	if (s->index_sql)
		ex(s->db, s->index_sql);
	for (int t = 0; t < 2; t++)
		if (s->nent[t]) {
			/* the whole import's entries, sorted */
			struct store sorted = *s;
			struct lay L = *s->L;
			struct entry *e = malloc(s->nent[t] * sizeof *e);
			if (!e)
				die("out of memory");
			for (size_t q = 0; q < s->nent[t]; q++) {
				e[q].h = s->ent[t][q].h;
				e[q].mac = s->ent[t][q].mac;
				e[q].client = s->ent[t][q].client;
			}
			L.sorted = 1;
			sorted.L = &L;
			store_entries(&sorted, t + 1, e, s->nent[t]);
			free(e);
			free(s->ent[t]);
		}
	if (s->npack)
		seal_flush(s);
	store_audit(s, "import", s->L->level > 0);
	ex(s->db, "COMMIT");
	for (int i = 0; i < 3; i++) {
		sqlite3_finalize(s->one[i]);
		sqlite3_finalize(s->many[i]);
	}
	sqlite3_finalize(s->seal_ins);
	sqlite3_finalize(s->audit_ins);
	sqlite3_close(s->db);
}

static void fill_item(item *it, const struct table *t, size_t r)
{
	it->id = (int64_t)r + 1;
	for (int f = 0; f < NF; f++) {
		size_t l = t->len[r * NF + (size_t)f];
		memcpy(it->val[f], t->buf + t->off[r * NF + (size_t)f], l + 1);
		it->len[f] = l;
	}
}

static void seal_items(item *its, size_t n, const fl_keys *k, fl_rng *g, int level)
{
	for (size_t i = 0; i < n; i++) {
		const char *vals[NF];
		for (int f = 0; f < NF; f++)
			vals[f] = its[i].val[f];
		fl_seal_client(&its[i].s, k, g, its[i].id, vals, its[i].len, level, 1765000000);
	}
}

/* After a store (untimed): a client of the last batch (X) is found by its
 * e-mail's blind index with one index seek, as a find would, and the
 * layout's unique index refuses a second client with the same e-mail. */
static void store_check(const char *path, const struct lay *L, const fl_sealed *x)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	const char *q, *dup;
	int found = 0, seek = 0;
	char plan[512] = "";
	uint64_t v = 0;
	if (L->layout == LAY_PLAIN)
		return;
	if (sq_open(path, &db) != SQLITE_OK)
		die("open %s", path);
	q = L->layout == LAY_TABLES ? "SELECT client FROM uniq WHERE h = ?1" : "SELECT id FROM clients WHERE h_email = ?1";
	for (int b = 0; b < 8; b++)
		v = v << 8 | x->bidx[0][b];
	for (int explain = 1; explain >= 0; explain--) {
		char sql[256];
		snprintf(sql, sizeof sql, "%s%s", explain ? "EXPLAIN QUERY PLAN " : "", q);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			die("check: %s", sqlite3_errmsg(db));
		if (L->ikey)
			sqlite3_bind_int64(st, 1, (int64_t)v);
		else
			sqlite3_bind_blob(st, 1, x->bidx[0], FL_BIDX, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (explain) {
				const char *d = (const char *)sqlite3_column_text(st, 3);
				if (d && strlen(plan) + strlen(d) + 2 < sizeof plan) {
					strcat(plan, d);
					strcat(plan, "; ");
				}
				seek |= d && strstr(d, "SEARCH") && (strstr(d, "INDEX") || strstr(d, "PRIMARY KEY"));
			} else {
				found += sqlite3_column_int64(st, 0) == x->id;
			}
		}
		sqlite3_finalize(st);
	}
	if (!seek || found != 1)
		die("check (%s): the last client's e-mail found %d times, plan: %s", L->name, found, plan);
	dup = L->layout == LAY_TABLES ? "INSERT INTO uniq(h, client) SELECT h, client + 1 FROM uniq LIMIT 1"
				      : "INSERT INTO clients(id, h_email) SELECT -1, h_email FROM clients LIMIT 1";
	if (sqlite3_exec(db, dup, NULL, NULL, NULL) != SQLITE_CONSTRAINT)
		die("check (%s): a duplicate e-mail was not refused", L->name);
	sqlite3_close(db);
}

/* S: the store stage alone, on one thread: batches of 64 clients sealed
 * (untimed), then stored (timed: the thread's CPU and the wall clock of the
 * store's calls, the commit included).  Returns the wall seconds. */
static double store_only(const char *dbpath, const struct table *t, const fl_keys *k, const struct lay *L, double *cpu)
{
	pbatch *b = sodium_malloc(sizeof *b);
	fl_rng *g = sodium_malloc(sizeof *g);
	struct store s;
	double w = 0, c = 0, w0, c0;
	if (!b || !g)
		die("sodium_malloc");
	g->used = 0;
	w0 = now_s();
	c0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
	store_open(&s, dbpath, L, k);
	w += now_s() - w0;
	c += cpu_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	for (size_t r = 0; r < t->n; r += 64) {
		size_t n = t->n - r < 64 ? t->n - r : 64;
		for (size_t i = 0; i < n; i++)
			fill_item(&b->it[i], t, r + i);
		if (L->layout != LAY_PLAIN)
			seal_items(b->it, n, k, g, L->level);
		w0 = now_s();
		c0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
		store_batch(&s, b->it, n);
		w += now_s() - w0;
		c += cpu_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	}
	w0 = now_s();
	c0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
	store_finish(&s);
	w += now_s() - w0;
	c += cpu_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	if (s.stored != t->n)
		die("stored %llu clients, expected %zu", s.stored, t->n);
	store_check(dbpath, L, &b->it[0].s);
	rm_db(dbpath);
	sodium_free(g);
	sodium_free(b);
	*cpu = c;
	return w;
}

/* ------------------------------------------------------------- P2: the pipeline, second form */

/* A reader thread (libcsv, the normalising) fills batches of BSIZE clients
 * taken from a fixed pool (no allocation per batch); NSEALERS threads seal
 * them in any order; the caller stores them in file order, and with HELP
 * seals the next waiting batch itself whenever the one it must store next is
 * not ready (so that the two cores finish together: B/max(store, total/2)).
 * SPIN: waits spin (sched_yield) instead of sleeping on a condition variable.
 * One mutex guards the queues; one lock a batch per stage. */
struct pcfg {
	const char *name;
	int nsealers, help, spin, bsize;
};

#define POOL 16

struct pipe2 {
	const char *csv;
	const fl_keys *k;
	const struct pcfg *C;
	int level, plain;
	pthread_mutex_t mu;
	pthread_cond_t c_work, c_ready, c_free;
	pbatch *pool[POOL];
	pbatch *freeb[POOL];
	size_t nfree;
	pbatch *work[POOL]; /* read, not sealed: FIFO */
	size_t whead, wcount;
	pbatch *ready[POOL]; /* sealed, by seq % POOL */
	int64_t end_seq;     /* the end's seq, once read */
	pbatch *cur;
	int64_t next_seq, next_id;
	unsigned long long rows;
	double cpu_reader, cpu_sealer[2];
	int stop;
};

static void p2_lock(struct pipe2 *p)
{
	pthread_mutex_lock(&p->mu);
}

static void p2_unlock(struct pipe2 *p)
{
	pthread_mutex_unlock(&p->mu);
}

/* wait on C, or with SPIN drop the lock, yield and take it again */
static void p2_wait(struct pipe2 *p, pthread_cond_t *c)
{
	if (p->C->spin) {
		p2_unlock(p);
		sched_yield();
		p2_lock(p);
	} else {
		pthread_cond_wait(c, &p->mu);
	}
}

static void p2_push_work(struct pipe2 *p, pbatch *b)
{
	p2_lock(p);
	p->work[(p->whead + p->wcount++) % POOL] = b;
	if (b->seq < 0 || b->n == 0)
		p->end_seq = b->seq;
	pthread_cond_signal(&p->c_work);
	if (p->C->help || !p->C->nsealers) /* the store may wait for work */
		pthread_cond_signal(&p->c_ready);
	p2_unlock(p);
}

static pbatch *p2_take_free(struct pipe2 *p)
{
	pbatch *b;
	p2_lock(p);
	while (p->nfree == 0)
		p2_wait(p, &p->c_free);
	b = p->freeb[--p->nfree];
	p2_unlock(p);
	b->n = 0;
	return b;
}

static void p2_row(struct rec *r, void *ctx)
{
	struct pipe2 *p = ctx;
	item *it;
	if (!p->cur) {
		p->cur = p2_take_free(p);
		p->cur->seq = p->next_seq++;
	}
	it = &p->cur->it[p->cur->n++];
	it->id = ++p->next_id;
	for (size_t i = 0; i < NF; i++) {
		int f = r->map[i];
		it->len[f] = norm(it->val[f], f, r->cell[i], r->len[i]);
	}
	if (p->cur->n == (size_t)p->C->bsize) {
		p2_push_work(p, p->cur);
		p->cur = NULL;
	}
}

static void *p2_reader(void *arg)
{
	struct pipe2 *p = arg;
	double c0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
	pbatch *e;
	p->rows = read_csv_file(p->csv, p2_row, p);
	if (p->cur) {
		p2_push_work(p, p->cur);
		p->cur = NULL;
	}
	e = p2_take_free(p); /* the end: an empty batch in sequence */
	e->seq = p->next_seq++;
	p2_push_work(p, e);
	p->cpu_reader = cpu_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	return NULL;
}

/* seal B (outside the lock) and place it among the ready ones */
static void p2_seal(struct pipe2 *p, pbatch *b, fl_rng *g)
{
	seal_items(b->it, b->n, p->k, g, p->level);
	if (!p->plain) /* the plaintext is not needed any more */
		for (size_t i = 0; i < b->n; i++)
			for (int f = 0; f < NF; f++)
				sodium_memzero(b->it[i].val[f], b->it[i].len[f]);
	p2_lock(p);
	p->ready[b->seq % POOL] = b;
	pthread_cond_signal(&p->c_ready);
	p2_unlock(p);
}

/* the oldest read batch not sealed yet, or NULL (WAIT: until one comes,
 * NULL at the end) */
static pbatch *p2_take_work(struct pipe2 *p, int wait)
{
	pbatch *b = NULL;
	while (!p->wcount && wait && !p->stop)
		p2_wait(p, &p->c_work);
	if (p->wcount && p->work[p->whead]->n > 0) {
		b = p->work[p->whead];
		p->whead = (p->whead + 1) % POOL;
		p->wcount--;
	} else if (p->wcount && p->work[p->whead]->n == 0) {
		/* the end: to the store, not sealed; the sealers stop */
		b = p->work[p->whead];
		p->whead = (p->whead + 1) % POOL;
		p->wcount--;
		p->ready[b->seq % POOL] = b;
		p->stop = 1;
		pthread_cond_broadcast(&p->c_work);
		pthread_cond_signal(&p->c_ready);
		b = NULL;
	}
	return b;
}

struct p2_sarg {
	struct pipe2 *p;
	int k;
};

static void *p2_sealer(void *arg)
{
	struct pipe2 *p = ((struct p2_sarg *)arg)->p;
	int k = ((struct p2_sarg *)arg)->k;
	fl_rng *g = sodium_malloc(sizeof *g);
	double c0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
	if (!g)
		die("sodium_malloc");
	g->used = 0;
	for (;;) {
		pbatch *b;
		p2_lock(p);
		b = p2_take_work(p, 1);
		p2_unlock(p);
		if (!b)
			break;
		p2_seal(p, b, g);
	}
	p->cpu_sealer[k] = cpu_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	sodium_free(g);
	return NULL;
}

/* The pipeline storing layout L at its level with configuration C.  Wall
 * seconds from opening the file to the commit; CPU[0] the caller's storing,
 * CPU[1] the caller's sealing (HELP), CPU[2] the reader, CPU[3] the sealers. */
static double pipe2_import(const char *dbpath, const char *csv, const fl_keys *k, unsigned long long want, const struct lay *L,
			   const struct pcfg *C, double cpu[4])
{
	struct pipe2 *p = calloc(1, sizeof *p);
	struct p2_sarg sa[2];
	pthread_t rt, st[2];
	struct store s;
	fl_rng *g = sodium_malloc(sizeof *g);
	double t, c0, chelp = 0;
	if (!p || !g)
		die("out of memory");
	g->used = 0;
	p->csv = csv;
	p->k = k;
	p->C = C;
	p->level = L->level;
	p->plain = L->layout == LAY_PLAIN;
	p->end_seq = -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->c_work, NULL);
	pthread_cond_init(&p->c_ready, NULL);
	pthread_cond_init(&p->c_free, NULL);
	for (int i = 0; i < POOL; i++) {
		if (!(p->pool[i] = malloc(sizeof(pbatch))))
			die("out of memory");
		memset(p->pool[i], 0, sizeof(pbatch)); /* touched once, before the clock */
		p->freeb[p->nfree++] = p->pool[i];
	}
	c0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
	t = now_s();
	store_open(&s, dbpath, L, k);
	if (pthread_create(&rt, NULL, p2_reader, p) != 0)
		die("pthread_create");
	for (int i = 0; i < C->nsealers; i++) {
		sa[i].p = p;
		sa[i].k = i;
		if (pthread_create(&st[i], NULL, p2_sealer, &sa[i]) != 0)
			die("pthread_create");
	}
	for (int64_t seq = 0;; seq++) {
		pbatch *b;
		p2_lock(p);
		while (!(b = p->ready[seq % POOL])) {
			pbatch *w = (C->help || C->nsealers == 0) ? p2_take_work(p, 0) : NULL;
			if (w) {
				double h0;
				p2_unlock(p);
				h0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
				p2_seal(p, w, g);
				chelp += cpu_s(CLOCK_THREAD_CPUTIME_ID) - h0;
				p2_lock(p);
			} else if (!p->ready[seq % POOL]) { /* (the end, just placed) */
				p2_wait(p, &p->c_ready);
			}
		}
		p->ready[seq % POOL] = NULL;
		p2_unlock(p);
		if (b->n == 0) /* the end */
			break;
		store_batch(&s, b->it, b->n);
		p2_lock(p);
		p->freeb[p->nfree++] = b;
		pthread_cond_signal(&p->c_free);
		p2_unlock(p);
	}
	store_finish(&s);
	t = now_s() - t;
	cpu[0] = cpu_s(CLOCK_THREAD_CPUTIME_ID) - c0 - chelp;
	cpu[1] = chelp;
	pthread_join(rt, NULL);
	p2_lock(p);
	p->stop = 1;
	pthread_cond_broadcast(&p->c_work);
	p2_unlock(p);
	for (int i = 0; i < C->nsealers; i++)
		pthread_join(st[i], NULL);
	cpu[2] = p->cpu_reader;
	cpu[3] = p->cpu_sealer[0] + (C->nsealers > 1 ? p->cpu_sealer[1] : 0);
	rm_db(dbpath);
	if (p->rows != want || s.stored != want)
		die("the pipeline imported %llu rows (read %llu), expected %llu", s.stored, p->rows, want);
	for (int i = 0; i < POOL; i++)
		free(p->pool[i]);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->c_work);
	pthread_cond_destroy(&p->c_ready);
	pthread_cond_destroy(&p->c_free);
	free(p);
	sodium_free(g);
	return t;
}

/* The layouts and pipelines -x compares (bench/README.md, "the import's
 * true ceiling"): page size, cache MiB, mmap MiB last. */
static const struct lay lays[] = {
	{ "plain: the baseline's rows, 1 a statement", LAY_PLAIN, 1, 1, 0, 4096, 64, 0 },
	{ "plain, 64 a statement", LAY_PLAIN, 1, 64, 0, 4096, 64, 0 },
	{ "plain, page 16384", LAY_PLAIN, 1, 1, 0, 16384, 64, 0 },
	{ "plain, cache 512 MiB, mmap 512 MiB", LAY_PLAIN, 1, 1, 0, 4096, 512, 512 },
	{ "tables L0", LAY_TABLES, 0, 1, 0, 4096, 64, 0 },
	{ "tables L1 (P-design's rows)", LAY_TABLES, 1, 1, 0, 4096, 64, 0 },
	{ "tables L1, 64 a statement, sorted", LAY_TABLES, 1, 64, 1, 4096, 64, 0 },
	{ "wide L0", LAY_WIDE, 0, 1, 0, 4096, 64, 0 },
	{ "wide L1 (index MACs, 4 seals)", LAY_WIDE, 1, 1, 0, 4096, 64, 0 },
	{ "wide L2 (1 seal over row + hashes)", LAY_WIDE, 2, 1, 0, 4096, 64, 0 },
	{ "wide L2, 16 a statement", LAY_WIDE, 2, 16, 0, 4096, 64, 0 },
	{ "wide L2, 64 a statement", LAY_WIDE, 2, 64, 0, 4096, 64, 0 },
	{ "wide L2, sorted by e-mail hash", LAY_WIDE, 2, 1, 1, 4096, 64, 0 },
	{ "wide L2, page 8192", LAY_WIDE, 2, 1, 0, 8192, 64, 0 },
	{ "wide L2, page 16384", LAY_WIDE, 2, 1, 0, 16384, 64, 0 },
	{ "wide L2, 64-bit integer index keys", LAY_WIDE, 2, 1, 0, 4096, 64, 0, 1 },
	{ "wide L2, integer keys, page 16384", LAY_WIDE, 2, 1, 0, 16384, 64, 0, 1 },
	{ "wide L0, page 16384", LAY_WIDE, 0, 1, 0, 16384, 64, 0 },
	{ "wide L1, page 16384", LAY_WIDE, 1, 1, 0, 16384, 64, 0 },
	{ "tables L1, page 16384", LAY_TABLES, 1, 1, 0, 16384, 64, 0 },
	{ "wide L2, cache 512 MiB", LAY_WIDE, 2, 1, 0, 4096, 512, 0 },
	{ "plain, indexes made at the end", LAY_PLAIN, 1, 1, 0, 4096, 64, 0, 0, 1 },
	{ "plain, page 16384, indexes at the end", LAY_PLAIN, 1, 1, 0, 16384, 64, 0, 0, 1 },
	{ "wide L0, integer keys, page 16384", LAY_WIDE, 0, 1, 0, 16384, 64, 0, 1 },
	{ "wide L1, integer keys, page 16384", LAY_WIDE, 1, 1, 0, 16384, 64, 0, 1 },
	{ "wide L2, int keys, page 16384, idx at end", LAY_WIDE, 2, 1, 0, 16384, 64, 0, 1, 1 },
	{ "wide L2, indexes made at the end", LAY_WIDE, 2, 1, 0, 4096, 64, 0, 0, 1 },
	{ "wide L1, indexes made at the end", LAY_WIDE, 1, 1, 0, 4096, 64, 0, 0, 1 },
	{ "tables L1, entries sorted, inserted at the end", LAY_TABLES, 1, 1, 0, 4096, 64, 0, 0, 1 },
	{ "wide L2, cache 512 MiB, mmap 512 MiB", LAY_WIDE, 2, 1, 0, 4096, 512, 512 },
};
#define NLAYS (sizeof lays / sizeof lays[0])

static const struct pcfg pcfgs[] = {
	{ "2 sealers, store waits (P's form, pooled)", 2, 0, 0, 64 },
	{ "2 sealers, store helps", 2, 1, 0, 64 },
	{ "1 sealer, store helps", 1, 1, 0, 64 },
	{ "1 sealer, store helps, 256 a batch", 1, 1, 0, 256 },
	{ "1 sealer, store helps, spin", 1, 1, 1, 64 },
	{ "no sealer: the store seals (2 threads)", 0, 1, 0, 64 },
};
#define NPCFGS (sizeof pcfgs / sizeof pcfgs[0])

/* What make bench prints (chosen with -x, bench/README.md): the cheapest
 * layout at each level and the best pipeline. */
static const struct lay best_lay[3] = {
	{ "wide L0", LAY_WIDE, 0, 1, 0, 16384, 64, 0, 1 },
	{ "wide L1", LAY_WIDE, 1, 1, 0, 16384, 64, 0, 1 },
	{ "wide L2", LAY_WIDE, 2, 1, 0, 16384, 64, 0, 1 },
};
static const struct lay plain_lay = { "plain", LAY_PLAIN, 1, 1, 0, 4096, 64, 0 };
static const struct pcfg best_pipe = { "1 sealer, store helps", 1, 1, 0, 64 };

/* -x: every layout's store stage alone and the pipelines, RUNS times each,
 * medians */
static void explore(const char *dbpath, const char *csv, const struct table *t, const fl_keys *k, unsigned long long N, int runs,
		    int which)
{
	double n = (double)N, b[64], bc[64], B, BC, w[64], cc[64];
	for (int r = 0; r < runs; r++)
		b[r] = base_import(dbpath, csv, N, &bc[r]);
	B = median(b, runs);
	BC = median(bc, runs);
	printf("baseline B (the goal's: SQLite's defaults): %.2f us wall, %.2f us CPU a client (load %.1f)\n", B * 1e6 / n,
	       BC * 1e6 / n, loadavg());
	set_lean(1);
	for (int r = 0; r < runs; r++)
		w[r] = base_import(dbpath, csv, N, &cc[r]);
	printf("baseline B, lean (no memory statistics, no connection mutex): %.2f us wall, %.2f us CPU a client (load %.1f)\n",
	       median(w, runs) * 1e6 / n, median(cc, runs) * 1e6 / n, loadavg());
	g_page = 16384;
	for (int r = 0; r < runs; r++)
		w[r] = base_import(dbpath, csv, N, &cc[r]);
	g_page = 4096;
	printf("baseline B, lean, page 16384: %.2f us wall, %.2f us CPU a client (load %.1f)\n", median(w, runs) * 1e6 / n,
	       median(cc, runs) * 1e6 / n, loadavg());
	printf("(the floors below run lean, as Fortress does; the ratios are against the goal's B)\n");
	if (which & 1) {
		printf("store stage alone (sealed batches of 64, the store's calls timed), per client:\n");
		for (size_t i = 0; i < NLAYS; i++) {
			for (int r = 0; r < runs; r++)
				w[r] = store_only(dbpath, t, k, &lays[i], &cc[r]);
			printf("  %-44s %6.2f us wall %6.2f us CPU   (load %.1f)\n", lays[i].name, median(w, runs) * 1e6 / n,
			       median(cc, runs) * 1e6 / n, loadavg());
			fflush(stdout);
		}
	}
	if (which & 2) {
		const struct lay *L[4] = { &plain_lay, &best_lay[0], &best_lay[1], &best_lay[2] };
		printf("pipelines: ratio B/P by wall; by CPU: store (with no sealer: and its sealing), total, two-core B/max(store, total/2):\n");
		for (size_t i = 0; i < NPCFGS; i++)
			for (int l = 0; l < 4; l++) {
				double pc[64][4], st[64], tot[64], S, T;
				for (int r = 0; r < runs; r++) {
					w[r] = pipe2_import(dbpath, csv, k, N, L[l], &pcfgs[i], pc[r]);
					/* with no sealer thread the store's thread seals
					 * everything: its sealing is not spare work */
					st[r] = pc[r][0] + (pcfgs[i].nsealers ? 0 : pc[r][1]);
					tot[r] = pc[r][0] + pc[r][1] + pc[r][2] + pc[r][3];
				}
				S = median(st, runs);
				T = median(tot, runs);
				printf("  %-42s %-8s %6.2f us wall ratio %.2f | CPU store %5.2f total %5.2f us -> %.2f (load %.1f)\n",
				       pcfgs[i].name, L[l]->name, median(w, runs) * 1e6 / n, B / median(w, runs), S * 1e6 / n,
				       T * 1e6 / n, BC / (S > T / 2 ? S : T / 2), loadavg());
				fflush(stdout);
			}
	}
}

/* ------------------------------------------------------------- main */

static void count_row(struct rec *r, void *ctx)
{
	(void)r;
	(void)ctx;
}

int main(int argc, char **argv)
{
	const char *dir = "/tmp", *csv, *only = NULL;
	char dbpath[4096];
	int runs = 3, c, xw = 0, lean = 0;
	unsigned long long N;
	struct table tab;
	fl_keys *k;
	double b[64], bc[64], f0[64], f0c[64], f1[64], f1c[64], f2[64], f2c[64], pb[64], pd[64], pdc[4][64];
	/* the second pipeline (best_pipe): [0] the baseline's rows, [1..3] the
	 * cheapest layout at levels 0, 1, 2; the lean baseline */
	double q[4][64], qs[4][64], qt[4][64], bl[64], blc[64];

	while ((c = getopt(argc, argv, "r:d:s:x:l")) != -1) {
		switch (c) {
		case 'l':
			lean = 1;
			break;
		case 'x':
			xw = atoi(optarg);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 's':
			only = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: floor_import [-r RUNS] [-d TMPDIR] [-s PHASE [-l]] [-x 1|2|3] CLIENTS.csv\n");
			return 2;
		}
	}
	if (optind != argc - 1 || runs < 1 || runs > 64) {
		fprintf(stderr, "usage: floor_import [-r RUNS] [-d TMPDIR] [-s PHASE [-l]] [-x 1|2|3] CLIENTS.csv\n");
		return 2;
	}
	csv = argv[optind];
	if (sodium_init() < 0)
		die("sodium_init");
	if (!(k = sodium_malloc(sizeof *k)))
		die("sodium_malloc");
	fl_keys_init(k);
	snprintf(dbpath, sizeof dbpath, "%s/floor-%d.db", dir, (int)getpid());
	N = read_csv_file(csv, count_row, NULL);
	if (N == 0)
		die("%s: no rows", csv);
	memset(&tab, 0, sizeof tab);
	read_csv_file(csv, load_row, &tab); /* untimed: F works on values in memory */

	if (xw) {
		explore(dbpath, csv, &tab, k, N, runs, xw);
		rm_db(dbpath);
		return 0;
	}
	if (only) {
		double t, cpu = 0, pc[4] = { 0 };
		if (lean)
			set_lean(1);
		if (strncmp(only, "lay", 3) == 0 && only[3] >= '0' && only[3] <= '9' && (size_t)atoi(only + 3) < NLAYS)
			t = store_only(dbpath, &tab, k, &lays[atoi(only + 3)], &cpu);
		else if (strncmp(only, "store", 5) == 0 && only[5] >= '0' && only[5] <= '2' && !only[6])
			t = store_only(dbpath, &tab, k, &best_lay[only[5] - '0'], &cpu);
		else if (strncmp(only, "pipe2-", 6) == 0 && only[6] >= '0' && only[6] <= '2' && !only[7])
			t = pipe2_import(dbpath, csv, k, N, &best_lay[only[6] - '0'], &best_pipe, pc);
		else if (strcmp(only, "pipe2-plain") == 0)
			t = pipe2_import(dbpath, csv, k, N, &plain_lay, &best_pipe, pc);
		else if (strcmp(only, "fw") == 0) /* level 2 (the rules by the row), one thread */
			t = fphase(&tab, k, 2, 1, &cpu);
		else if (strcmp(only, "base") == 0)
			t = base_import(dbpath, csv, N, &cpu);
		else if (strcmp(only, "f0") == 0 || strcmp(only, "f1") == 0 || strcmp(only, "f2") == 0)
			t = fphase(&tab, k, only[1] != '0', only[1] == '2' ? 2 : 1, &cpu);
		else if (strcmp(only, "pipe") == 0 || strcmp(only, "design") == 0)
			t = pipe_import(dbpath, csv, k, N, only[0] == 'd', pc);
		else
			die("-s %s: not a phase (base, f0, f1, f2, fw, pipe, design, layN (-x's Nth layout), store0, store1, store2, pipe2-0, pipe2-1, pipe2-2, pipe2-plain)", only);
		rm_db(dbpath);
		printf("%s: %.3f s wall, %.3f s CPU (store's, or the phase's; pipelines: the caller's storing)\n", only, t,
		       cpu ? cpu : pc[0]);
		return 0;
	}
	for (int r = 0; r < runs; r++) {
		double pc[4];
		b[r] = base_import(dbpath, csv, N, &bc[r]);
		f0[r] = fphase(&tab, k, 0, 1, &f0c[r]);
		f1[r] = fphase(&tab, k, 1, 1, &f1c[r]);
		f2[r] = fphase(&tab, k, 1, 2, &f2c[r]);
		pb[r] = pipe_import(dbpath, csv, k, N, 0, pc);
		pd[r] = pipe_import(dbpath, csv, k, N, 1, pc);
		for (int i = 0; i < 4; i++)
			pdc[i][r] = pc[i];
		/* SQLite as Fortress runs it, the baseline too (printed) */
		set_lean(1);
		g_page = 16384;
		bl[r] = base_import(dbpath, csv, N, &blc[r]);
		g_page = 4096;
		for (int l = 0; l < 4; l++) {
			double qc[4];
			q[l][r] = pipe2_import(dbpath, csv, k, N, l ? &best_lay[l - 1] : &plain_lay, &best_pipe, qc);
			qs[l][r] = qc[0];
			qt[l][r] = qc[0] + qc[1] + qc[2] + qc[3];
		}
		set_lean(0);
		fprintf(stderr, "  run %d (load %.1f): lean baseline %.3fs; second pipeline: baseline rows %.3fs, cheapest layout L0 %.3fs,"
			" L1 %.3fs, L2 %.3fs\n", r + 1, loadavg(), bl[r], q[0][r], q[1][r], q[2][r], q[3][r]);
		fprintf(stderr, "  run %d (load %.1f): baseline %.3fs (CPU %.3fs) | crypto 1 thread: design %.3fs, +rules %.3fs;"
			" 2 threads %.3fs | pipeline: baseline rows %.3fs, design rows %.3fs (CPU: store %.2fs, reader %.2fs,"
			" sealers %.2f+%.2fs)\n",
			r + 1, loadavg(), b[r], bc[r], f0[r], f1[r], f2[r], pb[r], pd[r], pc[0], pc[1], pc[2], pc[3]);
	}
	rm_db(dbpath);
	{
		double n = (double)N, B = median(b, runs), BC = median(bc, runs);
		double F0 = median(f0, runs), F1 = median(f1, runs), F0C = median(f0c, runs), F1C = median(f1c, runs);
		double F2 = median(f2, runs), PB = median(pb, runs), PD = median(pd, runs);
#define CEIL1(b_, f_) ((b_) / ((b_) + (f_)))
#define CEIL2(b_, f_) ((b_) / ((b_) > ((b_) + (f_)) / 2 ? (b_) : ((b_) + (f_)) / 2))
		printf("import floor, %llu clients (median of %d runs; the cryptography the design mandates, on libsodium; bench/README.md \"Ceilings by design\"):\n",
		       N, runs);
		printf("  %-52s %9.0f clients/s  %6.2f us wall, %5.2f us CPU a client\n", "baseline (plaintext SQLite, vault_bench's)", n / B,
		       B * 1e6 / n, BC * 1e6 / n);
		printf("  %-52s %9.0f clients/s  %6.2f us wall, %5.2f us CPU a client\n", "floor cryptography, DESIGN.md only, 1 thread",
		       n / F0, F0 * 1e6 / n, F0C * 1e6 / n);
		printf("  %-52s %9.0f clients/s  %6.2f us wall, %5.2f us CPU a client\n", "floor cryptography, + Fortress's rules, 1 thread",
		       n / F1, F1 * 1e6 / n, F1C * 1e6 / n);
		printf("  %-52s %9.0f clients/s\n", "floor cryptography, + Fortress's rules, 2 threads", n / F2);
		printf("  ceiling ratio B/(B+F), one core:              DESIGN.md %.2f  + rules %.2f   (by CPU time: %.2f, %.2f)\n",
		       CEIL1(B, F0), CEIL1(B, F1), CEIL1(BC, F0C), CEIL1(BC, F1C));
		printf("  ceiling ratio B/max(B,(B+F)/2), 2 cores:      DESIGN.md %.2f  + rules %.2f   (by CPU time: %.2f, %.2f)\n",
		       CEIL2(B, F0), CEIL2(B, F1), CEIL2(BC, F0C), CEIL2(BC, F1C));
		printf("  %-52s %9.0f clients/s  ratio %.2f\n", "floor pipeline (reader, 2 sealers, store): baseline's rows", n / PB, B / PB);
		printf("  %-52s %9.0f clients/s  ratio %.2f  (CPU a client: store %.2f, reader %.2f, sealers %.2f us)\n",
		       "floor pipeline (reader, 2 sealers, store): design's rows", n / PD, B / PD, median(pdc[0], runs) * 1e6 / n,
		       median(pdc[1], runs) * 1e6 / n, (median(pdc[2], runs) + median(pdc[3], runs)) * 1e6 / n);
		{
			static const char *const lvl[4] = { "the baseline's rows", "L0, DESIGN.md", "L1, + the rules",
							    "L2, the rules by the row" };
			double BL = median(bl, runs), BLC = median(blc, runs);
			printf("  the cheapest layout found of the design's rows: one row a client, the index hashes as its columns, indexed by\n"
			       "  their first 8 bytes as integers; lean SQLite as Fortress's, page 16384.  The baseline with those settings:\n"
			       "  %.0f clients/s, %.2f us CPU a client.  Its pipeline (%s), ratios against the goal's B:\n",
			       n / BL, BLC * 1e6 / n, best_pipe.name);
			for (int l = 0; l < 4; l++) {
				double Q = median(q[l], runs), S = median(qs[l], runs), T = median(qt[l], runs);
				printf("    %-26s %9.0f clients/s  ratio %.2f (%.2f against that baseline)  (CPU a client: store %5.2f, all %5.2f us;"
				       " two cores B/max(store, all/2) %.2f)\n",
				       lvl[l], n / Q, B / Q, BL / Q, S * 1e6 / n, T * 1e6 / n, BC / (S > T / 2 ? S : T / 2));
			}
			printf("{\"bench\":\"import_floor_layout\",\"clients\":%llu,\"runs\":%d,\"baseline_lean_cps\":%.0f,"
			       "\"pipe2_base_ratio\":%.3f,\"wide_l0_ratio\":%.3f,\"wide_l1_ratio\":%.3f,\"wide_l2_ratio\":%.3f,"
			       "\"wide_l0_store_us\":%.2f,\"wide_l1_store_us\":%.2f,\"wide_l2_store_us\":%.2f}\n",
			       N, runs, n / BL, B / median(q[0], runs), B / median(q[1], runs), B / median(q[2], runs),
			       B / median(q[3], runs), median(qs[1], runs) * 1e6 / n, median(qs[2], runs) * 1e6 / n,
			       median(qs[3], runs) * 1e6 / n);
		}
		printf("{\"bench\":\"import_floor\",\"clients\":%llu,\"runs\":%d,\"baseline_cps\":%.0f,\"baseline_cpu_us\":%.2f,"
		       "\"floor_design_cpu_us\":%.2f,\"floor_rules_cpu_us\":%.2f,\"floor_rules_cps\":%.0f,\"floor_rules_2t_cps\":%.0f,"
		       "\"ceiling_1core_design\":%.3f,\"ceiling_1core_rules\":%.3f,\"ceiling_2core_design\":%.3f,\"ceiling_2core_rules\":%.3f,"
		       "\"ceiling_cpu_1core_rules\":%.3f,\"ceiling_cpu_2core_rules\":%.3f,"
		       "\"pipe_base_cps\":%.0f,\"pipe_base_ratio\":%.3f,\"pipe_design_cps\":%.0f,\"pipe_design_ratio\":%.3f}\n",
		       N, runs, n / B, BC * 1e6 / n, F0C * 1e6 / n, F1C * 1e6 / n, n / F1, n / F2, CEIL1(B, F0), CEIL1(B, F1),
		       CEIL2(B, F0), CEIL2(B, F1), CEIL1(BC, F1C), CEIL2(BC, F1C), n / PB, B / PB, n / PD, B / PD);
	}
	free(tab.buf);
	free(tab.off);
	free(tab.len);
	sodium_free(k);
	return 0;
}
