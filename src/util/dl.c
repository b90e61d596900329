/* dl.c - libraries loaded the first time they are needed (dl.h). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include "util.h"
#include "util/dl.h"

/* one lock for every library: each is loaded once per process */
static pthread_mutex_t dl_lock = PTHREAD_MUTEX_INITIALIZER;

static int load(fort_dl *d)
{
	void *h = dlopen(d->soname, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	if (!h) {
		snprintf(d->why, sizeof(d->why), "%s cannot be loaded: install the %s package", d->soname, d->package);
		return -1;
	}
	for (i = 0; i < d->nsyms; i++) {
		if (!(*d->syms[i].slot = dlsym(h, d->syms[i].name))) {
			snprintf(d->why, sizeof(d->why), "%s lacks %s, which Fortress calls: install a current %s package",
				 d->soname, d->syms[i].name, d->package);
			return -1;
		}
	}
	return 1;
}

int fort_dl_need(fort_dl *d)
{
	int st = __atomic_load_n(&d->state, __ATOMIC_ACQUIRE);

	if (!st) {
		pthread_mutex_lock(&dl_lock);
		if (!(st = d->state)) {
			st = load(d);
			__atomic_store_n(&d->state, st, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&dl_lock);
	}
	return st > 0 ? 0 : fort_error_set(FORT_ERROR, "%s", d->why);
}
