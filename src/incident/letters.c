/* letters.c - the notifications: to the supervisory authority (every
 * GDPR Art. 33(3) element, initial or follow-up, the reasons for a delay
 * past 72 hours) and to each affected client (every Art. 34(2) element in
 * plain language, and what the client can do).  The headings each letter
 * must carry are data (data/breach_letter_elements.csv) and so is the
 * advice per data category (data/breach_advice.csv); the validator checks
 * every rendered letter against that list before it is handed out.
 * Client names and e-mail addresses are decrypted for this purpose only
 * ("breach-notice"), one audit entry per client. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "data/tables.h"
#include "render/pdf.h"
#include "rights/rights.h"
#include "incident/incident_int.h"
#include "render/html.h"
#include "data/i18n.h"

#define HOURS_72 (72 * 3600)

/* ------------------------------------------------------------- validator */

/* Does TEXT have HEADING as a line, followed by some text before the next
 * heading? */
static int has_section(const char *text, const char *heading)
{
	size_t hl = strlen(heading);
	const char *p = text;
	while ((p = strstr(p, heading)) != NULL) {
		const char *q = p + hl;
		if ((p == text || p[-1] == '\n') && (*q == '\n' || *q == '\0')) {
			for (; *q; q++) {
				if (*q == '#' && q[-1] == '\n')
					return 0;
				if (*q != '\n' && *q != ' ' && *q != '\t' && *q != '-')
					return 1;
			}
			return 0;
		}
		p = q;
	}
	return 0;
}

/* A US state's own elements (data/us_state_letter_elements.csv).  Required:
 * the heading with text under it and, where the row gives the text (agency
 * contacts, freeze advice), every " ; "-separated item of it word for word.
 * Forbidden: the phrase (or heading) appears nowhere. */
enum { SC_STATE, SC_KIND, SC_ELEMENT, SC_HEADING, SC_TEXT, SC_CONDITION, SC_MONTHS, SC_SOURCE, SC_N };

static int state_table(const data_table **t, int col[SC_N])
{
	int r;
	if ((r = data_table_get(t, "us_state_letter_elements")) < 0)
		return r;
	col[SC_STATE] = data_table_col(*t, "state");
	col[SC_KIND] = data_table_col(*t, "kind");
	col[SC_ELEMENT] = data_table_col(*t, "element");
	col[SC_HEADING] = data_table_col(*t, "heading");
	col[SC_TEXT] = data_table_col(*t, "text");
	col[SC_CONDITION] = data_table_col(*t, "condition");
	col[SC_MONTHS] = data_table_col(*t, "months");
	col[SC_SOURCE] = data_table_col(*t, "source");
	for (int i = 0; i < SC_N; i++)
		if (col[i] < 0)
			return fort_error_set(FORT_ECORRUPT, "data/us_state_letter_elements.csv lacks a column");
	return 0;
}

/* Does STATE forbid the heading or phrase WHAT?  (-1: the table is bad) */
static int state_forbids(const char *state, const char *what)
{
	const data_table *t;
	int col[SC_N];
	if (state_table(&t, col) < 0)
		return -1;
	for (size_t i = 0; i < t->nrows; i++)
		if (strcmp(data_table_cell(t, i, col[0]), state) == 0 && strcmp(data_table_cell(t, i, col[1]), "forbidden") == 0 &&
		    strcmp(data_table_cell(t, i, col[3]), what) == 0)
			return 1;
	return 0;
}

/* Placeholders in a row's text.  AFFECTED: the number of people affected.
 * MONTHS: the months of the offer (at least the row's "months").  OFFER:
 * the business's enrolment details (--offer-provider, --offer-enrol ...),
 * one line "Provided by P. How to enrol: E[...]". */
#define AFFECTED "{affected}"
#define MONTHS "{months}"
#define OFFER "{offer}"
#define OFFER_PROVIDED "Provided by "
#define OFFER_ENROL ". How to enrol: "

/* Does a condition ("ssn iban": field types) meet the exposed types TYPES
 * ("ssn,email")?  An empty condition always holds. */
static int condition_met(const char *cond, const char *types)
{
	if (!cond[0])
		return 1;
	for (const char *w = cond; *w;) {
		size_t k = strcspn(w, " ");
		for (const char *p = types; p && *p;) {
			size_t m = strcspn(p, ",");
			if (m == k && strncmp(p, w, k) == 0)
				return 1;
			p += m + (p[m] == ',');
		}
		w += k + (w[k] == ' ');
	}
	return 0;
}

/* Is the item ITEM[0..K) at P?  Placeholders match as said above; MONTHS
 * matches a number not below MIN_MONTHS. */
static int item_at(const char *p, const char *item, size_t k, long min_months)
{
	const char *ph = NULL, *q;
	size_t pre, al = 0;
	for (q = item; q < item + k; q++) {
		const char *c[] = { AFFECTED, MONTHS, OFFER };
		for (int i = 0; i < 3 && !ph; i++)
			if ((size_t)(item + k - q) >= strlen(c[i]) && strncmp(q, c[i], strlen(c[i])) == 0) {
				ph = q;
				al = strlen(c[i]);
			}
		if (ph)
			break;
	}
	if (!ph)
		return strncmp(p, item, k) == 0;
	pre = (size_t)(ph - item);
	if (strncmp(p, item, pre) != 0)
		return 0;
	p += pre;
	if (ph[1] == 'o') {   /* OFFER: the enrolment details, to the end of the line */
		const char *e, *h;
		if (strncmp(p, OFFER_PROVIDED, strlen(OFFER_PROVIDED)) != 0 || p[strlen(OFFER_PROVIDED)] == '.')
			return 0;   /* first: the text is scanned at every position */
		e = p + strcspn(p, "\n");
		h = memmem(p, (size_t)(e - p), OFFER_ENROL, strlen(OFFER_ENROL));
		if (!h || h + strlen(OFFER_ENROL) >= e)
			return 0;
		p = e;
	} else {
		long n = 0;
		if (*p < '0' || *p > '9')
			return 0;
		for (; *p >= '0' && *p <= '9' && n < 100000; p++)
			n = n * 10 + (*p - '0');
		if (ph[1] == 'm' && n < min_months)
			return 0;
	}
	return item_at(p, ph + al, k - pre - al, min_months);
}

