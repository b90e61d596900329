/* web_me.c - the client's self-service privacy page at /me (issue 18
 * items 2-4).  Public rows of web.c's page table; this file keeps its own
 * client sessions and CSRF, apart from the staff's.
 *
 *   GET  /me            ask for a sign-in link (an e-mail address)
 *   POST /me            the same answer for every well-formed address; the
 *                       link is made and e-mailed by a worker thread, so
 *                       the answer's time does not depend on the address
 *   GET  /me/link?t=    a page with a button (a GET changes nothing, and a
 *                       mail scanner fetching the link does not use it up)
 *   POST /me/link       use the link: single use, 15 minutes, this browser
 *   GET  /me/home       what Fortress holds about the client (audited)
 *   POST /me/consent    give or withdraw a consent
 *   POST /me/request    access, portability, rectification, erasure,
 *                       objection, restriction
 *   POST /me/signout
 *
 * The vault is opened once, at start, as the self-service keyholder
 * (serve --me-user, passphrase from --me-passphrase-file): a user whose
 * role holds only the contact key and read and write (docs/SECURITY.md,
 * "Self-service page").  One request uses that handle at a time.
 *
 * Texts come from the catalogues (src/data/i18n.h), the language from
 * ?lang=, the form, the session, then Accept-Language. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "server/mhd.h"
#include <sodium.h>
#include "util.h"
#include "data/i18n.h"
#include "server/web.h"

#define ME_COOKIE "fortress_me"
#define BROWSER_COOKIE "fortress_me_browser"
#define ME_SESSIONS 256
#define ME_IDLE 900
#define ME_ABSOLUTE 3600
#define ME_JOBS 64          /* link requests waiting for the worker; more: 503 */
#define ME_BUSY_RETRY 60    /* seconds, the Retry-After of that 503 */
#define ME_RATE_SLOTS 256
#define ME_RATE_ADDR 60     /* link requests per network address ... */
#define ME_RATE_EMAIL 20    /* ... and per e-mail address asked for ... */
#define ME_RATE_WINDOW 600  /* ... per 10 minutes */

struct me_session {
	int used;
	unsigned char hash[32];           /* BLAKE2b of the cookie */
	char csrf[FORT_ME_TOKEN_LEN + 1];
	char client[FORT_ID_LEN + 1];
	char lang[4];
	char *email;                      /* the address the link went to (wiped) */
	int64_t start, last;
};

struct me_job {
	char email[320];
	char browser[FORT_ME_TOKEN_LEN + 1];
	char lang[4];
};

struct me_rate {
	char address[80];
	int64_t since;
	int n;
};

struct me_state {
	pthread_mutex_t lock;             /* the handle */
	fort_vault *v;
	char base_url[256];
	char second_step[128];
	pthread_mutex_t slock;            /* sessions, jobs, rate */
	pthread_cond_t cond;
	struct me_session sess[ME_SESSIONS];
	struct me_job jobs[ME_JOBS];
	size_t njobs;
	unsigned long dropped;            /* link requests refused (queue full), not yet audited */
	struct me_rate rate[ME_RATE_SLOTS];
	int stop, has_worker, quiet;
	pthread_t worker;
};

static struct me_state *state_of(page *p)
{
	return p->req.srv->me;
}

/* ---------------------------------------------------------------- language */

static const char *page_lang(page *p, const struct me_session *se)
{
	return web_lang(p, se ? se->lang : NULL);
}

static const char *T(page *p, const char *key)
{
	return i18n_text(p->lang, key);
}

static void put_t(page *p, const char *key)
{
	web_text(p, T(p, key));
}

/* The whole document: html lang, the switcher, the page, the footer. */
static void me_document(page *p, const char *title, const char *here)
{
	fort_buf b;
	fort_buf_init_secret(&b, 4u << 20);
	fort_buf_printf(&b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
			    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
			    "<meta name=\"referrer\" content=\"no-referrer\"><title>",
			p->lang);
	fort_html_escape_str(&b, title);
	fort_buf_puts(&b, "</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head>\n<body><a class=\"skip\" href=\"#main\">");
	fort_html_escape_str(&b, i18n_text(p->lang, "me.skip"));
	fort_buf_puts(&b, "</a><header class=\"top\"><p class=\"brand\">");
	fort_html_escape_str(&b, i18n_text(p->lang, "me.title"));
	fort_buf_puts(&b, "</p>");
	web_languages(&b, p, here);
	fort_buf_puts(&b, "</header>\n<main id=\"main\"><h1>");
	fort_html_escape_str(&b, title);
	fort_buf_puts(&b, "</h1>\n");
	fort_buf_put(&b, p->out.buf, p->out.len);
	fort_buf_puts(&b, "</main>\n<footer><p>");
	fort_html_escape_str(&b, i18n_text(p->lang, "me.footer"));
	fort_buf_puts(&b, "</p></footer></body></html>\n");
	fort_buf_release(&p->out);
	p->out = b;
	p->whole = 1;
}

static void lang_field(page *p)
{
	web_put(p, "<input type=\"hidden\" name=\"lang\" value=\"%s\">", p->lang);
}

static void problem_t(page *p, const char *key)
{
	web_problem(p, T(p, key));
}

