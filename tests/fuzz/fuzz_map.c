/* fuzz_map.c - the data map's JSON (what `map import` reads): parsed; a map
 * that parses is written out and must parse again to the same JSON. */
#include <stdint.h>
#include "fuzz.h"
#include "util.h"
#include "vault/vault_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fort_map m, m2;
	char *j1 = NULL, *j2 = NULL;
	fuzz_begin();
	memset(&m, 0, sizeof m);
	memset(&m2, 0, sizeof m2);
	if (map_parse(&m, (const char *)data, size) == 0) {
		if (map_to_json(&j1, &m) != 0)
			abort();
		if (map_parse(&m2, j1, strlen(j1)) != 0) {
			fprintf(stderr, "fuzz: a map written out does not parse again: %s\n", fort_error_message());
			abort();
		}
		if (map_to_json(&j2, &m2) != 0 || strcmp(j1, j2) != 0)
			abort();
		map_release(&m2);
	}
	map_release(&m);
	free(j1);
	free(j2);
	fort_error_clear();
	fuzz_end();
	return 0;
}
