/* sqlite_int.h - private to the SQLite backend (the .c files of src/store) and to the
 * store's own white-box tests (tests/unit/store).  Nothing outside
 * src/store includes it: the rest of the library sees store.h only, which
 * names no SQL and no SQLite type (tests/check_store_closed.sh checks). */
#ifndef FORT_STORE_SQLITE_INT_H
#define FORT_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include "store/store.h"

/* The connection of S: for the backend's files (attach.c, ledger.c) and
 * for tests that play the attacker on the same connection. */
sqlite3 *store_sqlite_db(store *s);

/* The one mapping of an SQLite result code (extended codes too) to a
 * FORT_E* code, with the message set (WHAT names the step):
 *   SQLITE_FULL                                 FORT_EIO      "the disk is full"
 *   SQLITE_BUSY, SQLITE_LOCKED                  FORT_EBUSY    "in use by another process"
 *   SQLITE_CORRUPT, SQLITE_NOTADB               FORT_ECORRUPT "damaged or not a vault"
 *   SQLITE_IOERR, CANTOPEN, READONLY, PERM      FORT_EIO
 *   SQLITE_NOMEM                                FORT_ENOMEM
 *   SQLITE_CONSTRAINT                           FORT_EEXISTS
 *   anything else                               FORT_ERROR
 * DB (may be NULL) gives SQLite's own message. */
int store_sqlite_error(sqlite3 *db, int rc, const char *what);

/* One statement with bound parameters, for the backend's typed functions
 * (never for callers: they go through store.h). */
typedef struct { char t; int64_t i; const void *p; size_t n; } sq_arg; /* 'i', 't' (NUL-terminated), 'b' */
#define SQ_I(x) ((sq_arg){ 'i', (int64_t)(x), NULL, 0 })
#define SQ_T(x) ((sq_arg){ 't', 0, (x), 0 })
#define SQ_B(x, len) ((sq_arg){ 'b', 0, (x), (len) })
typedef struct sq_row sq_row;
int64_t sq_int(const sq_row *r, int col);
const char *sq_text(const sq_row *r, int col); /* "" for NULL */
const void *sq_blob(const sq_row *r, int col, size_t *len);
typedef int (*sq_row_cb)(void *ctx, const sq_row *r);
/* Run SQL with ARGS; CB (may be NULL) gets every row, a non-zero return
 * stops and is returned; errors through store_sqlite_error. */
int sq_run(store *s, const char *what, const char *sql, const sq_arg *args, size_t nargs, sq_row_cb cb, void *ctx);
int64_t sq_last_id(store *s);
/* Rows the last statement changed. */
int64_t sq_changes(store *s);

/* The packed seal log (seal_pack.c, schema 21): one seal_log row per run
 * of up to SEAL_PACK_ROWS seals of an entry, a BLOB of SEAL_PACK_LEN-byte
 * tuples (table number, id big-endian, hash). */
#define SEAL_PACK_ROWS 64
#define SEAL_PACK_LEN 41
void seal_pack_put(unsigned char *p, int tbl, int64_t id, const unsigned char hash[32]);
/* Tuple K of BLOB (LEN bytes): 0, or -1 when it is damaged (cut short, a
 * table number not below NTABLES). */
int seal_pack_get(const unsigned char *blob, size_t len, size_t k, int ntables, int *tbl, int64_t *id, const unsigned char **hash);
/* The seals a blob of LEN bytes holds (a tuple cut short counts). */
size_t seal_pack_count(size_t len);
/* On a connection: the virtual table seal_rows (the log one row per seal)
 * and the aggregate seal_pack(rowid, tbl, id, hash) (a run of seals packed),
 * NAMES[0..N-1] the sealed tables by number. */
int seal_pack_register(sqlite3 *db, const char *const *names, int n);

#endif
