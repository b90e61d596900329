/* read_detect.c - format guessing and the reader_read() dispatcher.
 *
 * The dispatcher owns the FILE: it reads 64 KiB chunks, skips a UTF-8 BOM,
 * refuses UTF-16 and counts bytes for progress.  The format readers pull
 * chunks through read_pull and never see the FILE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "util.h"
#include "vault/readers.h"

#define CHUNK ((size_t)64 * 1024)

typedef int (*read_pull_fn)(void *src, const char **data, size_t *len);

/* Format readers (read_csv.c, read_vcard.c, read_json.c).  They call PULL
 * until it returns a zero length (end of file) or an error. */
int read_csv(read_pull_fn pull, void *src, reader_cb cb, void *ctx);
int read_vcard(read_pull_fn pull, void *src, reader_cb cb, void *ctx);
int read_json(read_pull_fn pull, void *src, reader_cb cb, void *ctx);

struct source {
	FILE *f;
	char *buf;
	int started;
	uint64_t *done;
};

static int ext_is(const char *ext, const char *const *list)
{
	for (; *list; list++)
		if (strcasecmp(ext, *list) == 0)
			return 1;
	return 0;
}

static int detect_text(const unsigned char *p, size_t n)
{
	static const char *const vcard = "BEGIN:VCARD";
	size_t i = 0, k;

	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (i == n)
		return -1;
	if (p[i] == '[' || p[i] == '{')
		return READER_JSON;
	if (n - i >= strlen(vcard) && strncasecmp((const char *)p + i, vcard, strlen(vcard)) == 0)
		return READER_VCARD;
	/* CSV: text whose first line holds a delimiter */
	for (k = i; k < n && p[k] != '\n'; k++) {
		if (p[k] == 0)
			return -1;
		if (p[k] == ',' || p[k] == ';' || p[k] == '\t' || p[k] == '|')
			return READER_CSV;
	}
	return -1;
}

int reader_detect(const char *path, const unsigned char *head, size_t headlen)
{
	static const char *const csv[] = { "csv", "tsv", "txt", NULL };
	static const char *const vcf[] = { "vcf", "vcard", NULL };
	static const char *const json[] = { "json", "jsonl", "ndjson", NULL };
	const char *slash, *dot;

	if (path) {
		slash = strrchr(path, '/');
		dot = strrchr(slash ? slash : path, '.');
		if (dot) {
			if (ext_is(dot + 1, csv))
				return READER_CSV;
			if (ext_is(dot + 1, vcf))
				return READER_VCARD;
			if (ext_is(dot + 1, json))
				return READER_JSON;
		}
	}
	if (!head || !headlen)
		return -1;
	/* UTF-16: guess from the ASCII bytes so reader_read() can then say
	 * what to do about the encoding instead of "unknown format" */
	if (headlen >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF))) {
		unsigned char ascii[512];
		size_t n = 0;
		for (size_t i = 2; i < headlen && n < sizeof ascii; i++)
			if (head[i])
				ascii[n++] = head[i];
		return detect_text(ascii, n);
	}
	return detect_text(head, headlen);
}

static int source_pull(void *s, const char **data, size_t *len)
{
	struct source *src = s;
	const unsigned char *u;
	size_t n;

	n = fread(src->buf, 1, CHUNK, src->f);
	if (n < CHUNK && ferror(src->f))
		return fort_error_set(FORT_EIO, "read error: %s", strerror(errno));
	if (src->done)
		*src->done += n;
	*data = src->buf;
	*len = n;
	if (!src->started) {
		src->started = 1;
		u = (const unsigned char *)src->buf;
		if (n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
			return fort_error_set(FORT_EINPUT, "line 1: UTF-16 is not supported: save the file as UTF-8");
		if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
			*data += 3;
			*len -= 3;
			/* a file that is only a BOM is empty, not at its end early */
			if (!*len)
				return source_pull(s, data, len);
		}
	}
	return 0;
}

int reader_read(reader_format fmt, FILE *f, const char *path, reader_cb cb, void *ctx,
		uint64_t *bytes_done)
{
	struct source src = { .f = f, .done = bytes_done };
	int r;

	(void)path; /* callers prefix messages with the file name */
	src.buf = fort_malloc(CHUNK);
	if (!src.buf)
		return FORT_ENOMEM;
	switch (fmt) {
	case READER_CSV:
		r = read_csv(source_pull, &src, cb, ctx);
		break;
	case READER_VCARD:
		r = read_vcard(source_pull, &src, cb, ctx);
		break;
	case READER_JSON:
		r = read_json(source_pull, &src, cb, ctx);
		break;
	default:
		r = fort_error_set(FORT_EINPUT, "unknown import format");
		break;
	}
	free(src.buf);
	return r;
}
