/* run.c - fort_scan_run: walk the paths (sorted, .fortressignore, no
 * symlinks out of the tree), then scan the files on a pool of threads.
 *
 * Order is kept without holding everything: the file at the head of the
 * walk order streams its findings straight to the caller; a worker ahead
 * of it buffers findings (up to PEND_MAX, then waits for its turn), and
 * whoever finishes the head file reports the files done after it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "util.h"
#include "scan/scan_int.h"
#include "scan/readers/readers.h"
#include "vault/vault_int.h"

#define PEND_MAX 65536
#define IGNORE_FILE ".fortressignore"
#define IGNORE_MAX ((size_t)1 << 20)

const char *fort_scan_type_name(fort_scan_type t)
{
	static const char *const names[] = { "card", "iban", "email", "phone", "ssn", "uk_nino", "dob", "ip", "secret", "name" };

	return (unsigned)t < FORT_SCAN_NTYPES ? names[t] : "unknown";
}

const char *fort_scan_confidence_name(fort_scan_confidence c)
{
	return c == FORT_SCAN_HIGH ? "high" : c == FORT_SCAN_MEDIUM ? "medium" : "low";
}

/* --------------------------------------------------------------- the walk */

struct entry {
	char *path;
	uint64_t size;
	const char *skip;        /* static reason, or NULL: scan it */
	int error;               /* SKIP is an error (a directory that cannot be read) */
};

struct devino {
	dev_t dev;
	ino_t ino;
};

struct pend {
	fort_scan_finding f;
	char masked[96];
	char fp[33];
	char *value, *logical;
};

struct slot {
	int done;
	struct pend *pend;
	size_t npend, apend;
	fort_scan_file sum;
	char *reason;
	char *skip_reason;  /* the first container part not read, and why */
};

struct run {
	const fort_scan_opts *o;
	struct entry *files;
	size_t nfiles, afiles;
	uint64_t bytes_total;
	struct devino *excl;
	size_t nexcl;
	struct slot *slots;
	size_t next;             /* next file to claim (atomic) */
	size_t head;             /* next file to report (atomic reads, written under lock) */
	pthread_mutex_t lock, plock;
	pthread_cond_t cond;
	int stop;                /* a callback's non-zero return, or an error */
	int single;              /* one thread: no locking on the way to the callback */
	pthread_mutex_t vlock;   /* one vault lookup at a time */
	const char *name_field;  /* with a vault: the name index to look names up in */
	const char *email_field, *phone_field;   /* and the e-mail and phone indexes (by type) */
	fort_scan_stats stats;
	uint64_t bytes_done, files_done, findings; /* atomic, for progress */
	struct timespec last_progress;
};

struct ignore_level {
	scan_ignore *ig;
};

struct walk {
	struct run *run;
	char root_real[PATH_MAX];
	const char *root;        /* as given, without trailing '/' */
	struct ignore_level *ign;
	size_t nign, aign;
	struct devino anc[256];  /* directories on the way down: loop guard */
	size_t nanc;
};

static int add_entry(struct run *run, const char *path, uint64_t size, const char *skip)
{
	struct entry *e;

	if (run->nfiles == run->afiles) {
		size_t n = run->afiles ? run->afiles * 2 : 256;
		struct entry *p = fort_realloc(run->files, n * sizeof(*p));

		if (!p)
			return FORT_ENOMEM;
		run->files = p;
		run->afiles = n;
	}
	e = &run->files[run->nfiles];
	if (!(e->path = fort_strdup(path)))
		return FORT_ENOMEM;
	e->size = size;
	e->skip = skip;
	e->error = 0;
	run->nfiles++;
	if (!skip)
		run->bytes_total += size;
	return 0;
}

