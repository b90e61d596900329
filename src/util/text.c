/* text.c - writing text into other formats: HTML escaping and CSV cells,
 * one copy of each for every document Fortress writes. */
#include <string.h>
#include "util.h"

void fort_html_escape(fort_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '<': fort_buf_puts(b, "&lt;"); break;
		case '>': fort_buf_puts(b, "&gt;"); break;
		case '&': fort_buf_puts(b, "&amp;"); break;
		case '"': fort_buf_puts(b, "&quot;"); break;
		default: fort_buf_putc(b, s[i]);
		}
	}
}

void fort_html_escape_str(fort_buf *b, const char *s)
{
	fort_html_escape(b, s, strlen(s));
}

int fort_csv_formula(const char *s)
{
	return s[0] && strchr("=+-@\t\r", s[0]) != NULL;
}

/* "S" with '"' doubled; PREFIX (an apostrophe, or 0) before S inside the quotes. */
static void quoted(fort_buf *b, const char *s, char prefix)
{
	fort_buf_putc(b, '"');
	if (prefix)
		fort_buf_putc(b, prefix);
	for (; *s; s++) {
		if (*s == '"')
			fort_buf_putc(b, '"');
		fort_buf_putc(b, *s);
	}
	fort_buf_putc(b, '"');
}

void fort_csv_quote(fort_buf *b, const char *s)
{
	quoted(b, s, 0);
}

void fort_csv_cell(fort_buf *b, const char *s, unsigned flags)
{
	int formula = fort_csv_formula(s);
	if ((flags & FORT_CSV_MINIMAL) && !formula && !strpbrk(s, ",\"\n\r")) {
		fort_buf_puts(b, s);
		return;
	}
	quoted(b, s, formula ? '\'' : 0);
}
