/* mhd_floor.c - the server's ceiling by design (issue 17): a libmicrohttpd
 * server that does, per masked read by a signed-in user, only what Fortress's
 * design mandates, and nothing of Fortress's own code (bench/README.md,
 * "Ceilings by design"; run by serve_bench.py beside mhd_fixed):
 *
 *   1. the session: the cookie's keyed BLAKE2b-256 (the server's own key)
 *      looked up among the sessions, compared in constant time;
 *   2. the record, from an in-memory copy of its stored form: K_c unwrapped
 *      (XChaCha20-Poly1305 under VK), the record's MAC checked (Fortress's
 *      format 2), each field's key (keyed BLAKE2b, once per category) and
 *      XChaCha20-Poly1305 decryption of its 8 fields (floor_crypto.h);
 *   3. the record's seal, the check a Fortress read makes: the row's
 *      BLAKE2b-256 compared with its newest seal (in memory here, a seek in
 *      `seal_head` there);
 *   4. the audit entry, durable before the answer: a group commit (the
 *      entries of concurrent requests hashed into the chain together,
 *      written with one pwrite(2) and one fdatasync(2) to a log file whose
 *      blocks were written ahead (no size or extent change to journal),
 *      one Ed25519 signature per batch: Fortress's rule, one per actor and
 *      transaction; one actor here);
 *   5. the masked JSON answer with the security headers of mhd_fixed.
 *
 * Threads: mhd_fixed's (internal polling thread, epoll, a pool of 4), and a
 * request waiting for its entry is suspended (MHD_suspend_connection), not a
 * thread blocked, so the pool keeps serving; the group commit is one writer
 * thread that resumes the batch's connections after the sync.
 *
 * With "tpc": fortress serve's threads instead (a thread per connection,
 * the request's thread waits, the first waiting leads the commit).
 *
 *     mhd_floor PORT_FILE DIR [tpc]   (listens on 127.0.0.1; writes DIR/floor.session:
 *                                the session cookie and a client id, then the
 *                                port to PORT_FILE; the audit log is
 *                                DIR/floor.audit; stops on SIGTERM/SIGINT and
 *                                prints its batches to stderr) */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>

#include "floor_crypto.h"

#define NCLIENTS 1000
#define NSESS 16
#define COOKIE "fortress_session"

static fl_keys *keys;                 /* sodium_malloc'ed */
static fl_sealed *recs;               /* the stored records */
static unsigned char (*seal_head)[32];
static int64_t created = 1765000000;
static unsigned char *sess_key;       /* the server's key for the session hashes */
static unsigned char sess_hash[NSESS][32];
static int sess_used[NSESS];

struct req {
	int state; /* 0 new, 1 waiting for its entry, 2 durable, 3 the entry failed */
	struct MHD_Connection *conn;
	struct req *next;
	char entry[160];
	size_t elen;
	char body[1024];
	size_t blen;
};

/* the group commit */
static pthread_mutex_t wmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wcond = PTHREAD_COND_INITIALIZER;
static struct req *pending, **pending_tail = &pending;
#define LOG_BYTES ((off_t)64 << 20)
static off_t logoff;
static int tpc; /* a thread per connection, the leader commits (argv[3] "tpc") */
static int wstop, logfd = -1, nwaiting; /* nwaiting: suspended requests (under wmu) */
static unsigned long long nbatches, nentries;

static void be64(unsigned char *p, uint64_t x)
{
	fl_be64(p, x);
}

/* One batch: hashed into the chain, signed once, written and synced; 1
 * when durable.  One caller at a time (the writer thread, or the leader in
 * the thread-per-connection mode). */
static unsigned char chain_prev[32];
static int64_t chain_seq;
static int commit_batch(struct req *b)
{
	static unsigned char buf[1 << 20];
	unsigned char sig[64];
	struct req *r;
	size_t len = 0;
	int64_t first = chain_seq + 1;
	int ok;
	/* the chain: each entry's hash covers its content, its batch's first
	 * seq and the previous hash (Fortress's second format) */
	for (r = b; r; r = r->next) {
		crypto_generichash_state st;
		unsigned char n8[8];
		crypto_generichash_init(&st, NULL, 0, 32);
		crypto_generichash_update(&st, (const unsigned char *)"fortress-audit-v2", 17);
		be64(n8, (uint64_t)++chain_seq);
		crypto_generichash_update(&st, n8, 8);
		be64(n8, (uint64_t)first);
		crypto_generichash_update(&st, n8, 8);
		crypto_generichash_update(&st, (const unsigned char *)r->entry, r->elen);
		crypto_generichash_update(&st, chain_prev, 32);
		crypto_generichash_final(&st, chain_prev, 32);
		if (len + r->elen + 128 < sizeof buf) {
			memcpy(buf + len, r->entry, r->elen);
			len += r->elen;
			memcpy(buf + len, chain_prev, 32);
			len += 32;
		}
		nentries++;
	}
	/* one signature: the batch's last entry (one actor) */
	{
		unsigned char m[23 + 32];
		memcpy(m, "fortress-audit-batch-v1", 23);
		memcpy(m + 23, chain_prev, 32);
		crypto_sign_detached(sig, NULL, m, sizeof m, keys->sign_sk);
		memcpy(buf + len, sig, 64);
		len += 64;
	}
	/* the log's blocks are written ahead (main): a sync moves data only,
	 * no file size or extent to journal, the cheapest durable append; at
	 * its end it starts again (a benchmark's ring) */
	if (logoff + (off_t)len > LOG_BYTES)
		logoff = 0;
	ok = pwrite(logfd, buf, len, logoff) == (ssize_t)len && fdatasync(logfd) == 0;
	logoff += (off_t)len;
	nbatches++;
	return ok;
}

