/* read_vcard.c - vCard 2.1/3.0/4.0 reader.
 *
 * Physical lines are unfolded into logical lines (a line starting with a
 * space or tab continues the previous one; a quoted-printable value ending
 * in '=' continues on the next line).  Since that needs one line of
 * lookahead, a logical line is processed when the next one starts. */
#include <errno.h>
#include <iconv.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "util.h"
#include "vault/readers.h"

#define RAW_MAX ((size_t)1 << 20)
#define X_MAX 64

typedef int (*read_pull_fn)(void *src, const char **data, size_t *len);
int read_vcard(read_pull_fn pull, void *src, reader_cb cb, void *ctx);

enum { P_FN, P_EMAIL, P_TEL, P_ADR, P_ORG, P_BDAY, P_NOTE, P_KIND, P_N, P__COUNT };

static const char *const prop_vcard[P__COUNT] = {
	"FN", "EMAIL", "TEL", "ADR", "ORG", "BDAY", "NOTE", "KIND", "N",
};
/* Output names; N is only a fallback for full_name. */
static const char *const prop_name[P_N] = {
	"full_name", "email", "phone", "postal_address", "company", "date_of_birth", "notes",
	"kind", /* vCard 4.0 KIND: the importer skips groups */
};

struct vcard_state {
	reader_cb cb;
	void *ctx;
	size_t line;        /* physical line being assembled */
	fort_buf phys;      /* that line, with its line ending */
	fort_buf logical;   /* the pending logical line, unfolded */
	size_t logical_line;
	int have_logical;
	int lq;             /* the logical line's value is quoted-printable: 1 yes, 0 no, -1 not known yet (no ':' so far) */
	size_t lq_scan;     /* bytes of the logical line searched for the ':' so far */
	int in_card;
	size_t card_line;
	fort_buf raw;       /* lines of the card so far */
	char *val[P__COUNT];
	int pref[P__COUNT]; /* smaller is preferred */
	int v21;            /* VERSION:2.1: only "\;" is an escape */
	char *xname[X_MAX]; /* X-FORTRESS-NAME: fields of Fortress's own export */
	char *xval[X_MAX];
	size_t nx;
	char *adr_country;  /* the chosen ADR's country: the record's own country (for its phones) */
};

struct params {
	int qp, b64, pref;
	char charset[32];
};

