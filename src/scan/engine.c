/* engine.c - the streaming scanner: one pass over the bytes of a document,
 * a SIMD classifier making a bit map per byte class of each region (the
 * triggers: digits, '@', ':', '='; digits; word bytes; '-'), the candidate
 * loop jumping from trigger to trigger on it, and the detectors run only
 * around those (scan_int.h explains the window).  No
 * regular expressions: on dense digits a general engine spends its time
 * re-trying patterns, while here each run of digits is split into groups
 * once and handed to the detectors that can use it. */
#include <pthread.h>
#include <string.h>
#include "util.h"
#include "scan/scan_int.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SCAN_X86 1
#endif

static size_t g_block;

void scan_set_block_size(size_t n)
{
	g_block = n;
}

/* ------------------------------------------------------- the classifier */

/* digits, '@', ':', '=' */
static unsigned char cls[256];

/* identifier bytes (ident_byte: letters, digits, "_-.", bytes from 0x80) 1,
 * the first letters of the label factors (p s k t r, any case) 2 */
static unsigned char id_cls[256];

static void cls_init(void)
{
	int c;

	for (c = '0'; c <= '9'; c++)
		cls[c] = 1;
	cls['@'] = cls[':'] = cls['='] = 1;
	for (c = 0; c < 256; c++)
		id_cls[c] = (unsigned char)(sc_alnum((unsigned)c) || c == '_' || c == '-' || c == '.' || c >= 0x80);
	id_cls['p'] = id_cls['P'] = id_cls['s'] = id_cls['S'] = id_cls['k'] = id_cls['K'] = 2;
	id_cls['t'] = id_cls['T'] = id_cls['r'] = id_cls['R'] = 2;
}

/* ------------------------------------------------------ the class maps */

/* The region's bytes classified once (scan_int.h: the stream's maps), a bit
 * per byte: the triggers (what the candidate loop stops at: digits, '@',
 * ':', '='), digits, word bytes (letters, digits, '_') and '-'.  The
 * candidate loop then finds the next trigger, the end of a digit group and
 * a word's two ends with a look at a 64-bit word or two instead of loading
 * and comparing the bytes again at every candidate (one every ~20 bytes of
 * PII-dense text). */
enum { MAP_TRIG, MAP_DIGIT, MAP_WORD, MAP_DASH, MAP_N };

/* The trigger and digit maps of B[LO, LEN) (LO a multiple of 64), and two
 * words of zeros after (the maps are read a word ahead). */
static void maps_build_scalar(const unsigned char *b, size_t lo, size_t len, uint64_t *map, size_t nw)
{
	size_t w, i;

	for (w = lo >> 6; (w << 6) < len; w++) {
		uint64_t t = 0, d = 0;

		for (i = 0; i < 64 && (w << 6) + i < len; i++) {
			unsigned c = b[(w << 6) + i];
			uint64_t bit = (uint64_t)1 << i;

			t |= cls[c] ? bit : 0;
			d |= sc_digit(c) ? bit : 0;
		}
		map[MAP_TRIG * nw + w] = t;
		map[MAP_DIGIT * nw + w] = d;
	}
	map[MAP_TRIG * nw + w] = map[MAP_TRIG * nw + w + 1] = 0;
	map[MAP_DIGIT * nw + w] = map[MAP_DIGIT * nw + w + 1] = 0;
}

/* The word and '-' maps of words [WLO, WHI) of B (LEN bytes; 0 after). */
static void words_build_scalar(const unsigned char *b, size_t wlo, size_t whi, size_t len, uint64_t *map, size_t nw)
{
	size_t w, i;

	for (w = wlo; w < whi; w++) {
		uint64_t wd = 0, da = 0;

		for (i = 0; i < 64 && (w << 6) + i < len; i++) {
			unsigned c = b[(w << 6) + i];
			uint64_t bit = (uint64_t)1 << i;

			wd |= sc_word(c) ? bit : 0;
			da |= c == '-' ? bit : 0;
		}
		map[MAP_WORD * nw + w] = wd;
		map[MAP_DASH * nw + w] = da;
	}
}

/* All four maps of B[LO, LEN) at once (LO a multiple of 64): the word and
 * '-' maps made for words [LO / 64, (LEN + 63) / 64 + 2), 0 after LEN. */
static void maps_all_scalar(const unsigned char *b, size_t lo, size_t len, uint64_t *map, size_t nw)
{
	maps_build_scalar(b, lo, len, map, nw);
	words_build_scalar(b, lo >> 6, (len + 63) / 64 + 2, len, map, nw);
}

#ifdef SCAN_X86
/* Every class of a byte from its two nibbles (two shuffles): a byte's class
 * bits are LO[low nibble] & HI[high nibble], each bit a set of bytes that is
 * a product of low and high nibbles: 0x80 a digit (3 x 0-9), 0x01 ':' '='
 * (3 x A D), 0x02 '@' (4 x 0), 0x04 letters (4 6 x 1-F), 0x08 letters (5 7
 * x 0-A), 0x10 '_' (5 x F), 0x40 '-' (2 x D); bytes from 0x80 have none
 * (test_maps_vector checks every byte value against the byte loops). */
#define NIB(...) _mm256_setr_epi8(__VA_ARGS__, __VA_ARGS__)
#define CLASSES(x) _mm256_and_si256(                                                                          \
	_mm256_shuffle_epi8(NIB((char)0x8A, (char)0x8C, (char)0x8C, (char)0x8C, (char)0x8C, (char)0x8C,        \
				(char)0x8C, (char)0x8C, (char)0x8C, (char)0x8C, 0x0D, 0x04, 0x04, 0x45, 0x04, 0x14), \
			    _mm256_and_si256((x), _mm256_set1_epi8(0x0F))),                                      \
	_mm256_shuffle_epi8(NIB(0, 0, 0x40, (char)0x81, 0x06, 0x18, 0x04, 0x08, 0, 0, 0, 0, 0, 0, 0, 0),        \
			    _mm256_and_si256(_mm256_srli_epi16((x), 4), _mm256_set1_epi8(0x0F))))
/* bytes whose class has one of the bits K */
#define ANY(c, k) (~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256((c), _mm256_set1_epi8((char)(k))), \
								      _mm256_setzero_si256())))

__attribute__((target("avx2"))) static void maps_build_avx2(const unsigned char *b, size_t lo, size_t len,
							     uint64_t *map, size_t nw)
{
	unsigned char *t = (unsigned char *)(map + MAP_TRIG * nw), *d = (unsigned char *)(map + MAP_DIGIT * nw);
	size_t i, w;

	/* 32 bytes a step, each map's 32 bits stored as they come (the maps'
	 * words are little-endian: bit I of word W is byte 64 W + I); the
	 * buffer is padded by 64 bytes, so the last step may pass LEN (its bits
	 * there are cleared below) */
	for (i = lo; i < len; i += 32) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(b + i));
		__m256i c = CLASSES(x);
		uint32_t tm = ANY(c, 0x83), dm = (uint32_t)_mm256_movemask_epi8(c);

		memcpy(t + i / 8, &tm, 4);
		memcpy(d + i / 8, &dm, 4);
	}
	/* LO is a multiple of 64, so I is LO + 32 k: an odd step count left
	 * the last word's upper half unwritten */
	if (i & 32) {
		memset(t + i / 8, 0, 4);
		memset(d + i / 8, 0, 4);
	}
	w = (len + 63) >> 6;
	if ((len & 63) && w) {
		map[MAP_TRIG * nw + w - 1] &= ((uint64_t)1 << (len & 63)) - 1;
		map[MAP_DIGIT * nw + w - 1] &= ((uint64_t)1 << (len & 63)) - 1;
	}
	map[MAP_TRIG * nw + w] = map[MAP_TRIG * nw + w + 1] = 0;
	map[MAP_DIGIT * nw + w] = map[MAP_DIGIT * nw + w + 1] = 0;
}

__attribute__((target("avx2"))) static void words_build_avx2(const unsigned char *b, size_t wlo, size_t whi,
							      size_t len, uint64_t *map, size_t nw)
{
	size_t w;

	for (w = wlo; w < whi; w++) {
		const unsigned char *p = b + (w << 6);
		uint64_t wd = 0, da = 0;

		/* a word wholly after the data is not loaded (the padding is
		 * 64 bytes: a partial word's loads stay in it) */
		if ((w << 6) < len) {
			__m256i c0 = CLASSES(_mm256_loadu_si256((const __m256i *)(const void *)p));
			__m256i c1 = CLASSES(_mm256_loadu_si256((const __m256i *)(const void *)(p + 32)));

			wd = ANY(c0, 0x9C) | (uint64_t)ANY(c1, 0x9C) << 32;
			da = (uint32_t)_mm256_movemask_epi8(_mm256_add_epi8(c0, c0)) |
			     (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_add_epi8(c1, c1)) << 32;
			if (len - (w << 6) < 64) {
				wd &= ((uint64_t)1 << (len - (w << 6))) - 1;
				da &= ((uint64_t)1 << (len - (w << 6))) - 1;
			}
		}
		map[MAP_WORD * nw + w] = wd;
		map[MAP_DASH * nw + w] = da;
	}
}
/* maps_all_scalar's maps, each 32 bytes classified once for the four */
__attribute__((target("avx2"))) static void maps_all_avx2(const unsigned char *b, size_t lo, size_t len,
							   uint64_t *map, size_t nw)
{
	size_t w, whi = (len + 63) / 64 + 2;

	for (w = lo >> 6; (w << 6) < len; w++) {
		const unsigned char *p = b + (w << 6);
		__m256i c0 = CLASSES(_mm256_loadu_si256((const __m256i *)(const void *)p));
		__m256i c1 = CLASSES(_mm256_loadu_si256((const __m256i *)(const void *)(p + 32)));
		uint64_t tm = ANY(c0, 0x83) | (uint64_t)ANY(c1, 0x83) << 32;
		uint64_t dm = (uint32_t)_mm256_movemask_epi8(c0) | (uint64_t)(uint32_t)_mm256_movemask_epi8(c1) << 32;
		uint64_t wd = ANY(c0, 0x9C) | (uint64_t)ANY(c1, 0x9C) << 32;
		uint64_t da = (uint32_t)_mm256_movemask_epi8(_mm256_add_epi8(c0, c0)) |
			      (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_add_epi8(c1, c1)) << 32;

		if (len - (w << 6) < 64) {
			uint64_t keep = ((uint64_t)1 << (len - (w << 6))) - 1;

			tm &= keep;
			dm &= keep;
			wd &= keep;
			da &= keep;
		}
		map[MAP_TRIG * nw + w] = tm;
		map[MAP_DIGIT * nw + w] = dm;
		map[MAP_WORD * nw + w] = wd;
		map[MAP_DASH * nw + w] = da;
	}
	map[MAP_TRIG * nw + w] = map[MAP_TRIG * nw + w + 1] = 0;
	map[MAP_DIGIT * nw + w] = map[MAP_DIGIT * nw + w + 1] = 0;
	for (; w < whi; w++)
		map[MAP_WORD * nw + w] = map[MAP_DASH * nw + w] = 0;
}
#undef ANY
#undef CLASSES
#undef NIB
#endif

static void (*words_build)(const unsigned char *, size_t, size_t, size_t, uint64_t *, size_t);

/* The word and '-' maps are made on demand (only a digit inside a word
 * reads them: text without digits never pays for them): words [WLO, WHI)
 * are there after this.  Candidates come in order and look back at most
 * 100 bytes, so the words below WLO that were skipped are never asked
 * for. */
