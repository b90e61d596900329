/* pdf.h - printable documents: a small Markdown subset rendered to PDF with
 * libharu (libhpdf).  Letters to clients and authorities, the incident plan
 * and the access-request letter all exist on paper through this one function.
 *
 * The Markdown subset (what Fortress's own generators write):
 *   # H1, ## H2, ### H3      headings
 *   - item, * item, 1. item  list items (wrapped with a hanging indent)
 *   | a | b |                 table rows (monospaced; |---| rules dropped)
 *   ```                      code blocks (monospaced, not wrapped)
 *   ---                      a horizontal rule
 *   blank line               paragraph break
 *   **bold**, `code`, [text](url) inline markers are removed, text kept
 *
 * Text is UTF-8.  The standard PDF fonts cover Windows-1252 (Latin
 * alphabets of Western Europe, the euro sign, typographic quotes); any other
 * character is printed as '?', never dropped silently without a mark. */
#ifndef FORT_RENDER_PDF_H
#define FORT_RENDER_PDF_H

#include <stddef.h>

/* Render MARKDOWN to a PDF in memory.  TITLE goes into the document
 * information and each page's footer ("TITLE - page N of M").  On success
 * *out is a malloc()ed buffer of *len bytes (free() it) and 0 is returned;
 * otherwise a FORT_E* code with the error set. */
int render_pdf(const char *markdown, const char *title, unsigned char **out, size_t *len);

#endif
