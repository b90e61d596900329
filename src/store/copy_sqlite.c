#include "store/sqlite_names.h" /* first: this file's store_X are sqlite_store_X (backends.h) */
/* copy_sqlite.c - raw rows of a SQLite vault (store.h, "raw rows"): what
 * `fortress store copy` reads from a vault file and writes into a new one,
 * every table as it is, nothing decrypted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "util.h"
#include "store/store.h"
#include "store/sqlite_int.h"
#include "store/seal_common.h"



/* Does TABLE keep a rowid of its own, apart from its columns (a rowid table
 * without an INTEGER PRIMARY KEY aliasing it)?  1, 0, or <0. */
static int own_rowid(sqlite3 *db, const char *table)
{
	sqlite3_stmt *st;
	int rc, r = 0;
	rc = sqlite3_prepare_v2(db,
				"SELECT (SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1) LIKE '%WITHOUT ROWID%',"
				" (SELECT count(*) FROM pragma_table_info(?1) WHERE pk > 0),"
				" (SELECT count(*) FROM pragma_table_info(?1) WHERE pk > 0 AND upper(type) = 'INTEGER')",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_error(db, rc, "reading the schema");
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		r = !sqlite3_column_int(st, 0) && !(sqlite3_column_int(st, 1) == 1 && sqlite3_column_int(st, 2) == 1);
	else
		r = store_sqlite_error(db, rc, "reading the schema");
	sqlite3_finalize(st);
	return r;
}

/* The heads of the three large sealed tables have a table each here
 * (sqlite.c, migration 20) and are rows of seal_head on PostgreSQL: a copy
 * reads and writes them as seal_head's rows (tbl, id, seq, hash), so both
 * backends list the same tables with the same rows. */
static const char *const own_head[][2] = {
	{ "clients", "seal_head_clients" }, { "blind", "seal_head_blind" }, { "uniq", "seal_head_uniq" },
};
#define OWN_HEADS (sizeof own_head / sizeof own_head[0])

static int own_heads_each(sqlite3 *db, store_raw_cb cb, void *ctx)
{
	static const char *const cols[4] = { "tbl", "id", "seq", "hash" };
	int r = 0;
	for (size_t k = 0; k < OWN_HEADS && r == 0; k++) {
		char sql[96];
		sqlite3_stmt *st;
		int rc;
		snprintf(sql, sizeof sql, "SELECT id, seq, hash FROM %s ORDER BY id", own_head[k][1]);
		if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
			return store_sqlite_error(db, rc, "reading the vault");
		while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			store_value v[4];
			memset(v, 0, sizeof v);
			v[0].type = STORE_V_TEXT;
			v[0].p = own_head[k][0];
			v[0].len = strlen(own_head[k][0]);
			for (int i = 0; i < 2; i++) {
				if (sqlite3_column_type(st, i) != SQLITE_INTEGER) {
					r = fort_error_set(FORT_ECORRUPT, "table %s, column %s does not hold an integer", own_head[k][1],
							   cols[1 + i]);
					break;
				}
				v[1 + i].type = STORE_V_INT;
				v[1 + i].i = sqlite3_column_int64(st, i);
			}
			if (r == 0 && sqlite3_column_type(st, 2) != SQLITE_BLOB)
				r = fort_error_set(FORT_ECORRUPT, "table %s, column hash does not hold bytes", own_head[k][1]);
			if (r != 0)
				break;
			v[3].type = STORE_V_BLOB;
			v[3].p = sqlite3_column_blob(st, 2);
			v[3].len = (size_t)sqlite3_column_bytes(st, 2);
			r = cb(ctx, "seal_head", 4, cols, v);
		}
		if (r == 0 && rc != SQLITE_DONE)
			r = store_sqlite_error(db, rc, "reading the vault");
		sqlite3_finalize(st);
	}
	return r;
}

/* seal_log is packed here (sqlite.c, migration 21; seal_pack.c) and on
 * PostgreSQL (postgres.c, its own migration 21, its own runs): a copy reads and writes it a row per seal
 * (rowid, seq, tbl, id, hash), as seal_rows shows it, so both backends
 * list the same rows. */
