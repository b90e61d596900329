/* export.c - client export for a purpose, as JSON, CSV or vCard 4.0.  Audited before a
 * byte is written (fail closed): the entry and the export stand or fall in
 * one transaction. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "vault/vault_int.h"
#include "audit/exports.h"

struct exp {
	fort_vault *v;
	FILE *out;
	int csv;
	int vcard;          /* vCard 4.0 (RFC 6350) */
	int *want;          /* per map field: exported? */
	client_vals cv;
	uint64_t count, left_out;
	int first;
	consent_set gate;   /* consent, objections, restrictions */
	int64_t *ids;       /* clients written, for the exports record (impact analysis) */
	size_t nids, capids;
	const char *purpose;
	int held_any;       /* some field is kept under a legal hold (rights/erasure.c) */
	fort_buf line;      /* a CSV line being written */
	uint64_t held_out;  /* held values left out: kept only for the hold's obligation */
};

/* One CSV line, built in LINE (wiped: it holds client values) and written
 * out: the cells with the formula guard (fort_csv_cell). */
static int csv_line_write(FILE *o, fort_buf *line)
{
	int r;
	fort_buf_puts(line, "\r\n");
	if ((r = fort_buf_error(line)) == 0)
		fwrite(line->buf, 1, line->len, o);
	fort_buf_reset(line);
	return r;
}


/* ------------------------------------------------------------- vCard 4.0 */

/* One content line of RFC 6350: NAME, then VALUE with TEXT escapes
 * (backslash, comma, semicolon, newline; 3.4) unless RAW, folded at 75
 * octets without splitting a UTF-8 sequence (3.2), ending in CRLF. */
static void vc_line_sfx(FILE *o, const char *name, const char *value, int raw, const char *suffix)
{
	size_t col = strlen(name);
	fputs(name, o);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		char esc[3] = { 0, 0, 0 };
		size_t need;
		if (!raw && (*p == '\\' || *p == ',' || *p == ';')) {
			esc[0] = '\\';
			esc[1] = (char)*p;
		} else if (!raw && *p == '\n') {
			esc[0] = '\\';
			esc[1] = 'n';
		} else if (*p == '\r') {
			continue;
		}
		need = esc[0] ? 2 : 1;
		/* a fold goes before a character, never inside one */
		if (col + need > 75 && (*p & 0xC0) != 0x80) {
			fputs("\r\n ", o);
			col = 1;
		}
		if (esc[0])
			fputs(esc, o);
		else
			fputc(*p, o);
		col += need;
	}
	for (; *suffix; suffix++, col++) {
		if (col + 1 > 75) {
			fputs("\r\n ", o);
			col = 1;
		}
		fputc(*suffix, o);
	}
	fputs("\r\n", o);
}

static void vc_line(FILE *o, const char *name, const char *value, int raw)
{
	vc_line_sfx(o, name, value, raw, "");
}

/* The vCard property field I is written as: the fields that play the
 * default map's parts (map_field_for: by type, whatever the owner called
 * them) as the vCard properties the importer reads back into the same
 * parts (read_vcard.c), every other field as X-FORTRESS-NAME (read back
 * into the field of that name). */
