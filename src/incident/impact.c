/* impact.c - whom an incident touched: the clients and data categories in
 * its scopes, read from the audit log (reveals by a user in a time window)
 * and the exports record (which clients went into which export or backup
 * file, on which device), with counts per category and jurisdiction and
 * whether every affected copy was encrypted under a key not compromised. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "incident/incident_int.h"
#include "vault/op.h"
#include "data/places.h"

static const char *const eea[] = { "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
				   "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO" };

/* "EU" for the EEA, "UK" for GB, "US-CA" (or "US") for the US, else the country. */
void incident_jurisdiction(char out[16], const char *country, const char *state)
{
	if (strcmp(country, "??") == 0 || (state && strcmp(state, "??") == 0)) {
		snprintf(out, 16, "UNKNOWN");
		return;
	}
	for (size_t i = 0; i < sizeof eea / sizeof eea[0]; i++)
		if (strcmp(country, eea[i]) == 0) {
			snprintf(out, 16, "EU");
			return;
		}
	if (strcmp(country, "GB") == 0 || strcmp(country, "UK") == 0)
		snprintf(out, 16, "UK");
	else if (strcmp(country, "US") == 0)
		snprintf(out, 16, state && strlen(state) == 2 ? "US-%s" : "US", state);
	else
		snprintf(out, 16, "%s", country);
}

/* ---------------------------------------------------------------- scopes */

static int absolute(char *out, size_t cap, const char *path)
{
	char cwd[4096];
	if (path[0] == '/' || strcmp(path, "-") == 0) {
		snprintf(out, cap, "%s", path);
		return 0;
	}
	if (!getcwd(cwd, sizeof cwd))
		return fort_error_set(FORT_EIO, "cannot tell the current directory");
	snprintf(out, cap, "%s/%s", cwd, path);
	return 0;
}

/* The export or backup record of the file at PATH: by its SHA-256 when the
 * file is still there, else by the path it was written to. */
static int find_file(int64_t *xid, fort_vault *v, const char *path, const char *kind)
{
	char sha[65] = "", abs[4200];
	int r;
	*xid = 0;
	if ((r = exports_hash_path(sha, path)) < 0 && r != FORT_ENOTFOUND)
		return r;
	fort_error_clear();
	if (sha[0] && (r = store_export_find_hash(v->st, kind, sha, xid)) < 0)
		return r;
	if (!*xid) {
		if ((r = absolute(abs, sizeof abs, path)) < 0 || (r = store_export_find_destination(v->st, kind, abs, path, xid)) < 0)
			return r;
	}
	if (!*xid)
		return fort_error_set(FORT_ENOTFOUND, "no %s of this vault was written as '%s'%s: check the file name ('fortress audit log' "
					   "lists the %ss)", kind, path, sha[0] ? " or has its contents" : "", kind);
	return 0;
}

struct scope_in { int64_t id; const fort_incident_scope *s; };

static int scope_check(fort_vault *v, void *ctx)
{
	const fort_incident_scope *s = ((struct scope_in *)ctx)->s;
	int given;
	(void)v;
	if (!s || s->version != FORT_INCIDENT_SCOPE_VERSION)
		return FORT_CHECK_VERSION(s ? s->version : 0, FORT_INCIDENT_SCOPE, fort_incident_scope);
	given = !!s->user + !!s->export_file + !!s->backup_file + !!s->device + !!s->category;
	if (given != 1)
		return fort_error_set(FORT_EINPUT, "give one scope: --user NAME --from T --to T, --export FILE, --backup FILE, --device NAME "
					   "or --category C");
	return 0;
}

/* The scope, checked against the register, the users and the exports
 * record inside the transaction. */
