/* bounds.h - resource-bound checks for the unit tests: does the time (and
 * the peak memory) of a parser grow at most linearly with its input?
 *
 * Each size is run in a child process (fork), so the peak RSS it reports
 * is that of one run, and a run that blows up is killed by an alarm
 * instead of hanging the suite.  Time is the child's CPU time, the best of
 * REPS runs, so a loaded machine (CI runs two suites at once) slows every
 * size alike and does not flake the ratio.  The checks are generous
 * (3x the linear ratio, plus a small absolute slack for tiny times): a
 * quadratic parser at 8x input costs 64x, an exponential one never
 * returns; a linear one stays well inside.  Include after cmocka.h. */
#ifndef FORT_TEST_BOUNDS_H
#define FORT_TEST_BOUNDS_H

#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BOUND_UNUSED __attribute__((unused))

/* One run of the parser on an input of N units (bytes, lines, files...). */
typedef void (*bound_fn)(void *ctx, size_t n);

typedef struct {
	double cpu;       /* seconds, best of the runs */
	long rss_kb;      /* peak RSS of the child, the smallest over the runs */
} bound_sample;

static BOUND_UNUSED double bound_now_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run FN(CTX, N) in a child REPS times; fail if a run takes longer than
 * LIMIT_S seconds of wall time or fails. */
static BOUND_UNUSED bound_sample bound_measure(bound_fn fn, void *ctx, size_t n, int reps, unsigned limit_s)
{
	bound_sample best = { 1e9, 1L << 40 };
	for (int i = 0; i < reps; i++) {
		int pfd[2], status = 0;
		pid_t pid;
		double cpu = 0;
		struct rusage ru;

		assert_int_equal(pipe(pfd), 0);
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			double t0;
			close(pfd[0]);
			alarm(limit_s);
			t0 = bound_now_cpu();
			fn(ctx, n);
			cpu = bound_now_cpu() - t0;
			if (write(pfd[1], &cpu, sizeof cpu) != (ssize_t)sizeof cpu)
				_exit(3);
			_exit(0);
		}
		close(pfd[1]);
		if (read(pfd[0], &cpu, sizeof cpu) != (ssize_t)sizeof cpu)
			cpu = -1;
		close(pfd[0]);
		assert_int_equal(wait4(pid, &status, 0, &ru), pid);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
			fail_msg("input size %zu: still running after %u s (not linear, or hanging)", n, limit_s);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || cpu < 0)
			fail_msg("input size %zu: the run failed (status 0x%x)", n, status);
		if (cpu < best.cpu)
			best.cpu = cpu;
		if (ru.ru_maxrss < best.rss_kb)
			best.rss_kb = ru.ru_maxrss;
	}
	return best;
}

/* FN at N, 2N, 4N, 8N: the time at 8N at most 3 x 8 that at N (plus 20 ms,
 * for times too small to measure well); with CHECK_RSS, the peak memory
 * over the baseline of a run at size 1 at most 3 x 8 times that of N (plus
 * 4 MiB).  Prints the figures. */
static BOUND_UNUSED void bound_assert_linear(const char *what, bound_fn fn, void *ctx, size_t n, int check_rss)
{
	bound_sample base = bound_measure(fn, ctx, 1, 2, 30), s[4];
	for (int k = 0; k < 4; k++)
		s[k] = bound_measure(fn, ctx, n << k, 3, 60);
	print_message("%s: n=%zu cpu %.4f %.4f %.4f %.4f s; peak rss %ld %ld %ld %ld KiB (base %ld)\n", what, n,
		      s[0].cpu, s[1].cpu, s[2].cpu, s[3].cpu, s[0].rss_kb, s[1].rss_kb, s[2].rss_kb, s[3].rss_kb,
		      base.rss_kb);
	if (s[3].cpu > 24 * s[0].cpu + 0.02)
		fail_msg("%s: time grows faster than linearly: %.4f s at n=%zu, %.4f s at 8n", what, s[0].cpu, n, s[3].cpu);
	if (check_rss) {
		long g0 = s[0].rss_kb - base.rss_kb, g3 = s[3].rss_kb - base.rss_kb;
		if (g0 < 0)
			g0 = 0;
		if (g3 > 24 * g0 + 4096)
			fail_msg("%s: memory grows faster than linearly: +%ld KiB at n=%zu, +%ld KiB at 8n", what, g0, n, g3);
	}
}

/* Sanitizers change memory figures (shadow memory, quarantine) and slow
 * everything: the memory check is left to the normal build. */
#if defined(__SANITIZE_ADDRESS__)
#define BOUND_CHECK_RSS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BOUND_CHECK_RSS 0
#endif
#endif
#ifndef BOUND_CHECK_RSS
#define BOUND_CHECK_RSS 1
#endif

/* The base size N to use: a quarter under the sanitizers (several times
 * slower), so the suite's time stays about the same. */
static BOUND_UNUSED size_t bound_n(size_t n)
{
	return BOUND_CHECK_RSS ? n : (n / 4 ? n / 4 : 1);
}

#endif
