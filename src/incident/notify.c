/* notify.c - the notification letters sent: each letter of an incident goes
 * into the e-mail outbox (src/mail/) once, under a reference that names the
 * incident, the phase and the recipient ("incident:3:initial:client:c-..."),
 * so running it again after a failure queues only what is missing and the
 * outbox's own record (every attempt, its time and result; sent only when
 * the server accepted) is the proof of what was sent when.  A letter with
 * no e-mail address is counted, to be sent on paper (incident letters). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "incident/incident_int.h"
#include "vault/op.h"

struct notify {
	fort_vault *v;
	int64_t id;
	const char *phase;
	fort_mail_info *have;
	size_t nhave;
	fort_incident_notify_report *rep;
	fort_incident_notify_cb cb;
	void *cbctx;
	int dry_run;
};

static void letter_ref(char *out, size_t cap, const struct notify *n, const fort_letter *l)
{
	if (strcmp(l->kind, "client") == 0)
		snprintf(out, cap, "incident:%lld:%s:client:%s", (long long)n->id, n->phase, l->client);
	else
		snprintf(out, cap, "incident:%lld:%s:%s", (long long)n->id, n->phase, l->kind);
}

static int queued_before(const struct notify *n, const char *ref)
{
	for (size_t i = 0; i < n->nhave; i++)
		if (strcmp(n->have[i].ref, ref) == 0)
			return 1;
	return 0;
}

static int on_letter(void *ctx, const fort_letter *l)
{
	struct notify *n = ctx;
	fort_incident_notify_item it = { l->kind, l->client, l->to, l->subject, "", 0 };
	char ref[128];
	int r = 0;

	letter_ref(ref, sizeof ref, n, l);
	it.ref = ref;
	if (queued_before(n, ref)) {
		it.state = "already";
		n->rep->already++;
	} else if (!l->to || !*l->to) {
		it.state = "no-address";
		n->rep->no_address++;
	} else if (n->dry_run) {
		it.state = "would-queue";
		n->rep->queued++;
	} else {
		fort_mail_msg m = FORT_MAIL_MSG_INIT;
		const char *to[1] = { l->to };
		m.to = to;
		m.nto = 1;
		m.subject = l->subject;
		m.text = l->text;
		m.html = l->html;
		m.ref = ref;
		m.purpose = "breach-notice";
		if ((r = fort_mail_queue(&it.mail_id, n->v, &m)) < 0)
			return fort_error_prefix("the letter %s", ref);
		it.state = "queued";
		n->rep->queued++;
	}
	if (n->cb)
		n->cb(n->cbctx, &it);
	return r;
}

int fort_incident_notify(fort_incident_notify_report *out, fort_vault *v, int64_t id, const fort_letter_opts *o, int dry_run,
			 fort_incident_notify_cb cb, void *cbctx)
{
	struct notify n;
	char prefix[64];
	int r;

	memset(out, 0, sizeof *out);
	memset(&n, 0, sizeof n);
	n.v = v;
	n.id = id;
	n.phase = o && o->phase ? o->phase : "initial";
	n.rep = out;
	n.cb = cb;
	n.cbctx = cbctx;
	n.dry_run = dry_run;
	if ((r = vault_need(v, ACT_WRITE, "incident-notify", NULL)) < 0)
		return r;
	snprintf(prefix, sizeof prefix, "incident:%lld:", (long long)id);
	if ((r = fort_mail_list(&n.have, &n.nhave, v, prefix)) < 0)
		return r;
	r = fort_incident_letters(v, id, o, on_letter, &n);
	free(n.have);
	if (r < 0 || dry_run || !out->queued)
		return r;
	{
		char text[200];
		snprintf(text, sizeof text, "%zu notification letter(s) (%s) queued for sending by e-mail; %zu without an e-mail address",
			 out->queued, n.phase, out->no_address);
		r = incident_note_write(v, id, "timeline", text, fort_now(), "incident-notify", 0);
	}
	return r;
}

struct notified { int64_t id, when; const char *who, *at, *channel, *reference; };

static int notified_check(fort_vault *v, void *ctx)
{
	static const char *const channels[] = { "portal", "post", "phone", "email", "in-person" };
	struct notified *x = ctx;
	const char *who = x->who, *at = x->at, *channel = x->channel, *reference = x->reference;
	fort_incident_info in;
	int64_t aware = 0;
	int r, ok = 0;
	if (!who || (strcmp(who, "authority") && strcmp(who, "clients")))
		return fort_error_set(FORT_EINPUT, "say who was notified: --authority or --clients");
	for (size_t i = 0; channel && i < sizeof channels / sizeof channels[0]; i++)
		ok |= strcmp(channel, channels[i]) == 0;
	if (!ok)
		return fort_error_set(FORT_EINPUT, "--channel: '%s' is not portal, post, phone, email or in-person", channel ? channel : "");
	if (!at || !*at)
		return fort_error_set(FORT_EINPUT, "--at: when the notification was made (2026-03-29T10:00:00Z)");
	if ((r = incident_time_parse(&x->when, at, "--at")) < 0)
		return r;
	if (x->when > fort_now() + 300)
		return fort_error_set(FORT_EINPUT, "--at: %s is in the future: record a notification once it is made", at);
	if (reference && (strlen(reference) > 120 || strpbrk(reference, "\r\n")))
		return fort_error_set(FORT_EINPUT, "--reference: at most 120 characters, on one line");
	if (!strcmp(who, "authority") && (!reference || !*reference) && strcmp(channel, "post") != 0)
		return fort_error_set(FORT_EINPUT, "--reference: the authority's case or submission reference (its form or reply gives "
				      "one; Art. 33(5) documentation)");
	if ((r = incident_info(&in, v, x->id)) < 0)
		return r;
	if ((r = incident_time_parse(&aware, in.aware, "aware")) < 0)
		return r;
	if (x->when < aware)
		return fort_error_set(FORT_EINPUT, "--at: %s is before the incident became known (%s)", at, in.aware);
	return 0;
}

static int notified_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct notified *x = ctx;
	char text[400];
	snprintf(text, sizeof text, "%s notified by %s%s%s", x->who, x->channel, x->reference && *x->reference ? ", reference " : "",
		 x->reference && *x->reference ? x->reference : "");
	return incident_note_step(v, x->id, strcmp(x->who, "authority") == 0 ? "notified-auth" : "notified-client", text, x->when, 0,
				  detail, cap);
}

int fort_incident_notified(fort_vault *v, int64_t id, const char *who, const char *at, const char *channel, const char *reference)
{
	static const vault_op op = { "incident-notified", ACT_WRITE, notified_check, notified_write };
	struct notified x = { id, 0, who, at, channel, reference };
	return vault_op_run(v, &op, NULL, &x);
}
