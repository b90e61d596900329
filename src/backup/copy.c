/* copy.c - `fortress store copy` (issue 19): a vault moved between
 * backends (a SQLite file, a PostgreSQL database) as it is stored, then
 * checked (fortress.h, fort_store_copy). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "fortress.h"
#include "util.h"
#include "store/store.h"

/* A table's rows as a multiset: their count and the sum (mod 2^256) of
 * each row's BLAKE2b over its columns (name, type, value), the "rowid"
 * column aside (a backend keeps it or not; where it matters, the seals and
 * the audit chain check it). */
struct tsum {
	char name[48];
	uint64_t rows;
	unsigned char sum[32];
};

struct sums {
	struct tsum *t;
	size_t n, cap;
	int overflow;
};

static struct tsum *sum_table(struct sums *s, const char *name)
{
	if (s->n && strcmp(s->t[s->n - 1].name, name) == 0)
		return &s->t[s->n - 1];
	if (strlen(name) >= sizeof s->t[0].name) {
		s->overflow = 1;
		return NULL;
	}
	if (FORT_ARRAY_GROW(s->t, s->n + 1, s->cap, 32) < 0)
		return NULL;
	memset(&s->t[s->n], 0, sizeof s->t[s->n]);
	snprintf(s->t[s->n].name, sizeof s->t[s->n].name, "%s", name);
	return &s->t[s->n++];
}

static int sum_row(struct sums *s, const char *table, size_t ncols, const char *const *cols, const store_value *vals)
{
	crypto_generichash_state hs;
	unsigned char h[32];
	unsigned carry = 0;
	struct tsum *t = sum_table(s, table);
	if (!t)
		return s->overflow ? fort_error_set(FORT_EINPUT, "table %s: the name is too long", table)
				   : fort_error_set(FORT_ENOMEM, "out of memory");
	crypto_generichash_init(&hs, NULL, 0, 32);
	for (size_t i = 0; i < ncols; i++) {
		unsigned char b[9];
		uint64_t x;
		if (strcmp(cols[i], "rowid") == 0)
			continue;
		crypto_generichash_update(&hs, (const unsigned char *)cols[i], strlen(cols[i]) + 1);
		b[0] = (unsigned char)vals[i].type;
		x = vals[i].type == STORE_V_INT ? (uint64_t)vals[i].i : (uint64_t)vals[i].len;
		for (int k = 0; k < 8; k++)
			b[1 + k] = (unsigned char)(x >> (56 - 8 * k));
		crypto_generichash_update(&hs, b, sizeof b);
		if (vals[i].type == STORE_V_TEXT || vals[i].type == STORE_V_BLOB)
			crypto_generichash_update(&hs, vals[i].p, vals[i].len);
	}
	crypto_generichash_final(&hs, h, sizeof h);
	for (int k = 0; k < 32; k++) {
		carry += (unsigned)t->sum[k] + h[k];
		t->sum[k] = (unsigned char)carry;
		carry >>= 8;
	}
	t->rows++;
	return 0;
}

struct copy_ctx {
	store *dst;
	struct sums src;
};

static int copy_row(void *p, const char *table, size_t ncols, const char *const *cols, const store_value *vals)
{
	struct copy_ctx *c = p;
	int r;
	if ((r = sum_row(&c->src, table, ncols, cols, vals)) < 0)
		return r;
	return store_raw_put(c->dst, table, ncols, cols, vals);
}

static int sum_cb(void *p, const char *table, size_t ncols, const char *const *cols, const store_value *vals)
{
	return sum_row(p, table, ncols, cols, vals);
}

static void remove_file(const char *path)
{
	static const char *const ext[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
		char p[4096];
		if ((size_t)snprintf(p, sizeof p, "%s%s", path, ext[i]) < sizeof p)
			(void)unlink(p);
	}
}

static int verify(const char *path, fort_audit_report *rep)
{
	fort_vault *v = NULL;
	int r;
	memset(rep, 0, sizeof *rep);
	if ((r = fort_vault_open(&v, path, NULL, NULL)) < 0)
		return r;
	r = fort_audit_verify(rep, v, NULL);
	fort_vault_close(v);
	return r;
}

/* store_raw_each's order of tables: users first, then by name. */
static int table_cmp(const char *a, const char *b)
{
	int ua = strcmp(a, "users") != 0, ub = strcmp(b, "users") != 0;
	return ua != ub ? ua - ub : strcmp(a, b);
}