static inline void words_need(scan_stream *s, size_t wlo, size_t whi)
{
	if (whi > s->cm_wd_hi) {
		size_t from = wlo > s->cm_wd_hi ? wlo : s->cm_wd_hi;

		/* a few words ahead: the forward walk asks one at a time */
		whi = whi + 16 < s->cm_words ? whi + 16 : s->cm_words;
		words_build(s->buf, from, whi, s->len, s->cm, s->cm_words);
		s->cm_wd_hi = whi;
	}
}

static void (*maps_build)(const unsigned char *, size_t, size_t, uint64_t *, size_t);
static void (*maps_all)(const unsigned char *, size_t, size_t, uint64_t *, size_t);

static void engine_init(void);

void scan_maps(const unsigned char *b, size_t lo, size_t len, uint64_t *map, size_t nw, int scalar)
{
	engine_init();
	if (scalar == 2) {
		maps_all(b, lo, len, map, nw);
		return;
	}
	(scalar ? maps_build_scalar : maps_build)(b, lo, len, map, nw);
	(scalar ? words_build_scalar : words_build)(b, lo >> 6, (len + 63) / 64 + 2, len, map, nw);
}

/* The first set bit of M in [P, TO), else TO. */
static inline size_t bm_next(const uint64_t *m, size_t p, size_t to)
{
	size_t w = p >> 6, last;
	uint64_t x;

	if (p >= to)
		return to;
	last = (to - 1) >> 6;
	x = m[w] & (~(uint64_t)0 << (p & 63));
	while (!x) {
		if (w == last)
			return to;
		x = m[++w];
	}
	p = (w << 6) + (size_t)__builtin_ctzll(x);
	return p < to ? p : to;
}

/* The first clear bit of M in [P, TO), else TO. */
static inline size_t bm_next_clear(const uint64_t *m, size_t p, size_t to)
{
	size_t w = p >> 6;
	uint64_t x;

	if (p >= to)
		return to;
	x = ~m[w] & (~(uint64_t)0 << (p & 63));
	while (!x) {
		if (++w << 6 >= to)
			return to;
		x = ~m[w];
	}
	p = (w << 6) + (size_t)__builtin_ctzll(x);
	return p < to ? p : to;
}

/* The last bit in [LO, P) that is set in M (INV 0) or clear in both M and
 * M2 (INV 1), else (size_t)-1. */
static inline size_t bm_prev(const uint64_t *m, const uint64_t *m2, int inv, size_t lo, size_t p)
{
	size_t w, i;
	uint64_t x;

	if (p <= lo)
		return (size_t)-1;
	w = (p - 1) >> 6;
	x = (inv ? ~(m[w] | m2[w]) : m[w]) & (~(uint64_t)0 >> (63 - ((p - 1) & 63)));
	for (;;) {
		if (x) {
			i = (w << 6) + 63 - (size_t)__builtin_clzll(x);
			return i >= lo ? i : (size_t)-1;
		}
		if (w <= lo >> 6)
			return (size_t)-1;
		w--;
		x = inv ? ~(m[w] | m2[w]) : m[w];
	}
}

/* The end of the word from P: word bytes, and a '-' with a word byte after
 * it (the bits after the data are 0, so the walk stops at its end). */
static inline size_t word_fwd(scan_stream *s, size_t p)
{
	const uint64_t *wd = s->cm + MAP_WORD * s->cm_words, *da = s->cm + MAP_DASH * s->cm_words;
	size_t w = p >> 6;
	uint64_t x;

	words_need(s, w, w + 2);
	x = ~(wd[w] | (da[w] & ((wd[w] >> 1) | (wd[w + 1] << 63)))) & (~(uint64_t)0 << (p & 63));
	while (!x) {
		w++;
		words_need(s, w, w + 2);
		x = ~(wd[w] | (da[w] & ((wd[w] >> 1) | (wd[w + 1] << 63))));
	}
	return (w << 6) + (size_t)__builtin_ctzll(x);
}

/* Newlines in [P, E): the count, and *LAST the one after the last newline
 * (unchanged when there is none). */
static size_t count_nl_scalar(const unsigned char *p, const unsigned char *e, const unsigned char **last)
{
	size_t n = 0;

	for (; p < e; p++)
		if (*p == '\n') {
			n++;
			*last = p + 1;
		}
	return n;
}

#ifdef SCAN_X86
__attribute__((target("avx2"))) static size_t count_nl_avx2(const unsigned char *p, const unsigned char *e,
							      const unsigned char **last)
{
	const __m256i nl = _mm256_set1_epi8('\n');
	size_t n = 0;

	while (p + 32 <= e) {
		unsigned m = (unsigned)_mm256_movemask_epi8(
			_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(const void *)p), nl));

		if (m) {
			n += (size_t)__builtin_popcount(m);
			*last = p + 32 - __builtin_clz(m);
		}
		p += 32;
	}
	if (p < e) {
		/* the tail: one more load, the bytes past E masked off (the buffer is padded) */
		unsigned m = (unsigned)_mm256_movemask_epi8(
			_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(const void *)p), nl));

		m &= (unsigned)(((uint64_t)1 << (e - p)) - 1);
		if (m) {
			n += (size_t)__builtin_popcount(m);
			*last = p + 32 - __builtin_clz(m);
		}
	}
	return n;
}

/* The same for a long stretch (a block's end, text without findings): 64
 * bytes a step, only counting; the last newline is looked for once. */
__attribute__((target("avx2"))) static size_t count_nl_long_avx2(const unsigned char *p, const unsigned char *e,
								   const unsigned char **last)
{
	const __m256i nl = _mm256_set1_epi8('\n');
	const unsigned char *from = p, *tail_last = NULL;
	size_t n = 0, t;

	while (p + 64 <= e) {
		uint64_t lo = (uint32_t)_mm256_movemask_epi8(
			_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(const void *)p), nl));
		uint64_t hi = (uint32_t)_mm256_movemask_epi8(
			_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(p + 32)), nl));

		n += (size_t)__builtin_popcountll(lo | hi << 32);
		p += 64;
	}
	t = count_nl_avx2(p, e, &tail_last);
	if (t)
		*last = tail_last;
	else if (n)
		*last = (const unsigned char *)memrchr(from, '\n', (size_t)(p - from)) + 1;
	return n + t;
}

static size_t count_nl_sse2(const unsigned char *p, const unsigned char *e, const unsigned char **last)
{
	const __m128i nl = _mm_set1_epi8('\n');
	size_t n = 0;

	while (p + 16 <= e) {
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), nl));

		if (m) {
			n += (size_t)__builtin_popcount(m);
			*last = p + 32 - __builtin_clz(m);
		}
		p += 16;
	}
	return n + count_nl_scalar(p, e, last);
}
#endif

/* Code points in [P, E): bytes that are not UTF-8 continuation bytes. */
static size_t count_cp_scalar(const unsigned char *p, const unsigned char *e)
{
	size_t n = 0;

	for (; p < e; p++)
		n += (*p & 0xC0) != 0x80;
	return n;
}

#ifdef SCAN_X86
__attribute__((target("avx2"))) static size_t count_cp_avx2(const unsigned char *p, const unsigned char *e)
{
	const __m256i hi = _mm256_set1_epi8((char)0xC0), cont = _mm256_set1_epi8((char)0x80);
	size_t n = 0;

	while (p + 32 <= e) {
		__m256i x = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(const void *)p), hi);

		n += 32 - (size_t)__builtin_popcount((unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, cont)));
		p += 32;
	}
	if (p < e) {
		__m256i x = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(const void *)p), hi);
		unsigned keep = (unsigned)(((uint64_t)1 << (e - p)) - 1);

		n += (size_t)__builtin_popcount(~(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, cont)) & keep);
	}
	return n;
}
#endif

static size_t (*count_cp)(const unsigned char *, const unsigned char *);

typedef size_t (*count_fn)(const unsigned char *, const unsigned char *, const unsigned char **);
static count_fn count_nl, count_nl_long;

static void triggers_init(void);
static size_t find_pem_scalar(const unsigned char *b, size_t p, size_t to, size_t len);
#ifdef SCAN_X86
static size_t find_pem_avx2(const unsigned char *b, size_t p, size_t to, size_t len);
#endif
static size_t (*find_pem)(const unsigned char *, size_t, size_t, size_t);
static int window_scalar(const unsigned char *b, size_t a, size_t e, const char *const *words);
#ifdef SCAN_X86
static int window_avx2(const unsigned char *b, size_t a, size_t e, const char *const *words);
#endif
static int (*window_has)(const unsigned char *, size_t, size_t, const char *const *);
static size_t label_first_scalar(const unsigned char *b, size_t a, size_t e);
#ifdef SCAN_X86
static size_t label_first_avx2(const unsigned char *b, size_t a, size_t e);
#endif
static size_t (*label_first)(const unsigned char *, size_t, size_t);
static size_t label_ident_scalar(const unsigned char *b, size_t e, int *factor);
#ifdef SCAN_X86
static size_t label_ident_avx2(const unsigned char *b, size_t e, int *factor);
#endif
static size_t (*label_ident)(const unsigned char *, size_t, int *);
static int has_tag_scalar(const unsigned char *b, size_t a, size_t z);
#ifdef SCAN_X86
static int has_tag_avx2(const unsigned char *b, size_t a, size_t z);
#endif
static int (*has_tag)(const unsigned char *, size_t, size_t);
static unsigned csv_count_scalar(const unsigned char *b, size_t j, size_t e, unsigned char delim, int *q);
#ifdef SCAN_X86
static unsigned csv_count_avx2(const unsigned char *b, size_t j, size_t e, unsigned char delim, int *q);
#endif
static unsigned (*csv_count)(const unsigned char *, size_t, size_t, unsigned char, int *);
static void line_counts_scalar(const unsigned char *b, size_t n, size_t cnt[4], size_t *letters, size_t *other);
#ifdef SCAN_X86
static void line_counts_avx2(const unsigned char *b, size_t n, size_t cnt[4], size_t *letters, size_t *other);
#endif
static void (*line_counts)(const unsigned char *, size_t, size_t *, size_t *, size_t *);


/* Once per process, whichever thread comes first: the scan's workers start
 * together, and two of them filling the detector tables side by side (each
 * appending to by_trigger) made duplicates and read past the gates' orders
 * (UBSan, under ASan's slower start). */
static void engine_init_once(void)
{
	cls_init();
	triggers_init();
	count_nl = count_nl_long = count_nl_scalar;
	count_cp = count_cp_scalar;
	window_has = window_scalar;
	label_first = label_first_scalar;
	csv_count = csv_count_scalar;
	line_counts = line_counts_scalar;
	label_ident = label_ident_scalar;
	has_tag = has_tag_scalar;
	find_pem = find_pem_scalar;
	maps_build = maps_build_scalar;
	maps_all = maps_all_scalar;
	words_build = words_build_scalar;
#ifdef SCAN_X86
	count_nl = count_nl_long = count_nl_sse2;
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2")) {
		count_nl = count_nl_avx2;
		count_nl_long = count_nl_long_avx2;
		count_cp = count_cp_avx2;
		window_has = window_avx2;
		label_first = label_first_avx2;
		csv_count = csv_count_avx2;
		line_counts = line_counts_avx2;
		label_ident = label_ident_avx2;
		has_tag = has_tag_avx2;
		find_pem = find_pem_avx2;
		maps_build = maps_build_avx2;
		maps_all = maps_all_avx2;
		words_build = words_build_avx2;
	}
#endif
}

