/* mail.c - SMTP settings kept in the vault and the e-mail outbox: messages
 * sealed at rest (they hold client data), sent with smtp.c, every attempt
 * recorded and audited.  A message is marked sent only when the server
 * accepted it; anything else leaves it queued with the error, and the next
 * `fortress mail send` tries again. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <sodium.h>
#include "vault/vault_int.h"
#include "vault/op.h"
#include "vault/vault_box.h"
#include "vault/types.h"
#include "mail/mail_int.h"

#define SETTINGS_META "mail.settings"
#define PASSWORD_META "mail.password"

static const char *jget(json_t *j)
{
	const char *s = json_string_value(j);
	return s ? s : "";
}

static int settings_load(fort_mail_settings *out, fort_vault *v)
{
	unsigned char *blob = NULL;
	size_t len = 0;
	json_t *j;
	int r;
	memset(out, 0, sizeof *out);
	snprintf(out->security, sizeof out->security, "starttls");
	r = store_meta_get(v->st, SETTINGS_META, &blob, &len);
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
	} else if (r < 0) {
		return r;
	} else {
		if (!(j = json_loadb((const char *)blob, len, 0, NULL))) {
			free(blob);
			return fort_error_set(FORT_ECORRUPT, "the stored mail settings are damaged: set them again with 'fortress mail set'");
		}
		free(blob);
		snprintf(out->host, sizeof out->host, "%s", jget(json_object_get(j, "host")));
		out->port = (int)json_integer_value(json_object_get(j, "port"));
		if (json_string_value(json_object_get(j, "security")))
			snprintf(out->security, sizeof out->security, "%s", json_string_value(json_object_get(j, "security")));
		snprintf(out->user, sizeof out->user, "%s", jget(json_object_get(j, "user")));
		snprintf(out->from, sizeof out->from, "%s", jget(json_object_get(j, "from")));
		snprintf(out->from_name, sizeof out->from_name, "%s", jget(json_object_get(j, "from_name")));
		json_decref(j);
	}
	r = store_meta_get(v->st, PASSWORD_META, &blob, &len);
	if (r == 0) {
		out->has_password = len > 0;
		free(blob);
	} else if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		r = 0;
	}
	return r;
}

static int settings_store(fort_vault *v, const fort_mail_settings *s)
{
	json_t *j = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s}", "host", s->host, "port", s->port, "security", s->security, "user", s->user,
			      "from", s->from, "from_name", s->from_name);
	char *js;
	int r;
	if (!j || !(js = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
		json_decref(j);
		return fort_error_set(FORT_EINPUT, "mail settings must be UTF-8 text");
	}
	json_decref(j);
	r = store_meta_put(v->st, SETTINGS_META, js, strlen(js));
	free(js);
	return r;
}

int fort_mail_settings_get(fort_mail_settings *out, fort_vault *v)
{
	int r;
	memset(out, 0, sizeof *out);
	if ((r = vault_need(v, ACT_READ, "mail-settings", NULL)) < 0)
		return r;
	return settings_load(out, v);
}

static int host_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '-' || s[i] == ':' || s[i] == '[' || s[i] == ']'))
			return 0;
	return 1;
}

static int set_field(fort_mail_settings *s, const char *key, const char *value)
{
	if (strcmp(key, "smtp.host") == 0) {
		if (*value && !host_valid(value))
			return fort_error_set(FORT_EINPUT, "smtp.host: '%s' is not a host name or address (mail.example.com, 127.0.0.1)", value);
		snprintf(s->host, sizeof s->host, "%s", value);
	} else if (strcmp(key, "smtp.port") == 0) {
		char *end;
		long p = *value ? strtol(value, &end, 10) : 0;
		if (*value && (*end || p < 1 || p > 65535))
			return fort_error_set(FORT_EINPUT, "smtp.port: '%s' is not a port (1-65535; 587 for starttls, 465 for tls)", value);
		s->port = (int)p;
	} else if (strcmp(key, "smtp.security") == 0) {
		if (strcmp(value, "starttls") && strcmp(value, "tls") && strcmp(value, "none") && *value)
			return fort_error_set(FORT_EINPUT, "smtp.security: '%s' is not starttls, tls or none", value);
		snprintf(s->security, sizeof s->security, "%s", *value ? value : "starttls");
	} else if (strcmp(key, "smtp.user") == 0) {
		if (strlen(value) >= sizeof s->user || strpbrk(value, "\r\n"))
			return fort_error_set(FORT_EINPUT, "smtp.user: at most %zu characters on one line", sizeof s->user - 1);
		snprintf(s->user, sizeof s->user, "%s", value);
	} else if (strcmp(key, "smtp.from") == 0) {
		if (*value && !email_valid(value))
			return fort_error_set(FORT_EINPUT, "smtp.from: '%s' is not an e-mail address (office@example.com)", value);
		snprintf(s->from, sizeof s->from, "%s", value);
	} else if (strcmp(key, "smtp.from_name") == 0) {
		if (strlen(value) >= sizeof s->from_name || strpbrk(value, "\r\n") || !fort_utf8_valid(value, strlen(value)))
			return fort_error_set(FORT_EINPUT, "smtp.from_name: at most %zu characters of UTF-8 on one line", sizeof s->from_name - 1);
		snprintf(s->from_name, sizeof s->from_name, "%s", value);
	} else if (strcmp(key, "smtp.password") == 0) {
		return fort_error_set(FORT_EINPUT, "smtp.password: never on the command line: 'fortress mail set smtp.password' asks for it (or --password-file FILE)");
	} else {
		return fort_error_set(FORT_EINPUT, "'%s' is not a mail setting (smtp.host, smtp.port, smtp.security, smtp.user, smtp.from, smtp.from_name, smtp.password)", key);
	}
	return 0;
}

/* Settings changes go through the operation scaffold (vault/op.h): the
 * role check (its refusal audited), the input check, the write and its
 * entry in one transaction. */