static void cookie(page *p, int slot, const char *name, const char *value, const char *path, int max_age)
{
	snprintf(p->cookies[slot], sizeof p->cookies[slot], "%s=%s; Path=%s; HttpOnly; SameSite=Strict%s%s", name, value, path,
		 p->req.srv->secure_cookie ? "; Secure" : "", max_age == 0 ? "; Max-Age=0" : "");
}

/* ---------------------------------------------------------------- sessions */

static void sess_clear(struct me_session *se)
{
	if (se->email) {
		sodium_memzero(se->email, strlen(se->email));
		free(se->email);
	}
	sodium_memzero(se, sizeof *se);
}

static void hash_of(unsigned char out[32], const char *id)
{
	crypto_generichash(out, 32, (const unsigned char *)id, strlen(id), NULL, 0);
}

/* The session of the request's cookie, copied into *OUT (email borrowed
 * only under the lock: a copy in EMAIL).  0, or -1 when there is none. */
static int sess_get(struct me_state *m, page *p, struct me_session *out, char *email, size_t ecap)
{
	const char *id = MHD_lookup_connection_value(p->req.conn, MHD_COOKIE_KIND, ME_COOKIE);
	unsigned char h[32];
	int64_t now = fort_now();
	int found = -1;
	if (!id || strlen(id) != FORT_ME_TOKEN_LEN)
		return -1;
	hash_of(h, id);
	pthread_mutex_lock(&m->slock);
	for (int i = 0; i < ME_SESSIONS; i++) {
		struct me_session *se = &m->sess[i];
		if (!se->used)
			continue;
		if (now - se->last > ME_IDLE || now - se->start > ME_ABSOLUTE) {
			sess_clear(se);
			continue;
		}
		if (sodium_memcmp(se->hash, h, 32) == 0) {
			se->last = now;
			*out = *se;
			out->email = NULL;
			snprintf(email, ecap, "%s", se->email ? se->email : "");
			found = 0;
		}
	}
	pthread_mutex_unlock(&m->slock);
	return found;
}

static void sess_set_lang(struct me_state *m, const unsigned char hash[32], const char *lang)
{
	pthread_mutex_lock(&m->slock);
	for (int i = 0; i < ME_SESSIONS; i++)
		if (m->sess[i].used && sodium_memcmp(m->sess[i].hash, hash, 32) == 0)
			snprintf(m->sess[i].lang, sizeof m->sess[i].lang, "%s", lang);
	pthread_mutex_unlock(&m->slock);
}

/* A new session for CLIENT (takes EMAIL); the cookie goes in P's slot 0. */
static int sess_new(struct me_state *m, page *p, const char *client, char *email)
{
	char id[FORT_ME_TOKEN_LEN + 1];
	int64_t now = fort_now();
	int slot = -1;
	fort_me_browser_new(id);
	pthread_mutex_lock(&m->slock);
	for (int i = 0; i < ME_SESSIONS && slot < 0; i++)
		if (!m->sess[i].used || now - m->sess[i].last > ME_IDLE || now - m->sess[i].start > ME_ABSOLUTE) {
			sess_clear(&m->sess[i]);
			slot = i;
		}
	if (slot >= 0) {
		struct me_session *se = &m->sess[slot];
		se->used = 1;
		hash_of(se->hash, id);
		fort_me_browser_new(se->csrf);
		snprintf(se->client, sizeof se->client, "%s", client);
		snprintf(se->lang, sizeof se->lang, "%s", p->lang);
		se->email = email;
		se->start = se->last = now;
	}
	pthread_mutex_unlock(&m->slock);
	if (slot < 0) {
		sodium_memzero(email, strlen(email));
		free(email);
		sodium_memzero(id, sizeof id);
		return fort_error_set(FORT_EBUSY, "too many people are signed in to the self-service page: try again in a few minutes");
	}
	cookie(p, 0, ME_COOKIE, id, "/me", -1);
	sodium_memzero(id, sizeof id);
	return 0;
}

static void sess_end(struct me_state *m, page *p)
{
	const char *id = MHD_lookup_connection_value(p->req.conn, MHD_COOKIE_KIND, ME_COOKIE);
	unsigned char h[32];
	if (!id)
		return;
	hash_of(h, id);
	pthread_mutex_lock(&m->slock);
	for (int i = 0; i < ME_SESSIONS; i++)
		if (m->sess[i].used && sodium_memcmp(m->sess[i].hash, h, 32) == 0)
			sess_clear(&m->sess[i]);
	pthread_mutex_unlock(&m->slock);
}

/* ---------------------------------------------------------------- the handle */

/* Borrow the keyholder's handle (refreshed); NULL when the page is not
 * set up or the handle failed. */
static fort_vault *handle_get(struct me_state *m)
{
	if (!m || !m->v)
		return NULL;
	pthread_mutex_lock(&m->lock);
	if (fort_vault_refresh(m->v) < 0) {
		pthread_mutex_unlock(&m->lock);
		return NULL;
	}
	return m->v;
}

static void handle_put(struct me_state *m)
{
	if (fort_vault_flush(m->v) < 0)
		fort_error_clear(); /* the next request's refresh reads the file again */
	pthread_mutex_unlock(&m->lock);
}

static void me_wake(void *arg)
{
	struct me_state *m = arg;
	pthread_mutex_lock(&m->slock);
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->slock);
}

