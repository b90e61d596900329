/* cmd_serve.c - `fortress serve`: the HTTP API over the library
 * (src/server/).  Holds no keys of its own: people sign in. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "server/server.h"

static const struct cli_opt serve_opts[] = {
	{ "listen", 0, OPT_VALUE, "ADDR:PORT", "where to listen (default 127.0.0.1:8710; port 0: any free one)" },
	{ "tls-cert", 0, OPT_VALUE, "FILE", "TLS certificate chain (PEM); with --tls-key serves HTTPS" },
	{ "tls-key", 0, OPT_VALUE, "FILE", "TLS private key (PEM, not group- or world-readable)" },
	{ "insecure-lan", 0, OPT_FLAG, NULL, "allow a non-loopback address without TLS (a trusted network only)" },
	{ "idle-timeout", 0, OPT_VALUE, "SECONDS", "sign a session out after this long without a request (default 900)" },
	{ "absolute-timeout", 0, OPT_VALUE, "SECONDS", "sign a session out this long after sign-in (default 28800)" },
	{ "threads", 0, OPT_VALUE, "N", "serve from a pool of N threads (default 4; 0: a thread per connection)" },
	{ "client-timeout", 0, OPT_VALUE, "SECONDS", "close a connection silent this long, a slow client's too (default 30)" },
	{ "stop-timeout", 0, OPT_VALUE, "SECONDS", "at SIGTERM, wait this long for requests in progress (default 30)" },
	{ "port-file", 0, OPT_VALUE, "FILE", "write the port listened on to FILE (with port 0)" },
	{ "me-user", 0, OPT_VALUE, "NAME", "the self-service page's keyholder: a user whose role has only read, write and contact" },
	{ "me-passphrase-file", 0, OPT_VALUE, "FILE", "that user's passphrase (a file only the server can read)" },
	{ "public-url", 0, OPT_VALUE, "URL", "where clients reach the server, for the e-mailed sign-in links (default: the listen address)" },
	{ "me-second-step", 0, OPT_VALUE, "KINDS", "request kinds that need a second identity step, e.g. erasure,access" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int num_opt(struct cli *c, const char *name, unsigned *out, unsigned lo, unsigned hi)
{
	const char *s = cli_str(c, name);
	char *end;
	unsigned long v;
	if (!s)
		return EXIT_OK;
	v = strtoul(s, &end, 10);
	if (!*s || *end || v < lo || v > hi)
		return cli_usage_error(c, "--%s must be a number from %u to %u", name, lo, hi);
	*out = (unsigned)v;
	return EXIT_OK;
}

static int cmd_serve(struct cli *c)
{
	server_opts o;
	int r, ex;

	memset(&o, 0, sizeof o);
	o.vault_path = c->vault_path;
	o.threads = SERVER_DEFAULT_THREADS;
	o.listen = cli_str(c, "listen");
	o.tls_cert = cli_str(c, "tls-cert");
	o.tls_key = cli_str(c, "tls-key");
	o.insecure_lan = cli_flag(c, "insecure-lan");
	o.port_file = cli_str(c, "port-file");
	o.quiet = c->quiet;
	o.me_user = cli_str(c, "me-user");
	o.me_pass_file = cli_str(c, "me-passphrase-file");
	o.public_url = cli_str(c, "public-url");
	o.me_second_step = cli_str(c, "me-second-step");
	if (o.public_url && strncmp(o.public_url, "https://", 8) != 0 && strncmp(o.public_url, "http://", 7) != 0)
		return cli_usage_error(c, "--public-url must start with https:// (or http:// for a test on loopback)");
	if (o.me_second_step) {
		static const char *const kinds[] = { "access", "portability", "rectification", "erasure", "objection", "restriction" };
		const char *p = o.me_second_step;
		while (*p) {
			size_t n = strcspn(p, ","), k;
			for (k = 0; k < 6; k++)
				if (strlen(kinds[k]) == n && strncmp(p, kinds[k], n) == 0)
					break;
			if (k == 6)
				return cli_usage_error(c, "--me-second-step: '%.*s' is not a request kind (access, portability, "
							  "rectification, erasure, objection, restriction)", (int)n, p);
			p += n;
			if (*p == ',')
				p++;
		}
	}
	if ((ex = num_opt(c, "idle-timeout", &o.idle_timeout, 1, 86400)) != EXIT_OK ||
	    (ex = num_opt(c, "absolute-timeout", &o.absolute_timeout, 1, 7 * 86400)) != EXIT_OK ||
	    (ex = num_opt(c, "threads", &o.threads, 0, 64)) != EXIT_OK ||
	    (ex = num_opt(c, "client-timeout", &o.client_timeout, 1, 3600)) != EXIT_OK ||
	    (ex = num_opt(c, "stop-timeout", &o.stop_timeout, 1, 3600)) != EXIT_OK)
		return ex;
	if ((r = server_run(&o)) < 0)
		return cli_fail(c, r, NULL);
	return EXIT_OK;
}

const struct cli_cmd cmd_serve_def = {
	.name = "serve", .fn = cmd_serve, .flags = NEEDS_PATH,
	.summary = "serve the web app and the HTTP API: people sign in with passphrase and a TOTP code",
	.synopsis = "[OPTIONS]",
	.opts = serve_opts, .min_args = 0, .max_args = 0,
	.description =
		"Listens on 127.0.0.1:8710 unless --listen says otherwise; refuses any other\n"
		"address without TLS (--tls-cert and --tls-key, or a reverse proxy on the same\n"
		"machine) unless --insecure-lan.  Holds no keys of its own: each person signs in\n"
		"(the web app at /, or POST /api/session) with name, passphrase and a code from\n"
		"'fortress user totp enroll', and their keys are kept in locked memory for that\n"
		"session only.\n"
		"Clients see what is held about them at /me: they ask for a one-time link by\n"
		"e-mail (through the outbox) and manage consents and requests there.  That page\n"
		"needs --me-user, a user of its own (role: read, write, contact) whose passphrase\n"
		"is read from --me-passphrase-file.\n"
		"SIGTERM or Ctrl-C: requests in progress finish (within --stop-timeout; an answer\n"
		"still waiting for its audit entry then gets 503, no data), every session's keys\n"
		"are wiped.\n"
		"The API: /api/openapi.json, docs/api/openapi.json.\n",
};
