/* attach.h - attachments inside the library (vault/attach.c). */
#ifndef FORT_VAULT_ATTACH_H
#define FORT_VAULT_ATTACH_H

#include "vault/vault_int.h"

/* fort_attachment_add on an open file descriptor (read from where it is);
 * EXTRA_DETAIL (may be NULL) is added to the audit entries. */
int attach_add_fd(int64_t *id_out, fort_vault *v, int fd, const char *path, const fort_attachment_opts *o,
		  const char *extra_detail) FORT_WUR;
/* Re-wrap every attachment gated by a category in MASK (key slots) under the
 * current key versions; called by a rotation before the old versions go. */
int attach_rotate(fort_vault *v, unsigned mask) FORT_WUR;

/* A client is being erased (inside the erasure's transaction): every
 * attachment linked to that client alone is shredded (its wrapped key,
 * chunks and links deleted); one also linked to other clients keeps them and
 * loses this link (it goes with the last client it names: it is their data
 * too).  *SHREDDED and *KEPT count them. */
int attach_client_erased(fort_vault *v, int64_t client, size_t *shredded, size_t *kept) FORT_WUR;

#endif
