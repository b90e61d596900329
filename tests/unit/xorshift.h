/* xorshift.h - the unit tests' one pseudo-random generator (Marsaglia's
 * xorshift64, 13/7/17): reproducible inputs from a fixed seed, for tests
 * that compare two implementations on many generated values.  Not for
 * anything secret: the library's own randomness is libsodium's. */
#ifndef FORT_TEST_XORSHIFT_H
#define FORT_TEST_XORSHIFT_H

#include <stdint.h>

static inline uint64_t xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#endif