struct set_ctx {
	const char *key, *value;
	fort_mail_settings s;
};

static int set_check(fort_vault *v, void *ctx)
{
	struct set_ctx *c = ctx;
	int r;
	if (!c->key || !c->value)
		return fort_error_set(FORT_EINPUT, "a mail setting needs a key and a value");
	if ((r = settings_load(&c->s, v)) < 0 || (r = set_field(&c->s, c->key, c->value)) < 0)
		return r;
	return 0;
}

static int set_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct set_ctx *c = ctx;
	snprintf(detail, cap, "%s", c->key);
	return settings_store(v, &c->s);
}

int fort_mail_set(fort_vault *v, const char *key, const char *value)
{
	static const vault_op op = { "mail-settings", ACT_USERS, set_check, set_write };
	struct set_ctx c;
	memset(&c, 0, sizeof c);
	c.key = key;
	c.value = value;
	return vault_op_run(v, &op, NULL, &c);
}

struct password_ctx {
	const fort_secret *password;
	unsigned char *sealed;
	size_t slen;
};

static int password_check(fort_vault *v, void *ctx)
{
	struct password_ctx *c = ctx;
	if (!c->password)
		return 0;
	if (fort_secret_len(c->password) == 0 || fort_secret_len(c->password) > 1024)
		return fort_error_set(FORT_EINPUT, "smtp.password: empty or longer than 1024 bytes");
	return vault_box_seal(&c->sealed, &c->slen, v, PASSWORD_META, fort_secret_data(c->password), fort_secret_len(c->password));
}

static int password_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct password_ctx *c = ctx;
	snprintf(detail, cap, "%s", c->password ? "smtp.password set" : "smtp.password cleared");
	return store_meta_put(v->st, PASSWORD_META, c->sealed ? c->sealed : (const unsigned char *)"", c->slen);
}

int fort_mail_set_password(fort_vault *v, const fort_secret *password)
{
	static const vault_op op = { "mail-settings", ACT_USERS, password_check, password_write };
	struct password_ctx c = { password, NULL, 0 };
	int r = vault_op_run(v, &op, NULL, &c);
	free(c.sealed);
	return r;
}

struct configure_in {
	const fort_mail_config *c;
	fort_mail_settings s;
	unsigned char *sealed;
	size_t slen;
	char detail[160];
};

