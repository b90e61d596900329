/* read_zip.c - zip archives, and gzip (a plain .gz, or a .tar.gz) through
 * libarchive, member by member, streaming.
 *
 * A member is handed to rd_stream() as a source, so whatever it is (text, a
 * nested zip, a mail, a PDF, an office document) is read from the stream of
 * the outer archive: nothing is extracted to disk.  Office documents (a zip
 * with [Content_Types].xml or mimetype) are read through their text-bearing
 * XML members only (read_office.c).
 *
 * Guards, per file (scan_limits): nesting depth (rd_stream), bytes
 * decompressed in total (max_total), and per member the ratio of bytes out
 * to compressed bytes in (max_ratio), judged while decompressing so that a
 * bomb is stopped early. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rd.h"
#include "util/archive_dl.h"

#define BLOCK 65536

/* An archive read from its parent's stream (a member, a MIME part). */
typedef struct {
	rd_src *src;
	int err;                 /* what the parent returned, to pass up */
	char buf[BLOCK];
} parent_io;

static la_ssize_t parent_read(struct archive *a, void *ctx, const void **out)
{
	parent_io *p = ctx;
	ssize_t n = rd_src_read(p->src, p->buf, sizeof p->buf);
	if (n < 0) {
		p->err = (int)n;
		archive_set_error(a, EIO, "the enclosing container could not be read on");
		return -1;
	}
	*out = p->buf;
	return n;
}

/* One member being read. */
typedef struct {
	rd *r;
	struct archive *a;
	la_int64_t raw0;         /* compressed bytes consumed when it started */
	uint64_t out;            /* bytes decompressed so far */
	const char *why;         /* set when the member broke: the reason */
	char msg[256];
	int fatal;               /* the archive cannot be read past it */
} member_io;

static ssize_t member_read(void *ctx, void *buf, size_t len)
{
	member_io *m = ctx;
	la_ssize_t n = archive_read_data(m->a, buf, len);
	la_int64_t in;
	int rc;

	if (n < 0) {
		snprintf(m->msg, sizeof m->msg, "damaged: %s",
			 archive_error_string(m->a) ? archive_error_string(m->a) : "unreadable data");
		m->why = m->msg;
		m->fatal = n == ARCHIVE_FATAL;
		return RD_BROKEN;
	}
	m->out += (uint64_t)n;
	if ((rc = rd_account(m->r, (uint64_t)n)) < 0)
		return rc;
	/* Bytes consumed from the bottom of the stack (the zip itself, or the
	 * gzip's compressed data): libarchive's read-ahead is not counted, so
	 * this is close to the member's compressed bytes so far. */
	in = archive_filter_bytes(m->a, -1) - m->raw0;
	if (in < 1)
		in = 1;
	if (m->out > RD_RATIO_FLOOR && m->out / (uint64_t)in > m->r->lim->max_ratio) {
		snprintf(m->msg, sizeof m->msg, "suspected zip bomb: expands more than %llux",
			 (unsigned long long)m->r->lim->max_ratio);
		m->why = m->msg;
		m->fatal = 1;            /* skipping it would decompress it all */
		return RD_BROKEN;
	}
	return (ssize_t)n;
}

/* The name a .gz's content is sniffed by: "notes.txt.gz" -> "notes.txt". */
static void gz_inner_name(char *out, size_t outlen, const char *name)
{
	const char *b = strrchr(name, '/');
	size_t n;
	b = b ? b + 1 : name;
	snprintf(out, outlen, "%s", b);
	n = strlen(out);
	if (n > 4 && strcasecmp(out + n - 4, ".tgz") == 0)
		snprintf(out + n - 4, outlen - (n - 4), ".tar");
	else if (n > 3 && strcasecmp(out + n - 3, ".gz") == 0)
		out[n - 3] = '\0';
}

/* Opened seekable, libarchive reads the zip's whole central directory into
 * memory first (about 160 bytes a member): a zip of millions of members
 * would take gigabytes.  Those are read as a stream instead, member after
 * member (members stored with a data descriptor cannot be read that way). */
#define ZIP_MAX_INDEXED 100000

static int zip_is_huge(int fd)
{
	unsigned char tail[65536 + 22];
	struct stat st;
	off_t start;
	ssize_t n;
	if (fstat(fd, &st) < 0)
		return 0;
	start = st.st_size > (off_t)sizeof tail ? st.st_size - (off_t)sizeof tail : 0;
	n = pread(fd, tail, sizeof tail, start);
	/* the end of central directory record, the last one in the file */
	for (ssize_t i = n - 22; i >= 0; i--) {
		if (memcmp(tail + i, "PK\5\6", 4) != 0)
			continue;
		unsigned entries = tail[i + 10] | (unsigned)tail[i + 11] << 8;
		uint32_t cdsize = tail[i + 12] | (uint32_t)tail[i + 13] << 8 | (uint32_t)tail[i + 14] << 16 |
				  (uint32_t)tail[i + 15] << 24;
		/* 0xffff / 0xffffffff: the real values are in the zip64 record */
		return entries == 0xffff || entries > ZIP_MAX_INDEXED || cdsize > ((uint32_t)16 << 20);
	}
	return 0;
}

