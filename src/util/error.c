#include <stdio.h>
#include <string.h>
#include "util.h"

static _Thread_local int err_code;
static _Thread_local char err_msg[1024];
/* Every refusal (FORT_EDENIED) is counted and its reason kept, so that the
 * vault can audit each one with its true reason (vault_need, policy.c):
 * counted for the operation this thread is running (its owner, a vault
 * handle's id, fort_error_owner), so that a refusal of one handle's
 * operation is never charged to another handle used on the same thread.
 * A few owners at a time: with more than DENIED_SLOTS handles each holding
 * a refusal not yet audited on one thread, the oldest is forgotten. */
#define DENIED_SLOTS 8
static _Thread_local uint64_t denied_owner;
static _Thread_local struct {
	uint64_t owner, n, age;
	char msg[1024];
} denied[DENIED_SLOTS];
static _Thread_local uint64_t denied_age;

static void denied_count(void)
{
	unsigned i, pick = 0;
	if (!denied_owner)
		return;
	for (i = 0; i < DENIED_SLOTS; i++) {
		if (denied[i].owner == denied_owner) {
			pick = i;
			break;
		}
		if (denied[i].age < denied[pick].age)
			pick = i;  /* a free slot has age 0, else the oldest */
	}
	if (denied[pick].owner != denied_owner) {
		denied[pick].owner = denied_owner;
		denied[pick].n = 0;
	}
	denied[pick].n++;
	denied[pick].age = ++denied_age;
	memcpy(denied[pick].msg, err_msg, sizeof denied[pick].msg);
}

int fort_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err_msg, sizeof err_msg, fmt, ap);
	va_end(ap);
	err_code = code;
	if (code == FORT_EDENIED)
		denied_count();
	return code;
}

void fort_error_restore(int code, const char *msg)
{
	snprintf(err_msg, sizeof err_msg, "%s", msg);
	err_code = code;
}

void fort_error_owner(uint64_t owner)
{
	denied_owner = owner;
}

uint64_t fort_error_owner_swap(uint64_t owner)
{
	uint64_t was = denied_owner;
	denied_owner = owner;
	return was;
}

uint64_t fort_error_denied_take(uint64_t owner, char *msg, size_t cap)
{
	uint64_t n = 0;
	if (cap)
		msg[0] = '\0';
	for (unsigned i = 0; owner && i < DENIED_SLOTS; i++) {
		if (denied[i].owner != owner)
			continue;
		n = denied[i].n;
		if (cap)
			snprintf(msg, cap, "%s", denied[i].msg);
		memset(&denied[i], 0, sizeof denied[i]);
		break;
	}
	return n;
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
