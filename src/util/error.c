#include <stdio.h>
#include <string.h>
#include "util.h"

static _Thread_local int err_code;
static _Thread_local char err_msg[1024];
/* Every refusal (FORT_EDENIED) is counted and its reason kept, so that the
 * vault can audit each one with its true reason (vault_need, policy.c). */
static _Thread_local uint64_t denied_serial;
static _Thread_local char denied_msg[1024];

int fort_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err_msg, sizeof err_msg, fmt, ap);
	va_end(ap);
	err_code = code;
	if (code == FORT_EDENIED) {
		denied_serial++;
		memcpy(denied_msg, err_msg, sizeof denied_msg);
	}
	return code;
}

uint64_t fort_error_denied(const char **msg)
{
	if (msg)
		*msg = denied_msg;
	return denied_serial;
}

int fort_error_prefix(const char *fmt, ...)
{
	char pre[512], old[sizeof err_msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, err_msg, sizeof old);
	snprintf(err_msg, sizeof err_msg, "%.500s: %.500s", pre, old);
	return err_code;
}

const char *fort_error_message(void) { return err_msg; }
int fort_error_code(void) { return err_code; }
void fort_error_clear(void) { err_code = 0; err_msg[0] = '\0'; }

const char *fort_error_name(int code)
{
	switch (code) {
	case FORT_OK: return "OK";
	case FORT_ERROR: return "ERROR";
	case FORT_EINPUT: return "EINPUT";
	case FORT_ENOTFOUND: return "ENOTFOUND";
	case FORT_EAUTH: return "EAUTH";
	case FORT_EWEAK: return "EWEAK";
	case FORT_EDENIED: return "EDENIED";
	case FORT_ECORRUPT: return "ECORRUPT";
	case FORT_EBUSY: return "EBUSY";
	case FORT_EIO: return "EIO";
	case FORT_EEXISTS: return "EEXISTS";
	case FORT_ENOMEM: return "ENOMEM";
	case FORT_ETAMPER: return "ETAMPER";
	case FORT_ELOCKED: return "ELOCKED";
	case FORT_EDUPLICATE: return "EDUPLICATE";
	case FORT_EVERSION: return "EVERSION";
	}
	return "E?";
}

int fort_check_version(unsigned version, unsigned known, const char *type, const char *init)
{
	if (version == known)
		return 0;
	return fort_error_set(FORT_EINPUT, "%s version %u is not one this library knows (it knows %u): "
			      "initialise it with %s and build against this library's fortress.h",
			      type, version, known, init);
}
