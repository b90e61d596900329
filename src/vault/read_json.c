/* read_json.c - JSON reader: a top-level array of objects, or JSON Lines.
 *
 * jansson parses whole documents, so a small scanner that knows about
 * nesting and strings cuts each top-level object out of the stream and only
 * that object is handed to json_loadb(): memory is bounded by the largest
 * record, not the file. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "vault/readers.h"

#define RAW_MAX ((size_t)1 << 20)

typedef int (*read_pull_fn)(void *src, const char **data, size_t *len);
int read_json(read_pull_fn pull, void *src, reader_cb cb, void *ctx);

enum scan {
	S_START,      /* nothing yet: '[' or '{' decides the layout */
	S_ARR_FIRST,  /* after '[': an object or ']' */
	S_ARR_ELEM,   /* after ',': an object */
	S_ARR_NEXT,   /* after an element: ',' or ']' */
	S_ARR_DONE,   /* after ']': only whitespace */
	S_LINES,      /* JSON Lines, between objects */
	S_OBJ,        /* inside an object */
};

struct json_state {
	reader_cb cb;
	void *ctx;
	enum scan s;
	int array;
	size_t line;
	int depth, instr, esc;
	size_t obj_line;     /* where the object starts */
	size_t nested_line;  /* first nested object or array in it, 0 = none */
	fort_buf obj;
};

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *load_error(const json_error_t *e)
{
	switch (json_error_code(e)) {
	case json_error_duplicate_key:
		return "the same key appears twice in the object";
	case json_error_numeric_overflow:
		return "number too large";
	case json_error_null_character:
		return "a string contains \\u0000";
	case json_error_stack_overflow:
		return "nested too deeply";
	case json_error_invalid_utf8:
		return "invalid UTF-8";
	case json_error_premature_end_of_input:
		return "the object ends too early";
	case json_error_end_of_input_expected:
		return "unexpected text after the object";
	default:
		/* jansson's own text quotes the input, which is client data */
		return "invalid JSON";
	}
}

static void number_text(char *out, size_t n, double d)
{
	snprintf(out, n, "%.15g", d);
	if (strtod(out, NULL) != d)
		snprintf(out, n, "%.17g", d);
}

static int emit(struct json_state *st)
{
	json_error_t jerr;
	json_t *o = NULL, *v;
	const char *key, *text = st->obj.buf;
	const char **names = NULL, **values = NULL;
	char (*num)[32] = NULL;
	char *conv = NULL;
	size_t n, i = 0, len = st->obj.len;
	reader_record rec;
	int r;

	if (!fort_utf8_valid(text, len)) {
		if (!(conv = fort_cp1252_to_utf8(text, len)))
			return FORT_ENOMEM;
		text = conv;
		len = strlen(conv);
	}
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			r = fort_error_set(FORT_ENOMEM, "out of memory");
		else
			r = fort_error_set(FORT_EINPUT, "line %zu: %s",
					   st->obj_line + (jerr.line > 1 ? (size_t)jerr.line - 1 : 0),
					   load_error(&jerr));
		goto out;
	}
	n = json_object_size(o);
	names = fort_calloc(n, sizeof *names);
	values = fort_calloc(n, sizeof *values);
	num = fort_calloc(n, sizeof *num);
	if (!names || !values || !num) {
		r = FORT_ENOMEM;
		goto out;
	}
	json_object_foreach(o, key, v) {
		names[i] = key;
		switch (json_typeof(v)) {
		case JSON_STRING:
			values[i] = json_string_value(v);
			break;
		case JSON_INTEGER:
			snprintf(num[i], sizeof num[i], "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			values[i] = num[i];
			break;
		case JSON_REAL:
			number_text(num[i], sizeof num[i], json_real_value(v));
			values[i] = num[i];
			break;
		case JSON_TRUE:
			values[i] = "true";
			break;
		case JSON_FALSE:
			values[i] = "false";
			break;
		case JSON_NULL:
			values[i] = "";
			break;
		default:
			r = fort_error_set(FORT_EINPUT,
					   "line %zu, key \"%s\": nested objects and arrays are not supported: use a flat value",
					   st->nested_line ? st->nested_line : st->obj_line, key);
			goto out;
		}
		i++;
	}
	rec.line = st->obj_line;
	rec.n = n;
	rec.names = names;
	rec.values = values;
	rec.raw = st->obj.buf;
	rec.raw_len = st->obj.len;
	rec.delim = 0;
	rec.utf8 = 1; /* the object's text was checked (or decoded) above, and
		       * jansson's strings are of it; numbers are ASCII */
	r = st->cb(st->ctx, &rec);
	if (r > 0)
		r = 0;
out:
	json_decref(o);
	free(names);
	free(values);
	free(num);
	free(conv);
	return r;
}

