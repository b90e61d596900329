/* secret.c - secrets in plain text: API keys of well-known formats (AWS,
 * GitHub, Slack, Stripe, Google, Fortress's own tokens), a value after (or compared with) a label
 * naming a secret ("password: x", "db_pass := x", "\"password\": \"x\"",
 * "if (api_key == \"x\")"), credentials in URLs, Slack webhooks and private
 * key headers (PEM, PGP).  Test data ("EXAMPLE", "xxxx", "insert_key_here")
 * is not a finding. */
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

/* Test data, not a secret: "EXAMPLE", "insert_key_here", "xxxx", a run of
 * one character or an alphabet ("AIzaSyabcdefghijklmnopqrstuvwxyz...").
 * Compared case-insensitively anywhere in S. */
static int dummy(const unsigned char *s, size_t n)
{
	static const char *const words[] = { "example", "placeholder", "insert", "your_", "yourkey", "changeme",
					     "xxxxxx", "dummy", "sample", "redacted", "********", NULL };
	size_t i, k, run = 1, up = 1;

	/* runs of letters or signs, not digits: real tokens hold "0000000" */
	for (i = 1; i < n; i++) {
		run = s[i] == s[i - 1] && !sc_digit(s[i]) ? run + 1 : 1;
		up = sc_alpha(s[i]) && sc_tolower(s[i]) == sc_tolower(s[i - 1]) + 1 ? up + 1 : 1;
		if (run >= 8 || up >= 8)
			return 1;
	}
	for (i = 0; i < n; i++)
		for (k = 0; words[k]; k++) {
			size_t j;

			for (j = 0; words[k][j] && i + j < n && sc_tolower(s[i + j]) == (unsigned char)words[k][j]; j++)
				;
			if (!words[k][j])
				return 1;
		}
	return 0;
}

/* Digits in [I, ...) up to a '-': their count (0: none, or no '-' after). */
static size_t digits_dash(const scan_view *v, size_t i)
{
	size_t s = i;

	while (i < v->len && sc_digit(v->buf[i]))
		i++;
	return i > s && i < v->len && v->buf[i] == '-' ? i - s : 0;
}

/* Slack tokens, by kind (the formats Slack issues): the end, or 0. */
static size_t slack(const scan_view *v, size_t pos)
{
	const unsigned char *b = v->buf;
	size_t i = pos + 5, k, n;
	unsigned c = b[pos + 3];

	if (b[pos + 4] != '-')
		return 0;
	switch (c) {
	case 'b':   /* bot: xoxb-<8-14 digits>-<digits>-<alnum>, or -<alnum> */
		if ((n = digits_dash(v, i)) < 8 || n > 14)
			return 0;
		i += n + 1;
		n = run(v, i, "-");
		return n >= 18 && b[i + n - 1] != '-' ? i + n : 0;
	case 'p':   /* user: three numbers, then alnum */
	case 'e':
		for (k = 0; k < 3; k++) {
			if ((n = digits_dash(v, i)) < 5 || n > 13)
				return 0;
			i += n + 1;
		}
		n = run(v, i, "");
		return n >= 12 && n <= 64 ? i + n : 0;
	case 'o':   /* legacy: numbers, then hex */
	case 's':
		for (k = 0; k < 3; k++) {
			if (!(n = digits_dash(v, i)))
				return 0;
			i += n + 1;
		}
		for (n = 0; i + n < v->len && sc_hex(b[i + n]); n++)
			;
		return n >= 8 && !(i + n < v->len && sc_alnum(b[i + n])) ? i + n : 0;
	case 'a':   /* legacy workspace: (digit-)? 8-48 alnum */
	case 'r':
		if (i + 1 < v->len && sc_digit(b[i]) && b[i + 1] == '-')
			i += 2;
		n = run(v, i, "-");
		return n >= 8 && n <= 96 && b[i + n - 1] != '-' ? i + n : 0;
	}
	return 0;
}

