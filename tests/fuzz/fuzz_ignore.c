/* fuzz_ignore.c - .fortressignore files: the input is the ignore file, a
 * NUL, then paths separated by NULs or newlines (the format of
 * tests/data/regressions/ignore-*.bin).  Each path is matched as a file
 * and as a directory; a timeout (-timeout=5) is a finding: the matcher
 * must stay polynomial whatever the patterns. */
#include <stdint.h>
#include "fuzz.h"
#include "util.h"
#include "scan/scan_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data, *nul = memchr(d, 0, size);
	size_t tl = nul ? (size_t)(nul - d) : size;
	scan_ignore *ig = NULL;

	fuzz_begin();
	/* base "": every path is matched (under another base most would be
	 * skipped before any pattern runs) */
	if (scan_ignore_parse(&ig, "", d, tl) != 0) {
		fort_error_clear();
		fuzz_end();
		return 0;
	}
	for (size_t i = tl + 1; i < size;) {
		size_t e = i;
		char *path;
		while (e < size && d[e] && d[e] != '\n')
			e++;
		if ((path = fort_strndup(d + i, e - i))) {
			int m1 = scan_ignore_match(ig, path, 0), m2 = scan_ignore_match(ig, path, 1);
			if (m1 < -1 || m1 > 1 || m2 < -1 || m2 > 1)
				abort();
			free(path);
		}
		i = e + 1;
	}
	scan_ignore_free(ig);
	fort_error_clear();
	fuzz_end();
	return 0;
}
