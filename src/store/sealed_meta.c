/* sealed_meta.c - the sealed meta keys (sealed_meta.h).
 *
 * Of meta, what the vault says about itself is sealed (noted by
 * store_meta_put; each is written only in an audited transaction): the
 * data map, the business and owner names printed on documents, the vault's
 * id and creation time, the published notice version, the last verified
 * backup, the mail settings (where letters go, and how), the intake
 * public key (what intake submissions are sealed to), the sites that may
 * frame each intake form (intake_origins: a JSON object), the request policy
 * (request_policy: which kinds need a second identity step), the clients'
 * languages (client_languages: a JSON object), the notices published in
 * other languages than English (notice_published_lang) and the marker that
 * every client record carries its authenticator (record_mac).  The rest is
 * the audit head itself, key material (AEAD), MACs, the seal marker, the
 * rotation state and caches (docs/SECURITY.md). */
#include <stdio.h>
#include <string.h>
#include "store/sealed_meta.h"

static const char *const sealed_keys[] = { "map", "business", "owner", "vault_id", "created", "notice_published",
					   "backup_verified", "mail.settings", "intake_pk", "record_mac", "intake_origins",
					   "request_policy", "client_languages", "notice_published_lang" };

int store_meta_key_sealed(const char *key)
{
	for (size_t i = 0; i < sizeof sealed_keys / sizeof sealed_keys[0]; i++)
		if (strcmp(key, sealed_keys[i]) == 0)
			return 1;
	return 0;
}

size_t store_meta_sealed_sql(char *buf, size_t cap)
{
	size_t n = 0;
	if (cap)
		buf[0] = '\0';
	for (size_t i = 0; i < sizeof sealed_keys / sizeof sealed_keys[0]; i++) {
		int k = snprintf(buf + n, cap - n, "%s'%s'", i ? ", " : "", sealed_keys[i]);
		if (k < 0 || (size_t)k >= cap - n) {
			if (cap)
				buf[0] = '\0';
			return 0;
		}
		n += (size_t)k;
	}
	return n;
}
