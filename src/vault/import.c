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
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "vault/vault_int.h"
#include "vault/readers.h"

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
	{ "iban", "iban" }, { "bankaccount", "iban" }, { "account", "iban" },
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
	uint64_t bytes;
	fort_buf probs;
	/* shared (under lock) */
	pthread_mutex_t lock;
	queue q1[NSEAL], q2[NSEAL]; /* reader -> sealer k -> caller; record i goes through k = i % NSEAL */
	uint64_t nread;    /* reader: records handed on */
	int cancel;
	item *pool[POOL_MAX]; /* used items, wiped, for the reader to reuse */
	size_t npool;
	char *reject_header;  /* set by the worker before the first item that needs it */
	/* caller-only */
	fort_import_report *rep;
	FILE *rejects;
	int wrote_header;
	uint64_t total;
	int64_t first_id;
	/* ids stored by this import (increasing) and their lines, for "the same
	 * e-mail as line N": in fixed chunks, so a large import never copies it */
	struct seen { int64_t id; uint32_t line; } __attribute__((packed)) **seen;
	size_t nseen, nchunks;
	/* index entries that need not be unique, added in sorted batches:
	 * random inserts into a large B-tree touch a page each, sorted ones
	 * fill pages in order */
	struct later { unsigned char h[BIDX_LEN]; int64_t id; uint32_t line; uint16_t field; uint8_t unique; } *later;
	size_t nlater;
	/* all or nothing: e-mail/phone duplicates too are found when the sorted
	 * entries go in (any problem rolls the import back anyway) */
	int defer_unique;
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

static int match_column(struct imp *im, const char *name)
{
	char f[128], a[128];
	const fort_map *m = &im->v->map;
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
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strcmp(aliases[i].alias, f) == 0)
			return map_index(m, aliases[i].field);
	if (f[0] == '\0')
		return -1; /* a column without a header: ignored when empty */
	return -2;
}

