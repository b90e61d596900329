/* access.c - answering an access request (GDPR Art. 15; CCPA "right to
 * know"): one folder with the client's data (JSON and CSV, UTF-8, ISO 8601),
 * a manifest (every file's SHA-256, every field described) and a letter
 * (HTML and Markdown) stating every Art. 15(1)(a)-(h) and 15(2) item and
 * the access history from the audit log.
 *
 * The folder is written under a temporary name next to its destination and
 * renamed when complete (mode 0700, files 0600): a failure leaves nothing.
 * The client's values are decrypted here without the purpose checks of
 * fort_client_get: the request itself is the lawful basis (Art. 15), and
 * the package is audited as such. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <jansson.h>
#include "vault/vault_int.h"
#include "rights/rights.h"
#include "render/pdf.h"
#include "render/html.h"
#include "data/i18n.h"

/* CCPA: government ids, account numbers and passwords are not disclosed,
 * only that they are held (11 CCR §7024(d)). */
static int ccpa_withheld(const map_field *f)
{
	return f->t == FT_IBAN || f->t == FT_CARD || strcmp(f->name, "tax_id") == 0 || strstr(f->name, "password") ||
	       strstr(f->name, "ssn") || strstr(f->name, "passport");
}

static void iso_time(char out[32], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One entry of the access history: every operation that disclosed or
 * consulted the client's data (CJEU C-579/21: dates and purposes of the
 * consultations).  BY is the actor's role, not the person: the Court
 * reads Art. 15 as not, in principle, giving the identity of employees. */
struct hentry {
	int64_t ts;
	char *by, *action, *fields, *purpose, *to;
};

struct history {
	fort_buf md, html;
	json_t *arr;
	size_t n, cap;
	struct hentry *e;
	fort_vault *v;
	const char *client;
	int64_t cid;
	/* the vault-level export entries (their purposes), by time */
	struct hentry *x;
	size_t nx, capx;
};

/* Which audit actions are "your data was consulted / used / disclosed". */
static int is_access(const char *action)
{
	static const char *const acts[] = { "read", "reveal", "edit", "add", "export", "erase", "consent-show", "request-fulfil",
					    "request-erase", "request-answer", "attachment-get", "retention-erase", "incident-letters" };
	for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++)
		if (strcmp(action, acts[i]) == 0)
			return 1;
	return 0;
}

static int push(struct hentry **arr, size_t *n, size_t *cap, int64_t ts, const char *by, const char *action,
		const char *fields, const char *purpose, const char *to)
{
	struct hentry *e;
	if (FORT_ARRAY_GROW(*arr, *n + 1, *cap, 64) < 0)
		return FORT_ENOMEM;
	e = &(*arr)[*n];
	e->ts = ts;
	if (!(e->by = fort_strdup(by)) || !(e->action = fort_strdup(action)) || !(e->fields = fort_strdup(fields)) ||
	    !(e->purpose = fort_strdup(purpose)) || !(e->to = fort_strdup(to))) {
		free(e->by), free(e->action), free(e->fields), free(e->purpose);
		return FORT_ENOMEM;
	}
	(*n)++;
	return 0;
}

static void hentries_free(struct hentry *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].by), free(a[i].action), free(a[i].fields), free(a[i].purpose);
		fort_free_str(a[i].to);
	}
	free(a);
}

/* The role of user NAME ("owner", "staff"...), "" if unknown. */
static void role_of(char out[64], fort_vault *v, const char *name)
{
	store_user u;
	memset(&u, 0, sizeof u);
	out[0] = '\0';
	if (store_user_get(v->st, &u, name) == 0)
		snprintf(out, 64, "%s", u.role ? u.role : "");
	else
		fort_error_clear();
	store_user_release(&u);
}