/* The link requests, one at a time, and the outbox's self-service mail. */
static void *worker(void *arg)
{
	struct me_state *m = arg;
	for (;;) {
		struct me_job job;
		fort_me_opts o = FORT_ME_OPTS_INIT;
		fort_vault *v;
		pthread_mutex_lock(&m->slock);
		while (!m->njobs && !m->dropped && !m->stop)
			pthread_cond_wait(&m->cond, &m->slock);
		if (m->dropped) {
			/* refusals while the queue was full: one audit entry for them */
			unsigned long n = m->dropped;
			char why[160];
			m->dropped = 0;
			pthread_mutex_unlock(&m->slock);
			snprintf(why, sizeof why, "%lu sign-in link request(s) refused with 503: the link queue (%d) was full", n,
				 ME_JOBS);
			if ((v = handle_get(m))) {
				if (fort_audit_refusal(v, "me-link", why) < 0 && !m->quiet)
					fprintf(stderr, "fortress serve: /me: %s, and that could not be audited: %s\n", why,
						fort_error_message());
				fort_error_clear();
				handle_put(m);
			} else if (!m->quiet) {
				fprintf(stderr, "fortress serve: /me: %s (not audited: the vault handle failed)\n", why);
			}
			continue;
		}
		if (m->stop && !m->njobs) {
			pthread_mutex_unlock(&m->slock);
			break;
		}
		job = m->jobs[0];
		memmove(&m->jobs[0], &m->jobs[1], (m->njobs - 1) * sizeof m->jobs[0]);
		m->njobs--;
		sodium_memzero(&m->jobs[m->njobs], sizeof m->jobs[0]);
		pthread_mutex_unlock(&m->slock);

		o.base_url = m->base_url;
		o.language = job.lang;
		if ((v = handle_get(m))) {
			int r = fort_me_link_request(v, job.email, job.browser, &o);
			if (r < 0 && !m->quiet)
				fprintf(stderr, "fortress serve: /me: a sign-in link could not be made: %s\n", fort_error_message());
			if (r == 0) {
				fort_mail_send_opts so = FORT_MAIL_SEND_OPTS_INIT;
				fort_mail_send_report rep;
				so.ref_prefix = "me:";
				so.timeout_seconds = 20;
				memset(&rep, 0, sizeof rep);
				if (fort_mail_send(&rep, v, &so, NULL, NULL) < 0 && !m->quiet)
					fprintf(stderr, "fortress serve: /me: the outbox was not sent: %s\n", fort_error_message());
				else if (rep.failed && !m->quiet)
					fprintf(stderr, "fortress serve: /me: %zu message(s) stay in the outbox ('fortress mail list' "
						"says why)\n", rep.failed);
			}
			fort_error_clear();
			handle_put(m);
		}
		sodium_memzero(&job, sizeof job);
	}
	return NULL;
}

static int rate_ok(struct me_state *m, const char *address, int max)
{
	int64_t now = fort_now();
	int ok = 1, slot = -1, oldest = 0;
	pthread_mutex_lock(&m->slock);
	for (int i = 0; i < ME_RATE_SLOTS; i++) {
		if (strcmp(m->rate[i].address, address) == 0) {
			slot = i;
			break;
		}
		if (m->rate[i].since < m->rate[oldest].since)
			oldest = i;
	}
	if (slot < 0) {
		slot = oldest;
		snprintf(m->rate[slot].address, sizeof m->rate[slot].address, "%s", address);
		m->rate[slot].since = now;
		m->rate[slot].n = 0;
	}
	if (now - m->rate[slot].since > ME_RATE_WINDOW) {
		m->rate[slot].since = now;
		m->rate[slot].n = 0;
	}
	ok = ++m->rate[slot].n <= max;
	pthread_mutex_unlock(&m->slock);
	return ok;
}

int web_me_start(server *s, const char *user, const char *pass_file, const char *base_url, const char *second_step)
{
	struct me_state *m;
	fort_secret *pass = NULL;
	int r;
	if (!(m = calloc(1, sizeof *m)))
		return fort_error_set(FORT_ENOMEM, "out of memory");
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->slock, NULL);
	pthread_cond_init(&m->cond, NULL);
	snprintf(m->base_url, sizeof m->base_url, "%s", base_url ? base_url : "");
	snprintf(m->second_step, sizeof m->second_step, "%s", second_step ? second_step : "");
	m->quiet = s->quiet;
	s->me = m;
	if (!user)
		return 0; /* the page says it is not set up */
	if (!pass_file) {
		r = fort_error_set(FORT_EINPUT, "--me-user needs --me-passphrase-file FILE (the self-service keyholder's passphrase)");
		goto fail;
	}
	if ((r = fort_secret_from_file(&pass, pass_file)) < 0 || (r = fort_vault_open(&m->v, s->vault_path, user, pass)) < 0)
		goto fail;
	fort_secret_free(pass);
	pass = NULL;
	if (fort_vault_can(m->v, "reveal", NULL) || fort_vault_can(m->v, "erase", NULL) || fort_vault_can(m->v, "users", NULL)) {
		r = fort_error_set(FORT_EDENIED, "--me-user '%s' may reveal, erase or manage users: give the self-service page a user of "
				   "its own whose role has only read and write and the contact category (docs/SECURITY.md)", user);
		goto fail;
	}
	if (pthread_create(&m->worker, NULL, worker, m) != 0) {
		r = fort_error_set(FORT_ERROR, "cannot start the self-service page's worker");
		goto fail;
	}
	m->has_worker = 1;
	return 0;
