/* phonelib.h - telephone numbering plans, from libphonenumber (C++) behind a
 * small C interface.  Only candidates the phone detector has already shaped
 * reach it, so the hot path never enters C++. */
#ifndef FORT_SCAN_PHONELIB_H
#define FORT_SCAN_PHONELIB_H

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

#ifdef __cplusplus
}
#endif

#endif
