/* read_office.c - the text of office documents: DOCX/XLSX/PPTX (Office Open
 * XML) and ODT/ODS/ODP (OpenDocument).  Both are zips; read_zip.c finds
 * them and hands over the text-bearing XML members, which are parsed here
 * with expat, streaming.
 *
 * Paragraphs, table rows and spreadsheet rows end in a newline and cells in
 * a tab, so that line numbers in findings point at a paragraph or a row.
 * Only text the user wrote is taken: in OOXML the text elements (w:t, a:t,
 * t, and cell values), in OpenDocument what is inside paragraphs and
 * headings.  A DOCTYPE is refused (no entity tricks: XXE, billion laughs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <expat.h>
#include "rd.h"

enum {
	OX_NONE = 0,
	OX_TEXT,        /* word/document.xml, headers, comments, slides: w:t / a:t */
	OX_STRINGS,     /* xl/sharedStrings.xml: one string a line */
	OX_SHEET,       /* xl/worksheets/sheetN.xml: cells and rows */
	OX_ODF,         /* content.xml, styles.xml (headers and footers) */
};

static int has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);
	return n >= k && strcasecmp(name + n - k, suffix) == 0;
}

int rd_office_zip(const char *zipname, const char *first_member)
{
	static const char *ext[] = { ".docx", ".docm", ".dotx", ".dotm", ".xlsx", ".xlsm", ".xltx",
		".xltm", ".pptx", ".pptm", ".potx", ".ppsx", ".odt", ".ott", ".ods", ".ots", ".odp",
		".otp", ".odg" };
	for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
		if (has_suffix(zipname, ext[i]))
			return 1;
	return strcmp(first_member, "[Content_Types].xml") == 0 || strcmp(first_member, "mimetype") == 0;
}

/* NAME is "DIR" followed by PREFIX, anything without a slash, and ".xml". */
static int member_like(const char *name, const char *prefix)
{
	size_t k = strlen(prefix);
	return strncmp(name, prefix, k) == 0 && !strchr(name + k, '/') && has_suffix(name + k, ".xml");
}

int rd_office_member(const char *m)
{
	if (strcmp(m, "word/document.xml") == 0 || member_like(m, "word/header") ||
	    member_like(m, "word/footer") || strcmp(m, "word/comments.xml") == 0 ||
	    strcmp(m, "word/footnotes.xml") == 0 || strcmp(m, "word/endnotes.xml") == 0 ||
	    member_like(m, "ppt/slides/slide") || member_like(m, "ppt/notesSlides/notesSlide") ||
	    member_like(m, "ppt/comments/") || member_like(m, "xl/comments"))
		return OX_TEXT;
	if (strcmp(m, "xl/sharedStrings.xml") == 0)
		return OX_STRINGS;
	if (member_like(m, "xl/worksheets/sheet"))
		return OX_SHEET;
	if (strcmp(m, "content.xml") == 0 || strcmp(m, "styles.xml") == 0)
		return OX_ODF;
	return OX_NONE;
}

#define XML_MAX_QUIET (4 << 20)

typedef struct {
	rd *r;
	XML_Parser p;
	int kind;
	int in_text;             /* inside an element whose text is taken */
	int in_phonetic;         /* xlsx rPh: readings, not the text */
	int shared_cell;         /* xlsx c t="s": the value is an index */
	int in_cell;             /* ODF table cell */
	int refused;             /* a DOCTYPE or an entity declaration */
	int rc;                  /* a sink error, to return */
	size_t quiet;            /* bytes parsed since the last callback */
	size_t o;
	char out[32768];
} ox;

static const char *local(const XML_Char *name)
{
	const char *c = strrchr(name, ':');
	return c ? c + 1 : name;
}

static void flush(ox *x)
{
	if (x->o && x->rc == 0)
		x->rc = rd_text(x->r, x->out, x->o);
	x->o = 0;
	if (x->rc < 0)
		XML_StopParser(x->p, XML_FALSE);
}

