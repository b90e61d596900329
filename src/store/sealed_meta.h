/* sealed_meta.h - which meta keys are sealed: the one list both backends
 * (sqlite.c, postgres.c) use, so a key added to the seals is sealed on
 * every backend alike.  Private to src/store. */
#ifndef FORT_STORE_SEALED_META_H
#define FORT_STORE_SEALED_META_H

#include <stddef.h>

/* 1 when KEY is one of the sealed meta keys, else 0. */
int store_meta_key_sealed(const char *key);
/* The sealed keys as an SQL list ("'map', 'business', ..."), for
 * "k IN (...)": written into BUF (CAP bytes); the length, or 0 when CAP is
 * too small.  The keys are constants of this file, never input. */
size_t store_meta_sealed_sql(char *buf, size_t cap);

#endif