/* Is every " ; "-separated item of LIST in TEXT? */
static int has_items(const char *text, const char *list, long min_months)
{
	while (*list) {
		const char *e = strstr(list, " ; ");
		size_t k = e ? (size_t)(e - list) : strlen(list);
		const char *p = text;
		for (; *p && !item_at(p, list, k, min_months); p++)
			;
		if (!*p && k)
			return 0;
		list += k + (e ? 3 : 0);
	}
	return 1;
}

/* STATE's rows against TEXT; a row with a condition only when the exposed
 * field types TYPES (NULL: none) meet it. */
static int state_check(const char *state, const char *types, const char *text, char *missing, size_t cap)
{
	const data_table *t;
	int r, col[SC_N];
	if ((r = state_table(&t, col)) < 0)
		return r;
	/* what must not be there first, then what must */
	for (size_t n = 0; n < 2 * t->nrows; n++) {
		size_t i = n % t->nrows;
		const char *h = data_table_cell(t, i, col[SC_HEADING]), *x = data_table_cell(t, i, col[SC_TEXT]);
		const char *cond = data_table_cell(t, i, col[SC_CONDITION]);
		int forbidden = strcmp(data_table_cell(t, i, col[SC_KIND]), "forbidden") == 0;
		if (strcmp(data_table_cell(t, i, col[SC_STATE]), state) != 0 || forbidden != (n < t->nrows))
			continue;
		if (cond[0] && (!types || !condition_met(cond, types)))
			continue;
		if (forbidden ? !strstr(text, h)
			      : has_section(text, h) && has_items(text, x, strtol(data_table_cell(t, i, col[SC_MONTHS]), NULL, 10)))
			continue;
		if (missing && cap)
			snprintf(missing, cap, "%s", data_table_cell(t, i, col[SC_ELEMENT]));
		return fort_error_set(FORT_EINPUT, forbidden ? "the %s letter must not state %s ('%s')"
							     : "the %s letter lacks a required element: %s ('%s' with its text)",
				      state, data_table_cell(t, i, col[SC_ELEMENT]), h);
	}
	return 0;
}

/* The elements of letter BASE (authority | client) every letter carries;
 * for a client in US state STATE (or NULL) not those the state forbids
 * (Massachusetts: the nature of the breach). */
static int base_check(const char *base, int late, const char *state, const char *lang, const char *text, char *missing,
		      size_t cap)
{
	const data_table *t;
	int r, cl, ce, ch, cw, ck;
	if ((r = data_table_get(&t, "breach_letter_elements")) < 0)
		return r;
	cl = data_table_col(t, "letter");
	ce = data_table_col(t, "element");
	ch = data_table_col(t, "heading");
	cw = data_table_col(t, "when");
	ck = data_table_col(t, "key");
	if (cl < 0 || ce < 0 || ch < 0 || cw < 0 || ck < 0)
		return fort_error_set(FORT_ECORRUPT, "data/breach_letter_elements.csv lacks a column");
	for (size_t i = 0; i < t->nrows; i++) {
		if (strcmp(data_table_cell(t, i, cl), base) != 0)
			continue;
		if (strcmp(data_table_cell(t, i, cw), "late") == 0 && !late)
			continue;
		if (state && (r = state_forbids(state, data_table_cell(t, i, ch))) != 0) {
			if (r < 0)
				return fort_error_code();
			continue;
		}
		if (lang && strcmp(lang, "en") != 0 && strcmp(base, "client") == 0) {
			/* the heading in the letter's language (data/i18n/LANG.csv):
			 * a language without it has no complete letter */
			const char *key = data_table_cell(t, i, ck), *h = key[0] ? i18n_text_in(lang, key) : NULL;
			char heading[256];
			if (!h) {
				if (missing && cap)
					snprintf(missing, cap, "%s", data_table_cell(t, i, ce));
				return fort_error_set(FORT_EINPUT, "the client letter in '%s' lacks a required element: %s (data/i18n/%s.csv "
						      "has no text for '%s')", lang, data_table_cell(t, i, ce), i18n_lang(lang),
						      key[0] ? key : "(no key in data/breach_letter_elements.csv)");
			}
			snprintf(heading, sizeof heading, "## %s", h);
			if (!has_section(text, heading)) {
				if (missing && cap)
					snprintf(missing, cap, "%s", data_table_cell(t, i, ce));
				return fort_error_set(FORT_EINPUT, "the client letter in '%s' lacks a required element: %s ('%s' with its text)",
						      lang, data_table_cell(t, i, ce), heading);
			}
			continue;
		}
		if (!has_section(text, data_table_cell(t, i, ch))) {
			if (missing && cap)
				snprintf(missing, cap, "%s", data_table_cell(t, i, ce));
			return fort_error_set(FORT_EINPUT, "the %s letter lacks a required element: %s ('%s' with its text)", base,
					      data_table_cell(t, i, ce), data_table_cell(t, i, ch));
		}
	}
	return 0;
}

int fort_letter_check(const char *kind, const char *text, char *missing, size_t cap)
{
	int late = kind && strcmp(kind, "authority-late") == 0, r;
	const char *base = late ? "authority" : kind;
	if (missing && cap)
		missing[0] = '\0';
	if (kind && text && strncmp(kind, "client:US-", 10) == 0) {
		/* a US client: the client elements (less what the state forbids), then
		 * the state's own; "+TYPES" names the field types the breach exposed */
		char st[3];
		const char *plus = strchr(kind + 10, '+');
		size_t k = plus ? (size_t)(plus - kind - 10) : strlen(kind + 10);
		if (k != 2)
			return fort_error_set(FORT_EINPUT, "letter kind client:US-XX[+TYPES]: XX is the state's two-letter code");
		memcpy(st, kind + 10, 2);
		st[2] = '\0';
		if ((r = base_check("client", 0, st, NULL, text, missing, cap)) < 0)
			return r;
		return state_check(st, plus ? plus + 1 : NULL, text, missing, cap);
	}
	if (kind && text && strncmp(kind, "client@", 7) == 0) {
		/* a client letter in a language (issue 18): its headings from data/i18n */
		if (!fort_language_supported(kind + 7))
			return fort_error_set(FORT_EINPUT, "letter kind client@LANG: LANG is one of en de fr es it nl, not '%.16s'", kind + 7);
		return base_check("client", 0, NULL, kind + 7, text, missing, cap);
	}
	if (!kind || !text || (strcmp(base, "authority") != 0 && strcmp(base, "client") != 0))
		return fort_error_set(FORT_EINPUT, "letter kind is authority, authority-late, client or client@LANG");
	return base_check(base, late, NULL, NULL, text, missing, cap);
}

