/* read_csv.c - CSV/TSV reader on libcsv.
 *
 * libcsv reports fields and ends of records but no positions, so input is
 * fed to it one physical line at a time: the line counter is then exact, a
 * record starts on the first non-blank line after the previous one ended,
 * and the raw text of a record is the lines fed since it started.
 *
 * A line that is a whole record of the plain kind (every quoted value
 * closes on it, no stray quote, no carriage return before its end) is split
 * here without libcsv (fast_line: libcsv's state machine and its callback
 * per value were 22k instructions of a 165-byte row, issue 16), with the
 * values libcsv would give; anything else goes to libcsv, which also words
 * every error. */
#include <csv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "util.h"
#include "vault/readers.h"

#define RAW_MAX ((size_t)1 << 20)
#define FIELD_MAX ((size_t)1 << 20)
#define COLS_MAX 4096
#define SNIFF_BYTES ((size_t)64 * 1024)
#define SNIFF_LINES 20

typedef int (*read_pull_fn)(void *src, const char **data, size_t *len);
int read_csv(read_pull_fn pull, void *src, reader_cb cb, void *ctx);

struct csv_state {
	struct csv_parser p;
	reader_cb cb;
	void *ctx;
	int err;

	size_t line;       /* line being fed */
	size_t rec_line;   /* where the current record started */
	int pending;       /* a record has started and not ended */
	int ended;         /* a record ended on the line being fed */
	int blank;         /* the record so far is whitespace only */
	fort_buf raw;

	char **names;      /* header, once read */
	size_t ncols;
	int have_header;
	int multicol;      /* some line of the first ones has the delimiter */

	size_t ncells;     /* cells seen in the current record */
	size_t extra_col;  /* first non-empty cell beyond the header, 0 = none */
	fort_buf cells;    /* the record's cells, NUL-separated */
	size_t *off;       /* offset of each cell in cells */
	size_t offcap;
	const char **values;

	/* fast_line: libcsv is known to be between records (clean) at the
	 * start of the line being fed; the line's values split, unescaped */
	int clean, line_cr;
	size_t rows, line_rows;
	unsigned char delim;
	unsigned char stop[256];  /* in an unquoted value: 1 the delimiter, 2 a quote or CR (not fast_line's kind) */
	fort_buf split;
	size_t *soff, *slen, scap;
};

/* 0: every line through libcsv (tests compare the two) */
int read_csv_fast = 1;

static int is_space_only(unsigned char c)
{
	return c == ' ';
}

/* Count delimiters outside quotes in the first lines; prefer the one that
 * occurs the same (non-zero) number of times on every line, most often. */
static unsigned char sniff_delim(const char *p, size_t n)
{
	static const char cand[4] = { ',', ';', '\t', '|' };
	size_t cnt[4] = { 0 }, first[4] = { 0 };
	int consistent[4] = { 1, 1, 1, 1 };
	int inq = 0, nonblank = 0, lines = 0, best = -1;

	for (size_t i = 0; i < n && lines < SNIFF_LINES; i++) {
		char c = p[i];
		if (c == '"') {
			inq = !inq;
			nonblank = 1;
		} else if (inq) {
			continue;
		} else if (c == '\n') {
			if (nonblank) {
				for (int k = 0; k < 4; k++) {
					if (!lines)
						first[k] = cnt[k];
					else if (cnt[k] != first[k])
						consistent[k] = 0;
				}
				lines++;
			}
			memset(cnt, 0, sizeof cnt);
			nonblank = 0;
		} else {
			for (int k = 0; k < 4; k++)
				if (c == cand[k])
					cnt[k]++;
			if (c != ' ' && c != '\r')
				nonblank = 1;
		}
	}
	if (!lines)
		memcpy(first, cnt, sizeof first); /* a single unterminated line */
	for (int k = 0; k < 4; k++)
		if (first[k] && consistent[k] && (best < 0 || first[k] > first[best]))
			best = k;
	if (best < 0)
		for (int k = 0; k < 4; k++)
			if (first[k] && (best < 0 || first[k] > first[best]))
				best = k;
	return best < 0 ? ',' : (unsigned char)cand[best];
}

/* Does a line of the first ones hold DELIM outside quotes? */
static int has_delim(const char *p, size_t n, char delim)
{
	int inq = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"')
			inq = !inq;
		else if (!inq && p[i] == delim)
			return 1;
	}
	return 0;
}

