/* readers_test.h - what the scanner reader tests share: a recording sink
 * (the text of each logical document, concatenated, and what was skipped
 * and why) and archive builders (zip and gzip in memory, with libarchive's
 * writer).  Include after cmocka.h, fortress.h and fixture.h. */
#ifndef FORT_TEST_READERS_H
#define FORT_TEST_READERS_H

#include <archive.h>
#include <archive_entry.h>
#include "util.h"
#include "scan/readers/readers.h"

#define REC_MAX 64

typedef struct {
	size_t ndocs, nskips;
	char *logical[REC_MAX];
	fort_buf text[REC_MAX];
	char *skip_logical[REC_MAX];
	char *skip_why[REC_MAX];
	int open;                /* a document was begun and not ended */
	size_t more;             /* documents past REC_MAX: counted, not kept */
	size_t chunks;
	int fail_after;          /* text callback fails after this many chunks (0: never) */
} rec;

static int rec_begin(void *ctx, const char *logical)
{
	rec *g = ctx;
	assert_false(g->open);
	g->open = 1;
	if (g->ndocs == REC_MAX || g->more) {
		g->more++;
		return 0;
	}
	g->logical[g->ndocs] = fort_strdup(logical);
	fort_buf_init(&g->text[g->ndocs], 0);
	g->ndocs++;
	return 0;
}

static int rec_text(void *ctx, const char *buf, size_t len)
{
	rec *g = ctx;
	assert_true(g->open);
	g->chunks++;
	if (g->fail_after && g->chunks > (size_t)g->fail_after)
		return FORT_ERROR;
	if (!g->more)
		assert_int_equal(fort_buf_put(&g->text[g->ndocs - 1], buf, len), 0);
	return 0;
}

static int rec_end(void *ctx)
{
	rec *g = ctx;
	assert_true(g->open);
	g->open = 0;
	return 0;
}

static void rec_skipped(void *ctx, const char *logical, const char *why)
{
	rec *g = ctx;
	if (g->nskips == REC_MAX)
		return;
	g->skip_logical[g->nskips] = fort_strdup(logical);
	g->skip_why[g->nskips] = fort_strdup(why);
	g->nskips++;
}

static FX_UNUSED void rec_free(rec *g)
{
	for (size_t i = 0; i < g->ndocs; i++) {
		free(g->logical[i]);
		fort_buf_release(&g->text[i]);
	}
	for (size_t i = 0; i < g->nskips; i++) {
		free(g->skip_logical[i]);
		free(g->skip_why[i]);
	}
	memset(g, 0, sizeof *g);
}

/* Read PATH into G with LIMITS (NULL: the defaults); returns the code. */
static FX_UNUSED int rec_read(rec *g, const char *path, const scan_limits *limits)
{
	scan_sink s = { rec_begin, rec_text, rec_end, rec_skipped, g };
	int r = scan_read_container(path, limits, &s);
	/* every document begun is ended, unless the sink itself failed */
	if (!g->fail_after || g->chunks <= (size_t)g->fail_after)
		assert_false(g->open);
	return r;
}

/* The text of logical document LOGICAL, or NULL. */
static FX_UNUSED const char *rec_doc(const rec *g, const char *logical)
{
	for (size_t i = 0; i < g->ndocs; i++)
		if (strcmp(g->logical[i], logical) == 0)
			return g->text[i].buf;
	return NULL;
}

/* Why LOGICAL was skipped, or NULL. */
static FX_UNUSED const char *rec_skip(const rec *g, const char *logical)
{
	for (size_t i = 0; i < g->nskips; i++)
		if (strcmp(g->skip_logical[i], logical) == 0)
			return g->skip_why[i];
	return NULL;
}

static FX_UNUSED void rec_dump(const rec *g)
{
	for (size_t i = 0; i < g->ndocs; i++)
		print_message("doc [%s] %zu bytes\n", g->logical[i], g->text[i].len);
	for (size_t i = 0; i < g->nskips; i++)
		print_message("skipped [%s]: %s\n", g->skip_logical[i], g->skip_why[i]);
}

/* Assert that document LOGICAL exists and contains NEEDLE. */
#define assert_doc_has(g, logical, needle) do { \
	const char *d_ = rec_doc((g), (logical)); \
	if (!d_) { rec_dump(g); fail_msg("no document '%s'", (logical)); } \
	if (!strstr(d_, (needle))) fail_msg("document '%s' lacks '%s':\n%s", (logical), (needle), d_); \
} while (0)

