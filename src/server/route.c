/* route.c - matching a request path against a route pattern.  The path is
 * what libmicrohttpd hands over (percent-decoded, without the query).
 * Only exact segments match: no "..", no empty segments, no trailing '/',
 * and an {id} segment takes letters, digits, '-' and '_' only, so nothing
 * a path could smuggle reaches a handler. */
#include <string.h>
#include "server/server.h"

static int id_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

int route_match(const char *pattern, const char *path, char *id, size_t idcap)
{
	const char *p = pattern, *s = path;
	if (id && idcap)
		id[0] = '\0';
	while (*p) {
		/* every pattern is matched against every request until one
		 * fits: the '{' first, not a strncmp at each character */
		if (*p == '{' && strncmp(p, "{id}", 4) == 0) {
			size_t n = 0;
			while (s[n] && s[n] != '/') {
				if (!id_char(s[n]))
					return 0;
				n++;
			}
			if (n == 0 || !id || n >= idcap)
				return 0;
			memcpy(id, s, n);
			id[n] = '\0';
			s += n;
			p += 4;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return *s == '\0';
}
