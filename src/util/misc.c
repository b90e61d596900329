#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "util.h"

void fort_hex(char *out, const unsigned char *in, size_t len)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

int fort_unhex(unsigned char *out, size_t outlen, const char *hex)
{
	if (strlen(hex) != 2 * outlen)
		return -1;
	for (size_t i = 0; i < outlen; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* The precise clock, not time(NULL): Linux's time() reads the coarse
 * clock, which lags CLOCK_REALTIME by up to a tick, so at a second's turn
 * the vault could stand a second behind another process's clock (a TOTP
 * code made for "the next step" then looks two steps ahead). */
int64_t fort_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == 0)
		return (int64_t)ts.tv_sec;
	return (int64_t)time(NULL);
}

void fort_time_iso(char out[21], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int fort_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp;
		if (c < 0x80) {
			/* ASCII eight bytes at a time (most text is ASCII) */
			uint64_t w;
			for (i++; i + 8 <= len; i += 8) {
				memcpy(&w, s + i, 8);
				if (w & 0x8080808080808080ull)
					break;
			}
			continue;
		}
		else if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
		else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
		else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
		else return 0;
		if (i + n >= len)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80) return 0;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* Windows-1252 0x80..0x9F; 0 = undefined (mapped to U+FFFD). */
static const uint16_t cp1252_hi[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

char *fort_cp1252_to_utf8(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	fort_buf b;
	fort_buf_init(&b, 0);
	for (size_t i = 0; i < len; i++) {
		uint32_t cp = s[i];
		char u[4];
		int n;
		if (cp >= 0x80 && cp < 0xA0)
			cp = cp1252_hi[cp - 0x80] ? cp1252_hi[cp - 0x80] : 0xFFFD;
		if (cp < 0x80) { u[0] = (char)cp; n = 1; }
		else if (cp < 0x800) { u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
		else { u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[2] = (char)(0x80 | (cp & 0x3F)); n = 3; }
		if (fort_buf_put(&b, u, (size_t)n) < 0) {
			fort_buf_release(&b);
			return NULL;
		}
	}
	return fort_buf_detach(&b, NULL);
}

/* Edit distance with swapped neighbours as one edit (optimal string
 * alignment), ASCII case ignored, capped at 15. */
static char lower_c(char x)
{
	return x >= 'A' && x <= 'Z' ? (char)(x - 'A' + 'a') : x;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[65][65];
	if (la > 64 || lb > 64)
		return 15;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = lower_c(a[i - 1]) != lower_c(b[j - 1]), v = d[i - 1][j - 1] + cost;
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && lower_c(a[i - 1]) == lower_c(b[j - 2]) && lower_c(a[i - 2]) == lower_c(b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb] > 15 ? 15 : d[la][lb];
}

const char *fort_suggest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t bestd = 16, wl = word ? strlen(word) : 0;
	/* a typo: at most a third of the word, and at most 3 */
	size_t maxd = wl / 3 < 1 ? 1 : wl / 3 > 3 ? 3 : wl / 3;
	if (!word || !*word)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t d;
		if (!candidates[i])
			continue;
		d = edit_distance(word, candidates[i]);
		if (d < bestd) {
			bestd = d;
			best = candidates[i];
		}
	}
	return bestd <= maxd ? best : NULL;
}

/* ------------------------------------------------------ temporary files */

#define TMP_MAX_OPEN 16
static const char *volatile tmp_open[TMP_MAX_OPEN];

void fort_tmp_register(const char *path)
{
	for (int i = 0; i < TMP_MAX_OPEN; i++) {
		const char *expected = NULL;
		if (__atomic_compare_exchange_n((const char **)&tmp_open[i], &expected, path, 0, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return;
	}
}

void fort_tmp_unregister(const char *path)
{
	for (int i = 0; i < TMP_MAX_OPEN; i++) {
		const char *expected = path;
		__atomic_compare_exchange_n((const char **)&tmp_open[i], &expected, NULL, 0, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST);
	}
}

void fort_signal_cleanup(void)
{
	for (int i = 0; i < TMP_MAX_OPEN; i++) {
		const char *p = tmp_open[i];
		if (p)
			unlink(p);
	}
}

/* ------------------------------------------------------------- sorting */

#define SORT_SMALL 48   /* a bucket this small is finished by insertion */

static void sort_keyed(unsigned char *a, size_t n, size_t size, uint64_t (*key)(const void *),
		       int (*cmp)(const void *, const void *), int shift, unsigned char *tmp)
{
	if (n > SORT_SMALL && shift >= 48) {
		size_t start[257], next[256], count[256] = { 0 };
		for (size_t i = 0; i < n; i++)
			count[(key(a + i * size) >> shift) & 0xff]++;
		start[0] = 0;
		for (int b = 0; b < 256; b++) {
			start[b + 1] = start[b] + count[b];
			next[b] = start[b];
		}
		/* each element swapped straight into its bucket */
		for (unsigned b = 0; b < 256; b++)
			while (next[b] < start[b + 1]) {
				unsigned char *e = a + next[b] * size;
				unsigned k = (unsigned)(key(e) >> shift) & 0xff;
				if (k == b) {
					next[b]++;
				} else {
					unsigned char *f = a + next[k]++ * size;
					memcpy(tmp, e, size);
					memcpy(e, f, size);
					memcpy(f, tmp, size);
				}
			}
		for (int b = 0; b < 256; b++)
			if (count[b] > 1)
				sort_keyed(a + start[b] * size, count[b], size, key, cmp, shift - 8, tmp);
		return;
	}
	if (n > SORT_SMALL) {
		/* still large after two bytes: many equal keys */
		qsort(a, n, size, cmp);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		size_t j = i;
		memcpy(tmp, a + i * size, size);
		for (; j > 0 && cmp(a + (j - 1) * size, tmp) > 0; j--)
			memcpy(a + j * size, a + (j - 1) * size, size);
		memcpy(a + j * size, tmp, size);
	}
}

void fort_sort_keyed(void *base, size_t n, size_t size, uint64_t (*key)(const void *),
		     int (*cmp)(const void *, const void *))
{
	unsigned char tmp[FORT_SORT_KEYED_MAX];
	if (size > sizeof tmp) {
		qsort(base, n, size, cmp);
		return;
	}
	sort_keyed(base, n, size, key, cmp, 56, tmp);
}
