/* form.c - decoding an application/x-www-form-urlencoded body (the web
 * app's forms).  Kept apart from web.c so that the fuzz target
 * (tests/fuzz/fuzz_form.c) reaches exactly what a request body reaches. */
#include <string.h>
#include "server/mhd.h"
#include "server/server.h"
#include "util.h"

int form_decode(char *s, const char **keys, const char **vals, size_t max, size_t *n)
{
	char *pair, *save = NULL;
	*n = 0;
	for (pair = strtok_r(s, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');
		if (*n == max)
			return fort_error_set(FORT_EINPUT, "the form has more than %zu fields", max);
		if (eq)
			*eq = '\0';
		for (char *c = pair; *c; c++)
			if (*c == '+')
				*c = ' ';
		if (eq)
			for (char *c = eq + 1; *c; c++)
				if (*c == '+')
					*c = ' ';
		MHD_http_unescape(pair);
		if (eq)
			MHD_http_unescape(eq + 1);
		keys[*n] = pair;
		vals[*n] = eq ? eq + 1 : "";
		(*n)++;
	}
	return 0;
}

/* ---------------------------------------------------------------- multipart/form-data */

typedef struct {
	fort_buf *out;
	const char *file_field;
	size_t koff[FORM_MAX_PARTS], voff[FORM_MAX_PARTS], n, max;
	size_t file_off, file_len;
	int open, in_file, file_seen, err;
} multipart;

static void part_close(multipart *m)
{
	if (m->open)
		fort_buf_putc(m->out, '\0');
	m->open = m->in_file = 0;
}

static enum MHD_Result part_data(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
				 const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
				 size_t size)
{
	multipart *m = cls;
	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	if (off == 0) {
		/* a part begins */
		part_close(m);
		if (filename) {
			if (!key || strcmp(key, m->file_field) != 0 || m->file_seen) {
				m->err = fort_error_set(FORT_EINPUT, "the form sends one file, in its field '%s': use the page's own form",
							m->file_field);
				return MHD_NO;
			}
			m->file_seen = m->in_file = 1;
			m->file_off = m->out->len;
		} else {
			if (m->n == m->max) {
				m->err = fort_error_set(FORT_EINPUT, "the form has more than %zu fields", m->max);
				return MHD_NO;
			}
			m->koff[m->n] = m->out->len;
			fort_buf_puts(m->out, key ? key : "");
			fort_buf_putc(m->out, '\0');
			m->voff[m->n++] = m->out->len;
			m->open = 1;
		}
	}
	if (size && fort_buf_put(m->out, data, size) < 0) {
		m->err = fort_error_set(FORT_EINPUT, "the upload is too large: send less at once");
		return MHD_NO;
	}
	if (m->in_file)
		m->file_len += size;
	return MHD_YES;
}

int form_multipart(fort_buf *out, void *conn, const char *body, size_t len, const char *file_field, const char **keys,
		   const char **vals, size_t max, size_t *n, const unsigned char **file, size_t *file_len)
{
	struct MHD_PostProcessor *pp;
	multipart m;
	enum MHD_Result ok;
	memset(&m, 0, sizeof m);
	m.out = out;
	m.file_field = file_field;
	m.max = max < FORM_MAX_PARTS ? max : FORM_MAX_PARTS;
	*n = 0;
	*file = NULL;
	*file_len = 0;
	if (!(pp = MHD_create_post_processor(conn, 65536, part_data, &m)))
		return fort_error_set(FORT_EINPUT, "the upload is not multipart/form-data with a boundary: use the page's own form");
	ok = MHD_post_process(pp, body, len);
	if (MHD_destroy_post_processor(pp) != MHD_YES && ok == MHD_YES && !m.err)
		ok = MHD_NO;
	part_close(&m);
	if (m.err)
		return m.err;
	if (ok != MHD_YES)
		return fort_error_set(FORT_EINPUT, "the upload could not be read (a malformed multipart/form-data body): "
				      "send it again from the page's own form");
	if (fort_buf_error(out) < 0)
		return fort_error_set(FORT_EINPUT, "the upload is too large: send less at once");
	/* the buffer no longer moves: the offsets become pointers */
	for (size_t i = 0; i < m.n; i++) {
		keys[i] = out->buf + m.koff[i];
		vals[i] = out->buf + m.voff[i];
	}
	*n = m.n;
	if (m.file_seen) {
		*file = (const unsigned char *)out->buf + m.file_off;
		*file_len = m.file_len;
	}
	return 0;
}
