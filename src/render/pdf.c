/* pdf.c - the Markdown subset of pdf.h rendered with libharu (libhpdf):
 * A4 pages, the standard Helvetica and Courier fonts in WinAnsiEncoding,
 * greedy word wrap measured by the font, a footer with the page number. */
#include <hpdf.h>
#include <stdlib.h>
#include <string.h>

#include "render/pdf.h"
#include "util.h"
#include "util/dl.h"

/* libharu is loaded with dlopen() by the first render_pdf (util/dl.h), not
 * linked: with libpng it was relocated at the start of every command, for
 * the few that write a PDF.  The calls keep its names. */
#define HPDF_FUNCS(X) \
	X(HPDF_AddPage) \
	X(HPDF_Font_MeasureText) \
	X(HPDF_Free) \
	X(HPDF_GetFont) \
	X(HPDF_GetStreamSize) \
	X(HPDF_NewEx) \
	X(HPDF_Page_BeginText) \
	X(HPDF_Page_EndText) \
	X(HPDF_Page_LineTo) \
	X(HPDF_Page_MoveTo) \
	X(HPDF_Page_SetFontAndSize) \
	X(HPDF_Page_SetLineWidth) \
	X(HPDF_Page_SetSize) \
	X(HPDF_Page_Stroke) \
	X(HPDF_Page_TextOut) \
	X(HPDF_ReadFromStream) \
	X(HPDF_SaveToStream) \
	X(HPDF_SetCompressionMode) \
	X(HPDF_SetInfoAttr)
static struct {
#define X(f) __typeof__(f) *f;
	HPDF_FUNCS(X)
#undef X
} hpdf;
static const fort_dl_sym hpdf_syms[] = {
#define X(f) { #f, (void **)&hpdf.f },
	HPDF_FUNCS(X)
#undef X
};
static fort_dl hpdf_dl = FORT_DL_INIT("libhpdf-2.3.0.so", "libhpdf-2.3.0", hpdf_syms);
#define HPDF_AddPage (*hpdf.HPDF_AddPage)
#define HPDF_Font_MeasureText (*hpdf.HPDF_Font_MeasureText)
#define HPDF_Free (*hpdf.HPDF_Free)
#define HPDF_GetFont (*hpdf.HPDF_GetFont)
#define HPDF_GetStreamSize (*hpdf.HPDF_GetStreamSize)
#define HPDF_NewEx (*hpdf.HPDF_NewEx)
#define HPDF_Page_BeginText (*hpdf.HPDF_Page_BeginText)
#define HPDF_Page_EndText (*hpdf.HPDF_Page_EndText)
#define HPDF_Page_LineTo (*hpdf.HPDF_Page_LineTo)
#define HPDF_Page_MoveTo (*hpdf.HPDF_Page_MoveTo)
#define HPDF_Page_SetFontAndSize (*hpdf.HPDF_Page_SetFontAndSize)
#define HPDF_Page_SetLineWidth (*hpdf.HPDF_Page_SetLineWidth)
#define HPDF_Page_SetSize (*hpdf.HPDF_Page_SetSize)
#define HPDF_Page_Stroke (*hpdf.HPDF_Page_Stroke)
#define HPDF_Page_TextOut (*hpdf.HPDF_Page_TextOut)
#define HPDF_ReadFromStream (*hpdf.HPDF_ReadFromStream)
#define HPDF_SaveToStream (*hpdf.HPDF_SaveToStream)
#define HPDF_SetCompressionMode (*hpdf.HPDF_SetCompressionMode)
#define HPDF_SetInfoAttr (*hpdf.HPDF_SetInfoAttr)

#define PAGE_W 595.276f   /* A4 in points */
#define PAGE_H 841.89f
#define MARGIN 56.0f
#define FOOTER_Y 30.0f
#define MAX_PAGES 2000

typedef struct {
	HPDF_Doc doc;
	HPDF_Font regular, bold, mono;
	HPDF_Page pages[MAX_PAGES];
	int npages;
	float y;
	HPDF_STATUS err;  /* first libharu error, 0 if none */
} pdf_state;

static void on_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user)
{
	pdf_state *p = user;
	(void)detail_no;
	if (!p->err)
		p->err = error_no;
}

/* Unicode code points 0x80-0x9F of Windows-1252, in byte order. */
static const unsigned short cp1252_high[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

static unsigned char to_cp1252(unsigned cp)
{
	if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF))
		return (unsigned char)cp;
	for (int i = 0; i < 32; i++)
		if (cp1252_high[i] == cp)
			return (unsigned char)(0x80 + i);
	if (cp == 0x2212 || cp == 0x2010 || cp == 0x2011)  /* minus, hyphens */
		return '-';
	if (cp == 0x2192)  /* arrow */
		return '>';
	return '?';
}