/* The suspend/resume mode's group commit: a thread of its own. */
static void *writer(void *arg)
{
	(void)arg;
	for (;;) {
		struct req *b, *r;
		int ok;
		pthread_mutex_lock(&wmu);
		while (!pending && !wstop)
			pthread_cond_wait(&wcond, &wmu);
		if (!pending && wstop) {
			pthread_mutex_unlock(&wmu);
			break;
		}
		b = pending;
		pending = NULL;
		pending_tail = &pending;
		pthread_mutex_unlock(&wmu);
		ok = commit_batch(b);
		for (r = b; r;) {
			struct req *next = r->next; /* R is freed once resumed and answered */
			r->state = ok ? 2 : 3;
			MHD_resume_connection(r->conn);
			pthread_mutex_lock(&wmu);
			nwaiting--;
			pthread_mutex_unlock(&wmu);
			r = next;
		}
	}
	return NULL;
}

/* The thread-per-connection mode (fortress serve's): the request's own
 * thread waits; the first that finds no commit running leads it for every
 * entry queued so far, the others wait for theirs. */
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int leading;
static void wait_durable(struct req *r)
{
	pthread_mutex_lock(&wmu);
	*pending_tail = r;
	pending_tail = &r->next;
	r->next = NULL;
	while (r->state == 1) {
		if (!leading) {
			struct req *b = pending;
			leading = 1;
			pending = NULL;
			pending_tail = &pending;
			int ok;
			pthread_mutex_unlock(&wmu);
			ok = commit_batch(b);
			pthread_mutex_lock(&wmu);
			for (struct req *x = b; x; x = x->next) /* read by their threads under wmu */
				x->state = ok ? 2 : 3;
			leading = 0;
			pthread_cond_broadcast(&done_cond);
		} else {
			pthread_cond_wait(&done_cond, &wmu);
		}
	}
	pthread_mutex_unlock(&wmu);
}

static void json_put(char *out, size_t *n, size_t cap, const char *s)
{
	for (; *s && *n + 7 < cap; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\') {
			out[(*n)++] = '\\';
			out[(*n)++] = (char)ch;
		} else if (ch < 0x20) {
			*n += (size_t)snprintf(out + *n, cap - *n, "\\u%04x", ch);
		} else {
			out[(*n)++] = (char)ch;
		}
	}
}

/* Masking: a name's words to their first letter, an e-mail's local part to
 * its first letter, a number to its last digits, a date hidden. */
static void mask(char *out, size_t cap, int field, const char *v)
{
	size_t n = strlen(v), o = 0;
	if (cap < 2)
		return;
	if (field == 1) { /* e-mail */
		const char *at = strchr(v, '@');
		snprintf(out, cap, "%c***%s", v[0], at ? at : "");
		return;
	}
	if (field == 2 || field == 6) { /* phone, tax id */
		snprintf(out, cap, "***%s", n > 2 ? v + n - 2 : v);
		return;
	}
	if (field == 7) { /* IBAN */
		snprintf(out, cap, "%.2s**%s", v, n > 4 ? v + n - 4 : v);
		return;
	}
	if (field == 5) {
		snprintf(out, cap, "****-**-**");
		return;
	}
	for (size_t i = 0; i < n && o + 2 < cap; i++) {
		if (i == 0 || v[i - 1] == ' ' || v[i] == ' ')
			out[o++] = v[i];
		else if (o && out[o - 1] != '*')
			out[o++] = '*';
	}
	out[o] = '\0';
}

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, const char *body, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

#define ERR(conn, code, text) answer(conn, code, "{\"error\":\"" text "\"}", sizeof "{\"error\":\"" text "\"}" - 1)