static void vc_field(FILE *o, const fort_map *m, int i, const char *val)
{
	const map_field *f = &m->f[i];
	char name[96];
	if (i == map_field_for(m, "email")) {
		vc_line(o, "EMAIL:", val, 0);
	} else if (i == map_field_for(m, "phone") && val[0] == '+') {
		vc_line(o, "TEL;VALUE=uri:tel:", val, 1);
	} else if (i == map_field_for(m, "postal_address")) {
		/* the whole address as the street: the importer joins ADR's
		 * components back into the same text */
		vc_line_sfx(o, "ADR:;;", val, 0, ";;;;");
	} else if (i == map_field_for(m, "company")) {
		vc_line(o, "ORG:", val, 0);
	} else if (i == map_field_for(m, "date_of_birth") && strlen(val) == 10 && val[4] == '-' && val[7] == '-') {
		char d[9] = { val[0], val[1], val[2], val[3], val[5], val[6], val[8], val[9], 0 };
		vc_line(o, "BDAY:", d, 1);
	} else if (i == map_field_for(m, "notes")) {
		vc_line(o, "NOTE:", val, 0);
	} else {
		size_t n = (size_t)snprintf(name, sizeof name, "X-FORTRESS-%s:", f->name);
		for (size_t k = 11; k < n && k < sizeof name; k++)
			name[k] = name[k] == '_' ? '-' : (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 32 : name[k]);
		vc_line(o, name, val, 0);
	}
}

static void vc_card(struct exp *e, const char *id)
{
	FILE *o = e->out;
	int fn = map_field_by_role(&e->v->map, ROLE_ADDRESSEE, 0);
	char uid[64];
	fputs("BEGIN:VCARD\r\nVERSION:4.0\r\n", o);
	/* FN is required (RFC 6350 6.2.1) */
	vc_line(o, "FN:", fn >= 0 && e->want[fn] && e->cv.vals[fn] ? e->cv.vals[fn] : "", 0);
	for (size_t i = 0; i < e->cv.n; i++)
		if (e->want[i] && e->cv.vals[i] && (int)i != fn)
			vc_field(o, &e->v->map, (int)i, e->cv.vals[i]);
	snprintf(uid, sizeof uid, "urn:fortress:%s", id);
	vc_line(o, "UID:", uid, 1);
	fputs("END:VCARD\r\n", o);
}

static int exp_cb(void *p, const store_client *c)
{
	struct exp *e = p;
	char id[FORT_ID_LEN + 1];
	int r;
	if (!consent_set_allows(&e->gate, c->id)) {
		e->left_out++;
		return 0;
	}
	if ((r = client_decrypt(&e->cv, e->v, c)) < 0)
		return r;
	client_id_format(id, c->id);
	/* a field kept under a legal hold goes out only for the hold's
	 * obligation (Art. 17(3)(b)): left out of this export otherwise */
	for (size_t i = 0; e->held_any && i < e->cv.n; i++) {
		char why[400];
		if (!e->want[i] || !e->cv.vals[i])
			continue;
		if ((r = policy_hold_gate(e->v, c->id, &e->v->map.f[i], e->purpose, why, sizeof why)) < 0)
			return r;
		if (r == 0) {
			fort_free_str(e->cv.vals[i]);
			e->cv.vals[i] = NULL;
			e->held_out++;
		}
	}
	if (e->vcard) {
		vc_card(e, id);
	} else if (e->csv) {
		fort_csv_cell(&e->line, id, 0);
		for (size_t i = 0; i < e->cv.n; i++) {
			if (!e->want[i])
				continue;
			fort_buf_putc(&e->line, ',');
			fort_csv_cell(&e->line, e->cv.vals[i] ? e->cv.vals[i] : "", 0);
		}
		if ((r = csv_line_write(e->out, &e->line)) < 0)
			return r;
	} else {
		json_t *o = json_object();
		char *s;
		json_object_set_new(o, "id", json_string(id));
		for (size_t i = 0; i < e->cv.n; i++)
			if (e->want[i] && e->cv.vals[i])
				json_object_set_new(o, e->v->map.f[i].name, json_string(e->cv.vals[i]));
		s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
		if (!s)
			return fort_error_set(FORT_ENOMEM, "out of memory");
		fprintf(e->out, "%s  %s", e->first ? "" : ",\n", s);
		memset(s, 0, strlen(s));
		free(s);
	}
	if (e->nids == e->capids) {
		size_t cap = e->capids ? e->capids * 2 : 256;
		int64_t *grown = fort_realloc(e->ids, cap * sizeof *grown);
		if (!grown)
			return FORT_ENOMEM;
		e->ids = grown;
		e->capids = cap;
	}
	e->ids[e->nids++] = c->id;
	e->first = 0;
	e->count++;
	cvals_clear(&e->cv);
	if (ferror(e->out))
		return fort_error_set(FORT_EIO, "cannot write the export (disk full?)");
	return 0;
}

