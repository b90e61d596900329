/* agent.h - the unlock agent (agent.c): `fortress unlock` / `fortress lock`
 * and the lookup every command makes before asking for a passphrase. */
#ifndef FORT_CLI_AGENT_H
#define FORT_CLI_AGENT_H

#include <stddef.h>
#include "fortress.h"

/* The agent socket for VAULT_PATH and USER ("" = the owner); creates the
 * private socket directory.  0, or -1 if there is no safe place. */
int agent_socket_path(char *out, size_t cap, const char *vault_path, const char *user);
/* Start an agent holding KEY for SECONDS; *PID set.  0 or -1 with ERR. */
int agent_start(long *pid, const char *sock, const fort_secret *key, unsigned seconds, char *err, size_t errlen);
/* Ask the agent at SOCK for the key: 0, or -1 when there is none. */
int agent_get_key(fort_secret **out, const char *sock);
int agent_status(long long *expires, long *pid, const char *sock);
/* Tell the agent to wipe the key and exit: 0, or -1 when none was running. */
int agent_lock(const char *sock);

#endif
