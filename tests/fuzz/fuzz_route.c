/* fuzz_route.c - the server's path matching (src/server/route.c): the
 * input is a request path as libmicrohttpd hands it over (decoded, any
 * bytes up to a NUL).  Against every route of the table's patterns: a
 * match takes an {id} of letters, digits, '-' and '_' only, and the
 * pattern with that id put back is exactly the path (nothing more, nothing
 * less reached a handler). */
#include <stdint.h>
#include "fuzz.h"
#include "server/server.h"

static const char *const patterns[] = {
	"/api/session", "/api/status", "/api/clients", "/api/clients/{id}", "/api/clients/{id}/reveal",
	"/api/audit/verify", "/api/openapi.json",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[4096], id[64], back[4200];

	fuzz_begin();
	if (size >= sizeof path)
		size = sizeof path - 1;
	memcpy(path, data, size);
	path[size] = '\0';
	for (size_t i = 0; i < sizeof patterns / sizeof *patterns; i++) {
		const char *p = patterns[i], *brace;
		if (!route_match(p, path, id, sizeof id))
			continue;
		for (const char *c = id; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
				abort();
		if ((brace = strstr(p, "{id}"))) {
			if (!id[0])
				abort();
			snprintf(back, sizeof back, "%.*s%s%s", (int)(brace - p), p, id, brace + 4);
		} else {
			snprintf(back, sizeof back, "%s", p);
		}
		if (strcmp(back, path) != 0)
			abort();
	}
	fuzz_end();
	return 0;
}
