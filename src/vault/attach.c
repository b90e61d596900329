/* attach.c - vault attachments: files kept encrypted in the vault.
 *
 *   FK (random, per attachment)
 *   WK = BLAKE2b(key = CK[c_n], ... BLAKE2b(key = CK[c_1], "fortress-attachment-v1" || id))
 *        over every gating category c_1 < ... < c_n, at the versions in KVERS
 *   wrapped = nonce || XChaCha20-Poly1305(WK, FK, AD = id || category mask)
 *   meta    = nonce || XChaCha20-Poly1305(BLAKE2b(FK, "meta"), {"path","sha256"}, AD = id)
 *   content = secretstream(BLAKE2b(FK, "data")) in 64 KiB chunks, the last one FINAL
 *
 * A user must hold every gating category key to derive WK: a role that
 * cannot read a category the file holds cannot read the file.  Deleting the
 * row (secure_delete, then a WAL checkpoint) destroys the only wrapped copy
 * of FK: crypto-shredding.  A key rotation re-wraps FK (attach_rotate). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <jansson.h>
#include "vault/vault_int.h"
#include "vault/attach.h"
#include "vault/op.h"

#define CHUNK ((size_t)64 << 10)
#define SS_A crypto_secretstream_xchacha20poly1305_ABYTES
#define SS_HDR crypto_secretstream_xchacha20poly1305_HEADERBYTES

static void put_u64(unsigned char *p, uint64_t x)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(x >> (56 - 8 * i));
}

static void sub_key(unsigned char out[KEY_LEN], const unsigned char fk[KEY_LEN], const char *what)
{
	crypto_generichash(out, KEY_LEN, (const unsigned char *)what, strlen(what), fk, KEY_LEN);
}

/* "contact:1,financial:2" for the current versions of MASK's categories. */
static int kvers_current(char *out, size_t cap, const keyring *kr, unsigned mask)
{
	size_t k = 0;
	out[0] = '\0';
	for (int c = 0; c < CAT_COUNT; c++) {
		if (!(mask & (1u << c)))
			continue;
		if (!kr->has_ck[c])
			return fort_error_set(FORT_EDENIED, "you do not hold the %s key, which this attachment needs",
					      fort_categories[c]);
		k += (size_t)snprintf(out + k, cap > k ? cap - k : 0, "%s%s:%d", k ? "," : "", fort_categories[c],
				      kr->ck_version[c]);
	}
	return k < cap ? 0 : fort_error_set(FORT_ERROR, "attachment key versions too long");
}

