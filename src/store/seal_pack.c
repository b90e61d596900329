/* seal_pack.c - the packed seal log of the SQLite backend (schema 21,
 * issue 16).
 *
 * seal_log holds one row per run of up to SEAL_PACK_ROWS seals of one
 * audit entry: its rowid is the run's first seal's rowid (SEAL_ROWID: the
 * entry's seq << 32 plus the seal's place among the entry's seals), seq is
 * the entry's, and seals is a BLOB of SEAL_PACK_LEN-byte tuples, one per
 * seal at the rowids that follow: the table's number (its place in
 * sqlite.c's seal_table, fixed forever), the row's seal id (8 bytes,
 * big-endian) and its hash (32 bytes).  A run never crosses a rowid that is
 * a multiple of SEAL_PACK_ROWS, nor a gap, nor a change of seq: so a log
 * has one packed form, and a copy through PostgreSQL (a row per seal) and
 * back gives the same rows byte for byte.  Appending a row per 64 seals
 * instead of a row per seal was ~2.9k instructions a seal (bench/README.md).
 *
 * What the rows were, one per seal, the eponymous virtual table seal_rows
 * shows (seq, tbl, id, hash, and the seal's rowid), so the heads' check and
 * the seal adoption keep their SQL; the migration packs an old log with the
 * aggregate seal_pack(rowid, tbl, id, hash).  A damaged tuple (an unknown
 * table number, a blob cut short) shows as table '?' and can match no
 * seal: it is tamper that a digest or `audit verify` names, never a crash. */
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "util.h"
#include "store/sqlite_int.h"

void seal_pack_put(unsigned char *p, int tbl, int64_t id, const unsigned char hash[32])
{
	uint64_t u = (uint64_t)id;
	p[0] = (unsigned char)tbl;
	for (int i = 0; i < 8; i++)
		p[1 + i] = (unsigned char)(u >> (56 - 8 * i));
	memcpy(p + 9, hash, 32);
}

int seal_pack_get(const unsigned char *blob, size_t len, size_t k, int ntables, int *tbl, int64_t *id, const unsigned char **hash)
{
	const unsigned char *p;
	uint64_t u = 0;
	if (k >= len / SEAL_PACK_LEN)
		return -1; /* a tuple cut short */
	p = blob + k * SEAL_PACK_LEN;
	if (p[0] >= ntables)
		return -1;
	for (int i = 0; i < 8; i++)
		u = u << 8 | p[1 + i];
	*tbl = p[0];
	*id = (int64_t)u;
	*hash = p + 9;
	return 0;
}

size_t seal_pack_count(size_t len) { return (len + SEAL_PACK_LEN - 1) / SEAL_PACK_LEN; }

/* The names of the sealed tables, in their numbers' order (sqlite.c). */
struct pack_names {
	const char *const *name;
	int n;
};

static int name_index(const struct pack_names *t, const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->name[i], name) == 0)
			return i;
	return -1;
}

/* ------------------------------------------------ seal_rows, the log unpacked */

struct rows_vtab {
	sqlite3_vtab base;
	sqlite3 *db;
	const struct pack_names *names;
};

struct rows_cur {
	sqlite3_vtab_cursor base;
	sqlite3_stmt *st;            /* the packed rows, by rowid */
	const unsigned char *p;      /* the current row's blob (valid until st steps) */
	size_t len, k, nk;           /* its length, the tuple shown, its tuples */
	int64_t first, seq;
	int want;                    /* a table number asked for (tbl = ?), or -1 */
	int eof;
};

enum { COL_SEQ, COL_TBL, COL_ID, COL_HASH };

static int rows_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **err)
{
	struct rows_vtab *v;
	int rc;
	(void)argc;
	(void)argv;
	(void)err;
	if ((rc = sqlite3_declare_vtab(db, "CREATE TABLE x(seq INTEGER, tbl TEXT, id INTEGER, hash BLOB)")) != SQLITE_OK)
		return rc;
	if (!(v = sqlite3_malloc(sizeof *v)))
		return SQLITE_NOMEM;
	memset(v, 0, sizeof *v);
	v->db = db;
	v->names = aux;
	*out = &v->base;
	return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *v)
{
	sqlite3_free(v);
	return SQLITE_OK;
}