fail:
	fort_secret_free(pass);
	fort_vault_close(m->v);
	m->v = NULL;
	return r;
}

void web_me_set_base(server *s, const char *base_url)
{
	struct me_state *m = s->me;
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	snprintf(m->base_url, sizeof m->base_url, "%s", base_url);
	pthread_mutex_unlock(&m->lock);
}

void web_me_stop(server *s)
{
	struct me_state *m = s->me;
	if (!m)
		return;
	pthread_mutex_lock(&m->slock);
	m->stop = 1;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->slock);
	if (m->has_worker)
		pthread_join(m->worker, NULL);
	for (int i = 0; i < ME_SESSIONS; i++)
		sess_clear(&m->sess[i]);
	fort_vault_close(m->v);
	pthread_mutex_destroy(&m->lock);
	pthread_mutex_destroy(&m->slock);
	pthread_cond_destroy(&m->cond);
	sodium_memzero(m, sizeof *m);
	free(m);
	s->me = NULL;
}

/* ---------------------------------------------------------------- pages */

static void ask_form(page *p, const char *value)
{
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/me\">");
	lang_field(p);
	web_put(p, "<p><label for=\"email\">");
	put_t(p, "me.email_label");
	web_put(p, "</label><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required value=\"");
	web_text(p, value ? value : "");
	web_put(p, "\"></p><p><button type=\"submit\">");
	put_t(p, "me.send");
	web_put(p, "</button></p></form>");
}

static int not_set_up(page *p, const char *here)
{
	p->status = MHD_HTTP_SERVICE_UNAVAILABLE;
	problem_t(p, "me.not_set_up");
	me_document(p, T(p, "me.title"), here);
	return 0;
}

int page_me(page *p)
{
	struct me_state *m = state_of(p);
	struct me_session se;
	char email[8];
	p->lang = page_lang(p, NULL);
	if (!m || !m->v)
		return not_set_up(p, "/me");
	if (sess_get(m, p, &se, email, sizeof email) == 0) {
		snprintf(p->location, sizeof p->location, "/me/home?lang=%s", page_lang(p, &se));
		p->status = MHD_HTTP_SEE_OTHER;
		return 0;
	}
	web_put(p, "<p>");
	put_t(p, "me.intro");
	web_put(p, "</p>");
	ask_form(p, NULL);
	me_document(p, T(p, "me.title"), "/me");
	return 0;
}

/* One '@' with something before it and a dotted domain after it, no
 * space or control character, at most 254 bytes. */
static int plausible_email(const char *s)
{
	const char *at, *dot;
	size_t n;
	if (!s)
		return 0;
	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n && s[n - 1] == ' ')
		n--;
	if (n < 3 || n > 254)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return 0;
	at = memchr(s, '@', n);
	if (!at || at == s || memchr(at + 1, '@', n - (size_t)(at + 1 - s)))
		return 0;
	dot = memchr(at + 1, '.', n - (size_t)(at + 1 - s));
	return dot && dot > at + 1 && dot < s + n - 1;
}