/* Copy a cell as UTF-8 with CRLF made LF. */
static int put_cell(fort_buf *b, const char *s, size_t len)
{
	char *conv = NULL;
	size_t i;
	int r = 0;

	if (!fort_utf8_valid(s, len)) {
		conv = fort_cp1252_to_utf8(s, len);
		if (!conv)
			return FORT_ENOMEM;
		s = conv;
		len = strlen(conv);
	}
	if (!memchr(s, '\r', len)) {
		r = fort_buf_put(b, s, len);
	} else {
		for (i = 0; i < len && r == 0; i++)
			if (!(s[i] == '\r' && i + 1 < len && s[i + 1] == '\n'))
				r = fort_buf_putc(b, s[i]);
	}
	if (r == 0)
		r = fort_buf_putc(b, '\0');
	free(conv);
	return r;
}

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
		i++;
	memmove(s, s + i, n - i + 1);
}

static void on_field(void *data, size_t len, void *arg)
{
	struct csv_state *st = arg;
	size_t col = st->ncells + 1;
	int r;

	if (st->err)
		return;
	st->ncells++;
	if (len > FIELD_MAX) {
		st->err = fort_error_set(FORT_EINPUT, "line %zu, column %zu: field longer than 1 MiB",
					 st->rec_line, col);
		return;
	}
	if (!data)
		data = "";
	if (!st->have_header) {
		if (col > COLS_MAX) {
			st->err = fort_error_set(FORT_EINPUT, "line %zu: more than %d columns",
						 st->rec_line, COLS_MAX);
			return;
		}
	} else if (col > st->ncols) {
		/* empty cells past the header (trailing delimiters) are harmless */
		if (len && !st->extra_col)
			st->extra_col = col;
		return;
	}
	if (col > st->offcap) {
		size_t cap = st->offcap ? 2 * st->offcap : 16;
		size_t *off = fort_realloc(st->off, cap * sizeof *off);
		if (!off) {
			st->err = FORT_ENOMEM;
			return;
		}
		st->off = off;
		st->offcap = cap;
	}
	st->off[col - 1] = st->cells.len;
	if ((r = put_cell(&st->cells, data, len)) < 0)
		st->err = r;
}

static int take_header(struct csv_state *st)
{
	size_t i, j;

	st->names = fort_calloc(st->ncells, sizeof *st->names);
	st->values = fort_calloc(st->ncells, sizeof *st->values);
	if (!st->names || !st->values)
		return FORT_ENOMEM;
	st->ncols = st->ncells;
	for (i = 0; i < st->ncols; i++) {
		if (!(st->names[i] = fort_strdup(st->cells.buf + st->off[i])))
			return FORT_ENOMEM;
		trim(st->names[i]);
		for (j = 0; j < i; j++)
			if (st->names[i][0] && strcasecmp(st->names[i], st->names[j]) == 0)
				return fort_error_set(FORT_EINPUT,
						      "line %zu: columns %zu and %zu have the same name \"%s\"",
						      st->rec_line, j + 1, i + 1, st->names[i]);
	}
	st->have_header = 1;
	return 0;
}

static void on_record(int c, void *arg)
{
	struct csv_state *st = arg;
	reader_record rec;
	size_t i, rawlen;
	int empty = 1, r;

	(void)c;
	st->ended = 1;
	st->rows++;
	if (st->err)
		goto out;
	for (i = 0; i < st->ncells && i < (st->have_header ? st->ncols : st->ncells); i++)
		if (st->cells.buf[st->off[i]])
			empty = 0;
	if (empty && !st->extra_col)
		goto out;
	if (!st->have_header) {
		/* note lines before the header (LinkedIn's "Notes:" and its
		 * paragraph): one cell where the header has several */
		if (st->ncells == 1 && st->multicol)
			goto out;
		st->err = take_header(st);
		goto out;
	}
	if (st->extra_col) {
		st->err = fort_error_set(FORT_EINPUT,
					 "line %zu, column %zu: %zu cells, but the header has %zu columns",
					 st->rec_line, st->extra_col, st->ncells, st->ncols);
		goto out;
	}
	for (i = 0; i < st->ncols; i++)
		st->values[i] = i < st->ncells ? st->cells.buf + st->off[i] : "";
	rawlen = st->raw.len;
	if (rawlen && st->raw.buf[rawlen - 1] == '\n')
		rawlen--;
	if (rawlen && st->raw.buf[rawlen - 1] == '\r')
		rawlen--;
	rec.line = st->rec_line;
	rec.n = st->ncols;
	rec.names = (const char *const *)st->names;
	rec.values = st->values;
	rec.raw = st->raw.buf;
	rec.raw_len = rawlen;
	rec.delim = (char)csv_get_delim(&st->p);
	rec.utf8 = 1; /* put_cell checked each cell (and decoded it when not) */
	/* the callback sees the raw text without its line ending */
	st->raw.buf[rawlen] = '\0';
	r = st->cb(st->ctx, &rec);
	st->err = r < 0 ? r : 0;
out:
	st->ncells = 0;
	st->extra_col = 0;
	fort_buf_reset(&st->cells);
}