/* tbl = ? is taken into the scan (the tuples of other tables are skipped
 * without a row each); SQLite still checks it on the rows shown. */
static int rows_best_index(sqlite3_vtab *v, sqlite3_index_info *ix)
{
	(void)v;
	ix->idxNum = 0;
	ix->estimatedCost = 1e6;
	for (int i = 0; i < ix->nConstraint; i++) {
		const struct sqlite3_index_constraint *c = &ix->aConstraint[i];
		if (c->usable && c->iColumn == COL_TBL && c->op == SQLITE_INDEX_CONSTRAINT_EQ) {
			ix->aConstraintUsage[i].argvIndex = 1;
			ix->idxNum = 1;
			ix->estimatedCost = 1e5;
			break;
		}
	}
	return SQLITE_OK;
}

static int rows_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
	struct rows_vtab *v = (struct rows_vtab *)vt;
	struct rows_cur *c;
	int rc;
	if (!(c = sqlite3_malloc(sizeof *c)))
		return SQLITE_NOMEM;
	memset(c, 0, sizeof *c);
	rc = sqlite3_prepare_v2(v->db, "SELECT rowid, seq, seals FROM main.seal_log ORDER BY rowid", -1, &c->st, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_free(c);
		return rc;
	}
	*out = &c->base;
	return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *cur)
{
	struct rows_cur *c = (struct rows_cur *)cur;
	sqlite3_finalize(c->st);
	sqlite3_free(c);
	return SQLITE_OK;
}

/* The next tuple from the cursor's place (K included when FROM_K). */
static int rows_seek(struct rows_cur *c, int from_k)
{
	if (!from_k)
		c->k++;
	for (;;) {
		int rc;
		for (; c->k < c->nk; c->k++)
			if (c->want < 0 || (c->k < c->len / SEAL_PACK_LEN && c->p[c->k * SEAL_PACK_LEN] == c->want))
				return SQLITE_OK;
		if ((rc = sqlite3_step(c->st)) != SQLITE_ROW) {
			c->eof = 1;
			return rc == SQLITE_DONE ? SQLITE_OK : rc;
		}
		c->first = sqlite3_column_int64(c->st, 0);
		c->seq = sqlite3_column_int64(c->st, 1);
		c->p = sqlite3_column_blob(c->st, 2);
		c->len = c->p ? (size_t)sqlite3_column_bytes(c->st, 2) : 0;
		c->nk = seal_pack_count(c->len);
		c->k = 0;
	}
}

static int rows_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxs, int argc, sqlite3_value **argv)
{
	struct rows_cur *c = (struct rows_cur *)cur;
	struct rows_vtab *v = (struct rows_vtab *)cur->pVtab;
	(void)idxs;
	sqlite3_reset(c->st);
	c->eof = 0;
	c->p = NULL;
	c->len = c->k = c->nk = 0;
	c->want = -1;
	if (idx == 1 && argc == 1)
		c->want = name_index(v->names, (const char *)sqlite3_value_text(argv[0])); /* unknown: every row, SQLite filters */
	return rows_seek(c, 1);
}

static int rows_next(sqlite3_vtab_cursor *cur) { return rows_seek((struct rows_cur *)cur, 0); }

static int rows_eof(sqlite3_vtab_cursor *cur) { return ((struct rows_cur *)cur)->eof; }

static int rows_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	struct rows_cur *c = (struct rows_cur *)cur;
	struct rows_vtab *v = (struct rows_vtab *)cur->pVtab;
	const unsigned char *h;
	int64_t id;
	int t, ok = seal_pack_get(c->p, c->len, c->k, v->names->n, &t, &id, &h) == 0;
	switch (col) {
	case COL_SEQ:
		sqlite3_result_int64(ctx, c->seq);
		break;
	case COL_TBL:
		sqlite3_result_text(ctx, ok ? v->names->name[t] : "?", -1, SQLITE_STATIC);
		break;
	case COL_ID:
		if (ok)
			sqlite3_result_int64(ctx, id);
		else
			sqlite3_result_null(ctx);
		break;
	default:
		if (ok)
			sqlite3_result_blob(ctx, h, 32, SQLITE_TRANSIENT);
		else
			sqlite3_result_null(ctx);
	}
	return SQLITE_OK;
}

