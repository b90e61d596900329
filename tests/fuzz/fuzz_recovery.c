/* fuzz_recovery.c - recovery shares and the sealed recovery record (what
 * `recovery restore` and a backup's header carry): the input is the
 * record, then shares separated by NUL bytes.  The vault id is that of the
 * vault the seeds (seeds/recovery: a real record and real shares) come
 * from, so mutations reach the share combination and the record's
 * decryption.  Malformed input is refused with a message. */
#include <stdint.h>
#include <sodium.h>
#include "fuzz.h"
#include "util.h"
#include "keys/recovery.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char vid[33] = "f703d377fc1ff8e3c9c47d39da63b13e";
	const char *shares[8];
	char *copy;
	size_t n = 0, rl;
	unsigned char *secret;
	const char *nul;
	int r;

	fuzz_begin();
	nul = memchr(data, 0, size);
	rl = nul ? (size_t)(nul - (const char *)data) : size;
	if (!(copy = malloc(size + 1)))
		abort();
	memcpy(copy, data, size);
	copy[size] = 0;
	for (size_t i = rl + 1; i <= size && n < 8;) {
		shares[n++] = copy + i;
		i += strlen(copy + i) + 1;
	}
	if (!(secret = sodium_malloc(64)))
		abort();
	r = recovery_owner_secret(secret, vid, (const unsigned char *)copy, rl, shares, n);
	if (r != 0 && !*fort_error_message())
		abort();   /* a refusal says why */
	sodium_free(secret);
	free(copy);
	fort_error_clear();
	fuzz_end();
	return 0;
}