static int configure_check(fort_vault *v, void *ctx)
{
	static const char *const keys[] = { "smtp.host", "smtp.port", "smtp.security", "smtp.user", "smtp.from", "smtp.from_name" };
	struct configure_in *x = ctx;
	const fort_mail_config *c = x->c;
	const char *vals[6];
	size_t used = 0;
	int r;
	if (!c)
		return fort_error_set(FORT_EINPUT, "fort_mail_configure needs the settings");
	if ((r = FORT_CHECK_VERSION(c->version, FORT_MAIL_CONFIG, fort_mail_config)) < 0)
		return r;
	vals[0] = c->host;
	vals[1] = c->port;
	vals[2] = c->security;
	vals[3] = c->user;
	vals[4] = c->from;
	vals[5] = c->from_name;
	if ((r = settings_load(&x->s, v)) < 0)
		return r;
	for (size_t i = 0; i < 6; i++) {
		if (!vals[i])
			continue;
		if ((r = set_field(&x->s, keys[i], vals[i])) < 0)
			return r;
		used += (size_t)snprintf(x->detail + used, used < sizeof x->detail ? sizeof x->detail - used : 0, "%s%s",
					 used ? " " : "", keys[i]);
		if (used >= sizeof x->detail)
			used = sizeof x->detail - 1;
	}
	if (c->password && (fort_secret_len(c->password) == 0 || fort_secret_len(c->password) > 1024))
		return fort_error_set(FORT_EINPUT, "smtp.password: empty or longer than 1024 bytes");
	if (c->password || c->clear_password) {
		snprintf(x->detail + used, sizeof x->detail - used, "%s%s", used ? " " : "",
			 c->password ? "smtp.password set" : "smtp.password cleared");
		if (c->password && (r = vault_box_seal(&x->sealed, &x->slen, v, PASSWORD_META, fort_secret_data(c->password),
						       fort_secret_len(c->password))) < 0)
			return r;
	}
	if (!x->detail[0])
		return fort_error_set(FORT_EINPUT, "no mail setting was given: nothing to change");
	return 0;
}

static int configure_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct configure_in *x = ctx;
	int r;
	if ((r = settings_store(v, &x->s)) < 0 ||
	    ((x->c->password || x->c->clear_password) &&
	     (r = store_meta_put(v->st, PASSWORD_META, x->sealed ? x->sealed : (const unsigned char *)"", x->slen)) < 0))
		return r;
	snprintf(detail, cap, "%s", x->detail);
	return 0;
}

int fort_mail_configure(fort_vault *v, const fort_mail_config *c)
{
	static const vault_op op = { "mail-settings", ACT_USERS, configure_check, configure_write };
	struct configure_in x;
	int r;
	memset(&x, 0, sizeof x);
	x.c = c;
	r = vault_op_run(v, &op, NULL, &x);
	free(x.sealed);
	return r;
}

/* ----------------------------------------------------------------- queue */

static void msg_label(char out[200], const char *message_id)
{
	snprintf(out, 200, "mail:%s", message_id);
}

/* Queueing goes through the operation scaffold (vault/op.h): the role
 * check (its refusal audited), the message checked and sealed before the
 * transaction, the outbox row and its entry in one. */
struct queue_ctx {
	const fort_mail_msg *m;
	store_mail sm;
	json_t *j;
	char *js;
	unsigned char *sealed;
};