static int scope_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct scope_in *x = ctx;
	const fort_incident_scope *s = x->s;
	const char *kind = NULL, *user = "", *device = "", *category = "";
	int64_t id = x->id, from = 0, to = 0, xid = 0;
	int r;
	if (cap > 300)
		cap = 300;   /* the entry's detail as long as it always was */
	if ((r = incident_need(v, id, 1)) < 0)
		goto fail;
	if (s->user) {
		store_user u;
		kind = "user";
		user = s->user;
		if ((r = store_user_get(v->st, &u, s->user)) < 0) {
			if (r == FORT_ENOTFOUND)
				r = fort_error_set(FORT_ENOTFOUND, "no user '%s' in this vault ('fortress user list' shows them)", s->user);
			goto fail;
		}
		store_user_release(&u);
		if (!s->from || !s->to) {
			r = fort_error_set(FORT_EINPUT, "a user scope needs the time window: --from T --to T");
			goto fail;
		}
		if ((r = incident_time_parse(&from, s->from, "--from")) < 0 || (r = incident_time_parse(&to, s->to, "--to")) < 0)
			goto fail;
		if (strlen(s->to) == 10)
			to += 86399;   /* a date alone: to the end of that day */
		if (to < from) {
			r = fort_error_set(FORT_EINPUT, "--to (%s) is before --from (%s)", s->to, s->from);
			goto fail;
		}
		snprintf(detail, cap, "incident #%lld: user %s %s..%s", (long long)id, s->user, s->from, s->to);
	} else if (s->export_file || s->backup_file) {
		kind = s->export_file ? "export" : "backup";
		if ((r = find_file(&xid, v, s->export_file ? s->export_file : s->backup_file, kind)) < 0)
			goto fail;
		snprintf(detail, cap, "incident #%lld: %s #%lld", (long long)id, kind, (long long)xid);
	} else if (s->device) {
		uint64_t n = 0;
		kind = "device";
		device = s->device;
		if ((r = store_export_count_device(v->st, s->device, &n)) < 0)
			goto fail;
		if (!n) {
			r = fort_error_set(FORT_ENOTFOUND, "no export or backup was recorded on device '%s' (the host name where it was written)",
					   s->device);
			goto fail;
		}
		snprintf(detail, cap, "incident #%lld: device %s", (long long)id, s->device);
	} else {
		kind = "category";
		category = s->category;
		if (cat_index(category) < 0) {
			r = fort_error_set(FORT_EINPUT, "unknown category '%s' (identity, contact, financial, special, notes)", category);
			goto fail;
		}
		snprintf(detail, cap, "incident #%lld: category %s", (long long)id, category);
	}
	{
		store_incident_scope sc = { id, kind, user, from, to, xid, device, category };
		if ((r = store_incident_scope_add(v->st, &sc)) < 0)
			goto fail;
	}
	return 0;
fail:
	return r;
}

int fort_incident_scope_add(fort_vault *v, int64_t id, const fort_incident_scope *s)
{
	static const vault_op op = { "incident-scope", ACT_WRITE, scope_check, scope_write, NULL, NULL, NULL, NULL };
	struct scope_in x = { id, s };
	return vault_op_run(v, &op, NULL, &x);
}

/* ---------------------------------------------------------------- impact */

#define FSET_WORDS 4   /* map field indexes 0..255 */
typedef struct { uint64_t w[FSET_WORDS]; int clear; } fset;   /* CLEAR: seen in clear text */
typedef struct { int64_t cid; uint32_t src; } hit;

struct acc {
	fort_vault *v;
	hit *h;
	size_t n, cap;
	fset *src;
	size_t nsrc, capsrc;
	fort_impact *im;
	/* the user scope being read */
	const char *user;
	int64_t from, to;
};

