/* ledger.c - the SQLite side of the incident register (incidents, their
 * notes, scopes and follow-up actions) and of the exports record, plus the
 * small questions other areas ask of the holds, the field-erasure ledger
 * and the audit log.  Every table here is sealed (seal_table in sqlite.c):
 * the update hook notes each write, and the caller's transaction ends with
 * an audit entry. */
#include "store/sqlite_names.h" /* first: this file's store_X are sqlite_store_X (backends.h) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "store/store.h"
#include "store/sqlite_int.h"

#define N(a) (sizeof (a) / sizeof (a)[0])

static const char *nz(const char *p) { return p ? p : ""; }

/* --------------------------------------------------------------- incidents */

#define INCIDENT_COLS \
	"SELECT id, title, kind, occurred, aware, state, likelihood, severity, encrypted, key_compromised, hipaa, contact," \
	" decision, decided_by, decided_at, closed, opened_by, created, updated," \
	" (SELECT count(*) FROM incident_notes n WHERE n.incident = i.id AND n.kind = 'timeline')," \
	" (SELECT count(*) FROM incident_notes n WHERE n.incident = i.id AND n.kind = 'fact')," \
	" (SELECT count(*) FROM incident_notes n WHERE n.incident = i.id AND n.kind = 'effect')," \
	" (SELECT count(*) FROM incident_notes n WHERE n.incident = i.id AND n.kind = 'remedy')" \
	" FROM incidents i"

static void incident_row(store_incident *o, const sq_row *row)
{
	memset(o, 0, sizeof *o);
	o->id = sq_int(row, 0);
	snprintf(o->title, sizeof o->title, "%s", sq_text(row, 1));
	snprintf(o->kind, sizeof o->kind, "%s", sq_text(row, 2));
	o->occurred = sq_int(row, 3);
	o->aware = sq_int(row, 4);
	snprintf(o->state, sizeof o->state, "%s", sq_text(row, 5));
	o->likelihood = (int)sq_int(row, 6);
	o->severity = (int)sq_int(row, 7);
	o->encrypted = (int)sq_int(row, 8);
	o->key_compromised = (int)sq_int(row, 9);
	o->hipaa = (int)sq_int(row, 10);
	snprintf(o->contact, sizeof o->contact, "%s", sq_text(row, 11));
	snprintf(o->decision, sizeof o->decision, "%s", sq_text(row, 12));
	snprintf(o->decided_by, sizeof o->decided_by, "%s", sq_text(row, 13));
	o->decided_at = sq_int(row, 14);
	o->closed = sq_int(row, 15);
	snprintf(o->opened_by, sizeof o->opened_by, "%s", sq_text(row, 16));
	o->created = sq_int(row, 17);
	o->updated = sq_int(row, 18);
	o->timeline = (uint64_t)sq_int(row, 19);
	o->facts = (uint64_t)sq_int(row, 20);
	o->effects = (uint64_t)sq_int(row, 21);
	o->remedies = (uint64_t)sq_int(row, 22);
}

int store_incident_insert(store *s, store_incident *in)
{
	sq_arg a[] = { SQ_T(in->title), SQ_T(in->kind), SQ_I(in->occurred), SQ_I(in->aware), SQ_T(in->opened_by), SQ_I(in->created),
		       SQ_I(in->updated) };
	int r = sq_run(s, "recording the incident",
		       "INSERT INTO incidents(title, kind, occurred, aware, state, opened_by, created, updated) VALUES(?,?,?,?,'open',?,?,?)",
		       a, N(a), NULL, NULL);
	if (r == 0) {
		in->id = sq_last_id(s);
		snprintf(in->state, sizeof in->state, "open");
	}
	return r;
}

struct one_incident { store_incident *out; int found; };

static int one_incident_cb(void *ctx, const sq_row *row)
{
	struct one_incident *o = ctx;
	incident_row(o->out, row);
	o->found = 1;
	return 0;
}

int store_incident_get(store *s, store_incident *out, int64_t id)
{
	struct one_incident o = { out, 0 };
	sq_arg a[] = { SQ_I(id) };
	int r;
	memset(out, 0, sizeof *out);
	if ((r = sq_run(s, "reading the incident", INCIDENT_COLS " WHERE id = ?", a, N(a), one_incident_cb, &o)) < 0)
		return r;
	if (!o.found)
		return fort_error_set(FORT_ENOTFOUND, "no incident %lld", (long long)id);
	return 0;
}