static int session_ok(struct MHD_Connection *conn)
{
	const char *c = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, COOKIE);
	unsigned char h[32];
	int found = 0;
	if (!c)
		return 0;
	crypto_generichash(h, 32, (const unsigned char *)c, strlen(c), sess_key, 32);
	for (int i = 0; i < NSESS; i++)
		found |= sess_used[i] & (sodium_memcmp(h, sess_hash[i], 32) == 0);
	return found;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct req *r = *con_cls;
	(void)cls; (void)version; (void)upload_data; (void)upload_data_size;
	if (!r) {
		if (!(r = calloc(1, sizeof *r)))
			return MHD_NO;
		r->conn = conn;
		*con_cls = r;
		return MHD_YES; /* answer on the second call, as http.c does */
	}
	if (r->state == 2)
		return answer(conn, MHD_HTTP_OK, r->body, r->blen);
	if (r->state == 3)
		return ERR(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "the audit entry could not be written");
	if (strcmp(method, "GET") != 0)
		return ERR(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	if (!session_ok(conn))
		return ERR(conn, MHD_HTTP_UNAUTHORIZED, "sign in first");
	if (strncmp(url, "/api/clients/", 13) != 0)
		return ERR(conn, MHD_HTTP_NOT_FOUND, "not found");
	{
		char *end;
		long id = strtol(url + 13, &end, 10);
		char vals[FL_NF][256], m[512];
		unsigned char now[32];
		size_t n = 0;
		int ok;
		if (*end || id < 1 || id > NCLIENTS)
			return ERR(conn, MHD_HTTP_NOT_FOUND, "no such client");
		/* the seal: the row as stored, hashed, against its newest seal */
		fl_row_hash(now, &recs[id - 1], created);
		if (sodium_memcmp(now, seal_head[id - 1], 32) != 0)
			return ERR(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "the record does not match its seal");
		ok = fl_open_client(vals, &recs[id - 1], keys, 1) == 0;
		if (!ok) {
			sodium_memzero(vals, sizeof vals);
			return ERR(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "the record does not verify");
		}
		n = (size_t)snprintf(r->body, sizeof r->body, "{\"id\":\"%ld\",\"fields\":{", id);
		for (int i = 0; i < FL_NF; i++) {
			mask(m, sizeof m, i, vals[i]);
			n += (size_t)snprintf(r->body + n, sizeof r->body - n, "%s\"%s\":\"", i ? "," : "", fl_field[i]);
			json_put(r->body, &n, sizeof r->body - 4, m);
			r->body[n++] = '"';
		}
		r->body[n++] = '}';
		r->body[n++] = '}';
		r->blen = n;
		sodium_memzero(vals, sizeof vals);
		sodium_memzero(m, sizeof m);
		/* the audit entry: no value (ids, fields, purpose, actor, result) */
		r->elen = (size_t)snprintf(r->entry, sizeof r->entry,
					   "%lld\tbench\tread\t%ld\tfull_name,email,phone,postal_address,company,date_of_birth,tax_id,iban\tservice\tmasked\tok",
					   (long long)time(NULL), id);
		if (r->elen >= sizeof r->entry)
			r->elen = sizeof r->entry - 1;
	}
	r->state = 1;
	if (tpc) {
		wait_durable(r);
		return r->state == 2 ? answer(conn, MHD_HTTP_OK, r->body, r->blen)
				     : ERR(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "the audit entry could not be written");
	}
	/* wait for the entry's commit without holding a thread */
	MHD_suspend_connection(conn);
	pthread_mutex_lock(&wmu);
	nwaiting++;
	*pending_tail = r;
	pending_tail = &r->next;
	r->next = NULL;
	pthread_cond_signal(&wcond);
	pthread_mutex_unlock(&wmu);
	return MHD_YES;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls; (void)conn; (void)toe;
	if (*con_cls) {
		struct req *r = *con_cls;
		sodium_memzero(r->body, sizeof r->body);
		free(r);
		*con_cls = NULL;
	}
}