static int history_cb(void *ctx, const fort_audit_entry *e)
{
	struct history *h = ctx;
	char role[64];
	if (!is_access(e->action) || strcmp(e->result, "ok") != 0)
		return 0;
	role_of(role, h->v, e->actor);
	/* in the client's words: what the operation was, and what for */
	if (strcmp(e->action, "reveal") == 0 && strcmp(e->purpose, "breach-notice") == 0)
		return push(&h->e, &h->n, &h->cap, e->ts, role[0] ? role : "a user", "breach notice", e->fields, e->purpose, "");
	if (strcmp(e->action, "request-fulfil") == 0) {
		int port = e->detail && strstr(e->detail, "(portability,") != NULL;
		return push(&h->e, &h->n, &h->cap, e->ts, role[0] ? role : "a user",
			    port ? "copy of your data (portability)" : "copy of your data (access package)", "all",
			    port ? "answering your portability request" : "answering your access request", "");
	}
	if (strcmp(e->action, "attachment-get") == 0)
		return push(&h->e, &h->n, &h->cap, e->ts, role[0] ? role : "a user", "attachment opened", e->fields, e->purpose, "");
	return push(&h->e, &h->n, &h->cap, e->ts, role[0] ? role : "a user", e->action, e->fields, e->purpose, "");
}

/* the vault's own export entries: an export's purpose, by its time */
static int export_audit_cb(void *ctx, const store_audit_row *row)
{
	struct history *h = ctx;
	if (strcmp(row->action, "export") != 0 || strcmp(row->result, "ok") != 0)
		return 0;
	return push(&h->x, &h->nx, &h->capx, row->ts, row->actor, "export", row->fields, row->purpose, "");
}

/* every file exported that held the client (the exports record) */
static int export_row_cb(void *ctx, const store_export *x)
{
	struct history *h = ctx;
	int64_t ts = x->ts;
	const char *actor = x->actor, *purpose = "";
	char role[64], to[4400];
	int held = 0;
	for (size_t i = 0; i < x->nids && !held; i++)
		held = x->ids[i] == h->cid;
	if (!held)
		return 0;
	for (size_t i = 0; i < h->nx; i++)   /* the audit entry of the same export */
		if (h->x[i].ts >= ts - 1 && h->x[i].ts <= ts + 1 && strcmp(h->x[i].by, actor) == 0)
			purpose = h->x[i].purpose;
	role_of(role, h->v, actor);
	snprintf(to, sizeof to, "%s (%s%s)", x->destination, x->format[0] ? x->format : "file", x->encrypted ? ", encrypted" : "");
	return push(&h->e, &h->n, &h->cap, ts, role[0] ? role : "a user", "export", x->fields, purpose, to);
}

static int by_time(const void *a, const void *b)
{
	const struct hentry *x = a, *y = b;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int history_collect(struct history *h, fort_vault *v, const char *idstr, int64_t cid)
{
	int r;
	h->v = v;
	h->client = idstr;
	h->cid = cid;
	if ((r = fort_audit_log(v, idstr, history_cb, h)) < 0)
		return r;
	/* exports name no client in the audit log: the exports record says
	 * which clients each file held */
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->e[i].action, "export") == 0)
			h->e[i].action[0] = '\0';   /* replaced by the exports record's entry below */
	if ((r = store_audit_each(v->st, "", export_audit_cb, h)) < 0 ||
	    (r = store_export_each(v->st, &(store_export_filter){ 0, "export", NULL, NULL, 0, 0 }, export_row_cb, h)) < 0)
		return r;
	{
		/* drop the placeholders */
		size_t k = 0;
		for (size_t i = 0; i < h->n; i++) {
			if (!h->e[i].action[0]) {
				free(h->e[i].by), free(h->e[i].action), free(h->e[i].fields), free(h->e[i].purpose), free(h->e[i].to);
				continue;
			}
			h->e[k++] = h->e[i];
		}
		h->n = k;
	}
	qsort(h->e, h->n, sizeof *h->e, by_time);
	for (size_t i = 0; i < h->n; i++) {
		const struct hentry *e = &h->e[i];
		char when[32];
		json_t *o = json_object();
		iso_time(when, e->ts);
		json_object_set_new(o, "time", json_string(when));
		json_object_set_new(o, "by", json_string(e->by));
		json_object_set_new(o, "action", json_string(e->action));
		json_object_set_new(o, "fields", json_string(e->fields));
		json_object_set_new(o, "purpose", json_string(e->purpose));
		if (e->to[0])
			json_object_set_new(o, "to", json_string(e->to));
		json_array_append_new(h->arr, o);
		fort_buf_printf(&h->md, "| %s | %s | %s%s%s | %s | %s |\n", when, e->by, e->action, e->to[0] ? " to " : "", e->to,
				e->fields[0] ? e->fields : "-", e->purpose[0] ? e->purpose : "-");
		fort_buf_puts(&h->html, "<tr><td>");
		fort_html_escape_str(&h->html, when);
		fort_buf_puts(&h->html, "</td><td>");
		fort_html_escape_str(&h->html, e->by);
		fort_buf_puts(&h->html, "</td><td>");
		fort_html_escape_str(&h->html, e->action);
		if (e->to[0]) {
			fort_buf_puts(&h->html, " to ");
			fort_html_escape_str(&h->html, e->to);
		}
		fort_buf_puts(&h->html, "</td><td>");
		fort_html_escape_str(&h->html, e->fields[0] ? e->fields : "-");
		fort_buf_puts(&h->html, "</td><td>");
		fort_html_escape_str(&h->html, e->purpose[0] ? e->purpose : "-");
		fort_buf_puts(&h->html, "</td></tr>\n");
	}
	return 0;
}

