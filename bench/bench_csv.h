/* bench/bench_csv.h - what vault_bench.c and floor_import.c share, so that
 * the floor's plaintext baseline is the goal's own (bench/README.md,
 * "Ceilings by design"): the CSV reader (libcsv), the baseline's row insert,
 * and small helpers (die, rm_db).  Include after defining NF, cols[NF] and
 * BENCH_NAME (the program's name, for die's message). */
#ifndef FORTRESS_BENCH_CSV_H
#define FORTRESS_BENCH_CSV_H

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs(BENCH_NAME ": FAILED: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* A SQLite file and what SQLite keeps beside it, gone. */
static void rm_db(const char *path)
{
	char w[4200];
	unlink(path);
	snprintf(w, sizeof w, "%s-wal", path);
	unlink(w);
	snprintf(w, sizeof w, "%s-shm", path);
	unlink(w);
	snprintf(w, sizeof w, "%s-journal", path);
	unlink(w);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void ex(sqlite3 *db, const char *sql)
{
	char *e = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &e) != SQLITE_OK)
		die("%s: %s", sql, e ? e : "?");
}

/* One record's cells, collected by the libcsv callbacks. */
struct rec {
	char *cell[NF];
	size_t len[NF], cap[NF];
	size_t ncell;
	unsigned long long rows;   /* data rows seen (header excluded) */
	int header_done;
	int map[NF];               /* CSV column -> our column (by header name) */
	void (*row)(struct rec *, void *);
	void *ctx;
};

static void cb_field(void *s, size_t len, void *data)
{
	struct rec *r = data;
	size_t i = r->ncell++;
	if (i >= NF)
		die("CSV has more than %d columns", NF);
	if (len + 1 > r->cap[i]) {
		r->cap[i] = (len + 1) * 2;
		if (!(r->cell[i] = realloc(r->cell[i], r->cap[i])))
			die("out of memory");
	}
	memcpy(r->cell[i], s, len);
	r->cell[i][len] = '\0';
	r->len[i] = len;
}

static void cb_row(int c, void *data)
{
	struct rec *r = data;
	(void)c;
	if (r->ncell == 0)
		return;
	if (r->ncell != NF)
		die("CSV row %llu has %zu columns, not %d", r->rows + 1, r->ncell, NF);
	if (!r->header_done) {
		for (size_t i = 0; i < NF; i++) {
			r->map[i] = -1;
			for (size_t k = 0; k < NF; k++)
				if (strcmp(r->cell[i], cols[k]) == 0)
					r->map[i] = (int)k;
			if (r->map[i] < 0)
				die("CSV header: unknown column '%s'", r->cell[i]);
		}
		r->header_done = 1;
	} else {
		r->rows++;
		r->row(r, r->ctx);
	}
	r->ncell = 0;
}

static unsigned long long read_csv_file(const char *path, void (*row)(struct rec *, void *), void *ctx)
{
	static char buf[1 << 16];
	struct csv_parser p;
	struct rec r;
	FILE *f;
	size_t n;

	memset(&r, 0, sizeof r);
	r.row = row;
	r.ctx = ctx;
	if (!(f = fopen(path, "rb")))
		die("%s: %s", path, strerror(errno));
	if (csv_init(&p, CSV_APPEND_NULL) != 0)
		die("csv_init");
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		if (csv_parse(&p, buf, n, cb_field, cb_row, &r) != n)
			die("%s: %s", path, csv_strerror(csv_error(&p)));
	csv_fini(&p, cb_field, cb_row, &r);
	csv_free(&p);
	fclose(f);
	for (size_t i = 0; i < NF; i++)
		free(r.cell[i]);
	return r.rows;
}

static void base_row(struct rec *r, void *ctx)
{
	sqlite3_stmt *st = ctx;
	for (size_t i = 0; i < NF; i++)
		sqlite3_bind_text(st, r->map[i] + 1, r->cell[i], (int)r->len[i], SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		die("baseline insert row %llu: %s", r->rows, sqlite3_errmsg(sqlite3_db_handle(st)));
	sqlite3_reset(st);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	double s[64];
	memcpy(s, v, (size_t)n * sizeof *v);
	qsort(s, (size_t)n, sizeof *s, cmp_d);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double loadavg(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

#endif
