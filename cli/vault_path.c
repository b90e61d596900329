/* vault_path.c - where the vault is: --vault, FORTRESS_VAULT,
 * $XDG_DATA_HOME/fortress/vault.db, ~/.local/share/fortress/vault.db.
 * Opening the vault (locked or unlocked) for the shared command setup. */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "passphrase_input.h"
#include "vault_path.h"
#include "agent.h"

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 2);

	if (!s)
		return NULL;
	memcpy(s, a, la);
	while (la > 1 && s[la - 1] == '/')
		la--;
	s[la] = '/';
	memcpy(s + la + 1, b, lb + 1);
	return s;
}

int cli_vault_resolve(struct cli *c)
{
	const char *p = c->vault_opt, *home;

	if (c->vault_path)
		return EXIT_OK;
	if (!p || !*p) {
		p = getenv("FORTRESS_VAULT");
		if (p && !*p)
			p = NULL;
	}
	if (p) {
		c->vault_path = strdup(p);
	} else {
		const char *xdg = getenv("XDG_DATA_HOME");

		c->vault_from_default = 1;
		if (xdg && xdg[0] == '/') {   /* relative values are ignored (XDG spec) */
			c->vault_path = join(xdg, "fortress/vault.db");
		} else {
			home = getenv("HOME");
			if (!home || !*home) {
				struct passwd *pw = getpwuid(getuid());

				home = pw ? pw->pw_dir : NULL;
			}
			if (!home || !*home)
				return cli_error(c, EXIT_USAGE, "cannot find the vault: HOME is not set; use --vault PATH or FORTRESS_VAULT");
			c->vault_path = join(home, ".local/share/fortress/vault.db");
		}
	}
	if (!c->vault_path)
		return cli_error(c, EXIT_IO, "out of memory");
	return EXIT_OK;
}

int cli_vault_mkparent(struct cli *c)
{
	char *dir = strdup(c->vault_path), *slash, *p;

	if (!dir)
		return cli_error(c, EXIT_IO, "out of memory");
	if (fort_vault_path_is_database(c->vault_path)) {
		free(dir); /* a PostgreSQL database: no directory */
		return EXIT_OK;
	}
	slash = strrchr(dir, '/');
	if (!slash || slash == dir) {
		free(dir);
		return EXIT_OK;
	}
	*slash = '\0';
	/* mkdir -p, each missing component 0700 */
	for (p = dir + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char save = *p;

			*p = '\0';
			if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
				int e = errno;

				cli_error(c, EXIT_IO, "cannot create directory %s: %s", dir, strerror(e));
				free(dir);
				return EXIT_IO;
			}
			*p = save;
			if (save == '\0')
				break;
		}
	}
	free(dir);
	return EXIT_OK;
}

static int open_failed(struct cli *c, int r, const char *user)
{
	switch (r) {
	case FORT_ENOTFOUND:
		return cli_fail(c, r, user ? "check --user / FORTRESS_USER (the default is the owner)" :
				"create a vault with 'fortress init', or point --vault / FORTRESS_VAULT at one");
	case FORT_EAUTH:
		return cli_fail(c, r, "check the passphrase (and --user); failed attempts are recorded in the audit log");
	case FORT_EBUSY:
		return cli_fail(c, r, "another fortress process is using the vault; try again when it has finished");
	case FORT_ECORRUPT:
		return cli_fail(c, r, "is this a Fortress vault? restore it from a backup if it is damaged");
	case FORT_EVERSION:
		return cli_fail(c, r, "this vault was made by a newer Fortress; upgrade fortress");
	case FORT_ETAMPER:
		return cli_fail(c, r, "the vault was changed outside Fortress; run 'fortress audit verify' and restore from a backup");
	case FORT_EIO:
		/* not the disk: the connection (the message is libpq's and where to look) */
		if (fort_vault_path_is_database(c->vault_path))
			return cli_fail(c, r, "'pg_isready -d URL' checks from this machine whether the server answers");
		return cli_fail(c, r, NULL);
	default:
		return cli_fail(c, r, NULL);
	}
}

int cli_vault_open(struct cli *c, int unlock)
{
	fort_secret *pass = NULL;
	const char *user = c->user;
	struct stat sb;
	int r, ex;

	if ((ex = cli_vault_resolve(c)) != EXIT_OK)
		return ex;
	if (!user || !*user) {
		user = getenv("FORTRESS_USER");
		if (user && !*user)
			user = NULL;
	}
	/* Fail before asking for a passphrase when there is nothing to open. */
	if (!fort_vault_path_is_database(c->vault_path) && stat(c->vault_path, &sb) < 0 && errno == ENOENT) {
		cli_error(c, EXIT_NOTFOUND, "no vault at %s", c->vault_path);
		cli_hint(c, "create one with 'fortress init', or point --vault / FORTRESS_VAULT at one");
		return EXIT_NOTFOUND;
	}
	if (unlock && !c->passphrase_file && !getenv("FORTRESS_PASSPHRASE_FILE")) {
		/* an unlock agent for this vault and user answers first */
		char sock[256];
		fort_secret *key = NULL;
		if (agent_socket_path(sock, sizeof sock, c->vault_path, user ? user : "") == 0 &&
		    agent_get_key(&key, sock) == 0) {
			r = fort_vault_open_key(&c->vault, c->vault_path, user, key);
			fort_secret_free(key);
			if (r == 0) {
				cli_verbose(c, "vault %s unlocked as %s by the unlock agent", c->vault_path, user ? user : "the owner");
				return EXIT_OK;
			}
			c->vault = NULL;
			if (r != FORT_EAUTH)
				return open_failed(c, r, user);
			/* a stale agent (the passphrase changed?): ask as usual */
		}
	}
	if (unlock) {
		char prompt[192];

		if (user)
			snprintf(prompt, sizeof(prompt), "Passphrase for %.100s: ", user);
		else
			snprintf(prompt, sizeof(prompt), "Vault passphrase: ");
		if ((ex = cli_passphrase_unlock(c, &pass, prompt)) != EXIT_OK)
			return ex;
	}
	r = fort_vault_open(&c->vault, c->vault_path, user, pass);
	fort_secret_free(pass);
	if (r < 0) {
		c->vault = NULL;
		return open_failed(c, r, user);
	}
	if (unlock)
		cli_verbose(c, "vault %s unlocked as %s (passphrase from %s)", c->vault_path, user ? user : "the owner",
			    c->passphrase_file || getenv("FORTRESS_PASSPHRASE_FILE") ? "the passphrase file" : "the terminal");
	else
		cli_verbose(c, "vault %s opened locked (no passphrase needed)", c->vault_path);
	return EXIT_OK;
}

int cli_vault_reopen_unlocked(struct cli *c)
{
	fort_vault_close(c->vault);
	c->vault = NULL;
	return cli_vault_open(c, 1);
}