static int start_obj(struct json_state *st)
{
	st->s = S_OBJ;
	st->depth = 0;
	st->instr = st->esc = 0;
	st->obj_line = st->line;
	st->nested_line = 0;
	fort_buf_reset(&st->obj);
	return 0;
}

/* Scan one chunk.  Bytes of an object are copied in runs, not one by one. */
static int scan(struct json_state *st, const char *p, size_t n)
{
	size_t i, run = 0;   /* run: where the object's bytes in P start */
	int r;

	for (i = 0; i < n; i++) {
		char c = p[i];

		if (st->s == S_OBJ) {
			if (st->instr) {
				if (st->esc)
					st->esc = 0;
				else if (c == '\\')
					st->esc = 1;
				else if (c == '"')
					st->instr = 0;
			} else if (c == '"') {
				st->instr = 1;
			} else if (c == '{' || c == '[') {
				if (++st->depth == 2 && !st->nested_line)
					st->nested_line = st->line;
			} else if (c == '}' || c == ']') {
				if (--st->depth == 0) {
					if (st->obj.len + (i + 1 - run) > RAW_MAX)
						goto toolong;
					if ((r = fort_buf_put(&st->obj, p + run, i + 1 - run)) < 0)
						return r;
					if ((r = emit(st)) < 0)
						return r;
					st->s = st->array ? S_ARR_NEXT : S_LINES;
				}
			}
			if (c == '\n')
				st->line++;
			continue;
		}
		if (c == '\n')
			st->line++;
		if (is_ws(c))
			continue;
		switch (st->s) {
		case S_START:
			if (c == '[') {
				st->array = 1;
				st->s = S_ARR_FIRST;
				continue;
			}
			if (c != '{')
				return fort_error_set(FORT_EINPUT, "line %zu: expected a JSON array of objects or one object per line",
						      st->line);
			break;
		case S_ARR_FIRST:
			if (c == ']') {
				st->s = S_ARR_DONE;
				continue;
			}
			/* fall through */
		case S_ARR_ELEM:
			if (c != '{')
				return fort_error_set(FORT_EINPUT, "line %zu: array element is not an object", st->line);
			break;
		case S_ARR_NEXT:
			if (c == ',')
				st->s = S_ARR_ELEM;
			else if (c == ']')
				st->s = S_ARR_DONE;
			else
				return fort_error_set(FORT_EINPUT, "line %zu: expected ',' or ']' after an array element",
						      st->line);
			continue;
		case S_ARR_DONE:
			return fort_error_set(FORT_EINPUT, "line %zu: text after the end of the array", st->line);
		case S_LINES:
			if (c != '{')
				return fort_error_set(FORT_EINPUT, "line %zu: expected an object (one per line)", st->line);
			break;
		case S_OBJ:
			break;
		}
		/* C is the '{' of a new object */
		start_obj(st);
		st->depth = 1;
		run = i;
	}
	if (st->s == S_OBJ) {
		if (st->obj.len + (n - run) > RAW_MAX)
			goto toolong;
		if ((r = fort_buf_put(&st->obj, p + run, n - run)) < 0)
			return r;
	}
	return 0;
toolong:
	return fort_error_set(FORT_EINPUT, "line %zu: record longer than 1 MiB", st->obj_line);
}

int read_json(read_pull_fn pull, void *src, reader_cb cb, void *ctx)
{
	struct json_state st = { .cb = cb, .ctx = ctx, .s = S_START, .line = 1 };
	const char *data;
	size_t len;
	int r;

	fort_buf_init(&st.obj, RAW_MAX + 1);
	while ((r = pull(src, &data, &len)) == 0 && len)
		if ((r = scan(&st, data, len)) < 0)
			goto out;
	if (r < 0)
		goto out;
	switch (st.s) {
	case S_OBJ:
		r = fort_error_set(FORT_EINPUT, "line %zu: the object is not closed", st.obj_line);
		break;
	case S_ARR_FIRST:
	case S_ARR_ELEM:
	case S_ARR_NEXT:
		r = fort_error_set(FORT_EINPUT, "line %zu: the array is not closed (missing ']')", st.line);
		break;
	default:
		r = 0;
	}
out:
	fort_buf_release(&st.obj);
	return r;
}
