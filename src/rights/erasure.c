/* erasure.c - answering an erasure request (GDPR Art. 17) with legal holds,
 * and erasure certificates.
 *
 * Fields whose map entry carries a hold (e.g. invoice data that tax law
 * keeps for 10 years) and whose hold has not ended stay, with the reason
 * and the date they will go; everything else is erased.  With nothing held
 * the client is crypto-shredded whole (fort_client_erase: the key goes, the
 * id enters the erasure ledger).  With holds, the other fields are removed
 * from the record (re-encrypted without them, index entries dropped).
 *
 * The certificate states what was erased, what was kept, why and until
 * when; it is signed (Ed25519) with the acting user's signing key, whose
 * public key is in the certificate and in the vault's audit log, so
 * `fortress verify-certificate` checks it with or without the vault. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <jansson.h>
#include "vault/vault_int.h"
#include "vault/op.h"
#include "rights/rights.h"
#include "data/i18n.h"
#include "render/pdf.h"

static void iso_time(char out[32], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The date a hold on F ends for client C (YYYY-MM-DD). */
static void hold_end(char out[11], const map_field *f, const store_client *c)
{
	int64_t from = strcmp(f->hold_from, "created") == 0 ? c->created : c->updated;
	time_t tt = (time_t)from;
	struct tm tm;
	gmtime_r(&tt, &tm);
	tm.tm_year += f->hold_years;
	if (tm.tm_mon == 1 && tm.tm_mday == 29)
		tm.tm_mday = 28; /* 29 February of a year that has none */
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static const char CERT_TAG[] = "fortress-erasure-certificate-v1";

/* The canonical bytes that are signed: the body, compact, keys sorted. */
static char *canonical(json_t *body)
{
	return json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
}

/* What is signed: the tag, a newline, the canonical body. */
static void cert_message(fort_buf *msg, const char *canon)
{
	fort_buf_init(msg, 0);
	fort_buf_puts(msg, CERT_TAG);
	fort_buf_putc(msg, '\n');
	fort_buf_puts(msg, canon);
}

/* PATH (Markdown) and its PDF (PATH without ".md", plus ".pdf"): one notice
 * per recipient of the fields marked in CONCERNED (their activities'
 * recipients), or no file when there is none.  KIND "erasure" (Art. 17) or
 * "rectification" (Art. 16); both are Art. 19 notices.  Shared by erasure
 * and rectification requests.  PATH NULL: only count them. */
int rights_recipient_notices(size_t *count, fort_vault *v, const client_vals *cv, const unsigned char *concerned,
			     const store_request *q, const char *idstr, rights_sink *sink, const char *path, const char *kind)
{
	fort_buf b, pdfpath;
	int r = 0, ni = map_field_by_role(&v->map, ROLE_ADDRESSEE, 0), ei = map_field_by_role(&v->map, ROLE_EMAIL, 0);
	int erase = strcmp(kind, "erasure") == 0;
	const char *who = ni >= 0 && cv->vals[ni] ? cv->vals[ni] : ei >= 0 && cv->vals[ei] ? cv->vals[ei] : idstr;
	fort_consent_entry *ce = NULL;
	size_t nce = 0;
	*count = 0;
	/* Art. 19 goes to the recipients the client's data actually went to: an
	 * activity resting on consent applied to this client only if consent
	 * was granted at some time (the data may have gone out before a
	 * withdrawal); a client who never consented was never disclosed to
	 * that activity's recipients */
	if ((r = fort_consent_history(&ce, &nce, v, idstr)) < 0)
		return r;
	fort_buf_init_secret(&b, 0);
	fort_buf_init(&pdfpath, 0);
	for (size_t x = 0; x < v->map.nrc; x++) {
		const map_recipient *rc = &v->map.rc[x];
		fort_buf fields;
		fort_buf_init(&fields, 0);
		for (size_t i = 0; i < cv->n; i++) {
			const map_field *f = &v->map.f[i];
			int sent = 0;
			if (!concerned[i])
				continue;
			for (size_t k = 0; k < f->npurposes && !sent; k++) {
				const map_purpose *p = map_purpose_find(&v->map, f->purposes[k]);
				int applied = 1;
				if (p && map_purpose_consent(&v->map, p->name)) {
					applied = 0;
					for (size_t c = 0; c < nce && !applied; c++)
						applied = strcmp(ce[c].purpose, p->name) == 0 && strcmp(ce[c].action, "grant") == 0;
				}
				for (size_t j = 0; p && applied && j < p->nrecipients; j++)
					sent |= strcmp(p->recipients[j], rc->name) == 0;
			}
			if (sent)
				fort_buf_printf(&fields, "%s%s", fields.len ? ", " : "", f->label);
		}
		if (fields.len) {
			if (!b.len)
				fort_buf_printf(&b, "# Notices of %s to recipients (GDPR Art. 19)\n\n", kind);
			if (erase)
				fort_buf_printf(&b, "## To %s (%s, %s)\n\nOur client %s (our reference %s) asked us on %s to erase their "
						"personal data (GDPR Art. 17). Under Art. 19 we ask you to erase what we disclosed to you "
						"about them: %s.\n\n%s\n\n",
						rc->name, rc->kind, rc->country, who, idstr, q->received, fields.buf, v->business);
			else
				fort_buf_printf(&b, "## To %s (%s, %s)\n\nOur client %s (our reference %s) asked us on %s to correct their "
						"personal data (GDPR Art. 16), and we have corrected it: %s. Under Art. 19 we ask you to "
						"correct what we disclosed to you about them; we give you the corrected data separately, "
						"over a safe channel.\n\n%s\n\n",
						rc->name, rc->kind, rc->country, who, idstr, q->received, fields.buf, v->business);
			(*count)++;
		}
		if (fort_buf_error(&fields) && !b.err)
			b.err = fort_buf_error(&fields);
		fort_buf_release(&fields);
	}
	if ((r = fort_buf_error(&b)) < 0) {
		*count = 0;
	} else if (b.len && sink && path) {
		size_t n = strlen(path);
		fort_buf_printf(&pdfpath, "%.*s.pdf", (int)(n > 3 && strcmp(path + n - 3, ".md") == 0 ? n - 3 : n), path);
		if ((r = fort_buf_error(&pdfpath)) == 0)
			r = rights_sink_letter(sink, path, pdfpath.buf, b.buf, "Notices to recipients (GDPR Art. 19)");
	}
	free(ce);
	fort_buf_release(&b);
	fort_buf_release(&pdfpath);
	return r;
}

/* Art. 19: the recipients the erased data (CLEAR) went to are told, with
 * what to erase, in CERT.recipients.md; written before the data goes (it
 * must say whose data). */
static int erasure_notices(size_t *recipients, fort_vault *v, const client_vals *cv, const fort_kv *clear, size_t nclear,
			   const store_request *q, const char *idstr, rights_sink *s)
{
	int r;
	unsigned char *concerned = fort_calloc(cv->n ? cv->n : 1, 1);
	if (!concerned)
		return FORT_ENOMEM;
	for (size_t i = 0; i < cv->n; i++)
		for (size_t k = 0; k < nclear; k++)
			concerned[i] |= strcmp(clear[k].field, v->map.f[i].name) == 0;
	r = rights_recipient_notices(recipients, v, cv, concerned, q, idstr, s, s->a ? "recipients.md" : ".recipients.md", "erasure");
	free(concerned);
	return r;
}

struct apply_ctx {
	const store_request *q;
	const char *idstr;
	const fort_kv *clear;
	size_t nclear;
	json_t *kept;
};

/* The holds, then the fields' erasure, whose entry (nested: "edit", naming
 * the fields) seals both. */
static int apply_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct apply_ctx *a = ctx;
	size_t k;
	json_t *h;
	int r;
	(void)detail;
	(void)cap;
	/* what stays, until when: `fortress retention run` erases it then */
	json_array_foreach(a->kept, k, h) {
		if ((r = store_hold_put(v->st, a->q->client, json_string_value(json_object_get(h, "field")),
					json_string_value(json_object_get(h, "until")),
					json_string_value(json_object_get(h, "reason")), a->q->id)) < 0)
			return r;
	}
	/* none to erase: no entry, and the scaffold keeps nothing unaudited */
	if (a->nclear && (r = client_erase_fields_nested(v, a->idstr, a->clear, a->nclear, NULL, NULL)) < 0)
		return r;
	return 0;
}

