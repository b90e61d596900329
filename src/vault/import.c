/* import.c - client import from CSV, vCard and JSON, streaming, all or nothing.
 *
 * The readers (read_*.c) turn the file into records of (column, value); here
 * columns are matched to fields, every value validated, duplicates found
 * through the blind index, and everything goes into one transaction that is
 * rolled back if any row is bad (unless skip_invalid). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "vault/vault_int.h"
#include "vault/op.h"
#include "vault/readers.h"
#include "data/places.h"

#define MAX_PROBLEMS 1000
#define MAX_COLS 256

/* Common column names of spreadsheets and CRM exports -> default fields. */
static const struct { const char *alias, *field; } aliases[] = {
	{ "name", "full_name" }, { "fullname", "full_name" }, { "client", "full_name" }, { "clientname", "full_name" },
	{ "contact", "full_name" }, { "contactname", "full_name" }, { "customer", "full_name" }, { "customername", "full_name" },
	{ "displayname", "full_name" }, { "vollständigername", "full_name" },
	{ "email", "email" }, { "e-mail", "email" }, { "emailaddress", "email" }, { "mail", "email" }, { "e-mailaddress", "email" },
	{ "email1", "email" }, { "primaryemail", "email" },
	{ "phone", "phone" }, { "telephone", "phone" }, { "phonenumber", "phone" }, { "tel", "phone" }, { "mobile", "phone" },
	{ "mobilephone", "phone" }, { "cell", "phone" }, { "telefon", "phone" },
	{ "address", "postal_address" }, { "postaladdress", "postal_address" }, { "streetaddress", "postal_address" },
	{ "mailingaddress", "postal_address" }, { "adresse", "postal_address" }, { "anschrift", "postal_address" },
	{ "company", "company" }, { "organization", "company" }, { "organisation", "company" }, { "firma", "company" },
	{ "companyname", "company" }, { "business", "company" },
	{ "dob", "date_of_birth" }, { "dateofbirth", "date_of_birth" }, { "birthday", "date_of_birth" }, { "birthdate", "date_of_birth" },
	{ "geburtsdatum", "date_of_birth" },
	{ "taxid", "tax_id" }, { "vatid", "tax_id" }, { "vat", "tax_id" }, { "vatnumber", "tax_id" }, { "taxnumber", "tax_id" },
	{ "steuernummer", "tax_id" }, { "ustid", "tax_id" },
	{ "iban", "iban" }, { "bankaccount", "iban" },
	{ "card", "payment_card" }, { "cardnumber", "payment_card" }, { "creditcard", "payment_card" }, { "paymentcard", "payment_card" },
	{ "notes", "notes" }, { "note", "notes" }, { "comment", "notes" }, { "comments", "notes" }, { "remarks", "notes" },
	{ "notizen", "notes" },
};

/* lower-case, drop spaces, '_' and '.' ("E-Mail Address" -> "e-mailaddress") */
static void fold(char *out, size_t cap, const char *in)
{
	size_t n = 0;
	for (; *in && n + 1 < cap; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == ' ' || c == '_' || c == '.' || c == '\t')
			continue;
		out[n++] = (char)tolower(c);
	}
	out[n] = '\0';
}

/* What a column is when it is not one field: a part that is joined into a
 * field (name parts into the name, address parts into the address, birth
 * year/month/day into the date of birth), the record's country (for its
 * phone numbers), or a column of a known layout that holds nothing the vault
 * keeps.  Fortress's own export's "id" is ignored without a word. */
enum {
	R_FIELD = 0, R_FIRST, R_MIDDLE, R_LAST, R_SUFFIX,
	R_STREET, R_CITY, R_POSTCODE, R_REGION, R_COUNTRY, R_ADDRESS, R_FORMATTED,
	R_BYEAR, R_BMONTH, R_BDAY, R_ID, R_KIND, R_UNKNOWN
};

/* Header names, folded harder (fold2: also without '-', '/', '(', ')' and
 * digits, so "E-mail 2 - Value" -> "emailvalue"), of the layouts people
 * export: Google Contacts (both layouts), Outlook, Apple, Thunderbird,
 * LinkedIn, and the same words in German, French, Spanish, Italian and Dutch. */
static const struct { const char *key; int role; const char *field; } layout_names[] = {
	/* name parts */
	{ "firstname", R_FIRST, NULL }, { "givenname", R_FIRST, NULL }, { "vorname", R_FIRST, NULL },
	{ "prénom", R_FIRST, NULL }, { "prenom", R_FIRST, NULL }, { "nombre", R_FIRST, NULL }, { "nome", R_FIRST, NULL },
	{ "voornaam", R_FIRST, NULL }, { "first", R_FIRST, NULL },
	{ "middlename", R_MIDDLE, NULL }, { "additionalname", R_MIDDLE, NULL }, { "zweitername", R_MIDDLE, NULL },
	{ "secondprénom", R_MIDDLE, NULL }, { "segundonombre", R_MIDDLE, NULL }, { "secondonome", R_MIDDLE, NULL },
	{ "tussenvoegsel", R_MIDDLE, NULL },
	{ "lastname", R_LAST, NULL }, { "familyname", R_LAST, NULL }, { "surname", R_LAST, NULL }, { "nachname", R_LAST, NULL },
	{ "familienname", R_LAST, NULL }, { "nom", R_LAST, NULL }, { "nomdefamille", R_LAST, NULL }, { "apellido", R_LAST, NULL },
	{ "apellidos", R_LAST, NULL }, { "cognome", R_LAST, NULL }, { "achternaam", R_LAST, NULL }, { "last", R_LAST, NULL },
	{ "namesuffix", R_SUFFIX, NULL }, { "suffix", R_SUFFIX, NULL },
	/* whole values */
	{ "name", R_FIELD, "full_name" }, { "displayname", R_FIELD, "full_name" }, { "nomcomplet", R_FIELD, "full_name" },
	{ "nombrecompleto", R_FIELD, "full_name" }, { "nomecompleto", R_FIELD, "full_name" }, { "volledigenaam", R_FIELD, "full_name" },
	{ "emailvalue", R_FIELD, "email" }, { "emailaddress", R_FIELD, "email" }, { "primaryemail", R_FIELD, "email" },
	{ "secondaryemail", R_FIELD, "email" }, { "emailadresse", R_FIELD, "email" }, { "courriel", R_FIELD, "email" },
	{ "adressecourriel", R_FIELD, "email" }, { "adresseemail", R_FIELD, "email" }, { "correo", R_FIELD, "email" },
	{ "correoelectrónico", R_FIELD, "email" }, { "correoelectronico", R_FIELD, "email" }, { "postaelettronica", R_FIELD, "email" },
	{ "indirizzoemail", R_FIELD, "email" }, { "emailadres", R_FIELD, "email" }, { "mailadres", R_FIELD, "email" },
	{ "phonevalue", R_FIELD, "phone" }, { "businessphone", R_FIELD, "phone" }, { "homephone", R_FIELD, "phone" },
	{ "mobilephone", R_FIELD, "phone" }, { "otherphone", R_FIELD, "phone" }, { "primaryphone", R_FIELD, "phone" },
	{ "companymainphone", R_FIELD, "phone" }, { "workphone", R_FIELD, "phone" }, { "mobilenumber", R_FIELD, "phone" },
	{ "telefonnummer", R_FIELD, "phone" }, { "mobiltelefon", R_FIELD, "phone" }, { "handy", R_FIELD, "phone" },
	{ "téléphone", R_FIELD, "phone" }, { "telephone", R_FIELD, "phone" }, { "portable", R_FIELD, "phone" },
	{ "teléfono", R_FIELD, "phone" }, { "telefono", R_FIELD, "phone" }, { "móvil", R_FIELD, "phone" }, { "movil", R_FIELD, "phone" },
	{ "cellulare", R_FIELD, "phone" }, { "telefoon", R_FIELD, "phone" }, { "telefoonnummer", R_FIELD, "phone" },
	{ "mobiel", R_FIELD, "phone" }, { "mobielnummer", R_FIELD, "phone" },
	{ "organizationname", R_FIELD, "company" }, { "organisationname", R_FIELD, "company" }, { "unternehmen", R_FIELD, "company" },
	{ "entreprise", R_FIELD, "company" }, { "société", R_FIELD, "company" }, { "societe", R_FIELD, "company" },
	{ "empresa", R_FIELD, "company" }, { "azienda", R_FIELD, "company" }, { "società", R_FIELD, "company" },
	{ "bedrijf", R_FIELD, "company" }, { "organisatie", R_FIELD, "company" }, { "bedrijfsnaam", R_FIELD, "company" },
	{ "geburtstag", R_FIELD, "date_of_birth" }, { "datedenaissance", R_FIELD, "date_of_birth" },
	{ "anniversaire", R_FIELD, "date_of_birth" }, { "fechadenacimiento", R_FIELD, "date_of_birth" },
	{ "cumpleaños", R_FIELD, "date_of_birth" }, { "datadinascita", R_FIELD, "date_of_birth" },
	{ "compleanno", R_FIELD, "date_of_birth" }, { "geboortedatum", R_FIELD, "date_of_birth" },
	{ "verjaardag", R_FIELD, "date_of_birth" },
	{ "notiz", R_FIELD, "notes" }, { "bemerkung", R_FIELD, "notes" }, { "bemerkungen", R_FIELD, "notes" },
	{ "kommentar", R_FIELD, "notes" }, { "remarques", R_FIELD, "notes" }, { "commentaire", R_FIELD, "notes" },
	{ "commentaires", R_FIELD, "notes" }, { "notas", R_FIELD, "notes" }, { "nota", R_FIELD, "notes" },
	{ "opmerkingen", R_FIELD, "notes" }, { "notities", R_FIELD, "notes" }, { "opmerking", R_FIELD, "notes" },
	/* Thunderbird's date of birth in three columns */
	{ "birthyear", R_BYEAR, NULL }, { "birthmonth", R_BMONTH, NULL },
	/* Fortress's own export */
	{ "id", R_ID, NULL },
	/* vCard 4.0 KIND (individual, org, group, location): groups are skipped */
	{ "kind", R_KIND, NULL },
};

/* Address parts, after an optional group prefix ("Address 1 - ", "Business ",
 * "Home "): street, city, ... of one address. */
static const struct { const char *key; int role; } address_parts[] = {
	{ "street", R_STREET }, { "strasse", R_STREET }, { "straße", R_STREET }, { "rue", R_STREET }, { "calle", R_STREET },
	{ "via", R_STREET }, { "straat", R_STREET }, { "pobox", R_STREET }, { "extendedaddress", R_STREET },
	{ "addressline", R_STREET }, { "hausnummer", R_STREET },
	{ "address", R_ADDRESS }, { "adresse", R_ADDRESS }, { "anschrift", R_ADDRESS }, { "dirección", R_ADDRESS },
	{ "direccion", R_ADDRESS }, { "indirizzo", R_ADDRESS }, { "adres", R_ADDRESS },
	{ "formatted", R_FORMATTED }, { "formattedaddress", R_FORMATTED },
	{ "city", R_CITY }, { "ort", R_CITY }, { "stadt", R_CITY }, { "ville", R_CITY }, { "ciudad", R_CITY },
	{ "città", R_CITY }, { "citta", R_CITY }, { "plaats", R_CITY }, { "woonplaats", R_CITY }, { "locality", R_CITY },
	{ "postalcode", R_POSTCODE }, { "postcode", R_POSTCODE }, { "zip", R_POSTCODE }, { "zipcode", R_POSTCODE },
	{ "plz", R_POSTCODE }, { "postleitzahl", R_POSTCODE }, { "codepostal", R_POSTCODE }, { "códigopostal", R_POSTCODE },
	{ "codigopostal", R_POSTCODE }, { "cap", R_POSTCODE },
	{ "region", R_REGION }, { "state", R_REGION }, { "province", R_REGION }, { "bundesland", R_REGION },
	{ "provincia", R_REGION }, { "provincie", R_REGION }, { "région", R_REGION },
	{ "country", R_COUNTRY }, { "countryregion", R_COUNTRY }, { "land", R_COUNTRY }, { "pays", R_COUNTRY },
	{ "país", R_COUNTRY }, { "pais", R_COUNTRY }, { "paese", R_COUNTRY }, { "countrycode", R_COUNTRY },
};

