/* fuzz_accept_language.c - choosing the client pages' language from an
 * Accept-Language header (src/data/i18n.c, i18n_pick): any bytes a browser
 * or an attacker sends (the server hands over the header up to its first
 * NUL, as here).  Checks: the answer is always one of i18n_languages (the
 * same pointer, so a page never prints a language code it has no catalogue
 * for), the same input gives the same answer, and a header naming exactly
 * one supported language alone chooses it. */
#include <stdint.h>
#include "fuzz.h"
#include "data/i18n.h"

static int known(const char *l)
{
	for (int i = 0; i18n_languages[i]; i++)
		if (l == i18n_languages[i])
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf;
	const char *a, *b;

	fuzz_begin();
	if (!(buf = malloc(size + 1)))
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	a = i18n_pick(buf);
	b = i18n_pick(buf);
	if (!known(a) || a != b)
		abort();
	if (strcmp(i18n_lang(buf), buf) == 0 && i18n_pick(buf) != i18n_lang(buf))
		abort();
	/* the lookup never prints a raw key: unknown keys give "" */
	if (i18n_text(a, buf)[0] && size > 64 && !memchr(buf, '.', size))
		abort();
	free(buf);
	fuzz_end();
	return 0;
}
