/* secret.c - fort_secret: passphrases and keys in locked, guarded memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "util.h"

/* Longest first line taken from a secret file, in bytes. */
#define SECRET_LINE_MAX 4096

struct fort_secret {
	unsigned char *data;   /* sodium_malloc'ed, len + 1 bytes, NUL-terminated */
	size_t len;
};

int fort_secret_new(fort_secret **out, const void *data, size_t len)
{
	fort_secret *s;
	size_t alloc;

	*out = NULL;
	if (!data && len)
		return fort_error_set(FORT_EINPUT, "secret: no data");
	if (fort_size_add(&alloc, len, 1) < 0)
		return fort_error_set(FORT_EINPUT, "secret too long");
	s = fort_malloc(sizeof *s);
	if (!s)
		return FORT_ENOMEM;
	s->data = sodium_malloc(alloc);
	if (!s->data) {
		free(s);
		return fort_error_set(FORT_ENOMEM, "out of memory for a secret (locked memory)");
	}
	if (len)
		memcpy(s->data, data, len);
	/* The NUL lets a passphrase go to C-string APIs (zxcvbn) without a copy. */
	s->data[len] = '\0';
	s->len = len;
	*out = s;
	return 0;
}

/* Read until the first newline, EOF or CAP bytes straight into BUF (locked
 * memory), so no copy of the secret is left in a stdio buffer.  Returns
 * the number of bytes read or FORT_EIO. */
static ssize_t read_first_line(int fd, unsigned char *buf, size_t cap, const char *path)
{
	size_t len = 0;

	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fort_error_set(FORT_EIO, "cannot read passphrase file %s: %s",
					      path, strerror(errno));
		}
		if (n == 0)
			break;
		if (memchr(buf + len, '\n', (size_t)n)) {
			len += (size_t)n;
			break;
		}
		len += (size_t)n;
	}
	return (ssize_t)len;
}

int fort_secret_from_file(fort_secret **out, const char *path)
{
	/* Room for a line of SECRET_LINE_MAX bytes and its CR LF. */
	const size_t cap = SECRET_LINE_MAX + 2;
	unsigned char *buf = NULL, *nl;
	struct stat st;
	ssize_t n;
	size_t len;
	int fd, r;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return fort_error_set(FORT_ENOTFOUND, "passphrase file %s not found", path);
		return fort_error_set(FORT_EINPUT, "cannot open passphrase file %s: %s",
				      path, strerror(errno));
	}
	/* fstat, not stat: the checks must be about the file we read. */
	if (fstat(fd, &st) < 0) {
		r = fort_error_set(FORT_EIO, "cannot stat passphrase file %s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		r = fort_error_set(FORT_EINPUT, "passphrase file %s is a directory", path);
		goto out;
	}
	/* Whoever can write the file can choose the passphrase of new vaults. */
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		r = fort_error_set(FORT_EINPUT,
				   "passphrase file %s is writable by group or others; run 'chmod 600 %s'",
				   path, path);
		goto out;
	}
	/* Whoever can read it can unlock the vault: refused as ssh refuses a
	 * private key file others can read (a pipe or terminal is not a file). */
	if (S_ISREG(st.st_mode) && (st.st_mode & (S_IRGRP | S_IROTH))) {
		r = fort_error_set(FORT_EINPUT,
				   "passphrase file %s is readable by group or others; run 'chmod 600 %s'",
				   path, path);
		goto out;
	}
	buf = sodium_malloc(cap);
	if (!buf) {
		r = fort_error_set(FORT_ENOMEM, "out of memory for a secret (locked memory)");
		goto out;
	}
	n = read_first_line(fd, buf, cap, path);
	if (n < 0) {
		r = (int)n;
		goto out;
	}
	len = (size_t)n;
	nl = memchr(buf, '\n', len);
	if (nl)
		len = (size_t)(nl - buf);
	while (len && buf[len - 1] == '\r')
		len--;
	if ((!nl && (size_t)n == cap) || len > SECRET_LINE_MAX) {
		r = fort_error_set(FORT_EINPUT, "the first line of passphrase file %s is longer than %d bytes",
				   path, SECRET_LINE_MAX);
		goto out;
	}
	if (len == 0) {
		r = fort_error_set(FORT_EINPUT,
				   "passphrase file %s is empty; put the passphrase on its first line", path);
		goto out;
	}
	r = fort_secret_new(out, buf, len);
out:
	if (buf)
		sodium_free(buf);
	close(fd);
	return r;
}

const unsigned char *fort_secret_data(const fort_secret *s)
{
	return s ? s->data : NULL;
}

size_t fort_secret_len(const fort_secret *s)
{
	return s ? s->len : 0;
}

void fort_secret_free(fort_secret *s)
{
	if (!s)
		return;
	sodium_free(s->data);   /* wipes */
	s->data = NULL;
	s->len = 0;
	free(s);
}