static void card_clear(struct vcard_state *st)
{
	for (int i = 0; i < P__COUNT; i++) {
		free(st->val[i]);
		st->val[i] = NULL;
		st->pref[i] = INT_MAX;
	}
	free(st->adr_country);
	st->adr_country = NULL;
	for (size_t i = 0; i < st->nx; i++) {
		free(st->xname[i]);
		fort_free_str(st->xval[i]);
	}
	st->nx = 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int qp_decode(fort_buf *out, const char *s, size_t len)
{
	int r = 0;
	for (size_t i = 0; i < len && r == 0; i++) {
		int hi, lo;
		if (s[i] == '=' && i + 2 < len && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			r = fort_buf_putc(out, (char)(hi << 4 | lo));
			i += 2;
		} else if (s[i] == '=' && i + 1 == len) {
			break; /* soft line break left at the very end */
		} else {
			r = fort_buf_putc(out, s[i]);
		}
	}
	return r;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

static int b64_decode(fort_buf *out, const char *s, size_t len)
{
	uint32_t acc = 0;
	int bits = 0, r = 0;
	for (size_t i = 0; i < len && r == 0; i++) {
		int v = b64val((unsigned char)s[i]);
		if (v < 0)
			continue; /* padding, whitespace */
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			r = fort_buf_putc(out, (char)(acc >> bits & 0xFF));
		}
	}
	return r;
}

/* Split "TYPE=work,pref;CHARSET=UTF-8;QUOTED-PRINTABLE" (S..END). */
static void parse_params(struct params *pp, const char *s, const char *end)
{
	memset(pp, 0, sizeof *pp);
	pp->pref = INT_MAX;
	while (s < end) {
		const char *p = s, *eq = NULL, *vend;
		int inq = 0;
		while (p < end && (inq || *p != ';')) {
			if (*p == '"')
				inq = !inq;
			else if (*p == '=' && !eq && !inq)
				eq = p;
			p++;
		}
		/* s..p is one parameter */
		size_t klen = (size_t)((eq ? eq : p) - s);
		const char *v = eq ? eq + 1 : s;
		vend = p;
		if (eq && klen == 8 && strncasecmp(s, "ENCODING", 8) == 0) {
			if ((vend - v == 16 && strncasecmp(v, "QUOTED-PRINTABLE", 16) == 0))
				pp->qp = 1;
			else if ((vend - v == 1 && (*v == 'b' || *v == 'B')) ||
				 (vend - v == 6 && strncasecmp(v, "BASE64", 6) == 0))
				pp->b64 = 1;
		} else if (!eq && klen == 16 && strncasecmp(s, "QUOTED-PRINTABLE", 16) == 0) {
			pp->qp = 1;
		} else if (!eq && klen == 6 && strncasecmp(s, "BASE64", 6) == 0) {
			pp->b64 = 1;
		} else if (!eq && klen == 4 && strncasecmp(s, "PREF", 4) == 0) {
			pp->pref = 1;
		} else if (eq && klen == 7 && strncasecmp(s, "CHARSET", 7) == 0) {
			size_t n = (size_t)(vend - v);
			if (n >= sizeof pp->charset)
				n = sizeof pp->charset - 1;
			memcpy(pp->charset, v, n);
			pp->charset[n] = '\0';
		} else if (eq && klen == 4 && strncasecmp(s, "PREF", 4) == 0) {
			long n = strtol(v, NULL, 10);
			if (n >= 1 && n < pp->pref)
				pp->pref = (int)n;
		} else if (eq && klen == 4 && strncasecmp(s, "TYPE", 4) == 0) {
			/* TYPE=work,pref or TYPE="voice,pref" */
			const char *t = v;
			while (t < vend) {
				const char *te;
				while (t < vend && (*t == '"' || *t == ','))
					t++;
				te = t;
				while (te < vend && *te != ',' && *te != '"')
					te++;
				if (te - t == 4 && strncasecmp(t, "pref", 4) == 0 && pp->pref > 1)
					pp->pref = 1;
				t = te;
			}
		}
		s = p < end ? p + 1 : p;
	}
}

static int is_utf8_name(const char *cs)
{
	return strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "UTF8") == 0 || strcasecmp(cs, "US-ASCII") == 0 ||
	       strcasecmp(cs, "ASCII") == 0;
}

static int is_cp1252_name(const char *cs)
{
	return strcasecmp(cs, "ISO-8859-1") == 0 || strcasecmp(cs, "ISO8859-1") == 0 || strcasecmp(cs, "LATIN1") == 0 ||
	       strcasecmp(cs, "WINDOWS-1252") == 0 || strcasecmp(cs, "CP1252") == 0;
}

/* S[0, LEN) in CHARSET (any name iconv knows: Shift_JIS, ISO-8859-x,
 * Windows-125x, ...) into UTF-8.  FORT_EINPUT naming the charset (never the
 * value) when iconv does not know it or the bytes are not text in it. */
static int charset_to_utf8(char **out, const char *charset, const char *s, size_t len)
{
	iconv_t cd = iconv_open("UTF-8", charset);
	fort_buf b;
	char chunk[1024];
	char *in = (char *)s;
	size_t inleft = len;
	int r = 0;

	*out = NULL;
	if (cd == (iconv_t)-1)
		return fort_error_set(FORT_EINPUT, "CHARSET=%s is not a character set Fortress knows: save the file as UTF-8", charset);
	fort_buf_init(&b, RAW_MAX * 4);
	b.secret = 1;
	while (r == 0) {
		char *o = chunk;
		size_t oleft = sizeof chunk;
		size_t k = iconv(cd, inleft ? &in : NULL, inleft ? &inleft : NULL, &o, &oleft);
		int e = errno;

		r = fort_buf_put(&b, chunk, sizeof chunk - oleft);
		if (r < 0)
			break;
		if (k != (size_t)-1) {
			if (!inleft)
				break;
			continue;
		}
		if (e == E2BIG)
			continue;
		r = fort_error_set(FORT_EINPUT, "the value is not valid %s text (CHARSET=%s): save the file as UTF-8", charset, charset);
	}
	iconv_close(cd);
	if (r == 0 && !(*out = fort_buf_detach(&b, NULL)))
		r = FORT_ENOMEM;
	fort_buf_release(&b);
	return r;
}