static int rows_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	struct rows_cur *c = (struct rows_cur *)cur;
	*rowid = c->first + (int64_t)c->k;
	return SQLITE_OK;
}

static const sqlite3_module rows_module = {
	.iVersion = 0,
	.xCreate = NULL, /* eponymous only: no CREATE VIRTUAL TABLE */
	.xConnect = rows_connect,
	.xBestIndex = rows_best_index,
	.xDisconnect = rows_disconnect,
	.xDestroy = rows_disconnect,
	.xOpen = rows_open,
	.xClose = rows_close,
	.xFilter = rows_filter,
	.xNext = rows_next,
	.xEof = rows_eof,
	.xColumn = rows_column,
	.xRowid = rows_rowid,
};

/* ------------------------------------- seal_pack(), the migration's packer */

struct pack_seal {
	int64_t rowid;
	unsigned char t[SEAL_PACK_LEN];
};

struct pack_agg {
	int n, over;
	struct pack_seal e[SEAL_PACK_ROWS];
};

static void pack_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct pack_names *names = sqlite3_user_data(ctx);
	struct pack_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
	unsigned char h[32] = { 0 };
	int t;
	(void)argc;
	if (!a) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (a->n == SEAL_PACK_ROWS) {
		a->over = 1;
		return;
	}
	t = name_index(names, (const char *)sqlite3_value_text(argv[1]));
	if (sqlite3_value_type(argv[3]) == SQLITE_BLOB && sqlite3_value_bytes(argv[3]) == 32)
		memcpy(h, sqlite3_value_blob(argv[3]), 32);
	else
		t = -1;
	/* a row no seal could have written (edited outside Fortress): a
	 * tuple of no table, which every digest and check names */
	a->e[a->n].rowid = sqlite3_value_int64(argv[0]);
	seal_pack_put(a->e[a->n].t, t < 0 ? 0xff : t, sqlite3_value_int64(argv[2]), h);
	a->n++;
}

static void pack_final(sqlite3_context *ctx)
{
	struct pack_agg *a = sqlite3_aggregate_context(ctx, 0);
	unsigned char out[SEAL_PACK_ROWS * SEAL_PACK_LEN];
	if (!a || !a->n) {
		sqlite3_result_zeroblob(ctx, 0);
		return;
	}
	if (a->over) {
		sqlite3_result_error(ctx, "packing the seal log: more than 64 seals in a run", -1);
		return;
	}
	/* the run's seals in rowid order (at most 64: insertion sort) */
	for (int i = 1; i < a->n; i++)
		for (int j = i; j > 0 && a->e[j - 1].rowid > a->e[j].rowid; j--) {
			struct pack_seal x = a->e[j];
			a->e[j] = a->e[j - 1];
			a->e[j - 1] = x;
		}
	for (int i = 0; i < a->n; i++)
		memcpy(out + (size_t)i * SEAL_PACK_LEN, a->e[i].t, SEAL_PACK_LEN);
	sqlite3_result_blob(ctx, out, a->n * SEAL_PACK_LEN, SQLITE_TRANSIENT);
}

int seal_pack_register(sqlite3 *db, const char *const *names, int n)
{
	struct pack_names *t;
	int rc;
	if (!(t = sqlite3_malloc(sizeof *t)))
		return SQLITE_NOMEM;
	t->name = names;
	t->n = n;
	/* the module frees T with the connection; the function shares it */
	if ((rc = sqlite3_create_module_v2(db, "seal_rows", &rows_module, t, sqlite3_free)) != SQLITE_OK)
		return rc;
	return sqlite3_create_function_v2(db, "seal_pack", 4, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, t, NULL,
					  pack_step, pack_final, NULL);
}