static void engine_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	(void)pthread_once(&once, engine_init_once);
}

/* ----------------------------------------------------------------- stream */

int scan_stream_init(scan_stream *s)
{
	memset(s, 0, sizeof(*s));
	engine_init();
	s->block = g_block ? g_block : SCAN_BLOCK_DEFAULT;
	s->cap = SCAN_BACK + s->block + SCAN_TAIL;
	/* 64 bytes of padding: vector loads may read past the data (never used) */
	if (!(s->buf = fort_calloc(1, s->cap + 64)))
		return FORT_ENOMEM;
	/* a bit per byte of the buffer, and the two words of zeros after */
	s->cm_words = s->cap / 64 + 3;
	if (!(s->cm = fort_calloc(MAP_N * s->cm_words, sizeof(uint64_t)))) {
		free(s->buf);
		s->buf = NULL;
		return FORT_ENOMEM;
	}
	return 0;
}

static void hdr_free(scan_stream *s)
{
	unsigned i;

	for (i = 0; i < s->hdr_n; i++)
		free(s->hdr[i]);
	s->hdr_n = 0;
}

void scan_stream_release(scan_stream *s)
{
	hdr_free(s);
	free(s->nm);
	s->nm = NULL;
	s->nm_cap = s->nm_n = s->nm_i = 0;
	free(s->buf);
	s->buf = NULL;
	free(s->cm);
	s->cm = NULL;
}

void scan_stream_reset(scan_stream *s, scan_hit_fn hit, void *ctx, int inline_ignore)
{
	hdr_free(s);
	s->len = 0;
	s->base = s->next = s->nl_pos = s->line_start = s->total = 0;
	s->line = 1;
	s->ign_line = 0;
	s->tag_len = SIZE_MAX;       /* no buffer searched yet */
	s->hdr_state = 0;
	memset(s->hdr_cache, 0, sizeof(s->hdr_cache));
	s->hit = hit;
	s->ctx = ctx;
	s->inline_ignore = inline_ignore;
	s->last_end = 0;
	s->nm_n = s->nm_i = 0;
	s->col_line = 0;
	s->csv_ls = s->csv_pos = (uint64_t)-1;
	s->v6_s = s->v6_e = 0;
	s->lf_lo = s->lf_hi = 0;
	s->lf_found = 0;
}

/* The first line of a CSV/TSV file names its columns: a date in the
 * "date_of_birth" column is a birth date even with no word next to it. */
/* A first line's make-up for header_detect: in CNT the delimiters ',' ';'
 * TAB '|', in *LETTERS the letters and '_', in *OTHER every other byte but
 * ' ', '"' and CR. */
static void line_counts_scalar(const unsigned char *b, size_t n, size_t cnt[4], size_t *letters, size_t *other)
{
	size_t i, lt = 0, ot = 0;

	for (i = 0; i < n; i++) {
		switch (b[i]) {
		case ',': cnt[0]++; continue;
		case ';': cnt[1]++; continue;
		case '\t': cnt[2]++; continue;
		case '|': cnt[3]++; continue;
		}
		if (sc_alpha(b[i]) || b[i] == '_')
			lt++;
		else if (b[i] != ' ' && b[i] != '"' && b[i] != '\r')
			ot++;
	}
	*letters = lt;
	*other = ot;
}

#ifdef SCAN_X86
/* The same 32 bytes a step: a popcount per class, OTHER what is left (the
 * buffer is padded, so the last load may pass N; its bits are cleared).  A
 * letter is (C | 0x20) in 'a'..'z' by signed compares: bytes from 0x80 are
 * negative, as sc_alpha has them outside. */
__attribute__((target("avx2,popcnt"))) static void line_counts_avx2(const unsigned char *b, size_t n, size_t cnt[4],
								    size_t *letters, size_t *other)
{
	const __m256i comma = _mm256_set1_epi8(','), semi = _mm256_set1_epi8(';'), tab = _mm256_set1_epi8('\t'),
		      pipe = _mm256_set1_epi8('|'), sp = _mm256_set1_epi8(' '), dq = _mm256_set1_epi8('"'),
		      cr = _mm256_set1_epi8('\r'), us = _mm256_set1_epi8('_'), low = _mm256_set1_epi8(0x20),
		      a1 = _mm256_set1_epi8('a' - 1), z1 = _mm256_set1_epi8('z' + 1);
	size_t i, c0 = 0, c1 = 0, c2 = 0, c3 = 0, lt = 0, ig = 0;

	for (i = 0; i < n; i += 32) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(b + i));
		__m256i y = _mm256_or_si256(x, low);
		__m256i al = _mm256_or_si256(_mm256_and_si256(_mm256_cmpgt_epi8(y, a1), _mm256_cmpgt_epi8(z1, y)),
					     _mm256_cmpeq_epi8(x, us));
		__m256i ign = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(x, sp), _mm256_cmpeq_epi8(x, dq)),
					      _mm256_cmpeq_epi8(x, cr));
		uint32_t keep = n - i >= 32 ? ~(uint32_t)0 : ((uint32_t)1 << (n - i)) - 1;

		c0 += (size_t)__builtin_popcount((uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, comma)) & keep);
		c1 += (size_t)__builtin_popcount((uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, semi)) & keep);
		c2 += (size_t)__builtin_popcount((uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, tab)) & keep);
		c3 += (size_t)__builtin_popcount((uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, pipe)) & keep);
		lt += (size_t)__builtin_popcount((uint32_t)_mm256_movemask_epi8(al) & keep);
		ig += (size_t)__builtin_popcount((uint32_t)_mm256_movemask_epi8(ign) & keep);
	}
	cnt[0] += c0;
	cnt[1] += c1;
	cnt[2] += c2;
	cnt[3] += c3;
	*letters = lt;
	*other = n - c0 - c1 - c2 - c3 - lt - ig;
}
#endif

void scan_line_counts(const unsigned char *b, size_t n, size_t cnt[4], size_t *letters, size_t *other, int scalar)
{
	engine_init();
	(scalar ? line_counts_scalar : line_counts)(b, n, cnt, letters, other);
}

static void header_detect(scan_stream *s)
{
	static const char delims[] = ",;\t|";
	const unsigned char *b = s->buf, *nl;
	size_t n = s->len < 4096 ? s->len : 4096, i, cnt[4] = { 0 }, letters = 0, other = 0, start;
	int d = -1, k, q = 0;

	s->hdr_state = 2;
	if (!(nl = memchr(b, '\n', n)))
		return;
	n = (size_t)(nl - b);
	/* this runs on every file's first line (a JSON line, a mail's "From "
	 * line, a CSV row): for a tree of small files it adds up */
	line_counts(b, n, cnt, &letters, &other);
	for (k = 0; k < 4; k++)
		if (cnt[k] >= 2 && (d < 0 || cnt[k] > cnt[d]))
			d = k;
	if (d < 0 || letters < 2 * other)
		return;
	s->hdr_delim = delims[d];
	for (i = 0, start = 0; i <= n && s->hdr_n < SCAN_HDR_MAX; i++) {
		if (i < n && b[i] == '"')
			q = !q;
		if (i == n || (b[i] == (unsigned char)s->hdr_delim && !q)) {
			size_t a = start, e = i, j;
			char *c;

			while (a < e && (b[a] == ' ' || b[a] == '"'))
				a++;
			while (e > a && (b[e - 1] == ' ' || b[e - 1] == '"' || b[e - 1] == '\r'))
				e--;
			if (e - a > 48)
				e = a + 48;
			if (!(c = fort_malloc(e - a + 1)))
				break;
			for (j = a; j < e; j++)
				c[j - a] = (char)sc_tolower(b[j]);
			c[e - a] = '\0';
			s->hdr[s->hdr_n++] = c;
			start = i + 1;
		}
	}
	s->hdr_state = 1;
}

/* Delimiters outside quotes in B[J, E), the quote state *Q carried over. */
static unsigned csv_count_scalar(const unsigned char *b, size_t j, size_t e, unsigned char delim, int *q)
{
	unsigned n = 0;

	for (; j < e; j++) {
		if (b[j] == '"')
			*q = !*q;
		else if (b[j] == delim && !*q)
			n++;
	}
	return n;
}

#ifdef SCAN_X86
/* 32 bytes a step, quotes included: the quote state at each byte is the
 * parity of the quotes before it (a prefix XOR of the quote bits, flipped
 * when the step starts inside quotes), and a delimiter counts where that
 * parity is even.  The last step's bits past E are cleared (the buffer is
 * padded, so the load may pass E). */
__attribute__((target("avx2"))) static unsigned csv_count_avx2(const unsigned char *b, size_t j, size_t e,
								 unsigned char delim, int *q)
{
	const __m256i dq = _mm256_set1_epi8('"'), dl = _mm256_set1_epi8((char)delim);
	unsigned n = 0, in = *q ? ~0u : 0u;

	while (j < e) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(b + j));
		unsigned qm = (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, dq));
		unsigned dm = (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, dl));

		if (e - j < 32) {
			unsigned keep = ((unsigned)1 << (e - j)) - 1;

			qm &= keep;
			dm &= keep;
		}
		if (qm) {
			unsigned px = qm;

			px ^= px << 1;
			px ^= px << 2;
			px ^= px << 4;
			px ^= px << 8;
			px ^= px << 16;
			n += (unsigned)__builtin_popcount(dm & ~(px ^ in));
			if (__builtin_popcount(qm) & 1)
				in = ~in;
		} else if (!in) {
			n += (unsigned)__builtin_popcount(dm);
		}
		j += 32;
	}
	*q = in != 0;
	return n;
}
#endif

unsigned scan_csv_count(const unsigned char *b, size_t j, size_t e, unsigned char delim, int *q, int scalar)
{
	engine_init();
	return (scalar ? csv_count_scalar : csv_count)(b, j, e, delim, q);
}

/* Column (0-based) of START in a CSV line, or -1 when the line start is
 * out of reach.  Counting goes on from the last call on the same line:
 * candidates come in order. */
static long csv_column(scan_stream *s, const unsigned char *b, size_t start)
{
	const unsigned char *nl;
	uint64_t ls;
	size_t j, lo = start > SCAN_BACK ? start - SCAN_BACK : 0;

	nl = start > lo ? memrchr(b + lo, '\n', start - lo) : NULL;
	if (nl)
		ls = s->base + (uint64_t)(nl - b) + 1;
	else if (s->base == 0 && lo == 0)
		ls = 0;
	else
		return -1;
	if (ls == 0)   /* the header line itself */
		return -1;
	if (ls != s->csv_ls || s->base + start < s->csv_pos) {
		s->csv_ls = ls;
		s->csv_pos = ls;
		s->csv_col = 0;
		s->csv_q = 0;
	}
	j = (size_t)(s->csv_pos - s->base);
	s->csv_col += csv_count(b, j, start, (unsigned char)s->hdr_delim, &s->csv_q);
	s->csv_pos = s->base + start;
	return (long)s->csv_col;
}

/* Does one of WORDS start at I (case-insensitive, at a word start)? */
static int word_at(const unsigned char *b, size_t a, size_t i, size_t e, const char *const *words)
{
	size_t k, j;

	/* words start at a word start ("silver" is no "ver"; "dateOfBirth" has "birth") */
	if (i > a && sc_alpha(b[i - 1]) && !(sc_lower(b[i - 1]) && sc_upper(b[i])))
		return 0;
	for (k = 0; words[k]; k++) {
		const char *w = words[k];

		if ((unsigned char)w[0] != (b[i] | 0x20))
			continue;
		for (j = 1; w[j] && i + j < e && sc_tolower(b[i + j]) == (unsigned char)w[j]; j++)
			;
		if (!w[j])
			return 1;
	}
	return 0;
}