static void put(ox *x, const char *s, size_t n)
{
	while (n) {
		size_t k = sizeof x->out - x->o;
		if (k > n)
			k = n;
		memcpy(x->out + x->o, s, k);
		x->o += k;
		s += k;
		n -= k;
		if (x->o == sizeof x->out)
			flush(x);
	}
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attr)
{
	ox *x = ud;
	const char *l = local(name);
	x->quiet = 0;
	switch (x->kind) {
	case OX_TEXT:
	case OX_STRINGS:
	case OX_SHEET:
		if (strcmp(l, "rPh") == 0)
			x->in_phonetic++;
		else if (strcmp(l, "t") == 0 || strcmp(l, "delText") == 0)
			x->in_text++;
		else if (strcmp(l, "v") == 0 && x->kind == OX_SHEET && !x->shared_cell)
			x->in_text++;
		else if (strcmp(l, "tab") == 0)
			put(x, "\t", 1);
		else if (strcmp(l, "br") == 0 || strcmp(l, "cr") == 0)
			put(x, "\n", 1);
		else if (strcmp(l, "c") == 0 && x->kind == OX_SHEET) {
			x->shared_cell = 0;
			for (int i = 0; attr[i]; i += 2)
				if (strcmp(attr[i], "t") == 0 && strcmp(attr[i + 1], "s") == 0)
					x->shared_cell = 1;
		}
		break;
	case OX_ODF:
		if (strcmp(l, "p") == 0 || strcmp(l, "h") == 0)
			x->in_text++;
		else if (strcmp(l, "s") == 0)
			put(x, " ", 1);
		else if (strcmp(l, "tab") == 0)
			put(x, "\t", 1);
		else if (strcmp(l, "line-break") == 0)
			put(x, "\n", 1);
		else if (strcmp(l, "table-cell") == 0 || strcmp(l, "covered-table-cell") == 0)
			x->in_cell++;
		break;
	}
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	ox *x = ud;
	const char *l = local(name);
	x->quiet = 0;
	switch (x->kind) {
	case OX_TEXT:
	case OX_STRINGS:
	case OX_SHEET:
		if (strcmp(l, "rPh") == 0 && x->in_phonetic)
			x->in_phonetic--;
		else if ((strcmp(l, "t") == 0 || strcmp(l, "delText") == 0 || strcmp(l, "v") == 0) && x->in_text)
			x->in_text--;
		else if (strcmp(l, "p") == 0 || (strcmp(l, "si") == 0 && x->kind == OX_STRINGS) ||
			 strcmp(l, "row") == 0)
			put(x, "\n", 1);
		else if (strcmp(l, "c") == 0 && x->kind == OX_SHEET) {
			x->shared_cell = 0;
			put(x, "\t", 1);
		}
		break;
	case OX_ODF:
		if ((strcmp(l, "p") == 0 || strcmp(l, "h") == 0) && x->in_text) {
			x->in_text--;
			/* paragraphs inside a cell stay on the row's line */
			put(x, x->in_cell ? " " : "\n", 1);
		} else if ((strcmp(l, "table-cell") == 0 || strcmp(l, "covered-table-cell") == 0) && x->in_cell) {
			x->in_cell--;
			put(x, "\t", 1);
		} else if (strcmp(l, "table-row") == 0) {
			put(x, "\n", 1);
		}
		break;
	}
}

static void XMLCALL on_chars(void *ud, const XML_Char *s, int len)
{
	ox *x = ud;
	x->quiet = 0;
	if (x->in_text && !x->in_phonetic && len > 0)
		put(x, s, (size_t)len);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal_subset)
{
	ox *x = ud;
	(void)name; (void)sysid; (void)pubid; (void)has_internal_subset;
	x->refused = 1;
	XML_StopParser(x->p, XML_FALSE);
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
			      int value_len, const XML_Char *base, const XML_Char *sysid,
			      const XML_Char *pubid, const XML_Char *notation)
{
	ox *x = ud;
	(void)name; (void)is_param; (void)value; (void)value_len; (void)base; (void)sysid; (void)pubid;
	(void)notation;
	x->refused = 1;
	XML_StopParser(x->p, XML_FALSE);
}

int rd_office_xml(rd *r, rd_src *s, int kind)
{
	ox *x = fort_calloc(1, sizeof *x);
	char buf[65536], why[256] = "";
	int rc, done = 0;

	if (!x)
		return FORT_ENOMEM;
	x->r = r;
	x->kind = kind;
	if (!(x->p = XML_ParserCreate("UTF-8"))) {
		free(x);
		return fort_error_set(FORT_ENOMEM, "%s: out of memory starting an XML parser", r->path);
	}
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, on_start, on_end);
	XML_SetCharacterDataHandler(x->p, on_chars);
	XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
	XML_SetEntityDeclHandler(x->p, on_entity);
	/* never fetch anything: no external entities, no parameter entities */
	XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);

	if ((rc = rd_begin(r)) < 0)
		goto out_free;
	while (!done) {
		ssize_t n = rd_src_read(s, buf, sizeof buf);
		if (n < 0) {
			rc = (int)n;
			goto out;
		}
		done = n == 0;
		/* expat holds a tag, an attribute or a comment whole until it
		 * ends, and (before 2.6) scans it again with every chunk: a
		 * hostile one would take memory and quadratic time */
		if ((x->quiet += (size_t)n) > XML_MAX_QUIET) {
			snprintf(why, sizeof why, "damaged XML: one tag, attribute or comment larger than %d MiB; the rest is not read",
				 XML_MAX_QUIET >> 20);
			break;
		}
		if (XML_Parse(x->p, buf, (int)n, done) == XML_STATUS_ERROR) {
			flush(x);
			if (x->rc < 0) {
				rc = x->rc;
				goto out;
			}
			if (x->refused)
				snprintf(why, sizeof why, "XML with a DOCTYPE or entity declarations: refused");
			else
				snprintf(why, sizeof why, "damaged XML: %s at line %lu; the rest is not read",
					 XML_ErrorString(XML_GetErrorCode(x->p)),
					 (unsigned long)XML_GetCurrentLineNumber(x->p));
			break;
		}
	}
	flush(x);
	rc = x->rc;
out:
	rc = rd_finish(r, rc);
	/* after the end: the sink has the text read up to the problem */
	if (rc == 0 && why[0])
		rd_skipped(r, "%s", why);
out_free:
	XML_ParserFree(x->p);
	free(x);
	return rc;
}
