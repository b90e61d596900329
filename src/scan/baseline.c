/* baseline.c - accepted findings as keyed fingerprints over the type, the
 * normalised value (separators and case removed, so "4111 1111..." and
 * "4111-1111-..." are the same card) and the file path, with a random
 * 256-bit key kept in the baseline file.  The file holds the key and the
 * fingerprints, never a value.
 *
 * Version 3 (new baselines): the path is hashed once per file, SipHash-2-4-128
 * (libsodium's crypto_shorthash_siphashx24) under a 128-bit key derived from
 * the file's key, and the result is the key of each finding's fingerprint,
 * SipHash-2-4-128 of type NUL normalised value.  Version 2 hashed type NUL
 * value NUL path per finding (the path, often longer than the value, again
 * for every finding); version 1 used BLAKE2b-128 keyed with the key itself.
 * Both are still read and used for the baselines written with them, so their
 * fingerprints keep matching.
 *
 * File: {"fortress_scan_baseline": 3, "key": HEX, "fingerprints": [HEX...]} */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util.h"
#include "scan/scan_int.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define FP_X86 1
#ifdef __SSE2__
#define FP_SSE2 1   /* x86-64: always */
#endif
#endif

#define FP_LEN 32

#ifdef FP_X86
static int fp_ssse3;   /* the processor has SSSE3 (set with the tables) */
#endif

struct fort_scan_baseline {
	unsigned char key[32];
	int version;                  /* 1: BLAKE2b, 2: SipHash (skey), 3: SipHash per path (skey) */
	unsigned char skey[crypto_shorthash_siphashx24_KEYBYTES];
	char (*fp)[FP_LEN + 1];
	size_t n, alloc, sorted;  /* fp[0, sorted) is in order */
};

static int cmp_fp(const void *a, const void *b)
{
	return memcmp(a, b, FP_LEN);
}

static void derive_skey(fort_scan_baseline *b)
{
	static const unsigned char ctx2[] = "fortress scan fingerprint v2", ctx3[] = "fortress scan fingerprint v3";

	if (b->version == 3)
		crypto_generichash(b->skey, sizeof(b->skey), ctx3, sizeof(ctx3) - 1, b->key, sizeof(b->key));
	else
		crypto_generichash(b->skey, sizeof(b->skey), ctx2, sizeof(ctx2) - 1, b->key, sizeof(b->key));
}

int fort_scan_baseline_new(fort_scan_baseline **out)
{
	fort_scan_baseline *b;

	*out = NULL;
	if (!(b = fort_calloc(1, sizeof(*b))))
		return FORT_ENOMEM;
	randombytes_buf(b->key, sizeof(b->key));
	b->version = 3;
	derive_skey(b);
	scan_fp_tables();
	*out = b;
	return 0;
}

int fort_scan_baseline_version(const fort_scan_baseline *b)
{
	return b ? b->version : 0;
}

