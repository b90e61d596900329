/* places.c - ISO 3166 names and codes from the embedded data/places.csv. */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include "util.h"
#include "data/tables.h"
#include "data/places.h"

/* IN without surrounding spaces, in BUF (at most CAP-1 bytes); 0, or -1
 * when empty or too long. */
static int trimmed(char *buf, size_t cap, const char *in)
{
	size_t n;
	if (!in)
		return -1;
	while (*in == ' ' || *in == '\t')
		in++;
	n = strlen(in);
	while (n && (in[n - 1] == ' ' || in[n - 1] == '\t'))
		n--;
	if (!n || n >= cap)
		return -1;
	memcpy(buf, in, n);
	buf[n] = '\0';
	return 0;
}

static int table(const data_table **t, int *cc, int *ck, int *cn)
{
	int r;
	if ((r = data_table_get(t, "places")) < 0)
		return r;
	*cc = data_table_col(*t, "code");
	*ck = data_table_col(*t, "kind");
	*cn = data_table_col(*t, "name");
	if (*cc < 0 || *ck < 0 || *cn < 0)
		return fort_error_set(FORT_ECORRUPT, "data/places.csv lacks a column (code, kind, name)");
	return 0;
}

int place_country(char out[3], const char *in)
{
	const data_table *t;
	char v[128];
	int r, cc, ck, cn;
	out[0] = '\0';
	if (trimmed(v, sizeof v, in) < 0)
		return fort_error_set(FORT_EINPUT, "'%.64s' is not a country: give its ISO 3166 code (DE, US, GB...) or its "
				      "English name", in ? in : "");
	if ((r = table(&t, &cc, &ck, &cn)) < 0)
		return r;
	for (size_t i = 0; i < t->nrows; i++)
		if (strcmp(data_table_cell(t, i, ck), "country") == 0 && strcasecmp(data_table_cell(t, i, cn), v) == 0) {
			memcpy(out, data_table_cell(t, i, cc), 2);
			out[2] = '\0';
			return 0;
		}
	return fort_error_set(FORT_EINPUT, "'%.64s' is not a country Fortress knows: give its ISO 3166 code (DE, US, GB...) "
			      "or its English name", v);
}

int place_subdivision(char out[8], const char *country, const char *in)
{
	const data_table *t;
	char v[128], found[8] = "";
	int r, cc, ck, cn, many = 0;
	out[0] = '\0';
	if (trimmed(v, sizeof v, in) < 0)
		return fort_error_set(FORT_EINPUT, "'%.64s' is not a state or region: give its ISO 3166-2 code (US-CA, DE-BY...) "
				      "or its name", in ? in : "");
	if ((r = table(&t, &cc, &ck, &cn)) < 0)
		return r;
	for (size_t i = 0; i < t->nrows; i++) {
		const char *code = data_table_cell(t, i, cc);
		if (strcmp(data_table_cell(t, i, ck), "subdivision") != 0)
			continue;
		if (country && country[0] && strncmp(code, country, 2) != 0)
			continue;
		if (strcasecmp(code, v) != 0 && strcasecmp(data_table_cell(t, i, cn), v) != 0)
			continue;
		if (found[0] && strcmp(found, code) != 0)
			many = 1;
		snprintf(found, sizeof found, "%s", code);
	}
	if (many)
		return fort_error_set(FORT_EINPUT, "'%s' names a region of more than one country: give its ISO 3166-2 code "
				      "(US-CA, DE-BY...)", v);
	if (!found[0])
		return fort_error_set(FORT_EINPUT, "'%.64s' is not a %s%sstate or region Fortress knows: give its ISO 3166-2 code "
				      "(US-CA, DE-BY...) or its name", v, country && country[0] ? country : "",
				      country && country[0] ? " " : "");
	memcpy(out, found, strlen(found) + 1);
	return 0;
}

int place_has_subdivisions(const char *country)
{
	const data_table *t;
	int cc, ck, cn;
	if (!country || strlen(country) != 2 || table(&t, &cc, &ck, &cn) < 0) {
		fort_error_clear();
		return 0;
	}
	for (size_t i = 0; i < t->nrows; i++) {
		const char *code = data_table_cell(t, i, cc);
		if (code[2] == '-' && strncmp(code, country, 2) == 0)
			return 1;
	}
	return 0;
}
