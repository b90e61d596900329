/* session.c - the server's sessions: who is signed in, holding whose keys.
 *
 * A session id is 32 bytes from libsodium's RNG, handed out once in
 * base64url (the cookie) and kept only as its BLAKE2b hash, so a dump of
 * the table does not hold a usable cookie.  Each session holds the user's
 * secret keys (fort_secret: locked, wiped when freed) and a CSRF token.
 * Ending a session (logout, idle or absolute timeout, fort_sessions_free)
 * wipes its keys.  One mutex: sessions are few and each operation short.
 *
 * Each session also keeps up to POOL vault handles opened with its keys
 * (the first at its first request, another when requests of the session
 * run side by side and every open one is lent; each open is audited as an
 * "unlock") and lends each to one request at a time (fort_session_acquire /
 * release); a request that finds all POOL lent waits for one.  A session
 * that ends while requests hold handles loses its keys at once, its idle
 * handles too, and the lent ones when the requests give them back. */
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "util.h"
#include "fortress.h"
#include "vault/vault_int.h"

#define ID_RAW 32
#define POOL FORT_SESSION_HANDLES

typedef struct {
	int used;
	unsigned char hash[32];
	char csrf[FORT_SESSION_TOKEN_LEN + 1];
	char user[128];
	fort_secret *key;
	int64_t started, seen;  /* milliseconds, CLOCK_MONOTONIC */
	fort_vault *v[POOL];    /* the session's handles, opened as requests need them */
	unsigned char busy[POOL]; /* a request holds V[i] (or is opening it: V[i] still NULL) */
	int ended;              /* ended while busy: the handles are closed at their release */
	int bearer;             /* a program's token (keyed by its hash), not a cookie */
	int64_t until;          /* milliseconds: the token's expiry, 0 none */
} sess;

struct fort_sessions {
	pthread_mutex_t mu;
	pthread_cond_t freed;   /* a handle was given back */
	sess *s;
	size_t cap;
	unsigned idle, absolute;
	fort_audit_writer *aw;  /* the handles' group commit, or NULL */
};

static int any_busy(const sess *e)
{
	for (int i = 0; i < POOL; i++)
		if (e->busy[i])
			return 1;
	return 0;
}

static void id_hash(unsigned char h[32], const char *id)
{
	crypto_generichash(h, 32, (const unsigned char *)id, strlen(id), (const unsigned char *)"fortress session", 16);
}

/* End E: its keys are wiped now.  Its idle handles go to GONE (POOL
 * slots) to be closed by the caller (outside the lock: closing writes to
 * the vault); those lent to requests are closed at fort_session_release. */
static void end(sess *e, fort_vault *gone[POOL])
{
	fort_secret_free(e->key);
	e->key = NULL;
	for (int i = 0; i < POOL; i++) {
		gone[i] = e->busy[i] ? NULL : e->v[i];
		if (!e->busy[i])
			e->v[i] = NULL;
	}
	if (any_busy(e)) {
		sodium_memzero(e->hash, sizeof e->hash);
		sodium_memzero(e->csrf, sizeof e->csrf);
		e->ended = 1;
		return;
	}
	sodium_memzero(e, sizeof *e);
}

static void close_all(fort_vault *gone[POOL])
{
	for (int i = 0; i < POOL; i++) {
		fort_vault_close(gone[i]);
		gone[i] = NULL;
	}
}

int fort_sessions_new(fort_sessions **out, const fort_sessions_opts *o)
{
	fort_sessions_opts def = FORT_SESSIONS_OPTS_INIT;
	fort_sessions *s;
	int r;
	*out = NULL;
	if (!o)
		o = &def;
	if ((r = fort_check_version(o->version, FORT_SESSIONS_OPTS_VERSION, "fort_sessions_opts", "FORT_SESSIONS_OPTS_INIT")) < 0)
		return r;
	if (!(s = fort_calloc(1, sizeof *s)))
		return FORT_ENOMEM;
	s->cap = o->max_sessions ? o->max_sessions : 256;
	s->idle = o->idle_timeout ? o->idle_timeout : 15 * 60;
	s->absolute = o->absolute_timeout ? o->absolute_timeout : 8 * 3600;
	if (!(s->s = fort_calloc(s->cap, sizeof *s->s))) {
		free(s);
		return FORT_ENOMEM;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->freed, NULL);
	*out = s;
	return 0;
}

void fort_sessions_free(fort_sessions *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->cap; i++) {
		if (s->s[i].used) {
			/* no request runs any more (the server stopped first) */
			fort_vault *gone[POOL];
			memset(s->s[i].busy, 0, sizeof s->s[i].busy);
			end(&s->s[i], gone);
			close_all(gone);
		}
	}
	pthread_cond_destroy(&s->freed);
	pthread_mutex_destroy(&s->mu);
	free(s->s);
	free(s);
}