static int valid_fp(const char *s)
{
	size_t i;

	for (i = 0; i < FP_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[FP_LEN] == '\0';
}

int fort_scan_baseline_add(fort_scan_baseline *b, const char *fingerprint)
{
	if (!fingerprint || !valid_fp(fingerprint))
		return fort_error_set(FORT_EINPUT, "not a scan fingerprint");
	if (fort_scan_baseline_has(b, fingerprint))
		return 0;
	if (FORT_ARRAY_GROW(b->fp, b->n + 1, b->alloc, 64) < 0)
		return FORT_ENOMEM;
	memcpy(b->fp[b->n++], fingerprint, FP_LEN + 1);
	return 0;
}

int fort_scan_baseline_has(const fort_scan_baseline *b, const char *fingerprint)
{
	size_t i;

	if (!b || !fingerprint || strlen(fingerprint) != FP_LEN)
		return 0;
	if (b->sorted && bsearch(fingerprint, b->fp, b->sorted, sizeof(*b->fp), cmp_fp))
		return 1;
	for (i = b->sorted; i < b->n; i++)
		if (!memcmp(b->fp[i], fingerprint, FP_LEN))
			return 1;
	return 0;
}

size_t fort_scan_baseline_count(const fort_scan_baseline *b)
{
	return b ? b->n : 0;
}

int fort_scan_baseline_load(fort_scan_baseline **out, const char *path)
{
	fort_scan_baseline *b = NULL;
	json_error_t je;
	json_t *j = NULL, *fps, *v;
	const char *key;
	json_int_t version;
	size_t i;
	int r;

	*out = NULL;
	if (!(j = json_load_file(path, 0, &je))) {
		if (access(path, F_OK) != 0)
			return fort_error_set(FORT_ENOTFOUND, "%s: no such baseline file", path);
		return fort_error_set(FORT_EINPUT, "%s: line %d: not a scan baseline (%s)", path, je.line, je.text);
	}
	version = json_integer_value(json_object_get(j, "fortress_scan_baseline"));
	if (version < 1 || version > 3 ||
	    !(key = json_string_value(json_object_get(j, "key"))) || strlen(key) != 64 ||
	    !json_is_array(fps = json_object_get(j, "fingerprints"))) {
		r = fort_error_set(FORT_EINPUT, "%s: not a fortress scan baseline (version 1, 2 or 3)", path);
		goto out;
	}
	if (!(b = fort_calloc(1, sizeof(*b)))) {
		r = FORT_ENOMEM;
		goto out;
	}
	if (fort_unhex(b->key, sizeof(b->key), key) < 0) {
		r = fort_error_set(FORT_EINPUT, "%s: bad key in the baseline", path);
		goto out;
	}
	b->version = (int)version;
	if (b->version >= 2)
		derive_skey(b);
	scan_fp_tables();
	json_array_foreach(fps, i, v) {
		const char *s = json_string_value(v);

		if (!s || !valid_fp(s)) {
			r = fort_error_set(FORT_EINPUT, "%s: fingerprint %zu is not valid", path, i + 1);
			goto out;
		}
		if ((r = fort_scan_baseline_add(b, s)) < 0)
			goto out;
	}
	if (b->n)
		qsort(b->fp, b->n, sizeof(*b->fp), cmp_fp);
	b->sorted = b->n;
	*out = b;
	b = NULL;
	r = 0;
out:
	fort_scan_baseline_free(b);
	json_decref(j);
	return r;
}

int fort_scan_baseline_save(const fort_scan_baseline *b, const char *path)
{
	char hex[65], *tmp = NULL, *text = NULL;
	json_t *j = NULL, *a;
	size_t i, n;
	int fd = -1, r = FORT_ENOMEM;
	char (*sorted)[FP_LEN + 1] = NULL;

	fort_hex(hex, b->key, sizeof(b->key));
	if (!(j = json_object()) || !(a = json_array()))
		goto out;
	json_object_set_new(j, "fortress_scan_baseline", json_integer(b->version));
	json_object_set_new(j, "key", json_string(hex));
	json_object_set_new(j, "fingerprints", a);
	if (b->n && !(sorted = fort_malloc(b->n * sizeof(*sorted))))
		goto out;
	if (b->n) {
		memcpy(sorted, b->fp, b->n * sizeof(*sorted));
		qsort(sorted, b->n, sizeof(*sorted), cmp_fp);
	}
	for (i = 0; i < b->n; i++)
		json_array_append_new(a, json_string(sorted[i]));
	if (!(text = json_dumps(j, JSON_INDENT(1))))
		goto out;
	n = strlen(path) + 16;
	if (!(tmp = fort_malloc(n)))
		goto out;
	snprintf(tmp, n, "%s.tmp%05u", path, (unsigned)(getpid() % 100000));
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		r = fort_error_set(FORT_EIO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n || write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
		r = fort_error_set(FORT_EIO, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) < 0) {
		r = fort_error_set(FORT_EIO, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	sodium_memzero(hex, sizeof(hex));
	free(sorted);
	free(tmp);
	free(text);
	json_decref(j);
	return r;
}

void fort_scan_baseline_free(fort_scan_baseline *b)
{
	if (!b)
		return;
	sodium_memzero(b->key, sizeof(b->key));
	sodium_memzero(b->skey, sizeof(b->skey));
	free(b->fp);
	free(b);
}

void scan_baseline_file_key(scan_fp_file *ff, const fort_scan_baseline *b, const char *path)
{
	crypto_shorthash_siphashx24(ff->key, (const unsigned char *)path, strlen(path), b->skey);
	ff->ready = 1;
}

void scan_baseline_file_done(scan_fp_file *ff)
{
	sodium_memzero(ff, sizeof(*ff));
}

#ifdef FP_X86
/* The 16 bytes' 32 hex digits in a few instructions (SSSE3 shuffles). */
__attribute__((target("ssse3"))) static void fp_hex_ssse3(char out[33], const unsigned char h[16])
{
	const __m128i digits = _mm_setr_epi8('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f');
	const __m128i nib = _mm_set1_epi8(0x0F);
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)h);
	__m128i hi = _mm_shuffle_epi8(digits, _mm_and_si128(_mm_srli_epi16(x, 4), nib));
	__m128i lo = _mm_shuffle_epi8(digits, _mm_and_si128(x, nib));

	_mm_storeu_si128((__m128i *)(void *)out, _mm_unpacklo_epi8(hi, lo));
	_mm_storeu_si128((__m128i *)(void *)(out + 16), _mm_unpackhi_epi8(hi, lo));
	out[32] = '\0';
}
#endif

static void fp_hex(char out[33], const unsigned char h[16])
{
#ifdef FP_X86
	if (fp_ssse3) {
		fp_hex_ssse3(out, h);
		return;
	}
#endif
	fort_hex(out, h, 16);
}

/* The normalisation of a value before it is fingerprinted, a look-up a
 * byte: ASCII lower-cased (e-mail, IP, date), or ASCII letters and digits
 * upper-cased and everything else 0, dropped (the other types).  The
 * tables and the type names (with their NUL, the start of version 3's
 * message) are made once, when the first baseline is made or loaded, so the
 * per-finding path has no once-check. */
static unsigned char fp_lower[256], fp_upper_alnum[256];
static struct { char s[32]; size_t n; } fp_type[FORT_SCAN_NTYPES + 1];
#ifdef FP_SSE2
/* for each 8-bit mask, the shuffle that packs its set bytes to the front */
static unsigned char fp_pack[256][8], fp_count[256];
#endif

static void fp_tables_init(void)
{
	for (unsigned c = 0; c < 256; c++) {
		fp_lower[c] = (unsigned char)sc_tolower(c);
		fp_upper_alnum[c] = sc_alnum(c) ? (unsigned char)(sc_lower(c) ? c - 32 : c) : 0;
	}
	for (int t = 0; t <= FORT_SCAN_NTYPES; t++) {
		/* FORT_SCAN_NTYPES: what fort_scan_type_name says of a type it
		 * does not know */
		const char *tn = fort_scan_type_name((fort_scan_type)t);
		size_t n = strlen(tn) + 1;

		fp_type[t].n = n < sizeof(fp_type[t].s) ? n : sizeof(fp_type[t].s);
		memcpy(fp_type[t].s, tn, fp_type[t].n);
	}
#ifdef FP_X86
	fp_ssse3 = __builtin_cpu_supports("ssse3");
#endif
#ifdef FP_SSE2
	for (unsigned m = 0; m < 256; m++) {
		unsigned k = 0;

		for (unsigned i = 0; i < 8; i++)
			if (m & (1u << i))
				fp_pack[m][k++] = (unsigned char)i;
		fp_count[m] = (unsigned char)k;
		while (k < 8)
			fp_pack[m][k++] = 0x80;
	}
#endif
}

static pthread_once_t fp_tables_once = PTHREAD_ONCE_INIT;

void scan_fp_tables(void)
{
	pthread_once(&fp_tables_once, fp_tables_init);
}

#ifdef FP_SSE2
/* Bytes in [LO, LO + N) (unsigned) as 0xFF. */
static inline __m128i fp_range(__m128i v, unsigned char lo, unsigned char n)
{
	__m128i x = _mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - lo)));

	return _mm_cmplt_epi8(x, _mm_set1_epi8((char)(0x80 + n)));
}