static int add_src(struct acc *a, const char *fields, int clear, uint32_t *idx)
{
	fset *s;
	if (FORT_ARRAY_GROW(a->src, a->nsrc + 1, a->capsrc, 16) < 0)
		return FORT_ENOMEM;
	s = &a->src[a->nsrc];
	memset(s, 0, sizeof *s);
	s->clear = clear;
	if (fields == NULL) {
		for (size_t i = 0; i < a->v->map.n && i < 64 * FSET_WORDS; i++)
			s->w[i / 64] |= 1ull << (i % 64);
	} else {
		const char *p = fields;
		while (*p) {
			char name[64];
			size_t k = strcspn(p, ",");
			int i;
			snprintf(name, sizeof name, "%.*s", (int)(k < 63 ? k : 63), p);
			if ((i = map_index(&a->v->map, name)) >= 0 && i < 64 * FSET_WORDS)
				s->w[i / 64] |= 1ull << (i % 64);
			p += k;
			if (*p == ',')
				p++;
		}
	}
	*idx = (uint32_t)a->nsrc++;
	return 0;
}

static int add_hit(struct acc *a, int64_t cid, uint32_t src)
{
	if (FORT_ARRAY_GROW(a->h, a->n + 1, a->cap, 256) < 0)
		return FORT_ENOMEM;
	a->h[a->n].cid = cid;
	a->h[a->n].src = src;
	a->n++;
	return 0;
}

/* Reveals by the scope's user in its window: the fields shown in clear. */
static int audit_cb(void *ctx, const store_audit_row *row)
{
	struct acc *a = ctx;
	int64_t cid;
	uint32_t src;
	int r;
	if (row->ts < a->from || row->ts > a->to || strcmp(row->actor, a->user) != 0 || strcmp(row->result, "ok") != 0 ||
	    strcmp(row->action, "reveal") != 0 || !row->client[0] || client_id_parse(&cid, row->client) < 0) {
		fort_error_clear();
		return 0;
	}
	if ((r = add_src(a, row->fields, 1, &src)) < 0 || (r = add_hit(a, cid, src)) < 0)
		return r;
	a->im->reveals++;
	return 0;
}

/* Every client of an export or backup file: a source of the fields it
 * carried (a backup: all of them), clear text unless encrypted. */
static int file_cb(void *ctx, const store_export *e)
{
	struct acc *a = ctx;
	uint32_t src;
	int backup = strcmp(e->kind, "backup") == 0, r;
	if ((r = add_src(a, backup ? NULL : e->fields, !e->encrypted, &src)) < 0)
		return r;
	if (backup)
		a->im->backups++;
	else
		a->im->exports++;
	for (size_t i = 0; i < e->nids; i++)
		if ((r = add_hit(a, e->ids[i], src)) < 0)
			return r;
	return 0;
}

/* Every client of the export or backup files F selects. */
static int add_files(struct acc *a, const store_export_filter *f)
{
	return store_export_each(a->v->st, f, file_cb, a);
}

struct catwalk { struct acc *a; int cat; uint32_t src; };

static int cat_cb(void *ctx, const store_client *c)
{
	struct catwalk *w = ctx;
	rec_iter it;
	rec_field rf;
	int r;
	if ((r = rec_begin(&it, c->data, c->data_len)) < 0)
		return r;
	while ((r = rec_next(&it, &rf)) == 1) {
		int i = map_index_id(&w->a->v->map, rf.id);
		if (i >= 0 && w->a->v->map.f[i].cat == w->cat)
			return add_hit(w->a, c->id, w->src);
	}
	return r < 0 ? r : 0;
}

struct scope { char kind[16], user[128], device[256], category[32]; int64_t from, to, xid; };
struct scopes { struct scope *s; size_t n, cap; };

static int scope_cb(void *ctx, const store_incident_scope *sc)
{
	struct scopes *l = ctx;
	struct scope *s;
	if (FORT_ARRAY_GROW(l->s, l->n + 1, l->cap, 8) < 0)
		return FORT_ENOMEM;
	s = &l->s[l->n++];
	snprintf(s->kind, sizeof s->kind, "%s", sc->kind);
	snprintf(s->user, sizeof s->user, "%s", sc->user);
	s->from = sc->from;
	s->to = sc->to;
	s->xid = sc->export_id;
	snprintf(s->device, sizeof s->device, "%s", sc->device);
	snprintf(s->category, sizeof s->category, "%s", sc->category);
	return 0;
}

