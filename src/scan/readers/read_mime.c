/* read_mime.c - mbox and .eml (first step: not read yet). */
#include "rd.h"

int rd_mime(rd *r, rd_src *s, int mbox, unsigned depth)
{
	(void)s; (void)mbox; (void)depth;
	rd_skipped(r, "mail is not read yet");
	return 0;
}
