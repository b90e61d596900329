/* fuzz_intake.c - an intake submission (what `intake submit` and the form
 * page hand to fort_intake_submit): parsed as a submission (first byte
 * even) or as the plaintext of a stored box (odd).  A refusal always has a
 * message that never echoes a value; a parsed submission written out
 * parses again to the same JSON; the sealed form's keys (form, received,
 * v) are refused from a submitter. */
#include <stdint.h>
#include "fuzz.h"
#include "util.h"
#include "rights/intake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	intake_sub s, s2;
	char *j1 = NULL, *j2 = NULL;
	size_t l1 = 0, l2 = 0;
	int sealed, r;
	fuzz_begin();
	if (size == 0) {
		fuzz_end();
		return 0;
	}
	sealed = data[0] & 1;
	r = intake_parse(&s, (const char *)data + 1, size - 1, sealed);
	if (r < 0) {
		if (r != FORT_EINPUT && r != FORT_ENOMEM)
			abort();
		if (!fort_error_message()[0])
			abort();
	} else {
		if (s.n > INTAKE_FIELDS_MAX || s.nconsents > INTAKE_CONSENTS_MAX)
			abort();
		if (intake_to_json(&j1, &l1, &s, sealed) != 0)
			abort();
		if (intake_parse(&s2, j1, l1, sealed) != 0) {
			fprintf(stderr, "fuzz: a submission written out does not parse again: %s\n", fort_error_message());
			abort();
		}
		if (intake_to_json(&j2, &l2, &s2, sealed) != 0 || l1 != l2 || memcmp(j1, j2, l1) != 0)
			abort();
		intake_sub_release(&s2);
		/* what the vault writes into a box is not the submitter's to give */
		if (sealed && intake_parse(&s2, j1, l1, 0) == 0)
			abort();
		intake_json_free(j1, l1);
		intake_json_free(j2, l2);
		intake_sub_release(&s);
	}
	fort_error_clear();
	fuzz_end();
	return 0;
}
