/* exports.c - which clients went into which file: every export and backup
 * is recorded (time, actor, device, destination, format, SHA-256 of the
 * file, encrypted or not, the client ids) in the transaction of its audit
 * entry, so an incident scoped to a lost file or device finds its clients. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "audit/exports.h"

int exports_begin(int64_t *id_out, fort_vault *v, const export_record *e)
{
	char host[256] = "", dest[4200];
	const char *d = e->destination ? e->destination : "-";
	int r;

	/* absolute, so that 'incident scope --export PATH' finds it from anywhere */
	if (d[0] != '/' && strcmp(d, "-") != 0) {
		char cwd[4096];
		if (getcwd(cwd, sizeof cwd))
			snprintf(dest, sizeof dest, "%s/%s", cwd, d);
		else
			snprintf(dest, sizeof dest, "%s", d);
	} else {
		snprintf(dest, sizeof dest, "%s", d);
	}

	if (gethostname(host, sizeof host - 1) < 0)
		snprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = '\0';
	{
		store_arg a[] = { SA_I(fort_now()), SA_T(v->user ? v->user : ""), SA_T(host), SA_T(e->kind),
				  SA_T(dest), SA_T(e->format ? e->format : ""),
				  SA_T(e->sha256 ? e->sha256 : ""), SA_I(e->encrypted), SA_T(e->fields ? e->fields : ""),
				  SA_I(e->nclients), SA_I(e->all_clients) };
		if ((r = store_sql(v->st, "recording the export",
				   "INSERT INTO exports(ts, actor, device, kind, destination, format, sha256, encrypted, fields, clients,"
				   " all_clients) VALUES(?,?,?,?,?,?,?,?,?,?,?)", a, sizeof a / sizeof a[0], NULL, NULL)) < 0)
			return r;
	}
	*id_out = store_last_id(v->st);
	if (e->clients)
		return exports_finish(v, *id_out, NULL, e->clients, e->nclients, e->nclients);
	return 0;
}

int exports_finish(fort_vault *v, int64_t id, const char *sha256, const int64_t *clients, size_t n, uint64_t count)
{
	unsigned char *blob = NULL;
	size_t len;
	int r;
	if (fort_size_mul(&len, n, 8) < 0)
		return fort_error_set(FORT_ENOMEM, "too many clients in one export");
	if (n && !(blob = fort_malloc(len)))
		return FORT_ENOMEM;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 8; k++)
			blob[i * 8 + (size_t)k] = (unsigned char)((uint64_t)clients[i] >> (8 * k));
	{
		store_arg a[] = { SA_B(blob, len), SA_I(count), SA_T(sha256 ? sha256 : ""), SA_I(sha256 != NULL), SA_I(id) };
		r = store_sql(v->st, "recording the export",
			      "UPDATE exports SET ids = ?1, clients = ?2, sha256 = CASE WHEN ?4 THEN ?3 ELSE sha256 END WHERE id = ?5", a, 5,
			      NULL, NULL);
	}
	free(blob);
	return r;
}

struct ids { int64_t *a; size_t n, cap; };

static int id_cb(void *ctx, const store_row *row)
{
	struct ids *l = ctx;
	if (FORT_ARRAY_GROW(l->a, l->n + 1, l->cap, 1024) < 0)
		return FORT_ENOMEM;
	l->a[l->n++] = store_row_int(row, 0);
	return 0;
}

int exports_record_all(int64_t *id_out, fort_vault *v, const export_record *e)
{
	struct ids l = { NULL, 0, 0 };
	int r;
	if ((r = exports_begin(id_out, v, e)) == 0 &&
	    (r = store_sql(v->st, "recording the backup", "SELECT id FROM clients ORDER BY id", NULL, 0, id_cb, &l)) == 0)
		r = exports_finish(v, *id_out, NULL, l.a, l.n, l.n);
	free(l.a);
	return r;
}

int exports_hash_fd(char out[65], int fd)
{
	crypto_hash_sha256_state st;
	unsigned char buf[65536], h[32];
	struct stat sb;
	off_t off = 0;
	ssize_t n;
	int rfd = -1, fl;

	out[0] = '\0';
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return 0;
	/* the export is written through a write-only descriptor: read the same
	 * file back through a read-only one */
	if ((fl = fcntl(fd, F_GETFL)) >= 0 && (fl & O_ACCMODE) == O_WRONLY) {
		char p[64];
		snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
		if ((rfd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
			return fort_error_set(FORT_EIO, "cannot read back the file written: %s", strerror(errno));
		fd = rfd;
	}
	crypto_hash_sha256_init(&st);
	while ((n = pread(fd, buf, sizeof buf, off)) > 0) {
		crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
		off += n;
	}
	sodium_memzero(buf, sizeof buf);
	if (rfd >= 0)
		close(rfd);
	if (n < 0)
		return fort_error_set(FORT_EIO, "cannot read back the file written: %s", strerror(errno));
	crypto_hash_sha256_final(&st, h);
	fort_hex(out, h, 32);
	return 0;
}

int exports_hash_path(char out[65], const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;
	if (fd < 0)
		return fort_error_set(errno == ENOENT ? FORT_ENOTFOUND : FORT_EIO, "cannot open '%s': %s", path, strerror(errno));
	r = exports_hash_fd(out, fd);
	close(fd);
	return r;
}