/* POS: the start of a word holding a digit. */
int detect_secret_key(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	static const struct { const char *prefix, *extra, *rule; unsigned min, max; } keys[] = {
		{ "AKIA", "", "secret.aws-access-key", 16, 16 },
		{ "ASIA", "", "secret.aws-access-key", 16, 16 },
		{ "ABIA", "", "secret.aws-access-key", 16, 16 },
		{ "ACCA", "", "secret.aws-access-key", 16, 16 },
		{ "A3T", "", "secret.aws-access-key", 17, 17 },
		{ "AIza", "_-", "secret.google-api-key", 35, 35 },
		{ "ghp_", "", "secret.github-token", 36, 36 },
		{ "gho_", "", "secret.github-token", 36, 36 },
		{ "ghu_", "", "secret.github-token", 36, 36 },
		{ "ghs_", "", "secret.github-token", 36, 36 },
		{ "ghr_", "", "secret.github-token", 36, 36 },
		{ "github_pat_", "_", "secret.github-token", 70, 100 },
		{ "xapp-", "-", "secret.slack-token", 20, 200 },
		{ "sk_live_", "", "secret.stripe-key", 10, 120 },
		{ "rk_live_", "", "secret.stripe-key", 10, 120 },
		{ "sk_test_", "", "secret.stripe-key", 10, 120 },
		{ "rk_test_", "", "secret.stripe-key", 10, 120 },
		{ "sk_prod_", "", "secret.stripe-key", 10, 120 },
		{ "rk_prod_", "", "secret.stripe-key", 10, 120 },
		/* Fortress's own tokens for programs: id, '_', 43 of base64url */
		{ "fortress_tok_", "_-", "secret.fortress-token", 45, 64 },
	};
	size_t i, n, pl, e;
	unsigned c0 = v->buf[pos];

	(void)cl;
	/* every prefix starts with one of these */
	if (c0 != 'A' && c0 != 'g' && c0 != 'x' && c0 != 's' && c0 != 'r' && c0 != 'f')
		return 0;
	if (c0 == 'x' && pos + 5 < v->len && (prefix(v, pos, "xox") || prefix(v, pos, "xoxe.xox"))) {
		size_t p = prefix(v, pos, "xoxe.xox") ? pos + 5 : pos;

		if (!(e = slack(v, p)) || (e < v->len && (sc_word(v->buf[e]) || v->buf[e] == '-')) ||
		    dummy(v->buf + pos, e - pos))
			return 0;
		m->start = pos;
		m->end = e;
		m->type = FORT_SCAN_SECRET;
		m->conf = FORT_SCAN_HIGH;
		m->rule = "secret.slack-token";
		return 1;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if ((unsigned char)keys[i].prefix[0] != c0 || !prefix(v, pos, keys[i].prefix))
			continue;
		pl = strlen(keys[i].prefix);
		n = run(v, pos + pl, keys[i].extra);
		if (n < keys[i].min || n > keys[i].max)
			return 0;
		if (pos + pl + n < v->len && (sc_word(v->buf[pos + pl + n]) || v->buf[pos + pl + n] == '-'))
			return 0;
		if (keys[i].rule[7] == 'a' && keys[i].rule[8] == 'w') {  /* AWS: upper case and digits only */
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
		/* test data: not a finding (a consumed decoy) */
		if (dummy(v->buf + pos + pl, n))
			m->type = -1;
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

/* Does the identifier B[S, E) name a secret?  Its words ("db_pass",
 * "myPrivateKey", "AWS_SECRET_ACCESS_KEY", "password_super_secure") are
 * compared without separators, a keyword starting and ending on word
 * boundaries: "secretary" and "passport" are no labels. */
static int label_ok(const unsigned char *b, size_t s, size_t e)
{
	static const unsigned char kwlen[] = { 8, 6, 3, 10, 6, 7, 6, 7, 10, 10, 5, 11, 7, 10, 9, 6, 12, 7, 11,
					       9, 8, 9, 12, 10, 11 };
	static const char *const kw[] = { "password", "passwd", "pwd", "passphrase", "secret", "secrete", "apikey",
					  "authkey", "servicekey", "accountkey", "dbkey", "databasekey", "privkey",
					  "privatekey", "clientkey", "dbpass", "databasepass", "keypass", "accesstoken",
					  "authtoken", "apitoken", "secretkey", "clientsecret", "contrasena", "contraseña",
					  NULL };
	char w[64];
	unsigned char start[64];
	size_t n = 0, i, k, j;

	if (e - s >= sizeof(w))
		s = e - (sizeof(w) - 1);
	for (i = s; i < e; i++) {
		unsigned c = b[i];

		if (c == '_' || c == '-' || c == '.') {
			if (n < sizeof(w))
				start[n] = 1;
			continue;
		}
		start[n] = n == 0 || (i > s && (b[i - 1] == '_' || b[i - 1] == '-' || b[i - 1] == '.')) ||
			   (sc_upper(c) && i > s && sc_lower(b[i - 1])) ||
			   (sc_upper(c) && i > s && sc_upper(b[i - 1]) && i + 1 < e && sc_lower(b[i + 1]));
		w[n++] = (char)sc_tolower(c);
	}
	start[n] = 1;
	for (j = 0; j < n; j++) {
		if (!start[j])
			continue;
		for (k = 0; kw[k]; k++) {
			size_t l = kwlen[k];

			if (j + l <= n && w[j] == kw[k][0] && !memcmp(w + j, kw[k], l) && start[j + l])
				return 1;
		}
	}
	return 0;
}

/* The label is just "password", "passwd", "pwd" or "pass" (any case). */
static int pw_label(const unsigned char *b, size_t s, size_t e)
{
	static const char *const w[] = { "password", "passwd", "pwd", "pass", NULL };
	size_t k, j;

	for (k = 0; w[k]; k++) {
		if (strlen(w[k]) != e - s)
			continue;
		for (j = 0; j < e - s && sc_tolower(b[s + j]) == (unsigned char)w[k][j]; j++)
			;
		if (j == e - s)
			return 1;
	}
	return 0;
}

/* Both cases after the first letter ("myPassword1" is a value, "PASSWORD" or
 * "db_password" a name). */
static int lower_upper_mix(const unsigned char *b, size_t s, size_t e)
{
	unsigned lo = 0, up = 0;
	size_t i;

	for (i = s + 1; i < e; i++) {
		lo |= sc_lower(b[i]);
		up |= sc_upper(b[i]);
	}
	return lo && up;
}

/* Code, not a value: "malloc(64)", "os.environ['X']", "self.password", "b->secret". */
static int code_like(const unsigned char *s, size_t n)
{
	size_t i = 0, dots = 0;

	if (!sc_alpha(s[0]) && s[0] != '_')
		return 0;
	while (i < n && (sc_word(s[i]) || s[i] == '.')) {
		dots += s[i] == '.';
		i++;
	}
	if (i < n && (s[i] == '(' || s[i] == '['))
		return 1;
	if (i == n && dots && !sc_digit(s[n - 1]) && s[n - 1] != '.')
		return 1;
	for (i = 0; i + 1 < n; i++)
		if (s[i] == '-' && s[i + 1] == '>')
			return 1;
	return 0;
}

/* A value at [VS, VE) (quoted or not): worth reporting?  LINE_END: an
 * unquoted value alone at the end of its line after a password label
 * ("password:crickets") may be one kind of character. */
static int value_ok(const unsigned char *b, size_t vs, size_t ve, int quoted, int line_end)
{
	unsigned lower = 0, upper = 0, digit = 0, other = 0, alnum = 0;
	size_t i;

	if (ve - vs < 4 || ve - vs >= 200 || placeholder(b + vs, ve - vs) || dummy(b + vs, ve - vs))
		return 0;
	/* a name, not a value: "passwordVariable: 'PASSWORD'", "DB_PASSWORD" */
	for (i = vs; i < ve && (sc_word(b[i]) || b[i] == '-' || b[i] == '.'); i++)
		;
	if (i == ve && label_ok(b, vs, ve) && !(lower_upper_mix(b, vs, ve)))
		return 0;
	for (i = vs; i < ve; i++) {
		unsigned c = b[i];

		lower |= sc_lower(c);
		upper |= sc_upper(c);
		digit |= sc_digit(c);
		other |= !sc_alnum(c);
		alnum |= sc_alnum(c);
	}
	if (!alnum)
		return 0;
	/* unquoted, a password looks like one: two kinds of characters (not
	 * "passphrase: they ..."), and not code */
	if (!quoted && ((lower + upper + digit + other < 2 && !(line_end && ve - vs >= 6)) || code_like(b + vs, ve - vs)))
		return 0;
	return 1;
}

static int found(scan_match *m, size_t vs, size_t ve)
{
	m->start = vs;
	m->end = ve;
	m->type = FORT_SCAN_SECRET;
	m->conf = FORT_SCAN_MEDIUM;
	m->rule = "secret.password";
	return 1;
}

/* Credentials in a URL: "https://user:password@host", "postgres://admin:PW@db"
 * (the password is the finding), and Slack webhooks.  POS: the ':' after
 * the scheme. */
static int url_secret(const scan_view *v, size_t pos, scan_match *m)
{
	const unsigned char *b = v->buf;
	size_t s = pos, i = pos + 3, c = 0, at = 0, e;

	while (s > 0 && pos - s < 16 && (sc_alnum(b[s - 1]) || b[s - 1] == '+' || b[s - 1] == '.' || b[s - 1] == '-'))
		s--;
	if (s == pos || !sc_alpha(b[s]) || (s > 0 && sc_word(b[s - 1])))
		return 0;
	/* the authority: up to the first '/', '?', '#' or white space (a
	 * password typed raw may hold '?' or '#': the '@' after it decides) */
	for (e = i; e < v->len && e - i < 256 && b[e] > ' ' && b[e] != '/' &&
		    ((b[e] != '?' && b[e] != '#') || (c && !at)) &&
		    b[e] != '"' && b[e] != '\'' && b[e] != '<' && b[e] != '>'; e++) {
		if (b[e] == ':' && !c && !at)
			c = e;
		if (b[e] == '@')
			at = e;
	}
	if (c && at > c + 1 && c > i) {
		if (!value_ok(b, c + 1, at, 1, 0) || b[c + 1] == '$' || b[c + 1] == '{' || b[c + 1] == '<')
			return 0;
		found(m, c + 1, at);
		m->rule = "secret.url-credentials";
		m->conf = FORT_SCAN_HIGH;
		return 1;
	}
	if (e - i == 15 && !memcmp(b + i, "hooks.slack.com", 15) && e < v->len && b[e] == '/') {
		size_t p = e + 1, n;

		if (!(p + 9 < v->len && (!memcmp(b + p, "services/", 9) || !memcmp(b + p, "workflows/", 10) ||
					 !memcmp(b + p, "triggers/", 9))))
			return 0;
		while (p < v->len && b[p] != '/')
			p++;
		for (n = ++p; n < v->len && (sc_alnum(b[n]) || b[n] == '/' || b[n] == '+'); n++)
			;
		if (n - p < 24 || dummy(b + p, n - p))
			return 0;
		m->start = s;
		m->end = n;
		m->type = FORT_SCAN_SECRET;
		m->conf = FORT_SCAN_HIGH;
		m->rule = "secret.slack-webhook";
		return 1;
	}
	return 0;
}

/* POS: a ':' or '=' after a label ("password: x", "db_pass := x",
 * "\"password\" : \"x\"", "api_key == \"x\"", "secrete[25] = \"x\"") or
 * before one ("\"x\" == password"). */
int detect_secret_label(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	const unsigned char *b = v->buf;
	size_t os = pos, oe = pos + 1, e, s, vs, ve;
	int quoted = 0, cmp, fac;

	(void)cl;
	if (b[pos] == ':' && pos + 2 < v->len && b[pos + 1] == '/' && b[pos + 2] == '/')
		return url_secret(v, pos, m);
	/* the operator: "=", ":", ":=", "==", "===", "!=", "=>", "?=", "::=", ".=" */
	if (pos > 0 && (b[pos - 1] == ':' || b[pos - 1] == '='))
		return 0;   /* judged at its first character */
	/* a label before the operator lies in the 80 bytes before it (64 of
	 * identifier, then quotes, "[25]", blanks, "!?.+"): no keyword factor
	 * there, no label; only a comparison ("==", "!=") may have one after */
	if (!(b[pos] == '=' && ((pos + 1 < v->len && b[pos + 1] == '=') || (pos > 0 && b[pos - 1] == '!'))) &&
	    !scan_label_near(v, pos > 80 ? pos - 80 : 0, pos))
		return 0;
	while (os > 0 && pos - os < 2 && (b[os - 1] == '!' || b[os - 1] == '?' || b[os - 1] == '.' || b[os - 1] == '+'))
		os--;
	while (oe < v->len && oe - pos < 3 && (b[oe] == '=' || b[oe] == ':' || b[oe] == '>'))
		oe++;
	cmp = (oe - os >= 2 && b[os + 1] == '=' && (b[os] == '=' || b[os] == '!'));
	/* the label before */
	e = os;
	while (e > 0 && os - e < 4 && (b[e - 1] == ' ' || b[e - 1] == '\t'))
		e--;
	if (e > 1 && b[e - 1] == ']' && (b[e - 2] == '\'' || b[e - 2] == '"')) {
		e--;                          /* "$cfg['db_pass'] =>": the key names it */
	} else if (e > 0 && b[e - 1] == ']') {   /* "secrete[25] =" */
		size_t k = e - 1;

		while (k > 0 && e - k < 8 && b[k - 1] != '[')
			k--;
		if (k > 0 && b[k - 1] == '[')
			e = k - 1;
	}
	if (e > 0 && (b[e - 1] == '"' || b[e - 1] == '\''))
		e--;
	/* no literal factor of a keyword in the identifier, no label (most ':' and '=') */
	s = scan_label_ident(b, e, &fac);
	if (s < e && fac && label_ok(b, s, e)) {
		vs = oe;
		while (vs < v->len && vs - oe < 4 && (b[vs] == ' ' || b[vs] == '\t'))
			vs++;
		if (vs < v->len && b[vs] == '@' && vs + 1 < v->len && (b[vs + 1] == '"' || b[vs + 1] == '\''))
			vs++;
		if (vs < v->len && (b[vs] == '"' || b[vs] == '\'' || b[vs] == '`')) {
			quoted = b[vs];
			vs++;
		}
		ve = vs;
		if (quoted) {
			while (ve < v->len && ve - vs < 200 && b[ve] != quoted && b[ve] != '\n')
				ve++;
			if (ve >= v->len || b[ve] != quoted)
				return 0;
		} else {
			while (ve < v->len && ve - vs < 200 && b[ve] > ' ' && b[ve] != 127)
				ve++;
			/* what closes the statement or the quote around it is not the value */
			while (ve > vs && (b[ve - 1] == ',' || b[ve - 1] == ';' || b[ve - 1] == '"' || b[ve - 1] == '\'' ||
					   b[ve - 1] == '`'))
				ve--;
			/* a sentence end is not part of the password */
			if (ve > vs && b[ve - 1] == '.')
				ve--;
		}
		if (value_ok(b, vs, ve, quoted, !quoted && pw_label(b, s, e) && (ve == v->len || b[ve] == '\n' || b[ve] == '\r')))
			return found(m, vs, ve);
		return 0;
	}
	/* "\"x\" == password": a quoted value compared with a label */
	e = os;
	while (e > 0 && os - e < 4 && b[e - 1] == ' ')
		e--;
	if (cmp && e > 1 && (b[e - 1] == '"' || b[e - 1] == '\'')) {
		size_t q = --e, ls, le;

		ve = q;
		while (q > 0 && ve - q < 200 && b[q - 1] != b[e] && b[q - 1] != '\n')
			q--;
		if (q == 0 || b[q - 1] != b[e])
			return 0;
		vs = q;
		ls = oe;
		while (ls < v->len && ls - oe < 4 && b[ls] == ' ')
			ls++;
		for (le = ls; le < v->len && le - ls < 64 && (sc_word(b[le]) || b[le] == '-' || b[le] == '.'); le++)
			;
		if (le > ls && scan_label_factor(b, ls, le) && label_ok(b, ls, le) && value_ok(b, vs, ve, 1, 0))
			return found(m, vs, ve);
	}
	return 0;
}

int detect_pem(const scan_view *v, size_t pos, scan_match *m)
{
	const unsigned char *b = v->buf;
	size_t e = pos + 11, lim = pos + 80 < v->len ? pos + 80 : v->len;

	while (e < lim && b[e] != '\n' && b[e] != '-')
		e++;
	/* "... PRIVATE KEY-----", "-----BEGIN PGP PRIVATE KEY BLOCK-----" */
	if (e + 5 > v->len || memcmp(b + e, "-----", 5) || e - pos < 22 ||
	    (memcmp(b + e - 11, "PRIVATE KEY", 11) && (e - pos < 28 || memcmp(b + e - 17, "PRIVATE KEY BLOCK", 17))))
		return 0;
	m->start = pos;
	m->end = e + 5;
	m->type = FORT_SCAN_SECRET;
	m->conf = FORT_SCAN_HIGH;
	m->rule = "secret.private-key";
	return 1;
}
