/* phonelib.h - telephone numbering plans, from libphonenumber (C++) behind a
 * small C interface, for the scanner's phone detector (only candidates it
 * has already shaped reach it, so the hot path never enters C++) and for
 * the phone field type (parsing, validation, E.164).  No vault knowledge. */
#ifndef FORT_UTIL_PHONELIB_H
#define FORT_UTIL_PHONELIB_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* DIGITS[0, N) (ASCII digits only): 1 when "+DIGITS" is a valid number of
 * the country its calling code names, else 0. */
int phonelib_valid_intl(const char *digits, size_t n);

/* DIGITS[0, N) dialled nationally (with its trunk prefix, if any): 1 when it
 * is a valid number in one of the regions the scanner assumes for numbers
 * written without a country code (phonelib.cc lists them, by the first
 * digit: a trunk 0 or not; GROUPED 0, a bare run of digits, is judged by
 * fewer), else 0. */
int phonelib_valid_national(const char *digits, size_t n, int grouped);

/* What phonelib_e164() found. */
enum phonelib_result {
	PHONELIB_OK = 0,
	PHONELIB_BAD_CC,      /* "+..." with no such country calling code */
	PHONELIB_BAD_REGION,  /* a national number and REGION has no numbering plan */
	PHONELIB_TOO_SHORT,   /* too few digits for the country's plan */
	PHONELIB_TOO_LONG,    /* too many */
	PHONELIB_INVALID,     /* the right length, but no such number in the plan */
	PHONELIB_NOT_NUMBER,  /* not a phone number at all */
};

/* Parse NUMBER (digits, "+" first for an international number; the caller
 * has already refused letters and other characters) as dialled in REGION
 * (ISO 3166 two letters; used only when NUMBER has no "+"), check it against
 * the country's numbering plan and write its E.164 form ("+4930123456",
 * NUL-terminated) into OUT (CAP >= 17).  The country the number belongs to
 * (ISO code, "001" for non-geographic) goes to WHERE (4 bytes) when it is
 * known, even for an invalid number.  Returns a phonelib_result. */
int phonelib_e164(char *out, size_t cap, char where[4], const char *number, const char *region);

/* How phonelib_e164_how() read and judged a number (bits of *HOW). */
enum phonelib_how {
	PHONELIB_HOW_PLAIN = 1,  /* read without PhoneNumberUtil::Parse (phonelib.cc says when) */
	PHONELIB_HOW_TABLE = 2,  /* validity settled by phonelib.cc's compiled patterns, not by
				  * PhoneNumberUtil::IsValidNumber */
	PHONELIB_HOW_REGION = 4, /* country and possible length from phonelib.cc's table (a calling
				  * code of one region), not GetRegionCodeForNumber and
				  * IsPossibleNumberWithReason */
};

/* phonelib_e164() with the path shown: REFERENCE 1 asks the library alone
 * (PhoneNumberUtil::Parse for every number, IsValidNumber for validity:
 * what the faster paths are tested against); HOW (may be NULL) gets the
 * phonelib_how bits of the paths taken. */
int phonelib_e164_how(char *out, size_t cap, char where[4], const char *number, const char *region,
		      int reference, int *how);

/* For the tests: the Ith of the library's example numbers (a valid number
 * of each type its metadata describes, for every region and non-geographic
 * entity), E.164, into OUT (CAP >= 17).  1, or 0 past the last. */
int phonelib_example(char *out, size_t cap, size_t i);

/* For the tests: every national_number_pattern of the metadata matched by
 * phonelib.cc's digit-set matcher (dpat) and by ICU, on PER_PATTERN strings
 * each drawn from the pattern's own language (and neighbours of them: a
 * digit changed, dropped or added); returns the number of disagreements. */
struct phonelib_patterns_tally {
	size_t patterns;  /* non-empty patterns met */
	size_t refused;   /* of which the digit-set matcher does not compile (ICU's) */
	size_t tried;     /* strings matched both ways */
	size_t matched;   /* of which ICU matched */
};
size_t phonelib_patterns_check(unsigned long long seed, size_t per_pattern, struct phonelib_patterns_tally *t);

/* 1 when libphonenumber knows REGION (ISO 3166 two letters) as a country
 * with a numbering plan. */
int phonelib_region_known(const char *region);

#ifdef __cplusplus
}
#endif

#endif
