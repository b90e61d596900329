/* consent.c - the consent ledger (GDPR Art. 7, 18, 21).  The purpose gate
 * every reveal and export passes reads it: policy/consent_gate.c.
 *
 * The ledger is append-only: each entry (grant, withdraw, object, restrict,
 * lift) is hash-chained to the one before it, the table's triggers refuse
 * UPDATE and DELETE, and each entry is also in the signed audit log, so a
 * history rewritten around the triggers is caught by `consent verify` and
 * `audit verify`.  An entry names the notice text the client was shown (its
 * SHA-256; the text is stored once in "notices").  Evidence (a signed form,
 * an e-mail) is stored encrypted under a key derived from the client's own
 * key, so erasing the client shreds it too; its SHA-256 stays.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "vault/vault_int.h"
#include "vault/op.h"

#define EVIDENCE_MAX (10u << 20)

static const char *const actions[] = { "grant", "withdraw", "object", "restrict", "lift" };
static const char *const channels[] = { "web", "email", "paper", "verbal", "phone", "in_person", "import" };

static int in_set(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return 1;
	return 0;
}

static void entry_hash(unsigned char out[32], const store_consent_row *c)
{
	static const char tag[] = "fortress-consent-v1";
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const unsigned char *)tag, sizeof tag);
	keys_hash_u64(&st, (uint64_t)c->seq);
	keys_hash_u64(&st, (uint64_t)c->client);
	keys_hash_str(&st, c->purpose);
	keys_hash_str(&st, c->action);
	keys_hash_u64(&st, (uint64_t)c->ts);
	keys_hash_str(&st, c->channel);
	keys_hash_str(&st, c->recorded_by);
	keys_hash_str(&st, c->language);
	keys_hash_str(&st, c->notice);
	keys_hash_str(&st, c->evidence_hash);
	crypto_generichash_update(&st, c->prev, 32);
	crypto_generichash_final(&st, out, 32);
}

static void sha256_hex(char out[65], const void *data, size_t len)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, data, len);
	fort_hex(out, h, sizeof h);
}

static int read_small_file(unsigned char **out, size_t *len, const char *path, size_t max, const char *what)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0;
	*out = NULL;
	*len = 0;
	if (!f)
		return fort_error_set(FORT_ENOTFOUND, "cannot open the %s %s: %s", what, path, strerror(errno));
	for (;;) {
		size_t got;
		if (n == cap) {
			unsigned char *nb;
			cap = cap ? cap * 2 : 65536;
			if (cap > max + 1)
				cap = max + 1;
			if (!(nb = fort_realloc(buf, cap))) {
				free(buf);
				fclose(f);
				return FORT_ENOMEM;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > max) {
			free(buf);
			fclose(f);
			return fort_error_set(FORT_EINPUT, "the %s %s is larger than %zu MiB", what, path, max >> 20);
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return fort_error_set(FORT_EIO, "cannot read the %s %s", what, path);
	}
	fclose(f);
	*out = buf;
	*len = n;
	return 0;
}

/* Evidence is sealed under BLAKE2b(K_c, "fortress-evidence-v1"), AD = client id. */
static int seal_evidence(unsigned char **out, size_t *outlen, fort_vault *v, int64_t cid, const unsigned char *pt, size_t len)
{
	store_client c;
	unsigned char kc[KEY_LEN], ek[KEY_LEN], ad[8], *ct;
	static const char tag[] = "fortress-evidence-v1";
	int r;
	memset(&c, 0, sizeof c);
	*out = NULL;
	if ((r = store_client_get(v->st, &c, cid)) < 0)
		return r;
	r = keys_client_unwrap(kc, v->kr, cid, c.vk_version, c.wrapped, c.wrapped_len);
	store_client_release(&c);
	if (r < 0)
		return r;
	crypto_generichash(ek, sizeof ek, (const unsigned char *)tag, sizeof tag - 1, kc, sizeof kc);
	for (int i = 0; i < 8; i++)
		ad[i] = (unsigned char)((uint64_t)cid >> (56 - 8 * i));
	if (!(ct = fort_malloc(NONCE_LEN + len + 16))) {
		r = FORT_ENOMEM;
		goto out;
	}
	fort_random(ct, NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct + NONCE_LEN, NULL, pt, len, ad, sizeof ad, NULL, ct, ek);
	*out = ct;
	*outlen = NONCE_LEN + len + 16;
	r = 0;
out:
	sodium_memzero(kc, sizeof kc);
	sodium_memzero(ek, sizeof ek);
	return r;
}