/* Compare the copy's tables with the source's into OUT. */
static void compare(fort_store_copy_report *out, const struct sums *a, const struct sums *b)
{
	size_t i = 0, j = 0;
	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 : table_cmp(a->t[i].name, b->t[j].name);
		const struct tsum *x = c <= 0 ? &a->t[i] : NULL, *y = c >= 0 ? &b->t[j] : NULL;
		/* a table empty on one side is listed by neither when both are empty */
		if (out->ntables < sizeof out->tables / sizeof *out->tables) {
			fort_store_copy_table *t = &out->tables[out->ntables++];
			snprintf(t->name, sizeof t->name, "%s", (x ? x : y)->name);
			t->rows = y ? y->rows : 0;
			t->same = x && y && x->rows == y->rows && sodium_memcmp(x->sum, y->sum, 32) == 0;
			if (!t->same && out->ok) {
				out->ok = 0;
				snprintf(out->problem, sizeof out->problem,
					 "table %s: %llu rows in the source, %llu in the copy%s", t->name,
					 (unsigned long long)(x ? x->rows : 0), (unsigned long long)(y ? y->rows : 0),
					 x && y && x->rows == y->rows ? ", and their contents differ" : "");
			}
		}
		if (y) {
			out->rows += y->rows;
			if (strcmp(y->name, "clients") == 0)
				out->clients = y->rows;
			if (strcmp(y->name, "seal_log") == 0)
				out->seals = y->rows;
		}
		i += c <= 0;
		j += c >= 0;
	}
}

int fort_store_copy(fort_store_copy_report *out, const char *from, const char *to)
{
	fort_audit_report before, after;
	struct copy_ctx c;
	struct sums back;
	store *src = NULL;
	int r, to_pg, created = 0;

	if (!out || !from || !to)
		return fort_error_set(FORT_EINPUT, "store copy: a source and a destination are needed");
	memset(out, 0, sizeof *out);
	memset(&c, 0, sizeof c);
	memset(&back, 0, sizeof back);
	to_pg = store_path_is_pg(to);
	if (!to_pg && access(to, F_OK) == 0)
		return fort_error_set(FORT_EEXISTS, "%s exists: store copy writes a new vault only", to);

	/* the source must verify before anything is written */
	if ((r = verify(from, &before)) < 0)
		return r;
	if (!before.ok)
		return fort_error_set(FORT_ETAMPER, "the source's audit log does not verify (%s): nothing was copied", before.problem);

	if ((r = store_open(&src, from, 0)) < 0)
		return r;
	if ((r = store_open(&c.dst, to, 1)) < 0) {
		store_close(src);
		return r;
	}
	created = 1;
	if ((r = store_begin(src)) == 0) {
		if ((r = store_begin(c.dst)) == 0) {
			r = store_raw_each(src, copy_row, &c);
			if (r == 0)
				r = store_raw_done(c.dst);
			else
				(void)store_raw_done(c.dst);
			if (r == 0)
				r = store_commit(c.dst);
			else
				store_rollback(c.dst);
		}
		store_rollback(src); /* a read: nothing to keep */
	}
	store_close(src);
	store_close(c.dst);
	c.dst = NULL;
	if (r < 0)
		goto fail;

	/* read the copy back through a handle of its own */
	{
		store *d = NULL;
		if ((r = store_open(&d, to, 0)) < 0)
			goto fail;
		if ((r = store_begin(d)) == 0) {
			r = store_raw_each(d, sum_cb, &back);
			store_rollback(d);
		}
		store_close(d);
		if (r < 0)
			goto fail;
	}
	out->ok = 1;
	compare(out, &c.src, &back);
	if ((r = verify(to, &after)) < 0)
		goto fail;
	out->audit_entries = after.entries;
	out->audit_head_seq = after.head_seq;
	snprintf(out->audit_head, sizeof out->audit_head, "%s", after.head);
	if (out->ok && !after.ok) {
		out->ok = 0;
		snprintf(out->problem, sizeof out->problem, "the copy's audit log does not verify: %.460s", after.problem);
	}
	if (out->ok && (after.head_seq != before.head_seq || strcmp(after.head, before.head) != 0 || after.entries != before.entries)) {
		out->ok = 0;
		snprintf(out->problem, sizeof out->problem, "the copy's audit head %lld:%s is not the source's %lld:%s",
			 (long long)after.head_seq, after.head, (long long)before.head_seq, before.head);
	}
	free(c.src.t);
	free(back.t);
	if (!out->ok) {
		if (!to_pg)
			remove_file(to);
		return fort_error_set(FORT_ETAMPER, "the copy did not verify: %s; %s", out->problem,
				      to_pg ? "it is left in the database for inspection: drop its tables before copying again"
					    : "the copy was removed");
	}
	return 0;

fail:
	free(c.src.t);
	free(back.t);
	if (created && !to_pg && r != FORT_EEXISTS)
		remove_file(to);
	return r;
}
