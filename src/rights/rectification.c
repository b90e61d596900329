/* rectification.c - answering a rectification request (GDPR Art. 16) with
 * the Art. 19 notices: every recipient the corrected fields were disclosed
 * to gets a notice, written by the same code as after an erasure
 * (rights_recipient_notices).  The corrected fields are those edited since
 * the request was received (from the audit log: ids and field names only).
 * The answer itself is fort_request_update's, which also checkpoints the
 * WAL so no page of the old value stays (secure_delete zeroed the rest). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "vault/vault_int.h"
#include "rights/rights.h"

struct edits {
	const fort_map *m;
	unsigned char *concerned;
	int64_t since;
};

static int edit_cb(void *ctx, const store_audit_row *row)
{
	struct edits *e = ctx;
	const char *s = row->fields;
	if (row->ts < e->since || strcmp(row->action, "edit") != 0 || strcmp(row->result, "ok") != 0)
		return 0;
	while (s && *s) {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		for (size_t i = 0; i < e->m->n; i++)
			if (strlen(e->m->f[i].name) == n && strncmp(e->m->f[i].name, s, n) == 0)
				e->concerned[i] = 1;
		s = end ? end + 1 : s + n;
	}
	return 0;
}

static int64_t day_start(const char *date)
{
	int y;
	unsigned m, d;
	if (sscanf(date, "%4d-%2u-%2u", &y, &m, &d) != 3)
		return 0;
	return fort_civil_time(y, m, d, 0, 0, 0);
}

int fort_request_rectified(size_t *recipients, fort_vault *v, int64_t id, const char *notices_path, const char *date,
			   const char *note)
{
	store_request q;
	store_client c;
	client_vals cv;
	struct edits e;
	char idstr[FORT_ID_LEN + 1];
	size_t nsent = 0, nfields = 0;
	int r;
	*recipients = 0;
	memset(&c, 0, sizeof c);
	memset(&e, 0, sizeof e);
	if ((r = vault_need(v, ACT_WRITE, "request-answer", NULL)) < 0)
		return r;
	if ((r = store_request_get(v->st, &q, id)) < 0)
		return r == FORT_ENOTFOUND ? fort_error_set(FORT_ENOTFOUND, "no request %lld ('fortress request list')", (long long)id) : r;
	if (strcmp(q.kind, "rectification") != 0)
		return fort_error_set(FORT_EINPUT, "request %lld is a%s %s request, not a rectification", (long long)id,
				      q.kind[0] == 'a' || q.kind[0] == 'e' || q.kind[0] == 'o' ? "n" : "", q.kind);
	if (q.closed[0])
		return fort_error_set(FORT_EINPUT, "request %lld was closed on %s", (long long)id, q.closed);
	if (notices_path && access(notices_path, F_OK) == 0)
		return fort_error_set(FORT_EEXISTS, "%s already exists: give a new file for the notices", notices_path);
	client_id_format(idstr, q.client);
	if ((r = cvals_init(&cv, v)) < 0)
		return r;
	if ((r = store_client_get(v->st, &c, q.client)) < 0) {
		if (r == FORT_ENOTFOUND)
			r = fort_error_set(FORT_ENOTFOUND, "client %s is no longer in the vault (erased?)", idstr);
		goto out;
	}
	if ((r = client_decrypt(&cv, v, &c)) < 0)
		goto out;
	e.m = &v->map;
	e.since = day_start(q.received);
	if (!(e.concerned = fort_calloc(v->map.n ? v->map.n : 1, 1))) {
		r = FORT_ENOMEM;
		goto out;
	}
	if ((r = store_audit_each(v->st, idstr, edit_cb, &e)) < 0)
		goto out;
	for (size_t i = 0; i < v->map.n; i++)
		nfields += e.concerned[i];
	if (!nfields) {
		r = fort_error_set(FORT_EINPUT, "nothing of client %s was corrected since the request was received (%s): "
				   "correct it first ('fortress client edit %s --set FIELD=VALUE')", idstr, q.received, idstr);
		goto out;
	}
	/* who has to be told, before anything is written: the recipients the
	 * corrected data actually went to (the same rule that writes them) */
	{
		size_t needs = 0;
		if ((r = rights_recipient_notices(&needs, v, &cv, e.concerned, &q, idstr, NULL, NULL, "rectification")) < 0)
			goto out;
		if (needs && !notices_path) {
			r = fort_error_set(FORT_EINPUT, "the corrected data was disclosed to recipients, who must be told (GDPR "
					   "Art. 19): give a file for the notices (--notices FILE)");
			goto out;
		}
	}
	if (notices_path) {
		rights_sink disk;
		rights_sink_disk(&disk, "");
		if ((r = rights_recipient_notices(&nsent, v, &cv, e.concerned, &q, idstr, &disk, notices_path, "rectification")) < 0)
			goto out;
	}
	if ((r = fort_request_update(NULL, v, id, "answer", date, note)) < 0) {
		if (nsent) {
			/* not answered: the notices are not sent either */
			size_t n = strlen(notices_path);
			char pdf[4096];
			snprintf(pdf, sizeof pdf, "%.*s.pdf", (int)(n > 3 && strcmp(notices_path + n - 3, ".md") == 0 ? n - 3 : n),
				 notices_path);
			unlink(notices_path);
			unlink(pdf);
		}
		goto out;
	}
	*recipients = nsent;
	r = 0;
out:
	free(e.concerned);
	cvals_release(&cv);
	store_client_release(&c);
	return r;
}