/* gen_clients-like values: the same fields and lengths */
static void client_values(char (*v)[256], size_t *len, int i)
{
	static const char *const first[] = { "Clara", "Paul", "Daniel", "Anna", "Lukas", "Sophie" };
	static const char *const last[] = { "Wolf", "Neumann", "Koch", "Schmidt", "Becker", "Hoffmann" };
	const char *f = first[i % 6], *l = last[(i / 6) % 6];
	snprintf(v[0], 256, "%s %s", f, l);
	snprintf(v[1], 256, "%c%s.%c%s.%d@beispiel.de", f[0] | 32, f + 1, l[0] | 32, l + 1, i);
	snprintf(v[2], 256, "+4930%07d", 2234567 + i);
	snprintf(v[3], 256, "Lindenstra\xc3\x9f" "e %d, 10115 Berlin", 1 + i % 99);
	snprintf(v[4], 256, "SpreeService AG");
	snprintf(v[5], 256, "19%02d-0%d-1%d", 40 + i % 60, 1 + i % 9, i % 10);
	snprintf(v[6], 256, "DE%09d", 471150786 + i);
	snprintf(v[7], 256, "DE3082921393564%07d", 3926061 + i);
	for (int k = 0; k < FL_NF; k++)
		len[k] = strlen(v[k]);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *di;
	char path[4096], cookie[64];
	unsigned char raw[32];
	pthread_t wt;
	sigset_t sigs;
	fl_rng *g;
	FILE *f;

	if (argc != 3 && !(argc == 4 && strcmp(argv[3], "tpc") == 0)) {
		fprintf(stderr, "usage: mhd_floor PORT_FILE DIR [tpc]\n");
		return 2;
	}
	tpc = argc == 4;
	if (sodium_init() < 0)
		return 1;
	if (!(keys = sodium_malloc(sizeof *keys)) || !(g = sodium_malloc(sizeof *g)) || !(sess_key = sodium_malloc(32)) ||
	    !(recs = calloc(NCLIENTS, sizeof *recs)) || !(seal_head = calloc(NCLIENTS, 32))) {
		fprintf(stderr, "mhd_floor: out of memory\n");
		return 1;
	}
	fl_keys_init(keys);
	g->used = 0;
	randombytes_buf(sess_key, 32);
	/* the vault: NCLIENTS records as an import stores them, and their seals */
	for (int i = 0; i < NCLIENTS; i++) {
		char v[FL_NF][256];
		const char *vals[FL_NF];
		size_t len[FL_NF];
		client_values(v, len, i);
		for (int k = 0; k < FL_NF; k++)
			vals[k] = v[k];
		fl_seal_client(&recs[i], keys, g, i + 1, vals, len, 1, created);
		memcpy(seal_head[i], recs[i].seal[0], 32);
	}
	sodium_free(g);
	/* one signed-in session */
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(cookie, sizeof cookie, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_generichash(sess_hash[0], 32, (const unsigned char *)cookie, strlen(cookie), sess_key, 32);
	sess_used[0] = 1;
	snprintf(path, sizeof path, "%s/floor.audit", argv[2]);
	if ((logfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		perror(path);
		return 1;
	}
	{
		static unsigned char zero[1 << 16];
		for (off_t o = 0; o < LOG_BYTES; o += (off_t)sizeof zero)
			if (write(logfd, zero, sizeof zero) != (ssize_t)sizeof zero) {
				perror(path);
				return 1;
			}
		if (fsync(logfd) != 0) {
			perror(path);
			return 1;
		}
	}
	/* SIGTERM and SIGINT blocked in every thread, taken by sigwait below
	 * (a handler may run on any thread and leave pause() waiting) */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (!tpc && pthread_create(&wt, NULL, writer, NULL) != 0)
		return 1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (tpc)
		d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC, 0, NULL, NULL,
				     on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_TIMEOUT,
				     (unsigned)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
				     MHD_OPTION_END);
	else
		d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME, 0,
				     NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)4, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
				     MHD_OPTION_END);
	if (!d) {
		perror("mhd_floor: cannot listen");
		return 1;
	}
	snprintf(path, sizeof path, "%s/floor.session", argv[2]);
	if (!(f = fopen(path, "w"))) {
		perror(path);
		MHD_stop_daemon(d);
		return 1;
	}
	fprintf(f, "%s\n%d\n", cookie, NCLIENTS / 2);
	fclose(f);
	sodium_memzero(cookie, sizeof cookie);
	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (!(f = fopen(argv[1], "w"))) {
		perror(argv[1]);
		MHD_stop_daemon(d);
		return 1;
	}
	fprintf(f, "%u\n", di ? di->port : 0);
	fclose(f);
	{
		int sig;
		sigwait(&sigs, &sig);
	}
	/* no connection may be suspended when the daemon stops: the last
	 * batch is written and resumed, and the daemons take them back */
	for (;;) {
		int w;
		pthread_mutex_lock(&wmu);
		w = nwaiting;
		pthread_mutex_unlock(&wmu);
		if (!w)
			break;
		usleep(10000);
	}
	usleep(200000);
	MHD_stop_daemon(d);
	pthread_mutex_lock(&wmu);
	wstop = 1;
	pthread_cond_signal(&wcond);
	pthread_mutex_unlock(&wmu);
	if (!tpc)
		pthread_join(wt, NULL);
	close(logfd);
	fprintf(stderr, "audit group commit: %llu entries in %llu transactions\n", nentries, nbatches);
	sodium_free(keys);
	sodium_free(sess_key);
	free(recs);
	free(seal_head);
	return 0;
}