static int excluded(const struct run *run, const struct stat *st)
{
	size_t i;

	for (i = 0; i < run->nexcl; i++)
		if (run->excl[i].dev == st->st_dev && run->excl[i].ino == st->st_ino)
			return 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int push_ignore(struct walk *w, const char *rel, const char *text, size_t len)
{
	scan_ignore *ig = NULL;
	int r;

	if ((r = scan_ignore_parse(&ig, rel, text, len)) < 0)
		return r;
	if (w->nign == w->aign) {
		size_t n = w->aign ? w->aign * 2 : 8;
		struct ignore_level *p = fort_realloc(w->ign, n * sizeof(*p));

		if (!p) {
			scan_ignore_free(ig);
			return FORT_ENOMEM;
		}
		w->ign = p;
		w->aign = n;
	}
	w->ign[w->nign++].ig = ig;
	return 0;
}

static int load_ignore_file(struct walk *w, const char *dir, const char *rel)
{
	char p[PATH_MAX];
	char *text = NULL;
	struct stat st;
	ssize_t got;
	int fd, r = 0;

	if (snprintf(p, sizeof(p), "%s/%s", dir, IGNORE_FILE) >= (int)sizeof(p))
		return 0;
	if ((fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > IGNORE_MAX)
		goto out;
	if (!(text = fort_malloc((size_t)st.st_size + 1))) {
		r = FORT_ENOMEM;
		goto out;
	}
	got = read(fd, text, (size_t)st.st_size);
	if (got < 0)
		goto out;
	r = push_ignore(w, rel, text, (size_t)got);
out:
	free(text);
	close(fd);
	return r;
}

static int is_ignored(const struct walk *w, const char *rel, int is_dir)
{
	int d = 0, m;
	size_t i;

	for (i = 0; i < w->nign; i++)
		if ((m = scan_ignore_match(w->ign[i].ig, rel, is_dir)) >= 0)
			d = m;
	return d;
}

static int walk_dir(struct walk *w, const char *dir, const char *rel, int depth);

static int walk_child(struct walk *w, const char *dir, const char *rel, const char *name, int depth)
{
	const fort_scan_opts *o = w->run->o;
	char path[PATH_MAX], crel[PATH_MAX];
	struct stat st, tst;
	int is_dir, r;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    snprintf(crel, sizeof(crel), "%s%s%s", rel, *rel ? "/" : "", name) >= (int)sizeof(crel))
		return add_entry(w->run, dir, 0, "path too long");
	if (lstat(path, &st) < 0)
		return add_entry(w->run, path, 0, "vanished during the scan");
	if (S_ISLNK(st.st_mode)) {
		char real[PATH_MAX];
		size_t rl = strlen(w->root_real);

		if (stat(path, &tst) < 0)
			return add_entry(w->run, path, 0, "broken symlink");
		if (!o->follow_symlinks) {
			if (!realpath(path, real) ||
			    !(strncmp(real, w->root_real, rl) == 0 && (real[rl] == '/' || real[rl] == '\0' ||
									 !strcmp(w->root_real, "/"))))
				return add_entry(w->run, path, 0, "symlink to outside the scanned tree");
		}
		st = tst;
	}
	is_dir = S_ISDIR(st.st_mode);
	if (o->use_ignore_files && is_ignored(w, crel, is_dir))
		return 0;
	if (is_dir) {
		size_t i;

		if (o->max_depth >= 0 && depth >= o->max_depth)
			return 0;
		for (i = 0; i < w->nanc; i++)
			if (w->anc[i].dev == st.st_dev && w->anc[i].ino == st.st_ino)
				return add_entry(w->run, path, 0, "symlink loop");
		if (w->nanc == sizeof(w->anc) / sizeof(w->anc[0]))
			return add_entry(w->run, path, 0, "too deep");
		w->anc[w->nanc].dev = st.st_dev;
		w->anc[w->nanc].ino = st.st_ino;
		w->nanc++;
		r = walk_dir(w, path, crel, depth + 1);
		w->nanc--;
		return r;
	}
	if (excluded(w->run, &st))
		return add_entry(w->run, path, 0, "the vault (never opened by the scanner)");
	if (!S_ISREG(st.st_mode))
		return add_entry(w->run, path, 0, S_ISFIFO(st.st_mode) ? "named pipe" : S_ISSOCK(st.st_mode) ? "socket" :
					 "device or special file");
	return add_entry(w->run, path, (uint64_t)st.st_size, NULL);
}

static int walk_dir(struct walk *w, const char *dir, const char *rel, int depth)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, a = 0, i, nign = w->nign;
	int r = 0;

	if (!(d = opendir(dir))) {
		int e = errno;

		if ((r = add_entry(w->run, dir, 0, e == EACCES ? "cannot read the directory: permission denied" :
					   "cannot read the directory")) == 0)
			w->run->files[w->run->nfiles - 1].error = 1;
		return r;
	}
	if (w->run->o->use_ignore_files && (r = load_ignore_file(w, dir, rel)) < 0)
		goto out;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == a) {
			char **p;

			a = a ? a * 2 : 64;
			if (!(p = fort_realloc(names, a * sizeof(*p)))) {
				r = FORT_ENOMEM;
				goto out;
			}
			names = p;
		}
		if (!(names[n] = fort_strdup(de->d_name))) {
			r = FORT_ENOMEM;
			goto out;
		}
		n++;
	}
	if (n)   /* an empty directory: qsort(NULL, 0) is undefined */
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n && r == 0; i++)
		r = walk_child(w, dir, rel, names[i], depth);
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	while (w->nign > nign)
		scan_ignore_free(w->ign[--w->nign].ig);
	return r;
}

