/* ignore.c - .fortressignore: gitignore syntax.  Blank lines and '#'
 * comments are skipped; "!pat" re-includes; "dir/" matches directories
 * only; a pattern with a '/' (other than a trailing one) is anchored to the
 * directory of its file ("/build", "docs/NAME.txt"), one without matches the
 * name at any depth ("*.log"); '*' and '?' do not cross '/', "[a-z]" is a
 * class, a double star crosses directories (leading, as a middle
 * segment, or trailing).
 * The last matching pattern decides. */
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "scan/scan_int.h"

struct pat {
	char *glob;
	int negate, dir_only, anchored;
};

struct scan_ignore {
	char *base;              /* directory of the ignore file, relative to the root ("" = root) */
	struct pat *p;
	size_t n;
};

static int class_match(const char **pp, char c)
{
	const char *p = *pp + 1;
	int neg = 0, ok = 0;

	if (*p == '!' || *p == '^') {
		neg = 1;
		p++;
	}
	if (*p == ']') {
		ok = c == ']';
		p++;
	}
	while (*p && *p != ']') {
		if (p[1] == '-' && p[2] && p[2] != ']') {
			if ((unsigned char)c >= (unsigned char)p[0] && (unsigned char)c <= (unsigned char)p[2])
				ok = 1;
			p += 3;
		} else {
			if (*p == c)
				ok = 1;
			p++;
		}
	}
	if (*p != ']')
		return -1;   /* unterminated: a literal '[' */
	*pp = p + 1;
	return ok != neg;
}

int scan_glob(const char *p, const char *s)
{
	for (;;) {
		if (*p == '\0')
			return *s == '\0';
		if (p[0] == '*' && p[1] == '*' && (p[2] == '/' || p[2] == '\0')) {
			if (p[2] == '\0')
				return 1;
			/* a double star and a slash: zero or more whole directories */
			if (scan_glob(p + 3, s))
				return 1;
			for (; *s; s++)
				if (*s == '/' && scan_glob(p + 3, s + 1))
					return 1;
			return 0;
		}
		if (*p == '*') {
			while (*p == '*')
				p++;
			for (;; s++) {
				if (scan_glob(p, s))
					return 1;
				if (!*s || *s == '/')
					return 0;
			}
		}
		if (!*s)
			return 0;
		if (*p == '?') {
			if (*s == '/')
				return 0;
			p++;
			s++;
			continue;
		}
		if (*p == '[') {
			const char *q = p;
			int m = class_match(&q, *s);

			if (m >= 0) {
				if (!m || *s == '/')
					return 0;
				p = q;
				s++;
				continue;
			}
		}
		if (*p == '\\' && p[1])
			p++;
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
}

int scan_ignore_parse(scan_ignore **out, const char *base, const char *text, size_t len)
{
	scan_ignore *ig;
	size_t i = 0, cap = 0;
	int r = FORT_ENOMEM;

	*out = NULL;
	if (!(ig = fort_calloc(1, sizeof(*ig))) || !(ig->base = fort_strdup(base ? base : "")))
		goto fail;
	while (i < len) {
		size_t s = i, e, k;
		struct pat p;
		char *g;

		while (i < len && text[i] != '\n')
			i++;
		e = i++;
		if (e > s && text[e - 1] == '\r')
			e--;
		/* trailing spaces go unless escaped */
		while (e > s && text[e - 1] == ' ' && !(e - 1 > s && text[e - 2] == '\\'))
			e--;
		if (e == s || text[s] == '#')
			continue;
		memset(&p, 0, sizeof(p));
		if (text[s] == '!') {
			p.negate = 1;
			s++;
		} else if (text[s] == '\\' && s + 1 < e && (text[s + 1] == '!' || text[s + 1] == '#')) {
			s++;
		}
		if (e > s && text[e - 1] == '/') {
			p.dir_only = 1;
			e--;
		}
		if (e == s)
			continue;
		for (k = s; k < e; k++)
			if (text[k] == '/')
				p.anchored = 1;
		if (text[s] == '/')
			s++;
		if (!(g = fort_strndup(text + s, e - s)))
			goto fail;
		p.glob = g;
		if (ig->n == cap) {
			struct pat *np;

			cap = cap ? cap * 2 : 16;
			if (!(np = fort_realloc(ig->p, cap * sizeof(*np)))) {
				free(g);
				goto fail;
			}
			ig->p = np;
		}
		ig->p[ig->n++] = p;
	}
	*out = ig;
	return 0;
fail:
	scan_ignore_free(ig);
	return r;
}

int scan_ignore_match(const scan_ignore *ig, const char *path, int is_dir)
{
	const char *rel = path, *name;
	size_t bl = strlen(ig->base), i;
	int d = -1;

	if (bl) {
		if (strncmp(path, ig->base, bl) != 0 || path[bl] != '/')
			return -1;
		rel = path + bl + 1;
	}
	name = strrchr(rel, '/');
	name = name ? name + 1 : rel;
	for (i = 0; i < ig->n; i++) {
		const struct pat *p = &ig->p[i];

		if (p->dir_only && !is_dir)
			continue;
		if (scan_glob(p->glob, p->anchored ? rel : name))
			d = p->negate ? 0 : 1;
	}
	return d;
}

void scan_ignore_free(scan_ignore *ig)
{
	size_t i;

	if (!ig)
		return;
	for (i = 0; i < ig->n; i++)
		free(ig->p[i].glob);
	free(ig->p);
	free(ig->base);
	free(ig);
}
