/* fuzz.h - what the libFuzzer harnesses share (tests/fuzz/README.md).
 *
 * Every harness checks, besides what ASan/UBSan/LeakSanitizer catch, that
 * no file descriptor is left open by one input: a leak takes the lowest
 * free descriptor, so the next dup() returns another number. */
#ifndef FORT_FUZZ_H
#define FORT_FUZZ_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fortress.h"

#define FUZZ_UNUSED __attribute__((unused))

static int fuzz_lowest_fd(void)
{
	int fd = dup(2);
	if (fd >= 0)
		close(fd);
	return fd;
}

static int fuzz_fd_mark;

/* Call at the start of LLVMFuzzerTestOneInput. */
static FUZZ_UNUSED void fuzz_begin(void)
{
	static int inited;
	if (!inited) {
		setenv("G_SLICE", "always-malloc", 1);
		if (fort_library_init() < 0)
			abort();
		inited = 1;
	}
	fuzz_fd_mark = fuzz_lowest_fd();
}

/* Call at the end: abort (a finding) when a descriptor was left open. */
static FUZZ_UNUSED void fuzz_end(void)
{
	int now = fuzz_lowest_fd();
	if (now != fuzz_fd_mark) {
		fprintf(stderr, "fuzz: a file descriptor was left open (lowest free %d, was %d)\n", now, fuzz_fd_mark);
		abort();
	}
}

/* A private directory for files the harness writes (made once). */
static FUZZ_UNUSED const char *fuzz_dir(void)
{
	static char dir[256];
	if (!dir[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(dir, sizeof dir, "%s/fortfuzz-XXXXXX", t && strlen(t) < 200 ? t : "/tmp");
		if (!mkdtemp(dir))
			abort();
	}
	return dir;
}

/* Write DATA to NAME in the private directory; returns the path (static). */
static FUZZ_UNUSED const char *fuzz_file(const char *name, const void *data, size_t len)
{
	static char path[512];
	int fd;
	snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		abort();
	if (len && write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
	return path;
}

#endif
