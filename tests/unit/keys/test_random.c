/* The buffered RNG (src/keys/random.c): bytes never repeat, a forked child
 * never hands out its parent's pooled bytes, uniform draws stay in range. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sodium.h>
#include "keys/keys.h"

static int setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static void test_no_repeats(void **state)
{
	(void)state;
	/* 4096 draws of 24 bytes span several pool refills */
	static unsigned char seen[4096][24];
	for (size_t i = 0; i < 4096; i++) {
		fort_random(seen[i], 24);
		for (size_t k = 0; k < i; k += 97)
			assert_memory_not_equal(seen[i], seen[k], 24);
	}
	/* consecutive draws are not copies of each other */
	for (size_t i = 1; i < 4096; i++)
		assert_memory_not_equal(seen[i], seen[i - 1], 24);
}

static void test_fork_does_not_share(void **state)
{
	(void)state;
	unsigned char warm[8], mine[32], theirs[32];
	int fd[2];
	pid_t pid;
	fort_random(warm, sizeof warm); /* the pool is filled now */
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		unsigned char b[32];
		fort_random(b, sizeof b);
		_exit(write(fd[1], b, sizeof b) == (ssize_t)sizeof b ? 0 : 1);
	}
	fort_random(mine, sizeof mine);
	assert_int_equal(read(fd[0], theirs, sizeof theirs), (ssize_t)sizeof theirs);
	waitpid(pid, NULL, 0);
	close(fd[0]);
	close(fd[1]);
	/* with a shared pool both would have taken the same next 32 bytes */
	assert_memory_not_equal(mine, theirs, sizeof mine);
}

static void test_uniform(void **state)
{
	(void)state;
	unsigned counts[7] = { 0 };
	for (int i = 0; i < 70000; i++) {
		uint32_t x = fort_random_uniform(7);
		assert_true(x < 7);
		counts[x]++;
	}
	for (int i = 0; i < 7; i++)
		assert_in_range(counts[i], 9000, 11000);
	assert_int_equal(fort_random_uniform(1), 0);
	assert_int_equal(fort_random_uniform(0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_repeats),
		cmocka_unit_test(test_fork_does_not_share),
		cmocka_unit_test(test_uniform),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