/* The CSV header line for the rejects file, so it can be fixed and re-imported. */
static char *csv_header(const reader_record *rec)
{
	fort_buf b;
	fort_buf_init(&b, 0);
	for (size_t i = 0; i < rec->n; i++) {
		fort_buf_puts(&b, i ? ",\"" : "\"");
		for (const char *p = rec->names[i]; *p; p++) {
			if (*p == '"')
				fort_buf_putc(&b, '"');
			fort_buf_putc(&b, *p);
		}
		fort_buf_putc(&b, '"');
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
	for (size_t i = 0; i < rec->n; i++) {
		if (!(im->col_name[i] = fort_strdup(rec->names[i])))
			return FORT_ENOMEM;
		im->col_field[i] = match_column(im, rec->names[i]);
		im->ncols = i + 1;
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

/* Worker: one record in, one item out. */
static int prep_cb(void *ctx, const reader_record *rec)
{
	struct imp *im = ctx;
	item *it;
	int r, any = 0;
	char why[256];

	if (__atomic_load_n(&im->cancel, __ATOMIC_RELAXED))
		return fort_error_set(FORT_ERROR, "import cancelled");
	if ((r = set_columns(im, rec)) < 0)
		return r;
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
	for (size_t i = 0; i < rec->n; i++) {
		int fi = im->col_field[i];
		const map_field *f;
		char *canon = NULL;
		if (!rec->values[i][0] || fi == -1)
			continue;
		if (fi == -2) {
			if ((r = problem(im, "line %zu, column %s: this column matches no field: use --map '%s=FIELD', or --map '%s=-' to ignore it",
					 rec->line, rec->names[i], rec->names[i], rec->names[i])) < 0)
				goto fail;
			continue;
		}
		f = &im->v->map.f[fi];
		why[0] = '\0';
		if (field_normalise(&canon, f, rec->values[i], strlen(rec->values[i]), im->v->country, why, sizeof why) < 0) {
			if ((r = problem(im, "line %zu, column %s: %s", rec->line, rec->names[i], why[0] ? why : "invalid value")) < 0)
				goto fail;
			continue;
		}
		if (it->cv.vals[fi]) {
			free(canon);
			if ((r = problem(im, "line %zu, column %s: a second column for field '%s'", rec->line, rec->names[i], f->name)) < 0)
				goto fail;
			continue;
		}
		if (canon[0]) {
			size_t cl = strlen(canon) + 1;
			if (!(it->cv.vals[fi] = arena(it, cl))) {
				sodium_memzero(canon, cl);
				free(canon);
				r = fort_error_set(FORT_ERROR, "line %zu: internal error: record larger than estimated", rec->line);
				goto fail;
			}
			memcpy(it->cv.vals[fi], canon, cl);
			any = 1;
		}
		sodium_memzero(canon, strlen(canon));
		free(canon);
	}
	if (!im->probs.len && !any && (r = problem(im, "line %zu: the record has no values", rec->line)) < 0)
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
				const char *col = im->v->map.f[fi].name;
				size_t l;
				if (!it->cv.vals[fi] || !im->v->map.f[fi].searchable || !im->v->has_bkey[fi])
					continue;
				for (size_t i = 0; i < rec->n; i++)
					if (im->col_field[i] == (int)fi)
						col = rec->names[i];
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

struct sealer_arg {
	struct imp *im;
	int k;
};

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
			int r = cvals_index(&it->cv, im->v);
			if (r == 0)
				r = client_seal_into(&it->sc, im->v, &it->cv, it->sealbuf, it->sc.id);
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

static int later_cmp(const void *a, const void *b)
{
	const struct later *x = a, *y = b;
	int c = memcmp(x->h, y->h, BIDX_LEN);
	return c ? c : (x->id > y->id) - (x->id < y->id);
}

static int flush_later(struct imp *im)
{
	int r;
	qsort(im->later, im->nlater, sizeof *im->later, later_cmp);
	for (size_t i = 0; i < im->nlater; i++) {
		const struct later *e = &im->later[i];
		int64_t other = 0;
		r = store_blind_add(im->v->st, e->h, e->id, e->unique, &other);
		if (r == FORT_EDUPLICATE) {
			/* sorted by (entry, id) and ids grow with the line: the one
			 * already there is the earlier record */
			char msg[512];
			dup_message(im, msg, sizeof msg, e->line, im->v->map.f[e->field].name, e->field, other);
			im->rep->duplicates++;
			im->rep->rejected++;
			if ((r = report_problem(im, msg)) < 0)
				return r;
			continue;
		}
		if (r < 0)
			return r;
	}
	im->nlater = 0;
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

static int store_item(struct imp *im, item *it)
{
	fort_import_report *rep = im->rep;
	int r, dupf = -1;
	int64_t other = 0;
	char msg[768];

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
	if (r == FORT_EEXISTS)
		return fort_error_set(FORT_ERROR, "line %zu: a new client id clashed with an existing one; try the import again", it->line);
	if (r < 0)
		return r;
	if ((r = seen_add(im, it->sc.id, it->line)) < 0)
		return r;
	rep->imported++;
	for (size_t k = 0; k < it->sc.nbidx; k++) {
		int uniq = field_unique(im->v, it->sc.bidx_field[k]);
		if (uniq && !im->defer_unique)
			continue;
		if (im->nlater == LATER_MAX && (r = flush_later(im)) < 0)
			return r;
		memcpy(im->later[im->nlater].h, it->sc.bidx[k], BIDX_LEN);
		im->later[im->nlater].id = it->sc.id;
		im->later[im->nlater].field = (uint16_t)it->sc.bidx_field[k];
		im->later[im->nlater].unique = (uint8_t)uniq;
		im->later[im->nlater].line = it->line > UINT32_MAX ? UINT32_MAX : (uint32_t)it->line;
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

void fort_import_report_free(fort_import_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nproblems; i++)
		free(r->problems[i]);
	free(r->problems);
	free(r);
}

int fort_client_import(fort_import_report **out, fort_vault *v, const char *path, const fort_import_opts *o)
{
	static const fort_import_opts defaults = FORT_IMPORT_OPTS_INIT;
	struct imp *im = NULL;
	fort_import_report *rep = NULL;
	unsigned char head[512];
	size_t headlen;
	struct stat st;
	pthread_t th, th2[NSEAL];
	struct sealer_arg sa[NSEAL];
	uint64_t nstored = 0;
	int r, intx = 0, started = 0, sync_init = 0;
	char detail[256];

	*out = NULL;
	if (!o)
		o = &defaults;
	if (o->version != FORT_IMPORT_OPTS_VERSION)
		return fort_error_set(FORT_EINPUT, "fort_import_opts: wrong version");
	if ((r = vault_need(v, ACT_IMPORT, "import", NULL)) < 0)
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
	im->v = v;
	im->o = o;
	im->rep = rep;
	im->path = path;
	im->defer_unique = !o->skip_invalid;
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
	if (o->format) {
		im->fmt = strcmp(o->format, "csv") == 0 ? READER_CSV : strcmp(o->format, "vcard") == 0 ? READER_VCARD
			: strcmp(o->format, "json") == 0 ? READER_JSON : -1;
		if (im->fmt < 0) {
			r = fort_error_set(FORT_EINPUT, "unknown import format '%s' (csv, vcard, json)", o->format);
			goto out;
		}
	} else if ((im->fmt = reader_detect(path, head, headlen)) < 0) {
		r = fort_error_set(FORT_EINPUT, "cannot tell the format of '%s': give --format csv|vcard|json", path);
		goto out;
	}
	snprintf(rep->format, sizeof rep->format, "%s", im->fmt == READER_CSV ? "csv" : im->fmt == READER_VCARD ? "vcard" : "json");
	if (o->skip_invalid && o->rejects_path) {
		int fd = open(o->rejects_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || !(im->rejects = fdopen(fd, "wb"))) {
			r = fort_error_set(FORT_EIO, "cannot create the rejects file '%s': %s", o->rejects_path, strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
	}
	if (!(im->later = fort_malloc(LATER_MAX * sizeof *im->later))) {
		r = FORT_ENOMEM;
		goto out;
	}
	if ((r = store_begin(v->st)) < 0)
		goto out;
	intx = 1;
	if ((r = vault_keys_current(v)) < 0 || (r = client_ids_above(v)) < 0)
		goto out;
	im->first_id = INT64_MAX;
	pthread_mutex_init(&im->lock, NULL);
	for (int k = 0; k < NSEAL; k++) {
		pthread_cond_init(&im->q1[k].not_empty, NULL);
		pthread_cond_init(&im->q1[k].not_full, NULL);
		pthread_cond_init(&im->q2[k].not_empty, NULL);
		pthread_cond_init(&im->q2[k].not_full, NULL);
	}
	sync_init = 1;
	if (pthread_create(&th, NULL, worker, im) != 0) {
		r = fort_error_set(FORT_ERROR, "cannot start the import thread");
		goto out;
	}
	started = 1;
	for (int k = 0; k < NSEAL; k++) {
		sa[k].im = im;
		sa[k].k = k;
		if (pthread_create(&th2[k], NULL, sealer, &sa[k]) != 0) {
			r = fort_error_set(FORT_ERROR, "cannot start the import thread");
			goto out;
		}
		started = 2 + k;
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
				   path, (unsigned long long)rep->rejected, (unsigned long long)rep->rows);
		goto out;
	}
	if (rep->rows == 0) {
		r = fort_error_set(FORT_EINPUT, "%s: no records found", path);
		goto out;
	}
	snprintf(detail, sizeof detail, "%llu clients imported from a %s file, %llu rejected",
		 (unsigned long long)rep->imported, rep->format, (unsigned long long)rep->rejected);
	if ((r = audit_append(v, "import", "", "", "", "ok", detail)) < 0 || (r = store_commit(v->st)) < 0)
		goto out;
	intx = 0;
out:
	if (started) {
		/* stop the worker (if it is still reading) and drain the queue */
		int code = fort_error_code();
		char msg[1024];
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
		pthread_join(th, NULL);
		for (int k = 0; k + 2 <= started; k++)
			pthread_join(th2[k], NULL);
		for (int k = 0; k < NSEAL; k++) {
			drain(&im->q1[k]);
			drain(&im->q2[k]);
		}
		while (im->npool)
			free(im->pool[--im->npool]);
		if (r < 0)
			fort_error_set(code, "%s", msg);
	}
	if (intx)
		store_rollback(v->st);
	if (r < 0)
		rep->imported = 0;
	if (sync_init) {
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
	fort_buf_release(&im->probs);
	free(im->reject_header);
	for (size_t i = 0; i < im->nchunks; i++)
		free(im->seen[i]);
	free(im->seen);
	free(im->later);
	if (im->rejects && fclose(im->rejects) != 0 && r == 0)
		r = fort_error_set(FORT_EIO, "cannot write the rejects file '%s'", o->rejects_path);
	if (im->f)
		fclose(im->f);
	free(im);
	return r;
}
