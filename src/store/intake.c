/* intake.c - the SQLite side of write-only intake (issue 18): form
 * definitions and decisions (sealed: seal_table in sqlite.c notes every
 * write, the caller's transaction ends with an audit entry) and the inbox
 * (not sealed: anonymous writers; each row is a sealed box). */
#include "store/sqlite_names.h" /* first: this file's store_X are sqlite_store_X (backends.h) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "store/store.h"
#include "store/sqlite_int.h"

#define N(a) (sizeof (a) / sizeof (a)[0])

/* ------------------------------------------------------------------ forms */

#define FORM_COLS "SELECT id, name, fields, consents, created, created_by FROM intake_forms"

static void form_row(store_intake_form *o, const sq_row *row)
{
	memset(o, 0, sizeof *o);
	o->id = sq_int(row, 0);
	snprintf(o->name, sizeof o->name, "%s", sq_text(row, 1));
	snprintf(o->fields, sizeof o->fields, "%s", sq_text(row, 2));
	snprintf(o->consents, sizeof o->consents, "%s", sq_text(row, 3));
	o->created = sq_int(row, 4);
	snprintf(o->created_by, sizeof o->created_by, "%s", sq_text(row, 5));
}

int store_intake_form_insert(store *s, store_intake_form *f)
{
	sq_arg a[] = { SQ_T(f->name), SQ_T(f->fields), SQ_T(f->consents), SQ_I(f->created), SQ_T(f->created_by) };
	int r = sq_run(s, "storing the intake form",
		       "INSERT INTO intake_forms(name, fields, consents, created, created_by) VALUES(?,?,?,?,?)", a, N(a), NULL, NULL);
	if (r == 0)
		f->id = sq_last_id(s);
	return r;
}

struct one_form { store_intake_form *out; int found; };

static int one_form_cb(void *ctx, const sq_row *row)
{
	struct one_form *o = ctx;
	form_row(o->out, row);
	o->found = 1;
	return 1;
}

int store_intake_form_get(store *s, store_intake_form *out, const char *name)
{
	sq_arg a[] = { SQ_T(name) };
	struct one_form o = { out, 0 };
	int r = sq_run(s, "reading the intake form", FORM_COLS " WHERE name = ?", a, N(a), one_form_cb, &o);
	if (r < 0)
		return r;
	if (!o.found)
		return FORT_ENOTFOUND;
	return store_seal_require_row(s, "intake_forms", out->id);
}

struct each_form { store_intake_form_cb cb; void *ctx; };

static int each_form_cb(void *ctx, const sq_row *row)
{
	struct each_form *e = ctx;
	store_intake_form f;
	form_row(&f, row);
	return e->cb(e->ctx, &f);
}

int store_intake_form_each(store *s, store_intake_form_cb cb, void *ctx)
{
	struct each_form e = { cb, ctx };
	int r;
	/* whole, so a form removed outside Fortress is named, not just missing */
	if ((r = store_seal_require(s, "intake_forms")) < 0)
		return r;
	return sq_run(s, "reading the intake forms", FORM_COLS " ORDER BY name", NULL, 0, each_form_cb, &e);
}

int store_intake_form_delete(store *s, int64_t id)
{
	sq_arg a[] = { SQ_I(id) };
	return sq_run(s, "removing the intake form", "DELETE FROM intake_forms WHERE id = ?", a, N(a), NULL, NULL);
}

/* ------------------------------------------------------------------ inbox */

int store_intake_inbox_add(store *s, store_intake_sub *sub)
{
	sq_arg a[] = { SQ_T(sub->form), SQ_I(sub->received), SQ_B(sub->box, sub->box_len) };
	int r = sq_run(s, "storing the submission", "INSERT INTO intake_inbox(form, received, box) VALUES(?,?,?)", a, N(a), NULL,
		       NULL);
	if (r == 0)
		sub->id = sq_last_id(s);
	return r;
}

struct each_sub { store_intake_sub_cb cb; void *ctx; };

static int each_sub_cb(void *ctx, const sq_row *row)
{
	struct each_sub *e = ctx;
	store_intake_sub sub;
	memset(&sub, 0, sizeof sub);
	sub.id = sq_int(row, 0);
	sub.form = sq_text(row, 1);
	sub.received = sq_int(row, 2);
	sub.box = sq_blob(row, 3, &sub.box_len);
	return e->cb(e->ctx, &sub);
}

