/* letters.c - the letters the rights tools write (refusals, notices), on
 * paper: Markdown to PDF through render_pdf, the one PDF renderer. */
#include "util.h"
#include "render/pdf.h"

int fort_letter_pdf(unsigned char **out, size_t *len, const char *markdown, const char *title)
{
	*out = NULL;
	*len = 0;
	if (!markdown)
		return fort_error_set(FORT_EINPUT, "no letter to print");
	return render_pdf(markdown, title ? title : "Letter", out, len);
}