/* ------------------------------------------------------------- rendering */

/* Notes as list items, one line each (the letter's Markdown stays simple). */
static int put_notes(fort_buf *b, const fort_incident_note *n, size_t nn, const char *kind, int with_time)
{
	int any = 0;
	for (size_t i = 0; i < nn; i++) {
		if (strcmp(n[i].kind, kind) != 0)
			continue;
		if (fort_buf_puts(b, "- ") < 0 || (with_time && fort_buf_printf(b, "%.10s %.5s UTC: ", n[i].at, n[i].at + 11) < 0))
			return FORT_ENOMEM;
		for (const char *p = n[i].text; *p; p++)
			if (fort_buf_putc(b, *p == '\n' || *p == '\r' ? ' ' : *p) < 0)
				return FORT_ENOMEM;
		if (fort_buf_putc(b, '\n') < 0)
			return FORT_ENOMEM;
		any = 1;
	}
	return any;
}

/* The letter as an HTML page (render/html.c): paragraphs as written. */
static int md_to_html(char **out, const char *md, const char *title, const char *lang)
{
	fort_buf b;
	render_html_opts ho = { title, "<style>body{font-family:sans-serif;font-size:11pt;max-width:42em;margin:2em auto}</style>", 1,
				NULL, NULL, lang };
	int r;
	fort_buf_init_secret(&b, 0);
	render_html(&b, md, &ho);
	if ((r = fort_buf_error(&b)) < 0) {
		fort_buf_release(&b);
		return r;
	}
	*out = fort_buf_detach(&b, NULL);
	return *out ? 0 : FORT_ENOMEM;
}

