/* scan_spans.c - the anchors' candidate adapter and the engine's timer:
 * scans FILE... with fort_scan_run (one thread unless -j N) and prints one
 * line per finding, FILE_BASENAME<TAB>START<TAB>END<TAB>TYPE, with the
 * anchors' type names (CREDIT_CARD, IP_ADDRESS, ...).  With -t it prints
 * only the time and MB/s on stderr as JSON (no output: the engine alone).
 * Exit 0, or 2 on an error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fortress.h"

/* the engine's block size (test hook in src/scan/scan_int.h) */
void scan_set_block_size(size_t n);

static const char *const bench_names[FORT_SCAN_NTYPES] = {
	"CREDIT_CARD", "IBAN", "EMAIL", "PHONE", "SSN", "UK_NINO", "DOB", "IP_ADDRESS", "SECRET", "NAME"
};

static char outbuf[1 << 16];

static int on_finding(void *ctx, const fort_scan_finding *f)
{
	const char *base = strrchr(f->path, '/');
	int quiet = *(int *)ctx;

	if (quiet)
		return 0;
	base = base ? base + 1 : f->path;
	printf("%s\t%llu\t%llu\t%s\n", base, (unsigned long long)f->offset,
	       (unsigned long long)(f->offset + f->length), bench_names[f->type]);
	return 0;
}

int main(int argc, char **argv)
{
	fort_scan_opts o = FORT_SCAN_OPTS_INIT;
	fort_scan_stats st;
	struct timespec a, b;
	int i = 1, quiet = 0, r;
	double s;

	if (fort_library_init() < 0)
		return 2;
	o.jobs = 1;
	o.use_ignore_files = 0;
	o.inline_ignore = 0;
	/* the anchors label file offsets: mail is scanned as the text it is */
	o.containers = 0;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-t"))
			quiet = 1;
		else if (!strcmp(argv[i], "-j") && i + 1 < argc)
			o.jobs = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "-b") && i + 1 < argc)
			scan_set_block_size((size_t)atol(argv[++i]));
		else if (!strcmp(argv[i], "-m") && i + 1 < argc)
			o.min_confidence = (fort_scan_confidence)atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: scan_spans [-t] [-j N] [-m MINCONF] [-b BLOCK] FILE...\n");
			return 2;
		}
	}
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	o.on_finding = on_finding;
	o.ctx = &quiet;
	clock_gettime(CLOCK_MONOTONIC, &a);
	r = fort_scan_run(&st, (const char *const *)argv + i, (size_t)(argc - i), &o);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (r != 0) {
		fprintf(stderr, "scan_spans: %s\n", fort_error_message());
		return 2;
	}
	s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	fprintf(stderr, "{\"bytes\":%llu,\"seconds\":%.4f,\"MBps\":%.1f,\"findings\":%llu}\n",
		(unsigned long long)st.bytes, s, (double)st.bytes / 1048576.0 / s, (unsigned long long)st.findings);
	return fflush(stdout) == 0 ? 0 : 2;
}