/* Decode UTF-8 (invalid bytes become '?'), drop control characters, and
 * remove the inline markers: **, `, and [text](url) -> "text (url)". */
static char *prepare(const char *s, size_t n)
{
	fort_buf b;
	fort_buf_init_secret(&b, FORT_BUF_DEFAULT_CAP);
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c == '*' && i + 1 < n && s[i + 1] == '*') {
			i += 2;
			continue;
		}
		if (c == '`') {
			i++;
			continue;
		}
		if (c == '[') {
			const char *close = memchr(s + i, ']', n - i);
			if (close && (size_t)(close - s) + 1 < n && close[1] == '(') {
				const char *end = memchr(close, ')', n - (size_t)(close - s));
				if (end) {
					size_t tl = (size_t)(close - s) - i - 1, ul = (size_t)(end - close) - 2;
					char *text = prepare(s + i + 1, tl);
					if (!text) {
						fort_buf_release(&b);
						return NULL;
					}
					fort_buf_puts(&b, text);
					if (ul && (ul != tl || memcmp(close + 2, s + i + 1, tl))) {
						fort_buf_puts(&b, " (");
						fort_buf_put(&b, close + 2, ul);
						fort_buf_putc(&b, ')');
					}
					fort_free_str(text);
					i = (size_t)(end - s) + 1;
					continue;
				}
			}
		}
		unsigned cp;
		size_t len;
		if (c < 0x80) {
			cp = c;
			len = 1;
		} else if ((c & 0xE0) == 0xC0) {
			cp = c & 0x1F;
			len = 2;
		} else if ((c & 0xF0) == 0xE0) {
			cp = c & 0x0F;
			len = 3;
		} else if ((c & 0xF8) == 0xF0) {
			cp = c & 0x07;
			len = 4;
		} else {
			cp = '?';
			len = 1;
			c = 0;
		}
		if (len > 1) {
			if (i + len > n) {
				cp = '?';
				len = 1;
			} else {
				for (size_t k = 1; k < len; k++) {
					unsigned char cc = (unsigned char)s[i + k];
					if ((cc & 0xC0) != 0x80) {
						cp = '?';
						len = 1;
						break;
					}
					cp = (cp << 6) | (cc & 0x3F);
				}
			}
		}
		i += len;
		if (cp == '\t')
			cp = ' ';
		if (cp < 0x20 || cp == 0x7F)
			continue;
		fort_buf_putc(&b, (char)to_cp1252(cp));
	}
	if (fort_buf_putc(&b, '\0') < 0) {  /* surfaces a failed growth */
		fort_buf_release(&b);
		return NULL;
	}
	return fort_buf_detach(&b, NULL);
}

static void new_page(pdf_state *p)
{
	if (p->npages >= MAX_PAGES) {
		if (!p->err)
			p->err = HPDF_PAGE_CANNOT_FIND_OBJECT;
		return;
	}
	HPDF_Page pg = HPDF_AddPage(p->doc);
	HPDF_Page_SetSize(pg, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	p->pages[p->npages++] = pg;
	p->y = PAGE_H - MARGIN;
}

static HPDF_Page page(pdf_state *p)
{
	return p->pages[p->npages - 1];
}

/* Make room for a line of HEIGHT points, starting a new page if needed. */
static void need(pdf_state *p, float height)
{
	if (p->y - height < MARGIN + 10)
		new_page(p);
}

static void put_line(pdf_state *p, HPDF_Font font, float size, float x, const char *text, size_t len)
{
	char *tmp;
	need(p, size * 1.35f);
	if (p->err)
		return;
	if (!(tmp = fort_strndup(text, len))) {
		p->err = HPDF_FAILD_TO_ALLOC_MEM;
		return;
	}
	p->y -= size * 1.35f;
	HPDF_Page pg = page(p);
	HPDF_Page_BeginText(pg);
	HPDF_Page_SetFontAndSize(pg, font, size);
	HPDF_Page_TextOut(pg, x, p->y, tmp);
	HPDF_Page_EndText(pg);
	fort_free_str(tmp);
}

/* Word-wrap TEXT (already Windows-1252) between x0 (first line: x0 + first)
 * and the right margin. */
static void wrap(pdf_state *p, HPDF_Font font, float size, float x0, float first, const char *text)
{
	size_t n = strlen(text);
	size_t at = 0;
	int line = 0;
	if (!n) {
		put_line(p, font, size, x0 + first, "", 0);
		return;
	}
	while (at < n && !p->err) {
		float x = x0 + (line ? 0 : first);
		float width = PAGE_W - MARGIN - x;
		HPDF_REAL real;
		HPDF_UINT fit = HPDF_Font_MeasureText(font, (const HPDF_BYTE *)text + at, (HPDF_UINT)(n - at), width, size,
						      0, 0, HPDF_TRUE, &real);
		if (fit == 0)  /* one word wider than the line: cut it */
			fit = HPDF_Font_MeasureText(font, (const HPDF_BYTE *)text + at, (HPDF_UINT)(n - at), width, size, 0,
						    0, HPDF_FALSE, &real);
		if (fit == 0)
			fit = 1;
		size_t len = fit;
		while (len > 0 && text[at + len - 1] == ' ')
			len--;
		put_line(p, font, size, x, text + at, len);
		at += fit;
		while (at < n && text[at] == ' ')
			at++;
		line++;
	}
}

static int is_rule_row(const char *s, size_t n)
{
	/* a Markdown table's separator: | --- | :---: | */
	int dash = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '-')
			dash = 1;
		else if (s[i] != '|' && s[i] != ':' && s[i] != ' ')
			return 0;
	}
	return dash;
}