static const char *const address_groups[] = {
	"address", "business", "home", "other", "work", "private", "privat", "postal", "mailing", "billing",
	"shipping", "geschäftlich", "geschaftlich", "gesch",
};

/* lower-case, drop spaces, '_', '.', '-', '/', '(', ')' and digits */
static void fold2(char *out, size_t cap, const char *in)
{
	size_t n = 0;
	for (; *in && n + 1 < cap; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == ' ' || c == '_' || c == '.' || c == '\t' || c == '-' || c == '/' || c == '(' || c == ')' ||
		    (c >= '0' && c <= '9'))
			continue;
		out[n++] = (char)tolower(c);
	}
	out[n] = '\0';
}

/* The role of a column of a known layout by its name; *GROUP gets the
 * address group ("address1", "business", "" for none).  R_UNKNOWN if none. */
static int layout_role(const char *name, const char **field, char *group, size_t gcap)
{
	char f[128];
	size_t gl = 0;
	*field = NULL;
	group[0] = '\0';
	fold2(f, sizeof f, name);
	for (size_t i = 0; i < sizeof layout_names / sizeof layout_names[0]; i++)
		if (strcmp(layout_names[i].key, f) == 0) {
			*field = layout_names[i].field;
			return layout_names[i].role;
		}
	for (size_t g = 0; g <= sizeof address_groups / sizeof address_groups[0]; g++) {
		const char *pre = g ? address_groups[g - 1] : "";
		size_t pl = strlen(pre);
		if (strncmp(f, pre, pl) != 0)
			continue;
		for (size_t i = 0; i < sizeof address_parts / sizeof address_parts[0]; i++)
			if (strcmp(f + pl, address_parts[i].key) == 0) {
				/* "Address 1 - Street", "Address 2 - Street": the number names the group */
				snprintf(group, gcap, "%s", pre);
				gl = strlen(group);
				for (const char *p = name; *p && gl + 1 < gcap && strcmp(pre, "address") == 0; p++)
					if (*p >= '0' && *p <= '9') {
						group[gl++] = *p;
						group[gl] = '\0';
					} else if (gl > pl) {
						break;
					}
				return address_parts[i].role;
			}
	}
	return R_UNKNOWN;
}

/* The ISO code of a country as written in an address ("Deutschland", "us",
 * "United States"), through the one table of places (data/places.csv, which
 * also holds the names contact exports in de/fr/es/it/nl use); "" if
 * unknown: the record's country then only does not decide its phones. */
static void country_iso(char out[3], const char *s)
{
	if (place_country(out, s) < 0)
		out[0] = '\0';
}

/* The importer is a three-stage pipeline: a reader thread parses,
 * validates and normalises records and computes their blind-index entries; a
 * pair of sealer threads encrypt them (neither touches the database); the calling
 * thread stores them in one transaction, in file order, and keeps the
 * report.  The stages meet in bounded queues, so memory does not grow with
 * the file, and the work spreads over two cores. */

enum { ITEM_OK, ITEM_BAD, ITEM_END };

typedef struct {
	int kind;
	size_t line;
	client_vals cv;    /* ITEM_OK, until sealed */
	sealed_client sc;
	char *problems;    /* ITEM_BAD: problems, '\n'-separated */
	char *cols;        /* ITEM_OK: column name of each index entry, '\0'-separated */
	char *raw;         /* with a rejects file: the record's text */
	size_t raw_len;
	uint64_t bytes;    /* input consumed so far */
	int code;          /* ITEM_END: the reader's result */
	char msg[1024];
	unsigned char fp[32];   /* no e-mail or phone: a keyed hash of the other values */
	uint64_t fp_mask;       /* ... of these fields (map indexes below 64) */
	int has_fp;
	unsigned char *sealbuf; /* where the sealer writes the ciphertexts */
	size_t cap, used;  /* the item's arena: its values, index entries and
			    * ciphertexts, one allocation, recycled (wiped) */
	unsigned char arena[];
} item;

#define ITEM_ARENA 8192
#define POOL_MAX 1100 /* more than the items that can be in flight */
#define SEEN_CHUNK 65536
#define SEEN_MAX_CHUNKS 16 /* lines of the first 1M records are kept for "the same as line N"; memory stays bounded */

#define QUEUE_LEN 128
#define NSEAL 2         /* sealer threads: encryption is the longest stage */
#define QUEUE_BATCH 32  /* wake a sleeping stage only for this many items: a
			 * wake-up per record cost more than the record */

typedef struct {
	pthread_cond_t not_empty, not_full;
	item *q[QUEUE_LEN];
	size_t head, count;
} queue;

struct imp {
	fort_vault *v;
	const fort_import_opts *o;
	const char *path;
	FILE *f;
	int fmt;
	/* reader-only */
	int col_field[MAX_COLS];
	char *col_name[MAX_COLS];
	size_t ncols;
	int col_role[MAX_COLS];      /* R_* */
	int col_group[MAX_COLS];     /* address group (index into groups) */
	unsigned char col_multi[MAX_COLS];  /* one more column for a field that an earlier column has */
	unsigned char col_guess[MAX_COLS];  /* field taken from a layout's or a common name, not the map or --map */
	unsigned char col_used[MAX_COLS];   /* had a value in some record */
	int *field_col;              /* per map field: the last column that holds it, -1 for none (set_columns) */
	char groups[8][32];
	size_t ngroups;
	int date_order;              /* 'd' day first, 'm' month first */
	int date_order_given;        /* from the options, not the country */
	/* counted by the reader, reported after it ended */
	uint64_t n_groups;           /* vCard KIND:group cards skipped */
	uint64_t n_extra, n_dates_ambig, n_dates_2digit, n_dates_noyear, n_phone_default, n_name_joined, n_addr_joined;
	char ambig_col[128], extra_fields[128];
	uint64_t bytes;
	fort_buf probs;
	fort_buf norm;               /* put_value's normalised value (secret: wiped after each) */
	int fi_name, fi_addr, fi_dob; /* the fields name parts, address parts and birth parts join into */
	/* shared (under lock) */
	pthread_mutex_t lock;
	queue q1[NSEAL], q2[NSEAL]; /* reader -> sealer k -> caller; record i goes through k = i % NSEAL */
	uint64_t nread;    /* reader: records handed on */
	int cancel;
	item *pool[POOL_MAX]; /* used items, wiped, for the reader to reuse */
	size_t npool;
	char *reject_header;  /* set by the worker before the first item that needs it */
	/* caller-only */
	client_vals dupcv;   /* an existing client's values, for the same-name check */
	int dupcv_init;
	uint64_t n_same_name; /* same name only: reported as possible duplicates */
	fort_import_report *rep;
	FILE *rejects;
	int wrote_header;
	uint64_t total;
	int64_t first_id;
	/* ids stored by this import (increasing) and their lines, for "the same
	 * e-mail as line N": in fixed chunks, so a large import never copies it */
	struct seen { int64_t id; uint32_t line; } __attribute__((packed)) **seen;
	size_t nseen, nchunks;
	/* index entries added at the flush, in batches: the search entries
	 * from the front of LATER (NLATER, in later_cmp's order as they come
	 * while LATER_SORTED), the unique ones (with DEFER_UNIQUE) from its
	 * back (NLATER_U, sorted by value at the flush: inserts in value order
	 * fill the unique index's pages in order) */
	struct later { unsigned char h[BIDX_LEN]; int64_t id; uint32_t line; uint16_t field; uint8_t unique; } *later;
	size_t nlater, nlater_u;
	int later_sorted;
	int64_t last_created; /* the newest record's created time so far (store_item) */
	/* all or nothing: e-mail/phone duplicates too are found when the sorted
	 * entries go in (any problem rolls the import back anyway) */
	int defer_unique;
	seal_keys *sk;     /* the sealers' key states, made once (read-only while they run) */
	/* the pipeline's threads: STARTED 1 the reader, 2 + k sealer k too */
	pthread_t th, th2[NSEAL];
	struct sealer_arg { struct imp *im; int k; } sa[NSEAL];
	int started, sync_init;
	/* The writers' lock taken late (PostgreSQL, store_write_lock): where
	 * the audit chain and the data map stood before the transaction, and
	 * the records let in by their name and values alone (no e-mail or
	 * phone), checked again under the lock against what another process
	 * committed meanwhile (import_recheck). */
	int late;
	int64_t seq0;
	unsigned char hash0[32], mapmac0[32];
	int mapmac0_set;
	struct fpcheck { unsigned char h[BIDX_LEN]; unsigned char fp[32]; uint64_t mask; size_t line; } *fpc;
	size_t nfpc, cfpc;
};

#define LATER_MAX 65536

/* An item with room for NEED bytes of arena: a recycled one when it fits. */
static item *item_new(struct imp *im, size_t need)
{
	item *it = NULL;
	size_t cap = need <= ITEM_ARENA ? ITEM_ARENA : need;
	if (need <= ITEM_ARENA) {
		pthread_mutex_lock(&im->lock);
		if (im->npool)
			it = im->pool[--im->npool];
		pthread_mutex_unlock(&im->lock);
	}
	if (!it && !(it = fort_malloc(sizeof *it + cap)))
		return NULL;
	memset(it, 0, sizeof *it);
	it->cap = cap;
	return it;
}

static void *arena(item *it, size_t n)
{
	void *p;
	n = (n + 15) & ~(size_t)15;
	if (n > it->cap - it->used)
		return NULL;
	p = it->arena + it->used;
	memset(p, 0, n);
	it->used += n;
	return p;
}

/* Wipe (the arena held client values) and recycle or free. */
static void item_free(struct imp *im, item *it)
{
	if (!it)
		return;
	sodium_memzero(it->arena, it->used);
	free(it->problems);
	free(it->raw);
	if (im && it->cap == ITEM_ARENA) {
		pthread_mutex_lock(&im->lock);
		if (im->npool < POOL_MAX) {
			im->pool[im->npool++] = it;
			it = NULL;
		}
		pthread_mutex_unlock(&im->lock);
	}
	free(it);
}

static int push(struct imp *im, queue *q, item *it)
{
	pthread_mutex_lock(&im->lock);
	while (q->count == QUEUE_LEN && !im->cancel)
		pthread_cond_wait(&q->not_full, &im->lock);
	if (im->cancel) {
		/* the caller has stopped reading */
		pthread_mutex_unlock(&im->lock);
		item_free(NULL, it);
		return fort_error_set(FORT_ERROR, "import cancelled");
	}
	q->q[(q->head + q->count) % QUEUE_LEN] = it;
	q->count++;
	if (q->count >= QUEUE_BATCH || it->kind == ITEM_END)
		pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&im->lock);
	return 0;
}

