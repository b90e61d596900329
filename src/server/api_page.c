/* api_page.c - what the newer handlers share: the page size (?limit=), a
 * number in the route's {id}, and a body's optional string fields. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "server/server.h"

int api_page_limit(request *req, size_t *limit)
{
	const char *lim = http_query(req, "limit");
	char *end;
	unsigned long long l;

	*limit = API_PAGE_DEFAULT;
	if (!lim)
		return 0;
	errno = 0;
	l = strtoull(lim, &end, 10);
	if (!*lim || *end || errno || l == 0 || l > API_PAGE_MAX)
		return fort_error_set(FORT_EINPUT, "limit must be a number from 1 to %d", API_PAGE_MAX);
	*limit = (size_t)l;
	return 0;
}

int api_id_number(request *req, int64_t *out, const char *what, const char *list_route)
{
	char hint[160];
	snprintf(hint, sizeof hint, "GET %s lists them", list_route);
	return http_id_number(out, req->id, FORT_EINPUT, what, hint);
}

int api_body_check(request *req, const char *const *known, const char *what)
{
	const char *key;
	json_t *val;

	json_object_foreach(req->body, key, val) {
		size_t k = 0;
		while (known[k] && strcmp(known[k], key) != 0)
			k++;
		if (!known[k]) {
			char list[256] = "";
			for (k = 0; known[k]; k++) {
				size_t n = strlen(list);
				snprintf(list + n, sizeof list - n, "%s\"%s\"", k ? ", " : "", known[k]);
			}
			return fort_error_set(FORT_EINPUT, "unknown field \"%s\": %s takes %s", key, what, list[0] ? list : "no fields");
		}
		if (!json_is_string(val) && !json_is_boolean(val) && !json_is_integer(val) && !json_is_object(val) && !json_is_array(val))
			return fort_error_set(FORT_EINPUT, "field \"%s\" must not be null", key);
	}
	return 0;
}

int api_body_str(request *req, const char *name, const char **out, int required)
{
	json_t *v = json_object_get(req->body, name);

	*out = NULL;
	if (!v) {
		if (required)
			return fort_error_set(FORT_EINPUT, "\"%s\" is required", name);
		return 0;
	}
	if (!json_is_string(v))
		return fort_error_set(FORT_EINPUT, "\"%s\" must be a string", name);
	if (required && !*json_string_value(v))
		return fort_error_set(FORT_EINPUT, "\"%s\" must not be empty", name);
	*out = json_string_value(v);
	return 0;
}

int api_body_bool(request *req, const char *name, int *out, int dflt)
{
	json_t *v = json_object_get(req->body, name);

	*out = dflt;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return fort_error_set(FORT_EINPUT, "\"%s\" must be true or false", name);
	*out = json_is_true(v);
	return 0;
}

int api_query_bool(request *req, const char *name, int *out)
{
	const char *q = http_query(req, name);

	*out = 0;
	if (!q)
		return 0;
	if (strcmp(q, "1") == 0 || strcmp(q, "true") == 0 || !*q)
		*out = 1;
	else if (strcmp(q, "0") != 0 && strcmp(q, "false") != 0)
		return fort_error_set(FORT_EINPUT, "%s must be true or false", name);
	return 0;
}
