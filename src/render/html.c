/* html.c - Markdown (Fortress's own subset) to an HTML page; see html.h. */
#include <string.h>
#include "render/html.h"

/* Text of N bytes, escaped, with **bold** pairs as <strong>; a lone "**"
 * stays as it is. */
static void inline_text(fort_buf *h, const char *s, size_t n)
{
	const char *e = s + n;
	while (s < e) {
		const char *open = NULL, *close = NULL;
		for (const char *q = s; q + 1 < e; q++)
			if (q[0] == '*' && q[1] == '*') {
				open = q;
				break;
			}
		if (open)
			for (const char *q = open + 2; q + 1 < e; q++)
				if (q[0] == '*' && q[1] == '*') {
					close = q;
					break;
				}
		if (!open || !close) {
			fort_html_escape(h, s, (size_t)(e - s));
			return;
		}
		fort_html_escape(h, s, (size_t)(open - s));
		fort_buf_puts(h, "<strong>");
		fort_html_escape(h, open + 2, (size_t)(close - open - 2));
		fort_buf_puts(h, "</strong>");
		s = close + 2;
	}
}

static void element(fort_buf *h, const char *tag, const char *s, size_t n)
{
	fort_buf_printf(h, "<%s>", tag);
	inline_text(h, s, n);
	fort_buf_printf(h, "</%s>\n", tag);
}

void render_html(fort_buf *h, const char *md, const render_html_opts *o)
{
	const char *p = md;
	int in_list = 0, in_para = 0, in_table = 0;

	fort_buf_puts(h, "<!DOCTYPE html>\n<html lang=\"");
	fort_html_escape_str(h, o && o->lang ? o->lang : "en");
	fort_buf_puts(h, "\"><head><meta charset=\"utf-8\"><title>");
	fort_html_escape_str(h, o->title ? o->title : "");
	fort_buf_puts(h, "</title>");
	if (o->head)
		fort_buf_puts(h, o->head);
	fort_buf_puts(h, "</head><body>\n");
	while (*p) {
		size_t len = strcspn(p, "\n"), skip = 0;
		const char *tag = NULL;
		int table = len && p[0] == '|';

		if (len >= 3 && strncmp(p, "## ", 3) == 0)
			tag = "h2", skip = 3;
		else if (len >= 2 && strncmp(p, "# ", 2) == 0)
			tag = "h1", skip = 2;
		else if (len >= 2 && strncmp(p, "- ", 2) == 0)
			tag = "li", skip = 2;
		/* close what this line ends */
		if (in_table && !table) {
			fort_buf_puts(h, "</table>\n");
			in_table = 0;
		}
		if (in_para && (!len || tag || table)) {
			fort_buf_puts(h, "</p>\n");
			in_para = 0;
		}
		if (in_list && (!tag || strcmp(tag, "li") != 0)) {
			fort_buf_puts(h, "</ul>\n");
			in_list = 0;
		}
		if (table) {
			if (!in_table && o->table_html) {
				fort_buf_puts(h, o->table_html);
				in_table = 1;
			}
		} else if (tag) {
			if (strcmp(tag, "li") == 0 && !in_list) {
				fort_buf_puts(h, "<ul>\n");
				in_list = 1;
			}
			element(h, tag, p + skip, len - skip);
		} else if (len && !o->join_lines) {
			element(h, "p", p, len);
		} else if (len) {
			fort_buf_puts(h, in_para ? "<br>\n" : "<p>");
			in_para = 1;
			inline_text(h, p, len);
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	if (in_table)
		fort_buf_puts(h, "</table>\n");
	if (in_para)
		fort_buf_puts(h, "</p>\n");
	if (in_list)
		fort_buf_puts(h, "</ul>\n");
	if (o->footer)
		fort_buf_puts(h, o->footer);
	fort_buf_puts(h, "</body></html>\n");
}