int page_me_ask(page *p)
{
	struct me_state *m = state_of(p);
	const char *email = web_form(p, "email");
	const char *have = MHD_lookup_connection_value(p->req.conn, MHD_COOKIE_KIND, BROWSER_COOKIE);
	char browser[FORT_ME_TOKEN_LEN + 1];
	int throttled, queued = 0;
	p->lang = page_lang(p, NULL);
	if (!m || !m->v)
		return not_set_up(p, "/me");
	/* floods: per network address, and per address asked for (kept as a
	 * hash: the same for a client's address and any other) */
	{
		unsigned char h[16];
		char key[40] = "e:";
		size_t n = email ? strlen(email) : 0;
		char low[320];
		for (size_t i = 0; i < n && i < sizeof low - 1; i++)
			low[i] = (char)(email[i] >= 'A' && email[i] <= 'Z' ? email[i] + 32 : email[i]);
		low[n < sizeof low - 1 ? n : sizeof low - 1] = '\0';
		crypto_generichash(h, sizeof h, (const unsigned char *)low, strlen(low), NULL, 0);
		sodium_bin2hex(key + 2, sizeof key - 2, h, sizeof h);
		sodium_memzero(low, sizeof low);
		throttled = !rate_ok(m, p->req.address, ME_RATE_ADDR) || !rate_ok(m, key, ME_RATE_EMAIL);
	}
	if (throttled) {
		p->status = 429;
		p->retry_after = ME_RATE_WINDOW;
		problem_t(p, "me.too_many");
		me_document(p, T(p, "me.title"), "/me");
		return 0;
	}
	/* obviously not an address: said at once.  The library's own rule (the
	 * map's type) runs in the worker; this page does not wait for the
	 * handle, which the worker may be holding for an earlier request (its
	 * time would tell what that request was) */
	if (!plausible_email(email)) {
		p->status = MHD_HTTP_BAD_REQUEST;
		problem_t(p, "me.bad_email");
		ask_form(p, email);
		me_document(p, T(p, "me.title"), "/me");
		return 0;
	}
	/* the browser's binding: the cookie it has (several links may be
	 * asked for), else a new one */
	if (have && strlen(have) == FORT_ME_TOKEN_LEN && strspn(have, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
							     FORT_ME_TOKEN_LEN)
		snprintf(browser, sizeof browser, "%s", have);
	else
		fort_me_browser_new(browser);
	cookie(p, 1, BROWSER_COOKIE, browser, "/me", -1);
	/* the work is the worker's: this answer takes the same time and says
	 * the same for every address */
	pthread_mutex_lock(&m->slock);
	if (m->njobs < ME_JOBS) {
		struct me_job *j = &m->jobs[m->njobs++];
		snprintf(j->email, sizeof j->email, "%s", email);
		snprintf(j->browser, sizeof j->browser, "%s", browser);
		snprintf(j->lang, sizeof j->lang, "%s", p->lang);
		queued = 1;
	} else {
		m->dropped++; /* the worker audits it */
	}
	pthread_mutex_unlock(&m->slock);
	/* the worker is woken once this answer has gone out: its work for a
	 * client's address (the link, the mail, the audit entry) must not
	 * share the CPU with building this answer, or the answer's time would
	 * tell a client's address from another (test_me.py's medians) */
	http_after_response(me_wake, m);
	sodium_memzero(browser, sizeof browser);
	if (!queued) {
		/* never "a link is on its way" when none will be made: the
		 * same answer for every address (the queue's state does not
		 * depend on the one asked for) */
		p->status = MHD_HTTP_SERVICE_UNAVAILABLE;
		p->retry_after = ME_BUSY_RETRY;
		problem_t(p, "me.busy");
		ask_form(p, NULL);
		me_document(p, T(p, "me.title"), "/me");
		return 0;
	}
	web_put(p, "<div class=\"card\" role=\"status\"><p>");
	put_t(p, "me.sent");
	web_put(p, "</p></div>");
	me_document(p, T(p, "me.sent_title"), "/me");
	return 0;
}

int page_me_link(page *p)
{
	struct me_state *m = state_of(p);
	const char *t = http_query(&p->req, "t");
	p->lang = page_lang(p, NULL);
	if (!m || !m->v)
		return not_set_up(p, "/me");
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/me/link\"><p>");
	put_t(p, "me.link_intro");
	web_put(p, "</p><input type=\"hidden\" name=\"t\" value=\"");
	web_text(p, t ? t : "");
	web_put(p, "\">");
	lang_field(p);
	web_put(p, "<p><button type=\"submit\">");
	put_t(p, "me.link_continue");
	web_put(p, "</button></p></form>");
	me_document(p, T(p, "me.link_title"), "/me");
	return 0;
}

int page_me_link_post(page *p)
{
	struct me_state *m = state_of(p);
	fort_me_opts o = FORT_ME_OPTS_INIT;
	fort_me_link_result res = FORT_ME_LINK_INVALID;
	char client[FORT_ID_LEN + 1];
	char *email = NULL;
	fort_vault *v;
	int r;
	p->lang = page_lang(p, NULL);
	if (!m || !m->v)
		return not_set_up(p, "/me");
	/* guessing links (each try is audited): as many as asking for them */
	char lkey[72];
	snprintf(lkey, sizeof lkey, "l:%s", p->req.address);
	if (!rate_ok(m, lkey, ME_RATE_ADDR)) {
		p->status = 429;
		p->retry_after = ME_RATE_WINDOW;
		problem_t(p, "me.too_many");
		me_document(p, T(p, "me.title"), "/me");
		return 0;
	}
	if (!(v = handle_get(m)))
		return fort_error_set(FORT_EIO, "%s", T(p, "me.failed"));
	r = fort_me_link_redeem(&res, client, &email, v, web_form(p, "t"),
				MHD_lookup_connection_value(p->req.conn, MHD_COOKIE_KIND, BROWSER_COOKIE), &o);
	handle_put(m);
	if (r < 0)
		return r;
	if (res != FORT_ME_LINK_OK) {
		p->status = MHD_HTTP_FORBIDDEN;
		problem_t(p, res == FORT_ME_LINK_EXPIRED ? "me.link_expired" : res == FORT_ME_LINK_BROWSER ? "me.link_browser" : "me.link_bad");
		ask_form(p, NULL);
		me_document(p, T(p, "me.link_refused_title"), "/me");
		return 0;
	}
	if ((r = sess_new(m, p, client, email)) < 0)
		return r;
	snprintf(p->location, sizeof p->location, "/me/home?lang=%s", p->lang);
	p->status = MHD_HTTP_SEE_OTHER;
	return 0;
}

/* The session of a signed-in page, or the "ask for a new link" page. */
static int need_session(page *p, struct me_session *se, char *email, size_t ecap)
{
	struct me_state *m = state_of(p);
	if (sess_get(m, p, se, email, ecap) == 0) {
		p->lang = page_lang(p, se);
		return 0;
	}
	p->lang = page_lang(p, NULL);
	p->status = MHD_HTTP_UNAUTHORIZED;
	problem_t(p, "me.session_gone");
	ask_form(p, NULL);
	me_document(p, T(p, "me.title"), "/me");
	return -1;
}

static int form_csrf_ok(page *p, const struct me_session *se)
{
	const char *c = web_form(p, "csrf");
	return c && strlen(c) == FORT_ME_TOKEN_LEN && sodium_memcmp(c, se->csrf, FORT_ME_TOKEN_LEN) == 0;
}