/* The version of category C in KVERS, 0 if absent. */
static int kvers_of(const char *kvers, int c)
{
	const char *name = fort_categories[c], *p = kvers;
	size_t n = strlen(name);
	while (p && *p) {
		if (strncmp(p, name, n) == 0 && p[n] == ':')
			return atoi(p + n + 1);
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return 0;
}

static int wrap_key(unsigned char wk[KEY_LEN], const keyring *kr, int64_t id, unsigned mask, const char *kvers)
{
	static const char tag[] = "fortress-attachment-v1";
	unsigned char msg[KEY_LEN + sizeof tag - 1 + 8];
	int first = 1;
	memset(wk, 0, KEY_LEN);
	for (int c = 0; c < CAT_COUNT; c++) {
		const unsigned char *ck;
		int ver;
		if (!(mask & (1u << c)))
			continue;
		ver = kvers_of(kvers, c);
		if (ver <= 0 || !(ck = keys_slot_key(kr, c, ver))) {
			sodium_memzero(wk, KEY_LEN);
			return fort_error_set(FORT_EDENIED, "you do not hold the %s key (version %d), which attachment %lld needs",
					      fort_categories[c], ver, (long long)id);
		}
		memcpy(msg, wk, KEY_LEN);
		memcpy(msg + KEY_LEN, tag, sizeof tag - 1);
		put_u64(msg + KEY_LEN + sizeof tag - 1, (uint64_t)id);
		crypto_generichash(wk, KEY_LEN, msg, sizeof msg, ck, KEY_LEN);
		first = 0;
	}
	sodium_memzero(msg, sizeof msg);
	return first ? fort_error_set(FORT_ECORRUPT, "attachment %lld has no gating category", (long long)id) : 0;
}

static void wrap_ad(unsigned char ad[12], int64_t id, unsigned mask)
{
	put_u64(ad, (uint64_t)id);
	ad[8] = (unsigned char)(mask >> 24);
	ad[9] = (unsigned char)(mask >> 16);
	ad[10] = (unsigned char)(mask >> 8);
	ad[11] = (unsigned char)mask;
}

static int fk_wrap(unsigned char out[WRAPPED_LEN], const keyring *kr, int64_t id, unsigned mask, const char *kvers,
		   const unsigned char fk[KEY_LEN])
{
	unsigned char wk[KEY_LEN], ad[12];
	int r;
	if ((r = wrap_key(wk, kr, id, mask, kvers)) < 0)
		return r;
	wrap_ad(ad, id, mask);
	fort_random(out, NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + NONCE_LEN, NULL, fk, KEY_LEN, ad, sizeof ad, NULL, out, wk);
	sodium_memzero(wk, sizeof wk);
	return 0;
}

static int fk_unwrap(unsigned char fk[KEY_LEN], const keyring *kr, const store_attachment *a)
{
	unsigned char wk[KEY_LEN], ad[12];
	int r;
	if ((r = wrap_key(wk, kr, a->id, a->cats, a->kvers)) < 0)
		return r;
	wrap_ad(ad, a->id, a->cats);
	r = 0;
	if (a->wrapped_len != WRAPPED_LEN ||
	    crypto_aead_xchacha20poly1305_ietf_decrypt(fk, NULL, NULL, a->wrapped + NONCE_LEN, a->wrapped_len - NONCE_LEN, ad,
						       sizeof ad, a->wrapped, wk) != 0)
		r = fort_error_set(FORT_ETAMPER, "attachment %lld: its key does not verify (the vault was altered)", (long long)a->id);
	sodium_memzero(wk, sizeof wk);
	return r;
}

static unsigned mask_of(const fort_attachment_opts *o, int *bad)
{
	unsigned m = 0;
	*bad = -1;
	for (size_t i = 0; o && i < o->ncategories; i++) {
		int c = cat_index(o->categories[i]);
		if (c < 0) {
			*bad = (int)i;
			return 0;
		}
		m |= 1u << c;
	}
	return m ? m : 1u << cat_index("notes");
}

static void cats_text(char *out, size_t cap, unsigned mask)
{
	size_t k = 0;
	out[0] = '\0';
	for (int c = 0; c < CAT_COUNT && k < cap; c++)
		if (mask & (1u << c))
			k += (size_t)snprintf(out + k, cap - k, "%s%s", k ? "," : "", fort_categories[c]);
}

int attach_add_fd(int64_t *id_out, fort_vault *v, int fd, const char *path, const fort_attachment_opts *o,
		  const char *extra_detail)
{
	store_attachment a;
	crypto_secretstream_xchacha20poly1305_state ss;
	crypto_hash_sha256_state hs;
	unsigned char fk[KEY_LEN], dk[KEY_LEN], mk[KEY_LEN], hash[32], header[SS_HDR], wrapped[WRAPPED_LEN], ad[8];
	unsigned char *in = NULL, *ct = NULL, *meta = NULL;
	char kvers[128], cats[96], hex[65], detail[400], cid[FORT_ID_LEN + 1];
	int64_t *cids = NULL;
	json_t *mj = NULL;
	char *mtext = NULL;
	uint64_t seq = 0, size = 0;
	size_t nc = o ? o->nclients : 0, got;
	int r, bad, tx = 0;
	unsigned mask;
	const char *action = o && o->action ? o->action : "attachment-add";

	memset(&a, 0, sizeof a);
	if (o && o->version != FORT_ATTACHMENT_OPTS_VERSION)
		return FORT_CHECK_VERSION(o->version, FORT_ATTACHMENT_OPTS, fort_attachment_opts);
	if ((r = vault_need(v, ACT_WRITE, action, "")) < 0)
		return r;
	mask = mask_of(o, &bad);
	if (bad >= 0)
		return fort_error_set(FORT_EINPUT, "unknown category '%s' (identity, contact, financial, special, notes)",
				      o->categories[bad]);
	if ((r = kvers_current(kvers, sizeof kvers, v->kr, mask)) < 0)
		return r;
	cats_text(cats, sizeof cats, mask);
	if (nc && !(cids = fort_calloc(nc, sizeof *cids)))
		return FORT_ENOMEM;
	for (size_t i = 0; i < nc; i++) {
		store_client probe;
		memset(&probe, 0, sizeof probe);
		if ((r = client_id_parse(&cids[i], o->clients[i])) < 0)
			goto out;
		if ((r = store_client_get(v->st, &probe, cids[i])) < 0) {
			if (r == FORT_ENOTFOUND)
				r = fort_error_set(FORT_ENOTFOUND, "no client %s ('fortress client list' shows them)", o->clients[i]);
			goto out;
		}
		store_client_release(&probe);
	}
	if (!(in = fort_malloc(CHUNK)) || !(ct = fort_malloc(CHUNK + SS_A))) {
		r = FORT_ENOMEM;
		goto out;
	}
	fort_random(fk, sizeof fk);
	sub_key(dk, fk, "data");
	sub_key(mk, fk, "meta");
	crypto_hash_sha256_init(&hs);
	crypto_secretstream_xchacha20poly1305_init_push(&ss, header, dk);

	if ((r = store_begin(v->st)) < 0)
		goto out;
	tx = 1;
	if ((r = vault_keys_current(v)) < 0)
		goto out;
	a.created = fort_now();
	a.actor = v->user;
	a.cats = mask;
	a.kvers = kvers;
	a.clients = cids;
	a.nclients = nc;
	if ((r = store_attach_insert(v->st, &a)) < 0)
		goto out;
	/* read ahead one chunk, so the last one is pushed with the FINAL tag */
	{
		size_t have = 0;
		for (;;) {
			ssize_t n;
			int last;
			got = have;
			while (got < CHUNK) {
				n = read(fd, in + got, CHUNK - got);
				if (n < 0 && errno == EINTR)
					continue;
				if (n < 0) {
					r = fort_error_set(FORT_EIO, "%s: read error: %s (nothing was stored)", path, strerror(errno));
					goto out;
				}
				if (n == 0)
					break;
				got += (size_t)n;
			}
			last = got < CHUNK;
			if (!last) {
				/* a full chunk: is there more? */
				unsigned char peek;
				do
					n = read(fd, &peek, 1);
				while (n < 0 && errno == EINTR);
				if (n < 0) {
					r = fort_error_set(FORT_EIO, "%s: read error: %s (nothing was stored)", path, strerror(errno));
					goto out;
				}
				if (n == 0)
					last = 1;
				crypto_hash_sha256_update(&hs, in, got);
				crypto_secretstream_xchacha20poly1305_push(&ss, ct, NULL, in, got, NULL, 0,
									   last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
				size += got;
				if ((r = store_attach_chunk_put(v->st, a.id, seq++, ct, got + SS_A)) < 0)
					goto out;
				if (last)
					break;
				in[0] = peek;
				have = 1;
				continue;
			}
			crypto_hash_sha256_update(&hs, in, got);
			crypto_secretstream_xchacha20poly1305_push(&ss, ct, NULL, in, got, NULL, 0,
								   crypto_secretstream_xchacha20poly1305_TAG_FINAL);
			size += got;
			if ((r = store_attach_chunk_put(v->st, a.id, seq++, ct, got + SS_A)) < 0)
				goto out;
			break;
		}
	}
	crypto_hash_sha256_final(&hs, hash);
	fort_hex(hex, hash, sizeof hash);
	if (!(mj = json_pack("{s:s, s:s}", "path", path, "sha256", hex)) ||
	    !(mtext = json_dumps(mj, JSON_COMPACT))) {
		r = fort_error_set(FORT_EINPUT, "%s: the path is not valid UTF-8", path);
		goto out;
	}
	{
		size_t ml = strlen(mtext);
		if (!(meta = fort_malloc(NONCE_LEN + ml + 16))) {
			r = FORT_ENOMEM;
			goto out;
		}
		put_u64(ad, (uint64_t)a.id);
		fort_random(meta, NONCE_LEN);
		crypto_aead_xchacha20poly1305_ietf_encrypt(meta + NONCE_LEN, NULL, (unsigned char *)mtext, ml, ad, sizeof ad, NULL,
							   meta, mk);
		a.meta = meta;
		a.meta_len = NONCE_LEN + ml + 16;
	}
	if ((r = fk_wrap(wrapped, v->kr, a.id, mask, kvers, fk)) < 0)
		goto out;
	a.wrapped = wrapped;
	a.wrapped_len = sizeof wrapped;
	a.header = header;
	a.header_len = sizeof header;
	a.size = size;
	if ((r = store_attach_seal(v->st, &a)) < 0)
		goto out;
	{
		size_t k = 0;
		char list[200] = "";
		for (size_t i = 0; i < nc && k < sizeof list; i++) {
			client_id_format(cid, cids[i]);
			k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", k ? "," : "", cid);
		}
		snprintf(detail, sizeof detail, "attachment %lld: %llu bytes, categories %s, clients %s%s%s", (long long)a.id,
			 (unsigned long long)size, cats, nc ? list : "none", extra_detail ? "; " : "",
			 extra_detail ? extra_detail : "");
	}
	if ((r = audit_append(v, action, "", "", "", "ok", detail)) < 0)
		goto out;
	for (size_t i = 0; i < nc; i++) {
		client_id_format(cid, cids[i]);
		if ((r = audit_append(v, action, cid, "", "", "ok", detail)) < 0)
			goto out;
	}
	if ((r = store_commit(v->st)) < 0)
		goto out;
	tx = 0;
	if (id_out)
		*id_out = a.id;
	r = 0;
out:
	if (tx)
		store_rollback(v->st);
	sodium_memzero(fk, sizeof fk);
	sodium_memzero(dk, sizeof dk);
	sodium_memzero(mk, sizeof mk);
	sodium_memzero(&ss, sizeof ss);
	if (in) {
		sodium_memzero(in, CHUNK);
		free(in);
	}
	free(ct);
	free(meta);
	if (mtext) {
		sodium_memzero(mtext, strlen(mtext));
		free(mtext);
	}
	json_decref(mj);
	free(cids);
	return r;
}

int fort_attachment_add(int64_t *id_out, fort_vault *v, const char *path, const fort_attachment_opts *o)
{
	struct stat st;
	int fd, r;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return fort_error_set(errno == ENOENT ? FORT_ENOTFOUND : FORT_EIO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fort_error_set(FORT_EINPUT, "%s: not a regular file", path);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	r = attach_add_fd(id_out, v, fd, path, o, NULL);
	close(fd);
	return r;
}

/* The decrypted metadata of A into INFO (path, sha256). */
static int open_meta(fort_attachment_info *info, const store_attachment *a, const unsigned char fk[KEY_LEN])
{
	unsigned char mk[KEY_LEN], ad[8], *pt = NULL;
	json_t *j = NULL;
	size_t n;
	int r = 0;
	if (a->meta_len < NONCE_LEN + 16)
		return fort_error_set(FORT_ECORRUPT, "attachment %lld: damaged metadata", (long long)a->id);
	n = a->meta_len - NONCE_LEN - 16;
	if (!(pt = fort_malloc(n + 1)))
		return FORT_ENOMEM;
	sub_key(mk, fk, "meta");
	put_u64(ad, (uint64_t)a->id);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL, a->meta + NONCE_LEN, a->meta_len - NONCE_LEN, ad,
						       sizeof ad, a->meta, mk) != 0) {
		r = fort_error_set(FORT_ETAMPER, "attachment %lld: its metadata does not verify", (long long)a->id);
		goto out;
	}
	pt[n] = '\0';
	if (!(j = json_loadb((char *)pt, n, 0, NULL))) {
		r = fort_error_set(FORT_ECORRUPT, "attachment %lld: damaged metadata", (long long)a->id);
		goto out;
	}
	snprintf(info->path, sizeof info->path, "%s", json_string_value(json_object_get(j, "path")) ?: "");
	snprintf(info->sha256, sizeof info->sha256, "%s", json_string_value(json_object_get(j, "sha256")) ?: "");
out:
	json_decref(j);
	sodium_memzero(pt, n + 1);
	free(pt);
	sodium_memzero(mk, sizeof mk);
	return r;
}

static int info_fill(fort_attachment_info *info, fort_vault *v, const store_attachment *a)
{
	unsigned char fk[KEY_LEN];
	memset(info, 0, sizeof *info);
	info->id = a->id;
	info->created = a->created;
	snprintf(info->actor, sizeof info->actor, "%s", a->actor);
	info->size = a->size;
	cats_text(info->categories, sizeof info->categories, a->cats);
	if (a->nclients && !(info->clients = fort_calloc(a->nclients, sizeof *info->clients)))
		return FORT_ENOMEM;
	info->nclients = a->nclients;
	for (size_t i = 0; i < a->nclients; i++)
		client_id_format(info->clients[i], a->clients[i]);
	if (fk_unwrap(fk, v->kr, a) == 0) {
		int r = open_meta(info, a, fk);
		sodium_memzero(fk, sizeof fk);
		if (r == FORT_ENOMEM) {
			/* not "unreadable": a report would miss the file's hash */
			free(info->clients);
			info->clients = NULL;
			return r;
		}
		info->readable = r == 0;
	}
	fort_error_clear();
	return 0;
}

struct list_ctx {
	fort_vault *v;
	fort_attachment_info *a;
	size_t n, cap;
};

static int list_cb(void *ctx, const store_attachment *a)
{
	struct list_ctx *l = ctx;
	int r;
	if (FORT_ARRAY_GROW(l->a, l->n + 1, l->cap, 8) < 0)
		return FORT_ENOMEM;
	if ((r = info_fill(&l->a[l->n], l->v, a)) < 0)
		return r;
	l->n++;
	return 0;
}

void fort_attachment_list_free(fort_attachment_info *a, size_t n)
{
	if (!a)
		return;
	for (size_t i = 0; i < n; i++) {
		sodium_memzero(a[i].path, sizeof a[i].path);
		free(a[i].clients);
	}
	free(a);
}

int fort_attachment_list(fort_attachment_info **out, size_t *n, fort_vault *v, const char *client)
{
	struct list_ctx l = { v, NULL, 0, 0 };
	int64_t cid = 0;
	char detail[64];
	int r;
	*out = NULL;
	*n = 0;
	if ((r = vault_need(v, ACT_READ, "attachment-list", client)) < 0)
		return r;
	if (client && (r = client_id_parse(&cid, client)) < 0)
		return r;
	if ((r = store_attach_each(v->st, cid, list_cb, &l)) < 0)
		goto fail;
	snprintf(detail, sizeof detail, "%zu attachments", l.n);
	if ((r = audit_record(v, "attachment-list", client ? client : "", "", "", "ok", detail)) < 0)
		goto fail;
	*out = l.a;
	*n = l.n;
	return 0;
fail:
	fort_attachment_list_free(l.a, l.n);
	return r;
}

/* The entries of an attachment's get or removal: the operation's, then one
 * per client it belongs to (each client's log shows it) */
static int attach_entries(fort_vault *v, const char *action, const char *detail, const store_attachment *a)
{
	char cid[FORT_ID_LEN + 1];
	int r;
	if ((r = vault_op_entry(v, action, "", NULL, NULL, detail)) < 0)
		return r;
	for (size_t i = 0; i < a->nclients; i++) {
		client_id_format(cid, a->clients[i]);
		if ((r = vault_op_entry(v, action, cid, NULL, NULL, detail)) < 0)
			return r;
	}
	return 0;
}

struct entries_in { const char *action, *detail; const store_attachment *a; };

static int get_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct entries_in *e = ctx;
	(void)detail;
	(void)cap;
	return attach_entries(v, e->action, e->detail, e->a);
}

