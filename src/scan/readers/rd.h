/* rd.h - what the readers share (internal to src/scan/readers/).
 *
 * One scan_read_container() call is one `rd`: the sink, the limits, the
 * decoded-byte count for the whole file and the logical path being built.
 * Readers take an `rd_src` (the file, an archive member, a decoded MIME
 * part), so any container can sit inside any other one. */
#ifndef FORT_SCAN_RD_H
#define FORT_SCAN_RD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "readers.h"
#include "util.h"

/* Internal return codes, negative like FORT_E* but outside their range.
 * RD_STOP: stop reading this file quietly, the reason was already given to
 * sink->skipped (a limit was hit); scan_read_container() turns it into 0.
 * RD_BROKEN: an archive member cannot be read on (damaged, a suspected
 * bomb): unwinds the readers nested in it up to the archive reader that
 * owns the member, which reports it and goes on or stops. */
#define RD_STOP (-1000)
#define RD_BROKEN (-1001)

/* How much of a stream the sniffer looks at. */
#define RD_HEAD 4096
/* Formats that poppler/GMime need whole are buffered in memory up to this
 * when they are nested (never written to disk). */
#define RD_MAX_INMEM ((size_t)64 << 20)
/* The expansion ratio is only judged past this many decoded bytes: small
 * members of repeated characters legitimately compress very well. */
#define RD_RATIO_FLOOR ((uint64_t)1 << 20)
/* Logical paths longer than this are cut (hostile archives nest names). */
#define RD_MAX_LOGICAL 4096

typedef enum {
	RD_TEXT = 0,
	RD_BINARY,
	RD_SQLITE,
	RD_ZIP,
	RD_GZIP,
	RD_PDF,
	RD_MBOX,
	RD_EML,
	RD_UTF16LE,
	RD_UTF16BE,
	RD_UTF16LE_NOBOM,        /* ASCII-range text with every other byte 0 */
	RD_UTF16BE_NOBOM,
} rd_format;

/* The format of a stream from its first bytes and its (file or member) name. */
rd_format rd_sniff(const char *name, const unsigned char *head, size_t len);

/* A byte source.  READ returns the count (0 at the end) or a negative
 * FORT_E* (message set), RD_STOP or RD_BROKEN.  The first RD_HEAD bytes are peeked
 * into HEAD by rd_src_peek() and handed out again by rd_src_read(). */
typedef struct rd_src {
	ssize_t (*read)(void *ctx, void *buf, size_t len);
	void *ctx;
	int fd;                  /* >= 0: the whole file, at offset 0, seekable */
	unsigned char head[RD_HEAD];
	size_t headlen, headpos;
	int peeked;
} rd_src;

int rd_src_peek(rd_src *s);
ssize_t rd_src_read(rd_src *s, void *buf, size_t len);
/* Read the whole rest of S into B, up to MAX bytes: 0 (*TOO_LARGE set
 * when there was more), or what the source returned. */
int rd_src_slurp(rd_src *s, fort_buf *b, size_t max, int *too_large);

typedef struct rd {
	const scan_limits *lim;
	const scan_sink *sink;
	const char *path;        /* for error messages only */
	uint64_t total;          /* decoded bytes so far, the whole file */
	fort_buf logical;        /* the current logical path */
	int sink_failed;         /* a sink callback returned an error */
} rd;

/* Append "FMT" to the logical path; returns the length to restore with
 * rd_pop().  Control characters are replaced (names come from the file). */
size_t rd_push(rd *r, const char *prefix, const char *name);
void rd_pop(rd *r, size_t len);

/* Count N bytes decompressed from an archive against max_total: 0, or
 * RD_STOP (reported). */
int rd_account(rd *r, uint64_t n);
void rd_skipped(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sink wrappers on the current logical path. */
int rd_begin(rd *r);
int rd_text(rd *r, const char *buf, size_t len);
int rd_end(rd *r);
/* End the current document whatever happened while reading it (RC): every
 * begin gets its end, unless the sink itself failed.  Returns RC, or the
 * end callback's error. */
int rd_finish(rd *r, int rc);

/* Text output that is not known to be UTF-8: passes UTF-8 through and turns
 * the rest of a document into UTF-8 from Windows-1252 once a byte sequence
 * is not valid UTF-8 (what the engine does for plain files). */
typedef struct rd_autotext {
	/* where the UTF-8 goes: rd_text() when OUT is NULL */
	int (*out)(void *octx, const char *buf, size_t len);
	void *octx;
	int cp1252;              /* set: Windows-1252 from the start */
	unsigned char carry[4];
	size_t ncarry;
} rd_autotext;
int rd_autotext_put(rd *r, rd_autotext *t, const char *buf, size_t len);
int rd_autotext_flush(rd *r, rd_autotext *t);

/* Read stream S (named NAME, for sniffing) whatever it is, as one more
 * level of nesting at DEPTH (the file itself is depth 1): text is sent to
 * the sink, containers are decoded, binary is reported as skipped. */
int rd_stream(rd *r, rd_src *s, const char *name, unsigned depth);

/* The readers.  DEPTH is the container's own depth. */
int rd_text_utf16(rd *r, rd_src *s, int big_endian, int bom);
int rd_archive(rd *r, rd_src *s, const char *name, unsigned depth, int gzip);
int rd_mime(rd *r, rd_src *s, int mbox, unsigned depth);
/* An mbox: the common message (one text/plain part, not encoded) read from
 * the mapped file, the rest through GMime (read_mbox.c). */
int rd_mbox(rd *r, rd_src *s, unsigned depth);
/* The mbox fast path's look at a header line P[0, N): -1 when it holds CR,
 * NUL or "=?", else 1 when a byte of 128 and up, else 0; SCALAR 1: the
 * byte loop (for the test that holds the vector steps to it). */
int rd_mbox_header_bytes(const char *p, size_t n, int scalar);
/* A header name P[0, N) holds no byte of 0x20 or less, nor 0x7F and up
 * (READABLE bytes from P may be read; SCALAR: the byte loop) */
int rd_mbox_name_ok(const char *p, size_t n, size_t readable, int scalar);
/* One message of an mbox (from its "From " line) through GMime. */
int rd_mime_one(rd *r, const char *buf, size_t len, unsigned depth);
/* 0: every message through GMime (tests compare the two). */
extern int rd_mail_fast;
/* Messages the fast path read (tests: that it took what it should). */
extern unsigned long rd_mail_fast_taken;
int rd_pdf(rd *r, rd_src *s, unsigned depth);

/* Office documents: is a zip an office document (by its name and first
 * member), and how to read member NAME of one (0: not text-bearing). */
int rd_office_zip(const char *zipname, const char *first_member);
int rd_office_member(const char *member);
int rd_office_xml(rd *r, rd_src *s, int kind);

#endif
