/* signin.h - the tables of signing in to `fortress serve` (migration 10):
 * each user's encrypted second factor and the throttle of failed sign-ins.
 * Part of the store interface (store.h); kept in its own header so the
 * server's tables stay apart from the vault's. */
#ifndef FORT_STORE_SIGNIN_H
#define FORT_STORE_SIGNIN_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

/* USER's second-factor blob (*DATA malloc'ed).  FORT_ENOTFOUND if none. */
int store_totp_get(store *s, int64_t user, unsigned char **data, size_t *len);
/* Insert or replace USER's blob. */
int store_totp_put(store *s, int64_t user, const void *data, size_t len, int64_t created);
/* Remove USER's blob (nothing if none). */
int store_totp_del(store *s, int64_t user);

/* Throttle entries: KEY ("u:NAME", "a:ADDRESS") with its failures and the
 * time of the last one; *FAILURES 0 when there is none. */
int store_throttle_get(store *s, const char *key, int64_t *failures, int64_t *last);
int store_throttle_fail(store *s, const char *key, int64_t now);
int store_throttle_clear(store *s, const char *key);
/* "signin-failed" and "unlock-failed" audit entries since SINCE, and the
 * time of the newest (0: none). */
int store_signin_failures(store *s, int64_t since, uint64_t *n, int64_t *last);

/* The self-service page's one-time sign-in links (src/rights/selfservice.c):
 * TOKEN is a 32-byte keyed hash of the link's token, DATA an AEAD blob.
 * put: a second row with the same TOKEN is FORT_EEXISTS.  take: read the
 * row and delete it in one step (single use), FORT_ENOTFOUND when there is
 * none.  prune: delete every row that expired before BEFORE. */
int store_me_link_put(store *s, const unsigned char *token, int64_t expires, const void *data, size_t len);
int store_me_link_take(store *s, const unsigned char *token, int64_t *expires, unsigned char **data, size_t *len);
int store_me_link_prune(store *s, int64_t before);

#endif
