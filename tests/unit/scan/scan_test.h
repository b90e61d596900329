/* scan_test.h - collecting findings from fort_scan_buffer/fort_scan_run in
 * the scanner's unit tests. */
#ifndef FORT_SCAN_TEST_H
#define FORT_SCAN_TEST_H

#include <string.h>

#define MAXF 256

struct hit {
	int type, conf;
	unsigned long long line, column, offset, length;
	char masked[128], value[600], path[256], rule[64], fp[40];
};

struct hits {
	struct hit h[MAXF];
	size_t n;
	unsigned long long files, file_findings, file_suppressed;
};

static int collect(void *ctx, const fort_scan_finding *f)
{
	struct hits *hs = ctx;
	struct hit *h;

	if (hs->n == MAXF)
		return 0;
	h = &hs->h[hs->n++];
	h->type = f->type;
	h->conf = f->confidence;
	h->line = f->line;
	h->column = f->column;
	h->offset = f->offset;
	h->length = f->length;
	snprintf(h->masked, sizeof(h->masked), "%s", f->masked);
	snprintf(h->value, sizeof(h->value), "%s", f->value ? f->value : "");
	snprintf(h->path, sizeof(h->path), "%s", f->path);
	snprintf(h->rule, sizeof(h->rule), "%s", f->rule);
	snprintf(h->fp, sizeof(h->fp), "%s", f->fingerprint);
	return 0;
}

static int collect_file(void *ctx, const fort_scan_file *f)
{
	struct hits *hs = ctx;

	hs->files++;
	hs->file_findings += f->findings;
	hs->file_suppressed += f->suppressed;
	return 0;
}

static fort_scan_opts test_opts(struct hits *hs)
{
	fort_scan_opts o = FORT_SCAN_OPTS_INIT;

	memset(hs, 0, sizeof(*hs));
	o.on_finding = collect;
	o.on_file = collect_file;
	o.ctx = hs;
	o.show_values = 1;
	return o;
}

/* Scan TEXT; return how many findings. */
static __attribute__((unused)) size_t scan_text(struct hits *hs, const char *text)
{
	fort_scan_opts o = test_opts(hs);
	fort_scan_stats st;

	assert_int_equal(fort_scan_buffer(&st, "t.txt", text, strlen(text), &o), 0);
	return hs->n;
}

#endif
