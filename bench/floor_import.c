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
 * -s PHASE runs one phase only, once, and prints nothing but its time (for
 * valgrind --tool=callgrind): base, f0, f1, f2, pipe (baseline's rows),
 * design (design's rows).
 * Exit 0, or 2 when the benchmark failed. */
#include <csv.h>
#include <errno.h>
#include <pthread.h>
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

static sqlite3 *db_new(const char *path)
{
	sqlite3 *db;
	rm_db(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("open %s", path);
	/* vault_bench's baseline settings (the vault's) */
	ex(db, "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
	       " PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;");
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

static double base_import(const char *dbpath, const char *csv, unsigned long long want, double *cpu)
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
			fl_digest_add(&dg, s);
			if ((rows += ROWS_PER_CLIENT) >= SEAL_BATCH) {
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
	int runs = 3, c;
	unsigned long long N;
	struct table tab;
	fl_keys *k;
	double b[64], bc[64], f0[64], f0c[64], f1[64], f1c[64], f2[64], f2c[64], pb[64], pd[64], pdc[4][64];

	while ((c = getopt(argc, argv, "r:d:s:")) != -1) {
		switch (c) {
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
			fprintf(stderr, "usage: floor_import [-r RUNS] [-d TMPDIR] [-s PHASE] CLIENTS.csv\n");
			return 2;
		}
	}
	if (optind != argc - 1 || runs < 1 || runs > 64) {
		fprintf(stderr, "usage: floor_import [-r RUNS] [-d TMPDIR] [-s PHASE] CLIENTS.csv\n");
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

	if (only) {
		double t, cpu, pc[4];
		if (strcmp(only, "base") == 0)
			t = base_import(dbpath, csv, N, &cpu);
		else if (strcmp(only, "f0") == 0 || strcmp(only, "f1") == 0 || strcmp(only, "f2") == 0)
			t = fphase(&tab, k, only[1] != '0', only[1] == '2' ? 2 : 1, &cpu);
		else if (strcmp(only, "pipe") == 0 || strcmp(only, "design") == 0)
			t = pipe_import(dbpath, csv, k, N, only[0] == 'd', pc);
		else
			die("-s %s: not a phase (base, f0, f1, f2, pipe, design)", only);
		rm_db(dbpath);
		printf("%s: %.3f s\n", only, t);
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