struct consent_in {
	const char *client, *purpose, *action, *lang;
	const fort_consent_opts *o;
	int64_t cid;
	unsigned char *notice, *evidence, *sealed;
	size_t nlen, elen, slen;
	char notice_hash[65], ev_hash[65];
};

/* Everything read and sealed before the transaction: the client exists,
 * the purpose and channel are known, the notice and evidence are read. */
static int consent_check(fort_vault *v, void *ctx)
{
	struct consent_in *x = ctx;
	const fort_consent_opts *o = x->o;
	const char *action = x->action, *client = x->client;
	store_client probe;
	int r;
	memset(&probe, 0, sizeof probe);
	if (!in_set(action, actions, sizeof actions / sizeof actions[0]))
		return fort_error_set(FORT_EINPUT, "unknown consent action '%s' (grant, withdraw, object, restrict, lift)", action ? action : "");
	if ((r = client_id_parse(&x->cid, client)) < 0)
		return r;
	if ((r = store_client_get(v->st, &probe, x->cid)) < 0) {
		if (r == FORT_ENOTFOUND)
			r = fort_error_set(FORT_ENOTFOUND, "no client %s ('fortress client list' shows them)", client);
		return r;
	}
	store_client_release(&probe);
	if (strcmp(action, "restrict") != 0 && strcmp(action, "lift") != 0 && (!x->purpose || !map_purpose_find(&v->map, x->purpose)))
		return fort_error_set(FORT_ENOTFOUND, "unknown purpose '%s' ('fortress map show' lists the purposes)", x->purpose ? x->purpose : "");
	if (!in_set(o->channel, channels, sizeof channels / sizeof channels[0]))
		return fort_error_set(FORT_EINPUT, "say how it was given: --channel web, email, paper, verbal, phone or in_person");
	x->lang = o->language && o->language[0] ? o->language : "en";
	if (strlen(x->lang) > 15)
		return fort_error_set(FORT_EINPUT, "language '%s': use a language tag such as en, de, fr-CH", x->lang);
	if (strcmp(action, "grant") == 0) {
		/* the exact notice text the client was shown */
		if (o->notice_path) {
			if ((r = read_small_file(&x->notice, &x->nlen, o->notice_path, EVIDENCE_MAX, "notice")) < 0)
				return r;
			if (x->nlen == 0)
				return fort_error_set(FORT_EINPUT, "the notice %s is empty", o->notice_path);
			sha256_hex(x->notice_hash, x->notice, x->nlen);
		} else if ((r = store_notice_get(v->st, NULL, x->lang, x->notice_hash, NULL, NULL)) < 0) {
			if (r == FORT_ENOTFOUND)
				r = fort_error_set(FORT_EINPUT, "which notice did the client see? give --notice-file FILE (the text shown "
						   "when they agreed; kept with the consent)");
			return r;
		}
	}
	if (o->evidence_path) {
		if ((r = read_small_file(&x->evidence, &x->elen, o->evidence_path, EVIDENCE_MAX, "evidence")) < 0)
			return r;
		sha256_hex(x->ev_hash, x->evidence, x->elen);
		if ((r = seal_evidence(&x->sealed, &x->slen, v, x->cid, x->evidence, x->elen)) < 0)
			return r;
	}
	return 0;
}

/* The next entry of the ledger's chain: C zeroed, its seq and prev set from
 * the tail (the first entry: seq 1, prev zero), recorded by V's user. */
