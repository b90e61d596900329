/* sink.c - where a rights document goes: files on disk (the CLI's package
 * folder, certificate and letters) or entries of one zip archive in memory
 * (the HTTP API's download, made with libarchive), so a package is made by
 * one piece of code whatever its destination, and the server never writes
 * a client's data to a file of its own. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "vault/vault_int.h"
#include "rights/rights.h"
#include "render/pdf.h"
#include "util/archive_dl.h"

#define ZIP_CAP ((size_t)256 << 20)

void rights_sink_disk(rights_sink *s, const char *prefix)
{
	memset(s, 0, sizeof *s);
	snprintf(s->prefix, sizeof s->prefix, "%s", prefix);
}

static la_ssize_t zip_write(struct archive *a, void *ctx, const void *data, size_t len)
{
	rights_sink *s = ctx;
	(void)a;
	if (fort_buf_put(&s->zip, data, len) < 0)
		return -1;
	return (la_ssize_t)len;
}

static int zip_error(rights_sink *s, const char *what)
{
	if (fort_buf_error(&s->zip) < 0)
		return fort_buf_error(&s->zip);
	return fort_error_set(FORT_EIO, "cannot make the zip archive (%s): %s", what,
			      s->a && archive_error_string(s->a) ? archive_error_string(s->a) : "libarchive failed");
}

int rights_sink_zip(rights_sink *s)
{
	memset(s, 0, sizeof *s);
	fort_buf_init_secret(&s->zip, ZIP_CAP);
	s->mtime = fort_now();
	if (fort_archive_need() < 0)
		return fort_error_prefix("cannot write the zip");
	if (!(s->a = archive_write_new()))
		return fort_error_set(FORT_ENOMEM, "out of memory");
	/* no padding of the last block: the archive is exactly the zip */
	if (archive_write_set_format_zip(s->a) != ARCHIVE_OK || archive_write_set_bytes_in_last_block(s->a, 1) != ARCHIVE_OK ||
	    archive_write_open(s->a, s, NULL, zip_write, NULL) != ARCHIVE_OK)
		return zip_error(s, "open");
	return 0;
}

int rights_sink_exists(const rights_sink *s, const char *name)
{
	char path[sizeof s->prefix + 4096];
	if (s->a)
		return 0;
	snprintf(path, sizeof path, "%s%s", s->prefix, name);
	return access(path, F_OK) == 0;
}

const char *rights_sink_path(const rights_sink *s, const char *name, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s", s->prefix, name);
	return buf;
}

static int disk_put(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return fort_error_set(errno == EEXIST ? FORT_EEXISTS : FORT_EIO, "cannot create %s: %s", path, strerror(errno));
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, (const char *)data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = errno;
			close(fd);
			unlink(path);
			return fort_error_set(FORT_EIO, "cannot write %s: %s", path, strerror(e));
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		unlink(path);
		return fort_error_set(FORT_EIO, "cannot write %s: %s", path, strerror(errno));
	}
	return 0;
}

int rights_sink_put(rights_sink *s, const char *name, const void *data, size_t len)
{
	char path[sizeof s->prefix + 4096];
	struct archive_entry *e;
	int ok;
	snprintf(path, sizeof path, "%s%s", s->prefix, name);
	if (!s->a)
		return disk_put(path, data, len);
	if (!(e = archive_entry_new()))
		return fort_error_set(FORT_ENOMEM, "out of memory");
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, (time_t)s->mtime, 0);
	ok = archive_write_header(s->a, e) == ARCHIVE_OK && (len == 0 || archive_write_data(s->a, data, len) == (la_ssize_t)len);
	archive_entry_free(e);
	return ok ? 0 : zip_error(s, name);
}

void rights_sink_remove(rights_sink *s, const char *name)
{
	char path[sizeof s->prefix + 4096];
	if (s->a)
		return; /* the archive is dropped whole */
	snprintf(path, sizeof path, "%s%s", s->prefix, name);
	unlink(path);
}

int rights_sink_letter(rights_sink *s, const char *md_name, const char *pdf_name, const char *md, const char *title)
{
	unsigned char *pdf = NULL;
	size_t plen = 0;
	int r;
	if ((r = render_pdf(md, title, &pdf, &plen)) < 0)
		return r;
	if ((r = rights_sink_put(s, md_name, md, strlen(md))) == 0 && (r = rights_sink_put(s, pdf_name, pdf, plen)) < 0)
		rights_sink_remove(s, md_name);
	free(pdf);
	return r;
}

int rights_sink_finish(rights_sink *s, unsigned char **out, size_t *len)
{
	size_t n = 0;
	char *p;
	*out = NULL;
	*len = 0;
	if (!s->a)
		return 0;
	if (archive_write_close(s->a) != ARCHIVE_OK)
		return zip_error(s, "close");
	archive_write_free(s->a);
	s->a = NULL;
	if (!(p = fort_buf_detach(&s->zip, &n)))
		return fort_buf_error(&s->zip) < 0 ? fort_buf_error(&s->zip) : FORT_ENOMEM;
	*out = (unsigned char *)p;
	*len = n;
	return 0;
}

void rights_sink_release(rights_sink *s)
{
	if (s->a)
		archive_write_free(s->a);
	s->a = NULL;
	fort_buf_release(&s->zip); /* wiped: a secret buffer */
}