/* A sentence ends at I: ". " after a number or a longer lower-case word. */
static int sentence_end(const unsigned char *b, size_t a, size_t i, size_t e)
{
	return b[i] == '.' && i + 1 < e && b[i + 1] == ' ' && i > a &&
	       (sc_digit(b[i - 1]) || (i >= a + 4 && sc_lower(b[i - 1]) && sc_lower(b[i - 2]) && sc_lower(b[i - 3]) &&
				       sc_lower(b[i - 4])));
}

static int window_scalar(const unsigned char *b, size_t a, size_t e, const char *const *words)
{
	size_t i;
	int found = 0;

	for (i = a; i < e; i++) {
		if (sentence_end(b, a, i, e))
			found = 0;
		else if (sc_alpha(b[i]) && word_at(b, a, i, e, words))
			found = 1;
	}
	return found;
}

#ifdef SCAN_X86
/* The high nibbles of the bytes that have the 0x20 bit (2 3 6 7 A B E F),
 * a bit each: a set of such bytes is, per low nibble, the bits of the high
 * nibbles that make one of its bytes (window_avx2's tables). */
static const unsigned char hi_bit[16] = { 0, 0, 0x01, 0x02, 0, 0, 0x04, 0x08, 0, 0, 0x10, 0x20, 0, 0, 0x40, 0x80 };

/* The window is at most 64 bytes: two loads straight from the stream's
 * buffer (padded past its end; bits past E are cleared), a bit per byte
 * whose letter starts one of WORDS and whose next two bytes are among the
 * words' second and third letters (a byte C with tolower(C) == W also has
 * C | 0x20 == W: every letter of the lists has that bit; membership of
 * C | 0x20 in each set is two nibble look-ups; a list with a two-letter
 * word, "v.", has no third-letter filter), and a bit per '.' that could
 * end a sentence; then only those positions are looked at (in a CSV row
 * without its header, the common pairs "co", "te", "ma" of the phone
 * words made most of them). */
__attribute__((target("avx2"))) int window_avx2(const unsigned char *b, size_t a, size_t e,
						const char *const *words)
{
	size_t k, j, n = e - a;
	uint64_t cand = 0, dots = 0;
	int found = 0, i;
	/* per list: the low-nibble tables of its first and second letters */
	static __thread struct {
		const char *const *words;
		unsigned char first[16], second[16], third[16];
	} cache[8];
	static __thread unsigned next_slot;
	__m256i lof, los, lot, hib;

	if (n > 64)
		return window_scalar(b, a, e, words);
	for (k = 0; k < 8 && cache[k].words != words; k++)
		;
	if (k == 8) {
		unsigned char f[16] = { 0 }, sd[16] = { 0 }, th[16] = { 0 };
		int third = 1;

		for (k = 0; words[k]; k++) {
			unsigned char c0 = (unsigned char)words[k][0], c1 = (unsigned char)words[k][1], c2;

			if (!(c0 & 0x20) || !(c1 & 0x20))   /* a one-letter word, or one the filter cannot take */
				return window_scalar(b, a, e, words);
			f[c0 & 15] |= hi_bit[c0 >> 4];
			sd[c1 & 15] |= hi_bit[c1 >> 4];
			c2 = (unsigned char)words[k][2];
			if (!(c2 & 0x20))   /* a two-letter word ("v."): no third letter to filter by */
				third = 0;
			th[c2 & 15] |= hi_bit[c2 >> 4];
		}
		if (!third)
			memset(th, 0xFF, 16);
		k = next_slot++ % 8;
		cache[k].words = words;
		memcpy(cache[k].first, f, 16);
		memcpy(cache[k].second, sd, 16);
		memcpy(cache[k].third, th, 16);
	}
	lof = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)cache[k].first));
	los = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)cache[k].second));
	lot = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)cache[k].third));
	hib = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)hi_bit));
	for (j = 0; j < 2; j++) {
		const unsigned char *p = b + a + 32 * j;
		const __m256i low = _mm256_set1_epi8(0x20), nib = _mm256_set1_epi8(0x0F), zero = _mm256_setzero_si256();
		__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)p);
		__m256i lx = _mm256_or_si256(x, low);
		__m256i ly = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(const void *)(p + 1)), low);
		__m256i m1 = _mm256_and_si256(_mm256_shuffle_epi8(lof, _mm256_and_si256(lx, nib)),
					      _mm256_shuffle_epi8(hib, _mm256_and_si256(_mm256_srli_epi16(lx, 4), nib)));
		__m256i m2 = _mm256_and_si256(_mm256_shuffle_epi8(los, _mm256_and_si256(ly, nib)),
					      _mm256_shuffle_epi8(hib, _mm256_and_si256(_mm256_srli_epi16(ly, 4), nib)));
		__m256i lz = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(const void *)(p + 2)), low);
		__m256i m3 = _mm256_and_si256(_mm256_shuffle_epi8(lot, _mm256_and_si256(lz, nib)),
					      _mm256_shuffle_epi8(hib, _mm256_and_si256(_mm256_srli_epi16(lz, 4), nib)));
		__m256i none = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(m1, zero), _mm256_cmpeq_epi8(m2, zero)),
					       _mm256_cmpeq_epi8(m3, zero));

		cand |= (uint64_t)(uint32_t)~_mm256_movemask_epi8(none) << (32 * j);
		dots |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, _mm256_set1_epi8('.'))) << (32 * j);
		if (n <= 32)
			break;
	}
	if (n < 64) {
		cand &= ((uint64_t)1 << n) - 1;
		dots &= ((uint64_t)1 << n) - 1;
	}
	/* only what follows the last sentence end counts */
	while (dots) {
		i = 63 - __builtin_clzll(dots);
		if (sentence_end(b, a, a + (size_t)i, e)) {
			cand &= i >= 63 ? 0 : ~(((uint64_t)2 << i) - 1);
			break;
		}
		dots &= ~((uint64_t)1 << i);
	}
	while (cand && !found) {
		i = __builtin_ctzll(cand);
		cand &= cand - 1;
		if (sc_alpha(b[a + (size_t)i]) && word_at(b, a, a + (size_t)i, e, words))
			found = 1;
	}
	return found;
}
#endif

int scan_window(const unsigned char *b, size_t a, size_t e, const char *const *words, int scalar)
{
	engine_init();
	return (scalar ? window_scalar : window_has)(b, a, e, words);
}

/* The secret labels' literal factors: every keyword of secret.c's label
 * list holds one of "pas", "pwd", "sec", "key", "tok" or "ras" (any case).
 * A ':' or '=' with none of them in the 64 bytes before it has no label
 * before it, and costs a few vector compares instead of a walk back over
 * the identifier (every ':' of a mail header or a JSON key comes here). */
static size_t label_first_scalar(const unsigned char *b, size_t a, size_t e)
{
	size_t i;

	for (i = a; i + 3 <= e; i++) {
		unsigned c = b[i] | 0x20, d = b[i + 1] | 0x20, f = b[i + 2] | 0x20;

		if ((c == 'p' && ((d == 'a' && f == 's') || (d == 'w' && f == 'd'))) ||
		    (c == 's' && d == 'e' && f == 'c') || (c == 'k' && d == 'e' && f == 'y') ||
		    (c == 't' && d == 'o' && f == 'k') || (c == 'r' && d == 'a' && f == 's'))
			return i;
	}
	return (size_t)-1;
}

#ifdef SCAN_X86
/* 32 positions a step, three loads (the buffer is padded past its end:
 * the loads at +1 and +2 may pass E). */
__attribute__((target("avx2"))) static size_t label_first_avx2(const unsigned char *b, size_t a, size_t e)
{
	/* A bit per factor ("pas" 1, "pwd" 2, "sec" 4, "key" 8, "tok" 16,
	 * "ras" 32); for each of the three positions, the factors whose letter
	 * there has a byte's low nibble, and those whose letter has its high
	 * nibble (upper and lower case: 4/6 or 5/7).  A letter is the only byte
	 * with both its nibbles, so a byte's two look-ups meet in exactly the
	 * factors with that letter there (any case), and the three positions'
	 * results meet where a factor starts: two shuffles per position instead
	 * of a compare per letter. */
#define NIB(...) _mm256_setr_epi8(__VA_ARGS__, __VA_ARGS__)
	const __m256i lo0 = NIB(3, 0, 32, 4, 16, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0);
	const __m256i hi0 = NIB(0, 0, 0, 0, 8, 55, 8, 55, 0, 0, 0, 0, 0, 0, 0, 0);
	const __m256i lo1 = NIB(0, 33, 0, 0, 0, 12, 0, 2, 0, 0, 0, 0, 0, 0, 0, 16);
	const __m256i hi1 = NIB(0, 0, 0, 0, 61, 2, 61, 2, 0, 0, 0, 0, 0, 0, 0, 0);
	const __m256i lo2 = NIB(0, 0, 0, 37, 2, 0, 0, 0, 0, 8, 0, 16, 0, 0, 0, 0);
	const __m256i hi2 = NIB(0, 0, 0, 0, 22, 41, 22, 41, 0, 0, 0, 0, 0, 0, 0, 0);
#undef NIB
	const __m256i nib = _mm256_set1_epi8(0x0F), zero = _mm256_setzero_si256();
	size_t p;

	for (p = a; p + 3 <= e; p += 32) {
		const unsigned char *q = b + p;
		__m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)q);
		__m256i x1 = _mm256_loadu_si256((const __m256i *)(const void *)(q + 1));
		__m256i x2 = _mm256_loadu_si256((const __m256i *)(const void *)(q + 2));
#define AT(lo, hi, x) _mm256_and_si256(_mm256_shuffle_epi8((lo), _mm256_and_si256((x), nib)), \
				       _mm256_shuffle_epi8((hi), _mm256_and_si256(_mm256_srli_epi16((x), 4), nib)))
		__m256i m = _mm256_and_si256(AT(lo0, hi0, x0), _mm256_and_si256(AT(lo1, hi1, x1), AT(lo2, hi2, x2)));
#undef AT
		uint32_t hits = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(m, zero));

		/* a factor starting at p + i ends at p + i + 3 <= e */
		if (e - p - 2 < 32)
			hits &= ((uint32_t)1 << (e - p - 2)) - 1;
		if (hits)
			return p + (size_t)__builtin_ctz(hits);
	}
	return (size_t)-1;
}
#endif

int scan_label_factor(const unsigned char *b, size_t a, size_t e)
{
	return label_first(b, a, e) != (size_t)-1;
}

static int ident_byte(unsigned c)
{
	return sc_alnum(c) || c == '_' || c == '-' || c == '.' || c >= 0x80;
}

static size_t label_ident_scalar(const unsigned char *b, size_t e, int *factor)
{
	size_t s = e;

	while (s > 0 && e - s < 64 && ident_byte(b[s - 1]))
		s--;
	*factor = label_first_scalar(b, s, e) != (size_t)-1;
	return s;
}

#ifdef SCAN_X86
/* One step of 32 bytes ending at E: the last byte that is no identifier
 * byte gives the start, the factors are looked for after it.  A longer
 * identifier (rare) goes the scalar way. */