/* Milliseconds of a clock that neither jumps with the wall clock nor
 * rounds a timeout of N seconds down to N - 1 (time(NULL) would). */
static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int expired(const fort_sessions *s, const sess *e, int64_t now)
{
	return now - e->seen >= (int64_t)s->idle * 1000 || now - e->started >= (int64_t)s->absolute * 1000 ||
	       (e->until && now >= e->until);
}

static void token(char out[FORT_SESSION_TOKEN_LEN + 1])
{
	unsigned char raw[ID_RAW];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out, FORT_SESSION_TOKEN_LEN + 1, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
}

static sess *free_slot(fort_sessions *s, int64_t now);

int fort_session_start(char id_out[FORT_SESSION_TOKEN_LEN + 1], char csrf_out[FORT_SESSION_TOKEN_LEN + 1], fort_sessions *s,
		       const char *user, fort_secret *key)
{
	int64_t now = now_ms();
	sess *slot = NULL;
	int r = 0;
	if (!user || strlen(user) >= sizeof slot->user || !key) {
		fort_secret_free(key);
		return fort_error_set(FORT_EINPUT, "a session needs a user name and keys");
	}
	pthread_mutex_lock(&s->mu);
	slot = free_slot(s, now);
	if (!slot) {
		r = fort_error_set(FORT_EBUSY, "too many people are signed in (%zu sessions): try again later, or raise the limit",
				   s->cap);
		fort_secret_free(key);
	} else {
		token(id_out);
		token(csrf_out);
		id_hash(slot->hash, id_out);
		memcpy(slot->csrf, csrf_out, sizeof slot->csrf);
		snprintf(slot->user, sizeof slot->user, "%s", user);
		slot->key = key;
		slot->started = slot->seen = now;
		slot->used = 1;
	}
	pthread_mutex_unlock(&s->mu);
	return r;
}

/* A cookie's session (BEARER 0) or a token's (1): a cookie never finds a
 * token's session, nor a token a person's. */
static sess *find_kind(fort_sessions *s, const char *id, int bearer)
{
	unsigned char h[32];
	sess *hit = NULL;
	if (!id || (!bearer && strlen(id) != FORT_SESSION_TOKEN_LEN) || (bearer && strlen(id) > 256))
		return NULL;
	id_hash(h, id);
	for (size_t i = 0; i < s->cap; i++)
		if (s->s[i].used && !s->s[i].ended && s->s[i].bearer == bearer && sodium_memcmp(s->s[i].hash, h, 32) == 0)
			hit = &s->s[i];
	sodium_memzero(h, sizeof h);
	return hit;
}

static sess *find(fort_sessions *s, const char *id)
{
	return find_kind(s, id, 0);
}

int fort_session_get(fort_secret **key_out, char user_out[128], fort_sessions *s, const char *id, const char *csrf)
{
	int64_t now = now_ms();
	sess *e;
	int r = 0;
	if (key_out)
		*key_out = NULL;
	pthread_mutex_lock(&s->mu);
	e = find(s, id);
	if (e && expired(s, e, now)) {
		fort_vault *gone[POOL];
		end(e, gone);
		close_all(gone);
		e = NULL;
	}
	if (!e) {
		r = fort_error_set(FORT_EAUTH, "not signed in, or the session has ended (signed out or timed out): sign in again");
		goto out;
	}
	if (csrf && (strlen(csrf) != FORT_SESSION_TOKEN_LEN || sodium_memcmp(csrf, e->csrf, FORT_SESSION_TOKEN_LEN) != 0)) {
		r = fort_error_set(FORT_EDENIED, "missing or wrong CSRF token: send the X-CSRF-Token header given at sign-in");
		goto out;
	}
	if (key_out && (r = fort_secret_new(key_out, fort_secret_data(e->key), fort_secret_len(e->key))) < 0)
		goto out;
	if (user_out)
		snprintf(user_out, 128, "%s", e->user);
	e->seen = now;
out:
	pthread_mutex_unlock(&s->mu);
	return r;
}

int fort_session_csrf(char csrf_out[FORT_SESSION_TOKEN_LEN + 1], fort_sessions *s, const char *id)
{
	sess *e;
	fort_vault *gone[POOL] = { NULL };
	int r = 0;
	csrf_out[0] = '\0';
	pthread_mutex_lock(&s->mu);
	e = find(s, id);
	if (e && expired(s, e, now_ms())) {
		end(e, gone);
		e = NULL;
	}
	if (e)
		memcpy(csrf_out, e->csrf, FORT_SESSION_TOKEN_LEN + 1);
	else
		r = fort_error_set(FORT_EAUTH, "not signed in, or the session has ended (signed out or timed out): sign in again");
	pthread_mutex_unlock(&s->mu);
	close_all(gone);
	return r;
}

