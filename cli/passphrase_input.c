/* passphrase_input.c - passphrases from a file or from /dev/tty with echo
 * off.  The terminal is restored on every path, including SIGINT; the typed
 * bytes live only in a fixed stack buffer that is wiped before returning
 * and in the fort_secret built from it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "passphrase_input.h"

/* State shared with the signal handler: the terminal to restore. */
static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t tty_restore;
static int tty_fd = -1;
static struct termios tty_saved;

static const int caught_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGPIPE };
static const int ignored_signals[] = { SIGTSTP, SIGTTIN, SIGTTOU };
#define NCAUGHT (sizeof(caught_signals) / sizeof(caught_signals[0]))
#define NIGNORED (sizeof(ignored_signals) / sizeof(ignored_signals[0]))

static void on_signal(int sig)
{
	int saved_errno = errno;

	if (tty_restore) {
		tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
		tty_restore = 0;
	}
	got_signal = sig;
	errno = saved_errno;
}

struct prompt_state {
	struct sigaction old_caught[NCAUGHT];
	struct sigaction old_ignored[NIGNORED];
};

static void signals_catch(struct prompt_state *st)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;   /* no SA_RESTART: read() returns EINTR */
	sigemptyset(&sa.sa_mask);
	got_signal = 0;
	for (i = 0; i < NCAUGHT; i++)
		sigaction(caught_signals[i], &sa, &st->old_caught[i]);
	sa.sa_handler = SIG_IGN;
	for (i = 0; i < NIGNORED; i++)
		sigaction(ignored_signals[i], &sa, &st->old_ignored[i]);
}

static void signals_restore(struct prompt_state *st)
{
	size_t i;

	for (i = 0; i < NCAUGHT; i++)
		sigaction(caught_signals[i], &st->old_caught[i], NULL);
	for (i = 0; i < NIGNORED; i++)
		sigaction(ignored_signals[i], &st->old_ignored[i], NULL);
}

/* After cleanup: deliver a signal that interrupted the prompt with its
 * previous disposition (normally: terminate). */
static void signal_redeliver(void)
{
	if (got_signal) {
		int sig = got_signal;

		got_signal = 0;
		raise(sig);
	}
}

static void tty_write(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t n = write(fd, s, len);

		if (n < 0) {
			if (errno == EINTR && !got_signal)
				continue;
			return;
		}
		s += n;
		len -= (size_t)n;
	}
}