/* Decode the transfer encoding and charset of a value into UTF-8. */
static int decode_value(char **out, const struct params *pp, const char *s, size_t len)
{
	fort_buf b;
	int r = 0;

	fort_buf_init(&b, RAW_MAX);
	b.secret = 1;
	if (pp->qp)
		r = qp_decode(&b, s, len);
	else if (pp->b64)
		r = b64_decode(&b, s, len);
	else
		r = fort_buf_put(&b, s, len);
	if (r < 0)
		goto out;
	if (pp->charset[0] && !is_utf8_name(pp->charset) && !is_cp1252_name(pp->charset)) {
		r = charset_to_utf8(out, pp->charset, b.buf ? b.buf : "", b.len);
	} else if (is_cp1252_name(pp->charset) || !fort_utf8_valid(b.buf, b.len)) {
		/* Latin-1 labels, and no CHARSET but not UTF-8: Windows-1252, as
		 * the programs that write them mean (as browsers read it too) */
		*out = fort_cp1252_to_utf8(b.buf, b.len);
		r = *out ? 0 : FORT_ENOMEM;
	} else {
		*out = fort_buf_detach(&b, NULL);
		r = *out ? 0 : FORT_ENOMEM;
	}
out:
	fort_buf_release(&b);
	return r;
}

/* Undo \, \; \n \\ escapes of S..END into B.  vCard 2.1 has only one
 * escape, "\;" (a backslash before anything else is a backslash). */
static int unescape(fort_buf *b, const char *s, const char *end, int v21)
{
	int r = 0;
	for (; s < end && r == 0; s++) {
		if (*s == '\\' && s + 1 < end && (!v21 || s[1] == ';')) {
			s++;
			r = fort_buf_putc(b, *s == 'n' || *s == 'N' ? '\n' : *s);
		} else {
			r = fort_buf_putc(b, *s);
		}
	}
	return r;
}

/* Next unescaped SEP in S..END, or END. */
static const char *find_sep(const char *s, const char *end, char sep)
{
	for (; s < end; s++) {
		if (*s == '\\' && s + 1 < end)
			s++;
		else if (*s == sep)
			return s;
	}
	return end;
}

/* Structured value (N, ADR, ORG): components split at ';' are joined with
 * CSEP skipping empty ones, values inside a component (split at ',') with
 * VSEP.  ORDER lists the components to use (-1 ends), NULL = all in order. */
static int join_structured(char **out, const char *s, const char *csep, const char *vsep, const int *order, int v21)
{
	enum { MAXC = 16 };
	const char *cs[MAXC], *ce[MAXC], *end = s + strlen(s), *p = s;
	size_t nc = 0;
	fort_buf b;
	int r = 0;

	while (nc < MAXC) {
		const char *e = find_sep(p, end, ';');
		cs[nc] = p;
		ce[nc++] = e;
		if (e == end)
			break;
		p = e + 1;
	}
	fort_buf_init(&b, RAW_MAX);
	for (size_t k = 0; (order ? order[k] >= 0 : k < nc) && r == 0; k++) {
		size_t c = order ? (size_t)order[k] : k;
		const char *v, *ve;
		if (c >= nc)
			continue;
		for (v = cs[c]; v < ce[c] && r == 0; v = ve + 1) {
			ve = find_sep(v, ce[c], ',');
			if (ve == v)
				continue;
			if (b.len)
				r = fort_buf_puts(&b, v == cs[c] ? csep : vsep);
			if (r == 0)
				r = unescape(&b, v, ve, v21);
		}
	}
	if (r == 0)
		*out = fort_buf_detach(&b, NULL);
	fort_buf_release(&b);
	return r;
}

static void trim_inplace(char *s)
{
	size_t n = strlen(s), i = 0;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	memmove(s, s + i, n - i + 1);
}

/* "19850415" and "1985-04-15T00:00:00Z" -> "1985-04-15".  S has room for
 * two more bytes. */