struct incident_walk { store_incident_cb cb; void *ctx; };

static int incident_walk_cb(void *ctx, const sq_row *row)
{
	struct incident_walk *w = ctx;
	store_incident in;
	incident_row(&in, row);
	return w->cb(w->ctx, &in);
}

int store_incident_each(store *s, store_incident_cb cb, void *ctx)
{
	struct incident_walk w = { cb, ctx };
	return sq_run(s, "reading the incidents", INCIDENT_COLS " ORDER BY state = 'closed', aware DESC, id DESC", NULL, 0,
		      incident_walk_cb, &w);
}

static int state_cb(void *ctx, const sq_row *row)
{
	snprintf(ctx, 16, "%s", sq_text(row, 0));
	return 0;
}

int store_incident_state(store *s, int64_t id, char state[16])
{
	sq_arg a[] = { SQ_I(id) };
	int r;
	state[0] = '\0';
	if ((r = sq_run(s, "reading the incident", "SELECT state FROM incidents WHERE id = ?", a, N(a), state_cb, state)) < 0)
		return r;
	if (!state[0])
		return fort_error_set(FORT_ENOTFOUND, "no incident %lld", (long long)id);
	return 0;
}

struct id_walk { store_id_cb cb; void *ctx; };

static int id_walk_cb(void *ctx, const sq_row *row)
{
	struct id_walk *w = ctx;
	return w->cb(w->ctx, sq_int(row, 0));
}

int store_incident_ids(store *s, const char *state, store_id_cb cb, void *ctx)
{
	struct id_walk w = { cb, ctx };
	sq_arg a[] = { SQ_T(nz(state)) };
	return sq_run(s, "reading the incidents", "SELECT id FROM incidents WHERE ?1 = '' OR state = ?1 ORDER BY id", a, N(a), id_walk_cb,
		      &w);
}

int store_incident_assess(store *s, int64_t id, const store_incident_risk *k, int64_t ts)
{
	sq_arg a[] = { SQ_I(k->likelihood), SQ_I(k->severity), SQ_I(k->encrypted), SQ_I(k->key_compromised), SQ_I(k->hipaa),
		       SQ_T(nz(k->contact)), SQ_I(k->contact != NULL), SQ_I(ts), SQ_I(id) };
	return sq_run(s, "recording the assessment",
		      "UPDATE incidents SET likelihood = CASE WHEN ?1 > 0 THEN ?1 ELSE likelihood END,"
		      " severity = CASE WHEN ?2 > 0 THEN ?2 ELSE severity END,"
		      " encrypted = CASE WHEN ?3 >= 0 THEN ?3 ELSE encrypted END,"
		      " key_compromised = CASE WHEN ?4 >= 0 THEN ?4 ELSE key_compromised END,"
		      " hipaa = CASE WHEN ?5 >= 0 THEN ?5 ELSE hipaa END,"
		      " contact = CASE WHEN ?7 THEN ?6 ELSE contact END, updated = ?8 WHERE id = ?9",
		      a, N(a), NULL, NULL);
}

int store_incident_decide(store *s, int64_t id, const char *decision, const char *by, int64_t ts)
{
	sq_arg a[] = { SQ_T(decision), SQ_T(nz(by)), SQ_I(ts), SQ_I(id) };
	return sq_run(s, "recording the decision",
		      "UPDATE incidents SET decision = ?, decided_by = ?, decided_at = ?3, updated = ?3 WHERE id = ?4", a, N(a), NULL, NULL);
}

int store_incident_close(store *s, int64_t id, int64_t ts)
{
	sq_arg a[] = { SQ_I(ts), SQ_I(id) };
	return sq_run(s, "closing the incident", "UPDATE incidents SET state = 'closed', closed = ?1, updated = ?1 WHERE id = ?2", a, N(a),
		      NULL, NULL);
}

int store_incident_note_add(store *s, store_incident_note *n)
{
	sq_arg a[] = { SQ_I(n->incident), SQ_T(n->kind), SQ_I(n->ts), SQ_I(n->at), SQ_T(nz(n->actor)), SQ_B(n->text, n->text_len) };
	int r = sq_run(s, "recording the incident", "INSERT INTO incident_notes(incident, kind, ts, at, actor, text) VALUES(?,?,?,?,?,?)", a,
		       N(a), NULL, NULL);
	if (r == 0) {
		sq_arg u[] = { SQ_I(n->ts), SQ_I(n->incident) };
		n->id = sq_last_id(s);
		r = sq_run(s, "recording the incident", "UPDATE incidents SET updated = ? WHERE id = ?", u, N(u), NULL, NULL);
	}
	return r;
}

