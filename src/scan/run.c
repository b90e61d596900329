/* run.c - fort_scan_run: walk the paths (sorted, .fortressignore, no
 * symlinks out of the tree) and scan the files on a pool of threads, which
 * take them in walk order while the walk goes on.
 *
 * Order is kept without holding everything: the file at the head of the
 * walk order reports its findings in batches of HEAD_BATCH; a worker ahead
 * of it keeps them (up to PEND_MAX, then waits for its turn), and whoever
 * finishes the head file reports the files done after it.  Per small file:
 * no stat in the walk (d_type), then open, fstat, one pread into the
 * engine's window, close; no allocation per finding. */
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

/* A directory of the walk kept open while files listed in it wait to be
 * opened: a worker opens such a file relative to it (openat), so the
 * kernel looks up one name, not every component of the path again (on the
 * 100 MB tree of 21,702 files ~3 % of the CPU was that path walk).  The
 * walk holds a reference while it lists the directory, each file one until
 * it is opened (or the run ends); the last closes it.  At most DREFS_MAX
 * are open at a time (the walk runs ahead of the scan): beyond, files are
 * opened by their path as before. */
struct dref {
	int fd;
	unsigned refs;           /* atomic */
};
#define DREFS_MAX 256

struct entry {
	char *path;
	uint64_t size;
	const char *skip;        /* static reason, or NULL: scan it */
	int error;               /* SKIP is an error (a directory that cannot be read) */
	struct dref *dir;        /* open it relative to this (NULL: by PATH), as PATH + NAME_OFF */
	size_t name_off;
};

struct devino {
	dev_t dev;
	ino_t ino;
};

/* A finding waiting for its file's turn: the strings it points to are
 * copied into its batch's text, at these offsets (NO_TEXT: none). */
#define NO_TEXT UINT32_MAX
struct pend {
	fort_scan_finding f;
	uint32_t masked, fp, value, logical;
};

/* Findings of one file, in order, waiting to be reported.  Batches are
 * recycled between files (the threads' spares and run->free_batches), so
 * a scan of many small files allocates and faults in no memory per file. */
struct batch {
	struct pend *p;
	size_t n, a;
	fort_buf text;           /* secret with show_values: wiped when reset */
	const char *lg;          /* the logical path last copied, and where */
	uint64_t lg_gen;
	uint32_t lg_off;
	struct batch *next;      /* on the free list */
};

struct slot {
	int done;
	struct batch *b;         /* NULL: nothing waiting */
	fort_scan_file sum;
	char *reason;
	char *skip_reason;  /* the first container part not read, and why */
};

struct file {
	struct entry e;
	struct slot s;
};

#define FILES_CHUNK_BITS 10
#define FILES_CHUNK ((size_t)1 << FILES_CHUNK_BITS)
#define FILES_MAX_CHUNKS ((size_t)1 << 16)   /* 64 Mi files */

struct run {
	const fort_scan_opts *o;
	/* The files in walk order, FILES_CHUNK to a chunk: the walk appends
	 * while the workers scan, and a chunk never moves once made */
	struct file **chunks;
	size_t nfiles;           /* published by the walk (atomic) */
	int walking;             /* the walk is still adding files (atomic) */
	unsigned nwait;          /* workers waiting for the walk (atomic) */
	pthread_mutex_t qlock;
	pthread_cond_t qcond;    /* the walk added files, or ended */
	uint64_t bytes_total;    /* atomic */
	struct devino *excl;
	size_t nexcl;
	size_t next;             /* next file to claim (atomic) */
	size_t head;             /* next file to report (atomic reads, written under lock) */
	pthread_mutex_t lock, plock;
	pthread_cond_t cond;
	int stop;                /* a callback's non-zero return, or an error */
	int single;              /* one thread: no locking on the way to the callback */
	int plain;               /* a finding is only its place and type: no baseline,
				  * mask, value or vault (on_hit_plain) */
	int direct;              /* single, no vault, no values shown (on_hit_direct) */
	pthread_mutex_t vlock;   /* one vault lookup at a time */
	int looked;              /* under vlock: a lookup since the last vault_idle */
	const char *name_field;  /* with a vault: the name index to look names up in */
	const char *email_field, *phone_field;   /* and the e-mail and phone indexes (by type) */
	fort_scan_stats stats;
	uint64_t bytes_done, files_done, findings; /* atomic, for progress */
	struct timespec last_progress;
	struct batch *free_batches;  /* under lock */
	unsigned ndrefs;             /* struct dref open (atomic) */
	size_t free_pend;            /* their arrays' room, in findings (under lock) */
	/* the files' paths, one after another in blocks that never move (the
	 * walk appends; no allocation per file): the newest block first */
	struct path_block *paths;
};

#define PATH_BLOCK ((size_t)64 << 10)
struct path_block {
	struct path_block *next;
	size_t used, size;
	char s[];
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
	struct dref *dir;        /* the directory being listed, when kept open */
};

static struct file *file_at(struct run *run, size_t i)
{
	return &run->chunks[i >> FILES_CHUNK_BITS][i & (FILES_CHUNK - 1)];
}

/* The workers may take it now: wake those waiting for the walk.  The
 * count and the waiters are both sequentially consistent, so either the
 * walk sees a waiter or the waiter sees the new count (no lost wakeup). */
static void publish(struct run *run, size_t n)
{
	__atomic_store_n(&run->nfiles, n, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&run->nwait, __ATOMIC_SEQ_CST)) {
		pthread_mutex_lock(&run->qlock);
		pthread_cond_broadcast(&run->qcond);
		pthread_mutex_unlock(&run->qlock);
	}
}

static void dref_put(struct run *run, struct dref *d)
{
	if (d && __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		close(d->fd);
		free(d);
		__atomic_sub_fetch(&run->ndrefs, 1, __ATOMIC_RELAXED);
	}
}