static void csrf_field(page *p, const struct me_session *se)
{
	web_put(p, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", se->csrf);
	lang_field(p);
}

/* The recipients of the activities of FIELD's purposes, comma-separated. */
static void field_recipients(page *p, fort_vault *v, const fort_field_info *f)
{
	int any = 0;
	for (size_t a = 0; a < fort_map_activity_count(v); a++) {
		const fort_activity_info *ai = fort_map_activity(v, a);
		int used = 0;
		for (size_t k = 0; k < f->npurposes; k++)
			used |= strcmp(f->purposes[k], ai->purpose) == 0;
		for (size_t k = 0; used && k < ai->nrecipients; k++) {
			web_put(p, "%s", any ? ", " : "");
			web_text(p, ai->recipients[k]);
			any = 1;
		}
	}
	if (!any)
		put_t(p, "me.none");
}

static void data_table(page *p, fort_vault *v)
{
	web_put(p, "<section aria-labelledby=\"data-h\"><h2 id=\"data-h\">");
	put_t(p, "me.data_heading");
	web_put(p, "</h2><p>");
	put_t(p, "me.data_intro");
	web_put(p, "</p><table><thead><tr>");
	static const char *const cols[] = { "col.field", "col.category", "col.purposes", "col.basis", "col.retention", "col.recipients" };
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		web_put(p, "<th scope=\"col\">");
		put_t(p, cols[i]);
		web_put(p, "</th>");
	}
	web_put(p, "</tr></thead><tbody>");
	for (size_t i = 0; i < fort_map_count(v); i++) {
		const fort_field_info *f = fort_map_field(v, i);
		char ret[512];
		web_put(p, "<tr><th scope=\"row\">");
		web_text(p, f->label && *f->label ? f->label : f->name);
		web_put(p, "</th><td>");
		web_text(p, f->category);
		web_put(p, "</td><td>");
		for (size_t k = 0; k < f->npurposes; k++) {
			web_put(p, "%s", k ? ", " : "");
			web_text(p, f->purposes[k]);
		}
		web_put(p, "</td><td>");
		web_text(p, f->legal_basis);
		web_put(p, "</td><td>");
		if (fort_field_retention_text(ret, sizeof ret, v, f->name) == 0)
			web_text(p, ret);
		fort_error_clear();
		web_put(p, "</td><td>");
		field_recipients(p, v, f);
		web_put(p, "</td></tr>");
	}
	web_put(p, "</tbody></table></section>");
}

static int consents_section(page *p, fort_vault *v, const struct me_session *se)
{
	fort_consent_state *cs = NULL;
	fort_consent_entry *ce = NULL;
	size_t ns = 0, nh = 0;
	int restricted = 0, r, any = 0;
	char when[21];
	if ((r = fort_consent_status(&cs, &ns, &restricted, v, se->client)) < 0)
		return r;
	if ((r = fort_consent_history(&ce, &nh, v, se->client)) < 0) {
		free(cs);
		return r;
	}
	web_put(p, "<section aria-labelledby=\"consent-h\"><h2 id=\"consent-h\">");
	put_t(p, "me.consents_heading");
	web_put(p, "</h2><p>");
	put_t(p, "me.consents_intro");
	web_put(p, "</p><table><thead><tr><th scope=\"col\">");
	put_t(p, "col.purpose");
	web_put(p, "</th><th scope=\"col\">");
	put_t(p, "col.status");
	web_put(p, "</th><th scope=\"col\">");
	put_t(p, "col.change");
	web_put(p, "</th></tr></thead><tbody>");
	for (size_t a = 0; a < fort_map_activity_count(v); a++) {
		const fort_activity_info *ai = fort_map_activity(v, a);
		int given = 0;
		if (!ai->legal_basis || strcmp(ai->legal_basis, "consent") != 0)
			continue;
		any = 1;
		for (size_t i = 0; i < ns; i++)
			if (strcmp(cs[i].purpose, ai->purpose) == 0)
				given = cs[i].consented;
		web_put(p, "<tr><th scope=\"row\">");
		web_text(p, ai->purpose);
		if (ai->description && *ai->description) {
			web_put(p, "<br><span class=\"help\">");
			web_text(p, ai->description);
			web_put(p, "</span>");
		}
		web_put(p, "</th><td data-consent=\"%s\">", given ? "given" : "not-given");
		put_t(p, given ? "me.consent_given" : "me.consent_withdrawn");
		web_put(p, "</td><td><form method=\"post\" action=\"/me/consent\">");
		csrf_field(p, se);
		web_put(p, "<input type=\"hidden\" name=\"purpose\" value=\"");
		web_text(p, ai->purpose);
		web_put(p, "\"><input type=\"hidden\" name=\"action\" value=\"%s\"><button type=\"submit\" name=\"go\" value=\"",
			given ? "withdraw" : "grant");
		web_text(p, ai->purpose);
		web_put(p, "\">");
		put_t(p, given ? "me.withdraw" : "me.give");
		web_put(p, "</button></form></td></tr>");
	}
	if (!any) {
		web_put(p, "<tr><td colspan=\"3\">");
		put_t(p, "me.none");
		web_put(p, "</td></tr>");
	}
	web_put(p, "</tbody></table>");
	if (nh) {
		web_put(p, "<table><caption>");
		put_t(p, "me.history_heading");
		web_put(p, "</caption><thead><tr><th scope=\"col\">");
		put_t(p, "col.date");
		web_put(p, "</th><th scope=\"col\">");
		put_t(p, "col.purpose");
		web_put(p, "</th><th scope=\"col\">");
		put_t(p, "col.action");
		web_put(p, "</th><th scope=\"col\">");
		put_t(p, "col.channel");
		web_put(p, "</th><th scope=\"col\">");
		put_t(p, "col.notice");
		web_put(p, "</th></tr></thead><tbody>");
		for (size_t i = 0; i < nh; i++) {
			fort_time_iso(when, ce[i].ts);
			web_put(p, "<tr><td>");
			web_text(p, when);
			web_put(p, "</td><td>");
			web_text(p, ce[i].purpose);
			web_put(p, "</td><td>");
			web_text(p, ce[i].action);
			web_put(p, "</td><td>");
			web_text(p, ce[i].channel);
			web_put(p, "</td><td><code>%.12s</code></td></tr>", ce[i].notice);
		}
		web_put(p, "</tbody></table>");
	}
	web_put(p, "</section>");
	free(cs);
	free(ce);
	return 0;
}

