/* selfservice.c - the client's self-service page (issue 18 items 2-3):
 * one-time sign-in links, the client's own view, consents and requests.
 *
 * Runs on the self-service keyholder's handle (docs/SECURITY.md,
 * "Self-service page").  A link is 32 random bytes; the vault keeps only
 * a keyed BLAKE2b hash of it (the key derived from the keyholder's own
 * secret key, as the TOTP blob's is) as the row's key in me_links, and
 * beside it an XChaCha20-Poly1305 box under a second derived key, AD =
 * the token hash, the expiry, the vault id and the keyholder's id,
 * holding the client's id, a keyed hash of the asking browser's cookie
 * and the address the link went to (padded: every box is the same size).
 * So the file alone cannot mint a link, extend one, move one to another
 * client or browser, or tell a client's row from the dummy row an unknown
 * address gets; deleting a row only denies.  Using a link deletes its row
 * first (single use whatever the outcome). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "vault/vault_int.h"
#include "vault/op.h"
#include "audit/audit.h"
#include "policy/policy.h"
#include "store/signin.h"
#include "data/i18n.h"
#include "render/html.h"
#include "rights/rights.h"

#define RAW_LEN 32
#define HASH_LEN 32
#define EMAIL_MAX 254
#define BOX_VERSION 1
/* version, client id (8), browser hash, address length, address (padded) */
#define PLAIN_LEN (1 + 8 + HASH_LEN + 1 + EMAIL_MAX)
#define NPUB crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define BOX_LEN (NPUB + PLAIN_LEN + crypto_aead_xchacha20poly1305_ietf_ABYTES)

static const char *const kinds[] = { "access", "portability", "rectification", "erasure", "objection", "restriction" };

static int64_t now_of(const fort_me_opts *o)
{
	return o && o->now ? o->now : fort_now();
}

static const char *lang_of(const fort_me_opts *o)
{
	return i18n_lang(o ? o->language : NULL);
}

void fort_me_browser_new(char out[FORT_ME_TOKEN_LEN + 1])
{
	unsigned char raw[RAW_LEN];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out, FORT_ME_TOKEN_LEN + 1, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
}

/* A token or cookie as its 32 raw bytes; -1 when it is not one. */
static int decode(unsigned char raw[RAW_LEN], const char *s)
{
	size_t n = 0;
	if (!s || strlen(s) != FORT_ME_TOKEN_LEN)
		return -1;
	if (sodium_base642bin(raw, RAW_LEN, s, FORT_ME_TOKEN_LEN, NULL, &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n != RAW_LEN)
		return -1;
	return 0;
}

/* The two keys, from the acting keyholder's own secret key. */
static int derive(unsigned char ktok[32], unsigned char kbox[32], fort_vault *v)
{
	fort_secret *sk = NULL;
	int r;
	if ((r = keys_user_secret(&sk, v->kr)) < 0)
		return r;
	r = crypto_generichash(ktok, 32, (const unsigned char *)"fortress me link token v1", 25, fort_secret_data(sk),
			       fort_secret_len(sk)) == 0 &&
	    crypto_generichash(kbox, 32, (const unsigned char *)"fortress me link box v1", 23, fort_secret_data(sk),
			       fort_secret_len(sk)) == 0
		? 0
		: fort_error_set(FORT_ERROR, "key derivation failed");
	fort_secret_free(sk);
	return r;
}

static void keyed(unsigned char out[HASH_LEN], const unsigned char key[32], const char *label, const unsigned char raw[RAW_LEN])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, key, 32, HASH_LEN);
	crypto_generichash_update(&st, (const unsigned char *)label, strlen(label) + 1);
	crypto_generichash_update(&st, raw, RAW_LEN);
	crypto_generichash_final(&st, out, HASH_LEN);
}

static int make_ad(unsigned char ad[128], size_t *adlen, fort_vault *v, const unsigned char th[HASH_LEN], int64_t expires)
{
	unsigned char *id = NULL;
	size_t n = 0;
	int r;
	if ((r = store_meta_get_unchecked(v->st, "vault_id", &id, &n)) < 0)
		return r;
	if (n > 48)
		n = 48;
	memcpy(ad, th, HASH_LEN);
	for (int i = 0; i < 8; i++) {
		ad[HASH_LEN + i] = (unsigned char)((uint64_t)expires >> (8 * i));
		ad[HASH_LEN + 8 + n + (size_t)i] = (unsigned char)((uint64_t)v->user_id >> (8 * i));
	}
	memcpy(ad + HASH_LEN + 8, id, n);
	*adlen = HASH_LEN + 8 + n + 8;
	free(id);
	return 0;
}

