/* dl.h - a shared library loaded with dlopen() the first time it is needed.
 *
 * Every library linked into `fortress` is mapped and relocated when the
 * process starts, before main: most of Debian's are built with BIND_NOW, so
 * each of their symbol bindings is looked up then, in a search scope that
 * grows with every library.  A library only some commands use (the
 * PostgreSQL client, the HTTP server, PDF output...) is therefore loaded
 * here instead, by the code that calls it, the first time it does: a scan
 * of plain files or a SQLite command never pays for it.
 *
 * The user lists the functions it calls in a struct of typed pointers, a
 * table of fort_dl_sym naming each pointer, and one fort_dl:
 *
 *	static struct { __typeof__(PQexec) *PQexec; ... } pq;
 *	static const fort_dl_sym pq_syms[] = { { "PQexec", (void **)&pq.PQexec }, ... };
 *	static fort_dl pq_dl = FORT_DL_INIT("libpq.so.5", "libpq5", pq_syms);
 *
 * then calls fort_dl_need(&pq_dl) before its first call through them.  The
 * library is opened RTLD_NOW | RTLD_LOCAL and never closed (libraries keep
 * global state: OpenSSL, GLib's type system); a missing library or function
 * is an error that names the package to install. */
#ifndef FORT_DL_H
#define FORT_DL_H

#include <stddef.h>

typedef struct {
	const char *name; /* the symbol */
	void **slot;      /* where its address goes */
} fort_dl_sym;

typedef struct {
	const char *soname;      /* "libpq.so.5" */
	const char *package;     /* the Debian package that installs it, for the message */
	const fort_dl_sym *syms;
	size_t nsyms;
	int state;               /* 0 not tried yet, 1 loaded, -1 failed (why says why) */
	char why[256];
} fort_dl;

#define FORT_DL_INIT(soname, package, syms) { (soname), (package), (syms), sizeof(syms) / sizeof((syms)[0]), 0, "" }

/* Load D's library and look up each of its symbols, once per process (any
 * thread; the others wait for the first).  0 when every pointer is set;
 * FORT_ERROR naming the library and the package to install, otherwise
 * (and every later call answers the same). */
int fort_dl_need(fort_dl *d);

#endif