/* audited before a byte is written (fail closed): one step */
static const vault_op get_op = { "attachment-get", ACT_REVEAL, NULL, get_write, .flags = VAULT_OP_ENTRIES };

/* Where a get's plain text goes: a new file (OUT_PATH), or memory (the web
 * app's download: MEM, at most MAX bytes, and the original name's last
 * part into NAME). */
struct get_sink {
	const char *out_path;
	unsigned char *mem;
	size_t max, len;
	char *name;
	size_t name_cap;
};

static int fetch(fort_vault *v, int64_t id, struct get_sink *sk)
{
	store_attachment a;
	fort_attachment_info info;
	crypto_secretstream_xchacha20poly1305_state ss;
	crypto_hash_sha256_state hs;
	unsigned char fk[KEY_LEN], dk[KEY_LEN], hash[32], *pt = NULL, *ct = NULL;
	char hex[65], detail[200];
	uint64_t total = 0;
	int r, fd = -1, created = 0, final = 0;
	const char *out_path = sk->out_path;

	memset(&a, 0, sizeof a);
	memset(&info, 0, sizeof info);
	if ((r = vault_op_start(v, &get_op, "")) < 0)
		return r;
	if ((r = store_attach_get(v->st, &a, id)) < 0)
		return r;
	if ((r = fk_unwrap(fk, v->kr, &a)) < 0) {
		if (r == FORT_EDENIED)
			(void)audit_record(v, "attachment-get", "", "", "", "denied", fort_error_message());
		goto out;
	}
	if ((r = open_meta(&info, &a, fk)) < 0)
		goto out;
	if (out_path) {
		if ((fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
			r = errno == EEXIST ? fort_error_set(FORT_EEXISTS, "%s already exists: give a new file name (nothing was overwritten)", out_path)
					    : fort_error_set(FORT_EIO, "%s: %s", out_path, strerror(errno));
			goto out;
		}
		created = 1;
	} else {
		const char *base = strrchr(info.path, '/');
		if (a.size > sk->max) {
			r = fort_error_set(FORT_EINPUT, "attachment %lld has %llu bytes, more than the %zu this download takes: "
					   "get it with 'fortress attachment get %lld --out FILE'", (long long)id,
					   (unsigned long long)a.size, sk->max, (long long)id);
			goto out;
		}
		if (!(sk->mem = fort_malloc(a.size ? (size_t)a.size : 1))) {
			r = FORT_ENOMEM;
			goto out;
		}
		snprintf(sk->name, sk->name_cap, "%s", base ? base + 1 : info.path);
	}
	/* audited before a byte is written (fail closed) */
	snprintf(detail, sizeof detail, "attachment %lld: %llu bytes", (long long)id, (unsigned long long)a.size);
	{
		struct entries_in e = { "attachment-get", detail, &a };
		if ((r = vault_op_step(v, &get_op, "", &e)) < 0)
			goto out;
	}
	if (a.header_len != SS_HDR) {
		r = fort_error_set(FORT_ECORRUPT, "attachment %lld is damaged", (long long)id);
		goto out;
	}
	sub_key(dk, fk, "data");
	if (crypto_secretstream_xchacha20poly1305_init_pull(&ss, a.header, dk) != 0) {
		r = fort_error_set(FORT_ECORRUPT, "attachment %lld is damaged", (long long)id);
		goto out;
	}
	crypto_hash_sha256_init(&hs);
	for (uint64_t s = 0; s < a.nchunks; s++) {
		size_t clen = 0;
		unsigned long long plen = 0;
		unsigned char tag = 0;
		free(ct);
		ct = NULL;
		if ((r = store_attach_chunk_get(v->st, id, s, &ct, &clen)) < 0)
			goto out;
		if (clen < SS_A || final) {
			r = fort_error_set(FORT_ETAMPER, "attachment %lld: part %llu does not verify", (long long)id, (unsigned long long)s);
			goto out;
		}
		if (!pt && !(pt = fort_malloc(CHUNK))) {
			r = FORT_ENOMEM;
			goto out;
		}
		if (clen - SS_A > CHUNK ||
		    crypto_secretstream_xchacha20poly1305_pull(&ss, pt, &plen, &tag, ct, clen, NULL, 0) != 0) {
			r = fort_error_set(FORT_ETAMPER, "attachment %lld: part %llu does not verify (the vault was altered)",
					   (long long)id, (unsigned long long)s);
			goto out;
		}
		final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
		crypto_hash_sha256_update(&hs, pt, plen);
		if (!out_path) {
			/* the size the row states is what was allocated: more is an altered vault */
			if (plen > a.size - total) {
				r = fort_error_set(FORT_ETAMPER, "attachment %lld is incomplete or altered (its checksum does not match)",
						   (long long)id);
				goto out;
			}
			memcpy(sk->mem + total, pt, plen);
		}
		total += plen;
		for (size_t off = 0; out_path && off < plen;) {
			ssize_t w = write(fd, pt + off, plen - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				r = fort_error_set(FORT_EIO, "%s: %s", out_path, strerror(errno));
				goto out;
			}
			off += (size_t)w;
		}
	}
	crypto_hash_sha256_final(&hs, hash);
	fort_hex(hex, hash, sizeof hash);
	if (!final || total != a.size || strcmp(hex, info.sha256) != 0) {
		r = fort_error_set(FORT_ETAMPER, "attachment %lld is incomplete or altered (its checksum does not match)", (long long)id);
		goto out;
	}
	if (fd >= 0 && fsync(fd) < 0) {
		r = fort_error_set(FORT_EIO, "%s: %s", out_path, strerror(errno));
		goto out;
	}
	sk->len = (size_t)total;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (r < 0 && created)
		unlink(out_path);
	if (r < 0 && sk->mem) {
		sodium_memzero(sk->mem, a.size ? (size_t)a.size : 1);
		free(sk->mem);
		sk->mem = NULL;
	}
	if (pt) {
		sodium_memzero(pt, CHUNK);
		free(pt);
	}
	free(ct);
	sodium_memzero(fk, sizeof fk);
	sodium_memzero(dk, sizeof dk);
	sodium_memzero(&ss, sizeof ss);
	sodium_memzero(info.path, sizeof info.path);
	free(info.clients);
	store_attach_release(&a);
	return r;
}

int fort_attachment_get(fort_vault *v, int64_t id, const char *out_path)
{
	struct get_sink sk = { out_path, NULL, 0, 0, NULL, 0 };
	if (!out_path || !*out_path)
		return fort_error_set(FORT_EINPUT, "say where to write attachment %lld (a file name)", (long long)id);
	return fetch(v, id, &sk);
}

int fort_attachment_read(unsigned char **out, size_t *len, char name_out[256], fort_vault *v, int64_t id, size_t max)
{
	struct get_sink sk = { NULL, NULL, max, 0, name_out, 256 };
	int r;
	*out = NULL;
	*len = 0;
	name_out[0] = '\0';
	if ((r = fetch(v, id, &sk)) < 0) {
		name_out[0] = '\0';
		return r;
	}
	*out = sk.mem;
	*len = sk.len;
	return 0;
}

struct remove_in { int64_t id; store_attachment a; };

static int remove_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct remove_in *x = ctx;
	char cats[96];
	int r;
	if ((r = store_attach_get(v->st, &x->a, x->id)) < 0)
		return r;
	cats_text(cats, sizeof cats, x->a.cats);
	snprintf(detail, cap, "attachment %lld: %llu bytes, categories %s; key destroyed", (long long)x->id,
		 (unsigned long long)x->a.size, cats);
	if ((r = store_attach_delete(v->st, x->id)) < 0)
		return r;
	return attach_entries(v, "attachment-remove", detail, &x->a);
}