int fort_session_end(fort_sessions *s, const char *id)
{
	sess *e;
	fort_vault *gone[POOL] = { NULL };
	int r = 0;
	pthread_mutex_lock(&s->mu);
	if ((e = find(s, id)))
		end(e, gone);
	else
		r = fort_error_set(FORT_ENOTFOUND, "no such session");
	pthread_mutex_unlock(&s->mu);
	close_all(gone);
	return r;
}

size_t fort_sessions_prune(fort_sessions *s)
{
	int64_t now = now_ms();
	size_t live = 0;
	for (;;) {
		fort_vault *gone[POOL] = { NULL };
		int more = 0;
		live = 0;
		pthread_mutex_lock(&s->mu);
		for (size_t i = 0; i < s->cap; i++) {
			if (s->s[i].used && !s->s[i].ended && expired(s, &s->s[i], now)) {
				end(&s->s[i], gone);
				for (int k = 0; k < POOL; k++)
					more |= gone[k] != NULL;
				if (more)
					break;  /* closed outside the lock, then look again */
			}
			live += s->s[i].used && !s->s[i].ended;
		}
		pthread_mutex_unlock(&s->mu);
		close_all(gone);
		if (!more)
			return live;
	}
}

#define ACQUIRE_WAIT_MS 5000

static int acquire(fort_vault **v_out, char user_out[128], fort_sessions *s, const char *id, const char *path, int bearer);

int fort_session_acquire(fort_vault **v_out, char user_out[128], fort_sessions *s, const char *id, const char *path)
{
	return acquire(v_out, user_out, s, id, path, 0);
}

/* A free slot (ending timed-out sessions on the way), or NULL: under the lock. */
static sess *free_slot(fort_sessions *s, int64_t now)
{
	sess *slot = NULL;
	for (size_t i = 0; i < s->cap; i++) {
		if (s->s[i].used && !s->s[i].ended && expired(s, &s->s[i], now)) {
			fort_vault *gone[POOL];
			end(&s->s[i], gone);
			close_all(gone);
		}
		if (!s->s[i].used && !slot)
			slot = &s->s[i];
	}
	return slot;
}

static const char token_refused[] = "the token is unknown, revoked or expired: ask for a new one ('fortress token create')";

int fort_token_acquire(fort_vault **v_out, char user_out[128], fort_sessions *s, const char *token, const char *path)
{
	fort_secret *key = NULL;
	char user[128];
	int64_t expires = 0, now;
	sess *slot;
	int r, known, retried = 0;
	*v_out = NULL;
	if (user_out)
		user_out[0] = '\0';
	if (!token || strlen(token) > 256)
		return fort_error_set(FORT_EAUTH, "%s", token_refused);
again:
	pthread_mutex_lock(&s->mu);
	known = find_kind(s, token, 1) != NULL;
	pthread_mutex_unlock(&s->mu);
	if (!known) {
		/* its first request (or the first after its session ended):
		 * checked against the vault, then kept like a person's session */
		if ((r = fort_token_key(&key, user, &expires, path, token)) < 0)
			return r;
		now = now_ms();
		pthread_mutex_lock(&s->mu);
		if (find_kind(s, token, 1)) {
			/* another request of the same token got there first */
			fort_secret_free(key);
		} else if (!(slot = free_slot(s, now))) {
			pthread_mutex_unlock(&s->mu);
			fort_secret_free(key);
			return fort_error_set(FORT_EBUSY, "too many sessions (%zu): try again later, or raise the limit", s->cap);
		} else {
			id_hash(slot->hash, token);
			snprintf(slot->user, sizeof slot->user, "%s", user);
			slot->key = key;
			slot->started = slot->seen = now;
			slot->bearer = 1;
			if (expires) {
				int64_t left = expires - (int64_t)time(NULL);
				slot->until = now + (left > 0 ? left * 1000 : 0);
				if (!slot->until)
					slot->until = 1;
			}
			slot->used = 1;
		}
		pthread_mutex_unlock(&s->mu);
	}
	r = acquire(v_out, user_out, s, token, path, 1);
	if ((r == FORT_EAUTH || r == FORT_EDENIED) && known && !retried++) {
		/* its kept session ended (revoked or expired since, timed out):
		 * the token is checked afresh, which audits a refusal in its name */
		goto again;
	}
	if (r == FORT_EAUTH || r == FORT_EDENIED)
		return fort_error_set(FORT_EAUTH, "%s", token_refused);
	return r;
}

