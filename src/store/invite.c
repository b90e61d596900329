/* invite.c - the SQLite side of invitations to join (issue 17): one sealed
 * row per invitation (seal_table in sqlite.c notes every write; the
 * caller's transaction ends with an audit entry), and the unsealed joins
 * the invitees write (sqlite.c's migration 18 says why). */
#include "store/sqlite_names.h" /* first: this file's store_X are sqlite_store_X (backends.h) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "store/store.h"
#include "store/sqlite_int.h"

#define N(a) (sizeof (a) / sizeof (a)[0])
#define INVITE_COLS "SELECT id, name, role, creator, created, expires, revoked, used, user_id, verifier FROM invitations"

static void invite_row(store_invite *o, const sq_row *row)
{
	const void *b;
	size_t n = 0;
	memset(o, 0, sizeof *o);
	o->id = sq_int(row, 0);
	snprintf(o->name, sizeof o->name, "%s", sq_text(row, 1));
	snprintf(o->role, sizeof o->role, "%s", sq_text(row, 2));
	snprintf(o->creator, sizeof o->creator, "%s", sq_text(row, 3));
	o->created = sq_int(row, 4);
	o->expires = sq_int(row, 5);
	o->revoked = sq_int(row, 6);
	o->used = sq_int(row, 7);
	o->user_id = sq_int(row, 8);
	b = sq_blob(row, 9, &n);
	if (n == sizeof o->verifier)
		memcpy(o->verifier, b, n);
}

int store_invite_insert(store *s, store_invite *t)
{
	sq_arg a[] = { SQ_T(t->name), SQ_T(t->role), SQ_T(t->creator), SQ_I(t->created), SQ_I(t->expires), SQ_I(t->revoked),
		       SQ_I(t->used), SQ_I(t->user_id), SQ_B(t->verifier, sizeof t->verifier) };
	int r = sq_run(s, "storing the invitation",
		       "INSERT INTO invitations(name, role, creator, created, expires, revoked, used, user_id, verifier)"
		       " VALUES(?,?,?,?,?,?,?,?,?)", a, N(a), NULL, NULL);
	if (r == 0)
		t->id = sq_last_id(s);
	return r;
}

struct one_invite { store_invite *out; int found; };

static int one_invite_cb(void *ctx, const sq_row *row)
{
	struct one_invite *o = ctx;
	invite_row(o->out, row);
	o->found = 1;
	return 1;
}

int store_invite_get(store *s, store_invite *out, int64_t id)
{
	sq_arg a[] = { SQ_I(id) };
	struct one_invite o = { out, 0 };
	int r;
	memset(out, 0, sizeof *out);
	if ((r = sq_run(s, "reading the invitation", INVITE_COLS " WHERE id = ?", a, N(a), one_invite_cb, &o)) < 0)
		return r;
	if (!o.found)
		return FORT_ENOTFOUND;
	/* against its seal: a role widened, an expiry pushed back, a
	 * revocation or use undone outside Fortress is tampering */
	return store_seal_require_row(s, "invitations", out->id);
}

struct each_invite { store_invite_cb cb; void *ctx; };

static int each_invite_cb(void *ctx, const sq_row *row)
{
	struct each_invite *e = ctx;
	store_invite t;
	invite_row(&t, row);
	return e->cb(e->ctx, &t);
}

int store_invite_each(store *s, store_invite_cb cb, void *ctx)
{
	struct each_invite e = { cb, ctx };
	int r;
	if ((r = store_seal_require(s, "invitations")) < 0)
		return r;
	return sq_run(s, "reading the invitations", INVITE_COLS " ORDER BY id", NULL, 0, each_invite_cb, &e);
}

int store_invite_set(store *s, int64_t id, int64_t revoked, int64_t used, int64_t user_id)
{
	sq_arg a[] = { SQ_I(revoked), SQ_I(used), SQ_I(user_id), SQ_I(id) };
	return sq_run(s, "changing the invitation", "UPDATE invitations SET revoked = ?, used = ?, user_id = ? WHERE id = ?", a,
		      N(a), NULL, NULL);
}

int store_join_put(store *s, int64_t invite, int64_t user_id, const unsigned char *totp, size_t len, int64_t when)
{
	sq_arg a[] = { SQ_I(invite), SQ_I(user_id), SQ_B(totp, len), SQ_I(when) };
	return sq_run(s, "recording the join", "INSERT INTO invite_joins(invite, user_id, totp, created) VALUES(?,?,?,?)", a,
		      N(a), NULL, NULL);
}

struct one_join { int64_t invite, user; unsigned char **totp; size_t *len; int found, err; };

static int one_join_cb(void *ctx, const sq_row *row)
{
	struct one_join *o = ctx;
	o->invite = sq_int(row, 0);
	o->user = sq_int(row, 1);
	o->found = 1;
	if (o->totp) {
		size_t n = 0;
		const void *b = sq_blob(row, 2, &n);
		if (!(*o->totp = fort_malloc(n ? n : 1))) {
			o->err = FORT_ENOMEM;
			return 1;
		}
		memcpy(*o->totp, b, n);
		*o->len = n;
	}
	return 1;
}

int store_join_get(store *s, int64_t invite, int64_t user_id, int64_t *invite_out, int64_t *user_out, unsigned char **totp,
		   size_t *len)
{
	sq_arg a[] = { SQ_I(invite ? invite : user_id) };
	struct one_join o = { 0, 0, totp, len, 0, 0 };
	int r;
	if (totp)
		*totp = NULL;
	r = sq_run(s, "reading the join", invite ? "SELECT invite, user_id, totp FROM invite_joins WHERE invite = ?"
						 : "SELECT invite, user_id, totp FROM invite_joins WHERE user_id = ?",
		   a, N(a), one_join_cb, &o);
	if (r < 0)
		return r;
	if (o.err)
		return fort_error_set(o.err, "out of memory reading the join");
	if (!o.found)
		return FORT_ENOTFOUND;
	if (invite_out)
		*invite_out = o.invite;
	if (user_out)
		*user_out = o.user;
	return 0;
}

int store_join_delete(store *s, int64_t invite)
{
	sq_arg a[] = { SQ_I(invite) };
	return sq_run(s, "removing the join", "DELETE FROM invite_joins WHERE invite = ?", a, N(a), NULL, NULL);
}