static int queue_check(fort_vault *v, void *ctx)
{
	struct queue_ctx *c = ctx;
	const fort_mail_msg *m = c->m;
	store_mail *sm = &c->sm;
	fort_mail_settings s;
	json_t *to;
	unsigned char rnd[16];
	char hex[33], label[200];
	const char *domain;
	size_t slen = 0;
	int r;
	if (!m || m->nto == 0)
		return fort_error_set(FORT_EINPUT, "to: at least one recipient is needed");
	if (m->nto > 50)
		return fort_error_set(FORT_EINPUT, "to: at most 50 recipients per message");
	for (size_t i = 0; i < m->nto; i++)
		if (!m->to[i] || !email_valid(m->to[i]))
			return fort_error_set(FORT_EINPUT, "to[%zu]: '%s' is not an e-mail address", i + 1, m->to[i] ? m->to[i] : "");
	if (!m->subject || !*m->subject || strlen(m->subject) > 900 || strpbrk(m->subject, "\r\n") ||
	    !fort_utf8_valid(m->subject, strlen(m->subject)))
		return fort_error_set(FORT_EINPUT, "subject: required, one line of UTF-8 text (at most 900 bytes)");
	if (!m->text || !*m->text || !fort_utf8_valid(m->text, strlen(m->text)))
		return fort_error_set(FORT_EINPUT, "text: required, UTF-8 text");
	if (m->html && !fort_utf8_valid(m->html, strlen(m->html)))
		return fort_error_set(FORT_EINPUT, "html: must be UTF-8 text");
	if (m->ref && (strlen(m->ref) >= sizeof sm->ref || strpbrk(m->ref, "\r\n")))
		return fort_error_set(FORT_EINPUT, "ref: one line of at most %zu characters", sizeof sm->ref - 1);
	if (m->purpose && (strlen(m->purpose) >= sizeof sm->purpose || strpbrk(m->purpose, "\r\n")))
		return fort_error_set(FORT_EINPUT, "purpose: one line of at most %zu characters", sizeof sm->purpose - 1);
	if ((r = settings_load(&s, v)) < 0)
		return r;
	fort_random(rnd, sizeof rnd);
	fort_hex(hex, rnd, sizeof rnd);
	domain = s.from[0] ? strchr(s.from, '@') + 1 : "fortress.invalid";
	snprintf(sm->message_id, sizeof sm->message_id, "<%s@%s>", hex, domain);
	c->j = json_object();
	to = json_array();
	for (size_t i = 0; i < m->nto; i++)
		json_array_append_new(to, json_string(m->to[i]));
	json_object_set_new(c->j, "to", to);
	json_object_set_new(c->j, "subject", json_string(m->subject));
	json_object_set_new(c->j, "text", json_string(m->text));
	if (m->html && *m->html)
		json_object_set_new(c->j, "html", json_string(m->html));
	if (!(c->js = json_dumps(c->j, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		return fort_error_set(FORT_ENOMEM, "out of memory");
	msg_label(label, sm->message_id);
	if ((r = vault_box_seal(&c->sealed, &slen, v, label, c->js, strlen(c->js))) < 0)
		return r;
	sm->created = fort_now();
	snprintf(sm->ref, sizeof sm->ref, "%s", m->ref ? m->ref : "");
	snprintf(sm->purpose, sizeof sm->purpose, "%s", m->purpose ? m->purpose : "");
	snprintf(sm->status, sizeof sm->status, "queued");
	sm->data = c->sealed;
	sm->data_len = slen;
	return 0;
}

static int queue_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct queue_ctx *c = ctx;
	int r;
	if ((r = store_mail_put(v->st, &c->sm)) < 0)
		return r;
	snprintf(detail, cap, "message %lld; %zu recipient(s); ref=%s; purpose=%s", (long long)c->sm.id, c->m->nto, c->sm.ref,
		 c->sm.purpose);
	return 0;
}

int fort_mail_queue(int64_t *id_out, fort_vault *v, const fort_mail_msg *m)
{
	struct queue_ctx c;
	/* the entry's purpose is the message's, known once it is checked */
	vault_op op = { "mail-queue", ACT_WRITE, queue_check, queue_write, NULL, NULL, NULL, NULL };
	int r;
	if (id_out)
		*id_out = 0;
	if (m && (r = FORT_CHECK_VERSION(m->version, FORT_MAIL_MSG, fort_mail_msg)) < 0)
		return r;
	memset(&c, 0, sizeof c);
	c.m = m;
	op.purpose = c.sm.purpose;
	if ((r = vault_op_run(v, &op, NULL, &c)) == 0 && id_out)
		*id_out = c.sm.id;
	vault_box_free(c.js);
	free(c.sealed);
	json_decref(c.j);
	return r;
}

/* ------------------------------------------------------------ list, send */

typedef struct {
	fort_mail_info info;
	unsigned char *data;
	size_t data_len;
} pending;

struct collect {
	pending *p;
	size_t n, cap;
	int queued_only;
	int64_t only_id;
};

/* A message another sender claimed (status "sending") and did not finish in
 * this long is taken to be abandoned (its process died mid-send): it is
 * sent again.  Longer than any send's timeout. */
#define CLAIM_STALE_SECONDS 600

/* Waiting to be sent: queued, or claimed by a sender that is gone. */
static int sendable(const store_mail *m, int64_t now)
{
	return strcmp(m->status, "queued") == 0 ||
	       (strcmp(m->status, "sending") == 0 && now - m->last_attempt > CLAIM_STALE_SECONDS);
}

static int collect_cb(void *ctx, const store_mail *m)
{
	struct collect *c = ctx;
	pending *p;
	if (c->queued_only && !sendable(m, fort_now()))
		return 0;
	if (c->only_id && m->id != c->only_id)
		return 0;
	if (FORT_ARRAY_GROW(c->p, c->n + 1, c->cap, 16) < 0)
		return FORT_ENOMEM;
	p = &c->p[c->n];
	memset(p, 0, sizeof *p);
	p->info.id = m->id;
	snprintf(p->info.ref, sizeof p->info.ref, "%s", m->ref);
	snprintf(p->info.purpose, sizeof p->info.purpose, "%s", m->purpose);
	snprintf(p->info.status, sizeof p->info.status, "%s", m->status);
	p->info.created = m->created;
	p->info.last_attempt = m->last_attempt;
	p->info.sent = m->sent;
	p->info.attempts = m->attempts;
	snprintf(p->info.error, sizeof p->info.error, "%s", m->error);
	snprintf(p->info.message_id, sizeof p->info.message_id, "%s", m->message_id);
	if (!(p->data = fort_malloc(m->data_len ? m->data_len : 1)))
		return FORT_ENOMEM;
	memcpy(p->data, m->data, m->data_len);
	p->data_len = m->data_len;
	c->n++;
	return 0;
}

static void collect_free(struct collect *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->p[i].data);
	free(c->p);
}

/* Decrypt P's message into *MSG and fill its to/subject. */
static int open_msg(json_t **msg, fort_vault *v, pending *p)
{
	char label[200], *pt = NULL;
	size_t len = 0, i;
	json_t *a;
	int r;
	msg_label(label, p->info.message_id);
	if ((r = vault_box_open(&pt, &len, v, label, p->data, p->data_len)) < 0)
		return r;
	*msg = json_loadb(pt, len, 0, NULL);
	vault_box_free(pt);
	if (!*msg)
		return fort_error_set(FORT_ECORRUPT, "message %lld in the outbox is damaged", (long long)p->info.id);
	json_array_foreach(json_object_get(*msg, "to"), i, a) {
		size_t k = strlen(p->info.to);
		snprintf(p->info.to + k, sizeof p->info.to - k, "%s%s", i ? ", " : "", json_string_value(a));
	}
	snprintf(p->info.subject, sizeof p->info.subject, "%s", jget(json_object_get(*msg, "subject")));
	return 0;
}

static void wipe_msg(json_t *msg)
{
	/* jansson owns the strings: overwrite them before they are freed */
	const char *k;
	json_t *val;
	json_object_foreach(msg, k, val) {
		if (json_is_string(val))
			sodium_memzero((char *)json_string_value(val), json_string_length(val));
	}
	json_decref(msg);
}

int fort_mail_list(fort_mail_info **out, size_t *n, fort_vault *v, const char *ref_prefix)
{
	struct collect c = { 0 };
	fort_mail_info *res = NULL;
	int r;
	*out = NULL;
	*n = 0;
	if ((r = vault_need(v, ACT_READ, "mail-list", NULL)) < 0)
		return r;
	if ((r = store_mail_each(v->st, ref_prefix, collect_cb, &c)) < 0)
		goto out;
	if (!(res = fort_calloc(c.n ? c.n : 1, sizeof *res))) {
		r = FORT_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < c.n; i++) {
		json_t *msg = NULL;
		if ((r = open_msg(&msg, v, &c.p[i])) < 0) {
			free(res);
			goto out;
		}
		wipe_msg(msg);
		res[i] = c.p[i].info;
	}
	*out = res;
	*n = c.n;
out:
	collect_free(&c);
	return r;
}

static int password_load(char **out, fort_vault *v)
{
	unsigned char *blob = NULL;
	size_t len = 0;
	int r;
	*out = NULL;
	r = store_meta_get(v->st, PASSWORD_META, &blob, &len);
	if (r == FORT_ENOTFOUND || (r == 0 && len == 0)) {
		fort_error_clear();
		free(blob);
		return 0;
	}
	if (r < 0)
		return r;
	r = vault_box_open(out, NULL, v, PASSWORD_META, blob, len);
	free(blob);
	return r;
}

struct recheck {
	int64_t id;
	int found, sendable, attempts;
};

static int recheck_cb(void *ctx, const store_mail *m)
{
	struct recheck *c = ctx;
	if (m->id != c->id)
		return 0;
	c->found = 1;
	c->sendable = sendable(m, fort_now());
	c->attempts = m->attempts;
	return 0;
}

struct claim_in {
	pending *p;
	int64_t now;
	int claimed;
};

static int claim_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct claim_in *a = ctx;
	pending *p = a->p;
	struct recheck c = { p->info.id, 0, 0, 0 };
	store_mail sm;
	int r;
	(void)cap;
	if ((r = store_mail_each(v->st, p->info.ref, recheck_cb, &c)) < 0)
		return r;
	if (!c.found || !c.sendable || c.attempts != p->info.attempts)
		return 0;  /* another sender has it: no entry, the step rolls back */
	memset(&sm, 0, sizeof sm);
	sm.id = p->info.id;
	snprintf(sm.status, sizeof sm.status, "sending");
	sm.attempts = p->info.attempts;
	sm.last_attempt = a->now;
	sm.sent = p->info.sent;
	snprintf(sm.error, sizeof sm.error, "%s", p->info.error);
	snprintf(sm.message_id, sizeof sm.message_id, "%s", p->info.message_id);
	snprintf(detail, cap, "message %lld; ref=%s; attempt %d", (long long)p->info.id, p->info.ref, p->info.attempts + 1);
	if ((r = store_mail_put(v->st, &sm)) < 0 || (r = vault_op_entry(v, "mail-claim", "", "", p->info.purpose, detail)) < 0)
		return r;
	a->claimed = 1;
	return 0;
}

