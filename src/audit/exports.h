/* exports.h - the exports record (audit/exports.c): which clients went into
 * which export or backup file, written with the audit entry of the export. */
#ifndef FORT_AUDIT_EXPORTS_H
#define FORT_AUDIT_EXPORTS_H

#include "vault/handle.h"

/* Record an export or backup file inside the caller's transaction: *ID_OUT
 * is its number, named by the audit entry.  CLIENTS (N ids) may be NULL with
 * ALL_CLIENTS set (a backup holds every client).  SHA256 "" when unknown
 * (stdout). */
typedef struct {
	const char *kind;         /* export | backup */
	const char *destination, *format, *sha256, *fields;
	int encrypted, all_clients;
	const int64_t *clients;
	size_t nclients;
} export_record;
int exports_begin(int64_t *id_out, fort_vault *v, const export_record *e) FORT_WUR;
/* Fill in what is known only once the file is written. */
int exports_finish(fort_vault *v, int64_t id, const char *sha256, const int64_t *clients, size_t n, uint64_t count) FORT_WUR;
/* A backup: every client the vault holds now. */
int exports_record_all(int64_t *id_out, fort_vault *v, const export_record *e) FORT_WUR;
/* SHA-256 (hex) of the regular file open on FD, read from offset 0; "" for
 * a pipe or terminal.  0 or FORT_EIO. */
int exports_hash_fd(char out[65], int fd) FORT_WUR;
int exports_hash_path(char out[65], const char *path) FORT_WUR;

#endif
