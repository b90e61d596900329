/* smtp.c - building the message (RFC 5322 headers, MIME multipart/alternative
 * with a text and an HTML part, base64 bodies, RFC 2047 encoded UTF-8
 * subjects) and handing it to an SMTP server with libcurl. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <sodium.h>
#include "keys/keys.h"
#include "mail/mail_int.h"

static int ascii_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* An RFC 2047 encoded phrase: one or more =?UTF-8?B?...?= words of at most
 * 45 bytes of text each (75 characters encoded), never splitting a UTF-8
 * sequence, separated by folding whitespace. */
static int put_encoded(fort_buf *b, const char *s)
{
	size_t n = strlen(s), i = 0;
	int first = 1;
	if (ascii_printable(s) && n <= 900)
		return fort_buf_puts(b, s);
	while (i < n) {
		size_t k = n - i > 45 ? 45 : n - i;
		char enc[sodium_base64_ENCODED_LEN(45, sodium_base64_VARIANT_ORIGINAL)];
		while (k < n - i && ((unsigned char)s[i + k] & 0xc0) == 0x80)
			k--;
		sodium_bin2base64(enc, sizeof enc, (const unsigned char *)s + i, k, sodium_base64_VARIANT_ORIGINAL);
		if (fort_buf_printf(b, "%s=?UTF-8?B?%s?=", first ? "" : "\r\n ", enc) < 0)
			return FORT_ENOMEM;
		first = 0;
		i += k;
	}
	return 0;
}

static int put_base64_body(fort_buf *b, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i += 57) {
		size_t k = n - i > 57 ? 57 : n - i;
		char enc[sodium_base64_ENCODED_LEN(57, sodium_base64_VARIANT_ORIGINAL)];
		sodium_bin2base64(enc, sizeof enc, (const unsigned char *)s + i, k, sodium_base64_VARIANT_ORIGINAL);
		if (fort_buf_puts(b, enc) < 0 || fort_buf_puts(b, "\r\n") < 0)
			return FORT_ENOMEM;
	}
	return 0;
}

int smtp_build(fort_buf *b, const fort_mail_settings *s, json_t *msg, const char *message_id, int64_t now)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	const char *text = json_string_value(json_object_get(msg, "text")), *html = json_string_value(json_object_get(msg, "html")),
		   *subject = json_string_value(json_object_get(msg, "subject"));
	json_t *to = json_object_get(msg, "to"), *a;
	unsigned char rnd[12];
	char boundary[48], hex[25];
	time_t t = (time_t)now;
	struct tm tm;
	size_t i;

	gmtime_r(&t, &tm);
	fort_buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
			tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	fort_buf_puts(b, "From: ");
	if (s->from_name[0]) {
		if (ascii_printable(s->from_name) && !strpbrk(s->from_name, "\"\\")) {
			fort_buf_printf(b, "\"%s\"", s->from_name);
		} else if (put_encoded(b, s->from_name) < 0) {
			return FORT_ENOMEM;
		}
		fort_buf_printf(b, " <%s>\r\n", s->from);
	} else {
		fort_buf_printf(b, "%s\r\n", s->from);
	}
	fort_buf_puts(b, "To: ");
	json_array_foreach(to, i, a)
		fort_buf_printf(b, "%s%s", i ? ",\r\n " : "", json_string_value(a));
	fort_buf_puts(b, "\r\nSubject: ");
	if (put_encoded(b, subject ? subject : "") < 0)
		return FORT_ENOMEM;
	fort_buf_printf(b, "\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\nX-Mailer: Fortress %s\r\n", message_id, FORT_VERSION);
	if (!html || !*html) {
		fort_buf_puts(b, "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
		if (put_base64_body(b, text ? text : "") < 0)
			return FORT_ENOMEM;
		return b->len ? 0 : FORT_ENOMEM;
	}
	fort_random(rnd, sizeof rnd);
	fort_hex(hex, rnd, sizeof rnd);
	snprintf(boundary, sizeof boundary, "=_fortress_%s", hex);
	fort_buf_printf(b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
	fort_buf_puts(b, "This is a MIME message with a text and an HTML version.\r\n");
	fort_buf_printf(b, "--%s\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n", boundary);
	if (put_base64_body(b, text ? text : "") < 0)
		return FORT_ENOMEM;
	fort_buf_printf(b, "--%s\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n", boundary);
	if (put_base64_body(b, html) < 0)
		return FORT_ENOMEM;
	if (fort_buf_printf(b, "--%s--\r\n", boundary) < 0)
		return FORT_ENOMEM;
	return 0;
}

struct reader {
	const char *p;
	size_t left;
};

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *ud)
{
	struct reader *rd = ud;
	size_t n = size * nmemb;
	if (n > rd->left)
		n = rd->left;
	memcpy(dst, rd->p, n);
	rd->p += n;
	rd->left -= n;
	return n;
}