static int walk_root(struct run *run, const char *path)
{
	struct walk w;
	struct stat st;
	char root[PATH_MAX];
	size_t n;
	int r;

	memset(&w, 0, sizeof(w));
	w.run = run;
	n = strlen(path);
	if (n >= sizeof(root))
		return fort_error_set(FORT_EINPUT, "%.64s...: path too long", path);
	memcpy(root, path, n + 1);
	while (n > 1 && root[n - 1] == '/')
		root[--n] = '\0';
	w.root = root;
	if (stat(root, &st) < 0)
		return fort_error_set(errno == ENOENT ? FORT_ENOTFOUND : FORT_EIO, "%s: %s", root, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		if (excluded(run, &st))
			return add_entry(run, root, 0, "the vault (never opened by the scanner)");
		if (!S_ISREG(st.st_mode))
			return add_entry(run, root, 0, "not a regular file");
		return add_entry(run, root, (uint64_t)st.st_size, NULL);
	}
	if (!realpath(root, w.root_real))
		return fort_error_set(FORT_EIO, "%s: %s", root, strerror(errno));
	if (run->o->use_ignore_files) {
		static const char defaults[] = ".git/\n.hg/\n.svn/\n";

		if ((r = push_ignore(&w, "", defaults, sizeof(defaults) - 1)) < 0)
			goto out;
	}
	w.anc[0].dev = st.st_dev;
	w.anc[0].ino = st.st_ino;
	w.nanc = 1;
	r = walk_dir(&w, root, "", 0);
out:
	while (w.nign)
		scan_ignore_free(w.ign[--w.nign].ig);
	free(w.ign);
	return r;
}

/* -------------------------------------------------------------- reporting */

struct fctx {
	struct run *run;
	size_t idx;
	struct slot *slot;
	const char *path;
	const char *logical;
	char *logical_own;
	fort_scan_file *sum;
	double weight;
	/* the current logical document is the file's bytes from raw_off on
	 * (line raw_line): findings get their position in the file */
	int raw;
	uint64_t raw_off, raw_line;
};

static int is_head(struct run *run, size_t idx)
{
	return __atomic_load_n(&run->head, __ATOMIC_ACQUIRE) == idx;
}

static void pend_free(struct slot *sl)
{
	size_t i;

	for (i = 0; i < sl->npend; i++) {
		if (sl->pend[i].value) {
			sodium_memzero(sl->pend[i].value, strlen(sl->pend[i].value));
			free(sl->pend[i].value);
		}
		free(sl->pend[i].logical);
	}
	free(sl->pend);
	sl->pend = NULL;
	sl->npend = sl->apend = 0;
}

/* Under run->lock. */
static int flush_pend(struct run *run, struct slot *sl)
{
	size_t i;
	int r = 0;

	for (i = 0; i < sl->npend && !r && !run->stop; i++) {
		struct pend *p = &sl->pend[i];

		p->f.masked = p->masked;
		p->f.fingerprint = p->fp;
		p->f.value = p->value;
		p->f.logical = p->logical ? p->logical : "";
		if (run->o->on_finding && (r = run->o->on_finding(run->o->ctx, &p->f)) != 0)
			run->stop = r;
	}
	pend_free(sl);
	return r;
}

static unsigned risk_of(double w)
{
	double r = 25.0 * log2(1.0 + w / 5.0);

	return r >= 100.0 ? 100 : (unsigned)(r + 0.5);
}

