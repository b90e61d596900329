/* fuzz_readers.c - every scan reader (mail, mbox, zip and gzip, office
 * XML, PDF, UTF-16), through scan_read_container as the scanner calls it.
 * The first byte picks the file name (the sniffer looks at names too); the
 * rest is the file.  The sink checks that documents do not nest and that
 * the text is what was promised. */
#include <stdint.h>
#include "fuzz.h"
#include "util.h"
#include "scan/readers/readers.h"

struct sink_state { int open; uint64_t bytes; };

static int s_begin(void *ctx, const char *logical)
{
	struct sink_state *s = ctx;
	(void)logical;
	if (s->open)
		abort();
	s->open = 1;
	return 0;
}

static int s_text(void *ctx, const char *buf, size_t len)
{
	struct sink_state *s = ctx;
	if (!s->open)
		abort();
	s->bytes += len;
	if (len)
		(void)*(volatile const char *)(buf + len - 1);
	return 0;
}

static int s_end(void *ctx)
{
	struct sink_state *s = ctx;
	if (!s->open)
		abort();
	s->open = 0;
	return 0;
}

static void s_skipped(void *ctx, const char *logical, const char *why)
{
	(void)ctx;
	if (!logical || !why || !*why)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "in.eml", "in.mbox", "in.zip", "in.gz", "in.docx", "in.xlsx",
					     "in.odt", "in.pdf", "in.txt", "in.tar.gz", "in" };
	struct sink_state st = { 0, 0 };
	scan_sink sink = { s_begin, s_text, s_end, s_skipped, &st };
	scan_limits lim = { 4, (uint64_t)8 << 20, 100 };
	const char *p;
	int r;

	if (size < 1)
		return 0;
	fuzz_begin();
	p = fuzz_file(names[data[0] % (sizeof names / sizeof *names)], data + 1, size - 1);
	r = scan_read_container(p, &lim, &sink);
	if (st.open)
		abort();     /* every begin gets its end */
	if (r != 0 && r != FORT_ENOMEM && r != FORT_EIO && r != FORT_EINPUT)
		abort();
	unlink(p);
	fort_error_clear();
	fuzz_end();
	return 0;
}
