/* tables.h - the reference tables of data/ (holidays, deadline rules,
 * supervisory authorities, US state breach laws).  They are compiled into
 * the library at build time (scripts/embed-data.cmake), so nothing reads the
 * data folder at run time, and parsed on first use.  data/README.md says
 * where every table comes from and what is verified. */
#ifndef FORT_DATA_TABLES_H
#define FORT_DATA_TABLES_H

#include <stddef.h>

typedef struct {
	const char *name;            /* "holidays" for data/holidays.csv */
	size_t ncols, nrows;         /* nrows excludes the header */
	const char *const *cols;     /* the header's column names */
	const char *const *cells;    /* nrows * ncols, row-major; "" for an empty cell */
} data_table;

/* The embedded bytes of data/NAME.csv, exactly as in the file (*DATA is
 * NUL-terminated after *LEN bytes).  FORT_ENOTFOUND naming the tables. */
int data_table_raw(const unsigned char **data, size_t *len, const char *name);

/* Table NAME parsed (RFC 4180, one header row, every row as wide as the
 * header).  Parsed once per process and thread-safe; *OUT lives until exit
 * and is never freed.  FORT_ENOTFOUND, FORT_ENOMEM (a later call tries
 * again), FORT_ECORRUPT (a malformed table: a build problem). */
int data_table_get(const data_table **out, const char *name);

/* Parse LEN bytes of CSV as table NAME (kept as a pointer, for messages)
 * into *OUT, freed with data_table_free().  For tables that are not
 * embedded, and tests.
 * FORT_ECORRUPT (naming the record), FORT_ENOMEM. */
int data_table_parse(data_table **out, const char *name, const unsigned char *data, size_t len);
/* Free a table from data_table_parse() (never one from data_table_get()).
 * Accepts NULL. */
void data_table_free(data_table *t);

/* Index of column NAME in T, or -1. */
int data_table_col(const data_table *t, const char *name);

static inline const char *data_table_cell(const data_table *t, size_t row, int col)
{
	return t->cells[row * t->ncols + (size_t)col];
}

#endif