size_t fort_sessions_end_user(fort_sessions *s, const char *user)
{
	size_t n = 0;
	for (;;) {
		fort_vault *gone[POOL] = { NULL };
		int more = 0;
		pthread_mutex_lock(&s->mu);
		for (size_t i = 0; i < s->cap; i++) {
			if (s->s[i].used && !s->s[i].ended && strcmp(s->s[i].user, user) == 0) {
				n++;
				end(&s->s[i], gone);
				for (int k = 0; k < POOL; k++)
					more |= gone[k] != NULL;
				if (more)
					break;  /* closed outside the lock, then look again */
			}
		}
		pthread_mutex_unlock(&s->mu);
		close_all(gone);
		if (!more)
			return n;
	}
}

static int acquire(fort_vault **v_out, char user_out[128], fort_sessions *s, const char *id, const char *path, int bearer)
{
	int64_t now = now_ms();
	struct timespec until;
	fort_secret *key = NULL;
	fort_vault *v = NULL, *gone[POOL] = { NULL };
	sess *e;
	char user[128];
	int r = 0, slot = -1;

	*v_out = NULL;
	if (user_out)
		user_out[0] = '\0';
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ACQUIRE_WAIT_MS / 1000;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		e = find_kind(s, id, bearer);
		if (e && expired(s, e, now_ms())) {
			end(e, gone);
			e = NULL;
		}
		if (!e) {
			r = fort_error_set(FORT_EAUTH, "not signed in, or the session has ended (signed out or timed out): sign in again");
			goto unlock;
		}
		/* an open handle nobody holds, else a slot to open one in */
		for (int i = 0; i < POOL && slot < 0; i++)
			if (e->v[i] && !e->busy[i])
				slot = i;
		for (int i = 0; i < POOL && slot < 0; i++)
			if (!e->v[i] && !e->busy[i])
				slot = i;
		if (slot >= 0)
			break;
		/* every handle of this session is lent: wait for one */
		if (pthread_cond_timedwait(&s->freed, &s->mu, &until) != 0) {
			r = fort_error_set(FORT_EBUSY, "the other requests of this session have been running for %d s: try again shortly",
					   ACQUIRE_WAIT_MS / 1000);
			goto unlock;
		}
	}
	e->busy[slot] = 1;
	e->seen = now;
	snprintf(user, sizeof user, "%s", e->user);
	v = e->v[slot];
	if (!v && (r = fort_secret_new(&key, fort_secret_data(e->key), fort_secret_len(e->key))) < 0) {
		e->busy[slot] = 0;
		goto unlock;
	}
	pthread_mutex_unlock(&s->mu);

	if (!v) {
		/* a new handle: open with the session's keys (audited) */
		r = vault_open_key_writer(&v, path, user, key, s->aw);
		fort_secret_free(key);
		pthread_mutex_lock(&s->mu);
		e->v[slot] = v;
		pthread_mutex_unlock(&s->mu);
	} else {
		r = fort_vault_refresh(v);
	}
	if (r < 0) {
		/* removed, the vault changed outside Fortress, out of memory...:
		 * the session ends; signing in again starts afresh */
		int code = fort_error_code();
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", fort_error_message());
		pthread_mutex_lock(&s->mu);
		e->busy[slot] = 0;
		e->v[slot] = NULL;
		if (e->ended) {
			if (!any_busy(e)) {
				end(e, gone);
				sodium_memzero(e, sizeof *e);
			}
		} else {
			end(e, gone);
		}
		pthread_cond_broadcast(&s->freed);
		pthread_mutex_unlock(&s->mu);
		fort_vault_close(v);
		close_all(gone);
		return fort_error_set(code ? code : r, "%s", msg);
	}
	*v_out = v;
	if (user_out)
		snprintf(user_out, 128, "%s", user);
	return 0;
unlock:
	pthread_mutex_unlock(&s->mu);
	close_all(gone);
	return r;
}

void fort_session_release(fort_sessions *s, fort_vault *v)
{
	fort_vault *close_it = NULL, *gone[POOL] = { NULL };
	if (!v)
		return;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->cap && !close_it; i++) {
		sess *e = &s->s[i];
		int k;
		if (!e->used)
			continue;
		for (k = 0; k < POOL && e->v[k] != v; k++)
			;
		if (k == POOL)
			continue;
		e->busy[k] = 0;
		if (e->ended) {
			/* the session ended meanwhile: this handle goes now, the
			 * session's slot with the last one */
			close_it = v;
			e->v[k] = NULL;
			if (!any_busy(e)) {
				end(e, gone);
				sodium_memzero(e, sizeof *e);
			}
		}
		break;
	}
	pthread_cond_broadcast(&s->freed);
	pthread_mutex_unlock(&s->mu);
	fort_vault_close(close_it);
	close_all(gone);
}

void fort_sessions_use_audit_writer(fort_sessions *s, fort_audit_writer *w)
{
	pthread_mutex_lock(&s->mu);
	s->aw = w;
	pthread_mutex_unlock(&s->mu);
}
