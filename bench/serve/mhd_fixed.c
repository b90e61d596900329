/* mhd_fixed.c - the benchmark's baseline for `fortress serve`: a minimal
 * libmicrohttpd server that answers every request with the same small JSON
 * body and the security headers of src/server/http.c, in libmicrohttpd's
 * fastest thread model for a handler that never waits (internal polling
 * thread, epoll, a pool of 4 threads; fortress serve, whose requests wait
 * for their audit entry's commit, serves a thread per connection), so the
 * ratio measures what Fortress adds per request: the session, the vault
 * handle, the library call, the audit entry, the JSON.
 *
 *     mhd_fixed PORT_FILE      (listens on 127.0.0.1, a free port written
 *                               to PORT_FILE; stops on SIGTERM/SIGINT) */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>

static const char BODY[] = "{\"id\":\"c-0000000000000001\",\"fields\":{\"email\":\"j***@example.org\"}}";
static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	(void)cls; (void)url; (void)method; (void)version; (void)upload_data; (void)upload_data_size;
	if (!*con_cls) {
		*con_cls = (void *)1;  /* answer on the second call, as http.c does */
		return MHD_YES;
	}
	resp = MHD_create_response_from_buffer(sizeof BODY - 1, (void *)BODY, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *di;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: mhd_fixed PORT_FILE\n");
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC, 0, NULL, NULL, on_request, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)4,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
			     MHD_OPTION_END);
	if (!d) {
		perror("mhd_fixed: cannot listen");
		return 1;
	}
	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (!(f = fopen(argv[1], "w"))) {
		perror(argv[1]);
		MHD_stop_daemon(d);
		return 1;
	}
	fprintf(f, "%u\n", di ? di->port : 0);
	fclose(f);
	while (!stop)
		pause();
	MHD_stop_daemon(d);
	return 0;
}