/* Erase: the whole client (crypto-shredding: fort_client_erase, an
 * operation of its own) when nothing is held, else the fields in CLEAR with
 * a hold entry for each field KEPT, a step of the request's erasure (the
 * caller did vault_op_start): one transaction, rolled back whole on a
 * failure, a refusal audited as the request's. */
static int erasure_apply(fort_vault *v, const store_request *q, const char *idstr, const fort_kv *clear, size_t nclear, json_t *kept,
			 size_t nkept)
{
	static const vault_op op = { "request-erase", ACT_ERASE, NULL, apply_write, .flags = VAULT_OP_ENTRIES };
	struct apply_ctx a = { q, idstr, clear, nclear, kept };
	if (nkept == 0) {
		char reason[120];
		snprintf(reason, sizeof reason, "erasure request %lld", (long long)q->id);
		return fort_client_erase(v, idstr, reason);
	}
	return vault_op_step(v, &op, idstr, &a);
}

/* A date (YYYY-MM-DD) in the letter's language; English keeps it as it is. */
static void letter_day(char *out, size_t cap, const char *lang, const char *date)
{
	if (!date || strcmp(lang, "en") == 0 || fort_date_words(out, cap, lang, date) < 0) {
		fort_error_clear();
		snprintf(out, cap, "%s", date ? date : "");
	}
}

