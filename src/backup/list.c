/* list.c - the backups written from this vault, from the exports record
 * (every backup is recorded there with its host, destination, SHA-256 and
 * the clients in it, in the transaction of its audit entry): what `fortress
 * serve` lists, and what an incident's scope can name. */
#include <stdlib.h>
#include <string.h>
#include "vault/vault_int.h"

struct list_ctx {
	fort_backup_record *a;
	size_t n, cap;
};

static int list_cb(void *ctx, const store_export *e)
{
	struct list_ctx *l = ctx;
	fort_backup_record *b;
	if (FORT_ARRAY_GROW(l->a, l->n + 1, l->cap, 16) < 0)
		return FORT_ENOMEM;
	b = &l->a[l->n++];
	memset(b, 0, sizeof *b);
	b->id = e->id;
	b->ts = e->ts;
	snprintf(b->actor, sizeof b->actor, "%s", e->actor ? e->actor : "");
	snprintf(b->device, sizeof b->device, "%s", e->device ? e->device : "");
	snprintf(b->destination, sizeof b->destination, "%s", e->destination ? e->destination : "");
	snprintf(b->sha256, sizeof b->sha256, "%s", e->sha256 ? e->sha256 : "");
	b->clients = e->clients;
	return 0;
}

int fort_backup_list(fort_backup_record **out, size_t *n, fort_vault *v)
{
	store_export_filter f;
	struct list_ctx l = { NULL, 0, 0 };
	int r;
	*out = NULL;
	*n = 0;
	if ((r = vault_need(v, ACT_READ, "backup-list", NULL)) < 0)
		return r;
	memset(&f, 0, sizeof f);
	f.kind = "backup";
	if ((r = store_export_each(v->st, &f, list_cb, &l)) < 0) {
		free(l.a);
		return r;
	}
	*out = l.a;
	*n = l.n;
	return 0;
}
