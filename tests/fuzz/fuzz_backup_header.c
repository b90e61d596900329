/* fuzz_backup_header.c - the backup file's plaintext prefix (magic,
 * version, header fields, checksum), read the way `backup verify` reads it
 * before any key is derived.  Inputs whose checksum is wrong are fixed up
 * when the first byte is odd, so the header parser itself is reached. */
#include <stdint.h>
#include <sodium.h>
#include "fuzz.h"
#include "util.h"
#include "backup/backup.h"
#include "keys/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	backup_header h;
	uint8_t *copy;
	const char *p;
	int r;

	if (size < 1)
		return 0;
	fuzz_begin();
	if (!(copy = malloc(size)))
		abort();
	memcpy(copy, data + 1, size - 1);
	if ((data[0] & 1) && size - 1 >= 16 + 32) {
		size_t hl = (size_t)copy[12] << 24 | (size_t)copy[13] << 16 | (size_t)copy[14] << 8 | copy[15];
		if (hl <= size - 1 - 16 - 32)
			crypto_generichash(copy + 16 + hl, 32, copy, 16 + hl, NULL, 0);
	}
	p = fuzz_file("in.fbak", copy, size - 1);
	r = backup_read_header(&h, p);
	if (r == 0) {
		/* what the parser accepted is what the unlock may use */
		if (!keys_kdf_limits_ok(h.owner.opslimit, h.owner.memlimit) || strlen(h.vault_id) != 32)
			abort();
		backup_header_release(&h);
	} else if (r != FORT_ECORRUPT && r != FORT_EVERSION && r != FORT_ENOMEM) {
		abort();
	}
	unlink(p);
	free(copy);
	fort_error_clear();
	fuzz_end();
	return 0;
}