static int chain_next(fort_vault *v, store_consent_row *c)
{
	int r;
	memset(c, 0, sizeof *c);
	r = store_consent_tail(v->st, &c->seq, c->prev);
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		c->seq = 0;
		memset(c->prev, 0, 32);
	} else if (r < 0) {
		return r;
	}
	c->seq++;
	c->recorded_by = v->user ? v->user : "";
	return 0;
}

static int consent_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct consent_in *x = ctx;
	const fort_consent_opts *o = x->o;
	store_consent_row c;
	int r;
	if ((r = chain_next(v, &c)) < 0)
		return r;
	c.client = x->cid;
	c.purpose = x->purpose;
	c.action = x->action;
	c.ts = o->when ? o->when : fort_now();
	c.channel = o->channel;
	c.language = x->lang;
	c.notice = x->notice_hash;
	c.evidence_hash = x->ev_hash;
	c.evidence = x->sealed;
	c.evidence_len = x->slen;
	entry_hash(c.hash, &c);
	snprintf(detail, cap, "%s via %s%s%s%s%s", x->action, o->channel, x->notice_hash[0] ? "; notice " : "",
		 x->notice_hash[0] ? x->notice_hash : "", x->ev_hash[0] ? "; evidence sha256 " : "", x->ev_hash[0] ? x->ev_hash : "");
	if ((x->notice && (r = store_notice_put(v->st, x->notice_hash, x->lang, x->notice, x->nlen, c.ts)) < 0) ||
	    (r = store_consent_append(v->st, &c)) < 0)
		return r;
	return 0;
}

int consent_append(fort_vault *v, int64_t cid, const char *purpose, const char *action, const char *channel, const char *language,
		   const char *notice_hash, int64_t ts)
{
	store_consent_row c;
	int r;
	if ((r = chain_next(v, &c)) < 0)
		return r;
	c.client = cid;
	c.purpose = purpose;
	c.action = action;
	c.ts = ts;
	c.channel = channel;
	c.language = language;
	c.notice = notice_hash ? notice_hash : "";
	c.evidence_hash = "";
	entry_hash(c.hash, &c);
	return store_consent_append(v->st, &c);
}

int fort_consent_record(fort_vault *v, const char *client, const char *purpose, const char *action, const fort_consent_opts *o)
{
	static const fort_consent_opts defaults = FORT_CONSENT_OPTS_INIT;
	struct consent_in x;
	char what[32];
	int r;
	if (!o)
		o = &defaults;
	if (o->version != FORT_CONSENT_OPTS_VERSION)
		return FORT_CHECK_VERSION(o->version, FORT_CONSENT_OPTS, fort_consent_opts);
	memset(&x, 0, sizeof x);
	x.client = client;
	x.action = action;
	x.o = o;
	/* Art. 18 restricts processing as a whole */
	x.purpose = action && (strcmp(action, "restrict") == 0 || strcmp(action, "lift") == 0) ? "all" : purpose;
	snprintf(what, sizeof what, "consent-%s", action ? action : "");
	{
		const vault_op op = { "consent", ACT_WRITE, consent_check, consent_write, what, NULL, x.purpose };
		r = vault_op_run(v, &op, client, &x);
	}
	free(x.notice);
	if (x.evidence) {
		sodium_memzero(x.evidence, x.elen);
		free(x.evidence);
	}
	free(x.sealed);
	return r;
}

/* ------------------------------------------------------------- state */

int fort_consent_status(fort_consent_state **out, size_t *n, int *restricted, fort_vault *v, const char *client)
{
	consent_state_ctx x;
	int64_t cid;
	int r;
	*out = NULL;
	*n = 0;
	if (restricted)
		*restricted = 0;
	if ((r = vault_need(v, ACT_READ, "consent-show", client)) < 0 || (r = client_id_parse(&cid, client)) < 0)
		return r;
	if ((r = consent_client_state(&x, v, cid)) < 0) {
		free(x.s);
		return r;
	}
	for (size_t i = 0; i < x.n; i++)
		x.s[i].needs_consent = map_purpose_consent(&v->map, x.s[i].purpose);
	*out = x.s;
	*n = x.n;
	if (restricted)
		*restricted = x.restricted;
	return 0;
}