static void wipe_str(char *s)
{
	if (s) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

static const char *yes_no_unknown(int x)
{
	return x == 1 ? "yes" : x == 0 ? "no" : "not known yet";
}

struct ctx {
	fort_vault *v;
	fort_incident_info in;
	fort_incident_note *notes;
	size_t nnotes;
	fort_impact *im;
	rights_authority auth;
	fort_business_info biz;
	const fort_letter_opts *o;
	int late;
	const char *delay;      /* reasons for the delay (given or recorded) */
};

static int authority_letter(fort_buf *b, struct ctx *c)
{
	const fort_incident_info *in = &c->in;
	const char *phase = c->o->phase ? c->o->phase : "initial";
	size_t records = 0;
	for (size_t i = 0; i < c->im->nclients; i++) {
		const char *f = c->im->clients[i].fields;
		records += *f ? 1 : 0;
		for (; *f; f++)
			records += *f == ',';
	}
	fort_buf_printf(b, "# Personal data breach notification (GDPR Art. 33)\n\n");
	fort_buf_printf(b, "To: %s\n", c->auth.name);
	if (c->auth.email[0])
		fort_buf_printf(b, "E-mail: %s\n", c->auth.email);
	if (c->auth.postal_address[0])
		fort_buf_printf(b, "Address: %s\n", c->auth.postal_address);
	fort_buf_printf(b, "\nFrom: %s (the controller)%s%s%s%s%s%s\n", c->v->business, c->biz.address[0] ? ", " : "",
			c->biz.address, c->biz.email[0] ? ", e-mail " : "", c->biz.email, c->biz.phone[0] ? ", phone " : "",
			c->biz.phone);
	if (c->biz.dpo[0])
		fort_buf_printf(b, "Data protection officer: %s\n", c->biz.dpo);
	if (c->biz.representative[0])
		fort_buf_printf(b, "Representative in the EU (Art. 27): %s\n", c->biz.representative);
	fort_buf_printf(b, "Report: %s%s%s; our reference: incident %lld\n\n", phase,
			c->o->case_ref ? ", your case reference " : "", c->o->case_ref ? c->o->case_ref : "", (long long)in->id);
	if (strcmp(phase, "initial") == 0)
		fort_buf_puts(b, "This is an initial notification (Art. 33(4)): we will send further information in phases as we learn it.\n\n");
	else
		fort_buf_puts(b, "This follow-up adds to our earlier notification (Art. 33(4)).\n\n");
	fort_buf_printf(b, "## Nature of the breach\n\n");
	fort_buf_printf(b, "- Type of incident: %s (%s)\n", in->kind, in->title);
	fort_buf_printf(b, "- When it happened: %.10s %.5s UTC\n", in->occurred, in->occurred + 11);
	fort_buf_printf(b, "- When we became aware: %.10s %.5s UTC\n", in->aware, in->aware + 11);
	fort_buf_printf(b, "- Affected data encrypted: %s; key compromised: %s\n", yes_no_unknown(in->encrypted),
			yes_no_unknown(in->key_compromised));
	fort_buf_printf(b, "- Risk assessment: likelihood %d of 5, severity %d of 5\n", in->likelihood, in->severity);
	put_notes(b, c->notes, c->nnotes, "fact", 0);
	fort_buf_puts(b, "\nTimeline:\n\n");
	if (put_notes(b, c->notes, c->nnotes, "timeline", 1) == 0)
		fort_buf_printf(b, "- %.10s %.5s UTC: we became aware of the incident\n", in->aware, in->aware + 11);
	fort_buf_printf(b, "\n## Data subjects concerned\n\n");
	fort_buf_printf(b, "- Category: clients (customers) of %s\n", c->v->business);
	fort_buf_printf(b, "- Approximate number: %zu\n", c->im->nclients);
	for (size_t i = 0; i < c->im->njurisdictions; i++)
		fort_buf_printf(b, "- In %s: %zu\n", c->im->jurisdictions[i].code, c->im->jurisdictions[i].clients);
	fort_buf_printf(b, "\n## Personal data records concerned\n\n");
	fort_buf_printf(b, "- Approximate number of records (client data fields): %zu\n", records);
	for (int k = 0; k < CAT_COUNT; k++)
		if (c->im->per_category[k])
			fort_buf_printf(b, "- %s data: %zu clients\n", fort_categories[k], c->im->per_category[k]);
	fort_buf_printf(b, "\n## Contact point\n\n%s\n", in->contact);
	fort_buf_printf(b, "\n## Likely consequences\n\n");
	put_notes(b, c->notes, c->nnotes, "effect", 0);
	put_notes(b, c->notes, c->nnotes, "consequence", 0);
	fort_buf_printf(b, "\n## Measures taken or proposed\n\n");
	put_notes(b, c->notes, c->nnotes, "remedy", 0);
	fort_buf_printf(b, "- Protection of the affected data: %s\n", c->im->protection);
	if (c->late) {
		fort_buf_printf(b, "\n## Reasons for the delay\n\n");
		for (const char *p = c->delay; *p; p++)
			fort_buf_putc(b, *p == '\n' ? ' ' : *p);
		fort_buf_putc(b, '\n');
	}
	fort_buf_printf(b, "\nThis report does not contain the personal data concerned.\n");
	return fort_buf_error(b);
}

/* The advice for each data category the breach involved, in LANG
 * (data/i18n "letter.advice.CATEGORY"; which categories have advice, and
 * its sources: data/breach_advice.csv). */
static int advice(fort_buf *b, const char *categories, const char *lang)
{
	const data_table *t;
	int r, cc;
	if ((r = data_table_get(&t, "breach_advice")) < 0)
		return r;
	cc = data_table_col(t, "category");
	if (cc < 0)
		return fort_error_set(FORT_ECORRUPT, "data/breach_advice.csv lacks a column");
	for (size_t i = 0; i < t->nrows; i++) {
		const char *cat = data_table_cell(t, i, cc), *text;
		char key[64];
		size_t k = strlen(cat);
		const char *p = categories;
		for (; (p = strstr(p, cat)) != NULL; p += k)
			if ((p == categories || p[-1] == ',') && (p[k] == ',' || p[k] == '\0'))
				break;
		if (!p)
			continue;
		snprintf(key, sizeof key, "letter.advice.%s", cat);
		if (!(text = i18n_text_in(lang, key)))
			return fort_error_set(FORT_EINPUT, "the client letter in '%s' lacks what the client can do about their %s data: "
					      "data/i18n/%s.csv has no text for '%s'", lang, cat, lang, key);
		fort_buf_printf(b, "- %s\n", text);
	}
	return 0;
}

/* The field types of FIELDS ("full_name,ssn") as "name,ssn" (each once). */
static void exposed_types(char *out, size_t cap, fort_vault *v, const char *fields)
{
	size_t len = 0;
	out[0] = '\0';
	for (const char *p = fields; *p;) {
		char nm[64];
		size_t k = strcspn(p, ",");
		int fi;
		snprintf(nm, sizeof nm, "%.*s", (int)(k < 63 ? k : 63), p);
		if ((fi = map_index(&v->map, nm)) >= 0) {
			const char *tn = type_name((fort_ftype)v->map.f[fi].t);
			if (!condition_met(tn, out) || !out[0]) {
				snprintf(out + len, cap - len, "%s%s", len ? "," : "", tn);
				len = strlen(out);
			}
		}
		p += k + (p[k] == ',');
	}
}

/* The business's enrolment details on one line (OFFER): what the checker
 * looks for ("Provided by ... How to enrol: ..."), then the code and the
 * date to enrol by when given.  Line breaks in the values become spaces. */
static void put_text_line(fort_buf *b, const char *s)
{
	for (; *s; s++)
		fort_buf_putc(b, *s == '\n' || *s == '\r' ? ' ' : *s);
}

static void put_offer(fort_buf *b, const fort_letter_opts *o)
{
	fort_buf_puts(b, OFFER_PROVIDED);
	put_text_line(b, o->offer_provider ? o->offer_provider : "");
	fort_buf_puts(b, OFFER_ENROL);
	put_text_line(b, o->offer_enrol ? o->offer_enrol : "");
	if (o->offer_code && *o->offer_code) {
		fort_buf_puts(b, ". Your activation code: ");
		put_text_line(b, o->offer_code);
	}
	if (o->offer_until && *o->offer_until) {
		fort_buf_puts(b, ". Enrol by: ");
		put_text_line(b, o->offer_until);
	}
	fort_buf_putc(b, '.');
}

/* Before any letter is handed out: every affected client whose state asks
 * for an offer when the breach exposed certain field types (CT, DE, MA, CA,
 * PA: data/us_state_letter_elements.csv, "condition" and "months") needs
 * the business's enrolment details, and at least that many months. */
static int offers_check(const struct ctx *c)
{
	const data_table *t;
	int col[SC_N], r;
	const fort_letter_opts *o = c->o;
	int given = (o->offer_provider && *o->offer_provider) || (o->offer_enrol && *o->offer_enrol) ||
		    (o->offer_code && *o->offer_code) || (o->offer_until && *o->offer_until) || o->offer_months;
	if (given && (!o->offer_provider || !*o->offer_provider || !o->offer_enrol || !*o->offer_enrol))
		return fort_error_set(FORT_EINPUT, "an offer of credit monitoring or identity theft services needs both who provides "
						   "it (--offer-provider NAME) and how to enrol (--offer-enrol URL-OR-PHONE)");
	if (o->offer_months < 0 || o->offer_months > 120)
		return fort_error_set(FORT_EINPUT, "--offer-months is between 1 and 120 (0 or absent: each state's minimum)");
	if (o->offer_until && *o->offer_until) {
		char *canon = NULL;
		char why[128];
		if (type_normalise(&canon, FT_DATE, o->offer_until, strlen(o->offer_until), 0, NULL, why, sizeof why) < 0)
			return fort_error_set(FORT_EINPUT, "--offer-until: %s (YYYY-MM-DD)", why);
		/* the letter states it as given: one unambiguous form */
		r = strcmp(canon, o->offer_until);
		free(canon);
		if (r != 0)
			return fort_error_set(FORT_EINPUT, "--offer-until: write the date as YYYY-MM-DD");
	}
	if ((r = state_table(&t, col)) < 0)
		return r;
	for (size_t j = 0; j < c->im->nclients; j++) {
		const fort_impact_client *ic = &c->im->clients[j];
		char types[160];
		if (strncmp(ic->jurisdiction, "US-", 3) != 0 || strlen(ic->jurisdiction) != 5)
			continue;
		exposed_types(types, sizeof types, c->v, ic->fields);
		for (size_t i = 0; i < t->nrows; i++) {
			const char *cond = data_table_cell(t, i, col[SC_CONDITION]), *src = data_table_cell(t, i, col[SC_SOURCE]);
			const char *months = data_table_cell(t, i, col[SC_MONTHS]), *field = "";
			int fi = -1;
			if (!cond[0] || strcmp(data_table_cell(t, i, col[SC_STATE]), ic->jurisdiction + 3) != 0 ||
			    !condition_met(cond, types))
				continue;
			/* the exposed field that meets the condition, for the message */
			for (const char *p = ic->fields; *p && fi < 0;) {
				char nm[64];
				size_t k = strcspn(p, ",");
				snprintf(nm, sizeof nm, "%.*s", (int)(k < 63 ? k : 63), p);
				if ((fi = map_index(&c->v->map, nm)) >= 0 && !condition_met(cond, type_name((fort_ftype)c->v->map.f[fi].t)))
					fi = -1;
				p += k + (p[k] == ',');
			}
			if (fi >= 0)
				field = c->v->map.f[fi].name;
			if (!given)
				return fort_error_set(FORT_EINPUT, "client %s lives in %s and the breach exposed their field '%s' (type %s): "
						      "%.*s requires the letter to offer %s months of services at no cost ('%s') and how to enrol: "
						      "give the enrolment details with --offer-provider NAME --offer-enrol URL-OR-PHONE "
						      "(and --offer-code CODE, --offer-until DATE); no letter was written",
						      ic->id, ic->jurisdiction, field, fi >= 0 ? type_name((fort_ftype)c->v->map.f[fi].t) : "",
						      (int)strcspn(src, ";"), src, months,
						      data_table_cell(t, i, col[SC_HEADING]) + 3);
			if (o->offer_months && o->offer_months < strtol(months, NULL, 10))
				return fort_error_set(FORT_EINPUT, "client %s lives in %s: %.*s requires at least %s months, not %d "
						      "(--offer-months); no letter was written", ic->id, ic->jurisdiction,
						      (int)strcspn(src, ";"), src, months, o->offer_months);
		}
	}
	return 0;
}

/* The check a client letter gets: its US state's elements too, with the
 * field types the breach exposed ("client:US-CT+name,ssn"). */
static const char *kind_of(char *buf, size_t cap, fort_vault *v, const fort_impact_client *ic, const char *lang)
{
	if (strncmp(ic->jurisdiction, "US-", 3) == 0 && strlen(ic->jurisdiction) == 5) {
		char types[160];
		exposed_types(types, sizeof types, v, ic->fields);
		snprintf(buf, cap, "client:%s+%s", ic->jurisdiction, types);
	} else {
		snprintf(buf, cap, "client@%s", lang);
	}
	return buf;
}

/* A date of the incident ("YYYY-MM-DD..." UTC) as the letter's language
 * writes it; English keeps the ISO date. */
static void letter_date(char *out, size_t cap, const char *lang, const char *when)
{
	if (strcmp(lang, "en") == 0 || fort_date_words(out, cap, lang, when) < 0) {
		fort_error_clear();
		snprintf(out, cap, "%.10s", when);
	}
}

static int client_letter(fort_buf *b, struct ctx *c, const fort_impact_client *ic, const char *name, const char *lang)
{
	const fort_incident_info *in = &c->in;
	int r;
	const char *st = strncmp(ic->jurisdiction, "US-", 3) == 0 && strlen(ic->jurisdiction) == 5 ? ic->jurisdiction + 3 : NULL;
	if (st && state_forbids(st, "## What happened") < 0)
		return fort_error_code();
	fort_buf_printf(b, "# %s\n\n", i18n_text(lang, "letter.breach.title"));
	{
		const char *dear[] = { "name", name, NULL };
		i18n_put(b, lang, name && *name ? "letter.dear" : "letter.dear_client", dear);
		fort_buf_puts(b, "\n\n");
	}
	{
		const char *vars[] = { "business", c->v->business, NULL };
		i18n_put(b, lang, "letter.breach.intro", vars);
		fort_buf_puts(b, "\n\n");
	}
	if (!st || state_forbids(st, "## What happened") == 0) {
		char occurred[64], aware[64];
		const char *vars[] = { "occurred", occurred, "title", in->title, "aware", aware, NULL };
		letter_date(occurred, sizeof occurred, lang, in->occurred);
		letter_date(aware, sizeof aware, lang, in->aware);
		fort_buf_printf(b, "## %s\n\n", i18n_text(lang, "letter.breach.h.happened"));
		i18n_put(b, lang, "letter.breach.happened", vars);
		fort_buf_puts(b, "\n\n");
		put_notes(b, c->notes, c->nnotes, "fact", 0);
		fort_buf_puts(b, "\n");
	}
	fort_buf_printf(b, "## %s\n\n", i18n_text(lang, "letter.breach.h.information"));
	{
		const char *p = ic->fields, *item = i18n_text(lang, "letter.breach.item");
		while (*p) {
			char nm[64], lbl[300];
			size_t k = strcspn(p, ",");
			const fort_field_info *f;
			const char *vars[] = { "label", lbl, NULL };
			snprintf(nm, sizeof nm, "%.*s", (int)(k < 63 ? k : 63), p);
			f = fort_map_find(c->v, nm);
			{
				const char *lb = f && f->label ? f->label : nm;
				/* "Your e-mail": a label in mid-sentence is lower case (where the
				 * text puts it there: German nouns keep their capital) */
				char first = strncmp(item, "{label}", 7) != 0 && lb[0] >= 'A' && lb[0] <= 'Z' &&
							     !(lb[1] >= 'A' && lb[1] <= 'Z') ? (char)(lb[0] + 32) : lb[0];
				snprintf(lbl, sizeof lbl, "%c%s", first, lb[0] ? lb + 1 : "");
			}
			fort_buf_puts(b, "- ");
			i18n_put(b, lang, "letter.breach.item", vars);
			fort_buf_puts(b, "\n");
			p += k;
			if (*p == ',')
				p++;
		}
	}
	fort_buf_printf(b, "\n%s\n", i18n_text(lang, c->im->protected_ ? "letter.breach.encrypted" : "letter.breach.readable"));
	fort_buf_printf(b, "\n## %s\n\n", i18n_text(lang, "letter.breach.h.doing"));
	put_notes(b, c->notes, c->nnotes, "remedy", 0);
	fort_buf_printf(b, "\n## %s\n\n", i18n_text(lang, "letter.breach.h.mean"));
	put_notes(b, c->notes, c->nnotes, "effect", 0);
	put_notes(b, c->notes, c->nnotes, "consequence", 0);
	fort_buf_printf(b, "\n## %s\n\n", i18n_text(lang, "letter.breach.h.can_do"));
	if ((r = advice(b, ic->categories, lang)) < 0)
		return r;   /* the advice table unread (out of memory): not a letter without it */
	fort_buf_printf(b, "\n## %s\n\n", i18n_text(lang, "letter.breach.h.more"));
	{
		const char *vars[] = { "contact", in->contact, NULL };
		i18n_put(b, lang, "letter.breach.contact", vars);
		fort_buf_puts(b, "\n");
	}
	if (c->biz.address[0] || c->biz.email[0] || c->biz.phone[0])
		fort_buf_printf(b, "\n%s%s%s%s%s%s%s%s%s%s%s\n", c->v->business, c->biz.address[0] ? ", " : "", c->biz.address,
				c->biz.email[0] ? ", " : "", c->biz.email[0] ? i18n_text(lang, "letter.email_word") : "",
				c->biz.email[0] ? " " : "", c->biz.email, c->biz.phone[0] ? ", " : "",
				c->biz.phone[0] ? i18n_text(lang, "letter.phone_word") : "", c->biz.phone[0] ? " " : "", c->biz.phone);
	if (c->biz.dpo[0]) {
		const char *vars[] = { "dpo", c->biz.dpo, NULL };
		i18n_put(b, lang, "letter.dpo", vars);
		fort_buf_puts(b, "\n");
	}
	fort_buf_puts(b, "\n");
	if (strncmp(ic->jurisdiction, "US-", 3) == 0) {
		/* what the client's state requires the letter to carry */
		const data_table *t;
		int col[SC_N];
		char types[160];
		exposed_types(types, sizeof types, c->v, ic->fields);
		if (state_table(&t, col) < 0)
			return fort_error_code();
		for (size_t i = 0; i < t->nrows; i++) {
			const char *x = data_table_cell(t, i, col[SC_TEXT]);
			if (strcmp(data_table_cell(t, i, col[SC_STATE]), ic->jurisdiction + 3) ||
			    strcmp(data_table_cell(t, i, col[SC_KIND]), "required") || !x[0] ||
			    !condition_met(data_table_cell(t, i, col[SC_CONDITION]), types))
				continue;
			fort_buf_printf(b, "\n%s\n\n- ", data_table_cell(t, i, col[SC_HEADING]));
			for (; *x; x++) {
				if (!strncmp(x, " ; ", 3)) {
					fort_buf_puts(b, "\n- ");
					x += 2;
				} else if (!strncmp(x, AFFECTED, strlen(AFFECTED))) {
					fort_buf_printf(b, "%zu", c->im->nclients);
					x += strlen(AFFECTED) - 1;
				} else if (!strncmp(x, MONTHS, strlen(MONTHS))) {
					long m = strtol(data_table_cell(t, i, col[SC_MONTHS]), NULL, 10);
					fort_buf_printf(b, "%ld", c->o->offer_months > m ? (long)c->o->offer_months : m);
					x += strlen(MONTHS) - 1;
				} else if (!strncmp(x, OFFER, strlen(OFFER))) {
					put_offer(b, c->o);
					x += strlen(OFFER) - 1;
				} else {
					fort_buf_putc(b, *x);
				}
			}
			fort_buf_puts(b, "\n");
		}
	}
	if (c->auth.name) {
		char who[1200];
		const char *vars[] = { "authority", who, NULL };
		snprintf(who, sizeof who, "%s%s%s%s%s", c->auth.name, c->auth.website[0] ? ", " : "", c->auth.website,
			 c->auth.email[0] ? ", " : "", c->auth.email);
		i18n_put(b, lang, "letter.breach.complain", vars);
		fort_buf_puts(b, "\n");
	}
	fort_buf_printf(b, "\n%s\n\n%s\n", i18n_text(lang, "letter.sincerely"), c->v->business);
	return fort_buf_error(b);
}

/* The GDPR element (Art. 34(2)) a US state forbids in its residents'
 * letters, or NULL: Massachusetts forbids stating the nature of the breach
 * (M.G.L. c. 93H s. 3(b)) that Art. 34(2) asks for.  A business under the
 * GDPR or UK GDPR cannot meet both in one letter. */
static const char *gdpr_conflict(const char *state)
{
	const data_table *t;
	int cl, ch, ce;
	if (data_table_get(&t, "breach_letter_elements") < 0)
		return NULL;
	cl = data_table_col(t, "letter");
	ch = data_table_col(t, "heading");
	ce = data_table_col(t, "element");
	for (size_t i = 0; cl >= 0 && ch >= 0 && ce >= 0 && i < t->nrows; i++)
		if (strcmp(data_table_cell(t, i, cl), "client") == 0 && state_forbids(state, data_table_cell(t, i, ch)) != 0)
			return data_table_cell(t, i, ce);
	return NULL;
}

static int deliver(fort_letter_cb cb, void *cbctx, const char *kind, const char *client, const char *to, const char *subject,
		   fort_buf *md, const char *lang)
{
	fort_letter l;
	char *html = NULL;
	int r;
	if ((r = md_to_html(&html, md->buf, subject, lang)) < 0)
		return r;
	l.kind = kind;
	l.client = client;
	l.to = to;
	l.subject = subject;
	l.text = md->buf;
	l.html = html;
	l.language = lang;
	r = cb ? cb(cbctx, &l) : 0;
	wipe_str(html);
	return r;
}

int fort_incident_letters(fort_vault *v, int64_t id, const fort_letter_opts *o, fort_letter_cb cb, void *cbctx)
{
	struct ctx c;
	fort_letter_opts dflt = FORT_LETTER_OPTS_INIT;
	fort_buf md;
	client_vals cv;
	char missing[300] = "", subject[256], detail[128], ckind[200], fields[160], (*langs)[8] = NULL;
	rights_language_cache lc = RIGHTS_LANGUAGE_CACHE_INIT;
	int64_t now;
	/* the addressee and the address: by type, whatever the fields are called */
	int r, in_name = map_field_by_role(&v->map, ROLE_ADDRESSEE, 0), in_mail = map_field_by_role(&v->map, ROLE_EMAIL, 0);

	memset(&c, 0, sizeof c);
	memset(&cv, 0, sizeof cv);
	fort_buf_init_secret(&md, 0);
	if (!o)
		o = &dflt;
	if (o->version != FORT_LETTER_OPTS_VERSION)
		return FORT_CHECK_VERSION(o->version, FORT_LETTER_OPTS, fort_letter_opts);
	if ((r = vault_need(v, ACT_REVEAL, "incident-letters", NULL)) < 0)
		return r;
	if (o->language && *o->language && !fort_language_supported(o->language))
		return fort_error_set(FORT_EINPUT, "language '%.16s': Fortress writes letters in en, de, fr, es, it and nl", o->language);
	if (o->phase && strcmp(o->phase, "initial") != 0 && strcmp(o->phase, "follow-up") != 0)
		return fort_error_set(FORT_EINPUT, "the phase is 'initial' or 'follow-up' (Art. 33(4))");
	if (o->phase && strcmp(o->phase, "follow-up") == 0 && (!o->case_ref || !*o->case_ref))
		return fort_error_set(FORT_EINPUT, "a follow-up names the authority's case reference: --case-ref REF");
	c.v = v;
	c.o = o;
	now = o->now ? o->now : fort_now();
	if ((r = incident_info(&c.in, v, id)) < 0)
		return r;
	if (!c.in.contact[0])
		strcat(missing, ", the contact point ('incident assess ID --contact \"NAME, E-MAIL, PHONE\"')");
	if (!c.in.facts)
		strcat(missing, ", facts (the nature of the breach: 'incident log ID fact TEXT')");
	if (!c.in.effects)
		strcat(missing, ", effects (the likely consequences: 'incident log ID effect TEXT')");
	if (!c.in.remedies)
		strcat(missing, ", measures taken ('incident log ID remedy TEXT')");
	if (missing[0])
		return fort_error_set(FORT_EINPUT, "the letters of incident %lld need %s", (long long)id, missing + 2);
	fort_error_clear();
	rights_competent_authority(&c.auth, &c.biz, v);
	if (fort_error_code() == FORT_ENOMEM)
		return FORT_ENOMEM;   /* the authorities' table could not be read: not "no authority" */
	if (!c.auth.name && !o->clients_only)
		return fort_error_set(FORT_ENOTFOUND, "the authority to notify cannot be decided: %s", c.biz.authority_problem);
	{
		int64_t aware = 0;
		if ((r = incident_time_parse(&aware, c.in.aware, "aware")) < 0)
			return r;
		c.late = now > aware + HOURS_72;
	}
	if ((r = incident_notes_of(&c.notes, &c.nnotes, v, id, NULL)) < 0)
		return r;
	if (c.late && !o->clients_only) {
		for (size_t i = 0; i < c.nnotes; i++)
			if (strcmp(c.notes[i].kind, "delay") == 0)
				c.delay = c.notes[i].text;
		if (o->reasons_for_delay && *o->reasons_for_delay) {
			if ((r = incident_note_write(v, id, "delay", o->reasons_for_delay, now, "incident-log", 0)) < 0)
				goto out;
			c.delay = o->reasons_for_delay;
		}
		if (!c.delay) {
			r = fort_error_set(FORT_EINPUT, "more than 72 hours have passed since awareness (%s): the notification must give the "
						   "reasons for the delay (Art. 33(1)): --reasons-for-delay TEXT", c.in.aware);
			goto out;
		}
	}
	if ((r = incident_impact_compute(&c.im, v, id, 1)) < 0)
		goto out;
	if (!o->authority_only) {
		/* before any letter is handed out: a client whose state forbids what
		 * the GDPR requires of this business stops them all */
		char bj[16];
		incident_jurisdiction(bj, c.biz.country, NULL);
		for (size_t i = 0; (strcmp(bj, "EU") == 0 || strcmp(bj, "UK") == 0) && i < c.im->nclients; i++) {
			const fort_impact_client *ic = &c.im->clients[i];
			const char *what;
			if (strncmp(ic->jurisdiction, "US-", 3) == 0 && strlen(ic->jurisdiction) == 5 &&
			    (what = gdpr_conflict(ic->jurisdiction + 3)) != NULL) {
				r = fort_error_set(FORT_EINPUT, "client %s lives in %s, whose law forbids a breach letter to state %s, which "
						   "GDPR Art. 34(2) requires of this business: no client letters are written; have this "
						   "client's letter drafted with legal advice (--authority-only writes the authority's)",
						   ic->id, ic->jurisdiction, what);
				goto out;
			}
		}
	}
	if (!o->authority_only && (r = offers_check(&c)) < 0)
		goto out;
	if (!o->authority_only && c.im->nclients && in_mail < 0) {
		r = fort_error_set(FORT_EINPUT, "the letters to the %zu affected clients cannot be delivered: the data map has no "
					   "field of type email (add one: 'map field add NAME --type email'), or write only the "
					   "authority's letter (--authority-only)", c.im->nclients);
		goto out;
	}
	snprintf(fields, sizeof fields, "%s%s%s", in_name >= 0 ? v->map.f[in_name].name : "", in_name >= 0 && in_mail >= 0 ? "," : "",
		 in_mail >= 0 ? v->map.f[in_mail].name : "");
	if (!o->clients_only) {
		if ((r = authority_letter(&md, &c)) < 0 ||
		    (r = fort_letter_check(c.late ? "authority-late" : "authority", md.buf, NULL, 0)) < 0)
			goto out;
		snprintf(subject, sizeof subject, "Personal data breach notification (%s) - %s - incident %lld",
			 o->phase ? o->phase : "initial", v->business, (long long)id);
		snprintf(detail, sizeof detail, "incident #%lld: authority notification (%s)", (long long)id, o->phase ? o->phase : "initial");
		if ((r = audit_record(v, "incident-letters", "", "", "breach-notice", "ok", detail)) < 0 ||
		    (r = deliver(cb, cbctx, "authority", "", c.auth.email, subject, &md, "en")) != 0)
			goto out;
	}
	if (o->authority_only)
		goto done;
	/* every letter is whole in its client's language, or none is written:
	 * each language the letters need has every text of a letter */
	if (!(langs = calloc(c.im->nclients ? c.im->nclients : 1, sizeof *langs))) {
		r = fort_error_set(FORT_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < c.im->nclients; i++) {
		const fort_impact_client *ic = &c.im->clients[i];
		int64_t cid;
		char key[80];
		size_t checked;
		if (strncmp(ic->jurisdiction, "US-", 3) == 0) {
			snprintf(langs[i], sizeof langs[i], "en");
		} else if (o->language && *o->language) {
			snprintf(langs[i], sizeof langs[i], "%s", o->language);
		} else {
			if ((r = client_id_parse(&cid, ic->id)) < 0 ||
			    (r = rights_client_language_in(langs[i], NULL, v, cid, &lc)) < 0)
				goto out;
		}
		/* each language once (the catalogue is searched line by line) */
		for (checked = 0; checked < i; checked++)
			if (strcmp(langs[checked], langs[i]) == 0)
				break;
		if (checked == i && (r = i18n_complete(langs[i], "letter.", key, sizeof key)) != 0) {
			if (r < 0)
				goto out;
			r = fort_error_set(FORT_EINPUT, "the letter to client %s would be in '%s', and data/i18n/%s.csv has no text for "
					   "'%s': no client letters are written; complete the catalogue, or give --language en",
					   ic->id, langs[i], langs[i], key);
			goto out;
		}
	}
	if ((r = cvals_init(&cv, v)) < 0)
		goto out;
	for (size_t i = 0; i < c.im->nclients; i++) {
		const fort_impact_client *ic = &c.im->clients[i];
		store_client sc;
		int64_t cid;
		if ((r = client_id_parse(&cid, ic->id)) < 0)
			goto out;
		memset(&sc, 0, sizeof sc);
		if ((r = store_client_get(v->st, &sc, cid)) < 0) {
			if (r == FORT_ENOTFOUND) {   /* erased since: nobody to write to */
				fort_error_clear();
				continue;
			}
			goto out;
		}
		/* fail closed: audited before anything is decrypted */
		snprintf(detail, sizeof detail, "incident #%lld: breach notice", (long long)id);
		if ((r = audit_record(v, "reveal", ic->id, fields, "breach-notice", "ok", detail)) < 0 ||
		    (r = client_decrypt(&cv, v, &sc)) < 0) {
			store_client_release(&sc);
			goto out;
		}
		store_client_release(&sc);
		fort_buf_reset(&md);
		if ((r = client_letter(&md, &c, ic, in_name >= 0 ? cv.vals[in_name] : NULL, langs[i])) < 0 ||
		    (r = fort_letter_check(kind_of(ckind, sizeof ckind, v, ic, langs[i]), md.buf, NULL, 0)) < 0)
			goto out;
		r = deliver(cb, cbctx, "client", ic->id, in_mail >= 0 && cv.vals[in_mail] ? cv.vals[in_mail] : "",
			    i18n_text(langs[i], "letter.breach.subject"), &md, langs[i]);
		cvals_clear(&cv);
		if (md.buf && md.len)
			sodium_memzero(md.buf, md.len);
		if (r != 0)
			goto out;
	}
done:
	r = 0;
out:
	(void)missing;
	free(langs);
	rights_language_cache_release(&lc);
	cvals_release(&cv);
	if (md.buf && md.len)
		sodium_memzero(md.buf, md.len);
	fort_buf_release(&md);
	fort_impact_free(c.im);
	fort_incident_notes_free(c.notes, c.nnotes);
	return r;
}

/* ----------------------------------------------------------------- files */

struct writer { const char *dir; int text, html, pdf; size_t n; };

static int write_file(const char *dir, const char *name, const char *ext, const void *data, size_t len)
{
	char path[4200];
	int fd;
	snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return fort_error_set(FORT_EIO, "cannot write %s: %s", path, strerror(errno));
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) < 0) {
		int e = errno;
		close(fd);
		unlink(path);
		return fort_error_set(FORT_EIO, "cannot write %s: %s", path, strerror(e));
	}
	return close(fd) < 0 ? fort_error_set(FORT_EIO, "cannot write %s: %s", path, strerror(errno)) : 0;
}

