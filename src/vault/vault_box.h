/* vault_box.h - secrets that belong to the vault rather than to a client
 * (the incident plan's contacts, the SMTP password, queued e-mail, drill
 * notes): sealed with XChaCha20-Poly1305 under a random "box key" that is
 * itself wrapped under the vault key (meta "box_key"), so every user who
 * holds the vault key can open them and the database file alone gives
 * nothing.  A vault-key rotation re-wraps the box key (rotate.c). */
#ifndef FORT_VAULT_BOX_H
#define FORT_VAULT_BOX_H

#include <stddef.h>
#include "fortress.h"

/* Seal LEN bytes of PT; LABEL (e.g. "plan", "mail:12") is bound as
 * associated data, so a sealed value cannot be moved to another place.
 * *OUT (free()) gets nonce || ciphertext || tag.  Creates the box key on
 * first use.  FORT_ELOCKED, FORT_EDENIED (no vault key). */
int vault_box_seal(unsigned char **out, size_t *outlen, fort_vault *v, const char *label, const void *pt, size_t len) FORT_WUR;
/* Open what vault_box_seal made.  *OUT (free() after wiping) is
 * NUL-terminated after *OUTLEN bytes.  FORT_ETAMPER when it does not verify. */
int vault_box_open(char **out, size_t *outlen, fort_vault *v, const char *label, const unsigned char *in, size_t len) FORT_WUR;
/* Wipe and free a string from vault_box_open.  Accepts NULL. */
void vault_box_free(char *p);
/* Re-wrap the box key under the current vault key (inside the rotation's
 * transaction, while the old version is still held). */
int vault_box_rewrap(fort_vault *v) FORT_WUR;

#endif
