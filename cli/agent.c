/* agent.c - the unlock agent: `fortress unlock` leaves a small process that
 * holds the acting user's secret keys in locked memory and hands them to
 * fortress commands of the same Unix user over a socket, so a working
 * session needs the passphrase once.  Like ssh-agent or gpg-agent:
 *
 *  - the socket lives in a 0700 directory of the user ($XDG_RUNTIME_DIR/
 *    fortress, else /tmp/fortress-UID), is itself 0600, and the agent checks
 *    the peer's credentials (SO_PEERCRED): another user is refused;
 *  - the agent exits, wiping the keys, when its time is up or on
 *    `fortress lock`; it cannot be ptraced or dumped (PR_SET_DUMPABLE 0);
 *  - one agent per vault file and user.
 *
 * Protocol, one request per connection: "GET\n" -> "KEY\n" + 64 bytes;
 * "STATUS\n" -> "OK EXPIRES PID\n"; "LOCK\n" -> "OK\n" and the agent exits. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "agent.h"

#define KEY_LEN 64

/* FNV-1a: names the socket after the vault file and user (not a secret). */
static unsigned long long fnv(const char *a, const char *b)
{
	unsigned long long h = 1469598103934665603ULL;
	for (const char *p = a; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (const char *p = b ? b : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

int agent_socket_path(char *out, size_t cap, const char *vault_path, const char *user)
{
	char real[PATH_MAX], dir[PATH_MAX];
	const char *rt = getenv("XDG_RUNTIME_DIR");
	struct stat sb;

	/* a file by its real path; a PostgreSQL vault (no file) by its
	 * connection string as given */
	if (fort_vault_path_is_database(vault_path)) {
		if ((size_t)snprintf(real, sizeof real, "%s", vault_path) >= sizeof real)
			return -1;
	} else if (!realpath(vault_path, real))
		return -1;
	if (rt && *rt && rt[0] == '/')
		snprintf(dir, sizeof dir, "%s/fortress", rt);
	else
		snprintf(dir, sizeof dir, "/tmp/fortress-%lu", (unsigned long)getuid());
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	/* refuse a directory someone else could have prepared */
	if (lstat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode) || sb.st_uid != getuid() || (sb.st_mode & 077))
		return -1;
	if ((size_t)snprintf(out, cap, "%s/agent-%016llx.sock", dir, fnv(real, user)) >= cap ||
	    strlen(out) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -1;
	return 0;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int read_full(int fd, void *buf, size_t n)
{
	unsigned char *p = buf;
	while (n) {
		ssize_t k = read(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int request(const char *path, const char *req, char *line, size_t cap, int *fdout)
{
	int fd = connect_to(path);
	size_t n = 0;
	if (fd < 0)
		return -1;
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		goto fail;
	while (n + 1 < cap) {
		char ch;
		if (read(fd, &ch, 1) != 1)
			goto fail;
		if (ch == '\n')
			break;
		line[n++] = ch;
	}
	line[n] = '\0';
	*fdout = fd;
	return 0;
fail:
	close(fd);
	return -1;
}

int agent_get_key(fort_secret **out, const char *sock)
{
	char line[64];
	unsigned char key[KEY_LEN];
	int fd, r = -1;
	*out = NULL;
	if (request(sock, "GET\n", line, sizeof line, &fd) < 0)
		return -1;
	if (strcmp(line, "KEY") == 0 && read_full(fd, key, sizeof key) == 0 &&
	    fort_secret_new(out, key, sizeof key) == 0)
		r = 0;
	explicit_bzero(key, sizeof key);
	close(fd);
	return r;
}

int agent_status(long long *expires, long *pid, const char *sock)
{
	char line[128];
	int fd, r = -1;
	if (request(sock, "STATUS\n", line, sizeof line, &fd) < 0)
		return -1;
	if (sscanf(line, "OK %lld %ld", expires, pid) == 2)
		r = 0;
	close(fd);
	return r;
}

int agent_lock(const char *sock)
{
	char line[16];
	int fd, r;
	if (request(sock, "LOCK\n", line, sizeof line, &fd) < 0)
		return -1;
	r = strcmp(line, "OK") == 0 ? 0 : -1;
	close(fd);
	return r;
}

/* ------------------------------------------------------------ the agent */

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void serve(int lfd, const char *sock, fort_secret *key, time_t expires, ino_t ino)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	while (!stop) {
		struct pollfd p = { lfd, POLLIN, 0 };
		time_t now = time(NULL);
		struct ucred cred;
		socklen_t cl = sizeof cred;
		char req[16];
		size_t n = 0;
		int cfd, rc;

		if (now >= expires)
			break;
		rc = poll(&p, 1, (int)((expires - now) * 1000 > 60000 ? 60000 : (expires - now) * 1000));
		if (rc <= 0)
			continue;
		if ((cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		/* only our own Unix user */
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || cred.uid != getuid()) {
			close(cfd);
			continue;
		}
		{
			struct timeval tv = { 2, 0 };
			setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		}
		while (n + 1 < sizeof req && read(cfd, req + n, 1) == 1 && req[n] != '\n')
			n++;
		req[n] = '\0';
		if (strcmp(req, "GET") == 0) {
			if (write(cfd, "KEY\n", 4) == 4)
				(void)!write(cfd, fort_secret_data(key), fort_secret_len(key));
		} else if (strcmp(req, "STATUS") == 0) {
			char line[64];
			int l = snprintf(line, sizeof line, "OK %lld %ld\n", (long long)expires, (long)getpid());
			(void)!write(cfd, line, (size_t)l);
		} else if (strcmp(req, "LOCK") == 0) {
			(void)!write(cfd, "OK\n", 3);
			close(cfd);
			break;
		}
		close(cfd);
	}
	{
		/* a newer agent may have replaced us at this path: leave its socket */
		struct stat sb;
		if (stat(sock, &sb) == 0 && sb.st_ino == ino)
			unlink(sock);
	}
	close(lfd);
	fort_secret_free(key); /* wipes */
}

int agent_start(long *pid_out, const char *sock, const fort_secret *key, unsigned seconds, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	int lfd, ready[2];
	pid_t pid;
	mode_t old;
	ino_t ino;
	char ok = 0;

	(void)agent_lock(sock); /* replace a running agent of this vault */
	unlink(sock);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "cannot create the agent socket: %s", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	old = umask(0177);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || chmod(sock, 0600) < 0 || listen(lfd, 8) < 0) {
		umask(old);
		snprintf(err, errlen, "cannot listen on %s: %s", sock, strerror(errno));
		close(lfd);
		return -1;
	}
	umask(old);
	{
		struct stat sb;
		ino = stat(sock, &sb) == 0 ? sb.st_ino : 0;
	}
	if (pipe2(ready, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		close(lfd);
		unlink(sock);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(lfd);
		unlink(sock);
		return -1;
	}
	if (pid == 0) {
		/* the first child: detach, then the agent itself */
		fort_secret *mine = NULL;
		pid_t p2;
		int devnull;
		close(ready[0]);
		setsid();
		if ((p2 = fork()) != 0)
			_exit(p2 < 0 ? 1 : 0);
		if (chdir("/") < 0)
			_exit(1);
		devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
			if (devnull > 2)
				close(devnull);
		}
		/* memory locks are not inherited across fork: copy the key into
		 * freshly locked memory of this process */
		if (fort_secret_new(&mine, fort_secret_data(key), fort_secret_len(key)) < 0)
			_exit(1);
		ok = 1;
		{
			long me = (long)getpid();
			(void)!write(ready[1], &me, sizeof me);
		}
		close(ready[1]);
		serve(lfd, sock, mine, time(NULL) + (time_t)seconds, ino);
		_exit(0);
	}
	close(lfd);
	close(ready[1]);
	{
		long agent_pid = 0;
		int status;
		waitpid(pid, &status, 0);
		if (read_full(ready[0], &agent_pid, sizeof agent_pid) == 0) {
			ok = 1;
			*pid_out = agent_pid;
		}
	}
	close(ready[0]);
	if (!ok) {
		snprintf(err, errlen, "the agent did not start");
		unlink(sock);
		return -1;
	}
	return 0;
}