static int seal_log_each(sqlite3 *db, store_raw_cb cb, void *ctx)
{
	static const char *const cols[5] = { "rowid", "seq", "tbl", "id", "hash" };
	sqlite3_stmt *st;
	int rc, r = 0;
	if ((rc = sqlite3_prepare_v2(db, "SELECT rowid, seq, tbl, id, hash FROM seal_rows", -1, &st, NULL)) != SQLITE_OK)
		return store_sqlite_error(db, rc, "reading the vault");
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_value v[5];
		memset(v, 0, sizeof v);
		if (sqlite3_column_type(st, 3) == SQLITE_NULL) {
			r = fort_error_set(FORT_ECORRUPT,
					   "table seal_log: the seal at rowid %lld is damaged (edited outside Fortress):"
					   " run `fortress audit verify`",
					   (long long)sqlite3_column_int64(st, 0));
			break;
		}
		for (int i = 0; i < 2; i++) {
			v[i].type = STORE_V_INT;
			v[i].i = sqlite3_column_int64(st, i);
		}
		v[2].type = STORE_V_TEXT;
		v[2].p = sqlite3_column_text(st, 2);
		v[2].len = (size_t)sqlite3_column_bytes(st, 2);
		v[3].type = STORE_V_INT;
		v[3].i = sqlite3_column_int64(st, 3);
		v[4].type = STORE_V_BLOB;
		v[4].p = sqlite3_column_blob(st, 4);
		v[4].len = (size_t)sqlite3_column_bytes(st, 4);
		r = cb(ctx, "seal_log", 5, cols, v);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_sqlite_error(db, rc, "reading the vault");
	sqlite3_finalize(st);
	return r;
}

static int each_row(sqlite3 *db, const char *table, store_raw_cb cb, void *ctx)
{
	char sql[256], q[128];
	const char *cols[STORE_RAW_COLS_MAX];
	store_value vals[STORE_RAW_COLS_MAX];
	sqlite3_stmt *st;
	int rc, r, rowid, n;
	if ((rowid = own_rowid(db, table)) < 0)
		return rowid;
	if (raw_quote_ident(q, sizeof q, table) < 0)
		return fort_error_set(FORT_ECORRUPT, "the vault has a table with too long a name");
	snprintf(sql, sizeof sql, "SELECT %s* FROM %s%s", rowid ? "rowid AS rowid, " : "", q, rowid ? " ORDER BY rowid" : "");
	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return store_sqlite_error(db, rc, "reading the vault");
	n = sqlite3_column_count(st);
	if (n > STORE_RAW_COLS_MAX) {
		sqlite3_finalize(st);
		return fort_error_set(FORT_ECORRUPT, "table %s has %d columns, more than a vault's", table, n);
	}
	for (int i = 0; i < n; i++)
		cols[i] = sqlite3_column_name(st, i);
	r = 0;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++) {
			int ty = sqlite3_column_type(st, i);
			store_value *v = &vals[i];
			memset(v, 0, sizeof *v);
			if (ty == SQLITE_INTEGER) {
				v->type = STORE_V_INT;
				v->i = sqlite3_column_int64(st, i);
			} else if (ty == SQLITE_TEXT || ty == SQLITE_BLOB) {
				v->type = ty == SQLITE_TEXT ? STORE_V_TEXT : STORE_V_BLOB;
				v->p = ty == SQLITE_TEXT ? (const void *)sqlite3_column_text(st, i) : sqlite3_column_blob(st, i);
				v->len = (size_t)sqlite3_column_bytes(st, i);
			} else if (ty == SQLITE_NULL) {
				v->type = STORE_V_NULL;
			} else {
				r = fort_error_set(FORT_ECORRUPT, "table %s, column %s holds a floating-point number, which no vault writes",
						   table, cols[i]);
				break;
			}
		}
		if (r == 0)
			r = cb(ctx, table, (size_t)n, cols, vals);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_sqlite_error(db, rc, "reading the vault");
	sqlite3_finalize(st);
	return r;
}

int store_raw_each(store *s, store_raw_cb cb, void *ctx)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc, r = 0;
	rc = sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
				    " AND name NOT IN ('seal_head_clients', 'seal_head_blind', 'seal_head_uniq')"
				    " ORDER BY name <> 'users', name",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_error(db, rc, "reading the schema");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *nm = fort_strdup((const char *)sqlite3_column_text(st, 0));
		if (!nm || FORT_ARRAY_GROW(names, n + 1, cap, 32) < 0) {
			free(nm);
			r = fort_error_set(FORT_ENOMEM, "out of memory");
			break;
		}
		names[n++] = nm;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_sqlite_error(db, rc, "reading the schema");
	sqlite3_finalize(st);
	for (size_t i = 0; i < n && r == 0; i++)
		if (strcmp(names[i], "seal_log") == 0)
			r = seal_log_each(db, cb, ctx);
		else if ((r = each_row(db, names[i], cb, ctx)) == 0 && strcmp(names[i], "seal_head") == 0)
			r = own_heads_each(db, cb, ctx);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

