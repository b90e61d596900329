/* tokens.c - the SQLite side of tokens for programs (issue 17 item 3):
 * one sealed row per token (seal_table in sqlite.c notes every write; the
 * caller's transaction ends with an audit entry).  No secret reaches the
 * table: a verifier derived from the token secret and the token's secret
 * keys sealed under another key derived from it (src/keys/token.c). */
#include "store/sqlite_names.h" /* first: this file's store_X are sqlite_store_X (backends.h) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "store/store.h"
#include "store/sqlite_int.h"

#define N(a) (sizeof (a) / sizeof (a)[0])
#define TOKEN_COLS "SELECT id, name, user_id, role, purposes, creator, created, expires, revoked, verifier, sealed FROM tokens"

static int token_row(store_token *o, const sq_row *row)
{
	const void *b;
	size_t n = 0;
	memset(o, 0, sizeof *o);
	o->id = sq_int(row, 0);
	snprintf(o->name, sizeof o->name, "%s", sq_text(row, 1));
	o->user_id = sq_int(row, 2);
	snprintf(o->role, sizeof o->role, "%s", sq_text(row, 3));
	snprintf(o->purposes, sizeof o->purposes, "%s", sq_text(row, 4));
	snprintf(o->creator, sizeof o->creator, "%s", sq_text(row, 5));
	o->created = sq_int(row, 6);
	o->expires = sq_int(row, 7);
	o->revoked = sq_int(row, 8);
	b = sq_blob(row, 9, &n);
	if (n == sizeof o->verifier)
		memcpy(o->verifier, b, n);
	b = sq_blob(row, 10, &n);
	if (n <= sizeof o->sealed) {
		memcpy(o->sealed, b, n);
		o->sealed_len = n;
	}
	return 0;
}

int store_token_insert(store *s, store_token *t)
{
	sq_arg a[] = { SQ_T(t->name), SQ_I(t->user_id), SQ_T(t->role), SQ_T(t->purposes), SQ_T(t->creator), SQ_I(t->created),
		       SQ_I(t->expires), SQ_I(t->revoked), SQ_B(t->verifier, sizeof t->verifier), SQ_B(t->sealed, t->sealed_len) };
	int r = sq_run(s, "storing the token",
		       "INSERT INTO tokens(name, user_id, role, purposes, creator, created, expires, revoked, verifier, sealed)"
		       " VALUES(?,?,?,?,?,?,?,?,?,?)", a, N(a), NULL, NULL);
	if (r == 0)
		t->id = sq_last_id(s);
	return r;
}

struct one_token { store_token *out; int found; };

static int one_token_cb(void *ctx, const sq_row *row)
{
	struct one_token *o = ctx;
	token_row(o->out, row);
	o->found = 1;
	return 1;
}

int store_token_get(store *s, store_token *out, const char *name, int64_t id)
{
	sq_arg a[] = { name ? SQ_T(name) : SQ_I(id) };
	struct one_token o = { out, 0 };
	int r = sq_run(s, "reading the token", name ? TOKEN_COLS " WHERE name = ?" : TOKEN_COLS " WHERE id = ?", a, N(a),
		       one_token_cb, &o);
	if (r < 0)
		return r;
	if (!o.found)
		return FORT_ENOTFOUND;
	/* against its seal: an expiry pushed back, a revocation undone, a
	 * role or purpose widened outside Fortress is tampering */
	return store_seal_require_row(s, "tokens", out->id);
}

struct each_token { store_token_cb cb; void *ctx; };

static int each_token_cb(void *ctx, const sq_row *row)
{
	struct each_token *e = ctx;
	store_token t;
	token_row(&t, row);
	return e->cb(e->ctx, &t);
}

int store_token_each(store *s, store_token_cb cb, void *ctx)
{
	struct each_token e = { cb, ctx };
	int r;
	/* whole, so a token removed outside Fortress is named, not just missing */
	if ((r = store_seal_require(s, "tokens")) < 0)
		return r;
	return sq_run(s, "reading the tokens", TOKEN_COLS " ORDER BY name", NULL, 0, each_token_cb, &e);
}

int store_token_revoke(store *s, int64_t id, int64_t when)
{
	sq_arg a[] = { SQ_I(when), SQ_I(id) };
	return sq_run(s, "revoking the token", "UPDATE tokens SET revoked = ? WHERE id = ?", a, N(a), NULL, NULL);
}