static void put64(unsigned char *p, int64_t x)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)((uint64_t)x >> (8 * i));
}

static int64_t get64(const unsigned char *p)
{
	uint64_t x = 0;
	for (int i = 0; i < 8; i++)
		x |= (uint64_t)p[i] << (8 * i);
	return (int64_t)x;
}

/* The e-mail with the link (built for a dummy row too: the same work). */
static int link_mail(fort_buf *text, fort_buf *html, fort_vault *v, const fort_me_opts *o, const char *token)
{
	const char *lang = lang_of(o), *base = o && o->base_url ? o->base_url : "";
	size_t bl = strlen(base);
	while (bl && base[bl - 1] == '/')
		bl--;
	fort_buf_printf(text, "%s\n\n%.*s/me/link?t=%s&lang=%s\n\n-- \n%s\n", i18n_text(lang, "mail.link_body"), (int)bl, base, token,
			lang, v->business);
	fort_buf_puts(html, "<p>");
	fort_html_escape_str(html, i18n_text(lang, "mail.link_body"));
	fort_buf_printf(html, "</p><p><a href=\"%.*s/me/link?t=%s&amp;lang=%s\">", (int)bl, base, token, lang);
	fort_html_escape_str(html, i18n_text(lang, "me.link_continue"));
	fort_buf_puts(html, "</a></p><p>");
	fort_html_escape_str(html, v->business);
	fort_buf_puts(html, "</p>");
	return fort_buf_error(text) < 0 || fort_buf_error(html) < 0 ? FORT_ENOMEM : 0;
}

/* The link request's writes: the link (its token's hash and sealed box)
 * and, when a client has the address, the mail queued. */
struct link_ctx {
	const unsigned char *th, *box;
	int64_t expires, cid;
	const char *norm, *subject, *text, *html;
	const fort_me_opts *o;
};

static int link_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct link_ctx *x = ctx;
	int r;
	if ((r = store_me_link_prune(v->st, now_of(x->o))) < 0 || (r = store_me_link_put(v->st, x->th, x->expires, x->box, BOX_LEN)) < 0)
		return r;
	if (x->cid) {
		const char *to[1] = { x->norm };
		fort_mail_msg m = FORT_MAIL_MSG_INIT;
		m.to = to;
		m.nto = 1;
		m.subject = x->subject;
		m.text = x->text;
		m.html = x->html;
		m.ref = "me:link";
		m.purpose = "me-sign-in-link";
		if ((r = fort_mail_queue(NULL, v, &m)) < 0)
			return r;
	}
	snprintf(detail, cap, "%s", x->cid ? "sign-in link e-mailed (self-service page)"
					   : "sign-in link asked for an address no client has: nothing sent");
	return 0;
}

