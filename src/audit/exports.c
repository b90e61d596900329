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
		store_export x;
		memset(&x, 0, sizeof x);
		x.ts = fort_now();
		x.actor = v->user;
		x.device = host;
		x.kind = e->kind;
		x.destination = dest;
		x.format = e->format;
		x.sha256 = e->sha256;
		x.encrypted = e->encrypted;
		x.fields = e->fields;
		x.clients = (uint64_t)e->nclients;
		x.all_clients = e->all_clients;
		if ((r = store_export_insert(v->st, &x)) < 0)
			return r;
		*id_out = x.id;
	}
	if (e->clients)
		return exports_finish(v, *id_out, NULL, e->clients, e->nclients, e->nclients);
	return 0;
}

int exports_finish(fort_vault *v, int64_t id, const char *sha256, const int64_t *clients, size_t n, uint64_t count)
{
	return store_export_set_clients(v->st, id, clients, n, count, sha256);
}

struct ids { int64_t *a; size_t n, cap; };

static int id_cb(void *ctx, int64_t id)
{
	struct ids *l = ctx;
	if (FORT_ARRAY_GROW(l->a, l->n + 1, l->cap, 1024) < 0)
		return FORT_ENOMEM;
	l->a[l->n++] = id;
	return 0;
}

int exports_record_all(int64_t *id_out, fort_vault *v, const export_record *e)
{
	struct ids l = { NULL, 0, 0 };
	int r;
	if ((r = exports_begin(id_out, v, e)) == 0 &&
	    (r = store_client_ids(v->st, id_cb, &l)) == 0)
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
