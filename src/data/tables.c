/* tables.c - the tables of data/, embedded, parsed with libcsv on first use.
 *
 * The bytes come from fort_embedded_tables[], generated at build time by
 * scripts/embed-data.cmake.  Each table is parsed once into one block of
 * NUL-separated cells plus a pointer array and kept for the life of the
 * process: readers then need no locking at all.  A mutex rather than
 * pthread_once guards the first parse, so that a failed parse (out of
 * memory) is tried again by the next caller instead of sticking. */
#include <csv.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "data/tables.h"

struct fort_embedded {
	const char *name;
	const unsigned char *data;
	size_t len;
};
extern const struct fort_embedded fort_embedded_tables[];

#define TABLES_MAX 32
#define TABLE_CAP ((size_t)64 << 20)

static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;
static data_table *parsed[TABLES_MAX];

static int find(const char *name)
{
	fort_buf known;
	int i, r;

	for (i = 0; fort_embedded_tables[i].name && i < TABLES_MAX; i++)
		if (!strcmp(fort_embedded_tables[i].name, name))
			return i;
	fort_buf_init(&known, 4096);
	for (i = 0; fort_embedded_tables[i].name; i++)
		fort_buf_printf(&known, "%s%s", i ? ", " : "", fort_embedded_tables[i].name);
	r = fort_error_set(FORT_ENOTFOUND, "no embedded table '%.64s' (there are: %s)", name, known.buf);
	fort_buf_release(&known);
	return r;
}

int data_table_raw(const unsigned char **data, size_t *len, const char *name)
{
	int i;

	if ((i = find(name)) < 0)
		return i;
	*data = fort_embedded_tables[i].data;
	*len = fort_embedded_tables[i].len;
	return 0;
}

struct parse {
	const char *name;
	fort_buf text;       /* every cell, NUL-terminated, back to back */
	size_t *off;         /* offset of each cell in text */
	size_t ncells, cap;
	size_t ncols;        /* from the header */
	size_t row_cells;    /* cells in the record being read */
	size_t line;         /* record number, 1 = header */
	int err;
};

static void on_field(void *s, size_t len, void *arg)
{
	struct parse *p = arg;
	size_t *o;

	if (p->err)
		return;
	if (p->ncells == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 1024, bytes;

		if (fort_size_mul(&bytes, cap, sizeof(*o)) < 0 || !(o = fort_realloc(p->off, bytes))) {
			p->err = fort_error_set(FORT_ENOMEM, "out of memory");
			return;
		}
		p->off = o;
		p->cap = cap;
	}
	p->off[p->ncells++] = p->text.len;
	p->row_cells++;
	if ((p->err = fort_buf_put(&p->text, s ? s : "", s ? len : 0)) < 0)
		return;
	p->err = fort_buf_putc(&p->text, '\0');
}

static void on_record(int c, void *arg)
{
	struct parse *p = arg;

	(void)c;
	if (p->err)
		return;
	/* a comment line ("# intake errors" in the i18n catalogues): one cell
	 * starting with '#' after the header; dropped */
	if (p->line >= 1 && p->row_cells == 1 && p->text.buf[p->off[p->ncells - 1]] == '#') {
		p->text.len = p->off[--p->ncells];
		p->row_cells = 0;
		return;
	}
	p->line++;
	if (p->line == 1)
		p->ncols = p->row_cells;
	else if (p->row_cells != p->ncols)
		p->err = fort_error_set(FORT_ECORRUPT, "table %s, record %zu: %zu cells, the header has %zu",
					p->name, p->line, p->row_cells, p->ncols);
	p->row_cells = 0;
}

int data_table_parse(data_table **out, const char *name, const unsigned char *data, size_t len)
{
	const struct fort_embedded one = { name, data, len }, *e = &one;
	struct parse p = { .name = e->name };
	struct csv_parser cp;
	data_table *t = NULL;
	const char **ptrs = NULL;
	char *text;
	size_t i, bytes;
	int r, inited = 0;

	fort_buf_init(&p.text, TABLE_CAP);
	if (csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		r = fort_error_set(FORT_ENOMEM, "out of memory");
		goto out;
	}
	inited = 1;
	if (csv_parse(&cp, e->data, e->len, on_field, on_record, &p) != e->len ||
	    csv_fini(&cp, on_field, on_record, &p) != 0) {
		r = p.err ? p.err : csv_error(&cp) == CSV_ENOMEM ? fort_error_set(FORT_ENOMEM, "out of memory") :
			fort_error_set(FORT_ECORRUPT, "table %s after record %zu: %s",
				       e->name, p.line, csv_strerror(csv_error(&cp)));
		goto out;
	}
	if ((r = p.err) < 0)
		goto out;
	if (p.line < 1 || p.ncols == 0) {
		r = fort_error_set(FORT_ECORRUPT, "table %s has no header", e->name);
		goto out;
	}
	if (!(t = fort_calloc(1, sizeof(*t))) || fort_size_mul(&bytes, p.ncells, sizeof(*ptrs)) < 0 ||
	    !(ptrs = fort_malloc(bytes))) {
		r = FORT_ENOMEM;
		goto out;
	}
	/* the cell text now belongs to the table, for good */
	if (!(text = fort_buf_detach(&p.text, NULL))) {
		r = FORT_ENOMEM;
		goto out;
	}
	for (i = 0; i < p.ncells; i++)
		ptrs[i] = text + p.off[i];
	t->name = e->name;
	t->ncols = p.ncols;
	t->nrows = p.line - 1;
	t->cols = ptrs;
	t->cells = ptrs + p.ncols;
	*out = t;
	t = NULL;
	ptrs = NULL;
	r = 0;
out:
	if (inited)
		csv_free(&cp);
	fort_buf_release(&p.text);
	free(p.off);
	free(ptrs);
	free(t);
	return r;
}

int data_table_get(const data_table **out, const char *name)
{
	data_table *t;
	int i, r = 0;

	if ((i = find(name)) < 0)
		return i;
	if ((t = __atomic_load_n(&parsed[i], __ATOMIC_ACQUIRE))) {
		*out = t;
		return 0;
	}
	pthread_mutex_lock(&parse_lock);
	if (!(t = parsed[i]) && (r = data_table_parse(&t, fort_embedded_tables[i].name, fort_embedded_tables[i].data,
						       fort_embedded_tables[i].len)) == 0)
		__atomic_store_n(&parsed[i], t, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&parse_lock);
	if (r < 0)
		return r;
	*out = t;
	return 0;
}

void data_table_free(data_table *t)
{
	if (!t)
		return;
	/* the cells are one block that starts with the first header name */
	if (t->ncols)
		free((void *)t->cols[0]);
	free((void *)t->cols);
	free(t);
}

int data_table_col(const data_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i], name))
			return (int)i;
	return -1;
}