int fort_me_link_request(fort_vault *v, const char *email, const char *browser, const fort_me_opts *o)
{
	unsigned char ktok[32], kbox[32], raw[RAW_LEN], braw[RAW_LEN], th[HASH_LEN], ad[128];
	unsigned char plain[PLAIN_LEN], box[BOX_LEN];
	char token[FORT_ME_TOKEN_LEN + 1], idstr[FORT_ID_LEN + 1] = "", subject[300];
	char (*ids)[FORT_ID_LEN + 1] = NULL;
	char *norm = NULL;
	size_t n = 0, adlen = 0, elen;
	int64_t cid = 0, expires;
	fort_buf text, html;
	/* the entry names the client when there is one: the log is the
	 * business's, not the visitor's */
	const vault_op op = { "me-link", ACT_WRITE, NULL, link_write, NULL, NULL, NULL, idstr };
	struct link_ctx x;
	int r;

	if (o && (r = FORT_CHECK_VERSION(o->version, FORT_ME_OPTS, fort_me_opts)) < 0)
		return r;
	fort_buf_init_secret(&text, 64 * 1024);
	fort_buf_init_secret(&html, 64 * 1024);
	/* one step: the role checked first, then what the link needs, read and
	 * made outside the transaction */
	if ((r = vault_op_start(v, &op, NULL)) < 0)
		goto out;
	if (decode(braw, browser) < 0) {
		r = fort_error_set(FORT_EINPUT, "the browser's sign-in cookie is malformed: reload the page");
		goto out;
	}
	if (!email || fort_field_normalise(&norm, v, "email", email) < 0 || (elen = strlen(norm)) > EMAIL_MAX) {
		r = fort_error_set(FORT_EINPUT, "this is not an e-mail address: check it and try again");
		goto out;
	}
	/* the blind-index lookup: the same for every address */
	if ((r = fort_client_find(&ids, &n, v, "email", norm)) < 0)
		goto out;
	if (n == 1 && fort_client_is_erased(v, ids[0]) == 0 && client_id_parse(&cid, ids[0]) == 0)
		snprintf(idstr, sizeof idstr, "%s", ids[0]);
	else
		cid = 0;
	fort_error_clear();

	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(token, sizeof token, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if ((r = derive(ktok, kbox, v)) < 0)
		goto out;
	keyed(th, ktok, "token", raw);
	expires = now_of(o) + FORT_ME_LINK_SECONDS;
	memset(plain, 0, sizeof plain);
	plain[0] = BOX_VERSION;
	put64(plain + 1, cid);
	keyed(plain + 9, ktok, "browser", braw);
	plain[9 + HASH_LEN] = (unsigned char)(cid ? elen : 0);
	if (cid)
		memcpy(plain + 10 + HASH_LEN, norm, elen);
	if ((r = make_ad(ad, &adlen, v, th, expires)) < 0)
		goto out;
	randombytes_buf(box, NPUB);
	crypto_aead_xchacha20poly1305_ietf_encrypt(box + NPUB, NULL, plain, sizeof plain, ad, adlen, NULL, box, kbox);
	if ((r = link_mail(&text, &html, v, o, token)) < 0)
		goto out;
	snprintf(subject, sizeof subject, "%s - %s", i18n_text(lang_of(o), "mail.link_subject"), v->business);

	x.th = th;
	x.box = box;
	x.expires = expires;
	x.cid = cid;
	x.norm = norm;
	x.subject = subject;
	x.text = text.buf;
	x.html = html.buf;
	x.o = o;
	r = vault_op_step(v, &op, NULL, &x);
out:
	sodium_memzero(ktok, sizeof ktok);
	sodium_memzero(kbox, sizeof kbox);
	sodium_memzero(raw, sizeof raw);
	sodium_memzero(braw, sizeof braw);
	sodium_memzero(plain, sizeof plain);
	sodium_memzero(token, sizeof token);
	if (norm) {
		sodium_memzero(norm, strlen(norm));
		free(norm);
	}
	free(ids);
	fort_buf_release(&text);
	fort_buf_release(&html);
	return r;
}

static const char *const why_words[] = {
	[FORT_ME_LINK_OK] = "ok",
	[FORT_ME_LINK_INVALID] = "a sign-in link that does not exist (forged, already used, or altered)",
	[FORT_ME_LINK_EXPIRED] = "an expired sign-in link",
	[FORT_ME_LINK_BROWSER] = "a sign-in link opened in another browser than the one that asked for it",
};

int fort_me_link_redeem(fort_me_link_result *result, char client_out[FORT_ID_LEN + 1], char **email_out, fort_vault *v,
			const char *token, const char *browser, const fort_me_opts *o)
{
	unsigned char ktok[32], kbox[32], raw[RAW_LEN], braw[RAW_LEN], th[HASH_LEN], bh[HASH_LEN], ad[128];
	unsigned char plain[PLAIN_LEN], *box = NULL;
	char idstr[FORT_ID_LEN + 1] = "", detail[200];
	size_t blen = 0, adlen = 0;
	int64_t expires = 0, cid = 0;
	fort_me_link_result why = FORT_ME_LINK_INVALID;
	int r;

	*result = FORT_ME_LINK_INVALID;
	client_out[0] = '\0';
	*email_out = NULL;
	memset(plain, 0, sizeof plain);
	if (o && (r = FORT_CHECK_VERSION(o->version, FORT_ME_OPTS, fort_me_opts)) < 0)
		return r;
	if ((r = vault_need(v, ACT_WRITE, "me-signin", NULL)) < 0)
		return r;
	if ((r = derive(ktok, kbox, v)) < 0)
		goto out;
	if (decode(raw, token) < 0)
		goto refused;
	keyed(th, ktok, "token", raw);
	/* single use: the row goes whatever follows */
	r = store_me_link_take(v->st, th, &expires, &box, &blen);
	if (r == FORT_ENOTFOUND)
		goto refused;
	if (r < 0)
		goto out;
	if (blen != BOX_LEN || (r = make_ad(ad, &adlen, v, th, expires)) < 0 ||
	    crypto_aead_xchacha20poly1305_ietf_decrypt(plain, NULL, NULL, box + NPUB, blen - NPUB, ad, adlen, box, kbox) != 0 ||
	    plain[0] != BOX_VERSION || (cid = get64(plain + 1)) <= 0 || plain[9 + HASH_LEN] == 0 ||
	    plain[9 + HASH_LEN] > EMAIL_MAX) {
		if (r < 0)
			goto out;
		goto refused;
	}
	client_id_format(idstr, cid);
	if (now_of(o) > expires) {
		why = FORT_ME_LINK_EXPIRED;
		goto refused;
	}
	if (decode(braw, browser) < 0) {
		why = FORT_ME_LINK_BROWSER;
		goto refused;
	}
	keyed(bh, ktok, "browser", braw);
	if (sodium_memcmp(bh, plain + 9, HASH_LEN) != 0) {
		why = FORT_ME_LINK_BROWSER;
		goto refused;
	}
	if (fort_client_is_erased(v, idstr) != 0) {
		fort_error_clear();
		goto refused;
	}
	{
		size_t elen = plain[9 + HASH_LEN];
		if (!(*email_out = malloc(elen + 1))) {
			r = fort_error_set(FORT_ENOMEM, "out of memory");
			goto out;
		}
		memcpy(*email_out, plain + 10 + HASH_LEN, elen);
		(*email_out)[elen] = '\0';
	}
	if ((r = audit_record(v, "me-signin", idstr, "", "", "ok", "signed in to the self-service page with a one-time e-mail link")) < 0) {
		free(*email_out);
		*email_out = NULL;
		goto out;
	}
	snprintf(client_out, FORT_ID_LEN + 1, "%s", idstr);
	*result = FORT_ME_LINK_OK;
	r = 0;
	goto out;
refused:
	snprintf(detail, sizeof detail, "refused %s", why_words[why]);
	if ((r = audit_record(v, "me-signin", idstr, "", "", "denied", detail)) < 0)
		goto out;
	*result = why;
	r = 0;
out:
	sodium_memzero(ktok, sizeof ktok);
	sodium_memzero(kbox, sizeof kbox);
	sodium_memzero(raw, sizeof raw);
	sodium_memzero(braw, sizeof braw);
	sodium_memzero(plain, sizeof plain);
	free(box);
	return r;
}

int fort_me_links_prune(fort_vault *v, int64_t now)
{
	int r;
	if ((r = vault_need(v, ACT_WRITE, "me-link", NULL)) < 0)
		return r;
	return store_me_link_prune(v->st, now ? now : fort_now());
}

int fort_me_view(fort_vault *v, const char *client)
{
	int64_t cid;
	int r;
	if ((r = vault_need(v, ACT_READ, "me-view", client)) < 0 || (r = client_id_parse(&cid, client)) < 0)
		return r;
	return audit_record(v, "me-view", client, "", "", "ok", "the client's own access: their self-service page");
}

int fort_me_consent(fort_vault *v, const char *client, const char *purpose, const char *action, const fort_me_opts *o)
{
	fort_consent_opts co = FORT_CONSENT_OPTS_INIT;
	int r;
	if (o && (r = FORT_CHECK_VERSION(o->version, FORT_ME_OPTS, fort_me_opts)) < 0)
		return r;
	if (!action || (strcmp(action, "grant") != 0 && strcmp(action, "withdraw") != 0))
		return fort_error_set(FORT_EINPUT, "a consent on the self-service page is given (grant) or withdrawn (withdraw)");
	if (!purpose || map_check_purpose(&v->map, purpose) < 0)
		return fort_error_set(FORT_ENOTFOUND, "no purpose '%s' in the data map", purpose ? purpose : "");
	if (!map_purpose_consent(&v->map, purpose))
		return fort_error_set(FORT_EINPUT, "purpose '%s' does not rest on consent: it cannot be given or withdrawn here",
				      purpose);
	co.channel = "web";
	co.language = lang_of(o);
	co.when = o && o->now ? o->now : 0;
	r = fort_consent_record(v, client, purpose, action, &co);
	if (r == FORT_EINPUT && strcmp(action, "grant") == 0 && strcmp(co.language, "en") != 0) {
		/* no notice stored in the page's language: the English one */
		co.language = "en";
		r = fort_consent_record(v, client, purpose, action, &co);
	}
	return r;
}

static int second_step(const fort_me_opts *o, const char *kind)
{
	const char *p = o ? o->second_step : NULL;
	size_t k = strlen(kind);
	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == k && strncmp(p, kind, k) == 0)
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

int fort_me_request(fort_request_info *info_out, fort_vault *v, const char *client, const char *email, const char *kind,
		    const fort_me_opts *o)
{
	fort_request_opts ro = FORT_REQUEST_OPTS_INIT;
	fort_request_info info;
	char today[11], ref[64], subject[300], key[32], due[64];
	const char *lang = lang_of(o);
	int64_t id = 0;
	fort_buf text;
	time_t t;
	struct tm tm;
	int r, i, known = 0;

	if (o && (r = FORT_CHECK_VERSION(o->version, FORT_ME_OPTS, fort_me_opts)) < 0)
		return r;
	for (i = 0; i < (int)(sizeof kinds / sizeof kinds[0]); i++)
		known |= kind && strcmp(kind, kinds[i]) == 0;
	if (!known)
		return fort_error_set(FORT_EINPUT, "unknown request '%s': access, portability, rectification, erasure, objection or restriction",
				      kind ? kind : "");
	if (!email || !*email)
		return fort_error_set(FORT_EINPUT, "the confirmation needs the address the sign-in link went to");
	t = (time_t)fort_now();
	gmtime_r(&t, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	/* the vault's request policy, and any kinds the server adds (serve
	 * --me-second-step can only add a step, never remove one) */
	if ((r = request_second_step(&ro.needs_id, v, kind)) < 0)
		return r;
	ro.needs_id |= second_step(o, kind);
	ro.channel = "web";
	ro.note = o && o->note && o->note[0] ? o->note : NULL;
	if (strcmp(kind, "rectification") == 0 && !ro.note)
		return fort_error_set(FORT_EINPUT, "a rectification needs the client's words: what is wrong, and what it should be");
	if ((r = fort_request_open(&id, v, kind, client, today, &ro)) < 0)
		return r;
	/* Art. 12(6): the one-time link proved control of the address */
	if (ro.needs_id)
		r = request_note_link(v, id, "one-time e-mail link");
	else
		r = fort_request_verify_id(v, id, "one-time e-mail link", 1, today);
	if (r < 0 || (r = fort_request_get(&info, v, id, today)) < 0)
		return r;
	/* the page language the client used is theirs from now on: the
	 * answer's letter comes in it (issue 18 item 4) */
	if (o && o->language && fort_language_supported(o->language)) {
		char cur[8];
		if ((r = vault_client_language_get(cur, v, client)) < 0)
			return r;
		if (strcmp(cur, o->language) != 0 && (r = fort_client_language_set(v, client, o->language)) < 0)
			return r;
	}
	/* the due date as the language writes it, and as a date (YYYY-MM-DD) */
	snprintf(due, sizeof due, "%s", info.due[0] ? info.due : "-");
	if (info.due[0] && strcmp(lang, "en") != 0) {
		char words[48];
		if (fort_date_words(words, sizeof words, lang, info.due) == 0)
			snprintf(due, sizeof due, "%s (%.10s)", words, info.due);
		fort_error_clear();
	}

	fort_buf_init_secret(&text, 16 * 1024);
	snprintf(key, sizeof key, "kind.%s", kind);
	fort_buf_printf(&text, "%s\n\n%s\n%s: %s\n%s: %lld\n%s", i18n_text(lang, "mail.request_body"), i18n_text(lang, key),
			i18n_text(lang, "col.due"), due, i18n_text(lang, "mail.reference"), (long long)id,
			ro.needs_id ? i18n_text(lang, "me.pending_id") : "");
	fort_buf_printf(&text, "\n\n-- \n%s\n", v->business);
	snprintf(subject, sizeof subject, "%s - %s", i18n_text(lang, "mail.request_subject"), v->business);
	snprintf(ref, sizeof ref, "me:request:%lld", (long long)id);
	if (fort_buf_error(&text) < 0) {
		r = fort_error_set(FORT_ENOMEM, "out of memory");
	} else {
		const char *to[1] = { email };
		fort_mail_msg m = FORT_MAIL_MSG_INIT;
		m.to = to;
		m.nto = 1;
		m.subject = subject;
		m.text = text.buf;
		m.ref = ref;
		m.purpose = "me-request-confirmation";
		r = fort_mail_queue(NULL, v, &m);
	}
	fort_buf_release(&text);
	if (r < 0)
		return r;
	if (info_out)
		*info_out = info;
	return 0;
}
