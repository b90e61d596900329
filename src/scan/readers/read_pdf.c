/* read_pdf.c - the text layer of a PDF (first step: not read yet). */
#include "rd.h"

int rd_pdf(rd *r, rd_src *s, unsigned depth)
{
	(void)s; (void)depth;
	rd_skipped(r, "PDF is not read yet");
	return 0;
}
