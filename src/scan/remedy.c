/* remedy.c - what to do about a finding: move the file into the vault
 * (fort_quarantine), write a masked copy (fort_scan_redact), and remember
 * the last scan for the check-up (fort_scan_record). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <jansson.h>
#include "vault/vault_int.h"
#include "vault/op.h"
#include "vault/attach.h"
#include "scan/scan_int.h"
#include "scan/readers/readers.h"

/* The vault category a finding type's data belongs to. */
static const char *type_category(int t)
{
	switch (t) {
	case FORT_SCAN_CARD:
	case FORT_SCAN_IBAN:
		return "financial";
	case FORT_SCAN_EMAIL:
	case FORT_SCAN_PHONE:
	case FORT_SCAN_IP:
		return "contact";
	case FORT_SCAN_SSN:
	case FORT_SCAN_NINO:
	case FORT_SCAN_DOB:
	case FORT_SCAN_NAME:
		return "identity";
	default:
		return "notes";
	}
}

/* ------------------------------------------------------------- quarantine */

struct qctx {
	fort_vault *v;
	unsigned types;             /* bit per fort_scan_type */
	uint64_t findings;
	int64_t *ids;
	size_t nids, cap;
	int failed;                 /* a file error: FORT_SCAN_FILE_ERROR */
	char why[200];
};

static int q_add_id(struct qctx *q, const char *id)
{
	int64_t cid;
	if (client_id_parse(&cid, id) < 0) {
		fort_error_clear();
		return 0;
	}
	for (size_t i = 0; i < q->nids; i++)
		if (q->ids[i] == cid)
			return 0;
	if (FORT_ARRAY_GROW(q->ids, q->nids + 1, q->cap, 8) < 0)
		return FORT_ENOMEM;
	q->ids[q->nids++] = cid;
	return 0;
}

static int q_finding(void *ctx, const fort_scan_finding *f)
{
	struct qctx *q = ctx;
	q->types |= 1u << f->type;
	q->findings++;
	if (f->known_client && f->value) {
		const char *field = scan_role_field(q->v, f->type == FORT_SCAN_EMAIL ? ROLE_EMAIL : f->type == FORT_SCAN_PHONE ? ROLE_PHONE :
							  f->type == FORT_SCAN_NAME ? ROLE_ADDRESSEE : -1);
		char (*ids)[FORT_ID_LEN + 1] = NULL;
		size_t n = 0;
		int r = 0;
		if (field && fort_client_find(&ids, &n, q->v, field, f->value) == 0)
			for (size_t i = 0; i < n && r == 0; i++)
				r = q_add_id(q, ids[i]);
		fort_error_clear();
		free(ids);
		if (r < 0)
			return r;
	}
	return 0;
}

static int q_file(void *ctx, const fort_scan_file *f)
{
	struct qctx *q = ctx;
	if (f->status != FORT_SCAN_FILE_SCANNED) {
		q->failed = 1;
		snprintf(q->why, sizeof q->why, "%s", f->reason ? f->reason : "not scanned");
	}
	return 0;
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Is ST one of the vault's own files (the database, -wal, -shm, -journal)? */
static int is_vault_file(const fort_vault *v, const struct stat *st)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char p[PATH_MAX];
	struct stat vs;
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++)
		if (snprintf(p, sizeof p, "%s%s", fort_vault_path(v), sfx[i]) < (int)sizeof p && stat(p, &vs) == 0 && same_file(&vs, st))
			return 1;
	return 0;
}

