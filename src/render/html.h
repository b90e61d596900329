/* html.h - the Markdown that Fortress's generators write, as an HTML page:
 * the one converter for the privacy notice, the breach letters and the
 * access-request letter (the PDF has its own renderer, pdf.h).
 *
 * The subset: "# " and "## " headings, "- " items (in a <ul>), paragraphs,
 * **bold** (<strong>), and a run of "|" table lines (replaced by the
 * caller's HTML table).  Every text is HTML-escaped (fort_html_escape). */
#ifndef FORT_RENDER_HTML_H
#define FORT_RENDER_HTML_H

#include "util.h"

typedef struct {
	const char *title;       /* escaped into <title> */
	const char *head;        /* raw HTML added to <head> (a <style>), or NULL */
	int join_lines;          /* 1: the lines of a paragraph (up to a blank line) are one <p>, joined by <br>
				  * (letters); 0: every line is a <p> of its own */
	const char *table_html;  /* raw HTML that stands for a run of "|" lines (it opens the <table>; the
				  * converter closes it), or NULL: table lines are dropped */
	const char *footer;      /* raw HTML before </body>, or NULL */
	const char *lang;        /* the page's language (<html lang>): NULL "en" */
} render_html_opts;

/* Append the page for MD to H (its sticky error tells whether it is whole). */
void render_html(fort_buf *h, const char *md, const render_html_opts *o);

#endif
