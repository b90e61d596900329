/* fuzz_scan_engine.c - the scan engine on any bytes, with block-size
 * agreement: the findings (type, offset, length) with the default block
 * and with tiny blocks (61 and 1000 bytes: every match crosses block ends)
 * must be the same; and the same again with the engine's gates off (every
 * cluster, word and ':' / '=' detector called at every such candidate). */
#include <stdint.h>
#include "fuzz.h"
#include "util.h"
#include "scan/scan_int.h"

#define MAXF 4096

struct found { size_t n; uint64_t h; };

static int on_finding(void *ctx, const fort_scan_finding *f)
{
	struct found *s = ctx;
	s->n++;
	s->h = (s->h ^ (uint64_t)f->type) * 1099511628211ull;
	s->h = (s->h ^ f->offset) * 1099511628211ull;
	s->h = (s->h ^ f->length) * 1099511628211ull;
	return 0;
}

static struct found scan_with(size_t block, int gate, const uint8_t *data, size_t size)
{
	fort_scan_opts o = FORT_SCAN_OPTS_INIT;
	struct found s = { 0, 0 };
	scan_set_block_size(block);
	scan_set_cluster_gate(gate);
	o.on_finding = on_finding;
	o.ctx = &s;
	if (fort_scan_buffer(NULL, "fuzz.txt", size ? (const void *)data : "", size, &o) != 0)
		abort();
	scan_set_block_size(0);
	scan_set_cluster_gate(1);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct found a, b, c, d;
	fuzz_begin();
	a = scan_with(0, 1, data, size);
	b = scan_with(61, 1, data, size);
	c = scan_with(1000, 1, data, size);
	d = scan_with(0, 0, data, size);
	if (a.n != b.n || a.h != b.h || a.n != c.n || a.h != c.h) {
		fprintf(stderr, "fuzz: findings differ by block size: %zu (default), %zu (61), %zu (1000)\n", a.n, b.n, c.n);
		abort();
	}
	if (a.n != d.n || a.h != d.h) {
		fprintf(stderr, "fuzz: findings differ with the cluster gate off: %zu (on), %zu (off)\n", a.n, d.n);
		abort();
	}
	fort_error_clear();
	fuzz_end();
	return 0;
}