/* What libcsv skips around an unquoted value and after a closing quote:
 * space and tab (space only in TSV, csv_set_space_func), never the delimiter. */
static int csv_blank(const struct csv_state *st, unsigned char c)
{
	return c != st->delim && (c == ' ' || (c == '\t' && st->delim != '\t'));
}

/* The value of one cell, split by fast_line. */
static int split_cell(struct csv_state *st, size_t n, size_t start)
{
	if (n == st->scap) {
		size_t cap = st->scap ? 2 * st->scap : 16;
		size_t *o = fort_realloc(st->soff, cap * sizeof *o), *l;
		if (!o)
			return FORT_ENOMEM;
		st->soff = o;
		if (!(l = fort_realloc(st->slen, cap * sizeof *l)))
			return FORT_ENOMEM;
		st->slen = l;
		st->scap = cap;
	}
	st->soff[n] = start;
	st->slen[n] = st->split.len - start;
	return 0;
}

/* Line P (K bytes, the last a '\n'), libcsv being between records: its
 * record split as libcsv in strict mode splits it (blanks around an
 * unquoted value and after a closing quote dropped, "" in quotes a quote,
 * an empty value after a trailing delimiter, a blank line no record) and
 * handed to on_field and on_record as libcsv would.  1: done, 0: not of
 * that kind (a quoted value that does not close on this line, a quote in
 * an unquoted value or text after a closing quote, a carriage return before
 * the line's end), nothing handed on: the caller gives it to libcsv. */
static int fast_line(struct csv_state *st, const char *p, size_t k)
{
	size_t end = k - 1, i = 0, n = 0;
	int r;

	if (end && p[end - 1] == '\r')
		end--;
	while (i < end && csv_blank(st, (unsigned char)p[i]))
		i++;
	if (i == end)
		return 1; /* libcsv makes no record of a blank line */
	fort_buf_reset(&st->split);
	for (;;) {
		size_t start = st->split.len;
		if (p[i] == '"' && i < end) {
			for (i++;;) {
				const char *q = memchr(p + i, '"', end - i);
				if (!q)
					return 0; /* the value goes on on the next line */
				if ((r = fort_buf_put(&st->split, p + i, (size_t)(q - p) - i)) < 0)
					return r;
				i = (size_t)(q - p) + 1;
				if (i < end && p[i] == '"') {
					if ((r = fort_buf_putc(&st->split, '"')) < 0)
						return r;
					i++;
					continue;
				}
				break;
			}
			while (i < end && csv_blank(st, (unsigned char)p[i]))
				i++;
			if (i < end && p[i] != (char)st->delim)
				return 0; /* libcsv's strict error */
		} else {
			size_t s0 = i, e;
			while (i < end && !st->stop[(unsigned char)p[i]])
				i++;
			if (i < end && st->stop[(unsigned char)p[i]] == 2)
				return 0;
			for (e = i; e > s0 && csv_blank(st, (unsigned char)p[e - 1]); e--)
				;
			if ((r = fort_buf_put(&st->split, p + s0, e - s0)) < 0)
				return r;
		}
		if ((r = split_cell(st, n++, start)) < 0)
			return r;
		if (i == end)
			break;
		i++; /* the delimiter */
		while (i < end && csv_blank(st, (unsigned char)p[i]))
			i++;
	}
	for (size_t c = 0; c < n && !st->err; c++)
		on_field(st->split.buf + st->soff[c], st->slen[c], st);
	on_record(p[k - 2] == '\r' ? '\r' : '\n', st);
	return 1;
}

