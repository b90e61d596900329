/* import.c - client import from CSV, vCard and JSON, streaming, all or nothing.
 *
 * The readers (read_*.c) turn the file into records of (column, value); here
 * columns are matched to fields, every value validated, duplicates found
 * through the blind index, and everything goes into one transaction that is
 * rolled back if any row is bad (unless skip_invalid). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
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

struct imp {
	fort_vault *v;
	const fort_import_opts *o;
	fort_import_report *rep;
	client_vals cv;
	const char *path;
	/* column -> map field index (-1 ignore, -2 unknown) for the current header */
	int col_field[MAX_COLS];
	char *col_name[MAX_COLS];
	size_t ncols;
	FILE *rejects;
	int wrote_header;
	uint64_t *bytes_done;
	uint64_t total;
	uint64_t bytes;
	int fatal;
};

static int problem(struct imp *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int problem(struct imp *im, const char *fmt, ...)
{
	va_list ap;
	char buf[768];
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (im->rep->nproblems < MAX_PROBLEMS) {
		char **np = fort_realloc(im->rep->problems, (im->rep->nproblems + 1) * sizeof *np);
		if (!np)
			return FORT_ENOMEM;
		im->rep->problems = np;
		if (!(np[im->rep->nproblems] = fort_strdup(buf)))
			return FORT_ENOMEM;
		im->rep->nproblems++;
	}
	return 0;
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
	return 0;
}

static int write_reject(struct imp *im, const reader_record *rec)
{
	if (!im->rejects || !rec->raw)
		return 0;
	if (!im->wrote_header && rec->names && rec->n && im->rep->format[0] == 'c') {
		/* the CSV header, so the rejects file can be fixed and re-imported */
		for (size_t i = 0; i < rec->n; i++) {
			fputs(i ? "," : "", im->rejects);
			fputc('"', im->rejects);
			for (const char *p = rec->names[i]; *p; p++) {
				if (*p == '"')
					fputc('"', im->rejects);
				fputc(*p, im->rejects);
			}
			fputc('"', im->rejects);
		}
		fputc('\n', im->rejects);
	}
	im->wrote_header = 1;
	fwrite(rec->raw, 1, rec->raw_len, im->rejects);
	if (rec->raw_len && rec->raw[rec->raw_len - 1] != '\n')
		fputc('\n', im->rejects);
	return ferror(im->rejects) ? fort_error_set(FORT_EIO, "cannot write the rejects file: %s", strerror(errno)) : 0;
}

static int row_cb(void *ctx, const reader_record *rec)
{
	struct imp *im = ctx;
	fort_import_report *rep = im->rep;
	int r, bad = 0, any = 0;
	int64_t id;
	char why[256];

	rep->rows++;
	if ((r = set_columns(im, rec)) < 0)
		return r;
	cvals_clear(&im->cv);
	for (size_t i = 0; i < rec->n; i++) {
		int fi = im->col_field[i];
		const map_field *f;
		char *canon = NULL;
		if (!rec->values[i][0] || fi == -1)
			continue;
		if (fi == -2) {
			if ((r = problem(im, "line %zu, column %s: this column matches no field: use --map '%s=FIELD', or --map '%s=-' to ignore it",
					 rec->line, rec->names[i], rec->names[i], rec->names[i])) < 0)
				return r;
			bad = 1;
			continue;
		}
		f = &im->v->map.f[fi];
		why[0] = '\0';
		if (type_normalise(&canon, f->t, rec->values[i], strlen(rec->values[i]), f->max_length,
				   im->v->country, why, sizeof why) < 0) {
			if ((r = problem(im, "line %zu, column %s: %s", rec->line, rec->names[i], why[0] ? why : "invalid value")) < 0)
				return r;
			bad = 1;
			continue;
		}
		if (im->cv.vals[fi]) {
			free(im->cv.vals[fi]);
			if ((r = problem(im, "line %zu, column %s: a second column for field '%s'", rec->line,
					 rec->names[i], f->name)) < 0) {
				free(canon);
				return r;
			}
			bad = 1;
		}
		im->cv.vals[fi] = canon[0] ? canon : (free(canon), NULL);
		any |= im->cv.vals[fi] != NULL;
	}
	if (!bad && !any) {
		if ((r = problem(im, "line %zu: the record has no values", rec->line)) < 0)
			return r;
		bad = 1;
	}
	if (!bad) {
		if ((r = cvals_index(&im->cv, im->v)) < 0)
			return r;
		int dupf = -1;
		r = cvals_check_duplicate(im->v, &im->cv, 0, &dupf);
		if (r == FORT_EDUPLICATE) {
			const char *col = im->v->map.f[dupf].name;
			for (size_t i = 0; i < rec->n; i++)
				if (im->col_field[i] == dupf)
					col = rec->names[i];
			rep->duplicates++;
			if ((r = problem(im, "line %zu, column %s: duplicate: %s", rec->line, col, fort_error_message())) < 0)
				return r;
			bad = 1;
		} else if (r < 0) {
			return r;
		}
	}
	if (bad) {
		rep->rejected++;
		return write_reject(im, rec);
	}
	if ((r = client_insert(&id, im->v, &im->cv)) < 0)
		return r;
	rep->imported++;
	if (im->o->progress && (rep->rows & 1023) == 0)
		im->o->progress(im->o->progress_ctx, im->bytes, im->total, rep->rows);
	return 0;
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
	struct imp im;
	fort_import_report *rep = NULL;
	FILE *f = NULL;
	unsigned char head[512];
	size_t headlen;
	struct stat st;
	int fmt, r, intx = 0;
	char detail[256];

	*out = NULL;
	memset(&im, 0, sizeof im);
	if (!o)
		o = &defaults;
	if (o->version != FORT_IMPORT_OPTS_VERSION)
		return fort_error_set(FORT_EINPUT, "fort_import_opts: wrong version");
	if ((r = vault_need_unlocked(v)) < 0)
		return r;
	for (size_t i = 0; i < o->ncolumn_map; i++) {
		const char *eq = strchr(o->column_map[i], '=');
		if (!eq || eq == o->column_map[i] || (strcmp(eq + 1, "-") != 0 && map_index(&v->map, eq + 1) < 0))
			return fort_error_set(FORT_EINPUT, "--map '%s': expected COLUMN=FIELD with a field of the map (or COLUMN=- to ignore)",
					      o->column_map[i]);
	}
	if (!(rep = fort_calloc(1, sizeof *rep)))
		return FORT_ENOMEM;
	*out = rep;
	if (!(f = fopen(path, "rb"))) {
		r = fort_error_set(errno == ENOENT ? FORT_ENOTFOUND : FORT_EIO, "cannot open '%s': %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		r = fort_error_set(FORT_EINPUT, "'%s' is a directory, not a file to import", path);
		goto out;
	}
	headlen = fread(head, 1, sizeof head, f);
	rewind(f);
	if (o->format) {
		fmt = strcmp(o->format, "csv") == 0 ? READER_CSV : strcmp(o->format, "vcard") == 0 ? READER_VCARD
		    : strcmp(o->format, "json") == 0 ? READER_JSON : -1;
		if (fmt < 0) {
			r = fort_error_set(FORT_EINPUT, "unknown import format '%s' (csv, vcard, json)", o->format);
			goto out;
		}
	} else if ((fmt = reader_detect(path, head, headlen)) < 0) {
		r = fort_error_set(FORT_EINPUT, "cannot tell the format of '%s': give --format csv|vcard|json", path);
		goto out;
	}
	snprintf(rep->format, sizeof rep->format, "%s", fmt == READER_CSV ? "csv" : fmt == READER_VCARD ? "vcard" : "json");
	if (o->skip_invalid && o->rejects_path) {
		int fd = open(o->rejects_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || !(im.rejects = fdopen(fd, "wb"))) {
			r = fort_error_set(FORT_EIO, "cannot create the rejects file '%s': %s", o->rejects_path, strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
	}
	im.v = v;
	im.o = o;
	im.rep = rep;
	im.path = path;
	im.total = (uint64_t)st.st_size;
	if ((r = cvals_init(&im.cv, v)) < 0 || (r = store_begin(v->st)) < 0)
		goto out;
	intx = 1;
	r = reader_read((reader_format)fmt, f, path, row_cb, &im, &im.bytes);
	if (r < 0) {
		if (r == FORT_EINPUT && strncmp(fort_error_message(), "line ", 5) == 0)
			fort_error_prefix("%s", path);
		goto out;
	}
	if (o->progress)
		o->progress(o->progress_ctx, im.total, im.total, rep->rows);
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
	if (intx)
		store_rollback(v->st);
	if (r < 0 && intx)
		rep->imported = 0;
	for (size_t i = 0; i < im.ncols; i++)
		free(im.col_name[i]);
	cvals_release(&im.cv);
	if (im.rejects && fclose(im.rejects) != 0 && r == 0)
		r = fort_error_set(FORT_EIO, "cannot write the rejects file '%s'", o->rejects_path);
	if (f)
		fclose(f);
	return r;
}
