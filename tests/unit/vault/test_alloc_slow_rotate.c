/* test_alloc_slow_rotate.c - part 1 of test_alloc_slow.c (see there):
 * the key rotations and the users' changes that rotate, in a process of its own. */
#define ALLOC_PART 1
#include "test_alloc_slow.c"
