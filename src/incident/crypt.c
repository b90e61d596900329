/* crypt.c - incident text sealed in the vault box (src/vault/vault_box.h):
 * the one vault-level key for secrets that belong to the vault rather than
 * to a client, wrapped under the vault key, re-wrapped by a vault-key
 * rotation.  The label binds each text to its incident and kind, so a
 * sealed note cannot be moved to another incident or field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "incident/incident_int.h"
#include "vault/vault_box.h"

static void label_of(char out[96], int64_t incident, const char *kind)
{
	snprintf(out, 96, "incident:%lld:%.60s", (long long)incident, kind);
}

int incident_seal(unsigned char **out, size_t *outlen, fort_vault *v, int64_t incident, const char *kind, const char *text)
{
	char label[96];
	label_of(label, incident, kind);
	return vault_box_seal(out, outlen, v, label, text, strlen(text));
}

int incident_open(char **out, fort_vault *v, int64_t incident, const char *kind, const void *ct, size_t len)
{
	char label[96];
	size_t n;
	int r;
	label_of(label, incident, kind);
	if ((r = vault_box_open(out, &n, v, label, ct, len)) == FORT_ETAMPER || r == FORT_ECORRUPT)
		return fort_error_set(r, "incident %lld: a %s note does not decrypt: it was altered outside Fortress", (long long)incident,
				      kind);
	return r;
}