/* NULL when cancelled and empty. */
static item *pop(struct imp *im, queue *q)
{
	item *it = NULL;
	pthread_mutex_lock(&im->lock);
	while (q->count == 0 && !im->cancel)
		pthread_cond_wait(&q->not_empty, &im->lock);
	if (q->count) {
		it = q->q[q->head];
		q->head = (q->head + 1) % QUEUE_LEN;
		q->count--;
		if (q->count == QUEUE_LEN - QUEUE_BATCH)
			pthread_cond_signal(&q->not_full);
	}
	pthread_mutex_unlock(&im->lock);
	return it;
}

static void drain(queue *q)
{
	while (q->count) {
		item_free(NULL, q->q[q->head]);
		q->head = (q->head + 1) % QUEUE_LEN;
		q->count--;
	}
}

/* Field index, -1 (ignored), -2 (no field): the map's names and labels, then
 * --map, then common names; *ROLE says what else the column may be. */
static int match_column(struct imp *im, const char *name, int *role, int *group, int *guess)
{
	char f[128], a[128], g[32];
	const char *lf;
	const fort_map *m = &im->v->map;
	*role = R_FIELD;
	*group = -1;
	*guess = 0;
	/* --map COLUMN=FIELD first */
	for (size_t i = 0; i < im->o->ncolumn_map; i++) {
		const char *eq = strchr(im->o->column_map[i], '=');
		if (!eq)
			continue;
		if ((size_t)(eq - im->o->column_map[i]) == strlen(name) && strncmp(im->o->column_map[i], name, strlen(name)) == 0)
			return strcmp(eq + 1, "-") == 0 ? -1 : map_index(m, eq + 1);
	}
	fold(f, sizeof f, name);
	for (size_t i = 0; i < m->n; i++) {
		fold(a, sizeof a, m->f[i].name);
		if (strcmp(a, f) == 0)
			return (int)i;
		fold(a, sizeof a, m->f[i].label);
		if (strcmp(a, f) == 0)
			return (int)i;
	}
	*guess = 1;
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strcmp(aliases[i].alias, f) == 0) {
			int fi = map_field_for(m, aliases[i].field);   /* by type: the owner may rename fields */
			if (fi < 0)
				*role = R_UNKNOWN; /* a field this vault's map does not have: reported */
			return fi < 0 ? -2 : fi;
		}
	if (f[0] == '\0')
		return -1; /* a column without a header: ignored when empty */
	*role = layout_role(name, &lf, g, sizeof g);
	if (*role == R_FIELD) {
		int fi = map_field_for(m, lf);
		if (fi < 0)
			*role = R_UNKNOWN;
		return fi < 0 ? -2 : fi;
	}
	if (*role >= R_STREET && *role <= R_FORMATTED) {
		size_t k;
		for (k = 0; k < im->ngroups && strcmp(im->groups[k], g) != 0; k++)
			;
		if (k == im->ngroups && k < sizeof im->groups / sizeof im->groups[0])
			snprintf(im->groups[im->ngroups++], sizeof im->groups[0], "%s", g);
		*group = k < im->ngroups ? (int)k : 0;
	}
	return *role == R_UNKNOWN ? -2 : -1;
}

/* The CSV header line for the rejects file, so it can be fixed and re-imported. */
static char *csv_header(const reader_record *rec)
{
	fort_buf b;
	fort_buf_init(&b, 0);
	char delim = rec->delim ? rec->delim : ',';
	for (size_t i = 0; i < rec->n; i++) {
		if (i)
			fort_buf_putc(&b, delim);
		fort_csv_quote(&b, rec->names[i]);
	}
	fort_buf_putc(&b, '\n');
	return fort_buf_detach(&b, NULL);
}

static int set_columns(struct imp *im, const reader_record *rec)
{
	int same = rec->n == im->ncols;
	for (size_t i = 0; same && i < rec->n; i++)
		same = strcmp(rec->names[i], im->col_name[i]) == 0;
	if (same)
		return 0;
	for (size_t i = 0; i < im->ncols; i++)
		free(im->col_name[i]);
	im->ncols = 0;
	if (rec->n > MAX_COLS)
		return fort_error_set(FORT_EINPUT, "%s: line %zu: more than %d columns", im->path, rec->line, MAX_COLS);
	im->ngroups = 0;
	if (!im->field_col && !(im->field_col = fort_calloc(im->v->map.n ? im->v->map.n : 1, sizeof *im->field_col)))
		return FORT_ENOMEM;
	for (size_t fi = 0; fi < im->v->map.n; fi++)
		im->field_col[fi] = -1;
	for (size_t i = 0; i < rec->n; i++) {
		int role, group, guess;
		if (!(im->col_name[i] = fort_strdup(rec->names[i])))
			return FORT_ENOMEM;
		im->col_field[i] = match_column(im, rec->names[i], &role, &group, &guess);
		im->col_role[i] = role;
		im->col_group[i] = group;
		im->col_guess[i] = (unsigned char)guess;
		im->col_used[i] = 0;
		im->col_multi[i] = 0;
		im->ncols = i + 1;
	}
	/* Thunderbird's "Birth Day" beside "Birth Year" is a day, not a date */
	for (size_t i = 0; i < rec->n; i++)
		if (im->col_role[i] == R_BYEAR)
			for (size_t j = 0; j < rec->n; j++) {
				char f[64];
				fold2(f, sizeof f, rec->names[j]);
				if (strcmp(f, "birthday") == 0) {
					im->col_role[j] = R_BDAY;
					im->col_field[j] = -1;
				}
			}
	/* the column that names each field's index entries (prep_cb) */
	for (size_t i = 0; i < rec->n; i++)
		if (im->col_field[i] >= 0 && (size_t)im->col_field[i] < im->v->map.n)
			im->field_col[im->col_field[i]] = (int)i;
	/* several columns for one field (E-mail 1, E-mail 2; Business and
	 * Mobile Phone): the first with a value is kept, unless --map or the
	 * map's own names made them clash */
	for (size_t i = 0; i < rec->n; i++)
		for (size_t j = 0; j < i; j++)
			if (im->col_field[i] >= 0 && im->col_field[j] == im->col_field[i] && (im->col_guess[i] || im->col_guess[j]))
				im->col_multi[i] = 1;
	if (im->o->strict_columns) {
		fort_buf b;
		fort_buf_init(&b, 0);
		for (size_t i = 0; i < rec->n; i++)
			if (im->col_field[i] == -2 && fort_buf_printf(&b, "%s'%s'", b.len ? ", " : "", rec->names[i]) < 0) {
				fort_buf_release(&b);
				return FORT_ENOMEM;
			}
		if (b.len) {
			int r = fort_error_set(FORT_EINPUT, "%s: line %zu: no field for the column%s %s (--strict-columns): map each with --map 'COLUMN=FIELD', or --map 'COLUMN=-' to ignore it",
					       im->path, rec->line, strchr(b.buf, ',') ? "s" : "", b.buf);
			fort_buf_release(&b);
			return r;
		}
		fort_buf_release(&b);
	}
	if (im->fmt == READER_CSV && !im->reject_header && !(im->reject_header = csv_header(rec)))
		return FORT_ENOMEM;
	return 0;
}