struct hist_ctx {
	fort_consent_entry *e;
	size_t n, cap;
};

static int hist_cb(void *ctx, const store_consent_row *c)
{
	struct hist_ctx *h = ctx;
	fort_consent_entry *e;
	if (FORT_ARRAY_GROW(h->e, h->n + 1, h->cap, 16) < 0)
		return FORT_ENOMEM;
	e = &h->e[h->n++];
	memset(e, 0, sizeof *e);
	e->seq = c->seq;
	e->ts = c->ts;
	snprintf(e->purpose, sizeof e->purpose, "%s", c->purpose);
	snprintf(e->action, sizeof e->action, "%s", c->action);
	snprintf(e->channel, sizeof e->channel, "%s", c->channel);
	snprintf(e->recorded_by, sizeof e->recorded_by, "%s", c->recorded_by);
	snprintf(e->language, sizeof e->language, "%s", c->language);
	snprintf(e->notice, sizeof e->notice, "%s", c->notice);
	snprintf(e->evidence_sha256, sizeof e->evidence_sha256, "%s", c->evidence_hash);
	return 0;
}

int fort_consent_history(fort_consent_entry **out, size_t *n, fort_vault *v, const char *client)
{
	struct hist_ctx h = { NULL, 0, 0 };
	int64_t cid;
	int r;
	*out = NULL;
	*n = 0;
	if ((r = vault_need(v, ACT_READ, "consent-show", client)) < 0 || (r = client_id_parse(&cid, client)) < 0)
		return r;
	if ((r = store_consent_each(v->st, cid, hist_cb, &h)) < 0) {
		free(h.e);
		return r;
	}
	*out = h.e;
	*n = h.n;
	return audit_record(v, "consent-show", client, "", "", "ok", "");
}

struct verify_ctx {
	int64_t expect;
	unsigned char prev[32];
	uint64_t n;
	char *problem;
	size_t cap;
	int ok;
};

static int verify_cb(void *ctx, const store_consent_row *c)
{
	struct verify_ctx *x = ctx;
	unsigned char h[32];
	x->n++;
	if (c->seq != x->expect) {
		snprintf(x->problem, x->cap, "consent entry %lld is missing (the ledger jumps to %lld): an entry was removed",
			 (long long)x->expect, (long long)c->seq);
		x->ok = 0;
		return 1;
	}
	if (memcmp(c->prev, x->prev, 32) != 0) {
		snprintf(x->problem, x->cap, "consent entry %lld does not link to the one before it: history was changed", (long long)c->seq);
		x->ok = 0;
		return 1;
	}
	entry_hash(h, c);
	if (memcmp(h, c->hash, 32) != 0) {
		snprintf(x->problem, x->cap, "consent entry %lld was changed after it was written", (long long)c->seq);
		x->ok = 0;
		return 1;
	}
	memcpy(x->prev, c->hash, 32);
	x->expect++;
	return 0;
}

int fort_consent_verify(int *ok, uint64_t *entries, char *problem, size_t cap, fort_vault *v)
{
	struct verify_ctx x = { 1, { 0 }, 0, problem, cap, 1 };
	int r;
	problem[0] = '\0';
	*ok = 1;
	*entries = 0;
	/* every entry against the audit log first: an entry removed from the
	 * end leaves a chain that still links */
	if (v->sealed && (r = seal_check_table(v, "consent")) < 0) {
		if (r != FORT_ETAMPER)
			return r;
		snprintf(problem, cap, "%s", fort_error_message());
		*ok = 0;
		return 0;
	}
	if ((r = store_consent_each(v->st, 0, verify_cb, &x)) < 0)
		return r;
	*ok = x.ok;
	*entries = x.n;
	return 0;
}