/* Claim P's message for this sender before it goes out, so that two
 * senders (two servers, a server and `fortress mail send`, on one database
 * or one file) never both send it: one step of the send (the writers'
 * lock, across processes) reads the row again; if it is still waiting and
 * nobody attempted it since it was listed, it becomes "sending" (an
 * audited change: the outbox is sealed).  *CLAIMED 0: another sender has
 * it or sent it; skip it. */
static int claim(int *claimed, fort_vault *v, pending *p, int64_t now)
{
	const vault_op op = { "mail-claim", ACT_WRITE, NULL, claim_write, .flags = VAULT_OP_ENTRIES | VAULT_OP_MAYBE };
	struct claim_in a = { p, now, 0 };
	int r = vault_op_step(v, &op, NULL, &a);
	*claimed = r == 0 && a.claimed;
	return r;
}

static const vault_op send_op = { "mail-send", ACT_WRITE, NULL, NULL };

struct attempt_in { store_mail *sm; int64_t now; const char *state, *err, *detail; };

static int attempt_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct attempt_in *a = ctx;
	int r;
	if ((r = store_mail_attempt(v->st, a->sm->id, a->now, a->state, a->err)) < 0 ||
	    (r = store_mail_put(v->st, a->sm)) < 0)
		return r;
	snprintf(detail, cap, "%s", a->detail);
	return 0;
}