static int write_file(rights_sink *sk, const char *name, const void *data, size_t len, json_t *files)
{
	char hex[65];
	unsigned char h[crypto_hash_sha256_BYTES];
	json_t *o;
	int r;
	if ((r = rights_sink_put(sk, name, data, len)) < 0)
		return r;
	if (files) {
		crypto_hash_sha256(h, data, len);
		fort_hex(hex, h, sizeof h);
		o = json_object();
		json_object_set_new(o, "file", json_string(name));
		json_object_set_new(o, "bytes", json_integer((json_int_t)len));
		json_object_set_new(o, "sha256", json_string(hex));
		json_array_append_new(files, o);
	}
	return 0;
}

static void rm_tree(const char *dir)
{
	static const char *const names[] = { "data.json", "data.csv", "letter.md", "letter.html", "letter.pdf", "manifest.json",
					     "portable.json" };
	char path[4096];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Both letters at once: M (Markdown) and H (HTML). */
#define BOTH(...) do { fort_buf_printf(&md, __VA_ARGS__); } while (0)

/* Art. 20: what the client provided, in the form an import reads back
 * (fortress client import portable.json), as DIR/portable.json. */
static int portable_write(rights_sink *dir, fort_vault *v, const client_vals *cv, json_t *files)
{
	json_t *arr = json_array(), *obj = json_object();
	char *p;
	int r;
	for (size_t i = 0; i < v->map.n; i++)
		if (cv->vals[i])
			json_object_set_new(obj, v->map.f[i].name, json_string(cv->vals[i]));
	json_array_append_new(arr, obj);
	p = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(arr);
	if (!p)
		return FORT_ENOMEM;
	r = write_file(dir, "portable.json", p, strlen(p), files);
	sodium_memzero(p, strlen(p));
	free(p);
	return r;
}

/* The same letter on paper: DIR/letter.pdf from the Markdown MD. */
static int pdf_write(rights_sink *dir, const char *md, json_t *files)
{
	unsigned char *pdf = NULL;
	size_t plen = 0;
	int r;
	if ((r = render_pdf(md, "Your request (GDPR Art. 15)", &pdf, &plen)) < 0)
		return r;
	r = write_file(dir, "letter.pdf", pdf, plen, files);
	free(pdf);
	return r;
}

/* Each field: its description (DESCR, every field), and the client's value
 * (FIELDS, the CSV) where there is one; CCPA withholds some, masked.  USED:
 * the activities the client's fields serve. */
static int fields_add(json_t *fields, json_t *descr, fort_buf *csv, size_t *held, size_t *withheld, int used[64], fort_vault *v,
		      const client_vals *cv, int ccpa)
{
	int r;
	for (size_t i = 0; i < v->map.n; i++) {
		const map_field *f = &v->map.f[i];
		json_t *o, *d, *pp;
		char *masked = NULL;
		const char *val;
		d = json_object();
		pp = json_array();
		for (size_t k = 0; k < f->npurposes; k++)
			json_array_append_new(pp, json_string(f->purposes[k]));
		json_object_set_new(d, "field", json_string(f->name));
		json_object_set_new(d, "label", json_string(f->label));
		json_object_set_new(d, "type", json_string(f->type));
		json_object_set_new(d, "category", json_string(f->category));
		json_object_set_new(d, "purposes", pp);
		json_object_set_new(d, "legal_basis", json_string(f->legal_basis));
		{
			char rt[1500];
			if (fort_field_retention_text(rt, sizeof rt, v, f->name) < 0)
				fort_error_clear();
			json_object_set_new(d, "retention", json_string(rt));
		}
		json_array_append_new(descr, d);
		if (!cv->vals[i])
			continue;
		(*held)++;
		for (size_t k = 0; k < f->npurposes; k++)
			for (size_t a = 0; a < v->map.np && a < 64; a++)
				if (strcmp(v->map.p[a].name, f->purposes[k]) == 0)
					used[a] = 1;
		val = cv->vals[i];
		if (ccpa && ccpa_withheld(f)) {
			if ((r = type_mask(&masked, f->t, cv->vals[i])) < 0)
				return r;
			val = masked;
			(*withheld)++;
		}
		o = json_object();
		json_object_set_new(o, "field", json_string(f->name));
		json_object_set_new(o, "label", json_string(f->label));
		json_object_set_new(o, "category", json_string(f->category));
		json_object_set_new(o, "value", json_string(val));
		if (masked)
			json_object_set_new(o, "withheld", json_string("held, not disclosed (CCPA: government ids, account numbers)"));
		json_array_append_new(fields, o);
		fort_csv_cell(csv, f->name, 0);
		fort_buf_putc(csv, ',');
		fort_csv_cell(csv, f->label, 0);
		fort_buf_putc(csv, ',');
		fort_csv_cell(csv, f->category, 0);
		fort_buf_putc(csv, ',');
		fort_csv_cell(csv, val, 0);
		fort_buf_puts(csv, "\r\n");
		free(masked);
	}
	return 0;
}

/* What the vault records about the client besides the fields: consents,
 * requests (this one included) and the files that name them (*NFILES). */
static int ledgers_add(json_t *data, size_t *nfiles, fort_vault *v, const char *idstr)
{
	int r;
	/* consents and requests are data about the client too */
	{
		fort_consent_entry *ce = NULL;
		size_t nce = 0;
		json_t *ca = json_array();
		if ((r = fort_consent_history(&ce, &nce, v, idstr)) < 0) {
			json_decref(ca);
			return r;
		}
		for (size_t i = 0; i < nce; i++) {
			json_t *o = json_object();
			char when[32];
			iso_time(when, ce[i].ts);
			json_object_set_new(o, "time", json_string(when));
			json_object_set_new(o, "action", json_string(ce[i].action));
			json_object_set_new(o, "purpose", json_string(ce[i].purpose));
			json_object_set_new(o, "channel", json_string(ce[i].channel));
			json_array_append_new(ca, o);
		}
		free(ce);
		json_object_set_new(data, "consents", ca);
	}
	{
		/* the client's own requests to us, this one included */
		fort_request_info *ri = NULL;
		size_t nri = 0;
		json_t *ra = json_array();
		if ((r = fort_request_list(&ri, &nri, v, idstr, 0, NULL)) < 0) {
			json_decref(ra);
			return r;
		}
		for (size_t i = 0; i < nri; i++)
			json_array_append_new(ra, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)ri[i].id, "kind", ri[i].kind,
							    "received", ri[i].received, "state", ri[i].state, "due", ri[i].due,
							    "closed", ri[i].closed));
		free(ri);
		json_object_set_new(data, "requests", ra);
	}
	{
		/* files kept in the vault that name the client (quarantined by the
		 * scanner): listed; a copy is given on request, redacted, as a file
		 * may hold other people's data too */
		fort_attachment_info *at = NULL;
		json_t *fa = json_array();
		if ((r = fort_attachment_list(&at, nfiles, v, idstr)) < 0) {
			json_decref(fa);
			return r;
		}
		for (size_t i = 0; i < *nfiles; i++) {
			char when[32];
			iso_time(when, at[i].created);
			json_array_append_new(fa, json_pack("{s:I,s:s,s:I,s:s,s:s,s:i}", "id", (json_int_t)at[i].id, "stored", when,
							    "size", (json_int_t)at[i].size, "categories", at[i].categories, "sha256",
							    at[i].sha256, "other_clients", (int)(at[i].nclients ? at[i].nclients - 1 : 0)));
		}
		fort_attachment_list_free(at, *nfiles);
		json_object_set_new(data, "files", fa);
	}
	return 0;
}