/* A copy of PATH kept until the run ends, in the run's path blocks. */
static char *path_keep(struct run *run, const char *path)
{
	size_t n = strlen(path) + 1;
	struct path_block *b = run->paths;
	char *p;

	if (!b || b->size - b->used < n) {
		/* 4 KiB first, doubling to PATH_BLOCK: a scan of a few files
		 * takes little of the heap (a large first block left the
		 * workers' calloc'ed windows to be cleared by glibc: 134,000
		 * instructions at every start) */
		size_t size = b ? (b->size < PATH_BLOCK ? 2 * b->size : PATH_BLOCK) : PATH_BLOCK / 16;

		if (size < n)
			size = n;

		if (!(b = fort_malloc(sizeof(*b) + size)))
			return NULL;
		b->used = 0;
		b->size = size;
		b->next = run->paths;
		run->paths = b;
	}
	p = b->s + b->used;
	memcpy(p, path, n);
	b->used += n;
	return p;
}

/* Append a file to the walk order (DIR: opened relative to it, as PATH +
 * NAME_OFF).  1 when the scan was stopped (a callback's return or an
 * error, in run->stop): the walk ends. */
static int add_file_in(struct run *run, const char *path, uint64_t size, const char *skip, int error,
		       struct dref *dir, size_t name_off)
{
	size_t n = run->nfiles;  /* only the walk writes it */
	struct file *f;

	if (__atomic_load_n(&run->stop, __ATOMIC_RELAXED))
		return 1;
	if (!(n & (FILES_CHUNK - 1))) {
		if (n >> FILES_CHUNK_BITS >= FILES_MAX_CHUNKS)
			return fort_error_set(FORT_EINPUT, "more than %zu files to scan", FILES_MAX_CHUNKS * FILES_CHUNK);
		if (!(run->chunks[n >> FILES_CHUNK_BITS] = fort_calloc(FILES_CHUNK, sizeof(struct file))))
			return FORT_ENOMEM;
	}
	f = file_at(run, n);
	if (!(f->e.path = path_keep(run, path)))
		return FORT_ENOMEM;
	f->e.size = size;
	f->e.skip = skip;
	f->e.error = error;
	if (dir && !skip) {
		__atomic_add_fetch(&dir->refs, 1, __ATOMIC_RELAXED);
		f->e.dir = dir;
		f->e.name_off = name_off;
	}
	if (!skip)
		__atomic_add_fetch(&run->bytes_total, size, __ATOMIC_RELAXED);
	publish(run, n + 1);
	return 0;
}

static int add_file(struct run *run, const char *path, uint64_t size, const char *skip, int error)
{
	return add_file_in(run, path, size, skip, error, NULL, 0);
}

static int add_entry(struct run *run, const char *path, uint64_t size, const char *skip)
{
	return add_file(run, path, size, skip, 0);
}

/* A regular file of the directory being listed (PATH ends in NAME). */
static int add_listed(struct walk *w, const char *path, const char *name, uint64_t size)
{
	return add_file_in(w->run, path, size, NULL, 0, w->dir, strlen(path) - strlen(name));
}

static int excluded(const struct run *run, const struct stat *st)
{
	size_t i;

	for (i = 0; i < run->nexcl; i++)
		if (run->excl[i].dev == st->st_dev && run->excl[i].ino == st->st_ino)
			return 1;
	return 0;
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

/* A directory entry as read: its type (DT_*; DT_UNKNOWN where the file
 * system does not say) and inode come with the name, from getdents64. */
struct dent {
	const char *name;
	size_t off;              /* of NAME in the listing's buffer, while it grows */
	unsigned char type;
	ino_t ino;
};

/* Might the entry be one of the excluded files (the vault)?  By inode
 * number alone; a match is checked with lstat. */
static int maybe_excluded(const struct run *run, ino_t ino)
{
	size_t i;

	for (i = 0; i < run->nexcl; i++)
		if (run->excl[i].ino == ino)
			return 1;
	return 0;
}

/* OUT = "DIR/NAME" ("NAME" when DIR is ""): memcpy, not snprintf, as it
 * runs for every entry of the tree.  -1 when it does not fit. */
static int join(char out[PATH_MAX], const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);

	if (a + b + 2 > PATH_MAX)
		return -1;
	memcpy(out, dir, a);
	if (a)
		out[a++] = '/';
	memcpy(out + a, name, b + 1);
	return 0;
}

static int walk_child(struct walk *w, const char *dir, const char *rel, const struct dent *de, int depth)
{
	const fort_scan_opts *o = w->run->o;
	const char *name = de->name;
	char path[PATH_MAX], crel[PATH_MAX];
	struct stat st, tst;
	mode_t lst_mode;
	int is_dir, r;

	if (join(path, dir, name) < 0 || join(crel, rel, name) < 0)
		return add_entry(w->run, dir, 0, "path too long");
	/* A regular file, as the directory says: no stat.  Its size comes
	 * from fstat when it is opened, unless a progress bar wants the
	 * total now; whether it is (still) a regular file and not the vault
	 * is checked there too, before a byte is read. */
	if (de->type == DT_REG && !o->on_progress && !maybe_excluded(w->run, de->ino)) {
		if (o->use_ignore_files && is_ignored(w, crel, 0))
			return 0;
		return add_listed(w, path, name, 0);
	}
	if (lstat(path, &st) < 0)
		return add_entry(w->run, path, 0, "vanished during the scan");
	lst_mode = st.st_mode;
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
	/* (a symbolic link to a file: by its path, as the walk judged it) */
	if (S_ISLNK(lst_mode))
		return add_entry(w->run, path, (uint64_t)st.st_size, NULL);
	return add_listed(w, path, name, (uint64_t)st.st_size);
}

static int cmp_dent(const void *a, const void *b)
{
	return strcmp(((const struct dent *)a)->name, ((const struct dent *)b)->name);
}