/* The 64-byte copy of a value wiped: four stores the compiler may not
 * drop (the barrier says the memory is read), where sodium_memzero is a
 * call per finding. */
static inline void fp_wipe64(unsigned char *p)
{
	for (int i = 0; i < 64; i += 16)
		_mm_storeu_si128((__m128i *)(void *)(p + i), _mm_setzero_si128());
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

/* The bytes of the step at I of a value of N bytes (at most 64) that are
 * the value's, as 0xFF: those before N. */
static inline __m128i fp_in(size_t n, size_t i)
{
	const __m128i iota = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

	return _mm_cmplt_epi8(iota, _mm_set1_epi8((char)(n - i < 16 ? n - i : 16)));
}

/* VAL[0, N) lower-cased (ASCII) at OUT (which has room for N rounded up
 * to 16, and for 64), 16 bytes a step.  A value of up to 64 bytes goes in
 * whole steps: with PADDED (64 bytes past VAL + N may be read: a stream's
 * buffer) loaded from VAL, the bytes from N on cleared; else copied to
 * OUT's first 64 bytes, zeroed before, and lower-cased there (a zero stays
 * a zero).  Only VAL's own bytes are used.  The caller wipes OUT after use
 * (fp_wipe). */
static size_t fp_lower_sse2(unsigned char *out, const unsigned char *val, size_t n, int padded)
{
	const unsigned char *s = val;
	size_t i = 0;
	int whole = n <= 64;

	if (whole && !padded) {
		for (i = 0; i < 64; i += 16)
			_mm_storeu_si128((__m128i *)(void *)(out + i), _mm_setzero_si128());
		memcpy(out, val, n);
		s = out;
		i = 0;
	}
	for (; i + 16 <= n || (whole && i < n); i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));

		if (whole && padded)
			v = _mm_and_si128(v, fp_in(n, i));
		v = _mm_or_si128(v, _mm_and_si128(fp_range(v, 'A', 26), _mm_set1_epi8(0x20)));
		_mm_storeu_si128((__m128i *)(void *)(out + i), v);
	}
	for (; i < n; i++)
		out[i] = fp_lower[val[i]];
	return n;
}

