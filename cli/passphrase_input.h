/* passphrase_input.h - getting a passphrase into a fort_secret: from a file
 * (--passphrase-file, FORTRESS_PASSPHRASE_FILE) or a no-echo prompt on
 * /dev/tty.  Never from argv, never hangs without a terminal. */
#ifndef FORT_CLI_PASSPHRASE_INPUT_H
#define FORT_CLI_PASSPHRASE_INPUT_H

#include "cli.h"

/* The longest passphrase a prompt accepts, in bytes. */
#define CLI_PASSPHRASE_MAX 1023

/* The passphrase file from --passphrase-file or FORTRESS_PASSPHRASE_FILE,
 * or NULL. */
const char *cli_passphrase_file(const struct cli *c);

/* Get a passphrase.  FILE non-NULL: read it with fort_secret_from_file.
 * Else prompt on /dev/tty with PROMPT, echo off; with CONFIRM ask a second
 * time and fail with "passphrases do not match".  NOTTY_MSG is the error
 * when there is neither a file nor a terminal (exit 2).  Prints any error;
 * returns an exit code (0 with *out set). */
int cli_passphrase_get(struct cli *c, fort_secret **out, const char *file,
		       const char *prompt, int confirm, const char *notty_msg);

/* The unlock passphrase (file or TTY) with the message of docs/cli.md. */
/* A new passphrase: from the passphrase file (checked), or on the terminal,
 * up to TRIES times: its strength is checked before it is asked again, and
 * Enter alone generates one (shown on the terminal only). */
int cli_passphrase_new(struct cli *c, fort_secret **out, const char *const *user_inputs, int tries);
int cli_passphrase_unlock(struct cli *c, fort_secret **out, const char *prompt);

#define CLI_NO_PASSPHRASE_MSG \
	"no passphrase: use --passphrase-file FILE or FORTRESS_PASSPHRASE_FILE, or run on a terminal"

#endif
