/* form.c - decoding an application/x-www-form-urlencoded body (the web
 * app's forms).  Kept apart from web.c so that the fuzz target
 * (tests/fuzz/fuzz_form.c) reaches exactly what a request body reaches. */
#include <string.h>
#include <microhttpd.h>
#include "server/server.h"
#include "util.h"

int form_decode(char *s, const char **keys, const char **vals, size_t max, size_t *n)
{
	char *pair, *save = NULL;
	*n = 0;
	for (pair = strtok_r(s, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');
		if (*n == max)
			return fort_error_set(FORT_EINPUT, "the form has more than %zu fields", max);
		if (eq)
			*eq = '\0';
		for (char *c = pair; *c; c++)
			if (*c == '+')
				*c = ' ';
		if (eq)
			for (char *c = eq + 1; *c; c++)
				if (*c == '+')
					*c = ' ';
		MHD_http_unescape(pair);
		if (eq)
			MHD_http_unescape(eq + 1);
		keys[*n] = pair;
		vals[*n] = eq ? eq + 1 : "";
		(*n)++;
	}
	return 0;
}