static void stats_add(fort_scan_stats *st, const fort_scan_file *f)
{
	unsigned t;

	if (f->status == FORT_SCAN_FILE_SCANNED)
		st->files_scanned++;
	else if (f->status == FORT_SCAN_FILE_SKIPPED)
		st->files_skipped++;
	else
		st->files_failed++;
	st->bytes += f->bytes;
	st->findings += f->findings;
	st->suppressed += f->suppressed;
	st->parts_skipped += f->parts_skipped;
	for (t = 0; t < FORT_SCAN_NTYPES; t++)
		st->by_type[t] += f->by_type[t];
}

/* File IDX is complete: report it and every completed file after it. */
static void file_done(struct run *run, size_t idx)
{
	pthread_mutex_lock(&run->lock);
	run->slots[idx].done = 1;
	while (run->head < run->nfiles && run->slots[run->head].done) {
		struct slot *sl = &run->slots[run->head];

		flush_pend(run, sl);
		stats_add(&run->stats, &sl->sum);
		if (run->o->on_file && !run->stop) {
			int r = run->o->on_file(run->o->ctx, &sl->sum);

			if (r)
				run->stop = r;
		}
		free(sl->reason);
		sl->reason = NULL;
		free(sl->skip_reason);
		sl->skip_reason = NULL;
		__atomic_store_n(&run->head, run->head + 1, __ATOMIC_RELEASE);
	}
	pthread_cond_broadcast(&run->cond);
	pthread_mutex_unlock(&run->lock);
}

static int deliver(struct fctx *fc, const fort_scan_finding *f)
{
	struct run *run = fc->run;
	struct slot *sl = fc->slot;
	struct pend *p;
	int r = 0;

	if (run->single) {
		if (sl->npend)
			flush_pend(run, sl);
		if (!run->stop && run->o->on_finding && (r = run->o->on_finding(run->o->ctx, f)) != 0)
			run->stop = r;
		return run->stop;
	}
	if (is_head(run, fc->idx)) {
		pthread_mutex_lock(&run->lock);
		if (sl->npend)
			flush_pend(run, sl);
		if (!run->stop && run->o->on_finding && (r = run->o->on_finding(run->o->ctx, f)) != 0)
			run->stop = r;
		r = run->stop;
		pthread_mutex_unlock(&run->lock);
		return r;
	}
	if (sl->npend == PEND_MAX) {
		/* too far ahead: wait for our turn rather than hold more */
		pthread_mutex_lock(&run->lock);
		while (!is_head(run, fc->idx) && !run->stop)
			pthread_cond_wait(&run->cond, &run->lock);
		pthread_mutex_unlock(&run->lock);
		return deliver(fc, f);
	}
	if (sl->npend == sl->apend) {
		size_t n = sl->apend ? sl->apend * 2 : 64;

		if (!(p = fort_realloc(sl->pend, n * sizeof(*p))))
			return FORT_ENOMEM;
		sl->pend = p;
		sl->apend = n;
	}
	p = &sl->pend[sl->npend];
	p->f = *f;
	snprintf(p->masked, sizeof(p->masked), "%s", f->masked);
	snprintf(p->fp, sizeof(p->fp), "%s", f->fingerprint);
	p->value = NULL;
	p->logical = NULL;
	if ((f->value && !(p->value = fort_strdup(f->value))) ||
	    (f->logical[0] && !(p->logical = fort_strdup(f->logical)))) {
		free(p->value);
		return FORT_ENOMEM;
	}
	sl->npend++;
	return 0;
}

static const double type_weight[FORT_SCAN_NTYPES] = { 10, 8, 2, 2, 10, 8, 5, 1, 10, 2 };

/* Is VALUE a client's FIELD in the vault?  Through the blind index: nothing
 * is decrypted.  A value the field type rejects, or a map without the
 * field, is simply not a known client. */
static int known_client(struct run *run, const char *field, const unsigned char *val, size_t n)
{
	char tmp[SCAN_TAIL + 1], (*ids)[FORT_ID_LEN + 1] = NULL;
	size_t nids = 0;
	int r;

	if (n > SCAN_TAIL)
		return 0;
	memcpy(tmp, val, n);
	tmp[n] = '\0';
	pthread_mutex_lock(&run->vlock);
	r = fort_client_find(&ids, &nids, run->o->vault, field, tmp);
	pthread_mutex_unlock(&run->vlock);
	sodium_memzero(tmp, sizeof(tmp));
	free(ids);
	if (r < 0)
		fort_error_clear();
	return r == 0 && nids > 0;
}

