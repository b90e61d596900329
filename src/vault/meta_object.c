/* meta_object.c - a sealed vault detail kept as one JSON object (the
 * clients' languages, the notices published per language, the intake
 * forms' origin lists): read whole, or refused as tampering. */
#include <stdlib.h>
#include <jansson.h>
#include "vault/vault_int.h"

int vault_meta_object(json_t **out, fort_vault *v, const char *key, const char *what)
{
	unsigned char *val = NULL;
	size_t len = 0;
	int r = store_meta_get(v->st, key, &val, &len);
	*out = NULL;
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		return (*out = json_object()) ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
	}
	if (r < 0)
		return r;
	*out = json_loadb((const char *)val, len, 0, NULL);
	free(val);
	if (!*out || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return fort_error_set(FORT_ETAMPER, "%s are damaged: the vault was altered; restore it from a backup", what);
	}
	return 0;
}