/* Feed N bytes, one line at a time. */
static int feed(struct csv_state *st, const char *p, size_t n)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) + 1 : n;
		int r;

		int line_start = !st->pending;
		if (!st->pending) {
			st->pending = 1;
			st->blank = 1;
			st->ended = 0;
			st->rec_line = st->line;
			fort_buf_reset(&st->raw);
			st->line_cr = 0;
			st->line_rows = st->rows;
		}
		if (st->raw.len + k > RAW_MAX)
			return fort_error_set(FORT_EINPUT,
					      "line %zu: record longer than 1 MiB (an unterminated quoted field?)",
					      st->rec_line);
		if ((r = fort_buf_put(&st->raw, p, k)) < 0)
			return r;
		for (size_t i = 0; i < k && st->blank; i++)
			if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
				st->blank = 0;
		if (nl && line_start && st->clean && read_csv_fast) {
			if ((r = fast_line(st, p, k)) < 0)
				return r;
			if (r == 1) {
				if (st->err)
					return st->err;
				st->line++;
				st->pending = 0;
				p += k;
				n -= k;
				continue;
			}
		}
		{
			/* a carriage return before the line's end ends a record
			 * there: libcsv's state after the line is not known */
			const char *cr = memchr(p, '\r', k);
			if (cr && !(nl && cr == p + k - 2))
				st->line_cr = 1;
		}
		if (csv_parse(&st->p, p, k, on_field, on_record, st) != k) {
			if (st->err)
				return st->err;
			return fort_error_set(FORT_EINPUT,
					      "line %zu, column %zu: malformed quotes (quote the whole field and double any quote inside it)",
					      st->line, st->ncells + 1);
		}
		if (st->err)
			return st->err;
		if (nl) {
			/* libcsv is between records after this line when a record
			 * ended on it and nothing but its line ending followed
			 * (the only record end in a line without an earlier
			 * carriage return), or when it was between records before
			 * and the line is blank */
			st->clean = !st->line_cr && (st->rows != st->line_rows || (st->clean && st->blank && line_start));
			st->line++;
			/* libcsv skips blank lines itself; anything else that did
			 * not end a record is inside a quoted field */
			if (st->ended || st->blank)
				st->pending = 0;
		} else {
			st->clean = 0;
		}
		p += k;
		n -= k;
	}
	return 0;
}

static int finish(struct csv_state *st)
{
	if (csv_fini(&st->p, on_field, on_record, st) != 0) {
		if (st->err)
			return st->err;
		return fort_error_set(FORT_EINPUT, "line %zu: unterminated quoted field", st->rec_line);
	}
	return st->err;
}

int read_csv(read_pull_fn pull, void *src, reader_cb cb, void *ctx)
{
	struct csv_state st = { .cb = cb, .ctx = ctx, .line = 1, .clean = 1 };
	fort_buf sniff;
	const char *data;
	size_t len, nl = 0;
	int r, inited = 0;

	fort_buf_init(&st.raw, RAW_MAX + 1);
	fort_buf_init(&st.cells, 4 * RAW_MAX);
	fort_buf_init(&st.split, RAW_MAX + 1);
	fort_buf_init(&sniff, 0);

	/* gather the first lines to guess the delimiter from */
	while ((r = pull(src, &data, &len)) == 0 && len) {
		if ((r = fort_buf_put(&sniff, data, len)) < 0)
			goto out;
		for (size_t i = 0; i < len; i++)
			nl += data[i] == '\n';
		if (sniff.len >= SNIFF_BYTES || nl >= SNIFF_LINES)
			break;
	}
	if (r < 0)
		goto out;
	if (csv_init(&st.p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		r = fort_error_set(FORT_ENOMEM, "out of memory");
		goto out;
	}
	inited = 1;
	csv_set_delim(&st.p, sniff_delim(sniff.buf, sniff.len));
	st.multicol = has_delim(sniff.buf, sniff.len, (char)csv_get_delim(&st.p));
	st.delim = csv_get_delim(&st.p);
	st.stop[st.delim] = 1;
	st.stop['"'] = st.stop['\r'] = 2;
	/* libcsv trims tabs as blanks, which would eat empty TSV cells */
	if (csv_get_delim(&st.p) == '\t')
		csv_set_space_func(&st.p, is_space_only);
	if ((r = feed(&st, sniff.buf, sniff.len)) < 0)
		goto out;
	fort_buf_release(&sniff);
	while ((r = pull(src, &data, &len)) == 0 && len)
		if ((r = feed(&st, data, len)) < 0)
			goto out;
	if (r < 0)
		goto out;
	r = finish(&st);
out:
	if (inited)
		csv_free(&st.p);
	fort_buf_release(&sniff);
	fort_buf_release(&st.raw);
	fort_buf_release(&st.cells);
	fort_buf_release(&st.split);
	free(st.soff);
	free(st.slen);
	for (size_t i = 0; st.names && i < st.ncols; i++)
		free(st.names[i]);
	free(st.names);
	free(st.values);
	free(st.off);
	return r;
}
