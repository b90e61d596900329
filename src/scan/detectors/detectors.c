/* detectors.c - the detector table and masking.  Adding a detector is a new
 * file and one line here; the engine runs, at each trigger, the detectors
 * listed for it in this order and keeps the first that matches (so a
 * card-shaped decoy, consumed by detect_card, is never reported as a
 * phone).  The cluster detectors are called only where the cluster's shape
 * passes their first tests, made in the engine (engine.c, run_cluster): a
 * detector that comes to accept another shape widens its gate there too
 * (test_cluster_gate_agrees and the scan_engine fuzz target compare the
 * findings with the gate on and off); a new cluster detector, or another
 * order, turns the gate off until run_cluster knows it.  The word detectors
 * (iban, uk_nino, secret) have the same kind of gate (run_word; with
 * test_word_gate_agrees). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "scan/scan_int.h"

const struct scan_detector scan_detectors[] = {
	{ "iban", SCAN_T_WORD, detect_iban },
	{ "uk_nino", SCAN_T_WORD | SCAN_T_CLUSTER, detect_nino },
	{ "secret", SCAN_T_WORD, detect_secret_key },
	{ "card", SCAN_T_CLUSTER, detect_card },
	{ "dob", SCAN_T_CLUSTER, detect_dob },
	{ "ssn", SCAN_T_CLUSTER, detect_ssn },
	{ "ip", SCAN_T_CLUSTER, detect_ipv4 },
	{ "phone", SCAN_T_CLUSTER, detect_phone },
	{ "email", SCAN_T_AT, detect_email },
	{ "ip", SCAN_T_COLON, detect_ipv6 },
	{ "secret", SCAN_T_COLON, detect_secret_label },
};
const size_t scan_ndetectors = sizeof(scan_detectors) / sizeof(scan_detectors[0]);

int scan_mask_vector = 1;

/* Copy VAL with every digit/letter after the first KEEP_HEAD and before the
 * last KEEP_TAIL such characters replaced by '*'.  PADDED: 64 bytes past
 * VAL + N may be read (a stream's buffer), so the value is loaded from VAL
 * 16 bytes a step, the bytes past N cleared, with no copy first. */
static inline void keep_ends(char *out, size_t outlen, const unsigned char *val, size_t n, unsigned head,
			     unsigned tail, int letters, int padded)
{
	size_t i, from, to, k;

	if (n >= outlen)
		n = outlen - 1;
#ifdef __SSE2__
	if (scan_mask_vector && outlen >= 64 && n < 64) {
		/* every finding is masked: the value's characters as a bit per
		 * byte (read from OUT, its first 64 bytes zeroed before the
		 * copy), the first HEAD and last TAIL bits cleared, a star
		 * where a bit is left, 16 bytes a step */
		uint64_t m = 0, stars;
		size_t chunks = (n + 15) / 16;

		if (padded) {
			/* each step's bytes from N on cleared (a byte's index
			 * against N's), stored at OUT; OUT[N] the end */
			const __m128i iota = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

			for (i = 0; i < chunks; i++) {
				__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(val + 16 * i));
				__m128i in = _mm_cmplt_epi8(iota, _mm_set1_epi8((char)(n - 16 * i < 16 ? n - 16 * i : 16)));

				_mm_storeu_si128((__m128i *)(void *)(out + 16 * i), _mm_and_si128(v, in));
			}
			out[n] = '\0';
		} else {
			for (i = 0; i < 64; i += 16)
				_mm_storeu_si128((__m128i *)(void *)(out + i), _mm_setzero_si128());
			memcpy(out, val, n);
		}

		for (i = 0; i < chunks; i++) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(out + 16 * i));
			__m128i d = _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - '0'))),
						   _mm_set1_epi8((char)(0x80 + 10)));

			if (letters) {
				__m128i l = _mm_or_si128(v, _mm_set1_epi8(0x20));

				d = _mm_or_si128(d, _mm_cmplt_epi8(_mm_add_epi8(l, _mm_set1_epi8((char)(0x80 - 'a'))),
								   _mm_set1_epi8((char)(0x80 + 26))));
			}
			m |= (uint64_t)(unsigned)_mm_movemask_epi8(d) << (16 * i);
		}
		/* (the zeros from N on are no characters) */
		stars = m;
		for (k = 0; k < head && stars; k++)
			stars &= stars - 1;
		if (k < head)
			return;         /* fewer than HEAD: nothing starred */
		for (k = 0; k < tail && stars; k++)
			stars &= ~((uint64_t)1 << (63 - __builtin_clzll(stars)));
		for (i = 0; stars; i++, stars >>= 16) {
			/* the 16 bits of this chunk as 16 bytes of 0xFF or 0 */
			const __m128i sel = _mm_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
			unsigned bits = (unsigned)(stars & 0xFFFF);
			__m128i v, x;

			if (!bits)
				continue;
			x = _mm_cmpeq_epi8(_mm_and_si128(_mm_set_epi64x((long long)(0x0101010101010101ull * (bits >> 8)),
									(long long)(0x0101010101010101ull * (bits & 0xFF))),
							  sel),
					   sel);
			v = _mm_loadu_si128((const __m128i *)(const void *)(out + 16 * i));
			v = _mm_or_si128(_mm_and_si128(x, _mm_set1_epi8('*')), _mm_andnot_si128(x, v));
			_mm_storeu_si128((__m128i *)(void *)(out + 16 * i), v);
		}
		return;
	}