const char *scan_role_field(fort_vault *v, int role)
{
	int i;
	if (!v || !v->kr || (i = map_field_by_role(&v->map, (map_role)role, MAP_ROLE_SEARCHABLE)) < 0 || !v->has_bkey[i])
		return NULL;
	return v->map.f[i].name;
}

static int name_cb(void *ctx, const unsigned char *s, size_t n)
{
	struct fctx *fc = ctx;

	return known_client(fc->run, fc->run->name_field, s, n);
}

/* A stream was reset for FC's file: names too, when there is a vault. */
static void names_on(scan_stream *st, struct fctx *fc)
{
	scan_stream_names(st, fc->run->name_field ? name_cb : NULL, fc);
}

static int on_hit(void *ctx, const scan_hit *h)
{
	struct fctx *fc = ctx;
	const fort_scan_opts *o = fc->run->o;
	fort_scan_finding f;
	char masked[96], fp[33] = "", value[SCAN_TAIL + 1];
	const char *field;
	int r;

	if (h->conf < (int)o->min_confidence)
		return 0;
	if (h->ignored) {
		fc->sum->suppressed++;
		return 0;
	}
	if (o->baseline) {
		scan_baseline_fingerprint(fp, o->baseline, h->type, h->value, h->length, fc->path);
		if (o->baseline_filter && fort_scan_baseline_has(o->baseline, fp)) {
			fc->sum->suppressed++;
			return 0;
		}
	}
	scan_mask(masked, sizeof(masked), h->type, h->rule, h->value, h->length);
	f.type = (fort_scan_type)h->type;
	f.confidence = (fort_scan_confidence)h->conf;
	f.rule = h->rule;
	f.known_client = 0;
	if (h->type == FORT_SCAN_NAME) {
		f.known_client = 1;   /* only known names are reported */
	} else if (o->vault && (h->type == FORT_SCAN_EMAIL || h->type == FORT_SCAN_PHONE) &&
	    (field = h->type == FORT_SCAN_EMAIL ? fc->run->email_field : fc->run->phone_field) &&
	    known_client(fc->run, field, h->value, h->length)) {
		f.known_client = 1;
		f.confidence = FORT_SCAN_HIGH;
		f.rule = h->type == FORT_SCAN_EMAIL ? "email.known-client" : "phone.known-client";
	}
	f.path = fc->path;
	f.logical = fc->logical ? fc->logical : "";
	f.line = h->line;
	f.column = h->column;
	f.offset = h->offset;
	f.file_line = 0;
	f.file_offset = 0;
	if (!f.logical[0]) {
		f.file_line = h->line;
		f.file_offset = h->offset;
	} else if (fc->raw) {
		f.file_line = fc->raw_line + h->line - 1;
		f.file_offset = fc->raw_off + h->offset;
	}
	f.length = h->length;
	f.masked = masked;
	f.fingerprint = fp;
	f.value = NULL;
	if (o->show_values) {
		size_t n = h->length < SCAN_TAIL ? h->length : SCAN_TAIL;

		memcpy(value, h->value, n);
		value[n] = '\0';
		f.value = value;
	}
	fc->sum->findings++;
	fc->sum->by_type[h->type]++;
	fc->weight += type_weight[h->type] * (h->conf == FORT_SCAN_HIGH ? 1.0 : h->conf == FORT_SCAN_MEDIUM ? 0.6 : 0.3);
	__atomic_add_fetch(&fc->run->findings, 1, __ATOMIC_RELAXED);
	r = deliver(fc, &f);
	if (o->show_values)
		sodium_memzero(value, sizeof(value));
	return r;
}

