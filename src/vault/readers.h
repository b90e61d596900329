/* readers.h - streaming readers for client import files: CSV/TSV (libcsv),
 * vCard 3.0/4.0, JSON (array of objects or JSON Lines, jansson).
 *
 * A reader turns a file into records of (column name, value) pairs and hands
 * each record to a callback as soon as it is complete; memory does not grow
 * with the file.  Values are converted to UTF-8 (a UTF-8 BOM is skipped;
 * text that is not valid UTF-8 is decoded as Windows-1252).  Mapping column
 * names to vault fields is not the reader's job.
 *
 * WARNING: error messages name lines and columns, never values. */
#ifndef FORT_VAULT_READERS_H
#define FORT_VAULT_READERS_H

#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	size_t line;               /* 1-based line where the record starts */
	size_t n;                  /* number of columns */
	const char *const *names;  /* column names: CSV header, vCard property
				    * (mapped: see below), JSON keys */
	const char *const *values; /* UTF-8, NUL-terminated; "" when empty */
	const char *raw;           /* the record's original text (for a rejects
				    * file), NUL-terminated, may be NULL */
	size_t raw_len;
	char delim;                /* CSV: the delimiter of the file (0 otherwise) */
	int utf8;                  /* 1: every value is known to be valid UTF-8
				    * (the reader checked, and decoded what was
				    * not as Windows-1252), so the importer's
				    * types need not check again; 0: not known */
} reader_record;

/* Return 0 to continue, <0 to stop the reader (the code is passed back). */
typedef int (*reader_cb)(void *ctx, const reader_record *rec);

typedef enum { READER_CSV, READER_VCARD, READER_JSON } reader_format;

/* Guess the format from the file name (.csv .tsv .txt .vcf .vcard .json
 * .jsonl .ndjson) and, failing that, from the first bytes.  -1 if unknown. */
int reader_detect(const char *path, const unsigned char *head, size_t headlen);

/* Read F to the end.  PATH is for messages only.  BYTES_DONE (may be NULL)
 * is updated as input is consumed, for progress bars.
 * Returns 0, the callback's negative code, or FORT_EINPUT / FORT_EIO /
 * FORT_ENOMEM with the message set via fort_error_set() naming the line
 * ("line 7: unterminated quoted field").
 *
 * CSV: the delimiter (, ; TAB |) is sniffed from the first lines outside
 * quotes; the first record is the header (names trimmed, BOM removed);
 * quoted fields may hold newlines; a record with more cells than the header
 * is an error naming the line; fewer cells are padded with "".  Blank lines
 * are skipped.  CSV_PARSER's records' raw text is the original lines.
 *
 * vCard: BEGIN:VCARD..END:VCARD, folded lines unfolded, parameters
 * stripped, quoted-printable and base64 (ENCODING=b / BASE64) decoded,
 * CHARSET honoured through iconv (ISO-8859-1 read as Windows-1252; an
 * unknown set or bytes that are not text in it are an error naming the
 * line, property and set), escaped \, \; \n decoded (2.1: only \;).
 * Property names mapped: FN->full_name, EMAIL->email,
 * TEL->phone, KIND->kind (the importer skips groups), ADR->postal_address (components joined with ", " skipping
 * empty ones) and its country component -> country (the record's own
 * country, for its phones), ORG->company, BDAY->date_of_birth, NOTE->notes,
 * X-FORTRESS-NAME -> name (lower case, '-' as '_': Fortress's vCard export
 * of fields vCard has no property for), N used for
 * full_name only when FN is missing; only the first EMAIL/TEL is used
 * (preferring TYPE=pref / PREF=1); other properties ignored.  Missing END
 * or a line outside a card is an error naming the line.
 *
 * JSON: a top-level array of objects, or one object per line (JSON Lines),
 * parsed object by object.  Values: strings as is, numbers and booleans as
 * their text, null as "", nested objects/arrays are an error naming the key
 * and line. */
int reader_read(reader_format fmt, FILE *f, const char *path, reader_cb cb, void *ctx,
		uint64_t *bytes_done);

/* CSV: 1 (the default) splits a line that is a whole record of the plain
 * kind without libcsv (read_csv.c's fast_line), 0 gives every line to
 * libcsv; the records and errors are the same either way (test_readers
 * compares them). */
extern int read_csv_fast;

#endif
