/* fuzz_import.c - an import reader (FUZZ_FMT: READER_CSV, READER_VCARD or
 * READER_JSON) on any bytes, whole or fed in small chunks.  The first byte
 * picks the way: 0 whole (one fmemopen), else chunks of 1 + (byte % 13)
 * bytes through a stdio cookie that returns short reads.  Both ways must
 * give the same records and the same result. */
#define _GNU_SOURCE
#include <stdint.h>
#include "fuzz.h"
#include "util.h"
#include "vault/readers.h"

struct chunks { const uint8_t *p; size_t n, at, step; };

static ssize_t chunk_read(void *c, char *buf, size_t size)
{
	struct chunks *k = c;
	size_t take = k->n - k->at;
	if (take > k->step)
		take = k->step;
	if (take > size)
		take = size;
	memcpy(buf, k->p + k->at, take);
	k->at += take;
	return (ssize_t)take;
}

/* A digest of the records: count and a running hash of names and values. */
struct digest { size_t n; uint64_t h; };

static int on_record(void *ctx, const reader_record *r)
{
	struct digest *d = ctx;
	d->n++;
	for (size_t i = 0; i < r->n; i++) {
		for (const char *s = r->names[i]; *s; s++)
			d->h = (d->h ^ (uint8_t)*s) * 1099511628211ull;
		d->h = (d->h ^ 0xff) * 1099511628211ull;
		for (const char *s = r->values[i]; *s; s++)
			d->h = (d->h ^ (uint8_t)*s) * 1099511628211ull;
		d->h = (d->h ^ 0xfe) * 1099511628211ull;
		if (!fort_utf8_valid(r->values[i], strlen(r->values[i])))
			abort();   /* readers promise UTF-8 */
	}
	return 0;
}

static int read_once(const uint8_t *p, size_t n, size_t step, struct digest *d)
{
	FILE *f;
	int r;
	memset(d, 0, sizeof *d);
	if (!step) {
		if (!(f = fmemopen((void *)(n ? p : (const uint8_t *)""), n ? n : 1, "rb")))
			return -1;
		if (!n)
			fgetc(f);   /* an empty input: at its end */
	} else {
		struct chunks *k = malloc(sizeof *k);
		cookie_io_functions_t io = { chunk_read, NULL, NULL, NULL };
		k->p = p;
		k->n = n;
		k->at = 0;
		k->step = step;
		if (!(f = fopencookie(k, "rb", io)))
			abort();
		setvbuf(f, NULL, _IONBF, 0);
		r = reader_read(FUZZ_FMT, f, "fuzz", on_record, d, NULL);
		fclose(f);
		free(k);
		return r;
	}
	r = reader_read(FUZZ_FMT, f, "fuzz", on_record, d, NULL);
	fclose(f);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest whole, part;
	int r1, r2;
	if (size < 1)
		return 0;
	fuzz_begin();
	r1 = read_once(data + 1, size - 1, 0, &whole);
	if (data[0]) {
		r2 = read_once(data + 1, size - 1, 1 + data[0] % 13, &part);
		if (r1 != r2 || whole.n != part.n || whole.h != part.h) {
			fprintf(stderr, "fuzz: whole (%d, %zu records) and chunked (%d, %zu records) differ\n", r1, whole.n, r2, part.n);
			abort();
		}
	}
	fort_error_clear();
	fuzz_end();
	return 0;
}