static int writer_cb(void *ctx, const fort_letter *l)
{
	struct writer *w = ctx;
	char name[64];
	int r;
	snprintf(name, sizeof name, "%s", strcmp(l->kind, "authority") == 0 ? "authority" : l->client);
	if (w->text && (r = write_file(w->dir, name, "md", l->text, strlen(l->text))) < 0)
		return r;
	if (w->html && (r = write_file(w->dir, name, "html", l->html, strlen(l->html))) < 0)
		return r;
	if (w->pdf) {
		unsigned char *pdf = NULL;
		size_t len = 0;
		if ((r = render_pdf(l->text, l->subject, &pdf, &len)) < 0)
			return r;
		r = write_file(w->dir, name, "pdf", pdf, len);
		free(pdf);
		if (r < 0)
			return r;
	}
	w->n++;
	return 0;
}

int fort_incident_letters_write(size_t *n, fort_vault *v, int64_t id, const fort_letter_opts *o, const char *dir, const char *formats)
{
	struct writer w = { dir, 0, 0, 0, 0 };
	const char *p = formats ? formats : "text,html";
	int r;
	if (n)
		*n = 0;
	while (*p) {
		size_t k = strcspn(p, ",");
		if ((k == 4 && strncmp(p, "text", 4) == 0) || (k == 2 && strncmp(p, "md", 2) == 0))
			w.text = 1;
		else if (k == 4 && strncmp(p, "html", 4) == 0)
			w.html = 1;
		else if (k == 3 && strncmp(p, "pdf", 3) == 0)
			w.pdf = 1;
		else
			return fort_error_set(FORT_EINPUT, "unknown letter format '%.*s' (text, html, pdf)", (int)k, p);
		p += k;
		if (*p == ',')
			p++;
	}
	if (!dir || !*dir)
		return fort_error_set(FORT_EINPUT, "no folder for the letters: --out DIR");
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return fort_error_set(errno == ENOENT ? FORT_ENOTFOUND : FORT_EIO, "cannot create %s: %s", dir, strerror(errno));
	r = fort_incident_letters(v, id, o, writer_cb, &w);
	if (n)
		*n = w.n;
	return r;
}
