/* vault_path.h - resolving the vault path (--vault, FORTRESS_VAULT, XDG). */
#ifndef FORT_CLI_VAULT_PATH_H
#define FORT_CLI_VAULT_PATH_H

#include "cli.h"

/* Set c->vault_path if not set yet.  Returns an exit code. */
int cli_vault_resolve(struct cli *c);
/* Create the missing directories above c->vault_path with mode 0700
 * (init only).  Returns an exit code. */
int cli_vault_mkparent(struct cli *c);

#endif
