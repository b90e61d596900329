/* read_text.c - UTF-16 text (with a byte order mark, or recognised without
 * one) as UTF-8, streaming. */
#include <errno.h>
#include <iconv.h>
#include <string.h>
#include "rd.h"

int rd_text_utf16(rd *r, rd_src *s, int big_endian, int bom)
{
	char in[65536 + 4], out[3 * 32768 + 16];
	size_t have = 0;
	int rc = 0, eof = 0;
	iconv_t cd = iconv_open("UTF-8", big_endian ? "UTF-16BE" : "UTF-16LE");

	if (cd == (iconv_t)-1)
		return fort_error_set(FORT_ERROR, "%s: UTF-16 conversion is not available (iconv)", r->path);
	if (bom)
		s->headpos = 2;                 /* the byte order mark */
	if ((rc = rd_begin(r)) < 0) {
		iconv_close(cd);
		return rc;
	}
	while (!eof || have >= 2) {
		if (!eof) {
			ssize_t n = rd_src_read(s, in + have, sizeof in - 4 - have);
			if (n < 0) {
				rc = (int)n;
				goto out;
			}
			if (n == 0)
				eof = 1;
			have += (size_t)n;
		}
		char *ip = in, *op = out;
		size_t il = have, ol = sizeof out;
		size_t k = iconv(cd, &ip, &il, &op, &ol);
		if (k == (size_t)-1 && errno == EILSEQ) {
			/* an unpaired surrogate: U+FFFD for its two bytes, go on */
			if (ol >= 3) {
				memcpy(op, "\xef\xbf\xbd", 3);
				op += 3;
			}
			ip += 2;
			il = il >= 2 ? il - 2 : 0;
		}
		if ((rc = rd_text(r, out, (size_t)(op - out))) < 0)
			goto out;
		/* EINVAL (a sequence cut at the end of the buffer) and E2BIG:
		 * keep the rest for the next round */
		memmove(in, ip, il);
		if (eof && il == have && il < 4)
			break;                  /* an odd trailing byte or cut pair */
		have = il;
	}
	rc = 0;
out:
	iconv_close(cd);
	return rd_finish(r, rc);
}
