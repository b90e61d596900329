/* auth_int.h - what the sign-in files of src/auth/ share: the second
 * factor's blob (totp.c) for the sign-in (signin.c). */
#ifndef FORT_AUTH_INT_H
#define FORT_AUTH_INT_H

#include "vault/vault_int.h"

/* Check CODE (6 digits, or a recovery code) against V's acting user's
 * second factor at time NOW and, when it is good, store the blob again
 * with the step or the recovery code marked used, so the code cannot be
 * used twice.  0; FORT_EAUTH with WHY ("wrong code", "code already used")
 * when refused; FORT_ENOTFOUND when the user has not enrolled. */
int totp_check(fort_vault *v, const char *code, int64_t now, char *why, size_t cap) FORT_WUR;

/* An invitation's join (invite.c): the second factor confirmed by CODE for
 * SECRET for V's acting user (the invitee's new keyring in V), its blob
 * returned (*BLOB, *LEN; malloc'ed, wipe) instead of stored. */
int totp_join_blob(fort_totp_enrolment **out, unsigned char **blob, size_t *len, fort_vault *v, const char *secret,
		   const char *code) FORT_WUR;
/* A new TOTP secret for USER of BUSINESS, shown on the join page; nothing
 * stored (fort_totp_propose without a handle). */
int totp_propose_for(fort_totp_enrolment **out, const char *business, const char *user) FORT_WUR;

#endif