/* The certificate in words, for the client, in LANG (their language, read
 * before the erasure dropped it): CERT.letter.md and .pdf. */
static int erasure_letter(fort_vault *v, const store_request *q, const char *idstr, json_t *erased, json_t *kept, size_t nkept,
			  const char *when, const char *pkhex, size_t recipients, rights_sink *s, const char *lang)
{
	int r;
	fort_buf l;
	size_t k;
	json_t *x;
	char received[64], ref[32];
	letter_day(received, sizeof received, lang, q->received);
	snprintf(ref, sizeof ref, "%lld", (long long)q->id);
	fort_buf_init_secret(&l, 0);
	fort_buf_printf(&l, "# %s\n\n%s\n\n", i18n_text(lang, "erasure.title"), v->business);
	i18n_put(&l, lang, "erasure.request", (const char *const[]){ "received", received, "ref", ref, "id", idstr, NULL });
	fort_buf_printf(&l, "\n\n## %s\n\n", i18n_text(lang, "erasure.h.erased"));
	if (!nkept)
		fort_buf_printf(&l, "%s\n\n", i18n_text(lang, "erasure.all"));
	json_array_foreach(erased, k, x) {
		int fi = map_index(&v->map, json_string_value(x));
		fort_buf_printf(&l, "- %s\n", fi >= 0 ? v->map.f[fi].label : json_string_value(x));
	}
	fort_buf_printf(&l, "\n## %s\n\n", i18n_text(lang, "erasure.h.kept"));
	if (!nkept)
		fort_buf_printf(&l, "%s\n", i18n_text(lang, "erasure.nothing"));
	json_array_foreach(kept, k, x) {
		int fi = map_index(&v->map, json_string_value(json_object_get(x, "field")));
		char until[64];
		letter_day(until, sizeof until, lang, json_string_value(json_object_get(x, "until")));
		/* as policy_hold_gate decides: legal claims only where the field serves them */
		fort_buf_puts(&l, "- ");
		i18n_put(&l, lang, "erasure.kept",
			 (const char *const[]){ "label", fi >= 0 ? v->map.f[fi].label : json_string_value(json_object_get(x, "field")),
						"reason", json_string_value(json_object_get(x, "reason")), "until", until, "claims",
						fi >= 0 && map_allows(&v->map.f[fi], "legal_claims") ? i18n_text(lang, "erasure.claims") : "",
						NULL });
		fort_buf_puts(&l, "\n");
	}
	fort_buf_printf(&l, "\n## %s\n\n", i18n_text(lang, "erasure.h.proof"));
	i18n_put(&l, lang, "erasure.proof", (const char *const[]){ "when", when, "key", pkhex, NULL });
	fort_buf_printf(&l, " %s\n", recipients ? i18n_text(lang, "erasure.recipients") : "");
	if ((r = fort_buf_error(&l)) == 0)
		r = rights_sink_letter(s, s->a ? "letter.md" : ".letter.md", s->a ? "letter.pdf" : ".letter.pdf", l.buf,
				       i18n_text(lang, "erasure.title"));
	fort_buf_release(&l);
	return r;
}