struct note_walk { store_incident_note_cb cb; void *ctx; int64_t incident; };

static int note_walk_cb(void *ctx, const sq_row *row)
{
	struct note_walk *w = ctx;
	store_incident_note n;
	memset(&n, 0, sizeof n);
	n.id = sq_int(row, 0);
	n.incident = w->incident;
	n.kind = sq_text(row, 1);
	n.ts = sq_int(row, 2);
	n.at = sq_int(row, 3);
	n.actor = sq_text(row, 4);
	n.text = sq_blob(row, 5, &n.text_len);
	return w->cb(w->ctx, &n);
}

int store_incident_note_each(store *s, int64_t incident, const char *kind, store_incident_note_cb cb, void *ctx)
{
	struct note_walk w = { cb, ctx, incident };
	sq_arg a[] = { SQ_I(incident), SQ_T(nz(kind)) };
	return sq_run(s, "reading the incident",
		      "SELECT id, kind, ts, at, actor, text FROM incident_notes WHERE incident = ?1 AND (?2 = '' OR kind = ?2)"
		      " ORDER BY kind <> 'timeline', at, id", a, N(a), note_walk_cb, &w);
}

int store_incident_scope_add(store *s, const store_incident_scope *sc)
{
	sq_arg a[] = { SQ_I(sc->incident), SQ_T(sc->kind), SQ_T(nz(sc->user)), SQ_I(sc->from), SQ_I(sc->to), SQ_I(sc->export_id),
		       SQ_T(nz(sc->device)), SQ_T(nz(sc->category)) };
	return sq_run(s, "recording the scope",
		      "INSERT INTO incident_scope(incident, kind, user, t_from, t_to, export, device, category) VALUES(?,?,?,?,?,?,?,?)", a,
		      N(a), NULL, NULL);
}

struct scope_walk { store_incident_scope_cb cb; void *ctx; int64_t incident; };

static int scope_walk_cb(void *ctx, const sq_row *row)
{
	struct scope_walk *w = ctx;
	store_incident_scope sc;
	memset(&sc, 0, sizeof sc);
	sc.incident = w->incident;
	sc.kind = sq_text(row, 0);
	sc.user = sq_text(row, 1);
	sc.from = sq_int(row, 2);
	sc.to = sq_int(row, 3);
	sc.export_id = sq_int(row, 4);
	sc.device = sq_text(row, 5);
	sc.category = sq_text(row, 6);
	return w->cb(w->ctx, &sc);
}

int store_incident_scope_each(store *s, int64_t incident, store_incident_scope_cb cb, void *ctx)
{
	struct scope_walk w = { cb, ctx, incident };
	sq_arg a[] = { SQ_I(incident) };
	return sq_run(s, "reading the scopes",
		      "SELECT kind, user, t_from, t_to, export, device, category FROM incident_scope WHERE incident = ? ORDER BY id", a, N(a),
		      scope_walk_cb, &w);
}

int store_action_insert(store *s, store_action *x)
{
	sq_arg a[] = { SQ_I(x->incident), SQ_B(x->text, x->text_len), SQ_T(x->owner), SQ_T(x->due), SQ_I(x->created) };
	int r = sq_run(s, "recording the action", "INSERT INTO incident_actions(incident, text, owner, due, created) VALUES(?,?,?,?,?)", a,
		       N(a), NULL, NULL);
	if (r == 0)
		x->id = sq_last_id(s);
	return r;
}

struct action_walk { store_action_cb cb; void *ctx; };

static int action_walk_cb(void *ctx, const sq_row *row)
{
	struct action_walk *w = ctx;
	store_action x;
	memset(&x, 0, sizeof x);
	x.id = sq_int(row, 0);
	x.incident = sq_int(row, 1);
	x.text = sq_blob(row, 2, &x.text_len);
	x.owner = sq_text(row, 3);
	x.due = sq_text(row, 4);
	x.done = sq_int(row, 5);
	x.done_by = sq_text(row, 6);
	x.created = sq_int(row, 7);
	return w->cb(w->ctx, &x);
}