static void tidy_date(char *s)
{
	char *t = strchr(s, 'T');

	if (t && t != s)
		*t = '\0';
	if (strlen(s) == 8 && strspn(s, "0123456789") == 8) {
		memmove(s + 8, s + 6, 3);
		s[7] = '-';
		memmove(s + 5, s + 4, 2);
		s[4] = '-';
	}
}

static int property(struct vcard_state *st, int prop, const char *params, const char *pend,
		    const char *value, size_t vlen)
{
	static const int adr_order[] = { 0, 1, 2, 3, 4, 5, 6, -1 };
	static const int n_order[] = { 3, 1, 2, 0, 4, -1 };
	struct params pp;
	char *dec = NULL, *v = NULL;
	fort_buf b;
	int r;

	parse_params(&pp, params, pend);
	if (st->val[prop] && pp.pref >= st->pref[prop])
		return 0;
	if ((r = decode_value(&dec, &pp, value, vlen)) < 0)
		return r;
	switch (prop) {
	case P_ADR:
		r = join_structured(&v, dec, ", ", ", ", adr_order, st->v21);
		if (r == 0) {
			static const int country_order[] = { 6, -1 };
			char *cc = NULL;
			if ((r = join_structured(&cc, dec, ", ", ", ", country_order, st->v21)) == 0) {
				trim_inplace(cc);
				free(st->adr_country);
				st->adr_country = cc[0] ? cc : NULL;
				if (!cc[0])
					free(cc);
			}
		}
		break;
	case P_ORG:
		r = join_structured(&v, dec, ", ", ", ", NULL, st->v21);
		break;
	case P_N:
		r = join_structured(&v, dec, " ", " ", n_order, st->v21);
		break;
	default:
		fort_buf_init(&b, RAW_MAX);
		r = unescape(&b, dec, dec + strlen(dec), st->v21);
		/* room for tidy_date() to add two dashes */
		if (r == 0)
			r = fort_buf_put(&b, "\0\0", 2);
		v = r == 0 ? fort_buf_detach(&b, NULL) : NULL;
		fort_buf_release(&b);
		break;
	}
	free(dec);
	if (r < 0)
		return r;
	trim_inplace(v);
	if (prop == P_TEL && strncasecmp(v, "tel:", 4) == 0)
		memmove(v, v + 4, strlen(v + 4) + 1);
	if (prop == P_BDAY)
		tidy_date(v);
	if (!*v) {
		free(v);
		return 0;
	}
	free(st->val[prop]);
	st->val[prop] = v;
	st->pref[prop] = pp.pref;
	return 0;
}

/* X-FORTRESS-TAX-ID:value, written by Fortress's vCard export for a field
 * vCard has no property for: read back as the column "tax_id". */
static int x_fortress(struct vcard_state *st, const char *name, const char *nend, const char *params,
		      const char *pend, const char *value, size_t vlen, size_t ln)
{
	struct params pp;
	char *dec = NULL, *col = NULL;
	fort_buf b;
	size_t n = (size_t)(nend - name);
	int r;

	if (st->nx == X_MAX)
		return fort_error_set(FORT_EINPUT, "line %zu: more than %d X-FORTRESS- properties in the card that starts on line %zu",
				      ln, X_MAX, st->card_line);
	parse_params(&pp, params, pend);
	if ((r = decode_value(&dec, &pp, value, vlen)) < 0)
		return fort_error_prefix("line %zu, X-FORTRESS-%.*s", ln, (int)(n > 40 ? 40 : n), name);
	fort_buf_init(&b, RAW_MAX);
	b.secret = 1;
	r = unescape(&b, dec, dec + strlen(dec), st->v21);
	fort_free_str(dec);
	if (r == 0 && (r = fort_buf_putc(&b, '\0')) == 0 && !(col = fort_strndup(name, n)))
		r = FORT_ENOMEM;
	if (r < 0) {
		fort_buf_release(&b);
		return r;
	}
	for (char *p = col; *p; p++)
		*p = *p == '-' ? '_' : (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	st->xname[st->nx] = col;
	st->xval[st->nx++] = fort_buf_detach(&b, NULL);
	return st->xval[st->nx - 1] ? 0 : FORT_ENOMEM;
}

static int emit(struct vcard_state *st)
{
	const char *names[P_N + 1 + X_MAX], *values[P_N + 1 + X_MAX];
	reader_record rec;
	size_t n = 0, rawlen = st->raw.len;
	int r;

	if (!st->val[P_FN] && st->val[P_N]) {
		st->val[P_FN] = st->val[P_N];
		st->val[P_N] = NULL;
	}
	for (int i = 0; i < P_N; i++) {
		if (!st->val[i])
			continue;
		names[n] = prop_name[i];
		values[n++] = st->val[i];
	}
	if (st->adr_country && st->val[P_ADR]) {
		names[n] = "country";
		values[n++] = st->adr_country;
	}
	for (size_t i = 0; i < st->nx; i++) {
		names[n] = st->xname[i];
		values[n++] = st->xval[i];
	}
	while (rawlen && (st->raw.buf[rawlen - 1] == '\n' || st->raw.buf[rawlen - 1] == '\r'))
		rawlen--;
	st->raw.buf[rawlen] = '\0';
	rec.line = st->card_line;
	rec.n = n;
	rec.names = names;
	rec.values = values;
	rec.raw = st->raw.buf;
	rec.raw_len = rawlen;
	rec.delim = 0;
	rec.utf8 = 0; /* charsets decoded through iconv: not checked here */
	r = st->cb(st->ctx, &rec);
	return r < 0 ? r : 0;
}

static int word_is(const char *s, const char *end, const char *w)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return (size_t)(end - s) == strlen(w) && strncasecmp(s, w, strlen(w)) == 0;
}