static const char *const kinds[] = { "access", "portability", "rectification", "erasure", "objection", "restriction" };

static int rights_section(page *p, fort_vault *v, const struct me_session *se)
{
	fort_request_info *rq = NULL;
	size_t n = 0;
	char key[48];
	int r;
	web_put(p, "<section aria-labelledby=\"rights-h\"><h2 id=\"rights-h\">");
	put_t(p, "me.rights_heading");
	web_put(p, "</h2><p>");
	put_t(p, "me.rights_intro");
	web_put(p, "</p><ul class=\"rights\">");
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		web_put(p, "<li><form method=\"post\" action=\"/me/request\">");
		csrf_field(p, se);
		web_put(p, "<input type=\"hidden\" name=\"kind\" value=\"%s\">", kinds[i]);
		if (strcmp(kinds[i], "rectification") == 0) {
			/* the client's own words: what is wrong, what it should be */
			web_put(p, "<p><label for=\"note-rectification\">");
			put_t(p, "me.note_label");
			web_put(p, "</label><textarea id=\"note-rectification\" name=\"note\" rows=\"3\" maxlength=\"%d\" required>"
				   "</textarea></p>", FORT_REQUEST_NOTE_MAX);
		}
		web_put(p, "<button type=\"submit\" id=\"ask-%s\">", kinds[i]);
		snprintf(key, sizeof key, "kind.%s", kinds[i]);
		put_t(p, key);
		web_put(p, "</button></form></li>");
	}
	web_put(p, "</ul>");
	if ((r = fort_request_list(&rq, &n, v, se->client, 0, NULL)) < 0)
		return r;
	if (n) {
		web_put(p, "<table><caption>");
		put_t(p, "me.requests_heading");
		web_put(p, "</caption><thead><tr><th scope=\"col\">");
		put_t(p, "col.request");
		web_put(p, "</th><th scope=\"col\">");
		put_t(p, "col.received");
		web_put(p, "</th><th scope=\"col\">");
		put_t(p, "col.due");
		web_put(p, "</th><th scope=\"col\">");
		put_t(p, "col.state");
		web_put(p, "</th></tr></thead><tbody>");
		for (size_t i = 0; i < n; i++) {
			web_put(p, "<tr data-request=\"%lld\"><td>", (long long)rq[i].id);
			snprintf(key, sizeof key, "kind.%s", rq[i].kind);
			put_t(p, key);
			web_put(p, "</td><td>");
			web_text(p, rq[i].received);
			web_put(p, "</td><td>");
			web_text(p, rq[i].due[0] ? rq[i].due : "-");
			web_put(p, "</td><td>");
			snprintf(key, sizeof key, "state.%s", rq[i].state);
			put_t(p, key);
			web_put(p, "</td></tr>");
		}
		web_put(p, "</tbody></table>");
	}
	web_put(p, "</section>");
	free(rq);
	return 0;
}

static void signout_form(page *p, const struct me_session *se)
{
	web_put(p, "<form method=\"post\" action=\"/me/signout\">");
	csrf_field(p, se);
	web_put(p, "<p><button type=\"submit\" class=\"secondary\">");
	put_t(p, "me.signout");
	web_put(p, "</button></p></form>");
}

int page_me_home(page *p)
{
	struct me_state *m = state_of(p);
	struct me_session se;
	char email[8];
	fort_vault *v;
	int r;
	if (!m || !m->v) {
		p->lang = page_lang(p, NULL);
		return not_set_up(p, "/me");
	}
	if (need_session(p, &se, email, sizeof email) < 0)
		return 0;
	if (http_query(&p->req, "lang"))
		sess_set_lang(m, se.hash, p->lang);
	if (!(v = handle_get(m)))
		return fort_error_set(FORT_EIO, "%s", T(p, "me.failed"));
	if ((r = fort_me_view(v, se.client)) < 0 || (r = consents_section(p, v, &se)) < 0 || (r = rights_section(p, v, &se)) < 0) {
		handle_put(m);
		return r;
	}
	data_table(p, v);
	handle_put(m);
	signout_form(p, &se);
	me_document(p, T(p, "me.home_title"), "/me/home");
	sodium_memzero(&se, sizeof se);
	return 0;
}