/* VAL[0, N)'s ASCII letters and digits, upper-cased, packed at OUT (which
 * has 8 bytes of room past N, and 64 bytes): 16 bytes a step, each half's
 * kept bytes moved to the front by one shuffle.  Returns how many were
 * kept.  A value of up to 64 bytes goes in whole steps, its bytes from N
 * on zero (not kept): with PADDED (64 bytes past VAL + N may be read)
 * loaded from VAL and those bytes cleared; else first copied to OUT's
 * first 64 bytes, zeroed before, and packed there in place (a step's 16
 * bytes are loaded before its two stores, which start at or before them,
 * K <= I, and reach at most to their end).  The caller wipes OUT after use
 * (fp_wipe): bytes of the value may be left past the kept ones.  A longer
 * value goes 16 bytes a step while it can, the rest a byte at a time. */
__attribute__((target("ssse3"))) static size_t fp_alnum_ssse3(unsigned char *out, const unsigned char *val,
								size_t n, int padded)
{
	const unsigned char *s = val;
	size_t i = 0, k = 0;
	int whole = n <= 64;

	if (whole && !padded) {
		for (i = 0; i < 64; i += 16)
			_mm_storeu_si128((__m128i *)(void *)(out + i), _mm_setzero_si128());
		memcpy(out, val, n);
		s = out;
		i = 0;
	}
	for (; i + 16 <= n || (whole && i < n); i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i low;

		if (whole && padded)
			v = _mm_and_si128(v, fp_in(n, i));
		low = fp_range(v, 'a', 26);
		__m128i keep = _mm_or_si128(_mm_or_si128(fp_range(v, '0', 10), fp_range(v, 'A', 26)), low);
		/* past N the copy's zeros: not kept */
		unsigned m = (unsigned)_mm_movemask_epi8(keep), lo = m & 0xFF, hi = m >> 8;

		v = _mm_sub_epi8(v, _mm_and_si128(low, _mm_set1_epi8(0x20)));
		_mm_storel_epi64((__m128i *)(void *)(out + k),
				 _mm_shuffle_epi8(v, _mm_loadl_epi64((const __m128i *)(const void *)fp_pack[lo])));
		k += fp_count[lo];
		_mm_storel_epi64((__m128i *)(void *)(out + k),
				 _mm_shuffle_epi8(_mm_srli_si128(v, 8),
						  _mm_loadl_epi64((const __m128i *)(const void *)fp_pack[hi])));
		k += fp_count[hi];
	}
	for (; i < n; i++) {
		unsigned char c = fp_upper_alnum[val[i]];

		out[k] = c;
		k += c != 0;
	}
	return k;
}
#endif

/* The byte loops (the reference the vector steps are tested against). */
size_t scan_fp_normalise_bytes(unsigned char *out, int type, const unsigned char *val, size_t n)
{
	size_t i, k = 0;

	scan_fp_tables();
	if (type == FORT_SCAN_SECRET || type == FORT_SCAN_EMAIL || type == FORT_SCAN_IP || type == FORT_SCAN_DOB) {
		if (n > SCAN_TAIL)
			n = SCAN_TAIL;
		for (i = 0; i < n; i++)
			out[i] = type == FORT_SCAN_SECRET ? val[i] : fp_lower[val[i]];
		return n;
	}
	/* ASCII letters and digits, upper-cased; the rest dropped (the byte
	 * is written always, kept only when it counts), up to SCAN_TAIL kept */
	for (i = 0; i < n && k < SCAN_TAIL; i++) {
		unsigned char c = fp_upper_alnum[val[i]];

		out[k] = c;
		k += c != 0;
	}
	return k;
}

/* VAL (N bytes) normalised at OUT (SCAN_TAIL + 8 bytes of room): its
 * length, at most SCAN_TAIL.  The tables are made.  What OUT holds past the
 * length may be bytes of the value: fp_wipe wipes what this wrote. */
