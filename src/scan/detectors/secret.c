/* secret.c - secrets in plain text: API keys of well-known formats (AWS,
 * GitHub, Slack, Stripe, Google), a value after a password label
 * ("password: x", "passwd=x", "pwd x", "\"password\": \"x\"") and private
 * key PEM headers. */
#include <string.h>
#include "scan/scan_int.h"

static size_t run(const scan_view *v, size_t i, const char *extra)
{
	size_t s = i;

	while (i < v->len && i - s < 256 && (sc_alnum(v->buf[i]) || (v->buf[i] && strchr(extra, v->buf[i]))))
		i++;
	return i - s;
}

static int prefix(const scan_view *v, size_t pos, const char *p)
{
	size_t n = strlen(p);

	return pos + n <= v->len && !memcmp(v->buf + pos, p, n);
}

/* POS: the start of a word holding a digit. */
int detect_secret_key(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	static const struct { const char *prefix, *extra, *rule; unsigned min, max; } keys[] = {
		{ "AKIA", "", "secret.aws-access-key", 16, 16 },
		{ "ASIA", "", "secret.aws-access-key", 16, 16 },
		{ "AIza", "_-", "secret.google-api-key", 35, 35 },
		{ "ghp_", "", "secret.github-token", 36, 36 },
		{ "gho_", "", "secret.github-token", 36, 36 },
		{ "ghu_", "", "secret.github-token", 36, 36 },
		{ "ghs_", "", "secret.github-token", 36, 36 },
		{ "ghr_", "", "secret.github-token", 36, 36 },
		{ "github_pat_", "_", "secret.github-token", 70, 100 },
		{ "xoxb-", "-", "secret.slack-token", 10, 200 },
		{ "xoxp-", "-", "secret.slack-token", 10, 200 },
		{ "xoxa-", "-", "secret.slack-token", 10, 200 },
		{ "xoxr-", "-", "secret.slack-token", 10, 200 },
		{ "xoxs-", "-", "secret.slack-token", 10, 200 },
		{ "sk_live_", "", "secret.stripe-key", 20, 120 },
		{ "rk_live_", "", "secret.stripe-key", 20, 120 },
	};
	size_t i, n, pl;
	unsigned c0 = v->buf[pos];

	(void)cl;
	/* every prefix starts with one of these */
	if (c0 != 'A' && c0 != 'g' && c0 != 'x' && c0 != 's' && c0 != 'r')
		return 0;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if ((unsigned char)keys[i].prefix[0] != c0 || !prefix(v, pos, keys[i].prefix))
			continue;
		pl = strlen(keys[i].prefix);
		n = run(v, pos + pl, keys[i].extra);
		if (n < keys[i].min || n > keys[i].max)
			return 0;
		if (pos + pl + n < v->len && (sc_word(v->buf[pos + pl + n]) || v->buf[pos + pl + n] == '-'))
			return 0;
		if (keys[i].min == 16) {  /* AWS: upper case and digits only */
			size_t k;

			for (k = 0; k < n; k++)
				if (sc_lower(v->buf[pos + pl + k]))
					return 0;
		}
		m->start = pos;
		m->end = pos + pl + n;
		m->type = FORT_SCAN_SECRET;
		m->conf = FORT_SCAN_HIGH;
		m->rule = keys[i].rule;
		return 1;
	}
	return 0;
}

static int placeholder(const unsigned char *s, size_t n)
{
	static const char *const words[] = { "null", "none", "nil", "true", "false", "redacted", "hidden",
					     "required", "optional", "string", "example", "your_password", NULL };
	size_t i, k;

	for (i = 1; i < n && s[i] == s[0]; i++)
		;
	if (i == n)    /* "****", "xxxx" */
		return 1;
	if (s[0] == '<' || s[0] == '$' || s[0] == '{' || s[0] == '%' || s[0] == '[' || s[0] == '`')
		return 1;
	for (i = 0; words[i]; i++) {
		if (strlen(words[i]) != n)
			continue;
		for (k = 0; k < n && sc_tolower(s[k]) == (unsigned char)words[i][k]; k++)
			;
		if (k == n)
			return 1;
	}
	return 0;
}

