/* random.c - libsodium's RNG, drawn in blocks.
 *
 * libsodium 1.0.18 reads the kernel RNG in 256-byte getrandom(2) calls; an
 * import needs about ten random values per client (key, nonces, id), and on
 * a VM those system calls were a fifth of the import time.  So each refill
 * takes a fresh 32-byte seed from randombytes_buf() and expands it with
 * libsodium's ChaCha20 generator (randombytes_buf_deterministic) into a
 * 16 KiB pool in locked memory, handed out with every byte wiped as it
 * leaves: the construction of arc4random.  A forked child starts with an
 * empty pool, so parent and child never share nonces or keys. */
#include <pthread.h>
#include <string.h>
#include <sodium.h>
#include "keys/keys.h"

#define POOL_SIZE 16384

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *pool;  /* sodium_malloc'ed */
static size_t pool_left;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void pool_forget(void)
{
	/* in the child after fork(): never hand out the parent's bytes */
	if (pool)
		sodium_memzero(pool, POOL_SIZE);
	pool_left = 0;
}

static void pool_init(void)
{
	pool = sodium_malloc(POOL_SIZE);
	pthread_atfork(NULL, NULL, pool_forget);
}

void fort_random(void *out, size_t n)
{
	unsigned char *o = out;
	pthread_once(&pool_once, pool_init);
	if (!pool || n > POOL_SIZE / 4) {
		randombytes_buf(out, n);
		return;
	}
	pthread_mutex_lock(&pool_lock);
	while (n) {
		size_t take;
		if (pool_left == 0) {
			unsigned char seed[randombytes_SEEDBYTES];
			randombytes_buf(seed, sizeof seed);
			randombytes_buf_deterministic(pool, POOL_SIZE, seed);
			sodium_memzero(seed, sizeof seed);
			pool_left = POOL_SIZE;
		}
		take = n < pool_left ? n : pool_left;
		memcpy(o, pool + POOL_SIZE - pool_left, take);
		sodium_memzero(pool + POOL_SIZE - pool_left, take);
		pool_left -= take;
		o += take;
		n -= take;
	}
	pthread_mutex_unlock(&pool_lock);
}

uint32_t fort_random_uniform(uint32_t upper)
{
	uint32_t x, min;
	if (upper < 2)
		return 0;
	min = (uint32_t)(-upper % upper); /* rejection sampling, as randombytes_uniform */
	do
		fort_random(&x, sizeof x);
	while (x < min);
	return x % upper;
}
