/* backup.h - encrypted backups (docs/SECURITY.md, "Backups").
 *
 * File format v1 (integers big-endian):
 *
 *   "FORTBAK\x01"   magic (8)
 *   u32             format version (1)
 *   u32             header length H (at most BACKUP_HEADER_MAX)
 *   H bytes         header: vault id, created, tool version, clients,
 *                   audit head, chunk size, the owner's user record
 *                   (name, box_pk, sign_pk, Argon2 salt/limits, sealed
 *                   keyring), the owner's sealed vault-key grant and the
 *                   vault's sealed recovery record (metadata "recovery",
 *                   empty when no shares were made)
 *   32 bytes        BLAKE2b-256 of everything above (catches damage before
 *                   any key is derived; not a MAC)
 *   24 bytes        crypto_secretstream_xchacha20poly1305 header
 *   chunks          the snapshot in chunks of the header's chunk size, each
 *                   ABYTES longer; the first chunk's additional data is
 *                   every byte before the secretstream header, the last
 *                   chunk is tagged FINAL, nothing may follow it
 *
 * Backup key BK = BLAKE2b-256(key = VK, "fortress-backup-v1" || vault id).
 *
 * Opening a backup is split in two so that recovery shares (another way
 * to get VK) plug in: backup_verify_with / backup_restore_with take an
 * unlock function that gets the parsed header and returns VK and, when it
 * can, the owner's keyring (used to sign the audit entries).  The
 * passphrase way is backup_unlock_passphrase; the recovery-share way is
 * backup_unlock_shares: it combines the shares into RK, opens h->recovery
 * (the same record `fortress recovery restore` opens) into the owner's
 * keys, then opens h->grant with them. */
#ifndef FORT_BACKUP_H
#define FORT_BACKUP_H

#include <stddef.h>
#include <stdint.h>
#include <sodium.h>
#include "fortress.h"
#include "keys/keys.h"
#include "store/store.h"

#define BACKUP_MAGIC "FORTBAK\x01"
#define BACKUP_MAGIC_LEN 8
#define BACKUP_HEADER_MAX 65536
#define BACKUP_CHUNK_DEFAULT (64 * 1024)
#define BACKUP_CHUNK_MIN 4096
#define BACKUP_CHUNK_MAX (16 * 1024 * 1024)

typedef struct {
	unsigned format;
	char vault_id[33];
	int64_t created;
	char tool_version[32];
	uint64_t clients;
	int64_t audit_seq;
	unsigned char audit_hash[32];
	uint32_t chunk;
	store_user owner;            /* name, box_pk, sign_pk, salt, limits, sealed (role "owner") */
	uint32_t vk_version;
	unsigned char grant[crypto_box_SEALBYTES + KEY_LEN]; /* VK sealed to owner.box_pk */
	size_t grant_len;
	unsigned char *recovery;     /* sealed recovery record, NULL when none */
	size_t recovery_len;
} backup_header;

#define BACKUP_RECOVERY_MAX 4096

/* Get the vault key for a backup.  Fill VK; set *OWNER_KR to the owner's
 * keyring (caller frees) when the method yields one, else leave it NULL
 * (verify then records nothing; a restore needs it, to sign the copy's
 * entries).
 * Return 0 or a FORT_E* code with the message set. */
typedef int (*backup_unlock_fn)(void *ctx, const backup_header *h, unsigned char vk[KEY_LEN], keyring **owner_kr);

/* CTX for backup_unlock_passphrase. */
typedef struct {
	const char *user;            /* NULL or the owner's name */
	const fort_secret *pass;
} backup_pass_ctx;

int backup_unlock_passphrase(void *ctx, const backup_header *h, unsigned char vk[KEY_LEN], keyring **owner_kr) FORT_WUR;

/* CTX for backup_unlock_shares. */
typedef struct {
	const char *const *shares;
	size_t n;
} backup_shares_ctx;

int backup_unlock_shares(void *ctx, const backup_header *h, unsigned char vk[KEY_LEN], keyring **owner_kr) FORT_WUR;

/* Read and check only the header of PATH (no key needed). */
int backup_read_header(backup_header *h, const char *path) FORT_WUR;
void backup_header_release(backup_header *h);

int backup_verify_with(fort_backup_info *out, const char *path, backup_unlock_fn unlock, void *ctx,
		       fort_vault *v) FORT_WUR;
int backup_restore_with(fort_backup_info *out, const char *path, const char *to_path, backup_unlock_fn unlock,
			void *ctx, fort_vault *current) FORT_WUR;

#endif