__attribute__((target("avx2"))) static size_t label_ident_avx2(const unsigned char *b, size_t e, int *factor)
{
	const __m256i low = _mm256_set1_epi8(0x20);
	const unsigned char *p;
	__m256i x, x0, x1, x2, d, m, ident, a1, e1, s2;
	uint32_t non, hits;
	unsigned last;

	if (e < 32)
		return label_ident_scalar(b, e, factor);
	p = b + e - 32;
	x = _mm256_loadu_si256((const __m256i *)(const void *)p);
	x0 = _mm256_or_si256(x, low);
#define EQ(v, ch) _mm256_cmpeq_epi8((v), _mm256_set1_epi8(ch))
	d = _mm256_sub_epi8(x0, _mm256_set1_epi8('a'));
	ident = _mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8(25)), d);
	d = _mm256_sub_epi8(x, _mm256_set1_epi8('0'));
	ident = _mm256_or_si256(ident, _mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8(9)), d));
	ident = _mm256_or_si256(ident, _mm256_or_si256(EQ(x, '_'), _mm256_or_si256(EQ(x, '-'), EQ(x, '.'))));
	non = ~((uint32_t)_mm256_movemask_epi8(ident) | (uint32_t)_mm256_movemask_epi8(x));
	if (!non)
		return label_ident_scalar(b, e, factor);
	last = 31 - (unsigned)__builtin_clz(non);
	/* factors at positions after LAST that end by E (the loads at +1 and +2
	 * pass E by two bytes: the buffer is padded) */
	x1 = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(const void *)(p + 1)), low);
	x2 = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(const void *)(p + 2)), low);
	a1 = EQ(x1, 'a');
	e1 = EQ(x1, 'e');
	s2 = EQ(x2, 's');
	m = _mm256_and_si256(EQ(x0, 'p'), _mm256_or_si256(_mm256_and_si256(a1, s2), _mm256_and_si256(EQ(x1, 'w'), EQ(x2, 'd'))));
	m = _mm256_or_si256(m, _mm256_and_si256(EQ(x0, 's'), _mm256_and_si256(e1, EQ(x2, 'c'))));
	m = _mm256_or_si256(m, _mm256_and_si256(EQ(x0, 'k'), _mm256_and_si256(e1, EQ(x2, 'y'))));
	m = _mm256_or_si256(m, _mm256_and_si256(EQ(x0, 't'), _mm256_and_si256(EQ(x1, 'o'), EQ(x2, 'k'))));
	m = _mm256_or_si256(m, _mm256_and_si256(EQ(x0, 'r'), _mm256_and_si256(a1, s2)));
#undef EQ
	hits = (uint32_t)_mm256_movemask_epi8(m) & 0x3FFFFFFFu;
	hits &= (uint32_t)~(((uint64_t)2 << last) - 1);
	*factor = hits != 0;
	return e - 32 + last + 1;
}
#endif

size_t scan_label_ident(const unsigned char *b, size_t e, int *factor)
{
	return label_ident(b, e, factor);
}

/* Inline where the candidate loop asks (every ':' and '=' it stops at),
 * out of line for the detectors. */
static inline int label_near(const scan_view *v, size_t a, size_t e)
{
	scan_stream *s = v->st;
	uint64_t lo = v->base + a, hi = v->base + e;
	size_t from = a, to, f;

	if (!s)
		return label_first(v->buf, a, e) != (size_t)-1;
	if (lo >= s->lf_lo && lo <= s->lf_hi) {
		/* the first factor at or after LO is known, or none before LF_HI */
		if (s->lf_found)
			return s->lf_hi + 3 <= hi;
		if (hi < s->lf_hi + 3)
			return 0;
		from = (size_t)(s->lf_hi - v->base);
		lo = s->lf_lo;
	}
	/* look ahead: the next ':' is likely within the next few hundred bytes */
	to = e + 160 < v->len ? e + 160 : v->len;
	f = label_first(v->buf, from, to);
	s->lf_lo = lo;
	if (f != (size_t)-1) {
		s->lf_hi = v->base + f;
		s->lf_found = 1;
		return f + 3 <= e;
	}
	/* starts in [TO - 2, TO) are not known yet */
	s->lf_hi = v->base + (to >= from + 2 ? to - 2 : from);
	s->lf_found = 0;
	return 0;
}

int scan_label_near(const scan_view *v, size_t a, size_t e)
{
	return label_near(v, a, e);
}

int scan_context(const scan_view *v, size_t start, const char *const *words)
{
	const unsigned char *b = v->buf, *nl;
	scan_stream *s = v->st;
	size_t lo = start > 40 ? start - 40 : 0;

	/* the CSV column first: one lookup in a cache once the line is counted */
	if (s && s->hdr_state == 1) {
		long col = csv_column(s, b, start);
		size_t j, k;
		uint64_t bit;

		if (col >= 0 && (unsigned long)col < s->hdr_n) {
			bit = (uint64_t)1 << col;
			for (k = 0; k < 8 && s->hdr_cache[k].words && s->hdr_cache[k].words != words; k++)
				;
			if (k == 8)
				k = 0;
			if (s->hdr_cache[k].words != words) {
				s->hdr_cache[k].words = words;
				s->hdr_cache[k].known = s->hdr_cache[k].hit = 0;
			}
			if (!(s->hdr_cache[k].known & bit)) {
				s->hdr_cache[k].known |= bit;
				for (j = 0; words[j]; j++)
					if (strstr(s->hdr[col], words[j]))
						s->hdr_cache[k].hit |= bit;
			}
			if (s->hdr_cache[k].hit & bit)
				return 1;
		}
	}
	nl = start > lo ? memrchr(b + lo, '\n', start - lo) : NULL;
	return window_has(b, nl ? (size_t)(nl - b) + 1 : lo, start, words);
}

/* Line number and line start of stream offset OFF. */
static void locate(scan_stream *s, uint64_t off, uint64_t *line, uint64_t *lstart)
{
	const unsigned char *b = s->buf;

	if (off >= s->nl_pos) {
		const unsigned char *p = b + (s->nl_pos - s->base), *e = b + (off - s->base), *last = NULL;
		size_t n = (e - p >= 512 ? count_nl_long : count_nl)(p, e, &last);

		if (n) {
			s->line += n;
			s->line_start = s->base + (uint64_t)(last - b);
		}
		s->nl_pos = off;
		*line = s->line;
		*lstart = s->line_start;
		return;
	}
	/* just before the counted part (a match reaching back over a block end) */
	{
		uint64_t l = s->line, ls = s->line_start, i;

		for (i = s->nl_pos; i > off; i--)
			if (b[i - 1 - s->base] == '\n')
				l--;
		for (i = off; i > s->base && b[i - 1 - s->base] != '\n'; i--)
			;
		if (l == s->line)
			i = ls;
		*line = l;
		*lstart = i;
	}
}

static const char ign_tag[] = "fortress:ignore";

static int has_tag_scalar(const unsigned char *b, size_t a, size_t z)
{
	return memmem(b + a, z - a, ign_tag, sizeof(ign_tag) - 1) != NULL;
}

#ifdef SCAN_X86
/* ":i" filters 32 positions a step; the rare hit is compared whole (the
 * buffer is padded, so the load at +1 may pass Z). */
__attribute__((target("avx2"))) static int has_tag_avx2(const unsigned char *b, size_t a, size_t z)
{
	const __m256i colon = _mm256_set1_epi8(':'), i_ = _mm256_set1_epi8('i');
	size_t p = a;

	/* 64 positions a step while they all lie before Z (one test for the
	 * two halves, none for the tail), then 32 */
	while (p + 64 <= z) {
		const unsigned char *q = b + p;
		uint64_t lo = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(
			_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(const void *)q), colon),
			_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(q + 1)), i_)));
		uint64_t hi = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(
			_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(q + 32)), colon),
			_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(q + 33)), i_)));
		uint64_t m = lo | hi << 32;

		while (m) {
			size_t i = p + (size_t)__builtin_ctzll(m);

			if (i >= a + 8 && i + 7 <= z && !memcmp(b + i - 8, ign_tag, sizeof(ign_tag) - 1))
				return 1;
			m &= m - 1;
		}
		p += 64;
	}
	while (p < z) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(b + p));
		__m256i y = _mm256_loadu_si256((const __m256i *)(const void *)(b + p + 1));
		unsigned m = (unsigned)_mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(x, colon),
									     _mm256_cmpeq_epi8(y, i_)));

		if (z - p < 32)
			m &= (unsigned)(((uint64_t)1 << (z - p)) - 1);
		while (m) {
			size_t i = p + (size_t)__builtin_ctz(m);

			if (i >= a + 8 && i + 7 <= z && !memcmp(b + i - 8, ign_tag, sizeof(ign_tag) - 1))
				return 1;
			m &= m - 1;
		}
		p += 32;
	}
	return 0;
}
#endif

int scan_has_tag(const unsigned char *b, size_t a, size_t z, int scalar)
{
	engine_init();
	return (scalar ? has_tag_scalar : has_tag)(b, a, z);
}

/* Does the buffer as it is hold an inline-ignore tag anywhere?  Most buffers
 * hold none: one search of the whole buffer answers every line in it (a tag
 * inside a line's bytes would be inside the buffer's), for about what one
 * line's search costs; kept for the buffer's stream offset and length. */
static int buffer_tagged(scan_stream *s)
{
	if (s->tag_base != s->base || s->tag_len != s->len) {
		s->tag_base = s->base;
		s->tag_len = s->len;
		s->tag_any = has_tag(s->buf, 0, s->len);
	}
	return s->tag_any;
}

static int line_ignored(scan_stream *s, uint64_t line, uint64_t lstart, uint64_t off)
{
	const unsigned char *b = s->buf, *e;
	size_t a, z;

	if (s->ign_line == line + 1)
		return s->ign_val;
	if (!buffer_tagged(s)) {
		s->ign_val = 0;
		s->ign_line = line + 1;
		return 0;
	}
	a = lstart > s->base ? (size_t)(lstart - s->base) : 0;
	e = memchr(b + (off - s->base), '\n', s->len - (size_t)(off - s->base));
	z = e ? (size_t)(e - b) : s->len;
	s->ign_val = has_tag(b, a, z);
	s->ign_line = line + 1;
	return s->ign_val;
}

static int emit_one(scan_stream *s, const scan_match *m)
{
	scan_hit h;
	uint64_t off = s->base + m->start, lstart;

	if (off < s->last_end)
		return 0;
	h.type = m->type;
	h.conf = m->conf;
	h.rule = m->rule;
	h.offset = off;
	h.length = (uint32_t)(m->end - m->start);
	h.value = s->buf + m->start;
	if (s->no_line && s->no_column && !(s->inline_ignore && buffer_tagged(s))) {
		/* offsets only, and no tag in the buffer to find the line of:
		 * no line counted (locate counts from where it stopped, so a
		 * later finding that needs its line still gets the right one) */
		h.line = 0;
		h.column = 0;
		h.ignored = 0;
		s->last_end = s->base + m->end;
		return s->hit(s->ctx, &h);
	}
	locate(s, off, &h.line, &lstart);
	if (s->no_column) {
		h.column = 0;
	} else if (lstart >= s->base) {
		uint64_t from = lstart;

		h.column = 1;
		if (s->col_line == h.line && s->col_pos <= off && s->col_pos >= s->base) {
			from = s->col_pos;
			h.column = s->col_val;
		}
		h.column += count_cp(s->buf + (from - s->base), s->buf + m->start);
		s->col_line = h.line;
		s->col_pos = off;
		s->col_val = h.column;
	} else {
		h.column = off - lstart + 1;
	}
	h.ignored = s->inline_ignore && line_ignored(s, h.line, lstart, off);
	s->last_end = s->base + m->end;
	return s->hit(s->ctx, &h);
}