int cli_have_tty(void)
{
	int fd;

	if (!isatty(STDIN_FILENO))
		return 0;
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* Read one line from /dev/tty into BUF (cap CAP, NUL-terminated).
 * Returns 0, -1 no TTY, -2 EOF/read error, -3 too long, -4 interrupted. */
static int tty_read_line(char *buf, size_t cap, size_t *len_out, const char *prompt, int echo)
{
	struct prompt_state st;
	struct termios t;
	size_t len = 0;
	int fd, r = -2, too_long = 0;
	char ch = 0;

	*len_out = 0;
	buf[0] = '\0';
	if (!isatty(STDIN_FILENO))
		return -1;
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;

	signals_catch(&st);
	tty_fd = fd;
	if (!echo) {
		if (tcgetattr(fd, &tty_saved) < 0) {
			r = -1;
			goto out;
		}
		t = tty_saved;
		t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
		t.c_lflag |= ICANON | ISIG;
		tty_restore = 1;
		if (tcsetattr(fd, TCSAFLUSH, &t) < 0) {
			tty_restore = 0;
			r = -1;
			goto out;
		}
	}
	tty_write(fd, prompt);

	for (;;) {
		ssize_t n;

		if (got_signal) {
			r = -4;
			break;
		}
		n = read(fd, &ch, 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -2;
			break;
		}
		if (n == 0) {
			r = len > 0 && !too_long ? 0 : -2;  /* EOF after some text: take it */
			break;
		}
		if (ch == '\n') {
			r = 0;
			break;
		}
		if (len + 1 >= cap) {
			too_long = 1;    /* keep reading to the end of the line */
			continue;
		}
		buf[len++] = ch;
	}
	ch = 0;
	if (r == 0 && too_long)
		r = -3;
	if (r == 0 && len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';

out:
	if (tty_restore) {
		tcsetattr(fd, TCSAFLUSH, &tty_saved);
		tty_restore = 0;
	}
	if (!echo && r != -1)
		tty_write(fd, "\n");     /* the user's Enter was not echoed */
	close(fd);
	tty_fd = -1;
	signals_restore(&st);
	if (r != 0) {
		explicit_bzero(buf, cap);
		len = 0;
	}
	*len_out = len;
	return r;
}

int cli_tty_ask(char **out, const char *prompt)
{
	char buf[1024];
	size_t len;
	int r;

	*out = NULL;
	r = tty_read_line(buf, sizeof(buf), &len, prompt, 1);
	if (r == -4)
		signal_redeliver();
	if (r < 0)
		return -1;
	*out = strdup(buf);
	return *out ? 0 : -1;
}

const char *cli_passphrase_file(const struct cli *c)
{
	const char *f = c->passphrase_file;

	if (f && *f)
		return f;
	f = getenv("FORTRESS_PASSPHRASE_FILE");
	return f && *f ? f : NULL;
}

static int prompt_error(struct cli *c, int r, const char *notty_msg)
{
	switch (r) {
	case -1:
		return cli_error(c, EXIT_USAGE, "%s", notty_msg);
	case -3:
		return cli_error(c, EXIT_INPUT, "passphrase too long (at most %d bytes)", CLI_PASSPHRASE_MAX);
	case -4:
		signal_redeliver();
		return cli_error(c, EXIT_FAIL, "interrupted");
	default:
		return cli_error(c, EXIT_FAIL, "no passphrase entered");
	}
}

int cli_passphrase_get(struct cli *c, fort_secret **out, const char *file,
		       const char *prompt, int confirm, const char *notty_msg)
{
	char buf[CLI_PASSPHRASE_MAX + 1], again[CLI_PASSPHRASE_MAX + 1];
	size_t len = 0, len2 = 0, i;
	unsigned char diff = 0;
	int r, ex = EXIT_FAIL;

	*out = NULL;
	if (file) {
		if ((r = fort_secret_from_file(out, file)) < 0)
			return cli_fail(c, r, r == FORT_ENOTFOUND ?
					"check --passphrase-file / FORTRESS_PASSPHRASE_FILE" : NULL);
		return EXIT_OK;
	}

	if ((r = tty_read_line(buf, sizeof(buf), &len, prompt, 0)) < 0) {
		ex = prompt_error(c, r, notty_msg);
		goto out;
	}
	if (confirm) {
		if ((r = tty_read_line(again, sizeof(again), &len2, "Repeat passphrase: ", 0)) < 0) {
			ex = prompt_error(c, r, notty_msg);
			goto out;
		}
		diff = (unsigned char)(len != len2);
		for (i = 0; i < len && i < len2; i++)
			diff |= (unsigned char)(buf[i] ^ again[i]);
		if (diff) {
			ex = cli_error(c, EXIT_INPUT, "passphrases do not match");
			goto out;
		}
	}
	if ((r = fort_secret_new(out, buf, len)) < 0) {
		ex = cli_fail(c, r, NULL);
		goto out;
	}
	ex = EXIT_OK;
out:
	explicit_bzero(buf, sizeof(buf));
	explicit_bzero(again, sizeof(again));
	return ex;
}

int cli_passphrase_unlock(struct cli *c, fort_secret **out, const char *prompt)
{
	return cli_passphrase_get(c, out, cli_passphrase_file(c), prompt, 0, CLI_NO_PASSPHRASE_MSG);
}

/* Print on the terminal itself (not stdout, which may be a file). */
static void tty_say(const char *text)
{
	int fd = open("/dev/tty", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	(void)!write(fd, text, strlen(text));
	close(fd);
}

int cli_passphrase_new(struct cli *c, fort_secret **out, const char *const *user_inputs, int tries)
{
	char buf[CLI_PASSPHRASE_MAX + 1], again[CLI_PASSPHRASE_MAX + 1], msg[600];
	size_t len = 0, len2 = 0;
	fort_secret *gen = NULL;
	int r, ex = EXIT_INPUT, last = 0;

	*out = NULL;
	if (cli_passphrase_file(c)) {
		if ((ex = cli_passphrase_get(c, out, cli_passphrase_file(c), NULL, 0, CLI_NO_PASSPHRASE_MSG)) != EXIT_OK)
			return ex;
		if ((r = fort_passphrase_check(*out, user_inputs)) < 0) {
			fort_secret_free(*out);
			*out = NULL;
			return cli_fail(c, r, "try 'fortress passphrase generate'");
		}
		return EXIT_OK;
	}
	for (int t = 1; t <= tries; t++) {
		unsigned char diff;
		const char *p;
		size_t plen;
		if ((r = tty_read_line(buf, sizeof(buf), &len, "New vault passphrase (Enter: generate one): ", 0)) < 0) {
			ex = prompt_error(c, r, CLI_NO_PASSPHRASE_MSG);
			goto out;
		}
		if (len == 0) {
			fort_secret_free(gen);
			gen = NULL;
			if ((r = fort_passphrase_generate(&gen, FORT_PASSPHRASE_MIN_WORDS)) < 0) {
				ex = cli_fail(c, r, NULL);
				goto out;
			}
			snprintf(msg, sizeof msg, "\nYour new passphrase (write it down now; it is not shown again):\n\n    %s\n\n",
				 (const char *)fort_secret_data(gen));
			tty_say(msg);
			explicit_bzero(msg, sizeof msg);
			p = (const char *)fort_secret_data(gen);
			plen = fort_secret_len(gen);
		} else {
			fort_secret *s = NULL;
			if ((r = fort_secret_new(&s, buf, len)) < 0) {
				ex = cli_fail(c, r, NULL);
				goto out;
			}
			/* the strength first: no need to type a weak one twice */
			r = fort_passphrase_check(s, user_inputs);
			fort_secret_free(s);
			if (r < 0) {
				last = r;
				snprintf(msg, sizeof msg, "%s\n%s", fort_error_message(),
					 t < tries ? "Try again, or press Enter for a generated one.\n" : "");
				tty_say(msg);
				continue;
			}
			p = buf;
			plen = len;
		}
		if ((r = tty_read_line(again, sizeof(again), &len2, "Repeat passphrase: ", 0)) < 0) {
			ex = prompt_error(c, r, CLI_NO_PASSPHRASE_MSG);
			goto out;
		}
		diff = (unsigned char)(plen != len2);
		for (size_t i = 0; i < plen && i < len2; i++)
			diff |= (unsigned char)(p[i] ^ again[i]);
		if (diff) {
			last = 0;
			tty_say(t < tries ? "The passphrases do not match. Try again.\n" : "The passphrases do not match.\n");
			continue;
		}
		if ((r = fort_secret_new(out, p, plen)) < 0) {
			ex = cli_fail(c, r, NULL);
			goto out;
		}
		ex = EXIT_OK;
		goto out;
	}
	if (last < 0)
		ex = cli_error(c, cli_exit_code(last), "no strong passphrase after %d tries", tries);
	else
		ex = cli_error(c, EXIT_INPUT, "passphrases do not match (%d tries)", tries);
	cli_hint(c, "'fortress passphrase generate' makes one; or press Enter at the prompt");
out:
	fort_secret_free(gen);
	explicit_bzero(buf, sizeof(buf));
	explicit_bzero(again, sizeof(again));
	return ex;
}
