/* api_tokens.c - tokens for programs over HTTP (issue 17 item 3):
 * GET /api/tokens, POST /api/tokens, DELETE /api/tokens/{id}.  Each one
 * library call (the rules in src/vault/tokens.c: the 'users' action,
 * never more than the caller, audited); the same JSON shapes as
 * `fortress token list|create|revoke --json`. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "server/server.h"
#include "front/shapes.h"

int api_tokens_list(request *req)
{
	fort_token_info *t = NULL;
	size_t n = 0;
	int r;
	if ((r = fort_token_list(&t, &n, req->v)) < 0)
		return r;
	req->out = json_object();
	json_object_set_new(req->out, "tokens", shape_tokens(t, n));
	free(t);
	return 0;
}

#define MAX_PURPOSES 32

int api_tokens_create(request *req)
{
	json_t *name = json_object_get(req->body, "name"), *role = json_object_get(req->body, "role");
	json_t *purposes = json_object_get(req->body, "purposes"), *expires = json_object_get(req->body, "expires"), *p;
	const char *list[MAX_PURPOSES];
	fort_secret *tok = NULL;
	int64_t until = 0;
	char when[32];
	size_t n = 0, i;
	int r;

	if (!json_is_string(name) || !json_is_string(role))
		return fort_error_set(FORT_EINPUT, "a token needs \"name\" and \"role\" (strings)");
	if (purposes && (!json_is_array(purposes) || json_array_size(purposes) > MAX_PURPOSES))
		return fort_error_set(FORT_EINPUT, "\"purposes\" must be an array of at most %d purpose names", MAX_PURPOSES);
	json_array_foreach(purposes, i, p) {
		if (!json_is_string(p))
			return fort_error_set(FORT_EINPUT, "\"purposes\"[%zu] must be a purpose name (a string)", i);
		list[n++] = json_string_value(p);
	}
	if (expires && !json_is_string(expires))
		return fort_error_set(FORT_EINPUT, "\"expires\" must be a string: \"90d\" (1d to %dd) or \"never\"", FORT_TOKEN_MAX_DAYS);
	if ((r = fort_token_expiry(&until, expires ? json_string_value(expires) : NULL, (int64_t)time(NULL))) < 0)
		return r;
	if ((r = fort_token_create(&tok, req->v, json_string_value(name), json_string_value(role), list, n, until)) < 0)
		return r;
	req->out = json_object();
	json_object_set_new(req->out, "name", json_string(json_string_value(name)));
	json_object_set_new(req->out, "role", json_string(json_string_value(role)));
	json_object_set_new(req->out, "expires", until ? json_string(shape_time(when, sizeof(when), until)) : json_null());
	/* shown this once; the response is Cache-Control: no-store */
	json_object_set_new(req->out, "token", json_string((const char *)fort_secret_data(tok)));
	fort_secret_free(tok);
	req->status = 201;
	return 0;
}

int api_tokens_revoke(request *req)
{
	fort_rotate_report rep;
	char user[128];
	int r;
	if ((r = fort_token_revoke(&rep, req->v, req->id, NULL)) < 0)
		return r;
	/* its cached handle and keys go now, not at its next request */
	snprintf(user, sizeof user, "token:%s", req->id);
	(void)fort_sessions_end_user(req->srv->sessions, user);
	req->out = json_object();
	json_object_set_new(req->out, "token", json_string(req->id));
	json_object_set_new(req->out, "state", json_string("revoked"));
	json_object_set_new(req->out, "rotation", shape_rotation(&rep));
	return 0;
}