/* Known-client names waiting to be reported, before stream offset UPTO. */
static int flush_names(scan_stream *s, uint64_t upto)
{
	int r;

	while (s->nm_i < s->nm_n && s->nm[s->nm_i].off < upto) {
		scan_match m;

		m.start = (size_t)(s->nm[s->nm_i].off - s->base);
		m.end = m.start + s->nm[s->nm_i].len;
		m.type = FORT_SCAN_NAME;
		m.conf = FORT_SCAN_HIGH;
		m.rule = "name.known-client";
		s->nm_i++;
		if ((r = emit_one(s, &m)) != 0)
			return r;
	}
	return 0;
}

static int emit(scan_stream *s, const scan_match *m)
{
	int r;

	if (s->nm_i < s->nm_n && (r = flush_names(s, s->base + m->start)) != 0)
		return r;
	return emit_one(s, m);
}

void scan_stream_names(scan_stream *s, scan_name_fn fn, void *ctx)
{
	s->name_fn = fn;
	s->name_ctx = ctx;
}

/* A letter byte of a name: ASCII letters and any byte of a multi-byte UTF-8
 * sequence except general punctuation (U+2000-206F, E2 80-81 ..), where
 * only the right single quote (U+2019, an apostrophe) counts. */
static size_t name_char(const unsigned char *b, size_t i, size_t len)
{
	unsigned c = b[i];

	if (sc_alpha(c))
		return 1;
	if (c == 0xE2 && i + 2 < len && (b[i + 1] == 0x80 || b[i + 1] == 0x81))
		return b[i + 1] == 0x80 && b[i + 2] == 0x99 ? 3 : 0;
	if (c >= 0xC3 && c < 0xF5) {
		size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2, k;

		if (i + n > len)
			return 0;
		for (k = 1; k < n; k++)
			if ((b[i + k] & 0xC0) != 0x80)
				return 0;
		if (c == 0xC3 && (b[i + 1] == 0x97 || b[i + 1] == 0xB7))
			return 0;   /* multiplication and division signs */
		return n;
	}
	return 0;
}

/* A capitalised word at I: an upper-case ASCII letter or a Latin-1 capital
 * (U+00C0-00DE), then letters, with ' or - joining letters.  Its end, or I. */
static size_t name_word(const unsigned char *b, size_t i, size_t len)
{
	size_t p = i, n;

	if (sc_upper(b[i]))
		p = i + 1;
	else if (b[i] == 0xC3 && i + 1 < len && b[i + 1] >= 0x80 && b[i + 1] <= 0x9E && b[i + 1] != 0x97)
		p = i + 2;
	else
		return i;
	while (p < len && p - i < 40) {
		if ((n = name_char(b, p, len))) {
			p += n;
		} else if ((b[p] == '\'' || b[p] == '-') && p + 1 < len && name_char(b, p + 1, len)) {
			p++;
		} else {
			break;
		}
	}
	if (p - i < 2 || (p < len && (sc_digit(b[p]) || b[p] == '_' || b[p] == '@')))
		return i;
	return p;
}

/* Runs of 2-3 capitalised words starting in [FROM, TO), the longest that
 * is a known client's name kept. */
static int find_names(scan_stream *s, size_t from, size_t to)
{
	const unsigned char *b = s->buf;
	size_t p = from;

	s->nm_n = s->nm_i = 0;
	while (p < to) {
		size_t e[3], k, w;
		unsigned prev;

		/* the next word start: a capital after a non-letter */
		while (p < to && !(sc_upper(b[p]) || b[p] == 0xC3))
			p++;
		if (p >= to)
			break;
		prev = p ? b[p - 1] : ' ';
		if (sc_word(prev) || prev >= 0x80 || prev == '\'' || prev == '-' || prev == '@' || prev == '.') {
			p++;
			continue;
		}
		if ((e[0] = name_word(b, p, s->len)) == p) {
			p++;
			continue;
		}
		for (k = 1; k < 3; k++) {
			size_t q = e[k - 1];

			if (q + 1 >= s->len || b[q] != ' ' || (e[k] = name_word(b, q + 1, s->len)) == q + 1)
				break;
		}
		w = 0;
		while (k >= 2) {
			if (s->name_fn(s->name_ctx, b + p, e[k - 1] - p)) {
				w = e[k - 1];
				break;
			}
			k--;
		}
		if (w) {
			if (FORT_ARRAY_GROW(s->nm, s->nm_n + 1, s->nm_cap, 16) < 0)
				return FORT_ENOMEM;
			s->nm[s->nm_n].off = s->base + p;
			s->nm[s->nm_n].len = (uint32_t)(w - p);
			s->nm_n++;
			p = w;
		} else {
			p = e[0];
		}
	}
	return 0;
}

/* The bytes that join a cluster's digit groups: ' ' '-' '.' '/' (one load
 * instead of four compares, at every group's end) */
static const unsigned char sep_byte[256] = { [' '] = 1, ['-'] = 1, ['.'] = 1, ['/'] = 1 };

/* DG: the digits' map (the stream's, built for the region) */
static void parse_cluster(const unsigned char *b, const uint64_t *dg, size_t len, size_t p, scan_cluster *cl)
{
	size_t i = p;
	/* the counts in registers, stored once at the end: CL's stores may
	 * alias B for the compiler, which otherwise reloads them each group */
	unsigned n = 0, digits = 0;
	int overlong = 0;

	cl->start = p;
	for (;;) {
		size_t g = i;
		unsigned c;
		/* the group's end: most groups end in the map word they start in
		 * (the shift brings in 0s, digits, so a set bit is a real
		 * non-digit; bits from LEN on are 0 in the digit map) */
		uint64_t x = ~dg[i >> 6] >> (i & 63);

		if (x)
			i += (size_t)__builtin_ctzll(x);
		else
			i = bm_next_clear(dg, i, g + 64 < len ? g + 64 : len);
		if (n == CL_MAX) {
			overlong = 1;
		} else {
			cl->gs[n] = g;
			cl->gl[n] = (unsigned)(i - g);
			cl->sep[n] = 0;
			n++;
			digits += (unsigned)(i - g);
		}
		if (i - g > 19)
			overlong = 1;
		/* most clusters are one group ending at no separator: that
		 * test first (B[LEN] is the padding's, read but not used) */
		c = b[i];
		if ((!sep_byte[c] && c != ')') || i + 1 >= len || i - p > 96)
			break;
		if (sep_byte[c] && sc_digit(b[i + 1])) {
			if (!overlong)
				cl->sep[n - 1] = (char)c;
			/* a long run of groups ("4012888888881881 4012-8888-8888-1881
			 * 4012 ..."): the cluster stops after CL_MAX, its last
			 * separator says more follow, the rest is looked at next */
			if (n == CL_MAX)
				break;
			i++;
			continue;
		}
		if (c == ')' && n == 1 && p > 0 && b[p - 1] == '(') {
			if (sc_digit(b[i + 1])) {
				cl->sep[0] = ')';
				i++;
				continue;
			}
			if (b[i + 1] == ' ' && i + 2 < len && sc_digit(b[i + 2])) {
				cl->sep[0] = ')';
				i += 2;
				continue;
			}
		}
		break;
	}
	cl->n = n;
	cl->digits = digits;
	cl->overlong = overlong;
	cl->end = i;
}

/* The detector table split by trigger once, so a candidate runs only its own. */
#define TRIG_N 4
static scan_detect_fn by_trigger[TRIG_N][16];
static size_t nby_trigger[TRIG_N];

/* The cluster detectors in the order of the table (nino, card, dob, ssn,
 * ipv4, phone): run_cluster below gates each with its own first test. */
static int cluster_gated, cluster_gate_off;
/* the same for the word detectors (iban, nino, secret key: run_word) */
static int word_gated;
/* and for the ':' / '=' detectors (ipv6, secret label: run_colon) */
static int colon_gated;

void scan_set_cluster_gate(int on)
{
	cluster_gate_off = !on;
}

int scan_cluster_gate(void)
{
	return cluster_gated && word_gated && colon_gated && !cluster_gate_off;
}

static void triggers_init(void)
{
	static const scan_detect_fn order[] = { detect_nino, detect_card, detect_dob, detect_ssn, detect_ipv4, detect_phone };
	static const scan_detect_fn word_order[] = { detect_iban, detect_nino, detect_secret_key };
	static const scan_detect_fn colon_order[] = { detect_ipv6, detect_secret_label };
	size_t i, t;

	for (t = 0; t < TRIG_N; t++)
		for (i = 0; i < scan_ndetectors; i++)
			if ((scan_detectors[i].triggers & (1u << t)) && nby_trigger[t] < 16)
				by_trigger[t][nby_trigger[t]++] = scan_detectors[i].fn;
	t = (size_t)__builtin_ctz(SCAN_T_CLUSTER);
	cluster_gated = nby_trigger[t] == sizeof(order) / sizeof(order[0]);
	for (i = 0; cluster_gated && i < nby_trigger[t]; i++)
		cluster_gated = by_trigger[t][i] == order[i];
	t = (size_t)__builtin_ctz(SCAN_T_WORD);
	word_gated = nby_trigger[t] == sizeof(word_order) / sizeof(word_order[0]);
	for (i = 0; word_gated && i < nby_trigger[t]; i++)
		word_gated = by_trigger[t][i] == word_order[i];
	t = (size_t)__builtin_ctz(SCAN_T_COLON);
	colon_gated = nby_trigger[t] == sizeof(colon_order) / sizeof(colon_order[0]);
	for (i = 0; colon_gated && i < nby_trigger[t]; i++)
		colon_gated = by_trigger[t][i] == colon_order[i];
}

static inline int run_detectors(const scan_view *v, unsigned trigger, size_t pos, const scan_cluster *cl,
				scan_match *m)
{
	unsigned t = (unsigned)__builtin_ctz(trigger);
	size_t i, n = nby_trigger[t];

	for (i = 0; i < n; i++)
		if (by_trigger[t][i](v, pos, cl, m))
			return 1;
	return 0;
}

/* The cluster detectors for the digit groups CL at POS, each called only
 * where its own first test can pass (the tests are the detectors' first
 * lines, made here from the cluster's shape so most clusters - years,
 * amounts, counts - cost no call): the candidates' validation, in the
 * table's order, the first match wins.  A table in another order (or with
 * another detector) falls back to calling each in turn. */