static inline size_t fp_normalise(unsigned char *out, int type, const unsigned char *val, size_t n, int padded)
{
	if (type == FORT_SCAN_SECRET) {
		if (n > SCAN_TAIL)
			n = SCAN_TAIL;
		memcpy(out, val, n);
		return n;
	}
#ifdef FP_SSE2
	if (type == FORT_SCAN_EMAIL || type == FORT_SCAN_IP || type == FORT_SCAN_DOB)
		return fp_lower_sse2(out, val, n < SCAN_TAIL ? n : SCAN_TAIL, padded);
	if (fp_ssse3 && n <= SCAN_TAIL)
		return fp_alnum_ssse3(out, val, n, padded);
#endif
	return scan_fp_normalise_bytes(out, type, val, n);
}

size_t scan_fp_normalise(unsigned char *out, int type, const unsigned char *val, size_t n)
{
	return fp_normalise(out, type, val, n, 0);
}

size_t scan_fp_normalise_padded(unsigned char *out, int type, const unsigned char *val, size_t n)
{
	return fp_normalise(out, type, val, n, 1);
}

/* What fp_normalise of N bytes wrote at OUT wiped: the first 64 bytes
 * (a value of up to 64 bytes is copied there whole), or all of OUT's
 * SCAN_TAIL + 8 (the packing writes up to 8 bytes past the kept ones). */
static inline void fp_wipe(unsigned char *out, size_t n)
{
#ifdef FP_SSE2
	if (n <= 64) {
		fp_wipe64(out);
		return;
	}
#endif
	sodium_memzero(out, SCAN_TAIL + 8);
}

void scan_baseline_fingerprint(char out[33], const fort_scan_baseline *b, scan_fp_file *ff, int type,
			       const unsigned char *val, size_t n, const char *path)
{
	crypto_generichash_state st;
	/* the normalised value at buf + 32, the type name (and its NUL) put
	 * right before it for version 3: the message without a copy */
	unsigned char buf[32 + SCAN_TAIL + 8], h[16], *norm = buf + 32;
	size_t k;
	unsigned ti = (unsigned)type < FORT_SCAN_NTYPES ? (unsigned)type : FORT_SCAN_NTYPES;
	const char *tn = fp_type[ti].s;

	/* the tables were made with the baseline (fort_scan_baseline_new or
	 * _load).  Version 3's type name and NUL go right before the value:
	 * copied whole (32 bytes) before the value is written */
	memcpy(norm - fp_type[ti].n, tn, sizeof(fp_type[ti].s));
	k = fp_normalise(norm, type, val, n, 1);   /* VAL is padded (a scan_hit's) */
	if (b->version == 3) {
		/* type NUL value under the file's key (its path hashed once) */
		scan_fp_file here;
		size_t tl = fp_type[ti].n;

		if (!ff) {
			ff = &here;
			ff->ready = 0;
		}
		if (!ff->ready)
			scan_baseline_file_key(ff, b, path);
		crypto_shorthash_siphashx24(h, norm - tl, tl + k, ff->key);
		fp_hex(out, h);
		fp_wipe(norm, n);
		if (ff == &here)
			scan_baseline_file_done(&here);
		return;
	}
	if (b->version == 2) {
		/* type NUL value NUL path, in one buffer (SipHash has no
		 * incremental interface) */
		size_t tl = strlen(tn) + 1, pl = strlen(path), need = tl + k + 1 + pl;
		unsigned char stack[1024], *m = need <= sizeof(stack) ? stack : fort_malloc(need);

		if (m) {
			memcpy(m, tn, tl);
			memcpy(m + tl, norm, k);
			m[tl + k] = '\0';
			memcpy(m + tl + k + 1, path, pl);
			crypto_shorthash_siphashx24(h, m, need, b->skey);
			sodium_memzero(m, tl + k);
			if (m != stack)
				free(m);
			fp_hex(out, h);
		} else {
			out[0] = '\0';   /* no fingerprint rather than a wrong one */
		}
		fp_wipe(norm, n);
		return;
	}
	crypto_generichash_init(&st, b->key, sizeof(b->key), sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)tn, strlen(tn) + 1);
	crypto_generichash_update(&st, norm, k);
	crypto_generichash_update(&st, (const unsigned char *)"", 1);
	crypto_generichash_update(&st, (const unsigned char *)path, strlen(path));
	crypto_generichash_final(&st, h, sizeof(h));
	fort_hex(out, h, sizeof(h));
	fp_wipe(norm, n);
	sodium_memzero(&st, sizeof(st));
}
