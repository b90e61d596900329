/* read_pdf.c - the text layer of a PDF, through poppler.
 *
 * One logical document per PDF (logical "" for the file itself), pages in
 * order, a line holding only a form feed between two pages.  Pages that are
 * images (scans) have no text layer: there is no OCR, and a PDF without
 * any text is reported as skipped so the user knows it was not read.
 *
 * poppler needs the whole file: a PDF on disk is opened from its file
 * descriptor; one inside a zip or a mail is read into memory up to
 * RD_MAX_INMEM (never written to disk), larger ones are skipped.
 *
 * Poppler calls are serialised with one lock: its global state (fonts,
 * caches) has a history of thread-safety bugs, and PDFs are few next to
 * text files.  The sink is called outside the lock.
 *
 * libpoppler-glib is loaded with dlopen() the first time a PDF is read,
 * not linked: with its dependencies (libstdc++, cairo, pixman, NSS, fonts)
 * it is some 5 MiB of resident memory and dozens of libraries that every
 * `fortress` command would otherwise map and relocate at start, for a
 * format most runs never meet.  Without it, PDFs are reported as skipped. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <poppler.h>
#include "rd.h"

static pthread_mutex_t poppler_lock = PTHREAD_MUTEX_INITIALIZER;

#define POPPLER_SONAME "libpoppler-glib.so.8"

static struct {
	PopplerDocument *(*new_from_fd)(int, const char *, GError **);
	PopplerDocument *(*new_from_bytes)(GBytes *, const char *, GError **);
	int (*n_pages)(PopplerDocument *);
	PopplerPage *(*get_page)(PopplerDocument *, int);
	char *(*page_text)(PopplerPage *);
	GQuark (*error_quark)(void);
	/* GLib's, through poppler's handle (its dependency): not linked either */
	__typeof__(g_bytes_new_static) *bytes_new_static;
	__typeof__(g_bytes_unref) *bytes_unref;
	__typeof__(g_error_free) *error_free;
	__typeof__(g_free) *free;
	__typeof__(g_object_unref) *object_unref;
	int ok;
} pp;
#define g_bytes_new_static (*pp.bytes_new_static)
#define g_bytes_unref (*pp.bytes_unref)
#define g_error_free (*pp.error_free)
#define g_free (*pp.free)
#define g_object_unref (*pp.object_unref)
static pthread_once_t pp_once = PTHREAD_ONCE_INIT;

static void pp_load(void)
{
	void *h = dlopen(POPPLER_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return;
	/* never closed: poppler keeps global state for the life of the process */
	*(void **)&pp.new_from_fd = dlsym(h, "poppler_document_new_from_fd");
	*(void **)&pp.new_from_bytes = dlsym(h, "poppler_document_new_from_bytes");
	*(void **)&pp.n_pages = dlsym(h, "poppler_document_get_n_pages");
	*(void **)&pp.get_page = dlsym(h, "poppler_document_get_page");
	*(void **)&pp.page_text = dlsym(h, "poppler_page_get_text");
	*(void **)&pp.error_quark = dlsym(h, "poppler_error_quark");
	*(void **)&pp.bytes_new_static = dlsym(h, "g_bytes_new_static");
	*(void **)&pp.bytes_unref = dlsym(h, "g_bytes_unref");
	*(void **)&pp.error_free = dlsym(h, "g_error_free");
	*(void **)&pp.free = dlsym(h, "g_free");
	*(void **)&pp.object_unref = dlsym(h, "g_object_unref");
	pp.ok = pp.new_from_fd && pp.new_from_bytes && pp.n_pages && pp.get_page && pp.page_text && pp.error_quark &&
		pp.bytes_new_static && pp.bytes_unref && pp.error_free && pp.free && pp.object_unref;
}

static int only_space(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\n' && *s != '\r' && *s != '\t' && *s != '\f')
			return 0;
	return 1;
}

int rd_pdf(rd *r, rd_src *s, unsigned depth)
{
	PopplerDocument *doc = NULL;
	GError *err = NULL;
	GBytes *bytes = NULL;
	fort_buf b;
	int rc = 0, n, any_text = 0, begun = 0;

	(void)depth;
	pthread_once(&pp_once, pp_load);
	if (!pp.ok) {
		rd_skipped(r, "PDF not read: %s is not installed (Debian: libpoppler-glib8)", POPPLER_SONAME);
		return 0;
	}
	fort_buf_init(&b, RD_MAX_INMEM + 1);
	b.secret = 1;
	if (s->fd >= 0 && s->headpos == 0) {
		int fd = dup(s->fd);
		if (fd < 0)
			return fort_error_set(FORT_EIO, "%s: cannot read: %s", r->path, strerror(errno));
		pthread_mutex_lock(&poppler_lock);
		doc = pp.new_from_fd(fd, NULL, &err);     /* owns fd */
		pthread_mutex_unlock(&poppler_lock);
	} else {
		int too_large;
		if ((rc = rd_src_slurp(s, &b, RD_MAX_INMEM, &too_large)) < 0)
			goto out;
		if (too_large) {
			rd_skipped(r, "too large: a PDF inside another container is read whole, up to %zu MiB",
				   RD_MAX_INMEM >> 20);
			goto out;
		}
		bytes = g_bytes_new_static(b.buf, b.len);
		pthread_mutex_lock(&poppler_lock);
		doc = pp.new_from_bytes(bytes, NULL, &err);
		pthread_mutex_unlock(&poppler_lock);
	}
	if (!doc) {
		if (err && err->domain == pp.error_quark() && err->code == POPPLER_ERROR_ENCRYPTED)
			rd_skipped(r, "encrypted PDF (password-protected): not read");
		else
			rd_skipped(r, "damaged PDF: %s", err && err->message ? err->message : "cannot be opened");
		goto out;
	}

	pthread_mutex_lock(&poppler_lock);
	n = pp.n_pages(doc);
	pthread_mutex_unlock(&poppler_lock);
	if ((rc = rd_begin(r)) < 0)
		goto out;
	begun = 1;
	for (int i = 0; i < n && rc >= 0; i++) {
		PopplerPage *page;
		char *text = NULL;
		pthread_mutex_lock(&poppler_lock);
		if ((page = pp.get_page(doc, i)) != NULL) {
			text = pp.page_text(page);
			g_object_unref(page);
		}
		pthread_mutex_unlock(&poppler_lock);
		if (i > 0)
			rc = rd_text(r, "\n\f\n", 3);
		if (text && rc >= 0) {
			any_text |= !only_space(text);
			rc = rd_text(r, text, strlen(text));
		}
		g_free(text);
	}
	rc = rd_finish(r, rc);
	begun = 0;
	if (rc >= 0 && !any_text)
		rd_skipped(r, "no text layer (scanned pages are not read: no OCR)");
out:
	if (begun)
		rc = rd_finish(r, rc);
	if (doc) {
		pthread_mutex_lock(&poppler_lock);
		g_object_unref(doc);
		pthread_mutex_unlock(&poppler_lock);
	}
	if (bytes)
		g_bytes_unref(bytes);
	if (err)
		g_error_free(err);
	fort_buf_release(&b);
	return rc;
}