/* a line that cannot be prepared fails the document, it is not left out */
static char *prepare_or_fail(pdf_state *p, const char *s, size_t n)
{
	char *t = prepare(s, n);
	if (!t && !p->err)
		p->err = HPDF_FAILD_TO_ALLOC_MEM;
	return t;
}

static void render_block(pdf_state *p, const char *line, size_t n, int *in_code)
{
	const float body = 10.5f;
	if (n >= 3 && !memcmp(line, "```", 3)) {
		*in_code = !*in_code;
		return;
	}
	char *t = NULL;
#define prepare(s, n) prepare_or_fail(p, (s), (n))
	if (*in_code) {
		if ((t = prepare(line, n)))
			wrap(p, p->mono, 8.5f, MARGIN, 0, t);
		else
			p->err = HPDF_FAILD_TO_ALLOC_MEM;
		fort_free_str(t);
		return;
	}
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\r'))
		n--;
	size_t lead = 0;
	while (lead < n && line[lead] == ' ')
		lead++;
	const char *s = line + lead;
	size_t m = n - lead;
	float indent = MARGIN + (float)(lead / 2) * 12.0f;
	if (m == 0) {
		p->y -= body * 0.6f;
		return;
	}
	if (m >= 3 && strspn(s, "-") == m) {  /* --- rule */
		need(p, 12);
		if (p->err)
			return;
		p->y -= 6;
		HPDF_Page pg = page(p);
		HPDF_Page_SetLineWidth(pg, 0.5f);
		HPDF_Page_MoveTo(pg, MARGIN, p->y);
		HPDF_Page_LineTo(pg, PAGE_W - MARGIN, p->y);
		HPDF_Page_Stroke(pg);
		p->y -= 6;
		return;
	}
	int level = 0;
	while ((size_t)level < m && s[level] == '#')
		level++;
	if (level >= 1 && level <= 6 && (size_t)level < m && s[level] == ' ') {
		static const float sizes[] = {0, 18, 14, 12, 11, 10.5f, 10.5f};
		if ((t = prepare(s + level + 1, m - (size_t)level - 1))) {
			p->y -= sizes[level] * 0.5f;
			need(p, sizes[level] * 3);  /* keep a heading with what follows */
			wrap(p, p->bold, sizes[level], MARGIN, 0, t);
			p->y -= sizes[level] * 0.25f;
		}
		fort_free_str(t);
		return;
	}
	if (s[0] == '|') {
		if (is_rule_row(s, m))
			return;
		size_t a = 1, b = m;
		if (b > a && s[b - 1] == '|')
			b--;
		fort_buf row;
		fort_buf_init_secret(&row, FORT_BUF_DEFAULT_CAP);
		for (size_t i = a; i < b; i++)
			if (s[i] == '|')
				fort_buf_puts(&row, " |");
			else
				fort_buf_putc(&row, s[i]);
		if ((t = prepare(row.buf, row.len)))
			wrap(p, p->mono, 8.5f, indent, 0, t);
		fort_buf_release(&row);
		fort_free_str(t);
		return;
	}
	if (m >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '+') && s[1] == ' ') {
		if ((t = prepare(s + 2, m - 2))) {
			need(p, body * 1.35f);
			if (!p->err) {
				HPDF_Page pg = page(p);
				HPDF_Page_BeginText(pg);
				HPDF_Page_SetFontAndSize(pg, p->regular, body);
				HPDF_Page_TextOut(pg, indent + 2, p->y - body * 1.35f, "\x95");
				HPDF_Page_EndText(pg);
			}
			wrap(p, p->regular, body, indent + 14, 0, t);
		}
		fort_free_str(t);
		return;
	}
	size_t digits = strspn(s, "0123456789");
	if (digits && digits < 4 && digits + 1 < m && s[digits] == '.' && s[digits + 1] == ' ') {
		if ((t = prepare(s + digits + 2, m - digits - 2))) {
			char num[8];
			memcpy(num, s, digits + 1);
			num[digits + 1] = '\0';
			need(p, body * 1.35f);
			if (!p->err) {
				HPDF_Page pg = page(p);
				HPDF_Page_BeginText(pg);
				HPDF_Page_SetFontAndSize(pg, p->regular, body);
				HPDF_Page_TextOut(pg, indent, p->y - body * 1.35f, num);
				HPDF_Page_EndText(pg);
			}
			wrap(p, p->regular, body, indent + 18, 0, t);
		}
		fort_free_str(t);
		return;
	}
	if ((t = prepare(s, m)))
		wrap(p, p->regular, body, indent, 0, t);
	fort_free_str(t);