static int problem(struct imp *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int problem(struct imp *im, const char *fmt, ...)
{
	va_list ap;
	char buf[768];
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (im->probs.len && fort_buf_putc(&im->probs, '\n') < 0)
		return FORT_ENOMEM;
	return fort_buf_puts(&im->probs, buf);
}

/* Normalise VAL for field FI and keep it in the item.  COL is the column
 * (SIZE_MAX: joined from several columns).  A bad value is a problem of the
 * record, not an error. */
static int put_value(struct imp *im, item *it, int fi, const reader_record *rec, size_t col, const char *val,
		     const char *country, int *any)
{
	const map_field *f = &im->v->map.f[fi];
	const char *cname = col == SIZE_MAX ? f->name : rec->names[col];
	fort_buf *canon = &im->norm; /* reused from value to value, wiped after each */
	char why[256];
	int r;

	why[0] = '\0';
	if (canon->len || canon->err) /* every path below leaves it reset (wiped) */
		fort_buf_reset(canon);
	/* a reader's values are valid UTF-8 when it says so; the joined ones
	 * (name, address, birth date) are made of them and ASCII */
	if ((r = field_normalise_buf(canon, f, val, strlen(val), country, rec->utf8 ? TYPE_IN_UTF8 : 0, why,
				     sizeof why)) < 0) {
		if (r != FORT_EINPUT)
			return r;   /* out of memory: not a bad value of this line */
		if (col != SIZE_MAX && im->col_guess[col] && (f->t == FT_IBAN || f->t == FT_CARD))
			return problem(im, "line %zu, column %s: %s (the column was taken for %s from its name; --map '%s=-' ignores it, --map '%s=FIELD' puts it elsewhere)",
				       rec->line, cname, why[0] ? why : "invalid value", f->name, cname, cname);
		return problem(im, "line %zu, column %s: %s", rec->line, cname, why[0] ? why : "invalid value");
	}
	if (it->cv.vals[fi]) {
		fort_buf_reset(canon);
		return problem(im, "line %zu, column %s: a second column for field '%s'", rec->line, cname, f->name);
	}
	r = 0;
	if (canon->len) {
		size_t cl = canon->len + 1;
		if ((it->cv.vals[fi] = arena(it, cl))) {
			memcpy(it->cv.vals[fi], canon->buf, cl);
			*any = 1;
		} else {
			r = fort_error_set(FORT_ERROR, "line %zu: internal error: record larger than estimated", rec->line);
		}
	}
	fort_buf_reset(canon);
	return r;
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* Dates as people write them: "3/7/1984" (day or month first: the options,
 * else the vault's country decides, and an ambiguous one is counted for a
 * warning), "3/7/84", and "0/0/00", "00.00.0000", "--03-07" (no year) as
 * absent.  1: absent, 0: OUT holds YYYY-MM-DD, -1: leave the value to the
 * date type (it says what is wrong). */
static int date_prep(struct imp *im, const char *col, const char *in, char *out, size_t cap)
{
	const char *p = in;
	size_t k, n[3] = { 0, 0, 0 };
	const char *part[3];
	int zero = 1, a, b, y;

	while (*p == ' ')
		p++;
	for (const char *q = p; *q; q++)
		if (*q != '0' && *q != '/' && *q != '.' && *q != '-' && *q != ' ')
			zero = 0;
	if (zero)
		return 1;
	if (p[0] == '-' && p[1] == '-') {
		im->n_dates_noyear++;
		return 1;
	}
	for (k = 0; k < 3; k++) {
		part[k] = p;
		while (*p >= '0' && *p <= '9')
			p++;
		n[k] = (size_t)(p - part[k]);
		if (k < 2) {
			if (*p != '/')
				return -1;
			p++;
		}
	}
	if (*p || n[0] < 1 || n[0] > 2 || n[1] < 1 || n[1] > 2 || (n[2] != 2 && n[2] != 4) ||
	    !all_digits(part[0], n[0]) || !all_digits(part[1], n[1]))
		return -1;
	a = atoi(part[0]);
	b = atoi(part[1]);
	y = atoi(part[2]);
	if (n[2] == 2) {
		/* a birthday is in the past: "84" is 1984, "05" is 2005 */
		char iso[21];
		fort_time_iso(iso, fort_now());
		y += y <= (iso[2] - '0') * 10 + (iso[3] - '0') ? 2000 : 1900;
		im->n_dates_2digit++;
	}
	if (a > 12 && b > 12)
		return -1;
	if (a != b && a <= 12 && b <= 12 && !im->date_order_given) {
		if (!im->n_dates_ambig++)
			snprintf(im->ambig_col, sizeof im->ambig_col, "%s", col);
	}
	if (a > 12 || b > 12) {
		/* the value itself says which is the day */
		if (a > 12 && im->date_order == 'm' && im->date_order_given)
			return -1;
		if (b > 12 && im->date_order == 'd' && im->date_order_given)
			return -1;
		snprintf(out, cap, "%04d-%02d-%02d", y, a > 12 ? b : a, a > 12 ? a : b);
		return 0;
	}
	if (im->date_order == 'm')
		snprintf(out, cap, "%04d-%02d-%02d", y, a, b);
	else
		snprintf(out, cap, "%04d-%02d-%02d", y, b, a);
	return 0;
}

/* Worker: one record in, one item out. */
static int prep_cb(void *ctx, const reader_record *rec)
{
	struct imp *im = ctx;
	item *it;
	int r, any = 0;

	if (__atomic_load_n(&im->cancel, __ATOMIC_RELAXED))
		return fort_error_set(FORT_ERROR, "import cancelled");
	if ((r = set_columns(im, rec)) < 0)
		return r;
	for (size_t i = 0; i < rec->n; i++)
		if (im->col_role[i] == R_KIND && strcasecmp(rec->values[i], "group") == 0) {
			/* a contact group (a list of members), not a client */
			im->n_groups++;
			return 0;
		}
	{
		/* a bound on everything the item will hold */
		size_t n = im->v->map.n, need = n * (sizeof(char *) + BIDX_LEN + sizeof(int) + 64) + 512;
		for (size_t i = 0; i < rec->n; i++)
			need += 2 * strlen(rec->values[i]) + strlen(rec->names[i]) + 128;
		if (!(it = item_new(im, need)))
			return FORT_ENOMEM;
		it->cv.n = n;
		it->cv.vals = arena(it, n * sizeof *it->cv.vals);
		it->cv.bidx = arena(it, n * sizeof *it->cv.bidx);
		it->cv.bidx_field = arena(it, n * sizeof *it->cv.bidx_field);
	}
	it->line = rec->line;
	it->bytes = im->bytes;
	fort_buf_reset(&im->probs);
	{
		/* the parts that are joined, and the record's own country */
		const char *name[4] = { NULL, NULL, NULL, NULL }, *birth[3] = { NULL, NULL, NULL };
		const char *addr[8][6];
		char country[3] = "";
		char *joined = NULL;
		memset(addr, 0, sizeof addr);
		for (size_t i = 0; i < rec->n; i++) {
			int role = im->col_role[i];
			const char *val = rec->values[i];
			if (!val[0])
				continue;
			im->col_used[i] = 1;
			if (role >= R_FIRST && role <= R_SUFFIX && !name[role - R_FIRST])
				name[role - R_FIRST] = val;
			else if (role >= R_BYEAR && role <= R_BDAY)
				birth[role - R_BYEAR] = val;
			else if (role >= R_STREET && role <= R_FORMATTED && im->col_group[i] >= 0 && im->col_group[i] < 8) {
				const char **slot = &addr[im->col_group[i]][role == R_FORMATTED ? 5 : role == R_ADDRESS ? 0 : role - R_STREET];
				if (role == R_STREET && addr[im->col_group[i]][0])
					slot = &addr[im->col_group[i]][0]; /* joined below: keep the first street */
				if (!*slot)
					*slot = val;
				if (role == R_COUNTRY && !country[0])
					country_iso(country, val);
			}
		}
		for (size_t i = 0; i < rec->n; i++) {
			int fi = im->col_field[i];
			const map_field *f;
			const char *val = rec->values[i];
			char dbuf[16];
			if (!val[0] || fi == -1)
				continue;
			if (fi == -2)
				continue; /* reported once, after the import */
			f = &im->v->map.f[fi];
			/* undo the formula guard of CSV exports ("'+4930...") */
			if (val[0] == '\'' && fort_csv_formula(val + 1))
				val++;
			/* Google writes several values in one cell: "a@x ::: b@y" */
			{
				const char *sep = f->t == FT_EMAIL || f->t == FT_PHONE ? strstr(val, " ::: ") : NULL;
				if (sep) {
					size_t l = (size_t)(sep - val);
					char *first = arena(it, l + 1);
					if (first) {
						memcpy(first, val, l);
						first[l] = '\0';
						val = first;
						im->n_extra++;
						if (!strstr(im->extra_fields, f->name) && strlen(im->extra_fields) + strlen(f->name) + 3 < sizeof im->extra_fields)
							snprintf(im->extra_fields + strlen(im->extra_fields), sizeof im->extra_fields - strlen(im->extra_fields), "%s%s", im->extra_fields[0] ? ", " : "", f->name);
					}
				}
			}
			if (it->cv.vals[fi] && im->col_multi[i]) {
				/* E-mail 2, the second phone: the vault keeps one */
				im->n_extra++;
				if (!strstr(im->extra_fields, f->name) && strlen(im->extra_fields) + strlen(f->name) + 3 < sizeof im->extra_fields)
					snprintf(im->extra_fields + strlen(im->extra_fields), sizeof im->extra_fields - strlen(im->extra_fields), "%s%s", im->extra_fields[0] ? ", " : "", f->name);
				continue;
			}
			if (f->t == FT_DATE) {
				int dr = date_prep(im, rec->names[i], val, dbuf, sizeof dbuf);
				if (dr > 0)
					continue; /* 0/0/00, no year: absent */
				if (dr == 0)
					val = dbuf;
			}
			if (f->t == FT_PHONE && !country[0] && val[0] != '+' && !(val[0] == '0' && val[1] == '0'))
				im->n_phone_default++;
			if ((r = put_value(im, it, fi, rec, i, val, country[0] ? country : im->v->country, &any)) < 0)
				goto fail;
		}
		/* First, middle and last name joined, where no column holds the whole name */
		{
			int fi = im->fi_name;
			if (fi >= 0 && !it->cv.vals[fi] && (name[0] || name[2])) {
				fort_buf b;
				fort_buf_init(&b, 0);
				b.secret = 1;
				for (int k = 0; k < 4; k++)
					if (name[k] && (r = fort_buf_printf(&b, "%s%s", b.len ? " " : "", name[k])) < 0) {
						fort_buf_release(&b);
						goto fail;
					}
				im->n_name_joined++;
				r = put_value(im, it, fi, rec, SIZE_MAX, b.buf, country[0] ? country : im->v->country, &any);
				fort_buf_release(&b);
				if (r < 0)
					goto fail;
			}
		}
		/* The first address with a value: "Street, Postcode City, Region, Country" */
		{
			int fi = im->fi_addr;
			for (size_t g = 0; fi >= 0 && !it->cv.vals[fi] && g < im->ngroups && g < 8; g++) {
				const char **a = addr[g];
				fort_buf b;
				if (!a[0] && !a[1] && !a[2] && !a[3] && !a[4] && !a[5])
					continue;
				fort_buf_init(&b, 0);
				b.secret = 1;
				if (a[5]) {
					/* the formatted one, lines joined */
					for (const char *p = a[5]; *p && r >= 0; p++)
						r = *p == '\n' ? fort_buf_puts(&b, ", ") : *p == '\r' ? 0 : fort_buf_putc(&b, *p);
				} else {
					r = 0;
					if (a[0])
						r = fort_buf_puts(&b, a[0]);
					if (r >= 0 && (a[2] || a[1]))
						r = fort_buf_printf(&b, "%s%s%s%s", b.len ? ", " : "", a[2] ? a[2] : "", a[2] && a[1] ? " " : "", a[1] ? a[1] : "");
					if (r >= 0 && a[3])
						r = fort_buf_printf(&b, "%s%s", b.len ? ", " : "", a[3]);
					if (r >= 0 && a[4])
						r = fort_buf_printf(&b, "%s%s", b.len ? ", " : "", a[4]);
				}
				if (r >= 0) {
					im->n_addr_joined++;
					r = put_value(im, it, fi, rec, SIZE_MAX, b.buf ? b.buf : "", country[0] ? country : im->v->country, &any);
				}
				fort_buf_release(&b);
				if (r < 0)
					goto fail;
				break;
			}
		}
		/* Thunderbird's Birth Year, Month, Day */
		{
			int fi = im->fi_dob;
			if (fi >= 0 && !it->cv.vals[fi] && birth[0] && birth[1] && birth[2]) {
				char d[32];
				snprintf(d, sizeof d, "%s-%02d-%02d", birth[0], atoi(birth[1]), atoi(birth[2]));
				if ((r = put_value(im, it, fi, rec, SIZE_MAX, d, im->v->country, &any)) < 0)
					goto fail;
			}
		}
		(void)joined;
	}
	if (!im->probs.len && !any &&
	    (r = im->fmt == READER_VCARD ?
		 problem(im, "line %zu: the card has none of the properties Fortress reads (FN or N, EMAIL, TEL, ADR, ORG, BDAY, NOTE): add one, or leave the card out", rec->line) :
		 problem(im, "line %zu: the record has no values", rec->line)) < 0)
		goto fail;
	if (im->probs.len) {
		it->kind = ITEM_BAD;
		if (!(it->problems = fort_strdup(im->probs.buf))) {
			r = FORT_ENOMEM;
			goto fail;
		}
	} else {
		size_t clen = 0;
		it->kind = ITEM_OK;
		/* The index entries are computed by the sealer (cvals_index);
		 * their columns, in the same order (searchable fields with a
		 * value and a key), are named here, where the header is known. */
		for (int pass = 0; pass < 2; pass++) {
			for (size_t fi = 0; fi < it->cv.n; fi++) {
				const char *col;
				size_t l;
				if (!it->cv.vals[fi] || !im->v->map.f[fi].searchable || !im->v->has_bkey[fi])
					continue;
				col = im->field_col[fi] >= 0 ? rec->names[im->field_col[fi]] : im->v->map.f[fi].name;
				l = strlen(col) + 1;
				if (pass)
					memcpy(it->cols + clen, col, l);
				clen += l;
			}
			if (!pass) {
				if (!(it->cols = arena(it, clen + 1)))
					goto too_big;
				clen = 0;
			}
		}
		if (!(it->sealbuf = arena(it, client_sealed_bound(&it->cv))))
			goto too_big;
	}
	if (im->o->skip_invalid && im->o->rejects_path && rec->raw) {
		if (!(it->raw = fort_malloc(rec->raw_len + 1))) {
			r = FORT_ENOMEM;
			goto fail;
		}
		memcpy(it->raw, rec->raw, rec->raw_len);
		it->raw_len = rec->raw_len;
	}
	if (it->kind == ITEM_OK)
		it->sc.id = client_new_id(); /* in file order, whichever sealer seals it */
	return push(im, &im->q1[im->nread++ % NSEAL], it);
too_big:
	r = fort_error_set(FORT_ERROR, "line %zu: internal error: record larger than estimated", rec->line);
fail:
	item_free(im, it);
	return r;
}

static void *worker(void *arg)
{
	struct imp *im = arg;
	item *end = calloc(1, sizeof *end);
	pthread_setname_np(pthread_self(), "fortress-read");
	int r = reader_read((reader_format)im->fmt, im->f, im->path, prep_cb, im, &im->bytes);
	if (r < 0 && r == FORT_EINPUT && strncmp(fort_error_message(), "line ", 5) == 0)
		fort_error_prefix("%s", im->path);
	if (!end) {
		/* cannot even report: tell the caller through the cancel flag */
		pthread_mutex_lock(&im->lock);
		__atomic_store_n(&im->cancel, 2, __ATOMIC_RELAXED);
		for (int k = 0; k < NSEAL; k++) {
			pthread_cond_broadcast(&im->q1[k].not_empty);
			pthread_cond_broadcast(&im->q2[k].not_empty);
		}
		pthread_mutex_unlock(&im->lock);
		return NULL;
	}
	end->kind = ITEM_END;
	end->code = r;
	end->bytes = im->bytes;
	snprintf(end->msg, sizeof end->msg, "%s", r < 0 ? fort_error_message() : "");
	/* the end, in sequence; the other sealers get a copy that only stops them */
	for (int k = 1; k < NSEAL; k++) {
		item *stop = calloc(1, sizeof *stop);
		if (stop) {
			*stop = *end;
			push(im, &im->q1[(im->nread + (uint64_t)k) % NSEAL], stop);
		}
	}
	push(im, &im->q1[im->nread % NSEAL], end);
	return NULL;
}

/* Clients without an e-mail or a phone cannot be matched by the unique
 * index; a re-import would double them.  They are matched on the name's
 * index entry plus every other value the record has: a keyed hash
 * (under the name field's blind key) of those values, by field. */
static int record_fp(unsigned char fp[32], uint64_t mask, const fort_vault *v, const client_vals *cv, int name_fi)
{
	crypto_generichash_state st;
	int n = 0;
	crypto_generichash_init(&st, v->bkeys + (size_t)name_fi * KEY_LEN, KEY_LEN, 32);
	for (size_t i = 0; i < cv->n && i < 64; i++) {
		if (!(mask & ((uint64_t)1 << i)))
			continue;
		if (!cv->vals[i])
			return 0; /* the other client lacks a value this record has */
		crypto_generichash_update(&st, (const unsigned char *)v->map.f[i].name, strlen(v->map.f[i].name) + 1);
		crypto_generichash_update(&st, (const unsigned char *)cv->vals[i], strlen(cv->vals[i]) + 1);
		n++;
	}
	crypto_generichash_final(&st, fp, 32);
	sodium_memzero(&st, sizeof st);
	return n;
}

/* In the sealer, while the plaintext is there. */
static void item_fp(item *it, const fort_vault *v)
{
	int name_fi = map_field_by_role(&v->map, ROLE_ADDRESSEE, 0);
	uint64_t mask = 0;
	it->has_fp = 0;
	if (name_fi < 0 || !it->cv.vals[name_fi] || !v->has_bkey[name_fi])
		return;
	for (size_t i = 0; i < it->cv.n; i++) {
		if (!it->cv.vals[i] || (int)i == name_fi)
			continue;
		if (field_unique(v, (int)i))
			return; /* the unique index finds this one */
		if (i < 64 && v->kr->has_ck[v->map.f[i].cat])
			mask |= (uint64_t)1 << i;
	}
	it->fp_mask = mask;
	it->has_fp = 1;
	if (mask && record_fp(it->fp, mask, v, &it->cv, name_fi) == 0)
		it->fp_mask = 0;
}

/* The sealer: encrypts each good record; everything passes on in order. */
static void *sealer(void *arg)
{
	struct imp *im = ((struct sealer_arg *)arg)->im;
	int k = ((struct sealer_arg *)arg)->k;
	item *it;
	pthread_setname_np(pthread_self(), "fortress-seal");
	while ((it = pop(im, &im->q1[k]))) {
		int kind = it->kind;
		if (kind == ITEM_OK) {
			int r = cvals_index_sk(&it->cv, im->v, im->sk);
			if (r == 0)
				item_fp(it, im->v);
			if (r == 0)
				r = client_seal_into(&it->sc, im->v, &it->cv, it->sealbuf, it->sc.id, im->sk);
			if (r == 0) /* the record's seal hash here, not on the storing thread */
				client_seal_hash(&it->sc, fort_now());
			for (size_t i = 0; i < it->cv.n; i++) /* the plaintext is not needed any more */
				if (it->cv.vals[i])
					sodium_memzero(it->cv.vals[i], strlen(it->cv.vals[i]));
			if (r < 0) {
				/* turn it into the end of the stream, with the error */
				sealed_release(&it->sc);
				it->kind = kind = ITEM_END;
				it->code = r;
				snprintf(it->msg, sizeof it->msg, "%s", fort_error_message());
			}
		}
		if (push(im, &im->q2[k], it) < 0 || kind == ITEM_END)
			break;
	}
	return NULL;
}

/* ---------------------------------------------------------- caller side */

static int report_problem(struct imp *im, const char *text)
{
	fort_import_report *rep = im->rep;
	if (rep->nproblems >= MAX_PROBLEMS)
		return 0;
	char **np = fort_realloc(rep->problems, (rep->nproblems + 1) * sizeof *np);
	if (!np)
		return FORT_ENOMEM;
	rep->problems = np;
	if (!(np[rep->nproblems] = fort_strdup(text)))
		return FORT_ENOMEM;
	rep->nproblems++;
	return 0;
}

static int write_reject(struct imp *im, const item *it)
{
	if (!im->rejects || !it->raw)
		return 0;
	if (!im->wrote_header && im->reject_header)
		fputs(im->reject_header, im->rejects);
	im->wrote_header = 1;
	fwrite(it->raw, 1, it->raw_len, im->rejects);
	if (it->raw_len && it->raw[it->raw_len - 1] != '\n')
		fputc('\n', im->rejects);
	return ferror(im->rejects) ? fort_error_set(FORT_EIO, "cannot write the rejects file: %s", strerror(errno)) : 0;
}

static struct seen *seen_at(struct imp *im, size_t i)
{
	return &im->seen[i / SEEN_CHUNK][i % SEEN_CHUNK];
}

static size_t seen_line(struct imp *im, int64_t id)
{
	size_t lo = 0, hi = im->nseen;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (seen_at(im, mid)->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < im->nseen && seen_at(im, lo)->id == id ? seen_at(im, lo)->line : 0;
}

static int seen_add(struct imp *im, int64_t id, size_t line)
{
	if (im->nseen == SEEN_MAX_CHUNKS * SEEN_CHUNK)
		return 0;
	if (im->nseen == im->nchunks * SEEN_CHUNK) {
		struct seen **nc = fort_realloc(im->seen, (im->nchunks + 1) * sizeof *nc);
		if (!nc)
			return FORT_ENOMEM;
		im->seen = nc;
		if (!(nc[im->nchunks] = fort_malloc(SEEN_CHUNK * sizeof **nc)))
			return FORT_ENOMEM;
		im->nchunks++;
	}
	seen_at(im, im->nseen)->id = id;
	seen_at(im, im->nseen)->line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	im->nseen++;
	return 0;
}

/* "line N, column C: duplicate: the same email as line M" (or naming the
 * client that already has it). */
static void dup_message(struct imp *im, char *msg, size_t cap, size_t line, const char *col, int field, int64_t other)
{
	const char *fname = im->v->map.f[field].name;
	size_t oline;
	if (other >= im->first_id && (oline = seen_line(im, other)) != 0)
		snprintf(msg, cap, "line %zu, column %s: duplicate: the same %s as line %zu", line, col, fname, oline);
	else if (other >= im->first_id)
		snprintf(msg, cap, "line %zu, column %s: duplicate: the same %s as an earlier record of this file", line, col, fname);
	else {
		char oid[FORT_ID_LEN + 1];
		client_id_format(oid, other);
		snprintf(msg, cap, "line %zu, column %s: duplicate: client %s already has the same %s", line, col, oid, fname);
	}
}

/* Unique entries first, by (value, id): the duplicates of a batch are
 * found in one pass and reported against the earlier record.  Then the
 * search entries by (id, value): each client's together, so that the store
 * hashes a new client's search group from them (store_bidx_add's FRESH)
 * instead of reading it back at the commit.  The search entries come in
 * this order (file order, ids growing; store_item places each record's by
 * value): only the unique ones are sorted, unless an id came out of order
 * (bench/README.md "wt-store": the sort of both kinds was 3.4k
 * instructions a client, the search entries' half of it for nothing). */
static int later_cmp(const void *a, const void *b)
{
	const struct later *x = a, *y = b;
	int c;
	if (x->unique != y->unique)
		return x->unique ? -1 : 1;
	if (!x->unique && x->id != y->id)
		return (x->id > y->id) - (x->id < y->id);
	c = memcmp(x->h, y->h, BIDX_LEN);
	return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* The entries' h are keyed hashes, spread evenly: their first 8 bytes
 * place a unique entry, its id (positive) a search entry; the top bit the
 * kind (fort_sort_keyed; later_cmp's order, at about a tenth of qsort's
 * comparisons: 5.3k instructions per imported client). */
static uint64_t later_key(const void *a)
{
	const struct later *e = a;
	uint64_t k = 0;
	if (!e->unique)
		return UINT64_C(1) << 63 | (uint64_t)e->id >> 1;
	for (int i = 0; i < 8; i++)
		k = k << 8 | e->h[i];
	return k >> 1;
}

/* The deferred entries, sorted, added in batches (store_blind_add_many:
 * one pipeline per batch on PostgreSQL).  A batch never splits a client's
 * search entries (FRESH holds for the call that has them all). */
#define ADD_BATCH 1024
static int flush_run(struct imp *im, const struct later *e, size_t count, store_bidx_add *b, int64_t *other)
{
	int r = 0;
	for (size_t i0 = 0, n; i0 < count && r == 0; i0 += n) {
		n = count - i0 < ADD_BATCH ? count - i0 : ADD_BATCH;
		while (i0 + n < count && n > 1 && !e[i0 + n].unique && !e[i0 + n - 1].unique && e[i0 + n].id == e[i0 + n - 1].id)
			n--;
		for (size_t k = 0; k < n; k++) {
			memcpy(b[k].h, e[i0 + k].h, BIDX_LEN);
			b[k].client = e[i0 + k].id;
			b[k].unique = e[i0 + k].unique;
			/* a client of this import: its ids are above every id the
			 * vault held (client_ids_above) and all its search
			 * entries are in this batch; its unique entries cannot
			 * have been sealed before */
			b[k].fresh = 1;
		}
		if ((r = store_blind_add_many(im->v->st, b, n, other)) < 0)
			break;
		for (size_t k = 0; k < n && r == 0; k++) {
			const struct later *x = &e[i0 + k];
			char msg[512];
			if (!other[k])
				continue;
			/* sorted by (entry, id) and ids grow with the line: the one
			 * already there is the earlier record */
			dup_message(im, msg, sizeof msg, x->line, im->v->map.f[x->field].name, x->field, other[k] > 0 ? other[k] : 0);
			im->rep->duplicates++;
			im->rep->rejected++;
			r = report_problem(im, msg);
		}
	}
	return r;
}

static int flush_later(struct imp *im)
{
	struct later *u = im->later + LATER_MAX - im->nlater_u;
	store_bidx_add *b;
	int64_t *other;
	int r;
	if (im->nlater_u > 1)
		fort_sort_keyed(u, im->nlater_u, sizeof *u, later_key, later_cmp);
	if (!im->later_sorted)
		fort_sort_keyed(im->later, im->nlater, sizeof *im->later, later_key, later_cmp);
	b = fort_malloc(ADD_BATCH * sizeof *b);
	other = fort_malloc(ADD_BATCH * sizeof *other);
	if (!b || !other) {
		free(b);
		free(other);
		return FORT_ENOMEM;
	}
	/* unique entries first, as later_cmp orders them */
	if ((r = flush_run(im, u, im->nlater_u, b, other)) == 0)
		r = flush_run(im, im->later, im->nlater, b, other);
	free(b);
	free(other);
	if (r < 0)
		return r;
	im->nlater = im->nlater_u = 0;
	im->later_sorted = 1;
	return 0;
}

/* Problems in line order (duplicates are found after the others). */
static int problem_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	unsigned long lx = strncmp(x, "line ", 5) == 0 ? strtoul(x + 5, NULL, 10) : 0;
	unsigned long ly = strncmp(y, "line ", 5) == 0 ? strtoul(y + 5, NULL, 10) : 0;
	return (lx > ly) - (lx < ly);
}

/* A client already in the vault (before this import) with this record's
 * name and every other value it has: 1 (MSG says which), 0 none, <0 error.
 * Same name only is counted as a possible duplicate. */
static int existing_same(struct imp *im, const unsigned char *h, const unsigned char want[32], uint64_t mask, size_t line,
			 char *msg, size_t cap, int *same_name);

static int same_client(struct imp *im, item *it, char *msg, size_t cap)
{
	fort_vault *v = im->v;
	int name_fi = map_field_by_role(&v->map, ROLE_ADDRESSEE, 0), r, same_name = 0;
	const unsigned char *h = NULL;

	for (size_t k = 0; k < it->sc.nbidx; k++)
		if (it->sc.bidx_field[k] == name_fi)
			h = it->sc.bidx[k];
	if (!h)
		return 0;
	if ((r = existing_same(im, h, it->fp, it->fp_mask, it->line, msg, cap, &same_name)) != 0)
		return r;
	if (same_name)
		im->n_same_name++;
	if (im->late) {
		/* checked again under the lock (import_recheck) */
		struct fpcheck *c;
		if (im->nfpc == im->cfpc) {
			/* keyed hashes of values: the old copy wiped, not realloc'ed */
			size_t nc = im->cfpc ? im->cfpc * 2 : 64;
			if (nc > SIZE_MAX / sizeof *c || !(c = fort_malloc(nc * sizeof *c)))
				return FORT_ENOMEM;
			if (im->nfpc)
				memcpy(c, im->fpc, im->nfpc * sizeof *c);
			if (im->fpc) {
				sodium_memzero(im->fpc, im->cfpc * sizeof *c);
				free(im->fpc);
			}
			im->fpc = c;
			im->cfpc = nc;
		}
		c = &im->fpc[im->nfpc++];
		memcpy(c->h, h, BIDX_LEN);
		memcpy(c->fp, it->fp, 32);
		c->mask = it->fp_mask;
		c->line = it->line;
	}
	return 0;
}

/* A client other than this import's own with the name entry H whose values
 * hash to WANT (the record's fingerprint over MASK): 1 (MSG says which),
 * 0 none (*SAME_NAME 1 when one had the name), <0 error. */
static int existing_same(struct imp *im, const unsigned char *h, const unsigned char want[32], uint64_t mask, size_t line,
			 char *msg, size_t cap, int *same_name)
{
	fort_vault *v = im->v;
	int name_fi = map_field_by_role(&v->map, ROLE_ADDRESSEE, 0), r;
	int64_t ids[16];
	size_t n = 0;

	if ((r = store_blind_find(v->st, h, 0, ids, 16, &n)) < 0)
		return r;
	if (!im->dupcv_init) {
		if ((r = cvals_init(&im->dupcv, v)) < 0)
			return r;
		im->dupcv_init = 1;
	}
	for (size_t i = 0; i < n && i < 16; i++) {
		store_client c;
		unsigned char fp[32];
		int k;
		if (ids[i] >= im->first_id && (!im->late || seen_line(im, ids[i])))
			continue; /* this import's own (its name entries wait for the end); beside
				   * another import, whose ids may be above the first, by its list */
		memset(&c, 0, sizeof c);
		if ((r = store_client_get(v->st, &c, ids[i])) < 0) {
			if (r == FORT_ENOTFOUND) {
				fort_error_clear();
				continue;
			}
			return r;
		}
		r = client_decrypt(&im->dupcv, v, &c);
		store_client_release(&c);
		if (r < 0)
			return r;
		*same_name = 1;
		/* the name plus at least one other value; the name alone is only
		 * a possible duplicate (two people can share a name) */
		k = mask ? record_fp(fp, mask, v, &im->dupcv, name_fi) : 0;
		cvals_clear(&im->dupcv);
		if (k > 0 && sodium_memcmp(fp, want, sizeof fp) == 0) {
			char oid[FORT_ID_LEN + 1], fields[200] = "";
			client_id_format(oid, ids[i]);
			for (size_t f = 0; f < v->map.n && f < 64; f++)
				if (mask & ((uint64_t)1 << f))
					snprintf(fields + strlen(fields), sizeof fields - strlen(fields), ", %s", v->map.f[f].name);
			snprintf(msg, cap, "line %zu: duplicate: client %s already has the same full_name%s (no e-mail or phone to tell them apart)",
				 line, oid, fields);
			return 1;
		}
	}
	return 0;
}

/* Under the writers' lock, taken late: what the import decided without
 * it from the vault as others had committed it, decided again if another
 * writer committed since the import began (the chain's head moved): the
 * key version it sealed with (a rotation), the data map it read the
 * records by, the importer's role, and the records let in by name and
 * values alone.  Unique entries (e-mail, phone) and client ids need no
 * second look: the database's keys refused or waited for the other's.
 * A change is FORT_EBUSY (FORT_EDENIED for a removed user): nothing is
 * kept, and the next try sees the vault as it is now. */
static int import_recheck(struct imp *im)
{
	fort_vault *v = im->v;
	unsigned char hash[32], *mac = NULL;
	size_t maclen = 0;
	int64_t seq;
	store_user u;
	int r, moved;

	if ((r = store_audit_tail(v->st, &seq, hash)) == FORT_ENOTFOUND) {
		seq = 0;
		memset(hash, 0, 32);
	} else if (r < 0) {
		return r;
	}
	if (seq == im->seq0 && sodium_memcmp(hash, im->hash0, 32) == 0)
		return 0;   /* nobody else wrote since */
	if ((r = vault_keys_current(v)) < 0)
		return r;
	r = store_meta_get(v->st, "map_mac", &mac, &maclen);
	if (r < 0 && r != FORT_ENOTFOUND)
		return r;
	moved = (r == 0) != im->mapmac0_set || (r == 0 && (maclen != 32 || sodium_memcmp(mac, im->mapmac0, 32) != 0));
	free(mac);
	fort_error_clear();
	if (moved)
		return fort_error_set(FORT_EBUSY, "the data map was changed by another process during the import: nothing was imported; try again");
	memset(&u, 0, sizeof u);
	if ((r = store_user_get_by_id(v->st, &u, v->user_id)) < 0)
		return r == FORT_ENOTFOUND ? fort_error_set(FORT_EDENIED, "user '%s' was removed from this vault during the import: nothing was imported", v->user) : r;
	moved = strcmp(u.status, "active") != 0 || strcmp(u.role, v->role) != 0;
	r = strcmp(u.status, "active") != 0;
	store_user_release(&u);
	if (r)
		return fort_error_set(FORT_EDENIED, "user '%s' was removed from this vault during the import: nothing was imported", v->user);
	if (moved)
		return fort_error_set(FORT_EBUSY, "user '%s' was given another role during the import: nothing was imported; try again", v->user);
	for (size_t i = 0; i < im->nfpc; i++) {
		char msg[768];
		int same_name = 0;
		const struct fpcheck *c = &im->fpc[i];
		if ((r = existing_same(im, c->h, c->fp, c->mask, c->line, msg, sizeof msg, &same_name)) < 0)
			return r;
		if (r > 0)
			return fort_error_set(FORT_EBUSY, "%s, added by another process during the import: nothing was imported; "
					      "try again (the import will then report it)", msg);
	}
	return 0;
}

/* Where the audit chain and the data map stand before the import's
 * transaction (outside it: on PostgreSQL a read of the chain inside takes
 * the writers' lock): import_recheck compares. */
static int import_mark(struct imp *im)
{
	unsigned char *mac = NULL;
	size_t maclen = 0;
	int r;
	if ((r = store_audit_tail(im->v->st, &im->seq0, im->hash0)) == FORT_ENOTFOUND) {
		im->seq0 = 0;
		memset(im->hash0, 0, 32);
	} else if (r < 0) {
		return r;
	}
	r = store_meta_get(im->v->st, "map_mac", &mac, &maclen);
	if (r < 0 && r != FORT_ENOTFOUND)
		return r;
	im->mapmac0_set = r == 0 && maclen == 32;
	if (im->mapmac0_set)
		memcpy(im->mapmac0, mac, 32);
	free(mac);
	fort_error_clear();
	return 0;
}

static int store_item(struct imp *im, item *it)
{
	fort_import_report *rep = im->rep;
	int r, dupf = -1;
	int64_t other = 0;
	char msg[768];

	if (it->has_fp && (r = same_client(im, it, msg, sizeof msg)) != 0) {
		if (r < 0)
			return r;
		rep->duplicates++;
		rep->rejected++;
		if ((r = report_problem(im, msg)) < 0)
			return r;
		return write_reject(im, it);
	}
	/* created in file order: a record sealed before the one stored before
	 * it (the other sealer, across a second) gets the time it is stored */
	if (it->sc.has_hash && it->sc.created < im->last_created)
		it->sc.has_hash = 0;
	r = client_store(im->v, &it->sc, &dupf, &other, im->defer_unique ? STORE_ROW_ONLY : STORE_UNIQUE_ONLY);
	if (r == FORT_EDUPLICATE) {
		const char *col = it->cols;
		for (size_t k = 0; k < it->sc.nbidx && it->sc.bidx_field[k] != dupf; k++)
			col += strlen(col) + 1;
		dup_message(im, msg, sizeof msg, it->line, col, dupf, other);
		rep->duplicates++;
		rep->rejected++;
		if ((r = report_problem(im, msg)) < 0)
			return r;
		return write_reject(im, it);
	}
	if (r == FORT_EEXISTS) {
		int64_t cid;
		size_t line = it->line, l;
		/* PostgreSQL: the row that clashed may be an earlier one, its
		 * INSERT answered with this one's */
		if (store_failed_client(im->v->st, &cid) && (l = seen_line(im, cid)) != 0)
			line = l;
		return fort_error_set(FORT_ERROR, "line %zu: a new client id clashed with an existing one; try the import again", line);
	}
	if (r < 0)
		return r;
	if ((r = seen_add(im, it->sc.id, it->line)) < 0)
		return r;
	if (!it->sc.has_hash || it->sc.created > im->last_created)
		im->last_created = it->sc.has_hash ? it->sc.created : fort_now();
	rep->imported++;
	/* a client's entries go to the store in one flush (FRESH, flush_later) */
	if (im->nlater + im->nlater_u + it->sc.nbidx > LATER_MAX && (r = flush_later(im)) < 0)
		return r;
	for (size_t k = 0, run = im->nlater; k < it->sc.nbidx; k++) {
		int uniq = field_unique(im->v, it->sc.bidx_field[k]);
		struct later e;
		size_t j;
		if (uniq && !im->defer_unique)
			continue;
		memcpy(e.h, it->sc.bidx[k], BIDX_LEN);
		e.id = it->sc.id;
		e.field = (uint16_t)it->sc.bidx_field[k];
		e.unique = (uint8_t)uniq;
		e.line = it->line > UINT32_MAX ? UINT32_MAX : (uint32_t)it->line;
		if (uniq) { /* from the back; sorted at the flush */
			im->later[LATER_MAX - ++im->nlater_u] = e;
			continue;
		}
		/* after the records before (lower ids, else the flush sorts),
		 * by value within this record's run */
		if (run && im->later[run - 1].id > e.id)
			im->later_sorted = 0;
		for (j = im->nlater; j > run && later_cmp(&im->later[j - 1], &e) > 0; j--)
			im->later[j] = im->later[j - 1];
		im->later[j] = e;
		im->nlater++;
	}
	return 0;
}

static int handle_bad(struct imp *im, item *it)
{
	char *p = it->problems, *nl;
	int r;
	im->rep->rejected++;
	while (p && *p) {
		if ((nl = strchr(p, '\n')))
			*nl = '\0';
		if ((r = report_problem(im, p)) < 0)
			return r;
		p = nl ? nl + 1 : NULL;
	}
	return write_reject(im, it);
}

static int add_note(fort_import_report *rep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add_note(fort_import_report *rep, const char *fmt, ...)
{
	va_list ap;
	char buf[1024], **nn;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (!(nn = fort_realloc(rep->notes, (rep->nnotes + 1) * sizeof *nn)))
		return FORT_ENOMEM;
	rep->notes = nn;
	if (!(nn[rep->nnotes] = fort_strdup(buf)))
		return FORT_ENOMEM;
	rep->nnotes++;
	return 0;
}

/* What the reader counted, as notes (after it has ended). */
static int make_notes(struct imp *im)
{
	fort_import_report *rep = im->rep;
	fort_buf b;
	size_t nign = 0;
	int r = 0;

	fort_buf_init(&b, 0);
	for (size_t i = 0; i < im->ncols; i++)
		if (im->col_field[i] == -2 && im->col_used[i]) {
			if (nign < 12)
				r = fort_buf_printf(&b, "%s%s", nign ? ", " : "", im->col_name[i]);
			nign++;
		}
	if (r >= 0 && nign > 12)
		r = fort_buf_printf(&b, " and %zu more", nign - 12);
	if (r >= 0 && nign)
		r = add_note(rep, "ignored %zu column%s that match%s no field: %s (--map 'COLUMN=FIELD' keeps one; --strict-columns refuses such a file)",
			     nign, nign == 1 ? "" : "s", nign == 1 ? "es" : "", b.buf);
	fort_buf_release(&b);
	if (r >= 0 && im->n_groups)
		r = add_note(rep, "%llu contact group%s (vCard KIND:group) skipped: a group lists members, it is not a client",
			     (unsigned long long)im->n_groups, im->n_groups == 1 ? "" : "s");
	if (r >= 0 && im->n_name_joined)
		r = add_note(rep, "%llu name%s joined from first, middle and last name columns",
			     (unsigned long long)im->n_name_joined, im->n_name_joined == 1 ? "" : "s");
	if (r >= 0 && im->n_addr_joined)
		r = add_note(rep, "%llu address%s joined from street, postcode, city and country columns",
			     (unsigned long long)im->n_addr_joined, im->n_addr_joined == 1 ? "" : "es");
	if (r >= 0 && im->n_extra)
		r = add_note(rep, "%llu further value%s (%s) left out: the vault keeps one per field; the first with a value was kept",
			     (unsigned long long)im->n_extra, im->n_extra == 1 ? "" : "s", im->extra_fields);
	if (r >= 0 && im->n_dates_ambig)
		r = add_note(rep, "warning: %llu date%s like 3/7/1984 in column %s could be read either way: read as %s (%s); if the file means %s, import it again with --date-order %s",
			     (unsigned long long)im->n_dates_ambig, im->n_dates_ambig == 1 ? "" : "s", im->ambig_col,
			     im->date_order == 'm' ? "month/day/year" : "day/month/year",
			     im->date_order_given ? "--date-order" : im->date_order == 'm' ? "the vault's country writes the month first" : "the vault's country writes the day first",
			     im->date_order == 'm' ? "day/month/year" : "month/day/year", im->date_order == 'm' ? "dmy" : "mdy");
	if (r >= 0 && im->n_dates_2digit)
		r = add_note(rep, "%llu date%s with a two-digit year read as the latest such year not in the future (84 is 1984)",
			     (unsigned long long)im->n_dates_2digit, im->n_dates_2digit == 1 ? "" : "s");
	if (r >= 0 && im->n_dates_noyear)
		r = add_note(rep, "%llu date%s without a year left out", (unsigned long long)im->n_dates_noyear,
			     im->n_dates_noyear == 1 ? "" : "s");
	if (r >= 0 && im->n_same_name)
		r = add_note(rep, "%llu client%s without e-mail or phone share%s a name with a client already in the vault but not all other values: possible duplicate%s ('fortress client find full_name=NAME' lists them)",
			     (unsigned long long)im->n_same_name, im->n_same_name == 1 ? "" : "s", im->n_same_name == 1 ? "s" : "",
			     im->n_same_name == 1 ? "" : "s");
	if (r >= 0 && im->n_phone_default)
		r = add_note(rep, "warning: %llu phone number%s without a country code and without a country in the record read as %s numbers (the vault's country)",
			     (unsigned long long)im->n_phone_default, im->n_phone_default == 1 ? "" : "s", im->v->country);
	return r;
}

void fort_import_report_free(fort_import_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nproblems; i++)
		free(r->problems[i]);
	free(r->problems);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r);
}

/* Standard input ("-") cannot be rewound after its first bytes are read to
 * tell the format: a stream that gives them again, then the rest.  Nothing
 * is written anywhere (no temporary copy of client data). */
struct replay {
	unsigned char head[512];
	size_t hlen, hpos;
	FILE *src;
};

static ssize_t replay_read(void *cookie, char *buf, size_t size)
{
	struct replay *rp = cookie;
	if (rp->hpos < rp->hlen) {
		size_t n = rp->hlen - rp->hpos < size ? rp->hlen - rp->hpos : size;
		memcpy(buf, rp->head + rp->hpos, n);
		rp->hpos += n;
		return (ssize_t)n;
	}
	size_t n = fread(buf, 1, size, rp->src);
	return n == 0 && ferror(rp->src) ? -1 : (ssize_t)n;
}

static int replay_close(void *cookie)
{
	struct replay *rp = cookie;
	sodium_memzero(rp->head, sizeof rp->head);
	free(rp);
	return 0;
}

/* PATH's file, or (*MEM not NULL) the stream *MEM read in memory, named
 * PATH in messages: taken over (*MEM set to NULL) once it is read. */
/* The reader and the sealers stopped (the reader may still be reading
 * when the import fails), their queues drained; the error R's message is
 * kept. */
static void import_stop(struct imp *im, int r)
{
	int code = fort_error_code();
	char msg[1024];
	if (!im->started)
		return;
	snprintf(msg, sizeof msg, "%s", fort_error_message());
	pthread_mutex_lock(&im->lock);
	if (__atomic_load_n(&im->cancel, __ATOMIC_RELAXED) == 0)
		__atomic_store_n(&im->cancel, 1, __ATOMIC_RELAXED);
	for (int k = 0; k < NSEAL; k++) {
		pthread_cond_broadcast(&im->q1[k].not_full);
		pthread_cond_broadcast(&im->q1[k].not_empty);
		pthread_cond_broadcast(&im->q2[k].not_full);
		pthread_cond_broadcast(&im->q2[k].not_empty);
	}
	pthread_mutex_unlock(&im->lock);
	pthread_join(im->th, NULL);
	for (int k = 0; k + 2 <= im->started; k++)
		pthread_join(im->th2[k], NULL);
	for (int k = 0; k < NSEAL; k++) {
		drain(&im->q1[k]);
		drain(&im->q2[k]);
	}
	while (im->npool)
		free(im->pool[--im->npool]);
	if (r < 0)
		fort_error_set(code, "%s", msg);
}

/* The import's one step (its transaction, all or nothing): the pipeline
 * run, every record stored in file order, the sorted index entries; its
 * entry "import" says how many came in.  The threads are stopped before
 * the step commits or rolls back. */
static int import_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct imp *im = ctx;
	fort_import_report *rep = im->rep;
	const fort_import_opts *o = im->o;
	uint64_t nstored = 0;
	int r;
	if ((r = vault_keys_current(v)) < 0 || (r = client_ids_above(v)) < 0)
		return r;
	/* PostgreSQL: this transaction writes its rows before it takes the
	 * writers' lock, beside another process's import */
	if ((im->late = store_lock_deferred(v->st)) != 0)
		client_ids_apart();
	im->first_id = INT64_MAX;
	if ((r = seal_keys_new(&im->sk, v)) < 0)
		return r;
	if (pthread_create(&im->th, NULL, worker, im) != 0) {
		r = fort_error_set(FORT_ERROR, "cannot start the import thread");
		goto out;
	}
	im->started = 1;
	for (int k = 0; k < NSEAL; k++) {
		im->sa[k].im = im;
		im->sa[k].k = k;
		if (pthread_create(&im->th2[k], NULL, sealer, &im->sa[k]) != 0) {
			r = fort_error_set(FORT_ERROR, "cannot start the import thread");
			goto out;
		}
		im->started = 2 + k;
	}
	for (;;) {
		item *it;
		if (!(it = pop(im, &im->q2[nstored++ % NSEAL]))) {
			r = fort_error_set(FORT_ENOMEM, "out of memory");
			break;
		}
		if (it->kind == ITEM_END) {
			if (it->code < 0)
				r = fort_error_set(it->code, "%s", it->msg);
			item_free(im, it);
			break;
		}
		rep->rows++;
		if (it->kind == ITEM_OK && im->first_id == INT64_MAX)
			im->first_id = it->sc.id;
		r = it->kind == ITEM_BAD ? handle_bad(im, it) : store_item(im, it);
		if (o->progress && (rep->rows & 1023) == 0)
			o->progress(o->progress_ctx, it->bytes, im->total, rep->rows);
		item_free(im, it);
		if (r < 0)
			break;
	}
	if (r < 0 || (r = flush_later(im)) < 0)
		goto out;
	if (rep->nproblems > 1)
		qsort(rep->problems, rep->nproblems, sizeof *rep->problems, problem_cmp);
	if (o->progress)
		o->progress(o->progress_ctx, im->total, im->total, rep->rows);
	if (rep->rejected && !o->skip_invalid) {
		r = fort_error_set(FORT_EINPUT, "%s: %llu of %llu records are invalid; nothing was imported (fix them, or use --skip-invalid --rejects FILE)",
				   im->path, (unsigned long long)rep->rejected, (unsigned long long)rep->rows);
		goto out;
	}
	if (rep->rows == 0) {
		if (im->n_groups)
			r = fort_error_set(FORT_EINPUT, "%s: only contact groups (vCard KIND:group), no clients: export the contacts themselves", im->path);
		else
			r = fort_error_set(FORT_EINPUT, "%s: no records found", im->path);
		goto out;
	}
	/* the lock, then what others may have changed meanwhile (nothing
	 * ordered by the chain was written before it) */
	if (im->late && ((r = store_write_lock(v->st)) < 0 || (r = import_recheck(im)) < 0))
		goto out;
	snprintf(detail, cap, "%llu clients imported from a %s file, %llu rejected",
		 (unsigned long long)rep->imported, rep->format, (unsigned long long)rep->rejected);
out:
	import_stop(im, r);
	seal_keys_free(im->sk); /* the sealers have stopped */
	im->sk = NULL;
	return r;
}

static const vault_op import_op = { "import", ACT_IMPORT, NULL, import_write };

static int import_run(fort_import_report **out, fort_vault *v, const char *path, FILE **mem, const fort_import_opts *o)
{
	static const fort_import_opts defaults = FORT_IMPORT_OPTS_INIT;
	fort_import_opts o2 = FORT_IMPORT_OPTS_INIT;
	char rejects_tmp[4096] = "";
	struct imp *im = NULL;
	fort_import_report *rep = NULL;
	unsigned char head[512];
	size_t headlen;
	struct stat st;
	int r;

	*out = NULL;
	if (!o)
		o = &defaults;
	if (o->version == 1) {
		/* the fields before strict_columns; the rest keep their defaults */
		memcpy(&o2, o, offsetof(fort_import_opts, strict_columns));
		o2.version = FORT_IMPORT_OPTS_VERSION;
		o = &o2;
	}
	if (o->version != FORT_IMPORT_OPTS_VERSION)
		return fort_error_set(FORT_EINPUT, "fort_import_opts: wrong version");
	if (o->date_order && strcmp(o->date_order, "dmy") != 0 && strcmp(o->date_order, "mdy") != 0)
		return fort_error_set(FORT_EINPUT, "--date-order '%s': expected dmy (3/7/1984 is 3 July) or mdy (3/7/1984 is 7 March)",
				      o->date_order);
	if ((r = vault_op_start(v, &import_op, NULL)) < 0)
		return r;
	for (size_t i = 0; i < o->ncolumn_map; i++) {
		const char *eq = strchr(o->column_map[i], '=');
		if (!eq || eq == o->column_map[i] || (strcmp(eq + 1, "-") != 0 && map_index(&v->map, eq + 1) < 0))
			return fort_error_set(FORT_EINPUT, "--map '%s': expected COLUMN=FIELD with a field of the map (or COLUMN=- to ignore)",
					      o->column_map[i]);
	}
	if (!(rep = fort_calloc(1, sizeof *rep)) || !(im = fort_calloc(1, sizeof *im))) {
		free(rep);
		return FORT_ENOMEM;
	}
	*out = rep;
	fort_buf_init(&im->probs, 0);
	fort_buf_init_secret(&im->norm, 0);
	im->v = v;
	/* the map does not change during the import: asked once, not per record */
	im->fi_name = map_field_for(&v->map, "full_name");
	im->fi_addr = map_field_for(&v->map, "postal_address");
	im->fi_dob = map_field_for(&v->map, "date_of_birth");
	im->o = o;
	im->rep = rep;
	im->path = path;
	im->defer_unique = !o->skip_invalid;
	if (o->date_order) {
		im->date_order = o->date_order[0];
		im->date_order_given = 1;
	} else {
		/* where month/day/year is the custom */
		static const char *const mdy[] = { "US", "PH", "FM", "MH", "PW", "BZ", "GU", "AS", "PR", "VI", "MP", "UM", "CA" };
		im->date_order = 'd';
		for (size_t i = 0; i < sizeof mdy / sizeof mdy[0]; i++)
			if (strcmp(v->country, mdy[i]) == 0)
				im->date_order = 'm';
	}
	if (*mem) {
		/* an upload (the HTTP API): in memory, never a file */
		im->f = *mem;
		*mem = NULL;
		headlen = fread(head, 1, sizeof head, im->f);
		rewind(im->f);
		im->total = 0;
	} else if (strcmp(path, "-") == 0) {
		struct replay *rp = fort_calloc(1, sizeof *rp);
		static const cookie_io_functions_t fns = { replay_read, NULL, NULL, replay_close };
		if (!rp) {
			r = FORT_ENOMEM;
			goto out;
		}
		rp->src = stdin;
		rp->hlen = fread(rp->head, 1, sizeof rp->head, stdin);
		memcpy(head, rp->head, rp->hlen);
		headlen = rp->hlen;
		if (!(im->f = fopencookie(rp, "rb", fns))) {
			free(rp);
			r = FORT_ENOMEM;
			goto out;
		}
		path = "(standard input)";
		im->path = path;
		im->total = 0;
	} else {
		if (!(im->f = fopen(path, "rb"))) {
			r = fort_error_set(errno == ENOENT ? FORT_ENOTFOUND : FORT_EIO, "cannot open '%s': %s", path, strerror(errno));
			goto out;
		}
		if (fstat(fileno(im->f), &st) == 0 && S_ISDIR(st.st_mode)) {
			r = fort_error_set(FORT_EINPUT, "'%s' is a directory, not a file to import", path);
			goto out;
		}
		im->total = (uint64_t)st.st_size;
		headlen = fread(head, 1, sizeof head, im->f);
		rewind(im->f);
	}
	if (o->format) {
		im->fmt = strcmp(o->format, "csv") == 0 ? READER_CSV : strcmp(o->format, "vcard") == 0 ? READER_VCARD
			: strcmp(o->format, "json") == 0 ? READER_JSON : -1;
		if (im->fmt < 0) {
			r = fort_error_set(FORT_EINPUT, "unknown import format '%s' (csv, vcard, json)", o->format);
			goto out;
		}
	} else if ((im->fmt = reader_detect(path, head, headlen)) < 0) {
		/* a spreadsheet (.xlsx, .ods, .xls, .numbers: zip or OLE2): no
		 * --format reads it, so say what does */
		const char *dot = strrchr(path, '.');
		int sheet = (headlen >= 4 && memcmp(head, "PK\3\4", 4) == 0) ||
			    (headlen >= 8 && memcmp(head, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) ||
			    (dot && (!strcasecmp(dot, ".xlsx") || !strcasecmp(dot, ".xls") || !strcasecmp(dot, ".ods") ||
				     !strcasecmp(dot, ".numbers") || !strcasecmp(dot, ".xlsm")));
		if (sheet)
			r = fort_error_set(FORT_EINPUT, "'%s' is a spreadsheet, which import does not read: open it and save it as "
					   "\"CSV UTF-8\" (Excel: File > Save As > CSV UTF-8; LibreOffice: Save As > Text CSV, "
					   "character set UTF-8), then import the .csv file", path);
		else
			r = fort_error_set(FORT_EINPUT, "cannot tell the format of '%s': give --format csv|vcard|json", path);
		goto out;
	}
	snprintf(rep->format, sizeof rep->format, "%s", im->fmt == READER_CSV ? "csv" : im->fmt == READER_VCARD ? "vcard" : "json");
	if (o->skip_invalid && o->rejects_path) {
		/* written under a temporary name beside it and renamed at the
		 * end: an interrupted import leaves no partial rejects file */
		int fd;
		if (snprintf(rejects_tmp, sizeof rejects_tmp, "%s.tmp-XXXXXX", o->rejects_path) >= (int)sizeof rejects_tmp) {
			r = fort_error_set(FORT_EINPUT, "the rejects file name is too long");
			goto out;
		}
		fd = mkstemp(rejects_tmp);
		if (fd >= 0)
			fort_tmp_register(rejects_tmp);   /* removed on Ctrl-C */
		if (fd < 0 || fchmod(fd, 0600) < 0 || !(im->rejects = fdopen(fd, "wb"))) {
			r = fort_error_set(FORT_EIO, "cannot create the rejects file '%s': %s", o->rejects_path, strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(rejects_tmp);
			}
			rejects_tmp[0] = '\0';
			goto out;
		}
	}
	if (!(im->later = fort_malloc(LATER_MAX * sizeof *im->later))) {
		r = FORT_ENOMEM;
		goto out;
	}
	im->later_sorted = 1;
	pthread_mutex_init(&im->lock, NULL);
	for (int k = 0; k < NSEAL; k++) {
		pthread_cond_init(&im->q1[k].not_empty, NULL);
		pthread_cond_init(&im->q1[k].not_full, NULL);
		pthread_cond_init(&im->q2[k].not_empty, NULL);
		pthread_cond_init(&im->q2[k].not_full, NULL);
	}
	im->sync_init = 1;
	if ((r = import_mark(im)) < 0)
		goto out;
	store_bulk(v->st, 1); /* peak memory: a smaller page cache while importing */
	r = vault_op_step(v, &import_op, NULL, im);
	if (r < 0) {
		/* a row refused after its call returned (PostgreSQL's pipeline:
		 * noted by the store until the next store_bulk(1)): the error
		 * names its line */
		int64_t cid;
		size_t line;
		if (store_failed_client(v->st, &cid) && (line = seen_line(im, cid)) != 0 && strncmp(fort_error_message(), "line ", 5) != 0) {
			int code = fort_error_code();
			char msg[1024];
			snprintf(msg, sizeof msg, "%s", fort_error_message());
			if (code == FORT_EEXISTS && im->late)
				/* the client's id is one another import beside this one
				 * took first (client_ids_apart makes it rare) */
				fort_error_set(FORT_EBUSY, "line %zu: the new client's id clashed with one another process's import "
					       "took at the same time (%s): nothing was imported; try again", line, msg);
			else
				fort_error_set(code, "line %zu: %s", line, msg);
			r = fort_error_code();
		}
	}
	store_bulk(v->st, 0);
out:
	if (r < 0)
		rep->imported = 0;
	if (im->started && make_notes(im) < 0 && r == 0)
		r = FORT_ENOMEM;
	if (im->sync_init) {
		pthread_mutex_destroy(&im->lock);
		for (int k = 0; k < NSEAL; k++) {
			pthread_cond_destroy(&im->q1[k].not_empty);
			pthread_cond_destroy(&im->q1[k].not_full);
			pthread_cond_destroy(&im->q2[k].not_empty);
			pthread_cond_destroy(&im->q2[k].not_full);
		}
	}
	for (size_t i = 0; i < im->ncols; i++)
		free(im->col_name[i]);
	free(im->field_col);
	if (im->dupcv_init)
		cvals_release(&im->dupcv);
	fort_buf_release(&im->probs);
	fort_buf_release(&im->norm);
	free(im->reject_header);
	for (size_t i = 0; i < im->nchunks; i++)
		free(im->seen[i]);
	free(im->seen);
	free(im->later);
	if (im->fpc) {
		sodium_memzero(im->fpc, im->cfpc * sizeof *im->fpc);
		free(im->fpc);
	}
	if (im->rejects) {
		int bad = fflush(im->rejects) != 0 || fsync(fileno(im->rejects)) != 0;
		if (fclose(im->rejects) != 0)
			bad = 1;
		if (bad && r == 0)
			r = fort_error_set(FORT_EIO, "cannot write the rejects file '%s'", o->rejects_path);
		if (r == 0 && rename(rejects_tmp, o->rejects_path) != 0)
			r = fort_error_set(FORT_EIO, "cannot write the rejects file '%s': %s", o->rejects_path, strerror(errno));
		if (r < 0)
			unlink(rejects_tmp);
	}
	if (rejects_tmp[0])
		fort_tmp_unregister(rejects_tmp);
	if (im->f)
		fclose(im->f);
	free(im);
	return r;
}

int fort_client_import(fort_import_report **out, fort_vault *v, const char *path, const fort_import_opts *o)
{
	FILE *none = NULL;
	return import_run(out, v, path, &none, o);
}

int fort_client_import_buffer(fort_import_report **out, fort_vault *v, const void *data, size_t len, const char *name,
			      const fort_import_opts *o)
{
	enum { IOBUF = 8192 };
	FILE *f;
	char *iobuf;
	int r;
	*out = NULL;
	if (!len)
		return fort_error_set(FORT_EINPUT, "%s is empty: nothing to import", name);
	/* read in place (fmemopen copies nothing), through a stdio buffer of
	 * ours, wiped afterwards: no copy of the rows is freed unwiped */
	if (!(iobuf = fort_malloc(IOBUF)))
		return FORT_ENOMEM;
	if (!(f = fmemopen((void *)data, len, "rb"))) {
		free(iobuf);
		return fort_error_set(FORT_ENOMEM, "out of memory");
	}
	setvbuf(f, iobuf, _IOFBF, IOBUF);
	r = import_run(out, v, name, &f, o);
	if (f)
		fclose(f);
	sodium_memzero(iobuf, IOBUF);
	free(iobuf);
	return r;
}