int store_action_each(store *s, int64_t id, int open_only, store_action_cb cb, void *ctx)
{
	struct action_walk w = { cb, ctx };
	sq_arg a[] = { SQ_I(id), SQ_I(open_only) };
	return sq_run(s, "reading the actions",
		      "SELECT id, incident, text, owner, due, done, done_by, created FROM incident_actions"
		      " WHERE (?1 = 0 OR id = ?1) AND (?2 = 0 OR done = 0) ORDER BY id", a, N(a), action_walk_cb, &w);
}

int store_action_done(store *s, int64_t id, int64_t ts, const char *by)
{
	sq_arg a[] = { SQ_I(ts), SQ_T(nz(by)), SQ_I(id) };
	return sq_run(s, "closing the action", "UPDATE incident_actions SET done = ?, done_by = ? WHERE id = ?", a, N(a), NULL, NULL);
}

/* ---------------------------------------------------------- exports record */

/* The client ids are kept as 8-byte little-endian integers in one blob:
 * one write per file however many clients. */
int store_export_insert(store *s, store_export *e)
{
	sq_arg a[] = { SQ_I(e->ts), SQ_T(nz(e->actor)), SQ_T(nz(e->device)), SQ_T(nz(e->kind)), SQ_T(nz(e->destination)),
		       SQ_T(nz(e->format)), SQ_T(nz(e->sha256)), SQ_I(e->encrypted), SQ_T(nz(e->fields)), SQ_I(e->clients),
		       SQ_I(e->all_clients) };
	int r = sq_run(s, "recording the export",
		       "INSERT INTO exports(ts, actor, device, kind, destination, format, sha256, encrypted, fields, clients, all_clients)"
		       " VALUES(?,?,?,?,?,?,?,?,?,?,?)", a, N(a), NULL, NULL);
	if (r == 0)
		e->id = sq_last_id(s);
	return r;
}

int store_export_set_clients(store *s, int64_t id, const int64_t *ids, size_t n, uint64_t count, const char *sha256)
{
	unsigned char *blob = NULL;
	size_t len;
	int r;
	if (fort_size_mul(&len, n, 8) < 0)
		return fort_error_set(FORT_ENOMEM, "too many clients in one export");
	if (n && !(blob = fort_malloc(len)))
		return FORT_ENOMEM;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 8; k++)
			blob[i * 8 + (size_t)k] = (unsigned char)((uint64_t)ids[i] >> (8 * k));
	{
		sq_arg a[] = { SQ_B(blob, len), SQ_I(count), SQ_T(nz(sha256)), SQ_I(sha256 != NULL), SQ_I(id) };
		r = sq_run(s, "recording the export",
			   "UPDATE exports SET ids = ?1, clients = ?2, sha256 = CASE WHEN ?4 THEN ?3 ELSE sha256 END WHERE id = ?5", a, N(a),
			   NULL, NULL);
	}
	free(blob);
	return r;
}

struct export_walk { store_export_cb cb; void *ctx; };

static int export_walk_cb(void *ctx, const sq_row *row)
{
	struct export_walk *w = ctx;
	store_export e;
	const unsigned char *b;
	int64_t *ids = NULL;
	size_t len = 0, n;
	int r;
	memset(&e, 0, sizeof e);
	e.id = sq_int(row, 0);
	e.ts = sq_int(row, 1);
	e.actor = sq_text(row, 2);
	e.device = sq_text(row, 3);
	e.kind = sq_text(row, 4);
	e.destination = sq_text(row, 5);
	e.format = sq_text(row, 6);
	e.sha256 = sq_text(row, 7);
	e.encrypted = (int)sq_int(row, 8);
	e.fields = sq_text(row, 9);
	e.clients = (uint64_t)sq_int(row, 10);
	e.all_clients = (int)sq_int(row, 11);
	b = sq_blob(row, 12, &len);
	n = len / 8;
	if (n && !(ids = fort_calloc(n, sizeof *ids)))
		return FORT_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint64_t id = 0;
		for (int k = 0; k < 8; k++)
			id |= (uint64_t)b[i * 8 + (size_t)k] << (8 * k);
		ids[i] = (int64_t)id;
	}
	e.ids = ids;
	e.nids = n;
	r = w->cb(w->ctx, &e);
	free(ids);
	return r;
}