static int hit_cmp(const void *x, const void *y)
{
	const hit *a = x, *b = y;
	return a->cid < b->cid ? -1 : a->cid > b->cid;
}

/* The client's country (and US state) from the map's "country" and "state"
 * fields when it has them, else the vault's country. */
static int client_place(char country[3], char state[3], fort_vault *v, client_vals *cv, int64_t cid, int ic, int is)
{
	store_client c;
	int r;
	snprintf(country, 3, "%s", v->country);
	state[0] = '\0';
	if (ic < 0 && is < 0)
		return 0;
	memset(&c, 0, sizeof c);
	if ((r = store_client_get(v->st, &c, cid)) < 0) {
		if (r == FORT_ENOTFOUND) {   /* erased since: no longer held */
			fort_error_clear();
			return 1;
		}
		return r;
	}
	r = client_decrypt(cv, v, &c);
	store_client_release(&c);
	if (r < 0)
		return r;
	/* stored as ISO 3166 codes since they are normalised at input; values
	 * stored before are read the same way, and one that names no known
	 * place is UNKNOWN, never the business's own law by default */
	if (ic >= 0 && cv->vals[ic] && cv->vals[ic][0] && place_country(country, cv->vals[ic]) < 0) {
		fort_error_clear();
		snprintf(country, 3, "??");
	}
	if (is >= 0 && cv->vals[is] && cv->vals[is][0]) {
		char code[8];
		int own = ic >= 0 && cv->vals[ic] && cv->vals[ic][0] && strcmp(country, "??") != 0;
		if (place_subdivision(code, own ? country : NULL, cv->vals[is]) < 0) {
			fort_error_clear();
			snprintf(state, 3, "??");
		} else {
			if (!own)
				memcpy(country, code, 2), country[2] = '\0';
			snprintf(state, 3, "%.2s", code + 3);
		}
	}
	state[2] = '\0';
	cvals_clear(cv);
	return 0;
}

/* Keep only the fields CID holds (an export names every field it could
 * carry; a client without an IBAN had none in the file).  Read from the
 * record's field ids: nothing is decrypted.  An erased client keeps U. */
static int held_fields(fset *u, fort_vault *v, int64_t cid)
{
	store_client c;
	rec_iter it;
	rec_field rf;
	fset held;
	int r;
	memset(&c, 0, sizeof c);
	memset(&held, 0, sizeof held);
	if ((r = store_client_get(v->st, &c, cid)) < 0) {
		if (r == FORT_ENOTFOUND) {
			fort_error_clear();
			return 0;
		}
		return r;
	}
	if ((r = rec_begin(&it, c.data, c.data_len)) == 0) {
		while ((r = rec_next(&it, &rf)) == 1) {
			int i = map_index_id(&v->map, rf.id);
			if (i >= 0 && i < 64 * FSET_WORDS)
				held.w[i / 64] |= 1ull << (i % 64);
		}
	}
	store_client_release(&c);
	if (r < 0)
		return r;
	for (int k = 0; k < FSET_WORDS; k++)
		u->w[k] &= held.w[k];
	return 0;
}