int fort_attachment_remove(fort_vault *v, int64_t id)
{
	static const vault_op op = { "attachment-remove", ACT_ERASE, NULL, remove_write, .flags = VAULT_OP_ENTRIES };
	struct remove_in x;
	int r;
	memset(&x, 0, sizeof x);
	x.id = id;
	r = vault_op_run(v, &op, "", &x);
	store_attach_release(&x.a);
	if (r < 0)
		return r;
	/* the deleted pages leave the WAL too */
	return store_checkpoint(v->st);
}

/* ---------------------------------------------------------------- rotation */

struct rot_ctx {
	fort_vault *v;
	unsigned mask;
	int r;
};

static int rot_cb(void *ctx, const store_attachment *a)
{
	struct rot_ctx *rc = ctx;
	unsigned char fk[KEY_LEN], w[WRAPPED_LEN];
	char kv[128];
	int r;
	if (!(a->cats & rc->mask))
		return 0;
	if ((r = kvers_current(kv, sizeof kv, rc->v->kr, a->cats)) < 0)
		return r;
	if (strcmp(kv, a->kvers) == 0)
		return 0;
	if ((r = fk_unwrap(fk, rc->v->kr, a)) < 0) {
		if (r == FORT_EDENIED)
			r = fort_error_set(FORT_EDENIED, "attachment %lld is gated by keys you do not hold: a user holding every one of "
					   "them (the owner) must finish this rotation ('fortress keys rotate --resume')", (long long)a->id);
		return r;
	}
	r = fk_wrap(w, rc->v->kr, a->id, a->cats, kv, fk);
	sodium_memzero(fk, sizeof fk);
	if (r < 0)
		return r;
	return store_attach_rewrap(rc->v->st, a->id, kv, w, sizeof w);
}