/* KEY's text in L with VARS (name, value, ..., NULL) into the letter. */
#define TXT(key, ...) i18n_put(&md, L, key, (const char *const[]){ __VA_ARGS__ })

int access_package(fort_access_report *out, fort_vault *v, const store_request *q, const char *dir, rights_sink *zip,
		   const char *lang)
{
	rights_sink disk, *sk = zip;
	size_t nfiles = 0;
	store_client c;
	client_vals cv;
	fort_buf md, html, table, csv, tmpname;
	json_t *data = NULL, *fields = NULL, *manifest = NULL, *files = NULL, *descr = NULL;
	struct history hist;
	char idstr[FORT_ID_LEN + 1], *s = NULL, now[32];
	int r, ccpa = strcmp(q->jurisdiction, "CA") == 0, made_dir = 0;
	size_t held = 0, withheld = 0;
	int used[64] = { 0 }; /* purposes (activities) the client's fields serve */
	char L[8] = "en", received[64], today[64];

	memset(&c, 0, sizeof c);
	memset(&hist, 0, sizeof hist);
	fort_buf_init_secret(&md, 0);
	fort_buf_init_secret(&html, 0);
	fort_buf_init_secret(&table, 0);
	fort_buf_init_secret(&csv, 0);
	fort_buf_init(&tmpname, 0);
	fort_buf_init_secret(&hist.md, 0);
	fort_buf_init_secret(&hist.html, 0);
	if ((r = cvals_init(&cv, v)) < 0)
		return r;
	client_id_format(idstr, q->client);
	for (int k = 0; k < CAT_COUNT; k++)
		if (!v->kr->has_ck[k]) {
			r = fort_error_set(FORT_EDENIED, "an access package holds every category, and you do not hold the %s key: "
					   "ask an owner to fulfil it", fort_categories[k]);
			goto out;
		}
	if ((r = store_client_get(v->st, &c, q->client)) < 0 || (r = client_decrypt(&cv, v, &c)) < 0)
		goto out;
	if (dir) {
		struct stat sb;
		if (stat(dir, &sb) == 0) {
			r = fort_error_set(FORT_EEXISTS, "%s already exists: give a new folder for the package", dir);
			goto out;
		}
		if ((r = fort_buf_printf(&tmpname, "%s.partial-%d", dir, (int)getpid())) < 0)
			goto out;
		if (mkdir(tmpname.buf, 0700) < 0) {
			r = fort_error_set(FORT_EIO, "cannot create %s: %s", tmpname.buf, strerror(errno));
			goto out;
		}
		made_dir = 1;
		if (fort_buf_printf(&tmpname, "/") < 0 || strlen(tmpname.buf) >= sizeof disk.prefix) {
			r = fort_error_set(FORT_EINPUT, "the folder name %s is too long", dir);
			goto out;
		}
		rights_sink_disk(&disk, tmpname.buf);
		tmpname.buf[--tmpname.len] = '\0';
		sk = &disk;
	}
	iso_time(now, fort_now());
	/* the letter in the client's language (a California request to know:
	 * English, the CCPA's words) */
	if (!ccpa) {
		if (lang && *lang)
			snprintf(L, sizeof L, "%s", lang);
		else if ((r = rights_client_language(L, NULL, v, q->client)) < 0)
			goto out;
	}
	{
		char key[80];
		if ((r = i18n_complete(L, "access.", key, sizeof key)) != 0 ||
		    (r = i18n_complete(L, "letter.", key, sizeof key)) != 0 || (r = i18n_complete(L, "basis.", key, sizeof key)) != 0 ||
		    (r = i18n_complete(L, "notice.", key, sizeof key)) != 0) {
			if (r < 0)
				goto out;
			r = fort_error_set(FORT_EINPUT, "the access letter would be in '%s', and data/i18n/%s.csv has no text for '%s': "
					   "complete the catalogue, or give --language en", L, L, key);
			goto out;
		}
	}
	if (strcmp(L, "en") == 0 || fort_date_words(received, sizeof received, L, q->received) < 0 ||
	    fort_date_words(today, sizeof today, L, now) < 0) {
		fort_error_clear();
		snprintf(received, sizeof received, "%s", q->received);
		snprintf(today, sizeof today, "%s", now);
	}

	/* the data */
	data = json_object();
	fields = json_array();
	descr = json_array();
	fort_buf_puts(&csv, "\"field\",\"label\",\"category\",\"value\"\r\n");
	if ((r = fields_add(fields, descr, &csv, &held, &withheld, used, v, &cv, ccpa)) < 0)
		goto out;
	/* a purpose resting on consent is one the data serves only with it */
	for (size_t a = 0; a < v->map.np && a < 64; a++) {
		char why[300];
		if (used[a] && map_purpose_consent(&v->map, v->map.p[a].name) &&
		    consent_gate(v, q->client, v->map.p[a].name, why, sizeof why) != 1)
			used[a] = 0;
	}
	{
		char created[32], updated[32];
		iso_time(created, c.created);
		iso_time(updated, c.updated);
		json_object_set_new(data, "client", json_string(idstr));
		json_object_set_new(data, "created", json_string(created));
		json_object_set_new(data, "updated", json_string(updated));
		json_object_set_new(data, "fields", fields);
		fields = NULL;
	}
	if ((r = ledgers_add(data, &nfiles, v, idstr)) < 0)
		goto out;
	hist.arr = json_array();
	if ((r = history_collect(&hist, v, idstr, q->client)) < 0)
		goto out;
	json_object_set_new(data, "access_history", json_incref(hist.arr));

	/* the letter: every Art. 15(1)(a)-(h) and 15(2) item */
	{
		char ref[32];
		snprintf(ref, sizeof ref, "%lld", (long long)q->id);
		BOTH("# ");
		TXT("access.title", "business", v->business, NULL);
		BOTH("\n\n");
		TXT("access.ref", "id", idstr, "kind", ccpa ? "request to know" : "access", "received", received, "ref", ref, "now", today,
		    NULL);
		BOTH("\n\n%s\n\n", i18n_text(L, "access.folder"));
	}
	{
		fort_business_info bi;
		rights_authority ra;
		rights_competent_authority(&ra, &bi, v);
		BOTH("## %s\n\n", i18n_text(L, "access.h.who"));
		rights_controller_lines(&md, &bi, v->owner, L);
		BOTH("\n");
	}
	BOTH("## %s\n\n", i18n_text(L, "access.h.purposes"));
	for (size_t a = 0; a < v->map.np && a < 64; a++)
		if (used[a])
			BOTH("- **%s**: %s (%s: %s%s%s%s%s)\n", v->map.p[a].name, v->map.p[a].description, i18n_text(L, "access.basis"),
			     rights_basis_words_in(v->map.p[a].legal_basis, L), v->map.p[a].special_basis[0] ? "; " : "",
			     v->map.p[a].special_basis[0] ? i18n_text(L, "access.special") : "",
			     v->map.p[a].special_basis[0] ? ": " : "", v->map.p[a].special_basis);
	BOTH("\n## %s\n\n", i18n_text(L, "access.h.categories"));
	for (int k = 0; k < CAT_COUNT; k++) {
		fort_buf labels;
		fort_buf_init(&labels, 0);
		for (size_t i = 0; i < v->map.n; i++)
			if (cv.vals[i] && v->map.f[i].cat == k)
				fort_buf_printf(&labels, "%s%s", labels.len ? ", " : "", v->map.f[i].label);
		if (fort_buf_error(&labels) && !md.err)
			md.err = fort_buf_error(&labels);
		if (labels.len)
			BOTH("- %s: %s\n", fort_categories[k], labels.buf);
		fort_buf_release(&labels);
	}
	BOTH("\n## %s\n\n", i18n_text(L, "access.h.recipients"));
	{
		int any = 0;
		for (size_t a = 0; a < v->map.np && a < 64; a++) {
			if (!used[a])
				continue;
			for (size_t k = 0; k < v->map.p[a].nrecipients; k++) {
				for (size_t x = 0; x < v->map.nrc; x++)
					if (strcmp(v->map.rc[x].name, v->map.p[a].recipients[k]) == 0) {
						const map_recipient *rc = &v->map.rc[x];
						BOTH("- %s (%s, %s%s%s) %s %s\n", rc->name, rc->kind, rc->country, rc->note[0] ? ": " : "", rc->note,
						     i18n_text(L, "access.for"), v->map.p[a].name);
						any = 1;
					}
			}
		}
		if (!any)
			BOTH("%s\n", i18n_text(L, "access.no_recipients"));
	}
	BOTH("\n## %s\n\n", i18n_text(L, "access.h.retention"));
	for (size_t i = 0; i < v->map.n; i++)
		if (cv.vals[i])
		{
			char rt[1500];
			if (fort_field_retention_text(rt, sizeof rt, v, v->map.f[i].name) < 0)
				fort_error_clear();
			BOTH("- %s: %s\n", v->map.f[i].label, rt);
		}
	BOTH("\n## %s\n\n%s\n\n", i18n_text(L, "access.h.rights"), i18n_text(L, "access.rights"));
	{
		rights_authority a;
		fort_business_info bi;
		const char *name, *web, *email, *post;
		rights_competent_authority(&a, &bi, v);
		if (strcmp(q->jurisdiction, "UK") == 0)
			rights_authority_find(&a, "GB");
		name = a.name;
		web = a.website;
		email = a.email;
		post = a.postal_address;
		BOTH("## %s\n\n%s", i18n_text(L, "access.h.complain"), i18n_text(L, "access.complain"));
		if (name)
			BOTH(". %s %s, %s, %s, %s", i18n_text(L, "access.supervisor"), name, post, web, email);
		else if (ccpa)
			BOTH(": the California Privacy Protection Agency (https://cppa.ca.gov)");
		BOTH(".\n\n");
	}
	BOTH("## %s\n\n%s\n\n", i18n_text(L, "access.h.source"), i18n_text(L, "access.source"));
	BOTH("## %s\n\n%s\n\n", i18n_text(L, "access.h.automated"), i18n_text(L, "access.automated"));
	BOTH("## %s\n\n", i18n_text(L, "access.h.transfers"));
	{
		int any = 0;
		for (size_t x = 0; x < v->map.nrc; x++) {
			int serves = 0;
			for (size_t a = 0; a < v->map.np && a < 64; a++)
				for (size_t k = 0; used[a] && k < v->map.p[a].nrecipients; k++)
					serves |= strcmp(v->map.p[a].recipients[k], v->map.rc[x].name) == 0;
			if (serves && v->map.rc[x].safeguard[0]) {
				BOTH("- %s (%s): %s\n", v->map.rc[x].name, v->map.rc[x].country, v->map.rc[x].safeguard);
				any = 1;
			}
		}
		if (!any)
			BOTH("%s\n", i18n_text(L, "access.no_transfers"));
	}
	if (ccpa && withheld)
		BOTH("\n## Data held but not disclosed\n\n%zu item(s) (government identifiers, account numbers) are held but shown "
		     "masked, as California law requires (11 CCR 7024(d)).\n", withheld);
	BOTH("\n## %s\n\n", i18n_text(L, "access.h.history"));
	if (hist.n) {
		BOTH("%s\n\n| ", i18n_text(L, "access.history_intro"));
		for (const char *p = i18n_text(L, "access.history_cols"); *p; p++) {
			if (*p == '|')
				fort_buf_puts(&md, " | ");
			else
				fort_buf_putc(&md, *p);
		}
		BOTH(" |\n|---|---|---|---|---|\n%s", hist.md.buf);
	} else {
		BOTH("%s\n", i18n_text(L, "access.no_history"));
	}
	BOTH("\n## %s\n\n", i18n_text(L, "access.h.data"));
	if (nfiles) {
		char n[32];
		snprintf(n, sizeof n, "%zu", nfiles);
		TXT("access.files", "n", n, NULL);
		BOTH("\n\n");
	}
	for (size_t i = 0; i < v->map.n; i++) {
		if (!cv.vals[i])
			continue;
		if (ccpa && ccpa_withheld(&v->map.f[i])) {
			char *m = NULL;
			if (type_mask(&m, v->map.f[i].t, cv.vals[i]) == 0)
				BOTH("- %s: %s (held, not disclosed)\n", v->map.f[i].label, m);
			free(m);
		} else {
			BOTH("- %s: %s\n", v->map.f[i].label, cv.vals[i]);
		}
	}
	fort_buf_putc(&md, '\n');
	if ((r = fort_buf_error(&md)) < 0 || (r = fort_buf_error(&csv)) < 0 || (r = fort_buf_error(&hist.md)) < 0 ||
	    (r = fort_buf_error(&hist.html)) < 0)
		goto out;
	/* HTML: the same text, escaped, headings and paragraphs kept simple */
	/* the history table stands where the Markdown has its table */
	fort_buf_puts(&table, "<table border=\"1\"><tr><th>");
	for (const char *p = i18n_text(L, "access.history_cols"); *p; p++) {
		if (*p == '|') {
			fort_buf_puts(&table, "</th><th>");
		} else {
			fort_html_escape(&table, p, 1);
		}
	}
	fort_buf_puts(&table, "</th></tr>\n");
	fort_buf_puts(&table, hist.html.buf);
	if ((r = fort_buf_error(&table)) < 0)
		goto out;
	{
		render_html_opts ho = { i18n_text(L, "access.html_title"), NULL, 0, table.buf, NULL, L };
		render_html(&html, md.buf, &ho);
	}
	if ((r = fort_buf_error(&html)) < 0)
		goto out;

	/* files, then the manifest over them */
	files = json_array();
	if (!(s = json_dumps(data, JSON_INDENT(2) | JSON_PRESERVE_ORDER))) {
		r = FORT_ENOMEM;
		goto out;
	}
	if (strcmp(q->kind, "portability") == 0 && (r = portable_write(sk, v, &cv, files)) < 0)
		goto out;
	if ((r = write_file(sk, "data.json", s, strlen(s), files)) < 0 ||
	    (r = write_file(sk, "data.csv", csv.buf, csv.len, files)) < 0 ||
	    (r = write_file(sk, "letter.md", md.buf, md.len, files)) < 0 ||
	    (r = write_file(sk, "letter.html", html.buf, html.len, files)) < 0)
		goto out;
	if ((r = pdf_write(sk, md.buf, files)) < 0)
		goto out;
	sodium_memzero(s, strlen(s));
	free(s);
	s = NULL;
	manifest = json_object();
	json_object_set_new(manifest, "client", json_string(idstr));
	json_object_set_new(manifest, "request", json_integer(q->id));
	json_object_set_new(manifest, "kind", json_string(q->kind));
	json_object_set_new(manifest, "generated", json_string(now));
	json_object_set_new(manifest, "encoding", json_string("UTF-8; times ISO 8601 UTC"));
	json_object_set_new(manifest, "files", files);
	files = NULL;
	json_object_set_new(manifest, "fields", descr);
	descr = NULL;
	if (!(s = json_dumps(manifest, JSON_INDENT(2) | JSON_PRESERVE_ORDER))) {
		r = FORT_ENOMEM;
		goto out;
	}
	if ((r = write_file(sk, "manifest.json", s, strlen(s), NULL)) < 0)
		goto out;
	if (dir && rename(tmpname.buf, dir) < 0) {
		r = fort_error_set(FORT_EIO, "cannot move the package to %s: %s", dir, strerror(errno));
		goto out;
	}
	made_dir = 0;
	if (out) {
		out->fields = held;
		out->withheld = withheld;
		out->history = hist.n;
	}
	r = 0;
out:
	if (made_dir)
		rm_tree(tmpname.buf);
	if (s) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
	json_decref(data);
	json_decref(fields);
	json_decref(manifest);
	json_decref(files);
	json_decref(descr);
	json_decref(hist.arr);
	hentries_free(hist.e, hist.n);
	hentries_free(hist.x, hist.nx);
	fort_buf_release(&hist.md);
	fort_buf_release(&hist.html);
	if (md.buf)
		sodium_memzero(md.buf, md.len);
	if (csv.buf)
		sodium_memzero(csv.buf, csv.len);
	fort_buf_release(&md);
	fort_buf_release(&html);
	fort_buf_release(&table);
	fort_buf_release(&csv);
	fort_buf_release(&tmpname);
	cvals_release(&cv);
	store_client_release(&c);
	return r;
}
