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

int fort_json_string(fort_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(s), run = 0, i;
	if (!fort_utf8_valid(s, len))
		return -1;
	fort_buf_putc(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6];
		size_t n = 2;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		fort_buf_put(b, s + run, i - run);
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		fort_buf_put(b, esc, n);
	}
	fort_buf_put(b, s + run, len - run);
	fort_buf_putc(b, '"');
	return 0;
}

int fort_csv_formula(const char *s)
{
	switch (s[0]) {
	case '=': case '+': case '-': case '@': case '\t': case '\r':
		return 1;
	}
	return 0;
}

/* "S" with '"' doubled; PREFIX (an apostrophe, or 0) before S inside the
 * quotes.  The runs between quotes are copied whole. */
static void quoted(fort_buf *b, const char *s, char prefix)
{
	const char *q;

	fort_buf_putc(b, '"');
	if (prefix)
		fort_buf_putc(b, prefix);
	while ((q = strchr(s, '"'))) {
		fort_buf_put(b, s, (size_t)(q - s) + 1);
		fort_buf_putc(b, '"');
		s = q + 1;
	}
	fort_buf_puts(b, s);
	fort_buf_putc(b, '"');
}

void fort_csv_quote(fort_buf *b, const char *s)
{
	quoted(b, s, 0);
}

/* One pass for the common cell (the scanner writes three per finding):
 * its length and whether it needs quotes, then one copy. */
void fort_csv_cell(fort_buf *b, const char *s, unsigned flags)
{
	int formula = fort_csv_formula(s);

	if ((flags & FORT_CSV_MINIMAL) && !formula) {
		size_t n;

		for (n = 0;; n++) {
			unsigned char c = (unsigned char)s[n];

			/* NUL , " CR LF all lie below '-' */
			if (c < '-' && (c == '\0' || c == ',' || c == '"' || c == '\n' || c == '\r'))
				break;
		}
		if (!s[n]) {
			fort_buf_put(b, s, n);
			return;
		}
	}
	quoted(b, s, formula ? '\'' : 0);
}
