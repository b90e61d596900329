/* auth.c - POST /api/session (sign in) and DELETE /api/session (sign out).
 * The rules (passphrase, second factor, throttle, audit) are the library's
 * (fort_signin); here: the JSON, the cookie, the session table. */
#include <pthread.h>
#include <string.h>
#include <sodium.h>
#include "util.h"
#include "server/server.h"

/* Wipe a string jansson holds (the passphrase) before it is freed. */
static void wipe_json_string(json_t *s)
{
	if (json_is_string(s))
		sodium_memzero((char *)json_string_value(s), json_string_length(s));
}

static const char *str_field(request *req, const char *name)
{
	json_t *v = json_object_get(req->body, name);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int api_session_create(request *req)
{
	fort_signin_opts so = FORT_SIGNIN_OPTS_INIT;
	fort_secret *pass = NULL, *key = NULL;
	const char *user = str_field(req, "user"), *code = str_field(req, "code");
	json_t *pj = json_object_get(req->body, "passphrase");
	char sid[FORT_SESSION_TOKEN_LEN + 1], csrf[FORT_SESSION_TOKEN_LEN + 1];
	int r, retry = 0;

	if (!user || !*user || !json_is_string(pj) || !code) {
		r = fort_error_set(FORT_EINPUT, "sign-in needs a JSON object with \"user\", \"passphrase\" and \"code\" (strings)");
		goto out;
	}
	if ((r = fort_secret_new(&pass, json_string_value(pj), json_string_length(pj))) < 0)
		goto out;
	so.address = req->address;
	/* one Argon2id at a time: memory (256 MiB each) and guessing speed */
	pthread_mutex_lock(req->srv->signin_lock);
	r = fort_signin(&key, &retry, req->srv->vault_path, user, pass, code, &so);
	pthread_mutex_unlock(req->srv->signin_lock);
	if (r < 0) {
		if (r == FORT_EDENIED && retry > 0) {
			req->retry_after = retry;
			req->status = 429;
			req->out = http_error_json(r, fort_error_message());
		}
		goto out;
	}
	/* a new id at every sign-in; the session the request came with (if
	 * any) ends: no fixation */
	if (req->session_id)
		(void)fort_session_end(req->srv->sessions, req->session_id);
	if ((r = fort_session_start(sid, csrf, req->srv->sessions, user, key)) < 0) {
		key = NULL; /* taken over */
		goto out;
	}
	key = NULL;
	/* the session's vault handle, opened now with the keys just unsealed
	 * (one "unlock" entry) and kept for the session's requests */
	{
		fort_vault *v = NULL;
		if ((r = fort_session_acquire(&v, NULL, req->srv->sessions, sid, req->srv->vault_path)) < 0)
			goto out;
		fort_session_release(req->srv->sessions, v);
	}
	snprintf(req->set_cookie, sizeof req->set_cookie, "fortress_session=%s; Path=/; HttpOnly; SameSite=Strict%s", sid,
		 req->srv->secure_cookie ? "; Secure" : "");
	req->status = 201;
	req->out = json_object();
	json_object_set_new(req->out, "user", json_string(user));
	json_object_set_new(req->out, "csrf_token", json_string(csrf));
	json_object_set_new(req->out, "idle_timeout", json_integer(req->srv->idle_timeout));
	json_object_set_new(req->out, "absolute_timeout", json_integer(req->srv->absolute_timeout));
	r = 0;
	sodium_memzero(sid, sizeof sid);
out:
	wipe_json_string(pj);
	fort_secret_free(pass);
	fort_secret_free(key);
	return r;
}

int api_session_delete(request *req)
{
	int r;
	if ((r = fort_signout(req->v, "signed out")) < 0)
		return r;
	if (req->bearer) {
		/* a program drops the keys the server keeps for its token; the
		 * token itself stays good ('fortress token revoke' ends it) */
		(void)fort_sessions_end_user(req->srv->sessions, req->user);
		req->out = json_object();
		json_object_set_new(req->out, "signed_out", json_true());
		return 0;
	}
	(void)fort_session_end(req->srv->sessions, req->session_id);
	/* the browser forgets the cookie too */
	snprintf(req->set_cookie, sizeof req->set_cookie, "fortress_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
		 req->srv->secure_cookie ? "; Secure" : "");
	req->out = json_object();
	json_object_set_new(req->out, "signed_out", json_true());
	return 0;
}

int auth_passphrase_change(request *req, const fort_secret *cur, const fort_secret *np, int *retry_after,
			   char cookie[256], char csrf_out[FORT_SESSION_TOKEN_LEN + 1])
{
	fort_signin_opts so = FORT_SIGNIN_OPTS_INIT;
	fort_secret *key = NULL;
	fort_status st;
	const char *inputs[4];
	char sid[FORT_SESSION_TOKEN_LEN + 1];
	int r;

	*retry_after = 0;
	cookie[0] = '\0';
	csrf_out[0] = '\0';
	/* the current passphrase typed again, throttled as sign-in per account
	 * and address (one Argon2id at a time): a borrowed session is not enough */
	so.address = req->address;
	pthread_mutex_lock(req->srv->signin_lock);
	r = fort_reauth(retry_after, req->v, cur, &so);
	pthread_mutex_unlock(req->srv->signin_lock);
	if (r < 0)
		return r;
	if ((r = fort_vault_status(&st, req->v)) < 0)
		return r;
	inputs[0] = st.business;
	inputs[1] = st.owner;
	inputs[2] = st.user;
	inputs[3] = NULL;
	if ((r = fort_passphrase_check(np, inputs)) < 0 || (r = fort_vault_passwd(req->v, np)) < 0)
		return r;
	/* every session of theirs ends (a browser left signed in elsewhere);
	 * this one goes on as a new session holding the same keys */
	if (!req->session_id || req->bearer)
		return 0;
	if ((r = fort_session_get(&key, NULL, req->srv->sessions, req->session_id, NULL)) < 0)
		return r;
	(void)fort_sessions_end_user(req->srv->sessions, req->user);
	if ((r = fort_session_start(sid, csrf_out, req->srv->sessions, req->user, key)) < 0)
		return r;
	snprintf(cookie, 256, "fortress_session=%s; Path=/; HttpOnly; SameSite=Strict%s", sid,
		 req->srv->secure_cookie ? "; Secure" : "");
	sodium_memzero(sid, sizeof sid);
	return 0;
}

int api_passphrase_change(request *req)
{
	static const char *const known[] = { "current", "new", NULL };
	json_t *cj = json_object_get(req->body, "current"), *nj = json_object_get(req->body, "new");
	fort_secret *cur = NULL, *np = NULL;
	char csrf[FORT_SESSION_TOKEN_LEN + 1];
	int r, retry = 0;

	if ((r = api_body_check(req, known, "a passphrase change")) < 0)
		goto out;
	if (!json_is_string(cj) || !json_is_string(nj) || !json_string_length(cj) || !json_string_length(nj)) {
		r = fort_error_set(FORT_EINPUT, "a passphrase change needs \"current\" and \"new\" (strings)");
		goto out;
	}
	if ((r = fort_secret_new(&cur, json_string_value(cj), json_string_length(cj))) < 0 ||
	    (r = fort_secret_new(&np, json_string_value(nj), json_string_length(nj))) < 0)
		goto out;
	r = auth_passphrase_change(req, cur, np, &retry, req->set_cookie, csrf);
	if ((r == FORT_EDENIED && retry > 0) || r == FORT_EAUTH) {
		/* still signed in: a refusal of this step (403), not "sign in" (401) */
		req->retry_after = retry;
		req->status = r == FORT_EAUTH ? 403 : 429;
		req->out = http_error_json(r, fort_error_message());
		goto out;
	}
	if (r < 0)
		goto out;
	req->out = json_object();
	json_object_set_new(req->out, "user", json_string(req->user));
	json_object_set_new(req->out, "changed", json_true());
	json_object_set_new(req->out, "csrf_token", csrf[0] ? json_string(csrf) : json_null());
	sodium_memzero(csrf, sizeof csrf);
out:
	wipe_json_string(cj);
	wipe_json_string(nj);
	fort_secret_free(cur);
	fort_secret_free(np);
	return r;
}
