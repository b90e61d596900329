/* recovery.h - what recovery shares offer the rest of the library: opening
 * a recovery record (the vault's, or the copy in a backup's header). */
#ifndef FORT_RECOVERY_H
#define FORT_RECOVERY_H

#include <stddef.h>

/* The owner's secret keys (box_sk || Ed25519 seed, 64 bytes, into locked
 * memory SECRET) from SHARES and the raw recovery record RAW (LEN bytes) of
 * the vault with id VID.  Errors as fort_recovery_restore (FORT_EINPUT a
 * share mistyped, FORT_EAUTH too few / another vault's / an older split's),
 * and FORT_ENOTFOUND when RAW is empty (no shares had been made). */
int recovery_owner_secret(unsigned char secret[64], const char vid[33], const unsigned char *raw, size_t len,
			  const char *const *shares, size_t nshares) __attribute__((warn_unused_result));

#endif