static inline int run_cluster(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m)
{
	const unsigned char *b = v->buf;
	unsigned g0 = cl->gl[0], n = cl->n;
	char s0 = cl->sep[0];

	if (!cluster_gated || cluster_gate_off)
		return run_detectors(v, SCAN_T_CLUSTER, pos, cl, m);
	/* nino: "AB 12 34 56 C", two letters and a blank before, the letters
	 * a word of their own ("at 10", "is 42": most clusters here) */
	if (cl->start >= 3 && b[cl->start - 1] == ' ' && sc_alpha(b[cl->start - 3]) && sc_alpha(b[cl->start - 2]) &&
	    (cl->start == 3 || !(sc_word(b[cl->start - 4]) || b[cl->start - 4] == '-')) && detect_nino(v, pos, cl, m))
		return 1;
	/* card: 13-19 digits, or groups of 4 joined by ' ' or '-' with 13
	 * digits or more ("2023-02-01 14" is none); not after '+' */
	if (!(pos > 0 && b[pos - 1] == '+') &&
	    ((g0 >= 13 && g0 <= 19) || (n >= 3 && g0 == 4 && (s0 == ' ' || s0 == '-') && cl->digits >= 13)) &&
	    detect_card(v, pos, cl, m))
		return 1;
	/* dob: three groups joined by '-' '/' '.' (4-2-2 or 2-2-4 at most), or a day of 1-2 digits with
	 * a month name after it ("12 Mar", "22-nov") or before it ("March 12,");
	 * no ordinal here: a cluster running into letters is judged in
	 * process() */
	if ((n >= 3 && s0 == cl->sep[1] && (n == 3 || cl->sep[2] != s0 || s0 == ' ')
	     ? ((s0 == '-' || s0 == '/' || s0 == '.') && cl->gl[1] <= 2 &&
		((g0 == 4 && cl->gl[2] <= 2) || (g0 <= 2 && cl->gl[2] == 4)))
	     : (g0 <= 2 && (n == 1 || s0 == ' ') &&
		((n == 1 && cl->end + 1 < v->len &&
		  (b[cl->end] == ' ' || b[cl->end] == '-' || b[cl->end] == '.' || b[cl->end] == '/') &&
		  sc_alpha(b[cl->end + 1])) ||
		 (n <= 2 && cl->start >= 4 && b[cl->start - 1] == ' ' && sc_alpha(b[cl->start - 2]))))) &&
	    detect_dob(v, pos, cl, m))
		return 1;
	/* ssn: 3-2-4 or nine digits */
	if ((g0 == 3 || g0 == 9) && detect_ssn(v, pos, cl, m))
		return 1;
	/* ipv4: four groups joined by '.' */
	if (n >= 4 && s0 == '.' && cl->sep[1] == '.' && cl->sep[2] == '.' && detect_ipv4(v, pos, cl, m))
		return 1;
	/* phone: after '+' or '('; else not after '-' '.' '/', and three
	 * groups, a trunk 0, ten digits or a "(" group after */
	{
		unsigned pre = pos > 0 ? b[pos - 1] : 0;

		if (pre == '+' || pre == '(' ||
		    (pre != '-' && pre != '.' && pre != '/' &&
		     (n >= 3 || (n >= 2 && b[pos] == '0') || cl->digits >= 10 ||
		      (cl->end + 1 < v->len && b[cl->end] == ' ' && b[cl->end + 1] == '('))))
			return detect_phone(v, pos, cl, m);
	}
	return 0;
}

/* The word detectors for the word starting at POS (a digit is in it), each
 * called only where its own first test can pass (the detectors' first
 * lines: iban two capitals and two digits, nino two letters, room for
 * the rest and a digit after them (or a blank and a digit), a secret key
 * one of its prefixes' first letters), in the
 * table's order, the first match winning; off with the cluster gate
 * (scan_set_cluster_gate), or for a table in another order.  Out of line:
 * the candidate loop's registers stay its own. */
static __attribute__((noinline)) int run_word(const scan_view *v, size_t pos, scan_match *m)
{
	const unsigned char *b = v->buf;
	unsigned c0;

	if (!word_gated || cluster_gate_off)
		return run_detectors(v, SCAN_T_WORD, pos, NULL, m);
	c0 = b[pos];
	if (pos + 4 <= v->len && sc_upper(c0) && sc_upper(b[pos + 1]) && sc_digit(b[pos + 2]) && sc_digit(b[pos + 3]) &&
	    detect_iban(v, pos, NULL, m))
		return 1;
	if (pos + 9 <= v->len && sc_alpha(c0) && sc_alpha(b[pos + 1]) &&
	    (sc_digit(b[pos + 2]) || (b[pos + 2] == ' ' && sc_digit(b[pos + 3]))) && detect_nino(v, pos, NULL, m))
		return 1;
	if ((c0 == 'A' || c0 == 'g' || c0 == 'x' || c0 == 's' || c0 == 'r' || c0 == 'f') &&
	    detect_secret_key(v, pos, NULL, m))
		return 1;
	return 0;
}

/* The first "-----BEGIN " that starts in [P, TO) of B, LEN bytes of data
 * (TO <= LEN), else (size_t)-1.  A header may run past TO: one that starts
 * in a region's last ten bytes is the region's (the next region starts
 * where this one's candidates ended, after it). */
static size_t find_pem_scalar(const unsigned char *b, size_t p, size_t to, size_t len)
{
	size_t z = to + 10 < len ? to + 10 : len;
	const unsigned char *q = p < z ? memmem(b + p, z - p, "-----BEGIN ", 11) : NULL;

	return q && (size_t)(q - b) < to ? (size_t)(q - b) : (size_t)-1;
}

#ifdef SCAN_X86
/* "-----BEGIN ": a '-' at i and at i + 4 filters 32 positions per step
 * (the buffer is padded, so the load at i + 4 may pass TO); starts before
 * TO only, the compare up to LEN. */
__attribute__((target("avx2"))) static size_t find_pem_avx2(const unsigned char *b, size_t p, size_t to, size_t len)
{
	const __m256i dash = _mm256_set1_epi8('-');

	/* 64 positions a step while they all lie before TO, then 32 */
	while (p + 64 <= to) {
		const unsigned char *q = b + p;
		uint64_t lo = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(
			_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(const void *)q), dash),
			_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(q + 4)), dash)));
		uint64_t hi = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(
			_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(q + 32)), dash),
			_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(q + 36)), dash)));
		uint64_t m = lo | hi << 32;

		while (m) {
			size_t i = p + (size_t)__builtin_ctzll(m);

			if (i + 11 <= len && !memcmp(b + i, "-----BEGIN ", 11))
				return i;
			m &= m - 1;
		}
		p += 64;
	}
	while (p < to) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(b + p));
		__m256i y = _mm256_loadu_si256((const __m256i *)(const void *)(b + p + 4));
		unsigned m = (unsigned)_mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(x, dash),
									     _mm256_cmpeq_epi8(y, dash)));

		if (to - p < 32)
			m &= (unsigned)(((uint64_t)1 << (to - p)) - 1);
		while (m) {
			size_t i = p + (size_t)__builtin_ctz(m);

			if (i + 11 <= len && !memcmp(b + i, "-----BEGIN ", 11))
				return i;
			m &= m - 1;
		}
		p += 32;
	}
	return (size_t)-1;
}
#endif



/* find_pem's answer from the '-' map (a region whose four maps were made
 * at once: the map holds [cm_lo, len) and 0 after): the positions with a
 * '-' and another 4 bytes on, then the compare; each 64 bytes cost a few
 * word operations instead of four vector loads. */
static size_t find_pem_map(const uint64_t *da, const unsigned char *b, size_t p, size_t to, size_t len)
{
	size_t w = p >> 6, wend;
	uint64_t x;

	if (p >= to)
		return (size_t)-1;
	wend = (to - 1) >> 6;
	x = da[w] & (da[w] >> 4 | da[w + 1] << 60) & (~(uint64_t)0 << (p & 63));
	for (;;) {
		while (x) {
			size_t i = (w << 6) + (size_t)__builtin_ctzll(x);

			if (i >= to)
				return (size_t)-1;
			if (i + 11 <= len && !memcmp(b + i, "-----BEGIN ", 11))
				return i;
			x &= x - 1;
		}
		if (++w > wend)
			return (size_t)-1;
		x = da[w] & (da[w] >> 4 | da[w + 1] << 60);
	}
}

/* A hex digit or ':' at I of the view (an IPv6 address's bytes); none past its end. */
static inline int v6_at(const scan_view *v, size_t i)
{
	return i < v->len && (sc_hex(v->buf[i]) || v->buf[i] == ':');
}

/* Two decimal digits at I and I + 1 of the view. */
static inline int dd_at(const scan_view *v, size_t i)
{
	return i + 1 < v->len && sc_digit(v->buf[i]) && sc_digit(v->buf[i + 1]);
}

/* time_colon's classes: a decimal digit 1, a hex digit or ':' 2 */
static const unsigned char t_cls[256] = {
	['0'] = 3, ['1'] = 3, ['2'] = 3, ['3'] = 3, ['4'] = 3, ['5'] = 3, ['6'] = 3, ['7'] = 3, ['8'] = 3, ['9'] = 3,
	['a'] = 2, ['b'] = 2, ['c'] = 2, ['d'] = 2, ['e'] = 2, ['f'] = 2,
	['A'] = 2, ['B'] = 2, ['C'] = 2, ['D'] = 2, ['E'] = 2, ['F'] = 2, [':'] = 2,
};

/* The ':' at POS is one of a time of day "15:31" or "15:31:52": two decimal
 * digits either side of each ':', and no hex digit or ':' before the first
 * pair or after the last (pos - 3 and the end of the view count as such).
 * Its run of hex digits and ':' then holds one or two ':' and no "::", which
 * is never an IPv6 address: detect_ipv6 asks for eight groups or a "::", and
 * counts at most five groups for such a run even with an IPv4 tail
 * ("15:31:1.2.3.4").  2: the first ':' of "15:31:52" (the minutes' digit
 * group between the two ':' is no candidate of any detector: one group of
 * two digits after ':' and before ':'), 1: another such ':', 0: none. */
static __attribute__((noinline)) int time_colon_edge(const scan_view *v, size_t pos)
{
	if (pos < 2 || !dd_at(v, pos - 2) || !dd_at(v, pos + 1))
		return 0;
	if (pos == 2 || !v6_at(v, pos - 3)) {
		/* the first ':' */
		if (!v6_at(v, pos + 3))
			return 1;
		return v->buf[pos + 3] == ':' && dd_at(v, pos + 4) && !v6_at(v, pos + 6) ? 2 : 0;
	}
	/* the second ':' of "15:31:52" */
	return v->buf[pos - 3] == ':' && pos >= 5 && dd_at(v, pos - 5) && (pos == 5 || !v6_at(v, pos - 6)) &&
	       !v6_at(v, pos + 3);
}

/* time_colon_edge's answer, by table loads where the six bytes either side
 * of POS lie in the view (near its ends, time_colon_edge itself) */
static inline __attribute__((always_inline)) int time_colon(const scan_view *v, size_t pos)
{
	const unsigned char *b = v->buf;

	if (pos < 6 || pos + 7 > v->len)
		return time_colon_edge(v, pos);
	if (!(t_cls[b[pos - 2]] & t_cls[b[pos - 1]] & t_cls[b[pos + 1]] & t_cls[b[pos + 2]] & 1))
		return 0;
	if (!(t_cls[b[pos - 3]] & 2)) {
		if (!(t_cls[b[pos + 3]] & 2))
			return 1;
		return b[pos + 3] == ':' && (t_cls[b[pos + 4]] & t_cls[b[pos + 5]] & 1) && !(t_cls[b[pos + 6]] & 2) ? 2 : 0;
	}
	return b[pos - 3] == ':' && (t_cls[b[pos - 5]] & t_cls[b[pos - 4]] & 1) && !(t_cls[b[pos - 6]] & 2) &&
	       !(t_cls[b[pos + 3]] & 2);
}

int scan_time_colon(const unsigned char *b, size_t len, size_t pos, int edge)
{
	scan_view v = { b, len, 0, NULL };

	return edge ? time_colon_edge(&v, pos) : time_colon(&v, pos);
}

/* The ':' / '=' detectors (detectors.c: detect_ipv6, then
 * detect_secret_label) at POS, each called only where its own first tests
 * can pass, so that the ':' of mail headers, JSON keys and times of day cost
 * no call: a hex digit or ':' on both sides (IPv6); for a label, "://"
 * (credentials in a URL), not the second character of an operator, a
 * comparison, or a keyword factor in the identifier before and in the 80
 * bytes before.  The first match wins.  A table in another order (or with
 * another detector), or the gates off, calls each in turn. 1: a match
 * in M; 0: none; -1: none, and POS is a time's first ':' whose minutes are
 * no candidate (time_colon): the next trigger is its second ':'. */
