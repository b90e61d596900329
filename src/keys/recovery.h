/* recovery.h - what recovery shares offer the rest of the library: the
 * recovery record's format, the shares' text and arithmetic (keys/recovery.c),
 * used by the vault's recovery operations (vault/recovery.c), and opening a
 * recovery record (the vault's, or the copy in a backup's header). */
#ifndef FORT_RECOVERY_H
#define FORT_RECOVERY_H

#include <stddef.h>
#include <stdint.h>
#include "keys/keys.h"

#define RK_LEN 32
#define OWNER_SECRET_LEN 64                /* box_sk || Ed25519 seed, as keys_user_seal */
#define REC_VERSION 1
#define REC_LEN (1 + 1 + 1 + 8 + 8 + NONCE_LEN + OWNER_SECRET_LEN + 16)
#define REC_META "recovery"
#define SHARE_TAG "FORT-SHARE-1"
#define SHARE_TAG_PREFIX "FORT-SHARE-"
#define SHARE_VID_HEX 12
#define SHARE_TEXT_MAX 160                 /* a share is ~110 characters */
#define SHARE_FIELDS 6

typedef struct {
	int version, k, n;
	int64_t created, owner;
	unsigned char nonce[NONCE_LEN];
	unsigned char ct[OWNER_SECRET_LEN + 16];
} rec_record;


/* libgfshare's source of randomness (gfshare_fill_rand): libsodium's. */
void recovery_gf_rand(unsigned char *buf, unsigned int n);
void recovery_encode(unsigned char out[REC_LEN], const rec_record *rec);
/* Parse a raw recovery record (VAL, LEN). */
int recovery_parse(rec_record *rec, const unsigned char *val, size_t len) __attribute__((warn_unused_result));
/* The AEAD's associated data for REC in vault VID (AD: 128 bytes); its length. */
size_t recovery_ad(unsigned char *ad, const char vid[33], const rec_record *rec);
/* "FORT-SHARE-1:<vid12>:<k>-of-<n>:<nr>:<y hex>:<checksum>" into *OUT. */
int recovery_share_format(char **out, const char vid[33], int k, int n, int nr, const unsigned char y[RK_LEN])
	__attribute__((warn_unused_result));
/* Combine SHARES (checked against vault VID and the split REC) into the
 * recovery key and open the owner's secret keys into PT (OWNER_SECRET_LEN,
 * locked memory).  *WHY says why they were refused. */
int recovery_combine(unsigned char *pt, const char vid[33], const rec_record *rec, const char *const *shares,
		     size_t nshares, const char **why) __attribute__((warn_unused_result));

/* The owner's secret keys (box_sk || Ed25519 seed, 64 bytes, into locked
 * memory SECRET) from SHARES and the raw recovery record RAW (LEN bytes) of
 * the vault with id VID.  Errors as fort_recovery_restore (FORT_EINPUT a
 * share mistyped, FORT_EAUTH too few / another vault's / an older split's),
 * and FORT_ENOTFOUND when RAW is empty (no shares had been made). */
int recovery_owner_secret(unsigned char secret[64], const char vid[33], const unsigned char *raw, size_t len,
			  const char *const *shares, size_t nshares) __attribute__((warn_unused_result));

#endif
