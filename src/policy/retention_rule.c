/* retention_rule.c - the parser of a purpose's structured retention rule
 * (rights/retention.c applies the rules; the format is described there):
 *
 *   "retention_rule": {"years": 2, "months": 0, "days": 0,
 *                      "after": "updated", "reason": "..."}
 */
#include <string.h>
#include <jansson.h>
#include "policy/policy.h"

/* ------------------------------------------------------------ the rule */

static int valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 40 || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

int retention_after_valid(const char *a)
{
	if (strcmp(a, "created") == 0 || strcmp(a, "updated") == 0 || strcmp(a, "consent_withdrawn") == 0)
		return 1;
	return strncmp(a, "field:", 6) == 0 && valid_name(a + 6);
}

#define RULE_SHAPE                                                                                                       \
	"'retention_rule' is {\"years\": N, \"months\": N, \"days\": N (at least one above 0), \"after\": \"created\" | "  \
	"\"updated\" | \"consent_withdrawn\" | \"field:NAME\", \"reason\": the legal reason}"

int retention_rule_parse(map_retention *out, const void *jv, const char *purpose)
{
	json_t *j = (json_t *)jv, *a, *why;
	static const char *const units[] = { "years", "months", "days" };
	static const int max[] = { 100, 1200, 36600 };
	int val[3] = { 0, 0, 0 };
	memset(out, 0, sizeof *out);
	if (!j || json_is_null(j))
		return 0;
	if (!json_is_object(j))
		return fort_error_set(FORT_EINPUT, "map: purpose '%s': " RULE_SHAPE, purpose);
	for (int k = 0; k < 3; k++) {
		json_t *x = json_object_get(j, units[k]);
		if (x && (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) > max[k]))
			return fort_error_set(FORT_EINPUT, "map: purpose '%s': retention_rule '%s' must be a number from 0 to %d", purpose,
					      units[k], max[k]);
		val[k] = x ? (int)json_integer_value(x) : 0;
	}
	if (!val[0] && !val[1] && !val[2])
		return fort_error_set(FORT_EINPUT, "map: purpose '%s': retention_rule needs a duration: years, months or days above 0",
				      purpose);
	a = json_object_get(j, "after");
	if (!json_is_string(a) || !retention_after_valid(json_string_value(a)))
		return fort_error_set(FORT_EINPUT, "map: purpose '%s': retention_rule 'after' must be created, updated, "
				      "consent_withdrawn or field:NAME (a date field)", purpose);
	why = json_object_get(j, "reason");
	if (!json_is_string(why) || !json_string_value(why)[0] || strlen(json_string_value(why)) >= sizeof out->reason ||
	    !fort_utf8_valid(json_string_value(why), strlen(json_string_value(why))))
		return fort_error_set(FORT_EINPUT, "map: purpose '%s': retention_rule needs a 'reason' (the law or the reason, "
				      "UTF-8, at most %zu bytes)", purpose, sizeof out->reason - 1);
	out->set = 1;
	out->years = val[0];
	out->months = val[1];
	out->days = val[2];
	snprintf(out->after, sizeof out->after, "%s", json_string_value(a));
	snprintf(out->reason, sizeof out->reason, "%s", json_string_value(why));
	return 0;
}