/* POS: a ':' or '=' after a label. */
int detect_secret_label(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	static const char *const labels[] = { "password", "passwd", "pwd", "passphrase", "secret",
					      "client_secret", "api_key", "apikey", "api-key", "access_token",
					      "auth_token", "secret_key", NULL };
	static const unsigned char label_len[] = { 8, 6, 3, 10, 6, 13, 7, 6, 7, 12, 10, 10 };
	const unsigned char *b = v->buf;
	char w[24];
	size_t e = pos, s, i, n, vs, ve;
	int quoted = 0;

	(void)cl;
	if (e > 0 && (b[e - 1] == '"' || b[e - 1] == '\''))
		e--;
	while (e > 0 && b[e - 1] == ' ')
		e--;
	/* every label ends in one of these letters */
	if (e == 0)
		return 0;
	switch (b[e - 1] | 0x20) {
	case 'd': case 'e': case 't': case 'y':
		break;
	default:
		return 0;
	}
	s = e;
	while (s > 0 && e - s < sizeof(w) - 1 && (sc_alpha(b[s - 1]) || b[s - 1] == '_' || b[s - 1] == '-'))
		s--;
	if (s == e || (s > 0 && sc_alnum(b[s - 1])))
		return 0;
	n = e - s;
	for (i = 0; i < n; i++)
		w[i] = (char)sc_tolower(b[s + i]);
	w[n] = '\0';
	/* "db_password", "user-password": the label ends the word */
	for (i = 0; labels[i]; i++) {
		size_t ln = label_len[i];

		if (n >= ln && w[n - 1] == labels[i][ln - 1] && !memcmp(w + n - ln, labels[i], ln) &&
		    (n == ln || w[n - ln - 1] == '_' || w[n - ln - 1] == '-'))
			break;
	}
	if (!labels[i])
		return 0;
	vs = pos + 1;
	while (vs < v->len && vs - pos < 4 && b[vs] == ' ')
		vs++;
	if (vs < v->len && (b[vs] == '"' || b[vs] == '\'')) {
		quoted = b[vs];
		vs++;
	}
	ve = vs;
	while (ve < v->len && ve - vs < 200 && b[ve] != 127 &&
	       (quoted ? (b[ve] != quoted && b[ve] != '\n') :
			 (b[ve] > ' ' && b[ve] != ',' && b[ve] != ';' && b[ve] != '"' && b[ve] != '\'')))
		ve++;
	if (quoted && (ve >= v->len || b[ve] != quoted))
		return 0;
	/* a sentence end is not part of the password */
	if (!quoted && ve > vs && (b[ve - 1] == '.') && (ve == v->len || b[ve] <= ' '))
		ve--;
	if (ve - vs < 4 || ve - vs >= 200 || placeholder(b + vs, ve - vs))
		return 0;
	/* unquoted, a password looks like one: two kinds of characters (not
	 * "passphrase: they ..."), and not code ("secret = malloc(64)", "b->secret") */
	if (!quoted) {
		unsigned lower = 0, upper = 0, digit = 0, other = 0;

		for (i = vs; i < ve; i++) {
			unsigned c = b[i];

			lower |= sc_lower(c);
			upper |= sc_upper(c);
			digit |= sc_digit(c);
			other |= !sc_alnum(c);
			if (c == '(' || c == ')' || c == '`' || (c == '-' && i + 1 < ve && b[i + 1] == '>'))
				return 0;
		}
		if (lower + upper + digit + other < 2)
			return 0;
	}
	m->start = vs;
	m->end = ve;
	m->type = FORT_SCAN_SECRET;
	m->conf = FORT_SCAN_MEDIUM;
	m->rule = "secret.password";
	return 1;
}

int detect_pem(const scan_view *v, size_t pos, scan_match *m)
{
	const unsigned char *b = v->buf;
	size_t e = pos + 11, lim = pos + 80 < v->len ? pos + 80 : v->len;

	while (e < lim && b[e] != '\n' && b[e] != '-')
		e++;
	if (e + 5 > v->len || memcmp(b + e, "-----", 5) || e - pos < 22 || memcmp(b + e - 11, "PRIVATE KEY", 11))
		return 0;
	m->start = pos;
	m->end = e + 5;
	m->type = FORT_SCAN_SECRET;
	m->conf = FORT_SCAN_HIGH;
	m->rule = "secret.private-key";
	return 1;
}