int erasure_fulfil(fort_erasure_report *out, fort_vault *v, const store_request *q, rights_sink *s, const char *today)
{
	store_client c;
	client_vals cv;
	json_t *body = NULL, *erased = NULL, *kept = NULL, *cert = NULL;
	fort_kv *clear = NULL;
	char idstr[FORT_ID_LEN + 1], vid[33] = "", when[32], pkhex[65], sighex[129], *canon = NULL, *text = NULL, lang[8] = "en";
	unsigned char sig[64];
	size_t nclear = 0, nkept = 0;
	int r;
	memset(&c, 0, sizeof c);
	memset(out, 0, sizeof *out);
	if ((r = cvals_init(&cv, v)) < 0)
		return r;
	client_id_format(idstr, q->client);
	/* the letter's language, before the erasure drops the client's */
	if ((r = rights_client_language(lang, NULL, v, q->client)) < 0)
		goto out;
	{
		char key[80];
		if ((r = i18n_complete(lang, "erasure.", key, sizeof key)) != 0 ||
		    (r = i18n_complete(lang, "letter.", key, sizeof key)) != 0) {
			if (r > 0)
				r = fort_error_set(FORT_EINPUT, "the erasure letter would be in '%s', and data/i18n/%s.csv has no text for "
						   "'%s': complete the catalogue", lang, lang, key);
			goto out;
		}
	}
	for (int k = 0; k < CAT_COUNT; k++)
		if (!v->kr->has_ck[k]) {
			r = fort_error_set(FORT_EDENIED, "an erasure must see every field to decide what a hold keeps, and you do not hold "
					   "the %s key: ask an owner", fort_categories[k]);
			goto out;
		}
	if (rights_sink_exists(s, "")) {
		r = fort_error_set(FORT_EEXISTS, "%s already exists: give a new file for the certificate", s->prefix);
		goto out;
	}
	if ((r = store_client_get(v->st, &c, q->client)) < 0) {
		if (r == FORT_ENOTFOUND)
			r = fort_error_set(FORT_ENOTFOUND, "client %s is no longer in the vault (already erased?)", idstr);
		goto out;
	}
	if ((r = client_decrypt(&cv, v, &c)) < 0)
		goto out;
	{
		unsigned char *val = NULL;
		size_t len = 0;
		int m = store_meta_get(v->st, "vault_id", &val, &len);
		if (m == 0 && len == 32) {
			memcpy(vid, val, 32);
			vid[32] = '\0';
		}
		free(val);
		if (m == FORT_ENOMEM) {
			/* not a certificate without its vault's id */
			r = m;
			goto out;
		}
		fort_error_clear();
	}
	erased = json_array();
	kept = json_array();
	if (!(clear = fort_calloc(cv.n ? cv.n : 1, sizeof *clear))) {
		r = FORT_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < cv.n; i++) {
		const map_field *f = &v->map.f[i];
		char until[11];
		if (!cv.vals[i])
			continue;
		if (f->hold_years) {
			hold_end(until, f, &c);
			if (strcmp(until, today) > 0) {
				json_array_append_new(kept, json_pack("{s:s,s:s,s:s}", "field", f->name, "reason", f->hold_reason, "until", until));
				nkept++;
				continue;
			}
		}
		json_array_append_new(erased, json_string(f->name));
		clear[nclear].field = f->name;
		clear[nclear].value = NULL;
		nclear++;
	}
	/* every field held: the hold blocks the erasure; nothing is done, the
	 * request stays open to be refused (Art. 17(3)(b)) or answered later */
	if (nclear == 0 && nkept > 0) {
		json_t *h = json_array_get(kept, 0);
		r = fort_error_set(FORT_EINPUT, "everything client %s has is kept under a legal hold (e.g. '%s' until %s: %s): nothing "
				   "can be erased before then; refuse the request citing GDPR Art. 17(3)(b) ('fortress request "
				   "refuse %lld --reason ...'), nothing was changed", idstr,
				   json_string_value(json_object_get(h, "field")), json_string_value(json_object_get(h, "until")),
				   json_string_value(json_object_get(h, "reason")), (long long)q->id);
		goto out;
	}
	/* Art. 19: recipients the erased data went to are told, with what to
	 * erase; written before the data goes (it must say whose data) */
	if ((r = erasure_notices(&out->recipients, v, &cv, clear, nclear, q, idstr, s)) < 0)
		goto out;
	/* erase: whole (crypto-shredding) when nothing is held, else the fields */
	if ((r = erasure_apply(v, q, idstr, clear, nclear, kept, nkept)) < 0)
		goto out;
	iso_time(when, fort_now());
	fort_hex(pkhex, v->kr->sign_pk, 32);
	body = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:O,s:O,s:s,s:s,s:s}", "certificate", CERT_TAG, "vault_id", vid,
			 "controller", v->business, "client", idstr, "request", (json_int_t)q->id, "received", q->received,
			 "erased_at", when, "erased", erased, "kept", kept, "method",
			 nkept ? "the fields listed as erased were removed from the client's record and its search index; "
				 "the fields kept stay encrypted until their hold ends"
			       : "crypto-shredding: the client's key, record and index entries were destroyed; the id is in the "
				 "erasure ledger, so a restored backup erases it again",
			 "signer", v->user ? v->user : "", "sign_pk", pkhex);
	if (!body || !(canon = canonical(body))) {
		r = FORT_ENOMEM;
		goto out;
	}
	{
		fort_buf msg;
		cert_message(&msg, canon);
		if ((r = fort_buf_error(&msg)) == 0)
			keys_sign(sig, v->kr, (const unsigned char *)msg.buf, msg.len);
		fort_buf_release(&msg);
		if (r < 0)
			goto out;
	}
	fort_hex(sighex, sig, 64);
	cert = json_pack("{s:O,s:s}", "body", body, "signature", sighex);
	if (!cert || !(text = json_dumps(cert, JSON_INDENT(2) | JSON_SORT_KEYS))) {
		r = FORT_ENOMEM;
		goto out;
	}
	if ((r = rights_sink_put(s, s->a ? "certificate.json" : "", text, strlen(text))) < 0)
		goto out;
	/* the certificate in words, for the client */
	if ((r = erasure_letter(v, q, idstr, erased, kept, nkept, when, pkhex, out->recipients, s, lang)) < 0)
		goto out;
	out->erased = nclear;
	out->kept = nkept;
	out->whole = nkept == 0;
	r = 0;