static int walk_dir(struct walk *w, const char *dir, const char *rel, int depth)
{
	DIR *d;
	struct dirent *de;
	struct dent *ents = NULL;
	struct dref *dr = NULL, *outer = w->dir;
	size_t n = 0, a = 0, i, nign = w->nign;
	int r = 0, has_ignore = 0;
	fort_buf names;

	if (!(d = opendir(dir))) {
		int e = errno;

		return add_file(w->run, dir, 0, e == EACCES ? "cannot read the directory: permission denied" :
				"cannot read the directory", 1);
	}
	fort_buf_init(&names, FORT_BUF_DEFAULT_CAP);
	if (__atomic_load_n(&w->run->ndrefs, __ATOMIC_RELAXED) < DREFS_MAX) {
		if (!(dr = fort_malloc(sizeof(*dr)))) {
			r = FORT_ENOMEM;
			goto out;
		}
		dr->refs = 1;
		if ((dr->fd = fcntl(dirfd(d), F_DUPFD_CLOEXEC, 0)) < 0) {
			free(dr);   /* no descriptor left: by path */
			dr = NULL;
		} else {
			__atomic_add_fetch(&w->run->ndrefs, 1, __ATOMIC_RELAXED);
		}
	}
	w->dir = dr;
	while ((de = readdir(d))) {
		size_t nl;

		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (n == a) {
			struct dent *p;

			a = a ? a * 2 : 64;
			if (!(p = fort_realloc(ents, a * sizeof(*p)))) {
				r = FORT_ENOMEM;
				goto out;
			}
			ents = p;
		}
		/* the names one after another in one buffer (no allocation
		 * per entry); their places are made pointers once it is whole */
		nl = strlen(de->d_name) + 1;
		if (fort_buf_put(&names, de->d_name, nl) < 0) {
			r = FORT_ENOMEM;
			goto out;
		}
		ents[n].off = names.len - nl;
		ents[n].type = de->d_type;
		ents[n].ino = de->d_ino;
		has_ignore |= nl == sizeof(IGNORE_FILE) && !memcmp(de->d_name, IGNORE_FILE, nl);
		n++;
	}
	for (i = 0; i < n; i++)
		ents[i].name = names.buf + ents[i].off;
	/* the ignore file is looked for in the listing: no open per directory */
	if (has_ignore && w->run->o->use_ignore_files && (r = load_ignore_file(w, dir, rel)) < 0)
		goto out;
	if (n)   /* an empty directory: qsort(NULL, 0) is undefined */
		qsort(ents, n, sizeof(*ents), cmp_dent);
	for (i = 0; i < n && r == 0; i++) {
		r = walk_child(w, dir, rel, &ents[i], depth);
		w->dir = dr;   /* a subdirectory's walk set its own */
	}
out:
	w->dir = outer;
	dref_put(w->run, dr);
	fort_buf_release(&names);
	free(ents);
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
	struct batch **spare;    /* the thread's batch for the next file that needs one */
	uint64_t lg_gen;         /* bumped with each logical document */
	/* the current logical document is the file's bytes from raw_off on
	 * (line raw_line): findings get their position in the file */
	int raw;
	uint64_t raw_off, raw_line;
	scan_fp_file fp;         /* the path's fingerprint key, made at the first finding */
	/* findings not yet added to run->findings (the progress count): one
	 * atomic add per FINDINGS_STEP findings and at the file's end, not a
	 * locked add per finding on a line the other threads read */
	unsigned unposted;
};

#define FINDINGS_STEP 256

static void post_findings(struct fctx *fc)
{
	if (fc->unposted) {
		__atomic_add_fetch(&fc->run->findings, fc->unposted, __ATOMIC_RELAXED);
		fc->unposted = 0;
	}
}

static int is_head(struct run *run, size_t idx)
{
	return __atomic_load_n(&run->head, __ATOMIC_ACQUIRE) == idx;
}

/* Findings of a file at the head are reported in batches of this many:
 * one lock round per batch, not per finding. */
#define HEAD_BATCH 256
/* Batches kept for reuse beyond the threads' own spares: as long as their
 * arrays hold at most FREE_PEND_MAX findings in all (~9 MB; a tree of
 * small files keeps hundreds of small batches, the peak of files scanned
 * ahead of the head); one grown past BATCH_KEEP findings is freed rather
 * than kept. */
#define FREE_PEND_MAX 65536
#define BATCH_KEEP 4096

static void batch_free(struct batch *b)
{
	if (!b)
		return;
	fort_buf_release(&b->text);   /* wiped when it held values */
	free(b->p);
	free(b);
}

static void batch_clear(struct batch *b)
{
	b->n = 0;
	fort_buf_reset(&b->text);
	b->lg = NULL;
}

/* A batch for a file's findings: the thread's spare, one of the run's
 * free ones, or a new one.  The free list is asked here, not only when a
 * file is done: a thread whose file finished ahead of the head finds the
 * list empty then (the head's batches come back only when the head is
 * reported), and would make a new batch for its next file while the list
 * filled past its bound (16 batches) behind it: on the 100 MB tree half of the
 * 21,702 files made one (and grew its array, fresh pages each time: most
 * of the two threads' page faults). */
static struct batch *batch_get(struct run *run, struct batch **spare)
{
	struct batch *b = *spare;

	if (b) {
		*spare = NULL;
		return b;
	}
	pthread_mutex_lock(&run->lock);
	if ((b = run->free_batches)) {
		run->free_batches = b->next;
		run->free_pend -= b->a;
		b->next = NULL;
	}
	pthread_mutex_unlock(&run->lock);
	if (b)
		return b;
	if (!(b = fort_calloc(1, sizeof(*b))))
		return NULL;
	if (run->o->show_values)
		fort_buf_init_secret(&b->text, FORT_BUF_DEFAULT_CAP);
	else
		fort_buf_init(&b->text, FORT_BUF_DEFAULT_CAP);
	return b;
}

/* Under run->lock: B is reported; keep it for another file. */
static void batch_put(struct run *run, struct batch *b)
{
	batch_clear(b);
	if (run->free_pend + b->a > FREE_PEND_MAX || b->a > BATCH_KEEP) {
		batch_free(b);
		return;
	}
	b->next = run->free_batches;
	run->free_batches = b;
	run->free_pend += b->a;
}

/* Under run->lock: one batch for the thread, if any are free. */
static void batch_take(struct run *run, struct batch **spare)
{
	struct batch *b = run->free_batches;

	if (*spare || !b)
		return;
	run->free_batches = b->next;
	run->free_pend -= b->a;
	b->next = NULL;
	*spare = b;
}

static uint32_t text_put(struct batch *b, const char *s)
{
	size_t off = b->text.len;

	if (off >= NO_TEXT || fort_buf_put(&b->text, s, strlen(s) + 1) < 0)
		return NO_TEXT;
	return (uint32_t)off;
}

