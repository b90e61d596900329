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
 *   "#N"   the Nth message of an mbox (1-based), "/NAME" a MIME part's file
 *          name (or "/part-N" when it has none),
 *   "!P"   member P of a zip archive, ".gz" content is the archive itself.
 * Offsets reported for such documents are offsets into the decoded text of
 * that logical document, not into the file. */
#ifndef FORT_SCAN_READERS_H
#define FORT_SCAN_READERS_H

#include <stddef.h>
#include <stdint.h>

/* What the sink is given.  Every callback returns 0 to go on or a negative
 * FORT_E* code to stop the read (the code is returned by the reader). */
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
} scan_sink;

/* Limits against hostile input (zip bombs, endless nesting). */
typedef struct scan_limits {
	unsigned max_depth;       /* nested containers, e.g. 4 (zip in zip in mail...) */
	uint64_t max_total;       /* decoded bytes per file, e.g. 1 GiB */
	uint64_t max_ratio;       /* decoded/compressed per member, e.g. 100 */
} scan_limits;

#define SCAN_LIMITS_DEFAULT { 4, (uint64_t)1 << 30, 100 }

/* What kind of file PATH is, from its first bytes (HEAD, HEADLEN; at least
 * the first 4 KiB when the file has them) and its name. */
typedef enum {
	SCAN_KIND_TEXT = 0,       /* the engine scans it as it is (UTF-8 / ASCII / Windows-1252) */
	SCAN_KIND_BINARY,         /* not scanned (images, executables, databases...) */
	SCAN_KIND_CONTAINER,      /* needs scan_read_container() */
} scan_kind;

scan_kind scan_sniff(const char *path, const unsigned char *head, size_t headlen);

/* Decode the container at PATH (scan_sniff said SCAN_KIND_CONTAINER) into
 * SINK within LIMITS.  Memory stays bounded whatever the file size: members
 * are streamed, never loaded whole (except where the format requires it,
 * which is documented at the reader).  Returns 0, or a negative FORT_E*
 * with the message set (FORT_EIO: cannot read; a damaged container is not
 * an error: its parts are reported through SINK->skipped). */
int scan_read_container(const char *path, const scan_limits *limits, const scan_sink *sink);

#endif