/* libcurl is loaded with dlopen() the first time a message is sent, like
 * poppler for PDFs: linked in, it and what it pulls (OpenSSL, Kerberos,
 * LDAP, SSH...) cost every fortress command about 6 MiB of resident memory
 * at start-up, which the import's peak-RSS budget (bench) cannot afford. */
#define CURL_SONAME "libcurl.so.4"
static struct {
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
} cu;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ok;
static const char *curl_why = "";

static void curl_init_once(void)
{
	void *h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		curl_why = "libcurl (" CURL_SONAME ") cannot be loaded: install the libcurl4 package";
		return;
	}
	*(void **)&cu.global_init = dlsym(h, "curl_global_init");
	*(void **)&cu.easy_init = dlsym(h, "curl_easy_init");
	*(void **)&cu.easy_setopt = dlsym(h, "curl_easy_setopt");
	*(void **)&cu.easy_perform = dlsym(h, "curl_easy_perform");
	*(void **)&cu.easy_getinfo = dlsym(h, "curl_easy_getinfo");
	*(void **)&cu.easy_cleanup = dlsym(h, "curl_easy_cleanup");
	*(void **)&cu.easy_strerror = dlsym(h, "curl_easy_strerror");
	*(void **)&cu.slist_append = dlsym(h, "curl_slist_append");
	*(void **)&cu.slist_free_all = dlsym(h, "curl_slist_free_all");
	if (!cu.global_init || !cu.easy_init || !cu.easy_setopt || !cu.easy_perform || !cu.easy_getinfo || !cu.easy_cleanup ||
	    !cu.easy_strerror || !cu.slist_append || !cu.slist_free_all) {
		curl_why = "libcurl (" CURL_SONAME ") lacks a function Fortress needs: install a current libcurl4";
		return;
	}
	curl_ok = cu.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
	if (!curl_ok)
		curl_why = "libcurl could not start";
}

int smtp_send(char *err, size_t errcap, const fort_mail_settings *s, const char *password, json_t *msg, const char *mime,
	      size_t len, long timeout)
{
	CURL *h;
	CURLcode rc;
	struct curl_slist *rcpt = NULL;
	struct reader rd = { mime, len };
	char url[320], from[300], ebuf[CURL_ERROR_SIZE] = "";
	json_t *a;
	size_t i;
	int tls = strcmp(s->security, "tls") == 0, none = strcmp(s->security, "none") == 0;
	int port = s->port ? s->port : tls ? 465 : none ? 25 : 587;
	long code = 0;

	err[0] = '\0';
	pthread_once(&curl_once, curl_init_once);
	if (!curl_ok || !(h = cu.easy_init())) {
		snprintf(err, errcap, "%s", curl_ok ? "libcurl could not start" : curl_why);
		return fort_error_set(FORT_EIO, "%s", err);
	}
	snprintf(url, sizeof url, "%s://%s:%d", tls ? "smtps" : "smtp", s->host, port);
	snprintf(from, sizeof from, "<%s>", s->from);
	json_array_foreach(json_object_get(msg, "to"), i, a) {
		char r[300];
		struct curl_slist *n;
		snprintf(r, sizeof r, "<%s>", json_string_value(a));
		if (!(n = cu.slist_append(rcpt, r))) {
			cu.slist_free_all(rcpt);
			cu.easy_cleanup(h);
			return fort_error_set(FORT_ENOMEM, "out of memory");
		}
		rcpt = n;
	}
	cu.easy_setopt(h, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	cu.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#endif
	cu.easy_setopt(h, CURLOPT_USE_SSL, none ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
	cu.easy_setopt(h, CURLOPT_MAIL_FROM, from);
	cu.easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	cu.easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	cu.easy_setopt(h, CURLOPT_READDATA, &rd);
	cu.easy_setopt(h, CURLOPT_UPLOAD, 1L);
	cu.easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	cu.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	cu.easy_setopt(h, CURLOPT_TIMEOUT, timeout > 0 ? timeout : 30L);
	cu.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout > 0 && timeout < 15 ? timeout : 15L);
	cu.easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	if (s->user[0]) {
		cu.easy_setopt(h, CURLOPT_USERNAME, s->user);
		cu.easy_setopt(h, CURLOPT_PASSWORD, password ? password : "");
	}
	rc = cu.easy_perform(h);
	cu.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	cu.slist_free_all(rcpt);
	cu.easy_cleanup(h);
	if (rc == CURLE_OK)
		return 0;
	snprintf(err, errcap, "%s:%d: %s%s%s%s", s->host, port, cu.easy_strerror(rc), ebuf[0] ? " (" : "", ebuf, ebuf[0] ? ")" : "");
	if (code) {
		size_t k = strlen(err);
		snprintf(err + k, errcap - k, "; server answered %ld", code);
	}
	return fort_error_set(FORT_EIO, "%s", err);
}
