/* idxmac.c - the index entries' MACs (issue 16; store.h,
 * store_index_mac_keys).
 *
 * Each blind-index row carries a MAC under a key derived from the vault key
 * (keys_index_mac_key), so that a find checks the row it found instead of
 * looking up its seal.  The keys live in the store handle: the current
 * vault key's, and during a rotation of the vault key the older versions'
 * too (rows written before the rotation); vault_index_keys hands them over
 * whenever the handle's keys change (map_derive_keys calls it).
 *
 * Rows written before schema 15 (or without the key) have no MAC: they are
 * checked against their seals as before, and get their MAC at the first
 * unlock (vault_index_mac_upgrade), in batches, each its own transaction,
 * every row checked against its seal first (a row changed outside
 * Fortress is not blessed: the upgrade stops, the find refuses it).  Then
 * the meta key "index_mac" says none is left, so later unlocks do not scan
 * (an unsealed hint: deleted, the next unlock scans again and finds
 * nothing to do; a row without a MAC is still checked by its seal).  Its
 * value "2": the PostgreSQL backend wrote no MACs before it (issue 19)
 * but its vaults got the hint "1" all the same, so "1" (any other value)
 * scans once more: a SQLite vault finds nothing to do, a PostgreSQL one
 * gets its MACs. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "vault/vault_int.h"

#define IDXMAC_VALUE "2"
#define IDXMAC_BATCH 2000

int vault_index_keys(fort_vault *v)
{
	unsigned char *keys;
	size_t n = 0;
	int r;
	if (!v->kr || !v->kr->has_vk)
		return store_index_mac_keys(v->st, NULL, 0);
	if (!(keys = sodium_allocarray(1 + KEY_OLD_MAX, INDEX_MAC_KEY_LEN)))
		return fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys");
	if ((r = keys_index_mac_key(keys, v->kr, 0)) < 0)
		goto out;
	n = 1;
	/* older vault-key versions kept while a rotation runs: rows not yet
	 * re-MAC'd are still good */
	for (int i = 0; i < v->kr->nold; i++)
		if (v->kr->old[i].slot == SLOT_VK && (r = keys_index_mac_key(keys + n * INDEX_MAC_KEY_LEN, v->kr, v->kr->old[i].version)) == 0)
			n++;
	r = store_index_mac_keys(v->st, keys, n);
out:
	sodium_free(keys); /* wipes */
	return r;
}

int vault_index_mac_mark(fort_vault *v)
{
	return store_meta_put(v->st, "index_mac", IDXMAC_VALUE, strlen(IDXMAC_VALUE));
}

int vault_index_mac_upgrade(fort_vault *v, uint64_t *done)
{
	unsigned char cursor[STORE_IMAC_CURSOR] = { 0 }, *val = NULL;
	size_t len = 0;
	int r, more = 1;
	*done = 0;
	if (!v->kr)
		return 0;
	if ((r = store_meta_get(v->st, "index_mac", &val, &len)) == 0) {
		int current = len == strlen(IDXMAC_VALUE) && memcmp(val, IDXMAC_VALUE, len) == 0;
		free(val);
		if (current)
			return 0;
	} else if (r != FORT_ENOTFOUND) {
		return r;
	}
	fort_error_clear();
	while (more) {
		uint64_t n = 0;
		if ((r = store_begin(v->st)) < 0)
			return r;
		if ((r = store_index_mac_upgrade(v->st, cursor, IDXMAC_BATCH, &n, &more)) < 0 ||
		    (!more && (r = vault_index_mac_mark(v)) < 0) || (r = store_commit(v->st)) < 0) {
			store_rollback(v->st);
			return r;
		}
		*done += n;
	}
	return 0;
}