int fort_client_export(uint64_t *count_out, fort_vault *v, FILE *out, const fort_export_opts *o)
{
	struct exp e;
	fort_buf fields;
	uint64_t total = 0;
	char detail[600], sha[65];
	int64_t xid = 0;
	int r;

	if (count_out)
		*count_out = 0;
	memset(&e, 0, sizeof e);
	fort_buf_init_secret(&e.line, 0);
	if ((r = vault_need(v, ACT_EXPORT, "export", NULL)) < 0)
		return r;
	if (!o || o->version != FORT_EXPORT_OPTS_VERSION)
		return FORT_CHECK_VERSION(o ? o->version : 0, FORT_EXPORT_OPTS, fort_export_opts);
	if (!o->purpose || !o->purpose[0])
		return fort_error_set(FORT_EINPUT, "an export needs a purpose: add --purpose PURPOSE");
	if (map_check_purpose(&v->map, o->purpose) < 0) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s", fort_error_message());
		(void)audit_record(v, "export", "", "", o->purpose, "denied", msg);
		return fort_error_set(FORT_ENOTFOUND, "%s", msg);
	}
	if ((r = vault_token_purpose(v, o->purpose)) < 0)
		return r;
	if (o->format && strcmp(o->format, "json") != 0 && strcmp(o->format, "csv") != 0 && strcmp(o->format, "vcard") != 0)
		return fort_error_set(FORT_EINPUT, "unknown export format '%s' (json, csv, vcard)", o->format);
	e.v = v;
	e.purpose = o->purpose;
	if ((r = store_hold_any(v->st, &e.held_any)) < 0)
		return r;
	e.out = out;
	e.csv = o->format && strcmp(o->format, "csv") == 0;
	e.vcard = o->format && strcmp(o->format, "vcard") == 0;
	e.first = 1;
	fort_buf_init(&fields, 0);
	if (!(e.want = fort_calloc(v->map.n, sizeof *e.want)))
		return FORT_ENOMEM;
	for (size_t k = 0; k < o->nfields; k++) {
		int i = map_index(&v->map, o->fields[k]);
		if (i < 0) {
			r = map_unknown_field(&v->map, o->fields[k]);
			goto out;
		}
		if (!map_allows(&v->map.f[i], o->purpose) || !v->kr->has_ck[v->map.f[i].cat]) {
			char msg[256];
			if (!map_allows(&v->map.f[i], o->purpose))
				snprintf(msg, sizeof msg, "purpose '%s' is not allowed for field '%s'", o->purpose, o->fields[k]);
			else
				snprintf(msg, sizeof msg, "your role '%s' does not hold the %s key, so field '%s' cannot be exported",
					 v->role ? v->role : "?", v->map.f[i].category, o->fields[k]);
			(void)audit_record(v, "export", "", o->fields[k], o->purpose, "denied", msg);
			r = fort_error_set(FORT_EDENIED, "%s", msg);
			goto out;
		}
		e.want[i] = 1;
	}
	for (size_t i = 0; i < v->map.n; i++) {
		if (!o->nfields)
			e.want[i] = map_allows(&v->map.f[i], o->purpose) && v->kr->has_ck[v->map.f[i].cat];
		if (e.want[i] && fort_buf_printf(&fields, "%s%s", fields.len ? "," : "", v->map.f[i].name) < 0) {
			r = FORT_ENOMEM;
			goto out;
		}
	}
	if (!fields.len) {
		char msg[256];
		snprintf(msg, sizeof msg, "no field allows purpose '%s' ('fortress map show' lists each field's purposes)", o->purpose);
		(void)audit_record(v, "export", "", "", o->purpose, "denied", msg);
		r = fort_error_set(FORT_EDENIED, "%s", msg);
		goto out;
	}
	if ((r = cvals_init(&e.cv, v)) < 0 || (r = store_begin(v->st)) < 0)
		goto out;
	if ((r = store_client_count(v->st, &total)) < 0 || (r = consent_set_build(&e.gate, v, o->purpose)) < 0)
		goto fail_tx;
	{
		/* who is left out is known from the ledger before a byte is written */
		uint64_t out_n = 0;
		if (e.gate.needs_consent) {
			out_n = total;
			for (size_t i = 0; i < e.gate.n; i++) {
				store_client probe;
				memset(&probe, 0, sizeof probe);
				if (consent_set_allows(&e.gate, e.gate.ids[i]) && store_client_get(v->st, &probe, e.gate.ids[i]) == 0)
					out_n--;
				store_client_release(&probe);
			}
			fort_error_clear();
		} else {
			for (size_t i = 0; i < e.gate.n; i++) {
				store_client probe;
				memset(&probe, 0, sizeof probe);
				if (!consent_set_allows(&e.gate, e.gate.ids[i]) && store_client_get(v->st, &probe, e.gate.ids[i]) == 0)
					out_n++;
				store_client_release(&probe);
			}
			fort_error_clear();
		}
		snprintf(detail, sizeof detail, "%llu clients as %s to %s%s", (unsigned long long)(total - out_n),
			 e.vcard ? "vcard" : e.csv ? "csv" : "json", o->destination ? o->destination : "-",
			 out_n ? "; left out (no consent, objection or restriction): " : "");
		if (out_n)
			snprintf(detail + strlen(detail), sizeof detail - strlen(detail), "%llu", (unsigned long long)out_n);
	}
	{
		export_record rec = { "export", o->destination ? o->destination : "-", e.vcard ? "vcard" : e.csv ? "csv" : "json", "", fields.buf, 0, 0,
				      NULL, 0 };
		if ((r = exports_begin(&xid, v, &rec)) < 0)
			goto fail_tx;
		snprintf(detail + strlen(detail), sizeof detail - strlen(detail), "; recorded as export #%lld", (long long)xid);
	}
	if ((r = audit_append(v, "export", "", fields.buf, o->purpose, "ok", detail)) < 0)
		goto fail_tx;
	if (e.csv) {
		fort_buf_puts(&e.line, "\"id\"");
		for (size_t i = 0; i < v->map.n; i++)
			if (e.want[i]) {
				fort_buf_putc(&e.line, ',');
				fort_csv_cell(&e.line, v->map.f[i].name, 0);
			}
		if ((r = csv_line_write(out, &e.line)) < 0)
			goto fail_tx;
	} else if (!e.vcard) {
		fputs("[\n", out);
	}
	if ((r = store_client_each(v->st, exp_cb, &e)) < 0)
		goto fail_tx;
	if (!e.csv && !e.vcard)
		fputs(e.first ? "]\n" : "\n]\n", out);
	if (fflush(out) != 0 || ferror(out)) {
		r = fort_error_set(FORT_EIO, "cannot write the export (disk full?)");
		goto fail_tx;
	}
	if ((r = exports_hash_fd(sha, fileno(out))) < 0 || (r = exports_finish(v, xid, sha, e.ids, e.nids, e.count)) < 0)
		goto fail_tx;
	if ((r = store_commit(v->st)) < 0)
		goto out;
	if (count_out)
		*count_out = e.count;
	goto out;
fail_tx:
	store_rollback(v->st);
out:
	consent_set_release(&e.gate);
	cvals_release(&e.cv);
	fort_buf_release(&fields);
	fort_buf_release(&e.line);
	free(e.want);
	free(e.ids);
	return r;
}
