/* api_vault.c - GET /api/status, GET /api/audit/verify and the OpenAPI
 * document. */
#include <string.h>
#include "util.h"
#include "server/server.h"
#include "front/shapes.h"

int api_status(request *req)
{
	fort_status st;
	fort_incident_summary is;
	int r;
	if ((r = fort_vault_status(&st, req->v)) < 0 || (r = fort_incident_summary_get(&is, req->v, 0)) < 0)
		return r;
	/* where the file lives is the server's business, not the browser's */
	req->out = shape_status(req->v, &st, &is, NULL);
	return req->out ? 0 : FORT_ENOMEM;
}

int api_audit_verify(request *req)
{
	fort_audit_report rep;
	int r;
	memset(&rep, 0, sizeof rep);
	if ((r = fort_audit_verify(&rep, req->v, http_query(req, "anchor"))) < 0)
		return r;
	req->out = shape_audit_report(&rep);
	return 0;
}

int api_openapi(request *req)
{
	json_error_t je;
	req->out = json_loadb((const char *)server_openapi_json, server_openapi_json_len, 0, &je);
	return req->out ? 0 : fort_error_set(FORT_ERROR, "the built-in OpenAPI document does not parse: line %d: %s", je.line, je.text);
}
