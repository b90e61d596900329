/* readers.h - turning one file into the text streams the scanner reads.
 *
 * The engine (src/scan/) scans plain files itself, straight from the file,
 * because that is the fast path and keeps byte offsets equal to file offsets.
 * Everything that needs decoding first (mail: mbox/.eml with MIME parts,
 * base64 and quoted-printable; archives: zip and gzip, nested; office
 * documents: DOCX/XLSX/PPTX, ODT/ODS; PDF text layer; UTF-16 text) goes
 * through scan_read_container(), which hands the decoded UTF-8 text to a
 * sink, one logical document at a time.
 *
 * Logical paths name where the text came from inside the file, so a finding
 * can say "mail.mbox#12/attachment.docx!word/document.xml":
 *   "#N"   the Nth message of an mbox (1-based): its headers (From, To,
 *          Subject... decoded; transport headers left out), "/NAME" a MIME
 *          part's file name (or "/part-K" when it has none, K counted depth
 *          first from 1); a .eml's own headers are "",
 *   "!P"   member P of a zip (or of a .tar.gz) archive; a plain .gz's
 *          content is the file itself ("").
 * Names inside logical paths come from the file: control characters are
 * replaced by '?' and the whole is cut at 4 KiB.
 * Offsets reported for such documents are offsets into the decoded text of
 * that logical document, not into the file.
 *
 * scan_read_container() may run on several threads at once (one call per
 * file); see docs/scan-readers.md for formats, limits and what is not read. */
#ifndef FORT_SCAN_READERS_H
#define FORT_SCAN_READERS_H

#include <stddef.h>
#include <stdint.h>

/* What the sink is given.  Every callback returns 0 to go on or a negative
 * FORT_E* code to stop the read (the code is returned by the reader).
 * Documents do not nest: begin, text..., end, then the next one.  Every
 * begin gets its end, also when the document was cut short (damaged, a
 * limit), unless a sink callback itself failed.  skipped may come at any
 * time, also while a document is open (a limit hit in the middle of it);
 * a document may be both read in part and reported as skipped. */
typedef struct scan_sink {
	/* A new logical document starts: LOGICAL is the path suffix to append
	 * to the file name (see above; "" for the file itself, as for UTF-16
	 * or a PDF's text). */
	int (*begin)(void *ctx, const char *logical);
	/* Decoded UTF-8 text of the current document, in chunks of any size;
	 * a chunk may end in the middle of a line or a UTF-8 sequence. */
	int (*text)(void *ctx, const char *buf, size_t len);
	/* The current document is complete. */
	int (*end)(void *ctx);
	/* A part that was skipped and why (binary, too deep, too large, a
	 * suspected zip bomb, encrypted, damaged): LOGICAL as for begin. */
	void (*skipped)(void *ctx, const char *logical, const char *why);
	void *ctx;
	/* Optional (may be NULL), right after begin: the document's text is
	 * the file's own bytes from byte OFFSET on, which is on line LINE
	 * (1-based), so its findings have a raw position in the file. */
	void (*raw_at)(void *ctx, uint64_t offset, uint64_t line);
} scan_sink;

/* Limits against hostile input (zip bombs, endless nesting).  Hitting one
 * is reported through sink->skipped, never an error.  A field left 0 takes
 * its default. */
typedef struct scan_limits {
	unsigned max_depth;       /* nested containers, e.g. 4 (zip in zip in mail...):
				   * the file itself is 1, a zip in it 2...; deeper
				   * ones are skipped "too deep" */
	uint64_t max_total;       /* bytes decompressed from archives (zip, gzip) in
				   * one file, e.g. 1 GiB; then the file is
				   * abandoned ("too large").  Plain mail and
				   * UTF-16 do not count: a 2 GB mbox is read whole */
	uint64_t max_ratio;       /* decompressed/compressed per member, e.g. 100,
				   * judged past 1 MiB out ("suspected zip bomb":
				   * the archive is abandoned) */
} scan_limits;

#define SCAN_LIMITS_DEFAULT { 4, (uint64_t)1 << 30, 100 }

/* What kind of file PATH is, from its first bytes (HEAD, HEADLEN; at least
 * the first 4 KiB when the file has them) and its name.  SQLite databases
 * (by their header) and files named *-wal, *-shm, *-journal are BINARY
 * whatever they hold.  WARNING: to read HEAD the caller has opened the
 * file; closing any descriptor of a SQLite file that this process has open
 * (the vault) drops the vault's POSIX locks: compare st_dev/st_ino with the
 * open vault's files before opening anything. */
typedef enum {
	SCAN_KIND_TEXT = 0,       /* the engine scans it as it is (UTF-8 / ASCII / Windows-1252) */
	SCAN_KIND_BINARY,         /* not scanned (images, executables, databases...) */
	SCAN_KIND_CONTAINER,      /* needs scan_read_container() */
} scan_kind;

scan_kind scan_sniff(const char *path, const unsigned char *head, size_t headlen);

/* Decode the container at PATH (scan_sniff said SCAN_KIND_CONTAINER) into
 * SINK within LIMITS (NULL: SCAN_LIMITS_DEFAULT).  Memory stays bounded
 * whatever the file size: members are streamed, never loaded whole (except
 * where the format requires it: a PDF or a mail inside another container
 * is read into memory up to 64 MiB).  Nothing decoded is written to disk.
 * Returns 0, or a negative FORT_E* with the message set (FORT_ENOTFOUND,
 * FORT_EIO: cannot open or read; FORT_EINPUT: not a regular file;
 * FORT_ENOMEM; or the sink's own code).  A damaged container is not an
 * error: its parts are reported through SINK->skipped. */
int scan_read_container(const char *path, const scan_limits *limits, const scan_sink *sink);
/* The same for a file the caller has open as FD (a regular file, its
 * offset at 0: read it with pread; FD stays the caller's to close), whose
 * first HEADLEN bytes, HEAD, it has read already (they are not read
 * again; NULL, 0: none). */
int scan_read_container_fd(int fd, const char *path, const unsigned char *head, size_t headlen,
			   const scan_limits *limits, const scan_sink *sink);

#endif