/* The insert statement of the table being loaded, kept across rows (one
 * copy at a time per thread; store_raw_done finalizes it). */
static _Thread_local struct {
	sqlite3 *db;
	sqlite3_stmt *st;
	char table[64];
	char sig[1024];   /* the column names as given, joined */
	int keep[STORE_RAW_COLS_MAX];
} ins;

/* A seal_head row of an own-head table goes there (own_head). */
static _Thread_local struct {
	sqlite3 *db;
	sqlite3_stmt *st[OWN_HEADS];
} own_ins;

/* seal_log's rows, a row per seal, packed as the flush packs them (one
 * packed form per log: seal_pack.c): the run being gathered. */
static _Thread_local struct {
	sqlite3 *db;
	int64_t first, seq;
	size_t n;
	unsigned char pack[SEAL_PACK_ROWS * SEAL_PACK_LEN];
} log_ins;

static int log_ins_flush(void)
{
	sqlite3_stmt *st;
	int rc;
	if (!log_ins.n)
		return 0;
	if ((rc = sqlite3_prepare_v2(log_ins.db, "INSERT INTO seal_log(rowid, seq, seals) VALUES(?,?,?)", -1, &st, NULL)) != SQLITE_OK)
		return store_sqlite_error(log_ins.db, rc, "preparing the copy");
	sqlite3_bind_int64(st, 1, log_ins.first);
	sqlite3_bind_int64(st, 2, log_ins.seq);
	sqlite3_bind_blob(st, 3, log_ins.pack, (int)(log_ins.n * SEAL_PACK_LEN), SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	log_ins.n = 0;
	return rc == SQLITE_DONE ? 0 : store_sqlite_error(log_ins.db, rc, "seal_log");
}

/* A seal (a row of seal_log as PostgreSQL keeps it) into the run, which
 * is written when the next seal does not follow it: another seq, a gap in
 * the rowids, a rowid that is a multiple of SEAL_PACK_ROWS, a full run. */
static int log_ins_put(sqlite3 *db, size_t ncols, const char *const *cols, const store_value *vals)
{
	static const char *const want[5] = { "rowid", "seq", "tbl", "id", "hash" };
	char name[32];
	int64_t rowid, seq;
	int t = -1, r;
	if (ncols != 5)
		return fort_error_set(FORT_EINPUT, "table seal_log: %zu columns where 5 (rowid, seq, tbl, id, hash) were expected", ncols);
	for (int i = 0; i < 5; i++)
		if (strcmp(cols[i], want[i]) != 0)
			return fort_error_set(FORT_EINPUT, "table seal_log: column %s where %s was expected", cols[i], want[i]);
	if (vals[0].type != STORE_V_INT || vals[1].type != STORE_V_INT || vals[2].type != STORE_V_TEXT ||
	    vals[3].type != STORE_V_INT || vals[4].type != STORE_V_BLOB || vals[4].len != 32)
		return fort_error_set(FORT_EINPUT, "table seal_log: a seal's rowid, seq, tbl, id or hash is not of its type");
	rowid = vals[0].i;
	seq = vals[1].i;
	if (vals[2].len < sizeof name) {
		memcpy(name, vals[2].p, vals[2].len);
		name[vals[2].len] = '\0';
		for (size_t k = 0; store_seal_table(k); k++)
			if (strcmp(store_seal_table(k), name) == 0)
				t = (int)k;
	}
	if (t < 0)
		return fort_error_set(FORT_EINPUT, "table seal_log: the seal at rowid %lld names a table no seal covers", (long long)rowid);
	if (log_ins.n && (log_ins.db != db || seq != log_ins.seq || rowid != log_ins.first + (int64_t)log_ins.n ||
			  rowid % SEAL_PACK_ROWS == 0 || log_ins.n == SEAL_PACK_ROWS) &&
	    (r = log_ins_flush()) < 0)
		return r;
	if (!log_ins.n) {
		log_ins.db = db;
		log_ins.first = rowid;
		log_ins.seq = seq;
	}
	seal_pack_put(log_ins.pack + log_ins.n * SEAL_PACK_LEN, t, vals[3].i, vals[4].p);
	log_ins.n++;
	return 0;
}

static void ins_clear(void)
{
	sqlite3_finalize(ins.st);
	memset(&ins, 0, sizeof ins);
}

static void own_ins_clear(void)
{
	for (size_t k = 0; k < OWN_HEADS; k++)
		sqlite3_finalize(own_ins.st[k]);
	memset(&own_ins, 0, sizeof own_ins);
}

/* TABLE's row is a head of an own-head table: *K which (else -1); the
 * row must then be (tbl, id, seq, hash), the integers and bytes they are. */
static int own_head_row(int *k, const char *table, size_t ncols, const char *const *cols, const store_value *vals)
{
	static const char *const want[4] = { "tbl", "id", "seq", "hash" };
	size_t c = 0;
	*k = -1;
	if (strcmp(table, "seal_head") != 0)
		return 0;
	if (ncols && strcmp(cols[0], "rowid") == 0)
		c = 1; /* a backend's own row id: not kept */
	if (ncols - c != 4 || vals[c].type != STORE_V_TEXT)
		return 0; /* not a head row as written: the generic insert names what is wrong */
	for (size_t k2 = 0; k2 < OWN_HEADS; k2++)
		if (vals[c].len == strlen(own_head[k2][0]) && memcmp(vals[c].p, own_head[k2][0], vals[c].len) == 0)
			*k = (int)k2;
	if (*k < 0)
		return 0;
	for (int i = 0; i < 4; i++)
		if (strcmp(cols[c + (size_t)i], want[i]) != 0)
			return fort_error_set(FORT_EINPUT, "table seal_head: column %s where %s was expected", cols[c + (size_t)i],
					      want[i]);
	if (vals[c + 1].type != STORE_V_INT || vals[c + 2].type != STORE_V_INT || vals[c + 3].type != STORE_V_BLOB)
		return fort_error_set(FORT_EINPUT, "table seal_head: a %s head's id, seq or hash is not of its type",
				      own_head[*k][0]);
	return 0;
}

static int own_head_put(sqlite3 *db, int k, const store_value *v)
{
	int rc;
	if (own_ins.db != db)
		own_ins_clear();
	if (!own_ins.st[k]) {
		char sql[96];
		snprintf(sql, sizeof sql, "INSERT INTO %s(id, seq, hash) VALUES(?,?,?)", own_head[k][1]);
		if ((rc = sqlite3_prepare_v2(db, sql, -1, &own_ins.st[k], NULL)) != SQLITE_OK) {
			own_ins.st[k] = NULL;
			return store_sqlite_error(db, rc, "preparing the copy");
		}
		own_ins.db = db;
	}
	sqlite3_bind_int64(own_ins.st[k], 1, v[1].i);
	sqlite3_bind_int64(own_ins.st[k], 2, v[2].i);
	sqlite3_bind_blob(own_ins.st[k], 3, v[3].len ? v[3].p : "", (int)v[3].len, SQLITE_STATIC);
	rc = sqlite3_step(own_ins.st[k]);
	sqlite3_reset(own_ins.st[k]);
	sqlite3_clear_bindings(own_ins.st[k]);
	return rc == SQLITE_DONE ? 0 : store_sqlite_error(db, rc, own_head[k][1]);
}

static int ins_prepare(sqlite3 *db, const char *table, size_t ncols, const char *const *cols)
{
	char sig[1024], sql[4096], q[128];
	size_t o = 0, so = 0;
	int rowid, rc, k = 0;
	sig[0] = '\0';
	for (size_t i = 0; i < ncols; i++)
		so += (size_t)snprintf(sig + (so < sizeof sig ? so : sizeof sig - 1), so < sizeof sig ? sizeof sig - so : 1, "%s,", cols[i]);
	if (so >= sizeof sig)
		return fort_error_set(FORT_EINPUT, "table %s: too many columns to copy", table);
	if (ins.st && ins.db == db && strcmp(ins.table, table) == 0 && strcmp(ins.sig, sig) == 0)
		return 0;
	ins_clear();
	if (strlen(table) >= sizeof ins.table || raw_quote_ident(q, sizeof q, table) < 0)
		return fort_error_set(FORT_EINPUT, "table %s: the name is too long", table);
	if ((rowid = own_rowid(db, table)) < 0)
		return rowid;
	o = (size_t)snprintf(sql, sizeof sql, "INSERT INTO %s(", q);
	for (size_t i = 0; i < ncols; i++) {
		sqlite3_stmt *chk;
		int has;
		ins.keep[i] = 0;
		if (strcmp(cols[i], "rowid") == 0) {
			if (!rowid)
				continue;
		} else {
			if ((rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2", -1, &chk, NULL)) !=
			    SQLITE_OK)
				return store_sqlite_error(db, rc, "reading the schema");
			sqlite3_bind_text(chk, 1, table, -1, SQLITE_STATIC);
			sqlite3_bind_text(chk, 2, cols[i], -1, SQLITE_STATIC);
			has = sqlite3_step(chk) == SQLITE_ROW && sqlite3_column_int(chk, 0) > 0;
			sqlite3_finalize(chk);
			if (!has)
				return fort_error_set(FORT_EINPUT,
						      "table %s has no column %s here: the destination's schema is not the source's"
						      " (copy between vaults of the same Fortress version)",
						      table, cols[i]);
		}
		if (raw_quote_ident(q, sizeof q, cols[i]) < 0 || o + strlen(q) + 8 >= sizeof sql)
			return fort_error_set(FORT_EINPUT, "table %s: too many columns to copy", table);
		o += (size_t)snprintf(sql + o, sizeof sql - o, "%s%s", k ? ", " : "", q);
		ins.keep[i] = 1;
		k++;
	}
	o += (size_t)snprintf(sql + o, sizeof sql - o, ") VALUES(");
	for (int i = 0; i < k && o + 4 < sizeof sql; i++)
		o += (size_t)snprintf(sql + o, sizeof sql - o, "%s?", i ? "," : "");
	if (o + 2 >= sizeof sql)
		return fort_error_set(FORT_EINPUT, "table %s: too many columns to copy", table);
	snprintf(sql + o, sizeof sql - o, ")");
	if ((rc = sqlite3_prepare_v2(db, sql, -1, &ins.st, NULL)) != SQLITE_OK) {
		ins.st = NULL;
		return store_sqlite_error(db, rc, "preparing the copy");
	}
	ins.db = db;
	snprintf(ins.table, sizeof ins.table, "%s", table);
	snprintf(ins.sig, sizeof ins.sig, "%s", sig);
	return 0;
}

int store_raw_put(store *s, const char *table, size_t ncols, const char *const *cols, const store_value *vals)
{
	sqlite3 *db = store_sqlite_db(s);
	int r, rc, k = 0, own;
	if (ncols > STORE_RAW_COLS_MAX)
		return fort_error_set(FORT_EINPUT, "table %s: %zu columns, more than a vault's", table, ncols);
	/* the rows bring their own seals: nothing is noted for them */
	sqlite3_update_hook(db, NULL, NULL);
	if (strcmp(table, "seal_log") == 0)
		return log_ins_put(db, ncols, cols, vals);
	if ((r = log_ins_flush()) < 0)
		return r;
	if ((r = own_head_row(&own, table, ncols, cols, vals)) < 0)
		return r;
	if (own >= 0)
		return own_head_put(db, own, vals + (ncols - 4));
	if ((r = ins_prepare(db, table, ncols, cols)) < 0)
		return r;
	for (size_t i = 0; i < ncols; i++) {
		const store_value *v = &vals[i];
		if (!ins.keep[i])
			continue;
		k++;
		switch (v->type) {
		case STORE_V_INT:
			sqlite3_bind_int64(ins.st, k, v->i);
			break;
		case STORE_V_TEXT:
			sqlite3_bind_text(ins.st, k, v->len ? v->p : "", (int)v->len, SQLITE_STATIC);
			break;
		case STORE_V_BLOB:
			if (v->len)
				sqlite3_bind_blob(ins.st, k, v->p, (int)v->len, SQLITE_STATIC);
			else
				sqlite3_bind_zeroblob(ins.st, k, 0);
			break;
		default:
			sqlite3_bind_null(ins.st, k);
		}
	}
	rc = sqlite3_step(ins.st);
	sqlite3_reset(ins.st);
	sqlite3_clear_bindings(ins.st);
	if (rc != SQLITE_DONE)
		return store_sqlite_error(db, rc, table);
	return 0;
}

int store_raw_done(store *s)
{
	int r = log_ins_flush();
	(void)s;
	ins_clear();
	own_ins_clear();
	memset(&log_ins, 0, sizeof log_ins);
	return r;
}
