/* fuzz_types.c - the typed-field normalisers.  First byte: the type (and
 * the default country); the rest: the value.  A value that normalises must
 * normalise again to itself (the stored form is canonical; cards are
 * stored masked, so not for them), and its index key and mask must be
 * made without error. */
#include <stdint.h>
#include "fuzz.h"
#include "util.h"
#include "vault/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const countries[] = { "DE", "US", "GB", "FR", "CH", "XX", "" };
	fort_ftype t;
	const char *cc;
	char *a = NULL, *b = NULL, *k = NULL, *m = NULL, why[256];
	int r;

	if (size < 1)
		return 0;
	fuzz_begin();
	/* bytes below 0xC0 select the first seven types as they always did (the
	 * seeds and regression inputs keep their meaning); from 0xC0 the types
	 * added since (ssn, id_number) */
	if (data[0] < 0xC0) {
		t = (fort_ftype)(data[0] % 7);
		cc = countries[(data[0] / 7) % 7];
	} else {
		t = (fort_ftype)(7 + (data[0] - 0xC0) % (FT__COUNT - 7));
		cc = countries[((data[0] - 0xC0) / (FT__COUNT - 7)) % 7];
	}
	r = type_normalise(&a, t, (const char *)data + 1, size - 1, 0, cc, why, sizeof why);
	if (r == 0) {
		if (!a || !fort_utf8_valid(a, strlen(a)))
			abort();
		if (t != FT_CARD) {
			if (type_normalise(&b, t, a, strlen(a), 0, cc, why, sizeof why) != 0) {
				fprintf(stderr, "fuzz: type %d: the stored form '%s' does not normalise again: %s\n", (int)t, a, why);
				abort();
			}
			if (strcmp(a, b) != 0) {
				fprintf(stderr, "fuzz: type %d: '%s' normalises to '%s'\n", (int)t, a, b);
				abort();
			}
		}
		if (type_index_key(&k, t, a) != 0 || type_mask(&m, t, a) != 0)
			abort();
	} else if (r != FORT_EINPUT && r != FORT_ENOMEM) {
		abort();
	}
	free(a);
	free(b);
	free(k);
	free(m);
	fort_error_clear();
	fuzz_end();
	return 0;
}