/* The same with 16 zero bytes after the NUL (a mask: 16 bytes past its
 * NUL may be read, fort_scan_finding.masked). */
static uint32_t text_put_pad(struct batch *b, const char *s)
{
	static const char zero[16];
	uint32_t off = text_put(b, s);

	if (off != NO_TEXT && fort_buf_put(&b->text, zero, sizeof(zero)) < 0)
		return NO_TEXT;
	return off;
}

/* run->stop is read without the lock by the walk and the workers: every
 * access is atomic.  Under run->lock (or on the only thread): report what SL holds; its
 * batch stays the slot's, emptied. */
static int flush_pend(struct run *run, struct slot *sl)
{
	struct batch *b = sl->b;
	size_t i;
	int r = 0;

	if (!b)
		return 0;
	for (i = 0; i < b->n && !r && !__atomic_load_n(&run->stop, __ATOMIC_RELAXED); i++) {
		struct pend *p = &b->p[i];
		const char *t = b->text.buf;

		p->f.masked = p->masked != NO_TEXT ? t + p->masked : "";
		p->f.fingerprint = p->fp != NO_TEXT ? t + p->fp : "";
		p->f.value = p->value != NO_TEXT ? t + p->value : NULL;
		p->f.logical = p->logical != NO_TEXT ? t + p->logical : "";
		if (run->o->on_finding && (r = run->o->on_finding(run->o->ctx, &p->f)) != 0)
			__atomic_store_n(&run->stop, r, __ATOMIC_RELAXED);
	}
	batch_clear(b);
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

/* File IDX is complete: report it and every completed file after it.
 * Their batches are kept for reuse; one goes to SPARE, the caller's. */
static void file_done(struct run *run, size_t idx, struct batch **spare)
{
	pthread_mutex_lock(&run->lock);
	file_at(run, idx)->s.done = 1;
	while (run->head < __atomic_load_n(&run->nfiles, __ATOMIC_ACQUIRE) && file_at(run, run->head)->s.done) {
		struct slot *sl = &file_at(run, run->head)->s;

		flush_pend(run, sl);
		if (sl->b) {
			batch_put(run, sl->b);
			sl->b = NULL;
		}
		stats_add(&run->stats, &sl->sum);
		if (run->o->on_file && !__atomic_load_n(&run->stop, __ATOMIC_RELAXED)) {
			int r = run->o->on_file(run->o->ctx, &sl->sum);

			if (r)
				__atomic_store_n(&run->stop, r, __ATOMIC_RELAXED);
		}
		free(sl->reason);
		sl->reason = NULL;
		free(sl->skip_reason);
		sl->skip_reason = NULL;
		__atomic_store_n(&run->head, run->head + 1, __ATOMIC_RELEASE);
	}
	if (spare)
		batch_take(run, spare);
	pthread_cond_broadcast(&run->cond);
	pthread_mutex_unlock(&run->lock);
}

static int deliver(struct fctx *fc, const fort_scan_finding *f)
{
	struct run *run = fc->run;
	struct slot *sl = fc->slot;
	struct batch *b;
	struct pend *p;
	int r = 0;

	if (run->single) {
		if (!__atomic_load_n(&run->stop, __ATOMIC_RELAXED) && run->o->on_finding && (r = run->o->on_finding(run->o->ctx, f)) != 0)
			__atomic_store_n(&run->stop, r, __ATOMIC_RELAXED);
		return __atomic_load_n(&run->stop, __ATOMIC_RELAXED);
	}
	/* Several threads, the file at the head of the order and no progress
	 * callback: reported at once, as on one thread.  No other thread
	 * calls back meanwhile: the others' files wait behind this one, and
	 * on_file is called for it when it is done, by this thread; what they
	 * reported before it became the head is ordered before by the head's
	 * release (is_head).  Its findings that waited in its batch first
	 * (it became the head while scanned), in order.  On a tree of small
	 * files this is about every other file's findings: no copy into a
	 * batch and out of it. */
	if (!run->o->on_progress && is_head(run, fc->idx)) {
		if (sl->b && sl->b->n) {
			pthread_mutex_lock(&run->lock);
			flush_pend(run, sl);
			pthread_mutex_unlock(&run->lock);
		}
		if (!__atomic_load_n(&run->stop, __ATOMIC_RELAXED) && run->o->on_finding && (r = run->o->on_finding(run->o->ctx, f)) != 0)
			__atomic_store_n(&run->stop, r, __ATOMIC_RELAXED);
		return __atomic_load_n(&run->stop, __ATOMIC_RELAXED);
	}
	/* Otherwise the finding waits in the file's batch, reported when the
	 * file is done and every file before it is, or, for the file at the
	 * head of the order, every HEAD_BATCH findings. */
	if (!sl->b && !(sl->b = batch_get(run, fc->spare)))
		return FORT_ENOMEM;
	b = sl->b;
	if (b->n == PEND_MAX) {
		/* too far ahead: wait for our turn rather than hold more */
		pthread_mutex_lock(&run->lock);
		while (!is_head(run, fc->idx) && !__atomic_load_n(&run->stop, __ATOMIC_RELAXED))
			pthread_cond_wait(&run->cond, &run->lock);
		flush_pend(run, sl);
		r = __atomic_load_n(&run->stop, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&run->lock);
		if (r)
			return r;
	}
	if (b->n == b->a) {
		size_t n = b->a ? b->a * 2 : 64;

		if (!(p = fort_realloc(b->p, n * sizeof(*p))))
			return FORT_ENOMEM;
		b->p = p;
		b->a = n;
	}
	p = &b->p[b->n];
	p->f = *f;
	/* no mask (tsv-spans) or no fingerprint: nothing copied, "" when reported */
	p->masked = f->masked[0] ? text_put_pad(b, f->masked) : NO_TEXT;
	p->fp = f->fingerprint[0] ? text_put(b, f->fingerprint) : NO_TEXT;
	p->value = f->value ? text_put(b, f->value) : NO_TEXT;
	p->logical = NO_TEXT;
	if (f->logical[0]) {
		/* one copy per logical document, not per finding */
		if (b->lg != fc->logical || b->lg_gen != fc->lg_gen) {
			b->lg = fc->logical;
			b->lg_gen = fc->lg_gen;
			b->lg_off = text_put(b, f->logical);
		}
		p->logical = b->lg_off;
	}
	if (fort_buf_error(&b->text))
		return FORT_ENOMEM;
	b->n++;
	if (b->n >= HEAD_BATCH && is_head(run, fc->idx)) {
		pthread_mutex_lock(&run->lock);
		flush_pend(run, sl);
		r = __atomic_load_n(&run->stop, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&run->lock);
	}
	return r;
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
	run->looked = 1;
	pthread_mutex_unlock(&run->vlock);
	sodium_memzero(tmp, sizeof(tmp));
	free(ids);
	if (r < 0)
		fort_error_clear();
	return r == 0 && nids > 0;
}

const char *scan_role_field(fort_vault *v, int role)
{
	return v ? vault_lookup_field(v, (map_role)role) : NULL;
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

/* The options under which a finding is its type, rule and place only: no
 * fingerprint, mask, value or vault lookup (tsv-spans). */
static int plain_opts(const fort_scan_opts *o)
{
	return !o->baseline && o->no_masked && !o->show_values && !o->vault;
}

/* The options under which a finding on one thread takes on_hit_direct:
 * no vault lookup, no value shown. */
static int direct_opts(const fort_scan_opts *o)
{
	return !o->show_values && !o->vault;
}

/* on_hit for one thread under plain options and a file's own text (no
 * logical document): the finding goes straight to the callback, without
 * the tests and copies of the general path (deliver's single-thread case).
 * The same finding as on_hit would pass. */
static inline __attribute__((always_inline)) int on_hit_plain(struct fctx *fc, const scan_hit *h, int single)
{
	struct run *run = fc->run;
	fort_scan_finding f;
	int r;

	if (h->conf < (int)run->o->min_confidence)
		return 0;
	if (h->ignored) {
		fc->sum->suppressed++;
		return 0;
	}
	f.type = (fort_scan_type)h->type;
	f.confidence = (fort_scan_confidence)h->conf;
	f.rule = h->rule;
	f.known_client = h->type == FORT_SCAN_NAME;   /* only known names are reported */
	f.path = fc->path;
	f.logical = "";
	f.line = f.file_line = h->line;
	f.column = h->column;
	f.offset = f.file_offset = h->offset;
	f.length = h->length;
	f.masked = "";
	f.fingerprint = "";
	f.value = NULL;
	fc->sum->findings++;
	fc->sum->by_type[h->type]++;
	fc->weight += type_weight[h->type] * (h->conf == FORT_SCAN_HIGH ? 1.0 : h->conf == FORT_SCAN_MEDIUM ? 0.6 : 0.3);
	if (++fc->unposted == FINDINGS_STEP)
		post_findings(fc);
	if (!single)
		return deliver(fc, &f);
	if (!__atomic_load_n(&run->stop, __ATOMIC_RELAXED) && run->o->on_finding && (r = run->o->on_finding(run->o->ctx, &f)) != 0)
		__atomic_store_n(&run->stop, r, __ATOMIC_RELAXED);
	return __atomic_load_n(&run->stop, __ATOMIC_RELAXED);
}

/* Several threads under plain options (tsv-spans on a tree): the same
 * finding, without the general path's tests, to deliver (the file's batch,
 * or at once for the file at the head). */
static int on_hit_plain_mt(struct fctx *fc, const scan_hit *h)
{
	return on_hit_plain(fc, h, 0);
}

static int on_hit_plain1(struct fctx *fc, const scan_hit *h)
{
	return on_hit_plain(fc, h, 1);
}

/* DIRECT: one thread, no vault and no values shown (every output format
 * but tsv-spans, as the CLI runs it by default): the finding goes straight
 * to the callback (deliver's single-thread case) without the vault's and
 * the value's tests.  The same finding as the general path passes. */
static inline __attribute__((always_inline)) int on_hit_masked(struct fctx *fc, const scan_hit *h, int direct)
{
	const fort_scan_opts *o = fc->run->o;
	fort_scan_finding f;
	/* the mask is at most 96 bytes with its NUL; 16 more may be read
	 * (fort_scan_finding.masked) */
	char masked[96 + 16], fp[33] = "", value[SCAN_TAIL + 1];
	const char *field;
	int r;

	if (h->conf < (int)o->min_confidence)
		return 0;
	if (h->ignored) {
		fc->sum->suppressed++;
		return 0;
	}
	if (o->baseline) {
		scan_baseline_fingerprint(fp, o->baseline, &fc->fp, h->type, h->value, h->length, fc->path);
		if (o->baseline_filter && fort_scan_baseline_has(o->baseline, fp)) {
			fc->sum->suppressed++;
			return 0;
		}
	}
	if (o->no_masked)
		masked[0] = '\0';
	else
		scan_mask_padded(masked, 96, h->type, h->rule, h->value, h->length);
	f.type = (fort_scan_type)h->type;
	f.confidence = (fort_scan_confidence)h->conf;
	f.rule = h->rule;
	f.known_client = 0;
	if (h->type == FORT_SCAN_NAME) {
		f.known_client = 1;   /* only known names are reported */
	} else if (!direct && o->vault && (h->type == FORT_SCAN_EMAIL || h->type == FORT_SCAN_PHONE) &&
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
		f.file_line = h->line ? fc->raw_line + h->line - 1 : 0;   /* 0: no_line */
		f.file_offset = fc->raw_off + h->offset;
	}
	f.length = h->length;
	f.masked = masked;
	f.fingerprint = fp;
	f.value = NULL;
	if (!direct && o->show_values) {
		size_t n = h->length < SCAN_TAIL ? h->length : SCAN_TAIL;

		memcpy(value, h->value, n);
		value[n] = '\0';
		f.value = value;
	}
	fc->sum->findings++;
	fc->sum->by_type[h->type]++;
	fc->weight += type_weight[h->type] * (h->conf == FORT_SCAN_HIGH ? 1.0 : h->conf == FORT_SCAN_MEDIUM ? 0.6 : 0.3);
	if (++fc->unposted == FINDINGS_STEP)
		post_findings(fc);
	if (direct) {
		struct run *run = fc->run;

		if (!__atomic_load_n(&run->stop, __ATOMIC_RELAXED) && o->on_finding && (r = o->on_finding(o->ctx, &f)) != 0)
			__atomic_store_n(&run->stop, r, __ATOMIC_RELAXED);
		return __atomic_load_n(&run->stop, __ATOMIC_RELAXED);
	}
	r = deliver(fc, &f);
	if (o->show_values)
		sodium_memzero(value, sizeof(value));
	return r;
}

static int on_hit_direct(struct fctx *fc, const scan_hit *h)
{
	return on_hit_masked(fc, h, 1);
}

static int on_hit_full(struct fctx *fc, const scan_hit *h)
{
	return on_hit_masked(fc, h, 0);
}

static int on_hit(void *ctx, const scan_hit *h)
{
	struct fctx *fc = ctx;

	if (fc->run->plain && (!fc->logical || !fc->logical[0]))
		return fc->run->single ? on_hit_plain1(fc, h) : on_hit_plain_mt(fc, h);
	if (fc->run->direct)
		return on_hit_direct(fc, h);
	return on_hit_full(fc, h);
}

/* on_hit for a file's own stream under plain options, the choice made once
 * per file (hit_fn) rather than per finding; a logical document still
 * takes on_hit's general path. */
static int on_hit_file_plain1(void *ctx, const scan_hit *h)
{
	struct fctx *fc = ctx;

	if (fc->logical && fc->logical[0])
		return on_hit(ctx, h);
	return on_hit_plain1(fc, h);
}

static int on_hit_file_plain_mt(void *ctx, const scan_hit *h)
{
	struct fctx *fc = ctx;

	if (fc->logical && fc->logical[0])
		return on_hit(ctx, h);
	return on_hit_plain_mt(fc, h);
}

/* The hit callback of a file's own stream under RUN's options */
static scan_hit_fn hit_fn(const struct run *run)
{
	if (run->plain)
		return run->single ? on_hit_file_plain1 : on_hit_file_plain_mt;
	return on_hit;
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
		p.files_total = __atomic_load_n(&run->nfiles, __ATOMIC_ACQUIRE);
		p.files_done = __atomic_load_n(&run->files_done, __ATOMIC_RELAXED);
		p.bytes_total = __atomic_load_n(&run->bytes_total, __ATOMIC_RELAXED);
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
	s->fc->lg_gen++;
	s->fc->raw = 0;
	scan_stream_reset(s->st, on_hit, s->fc, s->fc->run->o->inline_ignore);
	s->st->no_column = s->fc->run->o->no_column;
	s->st->no_line = s->fc->run->o->no_line;
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

/* Read into the stream's own window (no copy), from offset *OFF, until
 * WANT bytes are there, the file's size SIZE is reached or end of file.
 * pread: the descriptor's offset stays at 0 for a container reader. */
static ssize_t read_some(int fd, unsigned char *dst, size_t want, uint64_t *off)
{
	size_t have = 0;

	while (have < want) {
		ssize_t got = pread(fd, dst + have, want - have, (off_t)*off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0)
			break;
		have += (size_t)got;
		*off += (uint64_t)got;
	}
	return (ssize_t)have;
}

/* Files at least this large are read with a sequential read-ahead hint;
 * below it the hint is one more system call for nothing. */
#define FADVISE_MIN ((uint64_t)1 << 20)

static int scan_one(struct run *run, size_t idx, scan_stream *st, struct batch **spare)
{
	struct entry *e = &file_at(run, idx)->e;
	struct slot *sl = &file_at(run, idx)->s;
	struct fctx fc;
	struct stat s2;
	size_t headlen, avail, want;
	uint64_t off = 0, size;
	unsigned char *space;
	scan_kind kind;
	int fd, r = 0, eof = 0;
	ssize_t got;

	memset(&fc, 0, sizeof(fc));
	fc.run = run;
	fc.idx = idx;
	fc.slot = sl;
	fc.path = e->path;
	fc.sum = &sl->sum;
	fc.spare = spare;
	sl->sum.path = e->path;
	if (e->skip) {
		set_reason(sl, e->error ? FORT_SCAN_FILE_ERROR : FORT_SCAN_FILE_SKIPPED, e->skip, NULL);
		return 0;
	}
	/* O_NONBLOCK: a FIFO put in the file's place since the walk must not
	 * block the open; on a regular file it changes nothing, so it stays */
	if (e->dir) {
		int oe;

		fd = openat(e->dir->fd, e->path + e->name_off, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		oe = errno;
		dref_put(run, e->dir);
		e->dir = NULL;
		errno = oe;
	} else {
		fd = open(e->path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	}
	if (fd < 0) {
		set_reason(sl, FORT_SCAN_FILE_ERROR, "cannot open", strerror(errno));
		return 0;
	}
	if (fstat(fd, &s2) < 0 || !S_ISREG(s2.st_mode)) {
		set_reason(sl, FORT_SCAN_FILE_SKIPPED, "not a regular file", NULL);
		goto out;
	}
	if (excluded(run, &s2)) {
		set_reason(sl, FORT_SCAN_FILE_SKIPPED, "the vault (never opened by the scanner)", NULL);
		goto out;
	}
	size = (uint64_t)s2.st_size;
#ifdef POSIX_FADV_SEQUENTIAL
	if (size >= FADVISE_MIN)
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	scan_stream_reset(st, hit_fn(run), &fc, run->o->inline_ignore);
	st->no_column = run->o->no_column;
	st->no_line = run->o->no_line;
	names_on(st, &fc);
	/* One read for a small file: straight into the stream's window, as
	 * much as fits; the first 4 KiB of it are sniffed in place.  A file
	 * whose size says 0 (/proc) is read to its end. */
	space = scan_stream_space(st, &avail);
	want = size && size < avail ? (size_t)size : avail;
	if ((got = read_some(fd, space, want, &off)) < 0) {
		set_reason(sl, FORT_SCAN_FILE_ERROR, "read error", strerror(errno));
		goto out;
	}
	headlen = (size_t)got;
	eof = headlen < want || (size && off >= size);
	if (headlen >= 16 && !memcmp(space, "SQLite format 3", 16)) {
		set_reason(sl, FORT_SCAN_FILE_SKIPPED, "SQLite database", NULL);
		goto out;
	}
	kind = scan_sniff(e->path, space, headlen < 4096 ? headlen : 4096);
	if (kind == SCAN_KIND_BINARY) {
		set_reason(sl, FORT_SCAN_FILE_SKIPPED, "binary", NULL);
		goto out;
	}
	if (kind == SCAN_KIND_CONTAINER && run->o->containers) {
		scan_limits lim = SCAN_LIMITS_DEFAULT;
		struct sinkctx sc = { &fc, st };
		scan_sink sink = { sk_begin, sk_text, sk_end, sk_skipped, &sc, sk_raw_at };

		/* the readers take the descriptor (still at offset 0: pread)
		 * and the head already read, which they copy before the sink
		 * writes into the stream's window */
		fort_error_clear();
		r = scan_read_container_fd(fd, e->path, space, headlen, &lim, &sink);
		/* progress counts file bytes: a container's once it is read */
		__atomic_add_fetch(&run->bytes_done, size, __ATOMIC_RELAXED);
		if (r < 0 && !__atomic_load_n(&run->stop, __ATOMIC_RELAXED)) {
			set_reason(sl, FORT_SCAN_FILE_ERROR, fort_error_message(), NULL);
			r = 0;
		}
		goto out;
	}
	sl->sum.bytes = headlen;
	__atomic_add_fetch(&run->bytes_done, (uint64_t)headlen, __ATOMIC_RELAXED);
	if ((r = scan_stream_commit(st, headlen)) != 0)
		goto out;
	while (!eof) {
		space = scan_stream_space(st, &avail);
		want = size > off && size - off < avail ? (size_t)(size - off) : avail;
		if ((got = read_some(fd, space, want, &off)) < 0) {
			set_reason(sl, FORT_SCAN_FILE_ERROR, "read error", strerror(errno));
			goto out;
		}
		/* short of what was asked: the end; at the size fstat gave: the
		 * end too (a file growing while it is scanned is read as it was) */
		eof = (size_t)got < want || (size && off >= size);
		if (!got)
			break;
		sl->sum.bytes += (uint64_t)got;
		__atomic_add_fetch(&run->bytes_done, (uint64_t)got, __ATOMIC_RELAXED);
		if ((r = scan_stream_commit(st, (size_t)got)) != 0)
			goto out;
		progress(run, 0);
	}
	r = scan_stream_finish(st);
out:
	close(fd);
	/* the finds' kept read transaction ends with the file that made them,
	 * not with the whole run: meanwhile it would hold back another
	 * process's WAL checkpoint (an erasure's truncation: docs/SECURITY.md) */
	if (run->o->vault) {
		pthread_mutex_lock(&run->vlock);
		if (run->looked)
			vault_idle(run->o->vault);
		run->looked = 0;
		pthread_mutex_unlock(&run->vlock);
	}
	post_findings(&fc);
	free(fc.logical_own);
	scan_baseline_file_done(&fc.fp);
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

/* The next file in walk order, as soon as the walk has it: 0 when the
 * walk is over and every file taken, or the scan was stopped. */
static int claim(struct run *run, size_t *idx)
{
	for (;;) {
		size_t i = __atomic_load_n(&run->next, __ATOMIC_SEQ_CST);

		if (__atomic_load_n(&run->stop, __ATOMIC_RELAXED))
			return 0;
		if (i < __atomic_load_n(&run->nfiles, __ATOMIC_SEQ_CST)) {
			if (__atomic_compare_exchange_n(&run->next, &i, i + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
				*idx = i;
				return 1;
			}
			continue;
		}
		if (!__atomic_load_n(&run->walking, __ATOMIC_SEQ_CST)) {
			/* the walk ended: its last files were published before */
			if (i < __atomic_load_n(&run->nfiles, __ATOMIC_SEQ_CST))
				continue;
			return 0;
		}
		pthread_mutex_lock(&run->qlock);
		__atomic_add_fetch(&run->nwait, 1, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&run->next, __ATOMIC_SEQ_CST) >= __atomic_load_n(&run->nfiles, __ATOMIC_SEQ_CST) &&
		       __atomic_load_n(&run->walking, __ATOMIC_SEQ_CST) && !__atomic_load_n(&run->stop, __ATOMIC_RELAXED))
			pthread_cond_wait(&run->qcond, &run->qlock);
		__atomic_sub_fetch(&run->nwait, 1, __ATOMIC_SEQ_CST);
		pthread_mutex_unlock(&run->qlock);
	}
}

/* The walk is over (or stopped): workers waiting for files wake up. */
static void walk_over(struct run *run)
{
	pthread_mutex_lock(&run->qlock);
	__atomic_store_n(&run->walking, 0, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&run->qcond);
	pthread_mutex_unlock(&run->qlock);
}

static void set_stop(struct run *run, int r)
{
	pthread_mutex_lock(&run->lock);
	if (!__atomic_load_n(&run->stop, __ATOMIC_RELAXED))
		__atomic_store_n(&run->stop, r, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&run->cond);
	pthread_mutex_unlock(&run->lock);
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct run *run = wk->run;
	scan_stream st;
	struct batch *spare = NULL;

	if ((wk->r = scan_stream_init(&st)) < 0) {
		set_stop(run, wk->r);
		return NULL;
	}
	for (;;) {
		size_t idx;
		int r;

		if (!claim(run, &idx))
			break;
		r = scan_one(run, idx, &st, &spare);
		if (r < 0)
			set_stop(run, r);
		__atomic_add_fetch(&run->files_done, 1, __ATOMIC_RELAXED);
		file_done(run, idx, &spare);
		progress(run, 0);
	}
	batch_free(spare);
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
	unsigned jobs, i, started;
	size_t k;
	int r = 0, dirs = 0;

	memset(&run, 0, sizeof(run));
	run.o = opts;
	pthread_mutex_init(&run.lock, NULL);
	pthread_mutex_init(&run.plock, NULL);
	pthread_mutex_init(&run.vlock, NULL);
	pthread_mutex_init(&run.qlock, NULL);
	pthread_cond_init(&run.cond, NULL);
	pthread_cond_init(&run.qcond, NULL);
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
	if (!(run.chunks = fort_calloc(FILES_MAX_CHUNKS, sizeof(*run.chunks)))) {
		r = FORT_ENOMEM;
		goto out;
	}
	/* A PATH that does not exist is an error before anything is scanned;
	 * are they all files (no directory to walk)? */
	for (k = 0; k < npaths; k++) {
		struct stat st;

		if (stat(paths[k], &st) < 0) {
			r = fort_error_set(errno == ENOENT ? FORT_ENOTFOUND : FORT_EIO, "%s: %s", paths[k], strerror(errno));
			goto out;
		}
		dirs |= S_ISDIR(st.st_mode);
	}
	jobs = opts->jobs ? opts->jobs : ncpu();
	if (!dirs || jobs == 1) {
		/* nothing to walk, or one thread: the list first */
		for (k = 0; k < npaths; k++)
			if ((r = walk_root(&run, paths[k])) < 0)
				goto out;
		if (jobs > run.nfiles)
			jobs = run.nfiles ? (unsigned)run.nfiles : 1;
	}
	if (!(wk = fort_calloc(jobs, sizeof(*wk)))) {
		r = FORT_ENOMEM;
		goto out;
	}
	progress(&run, 1);
	if (jobs == 1) {
		run.single = 1;
		run.plain = plain_opts(run.o);
		run.direct = direct_opts(run.o);
		wk[0].run = &run;
		worker_main(&wk[0]);
	} else {
		/* the workers scan while this thread walks: files are taken in
		 * walk order as soon as they are listed */
		run.walking = dirs;
		run.plain = plain_opts(run.o);
		for (i = 0; i < jobs; i++) {
			wk[i].run = &run;
			if (pthread_create(&wk[i].th, NULL, worker_main, &wk[i]) != 0) {
				set_stop(&run, fort_error_set(FORT_ERROR, "cannot start a scanning thread"));
				break;
			}
		}
		started = i;
		if (dirs) {
			for (k = 0; k < npaths && !r; k++)
				r = walk_root(&run, paths[k]);
			if (r < 0)
				set_stop(&run, r);
			walk_over(&run);
		}
		for (i = 0; i < started; i++)
			pthread_join(wk[i].th, NULL);
	}
	progress(&run, 1);
	r = run.stop;
	if (stats)
		*stats = run.stats;
out:
	for (k = 0; k < run.nfiles; k++) {
		struct file *f = file_at(&run, k);

		dref_put(&run, f->e.dir);   /* a file the run stopped before */
		batch_free(f->s.b);
		free(f->s.reason);
		free(f->s.skip_reason);
	}
	while (run.paths) {
		struct path_block *b = run.paths;

		run.paths = b->next;
		free(b);
	}
	if (run.chunks)
		for (k = 0; k < FILES_MAX_CHUNKS && run.chunks[k]; k++)
			free(run.chunks[k]);
	while (run.free_batches) {
		struct batch *b = run.free_batches;

		run.free_batches = b->next;
		batch_free(b);
	}
	free(run.chunks);
	free(run.excl);
	free(wk);
	pthread_mutex_destroy(&run.lock);
	pthread_mutex_destroy(&run.plock);
	pthread_mutex_destroy(&run.vlock);
	pthread_mutex_destroy(&run.qlock);
	pthread_cond_destroy(&run.cond);
	pthread_cond_destroy(&run.qcond);
	return r;
}

int fort_scan_buffer(fort_scan_stats *stats, const char *name, const void *data, size_t len,
		     const fort_scan_opts *opts)
{
	struct run run;
	struct file one, *chunk = &one;
	struct fctx fc;
	scan_stream st;
	int r;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (!opts || opts->version != FORT_SCAN_OPTS_VERSION)
		return fort_error_set(FORT_EINPUT, "fort_scan_buffer: options of an unknown version");
	memset(&run, 0, sizeof(run));
	memset(&one, 0, sizeof(one));
	memset(&fc, 0, sizeof(fc));
	run.o = opts;
	run.nfiles = 1;
	run.single = 1;
	run.plain = plain_opts(opts);
	run.direct = direct_opts(opts);
	run.chunks = &chunk;
	pthread_mutex_init(&run.lock, NULL);
	pthread_mutex_init(&run.plock, NULL);
	pthread_mutex_init(&run.vlock, NULL);
	pthread_cond_init(&run.cond, NULL);
	fc.run = &run;
	fc.slot = &one.s;
	fc.path = name ? name : "";
	fc.sum = &one.s.sum;
	one.s.sum.path = fc.path;
	if ((r = scan_stream_init(&st)) < 0)
		goto out;
	run.name_field = scan_role_field(opts->vault, ROLE_ADDRESSEE);
	run.email_field = scan_role_field(opts->vault, ROLE_EMAIL);
	run.phone_field = scan_role_field(opts->vault, ROLE_PHONE);
	scan_stream_reset(&st, hit_fn(&run), &fc, opts->inline_ignore);
	st.no_column = opts->no_column;
	st.no_line = opts->no_line;
	names_on(&st, &fc);
	one.s.sum.bytes = len;
	r = scan_stream_feed(&st, data, len);
	if (!r)
		r = scan_stream_finish(&st);
	scan_stream_release(&st);
	if (run.looked)
		vault_idle(opts->vault); /* as scan_one does at a file's end */
	post_findings(&fc);
	scan_baseline_file_done(&fc.fp);
	one.s.sum.risk = risk_of(fc.weight);
	if (r >= 0)
		file_done(&run, 0, NULL);
	if (!r)
		r = run.stop;
	if (stats)
		*stats = run.stats;
out:
	batch_free(one.s.b);
	while (run.free_batches) {
		struct batch *b = run.free_batches;

		run.free_batches = b->next;
		batch_free(b);
	}
	free(one.s.reason);
	free(one.s.skip_reason);
	pthread_mutex_destroy(&run.lock);
	pthread_mutex_destroy(&run.plock);
	pthread_mutex_destroy(&run.vlock);
	pthread_cond_destroy(&run.cond);
	return r;
}
