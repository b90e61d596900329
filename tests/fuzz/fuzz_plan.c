/* fuzz_plan.c - the incident-response plan's JSON (what `plan import`
 * reads): jansson's parser, then the plan's validation. */
#include <stdint.h>
#include <jansson.h>
#include "fuzz.h"
#include "util.h"
#include "incident/plan_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t err;
	json_t *root;
	fuzz_begin();
	if ((root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err))) {
		int r = plan_validate(root);
		if (r != 0 && r != FORT_EINPUT && r != FORT_ENOMEM)
			abort();
		json_decref(root);
	}
	fort_error_clear();
	fuzz_end();
	return 0;
}