/* A state-changing form of a signed-in client: session and CSRF first. */
static int me_post_begin(page *p, struct me_session *se, char *email, size_t ecap)
{
	struct me_state *m = state_of(p);
	if (!m || !m->v) {
		p->lang = page_lang(p, NULL);
		not_set_up(p, "/me");
		return -1;
	}
	if (need_session(p, se, email, ecap) < 0)
		return -1;
	if (!form_csrf_ok(p, se)) {
		fort_vault *v = handle_get(m);
		if (v) {
			if (fort_audit_refusal(v, "me-http", "a self-service form without its session's security token") < 0)
				fort_error_clear();
			handle_put(m);
		}
		p->status = MHD_HTTP_FORBIDDEN;
		problem_t(p, "me.form_expired");
		web_put(p, "<p><a href=\"/me/home?lang=%s\">", p->lang);
		put_t(p, "me.back");
		web_put(p, "</a></p>");
		me_document(p, T(p, "me.title"), "/me/home");
		return -1;
	}
	return 0;
}

int page_me_consent(page *p)
{
	struct me_state *m = state_of(p);
	struct me_session se;
	fort_me_opts o = FORT_ME_OPTS_INIT;
	char email[8];
	fort_vault *v;
	int r;
	if (me_post_begin(p, &se, email, sizeof email) < 0)
		return 0;
	o.language = p->lang;
	if (!(v = handle_get(m)))
		return fort_error_set(FORT_EIO, "%s", T(p, "me.failed"));
	r = fort_me_consent(v, se.client, web_form(p, "purpose"), web_form(p, "action"), &o);
	handle_put(m);
	if (r < 0)
		return r;
	snprintf(p->location, sizeof p->location, "/me/home?lang=%s", p->lang);
	p->status = MHD_HTTP_SEE_OTHER;
	return 0;
}

int page_me_request(page *p)
{
	struct me_state *m = state_of(p);
	struct me_session se;
	fort_me_opts o = FORT_ME_OPTS_INIT;
	fort_request_info info;
	char email[320], key[48];
	fort_vault *v;
	int r;
	if (me_post_begin(p, &se, email, sizeof email) < 0)
		return 0;
	o.language = p->lang;
	o.second_step = m->second_step;
	o.note = web_form(p, "note");
	{
		const char *kind = web_form(p, "kind");
		size_t n = o.note ? strlen(o.note) : 0;
		/* said in the visitor's language before the library is asked */
		if (kind && strcmp(kind, "rectification") == 0 && (n == 0 || strspn(o.note, " \t\r\n") == n)) {
			p->status = MHD_HTTP_BAD_REQUEST;
			problem_t(p, "me.note_needed");
		} else if (n > FORT_REQUEST_NOTE_MAX) {
			p->status = MHD_HTTP_BAD_REQUEST;
			problem_t(p, "me.note_too_long");
		}
		if (p->status == MHD_HTTP_BAD_REQUEST) {
			sodium_memzero(email, sizeof email);
			web_put(p, "<p><a href=\"/me/home?lang=%s\">", p->lang);
			put_t(p, "me.back");
			web_put(p, "</a></p>");
			me_document(p, T(p, "me.rights_heading"), "/me/home");
			return 0;
		}
	}
	if (!(v = handle_get(m)))
		return fort_error_set(FORT_EIO, "%s", T(p, "me.failed"));
	r = fort_me_request(&info, v, se.client, email, web_form(p, "kind"), &o);
	if (r == 0) {
		fort_mail_send_opts so = FORT_MAIL_SEND_OPTS_INIT;
		fort_mail_send_report rep;
		so.ref_prefix = "me:";
		so.timeout_seconds = 20;
		if (fort_mail_send(&rep, v, &so, NULL, NULL) < 0)
			fort_error_clear(); /* no SMTP settings yet: the outbox keeps it */
	}
	handle_put(m);
	sodium_memzero(email, sizeof email);
	if (r < 0)
		return r;
	web_put(p, "<div class=\"card\" role=\"status\"><p>");
	snprintf(key, sizeof key, "kind.%s", info.kind);
	put_t(p, key);
	web_put(p, "</p><p>");
	put_t(p, "me.request_done");
	web_put(p, " <strong data-due=\"");
	web_text(p, info.due);
	web_put(p, "\">");
	web_text(p, info.due[0] ? info.due : "-");
	web_put(p, "</strong></p>");
	if (strcmp(info.state, "awaiting_id") == 0) {
		web_put(p, "<p>");
		put_t(p, "me.pending_id");
		web_put(p, "</p>");
	}
	web_put(p, "</div><p><a href=\"/me/home?lang=%s\">", p->lang);
	put_t(p, "me.back");
	web_put(p, "</a></p>");
	me_document(p, T(p, "me.rights_heading"), "/me/home");
	return 0;
}

int page_me_signout(page *p)
{
	struct me_session se;
	char email[8];
	if (me_post_begin(p, &se, email, sizeof email) < 0)
		return 0;
	sess_end(state_of(p), p);
	cookie(p, 0, ME_COOKIE, "", "/me", 0);
	web_put(p, "<div class=\"card\" role=\"status\"><p>");
	put_t(p, "me.signed_out");
	web_put(p, "</p></div><p><a href=\"/me?lang=%s\">", p->lang);
	put_t(p, "me.start");
	web_put(p, "</a></p>");
	me_document(p, T(p, "me.title"), "/me");
	return 0;
}