/* One logical line: "group.NAME;PARAMS:VALUE". */
static int logical(struct vcard_state *st)
{
	const char *s = st->logical.buf, *end = s + st->logical.len, *colon, *name, *nend, *p;
	size_t ln = st->logical_line;
	int inq = 0, prop, r;

	for (p = s; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	if (p == end)
		return 0; /* blank line */
	for (colon = p; colon < end && (inq || *colon != ':'); colon++)
		if (*colon == '"')
			inq = !inq;
	if (colon == end && st->in_card)
		return fort_error_set(FORT_EINPUT,
				      "line %zu: line without ':' in the card that starts on line %zu (a continued line must start with a space; fix the line, or remove the card)",
				      ln, st->card_line);
	if (colon == end)
		return fort_error_set(FORT_EINPUT, "line %zu: text outside BEGIN:VCARD ... END:VCARD", ln);
	for (nend = p; nend < colon && *nend != ';'; nend++)
		;
	name = p;
	for (const char *d = p; d < nend; d++)
		if (*d == '.')
			name = d + 1;   /* drop the group: "item1.EMAIL" */

	if (word_is(name, nend, "BEGIN")) {
		if (!word_is(colon + 1, end, "VCARD"))
			return fort_error_set(FORT_EINPUT, "line %zu: expected BEGIN:VCARD", ln);
		if (st->in_card)
			return fort_error_set(FORT_EINPUT,
					      "line %zu: BEGIN:VCARD inside the card that starts on line %zu (missing END:VCARD?)",
					      ln, st->card_line);
		st->in_card = 1;
		st->v21 = 0;
		st->card_line = ln;
		card_clear(st);
		return 0;
	}
	if (!st->in_card)
		return fort_error_set(FORT_EINPUT, "line %zu: text outside BEGIN:VCARD ... END:VCARD", ln);
	if (word_is(name, nend, "END")) {
		if (!word_is(colon + 1, end, "VCARD"))
			return fort_error_set(FORT_EINPUT, "line %zu: expected END:VCARD", ln);
		r = emit(st);
		st->in_card = 0;
		card_clear(st);
		fort_buf_reset(&st->raw);
		return r;
	}
	if (word_is(name, nend, "VERSION")) {
		st->v21 = word_is(colon + 1, end, "2.1");
		return 0;
	}
	if (nend - name > 11 && strncasecmp(name, "X-FORTRESS-", 11) == 0)
		return x_fortress(st, name + 11, nend, nend < colon ? nend + 1 : colon, colon, colon + 1,
				  (size_t)(end - colon - 1), ln);
	for (prop = 0; prop < P__COUNT; prop++)
		if (word_is(name, nend, prop_vcard[prop]))
			break;
	if (prop == P__COUNT)
		return 0;
	if ((r = property(st, prop, nend < colon ? nend + 1 : colon, colon, colon + 1,
			  (size_t)(end - colon - 1))) < 0)
		return fort_error_prefix("line %zu, %s", ln, prop_vcard[prop]);
	return 0;
}

/* A quoted-printable value ending in '=' continues on the next line.
 * Whether the value is quoted-printable is decided once per logical line
 * (when its ':' has arrived) and remembered: deciding it again for every
 * continuation rescanned the whole line each time, quadratic in the
 * number of soft line breaks (1 MiB took over ten minutes). */
static int qp_soft_break(struct vcard_state *st)
{
	const fort_buf *l = &st->logical;
	const char *colon;
	if (!l->len || l->buf[l->len - 1] != '=')
		return 0;
	if (st->lq < 0) {
		colon = memchr(l->buf + st->lq_scan, ':', l->len - st->lq_scan);
		if (!colon) {
			st->lq_scan = l->len;
			return 0;
		}
		st->lq = 0;
		for (const char *p = l->buf; p + 16 <= colon; p++)
			if (strncasecmp(p, "QUOTED-PRINTABLE", 16) == 0) {
				st->lq = 1;
				break;
			}
	}
	return st->lq;
}

/* A physical line is complete in st->phys (with its line ending). */
static int physical(struct vcard_state *st)
{
	const char *s = st->phys.buf;
	size_t len = st->phys.len, tlen = len;
	int r;

	while (tlen && (s[tlen - 1] == '\n' || s[tlen - 1] == '\r'))
		tlen--;
	if (st->have_logical && tlen && (s[0] == ' ' || s[0] == '\t')) {
		r = fort_buf_put(&st->logical, s + 1, tlen - 1);
	} else if (st->have_logical && qp_soft_break(st)) {
		st->logical.len--;
		r = fort_buf_put(&st->logical, s, tlen);
	} else {
		if (st->have_logical && (r = logical(st)) < 0)
			return r;
		if (!st->in_card)
			fort_buf_reset(&st->raw);
		fort_buf_reset(&st->logical);
		st->lq = -1;
		st->lq_scan = 0;
		st->have_logical = 1;
		st->logical_line = st->line;
		r = fort_buf_put(&st->logical, s, tlen);
	}
	if (r < 0)
		return fort_error_prefix("line %zu", st->logical_line);
	if (st->raw.len + len > RAW_MAX)
		return fort_error_set(FORT_EINPUT, "line %zu: card longer than 1 MiB",
				      st->in_card ? st->card_line : st->logical_line);
	return fort_buf_put(&st->raw, s, len);
}

static int feed(struct vcard_state *st, const char *p, size_t n)
{
	int r;
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) + 1 : n;
		if (st->phys.len + k > RAW_MAX)
			return fort_error_set(FORT_EINPUT, "line %zu: line longer than 1 MiB", st->line);
		if ((r = fort_buf_put(&st->phys, p, k)) < 0)
			return r;
		if (nl) {
			if ((r = physical(st)) < 0)
				return r;
			fort_buf_reset(&st->phys);
			st->line++;
		}
		p += k;
		n -= k;
	}
	return 0;
}

int read_vcard(read_pull_fn pull, void *src, reader_cb cb, void *ctx)
{
	struct vcard_state st = { .cb = cb, .ctx = ctx, .line = 1 };
	const char *data;
	size_t len;
	int r;

	fort_buf_init(&st.phys, RAW_MAX + 1);
	fort_buf_init(&st.logical, RAW_MAX + 1);
	fort_buf_init(&st.raw, RAW_MAX + 1);
	card_clear(&st);
	while ((r = pull(src, &data, &len)) == 0 && len)
		if ((r = feed(&st, data, len)) < 0)
			goto out;
	if (r < 0)
		goto out;
	if (st.phys.len && (r = physical(&st)) < 0)
		goto out;
	if (st.have_logical && (r = logical(&st)) < 0)
		goto out;
	if (st.in_card)
		r = fort_error_set(FORT_EINPUT, "line %zu: the card that starts here has no END:VCARD",
				   st.card_line);
out:
	card_clear(&st);
	fort_buf_release(&st.phys);
	fort_buf_release(&st.logical);
	fort_buf_release(&st.raw);
	return r;
}