int store_intake_inbox_each(store *s, const char *form, store_intake_sub_cb cb, void *ctx)
{
	struct each_sub e = { cb, ctx };
	sq_arg a[] = { SQ_T(form) };
	if (form)
		return sq_run(s, "reading the intake inbox", "SELECT id, form, received, box FROM intake_inbox WHERE form = ? ORDER BY id",
			      a, N(a), each_sub_cb, &e);
	return sq_run(s, "reading the intake inbox", "SELECT id, form, received, box FROM intake_inbox ORDER BY id", NULL, 0,
		      each_sub_cb, &e);
}

struct one_sub { char *form; int64_t *received; unsigned char **box; size_t *len; int found, r; };

static int one_sub_cb(void *ctx, const sq_row *row)
{
	struct one_sub *o = ctx;
	size_t n = 0;
	const void *b = sq_blob(row, 2, &n);
	o->found = 1;
	snprintf(o->form, 48, "%s", sq_text(row, 0));
	*o->received = sq_int(row, 1);
	if (!(*o->box = fort_malloc(n ? n : 1))) {
		o->r = FORT_ENOMEM;
		return 1;
	}
	if (n)
		memcpy(*o->box, b, n);
	*o->len = n;
	return 1;
}

int store_intake_inbox_get(store *s, int64_t id, char form[48], int64_t *received, unsigned char **box, size_t *len)
{
	sq_arg a[] = { SQ_I(id) };
	struct one_sub o = { form, received, box, len, 0, 0 };
	int r;
	*box = NULL;
	*len = 0;
	form[0] = '\0';
	r = sq_run(s, "reading the submission", "SELECT form, received, box FROM intake_inbox WHERE id = ?", a, N(a), one_sub_cb, &o);
	if (r < 0)
		return r;
	if (o.r < 0)
		return o.r;
	return o.found ? 0 : FORT_ENOTFOUND;
}

int store_intake_inbox_delete(store *s, int64_t id)
{
	sq_arg a[] = { SQ_I(id) };
	return sq_run(s, "removing the submission", "DELETE FROM intake_inbox WHERE id = ?", a, N(a), NULL, NULL);
}

int store_intake_inbox_rebox(store *s, int64_t id, const unsigned char *box, size_t len)
{
	sq_arg a[] = { SQ_B(box, len), SQ_I(id) };
	int r = sq_run(s, "re-sealing the submission", "UPDATE intake_inbox SET box = ? WHERE id = ?", a, N(a), NULL, NULL);
	if (r == 0 && sq_changes(s) == 0)
		return FORT_ENOTFOUND;
	return r;
}

static int count_cb(void *ctx, const sq_row *row)
{
	*(uint64_t *)ctx = (uint64_t)sq_int(row, 0);
	return 0;
}

int store_intake_inbox_count(store *s, const char *form, uint64_t *n)
{
	sq_arg a[] = { SQ_T(form) };
	*n = 0;
	if (form)
		return sq_run(s, "counting submissions", "SELECT count(*) FROM intake_inbox WHERE form = ?", a, N(a), count_cb, n);
	return sq_run(s, "counting submissions", "SELECT count(*) FROM intake_inbox", NULL, 0, count_cb, n);
}

/* -------------------------------------------------------------- decisions */

int store_intake_decision_add(store *s, int64_t id, const char *form, const char *decision, const char *client, int64_t ts,
			      const char *actor)
{
	sq_arg a[] = { SQ_I(id), SQ_T(form), SQ_T(decision), SQ_T(client), SQ_I(ts), SQ_T(actor) };
	return sq_run(s, "recording the decision",
		      "INSERT INTO intake_decisions(id, form, decision, client, ts, actor) VALUES(?,?,?,?,?,?)", a, N(a), NULL, NULL);
}

struct one_dec { char *decision, *client; int found; };

static int one_dec_cb(void *ctx, const sq_row *row)
{
	struct one_dec *o = ctx;
	snprintf(o->decision, 16, "%s", sq_text(row, 0));
	snprintf(o->client, 32, "%s", sq_text(row, 1));
	o->found = 1;
	return 1;
}

int store_intake_decision_get(store *s, int64_t id, char decision[16], char client[32])
{
	sq_arg a[] = { SQ_I(id) };
	struct one_dec o = { decision, client, 0 };
	int r;
	decision[0] = client[0] = '\0';
	/* whole: a decision removed outside Fortress would let its
	 * submission, put back, be decided twice */
	if ((r = store_seal_require(s, "intake_decisions")) < 0)
		return r;
	if ((r = sq_run(s, "reading the decision", "SELECT decision, client FROM intake_decisions WHERE id = ?", a, N(a), one_dec_cb,
			&o)) < 0)
		return r;
	return o.found;
}
