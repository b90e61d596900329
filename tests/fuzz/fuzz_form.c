/* fuzz_form.c - the web app's form decoding (src/server/form.c): the input
 * is a request body as a browser posts it (application/x-www-form-urlencoded,
 * any bytes; the server cuts it at the first NUL, as here).  Checks: the
 * pairs found are exactly the non-empty '&'-separated segments (at most 64:
 * beyond, FORT_EINPUT and nothing else), every key and value lies inside the
 * buffer, and a decoded key or value is never longer than its encoded form
 * (decoding only shrinks). */
#include <stdint.h>
#include "fuzz.h"
#include "server/server.h"
#include "server/mhd.h"

#define MAXF 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *k[MAXF], *v[MAXF];
	char *buf, *orig;
	size_t n = 0, segs = 0, len;
	int r;

	/* form.c calls libmicrohttpd through mhd.h's pointers: loaded once,
	 * as server_run does */
	if (server_mhd_need() < 0)
		abort();
	fuzz_begin();
	if (!(buf = malloc(size + 1)) || !(orig = malloc(size + 1)))
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	len = strlen(buf);
	memcpy(orig, buf, len + 1);
	for (size_t i = 0; i < len; i++)
		if (orig[i] != '&' && (i == 0 || orig[i - 1] == '&'))
			segs++;
	r = form_decode(buf, k, v, MAXF, &n);
	if (segs > MAXF) {
		if (r != FORT_EINPUT || n != MAXF)
			abort();
		fort_error_clear();
	} else if (r != 0 || n != segs) {
		abort();
	}
	for (size_t i = 0; i < n; i++) {
		if (k[i] < buf || k[i] > buf + len || strlen(k[i]) > len)
			abort();
		if (v[i][0] && (v[i] < buf || v[i] > buf + len))
			abort();
		/* the encoded key starts where the decoded one does */
		size_t off = (size_t)(k[i] - buf), enc = strcspn(orig + off, "&=");
		if (strlen(k[i]) > enc)
			abort();
	}
	free(buf);
	free(orig);
	fuzz_end();
	return 0;
}