#endif
	memcpy(out, val, n);
	out[n] = '\0';
	/* the first HEAD and the last TAIL such characters stay: find where the
	 * stars start and end, then one pass over the bytes between */
	for (from = 0, k = 0; from < n && k < head; from++)
		k += sc_digit(val[from]) || (letters && sc_alpha(val[from]));
	for (to = n, k = 0; to > from && k < tail; to--)
		k += sc_digit(val[to - 1]) || (letters && sc_alpha(val[to - 1]));
	for (i = from; i < to; i++)
		if (sc_digit(val[i]) || (letters && sc_alpha(val[i])))
			out[i] = '*';
}

/* OUT = VAL[0, N) + SUFFIX, truncated to OUTLEN. */
static void prefix_suffix(char *out, size_t outlen, const unsigned char *val, size_t n, const char *suffix)
{
	size_t sl = strlen(suffix);

	if (n + sl + 1 > outlen)
		n = outlen > sl + 1 ? outlen - sl - 1 : 0;
	memcpy(out, val, n);
	memcpy(out + n, suffix, sl + 1 <= outlen - n ? sl + 1 : outlen - n);
	out[outlen - 1] = '\0';
}

static inline void mask(char *out, size_t outlen, int type, const char *rule, const unsigned char *val, size_t n,
			int padded)
{
	size_t i;

	if (!outlen)
		return;
	out[0] = '\0';
	switch (type) {
	case FORT_SCAN_CARD:
	case FORT_SCAN_SSN:
		keep_ends(out, outlen, val, n, 0, 4, 0, padded);
		break;
	case FORT_SCAN_IBAN:
		keep_ends(out, outlen, val, n, 2, 4, 1, padded);
		break;
	case FORT_SCAN_PHONE:
		keep_ends(out, outlen, val, n, 0, 2, 0, padded);
		break;
	case FORT_SCAN_NINO:
		keep_ends(out, outlen, val, n, 2, 1, 1, padded);
		break;
	case FORT_SCAN_DOB:
		keep_ends(out, outlen, val, n, 0, 0, 1, padded);
		break;
	case FORT_SCAN_EMAIL: {
		const unsigned char *at = memchr(val, '@', n);

		if (!at || at == val) {
			snprintf(out, outlen, "***");
			break;
		}
		i = n - (size_t)(at - val);
		if (i + 5 > outlen)
			i = outlen - 5;
		out[0] = (char)val[0];
		memcpy(out + 1, "***", 3);
		memcpy(out + 4, at, i);
		out[4 + i] = '\0';
		break;
	}
	case FORT_SCAN_IP:
		if (rule && rule[3] == 'v' && rule[4] == '6') {
			for (i = 0; i < n && val[i] != ':'; i++)
				;
			prefix_suffix(out, outlen, val, i, ":****");
		} else {
			for (i = 0; i < n && val[i] != '.'; i++)
				;
			prefix_suffix(out, outlen, val, i, ".*.*.*");
		}
		break;
	case FORT_SCAN_SECRET:
		if (rule && !strcmp(rule, "secret.private-key"))
			snprintf(out, outlen, "%.*s", (int)n, (const char *)val);
		else if (rule && (!strcmp(rule, "secret.password") || !strcmp(rule, "secret.url-credentials")))
			snprintf(out, outlen, "********");
		else
			snprintf(out, outlen, "%.4s****************", (const char *)val);
		break;
	case FORT_SCAN_NAME: {
		/* "J*** D**": each word's first letter, a star per other code point */
		size_t o = 0;
		int start = 1;

		for (i = 0; i < n && o + 5 < outlen; i++) {
			unsigned char c = val[i];

			if (c == ' ') {
				out[o++] = ' ';
				start = 1;
			} else if (start) {
				out[o++] = (char)c;
				while (i + 1 < n && (val[i + 1] & 0xC0) == 0x80 && o + 5 < outlen)
					out[o++] = (char)val[++i];
				start = 0;
			} else if ((c & 0xC0) != 0x80) {
				out[o++] = '*';
			}
		}
		out[o] = '\0';
		break;
	}
	default:
		snprintf(out, outlen, "***");
	}
}

void scan_mask(char *out, size_t outlen, int type, const char *rule, const unsigned char *val, size_t n)
{
	mask(out, outlen, type, rule, val, n, 0);
}

void scan_mask_padded(char *out, size_t outlen, int type, const char *rule, const unsigned char *val, size_t n)
{
	mask(out, outlen, type, rule, val, n, 1);
}