static void progress(struct run *run, int force)
{
	struct timespec now;
	fort_scan_progress p;

	if (!run->o->on_progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* under the reporting lock: the callback may share state with on_finding */
	if (pthread_mutex_trylock(run->single ? &run->plock : &run->lock) != 0)
		return;
	if (force || (now.tv_sec - run->last_progress.tv_sec) * 1000 +
			     (now.tv_nsec - run->last_progress.tv_nsec) / 1000000 >= 200) {
		run->last_progress = now;
		p.files_total = run->nfiles;
		p.files_done = __atomic_load_n(&run->files_done, __ATOMIC_RELAXED);
		p.bytes_total = run->bytes_total;
		p.bytes_done = __atomic_load_n(&run->bytes_done, __ATOMIC_RELAXED);
		p.findings = __atomic_load_n(&run->findings, __ATOMIC_RELAXED);
		run->o->on_progress(run->o->ctx, &p);
	}
	pthread_mutex_unlock(run->single ? &run->plock : &run->lock);
}

/* -------------------------------------------------------------- scanning */

struct sinkctx {
	struct fctx *fc;
	scan_stream *st;
};

static int sk_begin(void *ctx, const char *logical)
{
	struct sinkctx *s = ctx;

	free(s->fc->logical_own);
	if (!(s->fc->logical_own = fort_strdup(logical ? logical : "")))
		return FORT_ENOMEM;
	s->fc->logical = s->fc->logical_own;
	s->fc->raw = 0;
	scan_stream_reset(s->st, on_hit, s->fc, s->fc->run->o->inline_ignore);
	names_on(s->st, s->fc);
	return 0;
}

static void sk_raw_at(void *ctx, uint64_t offset, uint64_t line)
{
	struct sinkctx *s = ctx;

	s->fc->raw = 1;
	s->fc->raw_off = offset;
	s->fc->raw_line = line;
}

static int sk_text(void *ctx, const char *buf, size_t len)
{
	struct sinkctx *s = ctx;

	s->fc->sum->bytes += len;
	return scan_stream_feed(s->st, buf, len);
}

static int sk_end(void *ctx)
{
	struct sinkctx *s = ctx;

	return scan_stream_finish(s->st);
}

/* A part the readers could not or would not read (a suspected zip bomb, an
 * encrypted member, a damaged part): counted on the file, the first one
 * named, so a report never says "clean" for what it did not see. */
static void sk_skipped(void *ctx, const char *logical, const char *why)
{
	struct sinkctx *s = ctx;
	struct slot *sl = s->fc->slot;

	sl->sum.parts_skipped++;
	if (!sl->skip_reason) {
		size_t n = strlen(logical ? logical : "") + strlen(why ? why : "") + 8;

		if ((sl->skip_reason = fort_malloc(n)))
			snprintf(sl->skip_reason, n, "%s%s%s", logical && logical[0] ? logical : "", logical && logical[0] ? ": " : "",
				 why ? why : "not read");
		sl->sum.skipped_reason = sl->skip_reason;
	}
}

/* REASON is WHAT, or "WHAT: DETAIL". */
static void set_reason(struct slot *sl, fort_scan_file_status status, const char *what, const char *detail)
{
	size_t n = strlen(what) + (detail ? strlen(detail) + 2 : 0) + 1;

	sl->sum.status = status;
	free(sl->reason);
	if ((sl->reason = fort_malloc(n)))
		snprintf(sl->reason, n, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
	sl->sum.reason = sl->reason ? sl->reason : "out of memory";
}

static int scan_one(struct run *run, size_t idx, scan_stream *st)
{
	struct entry *e = &run->files[idx];
	struct slot *sl = &run->slots[idx];
	struct fctx fc;
	size_t headlen = 0, avail;
	unsigned char *space;
	scan_kind kind;
	int fd, r = 0;
	ssize_t got;

	memset(&fc, 0, sizeof(fc));
	fc.run = run;
	fc.idx = idx;
	fc.slot = sl;
	fc.path = e->path;
	fc.sum = &sl->sum;
	sl->sum.path = e->path;
	if (e->skip) {
		set_reason(sl, e->error ? FORT_SCAN_FILE_ERROR : FORT_SCAN_FILE_SKIPPED, e->skip, NULL);
		return 0;
	}
	if ((fd = open(e->path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		set_reason(sl, FORT_SCAN_FILE_ERROR, "cannot open", strerror(errno));
		return 0;
	}
	{
		struct stat s2;

		if (fstat(fd, &s2) < 0 || !S_ISREG(s2.st_mode)) {
			set_reason(sl, FORT_SCAN_FILE_SKIPPED, "not a regular file", NULL);
			goto out;
		}
		if (excluded(run, &s2)) {
			set_reason(sl, FORT_SCAN_FILE_SKIPPED, "the vault (never opened by the scanner)", NULL);
			goto out;
		}
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	scan_stream_reset(st, on_hit, &fc, run->o->inline_ignore);
	names_on(st, &fc);
	space = scan_stream_space(st, &avail);
	while (headlen < 4096) {
		got = read(fd, space + headlen, 4096 - headlen);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			set_reason(sl, FORT_SCAN_FILE_ERROR, "read error", strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		headlen += (size_t)got;
	}
	if (headlen >= 16 && !memcmp(space, "SQLite format 3", 16)) {
		set_reason(sl, FORT_SCAN_FILE_SKIPPED, "SQLite database", NULL);
		goto out;
	}
	kind = scan_sniff(e->path, space, headlen);
	if (kind == SCAN_KIND_BINARY) {
		set_reason(sl, FORT_SCAN_FILE_SKIPPED, "binary", NULL);
		goto out;
	}
	if (kind == SCAN_KIND_CONTAINER && run->o->containers) {
		scan_limits lim = SCAN_LIMITS_DEFAULT;
		struct sinkctx sc = { &fc, st };
		scan_sink sink = { sk_begin, sk_text, sk_end, sk_skipped, &sc, sk_raw_at };

		close(fd);
		fd = -1;
		fort_error_clear();
		r = scan_read_container(e->path, &lim, &sink);
		/* progress counts file bytes: a container's once it is read */
		__atomic_add_fetch(&run->bytes_done, e->size, __ATOMIC_RELAXED);
		if (r < 0 && !run->stop) {
			set_reason(sl, FORT_SCAN_FILE_ERROR, fort_error_message(), NULL);
			r = 0;
		}
		goto out;
	}
	sl->sum.bytes = headlen;
	if ((r = scan_stream_commit(st, headlen)) != 0)
		goto out;
	for (;;) {
		space = scan_stream_space(st, &avail);
		got = read(fd, space, avail);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			set_reason(sl, FORT_SCAN_FILE_ERROR, "read error", strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		sl->sum.bytes += (uint64_t)got;
		__atomic_add_fetch(&run->bytes_done, (uint64_t)got, __ATOMIC_RELAXED);
		if ((r = scan_stream_commit(st, (size_t)got)) != 0)
			goto out;
		progress(run, 0);
	}
	r = scan_stream_finish(st);
out:
	if (fd >= 0)
		close(fd);
	free(fc.logical_own);
	sl->sum.risk = risk_of(fc.weight);
	if (r > 0)
		r = 0;   /* a callback asked to stop: run->stop holds it */
	return r;
}

struct worker {
	struct run *run;
	pthread_t th;
	int r;
};

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct run *run = wk->run;
	scan_stream st;

	if ((wk->r = scan_stream_init(&st)) < 0) {
		pthread_mutex_lock(&run->lock);
		run->stop = wk->r;
		pthread_cond_broadcast(&run->cond);
		pthread_mutex_unlock(&run->lock);
		return NULL;
	}
	for (;;) {
		size_t idx = __atomic_fetch_add(&run->next, 1, __ATOMIC_RELAXED);
		int r;

		if (idx >= run->nfiles || __atomic_load_n(&run->stop, __ATOMIC_RELAXED))
			break;
		r = scan_one(run, idx, &st);
		if (r < 0) {
			pthread_mutex_lock(&run->lock);
			if (!run->stop)
				run->stop = r;
			pthread_mutex_unlock(&run->lock);
		}
		__atomic_add_fetch(&run->files_done, 1, __ATOMIC_RELAXED);
		file_done(run, idx);
	}
	scan_stream_release(&st);
	return NULL;
}

static unsigned ncpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

int fort_scan_run(fort_scan_stats *stats, const char *const *paths, size_t npaths, const fort_scan_opts *opts)
{
	struct run run;
	struct worker *wk = NULL;
	unsigned jobs, i;
	size_t k;
	int r = 0;

	memset(&run, 0, sizeof(run));
	run.o = opts;
	pthread_mutex_init(&run.lock, NULL);
	pthread_mutex_init(&run.plock, NULL);
	pthread_mutex_init(&run.vlock, NULL);
	pthread_cond_init(&run.cond, NULL);
	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (!opts || opts->version != FORT_SCAN_OPTS_VERSION) {
		r = fort_error_set(FORT_EINPUT, "fort_scan_run: options of an unknown version");
		goto out;
	}
	if (opts->nexclude && !(run.excl = fort_calloc(opts->nexclude, sizeof(*run.excl)))) {
		r = FORT_ENOMEM;
		goto out;
	}
	for (k = 0; k < opts->nexclude; k++) {
		struct stat st;

		if (opts->exclude[k] && stat(opts->exclude[k], &st) == 0) {
			run.excl[run.nexcl].dev = st.st_dev;
			run.excl[run.nexcl].ino = st.st_ino;
			run.nexcl++;
		}
	}
	run.name_field = scan_role_field(opts->vault, ROLE_ADDRESSEE);
	run.email_field = scan_role_field(opts->vault, ROLE_EMAIL);
	run.phone_field = scan_role_field(opts->vault, ROLE_PHONE);
	for (k = 0; k < npaths; k++)
		if ((r = walk_root(&run, paths[k])) < 0)
			goto out;
	if (run.nfiles && !(run.slots = fort_calloc(run.nfiles, sizeof(*run.slots)))) {
		r = FORT_ENOMEM;
		goto out;
	}
	jobs = opts->jobs ? opts->jobs : ncpu();
	if (jobs > run.nfiles)
		jobs = run.nfiles ? (unsigned)run.nfiles : 1;
	if (!(wk = fort_calloc(jobs, sizeof(*wk)))) {
		r = FORT_ENOMEM;
		goto out;
	}
	progress(&run, 1);
	if (jobs == 1) {
		run.single = 1;
		wk[0].run = &run;
		worker_main(&wk[0]);
	} else {
		for (i = 0; i < jobs; i++) {
			wk[i].run = &run;
			if (pthread_create(&wk[i].th, NULL, worker_main, &wk[i]) != 0) {
				jobs = i;
				run.stop = fort_error_set(FORT_ERROR, "cannot start a scanning thread");
				break;
			}
		}
		for (i = 0; i < jobs; i++)
			pthread_join(wk[i].th, NULL);
	}
	progress(&run, 1);
	r = run.stop;
	if (stats)
		*stats = run.stats;
out:
	for (k = 0; k < run.nfiles; k++) {
		if (run.slots) {
			pend_free(&run.slots[k]);
			free(run.slots[k].reason);
		}
		free(run.files[k].path);
	}
	free(run.slots);
	free(run.files);
	free(run.excl);
	free(wk);
	pthread_mutex_destroy(&run.lock);
	pthread_mutex_destroy(&run.plock);
	pthread_mutex_destroy(&run.vlock);
	pthread_cond_destroy(&run.cond);
	return r;
}

int fort_scan_buffer(fort_scan_stats *stats, const char *name, const void *data, size_t len,
		     const fort_scan_opts *opts)
{
	struct run run;
	struct slot slot;
	struct fctx fc;
	scan_stream st;
	int r;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (!opts || opts->version != FORT_SCAN_OPTS_VERSION)
		return fort_error_set(FORT_EINPUT, "fort_scan_buffer: options of an unknown version");
	memset(&run, 0, sizeof(run));
	memset(&slot, 0, sizeof(slot));
	memset(&fc, 0, sizeof(fc));
	run.o = opts;
	run.nfiles = 1;
	run.single = 1;
	run.slots = &slot;
	pthread_mutex_init(&run.lock, NULL);
	pthread_mutex_init(&run.plock, NULL);
	pthread_mutex_init(&run.vlock, NULL);
	pthread_cond_init(&run.cond, NULL);
	fc.run = &run;
	fc.slot = &slot;
	fc.path = name ? name : "";
	fc.sum = &slot.sum;
	slot.sum.path = fc.path;
	if ((r = scan_stream_init(&st)) < 0)
		goto out;
	run.name_field = scan_role_field(opts->vault, ROLE_ADDRESSEE);
	run.email_field = scan_role_field(opts->vault, ROLE_EMAIL);
	run.phone_field = scan_role_field(opts->vault, ROLE_PHONE);
	scan_stream_reset(&st, on_hit, &fc, opts->inline_ignore);
	names_on(&st, &fc);
	slot.sum.bytes = len;
	r = scan_stream_feed(&st, data, len);
	if (!r)
		r = scan_stream_finish(&st);
	scan_stream_release(&st);
	slot.sum.risk = risk_of(fc.weight);
	if (r >= 0)
		file_done(&run, 0);
	if (!r)
		r = run.stop;
	if (stats)
		*stats = run.stats;
out:
	pend_free(&slot);
	free(slot.reason);
	pthread_mutex_destroy(&run.lock);
	pthread_mutex_destroy(&run.plock);
	pthread_mutex_destroy(&run.vlock);
	pthread_cond_destroy(&run.cond);
	return r;
}