int incident_impact_compute(fort_impact **out, fort_vault *v, int64_t id, int audit)
{
	struct acc a;
	struct scopes sc = { NULL, 0, 0 };
	fort_incident_info in;
	fort_impact *im = NULL;
	client_vals cv;
	int r, ic = map_index(&v->map, "country"), is = map_index(&v->map, "state"), all_protected = 1, cleartext = 0;

	*out = NULL;
	memset(&a, 0, sizeof a);
	memset(&cv, 0, sizeof cv);
	if ((r = incident_info(&in, v, id)) < 0)
		return r;
	/* who is affected is read from the exports record and the scopes */
	if ((r = store_seal_require(v->st, "exports")) < 0 || (r = store_seal_require(v->st, "incident_scope")) < 0)
		return r;
	if (!(im = fort_calloc(1, sizeof *im)))
		return FORT_ENOMEM;
	a.v = v;
	a.im = im;
	if ((r = store_incident_scope_each(v->st, id, scope_cb, &sc)) < 0)
		goto out;
	if (!sc.n) {
		r = fort_error_set(FORT_EINPUT, "incident %lld has no scope yet: say what it touched with 'fortress incident scope %lld "
					   "--user NAME --from T --to T | --export FILE | --backup FILE | --device NAME | --category C'",
				   (long long)id, (long long)id);
		goto out;
	}
	for (size_t i = 0; i < sc.n; i++) {
		struct scope *s = &sc.s[i];
		if (strcmp(s->kind, "user") == 0) {
			store_export_filter f = { 0, NULL, s->user, NULL, s->from, s->to };
			a.user = s->user;
			a.from = s->from;
			a.to = s->to;
			if ((r = store_audit_each(v->st, NULL, audit_cb, &a)) < 0 || (s->user[0] && (r = add_files(&a, &f)) < 0))
				goto out;
		} else if (strcmp(s->kind, "export") == 0 || strcmp(s->kind, "backup") == 0) {
			/* a filter field left 0 or "" matches any row: none here */
			store_export_filter f = { s->xid, NULL, NULL, NULL, 0, 0 };
			if (s->xid > 0 && (r = add_files(&a, &f)) < 0)
				goto out;
		} else if (strcmp(s->kind, "device") == 0) {
			store_export_filter f = { 0, NULL, NULL, s->device, 0, 0 };
			if (s->device[0] && (r = add_files(&a, &f)) < 0)
				goto out;
		} else {
			/* the vault file itself: every field of the category, encrypted at rest */
			struct catwalk w = { &a, cat_index(s->category), 0 };
			fset *f;
			if ((r = add_src(&a, "", 0, &w.src)) < 0)
				goto out;
			f = &a.src[w.src];
			for (size_t k = 0; k < v->map.n && k < 64 * FSET_WORDS; k++)
				if (v->map.f[k].cat == w.cat)
					f->w[k / 64] |= 1ull << (k % 64);
			if ((r = store_client_each(v->st, cat_cb, &w)) < 0)
				goto out;
		}
	}
	if (a.n)
		qsort(a.h, a.n, sizeof *a.h, hit_cmp);
	if ((r = cvals_init(&cv, v)) < 0)
		goto out;
	if (audit && a.n && (ic >= 0 || is >= 0)) {
		/* the clients' places are decrypted below: audited first */
		char detail[96];
		snprintf(detail, sizeof detail, "incident #%lld: where the affected clients live", (long long)id);
		if ((r = audit_record(v, "incident-impact", "", ic >= 0 && is >= 0 ? "country,state" : ic >= 0 ? "country" : "state",
				      "breach-notice", "ok", detail)) < 0)
			goto out;
	}
	for (size_t i = 0; i < a.n;) {
		fset u;
		size_t j = i;
		fort_impact_client *c;
		char country[3], state[3];
		unsigned cats = 0;
		memset(&u, 0, sizeof u);
		for (; j < a.n && a.h[j].cid == a.h[i].cid; j++) {
			for (int k = 0; k < FSET_WORDS; k++)
				u.w[k] |= a.src[a.h[j].src].w[k];
			u.clear |= a.src[a.h[j].src].clear;
		}
		if (u.clear)
			cleartext = 1;
		if ((r = held_fields(&u, v, a.h[i].cid)) < 0)
			goto out;
		if (!(im->nclients % 64)) {
			fort_impact_client *p = fort_realloc(im->clients, (im->nclients + 64) * sizeof *p);
			if (!p) {
				r = FORT_ENOMEM;
				goto out;
			}
			im->clients = p;
		}
		c = &im->clients[im->nclients];
		memset(c, 0, sizeof *c);
		client_id_format(c->id, a.h[i].cid);
		for (size_t k = 0; k < v->map.n && k < 64 * FSET_WORDS; k++)
			if (u.w[k / 64] >> (k % 64) & 1) {
				size_t len = strlen(c->fields);
				snprintf(c->fields + len, sizeof c->fields - len, "%s%s", len ? "," : "", v->map.f[k].name);
				cats |= 1u << v->map.f[k].cat;
			}
		for (int k = 0; k < CAT_COUNT; k++)
			if (cats & (1u << k)) {
				size_t len = strlen(c->categories);
				snprintf(c->categories + len, sizeof c->categories - len, "%s%s", len ? "," : "", fort_categories[k]);
				im->per_category[k]++;
			}
		if ((r = client_place(country, state, v, &cv, a.h[i].cid, ic, is)) < 0)
			goto out;
		snprintf(c->country, sizeof c->country, "%s", country);
		incident_jurisdiction(c->jurisdiction, country, state);
		{
			size_t k;
			for (k = 0; k < im->njurisdictions; k++)
				if (strcmp(im->jurisdictions[k].code, c->jurisdiction) == 0)
					break;
			if (k == im->njurisdictions) {
				void *p = fort_realloc(im->jurisdictions, (k + 1) * sizeof *im->jurisdictions);
				if (!p) {
					r = FORT_ENOMEM;
					goto out;
				}
				im->jurisdictions = p;
				memset(&im->jurisdictions[k], 0, sizeof im->jurisdictions[k]);
				snprintf(im->jurisdictions[k].code, sizeof im->jurisdictions[k].code, "%s", c->jurisdiction);
				im->njurisdictions++;
			}
			im->jurisdictions[k].clients++;
		}
		im->nclients++;
		i = j;
	}
	if (cleartext)
		all_protected = 0;
	if (!im->nclients) {
		im->protected_ = 0;
		snprintf(im->protection, sizeof im->protection, "no client data was found in the scope");
	} else if (!all_protected) {
		snprintf(im->protection, sizeof im->protection,
			 "not protected: some affected data was shown or written in clear text (a reveal or an unencrypted export)");
	} else if (in.key_compromised != 0) {
		snprintf(im->protection, sizeof im->protection, in.key_compromised == 1
			 ? "not protected: the affected data was encrypted, but the key (or passphrase) was compromised too"
			 : "encrypted, but whether the key (or passphrase) was compromised is not recorded: "
			   "'fortress incident assess ID --key-compromised no|yes'");
	} else {
		im->protected_ = 1;
		snprintf(im->protection, sizeof im->protection,
			 "protected: every affected copy was encrypted (XChaCha20-Poly1305) and the key was not compromised "
			 "(GDPR Art. 34(3)(a); HIPAA and US-state encryption safe harbours)");
	}
	r = 0;
out:
	cvals_release(&cv);
	free(a.h);
	free(a.src);
	free(sc.s);
	if (r < 0)
		fort_impact_free(im);
	else
		*out = im;
	return r;
}

int fort_incident_impact(fort_impact **out, fort_vault *v, int64_t id)
{
	char detail[128];
	int r;
	*out = NULL;
	if ((r = vault_need(v, ACT_READ, "incident-impact", NULL)) < 0)
		return r;
	if ((r = incident_impact_compute(out, v, id, 1)) < 0)
		return r;
	snprintf(detail, sizeof detail, "incident #%lld: %zu clients affected", (long long)id, (*out)->nclients);
	if ((r = audit_record(v, "incident-impact", "", "", "", "ok", detail)) < 0) {
		fort_impact_free(*out);
		*out = NULL;
	}
	return r;
}

void fort_impact_free(fort_impact *im)
{
	if (!im)
		return;
	free(im->clients);
	free(im->jurisdictions);
	free(im);
}