int store_export_each(store *s, const store_export_filter *f, store_export_cb cb, void *ctx)
{
	static const store_export_filter all;
	struct export_walk w = { cb, ctx };
	if (!f)
		f = &all;
	sq_arg a[] = { SQ_I(f->id), SQ_T(nz(f->kind)), SQ_T(nz(f->actor)), SQ_T(nz(f->device)), SQ_I(f->from), SQ_I(f->to),
		       SQ_I(f->from || f->to) };
	return sq_run(s, "reading the exports record",
		      "SELECT id, ts, actor, device, kind, destination, format, sha256, encrypted, fields, clients, all_clients, ids"
		      " FROM exports WHERE (?1 = 0 OR id = ?1) AND (?2 = '' OR kind = ?2) AND (?3 = '' OR actor = ?3)"
		      " AND (?4 = '' OR device = ?4) AND (?7 = 0 OR ts BETWEEN ?5 AND ?6) ORDER BY id",
		      a, N(a), export_walk_cb, &w);
}

static int first_id_cb(void *ctx, const sq_row *row)
{
	*(int64_t *)ctx = sq_int(row, 0);
	return 0;
}

int store_export_find_hash(store *s, const char *kind, const char *sha256, int64_t *id)
{
	sq_arg a[] = { SQ_T(nz(sha256)), SQ_T(nz(kind)) };
	*id = 0;
	return sq_run(s, "finding the file", "SELECT id FROM exports WHERE sha256 = ? AND kind = ? ORDER BY id DESC LIMIT 1", a, N(a),
		      first_id_cb, id);
}

int store_export_find_destination(store *s, const char *kind, const char *dest, const char *dest2, int64_t *id)
{
	sq_arg a[] = { SQ_T(nz(dest)), SQ_T(dest2 ? dest2 : nz(dest)), SQ_T(nz(kind)) };
	*id = 0;
	return sq_run(s, "finding the file",
		      "SELECT id FROM exports WHERE (destination = ? OR destination = ?) AND kind = ? ORDER BY id DESC LIMIT 1", a, N(a),
		      first_id_cb, id);
}

static int count_cb(void *ctx, const sq_row *row)
{
	*(uint64_t *)ctx = (uint64_t)sq_int(row, 0);
	return 0;
}

int store_export_count_device(store *s, const char *device, uint64_t *n)
{
	sq_arg a[] = { SQ_T(nz(device)) };
	*n = 0;
	return sq_run(s, "finding the device", "SELECT count(*) FROM exports WHERE device = ?", a, N(a), count_cb, n);
}

/* ----------------------------------------------- small questions elsewhere */

int store_client_ids(store *s, store_id_cb cb, void *ctx)
{
	struct id_walk w = { cb, ctx };
	return sq_run(s, "reading the client ids", "SELECT id FROM clients ORDER BY id", NULL, 0, id_walk_cb, &w);
}

static int found_cb(void *ctx, const sq_row *row)
{
	(void)row;
	*(int *)ctx = 1;
	return 0;
}

int store_audit_has_seals(store *s, int *any)
{
	*any = 0;
	return sq_run(s, "reading the audit log", "SELECT 1 FROM audit WHERE seals IS NOT NULL LIMIT 1", NULL, 0, found_cb, any);
}

int store_erased_field_has(store *s, int64_t client, const char *field, int64_t since)
{
	sq_arg a[] = { SQ_I(client), SQ_T(nz(field)), SQ_I(since) };
	int found = 0, r;
	if ((r = sq_run(s, "reading the erasure ledger", "SELECT 1 FROM erased_fields WHERE client = ?1 AND field = ?2 AND ts >= ?3", a,
			N(a), found_cb, &found)) < 0)
		return r;
	return found;
}

struct reason { char *buf; size_t cap; int found; };

static int reason_cb(void *ctx, const sq_row *row)
{
	struct reason *x = ctx;
	snprintf(x->buf, x->cap, "%s", sq_text(row, 0));
	x->found = 1;
	return 0;
}

int store_hold_reason(store *s, int64_t client, const char *field, char *reason, size_t cap)
{
	struct reason x = { reason, cap, 0 };
	sq_arg a[] = { SQ_I(client), SQ_T(nz(field)) };
	int r;
	if (cap)
		reason[0] = '\0';
	if ((r = sq_run(s, "reading the legal holds", "SELECT reason FROM holds WHERE client = ? AND field = ?", a, N(a), reason_cb, &x)) < 0)
		return r;
	return x.found;
}

int store_hold_any(store *s, int *any)
{
	*any = 0;
	return sq_run(s, "reading the legal holds", "SELECT 1 FROM holds LIMIT 1", NULL, 0, found_cb, any);
}