int rd_archive(rd *r, rd_src *s, const char *name, unsigned depth, int gzip)
{
	struct archive *a;
	struct archive_entry *e;
	parent_io *pio = NULL;
	int rc = 0, ar, office = -1;
	size_t base = r->logical.len;
	char inner[256];

	if (fort_archive_need() < 0) {
		rd_skipped(r, "archive not read: %s", fort_error_message());
		return 0;
	}
	if (!(a = archive_read_new()))
		return fort_error_set(FORT_ENOMEM, "%s: out of memory opening an archive", r->path);
	if (gzip) {
		archive_read_support_filter_gzip(a);
		archive_read_support_format_tar(a);
		archive_read_support_format_raw(a);
	} else {
		archive_read_support_format_zip(a);
	}
	if (s->fd >= 0 && s->headpos == 0 && (gzip || !zip_is_huge(s->fd))) {
		/* the file itself: seekable, so the zip's central directory is
		 * used (members with data descriptors, prepended stubs) */
		if (lseek(s->fd, 0, SEEK_SET) < 0) {
			rc = fort_error_set(FORT_EIO, "%s: cannot seek: %s", r->path, strerror(errno));
			goto out;
		}
		ar = archive_read_open_fd(a, s->fd, BLOCK);
	} else {
		if (!(pio = fort_calloc(1, sizeof *pio))) {
			rc = FORT_ENOMEM;
			goto out;
		}
		pio->src = s;
		ar = archive_read_open2(a, pio, NULL, parent_read, NULL, NULL);
	}
	if (ar != ARCHIVE_OK) {
		if (pio && pio->err) {
			rc = pio->err;
			goto out;
		}
		rd_skipped(r, "damaged archive: %s", archive_error_string(a) ? archive_error_string(a) : "unreadable");
		goto out;
	}

	for (;;) {
		const char *mname;
		member_io m = { 0 };
		rd_src msrc = { 0 };

		ar = archive_read_next_header(a, &e);
		if (ar == ARCHIVE_EOF)
			break;
		if (ar == ARCHIVE_RETRY)
			continue;
		if (ar == ARCHIVE_FATAL || ar < ARCHIVE_WARN) {
			if (pio && pio->err) {
				rc = pio->err;
				goto out;
			}
			rd_skipped(r, "damaged archive: %s; the rest is not read",
				   archive_error_string(a) ? archive_error_string(a) : "unreadable");
			break;
		}
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;               /* directories, links, devices */
		mname = archive_entry_pathname_utf8(e);
		if (!mname)
			mname = archive_entry_pathname(e);
		if (!mname)
			mname = "?";

		if (gzip && archive_format(a) == ARCHIVE_FORMAT_RAW) {
			/* a plain .gz: its content is the file itself */
			gz_inner_name(inner, sizeof inner, name);
			mname = inner;
		} else {
			rd_push(r, "!", mname);
		}
		if (office < 0)
			office = !gzip && rd_office_zip(name, mname);
		if (archive_entry_is_encrypted(e)) {
			rd_skipped(r, "encrypted (password-protected): not read");
			rd_pop(r, base);
			continue;
		}

		m.r = r;
		m.a = a;
		m.raw0 = archive_filter_bytes(a, -1);
		msrc.read = member_read;
		msrc.ctx = &m;
		msrc.fd = -1;
		if (office) {
			int kind = rd_office_member(mname);
			if (kind)
				rc = rd_office_xml(r, &msrc, kind);
			else if (strstr(mname, "embeddings/") || strncmp(mname, "Object ", 7) == 0)
				rc = rd_stream(r, &msrc, mname, depth + 1);
			/* else: styles, relationships, images: no text of the user's */
		} else {
			rc = rd_stream(r, &msrc, mname, depth + 1);
		}
		rd_pop(r, base);
		if (m.why) {
			if (rc != RD_BROKEN && rc < 0)
				goto out;       /* a real error on the way up wins */
			if (!gzip || archive_format(a) != ARCHIVE_FORMAT_RAW)
				rd_push(r, "!", mname);
			rd_skipped(r, "%s", m.why);
			rd_pop(r, base);
			rc = 0;
			if (m.fatal)
				break;
			continue;
		}
		if (rc < 0)
			goto out;
	}
	rc = 0;
out:
	rd_pop(r, base);
	archive_read_free(a);
	free(pio);
	return rc;
}