#define assert_skipped(g, logical, why) do { \
	const char *w_ = rec_skip((g), (logical)); \
	if (!w_) { rec_dump(g); fail_msg("'%s' not skipped", (logical)); } \
	if (!strstr(w_, (why))) fail_msg("'%s' skipped for '%s', not '%s'", (logical), w_, (why)); \
} while (0)

/* ---- archives built in memory ---- */

typedef struct {
	const char *name;
	const void *data;
	size_t len;
	size_t zeros;            /* instead of DATA: this many bytes of FILL */
	char fill;
} member;

/* A zip (or with GZIP, a gzip of the one member's data) in a fort_buf. */
static FX_UNUSED void build_archive(fort_buf *out, const member *m, size_t n, int gzip, const char *zipopts)
{
	struct archive *a = archive_write_new();
	size_t cap = 1 << 20, used = 0;
	char *mem;
	static char zero[65536];

	for (size_t i = 0; i < n; i++)
		cap += m[i].len + m[i].zeros / 100;
	mem = fort_malloc(cap);
	assert_non_null(mem);
	if (gzip) {
		assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	} else {
		assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
		if (zipopts) {
			assert_int_equal(archive_write_set_options(a, zipopts), ARCHIVE_OK);
			assert_int_equal(archive_write_set_passphrase(a, "secret"), ARCHIVE_OK);
		}
	}
	assert_int_equal(archive_write_open_memory(a, mem, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t total = m[i].zeros ? m[i].zeros : m[i].len;
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)total);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (m[i].zeros) {
			memset(zero, m[i].fill, sizeof zero);
			for (size_t k = 0; k < m[i].zeros; k += sizeof zero) {
				size_t c = m[i].zeros - k < sizeof zero ? m[i].zeros - k : sizeof zero;
				assert_int_equal(archive_write_data(a, zero, c), (la_ssize_t)c);
			}
		} else if (m[i].len) {
			assert_int_equal(archive_write_data(a, m[i].data, m[i].len), (la_ssize_t)m[i].len);
		}
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	fort_buf_init(out, 0);
	assert_int_equal(fort_buf_put(out, mem, used), 0);
	free(mem);
}

#define MEMBER(n, s) { (n), (s), strlen(s), 0, 0 }

/* Write a zip of the members to NAME in the fixture dir; returns its path. */
static FX_UNUSED const char *write_zip(const char *name, const member *m, size_t n)
{
	fort_buf b;
	const char *p = path_of(name);
	build_archive(&b, m, n, 0, NULL);
	spit(p, b.buf, b.len);
	fort_buf_release(&b);
	return p;
}

/* A minimal DOCX whose one paragraph per line of TEXT... is in
 * word/document.xml (PARAS paragraphs). */
static FX_UNUSED void build_docx(fort_buf *out, const char *const *paras, size_t n)
{
	fort_buf doc;
	fort_buf_init(&doc, 0);
	fort_buf_puts(&doc, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		"<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" "
		"xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\"><w:body>");
	for (size_t i = 0; i < n; i++)
		fort_buf_printf(&doc, "<w:p><w:r><w:t xml:space=\"preserve\">%s</w:t></w:r></w:p>", paras[i]);
	fort_buf_puts(&doc, "<w:p><wp:posOffset>1234567</wp:posOffset></w:p></w:body></w:document>");
	member m[] = {
		MEMBER("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"),
		MEMBER("_rels/.rels", "<?xml version=\"1.0\"?><Relationships/>"),
		{ "word/document.xml", doc.buf, doc.len, 0, 0 },
		MEMBER("word/styles.xml", "<w:styles xmlns:w=\"x\"><w:style><w:name w:val=\"Normal\"/><w:t>style text</w:t></w:style></w:styles>"),
	};
	build_archive(out, m, 4, 0, NULL);
	fort_buf_release(&doc);
}

/* Base64 of DATA in lines of 76, as mailers write it. */
static FX_UNUSED void put_base64(fort_buf *b, const void *data, size_t len)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	size_t col = 0;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < len ? p[i + 2] : 0);
		char q[4] = { al[v >> 18], al[(v >> 12) & 63], i + 1 < len ? al[(v >> 6) & 63] : '=', i + 2 < len ? al[v & 63] : '=' };
		fort_buf_put(b, q, 4);
		if ((col += 4) == 76) {
			fort_buf_puts(b, "\r\n");
			col = 0;
		}
	}
	fort_buf_puts(b, "\r\n");
}

#endif
