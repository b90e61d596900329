/* request_policy.c - how the business handles requests (issue 18 item 3):
 * the kinds whose requests need a second identity step (Art. 12(6)) beyond
 * the one-time e-mail link of the self-service page.
 *
 * One sealed vault detail, meta "request_policy" (sealed_meta.c): JSON
 * {"second_step": "access,erasure"} with the kinds in the canonical order.
 * Written only in an audited transaction; changed or deleted in the file
 * it is caught when read (the meta seals), so the second step cannot be
 * switched off unnoticed. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "vault/vault_int.h"
#include "vault/op.h"
#include "rights/rights.h"

#define POLICY_KEY "request_policy"

static const char *const kinds[] = { "access", "portability", "rectification", "erasure", "objection", "restriction" };
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* LIST ("access, erasure", "none" or "") as a mask of kinds[]; FORT_EINPUT naming the bad one. */
static int parse_kinds(unsigned *mask, const char *list)
{
	const char *p = list ? list : "";
	*mask = 0;
	while (*p == ' ')
		p++;
	if (strcmp(p, "none") == 0)
		return 0;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p), i;
		while (n && p[n - 1] == ' ')
			n--;
		for (i = 0; i < NKINDS; i++)
			if (n && strlen(kinds[i]) == n && strncmp(p, kinds[i], n) == 0)
				break;
		if (n && i == NKINDS)
			return fort_error_set(FORT_EINPUT, "'%.*s' is not a request kind: give some of access, portability, "
					      "rectification, erasure, objection, restriction (comma-separated), or none",
					      (int)(n > 40 ? 40 : n), p);
		if (n)
			*mask |= 1u << i;
		if (!e)
			break;
		p = e + 1;
		while (*p == ' ')
			p++;
	}
	return 0;
}

static void format_kinds(char *out, size_t cap, unsigned mask)
{
	size_t k = 0;
	out[0] = '\0';
	for (size_t i = 0; i < NKINDS; i++)
		if (mask & 1u << i) {
			int w = snprintf(out + k, cap - k, "%s%s", k ? "," : "", kinds[i]);
			if (w < 0 || (size_t)w >= cap - k)
				return;
			k += (size_t)w;
		}
}

static int second_step_load(unsigned *mask, fort_vault *v)
{
	unsigned char *val = NULL;
	size_t len = 0;
	json_t *j;
	int r;
	*mask = 0;
	r = store_meta_get(v->st, POLICY_KEY, &val, &len);
	if (r == FORT_ENOTFOUND) {
		/* none set, or deleted: a deleted sealed row leaves its seal */
		fort_error_clear();
		return store_seal_require(v->st, "meta");
	}
	if (r < 0)
		return r;
	j = json_loadb((const char *)val, len, 0, NULL);
	free(val);
	r = j && json_is_string(json_object_get(j, "second_step")) ? parse_kinds(mask, json_string_value(json_object_get(j, "second_step")))
								    : -1;
	json_decref(j);
	if (r < 0) {
		fort_error_clear();
		return fort_error_set(FORT_ETAMPER, "the request policy (meta 'request_policy') is damaged: the vault was altered; "
				      "restore it from a backup");
	}
	return 0;
}

int fort_request_policy_get(fort_request_policy *out, fort_vault *v)
{
	unsigned mask = 0;
	int r;
	memset(out, 0, sizeof *out);
	if ((r = vault_need(v, ACT_READ, "request-policy", NULL)) < 0 || (r = second_step_load(&mask, v)) < 0)
		return r;
	format_kinds(out->second_step, sizeof out->second_step, mask);
	return 0;
}

int request_second_step(int *needed, fort_vault *v, const char *kind)
{
	unsigned mask = 0;
	int r;
	*needed = 0;
	if ((r = second_step_load(&mask, v)) < 0)
		return r;
	for (size_t i = 0; kind && i < NKINDS; i++)
		if (strcmp(kind, kinds[i]) == 0)
			*needed = !!(mask & 1u << i);
	return 0;
}

struct policy_in {
	const char *list;
	unsigned mask;
	char text[128];
};

static int policy_check(fort_vault *v, void *ctx)
{
	struct policy_in *x = ctx;
	int r;
	(void)v;
	if ((r = parse_kinds(&x->mask, x->list)) < 0)
		return r;
	format_kinds(x->text, sizeof x->text, x->mask);
	return 0;
}

static int policy_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct policy_in *x = ctx;
	json_t *j = json_pack("{s:s}", "second_step", x->text);
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int r;
	json_decref(j);
	if (!text)
		return fort_error_set(FORT_ENOMEM, "out of memory");
	snprintf(detail, cap, "a second identity step for requests: %s", x->text[0] ? x->text : "none");
	r = store_meta_put(v->st, POLICY_KEY, text, strlen(text));
	free(text);
	return r;
}

int fort_request_policy_set(fort_vault *v, const char *second_step)
{
	static const vault_op op = { "request-policy", ACT_MAP, policy_check, policy_write, NULL, NULL, NULL, NULL };
	struct policy_in x;
	memset(&x, 0, sizeof x);
	x.list = second_step;
	return vault_op_run(v, &op, NULL, &x);
}