out:
	free(canon);
	free(text);
	json_decref(body);
	json_decref(cert);
	json_decref(erased);
	json_decref(kept);
	free(clear);
	cvals_release(&cv);
	store_client_release(&c);
	return r;
}

static const char *str_of(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

int fort_certificate_verify(fort_certificate_info *out, const char *path, fort_vault *v)
{
	json_error_t e;
	json_t *root = json_load_file(path, 0, &e), *body, *sig;
	unsigned char pk[32], s[64];
	char *canon = NULL;
	const char *pkhex, *sighex;
	int r;
	memset(out, 0, sizeof *out);
	if (!root && access(path, R_OK) != 0)
		return fort_error_set(errno == ENOENT ? FORT_ENOTFOUND : FORT_EIO, "cannot read %s: %s", path, strerror(errno));
	if (!root)
		return fort_error_set(FORT_EINPUT, "%s: not a certificate (line %d: %s)", path, e.line, e.text);
	body = json_object_get(root, "body");
	sig = json_object_get(root, "signature");
	if (!json_is_object(body) || !json_is_string(sig) ||
	    strcmp(json_string_value(json_object_get(body, "certificate")) ? json_string_value(json_object_get(body, "certificate")) : "",
		   CERT_TAG) != 0) {
		r = fort_error_set(FORT_EINPUT, "%s is not a Fortress erasure certificate", path);
		goto out;
	}
	pkhex = json_string_value(json_object_get(body, "sign_pk"));
	sighex = json_string_value(sig);
	if (!pkhex || fort_unhex(pk, 32, pkhex) < 0 || !sighex || fort_unhex(s, 64, sighex) < 0) {
		r = fort_error_set(FORT_ECORRUPT, "%s: the key or signature is damaged", path);
		goto out;
	}
	if (!(canon = canonical(body))) {
		r = FORT_ENOMEM;
		goto out;
	}
	{
		fort_buf msg;
		cert_message(&msg, canon);
		if ((r = fort_buf_error(&msg)) == 0)
			r = keys_verify(s, pk, (const unsigned char *)msg.buf, msg.len);
		fort_buf_release(&msg);
	}
	snprintf(out->client, sizeof out->client, "%s", str_of(body, "client"));
	snprintf(out->signer, sizeof out->signer, "%s", str_of(body, "signer"));
	snprintf(out->erased_at, sizeof out->erased_at, "%s", str_of(body, "erased_at"));
	snprintf(out->vault_id, sizeof out->vault_id, "%s", str_of(body, "vault_id"));
	out->erased = json_array_size(json_object_get(body, "erased"));
	out->kept = json_array_size(json_object_get(body, "kept"));
	if (r == FORT_ENOMEM)
		goto out;   /* not a verdict on the certificate */
	if (r != 0) {
		r = fort_error_set(FORT_ETAMPER, "%s: the signature does not verify: the certificate was altered", path);
		goto out;
	}
	out->valid = 1;
	if (v) {
		/* the signer must be a user of this vault, with this very key */
		store_user u;
		unsigned char *val = NULL;
		size_t len = 0;
		int m;
		memset(&u, 0, sizeof u);
		if ((m = store_meta_get(v->st, "vault_id", &val, &len)) == 0 && (len != 32 || memcmp(val, out->vault_id, 32) != 0)) {
			free(val);
			r = fort_error_set(FORT_EINPUT, "%s was issued by another vault (%.12s...)", path, out->vault_id);
			goto out;
		}
		free(val);
		if (m == FORT_ENOMEM) {
			r = m;   /* unchecked is not checked */
			goto out;
		}
		if ((r = store_user_get(v->st, &u, out->signer)) < 0 || sodium_memcmp(u.sign_pk, pk, 32) != 0) {
			store_user_release(&u);
			if (r < 0 && r != FORT_ENOTFOUND)
				goto out;   /* out of memory, I/O: not a verdict */
			r = fort_error_set(FORT_ETAMPER, "%s is signed by a key that is not %s's in this vault", path, out->signer);
			goto out;
		}
		store_user_release(&u);
		out->vault_checked = 1;
	}
	r = 0;
out:
	free(canon);
	json_decref(root);
	return r;
}

/* ------------------------------------------------------------- retention */

struct due_ctx {
	fort_hold_info *a;
	size_t n, cap;
};

static int due_cb(void *ctx, int64_t client, const char *field, const char *until, const char *reason, int64_t request)
{
	struct due_ctx *d = ctx;
	fort_hold_info *h;
	if (FORT_ARRAY_GROW(d->a, d->n + 1, d->cap, 16) < 0)
		return FORT_ENOMEM;
	h = &d->a[d->n++];
	memset(h, 0, sizeof *h);
	client_id_format(h->client, client);
	snprintf(h->field, sizeof h->field, "%s", field);
	snprintf(h->until, sizeof h->until, "%s", until);
	snprintf(h->reason, sizeof h->reason, "%s", reason);
	h->request = request;
	return 0;
}

int fort_retention_due(fort_hold_info **out, size_t *n, fort_vault *v, const char *until)
{
	struct due_ctx d = { NULL, 0, 0 };
	int r;
	*out = NULL;
	*n = 0;
	if ((r = vault_need(v, ACT_READ, "retention-due", NULL)) < 0)
		return r;
	if (until && !fort_date_valid(until))
		return fort_error_set(FORT_EINPUT, "'%s' is not a date: use YYYY-MM-DD", until);
	if ((r = store_hold_each(v->st, until, due_cb, &d)) < 0) {
		free(d.a);
		return r;
	}
	*out = d.a;
	*n = d.n;
	return 0;
}

/* One held field whose hold ended (a step of the retention run): the
 * field erased (the client may be gone already), the hold dropped. */
struct hold_step {
	vault_op op;
	const fort_hold_info *h;
	int64_t cid;
};

static int hold_erase(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct hold_step *x = ctx;
	store_client c;
	fort_kv kv = { x->h->field, NULL };
	int r;
	memset(&c, 0, sizeof c);
	r = store_client_get(v->st, &c, x->cid);
	store_client_release(&c);
	if (r == 0 && (r = client_erase_fields(v, x->h->client, &kv, 1, NULL, NULL)) < 0)
		return r;
	if (r == FORT_ENOTFOUND)
		fort_error_clear();
	else if (r < 0)
		return r;
	snprintf(detail, cap, "hold on '%s' ended %s (%s): field erased", x->h->field, x->h->until, x->h->reason);
	return store_hold_del(v->st, x->cid, x->h->field);
}

int fort_retention_run(fort_hold_info **out, size_t *n, fort_vault *v, const char *today, int dry_run)
{
	vault_op run = { "retention-run", dry_run ? ACT_READ : ACT_ERASE, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL };
	struct due_ctx d = { NULL, 0, 0 };
	char now[11];
	int r;
	*out = NULL;
	*n = 0;
	if ((r = vault_op_start(v, &run, NULL)) < 0)
		return r;
	if (!today) {
		time_t t = (time_t)fort_now();
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(now, sizeof now, "%Y-%m-%d", &tm);
		today = now;
	} else if (!fort_date_valid(today)) {
		return fort_error_set(FORT_EINPUT, "'%s' is not a date: use YYYY-MM-DD", today);
	}
	/* holds that end before today: due_cb with "until < today" */
	{
		char last[11];
		if ((r = fort_date_add_days(last, today, -1)) < 0 || (r = store_hold_each(v->st, last, due_cb, &d)) < 0)
			goto fail;
	}
	for (size_t i = 0; !dry_run && i < d.n; i++) {
		struct hold_step x;
		store_client c;
		memset(&x, 0, sizeof x);
		if ((r = client_id_parse(&x.cid, d.a[i].client)) < 0)
			goto fail;
		/* each field its own step: audited "retention-erase" naming
		 * the client and the field; a refusal as "retention-run" */
		x.op.action = "retention-run";
		x.op.write = hold_erase;
		x.op.done = "retention-erase";
		x.op.fields = d.a[i].field;
		x.h = &d.a[i];
		if ((r = vault_op_step(v, &x.op, d.a[i].client, &x)) < 0)
			goto fail;
		/* the last held field gone: nothing is left to keep, shred the client */
		{
			struct due_ctx rest = { NULL, 0, 0 };
			int left = 0;
			if ((r = store_hold_each(v->st, NULL, due_cb, &rest)) < 0) {
				free(rest.a);
				goto fail;
			}
			for (size_t k = 0; k < rest.n; k++)
				left |= strcmp(rest.a[k].client, d.a[i].client) == 0;
			free(rest.a);
			memset(&c, 0, sizeof c);
			if (!left && store_client_get(v->st, &c, x.cid) == 0) {
				store_client_release(&c);
				if ((r = fort_client_erase(v, d.a[i].client, "retention: the last legal hold ended")) < 0)
					goto fail;
			}
			fort_error_clear();
		}
	}
	*out = d.a;
	*n = d.n;
	return 0;
fail:
	free(d.a);
	return r;
}
