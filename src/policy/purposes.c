/* purposes.c - the purposes of the data map: which fields a purpose may
 * use, whether it is declared, whether it rests on consent.  Read-time
 * policy (policy/policy.h). */
#include <string.h>
#include "policy/policy.h"

const map_purpose *map_purpose_find(const fort_map *m, const char *name)
{
	for (size_t i = 0; name && i < m->np; i++)
		if (strcmp(m->p[i].name, name) == 0)
			return &m->p[i];
	return NULL;
}

int map_purpose_consent(const fort_map *m, const char *purpose)
{
	const map_purpose *p = map_purpose_find(m, purpose);
	return p && (strcmp(p->legal_basis, "consent") == 0 || strcmp(p->special_basis, "explicit_consent") == 0);
}

/* 0 if some field of the map names PURPOSE, else FORT_ENOTFOUND "unknown
 * purpose", with the closest purpose if it looks like a typo. */
int map_check_purpose(const fort_map *m, const char *purpose)
{
	const char *names[256], *best;
	size_t n = 0;
	for (size_t i = 0; i < m->n; i++)
		for (size_t k = 0; k < m->f[i].npurposes; k++) {
			size_t j;
			if (strcmp(m->f[i].purposes[k], purpose) == 0)
				return 0;
			for (j = 0; j < n && strcmp(names[j], m->f[i].purposes[k]) != 0; j++)
				;
			if (j == n && n < 256)
				names[n++] = m->f[i].purposes[k];
		}
	best = fort_suggest(purpose, names, n);
	if (best)
		return fort_error_set(FORT_ENOTFOUND, "unknown purpose '%s': did you mean '%s'? ('fortress map show' lists the purposes)", purpose, best);
	return fort_error_set(FORT_ENOTFOUND, "unknown purpose '%s' ('fortress map show' lists the purposes)", purpose);
}

int map_allows(const map_field *f, const char *purpose)
{
	for (size_t i = 0; i < f->npurposes; i++)
		if (strcmp(f->purposes[i], purpose) == 0)
			return 1;
	return 0;
}