static inline int run_colon(const scan_view *v, size_t pos, scan_match *m)
{
	const unsigned char *b = v->buf;
	unsigned prev = pos ? b[pos - 1] : 0, next = pos + 1 < v->len ? b[pos + 1] : 0;
	int none = 0;

	if (!colon_gated || cluster_gate_off)
		return run_detectors(v, SCAN_T_COLON, pos, NULL, m);
	if (pos && pos + 1 < v->len && (sc_hex(prev) || prev == ':') && (sc_hex(next) || next == ':')) {
		/* a time of day is no address, and its minutes no candidate:
		 * the next trigger looked at is the second ':' (-1) */
		int t = time_colon(v, pos);

		if (t == 2)
			none = -1;
		else if (!t && detect_ipv6(v, pos, NULL, m))
			return 1;
	}
	if (b[pos] == ':' && next == '/' && pos + 2 < v->len && b[pos + 2] == '/')
		return detect_secret_label(v, pos, NULL, m);
	if (prev == ':' || prev == '=')
		return 0;
	if (b[pos] == '=' && (next == '=' || prev == '!'))
		return detect_secret_label(v, pos, NULL, m);
	/* right after an identifier byte other than '.' (a time "10:23:45",
	 * "2024-03-12T10:23:45", "x1=2"): the label can only be the identifier
	 * ending at POS (detect_secret_label's operator and label start there:
	 * no blank, quote or "[..]" between), so its keyword factor decides
	 * (scan_label_ident: at most 64 bytes of letters, digits, "_-." and
	 * bytes from 0x80); digits alone (most times) hold none: no look-up */
	if (prev != '.' && id_cls[prev]) {
		size_t q = pos;

		/* back over the identifier, a table load a byte, the factor
		 * looked for at its first letters only */
		while (q > 0 && pos - q < 64) {
			unsigned k = id_cls[b[q - 1]];

			if (!k)
				break;
			q--;
			if (k == 2 && q + 3 <= pos) {
				uint32_t x = (uint32_t)(b[q] | 0x20) | (uint32_t)(b[q + 1] | 0x20) << 8 |
					     (uint32_t)(b[q + 2] | 0x20) << 16;

				if (x == ('p' | 'a' << 8 | 's' << 16) || x == ('p' | 'w' << 8 | 'd' << 16) ||
				    x == ('s' | 'e' << 8 | 'c' << 16) || x == ('k' | 'e' << 8 | 'y' << 16) ||
				    x == ('t' | 'o' << 8 | 'k' << 16) || x == ('r' | 'a' << 8 | 's' << 16))
					return detect_secret_label(v, pos, NULL, m) ? 1 : none;
			}
		}
		return none;
	}
	return label_near(v, pos > 80 ? pos - 80 : 0, pos) && detect_secret_label(v, pos, NULL, m);
}

/* Look for candidates starting in [FROM, TO).  Sets s->next to where the
 * next region starts (past the last match, which may reach beyond TO). */
static int process(scan_stream *s, size_t from, size_t to)
{
	const unsigned char *b = s->buf;
	scan_view v = { s->buf, s->len, s->base, s };
	size_t p = from, pem;
	size_t nw = s->cm_words;
	const uint64_t *tr = s->cm + MAP_TRIG * nw, *dg = s->cm + MAP_DIGIT * nw;
	const uint64_t *wd = s->cm + MAP_WORD * nw, *da = s->cm + MAP_DASH * nw;
	int dense = s->cm_dense;
	scan_cluster cl;
	scan_match m;
	size_t nword = 0;
	int r;

	/* the classes of the region's bytes, and of the 128 before it (a
	 * word's start is looked for up to 100 bytes back) */
	s->cm_lo = (from > 128 ? from - 128 : 0) & ~(size_t)63;
	if (dense) {
		/* the last region asked for most of its word maps: all four
		 * made in one pass (each 32 bytes classified once, not twice),
		 * and the PEM headers looked for in the '-' map */
		maps_all(b, s->cm_lo, s->len, s->cm, nw);
		s->cm_wd_hi = (s->len + 63) / 64 + 2;
	} else {
		maps_build(b, s->cm_lo, s->len, s->cm, nw);
		s->cm_wd_hi = s->cm_lo >> 6;
	}
#define FIND_PEM(q) (dense ? find_pem_map(da, b, (q), to, s->len) : find_pem(b, (q), to, s->len))
	pem = FIND_PEM(from);
	while (p < to) {
		unsigned c;

		p = bm_next(tr, p, to);
		while (pem < p) {
			if (detect_pem(&v, pem, &m) && (r = emit(s, &m)) != 0)
				return r;
			pem = FIND_PEM(pem + 1);
		}
		if (p >= to)
			break;
		c = b[p];
		m.type = -2;
		if (sc_digit(c)) {
			unsigned prev = p ? b[p - 1] : 0;

			if (sc_word(prev) || (prev == '-' && p >= 2 && sc_alnum(b[p - 2]))) {
				/* a digit inside a word: IBAN, NINO, API keys start words */
				size_t lo = p > 100 ? p - 100 : 0, q, t, dash;

				nword++;

				/* back over word bytes and '-' (at most 100 bytes), the
				 * last '-' among them remembered */
				words_need(s, lo >> 6, (p >> 6) + 2);
				q = bm_prev(wd, da, 1, lo, p);
				q = q == (size_t)-1 ? lo : q + 1;
				dash = bm_prev(da, NULL, 0, q, p);
				if (dash != (size_t)-1)
					dash++;
				/* the whole dashed token: a UUID is looked at once */
				t = word_fwd(s, p);
				if (run_word(&v, q, &m) || (dash != (size_t)-1 && run_word(&v, dash, &m))) {
					if (m.type >= 0 && (r = emit(s, &m)) != 0)
						return r;
					p = m.end > t ? m.end : t;
				} else {
					p = t;
				}
				continue;
			}
			if (prev == '.' && p >= 2 && sc_alnum(b[p - 2])) {
				/* the rest of a dotted word: v1.2.3.4, host1.example */
				while (p < s->len && (sc_word(b[p]) || b[p] == '.' || b[p] == '-'))
					p++;
				continue;
			}
			parse_cluster(b, dg, s->len, p, &cl);
			if (cl.end < s->len && sc_alpha(b[cl.end])) {
				/* digits running into letters: a hex id, "12px"; or the
				 * suffix letter of a NI number typed "AB 123456C" */
				if (cl.end + 1 < s->len && !sc_word(b[cl.end + 1]) && detect_nino(&v, p, &cl, &m)) {
					if ((r = emit(s, &m)) != 0)
						return r;
					p = m.end;
					continue;
				}
				/* or a day with its ordinal: "15th June 1991" */
				if (cl.n == 1 && cl.gl[0] <= 2 && cl.end + 2 < s->len && !sc_alpha(b[cl.end + 2]) &&
				    sc_alpha(b[cl.end + 1]) && detect_dob(&v, p, &cl, &m)) {
					if (m.type >= 0 && (r = emit(s, &m)) != 0)
						return r;
					p = m.end;
					continue;
				}
				/* an ISO time after the digits, "2024-12-27T15:31:52",
				 * the digits after no identifier byte: the word "T15"
				 * is skipped to its ':', which is a time's first ':'
				 * (time_colon: no address, the minutes no candidate)
				 * whose label could only be the identifier back to P,
				 * digits, separators and "T15", holding no keyword
				 * factor: the next trigger looked at is the second ':' */
				if ((b[cl.end] | 0x20) == 't' && colon_gated && !cluster_gate_off &&
				    (p == 0 || !id_cls[b[p - 1]]) && cl.end + 3 < s->len && b[cl.end + 3] == ':' &&
				    time_colon(&v, cl.end + 3) == 2) {
					p = cl.end + 6;
					continue;
				}
				p = cl.end;
				while (p < s->len && sc_word(b[p]))
					p++;
				continue;
			}
			if (!cl.overlong && run_cluster(&v, p, &cl, &m)) {
				if (m.type >= 0 && (r = emit(s, &m)) != 0)
					return r;
				/* what follows the match in the same cluster is looked
				 * at again: "4111111111111111 5555555555554444" is two */
				p = m.end > p ? m.end : cl.end;
			} else {
				p = cl.end;
			}
			continue;
		}
		if (c == '@') {
			if (run_detectors(&v, SCAN_T_AT, p, NULL, &m)) {
				if ((r = emit(s, &m)) != 0)
					return r;
				p = m.end > p ? m.end : p + 1;
				continue;
			}
		} else if ((r = run_colon(&v, p, &m)) != 0) {
			if (r < 0) {
				/* a time's first ':': on to its second */
				p += 3;
				continue;
			}
			/* a match may end at P (an IPv6 address before this ':'): always move on */
			if ((r = emit(s, &m)) != 0)
				return r;
			p = m.end > p ? m.end : p + 1;
			continue;
		}
		p++;
	}
	while (pem < to) {
		if (detect_pem(&v, pem, &m) && (r = emit(s, &m)) != 0)
			return r;
		pem = FIND_PEM(pem + 1);
	}
#undef FIND_PEM
	s->next = s->base + (p > to ? p : to);
	/* the next region's maps: all four at once when this one had a digit
	 * inside a word every 2 KiB or closer (each makes the word maps of
	 * ~1 KiB on demand: words_need's 16 words ahead); else the word maps
	 * on demand (text without such digits never pays for them) */
	s->cm_dense = nword * 2048 >= to - from;
	return 0;
}

static int process_block(scan_stream *s, int final)
{
	size_t limit, from, keep;
	int r = 0;
	uint64_t lline, lstart;

	if (s->hdr_state == 0 && s->base == 0)
		header_detect(s);
	limit = final ? s->len : s->len - SCAN_TAIL;
	from = (size_t)(s->next - s->base);
	if (s->name_fn && from < limit) {
		/* names start where candidates are looked for; a name the
		 * previous region's last match ran into is not looked at again */
		if ((r = find_names(s, from, limit)) != 0)
			return r;
	}
	if (from < limit && (r = process(s, from, limit)) != 0)
		return r;
	if (s->nm_i < s->nm_n && (r = flush_names(s, UINT64_MAX)) != 0)
		return r;
	if (s->nl_pos < s->base + limit)
		locate(s, s->base + limit, &lline, &lstart);
	if (final)
		return 0;
	keep = limit > SCAN_BACK ? limit - SCAN_BACK : 0;
	memmove(s->buf, s->buf + keep, s->len - keep);
	s->len -= keep;
	s->base += keep;
	return 0;
}

unsigned char *scan_stream_space(scan_stream *s, size_t *avail)
{
	*avail = s->cap - s->len;
	return s->buf + s->len;
}

int scan_stream_commit(scan_stream *s, size_t n)
{
	s->len += n;
	s->total += n;
	if (s->len == s->cap)
		return process_block(s, 0);
	return 0;
}

int scan_stream_feed(scan_stream *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	int r;

	while (len) {
		size_t avail, n;
		unsigned char *dst = scan_stream_space(s, &avail);

		n = len < avail ? len : avail;
		memcpy(dst, p, n);
		p += n;
		len -= n;
		if ((r = scan_stream_commit(s, n)) != 0)
			return r;
	}
	return 0;
}

int scan_stream_finish(scan_stream *s)
{
	return process_block(s, 1);
}