/* Overwrite the first SIZE bytes of FD with zeros and fsync. */
static int overwrite(int fd, uint64_t size)
{
	static const unsigned char zero[65536];
	uint64_t off = 0;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	while (off < size) {
		size_t n = size - off < sizeof zero ? (size_t)(size - off) : sizeof zero;
		ssize_t w = write(fd, zero, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (uint64_t)w;
	}
	return fsync(fd);
}

int fort_quarantine(fort_quarantine_report *out, fort_vault *v, const char *path)
{
	fort_scan_opts so = FORT_SCAN_OPTS_INIT;
	fort_attachment_opts ao = FORT_ATTACHMENT_OPTS_INIT;
	struct qctx q;
	struct stat ls, fs, after;
	const char *cats[FORT_SCAN_NTYPES];
	char **cids = NULL, detail[200], vpaths[4][PATH_MAX];
	const char *excl[4];
	size_t ncats = 0;
	int64_t att = 0;
	int fd = -1, r;

	memset(out, 0, sizeof *out);
	memset(&q, 0, sizeof q);
	q.v = v;
	if ((r = vault_need(v, ACT_WRITE, "quarantine", "")) < 0)
		return r;
	if (lstat(path, &ls) < 0)
		return fort_error_set(errno == ENOENT ? FORT_ENOTFOUND : FORT_EIO, "%s: %s", path, strerror(errno));
	if (S_ISDIR(ls.st_mode))
		return fort_error_set(FORT_EINPUT, "%s is a directory: quarantine its files one by one (nothing was changed)", path);
	if (S_ISLNK(ls.st_mode))
		return fort_error_set(FORT_EINPUT, "%s is a symbolic link: quarantine the file it points to (nothing was changed)", path);
	if (!S_ISREG(ls.st_mode))
		return fort_error_set(FORT_EINPUT, "%s is not a regular file (nothing was changed)", path);
	if (is_vault_file(v, &ls))
		return fort_error_set(FORT_EINPUT, "%s is the vault's own file: it cannot be quarantined into itself", path);
	if (ls.st_nlink > 1)
		return fort_error_set(FORT_EINPUT, "%s has %lu hard links: remove the others first, or its content would stay "
				      "under their names (nothing was changed)", path, (unsigned long)ls.st_nlink);

	/* what is in it, and whose */
	for (int i = 0; i < 4; i++) {
		static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
		snprintf(vpaths[i], sizeof vpaths[i], "%s%s", fort_vault_path(v), sfx[i]);
		excl[i] = vpaths[i];
	}
	so.jobs = 1;
	so.show_values = 1;
	so.inline_ignore = 0;
	so.use_ignore_files = 0;
	so.vault = v;
	so.exclude = excl;
	so.nexclude = 4;
	so.on_finding = q_finding;
	so.on_file = q_file;
	so.ctx = &q;
	if ((r = fort_scan_run(NULL, &path, 1, &so)) != 0) {
		if (r > 0)
			r = fort_error_set(FORT_ERROR, "%s: the scan stopped", path);
		goto out;
	}
	if (q.failed) {
		r = fort_error_set(FORT_EIO, "%s: %s (nothing was changed)", path, q.why);
		goto out;
	}
	/* the gating categories, in the vault's order */
	for (int c = 0; c < CAT_COUNT; c++) {
		int any = 0;
		for (int t = 0; t < FORT_SCAN_NTYPES; t++)
			any |= (q.types & (1u << t)) && strcmp(type_category(t), fort_categories[c]) == 0;
		if (any)
			cats[ncats++] = fort_categories[c];
	}
	if (q.nids && !(cids = fort_calloc(q.nids, sizeof *cids))) {
		r = FORT_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < q.nids; i++) {
		if (!(cids[i] = fort_malloc(FORT_ID_LEN + 1))) {
			r = FORT_ENOMEM;
			goto out;
		}
		client_id_format(cids[i], q.ids[i]);
	}

	if ((fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
		r = fort_error_set(FORT_EIO, "%s: %s (nothing was changed)", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &fs) < 0 || !S_ISREG(fs.st_mode) || !same_file(&fs, &ls)) {
		r = fort_error_set(FORT_EINPUT, "%s changed while it was being quarantined (nothing was changed)", path);
		goto out;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	ao.clients = (const char *const *)cids;
	ao.nclients = q.nids;
	ao.categories = cats;
	ao.ncategories = ncats;
	ao.action = "quarantine";
	snprintf(detail, sizeof detail, "%llu findings; the original is overwritten and removed next",
		 (unsigned long long)q.findings);
	if ((r = attach_add_fd(&att, v, fd, path, &ao, detail)) < 0)
		goto out;
	out->attachment = att;
	out->findings = q.findings;
	out->nclients = q.nids;
	for (size_t i = 0; i < q.nids && i < 16; i++)
		snprintf(out->clients[i], sizeof out->clients[i], "%s", cids[i]);
	{
		size_t k = 0;
		out->categories[0] = '\0';
		for (size_t i = 0; i < ncats; i++)
			k += (size_t)snprintf(out->categories + k, sizeof out->categories - k, "%s%s", k ? "," : "", cats[i]);
		if (!ncats)
			snprintf(out->categories, sizeof out->categories, "notes");
	}

	/* The vault holds it (committed).  Only now the original goes, and only
	 * if it is still what was stored. */
	if (fstat(fd, &after) < 0 || after.st_size != fs.st_size || after.st_mtim.tv_sec != fs.st_mtim.tv_sec ||
	    after.st_mtim.tv_nsec != fs.st_mtim.tv_nsec) {
		r = fort_error_set(FORT_EIO, "%s changed while it was being stored: it is kept, and attachment %lld holds the "
				   "earlier content ('fortress attachment remove %lld' drops it)", path, (long long)att, (long long)att);
		goto failed_after;
	}
	if (overwrite(fd, (uint64_t)fs.st_size) < 0) {
		r = fort_error_set(FORT_EIO, "%s could not be overwritten (%s): it is still there; attachment %lld holds it",
				   path, strerror(errno), (long long)att);
		goto failed_after;
	}
	if (lstat(path, &after) < 0 || !same_file(&after, &fs) || unlink(path) < 0) {
		r = fort_error_set(FORT_EIO, "%s could not be removed (%s); its content was overwritten with zeros and "
				   "attachment %lld holds it", path, strerror(errno), (long long)att);
		goto failed_after;
	}
	{
		/* the directory entry's removal reaches the disk too */
		char dir[PATH_MAX];
		const char *slash = strrchr(path, '/');
		int dfd;
		snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? (slash == path ? "/" : path) : ".");
		if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	out->removed = 1;
	r = 0;
	goto out;
failed_after:
	{
		char msg[400];
		snprintf(msg, sizeof msg, "attachment %lld stored; the original was not removed", (long long)att);
		(void)audit_record(v, "quarantine", "", "", "", "failed", msg);
	}
out:
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; cids && i < q.nids; i++)
		free(cids[i]);
	free(cids);
	free(q.ids);
	return r;
}

/* ---------------------------------------------------------------- redact */

struct span {
	uint64_t off;
	uint32_t len;
};

struct rctx {
	struct span *s;
	size_t n, cap;
	int failed;
	char why[160];
};

static int r_finding(void *ctx, const fort_scan_finding *f)
{
	struct rctx *rc = ctx;
	if (f->logical && f->logical[0])
		return 0;
	if (FORT_ARRAY_GROW(rc->s, rc->n + 1, rc->cap, 64) < 0)
		return FORT_ENOMEM;
	rc->s[rc->n].off = f->offset;
	rc->s[rc->n].len = f->length;
	/* a private key: its whole PEM block, not just the header line */
	if (f->rule && strcmp(f->rule, "secret.private-key") == 0)
		rc->s[rc->n].len = UINT32_MAX;
	rc->n++;
	return 0;
}

static int r_file(void *ctx, const fort_scan_file *f)
{
	struct rctx *rc = ctx;
	if (f->status != FORT_SCAN_FILE_SCANNED) {
		rc->failed = 1;
		snprintf(rc->why, sizeof rc->why, "%s", f->reason ? f->reason : "not scanned");
	}
	return 0;
}

static const char *why_not_redactable(const unsigned char *h, size_t n, const char *path)
{
	size_t pl = strlen(path);
	if (n >= 2 && h[0] == 'P' && h[1] == 'K')
		return "an office document or zip archive cannot be redacted byte by byte: quarantine it instead";
	if (n >= 4 && !memcmp(h, "%PDF", 4))
		return "a PDF cannot be redacted byte by byte: quarantine it instead";
	if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b)
		return "a gzip archive cannot be redacted byte by byte: quarantine it instead";
	if (n >= 2 && ((h[0] == 0xff && h[1] == 0xfe) || (h[0] == 0xfe && h[1] == 0xff)))
		return "UTF-16 text is not redacted (its findings are in decoded text): quarantine it instead";
	if ((pl > 4 && !strcmp(path + pl - 4, ".eml")) || (pl > 5 && !strcmp(path + pl - 5, ".mbox")) ||
	    (n >= 5 && !memcmp(h, "From ", 5)))
		return "mail (MIME, base64, quoted-printable) cannot be redacted byte by byte: quarantine it instead";
	return "an encoded format (mail, archive, document) cannot be redacted byte by byte: quarantine it instead";
}

static int scan_one_file(struct rctx *rc, const char *path, const fort_scan_opts *base)
{
	fort_scan_opts so = base ? *base : (fort_scan_opts)FORT_SCAN_OPTS_INIT;
	int r;
	so.jobs = 1;
	so.show_values = 0;
	so.baseline_filter = base ? base->baseline_filter : 0;
	so.on_finding = r_finding;
	so.on_file = r_file;
	so.on_progress = NULL;
	so.ctx = rc;
	so.containers = 1;
	r = fort_scan_run(NULL, &path, 1, &so);
	if (r > 0)
		r = fort_error_set(FORT_ERROR, "%s: the scan stopped", path);
	return r;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int fort_scan_redact(fort_redact_report *out, const char *path, const char *out_path, const fort_scan_opts *o)
{
	struct rctx rc, again;
	unsigned char head[4096], *buf = NULL;
	struct stat st0, st1;
	int in = -1, fd = -1, r, created = 0;
	size_t hl = 0, si = 0;
	uint64_t pos = 0, mask_to = 0;
	int in_pem = 0, pem_end = 0, em = 0;
	ssize_t n;

	memset(out, 0, sizeof *out);
	memset(&rc, 0, sizeof rc);
	memset(&again, 0, sizeof again);
	if ((in = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return fort_error_set(errno == ENOENT ? FORT_ENOTFOUND : FORT_EIO, "%s: %s", path, strerror(errno));
	if (fstat(in, &st0) < 0 || !S_ISREG(st0.st_mode)) {
		snprintf(out->reason, sizeof out->reason, "not a regular file");
		r = 0;
		goto out;
	}
	fcntl(in, F_SETFL, fcntl(in, F_GETFL) & ~O_NONBLOCK);
	while (hl < sizeof head && (n = read(in, head + hl, sizeof head - hl)) > 0)
		hl += (size_t)n;
	if (hl >= 16 && !memcmp(head, "SQLite format 3", 16)) {
		snprintf(out->reason, sizeof out->reason, "an SQLite database is never opened by the scanner");
		r = 0;
		goto out;
	}
	switch (scan_sniff(path, head, hl)) {
	case SCAN_KIND_TEXT:
		break;
	case SCAN_KIND_BINARY:
		snprintf(out->reason, sizeof out->reason, "a binary file is not scanned, so not redacted");
		r = 0;
		goto out;
	default:
		snprintf(out->reason, sizeof out->reason, "%s", why_not_redactable(head, hl, path));
		r = 0;
		goto out;
	}
	if ((r = scan_one_file(&rc, path, o)) < 0)
		goto out;
	if (rc.failed) {
		r = fort_error_set(FORT_EIO, "%s: %s (no copy written)", path, rc.why);
		goto out;
	}
	if ((fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		r = errno == EEXIST ? fort_error_set(FORT_EEXISTS, "%s already exists: give a new name (nothing was overwritten)", out_path)
				    : fort_error_set(FORT_EIO, "%s: %s", out_path, strerror(errno));
		goto out;
	}
	created = 1;
	if (!(buf = fort_malloc(65536))) {
		r = FORT_ENOMEM;
		goto out;
	}
	if (lseek(in, 0, SEEK_SET) < 0) {
		r = fort_error_set(FORT_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	/* copy, masking the spans: letters, digits and non-ASCII bytes become
	 * '*', separators stay (same length, same lines) */
	for (;;) {
		n = read(in, buf, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = fort_error_set(FORT_EIO, "%s: read error: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++, pos++) {
			static const char endm[] = "-----END";
			unsigned char c = buf[i];
			int m;
			while (si < rc.n && rc.s[si].off <= pos) {
				if (rc.s[si].len == UINT32_MAX)
					in_pem = 1;
				else if (rc.s[si].off + rc.s[si].len > mask_to)
					mask_to = rc.s[si].off + rc.s[si].len;
				si++;
			}
			m = pos < mask_to || in_pem;
			if (in_pem) {
				/* through the end of the "-----END ...-----" line */
				if (c == '\n') {
					if (pem_end)
						in_pem = pem_end = 0;
					em = 0;
				} else if (em >= 0 && em < 8) {
					em = c == (unsigned char)endm[em] ? em + 1 : -1;
					if (em == 8)
						pem_end = 1;
				}
			}
			if (m && (sc_alnum(c) || c >= 0x80 || c == '+' || c == '/' || c == '='))
				buf[i] = '*';
		}
		if (write_all(fd, buf, (size_t)n) < 0) {
			r = fort_error_set(FORT_EIO, "%s: %s", out_path, strerror(errno));
			goto out;
		}
	}
	if (fstat(in, &st1) < 0 || st1.st_size != st0.st_size || st1.st_mtim.tv_sec != st0.st_mtim.tv_sec ||
	    st1.st_mtim.tv_nsec != st0.st_mtim.tv_nsec) {
		r = fort_error_set(FORT_EIO, "%s changed while it was being redacted: run again", path);
		goto out;
	}
	if (fsync(fd) < 0) {
		r = fort_error_set(FORT_EIO, "%s: %s", out_path, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	out->redacted = 1;
	out->masked = rc.n;
	/* does a scan of the copy still find anything? */
	if ((r = scan_one_file(&again, out_path, o)) < 0)
		goto out;
	out->remaining = again.n;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (r < 0 && created)
		unlink(out_path);
	if (in >= 0)
		close(in);
	free(buf);
	free(rc.s);
	free(again.s);
	return r;
}

/* ------------------------------------------------------------ last scan */

/* Through the operation scaffold (vault/op.h): the role check (its
 * refusal audited), the summary built before the transaction, the meta
 * key and its entry in one. */
struct record_ctx {
	const fort_scan_summary *s;
	json_t *j;
	char *text;
};

static int record_check(fort_vault *v, void *ctx)
{
	struct record_ctx *c = ctx;
	const fort_scan_summary *s = c->s;
	json_t *paths;
	(void)v;
	if (!(paths = json_array()))
		return FORT_ENOMEM;
	for (size_t i = 0; i < s->npaths; i++) {
		json_t *e = json_string(s->paths[i]);
		json_array_append_new(paths, e ? e : json_string("(not UTF-8)"));
	}
	c->j = json_pack("{s:I, s:o, s:I, s:I, s:I, s:I}", "ts", (json_int_t)(s->ts ? s->ts : fort_now()), "paths", paths,
			 "files", (json_int_t)s->files, "files_with_findings", (json_int_t)s->files_with_findings, "findings",
			 (json_int_t)s->findings, "known_client_findings", (json_int_t)s->known_client_findings);
	if (!c->j || !(c->text = json_dumps(c->j, JSON_COMPACT)))
		return FORT_ENOMEM;
	return 0;
}

static int record_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct record_ctx *c = ctx;
	const fort_scan_summary *s = c->s;
	snprintf(detail, cap, "%llu files, %llu with findings, %llu findings, %llu of known clients", (unsigned long long)s->files,
		 (unsigned long long)s->files_with_findings, (unsigned long long)s->findings,
		 (unsigned long long)s->known_client_findings);
	return store_meta_put(v->st, "scan.last", c->text, strlen(c->text));
}

int fort_scan_record(fort_vault *v, const fort_scan_summary *s)
{
	static const vault_op op = { "scan", ACT_READ, record_check, record_write };
	struct record_ctx c = { s, NULL, NULL };
	int r = vault_op_run(v, &op, "", &c);
	free(c.text);
	json_decref(c.j);
	return r;
}