int fort_mail_send(fort_mail_send_report *out, fort_vault *v, const fort_mail_send_opts *o, fort_mail_result_cb cb, void *ctx)
{
	fort_mail_send_opts def = FORT_MAIL_SEND_OPTS_INIT;
	fort_mail_settings s;
	struct collect c = { 0 };
	char *password = NULL;
	int r;
	if (out)
		memset(out, 0, sizeof *out);
	if (!o)
		o = &def;
	if ((r = FORT_CHECK_VERSION(o->version, FORT_MAIL_SEND_OPTS, fort_mail_send_opts)) < 0)
		return r;
	if ((r = vault_op_start(v, &send_op, NULL)) < 0)
		return r;
	if ((r = settings_load(&s, v)) < 0)
		return r;
	if (!s.from[0])
		return fort_error_set(FORT_EINPUT, "smtp.from is not set: 'fortress mail set smtp.from office@example.com'");
	if (!o->dry_run && !s.host[0])
		return fort_error_set(FORT_EINPUT, "smtp.host is not set: 'fortress mail set smtp.host mail.example.com'");
	if (!o->dry_run && (r = password_load(&password, v)) < 0)
		return r;
	c.queued_only = 1;
	c.only_id = o->only_id;
	if ((r = store_mail_each(v->st, o->ref_prefix, collect_cb, &c)) < 0)
		goto out;
	for (size_t i = 0; i < c.n && (!o->max || i < o->max); i++) {
		pending *p = &c.p[i];
		json_t *msg = NULL;
		fort_buf mime;
		char err[512] = "", detail[700];
		int64_t now = fort_now();
		int res, claimed = 1;
		if ((r = open_msg(&msg, v, p)) < 0)
			goto out;
		if (!o->dry_run && (r = claim(&claimed, v, p, now)) < 0) {
			wipe_msg(msg);
			goto out;
		}
		if (!claimed) {
			wipe_msg(msg);
			continue;
		}
		fort_buf_init(&mime, 32u << 20);
		if ((res = smtp_build(&mime, &s, msg, p->info.message_id, now)) < 0)
			snprintf(err, sizeof err, "%s", fort_error_message());
		else if (!o->dry_run)
			res = smtp_send(err, sizeof err, &s, password, msg, mime.buf, mime.len, o->timeout_seconds);
		sodium_memzero(mime.buf, mime.len);
		fort_buf_release(&mime);
		wipe_msg(msg);
		if (out) {
			out->tried++;
			if (res == 0)
				out->sent++;
			else
				out->failed++;
		}
		if (!o->dry_run) {
			p->info.attempts++;
			p->info.last_attempt = now;
			if (res == 0) {
				snprintf(p->info.status, sizeof p->info.status, "sent");
				p->info.sent = now;
				p->info.error[0] = '\0';
			} else {
				/* back in the queue (it may have been a stale claim) */
				snprintf(p->info.status, sizeof p->info.status, "queued");
				snprintf(p->info.error, sizeof p->info.error, "%s", err);
			}
			store_mail sm;
			memset(&sm, 0, sizeof sm);
			sm.id = p->info.id;
			snprintf(sm.status, sizeof sm.status, "%s", p->info.status);
			sm.attempts = p->info.attempts;
			sm.last_attempt = p->info.last_attempt;
			sm.sent = p->info.sent;
			snprintf(sm.error, sizeof sm.error, "%s", p->info.error);
			snprintf(sm.message_id, sizeof sm.message_id, "%s", p->info.message_id);
			snprintf(detail, sizeof detail, "message %lld; ref=%s; attempt %d; %s%s", (long long)p->info.id, p->info.ref,
				 p->info.attempts, res == 0 ? "accepted by the server" : "not sent: ", res == 0 ? "" : err);
			{
				/* one step per message: its attempt, its state, its entry */
				const vault_op step = { "mail-send", ACT_WRITE, NULL, attempt_write, .purpose = p->info.purpose,
							.result = res == 0 ? "ok" : "failed" };
				struct attempt_in a = { &sm, now, res == 0 ? "sent" : "failed", err, detail };
				if ((r = vault_op_step(v, &step, NULL, &a)) < 0)
					goto out;
			}
		}
		if (cb)
			cb(ctx, &p->info, res, res == 0 ? "" : err);
		fort_error_clear();
	}
	r = 0;
out:
	vault_box_free(password);
	collect_free(&c);
	return r;
}