#undef prepare
}

/* libharu keeps the page text (client values) in its own blocks: wiped on free */
static void *pdf_alloc(HPDF_UINT size) { return fort_wipe_malloc(size); }
static void pdf_free(void *ptr) { fort_wipe_free(ptr); }

int render_pdf(const char *markdown, const char *title, unsigned char **out, size_t *len)
{
	pdf_state *p;
	int r = 0;
	*out = NULL;
	*len = 0;
	if ((r = fort_dl_need(&hpdf_dl)) < 0)
		return fort_error_prefix("cannot write a PDF");
	if (!(p = fort_calloc(1, sizeof *p)))
		return FORT_ENOMEM;
	if (!(p->doc = HPDF_NewEx(on_error, pdf_alloc, pdf_free, 0, p))) {
		free(p);
		return fort_error_set(FORT_ENOMEM, "pdf: cannot start a document (out of memory)");
	}
	HPDF_SetCompressionMode(p->doc, HPDF_COMP_ALL);
	p->regular = HPDF_GetFont(p->doc, "Helvetica", "WinAnsiEncoding");
	p->bold = HPDF_GetFont(p->doc, "Helvetica-Bold", "WinAnsiEncoding");
	p->mono = HPDF_GetFont(p->doc, "Courier", "WinAnsiEncoding");
	char *ttl = prepare(title ? title : "", title ? strlen(title) : 0);
	if (ttl) {
		HPDF_SetInfoAttr(p->doc, HPDF_INFO_TITLE, ttl);
		HPDF_SetInfoAttr(p->doc, HPDF_INFO_CREATOR, "Fortress");
	}
	new_page(p);
	int in_code = 0;
	for (const char *s = markdown; *s && !p->err;) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		render_block(p, s, n, &in_code);
		s += n + (e ? 1 : 0);
	}
	for (int i = 0; i < p->npages && !p->err; i++) {
		char foot[1200];
		snprintf(foot, sizeof foot, "%.1000s - page %d of %d", ttl ? ttl : "", i + 1, p->npages);
		HPDF_Page pg = p->pages[i];
		HPDF_Page_BeginText(pg);
		HPDF_Page_SetFontAndSize(pg, p->regular, 8);
		HPDF_Page_TextOut(pg, MARGIN, FOOTER_Y, foot);
		HPDF_Page_EndText(pg);
	}
	free(ttl);
	if (!p->err)
		HPDF_SaveToStream(p->doc);
	if (!p->err) {
		HPDF_UINT32 size = HPDF_GetStreamSize(p->doc);
		unsigned char *buf = fort_malloc(size ? size : 1);
		HPDF_UINT32 got = size;
		if (!buf)
			r = FORT_ENOMEM;
		else if (HPDF_ReadFromStream(p->doc, buf, &got) != HPDF_OK && got != size) {
			free(buf);
			r = fort_error_set(FORT_ERROR, "pdf: cannot read the rendered document back (libharu error)");
		} else {
			*out = buf;
			*len = got;
		}
	}
	if (p->err == HPDF_FAILD_TO_ALLOC_MEM && !r)
		r = fort_error_set(FORT_ENOMEM, "pdf: out of memory");   /* libharu's or ours: not a bad document */
	else if (p->err && !r)
		r = fort_error_set(p->npages >= MAX_PAGES ? FORT_EINPUT : FORT_ERROR,
				   "pdf: the document cannot be rendered (libharu error 0x%04X%s)", (unsigned)p->err,
				   p->npages >= MAX_PAGES ? ": more than 2000 pages" : "");
	HPDF_Free(p->doc);
	free(p);
	return r;
}