int attach_rotate(fort_vault *v, unsigned mask)
{
	struct rot_ctx rc = { v, mask & ((1u << CAT_COUNT) - 1), 0 };
	if (!rc.mask)
		return 0;
	return store_attach_each(v->st, 0, rot_cb, &rc);
}

struct erased_ctx {
	struct { int64_t id; int shared; } *a;
	size_t n, cap;
};

static int erased_cb(void *ctx, const store_attachment *a)
{
	struct erased_ctx *e = ctx;
	if (FORT_ARRAY_GROW(e->a, e->n + 1, e->cap, 8) < 0)
		return FORT_ENOMEM;
	e->a[e->n].id = a->id;
	e->a[e->n++].shared = a->nclients > 1;
	return 0;
}

int attach_client_erased(fort_vault *v, int64_t client, size_t *shredded, size_t *kept)
{
	struct erased_ctx e = { NULL, 0, 0 };
	int r;
	*shredded = *kept = 0;
	/* collected first: rows are not deleted under a running SELECT */
	if ((r = store_attach_each(v->st, client, erased_cb, &e)) < 0)
		goto out;
	for (size_t i = 0; i < e.n; i++) {
		if (e.a[i].shared) {
			if ((r = store_attach_unlink(v->st, e.a[i].id, client)) < 0)
				goto out;
			(*kept)++;
		} else {
			if ((r = store_attach_delete(v->st, e.a[i].id)) < 0)
				goto out;
			(*shredded)++;
		}
	}
out:
	free(e.a);
	return r;
}
