/* ignore.c - .fortressignore: gitignore syntax.  Blank lines and '#'
 * comments are skipped; "!pat" re-includes; "dir/" matches directories
 * only; a pattern with a '/' (other than a trailing one) is anchored to the
 * directory of its file ("/build", "docs/NAME.txt"), one without matches the
 * name at any depth ("*.log"); '*' and '?' do not cross '/', "[a-z]" is a
 * class, a double star crosses directories when it is a whole segment
 * (leading, middle or trailing; elsewhere it is a '*').
 * The last matching pattern decides.  Any folder being scanned can carry an
 * ignore file, so the matcher must not blow up on hostile patterns
 * ("*a*a*a*a*a*a*a*a*a*a*a*a*b" took minutes with the recursive matcher):
 * it is iterative and backtracks to the last star only, so one match costs
 * at most about strlen(pattern) * strlen(path) steps. */
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

/* A "[...]" class at P (before PE) against C: 1 match, 0 no match, -1
 * unterminated (then '[' is a literal).  *PP moves past the ']'. */
static int class_match(const char **pp, const char *pe, char c)
{
	const char *p = *pp + 1;
	int neg = 0, ok = 0;

	if (p < pe && (*p == '!' || *p == '^')) {
		neg = 1;
		p++;
	}
	if (p < pe && *p == ']') {
		ok = c == ']';
		p++;
	}
	while (p < pe && *p != ']') {
		if (pe - p >= 3 && p[1] == '-' && p[2] != ']') {
			if ((unsigned char)c >= (unsigned char)p[0] && (unsigned char)c <= (unsigned char)p[2])
				ok = 1;
			p += 3;
		} else {
			if (*p == c)
				ok = 1;
			p++;
		}
	}
	if (p >= pe)
		return -1;
	*pp = p + 1;
	return ok != neg;
}

/* The end of the pattern segment starting at P (a '/', which no class
 * matches, or the end); *NEXT is where the next segment starts, NULL after the last.
 * An escaped slash ("\/") is a separator too. */
static const char *pseg_end(const char *p, const char **next)
{
	while (*p && *p != '/') {
		if (*p == '\\' && p[1] == '/') {
			*next = p + 2;
			return p;
		}
		if (*p == '\\' && p[1]) {
			p += 2;
			continue;
		}
		p++;
	}
	*next = *p ? p + 1 : NULL;
	return p;
}

static const char *sseg_end(const char *s, const char **next)
{
	const char *e = strchr(s, '/');
	if (!e) {
		e = s + strlen(s);
		*next = NULL;
	} else {
		*next = e + 1;
	}
	return e;
}

/* One pattern segment [P, PE) against one path segment [S, SE) (no '/'
 * in it).  Iterative: on a mismatch only the last '*' is moved on by one
 * character (an earlier star never needs to take more), so the time is at
 * most (PE - P) * (SE - S) steps, whatever the pattern. */
static int seg_match(const char *p, const char *pe, const char *s, const char *se)
{
	const char *star_p = NULL, *star_s = NULL;

	while (s < se) {
		if (p < pe && *p == '*') {
			while (p < pe && *p == '*')
				p++;
			star_p = p;
			star_s = s;
			continue;
		}
		if (p < pe) {
			const char *q = p;
			int m;

			if (*q == '?') {
				m = 1;
				q++;
			} else if (*q == '[' && (m = class_match(&q, pe, *s)) >= 0) {
				/* q is past the class */
			} else {
				if (*q == '\\' && q + 1 < pe)
					q++;
				m = *q == *s;
				q++;
			}
			if (m) {
				p = q;
				s++;
				continue;
			}
		}
		if (!star_p)
			return 0;
		p = star_p;
		s = ++star_s;
	}
	while (p < pe && *p == '*')
		p++;
	return p == pe;
}

/* The whole glob, segment by segment: a segment that is exactly "**"
 * matches zero or more whole path segments (one or more when it is the
 * last one after others: a trailing double star is what is inside the
 * directory before it), any other
 * segment exactly one.  The same last-star-only backtracking as within a
 * segment, one level up, so matching takes at most about
 * strlen(P) * strlen(S) steps: no input makes it exponential. */
int scan_glob(const char *p, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;

	for (;;) {
		const char *pn, *pe, *sn, *se;

		if (!p) {
			if (!s)
				return 1;
			goto mismatch;
		}
		pe = pseg_end(p, &pn);
		if (pe - p == 2 && p[0] == '*' && p[1] == '*') {
			if (!pn) {
				/* trailing: anything left (the whole path for a lone "**") */
				if (s)
					return 1;
				goto mismatch;
			}
			star_p = pn;
			star_s = s;
			p = pn;
			continue;
		}
		if (!s)
			goto mismatch;
		se = sseg_end(s, &sn);
		if (seg_match(p, pe, s, se)) {
			p = pn;
			s = sn;
			continue;
		}
mismatch:
		if (!star_p || !star_s)
			return 0;
		/* the last "**" takes one more segment */
		sseg_end(star_s, &star_s);
		p = star_p;
		s = star_s;
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
		if (FORT_ARRAY_GROW(ig->p, ig->n + 1, cap, 16) < 0) {
			free(g);
			goto fail;
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
