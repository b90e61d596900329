/* test_alloc_slow_create.c - part 2 of test_alloc_slow.c (see there):
 * fort_vault_create, whose every try after the key derivation pays 64 MiB of Argon2id, in a process of its own. */
#define ALLOC_PART 2
#include "test_alloc_slow.c"