static int attempt_cb(void *ctx, int64_t msg, int64_t ts, const char *result, const char *error)
{
	(void)msg;
	json_array_append_new(ctx, json_pack("{s:I,s:s,s:s}", "ts", (json_int_t)ts, "result", result, "error", error));
	return 0;
}

int fort_mail_attempts(char **json_out, fort_vault *v, int64_t id)
{
	json_t *arr;
	int r;
	*json_out = NULL;
	if ((r = vault_need(v, ACT_READ, "mail-list", NULL)) < 0)
		return r;
	arr = json_array();
	if ((r = store_mail_attempt_each(v->st, id, attempt_cb, arr)) == 0 && !(*json_out = json_dumps(arr, JSON_COMPACT)))
		r = fort_error_set(FORT_ENOMEM, "out of memory");
	json_decref(arr);
	return r;
}

int fort_mail_test(fort_mail_send_report *out, fort_vault *v, const char *to, fort_mail_result_cb cb, void *ctx)
{
	fort_mail_msg m = FORT_MAIL_MSG_INIT;
	fort_mail_send_opts o = FORT_MAIL_SEND_OPTS_INIT;
	const char *list[1] = { to };
	int64_t id = 0;
	int r;
	memset(out, 0, sizeof *out);
	if (!to || !*to)
		return fort_error_set(FORT_EINPUT, "a test message needs an address to go to");
	m.to = list;
	m.nto = 1;
	m.subject = "Fortress test message";
	m.text = "This is a test message from Fortress: the vault's e-mail settings work.\n";
	m.html = "<p>This is a test message from <strong>Fortress</strong>: the vault's e-mail settings work.</p>\n";
	m.ref = "test";
	m.purpose = "test";
	if ((r = fort_mail_queue(&id, v, &m)) < 0)
		return r;
	o.only_id = id;
	return fort_mail_send(out, v, &o, cb, ctx);
}
